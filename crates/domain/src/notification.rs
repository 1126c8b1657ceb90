//! What Haven's email says and the rules of its delivery, with no I/O.
//!
//! An [`Email`] is everything a template may show: staff names, dates, an academy's name and a
//! link. It has no field for a child, a case reference or any part of a record, so no template
//! can leak one: the notifier renders only this.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ReminderKind, Subject, reminders::rule_code};

/// The outbox `rule` of a calendar invite (booking, move or cancellation of a session).
pub const SESSION_INVITE_RULE: &str = "session_invite";
/// The outbox `rule` of the notice to the person an escalation is assigned to (mandatory).
pub const ESCALATION_RULE: &str = "escalation_assigned";
/// The outbox `rule` of a daily digest, which carries the day's reminders of one person.
pub const DIGEST_RULE: &str = "digest";

/// Every reminder rule, in the order of DESIGN §5's table.
pub const ALL_REMINDERS: [ReminderKind; 17] = [
    ReminderKind::AgendaDue,
    ReminderKind::SessionTomorrow,
    ReminderKind::SessionUnconfirmed,
    ReminderKind::RecordNotSent,
    ReminderKind::RecordNotSentOverdue,
    ReminderKind::RecordUnsigned,
    ReminderKind::RecordUnsignedOverdue,
    ReminderKind::NotReheld,
    ReminderKind::SupervisionOverdue,
    ReminderKind::ActionDue,
    ReminderKind::ActionOverdue,
    ReminderKind::AgreementReviewDue,
    ReminderKind::AgreementReviewOverdue,
    ReminderKind::QaDue,
    ReminderKind::QaOverdue,
    ReminderKind::TrainingExpiring,
    ReminderKind::TrainingExpired,
];

impl ReminderKind {
    /// The rule's snake_case name, as the outbox and the policy's JSON spell it.
    pub fn code(self) -> &'static str {
        rule_code(self)
    }

    /// The rule named `code`, if there is one.
    pub fn from_code(code: &str) -> Option<Self> {
        ALL_REMINDERS.into_iter().find(|kind| kind.code() == code)
    }

    /// What the reminder is about, in words for a settings page.
    pub fn label(self) -> &'static str {
        match self {
            Self::AgendaDue => "Your agenda is due before a session",
            Self::SessionTomorrow => "A session is tomorrow",
            Self::SessionUnconfirmed => "A session has not been marked as held",
            Self::RecordNotSent => "A session's record has not been sent",
            Self::RecordNotSentOverdue => "A session's record is overdue",
            Self::RecordUnsigned => "A record is waiting for your signature",
            Self::RecordUnsignedOverdue => "A record's signatures are overdue",
            Self::NotReheld => "A cancelled session has not been held again",
            Self::SupervisionOverdue => "Supervision is overdue",
            Self::ActionDue => "An action is due soon",
            Self::ActionOverdue => "An action is overdue",
            Self::AgreementReviewDue => "A supervision agreement is due for review",
            Self::AgreementReviewOverdue => "A supervision agreement is past its review date",
            Self::QaDue => "A quality assurance review is due",
            Self::QaOverdue => "A quality assurance review is overdue",
            Self::TrainingExpiring => "Safeguarding training expires soon",
            Self::TrainingExpired => "Safeguarding training has expired",
        }
    }

    /// Whether the reminder says something has already been missed. Those cannot be switched
    /// off: a breached minimum, an unheld rebooking, an overdue record, action, review, QA or
    /// expired training is exactly what must reach a person however they set their email.
    pub fn is_mandatory(self) -> bool {
        matches!(
            self,
            Self::RecordNotSentOverdue
                | Self::RecordUnsignedOverdue
                | Self::NotReheld
                | Self::SupervisionOverdue
                | Self::ActionOverdue
                | Self::AgreementReviewOverdue
                | Self::QaOverdue
                | Self::TrainingExpired
        )
    }
}

/// How a person takes their reminders.
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationPreference {
    /// One email per reminder, as the daily scan finds it.
    Immediate,
    /// One email a day holding that day's reminders.
    Digest,
}

impl NotificationPreference {
    /// `immediate` or `digest`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Immediate => "immediate",
            Self::Digest => "digest",
        }
    }

    /// The preference stored as `value`; anything else reads as immediate, which loses nothing.
    pub fn parse(value: &str) -> Self {
        if value == "digest" {
            Self::Digest
        } else {
            Self::Immediate
        }
    }
}

/// How one reminder reaches its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// An email of its own.
    Immediate,
    /// A line in the recipient's digest of the day.
    Digest,
    /// Not sent: the recipient switched off the reminders that may be switched off.
    Suppressed,
}

/// How a reminder of `kind` reaches a person who chose `preference` and, with
/// `optional_reminders`, whether to receive the reminders that are not mandatory.
pub fn route(
    kind: ReminderKind,
    preference: NotificationPreference,
    optional_reminders: bool,
) -> Routing {
    if !optional_reminders && !kind.is_mandatory() {
        Routing::Suppressed
    } else if preference == NotificationPreference::Digest {
        Routing::Digest
    } else {
        Routing::Immediate
    }
}

/// The idempotency key of a person's digest of `day`: one per person per day.
pub fn digest_key(recipient: Uuid, day: NaiveDate) -> String {
    format!("{DIGEST_RULE}:{recipient}:{}", day.format("%Y-%m-%d"))
}

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting to be sent, now or at `next_attempt_at` after a transient failure.
    Queued,
    /// Claimed by a notifier, which is talking to the SMTP server.
    Sending,
    /// Accepted by the SMTP server, whose answer and the message id are kept.
    Sent,
    /// Refused for good (a permanent SMTP answer other than a refused address), or given up
    /// after the last retry; the reason is kept.
    Failed,
    /// The SMTP server refused the recipient's address.
    Bounced,
    /// Not sent: the person switched this kind of reminder off.
    Suppressed,
    /// Sent as part of the person's daily digest (the row's `digest_key`).
    InDigest,
    /// A calendar invite not sent because a later invite of the same session to the same
    /// person was queued before it went; the later one carries the whole event.
    Superseded,
}

impl DeliveryStatus {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Bounced => "bounced",
            Self::Suppressed => "suppressed",
            Self::InDigest => "in_digest",
            Self::Superseded => "superseded",
        }
    }

    /// The status stored as `value`.
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Sending,
            Self::Sent,
            Self::Failed,
            Self::Bounced,
            Self::Suppressed,
            Self::InDigest,
            Self::Superseded,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
    }
}

/// An invite of one session to one person that is not yet settled (queued or sending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingInvite {
    /// Its outbox row.
    pub id: Uuid,
    /// The session's `ical_sequence` it was made at.
    pub sequence: i32,
    /// Whether a notifier is sending it now.
    pub sending: bool,
}

/// What to do with one session's pending invites to one person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InviteOrder {
    /// Queued invites a later one replaces, each with the later one's sequence: never sent.
    pub superseded: Vec<(Uuid, i32)>,
    /// Invites that must wait: an earlier one is still being sent.
    pub held: Vec<Uuid>,
}

/// One session's invites reach a person one at a time, in SEQUENCE order, and only the latest
/// of those not yet sent goes: a calendar that got a CANCEL before the REQUEST it cancels, or a
/// move before the booking, would show the wrong event. Every queued invite below the highest
/// sequence is superseded; the highest waits while a lower one is being sent.
pub fn order_invites(pending: &[PendingInvite]) -> InviteOrder {
    let Some(latest) = pending.iter().max_by_key(|invite| invite.sequence) else {
        return InviteOrder::default();
    };
    let earlier = || pending.iter().filter(|invite| invite.id != latest.id);
    InviteOrder {
        superseded: earlier()
            .filter(|invite| !invite.sending)
            .map(|invite| (invite.id, latest.sequence))
            .collect(),
        held: if earlier().any(|invite| invite.sending) {
            vec![latest.id]
        } else {
            Vec::new()
        },
    }
}

/// How long to wait before the next try after `attempts` failed ones: `base` doubled per
/// attempt, never more than `cap`.
pub fn retry_delay(attempts: u32, base: Duration, cap: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).min(32);
    base.saturating_mul(2_u32.saturating_pow(doublings))
        .min(cap)
}

/// The path of the page in Haven that shows a reminder's subject, from the site's root.
pub fn page_path(subject: Subject) -> String {
    match subject {
        Subject::Session(id) => format!("/sessions/{id}"),
        Subject::Record(id) => format!("/records/{id}"),
        Subject::Supervisee(id) => format!("/people/{id}/supervision"),
        Subject::Action(id) => format!("/actions/{id}"),
        Subject::Agreement(id) => format!("/agreements/{id}"),
        Subject::QaReview(id) => format!("/qa-reviews/{id}"),
        Subject::Training(id) => format!("/training/{id}"),
    }
}

/// The path of the page where a person sets how they receive email.
pub const SETTINGS_PATH: &str = "/settings/notifications";

/// One email, as a template sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Email {
    /// Who it is to.
    pub recipient: Addressee,
    /// The trust it is from.
    pub trust: Branding,
    /// What it says.
    pub content: Content,
}

/// A member of staff with an email address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressee {
    /// Their display name.
    pub name: String,
    /// Their address.
    pub email: String,
}

/// The trust an email comes from, as it shows in the email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Branding {
    /// The trust's name.
    pub name: String,
    /// Its colour, `#rrggbb`.
    pub colour: String,
}

/// What an email says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    /// One reminder.
    Reminder(ReminderNotice),
    /// A day's reminders in one email.
    Digest(Digest),
    /// A session booked, moved or cancelled.
    Invite(Invite),
    /// An escalation assigned to the recipient.
    Escalation(EscalationNotice),
}

/// An escalation, as the email to its assignee tells it: who raised it, where and when; never
/// the reason, which may name a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationNotice {
    /// The escalation's id.
    pub id: Uuid,
    /// Its page, from the site's root.
    pub path: String,
    /// The academy it concerns.
    pub academy: String,
    /// Who raised it, by name.
    pub raised_by: String,
    /// The day it was raised (Europe/London).
    pub raised_on: NaiveDate,
}

/// A reminder, as an email tells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReminderNotice {
    /// The rule that fired.
    pub rule: ReminderKind,
    /// The day it fired.
    pub due_on: NaiveDate,
    /// Whether the person may switch it off (emails of those say how).
    pub mandatory: bool,
    /// What it is about.
    pub about: About,
}

/// The subject of a reminder, in staff names and dates only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct About {
    /// `session`, `record`, `supervisee`, `action`, `agreement`, `qa_review` or `training`.
    pub kind: String,
    /// The subject's id.
    pub id: Uuid,
    /// The page that shows it, from the site's root ([`page_path`]).
    pub path: String,
    /// The date that matters: the session's day, the action's due date, the review, QA or
    /// training's due or expiry date, the minimum's due date.
    pub date: Option<NaiveDate>,
    /// For a session, when it starts, Europe/London wall-clock time.
    pub starts_at: Option<NaiveDateTime>,
    /// The staff concerned, by name: the supervisor first, then the supervisees.
    pub people: Vec<String>,
    /// The academy, where the subject belongs to one.
    pub academy: Option<String>,
}

/// A day's reminders for one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Digest {
    /// The day of the scan that found them.
    pub day: NaiveDate,
    /// The reminders, in rule order.
    pub reminders: Vec<ReminderNotice>,
}

/// Whether an invite books (or moves) a session or cancels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InviteMethod {
    /// `METHOD:REQUEST`: booked, or moved (a higher SEQUENCE).
    Request,
    /// `METHOD:CANCEL`.
    Cancel,
}

/// A calendar invite for a session, fixed when the booking, move or cancellation was made
/// (the outbox row's `payload`), so each one says what was true when it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// Booking or move, or cancellation.
    pub method: InviteMethod,
    /// The session: the invite's UID is derived from it and never changes.
    pub session_id: Uuid,
    /// The session's `ical_sequence` after the change.
    pub sequence: i32,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// How long it lasts.
    pub duration_minutes: i32,
    /// `formal`, `group`, `extended` or `ad_hoc`.
    pub session_kind: String,
    /// `in_person`, `video` or `phone`.
    pub mode: String,
    /// Where, as the supervisor wrote it.
    pub location: Option<String>,
    /// The academy's name.
    pub academy: String,
    /// The supervisor, who organises it.
    pub supervisor: Addressee,
    /// The supervisees.
    pub supervisees: Vec<Addressee>,
}

impl Invite {
    /// The iCalendar UID: the same for every invite of the session, so a calendar replaces
    /// or removes the one event.
    pub fn uid(&self) -> String {
        format!("session-{}@haven", self.session_id)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{ALL_REMINDERS, DeliveryStatus, ReminderKind, retry_delay};

    #[test]
    fn every_rule_round_trips_through_its_code() {
        for kind in ALL_REMINDERS {
            assert_eq!(ReminderKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(ReminderKind::from_code("digest"), None);
    }

    #[test]
    fn only_reminders_of_something_missed_are_mandatory() {
        assert!(ReminderKind::SupervisionOverdue.is_mandatory());
        assert!(ReminderKind::NotReheld.is_mandatory());
        assert!(!ReminderKind::SessionTomorrow.is_mandatory());
        assert!(!ReminderKind::AgendaDue.is_mandatory());
        assert_eq!(ALL_REMINDERS.iter().filter(|k| k.is_mandatory()).count(), 8);
    }

    #[test]
    fn only_the_latest_unsent_invite_goes_and_it_waits_for_one_being_sent() {
        use super::{InviteOrder, PendingInvite, order_invites};
        let id = |n: u128| uuid::Uuid::from_u128(n);
        let invite = |n, sequence, sending| PendingInvite {
            id: id(n),
            sequence,
            sending,
        };
        assert_eq!(order_invites(&[]), InviteOrder::default());
        assert_eq!(
            order_invites(&[invite(1, 0, false)]),
            InviteOrder::default()
        );
        // Booked, moved and cancelled before any went: only the CANCEL goes.
        let order = order_invites(&[
            invite(3, 2, false),
            invite(1, 0, false),
            invite(2, 1, false),
        ]);
        assert_eq!(order.superseded, [(id(1), 2), (id(2), 2)]);
        assert!(order.held.is_empty());
        // The booking is on its way: the move waits for it.
        let order = order_invites(&[invite(1, 0, true), invite(2, 1, false)]);
        assert!(order.superseded.is_empty());
        assert_eq!(order.held, [id(2)]);
        // The move is on its way and the booking was put back after a failure: it is dropped.
        let order = order_invites(&[invite(1, 0, false), invite(2, 1, true)]);
        assert_eq!(order.superseded, [(id(1), 1)]);
        assert!(order.held.is_empty());
    }

    #[test]
    fn retries_double_from_the_base_up_to_the_cap() {
        let base = Duration::from_secs(30);
        let cap = Duration::from_secs(3600);
        assert_eq!(retry_delay(1, base, cap), Duration::from_secs(30));
        assert_eq!(retry_delay(2, base, cap), Duration::from_secs(60));
        assert_eq!(retry_delay(4, base, cap), Duration::from_secs(240));
        assert_eq!(retry_delay(8, base, cap), cap);
        assert_eq!(retry_delay(u32::MAX, base, cap), cap);
    }

    #[test]
    fn switched_off_reminders_are_suppressed_but_mandatory_ones_still_go() {
        use super::{NotificationPreference::*, Routing, route};
        assert_eq!(
            route(ReminderKind::SessionTomorrow, Immediate, true),
            Routing::Immediate
        );
        assert_eq!(
            route(ReminderKind::SessionTomorrow, Digest, true),
            Routing::Digest
        );
        assert_eq!(
            route(ReminderKind::SessionTomorrow, Immediate, false),
            Routing::Suppressed
        );
        assert_eq!(
            route(ReminderKind::SessionTomorrow, Digest, false),
            Routing::Suppressed
        );
        assert_eq!(
            route(ReminderKind::SupervisionOverdue, Immediate, false),
            Routing::Immediate
        );
        assert_eq!(
            route(ReminderKind::SupervisionOverdue, Digest, false),
            Routing::Digest
        );
    }

    #[test]
    fn statuses_round_trip() {
        for status in [
            "queued",
            "sending",
            "sent",
            "failed",
            "bounced",
            "suppressed",
            "in_digest",
            "superseded",
        ] {
            assert_eq!(
                DeliveryStatus::parse(status).map(DeliveryStatus::as_str),
                Some(status)
            );
        }
    }
}
