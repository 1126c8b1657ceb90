//! Transactions bound to a scope: the only way this crate touches tenant tables.

use chrono::{DateTime, Utc};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend,
    DatabaseTransaction, EntityName, EntityTrait, IntoActiveModel, ModelTrait, QueryFilter,
    QuerySelect, QueryTrait, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait, Value,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditEntry, ChainHead};
use crate::scope::Scope;
use crate::tenant::{OpenTable, TenantTable, scoped};
use crate::{Db, StoreError};

/// The longest one statement of a transaction may run or wait for a lock on PostgreSQL: a
/// request that went astray is stopped there, and the trust's other writers go on. (SQLite's
/// writers wait at most their busy timeout, set where the database is connected.)
const STATEMENT_TIMEOUT: &str = "30s";

/// On PostgreSQL, names the transaction's trust for row-level security and bounds each of its
/// statements. Both are transaction-local (`true`), so a pooled connection never carries one
/// trust's setting into another's work.
async fn set_trust(txn: &DatabaseTransaction, trust_id: Uuid) -> Result<(), StoreError> {
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT set_config('app.trust_id', $1, true), \
                    set_config('statement_timeout', $2, true)",
            [trust_id.to_string().into(), STATEMENT_TIMEOUT.into()],
        ))
        .await?;
    }
    Ok(())
}

/// A read-only view of the scope's rows.
pub struct ReadTx<'s> {
    txn: DatabaseTransaction,
    scope: &'s Scope,
}

/// A unit of work in the scope's trust: its changes and their audit entries commit together.
/// It reads as a [`ReadTx`] does (it dereferences to one), so a store function that only reads
/// takes `&ReadTx` and serves a write's checks in the same transaction.
pub struct WriteTx<'s> {
    read: ReadTx<'s>,
    now: DateTime<Utc>,
    head: ChainHead,
    appended: bool,
}

impl Db {
    /// Starts reading what `scope` may see.
    #[tracing::instrument(level = "debug", skip_all, fields(trust_id = %scope.trust_id()))]
    pub async fn read<'s>(&self, scope: &'s Scope) -> Result<ReadTx<'s>, StoreError> {
        let txn = self.in_trust(scope.trust_id()).await?;
        Ok(ReadTx { txn, scope })
    }

    /// A transaction in `trust_id`, for the store's own reads that come before a scope exists
    /// (building one) or stand outside any (verifying a chain): on PostgreSQL row-level security
    /// shows a transaction that named no trust nothing at all.
    pub(crate) async fn in_trust(&self, trust_id: Uuid) -> Result<DatabaseTransaction, StoreError> {
        let txn = self.conn().begin().await?;
        set_trust(&txn, trust_id).await?;
        Ok(txn)
    }

    /// Creates the trust `scope` names, its audit chain and the chain's first entry, and leaves
    /// the transaction open: whatever the caller adds commits with the trust, or none of it does.
    pub async fn create_trust<'s>(
        &self,
        scope: &'s Scope,
        name: &str,
        slug: &str,
        now: DateTime<Utc>,
    ) -> Result<(e::trust::Model, WriteTx<'s>), StoreError> {
        let txn = self.begin_write().await?;
        set_trust(&txn, scope.trust_id()).await?;
        let trust = e::trust::Entity::insert(e::trust::ActiveModel {
            id: Set(scope.trust_id()),
            name: Set(name.to_owned()),
            slug: Set(slug.to_owned()),
            created_at: Set(now),
        })
        .exec_with_returning(&txn)
        .await?;
        e::audit_chain_head::Entity::insert(e::audit_chain_head::ActiveModel {
            trust_id: Set(trust.id),
            seq: Set(0),
            hash: Set(audit::GENESIS_HASH.to_owned()),
        })
        .exec(&txn)
        .await?;
        let mut tx = WriteTx {
            read: ReadTx { txn, scope },
            now,
            head: ChainHead {
                seq: 0,
                hash: audit::GENESIS_HASH.to_owned(),
            },
            appended: false,
        };
        tx.audit(AuditEntry::new("create", "trust", Some(trust.id)))
            .await?;
        Ok((trust, tx))
    }

    async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(self
            .conn()
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?)
    }

    /// Starts a write in `scope`'s trust at `now`. It waits for the trust's other writers: the
    /// audit chain's head is locked (on SQLite the transaction starts IMMEDIATE, taking the
    /// database's write lock before it reads, so it can never fail half-way to upgrade it).
    #[tracing::instrument(level = "debug", skip_all, fields(trust_id = %scope.trust_id()))]
    pub async fn write<'s>(
        &self,
        scope: &'s Scope,
        now: DateTime<Utc>,
    ) -> Result<WriteTx<'s>, StoreError> {
        let txn = self.begin_write().await?;
        set_trust(&txn, scope.trust_id()).await?;
        let head = e::audit_chain_head::Entity::find_by_id(scope.trust_id())
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(WriteTx {
            read: ReadTx { txn, scope },
            now,
            head: ChainHead {
                seq: head.seq,
                hash: head.hash,
            },
            appended: false,
        })
    }
}

impl<'s> ReadTx<'s> {
    pub fn scope(&self) -> &'s Scope {
        self.scope
    }

    /// The rows of `E` of `academy_id` that match `condition`, for reading that academy's
    /// rules (its term dates) on behalf of a party to one of its agreements who may not see the
    /// academy: see [`Scope::reading_rules_of`]. Never for the academy's other rows.
    pub(crate) async fn rules_of<E, F>(
        &self,
        academy_id: Uuid,
        condition: F,
    ) -> Result<Vec<E::Model>, StoreError>
    where
        E: TenantTable,
        F: sea_orm::sea_query::IntoCondition,
    {
        Ok(scoped::<E>(&self.scope.reading_rules_of(academy_id))
            .filter(condition)
            .all(&self.txn)
            .await?)
    }

    /// Whether the scope sees a row of `E` with this id (`NotFound` if not), reading nothing
    /// else of it: for checking a row of content exists without reading its content.
    pub(crate) async fn exists<E: TenantTable>(&self, id: Uuid) -> Result<(), StoreError> {
        scoped::<E>(self.scope)
            .select_only()
            .column(E::id_column())
            .filter(E::id_column().eq(id))
            .into_tuple::<Uuid>()
            .one(&self.txn)
            .await?
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }

    /// The row with this id, if the scope may see it.
    pub async fn find<E: OpenTable>(&self, id: Uuid) -> Result<E::Model, StoreError> {
        scoped::<E>(self.scope)
            .filter(E::id_column().eq(id))
            .one(&self.txn)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Every row of `E` the scope may see.
    pub async fn list<E: OpenTable>(&self) -> Result<Vec<E::Model>, StoreError> {
        Ok(scoped::<E>(self.scope).all(&self.txn).await?)
    }

    /// The rows of `E` the scope may see that also match `condition`.
    pub async fn list_where<E, F>(&self, condition: F) -> Result<Vec<E::Model>, StoreError>
    where
        E: OpenTable,
        F: sea_orm::sea_query::IntoCondition,
    {
        Ok(scoped::<E>(self.scope)
            .filter(condition)
            .all(&self.txn)
            .await?)
    }

    /// Every row of `E` the scope may see, read as `P`: only the columns `P` names, so
    /// a read model that needs no content never reads it.
    pub(crate) async fn list_partial<E, P>(&self) -> Result<Vec<P>, StoreError>
    where
        E: TenantTable,
        P: sea_orm::PartialModelTrait + Send,
    {
        Ok(scoped::<E>(self.scope)
            .into_partial_model::<P>()
            .all(&self.txn)
            .await?)
    }

    /// The rows of `E` the scope may see that match `condition`, read as `P` (see
    /// [`Self::list_partial`]).
    pub(crate) async fn list_partial_where<E, P, F>(
        &self,
        condition: F,
    ) -> Result<Vec<P>, StoreError>
    where
        E: TenantTable,
        P: sea_orm::PartialModelTrait + Send,
        F: sea_orm::sea_query::IntoCondition,
    {
        Ok(scoped::<E>(self.scope)
            .filter(condition)
            .into_partial_model::<P>()
            .all(&self.txn)
            .await?)
    }

    /// `column` of the rows of `E` the scope may see that match `condition`, as a subquery
    /// for another read's condition (`in_subquery`): the subquery keeps the scope's filters.
    pub(crate) fn subquery<E, F>(&self, column: E::Column, condition: F) -> SelectStatement
    where
        E: TenantTable,
        F: sea_orm::sea_query::IntoCondition,
    {
        scoped::<E>(self.scope)
            .select_only()
            .column(column)
            .filter(condition)
            .into_query()
    }

    /// For the store's own modules: reads whose rule is more than academy visibility (a party
    /// reaches their own record wherever it sits), and a write's bookkeeping and guarded updates
    /// beyond the generic ones.
    pub(crate) fn connection(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Ends the read.
    pub async fn finish(self) -> Result<(), StoreError> {
        Ok(self.txn.commit().await?)
    }
}

/// The trust and academy an active model would be written to.
fn placement<A>(model: &A) -> (Option<Value>, Option<Value>)
where
    A: ActiveModelTrait,
    A::Entity: TenantTable,
{
    let trust = model
        .get(<A::Entity as TenantTable>::trust_column())
        .into_value();
    let academy = <A::Entity as TenantTable>::academy_column()
        .and_then(|column| model.get(column).into_value());
    (trust, academy)
}

fn digest<M: Serialize>(entity: &str, model: &M) -> Result<String, StoreError> {
    haven_domain::signature::content_hash(model)
        .map(|hash| hash.to_string())
        .map_err(|source| StoreError::Digest {
            entity: entity.to_owned(),
            source,
        })
}

impl<'s> std::ops::Deref for WriteTx<'s> {
    type Target = ReadTx<'s>;

    fn deref(&self) -> &ReadTx<'s> {
        &self.read
    }
}

impl WriteTx<'_> {
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    fn check_placement<A>(&self, model: &A) -> Result<(), StoreError>
    where
        A: ActiveModelTrait,
        A::Entity: TenantTable,
    {
        let table = <A::Entity as Default>::default().table_name().to_owned();
        let (trust, academy) = placement(model);
        if trust != Some(self.read.scope.trust_id().into()) {
            return Err(StoreError::OutOfScope { entity: table });
        }
        if let Some(academy) = academy {
            let visible = match academy {
                Value::Uuid(Some(id)) => self.read.scope.sees_academy(id),
                _ => false,
            };
            if !visible {
                return Err(StoreError::OutOfScope { entity: table });
            }
        }
        Ok(())
    }

    /// Inserts a row of the scope's trust (and of an academy the scope sees), with its audit
    /// entry. The entry holds a digest of the row, never its content.
    pub async fn insert<A>(
        &mut self,
        model: A,
    ) -> Result<<A::Entity as EntityTrait>::Model, StoreError>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantTable,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Serialize,
    {
        self.check_placement(&model)?;
        let table = <A::Entity as Default>::default().table_name().to_owned();
        let row = model.insert(&self.read.txn).await?;
        let id = uuid_of(&row.get(<A::Entity as TenantTable>::id_column()));
        let entry = AuditEntry::new("create", &table, id)
            .with_detail(json!({ "digest": digest(&table, &row)? }));
        self.audit(entry).await?;
        Ok(row)
    }

    /// Inserts a row of an agreement's academy for one of the agreement's parties, which the
    /// caller has established. A party who does not see the academy (an external supervisor,
    /// whose standing is the agreement, not a role there) still writes there; the row must still
    /// be of the scope's trust, and its audit entry says the write stood on the party's standing.
    pub(crate) async fn insert_for_party<A>(
        &mut self,
        model: A,
    ) -> Result<<A::Entity as EntityTrait>::Model, StoreError>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantTable,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Serialize,
    {
        let table = <A::Entity as Default>::default().table_name().to_owned();
        let (trust, academy) = placement(&model);
        let seen = match academy {
            None => true,
            Some(Value::Uuid(Some(id))) => self.read.scope.sees_academy(id),
            Some(_) => return Err(StoreError::OutOfScope { entity: table }),
        };
        if seen {
            return self.insert(model).await;
        }
        if trust != Some(self.read.scope.trust_id().into()) {
            return Err(StoreError::OutOfScope { entity: table });
        }
        let row = model.insert(&self.read.txn).await?;
        let id = uuid_of(&row.get(<A::Entity as TenantTable>::id_column()));
        let entry = AuditEntry::new("create", &table, id)
            .with_detail(json!({ "digest": digest(&table, &row)?, "basis": "party" }));
        self.audit(entry).await?;
        Ok(row)
    }

    /// Inserts rows of the scope's trust (each of an academy the scope sees) in one statement,
    /// with one audit entry for them all: bulk loads such as a generated trust for load tests,
    /// where an entry per row would cost more than the rows. The caller keeps a statement within
    /// the engine's bound-parameter limit (a few hundred rows of any table).
    pub async fn insert_many<A>(&mut self, models: Vec<A>) -> Result<(), StoreError>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        A::Entity: TenantTable,
    {
        if models.is_empty() {
            return Ok(());
        }
        for model in &models {
            self.check_placement(model)?;
        }
        let table = <A::Entity as Default>::default().table_name().to_owned();
        let rows = models.len();
        <A::Entity as EntityTrait>::insert_many(models)
            .exec_without_returning(&self.read.txn)
            .await?;
        self.audit(
            AuditEntry::new("create_many", &table, None).with_detail(json!({ "rows": rows })),
        )
        .await
    }

    /// Appends an entry to the trust's audit log in this transaction.
    pub async fn audit(&mut self, entry: AuditEntry) -> Result<(), StoreError> {
        self.head =
            audit::append(&self.read.txn, self.read.scope, &self.head, entry, self.now).await?;
        self.appended = true;
        Ok(())
    }

    /// Commits the changes and their audit entries together.
    #[tracing::instrument(level = "debug", skip_all, fields(trust_id = %self.read.scope.trust_id()))]
    pub async fn commit(self) -> Result<(), StoreError> {
        if self.appended {
            audit::store_head(&self.read.txn, self.read.scope.trust_id(), &self.head).await?;
        }
        Ok(self.read.txn.commit().await?)
    }
}

fn uuid_of(value: &Value) -> Option<Uuid> {
    match value {
        Value::Uuid(Some(id)) => Some(*id),
        _ => None,
    }
}
