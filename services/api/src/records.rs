//! Supervision records and sessions: content for those entitled to it, figures for the rest.
//! The rule lives in the store (`haven_store::record`); these handlers only carry it to HTTP.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use uuid::Uuid;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Authenticated;
use crate::problem::ApiError;
use crate::state::ApiState;

/// An id in a path: a malformed one names nothing, so it is answered as a missing one.
pub(crate) fn path_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

#[derive(Deserialize)]
struct ReadQuery {
    /// Why the reader opens the record, kept in the audit entry (asked of grant holders).
    reason: Option<String>,
}

#[utoipa::path(
    tag = "records",
    summary = "Read a supervision record",
    params(("id" = String, Path, description = "The supervision record's id")),
    responses((status = 200, description = "The record's content; the read is audited"), (status = 403, description = "Figures only for this caller"), (status = 404, description = "No such record in the caller's scope"))
)]
#[get("/records/{id}")]
async fn read_record(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let record = haven_store::record::read_record(
        &state.db,
        &signed_in.scope,
        path_id(&id)?,
        query.reason.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "A session's figures",
    params(("id" = String, Path, description = "The session's id")),
    responses((status = 200, description = "The session's figures, never content"), (status = 404, description = "No such session in the caller's scope"))
)]
#[get("/sessions/{id}")]
async fn session_figures(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let figures =
        haven_store::record::session_figures(&state.db, &signed_in.scope, path_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(figures))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(read_record).service(session_figures);
}
