//! The reminder scan's half in the store (DESIGN §5): one trust's rows turned into the domain's
//! [`ReminderFacts`], judged for a day by [`reminders_due`], and each reminder due that day
//! queued in the outbox under its idempotency key.
//!
//! The outbox's unique `(trust_id, idempotency_key)` is what makes a reminder go once: a scan
//! run twice, on two schedulers at once, or again after a crash half-way inserts only the rows
//! that are not there yet, so nothing is doubled and nothing the first run missed is lost.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::notification::{
    DIGEST_RULE, DeliveryStatus, NotificationPreference, Routing, digest_key, route,
};
use haven_domain::reminders::DueReminder;
use haven_domain::reminders::{
    AcademyContext, ActionFacts, AgreementFacts, HeldSession, MinimumFacts, QaReviewFacts,
    RecordFacts, ReminderFacts, SessionFacts, Signed, Skipped, TrainingFacts, reminders_due,
};
use haven_domain::role::Role;
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TryInsertResult};
use serde_json::json;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::outbox::NewRow;
use crate::scope::Scope;
use crate::snapshot::{Snapshot, held_on, in_force, kind_of, marked_held_on, minimum_of};
use crate::time::london_date;
use crate::tx::WriteTx;
use crate::{Db, StoreError};

/// What one trust's scan of one day did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReminderReport {
    /// Reminders due that day.
    pub due: usize,
    /// Of those, queued by this run (the rest were queued by an earlier one).
    pub queued: usize,
    /// `queued` by rule (as the outbox spells it), for the rules that queued anything.
    pub queued_by_rule: BTreeMap<String, usize>,
    /// Rules that could not be judged for an academy, and why.
    pub skipped: Vec<Skipped>,
}

/// Queues every reminder of the scope's trust due on `day`, once: those already in the outbox
/// are left as they are. Run by the scheduler (a system scope over the whole trust).
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %day))]
pub async fn queue_due(
    db: &Db,
    scope: &Scope,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ReminderReport, StoreError> {
    let read = db.read(scope).await?;
    let snapshot = Snapshot::load(&read).await?;
    read.finish().await?;
    let scan = reminders_due(&facts(&snapshot, scope.trust_id(), day), day);

    let mut tx = db.write(scope, now).await?;
    let mut queued = 0usize;
    let mut queued_by_rule: BTreeMap<String, usize> = BTreeMap::new();
    // Recipients whose digest of the day this run created, and so may still add lines to.
    let mut digests_opened: BTreeSet<Uuid> = BTreeSet::new();
    for reminder in &scan.due {
        let (preference, optional) = snapshot
            .email_choices
            .get(&reminder.recipient)
            .copied()
            .unwrap_or((NotificationPreference::Immediate, true));
        let routing = route(reminder.rule, preference, optional);
        let row = outbox_row(reminder, routing, now);
        if !insert_once(&tx, row).await? {
            continue;
        }
        if routing == Routing::Digest
            && !open_digest(&tx, reminder, now, &mut digests_opened).await?
        {
            send_alone(&tx, reminder, now).await?;
        }
        queued = queued.saturating_add(1);
        let count = queued_by_rule
            .entry(reminder.rule.code().to_owned())
            .or_default();
        *count = count.saturating_add(1);
    }
    if queued > 0 {
        // One entry per scan: the outbox rows name no record content, and a chain entry per
        // reminder would drown the trust's audit log in its own bookkeeping.
        tx.audit(
            AuditEntry::new("queue_reminders", "notification_outbox", None)
                .with_detail(json!({ "day": day, "due": scan.due.len(), "queued": queued })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ReminderReport {
        due: scan.due.len(),
        queued,
        queued_by_rule,
        skipped: scan.skipped,
    })
}

/// The outbox row of one reminder: queued to go alone, a line of the recipient's digest, or
/// kept as suppressed so the lead can see why it was not sent.
fn outbox_row(
    reminder: &DueReminder,
    routing: Routing,
    now: DateTime<Utc>,
) -> e::notification_outbox::ActiveModel {
    let (status, digest) = match routing {
        Routing::Immediate => (DeliveryStatus::Queued, None),
        Routing::Digest => (
            DeliveryStatus::InDigest,
            Some(digest_key(reminder.recipient, reminder.due_on)),
        ),
        Routing::Suppressed => (DeliveryStatus::Suppressed, None),
    };
    let mut row = NewRow {
        trust_id: reminder.trust_id,
        key: reminder.idempotency_key(),
        rule: reminder.rule.code(),
        subject: (reminder.subject.kind(), reminder.subject.id()),
        recipient_id: reminder.recipient,
        due_on: reminder.due_on,
    }
    .model(status, now);
    row.digest_key = Set(digest);
    row
}

/// Inserts `row` unless its key is already in the outbox; whether it was inserted.
async fn insert_once(
    tx: &WriteTx<'_>,
    row: e::notification_outbox::ActiveModel,
) -> Result<bool, StoreError> {
    let inserted = e::notification_outbox::Entity::insert(row)
        .on_conflict_do_nothing_on([
            e::notification_outbox::Column::TrustId,
            e::notification_outbox::Column::IdempotencyKey,
        ])
        .exec(tx.connection())
        .await?;
    Ok(matches!(inserted, TryInsertResult::Inserted(_)))
}

/// Makes sure the recipient's digest of the day is queued, by this run. A digest an earlier
/// run queued may already be on its way, so a line added now could miss it: `false` then, and
/// the reminder goes alone.
async fn open_digest(
    tx: &WriteTx<'_>,
    reminder: &DueReminder,
    now: DateTime<Utc>,
    opened: &mut BTreeSet<Uuid>,
) -> Result<bool, StoreError> {
    if opened.contains(&reminder.recipient) {
        return Ok(true);
    }
    let digest = NewRow {
        trust_id: reminder.trust_id,
        key: digest_key(reminder.recipient, reminder.due_on),
        rule: DIGEST_RULE,
        subject: ("person", reminder.recipient),
        recipient_id: reminder.recipient,
        due_on: reminder.due_on,
    }
    .model(DeliveryStatus::Queued, now);
    let created = insert_once(tx, digest).await?;
    if created {
        opened.insert(reminder.recipient);
    }
    Ok(created)
}

/// Turns a digest line just inserted into a reminder of its own.
async fn send_alone(
    tx: &WriteTx<'_>,
    reminder: &DueReminder,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use e::notification_outbox::Column as C;
    e::notification_outbox::Entity::update_many()
        .col_expr(C::Status, Expr::value(DeliveryStatus::Queued.as_str()))
        .col_expr(C::DigestKey, Expr::value(Option::<String>::None))
        .col_expr(C::NextAttemptAt, Expr::value(now))
        .filter(C::TrustId.eq(reminder.trust_id))
        .filter(C::IdempotencyKey.eq(reminder.idempotency_key()))
        .exec(tx.connection())
        .await?;
    Ok(())
}

/// Holders of `role` on `day`, anywhere in the trust (`region`: only over that region).
fn holders(snapshot: &Snapshot, role: Role, region: Option<Uuid>, day: NaiveDate) -> Vec<Uuid> {
    let mut people: Vec<Uuid> = snapshot
        .roles
        .iter()
        .filter(|a| a.role == role.as_str())
        .filter(|a| a.starts_on <= day && a.ends_on.is_none_or(|end| end >= day))
        .filter(|a| region.is_none() || a.region_id == region)
        .map(|a| a.person_id)
        .collect();
    people.sort();
    people.dedup();
    people
}

/// The trust's rows as the reminder rules read them, each event dated by the day (in England)
/// Haven learnt of it.
fn facts(snapshot: &Snapshot, trust_id: Uuid, day: NaiveDate) -> ReminderFacts {
    let academies = snapshot
        .academies
        .iter()
        .filter_map(|academy| {
            Some(AcademyContext {
                academy_id: academy.id,
                policy: snapshot.policies.get(&academy.id)?.clone(),
                calendar: snapshot.calendars.get(&academy.id).cloned(),
                regional_leads: academy.region_id.map_or_else(Vec::new, |region| {
                    holders(snapshot, Role::RegionalSafeguardingLead, Some(region), day)
                }),
            })
        })
        .collect();
    ReminderFacts {
        trust_id,
        trust_policy: snapshot.trust_policy.clone(),
        trust_leads: holders(snapshot, Role::TrustSafeguardingLead, None, day),
        directors_of_education: holders(snapshot, Role::DirectorOfEducation, None, day),
        academies,
        sessions: sessions(snapshot),
        records: records(snapshot),
        supervisees: minimums(snapshot, day),
        actions: actions(snapshot),
        agreements: agreements(snapshot),
        qa_reviews: qa_reviews(snapshot),
        trainings: snapshot
            .training
            .iter()
            .map(|t| TrainingFacts {
                id: t.id,
                person: t.person_id,
                kind: t.kind.clone(),
                completed_on: t.completed_on,
                expires_on: t.expires_on,
                recorded_on: london_date(t.created_at),
            })
            .collect(),
    }
}

/// A session's expected parties: its attendee rows, or the agreement's supervisees.
fn parties(snapshot: &Snapshot, session: &e::supervision_session::Model) -> Vec<Uuid> {
    let mut people: Vec<Uuid> = snapshot
        .attendees
        .range((session.id, Uuid::nil())..=(session.id, Uuid::max()))
        .map(|((_, person), _)| *person)
        .collect();
    if people.is_empty() {
        people = snapshot.supervisees_of(session.agreement_id);
    }
    people
}

fn sessions(snapshot: &Snapshot) -> Vec<SessionFacts> {
    snapshot
        .sessions
        .iter()
        .filter_map(|session| {
            let agreement = snapshot.agreement(session.agreement_id)?;
            Some(SessionFacts {
                id: session.id,
                academy_id: session.academy_id,
                date: london_date(session.starts_at),
                booked_on: london_date(session.created_at),
                kind: kind_of(session),
                supervisor: agreement.supervisor_id,
                supervisees: parties(snapshot, session),
                agenda_required: agreement.agenda_required,
                agenda_sent_on: snapshot
                    .agendas
                    .get(&session.id)
                    .and_then(|a| a.submitted_at)
                    .map(london_date),
                marked_held_on: marked_held_on(session),
                cancelled_on: session
                    .cancelled_at
                    .filter(|_| session.status == "cancelled")
                    .map(london_date),
                rebooking_of: session.rebooking_of_id,
                record_sent_on: snapshot
                    .records
                    .get(&session.id)
                    .and_then(|r| r.sent_at)
                    .map(london_date),
            })
        })
        .collect()
}

fn records(snapshot: &Snapshot) -> Vec<RecordFacts> {
    let mut signed: BTreeMap<Uuid, Vec<Signed>> = BTreeMap::new();
    for signature in snapshot.signatures.values().flatten() {
        signed.entry(signature.record_id).or_default().push(Signed {
            person: signature.person_id,
            on: london_date(signature.signed_at),
        });
    }
    snapshot
        .sessions
        .iter()
        .filter_map(|session| {
            let record = snapshot.records.get(&session.id)?;
            let agreement = snapshot.agreement(session.agreement_id)?;
            let known_on = london_date(record.sent_at?);
            Some(RecordFacts {
                id: record.id,
                academy_id: record.academy_id,
                sent_on: crate::record::sent_day(record.sent_on, record.sent_at)
                    .unwrap_or(known_on),
                known_on,
                kind: kind_of(session),
                supervisor: agreement.supervisor_id,
                supervisees: parties(snapshot, session)
                    .into_iter()
                    .filter(|person| snapshot.took_part(session, *person, agreement))
                    .collect(),
                signed: signed.get(&record.id).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

/// One entry per supervisee of each agreement in force the day before the scan (the scan sees
/// what was known before its day), with the counting sessions of the whole lineage.
fn minimums(snapshot: &Snapshot, day: NaiveDate) -> Vec<MinimumFacts> {
    let known_day = day.pred_opt().unwrap_or(day);
    let mut entries = Vec::new();
    for agreement in snapshot
        .agreements
        .iter()
        .filter(|a| in_force(a, known_day))
    {
        let lineage = snapshot.lineage(agreement);
        let Some(since) = snapshot.supervised_since(&lineage) else {
            continue;
        };
        let minimum = minimum_of(agreement, snapshot.policies.get(&agreement.academy_id));
        for person in snapshot.supervisees_of(agreement.id) {
            let held = snapshot
                .sessions_of(&lineage)
                .filter(|s| kind_of(s).counts_towards_minimum())
                .filter(|s| snapshot.took_part(s, person, agreement))
                .filter_map(|s| {
                    Some(HeldSession {
                        date: held_on(s),
                        marked_held_on: marked_held_on(s)?,
                    })
                })
                .collect();
            entries.push(MinimumFacts {
                supervisee: person,
                academy_id: agreement.academy_id,
                minimum,
                supervisors: vec![agreement.supervisor_id],
                supervised_since: since,
                held,
            });
        }
    }
    entries
}

fn actions(snapshot: &Snapshot) -> Vec<ActionFacts> {
    let sessions: BTreeMap<Uuid, &e::supervision_session::Model> =
        snapshot.sessions.iter().map(|s| (s.id, s)).collect();
    snapshot
        .actions
        .iter()
        .filter_map(|action| {
            let session = sessions.get(&action.session_id)?;
            let agreement = snapshot.agreement(session.agreement_id)?;
            let closed_on = match action.status.as_str() {
                "open" => None,
                // Known as done from the day it was entered so, whatever day it was done.
                "done" => action
                    .completed_at
                    .map(london_date)
                    .or(action.completed_on)
                    .or(Some(london_date(action.updated_at))),
                _ => Some(london_date(action.updated_at)),
            };
            Some(ActionFacts {
                id: action.id,
                academy_id: action.academy_id,
                owner: action.owner_id,
                supervisor: agreement.supervisor_id,
                supervisees: snapshot.supervisees_of(agreement.id),
                due_on: action.due_on,
                created_on: london_date(action.created_at),
                closed_on,
            })
        })
        .collect()
}

fn agreements(snapshot: &Snapshot) -> Vec<AgreementFacts> {
    snapshot
        .agreements
        .iter()
        .filter_map(|agreement| {
            Some(AgreementFacts {
                id: agreement.id,
                academy_id: agreement.academy_id,
                supervisor: agreement.supervisor_id,
                supervisees: snapshot.supervisees_of(agreement.id),
                activated_on: agreement.activated_on?,
                review_on: agreement.review_due_on?,
                ended_on: agreement.ended_on,
            })
        })
        .collect()
}

fn qa_reviews(snapshot: &Snapshot) -> Vec<QaReviewFacts> {
    snapshot
        .qa_reviews
        .iter()
        .filter_map(|review| {
            let lineage = snapshot.agreement(review.agreement_lineage_id)?;
            Some(QaReviewFacts {
                id: review.id,
                academy_id: review.academy_id,
                due_on: review.due_on,
                known_since: snapshot.supervised_since(&snapshot.lineage(lineage))?,
                completed_on: review.completed_at.map(london_date),
                reviewer: review.reviewer_id,
            })
        })
        .collect()
}
