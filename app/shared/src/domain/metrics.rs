//! The scoreboard's definitions: the reporting period and its weeks in the team's time zone, the
//! mean and median of durations, change failure rate and deployment frequency, and which
//! deployments an incident's timeline blames. The database computes the same figures with SQL
//! (`server::metrics`); the integration tests hold both to these definitions.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::validation::{FieldError, FieldErrors};

/// Seconds in a week.
pub const WEEK_SECONDS: i64 = 7 * 24 * 3600;
/// 1970-01-05 00:00 UTC, the first Monday of the Unix epoch: weeks are counted from it.
pub const FIRST_MONDAY_SECONDS: i64 = 4 * 24 * 3600;
/// The longest period the dashboard covers.
pub const MAX_DAYS: i64 = 731;
/// The preset periods, in days.
pub const PRESETS: [i64; 3] = [7, 30, 90];

/// The dashboard's filters, as they appear in its query string.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardQuery {
    /// `7`, `30` (the default), `90` or `custom`.
    #[serde(default)]
    pub range: String,
    /// The first day of a custom period (YYYY-MM-DD, in the reporting time zone).
    #[serde(default)]
    pub from: String,
    /// The last day of a custom period, included.
    #[serde(default)]
    pub to: String,
    /// A service slug.
    #[serde(default)]
    pub service: String,
    /// `SEV1`…`SEV4`.
    #[serde(default)]
    pub severity: String,
    /// A team, as named in the service catalog.
    #[serde(default)]
    pub team: String,
}

/// The period a dashboard covers: `[from, to)`, with the offset its days and weeks are read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub offset: FixedOffset,
}

impl Period {
    /// The period `query` asks for: whole days in `offset`, the last one included; a preset's
    /// last day is today.
    pub fn parse(
        query: &DashboardQuery,
        now: DateTime<Utc>,
        offset: FixedOffset,
    ) -> Result<Self, FieldErrors> {
        let range = query.range.trim();
        if range != "custom" {
            let days = match range {
                "" => 30,
                other => other
                    .parse::<i64>()
                    .ok()
                    .filter(|d| PRESETS.contains(d))
                    .ok_or_else(|| {
                        single(
                            "range",
                            "Choose the last 7, 30 or 90 days, or a custom period.",
                        )
                    })?,
            };
            // Whole days: today (in the reporting zone) and the days before it.
            let today = now.with_timezone(&offset).date_naive();
            return Ok(Self {
                from: local_midnight(today - Duration::days(days - 1), offset),
                to: local_midnight(today + Duration::days(1), offset),
                offset,
            });
        }
        let mut errors = FieldErrors::default();
        let from = errors.check("from", parse_day(&query.from, "first"));
        let to = errors.check("to", parse_day(&query.to, "last"));
        let (Some(from), Some(to)) = (from, to) else {
            return Err(errors);
        };
        if to < from {
            return Err(single("to", "The last day cannot be before the first day."));
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(single(
                "to",
                format!("A period can cover at most {MAX_DAYS} days."),
            ));
        }
        Ok(Self {
            from: local_midnight(from, offset),
            to: local_midnight(to + Duration::days(1), offset),
            offset,
        })
    }

    /// The period's length in days (fractions count).
    pub fn days(&self) -> f64 {
        (self.to - self.from).num_seconds() as f64 / 86_400.0
    }

    /// The week indexes (see [`week_index`]) the period touches, in order.
    pub fn weeks(&self) -> std::ops::RangeInclusive<i64> {
        let last = self.to - Duration::seconds(1);
        week_index(self.from, self.offset)..=week_index(last.max(self.from), self.offset)
    }

    /// The period's first day and the day after its last, as [`day_number`]s.
    pub fn day_numbers(&self) -> (i64, i64) {
        (
            day_number(self.from, self.offset),
            day_number(self.to - Duration::seconds(1), self.offset) + 1,
        )
    }

    /// The offset in seconds east of UTC, as the SQL bucketing needs it.
    pub fn offset_seconds(&self) -> i64 {
        i64::from(self.offset.local_minus_utc())
    }
}

fn single(field: &str, message: impl Into<String>) -> FieldErrors {
    FieldErrors(vec![FieldError::new(field, message)])
}

fn parse_day(input: &str, which: &str) -> Result<NaiveDate, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err(format!("Give the {which} day of the period."));
    }
    NaiveDate::parse_from_str(input, "%Y-%m-%d")
        .map_err(|_| format!("`{input}` is not a date; use YYYY-MM-DD."))
}

fn local_midnight(day: NaiveDate, offset: FixedOffset) -> DateTime<Utc> {
    offset
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .single()
        .expect("a fixed offset has one midnight")
        .with_timezone(&Utc)
}

/// Reads the reporting time zone's offset from UTC: `+02:00`, `-05:30`, `Z` or empty for UTC.
pub fn parse_offset(input: &str) -> Result<FixedOffset, String> {
    let input = input.trim();
    if input.is_empty() || input.eq_ignore_ascii_case("z") || input.eq_ignore_ascii_case("utc") {
        return Ok(FixedOffset::east_opt(0).expect("zero is a valid offset"));
    }
    let bad = || format!("`{input}` is not an offset from UTC; write it as +02:00 or -05:30.");
    let (sign, rest) = match input.as_bytes().first() {
        Some(b'+') => (1, &input[1..]),
        Some(b'-') => (-1, &input[1..]),
        _ => return Err(bad()),
    };
    let (hours, minutes) = rest.split_once(':').ok_or_else(bad)?;
    let hours: i32 = hours.parse().map_err(|_| bad())?;
    let minutes: i32 = minutes.parse().map_err(|_| bad())?;
    if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).ok_or_else(bad)
}

/// The week `at` falls in, counted in whole weeks from the Monday 1970-01-05, with weeks starting
/// on Monday 00:00 in `offset`.
pub fn week_index(at: DateTime<Utc>, offset: FixedOffset) -> i64 {
    let local_seconds = at.timestamp() + i64::from(offset.local_minus_utc());
    (local_seconds - FIRST_MONDAY_SECONDS).div_euclid(WEEK_SECONDS)
}

/// The day `at` falls on in `offset`, counted in days from 1970-01-01.
pub fn day_number(at: DateTime<Utc>, offset: FixedOffset) -> i64 {
    (at.timestamp() + i64::from(offset.local_minus_utc())).div_euclid(86_400)
}

/// The first instant of a [`day_number`] in `offset`.
pub fn day_start(day: i64, offset: FixedOffset) -> DateTime<Utc> {
    DateTime::from_timestamp(day * 86_400 - i64::from(offset.local_minus_utc()), 0)
        .expect("a day number in range")
}

/// The week (see [`week_index`]) a [`day_number`] falls in.
pub fn week_of_day(day: i64) -> i64 {
    (day - FIRST_MONDAY_SECONDS / 86_400).div_euclid(7)
}

/// The Monday a week index starts on.
pub fn week_start(index: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 5).expect("a valid date") + Duration::weeks(index)
}

/// A figure over a set of durations: how many there were, their mean and their median.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub count: u64,
    /// Seconds; `None` when there is nothing to average.
    pub mean: Option<f64>,
    /// Seconds: the middle value, or the mean of the two middle values.
    pub median: Option<f64>,
}

/// Mean and median of `seconds`.
pub fn summarise(seconds: &[i64]) -> Summary {
    if seconds.is_empty() {
        return Summary::default();
    }
    let mut sorted = seconds.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2] as f64
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0
    };
    Summary {
        count: n as u64,
        mean: Some(sorted.iter().map(|s| *s as f64).sum::<f64>() / n as f64),
        median: Some(median),
    }
}

/// The four recovery figures, each from one pair of incident milestones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Measure {
    /// Impact started → detected.
    Detect,
    /// Detected → acknowledged.
    Acknowledge,
    /// Impact started → mitigated.
    Mitigate,
    /// Impact started → resolved.
    Resolve,
}

impl Measure {
    pub const ALL: [Measure; 4] = [
        Measure::Detect,
        Measure::Acknowledge,
        Measure::Mitigate,
        Measure::Resolve,
    ];

    /// The short name on the dashboard, e.g. `MTTD`.
    pub fn abbreviation(self) -> &'static str {
        match self {
            Measure::Detect => "MTTD",
            Measure::Acknowledge => "MTTA",
            Measure::Mitigate => "MTTM",
            Measure::Resolve => "MTTR",
        }
    }

    /// Its name, as used in CSV and `/metrics`.
    pub fn key(self) -> &'static str {
        match self {
            Measure::Detect => "detect",
            Measure::Acknowledge => "acknowledge",
            Measure::Mitigate => "mitigate",
            Measure::Resolve => "resolve",
        }
    }

    /// The definition the dashboard and README state.
    pub fn definition(self) -> &'static str {
        match self {
            Measure::Detect => "Mean time to detect: impact started → detected.",
            Measure::Acknowledge => "Mean time to acknowledge: detected → acknowledged.",
            Measure::Mitigate => "Mean time to mitigate: impact started → mitigated.",
            Measure::Resolve => {
                "Mean time to resolve: impact started → resolved; unresolved incidents are left out (and counted as open)."
            }
        }
    }

    /// The duration in whole seconds (each end's fraction dropped), when both ends are known
    /// and in order.
    pub fn seconds(self, m: &super::Milestones) -> Option<i64> {
        let (start, end) = match self {
            Measure::Detect => (m.impact_started_at, m.detected_at),
            Measure::Acknowledge => (m.detected_at, m.acknowledged_at),
            Measure::Mitigate => (m.impact_started_at, m.mitigated_at),
            Measure::Resolve => (m.impact_started_at, m.resolved_at),
        };
        match (start, end) {
            (Some(start), Some(end)) if end >= start => Some(end.timestamp() - start.timestamp()),
            _ => None,
        }
    }

    /// The duration for one incident's milestones, when both ends are known and in order.
    pub fn of(self, m: &super::Milestones) -> Option<Duration> {
        let d = m.durations();
        match self {
            Measure::Detect => d.to_detect,
            Measure::Acknowledge => d.to_acknowledge,
            Measure::Mitigate => d.to_mitigate,
            Measure::Resolve => d.to_resolve,
        }
    }
}

/// Change failure rate: the share of deployments in the period that an incident was linked to.
pub fn change_failure_rate(deployments: u64, failed: u64) -> Option<f64> {
    (deployments > 0).then(|| failed.min(deployments) as f64 / deployments as f64)
}

/// Deployments per week over a period of `days`.
pub fn per_week(count: u64, days: f64) -> f64 {
    if days <= 0.0 {
        0.0
    } else {
        count as f64 * 7.0 / days
    }
}

/// Which deployments an incident blames: when its timeline has a change entry within `window`
/// before impact started, the deployment of its services nearest to each such entry (itself within
/// the window before impact started). Returns deployment ids, each once, in order.
pub fn blamed_deployments(
    impact_started_at: DateTime<Utc>,
    change_entries: &[DateTime<Utc>],
    deployments: &[(i64, DateTime<Utc>)],
    window: Duration,
) -> Vec<i64> {
    let earliest = impact_started_at - window;
    let in_window = |at: &DateTime<Utc>| *at >= earliest && *at <= impact_started_at;
    let candidates: Vec<&(i64, DateTime<Utc>)> =
        deployments.iter().filter(|(_, at)| in_window(at)).collect();
    let mut blamed: Vec<i64> = change_entries
        .iter()
        .filter(|at| in_window(at))
        .filter_map(|entry| {
            candidates
                .iter()
                .min_by_key(|(id, at)| ((*at - *entry).num_seconds().abs(), *id))
                .map(|(id, _)| *id)
        })
        .collect();
    blamed.sort_unstable();
    blamed.dedup();
    blamed
}

/// A duration in seconds, short: `45s`, `12m`, `3h 20m`, `2d 4h`.
pub fn format_seconds(seconds: f64) -> String {
    let s = seconds.round() as i64;
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => match (s % 3600) / 60 {
            0 => format!("{}h", s / 3600),
            m => format!("{}h {m}m", s / 3600),
        },
        s => match (s % 86_400) / 3600 {
            0 => format!("{}d", s / 86_400),
            h => format!("{}d {h}h", s / 86_400),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Milestones;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).unwrap()
    }

    fn query(range: &str, from: &str, to: &str) -> DashboardQuery {
        DashboardQuery {
            range: range.into(),
            from: from.into(),
            to: to.into(),
            ..Default::default()
        }
    }

    #[test]
    fn presets_are_whole_days_up_to_today_and_default_to_thirty_days() {
        let now = at("2026-11-28T12:00:00Z");
        for (range, days) in [("", 30), ("7", 7), ("30", 30), ("90", 90)] {
            let p = Period::parse(&query(range, "", ""), now, utc()).unwrap();
            assert_eq!(p.to, at("2026-11-29T00:00:00Z"));
            assert_eq!(
                p.from,
                at("2026-11-29T00:00:00Z") - Duration::days(days),
                "{range}"
            );
            assert_eq!(p.days(), days as f64);
        }
        // Late evening in UTC is already tomorrow in +02:00.
        let plus2 = parse_offset("+02:00").unwrap();
        let late = Period::parse(&query("7", "", ""), at("2026-11-28T23:00:00Z"), plus2).unwrap();
        assert_eq!(late.to, at("2026-11-29T22:00:00Z"));
        assert_eq!(late.from, at("2026-11-22T22:00:00Z"));
        let e = Period::parse(&query("14", "", ""), now, utc()).unwrap_err();
        assert_eq!(e.0[0].field, "range");
    }

    #[test]
    fn a_custom_period_is_whole_days_in_the_reporting_zone_with_the_last_day_included() {
        let now = at("2026-11-28T12:00:00Z");
        let plus2 = parse_offset("+02:00").unwrap();
        let p = Period::parse(&query("custom", "2026-11-01", "2026-11-07"), now, plus2).unwrap();
        assert_eq!(p.from, at("2026-10-31T22:00:00Z"));
        assert_eq!(p.to, at("2026-11-07T22:00:00Z"));
        assert_eq!(p.days(), 7.0);
        let one = Period::parse(&query("custom", "2026-11-01", "2026-11-01"), now, utc()).unwrap();
        assert_eq!(one.days(), 1.0);
    }

    #[test]
    fn bad_custom_periods_name_the_field() {
        let now = at("2026-11-28T12:00:00Z");
        let fields = |q: DashboardQuery| {
            Period::parse(&q, now, utc())
                .unwrap_err()
                .0
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(query("custom", "", "")), ["from", "to"]);
        assert_eq!(fields(query("custom", "1 Nov", "2026-11-02")), ["from"]);
        assert_eq!(fields(query("custom", "2026-11-05", "2026-11-01")), ["to"]);
        assert_eq!(fields(query("custom", "2020-01-01", "2026-11-01")), ["to"]);
    }

    #[test]
    fn offsets_parse_in_the_usual_forms() {
        assert_eq!(parse_offset("").unwrap().local_minus_utc(), 0);
        assert_eq!(parse_offset("Z").unwrap().local_minus_utc(), 0);
        assert_eq!(parse_offset("+02:00").unwrap().local_minus_utc(), 7200);
        assert_eq!(parse_offset("-05:30").unwrap().local_minus_utc(), -19800);
        for bad in ["2", "+2", "+25:00", "+02:75", "CET"] {
            assert!(parse_offset(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn weeks_start_on_monday_in_the_reporting_zone() {
        // Sunday 23:30 UTC is still Sunday in UTC but already Monday in UTC+02:00.
        let sunday_night = at("2026-11-22T23:30:00Z");
        let utc_week = week_index(sunday_night, utc());
        let plus2_week = week_index(sunday_night, parse_offset("+02:00").unwrap());
        assert_eq!(plus2_week, utc_week + 1);
        assert_eq!(
            week_start(utc_week),
            NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()
        );
        assert_eq!(
            week_start(plus2_week),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        // Monday 00:00 starts a week; the second before it ends the previous one.
        let monday = at("2026-11-23T00:00:00Z");
        assert_eq!(
            week_index(monday, utc()),
            week_index(monday - Duration::seconds(1), utc()) + 1
        );
        // And Monday 01:00 in UTC-05:00 is Sunday 20:00 locally: the week before.
        assert_eq!(
            week_index(at("2026-11-23T01:00:00Z"), parse_offset("-05:00").unwrap()),
            utc_week
        );
    }

    #[test]
    fn days_are_counted_in_the_reporting_zone_and_agree_with_weeks() {
        let plus2 = parse_offset("+02:00").unwrap();
        let minus5 = parse_offset("-05:00").unwrap();
        let sunday_night = at("2026-11-22T23:30:00Z");
        assert_eq!(
            day_number(sunday_night, plus2),
            day_number(sunday_night, utc()) + 1
        );
        assert_eq!(day_number(at("1970-01-01T00:00:00Z"), utc()), 0);
        assert_eq!(day_number(at("1970-01-01T03:00:00Z"), minus5), -1);
        for offset in [utc(), plus2, minus5] {
            let day = day_number(sunday_night, offset);
            assert!(day_start(day, offset) <= sunday_night);
            assert!(day_start(day + 1, offset) > sunday_night);
            assert_eq!(week_of_day(day), week_index(sunday_night, offset));
            assert_eq!(
                week_of_day(day + 1),
                week_index(day_start(day + 1, offset), offset)
            );
        }
        let p = Period::parse(
            &query("custom", "2026-11-01", "2026-11-07"),
            sunday_night,
            plus2,
        )
        .unwrap();
        let (first, end) = p.day_numbers();
        assert_eq!(end - first, 7);
        assert_eq!(day_start(first, plus2), p.from);
        assert_eq!(day_start(end, plus2), p.to);
    }

    #[test]
    fn measures_count_whole_seconds_between_known_milestones_in_order() {
        let m = Milestones {
            impact_started_at: Some(at("2026-11-01T10:00:00.900Z")),
            detected_at: Some(at("2026-11-01T10:07:00.100Z")),
            acknowledged_at: None,
            mitigated_at: Some(at("2026-11-01T09:00:00Z")),
            resolved_at: Some(at("2026-11-01T12:30:00Z")),
        };
        assert_eq!(Measure::Detect.seconds(&m), Some(420));
        assert_eq!(Measure::Acknowledge.seconds(&m), None);
        assert_eq!(Measure::Mitigate.seconds(&m), None);
        assert_eq!(Measure::Resolve.seconds(&m), Some(9000));
    }

    #[test]
    fn a_period_lists_every_week_it_touches() {
        let p = Period {
            from: at("2026-11-18T10:00:00Z"),
            to: at("2026-11-30T00:00:00Z"),
            offset: utc(),
        };
        let weeks: Vec<NaiveDate> = p.weeks().map(week_start).collect();
        assert_eq!(
            weeks,
            [
                NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
                NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
            ]
        );
    }

    #[test]
    fn mean_and_median() {
        assert_eq!(summarise(&[]), Summary::default());
        let odd = summarise(&[300, 60, 120]);
        assert_eq!(
            (odd.count, odd.mean, odd.median),
            (3, Some(160.0), Some(120.0))
        );
        let even = summarise(&[10, 40, 20, 1000]);
        assert_eq!(
            (even.count, even.mean, even.median),
            (4, Some(267.5), Some(30.0))
        );
    }

    #[test]
    fn measures_read_their_milestones_and_skip_unknown_or_reversed_ends() {
        let m = Milestones {
            impact_started_at: Some(at("2026-11-01T10:00:00Z")),
            detected_at: Some(at("2026-11-01T10:05:00Z")),
            acknowledged_at: Some(at("2026-11-01T10:07:00Z")),
            mitigated_at: Some(at("2026-11-01T10:30:00Z")),
            resolved_at: None,
        };
        let minutes = |measure: Measure| measure.of(&m).map(|d| d.num_minutes());
        assert_eq!(minutes(Measure::Detect), Some(5));
        assert_eq!(minutes(Measure::Acknowledge), Some(2));
        assert_eq!(minutes(Measure::Mitigate), Some(30));
        assert_eq!(
            minutes(Measure::Resolve),
            None,
            "unresolved: left out of MTTR"
        );
        for measure in Measure::ALL {
            assert!(measure.definition().starts_with("Mean time to"));
        }
    }

    #[test]
    fn change_failure_rate_and_frequency() {
        assert_eq!(change_failure_rate(0, 0), None);
        assert_eq!(change_failure_rate(20, 3), Some(0.15));
        assert_eq!(change_failure_rate(2, 5), Some(1.0));
        assert_eq!(per_week(30, 30.0), 7.0);
        assert_eq!(per_week(3, 0.0), 0.0);
    }

    #[test]
    fn an_incident_blames_the_deployment_next_to_a_change_entry_in_the_window() {
        let impact = at("2026-11-01T10:00:00Z");
        let window = Duration::hours(2);
        let deployments = [
            (1, at("2026-11-01T07:00:00Z")), // before the window
            (2, at("2026-11-01T08:30:00Z")),
            (3, at("2026-11-01T09:40:00Z")),
            (4, at("2026-11-01T10:10:00Z")), // after impact started
        ];
        // A change entry at 09:45 points at the 09:40 deployment.
        assert_eq!(
            blamed_deployments(impact, &[at("2026-11-01T09:45:00Z")], &deployments, window),
            [3]
        );
        // Two entries, two deployments; the same deployment twice is blamed once.
        assert_eq!(
            blamed_deployments(
                impact,
                &[
                    at("2026-11-01T08:31:00Z"),
                    at("2026-11-01T09:39:00Z"),
                    at("2026-11-01T09:41:00Z")
                ],
                &deployments,
                window
            ),
            [2, 3]
        );
        // No change entry in the window: nothing is blamed, even with deployments in it.
        assert!(
            blamed_deployments(impact, &[at("2026-11-01T06:00:00Z")], &deployments, window)
                .is_empty()
        );
        assert!(blamed_deployments(impact, &[], &deployments, window).is_empty());
        // An entry in the window but no deployment in it: nothing.
        assert!(
            blamed_deployments(
                impact,
                &[at("2026-11-01T09:00:00Z")],
                &deployments[..1],
                window
            )
            .is_empty()
        );
    }

    #[test]
    fn durations_read_short() {
        assert_eq!(format_seconds(42.0), "42s");
        assert_eq!(format_seconds(600.0), "10m");
        assert_eq!(format_seconds(3600.0), "1h");
        assert_eq!(format_seconds(3.5 * 3600.0), "3h 30m");
        assert_eq!(format_seconds(2.0 * 86_400.0 + 4.0 * 3600.0), "2d 4h");
    }
}
