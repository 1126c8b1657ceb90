//! The daily scan: for each trust, creates the QA reviews that fell due, drafts the renewals of
//! agreements whose review draws near, and queues every reminder due on the day (DESIGN §5),
//! each once.
//!
//! A trust whose scan fails does not stop the others; the scan then fails as a whole so the
//! queue retries it, and the retry finds the trusts already done with nothing left to add.
//!
//! Each trust's run is recorded (`haven_store::scan_run`), failed or not, so its leads and the
//! operator's metrics can see that the scan ran and what it queued.

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use haven_store::scan_run::{NewScanRun, RunOutcome, ScanCounts};
use haven_store::{Db, Origin, Scope, StoreError, SystemActor};
use tracing::Instrument as _;

/// What one scan did, across every trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanReport {
    /// The day scanned.
    pub as_of: NaiveDate,
    /// Trusts scanned.
    pub trusts: usize,
    /// QA reviews created because they fell due.
    pub qa_reviews_created: usize,
    /// Agreement renewals drafted because their review drew near.
    pub renewals_drafted: usize,
    /// Reminders due that day.
    pub reminders_due: usize,
    /// Of those, queued by this run (the rest already were).
    pub notifications: usize,
}

/// Scans every trust as of `as_of`, `now` being when the rows it writes are dated.
///
/// # Errors
/// The records database is unreachable, or a trust's scan failed (the others still ran).
pub async fn run(db: &Db, as_of: NaiveDate, now: DateTime<Utc>) -> Result<ScanReport, StoreError> {
    db.ping().await?;
    let mut report = ScanReport {
        as_of,
        trusts: 0,
        qa_reviews_created: 0,
        renewals_drafted: 0,
        reminders_due: 0,
        notifications: 0,
    };
    let mut failure = None;
    // The clock is read once, at the edge; how long each trust took is measured, not read.
    let began = Instant::now();
    let at = |instant: Instant| now + Duration::from_std(instant - began).unwrap_or_default();
    for trust in haven_store::trust::all(db).await? {
        #[expect(
            clippy::disallowed_methods,
            reason = "the daily scan reads and writes for Haven across each trust"
        )]
        let scope = Scope::system(trust.id, SystemActor::Scheduler, Origin::Worker);
        let span = tracing::info_span!("trust_scan", trust = %trust.id);
        let started_at = at(Instant::now());
        let scanned = scan_trust(db, &scope, as_of, now)
            .instrument(span.clone())
            .await;
        let run = NewScanRun {
            scanned_on: as_of,
            started_at,
            finished_at: at(Instant::now()),
            outcome: match &scanned {
                Ok(counts) => RunOutcome::Succeeded(counts.clone()),
                Err(error) => RunOutcome::Failed(error.to_string()),
            },
        };
        let finished_at = run.finished_at;
        let recorded = haven_store::scan_run::record(db, &scope, run, finished_at)
            .instrument(span.clone())
            .await;
        let _entered = span.enter();
        match (scanned, recorded) {
            (Ok(counts), Ok(_)) => {
                tracing::info!(
                    qa_reviews_created = counts.qa_reviews_created,
                    renewals_drafted = counts.renewals_drafted,
                    reminders_due = counts.reminders_due,
                    notifications = counts.notifications_queued,
                    "the trust's scan done"
                );
                report.trusts = report.trusts.saturating_add(1);
                report.qa_reviews_created = report
                    .qa_reviews_created
                    .saturating_add(counts.qa_reviews_created);
                report.renewals_drafted = report
                    .renewals_drafted
                    .saturating_add(counts.renewals_drafted);
                report.reminders_due = report.reminders_due.saturating_add(counts.reminders_due);
                report.notifications = report
                    .notifications
                    .saturating_add(counts.notifications_queued);
            }
            // A run nobody can see is retried like a failed one: running a day again is
            // harmless, and the retry records it.
            (Ok(_), Err(error)) => {
                tracing::error!(%error, "the trust's scan ran but could not be recorded");
                failure = Some(error);
            }
            (Err(error), recorded) => {
                tracing::error!(%error, "the trust's scan failed");
                if let Err(unrecorded) = recorded {
                    tracing::error!(error = %unrecorded, "the failed scan could not be recorded");
                }
                failure = Some(error);
            }
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

/// One trust: its QA reviews and renewals first, so a review falling due today is reminded of
/// today and a renewal's draft is there when its parties are reminded.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %as_of))]
async fn scan_trust(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ScanCounts, StoreError> {
    let mut tx = db.write(scope, now).await?;
    let created = haven_store::qa::create_due(&mut tx, as_of).await?.len();
    tx.commit().await?;
    let mut tx = db.write(scope, now).await?;
    let renewals = haven_store::agreement::draft_due_renewals(&mut tx, as_of)
        .await?
        .len();
    tx.commit().await?;
    let reminders = haven_store::reminders::queue_due(db, scope, as_of, now).await?;
    for skipped in &reminders.skipped {
        tracing::warn!(trust = %scope.trust_id(), "{skipped}");
    }
    Ok(ScanCounts {
        qa_reviews_created: created,
        renewals_drafted: renewals,
        reminders_due: reminders.due,
        notifications_queued: reminders.queued,
        skipped: reminders.skipped.len(),
        queued_by_rule: reminders.queued_by_rule,
    })
}
