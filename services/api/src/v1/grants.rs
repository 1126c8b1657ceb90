//! Exceptional access grants, managed by the trust safeguarding lead. Who may do what, and
//! which values are refused, is the store's rule (`haven_store::grant`).

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use haven_store::grant::{self, GrantTarget, GrantView, NewGrant};
use utoipa::ToSchema;
use uuid::Uuid;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody, REASON_MAX_CHARS, problem};

/// Exceptional access to some records, or to every record about one person, for a while.
#[derive(ToSchema)]
pub(crate) struct NewGrantBody {
    /// Who is granted access.
    grantee_id: Uuid,
    /// Why, briefly.
    reason: String,
    /// The records opened; or else `subject_person_id`.
    record_ids: Option<Vec<Uuid>>,
    /// The person whose records are opened; or else `record_ids`.
    subject_person_id: Option<Uuid>,
    /// When the access starts, RFC 3339; now when absent.
    starts_at: Option<DateTime<Utc>>,
    /// When it ends, RFC 3339, at most the trust's `grant_max_days` after the start.
    ends_at: DateTime<Utc>,
}

impl NewGrantBody {
    /// What the grant opens: the records listed or the person's, whichever was given.
    fn target(&self) -> Option<GrantTarget> {
        match (&self.record_ids, self.subject_person_id) {
            (Some(ids), None) => Some(GrantTarget::Records(ids.clone())),
            (None, Some(person)) => Some(GrantTarget::SubjectPerson(person)),
            _ => None,
        }
    }
}

impl FromBody for NewGrantBody {
    const FIELDS: &'static [&'static str] = &[
        "grantee_id",
        "reason",
        "record_ids",
        "subject_person_id",
        "starts_at",
        "ends_at",
    ];

    fn from_body(body: &mut Body) -> Option<Self> {
        let grantee_id = body.id("grantee_id");
        let reason = body.prose("reason", REASON_MAX_CHARS);
        let starts_at = body.optional_instant("starts_at");
        let ends_at = body.instant("ends_at");
        let record_ids = body.take("record_ids").map(|ids| {
            serde_json::from_value::<Vec<Uuid>>(ids).map_err(|_| "must be a list of record ids")
        });
        let subject_person_id = body.optional_id("subject_person_id");
        let record_ids = match (record_ids, subject_person_id) {
            (Some(Ok(ids)), None) => Some(ids),
            (Some(Err(reason)), None) => {
                body.refuse("record_ids", reason);
                return None;
            }
            (None, Some(_)) => None,
            _ => {
                body.refuse("record_ids", "give either record_ids or subject_person_id");
                return None;
            }
        };
        Some(Self {
            grantee_id: grantee_id?,
            reason,
            record_ids,
            subject_person_id,
            starts_at,
            ends_at: ends_at?,
        })
    }
}

#[utoipa::path(
    tag = "grants",
    summary = "Grant exceptional access to records",
    request_body(content = NewGrantBody, content_type = "application/json", description = "A JSON object with `grantee_id`, `reason`, either `record_ids` or `subject_person_id`, `ends_at` and optionally `starts_at` (RFC 3339; now when absent), at most the trust's `grant_max_days` apart; unknown fields are refused"),
    responses((status = 201, description = "The grant", body = GrantView), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/grants")]
async fn create_grant(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let grant: NewGrantBody = body::parse(&body)?;
    let Some(target) = grant.target() else {
        return Err(ApiError::Validation(vec![problem(
            "record_ids",
            "give either record_ids or subject_person_id",
        )]));
    };
    let NewGrantBody {
        grantee_id,
        reason,
        starts_at,
        ends_at,
        ..
    } = grant;
    let now = state.clock.now();
    let mut tx = state.db.write(&signed_in.scope, now).await?;
    let grant = grant::create(
        &mut tx,
        NewGrant {
            grantee_id,
            reason: &reason,
            target,
            starts_at: starts_at.unwrap_or(now),
            ends_at,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/api/v1/grants/{}", grant.id)))
        .json(grant))
}

#[utoipa::path(
    tag = "grants",
    summary = "List access grants",
    responses((status = 200, description = "The trust's grants", body = [GrantView]), (status = 403, description = "Not a trust safeguarding lead"))
)]
#[get("/grants")]
async fn list_grants(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&signed_in.scope).await?;
    let grants = grant::list(&read, state.clock.now()).await?;
    read.finish().await?;
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
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    grant::revoke(&mut tx, id.0).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_grant)
        .service(list_grants)
        .service(revoke_grant);
}
