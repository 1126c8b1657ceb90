//! A trust's administration by its safeguarding lead: regions, academies, people and their
//! roles. Who may do what, and which values are refused, is the store's rule
//! (`haven_store::admin`); this module reads bodies field by field so each mistake is named.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use haven_domain::role::{Role, ScopeKind};
use haven_store::admin::{
    self, AcademyView, NewAcademy, NewRole, PersonView, RegionView, RoleView,
};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody};

#[utoipa::path(
    tag = "admin",
    summary = "List the trust's regions",
    responses((status = 200, description = "The trust's regions, by name", body = [RegionView]), (status = 403, description = "Not a trust safeguarding lead"))
)]
#[get("/regions")]
async fn list_regions(
    state: web::Data<ApiState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let regions = admin::list_regions(&read).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(regions))
}

/// A new region of the trust.
#[derive(ToSchema)]
pub(crate) struct NewRegionBody {
    /// Its name, one line.
    name: String,
}

impl FromBody for NewRegionBody {
    const FIELDS: &'static [&'static str] = &["name"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            name: body.line("name"),
        })
    }
}

#[utoipa::path(
    tag = "admin",
    summary = "Create a region",
    request_body(content = NewRegionBody, content_type = "application/json", description = "A JSON object with `name`; unknown fields are refused"),
    responses((status = 201, description = "The region", body = RegionView), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/regions")]
async fn create_region(
    state: web::Data<ApiState>,
    caller: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let NewRegionBody { name } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let region = admin::create_region(&mut tx, &name).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(region))
}

#[utoipa::path(
    tag = "admin",
    summary = "List the academies the caller sees",
    responses((status = 200, description = "The academies in the caller's scope, by name", body = [AcademyView]), (status = 401, description = "Not signed in"))
)]
#[get("/academies")]
async fn list_academies(
    state: web::Data<ApiState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let academies = admin::list_academies(&read).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(academies))
}

/// A new academy of the trust.
#[derive(ToSchema)]
pub(crate) struct NewAcademyBody {
    /// Its name, one line.
    name: String,
    /// Its unique reference number.
    urn: String,
    /// Its phase of education.
    phase: String,
    /// Its local authority, one line.
    local_authority: String,
    /// The region it belongs to, if any.
    region_id: Option<Uuid>,
}

impl FromBody for NewAcademyBody {
    const FIELDS: &'static [&'static str] =
        &["name", "urn", "phase", "local_authority", "region_id"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            name: body.line("name"),
            urn: body.string("urn"),
            phase: body.string("phase"),
            local_authority: body.line("local_authority"),
            region_id: body.optional_id("region_id"),
        })
    }
}

#[utoipa::path(
    tag = "admin",
    summary = "Register an academy",
    request_body(content = NewAcademyBody, content_type = "application/json", description = "A JSON object with `name`, `urn`, `phase`, `local_authority` and optionally `region_id`; unknown fields are refused"),
    responses((status = 201, description = "The academy", body = AcademyView), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such region in the caller's trust"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/academies")]
async fn create_academy(
    state: web::Data<ApiState>,
    caller: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let NewAcademyBody {
        name,
        urn,
        phase,
        local_authority,
        region_id,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let academy = admin::create_academy(
        &mut tx,
        NewAcademy {
            name: &name,
            urn: &urn,
            phase: &phase,
            local_authority: &local_authority,
            region_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(academy))
}

/// The region an academy moves into, or none.
#[derive(ToSchema)]
pub(crate) struct AcademyRegionBody {
    /// The region, or null for none; required.
    region_id: Option<Uuid>,
}

impl FromBody for AcademyRegionBody {
    const FIELDS: &'static [&'static str] = &["region_id"];

    fn from_body(body: &mut Body) -> Option<Self> {
        // Absent is a mistake, not "no region": moving an academy out of its region is said by null.
        if !body.has("region_id") {
            body.refuse("region_id", "is required: an id, or null for none");
        }
        Some(Self {
            region_id: body.optional_id("region_id"),
        })
    }
}

#[utoipa::path(
    tag = "admin",
    summary = "Move an academy into a region, or out of every region",
    params(("id" = String, Path, description = "The academy's id")),
    request_body(content = AcademyRegionBody, content_type = "application/json", description = "A JSON object with `region_id` (an id, or null for none); unknown fields are refused"),
    responses((status = 200, description = "The academy", body = AcademyView), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such academy or region in the caller's trust"), (status = 422, description = "Invalid input, with the field"))
)]
#[patch("/academies/{id}")]
async fn update_academy(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let AcademyRegionBody { region_id } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let academy = admin::set_academy_region(&mut tx, id, region_id).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(academy))
}

#[utoipa::path(
    tag = "admin",
    summary = "List the trust's people",
    responses((status = 200, description = "The trust's people, active or not, by name", body = [PersonView]), (status = 403, description = "Not a trust safeguarding lead"))
)]
#[get("/people")]
async fn list_people(
    state: web::Data<ApiState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let people = admin::list_people(&read).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(people))
}

/// A person invited to the trust.
#[derive(ToSchema)]
pub(crate) struct InvitePersonBody {
    /// Their name as shown, one line.
    display_name: String,
    /// Their email address, not yet in the trust.
    email: String,
}

impl FromBody for InvitePersonBody {
    const FIELDS: &'static [&'static str] = &["display_name", "email"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            display_name: body.line("display_name"),
            email: body.string("email"),
        })
    }
}

#[utoipa::path(
    tag = "admin",
    summary = "Invite a person to the trust",
    request_body(content = InvitePersonBody, content_type = "application/json", description = "A JSON object with `display_name` and `email`; unknown fields are refused"),
    responses((status = 201, description = "The person, linked to their account at first sign-in", body = PersonView), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "Invalid input, or an email already in the trust, with the field"))
)]
#[post("/people")]
async fn invite_person(
    state: web::Data<ApiState>,
    caller: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let InvitePersonBody {
        display_name,
        email,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let person = admin::invite_person(&mut tx, &display_name, &email).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(person))
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
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    admin::deactivate_person(&mut tx, id).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    tag = "admin",
    summary = "List a person's roles",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 200, description = "Every role the person holds, held or will hold", body = [RoleView]), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such person in the caller's trust"))
)]
#[get("/people/{id}/roles")]
async fn list_roles(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let roles = admin::list_roles(&read, id.0).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(roles))
}

/// A role given to a person, where and for how long.
#[derive(ToSchema)]
pub(crate) struct AssignRoleBody {
    /// The role.
    #[schema(value_type = String, example = "supervisor")]
    role: Role,
    /// trust, region or academy.
    #[schema(value_type = String, example = "academy")]
    scope_kind: ScopeKind,
    /// The region, for a role held in one.
    region_id: Option<Uuid>,
    /// The academy, for a role held in one.
    academy_id: Option<Uuid>,
    /// The first day it is held, YYYY-MM-DD; today when absent.
    starts_on: Option<NaiveDate>,
    /// The last day it is held, YYYY-MM-DD, if it ends.
    ends_on: Option<NaiveDate>,
}

impl FromBody for AssignRoleBody {
    const FIELDS: &'static [&'static str] = &[
        "role",
        "scope_kind",
        "region_id",
        "academy_id",
        "starts_on",
        "ends_on",
    ];

    fn from_body(body: &mut Body) -> Option<Self> {
        let role = body.parsed("role", Role::parse);
        let scope_kind = body.parsed("scope_kind", ScopeKind::parse);
        Some(Self {
            role: role?,
            scope_kind: scope_kind?,
            region_id: body.optional_id("region_id"),
            academy_id: body.optional_id("academy_id"),
            starts_on: body.optional_date("starts_on"),
            ends_on: body.optional_date("ends_on"),
        })
    }
}

#[utoipa::path(
    tag = "admin",
    summary = "Give a person a role",
    params(("id" = String, Path, description = "The person's id")),
    request_body(content = AssignRoleBody, content_type = "application/json", description = "A JSON object with `role`, `scope_kind` (trust, region or academy), `region_id` or `academy_id` as the scope needs, and optionally `starts_on` (default today) and `ends_on`; unknown fields are refused"),
    responses((status = 201, description = "The role assignment", body = RoleView), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such person, region or academy in the caller's trust"), (status = 422, description = "Invalid input, or a scope the role does not allow, with the field"))
)]
#[post("/people/{id}/roles")]
async fn assign_role(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let person_id = id.0;
    let AssignRoleBody {
        role,
        scope_kind,
        region_id,
        academy_id,
        starts_on,
        ends_on,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let assignment = admin::assign_role(
        &mut tx,
        NewRole {
            person_id,
            role,
            scope_kind,
            region_id,
            academy_id,
            starts_on: starts_on.unwrap_or_else(|| state.clock.today_london()),
            ends_on,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(assignment))
}

/// When a role ends; an empty body means "today": ending a role needs no more said.
#[derive(ToSchema)]
pub(crate) struct EndRoleBody {
    /// The last day the role is held, YYYY-MM-DD; today when absent.
    ends_on: Option<NaiveDate>,
}

impl FromBody for EndRoleBody {
    const FIELDS: &'static [&'static str] = &["ends_on"];
    const OPTIONAL: bool = true;

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            ends_on: body.optional_date("ends_on"),
        })
    }
}

#[utoipa::path(
    tag = "admin",
    summary = "End a role assignment",
    params(("id" = String, Path, description = "The role assignment's id")),
    request_body(content = EndRoleBody, content_type = "application/json", description = "A JSON object with optionally `ends_on`, the last day the role is held (default today); unknown fields are refused"),
    responses((status = 200, description = "The role assignment", body = RoleView), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such role assignment in the caller's trust"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/roles/{id}/end")]
async fn end_role(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let EndRoleBody { ends_on } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let assignment = admin::end_role(
        &mut tx,
        id,
        ends_on.unwrap_or_else(|| state.clock.today_london()),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(assignment))
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
