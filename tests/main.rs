//! Haven's end-to-end suite: one test binary (so the workspace links it once) that starts the
//! real services against real databases. Every store and API test runs on SQLite and, when
//! `HAVEN_TEST_POSTGRES_URL` names a PostgreSQL server, on PostgreSQL in a fresh database.

// A test that cannot set up its world should stop at once, loudly; the harness is test code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod academy_policy;
mod actions;
mod admin;
mod agendas;
mod agreements;
mod api;
mod api_tokens;
mod audit;
mod calendar;
mod cli;
mod compliance;
mod email_links;
mod escalations;
mod external_supervisor;
mod harness;
mod hostile_input;
mod isolation_matrix;
mod migrations;
mod notifications;
mod notifier_outbox;
mod notifier_smtp;
mod oidc;
mod operations;
mod policy;
mod provider_sign_in;
mod qa;
mod record_access;
mod records;
mod reminder_rules;
mod reminders;
mod row_level_security;
mod scenarios;
mod sessions;
mod sign_in;
mod tenancy;
mod training;
mod year_of_reminders;
