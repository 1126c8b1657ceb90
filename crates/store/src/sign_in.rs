//! Signed-in sessions: started at sign-in, resumed from the cookie on each request, ended at
//! sign-out or by their idle and absolute timeouts.
//!
//! The cookie is `<trust id>.<session id>.<secret>`. The trust comes first so the lookup runs
//! inside that trust (row-level security on PostgreSQL); only the secret's SHA-256 is stored,
//! and it is compared in constant time.

use chrono::{DateTime, Duration, Utc};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::scope::{Origin, Scope, SystemActor};
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

fn secret() -> String {
    // Two version-4 UUIDs: 244 bits from the operating system's random source.
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

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
    let token = secret();
    let csrf_token = secret();
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
    let system = Scope::system(trust_id, SystemActor::SignIn, Origin::Worker);
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

/// Records a refused sign-in in the trust's audit log: who tried (as the provider named them,
/// never a token), and why.
pub async fn record_refusal(
    db: &Db,
    trust_id: Uuid,
    claimed: &str,
    reason: &str,
    origin: Origin,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let system = Scope::system(trust_id, SystemActor::SignIn, origin);
    let mut tx = db.write(&system, now).await?;
    tx.audit(
        AuditEntry::new("sign_in_refused", "person", None)
            .with_reason(reason)
            .with_detail(json!({ "claimed": claimed })),
    )
    .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_and_never_repeat() {
        let (a, b) = (secret(), secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn constant_time_comparison_agrees_with_equality() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
