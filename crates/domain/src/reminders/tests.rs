use super::rules::*;
use super::scan::*;
use super::*;
use crate::policy::PolicyOverride;
use proptest::prelude::*;

const TRUST: Uuid = Uuid::from_u128(1);
const ACADEMY: Uuid = Uuid::from_u128(2);
const SUPERVISOR: Uuid = Uuid::from_u128(10);
const SUPERVISEE: Uuid = Uuid::from_u128(11);
const TRUST_LEAD: Uuid = Uuid::from_u128(20);
const RSL: Uuid = Uuid::from_u128(21);
const DIRECTOR: Uuid = Uuid::from_u128(22);
const OTHER_DIRECTOR: Uuid = Uuid::from_u128(23);
const SUBJECT: Uuid = Uuid::from_u128(100);
const NOBODY: [Uuid; 0] = [];
const NEVER: [NaiveDate; 0] = [];

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn days(date: NaiveDate, n: i64) -> NaiveDate {
    date + chrono::Duration::days(n)
}

fn calendar() -> TermCalendar {
    TermCalendar::england_typical(2025, 2026).unwrap()
}

fn academy() -> AcademyContext {
    AcademyContext {
        academy_id: ACADEMY,
        policy: PolicySettings::default(),
        calendar: Some(calendar()),
        regional_leads: vec![RSL],
    }
}

fn base() -> ReminderFacts {
    ReminderFacts {
        trust_id: TRUST,
        trust_policy: PolicySettings::default(),
        trust_leads: vec![TRUST_LEAD],
        directors_of_education: vec![DIRECTOR, OTHER_DIRECTOR],
        academies: vec![academy()],
        sessions: Vec::new(),
        records: Vec::new(),
        supervisees: Vec::new(),
        actions: Vec::new(),
        agreements: Vec::new(),
        qa_reviews: Vec::new(),
        trainings: Vec::new(),
    }
}

fn session_day() -> NaiveDate {
    d(2026, 1, 21)
}

/// A planned session on Wednesday 21 January 2026, booked a month before.
fn session() -> SessionFacts {
    SessionFacts {
        id: SUBJECT,
        academy_id: ACADEMY,
        date: session_day(),
        booked_on: days(session_day(), -30),
        kind: SessionKind::Formal,
        supervisor: SUPERVISOR,
        supervisees: vec![SUPERVISEE],
        agenda_required: true,
        agenda_sent_on: None,
        marked_held_on: None,
        cancelled_on: None,
        rebooking_of: None,
        record_sent_on: None,
    }
}

fn with_session(session: SessionFacts) -> ReminderFacts {
    ReminderFacts {
        sessions: vec![session],
        ..base()
    }
}

fn record(sent_on: NaiveDate) -> RecordFacts {
    RecordFacts {
        id: SUBJECT,
        academy_id: ACADEMY,
        sent_on,
        known_on: sent_on,
        kind: SessionKind::Formal,
        supervisor: SUPERVISOR,
        supervisees: vec![SUPERVISEE],
        signed: Vec::new(),
    }
}

fn minimum(held: &[NaiveDate]) -> MinimumFacts {
    MinimumFacts {
        supervisee: SUPERVISEE,
        academy_id: ACADEMY,
        minimum: PolicySettings::default().minimum,
        supervisors: vec![SUPERVISOR],
        supervised_since: d(2025, 9, 3),
        held: held
            .iter()
            .map(|date| HeldSession {
                date: *date,
                marked_held_on: *date,
            })
            .collect(),
    }
}

fn action(due_on: NaiveDate) -> ActionFacts {
    ActionFacts {
        id: SUBJECT,
        academy_id: ACADEMY,
        owner: SUPERVISEE,
        supervisor: SUPERVISOR,
        supervisees: vec![SUPERVISEE],
        due_on,
        created_on: days(due_on, -40),
        closed_on: None,
    }
}

fn agreement(review_on: NaiveDate) -> AgreementFacts {
    AgreementFacts {
        id: SUBJECT,
        academy_id: ACADEMY,
        supervisor: SUPERVISOR,
        supervisees: vec![SUPERVISEE],
        activated_on: days(review_on, -365),
        review_on,
        ended_on: None,
    }
}

fn qa_review(due_on: NaiveDate) -> QaReviewFacts {
    QaReviewFacts {
        id: SUBJECT,
        academy_id: ACADEMY,
        due_on,
        known_since: days(due_on, -90),
        completed_on: None,
        reviewer: Some(DIRECTOR),
    }
}

fn training(id: Uuid, expires_on: NaiveDate) -> TrainingFacts {
    TrainingFacts {
        id,
        person: SUPERVISEE,
        kind: "dsl".into(),
        completed_on: days(expires_on, -730),
        expires_on: Some(expires_on),
        recorded_on: days(expires_on, -729),
    }
}

/// Who receives `kind` on `day`.
fn sent(facts: &ReminderFacts, kind: ReminderKind, day: NaiveDate) -> Vec<Uuid> {
    reminders_due(facts, day)
        .due
        .into_iter()
        .filter(|r| r.rule == kind)
        .map(|r| r.recipient)
        .collect()
}

/// Asserts `kind` is sent on `due` and not on the days either side; returns its recipients.
fn only_on(facts: &ReminderFacts, kind: ReminderKind, due: NaiveDate) -> Vec<Uuid> {
    assert_eq!(
        sent(facts, kind, days(due, -1)),
        NOBODY,
        "{kind:?} the day before {due}"
    );
    assert_eq!(
        sent(facts, kind, days(due, 1)),
        NOBODY,
        "{kind:?} the day after {due}"
    );
    let to = sent(facts, kind, due);
    assert!(!to.is_empty(), "{kind:?} on {due}");
    to
}

/// The days from `from` to `to` on which `kind` is sent.
fn sent_on_days(
    facts: &ReminderFacts,
    kind: ReminderKind,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<NaiveDate> {
    from.iter_days()
        .take_while(|day| *day <= to)
        .filter(|day| !sent(facts, kind, *day).is_empty())
        .collect()
}

#[test]
fn agenda_due_nine_and_seven_days_before_the_session_to_the_supervisees() {
    let facts = with_session(session());
    for before in [-9, -7] {
        assert_eq!(
            only_on(&facts, ReminderKind::AgendaDue, days(session_day(), before)),
            [SUPERVISEE]
        );
    }
}

#[test]
fn agenda_due_stops_once_the_agenda_is_sent_or_where_none_is_required() {
    let sent_before = SessionFacts {
        agenda_sent_on: Some(days(session_day(), -8)),
        ..session()
    };
    let facts = with_session(sent_before);
    assert_eq!(
        sent(&facts, ReminderKind::AgendaDue, days(session_day(), -9)),
        [SUPERVISEE]
    );
    assert_eq!(
        sent(&facts, ReminderKind::AgendaDue, days(session_day(), -7)),
        NOBODY
    );
    // Sent on the reminder's own day: the scan reads the day before, so it still goes.
    let sent_that_day = SessionFacts {
        agenda_sent_on: Some(days(session_day(), -7)),
        ..session()
    };
    let facts = with_session(sent_that_day);
    assert_eq!(
        sent(&facts, ReminderKind::AgendaDue, days(session_day(), -7)),
        [SUPERVISEE]
    );
    let not_required = SessionFacts {
        agenda_required: false,
        ..session()
    };
    let facts = with_session(not_required);
    assert_eq!(
        sent(&facts, ReminderKind::AgendaDue, days(session_day(), -7)),
        NOBODY
    );
}

#[test]
fn session_tomorrow_the_day_before_to_every_party() {
    let facts = with_session(session());
    assert_eq!(
        only_on(
            &facts,
            ReminderKind::SessionTomorrow,
            days(session_day(), -1)
        ),
        [SUPERVISOR, SUPERVISEE]
    );
}

#[test]
fn no_session_tomorrow_reminder_for_a_cancelled_session() {
    let cancelled = SessionFacts {
        cancelled_on: Some(days(session_day(), -10)),
        ..session()
    };
    let facts = with_session(cancelled);
    assert_eq!(
        sent(
            &facts,
            ReminderKind::SessionTomorrow,
            days(session_day(), -1)
        ),
        NOBODY
    );
    assert_eq!(
        sent(&facts, ReminderKind::AgendaDue, days(session_day(), -7)),
        NOBODY
    );
}

#[test]
fn session_unconfirmed_the_day_after_to_the_supervisor() {
    let facts = with_session(session());
    assert_eq!(
        only_on(
            &facts,
            ReminderKind::SessionUnconfirmed,
            days(session_day(), 1)
        ),
        [SUPERVISOR]
    );
}

#[test]
fn no_session_unconfirmed_reminder_once_marked_held_or_cancelled() {
    let day = days(session_day(), 1);
    let held = SessionFacts {
        marked_held_on: Some(session_day()),
        ..session()
    };
    assert_eq!(
        sent(&with_session(held), ReminderKind::SessionUnconfirmed, day),
        NOBODY
    );
    let cancelled = SessionFacts {
        cancelled_on: Some(session_day()),
        ..session()
    };
    assert_eq!(
        sent(
            &with_session(cancelled),
            ReminderKind::SessionUnconfirmed,
            day
        ),
        NOBODY
    );
}

#[test]
fn record_not_sent_ten_days_after_the_session_to_the_supervisor() {
    let facts = with_session(session());
    assert_eq!(
        only_on(&facts, ReminderKind::RecordNotSent, days(session_day(), 10)),
        [SUPERVISOR]
    );
}

#[test]
fn record_not_sent_overdue_fifteen_days_after_to_the_supervisor_and_trust_lead() {
    let facts = with_session(session());
    assert_eq!(
        only_on(
            &facts,
            ReminderKind::RecordNotSentOverdue,
            days(session_day(), 15)
        ),
        [SUPERVISOR, TRUST_LEAD]
    );
}

#[test]
fn no_record_not_sent_reminder_once_sent_or_for_a_cancelled_session() {
    let sent_record = SessionFacts {
        marked_held_on: Some(session_day()),
        record_sent_on: Some(days(session_day(), 3)),
        ..session()
    };
    let facts = with_session(sent_record);
    assert_eq!(
        sent(&facts, ReminderKind::RecordNotSent, days(session_day(), 10)),
        NOBODY
    );
    assert_eq!(
        sent(
            &facts,
            ReminderKind::RecordNotSentOverdue,
            days(session_day(), 15)
        ),
        NOBODY
    );
    let cancelled = SessionFacts {
        cancelled_on: Some(session_day()),
        ..session()
    };
    let facts = with_session(cancelled);
    assert_eq!(
        sent(&facts, ReminderKind::RecordNotSent, days(session_day(), 10)),
        NOBODY
    );
}

#[test]
fn record_unsigned_ten_days_after_sending_to_each_party_yet_to_sign() {
    let sent_on = d(2026, 2, 2);
    let facts = ReminderFacts {
        records: vec![record(sent_on)],
        ..base()
    };
    assert_eq!(
        only_on(&facts, ReminderKind::RecordUnsigned, days(sent_on, 10)),
        [SUPERVISOR, SUPERVISEE]
    );
    let supervisor_signed = RecordFacts {
        signed: vec![Signed {
            person: SUPERVISOR,
            on: sent_on,
        }],
        ..record(sent_on)
    };
    let facts = ReminderFacts {
        records: vec![supervisor_signed],
        ..facts
    };
    assert_eq!(
        sent(&facts, ReminderKind::RecordUnsigned, days(sent_on, 10)),
        [SUPERVISEE]
    );
}

#[test]
fn a_record_sent_on_paper_counts_its_deadline_from_the_day_sent_and_is_never_reminded_late() {
    let sent_on = d(2026, 2, 2);
    // Entered three days after it was sent: the reminders of its own days still come.
    let entered_soon = RecordFacts {
        known_on: days(sent_on, 3),
        ..record(sent_on)
    };
    let facts = ReminderFacts {
        records: vec![entered_soon],
        ..base()
    };
    assert_eq!(
        only_on(&facts, ReminderKind::RecordUnsigned, days(sent_on, 10)),
        [SUPERVISOR, SUPERVISEE]
    );
    // Entered a month after: its reminders' days had passed, so none is sent at all.
    let entered_late = RecordFacts {
        known_on: days(sent_on, 30),
        ..record(sent_on)
    };
    let facts = ReminderFacts {
        records: vec![entered_late],
        ..base()
    };
    for kind in [
        ReminderKind::RecordUnsigned,
        ReminderKind::RecordUnsignedOverdue,
    ] {
        assert_eq!(
            sent_on_days(&facts, kind, sent_on, days(sent_on, 90)),
            Vec::<NaiveDate>::new(),
            "{kind:?}"
        );
    }
}

#[test]
fn record_unsigned_overdue_fourteen_days_after_sending_to_every_party() {
    let sent_on = d(2026, 2, 2);
    let supervisor_signed = RecordFacts {
        signed: vec![Signed {
            person: SUPERVISOR,
            on: sent_on,
        }],
        ..record(sent_on)
    };
    let facts = ReminderFacts {
        records: vec![supervisor_signed],
        ..base()
    };
    assert_eq!(
        only_on(
            &facts,
            ReminderKind::RecordUnsignedOverdue,
            days(sent_on, 14)
        ),
        [SUPERVISOR, SUPERVISEE]
    );
}

#[test]
fn no_record_unsigned_reminder_once_every_party_has_signed_or_disagreed() {
    let sent_on = d(2026, 2, 2);
    let signed = RecordFacts {
        signed: vec![
            Signed {
                person: SUPERVISOR,
                on: sent_on,
            },
            Signed {
                person: SUPERVISEE,
                on: days(sent_on, 5),
            },
        ],
        ..record(sent_on)
    };
    let facts = ReminderFacts {
        records: vec![signed],
        ..base()
    };
    assert_eq!(
        sent(&facts, ReminderKind::RecordUnsigned, days(sent_on, 10)),
        NOBODY
    );
    assert_eq!(
        sent(
            &facts,
            ReminderKind::RecordUnsignedOverdue,
            days(sent_on, 14)
        ),
        NOBODY
    );
}

fn cancelled_before_half_term() -> SessionFacts {
    // Thursday 12 February 2026; the February half term stops the clock for a week.
    SessionFacts {
        date: d(2026, 2, 12),
        booked_on: d(2026, 1, 5),
        cancelled_on: Some(d(2026, 2, 11)),
        ..session()
    }
}

#[test]
fn not_reheld_the_day_after_the_fifth_working_day_to_both_parties_and_trust_lead() {
    let facts = with_session(cancelled_before_half_term());
    // 13 Feb, then 23, 24, 25, 26 Feb: the 5th working day is Thursday 26 February.
    assert_eq!(
        only_on(&facts, ReminderKind::NotReheld, d(2026, 2, 27)),
        [SUPERVISOR, SUPERVISEE, TRUST_LEAD]
    );
}

#[test]
fn cancelled_session_must_be_reheld_not_just_rebooked() {
    let rebooking = SessionFacts {
        id: Uuid::from_u128(101),
        date: d(2026, 2, 25),
        booked_on: d(2026, 2, 11),
        cancelled_on: None,
        rebooking_of: Some(SUBJECT),
        ..session()
    };
    let facts = ReminderFacts {
        sessions: vec![cancelled_before_half_term(), rebooking.clone()],
        ..base()
    };
    let to = sent(&facts, ReminderKind::NotReheld, d(2026, 2, 27));
    assert_eq!(to, [SUPERVISOR, SUPERVISEE, TRUST_LEAD], "booked, not held");
    let held = SessionFacts {
        marked_held_on: Some(d(2026, 2, 25)),
        ..rebooking
    };
    let facts = ReminderFacts {
        sessions: vec![cancelled_before_half_term(), held],
        ..base()
    };
    assert_eq!(
        sent(&facts, ReminderKind::NotReheld, d(2026, 2, 27)),
        NOBODY
    );
}

/// Which subjects `kind` is sent about on any day from `from` to `to`, and on which days.
fn subjects_on_days(
    facts: &ReminderFacts,
    kind: ReminderKind,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(Subject, NaiveDate)> {
    let mut found: Vec<(Subject, NaiveDate)> = from
        .iter_days()
        .take_while(|day| *day <= to)
        .flat_map(|day| reminders_due(facts, day).due)
        .filter(|r| r.rule == kind)
        .map(|r| (r.subject, r.due_on))
        .collect();
    found.dedup();
    found
}

#[test]
fn a_chain_of_cancellations_has_one_deadline_and_one_reminder() {
    // Thursday 12 February cancelled (its fifth working day is 26 February), re-booked for
    // the 25th, that cancelled in turn and re-booked for 5 March, after the deadline.
    let rebooking = SessionFacts {
        id: Uuid::from_u128(101),
        date: d(2026, 2, 25),
        booked_on: d(2026, 2, 11),
        cancelled_on: Some(d(2026, 2, 24)),
        rebooking_of: Some(SUBJECT),
        ..session()
    };
    let again = SessionFacts {
        id: Uuid::from_u128(102),
        date: d(2026, 3, 5),
        booked_on: d(2026, 2, 24),
        rebooking_of: Some(rebooking.id),
        ..session()
    };
    let facts = ReminderFacts {
        sessions: vec![
            cancelled_before_half_term(),
            rebooking.clone(),
            again.clone(),
        ],
        ..base()
    };
    let chain = |facts: &ReminderFacts| {
        subjects_on_days(
            facts,
            ReminderKind::NotReheld,
            d(2026, 2, 1),
            d(2026, 7, 22),
        )
    };
    assert_eq!(
        chain(&facts),
        [(Subject::Session(SUBJECT), d(2026, 2, 27))],
        "the original's deadline, once, however the chain goes on"
    );
    let held_late = SessionFacts {
        marked_held_on: Some(d(2026, 3, 5)),
        ..again.clone()
    };
    let facts = ReminderFacts {
        sessions: vec![cancelled_before_half_term(), rebooking.clone(), held_late],
        ..base()
    };
    assert_eq!(
        chain(&facts),
        [(Subject::Session(SUBJECT), d(2026, 2, 27))],
        "held after the deadline: reminded all the same"
    );
    let held_in_time = SessionFacts {
        date: d(2026, 2, 26),
        marked_held_on: Some(d(2026, 2, 26)),
        ..again
    };
    let facts = ReminderFacts {
        sessions: vec![cancelled_before_half_term(), rebooking, held_in_time],
        ..base()
    };
    assert_eq!(
        chain(&facts),
        [],
        "the chain's last rebooking re-held it in time"
    );
}

#[test]
fn an_ad_hoc_session_is_never_reminded_of_an_agenda_or_a_record() {
    let ad_hoc = SessionFacts {
        kind: SessionKind::AdHoc,
        ..session()
    };
    let facts = ReminderFacts {
        records: vec![RecordFacts {
            kind: SessionKind::AdHoc,
            ..record(days(session_day(), 1))
        }],
        ..with_session(ad_hoc)
    };
    for kind in [
        ReminderKind::AgendaDue,
        ReminderKind::RecordNotSent,
        ReminderKind::RecordNotSentOverdue,
        ReminderKind::RecordUnsigned,
        ReminderKind::RecordUnsignedOverdue,
    ] {
        assert_eq!(
            sent_on_days(&facts, kind, d(2025, 12, 1), d(2026, 3, 31)),
            NEVER,
            "{kind:?}"
        );
    }
    assert_eq!(
        sent(
            &facts,
            ReminderKind::SessionTomorrow,
            days(session_day(), -1)
        ),
        [SUPERVISOR, SUPERVISEE],
        "it is still announced"
    );
}

#[test]
fn supervision_overdue_follows_the_agreements_minimum_not_the_academys() {
    // The academy's floor is half-termly; this agreement's is 4 weeks (20 working days):
    // held Monday 5 January, due Monday 2 February, reminded on the 3rd.
    let four_weeks = MinimumFacts {
        minimum: Minimum::new(crate::cadence::Cadence::EveryNWeeks(
            crate::cadence::Weeks::parse(4).unwrap(),
        )),
        ..minimum(&[d(2026, 1, 5)])
    };
    let facts = ReminderFacts {
        supervisees: vec![four_weeks],
        ..base()
    };
    assert_eq!(
        sent_on_days(
            &facts,
            ReminderKind::SupervisionOverdue,
            d(2026, 1, 6),
            d(2026, 2, 13)
        ),
        [d(2026, 2, 3)]
    );
}

#[test]
fn rules_that_count_working_days_are_skipped_without_term_dates() {
    let mut facts = ReminderFacts {
        supervisees: vec![minimum(&[])],
        ..with_session(cancelled_before_half_term())
    };
    facts.academies = vec![AcademyContext {
        calendar: None,
        ..academy()
    }];
    let scan = reminders_due(&facts, d(2026, 2, 27));
    assert!(scan.due.iter().all(|r| r.rule != ReminderKind::NotReheld));
    assert_eq!(
        scan.skipped,
        [
            Skipped {
                academy_id: ACADEMY,
                rule: Some(ReminderKind::NotReheld),
                reason: SkipReason::NoTermCalendar,
            },
            Skipped {
                academy_id: ACADEMY,
                rule: Some(ReminderKind::SupervisionOverdue),
                reason: SkipReason::NoTermCalendar,
            },
        ]
    );
    assert!(scan.skipped[0].to_string().contains("no term dates"));
}

#[test]
fn a_subject_of_an_unknown_academy_is_reported_not_guessed() {
    let mut facts = with_session(session());
    facts.academies.clear();
    let scan = reminders_due(&facts, days(session_day(), -1));
    assert!(scan.due.is_empty());
    assert_eq!(
        scan.skipped,
        [Skipped {
            academy_id: ACADEMY,
            rule: None,
            reason: SkipReason::UnknownAcademy,
        }]
    );
}

fn overdue_day(held: &[NaiveDate]) -> NaiveDate {
    let facts = minimum(held);
    let last = held.iter().max().copied();
    let due = minimum_due_date(
        PolicySettings::default().minimum,
        last,
        &calendar(),
        facts.supervised_since,
    )
    .unwrap();
    days(due, 1)
}

#[test]
fn supervision_overdue_the_day_after_the_minimums_due_date() {
    let held = [d(2025, 10, 1)];
    let facts = ReminderFacts {
        supervisees: vec![minimum(&held)],
        ..base()
    };
    // Held in the first half term: the second, ending 19 December, had none.
    let day = overdue_day(&held);
    assert_eq!(day, d(2025, 12, 20));
    assert_eq!(
        only_on(&facts, ReminderKind::SupervisionOverdue, day),
        [SUPERVISOR, SUPERVISEE, RSL]
    );
    let subjects: Vec<Subject> = reminders_due(&facts, day)
        .due
        .iter()
        .map(|r| r.subject)
        .collect();
    assert!(
        subjects
            .iter()
            .all(|s| *s == Subject::Supervisee(SUPERVISEE))
    );
}

#[test]
fn supervision_overdue_reminds_once_per_due_date_and_again_at_a_new_one() {
    let held = [d(2025, 10, 1), d(2026, 1, 14)];
    let facts = ReminderFacts {
        supervisees: vec![minimum(&held)],
        ..base()
    };
    let first = overdue_day(&held[..1]);
    let second = overdue_day(&held);
    assert!(second > first);
    assert_eq!(
        sent_on_days(
            &facts,
            ReminderKind::SupervisionOverdue,
            d(2025, 9, 1),
            d(2026, 7, 31)
        ),
        [first, second]
    );
}

#[test]
fn no_supervision_overdue_reminder_once_a_session_is_known_held() {
    let due_day = overdue_day(&[d(2025, 10, 1)]);
    let held_late = MinimumFacts {
        held: vec![
            HeldSession {
                date: d(2025, 10, 1),
                marked_held_on: d(2025, 10, 1),
            },
            HeldSession {
                date: d(2025, 12, 18),
                marked_held_on: d(2025, 12, 19),
            },
        ],
        ..minimum(&[])
    };
    let facts = ReminderFacts {
        supervisees: vec![held_late],
        ..base()
    };
    assert_eq!(
        sent(&facts, ReminderKind::SupervisionOverdue, due_day),
        NOBODY
    );
}

#[test]
fn the_regional_lead_falls_back_to_the_trust_leads() {
    let held = [d(2025, 10, 1)];
    let mut facts = ReminderFacts {
        supervisees: vec![minimum(&held)],
        ..base()
    };
    facts.academies = vec![AcademyContext {
        regional_leads: Vec::new(),
        ..academy()
    }];
    assert_eq!(
        sent(&facts, ReminderKind::SupervisionOverdue, overdue_day(&held)),
        [SUPERVISOR, SUPERVISEE, TRUST_LEAD]
    );
}

#[test]
fn action_due_three_days_before_to_the_owner() {
    let due_on = d(2026, 3, 10);
    let facts = ReminderFacts {
        actions: vec![action(due_on)],
        ..base()
    };
    assert_eq!(
        only_on(&facts, ReminderKind::ActionDue, days(due_on, -3)),
        [SUPERVISEE]
    );
}

#[test]
fn action_overdue_the_day_after_to_the_owner_and_supervisor() {
    let due_on = d(2026, 3, 10);
    let facts = ReminderFacts {
        actions: vec![action(due_on)],
        ..base()
    };
    assert_eq!(
        only_on(&facts, ReminderKind::ActionOverdue, days(due_on, 1)),
        [SUPERVISOR, SUPERVISEE]
    );
}

#[test]
fn no_action_reminder_once_done_or_carried_forward() {
    let due_on = d(2026, 3, 10);
    let done = ActionFacts {
        closed_on: Some(days(due_on, -5)),
        ..action(due_on)
    };
    let facts = ReminderFacts {
        actions: vec![done],
        ..base()
    };
    assert_eq!(
        sent(&facts, ReminderKind::ActionDue, days(due_on, -3)),
        NOBODY
    );
    assert_eq!(
        sent(&facts, ReminderKind::ActionOverdue, days(due_on, 1)),
        NOBODY
    );
}

#[test]
fn agreement_review_due_thirty_days_before_to_both_parties() {
    let review_on = d(2026, 9, 1);
    let facts = ReminderFacts {
        agreements: vec![agreement(review_on)],
        ..base()
    };
    assert_eq!(
        only_on(
            &facts,
            ReminderKind::AgreementReviewDue,
            days(review_on, -30)
        ),
        [SUPERVISOR, SUPERVISEE]
    );
}

#[test]
fn agreement_review_overdue_the_day_after_to_both_parties() {
    let review_on = d(2026, 9, 1);
    let facts = ReminderFacts {
        agreements: vec![agreement(review_on)],
        ..base()
    };
    assert_eq!(
        only_on(
            &facts,
            ReminderKind::AgreementReviewOverdue,
            days(review_on, 1)
        ),
        [SUPERVISOR, SUPERVISEE]
    );
}

#[test]
fn no_agreement_review_reminder_once_that_version_is_superseded() {
    let review_on = d(2026, 9, 1);
    let renewed = AgreementFacts {
        ended_on: Some(days(review_on, -40)),
        ..agreement(review_on)
    };
    let facts = ReminderFacts {
        agreements: vec![renewed],
        ..base()
    };
    assert_eq!(
        sent(
            &facts,
            ReminderKind::AgreementReviewDue,
            days(review_on, -30)
        ),
        NOBODY
    );
    assert_eq!(
        sent(
            &facts,
            ReminderKind::AgreementReviewOverdue,
            days(review_on, 1)
        ),
        NOBODY
    );
}

#[test]
fn qa_due_on_its_due_date_to_the_assigned_director() {
    let due_on = d(2025, 12, 8);
    let facts = ReminderFacts {
        qa_reviews: vec![qa_review(due_on)],
        ..base()
    };
    assert_eq!(only_on(&facts, ReminderKind::QaDue, due_on), [DIRECTOR]);
    let unassigned = QaReviewFacts {
        reviewer: None,
        ..qa_review(due_on)
    };
    let facts = ReminderFacts {
        qa_reviews: vec![unassigned],
        ..facts
    };
    assert_eq!(
        sent(&facts, ReminderKind::QaDue, due_on),
        [DIRECTOR, OTHER_DIRECTOR]
    );
}

#[test]
fn qa_overdue_thirty_days_after_to_the_director_and_trust_lead() {
    let due_on = d(2025, 12, 8);
    let facts = ReminderFacts {
        qa_reviews: vec![qa_review(due_on)],
        ..base()
    };
    assert_eq!(
        only_on(&facts, ReminderKind::QaOverdue, days(due_on, 30)),
        [TRUST_LEAD, DIRECTOR]
    );
    let completed = QaReviewFacts {
        completed_on: Some(days(due_on, 12)),
        ..qa_review(due_on)
    };
    let facts = ReminderFacts {
        qa_reviews: vec![completed],
        ..facts
    };
    assert_eq!(
        sent(&facts, ReminderKind::QaOverdue, days(due_on, 30)),
        NOBODY
    );
}

#[test]
fn training_expiring_sixty_days_before_to_the_person() {
    let expires_on = d(2026, 6, 30);
    let facts = ReminderFacts {
        trainings: vec![training(SUBJECT, expires_on)],
        ..base()
    };
    assert_eq!(
        only_on(
            &facts,
            ReminderKind::TrainingExpiring,
            days(expires_on, -60)
        ),
        [SUPERVISEE]
    );
}

#[test]
fn training_expired_the_day_after_to_the_person_and_trust_lead_with_no_academy() {
    let expires_on = d(2026, 6, 30);
    let facts = ReminderFacts {
        trainings: vec![training(SUBJECT, expires_on)],
        ..base()
    };
    assert_eq!(
        only_on(&facts, ReminderKind::TrainingExpired, days(expires_on, 1)),
        [SUPERVISEE, TRUST_LEAD]
    );
    let scan = reminders_due(&facts, days(expires_on, 1));
    assert!(scan.due.iter().all(|r| r.academy_id.is_none()));
}

#[test]
fn no_training_reminder_once_renewed() {
    let expires_on = d(2026, 6, 30);
    let renewal = TrainingFacts {
        completed_on: d(2026, 4, 20),
        recorded_on: d(2026, 4, 21),
        ..training(Uuid::from_u128(101), d(2028, 6, 30))
    };
    let facts = ReminderFacts {
        trainings: vec![training(SUBJECT, expires_on), renewal.clone()],
        ..base()
    };
    assert_eq!(
        sent(
            &facts,
            ReminderKind::TrainingExpiring,
            days(expires_on, -60)
        ),
        NOBODY
    );
    assert_eq!(
        sent(&facts, ReminderKind::TrainingExpired, days(expires_on, 1)),
        NOBODY
    );
    let other_kind = TrainingFacts {
        kind: "safer_recruitment".into(),
        ..renewal
    };
    let facts = ReminderFacts {
        trainings: vec![training(SUBJECT, expires_on), other_kind],
        ..facts
    };
    assert_eq!(
        sent(&facts, ReminderKind::TrainingExpired, days(expires_on, 1)),
        [SUPERVISEE, TRUST_LEAD]
    );
}

#[test]
fn a_reminder_whose_day_came_before_its_subject_existed_is_not_sent_late() {
    // Booked on the day of the second agenda reminder: neither is ever sent.
    let late = SessionFacts {
        booked_on: days(session_day(), -7),
        ..session()
    };
    let facts = with_session(late);
    assert_eq!(
        sent_on_days(
            &facts,
            ReminderKind::AgendaDue,
            days(session_day(), -30),
            session_day()
        ),
        NEVER
    );
    assert_eq!(
        sent_on_days(
            &facts,
            ReminderKind::SessionTomorrow,
            days(session_day(), -30),
            session_day()
        ),
        [days(session_day(), -1)]
    );
    let due_on = d(2026, 3, 10);
    let recorded_late = ActionFacts {
        created_on: days(due_on, -2),
        ..action(due_on)
    };
    let facts = ReminderFacts {
        actions: vec![recorded_late],
        ..base()
    };
    assert_eq!(
        sent_on_days(
            &facts,
            ReminderKind::ActionDue,
            d(2026, 1, 1),
            d(2026, 4, 1)
        ),
        NEVER
    );
    assert_eq!(
        sent_on_days(
            &facts,
            ReminderKind::ActionOverdue,
            d(2026, 1, 1),
            d(2026, 4, 1)
        ),
        [days(due_on, 1)]
    );
}

#[test]
fn a_person_in_two_of_the_roles_named_gets_one_reminder() {
    let mut facts = with_session(session());
    facts.trust_leads = vec![SUPERVISOR];
    let scan = reminders_due(&facts, days(session_day(), 15));
    let overdue: Vec<&DueReminder> = scan
        .due
        .iter()
        .filter(|r| r.rule == ReminderKind::RecordNotSentOverdue)
        .collect();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].recipient, SUPERVISOR);
}

#[test]
fn an_academys_policy_sets_the_offsets_and_recipients() {
    let change = PolicyOverride {
        reminders: Some(vec![
            // A week before the agenda's deadline, itself a week before the session.
            ReminderRule {
                rule: ReminderKind::AgendaDue,
                offsets_days: vec![-7],
                recipients: vec![Recipient::EveryParty],
            },
            ReminderRule {
                rule: ReminderKind::SessionTomorrow,
                offsets_days: vec![-2],
                recipients: vec![Recipient::Supervisor, Recipient::TrustLead],
            },
        ]),
        ..PolicyOverride::default()
    };
    let mut facts = with_session(session());
    facts.academies = vec![AcademyContext {
        policy: PolicySettings::default().with_override(&change).unwrap(),
        ..academy()
    }];
    assert_eq!(
        sent(&facts, ReminderKind::AgendaDue, days(session_day(), -9)),
        NOBODY
    );
    assert_eq!(
        only_on(&facts, ReminderKind::AgendaDue, days(session_day(), -14)),
        [SUPERVISOR, SUPERVISEE]
    );
    assert_eq!(
        only_on(
            &facts,
            ReminderKind::SessionTomorrow,
            days(session_day(), -2)
        ),
        [SUPERVISOR, TRUST_LEAD]
    );
    facts.academies[0]
        .policy
        .reminders
        .retain(|r| r.rule != ReminderKind::SessionTomorrow);
    assert_eq!(
        sent_on_days(
            &facts,
            ReminderKind::SessionTomorrow,
            days(session_day(), -30),
            session_day()
        ),
        NEVER
    );
}

#[test]
fn the_idempotency_key_names_rule_subject_day_and_recipient() {
    let reminder = DueReminder {
        rule: ReminderKind::RecordNotSentOverdue,
        subject: Subject::Session(SUBJECT),
        due_on: d(2026, 2, 5),
        recipient: TRUST_LEAD,
        trust_id: TRUST,
        academy_id: Some(ACADEMY),
    };
    assert_eq!(
        reminder.idempotency_key(),
        "record_not_sent_overdue:session:00000000-0000-0000-0000-000000000064:2026-02-05:00000000-0000-0000-0000-000000000014"
    );
    let json = serde_json::to_value(reminder.subject).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "session", "id": "00000000-0000-0000-0000-000000000064"})
    );
}

#[test]
fn rule_codes_match_the_policys_json_names() {
    let policy = PolicySettings::default();
    for rule in &policy.reminders {
        let json = serde_json::to_value(rule.rule).unwrap();
        assert_eq!(json, rule_code(rule.rule));
    }
}

#[test]
fn scanning_a_day_twice_yields_the_same_reminders() {
    let facts = with_session(session());
    let day = days(session_day(), -1);
    assert_eq!(reminders_due(&facts, day), reminders_due(&facts, day));
}

fn arbitrary_base() -> impl Strategy<Value = (ReminderFacts, NaiveDate)> {
    let start = d(2025, 9, 1);
    let date = move || (0i64..330).prop_map(move |n| days(start, n));
    let maybe =
        move || proptest::option::of(0i64..330).prop_map(move |n| n.map(|n| days(start, n)));
    let person = || (10u128..16).prop_map(Uuid::from_u128);
    let session = (
        0u128..6,
        date(),
        date(),
        person(),
        prop::collection::vec(person(), 0..3),
        any::<bool>(),
        maybe(),
        maybe(),
        maybe(),
        proptest::option::of(0u128..6),
        maybe(),
    )
        .prop_map(
            |(
                id,
                on,
                booked,
                supervisor,
                supervisees,
                agenda_required,
                agenda,
                held,
                cancelled,
                rebooking_of,
                record_sent,
            )| SessionFacts {
                id: Uuid::from_u128(100 + id),
                academy_id: ACADEMY,
                date: on,
                booked_on: booked,
                kind: if id == 5 {
                    SessionKind::AdHoc
                } else {
                    SessionKind::Formal
                },
                supervisor,
                supervisees,
                agenda_required,
                agenda_sent_on: agenda,
                marked_held_on: held,
                cancelled_on: cancelled,
                rebooking_of: rebooking_of.map(|n| Uuid::from_u128(100 + n)),
                record_sent_on: record_sent,
            },
        );
    let record = (
        0u128..4,
        date(),
        person(),
        prop::collection::vec(person(), 0..3),
        prop::collection::vec((person(), date()), 0..3),
        // Entered as sent that day or, sent on paper, up to some weeks after.
        0u64..40,
    )
        .prop_map(
            |(id, sent_on, supervisor, supervisees, signed, entered_after)| RecordFacts {
                id: Uuid::from_u128(200 + id),
                academy_id: ACADEMY,
                sent_on,
                known_on: sent_on
                    .checked_add_days(chrono::Days::new(entered_after))
                    .unwrap_or(sent_on),
                kind: if id == 3 {
                    SessionKind::AdHoc
                } else {
                    SessionKind::Formal
                },
                supervisor,
                supervisees,
                signed: signed
                    .into_iter()
                    .map(|(person, on)| Signed { person, on })
                    .collect(),
            },
        );
    let supervisee = (
        person(),
        prop::collection::vec(person(), 0..2),
        date(),
        prop::collection::vec((date(), 0i64..5), 0..4),
    )
        .prop_map(|(supervisee, supervisors, since, held)| MinimumFacts {
            supervisee,
            academy_id: ACADEMY,
            minimum: PolicySettings::default().minimum,
            supervisors,
            supervised_since: since,
            held: held
                .into_iter()
                .map(|(date, late)| HeldSession {
                    date,
                    marked_held_on: days(date, late),
                })
                .collect(),
        });
    let action = (0u128..4, person(), person(), date(), date(), maybe()).prop_map(
        |(id, owner, supervisor, due_on, created_on, closed_on)| ActionFacts {
            id: Uuid::from_u128(300 + id),
            academy_id: ACADEMY,
            owner,
            supervisor,
            supervisees: vec![owner],
            due_on,
            created_on,
            closed_on,
        },
    );
    let training =
        (0u128..4, person(), date(), date()).prop_map(|(id, person, expires_on, recorded_on)| {
            TrainingFacts {
                id: Uuid::from_u128(400 + id),
                person,
                kind: "dsl".into(),
                completed_on: days(expires_on, -730),
                expires_on: Some(expires_on),
                recorded_on,
            }
        });
    (
        prop::collection::vec(session, 0..8),
        prop::collection::vec(record, 0..4),
        prop::collection::vec(supervisee, 0..4),
        prop::collection::vec(action, 0..4),
        prop::collection::vec(training, 0..4),
        prop::collection::vec(person(), 0..3),
        date(),
    )
        .prop_map(
            move |(sessions, records, supervisees, actions, trainings, trust_leads, day)| {
                let facts = ReminderFacts {
                    sessions,
                    records,
                    supervisees,
                    actions,
                    trainings,
                    trust_leads,
                    ..base()
                };
                (facts, day)
            },
        )
}

proptest! {
    #[test]
    fn every_reminder_is_due_on_the_scan_day_with_a_unique_key((facts, day) in arbitrary_base()) {
        let scan = reminders_due(&facts, day);
        let keys: Vec<String> = scan.due.iter().map(DueReminder::idempotency_key).collect();
        let unique: BTreeSet<&String> = keys.iter().collect();
        prop_assert_eq!(unique.len(), keys.len());
        prop_assert!(keys.windows(2).all(|pair| pair[0] < pair[1]), "sorted by key");
        for reminder in &scan.due {
            prop_assert_eq!(reminder.due_on, day);
            prop_assert!(reminder.idempotency_key().len() <= 255);
        }
    }
}
