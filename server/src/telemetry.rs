//! Structured logs with `tracing`: level from `RUST_LOG`, format from `LOG_FORMAT`.

use tracing_subscriber::EnvFilter;

/// Installs the global log subscriber (call once, at start-up).
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    if result.is_err() {
        // Already installed (e.g. by a test harness): keep the existing one.
    }
}
