//! Tests of the fake GitHub through real HTTP clients (reqwest and octocrab).

mod api;
mod faults;
mod issues;
mod shapes;
mod webhooks;

use github_fake::FakeGitHub;
use reqwest::{Method, Response};
use serde_json::Value;

/// The repository every test starts with.
pub const REPO: &str = "acme/checkout";

/// A started fake with `acme/checkout` (writable) and a client sending `test-token`.
pub struct Api {
    pub fake: FakeGitHub,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn start() -> Api {
        let fake = FakeGitHub::start().await;
        fake.add_repository(REPO, true);
        Api {
            fake,
            http: reqwest::Client::new(),
        }
    }

    /// A request to `path` with the default token.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{path}", self.fake.url());
        self.http
            .request(method, url)
            .bearer_auth("test-token")
            .header("user-agent", "github-fake-tests")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub async fn send(&self, method: Method, path: &str, body: Value) -> Response {
        self.request(method, path).json(&body).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(Method::POST, path, body).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.send(Method::PATCH, path, body).await
    }

    /// Creates an issue in `acme/checkout` and returns its JSON.
    pub async fn create_issue(&self, title: &str) -> Value {
        let res = self
            .post(
                "/repos/acme/checkout/issues",
                serde_json::json!({ "title": title }),
            )
            .await;
        assert_eq!(res.status(), 201);
        res.json().await.unwrap()
    }
}

/// The status and JSON body of a response.
pub async fn status_json(res: Response) -> (u16, Value) {
    (res.status().as_u16(), res.json().await.unwrap())
}
