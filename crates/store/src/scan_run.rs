//! The daily scan's runs (DESIGN §5), as the scheduler records them: one row per trust per run,
//! read back by the trust's leads (and `read_figures` tokens) to see that the reminders went out,
//! and totalled across trusts, without naming any, for the operator's metrics.
//!
//! A run holds counts, rule names and the store's error text: never a person, a record or a
//! child. The outbox counts read here likewise count rows by status and nothing more.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use haven_domain::capability::Capability;
use haven_domain::role::Role;
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::scope::{Actor, Scope};
use crate::tenant::scoped;
use crate::{Db, StoreError};

/// Longest error text kept on a run: enough for the store's message, not for a dump.
const MAX_ERROR_CHARS: usize = 1000;

/// Roles that answer for the whole trust's supervision, and so for its reminders going out.
const READERS: [Role; 3] = [
    Role::TrustSafeguardingLead,
    Role::DirectorOfEducation,
    Role::Auditor,
];

/// What a successful run of one trust did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanCounts {
    pub qa_reviews_created: usize,
    pub renewals_drafted: usize,
    pub reminders_due: usize,
    pub notifications_queued: usize,
    pub skipped: usize,
    pub queued_by_rule: BTreeMap<String, usize>,
}

/// How one trust's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    Succeeded(ScanCounts),
    /// The store's error, as text (it names tables, fields and ids, never their content).
    Failed(String),
}

/// One trust's run, to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScanRun {
    /// The day the scan judged.
    pub scanned_on: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: RunOutcome,
}

/// A recorded run, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ScanRun {
    pub id: Uuid,
    pub scanned_on: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `succeeded` or `failed`.
    pub outcome: String,
    pub error: Option<String>,
    pub qa_reviews_created: u32,
    pub renewals_drafted: u32,
    pub reminders_due: u32,
    pub notifications_queued: u32,
    pub skipped: u32,
    pub queued_by_rule: BTreeMap<String, u64>,
}

/// Notifications in the outbox, by delivery status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct OutboxCounts {
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
    pub bounced: u64,
    /// Reminders the recipient switched off, kept unsent.
    pub suppressed: u64,
    /// Reminders carried by a daily digest.
    pub in_digest: u64,
    /// Calendar invites replaced by a later one of the same session before they went.
    pub superseded: u64,
}

/// The scan's health for one trust over a window of days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanSummary {
    /// The window, in days back from now.
    pub days: u32,
    /// The newest run, whenever it was.
    pub latest: Option<ScanRun>,
    /// For each day scanned by a run started in the window, that day's newest run, newest day
    /// first.
    pub last_run_per_day: Vec<ScanRun>,
    /// The failed runs started in the window, newest first.
    pub failures: Vec<ScanRun>,
    /// The trust's outbox now.
    pub outbox: OutboxCounts,
}

/// Every trust's runs and outbox added up, for the operator: figures, never a trust.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperatorTotals {
    pub trusts: u64,
    pub scans_succeeded: u64,
    pub scans_failed: u64,
    /// The newest day any trust's scan succeeded for.
    pub last_successful_day: Option<NaiveDate>,
    pub outbox: OutboxCounts,
}

/// Records one trust's run. Only Haven's own processes run scans, so only they record them.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id()))]
pub async fn record(
    db: &Db,
    scope: &Scope,
    run: NewScanRun,
    now: DateTime<Utc>,
) -> Result<ScanRun, StoreError> {
    if !matches!(scope.actor(), Actor::System(_)) {
        return Err(StoreError::NotPermitted {
            action: "record a scan run",
        });
    }
    let (outcome, error, counts) = match run.outcome {
        RunOutcome::Succeeded(counts) => ("succeeded", None, counts),
        RunOutcome::Failed(error) => (
            "failed",
            Some(error.chars().take(MAX_ERROR_CHARS).collect::<String>()),
            ScanCounts::default(),
        ),
    };
    let by_rule: serde_json::Map<String, Value> = counts
        .queued_by_rule
        .iter()
        .map(|(rule, queued)| (rule.clone(), Value::from(*queued)))
        .collect();
    let mut tx = db.write(scope, now).await?;
    let row = tx
        .insert(e::scan_run::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            scanned_on: Set(run.scanned_on),
            started_at: Set(run.started_at),
            finished_at: Set(run.finished_at),
            outcome: Set(outcome.to_owned()),
            error: Set(error),
            qa_reviews_created: Set(as_i32(counts.qa_reviews_created)),
            renewals_drafted: Set(as_i32(counts.renewals_drafted)),
            reminders_due: Set(as_i32(counts.reminders_due)),
            notifications_queued: Set(as_i32(counts.notifications_queued)),
            skipped: Set(as_i32(counts.skipped)),
            queued_by_rule: Set(Value::Object(by_rule)),
        })
        .await?;
    tx.commit().await?;
    Ok(view(row))
}

/// The trust's newest runs, newest first, at most `limit`.
pub async fn recent(db: &Db, scope: &Scope, limit: u64) -> Result<Vec<ScanRun>, StoreError> {
    require_reader(scope)?;
    let read = db.read(scope).await?;
    let rows = scoped::<e::scan_run::Entity>(scope)
        .order_by_desc(e::scan_run::Column::StartedAt)
        .order_by_desc(e::scan_run::Column::Id)
        .limit(limit)
        .all(read.connection())
        .await?;
    read.finish().await?;
    Ok(rows.into_iter().map(view).collect())
}

/// The trust's scan over the `days` before `now`: the newest run, each day's last run, the
/// failures, and the outbox as it stands.
pub async fn summary(
    db: &Db,
    scope: &Scope,
    days: u32,
    now: DateTime<Utc>,
) -> Result<ScanSummary, StoreError> {
    require_reader(scope)?;
    let since = now - Duration::days(i64::from(days));
    let read = db.read(scope).await?;
    let latest = scoped::<e::scan_run::Entity>(scope)
        .order_by_desc(e::scan_run::Column::StartedAt)
        .order_by_desc(e::scan_run::Column::Id)
        .one(read.connection())
        .await?;
    let window = scoped::<e::scan_run::Entity>(scope)
        .filter(e::scan_run::Column::StartedAt.gte(since))
        .order_by_desc(e::scan_run::Column::StartedAt)
        .order_by_desc(e::scan_run::Column::Id)
        .all(read.connection())
        .await?;
    let outbox = outbox_counts(read.connection(), scope.trust_id()).await?;
    read.finish().await?;

    let mut per_day: BTreeMap<NaiveDate, ScanRun> = BTreeMap::new();
    let mut failures = Vec::new();
    // Newest first, so the first run seen of a day is its last.
    for run in window.into_iter().map(view) {
        if run.outcome == "failed" {
            failures.push(run.clone());
        }
        per_day.entry(run.scanned_on).or_insert(run);
    }
    Ok(ScanSummary {
        days,
        latest: latest.map(view),
        last_run_per_day: per_day.into_values().rev().collect(),
        failures,
        outbox,
    })
}

/// Every trust's runs and outbox, added up. For the operator's metrics, outside any trust's
/// scope: each trust is read in a transaction of its own (row-level security shows a
/// transaction one trust at most), and only counts leave this function.
pub async fn operator_totals(db: &Db) -> Result<OperatorTotals, StoreError> {
    let mut totals = OperatorTotals::default();
    for trust in crate::trust::all(db).await? {
        let txn = db.in_trust(trust.id).await?;
        let outcomes: Vec<(String, i64)> = e::scan_run::Entity::find()
            .select_only()
            .column(e::scan_run::Column::Outcome)
            .column_as(Expr::col(e::scan_run::Column::Id).count(), "runs")
            .filter(e::scan_run::Column::TrustId.eq(trust.id))
            .group_by(e::scan_run::Column::Outcome)
            .into_tuple()
            .all(&txn)
            .await?;
        let last_success = e::scan_run::Entity::find()
            .filter(e::scan_run::Column::TrustId.eq(trust.id))
            .filter(e::scan_run::Column::Outcome.eq("succeeded"))
            .order_by_desc(e::scan_run::Column::ScannedOn)
            .one(&txn)
            .await?;
        let outbox = outbox_counts(&txn, trust.id).await?;
        txn.commit().await?;

        totals.trusts = totals.trusts.saturating_add(1);
        for (outcome, runs) in outcomes {
            let runs = u64::try_from(runs).unwrap_or_default();
            match outcome.as_str() {
                "succeeded" => totals.scans_succeeded = totals.scans_succeeded.saturating_add(runs),
                "failed" => totals.scans_failed = totals.scans_failed.saturating_add(runs),
                _ => {}
            }
        }
        if let Some(run) = last_success {
            totals.last_successful_day = Ord::max(totals.last_successful_day, Some(run.scanned_on));
        }
        totals.outbox.add(outbox);
    }
    Ok(totals)
}

impl OutboxCounts {
    fn add(&mut self, other: OutboxCounts) {
        self.queued = self.queued.saturating_add(other.queued);
        self.sending = self.sending.saturating_add(other.sending);
        self.sent = self.sent.saturating_add(other.sent);
        self.failed = self.failed.saturating_add(other.failed);
        self.bounced = self.bounced.saturating_add(other.bounced);
        self.suppressed = self.suppressed.saturating_add(other.suppressed);
        self.in_digest = self.in_digest.saturating_add(other.in_digest);
        self.superseded = self.superseded.saturating_add(other.superseded);
    }
}

/// One trust's outbox rows by status.
async fn outbox_counts<C: ConnectionTrait>(
    conn: &C,
    trust_id: Uuid,
) -> Result<OutboxCounts, StoreError> {
    let by_status: Vec<(String, i64)> = e::notification_outbox::Entity::find()
        .select_only()
        .column(e::notification_outbox::Column::Status)
        .column_as(
            Expr::col(e::notification_outbox::Column::Id).count(),
            "rows",
        )
        .filter(e::notification_outbox::Column::TrustId.eq(trust_id))
        .group_by(e::notification_outbox::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let mut counts = OutboxCounts::default();
    for (status, rows) in by_status {
        let rows = u64::try_from(rows).unwrap_or_default();
        match status.as_str() {
            "queued" => counts.queued = rows,
            "sending" => counts.sending = rows,
            "sent" => counts.sent = rows,
            "failed" => counts.failed = rows,
            "bounced" => counts.bounced = rows,
            "suppressed" => counts.suppressed = rows,
            "in_digest" => counts.in_digest = rows,
            "superseded" => counts.superseded = rows,
            other => tracing::warn!(status = other, "outbox rows with an unknown status"),
        }
    }
    Ok(counts)
}

/// Trust leads, directors and auditors, a `read_figures` token, or one of Haven's processes.
fn require_reader(scope: &Scope) -> Result<(), StoreError> {
    let allowed = match scope.capabilities() {
        Some(capabilities) => capabilities.contains(&Capability::ReadFigures),
        None => match scope.actor() {
            Actor::System(_) => true,
            Actor::Person { .. } | Actor::Token { .. } => scope
                .roles()
                .iter()
                .any(|held| READERS.contains(&held.role)),
        },
    };
    if allowed {
        Ok(())
    } else {
        Err(StoreError::NotPermitted {
            action: "read the daily scan's runs",
        })
    }
}

fn as_i32(count: usize) -> i32 {
    i32::try_from(count).unwrap_or(i32::MAX)
}

fn as_u32(count: i32) -> u32 {
    u32::try_from(count).unwrap_or_default()
}

fn view(row: e::scan_run::Model) -> ScanRun {
    ScanRun {
        id: row.id,
        scanned_on: row.scanned_on,
        started_at: row.started_at,
        finished_at: row.finished_at,
        outcome: row.outcome,
        error: row.error,
        qa_reviews_created: as_u32(row.qa_reviews_created),
        renewals_drafted: as_u32(row.renewals_drafted),
        reminders_due: as_u32(row.reminders_due),
        notifications_queued: as_u32(row.notifications_queued),
        skipped: as_u32(row.skipped),
        queued_by_rule: serde_json::from_value(row.queued_by_rule).unwrap_or_default(),
    }
}
