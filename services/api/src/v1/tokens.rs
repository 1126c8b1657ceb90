//! `/api/v1/tokens`: the API tokens a trust safeguarding lead issues to integrations (a trust's
//! own reporting). A token's value is in the answer that creates it and nowhere else, ever.

use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use haven_domain::Capability;
use haven_store::api_token::{self, ApiToken};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::{ApiError, FieldProblem};
use crate::state::ApiState;

/// Long enough for "Power BI: attendance and supervision dashboard", short enough for a list.
const NAME_MAX_CHARS: usize = 100;
const FIELDS: [&str; 3] = ["name", "capabilities", "expires_at"];

#[derive(Serialize, ToSchema)]
struct TokenView {
    id: Uuid,
    name: String,
    /// The first characters of the token's secret part, to tell tokens apart.
    prefix: String,
    capabilities: Vec<&'static str>,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiToken> for TokenView {
    fn from(token: ApiToken) -> Self {
        Self {
            id: token.id,
            name: token.name,
            prefix: token.prefix,
            capabilities: token.capabilities.iter().map(|c| c.as_str()).collect(),
            created_by: token.created_by,
            created_at: token.created_at,
            expires_at: token.expires_at,
            last_used_at: token.last_used_at,
            revoked_at: token.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
struct Created {
    #[serde(flatten)]
    view: TokenView,
    token: String,
}

/// A token to create, read field by field so each mistake is named by its field.
#[derive(ToSchema)]
pub(crate) struct NewToken {
    /// What the token is for, at most 100 characters.
    name: String,
    /// What it may read: a non-empty list of capabilities.
    #[schema(value_type = Vec<String>)]
    capabilities: Vec<Capability>,
    /// When it stops working, RFC 3339, in the future; never when absent.
    expires_at: Option<DateTime<Utc>>,
}

fn problem(field: &str, reason: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

fn known_capabilities() -> String {
    Capability::ALL
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_new_token(body: &[u8], now: DateTime<Utc>) -> Result<NewToken, ApiError> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::Validation(vec![problem(
            "body",
            "send a JSON object with name, capabilities and (optionally) expires_at",
        )]));
    };
    let mut problems = Vec::new();
    // A misspelt `expires_at` ignored would issue a token that never expires.
    for key in fields.keys().filter(|key| !FIELDS.contains(&key.as_str())) {
        problems.push(problem(key, "is not a field of a token"));
    }
    let name = match fields.get("name").and_then(Value::as_str).map(str::trim) {
        Some("") => {
            problems.push(problem("name", "must not be empty"));
            String::new()
        }
        Some(name) if name.chars().count() > NAME_MAX_CHARS => {
            problems.push(problem(
                "name",
                format!("must be at most {NAME_MAX_CHARS} characters"),
            ));
            String::new()
        }
        Some(name) => name.to_owned(),
        None => {
            problems.push(problem("name", "is required: what the token is for"));
            String::new()
        }
    };
    let mut capabilities = Vec::new();
    match fields.get("capabilities") {
        Some(Value::Array(items)) if !items.is_empty() => {
            for item in items {
                match item.as_str().map(Capability::parse) {
                    Some(Ok(capability)) => capabilities.push(capability),
                    _ => problems.push(problem(
                        "capabilities",
                        format!(
                            "{item} is not a capability; known: {}",
                            known_capabilities()
                        ),
                    )),
                }
            }
        }
        _ => problems.push(problem(
            "capabilities",
            format!("is required: a non-empty list of {}", known_capabilities()),
        )),
    }
    let expires_at = match fields.get("expires_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => match haven_domain::input::instant(text) {
            Ok(at) if at > now => Some(at),
            Ok(_) => {
                problems.push(problem("expires_at", "must be in the future"));
                None
            }
            Err(refusal) => {
                problems.push(problem("expires_at", refusal.0));
                None
            }
        },
        Some(_) => {
            problems.push(problem(
                "expires_at",
                "must be a date and time with its offset (RFC 3339), or null",
            ));
            None
        }
    };
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    Ok(NewToken {
        name,
        capabilities,
        expires_at,
    })
}

#[utoipa::path(
    tag = "tokens",
    summary = "Create an API token",
    request_body(content = NewToken, content_type = "application/json", description = "A JSON object with `name`, `capabilities` and optionally `expires_at`; unknown fields are refused"),
    responses((status = 201, description = "The token, shown this once", body = Created), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/tokens")]
async fn create(
    state: web::Data<ApiState>,
    caller: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let new = read_new_token(&body, now)?;
    let mut tx = state.db.write(&caller.scope, now).await?;
    let (token, value) =
        api_token::create(&mut tx, &new.name, &new.capabilities, new.expires_at).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        // The one answer that holds the token: no cache may keep a copy of it.
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .json(Created {
            view: token.into(),
            token: value,
        }))
}

#[utoipa::path(
    tag = "tokens",
    summary = "List API tokens",
    responses((status = 200, description = "The trust's tokens, without secrets", body = [TokenView]), (status = 403, description = "Not a trust safeguarding lead"))
)]
#[get("/tokens")]
async fn list(state: web::Data<ApiState>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let tokens = api_token::list(&read).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(tokens.into_iter().map(TokenView::from).collect::<Vec<_>>()))
}

#[utoipa::path(
    tag = "tokens",
    summary = "Revoke an API token",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such token in the caller's trust"))
)]
#[delete("/tokens/{id}")]
async fn revoke(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    api_token::revoke(&mut tx, id.0).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create).service(list).service(revoke);
}
