//! Policy as code and the guardrails it enforces, over the wire: the policy page and its
//! versions (save, activate, backtest), guardrails (add from what was learned, retire) and
//! freeze windows; thin server functions over `backend::changes::{policies, backtest, guardrails}`.

pub use shared::wire::policies::{
    BacktestReport, GuardrailStart as GuardrailStartView, GuardrailsPage,
    PolicyPage as PolicyPageView, PolicyVersionView,
};

use super::ApiError;
use leptos::prelude::*;
use shared::domain::guardrail::{FreezeForm, GuardrailForm};

/// The active policy, its rules and the newest versions.
#[server(endpoint = "policy/page")]
pub async fn policy_page() -> Result<PolicyPageView, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(PolicyPage)?;
    Ok(backend::changes::policies::page(&state.db).await?)
}

/// One version with its source and tests.
#[server(endpoint = "policy/version")]
pub async fn policy_version(id: i64) -> Result<PolicyVersionView, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(PolicyVersion)?;
    Ok(backend::changes::policies::version(&state.db, id).await?)
}

/// Saves a new version (checked and tested now; kept even when it fails) and goes to it.
#[server(endpoint = "policy/save")]
pub async fn save_policy(source: String, #[server(default)] note: String) -> Result<i64, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(SavePolicy)?;
    let row = backend::changes::policies::save(&state.db, &user.actor(), &source, &note).await?;
    leptos_axum::redirect(&format!("/policy/{}", row.id));
    Ok(row.id)
}

/// Makes a valid, tested version the one that decides changes.
#[server(endpoint = "policy/activate")]
pub async fn activate_policy(id: i64) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(ActivatePolicy)?;
    backend::changes::policies::activate(&state.db, &user.actor(), id).await?;
    leptos_axum::redirect("/policy");
    Ok(())
}

/// What a version would have decided over the last 90 days of changes.
#[server(endpoint = "policy/backtest")]
pub async fn backtest_policy(id: i64) -> Result<BacktestReport, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(BacktestPolicy)?;
    Ok(backend::changes::backtest::run(&state.db, id).await?)
}

/// Active and retired guardrails, and freeze windows not over yet.
#[server(endpoint = "guardrails/list")]
pub async fn list_guardrails() -> Result<GuardrailsPage, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(ListGuardrails)?;
    Ok(backend::changes::guardrails::page(&state.db).await?)
}

/// What *Add a guardrail* offers for a factor, problem or pipeline test.
#[server(endpoint = "guardrails/start")]
pub async fn guardrail_start(source: String, id: i64) -> Result<GuardrailStartView, ApiError> {
    let state = crate::ssr::app_state()?;
    crate::authorize!(GuardrailStart)?;
    let source = shared::domain::guardrail::GuardrailSource::parse(&source).ok_or_else(|| {
        backend::AppError::field(
            "source",
            "A guardrail comes from a factor, a problem or a pipeline test.",
        )
    })?;
    Ok(backend::changes::guardrails::start(&state.db, source, id).await?)
}

/// Adds a guardrail and goes to the guardrails page.
#[server(endpoint = "guardrails/add")]
pub async fn add_guardrail(guardrail: GuardrailForm) -> Result<i64, ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(AddGuardrail)?;
    let draft = guardrail.check().map_err(backend::AppError::Validation)?;
    let row = backend::changes::guardrails::add(&state.db, &user.actor(), &draft).await?;
    leptos_axum::redirect(&format!("/guardrails#guardrail-{}", row.id));
    Ok(row.id)
}

/// Retires a guardrail, saying why.
#[server(endpoint = "guardrails/retire")]
pub async fn retire_guardrail(id: i64, #[server(default)] reason: String) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(RetireGuardrail)?;
    backend::changes::guardrails::retire(&state.db, &user.actor(), id, &reason).await?;
    Ok(())
}

/// Adds a freeze window.
#[server(endpoint = "freezes/add")]
pub async fn add_freeze(freeze: FreezeForm) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(AddFreeze)?;
    let draft = freeze
        .check(chrono::Utc::now())
        .map_err(backend::AppError::Validation)?;
    backend::changes::guardrails::add_freeze(&state.db, &user.actor(), &draft).await?;
    Ok(())
}

/// Ends a freeze window now.
#[server(endpoint = "freezes/end")]
pub async fn end_freeze(id: i64) -> Result<(), ApiError> {
    let state = crate::ssr::app_state()?;
    let user = crate::authorize!(EndFreeze)?;
    backend::changes::guardrails::end_freeze(&state.db, &user.actor(), id).await?;
    Ok(())
}
