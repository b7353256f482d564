//! Incidents a problem manager judged not to be a recurring problem: the triage queue no longer
//! suggests them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DismissedSuggestions::Table)
                    .if_not_exists()
                    .col(big_integer(DismissedSuggestions::IncidentId).primary_key())
                    .col(string_len(DismissedSuggestions::ActorLabel, 254))
                    .col(text(DismissedSuggestions::Reason).default(""))
                    .col(timestamp_with_time_zone(DismissedSuggestions::DismissedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                DismissedSuggestions::Table,
                                DismissedSuggestions::IncidentId,
                            )
                            .to(Incidents::Table, Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(DismissedSuggestions::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum DismissedSuggestions {
    Table,
    IncidentId,
    ActorLabel,
    Reason,
    DismissedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Incidents {
    Table,
}
