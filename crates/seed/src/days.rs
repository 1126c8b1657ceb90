//! The days and times seeded rows are placed on, shared by the demo trust and the generator.

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Europe::London;
use haven_domain::TermCalendar;
use haven_store::WriteTx;
use uuid::Uuid;

use crate::SeedError;

const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// The days a seeded history covers, in London as the academies live them: from `months` before
/// today to the last day of the current half term, over England's typical term dates.
pub(crate) struct Span {
    pub(crate) today: NaiveDate,
    pub(crate) history_starts: NaiveDate,
    /// The last day of the current half term: sessions are planned up to it.
    pub(crate) horizon: NaiveDate,
    pub(crate) cal: TermCalendar,
}

impl Span {
    /// `months` of history up to `now`; `history` names them for the refusal.
    pub(crate) fn back_from(
        now: DateTime<Utc>,
        months: u32,
        history: &str,
    ) -> Result<Self, SeedError> {
        let today = now.with_timezone(&London).date_naive();
        let history_starts = today
            .checked_sub_months(Months::new(months))
            .ok_or_else(|| refused!("{today} is too early for {history} of history"))?;
        let cal = TermCalendar::england_typical(
            academic_year(history_starts),
            academic_year(today).saturating_add(1),
        )?;
        let horizon = cal
            .half_term_containing_or_after(today)
            .map(|half_term| half_term.ends_on)
            .ok_or_else(|| refused!("no half term after {today}"))?;
        Ok(Self {
            today,
            history_starts,
            horizon,
            cal,
        })
    }
}

/// The academic year (September to July) a date belongs to; August counts with the year after.
pub(crate) fn academic_year(day: NaiveDate) -> i32 {
    if day.month() >= 8 {
        day.year()
    } else {
        day.year().saturating_sub(1)
    }
}

/// `time` on `day` in London.
pub(crate) fn london(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = day.and_time(time);
    London
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |at| at.with_timezone(&Utc))
}

/// The time `hour:minute`.
pub(crate) fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

/// `days` after `day` (before it when negative).
pub(crate) fn plus(day: NaiveDate, days: i64) -> NaiveDate {
    day + TimeDelta::days(days)
}

/// The `n`th weekday, Monday to Friday round again.
pub(crate) fn weekday(n: usize) -> Weekday {
    WEEKDAYS
        .get(n % WEEKDAYS.len())
        .copied()
        .unwrap_or(Weekday::Tue)
}

/// The scope's trust, for the rows being built.
pub(crate) fn trust_id(tx: &WriteTx<'_>) -> Uuid {
    tx.scope().trust_id()
}
