//! The trust's policy settings and academies' overrides. Each setting is read on its own, so a
//! mistake is answered under the setting's name; which values the policy allows is the domain's
//! rule (`PolicySettings::validate`), who may change them the store's (`haven_store::policy`).

use actix_web::{HttpResponse, delete, get, put, web};
use haven_domain::{PolicyOverride, PolicySettings};
use haven_store::policy::{AcademyPolicy, TrustPolicy};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::{ApiError, FieldProblem};
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody, problem};

/// A school's policy, as the seeds know it, chosen by name.
fn preset(name: &str) -> Result<PolicySettings, String> {
    match name {
        "esteem" => Ok(PolicySettings::esteem()),
        "captain_cook" => Ok(PolicySettings::captain_cook()),
        "old_park" => Ok(PolicySettings::old_park()),
        "coop_southfield" => Ok(PolicySettings::coop_southfield()),
        other => Err(format!(
            "{other:?} is not a preset: esteem, captain_cook, old_park or coop_southfield"
        )),
    }
}

/// The names of every setting.
fn setting_names() -> Vec<String> {
    match serde_json::to_value(PolicySettings::default()) {
        Ok(Value::Object(fields)) => fields.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Reads `settings` as `T`, each setting on its own first so a refusal names it; settings that
/// do not exist are refused, and with `whole` so are settings left out.
fn read_settings<T: DeserializeOwned>(
    value: Value,
    whole: bool,
    problems: &mut Vec<FieldProblem>,
) -> Option<T> {
    let Value::Object(fields) = value else {
        problems.push(problem("settings", "must be a JSON object of settings"));
        return None;
    };
    let names = setting_names();
    let before = problems.len();
    for (name, value) in &fields {
        if !names.contains(name) {
            problems.push(problem(name, "is not a policy setting"));
            continue;
        }
        let single = Value::Object(Map::from_iter([(name.clone(), value.clone())]));
        if let Err(error) = serde_json::from_value::<T>(single) {
            problems.push(problem(name, error.to_string()));
        }
    }
    if whole {
        for name in names.iter().filter(|name| !fields.contains_key(*name)) {
            problems.push(problem(
                name,
                "is required: the trust's settings are replaced whole",
            ));
        }
    }
    if problems.len() > before {
        return None;
    }
    serde_json::from_value(Value::Object(fields))
        .map_err(|error| problems.push(problem("settings", error.to_string())))
        .ok()
}

/// `field` (as `T`) or `preset`, exactly one, and the `row_version` the caller read: the
/// settings given, or the preset's, and that version.
fn read_change<T: DeserializeOwned>(
    body: &mut Body,
    field: &'static str,
    whole: bool,
) -> Option<(Option<T>, Option<PolicySettings>, i32)> {
    let row_version = body.integer("row_version");
    let given = body.take(field);
    let named = body.optional_string("preset");
    let mut problems = Vec::new();
    let change = match (given, named) {
        (Some(value), None) => {
            read_settings::<T>(value, whole, &mut problems).map(|settings| (Some(settings), None))
        }
        (None, Some(name)) => match preset(&name) {
            Ok(settings) => Some((None, Some(settings))),
            Err(reason) => {
                problems.push(problem("preset", reason));
                None
            }
        },
        _ => {
            problems.push(problem(field, format!("give either {field} or preset")));
            None
        }
    };
    for found in problems {
        body.refuse(&found.field, found.reason);
    }
    change.map(|(given, preset)| (given, preset, row_version))
}

/// The trust's settings replaced: every setting, or a school's preset.
#[derive(ToSchema)]
pub(crate) struct TrustPolicyBody {
    /// The `row_version` read; 0 before the trust has saved any.
    row_version: i32,
    /// Every setting, by name.
    settings: Option<PolicySettings>,
    /// esteem, captain_cook, old_park or coop_southfield, instead of `settings`.
    #[schema(value_type = Option<String>)]
    preset: Option<PolicySettings>,
}

impl FromBody for TrustPolicyBody {
    const FIELDS: &'static [&'static str] = &["row_version", "settings", "preset"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let (settings, preset, row_version) = read_change(body, "settings", true)?;
        Some(Self {
            row_version,
            settings,
            preset,
        })
    }
}

/// An academy's override set: only the settings it changes, or a school's preset whole.
#[derive(ToSchema)]
pub(crate) struct AcademyPolicyBody {
    /// The `row_version` read; 0 when the academy has no override.
    row_version: i32,
    /// Only the settings the academy changes, by name.
    #[schema(rename = "override")]
    with: Option<PolicyOverride>,
    /// esteem, captain_cook, old_park or coop_southfield, instead of `override`.
    #[schema(value_type = Option<String>)]
    preset: Option<PolicySettings>,
}

impl FromBody for AcademyPolicyBody {
    const FIELDS: &'static [&'static str] = &["row_version", "override", "preset"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let (with, preset, row_version) = read_change(body, "override", false)?;
        Some(Self {
            row_version,
            with,
            preset,
        })
    }
}

/// The answer when neither the settings nor a preset came through.
fn unread(field: &str) -> ApiError {
    ApiError::Validation(vec![problem(field, "cannot be read")])
}

#[utoipa::path(
    tag = "policy",
    summary = "The trust's policy settings",
    responses((status = 200, description = "The trust default (the domain's defaults until the trust saves its own), with its row_version", body = TrustPolicy), (status = 401, description = "Not signed in"))
)]
#[get("/policy")]
async fn trust_policy(
    state: web::Data<ApiState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let policy = haven_store::policy::trust_default(&read).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(policy))
}

#[utoipa::path(
    tag = "policy",
    summary = "Replace the trust's policy settings",
    request_body(content = TrustPolicyBody, content_type = "application/json", description = "A JSON object with `row_version` (as read; 0 before the trust has saved any) and either `settings` (every setting) or `preset` (esteem, captain_cook, old_park or coop_southfield); unknown fields are refused"),
    responses((status = 200, description = "The trust default", body = TrustPolicy), (status = 403, description = "Not a trust safeguarding lead"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, with the setting"))
)]
#[put("/policy")]
async fn set_trust_policy(
    state: web::Data<ApiState>,
    caller: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let TrustPolicyBody {
        row_version,
        settings,
        preset,
    } = body::parse(&body)?;
    let settings = settings.or(preset).ok_or_else(|| unread("settings"))?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let policy = haven_store::policy::set_trust_default(&mut tx, &settings, row_version).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(policy))
}

#[utoipa::path(
    tag = "policy",
    summary = "An academy's policy override and effective settings",
    params(("id" = String, Path, description = "The academy's id")),
    responses((status = 200, description = "The override (null for none), its row_version and the effective settings", body = AcademyPolicy), (status = 404, description = "No such academy in the caller's scope"))
)]
#[get("/academies/{id}/policy")]
async fn academy_policy(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let policy = haven_store::policy::academy(&read, id.0).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(policy))
}

#[utoipa::path(
    tag = "policy",
    summary = "Set an academy's policy override",
    params(("id" = String, Path, description = "The academy's id")),
    request_body(content = AcademyPolicyBody, content_type = "application/json", description = "A JSON object with `row_version` (as read; 0 when the academy has no override) and either `override` (only the settings the academy changes) or `preset`; unknown fields are refused"),
    responses((status = 200, description = "The override and the effective settings", body = AcademyPolicy), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such academy in the caller's scope"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, with the setting"))
)]
#[put("/academies/{id}/policy")]
async fn set_academy_policy(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let academy_id = id.0;
    // A preset overrides every setting: the academy follows that school's policy whole.
    let AcademyPolicyBody {
        row_version,
        with,
        preset,
    } = body::parse(&body)?;
    let with = match (with, preset) {
        (Some(with), _) => with,
        (None, Some(settings)) => serde_json::to_value(settings)
            .and_then(serde_json::from_value)
            .map_err(|error| ApiError::Internal(error.into()))?,
        (None, None) => return Err(unread("override")),
    };
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let policy =
        haven_store::policy::set_academy_override(&mut tx, academy_id, &with, row_version).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(policy))
}

#[utoipa::path(
    tag = "policy",
    summary = "Clear an academy's policy override",
    params(("id" = String, Path, description = "The academy's id")),
    responses((status = 204, description = "The academy follows the trust default"), (status = 403, description = "Not a trust safeguarding lead"), (status = 404, description = "No such academy in the caller's scope"))
)]
#[delete("/academies/{id}/policy")]
async fn clear_academy_policy(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    haven_store::policy::clear_academy_override(&mut tx, id.0).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(trust_policy)
        .service(set_trust_policy)
        .service(academy_policy)
        .service(set_academy_policy)
        .service(clear_academy_policy);
}
