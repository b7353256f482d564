//! Forms on server-rendered pages, enhanced in the browser: a form posted to a server function is
//! sent in the background, so a mistake is shown beside its field without a reload and nothing
//! typed is lost; a success follows the server's redirect or reloads the page with the new data.
//! Without JavaScript the same forms post as plain HTML forms.

use leptos::prelude::*;

use crate::api::ApiError;

pub use shared::wire::ENHANCED_FORM_HEADER;

/// Where the messages of a failed submission go: beside fields, or above the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    /// `(field, message)` for every field error whose field the form has.
    pub beside: Vec<(String, String)>,
    /// The notice above the form: the error itself, with the field errors the form has no field for.
    pub notice: String,
}

/// Places the messages of `error` in a form that has the fields `has_field` says it has.
pub fn place_errors(error: &ApiError, has_field: impl Fn(&str) -> bool) -> Placement {
    let Some(errors) = error.field_errors() else {
        return Placement {
            beside: Vec::new(),
            notice: error.to_string(),
        };
    };
    let (beside, elsewhere): (Vec<_>, Vec<_>) = errors.0.iter().partition(|e| has_field(&e.field));
    let notice = std::iter::once(error.to_string())
        .chain(elsewhere.iter().map(|e| e.message.clone()))
        .collect::<Vec<_>>()
        .join(" ");
    Placement {
        beside: beside
            .into_iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect(),
        notice,
    }
}

/// True for a form this enhancer sends: one that posts to a server function and is not inside an
/// island or one of the postmortem meeting's parts, whose own code handles its forms.
pub fn is_enhanced(method: &str, action_path: &str, handled_elsewhere: bool) -> bool {
    method.eq_ignore_ascii_case("post") && action_path.starts_with("/api/") && !handled_elsewhere
}

/// Sends the page's plain server-function forms in the background. Placed once, in the app frame.
#[island]
pub fn FormEnhancer() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::submit, browser::submitted);
        on_cleanup(move || handle.remove());
    }
}

#[cfg(feature = "hydrate")]
pub mod browser {
    use leptos::task::spawn_local;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        Element, FormData, HtmlButtonElement, HtmlElement, HtmlFormElement, RequestInit, Response,
        SubmitEvent, UrlSearchParams,
    };

    use super::{ApiError, ENHANCED_FORM_HEADER, is_enhanced, place_errors};

    /// The marks this enhancer leaves on a form, removed before each submission.
    const ADDED: &str = "[data-enhancer]";

    pub fn submitted(ev: SubmitEvent) {
        if ev.default_prevented() {
            return;
        }
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        // Read as attributes: `form.action` would be a field of the form named "action".
        let action = form.get_attribute("action").unwrap_or_default();
        let method = form.get_attribute("method").unwrap_or_default();
        let path = web_sys::Url::new_with_base(
            &action,
            &leptos::prelude::location().href().unwrap_or_default(),
        )
        .map(|u| u.pathname())
        .unwrap_or_default();
        let handled_elsewhere = form
            .has_attribute(crate::components::marks::Mark::MeetingForm.name())
            || form.closest("leptos-island").ok().flatten().is_some();
        if !is_enhanced(&method, &path, handled_elsewhere) {
            return;
        }
        ev.prevent_default();
        let Some(data) = form_data(&form, &ev) else {
            return;
        };
        let buttons = submit_buttons(&form);
        buttons.iter().for_each(|b| b.set_disabled(true));
        spawn_local(async move {
            let outcome = send(&path, &data).await;
            buttons.iter().for_each(|b| b.set_disabled(false));
            match outcome {
                Ok(Some(next)) => go(Some(&next)),
                Ok(None) => go(None),
                Err(error) => show(&form, &error),
            }
        });
    }

    /// What a plain form would send: its fields, and the button that was pressed.
    pub fn form_data(form: &HtmlFormElement, ev: &SubmitEvent) -> Option<FormData> {
        let data = FormData::new_with_form(form).ok()?;
        if let Some(button) = ev.submitter() {
            let name = button.get_attribute("name").unwrap_or_default();
            if !name.is_empty() {
                let value = button.get_attribute("value").unwrap_or_default();
                let _ = data.append_with_str(&name, &value);
            }
        }
        Some(data)
    }

    /// The elements under `root` that match `selector`.
    pub fn all(root: &Element, selector: &str) -> Vec<Element> {
        let Ok(list) = root.query_selector_all(selector) else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<Element>().ok())
            .collect()
    }

    /// Posts the form as a plain form would, asking for the server function's JSON answer: the
    /// address to go to when the function redirected, or its error.
    async fn send(action: &str, data: &FormData) -> Result<Option<String>, ApiError> {
        let response = post(action, data, true).await?;
        let redirected = response.headers().has("serverfnredirect").unwrap_or(false);
        Ok(redirected
            .then(|| response.headers().get("location").ok().flatten())
            .flatten())
    }

    /// Posts form data to a server function and returns its JSON answer, or its error. A
    /// versioned save refused because someone saved first answers 409 with their version (a
    /// `Saved::Conflict`, not an error): that is an answer too.
    pub async fn post_for_answer(action: &str, data: &FormData) -> Result<String, ApiError> {
        let response = fetch(action, data, false).await?;
        let answer = text(&response).await?;
        if response.ok() {
            return Ok(answer);
        }
        match serde_json::from_str::<ApiError>(&answer) {
            Ok(error) => Err(error),
            Err(_) if response.status() == 409 => Ok(answer),
            Err(_) => Err(ApiError::Internal),
        }
    }

    fn transport(_: JsValue) -> ApiError {
        ApiError::Transport("the request failed".into())
    }

    /// Posts form data; an answer other than success is read as the function's error. `as_form`
    /// asks for what a plain form gets (a redirect), not the function's answer.
    async fn post(action: &str, data: &FormData, as_form: bool) -> Result<Response, ApiError> {
        let response = fetch(action, data, as_form).await?;
        if response.ok() {
            return Ok(response);
        }
        Err(serde_json::from_str(&text(&response).await?).unwrap_or(ApiError::Internal))
    }

    /// Posts form data and returns the answer, whatever its status; fails only when none came.
    async fn fetch(action: &str, data: &FormData, as_form: bool) -> Result<Response, ApiError> {
        let body = UrlSearchParams::new_with_str_sequence_sequence(data).map_err(transport)?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body_opt_url_search_params(Some(&body));
        let headers = web_sys::Headers::new().map_err(transport)?;
        headers
            .set("Accept", "application/json")
            .map_err(transport)?;
        if as_form {
            headers.set(ENHANCED_FORM_HEADER, "1").map_err(transport)?;
        }
        init.set_headers(&headers);
        let window = web_sys::window().ok_or_else(|| transport(JsValue::NULL))?;
        let response: Response = JsFuture::from(window.fetch_with_str_and_init(action, &init))
            .await
            .and_then(JsCast::dyn_into)
            .map_err(transport)?;
        Ok(response)
    }

    async fn text(response: &Response) -> Result<String, ApiError> {
        Ok(JsFuture::from(response.text().map_err(transport)?)
            .await
            .map_err(transport)?
            .as_string()
            .unwrap_or_default())
    }

    /// Goes to `next`, or shows the page again with what the form changed.
    fn go(next: Option<&str>) {
        if let Some(location) = web_sys::window().map(|w| w.location()) {
            let _ = match next {
                Some(next) => location.assign(next),
                None => location.reload(),
            };
        }
    }

    pub fn submit_buttons(form: &HtmlFormElement) -> Vec<HtmlButtonElement> {
        all(form, "button")
            .into_iter()
            .filter_map(|e| e.dyn_into::<HtmlButtonElement>().ok())
            .filter(|b| b.type_() == "submit")
            .collect()
    }

    /// The form's input for `field`: named `field`, or `form[field]` as `Field` names them.
    fn input_for(form: &HtmlFormElement, field: &str) -> Option<Element> {
        let selector = format!("[name=\"{field}\"], [name$=\"[{field}]\"]");
        form.query_selector(&selector).ok().flatten()
    }

    /// Removes the messages an earlier submission showed (and those the server rendered for an
    /// earlier plain post).
    pub fn clear(form: &HtmlFormElement) {
        all(form, &format!("{ADDED}, .field-error"))
            .iter()
            .for_each(Element::remove);
        for marked in all(form, "[aria-invalid]") {
            let _ = marked.remove_attribute("aria-invalid");
        }
    }

    /// Shows the error's messages in the form, replacing what an earlier submission showed.
    pub fn show(form: &HtmlFormElement, error: &ApiError) {
        let document = leptos::prelude::document();
        clear(form);
        let placement = place_errors(error, |field| input_for(form, field).is_some());
        for (field, message) in &placement.beside {
            let Some(input) = input_for(form, field) else {
                continue;
            };
            let _ = input.set_attribute("aria-invalid", "true");
            let holder = input
                .closest(".field")
                .ok()
                .flatten()
                .unwrap_or(input.clone());
            let Ok(p) = document.create_element("p") else {
                continue;
            };
            p.set_class_name("field-error");
            let _ = p.set_attribute("data-field", field);
            let _ = p.set_attribute("data-enhancer", "");
            p.set_text_content(Some(message));
            let _ = holder.append_child(&p);
        }
        if let Ok(div) = document.create_element("div") {
            div.set_class_name("alert alert-error");
            let _ = div.set_attribute("role", "alert");
            let _ = div.set_attribute("data-enhancer", "");
            div.set_text_content(Some(&placement.notice));
            if matches!(error, ApiError::Unauthorized) {
                let _ = div.insert_adjacent_html(
                    "beforeend",
                    "<p><a href=\"/sign-in\" target=\"_blank\" rel=\"noopener\">Sign in in a new tab</a>, \
                     then submit this form again: what you typed is still here.</p>",
                );
            }
            let _ = form.prepend_with_node_1(&div);
        }
        if let Some(first) = placement
            .beside
            .first()
            .and_then(|(field, _)| input_for(form, field))
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        {
            let _ = first.focus();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::{FieldError, FieldErrors};

    fn invalid(fields: &[(&str, &str)]) -> ApiError {
        ApiError::Validation(FieldErrors(
            fields
                .iter()
                .map(|(f, m)| FieldError::new(*f, *m))
                .collect(),
        ))
    }

    #[test]
    fn a_field_error_goes_beside_the_field_the_form_has() {
        let placed = place_errors(&invalid(&[("name", "Give it a name.")]), |f| f == "name");
        assert_eq!(
            placed.beside,
            vec![("name".to_owned(), "Give it a name.".to_owned())]
        );
        assert_eq!(placed.notice, "Some fields need your attention.");
    }

    #[test]
    fn a_field_error_for_a_field_the_form_lacks_goes_above_the_form() {
        let placed = place_errors(
            &invalid(&[("name", "Give it a name."), ("request", "Bad request.")]),
            |f| f == "name",
        );
        assert_eq!(placed.beside.len(), 1);
        assert_eq!(
            placed.notice,
            "Some fields need your attention. Bad request."
        );
    }

    #[test]
    fn an_error_about_no_field_is_a_notice() {
        let placed = place_errors(&ApiError::Forbidden, |_| true);
        assert!(placed.beside.is_empty());
        assert_eq!(placed.notice, ApiError::Forbidden.to_string());
    }

    #[test]
    fn only_posts_to_server_functions_outside_islands_are_enhanced() {
        assert!(is_enhanced("post", "/api/services/create", false));
        assert!(is_enhanced("POST", "/api/services/create", false));
        assert!(!is_enhanced("get", "/services", false));
        assert!(!is_enhanced("post", "/hooks/github", false));
        assert!(!is_enhanced("post", "/api/postmortems/save-field", true));
    }
}
