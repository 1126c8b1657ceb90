//! The schema: one migration set for both engines, all or nothing, never run by an older Haven.

#![allow(
    clippy::disallowed_methods,
    reason = "the migrations are checked over the bare connection the migrator uses"
)]

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

use crate::harness::{Tenants, TestDb, backends};

async fn has_table(t: &TestDb, table: &str) -> bool {
    let conn = &t.owner;
    let backend = conn.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Sqlite => {
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1"
        }
        _ => "SELECT 1 FROM information_schema.tables WHERE table_name = $1",
    };
    conn.query_one_raw(Statement::from_sql_and_values(backend, sql, [table.into()]))
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn migrations_run_on_an_empty_database_and_again_as_a_no_op() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        haven_migrations::migrate(&t.owner).await.unwrap();
        for table in [
            "trust",
            "supervision_session",
            "supervision_record",
            "audit_log",
        ] {
            assert!(has_table(&t, table).await, "{backend:?}: {table} missing");
        }
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_haven_is_refused_untouched() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        t.owner
            .execute_unprepared(
                "INSERT INTO seaql_migrations (version, applied_at) \
                 VALUES ('m20991231_000001_from_the_future', 0)",
            )
            .await
            .unwrap();
        let error = haven_migrations::migrate(&t.owner)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("newer"), "{backend:?}: {error}");
        assert!(
            error.contains("m20991231_000001_from_the_future"),
            "{error}"
        );
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_migration_that_fails_half_way_leaves_nothing_half_made() {
    for backend in backends() {
        let t = TestDb::empty(backend).await;
        // A table in the way makes the first migration fail after it has created others.
        t.owner
            .execute_unprepared("CREATE TABLE academy (id INTEGER)")
            .await
            .unwrap();
        assert!(haven_migrations::migrate(&t.owner).await.is_err());
        assert!(
            !has_table(&t, "trust").await,
            "{backend:?}: trust left behind"
        );
        assert!(
            !has_table(&t, "region").await,
            "{backend:?}: region left behind"
        );
        t.drop_database().await;
    }
}

#[tokio::test]
async fn the_services_connection_refuses_a_schema_that_is_not_exactly_this_havens() {
    for backend in backends() {
        let t = TestDb::empty(backend).await;
        let app = t.db.schema_connection();
        let error = haven_migrations::check(app).await.unwrap_err().to_string();
        assert!(
            error.contains("older") && error.contains("m20261123_000001_tenancy"),
            "{backend:?}: {error}"
        );
        haven_migrations::migrate(&t.owner).await.unwrap();
        haven_migrations::check(app).await.unwrap();
        t.owner
            .execute_unprepared(
                "INSERT INTO seaql_migrations (version, applied_at) \
                 VALUES ('m20991231_000001_from_the_future', 0)",
            )
            .await
            .unwrap();
        let error = haven_migrations::check(app).await.unwrap_err().to_string();
        assert!(error.contains("newer"), "{backend:?}: {error}");
        t.drop_database().await;
    }
}

/// A policy row written as the store writes one: the trust default or an academy's override.
async fn policy_row(t: &TestDb, trust: Uuid, academy: Option<Uuid>, minimum: &str) {
    policy_settings(t, trust, academy, serde_json::json!({ "minimum": minimum })).await;
}

/// A policy row holding `settings` as they are stored.
async fn policy_settings(
    t: &TestDb,
    trust: Uuid,
    academy: Option<Uuid>,
    settings: serde_json::Value,
) {
    use sea_orm::ActiveModelTrait;
    use sea_orm::ActiveValue::Set;
    haven_entity::policy_setting::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust),
        academy_id: Set(academy),
        scope_key: Set(academy.map_or_else(|| "trust".to_owned(), |id| id.to_string())),
        settings: Set(settings),
        row_version: Set(1),
        created_at: Set(crate::harness::now()),
        updated_at: Set(crate::harness::now()),
    }
    .insert(&t.owner)
    .await
    .unwrap();
}

#[tokio::test]
async fn agreements_from_before_the_minimum_was_a_term_take_their_academys_effective_minimum() {
    use haven_migrations::MigratorTrait;
    use sea_orm::EntityTrait;
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        // Trust A's default is termly and A1 overrides it to 4 weeks; trust B has no policy.
        policy_row(&t, tenants.trust_a, None, "termly").await;
        policy_row(
            &t,
            tenants.trust_a,
            Some(tenants.academy_a1),
            "every_4_weeks",
        )
        .await;
        // Back to before the policy readings: they and the dated entries, paper records and
        // reminders counted from deadlines after them.
        haven_migrations::Migrator::down(&t.owner, Some(4))
            .await
            .unwrap();
        haven_migrations::migrate(&t.owner).await.unwrap();
        let minimums: BTreeMap<Uuid, String> = haven_entity::agreement::Entity::find()
            .all(&t.owner)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.academy_id, a.minimum))
            .collect();
        assert_eq!(
            minimums,
            BTreeMap::from([
                (tenants.academy_a1, "every_4_weeks".to_owned()),
                (tenants.academy_a2, "termly".to_owned()),
                (tenants.academy_b1, "half_termly".to_owned()),
            ]),
            "{backend:?}"
        );
        t.drop_database().await;
    }
}

/// The stored settings of every policy row, by academy (`None` for a trust default) and trust.
async fn stored_policies(t: &TestDb) -> BTreeMap<(Uuid, Option<Uuid>), serde_json::Value> {
    use sea_orm::EntityTrait;
    haven_entity::policy_setting::Entity::find()
        .all(&t.owner)
        .await
        .unwrap()
        .into_iter()
        .map(|row| ((row.trust_id, row.academy_id), row.settings))
        .collect()
}

/// The day each reminder of `kind` falls on for an anchor `session_on`, as the effective policy
/// of `academy` works it out now that reminders count from their deadlines.
fn reminder_days(
    stored: &BTreeMap<(Uuid, Option<Uuid>), serde_json::Value>,
    trust: Uuid,
    academy: Uuid,
    kind: haven_domain::ReminderKind,
    session_on: chrono::NaiveDate,
) -> Vec<chrono::NaiveDate> {
    use haven_domain::{PolicyOverride, PolicySettings, ReminderKind};
    let trust_settings: PolicySettings = stored
        .get(&(trust, None))
        .map(|json| serde_json::from_value(json.clone()).unwrap())
        .unwrap_or_default();
    let change: PolicyOverride = stored
        .get(&(trust, Some(academy)))
        .map(|json| serde_json::from_value(json.clone()).unwrap())
        .unwrap_or_default();
    let policy = trust_settings.with_override(&change).unwrap();
    let deadline = match kind {
        ReminderKind::AgendaDue => policy.agenda_deadline(session_on),
        ReminderKind::RecordNotSent | ReminderKind::RecordNotSentOverdue => {
            policy.record_send_deadline(session_on)
        }
        ReminderKind::RecordUnsigned | ReminderKind::RecordUnsignedOverdue => {
            policy.record_sign_deadline(session_on)
        }
        ReminderKind::QaOverdue => policy.qa_deadline(session_on),
        _ => session_on,
    };
    policy
        .reminder(kind)
        .map(|rule| {
            rule.offsets_days
                .iter()
                .map(|offset| deadline + chrono::Duration::days(i64::from(*offset)))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn stored_reminder_offsets_move_to_their_deadlines_and_every_reminder_keeps_its_day() {
    use haven_domain::ReminderKind::*;
    use haven_migrations::MigratorTrait;
    use serde_json::json;
    let on = |day: i64| {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 10).unwrap() + chrono::Duration::days(day)
    };
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        haven_migrations::Migrator::down(&t.owner, Some(1))
            .await
            .unwrap();
        // As stored before: trust A signs within 10 days and reminds of it on the 10th day after
        // sending; its academy A1 wants agendas 3 days ahead and keeps the trust's reminders;
        // trust B sends records within 10 days and names no reminder table at all.
        let trust_a = json!({
            "record_sign_days": 10,
            "reminders": [
                { "rule": "record_unsigned_overdue", "offsets_days": [10], "recipients": ["every_party"] },
                { "rule": "agenda_due", "offsets_days": [-9, -7], "recipients": ["supervisees"] },
                { "rule": "qa_overdue", "offsets_days": [30, 40], "recipients": ["trust_lead"] }
            ]
        });
        policy_settings(&t, tenants.trust_a, None, trust_a.clone()).await;
        policy_settings(
            &t,
            tenants.trust_a,
            Some(tenants.academy_a1),
            json!({ "agenda_days_before": 3 }),
        )
        .await;
        policy_settings(&t, tenants.trust_b, None, json!({ "record_send_days": 10 })).await;
        haven_migrations::migrate(&t.owner).await.unwrap();

        let stored = stored_policies(&t).await;
        let (a, a1, a2, b, b1) = (
            tenants.trust_a,
            tenants.academy_a1,
            tenants.academy_a2,
            tenants.trust_b,
            tenants.academy_b1,
        );
        let days = |trust, academy, kind| reminder_days(&stored, trust, academy, kind, on(0));
        assert_eq!(days(a, a2, RecordUnsignedOverdue), [on(10)], "{backend:?}");
        assert_eq!(days(a, a1, RecordUnsignedOverdue), [on(10)], "{backend:?}");
        assert_eq!(days(a, a2, AgendaDue), [on(-9), on(-7)], "{backend:?}");
        assert_eq!(days(a, a1, AgendaDue), [on(-9), on(-7)], "{backend:?}");
        assert_eq!(days(a, a2, QaOverdue), [on(30), on(40)], "{backend:?}");
        assert_eq!(days(a, a2, RecordNotSent), NO_DAYS, "{backend:?}");
        assert_eq!(days(b, b1, RecordNotSent), [on(10)], "{backend:?}");
        assert_eq!(days(b, b1, RecordNotSentOverdue), [on(15)], "{backend:?}");
        assert_eq!(days(b, b1, RecordUnsigned), [on(10)], "{backend:?}");
        assert_eq!(days(b, b1, RecordUnsignedOverdue), [on(14)], "{backend:?}");
        assert_eq!(days(b, b1, AgendaDue), [on(-9), on(-7)], "{backend:?}");
        assert_eq!(days(b, b1, SessionTomorrow), [on(-1)], "{backend:?}");
        assert_eq!(
            stored[&(a, None)]["reminders"][0]["offsets_days"],
            json!([0]),
            "{backend:?}"
        );

        // And back: the trust's own table reads as it was stored.
        haven_migrations::Migrator::down(&t.owner, Some(1))
            .await
            .unwrap();
        let stored = stored_policies(&t).await;
        assert_eq!(
            stored[&(a, None)]["reminders"],
            trust_a["reminders"],
            "{backend:?}"
        );
        t.drop_database().await;
    }
}

const NO_DAYS: [chrono::NaiveDate; 0] = [];
