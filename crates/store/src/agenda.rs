//! A session's agenda and its case notes (Appendix 3): written by its parties before or at the
//! session, and, being record content, read by exactly those who may read the session's record
//! (its parties, a trust safeguarding lead, the holder of a live grant that covers it: one rule,
//! [`haven_domain::access::read_basis`]). Every read is audited in the transaction that reads it.
//!
//! Each function works inside the transaction it is given (every one writes, a read of content
//! being audited, so each takes `&mut WriteTx`): the caller opens it and commits.

use chrono::{DateTime, Utc};
use haven_domain::{CaseReference, Initials};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::record::{ContentAccess, content_access, in_trust, not_theirs, parties};
use crate::tx::ReadTx;
use crate::{StoreError, WriteTx};

/// The statuses Appendix 3 knows a case by.
pub const CASE_STATUSES: [&str; 6] = [
    "cp_plan",
    "child_in_need",
    "early_help",
    "looked_after",
    "de_escalated",
    "cause_for_concern",
];

/// An agenda as its readers see it; `late` when it was sent after the policy's deadline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub academy_id: Uuid,
    /// The supervisee who last submitted it.
    pub submitted_by: Uuid,
    /// The items to discuss.
    pub items: Vec<String>,
    /// When it first reached the supervisor.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the policy wants it by (None where the policy asks for no agenda).
    pub due_by: Option<DateTime<Utc>>,
    /// Sent after `due_by`.
    pub late: bool,
    pub row_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One case's notes, as written.
#[derive(Debug, Clone)]
pub struct CaseNoteInput {
    pub case_reference: CaseReference,
    pub child_initials: Initials,
    /// One of [`CASE_STATUSES`].
    pub case_status: String,
    pub update_text: String,
    pub childs_view: String,
    pub parents_views: String,
    pub visiting_pattern: String,
    pub logs_up_to_date: bool,
    pub chronology_up_to_date: bool,
    pub risk_factors: String,
    pub protective_factors: String,
    pub outstanding_actions: String,
}

/// A case note as its readers see it (never the encrypted name).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseNoteView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub academy_id: Uuid,
    pub case_reference: String,
    pub child_initials: String,
    /// One of [`CASE_STATUSES`].
    pub case_status: String,
    pub update_text: String,
    pub childs_view: String,
    pub parents_views: String,
    pub visiting_pattern: String,
    pub logs_up_to_date: bool,
    pub chronology_up_to_date: bool,
    pub risk_factors: String,
    pub protective_factors: String,
    pub outstanding_actions: String,
    /// The party who added it.
    pub created_by: Uuid,
    pub row_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The scope's person when they are a supervisee (or, with `supervisor_too`, the supervisor)
/// of the session; anyone else is refused as [`not_theirs`] says.
async fn party(
    tx: &ReadTx<'_>,
    session: &e::supervision_session::Model,
    supervisor_too: bool,
    action: &'static str,
) -> Result<Uuid, StoreError> {
    let (supervisor, supervisees) = parties(tx.connection(), tx.scope(), session).await?;
    tx.scope()
        .person_id()
        .filter(|p| supervisees.contains(p) || (supervisor_too && *p == supervisor))
        .ok_or_else(|| not_theirs(tx.scope(), session.academy_id, action))
}

/// Why the scope may read the session's agenda and case notes: on the same basis as its record
/// (anyone else is refused as [`not_theirs`] says).
async fn reader_basis(
    tx: &WriteTx<'_>,
    session: &e::supervision_session::Model,
    action: &'static str,
) -> Result<ContentAccess, StoreError> {
    let record = session_record(tx, session).await?.map(|r| r.id);
    let access = content_access(tx.connection(), tx.scope(), session, record, tx.now()).await?;
    if access.basis.may_read() {
        Ok(access)
    } else {
        Err(not_theirs(tx.scope(), session.academy_id, action))
    }
}

/// The session's record, once one is written.
async fn session_record(
    tx: &ReadTx<'_>,
    session: &e::supervision_session::Model,
) -> Result<Option<e::supervision_record::Model>, StoreError> {
    Ok(e::supervision_record::Entity::find()
        .filter(e::supervision_record::Column::TrustId.eq(tx.scope().trust_id()))
        .filter(e::supervision_record::Column::SessionId.eq(session.id))
        .one(tx.connection())
        .await?)
}

/// Whether the session's record is frozen: its case notes are then part of what was signed.
async fn record_frozen(
    tx: &ReadTx<'_>,
    session: &e::supervision_session::Model,
) -> Result<bool, StoreError> {
    let record = session_record(tx, session).await?;
    Ok(record.is_some_and(|r| r.frozen_at.is_some() || r.status == "signed"))
}

/// The agenda's deadline and whether it was missed, under the policy of the session's academy,
/// for a reader already let in (a party may see no academy at all: an external supervisor).
async fn agenda_view(
    read: &ReadTx<'_>,
    session: &e::supervision_session::Model,
    agenda: e::agenda::Model,
) -> Result<AgendaView, StoreError> {
    let policy = crate::policy::effective_of(read, session.academy_id).await?;
    // An ad hoc session owes no agenda (DESIGN §4): one sent for it has no deadline to miss.
    let due_by = (policy.agenda_required && crate::snapshot::kind_of(session).owes_agenda())
        .then(|| policy.agenda_due_at(session.starts_at));
    let late = match (due_by, agenda.submitted_at) {
        (Some(due), Some(sent)) => sent > due,
        _ => false,
    };
    let items = serde_json::from_value(agenda.items).unwrap_or_default();
    Ok(AgendaView {
        id: agenda.id,
        session_id: agenda.session_id,
        academy_id: agenda.academy_id,
        submitted_by: agenda.submitted_by,
        items,
        submitted_at: agenda.submitted_at,
        due_by,
        late,
        row_version: agenda.row_version,
        created_at: agenda.created_at,
        updated_at: agenda.updated_at,
    })
}

/// A supervisee submits (or resubmits, over the version read) the agenda of a planned session.
/// Sending it after the policy's deadline is allowed; the answer says it is late.
pub async fn submit_agenda(
    tx: &mut WriteTx<'_>,
    session_id: Uuid,
    items: Vec<String>,
    row_version: Option<i32>,
) -> Result<AgendaView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let session =
        in_trust::<e::supervision_session::Entity>(tx.connection(), scope, session_id).await?;
    let person = party(tx, &session, false, "submit this session's agenda").await?;
    if session.status != "planned" {
        return Err(StoreError::invalid(
            "status",
            format!(
                "the session is {}: an agenda is sent before a planned session",
                session.status
            ),
        ));
    }
    let items: Vec<String> = items.iter().map(|i| i.trim().to_owned()).collect();
    if items.is_empty() || items.iter().any(String::is_empty) {
        return Err(StoreError::invalid(
            "items",
            "list at least one item, none of them empty",
        ));
    }
    let existing = e::agenda::Entity::find()
        .filter(e::agenda::Column::TrustId.eq(scope.trust_id()))
        .filter(e::agenda::Column::SessionId.eq(session.id))
        .one(tx.connection())
        .await?;
    let row = match existing {
        None => {
            tx.insert_for_party(e::agenda::ActiveModel {
                id: Set(Uuid::now_v7()),
                trust_id: Set(scope.trust_id()),
                academy_id: Set(session.academy_id),
                session_id: Set(session.id),
                submitted_by: Set(person),
                items: Set(json!(items)),
                submitted_at: Set(Some(now)),
                row_version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .await?
        }
        Some(agenda) => {
            // Whoever did not read the agenda there is cannot be updating it knowingly.
            let read = row_version.ok_or(StoreError::Conflict {
                entity: "agenda",
                id: agenda.id,
            })?;
            let id = agenda.id;
            let mut changed = agenda.into_active_model();
            changed.items = Set(json!(items));
            changed.submitted_by = Set(person);
            // Sent is when it first reached the supervisor: an update after that neither makes
            // an agenda sent in time late nor brings back the reminders its sending ended.
            if changed.submitted_at.as_ref().is_none() {
                changed.submitted_at = Set(Some(now));
            }
            changed.row_version = Set(read + 1);
            changed.updated_at = Set(now);
            let done = e::agenda::Entity::update_many()
                .set(changed)
                .filter(e::agenda::Column::TrustId.eq(scope.trust_id()))
                .filter(e::agenda::Column::Id.eq(id))
                .filter(e::agenda::Column::RowVersion.eq(read))
                .exec(tx.connection())
                .await?;
            if done.rows_affected == 0 {
                return Err(StoreError::Conflict {
                    entity: "agenda",
                    id,
                });
            }
            tx.audit(AuditEntry::new("update", "agenda", Some(id)))
                .await?;
            in_trust::<e::agenda::Entity>(tx.connection(), scope, id).await?
        }
    };
    agenda_view(tx, &session, row).await
}

/// The session's agenda, for those who may read its record; the read is audited.
pub async fn read_agenda(tx: &mut WriteTx<'_>, session_id: Uuid) -> Result<AgendaView, StoreError> {
    let scope = tx.scope();
    let session =
        in_trust::<e::supervision_session::Entity>(tx.connection(), scope, session_id).await?;
    let access = reader_basis(tx, &session, "read this session's agenda").await?;
    let agenda = e::agenda::Entity::find()
        .filter(e::agenda::Column::TrustId.eq(scope.trust_id()))
        .filter(e::agenda::Column::SessionId.eq(session.id))
        .one(tx.connection())
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.audit(access.entry(
        "agenda",
        agenda.id,
        None,
        json!({ "session_id": session.id }),
    ))
    .await?;
    agenda_view(tx, &session, agenda).await
}

fn case_status(status: &str) -> Result<(), StoreError> {
    if CASE_STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "case_status",
            format!("must be one of {}", CASE_STATUSES.join(", ")),
        ))
    }
}

fn case_view(note: e::case_note::Model) -> CaseNoteView {
    CaseNoteView {
        id: note.id,
        session_id: note.session_id,
        academy_id: note.academy_id,
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
        created_by: note.created_by,
        row_version: note.row_version,
        created_at: note.created_at,
        updated_at: note.updated_at,
    }
}

/// A supervisee or the supervisor adds notes on one case to a session that is not cancelled
/// and whose record is not frozen, within the agreement's cases per session.
pub async fn add_case_note(
    tx: &mut WriteTx<'_>,
    session_id: Uuid,
    input: CaseNoteInput,
) -> Result<CaseNoteView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let conn = tx.connection();
    let session = in_trust::<e::supervision_session::Entity>(conn, scope, session_id).await?;
    let author = party(tx, &session, true, "write this session's case notes").await?;
    if session.status == "cancelled" {
        return Err(StoreError::invalid("status", "the session is cancelled"));
    }
    if record_frozen(tx, &session).await? {
        return Err(StoreError::invalid(
            "status",
            "the session's record is signed: amend the record instead",
        ));
    }
    case_status(&input.case_status)?;
    let conn = tx.connection();
    let agreement = in_trust::<e::agreement::Entity>(conn, scope, session.agreement_id).await?;
    let notes = e::case_note::Entity::find()
        .filter(e::case_note::Column::TrustId.eq(scope.trust_id()))
        .filter(e::case_note::Column::SessionId.eq(session.id));
    if notes
        .clone()
        .filter(e::case_note::Column::CaseReference.eq(input.case_reference.as_str()))
        .count(conn)
        .await?
        > 0
    {
        return Err(StoreError::invalid(
            "case_reference",
            "this session has notes on this case already: edit them",
        ));
    }
    if let Some(max) = agreement.max_cases_per_session {
        let held = notes.count(conn).await?;
        if held >= u64::try_from(max).unwrap_or(0) {
            return Err(StoreError::invalid(
                "case_reference",
                format!("this session takes at most {max} cases"),
            ));
        }
    }
    let row = tx
        .insert_for_party(e::case_note::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            academy_id: Set(session.academy_id),
            session_id: Set(session.id),
            case_reference: Set(input.case_reference.as_str().to_owned()),
            child_initials: Set(input.child_initials.as_str().to_owned()),
            child_name_encrypted: Set(None),
            case_status: Set(input.case_status),
            update_text: Set(input.update_text),
            childs_view: Set(input.childs_view),
            parents_views: Set(input.parents_views),
            visiting_pattern: Set(input.visiting_pattern),
            logs_up_to_date: Set(input.logs_up_to_date),
            chronology_up_to_date: Set(input.chronology_up_to_date),
            risk_factors: Set(input.risk_factors),
            protective_factors: Set(input.protective_factors),
            outstanding_actions: Set(input.outstanding_actions),
            created_by: Set(author),
            row_version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    Ok(case_view(row))
}

/// A party edits a case note over the version read, until the session's record is frozen.
pub async fn edit_case_note(
    tx: &mut WriteTx<'_>,
    note_id: Uuid,
    input: CaseNoteInput,
    row_version: i32,
) -> Result<CaseNoteView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let conn = tx.connection();
    let note = in_trust::<e::case_note::Entity>(conn, scope, note_id).await?;
    let session = in_trust::<e::supervision_session::Entity>(conn, scope, note.session_id).await?;
    party(tx, &session, true, "edit this session's case notes").await?;
    if record_frozen(tx, &session).await? {
        return Err(StoreError::invalid(
            "status",
            "the session's record is signed: amend the record instead",
        ));
    }
    case_status(&input.case_status)?;
    let conn = tx.connection();
    let clash = e::case_note::Entity::find()
        .filter(e::case_note::Column::TrustId.eq(scope.trust_id()))
        .filter(e::case_note::Column::SessionId.eq(session.id))
        .filter(e::case_note::Column::CaseReference.eq(input.case_reference.as_str()))
        .filter(e::case_note::Column::Id.ne(note.id))
        .count(conn)
        .await?;
    if clash > 0 {
        return Err(StoreError::invalid(
            "case_reference",
            "this session has notes on this case already",
        ));
    }
    let mut changed = note.into_active_model();
    changed.case_reference = Set(input.case_reference.as_str().to_owned());
    changed.child_initials = Set(input.child_initials.as_str().to_owned());
    changed.case_status = Set(input.case_status);
    changed.update_text = Set(input.update_text);
    changed.childs_view = Set(input.childs_view);
    changed.parents_views = Set(input.parents_views);
    changed.visiting_pattern = Set(input.visiting_pattern);
    changed.logs_up_to_date = Set(input.logs_up_to_date);
    changed.chronology_up_to_date = Set(input.chronology_up_to_date);
    changed.risk_factors = Set(input.risk_factors);
    changed.protective_factors = Set(input.protective_factors);
    changed.outstanding_actions = Set(input.outstanding_actions);
    changed.row_version = Set(row_version + 1);
    changed.updated_at = Set(now);
    let done = e::case_note::Entity::update_many()
        .set(changed)
        .filter(e::case_note::Column::TrustId.eq(scope.trust_id()))
        .filter(e::case_note::Column::Id.eq(note_id))
        .filter(e::case_note::Column::RowVersion.eq(row_version))
        .exec(conn)
        .await?;
    if done.rows_affected == 0 {
        return Err(StoreError::Conflict {
            entity: "case_note",
            id: note_id,
        });
    }
    // The entry names the note, never its text.
    tx.audit(AuditEntry::new("update", "case_note", Some(note_id)))
        .await?;
    let row = in_trust::<e::case_note::Entity>(tx.connection(), scope, note_id).await?;
    Ok(case_view(row))
}

/// One case note, for those who may read its session's record; the read is audited.
pub async fn case_note(tx: &mut WriteTx<'_>, note_id: Uuid) -> Result<CaseNoteView, StoreError> {
    let scope = tx.scope();
    let note = in_trust::<e::case_note::Entity>(tx.connection(), scope, note_id).await?;
    let session =
        in_trust::<e::supervision_session::Entity>(tx.connection(), scope, note.session_id).await?;
    let access = reader_basis(tx, &session, "read this session's case notes").await?;
    tx.audit(access.entry(
        "supervision_session",
        session.id,
        None,
        json!({ "view": "case_note", "case_note_ids": [note.id] }),
    ))
    .await?;
    Ok(case_view(note))
}

/// The session's case notes, for those who may read its record; the read is audited.
pub async fn case_notes(
    tx: &mut WriteTx<'_>,
    session_id: Uuid,
) -> Result<Vec<CaseNoteView>, StoreError> {
    let scope = tx.scope();
    let session =
        in_trust::<e::supervision_session::Entity>(tx.connection(), scope, session_id).await?;
    let access = reader_basis(tx, &session, "read this session's case notes").await?;
    let notes = e::case_note::Entity::find()
        .filter(e::case_note::Column::TrustId.eq(scope.trust_id()))
        .filter(e::case_note::Column::SessionId.eq(session.id))
        .order_by_asc(e::case_note::Column::CreatedAt)
        .order_by_asc(e::case_note::Column::Id)
        .all(tx.connection())
        .await?;
    tx.audit(access.entry(
        "supervision_session",
        session.id,
        None,
        json!({
            "view": "case_notes",
            "case_note_ids": notes.iter().map(|n| n.id).collect::<Vec<_>>(),
        }),
    ))
    .await?;
    Ok(notes.into_iter().map(case_view).collect())
}
