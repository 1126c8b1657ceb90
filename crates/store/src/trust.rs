//! Trusts: the tenants. Creating one starts its audit chain.

use chrono::{DateTime, Utc};
use haven_entity as e;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::scope::{Origin, Scope, SystemActor};
use crate::tx::WriteTx;
use crate::{Db, StoreError};

/// A trust as Haven's own processes and pages know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustView {
    pub id: Uuid,
    /// Its name as shown.
    pub name: String,
    /// URL-safe handle used in sign-in and links.
    pub slug: String,
    pub created_at: DateTime<Utc>,
}

impl From<e::trust::Model> for TrustView {
    fn from(row: e::trust::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            slug: row.slug,
            created_at: row.created_at,
        }
    }
}

/// A new trust, its audit chain started by `actor`; returns the trust and a system scope on it.
pub async fn create(
    db: &Db,
    name: &str,
    slug: &str,
    actor: SystemActor,
    origin: Origin,
    now: DateTime<Utc>,
) -> Result<(TrustView, Scope), StoreError> {
    let scope = Scope::within_store(Uuid::now_v7(), actor, origin);
    let (trust, tx) = db.create_trust(&scope, name, slug, now).await?;
    tx.commit().await?;
    Ok((TrustView::from(trust), scope))
}

/// The trust with this slug, for Haven's own processes (the CLI, the seed).
pub async fn find_by_slug(db: &Db, slug: &str) -> Result<Option<TrustView>, StoreError> {
    Ok(e::trust::Entity::find()
        .filter(e::trust::Column::Slug.eq(slug))
        .one(db.conn())
        .await?
        .map(TrustView::from))
}

/// Every trust, oldest first, for Haven's own processes (audit verification, the scheduler).
pub async fn all(db: &Db) -> Result<Vec<TrustView>, StoreError> {
    Ok(e::trust::Entity::find()
        .order_by_asc(e::trust::Column::CreatedAt)
        .all(db.conn())
        .await?
        .into_iter()
        .map(TrustView::from)
        .collect())
}

/// The trust with this id.
pub async fn find(db: &Db, id: Uuid) -> Result<TrustView, StoreError> {
    e::trust::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .map(TrustView::from)
        .ok_or(StoreError::NotFound)
}

/// How a trust's people sign in, as its IT names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInProvider {
    /// Microsoft Entra ID: the trust's tenant id.
    Entra { tenant_id: String },
    /// Google Workspace: the trust's domain.
    Google { hosted_domain: String },
    /// Any other OpenID Connect provider, by its issuer URL.
    Oidc { issuer: String },
}

impl SignInProvider {
    /// Its kind as stored and as a sign-in session names its method: entra, google or oidc.
    pub fn kind(&self) -> &'static str {
        match self {
            SignInProvider::Entra { .. } => "entra",
            SignInProvider::Google { .. } => "google",
            SignInProvider::Oidc { .. } => "oidc",
        }
    }
}

/// Connects (or re-connects) the trust's sign-in provider, replacing any earlier one.
pub async fn connect_provider(
    tx: &mut WriteTx<'_>,
    provider: SignInProvider,
) -> Result<(), StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    use sea_orm::ActiveValue::Set;
    let kind = provider.kind();
    let (tenant_id, hosted_domain, issuer) = match provider {
        SignInProvider::Entra { tenant_id } => (Some(tenant_id), None, None),
        SignInProvider::Google { hosted_domain } => (None, Some(hosted_domain), None),
        SignInProvider::Oidc { issuer } => (None, None, Some(issuer)),
    };
    for previous in tx.list::<e::identity_provider::Entity>().await? {
        e::identity_provider::Entity::delete_many()
            .filter(e::identity_provider::Column::TrustId.eq(scope.trust_id()))
            .filter(e::identity_provider::Column::Id.eq(previous.id))
            .exec(tx.connection())
            .await?;
        tx.audit(crate::audit::AuditEntry::new(
            "disconnect",
            "identity_provider",
            Some(previous.id),
        ))
        .await?;
    }
    tx.insert(e::identity_provider::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(scope.trust_id()),
        kind: Set(kind.to_owned()),
        tenant_id: Set(tenant_id),
        hosted_domain: Set(hosted_domain),
        issuer: Set(issuer),
        created_at: Set(now),
    })
    .await?;
    Ok(())
}
