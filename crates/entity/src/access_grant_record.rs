//! One record an access grant opens.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "access_grant_record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub grant_id: Uuid,
    pub record_id: Uuid,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "grant_id", to = "id")]
    pub grant: BelongsTo<super::access_grant::Entity>,
    #[sea_orm(belongs_to, from = "record_id", to = "id")]
    pub record: BelongsTo<super::supervision_record::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
