//! A supervision agreement (contract), one row per version. Renewal inserts a new version with the
//! same `lineage_id`; the old version stays so its sessions still count.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "agreement")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    /// The first version's id, shared by every version: the QA rhythm counts from it.
    pub lineage_id: Uuid,
    pub version: i32,
    pub previous_version_id: Option<Uuid>,
    /// one_to_one | group | external
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub kind: String,
    pub supervisor_id: Uuid,
    /// draft | active | superseded | ended
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub status: String,
    /// weekly | every_n_weeks | half_termly | termly
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub plan_cadence: String,
    /// N for `every_n_weeks`.
    pub plan_weeks: Option<i32>,
    pub extended_each_half_term: bool,
    /// The floor below which a supervisee is overdue, as `Cadence::code` writes it
    /// (`every_4_weeks`, `half_termly`...): a term of the agreement, defaulted from the academy's
    /// policy when drafted.
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub minimum: String,
    pub session_minutes: i32,
    pub max_cases_per_session: Option<i32>,
    pub agenda_required: bool,
    #[sea_orm(column_type = "Text")]
    pub standard_agenda: String,
    #[sea_orm(column_type = "Text")]
    pub records_location: String,
    #[sea_orm(column_type = "Text")]
    pub confidentiality_terms: String,
    #[sea_orm(column_type = "Text")]
    pub diversity_terms: String,
    /// The day of the second signature.
    pub activated_on: Option<Date>,
    pub review_due_on: Option<Date>,
    /// The day it was superseded or ended; sessions held before it still count.
    pub ended_on: Option<Date>,
    /// SHA-256 (hex) of the canonical content both parties sign.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub content_hash: Option<String>,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<super::academy::Entity>,
    #[sea_orm(belongs_to, from = "supervisor_id", to = "id")]
    pub supervisor: BelongsTo<super::person::Entity>,
    #[sea_orm(self_ref, relation_enum = "Lineage", from = "lineage_id", to = "id")]
    pub lineage: BelongsTo<Entity>,
    #[sea_orm(
        self_ref,
        relation_enum = "PreviousVersion",
        from = "previous_version_id",
        to = "id"
    )]
    pub previous_version: BelongsTo<Option<Entity>>,
    #[sea_orm(has_many)]
    pub supervisees: HasMany<super::agreement_supervisee::Entity>,
    #[sea_orm(has_many)]
    pub signatures: HasMany<super::agreement_signature::Entity>,
    #[sea_orm(has_many)]
    pub sessions: HasMany<super::supervision_session::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
