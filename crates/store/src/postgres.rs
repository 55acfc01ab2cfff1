//! PostgreSQL: for practices that run several app servers, or want the
//! operational tooling of a server database.
use std::path::Path;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::{ConnectError, Engine, Migrate, Result, StoreError, migrations};

pub type PgStore = crate::engine::SqlxStore<sqlx::Postgres>;

impl PgStore {
    pub async fn open(url: &str, migrate: Migrate) -> Result<Self, ConnectError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| ConnectError::Open(redact_url_error(e)))?;
        let store = Self::new(pool);
        let found = crate::Store::schema_version(&store).await.map_err(|e| ConnectError::Open(e.to_string()))?;
        let known = migrations::latest_version();
        if found > known {
            return Err(ConnectError::SchemaTooNew { found, known });
        }
        let target = migrate.target(found, known);
        if found < target {
            // sqlx takes an advisory lock, so app servers starting together
            // migrate once.
            migrations::postgres(target).run(&store.pool).await.map_err(|e| ConnectError::Migrate(e.to_string()))?;
        }
        Ok(store)
    }
}

/// The advisory-lock class of booking turns (the audit chain uses a single-key lock).
const BOOKING_LOCK_CLASS: i32 = 8_351;

/// Connection errors can echo the URL, password included; keep only the kind.
fn redact_url_error(error: sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(io) => format!("cannot reach the PostgreSQL server ({io})"),
        sqlx::Error::Database(db) => format!("PostgreSQL refused the connection: {}", db.message()),
        sqlx::Error::PoolTimedOut => "timed out connecting to PostgreSQL".to_string(),
        sqlx::Error::Configuration(_) => "the PostgreSQL URL is not valid".to_string(),
        other => format!("cannot connect to PostgreSQL: {other}"),
    }
}

#[async_trait::async_trait]
impl crate::engine::Dialect for sqlx::Postgres {
    const ENGINE: Engine = Engine::Postgres;
    const ONE_WRITER: bool = false;

    /// Row locks and constraints do the work; nothing to take up front.
    async fn lock_for_write(_conn: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
        Ok(())
    }

    /// Makes bookings for one clinician take turns within their transactions.
    /// The exclusion constraint alone already refuses overlaps, but two
    /// transactions inserting overlapping rows at once wait on each other and
    /// PostgreSQL aborts one as a deadlock; taking turns turns that into an
    /// orderly "taken". Other clinicians' bookings are not held up (unless
    /// their ids share the lock's 32-bit key, which only costs a short wait).
    async fn serialize_bookings(
        conn: &mut sqlx::PgConnection,
        clinician: sensate_domain::UserId,
    ) -> Result<(), sqlx::Error> {
        let bytes = clinician.as_uuid().into_bytes();
        let key = bytes.chunks(4).fold(0u32, |acc, c| acc ^ u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(BOOKING_LOCK_CLASS)
            .bind(i32::from_ne_bytes(key.to_ne_bytes()))
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Nothing inside the transaction: one row bumped by every booking would
    /// make bookings of different clinicians queue behind each other.
    async fn scheduling_changed(_conn: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
        Ok(())
    }

    /// After the commit, the next value of a sequence: it never waits for
    /// other transactions, and readers cannot see it before the change. If
    /// it fails, next free times catch up at their periodic refresh.
    async fn scheduling_committed(pool: &PgPool) {
        if let Err(error) = sqlx::query("SELECT nextval('scheduling_version')").execute(pool).await {
            tracing::warn!(%error, "could not note a scheduling change; next free times catch up within minutes");
        }
    }

    async fn scheduling_version(conn: &mut sqlx::PgConnection) -> Result<i64> {
        let (last, called): (i64, bool) =
            sqlx::query_as("SELECT last_value, is_called FROM scheduling_version").fetch_one(conn).await?;
        Ok(if called { last } else { 0 })
    }

    async fn versions(conn: &mut sqlx::PgConnection) -> Result<crate::Versions> {
        let (directory, scheduling, identity): (Option<String>, i64, Option<String>) = sqlx::query_as(
            "SELECT (SELECT value FROM meta WHERE key = 'directory_version'), \
             (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM scheduling_version), \
             (SELECT value FROM meta WHERE key = 'identity_version')",
        )
        .fetch_one(conn)
        .await?;
        let number = |value: Option<String>| value.and_then(|v| v.parse().ok()).unwrap_or(0);
        Ok(crate::Versions {
            directory: number(directory),
            scheduling,
            identity: number(identity),
            calendar: None,
            care: None,
        })
    }

    /// Picks due jobs with `FOR UPDATE SKIP LOCKED` and leases them in the
    /// same statement (and so the same transaction): a job another server
    /// is claiming at this moment is skipped rather than waited for, and a
    /// row changed meanwhile is checked again against the conditions.
    fn claim_jobs_sql() -> String {
        let returning =
            crate::jobs::JOB_COLUMNS.split(", ").map(|c| format!("jobs.{c}")).collect::<Vec<_>>().join(", ");
        format!(
            "UPDATE jobs SET attempts = jobs.attempts + 1, locked_until = $2, locked_by = $3 \
             FROM (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $1 \
             AND (locked_until IS NULL OR locked_until <= $1) ORDER BY run_at, id LIMIT $4 \
             FOR UPDATE SKIP LOCKED) due WHERE jobs.id = due.id RETURNING {returning}"
        )
    }

    /// Sealers of several app servers take turns (an advisory lock held to
    /// the end of the sealing transaction); one that waited seals whatever
    /// the one before left. Only sealers wait here, never use cases.
    async fn take_sealer_turn(conn: &mut sqlx::PgConnection) -> Result<bool, sqlx::Error> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(AUDIT_SEALER_LOCK).execute(conn).await?;
        Ok(true)
    }

    async fn execute_built(conn: &mut PgConnection, built: &mut QueryBuilder<'_, Postgres>) -> Result<()> {
        Ok(built.build().persistent(false).execute(conn).await.map(drop)?)
    }

    const MIGRATIONS_TABLE_SQL: &'static str =
        "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = '_sqlx_migrations'";

    const SCHEMA_COLUMNS_SQL: &'static str = "SELECT table_name::text, column_name::text \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND table_name <> '_sqlx_migrations' ORDER BY 1, 2";

    async fn backup_to(_conn: &mut sqlx::PgConnection, _path: &Path) -> Result<()> {
        Err(StoreError::Unsupported("PostgreSQL; back it up with pg_dump --format=custom (see docs/OPERATIONS.md)"))
    }
}

/// The advisory-lock key of the audit sealer's turn.
const AUDIT_SEALER_LOCK: i64 = 7_355_609;
