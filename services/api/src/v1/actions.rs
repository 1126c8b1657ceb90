//! Actions agreed at sessions: added by the session's parties, completed or carried forward by
//! their owner or the supervisor. The rules live in `haven_store::action`.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use haven_store::action::{
    self, ActionFigures, ActionView, MyActions, NewAction, SessionActions, Status,
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody, problem};

/// A new action of a session.
#[derive(ToSchema)]
pub(crate) struct NewActionBody {
    /// What is to be done.
    description: String,
    /// Who does it: the supervisor or a supervisee.
    owner_id: Uuid,
    /// When it is due, YYYY-MM-DD, not before the session.
    due_on: NaiveDate,
    /// The session's record it comes from, if any.
    record_id: Option<Uuid>,
    /// The session's case note it comes from, if any.
    case_note_id: Option<Uuid>,
}

impl FromBody for NewActionBody {
    const FIELDS: &'static [&'static str] = &[
        "description",
        "owner_id",
        "due_on",
        "record_id",
        "case_note_id",
    ];

    fn from_body(body: &mut Body) -> Option<Self> {
        let description = body.string("description");
        let owner_id = body.optional_id("owner_id");
        let due_on = body.optional_date("due_on");
        let record_id = body.optional_id("record_id");
        let case_note_id = body.optional_id("case_note_id");
        if owner_id.is_none() {
            body.refuse("owner_id", "is required: an id");
        }
        if due_on.is_none() {
            body.refuse("due_on", "is required: a date, YYYY-MM-DD");
        }
        Some(Self {
            description,
            owner_id: owner_id?,
            due_on: due_on?,
            record_id,
            case_note_id,
        })
    }
}

#[utoipa::path(
    tag = "actions",
    summary = "Add an action to a session",
    params(("id" = String, Path, description = "The session's id")),
    request_body(content = NewActionBody, content_type = "application/json", description = "A JSON object with `description`, `owner_id` (the supervisor or a supervisee), `due_on` (not before the session), and optionally `record_id` or `case_note_id` of this session; unknown fields are refused"),
    responses((status = 201, description = "The open action", body = ActionView), (status = 403, description = "Not a party of the session"), (status = 404, description = "No such session in the caller's scope"), (status = 422, description = "Invalid input, named by field"))
)]
#[post("/sessions/{id}/actions")]
async fn create_action(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session_id = id.0;
    let NewActionBody {
        description,
        owner_id,
        due_on,
        record_id,
        case_note_id,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let action = action::create(
        &mut tx,
        session_id,
        NewAction {
            description,
            owner_id,
            due_on,
            record_id,
            case_note_id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(action))
}

#[utoipa::path(
    tag = "actions",
    summary = "A session's actions",
    params(("id" = String, Path, description = "The session's id")),
    responses((status = 200, description = "The actions for the session's parties and trust leads (the read is audited); counts for anyone else who sees the academy", body = SessionActions), (status = 404, description = "No such session in the caller's scope"))
)]
#[get("/sessions/{id}/actions")]
async fn session_actions(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let actions = action::for_session(&mut tx, id.0).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(actions))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MineQuery {
    /// Only `me`: a person lists their own actions.
    owner: Option<String>,
    status: Option<String>,
    overdue: Option<bool>,
}

#[utoipa::path(
    tag = "actions",
    summary = "The caller's own actions",
    params(
        ("owner" = Option<String>, Query, description = "`me` (the only owner one may ask for)"),
        ("status" = Option<String>, Query, description = "open, done or carried_forward"),
        ("overdue" = Option<bool>, Query, description = "Only open actions due before today (London)")
    ),
    responses((status = 200, description = "The caller's actions", body = [ActionView]), (status = 422, description = "An unknown owner or status"))
)]
#[get("/actions")]
async fn my_actions(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    query: web::Query<MineQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Vec::new();
    if query.owner.as_deref().is_some_and(|owner| owner != "me") {
        problems.push(problem("owner", "only `me`: one lists one's own actions"));
    }
    let status = match query.status.as_deref().map(Status::parse) {
        None => None,
        Some(Ok(status)) => Some(status),
        Some(Err(reason)) => {
            problems.push(problem("status", reason));
            None
        }
    };
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let actions = action::mine(
        &mut tx,
        MyActions {
            status,
            overdue: query.overdue.unwrap_or(false),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(actions))
}

#[utoipa::path(
    tag = "actions",
    summary = "One action's figures, with the version marking it done must name",
    params(("id" = String, Path, description = "The action's id")),
    responses((status = 200, description = "Its owner, due date, status and `row_version`; never what it says", body = ActionFigures), (status = 404, description = "No such action in the caller's scope"))
)]
#[get("/actions/{id}")]
async fn action_figures(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&signed_in.scope).await?;
    let figures = action::figures(&read, id.0).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(figures))
}

/// An action marked done.
#[derive(ToSchema)]
pub(crate) struct CompleteActionBody {
    /// The `row_version` read.
    row_version: i32,
    /// The day it was done, YYYY-MM-DD; today when absent.
    done_on: Option<NaiveDate>,
}

impl FromBody for CompleteActionBody {
    const FIELDS: &'static [&'static str] = &["row_version", "done_on"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            row_version: body.integer("row_version"),
            done_on: body.optional_date("done_on"),
        })
    }
}

#[utoipa::path(
    tag = "actions",
    summary = "Mark an action done",
    params(("id" = String, Path, description = "The action's id")),
    request_body(content = CompleteActionBody, content_type = "application/json", description = "A JSON object with the `row_version` read and an optional `done_on` (YYYY-MM-DD, today when absent: the day it was done, for one entered afterwards); unknown fields are refused"),
    responses((status = 200, description = "The action, done", body = ActionView), (status = 403, description = "Not its owner or the session's supervisor"), (status = 404, description = "No such action in the caller's scope"), (status = 409, description = "Changed since it was read"), (status = 422, description = "No longer open (`status`), or `done_on` in the future or before the action's session"))
)]
#[post("/actions/{id}/done")]
async fn complete_action(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let action_id = id.0;
    let CompleteActionBody {
        row_version,
        done_on,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let action = action::complete(&mut tx, action_id, done_on, row_version).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(action))
}

/// Where an action is carried forward to.
#[derive(ToSchema)]
pub(crate) struct CarryForwardBody {
    /// A later session of the same agreement.
    to_session_id: Uuid,
    /// When the new action is due, YYYY-MM-DD; when absent, the old due date or the new
    /// session's date if that is later.
    due_on: Option<NaiveDate>,
}

impl FromBody for CarryForwardBody {
    const FIELDS: &'static [&'static str] = &["to_session_id", "due_on"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let to_session = body.optional_id("to_session_id");
        let due_on = body.optional_date("due_on");
        if to_session.is_none() {
            body.refuse("to_session_id", "is required: an id");
        }
        Some(Self {
            to_session_id: to_session?,
            due_on,
        })
    }
}

#[utoipa::path(
    tag = "actions",
    summary = "Carry an action forward to a later session",
    params(("id" = String, Path, description = "The action's id")),
    request_body(content = CarryForwardBody, content_type = "application/json", description = "A JSON object with `to_session_id` (a later session of the same agreement) and optionally `due_on`; unknown fields are refused"),
    responses((status = 201, description = "The new open action, linked back to the old one", body = ActionView), (status = 403, description = "Not its owner or the session's supervisor"), (status = 404, description = "No such action in the caller's scope"), (status = 422, description = "Not open (`status`), not a later session of the agreement (`to_session_id`), or due before it (`due_on`)"))
)]
#[post("/actions/{id}/carry-forward")]
async fn carry_forward(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let action_id = id.0;
    let CarryForwardBody {
        to_session_id: to_session,
        due_on,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let action = action::carry_forward(&mut tx, action_id, to_session, due_on).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(action))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_action)
        .service(session_actions)
        .service(my_actions)
        .service(action_figures)
        .service(complete_action)
        .service(carry_forward);
}
