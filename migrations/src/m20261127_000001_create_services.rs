//! The service catalog: the canonical list of services every other record hangs off.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Services::Table)
                    .if_not_exists()
                    .col(pk_auto(Services::Id).big_integer())
                    .col(string_len_uniq(Services::Slug, 63))
                    .col(string_len(Services::Name, 100))
                    .col(string_len(Services::Team, 100).default(""))
                    .col(string_len_null(Services::Repository, 140))
                    .col(string_len_null(Services::RunbookUrl, 2048))
                    .col(string_len(Services::OnCall, 200).default(""))
                    .col(double_null(Services::SloTarget))
                    .col(text(Services::Description).default(""))
                    .col(integer(Services::Version).default(1))
                    .col(timestamp_with_time_zone(Services::CreatedAt))
                    .col(timestamp_with_time_zone(Services::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Services::ArchivedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_services_archived_name")
                    .table(Services::Table)
                    .col(Services::ArchivedAt)
                    .col(Services::Name)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Services::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
    Slug,
    Name,
    Team,
    Repository,
    RunbookUrl,
    OnCall,
    SloTarget,
    Description,
    Version,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}
