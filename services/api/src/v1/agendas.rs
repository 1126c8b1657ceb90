//! A session's agenda and case notes (Appendix 3). The rules live in the store
//! (`haven_store::agenda`); these handlers only carry them to HTTP.

use actix_web::{HttpResponse, get, post, put, web};
use haven_domain::{CaseReference, Initials};
use haven_store::agenda::{self, AgendaView, CASE_STATUSES, CaseNoteInput, CaseNoteView};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody};

/// A case note's Appendix 3 fields, each refusal under its own name: a new note as it is
/// added, and an edited one beside the `row_version` read.
#[derive(ToSchema)]
pub(crate) struct CaseNoteBody {
    /// The case's reference.
    #[schema(value_type = String)]
    case_reference: CaseReference,
    /// The child's initials.
    #[schema(value_type = String)]
    child_initials: Initials,
    /// The case's status: one of the store's statuses, as its schema lists them.
    #[schema(schema_with = case_status_schema)]
    case_status: String,
    /// The update since the last session.
    update_text: String,
    /// The child's view.
    childs_view: String,
    /// The parents' views.
    parents_views: String,
    /// The pattern of visits.
    visiting_pattern: String,
    /// Whether the logs are up to date.
    logs_up_to_date: bool,
    /// Whether the chronology is up to date.
    chronology_up_to_date: bool,
    /// The risk factors.
    risk_factors: String,
    /// The protective factors.
    protective_factors: String,
    /// The actions outstanding.
    outstanding_actions: String,
}

/// `case_status` in the OpenAPI document: a string of the store's own list of statuses.
fn case_status_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("The case's status."))
        .enum_values(Some(CASE_STATUSES))
        .build()
}

impl FromBody for CaseNoteBody {
    const FIELDS: &'static [&'static str] = &[
        "case_reference",
        "child_initials",
        "case_status",
        "update_text",
        "childs_view",
        "parents_views",
        "visiting_pattern",
        "logs_up_to_date",
        "chronology_up_to_date",
        "risk_factors",
        "protective_factors",
        "outstanding_actions",
    ];

    fn from_body(body: &mut Body) -> Option<Self> {
        let case_reference = body.parsed("case_reference", |raw| {
            CaseReference::parse(raw).map_err(|error| reason(&error))
        });
        let child_initials = body.parsed("child_initials", |raw| {
            Initials::parse(raw).map_err(|error| reason(&error))
        });
        let case_status = body.string("case_status");
        let update_text = body.string("update_text");
        let childs_view = body.string("childs_view");
        let parents_views = body.string("parents_views");
        let visiting_pattern = body.string("visiting_pattern");
        let logs_up_to_date = body.boolean("logs_up_to_date");
        let chronology_up_to_date = body.boolean("chronology_up_to_date");
        let risk_factors = body.string("risk_factors");
        let protective_factors = body.string("protective_factors");
        let outstanding_actions = body.string("outstanding_actions");
        Some(Self {
            case_reference: case_reference?,
            child_initials: child_initials?,
            case_status,
            update_text,
            childs_view,
            parents_views,
            visiting_pattern,
            logs_up_to_date: logs_up_to_date?,
            chronology_up_to_date: chronology_up_to_date?,
            risk_factors,
            protective_factors,
            outstanding_actions,
        })
    }
}

impl From<CaseNoteBody> for CaseNoteInput {
    fn from(note: CaseNoteBody) -> Self {
        Self {
            case_reference: note.case_reference,
            child_initials: note.child_initials,
            case_status: note.case_status,
            update_text: note.update_text,
            childs_view: note.childs_view,
            parents_views: note.parents_views,
            visiting_pattern: note.visiting_pattern,
            logs_up_to_date: note.logs_up_to_date,
            chronology_up_to_date: note.chronology_up_to_date,
            risk_factors: note.risk_factors,
            protective_factors: note.protective_factors,
            outstanding_actions: note.outstanding_actions,
        }
    }
}

/// A case note's every Appendix 3 field, as edited, and the `row_version` read.
#[derive(ToSchema)]
pub(crate) struct EditCaseNoteBody {
    /// The `row_version` read.
    row_version: i32,
    #[serde(flatten)]
    note: CaseNoteBody,
}

impl FromBody for EditCaseNoteBody {
    const FIELDS: &'static [&'static str] =
        &body::fields::<13>(CaseNoteBody::FIELDS, &["row_version"]);

    fn from_body(body: &mut Body) -> Option<Self> {
        let row_version = body.integer("row_version");
        let note = CaseNoteBody::from_body(body)?;
        Some(Self { row_version, note })
    }
}

/// A domain refusal's reason alone: the field it is reported under is the API's name.
fn reason(error: &haven_domain::DomainError) -> String {
    match error {
        haven_domain::DomainError::Invalid { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// A session's agenda: its items, and to update one submitted, the `row_version` read.
#[derive(ToSchema)]
pub(crate) struct AgendaBody {
    /// The items to discuss.
    items: Vec<String>,
    /// The `row_version` read, to update a submitted agenda.
    row_version: Option<i32>,
}

impl FromBody for AgendaBody {
    const FIELDS: &'static [&'static str] = &["items", "row_version"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let row_version = body
            .take("row_version")
            .map(|value| value.as_i64().and_then(|n| i32::try_from(n).ok()));
        let row_version = match row_version {
            Some(None) => {
                body.refuse("row_version", "must be an integer");
                None
            }
            Some(read) => read,
            None => None,
        };
        let items = match body.take("items") {
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(text) => Some(text),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>(),
            _ => None,
        };
        let items = items.unwrap_or_else(|| {
            body.refuse("items", "is required: a list of strings");
            Vec::new()
        });
        Some(Self { items, row_version })
    }
}

#[utoipa::path(
    tag = "agendas",
    summary = "Submit a session's agenda",
    params(("id" = String, Path, description = "The session's id")),
    request_body(content = AgendaBody, content_type = "application/json", description = "A JSON object with `items` (a list of strings) and, to update a submitted agenda, the `row_version` read; unknown fields are refused"),
    responses((status = 200, description = "The agenda, with `late` when sent after the policy's deadline", body = AgendaView), (status = 403, description = "Not a supervisee of the session"), (status = 404, description = "No such session in the caller's scope"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, or the session is held or cancelled (`status`)"))
)]
#[put("/sessions/{id}/agenda")]
async fn submit_agenda(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session_id = id.0;
    let AgendaBody { items, row_version } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let agenda = agenda::submit_agenda(&mut tx, session_id, items, row_version).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(agenda))
}

#[utoipa::path(
    tag = "agendas",
    summary = "Read a session's agenda",
    params(("id" = String, Path, description = "The session's id")),
    responses((status = 200, description = "The agenda; the read is audited", body = AgendaView), (status = 403, description = "Not a party of the session, a trust safeguarding lead or the holder of a live grant that covers its record"), (status = 404, description = "No such session or agenda in the caller's scope"))
)]
#[get("/sessions/{id}/agenda")]
async fn read_agenda(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let agenda = agenda::read_agenda(&mut tx, id.0).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(agenda))
}

#[utoipa::path(
    tag = "agendas",
    summary = "Add case notes to a session",
    params(("id" = String, Path, description = "The session's id")),
    request_body(content = CaseNoteBody, content_type = "application/json", description = "A JSON object with the Appendix 3 fields: `case_reference`, `child_initials`, `case_status` (one of the statuses its schema lists), `update_text`, `childs_view`, `parents_views`, `visiting_pattern`, `logs_up_to_date`, `chronology_up_to_date`, `risk_factors`, `protective_factors`, `outstanding_actions`; unknown fields are refused"),
    responses((status = 201, description = "The case note", body = CaseNoteView), (status = 403, description = "Not a party of the session"), (status = 404, description = "No such session in the caller's scope"), (status = 422, description = "Invalid input, more cases than the agreement allows (`case_reference`), or a cancelled session or frozen record (`status`)"))
)]
#[post("/sessions/{id}/case-notes")]
async fn add_case_note(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session_id = id.0;
    let input = CaseNoteInput::from(body::parse::<CaseNoteBody>(&body)?);
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let note = agenda::add_case_note(&mut tx, session_id, input).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(note))
}

#[utoipa::path(
    tag = "agendas",
    summary = "Edit a case note",
    params(("id" = String, Path, description = "The case note's id")),
    request_body(content = EditCaseNoteBody, content_type = "application/json", description = "A JSON object with every Appendix 3 field and the `row_version` read; unknown fields are refused"),
    responses((status = 200, description = "The case note", body = CaseNoteView), (status = 403, description = "Not a party of the session"), (status = 404, description = "No such case note in the caller's scope"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, or the session's record is frozen (`status`)"))
)]
#[put("/case-notes/{id}")]
async fn edit_case_note(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let note_id = id.0;
    let EditCaseNoteBody { row_version, note } = body::parse(&body)?;
    let input = CaseNoteInput::from(note);
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let note = agenda::edit_case_note(&mut tx, note_id, input, row_version).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(note))
}

#[utoipa::path(
    tag = "agendas",
    summary = "Read a session's case notes",
    params(("id" = String, Path, description = "The session's id")),
    responses((status = 200, description = "The case notes; the read is audited", body = [CaseNoteView]), (status = 403, description = "Not a party of the session, a trust safeguarding lead or the holder of a live grant that covers its record"), (status = 404, description = "No such session in the caller's scope"))
)]
#[get("/sessions/{id}/case-notes")]
async fn case_notes(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let notes = agenda::case_notes(&mut tx, id.0).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(notes))
}

#[utoipa::path(
    tag = "agendas",
    summary = "Read one case note, with the version an edit must name",
    params(("id" = String, Path, description = "The case note's id")),
    responses((status = 200, description = "The case note; the read is audited", body = CaseNoteView), (status = 403, description = "Not a party of its session, a trust safeguarding lead or the holder of a live grant that covers its record"), (status = 404, description = "No such case note in the caller's scope"))
)]
#[get("/case-notes/{id}")]
async fn read_case_note(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let note = agenda::case_note(&mut tx, id.0).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(note))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_agenda)
        .service(read_case_note)
        .service(read_agenda)
        .service(add_case_note)
        .service(edit_case_note)
        .service(case_notes);
}
