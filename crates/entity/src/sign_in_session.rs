//! A signed-in browser. The cookie holds the trust, the session id and a secret; the row keeps
//! only the secret's SHA-256, so a copy of the database signs nobody in.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "sign_in_session")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub person_id: Uuid,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub token_hash: String,
    /// Sent back by the page with every state-changing request made with the cookie.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub csrf_token: String,
    pub origin: String,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    /// The absolute end, however active the session is.
    pub expires_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, from = "person_id", to = "id")]
    pub person: BelongsTo<super::person::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
