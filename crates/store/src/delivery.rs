//! Delivery per person, for the trust's leads: what the outbox holds for each person, how much
//! of it went, what failed and why, and whether their address bounced.
//!
//! It shows staff names and addresses, the rule, dates and the SMTP server's answers: an outbox
//! row holds nothing of a child or a record. Trust safeguarding leads see it; directors of
//! education and auditors read it too, as they read the daily scan's runs. An API token's
//! `read_figures` does not reach it: these are people, not figures.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::notification::DeliveryStatus;
use haven_domain::role::Role;
use haven_entity as e;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::scope::{Actor, Scope};
use crate::{Db, StoreError};

/// Messages listed per person a page: failures first, then newest first.
pub const RECENT_PER_PERSON: usize = 20;

const READERS: [Role; 3] = [
    Role::TrustSafeguardingLead,
    Role::DirectorOfEducation,
    Role::Auditor,
];

/// Which deliveries to show.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeliveryFilter {
    /// Only messages in this state (and only the people who have one).
    pub status: Option<DeliveryStatus>,
    /// Only this person.
    pub person: Option<Uuid>,
    /// Which page of each person's messages, from 1 (0 reads as 1).
    pub page: u32,
}

/// Messages of one person by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusCounts {
    pub queued: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
    pub bounced: u64,
    pub suppressed: u64,
    pub in_digest: u64,
    pub superseded: u64,
}

impl StatusCounts {
    fn add(&mut self, status: &str) {
        let slot = match DeliveryStatus::parse(status) {
            Some(DeliveryStatus::Queued) => &mut self.queued,
            Some(DeliveryStatus::Sending) => &mut self.sending,
            Some(DeliveryStatus::Sent) => &mut self.sent,
            Some(DeliveryStatus::Failed) => &mut self.failed,
            Some(DeliveryStatus::Bounced) => &mut self.bounced,
            Some(DeliveryStatus::Suppressed) => &mut self.suppressed,
            Some(DeliveryStatus::InDigest) => &mut self.in_digest,
            Some(DeliveryStatus::Superseded) => &mut self.superseded,
            None => return,
        };
        *slot = slot.saturating_add(1);
    }
}

/// One message to a person, as the outbox recorded it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub rule: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub smtp_response: Option<String>,
    pub message_id: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_to: Option<String>,
}

/// One person's deliveries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonDeliveries {
    pub person_id: Uuid,
    pub name: String,
    pub email: String,
    pub counts: StatusCounts,
    /// When a message to them was last accepted by the SMTP server.
    pub last_sent_at: Option<DateTime<Utc>>,
    /// Their address was refused after the last message that went.
    pub bounced: bool,
    /// A page of their messages (of the status asked for): failed and bounced ones first, so
    /// a failure never hides behind newer messages, then newest first.
    pub messages: Vec<Message>,
    /// Whether they have more messages than this page shows.
    pub more: bool,
}

fn require_reader(scope: &Scope) -> Result<(), StoreError> {
    let allowed = matches!(scope.actor(), Actor::Person { .. })
        && scope.capabilities().is_none()
        && scope
            .roles()
            .iter()
            .any(|held| READERS.contains(&held.role));
    if allowed {
        Ok(())
    } else {
        Err(StoreError::NotPermitted {
            action: "read the trust's email deliveries",
        })
    }
}

/// When a row was last tried: sent, or else claimed for sending, or else queued.
fn tried_at(
    sent_at: Option<DateTime<Utc>>,
    sending_at: Option<DateTime<Utc>>,
    queued_at: DateTime<Utc>,
) -> DateTime<Utc> {
    sent_at.or(sending_at).unwrap_or(queued_at)
}

/// Each person of the trust with any message, their counts, bounce and newest messages:
/// bounced addresses first, then people with failures, then by name.
pub async fn per_person(
    db: &Db,
    scope: &Scope,
    filter: DeliveryFilter,
) -> Result<Vec<PersonDeliveries>, StoreError> {
    require_reader(scope)?;
    use e::notification_outbox::Column as C;
    let read = db.read(scope).await?;
    let conn = read.connection();
    let mut summary = e::notification_outbox::Entity::find()
        .select_only()
        .columns([
            C::RecipientId,
            C::Status,
            C::SentAt,
            C::SendingAt,
            C::QueuedAt,
        ])
        .filter(C::TrustId.eq(scope.trust_id()));
    if let Some(person) = filter.person {
        summary = summary.filter(C::RecipientId.eq(person));
    }
    type Row = (
        Uuid,
        String,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    );
    let summary: Vec<Row> = summary.into_tuple().all(conn).await?;

    let mut messages = e::notification_outbox::Entity::find()
        .filter(C::TrustId.eq(scope.trust_id()))
        .order_by_desc(C::QueuedAt)
        .order_by_desc(C::Id);
    if let Some(person) = filter.person {
        messages = messages.filter(C::RecipientId.eq(person));
    }
    if let Some(status) = filter.status {
        messages = messages.filter(C::Status.eq(status.as_str()));
    }
    let messages = messages.all(conn).await?;
    let people: BTreeMap<Uuid, e::person::Model> = e::person::Entity::find()
        .filter(e::person::Column::TrustId.eq(scope.trust_id()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    read.finish().await?;

    #[derive(Default)]
    struct Tally {
        counts: StatusCounts,
        last_sent: Option<DateTime<Utc>>,
        last_bounce: Option<DateTime<Utc>>,
        messages: Vec<Message>,
        more: bool,
    }
    let page = usize::try_from(filter.page.max(1)).unwrap_or(1);
    let skip = (page - 1).saturating_mul(RECENT_PER_PERSON);
    let mut messages = messages;
    // Stable: within failures and within the rest, the query's newest-first order stays.
    messages.sort_by_key(|row| {
        !matches!(
            DeliveryStatus::parse(&row.status),
            Some(DeliveryStatus::Failed | DeliveryStatus::Bounced)
        )
    });
    let mut seen: BTreeMap<Uuid, usize> = BTreeMap::new();
    let mut tallies: BTreeMap<Uuid, Tally> = BTreeMap::new();
    for (recipient, status, sent_at, sending_at, queued_at) in summary {
        let tally = tallies.entry(recipient).or_default();
        tally.counts.add(&status);
        match DeliveryStatus::parse(&status) {
            Some(DeliveryStatus::Sent) => {
                let at = tried_at(sent_at, sending_at, queued_at);
                tally.last_sent = tally.last_sent.max(Some(at));
            }
            Some(DeliveryStatus::Bounced) => {
                let at = tried_at(sent_at, sending_at, queued_at);
                tally.last_bounce = tally.last_bounce.max(Some(at));
            }
            _ => {}
        }
    }
    for row in messages {
        let Some(tally) = tallies.get_mut(&row.recipient_id) else {
            continue;
        };
        let position = seen.entry(row.recipient_id).or_default();
        *position += 1;
        if *position <= skip {
            continue;
        }
        if tally.messages.len() == RECENT_PER_PERSON {
            tally.more = true;
        } else {
            tally.messages.push(Message {
                id: row.id,
                rule: row.rule,
                due_on: row.due_on,
                status: row.status,
                attempts: row.attempts,
                last_error: row.last_error,
                smtp_response: row.smtp_response,
                message_id: row.message_id,
                queued_at: row.queued_at,
                sent_at: row.sent_at,
                delivered_to: row.delivered_to,
            });
        }
    }
    let mut result: Vec<PersonDeliveries> = tallies
        .into_iter()
        .filter(|(_, tally)| (filter.status.is_none() && page == 1) || !tally.messages.is_empty())
        .filter_map(|(person_id, tally)| {
            let person = people.get(&person_id)?;
            Some(PersonDeliveries {
                person_id,
                name: person.display_name.clone(),
                email: person.email.clone(),
                counts: tally.counts,
                last_sent_at: tally.last_sent,
                bounced: tally
                    .last_bounce
                    .is_some_and(|bounce| tally.last_sent.is_none_or(|sent| bounce > sent)),
                messages: tally.messages,
                more: tally.more,
            })
        })
        .collect();
    result.sort_by(|a, b| {
        (!a.bounced, a.counts.failed == 0, &a.name, a.person_id).cmp(&(
            !b.bounced,
            b.counts.failed == 0,
            &b.name,
            b.person_id,
        ))
    });
    Ok(result)
}
