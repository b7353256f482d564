//! GitHub backlog sync: the connection, people's GitHub logins, the outbox of sync jobs, the issue
//! each action item became, per-repository state (tracking issue, reconcile ETag), webhook
//! deliveries and the sync activity history.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GithubConnection::Table)
                    .if_not_exists()
                    .col(big_integer(GithubConnection::Id).primary_key())
                    .col(string_len(GithubConnection::Mode, 16))
                    .col(text_null(GithubConnection::Token))
                    .col(big_integer_null(GithubConnection::AppId))
                    .col(text_null(GithubConnection::PrivateKey))
                    .col(big_integer_null(GithubConnection::InstallationId))
                    .col(string_len_null(GithubConnection::ApiUrl, 500))
                    .col(string_len_null(GithubConnection::WebhookSecret, 200))
                    .col(big_integer(GithubConnection::WritePaceMs).default(1000))
                    .col(string_len_null(GithubConnection::BotLogin, 100))
                    .col(timestamp_with_time_zone_null(
                        GithubConnection::LastCheckedAt,
                    ))
                    .col(text_null(GithubConnection::LastCheck))
                    .col(string_len(GithubConnection::UpdatedBy, 254))
                    .col(timestamp_with_time_zone(GithubConnection::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_len_null(Users::GithubLogin, 39))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncJobs::Table)
                    .if_not_exists()
                    .col(pk_auto(SyncJobs::Id).big_integer())
                    .col(big_integer(SyncJobs::ActionItemId))
                    .col(integer(SyncJobs::Generation).default(1))
                    .col(integer(SyncJobs::Attempts).default(0))
                    .col(timestamp_with_time_zone(SyncJobs::RunAfter))
                    .col(string_len_null(SyncJobs::LeaseOwner, 64))
                    .col(timestamp_with_time_zone_null(SyncJobs::LeaseUntil))
                    .col(boolean(SyncJobs::Uncertain).default(false))
                    .col(text_null(SyncJobs::LastError))
                    .col(timestamp_with_time_zone_null(SyncJobs::ParkedAt))
                    .col(timestamp_with_time_zone_null(SyncJobs::DoneAt))
                    .col(timestamp_with_time_zone_null(SyncJobs::FirstTriedAt))
                    .col(timestamp_with_time_zone(SyncJobs::CreatedAt))
                    .col(timestamp_with_time_zone(SyncJobs::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_sync_jobs_item",
            SyncJobs::Table,
            vec![SyncJobs::ActionItemId],
        )
        .await?;
        index(
            manager,
            "idx_sync_jobs_due",
            SyncJobs::Table,
            vec![SyncJobs::DoneAt, SyncJobs::RunAfter],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(GithubIssues::Table)
                    .if_not_exists()
                    .col(big_integer(GithubIssues::ActionItemId).primary_key())
                    .col(string_len(GithubIssues::Repository, 140))
                    .col(big_integer(GithubIssues::Number))
                    .col(big_integer(GithubIssues::IssueId))
                    .col(string_len(GithubIssues::Url, 500))
                    .col(string_len(GithubIssues::State, 16))
                    .col(string_len_null(GithubIssues::StateReason, 32))
                    .col(boolean(GithubIssues::MergedPr).default(false))
                    .col(string_len(GithubIssues::Verification, 24))
                    .col(string_len(GithubIssues::SentHash, 64))
                    .col(boolean(GithubIssues::InTracking).default(false))
                    .col(timestamp_with_time_zone(GithubIssues::SyncedAt))
                    .col(timestamp_with_time_zone_null(GithubIssues::ClosedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(GithubIssues::Table, GithubIssues::ActionItemId)
                            .to(ActionItems::Table, Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_github_issues_number",
            GithubIssues::Table,
            vec![GithubIssues::Repository, GithubIssues::Number],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(GithubRepositories::Table)
                    .if_not_exists()
                    .col(string_len(GithubRepositories::Repository, 140).primary_key())
                    .col(big_integer_null(GithubRepositories::TrackingNumber))
                    .col(big_integer_null(GithubRepositories::TrackingId))
                    .col(boolean(GithubRepositories::LabelsReady).default(false))
                    .col(string_len_null(GithubRepositories::Etag, 200))
                    .col(timestamp_with_time_zone_null(
                        GithubRepositories::ReconciledAt,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GithubDeliveries::Table)
                    .if_not_exists()
                    .col(string_len(GithubDeliveries::DeliveryId, 100).primary_key())
                    .col(timestamp_with_time_zone(GithubDeliveries::ReceivedAt))
                    .col(string_len(GithubDeliveries::Event, 64))
                    .col(string_len_null(GithubDeliveries::Action, 64))
                    .col(string_len(GithubDeliveries::Outcome, 24))
                    .col(text(GithubDeliveries::Detail))
                    .col(text_null(GithubDeliveries::Payload))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncActivity::Table)
                    .if_not_exists()
                    .col(pk_auto(SyncActivity::Id).big_integer())
                    .col(timestamp_with_time_zone(SyncActivity::At))
                    .col(big_integer_null(SyncActivity::ActionItemId))
                    .col(string_len_null(SyncActivity::Repository, 140))
                    .col(string_len(SyncActivity::Level, 16))
                    .col(text(SyncActivity::Message))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_sync_activity_item",
            SyncActivity::Table,
            vec![SyncActivity::ActionItemId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SyncActivity::Table.into_iden(),
            GithubDeliveries::Table.into_iden(),
            GithubRepositories::Table.into_iden(),
            GithubIssues::Table.into_iden(),
            SyncJobs::Table.into_iden(),
            GithubConnection::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::GithubLogin)
                    .to_owned(),
            )
            .await
    }
}

async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: Vec<C>,
) -> Result<(), DbErr> {
    let mut statement = Index::create();
    statement.name(name).table(table).if_not_exists();
    for column in columns {
        statement.col(column);
    }
    manager.create_index(statement.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum GithubConnection {
    Table,
    Id,
    Mode,
    Token,
    AppId,
    PrivateKey,
    InstallationId,
    ApiUrl,
    WebhookSecret,
    WritePaceMs,
    BotLogin,
    LastCheckedAt,
    LastCheck,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    GithubLogin,
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncJobs {
    Table,
    Id,
    ActionItemId,
    Generation,
    Attempts,
    RunAfter,
    LeaseOwner,
    LeaseUntil,
    Uncertain,
    LastError,
    ParkedAt,
    DoneAt,
    FirstTriedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum GithubIssues {
    Table,
    ActionItemId,
    Repository,
    Number,
    IssueId,
    Url,
    State,
    StateReason,
    MergedPr,
    Verification,
    SentHash,
    InTracking,
    SyncedAt,
    ClosedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum GithubRepositories {
    Table,
    Repository,
    TrackingNumber,
    TrackingId,
    LabelsReady,
    Etag,
    ReconciledAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum GithubDeliveries {
    Table,
    DeliveryId,
    ReceivedAt,
    Event,
    Action,
    Outcome,
    Detail,
    Payload,
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncActivity {
    Table,
    Id,
    At,
    ActionItemId,
    Repository,
    Level,
    Message,
}

#[derive(DeriveIden, Clone, Copy)]
enum ActionItems {
    Table,
}
