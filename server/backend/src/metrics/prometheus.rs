//! The Prometheus `/metrics` text: the dashboard's default figures (the last 30 days, every
//! service) and the app's own health (requests served, sync queue depth, webhook refusals), in
//! the OpenMetrics text format, with `prometheus-client`.

use std::sync::OnceLock;
use std::sync::atomic::AtomicU64;

use chrono::{DateTime, Utc};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::figures::{self, Metric, Of};
use crate::{AppError, AppState};
use shared::domain::metrics::DashboardQuery;

type Labels = Vec<(String, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

/// Counters kept by the process since it started.
struct Telemetry {
    requests: Family<Labels, Counter>,
    webhooks: Family<Labels, Counter>,
    pages: Family<Labels, Counter>,
}

fn telemetry() -> &'static Telemetry {
    static TELEMETRY: OnceLock<Telemetry> = OnceLock::new();
    TELEMETRY.get_or_init(|| Telemetry {
        requests: Family::default(),
        webhooks: Family::default(),
        pages: Family::default(),
    })
}

/// Label pairs, their values escaped as the text format requires (prometheus-client writes them
/// as they are, so a service named `x",state="y` would otherwise forge a label).
fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), escape_label_value(v)))
        .collect()
}

/// A label value with backslash, double quote and line feed escaped.
fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The methods counted by name; any other (clients may invent them) is counted as `other`, so
/// a stranger cannot add series without end.
const KNOWN_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
];

/// Counts one HTTP request answered with `status`.
pub fn record_request(method: &str, status: u16) {
    let method = KNOWN_METHODS
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or("other");
    telemetry()
        .requests
        .get_or_create(&labels(&[
            ("method", method),
            ("status", &status.to_string()),
        ]))
        .inc();
}

/// Counts one webhook delivery to `hook` (`alerts`, `github`, `deployments`) and its outcome
/// (`accepted`, `refused` for a 4xx, `failed` for a 5xx).
pub fn record_webhook(hook: &str, status: u16) {
    let outcome = match status {
        200..=299 => "accepted",
        400..=499 => "refused",
        _ => "failed",
    };
    telemetry()
        .webhooks
        .get_or_create(&labels(&[("hook", hook), ("outcome", outcome)]))
        .inc();
}

/// Counts one request for a page the page cache keeps: `hit` when a remembered copy was sent,
/// `miss` when it was rendered.
pub fn record_page_cache(hit: bool) {
    let outcome = if hit { "hit" } else { "miss" };
    telemetry()
        .pages
        .get_or_create(&labels(&[("outcome", outcome)]))
        .inc();
}

/// A gauge family filled with `rows` of (labels, value).
fn gauges(
    registry: &mut Registry,
    name: &str,
    help: &str,
    rows: impl IntoIterator<Item = (Labels, f64)>,
) {
    let family = Family::<Labels, FloatGauge>::default();
    for (labels, value) in rows {
        family.get_or_create(&labels).set(value);
    }
    registry.register(name, help, family);
}

/// The whole `/metrics` text as of `now`.
pub async fn render(state: &AppState, now: DateTime<Utc>) -> Result<String, AppError> {
    let view = super::dashboard(state, &DashboardQuery::default(), now).await?;
    let mut registry = Registry::with_prefix("postmortem");
    let figures = figures::of(&view);
    for metric in Metric::ALL {
        let (name, help) = metric.name_and_help();
        let samples = figures.iter().flat_map(|figure| {
            figure
                .series
                .iter()
                .filter(move |series| series.metric == metric)
                .filter_map(move |series| {
                    let value = match series.of {
                        Of::Value => figure.value?,
                        Of::Count => figure.count? as f64,
                    };
                    let pairs: Vec<(&str, &str)> = series
                        .labels
                        .iter()
                        .map(|(k, v)| (*k, v.as_str()))
                        .collect();
                    Some((labels(&pairs), value))
                })
        });
        gauges(&mut registry, name, help, samples);
    }

    let sync = crate::github::outbox::progress(&state.db).await?;
    gauges(
        &mut registry,
        "sync_queue",
        "GitHub sync jobs waiting, failing (to be retried) and stopped",
        [
            ("pending", sync.pending),
            ("failed", sync.failed),
            ("parked", sync.parked),
        ]
        .map(|(st, n)| (labels(&[("state", st)]), n as f64)),
    );
    let t = telemetry();
    registry.register(
        "http_requests",
        "HTTP requests answered since the server started",
        t.requests.clone(),
    );
    registry.register(
        "webhook_deliveries",
        "Webhook deliveries since the server started, by hook and outcome",
        t.webhooks.clone(),
    );
    registry.register(
        "page_cache_requests",
        "Meeting page requests since the server started, sent remembered (hit) or rendered (miss)",
        t.pages.clone(),
    );
    let mut text = String::new();
    encode(&mut text, &registry).map_err(|_| {
        AppError::Db(sea_orm::DbErr::Custom(
            "the metrics text could not be written".into(),
        ))
    })?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_value_cannot_forge_another_label() {
        assert_eq!(
            escape_label_value("Evil\",state=\"verified\\\n"),
            "Evil\\\",state=\\\"verified\\\\\\n"
        );
    }
}
