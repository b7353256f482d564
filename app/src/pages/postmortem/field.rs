//! A narrative field in the meeting: saved while typing (after a pause, and on leaving the field)
//! with a version check, kept in local storage until the server has it, with the blameless
//! coach underneath and a Markdown preview. Someone else's save shows up at once; when it
//! clashes with what this person typed, both texts are shown and they choose.

use leptos::prelude::*;

use leptos::task::spawn_local;

use super::coach::hints_html;
use crate::api::ApiError;
#[cfg(feature = "hydrate")]
use crate::api::postmortems::SaveField;
#[cfg(not(feature = "hydrate"))]
use crate::api::postmortems::save_field;
use crate::api::postmortems::{FieldView, Saved, preview_markdown};
use shared::domain::postmortem::NarrativeField;

/// How long typing must pause before a save.
const SAVE_AFTER_MS: u64 = 700;
/// How long to wait before resending after the connection dropped.
const RETRY_AFTER_MS: u64 = 3000;

/// Where a field's text stands with the server.
#[derive(Clone, Debug, PartialEq)]
pub enum SaveState {
    Saved,
    Editing,
    Saving,
    /// The server could not be reached; the text is kept and resent.
    Unsaved,
    Conflict,
    Failed(String),
}

impl SaveState {
    pub fn label(&self) -> String {
        match self {
            SaveState::Saved => "Saved".into(),
            SaveState::Editing => "Editing…".into(),
            SaveState::Saving => "Saving…".into(),
            SaveState::Unsaved => {
                "Not saved yet: offline, your text is kept and will be resent".into()
            }
            SaveState::Conflict => "Someone else changed this: choose below".into(),
            SaveState::Failed(message) => format!("Not saved: {message}"),
        }
    }
}

/// One field's editing state.
#[derive(Clone, Copy)]
struct Editor {
    postmortem: i64,
    field: NarrativeField,
    text: RwSignal<String>,
    /// The text of the version the edit is based on.
    saved: RwSignal<String>,
    base: RwSignal<i32>,
    state: RwSignal<SaveState>,
    conflict: RwSignal<Option<FieldView>>,
    timer: StoredValue<Option<TimeoutHandle>>,
}

impl Editor {
    fn typed(self, value: String) {
        self.text.set(value);
        if self.conflict.get_untracked().is_none() {
            self.state.set(SaveState::Editing);
        }
        self.schedule(SAVE_AFTER_MS);
    }

    fn schedule(self, after_ms: u64) {
        if let Some(handle) = self.timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || self.save(),
            std::time::Duration::from_millis(after_ms),
        )
        .ok();
        self.timer.set_value(handle);
    }

    fn save(self) {
        if self.conflict.get_untracked().is_some()
            || self.state.get_untracked() == SaveState::Saving
        {
            return;
        }
        let body = self.text.get_untracked();
        if body == self.saved.get_untracked() {
            self.state.set(SaveState::Saved);
            drafts::clear(self.postmortem, self.field);
            return;
        }
        let base = self.base.get_untracked();
        drafts::keep(self.postmortem, self.field, base, &body);
        self.state.set(SaveState::Saving);
        spawn_local(async move {
            let result = send_save(self.postmortem, self.field, base, body.clone()).await;
            match result {
                Ok(Saved::Saved(view)) => {
                    self.base.set(view.version);
                    self.saved.set(view.body.clone());
                    drafts::clear(self.postmortem, self.field);
                    if self.text.get_untracked() == body {
                        self.state.set(SaveState::Saved);
                    } else {
                        self.state.set(SaveState::Editing);
                        self.schedule(SAVE_AFTER_MS);
                    }
                }
                Ok(Saved::Conflict(theirs)) => {
                    self.conflict.set(Some(theirs));
                    self.state.set(SaveState::Conflict);
                }
                Err(ApiError::Transport(_)) => {
                    self.state.set(SaveState::Unsaved);
                    self.schedule(RETRY_AFTER_MS);
                }
                // Kept and resent too: once the person signs in again (in another tab), it saves.
                Err(error @ ApiError::Unauthorized) => {
                    self.state.set(SaveState::Failed(error.to_string()));
                    self.schedule(RETRY_AFTER_MS);
                }
                Err(error) => self.state.set(SaveState::Failed(error.to_string())),
            }
        });
    }

    /// Someone else saved: take their text if this person has nothing unsaved, else show both.
    fn remote(self, theirs: FieldView) {
        if theirs.version <= self.base.get_untracked() {
            return;
        }
        let mine = self.text.get_untracked();
        if mine == self.saved.get_untracked() || mine == theirs.body {
            self.text.set(theirs.body.clone());
            self.saved.set(theirs.body);
            self.base.set(theirs.version);
        } else {
            self.conflict.set(Some(theirs));
            self.state.set(SaveState::Conflict);
        }
    }

    fn keep_mine(self) {
        if let Some(theirs) = self.conflict.get_untracked() {
            self.base.set(theirs.version);
            self.saved.set(theirs.body);
            self.conflict.set(None);
            self.state.set(SaveState::Editing);
            self.save();
        }
    }

    fn use_theirs(self) {
        if let Some(theirs) = self.conflict.get_untracked() {
            self.text.set(theirs.body.clone());
            self.saved.set(theirs.body);
            self.base.set(theirs.version);
            self.conflict.set(None);
            self.state.set(SaveState::Saved);
            drafts::clear(self.postmortem, self.field);
        }
    }
}

/// The editor of one narrative field: an island of its own, told of others' saves by the
/// meeting's live connection (see [`remote_save`]).
#[island]
pub fn NarrativeEditor(
    postmortem: i64,
    field: NarrativeField,
    body: String,
    version: i32,
    /// The body as sanitised HTML, shown instead of the editor when the text is read-only.
    html: String,
    editable: bool,
) -> impl IntoView {
    let editor = Editor {
        postmortem,
        field,
        text: RwSignal::new(body.clone()),
        saved: RwSignal::new(body),
        base: RwSignal::new(version),
        state: RwSignal::new(SaveState::Saved),
        conflict: RwSignal::new(None),
        timer: StoredValue::new(None),
    };
    listeners::add(field, move |theirs| editor.remote(theirs));
    // Text typed while offline survives a reload: it is resent if the field has not moved on.
    Effect::new(move |_| {
        if let Some((base, text)) = drafts::load(postmortem, field) {
            if base == editor.base.get_untracked() && text != editor.text.get_untracked() {
                editor.text.set(text);
                editor.save();
            } else {
                drafts::clear(postmortem, field);
            }
        }
    });
    let preview = RwSignal::new(false);
    // The server renders the preview (sanitised as every page's Markdown is) while it is open.
    let preview_html = RwSignal::new(String::new());
    Effect::new(move |_| {
        if preview.get() {
            let text = editor.saved.get();
            spawn_local(async move {
                preview_html.set(preview_markdown(text).await.unwrap_or_default());
            });
        }
    });
    // The coach reads in the browser only: on the server it would cost every page render the
    // whole document's review, for hints that matter while typing.
    let in_browser = RwSignal::new(false);
    Effect::new(move |_| in_browser.set(true));
    let coach = move || {
        if in_browser.get() {
            editor.text.with(|t| hints_html(t))
        } else {
            String::new()
        }
    };
    let id = format!("field-{}", field.as_str());
    let text = if editable {
        view! {
            <textarea
                id=id.clone()
                rows="5"
                prop:value=move || editor.text.get()
                on:input=move |ev| editor.typed(event_target_value(&ev))
                on:blur=move |_| editor.save()
            ></textarea>
        }
        .into_any()
    } else {
        view! { <div class="markdown" inner_html=html></div> }.into_any()
    };
    view! {
        <div class="narrative" data-testid=format!("field-{}", field.as_str())>
            <div class="narrative-head">
                <label for=id>{field.label()}</label>
                <span class="save-state muted small" data-testid="save-state" aria-live="polite">
                    {move || editor.state.get().label()}
                </span>
            </div>
            {text}
            {move || editor.conflict.get().map(|theirs| view! {
                <div class="alert conflict" role="alert" data-testid="conflict">
                    <p>
                        {theirs.updated_by.clone()}
                        " saved this field while you were editing. Choose which text to keep; nothing is lost until you do."
                    </p>
                    <div class="conflict-texts">
                        <div>
                            <h4>"Their text"</h4>
                            <pre data-testid="conflict-theirs">{theirs.body.clone()}</pre>
                        </div>
                        <div>
                            <h4>"Your text"</h4>
                            <pre data-testid="conflict-mine">{move || editor.text.get()}</pre>
                        </div>
                    </div>
                    <button type="button" class="button primary" on:click=move |_| editor.keep_mine()>"Keep mine"</button>
                    " "
                    <button type="button" class="button" on:click=move |_| editor.use_theirs()>"Use theirs"</button>
                </div>
            })}
            // A read-only field already shows its text rendered: no coach, no preview.
            {editable.then(|| view! {
                <div inner_html=coach></div>
                <button type="button" class="button small" on:click=move |_| preview.update(|p| *p = !*p)>
                    {move || if preview.get() { "Hide preview" } else { "Preview" }}
                </button>
                <Show when=move || preview.get()>
                    <div class="markdown preview" data-testid="preview" inner_html=move || preview_html.get()></div>
                </Show>
            })}
        </div>
    }
}

/// Sends one save of a field as the page's forms are sent, so that a refusal because someone
/// saved first (409, with their text) is read as an answer rather than as a failure.
async fn send_save(
    postmortem: i64,
    field: NarrativeField,
    base: i32,
    body: String,
) -> Result<Saved<FieldView>, ApiError> {
    #[cfg(feature = "hydrate")]
    {
        let data = web_sys::FormData::new().map_err(|_| ApiError::Internal)?;
        for (name, value) in [
            ("postmortem_id", postmortem.to_string()),
            ("field", field.as_str().to_owned()),
            ("version", base.to_string()),
            ("body", body),
        ] {
            data.append_with_str(name, &value)
                .map_err(|_| ApiError::Internal)?;
        }
        let answer = crate::components::enhance::browser::post_for_answer(
            <SaveField as server_fn::ServerFn>::PATH,
            &data,
        )
        .await?;
        serde_json::from_str(&answer).map_err(|error| ApiError::Transport(error.to_string()))
    }
    // Islands render on the server too, where nothing is ever saved from here.
    #[cfg(not(feature = "hydrate"))]
    {
        save_field(postmortem, field.as_str().into(), base, body).await
    }
}

/// Passes a field saved by someone else to its editor on this page.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn remote_save(view: FieldView) {
    listeners::tell(view);
}

/// The editors on this page, by field: islands hydrate apart, so the live connection reaches
/// them through this list.
mod listeners {
    use crate::api::postmortems::FieldView;
    use shared::domain::postmortem::NarrativeField;

    #[cfg(feature = "hydrate")]
    type Listener = Box<dyn Fn(FieldView)>;

    #[cfg(feature = "hydrate")]
    thread_local! {
        static EDITORS: std::cell::RefCell<Vec<(NarrativeField, Listener)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }

    pub fn add(field: NarrativeField, listener: impl Fn(FieldView) + 'static) {
        #[cfg(feature = "hydrate")]
        EDITORS.with(|all| all.borrow_mut().push((field, Box::new(listener))));
        #[cfg(not(feature = "hydrate"))]
        let _ = (field, listener);
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn tell(view: FieldView) {
        #[cfg(feature = "hydrate")]
        EDITORS.with(|all| {
            for (field, listener) in all.borrow().iter() {
                if *field == view.field {
                    listener(view.clone());
                }
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = view;
    }
}

/// Unsaved text kept in the browser's local storage, per postmortem and field.
mod drafts {
    use shared::domain::postmortem::NarrativeField;

    #[cfg(feature = "hydrate")]
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn key(id: i64, field: NarrativeField) -> String {
        format!("postmortem:{id}:{}", field.as_str())
    }

    pub fn keep(id: i64, field: NarrativeField, base: i32, text: &str) {
        #[cfg(feature = "hydrate")]
        if let Some(storage) = storage() {
            let value = serde_json::to_string(&(base, text)).unwrap_or_default();
            let _ = storage.set_item(&key(id, field), &value);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, field, base, text);
    }

    pub fn load(id: i64, field: NarrativeField) -> Option<(i32, String)> {
        #[cfg(feature = "hydrate")]
        {
            let value = storage()?.get_item(&key(id, field)).ok().flatten()?;
            serde_json::from_slice(value.as_bytes()).ok()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (id, field);
            None
        }
    }

    pub fn clear(id: i64, field: NarrativeField) {
        #[cfg(feature = "hydrate")]
        if let Some(storage) = storage() {
            let _ = storage.remove_item(&key(id, field));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, field);
    }
}
