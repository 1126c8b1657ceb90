//! The notifier against a real SMTP server (`tests/smtp/server.py`): mail goes out over
//! STARTTLS, implicit TLS and plain SMTP; what the relay answers decides what happens to the
//! message (a refused address bounces, a deferral or refused credentials are retried and lose
//! nothing); the email that arrives is the trust's, with its calendar invite; and a relay that
//! goes down, two notifier processes on one database, or a notifier killed mid-batch still
//! deliver every message, each once (or, after a crash, again under the same Message-ID).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use haven_config::{EmailSettings, SmtpTls};
use haven_domain::notification::{Addressee, Invite, InviteMethod, SESSION_INVITE_RULE};
use haven_entity as e;
use haven_jobs::{Clock, SystemClock};
use haven_notifier::transport::{FailureKind, Mailer};
use mail_parser::MimeHeaders;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait};
use uuid::Uuid;

use crate::harness::notifier::{
    self, RunningNotifier, email_settings, outbox, settled, wait_until,
};
use crate::harness::smtp::{Options, Received, SmtpServer};
use crate::harness::{Backend, Tenants, TestApp, backends};

/// How long the large runs may take to settle.
const LONG: Duration = Duration::from_secs(180);

/// Email settings sending through `server`.
fn through(server: &SmtpServer, dir: &Path) -> EmailSettings {
    let mut settings = email_settings(dir);
    settings.smtp = Some(server.smtp_settings());
    settings
}

fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("haven-smtp-test-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small message to `to` with a fresh Message-ID.
fn message(to: &str) -> lettre::Message {
    lettre::Message::builder()
        .from("Haven <haven@localhost>".parse().unwrap())
        .to(to.parse().unwrap())
        .subject("A supervision reminder")
        .message_id(Some(format!("<{}@localhost>", Uuid::now_v7())))
        .body("Your session is tomorrow.".to_owned())
        .unwrap()
}

/// The `Message-ID` header of `message`, without angle brackets.
fn id_of(message: &lettre::Message) -> String {
    let headers = message.headers();
    let raw = headers.get_raw("Message-ID").unwrap();
    raw.trim_matches(['<', '>']).to_owned()
}

#[tokio::test]
async fn mail_reaches_the_relay_over_starttls_and_implicit_tls_with_auth_and_over_plain_smtp() {
    for (tls, auth) in [
        (SmtpTls::Starttls, true),
        (SmtpTls::Implicit, true),
        (SmtpTls::None, false),
    ] {
        let server = SmtpServer::start(Options {
            tls: Some(tls),
            auth,
            ..Options::default()
        });
        let dir = scratch();
        let mailer = Mailer::from_settings(&through(&server, &dir)).unwrap();
        let sent = message("dana@example.org");
        let accepted = mailer.send(&sent).await.unwrap();
        assert!(
            accepted.response.starts_with("250 "),
            "{tls:?}: {}",
            accepted.response
        );
        let received = server.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(received.len(), 1, "{tls:?}");
        assert_eq!(received[0].message_id(), id_of(&sent), "{tls:?}");
        assert_eq!(received[0].envelope_to, ["dana@example.org"], "{tls:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[tokio::test]
async fn a_relay_refusing_the_password_or_the_tls_is_retried_not_given_up() {
    let server = SmtpServer::start(Options {
        tls: Some(SmtpTls::Starttls),
        auth: true,
        ..Options::default()
    });
    let dir = scratch();

    let mut wrong_password = through(&server, &dir);
    if let Some(smtp) = wrong_password.smtp.as_mut() {
        smtp.password = Some("not-the-password".to_owned().into());
    }
    let failure = Mailer::from_settings(&wrong_password)
        .unwrap()
        .send(&message("dana@example.org"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::Transient, "{}", failure.reason);
    assert!(failure.reason.contains("535"), "{}", failure.reason);

    let mut untrusted = through(&server, &dir);
    if let Some(smtp) = untrusted.smtp.as_mut() {
        smtp.ca_file = None;
    }
    let failure = Mailer::from_settings(&untrusted)
        .unwrap()
        .send(&message("dana@example.org"))
        .await
        .unwrap_err();
    assert_eq!(failure.kind, FailureKind::Transient, "{}", failure.reason);
    assert!(server.messages().is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_refused_address_bounces_and_a_deferral_or_a_relay_that_is_down_is_retried() {
    let mut server = SmtpServer::start(Options {
        reject: Some("^nobody@".to_owned()),
        tempfail: Some("^later@".to_owned()),
        ..Options::default()
    });
    let dir = scratch();
    let mailer = Mailer::from_settings(&through(&server, &dir)).unwrap();

    let refused = mailer
        .send(&message("nobody@example.org"))
        .await
        .unwrap_err();
    assert_eq!(refused.kind, FailureKind::Bounced, "{}", refused.reason);
    assert!(refused.reason.contains("550"), "{}", refused.reason);

    let deferred = mailer
        .send(&message("later@example.org"))
        .await
        .unwrap_err();
    assert_eq!(deferred.kind, FailureKind::Transient, "{}", deferred.reason);
    assert!(deferred.reason.contains("451"), "{}", deferred.reason);

    server.stop();
    let down = Mailer::from_settings(&through(&server, &dir))
        .unwrap()
        .send(&message("dana@example.org"))
        .await
        .unwrap_err();
    assert_eq!(down.kind, FailureKind::Transient, "{}", down.reason);
    assert!(server.messages().is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

/// A reminder row of trust A to `recipient` about `session`, queued and due now.
fn reminder_row(
    trust: Uuid,
    recipient: Uuid,
    session: Uuid,
) -> e::notification_outbox::ActiveModel {
    notifier::reminder_row(trust, recipient, session, "queued", SystemClock.now())
}

/// Queues `count` reminders for trust A's people (distinct keys), returning their ids.
async fn queue_many(app: &TestApp, tenants: &Tenants, count: usize) -> BTreeSet<Uuid> {
    let people = [
        tenants.dsl_a1,
        tenants.dsl_a2,
        tenants.head_a1,
        tenants.rsl_a,
    ];
    let mut ids = BTreeSet::new();
    for n in 0..count {
        let row = reminder_row(
            tenants.trust_a,
            people[n % people.len()],
            tenants.session_a2,
        )
        .insert(&app.test_db.owner)
        .await
        .unwrap();
        ids.insert(row.id);
    }
    ids
}

/// The email address of `person`.
async fn email_of(app: &TestApp, person: Uuid) -> String {
    e::person::Entity::find_by_id(person)
        .one(&app.test_db.owner)
        .await
        .unwrap()
        .unwrap()
        .email
}

/// Waits (at most `timeout`) until every row is settled.
async fn wait_settled(app: &TestApp, timeout: Duration) -> Vec<e::notification_outbox::Model> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let rows = outbox(app).await;
        if settled(&rows) {
            return rows;
        }
        let waiting = rows
            .iter()
            .filter(|row| !settled(std::slice::from_ref(row)))
            .count();
        assert!(
            tokio::time::Instant::now() < deadline,
            "{waiting} of {} rows still unsettled",
            rows.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// How many copies of each Message-ID arrived.
fn copies(received: &[Received]) -> BTreeMap<String, usize> {
    let mut copies = BTreeMap::new();
    for message in received {
        *copies.entry(message.message_id()).or_insert(0) += 1;
    }
    copies
}

/// `<id@host>` without the angle brackets.
fn bare(message_id: &str) -> String {
    message_id.trim_matches(['<', '>']).to_owned()
}

#[tokio::test]
async fn a_wrong_relay_password_keeps_the_message_queued_until_it_is_fixed() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let server = SmtpServer::start(Options {
            tls: Some(SmtpTls::Starttls),
            auth: true,
            ..Options::default()
        });
        let ids = queue_many(&app, &tenants, 1).await;
        let settings = server.smtp_settings();

        let wrong = RunningNotifier::start(&app, |email| {
            let mut smtp = settings.clone();
            smtp.password = Some("not-the-password".to_owned().into());
            email.smtp = Some(smtp);
        })
        .await;
        let rows = wait_until(&app, "a failed try recorded", |rows| {
            rows.iter()
                .all(|row| row.attempts >= 2 && row.status == "queued")
        })
        .await;
        wrong.stop().await;
        assert!(
            rows.iter().all(|row| row.status == "queued"),
            "{backend:?}: {rows:?}"
        );
        assert!(
            rows.iter()
                .all(|row| row.last_error.as_deref().is_some_and(|e| e.contains("535"))),
            "{backend:?}: {rows:?}"
        );

        let fixed = RunningNotifier::start(&app, |email| email.smtp = Some(settings.clone())).await;
        let rows = wait_until(&app, "sent", settled).await;
        fixed.stop().await;
        assert!(rows.iter().all(|row| row.status == "sent"), "{backend:?}");
        let received = server.messages();
        assert_eq!(received.len(), ids.len(), "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_refused_address_ends_bounced_and_a_deferred_one_is_retried_until_sent() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let refused_email = email_of(&app, tenants.dsl_a1).await;
        let deferred_email = email_of(&app, tenants.dsl_a2).await;
        let mut server = SmtpServer::start(Options {
            reject: Some(format!("^{}$", regex_escape(&refused_email))),
            tempfail: Some(format!("^{}$", regex_escape(&deferred_email))),
            ..Options::default()
        });
        let refused = reminder_row(tenants.trust_a, tenants.dsl_a1, tenants.session_a1)
            .insert(&app.test_db.owner)
            .await
            .unwrap();
        let deferred = reminder_row(tenants.trust_a, tenants.dsl_a2, tenants.session_a2)
            .insert(&app.test_db.owner)
            .await
            .unwrap();
        let settings = server.smtp_settings();
        let notifier = RunningNotifier::start(&app, |email| email.smtp = Some(settings)).await;

        let rows = wait_until(&app, "bounced, and deferred twice", |rows| {
            rows.iter()
                .any(|row| row.id == refused.id && row.status == "bounced")
                && rows
                    .iter()
                    .any(|row| row.id == deferred.id && row.attempts >= 2 && row.status == "queued")
        })
        .await;
        let bounced = rows.iter().find(|row| row.id == refused.id).unwrap();
        assert!(
            bounced
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("550")),
            "{backend:?}: {bounced:?}"
        );
        let waiting = rows.iter().find(|row| row.id == deferred.id).unwrap();
        assert_eq!(waiting.status, "queued", "{backend:?}: {waiting:?}");
        assert!(
            waiting
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("451")),
            "{backend:?}: {waiting:?}"
        );

        server.reconfigure(Options {
            reject: Some(format!("^{}$", regex_escape(&refused_email))),
            ..Options::default()
        });
        let rows = wait_until(&app, "the deferred one sent", settled).await;
        notifier.stop().await;
        let sent = rows.iter().find(|row| row.id == deferred.id).unwrap();
        assert_eq!(sent.status, "sent", "{backend:?}: {sent:?}");
        assert!(sent.attempts >= 3, "{backend:?}: {sent:?}");
        let received = server.messages();
        assert_eq!(received.len(), 1, "{backend:?}");
        assert_eq!(received[0].envelope_to, [deferred_email], "{backend:?}");
        app.stop().await;
    }
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = ".+*?()[]{}|^$\\".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

#[tokio::test]
async fn a_reminder_and_a_session_invite_arrive_from_the_trust_with_the_calendar_event() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let now = SystemClock.now();
        e::trust_email::ActiveModel {
            trust_id: Set(tenants.trust_a),
            sender_name: Set(Some("Telford Learning Trust".to_owned())),
            sender_address: Set(Some("safeguarding@telford.example".to_owned())),
            reply_to: Set(Some("dsl-team@telford.example".to_owned())),
            brand_colour: Set(Some("#225588".to_owned())),
            updated_at: Set(now),
        }
        .insert(&app.test_db.owner)
        .await
        .unwrap();
        let dana = email_of(&app, tenants.dsl_a2).await;
        let supervisor = email_of(&app, tenants.rsl_a).await;
        let reminder = reminder_row(tenants.trust_a, tenants.dsl_a2, tenants.session_a2)
            .insert(&app.test_db.owner)
            .await
            .unwrap();
        // 09:30 UTC on a June day is 10:30 in London (BST).
        let starts_at: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 6, 15, 9, 30, 0).unwrap();
        let invite = Invite {
            method: InviteMethod::Request,
            session_id: tenants.session_a2,
            sequence: 2,
            starts_at,
            duration_minutes: 60,
            session_kind: "formal".to_owned(),
            mode: "in_person".to_owned(),
            location: Some("Room 4".to_owned()),
            academy: "Academy A2".to_owned(),
            supervisor: Addressee {
                name: "Rob Supervisor".to_owned(),
                email: supervisor,
            },
            supervisees: vec![Addressee {
                name: "Dana".to_owned(),
                email: dana.clone(),
            }],
        };
        let mut invite_row = reminder_row(tenants.trust_a, tenants.dsl_a2, tenants.session_a2);
        invite_row.rule = Set(SESSION_INVITE_RULE.to_owned());
        invite_row.payload = Set(Some(serde_json::to_value(&invite).unwrap()));
        let invite_row = invite_row.insert(&app.test_db.owner).await.unwrap();

        let server = SmtpServer::start(Options::default());
        let settings = server.smtp_settings();
        let notifier = RunningNotifier::start(&app, |email| email.smtp = Some(settings)).await;
        let rows = wait_until(&app, "both sent", settled).await;
        notifier.stop().await;
        let received = server.messages();
        assert_eq!(received.len(), 2, "{backend:?}");

        for id in [reminder.id, invite_row.id] {
            let row = rows.iter().find(|row| row.id == id).unwrap();
            assert_eq!(row.status, "sent", "{backend:?}: {row:?}");
            let message_id = bare(row.message_id.as_deref().unwrap());
            let arrived = received
                .iter()
                .find(|m| m.message_id() == message_id)
                .unwrap_or_else(|| panic!("{backend:?}: {message_id} arrived"));
            assert_eq!(arrived.envelope_to, [dana.as_str()], "{backend:?}");
            let parsed = arrived.parsed();
            let from = parsed.from().unwrap().first().unwrap();
            assert_eq!(from.address(), Some("safeguarding@telford.example"));
            assert_eq!(from.name(), Some("Telford Learning Trust"));
            let reply_to = parsed.reply_to().unwrap().first().unwrap();
            assert_eq!(reply_to.address(), Some("dsl-team@telford.example"));
            let to = parsed.to().unwrap().first().unwrap();
            assert_eq!(to.address(), Some(dana.as_str()));
            assert!(!parsed.subject().unwrap_or_default().is_empty());
            assert!(
                !parsed.body_text(0).unwrap().trim().is_empty(),
                "{backend:?}"
            );
            assert!(parsed.body_html(0).unwrap().contains("<"), "{backend:?}");
        }

        let invite_id = bare(invite_row_message_id(&rows, invite_row.id));
        let arrived = received
            .iter()
            .find(|m| m.message_id() == invite_id)
            .unwrap();
        let parsed = arrived.parsed();
        let calendar = parsed
            .parts
            .iter()
            .find(|part| {
                part.content_type().is_some_and(|ct| {
                    ct.ctype().eq_ignore_ascii_case("text")
                        && ct
                            .subtype()
                            .is_some_and(|s| s.eq_ignore_ascii_case("calendar"))
                })
            })
            .and_then(|part| part.text_contents())
            .unwrap_or_else(|| panic!("{backend:?}: a text/calendar part"));
        let unfolded = icalendar::parser::unfold(calendar);
        let ics = icalendar::parser::read_calendar(&unfolded).unwrap();
        let method = ics.properties.iter().find(|p| p.name == "METHOD").unwrap();
        assert_eq!(method.val.as_str(), "REQUEST", "{backend:?}");
        let event = ics.components.iter().find(|c| c.name == "VEVENT").unwrap();
        assert_eq!(event.find_prop("UID").unwrap().val.as_str(), invite.uid());
        assert_eq!(event.find_prop("SEQUENCE").unwrap().val.as_str(), "2");
        let start = event.find_prop("DTSTART").unwrap();
        assert_eq!(start.val.as_str(), "20260615T103000", "{backend:?}");
        assert!(
            start
                .params
                .iter()
                .any(|p| p.key == "TZID" && p.val.as_ref().is_some_and(|v| v == &"Europe/London")),
            "{backend:?}: {:?}",
            start.params
        );
        app.stop().await;
    }
}

fn invite_row_message_id(rows: &[e::notification_outbox::Model], id: Uuid) -> &str {
    rows.iter()
        .find(|row| row.id == id)
        .and_then(|row| row.message_id.as_deref())
        .unwrap()
}

#[tokio::test]
async fn a_thousand_messages_queued_while_the_relay_is_down_each_arrive_once_when_it_returns() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let mut server = SmtpServer::start(Options::default());
        server.stop();
        let ids = queue_many(&app, &tenants, 1000).await;
        let settings = server.smtp_settings();
        let notifier = RunningNotifier::start(&app, |email| email.smtp = Some(settings)).await;

        tokio::time::sleep(Duration::from_secs(10)).await;
        let tried = outbox(&app).await;
        assert!(
            tried
                .iter()
                .all(|row| row.status == "queued" || row.status == "sending"),
            "{backend:?}: nothing given up while the relay is down"
        );
        let started = std::time::Instant::now();
        server.restart();
        let rows = wait_settled(&app, LONG).await;
        let took = started.elapsed();
        notifier.stop().await;

        assert!(rows.iter().all(|row| row.status == "sent"), "{backend:?}");
        let received = server.messages();
        let copies = copies(&received);
        eprintln!(
            "{backend:?}: {} messages, {} distinct, {took:?} after the relay returned",
            received.len(),
            copies.len()
        );
        assert_eq!(received.len(), ids.len(), "{backend:?}");
        assert_eq!(copies.len(), ids.len(), "{backend:?}");
        let expected: BTreeSet<String> = rows
            .iter()
            .map(|row| bare(row.message_id.as_deref().unwrap()))
            .collect();
        assert_eq!(copies.keys().cloned().collect::<BTreeSet<_>>(), expected);
        app.stop().await;
    }
}

/// A `haven notifier` process on `app`'s database, with the job queue at `queue_url`,
/// sending through `server`.
fn notifier_process(app: &TestApp, queue_url: &str, server: &SmtpServer, dir: &Path) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_haven"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("HAVEN_")) {
        command.env_remove(name);
    }
    command
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env("HAVEN_LOG__FILTER", "warn")
        .env("HAVEN_DATABASE__URL", &app.test_db.url)
        .env("HAVEN_DATABASE__MIGRATION_URL", &app.test_db.owner_url)
        .env("HAVEN_QUEUE__URL", queue_url)
        .env("HAVEN_EMAIL__SMTP__HOST", "127.0.0.1")
        .env("HAVEN_EMAIL__SMTP__PORT", server.port.to_string())
        .env("HAVEN_EMAIL__SMTP__TLS", "none")
        .env("HAVEN_EMAIL__POLL_INTERVAL_MS", "50")
        .env("HAVEN_EMAIL__RETRY_BASE_SECONDS", "1")
        .env("HAVEN_EMAIL__RETRY_MAX_SECONDS", "2")
        .env("HAVEN_EMAIL__SENDING_TIMEOUT_SECONDS", "3")
        .env("HAVEN_EMAIL__SMTP__TIMEOUT_SECONDS", "2")
        .arg("notifier")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Stops a notifier process as an operator does (SIGTERM) and waits for it.
fn terminate(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// The job queue for notifier processes: on PostgreSQL the test database itself (as its
/// owner, who may create the queue's tables), on SQLite a file of its own.
async fn process_queue(app: &TestApp, backend: Backend, dir: &Path) -> String {
    let url = match backend {
        Backend::Postgres => app.test_db.owner_url.clone(),
        Backend::Sqlite => format!("sqlite://{}/queue.db", dir.display()),
    };
    // Set up once, so the processes do not race to create the queue's tables.
    haven_jobs::QueueStore::connect(&url)
        .await
        .unwrap()
        .close()
        .await;
    url
}

#[tokio::test]
async fn two_notifier_processes_on_one_postgres_send_each_message_once() {
    for backend in backends() {
        if backend == Backend::Sqlite {
            eprintln!("skipped on SQLite: the embedded default runs one notifier");
            continue;
        }
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let server = SmtpServer::start(Options::default());
        let dir = scratch();
        let ids = queue_many(&app, &tenants, 500).await;
        let queue = process_queue(&app, backend, &dir).await;

        let started = std::time::Instant::now();
        let one = notifier_process(&app, &queue, &server, &dir);
        let two = notifier_process(&app, &queue, &server, &dir);
        let rows = wait_settled(&app, LONG).await;
        eprintln!("two notifier processes sent 500 in {:?}", started.elapsed());
        terminate(one);
        terminate(two);

        assert!(rows.iter().all(|row| row.status == "sent"), "{backend:?}");
        let received = server.messages();
        let copies = copies(&received);
        assert_eq!(received.len(), ids.len(), "{backend:?}: none sent twice");
        assert_eq!(copies.len(), ids.len(), "{backend:?}");
        std::fs::remove_dir_all(dir).unwrap();
        app.stop().await;
    }
}

#[tokio::test]
async fn a_notifier_killed_mid_batch_loses_nothing_and_resends_only_in_flight_messages() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let server = SmtpServer::start(Options::default());
        let pool_size = usize::try_from(server.smtp_settings().pool_size).unwrap();
        let dir = scratch();
        let ids = queue_many(&app, &tenants, 500).await;
        let queue = process_queue(&app, backend, &dir).await;

        let mut first = notifier_process(&app, &queue, &server, &dir);
        let before_kill = server.wait_for(100, LONG).await.len();
        first.kill().unwrap();
        first.wait().unwrap();
        let at_kill = server.messages().len();
        let second = notifier_process(&app, &queue, &server, &dir);
        let rows = wait_settled(&app, LONG).await;
        terminate(second);

        assert!(rows.iter().all(|row| row.status == "sent"), "{backend:?}");
        let received = server.messages();
        let copies = copies(&received);
        let duplicated: Vec<_> = copies.iter().filter(|(_, n)| **n > 1).collect();
        eprintln!(
            "{backend:?}: killed after {before_kill}..{at_kill} of 500 arrived; {} messages in \
             all, {} distinct, sent again: {duplicated:?}",
            received.len(),
            copies.len()
        );
        assert_eq!(
            copies.len(),
            ids.len(),
            "{backend:?}: every message arrived"
        );
        let expected: BTreeSet<String> = rows
            .iter()
            .map(|row| bare(row.message_id.as_deref().unwrap()))
            .collect();
        assert_eq!(
            copies.keys().cloned().collect::<BTreeSet<_>>(),
            expected,
            "{backend:?}: a copy sent again carries its first Message-ID"
        );
        assert!(
            received.len() - ids.len() <= pool_size,
            "{backend:?}: at most the in-flight messages sent again"
        );
        std::fs::remove_dir_all(dir).unwrap();
        app.stop().await;
    }
}

#[tokio::test]
async fn a_relay_that_takes_a_message_and_never_answers_times_out_as_a_temporary_failure() {
    let server = SmtpServer::start(Options {
        hang: Some("^stuck@".to_owned()),
        ..Options::default()
    });
    let dir = scratch();
    let mut settings = through(&server, &dir);
    if let Some(smtp) = settings.smtp.as_mut() {
        smtp.timeout_seconds = 1;
        smtp.pool_size = 1;
    }
    let mailer = Mailer::from_settings(&settings).unwrap();
    let bounded = Duration::from_secs(10);

    let started = std::time::Instant::now();
    let failure = tokio::time::timeout(bounded, mailer.send(&message("stuck@example.org")))
        .await
        .expect("the send gave up by itself")
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(failure.kind, FailureKind::Transient, "{}", failure.reason);
    assert!(
        failure.reason.contains("within 1s"),
        "the reason says it timed out: {}",
        failure.reason
    );

    // The connection left mid-message is not used again: the next message goes at once.
    let accepted = tokio::time::timeout(bounded, mailer.send(&message("dana@example.org")))
        .await
        .expect("the next send was not held up")
        .unwrap();
    assert!(
        accepted.response.starts_with("250 "),
        "{}",
        accepted.response
    );
    let received = server.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].envelope_to, ["dana@example.org"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_connection_the_relay_drops_mid_message_is_retried_and_recorded_as_dropped() {
    let server = SmtpServer::start(Options {
        drop: Some("^cut@".to_owned()),
        ..Options::default()
    });
    let dir = scratch();
    let mailer = Mailer::from_settings(&through(&server, &dir)).unwrap();
    let failure = mailer.send(&message("cut@example.org")).await.unwrap_err();
    assert_eq!(failure.kind, FailureKind::Transient, "{}", failure.reason);
    assert!(
        failure
            .reason
            .contains("closed the connection before it answered"),
        "{}",
        failure.reason
    );
    assert!(server.messages().is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_relay_that_never_answers_some_messages_does_not_stop_the_others() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        let stuck_email = email_of(&app, tenants.dsl_a1).await;
        let mut server = SmtpServer::start(Options {
            hang: Some(format!("^{}$", regex_escape(&stuck_email))),
            ..Options::default()
        });
        // The messages the relay will sit on are queued first, one for each connection.
        let mut stuck = BTreeSet::new();
        for _ in 0..2 {
            let row = reminder_row(tenants.trust_a, tenants.dsl_a1, tenants.session_a1)
                .insert(&app.test_db.owner)
                .await
                .unwrap();
            stuck.insert(row.id);
        }
        let mut others = BTreeSet::new();
        for person in [tenants.dsl_a2, tenants.head_a1, tenants.rsl_a] {
            for _ in 0..2 {
                let row = reminder_row(tenants.trust_a, person, tenants.session_a2)
                    .insert(&app.test_db.owner)
                    .await
                    .unwrap();
                others.insert(row.id);
            }
        }
        let mut settings = server.smtp_settings();
        settings.pool_size = 2;
        settings.timeout_seconds = 1;
        let notifier = RunningNotifier::start(&app, |email| email.smtp = Some(settings)).await;

        let rows = wait_until(&app, "the others sent, the stuck ones timed out", |rows| {
            rows.iter()
                .filter(|row| others.contains(&row.id))
                .all(|row| row.status == "sent")
                && rows
                    .iter()
                    .filter(|row| stuck.contains(&row.id))
                    .all(|row| {
                        row.status == "queued"
                            && row.attempts >= 1
                            && row
                                .last_error
                                .as_deref()
                                .is_some_and(|e| e.contains("within 1s"))
                    })
        })
        .await;
        assert!(
            rows.iter()
                .filter(|row| stuck.contains(&row.id))
                .all(|row| row.sent_at.is_none()),
            "{backend:?}"
        );

        server.reconfigure(Options::default());
        let rows = wait_until(&app, "all sent once the relay answers", settled).await;
        notifier.stop().await;
        assert!(rows.iter().all(|row| row.status == "sent"), "{backend:?}");
        let received = server.messages();
        assert_eq!(received.len(), stuck.len() + others.len(), "{backend:?}");
        assert_eq!(copies(&received).len(), received.len(), "{backend:?}");
        app.stop().await;
    }
}
