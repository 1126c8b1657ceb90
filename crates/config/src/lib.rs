//! Haven's one typed configuration.
//!
//! Built in three layers: the embedded defaults (SQLite under `./data/`, no other service), then an
//! optional TOML file, then `HAVEN_*` environment variables where `__` nests
//! (`HAVEN_DATABASE__URL`, `HAVEN_SERVER__PORT`). It is validated once at start: a bad value
//! stops the process with one line naming the key. Secrets are [`SecretString`] and never printed.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

/// A configuration that could not be read or does not make sense; the message names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("configuration: {0}")]
    Parse(String),
    #[error("configuration key `{key}`: {reason}")]
    Invalid { key: &'static str, reason: String },
}

/// Where Haven runs: development allows the demo sign-in and plain-HTTP cookies; production never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    Development,
    Production,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub environment: Environment,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub queue: QueueSettings,
    pub email: EmailSettings,
    pub log: LogSettings,
    pub auth: AuthSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    /// 0 asks the operating system for a free port (the tests do).
    pub port: u16,
    /// The address people use to reach Haven; links in emails start with it. Unset, it is
    /// `http://127.0.0.1:<port>`, right only for a person on this machine (see [`Settings::warnings`]).
    #[serde(default)]
    pub public_url: String,
    /// Whether `public_url` was derived because none was set.
    #[serde(skip)]
    pub public_url_derived: bool,
    /// The reverse proxies (IP addresses) whose `X-Forwarded-For` Haven believes: a request's
    /// client is the nearest address they forwarded that is not one of theirs. Empty (the
    /// default): the connection's own address, whatever a header says.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl ServerSettings {
    fn derive_public_url(&mut self) {
        if self.public_url.is_empty() {
            self.public_url = format!("http://127.0.0.1:{}", self.port);
            self.public_url_derived = true;
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://data/haven.db` (the embedded default) or `postgres://user@host/db`. On
    /// PostgreSQL the services' role: a member of `haven_app` that owns no table, so row-level
    /// security applies to it.
    pub url: SecretString,
    /// The role that owns the schema and runs the migrations; unset, `url` does both.
    #[serde(default)]
    pub migration_url: Option<SecretString>,
    pub max_connections: u32,
}

impl DatabaseSettings {
    /// The address migrations run over: `migration_url`, or `url` when it is not set.
    pub fn migration_url(&self) -> &SecretString {
        self.migration_url.as_ref().unwrap_or(&self.url)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSettings {
    /// The job queue. On SQLite it must be a file of its own: the queue library switches its
    /// connections to `synchronous = OFF`, which must never reach the records database.
    pub url: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// Where the embedded default writes each email as an `.eml` file.
    pub outbox_dir: PathBuf,
    /// The SMTP relay; without one, email is written to [`EmailSettings::outbox_dir`].
    pub smtp: Option<SmtpSettings>,
    /// The sender's display name where a trust has not set its own.
    pub sender_name: String,
    /// The sender's address where a trust has not set its own.
    pub sender_address: String,
    /// The branding colour (`#rrggbb`) where a trust has not set its own.
    pub brand_colour: String,
    /// How often the notifier looks for outbox rows that are due.
    pub poll_interval_ms: u64,
    /// The first wait after a transient failure; each later one doubles, up to the maximum.
    pub retry_base_seconds: u64,
    /// The longest wait between two tries.
    pub retry_max_seconds: u64,
    /// Tries before a message that keeps failing transiently is marked failed.
    pub max_attempts: u32,
    /// A row still `sending` this long after its send began was interrupted: it is sent again.
    pub sending_timeout_seconds: u64,
}

/// How the notifier reaches its SMTP relay.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// A PEM file of extra root certificates, for a relay behind a private CA.
    pub ca_file: Option<PathBuf>,
    /// Connections kept open to the relay.
    #[serde(default = "SmtpSettings::default_pool_size")]
    pub pool_size: u32,
    /// How long one send may take, from taking a connection to the relay's final answer;
    /// one that takes longer is tried again later. Below `email.sending_timeout_seconds`.
    #[serde(default = "SmtpSettings::default_timeout_seconds")]
    pub timeout_seconds: u64,
}

impl SmtpSettings {
    fn default_pool_size() -> u32 {
        4
    }

    fn default_timeout_seconds() -> u64 {
        30
    }
}

/// The TLS an SMTP relay speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Implicit,
    /// No TLS at all: only for a relay on the same host or a test server.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing filter such as `info` or `haven=debug,sea_orm=warn`; `RUST_LOG` overrides it.
    pub filter: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// The development sign-in page that lists the demo people. Refused in production.
    pub dev_login: bool,
    /// A session nobody has used for this long ends.
    pub idle_timeout_minutes: u32,
    /// Every session ends this long after sign-in, however active.
    pub absolute_timeout_hours: u32,
    /// Sign-in attempts allowed per client address per minute. A sign-in that succeeds does
    /// not count, so this bounds refused and abandoned ones; the default lets a whole school
    /// behind one address sign in at once.
    pub sign_in_attempts_per_minute: u32,
    pub providers: ProviderSettings,
}

/// Haven's own app registration at each identity provider. Each trust then names its Entra
/// tenant, Google Workspace domain or issuer; the registration is shared.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    pub entra: Option<ProviderClient>,
    pub google: Option<ProviderClient>,
    /// Any other OpenID Connect provider, found by the issuer each trust names.
    pub oidc: Option<ProviderClient>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderClient {
    pub client_id: String,
    pub client_secret: SecretString,
}

const DEFAULTS: &str = r##"
environment = "development"

[server]
host = "127.0.0.1"
port = 8080

[database]
url = "sqlite://data/haven.db"
max_connections = 8

[queue]
url = "sqlite://data/queue.db"

[email]
outbox_dir = "data/outbox"
sender_name = "Haven"
sender_address = "haven@localhost"
brand_colour = "#1d4f91"
poll_interval_ms = 1000
retry_base_seconds = 30
retry_max_seconds = 3600
max_attempts = 30
sending_timeout_seconds = 600

[log]
format = "human"
filter = "info"

[auth]
dev_login = false
idle_timeout_minutes = 60
absolute_timeout_hours = 12
sign_in_attempts_per_minute = 100

[auth.providers]
"##;

/// The variables read as configuration: `HAVEN_ENVIRONMENT` and every nested `HAVEN_A__B`.
/// Others that share the prefix (`HAVEN_CONFIG`, `HAVEN_TEST_POSTGRES_URL`) are not settings.
fn settings_from_env(vars: impl IntoIterator<Item = (String, String)>) -> HashMap<String, String> {
    vars.into_iter()
        .filter_map(|(name, value)| {
            let key = name.strip_prefix("HAVEN_")?;
            (key == "ENVIRONMENT" || key.contains("__"))
                .then(|| (key.to_ascii_lowercase().replace("__", "."), value))
        })
        .collect()
}

impl Settings {
    /// Reads the defaults, then `file` if given, then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(file, std::env::vars())
    }

    /// As [`Settings::load`], with the environment given (tests pass their own).
    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            builder = builder.add_source(config::File::from_str(&text, config::FileFormat::Toml));
        }
        for (key, value) in settings_from_env(env) {
            builder = builder
                .set_override(key, value)
                .map_err(|e| ConfigError::Parse(e.to_string()))?;
        }
        let mut settings: Settings = builder
            .build()
            .and_then(config::Config::try_deserialize)
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        settings.server.derive_public_url();
        settings.validate()?;
        Ok(settings)
    }

    /// What is allowed but probably wrong, for the log at start.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.server.public_url_derived && self.environment != Environment::Development {
            warnings.push(format!(
                "server.public_url is not set: links in email point to {}, which only this \
                 machine can open",
                self.server.public_url
            ));
        }
        warnings
    }

    fn validate(&self) -> Result<(), ConfigError> {
        use secrecy::ExposeSecret;
        database_kind(self.database.url.expose_secret()).ok_or(ConfigError::Invalid {
            key: "database.url",
            reason: "must start with sqlite:// or postgres://".into(),
        })?;
        if let Some(migration_url) = &self.database.migration_url {
            let kind =
                database_kind(migration_url.expose_secret()).ok_or(ConfigError::Invalid {
                    key: "database.migration_url",
                    reason: "must start with sqlite:// or postgres://".into(),
                })?;
            if Some(kind) != database_kind(self.database.url.expose_secret()) {
                return Err(ConfigError::Invalid {
                    key: "database.migration_url",
                    reason: "must name the same database engine as database.url".into(),
                });
            }
        }
        database_kind(self.queue.url.expose_secret()).ok_or(ConfigError::Invalid {
            key: "queue.url",
            reason: "must start with sqlite:// or postgres://".into(),
        })?;
        if self.database.url.expose_secret().starts_with("sqlite")
            && self.database.url.expose_secret() == self.queue.url.expose_secret()
        {
            return Err(ConfigError::Invalid {
                key: "queue.url",
                reason: "on SQLite the queue needs its own file, not the records database".into(),
            });
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::Invalid {
                key: "database.max_connections",
                reason: "must be at least 1".into(),
            });
        }
        if !(self.server.public_url.starts_with("http://")
            || self.server.public_url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                key: "server.public_url",
                reason: "must be an http:// or https:// address".into(),
            });
        }
        if self.auth.idle_timeout_minutes == 0 || self.auth.absolute_timeout_hours == 0 {
            return Err(ConfigError::Invalid {
                key: "auth.idle_timeout_minutes",
                reason: "session timeouts must be at least 1".into(),
            });
        }
        if self.auth.sign_in_attempts_per_minute == 0 {
            return Err(ConfigError::Invalid {
                key: "auth.sign_in_attempts_per_minute",
                reason: "must be at least 1, or nobody could sign in".into(),
            });
        }
        if let Some(smtp) = &self.email.smtp {
            if smtp.username.is_some() != smtp.password.is_some() {
                return Err(ConfigError::Invalid {
                    key: "email.smtp.username",
                    reason: "username and password are given together or not at all".into(),
                });
            }
            if smtp.pool_size == 0 {
                return Err(ConfigError::Invalid {
                    key: "email.smtp.pool_size",
                    reason: "must be at least 1".into(),
                });
            }
            if smtp.timeout_seconds == 0
                || smtp.timeout_seconds >= self.email.sending_timeout_seconds
            {
                return Err(ConfigError::Invalid {
                    key: "email.smtp.timeout_seconds",
                    reason: "must be at least 1 and below email.sending_timeout_seconds, or a \
                             slow send would be taken for an interrupted one and sent twice"
                        .into(),
                });
            }
            if self.environment == Environment::Production
                && smtp.tls == SmtpTls::None
                && smtp.username.is_some()
            {
                return Err(ConfigError::Invalid {
                    key: "email.smtp.tls",
                    reason: "a password is never sent to the relay without TLS in production"
                        .into(),
                });
            }
        }
        if self.email.retry_base_seconds == 0 || self.email.max_attempts == 0 {
            return Err(ConfigError::Invalid {
                key: "email.retry_base_seconds",
                reason: "retries need a wait and at least one attempt".into(),
            });
        }
        if self.environment == Environment::Production && self.auth.dev_login {
            return Err(ConfigError::Invalid {
                key: "auth.dev_login",
                reason: "the development sign-in is never allowed in production".into(),
            });
        }
        if self.environment == Environment::Production
            && !is_real_sender(&self.email.sender_address)
        {
            return Err(ConfigError::Invalid {
                key: "email.sender_address",
                reason: "must be a real address (not at localhost) in production: it is the \
                         sender of every trust that has not set its own"
                    .into(),
            });
        }
        Ok(())
    }
}

/// Whether `address` can be a sender's: one `@` with a name before it and a domain after
/// it that is not this machine.
fn is_real_sender(address: &str) -> bool {
    let Some((local, domain)) = address.trim().rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    !local.is_empty()
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain != "localhost"
        && !domain.ends_with(".localhost")
        && !domain.ends_with(".local")
}

/// Which database engine a connection URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

/// The engine a URL names, or `None` for an address Haven cannot use.
pub fn database_kind(url: &str) -> Option<DatabaseKind> {
    if url.starts_with("sqlite:") {
        Some(DatabaseKind::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(DatabaseKind::Postgres)
    } else {
        None
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Development => "development",
            Environment::Production => "production",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn no_configuration_gives_the_embedded_sqlite_default() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.database.url.expose_secret(), "sqlite://data/haven.db");
        assert_eq!(s.queue.url.expose_secret(), "sqlite://data/queue.db");
        assert_eq!(s.server.port, 8080);
        assert!(!s.auth.dev_login);
    }

    #[test]
    fn environment_variables_override_nested_keys() {
        let s = Settings::load_from(
            None,
            env(&[
                ("HAVEN_SERVER__PORT", "9090"),
                ("HAVEN_LOG__FORMAT", "json"),
                ("HAVEN_TEST_POSTGRES_URL", "postgres://ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.port, 9090);
        assert_eq!(s.log.format, LogFormat::Json);
    }

    #[test]
    fn links_follow_the_port_when_no_public_url_is_set() {
        let s = Settings::load_from(None, env(&[("HAVEN_SERVER__PORT", "9090")])).unwrap();
        assert_eq!(s.server.public_url, "http://127.0.0.1:9090");
        assert!(s.warnings().is_empty(), "development says nothing");
        let s = Settings::load_from(
            None,
            env(&[
                ("HAVEN_SERVER__PORT", "9090"),
                ("HAVEN_ENVIRONMENT", "production"),
                ("HAVEN_EMAIL__SENDER_ADDRESS", "haven@example-trust.org.uk"),
            ]),
        )
        .unwrap();
        assert_eq!(s.warnings().len(), 1, "production is warned");
        let s = Settings::load_from(
            None,
            env(&[
                ("HAVEN_SERVER__PORT", "9090"),
                (
                    "HAVEN_SERVER__PUBLIC_URL",
                    "https://haven.example-trust.org.uk",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.public_url, "https://haven.example-trust.org.uk");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let err = Settings::load_from(None, env(&[("HAVEN_SERVER__PORT", "eighty")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.port"), "{err}");
    }

    #[test]
    fn an_unknown_key_in_a_file_is_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("haven-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("haven.toml");
        std::fs::write(&path, "[server]\nprot = 80\n").unwrap();
        let err = Settings::load_from(Some(&path), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("prot"), "{err}");
    }

    #[test]
    fn dev_login_is_refused_in_production() {
        let err = Settings::load_from(
            None,
            env(&[
                ("HAVEN_ENVIRONMENT", "production"),
                ("HAVEN_AUTH__DEV_LOGIN", "true"),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("auth.dev_login"), "{err}");
    }

    #[test]
    fn production_refuses_the_localhost_sender_and_takes_a_real_one() {
        for sender in ["haven@localhost", "", "haven", "haven@mail.localhost"] {
            let err = Settings::load_from(
                None,
                env(&[
                    ("HAVEN_ENVIRONMENT", "production"),
                    ("HAVEN_EMAIL__SENDER_ADDRESS", sender),
                ]),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("email.sender_address"), "{sender:?}: {err}");
        }
        let s = Settings::load_from(
            None,
            env(&[
                ("HAVEN_ENVIRONMENT", "production"),
                ("HAVEN_EMAIL__SENDER_ADDRESS", "safeguarding@trust.example"),
            ]),
        )
        .unwrap();
        assert_eq!(s.email.sender_address, "safeguarding@trust.example");
        assert!(
            Settings::load_from(None, env(&[])).is_ok(),
            "development keeps the default"
        );
    }

    #[test]
    fn a_send_must_time_out_before_it_is_taken_for_interrupted() {
        let relay = [
            ("HAVEN_EMAIL__SMTP__HOST", "relay.example"),
            ("HAVEN_EMAIL__SMTP__PORT", "587"),
            ("HAVEN_EMAIL__SMTP__TLS", "starttls"),
        ];
        for (timeout, sending) in [("600", "600"), ("700", "600"), ("0", "600")] {
            let mut vars = relay.to_vec();
            vars.push(("HAVEN_EMAIL__SMTP__TIMEOUT_SECONDS", timeout));
            vars.push(("HAVEN_EMAIL__SENDING_TIMEOUT_SECONDS", sending));
            let err = Settings::load_from(None, env(&vars))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("email.smtp.timeout_seconds"),
                "{timeout}: {err}"
            );
        }
        let s = Settings::load_from(None, env(&relay)).unwrap();
        let smtp = s.email.smtp.unwrap();
        assert!(smtp.timeout_seconds < s.email.sending_timeout_seconds);
    }

    #[test]
    fn the_queue_may_not_share_the_records_sqlite_file() {
        let err = Settings::load_from(None, env(&[("HAVEN_QUEUE__URL", "sqlite://data/haven.db")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("queue.url"), "{err}");
    }

    #[test]
    fn secrets_are_not_printed() {
        let s = Settings::load_from(
            None,
            env(&[
                ("HAVEN_DATABASE__URL", "postgres://haven:hunter2@db/haven"),
                (
                    "HAVEN_DATABASE__MIGRATION_URL",
                    "postgres://owner:swordfish@db/haven",
                ),
            ]),
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s:?}").contains("swordfish"));
    }

    #[test]
    fn migrations_run_over_the_database_url_unless_an_owner_url_is_given() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(
            s.database.migration_url().expose_secret(),
            "sqlite://data/haven.db"
        );
        let s = Settings::load_from(
            None,
            env(&[
                ("HAVEN_DATABASE__URL", "postgres://haven_api@db/haven"),
                (
                    "HAVEN_DATABASE__MIGRATION_URL",
                    "postgres://haven_owner@db/haven",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(
            s.database.migration_url().expose_secret(),
            "postgres://haven_owner@db/haven"
        );
    }

    #[test]
    fn a_migration_url_is_validated_like_the_database_url() {
        for bad in ["mysql://db/haven", "sqlite://data/haven.db"] {
            let err = Settings::load_from(
                None,
                env(&[
                    ("HAVEN_DATABASE__URL", "postgres://haven_api@db/haven"),
                    ("HAVEN_DATABASE__MIGRATION_URL", bad),
                ]),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("database.migration_url"), "{err}");
        }
    }
}
