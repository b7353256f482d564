//! Problems (ITIL): the problem record, its services, incidents, root causes, linked
//! contributing factors, known-error article and history; action items may implement a fix.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A foreign key from `table.column` to `target.id`.
fn reference(
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
    target: impl IntoIden + 'static,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(target, Alias::new("id"))
        .on_delete(on_delete)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    columns: Vec<Problems>,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};
        use Problems as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(pk_auto(P::Id).big_integer())
                    .col(string_len(P::Title, 200))
                    .col(text(P::Statement).default(""))
                    .col(string_len(P::Category, 30))
                    .col(string_len(P::Impact, 10))
                    .col(string_len(P::Urgency, 10))
                    .col(small_integer(P::Priority))
                    .col(string_len(P::State, 30))
                    .col(big_integer_null(P::CoordinatorId))
                    .col(big_integer_null(P::DuplicateOfId))
                    .col(text(P::Workaround).default(""))
                    .col(text(P::Fix).default(""))
                    .col(text(P::Resolution).default(""))
                    .col(big_integer_null(P::CreatedBy))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .col(timestamp_with_time_zone_null(P::ResolvedAt))
                    .col(integer(P::Version).default(1))
                    .foreign_key(&mut reference(
                        P::Table,
                        P::CoordinatorId,
                        Users::Table,
                        SetNull,
                    ))
                    .foreign_key(&mut reference(
                        P::Table,
                        P::DuplicateOfId,
                        P::Table,
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_problems_state_priority",
            P::Table,
            vec![P::State, P::Priority, P::CreatedAt],
        )
        .await?;
        index(
            manager,
            "idx_problems_coordinator",
            P::Table,
            vec![P::CoordinatorId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProblemServices::Table)
                    .if_not_exists()
                    .col(big_integer(P::ProblemId))
                    .col(big_integer(P::ServiceId))
                    .primary_key(Index::create().col(P::ProblemId).col(P::ServiceId))
                    .foreign_key(&mut reference(
                        ProblemServices::Table,
                        P::ProblemId,
                        P::Table,
                        Cascade,
                    ))
                    .foreign_key(&mut reference(
                        ProblemServices::Table,
                        P::ServiceId,
                        Services::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_problem_services_service",
            ProblemServices::Table,
            vec![P::ServiceId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProblemIncidents::Table)
                    .if_not_exists()
                    .col(big_integer(P::ProblemId))
                    .col(big_integer(P::IncidentId))
                    .col(boolean(P::Recurrence).default(false))
                    .col(timestamp_with_time_zone(P::LinkedAt))
                    .primary_key(Index::create().col(P::ProblemId).col(P::IncidentId))
                    .foreign_key(&mut reference(
                        ProblemIncidents::Table,
                        P::ProblemId,
                        P::Table,
                        Cascade,
                    ))
                    .foreign_key(&mut reference(
                        ProblemIncidents::Table,
                        P::IncidentId,
                        Incidents::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_problem_incidents_incident",
            ProblemIncidents::Table,
            vec![P::IncidentId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(RootCauses::Table)
                    .if_not_exists()
                    .col(pk_auto(P::Id).big_integer())
                    .col(big_integer(P::ProblemId))
                    .col(text(P::Description))
                    .col(string_len(P::Category, 30))
                    .col(text(P::Evidence).default(""))
                    .col(string_len(P::ActorLabel, 254))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .foreign_key(&mut reference(
                        RootCauses::Table,
                        P::ProblemId,
                        P::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_root_causes_problem",
            RootCauses::Table,
            vec![P::ProblemId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProblemFactors::Table)
                    .if_not_exists()
                    .col(big_integer(P::ProblemId))
                    .col(big_integer(P::FactorId))
                    .primary_key(Index::create().col(P::ProblemId).col(P::FactorId))
                    .foreign_key(&mut reference(
                        ProblemFactors::Table,
                        P::ProblemId,
                        P::Table,
                        Cascade,
                    ))
                    .foreign_key(&mut reference(
                        ProblemFactors::Table,
                        P::FactorId,
                        ContributingFactors::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_problem_factors_factor",
            ProblemFactors::Table,
            vec![P::FactorId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(KnownErrors::Table)
                    .if_not_exists()
                    .col(big_integer(P::ProblemId).primary_key())
                    .col(text(P::Symptoms))
                    .col(string_len_null(P::RunbookUrl, 2000))
                    .col(date_null(P::ValidUntil))
                    .col(string_len(P::ActorLabel, 254))
                    .col(timestamp_with_time_zone(P::PublishedAt))
                    .col(timestamp_with_time_zone_null(P::RetiredAt))
                    .foreign_key(&mut reference(
                        KnownErrors::Table,
                        P::ProblemId,
                        P::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProblemHistory::Table)
                    .if_not_exists()
                    .col(pk_auto(P::Id).big_integer())
                    .col(big_integer(P::ProblemId))
                    .col(big_integer_null(P::ActorId))
                    .col(string_len(P::ActorLabel, 254))
                    .col(string_len(P::Kind, 30))
                    .col(string_len_null(P::FromState, 30))
                    .col(string_len_null(P::ToState, 30))
                    .col(text(P::Note).default(""))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .foreign_key(&mut reference(
                        ProblemHistory::Table,
                        P::ProblemId,
                        P::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_problem_history_problem",
            ProblemHistory::Table,
            vec![P::ProblemId, P::Id],
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ActionItems::Table)
                    .add_column(big_integer_null(P::ProblemId))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_action_items_problem",
            ActionItems::Table,
            vec![P::ProblemId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_action_items_problem").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ActionItems::Table)
                    .drop_column(Problems::ProblemId)
                    .to_owned(),
            )
            .await?;
        for table in [
            ProblemHistory::Table.into_iden(),
            KnownErrors::Table.into_iden(),
            ProblemFactors::Table.into_iden(),
            RootCauses::Table.into_iden(),
            ProblemIncidents::Table.into_iden(),
            ProblemServices::Table.into_iden(),
            Problems::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// The `problems` table and, for brevity, every column name of this migration.
#[derive(DeriveIden, Clone, Copy)]
enum Problems {
    Table,
    Id,
    Title,
    Statement,
    Category,
    Impact,
    Urgency,
    Priority,
    State,
    CoordinatorId,
    DuplicateOfId,
    Workaround,
    Fix,
    Resolution,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    ResolvedAt,
    Version,
    ProblemId,
    ServiceId,
    IncidentId,
    Recurrence,
    LinkedAt,
    Description,
    Evidence,
    ActorId,
    ActorLabel,
    FactorId,
    Symptoms,
    RunbookUrl,
    ValidUntil,
    PublishedAt,
    RetiredAt,
    Kind,
    FromState,
    ToState,
    Note,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProblemServices {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum ProblemIncidents {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum RootCauses {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum ProblemFactors {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum KnownErrors {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum ProblemHistory {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum ActionItems {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Services {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Incidents {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum ContributingFactors {
    Table,
}
