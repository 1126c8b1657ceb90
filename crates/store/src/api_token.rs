//! Bearer tokens for integrations (a trust's own reporting): created by a trust safeguarding
//! lead, shown once, stored as a SHA-256 only, limited to their capabilities, revocable, and
//! their use recorded.
//!
//! A token is `haven_<trust id>_<secret>`. The trust comes first so the lookup runs inside that
//! trust (row-level security on PostgreSQL); the first characters of the secret are stored as
//! its prefix, which both tells a trust's tokens apart on screen and picks the candidate rows
//! whose hash is then compared in constant time, never by the database's equality.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use haven_domain::capability::Capability;
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::scope::{Origin, Scope, SystemActor};
use crate::secret::{constant_time_eq, random_secret, sha256_hex};
use crate::tx::{ReadTx, WriteTx};
use crate::{Db, StoreError};

/// What every token starts with, so a leaked one is recognisable (secret scanners, logs).
const TOKEN_START: &str = "haven_";
/// Characters of the secret kept in clear: 32 of its 244 random bits, enough to tell tokens
/// apart and to find a presented one's row, leaving over 200 bits unguessable.
const PREFIX_LEN: usize = 8;
/// Last use is written (with its audit entry) at most this often per token, so a busy
/// integration does not turn every read into a write on the trust's audit chain.
const USE_RECORDED_EVERY: Duration = Duration::seconds(60);

/// A token as the trust lead sees it: never its secret or its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the token's secret part, to tell tokens apart.
    pub prefix: String,
    pub capabilities: Vec<Capability>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The live token a request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenIdentity {
    pub trust_id: Uuid,
    pub token_id: Uuid,
    pub name: String,
    pub capabilities: Vec<Capability>,
}

fn prefix_of(secret: &str) -> String {
    secret.chars().take(PREFIX_LEN).collect()
}

/// The trust and secret of a well-formed token; `None` for anything else.
fn parse(presented: &str) -> Option<(Uuid, &str)> {
    let (trust, secret) = presented.strip_prefix(TOKEN_START)?.split_once('_')?;
    let well_formed =
        trust.len() == 32 && secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return None;
    }
    Uuid::try_parse(trust)
        .ok()
        .map(|trust_id| (trust_id, secret))
}

/// Stored capabilities; a name this version does not know grants nothing.
fn capabilities_of(stored: &Value) -> Vec<Capability> {
    stored
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|name| match Capability::parse(name) {
            Ok(capability) => Some(capability),
            Err(_) => {
                tracing::warn!(capability = name, "unknown token capability ignored");
                None
            }
        })
        .collect()
}

fn view(row: e::api_token::Model) -> ApiToken {
    ApiToken {
        capabilities: capabilities_of(&row.capabilities),
        id: row.id,
        name: row.name,
        prefix: row.token_prefix,
        created_by: row.created_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

/// Creates a token of the scope's trust and returns it with its plaintext, which is never
/// stored and so can never be shown again.
pub async fn create(
    tx: &mut WriteTx<'_>,
    name: &str,
    capabilities: &[Capability],
    expires_at: Option<DateTime<Utc>>,
) -> Result<(ApiToken, String), StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    let created_by = scope.require_trust_lead("create API tokens")?;
    let secret = random_secret();
    let token = format!("{TOKEN_START}{}_{secret}", scope.trust_id().simple());
    let capabilities: BTreeSet<Capability> = capabilities.iter().copied().collect();
    let row = tx
        .insert(e::api_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            name: Set(name.to_owned()),
            token_prefix: Set(prefix_of(&secret)),
            token_hash: Set(sha256_hex(&token)),
            capabilities: Set(Value::Array(
                capabilities
                    .iter()
                    .map(|capability| Value::String(capability.as_str().to_owned()))
                    .collect(),
            )),
            created_by: Set(created_by),
            created_at: Set(now),
            expires_at: Set(expires_at),
            last_used_at: Set(None),
            revoked_at: Set(None),
        })
        .await?;
    Ok((view(row), token))
}

/// The trust's tokens, newest first, revoked and expired ones included: the lead sees what
/// was ever issued.
pub async fn list(read: &ReadTx<'_>) -> Result<Vec<ApiToken>, StoreError> {
    let scope = read.scope();
    scope.require_trust_lead("see API tokens")?;
    let mut rows = read.list::<e::api_token::Entity>().await?;
    rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    Ok(rows.into_iter().map(view).collect())
}

/// Revokes a token at once, with its audit entry. Revoking a revoked token changes nothing.
pub async fn revoke(tx: &mut WriteTx<'_>, id: Uuid) -> Result<(), StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    scope.require_trust_lead("revoke API tokens")?;
    let row = tx.find::<e::api_token::Entity>(id).await?;
    if row.revoked_at.is_some() {
        return Ok(());
    }
    e::api_token::Entity::update_many()
        .col_expr(
            e::api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(e::api_token::Column::TrustId.eq(scope.trust_id()))
        .filter(e::api_token::Column::Id.eq(id))
        .exec(tx.connection())
        .await?;
    tx.audit(AuditEntry::new("revoke", "api_token", Some(id)))
        .await?;
    Ok(())
}

/// The live token `presented` is, or `None` for one that is malformed, unknown, revoked or
/// expired. Its use is recorded (last use and a `token_use` audit entry from `origin`) at most
/// once a minute.
pub async fn authenticate(
    db: &Db,
    presented: &str,
    origin: Origin,
    now: DateTime<Utc>,
) -> Result<Option<TokenIdentity>, StoreError> {
    let Some((trust_id, secret)) = parse(presented) else {
        return Ok(None);
    };
    let system = Scope::within_store(trust_id, SystemActor::SignIn, origin.clone());
    let read = db.read(&system).await?;
    let candidates = read
        .list_where::<e::api_token::Entity, _>(
            e::api_token::Column::TokenPrefix.eq(prefix_of(secret)),
        )
        .await?;
    read.finish().await?;
    let hash = sha256_hex(presented);
    let Some(row) = candidates
        .into_iter()
        .find(|row| constant_time_eq(&hash, &row.token_hash))
    else {
        return Ok(None);
    };
    let live = row.revoked_at.is_none() && row.expires_at.is_none_or(|end| now < end);
    if !live {
        return Ok(None);
    }
    let stale = row
        .last_used_at
        .is_none_or(|last| now - last >= USE_RECORDED_EVERY);
    let identity = TokenIdentity {
        trust_id,
        token_id: row.id,
        name: row.name,
        capabilities: capabilities_of(&row.capabilities),
    };
    if stale {
        record_use(db, &identity, origin, now).await?;
    }
    Ok(Some(identity))
}

/// Writes last use and its audit entry. The write holds the trust's chain lock, so the row is
/// read again under it: two requests at once record one use, not two.
async fn record_use(
    db: &Db,
    identity: &TokenIdentity,
    origin: Origin,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let scope = Scope::for_token(identity, origin);
    let mut tx = db.write(&scope, now).await?;
    let row = tx.find::<e::api_token::Entity>(identity.token_id).await?;
    if row
        .last_used_at
        .is_some_and(|last| now - last < USE_RECORDED_EVERY)
    {
        return tx.commit().await;
    }
    e::api_token::Entity::update_many()
        .col_expr(
            e::api_token::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(e::api_token::Column::TrustId.eq(identity.trust_id))
        .filter(e::api_token::Column::Id.eq(identity.token_id))
        .exec(tx.connection())
        .await?;
    tx.audit(AuditEntry::new(
        "token_use",
        "api_token",
        Some(identity.token_id),
    ))
    .await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_well_formed_token_names_a_trust() {
        let trust = Uuid::now_v7();
        let secret = random_secret();
        let token = format!("{TOKEN_START}{}_{secret}", trust.simple());
        assert_eq!(parse(&token), Some((trust, secret.as_str())));
        for malformed in [
            String::new(),
            "haven_".into(),
            format!("haven_{trust}_{secret}"),
            format!("haven_{}_{}", trust.simple(), &secret[..63]),
            format!("haven_{}_{}g", trust.simple(), &secret[..63]),
            format!("other_{}_{secret}", trust.simple()),
        ] {
            assert_eq!(parse(&malformed), None, "{malformed}");
        }
    }

    #[test]
    fn a_token_scope_never_reads_record_content() {
        let token = TokenIdentity {
            trust_id: Uuid::now_v7(),
            token_id: Uuid::now_v7(),
            name: "Power BI".into(),
            capabilities: vec![Capability::ReadFigures],
        };
        let scope = Scope::for_token(&token, Origin::Worker);
        assert!(!scope.may_read_record_content());
        assert!(scope.roles().is_empty());
        assert_eq!(scope.person_id(), None);
        let system = Scope::within_store(token.trust_id, SystemActor::Cli, Origin::Cli);
        assert!(system.may_read_record_content());
    }

    #[test]
    fn stored_capabilities_this_version_does_not_know_grant_nothing() {
        let stored = serde_json::json!(["read_figures", "read_everything"]);
        assert_eq!(capabilities_of(&stored), vec![Capability::ReadFigures]);
    }
}
