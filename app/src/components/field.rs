//! A labelled form field that shows its validation message right beside the input.

use leptos::prelude::*;

use crate::api::ApiError;

/// The validation message for `field` in the last error of a form, if any.
pub fn field_message(
    error: Signal<Option<ApiError>>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        error.with(|e| {
            e.as_ref()
                .and_then(ApiError::field_errors)
                .and_then(|errors| errors.message_for(field))
                .map(str::to_owned)
        })
    })
}

/// The last error of a form unless it is about particular fields (those show beside the fields).
pub fn form_notice(error: Signal<Option<ApiError>>) -> Signal<Option<ApiError>> {
    Signal::derive(move || error.get().filter(|e| e.field_errors().is_none()))
}

/// How a field is typed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FieldKind {
    /// One line of text.
    #[default]
    Text,
    /// One line holding a web address.
    Url,
    /// One line holding a number.
    Decimal,
    /// Several lines (Markdown).
    Multiline,
    /// An email address.
    Email,
    /// A date and time, as the browser's picker gives it (`2026-12-24T09:30`).
    DateTime,
    /// A password being typed in to sign in or confirm identity.
    CurrentPassword,
    /// A password being chosen.
    NewPassword,
}

/// A form field named `{form}[{field}]`, so server functions receive it as a struct member, or
/// just `{field}` when there is no `form`.
#[component]
pub fn Field(
    /// The struct the server function receives, e.g. `service`.
    #[prop(optional)]
    form: Option<&'static str>,
    /// The member of that struct, e.g. `name`.
    field: &'static str,
    label: &'static str,
    /// The value shown when the page loads.
    #[prop(into)]
    value: String,
    /// The validation message, when there is one.
    #[prop(into)]
    error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] kind: FieldKind,
    /// Records to pick from by number (`id`, label): the browser's own searchable list, which
    /// filters by number and label as one types and needs no script.
    #[prop(optional)]
    choices: Option<Vec<(i64, String)>>,
) -> impl IntoView {
    let (id, name) = match form {
        Some(form) => (
            format!("{form}-{}", field.replace('_', "-")),
            format!("{form}[{field}]"),
        ),
        None => (field.replace('_', "-"), field.to_owned()),
    };
    let hint_id = format!("{id}-hint");
    let list_id = choices.as_ref().map(|_| format!("{id}-choices"));
    let datalist = choices.map(|choices| {
        let options = choices
            .into_iter()
            .map(|(value, label)| view! { <option value=value.to_string()>{format!("#{value} · {label}")}</option> })
            .collect_view();
        view! { <datalist id=list_id.clone()>{options}</datalist> }
    });
    let error_id = format!("{id}-error");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let invalid = move || error.get().is_some().then_some("true");
    let input = match kind {
        FieldKind::Multiline => view! {
            <textarea
                id=id.clone()
                name=name
                rows="8"
                placeholder=placeholder
                aria-invalid=invalid
                aria-describedby=described_by
                inner_html=super::textarea_html(&value)
            ></textarea>
        }
        .into_any(),
        _ => view! {
            <input
                id=id.clone()
                name=name
                type=match kind {
                    FieldKind::Email => "email",
                    FieldKind::DateTime => "datetime-local",
                    FieldKind::CurrentPassword | FieldKind::NewPassword => "password",
                    _ => "text",
                }
                inputmode=match kind {
                    FieldKind::Url => Some("url"),
                    FieldKind::Decimal => Some("decimal"),
                    _ => None,
                }
                value=value
                placeholder=placeholder
                list=list_id
                required=required
                aria-required=required.then_some("true")
                aria-invalid=invalid
                aria-describedby=described_by
                autocomplete=match kind {
                    FieldKind::Email => "email",
                    FieldKind::CurrentPassword => "current-password",
                    FieldKind::NewPassword => "new-password",
                    _ => "off",
                }
            />
        }
        .into_any(),
    };
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=id>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            {input}
            {datalist}
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            {move || {
                error
                    .get()
                    .map(|message| {
                        view! {
                            <p class="field-error" id=error_id.clone() data-field=field>
                                {message}
                            </p>
                        }
                    })
            }}
        </div>
    }
}
