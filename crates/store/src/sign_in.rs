//! Signed-in sessions: started at sign-in, resumed from the cookie on each request, ended at
//! sign-out or by their idle and absolute timeouts.
//!
//! The cookie is `<trust id>.<session id>.<secret>`. The trust comes first so the lookup runs
//! inside that trust (row-level security on PostgreSQL); only the secret's SHA-256 is stored,
//! and it is compared in constant time.

use chrono::{DateTime, Duration, Utc};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::scope::{Origin, Scope, SystemActor};
pub use crate::secret::constant_time_eq;
use crate::secret::{random_secret, sha256_hex};
use crate::trust::SignInProvider;
use crate::{Db, StoreError};

/// How long a session lasts.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Ends a session nobody has used for this long.
    pub idle: Duration,
    /// Ends every session this long after sign-in, however active.
    pub absolute: Duration,
}

/// A session just started: the cookie value to set, and the page's CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// The person a live session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub trust_id: Uuid,
    pub person_id: Uuid,
    pub session_id: Uuid,
    pub csrf_token: String,
}

/// Bookkeeping writes (last seen) happen at most this often per session.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Starts a session for a person of the trust, ending none of their others (they may use two
/// devices), and audits the sign-in with how it was made (`method`: dev, entra, google, oidc).
pub async fn start(
    db: &Db,
    person: &Scope,
    method: &str,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<NewSession, StoreError> {
    let person_id = person.person_id().ok_or(StoreError::NotFound)?;
    let session_id = Uuid::now_v7();
    let token = random_secret();
    let csrf_token = random_secret();
    let expires_at = now + policy.absolute;
    let mut tx = db.write(person, now).await?;
    tx.insert(e::sign_in_session::ActiveModel {
        id: Set(session_id),
        trust_id: Set(person.trust_id()),
        person_id: Set(person_id),
        token_hash: Set(sha256_hex(&token)),
        csrf_token: Set(csrf_token.clone()),
        origin: Set(person.origin().to_string()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
        ended_at: Set(None),
    })
    .await?;
    tx.audit(
        AuditEntry::new("sign_in", "sign_in_session", Some(session_id))
            .with_detail(json!({ "method": method })),
    )
    .await?;
    tx.commit().await?;
    Ok(NewSession {
        cookie: format!("{}.{session_id}.{token}", person.trust_id()),
        csrf_token,
        expires_at,
    })
}

/// The live session a cookie names, or `None` for a cookie that is malformed, unknown, ended,
/// idle too long or past its absolute end.
pub async fn resume(
    db: &Db,
    cookie: &str,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Option<SignedIn>, StoreError> {
    let mut parts = cookie.splitn(3, '.');
    let (Some(trust), Some(session), Some(secret)) = (parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    let (Ok(trust_id), Ok(session_id)) = (Uuid::parse_str(trust), Uuid::parse_str(session)) else {
        return Ok(None);
    };
    let system = Scope::within_store(trust_id, SystemActor::SignIn, Origin::Worker);
    let read = db.read(&system).await?;
    let found = read.find::<e::sign_in_session::Entity>(session_id).await;
    read.finish().await?;
    let row = match found {
        Ok(row) => row,
        Err(StoreError::NotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    let live = row.ended_at.is_none()
        && now < row.expires_at
        && now < row.last_seen_at + policy.idle
        && constant_time_eq(&sha256_hex(secret), &row.token_hash);
    if !live {
        return Ok(None);
    }
    if now - row.last_seen_at >= TOUCH_EVERY {
        let tx = db.write(&system, now).await?;
        e::sign_in_session::Entity::update_many()
            .col_expr(
                e::sign_in_session::Column::LastSeenAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(e::sign_in_session::Column::TrustId.eq(trust_id))
            .filter(e::sign_in_session::Column::Id.eq(session_id))
            .exec(tx.connection())
            .await?;
        tx.commit().await?;
    }
    Ok(Some(SignedIn {
        trust_id,
        person_id: row.person_id,
        session_id,
        csrf_token: row.csrf_token,
    }))
}

/// Ends a session at sign-out, with its audit entry.
pub async fn end(
    db: &Db,
    person: &Scope,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = db.write(person, now).await?;
    let ended = e::sign_in_session::Entity::update_many()
        .col_expr(
            e::sign_in_session::Column::EndedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(e::sign_in_session::Column::TrustId.eq(person.trust_id()))
        .filter(e::sign_in_session::Column::Id.eq(session_id))
        .filter(e::sign_in_session::Column::PersonId.eq(person.person_id()))
        .filter(e::sign_in_session::Column::EndedAt.is_null())
        .exec(tx.connection())
        .await?;
    if ended.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    tx.audit(AuditEntry::new(
        "sign_out",
        "sign_in_session",
        Some(session_id),
    ))
    .await?;
    tx.commit().await
}

/// Why a sign-in was refused, as the audit log keeps it: fixed words, and of the person only
/// what the provider vouched for in a verified token. A callback's own text is never kept: anyone
/// can send a browser to the callback with any text in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal<'a> {
    /// The callback's `state` is not the one this sign-in sent.
    StateMismatch,
    /// The provider sent the person back with an error: an OAuth error code from a fixed list,
    /// or `other`.
    ProviderError(&'static str),
    /// The provider's answer (code exchange or ID token) did not verify.
    Unverified,
    /// A verified account of another tenant or domain than the trust's.
    OtherOrganisation { claimed: &'a str },
    /// A verified account that no invited person of the trust matches.
    NotInvited { claimed: &'a str },
    /// An account whose email address the provider does not vouch for.
    EmailUnverified { claimed: &'a str },
}

impl Refusal<'_> {
    fn code(&self) -> &'static str {
        match self {
            Refusal::StateMismatch => "state_mismatch",
            Refusal::ProviderError(_) => "provider_error",
            Refusal::Unverified => "unverified",
            Refusal::OtherOrganisation { .. } => "other_organisation",
            Refusal::NotInvited { .. } => "not_invited",
            Refusal::EmailUnverified { .. } => "email_unverified",
        }
    }

    fn detail(&self) -> serde_json::Value {
        match self {
            Refusal::StateMismatch | Refusal::Unverified => json!({}),
            Refusal::ProviderError(error) => json!({ "provider_error": error }),
            Refusal::OtherOrganisation { claimed }
            | Refusal::NotInvited { claimed }
            | Refusal::EmailUnverified { claimed } => json!({ "claimed": claimed }),
        }
    }
}

/// Records a refused sign-in in the trust's audit log: why, in fixed words, and who tried only
/// as a verified token named them (never a token itself).
pub async fn record_refusal(
    db: &Db,
    trust_id: Uuid,
    refusal: Refusal<'_>,
    origin: Origin,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let system = Scope::within_store(trust_id, SystemActor::SignIn, origin);
    let mut tx = db.write(&system, now).await?;
    tx.audit(
        AuditEntry::new("sign_in_refused", "person", None)
            .with_reason(refusal.code())
            .with_detail(refusal.detail()),
    )
    .await?;
    tx.commit().await
}

/// How a trust's people sign in, if the trust has connected a provider (a row whose kind lacks
/// the tenant, domain or issuer it needs connects nothing).
pub async fn identity_provider(
    db: &Db,
    trust_id: Uuid,
) -> Result<Option<SignInProvider>, StoreError> {
    let system = Scope::within_store(trust_id, SystemActor::SignIn, Origin::Worker);
    let read = db.read(&system).await?;
    let found = read.list::<e::identity_provider::Entity>().await?;
    read.finish().await?;
    Ok(found.into_iter().next().and_then(provider_of))
}

/// The one mapping from an identity provider's row to the provider it names.
fn provider_of(row: e::identity_provider::Model) -> Option<SignInProvider> {
    match row.kind.as_str() {
        "entra" => Some(SignInProvider::Entra {
            tenant_id: row.tenant_id?,
        }),
        "google" => Some(SignInProvider::Google {
            hosted_domain: row.hosted_domain?,
        }),
        "oidc" => Some(SignInProvider::Oidc {
            issuer: row.issuer?,
        }),
        _ => None,
    }
}

/// How long a browser may take at the provider before its sign-in must start again.
const PENDING_FOR: Duration = Duration::minutes(10);

/// Keeps a provider sign-in's secrets until its callback; returns the browser's cookie value.
/// The trust's expired pending sign-ins (starts nobody came back from) are purged with it, so
/// the table holds at most the last few minutes' starts of each trust.
pub async fn save_pending(
    db: &Db,
    trust_id: Uuid,
    flow: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let id = Uuid::now_v7();
    let system = Scope::within_store(trust_id, SystemActor::SignIn, Origin::Worker);
    let tx = db.write(&system, now).await?;
    e::pending_sign_in::Entity::delete_many()
        .filter(e::pending_sign_in::Column::TrustId.eq(trust_id))
        .filter(e::pending_sign_in::Column::ExpiresAt.lte(now))
        .exec(tx.connection())
        .await?;
    e::pending_sign_in::Entity::insert(e::pending_sign_in::ActiveModel {
        id: Set(id),
        trust_id: Set(trust_id),
        flow: Set(flow),
        created_at: Set(now),
        expires_at: Set(now + PENDING_FOR),
    })
    .exec(tx.connection())
    .await?;
    tx.commit().await?;
    Ok(format!("{trust_id}.{id}"))
}

/// Takes a pending sign-in back, once: the row is deleted whether or not it is still in time,
/// so a callback can never be replayed. `None` for an unknown, used or expired one.
pub async fn take_pending(
    db: &Db,
    cookie: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Uuid, serde_json::Value)>, StoreError> {
    let Some((trust, id)) = cookie.split_once('.') else {
        return Ok(None);
    };
    let (Ok(trust_id), Ok(id)) = (Uuid::parse_str(trust), Uuid::parse_str(id)) else {
        return Ok(None);
    };
    let system = Scope::within_store(trust_id, SystemActor::SignIn, Origin::Worker);
    let tx = db.write(&system, now).await?;
    let row = match tx.find::<e::pending_sign_in::Entity>(id).await {
        Ok(row) => row,
        Err(StoreError::NotFound) => return Ok(None),
        Err(other) => return Err(other),
    };
    e::pending_sign_in::Entity::delete_many()
        .filter(e::pending_sign_in::Column::TrustId.eq(trust_id))
        .filter(e::pending_sign_in::Column::Id.eq(id))
        .exec(tx.connection())
        .await?;
    tx.commit().await?;
    Ok((now < row.expires_at).then_some((trust_id, row.flow)))
}

/// A verified identity at a provider, as the sign-in found it.
#[derive(Debug, Clone)]
pub struct ProviderIdentity<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub email: Option<&'a str>,
    pub email_verified: bool,
}

/// The key a person's provider identity is stored under: subjects are unique per issuer only.
fn subject_key(identity: &ProviderIdentity<'_>) -> String {
    format!("{}#{}", identity.issuer, identity.subject)
}

/// Whom a provider identity signs in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonMatch {
    /// The active person of the trust it belongs to.
    Person(Uuid),
    /// No active person is linked to it or invited with its email.
    NotInvited,
    /// It is linked to nobody, and the provider does not vouch for its email address, which is
    /// the only thing an invitation could match.
    EmailUnverified,
}

/// The active person of the trust a provider identity belongs to: the one linked to it, or
/// else the one invited with its verified email, who is then linked to it (audited). Nobody
/// is matched by an unverified email, and a person already linked to another identity is not
/// re-linked silently.
pub async fn person_for_identity(
    db: &Db,
    trust_id: Uuid,
    identity: &ProviderIdentity<'_>,
    origin: Origin,
    now: DateTime<Utc>,
) -> Result<PersonMatch, StoreError> {
    let key = subject_key(identity);
    let system = Scope::within_store(trust_id, SystemActor::SignIn, origin);
    let mut tx = db.write(&system, now).await?;
    let linked = tx
        .list_where::<e::person::Entity, _>(
            e::person::Column::OidcSubject
                .eq(key.clone())
                .and(e::person::Column::Active.eq(true)),
        )
        .await?;
    if let Some(person) = linked.into_iter().next() {
        tx.commit().await?;
        return Ok(PersonMatch::Person(person.id));
    }
    let Some(email) = identity.email else {
        tx.commit().await?;
        return Ok(PersonMatch::NotInvited);
    };
    if !identity.email_verified {
        tx.commit().await?;
        return Ok(PersonMatch::EmailUnverified);
    }
    let invited = tx
        .list_where::<e::person::Entity, _>(
            e::person::Column::Active
                .eq(true)
                .and(e::person::Column::OidcSubject.is_null()),
        )
        .await?
        .into_iter()
        .find(|person| person.email.eq_ignore_ascii_case(email));
    let Some(person) = invited else {
        tx.commit().await?;
        return Ok(PersonMatch::NotInvited);
    };
    e::person::Entity::update_many()
        .col_expr(
            e::person::Column::OidcSubject,
            sea_orm::sea_query::Expr::value(Some(key)),
        )
        .col_expr(
            e::person::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(e::person::Column::TrustId.eq(trust_id))
        .filter(e::person::Column::Id.eq(person.id))
        .exec(tx.connection())
        .await?;
    tx.audit(
        AuditEntry::new("link_identity", "person", Some(person.id))
            .with_detail(json!({ "issuer": identity.issuer })),
    )
    .await?;
    tx.commit().await?;
    Ok(PersonMatch::Person(person.id))
}

/// The trust's safeguarding leads, named on the page that refuses a stranger: whom to ask.
pub async fn trust_leads(
    db: &Db,
    trust_id: Uuid,
    on: chrono::NaiveDate,
) -> Result<Vec<(String, String)>, StoreError> {
    let system = Scope::within_store(trust_id, SystemActor::SignIn, Origin::Worker);
    let read = db.read(&system).await?;
    let leads: Vec<Uuid> = read
        .list_where::<e::role_assignment::Entity, _>(
            e::role_assignment::Column::Role
                .eq(haven_domain::Role::TrustSafeguardingLead.as_str())
                .and(e::role_assignment::Column::StartsOn.lte(on)),
        )
        .await?
        .into_iter()
        .filter(|a| a.ends_on.is_none_or(|end| end >= on))
        .map(|a| a.person_id)
        .collect();
    let people = read
        .list_where::<e::person::Entity, _>(
            e::person::Column::Id
                .is_in(leads)
                .and(e::person::Column::Active.eq(true)),
        )
        .await?;
    read.finish().await?;
    Ok(people
        .into_iter()
        .map(|p| (p.display_name, p.email))
        .collect())
}
