//! The JSON API under `/api/v1`: a customer's score, explanation and reasons, and the scoring
//! of a new application. RMs see every customer; a customer only their own.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::customer_id;
use crate::server::audit::Action;
use crate::server::auth::{Anyone, Principal, Rm};
use crate::server::errors::{ApiError, AppError};
use crate::server::openapi;
use crate::server::state::{AppState, Contributions, EngineError};
use crate::server::views;

/// `GET /api/v1/openapi.json`: the API's description (public).
pub async fn openapi() -> Json<Value> {
    Json(openapi::document())
}

/// Resolves the path's customer, allowed for an RM or for that very customer.
fn allowed(state: &AppState, who: Principal, id: &str) -> Result<usize, AppError> {
    let id = customer_id(id)?;
    if let Principal::Customer(own) = who
        && own != id
    {
        tracing::info!(requested = id, "customer asked for another customer's data");
        return Err(AppError::Forbidden);
    }
    state
        .customer(id)
        .map(|(index, _)| index)
        .ok_or(AppError::CustomerNotFound(id))
}

fn score_json(state: &AppState, index: usize) -> Value {
    let c = &state.inner.customers[index];
    json!({
        "customer_id": c.id,
        "probability": c.score.probability,
        "points": c.score.points,
        "decision": c.score.decision,
        "threshold": state.inner.engine.threshold(),
        "model_version": state.inner.model.version,
    })
}

/// `GET /api/v1/customers/{id}/score`.
pub async fn score(
    Anyone(who): Anyone,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let index = allowed(&state, who, &id)?;
    state.audit_customer(Action::ApiCustomer, who, index);
    Ok(Json(score_json(&state, index)))
}

/// `GET /api/v1/customers/{id}/explanation`.
pub async fn explanation(
    Anyone(who): Anyone,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let index = allowed(&state, who, &id)?;
    let explanation = views::explain(&state, index)?;
    state.audit_customer(Action::ApiCustomer, who, index);
    let mut body = score_json(&state, index);
    body["base"] = json!(explanation.base);
    body["raw"] = json!(explanation.total);
    body["contributions"] = json!(explanation.contributions);
    Ok(Json(body))
}

/// `GET /api/v1/customers/{id}/reasons`.
pub async fn reasons(
    Anyone(who): Anyone,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let index = allowed(&state, who, &id)?;
    let explanation = views::explain(&state, index)?;
    state.audit_customer(Action::ApiCustomer, who, index);
    let mut body = score_json(&state, index);
    body["reasons"] = json!(explanation.reasons);
    Ok(Json(body))
}

/// `POST /api/v1/score`: scores a new application (RM only).
pub async fn score_application(
    _: Rm,
    State(state): State<AppState>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    match score_body(&state, body).await {
        Ok(value) => Json(value).into_response(),
        Err(error) => error.into_api_response(),
    }
}

async fn score_body(
    state: &AppState,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Value, AppError> {
    let Json(body) = body.map_err(|err| {
        AppError::BadRequest(format!(
            "The body is not a JSON application: {}",
            err.body_text()
        ))
    })?;
    let Value::Object(body) = body else {
        return Err(AppError::BadRequest(
            "The body must be a JSON object with an `application` object.".to_owned(),
        ));
    };
    let application: Map<String, Value> = match body.get("application") {
        Some(Value::Object(_)) => body,
        _ => {
            return Err(AppError::BadRequest(
                "The body needs an `application` object holding the application's columns \
                 (e.g. {\"application\": {\"AMT_INCOME_TOTAL\": 202500, ...}})."
                    .to_owned(),
            ));
        }
    };
    let inputs = Value::Object(application.clone());
    let engine = state.inner.engine.clone();
    let scored = tokio::task::spawn_blocking(move || engine.score_application(&application))
        .await
        .map_err(|err| AppError::Internal(format!("scoring task stopped: {err}")))?
        .map_err(|err| match err {
            EngineError::BadApplication(message) => AppError::BadRequest(message),
            EngineError::Internal(detail) => AppError::Internal(detail),
        })?;
    let row = scored.features.clone();
    let explanation = views::build_explanation(
        state,
        &row,
        &Contributions {
            base: scored.base,
            values: scored.contributions.clone(),
        },
    );
    state.audit_application(Principal::Rm, &scored.score, &inputs);
    Ok(json!({
        "probability": scored.score.probability,
        "points": scored.score.points,
        "decision": scored.score.decision,
        "threshold": state.inner.engine.threshold(),
        "model_version": state.inner.model.version,
        "reasons": explanation.reasons,
    }))
}
