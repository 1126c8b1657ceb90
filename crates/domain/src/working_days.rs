//! Working days: the unit every supervision clock counts in, so holidays stop the clock.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::calendar::{TermCalendar, is_bank_holiday};

/// Whether `date` is Monday to Friday, not an England and Wales bank holiday, and in term
/// (INSET days are term days, so they count).
pub fn is_working_day(date: NaiveDate, cal: &TermCalendar) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
        && cal.is_term_day(date)
        && !is_bank_holiday(date)
}

/// The `n`th working day after `date` (`date` itself when `n` is 0), or `None` when the
/// calendar's term dates end first.
pub fn add_working_days(date: NaiveDate, n: u32, cal: &TermCalendar) -> Option<NaiveDate> {
    let last_term_day = cal.half_terms().last()?.ends_on;
    let mut day = date;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt()?;
        if day > last_term_day {
            return None;
        }
        if is_working_day(day, cal) {
            left -= 1;
        }
    }
    Some(day)
}

/// How many working days fall after `from` up to and including `to`; 0 when `to` is not
/// after `from`. The inverse of [`add_working_days`].
pub fn working_days_between(from: NaiveDate, to: NaiveDate, cal: &TermCalendar) -> u32 {
    from.iter_days()
        .skip(1)
        .take_while(|day| *day <= to)
        .filter(|day| is_working_day(*day, cal))
        .fold(0, |count: u32, _| count.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> TermCalendar {
        TermCalendar::england_typical(2025, 2026).unwrap()
    }

    #[test]
    fn weekends_bank_holidays_and_holidays_are_not_working_days() {
        let cal = cal();
        assert!(is_working_day(d(2026, 1, 12), &cal));
        assert!(!is_working_day(d(2026, 1, 10), &cal), "saturday");
        assert!(
            !is_working_day(d(2026, 5, 4), &cal),
            "early may bank holiday in term"
        );
        assert!(!is_working_day(d(2026, 2, 18), &cal), "february half term");
        assert!(!is_working_day(d(2026, 8, 3), &cal), "summer holiday");
    }

    #[test]
    fn adding_working_days_skips_the_half_term_week() {
        // Friday 13 Feb 2026 is the last day before the February half term.
        assert_eq!(
            add_working_days(d(2026, 2, 12), 1, &cal()),
            Some(d(2026, 2, 13))
        );
        assert_eq!(
            add_working_days(d(2026, 2, 13), 1, &cal()),
            Some(d(2026, 2, 23))
        );
    }

    #[test]
    fn adding_working_days_skips_a_bank_holiday_in_term() {
        assert_eq!(
            add_working_days(d(2026, 5, 1), 1, &cal()),
            Some(d(2026, 5, 5))
        );
    }

    #[test]
    fn adding_working_days_from_a_holiday_starts_counting_at_the_next_term() {
        assert_eq!(
            add_working_days(d(2025, 12, 25), 1, &cal()),
            Some(d(2026, 1, 5))
        );
    }

    #[test]
    fn adding_zero_working_days_is_the_same_date() {
        assert_eq!(
            add_working_days(d(2026, 2, 15), 0, &cal()),
            Some(d(2026, 2, 15))
        );
    }

    #[test]
    fn adding_working_days_past_the_calendar_is_none() {
        assert_eq!(add_working_days(d(2027, 7, 1), 30, &cal()), None);
    }

    #[test]
    fn working_days_between_counts_after_from_up_to_to() {
        let cal = cal();
        assert_eq!(
            working_days_between(d(2026, 1, 12), d(2026, 1, 16), &cal),
            4
        );
        assert_eq!(
            working_days_between(d(2026, 2, 13), d(2026, 2, 23), &cal),
            1
        );
        assert_eq!(
            working_days_between(d(2026, 1, 16), d(2026, 1, 12), &cal),
            0
        );
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..760).prop_map(|n| d(2025, 8, 1) + chrono::Duration::days(n))
    }

    proptest! {
        #[test]
        fn a_working_day_deadline_is_never_a_weekend_bank_holiday_or_holiday(date in any_date(), n in 1u32..120) {
            let cal = cal();
            if let Some(due) = add_working_days(date, n, &cal) {
                prop_assert!(!matches!(due.weekday(), Weekday::Sat | Weekday::Sun));
                prop_assert!(!is_bank_holiday(due));
                prop_assert!(cal.is_term_day(due));
                prop_assert!(due > date);
            }
        }

        #[test]
        fn adding_n_then_m_working_days_equals_adding_n_plus_m(date in any_date(), n in 0u32..80, m in 0u32..80) {
            let cal = cal();
            let stepwise = add_working_days(date, n, &cal).and_then(|x| add_working_days(x, m, &cal));
            prop_assert_eq!(stepwise, add_working_days(date, n + m, &cal));
        }

        #[test]
        fn working_days_between_undoes_adding(date in any_date(), n in 0u32..120) {
            let cal = cal();
            if let Some(due) = add_working_days(date, n, &cal) {
                prop_assert_eq!(working_days_between(date, due, &cal), n);
            }
        }
    }
}
