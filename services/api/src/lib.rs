//! Haven's HTTP front: the JSON API under `/api/v1`, health and readiness, and (in later issues)
//! the server-rendered web UI. Handlers are thin: they turn a request into a store call and map
//! its error once, in [`problem`].

pub mod auth;
mod health;
mod me;
mod pages;
pub mod problem;
mod startup;
mod state;

pub use startup::Application;
pub use state::{ApiState, WebSettings};
