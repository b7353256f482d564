//! The scoreboard: `metrics/dashboard`, `/dashboard.csv` and `/metrics` on seeded incidents,
//! postmortems, action items, problems and deployments, held to hand-computed figures.

use backend::entities::{
    action_item, deployment, incident, incident_deployment, incident_service, postmortem,
    postmortem_incident, problem,
};
use chrono::{DateTime, Duration, DurationRound, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, ModelTrait, Set};
use serde_json::Value;
use shared::domain::Role;

use crate::helpers::{Engine, PASSWORD, TestApp, client, spawn_app, spawn_empty_app};
use crate::on_both_engines;

on_both_engines!(
    recovery_figures_are_the_mean_and_median_of_known_ordered_pairs,
    the_period_decides_which_incidents_count,
    service_team_and_severity_filters_narrow_the_figures,
    unknown_filters_and_bad_periods_are_refused_by_field,
    weeks_start_on_monday_in_the_reporting_zone,
    a_record_made_at_monday_midnight_starts_its_week,
    postmortem_action_item_and_problem_figures,
    change_failure_rate_counts_successful_production_deployments,
    the_csv_export_has_one_figure_per_row_for_a_signed_in_reader,
    metrics_text_needs_no_token_unless_one_is_set,
    metrics_needs_the_bearer_token_when_one_is_set,
    the_dashboard_follows_every_change_made_after_it_was_read,
    the_roll_up_is_counted_again_for_another_reporting_offset,
    a_service_and_a_team_together_must_agree,
);

// ---------------------------------------------------------------------------------------------
// Seeding

/// Now to the whole second, which every seeded time is measured from.
fn now() -> DateTime<Utc> {
    Utc::now().duration_trunc(Duration::seconds(1)).unwrap()
}

fn days_ago(days: i64) -> DateTime<Utc> {
    now() - Duration::days(days)
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// An incident to seed: impact starts when it is opened and the other milestones follow in
/// minutes after that (negative for a time before impact); resolved when `resolved` is given.
#[derive(Clone, Copy)]
struct Seed {
    severity: i16,
    opened_at: DateTime<Utc>,
    impact_known: bool,
    detected: Option<i64>,
    acknowledged: Option<i64>,
    mitigated: Option<i64>,
    resolved: Option<i64>,
    postmortem_required: bool,
}

/// An incident of `severity` (1…4) opened at `opened_at`, its impact starting then, nothing else known.
fn opened(severity: i16, opened_at: DateTime<Utc>) -> Seed {
    Seed {
        severity,
        opened_at,
        impact_known: true,
        detected: None,
        acknowledged: None,
        mitigated: None,
        resolved: None,
        postmortem_required: false,
    }
}

impl Seed {
    fn detected(self, minutes: i64) -> Self {
        Self {
            detected: Some(minutes),
            ..self
        }
    }
    fn acknowledged(self, minutes: i64) -> Self {
        Self {
            acknowledged: Some(minutes),
            ..self
        }
    }
    fn mitigated(self, minutes: i64) -> Self {
        Self {
            mitigated: Some(minutes),
            ..self
        }
    }
    fn resolved(self, minutes: i64) -> Self {
        Self {
            resolved: Some(minutes),
            ..self
        }
    }
    fn required(self) -> Self {
        Self {
            postmortem_required: true,
            ..self
        }
    }
    fn impact_unknown(self) -> Self {
        Self {
            impact_known: false,
            ..self
        }
    }

    fn after(&self, minutes: Option<i64>) -> Option<DateTime<Utc>> {
        minutes.map(|m| self.opened_at + Duration::minutes(m))
    }

    /// Inserts the incident and links it to `services`; returns its id.
    async fn insert(self, app: &TestApp, services: &[i64]) -> i64 {
        let status = if self.resolved.is_some() {
            "resolved"
        } else {
            "investigating"
        };
        let row = incident::ActiveModel {
            title: Set(format!("SEV{} opened {}", self.severity, self.opened_at)),
            severity: Set(self.severity),
            status: Set(crate::helpers::key(status)),
            commander: Set("Casey Commander".into()),
            summary: Set(String::new()),
            source: Set("manual".into()),
            integration_id: Set(None),
            fingerprint: Set(None),
            runbook_url: Set(None),
            service_unknown: Set(services.is_empty()),
            data_loss: Set(false),
            escalated: Set(false),
            postmortem_required: Set(self.postmortem_required),
            postmortem_started_at: Set(None),
            opened_at: Set(self.opened_at),
            impact_started_at: Set(self.impact_known.then_some(self.opened_at)),
            detected_at: Set(self.after(self.detected)),
            acknowledged_at: Set(self.after(self.acknowledged)),
            mitigated_at: Set(self.after(self.mitigated)),
            resolved_at: Set(self.after(self.resolved)),
            created_by: Set(None),
            version: Set(1),
            updated_at: Set(self.opened_at),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("the incident is stored");
        for service in services {
            incident_service::ActiveModel {
                incident_id: Set(row.id),
                service_id: Set(*service),
                opened_at: Set(self.opened_at),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .expect("the incident's service is stored");
        }
        row.id
    }
}

/// Creates a service through the API; returns its id.
async fn service(app: &TestApp, name: &str, slug: &str, team: &str) -> i64 {
    app.create_service(name, slug, &[("service[team]", team)])
        .await["id"]
        .as_i64()
        .expect("a service id")
}

/// A postmortem in `status` (`draft`, `in_review`, `published`) covering `incidents`.
async fn seed_postmortem(
    app: &TestApp,
    status: &str,
    incidents: &[i64],
    review_due_on: Option<NaiveDate>,
    published_at: Option<DateTime<Utc>>,
) -> i64 {
    let row = postmortem::ActiveModel {
        title: Set(format!("Postmortem of {incidents:?}")),
        status: Set(crate::helpers::key(status)),
        severity: Set(2),
        required_sections: Set("summary,actions".into()),
        author_id: Set(None),
        author_label: Set("Pat Author".into()),
        facilitator_step: Set(crate::helpers::key("summary")),
        facilitator_label: Set(String::new()),
        review_due_on: Set(review_due_on),
        review_round: Set(0),
        version: Set(1),
        created_at: Set(days_ago(9)),
        updated_at: Set(days_ago(9)),
        published_at: Set(published_at),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("the postmortem is stored");
    for incident in incidents {
        postmortem_incident::ActiveModel {
            postmortem_id: Set(row.id),
            incident_id: Set(*incident),
        }
        .insert(&app.db)
        .await
        .expect("the postmortem's incident is stored");
    }
    row.id
}

/// An action item of `kind` made at `created_at`; done (then) when `status` is `done`.
async fn seed_action(
    app: &TestApp,
    postmortem: i64,
    kind: &str,
    status: &str,
    due_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
) {
    action_item::ActiveModel {
        postmortem_id: Set(postmortem),
        factor_id: Set(None),
        title: Set(format!("{kind} ({status})")),
        description: Set(String::new()),
        kind: Set(crate::helpers::key(kind)),
        owner_id: Set(None),
        due_on: Set(due_on),
        priority: Set(crate::helpers::key("medium")),
        status: Set(crate::helpers::key(status)),
        version: Set(1),
        updated_by_label: Set("test".into()),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        done_at: Set((status == "done").then_some(created_at + Duration::hours(1))),
        problem_id: Set(None),
        service_id: Set(
            backend::postmortems::services::default_for(&app.db, postmortem, None)
                .await
                .unwrap(),
        ),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("the action item is stored");
}

/// A problem in `state` with `priority`, recorded at `created_at`.
async fn seed_problem(app: &TestApp, state: &str, priority: i16, created_at: DateTime<Utc>) {
    problem::ActiveModel {
        title: Set(format!("A {state} problem")),
        statement: Set(String::new()),
        category: Set(crate::helpers::key("software")),
        impact: Set(crate::helpers::key("medium")),
        urgency: Set(crate::helpers::key("medium")),
        priority: Set(priority),
        state: Set(crate::helpers::key(state)),
        coordinator_id: Set(None),
        duplicate_of_id: Set(None),
        workaround: Set(String::new()),
        fix: Set(String::new()),
        resolution: Set(String::new()),
        created_by: Set(None),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        resolved_at: Set(None),
        version: Set(1),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("the problem is stored");
}

/// A deployment of `service` to `environment` with `status`; returns its id.
async fn seed_deployment(
    app: &TestApp,
    service: i64,
    version: &str,
    environment: &str,
    status: &str,
    deployed_at: DateTime<Utc>,
) -> i64 {
    deployment::ActiveModel {
        service_id: Set(service),
        environment: Set(environment.into()),
        version: Set(version.into()),
        status: Set(status.into()),
        source: Set("webhook".into()),
        external_id: Set(format!("{service}-{version}-{environment}-{status}")),
        url: Set(None),
        deployed_at: Set(deployed_at),
        recorded_by: Set("ci".into()),
        created_at: Set(deployed_at),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("the deployment is stored")
    .id
}

/// Links an incident to a deployment, automatically (`linked_by` `auto`) or by a person.
async fn link_deployment(app: &TestApp, incident: i64, deployment: i64, linked_by: &str) {
    incident_deployment::ActiveModel {
        incident_id: Set(incident),
        deployment_id: Set(deployment),
        linked_by: Set(linked_by.into()),
        automatic: Set(linked_by == "auto"),
        dismissed_by: Set(None),
        linked_at: Set(now()),
    }
    .insert(&app.db)
    .await
    .expect("the link is stored");
}

// ---------------------------------------------------------------------------------------------
// Reading the dashboard

/// The dashboard for `query` (pairs of `DashboardQuery` fields): its status and JSON body.
async fn dashboard_response(app: &TestApp, query: &[(&str, &str)]) -> (u16, Value) {
    let form: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (format!("query[{k}]"), (*v).to_owned()))
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.call("metrics/dashboard", &form).await;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn dashboard(app: &TestApp, query: &[(&str, &str)]) -> Value {
    let (status, body) = dashboard_response(app, query).await;
    assert_eq!(status, 200, "{query:?}: {body}");
    body
}

/// The fields a refused query names.
async fn refused_fields(app: &TestApp, query: &[(&str, &str)]) -> Vec<String> {
    let (status, body) = dashboard_response(app, query).await;
    assert_eq!(status, 422, "{query:?}: {body}");
    body["Validation"]
        .as_array()
        .unwrap_or_else(|| panic!("{query:?}: {body}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// The recovery figure for `measure` (`Detect`, `Acknowledge`, `Mitigate`, `Resolve`).
fn recovery<'a>(view: &'a Value, measure: &str) -> &'a Value {
    view["incidents"]["recovery"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["measure"] == measure)
        .unwrap_or_else(|| panic!("no {measure} figure in {view}"))
}

/// Asserts a number within a hundredth (SQLite's julianday arithmetic is not exact).
fn assert_near(actual: &Value, expected: f64, what: &str) {
    let value = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {actual} is not a number"));
    assert!(
        (value - expected).abs() < 0.01,
        "{what}: {value}, expected {expected}"
    );
}

/// Asserts a recovery figure's count, mean and median (seconds; `None` when nothing counts).
fn assert_summary(view: &Value, measure: &str, count: u64, mean_median: Option<(f64, f64)>) {
    let summary = &recovery(view, measure)["summary"];
    assert_eq!(summary["count"], count, "{measure} count: {summary}");
    match mean_median {
        Some((mean, median)) => {
            assert_near(&summary["mean"], mean, &format!("{measure} mean"));
            assert_near(&summary["median"], median, &format!("{measure} median"));
        }
        None => {
            assert!(summary["mean"].is_null(), "{measure}: {summary}");
            assert!(summary["median"].is_null(), "{measure}: {summary}");
        }
    }
}

/// A list of bars (or action rows) as (label, value of `field`) pairs.
fn pairs(list: &Value, field: &str) -> Vec<(String, f64)> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|b| {
            (
                b["label"].as_str().unwrap().to_owned(),
                b[field].as_f64().unwrap(),
            )
        })
        .collect()
}

fn labelled(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
    pairs.iter().map(|(l, v)| ((*l).to_owned(), *v)).collect()
}

/// The weekly points of a series as (Monday, count, value).
fn weeks(series: &Value) -> Vec<(String, u64, Option<f64>)> {
    series
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["week"].as_str().unwrap().to_owned(),
                p["count"].as_u64().unwrap(),
                p["value"].as_f64(),
            )
        })
        .collect()
}

/// Asserts a weekly series point by point: Monday, count, and value within a hundredth.
fn assert_weeks(series: &Value, expected: &[(&str, u64, Option<f64>)], what: &str) {
    let actual = weeks(series);
    let close = |a: &Option<f64>, b: &Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 0.01,
        (a, b) => a.is_none() && b.is_none(),
    };
    let same = actual.len() == expected.len()
        && actual
            .iter()
            .zip(expected)
            .all(|((w, n, v), (ew, en, ev))| w == ew && n == en && close(v, ev));
    assert!(same, "{what}: {actual:?}, expected {expected:?}");
}

/// The value of the first sample line of `/metrics` text starting with `prefix`.
fn sample(text: &str, prefix: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` sample in:\n{text}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Tests

async fn recovery_figures_are_the_mean_and_median_of_known_ordered_pairs(engine: Engine) {
    let app = spawn_app(engine).await;
    // detect 5m, acknowledge 2m, mitigate 30m, resolve 60m
    opened(1, days_ago(10))
        .detected(5)
        .acknowledged(7)
        .mitigated(30)
        .resolved(60)
        .insert(&app, &[])
        .await;
    // detect 10m, acknowledge 4m, mitigate 40m, resolve 120m
    opened(2, days_ago(8))
        .detected(10)
        .acknowledged(14)
        .mitigated(40)
        .resolved(120)
        .insert(&app, &[])
        .await;
    // Not resolved: detect 30m, acknowledge 6m, mitigate 110m; open, and left out of MTTR.
    opened(2, days_ago(6))
        .detected(30)
        .acknowledged(36)
        .mitigated(110)
        .insert(&app, &[])
        .await;
    // Detected before impact started: left out of MTTD; acknowledge 20m; resolve 300m.
    opened(3, days_ago(4))
        .detected(-10)
        .acknowledged(10)
        .resolved(300)
        .insert(&app, &[])
        .await;
    // Nothing known but that it is open.
    opened(4, days_ago(2))
        .impact_unknown()
        .insert(&app, &[])
        .await;
    // Opened before the period: none of its figures count.
    opened(1, days_ago(40))
        .detected(60)
        .acknowledged(70)
        .mitigated(90)
        .resolved(240)
        .insert(&app, &[])
        .await;

    let view = dashboard(&app, &[("range", "30")]).await;
    assert_eq!(view["incidents"]["total"], 5, "{}", view["incidents"]);
    assert_eq!(view["incidents"]["open"], 2, "{}", view["incidents"]);
    assert_eq!(
        pairs(&view["incidents"]["by_severity"], "value"),
        labelled(&[("SEV1", 1.0), ("SEV2", 2.0), ("SEV3", 1.0), ("SEV4", 1.0)])
    );
    // 5, 10, 30 minutes.
    assert_summary(&view, "Detect", 3, Some((900.0, 600.0)));
    // 2, 4, 6, 20 minutes: the median of an even count is the mean of the middle two.
    assert_summary(&view, "Acknowledge", 4, Some((480.0, 300.0)));
    // 30, 40, 110 minutes.
    assert_summary(&view, "Mitigate", 3, Some((3600.0, 2400.0)));
    // 60, 120, 300 minutes; the unresolved incident is left out.
    assert_summary(&view, "Resolve", 3, Some((9600.0, 7200.0)));

    // Each weekly series covers the period's weeks, Monday after Monday, and holds every incident
    // behind the figure.
    for (measure, count) in [
        ("Detect", 3),
        ("Acknowledge", 4),
        ("Mitigate", 3),
        ("Resolve", 3),
    ] {
        let weekly = weeks(&recovery(&view, measure)["weekly"]);
        assert!((5..=6).contains(&weekly.len()), "{measure}: {weekly:?}");
        assert_eq!(
            weekly.iter().map(|(_, n, _)| n).sum::<u64>(),
            count,
            "{measure}: {weekly:?}"
        );
        for pair in weekly.windows(2) {
            assert_eq!(day(&pair[1].0) - day(&pair[0].0), Duration::weeks(1));
        }
        for (week, n, value) in &weekly {
            assert_eq!(day(week).format("%a").to_string(), "Mon");
            assert_eq!(*n == 0, value.is_none(), "{measure} {week}: {weekly:?}");
        }
    }

    // No range is the last 30 days.
    let default = dashboard(&app, &[]).await;
    assert_eq!(default["query"]["range"], "30");
    assert_eq!(default["incidents"]["total"], 5);
    assert_summary(&default, "Detect", 3, Some((900.0, 600.0)));
}

async fn the_period_decides_which_incidents_count(engine: Engine) {
    let app = spawn_app(engine).await;
    let recent = days_ago(5);
    opened(2, recent)
        .detected(20)
        .resolved(100)
        .insert(&app, &[])
        .await;
    opened(1, days_ago(40))
        .detected(60)
        .resolved(240)
        .insert(&app, &[])
        .await;
    opened(1, days_ago(100))
        .detected(1)
        .resolved(2)
        .insert(&app, &[])
        .await;

    let week = dashboard(&app, &[("range", "7")]).await;
    assert_eq!(week["incidents"]["total"], 1);
    let month = dashboard(&app, &[("range", "30")]).await;
    assert_eq!(month["incidents"]["total"], 1);
    assert_summary(&month, "Detect", 1, Some((1200.0, 1200.0)));
    assert_summary(&month, "Resolve", 1, Some((6000.0, 6000.0)));

    // 90 days take in the incident opened 40 days ago, not the one opened 100 days ago.
    let quarter = dashboard(&app, &[("range", "90")]).await;
    assert_eq!(quarter["incidents"]["total"], 2);
    assert_eq!(
        pairs(&quarter["incidents"]["by_severity"], "value"),
        labelled(&[("SEV1", 1.0), ("SEV2", 1.0)])
    );
    assert_summary(&quarter, "Detect", 2, Some((2400.0, 2400.0)));
    assert_summary(&quarter, "Resolve", 2, Some((10200.0, 10200.0)));
    assert_summary(&quarter, "Acknowledge", 0, None);

    // A custom period is whole days, the last one included.
    let from = (now() - Duration::days(45)).date_naive().to_string();
    let to = (now() - Duration::days(35)).date_naive().to_string();
    let custom = dashboard(&app, &[("range", "custom"), ("from", &from), ("to", &to)]).await;
    assert_eq!(custom["query"]["range"], "custom");
    assert_eq!(custom["from_day"], from.as_str());
    assert_eq!(custom["to_day"], to.as_str());
    assert_eq!(custom["incidents"]["total"], 1, "{}", custom["incidents"]);
    assert_summary(&custom, "Detect", 1, Some((3600.0, 3600.0)));

    let one_day = recent.date_naive().to_string();
    let single = dashboard(
        &app,
        &[("range", "custom"), ("from", &one_day), ("to", &one_day)],
    )
    .await;
    assert_eq!(single["incidents"]["total"], 1);
    assert_summary(&single, "Detect", 1, Some((1200.0, 1200.0)));
}

async fn service_team_and_severity_filters_narrow_the_figures(engine: Engine) {
    let app = spawn_app(engine).await;
    let payments = service(&app, "Payments API", "payments-api", "Payments").await;
    let search = service(&app, "Search", "search", "Discovery").await;
    // detect 4m, 8m, 20m, 40m
    opened(1, days_ago(9))
        .detected(4)
        .resolved(30)
        .insert(&app, &[payments])
        .await;
    opened(2, days_ago(7))
        .detected(8)
        .resolved(60)
        .insert(&app, &[payments, search])
        .await;
    opened(2, days_ago(5))
        .detected(20)
        .insert(&app, &[search])
        .await;
    opened(3, days_ago(3))
        .detected(40)
        .resolved(90)
        .insert(&app, &[])
        .await;

    let all = dashboard(&app, &[]).await;
    assert_eq!(all["incidents"]["total"], 4);
    assert_summary(&all, "Detect", 4, Some((1080.0, 840.0)));
    assert_eq!(
        pairs(&all["incidents"]["by_service"], "value"),
        labelled(&[("Payments API", 2.0), ("Search", 2.0)])
    );
    let options: Vec<&str> = all["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    assert_eq!(options, ["payments-api", "search"]);
    let teams: Vec<&str> = all["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    assert_eq!(teams, ["Discovery", "Payments"]);

    let on_payments = dashboard(&app, &[("service", "payments-api")]).await;
    assert_eq!(on_payments["incidents"]["total"], 2);
    assert_eq!(on_payments["incidents"]["open"], 0);
    assert_summary(&on_payments, "Detect", 2, Some((360.0, 360.0)));
    assert_summary(&on_payments, "Resolve", 2, Some((2700.0, 2700.0)));
    assert_eq!(
        pairs(&on_payments["incidents"]["by_service"], "value"),
        labelled(&[("Payments API", 2.0)]),
        "only the chosen service's bar"
    );

    let on_search = dashboard(&app, &[("service", "search")]).await;
    assert_eq!(on_search["incidents"]["total"], 2);
    assert_eq!(on_search["incidents"]["open"], 1);
    assert_summary(&on_search, "Detect", 2, Some((840.0, 840.0)));
    assert_summary(&on_search, "Resolve", 1, Some((3600.0, 3600.0)));

    let team = dashboard(&app, &[("team", "Payments")]).await;
    assert_eq!(team["incidents"]["total"], 2);
    assert_summary(&team, "Detect", 2, Some((360.0, 360.0)));

    let sev2 = dashboard(&app, &[("severity", "SEV2")]).await;
    assert_eq!(sev2["incidents"]["total"], 2);
    assert_eq!(
        pairs(&sev2["incidents"]["by_severity"], "value"),
        labelled(&[("SEV2", 2.0)])
    );
    assert_summary(&sev2, "Detect", 2, Some((840.0, 840.0)));

    let both = dashboard(&app, &[("service", "payments-api"), ("severity", "SEV2")]).await;
    assert_eq!(both["incidents"]["total"], 1);
    assert_summary(&both, "Detect", 1, Some((480.0, 480.0)));
    assert_eq!(both["query"]["service"], "payments-api");
    assert_eq!(both["query"]["severity"], "SEV2");
}

async fn unknown_filters_and_bad_periods_are_refused_by_field(engine: Engine) {
    let app = spawn_app(engine).await;
    service(&app, "Payments API", "payments-api", "Payments").await;

    let (status, body) = dashboard_response(&app, &[("service", "nope")]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["Validation"][0]["field"], "service");
    assert!(
        body["Validation"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope"),
        "{body}"
    );
    assert_eq!(refused_fields(&app, &[("team", "Nobody")]).await, ["team"]);
    assert_eq!(
        refused_fields(&app, &[("severity", "SEV9")]).await,
        ["severity"]
    );
    assert_eq!(refused_fields(&app, &[("range", "14")]).await, ["range"]);
    assert_eq!(
        refused_fields(&app, &[("range", "custom")]).await,
        ["from", "to"]
    );
    assert_eq!(
        refused_fields(
            &app,
            &[("range", "custom"), ("from", "1 Nov"), ("to", "2026-11-02")]
        )
        .await,
        ["from"]
    );
    assert_eq!(
        refused_fields(
            &app,
            &[
                ("range", "custom"),
                ("from", "2026-11-05"),
                ("to", "2026-11-01")
            ]
        )
        .await,
        ["to"]
    );
    assert_eq!(
        refused_fields(
            &app,
            &[
                ("range", "custom"),
                ("from", "2020-01-01"),
                ("to", "2026-11-01")
            ]
        )
        .await,
        ["to"],
        "longer than the longest period"
    );
}

async fn weeks_start_on_monday_in_the_reporting_zone(engine: Engine) {
    let app = spawn_empty_app(engine, &[("REPORT_UTC_OFFSET", "+02:00")]).await;
    app.sign_in_new(&app.client, Role::Member, "member@test.example")
        .await;
    // The period is Monday 9 to Sunday 22 November in UTC+02:00:
    // [2026-11-08T22:00Z, 2026-11-22T22:00Z).
    for (opened_at, detected) in [
        ("2026-11-10T10:00:00Z", 10), // Tuesday: the first week
        ("2026-11-15T21:30:00Z", 20), // Sunday 23:30 locally: still the first week
        ("2026-11-15T22:30:00Z", 30), // Monday 00:30 locally (Sunday in UTC): the second week
        ("2026-11-08T22:30:00Z", 40), // Monday 00:30 locally (Sunday in UTC): in the period
        ("2026-11-22T22:30:00Z", 50), // Monday 23 November locally: after the period
        ("2026-11-08T21:30:00Z", 60), // Sunday 8 November locally: before the period
    ] {
        opened(2, at(opened_at))
            .detected(detected)
            .insert(&app, &[])
            .await;
    }
    let view = dashboard(
        &app,
        &[
            ("range", "custom"),
            ("from", "2026-11-09"),
            ("to", "2026-11-22"),
        ],
    )
    .await;
    assert_eq!(view["offset"], "+02:00");
    assert_eq!(view["from_day"], "2026-11-09");
    assert_eq!(view["to_day"], "2026-11-22");
    assert_eq!(view["incidents"]["total"], 4, "{}", view["incidents"]);
    assert_summary(&view, "Detect", 4, Some((1500.0, 1500.0)));
    // Week of the 9th: 10, 20 and 40 minutes; week of the 16th: 30 minutes.
    assert_weeks(
        &recovery(&view, "Detect")["weekly"],
        &[
            ("2026-11-09", 3, Some(1400.0)),
            ("2026-11-16", 1, Some(1800.0)),
        ],
        "MTTD by week",
    );
    assert_weeks(
        &recovery(&view, "Acknowledge")["weekly"],
        &[("2026-11-09", 0, None), ("2026-11-16", 0, None)],
        "weeks without data have no value",
    );
}

async fn a_record_made_at_monday_midnight_starts_its_week(engine: Engine) {
    let app = spawn_empty_app(engine, &[("REPORT_UTC_OFFSET", "+02:00")]).await;
    app.sign_in_new(&app.client, Role::Member, "member@test.example")
        .await;
    let payments = service(&app, "Payments API", "payments-api", "Payments").await;
    // Monday 9, 16 and 23 November, 00:00 in UTC+02:00: the period's first instant, the start of
    // its second week, and the instant it ends.
    let mondays = [
        "2026-11-08T22:00:00Z",
        "2026-11-15T22:00:00Z",
        "2026-11-22T22:00:00Z",
    ];
    for (n, monday) in mondays.iter().enumerate() {
        let minutes = 5 * (n as i64 + 1);
        opened(2, at(monday))
            .detected(minutes)
            .insert(&app, &[payments])
            .await;
        let version = format!("v{n}");
        seed_deployment(
            &app,
            payments,
            &version,
            "production",
            "success",
            at(monday),
        )
        .await;
    }
    let view = dashboard(
        &app,
        &[
            ("range", "custom"),
            ("from", "2026-11-09"),
            ("to", "2026-11-22"),
        ],
    )
    .await;
    assert_eq!(view["incidents"]["total"], 2, "{}", view["incidents"]);
    assert_eq!(view["changes"]["deployments"], 2, "{}", view["changes"]);
    assert_weeks(
        &recovery(&view, "Detect")["weekly"],
        &[
            ("2026-11-09", 1, Some(300.0)),
            ("2026-11-16", 1, Some(600.0)),
        ],
        "each incident in the week its Monday starts",
    );
    assert_weeks(
        &view["changes"]["weekly"],
        &[("2026-11-09", 1, Some(1.0)), ("2026-11-16", 1, Some(1.0))],
        "each deployment in the week its Monday starts",
    );
}

async fn postmortem_action_item_and_problem_figures(engine: Engine) {
    let app = spawn_app(engine).await;
    let today = now().date_naive();
    let yesterday = today - Duration::days(1);
    let resolved_at = |seed: &Seed| seed.after(seed.resolved).unwrap();

    // Two published postmortems, 2 and 4 days after their incidents were resolved.
    let a = opened(2, days_ago(12)).resolved(60).required();
    let a_id = a.insert(&app, &[]).await;
    seed_postmortem(
        &app,
        "published",
        &[a_id],
        Some(yesterday),
        Some(resolved_at(&a) + Duration::days(2)),
    )
    .await;
    let b = opened(2, days_ago(11)).resolved(60).required();
    let b_id = b.insert(&app, &[]).await;
    seed_postmortem(
        &app,
        "published",
        &[b_id],
        Some(yesterday),
        Some(resolved_at(&b) + Duration::days(4)),
    )
    .await;
    // A draft past its review date, covering a required and an unrequired incident: one overdue.
    let c = opened(2, days_ago(10))
        .resolved(60)
        .required()
        .insert(&app, &[])
        .await;
    let g = opened(2, days_ago(10)).resolved(30).insert(&app, &[]).await;
    let draft = seed_postmortem(&app, "draft", &[c, g], Some(yesterday), None).await;
    // In review, due later: started, not overdue.
    let f = opened(2, days_ago(9))
        .resolved(60)
        .required()
        .insert(&app, &[])
        .await;
    seed_postmortem(
        &app,
        "in_review",
        &[f],
        Some(today + Duration::days(3)),
        None,
    )
    .await;
    // Required, not started; and one that needs no postmortem.
    opened(2, days_ago(8))
        .resolved(60)
        .required()
        .insert(&app, &[])
        .await;
    opened(2, days_ago(7)).resolved(60).insert(&app, &[]).await;
    // Before the period: its overdue draft does not count.
    let old = opened(2, days_ago(40))
        .resolved(60)
        .required()
        .insert(&app, &[])
        .await;
    let old_draft = seed_postmortem(&app, "draft", &[old], Some(yesterday), None).await;

    // Action items made in the period: fixes open (one overdue) and done, pipeline tests open and
    // done (done is never overdue); a monitoring item made before the period does not count.
    let made = days_ago(5);
    seed_action(&app, draft, "fix", "open", Some(yesterday), made).await;
    seed_action(
        &app,
        draft,
        "fix",
        "open",
        Some(today + Duration::days(5)),
        made,
    )
    .await;
    seed_action(&app, draft, "fix", "done", Some(yesterday), made).await;
    seed_action(&app, draft, "pipeline_test", "open", None, made).await;
    seed_action(&app, draft, "pipeline_test", "done", Some(yesterday), made).await;
    seed_action(
        &app,
        old_draft,
        "monitoring",
        "open",
        Some(yesterday),
        days_ago(40),
    )
    .await;

    // Problems: three open (new, new, root cause analysis), two ended.
    seed_problem(&app, "new", 1, days_ago(10)).await;
    seed_problem(&app, "new", 3, days_ago(20)).await;
    seed_problem(&app, "root_cause_analysis", 3, days_ago(30)).await;
    seed_problem(&app, "resolved", 2, days_ago(50)).await;
    seed_problem(&app, "closed", 1, days_ago(60)).await;

    let view = dashboard(&app, &[("range", "30")]).await;
    let pm = &view["postmortems"];
    assert_eq!(pm["required"], 5, "{pm}");
    assert_eq!(pm["started"], 4, "{pm}");
    assert_eq!(pm["published"], 2, "{pm}");
    assert_eq!(pm["overdue"], 1, "{pm}");
    assert_eq!(pm["publish_count"], 2, "{pm}");
    assert_near(&pm["median_days_to_publish"], 3.0, "median days to publish");

    let actions = &view["actions"];
    let kind = |label: &str| {
        actions["by_kind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == label)
            .map(|r| (r["open"].clone(), r["done"].clone(), r["overdue"].clone()))
            .unwrap_or_else(|| panic!("no {label} row in {actions}"))
    };
    assert_eq!(actions["by_kind"].as_array().unwrap().len(), 2, "{actions}");
    assert_eq!(kind("Fix"), (2.into(), 1.into(), 1.into()));
    assert_eq!(kind("Pipeline test"), (1.into(), 1.into(), 0.into()));
    assert_eq!(
        pairs(&actions["by_owner"], "open"),
        labelled(&[("No owner", 3.0)])
    );
    // The Fix row links to the list of exactly those items, and its overdue one.
    let fix = actions["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == "Fix")
        .unwrap();
    let href = fix["href"].as_str().unwrap();
    assert!(href.starts_with("/actions?from="), "{href}");
    assert!(href.ends_with("&kind=fix"), "{href}");
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(href.split_once('?').unwrap().1.as_bytes())
            .map(|(k, v)| (format!("query[{k}]"), v.into_owned()))
            .collect();
    let form: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let listed: Value = app
        .call("action-items/list", &form)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");
    let mut overdue = form.clone();
    overdue.push(("query[status]", "overdue"));
    let late: Value = app
        .call("action-items/list", &overdue)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(late.as_array().unwrap().len(), 1, "{late}");
    assert_eq!(late[0]["overdue"], true);
    let page = app.get(href).await;
    assert_eq!(page.status(), 200);

    let problems = &view["problems"];
    assert_eq!(problems["open"], 3, "{problems}");
    assert_eq!(
        pairs(&problems["by_state"], "value"),
        labelled(&[("New", 2.0), ("Root cause analysis", 1.0)])
    );
    assert_eq!(
        pairs(&problems["by_priority"], "value"),
        labelled(&[("P1", 1.0), ("P3", 2.0)])
    );
    assert_near(&problems["median_age_days"], 20.0, "median problem age");
    assert_near(&problems["oldest_age_days"], 30.0, "oldest problem age");

    // A severity none of the incidents has: no postmortem or action figures; problems stay.
    let sev1 = dashboard(&app, &[("severity", "SEV1")]).await;
    assert_eq!(sev1["postmortems"]["required"], 0);
    assert_eq!(sev1["postmortems"]["overdue"], 0);
    assert!(sev1["postmortems"]["median_days_to_publish"].is_null());
    assert_eq!(sev1["actions"]["by_kind"], serde_json::json!([]));
    assert_eq!(sev1["problems"]["open"], 3);
}

async fn change_failure_rate_counts_successful_production_deployments(engine: Engine) {
    let app = spawn_app(engine).await;
    let payments = service(&app, "Payments API", "payments-api", "Payments").await;
    let search = service(&app, "Search", "search", "Discovery").await;
    let sev2 = opened(2, days_ago(5))
        .resolved(60)
        .insert(&app, &[payments])
        .await;
    let sev1 = opened(1, days_ago(3))
        .resolved(60)
        .insert(&app, &[payments])
        .await;

    let v1 = seed_deployment(&app, payments, "v1", "production", "success", days_ago(5)).await;
    seed_deployment(&app, payments, "v2", "production", "success", days_ago(4)).await;
    let v3 = seed_deployment(&app, payments, "v3", "prod", "success", days_ago(3)).await;
    seed_deployment(&app, search, "s1", "production", "success", days_ago(2)).await;
    // Not counted: staging, a failed deployment, and one before the period.
    let staging = seed_deployment(&app, payments, "v4", "staging", "success", days_ago(1)).await;
    seed_deployment(&app, payments, "v5", "production", "failure", days_ago(1)).await;
    let old = seed_deployment(&app, payments, "v0", "production", "success", days_ago(40)).await;
    link_deployment(&app, sev2, v1, "auto").await;
    link_deployment(&app, sev2, v3, "member@test.example").await;
    link_deployment(&app, sev1, v3, "auto").await;
    link_deployment(&app, sev1, staging, "auto").await;
    link_deployment(&app, sev2, old, "auto").await;

    let view = dashboard(&app, &[("range", "30")]).await;
    let changes = &view["changes"];
    assert_eq!(changes["deployments"], 4, "{changes}");
    assert_eq!(
        changes["failed"], 2,
        "a deployment linked twice fails once: {changes}"
    );
    assert_near(&changes["failure_rate"], 0.5, "change failure rate");
    assert_near(
        &changes["per_week"],
        4.0 * 7.0 / 30.0,
        "deployments per week",
    );
    assert_eq!(
        weeks(&changes["weekly"])
            .iter()
            .map(|(_, n, _)| n)
            .sum::<u64>(),
        4
    );
    let failures: Vec<(String, String, String)> = changes["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["version"].as_str().unwrap().to_owned(),
                f["href"].as_str().unwrap().to_owned(),
                f["linked_by"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let row = |version: &str, incident: i64, by: &str| {
        (
            version.to_owned(),
            format!("/incidents/{incident}"),
            by.to_owned(),
        )
    };
    assert_eq!(
        failures,
        [
            row("v3", sev2, "member@test.example"),
            row("v3", sev1, "auto"),
            row("v1", sev2, "auto"),
        ],
        "newest first"
    );

    let on_search = dashboard(&app, &[("service", "search")]).await;
    assert_eq!(on_search["changes"]["deployments"], 1);
    assert_eq!(on_search["changes"]["failed"], 0);
    assert_near(
        &on_search["changes"]["failure_rate"],
        0.0,
        "search failure rate",
    );

    // A severity keeps every deployment but only failures caused by incidents of that severity.
    let severe = dashboard(&app, &[("severity", "SEV1")]).await;
    assert_eq!(severe["changes"]["deployments"], 4);
    assert_eq!(severe["changes"]["failed"], 1);
    assert_near(
        &severe["changes"]["failure_rate"],
        0.25,
        "SEV1 failure rate",
    );

    let quarter = dashboard(&app, &[("range", "90")]).await;
    assert_eq!(quarter["changes"]["deployments"], 5);
    assert_eq!(quarter["changes"]["failed"], 3);
    assert_near(
        &quarter["changes"]["failure_rate"],
        0.6,
        "90-day failure rate",
    );

    // No deployments: no rate at all rather than zero.
    let none = dashboard(
        &app,
        &[
            ("range", "custom"),
            ("from", "2020-01-01"),
            ("to", "2020-01-31"),
        ],
    )
    .await;
    assert_eq!(none["changes"]["deployments"], 0);
    assert!(none["changes"]["failure_rate"].is_null());
}

async fn the_csv_export_has_one_figure_per_row_for_a_signed_in_reader(engine: Engine) {
    let app = spawn_app(engine).await;
    for detected in [5, 10, 30] {
        opened(2, days_ago(3))
            .detected(detected)
            .resolved(60)
            .insert(&app, &[])
            .await;
    }
    let response = app.get("/dashboard.csv?range=30").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"postmortem-dashboard-"),
        "{disposition}"
    );
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "section,figure,breakdown,value,count,unit");
    for expected in [
        "incidents,incidents,all,3.000,3,count",
        "incidents,open,all,0.000,0,count",
        "incidents,by severity,SEV2,3.000,,count",
        "recovery,MTTD,mean,900.000,3,seconds",
        "recovery,MTTD,median,600.000,3,seconds",
        "recovery,MTTR,mean,3600.000,3,seconds",
        "recovery,MTTA,mean,,0,seconds",
        "changes,deployments,all,0.000,0,count",
        "changes,change failure rate,all,,0,ratio",
    ] {
        assert!(lines.contains(&expected), "no `{expected}` row in:\n{text}");
    }

    // The same checks as the dashboard.
    let bad = app.get("/dashboard.csv?service=nope").await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().starts_with("service:"));

    // Without a session the request is sent to sign in first, and comes back here.
    let anonymous = client()
        .get(app.url("/dashboard.csv?range=30"))
        .send()
        .await
        .unwrap();
    assert!(
        anonymous.status().is_redirection(),
        "{}",
        anonymous.status()
    );
    let location = anonymous.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("/sign-in?next=%2Fdashboard.csv"),
        "{location}"
    );
    // A bad bearer token is refused outright.
    let bad_token = client()
        .get(app.url("/dashboard.csv"))
        .bearer_auth("pm_not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_token.status(), 401);
}

async fn metrics_text_needs_no_token_unless_one_is_set(engine: Engine) {
    let app = spawn_app(engine).await;
    for detected in [5, 10, 30] {
        opened(2, days_ago(3))
            .detected(detected)
            .insert(&app, &[])
            .await;
    }
    opened(2, days_ago(40)).detected(1).insert(&app, &[]).await;
    assert_eq!(app.get("/healthz").await.status(), 200);

    let response = client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    assert!(text.contains("postmortem_incidents"), "{text}");
    assert!(text.contains("postmortem_http_requests_total"), "{text}");
    assert_eq!(sample(&text, "postmortem_incidents{window=\"30d\"}"), 3.0);
    assert_eq!(
        sample(&text, "postmortem_incidents_open{window=\"30d\"}"),
        3.0
    );
    assert_eq!(
        sample(&text, "postmortem_incidents_by_severity{severity=\"SEV2\"}"),
        3.0
    );
    assert!(
        (sample(
            &text,
            "postmortem_recovery_seconds{measure=\"detect\",statistic=\"mean\"}"
        ) - 900.0)
            .abs()
            < 0.01,
        "{text}"
    );
    assert_eq!(
        sample(&text, "postmortem_recovery_incidents{measure=\"detect\"}"),
        3.0
    );
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
}

async fn metrics_needs_the_bearer_token_when_one_is_set(engine: Engine) {
    const TOKEN: &str = "metrics-token-for-tests-0123456789";
    let app = spawn_empty_app(engine, &[("METRICS_TOKEN", TOKEN)]).await;
    let scrape = |token: Option<&str>| {
        let request = client().get(app.url("/metrics"));
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(scrape(None).await, 401);
    assert_eq!(scrape(Some("wrong")).await, 401);
    assert_eq!(scrape(Some(&TOKEN[..TOKEN.len() - 1])).await, 401);
    assert_eq!(scrape(Some(TOKEN)).await, 200);

    // A signed-in session is not a substitute for the token.
    app.create_user(Role::Admin, "admin@test.example").await;
    let response = app
        .sign_in(&app.client, "admin@test.example", PASSWORD)
        .await;
    assert!(response.status().is_success());
    assert_eq!(app.get("/metrics").await.status(), 401);
}

/// Reads an incident back to change it.
async fn stored_incident(app: &TestApp, id: i64) -> incident::ActiveModel {
    incident::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the incident exists")
        .into_active_model()
}

async fn the_dashboard_follows_every_change_made_after_it_was_read(engine: Engine) {
    let app = spawn_app(engine).await;
    let payments = service(&app, "Payments API", "payments-api", "Payments").await;
    let search = service(&app, "Search", "search", "Discovery").await;
    let first = opened(2, days_ago(6)).detected(10).resolved(60).required();
    let resolved_at = first.after(first.resolved).unwrap();
    let first = first.insert(&app, &[payments]).await;
    let view = dashboard(&app, &[]).await;
    assert_eq!(view["incidents"]["total"], 1);
    assert_summary(&view, "Resolve", 1, Some((3600.0, 3600.0)));

    // A new severity and a later resolution.
    let mut changed = stored_incident(&app, first).await;
    changed.severity = Set(1);
    changed.resolved_at = Set(Some(resolved_at + Duration::minutes(60)));
    changed.update(&app.db).await.unwrap();
    let view = dashboard(&app, &[]).await;
    assert_eq!(
        pairs(&view["incidents"]["by_severity"], "value"),
        labelled(&[("SEV1", 1.0)])
    );
    assert_summary(&view, "Resolve", 1, Some((7200.0, 7200.0)));

    // A second incident, on another team's service; then that service moves to the team.
    let second = opened(3, days_ago(2))
        .detected(20)
        .insert(&app, &[search])
        .await;
    let team = dashboard(&app, &[("team", "Payments")]).await;
    assert_eq!(team["incidents"]["total"], 1);
    assert_eq!(dashboard(&app, &[]).await["incidents"]["open"], 1);
    let mut moved = backend::entities::service::Entity::find_by_id(search)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    moved.team = Set("Payments".into());
    moved.update(&app.db).await.unwrap();
    let team = dashboard(&app, &[("team", "Payments")]).await;
    assert_eq!(team["incidents"]["total"], 2);
    assert_summary(&team, "Detect", 2, Some((900.0, 900.0)));

    // The first incident's postmortem is published two days after the resolution; a pipeline
    // test is made in it and then done.
    let postmortem = seed_postmortem(&app, "draft", &[first], None, None).await;
    let view = dashboard(&app, &[]).await;
    assert_eq!(view["postmortems"]["started"], 1);
    assert_eq!(view["postmortems"]["published"], 0);
    let mut publish = postmortem::Entity::find_by_id(postmortem)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    publish.status = Set(crate::helpers::key("published"));
    publish.published_at = Set(Some(
        resolved_at + Duration::minutes(60) + Duration::days(2),
    ));
    publish.update(&app.db).await.unwrap();
    seed_action(&app, postmortem, "pipeline_test", "open", None, days_ago(1)).await;
    let view = dashboard(&app, &[]).await;
    assert_eq!(view["postmortems"]["published"], 1);
    assert_near(
        &view["postmortems"]["median_days_to_publish"],
        2.0,
        "days to publish",
    );
    let backlog = &view["actions"]["backlog"];
    assert_eq!(backlog[0]["service"], "Payments API", "{backlog}");
    assert_eq!(backlog[0]["open"], 1, "{backlog}");
    let burndown = view["actions"]["burndown"].as_array().unwrap();
    assert_eq!(burndown.last().unwrap()["count"], 1);
    let test = action_item::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut done = test.clone().into_active_model();
    done.status = Set(crate::helpers::key("done"));
    done.done_at = Set(Some(now()));
    done.update(&app.db).await.unwrap();
    let view = dashboard(&app, &[]).await;
    assert_eq!(view["actions"]["backlog"][0]["unverified"], 1);
    assert_eq!(view["actions"]["backlog"][0]["open"], 0);
    let burndown = view["actions"]["burndown"].as_array().unwrap();
    assert_eq!(burndown.last().unwrap()["count"], 0);
    test.delete(&app.db).await.unwrap();
    assert!(
        dashboard(&app, &[]).await["actions"]["backlog"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Deleting an incident takes it out.
    incident::Entity::delete_by_id(second)
        .exec(&app.db)
        .await
        .unwrap();
    let view = dashboard(&app, &[]).await;
    assert_eq!(view["incidents"]["total"], 1);
    assert_eq!(view["incidents"]["open"], 0);
}

async fn the_roll_up_is_counted_again_for_another_reporting_offset(engine: Engine) {
    use backend::metrics::{rolled, rollup};
    use shared::domain::metrics::{day_number, parse_offset};

    let app = spawn_app(engine).await;
    // 23:30 UTC is the next day in +02:00.
    let late = (now() - Duration::days(3))
        .date_naive()
        .and_hms_opt(23, 30, 0)
        .unwrap()
        .and_utc();
    opened(2, late).detected(5).insert(&app, &[]).await;
    let utc = parse_offset("Z").unwrap();
    let plus2 = parse_offset("+02:00").unwrap();
    let day = day_number(late, utc);
    let on = |day: i64| rolled::read(&app.db, day, day + 1, rollup::ALL, None);

    rollup::settle(&app.db, utc).await.unwrap();
    assert_eq!(on(day).await.unwrap().total().incidents, 1);
    assert_eq!(on(day + 1).await.unwrap().total().incidents, 0);

    rollup::settle(&app.db, plus2).await.unwrap();
    assert_eq!(day_number(late, plus2), day + 1);
    assert_eq!(on(day).await.unwrap().total().incidents, 0);
    let next = on(day + 1).await.unwrap();
    assert_eq!(next.total().incidents, 1);
    assert_eq!(next.histogram("detect").summary().mean, Some(300.0));
}

async fn a_service_and_a_team_together_must_agree(engine: Engine) {
    let app = spawn_app(engine).await;
    service(&app, "Payments API", "payments-api", "Payments").await;
    service(&app, "Search", "search", "Discovery").await;
    assert_eq!(
        refused_fields(&app, &[("service", "search"), ("team", "Payments")]).await,
        ["team"]
    );
    let both = dashboard(&app, &[("service", "payments-api"), ("team", "Payments")]).await;
    assert_eq!(both["incidents"]["total"], 0);
}
