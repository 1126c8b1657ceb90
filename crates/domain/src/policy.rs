//! A trust's policy settings: every number the rules use, with the seeds' values as defaults.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::DomainError;
use crate::cadence::{Cadence, Minimum, SupervisionPlan, Weeks};
use crate::values::{MaxCases, SessionLength};

/// What a reminder is about; each is counted from its own anchor date.
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// From the agenda's deadline, while the agenda is not sent (where agendas are required).
    AgendaDue,
    /// From the session date, unless cancelled.
    SessionTomorrow,
    /// From the session date, while it is still planned.
    SessionUnconfirmed,
    /// From the record's send deadline, before it, while the record is not sent.
    RecordNotSent,
    /// From the record's send deadline, on or after it, while the record is not sent.
    RecordNotSentOverdue,
    /// From the record's signing deadline, before it, to each party yet to sign.
    RecordUnsigned,
    /// From the record's signing deadline, on or after it, to each party yet to sign.
    RecordUnsignedOverdue,
    /// From the re-hold deadline of a cancelled session with no rebooking held, on or after it.
    NotReheld,
    /// From the minimum's due date, on or after it.
    SupervisionOverdue,
    /// From an open action's due date, before it.
    ActionDue,
    /// From an open action's due date, after it.
    ActionOverdue,
    /// From the agreement's review date, before it.
    AgreementReviewDue,
    /// From the agreement's review date, after it.
    AgreementReviewOverdue,
    /// From the QA review's due date, no later than its deadline.
    QaDue,
    /// From the QA review's deadline (its due date and the overdue allowance), on or after it.
    QaOverdue,
    /// From a training's expiry date, before it.
    TrainingExpiring,
    /// From a training's expiry date, after it.
    TrainingExpired,
}

/// Who a reminder goes to.
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The session's or agreement's supervisor.
    Supervisor,
    /// Its supervisees.
    Supervisees,
    /// Supervisor and supervisees.
    EveryParty,
    /// The parties who have not yet signed the record.
    PartiesYetToSign,
    /// The trust's strategic safeguarding lead.
    TrustLead,
    /// The academy's regional safeguarding lead, or the trust lead where there is no region.
    RegionalLead,
    /// The action's owner.
    ActionOwner,
    /// The director of education, who completes QA reviews.
    DirectorOfEducation,
    /// The person whose training it is.
    TrainedPerson,
}

/// Which side of its deadline a reminder may fall on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// On the deadline or before it: a reminder that something falls due.
    Before,
    /// On the deadline or after it: a reminder that something is overdue.
    After,
    /// Either: the reminder is about a session's date, which is no deadline.
    Either,
}

impl ReminderKind {
    /// The side of its deadline this reminder belongs on; a rule whose day falls on the
    /// other side contradicts the deadline and is refused.
    pub fn side(self) -> Side {
        match self {
            Self::AgendaDue
            | Self::RecordNotSent
            | Self::RecordUnsigned
            | Self::ActionDue
            | Self::AgreementReviewDue
            | Self::QaDue
            | Self::TrainingExpiring => Side::Before,
            Self::RecordNotSentOverdue
            | Self::RecordUnsignedOverdue
            | Self::NotReheld
            | Self::SupervisionOverdue
            | Self::ActionOverdue
            | Self::AgreementReviewOverdue
            | Self::QaOverdue
            | Self::TrainingExpired => Side::After,
            Self::SessionTomorrow | Self::SessionUnconfirmed => Side::Either,
        }
    }
}

/// One row of the reminder table: sent on each anchor + offset day, to the recipients.
///
/// The anchor of a reminder about a deadline is that deadline, as [`PolicySettings`] works it
/// out (the agenda's, the record's send and signing deadlines, the QA review's, the re-hold
/// deadline, the minimum's due date, an action's due date, an agreement's review date, a
/// training's expiry); the anchor of a session reminder is the session's date. The one
/// exception is [`ReminderKind::QaDue`], counted from the review's due date, which must not
/// fall after its deadline.
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderRule {
    /// What it reminds of, which fixes the anchor date.
    pub rule: ReminderKind,
    /// Calendar days from the anchor, its deadline for a deadline's reminder (negative:
    /// before it).
    pub offsets_days: Vec<i32>,
    /// Who receives it.
    pub recipients: Vec<Recipient>,
}

/// Every number and switch a trust's policy sets (DESIGN §4 and §5).
///
/// Missing fields in stored JSON take the defaults, so adding a setting never breaks old rows.
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicySettings {
    /// The floor below which a supervisee is overdue.
    #[cfg_attr(feature = "schema", schema(value_type = String, example = "half_termly"))]
    pub minimum: Minimum,
    /// The plan new agreements start from.
    pub plan: SupervisionPlan,
    /// The session length new agreements start from.
    #[cfg_attr(feature = "schema", schema(value_type = u32, minimum = 15, maximum = 240))]
    pub session_length: SessionLength,
    /// Whether supervisees send an agenda before each session.
    pub agenda_required: bool,
    /// Days before the session the agenda is due ([`PolicySettings::agenda_deadline`]).
    pub agenda_days_before: u32,
    /// Days after the session by which the record is sent for signature
    /// ([`PolicySettings::record_send_deadline`]).
    pub record_send_days: u32,
    /// Days after sending by which each party signs ([`PolicySettings::record_sign_deadline`]).
    pub record_sign_days: u32,
    /// Working days after a cancelled session by which it is re-held.
    pub reheld_working_days: u32,
    /// The most cases one session may discuss, if capped.
    #[cfg_attr(feature = "schema", schema(value_type = Option<u32>, minimum = 1, maximum = 50))]
    pub max_cases_per_session: Option<MaxCases>,
    /// Months between QA reviews of an agreement.
    pub qa_interval_months: u32,
    /// Days after its due date by which a QA review is completed
    /// ([`PolicySettings::qa_deadline`]); overdue the day after.
    pub qa_overdue_days: u32,
    /// Months after activation an agreement is due for review.
    pub agreement_review_months: u32,
    /// Years a DSL's training stays current.
    pub dsl_training_years: u32,
    /// Working days before the minimum's due date a supervisee shows as due soon.
    pub due_soon_working_days: u32,
    /// The longest a grant of exceptional access to records may last, in days (a trust-wide
    /// setting: an academy's override does not change it).
    pub grant_max_days: u32,
    /// The reminder table.
    pub reminders: Vec<ReminderRule>,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self::esteem()
    }
}

impl PolicySettings {
    /// Esteem Multi Academy Trust: half-termly one-hour sessions, agenda a week before,
    /// at most 3 cases; the defaults, since Esteem's policy sets the most numbers.
    pub fn esteem() -> Self {
        Self {
            minimum: Minimum::new(Cadence::HalfTermly),
            plan: SupervisionPlan {
                cadence: Cadence::HalfTermly,
                extended_each_half_term: false,
            },
            session_length: SessionLength::ONE_HOUR,
            agenda_required: true,
            agenda_days_before: 7,
            record_send_days: 14,
            record_sign_days: 14,
            reheld_working_days: 5,
            max_cases_per_session: MaxCases::parse(3).ok(),
            qa_interval_months: 3,
            qa_overdue_days: 30,
            agreement_review_months: 12,
            dsl_training_years: 2,
            due_soon_working_days: 10,
            grant_max_days: 90,
            reminders: default_reminders(),
        }
    }

    /// Captain Cook Primary: every 4 weeks for 2 hours, at least once a half term, no cap
    /// ("approximately 20" cases describes a session, it is not a limit).
    pub fn captain_cook() -> Self {
        Self {
            minimum: Minimum::new(Cadence::HalfTermly),
            plan: SupervisionPlan {
                cadence: Cadence::EveryNWeeks(Weeks::FOUR),
                extended_each_half_term: false,
            },
            session_length: SessionLength::TWO_HOURS,
            max_cases_per_session: None,
            ..Self::esteem()
        }
    }

    /// Old Park Primary: weekly group sessions plus an extended one each half term, never
    /// more than 4 weeks apart; the weekly group brings its agenda to the meeting.
    pub fn old_park() -> Self {
        Self {
            minimum: Minimum::new(Cadence::EveryNWeeks(Weeks::FOUR)),
            plan: SupervisionPlan {
                cadence: Cadence::Weekly,
                extended_each_half_term: true,
            },
            agenda_required: false,
            max_cases_per_session: None,
            ..Self::esteem()
        }
    }

    /// Co-op Academy Southfield: the regional lead supervises each DSL at least termly.
    pub fn coop_southfield() -> Self {
        Self {
            minimum: Minimum::new(Cadence::Termly),
            plan: SupervisionPlan {
                cadence: Cadence::Termly,
                extended_each_half_term: false,
            },
            max_cases_per_session: None,
            ..Self::esteem()
        }
    }

    /// The day the agenda of a session on `session_on` is due: `agenda_days_before` days before.
    pub fn agenda_deadline(&self, session_on: NaiveDate) -> NaiveDate {
        session_on
            .checked_sub_days(Days::new(u64::from(self.agenda_days_before)))
            .unwrap_or(NaiveDate::MIN)
    }

    /// The moment the agenda of a session starting at `starts_at` is due: the same number of
    /// days before as [`PolicySettings::agenda_deadline`], at the session's time of day.
    pub fn agenda_due_at(&self, starts_at: DateTime<Utc>) -> DateTime<Utc> {
        starts_at
            .checked_sub_days(Days::new(u64::from(self.agenda_days_before)))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The last day the record of a session held on `held_on` may be sent for signature in
    /// time: `record_send_days` days after; late from the day after.
    pub fn record_send_deadline(&self, held_on: NaiveDate) -> NaiveDate {
        held_on
            .checked_add_days(Days::new(u64::from(self.record_send_days)))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The last day each party may sign a record sent on `sent_on` in time: `record_sign_days`
    /// days after; late from the day after.
    pub fn record_sign_deadline(&self, sent_on: NaiveDate) -> NaiveDate {
        sent_on
            .checked_add_days(Days::new(u64::from(self.record_sign_days)))
            .unwrap_or(NaiveDate::MAX)
    }

    /// The last day a QA review due on `due_on` may be completed in time: `qa_overdue_days`
    /// days after; overdue from the day after.
    pub fn qa_deadline(&self, due_on: NaiveDate) -> NaiveDate {
        due_on
            .checked_add_days(Days::new(u64::from(self.qa_overdue_days)))
            .unwrap_or(NaiveDate::MAX)
    }

    /// Days from a reminder's anchor to its deadline: none, except for a QA review's "due"
    /// reminder, counted from the due date `qa_overdue_days` before the deadline.
    fn deadline_after_anchor(&self, kind: ReminderKind) -> i64 {
        match kind {
            ReminderKind::QaDue => i64::from(self.qa_overdue_days),
            _ => 0,
        }
    }

    /// The rule of the reminder table for `kind`, if the policy sends that reminder.
    pub fn reminder(&self, kind: ReminderKind) -> Option<&ReminderRule> {
        self.reminders.iter().find(|r| r.rule == kind)
    }

    /// These settings with an academy's override applied, then validated. Reminder rules
    /// in the override replace the rule of the same kind and leave the others alone.
    pub fn with_override(&self, with: &PolicyOverride) -> Result<Self, DomainError> {
        let mut merged = self.clone();
        let set = |target: &mut u32, value: Option<u32>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        if let Some(minimum) = with.minimum {
            merged.minimum = minimum;
        }
        if let Some(plan) = with.plan {
            merged.plan = plan;
        }
        if let Some(length) = with.session_length {
            merged.session_length = length;
        }
        if let Some(required) = with.agenda_required {
            merged.agenda_required = required;
        }
        set(&mut merged.agenda_days_before, with.agenda_days_before);
        set(&mut merged.record_send_days, with.record_send_days);
        set(&mut merged.record_sign_days, with.record_sign_days);
        set(&mut merged.reheld_working_days, with.reheld_working_days);
        if let Some(cap) = with.max_cases_per_session {
            merged.max_cases_per_session = cap;
        }
        set(&mut merged.qa_interval_months, with.qa_interval_months);
        set(&mut merged.qa_overdue_days, with.qa_overdue_days);
        set(
            &mut merged.agreement_review_months,
            with.agreement_review_months,
        );
        set(&mut merged.dsl_training_years, with.dsl_training_years);
        set(
            &mut merged.due_soon_working_days,
            with.due_soon_working_days,
        );
        for rule in with.reminders.iter().flatten() {
            match merged.reminders.iter_mut().find(|r| r.rule == rule.rule) {
                Some(existing) => *existing = rule.clone(),
                None => merged.reminders.push(rule.clone()),
            }
        }
        merged.validate()?;
        Ok(merged)
    }

    /// Refuses settings no policy could mean, naming the field: a zero or absurdly large
    /// count, or a reminder rule with no day, no recipient or given twice.
    pub fn validate(&self) -> Result<(), DomainError> {
        let counts: [(&'static str, u32, u32); 10] = [
            ("agenda_days_before", self.agenda_days_before, 60),
            ("record_send_days", self.record_send_days, 366),
            ("record_sign_days", self.record_sign_days, 366),
            ("reheld_working_days", self.reheld_working_days, 60),
            ("qa_interval_months", self.qa_interval_months, 24),
            ("qa_overdue_days", self.qa_overdue_days, 366),
            ("agreement_review_months", self.agreement_review_months, 60),
            ("dsl_training_years", self.dsl_training_years, 10),
            ("due_soon_working_days", self.due_soon_working_days, 195),
            ("grant_max_days", self.grant_max_days, 366),
        ];
        for (field, value, max) in counts {
            if value == 0 {
                return Err(DomainError::invalid(field, "must be at least 1"));
            }
            if value > max {
                return Err(DomainError::invalid(
                    field,
                    format!("{value} is more than the most allowed, {max}"),
                ));
            }
        }
        for (index, rule) in self.reminders.iter().enumerate() {
            let name = format!("{:?}", rule.rule);
            if rule.offsets_days.is_empty() {
                return Err(DomainError::invalid(
                    "reminders",
                    format!("{name} has no day"),
                ));
            }
            if rule.offsets_days.iter().any(|offset| offset.abs() > 366) {
                return Err(DomainError::invalid(
                    "reminders",
                    format!("{name} has a day more than a year from its anchor"),
                ));
            }
            if rule.recipients.is_empty() {
                return Err(DomainError::invalid(
                    "reminders",
                    format!("{name} has no recipient"),
                ));
            }
            let deadline = self.deadline_after_anchor(rule.rule);
            let contradicts = |offset: &i32| match rule.rule.side() {
                Side::Before => i64::from(*offset) > deadline,
                Side::After => i64::from(*offset) < deadline,
                Side::Either => false,
            };
            if let Some(offset) = rule.offsets_days.iter().find(|o| contradicts(o)) {
                let (side, instead) = match rule.rule.side() {
                    Side::Before => ("after", "on or before"),
                    _ => ("before", "on or after"),
                };
                return Err(DomainError::invalid(
                    "reminders",
                    format!(
                        "{name} on day {offset} falls {side} the deadline it reminds of; \
                         its days count from that deadline and must fall {instead} it"
                    ),
                ));
            }
            if self
                .reminders
                .iter()
                .skip(index + 1)
                .any(|other| other.rule == rule.rule)
            {
                return Err(DomainError::invalid(
                    "reminders",
                    format!("{name} is given twice"),
                ));
            }
        }
        Ok(())
    }
}

/// An academy's changes to its trust's settings; a missing field keeps the trust's value.
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyOverride {
    /// Replaces the minimum.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>, example = "half_termly"))]
    pub minimum: Option<Minimum>,
    /// Replaces the default plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<SupervisionPlan>,
    /// Replaces the default session length.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = Option<u32>, minimum = 15, maximum = 240))]
    pub session_length: Option<SessionLength>,
    /// Switches agendas on or off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agenda_required: Option<bool>,
    /// Replaces the agenda's days before the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agenda_days_before: Option<u32>,
    /// Replaces the record's sending deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_send_days: Option<u32>,
    /// Replaces the signing deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_sign_days: Option<u32>,
    /// Replaces the re-hold deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reheld_working_days: Option<u32>,
    /// `Some(None)` (JSON `null`) removes the cap; `Some(Some(n))` sets it.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schema(value_type = Option<u32>, minimum = 1, maximum = 50))]
    pub max_cases_per_session: Option<Option<MaxCases>>,
    /// Replaces the QA interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qa_interval_months: Option<u32>,
    /// Replaces the QA overdue allowance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qa_overdue_days: Option<u32>,
    /// Replaces the agreement review interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement_review_months: Option<u32>,
    /// Replaces the DSL training validity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dsl_training_years: Option<u32>,
    /// Replaces the due-soon window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_soon_working_days: Option<u32>,
    /// Replaces the reminder rules of the same kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminders: Option<Vec<ReminderRule>>,
}

// A field that is present, even as null, is Some: that is how an override says "no cap".
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

fn default_reminders() -> Vec<ReminderRule> {
    use Recipient::*;
    use ReminderKind::*;
    let rule = |rule, offsets_days: &[i32], recipients: &[Recipient]| ReminderRule {
        rule,
        offsets_days: offsets_days.to_vec(),
        recipients: recipients.to_vec(),
    };
    vec![
        rule(AgendaDue, &[-2, 0], &[Supervisees]),
        rule(SessionTomorrow, &[-1], &[EveryParty]),
        rule(SessionUnconfirmed, &[1], &[Supervisor]),
        rule(RecordNotSent, &[-4], &[Supervisor]),
        rule(RecordNotSentOverdue, &[1], &[Supervisor, TrustLead]),
        rule(RecordUnsigned, &[-4], &[PartiesYetToSign]),
        rule(RecordUnsignedOverdue, &[0], &[EveryParty]),
        rule(NotReheld, &[1], &[EveryParty, TrustLead]),
        rule(
            SupervisionOverdue,
            &[1],
            &[Supervisor, Supervisees, RegionalLead],
        ),
        rule(ActionDue, &[-3], &[ActionOwner]),
        rule(ActionOverdue, &[1], &[ActionOwner, Supervisor]),
        rule(AgreementReviewDue, &[-30], &[EveryParty]),
        rule(AgreementReviewOverdue, &[1], &[EveryParty]),
        rule(QaDue, &[0], &[DirectorOfEducation]),
        rule(QaOverdue, &[0], &[DirectorOfEducation, TrustLead]),
        rule(TrainingExpiring, &[-60], &[TrainedPerson]),
        rule(TrainingExpired, &[1], &[TrainedPerson, TrustLead]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_esteems_numbers() {
        let p = PolicySettings::default();
        assert_eq!(p, PolicySettings::esteem());
        assert_eq!(p.minimum, Minimum::new(Cadence::HalfTermly));
        assert_eq!(p.session_length.minutes(), 60);
        assert!(p.agenda_required);
        assert_eq!(
            (
                p.agenda_days_before,
                p.record_send_days,
                p.record_sign_days,
                p.reheld_working_days
            ),
            (7, 14, 14, 5)
        );
        assert_eq!(p.max_cases_per_session.map(MaxCases::get), Some(3));
        assert_eq!((p.qa_interval_months, p.qa_overdue_days), (3, 30));
        assert_eq!(
            (
                p.agreement_review_months,
                p.dsl_training_years,
                p.due_soon_working_days
            ),
            (12, 2, 10)
        );
        assert!(p.validate().is_ok());
    }

    #[test]
    fn default_reminders_follow_the_design_table() {
        let p = PolicySettings::default();
        assert_eq!(p.reminders.len(), 17);
        assert_eq!(
            p.reminder(ReminderKind::AgendaDue).unwrap().offsets_days,
            [-2, 0]
        );
        assert_eq!(
            p.reminder(ReminderKind::SupervisionOverdue)
                .unwrap()
                .recipients,
            [
                Recipient::Supervisor,
                Recipient::Supervisees,
                Recipient::RegionalLead
            ]
        );
        assert_eq!(
            p.reminder(ReminderKind::TrainingExpiring)
                .unwrap()
                .offsets_days,
            [-60]
        );
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn each_deadline_counts_from_its_own_day() {
        let p = PolicySettings::esteem();
        assert_eq!(p.agenda_deadline(d(2026, 3, 10)), d(2026, 3, 3));
        assert_eq!(p.record_send_deadline(d(2026, 3, 10)), d(2026, 3, 24));
        assert_eq!(p.record_sign_deadline(d(2026, 3, 24)), d(2026, 4, 7));
        assert_eq!(p.qa_deadline(d(2026, 3, 1)), d(2026, 3, 31));
        let starts = d(2026, 3, 10).and_hms_opt(9, 30, 0).unwrap().and_utc();
        assert_eq!(
            p.agenda_due_at(starts),
            d(2026, 3, 3).and_hms_opt(9, 30, 0).unwrap().and_utc()
        );
    }

    #[test]
    fn the_default_reminders_fall_where_they_fell_when_counted_from_other_days() {
        // Before the reminders counted from the deadlines: agenda 9 and 7 days before the
        // session, record not sent 10 and 15 days after it, unsigned 10 and 14 days after
        // sending, QA overdue 30 days after the due date.
        let p = PolicySettings::esteem();
        let day = |kind, deadline: NaiveDate| {
            p.reminder(kind)
                .unwrap()
                .offsets_days
                .iter()
                .map(|o| deadline + chrono::Duration::days(i64::from(*o)))
                .collect::<Vec<_>>()
        };
        let session = d(2026, 3, 10);
        assert_eq!(
            day(ReminderKind::AgendaDue, p.agenda_deadline(session)),
            [d(2026, 3, 1), d(2026, 3, 3)]
        );
        assert_eq!(
            day(ReminderKind::RecordNotSent, p.record_send_deadline(session)),
            [d(2026, 3, 20)]
        );
        assert_eq!(
            day(
                ReminderKind::RecordNotSentOverdue,
                p.record_send_deadline(session)
            ),
            [d(2026, 3, 25)]
        );
        assert_eq!(
            day(
                ReminderKind::RecordUnsigned,
                p.record_sign_deadline(session)
            ),
            [d(2026, 3, 20)]
        );
        assert_eq!(
            day(
                ReminderKind::RecordUnsignedOverdue,
                p.record_sign_deadline(session)
            ),
            [d(2026, 3, 24)]
        );
        assert_eq!(
            day(ReminderKind::QaOverdue, p.qa_deadline(session)),
            [d(2026, 4, 9)]
        );
    }

    #[test]
    fn a_reminder_on_the_wrong_side_of_its_deadline_is_refused_under_reminders() {
        let refused = |kind, offsets_days: Vec<i32>| {
            let o = PolicyOverride {
                reminders: Some(vec![ReminderRule {
                    rule: kind,
                    offsets_days,
                    recipients: vec![Recipient::Supervisor],
                }]),
                ..PolicyOverride::default()
            };
            PolicySettings::esteem().with_override(&o).err()
        };
        match refused(ReminderKind::RecordUnsignedOverdue, vec![-3]) {
            Some(DomainError::Invalid { field, reason }) => {
                assert_eq!(field, "reminders");
                assert!(
                    reason.contains("RecordUnsignedOverdue on day -3"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(refused(ReminderKind::RecordNotSent, vec![-4, 2]).is_some());
        assert!(refused(ReminderKind::AgendaDue, vec![1]).is_some());
        assert!(refused(ReminderKind::QaOverdue, vec![-1]).is_some());
        assert!(refused(ReminderKind::QaDue, vec![31]).is_some());
        assert!(refused(ReminderKind::QaDue, vec![30]).is_none());
        assert!(refused(ReminderKind::RecordNotSentOverdue, vec![0, 7]).is_none());
        assert!(refused(ReminderKind::SessionUnconfirmed, vec![1]).is_none());
        assert!(refused(ReminderKind::SessionTomorrow, vec![-1]).is_none());
    }

    #[test]
    fn presets_carry_each_schools_cadence() {
        let cc = PolicySettings::captain_cook();
        assert_eq!(cc.plan.cadence.code(), "every_4_weeks");
        assert_eq!(cc.session_length.minutes(), 120);
        assert_eq!(cc.max_cases_per_session, None);
        let op = PolicySettings::old_park();
        assert_eq!(op.minimum.cadence().code(), "every_4_weeks");
        assert!(op.plan.extended_each_half_term && !op.agenda_required);
        assert_eq!(
            PolicySettings::coop_southfield().minimum,
            Minimum::new(Cadence::Termly)
        );
        for p in [
            cc,
            op,
            PolicySettings::coop_southfield(),
            PolicySettings::esteem(),
        ] {
            assert!(p.validate().is_ok());
        }
    }

    #[test]
    fn missing_fields_in_stored_settings_take_the_defaults() {
        let p: PolicySettings = serde_json::from_str(r#"{"record_send_days": 10}"#).unwrap();
        assert_eq!(p.record_send_days, 10);
        assert_eq!(p.agenda_days_before, 7);
        assert_eq!(p.reminders, PolicySettings::default().reminders);
    }

    #[test]
    fn settings_round_trip_through_json() {
        let p = PolicySettings::old_park();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""minimum":"every_4_weeks""#), "{json}");
        assert_eq!(serde_json::from_str::<PolicySettings>(&json).unwrap(), p);
    }

    #[test]
    fn negative_numbers_are_refused_when_read() {
        assert!(serde_json::from_str::<PolicySettings>(r#"{"record_send_days": -1}"#).is_err());
        assert!(serde_json::from_str::<PolicySettings>(r#"{"max_cases_per_session": 0}"#).is_err());
    }

    #[test]
    fn an_override_changes_only_what_it_names() {
        let o: PolicyOverride =
            serde_json::from_str(r#"{"session_length": 120, "agenda_required": false}"#).unwrap();
        let p = PolicySettings::esteem().with_override(&o).unwrap();
        assert_eq!(p.session_length.minutes(), 120);
        assert!(!p.agenda_required);
        assert_eq!(p.max_cases_per_session.map(MaxCases::get), Some(3));
        assert_eq!(p.record_send_days, 14);
    }

    #[test]
    fn an_override_of_null_max_cases_removes_the_cap() {
        let o: PolicyOverride = serde_json::from_str(r#"{"max_cases_per_session": null}"#).unwrap();
        assert_eq!(o.max_cases_per_session, Some(None));
        assert_eq!(
            PolicySettings::esteem()
                .with_override(&o)
                .unwrap()
                .max_cases_per_session,
            None
        );
        let empty: PolicyOverride = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, PolicyOverride::default());
        assert_eq!(
            PolicySettings::esteem().with_override(&empty).unwrap(),
            PolicySettings::esteem()
        );
    }

    #[test]
    fn an_override_replaces_only_the_reminder_rules_it_gives() {
        let o = PolicyOverride {
            reminders: Some(vec![ReminderRule {
                rule: ReminderKind::AgendaDue,
                offsets_days: vec![-14],
                recipients: vec![Recipient::Supervisees],
            }]),
            ..PolicyOverride::default()
        };
        let p = PolicySettings::esteem().with_override(&o).unwrap();
        assert_eq!(p.reminders.len(), 17);
        assert_eq!(
            p.reminder(ReminderKind::AgendaDue).unwrap().offsets_days,
            [-14]
        );
        assert_eq!(
            p.reminder(ReminderKind::SessionTomorrow)
                .unwrap()
                .offsets_days,
            [-1]
        );
    }

    #[test]
    fn an_override_to_zero_days_is_refused_naming_the_field() {
        let o = PolicyOverride {
            record_sign_days: Some(0),
            ..PolicyOverride::default()
        };
        let err = PolicySettings::esteem()
            .with_override(&o)
            .unwrap_err()
            .to_string();
        assert!(err.contains("record_sign_days"), "{err}");
    }

    #[test]
    fn validate_refuses_zero_or_absurd_counts() {
        let p = PolicySettings {
            due_soon_working_days: 0,
            ..PolicySettings::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("due_soon_working_days")
        );
        let p = PolicySettings {
            dsl_training_years: 50,
            ..PolicySettings::default()
        };
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("dsl_training_years")
        );
    }

    #[test]
    fn validate_refuses_reminder_rules_without_days_or_recipients_or_twice() {
        let mut p = PolicySettings::default();
        p.reminders[0].offsets_days.clear();
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("AgendaDue has no day")
        );
        let mut p = PolicySettings::default();
        p.reminders[1].recipients.clear();
        assert!(
            p.validate()
                .unwrap_err()
                .to_string()
                .contains("no recipient")
        );
        let mut p = PolicySettings::default();
        let copy = p.reminders[2].clone();
        p.reminders.push(copy);
        assert!(p.validate().unwrap_err().to_string().contains("twice"));
    }
}
