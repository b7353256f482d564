//! The axum server: builds the application (router, state, middleware) from settings and serves it.

mod auth;
mod clean_input;
mod csrf;
mod gate;
mod health;
mod http_error;
mod live;
mod metrics;
mod middleware;
mod page_cache;
pub mod sessions;
pub mod telemetry;
mod webhooks;

use std::sync::{Arc, OnceLock};

use app::{App, shell};
use axum::Router;
use axum::extract::FromRef;
use axum::serve::ListenerExt;
use backend::{AppState, Settings, db, seed};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;

/// How long a remembered meeting page may be sent again, at most.
pub use page_cache::FRESH_FOR as PAGE_FRESH_FOR;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the database: {0}")]
    Database(#[from] db::ConnectError),
    #[error("cannot add the demo data: {0}")]
    Seed(#[from] backend::AppError),
    #[error("cannot build the dashboard's roll-up: {0}")]
    Rollup(backend::AppError),
    #[error("cannot open the session store: {0}")]
    Sessions(#[from] tower_sessions_sqlx_store::sqlx::Error),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// A built application, bound to its port and ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    session_store: sessions::Store,
    seeded_demo: bool,
}

impl Application {
    /// Opens and migrates the database, seeds demo data if asked, builds the router and binds.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        let db = db::connect_and_migrate(&settings.database_url).await?;
        backend::problems::reprioritise(&db, &settings.priority_matrix).await?;
        let seeded_demo = settings.seed_demo && seed::seed_demo_data(&db).await?;
        // Counted now rather than by the first dashboard request (a long job after an upgrade or
        // a change of REPORT_UTC_OFFSET on a large database).
        backend::metrics::rollup::settle(&db, settings.report_offset)
            .await
            .map_err(StartError::Rollup)?;
        if settings.metrics_token.is_none() {
            tracing::warn!(
                "/metrics is open to anyone who can reach this server: set METRICS_TOKEN to require a bearer token"
            );
        }
        let session_store = sessions::Store::connect(&settings.database_url).await?;
        let github = Arc::new(backend::github::SyncRuntime::from_settings(&settings));
        let state = AppState {
            db,
            github,
            settings: Arc::new(settings),
            sign_in_limiter: Arc::default(),
            intake_lock: Arc::default(),
            live: Arc::default(),
        };
        let site = Site {
            leptos: leptos_options(&state.settings),
            app: state.clone(),
        };
        let router = router(site, session_store.clone());
        let addr = state.settings.bind_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Listen { addr, source })?;
        Ok(Self {
            listener,
            router,
            state,
            session_store,
            seeded_demo,
        })
    }

    /// True when this start filled an empty database with the demo data.
    pub fn seeded_demo(&self) -> bool {
        self.seeded_demo
    }

    /// True when the database holds the demo accounts.
    pub async fn has_demo_accounts(&self) -> bool {
        seed::demo_accounts_present(&self.state.db)
            .await
            .unwrap_or(false)
    }

    /// The port actually bound (useful with port 0 in tests).
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// The shared state, e.g. to reach the database from tests.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(addr = %self.listener.local_addr()?, "listening");
        // Without TCP_NODELAY each streamed page waits ~40 ms on Nagle's algorithm.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "could not set TCP_NODELAY");
            }
        });
        let live_listener = backend::live::spawn_listener(&self.state.db, self.state.live.clone());
        let github_tasks = self.state.github.enabled.then(|| {
            [
                tokio::spawn(backend::github::worker::run(self.state.clone())),
                tokio::spawn(backend::github::reconcile::run(self.state.clone())),
            ]
        });
        let housekeeping = tokio::spawn(housekeeping(
            self.state.sign_in_limiter.clone(),
            self.session_store.clone(),
        ));
        let service = self
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        housekeeping.abort();
        for task in github_tasks.into_iter().flatten() {
            task.abort();
        }
        if let Some(listener) = live_listener {
            listener.abort();
        }
        self.state.db.clone().close().await.ok();
        tracing::info!("stopped");
        Ok(())
    }
}

/// Every minute: forget recovered rate-limit keys and delete expired sessions.
async fn housekeeping(
    limiter: Arc<backend::auth::limiter::SignInLimiter>,
    sessions: sessions::Store,
) {
    let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        limiter.shrink();
        if let Err(error) = sessions.delete_expired().await {
            tracing::warn!(%error, "could not delete expired sessions");
        }
    }
}

/// The Leptos options: those cargo-leptos compiled in, else the defaults of this workspace.
fn leptos_options(settings: &Settings) -> LeptosOptions {
    let mut options = get_configuration(None)
        .map(|conf| conf.leptos_options)
        .unwrap_or_else(|_| LeptosOptions::builder().output_name("postmortem").build());
    if options.output_name.is_empty() {
        // Built by plain `cargo` (tests) rather than cargo-leptos: use the workspace's name.
        options.output_name = "postmortem".into();
    }
    options.site_addr = settings.bind_addr;
    options
}

/// What the router's handlers read: the back end's state, and the options pages render with.
#[derive(Clone)]
pub struct Site {
    pub app: AppState,
    pub leptos: LeptosOptions,
}

impl FromRef<Site> for AppState {
    fn from_ref(site: &Site) -> Self {
        site.app.clone()
    }
}

impl FromRef<Site> for LeptosOptions {
    fn from_ref(site: &Site) -> Self {
        site.leptos.clone()
    }
}

/// Every route of the product: pages, server functions, health checks and static files.
pub fn router(site: Site, session_store: sessions::Store) -> Router {
    let routes = route_list();
    let context_state = site.app.clone();
    let page_state = site.app.clone();
    let router = Router::new()
        .merge(health::routes())
        .merge(webhooks::routes())
        .merge(gate::routes())
        .merge(live::routes(session_store.clone()))
        .merge(metrics::routes())
        .leptos_routes_with_context(
            &site,
            routes,
            move || provide_context(context_state.clone()),
            {
                let options = site.leptos.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<Site, _>(
            move || provide_context(page_state.clone()),
            shell,
        ));
    middleware::apply(router, &site.app, session_store).with_state(site)
}

/// The page routes, generated once per process.
///
/// Generating them renders the app with a process-wide flag set that parks every resource first
/// polled meanwhile, for good (leptos-rs/leptos#4773). Doing it once, before the first router
/// exists, means no page can be rendering then, even with several applications in one process
/// (the integration tests start one per test).
pub fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received, finishing requests in flight");
}
