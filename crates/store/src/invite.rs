//! What a change queues in the outbox, in the change's own transaction (a transactional
//! outbox): a session booked, moved or cancelled queues a calendar invite for each of its
//! parties, an escalation assigned to someone queues that person's notice. The change and its
//! messages commit together or not at all, so a refused or conflicting change sends nothing and
//! an accepted one cannot lose its invites. The notifier sends the rows.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use haven_domain::notification::{
    Addressee, ESCALATION_RULE, Invite, InviteMethod, SESSION_INVITE_RULE,
};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::time::london_date;
use crate::{StoreError, WriteTx};

/// A queued outbox row, due now.
fn queued(
    trust_id: Uuid,
    key: String,
    rule: &str,
    subject: (&str, Uuid),
    recipient_id: Uuid,
    payload: Option<serde_json::Value>,
    now: DateTime<Utc>,
) -> e::notification_outbox::ActiveModel {
    e::notification_outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        trust_id: Set(trust_id),
        idempotency_key: Set(key),
        rule: Set(rule.to_owned()),
        subject_kind: Set(subject.0.to_owned()),
        subject_id: Set(subject.1),
        due_on: Set(london_date(now)),
        recipient_id: Set(recipient_id),
        status: Set("queued".to_owned()),
        attempts: Set(0),
        last_error: Set(None),
        smtp_response: Set(None),
        message_id: Set(None),
        queued_at: Set(now),
        sent_at: Set(None),
        next_attempt_at: Set(Some(now)),
        payload: Set(payload),
        digest_key: Set(None),
        sending_at: Set(None),
        delivered_to: Set(None),
    }
}

/// Queues the invite `method` of `session` (as it stands after the change, its
/// `ical_sequence` included) for the supervisor and every supervisee. The rows go in through
/// the caller's transaction, under one audit entry, whichever academy the caller sees: an
/// external supervisor who books as a party queues them too.
pub(crate) async fn queue_session_invites(
    tx: &mut WriteTx<'_>,
    session: &e::supervision_session::Model,
    supervisor_id: Uuid,
    supervisee_ids: &[Uuid],
    method: InviteMethod,
) -> Result<(), StoreError> {
    let conn = tx.connection();
    let trust_id = session.trust_id;
    let mut ids = vec![supervisor_id];
    ids.extend(supervisee_ids.iter().filter(|id| **id != supervisor_id));
    let people: BTreeMap<Uuid, Addressee> = e::person::Entity::find()
        .filter(e::person::Column::TrustId.eq(trust_id))
        .filter(e::person::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                Addressee {
                    name: p.display_name,
                    email: p.email,
                },
            )
        })
        .collect();
    let academy = e::academy::Entity::find_by_id(session.academy_id)
        .filter(e::academy::Column::TrustId.eq(trust_id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let supervisor = people
        .get(&supervisor_id)
        .cloned()
        .ok_or(StoreError::NotFound)?;
    let invite = Invite {
        method,
        session_id: session.id,
        sequence: session.ical_sequence,
        starts_at: session.starts_at,
        duration_minutes: session.duration_minutes,
        session_kind: session.kind.clone(),
        mode: session.mode.clone(),
        location: session.location.clone(),
        academy: academy.name,
        supervisor,
        supervisees: supervisee_ids
            .iter()
            .filter_map(|id| people.get(id).cloned())
            .collect(),
    };
    let payload = serde_json::to_value(&invite).map_err(|err| DbErr::Json(err.to_string()))?;
    let now = tx.now();
    let rows = ids
        .iter()
        .filter(|id| people.contains_key(id))
        .map(|recipient| {
            queued(
                trust_id,
                format!(
                    "{SESSION_INVITE_RULE}:{}:{}:{recipient}",
                    session.id, session.ical_sequence
                ),
                SESSION_INVITE_RULE,
                ("session", session.id),
                *recipient,
                Some(payload.clone()),
                now,
            )
        })
        .collect();
    tx.insert_many(rows).await
}

/// Queues the notice of an escalation to its assignee. Mandatory: a person's preferences never
/// suppress it.
pub(crate) async fn queue_escalation_notice(
    tx: &mut WriteTx<'_>,
    escalation: &e::escalation::Model,
) -> Result<(), StoreError> {
    let Some(assignee) = escalation.assignee_id else {
        return Ok(());
    };
    let row = queued(
        escalation.trust_id,
        format!("{ESCALATION_RULE}:{}:{assignee}", escalation.id),
        ESCALATION_RULE,
        ("escalation", escalation.id),
        assignee,
        None,
        tx.now(),
    );
    tx.insert_many(vec![row]).await
}
