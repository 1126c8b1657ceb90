//! Reminders about a deadline count from that deadline (issue 14): the agenda's, the record's
//! send and signing deadlines and the QA review's. Before, their offsets counted from the
//! session's date, the day the record was sent and the review's due date, beside the deadline
//! settings, so the two could drift apart. Each stored offset of those six rules moves by the
//! days between its old anchor and its deadline, so every reminder still falls on the day it did:
//!
//! | rule | old anchor | deadline | moved by |
//! |---|---|---|---|
//! | agenda_due | session | session − `agenda_days_before` | + `agenda_days_before` |
//! | record_not_sent, record_not_sent_overdue | session | session + `record_send_days` | − `record_send_days` |
//! | record_unsigned, record_unsigned_overdue | sent | sent + `record_sign_days` | − `record_sign_days` |
//! | qa_overdue | due date | due date + `qa_overdue_days` | − `qa_overdue_days` |
//!
//! A trust default that names no reminder table took the built-in one, whose offsets change with
//! this release, so it is given the table it had, moved. An academy override is moved by its own
//! deadline days (its own where it names them, else its trust's); where those differ from the
//! trust's and the academy takes one of these rules from the trust, the override now names that
//! rule, moved by the academy's days, so its reminders stay on their days too. `down` moves them
//! back the same way. On PostgreSQL the rows sit behind row-level security, so each trust is
//! named in turn.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseBackend, JsonValue, QueryResult, Statement,
};
use serde_json::json;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        move_offsets(manager, Direction::ToDeadlines).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        move_offsets(manager, Direction::FromDeadlines).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Old offsets (from the session, the sending, the due date) to offsets from the deadline.
    ToDeadlines,
    /// Back again.
    FromDeadlines,
}

/// A built-in rule: its name, its offsets before and after this migration, and its recipients.
type BuiltInRule = (
    &'static str,
    &'static [i64],
    &'static [i64],
    &'static [&'static str],
);

/// The built-in reminder table.
const BUILT_IN: [BuiltInRule; 17] = [
    ("agenda_due", &[-9, -7], &[-2, 0], &["supervisees"]),
    ("session_tomorrow", &[-1], &[-1], &["every_party"]),
    ("session_unconfirmed", &[1], &[1], &["supervisor"]),
    ("record_not_sent", &[10], &[-4], &["supervisor"]),
    (
        "record_not_sent_overdue",
        &[15],
        &[1],
        &["supervisor", "trust_lead"],
    ),
    ("record_unsigned", &[10], &[-4], &["parties_yet_to_sign"]),
    ("record_unsigned_overdue", &[14], &[0], &["every_party"]),
    ("not_reheld", &[1], &[1], &["every_party", "trust_lead"]),
    (
        "supervision_overdue",
        &[1],
        &[1],
        &["supervisor", "supervisees", "regional_lead"],
    ),
    ("action_due", &[-3], &[-3], &["action_owner"]),
    (
        "action_overdue",
        &[1],
        &[1],
        &["action_owner", "supervisor"],
    ),
    ("agreement_review_due", &[-30], &[-30], &["every_party"]),
    ("agreement_review_overdue", &[1], &[1], &["every_party"]),
    ("qa_due", &[0], &[0], &["director_of_education"]),
    (
        "qa_overdue",
        &[30],
        &[0],
        &["director_of_education", "trust_lead"],
    ),
    ("training_expiring", &[-60], &[-60], &["trained_person"]),
    (
        "training_expired",
        &[1],
        &[1],
        &["trained_person", "trust_lead"],
    ),
];

/// The deadline settings, with the built-in values where a row names none.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Deadlines {
    agenda_days_before: i64,
    record_send_days: i64,
    record_sign_days: i64,
    qa_overdue_days: i64,
}

impl Deadlines {
    const BUILT_IN: Self = Self {
        agenda_days_before: 7,
        record_send_days: 14,
        record_sign_days: 14,
        qa_overdue_days: 30,
    };

    /// The row's own values, else `inherited`'s.
    fn of(settings: &JsonValue, inherited: Self) -> Self {
        let read = |key: &str, fallback: i64| {
            settings
                .get(key)
                .and_then(JsonValue::as_i64)
                .unwrap_or(fallback)
        };
        Self {
            agenda_days_before: read("agenda_days_before", inherited.agenda_days_before),
            record_send_days: read("record_send_days", inherited.record_send_days),
            record_sign_days: read("record_sign_days", inherited.record_sign_days),
            qa_overdue_days: read("qa_overdue_days", inherited.qa_overdue_days),
        }
    }

    /// Days from a rule's old anchor to its deadline; `None` for the rules that do not move.
    fn to_deadline(self, rule: &str) -> Option<i64> {
        match rule {
            "agenda_due" => Some(-self.agenda_days_before),
            "record_not_sent" | "record_not_sent_overdue" => Some(self.record_send_days),
            "record_unsigned" | "record_unsigned_overdue" => Some(self.record_sign_days),
            "qa_overdue" => Some(self.qa_overdue_days),
            _ => None,
        }
    }
}

/// The built-in table as it reads on the side of `direction` it starts from.
fn built_in(direction: Direction) -> Vec<JsonValue> {
    BUILT_IN
        .iter()
        .map(|(rule, before, after, recipients)| {
            let offsets = match direction {
                Direction::ToDeadlines => before,
                Direction::FromDeadlines => after,
            };
            json!({ "rule": rule, "offsets_days": offsets, "recipients": recipients })
        })
        .collect()
}

fn rule_name(rule: &JsonValue) -> Option<&str> {
    rule.get("rule").and_then(JsonValue::as_str)
}

/// The rule moved by `deadlines` in `direction`; a rule that does not move is left as it is.
fn moved(rule: &JsonValue, deadlines: Deadlines, direction: Direction) -> JsonValue {
    let Some(shift) = rule_name(rule).and_then(|name| deadlines.to_deadline(name)) else {
        return rule.clone();
    };
    let shift = match direction {
        Direction::ToDeadlines => -shift,
        Direction::FromDeadlines => shift,
    };
    let mut rule = rule.clone();
    if let Some(offsets) = rule
        .get_mut("offsets_days")
        .and_then(JsonValue::as_array_mut)
    {
        for offset in offsets.iter_mut() {
            if let Some(days) = offset.as_i64() {
                *offset = json!(days + shift);
            }
        }
    }
    rule
}

/// A policy row: its id and its settings.
struct Row {
    id: Uuid,
    settings: JsonValue,
}

/// One trust's rows moved: its default and its academies' overrides, with the rows that changed.
fn move_trust(trust: Option<Row>, academies: Vec<Row>, direction: Direction) -> Vec<Row> {
    let trust_deadlines = trust.as_ref().map_or(Deadlines::BUILT_IN, |row| {
        Deadlines::of(&row.settings, Deadlines::BUILT_IN)
    });
    // The trust's table as the old reading applied it: its own, else the built-in one.
    let trust_rules: Vec<JsonValue> = trust
        .as_ref()
        .and_then(|row| row.settings.get("reminders"))
        .and_then(JsonValue::as_array)
        .cloned()
        .unwrap_or_else(|| built_in(direction));
    let mut changed = Vec::new();
    if let Some(mut row) = trust {
        let rules: Vec<JsonValue> = trust_rules
            .iter()
            .map(|rule| moved(rule, trust_deadlines, direction))
            .collect();
        if let Some(settings) = row.settings.as_object_mut() {
            settings.insert("reminders".to_owned(), JsonValue::Array(rules));
            changed.push(row);
        }
    }
    for mut row in academies {
        let deadlines = Deadlines::of(&row.settings, trust_deadlines);
        let Some(settings) = row.settings.as_object_mut() else {
            continue;
        };
        let mut rules: Vec<JsonValue> = settings
            .get("reminders")
            .and_then(JsonValue::as_array)
            .map(|own| {
                own.iter()
                    .map(|rule| moved(rule, deadlines, direction))
                    .collect()
            })
            .unwrap_or_default();
        let named = settings.contains_key("reminders");
        for inherited in &trust_rules {
            let Some(name) = rule_name(inherited) else {
                continue;
            };
            let differs = deadlines.to_deadline(name) != trust_deadlines.to_deadline(name);
            let own = settings
                .get("reminders")
                .and_then(JsonValue::as_array)
                .is_some_and(|own| own.iter().any(|rule| rule_name(rule) == Some(name)));
            if differs && !own {
                rules.push(moved(inherited, deadlines, direction));
            }
        }
        if named || !rules.is_empty() {
            settings.insert("reminders".to_owned(), JsonValue::Array(rules));
            changed.push(row);
        }
    }
    changed
}

fn row_of(result: &QueryResult) -> Result<(Row, Option<Uuid>), DbErr> {
    Ok((
        Row {
            id: result.try_get("", "id")?,
            settings: result.try_get("", "settings")?,
        },
        result.try_get("", "academy_id")?,
    ))
}

async fn move_offsets(manager: &SchemaManager<'_>, direction: Direction) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = manager.get_database_backend();
    let trusts = conn
        .query_all_raw(Statement::from_string(backend, "SELECT id FROM trust"))
        .await?;
    for trust in trusts {
        let trust_id: Uuid = trust.try_get("", "id")?;
        if backend == DatabaseBackend::Postgres {
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                "SELECT set_config('app.trust_id', $1, true)",
                [trust_id.to_string().into()],
            ))
            .await?;
        }
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                "SELECT id, academy_id, settings FROM policy_setting WHERE trust_id = $1",
                [trust_id.into()],
            ))
            .await?;
        let mut default = None;
        let mut academies = Vec::new();
        for result in &rows {
            match row_of(result)? {
                (row, None) => default = Some(row),
                (row, Some(_)) => academies.push(row),
            }
        }
        for row in move_trust(default, academies, direction) {
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                "UPDATE policy_setting SET settings = $1 WHERE id = $2",
                [row.settings.into(), row.id.into()],
            ))
            .await?;
        }
    }
    if backend == DatabaseBackend::Postgres {
        conn.execute_unprepared("SELECT set_config('app.trust_id', '', true)")
            .await?;
    }
    Ok(())
}
