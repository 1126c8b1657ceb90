//! The head of one trust's audit hash chain. Appending locks and advances this row, which
//! serialises appends per trust without locking the log itself.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_chain_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub trust_id: Uuid,
    pub seq: i64,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub hash: String,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
