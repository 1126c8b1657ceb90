//! One run of the daily scan over one trust: the day it scanned, when, whether it succeeded and
//! what it did. Counts and rule names only, never a person or a record.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "scan_run")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    /// The day the scan judged (its `as_of`), not the day it ran.
    pub scanned_on: Date,
    pub started_at: DateTimeUtc,
    pub finished_at: DateTimeUtc,
    /// succeeded | failed
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub outcome: String,
    /// Why a failed run failed, as the store reported it: names tables, fields and ids, never
    /// their content.
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub qa_reviews_created: i32,
    /// Agreement renewals drafted because their review drew near.
    pub renewals_drafted: i32,
    pub reminders_due: i32,
    /// Of those, how many this run put in the outbox (the rest an earlier run had).
    pub notifications_queued: i32,
    /// Rules that could not be judged for an academy (its policy or calendar missing).
    pub skipped: i32,
    /// `{ rule: queued }` for the rules that queued anything.
    #[sea_orm(column_type = "JsonBinary")]
    pub queued_by_rule: Json,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
