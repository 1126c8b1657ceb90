//! What falls due beside sessions: open actions, agreement reviews, QA reviews and training.

use super::*;

#[tokio::test]
async fn an_open_action_reminds_its_owner_three_days_ahead_and_the_supervisor_too_the_day_after() {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let ours = agreement(db, a1, Agreement::new(w.supervisor, w.sam)).await;
        let met = session(db, a1, ours, date(2026, 1, 5), held(date(2026, 1, 5))).await;
        let due = date(2026, 2, 20);

        let open = action(db, a1, met, w.sam, due, None).await;
        let done = action(db, a1, met, w.sam, due, Some(date(2026, 2, 10))).await;
        let supervisors = action(db, a1, met, w.supervisor, due, None).await;

        scan_around(&w.app, &[date(2026, 2, 17), date(2026, 2, 21)]).await;

        let (sup, sam) = (w.supervisor, w.sam);
        let table = [
            expect(
                "the owner three days ahead",
                "action_due",
                "action",
                open,
                each(&[date(2026, 2, 17)], &[sam]),
            ),
            expect(
                "the owner and the supervisor the day after",
                "action_overdue",
                "action",
                open,
                each(&[date(2026, 2, 21)], &[sam, sup]),
            ),
            expect(
                "a done action is not reminded of",
                "action_due",
                "action",
                done,
                BTreeSet::new(),
            ),
            expect(
                "nor overdue",
                "action_overdue",
                "action",
                done,
                BTreeSet::new(),
            ),
            expect(
                "the supervisor owning it hears once",
                "action_overdue",
                "action",
                supervisors,
                each(&[date(2026, 2, 21)], &[sup]),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

#[tokio::test]
async fn an_active_agreement_reminds_both_parties_thirty_days_before_its_review_and_the_day_after()
{
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let review_on = date(2026, 3, 15);
        let active = agreement(
            db,
            a1,
            Agreement {
                review_on,
                ..Agreement::new(w.supervisor, w.sam)
            },
        )
        .await;
        let ended = agreement(
            db,
            a1,
            Agreement {
                review_on,
                ended_on: Some(date(2026, 2, 1)),
                ..Agreement::new(w.supervisor, w.sia)
            },
        )
        .await;

        scan_around(&w.app, &[date(2026, 2, 13), date(2026, 3, 16)]).await;

        let (sup, sam) = (w.supervisor, w.sam);
        let table = [
            expect(
                "both parties thirty days before",
                "agreement_review_due",
                "agreement",
                active,
                each(&[date(2026, 2, 13)], &[sup, sam]),
            ),
            expect(
                "both parties the day after",
                "agreement_review_overdue",
                "agreement",
                active,
                each(&[date(2026, 3, 16)], &[sup, sam]),
            ),
            expect(
                "an ended version is not reviewed",
                "agreement_review_due",
                "agreement",
                ended,
                BTreeSet::new(),
            ),
            expect(
                "nor overdue",
                "agreement_review_overdue",
                "agreement",
                ended,
                BTreeSet::new(),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

async fn qa_review_of(db: &DatabaseConnection, lineage: Uuid) -> e::qa_review::Model {
    e::qa_review::Entity::find()
        .filter(e::qa_review::Column::AgreementLineageId.eq(lineage))
        .one(db)
        .await
        .unwrap()
        .expect("the scan created the review on its due date")
}

#[tokio::test]
async fn a_qa_review_reminds_the_director_on_its_day_and_the_trust_lead_too_thirty_days_later() {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let director = person(db, w.tenants.trust_a, "Dora Director").await;
        trust_role(db, w.tenants.trust_a, director, "director_of_education").await;
        // Activated 16 November: the first review falls due on 16 February, created by the scan.
        let first_activation = date(2025, 11, 16);
        let left_open = agreement(
            db,
            a1,
            Agreement {
                activated_on: first_activation,
                ..Agreement::new(w.supervisor, w.sam)
            },
        )
        .await;
        let completed = agreement(
            db,
            a1,
            Agreement {
                activated_on: first_activation,
                ..Agreement::new(w.supervisor, w.sia)
            },
        )
        .await;

        scan_around(&w.app, &[date(2026, 2, 16)]).await;
        let open_review = qa_review_of(db, left_open).await;
        assert_eq!(open_review.due_on, date(2026, 2, 16), "{backend:?}");
        let done_review = qa_review_of(db, completed).await;
        let mut done: e::qa_review::ActiveModel = done_review.clone().into();
        done.completed_at = Set(Some(on(date(2026, 2, 20))));
        done.update(db).await.unwrap();
        scan_around(&w.app, &[date(2026, 3, 18)]).await;

        let lead = w.tenants.lead_a;
        let table = [
            expect(
                "the director on the due date",
                "qa_due",
                "qa_review",
                open_review.id,
                each(&[date(2026, 2, 16)], &[director]),
            ),
            expect(
                "the director and the trust lead thirty days on",
                "qa_overdue",
                "qa_review",
                open_review.id,
                each(&[date(2026, 3, 18)], &[director, lead]),
            ),
            expect(
                "a completed review is not overdue",
                "qa_overdue",
                "qa_review",
                done_review.id,
                BTreeSet::new(),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

#[tokio::test]
async fn training_reminds_the_person_sixty_days_before_expiry_and_the_trust_lead_too_the_day_after()
{
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let trust = w.tenants.trust_a;
        let lead = w.tenants.lead_a;
        let late = person(db, trust, "Lou Late").await;
        let (completed, expires) = (date(2024, 4, 30), date(2026, 4, 30));

        let lapsing = training(db, trust, w.sam, completed, expires, written()).await;
        let renewed = training(db, trust, w.sia, completed, expires, written()).await;
        training(
            db,
            trust,
            w.sia,
            date(2026, 2, 1),
            date(2028, 2, 1),
            date(2026, 2, 1),
        )
        .await;
        let leads = training(db, trust, lead, completed, expires, written()).await;
        // Recorded on 5 March, after its 60-day reminder's day (1 March): not sent late.
        let recorded_late = training(db, trust, late, completed, expires, date(2026, 3, 5)).await;

        scan_around(
            &w.app,
            &[
                date(2026, 3, 1),
                date(2026, 3, 5),
                date(2026, 3, 6),
                date(2026, 5, 1),
            ],
        )
        .await;

        let (expiring, expired) = (date(2026, 3, 1), date(2026, 5, 1));
        let table = [
            expect(
                "the person sixty days before",
                "training_expiring",
                "training",
                lapsing,
                each(&[expiring], &[w.sam]),
            ),
            expect(
                "the person and the trust lead the day after",
                "training_expired",
                "training",
                lapsing,
                each(&[expired], &[w.sam, lead]),
            ),
            expect(
                "a renewal stops it",
                "training_expiring",
                "training",
                renewed,
                BTreeSet::new(),
            ),
            expect(
                "a renewal stops the expiry too",
                "training_expired",
                "training",
                renewed,
                BTreeSet::new(),
            ),
            expect(
                "the trust lead's own training, once",
                "training_expired",
                "training",
                leads,
                each(&[expired], &[lead]),
            ),
            expect(
                "a reminder whose day came before the record is not sent late",
                "training_expiring",
                "training",
                recorded_late,
                BTreeSet::new(),
            ),
            expect(
                "its expiry still is",
                "training_expired",
                "training",
                recorded_late,
                each(&[expired], &[late, lead]),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}
