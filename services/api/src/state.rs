//! What every handler can reach: the database, the clock, and the web settings.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::Duration;
use haven_config::{Environment, ProviderSettings, Settings};
use haven_domain::Clock;
use haven_store::Db;
use haven_store::sign_in::SessionPolicy;

use crate::auth::ProviderCache;
use crate::security::RateLimiter;

/// The parts of the configuration the HTTP front uses, read once at start.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Production: cookies are `Secure` and `__Host-` prefixed, HSTS is sent, no dev sign-in.
    pub production: bool,
    pub public_url: String,
    pub dev_login: bool,
    pub sessions: SessionPolicy,
    pub sign_in_attempts_per_minute: u32,
    /// The reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// Haven's registrations at the identity providers.
    pub providers: ProviderSettings,
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
            trusted_proxies: settings.server.trusted_proxies.clone(),
            providers: settings.auth.providers.clone(),
        }
    }
}

/// Shared by every handler through `web::Data`.
#[derive(Clone)]
pub struct ApiState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub web: Arc<WebSettings>,
    pub providers: Arc<ProviderCache>,
    pub sign_in_limit: Arc<RateLimiter>,
}

impl ApiState {
    pub fn new(db: Db, clock: impl Clock, web: WebSettings) -> Self {
        Self {
            db,
            clock: Arc::new(clock),
            sign_in_limit: Arc::new(RateLimiter::new(web.sign_in_attempts_per_minute)),
            web: Arc::new(web),
            providers: Arc::new(ProviderCache::default()),
        }
    }
}
