//! Email throughput: outbox rows through Haven's notifier to a real SMTP server, next to a bare
//! lettre loop sending the same messages over a pool of the same size (issue 7).
//!
//! ```text
//! cargo bench -p haven --bench notify
//! HAVEN_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p haven --bench notify
//! ```
//!
//! `HAVEN_BENCH_EMAILS` (default 2000) is how many rows are queued, `HAVEN_BENCH_POOL` (default 4)
//! the SMTP connections both sides keep open. The server is `tests/smtp/server.py` (aiosmtpd under
//! `/usr/bin/python3`, the Debian package `python3-aiosmtpd`), writing each message to a file.
//! SQLite always runs (a temporary file); PostgreSQL runs in a fresh database, dropped
//! afterwards, when `HAVEN_TEST_POSTGRES_URL` names a server. Each engine gets a small generated
//! trust (`haven seed --generate`) whose people the rows are addressed to.

#![allow(
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark's harness: it prints its table and stops at the first failure"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use haven_config::{SmtpSettings, SmtpTls};
use haven_entity as e;
use haven_jobs::{Clock, QueueStore, SystemClock};
use haven_notifier::Notifier;
use haven_store::Db;
use lettre::address::Envelope;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

mod common;
use common::{env_number, generate_trust, ms};
use haven_testkit::ScratchDatabase;

/// The test SMTP server, writing into `dir/mail/new`.
struct Server {
    port: u16,
    dir: PathBuf,
    child: Child,
}

impl Server {
    fn start(dir: &Path) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/smtp/server.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg("--maildir")
            .arg(dir.join("mail"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3-aiosmtpd is installed");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("the SMTP server did not start: {line:?}"))
            .parse()
            .unwrap();
        Self {
            port,
            dir: dir.join("mail/new"),
            child,
        }
    }

    /// The messages received so far, as files.
    fn files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.dir)
            .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
            .unwrap_or_default()
    }

    /// Forgets what it has received.
    fn clear(&self) {
        for file in self.files() {
            std::fs::remove_file(file).unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One engine's run.
struct Row {
    engine: &'static str,
    emails: usize,
    took: Duration,
}

#[tokio::main]
async fn main() {
    let emails = env_number("HAVEN_BENCH_EMAILS", 2000);
    let pool = env_number("HAVEN_BENCH_POOL", 4);
    let dir = std::env::temp_dir().join(format!("haven-bench-notify-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = Server::start(&dir);
    let mut rows = Vec::new();

    let url = format!("sqlite://{}/haven.db", dir.display());
    let queue = format!("sqlite://{}/queue.db", dir.display());
    rows.push(engine("SQLite", &url, &queue, &server, emails, pool).await);

    let sent = raw_messages(&server);
    assert_eq!(sent.len(), emails, "Haven sent each message once");
    server.clear();
    let lettre = bare_lettre(&server, &sent, pool).await;
    assert_eq!(
        server.files().len(),
        emails,
        "lettre sent each message once"
    );
    server.clear();

    if let Ok(server_url) = std::env::var("HAVEN_TEST_POSTGRES_URL") {
        let postgres = ScratchDatabase::on_postgres(&server_url).await;
        let url = &postgres.url;
        rows.push(engine("PostgreSQL", url, url, &server, emails, pool).await);
        assert_eq!(server.files().len(), emails, "Haven sent each message once");
        postgres.drop_database().await;
    }
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();

    println!();
    println!("{emails} emails, a pool of {pool} SMTP connections");
    println!();
    println!("| sender | emails | time | emails/s | bare lettre / this |");
    println!("|---|---|---|---|---|");
    let lettre_rate = rate(emails, lettre);
    println!(
        "| bare lettre | {emails} | {} | {lettre_rate:.0} | 1.0× |",
        ms(lettre)
    );
    for row in rows {
        let haven = rate(row.emails, row.took);
        println!(
            "| Haven notifier, {} | {} | {} | {haven:.0} | {:.1}× |",
            row.engine,
            row.emails,
            ms(row.took),
            lettre_rate / haven.max(1e-9),
        );
    }
}

fn rate(emails: usize, took: Duration) -> f64 {
    f64::from(u32::try_from(emails).unwrap()) / took.as_secs_f64().max(1e-9)
}

/// Seeds a small trust on `url`, queues `emails` reminders to its people and times the notifier
/// from its start until every row is `sent`.
async fn engine(
    engine: &'static str,
    url: &str,
    queue_url: &str,
    server: &Server,
    emails: usize,
    pool: usize,
) -> Row {
    generate_trust(engine, url, 4, 1);

    let db = Db::connect(url, 8).await.unwrap();
    let trust = haven_store::trust::find_by_slug(&db, "bench")
        .await
        .unwrap()
        .unwrap();
    let people = e::person::Entity::find()
        .filter(e::person::Column::TrustId.eq(trust.id))
        .all(db.schema_connection())
        .await
        .unwrap();
    let sessions = e::supervision_session::Entity::find()
        .filter(e::supervision_session::Column::TrustId.eq(trust.id))
        .all(db.schema_connection())
        .await
        .unwrap();
    let now = SystemClock.now();
    let queued: Vec<e::notification_outbox::ActiveModel> = (0..emails)
        .map(|n| e::notification_outbox::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(trust.id),
            idempotency_key: Set(format!("bench:{n}")),
            rule: Set("session_tomorrow".to_owned()),
            subject_kind: Set("session".to_owned()),
            subject_id: Set(sessions[n % sessions.len()].id),
            due_on: Set(NaiveDate::from_ymd_opt(2026, 1, 12).unwrap()),
            recipient_id: Set(people[n % people.len()].id),
            status: Set("queued".to_owned()),
            attempts: Set(0),
            last_error: Set(None),
            smtp_response: Set(None),
            message_id: Set(None),
            queued_at: Set(now),
            sent_at: Set(None),
            next_attempt_at: Set(Some(now)),
            payload: Set(None),
            digest_key: Set(None),
            sending_at: Set(None),
            delivered_to: Set(None),
        })
        .collect();
    for chunk in queued.chunks(500) {
        e::notification_outbox::Entity::insert_many(chunk.to_vec())
            .exec(db.schema_connection())
            .await
            .unwrap();
    }

    let queue = QueueStore::connect(queue_url).await.unwrap();
    let mut settings = haven_config::Settings::load_from(None, Vec::<(String, String)>::new())
        .unwrap()
        .email;
    settings.smtp = Some(SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port: server.port,
        tls: SmtpTls::None,
        username: None,
        password: None,
        ca_file: None,
        pool_size: u32::try_from(pool).unwrap(),
        timeout_seconds: 30,
    });
    settings.poll_interval_ms = 50;
    let notifier = Notifier::build(
        db.clone(),
        queue.clone(),
        &settings,
        "http://localhost:8080",
        SystemClock,
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let running = tokio::spawn(notifier.run_until_stopped(async {
        let _ = stopped.await;
    }));
    loop {
        let sent = e::notification_outbox::Entity::find()
            .filter(e::notification_outbox::Column::Status.eq("sent"))
            .count(db.schema_connection())
            .await
            .unwrap();
        if usize::try_from(sent).unwrap() == emails {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "{engine}: {sent} of {emails} sent after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed();
    println!("{engine}: {emails} sent in {}", ms(took));
    let _ = stop.send(());
    running.await.unwrap().unwrap();
    queue.close().await;
    Row {
        engine,
        emails,
        took,
    }
}

/// The messages the server received, with their envelopes, as lettre sends them raw.
fn raw_messages(server: &Server) -> Vec<(Envelope, Vec<u8>)> {
    server
        .files()
        .into_iter()
        .map(|path| {
            let raw = std::fs::read(path).unwrap();
            let text = String::from_utf8(raw).unwrap();
            let (from, rest) = text
                .strip_prefix("X-Envelope-From: ")
                .unwrap()
                .split_once("\r\n")
                .unwrap();
            let (to, body) = rest
                .strip_prefix("X-Envelope-To: ")
                .unwrap()
                .split_once("\r\n")
                .unwrap();
            let envelope =
                Envelope::new(Some(from.parse().unwrap()), vec![to.parse().unwrap()]).unwrap();
            (envelope, body.as_bytes().to_vec())
        })
        .collect()
}

/// Sends `messages` with lettre alone over a pool of `pool` connections, `pool` at a time.
async fn bare_lettre(server: &Server, messages: &[(Envelope, Vec<u8>)], pool: usize) -> Duration {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(server.port)
        .pool_config(PoolConfig::new().max_size(u32::try_from(pool).unwrap()))
        .build();
    let started = Instant::now();
    for chunk in messages.chunks(pool) {
        let sends = chunk
            .iter()
            .map(|(envelope, raw)| transport.send_raw(envelope, raw));
        for result in futures::future::join_all(sends).await {
            result.unwrap();
        }
    }
    let took = started.elapsed();
    println!("bare lettre: {} sent in {}", messages.len(), ms(took));
    took
}
