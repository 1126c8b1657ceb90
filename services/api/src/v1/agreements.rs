//! Supervision agreements: drafted, edited while a draft, signed by every party, renewed as a new
//! version. Who may do what, and which values are refused, is the store's rule
//! (`haven_store::agreement`); this module reads bodies field by field so each mistake is named.

use actix_web::{HttpResponse, get, patch, post, web};
use haven_store::agreement::{
    self, AgreementSummary, AgreementView, Kind, NewAgreement, TermsInput, TermsPatch,
};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::extract::PathId;
use crate::problem::{ApiError, FieldProblem};
use crate::state::ApiState;
use crate::v1::body::{self, Body, FromBody, problem};

/// Mistakes in the fields [`Body`] has no reader for (ids, lists, numbers, flags), kept apart
/// and answered together with the body's own.
#[derive(Default)]
struct Extra(Vec<FieldProblem>);

impl Extra {
    fn id(&mut self, value: Option<Value>, field: &str) -> Option<Uuid> {
        let id = value
            .as_ref()
            .and_then(Value::as_str)
            .and_then(|text| Uuid::try_parse(text).ok());
        if id.is_none() {
            self.0.push(problem(field, "is required: an id"));
        }
        id
    }

    fn ids(&mut self, value: Option<Value>, field: &str) -> Vec<Uuid> {
        let ids: Option<Vec<Uuid>> = value.as_ref().and_then(Value::as_array).and_then(|items| {
            items
                .iter()
                .map(|item| item.as_str().and_then(|text| Uuid::try_parse(text).ok()))
                .collect()
        });
        ids.unwrap_or_else(|| {
            self.0.push(problem(field, "is required: a list of ids"));
            Vec::new()
        })
    }

    fn count(&mut self, value: Option<Value>, field: &str) -> Option<u32> {
        let value = value?;
        let count = value.as_u64().and_then(|n| u32::try_from(n).ok());
        if count.is_none() {
            self.0.push(problem(field, "must be a whole number"));
        }
        count
    }

    fn flag(&mut self, value: Option<Value>, field: &str) -> Option<bool> {
        let value = value?;
        let flag = value.as_bool();
        if flag.is_none() {
            self.0.push(problem(field, "must be true or false"));
        }
        flag
    }

    /// These problems noted on the body, after its own, to be answered together.
    fn finish(self, body: &mut Body) {
        for found in self.0 {
            body.refuse(&found.field, found.reason);
        }
    }
}

#[utoipa::path(
    tag = "agreements",
    summary = "List the agreements the caller sees",
    responses((status = 200, description = "The agreements the caller is a party to, and those of the academies they see", body = [AgreementSummary]), (status = 401, description = "Not signed in"))
)]
#[get("/agreements")]
async fn list_agreements(
    state: web::Data<ApiState>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let agreements = agreement::list(&read).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(agreements))
}

/// A new draft's terms: `plan_cadence`, `standard_agenda`, `records_location`,
/// `confidentiality_terms` and `diversity_terms` are required, `extended_each_half_term` is
/// false when absent and the other terms left out are the academy's policy.
#[derive(ToSchema)]
pub(crate) struct DraftTermsBody {
    /// weekly, every_n_weeks (with `plan_weeks`), half_termly or termly.
    plan_cadence: String,
    /// N for every_n_weeks, and only for it.
    plan_weeks: Option<u32>,
    /// Whether one session each half term is extended; false when left out.
    extended_each_half_term: Option<bool>,
    /// The floor below which a supervisee is overdue (weekly, every_N_weeks, half_termly, termly); the academy's policy when left out.
    minimum: Option<String>,
    /// The session length; the academy's policy when left out.
    session_minutes: Option<u32>,
    /// The cap on cases per session; the academy's policy when left out.
    max_cases_per_session: Option<u32>,
    /// Whether agendas are asked for; the academy's policy when left out.
    agenda_required: Option<bool>,
    /// The standard agenda.
    standard_agenda: String,
    /// Where records are kept.
    records_location: String,
    /// The confidentiality terms.
    confidentiality_terms: String,
    /// The diversity terms.
    diversity_terms: String,
}

impl DraftTermsBody {
    /// Reads every term, noting mistakes (a text missing among them) on `body` and, for the
    /// fields `body` has no reader for, on `extra`.
    fn read(body: &mut Body, extra: &mut Extra) -> Self {
        let plan_cadence = body.string("plan_cadence");
        let plan_weeks = extra.count(body.take("plan_weeks"), "plan_weeks");
        let extended_each_half_term = extra.flag(
            body.take("extended_each_half_term"),
            "extended_each_half_term",
        );
        let minimum = body.optional_string("minimum");
        let session_minutes = extra.count(body.take("session_minutes"), "session_minutes");
        let max_cases_per_session =
            extra.count(body.take("max_cases_per_session"), "max_cases_per_session");
        let agenda_required = extra.flag(body.take("agenda_required"), "agenda_required");
        let standard_agenda = body.string("standard_agenda");
        let records_location = body.string("records_location");
        let confidentiality_terms = body.string("confidentiality_terms");
        let diversity_terms = body.string("diversity_terms");
        Self {
            plan_cadence,
            plan_weeks,
            extended_each_half_term,
            minimum,
            session_minutes,
            max_cases_per_session,
            agenda_required,
            standard_agenda,
            records_location,
            confidentiality_terms,
            diversity_terms,
        }
    }
}

/// A draft's changed terms: any of them may be sent, and each one absent is left as it is.
#[derive(ToSchema)]
pub(crate) struct TermsBody {
    /// weekly, every_n_weeks (with `plan_weeks`), half_termly or termly.
    plan_cadence: Option<String>,
    /// N for every_n_weeks, and only for it.
    plan_weeks: Option<u32>,
    /// Whether one session each half term is extended.
    extended_each_half_term: Option<bool>,
    /// The floor below which a supervisee is overdue (weekly, every_N_weeks, half_termly, termly).
    minimum: Option<String>,
    /// The session length.
    session_minutes: Option<u32>,
    /// The cap on cases per session.
    max_cases_per_session: Option<u32>,
    /// Whether agendas are asked for.
    agenda_required: Option<bool>,
    /// The standard agenda.
    standard_agenda: Option<String>,
    /// Where records are kept.
    records_location: Option<String>,
    /// The confidentiality terms.
    confidentiality_terms: Option<String>,
    /// The diversity terms.
    diversity_terms: Option<String>,
}

impl TermsBody {
    const FIELDS: [&'static str; 11] = [
        "plan_cadence",
        "plan_weeks",
        "extended_each_half_term",
        "minimum",
        "session_minutes",
        "max_cases_per_session",
        "agenda_required",
        "standard_agenda",
        "records_location",
        "confidentiality_terms",
        "diversity_terms",
    ];

    /// Reads the terms sent, noting mistakes on `body` and, for the fields `body` has no
    /// reader for, on `extra`.
    fn read(body: &mut Body, extra: &mut Extra) -> Self {
        let plan_cadence = body.optional_string("plan_cadence");
        let plan_weeks = extra.count(body.take("plan_weeks"), "plan_weeks");
        let extended_each_half_term = extra.flag(
            body.take("extended_each_half_term"),
            "extended_each_half_term",
        );
        let minimum = body.optional_string("minimum");
        let session_minutes = extra.count(body.take("session_minutes"), "session_minutes");
        let max_cases_per_session =
            extra.count(body.take("max_cases_per_session"), "max_cases_per_session");
        let agenda_required = extra.flag(body.take("agenda_required"), "agenda_required");
        let standard_agenda = body.optional_string("standard_agenda");
        let records_location = body.optional_string("records_location");
        let confidentiality_terms = body.optional_string("confidentiality_terms");
        let diversity_terms = body.optional_string("diversity_terms");
        Self {
            plan_cadence,
            plan_weeks,
            extended_each_half_term,
            minimum,
            session_minutes,
            max_cases_per_session,
            agenda_required,
            standard_agenda,
            records_location,
            confidentiality_terms,
            diversity_terms,
        }
    }
}

/// A draft's terms, the store's defaults and policy filling in those left out.
impl From<DraftTermsBody> for TermsInput {
    fn from(terms: DraftTermsBody) -> Self {
        Self {
            plan_cadence: terms.plan_cadence,
            plan_weeks: terms.plan_weeks,
            extended_each_half_term: terms.extended_each_half_term.unwrap_or(false),
            minimum: terms.minimum,
            session_minutes: terms.session_minutes,
            max_cases_per_session: terms.max_cases_per_session,
            agenda_required: terms.agenda_required,
            standard_agenda: terms.standard_agenda,
            records_location: terms.records_location,
            confidentiality_terms: terms.confidentiality_terms,
            diversity_terms: terms.diversity_terms,
        }
    }
}

/// An edit's terms: each one absent is left as it is.
impl From<TermsBody> for TermsPatch {
    fn from(terms: TermsBody) -> Self {
        Self {
            plan_cadence: terms.plan_cadence,
            plan_weeks: terms.plan_weeks,
            extended_each_half_term: terms.extended_each_half_term,
            minimum: terms.minimum,
            session_minutes: terms.session_minutes,
            max_cases_per_session: terms.max_cases_per_session,
            agenda_required: terms.agenda_required,
            standard_agenda: terms.standard_agenda,
            records_location: terms.records_location,
            confidentiality_terms: terms.confidentiality_terms,
            diversity_terms: terms.diversity_terms,
        }
    }
}

/// A new agreement's parties and terms.
#[derive(ToSchema)]
pub(crate) struct DraftAgreementBody {
    /// The academy it belongs to.
    academy_id: Uuid,
    /// one_to_one, group or external.
    #[schema(value_type = String, example = "one_to_one")]
    kind: Kind,
    /// The supervisor.
    supervisor_id: Uuid,
    /// The supervisees.
    supervisee_ids: Vec<Uuid>,
    #[serde(flatten)]
    terms: DraftTermsBody,
}

impl FromBody for DraftAgreementBody {
    const FIELDS: &'static [&'static str] = &body::fields::<15>(
        &["academy_id", "kind", "supervisor_id", "supervisee_ids"],
        &TermsBody::FIELDS,
    );

    fn from_body(body: &mut Body) -> Option<Self> {
        let mut extra = Extra::default();
        let academy_id = extra.id(body.take("academy_id"), "academy_id");
        let kind = body.parsed("kind", Kind::parse);
        let supervisor_id = extra.id(body.take("supervisor_id"), "supervisor_id");
        let supervisee_ids = extra.ids(body.take("supervisee_ids"), "supervisee_ids");
        let terms = DraftTermsBody::read(body, &mut extra);
        extra.finish(body);
        Some(Self {
            academy_id: academy_id?,
            kind: kind?,
            supervisor_id: supervisor_id?,
            supervisee_ids,
            terms,
        })
    }
}

impl From<DraftAgreementBody> for NewAgreement {
    fn from(draft: DraftAgreementBody) -> Self {
        Self {
            academy_id: draft.academy_id,
            kind: draft.kind,
            supervisor_id: draft.supervisor_id,
            supervisee_ids: draft.supervisee_ids,
            terms: TermsInput::from(draft.terms),
        }
    }
}

#[utoipa::path(
    tag = "agreements",
    summary = "Draft an agreement",
    request_body(content = DraftAgreementBody, content_type = "application/json", description = "A JSON object with `academy_id`, `kind` (one_to_one, group, external), `supervisor_id`, `supervisee_ids`, `plan_cadence` (weekly, every_n_weeks with `plan_weeks`, half_termly, termly), `extended_each_half_term`, `minimum` (weekly, every_N_weeks, half_termly, termly: the floor below which a supervisee is overdue), `session_minutes`, `max_cases_per_session` and `agenda_required` (each optional: the academy's policy when left out), `standard_agenda`, `records_location`, `confidentiality_terms`, `diversity_terms`; unknown fields are refused"),
    responses((status = 201, description = "The draft", body = AgreementView), (status = 403, description = "Neither the supervisor nor a trust safeguarding lead"), (status = 404, description = "No such academy in the caller's scope"), (status = 422, description = "Invalid input, with the field"))
)]
#[post("/agreements")]
async fn draft_agreement(
    state: web::Data<ApiState>,
    caller: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let draft: DraftAgreementBody = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let draft = agreement::draft(&mut tx, NewAgreement::from(draft)).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/api/v1/agreements/{}", draft.id)))
        .json(draft))
}

#[utoipa::path(
    tag = "agreements",
    summary = "Read an agreement",
    params(("id" = String, Path, description = "The agreement's id")),
    responses((status = 200, description = "Terms, parties, signatures and the versions of its lineage", body = AgreementView), (status = 404, description = "No such agreement for the caller"))
)]
#[get("/agreements/{id}")]
async fn get_agreement(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let read = state.db.read(&caller.scope).await?;
    let view = agreement::get(&read, id.0).await?;
    read.finish().await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A draft agreement's changed terms: any of them, and the `row_version` read.
#[derive(ToSchema)]
pub(crate) struct EditAgreementBody {
    /// The `row_version` read.
    row_version: i32,
    #[serde(flatten)]
    terms: TermsBody,
}

impl FromBody for EditAgreementBody {
    const FIELDS: &'static [&'static str] =
        &body::fields::<12>(&["row_version"], &TermsBody::FIELDS);

    fn from_body(body: &mut Body) -> Option<Self> {
        let mut extra = Extra::default();
        let row_version = body.integer("row_version");
        let terms = TermsBody::read(body, &mut extra);
        extra.finish(body);
        Some(Self { row_version, terms })
    }
}

#[utoipa::path(
    tag = "agreements",
    summary = "Edit a draft agreement's terms",
    params(("id" = String, Path, description = "The agreement's id")),
    request_body(content = EditAgreementBody, content_type = "application/json", description = "A JSON object with the `row_version` read and any of the terms; signatures already given are withdrawn; unknown fields are refused"),
    responses((status = 200, description = "The draft", body = AgreementView), (status = 403, description = "Neither the supervisor nor a trust safeguarding lead"), (status = 404, description = "No such agreement for the caller"), (status = 409, description = "Changed since it was read"), (status = 422, description = "Invalid input, or not a draft (`status`)"))
)]
#[patch("/agreements/{id}")]
async fn edit_agreement(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let EditAgreementBody { row_version, terms } = body::parse(&body)?;
    let patch = TermsPatch::from(terms);
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let view = agreement::edit(&mut tx, id, row_version, patch).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The terms a party signs, by the hash of what they read.
#[derive(ToSchema)]
pub(crate) struct SignAgreementBody {
    /// The `content_hash` of the terms read.
    content_hash: String,
}

impl FromBody for SignAgreementBody {
    const FIELDS: &'static [&'static str] = &["content_hash"];

    fn from_body(body: &mut Body) -> Option<Self> {
        Some(Self {
            content_hash: body.string("content_hash"),
        })
    }
}

#[utoipa::path(
    tag = "agreements",
    summary = "Sign a draft agreement as one of its parties",
    params(("id" = String, Path, description = "The agreement's id")),
    request_body(content = SignAgreementBody, content_type = "application/json", description = "A JSON object with the `content_hash` of the terms the signer read; unknown fields are refused"),
    responses((status = 200, description = "The agreement, active once every party has signed", body = AgreementView), (status = 403, description = "Not a party"), (status = 404, description = "No such agreement for the caller"), (status = 409, description = "The terms changed since they were read"), (status = 422, description = "Invalid input, already signed (`signature`) or not a draft (`status`)"))
)]
#[post("/agreements/{id}/sign")]
async fn sign_agreement(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    let SignAgreementBody { content_hash } = body::parse(&body)?;
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let view = agreement::sign(&mut tx, id, &content_hash, state.clock.today_london()).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(
    tag = "agreements",
    summary = "Renew an active agreement as a new draft version",
    params(("id" = String, Path, description = "The agreement's id")),
    responses((status = 201, description = "The new draft version", body = AgreementView), (status = 403, description = "Neither a party nor a trust safeguarding lead"), (status = 404, description = "No such agreement for the caller"), (status = 422, description = "Not active, or a renewal is already drafted (`status`)"))
)]
#[post("/agreements/{id}/renew")]
async fn renew_agreement(
    state: web::Data<ApiState>,
    caller: Authenticated,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.write(&caller.scope, state.clock.now()).await?;
    let renewal = agreement::renew(&mut tx, id.0).await?;
    tx.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/api/v1/agreements/{}", renewal.id)))
        .json(renewal))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_agreements)
        .service(draft_agreement)
        .service(get_agreement)
        .service(edit_agreement)
        .service(sign_agreement)
        .service(renew_agreement);
}
