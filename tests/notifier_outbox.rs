//! The notifier delivers the outbox and loses nothing: every queued message ends sent (with its
//! Message-ID and, on the embedded default, an `.eml` file), a relay that is down leaves its
//! messages queued for a later try, a message that never gets through is marked failed with
//! the reason, a send a crash interrupted goes again, two notifiers never send a row twice, and
//! one trust's notifier scope never touches another trust's rows.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::NaiveDate;
use haven_config::{SmtpSettings, SmtpTls};
use haven_domain::notification::{
    Addressee, Content, Invite, InviteMethod, SESSION_INVITE_RULE, retry_delay,
};
use haven_entity as e;
use haven_jobs::{Clock, FixedClock, SystemClock};
use haven_store::outbox::{self, Delivered, SenderDefaults, Stopped};
use haven_store::{Origin, Scope, SystemActor};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait};
use uuid::Uuid;

use crate::harness::notifier::{
    RunningNotifier, outbox as all_rows, reminder_row, settled, wait_until,
};
use crate::harness::{Tenants, TestApp, at, backends, with_term_dates};

/// A reminder row of `trust` to `recipient` about `session`, in the state given.
/// Inserts `count` queued reminders of trust A (to Dana, about her session), due now.
async fn queue_in_a(app: &TestApp, tenants: &Tenants, count: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for _ in 0..count {
        let row = reminder_row(
            tenants.trust_a,
            tenants.dsl_a2,
            tenants.session_a2,
            "queued",
            SystemClock.now(),
        )
        .insert(&app.test_db.owner)
        .await
        .unwrap();
        ids.push(row.id);
    }
    ids
}

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn relay_down() -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port: closed_port(),
        tls: SmtpTls::None,
        username: None,
        password: None,
        ca_file: None,
        pool_size: 2,
        timeout_seconds: 2,
    }
}

fn system(trust: Uuid) -> Scope {
    crate::harness::system_scope(trust, SystemActor::Notifier, Origin::Worker)
}

fn defaults() -> SenderDefaults {
    SenderDefaults {
        name: "Haven".to_owned(),
        address: "haven@localhost".to_owned(),
        colour: "#1d4f91".to_owned(),
    }
}

#[tokio::test]
async fn queued_reminders_are_each_sent_once_with_a_message_id_and_an_eml_file() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        haven_scheduler::run_once(
            &app.test_db.db,
            NaiveDate::from_ymd_opt(2026, 1, 24).unwrap(),
            &FixedClock(at(2026, 1, 12)),
        )
        .await
        .unwrap();
        let queued: BTreeSet<Uuid> = all_rows(&app)
            .await
            .into_iter()
            .filter(|row| row.status == "queued")
            .map(|row| row.id)
            .collect();
        assert!(!queued.is_empty(), "{backend:?}: the scan queued reminders");

        let notifier = RunningNotifier::start(&app, |_| {}).await;
        let rows = wait_until(&app, "every message sent", settled).await;
        let emls = notifier.eml_files();
        notifier.stop().await;

        let people = e::person::Entity::find()
            .all(&app.test_db.owner)
            .await
            .unwrap();
        for row in rows.iter().filter(|row| queued.contains(&row.id)) {
            assert_eq!(row.status, "sent", "{backend:?}: {:?}", row.last_error);
            assert_eq!(row.attempts, 1, "{backend:?}");
            let message_id = format!("<{}@localhost>", row.id);
            assert_eq!(row.message_id.as_deref(), Some(message_id.as_str()));
            assert!(row.sent_at.is_some() && row.smtp_response.is_some());
            let recipient = people.iter().find(|p| p.id == row.recipient_id).unwrap();
            assert_eq!(row.delivered_to.as_deref(), Some(recipient.email.as_str()));
            let files = emls.iter().filter(|eml| eml.contains(&message_id)).count();
            assert_eq!(files, 1, "{backend:?}: one .eml file for {message_id}");
        }
        assert_eq!(
            emls.len(),
            queued.len(),
            "{backend:?}: nothing else was sent"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_relay_that_is_down_keeps_every_message_queued_for_a_later_try() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let ids = queue_in_a(&app, &tenants, 3).await;

        let notifier = RunningNotifier::start(&app, |email| {
            email.smtp = Some(relay_down());
            email.retry_max_seconds = 8;
        })
        .await;
        let rows = wait_until(&app, "every message tried twice", |rows| {
            rows.iter()
                .filter(|row| ids.contains(&row.id))
                .all(|row| row.attempts >= 2 && row.status == "queued")
        })
        .await;
        notifier.stop().await;

        let rows: Vec<_> = rows.into_iter().filter(|r| ids.contains(&r.id)).collect();
        assert_eq!(rows.len(), 3, "{backend:?}: nothing lost");
        for row in &rows {
            assert_eq!(row.status, "queued", "{backend:?}");
            assert!(row.last_error.is_some(), "{backend:?}: the failure is kept");
            assert!(row.sent_at.is_none() && row.message_id.is_none());
            // The next try waits the backoff of the attempts so far, which grows with them.
            let attempts = u32::try_from(row.attempts).unwrap();
            let wait = row.next_attempt_at.unwrap() - row.sending_at.unwrap();
            let expected = retry_delay(attempts, Duration::from_secs(1), Duration::from_secs(8));
            assert!(
                wait >= chrono::Duration::from_std(expected).unwrap(),
                "{backend:?}: waits {wait} after attempt {attempts}"
            );
            assert!(expected > retry_delay(1, Duration::from_secs(1), Duration::from_secs(8)));
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_message_that_never_gets_through_is_marked_failed_with_the_reason() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let ids = queue_in_a(&app, &tenants, 1).await;

        let notifier = RunningNotifier::start(&app, |email| {
            email.smtp = Some(relay_down());
            email.max_attempts = 2;
        })
        .await;
        let rows = wait_until(&app, "the message failed", |rows| {
            rows.iter()
                .any(|row| row.id == ids[0] && row.status == "failed")
        })
        .await;
        notifier.stop().await;

        let row = rows.iter().find(|row| row.id == ids[0]).unwrap();
        assert_eq!(row.attempts, 2, "{backend:?}");
        let reason = row.last_error.as_deref().unwrap_or_default();
        assert!(
            reason.starts_with("gave up after 2 attempts: "),
            "{backend:?}: {reason}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_send_interrupted_by_a_crash_goes_again_with_the_same_message_id() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        // A notifier claimed this row an hour ago and stopped before recording the answer.
        let now = SystemClock.now();
        let mut row = reminder_row(
            tenants.trust_a,
            tenants.dsl_a2,
            tenants.session_a2,
            "sending",
            now,
        );
        row.attempts = Set(1);
        row.sending_at = Set(Some(now - chrono::Duration::hours(1)));
        let row = row.insert(&app.test_db.owner).await.unwrap();
        // One still within the timeout is left alone.
        let mut recent = reminder_row(
            tenants.trust_a,
            tenants.dsl_a2,
            tenants.session_a2,
            "sending",
            now,
        );
        recent.attempts = Set(1);
        recent.sending_at = Set(Some(now + chrono::Duration::hours(1)));
        let recent = recent.insert(&app.test_db.owner).await.unwrap();
        // One cut short on every one of its tries may be what stops the notifier: given up.
        let mut poison = reminder_row(
            tenants.trust_a,
            tenants.dsl_a2,
            tenants.session_a2,
            "sending",
            now,
        );
        poison.attempts = Set(5);
        poison.sending_at = Set(Some(now - chrono::Duration::hours(1)));
        let poison = poison.insert(&app.test_db.owner).await.unwrap();

        let notifier = RunningNotifier::start(&app, |email| {
            email.sending_timeout_seconds = 60;
            email.max_attempts = 5;
        })
        .await;
        let rows = wait_until(&app, "the interrupted message sent", |rows| {
            rows.iter().any(|r| r.id == row.id && r.status == "sent")
                && rows
                    .iter()
                    .any(|r| r.id == poison.id && r.status == "failed")
        })
        .await;
        let emls = notifier.eml_files();
        notifier.stop().await;

        let sent = rows.iter().find(|r| r.id == row.id).unwrap();
        assert_eq!(sent.attempts, 2, "{backend:?}");
        let message_id = format!("<{}@localhost>", row.id);
        assert_eq!(sent.message_id.as_deref(), Some(message_id.as_str()));
        assert!(
            sent.last_error
                .as_deref()
                .unwrap_or_default()
                .contains("interrupted"),
            "{backend:?}"
        );
        let copies = emls.iter().filter(|eml| eml.contains(&message_id)).count();
        assert_eq!(copies, 1, "{backend:?}");
        let given_up = rows.iter().find(|r| r.id == poison.id).unwrap();
        assert!(
            given_up
                .last_error
                .as_deref()
                .unwrap_or_default()
                .contains("not tried again"),
            "{backend:?}: {:?}",
            given_up.last_error
        );
        assert!(
            !emls
                .iter()
                .any(|eml| eml.contains(&format!("<{}@localhost>", poison.id))),
            "{backend:?}"
        );
        let untouched = rows.iter().find(|r| r.id == recent.id).unwrap();
        assert_eq!(untouched.status, "sending", "{backend:?}");
        assert_eq!(untouched.attempts, 1);
        // The trust's audit log says a message was sent again, by the notifier.
        let requeued: Vec<_> = e::audit_log::Entity::find()
            .all(&app.test_db.owner)
            .await
            .unwrap()
            .into_iter()
            .filter(|entry| entry.action == "requeue_interrupted")
            .collect();
        assert_eq!(requeued.len(), 1, "{backend:?}");
        assert_eq!(requeued[0].trust_id, tenants.trust_a);
        assert_eq!(requeued[0].actor_label, "notifier");
        app.stop().await;
    }
}

#[tokio::test]
async fn notifiers_racing_for_one_row_lease_and_claim_it_once() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let ids = queue_in_a(&app, &tenants, 20).await;
        let db = &app.test_db.db;
        let scope = system(tenants.trust_a);
        let now = SystemClock.now();

        // Two dispatchers lease at once: each row goes to one of them.
        let lease = Duration::from_secs(60);
        let (first, second) = tokio::join!(
            outbox::lease_due(db, &scope, now, lease, 500),
            outbox::lease_due(db, &scope, now, lease, 500)
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        let leased: BTreeSet<Uuid> = first.iter().chain(&second).copied().collect();
        assert_eq!(
            first.len() + second.len(),
            leased.len(),
            "{backend:?}: none twice"
        );
        assert!(ids.iter().all(|id| leased.contains(id)), "{backend:?}");
        // Leased rows are not due again until the lease runs out.
        let again = outbox::lease_due(db, &scope, now, lease, 500)
            .await
            .unwrap();
        assert!(again.is_empty(), "{backend:?}");

        // Four workers claim the same row at once: one sends it.
        let id = ids[0];
        let claims =
            futures::future::join_all((0..4).map(|_| outbox::claim(db, &scope, id, now))).await;
        let won: Vec<_> = claims.into_iter().filter_map(|c| c.unwrap()).collect();
        assert_eq!(won.len(), 1, "{backend:?}");
        assert_eq!(won[0].status, "sending");
        assert_eq!(won[0].attempts, 1);
        assert!(outbox::claim(db, &scope, id, now).await.unwrap().is_none());

        let delivered = Delivered {
            smtp_response: "250 2.0.0 Ok".to_owned(),
            message_id: format!("<{id}@localhost>"),
            delivered_to: "dana@example.org".to_owned(),
        };
        assert!(
            outbox::record_sent(db, &scope, id, now, &delivered)
                .await
                .unwrap()
        );
        // A late second answer for the same claim records nothing over it.
        assert!(
            !outbox::record_stopped(db, &scope, id, now, Stopped::Failed, "late")
                .await
                .unwrap()
        );
        let row = all_rows(&app)
            .await
            .into_iter()
            .find(|r| r.id == id)
            .unwrap();
        assert_eq!(row.status, "sent");
        assert_eq!(row.smtp_response.as_deref(), Some("250 2.0.0 Ok"));
        app.stop().await;
    }
}

#[tokio::test]
async fn a_trusts_notifier_scope_never_touches_another_trusts_rows() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let now = SystemClock.now();
        let queued_b = reminder_row(
            tenants.trust_b,
            tenants.dsl_b1,
            tenants.session_b1,
            "queued",
            now,
        )
        .insert(&app.test_db.owner)
        .await
        .unwrap();
        let mut stuck_b = reminder_row(
            tenants.trust_b,
            tenants.dsl_b1,
            tenants.session_b1,
            "sending",
            now,
        );
        stuck_b.sending_at = Set(Some(now - chrono::Duration::hours(2)));
        let stuck_b = stuck_b.insert(&app.test_db.owner).await.unwrap();
        let a_ids = queue_in_a(&app, &tenants, 1).await;
        let before: Vec<_> = all_rows(&app)
            .await
            .into_iter()
            .filter(|r| r.trust_id == tenants.trust_b)
            .collect();

        let db = &app.test_db.db;
        let a = system(tenants.trust_a);
        let now = SystemClock.now();
        assert_eq!(
            outbox::recover_interrupted(db, &a, now, Duration::from_secs(60), 30)
                .await
                .unwrap(),
            0,
            "{backend:?}"
        );
        let leased = outbox::lease_due(db, &a, now, Duration::from_secs(60), 500)
            .await
            .unwrap();
        assert!(leased.contains(&a_ids[0]), "{backend:?}");
        assert!(!leased.contains(&queued_b.id), "{backend:?}");
        assert!(
            outbox::claim(db, &a, queued_b.id, now)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            !outbox::record_stopped(db, &a, stuck_b.id, now, Stopped::Failed, "x")
                .await
                .unwrap()
        );
        assert!(
            !outbox::record_retry(db, &a, stuck_b.id, now, now, "x")
                .await
                .unwrap()
        );
        assert!(
            outbox::message(db, &a, &queued_b, &defaults())
                .await
                .is_err()
        );

        let after: Vec<_> = all_rows(&app)
            .await
            .into_iter()
            .filter(|r| r.trust_id == tenants.trust_b)
            .collect();
        assert_eq!(before, after, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_reminder_email_names_the_staff_the_date_and_the_academy_only() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let ids = queue_in_a(&app, &tenants, 1).await;
        let row = all_rows(&app)
            .await
            .into_iter()
            .find(|r| r.id == ids[0])
            .unwrap();
        let outgoing =
            outbox::message(&app.test_db.db, &system(tenants.trust_a), &row, &defaults())
                .await
                .unwrap();
        assert_eq!(outgoing.from.email, "haven@localhost", "{backend:?}");
        assert_eq!(outgoing.email.trust.colour, "#1d4f91");
        let Content::Reminder(notice) = &outgoing.email.content else {
            panic!("{backend:?}: a reminder, got {:?}", outgoing.email.content);
        };
        assert_eq!(notice.about.kind, "session");
        assert_eq!(
            notice.about.path,
            format!("/sessions/{}", tenants.session_a2)
        );
        assert!(notice.about.starts_at.is_some() && notice.about.date.is_some());
        assert!(notice.about.academy.is_some(), "{backend:?}");
        assert!(
            notice.about.people.len() >= 2,
            "{backend:?}: supervisor and supervisee, {:?}",
            notice.about.people
        );
        assert!(!notice.mandatory);
        app.stop().await;
    }
}

#[tokio::test]
async fn two_notifiers_on_one_queue_send_every_message_once() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let ids = queue_in_a(&app, &tenants, 40).await;

        let first = RunningNotifier::start(&app, |_| {}).await;
        let second = RunningNotifier::start_on_queue(&app, first.queue.clone(), |_| {}).await;
        let rows = wait_until(&app, "every message sent", settled).await;
        let mut emls = first.eml_files();
        emls.extend(second.eml_files());
        second.stop().await;
        first.stop().await;

        for id in &ids {
            let row = rows.iter().find(|r| r.id == *id).unwrap();
            assert_eq!(row.status, "sent", "{backend:?}");
            assert_eq!(row.attempts, 1, "{backend:?}: claimed once");
            let message_id = format!("<{id}@localhost>");
            let copies = emls.iter().filter(|eml| eml.contains(&message_id)).count();
            assert_eq!(copies, 1, "{backend:?}: {message_id} sent once");
        }
        app.stop().await;
    }
}

/// A row of trust A to `recipient`, for building a digest or an escalation notice.
async fn insert(
    app: &TestApp,
    row: e::notification_outbox::ActiveModel,
) -> e::notification_outbox::Model {
    row.insert(&app.test_db.owner).await.unwrap()
}

#[tokio::test]
async fn a_digest_holds_the_days_reminders_in_rule_order_and_no_record_content() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let now = SystemClock.now();
        let key = format!("digest:{}:2026-01-12", tenants.rsl_a);
        let mut digest = reminder_row(tenants.trust_a, tenants.rsl_a, tenants.rsl_a, "queued", now);
        digest.rule = Set("digest".to_owned());
        digest.subject_kind = Set("person".to_owned());
        digest.idempotency_key = Set(key.clone());
        let digest = insert(&app, digest).await;
        // Two lines of the digest, queued in the reverse of rule order.
        let mut record = reminder_row(
            tenants.trust_a,
            tenants.rsl_a,
            tenants.record_a1,
            "in_digest",
            now,
        );
        record.rule = Set("record_unsigned".to_owned());
        record.subject_kind = Set("record".to_owned());
        record.digest_key = Set(Some(key.clone()));
        insert(&app, record).await;
        let mut session = reminder_row(
            tenants.trust_a,
            tenants.rsl_a,
            tenants.session_a2,
            "in_digest",
            now,
        );
        session.digest_key = Set(Some(key.clone()));
        insert(&app, session).await;
        // Another person's line with the same day is not theirs.
        let mut other = reminder_row(
            tenants.trust_a,
            tenants.dsl_a2,
            tenants.session_a2,
            "in_digest",
            now,
        );
        other.digest_key = Set(Some(format!("digest:{}:2026-01-12", tenants.dsl_a2)));
        insert(&app, other).await;

        let outgoing = outbox::message(
            &app.test_db.db,
            &system(tenants.trust_a),
            &digest,
            &defaults(),
        )
        .await
        .unwrap();
        let Content::Digest(day) = &outgoing.email.content else {
            panic!("{backend:?}: a digest, got {:?}", outgoing.email.content);
        };
        let rules: Vec<_> = day.reminders.iter().map(|r| r.rule.code()).collect();
        assert_eq!(
            rules,
            ["session_tomorrow", "record_unsigned"],
            "{backend:?}"
        );
        assert_eq!(
            day.reminders[1].about.path,
            format!("/records/{}", tenants.record_a1)
        );
        assert_eq!(
            day.reminders[1].about.people,
            ["Rhys Regional", "Dev Brook"]
        );
        assert_eq!(
            day.reminders[1].about.academy.as_deref(),
            Some("Brook Primary")
        );
        let json = serde_json::to_string(&outgoing.email).unwrap();
        assert!(
            !json.contains("4471") && !json.contains("reflection"),
            "{backend:?}: {json}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn an_escalation_notice_from_the_trusts_sender_names_who_raised_it_but_never_why() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let now = SystemClock.now();
        let escalation = e::escalation::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(tenants.trust_a),
            academy_id: Set(tenants.academy_a1),
            raised_by: Set(tenants.dsl_a1),
            record_id: Set(Some(tenants.record_a1)),
            case_note_id: Set(None),
            escalated_to: Set("director_of_education".to_owned()),
            assignee_id: Set(Some(tenants.lead_a)),
            reason: Set("Child J at 12 Acacia Avenue was not referred".to_owned()),
            meeting_on: Set(None),
            outcome: Set(None),
            status: Set("open".to_owned()),
            closed_at: Set(None),
            row_version: Set(1),
            created_at: Set(at(2026, 1, 12)),
            updated_at: Set(at(2026, 1, 12)),
        }
        .insert(&app.test_db.owner)
        .await
        .unwrap();
        let mut row = reminder_row(
            tenants.trust_a,
            tenants.lead_a,
            escalation.id,
            "queued",
            now,
        );
        row.rule = Set("escalation_assigned".to_owned());
        row.subject_kind = Set("escalation".to_owned());
        let row = insert(&app, row).await;
        // The trust has its own sender, reply-to and colour.
        e::trust_email::ActiveModel {
            trust_id: Set(tenants.trust_a),
            sender_name: Set(Some("Brook Trust Safeguarding".to_owned())),
            sender_address: Set(Some("safeguarding@brook.example".to_owned())),
            reply_to: Set(Some("dsl-team@brook.example".to_owned())),
            brand_colour: Set(Some("#aa3300".to_owned())),
            updated_at: Set(at(2026, 1, 12)),
        }
        .insert(&app.test_db.owner)
        .await
        .unwrap();

        let outgoing =
            outbox::message(&app.test_db.db, &system(tenants.trust_a), &row, &defaults())
                .await
                .unwrap();
        let Content::Escalation(notice) = &outgoing.email.content else {
            panic!(
                "{backend:?}: an escalation, got {:?}",
                outgoing.email.content
            );
        };
        assert_eq!(notice.raised_by, "Dev Brook", "{backend:?}");
        assert_eq!(notice.academy, "Brook Primary");
        assert_eq!(
            notice.raised_on,
            NaiveDate::from_ymd_opt(2026, 1, 12).unwrap()
        );
        assert_eq!(notice.path, format!("/escalations/{}", escalation.id));
        assert_eq!(outgoing.email.recipient.name, "Lena Lead");
        assert_eq!(outgoing.from.name, "Brook Trust Safeguarding");
        assert_eq!(outgoing.from.email, "safeguarding@brook.example");
        assert_eq!(outgoing.reply_to.as_deref(), Some("dsl-team@brook.example"));
        assert_eq!(outgoing.email.trust.colour, "#aa3300");
        let json = serde_json::to_string(&outgoing.email).unwrap();
        assert!(
            !json.contains("Acacia") && !json.contains("Child J"),
            "{backend:?}: {json}"
        );
        app.stop().await;
    }
}

/// A queued calendar invite of `session` to `recipient` at `sequence`.
fn invite_row(
    trust: Uuid,
    recipient: Uuid,
    session: Uuid,
    sequence: i32,
    method: InviteMethod,
) -> e::notification_outbox::ActiveModel {
    let now = SystemClock.now();
    let invite = Invite {
        method,
        session_id: session,
        sequence,
        starts_at: now + chrono::Duration::days(3),
        duration_minutes: 60,
        session_kind: "formal".to_owned(),
        mode: "video".to_owned(),
        location: None,
        academy: "Academy A2".to_owned(),
        supervisor: Addressee {
            name: "Rhys Regional".to_owned(),
            email: "rhys@a.example".to_owned(),
        },
        supervisees: vec![Addressee {
            name: "Dana".to_owned(),
            email: "dana@a.example".to_owned(),
        }],
    };
    let mut row = reminder_row(trust, recipient, session, "queued", now);
    row.rule = Set(SESSION_INVITE_RULE.to_owned());
    row.idempotency_key = Set(format!(
        "{SESSION_INVITE_RULE}:{session}:{sequence}:{recipient}"
    ));
    row.payload = Set(Some(serde_json::to_value(&invite).unwrap()));
    row
}

async fn status_of(app: &TestApp, id: Uuid) -> e::notification_outbox::Model {
    e::notification_outbox::Entity::find_by_id(id)
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_sessions_next_invite_waits_for_the_one_being_sent_and_an_unsent_earlier_one_is_dropped()
{
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let scope = system(tenants.trust_a);
        let db = &app.test_db.db;
        let (trust, dana, session) = (tenants.trust_a, tenants.dsl_a2, tenants.session_a2);
        let lease = Duration::from_secs(60);

        // The booking is being sent when the move is queued.
        let booked = invite_row(trust, dana, session, 0, InviteMethod::Request)
            .insert(&app.test_db.owner)
            .await
            .unwrap();
        let leased = outbox::lease_due(db, &scope, SystemClock.now(), lease, 500)
            .await
            .unwrap();
        assert_eq!(leased, [booked.id], "{backend:?}");
        let claimed = outbox::claim(db, &scope, booked.id, SystemClock.now())
            .await
            .unwrap();
        assert!(claimed.is_some(), "{backend:?}");
        let moved = invite_row(trust, dana, session, 1, InviteMethod::Request)
            .insert(&app.test_db.owner)
            .await
            .unwrap();
        let leased = outbox::lease_due(db, &scope, SystemClock.now(), lease, 500)
            .await
            .unwrap();
        assert!(
            leased.is_empty(),
            "{backend:?}: the move waits for the booking"
        );
        assert_eq!(status_of(&app, moved.id).await.status, "queued");

        let delivered = Delivered {
            smtp_response: "250 ok".to_owned(),
            message_id: format!("<{}@localhost>", booked.id),
            delivered_to: "dana@a.example".to_owned(),
        };
        outbox::record_sent(db, &scope, booked.id, SystemClock.now(), &delivered)
            .await
            .unwrap();
        let leased = outbox::lease_due(db, &scope, SystemClock.now(), lease, 500)
            .await
            .unwrap();
        assert_eq!(leased, [moved.id], "{backend:?}: then the move goes");

        // Moved again and cancelled before the first move went: only the cancellation goes.
        let moved_again = invite_row(trust, dana, session, 2, InviteMethod::Request)
            .insert(&app.test_db.owner)
            .await
            .unwrap();
        let cancelled = invite_row(trust, dana, session, 3, InviteMethod::Cancel)
            .insert(&app.test_db.owner)
            .await
            .unwrap();
        let leased = outbox::lease_due(db, &scope, SystemClock.now(), lease, 500)
            .await
            .unwrap();
        assert_eq!(leased, [cancelled.id], "{backend:?}");
        for replaced in [moved.id, moved_again.id] {
            let row = status_of(&app, replaced).await;
            assert_eq!(row.status, "superseded", "{backend:?}");
            assert!(
                row.last_error
                    .as_deref()
                    .is_some_and(|reason| reason.contains("SEQUENCE 3")),
                "{backend:?}: {:?}",
                row.last_error
            );
            assert!(
                outbox::claim(db, &scope, replaced, SystemClock.now())
                    .await
                    .unwrap()
                    .is_none(),
                "{backend:?}: a job already pushed for it sends nothing"
            );
        }
        // Another person's invites of the session are theirs to order.
        let supervisors = invite_row(trust, tenants.rsl_a, session, 2, InviteMethod::Request)
            .insert(&app.test_db.owner)
            .await
            .unwrap();
        let leased = outbox::lease_due(db, &scope, SystemClock.now(), lease, 500)
            .await
            .unwrap();
        assert_eq!(leased, [supervisors.id], "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_session_booked_moved_and_cancelled_at_once_sends_each_party_only_the_cancellation() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let mut last = Vec::new();
        for person in [tenants.rsl_a, tenants.dsl_a2] {
            for (sequence, method) in [
                (0, InviteMethod::Request),
                (1, InviteMethod::Request),
                (2, InviteMethod::Cancel),
            ] {
                let row = invite_row(
                    tenants.trust_a,
                    person,
                    tenants.session_a2,
                    sequence,
                    method,
                )
                .insert(&app.test_db.owner)
                .await
                .unwrap();
                if sequence == 2 {
                    last.push(row.id);
                }
            }
        }
        let notifier = RunningNotifier::start(&app, |_| {}).await;
        let rows = wait_until(&app, "every invite settled", settled).await;
        let emls = notifier.eml_files();
        notifier.stop().await;

        for row in &rows {
            let expected = if last.contains(&row.id) {
                "sent"
            } else {
                "superseded"
            };
            assert_eq!(row.status, expected, "{backend:?}: {row:?}");
        }
        assert_eq!(emls.len(), 2, "{backend:?}: one email to each party");
        assert!(
            emls.iter()
                .all(|eml| eml.contains("METHOD:CANCEL") && !eml.contains("METHOD:REQUEST")),
            "{backend:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_job_that_waited_past_its_lease_sends_nothing_so_a_retry_keeps_its_backoff() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let ids = queue_in_a(&app, &tenants, 1).await;
        let (db, id) = (&app.test_db.db, ids[0]);
        let scope = system(tenants.trust_a);
        let lease = Duration::from_secs(60);
        let t0 = SystemClock.now();

        // A job is pushed under the first lease; it waits in a backlog past it, and the row is
        // leased again and a second job pushed.
        let first_lease = outbox::lease_end(t0, lease);
        assert_eq!(
            outbox::lease_due(db, &scope, t0, lease, 10).await.unwrap(),
            [id]
        );
        let t1 = t0 + chrono::Duration::seconds(90);
        let second_lease = outbox::lease_end(t1, lease);
        assert_eq!(
            outbox::lease_due(db, &scope, t1, lease, 10).await.unwrap(),
            [id]
        );

        // The second job claims and meets a relay that is down: the row is due again later.
        let claimed = outbox::claim_leased(db, &scope, id, second_lease, t1)
            .await
            .unwrap();
        assert!(claimed.is_some(), "{backend:?}: the current lease claims");
        let retry_at = t1 + chrono::Duration::minutes(5);
        outbox::record_retry(db, &scope, id, t1, retry_at, "connection refused")
            .await
            .unwrap();

        // The first job runs at last: it no longer holds the row and sends nothing, so the
        // row keeps its one attempt and its backoff.
        let stale = outbox::claim_leased(db, &scope, id, first_lease, t1)
            .await
            .unwrap();
        assert!(stale.is_none(), "{backend:?}: a stale job sends nothing");
        let row = e::notification_outbox::Entity::find_by_id(id)
            .one(&app.test_db.owner)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.status.as_str(), row.attempts),
            ("queued", 1),
            "{backend:?}"
        );
        // Another trust's notifier cannot claim it under any lease.
        let other = system(tenants.trust_b);
        let across = outbox::claim_leased(db, &other, id, retry_at, retry_at)
            .await
            .unwrap();
        assert!(across.is_none(), "{backend:?}");
        app.stop().await;
    }
}
