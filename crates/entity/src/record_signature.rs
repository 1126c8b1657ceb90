//! A party's signature of a record, or their recorded disagreement with it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "record_signature")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    pub record_id: Uuid,
    pub person_id: Uuid,
    /// signed | disagreed
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub outcome: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub disagreement: Option<String>,
    /// When the signature was given in Haven, or entered when given on paper.
    pub signed_at: DateTimeUtc,
    /// The day a paper signature was given; null when given in Haven (the day of `signed_at`).
    pub signed_on: Option<Date>,
    /// electronic | paper
    #[sea_orm(column_type = "String(StringLen::N(16))")]
    pub medium: String,
    /// Who entered a paper signature (null for one given in Haven, entered by its signer).
    pub entered_by_id: Option<Uuid>,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub content_hash: String,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<super::academy::Entity>,
    #[sea_orm(belongs_to, from = "record_id", to = "id")]
    pub record: BelongsTo<super::supervision_record::Entity>,
    #[sea_orm(belongs_to, from = "person_id", to = "id")]
    pub person: BelongsTo<super::person::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
