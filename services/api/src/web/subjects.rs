//! The pages Haven's emails link to (`haven_domain::notification::page_path`, and an escalation
//! notice's `/escalations/{id}`): for a signed-in person, what the subject is and what to do
//! next, with a link to its JSON resource. Each page reads through the same store functions as
//! the API, so the same people see it; anyone else, and a missing or malformed id, gets one
//! "not found" page. The pages carry staff names, dates, statuses and counts only: never record
//! content, an action's words, an escalation's reason or anything about a child.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use haven_domain::compliance::ComplianceLevel;
use haven_store::record::SessionSummary;
use haven_store::{ReadTx, Scope, StoreError};
use uuid::Uuid;

use crate::auth;
use crate::extract::{self, Authenticated};
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::web::{not_found, render};

/// One fact about the subject: a term and its value.
struct Fact {
    term: &'static str,
    value: String,
}

/// A link, its text saying where it goes.
struct Link {
    href: String,
    text: String,
}

#[derive(Template)]
#[template(path = "subjects/subject.html")]
struct SubjectPage {
    title: String,
    facts: Vec<Fact>,
    next: String,
    links: Vec<Link>,
}

fn fact(term: &'static str, value: impl Into<String>) -> Fact {
    Fact {
        term,
        value: value.into(),
    }
}

fn link(href: impl Into<String>, text: impl Into<String>) -> Link {
    Link {
        href: href.into(),
        text: text.into(),
    }
}

/// A stored code (`carried_forward`) as words (`carried forward`).
fn words(code: &str) -> String {
    code.replace('_', " ")
}

fn day(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// An instant as people in England read it: London wall-clock time.
fn moment(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::London)
        .format("%A %-d %B %Y, %H:%M")
        .to_string()
}

fn maybe_day(date: Option<NaiveDate>, none: &str) -> String {
    date.map_or_else(|| none.to_owned(), day)
}

/// A store answer as a page: what the scope cannot see (or may not read) is not found.
fn page(found: Result<SubjectPage, StoreError>) -> Result<HttpResponse, ApiError> {
    match found {
        Ok(page) => Ok(render(StatusCode::OK, &page)),
        Err(
            StoreError::NotFound | StoreError::OutOfScope { .. } | StoreError::NotPermitted { .. },
        ) => Ok(not_found()),
        Err(other) => Err(other.into()),
    }
}

/// The id of the path, or `None` for a malformed one (answered as a missing one).
fn path_id(req: &HttpRequest) -> Option<Uuid> {
    req.match_info()
        .get("id")
        .and_then(|raw| Uuid::parse_str(raw).ok())
}

/// Display names of people of the scope's trust, in the order asked; someone the scope cannot
/// read is "someone in your trust".
async fn names(read: &ReadTx<'_>, ids: &[Uuid]) -> Result<Vec<String>, StoreError> {
    let mut names = Vec::with_capacity(ids.len());
    for id in ids {
        names.push(match haven_store::admin::display_name(read, *id).await {
            Ok(name) => name,
            Err(StoreError::NotFound) => "someone in your trust".to_owned(),
            Err(other) => return Err(other),
        });
    }
    Ok(names)
}

async fn name(read: &ReadTx<'_>, id: Uuid) -> Result<String, StoreError> {
    Ok(names(read, &[id]).await?.concat())
}

/// A session's facts: its staff, date, length, kind and status, and how far its record has got.
async fn session_facts(
    read: &ReadTx<'_>,
    summary: &SessionSummary,
) -> Result<Vec<Fact>, StoreError> {
    let figures = &summary.figures;
    let supervisor = name(read, summary.supervisor_id).await?;
    let supervisees = names(read, &summary.supervisee_ids).await?;
    let progress = figures.record.as_ref().map_or_else(
        || "not written yet".to_owned(),
        |r| match r.status.as_str() {
            // The reason is part of the record: it is shown with the content, to those who
            // may read it.
            "disagreed" => "disagreed: a supervisee recorded a disagreement with it".to_owned(),
            other => words(other),
        } + if r.on_paper {
            " (on paper: the original is kept outside Haven)"
        } else {
            ""
        },
    );
    let mut facts = vec![
        fact("Supervisor", supervisor),
        fact("Supervisees", supervisees.join(", ")),
        fact("Starts", moment(figures.starts_at)),
        fact("Length", format!("{} minutes", figures.duration_minutes)),
        fact("Kind", words(figures.kind.code())),
        fact("Status", words(&figures.status)),
        fact("Record", progress),
    ];
    if figures.rebooking_of_id.is_some() {
        let when = if figures.rebooked_late {
            "late: after the cancelled session's re-hold deadline"
        } else {
            "within the cancelled session's re-hold deadline"
        };
        facts.push(fact("Re-booking", when));
    }
    Ok(facts)
}

/// A page request: a signed-in person and the subject's id, or the answer already decided.
enum Visit {
    Subject(Box<Authenticated>, Uuid),
    Answered(HttpResponse),
}

/// Who asks for which subject: anyone not signed in is sent to sign in; a bearer token (an
/// integration's, with no pages) and a malformed id are not found.
async fn visit(req: &HttpRequest) -> Result<Visit, ApiError> {
    Ok(match extract::current(req).await? {
        None => Visit::Answered(auth::return_to::to_sign_in(req)),
        Some(signed_in) if signed_in.session.is_some() => match path_id(req) {
            Some(id) => Visit::Subject(Box::new(signed_in), id),
            None => Visit::Answered(not_found()),
        },
        Some(_) => Visit::Answered(not_found()),
    })
}

#[get("/sessions/{id}")]
async fn session(req: HttpRequest, state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    match visit(&req).await? {
        Visit::Subject(me, id) => page(session_page(&state, &me.scope, id).await),
        Visit::Answered(answer) => Ok(answer),
    }
}

async fn session_page(
    state: &ApiState,
    scope: &Scope,
    id: Uuid,
) -> Result<SubjectPage, StoreError> {
    let read = state.db.read(scope).await?;
    let summary = haven_store::record::session_summary(&read, id).await?;
    let mut links = vec![link(
        format!("/api/v1/sessions/{id}"),
        "This session's figures as JSON",
    )];
    if let Some(written) = &summary.figures.record {
        links.push(link(
            format!("/records/{}", written.id),
            "This session's record",
        ));
    }
    let facts = session_facts(&read, &summary).await?;
    read.finish().await?;
    Ok(SubjectPage {
        title: "Supervision session".into(),
        facts,
        next: if !summary.figures.kind.owes_record() {
            "Check the date and time. An ad hoc session owes no agenda and no record: after it \
             its supervisor marks it held."
        } else {
            "Check the date and time. After the session its supervisor marks it held and \
             writes the record."
        }
        .into(),
        links,
    })
}

#[get("/records/{id}")]
async fn record(req: HttpRequest, state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    match visit(&req).await? {
        Visit::Subject(me, id) => page(record_page(&state, &me.scope, id).await),
        Visit::Answered(answer) => Ok(answer),
    }
}

async fn record_page(state: &ApiState, scope: &Scope, id: Uuid) -> Result<SubjectPage, StoreError> {
    let read = state.db.read(scope).await?;
    let summary = haven_store::record::record_summary(&read, id, state.clock.now()).await?;
    let facts = session_facts(&read, &summary).await?;
    read.finish().await?;
    Ok(SubjectPage {
        title: "Supervision record".into(),
        facts,
        next: "Its supervisee reads and signs a sent record. Its content is shown only to those \
               entitled to read it, and each reading is audited."
            .into(),
        links: vec![
            link(
                format!("/api/v1/records/{id}"),
                "The record's content as JSON, if you may read it",
            ),
            link(
                format!("/sessions/{}", summary.figures.session_id),
                "The record's session",
            ),
        ],
    })
}

fn level(level: ComplianceLevel) -> &'static str {
    match level {
        ComplianceLevel::OnTrack => "on track",
        ComplianceLevel::BehindPlan => "behind plan",
        ComplianceLevel::DueSoon => "due soon",
        ComplianceLevel::Overdue => "overdue",
    }
}

#[get("/people/{id}/supervision")]
async fn supervision(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    match visit(&req).await? {
        Visit::Subject(me, id) => page(supervision_page(&state, &me.scope, id).await),
        Visit::Answered(answer) => Ok(answer),
    }
}

async fn supervision_page(
    state: &ApiState,
    scope: &Scope,
    id: Uuid,
) -> Result<SubjectPage, StoreError> {
    let as_of = state.clock.today_london();
    let entries = haven_store::compliance::supervisees(&state.db, scope, as_of).await?;
    let theirs: Vec<_> = entries
        .into_iter()
        .filter(|entry| entry.person_id == id)
        .collect();
    let Some(first) = theirs.first() else {
        return Err(StoreError::NotFound);
    };
    let mut facts = vec![
        fact("Supervisee", first.name.clone()),
        fact("As of", day(as_of)),
    ];
    let read = state.db.read(scope).await?;
    for entry in &theirs {
        let supervisor = name(&read, entry.supervisor_id).await?;
        facts.push(fact(
            "Supervision",
            format!("{} with {supervisor}", level(entry.level)),
        ));
    }
    read.finish().await?;
    Ok(SubjectPage {
        title: format!("Supervision of {}", first.name),
        facts,
        next: "When supervision is behind or overdue, its supervisor books the next session."
            .into(),
        links: vec![link(
            "/api/v1/compliance/supervisees",
            "Every supervisee's compliance as JSON",
        )],
    })
}

#[get("/actions/{id}")]
async fn action(req: HttpRequest, state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    match visit(&req).await? {
        Visit::Subject(me, id) => page(action_page(&state, &me.scope, id).await),
        Visit::Answered(answer) => Ok(answer),
    }
}

async fn action_page(state: &ApiState, scope: &Scope, id: Uuid) -> Result<SubjectPage, StoreError> {
    let read = state.db.read(scope).await?;
    let found = haven_store::action::figures(&read, id).await?;
    let owner = name(&read, found.owner_id).await?;
    let overdue = found.status == "open" && found.due_on < state.clock.today_london();
    read.finish().await?;
    Ok(SubjectPage {
        title: "Supervision action".into(),
        facts: vec![
            fact("Owner", owner),
            fact("Due", day(found.due_on)),
            fact(
                "Status",
                if overdue {
                    "open, overdue".to_owned()
                } else {
                    words(&found.status)
                },
            ),
            fact("Completed", maybe_day(found.completed_on, "not yet")),
        ],
        next: "Its owner marks it done, or its supervisor carries it forward to the next session."
            .into(),
        links: vec![
            link(
                format!("/api/v1/sessions/{}/actions", found.session_id),
                "The session's actions as JSON",
            ),
            link(
                format!("/sessions/{}", found.session_id),
                "The session the action was agreed in",
            ),
        ],
    })
}

#[get("/agreements/{id}")]
async fn agreement(req: HttpRequest, state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    match visit(&req).await? {
        Visit::Subject(me, id) => page(agreement_page(&state, &me.scope, id).await),
        Visit::Answered(answer) => Ok(answer),
    }
}

async fn agreement_page(
    state: &ApiState,
    scope: &Scope,
    id: Uuid,
) -> Result<SubjectPage, StoreError> {
    let read = state.db.read(scope).await?;
    let view = haven_store::agreement::get(&read, id).await?;
    let supervisor = name(&read, view.supervisor_id).await?;
    let supervisees = names(&read, &view.supervisee_ids).await?;
    read.finish().await?;
    Ok(SubjectPage {
        title: "Supervision agreement".into(),
        facts: vec![
            fact("Supervisor", supervisor),
            fact("Supervisees", supervisees.join(", ")),
            fact("Kind", words(&view.kind)),
            fact("Version", view.version.to_string()),
            fact("Status", words(&view.status)),
            fact("Signatures", view.signatures.len().to_string()),
            fact("In force from", maybe_day(view.activated_on, "not yet")),
            fact("Review due", maybe_day(view.review_due_on, "not set")),
        ],
        next: "Each party signs a draft before it is in force; an agreement due for review is \
               renewed as a new version."
            .into(),
        links: vec![link(
            format!("/api/v1/agreements/{id}"),
            "This agreement as JSON",
        )],
    })
}

#[get("/qa-reviews/{id}")]
async fn qa_review(req: HttpRequest, state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    match visit(&req).await? {
        Visit::Subject(me, id) => page(qa_review_page(&state, &me.scope, id).await),
        Visit::Answered(answer) => Ok(answer),
    }
}

async fn qa_review_page(
    state: &ApiState,
    scope: &Scope,
    id: Uuid,
) -> Result<SubjectPage, StoreError> {
    let read = state.db.read(scope).await?;
    let review = haven_store::qa::get(&read, id, state.clock.today_london()).await?;
    let reviewer = match review.reviewer_id {
        Some(reviewer) => name(&read, reviewer).await?,
        None => "not assigned".to_owned(),
    };
    let status = match (review.completed_at, review.overdue) {
        (Some(at), _) => format!("completed {}", moment(at)),
        (None, true) => "overdue".to_owned(),
        (None, false) => "open".to_owned(),
    };
    read.finish().await?;
    Ok(SubjectPage {
        title: "Quality assurance review".into(),
        facts: vec![
            fact("Reviewer", reviewer),
            fact("Due", day(review.due_on)),
            fact("Status", status),
        ],
        next: "The director of education answers the checklist and completes the review.".into(),
        links: vec![
            link(format!("/api/v1/qa-reviews/{id}"), "This review as JSON"),
            link(
                format!("/agreements/{}", review.agreement_id),
                "The agreement under review",
            ),
        ],
    })
}

#[get("/training/{id}")]
async fn training(req: HttpRequest, state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    match visit(&req).await? {
        Visit::Subject(me, id) => page(training_page(&state, &me.scope, id).await),
        Visit::Answered(answer) => Ok(answer),
    }
}

async fn training_page(
    state: &ApiState,
    scope: &Scope,
    id: Uuid,
) -> Result<SubjectPage, StoreError> {
    let read = state.db.read(scope).await?;
    let person = haven_store::training::holder(&read, id).await?;
    let rows = haven_store::training::list(&read, person).await?;
    let Some(row) = rows.into_iter().find(|row| row.id == id) else {
        return Err(StoreError::NotFound);
    };
    let holder = name(&read, person).await?;
    read.finish().await?;
    Ok(SubjectPage {
        title: format!("Training of {holder}"),
        facts: vec![
            fact("Person", holder),
            fact("Kind", words(&row.kind)),
            fact("Completed", day(row.completed_on)),
            fact("Expires", maybe_day(row.expires_on, "does not expire")),
        ],
        next: "Before it expires, book the refresher and record it in Haven when done.".into(),
        links: vec![link(
            format!("/api/v1/people/{person}/training"),
            "This person's training as JSON",
        )],
    })
}

#[get("/escalations/{id}")]
async fn escalation(
    req: HttpRequest,
    state: web::Data<ApiState>,
) -> Result<HttpResponse, ApiError> {
    match visit(&req).await? {
        Visit::Subject(me, id) => page(escalation_page(&state, &me.scope, id).await),
        Visit::Answered(answer) => Ok(answer),
    }
}

async fn escalation_page(
    state: &ApiState,
    scope: &Scope,
    id: Uuid,
) -> Result<SubjectPage, StoreError> {
    let read = state.db.read(scope).await?;
    let escalations = haven_store::escalation::list(&read).await?;
    let Some(raised) = escalations.into_iter().find(|row| row.id == id) else {
        return Err(StoreError::NotFound);
    };
    let raiser = name(&read, raised.raised_by).await?;
    let assignee = match raised.assignee_id {
        Some(assignee) => name(&read, assignee).await?,
        None => "not assigned".to_owned(),
    };
    read.finish().await?;
    Ok(SubjectPage {
        title: "Escalation".into(),
        facts: vec![
            fact("Raised by", raiser),
            fact("Raised", moment(raised.created_at)),
            fact("Escalated to", words(&raised.escalated_to)),
            fact("Assigned to", assignee),
            fact("Meeting", maybe_day(raised.meeting_on, "not arranged")),
            fact("Status", words(&raised.status)),
        ],
        next: "Whoever it is assigned to arranges a meeting, then closes it with the outcome."
            .into(),
        links: vec![link("/api/v1/escalations", "Your escalations as JSON")],
    })
}

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(session)
        .service(record)
        .service(supervision)
        .service(action)
        .service(agreement)
        .service(qa_review)
        .service(training)
        .service(escalation);
}
