//! Each action item belongs to one service of its own (its GitHub issue goes to that service's
//! repository and the backlog counts it there), and an issue left behind when an item moved to
//! another repository is remembered until it has been closed.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Existing items take their problem's first service by name, else the service most of their
/// postmortem's incidents affect (ties by name): the same SQL on both engines.
const BACKFILL: &str = "UPDATE action_items SET service_id = COALESCE(\
    (SELECT ps.service_id FROM problem_services ps JOIN services s ON s.id = ps.service_id \
     WHERE ps.problem_id = action_items.problem_id ORDER BY s.name LIMIT 1), \
    (SELECT x.service_id FROM postmortem_incidents pi \
     JOIN incident_services x ON x.incident_id = pi.incident_id \
     JOIN services s ON s.id = x.service_id \
     WHERE pi.postmortem_id = action_items.postmortem_id \
     GROUP BY x.service_id, s.name ORDER BY COUNT(*) DESC, s.name LIMIT 1))";

/// The dashboard counts pipeline tests per service: a moved item must be counted again.
const NOTE_TESTS: &str = "INSERT INTO rollup_dirty (at) VALUES (NULL);";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ActionItems::Table)
                    .add_column(big_integer_null(ActionItems::ServiceId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(GithubIssues::Table)
                    .add_column(string_len_null(GithubIssues::MovedFrom, 300))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_action_items_service")
                    .table(ActionItems::Table)
                    .col(ActionItems::ServiceId)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(BACKFILL).await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION rollup_note_item_service() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN IF (NEW.kind = 'pipeline_test' OR OLD.kind = 'pipeline_test') \
                     AND OLD.service_id IS DISTINCT FROM NEW.service_id THEN {NOTE_TESTS} END IF; \
                     RETURN NULL; END $$"
                ))
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER rollup_item_service AFTER UPDATE ON action_items \
                     FOR EACH ROW EXECUTE FUNCTION rollup_note_item_service()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER rollup_item_service AFTER UPDATE OF service_id ON action_items \
                     FOR EACH ROW WHEN (NEW.kind = 'pipeline_test' OR OLD.kind = 'pipeline_test') \
                     AND OLD.service_id IS NOT NEW.service_id BEGIN {NOTE_TESTS} END"
                ))
                .await?;
            }
        }
        db.execute_unprepared(NOTE_TESTS).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP TRIGGER IF EXISTS rollup_item_service ON action_items")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS rollup_note_item_service()")
                .await?;
        } else {
            db.execute_unprepared("DROP TRIGGER IF EXISTS rollup_item_service")
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_action_items_service")
                    .table(ActionItems::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(GithubIssues::Table)
                    .drop_column(GithubIssues::MovedFrom)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ActionItems::Table)
                    .drop_column(ActionItems::ServiceId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ActionItems {
    Table,
    ServiceId,
}

#[derive(DeriveIden)]
enum GithubIssues {
    Table,
    MovedFrom,
}
