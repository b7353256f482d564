//! Every figure of the dashboard, listed once: how it reads in the CSV export (section, figure,
//! breakdown, value, count, unit) and, for those `/metrics` exports, the Prometheus series it is.
//! The CSV writer and the Prometheus writer both read this list.

use shared::wire::metrics::{DashboardView, WeekPoint};

/// One figure of the dashboard.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub section: &'static str,
    pub figure: String,
    /// What the figure is broken down by (a severity, a service, a week), or `all`.
    pub breakdown: String,
    pub value: Option<f64>,
    /// How many records the value stands on.
    pub count: Option<u64>,
    pub unit: &'static str,
    /// The Prometheus series this figure (or its count) is; none when `/metrics` leaves it out.
    pub series: Vec<Series>,
}

/// A Prometheus sample taken from a figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub metric: Metric,
    pub labels: Vec<(&'static str, String)>,
    /// Whether the sample is the figure's value or its count.
    pub of: Of,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Of {
    Value,
    Count,
}

/// The dashboard's Prometheus metrics, in the order `/metrics` lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    Incidents,
    IncidentsOpen,
    IncidentsBySeverity,
    RecoverySeconds,
    RecoveryIncidents,
    Postmortems,
    ActionItems,
    PipelineTests,
    ProblemsOpen,
    Deployments,
    ChangeFailureRatio,
    GateChanges,
    GateChangesByKind,
    GateFailureRatio,
    GateValidatedRatio,
    GateReviewWaitSeconds,
    GateLeadTimeSeconds,
}

impl Metric {
    pub const ALL: [Metric; 17] = [
        Metric::Incidents,
        Metric::IncidentsOpen,
        Metric::IncidentsBySeverity,
        Metric::RecoverySeconds,
        Metric::RecoveryIncidents,
        Metric::Postmortems,
        Metric::ActionItems,
        Metric::PipelineTests,
        Metric::ProblemsOpen,
        Metric::Deployments,
        Metric::ChangeFailureRatio,
        Metric::GateChanges,
        Metric::GateChangesByKind,
        Metric::GateFailureRatio,
        Metric::GateValidatedRatio,
        Metric::GateReviewWaitSeconds,
        Metric::GateLeadTimeSeconds,
    ];

    /// The metric's name (after the `postmortem_` prefix) and its help text.
    pub fn name_and_help(self) -> (&'static str, &'static str) {
        match self {
            Metric::Incidents => ("incidents", "Incidents opened in the last 30 days"),
            Metric::IncidentsOpen => (
                "incidents_open",
                "Incidents opened in the last 30 days and not resolved",
            ),
            Metric::IncidentsBySeverity => (
                "incidents_by_severity",
                "Incidents opened in the last 30 days, by severity",
            ),
            Metric::RecoverySeconds => (
                "recovery_seconds",
                "Time to detect, acknowledge, mitigate and resolve over the last 30 days",
            ),
            Metric::RecoveryIncidents => (
                "recovery_incidents",
                "Incidents behind each recovery figure",
            ),
            Metric::Postmortems => (
                "postmortems",
                "Postmortems of the last 30 days' incidents: required, started, published, overdue",
            ),
            Metric::ActionItems => (
                "action_items",
                "Action items made in the last 30 days, by kind and state",
            ),
            Metric::PipelineTests => (
                "pipeline_tests",
                "Pipeline tests per service: open, closed unverified, verified",
            ),
            Metric::ProblemsOpen => ("problems_open", "Open problems by state"),
            Metric::Deployments => (
                "deployments",
                "Production deployments in the last 30 days, and those an incident was linked to",
            ),
            Metric::ChangeFailureRatio => (
                "change_failure_ratio",
                "Share of the last 30 days' deployments an incident was linked to",
            ),
            Metric::GateChanges => (
                "gate_changes",
                "Changes reported to the change gate in the last 30 days, by how they went through it",
            ),
            Metric::GateChangesByKind => (
                "gate_changes_by_kind",
                "Changes reported to the change gate in the last 30 days, by kind",
            ),
            Metric::GateFailureRatio => (
                "gate_failure_ratio",
                "Share of the last 30 days' deployed changes an incident was linked to, by how they went through the gate",
            ),
            Metric::GateValidatedRatio => (
                "gate_validated_ratio",
                "Share of the last 30 days' changes with automated validations (checks present and passing)",
            ),
            Metric::GateReviewWaitSeconds => (
                "gate_review_wait_seconds",
                "Time from report to review of the last 30 days' reviewed changes",
            ),
            Metric::GateLeadTimeSeconds => (
                "gate_lead_time_seconds",
                "Time from report to first deployment of the last 30 days' deployed changes",
            ),
        }
    }
}

/// Builds the list: [`List::add`] takes a figure, [`List::series`] exports the last one added.
#[derive(Default)]
struct List(Vec<Figure>);

impl List {
    fn add(
        &mut self,
        section: &'static str,
        figure: impl Into<String>,
        breakdown: impl Into<String>,
        value: Option<f64>,
        count: Option<u64>,
        unit: &'static str,
    ) -> &mut Self {
        self.0.push(Figure {
            section,
            figure: figure.into(),
            breakdown: breakdown.into(),
            value,
            count,
            unit,
            series: Vec::new(),
        });
        self
    }

    /// A count of `n` records, in `count` units.
    fn counted(
        &mut self,
        section: &'static str,
        figure: impl Into<String>,
        breakdown: impl Into<String>,
        n: u64,
    ) -> &mut Self {
        self.add(section, figure, breakdown, Some(n as f64), Some(n), "count")
    }

    fn series(&mut self, metric: Metric, labels: &[(&'static str, &str)]) -> &mut Self {
        self.export(metric, labels, Of::Value)
    }

    fn export(&mut self, metric: Metric, labels: &[(&'static str, &str)], of: Of) -> &mut Self {
        if let Some(last) = self.0.last_mut() {
            last.series.push(Series {
                metric,
                labels: labels.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
                of,
            });
        }
        self
    }
}

/// Every figure of `view`, in the order the CSV lists them.
pub fn of(view: &DashboardView) -> Vec<Figure> {
    let mut list = List::default();
    let week = |p: &WeekPoint| format!("week of {}", p.week);
    list.add(
        "period",
        "from",
        view.from_day.to_string(),
        None,
        None,
        "date",
    );
    list.add("period", "to", view.to_day.to_string(), None, None, "date");

    let i = &view.incidents;
    list.counted("incidents", "incidents", "all", i.total)
        .series(Metric::Incidents, &[("window", "30d")]);
    list.counted("incidents", "open", "all", i.open)
        .series(Metric::IncidentsOpen, &[("window", "30d")]);
    for b in &i.by_severity {
        list.add(
            "incidents",
            "by severity",
            &b.label,
            Some(b.value),
            None,
            "count",
        )
        .series(Metric::IncidentsBySeverity, &[("severity", &b.label)]);
    }
    for b in &i.by_service {
        list.add(
            "incidents",
            "by service",
            &b.label,
            Some(b.value),
            None,
            "count",
        );
    }
    for f in &i.recovery {
        let (name, key) = (f.measure.abbreviation(), f.measure.key());
        let count = Some(f.summary.count);
        list.add("recovery", name, "mean", f.summary.mean, count, "seconds")
            .series(
                Metric::RecoverySeconds,
                &[("measure", key), ("statistic", "mean")],
            )
            .export(Metric::RecoveryIncidents, &[("measure", key)], Of::Count);
        list.add(
            "recovery",
            name,
            "median",
            f.summary.median,
            count,
            "seconds",
        )
        .series(
            Metric::RecoverySeconds,
            &[("measure", key), ("statistic", "median")],
        );
        for p in &f.weekly {
            list.add("recovery", name, week(p), p.value, Some(p.count), "seconds");
        }
    }

    let p = &view.postmortems;
    for (stage, n) in [
        ("required", p.required),
        ("started", p.started),
        ("published", p.published),
        ("overdue", p.overdue),
    ] {
        list.counted("postmortems", stage, "all", n)
            .series(Metric::Postmortems, &[("stage", stage)]);
    }
    list.add(
        "postmortems",
        "median days from resolution to published",
        "all",
        p.median_days_to_publish,
        Some(p.publish_count),
        "days",
    );

    for r in &view.actions.by_kind {
        for (state, n) in [("open", r.open), ("done", r.done), ("overdue", r.overdue)] {
            list.counted("action items", format!("{state} by kind"), &r.label, n)
                .series(Metric::ActionItems, &[("kind", &r.label), ("state", state)]);
        }
    }
    for r in &view.actions.by_owner {
        for (state, n) in [("open", r.open), ("done", r.done), ("overdue", r.overdue)] {
            list.counted("action items", format!("{state} by owner"), &r.label, n);
        }
    }
    for r in &view.actions.backlog {
        for (figure, state, n) in [
            ("open", "open", r.open),
            ("closed, unverified", "closed_unverified", r.unverified),
            ("verified", "verified", r.verified),
        ] {
            list.counted("pipeline tests", figure, &r.service, n)
                .series(
                    Metric::PipelineTests,
                    &[("service", &r.service), ("state", state)],
                );
        }
    }
    for p in &view.actions.burndown {
        list.add(
            "pipeline tests",
            "open at week end",
            week(p),
            p.value,
            Some(p.count),
            "count",
        );
    }

    let pr = &view.problems;
    list.counted("problems", "open", "all", pr.open);
    for b in &pr.by_state {
        list.add(
            "problems",
            "open by state",
            &b.label,
            Some(b.value),
            None,
            "count",
        )
        .series(Metric::ProblemsOpen, &[("state", &b.label)]);
    }
    for b in &pr.by_priority {
        list.add(
            "problems",
            "open by priority",
            &b.label,
            Some(b.value),
            None,
            "count",
        );
    }
    let open = Some(pr.open);
    list.add(
        "problems",
        "median age",
        "open",
        pr.median_age_days,
        open,
        "days",
    );
    list.add(
        "problems",
        "oldest age",
        "open",
        pr.oldest_age_days,
        open,
        "days",
    );
    for k in &pr.known_errors {
        list.counted(
            "problems",
            "known error recurrences",
            &k.title,
            k.recurrences,
        );
    }

    let c = &view.changes;
    list.counted("changes", "deployments", "all", c.deployments)
        .series(Metric::Deployments, &[("result", "all")]);
    list.counted("changes", "failed deployments", "all", c.failed)
        .series(Metric::Deployments, &[("result", "failed")]);
    list.add(
        "changes",
        "change failure rate",
        "all",
        c.failure_rate,
        Some(c.deployments),
        "ratio",
    )
    .series(Metric::ChangeFailureRatio, &[("window", "30d")]);
    list.add(
        "changes",
        "deployment frequency",
        "all",
        Some(c.per_week),
        Some(c.deployments),
        "per week",
    );
    for p in &c.weekly {
        list.add(
            "changes",
            "deployments",
            week(p),
            p.value,
            Some(p.count),
            "count",
        );
    }

    let g = &view.gate;
    list.counted("change gate", "changes", "all", g.changes);
    list.add(
        "change gate",
        "with automated validations",
        "all",
        g.validated_share,
        Some(g.changes),
        "ratio",
    )
    .series(Metric::GateValidatedRatio, &[("window", "30d")]);
    for (figure, n) in [
        ("auto-approved", g.auto_approved),
        ("sent to review", g.reviewed),
        ("emergency", g.emergency),
        ("planned", g.planned),
    ] {
        list.counted("change gate", figure, "all", n);
    }
    for (figure, summary, metric) in [
        (
            "time waiting for review",
            &g.review_wait,
            Metric::GateReviewWaitSeconds,
        ),
        (
            "lead time, report to deploy",
            &g.lead_time,
            Metric::GateLeadTimeSeconds,
        ),
    ] {
        let count = Some(summary.count);
        list.add(
            "change gate",
            figure,
            "median",
            summary.median,
            count,
            "seconds",
        )
        .series(metric, &[("statistic", "median")]);
        list.add(
            "change gate",
            figure,
            "mean",
            summary.mean,
            count,
            "seconds",
        )
        .series(metric, &[("statistic", "mean")]);
    }
    for r in &g.by_route {
        list.counted("change gate", "changes by route", &r.label, r.changes)
            .series(Metric::GateChanges, &[("route", &r.key)]);
        list.add(
            "change gate",
            "change failure rate by route",
            &r.label,
            r.failure_rate,
            Some(r.deployed),
            "ratio",
        )
        .series(Metric::GateFailureRatio, &[("route", &r.key)]);
    }
    for r in &g.by_kind {
        list.counted("change gate", "changes by kind", &r.label, r.changes)
            .series(Metric::GateChangesByKind, &[("kind", &r.key)]);
        list.add(
            "change gate",
            "change failure rate by kind",
            &r.label,
            r.failure_rate,
            Some(r.deployed),
            "ratio",
        );
    }
    list.0
}
