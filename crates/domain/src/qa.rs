//! Quality-assurance reviews (Appendix 4): when they fall due and when one is overdue.
//!
//! Every due date is counted from the lineage's first activation, never from the previous review,
//! so renewals keep the rhythm, completing early does not move it, and a month-end anchor does
//! not drift (31 January gives 30 April, then 31 July, not 30 July).

use chrono::{Months, NaiveDate};

/// Every review date of a lineage first activated on `first_activation`, one each
/// `interval_months`, up to and including `up_to`. An interval of 0 months yields none.
pub fn qa_due_dates(
    first_activation: NaiveDate,
    interval_months: u32,
    up_to: NaiveDate,
) -> Vec<NaiveDate> {
    let mut dates = Vec::new();
    if interval_months == 0 {
        return dates;
    }
    for step in 1u32.. {
        let Some(due) = step
            .checked_mul(interval_months)
            .and_then(|months| first_activation.checked_add_months(Months::new(months)))
        else {
            break;
        };
        if due > up_to {
            break;
        }
        dates.push(due);
    }
    dates
}

/// Whether a review whose deadline is `deadline` ([`crate::PolicySettings::qa_deadline`]) is
/// overdue on `as_of`: the deadline has passed (overdue is the day after it) and it was not
/// completed by `as_of`.
pub fn qa_overdue(deadline: NaiveDate, completed_on: Option<NaiveDate>, as_of: NaiveDate) -> bool {
    as_of > deadline && completed_on.is_none_or(|done| done > as_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reviews_fall_due_every_interval_from_the_first_activation() {
        assert_eq!(
            qa_due_dates(d(2025, 9, 8), 3, d(2026, 6, 8)),
            vec![d(2025, 12, 8), d(2026, 3, 8), d(2026, 6, 8)]
        );
        assert!(qa_due_dates(d(2025, 9, 8), 3, d(2025, 12, 7)).is_empty());
        assert!(qa_due_dates(d(2025, 9, 8), 0, d(2030, 1, 1)).is_empty());
    }

    #[test]
    fn a_renewal_keeps_the_rhythm_because_dates_count_from_the_first_activation() {
        // Renewed on 2026-01-20: the lineage's first activation still rules.
        let dates = qa_due_dates(d(2025, 9, 8), 3, d(2026, 9, 30));
        assert_eq!(
            dates,
            vec![d(2025, 12, 8), d(2026, 3, 8), d(2026, 6, 8), d(2026, 9, 8)]
        );
        assert!(!dates.contains(&d(2026, 4, 20)));
    }

    #[test]
    fn a_month_end_anchor_clamps_without_drifting() {
        assert_eq!(
            qa_due_dates(d(2026, 1, 31), 3, d(2027, 1, 31)),
            vec![
                d(2026, 4, 30),
                d(2026, 7, 31),
                d(2026, 10, 31),
                d(2027, 1, 31)
            ]
        );
        assert_eq!(
            qa_due_dates(d(2025, 11, 30), 3, d(2026, 2, 28)),
            vec![d(2026, 2, 28)]
        );
    }

    #[test]
    fn a_review_is_overdue_the_day_after_its_grace_period_unless_completed() {
        let deadline = crate::PolicySettings::default().qa_deadline(d(2025, 12, 8));
        assert!(!qa_overdue(deadline, None, d(2026, 1, 7)));
        assert!(qa_overdue(deadline, None, d(2026, 1, 8)));
        assert!(!qa_overdue(deadline, Some(d(2026, 1, 10)), d(2026, 1, 12)));
        assert!(qa_overdue(deadline, Some(d(2026, 1, 20)), d(2026, 1, 12)));
    }
}
