//! Haven's end-to-end suite: one test binary (so the workspace links it once) that starts the
//! real services against real databases. Every store and API test runs on SQLite and, when
//! `HAVEN_TEST_POSTGRES_URL` names a PostgreSQL server, on PostgreSQL in a fresh database.

mod api;
mod audit;
mod cli;
mod harness;
mod migrations;
mod tenancy;
