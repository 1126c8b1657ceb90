//! A member of staff (or external supervisor) known to a trust.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub display_name: String,
    #[sea_orm(column_type = "String(StringLen::N(320))")]
    pub email: String,
    pub job_title: Option<String>,
    /// immediate | digest
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub notification_preference: String,
    /// Whether the person receives the reminders that may be switched off.
    pub optional_reminders: bool,
    /// The `sub` claim of the person's identity provider, bound at first sign-in.
    pub oidc_subject: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(has_many)]
    pub role_assignments: HasMany<super::role_assignment::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
