//! Compliance read models for the dashboards: each supervisee's status on a date with its
//! reasons, and the roll-ups by academy, region and trust. The rules are the domain's and the
//! gathering the store's (`haven_store::compliance`); statuses carry staff names and dates,
//! never record content or a child's details.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use haven_store::compliance::{
    AcademyCompliance, RegionCompliance, SuperviseeCompliance, TrustCompliance,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::v1::body::problem;

#[derive(Deserialize)]
struct AsOfQuery {
    /// Read as text so a bad value is answered as a named field (422), not a bare 400.
    as_of: Option<String>,
    academy_id: Option<String>,
}

/// Each supervisee's compliance on a day.
#[derive(Serialize, ToSchema)]
pub(crate) struct SuperviseesAnswer {
    as_of: NaiveDate,
    /// Worst first.
    supervisees: Vec<SuperviseeCompliance>,
}

/// Each academy's compliance on a day.
#[derive(Serialize, ToSchema)]
pub(crate) struct AcademiesAnswer {
    as_of: NaiveDate,
    /// In name order.
    academies: Vec<AcademyCompliance>,
}

/// Each region's compliance on a day.
#[derive(Serialize, ToSchema)]
pub(crate) struct RegionsAnswer {
    as_of: NaiveDate,
    /// In name order.
    regions: Vec<RegionCompliance>,
}

/// The trust's compliance on a day.
#[derive(Serialize, ToSchema)]
pub(crate) struct TrustAnswer {
    as_of: NaiveDate,
    trust: TrustCompliance,
}

impl AsOfQuery {
    /// The day asked about, today in England unless given.
    fn as_of(&self, state: &ApiState) -> Result<NaiveDate, ApiError> {
        match self.as_of.as_deref() {
            None => Ok(state.clock.today_london()),
            Some(text) => haven_domain::input::date(text)
                .map_err(|refusal| ApiError::Validation(vec![problem("as_of", refusal.0)])),
        }
    }

    fn academy_id(&self) -> Result<Option<Uuid>, ApiError> {
        self.academy_id
            .as_deref()
            .map(|text| {
                Uuid::parse_str(text).map_err(|_| {
                    ApiError::Validation(vec![problem("academy_id", "must be an academy's id")])
                })
            })
            .transpose()
    }
}

#[utoipa::path(
    tag = "compliance",
    summary = "Each supervisee's compliance on a date, worst first",
    description = "One entry per supervisee per agreement in force that day: `level` (on_track, behind_plan, due_soon or overdue), the `reasons` for it and the `flags` beside it (records not sent or unsigned in time, records disagreed with and not yet resolved, actions overdue, agreement past review, training expired, QA overdue, term dates missing), each with a `kind`, its details and a `text`. Statuses read what Haven knew at the end of that day. Trust, regional and academy leads (and `read_figures` tokens) see everyone in the academies they see; anyone else sees the entries they are a party to.",
    params(
        ("as_of" = Option<String>, Query, description = "The day (YYYY-MM-DD); today in England when absent"),
        ("academy_id" = Option<String>, Query, description = "Only this academy's supervisees")
    ),
    responses((status = 200, description = "`as_of` and the `supervisees`", body = SuperviseesAnswer), (status = 422, description = "A malformed as_of or academy_id"))
)]
#[get("/compliance/supervisees")]
async fn supervisees(
    state: web::Data<ApiState>,
    caller: Authenticated,
    query: web::Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let as_of = query.as_of(&state)?;
    let academy = query.academy_id()?;
    let mut entries = haven_store::compliance::supervisees(&state.db, &caller.scope, as_of).await?;
    if let Some(academy) = academy {
        entries.retain(|entry| entry.academy_id == academy);
    }
    Ok(HttpResponse::Ok().json(SuperviseesAnswer {
        as_of,
        supervisees: entries,
    }))
}

#[utoipa::path(
    tag = "compliance",
    summary = "Each academy's compliance on a date",
    description = "For every academy the caller sees: its worst `level`, how many supervisees are on track, behind plan, due soon and overdue, and how many carry each flag.",
    params(("as_of" = Option<String>, Query, description = "The day (YYYY-MM-DD); today in England when absent")),
    responses((status = 200, description = "`as_of` and the `academies`", body = AcademiesAnswer), (status = 403, description = "Not a trust, regional or academy lead, nor a read_figures token"), (status = 422, description = "A malformed as_of"))
)]
#[get("/compliance/academies")]
async fn academies(
    state: web::Data<ApiState>,
    caller: Authenticated,
    query: web::Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let as_of = query.as_of(&state)?;
    let academies = haven_store::compliance::academies(&state.db, &caller.scope, as_of).await?;
    Ok(HttpResponse::Ok().json(AcademiesAnswer { as_of, academies }))
}

#[utoipa::path(
    tag = "compliance",
    summary = "Each region's compliance on a date",
    description = "For every region the caller sees whole (trust-wide, or as its regional lead): the same counts as for an academy, across the region's academies.",
    params(("as_of" = Option<String>, Query, description = "The day (YYYY-MM-DD); today in England when absent")),
    responses((status = 200, description = "`as_of` and the `regions`", body = RegionsAnswer), (status = 403, description = "Not a trust, regional or academy lead, nor a read_figures token"), (status = 422, description = "A malformed as_of"))
)]
#[get("/compliance/regions")]
async fn regions(
    state: web::Data<ApiState>,
    caller: Authenticated,
    query: web::Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let as_of = query.as_of(&state)?;
    let regions = haven_store::compliance::regions(&state.db, &caller.scope, as_of).await?;
    Ok(HttpResponse::Ok().json(RegionsAnswer { as_of, regions }))
}

#[utoipa::path(
    tag = "compliance",
    summary = "The trust's compliance on a date",
    description = "The same counts across every academy of the trust.",
    params(("as_of" = Option<String>, Query, description = "The day (YYYY-MM-DD); today in England when absent")),
    responses((status = 200, description = "`as_of` and the trust's counts", body = TrustAnswer), (status = 403, description = "Not trust-wide: a trust safeguarding lead, director, auditor or read_figures token"), (status = 422, description = "A malformed as_of"))
)]
#[get("/compliance/trust")]
async fn trust(
    state: web::Data<ApiState>,
    caller: Authenticated,
    query: web::Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    let as_of = query.as_of(&state)?;
    let trust = haven_store::compliance::trust(&state.db, &caller.scope, as_of).await?;
    Ok(HttpResponse::Ok().json(TrustAnswer { as_of, trust }))
}

pub(crate) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(supervisees)
        .service(academies)
        .service(regions)
        .service(trust);
}
