//! Postmortem storage: starting one from incidents (importing their timelines), reading the whole
//! document, the list, and the checks every change shares (exists, still editable).

pub mod document;
pub mod export;
pub mod services;
pub mod templates;
mod versioned;
pub mod workflow;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::audit::{self, Subject};
use super::auth::CurrentUser;
use super::entities::action_item::{self, Entity as ActionItem};
use super::entities::contributing_factor::{self, Entity as Factor};
use super::entities::incident::{self, Entity as Incident};
use super::entities::pm_timeline_entry::{self, Entity as PmTimelineEntry};
use super::entities::postmortem::{self, Entity as Postmortem};
use super::entities::postmortem_activity::{self, Entity as Activity};
use super::entities::postmortem_field::{self, Entity as Field};
use super::entities::postmortem_incident::{self, Entity as PostmortemIncident};
use super::entities::stored;
use super::entities::timeline_entry::{self, Entity as TimelineEntry};
use super::entities::user::{self, Entity as User};
use super::markdown::render_markdown;
use super::{AppError, AppState};
use shared::domain::Severity;
use shared::domain::audit::AuditAction;
use shared::domain::postmortem::{
    Completeness, Evidence, IncidentWindow, Moment, NarrativeField, PostmortemStatus, Step,
    Template, approvals_met, editable,
};
use shared::wire::postmortems::{
    ActionView, ActivityView, FactorView, FieldView, IncidentLink, PmTimelineView, PostmortemMeta,
    PostmortemRow, PostmortemView, UserRef,
};

/// The most incidents one postmortem may review.
const MAX_INCIDENTS: usize = 20;

/// The name shown for a person in the meeting (presence, "changed by").
pub fn display_name(user: &CurrentUser) -> String {
    name_or_email(&user.display_name, &user.email)
}

/// The name shown for an account (e.g. an action item's owner).
pub fn user_name(user: &user::Model) -> String {
    name_or_email(&user.display_name, &user.email)
}

fn name_or_email(name: &str, email: &str) -> String {
    if name.trim().is_empty() {
        email.to_owned()
    } else {
        name.to_owned()
    }
}

/// Parses incident ids separated by commas or spaces.
pub fn parse_ids(input: &str) -> Result<Vec<i64>, AppError> {
    let mut ids = Vec::new();
    for part in input.split([',', ' ']).filter(|p| !p.trim().is_empty()) {
        let id = part
            .trim()
            .trim_start_matches('#')
            .parse::<i64>()
            .map_err(|_| AppError::field("incidents", "Choose incidents from the list."))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(AppError::field(
            "incidents",
            "Choose at least one incident.",
        ));
    }
    if ids.len() > MAX_INCIDENTS {
        return Err(AppError::field(
            "incidents",
            &format!("One postmortem can review at most {MAX_INCIDENTS} incidents."),
        ));
    }
    Ok(ids)
}

/// Starts a postmortem for `incident_ids`, importing their timelines. When a single incident
/// already has a postmortem, that one is returned instead of starting a second.
pub async fn start(
    db: &DatabaseConnection,
    review_due_days: i64,
    user: &CurrentUser,
    incident_ids: &[i64],
) -> Result<i64, AppError> {
    let actor = user.actor();
    let txn = crate::db::begin_write(db).await?;
    let incidents = Incident::find()
        .filter(incident::Column::Id.is_in(incident_ids.to_vec()))
        .order_by_asc(incident::Column::OpenedAt)
        .all(&txn)
        .await?;
    if incidents.len() != incident_ids.len() {
        return Err(AppError::NotFound("Incident"));
    }
    let linked = PostmortemIncident::find()
        .filter(postmortem_incident::Column::IncidentId.is_in(incident_ids.to_vec()))
        .all(&txn)
        .await?;
    if let Some(link) = linked.first() {
        if incident_ids.len() == 1 {
            return Ok(link.postmortem_id);
        }
        return Err(AppError::Conflict(format!(
            "Incident #{} already has postmortem #{}; add the others there or choose again.",
            link.incident_id, link.postmortem_id
        )));
    }
    let severity = incidents
        .iter()
        .map(|i| Severity::from_rank(i.severity))
        .min_by_key(|s| s.rank())
        .unwrap_or(Severity::Sev4);
    let template = templates::for_severity(&txn, severity).await?;
    let title = match incidents.as_slice() {
        [only] => only.title.clone(),
        [first, rest @ ..] => format!("{} (and {} related)", first.title, rest.len()),
        [] => unreachable!("checked above"),
    };
    let now = Utc::now();
    let name = display_name(user);
    let created = postmortem::ActiveModel {
        title: Set(title.chars().take(200).collect()),
        status: Set(PostmortemStatus::Draft),
        severity: Set(severity.rank()),
        required_sections: Set(template.to_stored()),
        author_id: Set(Some(user.id)),
        author_label: Set(name.clone()),
        facilitator_step: Set(Step::Summary),
        // Nobody leads until someone ticks "I'm facilitating".
        facilitator_label: Set(String::new()),
        review_due_on: Set(Some((now + Duration::days(review_due_days)).date_naive())),
        review_round: Set(0),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for incident in &incidents {
        postmortem_incident::ActiveModel {
            postmortem_id: Set(created.id),
            incident_id: Set(incident.id),
        }
        .insert(&txn)
        .await?;
        super::incidents::mark_postmortem_started(&txn, &actor, incident.id, created.id).await?;
    }
    for field in NarrativeField::ALL {
        let body = match field {
            NarrativeField::Summary if incidents.len() == 1 => incidents[0].summary.clone(),
            _ => String::new(),
        };
        postmortem_field::ActiveModel {
            postmortem_id: Set(created.id),
            field: Set(field.as_str().to_owned()),
            body: Set(body),
            version: Set(1),
            updated_by_label: Set(name.clone()),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    import_timelines(&txn, created.id, &incidents, &name).await?;
    workflow::log_activity(&txn, created.id, user, "started", "", 0).await?;
    audit::record(
        &txn,
        &actor,
        AuditAction::PostmortemStarted,
        subject(&created),
        None,
        Some(&created),
    )
    .await?;
    txn.commit().await?;
    Ok(created.id)
}

/// Copies the incidents' timelines; with several incidents each entry names its incident.
async fn import_timelines(
    txn: &impl ConnectionTrait,
    postmortem_id: i64,
    incidents: &[incident::Model],
    name: &str,
) -> Result<(), AppError> {
    let entries = TimelineEntry::find()
        .filter(timeline_entry::Column::IncidentId.is_in(incidents.iter().map(|i| i.id)))
        .order_by_asc(timeline_entry::Column::OccurredAt)
        .order_by_asc(timeline_entry::Column::Id)
        .all(txn)
        .await?;
    let now = Utc::now();
    let rows = entries.into_iter().map(|entry| {
        let body = if incidents.len() > 1 {
            format!("[#{}] {}", entry.incident_id, entry.body)
        } else {
            entry.body
        };
        pm_timeline_entry::ActiveModel {
            postmortem_id: Set(postmortem_id),
            source_entry_id: Set(Some(entry.id)),
            occurred_at: Set(entry.occurred_at),
            kind: Set(entry.kind),
            body: Set(body),
            moment: Set(Moment::Unmarked),
            hidden: Set(false),
            version: Set(1),
            updated_by_label: Set(name.to_owned()),
            updated_at: Set(now),
            ..Default::default()
        }
    });
    let rows: Vec<_> = rows.collect();
    for chunk in rows.chunks(200) {
        PmTimelineEntry::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    Ok(())
}

pub(crate) fn subject(pm: &postmortem::Model) -> Subject<'_> {
    Subject {
        entity_type: "postmortem",
        entity_id: pm.id.to_string(),
        label: &pm.title,
    }
}

/// The postmortem, or "not found".
pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<postmortem::Model, AppError> {
    Postmortem::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("Postmortem"))
}

/// The postmortem, if its content may still change.
pub async fn find_editable(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<postmortem::Model, AppError> {
    let pm = find(db, id).await?;
    if editable(status_of(&pm)) {
        Ok(pm)
    } else {
        Err(AppError::Conflict(
            "This postmortem is published and read-only. Reopen it (with a reason) to change it."
                .into(),
        ))
    }
}

pub fn status_of(pm: &postmortem::Model) -> PostmortemStatus {
    pm.status
}

pub fn template_of(pm: &postmortem::Model) -> Template {
    Template::parse(&pm.required_sections)
        .unwrap_or_else(|_| Template::default_for(Severity::from_rank(pm.severity)))
}

/// The whole postmortem.
pub async fn view(state: &AppState, id: i64) -> Result<PostmortemView, AppError> {
    let db = &state.db;
    // Read before the data: a change committed while the page is read is then replayed to it over
    // the live connection instead of being taken as already shown.
    let last_event_id = super::live::last_event_id(db, id).await?;
    let pm = find(db, id).await?;
    let incidents = linked_incidents(db, id).await?;
    let users = User::find()
        .filter(user::Column::DisabledAt.is_null())
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await?;
    let names: HashMap<i64, String> = users.iter().map(|u| (u.id, user_name(u))).collect();
    let fields = Field::find()
        .filter(postmortem_field::Column::PostmortemId.eq(id))
        .all(db)
        .await?;
    let fields = NarrativeField::ALL
        .iter()
        .map(|f| {
            fields
                .iter()
                .find(|row| row.field == f.as_str())
                .map(field_view)
                .unwrap_or_else(|| FieldView {
                    field: *f,
                    body: String::new(),
                    html: String::new(),
                    version: 0,
                    updated_by: String::new(),
                })
        })
        .collect();
    let timeline = PmTimelineEntry::find()
        .filter(pm_timeline_entry::Column::PostmortemId.eq(id))
        .order_by_asc(pm_timeline_entry::Column::OccurredAt)
        .order_by_asc(pm_timeline_entry::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(timeline_view)
        .collect();
    let factors = Factor::find()
        .filter(contributing_factor::Column::PostmortemId.eq(id))
        .order_by_asc(contributing_factor::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(factor_view)
        .collect();
    let action_rows = ActionItem::find()
        .filter(action_item::Column::PostmortemId.eq(id))
        .order_by_asc(action_item::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = action_rows.iter().map(|a| a.id).collect();
    let mut badges = crate::github::outbox::badges(db, &ids).await?;
    let actions = action_rows
        .iter()
        .map(|a| ActionView {
            sync: badges.remove(&a.id),
            ..action_view(a, &names)
        })
        .collect();
    Ok(PostmortemView {
        id,
        title: pm.title.clone(),
        severity: Severity::from_rank(pm.severity),
        required: template_of(&pm).required,
        author_id: pm.author_id,
        author: pm.author_label.clone(),
        facilitator_step: pm.facilitator_step,
        facilitator: pm.facilitator_label.clone(),
        meta: meta(db, &pm, state.settings.review_approvals).await?,
        approvals_required: state.settings.review_approvals,
        window: window_of(&incidents, pm.created_at),
        impact_started_at: incidents.iter().filter_map(|i| i.impact_started_at).min(),
        incidents: incidents
            .iter()
            .map(|i| IncidentLink {
                id: i.id,
                title: i.title.clone(),
                severity: Severity::from_rank(i.severity),
                status: i.status,
            })
            .collect(),
        fields,
        timeline,
        factors,
        actions,
        services: services::choices(db, id, None).await?,
        users: users
            .iter()
            .map(|u| UserRef {
                id: u.id,
                name: user_name(u),
            })
            .collect(),
        last_event_id,
        can_edit: false,
        reading_author: false,
        can_promote: false,
        can_guard: false,
        problems: super::problems::links::for_postmortem(
            db,
            id,
            &incidents.iter().map(|i| i.id).collect::<Vec<_>>(),
        )
        .await?,
    })
}

/// The incidents a postmortem reviews, oldest first.
pub async fn linked_incidents(
    db: &impl ConnectionTrait,
    postmortem_id: i64,
) -> Result<Vec<incident::Model>, AppError> {
    let ids: Vec<i64> = PostmortemIncident::find()
        .filter(postmortem_incident::Column::PostmortemId.eq(postmortem_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.incident_id)
        .collect();
    Ok(Incident::find()
        .filter(incident::Column::Id.is_in(ids))
        .order_by_asc(incident::Column::OpenedAt)
        .all(db)
        .await?)
}

/// The postmortems that review an incident: (id, title, status).
pub async fn for_incident(
    db: &impl ConnectionTrait,
    incident_id: i64,
) -> Result<Vec<(i64, String, PostmortemStatus)>, AppError> {
    let ids: Vec<i64> = PostmortemIncident::find()
        .filter(postmortem_incident::Column::IncidentId.eq(incident_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.postmortem_id)
        .collect();
    Ok(Postmortem::find()
        .filter(postmortem::Column::Id.is_in(ids))
        .all(db)
        .await?
        .iter()
        .map(|pm| (pm.id, pm.title.clone(), status_of(pm)))
        .collect())
}

/// For each of `incident_ids` reviewed in a postmortem, the furthest status its postmortems have
/// reached (published before in review before draft).
pub async fn furthest_status(
    db: &impl ConnectionTrait,
    incident_ids: &[i64],
) -> Result<HashMap<i64, PostmortemStatus>, AppError> {
    if incident_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let links = PostmortemIncident::find()
        .filter(postmortem_incident::Column::IncidentId.is_in(incident_ids.iter().copied()))
        .all(db)
        .await?;
    let statuses: HashMap<i64, PostmortemStatus> = Postmortem::find()
        .filter(postmortem::Column::Id.is_in(links.iter().map(|l| l.postmortem_id)))
        .all(db)
        .await?
        .iter()
        .map(|pm| (pm.id, status_of(pm)))
        .collect();
    let mut furthest: HashMap<i64, PostmortemStatus> = HashMap::new();
    for link in links {
        let Some(&status) = statuses.get(&link.postmortem_id) else {
            continue;
        };
        let entry = furthest.entry(link.incident_id).or_insert(status);
        if status.rank() > entry.rank() {
            *entry = status;
        }
    }
    Ok(furthest)
}

/// The status, approvals and history of a postmortem.
pub async fn meta(
    db: &impl ConnectionTrait,
    pm: &postmortem::Model,
    approvals_required: usize,
) -> Result<PostmortemMeta, AppError> {
    let activity = Activity::find()
        .filter(postmortem_activity::Column::PostmortemId.eq(pm.id))
        .order_by_asc(postmortem_activity::Column::Id)
        .all(db)
        .await?;
    let approvals: Vec<&postmortem_activity::Model> = activity
        .iter()
        .filter(|a| a.action == "approve" && a.review_round == pm.review_round)
        .collect();
    let approver_ids: Vec<i64> = approvals.iter().filter_map(|a| a.actor_id).collect();
    // Each reviewer once, however often they approved (not only when their approvals are adjacent).
    let mut approvers: Vec<String> = Vec::new();
    for approval in &approvals {
        if !approvers.contains(&approval.actor_label) {
            approvers.push(approval.actor_label.clone());
        }
    }
    let status = status_of(pm);
    // A draft has no approvals: a round's approvals count only while it is in review (and show
    // which ones published it), never after changes were asked for.
    if status == PostmortemStatus::Draft {
        approvers.clear();
    }
    Ok(PostmortemMeta {
        status,
        version: pm.version,
        review_round: pm.review_round,
        review_due_on: pm.review_due_on,
        published_at: pm.published_at,
        can_publish: status == PostmortemStatus::InReview
            && approvals_met(&approver_ids, pm.author_id, approvals_required),
        approvers,
        activity: activity
            .into_iter()
            .map(|a| ActivityView {
                actor: a.actor_label,
                action: a.action,
                comment: a.comment,
                review_round: a.review_round,
                at: a.created_at,
            })
            .collect(),
    })
}

/// What the postmortem holds, to tell which required sections are complete.
pub async fn completeness(
    db: &impl ConnectionTrait,
    postmortem_id: i64,
) -> Result<Completeness, AppError> {
    let fields = Field::find()
        .filter(postmortem_field::Column::PostmortemId.eq(postmortem_id))
        .all(db)
        .await?;
    let filled = |wanted: &[NarrativeField]| {
        fields
            .iter()
            .any(|f| wanted.iter().any(|w| w.as_str() == f.field) && !f.body.trim().is_empty())
    };
    let visible_timeline_entries = PmTimelineEntry::find()
        .filter(pm_timeline_entry::Column::PostmortemId.eq(postmortem_id))
        .filter(pm_timeline_entry::Column::Hidden.eq(false))
        .count(db)
        .await? as usize;
    let factors = Factor::find()
        .filter(contributing_factor::Column::PostmortemId.eq(postmortem_id))
        .count(db)
        .await? as usize;
    let action_items = ActionItem::find()
        .filter(action_item::Column::PostmortemId.eq(postmortem_id))
        .count(db)
        .await? as usize;
    Ok(Completeness {
        summary: filled(&[NarrativeField::Summary]),
        impact: filled(&[NarrativeField::Impact]),
        visible_timeline_entries,
        factors,
        learnings: filled(&[
            NarrativeField::WentWell,
            NarrativeField::WentBadly,
            NarrativeField::Lucky,
        ]),
        action_items,
    })
}

/// Every postmortem, newest first.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<PostmortemRow>, AppError> {
    let pms = Postmortem::find()
        .order_by_desc(postmortem::Column::CreatedAt)
        .order_by_desc(postmortem::Column::Id)
        .all(db)
        .await?;
    let links = PostmortemIncident::find().all(db).await?;
    let today = Utc::now().date_naive();
    Ok(pms
        .iter()
        .map(|pm| {
            let status = status_of(pm);
            PostmortemRow {
                id: pm.id,
                title: pm.title.clone(),
                status,
                severity: Severity::from_rank(pm.severity),
                author: pm.author_label.clone(),
                review_due_on: pm.review_due_on,
                overdue: status != PostmortemStatus::Published
                    && pm.review_due_on.is_some_and(|due| due < today),
                incident_ids: links
                    .iter()
                    .filter(|l| l.postmortem_id == pm.id)
                    .map(|l| l.incident_id)
                    .collect(),
                created_at: pm.created_at,
            }
        })
        .collect())
}

pub fn field_view(row: &postmortem_field::Model) -> FieldView {
    FieldView {
        field: stored(
            NarrativeField::parse(&row.field),
            &row.field,
            NarrativeField::Summary,
        ),
        body: row.body.clone(),
        html: render_markdown(&row.body),
        version: row.version,
        updated_by: row.updated_by_label.clone(),
    }
}

pub fn timeline_view(row: &pm_timeline_entry::Model) -> PmTimelineView {
    PmTimelineView {
        id: row.id,
        occurred_at: row.occurred_at,
        kind: row.kind,
        html: render_markdown(&row.body),
        body: row.body.clone(),
        moment: row.moment,
        hidden: row.hidden,
        imported: row.source_entry_id.is_some(),
        version: row.version,
        updated_by: row.updated_by_label.clone(),
    }
}

pub fn factor_view(row: &contributing_factor::Model) -> FactorView {
    FactorView {
        id: row.id,
        title: row.title.clone(),
        category: row.category,
        description: row.description.clone(),
        whys: row.whys.lines().map(str::to_owned).collect(),
        evidence: row
            .evidence
            .lines()
            .filter_map(|l| Evidence::parse(l).ok())
            .collect(),
        version: row.version,
        updated_by: row.updated_by_label.clone(),
    }
}

pub fn action_view(row: &action_item::Model, names: &HashMap<i64, String>) -> ActionView {
    ActionView {
        id: row.id,
        title: row.title.clone(),
        description: row.description.clone(),
        kind: row.kind,
        owner_id: row.owner_id,
        owner: row
            .owner_id
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_default(),
        due_on: row.due_on,
        priority: row.priority,
        factor_id: row.factor_id,
        status: row.status,
        version: row.version,
        updated_by: row.updated_by_label.clone(),
        service_id: row.service_id,
        sync: None,
    }
}

/// The span the postmortem's timeline may cover: around the incidents, from the earliest impact
/// start to the last resolution (or now, while one is open).
pub fn window_of(incidents: &[incident::Model], fallback: DateTime<Utc>) -> IncidentWindow {
    let began = incidents
        .iter()
        .map(|i| i.impact_started_at.unwrap_or(i.opened_at))
        .min()
        .unwrap_or(fallback);
    let ended = incidents
        .iter()
        .map(|i| i.resolved_at.unwrap_or_else(Utc::now))
        .max()
        .unwrap_or_else(Utc::now);
    IncidentWindow::around(began, ended)
}
