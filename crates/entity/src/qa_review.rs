//! A quarterly quality-assurance review (Appendix 4) of an agreement lineage.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "qa_review")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    /// Reviews follow the lineage so renewals keep the 3-month rhythm.
    pub agreement_lineage_id: Uuid,
    /// The version current when the review fell due.
    pub agreement_id: Uuid,
    pub reviewer_id: Option<Uuid>,
    pub due_on: Date,
    /// When it was entered as completed.
    pub completed_at: Option<DateTimeUtc>,
    /// The day it was completed (London), which may come before `completed_at`; null on reviews
    /// completed before dated entries, on the day of `completed_at`.
    pub completed_on: Option<Date>,
    pub sessions_planned: Option<i32>,
    pub sessions_held: Option<i32>,
    pub contract_agreed: Option<bool>,
    pub written_records: Option<bool>,
    /// The yes/no checklist answers, keyed by item.
    #[sea_orm(column_type = "JsonBinary")]
    pub checklist: Json,
    #[sea_orm(column_type = "Text", nullable)]
    pub comments: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub key_actions: Option<String>,
    pub row_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "academy_id", to = "id")]
    pub academy: BelongsTo<super::academy::Entity>,
    #[sea_orm(belongs_to, from = "agreement_id", to = "id")]
    pub agreement: BelongsTo<super::agreement::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "AgreementLineage",
        from = "agreement_lineage_id",
        to = "id"
    )]
    pub agreement_lineage: BelongsTo<super::agreement::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Reviewer",
        from = "reviewer_id",
        to = "id"
    )]
    pub reviewer: BelongsTo<Option<super::person::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
