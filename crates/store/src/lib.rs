//! Tenant-scoped data access.
//!
//! Nothing here reads or writes a tenant table without a [`Scope`]: the scope filters every query
//! to its trust and to the academies its holder may see, so an id outside the scope behaves
//! exactly like an id that does not exist. Every write, and every read of record content, appends
//! to the trust's hash-chained audit log in the same transaction.

pub mod action;
pub mod admin;
pub mod agenda;
pub mod agreement;
pub mod api_token;
pub mod audit;
pub mod calendar;
pub mod compliance;
mod db;
pub mod delivery;
mod error;
pub mod escalation;
pub mod grant;
mod invite;
pub mod notification_settings;
pub mod outbox;
pub mod policy;
pub mod qa;
pub mod record;
pub mod reminders;
pub mod scan_run;
pub mod scope;
pub mod secret;
pub mod session;
pub mod sign_in;
mod snapshot;
mod tenant;
mod time;
pub mod training;
pub mod trust;
mod tx;

pub use db::Db;
pub use error::StoreError;
pub use scope::{AcademyVisibility, Actor, Origin, Scope, SystemActor};
pub use tenant::{OpenTable, TenantTable};
pub use tx::{ReadTx, WriteTx};
