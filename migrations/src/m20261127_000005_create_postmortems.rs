//! Postmortems: the document (narrative fields, curated timeline, factors, action items), its
//! incidents, review activity, the live-event log and presence, and the templates per severity.

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
    columns: Vec<Postmortems>,
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
        use Postmortems as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(pk_auto(P::Id).big_integer())
                    .col(string_len(P::Title, 200))
                    .col(string_len(P::Status, 20))
                    .col(small_integer(P::Severity))
                    .col(string_len(P::RequiredSections, 200))
                    .col(big_integer_null(P::AuthorId))
                    .col(string_len(P::AuthorLabel, 254))
                    .col(string_len(P::FacilitatorStep, 20).default("summary"))
                    .col(string_len(P::FacilitatorLabel, 254).default(""))
                    .col(date_null(P::ReviewDueOn))
                    .col(integer(P::ReviewRound).default(0))
                    .col(integer(P::Version).default(1))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .col(timestamp_with_time_zone_null(P::PublishedAt))
                    .foreign_key(&mut reference(P::Table, P::AuthorId, Users::Table, SetNull))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_postmortems_status_created",
            P::Table,
            vec![P::Status, P::CreatedAt],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PostmortemIncidents::Table)
                    .if_not_exists()
                    .col(big_integer(P::PostmortemId))
                    .col(big_integer(P::IncidentId))
                    .primary_key(Index::create().col(P::PostmortemId).col(P::IncidentId))
                    .foreign_key(&mut reference(
                        PostmortemIncidents::Table,
                        P::PostmortemId,
                        P::Table,
                        Cascade,
                    ))
                    .foreign_key(&mut reference(
                        PostmortemIncidents::Table,
                        P::IncidentId,
                        Incidents::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_postmortem_incidents_incident",
            PostmortemIncidents::Table,
            vec![P::IncidentId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PostmortemFields::Table)
                    .if_not_exists()
                    .col(big_integer(P::PostmortemId))
                    .col(string_len(P::Field, 30))
                    .col(text(P::Body))
                    .col(integer(P::Version).default(1))
                    .col(string_len(P::UpdatedByLabel, 254))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .primary_key(Index::create().col(P::PostmortemId).col(P::Field))
                    .foreign_key(&mut reference(
                        PostmortemFields::Table,
                        P::PostmortemId,
                        P::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PmTimelineEntries::Table)
                    .if_not_exists()
                    .col(pk_auto(P::Id).big_integer())
                    .col(big_integer(P::PostmortemId))
                    .col(big_integer_null(P::SourceEntryId))
                    .col(timestamp_with_time_zone(P::OccurredAt))
                    .col(text(P::Body))
                    .col(string_len(P::Moment, 20).default(""))
                    .col(boolean(P::Hidden).default(false))
                    .col(integer(P::Version).default(1))
                    .col(string_len(P::UpdatedByLabel, 254))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .foreign_key(&mut reference(
                        PmTimelineEntries::Table,
                        P::PostmortemId,
                        P::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_pm_timeline_postmortem",
            PmTimelineEntries::Table,
            vec![P::PostmortemId, P::OccurredAt],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ContributingFactors::Table)
                    .if_not_exists()
                    .col(pk_auto(P::Id).big_integer())
                    .col(big_integer(P::PostmortemId))
                    .col(string_len(P::Title, 200))
                    .col(string_len(P::Category, 30))
                    .col(text(P::Description))
                    .col(text(P::Whys))
                    .col(text(P::Evidence))
                    .col(integer(P::Version).default(1))
                    .col(string_len(P::UpdatedByLabel, 254))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .foreign_key(&mut reference(
                        ContributingFactors::Table,
                        P::PostmortemId,
                        P::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_factors_postmortem",
            ContributingFactors::Table,
            vec![P::PostmortemId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActionItems::Table)
                    .if_not_exists()
                    .col(pk_auto(P::Id).big_integer())
                    .col(big_integer(P::PostmortemId))
                    .col(big_integer_null(P::FactorId))
                    .col(string_len(P::Title, 200))
                    .col(text(P::Description))
                    .col(string_len(P::Kind, 20))
                    .col(big_integer_null(P::OwnerId))
                    .col(date_null(P::DueOn))
                    .col(string_len(P::Priority, 10))
                    .col(string_len(P::Status, 10))
                    .col(integer(P::Version).default(1))
                    .col(string_len(P::UpdatedByLabel, 254))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .col(timestamp_with_time_zone_null(P::DoneAt))
                    .foreign_key(&mut reference(
                        ActionItems::Table,
                        P::PostmortemId,
                        P::Table,
                        Cascade,
                    ))
                    .foreign_key(&mut reference(
                        ActionItems::Table,
                        P::FactorId,
                        ContributingFactors::Table,
                        SetNull,
                    ))
                    .foreign_key(&mut reference(
                        ActionItems::Table,
                        P::OwnerId,
                        Users::Table,
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_action_items_postmortem",
            ActionItems::Table,
            vec![P::PostmortemId],
        )
        .await?;
        index(
            manager,
            "idx_action_items_owner_status",
            ActionItems::Table,
            vec![P::OwnerId, P::Status],
        )
        .await?;
        index(
            manager,
            "idx_action_items_kind_status",
            ActionItems::Table,
            vec![P::Kind, P::Status],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PostmortemActivity::Table)
                    .if_not_exists()
                    .col(pk_auto(P::Id).big_integer())
                    .col(big_integer(P::PostmortemId))
                    .col(big_integer_null(P::ActorId))
                    .col(string_len(P::ActorLabel, 254))
                    .col(string_len(P::Action, 30))
                    .col(text(P::Comment))
                    .col(integer(P::ReviewRound))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .foreign_key(&mut reference(
                        PostmortemActivity::Table,
                        P::PostmortemId,
                        P::Table,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_postmortem_activity",
            PostmortemActivity::Table,
            vec![P::PostmortemId, P::Id],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PostmortemEvents::Table)
                    .if_not_exists()
                    .col(pk_auto(P::Id).big_integer())
                    .col(big_integer(P::PostmortemId))
                    .col(text(P::Payload))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_postmortem_events",
            PostmortemEvents::Table,
            vec![P::PostmortemId, P::Id],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PostmortemPresence::Table)
                    .if_not_exists()
                    .col(string_len(P::ConnectionId, 40).primary_key())
                    .col(big_integer(P::PostmortemId))
                    .col(big_integer_null(P::UserId))
                    .col(string_len(P::UserLabel, 254))
                    .col(timestamp_with_time_zone(P::SeenAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_postmortem_presence",
            PostmortemPresence::Table,
            vec![P::PostmortemId],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(PostmortemTemplates::Table)
                    .if_not_exists()
                    .col(small_integer(P::Severity).primary_key())
                    .col(string_len(P::RequiredSections, 200))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PostmortemTemplates::Table.into_iden(),
            PostmortemPresence::Table.into_iden(),
            PostmortemEvents::Table.into_iden(),
            PostmortemActivity::Table.into_iden(),
            ActionItems::Table.into_iden(),
            ContributingFactors::Table.into_iden(),
            PmTimelineEntries::Table.into_iden(),
            PostmortemFields::Table.into_iden(),
            PostmortemIncidents::Table.into_iden(),
            Postmortems::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// The `postmortems` table and, for brevity, every column name of this migration.
#[derive(DeriveIden, Clone, Copy)]
enum Postmortems {
    Table,
    Id,
    Title,
    Status,
    Severity,
    RequiredSections,
    AuthorId,
    AuthorLabel,
    FacilitatorStep,
    FacilitatorLabel,
    ReviewDueOn,
    ReviewRound,
    Version,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    PostmortemId,
    IncidentId,
    Field,
    Body,
    UpdatedByLabel,
    SourceEntryId,
    OccurredAt,
    Moment,
    Hidden,
    Category,
    Description,
    Whys,
    Evidence,
    FactorId,
    Kind,
    OwnerId,
    DueOn,
    Priority,
    DoneAt,
    ActorId,
    ActorLabel,
    Action,
    Comment,
    Payload,
    ConnectionId,
    UserId,
    UserLabel,
    SeenAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PostmortemIncidents {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum PostmortemFields {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum PmTimelineEntries {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum ContributingFactors {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum ActionItems {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum PostmortemActivity {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum PostmortemEvents {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum PostmortemPresence {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum PostmortemTemplates {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Incidents {
    Table,
}
