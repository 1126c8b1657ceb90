//! A bearer token for the JSON API. Only its SHA-256 is stored; the prefix lets people tell
//! tokens apart.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(16))")]
    pub token_prefix: String,
    /// Globally unique: a token is looked up before its trust is known.
    #[sea_orm(unique, column_type = "String(StringLen::N(64))")]
    pub token_hash: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub capabilities: Json,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "CreatedBy",
        from = "created_by",
        to = "id"
    )]
    pub creator: BelongsTo<super::person::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
