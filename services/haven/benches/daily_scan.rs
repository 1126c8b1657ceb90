//! The daily scan against a large generated trust, next to the fastest hand-written SQL that
//! finds the same due reminders (issue 6, DESIGN §8).
//!
//! ```text
//! cargo bench -p haven --bench daily_scan
//! HAVEN_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p haven --bench daily_scan
//! ```
//!
//! `HAVEN_BENCH_ACADEMIES` (default 1000, about 5 staff each) and `HAVEN_BENCH_YEARS` (default 5)
//! size the trust `haven seed --generate` writes; `HAVEN_BENCH_RUNS` (default 3) is how many
//! timed runs each median is taken over; `HAVEN_BENCH_DAY` (YYYY-MM-DD, default today in London)
//! is the day scanned, and `HAVEN_BENCH_CHECK_DAYS` (default 0) checks the SQL against the scan
//! on that many days before it as well. SQLite always runs (a temporary file); PostgreSQL runs
//! in a fresh database, dropped afterwards, when `HAVEN_TEST_POSTGRES_URL` names a server.
//!
//! The SQL covers the rules whose condition is a date offset from a row's own date: agenda due,
//! session tomorrow, session unconfirmed, record not sent (and overdue), record unsigned (and
//! overdue), action due and overdue, agreement review due and overdue, QA due and overdue,
//! training expiring and expired. It leaves out not re-held and supervision overdue, which count
//! working days over each academy's term dates. It finds (rule, subject) pairs, not recipients,
//! and the bench checks its count per rule equals the distinct subjects the scan queued.

#![allow(
    clippy::print_stdout,
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark's harness: it prints its table and stops at the first failure"
)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta};
use haven_domain::{PolicySettings, ReminderKind};
use haven_entity as e;
use haven_jobs::{Clock, SystemClock};
use haven_store::{Db, Origin, Scope, SystemActor};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

mod common;
use common::{env_number, generate_trust, ms};
use haven_testkit::{ScratchDatabase, percentile};

/// One engine's measurements.
struct Row {
    engine: &'static str,
    generate: Duration,
    first: Duration,
    fresh: Duration,
    repeat: Duration,
    qa: Duration,
    load: Duration,
    sql: Duration,
    due: usize,
    covered: usize,
    agrees: bool,
}

#[tokio::main]
async fn main() {
    let academies = env_number("HAVEN_BENCH_ACADEMIES", 1000);
    let years = env_number("HAVEN_BENCH_YEARS", 5);
    let runs = env_number("HAVEN_BENCH_RUNS", 3).max(1);
    let mut rows = Vec::new();

    let sqlite = ScratchDatabase::sqlite();
    rows.push(engine("SQLite", &sqlite.url, academies, years, runs).await);
    sqlite.drop_database().await;

    if let Ok(server) = std::env::var("HAVEN_TEST_POSTGRES_URL") {
        let postgres = ScratchDatabase::on_postgres(&server).await;
        rows.push(engine("PostgreSQL", &postgres.url, academies, years, runs).await);
        postgres.drop_database().await;
    }

    println!();
    println!("{academies} academies, {years} years, median of {runs} runs");
    println!();
    println!(
        "| engine | generate | scan, first run | scan, outbox cleared | scan, repeat | of which QA reviews | loading the rows | hand-written SQL | scan / SQL | reminders due | (rule, subject) pairs the SQL covers | SQL finds the same |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        println!(
            "| {} | {:.1} s | {} | {} | {} | {} | {} | {} | {:.0}× | {} | {} | {} |",
            row.engine,
            row.generate.as_secs_f64(),
            ms(row.first),
            ms(row.fresh),
            ms(row.repeat),
            ms(row.qa),
            ms(row.load),
            ms(row.sql),
            row.fresh.as_secs_f64() / row.sql.as_secs_f64().max(1e-9),
            row.due,
            row.covered,
            if row.agrees { "yes" } else { "NO" },
        );
    }
}

async fn engine(
    engine: &'static str,
    url: &str,
    academies: usize,
    years: usize,
    runs: usize,
) -> Row {
    let started = Instant::now();
    let seeded = generate_trust(engine, url, academies, years);
    let generate = started.elapsed();
    println!("{engine}: {seeded}");

    let db = Db::connect(url, 5).await.unwrap();
    let clock = SystemClock;
    let day = std::env::var("HAVEN_BENCH_DAY")
        .ok()
        .and_then(|day| day.parse().ok())
        .unwrap_or_else(|| clock.today_london());

    let started = Instant::now();
    let report = haven_scheduler::run_once(&db, day, &clock).await.unwrap();
    let first = started.elapsed();
    println!("{engine}: first scan {report:?} in {}", ms(first));
    let scanned = scan_counts(&db, day).await;

    let mut fresh = Vec::new();
    for _ in 0..runs {
        db.schema_connection()
            .execute_unprepared("DELETE FROM notification_outbox")
            .await
            .unwrap();
        let started = Instant::now();
        haven_scheduler::run_once(&db, day, &clock).await.unwrap();
        fresh.push(started.elapsed());
    }
    let mut repeat = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        haven_scheduler::run_once(&db, day, &clock).await.unwrap();
        repeat.push(started.elapsed());
    }

    let trust = haven_store::trust::find_by_slug(&db, "bench")
        .await
        .unwrap()
        .unwrap();
    let scope = Scope::system(trust.id, SystemActor::Scheduler, Origin::Worker);
    let mut qa = Vec::new();
    let mut load = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let mut tx = db.write(&scope, clock.now()).await.unwrap();
        haven_store::qa::create_due(&mut tx, day).await.unwrap();
        tx.commit().await.unwrap();
        qa.push(started.elapsed());
        let started = Instant::now();
        load_rows(&db, &scope).await;
        load.push(started.elapsed());
    }

    let mut timed = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        sql_counts(&db, day).await;
        timed.push(started.elapsed());
    }
    let found = sql_counts(&db, day).await;
    let covered = covered_counts(scanned.clone());
    println!("{engine}: the scan's due subjects by rule {scanned:?}");
    let mut agrees = found == covered;
    if !agrees {
        println!("{engine}: the SQL found {found:?}, the scan {covered:?}");
    }
    for back in 1..=env_number("HAVEN_BENCH_CHECK_DAYS", 0) {
        let earlier = day - TimeDelta::days(i64::try_from(back).unwrap());
        haven_scheduler::run_once(&db, earlier, &clock)
            .await
            .unwrap();
        let scanned = covered_counts(scan_counts(&db, earlier).await);
        let found = sql_counts(&db, earlier).await;
        if found != scanned {
            println!("{engine}, {earlier}: the SQL found {found:?}, the scan {scanned:?}");
            agrees = false;
        }
    }
    db.close().await.unwrap();
    Row {
        engine,
        generate,
        first,
        fresh: percentile(&fresh, 50),
        repeat: percentile(&repeat, 50),
        qa: percentile(&qa, 50),
        load: percentile(&load, 50),
        sql: percentile(&timed, 50),
        due: report.reminders_due,
        covered: covered.values().sum(),
        agrees,
    }
}

/// The rules the hand-written SQL leaves out: they count working days over term dates.
const UNCOVERED: [&str; 2] = ["not_reheld", "supervision_overdue"];

fn covered_counts(scanned: BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    scanned
        .into_iter()
        .filter(|(rule, _)| !UNCOVERED.contains(&rule.as_str()))
        .collect()
}

/// The hand-written SQL's due subjects on `day`, by rule.
async fn sql_counts(db: &Db, day: NaiveDate) -> BTreeMap<String, usize> {
    let rows = db
        .schema_connection()
        .query_all_raw(Statement::from_string(
            db.backend(),
            due_sql(db.backend(), day),
        ))
        .await
        .unwrap();
    let mut found = BTreeMap::new();
    for row in rows {
        let rule: String = row.try_get("", "rule").unwrap();
        *found.entry(rule).or_insert(0usize) += 1;
    }
    found
}

/// Distinct subjects the scan queued for `day`, by rule.
async fn scan_counts(db: &Db, day: NaiveDate) -> BTreeMap<String, usize> {
    let sql = format!(
        "SELECT rule, COUNT(DISTINCT subject_id) AS n FROM notification_outbox \
         WHERE due_on = {} AND rule <> 'digest' GROUP BY rule",
        Dialect(db.backend()).date(day)
    );
    let rows = db
        .schema_connection()
        .query_all_raw(Statement::from_string(db.backend(), sql))
        .await
        .unwrap();
    rows.into_iter()
        .map(|row| {
            let rule: String = row.try_get("", "rule").unwrap();
            let n: i64 = row.try_get("", "n").unwrap();
            (rule, usize::try_from(n).unwrap())
        })
        .collect()
}

/// Reads the tables the reminder snapshot loads whole, the way it loads them: through the
/// store's scoped transaction, into entity models. (It reads agendas and records without their
/// content, and no generic read reaches those tables of content.)
async fn load_rows(db: &Db, scope: &Scope) {
    let read = db.read(scope).await.unwrap();
    read.list::<e::academy::Entity>().await.unwrap();
    read.list::<e::term_date::Entity>().await.unwrap();
    read.list::<e::policy_setting::Entity>().await.unwrap();
    read.list::<e::person::Entity>().await.unwrap();
    read.list::<e::role_assignment::Entity>().await.unwrap();
    read.list::<e::agreement::Entity>().await.unwrap();
    read.list::<e::agreement_supervisee::Entity>()
        .await
        .unwrap();
    read.list::<e::supervision_session::Entity>().await.unwrap();
    read.list::<e::session_attendee::Entity>().await.unwrap();
    read.list::<e::record_signature::Entity>().await.unwrap();
    read.list::<e::supervision_action::Entity>().await.unwrap();
    read.list::<e::qa_review::Entity>().await.unwrap();
    read.list::<e::training_record::Entity>().await.unwrap();
    read.finish().await.unwrap();
}

/// How each engine spells a day and the instant it starts in London.
#[derive(Clone, Copy)]
struct Dialect(DatabaseBackend);

impl Dialect {
    fn date(self, day: NaiveDate) -> String {
        match self.0 {
            DatabaseBackend::Postgres => format!("DATE '{day}'"),
            _ => format!("'{day}'"),
        }
    }

    /// The first instant of `day` in London. SQLite keeps instants as UTC text, so there the day
    /// starts at UTC midnight: the generated rows are all dated in the daytime, where the London
    /// and UTC days agree.
    fn start(self, day: NaiveDate) -> String {
        match self.0 {
            DatabaseBackend::Postgres => {
                format!("(TIMESTAMP '{day} 00:00:00' AT TIME ZONE 'Europe/London')")
            }
            _ => format!("'{day}'"),
        }
    }
}

/// The (rule, subject) pairs due on `day`, for the rules the SQL covers, with every offset read
/// from the default reminder table both generated policies send. A deadline's reminder counts
/// from the deadline, so its anchor is moved back to the column the SQL reads (the session's
/// start, the record's sending, the review's due date) by the policy's days to that deadline.
fn due_sql(backend: DatabaseBackend, day: NaiveDate) -> String {
    let sql = Dialect(backend);
    let policy = PolicySettings::esteem();
    let to_deadline = |kind: ReminderKind| -> i64 {
        match kind {
            ReminderKind::AgendaDue => -i64::from(policy.agenda_days_before),
            ReminderKind::RecordNotSent | ReminderKind::RecordNotSentOverdue => {
                i64::from(policy.record_send_days)
            }
            ReminderKind::RecordUnsigned | ReminderKind::RecordUnsignedOverdue => {
                i64::from(policy.record_sign_days)
            }
            ReminderKind::QaOverdue => i64::from(policy.qa_overdue_days),
            _ => 0,
        }
    };
    let anchors = |kind: ReminderKind| -> Vec<NaiveDate> {
        policy
            .reminder(kind)
            .map(|rule| {
                rule.offsets_days
                    .iter()
                    .map(|offset| day - TimeDelta::days(i64::from(*offset) + to_deadline(kind)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let dates = |kind: ReminderKind| -> String {
        let list: Vec<String> = anchors(kind).into_iter().map(|d| sql.date(d)).collect();
        if list.is_empty() {
            "NULL".to_owned()
        } else {
            list.join(", ")
        }
    };
    // A session starting on one of the rule's anchor days.
    let on_days = |kind: ReminderKind, column: &str| -> String {
        let ranges: Vec<String> = anchors(kind)
            .into_iter()
            .map(|d| {
                format!(
                    "({column} >= {} AND {column} < {})",
                    sql.start(d),
                    sql.start(d + TimeDelta::days(1))
                )
            })
            .collect();
        if ranges.is_empty() {
            "FALSE".to_owned()
        } else {
            format!("({})", ranges.join(" OR "))
        }
    };
    let known = sql.start(day);
    let d = sql.date(day);
    let booked = format!("s.created_at < {known}");
    let not_cancelled =
        format!("(s.status <> 'cancelled' OR s.cancelled_at IS NULL OR s.cancelled_at >= {known})");
    let record_not_sent = format!(
        "NOT EXISTS (SELECT 1 FROM supervision_record r WHERE r.trust_id = s.trust_id AND r.session_id = s.id AND r.sent_at < {known})"
    );
    let session_rule = |code: &str, kind: ReminderKind, extra: &str| -> String {
        format!(
            "SELECT '{code}' AS rule, s.id AS subject FROM supervision_session s \
             JOIN agreement g ON g.id = s.agreement_id \
             WHERE {} AND {booked} AND {not_cancelled}{extra}",
            on_days(kind, "s.starts_at")
        )
    };
    let signed = |person: &str| {
        format!(
            "EXISTS (SELECT 1 FROM record_signature rs WHERE rs.trust_id = r.trust_id AND rs.record_id = r.id \
             AND rs.person_id = {person} AND rs.signed_at < {known})"
        )
    };
    let yet_to_sign = format!(
        "(NOT {supervisor} \
         OR EXISTS (SELECT 1 FROM session_attendee sa WHERE sa.trust_id = r.trust_id AND sa.session_id = r.session_id \
             AND COALESCE(sa.attended, TRUE) AND NOT {attendee}) \
         OR (g.kind <> 'group' \
             AND NOT EXISTS (SELECT 1 FROM session_attendee sa WHERE sa.trust_id = r.trust_id AND sa.session_id = r.session_id) \
             AND EXISTS (SELECT 1 FROM agreement_supervisee v WHERE v.agreement_id = g.id \
                 AND NOT {supervisee})))",
        supervisor = signed("g.supervisor_id"),
        attendee = signed("sa.person_id"),
        supervisee = signed("v.person_id"),
    );
    let record_rule = |code: &str, kind: ReminderKind| -> String {
        format!(
            "SELECT '{code}' AS rule, r.id AS subject FROM supervision_record r \
             JOIN supervision_session s ON s.id = r.session_id \
             JOIN agreement g ON g.id = s.agreement_id \
             WHERE {} AND {yet_to_sign}",
            on_days(kind, "r.sent_at")
        )
    };
    let action_rule = |code: &str, kind: ReminderKind| -> String {
        format!(
            "SELECT '{code}' AS rule, a.id AS subject FROM supervision_action a \
             WHERE a.due_on IN ({}) AND a.created_at < {known} \
             AND (a.status = 'open' \
                  OR (a.status = 'done' AND a.completed_on IS NOT NULL AND a.completed_on >= {d}) \
                  OR (a.status <> 'open' AND (a.status <> 'done' OR a.completed_on IS NULL) \
                      AND a.updated_at >= {known}))",
            dates(kind)
        )
    };
    let agreement_rule = |code: &str, kind: ReminderKind| -> String {
        format!(
            "SELECT '{code}' AS rule, g.id AS subject FROM agreement g \
             WHERE g.review_due_on IN ({}) AND g.activated_on < {d} \
             AND (g.ended_on IS NULL OR g.ended_on >= {d})",
            dates(kind)
        )
    };
    let qa_rule = |code: &str, kind: ReminderKind| -> String {
        format!(
            "SELECT '{code}' AS rule, q.id AS subject FROM qa_review q \
             WHERE q.due_on IN ({}) \
             AND (q.completed_at IS NULL OR q.completed_at >= {known}) \
             AND (SELECT MIN(v.activated_on) FROM agreement l JOIN agreement v ON v.trust_id = l.trust_id AND v.lineage_id = l.lineage_id \
                  WHERE l.id = q.agreement_lineage_id) < {d}",
            dates(kind)
        )
    };
    let training_rule = |code: &str, kind: ReminderKind| -> String {
        format!(
            "SELECT '{code}' AS rule, t.id AS subject FROM training_record t \
             WHERE t.expires_on IN ({}) AND t.created_at < {known} \
             AND NOT EXISTS (SELECT 1 FROM training_record o WHERE o.trust_id = t.trust_id AND o.person_id = t.person_id \
                 AND o.kind = t.kind AND o.id <> t.id AND o.created_at < {known} \
                 AND (o.expires_on > t.expires_on \
                      OR (o.expires_on IS NULL AND o.completed_on > t.completed_on)))",
            dates(kind)
        )
    };
    let held_known = format!(
        "s.status = 'held' AND s.held_marked_at IS NOT NULL AND s.held_marked_at < {known}"
    );
    let agenda_sent = format!(
        "EXISTS (SELECT 1 FROM agenda a WHERE a.trust_id = s.trust_id AND a.session_id = s.id AND a.submitted_at < {known})"
    );
    [
        session_rule(
            "agenda_due",
            ReminderKind::AgendaDue,
            &format!(" AND g.agenda_required AND NOT {agenda_sent}"),
        ),
        session_rule("session_tomorrow", ReminderKind::SessionTomorrow, ""),
        session_rule(
            "session_unconfirmed",
            ReminderKind::SessionUnconfirmed,
            &format!(" AND NOT ({held_known})"),
        ),
        session_rule(
            "record_not_sent",
            ReminderKind::RecordNotSent,
            &format!(" AND {record_not_sent}"),
        ),
        session_rule(
            "record_not_sent_overdue",
            ReminderKind::RecordNotSentOverdue,
            &format!(" AND {record_not_sent}"),
        ),
        record_rule("record_unsigned", ReminderKind::RecordUnsigned),
        record_rule(
            "record_unsigned_overdue",
            ReminderKind::RecordUnsignedOverdue,
        ),
        action_rule("action_due", ReminderKind::ActionDue),
        action_rule("action_overdue", ReminderKind::ActionOverdue),
        agreement_rule("agreement_review_due", ReminderKind::AgreementReviewDue),
        agreement_rule(
            "agreement_review_overdue",
            ReminderKind::AgreementReviewOverdue,
        ),
        qa_rule("qa_due", ReminderKind::QaDue),
        qa_rule("qa_overdue", ReminderKind::QaOverdue),
        training_rule("training_expiring", ReminderKind::TrainingExpiring),
        training_rule("training_expired", ReminderKind::TrainingExpired),
    ]
    .join(" UNION ALL ")
}
