//! The walls between trusts and between academies, at the store.

use haven_entity as e;
use haven_store::StoreError;
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

use crate::harness::{Tenants, TestDb, at, backends};

#[tokio::test]
async fn a_session_of_another_trust_is_not_found_as_if_it_did_not_exist() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        let dsl_b = tenants.scope_b(&t.db, tenants.dsl_b1).await;
        let read = t.db.read(&dsl_b).await.unwrap();
        let foreign = read
            .find::<e::supervision_session::Entity>(tenants.session_a1)
            .await;
        let missing = read
            .find::<e::supervision_session::Entity>(Uuid::now_v7())
            .await;
        assert!(matches!(foreign, Err(StoreError::NotFound)), "{backend:?}");
        assert!(matches!(missing, Err(StoreError::NotFound)), "{backend:?}");
        assert!(
            read.list::<e::person::Entity>()
                .await
                .unwrap()
                .iter()
                .all(|p| p.trust_id == tenants.trust_b),
            "{backend:?}: a person of trust A listed to trust B"
        );
        read.finish().await.unwrap();
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_dsl_sees_their_own_academy_and_not_the_next_one_in_the_trust() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        let dsl = tenants.scope_a(&t.db, tenants.dsl_a1).await;
        let read = t.db.read(&dsl).await.unwrap();
        read.find::<e::supervision_session::Entity>(tenants.session_a1)
            .await
            .unwrap();
        assert!(matches!(
            read.find::<e::supervision_session::Entity>(tenants.session_a2)
                .await,
            Err(StoreError::NotFound)
        ));
        let sessions = read.list::<e::supervision_session::Entity>().await.unwrap();
        assert_eq!(
            sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
            vec![tenants.session_a1],
            "{backend:?}"
        );
        let academies = read.list::<e::academy::Entity>().await.unwrap();
        assert_eq!(academies.len(), 1, "{backend:?}");
        read.finish().await.unwrap();
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_regional_lead_sees_every_academy_of_the_region_and_a_trust_lead_the_whole_trust() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        for person in [tenants.rsl_a, tenants.lead_a] {
            let scope = tenants.scope_a(&t.db, person).await;
            let read = t.db.read(&scope).await.unwrap();
            let mut seen: Vec<Uuid> = read
                .list::<e::supervision_session::Entity>()
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.id)
                .collect();
            seen.sort();
            let mut expected = vec![tenants.session_a1, tenants.session_a2];
            expected.sort();
            assert_eq!(seen, expected, "{backend:?}");
            read.finish().await.unwrap();
        }
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_write_into_another_trust_or_academy_is_refused_and_leaves_nothing_behind() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        let dsl = tenants.scope_a(&t.db, tenants.dsl_a1).await;
        for (trust_id, academy_id) in [
            (tenants.trust_b, tenants.academy_b1),
            (tenants.trust_a, tenants.academy_a2),
        ] {
            let mut tx = t.db.write(&dsl, at(2026, 1, 12)).await.unwrap();
            let refused = tx
                .insert(e::term_date::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    trust_id: Set(trust_id),
                    academy_id: Set(academy_id),
                    academic_year: Set(2025),
                    half_term: Set(1),
                    starts_on: Set(chrono::NaiveDate::from_ymd_opt(2025, 9, 3).unwrap()),
                    ends_on: Set(chrono::NaiveDate::from_ymd_opt(2025, 10, 24).unwrap()),
                })
                .await;
            assert!(
                matches!(refused, Err(StoreError::OutOfScope { .. })),
                "{backend:?}: {refused:?}"
            );
            drop(tx);
        }
        let lead = tenants.scope_a(&t.db, tenants.lead_a).await;
        let read = t.db.read(&lead).await.unwrap();
        assert!(
            read.list::<e::term_date::Entity>()
                .await
                .unwrap()
                .is_empty()
        );
        read.finish().await.unwrap();
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_person_is_not_in_a_trust_they_do_not_belong_to() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        let scope = haven_store::Scope::for_person(
            &t.db,
            tenants.trust_a,
            tenants.dsl_b1,
            haven_store::Origin::Cli,
            crate::harness::tenants_today(),
        )
        .await;
        assert!(matches!(scope, Err(StoreError::NotFound)), "{backend:?}");
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_trust_lead_sees_nothing_of_another_trust() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        let lead = tenants.scope_a(&t.db, tenants.lead_a).await;
        let read = t.db.read(&lead).await.unwrap();
        assert!(matches!(
            read.find::<e::supervision_session::Entity>(tenants.session_b1)
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            read.find::<e::academy::Entity>(tenants.academy_b1).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            read.find::<e::person::Entity>(tenants.dsl_b1).await,
            Err(StoreError::NotFound)
        ));
        read.finish().await.unwrap();
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_headteacher_and_a_dsl_write_only_into_their_own_academy() {
    for backend in backends() {
        let t = TestDb::migrated(backend).await;
        let tenants = Tenants::create(&t.db).await;
        for (person, own, other) in [
            (tenants.head_a1, tenants.academy_a1, tenants.academy_a2),
            (tenants.dsl_a2, tenants.academy_a2, tenants.academy_a1),
        ] {
            let scope = tenants.scope_a(&t.db, person).await;
            let term = |academy_id| e::term_date::ActiveModel {
                id: Set(Uuid::now_v7()),
                trust_id: Set(tenants.trust_a),
                academy_id: Set(academy_id),
                academic_year: Set(2026),
                half_term: Set(1),
                starts_on: Set(chrono::NaiveDate::from_ymd_opt(2026, 9, 2).unwrap()),
                ends_on: Set(chrono::NaiveDate::from_ymd_opt(2026, 10, 23).unwrap()),
            };
            let mut tx = t.db.write(&scope, at(2026, 1, 12)).await.unwrap();
            tx.insert(term(own)).await.unwrap();
            assert!(matches!(
                tx.insert(term(other)).await,
                Err(StoreError::OutOfScope { .. })
            ));
            tx.commit().await.unwrap();
        }
        t.drop_database().await;
    }
}
