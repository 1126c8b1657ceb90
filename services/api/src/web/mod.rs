//! The server-rendered pages: no JavaScript build step, one stylesheet. The crate's templates
//! (these pages', the sign-in's and the API's browsable document's) live under
//! `templates/<area>/`, each extending `templates/layout/base.html`.

mod notifications;
mod pages;
mod subjects;

use actix_web::web;

pub(crate) use pages::{Message, not_found, render};

/// Every page's route.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    pages::configure(cfg);
    notifications::configure(cfg);
    subjects::configure(cfg);
}
