//! One scan day: every rule over every subject, the offsets checked and the recipients resolved,
//! and what the scan yields (due reminders and the rules it had to skip).

use super::*;

use super::rules::*;

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

/// The people a subject involves, for resolving a rule's recipients.
#[derive(Default)]
pub(super) struct People<'a> {
    supervisors: &'a [Uuid],
    supervisees: &'a [Uuid],
    yet_to_sign: Vec<Uuid>,
    owner: Option<Uuid>,
    trained: Option<Uuid>,
    reviewer: Option<Uuid>,
}

/// Where a subject belongs: an academy, or (for training) the trust itself.
#[derive(Clone, Copy)]
pub(super) struct Place<'a> {
    academy_id: Option<Uuid>,
    policy: &'a PolicySettings,
    regional_leads: &'a [Uuid],
}

pub(super) struct Scan<'a> {
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

pub(super) fn place_of(academy: &AcademyContext) -> Place<'_> {
    Place {
        academy_id: Some(academy.academy_id),
        policy: &academy.policy,
        regional_leads: &academy.regional_leads,
    }
}
