//! The change gate's HTTP API for any CI (`POST /api/v1/changes`, `GET /api/v1/changes/{id}`):
//! a bearer token of someone who may record changes, a JSON body, and an answer a pipeline step
//! can act on (`allow`, `review` or `deny`, with each reason).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use backend::AppState;
use backend::changes::gate;
use backend::entities::change::Entity as Change;
use sea_orm::EntityTrait;
use shared::domain::change::ChangeReport;

use crate::Site;
use crate::webhooks::{field_errors_of, pipeline_caller, refuse};

/// What a refused report says.
const NOT_RECORDED: &str = "The change was not recorded.";
/// What a refused token may not do.
const REPORT: &str = "report changes";

pub fn routes() -> Router<Site> {
    Router::new()
        .route("/api/v1/changes", post(report))
        .route("/api/v1/changes/{id}", get(read))
}

async fn report(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let user = match pipeline_caller(&state, &headers, REPORT).await {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    let body = backend::clean_text::clean_json(&body).map_or(body, Bytes::from);
    let report: ChangeReport = match serde_json::from_slice(&body) {
        Ok(report) => report,
        Err(error) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("The body is not the expected JSON: {error}"),
            );
        }
    };
    let draft = match report.check() {
        Ok(draft) => draft,
        Err(errors) => return field_errors_of(NOT_RECORDED, &errors),
    };
    let label = format!("{} (change gate)", user.email);
    match gate::report(&state, &draft, &label).await {
        Ok(answer) => {
            let status = if answer.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, axum::Json(answer)).into_response()
        }
        Err(backend::AppError::Validation(errors)) => field_errors_of(NOT_RECORDED, &errors),
        Err(error) => {
            tracing::error!(%error, "a change could not be decided");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "The change could not be stored; retry later.",
            )
        }
    }
}

async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(refused) = pipeline_caller(&state, &headers, REPORT).await {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return refuse(StatusCode::NOT_FOUND, "No such change.");
    };
    match Change::find_by_id(id).one(&state.db).await {
        Ok(Some(row)) => axum::Json(gate::answer(&state, row, false)).into_response(),
        Ok(None) => refuse(StatusCode::NOT_FOUND, "No such change."),
        Err(error) => {
            tracing::error!(%error, "change lookup failed");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is unavailable; retry later.",
            )
        }
    }
}
