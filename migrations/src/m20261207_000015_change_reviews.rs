//! Reviews and CI tokens for the change gate: what a reviewer made of a change (approved or
//! rejected), and API tokens limited to what a pipeline reports (changes and deployments),
//! optionally for one service only.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Changes::Table)
                    .add_column(string_len_null(Changes::ReviewOutcome, 20))
                    .to_owned(),
            )
            .await?;
        // The review queue: changes still awaiting a person, newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx_changes_service_created")
                    .table(Changes::Table)
                    .col(Changes::ServiceId)
                    .col(Changes::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(string_len(ApiTokens::Scope, 20).default("full"))
                    .to_owned(),
            )
            .await?;
        // A token for one service ends with it: a service is archived, not deleted, so this
        // only matters for a service removed from the database by hand.
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(big_integer_null(ApiTokens::ServiceId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [ApiTokens::ServiceId, ApiTokens::Scope] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ApiTokens::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_changes_service_created")
                    .table(Changes::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Changes::Table)
                    .drop_column(Changes::ReviewOutcome)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    ServiceId,
    CreatedAt,
    ReviewOutcome,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Scope,
    ServiceId,
}
