//! What a change queues in the outbox, in the change's own transaction (a transactional
//! outbox): a session booked, moved or cancelled queues a calendar invite for each of its
//! parties, an escalation assigned to someone queues that person's notice. The change and its
//! messages commit together or not at all, so a refused or conflicting change sends nothing and
//! an accepted one cannot lose its invites. The notifier sends the rows.

use std::collections::BTreeMap;

use haven_domain::notification::{
    Addressee, DeliveryStatus, ESCALATION_RULE, Invite, InviteMethod, SESSION_INVITE_RULE,
};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::outbox::NewRow;
use crate::time::london_date;
use crate::{StoreError, WriteTx};

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
            let mut row = NewRow {
                trust_id,
                key: format!(
                    "{SESSION_INVITE_RULE}:{}:{}:{recipient}",
                    session.id, session.ical_sequence
                ),
                rule: SESSION_INVITE_RULE,
                subject: ("session", session.id),
                recipient_id: *recipient,
                due_on: london_date(now),
            }
            .model(DeliveryStatus::Queued, now);
            row.payload = Set(Some(payload.clone()));
            row
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
    let now = tx.now();
    let row = NewRow {
        trust_id: escalation.trust_id,
        key: format!("{ESCALATION_RULE}:{}:{assignee}", escalation.id),
        rule: ESCALATION_RULE,
        subject: ("escalation", escalation.id),
        recipient_id: assignee,
        due_on: london_date(now),
    }
    .model(DeliveryStatus::Queued, now);
    tx.insert_many(vec![row]).await
}
