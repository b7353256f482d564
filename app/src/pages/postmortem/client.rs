//! The meeting page's server-rendered parts in the browser: shows the step a person looks at,
//! sends the parts' forms in the background (errors beside the fields, the conflict notice when
//! someone saved the item first), and swaps in a part rendered anew when it changed, keeping any
//! editor someone has open as it is.

use super::bar::Room;
use super::parts::Changed;
use shared::domain::postmortem::{PostmortemStatus, Step};

/// Listens to the parts' forms (once, from the meeting bar).
pub fn listen(room: Room) {
    #[cfg(feature = "hydrate")]
    browser::listen(room);
    #[cfg(not(feature = "hydrate"))]
    let _ = room;
}

/// Shows the panel of `step` and hides the others; the review is brought up to date when shown.
pub fn show_step(room: Room, step: Step) {
    #[cfg(feature = "hydrate")]
    browser::show_step(room, step);
    #[cfg(not(feature = "hydrate"))]
    let _ = (room, step);
}

/// The person chose `step`: its panel is brought into view if it is not (on a phone the step
/// pills fill the screen above it); on a wide screen, where it is in view, nothing moves.
pub fn reveal_step(step: Step) {
    #[cfg(feature = "hydrate")]
    browser::reveal_step(step);
    #[cfg(not(feature = "hydrate"))]
    let _ = step;
}

/// Someone changed something: the parts that show it are rendered anew (the review only when it
/// is shown; it is refreshed whenever it is opened).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn changed(room: Room, changed: Changed) {
    #[cfg(feature = "hydrate")]
    browser::changed(room, changed);
    #[cfg(not(feature = "hydrate"))]
    let _ = (room, changed);
}

/// The postmortem moved through its review. When that makes the document read-only (published)
/// or editable again (reopened), the page is rendered anew; otherwise the status and the review
/// are brought up to date.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn status(room: Room, status: PostmortemStatus) {
    #[cfg(feature = "hydrate")]
    browser::status(room, status);
    #[cfg(not(feature = "hydrate"))]
    let _ = (room, status);
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::Cell;

    use leptos::prelude::*;
    use leptos::task::spawn_local;
    use serde::Deserialize;
    use wasm_bindgen::JsCast;
    use web_sys::{
        Element, Event, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlTextAreaElement,
        SubmitEvent,
    };

    use super::super::bar::Room;
    use super::super::coach::hints_html;
    use super::super::parts::{Changed, Part};
    use crate::api::postmortems::{Saved, postmortem_editor, postmortem_part};
    use crate::components::enhance::browser::{self as enhance, all};
    use shared::domain::postmortem::{PostmortemStatus, Step, editable};

    /// What a conflicting save's answer says of the other version.
    #[derive(Deserialize)]
    struct Theirs {
        version: i32,
        updated_by: String,
    }

    /// A workflow action's answer, of which the page needs the status.
    #[derive(Deserialize)]
    struct Status {
        status: PostmortemStatus,
    }

    pub fn listen(room: Room) {
        let submit = window_event_listener(leptos::ev::submit, move |ev| submitted(room, ev));
        let click = window_event_listener(leptos::ev::click, move |ev| clicked(room, ev.into()));
        let change = window_event_listener(leptos::ev::change, |ev| {
            // A moment chosen in a timeline row is saved at once.
            if let Some(form) = target(&ev)
                .filter(|e| e.has_attribute("data-autosubmit"))
                .and_then(|e| form_of(&e))
            {
                let _ = form.request_submit();
            }
        });
        let input = window_event_listener(leptos::ev::input, |ev| {
            if let Some(form) = target(&ev)
                .filter(|e| e.has_attribute("data-coach"))
                .and_then(|e| form_of(&e))
            {
                coach(&form);
            }
        });
        on_cleanup(move || {
            submit.remove();
            click.remove();
            change.remove();
            input.remove();
        });
    }

    pub fn reveal_step(step: Step) {
        let selector = format!("[data-step-panel=\"{}\"]", step.as_str());
        if let Ok(Some(panel)) = document().query_selector(&selector) {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Nearest);
            panel.scroll_into_view_with_scroll_into_view_options(&options);
        }
    }

    pub fn show_step(room: Room, step: Step) {
        let Some(page) = document().document_element() else {
            return;
        };
        for panel in all(&page, "[data-step-panel]") {
            let shown = panel.get_attribute("data-step-panel").as_deref() == Some(step.as_str());
            let _ = if shown {
                panel.remove_attribute("hidden")
            } else {
                panel.set_attribute("hidden", "")
            };
        }
        if step == Step::Review {
            refresh(room.id, Part::Review);
        }
    }

    pub fn changed(room: Room, changed: Changed) {
        for part in Part::showing(changed) {
            if *part != Part::Review || room.mine.get_untracked() == Step::Review {
                refresh(room.id, *part);
            }
        }
    }

    pub fn status(room: Room, status: PostmortemStatus) {
        if editable(status) != editable(room.rendered_as) {
            let _ = window().location().reload();
            return;
        }
        if let Ok(Some(badge)) = document().query_selector("[data-testid=pm-status-badge]") {
            badge.set_text_content(Some(status.label()));
        }
        changed(room, Changed::Meta);
    }

    thread_local! {
        /// Per part: 0 idle, 1 being fetched, 2 being fetched and changed again since.
        static FETCHING: [Cell<u8>; 4] = const { [Cell::new(0), Cell::new(0), Cell::new(0), Cell::new(0)] };
    }

    /// Renders `part` anew on the server and swaps it in; changes meanwhile lead to one more.
    fn refresh(postmortem: i64, part: Part) {
        let slot = Part::ALL
            .iter()
            .position(|p| *p == part)
            .unwrap_or_default();
        let busy = FETCHING.with(|f| f[slot].replace(if f[slot].get() == 0 { 1 } else { 2 }) > 0);
        if busy {
            return;
        }
        spawn_local(async move {
            loop {
                if let Ok(html) = postmortem_part(postmortem, part.as_str().into()).await {
                    swap(part, &html);
                }
                let again = FETCHING.with(|f| {
                    let again = f[slot].get() == 2;
                    f[slot].set(if again { 1 } else { 0 });
                    again
                });
                if !again {
                    break;
                }
            }
        });
    }

    /// Replaces a part's content, keeping every open editor (and what is typed in it) in place of
    /// its fresh copy. An editor whose item is gone goes with it.
    fn swap(part: Part, html: &str) {
        let document = document();
        let Ok(Some(holder)) =
            document.query_selector(&format!("[data-part=\"{}\"]", part.as_str()))
        else {
            return;
        };
        let Ok(fresh) = document.create_element("div") else {
            return;
        };
        fresh.set_inner_html(html);
        let focused = document.active_element();
        for open in all(&holder, "details[data-editor][open]") {
            let key = open.id();
            if let Ok(Some(copy)) = fresh.query_selector(&format!("[id=\"{key}\"]")) {
                let _ = copy.replace_with_with_node_1(&open);
            }
        }
        holder.set_text_content(None);
        while let Some(child) = fresh.first_child() {
            let _ = holder.append_child(&child);
        }
        if let Some(focused) = focused
            .filter(|e| e.is_connected())
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        {
            let _ = focused.focus();
        }
    }

    fn submitted(room: Room, ev: SubmitEvent) {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if ev.default_prevented() || !form.has_attribute("data-meeting-form") {
            return;
        }
        ev.prevent_default();
        let Some(data) = enhance::form_data(&form, &ev) else {
            return;
        };
        let action = form.get_attribute("action").unwrap_or_default();
        let buttons = enhance::submit_buttons(&form);
        buttons.iter().for_each(|b| b.set_disabled(true));
        spawn_local(async move {
            let answer = enhance::post_for_answer(&action, &data).await;
            buttons.iter().for_each(|b| b.set_disabled(false));
            match answer {
                Ok(answer) => {
                    enhance::clear(&form);
                    if let Ok(Saved::Conflict(theirs)) =
                        serde_json::from_str::<Saved<Theirs>>(&answer)
                    {
                        show_conflict(&form, &theirs);
                    } else {
                        close(&form);
                        if let Ok(meta) = serde_json::from_str::<Status>(&answer) {
                            status(room, meta.status);
                        }
                    }
                    if let Some(part) = part_of(&form) {
                        refresh(room.id, part);
                    }
                }
                Err(error) => enhance::show(&form, &error),
            }
        });
    }

    fn clicked(room: Room, ev: Event) {
        let Some(button) = target(&ev) else {
            return;
        };
        if let Ok(Some(link)) = button.closest("[data-edit]") {
            ev.prevent_default();
            open_editor(room, link);
            return;
        }
        let Some(form) = form_of(&button) else {
            return;
        };
        if button.has_attribute("data-close") {
            close(&form);
        } else if button.has_attribute("data-keep-mine") {
            // Saved again, over the other version.
            if let (Some(notice), Ok(Some(version))) =
                (conflict(&form), form.query_selector("input[name=version]"))
            {
                if let (Some(theirs), Ok(version)) = (
                    notice.get_attribute("data-version"),
                    version.dyn_into::<HtmlInputElement>(),
                ) {
                    version.set_value(&theirs);
                }
                let _ = notice.set_attribute("hidden", "");
            }
            let _ = form.request_submit();
        } else if button.has_attribute("data-use-theirs") {
            close(&form);
            if let Some(part) = part_of(&form) {
                refresh(room.id, part);
            }
        }
    }

    /// Fetches an item's editor into the place of its "Edit" link; if that fails, the link's own
    /// page (the meeting with that editor open) is shown instead.
    fn open_editor(room: Room, link: Element) {
        let Some(item) = link.get_attribute("data-edit") else {
            return;
        };
        spawn_local(async move {
            let editor = postmortem_editor(room.id, item.clone())
                .await
                .ok()
                .and_then(|html| {
                    let holder = document().create_element("div").ok()?;
                    holder.set_inner_html(&html);
                    holder.first_element_child()
                });
            let Some(editor) = editor else {
                if let Some(href) = link.get_attribute("href") {
                    let _ = window().location().set_href(&href);
                }
                return;
            };
            // The part may have been rendered anew while the editor was on its way (someone
            // saved): the link to replace is then the fresh one, not the one that was clicked.
            let current = document()
                .get_element_by_id(&format!("edit-{item}"))
                .unwrap_or(link);
            let _ = current.replace_with_with_node_1(&editor);
            if let Some(first) = editor
                .query_selector("input:not([type=hidden]), textarea")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<HtmlElement>().ok())
            {
                let _ = first.focus();
            }
        });
    }

    fn show_conflict(form: &HtmlFormElement, theirs: &Theirs) {
        let Some(notice) = conflict(form) else {
            return;
        };
        let _ = notice.set_attribute("data-version", &theirs.version.to_string());
        if let Ok(Some(by)) = notice.query_selector("[data-conflict-by]") {
            by.set_text_content(Some(&theirs.updated_by));
        }
        let _ = notice.remove_attribute("hidden");
    }

    /// Closes the editor the form is in, dropping what was typed (the part's next rendering has
    /// the saved version).
    fn close(form: &HtmlFormElement) {
        if let Ok(Some(details)) = form.closest("details") {
            let _ = details.remove_attribute("open");
        }
        if let Some(notice) = conflict(form) {
            let _ = notice.set_attribute("hidden", "");
        }
        enhance::clear(form);
        form.reset();
        coach(form);
    }

    /// The coach's hints for what the form's coached texts say now.
    fn coach(form: &HtmlFormElement) {
        let Ok(Some(out)) = form.query_selector("[data-coach-out]") else {
            return;
        };
        let text = all(form, "[data-coach]")
            .into_iter()
            .filter_map(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
            .map(|t| t.value())
            .collect::<Vec<_>>()
            .join("\n");
        out.set_inner_html(&hints_html(&text));
    }

    fn conflict(form: &HtmlFormElement) -> Option<Element> {
        form.query_selector("[data-conflict]").ok().flatten()
    }

    fn part_of(form: &HtmlFormElement) -> Option<Part> {
        let holder = form.closest("[data-part]").ok().flatten()?;
        Part::parse(&holder.get_attribute("data-part")?)
    }

    fn target(ev: &Event) -> Option<Element> {
        ev.target()?.dyn_into::<Element>().ok()
    }

    fn form_of(element: &Element) -> Option<HtmlFormElement> {
        element.closest("form").ok().flatten()?.dyn_into().ok()
    }
}
