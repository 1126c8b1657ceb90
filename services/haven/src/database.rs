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

/// Brings the schema up to date over the migration address, then connects the services' way.
///
/// With one address (SQLite, or a single PostgreSQL role) that connection migrates. With an owner
/// role of its own, migrations run over a short-lived owner connection, and the services'
/// connection, which may not create the migrations table, checks instead that it sees exactly the
/// schema this binary expects: that also catches two addresses naming different databases.
#[expect(
    clippy::disallowed_methods,
    reason = "the migrator and its check are the bare connection's one use"
)]
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<Db> {
    let owner_url = settings.database.migration_url().expose_secret();
    if owner_url == settings.database.url.expose_secret() {
        let db = connect(settings).await?;
        haven_migrations::migrate(db.schema_connection()).await?;
        return Ok(db);
    }
    ensure_sqlite_dir(owner_url)?;
    let owner = Db::connect(owner_url, 1).await?;
    let migrated = haven_migrations::migrate(owner.schema_connection()).await;
    owner.close().await?;
    migrated?;
    let db = connect(settings).await?;
    haven_migrations::check(db.schema_connection()).await?;
    Ok(db)
}
