//! Supervision records and sessions: content for those entitled to it, figures for the rest.
//! The rule lives in the store (`haven_store::record`); these handlers only carry it to HTTP.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::NaiveDate;
use haven_domain::RecordContent;
use haven_store::record::{
    self, PaperSignature, RecordHistory, RecordView, Sending, SessionFigures, Signing,
};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody};

#[derive(Deserialize)]
struct ReadQuery {
    /// Why the reader opens the record, kept in the audit entry (asked of grant holders).
    reason: Option<String>,
}

#[utoipa::path(
    tag = "records",
    summary = "Read a supervision record",
    params(("id" = String, Path, description = "The supervision record's id")),
    responses((status = 200, description = "The record's content; the read is audited", body = RecordView), (status = 403, description = "Figures only for this caller"), (status = 404, description = "No such record in the caller's scope"))
)]
#[get("/records/{id}")]
async fn read_record(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let record = record::read_record(&mut tx, id.0, query.reason.as_deref()).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "A session's figures",
    params(("id" = String, Path, description = "The session's id")),
    responses((status = 200, description = "The session's figures, never content", body = SessionFigures), (status = 404, description = "No such session in the caller's scope"))
)]
#[get("/sessions/{id}")]
async fn session_figures(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&signed_in.scope).await?;
    let figures = record::session_figures(&read, id.0).await?;
    read.finish().await?;
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

/// The content of a new draft record.
#[derive(ToSchema)]
pub(crate) struct DraftBody {
    /// Appendix 2 and Gibbs' sections, each optional while a draft.
    #[schema(value_type = Object)]
    content: RecordContent,
}

impl FromBody for DraftBody {
    const FIELDS: &'static [&'static str] = &["content"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            content: content(body),
        })
    }
}

/// A draft record's new content.
#[derive(ToSchema)]
pub(crate) struct EditDraftBody {
    /// Appendix 2 and Gibbs' sections, each optional while a draft.
    #[schema(value_type = Object)]
    content: RecordContent,
    /// The `row_version` read.
    row_version: i32,
}

impl FromBody for EditDraftBody {
    const FIELDS: &'static [&'static str] = &["content", "row_version"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let row_version = body.integer("row_version");
        Some(Self {
            content: content(body),
            row_version,
        })
    }
}

/// A frozen record's amended content and why.
#[derive(ToSchema)]
pub(crate) struct AmendBody {
    /// Why the record is amended.
    reason: String,
    /// The amended Appendix 2 and Gibbs' sections.
    #[schema(value_type = Object)]
    content: RecordContent,
    /// The `row_version` read.
    row_version: i32,
}

impl FromBody for AmendBody {
    const FIELDS: &'static [&'static str] = &["reason", "content", "row_version"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let reason = body.optional_string("reason").unwrap_or_default();
        let row_version = body.integer("row_version");
        Some(Self {
            reason,
            content: content(body),
            row_version,
        })
    }
}

/// How a record is sent: an empty body sends it now, in Haven.
#[derive(ToSchema)]
pub(crate) struct SendBody {
    /// The day it was sent, YYYY-MM-DD, for one sent before it was entered (then with
    /// `paper_original`); today when absent.
    sent_on: Option<NaiveDate>,
    /// Where the paper original is kept, one line, for a record sent on paper.
    paper_original: Option<String>,
}

impl FromBody for SendBody {
    const FIELDS: &'static [&'static str] = &["sent_on", "paper_original"];
    const OPTIONAL: bool = true;

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            sent_on: body.optional_date("sent_on"),
            paper_original: body.optional_line("paper_original"),
        })
    }
}

/// A party's answer to the content they read: signed, or disagreed and why.
#[derive(ToSchema)]
pub(crate) struct SignBody {
    /// The `content_hash` of the content read.
    content_hash: String,
    /// signed or disagreed.
    #[schema(example = "signed")]
    outcome: String,
    /// Why, when disagreeing.
    disagreement: Option<String>,
}

impl FromBody for SignBody {
    const FIELDS: &'static [&'static str] = &["content_hash", "outcome", "disagreement"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            content_hash: body.string("content_hash"),
            outcome: body.string("outcome"),
            disagreement: body.optional_string("disagreement"),
        })
    }
}

impl From<SignBody> for Signing {
    fn from(answer: SignBody) -> Self {
        Self {
            content_hash: answer.content_hash,
            outcome: answer.outcome,
            disagreement: answer.disagreement,
        }
    }
}

/// A signature given on the paper original: who, on which day, and their answer.
#[derive(ToSchema)]
pub(crate) struct PaperSignatureBody {
    /// The party who signed the paper.
    person_id: Uuid,
    /// The day they signed it, YYYY-MM-DD.
    signed_on: NaiveDate,
    /// The `content_hash` of the content as entered, checked against the paper.
    content_hash: String,
    /// signed or disagreed.
    #[schema(example = "signed")]
    outcome: String,
    /// Why, for a disagreement.
    disagreement: Option<String>,
}

impl FromBody for PaperSignatureBody {
    const FIELDS: &'static [&'static str] = &[
        "person_id",
        "signed_on",
        "content_hash",
        "outcome",
        "disagreement",
    ];

    fn from_body(body: &mut Body) -> Option<Self> {
        let person_id = body.id("person_id");
        let signed_on = body.date("signed_on");
        let SignBody {
            content_hash,
            outcome,
            disagreement,
        } = SignBody::from_body(body)?;
        Some(Self {
            person_id: person_id?,
            signed_on: signed_on?,
            content_hash,
            outcome,
            disagreement,
        })
    }
}

impl From<PaperSignatureBody> for PaperSignature {
    fn from(signature: PaperSignatureBody) -> Self {
        Self {
            person_id: signature.person_id,
            signed_on: signature.signed_on,
            content_hash: signature.content_hash,
            outcome: signature.outcome,
            disagreement: signature.disagreement,
        }
    }
}

#[utoipa::path(
    tag = "records",
    summary = "Write the draft record of a held session",
    params(("id" = String, Path, description = "The session's id")),
    request_body(content = DraftBody, content_type = "application/json", description = "A JSON object with `content` (Appendix 2 and Gibbs' sections); an empty review of previous actions is filled with the open actions; unknown fields are refused"),
    responses((status = 201, description = "The draft record", body = RecordView), (status = 403, description = "Not the session's supervisor"), (status = 404, description = "No such session in the caller's scope"), (status = 422, description = "Invalid input, or the session is not held (`session`)"))
)]
#[post("/sessions/{id}/record")]
async fn create_draft(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let session_id = id.0;
    let DraftBody { content } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let record = record::create_draft(&mut tx, session_id, content).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "Edit a draft record",
    params(("id" = String, Path, description = "The supervision record's id")),
    request_body(content = EditDraftBody, content_type = "application/json", description = "A JSON object with `content` and the `row_version` read; unknown fields are refused"),
    responses((status = 200, description = "The draft record", body = RecordView), (status = 403, description = "Not the record's supervisor"), (status = 404, description = "No such record in the caller's scope"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, or no longer a draft (`status`)"))
)]
#[put("/records/{id}")]
async fn edit_draft(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let record_id = id.0;
    let EditDraftBody {
        content,
        row_version,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let record = record::edit_draft(&mut tx, record_id, content, row_version).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "Send a record for signature",
    params(("id" = String, Path, description = "The supervision record's id")),
    request_body(content = SendBody, content_type = "application/json", description = "Optional (an empty body sends it now, in Haven). A JSON object with `paper_original` (where the paper original is kept, one line) for a record sent on paper, and `sent_on` (YYYY-MM-DD, today when absent) for one sent before it was entered, which then needs `paper_original`; unknown fields are refused"),
    responses((status = 200, description = "The record, sent, with its content hash and the supervisor's signature (on paper, of the day sent, for a paper record)", body = RecordView), (status = 403, description = "Not the record's supervisor"), (status = 404, description = "No such record in the caller's scope"), (status = 422, description = "Not a draft, missing issues or decisions, `sent_on` in the future or before the session was held, or sent before today without `paper_original`"))
)]
#[post("/records/{id}/send")]
async fn send_record(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let record_id = id.0;
    let SendBody {
        sent_on,
        paper_original,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let record = record::send(
        &mut tx,
        record_id,
        Sending {
            sent_on,
            paper_original,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "Sign a record, or record a disagreement",
    params(("id" = String, Path, description = "The supervision record's id")),
    request_body(content = SignBody, content_type = "application/json", description = "A JSON object with the `content_hash` read, `outcome` (signed or disagreed) and, when disagreeing, `disagreement`; unknown fields are refused"),
    responses((status = 200, description = "The record; frozen once every party has answered", body = RecordView), (status = 403, description = "Not a party"), (status = 404, description = "No such record in the caller's scope"), (status = 422, description = "Changed since read (`content_hash`), signed already (`signature`), or invalid input"))
)]
#[post("/records/{id}/sign")]
async fn sign_record(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let record_id = id.0;
    let answer: SignBody = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let record = record::sign(&mut tx, record_id, Signing::from(answer)).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "Enter a signature given on a record's paper original",
    params(("id" = String, Path, description = "The supervision record's id")),
    request_body(content = PaperSignatureBody, content_type = "application/json", description = "A JSON object with `person_id` (the party who signed the paper), `signed_on` (YYYY-MM-DD), the `content_hash` of the content as entered (checked against the paper), `outcome` (signed or disagreed) and, for a disagreement, `disagreement`; unknown fields are refused"),
    responses((status = 201, description = "The record, with the paper signature (who, the day, who entered it); frozen once every party has answered", body = RecordView), (status = 403, description = "Neither its supervisor nor a trust safeguarding lead"), (status = 404, description = "No such record in the caller's scope"), (status = 422, description = "Not sent on paper (`paper_original`), not awaiting signatures (`status`), not a party or signed already (`person_id`), `signed_on` in the future or before it was sent, changed since read (`content_hash`), or invalid input"))
)]
#[post("/records/{id}/paper-signatures")]
async fn enter_paper_signature(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let record_id = id.0;
    let signature: PaperSignatureBody = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let record =
        record::enter_paper_signature(&mut tx, record_id, PaperSignature::from(signature)).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "Amend a frozen record",
    params(("id" = String, Path, description = "The supervision record's id")),
    request_body(content = AmendBody, content_type = "application/json", description = "A JSON object with `reason`, the amended `content` and the `row_version` read; unknown fields are refused"),
    responses((status = 201, description = "The record as amended, still frozen", body = RecordView), (status = 403, description = "Neither its supervisor nor a trust safeguarding lead"), (status = 404, description = "No such record in the caller's scope"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Not frozen (`status`), no reason, or invalid content"))
)]
#[post("/records/{id}/amendments")]
async fn amend_record(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let record_id = id.0;
    let AmendBody {
        reason,
        content,
        row_version,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let record = record::amend(&mut tx, record_id, &reason, content, row_version).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(record))
}

#[utoipa::path(
    tag = "records",
    summary = "A record's signatures and amendments",
    params(("id" = String, Path, description = "The supervision record's id")),
    responses((status = 200, description = "Signatures and amendments with their hashes, and whether the chain verifies; the read is audited", body = RecordHistory), (status = 403, description = "Figures only for this caller"), (status = 404, description = "No such record in the caller's scope"))
)]
#[get("/records/{id}/history")]
async fn record_history(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let history = record::history(&mut tx, id.0).await?;
    tx.commit().await?;
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
