//! `github-fake`: serves the fake GitHub API until killed (for browser tests and local runs).

use std::net::SocketAddr;

use github_fake::FakeGitHub;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let addr: SocketAddr = std::env::var("FAKE_GITHUB_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3939".to_owned())
        .parse()?;
    let fake = FakeGitHub::start_on(addr).await?;
    let repos = std::env::var("FAKE_GITHUB_REPOS").unwrap_or_default();
    for full_name in repos.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        fake.add_repository(full_name, true);
    }
    if let Ok(token) = std::env::var("FAKE_GITHUB_TOKEN") {
        fake.add_token(&token);
    }
    println!("fake GitHub listening on {}", fake.url());
    std::future::pending::<()>().await;
    Ok(())
}
