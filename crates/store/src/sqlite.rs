//! SQLite: the default, for a practice on one machine. WAL lets readers run
//! beside the one writer; `synchronous=FULL` makes every acknowledged commit
//! survive power loss, which clinical records require.
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::{ConnectError, Engine, Migrate, Result, StoreError, migrations};

pub type SqliteStore = crate::engine::SqlxStore<sqlx::Sqlite>;

/// What a backup file holds, as far as a restore needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupInfo {
    pub schema_version: i64,
    pub practices: i64,
    /// A copy of the fictional demo practice.
    pub demo: bool,
}

impl SqliteStore {
    pub async fn open(path: &Path, migrate: Migrate) -> Result<Self, ConnectError> {
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| ConnectError::Open(e.to_string()))?
            .filename(path)
            .create_if_missing(migrate != Migrate::Skip)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A connection to a file cannot be dropped by a network, so it is
            // not pinged before each use: that ping was a round trip to the
            // driver's thread on every query.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .map_err(|e| ConnectError::Open(format!("{}: {e}", path.display())))?;
        let store = Self::new(pool);
        store.prepare(migrate).await?;
        Ok(store)
    }

    async fn prepare(&self, migrate: Migrate) -> Result<(), ConnectError> {
        let found = crate::Store::schema_version(self).await.map_err(|e| ConnectError::Open(e.to_string()))?;
        let known = migrations::latest_version();
        if found > known {
            return Err(ConnectError::SchemaTooNew { found, known });
        }
        let target = migrate.target(found, known);
        if found < target {
            migrations::sqlite(target).run(&self.pool).await.map_err(|e| ConnectError::Migrate(e.to_string()))?;
        }
        Ok(())
    }

    /// Opens a backup file read-only (it is not modified) and checks that it
    /// is an intact Sensate database this build can use.
    pub async fn inspect_backup(path: &Path) -> Result<BackupInfo, ConnectError> {
        let store = Self::new(read_only_pool(path).await?);
        let not_sensate =
            |detail: String| ConnectError::Open(format!("{} is not a Sensate backup ({detail})", path.display()));
        let integrity = store.integrity_check().await.map_err(|e| not_sensate(e.to_string()))?;
        if integrity != "ok" {
            return Err(not_sensate(format!("integrity check: {integrity}")));
        }
        let schema_version = crate::Store::schema_version(&store).await.map_err(|e| not_sensate(e.to_string()))?;
        if schema_version == 0 {
            return Err(not_sensate("it has no Sensate schema".into()));
        }
        let known = migrations::latest_version();
        if schema_version > known {
            return Err(ConnectError::SchemaTooNew { found: schema_version, known });
        }
        let practices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM practices")
            .fetch_one(&store.pool)
            .await
            .map_err(|e| not_sensate(e.to_string()))?;
        let mode: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'mode'")
            .fetch_optional(&store.pool)
            .await
            .map_err(|e| not_sensate(e.to_string()))?;
        store.pool.close().await;
        Ok(BackupInfo { schema_version, practices, demo: mode.as_deref() == Some("demo") })
    }

    /// A `meta` value read without changing the file in any way (read-only,
    /// no journal-mode switch): for deciding whether a file may be replaced.
    pub async fn peek_meta(path: &Path, key: &str) -> Result<Option<String>, ConnectError> {
        let pool = read_only_pool(path).await?;
        let value = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(&pool).await;
        pool.close().await;
        Ok(value.unwrap_or(None))
    }

    /// Checks the file for corruption (`PRAGMA integrity_check`).
    pub async fn integrity_check(&self) -> Result<String> {
        Ok(sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&self.pool).await?)
    }
}

/// One read-only connection that changes nothing in the file (no journal
/// mode switch, no creation): for inspecting files Sensate does not own yet.
async fn read_only_pool(path: &Path) -> Result<SqlitePool, ConnectError> {
    let options = SqliteConnectOptions::from_str("sqlite://")
        .map_err(|e| ConnectError::Open(e.to_string()))?
        .filename(path)
        .read_only(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| ConnectError::Open(format!("{}: {e}", path.display())))
}

#[async_trait::async_trait]
impl crate::engine::Dialect for sqlx::Sqlite {
    const ENGINE: Engine = Engine::Sqlite;
    const ONE_WRITER: bool = true;

    /// The first statement is a write, which takes SQLite's write lock
    /// (waiting up to the busy timeout) exactly as `BEGIN IMMEDIATE` would;
    /// `begin_with` is avoided because sqlx checks the connection's
    /// transaction depth before a rollback queued by a cancelled request has
    /// run, and then refuses the connection.
    async fn lock_for_write(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('write_lock', '') ON CONFLICT (key) DO UPDATE SET value = ''",
        )
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Bookings take turns already: a booking's first statement writes, and
    /// SQLite has one writer at a time.
    async fn serialize_bookings(
        _conn: &mut sqlx::SqliteConnection,
        _clinician: sensate_domain::UserId,
    ) -> Result<(), sqlx::Error> {
        Ok(())
    }

    /// Inside the writing transaction: SQLite has one writer at a time, so
    /// the extra row costs no waiting, and the version changes exactly when
    /// the data does.
    async fn scheduling_changed(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
        sqlx::query(crate::bookable::BUMP_SCHEDULING_VERSION).execute(conn).await?;
        Ok(())
    }

    /// Nothing more to do after the commit (see `scheduling_changed`).
    async fn scheduling_committed(_pool: &SqlitePool) {}

    async fn scheduling_version(conn: &mut sqlx::SqliteConnection) -> Result<i64> {
        let value: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'scheduling_version'").fetch_optional(conn).await?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    async fn versions(conn: &mut sqlx::SqliteConnection) -> Result<crate::Versions> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT key, value FROM meta \
             WHERE key IN ('directory_version', 'scheduling_version', 'identity_version', 'calendar_version', \
             'care_version')",
        )
        .fetch_all(conn)
        .await?;
        let of = |key: &str| rows.iter().find(|(k, _)| k == key).and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        Ok(crate::Versions {
            directory: of("directory_version"),
            scheduling: of("scheduling_version"),
            identity: of("identity_version"),
            calendar: Some(of("calendar_version")),
            care: Some(of("care_version")),
        })
    }

    /// One `UPDATE … RETURNING`: it takes SQLite's write lock before it
    /// reads, so the due jobs it picks cannot be picked by another claimer.
    fn claim_jobs_sql() -> String {
        format!(
            "UPDATE jobs SET attempts = attempts + 1, locked_until = $2, locked_by = $3 \
             WHERE id IN (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $1 \
             AND (locked_until IS NULL OR locked_until <= $1) ORDER BY run_at, id LIMIT $4) \
             RETURNING {}",
            crate::jobs::JOB_COLUMNS
        )
    }

    /// A write transaction on SQLite is already the only one.
    async fn take_sealer_turn(_conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
        Ok(true)
    }

    async fn execute_built(conn: &mut SqliteConnection, built: &mut QueryBuilder<'_, Sqlite>) -> Result<()> {
        Ok(built.build().persistent(false).execute(conn).await.map(drop)?)
    }

    const MIGRATIONS_TABLE_SQL: &'static str =
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'";

    const SCHEMA_COLUMNS_SQL: &'static str = "SELECT m.name, p.name FROM sqlite_master m \
         JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
         AND m.name <> '_sqlx_migrations' ORDER BY 1, 2";

    /// `VACUUM INTO` writes a consistent, compacted copy while the database
    /// stays in use.
    async fn backup_to(conn: &mut sqlx::SqliteConnection, path: &Path) -> Result<()> {
        let target = path.to_str().ok_or_else(|| StoreError::Corrupt("backup path is not valid UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(conn).await?;
        Ok(())
    }
}
