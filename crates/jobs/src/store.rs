use std::{str::FromStr, time::Duration};

use apalis::{
    layers::retry::{
        BackoffRetryPolicy, HasherRng, RetryPolicy,
        backoff::{ExponentialBackoff, ExponentialBackoffMaker, InvalidBackoff, MakeBackoff},
    },
    prelude::{BackendExt, IntervalStrategy, PollWith, Task, TaskBuilder, TaskSink, TaskSinkError},
};
use apalis_postgres::{PgPool, PostgresStorage};
use apalis_sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteStorage};

use crate::{DailyScan, Job, Notify};

/// How often an idle worker asks its queue for work. Without a poll strategy apalis re-polls
/// only on its 30 s heartbeat, so a pushed job would wait up to half a minute.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Attempts a daily scan gets before the queue gives up on it; the next day's scan (or the
/// start-up push) covers the gap, since every scan decides from state as of its date.
const SCAN_MAX_ATTEMPTS: usize = 5;
/// Attempts a notification gets; the outbox keeps the row, so a killed job can be re-enqueued.
const NOTIFY_MAX_ATTEMPTS: usize = 10;
/// SQLite connections for the queue file: workers, pushes and heartbeats of one process.
const SQLITE_MAX_CONNECTIONS: u32 = 4;
/// The unique index apalis-postgres puts on `(job_type, idempotency_key)`.
const POSTGRES_IDEMPOTENCY_INDEX: &str = "idx_jobs_idempotency_key";

/// Jobs a worker still has to do: waiting, running, or failed with attempts left.
const SQLITE_DEPTH: &str = "SELECT COUNT(*) FROM Jobs WHERE job_type = ?1 AND \
     (status IN ('Pending', 'Queued', 'Running') OR (status = 'Failed' AND attempts < max_attempts))";
const POSTGRES_DEPTH: &str = "SELECT COUNT(*) FROM apalis.jobs WHERE job_type = $1 AND \
     (status IN ('Pending', 'Queued', 'Running') OR (status = 'Failed' AND attempts < max_attempts))";
const SQLITE_DONE: &str =
    "SELECT COUNT(*) FROM Jobs WHERE job_type = ?1 AND idempotency_key = ?2 AND status = 'Done'";
const POSTGRES_DONE: &str = "SELECT COUNT(*) FROM apalis.jobs \
     WHERE job_type = $1 AND idempotency_key = $2 AND status = 'Done'";

/// Everything that can go wrong talking to the queue.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    /// The URL names neither SQLite nor PostgreSQL (only the scheme is kept: URLs carry passwords).
    #[error("unsupported queue URL scheme `{0}`: expected sqlite:// or postgres://")]
    UnsupportedUrl(String),
    /// The directory of the SQLite queue file could not be created.
    #[error("cannot create the queue directory: {0}")]
    Io(#[from] std::io::Error),
    /// Connecting to, or querying, the queue database failed.
    #[error("queue database: {0}")]
    Database(#[from] sqlx::Error),
    /// apalis-sqlite setup failed.
    #[error("SQLite queue setup: {0}")]
    SqliteSetup(#[from] apalis_sqlite::Error),
    /// apalis-postgres setup failed.
    #[error("PostgreSQL queue setup: {0}")]
    PostgresSetup(#[from] apalis_postgres::Error),
    /// A push to the SQLite queue failed.
    #[error("cannot push to the SQLite queue: {0}")]
    SqlitePush(#[from] TaskSinkError<apalis_sqlite::Error>),
    /// A push to the PostgreSQL queue failed (a duplicate idempotency key is not a failure).
    #[error("cannot push to the PostgreSQL queue: {0}")]
    PostgresPush(#[from] TaskSinkError<apalis_postgres::Error>),
    /// A retry backoff was configured with its bounds the wrong way round.
    #[error("invalid retry backoff: {0}")]
    Backoff(#[from] InvalidBackoff),
}

/// The job queue: apalis storage in its own SQLite file (embedded) or in PostgreSQL (scale-out).
///
/// Cheap to clone: each variant is a connection pool.
#[derive(Debug, Clone)]
pub enum QueueStore {
    /// apalis-sqlite, in a file of its own: its setup turns `synchronous = OFF`, which must never
    /// reach the connections that hold records.
    Sqlite(SqlitePool),
    /// apalis-postgres, in schema `apalis`.
    Postgres(PgPool),
}

/// A SQLite queue as a worker consumes it: polled every [`POLL_INTERVAL`].
pub type SqliteWorkerBackend<J> = PollWith<SqliteStorage<J>, IntervalStrategy>;
/// A PostgreSQL queue as a worker consumes it: polled every [`POLL_INTERVAL`].
pub type PostgresWorkerBackend<J> = PollWith<PostgresStorage<J>, IntervalStrategy>;

/// The in-process retry policy of a worker: exponential backoff with jitter between attempts.
pub type BackoffPolicy = BackoffRetryPolicy<ExponentialBackoff<HasherRng>>;

impl QueueStore {
    /// Opens the queue at `url` and brings its schema up to date.
    ///
    /// `sqlite://path/queue.db` creates the file (and its directory) if missing, in a pool of
    /// its own. `postgres://…` runs apalis-postgres' setup, which creates schema `apalis` and
    /// the extensions hstore and pgcrypto: connect as the role that owns the database.
    ///
    /// # Errors
    /// An unsupported scheme, an unreachable database, or a failed setup.
    pub async fn connect(url: &str) -> Result<Self, JobsError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Self::connect_sqlite(url).await,
            "postgres" | "postgresql" => {
                let pool = PgPool::connect(url).await?;
                PostgresStorage::setup(&pool).await?;
                Ok(Self::Postgres(pool))
            }
            other => Err(JobsError::UnsupportedUrl(other.to_owned())),
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self, JobsError> {
        let options = SqliteConnectOptions::from_str(url)?.create_if_missing(true);
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(SQLITE_MAX_CONNECTIONS)
            .connect_with(options)
            .await?;
        SqliteStorage::setup(&pool).await?;
        Ok(Self::Sqlite(pool))
    }

    /// Enqueues a daily scan under its key ([`DailyScan::key`]). A scan already queued (or
    /// done) for that day is success: two schedulers, or a restart, enqueue one scan.
    ///
    /// # Errors
    /// The queue database failed.
    pub async fn push_scan(&self, scan: DailyScan) -> Result<(), JobsError> {
        let task = TaskBuilder::new(scan)
            .idempotency_key(scan.key())
            .max_attempts(SCAN_MAX_ATTEMPTS)
            .build();
        self.push(task).await
    }

    /// Enqueues the delivery of one outbox row.
    ///
    /// # Errors
    /// The queue database failed.
    pub async fn push_notify(&self, notify: Notify) -> Result<(), JobsError> {
        let task = TaskBuilder::new(notify)
            .max_attempts(NOTIFY_MAX_ATTEMPTS)
            .build();
        self.push(task).await
    }

    async fn push<J: Job>(&self, task: Task<J>) -> Result<(), JobsError> {
        match self {
            // apalis-sqlite inserts with ON CONFLICT DO NOTHING: a duplicate key is already Ok.
            Self::Sqlite(pool) => Ok(sqlite_storage::<J>(pool).push_task(task).await?),
            // apalis-postgres has no ON CONFLICT: the unique index rejects the duplicate.
            Self::Postgres(pool) => match postgres_storage::<J>(pool).push_task(task).await {
                Err(err) if is_duplicate_key(&err) => Ok(()),
                other => Ok(other?),
            },
        }
    }

    /// How many jobs on `queue` are still to do: waiting, running, or failed with attempts left.
    ///
    /// # Errors
    /// The queue database failed.
    pub async fn queue_depth(&self, queue: &str) -> Result<u64, JobsError> {
        let count: i64 = match self {
            Self::Sqlite(pool) => {
                sqlx::query_scalar(SQLITE_DEPTH)
                    .bind(queue)
                    .fetch_one(pool)
                    .await?
            }
            Self::Postgres(pool) => {
                sqlx::query_scalar(POSTGRES_DEPTH)
                    .bind(queue)
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// Whether the job pushed on `queue` under idempotency `key` has finished successfully,
    /// e.g. whether today's scan has run.
    ///
    /// # Errors
    /// The queue database failed.
    pub async fn is_done(&self, queue: &str, key: &str) -> Result<bool, JobsError> {
        let count: i64 = match self {
            Self::Sqlite(pool) => {
                sqlx::query_scalar(SQLITE_DONE)
                    .bind(queue)
                    .bind(key)
                    .fetch_one(pool)
                    .await?
            }
            Self::Postgres(pool) => {
                sqlx::query_scalar(POSTGRES_DONE)
                    .bind(queue)
                    .bind(key)
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok(count > 0)
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

fn sqlite_storage<J: Job>(pool: &SqlitePool) -> SqliteStorage<J> {
    SqliteStorage::new(pool).with_config(apalis_sqlite::Config::default().queue(J::QUEUE))
}

fn postgres_storage<J: Job>(pool: &PgPool) -> PostgresStorage<J> {
    PostgresStorage::new(pool).with_config(apalis_postgres::Config::default().queue(J::QUEUE))
}

/// The SQLite queue of `J` for a worker.
#[must_use]
pub fn sqlite_worker<J: Job>(pool: &SqlitePool) -> SqliteWorkerBackend<J> {
    sqlite_storage(pool).poll_with_interval(POLL_INTERVAL)
}

/// The PostgreSQL queue of `J` for a worker.
#[must_use]
pub fn postgres_worker<J: Job>(pool: &PgPool) -> PostgresWorkerBackend<J> {
    postgres_storage(pool).poll_with_interval(POLL_INTERVAL)
}

/// Retries a failed job up to `retries` times in process, waiting from `min` up to `max`
/// (exponential, with jitter) between attempts, before the queue records it as failed.
///
/// # Errors
/// `min` is greater than `max`.
pub fn retry_with_backoff(
    retries: usize,
    min: Duration,
    max: Duration,
) -> Result<BackoffPolicy, JobsError> {
    let mut backoff = ExponentialBackoffMaker::new(min, max, 0.5, HasherRng::default())?;
    Ok(RetryPolicy::retries(retries).with_backoff(backoff.make_backoff()))
}

fn is_duplicate_key(err: &TaskSinkError<apalis_postgres::Error>) -> bool {
    matches!(
        err,
        TaskSinkError::PushError(apalis_postgres::Error::Database(sqlx::Error::Database(db)))
            if db.is_unique_violation() && db.constraint() == Some(POSTGRES_IDEMPOTENCY_INDEX)
    )
}
