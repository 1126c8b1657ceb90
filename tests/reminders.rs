//! The daily scan queues each reminder due on its day in the outbox, once, however many times
//! and on however many schedulers it runs, and never about or to another trust's people.
//!
//! The rules themselves (every rule at the day before, of and after its threshold) are proved
//! in `haven_domain::reminders`; these tests prove the store and the scheduler around them.

use chrono::NaiveDate;
use haven_entity as e;
use haven_jobs::FixedClock;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::harness::{Tenants, TestApp, at, backends, with_term_dates};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn scan(app: &TestApp, day: NaiveDate) -> haven_scheduler::ScanReport {
    haven_scheduler::run_once(&app.test_db.db, day, &FixedClock(at(2026, 1, 12)))
        .await
        .unwrap()
}

/// The outbox as the notifier will find it, read as the owner (across trusts).
async fn outbox(app: &TestApp) -> Vec<e::notification_outbox::Model> {
    e::notification_outbox::Entity::find()
        .all(&app.test_db.owner)
        .await
        .unwrap()
}

fn of_rule<'a>(
    rows: &'a [e::notification_outbox::Model],
    rule: &str,
) -> Vec<&'a e::notification_outbox::Model> {
    rows.iter().filter(|row| row.rule == rule).collect()
}

#[tokio::test]
async fn an_agenda_reminder_is_queued_on_its_day_to_the_supervisee_and_only_once() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;

        // Dana's session of Monday 2 February wants her agenda: reminded 9 and 7 days ahead.
        scan(&app, date(2026, 1, 23)).await;
        assert!(
            of_rule(&outbox(&app).await, "agenda_due").is_empty(),
            "{backend:?}"
        );
        let first = scan(&app, date(2026, 1, 24)).await;
        let rows = outbox(&app).await;
        let agenda = of_rule(&rows, "agenda_due");
        assert_eq!(agenda.len(), 1, "{backend:?}");
        assert_eq!(agenda[0].recipient_id, tenants.dsl_a2);
        assert_eq!(agenda[0].subject_kind, "session");
        assert_eq!(agenda[0].subject_id, tenants.session_a2);
        assert_eq!(agenda[0].due_on, date(2026, 1, 24));
        assert_eq!(agenda[0].status, "queued");
        assert_eq!(agenda[0].trust_id, tenants.trust_a);
        assert_eq!(
            agenda[0].idempotency_key,
            format!(
                "agenda_due:session:{}:2026-01-24:{}",
                tenants.session_a2, tenants.dsl_a2
            )
        );
        assert_eq!(first.notifications, rows.len());
        assert!(first.trusts >= 2);

        // The same day again queues nothing new; the next day has no agenda reminder.
        let again = scan(&app, date(2026, 1, 24)).await;
        assert_eq!(again.notifications, 0, "{backend:?}");
        assert_eq!(again.reminders_due, first.reminders_due);
        assert_eq!(outbox(&app).await.len(), rows.len());
        scan(&app, date(2026, 1, 25)).await;
        assert_eq!(of_rule(&outbox(&app).await, "agenda_due").len(), 1);
        scan(&app, date(2026, 1, 26)).await;
        assert_eq!(of_rule(&outbox(&app).await, "agenda_due").len(), 2);

        // The day before the session both parties hear of it.
        scan(&app, date(2026, 2, 1)).await;
        let rows = outbox(&app).await;
        let mut tomorrow: Vec<Uuid> = of_rule(&rows, "session_tomorrow")
            .iter()
            .filter(|row| row.subject_id == tenants.session_a2)
            .map(|row| row.recipient_id)
            .collect();
        tomorrow.sort();
        let mut parties = vec![tenants.rsl_a, tenants.dsl_a2];
        parties.sort();
        assert_eq!(tomorrow, parties, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn two_scans_of_one_day_at_once_queue_each_reminder_once() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;

        let day = date(2026, 2, 1);
        let (one, two) = tokio::join!(scan(&app, day), scan(&app, day));
        let rows = outbox(&app).await;
        assert!(!rows.is_empty(), "{backend:?}");
        assert_eq!(
            one.notifications + two.notifications,
            rows.len(),
            "{backend:?}"
        );
        assert_eq!(one.reminders_due, two.reminders_due);
        let mut keys: Vec<(Uuid, &str)> = rows
            .iter()
            .map(|row| (row.trust_id, row.idempotency_key.as_str()))
            .collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), rows.len());
        app.stop().await;
    }
}

#[tokio::test]
async fn no_reminder_goes_to_or_is_about_another_trusts_people() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        for day in [
            date(2025, 10, 25),
            date(2026, 8, 9),
            date(2026, 1, 24),
            date(2026, 2, 1),
        ] {
            scan(&app, day).await;
        }
        let rows = outbox(&app).await;
        assert!(
            rows.iter().any(|row| row.trust_id == tenants.trust_b),
            "{backend:?}: trust B is scanned too"
        );
        for row in &rows {
            let recipient = e::person::Entity::find_by_id(row.recipient_id)
                .filter(e::person::Column::TrustId.eq(row.trust_id))
                .one(&app.test_db.owner)
                .await
                .unwrap();
            assert!(recipient.is_some(), "{backend:?}: {row:?}");
        }
        let b_subjects = [tenants.session_b1, tenants.dsl_b1];
        assert!(
            rows.iter()
                .filter(|row| b_subjects.contains(&row.subject_id))
                .all(|row| row.trust_id == tenants.trust_b)
        );
        app.stop().await;
    }
}
