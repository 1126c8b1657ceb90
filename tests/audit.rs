//! The audit log: written with every change, chained so a gap or an edit shows.

use haven_entity as e;
use haven_store::StoreError;
use haven_store::audit::{AuditEntry, verify};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::harness::{Tenants, TestDb, at, backends};

async fn entries(t: &TestDb, trust: uuid::Uuid) -> Vec<e::audit_log::Model> {
    e::audit_log::Entity::find()
        .filter(e::audit_log::Column::TrustId.eq(trust))
        .order_by_asc(e::audit_log::Column::Seq)
        .all(&t.owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_write_leaves_an_audit_entry_naming_who_and_what_without_content() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        let log = entries(&t, tenants.trust_a).await;
        let sessions: Vec<_> = log
            .iter()
            .filter(|row| row.entity == "supervision_session")
            .collect();
        assert_eq!(sessions.len(), 2, "{backend:?}");
        assert!(sessions.iter().all(|row| row.action == "create"
            && row.actor_label == "seed"
            && row.detail.get("digest").is_some()));
        assert!(
            log.iter()
                .all(|row| !row.detail.to_string().contains("Cases, actions")),
            "record content must never be copied into the audit log"
        );
        assert_eq!(
            verify(&t.db, tenants.trust_a).await.unwrap().entries,
            log.len() as i64
        );
        t.drop_database().await;
    }
}

#[tokio::test]
async fn an_edited_audit_entry_is_detected_at_its_place_in_the_chain() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        let victim = entries(&t, tenants.trust_a).await[3].clone();
        let edited = e::audit_log::Entity::update_many()
            .col_expr(
                e::audit_log::Column::ActorLabel,
                Expr::value("someone else"),
            )
            .filter(e::audit_log::Column::Id.eq(victim.id))
            .exec(&t.owner)
            .await
            .unwrap();
        assert_eq!(edited.rows_affected, 1);
        match verify(&t.db, tenants.trust_a).await {
            Err(StoreError::AuditBroken { seq, .. }) => assert_eq!(seq, victim.seq),
            other => panic!("{backend:?}: tampering not detected: {other:?}"),
        }
        // The other trust's chain is untouched.
        verify(&t.db, tenants.trust_b).await.unwrap();
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_removed_audit_entry_is_detected() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        let log = entries(&t, tenants.trust_a).await;
        for victim in [&log[2], log.last().unwrap()] {
            let removed = e::audit_log::Entity::delete_by_id(victim.id)
                .exec(&t.owner)
                .await
                .unwrap();
            assert_eq!(removed.rows_affected, 1);
            assert!(
                matches!(
                    verify(&t.db, tenants.trust_a).await,
                    Err(StoreError::AuditBroken { .. })
                ),
                "{backend:?}"
            );
        }
        t.drop_database().await;
    }
}

#[tokio::test]
async fn concurrent_writers_of_one_trust_keep_one_unbroken_chain() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        let lead = tenants.scope_a(&t.db, tenants.lead_a).await;
        let writers = (0..8).map(|i| {
            let db = t.db.clone();
            let scope = lead.clone();
            tokio::spawn(async move {
                let mut tx = db.write(&scope, at(2026, 1, 12)).await.unwrap();
                tx.audit(
                    AuditEntry::new("export", "supervision_record", None)
                        .with_reason(format!("case review {i}")),
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
            })
        });
        for writer in writers.collect::<Vec<_>>() {
            writer.await.unwrap();
        }
        let report = verify(&t.db, tenants.trust_a).await.unwrap();
        assert_eq!(
            report.entries,
            entries(&t, tenants.trust_a).await.len() as i64
        );
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_rolled_back_write_leaves_no_audit_entry() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        let before = entries(&t, tenants.trust_a).await.len();
        let lead = tenants.scope_a(&t.db, tenants.lead_a).await;
        let mut tx = t.db.write(&lead, at(2026, 1, 12)).await.unwrap();
        tx.audit(AuditEntry::new("export", "supervision_record", None))
            .await
            .unwrap();
        drop(tx);
        assert_eq!(entries(&t, tenants.trust_a).await.len(), before);
        verify(&t.db, tenants.trust_a).await.unwrap();
        t.drop_database().await;
    }
}
