//! The agenda a supervisee sends before a session (one per session).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "agenda")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    #[sea_orm(unique)]
    pub session_id: Uuid,
    pub submitted_by: Uuid,
    #[sea_orm(column_type = "JsonBinary")]
    pub items: Json,
    /// None while a draft; the 7-day deadline reads this.
    pub submitted_at: Option<DateTimeUtc>,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<super::academy::Entity>,
    #[sea_orm(belongs_to, from = "session_id", to = "id")]
    pub session: BelongsTo<super::supervision_session::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "SubmittedBy",
        from = "submitted_by",
        to = "id"
    )]
    pub submitter: BelongsTo<super::person::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
