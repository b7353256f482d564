//! A demo problem for a first look at problem management: the slow order e-mails traced to the
//! provider's throttling, with its root cause, a workaround and a published known error. The
//! repeated search slowdowns are left without a problem, so the triage queue suggests one.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::AppError;
use super::audit::Actor;
use super::entities::incident::{self, Entity as Incident};
use super::entities::service::{self, Entity as Service};
use super::entities::{known_error, problem, problem_incident, root_cause};
use shared::domain::problem::{Level, PriorityMatrix, ProblemCategory, ProblemDraft, ProblemState};

/// Adds the demo problem (the demo services and incidents must exist already).
pub async fn seed(db: &impl ConnectionTrait, actor: &Actor) -> Result<(), AppError> {
    let services: Vec<i64> = Service::find()
        .filter(service::Column::Slug.eq("notifications"))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let Some(mail) = Incident::find()
        .filter(incident::Column::Title.eq("Order e-mails delayed by up to 40 minutes"))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let draft = ProblemDraft {
        title: "Mail queue drains slowly when the e-mail provider throttles".into(),
        statement: "When the provider answers **429**, the sender backs off for a fixed minute \
                    per message, so the queue drains far slower than it fills."
            .into(),
        category: ProblemCategory::Dependency,
        impact: Level::Medium,
        urgency: Level::High,
        services,
        coordinator: None,
    };
    let id = super::problems::insert(db, &PriorityMatrix::default(), actor, &draft).await?;
    let now = Utc::now();
    problem_incident::ActiveModel {
        problem_id: Set(id),
        incident_id: Set(mail.id),
        recurrence: Set(false),
        linked_at: Set(now),
    }
    .insert(db)
    .await?;
    root_cause::ActiveModel {
        problem_id: Set(id),
        description: Set("The sender retries each throttled message after a fixed 60 s instead \
                          of honouring the provider's `Retry-After`, and holds its worker meanwhile."
            .into()),
        category: Set(ProblemCategory::Dependency),
        evidence: Set("https://grafana.acme.example/d/notifications-queue".into()),
        actor_label: Set("Pat Problem-Manager".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let row = problem::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("problem"))?;
    let mut row: problem::ActiveModel = row.into();
    row.state = Set(ProblemState::Analysis);
    row.workaround = Set(
        "Double the e-mail workers (`notifyctl scale workers=8`) until the queue \
                          age is under 5 minutes, then scale back."
            .into(),
    );
    row.update(db).await?;
    known_error::ActiveModel {
        problem_id: Set(id),
        symptoms: Set("Order e-mails delayed; notifications queue age above 15 minutes.".into()),
        runbook_url: Set(Some("https://runbooks.acme.example/notifications".into())),
        valid_until: Set(None),
        actor_label: Set("Pat Problem-Manager".into()),
        published_at: Set(now),
        retired_at: Set(None),
    }
    .insert(db)
    .await?;
    super::problems::record(db, id, actor, "created", None, "Demo problem.").await?;
    Ok(())
}
