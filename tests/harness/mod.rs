//! Fresh databases, a running app on port 0, and two trusts to try every wall with.

pub mod notifier;
pub mod oidc;
mod requests;
pub mod smtp;
mod tenants;

use chrono::{DateTime, TimeZone, Utc};
use haven_api::{ApiState, Application, WebSettings};
use haven_jobs::FixedClock;
use haven_store::Db;
use haven_store::sign_in::SessionPolicy;
use haven_testkit::ScratchDatabase;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub use requests::{
    browser_a, browser_b, call, fields, fields_of, get, half_terms_2025, lead_b, lead_b_id,
    refusals, send, with_term_dates,
};
pub use tenants::{Tenants, today as tenants_today};

pub use haven_testkit::{Backend, backends};

/// A system scope over `trust_id`, for tests that write a situation as Haven's own processes
/// would: the one place the tests build one.
#[expect(
    clippy::disallowed_methods,
    reason = "tests stand in for the scheduler, the notifier and the seed"
)]
pub fn system_scope(
    trust_id: uuid::Uuid,
    actor: haven_store::SystemActor,
    origin: haven_store::Origin,
) -> haven_store::Scope {
    haven_store::Scope::system(trust_id, actor, origin)
}

/// The instant every test app lives at: the fixture's Monday, mid-morning.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 12, 10, 0, 0).unwrap()
}

/// A clock a test moves by hand, for walking a scenario through a year: the app reads it on
/// every request, so setting it moves the app's today.
#[derive(Clone)]
pub struct TestClock(std::sync::Arc<std::sync::Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        Self(std::sync::Arc::new(std::sync::Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap() = at;
    }
}

impl haven_jobs::Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// A fixed instant, so tests never depend on the day they run.
pub fn at(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 9, 0, 0).unwrap()
}

/// A database of its own, migrated, for one test.
pub struct TestDb {
    /// The services' address: on PostgreSQL a role that owns nothing, so row-level security
    /// applies to it as it does in production.
    pub url: String,
    pub db: Db,
    /// The schema owner's address and connection: it migrates, and the few tests that inspect
    /// the schema or tamper with the audit log go behind the app's back with it. On PostgreSQL
    /// it is the server's superuser, which row-level security does not stop.
    pub owner_url: String,
    pub owner: DatabaseConnection,
    scratch: ScratchDatabase,
}

/// The login role the tests' services use on PostgreSQL: a member of the migrations' `haven_app`
/// and never a superuser, which would bypass row-level security.
const TEST_APP_ROLE: &str = "haven_test_app";

/// Creates the test login role if it is missing. Roles are cluster-wide and tests run at once, so
/// another test may be creating the same role right now: its CREATE ROLE waits for that one and
/// then fails with a unique violation, which means the role is there. `haven_app` is made here
/// as well as by the migration because a role can only join one that exists, and the test's
/// connection is opened before its database is migrated.
async fn ensure_test_app_role(admin: &DatabaseConnection) {
    for (role, options) in [
        ("haven_app", "NOLOGIN"),
        (TEST_APP_ROLE, "LOGIN IN ROLE haven_app"),
    ] {
        admin
            .execute_unprepared(&format!(
                "DO $$ BEGIN \
                   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN \
                     CREATE ROLE {role} {options}; \
                   END IF; \
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; \
                 END $$"
            ))
            .await
            .unwrap();
    }
}

/// `postgres://user@host:port` with another user, the same server.
fn as_role(server_base: &str, role: &str) -> String {
    let (scheme, rest) = server_base.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{role}@{host}")
}

impl TestDb {
    /// An empty database with no schema.
    pub async fn empty(backend: Backend) -> Self {
        let scratch = ScratchDatabase::create(backend).await;
        match backend {
            Backend::Sqlite => {
                let db = Db::connect(&scratch.url, 5).await.unwrap();
                // SQLite has no roles: the owner is the same pool.
                #[expect(
                    clippy::disallowed_methods,
                    reason = "SQLite has no roles: the owner is the same pool"
                )]
                let owner = db.schema_connection().clone();
                Self {
                    url: scratch.url.clone(),
                    owner_url: scratch.url.clone(),
                    db,
                    owner,
                    scratch,
                }
            }
            Backend::Postgres => {
                let owner = Database::connect(&scratch.url).await.unwrap();
                ensure_test_app_role(&owner).await;
                let (base, name) = scratch.url.rsplit_once('/').unwrap();
                let url = format!("{}/{name}", as_role(base, TEST_APP_ROLE));
                let db = Db::connect(&url, 5).await.unwrap();
                Self {
                    url,
                    owner_url: scratch.url.clone(),
                    db,
                    owner,
                    scratch,
                }
            }
        }
    }

    /// A database with Haven's schema, migrated by its owner.
    pub async fn migrated(backend: Backend) -> Self {
        let test_db = Self::empty(backend).await;
        haven_migrations::migrate(&test_db.owner).await.unwrap();
        test_db
    }

    /// Closes and removes the database.
    pub async fn drop_database(self) {
        self.db.close().await.unwrap();
        if self.scratch.backend() == Backend::Postgres {
            self.owner.close().await.unwrap();
        }
        self.scratch.drop_database().await;
    }
}

/// A browser's cookie and the page's CSRF token.
pub struct Browser {
    pub cookie: String,
    pub csrf_token: String,
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
        Self::spawn_with(backend, |_| {}).await
    }

    /// An app whose web settings `adjust` changes from the test defaults (development, the
    /// dev sign-in on).
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut WebSettings)) -> Self {
        Self::spawn_with_clock(backend, FixedClock(now()), adjust).await
    }

    /// As [`TestApp::spawn_with`], living by `clock`.
    pub async fn spawn_with_clock(
        backend: Backend,
        clock: impl haven_jobs::Clock,
        adjust: impl FnOnce(&mut WebSettings),
    ) -> Self {
        let test_db = TestDb::migrated(backend).await;
        // The port is chosen first so the public URL (the providers' redirect target) names it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut web = WebSettings {
            production: false,
            public_url: format!("http://127.0.0.1:{port}"),
            dev_login: true,
            sessions: SessionPolicy {
                idle: chrono::Duration::minutes(60),
                absolute: chrono::Duration::hours(12),
            },
            sign_in_attempts_per_minute: 20,
            trusted_proxies: Vec::new(),
            providers: Default::default(),
        };
        adjust(&mut web);
        let state = ApiState::new(test_db.db.clone(), clock, web);
        let app = Application::build("127.0.0.1", port, state).unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            test_db,
            handle,
        }
    }

    /// A browser signed in as the person of `scope`, with a session started `ago` before the
    /// app's clock (sessions are started through the store, as the sign-in pages do).
    pub async fn browser(&self, scope: &haven_store::Scope, ago: chrono::Duration) -> Browser {
        self.browser_at(scope, now() - ago).await
    }

    /// A browser signed in as the person of `scope` at `at`, for apps on a [`TestClock`].
    pub async fn browser_at(&self, scope: &haven_store::Scope, at: DateTime<Utc>) -> Browser {
        let policy = SessionPolicy {
            idle: chrono::Duration::minutes(60),
            absolute: chrono::Duration::hours(12),
        };
        let session = haven_store::sign_in::start(&self.test_db.db, scope, "test", policy, at)
            .await
            .unwrap();
        Browser {
            cookie: format!("haven_session={}", session.cookie),
            csrf_token: session.csrf_token,
        }
    }

    /// A request to the app, as `browser` when one is given.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        browser: Option<&Browser>,
    ) -> reqwest::RequestBuilder {
        let request = self
            .client
            .request(method, format!("{}{path}", self.address));
        match browser {
            Some(browser) => request.header("cookie", &browser.cookie),
            None => request,
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
