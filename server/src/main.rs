//! Starts the Postmortem server with settings from the environment.

use backend::Settings;
use server::{Application, telemetry};

/// mimalloc instead of the system allocator: page renders allocate many small strings from many
/// threads, where glibc's allocator spent a fifth of the server's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_json);
    let seed_demo = settings.seed_demo;
    let result = match Application::build(settings).await {
        Ok(app) => {
            if seed_demo && app.has_demo_accounts().await {
                print_demo_accounts(app.seeded_demo());
            }
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Err(error) => Err(error.to_string()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server failed");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Tells a newcomer how to sign in to the demo.
fn print_demo_accounts(just_added: bool) {
    let when = if just_added {
        "added now"
    } else {
        "added on first start; passwords as below unless changed"
    };
    println!("Demo accounts ({when}):");
    for (_, email, role, password) in backend::seed::DEMO_USERS {
        println!("  {:<16} {email:<22} password: {password}", role.label());
    }
}
