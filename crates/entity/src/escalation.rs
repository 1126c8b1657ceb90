//! An unresolved disagreement escalated to the safeguarding governor or the director.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "escalation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    pub raised_by: Uuid,
    pub record_id: Option<Uuid>,
    pub case_note_id: Option<Uuid>,
    /// safeguarding_governor | director_of_education
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub escalated_to: String,
    pub assignee_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub meeting_on: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome: Option<String>,
    /// open | meeting_arranged | closed
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub status: String,
    pub closed_at: Option<DateTimeUtc>,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<super::academy::Entity>,
    #[sea_orm(belongs_to, relation_enum = "RaisedBy", from = "raised_by", to = "id")]
    pub raiser: BelongsTo<super::person::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Assignee",
        from = "assignee_id",
        to = "id"
    )]
    pub assignee: BelongsTo<Option<super::person::Entity>>,
    #[sea_orm(belongs_to, from = "record_id", to = "id")]
    pub record: BelongsTo<Option<super::supervision_record::Entity>>,
    #[sea_orm(belongs_to, from = "case_note_id", to = "id")]
    pub case_note: BelongsTo<Option<super::case_note::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
