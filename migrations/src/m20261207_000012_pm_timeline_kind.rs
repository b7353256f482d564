//! The kind of each curated timeline entry (alert, note, status change, action taken, change),
//! copied from the incident's timeline on import, so the postmortem shows it as the incident does.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PmTimelineEntries::Table)
                    .add_column(string_len(PmTimelineEntries::Kind, 20).default("note"))
                    .to_owned(),
            )
            .await?;
        // Entries imported earlier take their source entry's kind (the same SQL on both engines).
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE pm_timeline_entries SET kind = COALESCE((SELECT t.kind FROM timeline_entries t \
                 WHERE t.id = pm_timeline_entries.source_entry_id), 'note') \
                 WHERE source_entry_id IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PmTimelineEntries::Table)
                    .drop_column(PmTimelineEntries::Kind)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum PmTimelineEntries {
    Table,
    Kind,
}
