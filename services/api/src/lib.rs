//! Haven's HTTP front: the JSON API under `/api/v1`, the server-rendered pages, signing in and
//! out, health and readiness. Handlers are thin: they turn a request into a store call and map
//! its error once, in [`problem`].
//!
//! - `v1/`: the JSON API, a module per area (sessions, records, agreements, …), its route table
//!   and OpenAPI document, and the JSON body reader.
//! - `web/`: the server-rendered pages, their templates under `templates/<area>/`.
//! - `extract/`: what a handler takes from a request: the caller's `Scope` (with the CSRF
//!   check), a signed-in form, a path's typed id.
//! - [`auth`]: signing in with a trust's provider or the development sign-in, and signing out.
//! - the rest: the server's start (`startup`), its shared state, errors as problem+json
//!   ([`problem`]), health and readiness, what answers beside the handlers (`edge`) and the
//!   security headers, client address and rate limits (`security`).

pub mod auth;
mod edge;
mod extract;
mod health;
pub mod problem;
mod security;
mod startup;
mod state;
mod v1;
mod web;

pub use startup::Application;
pub use state::{ApiState, WebSettings};
pub use v1::document as openapi_document;
