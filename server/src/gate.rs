//! The change gate's HTTP API for any CI (`POST /api/v1/changes`, `GET /api/v1/changes/{id}`,
//! which with `?wait=SECONDS` holds the answer until a reviewer decides): a bearer token of
//! someone who may record changes (or a pipeline token), a JSON body, and an answer a pipeline
//! step can act on (`allow`, `review` or `deny`, with each reason).

use axum::Router;
use axum::body::Bytes;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use backend::AppState;
use backend::changes::gate;
use backend::entities::change::Entity as Change;
use sea_orm::EntityTrait;
use serde::Deserialize;
use shared::domain::change::{ChangeReport, Decision};
use shared::domain::{FieldError, FieldErrors};
use tokio::time::Instant;

use crate::Site;
use crate::webhooks::{field_errors_of, pipeline_caller, refuse, reports_for};

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
    let bearer = match pipeline_caller(&state, &headers, REPORT).await {
        Ok(bearer) => bearer,
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
    if let Err(refused) = reports_for(&state, &bearer, &draft.service).await {
        return refused;
    }
    let actor = backend::audit::Actor {
        id: Some(bearer.user.id),
        label: format!("{} (change gate)", bearer.user.email),
    };
    match gate::report(&state, &draft, &actor).await {
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

/// How long `GET /api/v1/changes/{id}?wait=SECONDS` may hold a request at most.
pub const MAX_WAIT_SECONDS: u64 = 600;
/// How often a waiting request looks again (any app instance may record the review).
const WAIT_STEP: Duration = Duration::from_secs(1);

/// `?wait=SECONDS`: hold the answer until a change under review is decided, or the time is up.
#[derive(Debug, Default, Deserialize)]
struct ReadQuery {
    #[serde(default)]
    wait: Option<String>,
}

async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<ReadQuery>,
) -> Response {
    let bearer = match pipeline_caller(&state, &headers, REPORT).await {
        Ok(bearer) => bearer,
        Err(refused) => return refused,
    };
    let wait = match query.wait.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(text) => match text.parse::<u64>() {
            Ok(seconds) => seconds.min(MAX_WAIT_SECONDS),
            Err(_) => {
                let errors = FieldErrors(vec![FieldError::new(
                    "wait",
                    format!("Give the seconds to wait for a review: 0 to {MAX_WAIT_SECONDS}."),
                )]);
                return field_errors_of("The change was not read.", &errors);
            }
        },
    };
    let Ok(id) = id.parse::<i64>() else {
        return refuse(StatusCode::NOT_FOUND, "No such change.");
    };
    let deadline = Instant::now() + Duration::from_secs(wait);
    loop {
        let row = match Change::find_by_id(id).one(&state.db).await {
            // A pipeline token for one service reads that service's changes only.
            Ok(Some(row)) if bearer.service_id.is_none_or(|only| only == row.service_id) => row,
            Ok(_) => return refuse(StatusCode::NOT_FOUND, "No such change."),
            Err(error) => {
                tracing::error!(%error, "change lookup failed");
                return refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The database is unavailable; retry later.",
                );
            }
        };
        let answer = gate::answer(&state, row, false);
        if answer.decision != Decision::Review || Instant::now() + WAIT_STEP > deadline {
            return axum::Json(answer).into_response();
        }
        tokio::time::sleep(WAIT_STEP).await;
    }
}
