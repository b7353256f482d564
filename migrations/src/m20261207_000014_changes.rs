//! Change records: a proposed deploy of one service as a pipeline reported it, the gate's
//! decision with its reasons, and the review a person gave it. One change per service,
//! environment and commit, so a repeated report never makes a second.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Changes::Table)
                    .if_not_exists()
                    .col(pk_auto(Changes::Id).big_integer())
                    .col(big_integer(Changes::ServiceId))
                    .col(string_len(Changes::Environment, 64))
                    .col(string_len(Changes::Kind, 20))
                    .col(string_len(Changes::CommitSha, 64))
                    .col(string_len(Changes::Branch, 500))
                    .col(big_integer_null(Changes::PullRequest))
                    .col(string_len_null(Changes::PullRequestUrl, 2048))
                    .col(string_len(Changes::Author, 500))
                    .col(string_len(Changes::Title, 300))
                    .col(text(Changes::Paths))
                    .col(text(Changes::Labels))
                    .col(text(Changes::Checks))
                    .col(string_len(Changes::Decision, 20))
                    .col(text(Changes::Reasons))
                    .col(string_len(Changes::ReportedBy, 254))
                    .col(string_len_null(Changes::ReviewedBy, 254))
                    .col(timestamp_with_time_zone_null(Changes::ReviewedAt))
                    .col(text_null(Changes::ReviewComment))
                    .col(timestamp_with_time_zone(Changes::CreatedAt))
                    .col(timestamp_with_time_zone(Changes::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Changes::Table, Changes::ServiceId)
                            .to(Services::Table, Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_changes_service_environment_commit")
                    .table(Changes::Table)
                    .col(Changes::ServiceId)
                    .col(Changes::Environment)
                    .col(Changes::CommitSha)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_changes_created")
                    .table(Changes::Table)
                    .col(Changes::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Changes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    Id,
    ServiceId,
    Environment,
    Kind,
    CommitSha,
    Branch,
    PullRequest,
    PullRequestUrl,
    Author,
    Title,
    Paths,
    Labels,
    Checks,
    Decision,
    Reasons,
    ReportedBy,
    ReviewedBy,
    ReviewedAt,
    ReviewComment,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Services {
    Table,
}
