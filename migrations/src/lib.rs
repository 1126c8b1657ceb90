//! Haven's schema, as sea-orm migrations that run unchanged on SQLite and PostgreSQL.
//!
//! Callers run [`migrate`], which refuses a database that a newer Haven has migrated before it
//! applies anything; `MigratorTrait` is re-exported so callers need no sea-orm-migration
//! dependency of their own.
//!
//! One migration per file: `DeriveMigrationName` takes its name from the file, so a second
//! migration in the same file would collide in `seaql_migrations`. Foreign keys are declared in
//! `Table::create()` and columns are never altered in place, because SQLite cannot do either.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod common;
mod m20261123_000001_tenancy;
mod m20261123_000002_people;
mod m20261123_000003_agreements;
mod m20261123_000004_sessions_records;
mod m20261123_000005_oversight;
mod m20261123_000006_outbox_audit;

/// Every Haven migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_tenancy::Migration),
            Box::new(m20261123_000002_people::Migration),
            Box::new(m20261123_000003_agreements::Migration),
            Box::new(m20261123_000004_sessions_records::Migration),
            Box::new(m20261123_000005_oversight::Migration),
            Box::new(m20261123_000006_outbox_audit::Migration),
        ]
    }
}

/// Why the schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "the database schema is newer than this Haven (migration {0} is unknown to it): \
         run a Haven at least as new as the one that migrated it"
    )]
    NewerSchema(String),
    #[error("a migration failed and was rolled back: {0}")]
    Failed(#[source] DbErr),
}

/// Applies every pending migration, each in its own transaction. A database holding migrations
/// this binary does not know was upgraded by a newer Haven: it is left untouched.
pub async fn migrate(
    db: &sea_orm_migration::sea_orm::DatabaseConnection,
) -> Result<(), MigrateError> {
    let known: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    Migrator::install(db).await.map_err(MigrateError::Failed)?;
    let applied = Migrator::get_migration_models(db)
        .await
        .map_err(MigrateError::Failed)?;
    if let Some(unknown) = applied.iter().find(|m| !known.contains(&m.version)) {
        return Err(MigrateError::NewerSchema(unknown.version.clone()));
    }
    Migrator::up(db, None).await.map_err(MigrateError::Failed)
}
