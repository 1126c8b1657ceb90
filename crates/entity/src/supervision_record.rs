//! The written record of a session (Appendix 2 with Gibbs' cycle). Frozen once every party has
//! signed; later changes are amendments.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "supervision_record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    #[sea_orm(unique)]
    pub session_id: Uuid,
    pub author_id: Uuid,
    /// draft | sent | signed
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub status: String,
    /// Appendix 2 sections and Gibbs' reflective cycle; the store owns the shape.
    #[sea_orm(column_type = "JsonBinary")]
    pub content: Json,
    /// SHA-256 (hex) of the canonical content as sent for signature (after amendments, as amended).
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub content_hash: Option<String>,
    /// When the record was entered as sent (sent in Haven, this is when it was sent).
    pub sent_at: Option<DateTimeUtc>,
    /// The day it was sent, when entered after the fact; null when sent in Haven (the day of
    /// `sent_at`).
    pub sent_on: Option<Date>,
    /// Where the paper original is kept, for a record sent and signed on paper.
    #[sea_orm(column_type = "Text", nullable)]
    pub paper_original: Option<String>,
    pub frozen_at: Option<DateTimeUtc>,
    pub next_session_on: Option<Date>,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<super::academy::Entity>,
    #[sea_orm(belongs_to, from = "session_id", to = "id")]
    pub session: BelongsTo<super::supervision_session::Entity>,
    #[sea_orm(belongs_to, relation_enum = "Author", from = "author_id", to = "id")]
    pub author: BelongsTo<super::person::Entity>,
    #[sea_orm(has_many)]
    pub signatures: HasMany<super::record_signature::Entity>,
    #[sea_orm(has_many)]
    pub amendments: HasMany<super::record_amendment::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
