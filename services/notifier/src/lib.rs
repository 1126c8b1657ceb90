//! The notifier service: a worker on [`NOTIFY_QUEUE`] that delivers outbox rows.
//!
//! Rendering the outbox row and sending it with lettre come with the outbox itself; today the
//! worker consumes its queue, retries with backoff, stops gracefully, and logs what it would send.

use std::{path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context as _;
use apalis::prelude::{Attempt, BoxDynError, Data, Monitor, WorkerBuilder, WorkerBuilderExt};
use haven_jobs::{
    NOTIFY_QUEUE, Notify, QueueStore, postgres_worker, retry_with_backoff, sqlite_worker,
};
use haven_store::Db;
use uuid::Uuid;

/// How long a stopping notifier waits for an in-flight delivery.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// In-process retries of a failed delivery (an SMTP or database blip), waiting 1 s, 2 s, 4 s…
/// up to 5 min; after them the queue re-runs the job until its attempts are spent.
const RETRIES: usize = 5;
const RETRY_MIN: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(300);

/// The notifier service, ready to run.
pub struct Notifier {
    db: Db,
    queue: QueueStore,
    outbox_dir: PathBuf,
}

/// What a delivery needs: the records database (the outbox table) and the directory where
/// email is written as `.eml` files when no SMTP server is configured.
#[derive(Clone)]
struct Outbox {
    db: Db,
    dir: Arc<PathBuf>,
}

impl Notifier {
    /// `db` holds the outbox rows; `queue` carries [`Notify`] jobs; `outbox_dir` receives
    /// file-transport email (created at start if missing).
    #[must_use]
    pub fn build(db: Db, queue: QueueStore, outbox_dir: PathBuf) -> Self {
        Self {
            db,
            queue,
            outbox_dir,
        }
    }

    /// Delivers queued notifications until `shutdown` completes, letting an in-flight
    /// delivery finish.
    ///
    /// # Errors
    /// The outbox directory cannot be created, or the worker failed beyond restart.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.outbox_dir)
            .with_context(|| format!("creating the outbox {}", self.outbox_dir.display()))?;
        let retry = retry_with_backoff(RETRIES, RETRY_MIN, RETRY_MAX)?;
        let outbox = Outbox {
            db: self.db,
            dir: Arc::new(self.outbox_dir),
        };
        // Unique among live workers: apalis refuses a name whose heartbeat is still fresh.
        let name = format!("haven-notify-{}", Uuid::now_v7().simple());

        let monitor = Monitor::new().shutdown_timeout(SHUTDOWN_TIMEOUT);
        let monitor = match self.queue {
            QueueStore::Sqlite(pool) => monitor.register(move |_| {
                WorkerBuilder::new(name.as_str())
                    .backend(sqlite_worker::<Notify>(&pool))
                    .retry(retry.clone())
                    .data(outbox.clone())
                    .build(deliver)
            }),
            QueueStore::Postgres(pool) => monitor.register(move |_| {
                WorkerBuilder::new(name.as_str())
                    .backend(postgres_worker::<Notify>(&pool))
                    .retry(retry.clone())
                    .data(outbox.clone())
                    .build(deliver)
            }),
        };

        tracing::info!(queue = NOTIFY_QUEUE, "notifier running");
        monitor
            .run_with_signal(async move {
                shutdown.await;
                Ok(())
            })
            .await?;
        tracing::info!("notifier stopped");
        Ok(())
    }
}

/// Delivers one outbox row.
///
/// Until rendering lands it checks the records database answers (the outbox row lives there,
/// so a delivery is never marked done while the records are unreachable) and logs the row.
async fn deliver(job: Notify, attempt: Attempt, outbox: Data<Outbox>) -> Result<(), BoxDynError> {
    outbox.db.ping().await?;
    tracing::info!(
        outbox_id = %job.outbox_id,
        attempt = attempt.current(),
        outbox_dir = %outbox.dir.display(),
        "notification ready to deliver"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use haven_jobs::{NOTIFY_QUEUE, Notify, QueueStore};
    use uuid::Uuid;

    use super::Notifier;

    #[tokio::test]
    async fn queued_notification_is_consumed_and_notifier_stops() {
        let dir = std::env::temp_dir().join(format!("haven-notifier-{}", Uuid::now_v7().simple()));
        let queue = QueueStore::connect(&format!("sqlite://{}/queue.db", dir.display()))
            .await
            .unwrap();
        queue
            .push_notify(Notify {
                outbox_id: Uuid::now_v7(),
            })
            .await
            .unwrap();
        assert_eq!(queue.queue_depth(NOTIFY_QUEUE).await.unwrap(), 1);

        let db = haven_store::Db::connect("sqlite::memory:", 1)
            .await
            .unwrap();
        let outbox_dir = dir.join("outbox");
        let notifier = Notifier::build(db, queue.clone(), outbox_dir.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(notifier.run_until_stopped(async {
            let _ = stopped.await;
        }));

        tokio::time::timeout(Duration::from_secs(15), async {
            while queue.queue_depth(NOTIFY_QUEUE).await.unwrap() > 0 {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .expect("the notification was consumed");
        assert!(outbox_dir.is_dir());

        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(15), running)
            .await
            .expect("the notifier stopped in time")
            .unwrap()
            .unwrap();

        queue.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}
