//! `GET /api/v1/me`: who the caller is, in which trust, with which roles and academies; for an
//! API token, its trust and capabilities, and no person.

use actix_web::{HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Authenticated;
use crate::problem::ApiError;
use haven_store::AcademyVisibility;

/// A role the caller holds today, and where.
#[derive(Serialize, ToSchema)]
struct RoleView {
    role: &'static str,
    scope: &'static str,
    region_id: Option<Uuid>,
    academy_id: Option<Uuid>,
}

/// Who the caller is.
#[derive(Serialize, ToSchema)]
struct MeView {
    person_id: Option<Uuid>,
    trust_id: Uuid,
    roles: Vec<RoleView>,
    /// `null` when every academy of the trust is visible.
    academies: Option<Vec<Uuid>>,
    /// An API token's capabilities; absent for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    capabilities: Option<Vec<&'static str>>,
}

#[utoipa::path(
    tag = "me",
    summary = "Who the caller is",
    responses((status = 200, description = "The caller: trust, person, roles, visible academies", body = MeView), (status = 401, description = "Not signed in"))
)]
#[get("/me")]
async fn me(signed_in: Authenticated) -> Result<HttpResponse, ApiError> {
    let scope = &signed_in.scope;
    Ok(HttpResponse::Ok().json(MeView {
        person_id: scope.person_id(),
        trust_id: scope.trust_id(),
        roles: scope
            .roles()
            .iter()
            .map(|held| RoleView {
                role: held.role.as_str(),
                scope: held.scope.as_str(),
                region_id: held.region_id,
                academy_id: held.academy_id,
            })
            .collect(),
        academies: match scope.academies() {
            AcademyVisibility::Trust => None,
            AcademyVisibility::Academies(set) => Some(set.iter().copied().collect()),
        },
        capabilities: scope
            .capabilities()
            .map(|held| held.iter().map(|c| c.as_str()).collect()),
    }))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me);
}
