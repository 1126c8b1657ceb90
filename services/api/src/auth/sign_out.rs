//! Signing out: the session ends on the server, not only in the browser.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, post, web};
use serde::Deserialize;

use super::cookie::removal_cookie;
use crate::extract::{Authenticated, SignedInForm};
use crate::problem::ApiError;
use crate::state::ApiState;

#[derive(Deserialize)]
struct SignOut {}

#[post("/sign-out")]
async fn sign_out(
    state: web::Data<ApiState>,
    form: SignedInForm<SignOut>,
) -> Result<HttpResponse, ApiError> {
    let signed_in = form.signed_in;
    haven_store::sign_in::end(
        &state.db,
        &signed_in.scope,
        signed_in.person_session()?.session_id,
        state.clock.now(),
    )
    .await?;
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .finish();
    response
        .add_cookie(&removal_cookie(&state.web))
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(response)
}

/// Ends the caller's session from a script or an API client that signed in with the cookie;
/// the CSRF token travels in its header.
#[utoipa::path(
    tag = "sessions",
    summary = "End the caller's session",
    responses((status = 204, description = "Signed out"), (status = 403, description = "Missing CSRF token"))
)]
#[delete("/session")]
async fn end_session(
    state: web::Data<ApiState>,
    signed_in: Authenticated,
) -> Result<HttpResponse, ApiError> {
    haven_store::sign_in::end(
        &state.db,
        &signed_in.scope,
        signed_in.person_session()?.session_id,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(&state.web))
        .finish())
}

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(sign_out);
}

pub(super) fn configure_api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(end_session);
}
