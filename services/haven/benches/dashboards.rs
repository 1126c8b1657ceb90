//! The compliance dashboards against a large generated trust (issue 14): how long each
//! `/api/v1/compliance/*` read model takes, and what a server answering many dashboard readers
//! does to everyone else's requests.
//!
//! ```text
//! cargo bench -p haven --bench dashboards
//! HAVEN_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p haven --bench dashboards
//! ```
//!
//! `HAVEN_BENCH_ACADEMIES` (default 100) and `HAVEN_BENCH_YEARS` (default 10) size the trust
//! `haven seed --generate` writes; `HAVEN_BENCH_RUNS` (default 20) is how many timed calls each
//! read model's p50 and p95 are taken over; `HAVEN_BENCH_CLIENTS` (default 16) dashboard readers
//! then make `HAVEN_BENCH_REQUESTS` (default 1000) requests between them to `haven api`, while
//! one more client asks `/health` every 20 ms. SQLite always runs (a temporary file);
//! PostgreSQL runs in a fresh database, dropped afterwards, when `HAVEN_TEST_POSTGRES_URL` names
//! a server.
//!
//! Per engine it prints each read model's p50 and p95 (called in the process, as the API's
//! handlers call it, for the trust's safeguarding lead), then the served figures: dashboard
//! requests per second, their p50 and p95, `/health`'s p50 and p99 under that load, and the
//! server's resident memory after the first 16 dashboard requests, at the end and at its peak.

#![allow(
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark's harness: it prints its table and stops at the first failure"
)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use haven_domain::Capability;
use haven_jobs::{Clock, SystemClock};
use haven_store::{Db, Origin, Scope};
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

mod common;
use common::{env_number, generate_trust, ms};
use haven_testkit::{ScratchDatabase, free_port, percentile};

/// One read model's timings.
struct ReadModel {
    name: &'static str,
    p50: Duration,
    p95: Duration,
}

/// What the served dashboards did.
struct Served {
    per_second: f64,
    p50: Duration,
    p95: Duration,
    health_p50: Duration,
    health_p99: Duration,
    rss_warm_kib: u64,
    rss_end_kib: u64,
    rss_peak_kib: u64,
}

#[tokio::main]
async fn main() {
    let academies = env_number("HAVEN_BENCH_ACADEMIES", 100);
    let years = env_number("HAVEN_BENCH_YEARS", 10);
    let mut results = Vec::new();

    let dir = std::env::temp_dir().join(format!("haven-bench-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/haven.db", dir.display());
    results.push((
        "SQLite",
        engine("SQLite", &url, &dir, academies, years).await,
    ));

    if let Ok(server) = std::env::var("HAVEN_TEST_POSTGRES_URL") {
        let postgres = ScratchDatabase::on_postgres(&server).await;
        results.push((
            "PostgreSQL",
            engine("PostgreSQL", &postgres.url, &dir, academies, years).await,
        ));
        postgres.drop_database().await;
    }
    std::fs::remove_dir_all(&dir).unwrap();

    println!();
    println!("{academies} academies, {years} years");
    println!();
    println!("| engine | read model | p50 | p95 |");
    println!("|---|---|---|---|");
    for (engine, (models, _)) in &results {
        for model in models {
            println!(
                "| {engine} | {} | {} | {} |",
                model.name,
                ms(model.p50),
                ms(model.p95)
            );
        }
    }
    println!();
    println!(
        "| engine | dashboard requests a second | dashboard p50 | dashboard p95 | /health p50 | /health p99 | memory after 16 | memory at the end | peak memory |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (engine, (_, served)) in &results {
        println!(
            "| {engine} | {:.1} | {} | {} | {} | {} | {} MiB | {} MiB | {} MiB |",
            served.per_second,
            ms(served.p50),
            ms(served.p95),
            ms(served.health_p50),
            ms(served.health_p99),
            served.rss_warm_kib / 1024,
            served.rss_end_kib / 1024,
            served.rss_peak_kib / 1024,
        );
    }
}

async fn engine(
    engine: &'static str,
    url: &str,
    dir: &std::path::Path,
    academies: usize,
    years: usize,
) -> (Vec<ReadModel>, Served) {
    let started = Instant::now();
    let seeded = generate_trust(engine, url, academies, years);
    println!(
        "{engine}: {seeded} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let db = Db::connect(url, 5).await.unwrap();
    let trust = haven_store::trust::find_by_slug(&db, "bench")
        .await
        .unwrap()
        .unwrap();
    let lead = trust_lead(&db, trust.id).await;
    let today = SystemClock.today_london();
    let scope = Scope::for_person(&db, trust.id, lead, Origin::Cli, today)
        .await
        .unwrap();
    let models = read_models(&db, &scope, today).await;
    let (_, token) = haven_store::api_token::create(
        &db,
        &scope,
        "dashboard bench",
        &[Capability::ReadFigures],
        None,
        SystemClock.now(),
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let served = serve_dashboards(engine, url, dir, &token).await;
    (models, served)
}

/// A trust safeguarding lead of the generated trust.
async fn trust_lead(db: &Db, trust: Uuid) -> Uuid {
    let row = db
        .schema_connection()
        .query_one_raw(Statement::from_string(
            db.schema_connection().get_database_backend(),
            format!(
                "SELECT person_id FROM role_assignment WHERE trust_id = '{trust}' \
                 AND role = 'trust_safeguarding_lead' LIMIT 1"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    let id: String = row.try_get("", "person_id").unwrap_or_else(|_| {
        let id: Uuid = row.try_get("", "person_id").unwrap();
        id.to_string()
    });
    Uuid::parse_str(&id).unwrap()
}

/// Each read model called `HAVEN_BENCH_RUNS` times after one warm-up call.
async fn read_models(db: &Db, scope: &Scope, today: NaiveDate) -> Vec<ReadModel> {
    use haven_store::compliance;
    let runs = env_number("HAVEN_BENCH_RUNS", 20).max(1);
    let mut models = Vec::new();
    for name in ["supervisees", "academies", "regions", "trust"] {
        let mut samples = Vec::new();
        for run in 0..=runs {
            let started = Instant::now();
            match name {
                "supervisees" => drop(compliance::supervisees(db, scope, today).await.unwrap()),
                "academies" => drop(compliance::academies(db, scope, today).await.unwrap()),
                "regions" => drop(compliance::regions(db, scope, today).await.unwrap()),
                _ => drop(compliance::trust(db, scope, today).await.unwrap()),
            }
            if run > 0 {
                samples.push(started.elapsed());
            }
        }
        models.push(ReadModel {
            name,
            p50: percentile(&samples, 50),
            p95: percentile(&samples, 95),
        });
    }
    models
}

/// The resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

/// `haven api` on `url`, answering `/health`.
async fn start_api(url: &str, dir: &std::path::Path, port: u16) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_haven"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("HAVEN_")) {
        command.env_remove(name);
    }
    let mut child = command
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env("HAVEN_LOG__FILTER", "warn")
        .env("HAVEN_DATABASE__URL", url)
        .env("HAVEN_SERVER__PORT", port.to_string())
        .arg("api")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .await
            .is_ok()
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    panic!("haven api did not come up");
}

async fn serve_dashboards(engine: &str, url: &str, dir: &std::path::Path, token: &str) -> Served {
    let clients = env_number("HAVEN_BENCH_CLIENTS", 16).max(1);
    let requests = env_number("HAVEN_BENCH_REQUESTS", 1000).max(clients);
    let port = free_port();
    let mut child = start_api(url, dir, port).await;
    let pid = child.id();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let dashboard = format!("{base}/api/v1/compliance/academies");
    let get = |client: &reqwest::Client| {
        client
            .get(&dashboard)
            .bearer_auth(token)
            .timeout(Duration::from_secs(600))
    };
    for _ in 0..16 {
        let answer = get(&client).send().await.unwrap();
        assert_eq!(
            answer.status(),
            200,
            "{engine}: {}",
            answer.text().await.unwrap()
        );
    }
    let rss_warm_kib = rss_kib(pid);

    let done = Arc::new(AtomicBool::new(false));
    let health = {
        let done = Arc::clone(&done);
        let client = client.clone();
        let url = format!("{base}/health");
        tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                let started = Instant::now();
                client.get(&url).send().await.unwrap();
                samples.push(started.elapsed());
                peak = peak.max(rss_kib(pid));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (samples, peak)
        })
    };
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut readers = Vec::new();
    for _ in 0..clients {
        let next = Arc::clone(&next);
        let request = get(&client);
        readers.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let started = Instant::now();
                let answer = request.try_clone().unwrap().send().await.unwrap();
                assert_eq!(answer.status(), 200);
                answer.bytes().await.unwrap();
                samples.push(started.elapsed());
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for reader in readers {
        samples.extend(reader.await.unwrap());
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let (health_samples, peak) = health.await.unwrap();
    let rss_end_kib = rss_kib(pid);
    child.kill().unwrap();
    child.wait().unwrap();
    Served {
        per_second: samples.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&samples, 50),
        p95: percentile(&samples, 95),
        health_p50: percentile(&health_samples, 50),
        health_p99: percentile(&health_samples, 99),
        rss_warm_kib,
        rss_end_kib,
        rss_peak_kib: peak.max(rss_end_kib),
    }
}
