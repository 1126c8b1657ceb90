//! Which column of each tenant table holds its trust, and which its academy.

use haven_entity as e;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

use crate::scope::{AcademyVisibility, Scope};

/// A table whose rows belong to one trust (and, where it has an academy column, one academy).
pub trait TenantTable: EntityTrait {
    fn id_column() -> Self::Column;
    fn trust_column() -> Self::Column;
    /// `None` for rows that belong to the trust as a whole (people, regions, policy defaults).
    fn academy_column() -> Option<Self::Column>;
}

/// The rows of `E` that `scope` may see. The only way this crate starts a tenant query.
pub(crate) fn scoped<E: TenantTable>(scope: &Scope) -> Select<E> {
    let query = E::find().filter(E::trust_column().eq(scope.trust_id()));
    match (E::academy_column(), scope.academies()) {
        (Some(column), AcademyVisibility::Academies(visible)) => {
            query.filter(column.is_in(visible.iter().copied()))
        }
        _ => query,
    }
}

macro_rules! tenant_tables {
    (by_academy: $($academy_table:ident),* ; by_trust: $($trust_table:ident),* $(,)?) => {
        $(impl TenantTable for e::$academy_table::Entity {
            fn id_column() -> Self::Column { e::$academy_table::Column::Id }
            fn trust_column() -> Self::Column { e::$academy_table::Column::TrustId }
            fn academy_column() -> Option<Self::Column> { Some(e::$academy_table::Column::AcademyId) }
        })*
        $(impl TenantTable for e::$trust_table::Entity {
            fn id_column() -> Self::Column { e::$trust_table::Column::Id }
            fn trust_column() -> Self::Column { e::$trust_table::Column::TrustId }
            fn academy_column() -> Option<Self::Column> { None }
        })*
    };
}

tenant_tables!(
    by_academy: term_date, agreement, agreement_supervisee, agreement_signature,
        supervision_session, session_attendee, agenda, case_note, supervision_record,
        record_signature, record_amendment, supervision_action, escalation, qa_review;
    by_trust: region, person, role_assignment, policy_setting, training_record, access_grant,
        access_grant_record, api_token, notification_outbox, identity_provider, pending_sign_in,
        sign_in_session, scan_run,
);

/// An academy is its own academy: a person scoped to one sees only that one.
impl TenantTable for e::academy::Entity {
    fn id_column() -> Self::Column {
        e::academy::Column::Id
    }
    fn trust_column() -> Self::Column {
        e::academy::Column::TrustId
    }
    fn academy_column() -> Option<Self::Column> {
        Some(e::academy::Column::Id)
    }
}
