//! Deployments (from the deployment webhook and GitHub `deployment_status` events) and the
//! incidents linked to them, for change failure rate and deployment frequency; and the indexes the
//! dashboard's aggregates read by.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Deployments::Table)
                    .if_not_exists()
                    .col(pk_auto(Deployments::Id).big_integer())
                    .col(big_integer(Deployments::ServiceId))
                    .col(string_len(Deployments::Environment, 100))
                    .col(string_len(Deployments::Version, 200))
                    .col(string_len(Deployments::Status, 20))
                    .col(string_len(Deployments::Source, 20))
                    .col(string_len(Deployments::ExternalId, 200))
                    .col(string_len_null(Deployments::Url, 2048))
                    .col(timestamp_with_time_zone(Deployments::DeployedAt))
                    .col(string_len(Deployments::RecordedBy, 254))
                    .col(timestamp_with_time_zone(Deployments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deployments::Table, Deployments::ServiceId)
                            .to(Services::Table, Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deployments_source_external")
                    .table(Deployments::Table)
                    .col(Deployments::Source)
                    .col(Deployments::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deployments_deployed")
                    .table(Deployments::Table)
                    .col(Deployments::DeployedAt)
                    .col(Deployments::ServiceId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deployments_service_deployed")
                    .table(Deployments::Table)
                    .col(Deployments::ServiceId)
                    .col(Deployments::DeployedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncidentDeployments::Table)
                    .if_not_exists()
                    .col(big_integer(IncidentDeployments::IncidentId))
                    .col(big_integer(IncidentDeployments::DeploymentId))
                    .col(string_len(IncidentDeployments::LinkedBy, 254))
                    .col(boolean(IncidentDeployments::Automatic).default(false))
                    .col(string_len_null(IncidentDeployments::DismissedBy, 254))
                    .col(timestamp_with_time_zone(IncidentDeployments::LinkedAt))
                    .primary_key(
                        Index::create()
                            .col(IncidentDeployments::IncidentId)
                            .col(IncidentDeployments::DeploymentId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentDeployments::Table, IncidentDeployments::IncidentId)
                            .to(Incidents::Table, Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                IncidentDeployments::Table,
                                IncidentDeployments::DeploymentId,
                            )
                            .to(Deployments::Table, Deployments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incident_deployments_deployment")
                    .table(IncidentDeployments::Table)
                    .col(IncidentDeployments::DeploymentId)
                    .to_owned(),
            )
            .await?;
        // The dashboard reads action items by when they were made.
        manager
            .create_index(
                Index::create()
                    .name("idx_action_items_created")
                    .table(ActionItems::Table)
                    .col(ActionItems::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_action_items_created")
                    .table(ActionItems::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            IncidentDeployments::Table.into_iden(),
            Deployments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Deployments {
    Table,
    Id,
    ServiceId,
    Environment,
    Version,
    Status,
    Source,
    ExternalId,
    Url,
    DeployedAt,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum IncidentDeployments {
    Table,
    IncidentId,
    DeploymentId,
    LinkedBy,
    Automatic,
    DismissedBy,
    LinkedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Services {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Incidents {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum ActionItems {
    Table,
    CreatedAt,
}
