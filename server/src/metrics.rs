//! The scoreboard's HTTP exports: `/dashboard.csv` (the dashboard's figures for the same query,
//! for a signed-in reader) and `/metrics` (Prometheus text, behind `METRICS_TOKEN` when set).

use crate::Site;
use crate::http_error::{HttpError, permitted};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use backend::AppState;
use backend::auth::CurrentUser;
use backend::metrics::{csv, dashboard, prometheus};
use shared::domain::Permission;
use shared::domain::metrics::DashboardQuery;
use subtle::ConstantTimeEq;

pub fn routes() -> Router<Site> {
    Router::new()
        .route("/dashboard.csv", get(export_csv))
        .route("/metrics", get(metrics))
}

async fn export_csv(
    State(state): State<AppState>,
    Query(query): Query<DashboardQuery>,
    user: Option<Extension<CurrentUser>>,
) -> Response {
    if let Err(refused) = permitted(user, Permission::ViewRecords) {
        return refused.into_response();
    }
    let answer = dashboard(&state, &query, chrono::Utc::now())
        .await
        .and_then(|view| csv::write(&view).map(|text| (view, text)));
    match answer {
        Ok((view, text)) => {
            let disposition = format!(
                "attachment; filename=\"postmortem-dashboard-{}-to-{}.csv\"",
                view.from_day, view.to_day
            );
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                text,
            )
                .into_response()
        }
        Err(error) => HttpError::from(error).into_response(),
    }
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.settings.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .map(crate::auth::bearer_token)
            .unwrap_or_default();
        if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
            return (
                StatusCode::UNAUTHORIZED,
                "Send the METRICS_TOKEN as a bearer token.",
            )
                .into_response();
        }
    }
    match prometheus::render(&state, chrono::Utc::now()).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "metrics failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
