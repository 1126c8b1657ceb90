//! Supervision sessions: planned from an agreement's cadence, booked, moved, cancelled,
//! re-booked and marked held. Which dates are allowed and who may act is the store's rule
//! (`haven_store::session`); this module reads bodies field by field so each mistake is named.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use haven_domain::{SessionKind, SessionMode};
use haven_store::session::{self, NewSession, PlanRequest, SessionView};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody};

fn weekday(text: &str) -> Result<Weekday, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a day of the week"))
}

fn time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| "must be a time, HH:MM".to_owned())
}

/// A session's length as booked: an ad hoc call may be short, and nothing lasts past a day's
/// working hours.
const SESSION_MINUTES: std::ops::RangeInclusive<u32> = 5..=480;

fn minutes(body: &mut Body, field: &str) -> u32 {
    let value = body.integer(field);
    match u32::try_from(value) {
        Ok(minutes) if SESSION_MINUTES.contains(&minutes) => minutes,
        _ if !body.has(field) => 0,
        _ => {
            body.refuse(
                field,
                format!(
                    "must be between {} and {} minutes",
                    SESSION_MINUTES.start(),
                    SESSION_MINUTES.end()
                ),
            );
            0
        }
    }
}

#[utoipa::path(
    tag = "sessions",
    summary = "List an agreement's sessions",
    params(("id" = String, Path, description = "The agreement's id")),
    responses((status = 200, description = "The sessions in date order, with their attendees", body = Vec<SessionView>), (status = 404, description = "No such agreement for the caller"))
)]
#[get("/agreements/{id}/sessions")]
async fn list_sessions(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let sessions = session::list(&read, id.0).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(sessions))
}

/// The sessions to plan: a weekday and time between two dates.
#[derive(ToSchema)]
pub(crate) struct PlanSessionsBody {
    /// The first day to plan from, YYYY-MM-DD.
    from: NaiveDate,
    /// The last day to plan to, YYYY-MM-DD.
    to: NaiveDate,
    /// Monday..Friday.
    #[schema(value_type = String, example = "Tuesday")]
    weekday: Weekday,
    /// HH:MM, London time.
    #[schema(value_type = String, example = "15:30")]
    time: NaiveTime,
    /// in_person, video or phone.
    #[schema(value_type = String, example = "in_person")]
    mode: SessionMode,
}

impl FromBody for PlanSessionsBody {
    const FIELDS: &'static [&'static str] = &["from", "to", "weekday", "time", "mode"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let from = body.date("from");
        let to = body.date("to");
        let weekday = body.parsed("weekday", weekday);
        let time = body.parsed("time", time);
        let mode = body.parsed("mode", SessionMode::parse);
        Some(Self {
            from: from?,
            to: to?,
            weekday: weekday?,
            time: time?,
            mode: mode?,
        })
    }
}

#[utoipa::path(
    tag = "sessions",
    summary = "Plan the sessions an agreement's cadence asks for",
    params(("id" = String, Path, description = "The agreement's id")),
    request_body(content = PlanSessionsBody, content_type = "application/json", description = "A JSON object with `from` and `to` (dates), `weekday` (Monday..Friday), `time` (HH:MM, London) and `mode` (in_person, video, phone); unknown fields are refused"),
    responses((status = 201, description = "The sessions created", body = Vec<SessionView>), (status = 403, description = "Not the agreement's supervisor"), (status = 404, description = "No such agreement for the caller"), (status = 422, description = "Invalid input, `from` in the past, the agreement not active (`status`) or the academy without term dates (`term_dates`)"))
)]
#[post("/agreements/{id}/sessions/plan")]
async fn plan_sessions(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let PlanSessionsBody {
        from,
        to,
        weekday,
        time,
        mode,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let sessions = session::plan(
        &mut tx,
        id,
        PlanRequest {
            from,
            to,
            weekday,
            time,
            mode,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(sessions))
}

/// One session to book, or to enter after it took place.
#[derive(ToSchema)]
pub(crate) struct BookSessionBody {
    /// formal, ad_hoc, extended or group.
    #[schema(value_type = String, example = "formal")]
    kind: SessionKind,
    /// When it starts, RFC 3339.
    starts_at: DateTime<Utc>,
    /// Its length in minutes, 5 to 480.
    duration: u32,
    /// in_person, video or phone.
    #[schema(value_type = String, example = "in_person")]
    mode: SessionMode,
    /// For an ad hoc session only: a short note, at most 500 characters.
    note: Option<String>,
    /// The day it was held, YYYY-MM-DD, for a session entered afterwards.
    held_on: Option<NaiveDate>,
}

impl FromBody for BookSessionBody {
    const FIELDS: &'static [&'static str] =
        &["kind", "starts_at", "duration", "mode", "note", "held_on"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let kind = body.parsed("kind", SessionKind::parse);
        let starts_at = body.instant("starts_at");
        let duration = minutes(body, "duration");
        let mode = body.parsed("mode", SessionMode::parse);
        let note = body.optional_string("note");
        let held_on = body.optional_date("held_on");
        Some(Self {
            kind: kind?,
            starts_at: starts_at?,
            duration,
            mode: mode?,
            note,
            held_on,
        })
    }
}

#[utoipa::path(
    tag = "sessions",
    summary = "Book one session of an agreement",
    params(("id" = String, Path, description = "The agreement's id")),
    request_body(content = BookSessionBody, content_type = "application/json", description = "A JSON object with `kind` (formal, ad_hoc, extended, group), `starts_at` (RFC 3339), `duration` (minutes), `mode` (in_person, video, phone), for an ad hoc session only an optional short `note` (at most 500 characters; an ad hoc session owes no agenda and no record), and an optional `held_on` (YYYY-MM-DD) to enter a session that already took place: its `starts_at` is then in the past, it is held on that day and sends no invitations; unknown fields are refused"),
    responses((status = 201, description = "The session", body = SessionView), (status = 403, description = "Neither the supervisor nor a trust safeguarding lead"), (status = 404, description = "No such agreement for the caller"), (status = 422, description = "Invalid input, `starts_at` in the past (in the future with `held_on`) or not a working day of the academy, or `held_on` in the future, before the session's date or before the agreement was active"))
)]
#[post("/agreements/{id}/sessions")]
async fn book_session(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let BookSessionBody {
        kind,
        starts_at,
        duration: duration_minutes,
        mode,
        note,
        held_on,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let view = session::book(
        &mut tx,
        id,
        NewSession {
            kind,
            starts_at,
            duration_minutes,
            mode,
            note,
            held_on,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(view))
}

/// A planned session's new start.
#[derive(ToSchema)]
pub(crate) struct MoveSessionBody {
    /// The new start, RFC 3339.
    starts_at: DateTime<Utc>,
    /// The `row_version` read.
    row_version: i32,
}

impl FromBody for MoveSessionBody {
    const FIELDS: &'static [&'static str] = &["starts_at", "row_version"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let starts_at = body.instant("starts_at");
        let row_version = body.integer("row_version");
        Some(Self {
            starts_at: starts_at?,
            row_version,
        })
    }
}

#[utoipa::path(
    tag = "sessions",
    summary = "Move a planned session",
    params(("id" = String, Path, description = "The session's id")),
    request_body(content = MoveSessionBody, content_type = "application/json", description = "A JSON object with the new `starts_at` (RFC 3339) and the `row_version` read; unknown fields are refused"),
    responses((status = 200, description = "The session, its iCalendar sequence moved on", body = SessionView), (status = 403, description = "Neither the supervisor nor a trust safeguarding lead"), (status = 404, description = "No such session for the caller"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, or `starts_at` in the past or not a working day of the academy"))
)]
#[post("/sessions/{id}/move")]
async fn move_session(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let MoveSessionBody {
        starts_at,
        row_version,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let view = session::reschedule(&mut tx, id, starts_at, row_version).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Why a planned session is called off, and when.
#[derive(ToSchema)]
pub(crate) struct CancelSessionBody {
    /// Why it is cancelled.
    reason: String,
    /// The `row_version` read.
    row_version: i32,
    /// The day it was called off, YYYY-MM-DD; today when absent.
    cancelled_on: Option<NaiveDate>,
}

impl FromBody for CancelSessionBody {
    const FIELDS: &'static [&'static str] = &["reason", "row_version", "cancelled_on"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            reason: body.string("reason"),
            row_version: body.integer("row_version"),
            cancelled_on: body.optional_date("cancelled_on"),
        })
    }
}

#[utoipa::path(
    tag = "sessions",
    summary = "Cancel a planned session",
    params(("id" = String, Path, description = "The session's id")),
    request_body(content = CancelSessionBody, content_type = "application/json", description = "A JSON object with the `reason`, the `row_version` read and an optional `cancelled_on` (YYYY-MM-DD, today when absent: the day it was called off, for one entered afterwards); unknown fields are refused"),
    responses((status = 200, description = "The cancelled session", body = SessionView), (status = 403, description = "Neither a party nor a trust safeguarding lead"), (status = 404, description = "No such session for the caller"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, not planned (`status`), or `cancelled_on` in the future or before the agreement was active"))
)]
#[post("/sessions/{id}/cancel")]
async fn cancel_session(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let CancelSessionBody {
        reason,
        row_version,
        cancelled_on,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let view = session::cancel(&mut tx, id, &reason, cancelled_on, row_version).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(view))
}

/// When the re-booked session starts.
#[derive(ToSchema)]
pub(crate) struct RebookSessionBody {
    /// The new session's start, RFC 3339.
    starts_at: DateTime<Utc>,
}

impl FromBody for RebookSessionBody {
    const FIELDS: &'static [&'static str] = &["starts_at"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            starts_at: body.instant("starts_at")?,
        })
    }
}

#[utoipa::path(
    tag = "sessions",
    summary = "Re-book a cancelled session",
    params(("id" = String, Path, description = "The cancelled session's id")),
    request_body(content = RebookSessionBody, content_type = "application/json", description = "A JSON object with `starts_at` (RFC 3339); one after the re-hold deadline (the policy's working days from the date of the first cancelled session of the chain) is booked and marked `rebooked_late`; unknown fields are refused"),
    responses((status = 201, description = "The new session, linked to the cancelled one (`rebooking_of_id`), with `rebooked_late`", body = SessionView), (status = 403, description = "Neither the supervisor nor a trust safeguarding lead"), (status = 404, description = "No such session for the caller"), (status = 422, description = "Invalid input, not cancelled (`status`), or `starts_at` in the past or not a working day"))
)]
#[post("/sessions/{id}/rebook")]
async fn rebook_session(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let RebookSessionBody { starts_at } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let view = session::rebook(&mut tx, id, starts_at).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(view))
}

/// Who attended a held session and when it took place; an empty body marks it held as planned.
#[derive(ToSchema)]
pub(crate) struct MarkHeldBody {
    /// Who attended; every expected supervisee when absent.
    attendee_ids: Option<Vec<Uuid>>,
    /// The day it took place, YYYY-MM-DD; the session's date when absent.
    held_on: Option<NaiveDate>,
}

impl FromBody for MarkHeldBody {
    const FIELDS: &'static [&'static str] = &["attendee_ids", "held_on"];
    const OPTIONAL: bool = true;

    fn from_body(body: &mut Body) -> Option<Self> {
        let attendee_ids = body.take("attendee_ids").map(|value| {
            let ids: Option<Vec<Uuid>> = value.as_array().and_then(|items| {
                items
                    .iter()
                    .map(|item| item.as_str().and_then(|text| Uuid::try_parse(text).ok()))
                    .collect()
            });
            ids.unwrap_or_else(|| {
                body.refuse("attendee_ids", "must be a list of ids");
                Vec::new()
            })
        });
        Some(Self {
            attendee_ids,
            held_on: body.optional_date("held_on"),
        })
    }
}

#[utoipa::path(
    tag = "sessions",
    summary = "Mark a session held",
    params(("id" = String, Path, description = "The session's id")),
    request_body(content = MarkHeldBody, content_type = "application/json", description = "A JSON object with `attendee_ids` (optional: who attended; every expected supervisee when absent) and `held_on` (optional, YYYY-MM-DD: the day it took place, the session's date when absent); unknown fields are refused"),
    responses((status = 200, description = "The held session", body = SessionView), (status = 403, description = "Not the session's supervisor"), (status = 404, description = "No such session for the caller"), (status = 422, description = "Not planned (`status`), not started yet (`starts_at`), an attendee not expected (`attendee_ids`), or `held_on` in the future, before the session's date or before the agreement was active"))
)]
#[post("/sessions/{id}/held")]
async fn mark_held(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let MarkHeldBody {
        attendee_ids,
        held_on,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let view = session::mark_held(&mut tx, id, attendee_ids, held_on).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(view))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sessions)
        .service(plan_sessions)
        .service(book_session)
        .service(move_session)
        .service(cancel_session)
        .service(rebook_session)
        .service(mark_held);
}
