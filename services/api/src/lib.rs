//! Haven's HTTP front: the JSON API under `/api/v1`, health and readiness, and (in later issues)
//! the server-rendered web UI. Handlers are thin: they turn a request into a store call and map
//! its error once, in [`problem`].

mod actions;
mod admin;
mod agendas;
mod agreements;
mod api;
mod api_docs;
pub mod auth;
mod body;
mod calendar;
mod compliance;
mod edge;
mod escalations;
mod grants;
mod health;
mod me;
mod notification_pages;
mod notifications;
mod operations;
mod pages;
mod path_id;
mod policy;
pub mod problem;
mod qa;
mod records;
mod security;
mod sessions;
mod startup;
mod state;
mod subject_pages;
mod tokens;
mod training;

pub use api::document as openapi_document;
pub use startup::Application;
pub use state::{ApiState, WebSettings};
