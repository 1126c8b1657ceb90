//! The daily scan: decides, as of one day, which reminders are due.
//!
//! The reminder rules (DESIGN §5) are not implemented yet; the scan already runs end to end,
//! daily and on demand, so they slot in here.

use chrono::NaiveDate;
use haven_store::{Db, StoreError};

/// What one scan did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanReport {
    /// The day scanned.
    pub as_of: NaiveDate,
    /// Notifications enqueued.
    pub notifications: usize,
}

/// Scans the records as of `as_of`.
///
/// With no rules yet nothing is due; the scan still checks the records database answers, so a
/// scan that cannot see the records fails (and is retried) instead of reporting nothing due.
///
/// # Errors
/// The records database is unreachable.
pub async fn run(db: &Db, as_of: NaiveDate) -> Result<ScanReport, StoreError> {
    db.ping().await?;
    Ok(ScanReport {
        as_of,
        notifications: 0,
    })
}
