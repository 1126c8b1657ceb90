//! Where Haven reads the time: the one [`SystemClock`], and a [`FixedClock`] for tests and for
//! running a service as of a past day. No rule in this crate asks a clock; each takes the date.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;

/// Where Haven reads the time. Rules take a date as a parameter; only the edge of a service
/// asks a `Clock`, so tests and back-fills can run any day.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Today's calendar date in England, the day a scan is for.
    fn today_london(&self) -> NaiveDate {
        self.now().with_timezone(&London).date_naive()
    }
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "the one real clock: everything else receives the time from here"
    )]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant, for tests and for running a service as of a past day.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}
