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

use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::{TermCalendar, add_working_days, is_working_day};
use haven_store::{Db, Origin, Scope, SystemActor};
use uuid::Uuid;

use self::ids::{Ids, Lcg};

use crate::SeedError;
use crate::days::Span;

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
        let Span {
            today,
            history_starts,
            horizon,
            cal,
        } = Span::back_from(now, 25, "two years")?;
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
