//! The notifier's half of the outbox (DESIGN §5): the table is the truth of every message.
//!
//! A row moves `queued` → `sending` → `sent`, `failed` or `bounced`, or back to `queued` with a
//! later `next_attempt_at` after a transient failure. The notifier leases the rows that are due
//! ([`lease_due`]), claims one before it talks to the relay ([`claim`]) and records the relay's
//! answer in one small update ([`record_sent`] and the others). A row left `sending` by a
//! notifier that stopped mid-send is queued again ([`recover_interrupted`]) and sent with the
//! same `Message-ID`.
//!
//! [`message`] loads what an email says, and only that: staff names, dates, an academy's name
//! and a link. It never reads a case note, a record's content, an escalation's reason or
//! anything about a child: of sessions, records, actions, agreements, QA reviews, training and
//! escalations it selects only the columns it shows, named one by one.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};
use chrono_tz::Europe::London;
use haven_domain::notification::{
    ALL_REMINDERS, About, Addressee, Branding, Content, DIGEST_RULE, DeliveryStatus, Digest,
    ESCALATION_RULE, Email, EscalationNotice, Invite, PendingInvite, ReminderNotice,
    SESSION_INVITE_RULE, order_invites, page_path,
};
use haven_domain::{ReminderKind, Subject};
use haven_entity as e;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseBackend, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::scope::Scope;
use crate::tenant::scoped;
use crate::time::london_date;
use crate::{Db, StoreError};

use e::notification_outbox::Column as C;

/// One outbox row.
pub type Row = e::notification_outbox::Model;

/// What a new outbox row is: the scan's reminders and digests, a session's invites and an
/// escalation's notice are all made from one.
pub(crate) struct NewRow<'a> {
    pub(crate) trust_id: Uuid,
    /// Unique within the trust: a second insert of the same key is a no-op.
    pub(crate) key: String,
    pub(crate) rule: &'a str,
    /// The subject's kind and id.
    pub(crate) subject: (&'a str, Uuid),
    pub(crate) recipient_id: Uuid,
    pub(crate) due_on: NaiveDate,
}

impl NewRow<'_> {
    /// The row, written `now` with `status`; a queued row is due at once.
    pub(crate) fn model(
        self,
        status: DeliveryStatus,
        now: DateTime<Utc>,
    ) -> e::notification_outbox::ActiveModel {
        use sea_orm::ActiveValue::Set;
        e::notification_outbox::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(self.trust_id),
            idempotency_key: Set(self.key),
            rule: Set(self.rule.to_owned()),
            subject_kind: Set(self.subject.0.to_owned()),
            subject_id: Set(self.subject.1),
            due_on: Set(self.due_on),
            recipient_id: Set(self.recipient_id),
            status: Set(status.as_str().to_owned()),
            attempts: Set(0),
            last_error: Set(None),
            smtp_response: Set(None),
            message_id: Set(None),
            queued_at: Set(now),
            sent_at: Set(None),
            next_attempt_at: Set((status == DeliveryStatus::Queued).then_some(now)),
            payload: Set(None),
            digest_key: Set(None),
            sending_at: Set(None),
            delivered_to: Set(None),
        }
    }
}

/// Every trust's id, for the notifier's rounds (each trust is then worked in its own scope).
pub async fn trust_ids(db: &Db) -> Result<Vec<Uuid>, StoreError> {
    Ok(crate::trust::all(db)
        .await?
        .into_iter()
        .map(|trust| trust.id)
        .collect())
}

/// Whether the scope's outbox has work for the dispatcher: a row due, or one left `sending`
/// for longer than `timeout`. A read, so an idle round takes no write lock.
pub async fn has_work(
    db: &Db,
    scope: &Scope,
    now: DateTime<Utc>,
    timeout: Duration,
) -> Result<bool, StoreError> {
    let read = db.read(scope).await?;
    let found: Option<Uuid> = scoped::<e::notification_outbox::Entity>(scope)
        .select_only()
        .column(C::Id)
        .filter(
            Condition::any().add(due(now)).add(
                Condition::all()
                    .add(C::Status.eq(DeliveryStatus::Sending.as_str()))
                    .add(C::SendingAt.lt(before(now, timeout))),
            ),
        )
        .limit(1)
        .into_tuple()
        .one(read.connection())
        .await?;
    read.finish().await?;
    Ok(found.is_some())
}

/// Rows waiting to be sent whose time has come.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(C::Status.eq(DeliveryStatus::Queued.as_str()))
        .add(
            Condition::any()
                .add(C::NextAttemptAt.is_null())
                .add(C::NextAttemptAt.lte(now)),
        )
}

/// `timeout` before `now`.
fn before(now: DateTime<Utc>, timeout: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(timeout)
        .ok()
        .and_then(|timeout| now.checked_sub_signed(timeout))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Queues again the scope's rows left `sending` for longer than `timeout`: their notifier
/// stopped between claiming and recording, so whether the relay took the message is unknown.
/// They are due at once and go out with the same `Message-ID`, which lets a receiver that did
/// get the first copy recognise the second. A row that has been tried `max_attempts` times is
/// marked failed instead. Returns how many rows were queued again.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id()))]
pub async fn recover_interrupted(
    db: &Db,
    scope: &Scope,
    now: DateTime<Utc>,
    timeout: Duration,
    max_attempts: u32,
) -> Result<u64, StoreError> {
    let cutoff = before(now, timeout);
    let max_attempts = i32::try_from(max_attempts).unwrap_or(i32::MAX);
    let mut tx = db.write(scope, now).await?;
    // A message whose every try was cut short may be what stops the notifier: it is not tried
    // again, and the delivery page shows why.
    let given_up = e::notification_outbox::Entity::update_many()
        .col_expr(C::Status, Expr::value(DeliveryStatus::Failed.as_str()))
        .col_expr(C::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(
            C::LastError,
            Expr::value(format!(
                "interrupted while sending on each of {max_attempts} tries; not tried again"
            )),
        )
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Status.eq(DeliveryStatus::Sending.as_str()))
        .filter(C::SendingAt.lt(cutoff))
        .filter(C::Attempts.gte(max_attempts))
        .exec(tx.connection())
        .await?;
    if given_up.rows_affected > 0 {
        tracing::error!(
            rows = given_up.rows_affected,
            "messages interrupted on every try are marked failed"
        );
    }
    let done = e::notification_outbox::Entity::update_many()
        .col_expr(C::Status, Expr::value(DeliveryStatus::Queued.as_str()))
        .col_expr(C::NextAttemptAt, Expr::value(now))
        .col_expr(
            C::LastError,
            Expr::value(format!(
                "interrupted while sending (no answer recorded within {}s); sent again with the \
                 same Message-ID",
                timeout.as_secs()
            )),
        )
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Status.eq(DeliveryStatus::Sending.as_str()))
        .filter(C::SendingAt.lt(cutoff))
        .exec(tx.connection())
        .await?;
    if done.rows_affected > 0 {
        // Rare and worth a trace: each of these may reach its recipient twice. Routine
        // delivery bookkeeping is not audited; the row itself records it.
        tx.audit(
            AuditEntry::new("requeue_interrupted", "notification_outbox", None)
                .with_detail(json!({ "rows": done.rows_affected })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected)
}

/// When a lease taken at `now` ends, in whole seconds, so that each database gives back exactly
/// the instant it was given and a job can name the lease it was pushed under.
pub fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(lease)
        .ok()
        .and_then(|lease| now.checked_add_signed(lease))
        .map_or(DateTime::<Utc>::MAX_UTC, |until| until.trunc_subsecs(0))
}

/// Leases up to `limit` of the scope's rows that are due (queued, `next_attempt_at` passed),
/// oldest first, by moving their `next_attempt_at` to `now + lease`, and returns their ids.
/// No other round leases them until the lease runs out; a job for them that is lost costs only
/// that wait. On PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so two notifiers
/// leasing at once never take the same row; SQLite has one writer at a time.
///
/// Calendar invites go in [`order_invites`]'s order: a queued invite that a later one of the
/// same session to the same person replaces is marked superseded, and the later one is not
/// leased while an earlier one is still being sent.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), limit))]
pub async fn lease_due(
    db: &Db,
    scope: &Scope,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<Uuid>, StoreError> {
    let until = lease_end(now, lease);
    let tx = db.write(scope, now).await?;
    let held = order_pending_invites(&tx, scope).await?;
    let mut picked = Query::select();
    picked
        .column(C::Id)
        .from(e::notification_outbox::Entity)
        .cond_where(
            Condition::all()
                .add(C::TrustId.eq(scope.trust_id()))
                .add(due(now))
                .add(C::Id.is_not_in(held)),
        )
        .order_by(C::NextAttemptAt, Order::Asc)
        .limit(limit);
    if db.backend() == DatabaseBackend::Postgres {
        picked.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let leased = e::notification_outbox::Entity::update_many()
        .col_expr(C::NextAttemptAt, Expr::value(until))
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Id.in_subquery(picked))
        .exec_with_returning(tx.connection())
        .await?;
    tx.commit().await?;
    Ok(leased.into_iter().map(|row| row.id).collect())
}

/// Marks superseded the scope's queued invites that a later invite of the same session to the
/// same person replaces, and returns the invites that must wait for an earlier one still being
/// sent. An invite that a notifier claimed between the read and the update is not superseded:
/// it is being sent, so the later one waits for it.
async fn order_pending_invites(
    tx: &crate::WriteTx<'_>,
    scope: &Scope,
) -> Result<Vec<Uuid>, StoreError> {
    let pending = e::notification_outbox::Entity::find()
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Rule.eq(SESSION_INVITE_RULE))
        .filter(C::Status.is_in([
            DeliveryStatus::Queued.as_str(),
            DeliveryStatus::Sending.as_str(),
        ]))
        .all(tx.connection())
        .await?;
    let mut by_party: BTreeMap<(Uuid, Uuid), Vec<PendingInvite>> = BTreeMap::new();
    for row in &pending {
        let Some(sequence) = row
            .payload
            .as_ref()
            .and_then(|payload| payload.get("sequence"))
            .and_then(serde_json::Value::as_i64)
            .and_then(|sequence| i32::try_from(sequence).ok())
        else {
            // An invite without a sequence cannot be composed; its send says so.
            continue;
        };
        by_party
            .entry((row.subject_id, row.recipient_id))
            .or_default()
            .push(PendingInvite {
                id: row.id,
                sequence,
                sending: row.status == DeliveryStatus::Sending.as_str(),
            });
    }
    let mut held = Vec::new();
    for invites in by_party.values() {
        let order = order_invites(invites);
        let mut claimed_meanwhile = false;
        for (id, by) in order.superseded {
            let done = e::notification_outbox::Entity::update_many()
                .col_expr(C::Status, Expr::value(DeliveryStatus::Superseded.as_str()))
                .col_expr(C::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(
                    C::LastError,
                    Expr::value(format!(
                        "not sent: the session's later invite (SEQUENCE {by}) replaced it \
                         before it went"
                    )),
                )
                .filter(C::TrustId.eq(scope.trust_id()))
                .filter(C::Id.eq(id))
                .filter(C::Status.eq(DeliveryStatus::Queued.as_str()))
                .exec(tx.connection())
                .await?;
            claimed_meanwhile |= done.rows_affected == 0;
        }
        held.extend(order.held);
        if claimed_meanwhile {
            held.extend(invites.iter().map(|invite| invite.id));
        }
    }
    Ok(held)
}

/// Claims the row for one send: `queued` becomes `sending`, its attempts counted and the send's
/// start kept, committed before the notifier opens a connection to the relay. `None` when the
/// row is not queued (another notifier has it, or it is done) or not the scope's.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %id))]
pub async fn claim(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Row>, StoreError> {
    claim_where(db, scope, id, None, now).await
}

/// As [`claim`], only while the row still holds the lease ending `leased_until`: a job that
/// waited in the queue past its lease finds the row leased again or retried (due later), and
/// sends nothing, so a backlog never spends a row's attempts faster than its backoff.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %id))]
pub async fn claim_leased(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    leased_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<Row>, StoreError> {
    claim_where(db, scope, id, Some(leased_until), now).await
}

async fn claim_where(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    leased_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<Row>, StoreError> {
    let tx = db.write(scope, now).await?;
    let mut claiming = e::notification_outbox::Entity::update_many()
        .col_expr(C::Status, Expr::value(DeliveryStatus::Sending.as_str()))
        .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
        .col_expr(C::SendingAt, Expr::value(now))
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(DeliveryStatus::Queued.as_str()));
    if let Some(until) = leased_until {
        claiming = claiming.filter(C::NextAttemptAt.eq(until));
    }
    let claimed = claiming.exec_with_returning(tx.connection()).await?;
    tx.commit().await?;
    Ok(claimed.into_iter().next())
}

/// What the relay said when it accepted a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// Its final answer, code and text.
    pub smtp_response: String,
    /// The message's `Message-ID`.
    pub message_id: String,
    /// The address it went to.
    pub delivered_to: String,
}

/// Records a claimed row as sent. `false` when the row was no longer `sending` (it outlived
/// [`recover_interrupted`]'s timeout and was queued again).
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %id))]
pub async fn record_sent(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    now: DateTime<Utc>,
    delivered: &Delivered,
) -> Result<bool, StoreError> {
    finish(
        db,
        scope,
        id,
        now,
        e::notification_outbox::ActiveModel {
            status: sea_orm::ActiveValue::Set(DeliveryStatus::Sent.as_str().to_owned()),
            sent_at: sea_orm::ActiveValue::Set(Some(now)),
            smtp_response: sea_orm::ActiveValue::Set(Some(delivered.smtp_response.clone())),
            message_id: sea_orm::ActiveValue::Set(Some(delivered.message_id.clone())),
            delivered_to: sea_orm::ActiveValue::Set(Some(delivered.delivered_to.clone())),
            ..Default::default()
        },
    )
    .await
}

/// Queues a claimed row again after a transient failure, due at `next_attempt_at`.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %id))]
pub async fn record_retry(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    now: DateTime<Utc>,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> Result<bool, StoreError> {
    finish(
        db,
        scope,
        id,
        now,
        e::notification_outbox::ActiveModel {
            status: sea_orm::ActiveValue::Set(DeliveryStatus::Queued.as_str().to_owned()),
            next_attempt_at: sea_orm::ActiveValue::Set(Some(next_attempt_at)),
            last_error: sea_orm::ActiveValue::Set(Some(error.to_owned())),
            ..Default::default()
        },
    )
    .await
}

/// Records a claimed row as stopped for good, with the relay's reason: `Failed`, or `Bounced`
/// when the relay refused the recipient's address.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), %id))]
pub async fn record_stopped(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    now: DateTime<Utc>,
    outcome: Stopped,
    reason: &str,
) -> Result<bool, StoreError> {
    let status = match outcome {
        Stopped::Failed => DeliveryStatus::Failed,
        Stopped::Bounced => DeliveryStatus::Bounced,
    };
    finish(
        db,
        scope,
        id,
        now,
        e::notification_outbox::ActiveModel {
            status: sea_orm::ActiveValue::Set(status.as_str().to_owned()),
            last_error: sea_orm::ActiveValue::Set(Some(reason.to_owned())),
            ..Default::default()
        },
    )
    .await
}

/// How a message that will not be tried again ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Refused for good, or given up.
    Failed,
    /// The relay refused the recipient's address.
    Bounced,
}

/// One update of a row still `sending`: the whole of what happens between the relay's answer
/// and its record.
async fn finish(
    db: &Db,
    scope: &Scope,
    id: Uuid,
    now: DateTime<Utc>,
    change: e::notification_outbox::ActiveModel,
) -> Result<bool, StoreError> {
    let tx = db.write(scope, now).await?;
    let done = e::notification_outbox::Entity::update_many()
        .set(change)
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(DeliveryStatus::Sending.as_str()))
        .exec(tx.connection())
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected > 0)
}

/// Haven's configured sender and colour, for a trust that has set none of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderDefaults {
    /// The sender's display name.
    pub name: String,
    /// The sender's address.
    pub address: String,
    /// The branding colour, `#rrggbb`.
    pub colour: String,
}

/// One row's email, ready to compose: what it says, and who it is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// What the email says, to whom.
    pub email: Email,
    /// The trust's sender, or Haven's.
    pub from: Addressee,
    /// Where replies go, if the trust set it.
    pub reply_to: Option<String>,
}

/// What `row`'s email says, read in the scope's trust. A row whose subject is gone, whose rule
/// is unknown or whose recipient has left is [`StoreError::Invalid`], with the reason.
#[tracing::instrument(skip_all, fields(trust_id = %scope.trust_id(), id = %row.id))]
pub async fn message(
    db: &Db,
    scope: &Scope,
    row: &Row,
    defaults: &SenderDefaults,
) -> Result<Outgoing, StoreError> {
    let read = db.read(scope).await?;
    let outgoing = compose(&read, scope, row, defaults).await;
    read.finish().await?;
    outgoing
}

async fn compose(
    read: &crate::ReadTx<'_>,
    scope: &Scope,
    row: &Row,
    defaults: &SenderDefaults,
) -> Result<Outgoing, StoreError> {
    let conn = read.connection();
    if row.trust_id != scope.trust_id() {
        return Err(StoreError::NotFound);
    }
    let recipient = read
        .find::<e::person::Entity>(row.recipient_id)
        .await
        .map_err(|_| {
            StoreError::invalid("recipient", "the recipient no longer exists".to_owned())
        })?;
    if !recipient.active {
        return Err(StoreError::invalid(
            "recipient",
            format!("{} is no longer active", recipient.display_name),
        ));
    }
    let trust = e::trust::Entity::find_by_id(scope.trust_id())
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let sender = e::trust_email::Entity::find_by_id(scope.trust_id())
        .one(conn)
        .await?;
    let content = match row.rule.as_str() {
        SESSION_INVITE_RULE => {
            let payload = row.payload.clone().ok_or_else(|| {
                StoreError::invalid("payload", "the invite has no content".to_owned())
            })?;
            let invite: Invite = serde_json::from_value(payload).map_err(|err| {
                StoreError::invalid("payload", format!("the invite does not read: {err}"))
            })?;
            Content::Invite(invite)
        }
        ESCALATION_RULE => Content::Escalation(escalation(read, scope, row.subject_id).await?),
        DIGEST_RULE => Content::Digest(digest(read, scope, row).await?),
        rule => Content::Reminder(reminder(read, scope, row, rule).await?),
    };
    let sender = sender.as_ref();
    Ok(Outgoing {
        email: Email {
            recipient: Addressee {
                name: recipient.display_name,
                email: recipient.email,
            },
            trust: Branding {
                name: trust.name.clone(),
                colour: sender
                    .and_then(|s| s.brand_colour.clone())
                    .unwrap_or_else(|| defaults.colour.clone()),
            },
            content,
        },
        from: Addressee {
            name: sender
                .and_then(|s| s.sender_name.clone())
                .unwrap_or_else(|| defaults.name.clone()),
            email: sender
                .and_then(|s| s.sender_address.clone())
                .unwrap_or_else(|| defaults.address.clone()),
        },
        reply_to: sender.and_then(|s| s.reply_to.clone()),
    })
}

fn gone(kind: &str, id: Uuid) -> StoreError {
    StoreError::invalid("subject", format!("the {kind} {id} no longer exists"))
}

/// One reminder row as its email tells it.
async fn reminder(
    read: &crate::ReadTx<'_>,
    scope: &Scope,
    row: &Row,
    rule: &str,
) -> Result<ReminderNotice, StoreError> {
    let kind = ReminderKind::from_code(rule)
        .ok_or_else(|| StoreError::invalid("rule", format!("no reminder is called {rule:?}")))?;
    Ok(ReminderNotice {
        rule: kind,
        due_on: row.due_on,
        mandatory: kind.is_mandatory(),
        about: about(read, scope, &row.subject_kind, row.subject_id).await?,
    })
}

/// The day's reminders of a digest row: its members, in rule order.
async fn digest(read: &crate::ReadTx<'_>, scope: &Scope, row: &Row) -> Result<Digest, StoreError> {
    let mut members = read
        .list_where::<e::notification_outbox::Entity, _>(
            Condition::all()
                .add(C::DigestKey.eq(row.idempotency_key.clone()))
                .add(C::Status.eq(DeliveryStatus::InDigest.as_str()))
                .add(C::RecipientId.eq(row.recipient_id)),
        )
        .await?;
    members.sort_by_key(|member| {
        (
            ALL_REMINDERS
                .iter()
                .position(|kind| kind.code() == member.rule)
                .unwrap_or(ALL_REMINDERS.len()),
            member.queued_at,
            member.id,
        )
    });
    let mut reminders = Vec::with_capacity(members.len());
    for member in &members {
        reminders.push(reminder(read, scope, member, &member.rule).await?);
    }
    Ok(Digest {
        day: row.due_on,
        reminders,
    })
}

/// What a reminder is about, in staff names and dates.
async fn about(
    read: &crate::ReadTx<'_>,
    scope: &Scope,
    kind: &str,
    id: Uuid,
) -> Result<About, StoreError> {
    let conn = read.connection();
    let bare = |subject: Subject| About {
        kind: subject.kind().to_owned(),
        id,
        path: page_path(subject),
        date: None,
        starts_at: None,
        people: Vec::new(),
        academy: None,
    };
    match kind {
        "session" => {
            let session = session(conn, scope, id).await?;
            let mut about = bare(Subject::Session(id));
            about.date = Some(london_date(session.starts_at));
            about.starts_at = Some(london_time(session.starts_at));
            about.people = agreement_people(read, conn, scope, session.agreement_id).await?;
            about.academy = Some(academy_name(read, session.academy_id).await?);
            Ok(about)
        }
        "record" => {
            let session_id: Uuid = scoped::<e::supervision_record::Entity>(scope)
                .select_only()
                .column(e::supervision_record::Column::SessionId)
                .filter(e::supervision_record::Column::Id.eq(id))
                .into_tuple()
                .one(conn)
                .await?
                .ok_or_else(|| gone("record", id))?;
            let session = session(conn, scope, session_id).await?;
            let mut about = bare(Subject::Record(id));
            about.date = Some(london_date(session.starts_at));
            about.starts_at = Some(london_time(session.starts_at));
            about.people = agreement_people(read, conn, scope, session.agreement_id).await?;
            about.academy = Some(academy_name(read, session.academy_id).await?);
            Ok(about)
        }
        "supervisee" => {
            let mut about = bare(Subject::Supervisee(id));
            about.people = names_in_order(read, &[id]).await?;
            Ok(about)
        }
        "action" => {
            let (due_on, owner, session_id, academy_id): (NaiveDate, Uuid, Uuid, Uuid) =
                scoped::<e::supervision_action::Entity>(scope)
                    .select_only()
                    .columns([
                        e::supervision_action::Column::DueOn,
                        e::supervision_action::Column::OwnerId,
                        e::supervision_action::Column::SessionId,
                        e::supervision_action::Column::AcademyId,
                    ])
                    .filter(e::supervision_action::Column::Id.eq(id))
                    .into_tuple()
                    .one(conn)
                    .await?
                    .ok_or_else(|| gone("action", id))?;
            let session = session(conn, scope, session_id).await?;
            let mut about = bare(Subject::Action(id));
            about.date = Some(due_on);
            let mut people = names_in_order(read, &[owner]).await?;
            for name in agreement_people(read, conn, scope, session.agreement_id).await? {
                if !people.contains(&name) {
                    people.push(name);
                }
            }
            about.people = people;
            about.academy = Some(academy_name(read, academy_id).await?);
            Ok(about)
        }
        "agreement" => {
            let (review_due_on, academy_id): (Option<NaiveDate>, Uuid) =
                scoped::<e::agreement::Entity>(scope)
                    .select_only()
                    .columns([
                        e::agreement::Column::ReviewDueOn,
                        e::agreement::Column::AcademyId,
                    ])
                    .filter(e::agreement::Column::Id.eq(id))
                    .into_tuple()
                    .one(conn)
                    .await?
                    .ok_or_else(|| gone("agreement", id))?;
            let mut about = bare(Subject::Agreement(id));
            about.date = review_due_on;
            about.people = agreement_people(read, conn, scope, id).await?;
            about.academy = Some(academy_name(read, academy_id).await?);
            Ok(about)
        }
        "qa_review" => {
            let (due_on, academy_id): (NaiveDate, Uuid) = scoped::<e::qa_review::Entity>(scope)
                .select_only()
                .columns([e::qa_review::Column::DueOn, e::qa_review::Column::AcademyId])
                .filter(e::qa_review::Column::Id.eq(id))
                .into_tuple()
                .one(conn)
                .await?
                .ok_or_else(|| gone("QA review", id))?;
            let mut about = bare(Subject::QaReview(id));
            about.date = Some(due_on);
            about.academy = Some(academy_name(read, academy_id).await?);
            Ok(about)
        }
        "training" => {
            let (person, expires_on): (Uuid, Option<NaiveDate>) =
                scoped::<e::training_record::Entity>(scope)
                    .select_only()
                    .columns([
                        e::training_record::Column::PersonId,
                        e::training_record::Column::ExpiresOn,
                    ])
                    .filter(e::training_record::Column::Id.eq(id))
                    .into_tuple()
                    .one(conn)
                    .await?
                    .ok_or_else(|| gone("training record", id))?;
            let mut about = bare(Subject::Training(id));
            about.date = expires_on;
            about.people = names_in_order(read, &[person]).await?;
            Ok(about)
        }
        other => Err(StoreError::invalid(
            "subject_kind",
            format!("a reminder cannot be about a {other:?}"),
        )),
    }
}

/// The few columns of a session an email tells.
struct SessionFacts {
    starts_at: DateTime<Utc>,
    agreement_id: Uuid,
    academy_id: Uuid,
}

async fn session(
    conn: &DatabaseTransaction,
    scope: &Scope,
    id: Uuid,
) -> Result<SessionFacts, StoreError> {
    let (starts_at, agreement_id, academy_id): (DateTime<Utc>, Uuid, Uuid) =
        scoped::<e::supervision_session::Entity>(scope)
            .select_only()
            .columns([
                e::supervision_session::Column::StartsAt,
                e::supervision_session::Column::AgreementId,
                e::supervision_session::Column::AcademyId,
            ])
            .filter(e::supervision_session::Column::Id.eq(id))
            .into_tuple()
            .one(conn)
            .await?
            .ok_or_else(|| gone("session", id))?;
    Ok(SessionFacts {
        starts_at,
        agreement_id,
        academy_id,
    })
}

/// An instant as the wall clock in England shows it.
fn london_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&London).naive_local()
}

/// An agreement's parties by name: the supervisor, then the supervisees alphabetically.
async fn agreement_people(
    read: &crate::ReadTx<'_>,
    conn: &DatabaseTransaction,
    scope: &Scope,
    agreement_id: Uuid,
) -> Result<Vec<String>, StoreError> {
    let supervisor: Uuid = scoped::<e::agreement::Entity>(scope)
        .select_only()
        .column(e::agreement::Column::SupervisorId)
        .filter(e::agreement::Column::Id.eq(agreement_id))
        .into_tuple()
        .one(conn)
        .await?
        .ok_or_else(|| gone("agreement", agreement_id))?;
    let supervisees: Vec<Uuid> = scoped::<e::agreement_supervisee::Entity>(scope)
        .select_only()
        .column(e::agreement_supervisee::Column::PersonId)
        .filter(e::agreement_supervisee::Column::AgreementId.eq(agreement_id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut people = names_in_order(read, &[supervisor]).await?;
    let mut others = names_in_order(read, &supervisees).await?;
    others.sort();
    others.retain(|name| !people.contains(name));
    people.append(&mut others);
    Ok(people)
}

/// The display names of `ids`, in the order given (people not found left out).
async fn names_in_order(read: &crate::ReadTx<'_>, ids: &[Uuid]) -> Result<Vec<String>, StoreError> {
    let wanted: BTreeSet<Uuid> = ids.iter().copied().collect();
    let found: BTreeMap<Uuid, String> = read
        .list_where::<e::person::Entity, _>(e::person::Column::Id.is_in(wanted))
        .await?
        .into_iter()
        .map(|person| (person.id, person.display_name))
        .collect();
    Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
}

async fn academy_name(read: &crate::ReadTx<'_>, id: Uuid) -> Result<String, StoreError> {
    read.find::<e::academy::Entity>(id)
        .await
        .map(|academy| academy.name)
        .map_err(|_| gone("academy", id))
}

/// An escalation as its assignee's email tells it: never its reason.
async fn escalation(
    read: &crate::ReadTx<'_>,
    scope: &Scope,
    id: Uuid,
) -> Result<EscalationNotice, StoreError> {
    let (academy_id, raised_by, created_at): (Uuid, Uuid, DateTime<Utc>) =
        scoped::<e::escalation::Entity>(scope)
            .select_only()
            .columns([
                e::escalation::Column::AcademyId,
                e::escalation::Column::RaisedBy,
                e::escalation::Column::CreatedAt,
            ])
            .filter(e::escalation::Column::Id.eq(id))
            .into_tuple()
            .one(read.connection())
            .await?
            .ok_or_else(|| gone("escalation", id))?;
    Ok(EscalationNotice {
        id,
        path: format!("/escalations/{id}"),
        academy: academy_name(read, academy_id).await?,
        raised_by: names_in_order(read, &[raised_by])
            .await?
            .into_iter()
            .next()
            .unwrap_or_default(),
        raised_on: london_date(created_at),
    })
}
