//! Spawns the application against a fresh SQLite file or PostgreSQL database and talks to it over HTTP.

use std::sync::OnceLock;

use app::server::Settings;
use sea_orm::{ConnectionTrait, Database};
use server::Application;

/// The database engine a test runs on.
#[derive(Clone, Copy, Debug)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Defines each listed `async fn name(engine: Engine)` as two tests: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Engine::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Engine::Postgres).await
                }
            )*
        }
    };
}

/// A running application and an HTTP client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database_url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

fn tracing_once() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            server::telemetry::init(false);
        }
    });
}

/// The PostgreSQL server tests use, from `TEST_DATABASE_URL` (`make test` starts a throwaway one).
fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect(
        "TEST_DATABASE_URL must name a PostgreSQL server for the PostgreSQL half of the suite; \
         `make test` starts a throwaway one and sets it",
    )
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let mut url = url::Url::parse(url).expect("TEST_DATABASE_URL is not a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Starts the application on a fresh, empty database without demo data.
pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, false).await
}

/// Starts the application on a fresh database, with or without demo data.
pub async fn spawn_app_with(engine: Engine, seed_demo: bool) -> TestApp {
    tracing_once();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (database_url, cleanup) = match engine {
        Engine::Sqlite => {
            let path = std::env::temp_dir().join(format!("postmortem-test-{id}.db"));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                Cleanup::SqliteFile(path),
            )
        }
        Engine::Postgres => {
            let admin_url = postgres_admin_url();
            let name = format!("postmortem_test_{id}");
            let admin = Database::connect(&admin_url)
                .await
                .expect("cannot connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("cannot create a test database");
            admin.close().await.ok();
            (
                with_database(&admin_url, &name),
                Cleanup::PostgresDatabase { admin_url, name },
            )
        }
    };
    let app = start(&database_url, seed_demo).await;
    TestApp {
        address: app,
        client: client(),
        database_url,
        cleanup,
    }
}

/// Starts another application instance on an existing database; returns its address.
pub async fn start(database_url: &str, seed_demo: bool) -> String {
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(database_url.to_owned()),
        "BIND_ADDR" => Some("127.0.0.1:0".into()),
        "SEED_DEMO" => Some(seed_demo.to_string()),
        "MAX_BODY_BYTES" => Some("65536".into()),
        _ => None,
    })
    .expect("test settings are valid");
    let app = Application::build(settings).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

impl TestApp {
    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// GETs a path the way a browser navigating to it does.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await
            .expect("request sent")
    }

    /// Calls a server function the way the browser's JavaScript does (form-encoded arguments, JSON answer).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    /// Submits a form the way a browser without JavaScript does, from the page at `referer`.
    pub async fn post_form(
        &self,
        endpoint: &str,
        referer: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("Accept", "text/html,application/xhtml+xml")
            .header("Referer", self.url(referer))
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    /// Creates a service from `name`, `slug` and extra fields; panics unless it was created.
    pub async fn create_service(
        &self,
        name: &str,
        slug: &str,
        extra: &[(&str, &str)],
    ) -> serde_json::Value {
        let mut form = vec![("service[name]", name), ("service[slug]", slug)];
        form.extend_from_slice(extra);
        let response = self.call("services/create", &form).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(
            status.is_success() || status.is_redirection(),
            "create failed: {status} {body}"
        );
        serde_json::from_str(&body).expect("a service as JSON")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime, so the clean-up gets a small runtime of its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                            admin.close().await.ok();
                        }
                    });
                    Ok::<(), std::io::Error>(())
                })
                .join();
            }
        }
    }
}
