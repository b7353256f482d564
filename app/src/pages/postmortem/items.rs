//! What the server-rendered item editors share. Each editor is a plain form posting to its server
//! function (so it works without JavaScript); in the meeting the browser sends it in the
//! background (see `client`), shows the errors beside the fields, and shows the conflict notice
//! when someone else saved the item first.

use leptos::prelude::*;

use crate::components::marks::Mark;

/// A hidden form value.
pub fn hidden(name: &'static str, value: impl ToString) -> impl IntoView {
    view! { <input type="hidden" name=name value=value.to_string() /> }
}

/// An editor behind a button: `<details>` opens it without any script, and the browser keeps an
/// open one (with what is typed in it) when the part around it is refreshed.
pub fn editor(key: String, label: &'static str, form: AnyView, open: bool) -> impl IntoView {
    view! {
        <details {..Mark::Editor.on()} class="item-edit" id=key open=open>
            <summary class="button small">{label}</summary>
            {form}
        </details>
    }
}

/// An item's "Edit" (`key` as `timeline-12`). Its editor is rendered only for the item asked for
/// (`open`), which keeps a large document's page small: the link shows the page with that editor
/// open, and in the meeting the browser fetches the editor into its place instead.
pub fn edit(key: &str, open: Option<&str>, form: impl FnOnce() -> AnyView) -> AnyView {
    if open == Some(key) {
        opened(key, form())
    } else {
        view! {
            <a {..Mark::Edit.valued(key)} class="button small" href=format!("?edit={key}#{key}") id=format!("edit-{key}")>"Edit"</a>
        }
        .into_any()
    }
}

/// The editor of the item `key`, open.
pub fn opened(key: &str, form: AnyView) -> AnyView {
    editor(format!("edit-{key}"), "Edit", form, true).into_any()
}

/// Shown by the browser when a save found that someone else saved the item first: their version
/// is in the part (refreshed at once), and the person keeps theirs (saves again over it) or
/// takes the other.
pub fn conflict_notice() -> impl IntoView {
    view! {
        <div {..Mark::Conflict.on()} class="alert conflict" role="alert" data-testid="conflict" hidden>
            <p>
                <span {..Mark::ConflictBy.on()}></span>
                " saved this item while you were editing it; their version is shown above. Keep yours to save it over theirs, or use theirs and drop your changes."
            </p>
            <button {..Mark::KeepMine.on()} type="button" class="button primary">"Keep mine"</button>
            " "
            <button {..Mark::UseTheirs.on()} type="button" class="button">"Use theirs"</button>
        </div>
    }
}

/// The end of an editor: save, and cancel (which closes it and drops the changes).
pub fn save_buttons(label: &'static str) -> impl IntoView {
    view! {
        <button type="submit" class="button primary">{label}</button>
        " "
        <button {..Mark::Close.on()} type="button" class="button">"Cancel"</button>
    }
}

/// A one-button form that removes an item.
pub fn remove_form(action: &'static str, id: i64) -> impl IntoView {
    view! {
        <form {..Mark::MeetingForm.on()} method="post" action=action class="inline">
            {hidden("id", id)}
            <button type="submit" class="button small danger">"Remove"</button>
        </form>
    }
}
