//! Incidents, their affected services and timelines, monitoring integrations and the alerts they sent.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Integrations::Table)
                    .if_not_exists()
                    .col(pk_auto(Integrations::Id).big_integer())
                    .col(string_len_uniq(Integrations::Name, 100))
                    .col(string_len(Integrations::Source, 20))
                    .col(string_len_uniq(Integrations::TokenHash, 64))
                    .col(string_len(Integrations::TokenPrefix, 16))
                    .col(string_len_null(Integrations::SigningSecret, 200))
                    .col(string_len_null(Integrations::SignatureHeader, 100))
                    .col(big_integer_null(Integrations::ServiceId))
                    .col(string_len(Integrations::ServiceLabel, 100).default("service"))
                    .col(string_len(Integrations::SeverityLabel, 100).default("severity"))
                    .col(boolean(Integrations::ResolveWithAlert).default(true))
                    .col(timestamp_with_time_zone(Integrations::CreatedAt))
                    .col(timestamp_with_time_zone_null(Integrations::LastDeliveryAt))
                    .col(string_len_null(Integrations::LastOutcome, 500))
                    .col(timestamp_with_time_zone_null(Integrations::DisabledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Integrations::Table, Integrations::ServiceId)
                            .to(Services::Table, Services::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Incidents::Table)
                    .if_not_exists()
                    .col(pk_auto(Incidents::Id).big_integer())
                    .col(string_len(Incidents::Title, 200))
                    .col(small_integer(Incidents::Severity))
                    .col(string_len(Incidents::Status, 20))
                    .col(string_len(Incidents::Commander, 100).default(""))
                    .col(text(Incidents::Summary).default(""))
                    .col(string_len(Incidents::Source, 20))
                    .col(big_integer_null(Incidents::IntegrationId))
                    .col(string_len_null(Incidents::Fingerprint, 128))
                    .col(string_len_null(Incidents::RunbookUrl, 2048))
                    .col(boolean(Incidents::ServiceUnknown).default(false))
                    .col(boolean(Incidents::DataLoss).default(false))
                    .col(boolean(Incidents::Escalated).default(false))
                    .col(boolean(Incidents::PostmortemRequired).default(false))
                    .col(timestamp_with_time_zone_null(
                        Incidents::PostmortemStartedAt,
                    ))
                    .col(timestamp_with_time_zone(Incidents::OpenedAt))
                    .col(timestamp_with_time_zone_null(Incidents::ImpactStartedAt))
                    .col(timestamp_with_time_zone_null(Incidents::DetectedAt))
                    .col(timestamp_with_time_zone_null(Incidents::AcknowledgedAt))
                    .col(timestamp_with_time_zone_null(Incidents::MitigatedAt))
                    .col(timestamp_with_time_zone_null(Incidents::ResolvedAt))
                    .col(big_integer_null(Incidents::CreatedBy))
                    .col(integer(Incidents::Version).default(1))
                    .col(timestamp_with_time_zone(Incidents::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Incidents::Table, Incidents::IntegrationId)
                            .to(Integrations::Table, Integrations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The list is read newest first, optionally narrowed to a severity, a status or the
        // postmortems still waiting; each has an index in that order, so no page scans the table.
        for (name, columns) in [
            (
                "idx_incidents_opened",
                vec![Incidents::OpenedAt, Incidents::Id],
            ),
            (
                "idx_incidents_severity_opened",
                vec![Incidents::Severity, Incidents::OpenedAt, Incidents::Id],
            ),
            (
                "idx_incidents_status_opened",
                vec![Incidents::Status, Incidents::OpenedAt, Incidents::Id],
            ),
            (
                "idx_incidents_postmortem_opened",
                vec![
                    Incidents::PostmortemRequired,
                    Incidents::PostmortemStartedAt,
                    Incidents::OpenedAt,
                    Incidents::Id,
                ],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Incidents::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(IncidentServices::Table)
                    .if_not_exists()
                    .col(big_integer(IncidentServices::IncidentId))
                    .col(big_integer(IncidentServices::ServiceId))
                    .col(timestamp_with_time_zone(IncidentServices::OpenedAt))
                    .primary_key(
                        Index::create()
                            .col(IncidentServices::IncidentId)
                            .col(IncidentServices::ServiceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentServices::Table, IncidentServices::IncidentId)
                            .to(Incidents::Table, Incidents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentServices::Table, IncidentServices::ServiceId)
                            .to(Services::Table, Services::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incident_services_service_opened")
                    .table(IncidentServices::Table)
                    .col(IncidentServices::ServiceId)
                    .col(IncidentServices::OpenedAt)
                    .col(IncidentServices::IncidentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TimelineEntries::Table)
                    .if_not_exists()
                    .col(pk_auto(TimelineEntries::Id).big_integer())
                    .col(big_integer(TimelineEntries::IncidentId))
                    .col(string_len(TimelineEntries::Kind, 20))
                    .col(timestamp_with_time_zone(TimelineEntries::OccurredAt))
                    .col(text(TimelineEntries::Body))
                    .col(big_integer_null(TimelineEntries::AuthorId))
                    .col(string_len(TimelineEntries::AuthorLabel, 254))
                    .col(integer(TimelineEntries::Version).default(1))
                    .col(timestamp_with_time_zone(TimelineEntries::CreatedAt))
                    .col(timestamp_with_time_zone(TimelineEntries::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TimelineEntries::Table, TimelineEntries::IncidentId)
                            .to(Incidents::Table, Incidents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_timeline_entries_incident")
                    .table(TimelineEntries::Table)
                    .col(TimelineEntries::IncidentId)
                    .col(TimelineEntries::OccurredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IncidentAlerts::Table)
                    .if_not_exists()
                    .col(pk_auto(IncidentAlerts::Id).big_integer())
                    .col(big_integer(IncidentAlerts::IncidentId))
                    .col(big_integer(IncidentAlerts::IntegrationId))
                    .col(string_len(IncidentAlerts::Fingerprint, 128))
                    .col(string_len_null(IncidentAlerts::GroupKey, 512))
                    .col(string_len(IncidentAlerts::State, 20))
                    .col(string_len(IncidentAlerts::Title, 200))
                    .col(text(IncidentAlerts::Labels))
                    .col(string_len_null(IncidentAlerts::SourceUrl, 2048))
                    .col(timestamp_with_time_zone(IncidentAlerts::StartsAt))
                    .col(timestamp_with_time_zone_null(IncidentAlerts::EndsAt))
                    .col(timestamp_with_time_zone(IncidentAlerts::FirstReceivedAt))
                    .col(timestamp_with_time_zone(IncidentAlerts::LastReceivedAt))
                    .col(integer(IncidentAlerts::ReceiveCount).default(1))
                    .col(boolean(IncidentAlerts::IncidentOpen).default(true))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentAlerts::Table, IncidentAlerts::IncidentId)
                            .to(Incidents::Table, Incidents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentAlerts::Table, IncidentAlerts::IntegrationId)
                            .to(Integrations::Table, Integrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_incident_alerts_fingerprint",
                vec![
                    IncidentAlerts::IntegrationId,
                    IncidentAlerts::Fingerprint,
                    IncidentAlerts::IncidentOpen,
                ],
            ),
            (
                "idx_incident_alerts_group",
                vec![
                    IncidentAlerts::IntegrationId,
                    IncidentAlerts::GroupKey,
                    IncidentAlerts::IncidentOpen,
                ],
            ),
            (
                "idx_incident_alerts_incident",
                vec![IncidentAlerts::IncidentId],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(IncidentAlerts::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .if_not_exists()
                    .col(pk_auto(WebhookDeliveries::Id).big_integer())
                    .col(big_integer(WebhookDeliveries::IntegrationId))
                    .col(string_len_null(WebhookDeliveries::DeliveryId, 200))
                    .col(timestamp_with_time_zone(WebhookDeliveries::ReceivedAt))
                    .col(string_len(WebhookDeliveries::Outcome, 20))
                    .col(string_len(WebhookDeliveries::Detail, 500))
                    .col(text_null(WebhookDeliveries::Payload))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::IntegrationId)
                            .to(Integrations::Table, Integrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_delivery")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::IntegrationId)
                    .col(WebhookDeliveries::DeliveryId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookDeliveries::Table.into_iden(),
            IncidentAlerts::Table.into_iden(),
            TimelineEntries::Table.into_iden(),
            IncidentServices::Table.into_iden(),
            Incidents::Table.into_iden(),
            Integrations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Integrations {
    Table,
    Id,
    Name,
    Source,
    TokenHash,
    TokenPrefix,
    SigningSecret,
    SignatureHeader,
    ServiceId,
    ServiceLabel,
    SeverityLabel,
    ResolveWithAlert,
    CreatedAt,
    LastDeliveryAt,
    LastOutcome,
    DisabledAt,
}

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Id,
    Title,
    Severity,
    Status,
    Commander,
    Summary,
    Source,
    IntegrationId,
    Fingerprint,
    RunbookUrl,
    ServiceUnknown,
    DataLoss,
    Escalated,
    PostmortemRequired,
    PostmortemStartedAt,
    OpenedAt,
    ImpactStartedAt,
    DetectedAt,
    AcknowledgedAt,
    MitigatedAt,
    ResolvedAt,
    CreatedBy,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IncidentServices {
    Table,
    IncidentId,
    ServiceId,
    OpenedAt,
}

#[derive(DeriveIden)]
enum TimelineEntries {
    Table,
    Id,
    IncidentId,
    Kind,
    OccurredAt,
    Body,
    AuthorId,
    AuthorLabel,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IncidentAlerts {
    Table,
    Id,
    IncidentId,
    IntegrationId,
    Fingerprint,
    GroupKey,
    State,
    Title,
    Labels,
    SourceUrl,
    StartsAt,
    EndsAt,
    FirstReceivedAt,
    LastReceivedAt,
    ReceiveCount,
    IncidentOpen,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    IntegrationId,
    DeliveryId,
    ReceivedAt,
    Outcome,
    Detail,
    Payload,
}
