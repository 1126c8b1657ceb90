//! How a trust's people sign in: Microsoft Entra ID (by tenant), Google Workspace (by hosted
//! domain) or another OpenID provider (by issuer). Haven is one app registration per provider;
//! the row says which tenant or domain belongs to this trust.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "identity_provider")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    /// entra | google | oidc
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub kind: String,
    pub tenant_id: Option<String>,
    pub hosted_domain: Option<String>,
    pub issuer: Option<String>,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
