//! Case notes (Appendix 3) for one case discussed at a session. A child is identified by the
//! trust's case reference and initials; a name, if stored at all, only encrypted.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "case_note")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    pub session_id: Uuid,
    /// The trust's own reference, e.g. the CPOMS student id.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub case_reference: String,
    #[sea_orm(column_type = "String(StringLen::N(8))")]
    pub child_initials: String,
    /// Ciphertext (nonce included); the key lives outside the database.
    #[sea_orm(column_type = "Blob", nullable)]
    pub child_name_encrypted: Option<Vec<u8>>,
    /// cp_plan | child_in_need | early_help | looked_after | de_escalated | cause_for_concern
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub case_status: String,
    #[sea_orm(column_type = "Text")]
    pub update_text: String,
    #[sea_orm(column_type = "Text")]
    pub childs_view: String,
    #[sea_orm(column_type = "Text")]
    pub parents_views: String,
    #[sea_orm(column_type = "Text")]
    pub visiting_pattern: String,
    pub logs_up_to_date: bool,
    pub chronology_up_to_date: bool,
    #[sea_orm(column_type = "Text")]
    pub risk_factors: String,
    #[sea_orm(column_type = "Text")]
    pub protective_factors: String,
    #[sea_orm(column_type = "Text")]
    pub outstanding_actions: String,
    pub created_by: Uuid,
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
        relation_enum = "CreatedBy",
        from = "created_by",
        to = "id"
    )]
    pub author: BelongsTo<super::person::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
