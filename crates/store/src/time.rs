//! Dates as England reads them: storage is UTC, every rule's day is Europe/London's.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;

/// The calendar day in England of an instant.
pub(crate) fn london_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&London).date_naive()
}
