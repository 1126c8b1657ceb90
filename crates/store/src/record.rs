//! Who may read a supervision record's content, and what everyone else sees of a session.
//!
//! Content is read only by the session's supervisor, its supervisee(s), a trust safeguarding
//! lead, or the holder of a live access grant that covers it (DESIGN §3). Heads, RSLs and the
//! director see the session's figures. Every content read is audited in the transaction that
//! reads it, so a read that could not be logged returns nothing.

use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::role::Role;
use haven_entity as e;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::scope::Scope;
use crate::{Db, StoreError};

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
    pub sent_at: Option<DateTime<Utc>>,
    pub frozen_at: Option<DateTime<Utc>>,
    pub next_session_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What anyone who sees the session's academy may know of it: no content.
#[derive(Debug, Clone, Serialize)]
pub struct SessionFigures {
    pub session_id: Uuid,
    pub academy_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub status: String,
    pub kind: String,
    pub record: Option<RecordFigures>,
}

/// Whether a session has a record, and how far it has got.
#[derive(Debug, Clone, Serialize)]
pub struct RecordFigures {
    pub id: Uuid,
    pub status: String,
}

/// Why a scope may read a record's content.
enum Entitlement {
    Supervisor,
    Supervisee,
    TrustLead,
    Grant(e::access_grant::Model),
}

impl Entitlement {
    fn basis(&self) -> &'static str {
        match self {
            Entitlement::Supervisor => "supervisor",
            Entitlement::Supervisee => "supervisee",
            Entitlement::TrustLead => "trust_safeguarding_lead",
            Entitlement::Grant(_) => "grant",
        }
    }
}

/// A row of the scope's trust by id, whichever academy it belongs to. Entitlement to content
/// follows the person (a party or a grantee), not academy visibility: an external supervisor or
/// a grantee from another academy must reach the record, and the caller decides what to answer
/// for everyone else.
async fn in_trust<E>(
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
async fn parties(
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

/// Whether, and why, `scope` may read the content of the session's record `record_id` at `now`.
async fn entitlement(
    conn: &DatabaseTransaction,
    scope: &Scope,
    session: &e::supervision_session::Model,
    record_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Entitlement>, StoreError> {
    // A token's trust-wide visibility must never pass for a person's entitlement.
    if !scope.may_read_record_content() {
        return Ok(None);
    }
    let Some(person) = scope.person_id() else {
        return Ok(None);
    };
    let (supervisor, supervisees) = parties(conn, scope, session).await?;
    if person == supervisor {
        return Ok(Some(Entitlement::Supervisor));
    }
    if supervisees.contains(&person) {
        return Ok(Some(Entitlement::Supervisee));
    }
    if scope
        .roles()
        .iter()
        .any(|held| held.role == Role::TrustSafeguardingLead)
    {
        return Ok(Some(Entitlement::TrustLead));
    }
    let grants = e::access_grant::Entity::find()
        .filter(e::access_grant::Column::TrustId.eq(scope.trust_id()))
        .filter(e::access_grant::Column::GranteeId.eq(person))
        .filter(e::access_grant::Column::RevokedAt.is_null())
        .order_by_asc(e::access_grant::Column::CreatedAt)
        .all(conn)
        .await?;
    // The window is all there is to expiry (no job ends a grant). It is compared here rather than
    // in SQL so both engines agree whatever their time representation (SQLite keeps text).
    let live: Vec<e::access_grant::Model> = grants
        .into_iter()
        .filter(|grant| grant.starts_at <= now && now < grant.ends_at)
        .collect();
    if live.is_empty() {
        return Ok(None);
    }
    let covered: Vec<Uuid> = e::access_grant_record::Entity::find()
        .filter(e::access_grant_record::Column::TrustId.eq(scope.trust_id()))
        .filter(e::access_grant_record::Column::RecordId.eq(record_id))
        .filter(e::access_grant_record::Column::GrantId.is_in(live.iter().map(|g| g.id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.grant_id)
        .collect();
    let is_party = |p: Uuid| p == supervisor || supervisees.contains(&p);
    Ok(live
        .into_iter()
        .find(|grant| covered.contains(&grant.id) || grant.subject_person_id.is_some_and(is_party))
        .map(Entitlement::Grant))
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
    let conn = tx.connection();
    let record = in_trust::<e::supervision_record::Entity>(conn, scope, record_id).await?;
    let session =
        in_trust::<e::supervision_session::Entity>(conn, scope, record.session_id).await?;
    let Some(entitled) = entitlement(conn, scope, &session, record.id, now).await? else {
        return Err(if scope.sees_academy(record.academy_id) {
            StoreError::NotPermitted {
                action: "read this record's content",
            }
        } else {
            StoreError::NotFound
        });
    };
    let stated = reason.map(str::trim).filter(|r| !r.is_empty());
    let grant = match &entitled {
        Entitlement::Grant(grant) => Some(grant),
        _ => None,
    };
    let detail = json!({
        "basis": entitled.basis(),
        "grant_id": grant.map(|g| g.id),
        "stated_reason": stated,
    });
    // Under a grant the entry's reason is the one the trust lead approved; otherwise the
    // reader's own, when they gave one.
    let entry = AuditEntry::new("read_content", "supervision_record", Some(record.id));
    let entry = match grant.map(|g| g.reason.as_str()).or(stated) {
        Some(why) => entry.with_reason(why),
        None => entry,
    };
    tx.audit(entry.with_detail(detail)).await?;
    tx.commit().await?;
    Ok(RecordView {
        id: record.id,
        session_id: record.session_id,
        academy_id: record.academy_id,
        author_id: record.author_id,
        status: record.status,
        content: record.content,
        content_hash: record.content_hash,
        sent_at: record.sent_at,
        frozen_at: record.frozen_at,
        next_session_on: record.next_session_on,
        created_at: record.created_at,
        updated_at: record.updated_at,
    })
}

/// A session's date, status and kind, and whether its record exists and how far it has got,
/// for anyone who sees its academy, and for its parties wherever they sit.
pub async fn session_figures(
    db: &Db,
    scope: &Scope,
    session_id: Uuid,
) -> Result<SessionFigures, StoreError> {
    let read = db.read(scope).await?;
    let conn = read.connection();
    let session = in_trust::<e::supervision_session::Entity>(conn, scope, session_id).await?;
    if !scope.sees_academy(session.academy_id) {
        let (supervisor, supervisees) = parties(conn, scope, &session).await?;
        let is_party = scope
            .person_id()
            .is_some_and(|p| p == supervisor || supervisees.contains(&p));
        if !is_party {
            return Err(StoreError::NotFound);
        }
    }
    let record = e::supervision_record::Entity::find()
        .filter(e::supervision_record::Column::TrustId.eq(scope.trust_id()))
        .filter(e::supervision_record::Column::SessionId.eq(session.id))
        .one(conn)
        .await?;
    read.finish().await?;
    Ok(SessionFigures {
        session_id: session.id,
        academy_id: session.academy_id,
        starts_at: session.starts_at,
        duration_minutes: session.duration_minutes,
        status: session.status,
        kind: session.kind,
        record: record.map(|r| RecordFigures {
            id: r.id,
            status: r.status,
        }),
    })
}
