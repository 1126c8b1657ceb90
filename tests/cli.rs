//! The `haven` binary as an operator meets it: bad configuration, unreachable databases, and
//! the embedded default coming up with the demo trust.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use haven_testkit::free_port;
use uuid::Uuid;

fn haven(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_haven"));
    command
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env("HAVEN_LOG__FILTER", "warn")
        .stdin(Stdio::null());
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("HAVEN_")) {
        command.env_remove(name);
    }
    command
}

fn workdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("haven-cli-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `haven <args>` run in `dir` against the test database `t`, as an operator runs it.
fn against(dir: &Path, t: &crate::harness::TestDb, args: &[&str]) -> Output {
    haven(dir)
        .env("HAVEN_DATABASE__URL", &t.url)
        .env("HAVEN_DATABASE__MIGRATION_URL", &t.owner_url)
        .args(args)
        .output()
        .unwrap()
}

fn stderr_line(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).trim().to_owned()
}

#[test]
fn a_malformed_configuration_stops_haven_with_one_line_naming_the_key() {
    let dir = workdir();
    std::fs::write(dir.join("haven.toml"), "[server]\nport = \"eighty\"\n").unwrap();
    let output = haven(&dir)
        .args(["--config", "haven.toml", "migrate"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = stderr_line(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("server.port"), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_unreachable_database_stops_haven_with_one_line_saying_where() {
    let dir = workdir();
    let output = haven(&dir)
        .env(
            "HAVEN_DATABASE__URL",
            "postgres://haven:secret@127.0.0.1:9/haven",
        )
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = stderr_line(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("cannot be reached"), "{message}");
    assert!(message.contains("127.0.0.1:9"), "{message}");
    assert!(
        !message.contains("secret"),
        "a password was printed: {message}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn serve_demo_on_the_embedded_default_comes_up_seeded_and_stops_cleanly() {
    let dir = workdir();
    let port = free_port();
    let mut child = haven(&dir)
        .env("HAVEN_SERVER__PORT", port.to_string())
        .args(["serve", "--demo"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..600 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/ready"))
            .send()
            .await
        {
            ready = response.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "haven serve --demo did not become ready");
    assert!(dir.join("data/haven.db").exists());
    assert!(dir.join("data/queue.db").exists());

    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "haven serve did not stop cleanly: {status}"
    );

    let verify = haven(&dir).args(["audit", "verify"]).output().unwrap();
    assert!(verify.status.success(), "{}", stderr_line(&verify));
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(report.contains("chain intact"), "{report}");

    // A second start finds the demo trust and does not seed it again.
    let seeded = haven(&dir).args(["seed", "--demo"]).output().unwrap();
    assert!(seeded.status.success(), "{}", stderr_line(&seeded));
    assert!(String::from_utf8_lossy(&seeded.stdout).contains("already"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn logs_are_json_lines_when_the_configuration_says_so() {
    let dir = workdir();
    let output = haven(&dir)
        .env("HAVEN_LOG__FORMAT", "json")
        .env("HAVEN_LOG__FILTER", "info")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_line(&output));
    let logs = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "no log lines");
    for line in lines {
        let entry: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(entry.get("level").is_some(), "{line}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_demo_trust_seeds_on_every_engine_with_an_intact_audit_chain() {
    for backend in crate::harness::backends() {
        let t = crate::harness::TestDb::migrated(backend).await;
        let dir = workdir();
        let seed = haven(&dir)
            .env("HAVEN_DATABASE__URL", &t.url)
            .env("HAVEN_DATABASE__MIGRATION_URL", &t.owner_url)
            .args(["seed", "--demo"])
            .output()
            .unwrap();
        assert!(seed.status.success(), "{backend:?}: {}", stderr_line(&seed));
        let summary = String::from_utf8_lossy(&seed.stdout);
        assert!(summary.contains("12 academies"), "{backend:?}: {summary}");
        let verify = haven(&dir)
            .env("HAVEN_DATABASE__URL", &t.url)
            .args(["audit", "verify"])
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "{backend:?}: {}",
            stderr_line(&verify)
        );
        std::fs::remove_dir_all(dir).unwrap();
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_trusts_it_sets_it_up_from_the_command_line() {
    for backend in crate::harness::backends() {
        let t = crate::harness::TestDb::migrated(backend).await;
        let dir = workdir();
        let run = |args: &[&str]| against(&dir, &t, args);
        let created = run(&["trust", "create", "--name", "Oak Trust", "--slug", "oak"]);
        assert!(
            created.status.success(),
            "{backend:?}: {}",
            stderr_line(&created)
        );
        let again = run(&["trust", "create", "--name", "Oak Trust", "--slug", "oak"]);
        assert!(!again.status.success());
        assert!(stderr_line(&again).contains("already exists"));

        let invite = [
            "trust",
            "invite-lead",
            "--trust",
            "oak",
            "--name",
            "Lee Lead",
        ];
        let lead = run(&[&invite[..], &["--email", "lee@oak.example"]].concat());
        assert!(lead.status.success(), "{}", stderr_line(&lead));
        let twice = run(&[&invite[..], &["--email", "LEE@oak.example"]].concat());
        assert!(!twice.status.success());
        assert!(
            stderr_line(&twice).contains("email"),
            "{}",
            stderr_line(&twice)
        );

        let both = run(&[
            "trust",
            "connect",
            "--trust",
            "oak",
            "--entra-tenant",
            "t",
            "--google-domain",
            "oak.example",
        ]);
        assert!(
            !both.status.success(),
            "two providers at once must be refused"
        );
        let entra = run(&[
            "trust",
            "connect",
            "--trust",
            "oak",
            "--entra-tenant",
            "2f1c0e7a-9d1b-4a53-8d0e-6b1f2b3c4d5e",
        ]);
        assert!(entra.status.success(), "{}", stderr_line(&entra));
        assert!(String::from_utf8_lossy(&entra.stdout).contains("/sign-in/oak"));
        let google = run(&[
            "trust",
            "connect",
            "--trust",
            "oak",
            "--google-domain",
            "oak.example",
        ]);
        assert!(google.status.success(), "{}", stderr_line(&google));

        let missing = run(&[
            "trust",
            "connect",
            "--trust",
            "elm",
            "--google-domain",
            "elm.example",
        ]);
        assert!(
            stderr_line(&missing).contains("no trust"),
            "{}",
            stderr_line(&missing)
        );
        let verify = run(&["audit", "verify"]);
        assert!(verify.status.success(), "{}", stderr_line(&verify));
        std::fs::remove_dir_all(dir).unwrap();
        t.drop_database().await;
    }
}

#[tokio::test]
async fn a_generated_trust_of_any_size_seeds_and_the_daily_scan_runs_over_it() {
    for backend in crate::harness::backends() {
        let t = crate::harness::TestDb::migrated(backend).await;
        let dir = workdir();
        let run = |args: &[&str]| against(&dir, &t, args);
        let generate = [
            "seed",
            "--generate",
            "--academies",
            "3",
            "--years",
            "2",
            "--slug",
            "load",
        ];
        let seeded = run(&generate);
        assert!(
            seeded.status.success(),
            "{backend:?}: {}",
            stderr_line(&seeded)
        );
        let summary = String::from_utf8_lossy(&seeded.stdout);
        assert!(
            summary.contains("3 academies, 18 people, 12 agreements"),
            "{backend:?}: {summary}"
        );
        let again = run(&generate);
        assert!(!again.status.success());
        assert!(stderr_line(&again).contains("already exists"));
        let both = run(&["seed", "--demo", "--generate"]);
        assert!(
            !both.status.success(),
            "--demo and --generate are one or the other"
        );

        let scan = run(&["scheduler", "run-once"]);
        assert!(scan.status.success(), "{backend:?}: {}", stderr_line(&scan));
        let report = String::from_utf8_lossy(&scan.stdout);
        assert!(report.contains("1 trusts"), "{backend:?}: {report}");
        let verify = run(&["audit", "verify"]);
        assert!(
            verify.status.success(),
            "{backend:?}: {}",
            stderr_line(&verify)
        );
        assert!(String::from_utf8_lossy(&verify.stdout).contains("load:"));
        std::fs::remove_dir_all(dir).unwrap();
        t.drop_database().await;
    }
}

/// Every agreement of the seeded trust `slug` carries the hash of its terms as the store computes
/// it, and every record's content is a `RecordContent` whose hash is the one stored, so a seeded
/// or generated trust reads, signs and amends as an entered one does.
async fn assert_built_as_entered(t: &crate::harness::TestDb, slug: &str) {
    use haven_entity as e;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let trust = haven_store::trust::find_by_slug(&t.db, slug)
        .await
        .unwrap()
        .unwrap();
    let lead = e::role_assignment::Entity::find()
        .filter(e::role_assignment::Column::TrustId.eq(trust.id))
        .filter(e::role_assignment::Column::Role.eq("trust_safeguarding_lead"))
        .one(&t.owner)
        .await
        .unwrap()
        .unwrap();
    let scope = haven_store::Scope::for_person(
        &t.db,
        trust.id,
        lead.person_id,
        haven_store::Origin::Cli,
        crate::harness::now().date_naive(),
    )
    .await
    .unwrap();
    let agreements = e::agreement::Entity::find()
        .filter(e::agreement::Column::TrustId.eq(trust.id))
        .all(&t.owner)
        .await
        .unwrap();
    assert!(!agreements.is_empty(), "{slug}");
    for row in agreements {
        let read = t.db.read(&scope).await.unwrap();
        let view = haven_store::agreement::get(&read, row.id).await.unwrap();
        read.finish().await.unwrap();
        assert_eq!(
            view.content_hash,
            Some(view.terms.hash().unwrap()),
            "{slug}: agreement {}",
            row.id
        );
    }
    let records = e::supervision_record::Entity::find()
        .filter(e::supervision_record::Column::TrustId.eq(trust.id))
        .all(&t.owner)
        .await
        .unwrap();
    assert!(!records.is_empty(), "{slug}");
    for row in records {
        let content = haven_domain::record_content::RecordContent::from_json(row.content)
            .unwrap_or_else(|error| panic!("{slug}: record {}: {error}", row.id));
        if let Some(stored) = row.content_hash {
            assert_eq!(
                stored,
                content.hash().unwrap().to_string(),
                "{slug}: record {}",
                row.id
            );
        }
    }
}

#[tokio::test]
async fn seeded_and_generated_trusts_hold_agreements_and_records_as_the_api_writes_them() {
    for backend in crate::harness::backends() {
        let t = crate::harness::TestDb::migrated(backend).await;
        let dir = workdir();
        let run = |args: &[&str]| against(&dir, &t, args);
        let demo = run(&["seed", "--demo"]);
        assert!(demo.status.success(), "{backend:?}: {}", stderr_line(&demo));
        let generated = run(&[
            "seed",
            "--generate",
            "--academies",
            "2",
            "--years",
            "1",
            "--slug",
            "load",
        ]);
        assert!(
            generated.status.success(),
            "{backend:?}: {}",
            stderr_line(&generated)
        );
        assert_built_as_entered(&t, "demo").await;
        assert_built_as_entered(&t, "load").await;
        std::fs::remove_dir_all(dir).unwrap();
        t.drop_database().await;
    }
}

/// The dashboards read only the rows that can change a figure on the day they judge; over
/// every week of a generated trust's history, and of the demo trust, as the trust's lead
/// and as one academy's DSL, they give exactly what judging the whole history gives.
#[tokio::test]
async fn compliance_from_the_days_rows_equals_compliance_from_the_whole_history() {
    use haven_entity as e;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    for backend in crate::harness::backends() {
        let t = crate::harness::TestDb::migrated(backend).await;
        let dir = workdir();
        let run = |args: &[&str]| against(&dir, &t, args);
        for args in [
            &["seed", "--demo"][..],
            &[
                "seed",
                "--generate",
                "--academies",
                "3",
                "--years",
                "2",
                "--slug",
                "load",
            ],
        ] {
            let seeded = run(args);
            assert!(
                seeded.status.success(),
                "{backend:?}: {}",
                stderr_line(&seeded)
            );
        }
        // The seed dates its history back from the machine's clock.
        let today = haven_domain::clock::Clock::now(&haven_domain::clock::SystemClock).date_naive();
        for slug in ["demo", "load"] {
            let trust = haven_store::trust::find_by_slug(&t.db, slug)
                .await
                .unwrap()
                .unwrap();
            let mut scopes = Vec::new();
            for role in ["trust_safeguarding_lead", "dsl"] {
                let held = e::role_assignment::Entity::find()
                    .filter(e::role_assignment::Column::TrustId.eq(trust.id))
                    .filter(e::role_assignment::Column::Role.eq(role))
                    .one(&t.owner)
                    .await
                    .unwrap()
                    .unwrap();
                scopes.push(
                    haven_store::Scope::for_person(
                        &t.db,
                        trust.id,
                        held.person_id,
                        haven_store::Origin::Cli,
                        today,
                    )
                    .await
                    .unwrap(),
                );
            }
            let mut day = today - chrono::Days::new(730);
            let mut judged = 0;
            while day <= today + chrono::Days::new(60) {
                for scope in &scopes {
                    let narrow = haven_store::compliance::supervisees(&t.db, scope, day)
                        .await
                        .unwrap();
                    let whole =
                        haven_store::compliance::supervisees_from_whole_history(&t.db, scope, day)
                            .await
                            .unwrap();
                    judged += whole.len();
                    assert_eq!(
                        serde_json::to_value(&narrow).unwrap(),
                        serde_json::to_value(&whole).unwrap(),
                        "{backend:?} {slug} on {day}"
                    );
                }
                day = day + chrono::Days::new(7);
            }
            assert!(judged > 0, "{backend:?} {slug}: nobody was judged");
        }
        std::fs::remove_dir_all(dir).unwrap();
        t.drop_database().await;
    }
}
