//! Exceptional access grants, managed by the trust safeguarding lead. Who may do what, and
//! which values are refused, is the store's rule (`haven_store::grant`).

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use haven_store::grant::{GrantTarget, NewGrant};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::problem::{ApiError, FieldProblem};
use crate::records::path_id;
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

#[get("/grants")]
async fn list_grants(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let grants = haven_store::grant::list(&state.db, &signed_in.scope, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(grants))
}

#[delete("/grants/{id}")]
async fn revoke_grant(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    haven_store::grant::revoke(
        &state.db,
        &signed_in.scope,
        path_id(&id)?,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create_grant)
        .service(list_grants)
        .service(revoke_grant);
}
