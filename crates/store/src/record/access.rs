//! Who may read a session's content: the facts [`read_basis`] judges, loaded here, the audited
//! read of a record, and the figures everyone else sees of a session.

use super::*;

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
pub(super) async fn readable(
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
pub(super) async fn grants_to(
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
pub(super) fn grant_fact(row: &e::access_grant::Model, records: &[Uuid]) -> Grant {
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
    tx: &mut WriteTx<'_>,
    record_id: Uuid,
    reason: Option<&str>,
) -> Result<RecordView, StoreError> {
    let (record, access) = readable(tx, record_id, "read this record's content").await?;
    let stated = reason.map(str::trim).filter(|r| !r.is_empty());
    tx.audit(access.entry(
        "supervision_record",
        record.id,
        stated,
        json!({ "stated_reason": stated }),
    ))
    .await?;
    view(tx.connection(), record).await
}

/// A session's date, status and kind, and whether its record exists and how far it has got,
/// for anyone who sees its academy, and for its parties wherever they sit.
pub async fn session_figures(
    read: &ReadTx<'_>,
    session_id: Uuid,
) -> Result<SessionFigures, StoreError> {
    Ok(session_summary(read, session_id).await?.figures)
}

/// A session's figures and who its staff are: what a page about it may show.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionSummary {
    pub figures: SessionFigures,
    pub supervisor_id: Uuid,
    pub supervisee_ids: Vec<Uuid>,
}

/// A session's [`SessionSummary`], for exactly those [`session_figures`] answers.
pub async fn session_summary(
    read: &ReadTx<'_>,
    session_id: Uuid,
) -> Result<SessionSummary, StoreError> {
    let (conn, scope) = (read.connection(), read.scope());
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
    Ok(SessionSummary {
        figures: figures(session, record),
        supervisor_id: supervisor,
        supervisee_ids: supervisees,
    })
}

/// A record's [`SessionSummary`], never its content (so nothing is read that needs an audit
/// entry), for exactly those [`read_record`] answers: the entitled and anyone who sees its
/// academy (judged at `now`, when grants are live). For anyone else it is
/// [`StoreError::NotFound`], as for a missing id.
pub async fn record_summary(
    read: &ReadTx<'_>,
    record_id: Uuid,
    now: DateTime<Utc>,
) -> Result<SessionSummary, StoreError> {
    let (conn, scope) = (read.connection(), read.scope());
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
    Ok(SessionSummary {
        figures: figures(session, Some(record)),
        supervisor_id: supervisor,
        supervisee_ids: supervisees,
    })
}

pub(super) fn figures(
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
