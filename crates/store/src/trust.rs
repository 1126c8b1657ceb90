//! Trusts: the tenants. Creating one starts its audit chain.

use chrono::{DateTime, Utc};
use haven_entity as e;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

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
    let scope = Scope::system(Uuid::now_v7(), actor, origin);
    let (trust, tx) = db.create_trust(&scope, name, slug, now).await?;
    tx.commit().await?;
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

/// The trust with this id.
pub async fn find(db: &Db, id: Uuid) -> Result<e::trust::Model, StoreError> {
    e::trust::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(StoreError::NotFound)
}
