//! The scan itself: a trust whose scan fails, two schedulers at once, a scan killed part-way.

use super::*;

/// Trust B's settings as stored JSON no version of Haven can read.
async fn corrupt_policy(db: &DatabaseConnection, trust: Uuid) -> Uuid {
    e::policy_setting::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust),
        academy_id: Set(None),
        scope_key: Set("trust".into()),
        settings: Set(json!({ "agenda_required": "sometimes" })),
        row_version: Set(1),
        created_at: Set(on(written())),
        updated_at: Set(on(written())),
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

fn keys(rows: &[e::notification_outbox::Model]) -> BTreeSet<(Uuid, String)> {
    rows.iter()
        .map(|row| (row.trust_id, row.idempotency_key.clone()))
        .collect()
}

#[tokio::test]
async fn a_scan_failing_for_one_trust_queues_the_others_and_run_again_misses_and_doubles_nothing() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let db = &app.test_db.owner;
        // Both trusts have supervisees past the minimum on Saturday 14 February.
        let day = date(2026, 2, 14);
        let broken = corrupt_policy(db, tenants.trust_b).await;

        let failed = haven_scheduler::run_once(&app.test_db.db, day, &FixedClock(on(day))).await;
        assert!(
            failed.is_err(),
            "{backend:?}: trust B's settings are unreadable"
        );
        let after_failure = outbox(&app).await;
        assert!(
            after_failure
                .iter()
                .any(|row| row.trust_id == tenants.trust_a),
            "{backend:?}: trust A was scanned despite B"
        );
        assert!(
            after_failure
                .iter()
                .all(|row| row.trust_id == tenants.trust_a),
            "{backend:?}"
        );

        let mut repaired: e::policy_setting::ActiveModel =
            e::policy_setting::Entity::find_by_id(broken)
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .into();
        repaired.settings = Set(json!({}));
        repaired.update(db).await.unwrap();
        let rerun = scan(&app, day).await;
        let rows = outbox(&app).await;
        assert_eq!(keys(&rows).len(), rows.len(), "{backend:?}: a row twice");
        assert_eq!(
            rows.len(),
            rerun.reminders_due,
            "{backend:?}: one row per reminder"
        );
        assert_eq!(
            rerun.notifications,
            rows.len() - after_failure.len(),
            "{backend:?}: the rerun queued only what was missing"
        );
        assert!(
            rows.iter().any(|row| row.trust_id == tenants.trust_b),
            "{backend:?}: trust B's reminders are queued now"
        );
        let a_rows = rows
            .iter()
            .filter(|row| row.trust_id == tenants.trust_a)
            .count();
        assert_eq!(a_rows, after_failure.len(), "{backend:?}: A not doubled");
        let a_before: BTreeSet<Uuid> = after_failure.iter().map(|row| row.id).collect();
        assert!(
            rows.iter()
                .filter(|row| row.trust_id == tenants.trust_a)
                .all(|row| a_before.contains(&row.id)),
            "{backend:?}: A's rows are the first run's"
        );

        // The same day on a fresh app that never failed queues the same reminders.
        let clean = TestApp::spawn(backend).await;
        let clean_tenants = Tenants::create(&clean.test_db.db).await;
        with_term_dates(&clean, &clean_tenants).await;
        let clean_run = scan(&clean, day).await;
        assert_eq!(clean_run.reminders_due, rerun.reminders_due, "{backend:?}");
        assert_eq!(outbox(&clean).await.len(), rows.len(), "{backend:?}");
        clean.stop().await;
        app.stop().await;
    }
}

/// `haven scheduler run-once --as-of day` against the test database, as an operator runs it.
fn run_once_process(app: &TestApp, day: NaiveDate, dir: &std::path::Path) -> std::process::Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_haven"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("HAVEN_")) {
        command.env_remove(name);
    }
    command
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env("HAVEN_LOG__FILTER", "warn")
        .env("HAVEN_DATABASE__URL", &app.test_db.url)
        .env("HAVEN_DATABASE__MIGRATION_URL", &app.test_db.owner_url)
        .args([
            "scheduler",
            "run-once",
            "--as-of",
            &day.format("%Y-%m-%d").to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn two_scheduler_processes_scanning_one_postgres_at_once_queue_each_reminder_once() {
    for backend in backends() {
        if backend == Backend::Sqlite {
            eprintln!("skipped on SQLite: two processes on one file serialise on its write lock");
            // Two processes on one SQLite file serialise on its write lock; the in-process race
            // is `reminders::two_scans_of_one_day_at_once_queue_each_reminder_once`.
            continue;
        }
        let app = TestApp::spawn(backend).await;
        let tenants = Tenants::create(&app.test_db.db).await;
        with_term_dates(&app, &tenants).await;
        let dir = std::env::temp_dir().join(format!("haven-scan-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let day = date(2026, 2, 14);

        let started = std::time::Instant::now();
        let one = run_once_process(&app, day, &dir);
        let two = run_once_process(&app, day, &dir);
        let (one, two) = tokio::task::spawn_blocking(move || {
            (
                one.wait_with_output().unwrap(),
                two.wait_with_output().unwrap(),
            )
        })
        .await
        .unwrap();
        for output in [&one, &two] {
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        eprintln!(
            "two run-once processes took {:?}: {:?} / {:?}",
            started.elapsed(),
            String::from_utf8_lossy(&one.stdout).trim(),
            String::from_utf8_lossy(&two.stdout).trim()
        );

        let rows = outbox(&app).await;
        assert!(!rows.is_empty());
        assert_eq!(keys(&rows).len(), rows.len(), "a reminder queued twice");
        assert!(rows.iter().all(|row| row.due_on == day));
        let queued: usize = [&one, &two]
            .iter()
            .map(|output| queued_count(&String::from_utf8_lossy(&output.stdout)))
            .sum();
        assert_eq!(queued, rows.len(), "{one:?} {two:?}");
        let reviews = e::qa_review::Entity::find()
            .all(&app.test_db.owner)
            .await
            .unwrap();
        let distinct: BTreeSet<(Uuid, NaiveDate)> = reviews
            .iter()
            .map(|review| (review.agreement_lineage_id, review.due_on))
            .collect();
        assert_eq!(distinct.len(), reviews.len(), "a QA review created twice");
        let in_process = scan(&app, day).await;
        assert_eq!(in_process.qa_reviews_created, 0);
        assert_eq!(in_process.reminders_due, rows.len());
        assert_eq!(in_process.notifications, 0);
        std::fs::remove_dir_all(dir).unwrap();
        app.stop().await;
    }
}

/// The `N notifications queued` of run-once's summary line.
fn queued_count(stdout: &str) -> usize {
    let line = stdout
        .lines()
        .find(|line| line.starts_with("scan as of"))
        .unwrap_or_else(|| panic!("no summary in {stdout:?}"));
    let before = line
        .trim_end()
        .strip_suffix(" notifications queued")
        .unwrap();
    before.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_scan_killed_part_way_and_run_again_queues_each_reminder_once_and_misses_none() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        // Eight trusts, so a scan has a middle to be killed in.
        for _ in 0..4 {
            let tenants = Tenants::create(&app.test_db.db).await;
            with_term_dates(&app, &tenants).await;
        }
        let dir = std::env::temp_dir().join(format!("haven-kill-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        // How long an undisturbed scan takes here, so the kills land across its whole run.
        let started = std::time::Instant::now();
        let whole = run_once_process(&app, date(2026, 3, 2), &dir)
            .wait()
            .unwrap();
        assert!(whole.success());
        let took = started.elapsed();
        let days = [
            (date(2026, 1, 24), 3),
            (date(2026, 2, 1), 5),
            (date(2026, 2, 14), 7),
            (date(2026, 8, 9), 9),
        ];
        for (day, tenths) in days {
            let mut process = run_once_process(&app, day, &dir);
            tokio::time::sleep(took * tenths / 10).await;
            // SIGKILL: no clean-up of any kind, as when a node is lost.
            process.kill().unwrap();
            let status = process.wait().unwrap();
            let before = outbox(&app)
                .await
                .iter()
                .filter(|row| row.due_on == day)
                .count();
            eprintln!(
                "{backend:?} {day}: killed at {tenths}/10 of {took:?} ({status}), {before} queued"
            );

            let again = scan(&app, day).await;
            let rows: Vec<_> = outbox(&app)
                .await
                .into_iter()
                .filter(|row| row.due_on == day)
                .collect();
            assert!(!rows.is_empty(), "{backend:?} {day}");
            assert_eq!(keys(&rows).len(), rows.len(), "{backend:?} {day}: doubled");
            assert_eq!(rows.len(), again.reminders_due, "{backend:?} {day}: missed");
        }
        std::fs::remove_dir_all(dir).unwrap();
        app.stop().await;
    }
}
