//! One half term of an academy's calendar; six make an academic year.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "term_date")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    /// The calendar year the academic year starts in (2026 = 2026/27).
    pub academic_year: i32,
    /// 1..=6; autumn 1 is 1.
    pub half_term: i16,
    pub starts_on: Date,
    pub ends_on: Date,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<super::academy::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
