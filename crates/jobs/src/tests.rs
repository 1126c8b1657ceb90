use chrono::NaiveDate;
use haven_testkit::{Backend, ScratchDatabase, backends};

use super::*;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// Pushes the same scan twice (two schedulers, or a restart) and expects one job.
async fn assert_one_scan_per_day(queue: &QueueStore) {
    let scan = DailyScan { as_of: day() };
    queue.push_scan(scan).await.unwrap();
    queue.push_scan(scan).await.unwrap();
    assert_eq!(queue.queue_depth(SCAN_QUEUE).await.unwrap(), 1);

    let next = DailyScan {
        as_of: day().succ_opt().unwrap(),
    };
    queue.push_scan(next).await.unwrap();
    assert_eq!(queue.queue_depth(SCAN_QUEUE).await.unwrap(), 2);
    assert_eq!(queue.queue_depth(NOTIFY_QUEUE).await.unwrap(), 0);
    assert!(!queue.is_done(SCAN_QUEUE, &scan.key()).await.unwrap());
}

#[test]
fn scan_key_names_the_day() {
    assert_eq!(DailyScan { as_of: day() }.key(), "scan:2026-11-23");
}

#[test]
fn payloads_round_trip_as_json() {
    let scan = DailyScan { as_of: day() };
    let json = serde_json::to_string(&scan).unwrap();
    assert_eq!(json, r#"{"as_of":"2026-11-23"}"#);
    assert_eq!(serde_json::from_str::<DailyScan>(&json).unwrap(), scan);
}

#[test]
fn fixed_clock_reads_the_london_date() {
    // 23:30 UTC in British Summer Time is already the next day in London.
    let late = "2026-07-01T23:30:00Z".parse().unwrap();
    assert_eq!(
        FixedClock(late).today_london(),
        NaiveDate::from_ymd_opt(2026, 7, 2).unwrap()
    );
}

#[tokio::test]
async fn unsupported_url_is_refused() {
    let err = QueueStore::connect("mysql://user:secret@host/db")
        .await
        .unwrap_err();
    assert!(matches!(err, JobsError::UnsupportedUrl(ref s) if s == "mysql"));
    assert!(!err.to_string().contains("secret"));
}

#[tokio::test]
async fn a_scan_pushed_twice_is_one_job_and_survives_a_restart() {
    for backend in backends() {
        let scratch = ScratchDatabase::create(backend).await;
        let queue = QueueStore::connect(&scratch.url).await.unwrap();
        match backend {
            Backend::Sqlite => {
                assert!(matches!(queue, QueueStore::Sqlite(_)));
                assert!(scratch.sqlite_file().unwrap().exists());
            }
            Backend::Postgres => assert!(matches!(queue, QueueStore::Postgres(_))),
        }
        assert_one_scan_per_day(&queue).await;
        queue.close().await;

        // Setup is idempotent: a restart opens the same queue with its jobs.
        let reopened = QueueStore::connect(&scratch.url).await.unwrap();
        assert_eq!(
            reopened.queue_depth(SCAN_QUEUE).await.unwrap(),
            2,
            "{backend:?}"
        );
        reopened.close().await;
        scratch.drop_database().await;
    }
}
