//! Records: unsent and unsigned records, and records sent on paper and entered later.

use super::*;

#[tokio::test]
async fn an_unsent_record_reminds_the_supervisor_at_ten_days_and_the_trust_lead_too_at_fifteen() {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let lead = w.tenants.lead_a;
        let ours = agreement(db, a1, Agreement::new(w.supervisor, w.sam)).await;
        let leads = agreement(db, a1, Agreement::new(lead, w.sia)).await;

        let unsent = session(db, a1, ours, date(2026, 2, 2), held(date(2026, 2, 2))).await;
        let sent_in_time = session(db, a1, ours, date(2026, 2, 3), held(date(2026, 2, 3))).await;
        record(db, a1, sent_in_time, w.supervisor, date(2026, 2, 12)).await;
        // The trust lead supervising: supervisor and trust lead both, one row.
        let lead_unsent = session(db, a1, leads, date(2026, 2, 2), held(date(2026, 2, 2))).await;

        scan_around(
            &w.app,
            &[
                date(2026, 2, 12),
                date(2026, 2, 17),
                date(2026, 2, 13),
                date(2026, 2, 18),
            ],
        )
        .await;

        let sup = w.supervisor;
        let table = [
            expect(
                "the supervisor at ten days",
                "record_not_sent",
                "session",
                unsent,
                each(&[date(2026, 2, 12)], &[sup]),
            ),
            expect(
                "the supervisor and the trust lead at fifteen",
                "record_not_sent_overdue",
                "session",
                unsent,
                each(&[date(2026, 2, 17)], &[sup, lead]),
            ),
            expect(
                "a record sent on day 9 stops the reminder",
                "record_not_sent",
                "session",
                sent_in_time,
                BTreeSet::new(),
            ),
            expect(
                "and the overdue one",
                "record_not_sent_overdue",
                "session",
                sent_in_time,
                BTreeSet::new(),
            ),
            expect(
                "the trust lead supervising",
                "record_not_sent",
                "session",
                lead_unsent,
                each(&[date(2026, 2, 12)], &[lead]),
            ),
            expect(
                "the trust lead supervising hears once",
                "record_not_sent_overdue",
                "session",
                lead_unsent,
                each(&[date(2026, 2, 17)], &[lead]),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

#[tokio::test]
async fn an_unsigned_record_reminds_those_yet_to_sign_at_ten_days_and_every_party_at_fourteen() {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let ours = agreement(db, a1, Agreement::new(w.supervisor, w.sam)).await;

        let first = session(db, a1, ours, date(2026, 2, 2), held(date(2026, 2, 2))).await;
        let half_signed = record(db, a1, first, w.supervisor, date(2026, 2, 5)).await;
        sign(db, a1, half_signed, w.supervisor, date(2026, 2, 6)).await;
        let second = session(db, a1, ours, date(2026, 2, 3), held(date(2026, 2, 3))).await;
        let signed = record(db, a1, second, w.supervisor, date(2026, 2, 5)).await;
        sign(db, a1, signed, w.supervisor, date(2026, 2, 6)).await;
        sign(db, a1, signed, w.sam, date(2026, 2, 10)).await;

        scan_around(&w.app, &[date(2026, 2, 15), date(2026, 2, 19)]).await;

        let (sup, sam) = (w.supervisor, w.sam);
        let table = [
            expect(
                "the supervisee yet to sign at ten days",
                "record_unsigned",
                "record",
                half_signed,
                each(&[date(2026, 2, 15)], &[sam]),
            ),
            expect(
                "every party at fourteen",
                "record_unsigned_overdue",
                "record",
                half_signed,
                each(&[date(2026, 2, 19)], &[sup, sam]),
            ),
            expect(
                "a record signed by all is not reminded of",
                "record_unsigned",
                "record",
                signed,
                BTreeSet::new(),
            ),
            expect(
                "nor overdue",
                "record_unsigned_overdue",
                "record",
                signed,
                BTreeSet::new(),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}

/// A record sent on paper on `sent` and entered in Haven as sent on `entered`.
async fn paper_record(
    db: &DatabaseConnection,
    place: Place,
    session: Uuid,
    author: Uuid,
    sent: NaiveDate,
    entered: NaiveDate,
) -> Uuid {
    let id = record(db, place, session, author, entered).await;
    e::supervision_record::ActiveModel {
        id: Set(id),
        sent_on: Set(Some(sent)),
        paper_original: Set(Some("Filed in the DSL office".into())),
        ..Default::default()
    }
    .update(db)
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn a_record_sent_on_paper_is_reminded_of_from_the_day_sent_but_never_late() {
    for backend in backends() {
        let w = world(backend).await;
        let db = &w.app.test_db.owner;
        let a1 = place_a1(&w.tenants);
        let ours = agreement(db, a1, Agreement::new(w.supervisor, w.sam)).await;

        // Both sent on paper on 3 February; one entered five days later, one five weeks later.
        let first = session(db, a1, ours, date(2026, 2, 2), held(date(2026, 2, 2))).await;
        let soon = paper_record(
            db,
            a1,
            first,
            w.supervisor,
            date(2026, 2, 3),
            date(2026, 2, 8),
        )
        .await;
        let second = session(db, a1, ours, date(2026, 2, 3), held(date(2026, 2, 3))).await;
        let late = paper_record(
            db,
            a1,
            second,
            w.supervisor,
            date(2026, 2, 3),
            date(2026, 3, 10),
        )
        .await;

        scan_around(
            &w.app,
            &[
                date(2026, 2, 13),
                date(2026, 2, 17),
                date(2026, 3, 11),
                date(2026, 3, 17),
            ],
        )
        .await;

        let (sup, sam) = (w.supervisor, w.sam);
        let table = [
            expect(
                "entered soon: those yet to sign at ten days after it was sent",
                "record_unsigned",
                "record",
                soon,
                each(&[date(2026, 2, 13)], &[sup, sam]),
            ),
            expect(
                "and every party at fourteen",
                "record_unsigned_overdue",
                "record",
                soon,
                each(&[date(2026, 2, 17)], &[sup, sam]),
            ),
            expect(
                "entered after those days: never reminded late",
                "record_unsigned",
                "record",
                late,
                BTreeSet::new(),
            ),
            expect(
                "nor overdue",
                "record_unsigned_overdue",
                "record",
                late,
                BTreeSet::new(),
            ),
        ];
        check(&w.app, backend, &table).await;
        w.app.stop().await;
    }
}
