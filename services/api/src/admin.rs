//! A trust's administration by its safeguarding lead: regions, academies, people and their
//! roles. Who may do what, and which values are refused, is the store's rule
//! (`haven_store::admin`); this module reads bodies field by field so each mistake is named.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::role::{Role, ScopeKind};
use haven_entity as e;
use haven_store::admin::{self, NewAcademy, NewRole};
use serde::Serialize;
use uuid::Uuid;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Authenticated;
use crate::body::{Body, problem};
use crate::path_id::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;

#[derive(Serialize)]
struct RegionView {
    id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
}

impl From<e::region::Model> for RegionView {
    fn from(row: e::region::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

#[derive(Serialize)]
struct AcademyView {
    id: Uuid,
    name: String,
    urn: String,
    phase: String,
    local_authority: String,
    region_id: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl From<e::academy::Model> for AcademyView {
    fn from(row: e::academy::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            urn: row.urn,
            phase: row.phase,
            local_authority: row.local_authority,
            region_id: row.region_id,
            created_at: row.created_at,
        }
    }
}

/// A person as the trust lead sees them: never their identity provider's subject.
#[derive(Serialize)]
struct PersonView {
    id: Uuid,
    display_name: String,
    email: String,
    job_title: Option<String>,
    active: bool,
    created_at: DateTime<Utc>,
}

impl From<e::person::Model> for PersonView {
    fn from(row: e::person::Model) -> Self {
        Self {
            id: row.id,
            display_name: row.display_name,
            email: row.email,
            job_title: row.job_title,
            active: row.active,
            created_at: row.created_at,
        }
    }
}

#[derive(Serialize)]
struct RoleView {
    id: Uuid,
    person_id: Uuid,
    role: String,
    scope_kind: String,
    region_id: Option<Uuid>,
    academy_id: Option<Uuid>,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
}

impl From<e::role_assignment::Model> for RoleView {
    fn from(row: e::role_assignment::Model) -> Self {
        Self {
            id: row.id,
            person_id: row.person_id,
            role: row.role,
            scope_kind: row.scope_kind,
            region_id: row.region_id,
            academy_id: row.academy_id,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            created_at: row.created_at,
        }
    }
}

#[utoipa::path(
    tag = "admin",
    summary = "List the trust's regions",
    responses((status = 200, description = "The trust's regions, by name"), (status = 403, description = "Not a trust safeguarding lead"))
)]
#[get("/regions")]
async fn list_regions(
    state: web::Data<ApiState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let regions = admin::list_regions(&state.db, &caller.scope).await?;
    Ok(HttpResponse::Ok().json(
        regions
            .into_iter()
            .map(RegionView::from)
            .collect::<Vec<_>>(),
    ))
}

#[utoipa::path(
    tag = "admin",
    summary = "Create a region",
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `name`; unknown fields are refused"),
    responses((status = 201, description = "The region"), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/regions")]
async fn create_region(
    state: web::Data<ApiState>,
    caller: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut body = Body::read(&body, &["name"])?;
    let name = body.line("name");
    body.finish()?;
    let region = admin::create_region(&state.db, &caller.scope, &name, state.clock.now()).await?;
    Ok(HttpResponse::Created().json(RegionView::from(region)))
}

#[utoipa::path(
    tag = "admin",
    summary = "List the academies the caller sees",
    responses((status = 200, description = "The academies in the caller's scope, by name"), (status = 401, description = "Not signed in"))
)]
#[get("/academies")]
async fn list_academies(
    state: web::Data<ApiState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let academies = admin::list_academies(&state.db, &caller.scope).await?;
    Ok(HttpResponse::Ok().json(
        academies
            .into_iter()
            .map(AcademyView::from)
            .collect::<Vec<_>>(),
    ))
}

#[utoipa::path(
    tag = "admin",
    summary = "Register an academy",
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `name`, `urn`, `phase`, `local_authority` and optionally `region_id`; unknown fields are refused"),
    responses((status = 201, description = "The academy"), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such region in the caller's trust"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/academies")]
async fn create_academy(
    state: web::Data<ApiState>,
    caller: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut body = Body::read(
        &body,
        &["name", "urn", "phase", "local_authority", "region_id"],
    )?;
    let name = body.line("name");
    let urn = body.string("urn");
    let phase = body.string("phase");
    let local_authority = body.line("local_authority");
    let region_id = body.optional_id("region_id");
    body.finish()?;
    let academy = admin::create_academy(
        &state.db,
        &caller.scope,
        NewAcademy {
            name: &name,
            urn: &urn,
            phase: &phase,
            local_authority: &local_authority,
            region_id,
        },
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(AcademyView::from(academy)))
}

#[utoipa::path(
    tag = "admin",
    summary = "Move an academy into a region, or out of every region",
    params(("id" = String, Path, description = "The academy's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `region_id` (an id, or null for none); unknown fields are refused"),
    responses((status = 200, description = "The academy"), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such academy or region in the caller's trust"), (status = 422, description = "Invalid input, with the field"))
)]
#[patch("/academies/{id}")]
async fn update_academy(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let mut body = Body::read(&body, &["region_id"])?;
    // Absent is a mistake, not "no region": moving an academy out of its region is said by null.
    if !body.fields.contains_key("region_id") {
        body.problems
            .push(problem("region_id", "is required: an id, or null for none"));
    }
    let region_id = body.optional_id("region_id");
    body.finish()?;
    let academy =
        admin::set_academy_region(&state.db, &caller.scope, id, region_id, state.clock.now())
            .await?;
    Ok(HttpResponse::Ok().json(AcademyView::from(academy)))
}

#[utoipa::path(
    tag = "admin",
    summary = "List the trust's people",
    responses((status = 200, description = "The trust's people, active or not, by name"), (status = 403, description = "Not a trust safeguarding lead"))
)]
#[get("/people")]
async fn list_people(
    state: web::Data<ApiState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let people = admin::list_people(&state.db, &caller.scope).await?;
    Ok(HttpResponse::Ok().json(people.into_iter().map(PersonView::from).collect::<Vec<_>>()))
}

#[utoipa::path(
    tag = "admin",
    summary = "Invite a person to the trust",
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `display_name` and `email`; unknown fields are refused"),
    responses((status = 201, description = "The person, linked to their account at first sign-in"), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "Invalid input, or an email already in the trust, with the field"))
)]
#[post("/people")]
async fn invite_person(
    state: web::Data<ApiState>,
    caller: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let mut body = Body::read(&body, &["display_name", "email"])?;
    let display_name = body.line("display_name");
    let email = body.string("email");
    body.finish()?;
    let person = admin::invite_person(
        &state.db,
        &caller.scope,
        &display_name,
        &email,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(PersonView::from(person)))
}

#[utoipa::path(
    tag = "admin",
    summary = "Deactivate a person and end their sessions",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 204, description = "Deactivated"), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such person in the caller's trust"), (status = 422, description = "The caller themselves"))
)]
#[post("/people/{id}/deactivate")]
async fn deactivate_person(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    admin::deactivate_person(&state.db, &caller.scope, id, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    tag = "admin",
    summary = "List a person's roles",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 200, description = "Every role the person holds, held or will hold"), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such person in the caller's trust"))
)]
#[get("/people/{id}/roles")]
async fn list_roles(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let roles = admin::list_roles(&state.db, &caller.scope, id.0).await?;
    Ok(HttpResponse::Ok().json(roles.into_iter().map(RoleView::from).collect::<Vec<_>>()))
}

#[utoipa::path(
    tag = "admin",
    summary = "Give a person a role",
    params(("id" = String, Path, description = "The person's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `role`, `scope_kind` (trust, region or academy), `region_id` or `academy_id` as the scope needs, and optionally `starts_on` (default today) and `ends_on`; unknown fields are refused"),
    responses((status = 201, description = "The role assignment"), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such person, region or academy in the caller's trust"), (status = 422, description = "Invalid input, or a scope the role does not allow, with the field"))
)]
#[post("/people/{id}/roles")]
async fn assign_role(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let person_id = id.0;
    let mut body = Body::read(
        &body,
        &[
            "role",
            "scope_kind",
            "region_id",
            "academy_id",
            "starts_on",
            "ends_on",
        ],
    )?;
    let role = body.parsed("role", Role::parse);
    let scope_kind = body.parsed("scope_kind", ScopeKind::parse);
    let region_id = body.optional_id("region_id");
    let academy_id = body.optional_id("academy_id");
    let starts_on = body.optional_date("starts_on");
    let ends_on = body.optional_date("ends_on");
    let (Some(role), Some(scope_kind)) = (role, scope_kind) else {
        return Err(ApiError::Validation(body.problems));
    };
    body.finish()?;
    let assignment = admin::assign_role(
        &state.db,
        &caller.scope,
        NewRole {
            person_id,
            role,
            scope_kind,
            region_id,
            academy_id,
            starts_on: starts_on.unwrap_or_else(|| state.clock.today_london()),
            ends_on,
        },
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(RoleView::from(assignment)))
}

#[utoipa::path(
    tag = "admin",
    summary = "End a role assignment",
    params(("id" = String, Path, description = "The role assignment's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with optionally `ends_on`, the last day the role is held (default today); unknown fields are refused"),
    responses((status = 200, description = "The role assignment"), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such role assignment in the caller's trust"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/roles/{id}/end")]
async fn end_role(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    // An empty body means "today": ending a role needs no more said.
    let mut body = Body::read_optional(&body, &["ends_on"])?;
    let ends_on = body.optional_date("ends_on");
    body.finish()?;
    let assignment = admin::end_role(
        &state.db,
        &caller.scope,
        id,
        ends_on.unwrap_or_else(|| state.clock.today_london()),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(RoleView::from(assignment)))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regions)
        .service(create_region)
        .service(list_academies)
        .service(create_academy)
        .service(update_academy)
        .service(list_people)
        .service(invite_person)
        .service(deactivate_person)
        .service(list_roles)
        .service(assign_role)
        .service(end_role);
}
