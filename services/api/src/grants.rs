//! Exceptional access grants, managed by the trust safeguarding lead. Who may do what, and
//! which values are refused, is the store's rule (`haven_store::grant`).

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use haven_store::grant::{GrantTarget, NewGrant};
use serde::Deserialize;
use uuid::Uuid;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Authenticated;
use crate::path_id::PathId;
use crate::problem::{ApiError, FieldProblem};
use crate::state::ApiState;

/// The body of `POST /grants`. Every field is optional here so that a missing one is answered
/// by name (422) rather than as an unreadable body.
#[derive(Deserialize)]
struct GrantBody {
    grantee_id: Option<Uuid>,
    reason: Option<String>,
    record_ids: Option<Vec<Uuid>>,
    subject_person_id: Option<Uuid>,
    /// Defaults to now.
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
}

fn problem(field: &str, reason: &str) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        reason: reason.into(),
    }
}

#[utoipa::path(
    tag = "grants",
    summary = "Grant exceptional access to records",
    request_body(content = Object, content_type = "application/json", description = "A JSON object; unknown fields are refused"),
    responses((status = 201, description = "The grant"), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/grants")]
async fn create_grant(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: GrantBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::Validation(vec![problem("body", &e.to_string())]))?;
    let mut problems = Vec::new();
    if body.grantee_id.is_none() {
        problems.push(problem("grantee_id", "is required"));
    }
    if body.ends_at.is_none() {
        problems.push(problem("ends_at", "is required"));
    }
    let target = match (body.record_ids, body.subject_person_id) {
        (Some(ids), None) => Some(GrantTarget::Records(ids)),
        (None, Some(person)) => Some(GrantTarget::SubjectPerson(person)),
        _ => {
            problems.push(problem(
                "record_ids",
                "give either record_ids or subject_person_id",
            ));
            None
        }
    };
    let (Some(grantee_id), Some(ends_at), Some(target)) = (body.grantee_id, body.ends_at, target)
    else {
        return Err(ApiError::Validation(problems));
    };
    let now = state.clock.now();
    let grant = haven_store::grant::create(
        &state.db,
        &signed_in.scope,
        NewGrant {
            grantee_id,
            reason: body.reason.as_deref().unwrap_or_default(),
            target,
            starts_at: body.starts_at.unwrap_or(now),
            ends_at,
        },
        now,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/api/v1/grants/{}", grant.id)))
        .json(grant))
}

#[utoipa::path(
    tag = "grants",
    summary = "List access grants",
    responses((status = 200, description = "The trust's grants"), (status = 403, description = "Not a trust safeguarding lead"))
)]
#[get("/grants")]
async fn list_grants(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let grants = haven_store::grant::list(&state.db, &signed_in.scope, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(grants))
}

#[utoipa::path(
    tag = "grants",
    summary = "Revoke an access grant",
    params(("id" = String, Path, description = "The grant's id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such grant in the caller's trust"))
)]
#[delete("/grants/{id}")]
async fn revoke_grant(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    haven_store::grant::revoke(&state.db, &signed_in.scope, id.0, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_grant)
        .service(list_grants)
        .service(revoke_grant);
}
