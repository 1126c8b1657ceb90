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
//! handlers call it, for the trust's safeguarding lead) beside the p50 and p95 of hand-written
//! SQL for the same figures and whether the SQL's figures are the same, and how long the
//! supervisees read model takes judged from the trust's whole history, as it was before it read
//! only the rows of the day judged. The SQL covers the number of supervisees (and of academies) and the
//! supervisees carrying each flag but "term dates missing"; it leaves out the levels, which walk
//! each academy's term calendar. Then the served figures: dashboard
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

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeDelta};
use haven_domain::{Capability, Flag, PolicySettings};
use haven_jobs::{Clock, SystemClock};
use haven_store::compliance::Tally;
use haven_store::{Db, Origin, Scope};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use uuid::Uuid;

mod common;
use common::{env_number, generate_trust, ms};
use haven_testkit::{ScratchDatabase, free_port, percentile};

/// One read model's timings, its hand-written SQL's, and how many of its rows the SQL gets
/// other figures for.
struct ReadModel {
    name: &'static str,
    p50: Duration,
    p95: Duration,
    sql_p50: Duration,
    sql_p95: Duration,
    rows: usize,
    differs: usize,
}

/// How long the supervisees read model takes judged from the trust's whole history.
struct Whole {
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

    let runs = env_number("HAVEN_BENCH_RUNS", 20).max(1);
    println!();
    println!("{academies} academies, {years} years, {runs} timed runs each");
    for (engine, (models, whole, _)) in &results {
        println!();
        println!(
            "{engine} (supervisees judged from the whole history: p50 {}, p95 {})",
            ms(whole.p50),
            ms(whole.p95)
        );
        println!();
        println!(
            "| read model | Haven p50 | Haven p95 | SQL p50 | SQL p95 | Haven/SQL at p95 | rows | same |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        for model in models {
            println!(
                "| {} | {} | {} | {} | {} | {:.1}x | {} | {} |",
                model.name,
                ms(model.p50),
                ms(model.p95),
                ms(model.sql_p50),
                ms(model.sql_p95),
                model.p95.as_secs_f64() / model.sql_p95.as_secs_f64().max(1e-9),
                model.rows,
                if model.differs == 0 {
                    "same".to_owned()
                } else {
                    format!("differs: {}", model.differs)
                },
            );
        }
    }
    println!();
    println!(
        "| engine | dashboard requests a second | dashboard p50 | dashboard p95 | /health p50 | /health p99 | memory after 16 | memory at the end | peak memory |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (engine, (_, _, served)) in &results {
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
) -> (Vec<ReadModel>, Whole, Served) {
    let started = Instant::now();
    let seeded = generate_trust(engine, url, academies, years);
    println!(
        "{engine}: {seeded} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let db = Db::connect(url, 5).await.unwrap();
    // Fresh tables have no planner statistics yet; a server's autovacuum would gather them.
    db.schema_connection()
        .execute_unprepared("ANALYZE")
        .await
        .unwrap();
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
    let whole = whole_history(&db, &scope, today).await;
    let mut tx = db.write(&scope, SystemClock.now()).await.unwrap();
    let (_, token) = haven_store::api_token::create(
        &mut tx,
        "dashboard bench",
        &[Capability::ReadFigures],
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    db.close().await.unwrap();
    let served = serve_dashboards(engine, url, dir, &token).await;
    (models, whole, served)
}

/// A trust safeguarding lead of the generated trust.
async fn trust_lead(db: &Db, trust: Uuid) -> Uuid {
    let row = db
        .schema_connection()
        .query_one_raw(Statement::from_string(
            db.backend(),
            format!(
                "SELECT person_id FROM role_assignment WHERE trust_id = {} \
                 AND role = 'trust_safeguarding_lead' LIMIT 1",
                Dialect(db.backend()).uuid(trust)
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "person_id").unwrap()
}

/// A read model's figures the hand-written SQL covers, by row: a supervisee under an agreement,
/// an academy, a region or the trust.
type Figures = BTreeMap<String, Vec<i64>>;

/// Each read model called `HAVEN_BENCH_RUNS` times after one warm-up call, and its
/// hand-written SQL as many times, each kept to the figures the SQL covers to compare.
async fn read_models(db: &Db, scope: &Scope, today: NaiveDate) -> Vec<ReadModel> {
    let runs = env_number("HAVEN_BENCH_RUNS", 20).max(1);
    let mut models = Vec::new();
    for name in ["supervisees", "academies", "regions", "trust"] {
        let mut haven = Vec::new();
        let mut judged = Figures::new();
        for run in 0..=runs {
            let (took, figures) = haven_figures(db, scope, today, name).await;
            if run > 0 {
                haven.push(took);
            }
            judged = figures;
        }
        let sql = Dialect(db.backend()).read_model(name, scope.trust_id(), today);
        let mut hand = Vec::new();
        let mut found = Figures::new();
        for run in 0..=runs {
            let started = Instant::now();
            let rows = db
                .schema_connection()
                .query_all_raw(Statement::from_string(db.backend(), sql.clone()))
                .await
                .unwrap();
            let figures = sql_figures(name, &rows);
            if run > 0 {
                hand.push(started.elapsed());
            }
            found = figures;
        }
        models.push(ReadModel {
            name,
            p50: percentile(&haven, 50),
            p95: percentile(&haven, 95),
            sql_p50: percentile(&hand, 50),
            sql_p95: percentile(&hand, 95),
            rows: judged.len(),
            differs: differing(name, &judged, &found),
        });
    }
    models
}

/// One call of read model `name`: how long it took, and its figures.
async fn haven_figures(
    db: &Db,
    scope: &Scope,
    today: NaiveDate,
    name: &str,
) -> (Duration, Figures) {
    use haven_store::compliance;
    let started = Instant::now();
    match name {
        "supervisees" => {
            let entries = compliance::supervisees(db, scope, today).await.unwrap();
            let took = started.elapsed();
            let figures = entries
                .iter()
                .map(|e| {
                    let flags = |kind: fn(&Flag) -> bool| {
                        i64::from(e.flags.iter().any(|flag| kind(&flag.item)))
                    };
                    (
                        format!("{}/{}", e.agreement_id, e.person_id),
                        vec![
                            flags(|f| matches!(f, Flag::RecordsNotSent { .. })),
                            flags(|f| matches!(f, Flag::RecordsUnsigned { .. })),
                            flags(|f| matches!(f, Flag::RecordsDisagreed { .. })),
                            flags(|f| matches!(f, Flag::ActionsOverdue { .. })),
                            flags(|f| matches!(f, Flag::AgreementPastReview { .. })),
                            flags(|f| matches!(f, Flag::TrainingExpired { .. })),
                            flags(|f| matches!(f, Flag::QaOverdue)),
                        ],
                    )
                })
                .collect();
            (took, figures)
        }
        "academies" => {
            let academies = compliance::academies(db, scope, today).await.unwrap();
            let took = started.elapsed();
            let figures = academies
                .iter()
                .map(|a| (a.academy_id.to_string(), tally_figures(None, &a.tally)))
                .collect();
            (took, figures)
        }
        "regions" => {
            let regions = compliance::regions(db, scope, today).await.unwrap();
            let took = started.elapsed();
            let figures = regions
                .iter()
                .map(|r| {
                    (
                        r.region_id.to_string(),
                        tally_figures(Some(r.academies), &r.tally),
                    )
                })
                .collect();
            (took, figures)
        }
        _ => {
            let trust = compliance::trust(db, scope, today).await.unwrap();
            let took = started.elapsed();
            let figures = Figures::from([(
                trust.trust_id.to_string(),
                tally_figures(Some(trust.academies), &trust.tally),
            )]);
            (took, figures)
        }
    }
}

/// A tally's figures the SQL covers: how many academies (for a region and the trust), how many
/// supervisees, and how many carry each flag but "term dates missing".
fn tally_figures(academies: Option<u32>, tally: &Tally) -> Vec<i64> {
    let f = &tally.flags;
    academies
        .into_iter()
        .chain([
            tally.supervisees,
            f.records_not_sent,
            f.records_unsigned,
            f.records_disagreed,
            f.actions_overdue,
            f.agreement_past_review,
            f.training_expired,
            f.qa_overdue,
        ])
        .map(i64::from)
        .collect()
}

/// The flag columns each SQL row carries, in the order [`tally_figures`] counts them.
const FLAGS: [&str; 7] = [
    "records_not_sent",
    "records_unsigned",
    "records_disagreed",
    "actions_overdue",
    "agreement_past_review",
    "training_expired",
    "qa_overdue",
];

/// The SQL's rows for read model `name` as figures.
fn sql_figures(name: &str, rows: &[sea_orm::QueryResult]) -> Figures {
    rows.iter()
        .map(|row| {
            let id = |column: &str| -> Uuid { row.try_get("", column).unwrap() };
            let number = |column: &str| -> i64 { row.try_get("", column).unwrap() };
            let key = match name {
                "supervisees" => format!("{}/{}", id("agreement_id"), id("person_id")),
                _ => id("id").to_string(),
            };
            let mut figures = Vec::new();
            if name == "regions" || name == "trust" {
                figures.push(number("academies"));
            }
            if name != "supervisees" {
                figures.push(number("supervisees"));
            }
            figures.extend(FLAGS.iter().map(|flag| number(flag)));
            (key, figures)
        })
        .collect()
}

/// How many rows of read model `name` the SQL has with other figures, misses or adds; the
/// first few are printed.
fn differing(name: &str, judged: &Figures, found: &Figures) -> usize {
    let keys: BTreeSet<&String> = judged.keys().chain(found.keys()).collect();
    let differ: Vec<&String> = keys
        .into_iter()
        .filter(|key| judged.get(*key) != found.get(*key))
        .collect();
    for key in differ.iter().take(3) {
        println!(
            "{name} {key}: Haven {:?}, SQL {:?}",
            judged.get(*key),
            found.get(*key)
        );
    }
    differ.len()
}

/// How each engine spells what the hand-written SQL needs: ids, days, the instant a London day
/// starts, the London day of an instant, a day less some days and a policy setting.
#[derive(Clone, Copy)]
struct Dialect(DatabaseBackend);

impl Dialect {
    fn postgres(self) -> bool {
        self.0 == DatabaseBackend::Postgres
    }

    fn uuid(self, id: Uuid) -> String {
        if self.postgres() {
            format!("'{id}'::uuid")
        } else {
            format!("X'{}'", id.simple())
        }
    }

    fn date(self, day: NaiveDate) -> String {
        if self.postgres() {
            format!("DATE '{day}'")
        } else {
            format!("'{day}'")
        }
    }

    /// The first instant of `day` in London. SQLite keeps instants as UTC text, so there the day
    /// starts at UTC midnight: the generated rows are all dated in the daytime, where the London
    /// and UTC days agree.
    fn start(self, day: NaiveDate) -> String {
        if self.postgres() {
            format!("(TIMESTAMP '{day} 00:00:00' AT TIME ZONE 'Europe/London')")
        } else {
            format!("'{day}'")
        }
    }

    /// The London day of instant `column` (the UTC day on SQLite, as for [`Self::start`]).
    fn day_of(self, column: &str) -> String {
        if self.postgres() {
            format!("({column} AT TIME ZONE 'Europe/London')::date")
        } else {
            format!("substr({column}, 1, 10)")
        }
    }

    /// `day` less `days` (an integer expression) days.
    fn minus(self, day: NaiveDate, days: &str) -> String {
        if self.postgres() {
            format!("(DATE '{day}' - {days})")
        } else {
            format!("date('{day}', '-' || {days} || ' days')")
        }
    }

    /// The number `key` of the policy settings row `row`, NULL when the row leaves it out.
    fn setting(self, row: &str, key: &str) -> String {
        if self.postgres() {
            format!("({row}.settings ->> '{key}')::int")
        } else {
            format!("json_extract({row}.settings, '$.{key}')")
        }
    }

    /// Every supervisee under every agreement in force on `day` with the covered flags as 0 or
    /// 1, as the CTEs up to `judged`: the same rows the read models judge, read by rule from
    /// the tables.
    fn judged(self, trust: Uuid, day: NaiveDate) -> String {
        let t = self.uuid(trust);
        let d = self.date(day);
        let next = self.start(day + TimeDelta::days(1));
        let defaults = PolicySettings::default();
        let policy = |key: &str, default: u32| {
            format!(
                "COALESCE({}, {}, {default})",
                self.setting("o", key),
                self.setting("t", key)
            )
        };
        let flag = |cte: &str| {
            format!(
                "CAST(CASE WHEN {cte}.agreement_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS {cte}"
            )
        };
        let joined = |cte: &str| {
            format!(
                "LEFT JOIN {cte} ON {cte}.agreement_id = e.agreement_id AND {cte}.person_id = e.person_id"
            )
        };
        format!(
            "WITH policy AS (\
               SELECT a.id AS academy_id, {send} AS send_days, {sign} AS sign_days, {qa} AS qa_days \
               FROM academy a \
               LEFT JOIN policy_setting t ON t.trust_id = a.trust_id AND t.scope_key = 'trust' \
               LEFT JOIN policy_setting o ON o.trust_id = a.trust_id AND o.academy_id = a.id \
               WHERE a.trust_id = {t}), \
             entries AS (\
               SELECT g.id AS agreement_id, g.academy_id, g.lineage_id, g.kind, g.review_due_on, \
                 v.person_id, p.send_days, p.sign_days, p.qa_days \
               FROM agreement g \
               JOIN agreement_supervisee v ON v.trust_id = g.trust_id AND v.agreement_id = g.id \
               JOIN policy p ON p.academy_id = g.academy_id \
               WHERE g.trust_id = {t} AND g.activated_on <= {d} \
                 AND (g.ended_on IS NULL OR g.ended_on > {d})), \
             parts AS (\
               SELECT e.agreement_id, e.person_id, e.send_days, e.sign_days, s.id AS session_id, \
                 s.kind, s.status, s.held_marked_at, s.starts_at \
               FROM entries e \
               JOIN agreement l ON l.trust_id = {t} AND l.lineage_id = e.lineage_id \
               JOIN supervision_session s ON s.trust_id = {t} AND s.agreement_id = l.id \
               LEFT JOIN session_attendee sa ON sa.trust_id = {t} AND sa.session_id = s.id \
                 AND sa.person_id = e.person_id \
               WHERE (sa.session_id IS NOT NULL AND (sa.attended IS NULL OR sa.attended = TRUE)) \
                 OR (sa.session_id IS NULL AND e.kind <> 'group')), \
             owing AS (\
               SELECT * FROM parts WHERE status = 'held' AND held_marked_at IS NOT NULL \
                 AND held_marked_at < {next} AND kind <> 'ad_hoc'), \
             records_not_sent AS (\
               SELECT DISTINCT w.agreement_id, w.person_id FROM owing w \
               LEFT JOIN supervision_record r ON r.trust_id = {t} AND r.session_id = w.session_id \
               WHERE {started} < {send_by} \
                 AND (r.id IS NULL OR r.sent_at IS NULL OR r.sent_at >= {next})), \
             records_unsigned AS (\
               SELECT DISTINCT w.agreement_id, w.person_id FROM owing w \
               JOIN supervision_record r ON r.trust_id = {t} AND r.session_id = w.session_id \
               WHERE r.sent_at IS NOT NULL AND r.sent_at < {next} \
                 AND COALESCE(r.sent_on, {sent}) < {sign_by} \
                 AND NOT EXISTS (SELECT 1 FROM record_signature rs WHERE rs.trust_id = {t} \
                   AND rs.record_id = r.id AND rs.person_id = w.person_id AND rs.signed_at < {next})), \
             records_disagreed AS (\
               SELECT DISTINCT w.agreement_id, w.person_id FROM owing w \
               JOIN supervision_record r ON r.trust_id = {t} AND r.session_id = w.session_id \
               WHERE EXISTS (SELECT 1 FROM record_signature rs WHERE rs.trust_id = {t} \
                   AND rs.record_id = r.id AND rs.person_id = w.person_id \
                   AND rs.outcome = 'disagreed' AND rs.signed_at < {next}) \
                 AND NOT EXISTS (SELECT 1 FROM escalation x WHERE x.trust_id = {t} \
                   AND x.record_id = r.id AND x.closed_at IS NOT NULL AND x.closed_at < {next})), \
             actions_overdue AS (\
               SELECT DISTINCT w.agreement_id, w.person_id FROM parts w \
               JOIN supervision_action a ON a.trust_id = {t} AND a.session_id = w.session_id \
                 AND a.owner_id = w.person_id \
               WHERE a.created_at < {next} AND a.due_on < {d} \
                 AND (a.status = 'open' \
                   OR (a.status = 'done' AND COALESCE({completed}, a.completed_on) > {d}))), \
             training_expired AS (\
               SELECT e.agreement_id, e.person_id FROM entries e \
               JOIN training_record tr ON tr.trust_id = {t} AND tr.person_id = e.person_id \
               WHERE tr.completed_on <= {d} AND tr.kind IN ('dsl', 'deputy_dsl') \
                 AND tr.expires_on IS NOT NULL \
               GROUP BY e.agreement_id, e.person_id HAVING MAX(tr.expires_on) < {d}), \
             qa_overdue AS (\
               SELECT DISTINCT e.agreement_id, e.person_id FROM entries e \
               JOIN qa_review q ON q.trust_id = {t} AND q.agreement_lineage_id = e.lineage_id \
               WHERE q.due_on < {qa_by} \
                 AND (q.completed_at IS NULL OR q.completed_at >= {next})), \
             judged AS (\
               SELECT e.academy_id, e.agreement_id, e.person_id, {f_unsent}, {f_unsigned}, \
                 {f_disagreed}, {f_actions}, \
                 CAST(CASE WHEN e.review_due_on IS NOT NULL AND e.review_due_on < {d} THEN 1 ELSE 0 END \
                   AS BIGINT) AS agreement_past_review, \
                 {f_training}, {f_qa} \
               FROM entries e {j_unsent} {j_unsigned} {j_disagreed} {j_actions} {j_training} {j_qa}) ",
            send = policy("record_send_days", defaults.record_send_days),
            sign = policy("record_sign_days", defaults.record_sign_days),
            qa = policy("qa_overdue_days", defaults.qa_overdue_days),
            started = self.day_of("w.starts_at"),
            send_by = self.minus(day, "w.send_days"),
            sent = self.day_of("r.sent_at"),
            sign_by = self.minus(day, "w.sign_days"),
            completed = self.day_of("a.completed_at"),
            qa_by = self.minus(day, "e.qa_days"),
            f_unsent = flag("records_not_sent"),
            f_unsigned = flag("records_unsigned"),
            f_disagreed = flag("records_disagreed"),
            f_actions = flag("actions_overdue"),
            f_training = flag("training_expired"),
            f_qa = flag("qa_overdue"),
            j_unsent = joined("records_not_sent"),
            j_unsigned = joined("records_unsigned"),
            j_disagreed = joined("records_disagreed"),
            j_actions = joined("actions_overdue"),
            j_training = joined("training_expired"),
            j_qa = joined("qa_overdue"),
        )
    }

    /// The hand-written SQL for read model `name` on `day`: the supervisees as judged, or their
    /// counts by academy, by region or for the trust.
    fn read_model(self, name: &str, trust: Uuid, day: NaiveDate) -> String {
        let t = self.uuid(trust);
        let sums: Vec<String> = FLAGS
            .iter()
            .map(|flag| format!("CAST(COALESCE(SUM(j.{flag}), 0) AS BIGINT) AS {flag}"))
            .collect();
        let sums = sums.join(", ");
        let counted = match name {
            "supervisees" => format!(
                "SELECT agreement_id, person_id, {} FROM judged",
                FLAGS.join(", ")
            ),
            "academies" => format!(
                "SELECT a.id, COUNT(j.person_id) AS supervisees, {sums} \
                 FROM academy a LEFT JOIN judged j ON j.academy_id = a.id \
                 WHERE a.trust_id = {t} GROUP BY a.id"
            ),
            "regions" => format!(
                "SELECT r.id, COUNT(DISTINCT a.id) AS academies, COUNT(j.person_id) AS supervisees, \
                 {sums} FROM region r \
                 LEFT JOIN academy a ON a.trust_id = r.trust_id AND a.region_id = r.id \
                 LEFT JOIN judged j ON j.academy_id = a.id \
                 WHERE r.trust_id = {t} GROUP BY r.id"
            ),
            _ => format!(
                "SELECT {t} AS id, (SELECT COUNT(*) FROM academy WHERE trust_id = {t}) AS academies, \
                 COUNT(j.person_id) AS supervisees, {sums} FROM judged j"
            ),
        };
        format!("{}{counted}", self.judged(trust, day))
    }
}

/// The supervisees read model as it was before it read only the day's rows: judged from the
/// trust's whole history, `HAVEN_BENCH_RUNS` times after one warm-up.
async fn whole_history(db: &Db, scope: &Scope, today: NaiveDate) -> Whole {
    let runs = env_number("HAVEN_BENCH_RUNS", 20).max(1);
    let mut samples = Vec::new();
    for run in 0..=runs {
        let started = Instant::now();
        haven_store::compliance::supervisees_from_whole_history(db, scope, today)
            .await
            .unwrap();
        if run > 0 {
            samples.push(started.elapsed());
        }
    }
    Whole {
        p50: percentile(&samples, 50),
        p95: percentile(&samples, 95),
    }
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
