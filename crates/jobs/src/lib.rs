//! The queue contracts between Haven's services: job payloads, queue names, idempotency keys,
//! and [`QueueStore`], the apalis storage (SQLite or PostgreSQL) that carries them.
//!
//! The scheduler and the notifier meet only here: neither depends on the other.

mod store;

/// The clock the services read the time from, defined with the rules in `haven_domain`.
pub use haven_domain::clock::{Clock, FixedClock, SystemClock};
pub use store::{
    BackoffPolicy, JobsError, POLL_INTERVAL, PostgresWorkerBackend, QueueStore,
    SqliteWorkerBackend, postgres_worker, retry_with_backoff, sqlite_worker,
};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

/// Queue of [`DailyScan`] jobs, consumed by the scheduler.
pub const SCAN_QUEUE: &str = "haven.scan";
/// Queue of [`Notify`] jobs, consumed by the notifier.
pub const NOTIFY_QUEUE: &str = "haven.notify";

/// A payload that travels on one named queue.
///
/// The queue name is part of the contract: apalis would otherwise default it to `"default"`
/// (with a config) or to the Rust type name (without), and a renamed type would strand its jobs.
pub trait Job: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static {
    /// The apalis queue (`job_type`) this payload is pushed to and polled from.
    const QUEUE: &'static str;
}

/// Decide what is due as of one calendar day (Europe/London) and enqueue the notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyScan {
    /// The day the scan is for; the scan sees what happened before it.
    pub as_of: NaiveDate,
}

impl DailyScan {
    /// `scan:<YYYY-MM-DD>`: one scan per day however many schedulers (or restarts) push it.
    #[must_use]
    pub fn key(&self) -> String {
        format!("scan:{}", self.as_of)
    }
}

impl Job for DailyScan {
    const QUEUE: &'static str = SCAN_QUEUE;
}

/// Deliver one outbox row.
///
/// The notifier's dispatcher pushes one for each row it leases; the row, not the job, is the
/// truth of delivery. Pushed without an idempotency key: the worker claims the row before it
/// sends, so a second job for the same row finds it taken or done, and a lost job only means
/// the row is leased again when its lease runs out; a queue key would instead forbid pushing
/// the row again after a retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notify {
    /// The trust the row belongs to: the worker reads and writes it in that trust's scope.
    pub trust_id: Uuid,
    /// The outbox row to render and send.
    pub outbox_id: Uuid,
    /// The lease the dispatcher took for this job: the worker sends only while the row still
    /// holds it, so a job that waited past its lease (the row leased again, or retried and due
    /// later) never sends early. Absent on jobs queued before leases were carried.
    #[serde(default)]
    pub leased_until: Option<DateTime<Utc>>,
}

impl Job for Notify {
    const QUEUE: &'static str = NOTIFY_QUEUE;
}

#[cfg(test)]
mod tests;
