//! Whether a supervisee is supervised enough at a date, and why not.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::cadence::{Minimum, minimum_due_date};
use crate::calendar::TermCalendar;
use crate::policy::PolicySettings;
use crate::working_days::working_days_between;

/// What the store knows about one supervisee as of a date; the rules below judge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuperviseeFacts {
    /// The minimum of the agreement judged: a term of each agreement, defaulted from the
    /// academy's policy when it was drafted.
    pub minimum: Minimum,
    /// When the minimum began to apply: the first agreement's activation.
    pub supervised_since: NaiveDate,
    /// Dates of sessions held that count (formal, extended, group attended; not ad hoc).
    pub held_sessions: Vec<NaiveDate>,
    /// Sessions the plan asked for in the current half term up to the date judged.
    pub planned_so_far_this_half_term: u32,
    /// Extended sessions the plan asked for in the current half term up to that date.
    pub extended_planned_so_far_this_half_term: u32,
    /// Extended sessions held in the current half term.
    pub extended_held_this_half_term: u32,
    /// Records not sent for signature by the policy's deadline.
    pub records_unsent_over_deadline: u32,
    /// Records sent but not signed by everyone by the policy's deadline.
    pub records_unsigned_over_deadline: u32,
    /// Records the supervisee disagreed with whose disagreement is not yet resolved (no
    /// escalation of the record closed).
    #[serde(default)]
    pub records_disagreed: u32,
    /// Open actions past their due date.
    pub actions_overdue: u32,
    /// When the active agreement is due for review.
    pub agreement_review_due: Option<NaiveDate>,
    /// The last day the supervisee's DSL training is current.
    pub training_expires: Option<NaiveDate>,
    /// Whether a QA review of their agreement is overdue.
    pub qa_overdue: bool,
}

/// The dashboard colour, ordered from best to worst so the worst is the maximum.
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceLevel {
    /// Green.
    OnTrack,
    /// Amber: fewer sessions held than planned, or an agreed extended session missing.
    BehindPlan,
    /// Amber: the minimum falls due within the policy's due-soon window.
    DueSoon,
    /// Red: the minimum is breached.
    Overdue,
}

/// Why a status is not green.
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The minimum's due date has passed with no session held.
    MinimumBreached {
        /// The minimum breached.
        #[cfg_attr(feature = "schema", schema(value_type = String, example = "half_termly"))]
        minimum: Minimum,
        /// The last session held, if any.
        last_held: Option<NaiveDate>,
        /// When supervision began, the clock's start when nothing was held.
        since: NaiveDate,
        /// The day the next session was due by.
        due: NaiveDate,
    },
    /// The minimum falls due soon.
    MinimumDueSoon {
        /// The minimum.
        #[cfg_attr(feature = "schema", schema(value_type = String, example = "half_termly"))]
        minimum: Minimum,
        /// The last session held, if any.
        last_held: Option<NaiveDate>,
        /// The day the next session is due by.
        due: NaiveDate,
        /// Working days left until then.
        working_days_left: u32,
    },
    /// Fewer sessions held this half term than planned so far.
    BehindPlan {
        /// Planned so far.
        planned: u32,
        /// Held.
        held: u32,
    },
    /// An extended session agreed for this half term has not been held.
    ExtendedNotHeld,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MinimumBreached {
                minimum,
                last_held: Some(held),
                due,
                ..
            } => write!(
                f,
                "no session held since {held}; minimum {minimum} was due {due}"
            ),
            Self::MinimumBreached {
                minimum,
                last_held: None,
                since,
                due,
            } => write!(
                f,
                "no session held since supervision began on {since}; minimum {minimum} was due {due}"
            ),
            Self::MinimumDueSoon {
                minimum,
                last_held,
                due,
                working_days_left,
            } => {
                write!(
                    f,
                    "minimum {minimum} falls due {due}, in {working_days_left} working day(s)"
                )?;
                match last_held {
                    Some(held) => write!(f, "; last session held {held}"),
                    None => f.write_str("; no session held yet"),
                }
            }
            Self::BehindPlan { planned, held } => write!(
                f,
                "{planned} session(s) planned so far this half term, {held} held"
            ),
            Self::ExtendedNotHeld => {
                f.write_str("the extended session agreed for this half term has not been held")
            }
        }
    }
}

/// Something else that needs attention, shown beside the colour.
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Flag {
    /// Records not sent for signature in time.
    RecordsNotSent {
        /// How many.
        count: u32,
        /// The policy's deadline in days after the session.
        days: u32,
    },
    /// Records not signed in time.
    RecordsUnsigned {
        /// How many.
        count: u32,
        /// The policy's deadline in days after sending.
        days: u32,
    },
    /// Records the supervisee disagreed with, not yet resolved.
    RecordsDisagreed {
        /// How many.
        count: u32,
    },
    /// Open actions past their due date.
    ActionsOverdue {
        /// How many.
        count: u32,
    },
    /// The agreement is past its review date.
    AgreementPastReview {
        /// When it was due for review.
        review_due: NaiveDate,
    },
    /// DSL training has expired.
    TrainingExpired {
        /// Its last current day.
        expired_on: NaiveDate,
    },
    /// A QA review is overdue.
    QaOverdue,
    /// The term dates end before the minimum's next due date, so it cannot be judged.
    TermDatesMissing,
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RecordsNotSent { count, days } => {
                write!(f, "{count} record(s) not sent within {days} days of the session")
            }
            Self::RecordsUnsigned { count, days } => {
                write!(f, "{count} record(s) not signed within {days} days of being sent")
            }
            Self::RecordsDisagreed { count } => write!(
                f,
                "{count} record(s) disagreed with by the supervisee, not yet resolved"
            ),
            Self::ActionsOverdue { count } => write!(f, "{count} action(s) overdue"),
            Self::AgreementPastReview { review_due } => {
                write!(f, "agreement was due for review on {review_due}")
            }
            Self::TrainingExpired { expired_on } => {
                write!(f, "DSL training expired after {expired_on}")
            }
            Self::QaOverdue => f.write_str("quality assurance review overdue"),
            Self::TermDatesMissing => f.write_str(
                "the academy's term dates end before the next session falls due; add the next academic year",
            ),
        }
    }
}

/// A supervisee's compliance at a date: the colour, the reasons for it, and the flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceStatus {
    /// The worst level any reason reaches.
    pub level: ComplianceLevel,
    /// Every reason the status is not green; empty exactly when on track.
    pub reasons: Vec<Reason>,
    /// Other things that need attention, whatever the level.
    pub flags: Vec<Flag>,
}

/// The flags beside the colour: records late to be sent or signed, overdue actions, an
/// agreement past review, expired training and an overdue QA review. They need no calendar,
/// so an academy whose term dates are missing still shows them.
pub fn attention_flags(
    facts: &SuperviseeFacts,
    policy: &PolicySettings,
    as_of: NaiveDate,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    if facts.records_unsent_over_deadline > 0 {
        flags.push(Flag::RecordsNotSent {
            count: facts.records_unsent_over_deadline,
            days: policy.record_send_days,
        });
    }
    if facts.records_unsigned_over_deadline > 0 {
        flags.push(Flag::RecordsUnsigned {
            count: facts.records_unsigned_over_deadline,
            days: policy.record_sign_days,
        });
    }
    if facts.records_disagreed > 0 {
        flags.push(Flag::RecordsDisagreed {
            count: facts.records_disagreed,
        });
    }
    if facts.actions_overdue > 0 {
        flags.push(Flag::ActionsOverdue {
            count: facts.actions_overdue,
        });
    }
    if let Some(review_due) = facts.agreement_review_due.filter(|due| as_of > *due) {
        flags.push(Flag::AgreementPastReview { review_due });
    }
    if let Some(expired_on) = facts.training_expires.filter(|expiry| as_of > *expiry) {
        flags.push(Flag::TrainingExpired { expired_on });
    }
    if facts.qa_overdue {
        flags.push(Flag::QaOverdue);
    }

    flags
}

/// Judges `facts` as of `as_of` against the agreement's minimum and the academy's calendar;
/// the policy gives the due-soon window and the flags' deadlines.
///
/// Overdue from the day after the minimum's due date; due soon while that date is at most
/// `due_soon_working_days` working days away; behind plan from the plan's counts. Sessions
/// dated after `as_of` are ignored, since a status reads only what was known that day. A
/// session held in a holiday counts for the half term after it.
pub fn compliance_status(
    facts: &SuperviseeFacts,
    policy: &PolicySettings,
    cal: &TermCalendar,
    as_of: NaiveDate,
) -> ComplianceStatus {
    let known: Vec<NaiveDate> = facts
        .held_sessions
        .iter()
        .copied()
        .filter(|held| *held <= as_of)
        .collect();
    let last_held = known.iter().max().copied();
    let minimum = facts.minimum;
    let mut reasons = Vec::new();
    let mut flags = Vec::new();

    match minimum_due_date(minimum, last_held, cal, facts.supervised_since) {
        Some(due) if as_of > due => reasons.push(Reason::MinimumBreached {
            minimum,
            last_held,
            since: facts.supervised_since,
            due,
        }),
        Some(due) => {
            let working_days_left = working_days_between(as_of, due, cal);
            if working_days_left <= policy.due_soon_working_days {
                reasons.push(Reason::MinimumDueSoon {
                    minimum,
                    last_held,
                    due,
                    working_days_left,
                });
            }
        }
        None => flags.push(Flag::TermDatesMissing),
    }

    let held_this_half_term = cal
        .half_term_containing_or_after(as_of)
        .and_then(|ht| cal.period_start(ht.starts_on))
        .map_or(0, |start| {
            known
                .iter()
                .filter(|held| **held >= start)
                .fold(0u32, |n, _| n.saturating_add(1))
        });
    if held_this_half_term < facts.planned_so_far_this_half_term {
        reasons.push(Reason::BehindPlan {
            planned: facts.planned_so_far_this_half_term,
            held: held_this_half_term,
        });
    }
    if facts.extended_held_this_half_term < facts.extended_planned_so_far_this_half_term {
        reasons.push(Reason::ExtendedNotHeld);
    }

    flags.extend(attention_flags(facts, policy, as_of));

    let level = reasons
        .iter()
        .map(|reason| match reason {
            Reason::MinimumBreached { .. } => ComplianceLevel::Overdue,
            Reason::MinimumDueSoon { .. } => ComplianceLevel::DueSoon,
            Reason::BehindPlan { .. } | Reason::ExtendedNotHeld => ComplianceLevel::BehindPlan,
        })
        .max()
        .unwrap_or(ComplianceLevel::OnTrack);
    ComplianceStatus {
        level,
        reasons,
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cadence::{Cadence, Weeks};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> TermCalendar {
        TermCalendar::england_typical(2025, 2026).unwrap()
    }

    fn facts(held: &[NaiveDate]) -> SuperviseeFacts {
        SuperviseeFacts {
            minimum: Minimum::new(Cadence::EveryNWeeks(Weeks::parse(4).unwrap())),
            supervised_since: d(2025, 9, 1),
            held_sessions: held.to_vec(),
            planned_so_far_this_half_term: 0,
            extended_planned_so_far_this_half_term: 0,
            extended_held_this_half_term: 0,
            records_unsent_over_deadline: 0,
            records_unsigned_over_deadline: 0,
            records_disagreed: 0,
            actions_overdue: 0,
            agreement_review_due: None,
            training_expires: None,
            qa_overdue: false,
        }
    }

    fn every_four_weeks() -> PolicySettings {
        PolicySettings {
            minimum: Minimum::new(Cadence::EveryNWeeks(Weeks::parse(4).unwrap())),
            ..PolicySettings::default()
        }
    }

    fn half_termly(held: &[NaiveDate]) -> SuperviseeFacts {
        SuperviseeFacts {
            minimum: Minimum::new(Cadence::HalfTermly),
            ..facts(held)
        }
    }

    #[test]
    fn the_agreements_minimum_is_judged_not_the_academys() {
        // The academy's floor is 4 weeks; this agreement's is half-termly, so six weeks
        // without a session inside one half term is not overdue.
        let s = compliance_status(
            &half_termly(&[d(2026, 1, 5)]),
            &every_four_weeks(),
            &cal(),
            d(2026, 2, 12),
        );
        assert_eq!(s.level, ComplianceLevel::OnTrack);
        let s = compliance_status(
            &facts(&[d(2026, 1, 5)]),
            &PolicySettings::esteem(),
            &cal(),
            d(2026, 2, 12),
        );
        assert_eq!(s.level, ComplianceLevel::Overdue);
    }

    #[test]
    fn recent_session_and_nothing_outstanding_is_on_track() {
        let s = compliance_status(
            &facts(&[d(2026, 1, 12)]),
            &every_four_weeks(),
            &cal(),
            d(2026, 1, 14),
        );
        assert_eq!(s.level, ComplianceLevel::OnTrack);
        assert!(s.reasons.is_empty() && s.flags.is_empty());
    }

    #[test]
    fn minimum_passed_with_no_session_is_overdue_and_says_why() {
        let s = compliance_status(
            &facts(&[d(2026, 1, 12)]),
            &every_four_weeks(),
            &cal(),
            d(2026, 2, 10),
        );
        assert_eq!(s.level, ComplianceLevel::Overdue);
        assert_eq!(
            s.reasons[0].to_string(),
            "no session held since 2026-01-12; minimum every 4 weeks was due 2026-02-09"
        );
    }

    #[test]
    fn on_the_due_date_itself_the_supervisee_is_due_soon_not_overdue() {
        let s = compliance_status(
            &facts(&[d(2026, 1, 12)]),
            &every_four_weeks(),
            &cal(),
            d(2026, 2, 9),
        );
        assert_eq!(s.level, ComplianceLevel::DueSoon);
    }

    #[test]
    fn minimum_due_within_ten_working_days_is_due_soon() {
        let s = compliance_status(
            &facts(&[d(2026, 1, 12)]),
            &every_four_weeks(),
            &cal(),
            d(2026, 1, 26),
        );
        assert_eq!(s.level, ComplianceLevel::DueSoon);
        assert_eq!(
            s.reasons[0].to_string(),
            "minimum every 4 weeks falls due 2026-02-09, in 10 working day(s); last session held 2026-01-12"
        );
        let earlier = compliance_status(
            &facts(&[d(2026, 1, 12)]),
            &every_four_weeks(),
            &cal(),
            d(2026, 1, 23),
        );
        assert_eq!(earlier.level, ComplianceLevel::OnTrack);
    }

    #[test]
    fn never_supervised_counts_from_supervision_start() {
        let mut f = facts(&[]);
        f.supervised_since = d(2026, 1, 12);
        let s = compliance_status(&f, &every_four_weeks(), &cal(), d(2026, 3, 2));
        assert_eq!(
            s.reasons[0].to_string(),
            "no session held since supervision began on 2026-01-12; minimum every 4 weeks was due 2026-02-09"
        );
    }

    #[test]
    fn the_holiday_before_a_half_term_belongs_to_it() {
        let policy = PolicySettings::esteem();
        let s = compliance_status(
            &half_termly(&[d(2026, 1, 20)]),
            &policy,
            &cal(),
            d(2026, 2, 18),
        );
        assert_eq!(s.level, ComplianceLevel::OnTrack);
        let s = compliance_status(
            &half_termly(&[d(2025, 12, 10)]),
            &policy,
            &cal(),
            d(2026, 2, 16),
        );
        assert_eq!(s.level, ComplianceLevel::Overdue);
    }

    #[test]
    fn fewer_held_than_planned_this_half_term_is_behind_plan() {
        let mut f = facts(&[d(2026, 1, 7), d(2026, 1, 14)]);
        f.planned_so_far_this_half_term = 3;
        let s = compliance_status(&f, &every_four_weeks(), &cal(), d(2026, 1, 22));
        assert_eq!(s.level, ComplianceLevel::BehindPlan);
        assert_eq!(
            s.reasons,
            [Reason::BehindPlan {
                planned: 3,
                held: 2
            }]
        );
    }

    #[test]
    fn sessions_of_the_previous_half_term_do_not_count_for_this_one() {
        let mut f = facts(&[d(2025, 12, 17), d(2026, 1, 7)]);
        f.planned_so_far_this_half_term = 2;
        let s = compliance_status(&f, &every_four_weeks(), &cal(), d(2026, 1, 14));
        assert_eq!(
            s.reasons,
            [Reason::BehindPlan {
                planned: 2,
                held: 1
            }]
        );
    }

    #[test]
    fn sessions_after_the_date_judged_are_not_known_yet() {
        let s = compliance_status(
            &facts(&[d(2026, 1, 12), d(2026, 2, 20)]),
            &every_four_weeks(),
            &cal(),
            d(2026, 2, 10),
        );
        assert_eq!(s.level, ComplianceLevel::Overdue);
    }

    #[test]
    fn an_agreed_extended_session_not_held_is_behind_plan() {
        let mut f = facts(&[d(2026, 1, 12)]);
        f.extended_planned_so_far_this_half_term = 1;
        let s = compliance_status(&f, &every_four_weeks(), &cal(), d(2026, 1, 14));
        assert_eq!(s.level, ComplianceLevel::BehindPlan);
        assert_eq!(s.reasons, [Reason::ExtendedNotHeld]);
        f.extended_held_this_half_term = 1;
        assert_eq!(
            compliance_status(&f, &every_four_weeks(), &cal(), d(2026, 1, 14)).level,
            ComplianceLevel::OnTrack
        );
    }

    #[test]
    fn overdue_outranks_behind_plan_and_keeps_both_reasons() {
        let mut f = facts(&[d(2026, 1, 12)]);
        f.planned_so_far_this_half_term = 3;
        let s = compliance_status(&f, &every_four_weeks(), &cal(), d(2026, 2, 11));
        assert_eq!(s.level, ComplianceLevel::Overdue);
        assert_eq!(s.reasons.len(), 2);
    }

    #[test]
    fn flags_report_late_records_actions_review_training_and_qa() {
        let mut f = facts(&[d(2026, 1, 12)]);
        f.records_unsent_over_deadline = 1;
        f.records_unsigned_over_deadline = 2;
        f.actions_overdue = 3;
        f.agreement_review_due = Some(d(2026, 1, 13));
        f.training_expires = Some(d(2026, 1, 13));
        f.qa_overdue = true;
        let s = compliance_status(&f, &every_four_weeks(), &cal(), d(2026, 1, 14));
        assert_eq!(s.level, ComplianceLevel::OnTrack);
        let text: Vec<String> = s.flags.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "1 record(s) not sent within 14 days of the session",
                "2 record(s) not signed within 14 days of being sent",
                "3 action(s) overdue",
                "agreement was due for review on 2026-01-13",
                "DSL training expired after 2026-01-13",
                "quality assurance review overdue",
            ]
        );
    }

    #[test]
    fn review_and_training_on_their_own_day_are_not_yet_flagged() {
        let mut f = facts(&[d(2026, 1, 12)]);
        f.agreement_review_due = Some(d(2026, 1, 14));
        f.training_expires = Some(d(2026, 1, 14));
        assert!(
            compliance_status(&f, &every_four_weeks(), &cal(), d(2026, 1, 14))
                .flags
                .is_empty()
        );
    }

    #[test]
    fn term_dates_ending_before_the_due_date_are_flagged() {
        let s = compliance_status(
            &half_termly(&[d(2027, 7, 1)]),
            &PolicySettings::esteem(),
            &cal(),
            d(2027, 7, 2),
        );
        assert_eq!(s.flags, [Flag::TermDatesMissing]);
    }

    #[test]
    fn status_serialises_with_snake_case_tags() {
        let s = compliance_status(
            &facts(&[d(2026, 1, 12)]),
            &every_four_weeks(),
            &cal(),
            d(2026, 2, 10),
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["level"], "overdue");
        assert_eq!(json["reasons"][0]["kind"], "minimum_breached");
        assert_eq!(json["reasons"][0]["minimum"], "every_4_weeks");
    }

    proptest! {
        #[test]
        fn a_status_is_green_exactly_when_it_has_no_reasons(
            held in proptest::collection::vec(0i64..700, 0..6),
            as_of in 0i64..700,
            planned in 0u32..4,
        ) {
            let start = d(2025, 8, 1);
            let held: Vec<NaiveDate> = held.into_iter().map(|n| start + chrono::Duration::days(n)).collect();
            let mut f = facts(&held);
            f.planned_so_far_this_half_term = planned;
            let s = compliance_status(&f, &every_four_weeks(), &cal(), start + chrono::Duration::days(as_of));
            prop_assert_eq!(s.level == ComplianceLevel::OnTrack, s.reasons.is_empty());
        }
    }
}
