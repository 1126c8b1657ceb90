//! What every handler can reach: the database, the clock, and the web settings.

use std::sync::Arc;

use chrono::Duration;
use haven_config::{Environment, Settings};
use haven_jobs::Clock;
use haven_store::Db;
use haven_store::sign_in::SessionPolicy;

/// The parts of the configuration the HTTP front uses, read once at start.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Production: cookies are `Secure` and `__Host-` prefixed, HSTS is sent, no dev sign-in.
    pub production: bool,
    pub public_url: String,
    pub dev_login: bool,
    pub sessions: SessionPolicy,
    pub sign_in_attempts_per_minute: u32,
}

impl WebSettings {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            production: settings.environment == Environment::Production,
            public_url: settings.server.public_url.trim_end_matches('/').to_owned(),
            dev_login: settings.auth.dev_login,
            sessions: SessionPolicy {
                idle: Duration::minutes(i64::from(settings.auth.idle_timeout_minutes)),
                absolute: Duration::hours(i64::from(settings.auth.absolute_timeout_hours)),
            },
            sign_in_attempts_per_minute: settings.auth.sign_in_attempts_per_minute,
        }
    }
}

/// Shared by every handler through `web::Data`.
#[derive(Clone)]
pub struct ApiState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub web: Arc<WebSettings>,
}

impl ApiState {
    pub fn new(db: Db, clock: impl Clock, web: WebSettings) -> Self {
        Self {
            db,
            clock: Arc::new(clock),
            web: Arc::new(web),
        }
    }
}
