//! Exceptional, time-limited access to record content (auditor, inspector, investigating
//! officer), approved by the trust safeguarding lead with a stated reason.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "access_grant")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub trust_id: Uuid,
    pub grantee_id: Uuid,
    pub granted_by: Uuid,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// Grants every record where this person is a party; otherwise the listed records only.
    pub subject_person_id: Option<Uuid>,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "trust_id", to = "id")]
    pub trust: BelongsTo<super::trust::Entity>,
    #[sea_orm(belongs_to, relation_enum = "Grantee", from = "grantee_id", to = "id")]
    pub grantee: BelongsTo<super::person::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "GrantedBy",
        from = "granted_by",
        to = "id"
    )]
    pub granter: BelongsTo<super::person::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "SubjectPerson",
        from = "subject_person_id",
        to = "id"
    )]
    pub subject_person: BelongsTo<Option<super::person::Entity>>,
    #[sea_orm(
        belongs_to,
        relation_enum = "RevokedBy",
        from = "revoked_by",
        to = "id"
    )]
    pub revoker: BelongsTo<Option<super::person::Entity>>,
    #[sea_orm(has_many)]
    pub records: HasMany<super::access_grant_record::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
