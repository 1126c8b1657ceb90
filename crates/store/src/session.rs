//! Supervision sessions (DESIGN §4): planned from an agreement's cadence or booked one at a
//! time, on working days of the academy's calendar only; moved against the version read;
//! cancelled with a reason and re-booked, linked to the cancellation, and shown late when the
//! rebooking falls after the chain's re-hold deadline (never refused for it); marked held by the
//! supervisor once their start has passed. An ad hoc session may carry a short note in place of
//! the agenda and record it does not owe.
//!
//! Every write that picks a date reads the academy's term calendar. Reads and writes follow the
//! agreement: its parties wherever they sit (an external supervisor may see no academy at all)
//! and, as each rule allows, those who see the academy.
//!
//! Each function works inside the transaction it is given (a write takes `&mut WriteTx`, a read
//! `&ReadTx`), reading the agreement, the calendar and the policy it checks against in that same
//! transaction: the caller opens it and commits, so a change is one atomic step with whatever
//! else the caller does in it.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
use haven_domain::notification::InviteMethod;
use haven_domain::{
    Cadence, PolicySettings, SessionKind, SessionMode, SupervisionPlan, TermCalendar,
};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::agreement::reachable;
use crate::audit::AuditEntry;
use crate::scope::Scope;
use crate::time::london_date;
use crate::tx::ReadTx;
use crate::{StoreError, WriteTx};

const PLANNED: &str = "planned";
const HELD: &str = "held";
const CANCELLED: &str = "cancelled";

/// Who is expected at a session, and (once held) whether they came.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendeeView {
    pub person_id: Uuid,
    /// Whether they came, once the session was held; `null` before.
    pub attended: Option<bool>,
}

/// A session with its attendees, as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    pub agreement_id: Uuid,
    /// formal, ad_hoc, extended or group.
    #[schema(value_type = String, example = "formal")]
    pub kind: SessionKind,
    /// in_person, video or phone.
    #[schema(value_type = String, example = "in_person")]
    pub mode: SessionMode,
    /// planned, held or cancelled.
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub location: Option<String>,
    /// When the supervisor marked it held.
    pub held_marked_at: Option<DateTime<Utc>>,
    /// The day it was held (London).
    pub held_on: Option<NaiveDate>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The day it was cancelled (London).
    pub cancelled_on: Option<NaiveDate>,
    pub cancelled_by: Option<Uuid>,
    pub cancel_reason: Option<String>,
    /// The cancelled session this one re-holds.
    pub rebooking_of_id: Option<Uuid>,
    /// Rebooked after its chain's re-hold deadline.
    pub rebooked_late: bool,
    /// A short note on an ad hoc session.
    pub note: Option<String>,
    /// iCalendar SEQUENCE, bumped on every change sent to attendees.
    pub ical_sequence: i32,
    pub row_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub attendees: Vec<AttendeeView>,
}

impl SessionView {
    /// The one mapping from a session's row (whose kind and mode the store wrote through the
    /// domain's codes) to what the API answers.
    fn of(
        session: e::supervision_session::Model,
        attendees: Vec<AttendeeView>,
    ) -> Result<Self, StoreError> {
        let stored = |error: haven_domain::DomainError| {
            StoreError::Database(sea_orm::DbErr::Type(format!(
                "supervision_session {}: {error}",
                session.id
            )))
        };
        Ok(Self {
            id: session.id,
            trust_id: session.trust_id,
            academy_id: session.academy_id,
            agreement_id: session.agreement_id,
            kind: SessionKind::parse(&session.kind).map_err(stored)?,
            mode: SessionMode::parse(&session.mode).map_err(stored)?,
            status: session.status,
            starts_at: session.starts_at,
            duration_minutes: session.duration_minutes,
            location: session.location,
            held_marked_at: session.held_marked_at,
            held_on: session.held_on,
            cancelled_at: session.cancelled_at,
            cancelled_on: session.cancelled_on,
            cancelled_by: session.cancelled_by,
            cancel_reason: session.cancel_reason,
            rebooking_of_id: session.rebooking_of_id,
            rebooked_late: session.rebooked_late,
            note: session.note,
            ical_sequence: session.ical_sequence,
            row_version: session.row_version,
            created_at: session.created_at,
            updated_at: session.updated_at,
            attendees,
        })
    }
}

/// The sessions a supervisor asks the cadence for.
#[derive(Debug, Clone, Copy)]
pub struct PlanRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub weekday: Weekday,
    /// Wall-clock time in London.
    pub time: NaiveTime,
    pub mode: SessionMode,
}

/// One session booked by hand.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub kind: SessionKind,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: u32,
    pub mode: SessionMode,
    /// A short note, for an ad hoc session only.
    pub note: Option<String>,
    /// Entered as already held on this day (London): a session from before Haven was used,
    /// whose start is then in the past. It sends no invitations.
    pub held_on: Option<NaiveDate>,
}

/// The longest note an ad hoc session carries: a line or two, not a record.
pub const NOTE_MAX_CHARS: usize = 500;

fn me(scope: &Scope, action: &'static str) -> Result<Uuid, StoreError> {
    scope.person_id().ok_or(StoreError::NotPermitted { action })
}

/// The supervisor, or a trust lead, arranges an agreement's sessions.
fn may_arrange(
    scope: &Scope,
    agreement: &e::agreement::Model,
    action: &'static str,
) -> Result<(), StoreError> {
    if me(scope, action)? == agreement.supervisor_id || scope.is_trust_lead() {
        Ok(())
    } else {
        Err(StoreError::NotPermitted { action })
    }
}

/// The term calendar of the academy of an agreement the caller has reached: a party keeps to its
/// academy's working days even when they see no academy (an external supervisor).
async fn calendar_of(read: &ReadTx<'_>, academy_id: Uuid) -> Result<TermCalendar, StoreError> {
    crate::calendar::rules_calendar(read, academy_id).await
}

/// A session's start must lie ahead, on a working day of the academy (London date).
fn check_start(
    starts_at: DateTime<Utc>,
    cal: &TermCalendar,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if starts_at < now {
        return Err(StoreError::invalid("starts_at", "is in the past"));
    }
    let day = london_date(starts_at);
    if !haven_domain::is_working_day(day, cal) {
        return Err(StoreError::invalid(
            "starts_at",
            format!(
                "{day} is not a working day of the academy (a weekend, a bank holiday or out of term)"
            ),
        ));
    }
    Ok(())
}

/// A past booking, entered as held on `held_on`: its start has passed, on a working day of the
/// academy, and it was held that day or after.
fn check_past_start(
    starts_at: DateTime<Utc>,
    held_on: NaiveDate,
    cal: &TermCalendar,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if starts_at > now {
        return Err(StoreError::invalid(
            "starts_at",
            "is in the future: a session entered as held has taken place",
        ));
    }
    let day = london_date(starts_at);
    if !haven_domain::is_working_day(day, cal) {
        return Err(StoreError::invalid(
            "starts_at",
            format!(
                "{day} is not a working day of the academy (a weekend, a bank holiday or out of term)"
            ),
        ));
    }
    if held_on < day {
        return Err(StoreError::invalid(
            "held_on",
            format!("is before the session's date, {day}"),
        ));
    }
    Ok(())
}

/// The day something happened to a session of `agreement`, entered on `now`: not in the future
/// (London) and not before the agreement was active.
fn check_happened_on(
    field: &'static str,
    on: NaiveDate,
    agreement: &e::agreement::Model,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if on > london_date(now) {
        return Err(StoreError::invalid(field, format!("{on} is in the future")));
    }
    if let Some(active) = agreement.activated_on
        && on < active
    {
        return Err(StoreError::invalid(
            field,
            format!("{on} is before the agreement was active, from {active}"),
        ));
    }
    Ok(())
}

/// An ad hoc session's note, trimmed; refused on any other kind, too long or with control
/// characters other than line breaks and tabs.
fn checked_note(kind: SessionKind, note: Option<String>) -> Result<Option<String>, StoreError> {
    let Some(note) = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if !kind.takes_note() {
        return Err(StoreError::invalid(
            "note",
            "is only for an ad hoc session: a formal session's record says what was discussed",
        ));
    }
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(StoreError::invalid(
            "note",
            format!("is longer than {NOTE_MAX_CHARS} characters"),
        ));
    }
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(StoreError::invalid("note", "holds a control character"));
    }
    Ok(Some(note))
}

fn plan_of(agreement: &e::agreement::Model) -> Result<SupervisionPlan, StoreError> {
    let weeks = agreement
        .plan_weeks
        .map(|weeks| {
            u32::try_from(weeks)
                .map_err(|_| StoreError::invalid("plan_weeks", "the stored plan is unreadable"))
        })
        .transpose()?;
    Ok(SupervisionPlan {
        cadence: Cadence::parse_plan(&agreement.plan_cadence, weeks)
            .map_err(StoreError::refused)?,
        extended_each_half_term: agreement.extended_each_half_term,
    })
}

async fn view(
    conn: &DatabaseTransaction,
    scope: &Scope,
    session: e::supervision_session::Model,
) -> Result<SessionView, StoreError> {
    let mut attendees: Vec<AttendeeView> = e::session_attendee::Entity::find()
        .filter(e::session_attendee::Column::TrustId.eq(scope.trust_id()))
        .filter(e::session_attendee::Column::SessionId.eq(session.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| AttendeeView {
            person_id: row.person_id,
            attended: row.attended,
        })
        .collect();
    attendees.sort_by_key(|a| a.person_id);
    SessionView::of(session, attendees)
}

/// How a new session relates to a cancelled one.
#[derive(Debug, Clone, Copy)]
struct Rebooking {
    of: Uuid,
    /// Whether it falls after the chain's re-hold deadline.
    late: bool,
}

/// Inserts a planned session with one attendee row per supervisee.
async fn insert_session(
    tx: &mut WriteTx<'_>,
    agreement: &e::agreement::Model,
    supervisee_ids: &[Uuid],
    new: NewSession,
    rebooking: Option<Rebooking>,
    location: Option<String>,
) -> Result<SessionView, StoreError> {
    let note = checked_note(new.kind, new.note)?;
    let now = tx.now();
    let id = Uuid::now_v7();
    let held = new.held_on.is_some();
    let session = tx
        .insert_for_party(e::supervision_session::ActiveModel {
            id: Set(id),
            trust_id: Set(agreement.trust_id),
            academy_id: Set(agreement.academy_id),
            agreement_id: Set(agreement.id),
            kind: Set(new.kind.code().to_owned()),
            mode: Set(new.mode.code().to_owned()),
            status: Set(if held { HELD } else { PLANNED }.to_owned()),
            starts_at: Set(new.starts_at),
            duration_minutes: Set(i32::try_from(new.duration_minutes)
                .map_err(|_| StoreError::invalid("duration", "is too long"))?),
            location: Set(location),
            held_marked_at: Set(held.then_some(now)),
            held_on: Set(new.held_on),
            cancelled_at: Set(None),
            cancelled_on: Set(None),
            cancelled_by: Set(None),
            cancel_reason: Set(None),
            rebooking_of_id: Set(rebooking.map(|r| r.of)),
            rebooked_late: Set(rebooking.is_some_and(|r| r.late)),
            note: Set(note),
            ical_sequence: Set(0),
            row_version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    let mut attendees = Vec::with_capacity(supervisee_ids.len());
    for person_id in supervisee_ids {
        tx.insert_for_party(e::session_attendee::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(agreement.trust_id),
            academy_id: Set(agreement.academy_id),
            session_id: Set(id),
            person_id: Set(*person_id),
            attended: Set(held.then_some(true)),
        })
        .await?;
        attendees.push(AttendeeView {
            person_id: *person_id,
            attended: held.then_some(true),
        });
    }
    attendees.sort_by_key(|a| a.person_id);
    if held {
        tx.audit(
            AuditEntry::new("enter_held", "supervision_session", Some(id))
                .with_detail(json!({ "held_on": new.held_on })),
        )
        .await?;
    } else {
        crate::invite::queue_session_invites(
            tx,
            &session,
            agreement.supervisor_id,
            supervisee_ids,
            InviteMethod::Request,
        )
        .await?;
    }
    SessionView::of(session, attendees)
}

/// The agreement, which must be active, for someone who may arrange its sessions.
async fn arrangeable(
    tx: &ReadTx<'_>,
    scope: &Scope,
    agreement_id: Uuid,
    action: &'static str,
) -> Result<(e::agreement::Model, Vec<Uuid>), StoreError> {
    let (agreement, supervisee_ids) = reachable(tx.connection(), scope, agreement_id).await?;
    may_arrange(scope, &agreement, action)?;
    if agreement.status != "active" {
        return Err(StoreError::invalid(
            "status",
            format!("a {} agreement has no sessions booked", agreement.status),
        ));
    }
    Ok((agreement, supervisee_ids))
}

/// Plans the sessions the agreement's cadence asks for from `from` to `to`, by its supervisor:
/// on `weekday` at `time` (London) or the next working day of the same period; the half term's
/// extended session marked `extended`, a group agreement's sessions `group`.
pub async fn plan(
    tx: &mut WriteTx<'_>,
    agreement_id: Uuid,
    request: PlanRequest,
) -> Result<Vec<SessionView>, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let caller = me(scope, "plan sessions")?;
    if request.from < london_date(now) {
        return Err(StoreError::invalid("from", "is in the past"));
    }
    if request.to < request.from {
        return Err(StoreError::invalid("to", "is before from"));
    }
    let (agreement, supervisee_ids) = arrangeable(tx, scope, agreement_id, "plan sessions").await?;
    let cal = calendar_of(tx, agreement.academy_id).await?;
    if caller != agreement.supervisor_id {
        return Err(StoreError::NotPermitted {
            action: "plan sessions of an agreement another person supervises",
        });
    }
    let plan = plan_of(&agreement)?;
    let dates = haven_domain::planned_dates(&plan, request.from, request.to, &cal, request.weekday);
    let group = agreement.kind == "group";
    let mut created = Vec::with_capacity(dates.len());
    for planned in dates {
        let kind = if planned.extended {
            SessionKind::Extended
        } else if group {
            SessionKind::Group
        } else {
            SessionKind::Formal
        };
        let starts_at = London
            .from_local_datetime(&planned.date.and_time(request.time))
            .earliest()
            .ok_or_else(|| {
                StoreError::invalid("time", "does not exist in London on a planned day")
            })?
            .with_timezone(&Utc);
        if starts_at < now {
            // Today's slot already gone by: the plan starts with the next one.
            continue;
        }
        let new = NewSession {
            kind,
            starts_at,
            duration_minutes: u32::try_from(agreement.session_minutes).unwrap_or_default(),
            mode: request.mode,
            note: None,
            held_on: None,
        };
        created.push(insert_session(tx, &agreement, &supervisee_ids, new, None, None).await?);
    }
    Ok(created)
}

/// Books one session of the agreement, by its supervisor or a trust lead, on a working day ahead;
/// or, entered as held (`held_on`), one that took place before it was entered.
pub async fn book(
    tx: &mut WriteTx<'_>,
    agreement_id: Uuid,
    new: NewSession,
) -> Result<SessionView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    me(scope, "book sessions")?;
    let (agreement, supervisee_ids) = arrangeable(tx, scope, agreement_id, "book sessions").await?;
    let cal = calendar_of(tx, agreement.academy_id).await?;
    match new.held_on {
        Some(held_on) => {
            check_past_start(new.starts_at, held_on, &cal, now)?;
            check_happened_on("starts_at", london_date(new.starts_at), &agreement, now)?;
            check_happened_on("held_on", held_on, &agreement, now)?;
        }
        None => check_start(new.starts_at, &cal, now)?,
    }
    insert_session(tx, &agreement, &supervisee_ids, new, None, None).await
}

/// The session and its agreement, if the caller reaches the agreement.
async fn session_of(
    conn: &DatabaseTransaction,
    scope: &Scope,
    id: Uuid,
) -> Result<
    (
        e::supervision_session::Model,
        e::agreement::Model,
        Vec<Uuid>,
    ),
    StoreError,
> {
    let session = e::supervision_session::Entity::find_by_id(id)
        .filter(e::supervision_session::Column::TrustId.eq(scope.trust_id()))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let (agreement, supervisee_ids) = reachable(conn, scope, session.agreement_id).await?;
    Ok((session, agreement, supervisee_ids))
}

fn conflict(id: Uuid) -> StoreError {
    StoreError::Conflict {
        entity: "supervision_session",
        id,
    }
}

/// Moves a planned session to another working day ahead, against the version read; attendees'
/// invitations are superseded by the next iCalendar sequence.
pub async fn reschedule(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    starts_at: DateTime<Utc>,
    row_version: i32,
) -> Result<SessionView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    me(scope, "move sessions")?;
    let (session, agreement, _) = session_of(tx.connection(), scope, id).await?;
    may_arrange(scope, &agreement, "move sessions")?;
    let cal = calendar_of(tx, agreement.academy_id).await?;
    let policy = crate::policy::effective_of(tx, agreement.academy_id).await?;
    if session.row_version != row_version {
        return Err(conflict(id));
    }
    if session.status != PLANNED {
        return Err(StoreError::invalid(
            "status",
            format!("a {} session is not moved", session.status),
        ));
    }
    check_start(starts_at, &cal, now)?;
    // A rebooking moved is late or not by its new date, against the same chain deadline.
    let late = match session.rebooking_of_id {
        Some(of) => {
            let (cancelled, _, _) = session_of(tx.connection(), scope, of).await?;
            rebooked_late(tx.connection(), scope, &cancelled, starts_at, &policy, &cal).await?
        }
        None => false,
    };
    use e::supervision_session::Column as C;
    let updated = e::supervision_session::Entity::update_many()
        .col_expr(C::StartsAt, Expr::value(starts_at))
        .col_expr(C::RebookedLate, Expr::value(late))
        .col_expr(C::IcalSequence, Expr::value(session.ical_sequence + 1))
        .col_expr(C::RowVersion, Expr::value(row_version + 1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Id.eq(id))
        .filter(C::RowVersion.eq(row_version))
        .exec(tx.connection())
        .await?;
    if updated.rows_affected != 1 {
        return Err(conflict(id));
    }
    tx.audit(
        AuditEntry::new("move", "supervision_session", Some(id)).with_detail(json!({
            "from": session.starts_at,
            "to": starts_at,
        })),
    )
    .await?;
    let (moved, _, supervisee_ids) = session_of(tx.connection(), scope, id).await?;
    crate::invite::queue_session_invites(
        tx,
        &moved,
        agreement.supervisor_id,
        &supervisee_ids,
        InviteMethod::Request,
    )
    .await?;
    view(tx.connection(), scope, moved).await
}

/// Cancels a planned session, by a party or a trust lead, with a reason, against the version read;
/// `cancelled_on` (today when absent) is the day it was called off, which may come before it is
/// entered.
pub async fn cancel(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    reason: &str,
    cancelled_on: Option<NaiveDate>,
    row_version: i32,
) -> Result<SessionView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let caller = me(scope, "cancel sessions")?;
    let (session, agreement, supervisee_ids) = session_of(tx.connection(), scope, id).await?;
    let party = caller == agreement.supervisor_id || supervisee_ids.contains(&caller);
    if !party && !scope.is_trust_lead() {
        return Err(StoreError::NotPermitted {
            action: "cancel a session of an agreement the caller is not party to",
        });
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::invalid("reason", "is required"));
    }
    if session.row_version != row_version {
        return Err(conflict(id));
    }
    if session.status != PLANNED {
        return Err(StoreError::invalid(
            "status",
            format!("a {} session is not cancelled", session.status),
        ));
    }
    let cancelled_on = cancelled_on.unwrap_or_else(|| london_date(now));
    check_happened_on("cancelled_on", cancelled_on, &agreement, now)?;
    use e::supervision_session::Column as C;
    let updated = e::supervision_session::Entity::update_many()
        .col_expr(C::Status, Expr::value(CANCELLED))
        .col_expr(C::CancelledAt, Expr::value(Some(now)))
        .col_expr(C::CancelledOn, Expr::value(Some(cancelled_on)))
        .col_expr(C::CancelledBy, Expr::value(Some(caller)))
        .col_expr(C::CancelReason, Expr::value(Some(reason.to_owned())))
        .col_expr(C::IcalSequence, Expr::value(session.ical_sequence + 1))
        .col_expr(C::RowVersion, Expr::value(row_version + 1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Id.eq(id))
        .filter(C::RowVersion.eq(row_version))
        .exec(tx.connection())
        .await?;
    if updated.rows_affected != 1 {
        return Err(conflict(id));
    }
    // The reason may name people; the log keeps only that there was one.
    tx.audit(AuditEntry::new("cancel", "supervision_session", Some(id)))
        .await?;
    let (cancelled, _, _) = session_of(tx.connection(), scope, id).await?;
    crate::invite::queue_session_invites(
        tx,
        &cancelled,
        agreement.supervisor_id,
        &supervisee_ids,
        InviteMethod::Cancel,
    )
    .await?;
    view(tx.connection(), scope, cancelled).await
}

/// At most this many links are followed back through a chain of rebookings: far more than any
/// real chain, and a stop for rows that loop.
const CHAIN_LIMIT: usize = 64;

/// The first session of the chain of rebookings `session` belongs to (itself when it is no
/// rebooking): its date sets the chain's one re-hold deadline (DESIGN §4).
async fn chain_root(
    conn: &DatabaseTransaction,
    scope: &Scope,
    session: &e::supervision_session::Model,
) -> Result<e::supervision_session::Model, StoreError> {
    let mut root = session.clone();
    for _ in 0..CHAIN_LIMIT {
        let Some(up) = root.rebooking_of_id else {
            break;
        };
        match e::supervision_session::Entity::find_by_id(up)
            .filter(e::supervision_session::Column::TrustId.eq(scope.trust_id()))
            .one(conn)
            .await?
        {
            Some(parent) => root = parent,
            None => break,
        }
    }
    Ok(root)
}

/// Whether a rebooking of `cancelled` starting at `starts_at` falls after its chain's re-hold
/// deadline. Past the calendar's end there is no deadline to be late for: the term dates end
/// first.
async fn rebooked_late(
    conn: &DatabaseTransaction,
    scope: &Scope,
    cancelled: &e::supervision_session::Model,
    starts_at: DateTime<Utc>,
    policy: &PolicySettings,
    cal: &TermCalendar,
) -> Result<bool, StoreError> {
    let root = chain_root(conn, scope, cancelled).await?;
    Ok(
        haven_domain::reheld_by(london_date(root.starts_at), policy, cal)
            .is_some_and(|deadline| london_date(starts_at) > deadline),
    )
}

/// Books the re-holding of a cancelled session, linked to it. One that falls after the chain's
/// re-hold deadline (the policy's `reheld_working_days` working days from the date of the
/// chain's first session) is booked all the same and marked `rebooked_late`.
pub async fn rebook(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    starts_at: DateTime<Utc>,
) -> Result<SessionView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    me(scope, "rebook sessions")?;
    let (cancelled, agreement, supervisee_ids) = session_of(tx.connection(), scope, id).await?;
    may_arrange(scope, &agreement, "rebook sessions")?;
    let cal = calendar_of(tx, agreement.academy_id).await?;
    let policy = crate::policy::effective_of(tx, agreement.academy_id).await?;
    if cancelled.status != CANCELLED {
        return Err(StoreError::invalid(
            "status",
            format!(
                "only a cancelled session is rebooked; this one is {}",
                cancelled.status
            ),
        ));
    }
    check_start(starts_at, &cal, now)?;
    let late = rebooked_late(tx.connection(), scope, &cancelled, starts_at, &policy, &cal).await?;
    let mode = SessionMode::parse(&cancelled.mode).unwrap_or(SessionMode::InPerson);
    let kind = SessionKind::parse(&cancelled.kind).unwrap_or(SessionKind::Formal);
    let new = NewSession {
        kind,
        starts_at,
        duration_minutes: u32::try_from(cancelled.duration_minutes).unwrap_or_default(),
        mode,
        note: cancelled.note.clone(),
        held_on: None,
    };
    insert_session(
        tx,
        &agreement,
        &supervisee_ids,
        new,
        Some(Rebooking {
            of: cancelled.id,
            late,
        }),
        cancelled.location.clone(),
    )
    .await
}

/// Marks a planned session whose start has passed as held, by its supervisor: `attendee_ids`
/// (who came, for a group) or every expected supervisee attended. `held_on` (the day of its
/// start when absent) is the day it took place, which may come before it is marked.
pub async fn mark_held(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    attendee_ids: Option<Vec<Uuid>>,
    held_on: Option<NaiveDate>,
) -> Result<SessionView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let caller = me(scope, "mark sessions held")?;
    let (session, agreement, _) = session_of(tx.connection(), scope, id).await?;
    if caller != agreement.supervisor_id {
        return Err(StoreError::NotPermitted {
            action: "mark held a session the caller does not supervise",
        });
    }
    if session.status != PLANNED {
        return Err(StoreError::invalid(
            "status",
            format!("a {} session is not marked held", session.status),
        ));
    }
    if session.starts_at > now {
        return Err(StoreError::invalid(
            "starts_at",
            "the session has not started yet",
        ));
    }
    let day = london_date(session.starts_at);
    let held_on = held_on.unwrap_or(day);
    if held_on < day {
        return Err(StoreError::invalid(
            "held_on",
            format!("{held_on} is before the session's date, {day}"),
        ));
    }
    check_happened_on("held_on", held_on, &agreement, now)?;
    let expected: Vec<Uuid> = e::session_attendee::Entity::find()
        .filter(e::session_attendee::Column::TrustId.eq(scope.trust_id()))
        .filter(e::session_attendee::Column::SessionId.eq(id))
        .all(tx.connection())
        .await?
        .into_iter()
        .map(|row| row.person_id)
        .collect();
    let attended = match attendee_ids {
        Some(ids) => {
            if let Some(stranger) = ids.iter().find(|p| !expected.contains(p)) {
                return Err(StoreError::invalid(
                    "attendee_ids",
                    format!("{stranger} is not expected at this session"),
                ));
            }
            ids
        }
        None => expected.clone(),
    };
    use e::supervision_session::Column as C;
    let updated = e::supervision_session::Entity::update_many()
        .col_expr(C::Status, Expr::value(HELD))
        .col_expr(C::HeldMarkedAt, Expr::value(Some(now)))
        .col_expr(C::HeldOn, Expr::value(Some(held_on)))
        .col_expr(C::RowVersion, Expr::value(session.row_version + 1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Id.eq(id))
        .filter(C::RowVersion.eq(session.row_version))
        .exec(tx.connection())
        .await?;
    if updated.rows_affected != 1 {
        return Err(conflict(id));
    }
    use e::session_attendee::Column as A;
    for person in &expected {
        e::session_attendee::Entity::update_many()
            .col_expr(A::Attended, Expr::value(Some(attended.contains(person))))
            .filter(A::TrustId.eq(scope.trust_id()))
            .filter(A::SessionId.eq(id))
            .filter(A::PersonId.eq(*person))
            .exec(tx.connection())
            .await?;
    }
    tx.audit(
        AuditEntry::new("mark_held", "supervision_session", Some(id)).with_detail(json!({
            "attended": attended.len(),
            "expected": expected.len(),
            "held_on": held_on,
        })),
    )
    .await?;
    let (held, _, _) = session_of(tx.connection(), scope, id).await?;
    view(tx.connection(), scope, held).await
}

/// The agreement's sessions in date order, for those who see the agreement.
pub async fn list(read: &ReadTx<'_>, agreement_id: Uuid) -> Result<Vec<SessionView>, StoreError> {
    let scope = read.scope();
    me(scope, "read sessions")?;
    let conn = read.connection();
    reachable(conn, scope, agreement_id).await?;
    let mut sessions = e::supervision_session::Entity::find()
        .filter(e::supervision_session::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_session::Column::AgreementId.eq(agreement_id))
        .all(conn)
        .await?;
    sessions.sort_by_key(|s| (s.starts_at, s.id));
    let mut views = Vec::with_capacity(sessions.len());
    for session in sessions {
        views.push(view(conn, scope, session).await?);
    }
    Ok(views)
}
