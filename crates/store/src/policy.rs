//! The trust's policy settings and each academy's overrides of them (DESIGN §4: every number is
//! a trust setting with the seeds' values as defaults, overridable per academy).
//!
//! The trust default is the row whose `scope_key` is `trust`; while there is none the domain's
//! defaults apply. An academy's row holds only what it overrides, applied with
//! [`PolicySettings::with_override`], so a later change to the trust default still reaches every
//! setting the academy did not name.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use haven_domain::{DomainError, PolicyOverride, PolicySettings};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::StoreError;
use crate::audit::AuditEntry;
use crate::scope::Scope;
use crate::tx::{ReadTx, WriteTx};

/// The `scope_key` of the trust default row.
const TRUST_KEY: &str = "trust";

/// The trust default as stored, with the version a change must name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrustPolicy {
    pub settings: PolicySettings,
    /// 0 while the trust has never saved its own: the domain's defaults apply.
    pub row_version: i32,
    pub updated_at: Option<DateTime<Utc>>,
}

/// An academy's override and what it makes of the trust default.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AcademyPolicy {
    pub academy_id: Uuid,
    /// `None` when the academy follows the trust default throughout.
    #[serde(rename = "override")]
    #[schema(rename = "override")]
    pub override_: Option<PolicyOverride>,
    /// 0 while the academy has no override.
    pub row_version: i32,
    pub effective: PolicySettings,
}

/// A domain refusal as the store's: the field the domain named, or the whole settings.
fn refused(error: DomainError) -> StoreError {
    match error {
        DomainError::Invalid { field, reason } => StoreError::Invalid { field, reason },
        other => StoreError::Invalid {
            field: "settings",
            reason: other.to_string(),
        },
    }
}

/// Stored settings that no longer read are the database's fault, never the caller's.
fn unreadable(key: &str, error: &serde_json::Error) -> StoreError {
    StoreError::Database(DbErr::Json(format!(
        "policy setting {key} cannot be read: {error}"
    )))
}

fn to_json<T: Serialize>(value: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value)
        .map_err(|error| StoreError::Database(DbErr::Json(error.to_string())))
}

async fn row(
    conn: &sea_orm::DatabaseTransaction,
    scope: &Scope,
    key: &str,
) -> Result<Option<e::policy_setting::Model>, StoreError> {
    Ok(e::policy_setting::Entity::find()
        .filter(e::policy_setting::Column::TrustId.eq(scope.trust_id()))
        .filter(e::policy_setting::Column::ScopeKey.eq(key))
        .one(conn)
        .await?)
}

fn trust_settings(row: Option<&e::policy_setting::Model>) -> Result<PolicySettings, StoreError> {
    match row {
        Some(row) => serde_json::from_value(row.settings.clone())
            .map_err(|error| unreadable(TRUST_KEY, &error)),
        None => Ok(PolicySettings::default()),
    }
}

fn academy_override(
    row: Option<&e::policy_setting::Model>,
) -> Result<Option<PolicyOverride>, StoreError> {
    row.map(|row| {
        serde_json::from_value(row.settings.clone())
            .map_err(|error| unreadable(&row.scope_key, &error))
    })
    .transpose()
}

fn apply(
    trust: &PolicySettings,
    with: Option<&PolicyOverride>,
) -> Result<PolicySettings, StoreError> {
    match with {
        Some(with) => trust.with_override(with).map_err(refused),
        None => Ok(trust.clone()),
    }
}

/// The trust default as stored (or the domain's defaults), for anyone in the trust.
pub async fn trust_default(read: &ReadTx<'_>) -> Result<TrustPolicy, StoreError> {
    let scope = read.scope();
    let stored = row(read.connection(), scope, TRUST_KEY).await?;
    Ok(TrustPolicy {
        settings: trust_settings(stored.as_ref())?,
        row_version: stored.as_ref().map_or(0, |r| r.row_version),
        updated_at: stored.map(|r| r.updated_at),
    })
}

/// The trust default as it stands inside a write, for a trust-wide rule checked there.
pub(crate) async fn trust_default_in(tx: &WriteTx<'_>) -> Result<PolicySettings, StoreError> {
    trust_settings(row(tx.connection(), tx.scope(), TRUST_KEY).await?.as_ref())
}

/// The settings that rule `academy_id`: the trust default with the academy's override applied.
/// An academy outside the scope is [`StoreError::NotFound`].
pub async fn effective(read: &ReadTx<'_>, academy_id: Uuid) -> Result<PolicySettings, StoreError> {
    Ok(academy(read, academy_id).await?.effective)
}

/// The trust default and each academy's effective settings, for reads over many academies.
pub(crate) struct EffectivePolicies {
    pub(crate) trust: PolicySettings,
    pub(crate) academies: BTreeMap<Uuid, PolicySettings>,
}

/// The trust default and the effective settings of each of `academies`, read inside `read`.
pub(crate) async fn effective_in(
    read: &ReadTx<'_>,
    academies: &[Uuid],
) -> Result<EffectivePolicies, StoreError> {
    let rows = e::policy_setting::Entity::find()
        .filter(e::policy_setting::Column::TrustId.eq(read.scope().trust_id()))
        .all(read.connection())
        .await?;
    let trust = trust_settings(rows.iter().find(|row| row.scope_key == TRUST_KEY))?;
    let academies = academies
        .iter()
        .map(|academy| {
            let key = academy.to_string();
            let own = academy_override(rows.iter().find(|row| row.scope_key == key))?;
            Ok((*academy, apply(&trust, own.as_ref())?))
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(EffectivePolicies { trust, academies })
}

/// The effective settings of one academy, read inside `read`: for the checks of a write in the
/// same transaction, once the caller has reached one of the academy's agreements.
pub(crate) async fn effective_of(
    read: &ReadTx<'_>,
    academy_id: Uuid,
) -> Result<PolicySettings, StoreError> {
    let mut effective = effective_in(read, &[academy_id]).await?;
    Ok(effective
        .academies
        .remove(&academy_id)
        .unwrap_or(effective.trust))
}

/// An academy's override and its effective settings, for anyone who sees the academy.
pub async fn academy(read: &ReadTx<'_>, academy_id: Uuid) -> Result<AcademyPolicy, StoreError> {
    let scope = read.scope();
    read.find::<e::academy::Entity>(academy_id).await?;
    let trust = row(read.connection(), scope, TRUST_KEY).await?;
    let own = row(read.connection(), scope, &academy_id.to_string()).await?;
    let override_ = academy_override(own.as_ref())?;
    Ok(AcademyPolicy {
        academy_id,
        effective: apply(&trust_settings(trust.as_ref())?, override_.as_ref())?,
        override_,
        row_version: own.map_or(0, |r| r.row_version),
    })
}

/// Writes the row of `key` at `row_version` (0: there must be none yet), or answers
/// [`StoreError::Conflict`] when someone else changed it since the caller read it.
async fn put_row(
    tx: &mut WriteTx<'_>,
    key: &str,
    academy_id: Option<Uuid>,
    settings: serde_json::Value,
    row_version: i32,
) -> Result<e::policy_setting::Model, StoreError> {
    let trust_id = tx.scope().trust_id();
    let now = tx.now();
    let existing = row(tx.connection(), tx.scope(), key).await?;
    let conflict = |id| StoreError::Conflict {
        entity: "policy_setting",
        id,
    };
    match existing {
        None if row_version == 0 => {
            tx.insert(e::policy_setting::ActiveModel {
                id: Set(Uuid::now_v7()),
                trust_id: Set(trust_id),
                academy_id: Set(academy_id),
                scope_key: Set(key.to_owned()),
                settings: Set(settings),
                row_version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .await
        }
        None => Err(conflict(academy_id.unwrap_or(trust_id))),
        Some(current) => {
            // The version is compared in the update itself, so a writer between the read and
            // the write cannot be overwritten.
            let updated = e::policy_setting::Entity::update_many()
                .col_expr(e::policy_setting::Column::Settings, Expr::value(settings))
                .col_expr(
                    e::policy_setting::Column::RowVersion,
                    Expr::value(current.row_version.saturating_add(1)),
                )
                .col_expr(e::policy_setting::Column::UpdatedAt, Expr::value(now))
                .filter(e::policy_setting::Column::TrustId.eq(trust_id))
                .filter(e::policy_setting::Column::Id.eq(current.id))
                .filter(e::policy_setting::Column::RowVersion.eq(row_version))
                .exec(tx.connection())
                .await?;
            if updated.rows_affected == 0 {
                return Err(conflict(current.id));
            }
            tx.audit(AuditEntry::new(
                "update",
                "policy_setting",
                Some(current.id),
            ))
            .await?;
            row(tx.connection(), tx.scope(), key)
                .await?
                .ok_or(StoreError::NotFound)
        }
    }
}

/// Replaces the trust default with `settings`, by a trust lead, if it is still at `row_version`.
pub async fn set_trust_default(
    tx: &mut WriteTx<'_>,
    settings: &PolicySettings,
    row_version: i32,
) -> Result<TrustPolicy, StoreError> {
    let scope = tx.scope();
    scope.require_trust_lead("change the trust's policy")?;
    settings.validate().map_err(refused)?;
    let saved = put_row(tx, TRUST_KEY, None, to_json(settings)?, row_version).await?;
    // Every academy's override must still make valid settings over the new default.
    for other in tx.list::<e::policy_setting::Entity>().await? {
        if other.scope_key != TRUST_KEY {
            apply(settings, academy_override(Some(&other))?.as_ref())?;
        }
    }
    Ok(TrustPolicy {
        settings: settings.clone(),
        row_version: saved.row_version,
        updated_at: Some(saved.updated_at),
    })
}

/// Sets an academy's override, by a trust lead, if it is still at `row_version` (0: it has
/// none yet). Refused, naming the field, when the result would not be valid settings.
pub async fn set_academy_override(
    tx: &mut WriteTx<'_>,
    academy_id: Uuid,
    with: &PolicyOverride,
    row_version: i32,
) -> Result<AcademyPolicy, StoreError> {
    let scope = tx.scope();
    tx.find::<e::academy::Entity>(academy_id).await?;
    scope.require_trust_lead("override an academy's policy")?;
    let trust = trust_settings(row(tx.connection(), scope, TRUST_KEY).await?.as_ref())?;
    let effective = apply(&trust, Some(with))?;
    let saved = put_row(
        tx,
        &academy_id.to_string(),
        Some(academy_id),
        to_json(with)?,
        row_version,
    )
    .await?;
    Ok(AcademyPolicy {
        academy_id,
        override_: Some(with.clone()),
        row_version: saved.row_version,
        effective,
    })
}

/// Removes an academy's override, by a trust lead: it follows the trust default again.
/// Clearing an academy that has none changes nothing, so a repeated request is harmless.
pub async fn clear_academy_override(
    tx: &mut WriteTx<'_>,
    academy_id: Uuid,
) -> Result<(), StoreError> {
    let scope = tx.scope();
    tx.find::<e::academy::Entity>(academy_id).await?;
    scope.require_trust_lead("clear an academy's policy override")?;
    let Some(existing) = row(tx.connection(), scope, &academy_id.to_string()).await? else {
        return Ok(());
    };
    e::policy_setting::Entity::delete_many()
        .filter(e::policy_setting::Column::TrustId.eq(scope.trust_id()))
        .filter(e::policy_setting::Column::Id.eq(existing.id))
        .exec(tx.connection())
        .await?;
    tx.audit(
        AuditEntry::new("delete", "policy_setting", Some(existing.id))
            .with_detail(json!({ "academy_id": academy_id })),
    )
    .await?;
    Ok(())
}
