//! The tenant: one multi-academy trust. Every other table hangs off it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "trust")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// URL-safe handle used in sign-in and links.
    #[sea_orm(unique, column_type = "String(StringLen::N(64))")]
    pub slug: String,
    pub created_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub regions: HasMany<super::region::Entity>,
    #[sea_orm(has_many)]
    pub academies: HasMany<super::academy::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
