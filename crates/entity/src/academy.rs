//! An academy of a trust: the unit the data model is partitioned by.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "academy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub region_id: Option<Uuid>,
    pub name: String,
    /// DfE unique reference number.
    #[sea_orm(column_type = "String(StringLen::N(16))")]
    pub urn: String,
    /// primary | secondary | all_through | special | alternative_provision | nursery
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub phase: String,
    pub local_authority: String,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "region_id", to = "id")]
    pub region: BelongsTo<Option<super::region::Entity>>,
    #[sea_orm(has_many)]
    pub term_dates: HasMany<super::term_date::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
