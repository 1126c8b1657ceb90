//! One function per rule of the reminder table: whether its condition holds on a day, and the
//! anchor its offsets count from.

use super::*;

// Each rule below answers one question: does its condition hold on `day`, and if so, what is
// the anchor its offsets count from? The scan then checks the offsets and resolves recipients.

pub(super) fn agenda_due(
    session: &SessionFacts,
    policy: &PolicySettings,
    day: NaiveDate,
) -> Option<NaiveDate> {
    (known(session.booked_on, day)
        && session.agenda_required
        && session.kind.owes_agenda()
        && !known_by(session.agenda_sent_on, day)
        && !known_by(session.cancelled_on, day))
    .then(|| policy.agenda_deadline(session.date))
}

pub(super) fn session_tomorrow(session: &SessionFacts, day: NaiveDate) -> Option<NaiveDate> {
    (known(session.booked_on, day) && !known_by(session.cancelled_on, day)).then_some(session.date)
}

pub(super) fn session_unconfirmed(session: &SessionFacts, day: NaiveDate) -> Option<NaiveDate> {
    (known(session.booked_on, day) && still_planned(session, day)).then_some(session.date)
}

// A session that took place, or may have, owes a record; a cancelled one owes none.
pub(super) fn record_not_sent(
    session: &SessionFacts,
    policy: &PolicySettings,
    day: NaiveDate,
) -> Option<NaiveDate> {
    (known(session.booked_on, day)
        && session.kind.owes_record()
        && !known_by(session.cancelled_on, day)
        && !known_by(session.record_sent_on, day))
    .then(|| policy.record_send_deadline(session.date))
}

pub(super) fn record_not_sent_overdue(
    session: &SessionFacts,
    policy: &PolicySettings,
    day: NaiveDate,
) -> Option<NaiveDate> {
    record_not_sent(session, policy, day)
}

pub(super) fn record_unsigned(
    record: &RecordFacts,
    policy: &PolicySettings,
    day: NaiveDate,
) -> Option<NaiveDate> {
    (known(record.known_on, day)
        && record.kind.owes_record()
        && !yet_to_sign(record, day).is_empty())
    .then(|| policy.record_sign_deadline(record.sent_on))
}

pub(super) fn record_unsigned_overdue(
    record: &RecordFacts,
    policy: &PolicySettings,
    day: NaiveDate,
) -> Option<NaiveDate> {
    record_unsigned(record, policy, day)
}

// The deadline is the `reheld_working_days`th working day after the original date, so the
// default offset of 1 falls on the day after it. Only the first session of a chain of
// rebookings is judged: the chain has its one deadline and one reminder.
pub(super) fn not_reheld(
    session: &SessionFacts,
    chain: Chain,
    academy: &AcademyContext,
    day: NaiveDate,
) -> Result<Option<NaiveDate>, SkipReason> {
    let Chain::First { reheld } = chain else {
        return Ok(None);
    };
    if !known(session.booked_on, day) || !known_by(session.cancelled_on, day) || reheld {
        return Ok(None);
    }
    let calendar = academy
        .calendar
        .as_ref()
        .ok_or(SkipReason::NoTermCalendar)?;
    if before_calendar(session.date, calendar) {
        return Ok(None);
    }
    reheld_by(session.date, &academy.policy, calendar)
        .map(Some)
        .ok_or(SkipReason::TermDatesEnd)
}

/// The last day a session cancelled from `original` (the date of the first session of its
/// chain of rebookings) may be re-held: the policy's `reheld_working_days`th working day after
/// it, or `None` where the calendar ends first.
pub fn reheld_by(
    original: NaiveDate,
    policy: &PolicySettings,
    calendar: &TermCalendar,
) -> Option<NaiveDate> {
    add_working_days(original, policy.reheld_working_days, calendar)
}

// The due date moves only when a session is held, so while nobody holds one it stays put:
// one reminder per due date, however long the supervisee stays overdue.
pub(super) fn supervision_overdue(
    facts: &MinimumFacts,
    academy: &AcademyContext,
    day: NaiveDate,
) -> Result<Option<NaiveDate>, SkipReason> {
    if !known(facts.supervised_since, day) {
        return Ok(None);
    }
    let calendar = academy
        .calendar
        .as_ref()
        .ok_or(SkipReason::NoTermCalendar)?;
    let last_held = facts
        .held
        .iter()
        .filter(|held| known(held.marked_held_on, day) && known(held.date, day))
        .map(|held| held.date)
        .max();
    minimum_due_date(facts.minimum, last_held, calendar, facts.supervised_since)
        .map(Some)
        .ok_or(SkipReason::TermDatesEnd)
}

pub(super) fn action_due(action: &ActionFacts, day: NaiveDate) -> Option<NaiveDate> {
    (known(action.created_on, day) && !known_by(action.closed_on, day)).then_some(action.due_on)
}

pub(super) fn action_overdue(action: &ActionFacts, day: NaiveDate) -> Option<NaiveDate> {
    action_due(action, day)
}

pub(super) fn agreement_review_due(
    agreement: &AgreementFacts,
    day: NaiveDate,
) -> Option<NaiveDate> {
    (known(agreement.activated_on, day) && !known_by(agreement.ended_on, day))
        .then_some(agreement.review_on)
}

pub(super) fn agreement_review_overdue(
    agreement: &AgreementFacts,
    day: NaiveDate,
) -> Option<NaiveDate> {
    agreement_review_due(agreement, day)
}

pub(super) fn qa_due(review: &QaReviewFacts, day: NaiveDate) -> Option<NaiveDate> {
    (known(review.known_since, day) && !known_by(review.completed_on, day)).then_some(review.due_on)
}

pub(super) fn qa_overdue(
    review: &QaReviewFacts,
    policy: &PolicySettings,
    day: NaiveDate,
) -> Option<NaiveDate> {
    qa_due(review, day).map(|due_on| policy.qa_deadline(due_on))
}

pub(super) fn training_expiring(
    training: &TrainingFacts,
    renewed: bool,
    day: NaiveDate,
) -> Option<NaiveDate> {
    if !known(training.recorded_on, day) || renewed {
        return None;
    }
    training.expires_on
}

pub(super) fn training_expired(
    training: &TrainingFacts,
    renewed: bool,
    day: NaiveDate,
) -> Option<NaiveDate> {
    training_expiring(training, renewed, day)
}

/// Whether something that happened on `on` was known when `day` was scanned.
pub(super) fn known(on: NaiveDate, day: NaiveDate) -> bool {
    on < day
}

pub(super) fn known_by(on: Option<NaiveDate>, day: NaiveDate) -> bool {
    on.is_some_and(|on| known(on, day))
}

// Working days cannot be counted from before the calendar's first year (its earlier terms are
// unknown), and a session that old has no re-hold reminder left to send.
pub(super) fn before_calendar(date: NaiveDate, calendar: &TermCalendar) -> bool {
    !calendar.covers(date)
        && calendar
            .half_terms()
            .next()
            .is_some_and(|first| date < first.starts_on)
}

pub(super) fn still_planned(session: &SessionFacts, day: NaiveDate) -> bool {
    !known_by(session.marked_held_on, day) && !known_by(session.cancelled_on, day)
}

pub(super) fn yet_to_sign(record: &RecordFacts, day: NaiveDate) -> Vec<Uuid> {
    let answered: BTreeSet<Uuid> = record
        .signed
        .iter()
        .filter(|signed| known(signed.on, day))
        .map(|signed| signed.person)
        .collect();
    std::iter::once(record.supervisor)
        .chain(record.supervisees.iter().copied())
        .filter(|party| !answered.contains(party))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Where a session sits in its chain of rebookings.
#[derive(Clone, Copy)]
pub(super) enum Chain {
    /// The first session (a session never rebooked is a chain of one), and whether a rebooking
    /// anywhere in its chain was known to be held.
    First { reheld: bool },
    /// A rebooking: its cancellation keeps the first session's deadline.
    Rebooking,
}

/// Each session's chain root: the first session of the chain of rebookings it belongs to,
/// following `rebooking_of` while it names a session given. Bounded by the number of sessions,
/// so rows that loop cannot hang a scan.
pub(super) fn chain_roots(sessions: &[SessionFacts]) -> BTreeMap<Uuid, Uuid> {
    let parent: BTreeMap<Uuid, Option<Uuid>> =
        sessions.iter().map(|s| (s.id, s.rebooking_of)).collect();
    sessions
        .iter()
        .map(|session| {
            let mut root = session.id;
            for _ in 0..sessions.len() {
                match parent.get(&root).copied().flatten() {
                    Some(up) if parent.contains_key(&up) => root = up,
                    _ => break,
                }
            }
            (session.id, root)
        })
        .collect()
}

/// The chain roots a rebooking of whose chain was known to be held by `day`.
pub(super) fn chains_reheld(
    sessions: &[SessionFacts],
    roots: &BTreeMap<Uuid, Uuid>,
    day: NaiveDate,
) -> BTreeSet<Uuid> {
    sessions
        .iter()
        .filter(|s| s.rebooking_of.is_some() && known_by(s.marked_held_on, day))
        .filter_map(|s| roots.get(&s.id).copied())
        .collect()
}

/// Whether a later training of the same kind, expiring later, renews `training`; one with no
/// expiry renews it when completed after it.
pub(super) fn renewed(training: &TrainingFacts, same_kind: &[&TrainingFacts]) -> bool {
    let Some(expires_on) = training.expires_on else {
        return false;
    };
    same_kind.iter().any(|other| {
        other.id != training.id
            && match other.expires_on {
                Some(other_expiry) => other_expiry > expires_on,
                None => other.completed_on > training.completed_on,
            }
    })
}

/// The snake_case name of a rule, as the policy's JSON spells it.
pub(crate) fn rule_code(kind: ReminderKind) -> &'static str {
    match kind {
        ReminderKind::AgendaDue => "agenda_due",
        ReminderKind::SessionTomorrow => "session_tomorrow",
        ReminderKind::SessionUnconfirmed => "session_unconfirmed",
        ReminderKind::RecordNotSent => "record_not_sent",
        ReminderKind::RecordNotSentOverdue => "record_not_sent_overdue",
        ReminderKind::RecordUnsigned => "record_unsigned",
        ReminderKind::RecordUnsignedOverdue => "record_unsigned_overdue",
        ReminderKind::NotReheld => "not_reheld",
        ReminderKind::SupervisionOverdue => "supervision_overdue",
        ReminderKind::ActionDue => "action_due",
        ReminderKind::ActionOverdue => "action_overdue",
        ReminderKind::AgreementReviewDue => "agreement_review_due",
        ReminderKind::AgreementReviewOverdue => "agreement_review_overdue",
        ReminderKind::QaDue => "qa_due",
        ReminderKind::QaOverdue => "qa_overdue",
        ReminderKind::TrainingExpiring => "training_expiring",
        ReminderKind::TrainingExpired => "training_expired",
    }
}

/// Whether one of the rule's offsets from `anchor` lands on `day`.
pub(super) fn falls_on(rule: &ReminderRule, anchor: NaiveDate, day: NaiveDate) -> bool {
    let gap = day.signed_duration_since(anchor).num_days();
    rule.offsets_days
        .iter()
        .any(|offset| i64::from(*offset) == gap)
}
