//! Changes that come from GitHub pull requests: the repository, and the commit status the gate
//! owes it (`pending`, `success`, `failure`) until it has been posted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_len_null(Changes::Repository, 300),
            string_len_null(Changes::StatusWanted, 20),
            string_len_null(Changes::StatusPosted, 20),
            boolean(Changes::StatusDue).default(false).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Changes::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_changes_status_due")
                    .table(Changes::Table)
                    .col(Changes::StatusDue)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_changes_status_due")
                    .table(Changes::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Changes::StatusDue,
            Changes::StatusPosted,
            Changes::StatusWanted,
            Changes::Repository,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Changes::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    Repository,
    StatusWanted,
    StatusPosted,
    StatusDue,
}
