//! Liveness and readiness, for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::problem::ApiError;
use crate::state::ApiState;

/// The process is up and answering.
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can serve: its database answers.
#[get("/ready")]
async fn ready(state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    state
        .db
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health).service(ready);
}
