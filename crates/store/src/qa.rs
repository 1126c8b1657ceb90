//! Quarterly quality-assurance reviews (DESIGN §4, Appendix 4): one falls due every
//! `qa_interval_months` for each active agreement lineage, counted from its first activation,
//! assigned to the trust's director of education, overdue the day after its deadline (`PolicySettings::qa_deadline`).
//!
//! Who sees them: the director and trust leads all of them, headteachers and regional leads
//! those of the academies they see. Only the assigned director answers and completes one.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::role::{Role, ScopeKind};
use haven_domain::{PolicySettings, qa_due_dates, qa_overdue};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::scope::{Actor, Scope};
use crate::time::london_date;
use crate::{ReadTx, StoreError, WriteTx};

/// The yes/no checklist of Appendix 4: its key, and the field a missing answer is reported as.
pub const CHECKLIST: [(&str, &str); 9] = [
    ("reflection_on_practice", "checklist.reflection_on_practice"),
    ("explored_alternatives", "checklist.explored_alternatives"),
    ("dynamics_with_families", "checklist.dynamics_with_families"),
    ("effect_on_own_feelings", "checklist.effect_on_own_feelings"),
    ("constructive_feedback", "checklist.constructive_feedback"),
    ("felt_supported", "checklist.felt_supported"),
    ("workload_reviewed", "checklist.workload_reviewed"),
    (
        "professional_development",
        "checklist.professional_development",
    ),
    ("new_skills", "checklist.new_skills"),
];

/// A review as its readers see it, with whether it is overdue on the day asked about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QaReviewView {
    pub id: Uuid,
    pub academy_id: Uuid,
    pub agreement_lineage_id: Uuid,
    /// The version of the agreement in force on the due date.
    pub agreement_id: Uuid,
    /// The director of education it is assigned to, none while the post is empty.
    pub reviewer_id: Option<Uuid>,
    pub due_on: NaiveDate,
    pub completed_at: Option<DateTime<Utc>>,
    /// The day it was completed: the day entered with it, else the day of `completed_at`.
    pub completed_on: Option<NaiveDate>,
    /// Not completed by its deadline, as of the day asked about.
    pub overdue: bool,
    /// The sessions of the review's period that count towards the plan.
    pub sessions_planned: Option<i32>,
    /// The sessions of the review's period that were held.
    pub sessions_held: Option<i32>,
    pub contract_agreed: Option<bool>,
    pub written_records: Option<bool>,
    /// Every checklist item, unanswered ones as null.
    pub checklist: BTreeMap<String, Option<bool>>,
    pub comments: Option<String>,
    pub key_actions: Option<String>,
    /// The version an answer must name.
    pub row_version: i32,
}

/// The director's answers; `checklist` follows the order of [`CHECKLIST`].
#[derive(Debug, Clone, Default)]
pub struct Answers {
    pub contract_agreed: Option<bool>,
    pub written_records: Option<bool>,
    pub checklist: [Option<bool>; 9],
    pub comments: Option<String>,
    pub key_actions: Option<String>,
    /// Completes the review: every answer is then required.
    pub complete: bool,
    /// The day it was completed, when entered afterwards: today when absent.
    pub completed_on: Option<NaiveDate>,
    pub row_version: i32,
}

fn view(row: e::qa_review::Model, policy: &PolicySettings, as_of: NaiveDate) -> QaReviewView {
    let checklist = CHECKLIST
        .iter()
        .map(|(key, _)| {
            (
                (*key).to_owned(),
                row.checklist.get(*key).and_then(Value::as_bool),
            )
        })
        .collect();
    QaReviewView {
        overdue: qa_overdue(
            policy.qa_deadline(row.due_on),
            row.completed_at.map(london_date),
            as_of,
        ),
        id: row.id,
        academy_id: row.academy_id,
        agreement_lineage_id: row.agreement_lineage_id,
        agreement_id: row.agreement_id,
        reviewer_id: row.reviewer_id,
        due_on: row.due_on,
        completed_on: row
            .completed_on
            .or_else(|| row.completed_at.map(london_date)),
        completed_at: row.completed_at,
        sessions_planned: row.sessions_planned,
        sessions_held: row.sessions_held,
        contract_agreed: row.contract_agreed,
        written_records: row.written_records,
        checklist,
        comments: row.comments,
        key_actions: row.key_actions,
        row_version: row.row_version,
    }
}

/// The effective policy of each academy, read in the caller's transaction.
async fn policies(
    read: &ReadTx<'_>,
    academies: BTreeSet<Uuid>,
) -> Result<BTreeMap<Uuid, PolicySettings>, StoreError> {
    let academies: Vec<Uuid> = academies.into_iter().collect();
    Ok(crate::policy::effective_in(read, &academies)
        .await?
        .academies)
}

fn policy_of(policies: &BTreeMap<Uuid, PolicySettings>, academy: Uuid) -> PolicySettings {
    policies.get(&academy).cloned().unwrap_or_default()
}

/// Creates every review due on or before `as_of` that does not exist yet, for each active
/// lineage the scope sees, and answers those it created. Run by the scheduler daily and by a
/// trust lead on demand; a second run creates nothing (a unique index backs this up).
pub async fn create_due(
    tx: &mut WriteTx<'_>,
    as_of: NaiveDate,
) -> Result<Vec<QaReviewView>, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    if !matches!(scope.actor(), Actor::System(_)) {
        scope.require_trust_lead("generate QA reviews")?;
    }
    let academies: BTreeSet<Uuid> = tx
        .list::<e::academy::Entity>()
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let policies = policies(tx, academies).await?;
    let versions = tx.list::<e::agreement::Entity>().await?;
    let mut lineages: BTreeMap<Uuid, Vec<e::agreement::Model>> = BTreeMap::new();
    for version in versions {
        lineages
            .entry(version.lineage_id)
            .or_default()
            .push(version);
    }
    let existing: BTreeSet<(Uuid, NaiveDate)> = tx
        .list::<e::qa_review::Entity>()
        .await?
        .into_iter()
        .map(|r| (r.agreement_lineage_id, r.due_on))
        .collect();
    let reviewer = director(&tx.list::<e::role_assignment::Entity>().await?, as_of);
    let mut created = Vec::new();
    for (lineage_id, versions) in lineages {
        let Some(active) = versions.iter().find(|v| v.status == "active") else {
            continue;
        };
        let Some(first_activation) = versions.iter().filter_map(|v| v.activated_on).min() else {
            continue;
        };
        let settings = policy_of(&policies, active.academy_id);
        let due_dates = qa_due_dates(first_activation, settings.qa_interval_months, as_of);
        // Most days nothing falls due: the lineage's sessions are read only when a review will
        // be created from them.
        if due_dates
            .iter()
            .all(|due_on| existing.contains(&(lineage_id, *due_on)))
        {
            continue;
        }
        let ids: Vec<Uuid> = versions.iter().map(|v| v.id).collect();
        let sessions = tx
            .list_where::<e::supervision_session::Entity, _>(
                e::supervision_session::Column::AgreementId.is_in(ids),
            )
            .await?;
        let mut period_start = first_activation;
        for due_on in due_dates {
            let start = period_start;
            period_start = due_on;
            if existing.contains(&(lineage_id, due_on)) {
                continue;
            }
            let review = Period {
                lineage_id,
                versions: &versions,
                active,
                sessions: &sessions,
                starts_on: start,
                due_on,
            };
            let row = tx.insert(review.new_row(scope, reviewer, now)).await?;
            created.push(view(row, &settings, as_of));
        }
    }
    Ok(created)
}

/// One review's period of a lineage: from the previous due date (or the first activation) to
/// its own, with the sessions it counts.
struct Period<'a> {
    lineage_id: Uuid,
    versions: &'a [e::agreement::Model],
    active: &'a e::agreement::Model,
    sessions: &'a [e::supervision_session::Model],
    starts_on: NaiveDate,
    due_on: NaiveDate,
}

impl Period<'_> {
    /// The review's row, with the period's session figures and the version in force on its
    /// due date.
    fn new_row(
        &self,
        scope: &Scope,
        reviewer: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> e::qa_review::ActiveModel {
        let in_period = || {
            self.sessions.iter().filter(|s| {
                let day = london_date(s.starts_at);
                self.starts_on <= day && day < self.due_on
            })
        };
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let planned = count(
            in_period()
                .filter(|s| crate::snapshot::kind_of(s).counts_towards_plan())
                .count(),
        );
        let held = count(in_period().filter(|s| s.status == "held").count());
        let current = self
            .versions
            .iter()
            .find(|v| {
                v.activated_on.is_some_and(|on| on <= self.due_on)
                    && v.ended_on.is_none_or(|end| end > self.due_on)
            })
            .unwrap_or(self.active);
        e::qa_review::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            academy_id: Set(current.academy_id),
            agreement_lineage_id: Set(self.lineage_id),
            agreement_id: Set(current.id),
            reviewer_id: Set(reviewer),
            due_on: Set(self.due_on),
            completed_at: Set(None),
            completed_on: Set(None),
            sessions_planned: Set(Some(planned)),
            sessions_held: Set(Some(held)),
            contract_agreed: Set(None),
            written_records: Set(None),
            checklist: Set(json!({})),
            comments: Set(None),
            key_actions: Set(None),
            row_version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}

/// Opens the next review of `agreement_id`'s lineage before it falls due, so the director can
/// complete it early (DESIGN §4: the rhythm does not move, the review keeps its due date). Only
/// the next one: a review whose due date is more than one interval away is refused, and so is a
/// second call once it is open. The director of education opens it, assigned to themself.
pub async fn open_next(
    tx: &mut WriteTx<'_>,
    agreement_id: Uuid,
) -> Result<QaReviewView, StoreError> {
    let (scope, now) = (tx.scope(), tx.now());
    let Some(director) = scope.person_id().filter(|_| {
        scope
            .roles()
            .iter()
            .any(|held| held.role == Role::DirectorOfEducation)
    }) else {
        return Err(StoreError::NotPermitted {
            action: "open a QA review early",
        });
    };
    let today = london_date(now);
    let agreement = tx.find::<e::agreement::Entity>(agreement_id).await?;
    let settings = crate::policy::effective_of(tx, agreement.academy_id).await?;
    let versions = tx
        .list_where::<e::agreement::Entity, _>(
            e::agreement::Column::LineageId.eq(agreement.lineage_id),
        )
        .await?;
    let Some(active) = versions.iter().find(|v| v.status == "active") else {
        return Err(StoreError::invalid(
            "agreement",
            "is not active: only an active agreement is reviewed",
        ));
    };
    let Some(first_activation) = versions.iter().filter_map(|v| v.activated_on).min() else {
        return Err(StoreError::invalid(
            "agreement",
            "is not active: only an active agreement is reviewed",
        ));
    };
    let horizon = today
        .checked_add_months(chrono::Months::new(settings.qa_interval_months))
        .unwrap_or(today);
    let existing: BTreeSet<NaiveDate> = tx
        .list_where::<e::qa_review::Entity, _>(
            e::qa_review::Column::AgreementLineageId.eq(agreement.lineage_id),
        )
        .await?
        .into_iter()
        .map(|r| r.due_on)
        .collect();
    let due_dates = qa_due_dates(first_activation, settings.qa_interval_months, horizon);
    let mut starts_on = first_activation;
    let mut next = None;
    for due_on in due_dates {
        if !existing.contains(&due_on) {
            next = Some((starts_on, due_on));
            break;
        }
        starts_on = due_on;
    }
    let Some((starts_on, due_on)) = next else {
        return Err(StoreError::invalid(
            "agreement",
            "its next QA review is already open; the one after opens when this one is due",
        ));
    };
    let ids: Vec<Uuid> = versions.iter().map(|v| v.id).collect();
    let sessions = tx
        .list_where::<e::supervision_session::Entity, _>(
            e::supervision_session::Column::AgreementId.is_in(ids),
        )
        .await?;
    let period = Period {
        lineage_id: agreement.lineage_id,
        versions: &versions,
        active,
        sessions: &sessions,
        starts_on,
        due_on,
    };
    let row = tx
        .insert(period.new_row(scope, Some(director), now))
        .await?;
    Ok(view(row, &settings, today))
}

/// The trust's director of education on `on`: the first by id when there are several, none
/// when the post is empty (the review is then unassigned until one is appointed).
fn director(assignments: &[e::role_assignment::Model], on: NaiveDate) -> Option<Uuid> {
    assignments
        .iter()
        .filter(|a| {
            Role::parse(&a.role).is_ok_and(|r| r == Role::DirectorOfEducation)
                && ScopeKind::parse(&a.scope_kind).is_ok_and(|s| s == ScopeKind::Trust)
                && a.starts_on <= on
                && a.ends_on.is_none_or(|end| end >= on)
        })
        .map(|a| a.person_id)
        .min()
}

/// Reviews are read by the director, trust leads, headteachers and regional leads (the last two
/// within the academies their scope sees).
fn require_reader(scope: &Scope) -> Result<(), StoreError> {
    let reader = scope.person_id().is_some()
        && scope.roles().iter().any(|held| {
            matches!(
                held.role,
                Role::DirectorOfEducation
                    | Role::TrustSafeguardingLead
                    | Role::Headteacher
                    | Role::RegionalSafeguardingLead
            )
        });
    if reader {
        Ok(())
    } else {
        Err(StoreError::NotPermitted {
            action: "read QA reviews",
        })
    }
}

/// The reviews of the academies the scope sees, soonest due first, overdue as of `as_of`.
pub async fn list(read: &ReadTx<'_>, as_of: NaiveDate) -> Result<Vec<QaReviewView>, StoreError> {
    require_reader(read.scope())?;
    let rows = read.list::<e::qa_review::Entity>().await?;
    let policies = policies(read, rows.iter().map(|r| r.academy_id).collect()).await?;
    let mut views: Vec<QaReviewView> = rows
        .into_iter()
        .map(|row| {
            let policy = policy_of(&policies, row.academy_id);
            view(row, &policy, as_of)
        })
        .collect();
    views.sort_by_key(|v| (v.due_on, v.id));
    Ok(views)
}

/// One review, if the scope sees its academy.
pub async fn get(
    read: &ReadTx<'_>,
    id: Uuid,
    as_of: NaiveDate,
) -> Result<QaReviewView, StoreError> {
    let row = read.find::<e::qa_review::Entity>(id).await?;
    require_reader(read.scope())?;
    let policy = crate::policy::effective_of(read, row.academy_id).await?;
    Ok(view(row, &policy, as_of))
}

/// The assigned director's answers, saved at `row_version`; completing asks for every answer.
pub async fn answer(
    tx: &mut WriteTx<'_>,
    id: Uuid,
    answers: Answers,
    as_of: NaiveDate,
) -> Result<QaReviewView, StoreError> {
    use e::qa_review::Column as C;
    let (scope, now) = (tx.scope(), tx.now());
    let row = tx.find::<e::qa_review::Entity>(id).await?;
    let policy = crate::policy::effective_of(tx, row.academy_id).await?;
    if scope.person_id().is_none() || scope.person_id() != row.reviewer_id {
        return Err(StoreError::NotPermitted {
            action: "answer a QA review assigned to someone else",
        });
    }
    if row.row_version != answers.row_version {
        return Err(StoreError::Conflict {
            entity: "qa_review",
            id,
        });
    }
    if row.completed_at.is_some() {
        return Err(StoreError::Invalid {
            field: "complete",
            reason: "this review is already completed".into(),
        });
    }
    if answers.complete {
        let missing = [
            ("contract_agreed", answers.contract_agreed),
            ("written_records", answers.written_records),
        ]
        .into_iter()
        .chain(
            CHECKLIST
                .iter()
                .map(|(_, field)| *field)
                .zip(answers.checklist),
        )
        .find(|(_, answer)| answer.is_none());
        if let Some((field, _)) = missing {
            return Err(StoreError::Invalid {
                field,
                reason: "needs an answer before the review is completed".into(),
            });
        }
    }
    let checklist: Map<String, Value> = CHECKLIST
        .iter()
        .zip(answers.checklist)
        .filter_map(|((key, _), answer)| answer.map(|a| ((*key).to_owned(), Value::Bool(a))))
        .collect();
    let completed_on = match (answers.complete, answers.completed_on) {
        (false, Some(_)) => {
            return Err(StoreError::Invalid {
                field: "completed_on",
                reason: "is given only when the review is completed".into(),
            });
        }
        (false, None) => None,
        (true, on) => {
            let on = on.unwrap_or_else(|| london_date(now));
            if on > london_date(now) {
                return Err(StoreError::Invalid {
                    field: "completed_on",
                    reason: format!("{on} is in the future"),
                });
            }
            let agreement = tx.find::<e::agreement::Entity>(row.agreement_id).await?;
            if let Some(active) = agreement.activated_on
                && on < active
            {
                return Err(StoreError::Invalid {
                    field: "completed_on",
                    reason: format!("{on} is before the agreement was active, from {active}"),
                });
            }
            Some(on)
        }
    };
    let completed_at = answers.complete.then_some(now);
    let updated = e::qa_review::Entity::update_many()
        .col_expr(C::ContractAgreed, Expr::value(answers.contract_agreed))
        .col_expr(C::WrittenRecords, Expr::value(answers.written_records))
        .col_expr(C::Checklist, Expr::value(Value::Object(checklist)))
        .col_expr(C::Comments, Expr::value(answers.comments))
        .col_expr(C::KeyActions, Expr::value(answers.key_actions))
        .col_expr(C::CompletedAt, Expr::value(completed_at))
        .col_expr(C::CompletedOn, Expr::value(completed_on))
        .col_expr(C::RowVersion, Expr::value(row.row_version + 1))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Id.eq(id))
        .filter(C::RowVersion.eq(answers.row_version))
        .exec(tx.connection())
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::Conflict {
            entity: "qa_review",
            id,
        });
    }
    let action = if answers.complete {
        "complete"
    } else {
        "update"
    };
    tx.audit(AuditEntry::new(action, "qa_review", Some(id)))
        .await?;
    let row = tx.find::<e::qa_review::Entity>(id).await?;
    Ok(view(row, &policy, as_of))
}
