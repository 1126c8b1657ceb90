use std::path::PathBuf;

use chrono::NaiveDate;

use super::*;

fn temp_dir() -> PathBuf {
    std::env::temp_dir().join(format!("haven-jobs-{}", Uuid::now_v7().simple()))
}

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
async fn sqlite_duplicate_scan_is_one_job() {
    let dir = temp_dir();
    let url = format!("sqlite://{}/queue.db", dir.display());
    let queue = QueueStore::connect(&url).await.unwrap();
    assert!(dir.join("queue.db").exists());
    assert_one_scan_per_day(&queue).await;
    queue.close().await;

    // Setup is idempotent: a restart opens the same queue with its jobs.
    let reopened = QueueStore::connect(&url).await.unwrap();
    assert_eq!(reopened.queue_depth(SCAN_QUEUE).await.unwrap(), 2);
    reopened.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn postgres_duplicate_scan_is_one_job() {
    let Ok(server) = std::env::var("HAVEN_TEST_POSTGRES_URL") else {
        eprintln!("HAVEN_TEST_POSTGRES_URL not set: PostgreSQL queue test skipped");
        return;
    };
    let admin = sqlx::PgPool::connect(&server).await.unwrap();
    let name = format!("haven_jobs_{}", Uuid::now_v7().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    let queue = QueueStore::connect(&format!("{base}/{name}"))
        .await
        .unwrap();
    assert!(matches!(queue, QueueStore::Postgres(_)));

    assert_one_scan_per_day(&queue).await;

    queue.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .unwrap();
    admin.close().await;
}
