//! Policy as code kept in the database, and what feeds it: every version of the change policy
//! (one active; a version whose own tests fail is kept as a draft that cannot be activated),
//! guardrails that postmortems and problems asked for, freeze windows, and the
//! input document each change was decided on (so a draft policy can be backtested against it),
//! and the change a deployment shipped.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangePolicies::Table)
                    .if_not_exists()
                    .col(pk_auto(ChangePolicies::Id).big_integer())
                    .col(text(ChangePolicies::Source))
                    .col(string_len(ChangePolicies::Note, 300))
                    .col(text(ChangePolicies::Tests))
                    .col(boolean(ChangePolicies::TestsPassed))
                    .col(boolean(ChangePolicies::Active).default(false))
                    .col(string_len(ChangePolicies::CreatedBy, 254))
                    .col(timestamp_with_time_zone(ChangePolicies::CreatedAt))
                    .col(string_len_null(ChangePolicies::ActivatedBy, 254))
                    .col(timestamp_with_time_zone_null(ChangePolicies::ActivatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_change_policies_active")
                    .table(ChangePolicies::Table)
                    .col(ChangePolicies::Active)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Guardrails::Table)
                    .if_not_exists()
                    .col(pk_auto(Guardrails::Id).big_integer())
                    .col(big_integer(Guardrails::ServiceId))
                    .col(string_len(Guardrails::Template, 40))
                    .col(string_len(Guardrails::Parameter, 300))
                    .col(string_len(Guardrails::Title, 300))
                    .col(big_integer_null(Guardrails::PostmortemId))
                    .col(big_integer_null(Guardrails::FactorId))
                    .col(big_integer_null(Guardrails::ProblemId))
                    .col(big_integer_null(Guardrails::ActionItemId))
                    .col(boolean(Guardrails::UntilVerified).default(false))
                    .col(string_len(Guardrails::CreatedBy, 254))
                    .col(timestamp_with_time_zone(Guardrails::CreatedAt))
                    .col(timestamp_with_time_zone_null(Guardrails::RetiredAt))
                    .col(string_len_null(Guardrails::RetiredReason, 300))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Guardrails::Table, Guardrails::ServiceId)
                            .to(Services::Table, Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_guardrails_service_retired")
                    .table(Guardrails::Table)
                    .col(Guardrails::ServiceId)
                    .col(Guardrails::RetiredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_guardrails_action_item")
                    .table(Guardrails::Table)
                    .col(Guardrails::ActionItemId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FreezeWindows::Table)
                    .if_not_exists()
                    .col(pk_auto(FreezeWindows::Id).big_integer())
                    .col(big_integer_null(FreezeWindows::ServiceId))
                    .col(string_len(FreezeWindows::Reason, 300))
                    .col(timestamp_with_time_zone(FreezeWindows::StartsAt))
                    .col(timestamp_with_time_zone(FreezeWindows::EndsAt))
                    .col(string_len(FreezeWindows::CreatedBy, 254))
                    .col(timestamp_with_time_zone(FreezeWindows::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FreezeWindows::Table, FreezeWindows::ServiceId)
                            .to(Services::Table, Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_freeze_windows_ends")
                    .table(FreezeWindows::Table)
                    .col(FreezeWindows::EndsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Deployments::Table)
                    .add_column(big_integer_null(Deployments::ChangeId))
                    .to_owned(),
            )
            .await?;
        for column in [
            text_null(Changes::Input),
            big_integer_null(Changes::PolicyVersion),
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
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Deployments::Table)
                    .drop_column(Deployments::ChangeId)
                    .to_owned(),
            )
            .await?;
        for column in [Changes::PolicyVersion, Changes::Input] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Changes::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            FreezeWindows::Table.into_iden(),
            Guardrails::Table.into_iden(),
            ChangePolicies::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ChangePolicies {
    Table,
    Id,
    Source,
    Note,
    Tests,
    TestsPassed,
    Active,
    CreatedBy,
    CreatedAt,
    ActivatedBy,
    ActivatedAt,
}

#[derive(DeriveIden)]
enum Guardrails {
    Table,
    Id,
    ServiceId,
    Template,
    Parameter,
    Title,
    PostmortemId,
    FactorId,
    ProblemId,
    ActionItemId,
    UntilVerified,
    CreatedBy,
    CreatedAt,
    RetiredAt,
    RetiredReason,
}

#[derive(DeriveIden)]
enum FreezeWindows {
    Table,
    Id,
    ServiceId,
    Reason,
    StartsAt,
    EndsAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Changes {
    Table,
    Input,
    PolicyVersion,
}

#[derive(DeriveIden)]
enum Deployments {
    Table,
    ChangeId,
}

#[derive(DeriveIden)]
enum Services {
    Table,
}
