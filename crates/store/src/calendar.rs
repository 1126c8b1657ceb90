//! An academy's term dates: six half terms a year, kept as rows and read as a
//! [`TermCalendar`], which refuses anything that cannot be read as that (DESIGN §4). A year is
//! replaced whole, checked together with the academy's other years, so the stored calendar is
//! always one the domain accepts.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use haven_domain::role::Role;
use haven_domain::{DomainError, HalfTerm, TermCalendar};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::StoreError;
use crate::audit::AuditEntry;
use crate::tx::{ReadTx, WriteTx};

/// One half term as the caller gives it for a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewHalfTerm {
    /// 1 to 6; autumn 1 is 1.
    pub number: u8,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// One half term of an academic year, as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HalfTermView {
    /// 1 to 6; autumn 1 is 1.
    pub number: i16,
    /// Its first day.
    pub starts_on: NaiveDate,
    /// Its last day.
    pub ends_on: NaiveDate,
}

/// An academic year's half terms, in order, as they are set.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearView {
    /// The calendar year the academic year starts in: 2026 is 2026/27.
    pub academic_year: i32,
    pub half_terms: Vec<HalfTermView>,
}

impl From<&e::term_date::Model> for HalfTermView {
    fn from(row: &e::term_date::Model) -> Self {
        Self {
            number: row.half_term,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
        }
    }
}

/// Rows in year and half-term order, grouped by year.
fn by_year(rows: &[e::term_date::Model]) -> Vec<YearView> {
    let mut years: Vec<YearView> = Vec::new();
    for row in rows {
        let half_term = HalfTermView::from(row);
        match years.last_mut() {
            Some(year) if year.academic_year == row.academic_year => {
                year.half_terms.push(half_term);
            }
            _ => years.push(YearView {
                academic_year: row.academic_year,
                half_terms: vec![half_term],
            }),
        }
    }
    years
}

fn half_term(row: &e::term_date::Model) -> Result<HalfTerm, StoreError> {
    Ok(HalfTerm {
        academic_year: row.academic_year,
        number: u8::try_from(row.half_term).map_err(|_| StoreError::Invalid {
            field: "half_terms",
            reason: format!("stored half term {} is not 1 to 6", row.half_term),
        })?,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
    })
}

fn refused(error: DomainError) -> StoreError {
    let reason = match error {
        DomainError::TermCalendar(reason) => reason,
        other => other.to_string(),
    };
    StoreError::Invalid {
        field: "half_terms",
        reason,
    }
}

/// The academy's academic years, each with its half terms, in date order, for anyone who sees
/// the academy.
pub async fn list(read: &ReadTx<'_>, academy_id: Uuid) -> Result<Vec<YearView>, StoreError> {
    Ok(by_year(&rows(read, academy_id).await?))
}

/// The academy's term-date rows in date order, for anyone who sees the academy.
async fn rows(read: &ReadTx<'_>, academy_id: Uuid) -> Result<Vec<e::term_date::Model>, StoreError> {
    read.find::<e::academy::Entity>(academy_id).await?;
    let mut rows = read
        .list_where::<e::term_date::Entity, _>(e::term_date::Column::AcademyId.eq(academy_id))
        .await?;
    rows.sort_by_key(|row| (row.academic_year, row.half_term));
    Ok(rows)
}

/// The academy's calendar, for the rules that count working days and half terms. An academy
/// with no term dates is refused rather than given a guessed calendar.
pub async fn term_calendar(
    read: &ReadTx<'_>,
    academy_id: Uuid,
) -> Result<TermCalendar, StoreError> {
    calendar_of(&rows(read, academy_id).await?)
}

/// The calendar of an academy one of whose agreements the caller has reached, read inside
/// `read` (see [`crate::tx::ReadTx::rules_of`]): for the checks of a write in the same
/// transaction.
pub(crate) async fn rules_calendar(
    read: &ReadTx<'_>,
    academy_id: Uuid,
) -> Result<TermCalendar, StoreError> {
    calendar_of(
        &read
            .rules_of::<e::term_date::Entity, _>(
                academy_id,
                e::term_date::Column::AcademyId.eq(academy_id),
            )
            .await?,
    )
}

fn calendar_of(rows: &[e::term_date::Model]) -> Result<TermCalendar, StoreError> {
    if rows.is_empty() {
        return Err(StoreError::Invalid {
            field: "term_dates",
            reason: "the academy has no term dates".to_owned(),
        });
    }
    TermCalendar::new(rows.iter().map(half_term).collect::<Result<_, _>>()?).map_err(refused)
}

/// The calendar of each of `academies` from their term-date rows, for reads over many
/// academies at once. An academy with none, or whose rows no longer read as a calendar, has no
/// entry: its rules then say the term dates are missing rather than guess.
pub(crate) fn calendars(
    academies: &[Uuid],
    rows: &[e::term_date::Model],
) -> BTreeMap<Uuid, TermCalendar> {
    academies
        .iter()
        .filter_map(|academy| {
            let half_terms: Result<Vec<HalfTerm>, StoreError> = rows
                .iter()
                .filter(|row| row.academy_id == *academy)
                .map(half_term)
                .collect();
            let calendar = half_terms
                .ok()
                .filter(|half_terms| !half_terms.is_empty())
                .and_then(|half_terms| TermCalendar::new(half_terms).ok());
            calendar.map(|calendar| (*academy, calendar))
        })
        .collect()
}

/// Replaces the academy's half terms of `academic_year` with `half_terms`, by a trust lead or
/// the academy's headteacher. The whole calendar must still read as six half terms a year
/// (refused naming `half_terms`, with the reason); the old rows go and the new ones come in
/// one transaction, so nothing is ever half-written.
pub async fn replace_year(
    tx: &mut WriteTx<'_>,
    academy_id: Uuid,
    academic_year: i32,
    half_terms: &[NewHalfTerm],
) -> Result<YearView, StoreError> {
    let scope = tx.scope();
    tx.find::<e::academy::Entity>(academy_id).await?;
    let permitted = scope.is_trust_lead()
        || (scope.person_id().is_some()
            && scope
                .roles()
                .iter()
                .any(|held| held.role == Role::Headteacher && held.academy_id == Some(academy_id)));
    if !permitted {
        return Err(StoreError::NotPermitted {
            action: "set this academy's term dates",
        });
    }
    let existing = tx
        .list_where::<e::term_date::Entity, _>(e::term_date::Column::AcademyId.eq(academy_id))
        .await?;
    let mut calendar = existing
        .iter()
        .filter(|row| row.academic_year != academic_year)
        .map(half_term)
        .collect::<Result<Vec<_>, _>>()?;
    calendar.extend(half_terms.iter().map(|ht| HalfTerm {
        academic_year,
        number: ht.number,
        starts_on: ht.starts_on,
        ends_on: ht.ends_on,
    }));
    TermCalendar::new(calendar).map_err(refused)?;

    e::term_date::Entity::delete_many()
        .filter(e::term_date::Column::TrustId.eq(scope.trust_id()))
        .filter(e::term_date::Column::AcademyId.eq(academy_id))
        .filter(e::term_date::Column::AcademicYear.eq(academic_year))
        .exec(tx.connection())
        .await?;
    let mut ordered = half_terms.to_vec();
    ordered.sort_by_key(|ht| ht.number);
    let mut rows = Vec::with_capacity(ordered.len());
    for ht in ordered {
        rows.push(
            tx.insert(e::term_date::ActiveModel {
                id: Set(Uuid::now_v7()),
                trust_id: Set(scope.trust_id()),
                academy_id: Set(academy_id),
                academic_year: Set(academic_year),
                half_term: Set(i16::from(ht.number)),
                starts_on: Set(ht.starts_on),
                ends_on: Set(ht.ends_on),
            })
            .await?,
        );
    }
    // The log says the year was replaced, and how many rows it replaced, not just six creates.
    tx.audit(
        AuditEntry::new("replace_term_dates", "academy", Some(academy_id)).with_detail(json!({
            "academic_year": academic_year,
            "replaced": existing.iter().filter(|r| r.academic_year == academic_year).count(),
        })),
    )
    .await?;
    Ok(YearView {
        academic_year,
        half_terms: rows.iter().map(HalfTermView::from).collect(),
    })
}
