//! Small builders shared by the migrations, so every foreign key and index is named the same way
//! and enum and hash columns have one width. Past migrations call these: change what they build
//! and already-applied databases no longer match a fresh one, so add new helpers instead.

use sea_orm_migration::{prelude::*, schema::*};

/// Width of a column holding a snake_case enum value; the domain crate owns the values.
const ENUM_LEN: u32 = 32;

/// Width of a hex SHA-256.
const HASH_LEN: u32 = 64;

pub fn enum_string<T: IntoIden>(col: T) -> ColumnDef {
    string_len(col, ENUM_LEN)
}

pub fn hash<T: IntoIden>(col: T) -> ColumnDef {
    string_len(col, HASH_LEN)
}

pub fn hash_null<T: IntoIden>(col: T) -> ColumnDef {
    string_len_null(col, HASH_LEN)
}

/// Optimistic-concurrency counter: an update names the version it read and bumps it.
pub fn row_version<T: IntoIden>(col: T) -> ColumnDef {
    integer(col).default(1).take()
}

/// A foreign key `fk_<table>_<column>` to `<parent>.id`. Declared inside `Table::create()`:
/// SQLite cannot add one to an existing table. No cascades: records are evidence and are never
/// deleted by deleting something else.
pub fn fk<T, C, P>(table: T, column: C, parent: P) -> ForeignKeyCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    P: IntoIden,
{
    let (table, column) = (table.into_iden(), column.into_iden());
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(parent, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .on_update(ForeignKeyAction::Restrict)
        .take()
}

/// An index `ix_<table>_<columns>`.
pub fn index<T, C, I>(table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    I: IntoIterator<Item = C>,
{
    build_index("ix", table, columns)
}

/// A unique index `ux_<table>_<columns>`. Unique indexes rather than table constraints because
/// both backends create them the same way, and each can be dropped on its own.
pub fn unique_index<T, C, I>(table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    I: IntoIterator<Item = C>,
{
    build_index("ux", table, columns).unique().take()
}

fn build_index<T, C, I>(prefix: &str, table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIden,
    I: IntoIterator<Item = C>,
{
    let table = table.into_iden();
    let columns: Vec<DynIden> = columns.into_iter().map(IntoIden::into_iden).collect();
    let names: Vec<String> = columns.iter().map(ToString::to_string).collect();
    let mut index = Index::create();
    index
        .name(format!("{prefix}_{table}_{}", names.join("_")))
        .table(table);
    for column in columns {
        index.col(column);
    }
    index
}

/// Creates each index in turn.
pub async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    for index in indexes {
        manager.create_index(index).await?;
    }
    Ok(())
}

/// Drops the tables in the order given (children first).
pub async fn drop_tables<T: IntoIden>(
    manager: &SchemaManager<'_>,
    tables: Vec<T>,
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).to_owned())
            .await?;
    }
    Ok(())
}

/// The role the services' login roles are members of on PostgreSQL; it owns nothing.
pub const APP_ROLE: &str = "haven_app";

/// On PostgreSQL, puts a tenant table behind row-level security: a FORCEd policy shows and
/// accepts only rows of the trust the transaction named (`set_config('app.trust_id', …, true)`),
/// and none when it named no trust; `privileges` are granted to [`APP_ROLE`]. Every migration that
/// creates a table with a `trust_id` calls this for it on PostgreSQL.
pub async fn isolate_by_trust(
    manager: &SchemaManager<'_>,
    table: &str,
    privileges: &str,
) -> Result<(), DbErr> {
    // After a commit a pooled connection reads '' rather than NULL, and ''::uuid is an error.
    let current_trust = "NULLIF(current_setting('app.trust_id', true), '')::uuid";
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; \
             ALTER TABLE {table} FORCE ROW LEVEL SECURITY; \
             CREATE POLICY tenant_isolation ON {table} \
               USING (trust_id = {current_trust}) \
               WITH CHECK (trust_id = {current_trust}); \
             GRANT {privileges} ON {table} TO {APP_ROLE}"
        ))
        .await?;
    Ok(())
}

/// Undoes [`isolate_by_trust`].
pub async fn unisolate(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(&format!(
            "REVOKE ALL ON {table} FROM {APP_ROLE}; \
             DROP POLICY tenant_isolation ON {table}; \
             ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; \
             ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"
        ))
        .await?;
    Ok(())
}
