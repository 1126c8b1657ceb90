use std::time::Duration;

use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseBackend, DatabaseConnection};

use crate::StoreError;

/// The records database: SQLite on the embedded default, PostgreSQL in production.
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
}

impl Db {
    /// Connects, creating a SQLite file if it is missing (write-ahead log so readers never wait
    /// for a writer, foreign keys on, a busy timeout so concurrent writers queue).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .connect_timeout(Duration::from_secs(10))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .create_if_missing(true)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
            });
        let conn = Database::connect(options)
            .await
            .map_err(|source| StoreError::Unreachable {
                url: redact(url),
                source,
            })?;
        Ok(Self { conn })
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.conn.ping().await?)
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// The bare connection, for the schema migrator and its check only. It names no trust, so on
    /// PostgreSQL row-level security (FORCEd, so even for the owner) shows it no tenant's rows.
    pub fn schema_connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub async fn close(self) -> Result<(), StoreError> {
        Ok(self.conn.close().await?)
    }
}

/// A URL fit for a log line: the password, if any, replaced.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = url.get(scheme_end + 3..at).unwrap_or_default();
            let user = userinfo.split(':').next().unwrap_or_default();
            let scheme = url.get(..scheme_end).unwrap_or_default();
            let rest = url.get(at..).unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***{rest}")
            } else {
                url.to_owned()
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_password_in_a_database_url_is_never_logged() {
        assert_eq!(
            redact("postgres://haven:s3cret@db:5432/haven"),
            "postgres://haven:***@db:5432/haven"
        );
        assert_eq!(redact("sqlite://data/haven.db"), "sqlite://data/haven.db");
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
    }
}
