//! An action agreed at a session (from the record or a case note), with an owner and a due date.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "supervision_action")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    pub session_id: Uuid,
    pub record_id: Option<Uuid>,
    pub case_note_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub owner_id: Uuid,
    pub due_on: Date,
    /// open | done | carried_forward
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub status: String,
    pub completed_on: Option<Date>,
    /// When it was entered as done, which may be after `completed_on`; null on rows done before
    /// dated entries, entered on the day they were done.
    pub completed_at: Option<DateTimeUtc>,
    /// The action this one carries forward from an earlier session.
    pub carried_from_id: Option<Uuid>,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<super::academy::Entity>,
    #[sea_orm(belongs_to, from = "session_id", to = "id")]
    pub session: BelongsTo<super::supervision_session::Entity>,
    #[sea_orm(belongs_to, from = "record_id", to = "id")]
    pub record: BelongsTo<Option<super::supervision_record::Entity>>,
    #[sea_orm(belongs_to, from = "case_note_id", to = "id")]
    pub case_note: BelongsTo<Option<super::case_note::Entity>>,
    #[sea_orm(belongs_to, relation_enum = "Owner", from = "owner_id", to = "id")]
    pub owner: BelongsTo<super::person::Entity>,
    #[sea_orm(
        self_ref,
        relation_enum = "CarriedFrom",
        from = "carried_from_id",
        to = "id"
    )]
    pub carried_from: BelongsTo<Option<Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
