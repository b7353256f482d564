//! GitHub sync pieces shared by pages: an item's sync badge (pending, the issue it became and
//! whether it is verified, failed or stopped with why, and "Retry"), and "Sync now" with a
//! progress bar that follows the queue until it is empty.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::resource;

use super::ErrorNotice;
use crate::api::github::{RetrySync, SyncBadge, SyncNow, github_progress};
use shared::domain::github::{SyncState, Verification};

/// Where an item stands with GitHub.
#[component]
pub fn SyncBadgeView(
    item: i64,
    badge: Option<SyncBadge>,
    /// Whether to offer "Retry" on a failed or stopped item.
    #[prop(optional)]
    can_retry: bool,
) -> impl IntoView {
    let Some(badge) = badge else {
        return ().into_any();
    };
    let retry = ServerAction::<RetrySync>::new();
    let retried = move || matches!(retry.value().get(), Some(Ok(())));
    let error = Signal::derive(move || retry.value().get().and_then(Result::err));
    let issue = badge.issue.clone().map(|issue| {
        view! {
            <a href=super::web_address(&issue.url) class="mono small" target="_blank" rel="noopener noreferrer">
                {issue.name()}
            </a>
        }
    });
    // What the last sync learnt of the issue stays shown while a newer sync waits (or GitHub was
    // disconnected meanwhile).
    let verification = badge.verification.map(|v| {
        let class = match v {
            Verification::Verified => "badge badge-ok",
            Verification::ClosedUnverified => "badge badge-warn",
            Verification::Open => "badge badge-muted",
        };
        view! { <span class=class data-testid="verification">{v.label()}</span> }
    });
    let state_class = match badge.state {
        SyncState::Synced => "badge badge-ok",
        SyncState::Pending => "badge badge-muted",
        SyncState::NoRepository => "badge badge-muted",
        SyncState::Failed | SyncState::Parked => "badge badge-error",
    };
    let troubled = matches!(badge.state, SyncState::Failed | SyncState::Parked);
    view! {
        <span class="sync" data-testid="sync" data-state=badge.state.as_str()>
            {(badge.state != SyncState::Synced).then(|| view! { <span class=state_class>{badge.state.label()}</span> })}
            " "
            {issue}
            " "
            {verification}
            {badge.error.clone().map(|e| { let shown = e.clone(); view! { <span class="small sync-error" title=e>{shown}</span> } })}
            {(troubled && can_retry).then(|| view! {
                <ActionForm action=retry attr:class="inline">
                    <input type="hidden" name="item" value=item />
                    <button type="submit" class="button small" disabled=retried>
                        {move || if retried() { "Queued" } else { "Retry" }}
                    </button>
                </ActionForm>
            })}
            <ErrorNotice error />
        </span>
    }
    .into_any()
}

/// "Sync now" (for one service, or all) and the queue's progress while it drains.
#[island]
pub fn SyncNowButton(#[prop(optional)] service: Option<i64>) -> impl IntoView {
    let sync = ServerAction::<SyncNow>::new();
    let tick = RwSignal::new(0_u32);
    let progress = resource(
        move || (sync.version().get(), tick.get()),
        |_| github_progress(),
    );
    let error = Signal::derive(move || sync.value().get().and_then(Result::err));
    let running = move || {
        sync.value().get().is_some_and(|r| r.is_ok())
            && progress
                .get()
                .and_then(Result::ok)
                .is_some_and(|p| p.pending > 0)
    };
    Effect::new(move |was_running: Option<bool>| {
        let now_running = running();
        if now_running {
            set_timeout(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_millis(700),
            );
        } else if was_running == Some(true) {
            // The queue drained: the page's counts, failures and history are read anew.
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        }
        now_running
    });
    view! {
        <div class="sync-now">
            // Sent from here rather than with `ActionForm`, whose reading of form data back into
            // the function's arguments would add a query-string decoder to the browser's bundle.
            <form method="post" action=SyncNow::url() class="inline" on:submit=move |ev| {
                ev.prevent_default();
                sync.dispatch(SyncNow { service });
            }>
                {service.map(|s| view! { <input type="hidden" name="service" value=s /> })}
                <button type="submit" class="button" disabled=move || sync.pending().get()>
                    "Sync now"
                </button>
            </form>
            <ErrorNotice error />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let queued = sync.value().get().and_then(Result::ok);
                    progress.await.ok().and_then(|p| {
                        let queued = queued?;
                        let total = (p.pending + p.failed + p.parked + p.synced).max(1);
                        let done = total - p.pending;
                        Some(view! {
                            <div class="sync-progress" role="status" data-testid="sync-progress">
                                <progress max=total value=done></progress>
                                <span class="small">
                                    {format!("{queued} queued · {} waiting · {} synced · {} failed · {} stopped", p.pending, p.synced, p.failed, p.parked)}
                                </span>
                            </div>
                        })
                    })
                })}
            </Transition>
        </div>
    }
}
