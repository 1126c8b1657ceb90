//! Quarterly quality-assurance reviews (Appendix 4): generated for each active agreement
//! lineage, read by the director, trust leads and the leads of their academies, answered and
//! completed by the assigned director. The rules are the store's (`haven_store::qa`).

use actix_web::{HttpResponse, get, post, put, web};
use chrono::NaiveDate;
use haven_store::qa::{self, Answers, CHECKLIST, QaReviewView};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody, problem};

/// The checklist object: each known item true, false or null; unknown items refused.
fn checklist(body: &mut Body) -> [Option<bool>; 9] {
    let mut answers = [None; 9];
    let Some(sent) = body.take("checklist") else {
        return answers;
    };
    let Value::Object(items) = sent else {
        body.refuse("checklist", "must be an object of yes/no answers");
        return answers;
    };
    for key in items.keys() {
        if !CHECKLIST.iter().any(|(known, _)| known == key) {
            body.refuse(&format!("checklist.{key}"), "is not a checklist item");
        }
    }
    for (answer, (key, field)) in answers.iter_mut().zip(CHECKLIST) {
        *answer = match items.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(yes)) => Some(*yes),
            Some(_) => {
                body.refuse(field, "must be true, false or null");
                None
            }
        };
    }
    answers
}

/// The day up to which due QA reviews are created.
#[derive(ToSchema)]
pub(crate) struct GenerateReviewsBody {
    /// YYYY-MM-DD, not after today.
    as_of: NaiveDate,
}

impl FromBody for GenerateReviewsBody {
    const FIELDS: &'static [&'static str] = &["as_of"];

    fn from_body(body: &mut Body) -> Option<Self> {
        let as_of = body.optional_date("as_of");
        if as_of.is_none() {
            body.refuse("as_of", "is required: a date, YYYY-MM-DD");
        }
        Some(Self { as_of: as_of? })
    }
}

/// The reviews one call to generate created.
#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedReviews {
    /// None when run again.
    created: Vec<QaReviewView>,
}

#[utoipa::path(
    tag = "qa-reviews",
    summary = "Create the QA reviews due on or before a date",
    request_body(content = GenerateReviewsBody, content_type = "application/json", description = "A JSON object with `as_of` (YYYY-MM-DD); reviews already created are left as they are; unknown fields are refused"),
    responses((status = 200, description = "The reviews this call created (none when run again)", body = CreatedReviews), (status = 403, description = "Not a trust safeguarding lead"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/qa-reviews/generate")]
async fn generate(
    state: web::Data<ApiState>,
    caller: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let GenerateReviewsBody { as_of } = body::parse(&body)?;
    // Reviews due later are opened one at a time by the director (`POST
    // /agreements/{id}/qa-reviews/next`), so one call never creates years of them.
    if as_of > state.clock.today_london() {
        return Err(ApiError::Validation(vec![problem(
            "as_of",
            "must not be after today; the director opens a review before it falls due",
        )]));
    }
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let created = qa::create_due(&mut tx, as_of).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(CreatedReviews { created }))
}

#[utoipa::path(
    tag = "qa-reviews",
    summary = "Open an agreement's next QA review before it falls due",
    params(("id" = String, Path, description = "The agreement's id (any version of its lineage)")),
    responses((status = 201, description = "The review, keeping its due date (completing it early does not move the rhythm), assigned to the caller", body = QaReviewView), (status = 403, description = "Not the director of education"), (status = 404, description = "No such agreement in the caller's trust"), (status = 422, description = "The agreement is not active, or its next review is already open (`agreement`)"))
)]
#[post("/agreements/{id}/qa-reviews/next")]
async fn open_next(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let review = qa::open_next(&mut tx, id.0).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/api/v1/qa-reviews/{}", review.id)))
        .json(review))
}

#[utoipa::path(
    tag = "qa-reviews",
    summary = "The QA reviews the caller may see",
    responses((status = 200, description = "Reviews of the academies the caller sees, soonest due first, each with `overdue` as of today", body = [QaReviewView]), (status = 403, description = "Not the director of education, a trust safeguarding lead, a headteacher or a regional lead"))
)]
#[get("/qa-reviews")]
async fn list(state: web::Data<ApiState>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let reviews = qa::list(&read, state.clock.today_london()).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(reviews))
}

#[utoipa::path(
    tag = "qa-reviews",
    summary = "One QA review",
    params(("id" = String, Path, description = "The review's id")),
    responses((status = 200, description = "The review, with `overdue` as of today", body = QaReviewView), (status = 403, description = "Not the director of education, a trust safeguarding lead, a headteacher or a regional lead"), (status = 404, description = "No such review in the caller's scope"))
)]
#[get("/qa-reviews/{id}")]
async fn get_one(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let review = qa::get(&read, id.0, state.clock.today_london()).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(review))
}

/// The nine yes/no items of a QA review's checklist, each true, false or null (unanswered).
#[derive(ToSchema)]
pub(crate) struct ChecklistBody {
    reflection_on_practice: Option<bool>,
    explored_alternatives: Option<bool>,
    dynamics_with_families: Option<bool>,
    effect_on_own_feelings: Option<bool>,
    constructive_feedback: Option<bool>,
    felt_supported: Option<bool>,
    workload_reviewed: Option<bool>,
    professional_development: Option<bool>,
    new_skills: Option<bool>,
}

impl From<[Option<bool>; 9]> for ChecklistBody {
    /// The answers in [`CHECKLIST`]'s order.
    fn from(answers: [Option<bool>; 9]) -> Self {
        let [
            reflection_on_practice,
            explored_alternatives,
            dynamics_with_families,
            effect_on_own_feelings,
            constructive_feedback,
            felt_supported,
            workload_reviewed,
            professional_development,
            new_skills,
        ] = answers;
        Self {
            reflection_on_practice,
            explored_alternatives,
            dynamics_with_families,
            effect_on_own_feelings,
            constructive_feedback,
            felt_supported,
            workload_reviewed,
            professional_development,
            new_skills,
        }
    }
}

impl From<ChecklistBody> for [Option<bool>; 9] {
    /// The answers in [`CHECKLIST`]'s order.
    fn from(answers: ChecklistBody) -> Self {
        [
            answers.reflection_on_practice,
            answers.explored_alternatives,
            answers.dynamics_with_families,
            answers.effect_on_own_feelings,
            answers.constructive_feedback,
            answers.felt_supported,
            answers.workload_reviewed,
            answers.professional_development,
            answers.new_skills,
        ]
    }
}

/// A QA review's answers, saved or completed.
#[derive(ToSchema)]
pub(crate) struct AnswerReviewBody {
    /// The `row_version` read.
    row_version: i32,
    contract_agreed: Option<bool>,
    written_records: Option<bool>,
    /// Unanswered items when absent.
    checklist: ChecklistBody,
    comments: Option<String>,
    key_actions: Option<String>,
    /// true to complete: every answer is then required.
    complete: Option<bool>,
    /// The day it was completed, YYYY-MM-DD, for one entered afterwards; today when absent.
    completed_on: Option<NaiveDate>,
}

impl FromBody for AnswerReviewBody {
    const FIELDS: &'static [&'static str] = &[
        "row_version",
        "contract_agreed",
        "written_records",
        "checklist",
        "comments",
        "key_actions",
        "complete",
        "completed_on",
    ];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            contract_agreed: body.optional_boolean("contract_agreed"),
            written_records: body.optional_boolean("written_records"),
            checklist: checklist(body).into(),
            comments: body.optional_string("comments"),
            key_actions: body.optional_string("key_actions"),
            complete: body.optional_boolean("complete"),
            completed_on: body.optional_date("completed_on"),
            row_version: body.integer("row_version"),
        })
    }
}

impl From<AnswerReviewBody> for Answers {
    fn from(answers: AnswerReviewBody) -> Self {
        Self {
            contract_agreed: answers.contract_agreed,
            written_records: answers.written_records,
            checklist: answers.checklist.into(),
            comments: answers.comments,
            key_actions: answers.key_actions,
            complete: answers.complete.unwrap_or(false),
            completed_on: answers.completed_on,
            row_version: answers.row_version,
        }
    }
}

#[utoipa::path(
    tag = "qa-reviews",
    summary = "Answer or complete a QA review",
    params(("id" = String, Path, description = "The review's id")),
    request_body(content = ChecklistBody, content_type = "application/json", description = "A JSON object with `row_version` (as read), `contract_agreed`, `written_records`, `checklist` (an object of the nine yes/no items: reflection_on_practice, explored_alternatives, dynamics_with_families, effect_on_own_feelings, constructive_feedback, felt_supported, workload_reviewed, professional_development, new_skills), `comments`, `key_actions`, `complete` (true to complete: every answer is then required) and, when completing one entered afterwards, an optional `completed_on` (YYYY-MM-DD, not in the future nor before the agreement was active; today when absent); unknown fields are refused"),
    responses((status = 200, description = "The review as saved", body = QaReviewView), (status = 403, description = "Not the director the review is assigned to"), (status = 404, description = "No such review in the caller's scope"), (status = 409, description = "The review changed since it was read"), (status = 422, description = "Invalid input or a missing answer, with the field"))
)]
#[put("/qa-reviews/{id}")]
async fn answer_review(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let answers = Answers::from(body::parse::<AnswerReviewBody>(&body)?);
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let review = qa::answer(&mut tx, id, answers, state.clock.today_london()).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(review))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(generate)
        .service(open_next)
        .service(list)
        .service(get_one)
        .service(answer_review);
}
