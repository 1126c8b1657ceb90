//! How often supervision happens: the plan the parties agreed and the minimum policy sets.

use std::fmt;

use chrono::{Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::calendar::{TermCalendar, monday_of_week};
use crate::working_days::{add_working_days, is_working_day};

/// A number of weeks between sessions, 1 to 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Weeks(u8);

impl Weeks {
    pub(crate) const FOUR: Self = Self(4);

    /// Accepts 1 to 12: beyond a term apart is no longer a rhythm.
    pub fn parse(weeks: u8) -> Result<Self, DomainError> {
        if (1..=12).contains(&weeks) {
            Ok(Self(weeks))
        } else {
            Err(DomainError::invalid(
                "cadence",
                format!("every {weeks} weeks is outside 1 to 12"),
            ))
        }
    }

    /// The number of weeks.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Weeks {
    type Error = DomainError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Weeks> for u8 {
    fn from(value: Weeks) -> Self {
        value.0
    }
}

/// A rhythm of sessions. Stored as `weekly`, `every_4_weeks`, `half_termly` or `termly`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Cadence {
    /// Every week.
    Weekly,
    /// Every N weeks.
    EveryNWeeks(Weeks),
    /// At least once in every half term.
    HalfTermly,
    /// At least once in every term.
    Termly,
}

impl Cadence {
    /// Reads the stored form (`weekly`, `every_4_weeks`, `half_termly`, `termly`).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        match input {
            "weekly" => Ok(Self::Weekly),
            "half_termly" => Ok(Self::HalfTermly),
            "termly" => Ok(Self::Termly),
            _ => {
                let weeks = input
                    .strip_prefix("every_")
                    .and_then(|rest| rest.strip_suffix("_weeks"))
                    .and_then(|n| n.parse::<u8>().ok())
                    .ok_or_else(|| {
                        DomainError::invalid(
                            "cadence",
                            format!(
                                "{input:?} is not weekly, every_N_weeks, half_termly or termly"
                            ),
                        )
                    })?;
                Ok(Self::EveryNWeeks(Weeks::parse(weeks)?))
            }
        }
    }

    /// Reads a plan's rhythm as an agreement stores it, in two columns: `weekly`,
    /// `half_termly` or `termly` with no weeks, or `every_n_weeks` with its number of weeks.
    /// A refusal names the column at fault, `plan_cadence` or `plan_weeks`.
    pub fn parse_plan(code: &str, weeks: Option<u32>) -> Result<Self, DomainError> {
        let code = code.trim();
        match (code, weeks) {
            ("every_n_weeks", Some(weeks)) => u8::try_from(weeks)
                .map_err(|_| {
                    DomainError::invalid("plan_weeks", format!("{weeks} weeks is too many"))
                })
                .and_then(|w| Weeks::parse(w).map_err(|e| e.in_field("plan_weeks")))
                .map(Self::EveryNWeeks),
            ("every_n_weeks", None) => Err(DomainError::invalid(
                "plan_weeks",
                "is required for every_n_weeks",
            )),
            ("weekly" | "half_termly" | "termly", Some(_)) => Err(DomainError::invalid(
                "plan_weeks",
                "is only for every_n_weeks",
            )),
            ("weekly", None) => Ok(Self::Weekly),
            ("half_termly", None) => Ok(Self::HalfTermly),
            ("termly", None) => Ok(Self::Termly),
            _ => Err(DomainError::invalid(
                "plan_cadence",
                format!("{code:?} is not weekly, every_n_weeks, half_termly or termly"),
            )),
        }
    }

    /// The two columns a plan's rhythm is stored in, as [`Cadence::parse_plan`] reads them.
    pub fn plan_columns(self) -> (&'static str, Option<u32>) {
        match self {
            Self::Weekly => ("weekly", None),
            Self::EveryNWeeks(weeks) => ("every_n_weeks", Some(u32::from(weeks.get()))),
            Self::HalfTermly => ("half_termly", None),
            Self::Termly => ("termly", None),
        }
    }

    /// The stored form, as [`Cadence::parse`] reads it.
    pub fn code(self) -> String {
        match self {
            Self::Weekly => "weekly".into(),
            Self::EveryNWeeks(weeks) => format!("every_{}_weeks", weeks.get()),
            Self::HalfTermly => "half_termly".into(),
            Self::Termly => "termly".into(),
        }
    }
}

impl TryFrom<String> for Cadence {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Cadence> for String {
    fn from(value: Cadence) -> Self {
        value.code()
    }
}

/// Reads as people say it: "every 4 weeks", "half-termly".
impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Weekly => f.write_str("weekly"),
            Self::EveryNWeeks(weeks) => write!(f, "every {} weeks", weeks.get()),
            Self::HalfTermly => f.write_str("half-termly"),
            Self::Termly => f.write_str("termly"),
        }
    }
}

/// The policy's floor, below which a supervisee counts as unsupervised (overdue).
///
/// A separate type from the plan's cadence so one is never passed for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Minimum(Cadence);

impl Minimum {
    /// The minimum with this rhythm.
    pub fn new(cadence: Cadence) -> Self {
        Self(cadence)
    }

    /// Its rhythm.
    pub fn cadence(self) -> Cadence {
        self.0
    }
}

impl fmt::Display for Minimum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What the parties agreed: a rhythm, and whether one session each half term is extended.
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupervisionPlan {
    /// How often they meet.
    #[cfg_attr(feature = "schema", schema(value_type = String, example = "every_4_weeks"))]
    pub cadence: Cadence,
    /// Whether one session in every half term is an extended one.
    pub extended_each_half_term: bool,
}

/// A date a plan asks for a session on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedSession {
    /// A working day.
    pub date: NaiveDate,
    /// Whether this is the half term's extended session.
    pub extended: bool,
}

/// The last day by which the next session must be held to keep to `minimum`, or `None`
/// when that day lies beyond the calendar's term dates.
///
/// `since` is when the minimum began to apply (the first agreement's activation); the
/// clock runs from the later of it and `last_held`.
/// - Every N weeks (weekly = 1): `5 × N` working days after that date.
/// - Half-termly and termly: the last day of the first period with no session held,
///   which is the period after the one `last_held` fell in (or the period of `since` if
///   later). Dates in a holiday belong to the period after it. A period missed before the
///   last session is history, not a current breach: the latest session resets the clock,
///   as it does for weeks.
pub fn minimum_due_date(
    minimum: Minimum,
    last_held: Option<NaiveDate>,
    cal: &TermCalendar,
    since: NaiveDate,
) -> Option<NaiveDate> {
    let period_ends: Vec<NaiveDate> = match minimum.cadence() {
        Cadence::Weekly => return weeks_due(1, last_held, cal, since),
        Cadence::EveryNWeeks(weeks) => return weeks_due(weeks.get(), last_held, cal, since),
        Cadence::HalfTermly => cal.half_terms().map(|ht| ht.ends_on).collect(),
        Cadence::Termly => cal.terms().map(|t| t.ends_on).collect(),
    };
    let index_of = |date: NaiveDate| -> Option<usize> {
        if cal.covers(date) {
            period_ends.iter().position(|end| date <= *end)
        } else if period_ends.last().is_some_and(|last| date > *last) {
            Some(period_ends.len())
        } else {
            None
        }
    };
    let from_since = index_of(since).unwrap_or(0);
    let after_held = last_held
        .and_then(index_of)
        .map_or(0, |index| index.saturating_add(1));
    period_ends.get(from_since.max(after_held)).copied()
}

fn weeks_due(
    weeks: u8,
    last_held: Option<NaiveDate>,
    cal: &TermCalendar,
    since: NaiveDate,
) -> Option<NaiveDate> {
    let anchor = last_held.map_or(since, |held| held.max(since));
    add_working_days(anchor, 5 * u32::from(weeks), cal)
}

/// The sessions `plan` asks for from `from` to `to` (both included), on `weekday` where
/// that is a working day, otherwise on the next working day of the same period.
///
/// Periods: for weekly and every-N-weeks plans, blocks of N weeks counted from the
/// Monday of `from`'s week; for half-termly and termly plans, the half term or term, with
/// the session in the week holding its middle day. A period with no working day left gets
/// no session. With `extended_each_half_term`, the first planned session of each half
/// term is the extended one.
pub fn planned_dates(
    plan: &SupervisionPlan,
    from: NaiveDate,
    to: NaiveDate,
    cal: &TermCalendar,
    weekday: Weekday,
) -> Vec<PlannedSession> {
    let Some(last_term_day) = cal.half_terms().last().map(|ht| ht.ends_on) else {
        return Vec::new();
    };
    let to = to.min(last_term_day);
    let dates = match plan.cadence {
        Cadence::Weekly => weekly_dates(1, from, to, cal, weekday),
        Cadence::EveryNWeeks(weeks) => weekly_dates(weeks.get(), from, to, cal, weekday),
        Cadence::HalfTermly => {
            let spans = cal.half_terms().map(|ht| (ht.starts_on, ht.ends_on));
            period_dates(spans.collect(), from, to, cal, weekday)
        }
        Cadence::Termly => {
            let spans = cal.terms().map(|t| (t.starts_on, t.ends_on));
            period_dates(spans.collect(), from, to, cal, weekday)
        }
    };
    let mut extended_in = Vec::new();
    dates
        .into_iter()
        .map(|date| {
            let half_term = cal.half_term_containing_or_after(date);
            let extended = plan.extended_each_half_term && !extended_in.contains(&half_term);
            if extended {
                extended_in.push(half_term);
            }
            PlannedSession { date, extended }
        })
        .collect()
}

fn weekly_dates(
    weeks: u8,
    from: NaiveDate,
    to: NaiveDate,
    cal: &TermCalendar,
    weekday: Weekday,
) -> Vec<NaiveDate> {
    let block = 7 * u64::from(weeks);
    let mut dates = Vec::new();
    let mut block_start = monday_of_week(from);
    while let Some(start) = block_start.filter(|start| *start <= to) {
        let nominal = start.checked_add_days(Days::new(offset_from_monday(weekday)));
        let last = start
            .checked_add_days(Days::new(block - 1))
            .map_or(to, |end| end.min(to));
        if let Some(date) = nominal.and_then(|n| first_working_day(n.max(from), last, cal)) {
            dates.push(date);
        }
        block_start = start.checked_add_days(Days::new(block));
    }
    dates
}

fn period_dates(
    spans: Vec<(NaiveDate, NaiveDate)>,
    from: NaiveDate,
    to: NaiveDate,
    cal: &TermCalendar,
    weekday: Weekday,
) -> Vec<NaiveDate> {
    spans
        .into_iter()
        .filter(|(starts_on, ends_on)| *ends_on >= from && *starts_on <= to)
        .filter_map(|(starts_on, ends_on)| {
            let first = starts_on.max(from);
            let last = ends_on.min(to);
            let half_way = (ends_on - starts_on).num_days() / 2;
            let nominal = starts_on
                .checked_add_days(Days::new(u64::try_from(half_way).ok()?))
                .and_then(monday_of_week)
                .and_then(|monday| {
                    monday.checked_add_days(Days::new(offset_from_monday(weekday)))
                })?;
            first_working_day(nominal.max(first), last, cal)
                .or_else(|| first_working_day(first, last, cal))
        })
        .collect()
}

fn first_working_day(first: NaiveDate, last: NaiveDate, cal: &TermCalendar) -> Option<NaiveDate> {
    first
        .iter_days()
        .take_while(|day| *day <= last)
        .find(|day| is_working_day(*day, cal))
}

fn offset_from_monday(weekday: Weekday) -> u64 {
    u64::from(weekday.num_days_from_monday())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> TermCalendar {
        TermCalendar::england_typical(2025, 2026).unwrap()
    }

    fn every(weeks: u8) -> Cadence {
        Cadence::EveryNWeeks(Weeks::parse(weeks).unwrap())
    }

    #[test]
    fn a_plan_reads_and_writes_its_two_columns() {
        for cadence in [
            every(1),
            every(4),
            Cadence::Weekly,
            Cadence::HalfTermly,
            Cadence::Termly,
        ] {
            let (code, weeks) = cadence.plan_columns();
            assert_eq!(Cadence::parse_plan(code, weeks).unwrap(), cadence);
        }
        let field = |code, weeks| match Cadence::parse_plan(code, weeks) {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field("every_n_weeks", None), "plan_weeks");
        assert_eq!(field("every_n_weeks", Some(13)), "plan_weeks");
        assert_eq!(field("every_n_weeks", Some(300)), "plan_weeks");
        assert_eq!(field("termly", Some(2)), "plan_weeks");
        assert_eq!(field("every_4_weeks", None), "plan_cadence");
    }

    #[test]
    fn cadence_reads_and_writes_its_stored_form() {
        for code in [
            "weekly",
            "every_4_weeks",
            "every_12_weeks",
            "half_termly",
            "termly",
        ] {
            assert_eq!(Cadence::parse(code).unwrap().code(), code);
        }
        assert_eq!(
            serde_json::to_string(&every(4)).unwrap(),
            "\"every_4_weeks\""
        );
        assert_eq!(
            serde_json::from_str::<Cadence>("\"termly\"").unwrap(),
            Cadence::Termly
        );
    }

    #[test]
    fn cadence_refuses_zero_or_more_than_twelve_weeks_and_unknown_words() {
        for bad in [
            "every_0_weeks",
            "every_13_weeks",
            "every_x_weeks",
            "fortnightly",
            "",
        ] {
            assert!(Cadence::parse(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Cadence>("\"every_13_weeks\"").is_err());
    }

    #[test]
    fn cadence_displays_as_people_say_it() {
        assert_eq!(every(4).to_string(), "every 4 weeks");
        assert_eq!(Minimum::new(Cadence::HalfTermly).to_string(), "half-termly");
    }

    #[test]
    fn every_four_weeks_is_due_twenty_working_days_after_the_last_session() {
        let due = minimum_due_date(
            Minimum::new(every(4)),
            Some(d(2026, 1, 12)),
            &cal(),
            d(2025, 9, 1),
        );
        assert_eq!(due, Some(d(2026, 2, 9)));
    }

    #[test]
    fn holidays_stop_the_weeks_clock() {
        let due = minimum_due_date(
            Minimum::new(every(4)),
            Some(d(2026, 2, 6)),
            &cal(),
            d(2025, 9, 1),
        );
        assert_eq!(due, Some(d(2026, 3, 13)));
    }

    #[test]
    fn weekly_minimum_is_due_five_working_days_later() {
        let due = minimum_due_date(
            Minimum::new(Cadence::Weekly),
            Some(d(2026, 1, 14)),
            &cal(),
            d(2025, 9, 1),
        );
        assert_eq!(due, Some(d(2026, 1, 21)));
    }

    #[test]
    fn with_no_session_held_the_clock_runs_from_since() {
        let due = minimum_due_date(Minimum::new(every(4)), None, &cal(), d(2026, 1, 12));
        assert_eq!(due, Some(d(2026, 2, 9)));
    }

    #[test]
    fn a_session_before_since_does_not_move_the_clock_back() {
        let due = minimum_due_date(
            Minimum::new(every(4)),
            Some(d(2025, 10, 1)),
            &cal(),
            d(2026, 1, 12),
        );
        assert_eq!(due, Some(d(2026, 2, 9)));
    }

    #[test]
    fn half_termly_with_a_session_this_half_term_is_due_by_the_end_of_the_next() {
        let due = minimum_due_date(
            Minimum::new(Cadence::HalfTermly),
            Some(d(2026, 1, 20)),
            &cal(),
            d(2025, 9, 1),
        );
        assert_eq!(due, Some(d(2026, 3, 27)));
    }

    #[test]
    fn half_termly_with_no_session_this_half_term_is_due_by_its_end() {
        let due = minimum_due_date(
            Minimum::new(Cadence::HalfTermly),
            Some(d(2025, 12, 10)),
            &cal(),
            d(2025, 9, 1),
        );
        assert_eq!(due, Some(d(2026, 2, 13)));
        let first = minimum_due_date(
            Minimum::new(Cadence::HalfTermly),
            None,
            &cal(),
            d(2026, 1, 20),
        );
        assert_eq!(first, Some(d(2026, 2, 13)));
    }

    #[test]
    fn a_session_held_in_a_holiday_counts_for_the_half_term_after_it() {
        let due = minimum_due_date(
            Minimum::new(Cadence::HalfTermly),
            Some(d(2026, 2, 18)),
            &cal(),
            d(2025, 9, 1),
        );
        assert_eq!(due, Some(d(2026, 5, 22)));
    }

    #[test]
    fn termly_with_a_session_in_autumn_is_due_by_the_end_of_spring() {
        let due = minimum_due_date(
            Minimum::new(Cadence::Termly),
            Some(d(2025, 11, 20)),
            &cal(),
            d(2025, 9, 1),
        );
        assert_eq!(due, Some(d(2026, 3, 27)));
    }

    #[test]
    fn a_due_date_beyond_the_term_dates_is_unknown() {
        let min = Minimum::new(Cadence::HalfTermly);
        assert_eq!(
            minimum_due_date(min, Some(d(2027, 7, 1)), &cal(), d(2025, 9, 1)),
            None
        );
        let weeks = Minimum::new(every(4));
        assert_eq!(
            minimum_due_date(weeks, Some(d(2027, 7, 1)), &cal(), d(2025, 9, 1)),
            None
        );
    }

    fn plan(cadence: Cadence, extended: bool) -> SupervisionPlan {
        SupervisionPlan {
            cadence,
            extended_each_half_term: extended,
        }
    }

    fn dates(sessions: &[PlannedSession]) -> Vec<NaiveDate> {
        sessions.iter().map(|s| s.date).collect()
    }

    #[test]
    fn weekly_plan_skips_the_half_term_week() {
        let got = planned_dates(
            &plan(Cadence::Weekly, false),
            d(2026, 1, 28),
            d(2026, 3, 1),
            &cal(),
            Weekday::Wed,
        );
        assert_eq!(
            dates(&got),
            [
                d(2026, 1, 28),
                d(2026, 2, 4),
                d(2026, 2, 11),
                d(2026, 2, 25)
            ]
        );
    }

    #[test]
    fn a_planned_date_on_a_bank_holiday_moves_to_the_next_working_day() {
        let got = planned_dates(
            &plan(Cadence::Weekly, false),
            d(2026, 4, 27),
            d(2026, 5, 10),
            &cal(),
            Weekday::Mon,
        );
        assert_eq!(dates(&got), [d(2026, 4, 27), d(2026, 5, 5)]);
    }

    #[test]
    fn every_four_weeks_plans_one_session_per_four_week_block() {
        let got = planned_dates(
            &plan(every(4), false),
            d(2026, 1, 5),
            d(2026, 3, 27),
            &cal(),
            Weekday::Tue,
        );
        assert_eq!(dates(&got), [d(2026, 1, 6), d(2026, 2, 3), d(2026, 3, 3)]);
    }

    #[test]
    fn half_termly_plan_sits_in_the_middle_week_of_each_half_term() {
        let got = planned_dates(
            &plan(Cadence::HalfTermly, false),
            d(2025, 9, 1),
            d(2026, 7, 31),
            &cal(),
            Weekday::Thu,
        );
        assert_eq!(got.len(), 6);
        assert_eq!(got[0].date, d(2025, 9, 25));
        assert_eq!(got[2].date, d(2026, 1, 22));
    }

    #[test]
    fn termly_plan_asks_for_one_session_a_term() {
        let got = planned_dates(
            &plan(Cadence::Termly, false),
            d(2025, 9, 1),
            d(2026, 7, 31),
            &cal(),
            Weekday::Thu,
        );
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn first_session_of_each_half_term_is_the_extended_one() {
        let got = planned_dates(
            &plan(Cadence::Weekly, true),
            d(2026, 1, 28),
            d(2026, 3, 1),
            &cal(),
            Weekday::Wed,
        );
        let extended: Vec<bool> = got.iter().map(|s| s.extended).collect();
        assert_eq!(extended, [true, false, false, true]);
    }

    #[test]
    fn nothing_is_planned_outside_the_term_dates() {
        let got = planned_dates(
            &plan(Cadence::Weekly, false),
            d(2027, 7, 26),
            d(2027, 9, 30),
            &cal(),
            Weekday::Wed,
        );
        assert!(got.is_empty());
    }

    fn any_cadence() -> impl Strategy<Value = Cadence> {
        prop_oneof![
            Just(Cadence::Weekly),
            (1u8..=12).prop_map(every),
            Just(Cadence::HalfTermly),
            Just(Cadence::Termly),
        ]
    }

    fn any_weekday() -> impl Strategy<Value = Weekday> {
        (0u8..7).prop_map(|n| Weekday::try_from(n).unwrap())
    }

    proptest! {
        #[test]
        fn planned_sessions_are_working_days_in_range_and_in_order(
            cadence in any_cadence(), extended in any::<bool>(), weekday in any_weekday(),
            start in 0i64..500, len in 0i64..300,
        ) {
            let cal = cal();
            let from = d(2025, 8, 1) + chrono::Duration::days(start);
            let to = from + chrono::Duration::days(len);
            let got = planned_dates(&plan(cadence, extended), from, to, &cal, weekday);
            prop_assert!(got.iter().all(|s| is_working_day(s.date, &cal) && from <= s.date && s.date <= to));
            prop_assert!(got.windows(2).all(|w| w[0].date < w[1].date));
            prop_assert!(got.iter().all(|s| !s.extended || extended));
        }

        #[test]
        fn a_half_termly_plan_keeps_to_the_half_termly_minimum(weekday in any_weekday()) {
            let cal = cal();
            let got = planned_dates(&plan(Cadence::HalfTermly, false), d(2025, 8, 1), d(2027, 7, 31), &cal, weekday);
            prop_assert_eq!(got.len(), 12);
            let min = Minimum::new(Cadence::HalfTermly);
            let mut last = None;
            for s in &got {
                let due = minimum_due_date(min, last, &cal, d(2025, 8, 1)).unwrap();
                prop_assert!(s.date <= due);
                last = Some(s.date);
            }
        }

        #[test]
        fn minimum_due_date_is_never_before_the_last_session(
            cadence in any_cadence(), held in 0i64..700,
        ) {
            let cal = cal();
            let held = d(2025, 8, 1) + chrono::Duration::days(held);
            if let Some(due) = minimum_due_date(Minimum::new(cadence), Some(held), &cal, d(2025, 8, 1)) {
                prop_assert!(due > held);
                prop_assert!(cal.is_term_day(due));
                prop_assert!(!matches!(due.weekday(), Weekday::Sat | Weekday::Sun));
            }
        }
    }
}
