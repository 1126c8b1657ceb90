//! Opening the records database and bringing its schema up to date.

use std::path::Path;

use anyhow::Context;
use haven_config::{DatabaseKind, Settings, database_kind};
use haven_store::Db;
use secrecy::ExposeSecret;

/// Creates the directory a SQLite URL points into (`sqlite://data/haven.db` → `data/`).
pub fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    if database_kind(url) != Some(DatabaseKind::Sqlite) {
        return Ok(());
    }
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return Ok(());
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the data directory {}", parent.display()))?;
    }
    Ok(())
}

/// Connects to the records database named by the settings.
pub async fn connect(settings: &Settings) -> anyhow::Result<Db> {
    let url = settings.database.url.expose_secret();
    ensure_sqlite_dir(url)?;
    Ok(Db::connect(url, settings.database.max_connections).await?)
}

/// Connects and brings the schema up to date.
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<Db> {
    let db = connect(settings).await?;
    haven_migrations::migrate(db.schema_connection()).await?;
    Ok(db)
}
