//! The change gate reads a service's most severe open incidents for every decision: an index in
//! that order lets it stop after the few it needs, however many incidents are open or closed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_incidents_status_severity_opened")
                    .table(Incidents::Table)
                    .col(Incidents::Status)
                    .col(Incidents::Severity)
                    // Newest first within a severity, as the gate reads them: one scan, no sort.
                    .col((Incidents::OpenedAt, IndexOrder::Desc))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_incidents_status_severity_opened")
                    .table(Incidents::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Status,
    Severity,
    OpenedAt,
}
