//! The change gate reads, for every decision, a service's most severe open incidents and the
//! impact of its recent ones. Each affected-service row now carries a copy of its incident's
//! status, severity and impact times, kept by triggers (so no write path can forget it), and two
//! indexes answer both questions from one range of the service's rows: the open ones in
//! (status, severity, newest) order, and the window's impact without reading any incident.
//! A third index finds a service's overdue pipeline tests without reading its other items.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The incident columns copied onto each of its `incident_services` rows, in the same names.
const COPIED: &str = "status, severity, opened_at, impact_started_at, mitigated_at, resolved_at";

/// `OLD.c <op> NEW.c OR …` over the copied columns.
fn changed(distinct: &str) -> String {
    COPIED
        .split(", ")
        .map(|c| format!("OLD.{c} {distinct} NEW.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// `NEW.c, …` over the copied columns.
fn new_values() -> String {
    COPIED
        .split(", ")
        .map(|c| format!("NEW.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn sqlite_triggers() -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER incident_services_copy_incident AFTER INSERT ON incident_services \
             FOR EACH ROW BEGIN UPDATE incident_services SET ({COPIED}) = \
             (SELECT {COPIED} FROM incidents i WHERE i.id = NEW.incident_id) \
             WHERE incident_id = NEW.incident_id AND service_id = NEW.service_id; END"
        ),
        format!(
            "CREATE TRIGGER incidents_copy_to_services AFTER UPDATE ON incidents \
             FOR EACH ROW WHEN {} BEGIN UPDATE incident_services SET ({COPIED}) = ({}) \
             WHERE incident_id = NEW.id; END",
            changed("IS NOT"),
            new_values()
        ),
    ]
}

fn postgres_triggers() -> Vec<String> {
    let into = new_values();
    vec![
        format!(
            "CREATE FUNCTION incident_services_copy_incident() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN SELECT {COPIED} INTO {into} FROM incidents WHERE id = NEW.incident_id; \
             RETURN NEW; END $$"
        ),
        "CREATE TRIGGER incident_services_copy_incident BEFORE INSERT ON incident_services \
         FOR EACH ROW EXECUTE FUNCTION incident_services_copy_incident()"
            .to_owned(),
        format!(
            "CREATE FUNCTION incidents_copy_to_services() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF {} THEN UPDATE incident_services SET ({COPIED}) = ({}) \
             WHERE incident_id = NEW.id; END IF; RETURN NULL; END $$",
            changed("IS DISTINCT FROM"),
            new_values()
        ),
        "CREATE TRIGGER incidents_copy_to_services AFTER UPDATE ON incidents \
         FOR EACH ROW EXECUTE FUNCTION incidents_copy_to_services()"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for column in [
            ColumnDef::new(IncidentServices::Status)
                .string_len(20)
                .not_null()
                .default("resolved")
                .to_owned(),
            ColumnDef::new(IncidentServices::Severity)
                .small_integer()
                .not_null()
                .default(4)
                .to_owned(),
            ColumnDef::new(IncidentServices::ImpactStartedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(IncidentServices::MitigatedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(IncidentServices::ResolvedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            // One column per statement: SQLite adds only one at a time.
            manager
                .alter_table(
                    Table::alter()
                        .table(IncidentServices::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "UPDATE incident_services SET ({COPIED}) = \
             (SELECT {COPIED} FROM incidents i WHERE i.id = incident_services.incident_id)"
        ))
        .await?;
        for statement in if postgres {
            postgres_triggers()
        } else {
            sqlite_triggers()
        } {
            db.execute_unprepared(&statement).await?;
        }
        // The open ones of a service, most severe and newest first: one short range per status.
        manager
            .create_index(
                Index::create()
                    .name("idx_incident_services_open")
                    .table(IncidentServices::Table)
                    .col(IncidentServices::ServiceId)
                    .col(IncidentServices::Status)
                    .col(IncidentServices::Severity)
                    .col((IncidentServices::OpenedAt, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        // The window's impact read from the index alone (the list keeps using its prefix).
        manager
            .drop_index(
                Index::drop()
                    .name("idx_incident_services_service_opened")
                    .table(IncidentServices::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incident_services_window")
                    .table(IncidentServices::Table)
                    .col(IncidentServices::ServiceId)
                    .col(IncidentServices::OpenedAt)
                    .col(IncidentServices::IncidentId)
                    .col(IncidentServices::ImpactStartedAt)
                    .col(IncidentServices::MitigatedAt)
                    .col(IncidentServices::ResolvedAt)
                    .to_owned(),
            )
            .await?;
        // A service's overdue pipeline tests: one range (kind, status, due date) of its items.
        manager
            .create_index(
                Index::create()
                    .name("idx_action_items_service_open")
                    .table(ActionItems::Table)
                    .col(ActionItems::ServiceId)
                    .col(ActionItems::Kind)
                    .col(ActionItems::Status)
                    .col(ActionItems::DueOn)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_action_items_service")
                    .table(ActionItems::Table)
                    .to_owned(),
            )
            .await?;
        // The gate's earlier way in, over every service's open incidents, is no longer read.
        manager
            .drop_index(
                Index::drop()
                    .name("idx_incidents_status_severity_opened")
                    .table(Incidents::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            for statement in [
                "DROP TRIGGER IF EXISTS incidents_copy_to_services ON incidents",
                "DROP FUNCTION IF EXISTS incidents_copy_to_services()",
                "DROP TRIGGER IF EXISTS incident_services_copy_incident ON incident_services",
                "DROP FUNCTION IF EXISTS incident_services_copy_incident()",
            ] {
                db.execute_unprepared(statement).await?;
            }
        } else {
            for statement in [
                "DROP TRIGGER IF EXISTS incidents_copy_to_services",
                "DROP TRIGGER IF EXISTS incident_services_copy_incident",
            ] {
                db.execute_unprepared(statement).await?;
            }
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_incidents_status_severity_opened")
                    .table(Incidents::Table)
                    .col(Incidents::Status)
                    .col(Incidents::Severity)
                    .col((Incidents::OpenedAt, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_action_items_service")
                    .table(ActionItems::Table)
                    .col(ActionItems::ServiceId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_action_items_service_open")
                    .table(ActionItems::Table)
                    .to_owned(),
            )
            .await?;
        for name in ["idx_incident_services_open", "idx_incident_services_window"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(IncidentServices::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_incident_services_service_opened")
                    .table(IncidentServices::Table)
                    .col(IncidentServices::ServiceId)
                    .col(IncidentServices::OpenedAt)
                    .col(IncidentServices::IncidentId)
                    .to_owned(),
            )
            .await?;
        for column in [
            IncidentServices::Status,
            IncidentServices::Severity,
            IncidentServices::ImpactStartedAt,
            IncidentServices::MitigatedAt,
            IncidentServices::ResolvedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(IncidentServices::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum IncidentServices {
    Table,
    Status,
    Severity,
    OpenedAt,
    IncidentId,
    ServiceId,
    ImpactStartedAt,
    MitigatedAt,
    ResolvedAt,
}

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Status,
    Severity,
    OpenedAt,
}

#[derive(DeriveIden)]
enum ActionItems {
    Table,
    ServiceId,
    Kind,
    Status,
    DueOn,
}
