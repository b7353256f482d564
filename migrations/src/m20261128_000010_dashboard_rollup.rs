//! The dashboard's roll-up: per-day totals of incidents (by severity and by service or team),
//! per-day duration histograms of the recovery measures, and the pipeline-test counts per service,
//! so the dashboard reads a few hundred rows instead of every incident of its period. Triggers
//! note what changed in `rollup_dirty`; the application folds those notes into the roll-up
//! before it reads (`backend::metrics::rollup`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables, the same on both engines.
const TABLES: &[&str] = &[
    // One row per day (in the reporting zone), scope ('' = everything, 's<id>' = a service,
    // 't<team>' = a team) and severity: the incidents opened that day.
    "CREATE TABLE rollup_cells (
        day BIGINT NOT NULL,
        scope VARCHAR(300) NOT NULL,
        severity SMALLINT NOT NULL,
        incidents BIGINT NOT NULL,
        open BIGINT NOT NULL,
        required BIGINT NOT NULL,
        started BIGINT NOT NULL,
        published BIGINT NOT NULL,
        PRIMARY KEY (scope, day, severity))",
    // The durations of one measure for a cell (severity 0 = every severity): how many, their sum
    // in seconds and their histogram (`bucket:count:sum` entries, see `domain::histogram`).
    "CREATE TABLE rollup_measures (
        day BIGINT NOT NULL,
        scope VARCHAR(300) NOT NULL,
        severity SMALLINT NOT NULL,
        measure VARCHAR(20) NOT NULL,
        n BIGINT NOT NULL,
        total BIGINT NOT NULL,
        histogram TEXT NOT NULL,
        PRIMARY KEY (scope, severity, measure, day))",
    // Pipeline tests made and done per day, by the service they belong to ('' for none).
    "CREATE TABLE rollup_tests (
        service VARCHAR(300) NOT NULL,
        day BIGINT NOT NULL,
        made BIGINT NOT NULL,
        done BIGINT NOT NULL,
        PRIMARY KEY (service, day))",
    // The pipeline-test backlog per service ('' for none).
    "CREATE TABLE rollup_backlog (
        service VARCHAR(300) NOT NULL PRIMARY KEY,
        open BIGINT NOT NULL,
        unverified BIGINT NOT NULL,
        verified BIGINT NOT NULL)",
    // The reporting offset the roll-up was built for; none (as after this migration) or another
    // one means building it again from every incident.
    "CREATE TABLE rollup_state (
        id INTEGER NOT NULL PRIMARY KEY,
        offset_seconds BIGINT NOT NULL)",
];

/// What changed since the roll-up was last brought up to date: the opening time of an incident
/// whose day must be counted again, or (no time) the pipeline tests.
const SQLITE_DIRTY: &str = "CREATE TABLE rollup_dirty (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP WITH TIME ZONE NULL)";
const POSTGRES_DIRTY: &str = "CREATE TABLE rollup_dirty (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMP WITH TIME ZONE NULL)";

/// The incident columns a dashboard figure depends on.
const INCIDENT_COLUMNS: [&str; 9] = [
    "opened_at",
    "severity",
    "status",
    "postmortem_required",
    "impact_started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
];

/// A note for every incident `WHERE`-selected (SQL shared by both engines' trigger bodies).
fn note_incidents(condition: &str) -> String {
    format!("INSERT INTO rollup_dirty (at) SELECT i.opened_at FROM incidents i WHERE {condition};")
}

/// A note that the pipeline tests changed.
const NOTE_TESTS: &str = "INSERT INTO rollup_dirty (at) VALUES (NULL);";

/// Whether an incident appears in a postmortem (only then can its services move a pipeline test).
fn in_postmortem(row: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM postmortem_incidents pi WHERE pi.incident_id = {row}.incident_id)"
    )
}

fn changed(columns: &[&str], sqlite: bool) -> String {
    let op = if sqlite { "IS NOT" } else { "IS DISTINCT FROM" };
    columns
        .iter()
        .map(|c| format!("OLD.{c} {op} NEW.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// SQLite triggers: one per table and operation.
fn sqlite_triggers() -> Vec<String> {
    let trigger = |name: &str, event: &str, table: &str, when: Option<String>, body: String| {
        let when = when.map(|w| format!(" WHEN {w}")).unwrap_or_default();
        format!(
            "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN {body} END"
        )
    };
    let pipeline = "NEW.kind = 'pipeline_test'";
    vec![
        trigger(
            "rollup_incidents_insert",
            "INSERT",
            "incidents",
            None,
            "INSERT INTO rollup_dirty (at) VALUES (NEW.opened_at);".into(),
        ),
        trigger(
            "rollup_incidents_update",
            "UPDATE",
            "incidents",
            Some(changed(&INCIDENT_COLUMNS, true)),
            "INSERT INTO rollup_dirty (at) VALUES (OLD.opened_at); \
             INSERT INTO rollup_dirty (at) SELECT NEW.opened_at WHERE NEW.opened_at IS NOT OLD.opened_at;"
                .into(),
        ),
        trigger(
            "rollup_incidents_delete",
            "DELETE",
            "incidents",
            None,
            "INSERT INTO rollup_dirty (at) VALUES (OLD.opened_at);".into(),
        ),
        trigger(
            "rollup_incident_services_insert",
            "INSERT",
            "incident_services",
            None,
            format!(
                "{} INSERT INTO rollup_dirty (at) SELECT NULL WHERE {};",
                note_incidents("i.id = NEW.incident_id"),
                in_postmortem("NEW")
            ),
        ),
        trigger(
            "rollup_incident_services_delete",
            "DELETE",
            "incident_services",
            None,
            format!(
                "{} INSERT INTO rollup_dirty (at) SELECT NULL WHERE {};",
                note_incidents("i.id = OLD.incident_id"),
                in_postmortem("OLD")
            ),
        ),
        trigger(
            "rollup_postmortem_incidents_insert",
            "INSERT",
            "postmortem_incidents",
            None,
            format!("{} {NOTE_TESTS}", note_incidents("i.id = NEW.incident_id")),
        ),
        trigger(
            "rollup_postmortem_incidents_delete",
            "DELETE",
            "postmortem_incidents",
            None,
            format!("{} {NOTE_TESTS}", note_incidents("i.id = OLD.incident_id")),
        ),
        trigger(
            "rollup_postmortems_update",
            "UPDATE",
            "postmortems",
            Some(changed(&["status", "published_at"], true)),
            note_incidents(
                "i.id IN (SELECT pi.incident_id FROM postmortem_incidents pi WHERE pi.postmortem_id = NEW.id)",
            ),
        ),
        trigger(
            "rollup_services_update",
            "UPDATE",
            "services",
            Some(changed(&["team", "name"], true)),
            format!(
                "{} {NOTE_TESTS}",
                note_incidents(
                    "i.id IN (SELECT x.incident_id FROM incident_services x WHERE x.service_id = NEW.id)"
                )
            ),
        ),
        trigger(
            "rollup_action_items_insert",
            "INSERT",
            "action_items",
            Some(pipeline.into()),
            NOTE_TESTS.into(),
        ),
        trigger(
            "rollup_action_items_update",
            "UPDATE",
            "action_items",
            Some(format!(
                "({pipeline} OR OLD.kind = 'pipeline_test') AND ({})",
                changed(
                    &["kind", "status", "created_at", "done_at", "problem_id", "postmortem_id"],
                    true
                )
            )),
            NOTE_TESTS.into(),
        ),
        trigger(
            "rollup_action_items_delete",
            "DELETE",
            "action_items",
            Some("OLD.kind = 'pipeline_test'".into()),
            NOTE_TESTS.into(),
        ),
        trigger(
            "rollup_github_issues_insert",
            "INSERT",
            "github_issues",
            None,
            NOTE_TESTS.into(),
        ),
        trigger(
            "rollup_github_issues_update",
            "UPDATE",
            "github_issues",
            Some(changed(&["verification"], true)),
            NOTE_TESTS.into(),
        ),
        trigger(
            "rollup_github_issues_delete",
            "DELETE",
            "github_issues",
            None,
            NOTE_TESTS.into(),
        ),
        trigger(
            "rollup_problem_services_insert",
            "INSERT",
            "problem_services",
            None,
            NOTE_TESTS.into(),
        ),
        trigger(
            "rollup_problem_services_delete",
            "DELETE",
            "problem_services",
            None,
            NOTE_TESTS.into(),
        ),
    ]
}

/// PostgreSQL trigger functions and triggers: one function per table, `TG_OP` choosing the rows.
fn postgres_triggers() -> Vec<String> {
    let function = |table: &str, body: &str, when: &str| {
        vec![
            format!(
                "CREATE FUNCTION rollup_note_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN {body} RETURN NULL; END $$"
            ),
            format!(
                "CREATE TRIGGER rollup_{table} AFTER {when} ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION rollup_note_{table}()"
            ),
        ]
    };
    let pipeline = "NEW.kind = 'pipeline_test'";
    let incident_pm = |row: &str| {
        format!(
            "{} IF {} THEN {NOTE_TESTS} END IF;",
            note_incidents(&format!("i.id = {row}.incident_id")),
            in_postmortem(row)
        )
    };
    [
        function(
            "incidents",
            &format!(
                "IF TG_OP = 'INSERT' THEN INSERT INTO rollup_dirty (at) VALUES (NEW.opened_at); \
                 ELSIF TG_OP = 'DELETE' THEN INSERT INTO rollup_dirty (at) VALUES (OLD.opened_at); \
                 ELSIF {} THEN INSERT INTO rollup_dirty (at) VALUES (OLD.opened_at); \
                 IF NEW.opened_at IS DISTINCT FROM OLD.opened_at THEN \
                 INSERT INTO rollup_dirty (at) VALUES (NEW.opened_at); END IF; END IF;",
                changed(&INCIDENT_COLUMNS, false)
            ),
            "INSERT OR UPDATE OR DELETE",
        ),
        function(
            "incident_services",
            &format!(
                "IF TG_OP = 'INSERT' THEN {} ELSE {} END IF;",
                incident_pm("NEW"),
                incident_pm("OLD")
            ),
            "INSERT OR DELETE",
        ),
        function(
            "postmortem_incidents",
            &format!(
                "IF TG_OP = 'INSERT' THEN {} ELSE {} END IF; {NOTE_TESTS}",
                note_incidents("i.id = NEW.incident_id"),
                note_incidents("i.id = OLD.incident_id")
            ),
            "INSERT OR DELETE",
        ),
        function(
            "postmortems",
            &format!(
                "IF {} THEN {} END IF;",
                changed(&["status", "published_at"], false),
                note_incidents(
                    "i.id IN (SELECT pi.incident_id FROM postmortem_incidents pi WHERE pi.postmortem_id = NEW.id)"
                )
            ),
            "UPDATE",
        ),
        function(
            "services",
            &format!(
                "IF {} THEN {} {NOTE_TESTS} END IF;",
                changed(&["team", "name"], false),
                note_incidents(
                    "i.id IN (SELECT x.incident_id FROM incident_services x WHERE x.service_id = NEW.id)"
                )
            ),
            "UPDATE",
        ),
        function(
            "action_items",
            &format!(
                "IF TG_OP = 'INSERT' THEN IF {pipeline} THEN {NOTE_TESTS} END IF; \
                 ELSIF TG_OP = 'DELETE' THEN IF OLD.kind = 'pipeline_test' THEN {NOTE_TESTS} END IF; \
                 ELSIF ({pipeline} OR OLD.kind = 'pipeline_test') AND ({}) THEN {NOTE_TESTS} END IF;",
                changed(
                    &["kind", "status", "created_at", "done_at", "problem_id", "postmortem_id"],
                    false
                )
            ),
            "INSERT OR UPDATE OR DELETE",
        ),
        function(
            "github_issues",
            &format!(
                "IF TG_OP <> 'UPDATE' OR ({}) THEN {NOTE_TESTS} END IF;",
                changed(&["verification"], false)
            ),
            "INSERT OR UPDATE OR DELETE",
        ),
        function("problem_services", NOTE_TESTS, "INSERT OR DELETE"),
    ]
    .concat()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        let mut statements: Vec<String> = TABLES.iter().map(|s| (*s).to_owned()).collect();
        statements.push(
            if postgres {
                POSTGRES_DIRTY
            } else {
                SQLITE_DIRTY
            }
            .to_owned(),
        );
        statements.extend(if postgres {
            postgres_triggers()
        } else {
            sqlite_triggers()
        });
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        if postgres {
            for table in [
                "incidents",
                "incident_services",
                "postmortem_incidents",
                "postmortems",
                "services",
                "action_items",
                "github_issues",
                "problem_services",
            ] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS rollup_{table} ON {table}"))
                    .await?;
                db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS rollup_note_{table}()"))
                    .await?;
            }
        } else {
            for statement in sqlite_triggers() {
                let name = statement.split_whitespace().nth(2).unwrap_or_default();
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}"))
                    .await?;
            }
        }
        for table in [
            "rollup_cells",
            "rollup_measures",
            "rollup_tests",
            "rollup_backlog",
            "rollup_state",
            "rollup_dirty",
        ] {
            db.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        Ok(())
    }
}
