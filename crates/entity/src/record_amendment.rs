//! An amendment to a frozen record: who, why, what. Append-only; hashes chain the versions.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "record_amendment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    pub record_id: Uuid,
    pub author_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub changes: Json,
    /// The record's content hash before this amendment.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub previous_hash: String,
    /// The record's content hash after it.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub content_hash: String,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<super::academy::Entity>,
    #[sea_orm(belongs_to, from = "record_id", to = "id")]
    pub record: BelongsTo<super::supervision_record::Entity>,
    #[sea_orm(belongs_to, relation_enum = "Author", from = "author_id", to = "id")]
    pub author: BelongsTo<super::person::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
