//! Signing in and out, and who a request is.

mod dev;
pub mod oidc;
mod session;
mod sign_out;

use actix_web::web;

pub use session::{Authenticated, CSRF_HEADER, SignedInForm, current, origin_of};

/// The sign-in pages and forms.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    dev::configure(cfg);
    sign_out::configure(cfg);
}

/// The session endpoints under `/api/v1`.
pub(crate) fn configure_api(cfg: &mut web::ServiceConfig) {
    sign_out::configure_api(cfg);
}

/// A fresh random token for a form or a cookie.
pub(crate) fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}
