//! Spawns the application against a fresh SQLite file or PostgreSQL database and talks to it over HTTP.

use std::sync::OnceLock;

use app::api::ApiError;
use backend::audit::Actor;
use backend::auth::users::{self, NewUser};
use backend::{AppState, Settings};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::Application;
use server_fn::ServerFn;
use shared::domain::Role;

/// The stored choice a key names, for rows a test writes directly (panics on a key no enum has).
pub fn key<T: sea_orm::ActiveEnum<Value = String>>(stored: &str) -> T {
    T::try_from_value(&stored.to_owned()).expect("a stored key of the enum")
}

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
                    $crate::helpers::within_limit(super::$name($crate::helpers::Engine::Sqlite)).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::helpers::within_limit(super::$name($crate::helpers::Engine::Postgres)).await
                }
            )*
        }
    };
}

/// Defines each listed `async fn name()` as a test of its own, `postgres_only::name` (for what
/// only PostgreSQL does, such as several instances on one database).
#[macro_export]
macro_rules! on_postgres {
    ($($name:ident),* $(,)?) => {
        mod postgres_only {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::helpers::within_limit(super::$name()).await
                }
            )*
        }
    };
}

/// How long one test may take before it counts as hung.
const TEST_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);
/// How long dropping a test's databases may take.
const CLEANUP_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

tokio::task_local! {
    /// The PostgreSQL databases the running test created, dropped when it has passed.
    static DATABASES: std::cell::RefCell<Vec<String>>;
}

/// Runs a test body, failing it (rather than the whole run) if it hangs past [`TEST_LIMIT`],
/// then drops the PostgreSQL databases it created, within [`CLEANUP_LIMIT`] and reporting any
/// failure. (A failed test leaves its databases for a look; `make test`'s throwaway server goes
/// with them.)
pub async fn within_limit(test: impl std::future::Future<Output = ()>) {
    DATABASES
        .scope(std::cell::RefCell::new(Vec::new()), async {
            if tokio::time::timeout(TEST_LIMIT, test).await.is_err() {
                panic!("the test did not finish within {TEST_LIMIT:?}: something hangs");
            }
            let names = DATABASES.with(|names| names.take());
            if names.is_empty() {
                return;
            }
            match tokio::time::timeout(CLEANUP_LIMIT, drop_databases(&names)).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => panic!("could not drop the test databases {names:?}: {error}"),
                Err(_) => {
                    panic!("dropping the test databases {names:?} took over {CLEANUP_LIMIT:?}")
                }
            }
        })
        .await
}

async fn drop_databases(names: &[String]) -> Result<(), sea_orm::DbErr> {
    let admin = Database::connect(&postgres_admin_url()).await?;
    for name in names {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await?;
    }
    admin.close().await
}

/// A running application and an HTTP client for it, signed in as a member.
pub struct TestApp {
    pub address: String,
    /// Signed in as `member@test.example` (role member).
    pub client: reqwest::Client,
    pub database_url: String,
    pub db: DatabaseConnection,
    pub state: AppState,
    cleanup: Cleanup,
}

/// The password every test account gets.
pub const PASSWORD: &str = "test password 123";

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    /// Dropped by [`within_limit`] once the test has passed.
    Postgres,
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

/// Starts the application on a fresh database without demo data, with a member signed in.
pub async fn spawn_app(engine: Engine) -> TestApp {
    let app = spawn_empty_app(engine, &[]).await;
    app.sign_in_new(&app.client, Role::Member, "member@test.example")
        .await;
    app
}

/// Starts the application on a fresh database with demo data; nobody signed in.
pub async fn spawn_demo_app(engine: Engine) -> TestApp {
    spawn_empty_app(engine, &[("SEED_DEMO", "true")]).await
}

/// Starts the application on a fresh, empty database with extra settings; nobody signed in.
pub async fn spawn_empty_app(engine: Engine, settings: &[(&str, &str)]) -> TestApp {
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
            let url = with_database(&admin_url, &name);
            DATABASES
                .try_with(|names| names.borrow_mut().push(name))
                .expect("PostgreSQL tests run inside within_limit, which drops their databases");
            (url, Cleanup::Postgres)
        }
    };
    let Instance { address, db, state } = start(&database_url, settings).await;
    TestApp {
        address,
        client: client(),
        database_url,
        db,
        state,
        cleanup,
    }
}

/// A running application instance.
pub struct Instance {
    pub address: String,
    pub db: DatabaseConnection,
    /// Its state, to read what it has heard (e.g. `state.live.write_count()`).
    pub state: AppState,
}

/// Starts another application instance on an existing database.
pub async fn start(database_url: &str, extra: &[(&str, &str)]) -> Instance {
    let settings = Settings::from_lookup(|name| {
        if let Some((_, value)) = extra.iter().find(|(k, _)| *k == name) {
            return Some((*value).to_owned());
        }
        match name {
            "DATABASE_URL" => Some(database_url.to_owned()),
            "BIND_ADDR" => Some("127.0.0.1:0".into()),
            "SEED_DEMO" => Some("false".into()),
            "MAX_BODY_BYTES" => Some("65536".into()),
            _ => None,
        }
    })
    .expect("test settings are valid");
    let app = Application::build(settings).await.expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let db = state.db.clone();
    tokio::spawn(app.run_until_stopped());
    Instance { address, db, state }
}

/// A client that keeps cookies (a browser session) and does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("an HTTP client")
}

impl TestApp {
    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Creates an account with `role` directly in the database.
    pub async fn create_user(&self, role: Role, email: &str) {
        let input = NewUser {
            display_name: format!("{} {email}", role.label()),
            email: email.into(),
            role: role.as_str().into(),
            password: PASSWORD.into(),
            password_confirmation: PASSWORD.into(),
        };
        users::create(&self.db, &Actor::system("test"), input)
            .await
            .expect("the test user is created");
    }

    /// Signs `client` in with email and password; returns the response.
    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/api/auth/sign-in"))
            .header("Accept", "application/json")
            .form(&[
                ("email", email),
                ("password", password),
                ("next", "/services"),
            ])
            .send()
            .await
            .expect("request sent")
    }

    /// Creates an account with `role` and signs `client` in as it.
    pub async fn sign_in_new(&self, client: &reqwest::Client, role: Role, email: &str) {
        self.create_user(role, email).await;
        let response = self.sign_in(client, email, PASSWORD).await;
        assert!(
            response.status().is_success(),
            "sign-in failed: {}",
            response.status()
        );
    }

    /// A new client signed in with a new account of `role`.
    pub async fn client_as(&self, role: Role) -> reqwest::Client {
        let client = client();
        let email = format!(
            "{}-{}@test.example",
            role.as_str().replace('_', "-"),
            uuid::Uuid::new_v4().simple()
        );
        self.sign_in_new(&client, role, &email).await;
        client
    }

    /// Calls a server function with `client`.
    pub async fn call_with(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    /// Calls a server function that reads with GET (its arguments in the query) with `client`.
    pub async fn call_get_with(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        query: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .get(self.url(&format!("/api/{endpoint}")))
            .query(query)
            .header("Accept", "application/json")
            .send()
            .await
            .expect("request sent")
    }

    /// The status of reading the catalog with `client`: 200 while its session or token is good.
    pub async fn catalog_status(&self, client: &reqwest::Client) -> reqwest::StatusCode {
        self.call_with(client, "services/list", &[("include_archived", "false")])
            .await
            .status()
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

    /// The HTML of the page at `path`, as a browser navigating to it gets it.
    pub async fn html(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("a page")
    }

    /// Calls a server function the way the browser's JavaScript does (form-encoded arguments, JSON answer).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.call_with(&self.client, endpoint, form).await
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

    /// A personal API token (for pipelines and webhooks) of the account `email`.
    pub async fn token_for(&self, email: &str) -> String {
        self.token_with(email, backend::auth::tokens::Grant::FULL)
            .await
    }

    /// An API token of the account `email` with `grant` (e.g. a pipeline token).
    pub async fn token_with(&self, email: &str, grant: backend::auth::tokens::Grant) -> String {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let owner = backend::entities::user::Entity::find()
            .filter(backend::entities::user::Column::Email.eq(email))
            .one(&self.db)
            .await
            .unwrap()
            .expect("the account exists");
        backend::auth::tokens::issue(
            &self.db,
            &Actor::system("test"),
            owner.id,
            "CI pipeline",
            grant,
        )
        .await
        .unwrap()
        .1
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
        if let Cleanup::SqliteFile(path) = &self.cleanup {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// The nonce a page's Content-Security-Policy admits scripts by.
pub fn csp_nonce(csp: &str) -> String {
    csp.split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the page policy names a nonce")
        .to_owned()
}

/// Asserts that the page has scripts and that every one carries `nonce`.
pub fn assert_scripts_carry_nonce(html: &str, nonce: &str) {
    let script_tags: Vec<&str> = html
        .split("<script")
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap_or_default())
        .collect();
    assert!(!script_tags.is_empty(), "the page has hydration scripts");
    for tag in script_tags {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "script without the nonce: <script{tag}>"
        );
    }
}

/// Calls a server function with `client`: the status, and the answer as JSON (as a JSON string
/// when it is not JSON).
pub async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = app.call_with(client, endpoint, form).await;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, body)
}

/// [`call`] that must succeed (2xx, or a redirect); its answer.
pub async fn ok(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> serde_json::Value {
    let (status, body) = call(app, client, endpoint, form).await;
    assert!((200..400).contains(&status), "{endpoint}: {status} {body}");
    body
}

/// Calls the server function `F` with `args` as the browser's code does (the arguments
/// form-encoded as server_fn's `PostUrl` encodes them) and reads the answer as `F`'s own output
/// type, or as its [`ApiError`] with the status. Tests of the wire format itself use [`call`].
pub async fn invoke<F>(
    app: &TestApp,
    client: &reqwest::Client,
    args: &F,
) -> Result<F::Output, (u16, ApiError)>
where
    F: ServerFn<Error = ApiError> + serde::Serialize,
    F::Output: serde::de::DeserializeOwned,
{
    let body = serde_qs::to_string(args).expect("the arguments encode");
    let request = client
        .post(app.url(F::PATH))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    answer(F::PATH, request).await
}

/// [`invoke`] for a server function that reads with GET (its arguments in the query).
pub async fn invoke_get<F>(
    app: &TestApp,
    client: &reqwest::Client,
    args: &F,
) -> Result<F::Output, (u16, ApiError)>
where
    F: ServerFn<Error = ApiError> + serde::Serialize,
    F::Output: serde::de::DeserializeOwned,
{
    let query = serde_qs::to_string(args).expect("the arguments encode");
    let request = client.get(format!("{}?{query}", app.url(F::PATH)));
    answer(F::PATH, request).await
}

/// [`invoke`] that must succeed: the function's answer.
pub async fn done<F>(app: &TestApp, client: &reqwest::Client, args: &F) -> F::Output
where
    F: ServerFn<Error = ApiError> + serde::Serialize,
    F::Output: serde::de::DeserializeOwned,
{
    invoke(app, client, args)
        .await
        .unwrap_or_else(|(status, error)| panic!("{}: {status} {error:?}", F::PATH))
}

/// Sends a server function's request and reads its answer as `T`, or as its error.
async fn answer<T: serde::de::DeserializeOwned>(
    path: &str,
    request: reqwest::RequestBuilder,
) -> Result<T, (u16, ApiError)> {
    let response = request
        .header("Accept", "application/json")
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("an answer");
    if (200..300).contains(&status) {
        Ok(serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("{path}: the answer is not the function's type ({e}): {text}")
        }))
    } else {
        Err((
            status,
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: {status} is not an ApiError ({e}): {text}")),
        ))
    }
}
