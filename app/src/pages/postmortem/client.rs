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
    use serde::de::IgnoredAny;
    use wasm_bindgen::JsCast;
    use web_sys::{
        Element, Event, HtmlElement, HtmlFormElement, HtmlInputElement, HtmlTextAreaElement,
        SubmitEvent,
    };

    use super::super::bar::Room;
    use super::super::coach::hints_html;
    use super::super::parts::{Changed, Part};
    use super::super::parts::{postmortem_editor, postmortem_part};
    use crate::components::enhance::browser::{self as enhance, all};
    use crate::components::marks::Mark;
    use shared::domain::postmortem::{PostmortemStatus, Step, editable};

    /// What a conflicting save's answer says of the other version.
    #[derive(Deserialize)]
    struct Theirs {
        version: i32,
        updated_by: String,
    }

    /// What a meeting form's server function answered, read once.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Answer {
        /// Someone else saved the item first (a `Saved::Conflict`): their version.
        Clash {
            #[serde(rename = "Conflict")]
            theirs: Theirs,
        },
        /// A workflow action: the postmortem's status now.
        Moved { status: PostmortemStatus },
        /// Saved or removed: the part is rendered anew, nothing else is needed from the answer.
        Done(IgnoredAny),
    }

    pub fn listen(room: Room) {
        let submit = window_event_listener(leptos::ev::submit, move |ev| submitted(room, ev));
        let click = window_event_listener(leptos::ev::click, move |ev| clicked(room, ev.into()));
        let change = window_event_listener(leptos::ev::change, |ev| {
            // A moment chosen in a timeline row is saved at once.
            if let Some(form) = target(&ev)
                .filter(|e| e.has_attribute(Mark::Autosubmit.name()))
                .and_then(|e| form_of(&e))
            {
                let _ = form.request_submit();
            }
        });
        let input = window_event_listener(leptos::ev::input, |ev| {
            if let Some(form) = target(&ev)
                .filter(|e| e.has_attribute(Mark::Coach.name()))
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
        let selector = Mark::StepPanel.selector_for(step.as_str());
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
        for panel in all(&page, &Mark::StepPanel.selector()) {
            let shown =
                panel.get_attribute(Mark::StepPanel.name()).as_deref() == Some(step.as_str());
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

    /// Where the fetch of one part stands.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Fetch {
        Idle,
        Running,
        /// Running, and the part changed again since it started: one more follows.
        RunningStale,
    }

    thread_local! {
        static FETCHING: [Cell<Fetch>; 4] = const { [const { Cell::new(Fetch::Idle) }; 4] };
    }

    /// Renders `part` anew on the server and swaps it in; changes meanwhile lead to one more.
    fn refresh(postmortem: i64, part: Part) {
        let slot = Part::ALL
            .iter()
            .position(|p| *p == part)
            .unwrap_or_default();
        let was = FETCHING.with(|f| {
            let was = f[slot].get();
            f[slot].set(if was == Fetch::Idle {
                Fetch::Running
            } else {
                Fetch::RunningStale
            });
            was
        });
        if was != Fetch::Idle {
            return;
        }
        spawn_local(async move {
            loop {
                if let Ok(html) = postmortem_part(postmortem, part).await {
                    swap(part, &html);
                }
                let again = FETCHING.with(|f| {
                    let again = f[slot].get() == Fetch::RunningStale;
                    f[slot].set(if again { Fetch::Running } else { Fetch::Idle });
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
        let Ok(Some(holder)) = document.query_selector(&Mark::Part.selector_for(part.as_str()))
        else {
            return;
        };
        let Ok(fresh) = document.create_element("div") else {
            return;
        };
        fresh.set_inner_html(html);
        let focused = document.active_element();
        for open in all(
            &holder,
            &format!("details{}[open]", Mark::Editor.selector()),
        ) {
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
        if ev.default_prevented() || !form.has_attribute(Mark::MeetingForm.name()) {
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
                    match serde_json::from_str::<Answer>(&answer) {
                        Ok(Answer::Clash { theirs }) => show_conflict(&form, &theirs),
                        Ok(Answer::Moved { status: now }) => {
                            close(&form);
                            status(room, now);
                        }
                        Ok(Answer::Done(_)) | Err(_) => close(&form),
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
        if let Ok(Some(link)) = button.closest(&Mark::Edit.selector()) {
            ev.prevent_default();
            open_editor(room, link);
            return;
        }
        let Some(form) = form_of(&button) else {
            return;
        };
        if button.has_attribute(Mark::Close.name()) {
            close(&form);
        } else if button.has_attribute(Mark::KeepMine.name()) {
            // Saved again, over the other version.
            if let (Some(notice), Ok(Some(version))) =
                (conflict(&form), form.query_selector("input[name=version]"))
            {
                if let (Some(theirs), Ok(version)) = (
                    notice.get_attribute(Mark::ConflictVersion.name()),
                    version.dyn_into::<HtmlInputElement>(),
                ) {
                    version.set_value(&theirs);
                }
                let _ = notice.set_attribute("hidden", "");
            }
            let _ = form.request_submit();
        } else if button.has_attribute(Mark::UseTheirs.name()) {
            close(&form);
            if let Some(part) = part_of(&form) {
                refresh(room.id, part);
            }
        }
    }

    /// Fetches an item's editor into the place of its "Edit" link; if that fails, the link's own
    /// page (the meeting with that editor open) is shown instead.
    fn open_editor(room: Room, link: Element) {
        let Some(item) = link.get_attribute(Mark::Edit.name()) else {
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
        let _ = notice.set_attribute(Mark::ConflictVersion.name(), &theirs.version.to_string());
        if let Ok(Some(by)) = notice.query_selector(&Mark::ConflictBy.selector()) {
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
        let Ok(Some(out)) = form.query_selector(&Mark::CoachOut.selector()) else {
            return;
        };
        let text = all(form, &Mark::Coach.selector())
            .into_iter()
            .filter_map(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
            .map(|t| t.value())
            .collect::<Vec<_>>()
            .join("\n");
        out.set_inner_html(&hints_html(&text));
    }

    fn conflict(form: &HtmlFormElement) -> Option<Element> {
        form.query_selector(&Mark::Conflict.selector())
            .ok()
            .flatten()
    }

    fn part_of(form: &HtmlFormElement) -> Option<Part> {
        let holder = form.closest(&Mark::Part.selector()).ok().flatten()?;
        Part::parse(&holder.get_attribute(Mark::Part.name())?)
    }

    fn target(ev: &Event) -> Option<Element> {
        ev.target()?.dyn_into::<Element>().ok()
    }

    fn form_of(element: &Element) -> Option<HtmlFormElement> {
        element.closest("form").ok().flatten()?.dyn_into().ok()
    }
}
