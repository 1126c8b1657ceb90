//! The daily scan: for each trust, creates the QA reviews that fell due and queues every
//! reminder due on the day (DESIGN §5), each once.
//!
//! A trust whose scan fails does not stop the others; the scan then fails as a whole so the
//! queue retries it, and the retry finds the trusts already done with nothing left to add.

use chrono::{DateTime, NaiveDate, Utc};
use haven_store::{Db, Origin, Scope, StoreError, SystemActor};

/// What one scan did, across every trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanReport {
    /// The day scanned.
    pub as_of: NaiveDate,
    /// Trusts scanned.
    pub trusts: usize,
    /// QA reviews created because they fell due.
    pub qa_reviews_created: usize,
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
        reminders_due: 0,
        notifications: 0,
    };
    let mut failure = None;
    for trust in haven_store::trust::all(db).await? {
        let scope = Scope::system(trust.id, SystemActor::Scheduler, Origin::Worker);
        match scan_trust(db, &scope, as_of, now).await {
            Ok((created, due, queued)) => {
                report.trusts = report.trusts.saturating_add(1);
                report.qa_reviews_created = report.qa_reviews_created.saturating_add(created);
                report.reminders_due = report.reminders_due.saturating_add(due);
                report.notifications = report.notifications.saturating_add(queued);
            }
            Err(error) => {
                tracing::error!(trust = %trust.id, %error, "the trust's scan failed");
                failure = Some(error);
            }
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

/// One trust: its QA reviews first, so a review falling due today is reminded of today.
async fn scan_trust(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(usize, usize, usize), StoreError> {
    let created = haven_store::qa::create_due(db, scope, as_of, now)
        .await?
        .len();
    let reminders = haven_store::reminders::queue_due(db, scope, as_of, now).await?;
    for skipped in &reminders.skipped {
        tracing::warn!(trust = %scope.trust_id(), "{skipped}");
    }
    Ok((created, reminders.due, reminders.queued))
}
