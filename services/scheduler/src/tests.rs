use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use haven_jobs::{DailyScan, FixedClock, QueueStore, SCAN_QUEUE};
use haven_testkit::{ScratchDatabase, backends};

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().unwrap()
}

/// An empty records database with Haven's schema.
async fn records() -> haven_store::Db {
    let db = haven_store::Db::connect("sqlite::memory:", 1)
        .await
        .unwrap();
    #[expect(
        clippy::disallowed_methods,
        reason = "the test migrates as the migrator does"
    )]
    let migrated = haven_migrations::migrate(db.schema_connection()).await;
    migrated.unwrap();
    db
}

#[test]
fn start_up_scan_is_the_latest_seven_o_clock() {
    // Winter: London is UTC.
    assert_eq!(
        last_due_scan(at("2026-11-23T06:59:59Z")),
        date(2026, 11, 22)
    );
    assert_eq!(
        last_due_scan(at("2026-11-23T07:00:00Z")),
        date(2026, 11, 23)
    );
    // Summer: 06:30 UTC is 07:30 BST, after the tick.
    assert_eq!(last_due_scan(at("2026-07-01T06:30:00Z")), date(2026, 7, 1));
    assert_eq!(last_due_scan(at("2026-07-01T05:30:00Z")), date(2026, 6, 30));
}

#[test]
fn tick_falls_on_its_london_day() {
    let bst_tick = at("2026-07-01T06:00:00Z").timestamp() as u64;
    assert_eq!(tick_date(bst_tick), Some(date(2026, 7, 1)));
    // Next tick of the schedule after a summer evening is 07:00 BST the next day.
    let schedule = cron::Schedule::from_str(DAILY_SCAN_CRON).unwrap();
    let next = schedule
        .after(&at("2026-07-01T20:00:00Z").with_timezone(&London))
        .next()
        .unwrap();
    assert_eq!(next.with_timezone(&Utc), at("2026-07-02T06:00:00Z"));
}

#[tokio::test]
async fn run_once_reports_the_day() {
    let db = records().await;
    let report = run_once(
        &db,
        date(2026, 11, 20),
        &FixedClock(at("2026-11-20T07:00:00Z")),
    )
    .await
    .unwrap();
    assert_eq!(
        report,
        ScanReport {
            as_of: date(2026, 11, 20),
            trusts: 0,
            qa_reviews_created: 0,
            renewals_drafted: 0,
            reminders_due: 0,
            notifications: 0
        }
    );
}

/// Starts a scheduler on `queue` at noon on 23 November 2026, waits for its start-up scan to
/// finish, then stops it; every wait is bounded.
async fn assert_start_up_scan_runs_and_scheduler_stops(queue: &QueueStore) {
    let db = records().await;
    let scheduler = Scheduler::build(db, queue.clone(), FixedClock(at("2026-11-23T12:00:00Z")));

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(scheduler.run_until_stopped(async {
        let _ = stopped.await;
    }));

    let key = DailyScan {
        as_of: date(2026, 11, 23),
    }
    .key();
    tokio::time::timeout(Duration::from_secs(15), async {
        while !queue.is_done(SCAN_QUEUE, &key).await.unwrap() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the start-up scan ran");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(15), running)
        .await
        .expect("the scheduler stopped in time")
        .unwrap()
        .unwrap();
    assert_eq!(queue.queue_depth(SCAN_QUEUE).await.unwrap(), 0);
}

#[tokio::test]
async fn start_up_scan_runs_and_scheduler_stops() {
    for backend in backends() {
        let scratch = ScratchDatabase::create(backend).await;
        let queue = QueueStore::connect(&scratch.url).await.unwrap();
        assert_start_up_scan_runs_and_scheduler_stops(&queue).await;
        queue.close().await;
        scratch.drop_database().await;
    }
}
