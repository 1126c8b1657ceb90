//! The JSON API under `/api/v1`: one module per area, the JSON body reader they share, and the
//! OpenAPI document, generated from the handlers the server mounts, so the two can never
//! disagree (the isolation tests walk the document).

mod actions;
mod admin;
mod agendas;
mod agreements;
pub(crate) mod body;
mod calendar;
mod compliance;
mod docs;
mod escalations;
mod grants;
mod me;
pub(crate) mod notifications;
pub(crate) mod operations;
mod policy;
mod qa;
mod records;
mod sessions;
mod tokens;
mod training;

use actix_web::{HttpResponse, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth;

#[derive(OpenApi)]
#[openapi(info(
    title = "Haven",
    description = "Safeguarding supervision for academy trusts. Sign in with the session cookie \
                   (state-changing calls then carry the `x-csrf-token` header) or an API token \
                   (`Authorization: Bearer haven_…`). Errors are `application/problem+json`."
))]
struct ApiDoc;

/// Every route of the API, relative to `/api/v1`.
fn routes(cfg: &mut ServiceConfig) {
    me::configure(cfg);
    records::configure(cfg);
    grants::configure(cfg);
    tokens::configure(cfg);
    admin::configure(cfg);
    agreements::configure(cfg);
    agendas::configure(cfg);
    policy::configure(cfg);
    calendar::configure(cfg);
    training::configure(cfg);
    qa::configure(cfg);
    sessions::configure(cfg);
    actions::configure(cfg);
    escalations::configure(cfg);
    compliance::configure(cfg);
    operations::configure(cfg);
    notifications::configure(cfg);
    auth::configure_api(cfg);
}

/// The OpenAPI document, collected from the same routes the server mounts.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, document) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(utoipa_actix_web::scope("/api/v1").configure(routes))
        .split_for_parts();
    document
}

/// The document as served, rendered once at start.
#[derive(Clone)]
pub(crate) struct OpenApiJson(pub String);

async fn openapi_json(document: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}

/// Mounts the API's routes, its document and the document's browsable page inside `/api/v1`.
/// The page is mounted here, not in [`routes`], because it is not part of the API it describes.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    docs::prepare();
    cfg.route("/openapi.json", web::get().to(openapi_json))
        .route("/docs", web::get().to(docs::page));
    routes(&mut ServiceConfig::new(cfg));
}
