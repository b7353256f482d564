//! Schema-aware fuzzing of every server function. Each function's arguments are traced from
//! their own types (`shape`), so every field gets a value of its type (the request then reaches
//! the function's body, on demo data where id 1 exists) and then, one field at a time, every
//! kind of wrong value: missing, of the wrong type, out of its integer width, an unknown choice,
//! empty, oversized, with control characters or markup, repeated, as a list or a record. No answer
//! may be a 5xx, and a value its type cannot hold is refused with a 422 naming its field.

mod shape;

use std::collections::{BTreeSet, HashSet};

use backend::audit::Actor;
use sea_orm::ConnectionTrait;
use server_fn::ServerFn;
use shape::{Shape, shape_of};
use shared::access::ENDPOINTS;
use shared::domain::Role;

use crate::helpers::{Engine, TestApp, spawn_demo_app};
use crate::on_both_engines;

on_both_engines!(every_server_function_survives_its_arguments_fuzzed);

/// How forms send their arguments.
const FORM: &str = "application/x-www-form-urlencoded";

/// One server function: its path, whether it reads with GET, and the values its form sends.
struct Endpoint {
    path: &'static str,
    get: bool,
    leaves: Vec<Leaf>,
}

/// One value of a form: its key as sent (`service[name]`), the field names on the way to it,
/// and its shape.
#[derive(Clone, Debug)]
struct Leaf {
    key: String,
    names: Vec<&'static str>,
    shape: Shape,
    optional: bool,
}

macro_rules! endpoints {
    ($($args:path),* $(,)?) => {
        fn endpoints() -> Vec<Endpoint> {
            let get: HashSet<&str> = server_fn::axum::server_fn_paths()
                .filter(|(_, method)| *method == http::Method::GET)
                .map(|(path, _)| path)
                .collect();
            vec![$({
                let path = <$args as ServerFn>::PATH;
                let mut leaves = Vec::new();
                flatten(&shape_of::<$args>(), String::new(), &[], false, &mut leaves);
                Endpoint { path, get: get.contains(path), leaves }
            }),*]
        }
    };
}

app::with_every_server_fn!(endpoints);

/// The values a form sends for `shape` under `key`.
fn flatten(
    shape: &Shape,
    key: String,
    names: &[&'static str],
    optional: bool,
    out: &mut Vec<Leaf>,
) {
    match shape {
        Shape::Record(fields) => {
            for (name, field) in fields {
                let key = if key.is_empty() {
                    (*name).to_owned()
                } else {
                    format!("{key}[{name}]")
                };
                let names = [names, &[*name]].concat();
                flatten(field, key, &names, optional, out);
            }
        }
        Shape::Optional(inner) => flatten(inner, key, names, true, out),
        Shape::List(inner) => flatten(inner, format!("{key}[0]"), names, optional, out),
        Shape::Unknown | Shape::Map | Shape::Unit => {}
        scalar => out.push(Leaf {
            key,
            names: names.to_vec(),
            shape: scalar.clone(),
            optional,
        }),
    }
}

/// A value of the leaf's type.
fn valid(shape: &Shape) -> String {
    match shape {
        Shape::Bool => "false".into(),
        Shape::Int { .. } | Shape::Float | Shape::Any => "1".into(),
        Shape::Char => "x".into(),
        Shape::OneOf(names) => names[0].into(),
        _ => "fuzz".into(),
    }
}

/// One change to the valid arguments.
struct Mutation {
    what: String,
    /// The leaf's value, or `None` to leave it out.
    value: Option<String>,
    /// Sent under another key than the leaf's (as a list, a record, twice).
    key: Option<String>,
    /// The type cannot hold the value: a 422 naming the field is the only right answer.
    refused: bool,
}

impl Mutation {
    fn value(what: &str, value: impl Into<String>, refused: bool) -> Self {
        Mutation {
            what: what.into(),
            value: Some(value.into()),
            key: None,
            refused,
        }
    }
}

/// Every wrong value for one leaf, by its type; `get` keeps values short enough for an address.
fn mutations(leaf: &Leaf, get: bool) -> Vec<Mutation> {
    // A value that an optional field cannot hold may be read as "none".
    let strict = !leaf.optional;
    let long = if get { 2_000 } else { 20_000 };
    let mut all = vec![
        Mutation {
            what: "left out".into(),
            value: None,
            key: None,
            refused: false,
        },
        Mutation::value("empty", "", false),
        Mutation::value("a NUL", "a\u{0}b", false),
        Mutation::value("markup", "</textarea><script>alert(1)</script>", false),
        Mutation::value("long", "é".repeat(long / 2), false),
        Mutation {
            what: "sent twice".into(),
            value: Some(valid(&leaf.shape)),
            key: Some(format!("{}={}&{}", leaf.key, valid(&leaf.shape), leaf.key)),
            refused: false,
        },
        Mutation {
            what: "as a list".into(),
            value: Some(valid(&leaf.shape)),
            key: Some(format!("{}[]", leaf.key)),
            refused: false,
        },
        Mutation {
            what: "as a record".into(),
            value: Some(valid(&leaf.shape)),
            key: Some(format!("{}[x]", leaf.key)),
            refused: false,
        },
        Mutation {
            what: "at an index beyond any list".into(),
            value: Some(valid(&leaf.shape)),
            key: Some(format!("{}[99999999999999999999]", leaf.key)),
            refused: false,
        },
    ];
    match &leaf.shape {
        Shape::Int { min, max } => {
            all.extend([
                Mutation::value("not a number", "x", strict),
                Mutation::value("a fraction", "1.5", strict),
                Mutation::value("beyond its width", (max + 1).to_string(), strict),
                Mutation::value("below its width", (min - 1).to_string(), strict),
                Mutation::value("its largest", max.to_string(), false),
                Mutation::value("its smallest", min.to_string(), false),
                Mutation::value("zero", "0", false),
                Mutation::value("minus one", "-1", false),
            ]);
        }
        Shape::Float => all.extend([
            Mutation::value("not a number", "x", strict),
            Mutation::value("NaN", "NaN", false),
            Mutation::value("infinite", "1e400", false),
        ]),
        Shape::Bool => all.extend([
            Mutation::value("neither yes nor no", "maybe", strict),
            Mutation::value("a checkbox's on", "on", false),
        ]),
        Shape::OneOf(names) => all.extend([
            Mutation::value("an unknown choice", "NoSuchChoice", strict),
            Mutation::value("a choice in capitals", names[0].to_uppercase(), false),
        ]),
        Shape::Char => all.push(Mutation::value("two characters", "xy", strict)),
        Shape::Text | Shape::Any => all.extend([
            Mutation::value("blank", "   ", false),
            Mutation::value("a huge number", "99999999999999999999999", false),
            Mutation::value("a list of ids", "1, 2, 99999999999999999999, x", false),
            Mutation::value("SQL", "' OR 1=1 --", false),
            Mutation::value("a percent sign", "%", false),
            Mutation::value("a javascript: link", "javascript:alert(1)", false),
        ]),
        _ => {}
    }
    all
}

/// The fuzzer's session: an administrator's API token, so a call that signs out or changes a
/// password does not end it, and every permission lets each call reach its arguments.
struct Fuzzer {
    app: TestApp,
    client: reqwest::Client,
    user_id: i64,
    token: String,
    failures: Vec<String>,
    sent: usize,
    /// Values the type cannot hold, each checked to be refused on its field.
    refusals: usize,
}

impl Fuzzer {
    async fn new(engine: Engine) -> Self {
        let app = spawn_demo_app(engine).await;
        app.create_user(Role::Admin, "fuzzer@test.example").await;
        let user_id = backend::auth::users::list(&app.db)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.email == "fuzzer@test.example")
            .expect("the fuzzer's account")
            .id;
        let mut fuzzer = Fuzzer {
            app,
            client: reqwest::Client::new(),
            user_id,
            token: String::new(),
            failures: Vec::new(),
            sent: 0,
            refusals: 0,
        };
        fuzzer.renew().await;
        fuzzer
    }

    /// Undoes what a call may have done to the fuzzer's own account and gives it a new token.
    async fn renew(&mut self) {
        self.app
            .db
            .execute_unprepared(&format!(
                "UPDATE users SET role = 'admin', disabled_at = NULL WHERE id = {}",
                self.user_id
            ))
            .await
            .unwrap();
        let (_, token) = backend::auth::tokens::issue(
            &self.app.db,
            &Actor::system("fuzz"),
            self.user_id,
            "fuzz",
            backend::auth::tokens::Grant::FULL,
        )
        .await
        .unwrap();
        self.token = token;
    }

    /// Sends `body` to `endpoint` (in the query for a GET, else as `content_type`); the status
    /// and answer.
    async fn send(
        &mut self,
        endpoint: &Endpoint,
        content_type: &str,
        body: &str,
    ) -> (reqwest::StatusCode, String) {
        for _ in 0..2 {
            let url = self.app.url(endpoint.path);
            let request = if endpoint.get {
                self.client.get(format!("{url}?{body}"))
            } else {
                self.client
                    .post(url)
                    .header("content-type", content_type)
                    .body(body.to_owned())
            };
            let response = request
                .bearer_auth(&self.token)
                .header("Accept", "application/json")
                .send()
                .await
                .unwrap_or_else(|e| panic!("{} did not answer: {e}", endpoint.path));
            self.sent += 1;
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            if status == reqwest::StatusCode::UNAUTHORIZED && !endpoint.path.contains("/auth/") {
                // An earlier call revoked the token or disabled the account: try once more.
                self.renew().await;
                continue;
            }
            return (status, text);
        }
        (reqwest::StatusCode::UNAUTHORIZED, String::new())
    }

    fn fail(&mut self, what: String) {
        self.failures.push(what);
    }

    async fn fuzz(&mut self, endpoint: &Endpoint) {
        let valid_pairs: Vec<(String, String)> = endpoint
            .leaves
            .iter()
            .map(|leaf| (leaf.key.clone(), valid(&leaf.shape)))
            .collect();
        let baseline = encode(&valid_pairs);
        let (status, body) = self.send(endpoint, FORM, &baseline).await;
        if status.is_server_error() {
            self.fail(format!(
                "{} with valid arguments ({baseline}) answered {status}: {}",
                endpoint.path,
                short(&body)
            ));
        }
        if let Some(field) = misread_field(status, &body) {
            self.fail(format!(
                "{} with valid arguments ({baseline}) could not read them: {field}",
                endpoint.path
            ));
        }
        for (i, leaf) in endpoint.leaves.iter().enumerate() {
            for mutation in mutations(leaf, endpoint.get) {
                let mut pairs = valid_pairs.clone();
                match (&mutation.value, &mutation.key) {
                    (None, _) => {
                        pairs.remove(i);
                    }
                    (Some(value), None) => pairs[i].1 = value.clone(),
                    (Some(value), Some(key)) => pairs[i] = (key.clone(), value.clone()),
                }
                let sent = encode_raw_keys(&pairs);
                let (status, body) = self.send(endpoint, FORM, &sent).await;
                let what = format!("{} with {} {}", endpoint.path, leaf.key, mutation.what);
                if status.is_server_error() {
                    self.fail(format!("{what} answered {status}: {}", short(&body)));
                } else if mutation.refused {
                    self.judge_refusal(&what, leaf, status, &body);
                }
            }
        }
        for (what, content_type, body) in [
            ("no body", FORM, String::new()),
            (
                "a JSON body",
                "application/json",
                serde_json::json!(valid_pairs).to_string(),
            ),
            ("broken escapes", FORM, format!("{baseline}&%ZZ=%&&=&[=]")),
        ] {
            if endpoint.get {
                continue;
            }
            let (status, text) = self.send(endpoint, content_type, &body).await;
            if status.is_server_error() {
                self.fail(format!(
                    "{} with {what} answered {status}: {}",
                    endpoint.path,
                    short(&text)
                ));
            }
        }
    }

    /// A value the field's type cannot hold: refused with 422, naming the field.
    fn judge_refusal(&mut self, what: &str, leaf: &Leaf, status: reqwest::StatusCode, body: &str) {
        self.refusals += 1;
        if status != 422 {
            self.fail(format!(
                "{what} answered {status} instead of 422: {}",
                short(body)
            ));
            return;
        }
        let named = named_fields(body);
        if !named
            .iter()
            .any(|field| leaf.names.contains(&field.as_str()))
        {
            self.fail(format!(
                "{what} was refused on {named:?} instead of on {:?}: {}",
                leaf.names.last(),
                short(body)
            ));
        }
    }
}

/// The fields a validation answer names.
fn named_fields(body: &str) -> BTreeSet<String> {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    value["Validation"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|error| error["field"].as_str().map(str::to_owned))
        .collect()
}

/// The field of a "this request could not be read" answer, if it is one.
fn misread_field(status: reqwest::StatusCode, body: &str) -> Option<String> {
    (status == 422 && body.contains("This request could not be read")).then(|| short(body))
}

fn encode(pairs: &[(String, String)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        out.append_pair(key, value);
    }
    out.finish()
}

/// Like [`encode`], but a key that carries a repeat (`a=1&a`) is sent as written.
fn encode_raw_keys(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| {
            let value: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
            if key.contains('&') {
                format!("{key}={value}")
            } else {
                let key: String = url::form_urlencoded::byte_serialize(key.as_bytes()).collect();
                format!("{key}={value}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

/// Calls that change who the fuzzer is come last, so the rest run with a full session.
fn order(path: &str) -> u8 {
    u8::from(
        path.starts_with("/api/auth/")
            || path.starts_with("/api/users/")
            || path.contains("/account/"),
    )
}

async fn every_server_function_survives_its_arguments_fuzzed(engine: Engine) {
    let mut fuzzer = Fuzzer::new(engine).await;
    let mut endpoints = endpoints();
    endpoints.sort_by_key(|e| (order(e.path), e.path));
    let leaves: usize = endpoints.iter().map(|e| e.leaves.len()).sum();
    for endpoint in &endpoints {
        fuzzer.fuzz(endpoint).await;
        fuzzer.renew().await;
    }
    eprintln!(
        "fuzzed {} endpoints ({leaves} fields) with {} requests; {} wrong-typed values refused",
        endpoints.len(),
        fuzzer.sent,
        fuzzer.refusals
    );
    assert!(
        fuzzer.failures.is_empty(),
        "{} of {} requests to {} endpoints ({leaves} fields) went wrong:\n{}",
        fuzzer.failures.len(),
        fuzzer.sent,
        endpoints.len(),
        fuzzer
            .failures
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        fuzzer.sent > 2_000,
        "only {} requests were sent",
        fuzzer.sent
    );
}

#[test]
fn every_endpoint_of_the_access_table_is_fuzzed() {
    let fuzzed: BTreeSet<&str> = endpoints().iter().map(|e| e.path).collect();
    let table: BTreeSet<&str> = ENDPOINTS.iter().map(|(path, _)| *path).collect();
    assert_eq!(
        fuzzed, table,
        "the server function list and the access table differ"
    );
}
