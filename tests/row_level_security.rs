//! The second wall, on PostgreSQL: row-level security keeps a query that forgot its trust filter
//! inside the trust its transaction named, even though it reaches past the store. The services'
//! connection here is the harness's app role, as in production: it owns no table.

#![allow(
    clippy::disallowed_methods,
    reason = "row-level security is tried over the bare connection, past the store"
)]

use std::collections::BTreeSet;

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, Statement,
    TransactionTrait,
};
use uuid::Uuid;

use crate::harness::{Backend, Tenants, TestDb, backends};

const PG: DatabaseBackend = DatabaseBackend::Postgres;

/// The migrated database and its trusts, when a PostgreSQL server is named (SQLite has no RLS).
async fn postgres_with_tenants() -> Option<(TestDb, Tenants)> {
    if !backends().contains(&Backend::Postgres) {
        return None;
    }
    let t = TestDb::migrated(Backend::Postgres).await;
    let tenants = Tenants::create(&t.db).await;
    Some((t, tenants))
}

/// A transaction on the app's own connection that names `trust`, as the store's do.
async fn in_trust(app: &DatabaseConnection, trust: &str) -> DatabaseTransaction {
    let txn = app.begin().await.unwrap();
    txn.execute_raw(Statement::from_sql_and_values(
        PG,
        "SELECT set_config('app.trust_id', $1, true)",
        [trust.into()],
    ))
    .await
    .unwrap();
    txn
}

/// Every session's (id, trust) the connection can see, with no trust filter of its own.
async fn unfiltered_sessions<C: ConnectionTrait>(conn: &C) -> Vec<(Uuid, Uuid)> {
    conn.query_all_raw(Statement::from_string(
        PG,
        "SELECT id, trust_id FROM supervision_session",
    ))
    .await
    .unwrap()
    .iter()
    .map(|row| {
        (
            row.try_get::<Uuid>("", "id").unwrap(),
            row.try_get::<Uuid>("", "trust_id").unwrap(),
        )
    })
    .collect()
}

#[tokio::test]
async fn a_query_that_forgot_its_trust_filter_still_sees_only_its_own_trust() {
    let Some((t, tenants)) = postgres_with_tenants().await else {
        return;
    };
    let txn = in_trust(t.db.schema_connection(), &tenants.trust_a.to_string()).await;
    let seen = unfiltered_sessions(&txn).await;
    txn.commit().await.unwrap();
    // The rows are there: the owner here is the server's superuser, whom the policy does not hold.
    let all = unfiltered_sessions(&t.owner).await;
    assert!(all.iter().any(|(id, _)| *id == tenants.session_b1));
    assert_eq!(
        seen.into_iter().collect::<BTreeSet<_>>(),
        all.into_iter()
            .filter(|(_, trust)| *trust == tenants.trust_a)
            .collect::<BTreeSet<_>>()
    );
    t.drop_database().await;
}

#[tokio::test]
async fn a_query_in_no_trust_sees_no_tenant_rows() {
    let Some((t, tenants)) = postgres_with_tenants().await else {
        return;
    };
    let app = t.db.schema_connection();
    assert!(unfiltered_sessions(app).await.is_empty());
    // What a pooled connection reads once an earlier transaction's trust has gone with its commit.
    let txn = in_trust(app, "").await;
    assert!(unfiltered_sessions(&txn).await.is_empty());
    txn.commit().await.unwrap();
    // And the trust a transaction named does not outlive it on its connection.
    let txn = in_trust(app, &tenants.trust_a.to_string()).await;
    txn.commit().await.unwrap();
    assert!(unfiltered_sessions(app).await.is_empty());
    t.drop_database().await;
}

#[tokio::test]
async fn a_row_of_another_trust_cannot_be_written_in_this_trusts_transaction() {
    let Some((t, tenants)) = postgres_with_tenants().await else {
        return;
    };
    let txn = in_trust(t.db.schema_connection(), &tenants.trust_a.to_string()).await;
    let written = txn
        .execute_raw(Statement::from_sql_and_values(
            PG,
            "INSERT INTO region (id, trust_id, name, created_at) VALUES ($1, $2, 'South', now())",
            [Uuid::now_v7().into(), tenants.trust_b.into()],
        ))
        .await;
    let error = written.unwrap_err().to_string();
    assert!(error.contains("row-level security"), "{error}");
    txn.rollback().await.unwrap();
    t.drop_database().await;
}

/// Runs `sql` against trust A's audit log as the app would.
async fn tamper(t: &TestDb, trust: Uuid, sql: &str) -> Result<(), DbErr> {
    let txn = in_trust(t.db.schema_connection(), &trust.to_string()).await;
    txn.execute_raw(Statement::from_sql_and_values(PG, sql, [trust.into()]))
        .await?;
    txn.commit().await
}

#[tokio::test]
async fn the_services_cannot_change_or_remove_audit_entries() {
    let Some((t, tenants)) = postgres_with_tenants().await else {
        return;
    };
    for sql in [
        "UPDATE audit_log SET actor_label = 'someone else' WHERE trust_id = $1",
        "DELETE FROM audit_log WHERE trust_id = $1",
    ] {
        let error = tamper(&t, tenants.trust_a, sql)
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("permission denied"), "{sql}: {error}");
    }
    haven_store::audit::verify(&t.db, tenants.trust_a)
        .await
        .unwrap();
    t.drop_database().await;
}

#[tokio::test]
async fn every_table_with_a_trust_id_is_behind_a_forced_tenant_policy() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let t = TestDb::migrated(Backend::Postgres).await;
    let unprotected: Vec<String> = t
        .owner
        .query_all_raw(Statement::from_string(
            PG,
            "SELECT c.relname AS name FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'trust_id' \
             WHERE c.relkind = 'r' AND NOT (c.relrowsecurity AND c.relforcerowsecurity \
               AND EXISTS (SELECT FROM pg_policy p \
                           WHERE p.polrelid = c.oid AND p.polname = 'tenant_isolation')) \
             ORDER BY 1",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect();
    assert!(
        unprotected.is_empty(),
        "tenant tables without row-level security (call common::isolate_by_trust in the \
         migration that creates them): {unprotected:?}"
    );
    t.drop_database().await;
}
