//! One email to send (or sent): the notifier's durable record of delivery. The idempotency key
//! stops two schedulers, or a retried job, from sending the same reminder twice.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "notification_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub idempotency_key: String,
    /// The reminder rule that fired, e.g. `record_not_sent`.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub rule: String,
    /// What the email is about (session, record, agreement, …) and its id, for the link.
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub due_on: Date,
    pub recipient_id: Uuid,
    /// queued | sending | sent | failed | bounced | suppressed | in_digest
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub status: String,
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub smtp_response: Option<String>,
    pub message_id: Option<String>,
    pub queued_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub next_attempt_at: Option<DateTimeUtc>,
    /// What a calendar invite says (`rule` = `session_invite`), fixed when the change was made.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub payload: Option<Json>,
    /// For a reminder folded into a daily digest (`in_digest`), the digest row's key.
    pub digest_key: Option<String>,
    /// When the current send began: a row `sending` long after it was not recorded.
    pub sending_at: Option<DateTimeUtc>,
    /// The address the message went to, as it was when sent.
    pub delivered_to: Option<String>,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Recipient",
        from = "recipient_id",
        to = "id"
    )]
    pub recipient: BelongsTo<super::person::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
