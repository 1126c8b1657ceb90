//! Escalations: a disagreement about a record or a case note that the parties could not resolve
//! goes to the safeguarding governor or the director of education, who meets and closes it with
//! an outcome.
//!
//! A party of the record's (or case note's) session raises it. The raiser, the assignee, trust
//! safeguarding leads and directors of education see it; the assignee, trust leads and directors
//! arrange the meeting and close it.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::role::Role;
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::StoreError;
use crate::audit::AuditEntry;
use crate::record::{in_trust, parties};
use crate::scope::Scope;
use crate::time::london_date;
use crate::tx::{ReadTx, WriteTx};

/// Whom an escalation goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalatedTo {
    SafeguardingGovernor,
    DirectorOfEducation,
}

impl EscalatedTo {
    pub fn role(self) -> Role {
        match self {
            EscalatedTo::SafeguardingGovernor => Role::SafeguardingGovernor,
            EscalatedTo::DirectorOfEducation => Role::DirectorOfEducation,
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "safeguarding_governor" => Ok(EscalatedTo::SafeguardingGovernor),
            "director_of_education" => Ok(EscalatedTo::DirectorOfEducation),
            _ => Err("must be safeguarding_governor or director_of_education".to_owned()),
        }
    }
}

/// What is escalated: a record or a case note.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Record(Uuid),
    CaseNote(Uuid),
}

/// A new escalation.
#[derive(Debug, Clone)]
pub struct NewEscalation {
    pub subject: Subject,
    pub escalated_to: EscalatedTo,
    pub assignee_id: Option<Uuid>,
    pub reason: String,
}

/// An escalation as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EscalationView {
    pub id: Uuid,
    pub trust_id: Uuid,
    /// The academy of the session whose record or case note is escalated.
    pub academy_id: Uuid,
    /// The party of the session who raised it.
    pub raised_by: Uuid,
    /// The record disagreed over, when it is a record.
    pub record_id: Option<Uuid>,
    /// The case note disagreed over, when it is a case note.
    pub case_note_id: Option<Uuid>,
    /// safeguarding_governor or director_of_education.
    pub escalated_to: String,
    /// Who acts on it: a holder of the role it went to, else a trust safeguarding lead.
    pub assignee_id: Option<Uuid>,
    /// Why it was raised.
    pub reason: String,
    /// The day of its meeting, once arranged.
    pub meeting_on: Option<NaiveDate>,
    /// How it ended, once closed.
    pub outcome: Option<String>,
    /// open, meeting_arranged or closed.
    pub status: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub row_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<e::escalation::Model> for EscalationView {
    fn from(row: e::escalation::Model) -> Self {
        Self {
            id: row.id,
            trust_id: row.trust_id,
            academy_id: row.academy_id,
            raised_by: row.raised_by,
            record_id: row.record_id,
            case_note_id: row.case_note_id,
            escalated_to: row.escalated_to,
            assignee_id: row.assignee_id,
            reason: row.reason,
            meeting_on: row.meeting_on,
            outcome: row.outcome,
            status: row.status,
            closed_at: row.closed_at,
            row_version: row.row_version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn holds(scope: &Scope, role: Role) -> bool {
    scope.roles().iter().any(|held| held.role == role)
}

/// Trust leads and directors oversee every escalation of the trust.
fn oversees(scope: &Scope) -> bool {
    scope.is_trust_lead() || holds(scope, Role::DirectorOfEducation)
}

/// Raises an escalation about a record or a case note, by a party of its session.
pub async fn raise(tx: &mut WriteTx<'_>, new: NewEscalation) -> Result<EscalationView, StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    let conn = tx.connection();
    let (session_id, field) = match new.subject {
        Subject::Record(id) => (
            in_trust::<e::supervision_record::Entity>(conn, scope, id)
                .await?
                .session_id,
            (Some(id), None),
        ),
        Subject::CaseNote(id) => (
            in_trust::<e::case_note::Entity>(conn, scope, id)
                .await?
                .session_id,
            (None, Some(id)),
        ),
    };
    let session = in_trust::<e::supervision_session::Entity>(conn, scope, session_id).await?;
    let (supervisor, supervisees) = parties(conn, scope, &session).await?;
    let Some(raiser) = scope
        .person_id()
        .filter(|p| *p == supervisor || supervisees.contains(p))
    else {
        return Err(if scope.sees_academy(session.academy_id) {
            StoreError::NotPermitted {
                action: "escalate this",
            }
        } else {
            StoreError::NotFound
        });
    };
    let reason = new.reason.trim();
    if reason.is_empty() {
        return Err(StoreError::invalid("reason", "must say what is unresolved"));
    }
    let today = london_date(now);
    let role = new.escalated_to.role();
    let holders = |role: Role| {
        e::role_assignment::Entity::find()
            .filter(e::role_assignment::Column::TrustId.eq(scope.trust_id()))
            .filter(e::role_assignment::Column::Role.eq(role.as_str()))
            .filter(e::role_assignment::Column::StartsOn.lte(today))
            .all(conn)
    };
    let holding = |rows: Vec<e::role_assignment::Model>| -> BTreeSet<Uuid> {
        rows.into_iter()
            .filter(|a| a.ends_on.is_none_or(|end| end >= today))
            .map(|a| a.person_id)
            .collect()
    };
    let named = holding(holders(role).await?);
    let assignee = match new.assignee_id {
        Some(assignee) if named.contains(&assignee) => assignee,
        Some(_) => {
            return Err(StoreError::Invalid {
                field: "assignee_id",
                reason: format!("must hold the role {} in the trust", role.as_str()),
            });
        }
        // Nobody named: whoever holds the role the escalation goes to, else the trust's
        // safeguarding lead, so an escalation is never left with no one to act on it.
        None => match named.first() {
            Some(holder) => *holder,
            None => holding(holders(Role::TrustSafeguardingLead).await?)
                .first()
                .copied()
                .ok_or(StoreError::Invalid {
                    field: "escalated_to",
                    reason: format!(
                        "nobody in the trust holds the role {}, nor is there a trust \
                         safeguarding lead to take it",
                        role.as_str()
                    ),
                })?,
        },
    };
    let escalation = tx
        .insert(e::escalation::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(session.trust_id),
            academy_id: Set(session.academy_id),
            raised_by: Set(raiser),
            record_id: Set(field.0),
            case_note_id: Set(field.1),
            escalated_to: Set(new.escalated_to.role().as_str().to_owned()),
            assignee_id: Set(Some(assignee)),
            reason: Set(reason.to_owned()),
            meeting_on: Set(None),
            outcome: Set(None),
            status: Set("open".to_owned()),
            closed_at: Set(None),
            row_version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .await?;
    crate::invite::queue_escalation_notice(tx, &escalation).await?;
    Ok(EscalationView::from(escalation))
}

/// The escalation, when the caller may act on it: its assignee, a trust lead or a director. Its
/// raiser may see it but not decide it; anyone else is told nothing.
async fn decided_by(
    tx: &WriteTx<'_>,
    scope: &Scope,
    id: Uuid,
    what: &'static str,
) -> Result<e::escalation::Model, StoreError> {
    let escalation = in_trust::<e::escalation::Entity>(tx.connection(), scope, id).await?;
    let me = scope.person_id();
    let deciding = me.is_some() && (me == escalation.assignee_id || oversees(scope));
    if !deciding {
        return Err(if me == Some(escalation.raised_by) {
            StoreError::NotPermitted { action: what }
        } else {
            StoreError::NotFound
        });
    }
    if escalation.status == "closed" {
        return Err(StoreError::invalid("status", "the escalation is closed"));
    }
    Ok(escalation)
}

async fn update(
    tx: &mut WriteTx<'_>,
    escalation: &e::escalation::Model,
    changed: e::escalation::ActiveModel,
    action: &str,
) -> Result<e::escalation::Model, StoreError> {
    let done = e::escalation::Entity::update_many()
        .set(e::escalation::ActiveModel {
            row_version: Set(escalation.row_version + 1),
            updated_at: Set(tx.now()),
            ..changed
        })
        .filter(e::escalation::Column::TrustId.eq(tx.scope().trust_id()))
        .filter(e::escalation::Column::Id.eq(escalation.id))
        .filter(e::escalation::Column::RowVersion.eq(escalation.row_version))
        .exec(tx.connection())
        .await?;
    if done.rows_affected == 0 {
        return Err(StoreError::Conflict {
            entity: "escalation",
            id: escalation.id,
        });
    }
    tx.audit(AuditEntry::new(action, "escalation", Some(escalation.id)))
        .await?;
    in_trust::<e::escalation::Entity>(tx.connection(), tx.scope(), escalation.id).await
}

/// Records the date of the escalation's meeting.
pub async fn arrange_meeting(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    meeting_on: NaiveDate,
) -> Result<EscalationView, StoreError> {
    let scope = tx.scope();
    let escalation = decided_by(tx, scope, id, "arrange this escalation's meeting").await?;
    let changed = e::escalation::ActiveModel {
        meeting_on: Set(Some(meeting_on)),
        status: Set("meeting_arranged".to_owned()),
        ..Default::default()
    };
    let updated = update(tx, &escalation, changed, "arrange_meeting").await?;
    Ok(EscalationView::from(updated))
}

/// Closes the escalation with its outcome, which is required.
pub async fn close(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    outcome: &str,
) -> Result<EscalationView, StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    let escalation = decided_by(tx, scope, id, "close this escalation").await?;
    let outcome = outcome.trim();
    if outcome.is_empty() {
        return Err(StoreError::invalid(
            "outcome",
            "an escalation is closed with its outcome",
        ));
    }
    let changed = e::escalation::ActiveModel {
        outcome: Set(Some(outcome.to_owned())),
        status: Set("closed".to_owned()),
        closed_at: Set(Some(now)),
        ..Default::default()
    };
    let updated = update(tx, &escalation, changed, "close").await?;
    Ok(EscalationView::from(updated))
}

/// The escalations the caller may see: all of the trust's for trust leads and directors, their
/// own (raised or assigned) for anyone else.
pub async fn list(read: &ReadTx<'_>) -> Result<Vec<EscalationView>, StoreError> {
    let scope = read.scope();
    let Some(me) = scope.person_id() else {
        return Err(StoreError::NotPermitted {
            action: "list escalations",
        });
    };
    let mut query =
        e::escalation::Entity::find().filter(e::escalation::Column::TrustId.eq(scope.trust_id()));
    if !oversees(scope) {
        query = query.filter(
            Condition::any()
                .add(e::escalation::Column::RaisedBy.eq(me))
                .add(e::escalation::Column::AssigneeId.eq(me)),
        );
    }
    let all = query
        .order_by_asc(e::escalation::Column::CreatedAt)
        .order_by_asc(e::escalation::Column::Id)
        .all(read.connection())
        .await?;
    Ok(all.into_iter().map(EscalationView::from).collect())
}
