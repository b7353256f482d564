//! The HTML shell, the app frame (header, navigation) and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::pages::{EditServicePage, NewServicePage, NotFound, ServicePage, ServicesPage};

/// The document around the app, rendered on the server for every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::csp::set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
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
    // Effects only run in the browser, so this marks the moment the page became interactive.
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));

    view! {
        <Stylesheet id="leptos" href="/pkg/postmortem.css" />
        <Router>
            <div class="app" data-hydrated=move || hydrated.get().to_string()>
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
                                <A href="/services">"Services"</A>
                            </li>
                        </ul>
                    </nav>
                </header>
                <main id="main" tabindex="-1">
                    // Pages are sent once their data is loaded (`SsrMode::Async`): the status code
                    // can then say 404 for a missing record, and the page is complete without
                    // JavaScript, which out-of-order streaming needs to put late fragments in place.
                    <Routes fallback=|| view! { <NotFound /> }>
                        <Route
                            path=path!("/")
                            view=|| view! { <Redirect path="/services" /> }
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
            </div>
        </Router>
    }
}
