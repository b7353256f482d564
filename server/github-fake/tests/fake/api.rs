//! Authentication, app installation tokens, errors, the `/_fake` control routes and the binary.

use reqwest::Method;
use serde_json::json;

use crate::{Api, REPO, status_json};

#[tokio::test]
async fn authentication() {
    let api = Api::start().await;
    let url = format!("{}/user", api.fake.url());
    let (status, err) = status_json(api.http.get(&url).send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(
        err,
        json!({ "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest" })
    );
    assert_eq!(
        api.http
            .get(&url)
            .bearer_auth("nope")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let res = api
        .http
        .get(&url)
        .header("authorization", "token test-token")
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(res).await.1["login"], "postmortem-bot");
    api.fake.add_token("ghp_extra");
    assert_eq!(
        api.http
            .get(&url)
            .bearer_auth("ghp_extra")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let unauthenticated = api
        .http
        .post(format!("{}/repos/acme/checkout/issues", api.fake.url()));
    assert_eq!(
        unauthenticated
            .json(&json!({ "title": "x" }))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert!(api.fake.issues(REPO).is_empty());
    assert_eq!(api.fake.write_calls(), 1, "refused writes count");
}

#[tokio::test]
async fn installation_tokens() {
    let api = Api::start().await;
    let mint = format!("{}/app/installations/77/access_tokens", api.fake.url());
    assert_eq!(
        api.http
            .post(&mint)
            .bearer_auth("test-token")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let res = api
        .http
        .post(&mint)
        .bearer_auth("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.c2ln")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(res).await;
    assert_eq!(status, 201);
    let token = body["token"].as_str().unwrap();
    assert!(token.starts_with("ghs_"));
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["permissions"]["issues"], "write");
    let user = api
        .http
        .get(format!("{}/user", api.fake.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(user.status(), 200);
    assert_eq!(
        api.fake.write_calls(),
        0,
        "the token endpoint is not counted"
    );

    let installation = api.http.get(format!(
        "{}/repos/acme/checkout/installation",
        api.fake.url()
    ));
    let (status, body) = status_json(installation.bearer_auth("a.b.c").send().await.unwrap()).await;
    assert_eq!((status, &body["account"]["login"]), (200, &json!("acme")));
}

#[tokio::test]
async fn unknown_repositories_routes_and_read_only() {
    let api = Api::start().await;
    let (status, err) = status_json(api.get("/repos/acme/nope").await).await;
    assert_eq!((status, &err["message"]), (404, &json!("Not Found")));
    assert_eq!(
        api.post("/repos/acme/nope/issues", json!({ "title": "x" }))
            .await
            .status(),
        404
    );
    assert_eq!(api.get("/repos/acme/checkout/pulls").await.status(), 404);
    assert_eq!(
        api.send(Method::DELETE, "/repos/acme/checkout/issues/1", json!({}))
            .await
            .status(),
        404
    );
    assert_eq!(
        api.post("/repos/acme/checkout/unknown", json!({}))
            .await
            .status(),
        404
    );

    api.fake.add_repository("acme/readonly", false);
    let (status, repo) = status_json(api.get("/repos/acme/readonly").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        repo["permissions"],
        json!({ "admin": false, "maintain": false, "push": false, "triage": false, "pull": true })
    );
    let (status, err) = status_json(
        api.post("/repos/acme/readonly/issues", json!({ "title": "x" }))
            .await,
    )
    .await;
    assert_eq!(
        (status, &err["message"]),
        (
            403,
            &json!("Resource not accessible by personal access token")
        )
    );
    assert_eq!(
        api.post("/repos/acme/readonly/labels", json!({ "name": "x" }))
            .await
            .status(),
        403
    );
    assert_eq!(api.get("/repos/acme/readonly/issues").await.status(), 200);

    let writes = api.fake.writes_by_route();
    assert_eq!(api.fake.write_calls(), 5, "{writes:?}");
    assert_eq!(writes["DELETE issue"], 1);
    assert_eq!(writes["POST /repos/acme/checkout/unknown"], 1);
}

#[tokio::test]
async fn control_routes() {
    let api = Api::start().await;
    let url = |path: &str| format!("{}{path}", api.fake.url());
    let added = api
        .http
        .post(url("/_fake/repos"))
        .json(&json!({ "full_name": "acme/web", "writable": true }));
    assert_eq!(added.send().await.unwrap().status(), 201);
    let res = api
        .post("/repos/acme/web/issues", json!({ "title": "from the app" }))
        .await;
    assert_eq!(res.status(), 201);
    let list = api
        .http
        .get(url("/_fake/repos/acme/web/issues"))
        .send()
        .await
        .unwrap();
    let (_, issues) = status_json(list).await;
    assert_eq!(
        (&issues[0]["title"], &issues[0]["state"]),
        (&json!("from the app"), &json!("open"))
    );

    let close = api.http.post(url("/_fake/repos/acme/web/issues/1/close"));
    let res = close
        .json(&json!({ "reason": "not_planned", "merged_pr": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(res).await,
        (200, json!({ "webhook_status": null }))
    );
    assert_eq!(
        api.fake.issues("acme/web")[0].state_reason.as_deref(),
        Some("not_planned")
    );
    let missing = api
        .http
        .post(url("/_fake/repos/acme/web/issues/9/close"))
        .json(&json!({}));
    assert_eq!(missing.send().await.unwrap().status(), 404);

    let fault = json!({ "mode": "too_many_requests", "count": 1, "seconds": 3 });
    assert_eq!(
        api.http
            .post(url("/_fake/faults"))
            .json(&fault)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let res = api
        .post("/repos/acme/web/issues", json!({ "title": "refused" }))
        .await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "3");
    let (_, writes) = status_json(api.http.get(url("/_fake/writes")).send().await.unwrap()).await;
    assert_eq!(writes["total"], 2);
}

#[tokio::test]
async fn the_binary_serves_until_killed() {
    use tokio::io::AsyncBufReadExt;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_github-fake"))
        .env("FAKE_GITHUB_ADDR", format!("127.0.0.1:{port}"))
        .env("FAKE_GITHUB_REPOS", "acme/checkout, acme/web")
        .env("FAKE_GITHUB_TOKEN", "e2e-token")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next_line().await.unwrap().unwrap();
    assert_eq!(
        line,
        format!("fake GitHub listening on http://127.0.0.1:{port}")
    );
    let repo = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/repos/acme/web"))
        .bearer_auth("e2e-token");
    let (status, repo) = status_json(repo.send().await.unwrap()).await;
    assert_eq!((status, &repo["permissions"]["push"]), (200, &json!(true)));
    child.kill().await.unwrap();
}
