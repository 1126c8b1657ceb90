//! The append-only, hash-chained audit log.
//!
//! Each trust has its own chain: entry `n` stores the hash of entry `n - 1`, and its own hash
//! covers every field it holds, so an edited, removed or inserted entry breaks the chain at that
//! point. The chain's head (last sequence number and hash) is a row of its own, locked by every
//! write transaction of the trust, which makes appends to one chain strictly sequential.

use chrono::{DateTime, SubsecRound, Utc};
use haven_domain::signature::content_hash;
use haven_entity as e;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::scope::{Actor, Scope};
use crate::{Db, StoreError};

/// The hash before a chain's first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, to what, and why. Never record content: at most a digest of it.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Uuid>,
    pub reason: Option<String>,
    pub detail: Value,
}

impl AuditEntry {
    pub fn new(action: &str, entity: &str, entity_id: Option<Uuid>) -> Self {
        Self {
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id,
            reason: None,
            detail: Value::Object(Default::default()),
        }
    }

    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    pub fn with_detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// The position of a chain's newest entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

/// Everything an entry's hash covers, in one canonical document.
fn entry_hash(row: &e::audit_log::Model) -> Result<String, StoreError> {
    let document = json!({
        "trust_id": row.trust_id,
        "seq": row.seq,
        "at": row.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "actor_kind": row.actor_kind,
        "actor_id": row.actor_id,
        "actor_label": row.actor_label,
        "origin": row.origin,
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "reason": row.reason,
        "detail": row.detail,
        "prev_hash": row.prev_hash,
    });
    content_hash(&document)
        .map(|hash| hash.to_string())
        .map_err(|source| StoreError::Digest {
            entity: "audit_log".into(),
            source,
        })
}

/// Appends one entry after `head` and returns the new head. The caller holds the head's lock.
pub(crate) async fn append<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope,
    head: &ChainHead,
    entry: AuditEntry,
    now: DateTime<Utc>,
) -> Result<ChainHead, StoreError> {
    let (actor_kind, actor_id, actor_label) = match scope.actor() {
        Actor::Person { id, name } => ("person", Some(*id), name.clone()),
        Actor::Token { id, name } => ("token", Some(*id), name.clone()),
        Actor::System(system) => ("system", None, system.as_str().to_owned()),
    };
    let mut row = e::audit_log::Model {
        id: Uuid::now_v7(),
        trust_id: scope.trust_id(),
        seq: head.seq + 1,
        // Stored to the microsecond on both engines, so the hash reads back the same.
        at: now.trunc_subsecs(6),
        actor_kind: actor_kind.to_owned(),
        actor_id,
        actor_label,
        origin: scope.origin().to_string(),
        action: entry.action,
        entity: entry.entity,
        entity_id: entry.entity_id,
        reason: entry.reason,
        detail: entry.detail,
        prev_hash: head.hash.clone(),
        hash: String::new(),
    };
    row.hash = entry_hash(&row)?;
    let next = ChainHead {
        seq: row.seq,
        hash: row.hash.clone(),
    };
    e::audit_log::Entity::insert(e::audit_log::ActiveModel::from(row))
        .exec(conn)
        .await?;
    Ok(next)
}

/// Stores the chain's new head at the end of a write transaction.
pub(crate) async fn store_head<C: ConnectionTrait>(
    conn: &C,
    trust_id: Uuid,
    head: &ChainHead,
) -> Result<(), StoreError> {
    e::audit_chain_head::Entity::update(e::audit_chain_head::ActiveModel {
        trust_id: Set(trust_id),
        seq: Set(head.seq),
        hash: Set(head.hash.clone()),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The outcome of checking one trust's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub trust_id: Uuid,
    pub entries: i64,
}

/// Recomputes every entry of a trust's chain; the first break is an error naming the entry.
pub async fn verify(db: &Db, trust_id: Uuid) -> Result<ChainReport, StoreError> {
    let broken = |seq: i64, reason: &str| StoreError::AuditBroken {
        trust_id,
        seq,
        reason: reason.to_owned(),
    };
    let txn = db.in_trust(trust_id).await?;
    // The head first: every entry up to it committed with it, and entries appended while this
    // runs lie beyond it, so a live trust's chain is checked without a false break.
    let head = e::audit_chain_head::Entity::find_by_id(trust_id)
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let rows = e::audit_log::Entity::find()
        .filter(e::audit_log::Column::TrustId.eq(trust_id))
        .filter(e::audit_log::Column::Seq.lte(head.seq))
        .order_by_asc(e::audit_log::Column::Seq)
        .all(&txn)
        .await?;
    let mut expected = ChainHead {
        seq: 0,
        hash: GENESIS_HASH.to_owned(),
    };
    for row in &rows {
        if row.seq != expected.seq + 1 {
            return Err(broken(expected.seq + 1, "entry missing"));
        }
        if row.prev_hash != expected.hash {
            return Err(broken(row.seq, "does not follow the entry before it"));
        }
        if entry_hash(row)? != row.hash {
            return Err(broken(row.seq, "content does not match its hash"));
        }
        expected = ChainHead {
            seq: row.seq,
            hash: row.hash.clone(),
        };
    }
    txn.commit().await?;
    if head.seq != expected.seq || head.hash != expected.hash {
        return Err(broken(head.seq, "the newest entries were removed"));
    }
    Ok(ChainReport {
        trust_id,
        entries: expected.seq,
    })
}
