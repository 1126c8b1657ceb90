//! Actions agreed at a session: an owner, a due date, and open until done or carried forward to a
//! later session of the same agreement.
//!
//! An action's description is treated as record content: the session's supervisor and
//! supervisees and trust safeguarding leads read it (each read audited); anyone else who sees the
//! session's academy (a head, an RSL, the director) gets the session's counts only. An owner must
//! be a party of the session's agreement: an action is what supervision asks of its own parties.

use chrono::{DateTime, NaiveDate, Utc};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::record::{in_trust, not_theirs, parties};
use crate::scope::Scope;
use crate::time::london_date;
use crate::{ReadTx, StoreError, WriteTx};

/// An action, for someone entitled to its content.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub academy_id: Uuid,
    pub record_id: Option<Uuid>,
    pub case_note_id: Option<Uuid>,
    pub description: String,
    pub owner_id: Uuid,
    pub due_on: NaiveDate,
    /// open, done or carried_forward.
    pub status: String,
    /// The day it was done.
    pub completed_on: Option<NaiveDate>,
    /// When it was entered as done.
    pub completed_at: Option<DateTime<Utc>>,
    /// The action it was carried forward from.
    pub carried_from_id: Option<Uuid>,
    /// The version a change must name.
    pub row_version: i32,
}

/// A session's actions as its reader may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum SessionActions {
    /// The actions themselves, for the parties and trust leads.
    Content { actions: Vec<ActionView> },
    /// How many there are, for everyone else who sees the academy.
    Figures {
        open: usize,
        overdue: usize,
        done: usize,
        carried_forward: usize,
    },
}

/// What a new action says.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub description: String,
    pub owner_id: Uuid,
    pub due_on: NaiveDate,
    pub record_id: Option<Uuid>,
    pub case_note_id: Option<Uuid>,
}

/// Which of the caller's own actions to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct MyActions {
    pub status: Option<Status>,
    pub overdue: bool,
}

/// An action's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Done,
    CarriedForward,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Done => "done",
            Status::CarriedForward => "carried_forward",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        [Status::Open, Status::Done, Status::CarriedForward]
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| "must be open, done or carried_forward".to_owned())
    }
}

fn view(action: e::supervision_action::Model) -> ActionView {
    ActionView {
        id: action.id,
        session_id: action.session_id,
        academy_id: action.academy_id,
        record_id: action.record_id,
        case_note_id: action.case_note_id,
        description: action.description,
        owner_id: action.owner_id,
        due_on: action.due_on,
        status: action.status,
        completed_on: action.completed_on,
        completed_at: action.completed_at,
        carried_from_id: action.carried_from_id,
        row_version: action.row_version,
    }
}

/// The London calendar date a session starts on.
fn session_date(session: &e::supervision_session::Model) -> NaiveDate {
    london_date(session.starts_at)
}

fn london_today(now: DateTime<Utc>) -> NaiveDate {
    london_date(now)
}

fn check_due(session: &e::supervision_session::Model, due_on: NaiveDate) -> Result<(), StoreError> {
    if due_on < session_date(session) {
        return Err(StoreError::invalid(
            "due_on",
            "an action cannot be due before its session",
        ));
    }
    Ok(())
}

/// A new open action at a session, by its supervisor or one of its supervisees.
pub async fn create(
    tx: &mut WriteTx<'_>,
    session_id: Uuid,
    new: NewAction,
) -> Result<ActionView, StoreError> {
    let (conn, scope) = (tx.connection(), tx.scope());
    let session = in_trust::<e::supervision_session::Entity>(conn, scope, session_id).await?;
    let (supervisor, supervisees) = parties(conn, scope, &session).await?;
    let is_party = |p: Uuid| p == supervisor || supervisees.contains(&p);
    if !scope.person_id().is_some_and(is_party) {
        return Err(not_theirs(scope, session.academy_id, "add an action here"));
    }
    if new.description.trim().is_empty() {
        return Err(StoreError::invalid("description", "must not be empty"));
    }
    if !is_party(new.owner_id) {
        return Err(StoreError::invalid(
            "owner_id",
            "the owner must be the session's supervisor or a supervisee",
        ));
    }
    check_due(&session, new.due_on)?;
    if let Some(record_id) = new.record_id {
        let record = e::supervision_record::Entity::find()
            .filter(e::supervision_record::Column::TrustId.eq(scope.trust_id()))
            .filter(e::supervision_record::Column::Id.eq(record_id))
            .one(conn)
            .await?;
        if record.is_none_or(|r| r.session_id != session.id) {
            return Err(StoreError::invalid(
                "record_id",
                "is not this session's record",
            ));
        }
    }
    if let Some(note_id) = new.case_note_id {
        let note = e::case_note::Entity::find()
            .filter(e::case_note::Column::TrustId.eq(scope.trust_id()))
            .filter(e::case_note::Column::Id.eq(note_id))
            .one(conn)
            .await?;
        if note.is_none_or(|n| n.session_id != session.id) {
            return Err(StoreError::invalid(
                "case_note_id",
                "is not a case note of this session",
            ));
        }
    }
    let action = insert(tx, &session, new, None).await?;
    Ok(view(action))
}

async fn insert(
    tx: &mut WriteTx<'_>,
    session: &e::supervision_session::Model,
    new: NewAction,
    carried_from: Option<Uuid>,
) -> Result<e::supervision_action::Model, StoreError> {
    let now = tx.now();
    tx.insert_for_party(e::supervision_action::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(session.trust_id),
        academy_id: Set(session.academy_id),
        session_id: Set(session.id),
        record_id: Set(new.record_id),
        case_note_id: Set(new.case_note_id),
        description: Set(new.description.trim().to_owned()),
        owner_id: Set(new.owner_id),
        due_on: Set(new.due_on),
        status: Set(Status::Open.as_str().to_owned()),
        completed_on: Set(None),
        completed_at: Set(None),
        carried_from_id: Set(carried_from),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .await
}

/// Writes the action's new status over the version read; anyone else's change in between is a
/// [`StoreError::Conflict`].
async fn set_status(
    tx: &mut WriteTx<'_>,
    action: &e::supervision_action::Model,
    read_version: i32,
    status: Status,
    completed_on: Option<NaiveDate>,
) -> Result<e::supervision_action::Model, StoreError> {
    let done = e::supervision_action::Entity::update_many()
        .set(e::supervision_action::ActiveModel {
            status: Set(status.as_str().to_owned()),
            completed_on: Set(completed_on),
            completed_at: Set(completed_on.map(|_| tx.now())),
            row_version: Set(read_version + 1),
            updated_at: Set(tx.now()),
            ..Default::default()
        })
        .filter(e::supervision_action::Column::TrustId.eq(tx.scope().trust_id()))
        .filter(e::supervision_action::Column::Id.eq(action.id))
        .filter(e::supervision_action::Column::RowVersion.eq(read_version))
        .exec(tx.connection())
        .await?;
    if done.rows_affected == 0 {
        return Err(StoreError::Conflict {
            entity: "supervision_action",
            id: action.id,
        });
    }
    tx.audit(AuditEntry::new(
        status.as_str(),
        "supervision_action",
        Some(action.id),
    ))
    .await?;
    in_trust::<e::supervision_action::Entity>(tx.connection(), tx.scope(), action.id).await
}

/// The action and its session, when the caller is its owner or the session's supervisor.
async fn owned(
    conn: &DatabaseTransaction,
    scope: &Scope,
    action_id: Uuid,
    what: &'static str,
) -> Result<(e::supervision_action::Model, e::supervision_session::Model), StoreError> {
    let action = in_trust::<e::supervision_action::Entity>(conn, scope, action_id).await?;
    let session =
        in_trust::<e::supervision_session::Entity>(conn, scope, action.session_id).await?;
    let (supervisor, _) = parties(conn, scope, &session).await?;
    let allowed = scope
        .person_id()
        .is_some_and(|p| p == action.owner_id || p == supervisor);
    if !allowed {
        return Err(not_theirs(scope, action.academy_id, what));
    }
    if action.status != Status::Open.as_str() {
        return Err(StoreError::invalid(
            "status",
            "the action is no longer open",
        ));
    }
    Ok((action, session))
}

/// Marks an open action done, by its owner or the session's supervisor: on `done_on` (today
/// when absent), which may come before it is entered but not before its session nor after today.
pub async fn complete(
    tx: &mut WriteTx<'_>,
    action_id: Uuid,
    done_on: Option<NaiveDate>,
    row_version: i32,
) -> Result<ActionView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let (action, session) =
        owned(tx.connection(), scope, action_id, "complete this action").await?;
    let today = london_today(now);
    let done_on = done_on.unwrap_or(today);
    if done_on > today {
        return Err(StoreError::invalid("done_on", "is in the future"));
    }
    if done_on < session_date(&session) {
        return Err(StoreError::invalid(
            "done_on",
            "is before the action's session",
        ));
    }
    let done = set_status(tx, &action, row_version, Status::Done, Some(done_on)).await?;
    Ok(view(done))
}

/// Carries an open action forward to a later session of the same agreement (any version of it):
/// the old one becomes `carried_forward` and a new open action links back to it. Without
/// `due_on` the new one keeps the old due date, or the new session's date if that is later.
pub async fn carry_forward(
    tx: &mut WriteTx<'_>,
    action_id: Uuid,
    to_session_id: Uuid,
    due_on: Option<NaiveDate>,
) -> Result<ActionView, StoreError> {
    let (conn, scope) = (tx.connection(), tx.scope());
    let (action, session) = owned(conn, scope, action_id, "carry this action forward").await?;
    let agreement = in_trust::<e::agreement::Entity>(conn, scope, session.agreement_id).await?;
    let target = in_trust::<e::supervision_session::Entity>(conn, scope, to_session_id)
        .await
        .map_err(|_| StoreError::invalid("to_session_id", "no such session"))?;
    let target_agreement =
        in_trust::<e::agreement::Entity>(conn, scope, target.agreement_id).await?;
    if target_agreement.lineage_id != agreement.lineage_id {
        return Err(StoreError::invalid(
            "to_session_id",
            "must be a session of the same agreement",
        ));
    }
    if target.starts_at <= session.starts_at {
        return Err(StoreError::invalid(
            "to_session_id",
            "must be a later session",
        ));
    }
    let due_on = due_on.unwrap_or_else(|| action.due_on.max(session_date(&target)));
    check_due(&target, due_on)?;
    let version = action.row_version;
    set_status(tx, &action, version, Status::CarriedForward, None).await?;
    let carried = insert(
        tx,
        &target,
        NewAction {
            description: action.description.clone(),
            owner_id: action.owner_id,
            due_on,
            record_id: None,
            case_note_id: None,
        },
        Some(action.id),
    )
    .await?;
    Ok(view(carried))
}

/// Whether `scope` may read the session's actions (its parties and trust leads), or only count
/// them (anyone else who sees its academy); [`StoreError::NotFound`] for everyone else.
async fn entitled_to_actions(
    conn: &DatabaseTransaction,
    scope: &Scope,
    session: &e::supervision_session::Model,
) -> Result<bool, StoreError> {
    let (supervisor, supervisees) = parties(conn, scope, session).await?;
    let is_party = scope
        .person_id()
        .is_some_and(|p| p == supervisor || supervisees.contains(&p));
    let entitled = scope.may_read_record_content()
        && scope.person_id().is_some()
        && (is_party || scope.is_trust_lead());
    if !entitled && !scope.sees_academy(session.academy_id) {
        return Err(StoreError::NotFound);
    }
    Ok(entitled)
}

/// An action's figures: who owns it, when it is due and how far it has got, never what it says.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionFigures {
    pub id: Uuid,
    pub session_id: Uuid,
    pub owner_id: Uuid,
    pub due_on: NaiveDate,
    /// open, done or carried_forward.
    pub status: String,
    /// The day it was done.
    pub completed_on: Option<NaiveDate>,
    /// The version marking it done must name.
    pub row_version: i32,
}

/// One action's figures, for exactly those [`for_session`] answers about its session; no content
/// is read, so no audit entry is written. [`StoreError::NotFound`] for anyone else.
pub async fn figures(read: &ReadTx<'_>, action_id: Uuid) -> Result<ActionFigures, StoreError> {
    let (conn, scope) = (read.connection(), read.scope());
    let action = in_trust::<e::supervision_action::Entity>(conn, scope, action_id).await?;
    let session =
        in_trust::<e::supervision_session::Entity>(conn, scope, action.session_id).await?;
    entitled_to_actions(conn, scope, &session).await?;
    Ok(ActionFigures {
        id: action.id,
        session_id: action.session_id,
        owner_id: action.owner_id,
        due_on: action.due_on,
        status: action.status,
        completed_on: action.completed_on,
        row_version: action.row_version,
    })
}

/// A session's actions: their content for its parties and trust leads (the read audited), the
/// counts for anyone else who sees its academy.
pub async fn for_session(
    tx: &mut WriteTx<'_>,
    session_id: Uuid,
) -> Result<SessionActions, StoreError> {
    let (conn, scope, now) = (tx.connection(), tx.scope(), tx.now());
    let session = in_trust::<e::supervision_session::Entity>(conn, scope, session_id).await?;
    let entitled = entitled_to_actions(conn, scope, &session).await?;
    let actions = e::supervision_action::Entity::find()
        .filter(e::supervision_action::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_action::Column::SessionId.eq(session.id))
        .order_by_asc(e::supervision_action::Column::DueOn)
        .order_by_asc(e::supervision_action::Column::Id)
        .all(conn)
        .await?;
    if !entitled {
        let today = london_today(now);
        let count = |status: Status| {
            actions
                .iter()
                .filter(|a| a.status == status.as_str())
                .count()
        };
        let overdue = actions
            .iter()
            .filter(|a| a.status == Status::Open.as_str() && a.due_on < today)
            .count();
        let figures = SessionActions::Figures {
            open: count(Status::Open),
            overdue,
            done: count(Status::Done),
            carried_forward: count(Status::CarriedForward),
        };
        return Ok(figures);
    }
    tx.audit(AuditEntry::new(
        "read_content",
        "supervision_action",
        Some(session.id),
    ))
    .await?;
    Ok(SessionActions::Content {
        actions: actions.into_iter().map(view).collect(),
    })
}

/// The caller's own actions; `overdue` keeps the open ones due before today (London).
pub async fn mine(tx: &mut WriteTx<'_>, filter: MyActions) -> Result<Vec<ActionView>, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let Some(person) = scope.person_id() else {
        return Err(StoreError::NotPermitted {
            action: "list a person's actions",
        });
    };
    let mut query = e::supervision_action::Entity::find()
        .filter(e::supervision_action::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_action::Column::OwnerId.eq(person));
    if let Some(status) = filter.status {
        query = query.filter(e::supervision_action::Column::Status.eq(status.as_str()));
    }
    if filter.overdue {
        query = query
            .filter(e::supervision_action::Column::Status.eq(Status::Open.as_str()))
            .filter(e::supervision_action::Column::DueOn.lt(london_today(now)));
    }
    let actions = query
        .order_by_asc(e::supervision_action::Column::DueOn)
        .order_by_asc(e::supervision_action::Column::Id)
        .all(tx.connection())
        .await?;
    tx.audit(AuditEntry::new("read_content", "supervision_action", None))
        .await?;
    Ok(actions.into_iter().map(view).collect())
}
