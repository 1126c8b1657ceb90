//! The scheduler service: a daily cron tick at 07:00 Europe/London enqueues that day's
//! [`DailyScan`], and a worker on [`SCAN_QUEUE`] runs it ([`scan::run`]).
//!
//! Several schedulers may run at once: each scan carries its day's idempotency key, so however
//! many ticks (and start-up pushes) fire, one scan runs per day.

pub mod scan;

use std::{str::FromStr, sync::Arc, time::Duration};

use anyhow::Context as _;
use apalis::prelude::{BoxDynError, Data, Monitor, WorkerBuilder, WorkerBuilderExt};
use apalis_cron::{CronScheduler, Tick};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use chrono_tz::{Europe::London, Tz};
use haven_jobs::{
    Clock, DailyScan, QueueStore, SCAN_QUEUE, postgres_worker, retry_with_backoff, sqlite_worker,
};
use haven_store::{Db, StoreError};
use tracing::Instrument as _;
use uuid::Uuid;

pub use scan::ScanReport;

/// Every day at 07:00 (the `cron` crate's fields start with seconds), in London time so the
/// tick stays at 07:00 across the clock changes.
const DAILY_SCAN_CRON: &str = "0 0 7 * * *";
/// The London wall-clock time of [`DAILY_SCAN_CRON`].
const DAILY_SCAN_AT: NaiveTime = match NaiveTime::from_hms_opt(7, 0, 0) {
    Some(time) => time,
    None => NaiveTime::MIN,
};
/// How long a stopping scheduler waits for an in-flight scan before giving up on it.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// In-process retries of a failed scan or tick push (a database blip), before the queue's own
/// attempts take over.
const RETRIES: usize = 3;
const RETRY_MIN: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// The scheduler service, ready to run.
pub struct Scheduler {
    db: Db,
    queue: QueueStore,
    clock: Arc<dyn Clock>,
}

impl Scheduler {
    /// `db` holds the records the scan reads; `queue` is where scans (and later the
    /// notifications they decide) are enqueued; `clock` says which scan is due at start-up.
    pub fn build(db: Db, queue: QueueStore, clock: impl Clock) -> Self {
        Self {
            db,
            queue,
            clock: Arc::new(clock),
        }
    }

    /// Enqueues the latest scan that was due (a tick missed while the service was down runs
    /// now; if it already ran, its key makes the push a no-op), then runs the cron tick and the
    /// scan worker until `shutdown` completes, letting an in-flight scan finish.
    ///
    /// # Errors
    /// The queue is unreachable at start-up, or a worker failed beyond restart.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let missed = DailyScan {
            as_of: last_due_scan(self.clock.now()),
        };
        self.queue
            .push_scan(missed)
            .await
            .context("enqueueing the start-up scan")?;

        let schedule = cron::Schedule::from_str(DAILY_SCAN_CRON)?;
        let retry = retry_with_backoff(RETRIES, RETRY_MIN, RETRY_MAX)?;
        // Worker names must be unique among live workers: apalis refuses to register a second
        // worker under a name whose heartbeat is still fresh (another instance, or a restart).
        let instance = Uuid::now_v7().simple();
        let cron_name = format!("haven-cron-{instance}");
        let scan_name = format!("haven-scan-{instance}");

        let tick_queue = self.queue.clone();
        let tick_retry = retry.clone();
        let monitor = Monitor::new()
            .shutdown_timeout(SHUTDOWN_TIMEOUT)
            .register(move |_| {
                WorkerBuilder::new(cron_name.as_str())
                    .backend(CronScheduler::new(schedule.clone()).with_timezone(London))
                    .retry(tick_retry.clone())
                    .data(tick_queue.clone())
                    .build(on_tick)
            });
        let context = ScanContext {
            db: self.db,
            clock: self.clock,
        };
        let monitor = match self.queue {
            QueueStore::Sqlite(pool) => monitor.register(move |_| {
                WorkerBuilder::new(scan_name.as_str())
                    .backend(sqlite_worker::<DailyScan>(&pool))
                    .retry(retry.clone())
                    .data(context.clone())
                    .build(daily_scan)
            }),
            QueueStore::Postgres(pool) => monitor.register(move |_| {
                WorkerBuilder::new(scan_name.as_str())
                    .backend(postgres_worker::<DailyScan>(&pool))
                    .retry(retry.clone())
                    .data(context.clone())
                    .build(daily_scan)
            }),
        };

        tracing::info!(queue = SCAN_QUEUE, start_up_scan = %missed.as_of, "scheduler running");
        monitor
            .run_with_signal(async move {
                shutdown.await;
                Ok(())
            })
            .await?;
        tracing::info!("scheduler stopped");
        Ok(())
    }
}

/// Runs the scan for `as_of` now, in this process, without the queue: the back-fill behind
/// `haven scheduler run-once --as-of`. Running a day twice is harmless, as on the queue.
///
/// # Errors
/// The records database failed.
pub async fn run_once(db: &Db, as_of: NaiveDate, clock: &dyn Clock) -> anyhow::Result<ScanReport> {
    Ok(logged_scan(db, as_of, clock.now()).await?)
}

#[tracing::instrument(skip_all, fields(%as_of))]
async fn logged_scan(
    db: &Db,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ScanReport, StoreError> {
    let span = tracing::info_span!("daily_scan", %as_of);
    async {
        let report = scan::run(db, as_of, now).await?;
        tracing::info!(
            trusts = report.trusts,
            qa_reviews_created = report.qa_reviews_created,
            renewals_drafted = report.renewals_drafted,
            reminders_due = report.reminders_due,
            notifications = report.notifications,
            "daily scan done"
        );
        Ok(report)
    }
    .instrument(span)
    .await
}

/// What the scan worker needs: the records, and the clock that dates what it writes.
#[derive(Clone)]
struct ScanContext {
    db: Db,
    clock: Arc<dyn Clock>,
}

/// The cron tick: enqueue the scan of the tick's London day.
#[tracing::instrument(skip_all)]
async fn on_tick(tick: Tick<Tz>, queue: Data<QueueStore>) -> Result<(), BoxDynError> {
    let as_of = tick_date(tick.get_timestamp()).ok_or("cron tick outside the calendar")?;
    queue.push_scan(DailyScan { as_of }).await?;
    tracing::info!(%as_of, "daily scan enqueued");
    Ok(())
}

/// The scan worker's handler.
async fn daily_scan(job: DailyScan, context: Data<ScanContext>) -> Result<(), BoxDynError> {
    logged_scan(&context.db, job.as_of, context.clock.now()).await?;
    Ok(())
}

/// The London day of a tick (UTC seconds).
fn tick_date(timestamp: u64) -> Option<NaiveDate> {
    let at = DateTime::from_timestamp(i64::try_from(timestamp).ok()?, 0)?;
    Some(at.with_timezone(&London).date_naive())
}

/// The day of the latest 07:00 London tick at or before `now`: today from 07:00, else yesterday.
fn last_due_scan(now: DateTime<Utc>) -> NaiveDate {
    let local = now.with_timezone(&London);
    let today = local.date_naive();
    if local.time() >= DAILY_SCAN_AT {
        today
    } else {
        today.pred_opt().unwrap_or(today)
    }
}

#[cfg(test)]
mod tests;
