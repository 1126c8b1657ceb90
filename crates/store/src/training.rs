//! Safeguarding and supervision training per person, and when it expires (DESIGN §4: DSL
//! training is refreshed every `dsl_training_years`; expiry shows on dashboards).
//!
//! Who may see a person's training: the person, a trust safeguarding lead, and the leads over
//! an academy where the person holds a role (its headteacher, its regional safeguarding lead).
//! Who may record it: the person, or a trust safeguarding lead. Anyone else who can reach the
//! person is refused; anyone who cannot (another trust, another academy) is told nothing exists.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use haven_domain::role::Role;
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::StoreError;
use crate::scope::{AcademyVisibility, Scope};
use crate::tx::{ReadTx, WriteTx};

/// What a training record is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingKind {
    Dsl,
    DeputyDsl,
    Supervision,
    Other,
}

impl TrainingKind {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "dsl" => Ok(Self::Dsl),
            "deputy_dsl" => Ok(Self::DeputyDsl),
            "supervision" => Ok(Self::Supervision),
            "other" => Ok(Self::Other),
            other => Err(format!(
                "{other:?} is not a kind: dsl, deputy_dsl, supervision or other"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dsl => "dsl",
            Self::DeputyDsl => "deputy_dsl",
            Self::Supervision => "supervision",
            Self::Other => "other",
        }
    }

    /// DSL and deputy DSL training lapse by the policy; other courses only when the caller
    /// says so.
    fn expires_by_policy(self) -> bool {
        matches!(self, Self::Dsl | Self::DeputyDsl)
    }
}

/// A training record as it is given.
#[derive(Debug, Clone)]
pub struct NewTraining<'a> {
    pub person_id: Uuid,
    pub course: &'a str,
    pub kind: TrainingKind,
    pub completed_on: NaiveDate,
    /// Defaults, for DSL and deputy DSL training, to `completed_on` plus the
    /// `dsl_training_years` of the policy of the academy where the person is a DSL or deputy.
    pub expires_on: Option<NaiveDate>,
}

/// A course a person completed, as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrainingView {
    pub id: Uuid,
    /// Whose training it is.
    pub person_id: Uuid,
    /// The course, one line.
    pub course: String,
    /// dsl, deputy_dsl, supervision or other.
    pub kind: String,
    /// The day it was completed.
    pub completed_on: NaiveDate,
    /// The day it lapses, if it does.
    pub expires_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl From<e::training_record::Model> for TrainingView {
    fn from(row: e::training_record::Model) -> Self {
        Self {
            id: row.id,
            person_id: row.person_id,
            course: row.course,
            kind: row.kind,
            completed_on: row.completed_on,
            expires_on: row.expires_on,
            created_at: row.created_at,
        }
    }
}

/// Whose training lapses, for the trust lead's dashboard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Expiring {
    pub person_id: Uuid,
    pub display_name: String,
    pub training_id: Uuid,
    pub course: String,
    pub kind: String,
    pub completed_on: NaiveDate,
    pub expires_on: NaiveDate,
    /// expired or expiring.
    #[schema(value_type = String, example = "expiring")]
    pub state: &'static str,
    /// 0 on the day it expires, negative after.
    pub days_left: i64,
}

const MAX_COURSE_CHARS: usize = 200;
/// The furthest ahead the dashboard feed looks: a year of reminders.
pub const MAX_WITHIN_DAYS: u32 = 366;

/// The active person `person_id` when the scope can reach them: themself, a trust-wide scope,
/// or a scope that sees an academy where they hold a role. Otherwise [`StoreError::NotFound`].
async fn reach(
    conn: &DatabaseTransaction,
    scope: &Scope,
    person_id: Uuid,
) -> Result<e::person::Model, StoreError> {
    let person = e::person::Entity::find()
        .filter(e::person::Column::TrustId.eq(scope.trust_id()))
        .filter(e::person::Column::Id.eq(person_id))
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if scope.person_id() == Some(person.id) || *scope.academies() == AcademyVisibility::Trust {
        return Ok(person);
    }
    let held_where_seen = e::role_assignment::Entity::find()
        .filter(e::role_assignment::Column::TrustId.eq(scope.trust_id()))
        .filter(e::role_assignment::Column::PersonId.eq(person.id))
        .all(conn)
        .await?
        .iter()
        .any(|role| role.academy_id.is_some_and(|a| scope.sees_academy(a)));
    if held_where_seen {
        Ok(person)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Records a course `training.person_id` completed, by the person or a trust lead. A
/// completion date after `today` is refused, as is an expiry not after completion.
pub async fn record(
    tx: &mut WriteTx<'_>,
    training: NewTraining<'_>,
    today: NaiveDate,
) -> Result<TrainingView, StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    let course = training.course.trim();
    if course.is_empty() {
        return Err(StoreError::invalid("course", "name the course"));
    }
    if course.chars().count() > MAX_COURSE_CHARS {
        return Err(StoreError::invalid(
            "course",
            format!("is longer than {MAX_COURSE_CHARS} characters"),
        ));
    }
    if training.completed_on > today {
        return Err(StoreError::invalid(
            "completed_on",
            format!("{} is in the future", training.completed_on),
        ));
    }
    if training
        .expires_on
        .is_some_and(|expires| expires <= training.completed_on)
    {
        return Err(StoreError::invalid(
            "expires_on",
            "is not after completed_on",
        ));
    }
    let expires_on = match training.expires_on {
        Some(given) => Some(given),
        None if training.kind.expires_by_policy() => {
            let years = dsl_training_years(tx, training.person_id, today).await?;
            Some(
                training
                    .completed_on
                    .checked_add_months(Months::new(years.saturating_mul(12)))
                    .ok_or_else(|| StoreError::invalid("completed_on", "is out of range"))?,
            )
        }
        None => None,
    };
    let person = reach(tx.connection(), scope, training.person_id).await?;
    if scope.person_id() != Some(person.id) && !scope.is_trust_lead() {
        return Err(StoreError::NotPermitted {
            action: "record another person's training",
        });
    }
    let row = tx
        .insert(e::training_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            trust_id: Set(scope.trust_id()),
            person_id: Set(person.id),
            course: Set(course.to_owned()),
            kind: Set(training.kind.as_str().to_owned()),
            completed_on: Set(training.completed_on),
            expires_on: Set(expires_on),
            created_at: Set(now),
        })
        .await?;
    Ok(TrainingView::from(row))
}

/// A person's training, latest completion first, for the person, a trust lead, or the
/// headteacher or regional lead of an academy where they hold a role.
pub async fn list(read: &ReadTx<'_>, person_id: Uuid) -> Result<Vec<TrainingView>, StoreError> {
    let scope = read.scope();
    let person = reach(read.connection(), scope, person_id).await?;
    let leads_them = scope.person_id().is_some()
        && scope.roles().iter().any(|held| {
            matches!(
                held.role,
                Role::TrustSafeguardingLead | Role::Headteacher | Role::RegionalSafeguardingLead
            )
        });
    // A trust-wide reach alone (an auditor, a token) is not leading anyone.
    if scope.person_id() != Some(person.id) && !leads_them {
        return Err(StoreError::NotPermitted {
            action: "read this person's training",
        });
    }
    let mut rows = read
        .list_where::<e::training_record::Entity, _>(
            e::training_record::Column::PersonId.eq(person.id),
        )
        .await?;
    rows.sort_by(|a, b| {
        b.completed_on
            .cmp(&a.completed_on)
            .then(b.created_at.cmp(&a.created_at))
    });
    Ok(rows.into_iter().map(TrainingView::from).collect())
}

/// Whose training record `id` is, when `read`'s scope reads the record;
/// [`StoreError::NotFound`] otherwise.
pub async fn holder(read: &ReadTx<'_>, id: Uuid) -> Result<Uuid, StoreError> {
    Ok(read.find::<e::training_record::Entity>(id).await?.person_id)
}

/// Years a person's DSL training stays current: the policy of the academy where they hold a DSL
/// or deputy DSL role on `on` (the shortest, should their academies differ), or the trust default
/// where they hold none. The person is reached; their academies' rules are what their training
/// answers to, whether or not the caller sees those academies.
async fn dsl_training_years(
    read: &ReadTx<'_>,
    person_id: Uuid,
    on: NaiveDate,
) -> Result<u32, StoreError> {
    let scope = read.scope();
    let person = reach(read.connection(), scope, person_id).await?;
    let academies: Vec<Uuid> = e::role_assignment::Entity::find()
        .filter(e::role_assignment::Column::TrustId.eq(scope.trust_id()))
        .filter(e::role_assignment::Column::PersonId.eq(person.id))
        .filter(
            e::role_assignment::Column::Role.is_in([Role::Dsl.as_str(), Role::DeputyDsl.as_str()]),
        )
        .all(read.connection())
        .await?
        .into_iter()
        .filter(|role| role.starts_on <= on && role.ends_on.is_none_or(|end| on <= end))
        .filter_map(|role| role.academy_id)
        .collect::<BTreeSet<Uuid>>()
        .into_iter()
        .collect();
    let policies = crate::policy::effective_in(read, &academies).await?;
    Ok(academies
        .iter()
        .map(|academy| {
            policies
                .academies
                .get(academy)
                .unwrap_or(&policies.trust)
                .dsl_training_years
        })
        .min()
        .unwrap_or(policies.trust.dsl_training_years))
}

/// Who has training that has expired, or expires within `within_days` of `today`, for a trust
/// lead. Only each active person's latest-expiring record of each kind counts: training renewed
/// is not lapsed because the old certificate was.
pub async fn expiring(
    read: &ReadTx<'_>,
    today: NaiveDate,
    within_days: u32,
) -> Result<Vec<Expiring>, StoreError> {
    let scope = read.scope();
    scope.require_trust_lead("see whose training expires")?;
    if within_days > MAX_WITHIN_DAYS {
        return Err(StoreError::invalid(
            "within_days",
            format!("{within_days} is more than {MAX_WITHIN_DAYS}"),
        ));
    }
    let horizon = today
        .checked_add_days(Days::new(u64::from(within_days)))
        .ok_or_else(|| StoreError::invalid("within_days", "is out of range"))?;
    let people: BTreeMap<Uuid, e::person::Model> = read
        .list_where::<e::person::Entity, _>(e::person::Column::Active.eq(true))
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let records = read.list::<e::training_record::Entity>().await?;
    let mut latest: BTreeMap<(Uuid, String), (e::training_record::Model, NaiveDate)> =
        BTreeMap::new();
    for row in records {
        let Some(expires_on) = row.expires_on else {
            continue;
        };
        let key = (row.person_id, row.kind.clone());
        if latest.get(&key).is_none_or(|(_, seen)| *seen < expires_on) {
            latest.insert(key, (row, expires_on));
        }
    }
    let mut due: Vec<Expiring> = latest
        .into_values()
        .filter(|(_, expires_on)| *expires_on <= horizon)
        .filter_map(|(row, expires_on)| {
            let person = people.get(&row.person_id)?;
            Some(Expiring {
                person_id: person.id,
                display_name: person.display_name.clone(),
                training_id: row.id,
                course: row.course,
                kind: row.kind,
                completed_on: row.completed_on,
                expires_on,
                state: if expires_on <= today {
                    "expired"
                } else {
                    "expiring"
                },
                days_left: (expires_on - today).num_days(),
            })
        })
        .collect();
    due.sort_by(|a, b| {
        (a.expires_on, &a.display_name, a.training_id).cmp(&(
            b.expires_on,
            &b.display_name,
            b.training_id,
        ))
    });
    Ok(due)
}
