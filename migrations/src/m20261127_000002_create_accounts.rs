//! Accounts, personal API tokens and the append-only audit trail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(pk_auto(Users::Id).big_integer())
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_len(Users::DisplayName, 100))
                    .col(string_len(Users::PasswordHash, 200))
                    .col(string_len(Users::Role, 32))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::PasswordChangedAt))
                    .col(timestamp_with_time_zone_null(Users::DisabledAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .if_not_exists()
                    .col(pk_auto(ApiTokens::Id).big_integer())
                    .col(big_integer(ApiTokens::UserId))
                    .col(string_len(ApiTokens::Name, 100))
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    .col(string_len(ApiTokens::Prefix, 16))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_tokens_user")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(pk_auto(AuditEvents::Id).big_integer())
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(big_integer_null(AuditEvents::ActorId))
                    .col(string_len(AuditEvents::ActorLabel, 254))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(string_len(AuditEvents::EntityType, 64))
                    .col(string_len(AuditEvents::EntityId, 64))
                    .col(string_len(AuditEvents::EntityLabel, 200))
                    .col(text_null(AuditEvents::Before))
                    .col(text_null(AuditEvents::After))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_entity")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::EntityType)
                    .col(AuditEvents::EntityId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_actor")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::ActorId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    Role,
    CreatedAt,
    PasswordChangedAt,
    DisabledAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Prefix,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    ActorId,
    ActorLabel,
    Action,
    EntityType,
    EntityId,
    EntityLabel,
    Before,
    After,
}
