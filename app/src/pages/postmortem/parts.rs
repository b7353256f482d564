//! The server-rendered parts of the meeting page (timeline, causal board, action items, review):
//! which one a change affects, and (on the server) rendering one alone, which the browser asks
//! for when someone changed it and swaps in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::ApiError;
#[cfg(feature = "ssr")]
use crate::api::postmortems::get_postmortem;
use shared::domain::postmortem::Step;

/// A part of the meeting page that the server renders and the browser refreshes as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Timeline,
    Factors,
    Actions,
    Review,
}

/// What kind of thing a live change is about.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changed {
    Field,
    Timeline,
    Factor,
    Action,
    Meta,
}

impl Part {
    pub const ALL: [Part; 4] = [Part::Timeline, Part::Factors, Part::Actions, Part::Review];

    pub fn as_str(self) -> &'static str {
        match self {
            Part::Timeline => "timeline",
            Part::Factors => "factors",
            Part::Actions => "actions",
            Part::Review => "review",
        }
    }

    pub fn parse(value: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.as_str() == value)
    }

    /// How the page names an item of this part (`timeline-12`, `factor-3`, `action-5`): the
    /// id of its element, and the key of its editor.
    pub fn item_key(self, id: i64) -> String {
        let kind = match self {
            Part::Timeline => "timeline",
            Part::Factors => "factor",
            Part::Actions => "action",
            Part::Review => "review",
        };
        format!("{kind}-{id}")
    }

    /// The part and id an item key names (the reverse of [`Part::item_key`]); the review has no
    /// items.
    pub fn of_item(key: &str) -> Option<(Part, i64)> {
        let (_, id) = key.rsplit_once('-')?;
        let id = id.parse().ok()?;
        [Part::Timeline, Part::Factors, Part::Actions]
            .into_iter()
            .find(|part| part.item_key(id) == key)
            .map(|part| (part, id))
    }

    /// The step whose panel shows this part.
    pub fn step(self) -> Step {
        match self {
            Part::Timeline => Step::Timeline,
            Part::Factors => Step::Factors,
            Part::Actions => Step::Actions,
            Part::Review => Step::Review,
        }
    }

    /// The parts that show something of a changed item: factors cite timeline entries, action
    /// items name the factor they address, and the review counts everything.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn showing(changed: Changed) -> &'static [Part] {
        match changed {
            Changed::Field | Changed::Meta => &[Part::Review],
            Changed::Timeline => &[Part::Timeline, Part::Factors, Part::Review],
            Changed::Factor => &[Part::Factors, Part::Actions, Part::Review],
            Changed::Action => &[Part::Actions, Part::Review],
        }
    }
}

/// One part as HTML, for the browser to swap in. The review counts the coach's open hints here
/// (the page itself leaves that to this request, to keep its own render quick).
#[cfg(feature = "ssr")]
pub fn render(part: Part, view: &crate::api::postmortems::PostmortemView) -> String {
    use leptos::prelude::*;
    use leptos::tachys::view::RenderHtml;

    Owner::new().with(|| match part {
        Part::Timeline => super::timeline::part(view, None).to_html(),
        Part::Factors => super::factors::part(view, None).to_html(),
        Part::Actions => super::actions::part(view, None).to_html(),
        Part::Review => super::review::part(view, true).to_html(),
    })
}

/// The editor of one item (`timeline-12`, `factor-3`, `action-5`), opened, as HTML; `None` when
/// the postmortem has no such item or the reader may not change it.
#[cfg(feature = "ssr")]
pub fn render_editor(item: &str, view: &crate::api::postmortems::PostmortemView) -> Option<String> {
    use leptos::prelude::*;
    use leptos::tachys::view::RenderHtml;

    if !super::editable(view) {
        return None;
    }
    let (part, id) = Part::of_item(item)?;
    Owner::new().with(|| {
        let editor = match part {
            Part::Timeline => super::timeline::entry_editor(view, id),
            Part::Factors => super::factors::factor_editor(view, id),
            Part::Actions => super::actions::action_editor(view, id),
            Part::Review => None,
        };
        editor.map(|e| e.to_html())
    })
}

/// One part of the meeting page (`timeline`, `factors`, `actions` or `review`) rendered anew as
/// HTML, for the page to swap in when someone changed it. A GET: every open page asks for it after
/// each change, and reading must not count as a write (which would end remembered pages and, on
/// PostgreSQL, notify every instance).
#[server(endpoint = "postmortems/part", input = server_fn::codec::GetUrl)]
pub async fn postmortem_part(postmortem_id: i64, part: Part) -> Result<String, ApiError> {
    let view = get_postmortem(postmortem_id).await?;
    Ok(render(part, &view))
}

/// One item's editor (`item` as `timeline-12`, `factor-3` or `action-5`), opened, as HTML. The
/// meeting fetches it when someone clicks "Edit", so the page need not carry every item's form.
#[server(endpoint = "postmortems/editor", input = server_fn::codec::GetUrl)]
pub async fn postmortem_editor(postmortem_id: i64, item: String) -> Result<String, ApiError> {
    let view = get_postmortem(postmortem_id).await?;
    render_editor(&item, &view).ok_or_else(|| backend::AppError::NotFound("Item").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_named_in_addresses_and_read_back() {
        for part in Part::ALL {
            assert_eq!(Part::parse(part.as_str()), Some(part));
        }
        assert_eq!(Part::parse("everything"), None);
    }

    #[test]
    fn items_are_named_by_part_and_id_and_read_back() {
        assert_eq!(Part::Timeline.item_key(12), "timeline-12");
        for part in [Part::Timeline, Part::Factors, Part::Actions] {
            assert_eq!(Part::of_item(&part.item_key(7)), Some((part, 7)));
        }
        for bad in [
            "review-1",
            "factor-x",
            "factor",
            "thing-3",
            "-3",
            "factors-3",
        ] {
            assert_eq!(Part::of_item(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_change_refreshes_every_part_that_shows_it() {
        assert_eq!(Part::showing(Changed::Field), [Part::Review]);
        assert!(Part::showing(Changed::Timeline).contains(&Part::Factors));
        assert!(Part::showing(Changed::Factor).contains(&Part::Actions));
        assert!(!Part::showing(Changed::Action).contains(&Part::Timeline));
        for changed in [
            Changed::Timeline,
            Changed::Factor,
            Changed::Action,
            Changed::Meta,
        ] {
            assert!(Part::showing(changed).contains(&Part::Review));
        }
    }
}
