//! A supervision session: planned, then held or cancelled.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "supervision_session")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub academy_id: Uuid,
    pub agreement_id: Uuid,
    /// formal | group | extended | ad_hoc
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub kind: String,
    /// in_person | video | phone
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub mode: String,
    /// planned | held | cancelled
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub status: String,
    pub starts_at: DateTimeUtc,
    pub duration_minutes: i32,
    pub location: Option<String>,
    /// When the supervisor marked it held: compliance clocks know it as held from then.
    pub held_marked_at: Option<DateTimeUtc>,
    /// The day it was held (London), which may come before it was marked so; null on rows
    /// marked before dated entries, which were held on the day of `starts_at`.
    pub held_on: Option<Date>,
    /// When it was entered as cancelled.
    pub cancelled_at: Option<DateTimeUtc>,
    /// The day it was cancelled (London), which may come before `cancelled_at`; null on rows
    /// cancelled before dated entries, cancelled on the day of `cancelled_at`.
    pub cancelled_on: Option<Date>,
    pub cancelled_by: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub cancel_reason: Option<String>,
    /// The cancelled session this one re-holds.
    pub rebooking_of_id: Option<Uuid>,
    /// A rebooking that falls after its chain's re-hold deadline: accepted, and shown as late.
    pub rebooked_late: bool,
    /// A short note on an ad hoc session, which owes no agenda and no record.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// iCalendar SEQUENCE, bumped on every change sent to attendees.
    pub ical_sequence: i32,
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
        relation_enum = "CancelledBy",
        from = "cancelled_by",
        to = "id"
    )]
    pub canceller: BelongsTo<Option<super::person::Entity>>,
    #[sea_orm(
        self_ref,
        relation_enum = "RebookingOf",
        from = "rebooking_of_id",
        to = "id"
    )]
    pub rebooking_of: BelongsTo<Option<Entity>>,
    #[sea_orm(has_many)]
    pub attendees: HasMany<super::session_attendee::Entity>,
    #[sea_orm(has_many)]
    pub case_notes: HasMany<super::case_note::Entity>,
    #[sea_orm(has_one)]
    pub agenda: HasOne<super::agenda::Entity>,
    #[sea_orm(has_one)]
    pub record: HasOne<super::supervision_record::Entity>,
    #[sea_orm(has_many)]
    pub actions: HasMany<super::supervision_action::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
