//! A session's agenda and case notes (Appendix 3). The rules live in the store
//! (`haven_store::agenda`); these handlers only carry them to HTTP.

use actix_web::{HttpResponse, get, post, put, web};
use haven_domain::{CaseReference, Initials};
use haven_store::agenda::CaseNoteInput;
use serde_json::Value;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Authenticated;
use crate::body::Body;
use crate::path_id::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;

const CASE_NOTE_FIELDS: [&str; 12] = [
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

/// A required yes/no answer.
fn boolean(body: &mut Body, field: &str) -> bool {
    match body.fields.get(field) {
        Some(Value::Bool(answer)) => *answer,
        _ => {
            body.refuse(field, "is required: true or false");
            false
        }
    }
}

/// The Appendix 3 fields of a case note, each refusal under its own name; the body is then
/// finished, so every problem found is answered together.
fn case_note(mut body: Body) -> Result<CaseNoteInput, ApiError> {
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
    let logs_up_to_date = boolean(&mut body, "logs_up_to_date");
    let chronology_up_to_date = boolean(&mut body, "chronology_up_to_date");
    let risk_factors = body.string("risk_factors");
    let protective_factors = body.string("protective_factors");
    let outstanding_actions = body.string("outstanding_actions");
    let problems = body.problems;
    let (Some(case_reference), Some(child_initials), true) =
        (case_reference, child_initials, problems.is_empty())
    else {
        return Err(ApiError::Validation(problems));
    };
    Ok(CaseNoteInput {
        case_reference,
        child_initials,
        case_status,
        update_text,
        childs_view,
        parents_views,
        visiting_pattern,
        logs_up_to_date,
        chronology_up_to_date,
        risk_factors,
        protective_factors,
        outstanding_actions,
    })
}

/// A domain refusal's reason alone: the field it is reported under is the API's name.
fn reason(error: &haven_domain::DomainError) -> String {
    match error {
        haven_domain::DomainError::Invalid { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

#[utoipa::path(
    tag = "agendas",
    summary = "Submit a session's agenda",
    params(("id" = String, Path, description = "The session's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `items` (a list of strings) and, to update a submitted agenda, the `row_version` read; unknown fields are refused"),
    responses((status = 200, description = "The agenda, with `late` when sent after the policy's deadline"), (status = 403, description = "Not a supervisee of the session"), (status = 404, description = "No such session in the caller's scope"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, or the session is held or cancelled (`status`)"))
)]
#[put("/sessions/{id}/agenda")]
async fn submit_agenda(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session_id = id.0;
    let mut body = Body::read(&body, &["items", "row_version"])?;
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
    body.finish()?;
    let agenda = haven_store::agenda::submit_agenda(
        &state.db,
        &signed_in.scope,
        session_id,
        items,
        row_version,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(agenda))
}

#[utoipa::path(
    tag = "agendas",
    summary = "Read a session's agenda",
    params(("id" = String, Path, description = "The session's id")),
    responses((status = 200, description = "The agenda; the read is audited"), (status = 403, description = "Not a party of the session, a trust safeguarding lead or the holder of a live grant that covers its record"), (status = 404, description = "No such session or agenda in the caller's scope"))
)]
#[get("/sessions/{id}/agenda")]
async fn read_agenda(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let agenda =
        haven_store::agenda::read_agenda(&state.db, &signed_in.scope, id.0, state.clock.now())
            .await?;
    Ok(HttpResponse::Ok().json(agenda))
}

#[utoipa::path(
    tag = "agendas",
    summary = "Add case notes to a session",
    params(("id" = String, Path, description = "The session's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with the Appendix 3 fields: `case_reference`, `child_initials`, `case_status` (cp_plan, child_in_need, early_help, looked_after, de_escalated, cause_for_concern), `update_text`, `childs_view`, `parents_views`, `visiting_pattern`, `logs_up_to_date`, `chronology_up_to_date`, `risk_factors`, `protective_factors`, `outstanding_actions`; unknown fields are refused"),
    responses((status = 201, description = "The case note"), (status = 403, description = "Not a party of the session"), (status = 404, description = "No such session in the caller's scope"), (status = 422, description = "Invalid input, more cases than the agreement allows (`case_reference`), or a cancelled session or frozen record (`status`)"))
)]
#[post("/sessions/{id}/case-notes")]
async fn add_case_note(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session_id = id.0;
    let body = Body::read(&body, &CASE_NOTE_FIELDS)?;
    let input = case_note(body)?;
    let note = haven_store::agenda::add_case_note(
        &state.db,
        &signed_in.scope,
        session_id,
        input,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(note))
}

#[utoipa::path(
    tag = "agendas",
    summary = "Edit a case note",
    params(("id" = String, Path, description = "The case note's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with every Appendix 3 field and the `row_version` read; unknown fields are refused"),
    responses((status = 200, description = "The case note"), (status = 403, description = "Not a party of the session"), (status = 404, description = "No such case note in the caller's scope"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, or the session's record is frozen (`status`)"))
)]
#[put("/case-notes/{id}")]
async fn edit_case_note(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let note_id = id.0;
    let mut known = CASE_NOTE_FIELDS.to_vec();
    known.push("row_version");
    let mut body = Body::read(&body, &known)?;
    let row_version = body.integer("row_version");
    let input = case_note(body)?;
    let note = haven_store::agenda::edit_case_note(
        &state.db,
        &signed_in.scope,
        note_id,
        input,
        row_version,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(note))
}

#[utoipa::path(
    tag = "agendas",
    summary = "Read a session's case notes",
    params(("id" = String, Path, description = "The session's id")),
    responses((status = 200, description = "The case notes; the read is audited"), (status = 403, description = "Not a party of the session, a trust safeguarding lead or the holder of a live grant that covers its record"), (status = 404, description = "No such session in the caller's scope"))
)]
#[get("/sessions/{id}/case-notes")]
async fn case_notes(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let notes =
        haven_store::agenda::case_notes(&state.db, &signed_in.scope, id.0, state.clock.now())
            .await?;
    Ok(HttpResponse::Ok().json(notes))
}

#[utoipa::path(
    tag = "agendas",
    summary = "Read one case note, with the version an edit must name",
    params(("id" = String, Path, description = "The case note's id")),
    responses((status = 200, description = "The case note; the read is audited"), (status = 403, description = "Not a party of its session, a trust safeguarding lead or the holder of a live grant that covers its record"), (status = 404, description = "No such case note in the caller's scope"))
)]
#[get("/case-notes/{id}")]
async fn read_case_note(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let note = haven_store::agenda::case_note(&state.db, &signed_in.scope, id.0, state.clock.now())
        .await?;
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
