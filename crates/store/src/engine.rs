//! One copy of the SQL for two engines, without macros.
//!
//! Every repository (`IdentityStore`, `SchedulingStore`, …) is implemented
//! once, generically, for any [`Source`] of connections: the pool (each call
//! is its own small unit of work) or a [`crate::UnitOfWork`] (every call runs
//! in the one transaction the use case began). The SQL is ordinary Rust that
//! rustfmt formats and an IDE understands; the compiler checks every query's
//! bindings against both drivers, because both engines instantiate it.
//!
//! What truly differs between the engines lives in [`Dialect`], one small
//! impl per engine (`sqlite.rs`, `postgres.rs`): taking the write lock,
//! job claiming, the scheduling version, schema introspection, backup.
//!
//! The price is the bounds: Rust does not imply where-clauses about other
//! types (`Uuid: Encode<DB>`), so each generic impl block repeats the list
//! below. Copy it as it is; the compiler names any bound that is missing.
//!
//! ```text
//! where
//!     S: Source,
//!     for<'c> &'c mut Conn<S>: Executor<'c, Database = S::Db>,
//!     for<'q> Args<'q, S>: IntoArguments<'q, S::Db>,
//!     for<'r> Row<S>: ColumnIndex<&'r str> + ColumnIndex<usize>,
//!     for<'q> i64: Encode<'q, S::Db> + Decode<'q, S::Db> + Type<S::Db>,
//!     … the same for bool, String, &str, Uuid, Vec<u8>
//! ```
use std::ops::{Deref, DerefMut};
use std::path::Path;

use async_trait::async_trait;
use sensate_domain::UserId;
use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool, Transaction};

use crate::Result;
use crate::unit_of_work::{Mode, SqlxUow};

/// The connection type of a source's engine.
pub type Conn<S> = <<S as Source>::Db as Database>::Connection;
/// The argument buffer of a source's engine.
pub type Args<'q, S> = <<S as Source>::Db as Database>::Arguments<'q>;
/// The row type of a source's engine.
pub type Row<S> = <<S as Source>::Db as Database>::Row;

/// What differs between SQLite and PostgreSQL, and nothing else.
#[async_trait]
pub trait Dialect: Database<QueryResult: RowsAffected> {
    const ENGINE: crate::Engine;
    /// One writer at a time for the whole database (SQLite): this server's
    /// writers of audit entries take turns in-process rather than in the
    /// engine's busy loop, which sleeps and is not first come, first served.
    const ONE_WRITER: bool;

    /// The first statement of a write transaction. SQLite takes its one write
    /// lock here, so a read-then-write cannot be overtaken by another writer
    /// (a deferred transaction would fail when it upgrades instead of
    /// waiting); PostgreSQL needs nothing.
    async fn lock_for_write(conn: &mut Self::Connection) -> Result<(), sqlx::Error>;

    /// Makes bookings of one clinician take turns inside their transactions.
    async fn serialize_bookings(conn: &mut Self::Connection, clinician: UserId) -> Result<(), sqlx::Error>;

    /// Notes, inside the writing transaction, that free time changed.
    async fn scheduling_changed(conn: &mut Self::Connection) -> Result<(), sqlx::Error>;

    /// Notes, after the commit, that free time changed.
    async fn scheduling_committed(pool: &Pool<Self>);

    async fn scheduling_version(conn: &mut Self::Connection) -> Result<i64>;

    /// Every version, read together.
    async fn versions(conn: &mut Self::Connection) -> Result<crate::Versions>;

    /// The statement that leases up to `$4` due jobs (due at `$1`) to worker
    /// `$3` until `$2`, returning their rows.
    fn claim_jobs_sql() -> String;

    /// Takes the audit sealer's turn for the rest of this transaction,
    /// waiting for another sealer to finish; false if the turn cannot be had.
    async fn take_sealer_turn(conn: &mut Self::Connection) -> Result<bool, sqlx::Error>;

    /// Runs a statement built with `QueryBuilder` (multi-row inserts), not
    /// kept as a prepared statement: each is big and used once or a few times.
    async fn execute_built(conn: &mut Self::Connection, builder: &mut sqlx::QueryBuilder<'_, Self>) -> Result<()>;

    /// Counts the tables named `_sqlx_migrations` (0 for an empty database).
    const MIGRATIONS_TABLE_SQL: &'static str;

    /// Every table and its columns, sorted, as (table, column).
    const SCHEMA_COLUMNS_SQL: &'static str;

    /// Writes a consistent copy of the database to `path`.
    async fn backup_to(conn: &mut Self::Connection, path: &Path) -> Result<()>;
}

/// How many rows a statement changed: each driver has its own result type.
pub trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::sqlite::SqliteQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::postgres::PgQueryResult::rows_affected(self)
    }
}

/// Somewhere to run statements: the pool, or a unit of work's transaction.
#[async_trait]
pub trait Source: Send + Sync {
    type Db: Dialect;

    /// A connection for the next statements. From the pool, each statement
    /// commits by itself; in a unit of work, every statement joins its
    /// transaction (and `begin()` on it opens a savepoint).
    async fn conn(&self) -> Result<Held<'_, Self::Db>, sqlx::Error>;

    /// A change to free time has committed (pool) or will commit with the
    /// unit of work (which then tells the engine after its commit).
    async fn scheduling_committed(&self);
}

/// A connection lent by a [`Source`].
pub enum Held<'a, DB: Database> {
    Pooled(PoolConnection<DB>),
    InTransaction(tokio::sync::MutexGuard<'a, Transaction<'static, DB>>),
}

impl<DB: Database> Deref for Held<'_, DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        match self {
            Held::Pooled(conn) => conn,
            Held::InTransaction(tx) => tx,
        }
    }
}

impl<DB: Database> DerefMut for Held<'_, DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Held::Pooled(conn) => conn,
            Held::InTransaction(tx) => tx,
        }
    }
}

/// A store on one engine: its connection pool, and the queue through which
/// readers' audit entries share commits.
pub struct SqlxStore<DB: Database> {
    pub(crate) pool: Pool<DB>,
    audit: std::sync::Arc<crate::unit_of_work::AuditQueue>,
}

impl<DB: Database> SqlxStore<DB> {
    pub(crate) fn new(pool: Pool<DB>) -> Self {
        Self { pool, audit: std::sync::Arc::default() }
    }

    /// The store on `pool` whose readers' entries go through `audit`.
    pub(crate) fn with_queue(pool: Pool<DB>, audit: std::sync::Arc<crate::unit_of_work::AuditQueue>) -> Self {
        Self { pool, audit }
    }
}

#[async_trait]
impl<DB: Dialect> Source for SqlxStore<DB> {
    type Db = DB;

    async fn conn(&self) -> Result<Held<'_, DB>, sqlx::Error> {
        Ok(Held::Pooled(self.pool.acquire().await?))
    }

    async fn scheduling_committed(&self) {
        DB::scheduling_committed(&self.pool).await;
    }
}

/// Home of the SQL helpers that several repositories share (inserting a
/// user, decoding a profile row): `Sql::<S>::insert_user_in(&mut tx, …)`.
pub struct Sql<S>(std::marker::PhantomData<S>);

#[async_trait]
impl<DB> crate::Store for SqlxStore<DB>
where
    DB: Dialect,
    SqlxUow<DB>: crate::UnitOfWork,
    Self: crate::Repositories,
{
    fn engine(&self) -> crate::Engine {
        DB::ENGINE
    }

    async fn ping(&self) -> Result<()> {
        sqlx::Connection::ping(&mut *self.conn().await?).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn schema_version(&self) -> Result<i64> {
        crate::PracticeStore::applied_migration(self).await
    }

    async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        crate::PracticeStore::table_columns(self).await
    }

    async fn backup_to(&self, path: &Path) -> Result<()> {
        DB::backup_to(&mut *self.conn().await?, path).await
    }

    async fn begin_write(&self) -> Result<Box<dyn crate::UnitOfWork>> {
        let uow = SqlxUow::begin(self.pool.clone(), Mode::Write, self.audit.clone()).await?;
        Ok(Box::new(uow))
    }

    async fn begin_read(&self) -> Result<Box<dyn crate::UnitOfWork>> {
        let uow = SqlxUow::begin(self.pool.clone(), Mode::Read, self.audit.clone()).await?;
        Ok(Box::new(uow))
    }

    async fn append_audit(&self, events: Vec<crate::AuditEvent>) -> Result<()> {
        self.audit.append(&self.pool, events).await
    }

    fn audit_written(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.audit.written.clone()
    }

    async fn versions(&self) -> Result<crate::Versions> {
        DB::versions(&mut *self.conn().await?).await
    }

    async fn seal_pending_audit(&self, key: &crate::AuditKey) -> Result<usize> {
        let _turn = if DB::ONE_WRITER { Some(self.audit.take_turn().await) } else { None };
        crate::AuditStore::seal_audit(self, key).await
    }
}
