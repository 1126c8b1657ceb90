//! Signing in and out, and who a request is.

mod dev;
pub mod oidc;
mod provider;
pub mod return_to;
mod session;
mod sign_out;

use actix_web::web;

pub use provider::ProviderCache;
pub use session::{Authenticated, CSRF_HEADER, SignedInForm, current, origin_of};

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
