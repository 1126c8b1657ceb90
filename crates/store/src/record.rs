//! Who may read a supervision record's content, and what everyone else sees of a session.
//!
//! Content is read only by the session's supervisor, its supervisee(s), a trust safeguarding
//! lead, or the holder of a live access grant that covers it (DESIGN §3; the rule is
//! [`haven_domain::access::read_basis`], the facts it judges are loaded here, and the session's
//! case notes and agenda are read by the same rule). Heads, RSLs and the director see the
//! session's figures. Every content read is audited in the transaction that
//! reads it, so a read that could not be logged returns nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::access::{Grant, GrantCover, GrantWindow, ReadBasis, SessionContent, read_basis};
use haven_domain::record_content::{ActionReview, Change, RecordContent, changes};
use haven_domain::{ContentHash, DomainError};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::scope::Scope;
use crate::time::london_date;
use crate::{Db, StoreError, WriteTx};

/// A signature's outcome, and a frozen record's status, when a party disagreed with the content.
pub(crate) const DISAGREED: &str = "disagreed";

/// A record with its content, for someone entitled to it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub academy_id: Uuid,
    pub author_id: Uuid,
    pub status: String,
    pub content: Value,
    pub content_hash: Option<String>,
    /// When it was sent in Haven, or entered as sent when it was sent before.
    pub sent_at: Option<DateTime<Utc>>,
    /// The day it was sent: the day of `sent_at`, or the day entered with it.
    pub sent_on: Option<NaiveDate>,
    /// Where the paper original is kept, for a record sent and signed on paper.
    pub paper_original: Option<String>,
    pub frozen_at: Option<DateTime<Utc>>,
    pub next_session_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The version a change must name.
    pub row_version: i32,
    /// Each party's recorded disagreement with the content, with their reason.
    pub disagreements: Vec<SignatureView>,
}

/// What anyone who sees the session's academy may know of it: no content.
#[derive(Debug, Clone, Serialize)]
pub struct SessionFigures {
    pub session_id: Uuid,
    pub academy_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub status: String,
    pub kind: haven_domain::SessionKind,
    /// The cancelled session this one re-holds, if it is a rebooking.
    pub rebooking_of_id: Option<Uuid>,
    /// A rebooking after its chain's re-hold deadline: accepted, and shown as late.
    pub rebooked_late: bool,
    pub record: Option<RecordFigures>,
    /// The version a move, cancellation, re-booking or confirmation must name.
    pub row_version: i32,
}

/// Whether a session has a record, and how far it has got.
#[derive(Debug, Clone, Serialize)]
pub struct RecordFigures {
    pub id: Uuid,
    pub status: String,
    /// Sent and signed on paper, its original kept outside Haven.
    pub on_paper: bool,
}

/// Why a scope may read a session's content, with the grant it reads under, if any.
pub(crate) struct ContentAccess {
    pub(crate) basis: ReadBasis,
    grant: Option<e::access_grant::Model>,
}

impl ContentAccess {
    /// The `read_content` entry for a read on this basis: `detail` (an object) also names the
    /// basis and the grant; under a grant the entry's reason is the one the trust lead approved,
    /// otherwise the reader's own (`stated`), when they gave one.
    pub(crate) fn entry(
        &self,
        entity: &str,
        id: Uuid,
        stated: Option<&str>,
        mut detail: Value,
    ) -> AuditEntry {
        if let Value::Object(fields) = &mut detail {
            fields.insert("basis".into(), json!(self.basis.as_str()));
            fields.insert("grant_id".into(), json!(self.basis.grant_id()));
        }
        let entry = AuditEntry::new("read_content", entity, Some(id)).with_detail(detail);
        match self.grant.as_ref().map(|g| g.reason.as_str()).or(stated) {
            Some(why) => entry.with_reason(why),
            None => entry,
        }
    }
}

/// A row of the scope's trust by id, whichever academy it belongs to. Entitlement to content
/// follows the person (a party or a grantee), not academy visibility: an external supervisor or
/// a grantee from another academy must reach the record, and the caller decides what to answer
/// for everyone else.
pub(crate) async fn in_trust<E>(
    conn: &DatabaseTransaction,
    scope: &Scope,
    id: Uuid,
) -> Result<E::Model, StoreError>
where
    E: crate::TenantTable,
{
    E::find()
        .filter(E::trust_column().eq(scope.trust_id()))
        .filter(E::id_column().eq(id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The supervisor and the supervisees of a session.
pub(crate) async fn parties(
    conn: &DatabaseTransaction,
    scope: &Scope,
    session: &e::supervision_session::Model,
) -> Result<(Uuid, Vec<Uuid>), StoreError> {
    let agreement = in_trust::<e::agreement::Entity>(conn, scope, session.agreement_id).await?;
    let supervisees = e::agreement_supervisee::Entity::find()
        .filter(e::agreement_supervisee::Column::TrustId.eq(scope.trust_id()))
        .filter(e::agreement_supervisee::Column::AgreementId.eq(agreement.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.person_id)
        .collect();
    Ok((agreement.supervisor_id, supervisees))
}

/// Whether, and why, `scope` may read the content of `session` (whose record is `record_id`,
/// once it has one) at `now`: the facts loaded here, the rule in [`read_basis`].
pub(crate) async fn content_access(
    conn: &DatabaseTransaction,
    scope: &Scope,
    session: &e::supervision_session::Model,
    record_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<ContentAccess, StoreError> {
    let reader = scope.reader();
    let (supervisor, supervisees) = parties(conn, scope, session).await?;
    let content = SessionContent {
        supervisor_id: supervisor,
        supervisee_ids: supervisees,
        record_id,
    };
    // Only a person holds grants.
    let rows = match reader.person_id {
        Some(person) => grants_to(conn, scope, person).await?,
        None => Vec::new(),
    };
    let grants: Vec<Grant> = rows
        .iter()
        .map(|(row, records)| grant_fact(row, records))
        .collect();
    let basis = read_basis(&reader, &content, &grants, now);
    let grant = basis
        .grant_id()
        .and_then(|id| rows.into_iter().find(|(row, _)| row.id == id))
        .map(|(row, _)| row);
    Ok(ContentAccess { basis, grant })
}

/// The record `record_id` and why the transaction's scope may read its content; anyone else is
/// refused `action` as [`not_theirs`] says.
async fn readable(
    tx: &WriteTx<'_>,
    record_id: Uuid,
    action: &'static str,
) -> Result<(e::supervision_record::Model, ContentAccess), StoreError> {
    let (conn, scope) = (tx.connection(), tx.scope());
    let record = in_trust::<e::supervision_record::Entity>(conn, scope, record_id).await?;
    let session =
        in_trust::<e::supervision_session::Entity>(conn, scope, record.session_id).await?;
    let access = content_access(conn, scope, &session, Some(record.id), tx.now()).await?;
    if access.basis.may_read() {
        Ok((record, access))
    } else {
        Err(not_theirs(scope, record.academy_id, action))
    }
}

/// Every grant ever made to `person`, oldest first, with the records each names (none for a
/// grant over a person). Whether one is live is the rule's to say.
async fn grants_to(
    conn: &DatabaseTransaction,
    scope: &Scope,
    person: Uuid,
) -> Result<Vec<(e::access_grant::Model, Vec<Uuid>)>, StoreError> {
    let grants = e::access_grant::Entity::find()
        .filter(e::access_grant::Column::TrustId.eq(scope.trust_id()))
        .filter(e::access_grant::Column::GranteeId.eq(person))
        .order_by_asc(e::access_grant::Column::CreatedAt)
        .order_by_asc(e::access_grant::Column::Id)
        .all(conn)
        .await?;
    if grants.is_empty() {
        return Ok(Vec::new());
    }
    let named = e::access_grant_record::Entity::find()
        .filter(e::access_grant_record::Column::TrustId.eq(scope.trust_id()))
        .filter(e::access_grant_record::Column::GrantId.is_in(grants.iter().map(|g| g.id)))
        .all(conn)
        .await?;
    Ok(grants
        .into_iter()
        .map(|grant| {
            let records = named
                .iter()
                .filter(|row| row.grant_id == grant.id)
                .map(|row| row.record_id)
                .collect();
            (grant, records)
        })
        .collect())
}

/// A grant row as the access rule knows it.
fn grant_fact(row: &e::access_grant::Model, records: &[Uuid]) -> Grant {
    Grant {
        id: row.id,
        grantee_id: row.grantee_id,
        cover: match row.subject_person_id {
            Some(subject) => GrantCover::SubjectPerson(subject),
            None => GrantCover::Records(records.iter().copied().collect()),
        },
        window: grant_window(row),
    }
}

/// When a grant row opens anything.
pub(crate) fn grant_window(row: &e::access_grant::Model) -> GrantWindow {
    GrantWindow {
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        revoked_at: row.revoked_at,
    }
}

/// The record's content, for its supervisor, its supervisee(s), a trust safeguarding lead or
/// a live grant's holder, with a `read_content` audit entry in the same transaction (under a
/// grant it names the grant and carries its reason; `reason` is what the reader stated).
/// Anyone else who sees the record's academy is [`StoreError::NotPermitted`] (they may have
/// its figures); anyone who does not is [`StoreError::NotFound`], as for a missing id.
pub async fn read_record(
    db: &Db,
    scope: &Scope,
    record_id: Uuid,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<RecordView, StoreError> {
    let mut tx = db.write(scope, now).await?;
    let (record, access) = readable(&tx, record_id, "read this record's content").await?;
    let stated = reason.map(str::trim).filter(|r| !r.is_empty());
    tx.audit(access.entry(
        "supervision_record",
        record.id,
        stated,
        json!({ "stated_reason": stated }),
    ))
    .await?;
    let answer = view(tx.connection(), record).await?;
    tx.commit().await?;
    Ok(answer)
}

/// A session's date, status and kind, and whether its record exists and how far it has got,
/// for anyone who sees its academy, and for its parties wherever they sit.
pub async fn session_figures(
    db: &Db,
    scope: &Scope,
    session_id: Uuid,
) -> Result<SessionFigures, StoreError> {
    Ok(session_summary(db, scope, session_id).await?.figures)
}

/// A session's figures and who its staff are: what a page about it may show.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub figures: SessionFigures,
    pub supervisor_id: Uuid,
    pub supervisee_ids: Vec<Uuid>,
}

/// A session's [`SessionSummary`], for exactly those [`session_figures`] answers.
pub async fn session_summary(
    db: &Db,
    scope: &Scope,
    session_id: Uuid,
) -> Result<SessionSummary, StoreError> {
    let read = db.read(scope).await?;
    let conn = read.connection();
    let session = in_trust::<e::supervision_session::Entity>(conn, scope, session_id).await?;
    let (supervisor, supervisees) = parties(conn, scope, &session).await?;
    let is_party = scope
        .person_id()
        .is_some_and(|p| p == supervisor || supervisees.contains(&p));
    if !scope.sees_academy(session.academy_id) && !is_party {
        return Err(StoreError::NotFound);
    }
    let record = e::supervision_record::Entity::find()
        .filter(e::supervision_record::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_record::Column::SessionId.eq(session.id))
        .one(conn)
        .await?;
    read.finish().await?;
    Ok(SessionSummary {
        figures: figures(session, record),
        supervisor_id: supervisor,
        supervisee_ids: supervisees,
    })
}

/// A record's [`SessionSummary`], never its content (so nothing is read that needs an audit
/// entry), for exactly those [`read_record`] answers: the entitled and anyone who sees its
/// academy. For anyone else it is [`StoreError::NotFound`], as for a missing id.
pub async fn record_summary(
    db: &Db,
    scope: &Scope,
    record_id: Uuid,
    now: DateTime<Utc>,
) -> Result<SessionSummary, StoreError> {
    let read = db.read(scope).await?;
    let conn = read.connection();
    let record = in_trust::<e::supervision_record::Entity>(conn, scope, record_id).await?;
    let session =
        in_trust::<e::supervision_session::Entity>(conn, scope, record.session_id).await?;
    if !scope.sees_academy(record.academy_id)
        && !content_access(conn, scope, &session, Some(record.id), now)
            .await?
            .basis
            .may_read()
    {
        return Err(StoreError::NotFound);
    }
    let (supervisor, supervisees) = parties(conn, scope, &session).await?;
    read.finish().await?;
    Ok(SessionSummary {
        figures: figures(session, Some(record)),
        supervisor_id: supervisor,
        supervisee_ids: supervisees,
    })
}

fn figures(
    session: e::supervision_session::Model,
    record: Option<e::supervision_record::Model>,
) -> SessionFigures {
    let kind = crate::snapshot::kind_of(&session);
    SessionFigures {
        session_id: session.id,
        academy_id: session.academy_id,
        starts_at: session.starts_at,
        duration_minutes: session.duration_minutes,
        status: session.status,
        kind,
        rebooking_of_id: session.rebooking_of_id,
        rebooked_late: session.rebooked_late,
        record: record.map(|r| RecordFigures {
            id: r.id,
            status: r.status,
            on_paper: r.paper_original.is_some(),
        }),
        row_version: session.row_version,
    }
}

/// A domain refusal as the store's, naming the field.
fn refused(error: DomainError) -> StoreError {
    match error {
        DomainError::Invalid { field, reason } => StoreError::Invalid { field, reason },
        source => StoreError::Digest {
            entity: "supervision_record".to_owned(),
            source,
        },
    }
}

/// Someone who may not do this: refused when they see the academy, unknown otherwise.
pub(crate) fn not_theirs(scope: &Scope, academy_id: Uuid, action: &'static str) -> StoreError {
    if scope.sees_academy(academy_id) {
        StoreError::NotPermitted { action }
    } else {
        StoreError::NotFound
    }
}

async fn view(
    conn: &DatabaseTransaction,
    record: e::supervision_record::Model,
) -> Result<RecordView, StoreError> {
    let disagreements = e::record_signature::Entity::find()
        .filter(e::record_signature::Column::TrustId.eq(record.trust_id))
        .filter(e::record_signature::Column::RecordId.eq(record.id))
        .filter(e::record_signature::Column::Outcome.eq(DISAGREED))
        .all(conn)
        .await?
        .into_iter()
        .map(signature_view)
        .collect();
    let sent_on = sent_on(&record);
    Ok(RecordView {
        id: record.id,
        session_id: record.session_id,
        academy_id: record.academy_id,
        author_id: record.author_id,
        status: record.status,
        content: record.content,
        content_hash: record.content_hash,
        sent_on,
        sent_at: record.sent_at,
        paper_original: record.paper_original,
        frozen_at: record.frozen_at,
        next_session_on: record.next_session_on,
        created_at: record.created_at,
        updated_at: record.updated_at,
        row_version: record.row_version,
        disagreements,
    })
}

fn signature_view(signature: e::record_signature::Model) -> SignatureView {
    SignatureView {
        person_id: signature.person_id,
        outcome: signature.outcome,
        disagreement: signature.disagreement,
        signed_on: signature
            .signed_on
            .unwrap_or_else(|| london_date(signature.signed_at)),
        signed_at: signature.signed_at,
        medium: signature.medium,
        entered_by_id: signature.entered_by_id,
        content_hash: signature.content_hash,
    }
}

/// The day a record was sent: the day entered with it (`sent_on`), else the day it was sent in
/// Haven (`sent_at`).
pub(crate) fn sent_day(
    sent_on: Option<NaiveDate>,
    sent_at: Option<DateTime<Utc>>,
) -> Option<NaiveDate> {
    sent_on.or_else(|| sent_at.map(london_date))
}

fn sent_on(record: &e::supervision_record::Model) -> Option<NaiveDate> {
    sent_day(record.sent_on, record.sent_at)
}

/// Writes `changed` over the record read at `read_version`, bumping the version; anyone else's
/// write in between is a [`StoreError::Conflict`].
async fn update_record(
    tx: &WriteTx<'_>,
    read_version: i32,
    mut changed: e::supervision_record::ActiveModel,
) -> Result<e::supervision_record::Model, StoreError> {
    let id = match &changed.id {
        sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => *id,
        sea_orm::ActiveValue::NotSet => return Err(StoreError::NotFound),
    };
    changed.row_version = Set(read_version + 1);
    changed.updated_at = Set(tx.now());
    let done = e::supervision_record::Entity::update_many()
        .set(changed)
        .filter(e::supervision_record::Column::TrustId.eq(tx.scope().trust_id()))
        .filter(e::supervision_record::Column::Id.eq(id))
        .filter(e::supervision_record::Column::RowVersion.eq(read_version))
        .exec(tx.connection())
        .await?;
    if done.rows_affected == 0 {
        return Err(StoreError::Conflict {
            entity: "supervision_record",
            id,
        });
    }
    in_trust::<e::supervision_record::Entity>(tx.connection(), tx.scope(), id).await
}

/// The open actions of the sessions before `session` under its agreement (any version of it),
/// as the new record's review of previous actions.
async fn open_actions(
    conn: &DatabaseTransaction,
    scope: &Scope,
    session: &e::supervision_session::Model,
) -> Result<Vec<ActionReview>, StoreError> {
    let agreement = in_trust::<e::agreement::Entity>(conn, scope, session.agreement_id).await?;
    let versions: Vec<Uuid> = e::agreement::Entity::find()
        .filter(e::agreement::Column::TrustId.eq(scope.trust_id()))
        .filter(e::agreement::Column::LineageId.eq(agreement.lineage_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let earlier: Vec<Uuid> = e::supervision_session::Entity::find()
        .filter(e::supervision_session::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_session::Column::AgreementId.is_in(versions))
        .all(conn)
        .await?
        .into_iter()
        // Compared here, not in SQL, so both engines agree whatever their time representation.
        .filter(|s| s.starts_at < session.starts_at && s.id != session.id)
        .map(|s| s.id)
        .collect();
    let actions = e::supervision_action::Entity::find()
        .filter(e::supervision_action::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_action::Column::SessionId.is_in(earlier))
        .filter(e::supervision_action::Column::Status.eq("open"))
        .order_by_asc(e::supervision_action::Column::DueOn)
        .all(conn)
        .await?;
    Ok(actions
        .into_iter()
        .map(|action| ActionReview {
            action_id: Some(action.id),
            description: action.description,
            due_on: Some(action.due_on),
            progress: String::new(),
        })
        .collect())
}

fn stored(content: &RecordContent) -> Result<Value, StoreError> {
    content.to_json().map_err(refused)
}

/// The supervisor's draft record of a held session. A review of previous actions left empty is
/// filled with the open actions of the agreement's earlier sessions.
pub async fn create_draft(
    db: &Db,
    scope: &Scope,
    session_id: Uuid,
    mut content: RecordContent,
    now: DateTime<Utc>,
) -> Result<RecordView, StoreError> {
    let mut tx = db.write(scope, now).await?;
    let conn = tx.connection();
    let session = in_trust::<e::supervision_session::Entity>(conn, scope, session_id).await?;
    let (supervisor, _) = parties(conn, scope, &session).await?;
    let Some(author) = scope.person_id().filter(|p| *p == supervisor) else {
        return Err(not_theirs(
            scope,
            session.academy_id,
            "write this session's record",
        ));
    };
    if session.status != "held" {
        return Err(StoreError::invalid(
            "session",
            "is not held: a record follows a held session",
        ));
    }
    let existing = e::supervision_record::Entity::find()
        .filter(e::supervision_record::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_record::Column::SessionId.eq(session.id))
        .one(conn)
        .await?;
    if existing.is_some() {
        return Err(StoreError::invalid(
            "session",
            "has a record already: edit that one",
        ));
    }
    if content.review_of_previous_actions.is_empty() {
        content.review_of_previous_actions = open_actions(conn, scope, &session).await?;
    }
    let row = tx
        .insert_for_party(e::supervision_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            academy_id: Set(session.academy_id),
            session_id: Set(session.id),
            author_id: Set(author),
            status: Set("draft".into()),
            content: Set(stored(&content)?),
            content_hash: Set(None),
            sent_at: Set(None),
            sent_on: Set(None),
            paper_original: Set(None),
            frozen_at: Set(None),
            next_session_on: Set(content.next_session_on),
            row_version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    let answer = view(tx.connection(), row).await?;
    tx.commit().await?;
    Ok(answer)
}

/// Why a record that is not a draft cannot be edited.
fn not_a_draft(record: &e::supervision_record::Model) -> StoreError {
    if record.frozen_at.is_some() || record.status == "signed" {
        StoreError::invalid("status", "frozen: amend it")
    } else {
        StoreError::invalid("status", "sent for signature: it can no longer be edited")
    }
}

/// The record and its session, for its supervisor only.
async fn authored(
    tx: &WriteTx<'_>,
    record_id: Uuid,
    action: &'static str,
) -> Result<e::supervision_record::Model, StoreError> {
    let scope = tx.scope();
    let record =
        in_trust::<e::supervision_record::Entity>(tx.connection(), scope, record_id).await?;
    let session =
        in_trust::<e::supervision_session::Entity>(tx.connection(), scope, record.session_id)
            .await?;
    let (supervisor, _) = parties(tx.connection(), scope, &session).await?;
    if scope.person_id() != Some(supervisor) {
        return Err(not_theirs(scope, record.academy_id, action));
    }
    Ok(record)
}

/// The supervisor's edit of their draft, over the version they read.
pub async fn edit_draft(
    db: &Db,
    scope: &Scope,
    record_id: Uuid,
    content: RecordContent,
    row_version: i32,
    now: DateTime<Utc>,
) -> Result<RecordView, StoreError> {
    let mut tx = db.write(scope, now).await?;
    let record = authored(&tx, record_id, "edit this record").await?;
    if record.status != "draft" {
        return Err(not_a_draft(&record));
    }
    let mut changed = record.clone().into_active_model();
    changed.content = Set(stored(&content)?);
    changed.next_session_on = Set(content.next_session_on);
    let row = update_record(&tx, row_version, changed).await?;
    tx.audit(AuditEntry::new(
        "update",
        "supervision_record",
        Some(row.id),
    ))
    .await?;
    let answer = view(tx.connection(), row).await?;
    tx.commit().await?;
    Ok(answer)
}

/// Freezes the record once every party has signed or recorded a disagreement.
async fn freeze_when_complete(
    tx: &mut WriteTx<'_>,
    record: e::supervision_record::Model,
) -> Result<e::supervision_record::Model, StoreError> {
    let session =
        in_trust::<e::supervision_session::Entity>(tx.connection(), tx.scope(), record.session_id)
            .await?;
    let (supervisor, supervisees) = parties(tx.connection(), tx.scope(), &session).await?;
    let signatures = e::record_signature::Entity::find()
        .filter(e::record_signature::Column::TrustId.eq(tx.scope().trust_id()))
        .filter(e::record_signature::Column::RecordId.eq(record.id))
        .all(tx.connection())
        .await?;
    let complete = std::iter::once(supervisor)
        .chain(supervisees)
        .all(|party| signatures.iter().any(|s| s.person_id == party));
    if !complete {
        return Ok(record);
    }
    // A record every party has answered is frozen either way; one that a party disagreed with
    // says so wherever its status shows, until the disagreement is resolved by escalation.
    let disagreed = signatures.iter().any(|s| s.outcome == DISAGREED);
    let version = record.row_version;
    let mut changed = record.into_active_model();
    changed.status = Set(if disagreed { DISAGREED } else { "signed" }.into());
    changed.frozen_at = Set(Some(tx.now()));
    let row = update_record(tx, version, changed).await?;
    tx.audit(AuditEntry::new(
        "freeze",
        "supervision_record",
        Some(row.id),
    ))
    .await?;
    Ok(row)
}

/// A party's answer as it is written: given in Haven now, or on the paper original on its day.
struct Answer<'a> {
    person: Uuid,
    outcome: &'a str,
    disagreement: Option<String>,
    hash: &'a str,
    on_paper: Option<OnPaper>,
}

/// A signature given on paper: the day it was given and who entered it.
struct OnPaper {
    signed_on: NaiveDate,
    entered_by: Uuid,
}

async fn add_signature(
    tx: &mut WriteTx<'_>,
    record: &e::supervision_record::Model,
    answer: Answer<'_>,
) -> Result<(), StoreError> {
    let now = tx.now();
    let medium = if answer.on_paper.is_some() {
        PAPER
    } else {
        "electronic"
    };
    e::record_signature::Entity::insert(e::record_signature::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(record.trust_id),
        academy_id: Set(record.academy_id),
        record_id: Set(record.id),
        person_id: Set(answer.person),
        outcome: Set(answer.outcome.to_owned()),
        disagreement: Set(answer.disagreement),
        signed_at: Set(now),
        signed_on: Set(answer.on_paper.as_ref().map(|p| p.signed_on)),
        medium: Set(medium.to_owned()),
        entered_by_id: Set(answer.on_paper.as_ref().map(|p| p.entered_by)),
        content_hash: Set(answer.hash.to_owned()),
    })
    .exec(tx.connection())
    .await?;
    // A party signs wherever they sit, so the row is written here rather than through the
    // academy-visibility check of `insert`; the entry names what was signed, never the text.
    tx.audit(
        AuditEntry::new("sign", "supervision_record", Some(record.id)).with_detail(json!({
            "person_id": answer.person,
            "outcome": answer.outcome,
            "content_hash": answer.hash,
            "medium": medium,
            "signed_on": answer.on_paper.as_ref().map(|p| p.signed_on),
            "entered_by": answer.on_paper.as_ref().map(|p| p.entered_by),
        })),
    )
    .await
}

/// A signature's medium, when it was given on the paper original and entered after.
const PAPER: &str = "paper";

/// How a record is sent: in Haven now, or entered as sent on paper.
#[derive(Debug, Clone, Default)]
pub struct Sending {
    /// The day it was sent, when that was before it was entered (today when not given).
    pub sent_on: Option<NaiveDate>,
    /// Where the paper original is kept, for a record sent on paper; its parties then sign the
    /// paper (entered with [`enter_paper_signature`]) or sign in Haven.
    pub paper_original: Option<String>,
}

/// A day entered for a step of a record: not in the future (London) and not before `earliest`,
/// the day of the step it follows (`follows` names it).
fn check_entered_day(
    field: &'static str,
    on: NaiveDate,
    earliest: NaiveDate,
    follows: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if on > london_date(now) {
        return Err(StoreError::invalid(field, format!("{on} is in the future")));
    }
    if on < earliest {
        return Err(StoreError::invalid(
            field,
            format!("{on} is before {follows}, {earliest}"),
        ));
    }
    Ok(())
}

/// The supervisor sends the draft for signature: its hash is fixed and their own signature
/// recorded with it. A record sent on paper before it was entered keeps the day it was sent
/// and where its original is kept, and the supervisor's signature is the paper one of that day.
pub async fn send(
    db: &Db,
    scope: &Scope,
    record_id: Uuid,
    sending: Sending,
    now: DateTime<Utc>,
) -> Result<RecordView, StoreError> {
    let mut tx = db.write(scope, now).await?;
    let record = authored(&tx, record_id, "send this record").await?;
    if record.status != "draft" {
        return Err(not_a_draft(&record));
    }
    let paper_original = sending
        .paper_original
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty());
    let today = london_date(now);
    let sent_day = sending.sent_on.unwrap_or(today);
    let session =
        in_trust::<e::supervision_session::Entity>(tx.connection(), scope, record.session_id)
            .await?;
    check_entered_day(
        "sent_on",
        sent_day,
        crate::snapshot::held_on(&session),
        "the session was held",
        now,
    )?;
    if sent_day < today && paper_original.is_none() {
        return Err(StoreError::invalid(
            "paper_original",
            "say where the paper original is kept: a record sent before it was entered was \
             sent outside Haven",
        ));
    }
    let content = RecordContent::from_json(record.content.clone()).map_err(refused)?;
    content.validate_for_sending().map_err(refused)?;
    let hash = content.hash().map_err(refused)?.to_string();
    let version = record.row_version;
    let on_paper = paper_original.is_some();
    let mut changed = record.into_active_model();
    changed.status = Set("sent".into());
    changed.sent_at = Set(Some(now));
    changed.sent_on = Set(sending.sent_on);
    changed.paper_original = Set(paper_original);
    changed.content_hash = Set(Some(hash.clone()));
    let row = update_record(&tx, version, changed).await?;
    tx.audit(
        AuditEntry::new("send", "supervision_record", Some(row.id))
            .with_detail(json!({ "sent_on": sent_day, "on_paper": on_paper })),
    )
    .await?;
    let author = row.author_id;
    let answer = Answer {
        person: author,
        outcome: "signed",
        disagreement: None,
        hash: &hash,
        on_paper: on_paper.then_some(OnPaper {
            signed_on: sent_day,
            entered_by: author,
        }),
    };
    add_signature(&mut tx, &row, answer).await?;
    let row = freeze_when_complete(&mut tx, row).await?;
    let answer = view(tx.connection(), row).await?;
    tx.commit().await?;
    Ok(answer)
}

/// A supervisee's answer to a record sent for signature.
#[derive(Debug, Clone)]
pub struct Signing {
    /// The hash of the content the supervisee read.
    pub content_hash: String,
    /// signed | disagreed
    pub outcome: String,
    pub disagreement: Option<String>,
}

/// The outcome and disagreement of an answer, checked together: a signature carries no
/// disagreement, a disagreement says what it disagrees with.
fn checked_answer(
    outcome: &str,
    disagreement: Option<String>,
) -> Result<Option<String>, StoreError> {
    let disagreement = disagreement
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty());
    match (outcome, &disagreement) {
        ("signed", None) | ("disagreed", Some(_)) => Ok(disagreement),
        ("signed", Some(_)) => Err(StoreError::invalid(
            "disagreement",
            "a signature carries no disagreement: record one with outcome disagreed",
        )),
        ("disagreed", None) => Err(StoreError::invalid(
            "disagreement",
            "say what you disagree with",
        )),
        _ => Err(StoreError::invalid(
            "outcome",
            "must be signed or disagreed",
        )),
    }
}

/// Whether `person` has answered the record already.
async fn answered(
    conn: &DatabaseTransaction,
    scope: &Scope,
    record_id: Uuid,
    person: Uuid,
) -> Result<bool, StoreError> {
    Ok(e::record_signature::Entity::find()
        .filter(e::record_signature::Column::TrustId.eq(scope.trust_id()))
        .filter(e::record_signature::Column::RecordId.eq(record_id))
        .filter(e::record_signature::Column::PersonId.eq(person))
        .one(conn)
        .await?
        .is_some())
}

/// The record's current hash, if `read` (the hash its answerer read) is it.
fn current_hash(record: &e::supervision_record::Model, read: &str) -> Result<String, StoreError> {
    let current = record.content_hash.clone().unwrap_or_default();
    let read = ContentHash::parse(read)
        .map_err(|_| StoreError::invalid("content_hash", "must be 64 hexadecimal digits"))?;
    if read.as_str() != current {
        return Err(StoreError::invalid(
            "content_hash",
            "the record changed since you read it: read it again",
        ));
    }
    Ok(current)
}

/// A supervisee signs the content they read, or records their disagreement with it. When every
/// party has answered the record is frozen.
pub async fn sign(
    db: &Db,
    scope: &Scope,
    record_id: Uuid,
    signing: Signing,
    now: DateTime<Utc>,
) -> Result<RecordView, StoreError> {
    let mut tx = db.write(scope, now).await?;
    let conn = tx.connection();
    let record = in_trust::<e::supervision_record::Entity>(conn, scope, record_id).await?;
    let session =
        in_trust::<e::supervision_session::Entity>(conn, scope, record.session_id).await?;
    let (supervisor, supervisees) = parties(conn, scope, &session).await?;
    let Some(person) = scope
        .person_id()
        .filter(|p| *p == supervisor || supervisees.contains(p))
    else {
        return Err(not_theirs(scope, record.academy_id, "sign this record"));
    };
    if answered(conn, scope, record.id, person).await? {
        return Err(StoreError::invalid(
            "signature",
            "you have already signed this record",
        ));
    }
    if record.status != "sent" {
        return Err(StoreError::invalid("status", "is not awaiting signatures"));
    }
    let disagreement = checked_answer(&signing.outcome, signing.disagreement)?;
    let current = current_hash(&record, &signing.content_hash)?;
    let answer = Answer {
        person,
        outcome: &signing.outcome,
        disagreement,
        hash: &current,
        on_paper: None,
    };
    add_signature(&mut tx, &record, answer).await?;
    let row = freeze_when_complete(&mut tx, record).await?;
    let answer = view(tx.connection(), row).await?;
    tx.commit().await?;
    Ok(answer)
}

/// The person acting on the record, who must be its supervisor or a trust safeguarding lead
/// (`action` says what they do, for the refusal), and the record's supervisor and supervisees.
async fn supervisor_or_lead(
    conn: &DatabaseTransaction,
    scope: &Scope,
    record: &e::supervision_record::Model,
    action: &'static str,
) -> Result<(Uuid, (Uuid, Vec<Uuid>)), StoreError> {
    let session =
        in_trust::<e::supervision_session::Entity>(conn, scope, record.session_id).await?;
    let (supervisor, supervisees) = parties(conn, scope, &session).await?;
    let Some(acting) = scope
        .person_id()
        .filter(|p| *p == supervisor || scope.is_trust_lead())
    else {
        return Err(not_theirs(scope, record.academy_id, action));
    };
    Ok((acting, (supervisor, supervisees)))
}

/// A party's signature (or disagreement) given on a record's paper original, as entered after.
#[derive(Debug, Clone)]
pub struct PaperSignature {
    /// The party who signed the paper.
    pub person_id: Uuid,
    /// The day they signed it.
    pub signed_on: NaiveDate,
    /// The hash of the content as entered, which the one entering checked against the paper.
    pub content_hash: String,
    /// signed | disagreed
    pub outcome: String,
    pub disagreement: Option<String>,
}

/// The record's supervisor, or a trust safeguarding lead, enters a signature given on the
/// paper original of a record sent on paper: who signed, on what day, and who entered it. It
/// counts from the day it is entered; when every party has answered the record is frozen.
pub async fn enter_paper_signature(
    db: &Db,
    scope: &Scope,
    record_id: Uuid,
    signature: PaperSignature,
    now: DateTime<Utc>,
) -> Result<RecordView, StoreError> {
    let mut tx = db.write(scope, now).await?;
    let conn = tx.connection();
    let record = in_trust::<e::supervision_record::Entity>(conn, scope, record_id).await?;
    let (entered_by, (supervisor, supervisees)) = supervisor_or_lead(
        conn,
        scope,
        &record,
        "enter a paper signature of this record",
    )
    .await?;
    if record.status != "sent" {
        return Err(StoreError::invalid("status", "is not awaiting signatures"));
    }
    let (Some(_), Some(sent_day)) = (&record.paper_original, sent_on(&record)) else {
        return Err(StoreError::invalid(
            "paper_original",
            "this record was sent in Haven, not on paper: its parties sign it in Haven",
        ));
    };
    let person = signature.person_id;
    if person != supervisor && !supervisees.contains(&person) {
        return Err(StoreError::invalid(
            "person_id",
            "is not a party to this record",
        ));
    }
    if answered(conn, scope, record.id, person).await? {
        return Err(StoreError::invalid(
            "person_id",
            "has already signed this record",
        ));
    }
    check_entered_day(
        "signed_on",
        signature.signed_on,
        sent_day,
        "the record was sent",
        now,
    )?;
    let disagreement = checked_answer(&signature.outcome, signature.disagreement)?;
    let current = current_hash(&record, &signature.content_hash)?;
    let answer = Answer {
        person,
        outcome: &signature.outcome,
        disagreement,
        hash: &current,
        on_paper: Some(OnPaper {
            signed_on: signature.signed_on,
            entered_by,
        }),
    };
    add_signature(&mut tx, &record, answer).await?;
    let row = freeze_when_complete(&mut tx, record).await?;
    let answer = view(tx.connection(), row).await?;
    tx.commit().await?;
    Ok(answer)
}

/// A change to a frozen record: who (the supervisor or a trust safeguarding lead), why, and
/// the content as amended, over the version read.
pub async fn amend(
    db: &Db,
    scope: &Scope,
    record_id: Uuid,
    reason: &str,
    content: RecordContent,
    row_version: i32,
    now: DateTime<Utc>,
) -> Result<RecordView, StoreError> {
    let mut tx = db.write(scope, now).await?;
    let conn = tx.connection();
    let record = in_trust::<e::supervision_record::Entity>(conn, scope, record_id).await?;
    let (author, _) = supervisor_or_lead(conn, scope, &record, "amend this record").await?;
    let (Some(previous_hash), Some(_)) = (record.content_hash.clone(), record.frozen_at) else {
        return Err(StoreError::invalid(
            "status",
            "is not frozen: a draft is edited, a sent record awaits its signatures",
        ));
    };
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::invalid(
            "reason",
            "say why the record is amended",
        ));
    }
    content.validate_for_sending().map_err(refused)?;
    let after = stored(&content)?;
    let diff = changes(&record.content, &after);
    if diff.is_empty() {
        return Err(StoreError::invalid("content", "changes nothing"));
    }
    let hash = content.hash().map_err(refused)?.to_string();
    let mut changed = record.clone().into_active_model();
    changed.content = Set(after);
    changed.content_hash = Set(Some(hash.clone()));
    changed.next_session_on = Set(content.next_session_on);
    let row = update_record(&tx, row_version, changed).await?;
    let changes_json =
        serde_json::to_value(&diff).map_err(|e| refused(DomainError::Hash(e.to_string())))?;
    let amendment = e::record_amendment::Entity::insert(e::record_amendment::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(record.trust_id),
        academy_id: Set(record.academy_id),
        record_id: Set(record.id),
        author_id: Set(author),
        reason: Set(reason.to_owned()),
        changes: Set(changes_json),
        previous_hash: Set(previous_hash.clone()),
        content_hash: Set(hash.clone()),
        created_at: Set(now),
    })
    .exec(tx.connection())
    .await?;
    tx.audit(
        AuditEntry::new("amend", "supervision_record", Some(row.id))
            .with_reason(reason)
            .with_detail(json!({
                "amendment_id": amendment.last_insert_id,
                "fields": diff.keys().collect::<Vec<_>>(),
                "previous_hash": previous_hash,
                "content_hash": hash,
            })),
    )
    .await?;
    let answer = view(tx.connection(), row).await?;
    tx.commit().await?;
    Ok(answer)
}

/// A signature as the history shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureView {
    pub person_id: Uuid,
    pub outcome: String,
    pub disagreement: Option<String>,
    /// The day it was given: in Haven, the day of `signed_at`; on paper, the day entered with it.
    pub signed_on: NaiveDate,
    /// When it was given in Haven, or entered when it was given on paper.
    pub signed_at: DateTime<Utc>,
    /// electronic (given in Haven) | paper (given on the paper original, entered after)
    pub medium: String,
    /// Who entered a paper signature; none for one given in Haven by its signer.
    pub entered_by_id: Option<Uuid>,
    /// The hash of the content it answers: for a paper signature, the content as entered.
    pub content_hash: String,
}

/// An amendment as the history shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AmendmentView {
    pub id: Uuid,
    pub author_id: Uuid,
    pub reason: String,
    pub changes: Value,
    pub previous_hash: String,
    pub content_hash: String,
    pub created_at: DateTime<Utc>,
}

/// Who signed what and every amendment since, and whether the hashes chain from the content
/// signed to the content as it stands.
#[derive(Debug, Clone, Serialize)]
pub struct RecordHistory {
    pub record_id: Uuid,
    pub status: String,
    pub content_hash: Option<String>,
    pub signatures: Vec<SignatureView>,
    pub amendments: Vec<AmendmentView>,
    pub verified: bool,
}

/// The record's signatures and amendments, for those who may read its content (the read is
/// audited as one, since amendments carry content).
pub async fn history(
    db: &Db,
    scope: &Scope,
    record_id: Uuid,
    now: DateTime<Utc>,
) -> Result<RecordHistory, StoreError> {
    let mut tx = db.write(scope, now).await?;
    let (record, access) = readable(&tx, record_id, "read this record's history").await?;
    let conn = tx.connection();
    let signatures = e::record_signature::Entity::find()
        .filter(e::record_signature::Column::TrustId.eq(scope.trust_id()))
        .filter(e::record_signature::Column::RecordId.eq(record.id))
        .order_by_asc(e::record_signature::Column::SignedAt)
        .order_by_asc(e::record_signature::Column::Id)
        .all(conn)
        .await?;
    let amendments = e::record_amendment::Entity::find()
        .filter(e::record_amendment::Column::TrustId.eq(scope.trust_id()))
        .filter(e::record_amendment::Column::RecordId.eq(record.id))
        .order_by_asc(e::record_amendment::Column::CreatedAt)
        .order_by_asc(e::record_amendment::Column::Id)
        .all(conn)
        .await?;
    let verified = verify_chain(&record, &signatures, &amendments);
    tx.audit(access.entry(
        "supervision_record",
        record.id,
        None,
        json!({ "view": "history" }),
    ))
    .await?;
    tx.commit().await?;
    Ok(RecordHistory {
        record_id: record.id,
        status: record.status,
        content_hash: record.content_hash,
        signatures: signatures.into_iter().map(signature_view).collect(),
        amendments: amendments
            .into_iter()
            .map(|a| AmendmentView {
                id: a.id,
                author_id: a.author_id,
                reason: a.reason,
                changes: a.changes,
                previous_hash: a.previous_hash,
                content_hash: a.content_hash,
                created_at: a.created_at,
            })
            .collect(),
        verified,
    })
}

/// Every signature names the content as sent; undoing the amendments from the current content
/// must pass through each recorded hash back to it. A draft, never sent, has nothing to check
/// but that nothing claims to have signed or amended it.
fn verify_chain(
    record: &e::supervision_record::Model,
    signatures: &[e::record_signature::Model],
    amendments: &[e::record_amendment::Model],
) -> bool {
    let Some(current) = record.content_hash.as_deref() else {
        return signatures.is_empty() && amendments.is_empty();
    };
    let Some(original) = signatures.first().map(|s| s.content_hash.as_str()) else {
        return false;
    };
    if signatures.iter().any(|s| s.content_hash != original) {
        return false;
    }
    let chain: Option<Vec<_>> = amendments
        .iter()
        .map(|a| {
            serde_json::from_value::<BTreeMap<String, Change>>(a.changes.clone())
                .ok()
                .map(|diff| (diff, a.previous_hash.clone(), a.content_hash.clone()))
        })
        .collect();
    chain.is_some_and(|chain| {
        haven_domain::record_content::history_holds(original, &chain, &record.content, current)
    })
}
