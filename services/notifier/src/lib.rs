//! The notifier service: delivers the notification outbox (DESIGN §5).
//!
//! Two halves run together. The [`dispatch::Dispatcher`] leases the outbox rows that are due
//! and pushes a [`Notify`] job for each onto [`NOTIFY_QUEUE`]; the apalis worker
//! ([`deliver::Deliverer`]) claims each row, composes its email ([`render`]) and sends it
//! ([`transport`]), then records the relay's answer on the row. The outbox table is the truth:
//! retries, give-ups and recovery after a crash are all decided from the row.

pub mod deliver;
pub mod dispatch;
pub mod render;
pub mod transport;

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use apalis::prelude::{Monitor, WorkerBuilder, WorkerBuilderExt};
use haven_config::EmailSettings;
use haven_jobs::{
    Clock, NOTIFY_QUEUE, Notify, QueueStore, postgres_worker, retry_with_backoff, sqlite_worker,
};
use haven_store::Db;
use haven_store::outbox::SenderDefaults;
use tokio::sync::watch;
use uuid::Uuid;

use crate::deliver::{Deliverer, RetryRule};
use crate::dispatch::Dispatcher;
use crate::render::Renderer;
use crate::transport::Mailer;

/// How long a stopping notifier waits for an in-flight delivery.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// In-process retries of a job whose row could not be read or recorded (a database blip),
/// waiting 1 s, 2 s, 4 s… up to 5 min; SMTP failures never fail a job, the row records them.
const RETRIES: usize = 5;
const RETRY_MIN: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(300);
/// Deliveries at once on the embedded default, which writes files.
const FILE_CONCURRENCY: usize = 4;

/// The notifier service, ready to run.
pub struct Notifier {
    db: Db,
    queue: QueueStore,
    settings: EmailSettings,
    public_url: String,
    clock: Arc<dyn Clock>,
}

impl Notifier {
    /// `db` holds the outbox rows; `queue` carries [`Notify`] jobs; `settings` say how email
    /// leaves and how often it is retried; links in email are built on `public_url`; `clock`
    /// dates every send and retry.
    #[must_use]
    pub fn build(
        db: Db,
        queue: QueueStore,
        settings: &EmailSettings,
        public_url: &str,
        clock: impl Clock,
    ) -> Self {
        Self {
            db,
            queue,
            settings: settings.clone(),
            public_url: public_url.to_owned(),
            clock: Arc::new(clock),
        }
    }

    /// Delivers the outbox until `shutdown` completes, letting in-flight deliveries finish.
    ///
    /// # Errors
    /// The templates or the transport cannot be set up, or the worker failed beyond restart.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let settings = &self.settings;
        if settings.smtp.is_none() {
            std::fs::create_dir_all(&settings.outbox_dir).with_context(|| {
                format!("creating the outbox {}", settings.outbox_dir.display())
            })?;
        }
        let renderer = Renderer::new(&self.public_url).context("the email templates")?;
        let mailer = Mailer::from_settings(settings).context("the email transport")?;
        let concurrency = settings.smtp.as_ref().map_or(FILE_CONCURRENCY, |smtp| {
            usize::try_from(smtp.pool_size).unwrap_or(1).max(1)
        });
        let deliverer = Deliverer::new(
            self.db.clone(),
            renderer,
            mailer,
            SenderDefaults {
                name: settings.sender_name.clone(),
                address: settings.sender_address.clone(),
                colour: settings.brand_colour.clone(),
            },
            RetryRule {
                base: Duration::from_secs(settings.retry_base_seconds),
                max: Duration::from_secs(settings.retry_max_seconds),
                max_attempts: settings.max_attempts,
            },
            Arc::clone(&self.clock),
        );
        let dispatcher = Dispatcher::new(
            self.db.clone(),
            self.queue.clone(),
            Arc::clone(&self.clock),
            Duration::from_secs(settings.sending_timeout_seconds),
            settings.max_attempts,
        );
        let poll = Duration::from_millis(settings.poll_interval_ms.max(1));

        let (stop, stopping) = watch::channel(false);
        let dispatching = tokio::spawn(dispatcher.run(poll, stopping.clone()));
        let retry = retry_with_backoff(RETRIES, RETRY_MIN, RETRY_MAX)?;
        // Unique among live workers: apalis refuses a name whose heartbeat is still fresh.
        let name = format!("haven-notify-{}", Uuid::now_v7().simple());
        let monitor = Monitor::new().shutdown_timeout(SHUTDOWN_TIMEOUT);
        let monitor = match self.queue {
            QueueStore::Sqlite(pool) => monitor.register(move |_| {
                WorkerBuilder::new(name.as_str())
                    .backend(sqlite_worker::<Notify>(&pool))
                    .concurrency(concurrency)
                    .retry(retry.clone())
                    .data(deliverer.clone())
                    .build(deliver::deliver)
            }),
            QueueStore::Postgres(pool) => monitor.register(move |_| {
                WorkerBuilder::new(name.as_str())
                    .backend(postgres_worker::<Notify>(&pool))
                    .concurrency(concurrency)
                    .retry(retry.clone())
                    .data(deliverer.clone())
                    .build(deliver::deliver)
            }),
        };

        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        tracing::info!(queue = NOTIFY_QUEUE, concurrency, "notifier running");
        let mut stopped = stopping;
        let outcome = monitor
            .run_with_signal(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
                Ok(())
            })
            .await;
        dispatching.abort();
        let _ = dispatching.await;
        outcome?;
        tracing::info!("notifier stopped");
        Ok(())
    }
}
