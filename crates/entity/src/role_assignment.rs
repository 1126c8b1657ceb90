//! A role a person holds over a scope (trust, region or academy) for a period.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "role_assignment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub person_id: Uuid,
    /// trust_safeguarding_lead | director_of_education | regional_safeguarding_lead | headteacher |
    /// dsl | deputy_dsl | pastoral_lead | safeguarding_governor | external_supervisor | auditor
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub role: String,
    /// trust | region | academy: says which of `region_id` / `academy_id` is set.
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub scope_kind: String,
    pub region_id: Option<Uuid>,
    pub academy_id: Option<Uuid>,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "person_id", to = "id")]
    pub person: BelongsTo<super::person::Entity>,
    #[sea_orm(belongs_to, from = "region_id", to = "id")]
    pub region: BelongsTo<Option<super::region::Entity>>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<Option<super::academy::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
