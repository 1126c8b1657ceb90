//! Escalations of unresolved disagreements to the safeguarding governor or the director of
//! education. The rules live in `haven_store::escalation`.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use haven_store::escalation::{EscalatedTo, EscalationView, NewEscalation, Subject};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody, REASON_MAX_CHARS, problem};

/// An unresolved disagreement taken further: about a record or a case note, to whom, and why.
#[derive(ToSchema)]
pub(crate) struct NewEscalationBody {
    /// The record disagreed over; or else `case_note_id`.
    record_id: Option<Uuid>,
    /// The case note disagreed over; or else `record_id`.
    case_note_id: Option<Uuid>,
    /// safeguarding_governor or director_of_education.
    #[schema(value_type = String, example = "safeguarding_governor")]
    escalated_to: EscalatedTo,
    /// Who holds that role; when absent, the first who holds it, else the trust safeguarding lead.
    assignee_id: Option<Uuid>,
    /// Why, briefly.
    reason: String,
}

impl NewEscalationBody {
    /// What is escalated: the record or the case note, whichever was given.
    fn subject(&self) -> Option<Subject> {
        match (self.record_id, self.case_note_id) {
            (Some(record), None) => Some(Subject::Record(record)),
            (None, Some(note)) => Some(Subject::CaseNote(note)),
            _ => None,
        }
    }
}

impl FromBody for NewEscalationBody {
    const FIELDS: &'static [&'static str] = &[
        "record_id",
        "case_note_id",
        "escalated_to",
        "assignee_id",
        "reason",
    ];

    fn from_body(body: &mut Body) -> Option<Self> {
        let record_id = body.optional_id("record_id");
        let case_note_id = body.optional_id("case_note_id");
        let escalated_to = body.parsed("escalated_to", EscalatedTo::parse);
        let assignee_id = body.optional_id("assignee_id");
        let reason = body.prose("reason", REASON_MAX_CHARS);
        if record_id.is_some() == case_note_id.is_some() {
            body.refuse(
                "record_id",
                "send exactly one of record_id and case_note_id",
            );
            return None;
        }
        Some(Self {
            record_id,
            case_note_id,
            escalated_to: escalated_to?,
            assignee_id,
            reason,
        })
    }
}

#[utoipa::path(
    tag = "escalations",
    summary = "Escalate an unresolved disagreement",
    request_body(content = NewEscalationBody, content_type = "application/json", description = "A JSON object with either `record_id` or `case_note_id`, `escalated_to` (safeguarding_governor or director_of_education), optionally `assignee_id` (who holds that role; when absent, the first who holds it, else the trust safeguarding lead), and `reason`; unknown fields are refused"),
    responses((status = 201, description = "The open escalation", body = EscalationView), (status = 403, description = "Not a party of the record's session"), (status = 404, description = "No such record or case note in the caller's scope"), (status = 422, description = "Invalid input, named by field"))
)]
#[post("/escalations")]
async fn raise(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let escalation: NewEscalationBody = body::parse(&body)?;
    let Some(subject) = escalation.subject() else {
        return Err(ApiError::Validation(vec![problem(
            "record_id",
            "send exactly one of record_id and case_note_id",
        )]));
    };
    let NewEscalationBody {
        escalated_to,
        assignee_id,
        reason,
        ..
    } = escalation;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let escalation = haven_store::escalation::raise(
        &mut tx,
        NewEscalation {
            subject,
            escalated_to,
            assignee_id,
            reason,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(escalation))
}

/// The day an escalation's meeting is held.
#[derive(ToSchema)]
pub(crate) struct MeetingBody {
    /// The meeting's day, YYYY-MM-DD.
    meeting_on: NaiveDate,
}

impl FromBody for MeetingBody {
    const FIELDS: &'static [&'static str] = &["meeting_on"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let meeting_on = body.optional_date("meeting_on");
        if meeting_on.is_none() {
            body.refuse("meeting_on", "is required: a date, YYYY-MM-DD");
        }
        Some(Self {
            meeting_on: meeting_on?,
        })
    }
}

#[utoipa::path(
    tag = "escalations",
    summary = "Arrange an escalation's meeting",
    params(("id" = String, Path, description = "The escalation's id")),
    request_body(content = MeetingBody, content_type = "application/json", description = "A JSON object with `meeting_on`; unknown fields are refused"),
    responses((status = 200, description = "The escalation, its meeting arranged", body = EscalationView), (status = 403, description = "Its raiser, who does not decide it"), (status = 404, description = "No such escalation for the caller"), (status = 409, description = "Changed meanwhile"), (status = 422, description = "Closed already (`status`) or invalid input"))
)]
#[post("/escalations/{id}/meeting")]
async fn meeting(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let escalation_id = id.0;
    let MeetingBody { meeting_on } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let escalation =
        haven_store::escalation::arrange_meeting(&mut tx, escalation_id, meeting_on).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(escalation))
}

/// How an escalation ended.
#[derive(ToSchema)]
pub(crate) struct CloseBody {
    /// The outcome, briefly.
    outcome: String,
}

impl FromBody for CloseBody {
    const FIELDS: &'static [&'static str] = &["outcome"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            outcome: body.prose("outcome", REASON_MAX_CHARS),
        })
    }
}

#[utoipa::path(
    tag = "escalations",
    summary = "Close an escalation with its outcome",
    params(("id" = String, Path, description = "The escalation's id")),
    request_body(content = CloseBody, content_type = "application/json", description = "A JSON object with `outcome` (required); unknown fields are refused"),
    responses((status = 200, description = "The escalation, closed", body = EscalationView), (status = 403, description = "Its raiser, who does not decide it"), (status = 404, description = "No such escalation for the caller"), (status = 409, description = "Changed meanwhile"), (status = 422, description = "No outcome (`outcome`) or closed already (`status`)"))
)]
#[post("/escalations/{id}/close")]
async fn close(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let escalation_id = id.0;
    let CloseBody { outcome } = body::parse(&body)?;
    let mut tx = state.db.write(&signed_in.scope, state.clock.now()).await?;
    let escalation = haven_store::escalation::close(&mut tx, escalation_id, &outcome).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(escalation))
}

#[utoipa::path(
    tag = "escalations",
    summary = "The escalations the caller may see",
    responses((status = 200, description = "All of the trust's for trust leads and directors; those raised by or assigned to the caller for anyone else", body = [EscalationView]))
)]
#[get("/escalations")]
async fn list(
    signed_in: Authenticated,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&signed_in.scope).await?;
    let escalations = haven_store::escalation::list(&read).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(escalations))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(raise)
        .service(meeting)
        .service(close)
        .service(list);
}
