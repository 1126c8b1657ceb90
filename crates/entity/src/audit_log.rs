//! The append-only, hash-chained audit log: every create, change, signature, export and read of
//! record content. `actor_id` has no foreign key so erasing a person never breaks the chain.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    /// Position in the trust's chain, from 1 without gaps.
    pub seq: i64,
    pub at: DateTimeUtc,
    /// person | system | token
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    /// The actor's name at the time, kept because the person row may later be erased.
    pub actor_label: String,
    /// Where the action came from: client address, job name, …
    pub origin: String,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub action: String,
    /// The table the action touched.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub entity: String,
    pub entity_id: Option<Uuid>,
    /// Why, where a reason is required (reads under a grant).
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub detail: Json,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub prev_hash: String,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub hash: String,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
