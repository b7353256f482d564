//! Saving the postmortem's content: each narrative field and each item (timeline entry, factor,
//! action item) is saved on its own with a version check, and every save is logged as a live
//! event in the same transaction. A stale save is not applied: the caller gets the current text.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, Set,
};

use super::versioned;
use super::{
    action_view, display_name, factor_view, field_view, find, find_editable, linked_incidents,
    subject, timeline_view, window_of,
};
use crate::audit;
use crate::auth::CurrentUser;
use crate::entities::action_item::{self, Entity as ActionItem};
use crate::entities::contributing_factor::{self, Entity as Factor};
use crate::entities::pm_timeline_entry::{self, Entity as PmTimelineEntry};
use crate::entities::postmortem::{self, Entity as Postmortem};
use crate::entities::postmortem_field::{self, Entity as Field};
use crate::entities::user::{self, Entity as User};
use crate::{AppError, AppState, live};
use shared::domain::audit::AuditAction;
use shared::domain::postmortem::{
    ActionForm, ActionStatus, Evidence, FactorDraft, NarrativeField, PmTimelineForm, Step,
};
use shared::domain::{FieldError, FieldErrors};
use shared::wire::postmortems::{
    ActionView, FactorView, FieldView, LiveEvent, PmTimelineView, Saved,
};

/// Logs `event`, commits, then announces it to live connections.
async fn commit_with_event(
    state: &AppState,
    txn: DatabaseTransaction,
    postmortem_id: i64,
    by: &str,
    event: LiveEvent,
) -> Result<(), AppError> {
    let recorded = live::record(&txn, &state.live, postmortem_id, by, event).await?;
    txn.commit().await?;
    state.live.published(vec![recorded]);
    Ok(())
}

/// A save refused because someone else saved first, with what they saved (the server function
/// answers it 409 Conflict).
fn refused<T>(theirs: T) -> Saved<T> {
    Saved::Conflict(theirs)
}

/// Saves one narrative field edited from `version`.
pub async fn save_field(
    state: &AppState,
    user: &CurrentUser,
    postmortem_id: i64,
    field: NarrativeField,
    version: i32,
    body: &str,
) -> Result<Saved<FieldView>, AppError> {
    let name = display_name(user);
    let txn = crate::db::begin_write(&state.db).await?;
    find_editable(&txn, postmortem_id).await?;
    let key = (postmortem_id, field.as_str().to_owned());
    let current = Field::find_by_id(key.clone())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Field"))?;
    if current.version != version {
        // Saving what is already there is no conflict (e.g. a retried save).
        return Ok(if current.body == body {
            Saved::Saved(field_view(&current))
        } else {
            refused(field_view(&current))
        });
    }
    let row = Condition::all()
        .add(postmortem_field::Column::PostmortemId.eq(postmortem_id))
        .add(postmortem_field::Column::Field.eq(field.as_str()));
    let saved = match versioned::save::<Field>(&txn, key, row, version, &name, |update| {
        update.col_expr(postmortem_field::Column::Body, Expr::value(body))
    })
    .await?
    {
        Saved::Saved(saved) => saved,
        Saved::Conflict(theirs) => return Ok(refused(field_view(&theirs))),
    };
    let view = field_view(&saved);
    commit_with_event(
        state,
        txn,
        postmortem_id,
        &name,
        LiveEvent::Field(view.clone()),
    )
    .await?;
    Ok(Saved::Saved(view))
}

/// Adds (`id` 0) or changes a curated timeline entry; its time must fall in the incident window.
pub async fn save_timeline_entry(
    state: &AppState,
    user: &CurrentUser,
    postmortem_id: i64,
    id: i64,
    version: i32,
    form: &PmTimelineForm,
) -> Result<Saved<PmTimelineView>, AppError> {
    let name = display_name(user);
    let txn = crate::db::begin_write(&state.db).await?;
    let pm = find_editable(&txn, postmortem_id).await?;
    let window = window_of(&linked_incidents(&txn, postmortem_id).await?, pm.created_at);
    let draft = form.parse(&window).map_err(AppError::Validation)?;
    let now = Utc::now();
    let saved = if id == 0 {
        pm_timeline_entry::ActiveModel {
            postmortem_id: Set(postmortem_id),
            source_entry_id: Set(None),
            occurred_at: Set(crate::incidents::to_second(draft.occurred_at)),
            kind: Set(draft.kind),
            body: Set(draft.body),
            moment: Set(draft.moment),
            hidden: Set(false),
            version: Set(1),
            updated_by_label: Set(name.clone()),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?
    } else {
        let current = timeline_entry_of(&txn, postmortem_id, id).await?;
        if current.version != version {
            return Ok(refused(timeline_view(&current)));
        }
        let mut model: pm_timeline_entry::ActiveModel = current.into();
        model.occurred_at = Set(crate::incidents::to_second(draft.occurred_at));
        model.kind = Set(draft.kind);
        model.body = Set(draft.body);
        model.moment = Set(draft.moment);
        match save_timeline_versioned(&txn, model, id, version, &name).await? {
            Ok(saved) => saved,
            Err(current) => return Ok(refused(current)),
        }
    };
    let view = timeline_view(&saved);
    commit_with_event(
        state,
        txn,
        postmortem_id,
        &name,
        LiveEvent::Timeline(view.clone()),
    )
    .await?;
    Ok(Saved::Saved(view))
}

/// Hides an entry from the document (it stays in the incident's own timeline), or shows it.
pub async fn set_timeline_hidden(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    version: i32,
    hidden: bool,
) -> Result<Saved<PmTimelineView>, AppError> {
    let name = display_name(user);
    let txn = crate::db::begin_write(&state.db).await?;
    let current = PmTimelineEntry::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Timeline entry"))?;
    let postmortem_id = current.postmortem_id;
    find_editable(&txn, postmortem_id).await?;
    if current.version != version {
        return Ok(refused(timeline_view(&current)));
    }
    let mut model: pm_timeline_entry::ActiveModel = current.into();
    model.hidden = Set(hidden);
    let saved = match save_timeline_versioned(&txn, model, id, version, &name).await? {
        Ok(saved) => saved,
        Err(current) => return Ok(refused(current)),
    };
    let view = timeline_view(&saved);
    commit_with_event(
        state,
        txn,
        postmortem_id,
        &name,
        LiveEvent::Timeline(view.clone()),
    )
    .await?;
    Ok(Saved::Saved(view))
}

/// Saves a changed timeline entry over `version`: the entry as saved, or as someone else saved it.
async fn save_timeline_versioned(
    txn: &DatabaseTransaction,
    model: pm_timeline_entry::ActiveModel,
    id: i64,
    version: i32,
    name: &str,
) -> Result<Result<pm_timeline_entry::Model, PmTimelineView>, AppError> {
    let row = Condition::all().add(pm_timeline_entry::Column::Id.eq(id));
    Ok(
        match versioned::save::<PmTimelineEntry>(txn, id, row, version, name, |update| {
            update.set(model)
        })
        .await?
        {
            Saved::Saved(saved) => Ok(saved),
            Saved::Conflict(theirs) => Err(timeline_view(&theirs)),
        },
    )
}

async fn timeline_entry_of(
    txn: &DatabaseTransaction,
    postmortem_id: i64,
    id: i64,
) -> Result<pm_timeline_entry::Model, AppError> {
    PmTimelineEntry::find_by_id(id)
        .filter(pm_timeline_entry::Column::PostmortemId.eq(postmortem_id))
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("Timeline entry"))
}

/// Removes an entry added in the meeting; imported entries can only be hidden.
pub async fn delete_timeline_entry(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let entry = PmTimelineEntry::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Timeline entry"))?;
    find_editable(&txn, entry.postmortem_id).await?;
    if entry.source_entry_id.is_some() {
        return Err(AppError::Conflict(
            "This entry comes from the incident's timeline: hide it instead of removing it.".into(),
        ));
    }
    PmTimelineEntry::delete_by_id(id).exec(&txn).await?;
    let name = display_name(user);
    commit_with_event(
        state,
        txn,
        entry.postmortem_id,
        &name,
        LiveEvent::TimelineRemoved(id),
    )
    .await
}

/// Adds (`id` 0) or changes a contributing factor.
pub async fn save_factor(
    state: &AppState,
    user: &CurrentUser,
    postmortem_id: i64,
    id: i64,
    version: i32,
    draft: &FactorDraft,
) -> Result<Saved<FactorView>, AppError> {
    let name = display_name(user);
    let txn = crate::db::begin_write(&state.db).await?;
    find_editable(&txn, postmortem_id).await?;
    let now = Utc::now();
    let evidence = draft
        .evidence
        .iter()
        .map(Evidence::to_line)
        .collect::<Vec<_>>()
        .join("\n");
    let saved = if id == 0 {
        contributing_factor::ActiveModel {
            postmortem_id: Set(postmortem_id),
            title: Set(draft.title.clone()),
            category: Set(draft.category),
            description: Set(draft.description.clone()),
            whys: Set(draft.whys.join("\n")),
            evidence: Set(evidence),
            version: Set(1),
            updated_by_label: Set(name.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?
    } else {
        let current = Factor::find_by_id(id)
            .filter(contributing_factor::Column::PostmortemId.eq(postmortem_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("Contributing factor"))?;
        if current.version != version {
            return Ok(refused(factor_view(&current)));
        }
        let row = Condition::all().add(contributing_factor::Column::Id.eq(id));
        let saved = versioned::save::<Factor>(&txn, id, row, version, &name, |update| {
            update
                .col_expr(
                    contributing_factor::Column::Title,
                    Expr::value(&draft.title),
                )
                .col_expr(
                    contributing_factor::Column::Category,
                    Expr::value(draft.category.as_str()),
                )
                .col_expr(
                    contributing_factor::Column::Description,
                    Expr::value(&draft.description),
                )
                .col_expr(
                    contributing_factor::Column::Whys,
                    Expr::value(draft.whys.join("\n")),
                )
                .col_expr(contributing_factor::Column::Evidence, Expr::value(evidence))
        })
        .await?;
        match saved {
            Saved::Saved(saved) => saved,
            Saved::Conflict(theirs) => return Ok(refused(factor_view(&theirs))),
        }
    };
    let view = factor_view(&saved);
    commit_with_event(
        state,
        txn,
        postmortem_id,
        &name,
        LiveEvent::Factor(view.clone()),
    )
    .await?;
    Ok(Saved::Saved(view))
}

/// Removes a contributing factor; action items that addressed it keep their text.
pub async fn delete_factor(state: &AppState, user: &CurrentUser, id: i64) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let factor = Factor::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Contributing factor"))?;
    let pm = find_editable(&txn, factor.postmortem_id).await?;
    Factor::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        &user.actor(),
        AuditAction::PostmortemFactorRemoved,
        subject(&pm),
        Some(&factor.title),
        None,
    )
    .await?;
    let name = display_name(user);
    commit_with_event(state, txn, pm.id, &name, LiveEvent::FactorRemoved(id)).await
}

/// Adds (`id` 0) or changes an action item. The owner must be a user and the factor one of this
/// postmortem's; the due date may not be before the incident.
pub async fn save_action(
    state: &AppState,
    user: &CurrentUser,
    postmortem_id: i64,
    id: i64,
    version: i32,
    form: &ActionForm,
) -> Result<Saved<ActionView>, AppError> {
    let name = display_name(user);
    let txn = crate::db::begin_write(&state.db).await?;
    let pm = find_editable(&txn, postmortem_id).await?;
    let window = window_of(&linked_incidents(&txn, postmortem_id).await?, pm.created_at);
    let earliest = (window.start + chrono::Duration::days(1)).date_naive();
    let draft = form.parse(earliest).map_err(AppError::Validation)?;
    let mut errors = FieldErrors::default();
    let owner = match draft.owner_id {
        Some(owner_id) => User::find_by_id(owner_id)
            .filter(user::Column::DisabledAt.is_null())
            .one(&txn)
            .await?
            .or_else(|| {
                errors.0.push(FieldError::new(
                    "owner",
                    "Choose an owner who has an active account here.",
                ));
                None
            }),
        None => None,
    };
    if let Some(factor_id) = draft.factor_id {
        let exists = Factor::find_by_id(factor_id)
            .filter(contributing_factor::Column::PostmortemId.eq(postmortem_id))
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            errors.0.push(FieldError::new(
                "factor",
                "Choose one of this postmortem's contributing factors.",
            ));
        }
    }
    let current = match id {
        0 => None,
        id => Some(
            ActionItem::find_by_id(id)
                .filter(action_item::Column::PostmortemId.eq(postmortem_id))
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound("Action item"))?,
        ),
    };
    let service_id = match draft.service_id {
        Some(chosen) => {
            let had = current.as_ref().and_then(|c| c.service_id);
            if !super::services::check_chosen(&txn, chosen, had).await? {
                errors.0.push(FieldError::new(
                    "service",
                    "Choose one of the active services.",
                ));
            }
            Some(chosen)
        }
        None => match &current {
            Some(current) => current.service_id,
            None => super::services::default_for(&txn, postmortem_id, None).await?,
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let names: HashMap<i64, String> = owner.iter().map(|u| (u.id, super::user_name(u))).collect();
    let now = Utc::now();
    let done_at = (draft.status == ActionStatus::Done).then_some(now);
    let saved = if let Some(current) = current {
        if current.version != version {
            return Ok(refused(action_view(&current, &names)));
        }
        let mut model: action_item::ActiveModel = current.clone().into();
        model.factor_id = Set(draft.factor_id);
        model.title = Set(draft.title.clone());
        model.description = Set(draft.description.clone());
        model.kind = Set(draft.kind);
        model.owner_id = Set(draft.owner_id);
        model.due_on = Set(draft.due_on);
        model.priority = Set(draft.priority);
        model.status = Set(draft.status);
        model.service_id = Set(service_id);
        model.done_at = Set(current.done_at.or(done_at).filter(|_| done_at.is_some()));
        let row = Condition::all().add(action_item::Column::Id.eq(id));
        match versioned::save::<ActionItem>(&txn, id, row, version, &name, |update| {
            update.set(model)
        })
        .await?
        {
            Saved::Saved(saved) => saved,
            Saved::Conflict(theirs) => return Ok(refused(action_view(&theirs, &names))),
        }
    } else {
        action_item::ActiveModel {
            postmortem_id: Set(postmortem_id),
            factor_id: Set(draft.factor_id),
            title: Set(draft.title.clone()),
            description: Set(draft.description.clone()),
            kind: Set(draft.kind),
            owner_id: Set(draft.owner_id),
            due_on: Set(draft.due_on),
            priority: Set(draft.priority),
            status: Set(draft.status),
            version: Set(1),
            updated_by_label: Set(name.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            done_at: Set(done_at),
            service_id: Set(service_id),
            ..Default::default()
        }
        .insert(&txn)
        .await?
    };
    crate::github::outbox::enqueue(&txn, saved.id).await?;
    let mut view = action_view(&saved, &names);
    view.sync = crate::github::outbox::badges(&txn, &[saved.id])
        .await?
        .remove(&saved.id);
    commit_with_event(
        state,
        txn,
        postmortem_id,
        &name,
        LiveEvent::Action(view.clone()),
    )
    .await?;
    state.github.wake.notify_one();
    Ok(Saved::Saved(view))
}

/// Tells everyone on an item's postmortem that it changed outside the meeting (its GitHub sync
/// state, or a change that came back from GitHub).
pub async fn announce_action(state: &AppState, item_id: i64) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let Some(item) = ActionItem::find_by_id(item_id).one(&txn).await? else {
        return Ok(());
    };
    let names: HashMap<i64, String> = match item.owner_id {
        Some(id) => User::find_by_id(id)
            .one(&txn)
            .await?
            .map(|u| (u.id, super::user_name(&u)))
            .into_iter()
            .collect(),
        None => HashMap::new(),
    };
    let mut view = action_view(&item, &names);
    view.sync = crate::github::outbox::badges(&txn, &[item_id])
        .await?
        .remove(&item_id);
    commit_with_event(
        state,
        txn,
        item.postmortem_id,
        "GitHub",
        LiveEvent::Action(view),
    )
    .await
}

/// Removes an action item.
pub async fn delete_action(state: &AppState, user: &CurrentUser, id: i64) -> Result<(), AppError> {
    let txn = crate::db::begin_write(&state.db).await?;
    let item = ActionItem::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("Action item"))?;
    let pm = find_editable(&txn, item.postmortem_id).await?;
    ActionItem::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        &user.actor(),
        AuditAction::PostmortemActionRemoved,
        subject(&pm),
        Some(&item),
        None,
    )
    .await?;
    let name = display_name(user);
    commit_with_event(state, txn, pm.id, &name, LiveEvent::ActionRemoved(id)).await
}

/// The facilitator takes the meeting to `step`; whoever calls this becomes the facilitator.
pub async fn facilitate(
    state: &AppState,
    user: &CurrentUser,
    postmortem_id: i64,
    step: Step,
) -> Result<(), AppError> {
    let name = display_name(user);
    let txn = crate::db::begin_write(&state.db).await?;
    find(&txn, postmortem_id).await?;
    Postmortem::update_many()
        .col_expr(
            postmortem::Column::FacilitatorStep,
            Expr::value(step.as_str()),
        )
        .col_expr(postmortem::Column::FacilitatorLabel, Expr::value(&name))
        .filter(postmortem::Column::Id.eq(postmortem_id))
        .exec(&txn)
        .await?;
    let event = LiveEvent::Facilitator {
        step,
        by: name.clone(),
    };
    commit_with_event(state, txn, postmortem_id, &name, event).await
}
