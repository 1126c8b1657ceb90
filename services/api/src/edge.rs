//! What answers before, beside or after the handlers: an address nobody serves, a method an
//! address does not take, and errors raised by the framework itself (a body over the limit, a
//! query that does not read). Under `/api/` each is a problem document; elsewhere a page.

use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use crate::problem::{self, ApiError};
use crate::web::{self, Message};

fn is_api(req: &HttpRequest) -> bool {
    req.path().starts_with("/api/")
}

/// The default service: 405 where the address exists for another method, 404 otherwise; the
/// same "Page not found" page as a missing item outside the API.
pub(crate) async fn unrouted(req: HttpRequest) -> HttpResponse {
    let known = req.resource_map().has_resource(req.path());
    match (is_api(&req), known) {
        (true, true) => ApiError::MethodNotAllowed.error_response(),
        (true, false) => ApiError::NotFound.error_response(),
        (false, true) => web::render(
            StatusCode::METHOD_NOT_ALLOWED,
            &Message {
                title: "That cannot be done here".into(),
                paragraphs: vec![
                    "This page exists, but not for what your browser asked of it. Go back and \
                     use the page's own links and buttons."
                        .into(),
                ],
            },
        ),
        (false, false) => web::not_found(),
    }
}

/// Turns any error answer under `/api/` that is not yet a problem document into one.
pub(crate) fn api_errors_as_problems<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(as_problem)
}

fn as_problem<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/problem+json"));
    if is_problem || !is_api(res.request()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, _) = res.into_parts();
    let answer: ServiceResponse<EitherBody<B>> =
        ServiceResponse::new(req, problem::for_status(status)).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(answer))
}

/// A query string that does not read (a repeated or malformed parameter) is answered under the
/// `query` field, like any other invalid input.
pub(crate) fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default().error_handler(|error, req| {
        if is_api(req) {
            ApiError::Validation(vec![crate::v1::body::problem("query", error.to_string())]).into()
        } else {
            error.into()
        }
    })
}
