//! Charts drawn as SVG by the server (they show before any wasm loads, and print): a line chart
//! of a weekly series and a horizontal bar chart. Each is an image with a title, every point or
//! bar carries its value as a tooltip, and the same numbers sit beside it in a table.

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::api::metrics::{Bar, WeekPoint};

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// A "nice" top for an axis: 1, 2 or 5 times a power of ten, at least `max`.
pub fn axis_top(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * magnitude)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * magnitude)
}

/// The chart's points: x and y in the drawing, with the week and value, for weeks with a value.
pub fn line_points(points: &[WeekPoint], top: f64) -> Vec<(f64, f64, NaiveDate, f64)> {
    let inner_w = WIDTH - LEFT - RIGHT;
    let inner_h = HEIGHT - TOP - BOTTOM;
    let step = if points.len() > 1 {
        inner_w / (points.len() - 1) as f64
    } else {
        0.0
    };
    points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let value = p.value?;
            let x = LEFT
                + if points.len() > 1 {
                    step * i as f64
                } else {
                    inner_w / 2.0
                };
            let y = TOP + inner_h * (1.0 - value / top);
            Some((x, y, p.week, value))
        })
        .collect()
}

/// A weekly series as a line, with its table. `format` writes a value for people.
#[component]
pub fn LineChart(
    /// The chart's id (for its title and table).
    id: String,
    title: String,
    points: Vec<WeekPoint>,
    /// What a value means, for the table's heading (e.g. "Mean time to detect").
    value_label: &'static str,
    format: fn(f64) -> String,
) -> impl IntoView {
    let max = points
        .iter()
        .filter_map(|p| p.value)
        .fold(0.0_f64, f64::max);
    let top = axis_top(max);
    let drawn = line_points(&points, top);
    let path = drawn
        .iter()
        .enumerate()
        .map(|(i, (x, y, _, _))| format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" }))
        .collect::<Vec<_>>()
        .join(" ");
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    let baseline = HEIGHT - BOTTOM;
    let first = points
        .first()
        .map(|p| p.week.format("%d %b").to_string())
        .unwrap_or_default();
    let last = points
        .last()
        .map(|p| p.week.format("%d %b").to_string())
        .unwrap_or_default();
    let empty = drawn.is_empty();
    view! {
        <figure class="chart" data-testid=id.clone()>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby=labelled_by class="chart-svg">
                <title id=title_id>{title.clone()}</title>
                <line class="axis" x1=LEFT y1=TOP x2=LEFT y2=baseline />
                <line class="axis" x1=LEFT y1=baseline x2=WIDTH - RIGHT y2=baseline />
                <text class="tick" x=LEFT - 6.0 y=TOP + 4.0 text-anchor="end">{format(top)}</text>
                <text class="tick" x=LEFT - 6.0 y=baseline text-anchor="end">"0"</text>
                <text class="tick" x=LEFT y=HEIGHT - 8.0>{first}</text>
                <text class="tick" x=WIDTH - RIGHT y=HEIGHT - 8.0 text-anchor="end">{last}</text>
                <path class="series" d=path />
                {drawn.iter().map(|(x, y, week, value)| view! {
                    <circle class="point" cx=format!("{x:.1}") cy=format!("{y:.1}") r="4">
                        <title>{format!("Week of {}: {}", week.format("%d %b %Y"), format(*value))}</title>
                    </circle>
                }).collect_view()}
                {empty.then(|| view! { <text class="tick" x=WIDTH / 2.0 y=HEIGHT / 2.0 text-anchor="middle">"No data in this period"</text> })}
            </svg>
            <figcaption>{title.clone()}</figcaption>
            <details class="chart-data">
                <summary>"Numbers"</summary>
                <table class="catalog compact">
                    <caption class="visually-hidden">{title}</caption>
                    <thead><tr><th scope="col">"Week of"</th><th scope="col">{value_label}</th><th scope="col">"Records"</th></tr></thead>
                    <tbody>
                        {points.iter().map(|p| view! {
                            <tr>
                                <th scope="row">{p.week.format("%Y-%m-%d").to_string()}</th>
                                <td>{p.value.map(format).unwrap_or_else(|| "—".into())}</td>
                                <td>{p.count}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

/// Labelled counts as horizontal bars, each linking to its records, with its table.
#[component]
pub fn BarChart(
    id: String,
    title: String,
    bars: Vec<Bar>,
    value_label: &'static str,
) -> impl IntoView {
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let top = axis_top(max);
    let row_h = 26.0;
    let label_w = 140.0;
    let height = (bars.len().max(1) as f64) * row_h + 8.0;
    let bar_w = WIDTH - label_w - 60.0;
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <figure class="chart" data-testid=id.clone()>
            // Its bars are links, so the chart is a group of them, not an image (whose parts
            // would be hidden from assistive technology and could not be focusable).
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="group" aria-labelledby=labelled_by class="chart-svg">
                <title id=title_id>{title.clone()}</title>
                {bars.iter().enumerate().map(|(i, b)| {
                    let y = 4.0 + i as f64 * row_h;
                    let w = (b.value / top * bar_w).max(if b.value > 0.0 { 2.0 } else { 0.0 });
                    view! {
                        <a href=b.href.clone()>
                            <g class="bar">
                                <title>{format!("{}: {}", b.label, b.value)}</title>
                                <text class="tick" x=label_w - 8.0 y=y + 16.0 text-anchor="end">{b.label.clone()}</text>
                                <rect x=label_w y=y + 3.0 width=format!("{w:.1}") height=row_h - 8.0 rx="2" />
                                <text class="tick value" x=label_w + w + 6.0 y=y + 16.0>{b.value.to_string()}</text>
                            </g>
                        </a>
                    }
                }).collect_view()}
                {bars.is_empty().then(|| view! { <text class="tick" x=WIDTH / 2.0 y=18.0 text-anchor="middle">"None in this period"</text> })}
            </svg>
            <figcaption>{title.clone()}</figcaption>
            <details class="chart-data">
                <summary>"Numbers"</summary>
                <table class="catalog compact">
                    <caption class="visually-hidden">{title}</caption>
                    <thead><tr><th scope="col">"Label"</th><th scope="col">{value_label}</th></tr></thead>
                    <tbody>
                        {bars.iter().map(|b| view! {
                            <tr>
                                <th scope="row"><a href=b.href.clone()>{b.label.clone()}</a></th>
                                <td>{b.value.to_string()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(axis_top(0.0), 1.0);
        assert_eq!(axis_top(7.0), 10.0);
        assert_eq!(axis_top(12.0), 20.0);
        assert_eq!(axis_top(430.0), 500.0);
        assert_eq!(axis_top(5000.0), 5000.0);
    }

    #[test]
    fn points_spread_over_the_width_and_skip_empty_weeks() {
        let week = |d: u32, v: Option<f64>| WeekPoint {
            week: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            count: 1,
            value: v,
        };
        let drawn = line_points(
            &[week(2, Some(10.0)), week(9, None), week(16, Some(5.0))],
            10.0,
        );
        assert_eq!(drawn.len(), 2);
        assert_eq!(drawn[0].0, LEFT);
        assert_eq!(drawn[0].1, TOP, "the top value sits at the top");
        assert_eq!(drawn[1].0, WIDTH - RIGHT);
        assert_eq!(drawn[1].1, TOP + (HEIGHT - TOP - BOTTOM) / 2.0);
    }
}
