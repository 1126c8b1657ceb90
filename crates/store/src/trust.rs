//! Trusts: the tenants. Creating one starts its audit chain.

use chrono::{DateTime, Utc};
use haven_entity as e;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use crate::audit::{self, AuditEntry, ChainHead, GENESIS_HASH};
use crate::scope::{Origin, Scope, SystemActor};
use crate::{Db, StoreError};

/// A new trust, its audit chain started by `actor`; returns the trust and a system scope on it.
pub async fn create(
    db: &Db,
    name: &str,
    slug: &str,
    actor: SystemActor,
    origin: Origin,
    now: DateTime<Utc>,
) -> Result<(e::trust::Model, Scope), StoreError> {
    let txn = db.conn().begin().await?;
    let trust = e::trust::Entity::insert(e::trust::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.to_owned()),
        slug: Set(slug.to_owned()),
        created_at: Set(now),
    })
    .exec_with_returning(&txn)
    .await?;
    e::audit_chain_head::Entity::insert(e::audit_chain_head::ActiveModel {
        trust_id: Set(trust.id),
        seq: Set(0),
        hash: Set(GENESIS_HASH.to_owned()),
    })
    .exec(&txn)
    .await?;
    let scope = Scope::system(trust.id, actor, origin);
    let genesis = ChainHead {
        seq: 0,
        hash: GENESIS_HASH.to_owned(),
    };
    let head = audit::append(
        &txn,
        &scope,
        &genesis,
        AuditEntry::new("create", "trust", Some(trust.id)),
        now,
    )
    .await?;
    audit::store_head(&txn, trust.id, &head).await?;
    txn.commit().await?;
    Ok((trust, scope))
}

/// The trust with this slug, for Haven's own processes (the CLI, the seed).
pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<e::trust::Model>, StoreError> {
    Ok(e::trust::Entity::find()
        .filter(e::trust::Column::Slug.eq(slug))
        .one(db.conn())
        .await?)
}

/// Every trust, oldest first, for Haven's own processes (audit verification, the scheduler).
pub async fn all(db: &Db) -> Result<Vec<e::trust::Model>, StoreError> {
    Ok(e::trust::Entity::find()
        .order_by_asc(e::trust::Column::CreatedAt)
        .all(db.conn())
        .await?)
}
