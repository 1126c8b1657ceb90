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
    use sea_orm::ActiveModelTrait;
    use sea_orm::ActiveValue::Set;
    haven_entity::policy_setting::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust),
        academy_id: Set(academy),
        scope_key: Set(academy.map_or_else(|| "trust".to_owned(), |id| id.to_string())),
        settings: Set(serde_json::json!({ "minimum": minimum })),
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
        // Back to before the policy readings: they and the dated entries and paper records after them.
        haven_migrations::Migrator::down(&t.owner, Some(3))
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
