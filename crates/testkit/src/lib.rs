//! What Haven's tests and benchmarks share: which engines to run on, and a scratch database of
//! their own on each, dropped afterwards.
//!
//! Every test that needs a database takes a [`ScratchDatabase`]: on SQLite a file in a fresh
//! temporary directory, on PostgreSQL a database named `haven_test_…` on the server named by
//! `HAVEN_TEST_POSTGRES_URL`, which `scripts/test` also sweeps up if a run was interrupted.
//! This is test code: a scratch database that cannot be made is a failed test, so its
//! functions panic with the reason rather than return it.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

/// The variable naming the PostgreSQL server tests may use.
pub const POSTGRES_URL_VAR: &str = "HAVEN_TEST_POSTGRES_URL";

/// The engines a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when the environment names a server.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if postgres_server().is_some() {
        all.push(Backend::Postgres);
    }
    all
}

/// The PostgreSQL server of `HAVEN_TEST_POSTGRES_URL`, a URL naming any database there.
pub fn postgres_server() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|url| !url.is_empty())
}

/// `postgres://user@host:port/name` without its `/name`.
pub fn server_base(server: &str) -> &str {
    server.rsplit_once('/').map_or(server, |(base, _)| base)
}

/// A database of its own for one test or benchmark run.
#[derive(Debug)]
pub struct ScratchDatabase {
    /// Its address, as the database's owner (on PostgreSQL the server's user).
    pub url: String,
    place: Place,
}

#[derive(Debug)]
enum Place {
    Directory(PathBuf),
    Postgres { server: String, name: String },
}

impl ScratchDatabase {
    /// A new, empty database on `backend`. On PostgreSQL the server must be named in the
    /// environment.
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite(),
            Backend::Postgres => {
                let server = postgres_server()
                    .unwrap_or_else(|| panic!("{POSTGRES_URL_VAR} names no PostgreSQL server"));
                Self::on_postgres(&server).await
            }
        }
    }

    /// A new SQLite database file in a temporary directory of its own.
    pub fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("haven-test-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("a temporary directory for the test database");
        Self {
            url: format!("sqlite://{}/haven.db", dir.display()),
            place: Place::Directory(dir),
        }
    }

    /// A new database on the PostgreSQL `server` (a URL naming any database there).
    pub async fn on_postgres(server: &str) -> Self {
        let name = format!("haven_test_{}", Uuid::now_v7().simple());
        let admin = Database::connect(server)
            .await
            .expect("the PostgreSQL test server answers");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("the test database is created");
        admin.close().await.expect("the admin connection closes");
        Self {
            url: format!("{}/{name}", server_base(server)),
            place: Place::Postgres {
                server: server.to_owned(),
                name,
            },
        }
    }

    /// The engine it lives on.
    pub fn backend(&self) -> Backend {
        match self.place {
            Place::Directory(_) => Backend::Sqlite,
            Place::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Its file, `None` on PostgreSQL.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match &self.place {
            Place::Directory(dir) => Some(dir.join("haven.db")),
            Place::Postgres { .. } => None,
        }
    }

    /// Its name on the PostgreSQL server, `None` on SQLite.
    pub fn postgres_name(&self) -> Option<&str> {
        match &self.place {
            Place::Directory(_) => None,
            Place::Postgres { name, .. } => Some(name),
        }
    }

    /// Removes the database, whoever is still connected to it.
    pub async fn drop_database(self) {
        match self.place {
            Place::Directory(dir) => {
                std::fs::remove_dir_all(dir).expect("the test database's directory is removed");
            }
            Place::Postgres { server, name } => {
                let admin = Database::connect(&server)
                    .await
                    .expect("the PostgreSQL test server answers");
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .expect("the test database is dropped");
                admin.close().await.expect("the admin connection closes");
            }
        }
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago, for a process that must be told its port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// The nearest-rank `p`th percentile of `samples` (zero when there are none).
pub fn percentile(samples: &[Duration], p: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let at = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted.get(at).copied().unwrap_or_default()
}
