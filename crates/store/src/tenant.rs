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

/// A tenant table whose rows the generic scoped reads ([`crate::ReadTx::find`], `list`,
/// `list_where`) may return whole. The tables of content are not: a supervision record, its
/// amendments, its case notes and an agenda hold what was said about children, and are read
/// only by their own modules, through the access rule that decides who may read content and
/// audits the reading ([`crate::record`]), or without their content columns.
pub trait OpenTable: TenantTable {}

macro_rules! open_tables {
    ($($table:ident),* $(,)?) => {
        $(impl OpenTable for e::$table::Entity {})*
    };
}

open_tables!(
    academy,
    term_date,
    agreement,
    agreement_supervisee,
    agreement_signature,
    supervision_session,
    session_attendee,
    record_signature,
    supervision_action,
    escalation,
    qa_review,
    region,
    person,
    role_assignment,
    policy_setting,
    training_record,
    access_grant,
    access_grant_record,
    api_token,
    notification_outbox,
    identity_provider,
    pending_sign_in,
    sign_in_session,
    scan_run,
);

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// How a statement on a table starts, as this crate writes one: sea-orm's entity queries
    /// and sea-query's builders.
    const STARTS: [&str; 9] = [
        "::Entity::find()",
        "::Entity::find_by_id(",
        "::Entity::update_many()",
        "::Entity::delete_many()",
        "::Entity::update(",
        "::Entity::insert(",
        "::Entity::insert_many(",
        ".from(e::",
        ".from_as(e::",
    ];

    /// Statements that name no trust, with the reason each is still bound to one.
    const BOUND_ELSEWHERE: [(&str, &str, &str); 1] = [(
        "audit.rs",
        "audit_log",
        "the row is built by `audit::append` from the scope's trust and its chain",
    )];

    fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }

    /// The table a statement starting at `at` is on: the name before `::Entity` for an entity
    /// query, after `e::` for a builder's `from`.
    fn table_at(text: &str, at: usize, start: &str) -> String {
        if let Some(rest) = start.strip_prefix('.') {
            let name = &text[at + rest.len() + 1..];
            name.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        } else {
            let before = &text[..at];
            let name: String = before
                .chars()
                .rev()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            name.chars().rev().collect()
        }
    }

    /// On SQLite, the default engine, nothing but a statement's own filter keeps a trust's rows
    /// from another's (PostgreSQL adds row-level security). Every statement this crate writes
    /// on a table with a trust column goes through `scoped` (the scope's trust and academies) or
    /// names the trust itself before it is run.
    #[test]
    fn every_statement_on_a_tenant_table_names_the_scopes_trust() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root, &mut files);
        let mut unbound = Vec::new();
        let mut statements = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            for start in STARTS {
                for (at, _) in text.match_indices(start) {
                    let table = table_at(&text, at, start);
                    if table == "trust" || table.is_empty() {
                        continue;
                    }
                    statements += 1;
                    let rest = &text[at..];
                    // An entity query runs at its `.await`; a builder ends with its `;`.
                    let end = if start.starts_with('.') {
                        rest.find(';')
                    } else {
                        rest.find(".await")
                    }
                    .unwrap_or(rest.len());
                    let statement = &rest[..end];
                    let named = statement.contains("TrustId") || statement.contains("trust_id");
                    let excused = BOUND_ELSEWHERE
                        .iter()
                        .any(|(f, t, _)| *f == file && *t == table);
                    if !named && !excused {
                        let line = text[..at].lines().count();
                        let shown = path.strip_prefix(&root).unwrap_or(&path);
                        unbound.push(format!("{}:{line} ({table})", shown.display()));
                    }
                }
            }
        }
        assert!(statements > 50, "found only {statements} statements");
        assert!(
            unbound.is_empty(),
            "statements on tenant tables that name no trust: {unbound:#?}"
        );
    }
}
