//! The HTML shell, the app frame (header, navigation) and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::api::auth::take_notice;
use crate::components::{Can, FormEnhancer, Guarded, blocking_resource, provide_auth};
use crate::pages::{
    AccountPage, AuditPage, DeclareIncidentPage, EditIncidentPage, EditServicePage, IncidentPage,
    IncidentsPage, NewServicePage, NotFound, ServicePage, ServicesPage, SetupPage, SignInPage,
    UsersPage,
};
use crate::pages::{
    ActionItemsPage, BacklogPage, ChangePage, ChangesPage, DashboardPage, DeploymentsPage,
    GithubPage, GuardrailsPage, IntegrationsPage, NewGuardrailPage, NewPostmortemPage,
    NewProblemPage, PolicyPage, PolicyVersionPage, PostmortemPage, PostmortemsPage,
    PrintPostmortemPage, ProblemPage, ProblemsPage, TemplatesPage,
};
use shared::domain::Permission;

/// The document around the app, rendered on the server for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ssr::csp::set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: header, navigation and the page for the current route.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let auth = provide_auth();

    view! {
        <Stylesheet id="leptos" href="/pkg/postmortem.css" />
        <Router>
            <div class="app" data-hydrated="false">
                <a class="skip-link" href="#main">
                    "Skip to content"
                </a>
                <header class="topbar">
                    <a class="brand" href="/services">
                        <span class="brand-mark" aria-hidden="true">
                            "◆"
                        </span>
                        "Postmortem"
                    </a>
                    <nav aria-label="Main">
                        <ul>
                            <li>
                                <A href="/dashboard">"Dashboard"</A>
                            </li>
                            <li>
                                <A href="/incidents">"Incidents"</A>
                            </li>
                            <li>
                                <A href="/postmortems">"Postmortems"</A>
                            </li>
                            <li>
                                <A href="/problems">"Problems"</A>
                            </li>
                            <li>
                                <A href="/backlog">"Pipeline tests"</A>
                            </li>
                            <li>
                                <A href="/changes">"Changes"</A>
                            </li>
                            <li>
                                <A href="/services">"Services"</A>
                            </li>
                            <Can permission=Permission::ManageUsers>
                                <li>
                                    <A href="/admin/users">"Users"</A>
                                </li>
                            </Can>
                            <Can permission=Permission::ManageIntegrations>
                                <li>
                                    <A href="/admin/integrations">"Integrations"</A>
                                </li>
                                <li>
                                    <A href="/admin/github">"GitHub"</A>
                                </li>
                            </Can>
                            <Can permission=Permission::ConfigurePostmortems>
                                <li>
                                    <A href="/admin/templates">"Templates"</A>
                                </li>
                            </Can>
                            <Can permission=Permission::ViewAuditTrail>
                                <li>
                                    <A href="/admin/audit">"Audit trail"</A>
                                </li>
                            </Can>
                        </ul>
                    </nav>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match auth.user.await.ok().flatten() {
                                Some(user) => {
                                    view! {
                                        <div class="user-menu">
                                            <A href="/account" attr:class="user-name">
                                                {user.display_name}
                                                <span class="muted small">" · " {user.role.label()}</span>
                                            </A>
                                            <ActionForm action=auth.sign_out>
                                                <button type="submit" class="button">
                                                    "Sign out"
                                                </button>
                                            </ActionForm>
                                        </div>
                                    }
                                        .into_any()
                                }
                                None => {
                                    view! {
                                        <div class="user-menu">
                                            <a class="button" href="/sign-in">
                                                "Sign in"
                                            </a>
                                        </div>
                                    }
                                        .into_any()
                                }
                            }
                        })}
                    </Transition>
                </header>
                <main id="main" tabindex="-1">
                    <Notice />
                    // Pages are sent once their data is loaded (`SsrMode::Async`): the status code
                    // can then say 404 for a missing record, and the page is complete without
                    // JavaScript, which out-of-order streaming needs to put late fragments in place.
                    <Routes fallback=|| view! { <NotFound /> }>
                        <Route
                            path=path!("/")
                            view=|| view! { <Redirect path="/services" /> }
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async />
                        <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async />
                        <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/admin/users")
                            view=|| view! { <Guarded permission=Permission::ManageUsers><UsersPage /></Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/admin/integrations")
                            view=IntegrationsPage
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/admin/audit")
                            view=|| view! { <Guarded permission=Permission::ViewAuditTrail><AuditPage /></Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/admin/github")
                            view=|| view! { <Guarded permission=Permission::ManageIntegrations><GithubPage /></Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/backlog") view=BacklogPage ssr=SsrMode::Async />
                        <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async />
                        <Route path=path!("/actions") view=ActionItemsPage ssr=SsrMode::Async />
                        <Route path=path!("/deployments") view=DeploymentsPage ssr=SsrMode::Async />
                        <Route path=path!("/changes") view=ChangesPage ssr=SsrMode::Async />
                        <Route path=path!("/changes/:id") view=ChangePage ssr=SsrMode::Async />
                        <Route path=path!("/policy") view=PolicyPage ssr=SsrMode::Async />
                        <Route path=path!("/policy/:id") view=PolicyVersionPage ssr=SsrMode::Async />
                        <Route path=path!("/guardrails") view=GuardrailsPage ssr=SsrMode::Async />
                        <Route path=path!("/guardrails/new") view=NewGuardrailPage ssr=SsrMode::Async />
                        <Route path=path!("/incidents") view=IncidentsPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/incidents/new")
                            view=DeclareIncidentPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/incidents/:id") view=IncidentPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/incidents/:id/edit")
                            view=EditIncidentPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/postmortems") view=PostmortemsPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/postmortems/new")
                            view=NewPostmortemPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/postmortems/:id") view=PostmortemPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/postmortems/:id/print")
                            view=PrintPostmortemPage
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/problems") view=ProblemsPage ssr=SsrMode::Async />
                        <Route path=path!("/problems/new") view=NewProblemPage ssr=SsrMode::Async />
                        <Route path=path!("/problems/:id") view=ProblemPage ssr=SsrMode::Async />
                        <Route
                            path=path!("/admin/templates")
                            view=|| view! { <Guarded permission=Permission::ViewRecords><TemplatesPage /></Guarded> }
                            ssr=SsrMode::Async
                        />
                        <Route path=path!("/services") view=ServicesPage ssr=SsrMode::Async />
                        <Route path=path!("/services/new") view=NewServicePage ssr=SsrMode::Async />
                        <Route path=path!("/services/:slug") view=ServicePage ssr=SsrMode::Async />
                        <Route
                            path=path!("/services/:slug/edit")
                            view=EditServicePage
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
                <footer class="footer">
                    <p>"Blameless postmortems and problem management."</p>
                </footer>
                <FormEnhancer />
                <HydrationMarker />
            </div>
        </Router>
    }
}

/// The notice a form left for the page it led to ("Connection saved."), shown once.
#[component]
fn Notice() -> impl IntoView {
    let notice = blocking_resource(|| (), |_| take_notice());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                notice.await.ok().flatten().map(|message| view! {
                    <p class="alert notice" role="status" data-testid="notice">{message}</p>
                })
            })}
        </Transition>
    }
}

/// Marks the page `data-hydrated="true"` once the browser has made its islands interactive. It is
/// the page's last island, and islands are hydrated in the order they appear.
#[island]
fn HydrationMarker() -> impl IntoView {
    // Effects run only in the browser, after the islands before this one were hydrated.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(app) = leptos::prelude::document()
            .query_selector("div.app")
            .ok()
            .flatten()
        {
            let _ = app.set_attribute("data-hydrated", "true");
        }
    });
}
