//! Exceptional access to record content: who, which records (or every record where a person is
//! a party), why, from when until when, approved by a trust safeguarding lead (DESIGN §3).
//!
//! A grant expires by itself: nothing ends it, the read check compares its window with the
//! moment of reading ([`haven_domain::access::GrantWindow`]). What it opens is the rule's to say
//! ([`haven_domain::access::read_basis`]): the records it names or the records of the person it
//! is over, with those sessions' case notes and agendas.
//!
//! Each function works inside the transaction it is given (a write takes `&mut WriteTx`, a read
//! `&ReadTx`): the caller opens it and commits.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::tx::ReadTx;
use crate::{StoreError, WriteTx};

/// What a grant opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantTarget {
    /// These records, with their sessions' case notes and agendas.
    Records(Vec<Uuid>),
    /// Every record, case note and agenda of a session where this person is the supervisor or a
    /// supervisee.
    SubjectPerson(Uuid),
}

/// A grant as the trust lead asks for it.
#[derive(Debug, Clone)]
pub struct NewGrant<'a> {
    pub grantee_id: Uuid,
    pub reason: &'a str,
    pub target: GrantTarget,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A grant and where it stands at the moment it was read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    pub id: Uuid,
    /// Who is granted access.
    pub grantee_id: Uuid,
    /// The trust safeguarding lead who approved it.
    pub granted_by: Uuid,
    pub reason: String,
    /// The person whose records it opens, when it opens a person's records.
    pub subject_person_id: Option<Uuid>,
    /// The records it opens, when it names records (empty otherwise).
    pub record_ids: Vec<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// pending | live | expired | revoked
    pub state: &'static str,
}

impl GrantView {
    fn new(grant: e::access_grant::Model, record_ids: Vec<Uuid>, now: DateTime<Utc>) -> Self {
        let state = crate::record::grant_window(&grant).state(now).as_str();
        Self {
            id: grant.id,
            grantee_id: grant.grantee_id,
            granted_by: grant.granted_by,
            reason: grant.reason,
            subject_person_id: grant.subject_person_id,
            record_ids,
            starts_at: grant.starts_at,
            ends_at: grant.ends_at,
            revoked_at: grant.revoked_at,
            revoked_by: grant.revoked_by,
            created_at: grant.created_at,
            state,
        }
    }
}

/// Grants `grant.grantee_id` the content of the target's records for the window, approved by
/// the trust lead of the transaction's scope. The grantee, the subject and every record must be the trust's
/// ([`StoreError::NotFound`] otherwise, as for any id of another trust).
pub async fn create(tx: &mut WriteTx<'_>, grant: NewGrant<'_>) -> Result<GrantView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let lead = scope.require_trust_lead("grant access to records")?;
    let reason = grant.reason.trim();
    if reason.is_empty() {
        return Err(StoreError::invalid(
            "reason",
            "say why the access is needed",
        ));
    }
    if grant.ends_at <= now {
        return Err(StoreError::invalid("ends_at", "is in the past"));
    }
    if grant.ends_at <= grant.starts_at {
        return Err(StoreError::invalid("ends_at", "is not after starts_at"));
    }
    let max_days = crate::policy::trust_default_in(tx).await?.grant_max_days;
    if grant.ends_at - grant.starts_at > chrono::Duration::days(i64::from(max_days)) {
        return Err(StoreError::invalid(
            "ends_at",
            format!("is more than the trust's longest grant, {max_days} days, after starts_at"),
        ));
    }
    let grantee = tx.find::<e::person::Entity>(grant.grantee_id).await?;
    if !grantee.active {
        return Err(StoreError::NotFound);
    }
    let (subject, record_ids) = match grant.target {
        GrantTarget::SubjectPerson(person) => {
            tx.find::<e::person::Entity>(person).await?;
            (Some(person), Vec::new())
        }
        GrantTarget::Records(ids) => {
            let ids: BTreeSet<Uuid> = ids.into_iter().collect();
            if ids.is_empty() {
                return Err(StoreError::invalid(
                    "record_ids",
                    "name at least one record",
                ));
            }
            for id in &ids {
                tx.exists::<e::supervision_record::Entity>(*id).await?;
            }
            (None, ids.into_iter().collect::<Vec<_>>())
        }
    };
    let row = tx
        .insert(e::access_grant::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            grantee_id: Set(grantee.id),
            granted_by: Set(lead),
            reason: Set(reason.to_owned()),
            subject_person_id: Set(subject),
            starts_at: Set(grant.starts_at),
            ends_at: Set(grant.ends_at),
            revoked_at: Set(None),
            revoked_by: Set(None),
            created_at: Set(now),
        })
        .await?;
    for record_id in &record_ids {
        tx.insert(e::access_grant_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            grant_id: Set(row.id),
            record_id: Set(*record_id),
        })
        .await?;
    }
    // The log says in words who was let in, to what, until when and why.
    tx.audit(
        AuditEntry::new("grant_access", "access_grant", Some(row.id))
            .with_reason(reason)
            .with_detail(serde_json::json!({
                "grantee_id": row.grantee_id,
                "subject_person_id": row.subject_person_id,
                "record_ids": record_ids,
                "ends_at": row.ends_at,
            })),
    )
    .await?;
    Ok(GrantView::new(row, record_ids, now))
}

/// Ends a grant now, by a trust lead. Revoking a grant already revoked changes nothing, so a
/// repeated request is harmless.
pub async fn revoke(tx: &mut WriteTx<'_>, grant_id: Uuid) -> Result<(), StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let lead = scope.require_trust_lead("revoke access grants")?;
    let grant = tx.find::<e::access_grant::Entity>(grant_id).await?;
    if grant.revoked_at.is_some() {
        return Ok(());
    }
    e::access_grant::Entity::update_many()
        .col_expr(e::access_grant::Column::RevokedAt, Expr::value(Some(now)))
        .col_expr(e::access_grant::Column::RevokedBy, Expr::value(Some(lead)))
        .filter(e::access_grant::Column::TrustId.eq(scope.trust_id()))
        .filter(e::access_grant::Column::Id.eq(grant.id))
        .exec(tx.connection())
        .await?;
    tx.audit(AuditEntry::new("revoke", "access_grant", Some(grant.id)))
        .await
}

/// Every grant of the trust, newest first, for a trust lead, each in its state at `now`.
pub async fn list(read: &ReadTx<'_>, now: DateTime<Utc>) -> Result<Vec<GrantView>, StoreError> {
    read.scope().require_trust_lead("list access grants")?;
    let grants = read.list::<e::access_grant::Entity>().await?;
    let records = read.list::<e::access_grant_record::Entity>().await?;
    let mut views: Vec<GrantView> = grants
        .into_iter()
        .map(|grant| {
            let ids = records
                .iter()
                .filter(|r| r.grant_id == grant.id)
                .map(|r| r.record_id)
                .collect();
            GrantView::new(grant, ids, now)
        })
        .collect();
    views.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    Ok(views)
}
