//! The notifier, run in-process against a test app's database: a test starts it with its own
//! email settings, watches the outbox until the rows it cares about are settled, and stops it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use haven_config::EmailSettings;
use haven_entity as e;
use haven_jobs::{QueueStore, SystemClock};
use haven_notifier::Notifier;
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::TestApp;

/// How long a test waits for the outbox to reach the state it expects.
pub const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Haven's default email settings with `.eml` files in `dir/outbox`, a fast poll and short
/// retries (1 s, doubling to 2 s), for a test to adjust further.
pub fn email_settings(dir: &Path) -> EmailSettings {
    let mut email = haven_config::Settings::load_from(None, Vec::<(String, String)>::new())
        .unwrap()
        .email;
    email.outbox_dir = dir.join("outbox");
    email.smtp = None;
    email.poll_interval_ms = 50;
    email.retry_base_seconds = 1;
    email.retry_max_seconds = 2;
    email.max_attempts = 30;
    email.sending_timeout_seconds = 600;
    email
}

/// A notifier running on the test app's database with a job queue of its own (a SQLite file)
/// or a shared one.
pub struct RunningNotifier {
    /// The settings it runs with.
    pub settings: EmailSettings,
    /// Its job queue.
    pub queue: QueueStore,
    dir: PathBuf,
    stop: oneshot::Sender<()>,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningNotifier {
    /// Starts a notifier on `app`'s database with settings from [`email_settings`] changed by
    /// `adjust`, and a fresh SQLite job queue.
    pub async fn start(app: &TestApp, adjust: impl FnOnce(&mut EmailSettings)) -> Self {
        let dir = scratch_dir();
        let queue = QueueStore::connect(&format!("sqlite://{}/queue.db", dir.display()))
            .await
            .unwrap();
        Self::start_in(app, queue, dir, adjust)
    }

    /// As [`RunningNotifier::start`], on `queue` (to run several notifiers on one queue).
    pub async fn start_on_queue(
        app: &TestApp,
        queue: QueueStore,
        adjust: impl FnOnce(&mut EmailSettings),
    ) -> Self {
        Self::start_in(app, queue, scratch_dir(), adjust)
    }

    fn start_in(
        app: &TestApp,
        queue: QueueStore,
        dir: PathBuf,
        adjust: impl FnOnce(&mut EmailSettings),
    ) -> Self {
        let mut settings = email_settings(&dir);
        adjust(&mut settings);
        let notifier = Notifier::build(
            app.test_db.db.clone(),
            queue.clone(),
            &settings,
            &app.address,
            SystemClock,
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(notifier.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Self {
            settings,
            queue,
            dir,
            stop,
            running,
        }
    }

    /// Where it writes `.eml` files when it has no SMTP relay.
    pub fn outbox_dir(&self) -> &Path {
        &self.settings.outbox_dir
    }

    /// The `.eml` files written so far, each read whole.
    pub fn eml_files(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.outbox_dir()) else {
            return Vec::new();
        };
        entries
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .map(|path| std::fs::read_to_string(path).unwrap())
            .collect()
    }

    /// Stops it, waiting for in-flight deliveries, and removes its files.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(40), self.running)
            .await
            .expect("the notifier stopped in time")
            .unwrap()
            .unwrap();
        self.queue.close().await;
        let _ = std::fs::remove_dir_all(self.dir);
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("haven-notifier-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every outbox row of every trust, read as the schema owner.
pub async fn outbox(app: &TestApp) -> Vec<e::notification_outbox::Model> {
    e::notification_outbox::Entity::find()
        .all(&app.test_db.owner)
        .await
        .unwrap()
}

/// Waits until `done` holds of the outbox (at most [`SETTLE_TIMEOUT`]) and returns it; `what`
/// names the state for the failure message.
pub async fn wait_until(
    app: &TestApp,
    what: &str,
    done: impl Fn(&[e::notification_outbox::Model]) -> bool,
) -> Vec<e::notification_outbox::Model> {
    let deadline = tokio::time::Instant::now() + SETTLE_TIMEOUT;
    loop {
        let rows = outbox(app).await;
        if done(&rows) {
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the outbox never reached: {what}; it is {:#?}",
            rows.iter()
                .map(|row| (&row.rule, &row.status, row.attempts, &row.last_error))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether no row is waiting or in flight: each is sent, failed, bounced, suppressed or in a
/// digest.
pub fn settled(rows: &[e::notification_outbox::Model]) -> bool {
    rows.iter()
        .all(|row| row.status != "queued" && row.status != "sending")
}

/// An outbox row of trust `trust`: a `session_tomorrow` reminder to `recipient` about
/// `session`, with `status`, written `now` under a key of its own.
pub fn reminder_row(
    trust: Uuid,
    recipient: Uuid,
    session: Uuid,
    status: &str,
    now: DateTime<Utc>,
) -> e::notification_outbox::ActiveModel {
    e::notification_outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust),
        idempotency_key: Set(format!("test:{}", Uuid::now_v7())),
        rule: Set("session_tomorrow".to_owned()),
        subject_kind: Set("session".to_owned()),
        subject_id: Set(session),
        due_on: Set(NaiveDate::from_ymd_opt(2026, 1, 12).unwrap()),
        recipient_id: Set(recipient),
        status: Set(status.to_owned()),
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
    }
}
