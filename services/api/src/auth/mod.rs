//! Signing in and out: the OpenID Connect providers, the development sign-in, and the end of a
//! session. Who a signed-in request is, is read in `extract`.

pub(crate) mod cookie;
mod dev;
pub mod oidc;
mod provider;
pub mod return_to;
mod sign_out;

use actix_web::web;

pub use provider::ProviderCache;

/// The sign-in pages and forms.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    dev::configure(cfg);
    provider::configure(cfg);
    sign_out::configure(cfg);
}

/// The session endpoints under `/api/v1`.
pub(crate) fn configure_api(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    sign_out::configure_api(cfg);
}
