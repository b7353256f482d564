//! The meeting's shared state in the browser: the document as signals, updated by this person's
//! saves and by everyone else's live events, so each piece re-renders on its own.

use leptos::prelude::*;

use crate::api::postmortems::{
    ActionView, FactorView, FieldView, LiveEvent, LiveMessage, PmTimelineView, PostmortemMeta,
    PostmortemView,
};
use crate::domain::postmortem::{NarrativeField, Step};

/// Whether the live connection is up.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Live,
    Reconnecting,
    /// The server refused the connection because the session ended: saves fail until the person
    /// signs in again (the page keeps trying, and what they type is kept in the browser).
    SignedOut,
}

/// The document being discussed, shared by every component of the meeting page.
#[derive(Clone, Copy)]
pub struct Doc {
    pub id: i64,
    /// What does not change during the meeting: incidents, users, window, template.
    pub fixed: StoredValue<PostmortemView>,
    pub fields: RwSignal<Vec<FieldView>>,
    pub timeline: RwSignal<Vec<PmTimelineView>>,
    pub factors: RwSignal<Vec<FactorView>>,
    pub actions: RwSignal<Vec<ActionView>>,
    pub meta: RwSignal<PostmortemMeta>,
    pub facilitator: RwSignal<(Step, String)>,
    pub present: RwSignal<Vec<String>>,
    pub connection: RwSignal<Connection>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub last_event: RwSignal<i64>,
}

impl Doc {
    pub fn new(view: PostmortemView) -> Self {
        Self {
            id: view.id,
            fields: RwSignal::new(view.fields.clone()),
            timeline: RwSignal::new(view.timeline.clone()),
            factors: RwSignal::new(view.factors.clone()),
            actions: RwSignal::new(view.actions.clone()),
            meta: RwSignal::new(view.meta.clone()),
            facilitator: RwSignal::new((view.facilitator_step, view.facilitator.clone())),
            present: RwSignal::new(Vec::new()),
            connection: RwSignal::new(Connection::Connecting),
            last_event: RwSignal::new(view.last_event_id),
            fixed: StoredValue::new(view),
        }
    }

    /// True while the content may change (not published) and this person may edit.
    pub fn editable(&self) -> bool {
        self.fixed.with_value(|v| v.can_edit)
            && crate::domain::postmortem::editable(self.meta.get().status)
    }

    pub fn field(&self, field: NarrativeField) -> Option<FieldView> {
        self.fields
            .with(|fields| fields.iter().find(|f| f.field == field).cloned())
    }

    /// Applies a change seen live or returned by a save; older versions than shown are ignored.
    pub fn apply(&self, event: LiveEvent) {
        match event {
            LiveEvent::Field(view) => {
                self.fields
                    .update(|all| match all.iter_mut().find(|f| f.field == view.field) {
                        Some(f) if f.version < view.version => *f = view,
                        Some(_) => {}
                        None => all.push(view),
                    })
            }
            LiveEvent::Timeline(view) => self.timeline.update(|all| {
                upsert(all, view, |e| e.id, |e| e.version);
                all.sort_by_key(|e| (e.occurred_at, e.id));
            }),
            LiveEvent::TimelineRemoved(id) => {
                self.timeline.update(|all| all.retain(|e| e.id != id))
            }
            LiveEvent::Factor(view) => self
                .factors
                .update(|all| upsert(all, view, |e| e.id, |e| e.version)),
            LiveEvent::FactorRemoved(id) => self.factors.update(|all| all.retain(|e| e.id != id)),
            // A newer version, or the same version with a newer GitHub sync state (the answer to
            // one's own save may arrive after the worker's news).
            LiveEvent::Action(view) => {
                self.actions
                    .update(|all| match all.iter_mut().find(|e| e.id == view.id) {
                        Some(e) if e.version < view.version => *e = view,
                        Some(e)
                            if e.version == view.version
                                && view.sync.as_ref().map(|s| s.at)
                                    > e.sync.as_ref().map(|s| s.at) =>
                        {
                            *e = view
                        }
                        Some(_) => {}
                        None => all.push(view),
                    })
            }
            LiveEvent::ActionRemoved(id) => self.actions.update(|all| all.retain(|e| e.id != id)),
            LiveEvent::Meta(meta) => {
                if meta.version >= self.meta.with_untracked(|m| m.version) {
                    self.meta.set(meta);
                }
            }
            LiveEvent::Facilitator { step, by } => self.facilitator.set((step, by)),
        }
    }

    /// Applies a live message, once.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn receive(&self, message: LiveMessage) {
        self.last_event
            .update(|last| *last = (*last).max(message.id));
        self.apply(message.event);
    }
}

fn upsert<T>(all: &mut Vec<T>, item: T, id: impl Fn(&T) -> i64, version: impl Fn(&T) -> i32) {
    match all.iter_mut().find(|e| id(e) == id(&item)) {
        Some(existing) if version(existing) < version(&item) => *existing = item,
        Some(_) => {}
        None => all.push(item),
    }
}

pub fn use_doc() -> Doc {
    expect_context::<Doc>()
}
