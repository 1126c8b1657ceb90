//! The JSON API under `/api/v1` and its OpenAPI document, generated from the handlers the
//! server mounts, so the two can never disagree (the isolation tests walk the document).

use actix_web::{HttpResponse, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::{admin, api_docs, auth, grants, me, records, tokens};

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
    crate::agreements::configure(cfg);
    crate::agendas::configure(cfg);
    crate::policy::configure(cfg);
    crate::calendar::configure(cfg);
    crate::training::configure(cfg);
    crate::qa::configure(cfg);
    crate::sessions::configure(cfg);
    crate::actions::configure(cfg);
    crate::escalations::configure(cfg);
    crate::compliance::configure(cfg);
    crate::operations::configure(cfg);
    crate::notifications::configure(cfg);
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
    api_docs::prepare();
    cfg.route("/openapi.json", web::get().to(openapi_json))
        .route("/docs", web::get().to(api_docs::page));
    routes(&mut ServiceConfig::new(cfg));
}
