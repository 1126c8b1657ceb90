//! England and Wales bank holidays, and an academy's calendar of half terms.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A bank holiday in England and Wales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BankHoliday {
    /// The day off.
    pub date: NaiveDate,
    /// Its name as gov.uk gives it.
    pub name: &'static str,
}

/// Easter Sunday in the Gregorian calendar (anonymous computus).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The bank holidays of England and Wales in `year`, in date order.
///
/// Computed from the standing rules (substitute days for New Year, Christmas and Boxing
/// Day on a weekend) plus every one-off change proclaimed since 2000; years after the
/// last proclamation follow the standing rules.
pub fn bank_holidays(year: i32) -> Vec<BankHoliday> {
    let mut days = Vec::with_capacity(10);
    let mut push = |date: Option<NaiveDate>, name: &'static str| {
        if let Some(date) = date {
            days.push(BankHoliday { date, name });
        }
    };

    let new_year = NaiveDate::from_ymd_opt(year, 1, 1);
    match new_year.map(|d| d.weekday()) {
        Some(Weekday::Sat) => push(ymd(year, 1, 3), "New Year’s Day (substitute day)"),
        Some(Weekday::Sun) => push(ymd(year, 1, 2), "New Year’s Day (substitute day)"),
        _ => push(new_year, "New Year’s Day"),
    }

    let easter = easter_sunday(year);
    push(
        easter.and_then(|e| e.checked_sub_days(Days::new(2))),
        "Good Friday",
    );
    push(
        easter.and_then(|e| e.checked_add_days(Days::new(1))),
        "Easter Monday",
    );

    match year {
        2020 => push(ymd(2020, 5, 8), "Early May bank holiday (VE day)"),
        _ => push(
            NaiveDate::from_weekday_of_month_opt(year, 5, Weekday::Mon, 1),
            "Early May bank holiday",
        ),
    }
    match year {
        2002 => {
            push(ymd(2002, 6, 3), "Golden Jubilee bank holiday");
            push(ymd(2002, 6, 4), "Spring bank holiday");
        }
        2012 => {
            push(ymd(2012, 6, 4), "Spring bank holiday");
            push(ymd(2012, 6, 5), "Queen’s Diamond Jubilee");
        }
        2022 => {
            push(ymd(2022, 6, 2), "Spring bank holiday");
            push(ymd(2022, 6, 3), "Platinum Jubilee bank holiday");
        }
        _ => push(
            last_weekday_of_month(year, 5, Weekday::Mon),
            "Spring bank holiday",
        ),
    }
    push(
        last_weekday_of_month(year, 8, Weekday::Mon),
        "Summer bank holiday",
    );

    match ymd(year, 12, 25).map(|d| d.weekday()) {
        Some(Weekday::Fri) => {
            push(ymd(year, 12, 25), "Christmas Day");
            push(ymd(year, 12, 28), "Boxing Day (substitute day)");
        }
        Some(Weekday::Sat) => {
            push(ymd(year, 12, 27), "Christmas Day (substitute day)");
            push(ymd(year, 12, 28), "Boxing Day (substitute day)");
        }
        Some(Weekday::Sun) => {
            push(ymd(year, 12, 26), "Boxing Day");
            push(ymd(year, 12, 27), "Christmas Day (substitute day)");
        }
        _ => {
            push(ymd(year, 12, 25), "Christmas Day");
            push(ymd(year, 12, 26), "Boxing Day");
        }
    }

    match year {
        2011 => push(ymd(2011, 4, 29), "Royal wedding"),
        2022 => push(
            ymd(2022, 9, 19),
            "Bank Holiday for the State Funeral of Queen Elizabeth II",
        ),
        2023 => push(
            ymd(2023, 5, 8),
            "Bank holiday for the coronation of King Charles III",
        ),
        _ => {}
    }

    days.sort_by_key(|h| h.date);
    days
}

/// Whether `date` is a bank holiday in England and Wales (substitute days included).
pub fn is_bank_holiday(date: NaiveDate) -> bool {
    bank_holidays(date.year()).iter().any(|h| h.date == date)
}

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

fn last_weekday_of_month(year: i32, month: u32, weekday: Weekday) -> Option<NaiveDate> {
    (1..=5)
        .rev()
        .find_map(|n| NaiveDate::from_weekday_of_month_opt(year, month, weekday, n))
}

/// One of the six half terms of an academic year, from its first to its last day of term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HalfTerm {
    /// The year the academic year starts in: 2025 is September 2025 to July 2026.
    pub academic_year: i32,
    /// 1 to 6: autumn 1 and 2, spring 1 and 2, summer 1 and 2.
    pub number: u8,
    /// First day of term.
    pub starts_on: NaiveDate,
    /// Last day of term.
    pub ends_on: NaiveDate,
}

impl HalfTerm {
    /// The term this half term is part of.
    pub fn season(&self) -> Season {
        match self.number {
            1 | 2 => Season::Autumn,
            3 | 4 => Season::Spring,
            _ => Season::Summer,
        }
    }
}

/// One of the three terms of an academic year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    /// Half terms 1 and 2.
    Autumn,
    /// Half terms 3 and 4.
    Spring,
    /// Half terms 5 and 6.
    Summer,
}

/// A term: two half terms, from the first day of the first to the last day of the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Term {
    /// The year the academic year starts in.
    pub academic_year: i32,
    /// Autumn, spring or summer.
    pub season: Season,
    /// First day of term.
    pub starts_on: NaiveDate,
    /// Last day of term.
    pub ends_on: NaiveDate,
}

/// An academy's term dates: whole academic years of six half terms, consecutive years.
///
/// Built only through [`TermCalendar::new`], so every query may rely on the half terms
/// being complete, in order and apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<HalfTerm>", into = "Vec<HalfTerm>")]
pub struct TermCalendar {
    half_terms: Vec<HalfTerm>,
}

impl TryFrom<Vec<HalfTerm>> for TermCalendar {
    type Error = DomainError;
    fn try_from(value: Vec<HalfTerm>) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<TermCalendar> for Vec<HalfTerm> {
    fn from(value: TermCalendar) -> Self {
        value.half_terms
    }
}

impl TermCalendar {
    /// Accepts half terms in any order that read as six per academic year, numbered
    /// 1 to 6 in date order, each inside 1 August..31 July of its year, none touching
    /// the next, for consecutive academic years; refuses anything else, naming the
    /// half term and the fault, because a guessed calendar would move every deadline.
    pub fn new(mut half_terms: Vec<HalfTerm>) -> Result<Self, DomainError> {
        if half_terms.is_empty() {
            return Err(DomainError::TermCalendar("no half terms given".into()));
        }
        for ht in &half_terms {
            let name = describe(ht);
            if !(1..=6).contains(&ht.number) {
                return Err(refuse(format!("{name}: number must be 1 to 6")));
            }
            if ht.starts_on > ht.ends_on {
                return Err(refuse(format!(
                    "{name}: starts on {} after it ends on {}",
                    ht.starts_on, ht.ends_on
                )));
            }
            let (Some(first), Some(last)) = (
                ymd(ht.academic_year, 8, 1),
                ymd(ht.academic_year.saturating_add(1), 7, 31),
            ) else {
                return Err(refuse(format!("{name}: academic year out of range")));
            };
            if ht.starts_on < first || ht.ends_on > last {
                return Err(refuse(format!(
                    "{name}: {}..{} is outside its academic year {first}..{last}",
                    ht.starts_on, ht.ends_on
                )));
            }
        }
        half_terms.sort_by_key(|ht| (ht.academic_year, ht.number));

        let mut year = half_terms.first().map(|ht| ht.academic_year);
        while let Some(y) = year {
            let count = half_terms.iter().filter(|ht| ht.academic_year == y).count();
            let numbers_ok = half_terms
                .iter()
                .filter(|ht| ht.academic_year == y)
                .map(|ht| ht.number)
                .eq(1..=6);
            if count != 6 || !numbers_ok {
                return Err(refuse(format!(
                    "academic year {y}: expected half terms 1 to 6 once each, found {count} half term(s) numbered {:?}",
                    half_terms
                        .iter()
                        .filter(|ht| ht.academic_year == y)
                        .map(|ht| ht.number)
                        .collect::<Vec<_>>()
                )));
            }
            year = half_terms
                .iter()
                .map(|ht| ht.academic_year)
                .find(|&other| other > y);
            if let Some(next) = year
                && next != y.saturating_add(1)
            {
                return Err(refuse(format!(
                    "academic years {y} and {next} are not consecutive: academic year {} is missing",
                    y.saturating_add(1)
                )));
            }
        }

        for pair in half_terms.windows(2) {
            if let [before, after] = pair
                && after.starts_on <= before.ends_on
            {
                return Err(refuse(format!(
                    "{} starts on {}, not after {} ends on {}: half terms overlap or are out of order",
                    describe(after),
                    after.starts_on,
                    describe(before),
                    before.ends_on
                )));
            }
        }
        Ok(Self { half_terms })
    }

    /// A realistic English calendar for the academic years `from..=to`: a September start
    /// on the first Wednesday, a week off at the end of October, mid February and late May,
    /// two weeks at Christmas and Easter, and an end in the third week of July.
    pub fn england_typical(from: i32, to: i32) -> Result<Self, DomainError> {
        if from > to || to.saturating_sub(from) > 200 {
            return Err(refuse(format!(
                "academic years {from}..={to} are not a range"
            )));
        }
        let mut half_terms = Vec::new();
        for year in from..=to {
            half_terms.extend(
                typical_year(year)
                    .ok_or_else(|| refuse(format!("academic year {year} is out of range")))?,
            );
        }
        Self::new(half_terms)
    }

    /// The half terms in date order.
    pub fn half_terms(&self) -> impl Iterator<Item = &HalfTerm> {
        self.half_terms.iter()
    }

    /// The terms in date order.
    pub fn terms(&self) -> impl Iterator<Item = Term> + '_ {
        self.half_terms
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [first, second] => Some(Term {
                    academic_year: first.academic_year,
                    season: first.season(),
                    starts_on: first.starts_on,
                    ends_on: second.ends_on,
                }),
                _ => None,
            })
    }

    /// Whether the calendar can place `date` in a half term: from 1 August of its first
    /// academic year to the last day of its last half term.
    pub fn covers(&self, date: NaiveDate) -> bool {
        match (self.half_terms.first(), self.half_terms.last()) {
            (Some(first), Some(last)) => {
                ymd(first.academic_year, 8, 1).is_some_and(|start| start <= date)
                    && date <= last.ends_on
            }
            _ => false,
        }
    }

    /// Whether `date` falls inside a half term (weekends and bank holidays included).
    pub fn is_term_day(&self, date: NaiveDate) -> bool {
        self.half_terms
            .iter()
            .any(|ht| ht.starts_on <= date && date <= ht.ends_on)
    }

    /// The half term `date` is in, or, for a date in a holiday, the half term after it.
    pub fn half_term_containing_or_after(&self, date: NaiveDate) -> Option<HalfTerm> {
        if !self.covers(date) {
            return None;
        }
        self.half_terms
            .iter()
            .find(|ht| date <= ht.ends_on)
            .copied()
    }

    /// The term `date` is in, or, for a date in a holiday, the term after it.
    pub fn term_of(&self, date: NaiveDate) -> Option<Term> {
        if !self.covers(date) {
            return None;
        }
        self.terms().find(|t| date <= t.ends_on)
    }

    /// The first day belonging to the half term or term starting on `starts_on`: the day
    /// after the previous half term ends (holidays belong to what follows), or 1 August
    /// for the calendar's first.
    pub fn period_start(&self, starts_on: NaiveDate) -> Option<NaiveDate> {
        match self
            .half_terms
            .iter()
            .rev()
            .find(|ht| ht.ends_on < starts_on)
        {
            Some(previous) => previous.ends_on.succ_opt(),
            None => self
                .half_terms
                .first()
                .and_then(|first| ymd(first.academic_year, 8, 1)),
        }
    }
}

fn describe(ht: &HalfTerm) -> String {
    format!(
        "half term {} of academic year {}",
        ht.number, ht.academic_year
    )
}

fn refuse(message: String) -> DomainError {
    DomainError::TermCalendar(message)
}

pub(crate) fn monday_of_week(date: NaiveDate) -> Option<NaiveDate> {
    date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
}

fn typical_year(year: i32) -> Option<Vec<HalfTerm>> {
    let next = year.checked_add(1)?;
    let days = |n: u64| Days::new(n);
    let first_wednesday = NaiveDate::from_weekday_of_month_opt(year, 9, Weekday::Wed, 1)?;
    let october_break = last_weekday_of_month(year, 10, Weekday::Mon)?;
    let christmas_break = monday_of_week(ymd(year, 12, 25)?)?;
    let january_return = christmas_break.checked_add_days(days(14))?;
    let february_break = NaiveDate::from_weekday_of_month_opt(next, 2, Weekday::Mon, 3)?;
    let good_friday = easter_sunday(next)?.checked_sub_days(days(2))?;
    let easter_break = monday_of_week(good_friday)?;
    let may_break = last_weekday_of_month(next, 5, Weekday::Mon)?;
    let july_end =
        (17..=23).find_map(|d| ymd(next, 7, d).filter(|x| x.weekday() == Weekday::Fri))?;

    let before = |monday: NaiveDate| monday.checked_sub_days(days(3));
    let after_week = |monday: NaiveDate| monday.checked_add_days(days(7));
    let after_fortnight = |monday: NaiveDate| monday.checked_add_days(days(14));
    let spans = [
        (first_wednesday, before(october_break)?),
        (after_week(october_break)?, before(christmas_break)?),
        (january_return, before(february_break)?),
        (after_week(february_break)?, before(easter_break)?),
        (after_fortnight(easter_break)?, before(may_break)?),
        (after_week(may_break)?, july_end),
    ];
    Some(
        (1u8..)
            .zip(spans)
            .map(|(number, (starts_on, ends_on))| HalfTerm {
                academic_year: year,
                number,
                starts_on,
                ends_on,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dates(year: i32) -> Vec<NaiveDate> {
        bank_holidays(year).iter().map(|h| h.date).collect()
    }

    #[test]
    fn easter_sunday_matches_known_dates() {
        assert_eq!(easter_sunday(2000), Some(d(2000, 4, 23)));
        assert_eq!(easter_sunday(2008), Some(d(2008, 3, 23)));
        assert_eq!(easter_sunday(2019), Some(d(2019, 4, 21)));
        assert_eq!(easter_sunday(2038), Some(d(2038, 4, 25)));
        assert_eq!(easter_sunday(2100), Some(d(2100, 3, 28)));
    }

    #[test]
    fn bank_holidays_2024_match_gov_uk() {
        assert_eq!(
            dates(2024),
            [
                d(2024, 1, 1),
                d(2024, 3, 29),
                d(2024, 4, 1),
                d(2024, 5, 6),
                d(2024, 5, 27),
                d(2024, 8, 26),
                d(2024, 12, 25),
                d(2024, 12, 26)
            ]
        );
    }

    #[test]
    fn bank_holidays_2025_match_gov_uk() {
        assert_eq!(
            dates(2025),
            [
                d(2025, 1, 1),
                d(2025, 4, 18),
                d(2025, 4, 21),
                d(2025, 5, 5),
                d(2025, 5, 26),
                d(2025, 8, 25),
                d(2025, 12, 25),
                d(2025, 12, 26)
            ]
        );
    }

    #[test]
    fn boxing_day_on_saturday_is_substituted_on_monday_28th() {
        assert_eq!(
            dates(2026),
            [
                d(2026, 1, 1),
                d(2026, 4, 3),
                d(2026, 4, 6),
                d(2026, 5, 4),
                d(2026, 5, 25),
                d(2026, 8, 31),
                d(2026, 12, 25),
                d(2026, 12, 28)
            ]
        );
    }

    #[test]
    fn christmas_on_saturday_is_substituted_on_monday_27th_and_boxing_day_on_tuesday_28th() {
        assert_eq!(
            dates(2027),
            [
                d(2027, 1, 1),
                d(2027, 3, 26),
                d(2027, 3, 29),
                d(2027, 5, 3),
                d(2027, 5, 31),
                d(2027, 8, 30),
                d(2027, 12, 27),
                d(2027, 12, 28)
            ]
        );
    }

    #[test]
    fn christmas_on_sunday_is_substituted_on_tuesday_27th() {
        let h = bank_holidays(2022);
        let christmas: Vec<_> = h.iter().filter(|h| h.date.month() == 12).collect();
        assert_eq!(christmas[0].date, d(2022, 12, 26));
        assert_eq!(christmas[0].name, "Boxing Day");
        assert_eq!(christmas[1].date, d(2022, 12, 27));
        assert_eq!(christmas[1].name, "Christmas Day (substitute day)");
    }

    #[test]
    fn new_year_on_a_weekend_is_substituted_on_the_following_monday() {
        assert_eq!(dates(2022)[0], d(2022, 1, 3));
        assert_eq!(dates(2023)[0], d(2023, 1, 2));
        assert_eq!(dates(2028)[0], d(2028, 1, 3));
    }

    #[test]
    fn jubilee_2012_moves_spring_bank_holiday_to_4_june_and_adds_5_june() {
        let h = dates(2012);
        assert!(h.contains(&d(2012, 6, 4)) && h.contains(&d(2012, 6, 5)));
        assert!(!h.contains(&d(2012, 5, 28)));
        assert_eq!(h.len(), 9);
    }

    #[test]
    fn ve_day_2020_moves_early_may_bank_holiday_to_friday_8_may() {
        let h = dates(2020);
        assert!(h.contains(&d(2020, 5, 8)));
        assert!(!h.contains(&d(2020, 5, 4)));
        assert_eq!(h.len(), 8);
    }

    #[test]
    fn platinum_jubilee_and_state_funeral_2022() {
        assert_eq!(
            dates(2022),
            [
                d(2022, 1, 3),
                d(2022, 4, 15),
                d(2022, 4, 18),
                d(2022, 5, 2),
                d(2022, 6, 2),
                d(2022, 6, 3),
                d(2022, 8, 29),
                d(2022, 9, 19),
                d(2022, 12, 26),
                d(2022, 12, 27)
            ]
        );
    }

    #[test]
    fn coronation_2023_adds_8_may() {
        let h = dates(2023);
        assert!(h.contains(&d(2023, 5, 1)) && h.contains(&d(2023, 5, 8)));
        assert_eq!(h.len(), 9);
    }

    #[test]
    fn golden_jubilee_2002_and_royal_wedding_2011() {
        let h = dates(2002);
        assert!(h.contains(&d(2002, 6, 3)) && h.contains(&d(2002, 6, 4)));
        assert!(!h.contains(&d(2002, 5, 27)));
        assert!(is_bank_holiday(d(2011, 4, 29)));
    }

    #[test]
    fn is_bank_holiday_is_false_on_an_ordinary_day() {
        assert!(!is_bank_holiday(d(2026, 3, 4)));
        assert!(is_bank_holiday(d(2026, 8, 31)));
    }

    proptest! {
        #[test]
        fn every_year_has_at_least_eight_weekday_bank_holidays(year in 2000i32..=2100) {
            let h = bank_holidays(year);
            prop_assert!(h.len() >= 8);
            prop_assert!(h.iter().all(|h| h.date.year() == year));
            prop_assert!(h.iter().all(|h| !matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun)));
            prop_assert!(h.windows(2).all(|w| w[0].date < w[1].date));
        }

        #[test]
        fn typical_calendars_are_accepted(year in 2000i32..=2099) {
            prop_assert!(TermCalendar::england_typical(year, year + 1).is_ok());
        }
    }

    fn ht(year: i32, number: u8, s: NaiveDate, e: NaiveDate) -> HalfTerm {
        HalfTerm {
            academic_year: year,
            number,
            starts_on: s,
            ends_on: e,
        }
    }

    fn typical_2025() -> Vec<HalfTerm> {
        TermCalendar::england_typical(2025, 2025)
            .unwrap()
            .half_terms()
            .copied()
            .collect()
    }

    #[test]
    fn typical_2025_calendar_has_realistic_dates() {
        let h = typical_2025();
        assert_eq!(
            (h[0].starts_on, h[0].ends_on),
            (d(2025, 9, 3), d(2025, 10, 24))
        );
        assert_eq!(
            (h[1].starts_on, h[1].ends_on),
            (d(2025, 11, 3), d(2025, 12, 19))
        );
        assert_eq!(
            (h[2].starts_on, h[2].ends_on),
            (d(2026, 1, 5), d(2026, 2, 13))
        );
        assert_eq!(
            (h[3].starts_on, h[3].ends_on),
            (d(2026, 2, 23), d(2026, 3, 27))
        );
        assert_eq!(
            (h[4].starts_on, h[4].ends_on),
            (d(2026, 4, 13), d(2026, 5, 22))
        );
        assert_eq!(
            (h[5].starts_on, h[5].ends_on),
            (d(2026, 6, 1), d(2026, 7, 17))
        );
    }

    #[test]
    fn calendar_accepts_half_terms_given_in_any_order() {
        let mut h = typical_2025();
        h.reverse();
        assert_eq!(
            TermCalendar::new(h)
                .unwrap()
                .half_terms()
                .next()
                .unwrap()
                .number,
            1
        );
    }

    #[test]
    fn calendar_refuses_a_year_with_five_half_terms() {
        let mut h = typical_2025();
        h.pop();
        let err = TermCalendar::new(h).unwrap_err().to_string();
        assert!(
            err.contains("academic year 2025") && err.contains("found 5"),
            "{err}"
        );
    }

    #[test]
    fn calendar_refuses_number_outside_one_to_six() {
        let mut h = typical_2025();
        h[5].number = 7;
        let err = TermCalendar::new(h).unwrap_err().to_string();
        assert!(err.contains("half term 7 of academic year 2025"), "{err}");
    }

    #[test]
    fn calendar_refuses_a_half_term_starting_after_it_ends() {
        let mut h = typical_2025();
        h[2] = ht(2025, 3, d(2026, 2, 13), d(2026, 1, 5));
        let err = TermCalendar::new(h).unwrap_err().to_string();
        assert!(
            err.contains("half term 3 of academic year 2025: starts on"),
            "{err}"
        );
    }

    #[test]
    fn calendar_refuses_overlapping_half_terms() {
        let mut h = typical_2025();
        h[1].starts_on = d(2025, 10, 20);
        let err = TermCalendar::new(h).unwrap_err().to_string();
        assert!(
            err.contains("half term 2 of academic year 2025") && err.contains("overlap"),
            "{err}"
        );
    }

    #[test]
    fn calendar_refuses_half_terms_numbered_out_of_date_order() {
        let mut h = typical_2025();
        h[3].number = 5;
        h[4].number = 4;
        let err = TermCalendar::new(h).unwrap_err().to_string();
        assert!(err.contains("out of order"), "{err}");
    }

    #[test]
    fn calendar_refuses_a_half_term_wider_than_its_academic_year() {
        let mut h = typical_2025();
        h[5].ends_on = d(2026, 8, 1);
        let err = TermCalendar::new(h).unwrap_err().to_string();
        assert!(
            err.contains("half term 6 of academic year 2025") && err.contains("outside"),
            "{err}"
        );
        let mut h = typical_2025();
        h[0].starts_on = d(2025, 7, 31);
        assert!(TermCalendar::new(h).is_err());
    }

    #[test]
    fn calendar_refuses_a_gap_between_academic_years() {
        let mut h = typical_2025();
        h.extend(
            TermCalendar::england_typical(2027, 2027)
                .unwrap()
                .half_terms()
                .copied(),
        );
        let err = TermCalendar::new(h).unwrap_err().to_string();
        assert!(err.contains("2026 is missing"), "{err}");
    }

    #[test]
    fn calendar_refuses_no_half_terms() {
        assert!(TermCalendar::new(vec![]).is_err());
    }

    #[test]
    fn calendar_round_trips_through_json_and_refuses_bad_json() {
        let cal = TermCalendar::england_typical(2025, 2026).unwrap();
        let json = serde_json::to_string(&cal).unwrap();
        assert_eq!(serde_json::from_str::<TermCalendar>(&json).unwrap(), cal);
        assert!(serde_json::from_str::<TermCalendar>("[]").is_err());
    }

    #[test]
    fn holiday_dates_belong_to_the_half_term_after_them() {
        let cal = TermCalendar::england_typical(2025, 2025).unwrap();
        assert!(!cal.is_term_day(d(2025, 10, 29)));
        assert_eq!(
            cal.half_term_containing_or_after(d(2025, 10, 29))
                .unwrap()
                .number,
            2
        );
        assert_eq!(
            cal.half_term_containing_or_after(d(2025, 10, 24))
                .unwrap()
                .number,
            1
        );
        assert_eq!(
            cal.half_term_containing_or_after(d(2025, 8, 1))
                .unwrap()
                .number,
            1
        );
        assert_eq!(cal.term_of(d(2025, 12, 29)).unwrap().season, Season::Spring);
        assert_eq!(cal.term_of(d(2026, 2, 17)).unwrap().season, Season::Spring);
        assert_eq!(cal.term_of(d(2026, 4, 1)).unwrap().season, Season::Summer);
    }

    #[test]
    fn dates_the_calendar_does_not_know_have_no_period() {
        let cal = TermCalendar::england_typical(2025, 2025).unwrap();
        assert!(!cal.covers(d(2025, 7, 31)));
        assert!(cal.covers(d(2025, 8, 1)));
        assert!(cal.covers(d(2026, 7, 17)));
        assert!(!cal.covers(d(2026, 7, 20)));
        assert_eq!(cal.half_term_containing_or_after(d(2025, 7, 1)), None);
        assert_eq!(cal.term_of(d(2026, 7, 20)), None);
    }

    #[test]
    fn terms_pair_half_terms() {
        let cal = TermCalendar::england_typical(2025, 2025).unwrap();
        let terms: Vec<Term> = cal.terms().collect();
        assert_eq!(terms.len(), 3);
        assert_eq!(
            (terms[1].season, terms[1].starts_on, terms[1].ends_on),
            (Season::Spring, d(2026, 1, 5), d(2026, 3, 27))
        );
    }

    #[test]
    fn period_start_is_the_day_after_the_previous_half_term() {
        let cal = TermCalendar::england_typical(2025, 2025).unwrap();
        assert_eq!(cal.period_start(d(2025, 11, 3)), Some(d(2025, 10, 25)));
        assert_eq!(cal.period_start(d(2025, 9, 3)), Some(d(2025, 8, 1)));
    }
}
