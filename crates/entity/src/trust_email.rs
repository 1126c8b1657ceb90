//! How a trust's email looks: the sender and reply-to its people see, and its branding colour.
//! No row means Haven's configured sender and colour.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "trust_email")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub trust_id: Uuid,
    pub sender_name: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(320))", nullable)]
    pub sender_address: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(320))", nullable)]
    pub reply_to: Option<String>,
    /// `#rrggbb`
    #[sea_orm(column_type = "String(StringLen::N(7))", nullable)]
    pub brand_colour: Option<String>,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
