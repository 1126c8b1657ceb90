//! People's safeguarding and supervision training, and the trust lead's feed of whose training
//! has lapsed or soon will. Who may see or record it is the store's rule
//! (`haven_store::training`).

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use haven_store::training::{Expiring, NewTraining, TrainingKind, TrainingView};
use serde::Deserialize;
use utoipa::ToSchema;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody, problem};

/// How far ahead the dashboard looks unless asked: the policy's "expiring" reminder window.
const DEFAULT_WITHIN_DAYS: u32 = 60;

#[derive(Deserialize)]
struct ExpiringQuery {
    /// Read as text so a bad value is answered as a named field (422), not a bare 400.
    within_days: Option<String>,
}

/// Training a person completed.
#[derive(ToSchema)]
pub(crate) struct NewTrainingBody {
    /// The course, one line.
    course: String,
    /// dsl, deputy_dsl, supervision or other.
    #[schema(value_type = String, example = "dsl")]
    kind: TrainingKind,
    /// The day it was completed, YYYY-MM-DD, not in the future.
    completed_on: NaiveDate,
    /// When it expires, YYYY-MM-DD; for dsl and deputy_dsl it defaults to `completed_on` plus
    /// the trust policy's dsl_training_years.
    expires_on: Option<NaiveDate>,
}

impl FromBody for NewTrainingBody {
    const FIELDS: &'static [&'static str] = &["course", "kind", "completed_on", "expires_on"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let course = body.line("course");
        let kind = body.parsed("kind", TrainingKind::parse);
        let completed_on = body.date("completed_on");
        let expires_on = body.optional_date("expires_on");
        Some(Self {
            course,
            kind: kind?,
            completed_on: completed_on?,
            expires_on,
        })
    }
}

#[utoipa::path(
    tag = "training",
    summary = "Record training a person completed",
    params(("id" = String, Path, description = "The person's id")),
    request_body(content = NewTrainingBody, content_type = "application/json", description = "A JSON object with `course`, `kind` (dsl, deputy_dsl, supervision or other), `completed_on` (not in the future) and optionally `expires_on` (for dsl and deputy_dsl it defaults to completed_on plus the trust policy's dsl_training_years); unknown fields are refused"),
    responses((status = 201, description = "The training record", body = TrainingView), (status = 403, description = "Neither the person nor a trust safeguarding lead"), (status = 404, description = "No such person in the caller's scope"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/people/{id}/training")]
async fn record_training(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let person_id = id.0;
    let NewTrainingBody {
        course,
        kind,
        completed_on,
        expires_on,
    } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let training = haven_store::training::record(
        &mut tx,
        NewTraining {
            person_id,
            course: &course,
            kind,
            completed_on,
            expires_on,
        },
        state.clock.today_london(),
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::Created().json(training))
}

#[utoipa::path(
    tag = "training",
    summary = "A person's training",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 200, description = "The person's training, latest first", body = [TrainingView]), (status = 403, description = "Not the person, a trust safeguarding lead, or the headteacher or regional lead of an academy where they hold a role"), (status = 404, description = "No such person in the caller's scope"))
)]
#[get("/people/{id}/training")]
async fn list_training(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let training = haven_store::training::list(&read, id.0).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(training))
}

#[utoipa::path(
    tag = "training",
    summary = "Whose training has expired or expires soon",
    params(("within_days" = Option<u32>, Query, description = "How many days ahead to look (default 60, at most 366)")),
    responses((status = 200, description = "Each person's lapsed or lapsing training, soonest first", body = [Expiring]), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "within_days is not a number of days"))
)]
#[get("/training/expiring")]
async fn expiring_training(
    state: web::Data<ApiState>,
    caller: Authenticated,
    query: web::Query<ExpiringQuery>,
) -> Result<HttpResponse, ApiError> {
    let within_days = match query.within_days.as_deref() {
        None => DEFAULT_WITHIN_DAYS,
        Some(text) => text.parse().map_err(|_| {
            ApiError::Validation(vec![problem("within_days", "must be a number of days")])
        })?,
    };
    let read = state.db.read(&caller.scope).await?;
    let due =
        haven_store::training::expiring(&read, state.clock.today_london(), within_days).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(due))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(record_training)
        .service(list_training)
        .service(expiring_training);
}
