//! The alert webhook endpoints (`POST /hooks/{source}/{id}`): checks the integration's credentials
//! or signature, parses the payload, and hands it to alert intake. Every refusal is a 4xx with a
//! JSON message naming the problem, and stores nothing.

use crate::Site;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use backend::AppState;
use backend::alerts::ingest;
use backend::auth::tokens::{Bearer, token_hash};
use backend::entities::integration::{self, Entity as Integration};
use backend::webhook_auth::{
    presented_credential, timestamp_is_fresh, verify_grafana_signature, verify_pagerduty_signature,
};
use sea_orm::EntityTrait;
use serde_json::json;
use shared::domain::alerts::{self, AlertSource};
use shared::domain::integration::DEFAULT_SIGNATURE_HEADER;

/// Grafana's optional timestamp header, signed together with the body when present.
const GRAFANA_TIMESTAMP_HEADER: &str = "X-Grafana-Alerting-Signature-Timestamp";

/// The webhook routes.
pub fn routes() -> Router<Site> {
    Router::new()
        .route("/hooks/github", post(receive_github))
        .route("/hooks/deployments", post(receive_deployment))
        .route("/hooks/{source}/{id}", post(receive))
        .route_layer(axum::middleware::from_fn(count_delivery))
}

/// Counts each delivery by hook (`github`, or the alert source) and outcome for `/metrics`.
async fn count_delivery(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let hook = request
        .uri()
        .path()
        .trim_start_matches("/hooks/")
        .split('/')
        .next()
        .filter(|h| {
            [
                "github",
                "deployments",
                "alertmanager",
                "grafana",
                "pagerduty",
            ]
            .contains(h)
        })
        .unwrap_or("other")
        .to_owned();
    let response = next.run(request).await;
    backend::metrics::prometheus::record_webhook(&hook, response.status().as_u16());
    response
}

/// GitHub's `issues` webhooks: signature, delivery id and payload are checked by
/// `backend::github::inbound`; this only reads the headers and answers.
async fn receive_github(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let outcome = backend::github::inbound::receive(
        &state,
        text("x-github-event"),
        text("x-github-delivery"),
        text("x-hub-signature-256"),
        &body,
    )
    .await;
    match outcome {
        Ok(reply) => {
            let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
            if status.is_client_error() {
                tracing::warn!(status = reply.status, message = %reply.message, "GitHub webhook refused");
            }
            (status, axum::Json(json!({ "message": reply.message }))).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "GitHub webhook failed");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "The delivery could not be stored; GitHub may redeliver it.",
            )
        }
    }
}

async fn receive(
    State(state): State<AppState>,
    Path((source, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(source) = AlertSource::parse(&source) else {
        return refuse(
            StatusCode::NOT_FOUND,
            "Unknown alert source: use alertmanager, grafana or pagerduty.",
        );
    };
    let Ok(id) = id.parse::<i64>() else {
        return refuse(StatusCode::NOT_FOUND, "No such integration.");
    };
    let integration = match Integration::find_by_id(id).one(&state.db).await {
        Ok(Some(found)) if found.source == source => found,
        Ok(Some(found)) => {
            return refuse(
                StatusCode::NOT_FOUND,
                &format!(
                    "Integration {id} receives {} payloads, not {}. Check the webhook URL.",
                    found.source.as_str(),
                    source.as_str()
                ),
            );
        }
        Ok(None) => return refuse(StatusCode::NOT_FOUND, "No such integration."),
        Err(error) => {
            tracing::error!(%error, "integration lookup failed");
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database is unavailable; retry later.",
            );
        }
    };
    if integration.disabled_at.is_some() {
        return refuse(StatusCode::FORBIDDEN, "This integration is disabled.");
    }
    if let Err(message) = authenticate(&integration, source, &headers, &body) {
        tracing::warn!(integration = integration.id, %message, "webhook refused");
        return refuse(StatusCode::UNAUTHORIZED, &message);
    }
    // One bad character (a NUL in an annotation) must not refuse the whole batch.
    let body = backend::clean_text::clean_json(&body).map_or(body, Bytes::from);
    let batch = match alerts::parse(source, &body) {
        Ok(batch) => batch,
        Err(error) => {
            let status = match error {
                alerts::PayloadError::MalformedJson(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            tracing::warn!(integration = integration.id, %error, "webhook payload refused");
            return refuse(status, &error.to_string());
        }
    };
    match ingest(&state, &integration, batch, &body).await {
        Ok(outcome) => (StatusCode::OK, axum::Json(outcome)).into_response(),
        Err(error) => {
            tracing::error!(%error, integration = integration.id, "alert intake failed");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The alert could not be stored; the sender should retry.",
            )
        }
    }
}

/// A signed integration needs a valid signature; any other needs its token, as a bearer token
/// or as the password of basic auth.
fn authenticate(
    integration: &integration::Model,
    source: AlertSource,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(secret) = &integration.signing_secret {
        return match source {
            AlertSource::PagerDuty => {
                let signature = header("x-pagerduty-signature")
                    .ok_or("The X-PagerDuty-Signature header is missing.")?;
                verify_pagerduty_signature(secret, signature, body)
                    .then_some(())
                    .ok_or_else(|| "The X-PagerDuty-Signature does not match this integration's signing secret.".into())
            }
            _ => {
                let name = integration
                    .signature_header
                    .as_deref()
                    .unwrap_or(DEFAULT_SIGNATURE_HEADER);
                let signature = header(name)
                    .ok_or_else(|| format!("The {name} signature header is missing."))?;
                let timestamp = header(GRAFANA_TIMESTAMP_HEADER);
                if timestamp.is_some_and(|t| !timestamp_is_fresh(t, chrono::Utc::now().timestamp()))
                {
                    return Err(format!(
                        "The {GRAFANA_TIMESTAMP_HEADER} is more than five minutes from now: an old delivery is not accepted again."
                    ));
                }
                verify_grafana_signature(secret, signature, timestamp, body)
                    .then_some(())
                    .ok_or_else(|| {
                        format!("The {name} signature does not match this integration's secret.")
                    })
            }
        };
    }
    let presented = presented_credential(header(header::AUTHORIZATION.as_str())).ok_or(
        "Send the integration's token as `Authorization: Bearer <token>` or as the basic-auth password.",
    )?;
    let presented_hash = token_hash(&presented);
    // Both are SHA-256 hex digests: comparing them reveals nothing about the token itself.
    if presented_hash == integration.token_hash {
        Ok(())
    } else {
        Err("The token is not valid for this integration.".into())
    }
}

/// The request's API token, if its owner's role edits incidents (what pipelines reporting
/// deployments and changes need); otherwise the refusal, saying they may not `what`. A pipeline
/// token limited to one service is checked against the reported service by [`reports_for`].
pub(crate) async fn pipeline_caller(
    state: &AppState,
    headers: &HeaderMap,
    what: &str,
) -> Result<Bearer, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .map(crate::auth::bearer_token)
        .unwrap_or_default();
    match backend::auth::tokens::authenticate(&state.db, token).await {
        Ok(Some(bearer))
            if backend::auth::users::role_of(&bearer.user)
                .can(shared::domain::Permission::EditIncidents) =>
        {
            Ok(bearer)
        }
        Ok(Some(_)) => Err(refuse(
            StatusCode::FORBIDDEN,
            &format!("This token's owner may not {what} (it needs a role that edits incidents)."),
        )),
        Ok(None) => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "Send an API token as `Authorization: Bearer <token>` (create one under Your account).",
        )),
        Err(error) => Err(unavailable(&error)),
    }
}

/// Refuses a report for another service than the one a pipeline token is limited to. A service
/// that does not exist is left for the report's own check to name.
pub(crate) async fn reports_for(
    state: &AppState,
    bearer: &Bearer,
    service: &str,
) -> Result<(), Response> {
    let Some(only) = bearer.service_id else {
        return Ok(());
    };
    match backend::services::find_reported(&state.db, service.trim()).await {
        Ok(found) if found.id == only => Ok(()),
        Ok(_) => Err(refuse(
            StatusCode::FORBIDDEN,
            "This token reports for one other service only.",
        )),
        Err(backend::AppError::Validation(_) | backend::AppError::NotFound(_)) => Ok(()),
        Err(error) => Err(unavailable(&error)),
    }
}

fn unavailable(error: &backend::AppError) -> Response {
    tracing::error!(%error, "a pipeline's token or service could not be looked up");
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        "The database is unavailable; retry later.",
    )
}

/// A deployment from a pipeline: `Authorization: Bearer <API token>` of someone who may edit
/// incidents, and a JSON body (`service`, `version`, optional `environment`, `status`,
/// `deployed_at`, `id`, `url`). Answers 201 for a new deployment and 200 for a repeat.
async fn receive_deployment(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bearer = match pipeline_caller(&state, &headers, "record deployments").await {
        Ok(bearer) => bearer,
        Err(refused) => return refused,
    };
    let body = backend::clean_text::clean_json(&body).map_or(body, Bytes::from);
    let report: shared::domain::deployment::DeploymentReport = match serde_json::from_slice(&body) {
        Ok(report) => report,
        Err(error) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("The body is not the expected JSON: {error}"),
            );
        }
    };
    let deployment = match report.check(chrono::Utc::now()) {
        Ok(deployment) => deployment,
        Err(errors) => return field_errors(&errors),
    };
    if let Err(refused) = reports_for(&state, &bearer, &deployment.service).await {
        return refused;
    }
    let label = format!("{} (deployment webhook)", bearer.user.email);
    match backend::deployments::record(&state, &deployment, "webhook", &label).await {
        Ok(recorded) => {
            let status = if recorded.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, axum::Json(recorded)).into_response()
        }
        Err(backend::AppError::Validation(errors)) => field_errors(&errors),
        Err(error) => {
            tracing::error!(%error, "deployment could not be stored");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The deployment could not be stored; the sender should retry.",
            )
        }
    }
}

/// 422 with every field's message.
pub(crate) fn field_errors(errors: &shared::domain::FieldErrors) -> Response {
    field_errors_of("The deployment was not recorded.", errors)
}

/// 422 saying `what` was not done, with every field's message.
pub(crate) fn field_errors_of(what: &str, errors: &shared::domain::FieldErrors) -> Response {
    let fields: serde_json::Map<String, serde_json::Value> = errors
        .0
        .iter()
        .map(|e| {
            (
                e.field.clone(),
                serde_json::Value::String(e.message.clone()),
            )
        })
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({ "error": what, "fields": fields })),
    )
        .into_response()
}

pub(crate) fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}
