//! Which worker finished each GitHub sync job, so an operator running several instances (and the
//! tests) can see that they share the queue.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SyncJobs::Table)
                    .add_column(string_len_null(SyncJobs::FinishedBy, 100))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SyncJobs::Table)
                    .drop_column(SyncJobs::FinishedBy)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum SyncJobs {
    Table,
    FinishedBy,
}
