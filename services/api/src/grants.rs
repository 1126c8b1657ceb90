//! Exceptional access grants, managed by the trust safeguarding lead. Who may do what, and
//! which values are refused, is the store's rule (`haven_store::grant`).

use actix_web::{HttpResponse, delete, get, post, web};
use haven_store::grant::{GrantTarget, NewGrant};
use uuid::Uuid;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Authenticated;
use crate::body::{Body, REASON_MAX_CHARS, problem};
use crate::path_id::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;

#[utoipa::path(
    tag = "grants",
    summary = "Grant exceptional access to records",
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `grantee_id`, `reason`, either `record_ids` or `subject_person_id`, `ends_at` and optionally `starts_at` (RFC 3339; now when absent), at most the trust's `grant_max_days` apart; unknown fields are refused"),
    responses((status = 201, description = "The grant"), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/grants")]
async fn create_grant(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut body = Body::read(
        &body,
        &[
            "grantee_id",
            "reason",
            "record_ids",
            "subject_person_id",
            "starts_at",
            "ends_at",
        ],
    )?;
    let grantee_id = body.id("grantee_id");
    let reason = body.prose("reason", REASON_MAX_CHARS);
    let starts_at = body.optional_instant("starts_at");
    let ends_at = body.instant("ends_at");
    let record_ids = body.take("record_ids").map(|ids| {
        serde_json::from_value::<Vec<Uuid>>(ids).map_err(|_| "must be a list of record ids")
    });
    let subject_person_id = body.optional_id("subject_person_id");
    let target = match (record_ids, subject_person_id) {
        (Some(Ok(ids)), None) => Some(GrantTarget::Records(ids)),
        (Some(Err(reason)), None) => {
            body.refuse("record_ids", reason);
            None
        }
        (None, Some(person)) => Some(GrantTarget::SubjectPerson(person)),
        _ => {
            body.refuse("record_ids", "give either record_ids or subject_person_id");
            None
        }
    };
    body.finish()?;
    let (Some(grantee_id), Some(ends_at), Some(target)) = (grantee_id, ends_at, target) else {
        return Err(ApiError::Validation(vec![problem("body", "incomplete")]));
    };
    let now = state.clock.now();
    let grant = haven_store::grant::create(
        &state.db,
        &signed_in.scope,
        NewGrant {
            grantee_id,
            reason: &reason,
            target,
            starts_at: starts_at.unwrap_or(now),
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
