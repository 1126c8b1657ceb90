//! Fresh databases, a running app on port 0, and two trusts to try every wall with.

mod tenants;

use chrono::{DateTime, TimeZone, Utc};
use haven_api::{ApiState, Application};
use haven_store::Db;
use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

pub use tenants::{Tenants, today as tenants_today};

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

fn postgres_server() -> Option<String> {
    std::env::var("HAVEN_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// A fixed instant, so tests never depend on the day they run.
pub fn at(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 9, 0, 0).unwrap()
}

/// A database of its own, migrated, for one test.
pub struct TestDb {
    pub url: String,
    pub db: Db,
    dropper: Dropper,
}

enum Dropper {
    Directory(std::path::PathBuf),
    Postgres { server: String, name: String },
}

impl TestDb {
    /// An empty database with no schema.
    pub async fn empty(backend: Backend) -> Self {
        let (url, dropper) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("haven-test-{}", Uuid::now_v7()));
                std::fs::create_dir_all(&dir).unwrap();
                (
                    format!("sqlite://{}/haven.db", dir.display()),
                    Dropper::Directory(dir),
                )
            }
            Backend::Postgres => {
                let server = postgres_server().unwrap();
                let name = format!("haven_test_{}", Uuid::now_v7().simple());
                let admin = Database::connect(&server).await.unwrap();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let base = server.rsplit_once('/').unwrap().0;
                (format!("{base}/{name}"), Dropper::Postgres { server, name })
            }
        };
        let db = Db::connect(&url, 5).await.unwrap();
        Self { url, db, dropper }
    }

    /// A database with Haven's schema.
    pub async fn migrated(backend: Backend) -> Self {
        let test_db = Self::empty(backend).await;
        haven_migrations::migrate(test_db.db.schema_connection())
            .await
            .unwrap();
        test_db
    }

    /// Closes and removes the database.
    pub async fn drop_database(self) {
        self.db.close().await.unwrap();
        match self.dropper {
            Dropper::Directory(dir) => std::fs::remove_dir_all(dir).unwrap(),
            Dropper::Postgres { server, name } => {
                let admin = Database::connect(&server).await.unwrap();
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
            }
        }
    }
}

/// The API, running on a free port against a fresh database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub test_db: TestDb,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        let test_db = TestDb::migrated(backend).await;
        let app = Application::build(
            "127.0.0.1",
            0,
            ApiState {
                db: test_db.db.clone(),
            },
        )
        .unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            client: reqwest::Client::new(),
            test_db,
            handle,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
        self.test_db.drop_database().await;
    }
}
