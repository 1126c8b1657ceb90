//! A trust's policy settings (cadences, deadlines, caps), or one academy's overrides of them.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "policy_setting")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    /// None for the trust default.
    pub academy_id: Option<Uuid>,
    /// `trust` or the academy id as text: unique with `trust_id` on every backend, which a
    /// nullable `academy_id` would not be (NULLs never collide).
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub scope_key: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub settings: Json,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<Option<super::academy::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
