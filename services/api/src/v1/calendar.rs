//! An academy's term dates, a year of six half terms at a time. Whether the dates read as a
//! calendar is the domain's rule (`TermCalendar::new`), who may set them the store's
//! (`haven_store::calendar`).

use actix_web::{HttpResponse, get, put, web};
use chrono::NaiveDate;
use haven_store::calendar::{NewHalfTerm, YearView};
use serde_json::Value;
use utoipa::ToSchema;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::{ApiError, FieldProblem};
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody, problem};

/// A year in a path: anything that is not a plausible academic year names nothing.
fn path_year(raw: &str) -> Result<i32, ApiError> {
    raw.parse::<i32>()
        .ok()
        .filter(|year| (1900..=2200).contains(year))
        .ok_or(ApiError::NotFound)
}

/// One element of `half_terms`: `{number, starts_on, ends_on}` and nothing else.
fn half_term(
    index: usize,
    value: &Value,
    problems: &mut Vec<FieldProblem>,
) -> Option<HalfTermBody> {
    let mut refuse = |reason: &str| {
        problems.push(problem(
            "half_terms",
            format!("item {}: {reason}", index.saturating_add(1)),
        ));
    };
    let Value::Object(fields) = value else {
        refuse("must be an object with number, starts_on and ends_on");
        return None;
    };
    if let Some(unknown) = fields
        .keys()
        .find(|key| !["number", "starts_on", "ends_on"].contains(&key.as_str()))
    {
        refuse(&format!("{unknown} is not a field here"));
        return None;
    }
    let number = fields
        .get("number")
        .and_then(Value::as_u64)
        .and_then(|n| u8::try_from(n).ok());
    let date = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .and_then(|text| text.parse::<NaiveDate>().ok())
    };
    match (number, date("starts_on"), date("ends_on")) {
        (Some(number), Some(starts_on), Some(ends_on)) => Some(HalfTermBody {
            number,
            starts_on,
            ends_on,
        }),
        (None, _, _) => {
            refuse("number is required: 1 to 6");
            None
        }
        _ => {
            refuse("starts_on and ends_on are required: dates, YYYY-MM-DD");
            None
        }
    }
}

#[utoipa::path(
    tag = "calendar",
    summary = "An academy's term dates",
    params(("id" = String, Path, description = "The academy's id")),
    responses((status = 200, description = "Every academic year's six half terms, in date order", body = [YearView]), (status = 404, description = "No such academy in the caller's scope"))
)]
#[get("/academies/{id}/term-dates")]
async fn term_dates(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let years = haven_store::calendar::list(&read, id.0).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(years))
}

/// One half term of the year.
#[derive(ToSchema)]
pub(crate) struct HalfTermBody {
    /// 1 to 6.
    number: u8,
    /// Its first day, YYYY-MM-DD.
    starts_on: NaiveDate,
    /// Its last day, YYYY-MM-DD.
    ends_on: NaiveDate,
}

/// An academic year's six half terms.
#[derive(ToSchema)]
pub(crate) struct TermDatesBody {
    /// The six half terms.
    half_terms: Vec<HalfTermBody>,
}

impl From<HalfTermBody> for NewHalfTerm {
    fn from(half_term: HalfTermBody) -> Self {
        Self {
            number: half_term.number,
            starts_on: half_term.starts_on,
            ends_on: half_term.ends_on,
        }
    }
}

impl FromBody for TermDatesBody {
    const FIELDS: &'static [&'static str] = &["half_terms"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let mut problems = Vec::new();
        let half_terms: Vec<HalfTermBody> = match body.take("half_terms") {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| half_term(index, item, &mut problems))
                .collect(),
            _ => {
                problems.push(problem(
                    "half_terms",
                    "is required: a list of the year's six half terms",
                ));
                Vec::new()
            }
        };
        for found in problems {
            body.refuse(&found.field, found.reason);
        }
        Some(Self { half_terms })
    }
}

#[utoipa::path(
    tag = "calendar",
    summary = "Set an academy's half terms for one academic year",
    params(
        ("id" = String, Path, description = "The academy's id"),
        ("academic_year" = String, Path, description = "The year the academic year starts in: 2026 is 2026/27")
    ),
    request_body(content = HalfTermBody, content_type = "application/json", description = "A JSON object with `half_terms`: six objects with `number` (1 to 6), `starts_on` and `ends_on`; unknown fields are refused"),
    responses((status = 200, description = "The year's half terms", body = YearView), (status = 403, description = "Neither a trust safeguarding lead nor the academy's headteacher"), (status = 404, description = "No such academy in the caller's scope"), (status = 422, description = "Dates that do not read as six half terms a year, with the reason"))
)]
#[put("/academies/{id}/term-dates/{academic_year}")]
async fn set_term_dates(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    year: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let academy_id = id.0;
    let academic_year = path_year(&year.into_inner().1)?;
    let TermDatesBody { half_terms } = body::parse(&body)?;
    let half_terms: Vec<NewHalfTerm> = half_terms.into_iter().map(NewHalfTerm::from).collect();
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let year = haven_store::calendar::replace_year(&mut tx, academy_id, academic_year, &half_terms)
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(year))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(term_dates).service(set_term_dates);
}
