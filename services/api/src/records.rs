//! Supervision records and sessions: content for those entitled to it, figures for the rest.
//! The rule lives in the store (`haven_store::record`); these handlers only carry it to HTTP.

use actix_web::{HttpResponse, get, post, put, web};
use haven_domain::RecordContent;
use haven_store::record::{PaperSignature, Sending, Signing};
use serde::Deserialize;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Authenticated;
use crate::body::{Body, problem};
use crate::path_id::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;

#[derive(Deserialize)]
struct ReadQuery {
    /// Why the reader opens the record, kept in the audit entry (asked of grant holders).
    reason: Option<String>,
}

#[utoipa::path(
    tag = "records",
    summary = "Read a supervision record",
    params(("id" = String, Path, description = "The supervision record's id")),
    responses((status = 200, description = "The record's content; the read is audited"), (status = 403, description = "Figures only for this caller"), (status = 404, description = "No such record in the caller's scope"))
)]
#[get("/records/{id}")]
async fn read_record(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let record = haven_store::record::read_record(
        &state.db,
        &signed_in.scope,
        id.0,
        query.reason.as_deref(),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "A session's figures",
    params(("id" = String, Path, description = "The session's id")),
    responses((status = 200, description = "The session's figures, never content"), (status = 404, description = "No such session in the caller's scope"))
)]
#[get("/sessions/{id}")]
async fn session_figures(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let figures = haven_store::record::session_figures(&state.db, &signed_in.scope, id.0).await?;
    Ok(HttpResponse::Ok().json(figures))
}

/// The record's content from `content` (every section optional while a draft).
fn content(body: &mut Body) -> RecordContent {
    let sent = body
        .take("content")
        .unwrap_or_else(|| serde_json::json!({}));
    RecordContent::from_json(sent).unwrap_or_else(|error| {
        body.refuse("content", error.to_string());
        RecordContent::default()
    })
}

#[utoipa::path(
    tag = "records",
    summary = "Write the draft record of a held session",
    params(("id" = String, Path, description = "The session's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `content` (Appendix 2 and Gibbs' sections); an empty review of previous actions is filled with the open actions; unknown fields are refused"),
    responses((status = 201, description = "The draft record"), (status = 403, description = "Not the session's supervisor"), (status = 404, description = "No such session in the caller's scope"), (status = 422, description = "Invalid input, or the session is not held (`session`)"))
)]
#[post("/sessions/{id}/record")]
async fn create_draft(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session_id = id.0;
    let mut body = Body::read(&body, &["content"])?;
    let content = content(&mut body);
    body.finish()?;
    let record = haven_store::record::create_draft(
        &state.db,
        &signed_in.scope,
        session_id,
        content,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "Edit a draft record",
    params(("id" = String, Path, description = "The supervision record's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `content` and the `row_version` read; unknown fields are refused"),
    responses((status = 200, description = "The draft record"), (status = 403, description = "Not the record's supervisor"), (status = 404, description = "No such record in the caller's scope"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, or no longer a draft (`status`)"))
)]
#[put("/records/{id}")]
async fn edit_draft(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let record_id = id.0;
    let mut body = Body::read(&body, &["content", "row_version"])?;
    let row_version = body.integer("row_version");
    let content = content(&mut body);
    body.finish()?;
    let record = haven_store::record::edit_draft(
        &state.db,
        &signed_in.scope,
        record_id,
        content,
        row_version,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "Send a record for signature",
    params(("id" = String, Path, description = "The supervision record's id")),
    request_body(content = Object, content_type = "application/json", description = "Optional (an empty body sends it now, in Haven). A JSON object with `paper_original` (where the paper original is kept, one line) for a record sent on paper, and `sent_on` (YYYY-MM-DD, today when absent) for one sent before it was entered, which then needs `paper_original`; unknown fields are refused"),
    responses((status = 200, description = "The record, sent, with its content hash and the supervisor's signature (on paper, of the day sent, for a paper record)"), (status = 403, description = "Not the record's supervisor"), (status = 404, description = "No such record in the caller's scope"), (status = 422, description = "Not a draft, missing issues or decisions, `sent_on` in the future or before the session was held, or sent before today without `paper_original`"))
)]
#[post("/records/{id}/send")]
async fn send_record(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let record_id = id.0;
    let mut body = Body::read_optional(&body, &["sent_on", "paper_original"])?;
    let sent_on = body.optional_date("sent_on");
    let paper_original = body.optional_line("paper_original");
    body.finish()?;
    let record = haven_store::record::send(
        &state.db,
        &signed_in.scope,
        record_id,
        Sending {
            sent_on,
            paper_original,
        },
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(record))
}

/// The outcome and disagreement of an answer to a record.
fn answer(body: &mut Body) -> (String, Option<String>) {
    let outcome = body.string("outcome");
    let disagreement = body.optional_string("disagreement");
    (outcome, disagreement)
}

#[utoipa::path(
    tag = "records",
    summary = "Sign a record, or record a disagreement",
    params(("id" = String, Path, description = "The supervision record's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with the `content_hash` read, `outcome` (signed or disagreed) and, when disagreeing, `disagreement`; unknown fields are refused"),
    responses((status = 200, description = "The record; frozen once every party has answered"), (status = 403, description = "Not a party"), (status = 404, description = "No such record in the caller's scope"), (status = 422, description = "Changed since read (`content_hash`), signed already (`signature`), or invalid input"))
)]
#[post("/records/{id}/sign")]
async fn sign_record(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let record_id = id.0;
    let mut body = Body::read(&body, &["content_hash", "outcome", "disagreement"])?;
    let content_hash = body.string("content_hash");
    let (outcome, disagreement) = answer(&mut body);
    body.finish()?;
    let record = haven_store::record::sign(
        &state.db,
        &signed_in.scope,
        record_id,
        Signing {
            content_hash,
            outcome,
            disagreement,
        },
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "Enter a signature given on a record's paper original",
    params(("id" = String, Path, description = "The supervision record's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `person_id` (the party who signed the paper), `signed_on` (YYYY-MM-DD), the `content_hash` of the content as entered (checked against the paper), `outcome` (signed or disagreed) and, for a disagreement, `disagreement`; unknown fields are refused"),
    responses((status = 201, description = "The record, with the paper signature (who, the day, who entered it); frozen once every party has answered"), (status = 403, description = "Neither its supervisor nor a trust safeguarding lead"), (status = 404, description = "No such record in the caller's scope"), (status = 422, description = "Not sent on paper (`paper_original`), not awaiting signatures (`status`), not a party or signed already (`person_id`), `signed_on` in the future or before it was sent, changed since read (`content_hash`), or invalid input"))
)]
#[post("/records/{id}/paper-signatures")]
async fn enter_paper_signature(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let record_id = id.0;
    let mut body = Body::read(
        &body,
        &[
            "person_id",
            "signed_on",
            "content_hash",
            "outcome",
            "disagreement",
        ],
    )?;
    let person_id = body.id("person_id");
    let signed_on = body.date("signed_on");
    let content_hash = body.string("content_hash");
    let (outcome, disagreement) = answer(&mut body);
    body.finish()?;
    let (Some(person_id), Some(signed_on)) = (person_id, signed_on) else {
        return Err(ApiError::Validation(vec![problem("body", "incomplete")]));
    };
    let record = haven_store::record::enter_paper_signature(
        &state.db,
        &signed_in.scope,
        record_id,
        PaperSignature {
            person_id,
            signed_on,
            content_hash,
            outcome,
            disagreement,
        },
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "Amend a frozen record",
    params(("id" = String, Path, description = "The supervision record's id")),
    request_body(content = Object, content_type = "application/json", description = "A JSON object with `reason`, the amended `content` and the `row_version` read; unknown fields are refused"),
    responses((status = 201, description = "The record as amended, still frozen"), (status = 403, description = "Neither its supervisor nor a trust safeguarding lead"), (status = 404, description = "No such record in the caller's scope"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Not frozen (`status`), no reason, or invalid content"))
)]
#[post("/records/{id}/amendments")]
async fn amend_record(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let record_id = id.0;
    let mut body = Body::read(&body, &["reason", "content", "row_version"])?;
    let reason = body.optional_string("reason").unwrap_or_default();
    let row_version = body.integer("row_version");
    let content = content(&mut body);
    body.finish()?;
    let record = haven_store::record::amend(
        &state.db,
        &signed_in.scope,
        record_id,
        &reason,
        content,
        row_version,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "A record's signatures and amendments",
    params(("id" = String, Path, description = "The supervision record's id")),
    responses((status = 200, description = "Signatures and amendments with their hashes, and whether the chain verifies; the read is audited"), (status = 403, description = "Figures only for this caller"), (status = 404, description = "No such record in the caller's scope"))
)]
#[get("/records/{id}/history")]
async fn record_history(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let history =
        haven_store::record::history(&state.db, &signed_in.scope, id.0, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(history))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(read_record)
        .service(session_figures)
        .service(create_draft)
        .service(edit_draft)
        .service(send_record)
        .service(sign_record)
        .service(enter_paper_signature)
        .service(amend_record)
        .service(record_history);
}
