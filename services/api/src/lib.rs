//! Haven's HTTP front: the JSON API under `/api/v1`, health and readiness, and (in later issues)
//! the server-rendered web UI. Handlers are thin: they turn a request into a store call and map
//! its error once, in [`problem`].

mod health;
pub mod problem;
mod startup;

pub use startup::{ApiState, Application};
