//! An index in the order of the incident list's "most severe first" sort (severity ascending, then
//! newest first), so that sort reads one index range per page like the others.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_incidents_severity_newest")
                    .table(Incidents::Table)
                    .col(Incidents::Severity)
                    .col((Incidents::OpenedAt, IndexOrder::Desc))
                    .col((Incidents::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_incidents_severity_newest")
                    .table(Incidents::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Severity,
    OpenedAt,
    Id,
}
