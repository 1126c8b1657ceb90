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

/// Connects (or re-connects) the trust's sign-in provider, replacing any earlier one.
pub async fn connect_provider(
    db: &Db,
    scope: &Scope,
    provider: SignInProvider,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use sea_orm::ActiveValue::Set;
    let (kind, tenant_id, hosted_domain, issuer) = match provider {
        SignInProvider::Entra { tenant_id } => ("entra", Some(tenant_id), None, None),
        SignInProvider::Google { hosted_domain } => ("google", None, Some(hosted_domain), None),
        SignInProvider::Oidc { issuer } => ("oidc", None, None, Some(issuer)),
    };
    let mut tx = db.write(scope, now).await?;
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
    tx.commit().await
}

/// Invites the trust's first safeguarding lead, who can then invite everyone else.
pub async fn invite_lead(
    db: &Db,
    scope: &Scope,
    name: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    use sea_orm::ActiveValue::Set;
    let email = email.trim();
    if !email.contains('@') || email.len() < 3 {
        return Err(StoreError::Invalid {
            field: "email",
            reason: "must be an email address".into(),
        });
    }
    let mut tx = db.write(scope, now).await?;
    let taken = tx
        .list::<e::person::Entity>()
        .await?
        .iter()
        .any(|person| person.email.eq_ignore_ascii_case(email));
    if taken {
        return Err(StoreError::Invalid {
            field: "email",
            reason: "someone in this trust already has this email".into(),
        });
    }
    let person = tx
        .insert(e::person::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            display_name: Set(name.trim().to_owned()),
            email: Set(email.to_owned()),
            job_title: Set(None),
            notification_preference: Set("immediate".into()),
            oidc_subject: Set(None),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    tx.insert(e::role_assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(scope.trust_id()),
        person_id: Set(person.id),
        role: Set(haven_domain::Role::TrustSafeguardingLead
            .as_str()
            .to_owned()),
        scope_kind: Set(haven_domain::ScopeKind::Trust.as_str().to_owned()),
        region_id: Set(None),
        academy_id: Set(None),
        starts_on: Set(now.date_naive()),
        ends_on: Set(None),
        created_at: Set(now),
    })
    .await?;
    tx.commit().await?;
    Ok(person.id)
}
