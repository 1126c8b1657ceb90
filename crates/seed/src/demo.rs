//! The demo trust: Northern Lights Learning Trust, twelve academies following the four seed
//! policies, with two years of supervision history up to `now` and the rest of the current half
//! term planned.
//!
//! Everything is derived from the fixed lists in [`org`] and from `now` (row ids included), so two
//! runs on the same clock write the same rows. Every row goes through [`WriteTx::insert`], so the
//! trust's audit log has one entry per row, as it would had people entered the history by hand.

mod history;
mod ids;
mod org;
mod text;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use haven_domain::{TermCalendar, add_working_days, is_working_day};
use haven_store::{Db, Origin, Scope, SystemActor, WriteTx};
use uuid::Uuid;

use self::ids::{Ids, Lcg};

use crate::SeedError;

const TRUST_NAME: &str = "Northern Lights Learning Trust";
const TRUST_SLUG: &str = "demo";

/// What `haven seed --demo` did.
pub enum Seeded {
    Created(String),
    AlreadyThere,
}

/// Creates the demo trust unless a trust with its slug is already there.
pub async fn demo(db: &Db, now: DateTime<Utc>) -> Result<Seeded, SeedError> {
    if haven_store::trust::find_by_slug(db, TRUST_SLUG)
        .await?
        .is_some()
    {
        return Ok(Seeded::AlreadyThere);
    }
    let mut seed = Seed::new(now)?;
    #[expect(
        clippy::disallowed_methods,
        reason = "the seed writes a whole new trust as Haven"
    )]
    let scope = Scope::system(Uuid::now_v7(), SystemActor::Seed, Origin::Cli);
    // One transaction from the trust's creation to its last row: a failure part-way leaves no
    // trust at all, so the next run seeds it whole instead of finding half a trust "already there".
    let (_, mut tx) = db.create_trust(&scope, TRUST_NAME, TRUST_SLUG, now).await?;
    let trust = org::create(&mut tx, &mut seed).await?;
    for academy in &trust.academies {
        history::create(&mut tx, &mut seed, &trust, academy).await?;
    }
    tx.commit().await?;
    let c = &seed.counts;
    Ok(Seeded::Created(format!(
        "{} academies, {} people, {} agreements, {} sessions, {} records, {} actions",
        trust.academies.len(),
        c.people,
        c.agreements,
        c.sessions,
        c.records,
        c.actions
    )))
}

/// Rows written so far, for the summary.
#[derive(Default)]
struct Counts {
    people: usize,
    agreements: usize,
    sessions: usize,
    records: usize,
    actions: usize,
    /// Open actions left past their due date; a few make drift visible, many would be noise.
    overdue_actions: usize,
}

/// The clock, the calendar and the generators every part of the seed shares.
struct Seed {
    now: DateTime<Utc>,
    today: NaiveDate,
    /// Role assignments start here; every agreement activates a little after it.
    history_starts: NaiveDate,
    /// The last day of the current half term: sessions are planned up to it.
    horizon: NaiveDate,
    cal: TermCalendar,
    ids: Ids,
    rng: Lcg,
    counts: Counts,
}

impl Seed {
    fn new(now: DateTime<Utc>) -> Result<Self, SeedError> {
        // Days are London days, as the academies live them.
        let today = now.with_timezone(&London).date_naive();
        let history_starts = today
            .checked_sub_months(Months::new(25))
            .ok_or_else(|| refused!("{today} is too early for two years of history"))?;
        let cal = TermCalendar::england_typical(
            academic_year(history_starts),
            academic_year(today).saturating_add(1),
        )?;
        let horizon = cal
            .half_term_containing_or_after(today)
            .map(|half_term| half_term.ends_on)
            .ok_or_else(|| refused!("no half term after {today}"))?;
        Ok(Self {
            now,
            today,
            history_starts,
            horizon,
            cal,
            ids: Ids::new(now),
            rng: Lcg::new(),
            counts: Counts::default(),
        })
    }

    /// `day` itself if it is a working day, else the next one.
    fn working_day_from(&self, day: NaiveDate) -> Option<NaiveDate> {
        if is_working_day(day, &self.cal) {
            Some(day)
        } else {
            add_working_days(day, 1, &self.cal)
        }
    }
}

/// The academic year (September to July) a date belongs to; August counts with the year after.
fn academic_year(day: NaiveDate) -> i32 {
    if day.month() >= 8 {
        day.year()
    } else {
        day.year().saturating_sub(1)
    }
}

/// `time` on `day` in London.
fn london(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = day.and_time(time);
    London
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |at| at.with_timezone(&Utc))
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

/// `days` after `day` (before it when negative).
fn plus(day: NaiveDate, days: i64) -> NaiveDate {
    day + chrono::TimeDelta::days(days)
}

/// The scope's trust, for the rows being built.
fn trust_id(tx: &WriteTx<'_>) -> uuid::Uuid {
    tx.scope().trust_id()
}
