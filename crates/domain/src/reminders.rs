//! Which reminders fall due on a day, and to whom (DESIGN §5, the reminder table).
//!
//! The store fills [`ReminderFacts`] for one trust with plain rows, each event carrying the
//! calendar day (Europe/London) Haven learnt of it; [`reminders_due`] judges them for one scan
//! day. A scan of day D reads only what was known by the end of the day before (an event dated
//! D or later is not yet known) and yields exactly the reminders due ON D, so a back-fill scans
//! each day of its range in turn. Each reminder is due on its anchor date plus one of its
//! rule's offsets; every offset and recipient list comes from the academy's policy. A
//! reminder about a deadline is anchored on that deadline as the policy works it out
//! ([`PolicySettings::agenda_deadline`], [`PolicySettings::record_send_deadline`],
//! [`PolicySettings::record_sign_deadline`], [`PolicySettings::qa_deadline`], [`reheld_by`]),
//! the same day the compliance flags judge by, so the two cannot drift apart.
//!
//! Where DESIGN §5 is silent:
//! - A session not cancelled owes a record even while still unconfirmed, so the record
//!   reminders do not wait for it to be marked held.
//! - A cancelled session counts as re-held once any rebooking in its chain (a rebooking of it,
//!   or of a cancelled rebooking of it, and so on) is known to be held, whatever day that
//!   rebooking took place. The chain has the one deadline of its first session (DESIGN §4), so
//!   a cancelled rebooking is reminded of only through it.
//! - An ad hoc session owes no agenda and no record (DESIGN §4), so it is never reminded of
//!   either, not even of a record someone chose to write for it.
//! - Training belongs to no academy, so its rules come from the trust's own settings, and
//!   the regional lead of a training reminder is the trust lead.
//! - A recipient that does not apply to a subject (an action owner for a session) is nobody.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cadence::{Minimum, minimum_due_date};
use crate::calendar::TermCalendar;
use crate::policy::{PolicySettings, Recipient, ReminderKind, ReminderRule};
use crate::session::SessionKind;
use crate::working_days::add_working_days;

/// Everything one trust's reminder scan judges, as the store reads it.
///
/// Pass every subject that could still be reminded of (for example sessions from a year
/// before the scan day onwards); ones that are not due on the day simply yield nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderFacts {
    /// The trust scanned.
    pub trust_id: Uuid,
    /// The trust's own settings, used for training, which belongs to no academy.
    pub trust_policy: PolicySettings,
    /// Holders of the trust safeguarding lead role on the scan day.
    pub trust_leads: Vec<Uuid>,
    /// Holders of the director of education role on the scan day.
    pub directors_of_education: Vec<Uuid>,
    /// Each academy's settings, calendar and regional leads.
    pub academies: Vec<AcademyContext>,
    /// Sessions, cancelled ones and their rebookings included.
    pub sessions: Vec<SessionFacts>,
    /// Records sent for signature (a draft is never reminded of as unsigned).
    pub records: Vec<RecordFacts>,
    /// One row per supervisee per academy where they have an active agreement.
    pub supervisees: Vec<MinimumFacts>,
    /// Actions, open or not.
    pub actions: Vec<ActionFacts>,
    /// Agreement versions that have been activated.
    pub agreements: Vec<AgreementFacts>,
    /// QA reviews.
    pub qa_reviews: Vec<QaReviewFacts>,
    /// Training records of the trust's people, renewals included.
    pub trainings: Vec<TrainingFacts>,
}

/// What a rule needs to know about the academy its subject belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcademyContext {
    /// The academy.
    pub academy_id: Uuid,
    /// Its effective settings (the trust's with the academy's override applied).
    pub policy: PolicySettings,
    /// Its term dates, if it has any: without them working days and the minimum cannot be
    /// counted, so the rules that need them are skipped for the academy.
    pub calendar: Option<TermCalendar>,
    /// Regional safeguarding leads over the academy on the scan day; empty where it has no
    /// region or the region no lead, and then the trust leads stand in.
    pub regional_leads: Vec<Uuid>,
}

/// A session, with the days its events became known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    /// The session.
    pub id: Uuid,
    /// Its academy.
    pub academy_id: Uuid,
    /// The day it takes place.
    pub date: NaiveDate,
    /// The day it was booked.
    pub booked_on: NaiveDate,
    /// Its kind, which says whether it owes an agenda and a record.
    pub kind: SessionKind,
    /// Its agreement's supervisor.
    pub supervisor: Uuid,
    /// The supervisees expected at it.
    pub supervisees: Vec<Uuid>,
    /// Whether its agreement asks for an agenda (the agreement's flag, which starts as the
    /// policy's).
    pub agenda_required: bool,
    /// The day the agenda was sent, if it has been.
    pub agenda_sent_on: Option<NaiveDate>,
    /// The day it was marked held, if it has been.
    pub marked_held_on: Option<NaiveDate>,
    /// The day it was cancelled, if it has been.
    pub cancelled_on: Option<NaiveDate>,
    /// The cancelled session this one re-holds, if it is a rebooking.
    pub rebooking_of: Option<Uuid>,
    /// The day its record was sent for signature, if it has been.
    pub record_sent_on: Option<NaiveDate>,
}

/// A record that has been sent for signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    /// The record.
    pub id: Uuid,
    /// Its academy.
    pub academy_id: Uuid,
    /// The day it was sent, which its signing deadline counts from.
    pub sent_on: NaiveDate,
    /// The day Haven learnt it was sent: the day it was sent in Haven, or the day it was
    /// entered as sent on paper before.
    pub known_on: NaiveDate,
    /// Its session's kind, which says whether the record is owed.
    pub kind: SessionKind,
    /// Its session's supervisor, who signs it.
    pub supervisor: Uuid,
    /// Its session's supervisees, who sign it.
    pub supervisees: Vec<Uuid>,
    /// Who has signed it (or recorded a disagreement, which answers it too), and when.
    pub signed: Vec<Signed>,
}

/// One party's answer to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed {
    /// The party.
    pub person: Uuid,
    /// The day they signed or disagreed.
    pub on: NaiveDate,
}

/// One supervisee's minimum clock at one academy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinimumFacts {
    /// The supervisee.
    pub supervisee: Uuid,
    /// The academy whose calendar applies.
    pub academy_id: Uuid,
    /// The minimum of the agreement in force: a term of each agreement, not the academy's.
    pub minimum: Minimum,
    /// Their supervisors there (of their active agreements).
    pub supervisors: Vec<Uuid>,
    /// When the minimum began to apply: the first agreement's activation.
    pub supervised_since: NaiveDate,
    /// The sessions held that count towards the minimum (not ad hoc; a group session only
    /// where they attended).
    pub held: Vec<HeldSession>,
}

/// A counting session, and the day Haven learnt it was held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldSession {
    /// The day it took place.
    pub date: NaiveDate,
    /// The day it was marked held.
    pub marked_held_on: NaiveDate,
}

/// An action from a record or case note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFacts {
    /// The action.
    pub id: Uuid,
    /// Its academy.
    pub academy_id: Uuid,
    /// Who must do it.
    pub owner: Uuid,
    /// The supervisor of the session it came from.
    pub supervisor: Uuid,
    /// The supervisees of that session.
    pub supervisees: Vec<Uuid>,
    /// When it is due.
    pub due_on: NaiveDate,
    /// The day it was recorded.
    pub created_on: NaiveDate,
    /// The day it was marked done or carried forward, if it has been.
    pub closed_on: Option<NaiveDate>,
}

/// One activated agreement version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementFacts {
    /// The version.
    pub id: Uuid,
    /// Its academy.
    pub academy_id: Uuid,
    /// Its supervisor.
    pub supervisor: Uuid,
    /// Its supervisees.
    pub supervisees: Vec<Uuid>,
    /// The day it became active (the second signature).
    pub activated_on: NaiveDate,
    /// The day it is due for review.
    pub review_on: NaiveDate,
    /// The day it stopped being active (superseded by a renewal, or ended), if it has.
    pub ended_on: Option<NaiveDate>,
}

/// A QA review of an agreement lineage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QaReviewFacts {
    /// The review.
    pub id: Uuid,
    /// Its academy.
    pub academy_id: Uuid,
    /// When it is due.
    pub due_on: NaiveDate,
    /// The day Haven knew it would fall due: the lineage's first activation, since its due
    /// dates follow from that (the row itself may be created on the due date).
    pub known_since: NaiveDate,
    /// The day it was completed, if it has been.
    pub completed_on: Option<NaiveDate>,
    /// The director it is assigned to; unassigned, every director of education is reminded.
    pub reviewer: Option<Uuid>,
}

/// A training record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingFacts {
    /// The record.
    pub id: Uuid,
    /// Whose training it is.
    pub person: Uuid,
    /// Its kind (for example `dsl`): a later training of the same kind renews it.
    pub kind: String,
    /// The day it was completed.
    pub completed_on: NaiveDate,
    /// Its last current day, if it expires.
    pub expires_on: Option<NaiveDate>,
    /// The day it was recorded in Haven.
    pub recorded_on: NaiveDate,
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// A session (also for a record not yet sent, which may not exist as a row).
    Session(Uuid),
    /// A sent record.
    Record(Uuid),
    /// A supervisee whose minimum is breached.
    Supervisee(Uuid),
    /// An action.
    Action(Uuid),
    /// An agreement version.
    Agreement(Uuid),
    /// A QA review.
    QaReview(Uuid),
    /// A training record.
    Training(Uuid),
}

impl Subject {
    /// The subject's kind as stored: `session`, `record`, `supervisee`, `action`,
    /// `agreement`, `qa_review` or `training`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Session(_) => "session",
            Self::Record(_) => "record",
            Self::Supervisee(_) => "supervisee",
            Self::Action(_) => "action",
            Self::Agreement(_) => "agreement",
            Self::QaReview(_) => "qa_review",
            Self::Training(_) => "training",
        }
    }

    /// The subject's id (a person's id for a supervisee).
    pub fn id(self) -> Uuid {
        match self {
            Self::Session(id)
            | Self::Record(id)
            | Self::Supervisee(id)
            | Self::Action(id)
            | Self::Agreement(id)
            | Self::QaReview(id)
            | Self::Training(id) => id,
        }
    }
}

/// One email to send: a rule's reminder about a subject, due on a day, to one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueReminder {
    /// The rule of the reminder table.
    pub rule: ReminderKind,
    /// What it is about.
    pub subject: Subject,
    /// The day it is due: always the scan day.
    pub due_on: NaiveDate,
    /// Who receives it.
    pub recipient: Uuid,
    /// The trust.
    pub trust_id: Uuid,
    /// The subject's academy; none for training, which belongs to the person.
    pub academy_id: Option<Uuid>,
}

impl DueReminder {
    /// `rule:subject_kind:subject_id:due_on:recipient`, for example
    /// `record_not_sent:session:0190…:2026-01-15:0190…`: the rule and subject kind in
    /// snake_case, UUIDs hyphenated lower case, the date ISO 8601; at most 130 characters.
    /// Unique per trust, so scanning a day twice, or on two instances, sends each once.
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}:{}:{}:{}:{}",
            rule_code(self.rule),
            self.subject.kind(),
            self.subject.id(),
            self.due_on.format("%Y-%m-%d"),
            self.recipient
        )
    }
}

/// Why a rule could not be judged for an academy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The academy has no term dates, so working days and the minimum cannot be counted.
    NoTermCalendar,
    /// Its term dates end before the deadline the rule counts to.
    TermDatesEnd,
    /// A subject names an academy missing from [`ReminderFacts::academies`].
    UnknownAcademy,
}

/// A rule an academy's reminders were not judged by, for the scheduler to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The academy.
    pub academy_id: Uuid,
    /// The rule, when one rule was skipped; none when the academy was.
    pub rule: Option<ReminderKind>,
    /// Why.
    pub reason: SkipReason,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.rule.map_or("reminders", rule_code);
        match self.reason {
            SkipReason::NoTermCalendar => write!(
                f,
                "{what} not judged for academy {}: it has no term dates",
                self.academy_id
            ),
            SkipReason::TermDatesEnd => write!(
                f,
                "{what} not judged for academy {}: its term dates end before the deadline; add the next academic year",
                self.academy_id
            ),
            SkipReason::UnknownAcademy => write!(
                f,
                "{what} not judged for academy {}: the academy's settings were not given",
                self.academy_id
            ),
        }
    }
}

/// The outcome of a scan: the reminders due, and what could not be judged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderScan {
    /// Sorted by idempotency key, no key twice.
    pub due: Vec<DueReminder>,
    /// Each (academy, rule, reason) once, sorted by academy.
    pub skipped: Vec<Skipped>,
}

/// The reminders due on `day`, judged on what was known by the end of the day before.
///
/// A subject Haven learnt of on `day` or later is not seen, so a reminder whose day came
/// before its subject existed is never sent late. Recipients are de-duplicated per
/// reminder; a recipient a rule names that does not apply to its subject (an action owner
/// for a session) resolves to nobody.
pub fn reminders_due(facts: &ReminderFacts, day: NaiveDate) -> ReminderScan {
    let mut scan = Scan::new(facts, day);
    let roots = chain_roots(&facts.sessions);
    let reheld = chains_reheld(&facts.sessions, &roots, day);
    for session in &facts.sessions {
        let chain = if roots
            .get(&session.id)
            .is_none_or(|root| *root == session.id)
        {
            Chain::First {
                reheld: reheld.contains(&session.id),
            }
        } else {
            Chain::Rebooking
        };
        scan.session(session, chain);
    }
    for record in &facts.records {
        scan.record(record);
    }
    for supervisee in &facts.supervisees {
        scan.supervisee(supervisee);
    }
    for action in &facts.actions {
        scan.action(action);
    }
    for agreement in &facts.agreements {
        scan.agreement(agreement);
    }
    for review in &facts.qa_reviews {
        scan.qa_review(review);
    }
    let mut renewals: BTreeMap<(Uuid, &str), Vec<&TrainingFacts>> = BTreeMap::new();
    for training in facts.trainings.iter().filter(|t| known(t.recorded_on, day)) {
        renewals
            .entry((training.person, training.kind.as_str()))
            .or_default()
            .push(training);
    }
    for training in &facts.trainings {
        let same_kind = renewals
            .get(&(training.person, training.kind.as_str()))
            .map_or(&[][..], Vec::as_slice);
        scan.training(training, renewed(training, same_kind));
    }
    scan.finish()
}

// Each rule below answers one question: does its condition hold on `day`, and if so, what is
// the anchor its offsets count from? The scan then checks the offsets and resolves recipients.

fn agenda_due(
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

fn session_tomorrow(session: &SessionFacts, day: NaiveDate) -> Option<NaiveDate> {
    (known(session.booked_on, day) && !known_by(session.cancelled_on, day)).then_some(session.date)
}

fn session_unconfirmed(session: &SessionFacts, day: NaiveDate) -> Option<NaiveDate> {
    (known(session.booked_on, day) && still_planned(session, day)).then_some(session.date)
}

// A session that took place, or may have, owes a record; a cancelled one owes none.
fn record_not_sent(
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

fn record_not_sent_overdue(
    session: &SessionFacts,
    policy: &PolicySettings,
    day: NaiveDate,
) -> Option<NaiveDate> {
    record_not_sent(session, policy, day)
}

fn record_unsigned(
    record: &RecordFacts,
    policy: &PolicySettings,
    day: NaiveDate,
) -> Option<NaiveDate> {
    (known(record.known_on, day)
        && record.kind.owes_record()
        && !yet_to_sign(record, day).is_empty())
    .then(|| policy.record_sign_deadline(record.sent_on))
}

fn record_unsigned_overdue(
    record: &RecordFacts,
    policy: &PolicySettings,
    day: NaiveDate,
) -> Option<NaiveDate> {
    record_unsigned(record, policy, day)
}

// The deadline is the `reheld_working_days`th working day after the original date, so the
// default offset of 1 falls on the day after it. Only the first session of a chain of
// rebookings is judged: the chain has its one deadline and one reminder.
fn not_reheld(
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
fn supervision_overdue(
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

fn action_due(action: &ActionFacts, day: NaiveDate) -> Option<NaiveDate> {
    (known(action.created_on, day) && !known_by(action.closed_on, day)).then_some(action.due_on)
}

fn action_overdue(action: &ActionFacts, day: NaiveDate) -> Option<NaiveDate> {
    action_due(action, day)
}

fn agreement_review_due(agreement: &AgreementFacts, day: NaiveDate) -> Option<NaiveDate> {
    (known(agreement.activated_on, day) && !known_by(agreement.ended_on, day))
        .then_some(agreement.review_on)
}

fn agreement_review_overdue(agreement: &AgreementFacts, day: NaiveDate) -> Option<NaiveDate> {
    agreement_review_due(agreement, day)
}

fn qa_due(review: &QaReviewFacts, day: NaiveDate) -> Option<NaiveDate> {
    (known(review.known_since, day) && !known_by(review.completed_on, day)).then_some(review.due_on)
}

fn qa_overdue(
    review: &QaReviewFacts,
    policy: &PolicySettings,
    day: NaiveDate,
) -> Option<NaiveDate> {
    qa_due(review, day).map(|due_on| policy.qa_deadline(due_on))
}

fn training_expiring(training: &TrainingFacts, renewed: bool, day: NaiveDate) -> Option<NaiveDate> {
    if !known(training.recorded_on, day) || renewed {
        return None;
    }
    training.expires_on
}

fn training_expired(training: &TrainingFacts, renewed: bool, day: NaiveDate) -> Option<NaiveDate> {
    training_expiring(training, renewed, day)
}

/// Whether something that happened on `on` was known when `day` was scanned.
fn known(on: NaiveDate, day: NaiveDate) -> bool {
    on < day
}

fn known_by(on: Option<NaiveDate>, day: NaiveDate) -> bool {
    on.is_some_and(|on| known(on, day))
}

// Working days cannot be counted from before the calendar's first year (its earlier terms are
// unknown), and a session that old has no re-hold reminder left to send.
fn before_calendar(date: NaiveDate, calendar: &TermCalendar) -> bool {
    !calendar.covers(date)
        && calendar
            .half_terms()
            .next()
            .is_some_and(|first| date < first.starts_on)
}

fn still_planned(session: &SessionFacts, day: NaiveDate) -> bool {
    !known_by(session.marked_held_on, day) && !known_by(session.cancelled_on, day)
}

fn yet_to_sign(record: &RecordFacts, day: NaiveDate) -> Vec<Uuid> {
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
enum Chain {
    /// The first session (a session never rebooked is a chain of one), and whether a rebooking
    /// anywhere in its chain was known to be held.
    First { reheld: bool },
    /// A rebooking: its cancellation keeps the first session's deadline.
    Rebooking,
}

/// Each session's chain root: the first session of the chain of rebookings it belongs to,
/// following `rebooking_of` while it names a session given. Bounded by the number of sessions,
/// so rows that loop cannot hang a scan.
fn chain_roots(sessions: &[SessionFacts]) -> BTreeMap<Uuid, Uuid> {
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
fn chains_reheld(
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
fn renewed(training: &TrainingFacts, same_kind: &[&TrainingFacts]) -> bool {
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
fn falls_on(rule: &ReminderRule, anchor: NaiveDate, day: NaiveDate) -> bool {
    let gap = day.signed_duration_since(anchor).num_days();
    rule.offsets_days
        .iter()
        .any(|offset| i64::from(*offset) == gap)
}

/// The people a subject involves, for resolving a rule's recipients.
#[derive(Default)]
struct People<'a> {
    supervisors: &'a [Uuid],
    supervisees: &'a [Uuid],
    yet_to_sign: Vec<Uuid>,
    owner: Option<Uuid>,
    trained: Option<Uuid>,
    reviewer: Option<Uuid>,
}

/// Where a subject belongs: an academy, or (for training) the trust itself.
#[derive(Clone, Copy)]
struct Place<'a> {
    academy_id: Option<Uuid>,
    policy: &'a PolicySettings,
    regional_leads: &'a [Uuid],
}

struct Scan<'a> {
    facts: &'a ReminderFacts,
    day: NaiveDate,
    academies: BTreeMap<Uuid, &'a AcademyContext>,
    due: BTreeMap<String, DueReminder>,
    skipped: Vec<Skipped>,
}

impl<'a> Scan<'a> {
    fn new(facts: &'a ReminderFacts, day: NaiveDate) -> Self {
        Self {
            facts,
            day,
            academies: facts
                .academies
                .iter()
                .map(|academy| (academy.academy_id, academy))
                .collect(),
            due: BTreeMap::new(),
            skipped: Vec::new(),
        }
    }

    fn academy(&mut self, academy_id: Uuid) -> Option<&'a AcademyContext> {
        let found = self.academies.get(&academy_id).copied();
        if found.is_none() {
            self.skip(academy_id, None, SkipReason::UnknownAcademy);
        }
        found
    }

    fn session(&mut self, session: &SessionFacts, chain: Chain) {
        let Some(academy) = self.academy(session.academy_id) else {
            return;
        };
        let day = self.day;
        let place = place_of(academy);
        let subject = Subject::Session(session.id);
        let people = People {
            supervisors: std::slice::from_ref(&session.supervisor),
            supervisees: &session.supervisees,
            ..People::default()
        };
        let policy = &academy.policy;
        let judged = [
            (ReminderKind::AgendaDue, agenda_due(session, policy, day)),
            (
                ReminderKind::SessionTomorrow,
                session_tomorrow(session, day),
            ),
            (
                ReminderKind::SessionUnconfirmed,
                session_unconfirmed(session, day),
            ),
            (
                ReminderKind::RecordNotSent,
                record_not_sent(session, policy, day),
            ),
            (
                ReminderKind::RecordNotSentOverdue,
                record_not_sent_overdue(session, policy, day),
            ),
        ];
        for (kind, anchor) in judged {
            self.remind(place, kind, anchor, subject, &people);
        }
        if academy.policy.reminder(ReminderKind::NotReheld).is_some() {
            let anchor = not_reheld(session, chain, academy, day);
            self.remind_counted(academy, ReminderKind::NotReheld, anchor, subject, &people);
        }
    }

    fn record(&mut self, record: &RecordFacts) {
        let Some(academy) = self.academy(record.academy_id) else {
            return;
        };
        let day = self.day;
        let people = People {
            supervisors: std::slice::from_ref(&record.supervisor),
            supervisees: &record.supervisees,
            yet_to_sign: yet_to_sign(record, day),
            ..People::default()
        };
        let subject = Subject::Record(record.id);
        let place = place_of(academy);
        let unsigned = record_unsigned(record, &academy.policy, day);
        self.remind(
            place,
            ReminderKind::RecordUnsigned,
            unsigned,
            subject,
            &people,
        );
        let overdue = record_unsigned_overdue(record, &academy.policy, day);
        self.remind(
            place,
            ReminderKind::RecordUnsignedOverdue,
            overdue,
            subject,
            &people,
        );
    }

    fn supervisee(&mut self, facts: &MinimumFacts) {
        let Some(academy) = self.academy(facts.academy_id) else {
            return;
        };
        if academy
            .policy
            .reminder(ReminderKind::SupervisionOverdue)
            .is_none()
        {
            return;
        }
        let people = People {
            supervisors: &facts.supervisors,
            supervisees: std::slice::from_ref(&facts.supervisee),
            ..People::default()
        };
        let anchor = supervision_overdue(facts, academy, self.day);
        self.remind_counted(
            academy,
            ReminderKind::SupervisionOverdue,
            anchor,
            Subject::Supervisee(facts.supervisee),
            &people,
        );
    }

    fn action(&mut self, action: &ActionFacts) {
        let Some(academy) = self.academy(action.academy_id) else {
            return;
        };
        let day = self.day;
        let people = People {
            supervisors: std::slice::from_ref(&action.supervisor),
            supervisees: &action.supervisees,
            owner: Some(action.owner),
            ..People::default()
        };
        let subject = Subject::Action(action.id);
        let place = place_of(academy);
        let due = action_due(action, day);
        self.remind(place, ReminderKind::ActionDue, due, subject, &people);
        let overdue = action_overdue(action, day);
        self.remind(
            place,
            ReminderKind::ActionOverdue,
            overdue,
            subject,
            &people,
        );
    }

    fn agreement(&mut self, agreement: &AgreementFacts) {
        let Some(academy) = self.academy(agreement.academy_id) else {
            return;
        };
        let day = self.day;
        let people = People {
            supervisors: std::slice::from_ref(&agreement.supervisor),
            supervisees: &agreement.supervisees,
            ..People::default()
        };
        let subject = Subject::Agreement(agreement.id);
        let place = place_of(academy);
        let due = agreement_review_due(agreement, day);
        self.remind(
            place,
            ReminderKind::AgreementReviewDue,
            due,
            subject,
            &people,
        );
        let overdue = agreement_review_overdue(agreement, day);
        self.remind(
            place,
            ReminderKind::AgreementReviewOverdue,
            overdue,
            subject,
            &people,
        );
    }

    fn qa_review(&mut self, review: &QaReviewFacts) {
        let Some(academy) = self.academy(review.academy_id) else {
            return;
        };
        let day = self.day;
        let people = People {
            reviewer: review.reviewer,
            ..People::default()
        };
        let subject = Subject::QaReview(review.id);
        let place = place_of(academy);
        let due = qa_due(review, day);
        self.remind(place, ReminderKind::QaDue, due, subject, &people);
        let overdue = qa_overdue(review, &academy.policy, day);
        self.remind(place, ReminderKind::QaOverdue, overdue, subject, &people);
    }

    fn training(&mut self, training: &TrainingFacts, renewed: bool) {
        let day = self.day;
        let people = People {
            trained: Some(training.person),
            ..People::default()
        };
        let subject = Subject::Training(training.id);
        let place = Place {
            academy_id: None,
            policy: &self.facts.trust_policy,
            regional_leads: &[],
        };
        let expiring = training_expiring(training, renewed, day);
        self.remind(
            place,
            ReminderKind::TrainingExpiring,
            expiring,
            subject,
            &people,
        );
        let expired = training_expired(training, renewed, day);
        self.remind(
            place,
            ReminderKind::TrainingExpired,
            expired,
            subject,
            &people,
        );
    }

    /// Records the reminder of a rule that counts working days, or why it was not judged.
    fn remind_counted(
        &mut self,
        academy: &AcademyContext,
        kind: ReminderKind,
        anchor: Result<Option<NaiveDate>, SkipReason>,
        subject: Subject,
        people: &People<'_>,
    ) {
        match anchor {
            Ok(anchor) => self.remind(place_of(academy), kind, anchor, subject, people),
            Err(reason) => self.skip(academy.academy_id, Some(kind), reason),
        }
    }

    /// Adds one reminder per recipient when the rule's condition held (`anchor` is some) and
    /// one of its offsets from the anchor is the scan day.
    fn remind(
        &mut self,
        place: Place<'_>,
        kind: ReminderKind,
        anchor: Option<NaiveDate>,
        subject: Subject,
        people: &People<'_>,
    ) {
        let Some(anchor) = anchor else {
            return;
        };
        let Some(rule) = place.policy.reminder(kind) else {
            return;
        };
        if !falls_on(rule, anchor, self.day) {
            return;
        }
        for recipient in self.recipients(rule, people, place) {
            let reminder = DueReminder {
                rule: kind,
                subject,
                due_on: self.day,
                recipient,
                trust_id: self.facts.trust_id,
                academy_id: place.academy_id,
            };
            self.due
                .entry(reminder.idempotency_key())
                .or_insert(reminder);
        }
    }

    fn recipients(
        &self,
        rule: &ReminderRule,
        people: &People<'_>,
        place: Place<'_>,
    ) -> BTreeSet<Uuid> {
        let trust_leads = self.facts.trust_leads.as_slice();
        let mut to = BTreeSet::new();
        for recipient in &rule.recipients {
            match recipient {
                Recipient::Supervisor => to.extend(people.supervisors),
                Recipient::Supervisees => to.extend(people.supervisees),
                Recipient::EveryParty => {
                    to.extend(people.supervisors);
                    to.extend(people.supervisees);
                }
                Recipient::PartiesYetToSign => to.extend(&people.yet_to_sign),
                Recipient::TrustLead => to.extend(trust_leads),
                Recipient::RegionalLead if place.regional_leads.is_empty() => {
                    to.extend(trust_leads);
                }
                Recipient::RegionalLead => to.extend(place.regional_leads),
                Recipient::ActionOwner => to.extend(people.owner),
                Recipient::DirectorOfEducation => match people.reviewer {
                    Some(reviewer) => {
                        to.insert(reviewer);
                    }
                    None => to.extend(&self.facts.directors_of_education),
                },
                Recipient::TrainedPerson => to.extend(people.trained),
            }
        }
        to
    }

    fn skip(&mut self, academy_id: Uuid, rule: Option<ReminderKind>, reason: SkipReason) {
        let skipped = Skipped {
            academy_id,
            rule,
            reason,
        };
        if !self.skipped.contains(&skipped) {
            self.skipped.push(skipped);
        }
    }

    fn finish(self) -> ReminderScan {
        let mut skipped = self.skipped;
        skipped.sort_by_key(|s| (s.academy_id, s.rule.map(rule_code)));
        ReminderScan {
            due: self.due.into_values().collect(),
            skipped,
        }
    }
}

fn place_of(academy: &AcademyContext) -> Place<'_> {
    Place {
        academy_id: Some(academy.academy_id),
        policy: &academy.policy,
        regional_leads: &academy.regional_leads,
    }
}

#[cfg(test)]
mod tests {
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
        let training = (0u128..4, person(), date(), date()).prop_map(
            |(id, person, expires_on, recorded_on)| TrainingFacts {
                id: Uuid::from_u128(400 + id),
                person,
                kind: "dsl".into(),
                completed_on: days(expires_on, -730),
                expires_on: Some(expires_on),
                recorded_on,
            },
        );
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
}
