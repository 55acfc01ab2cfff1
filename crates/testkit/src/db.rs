use std::path::PathBuf;

use sqlx::Connection;
use tempfile::TempDir;

pub const POSTGRES_ENV: &str = "SENSATE_TEST_POSTGRES_URL";

/// A fresh, empty database for one test, and a data directory beside it.
pub struct TestDb {
    pub url: String,
    pub data_dir: PathBuf,
    _dir: TempDir,
    postgres: Option<PgDatabase>,
}

struct PgDatabase {
    admin_url: String,
    name: String,
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data_dir = dir.path().join("data");
        std::fs::create_dir_all(&data_dir).unwrap();
        let url = format!("sqlite://{}", data_dir.join("sensate.db").display());
        Self { url, data_dir, _dir: dir, postgres: None }
    }

    /// A new database on the server `SENSATE_TEST_POSTGRES_URL` names, or
    /// `None` when it is not set.
    pub async fn postgres() -> Option<Self> {
        let admin_url = std::env::var(POSTGRES_ENV).ok().filter(|url| !url.is_empty())?;
        let name = format!("sensate_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but PostgreSQL does not answer: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("permission to create a test database");
        let _ = admin.close().await;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data_dir = dir.path().join("data");
        std::fs::create_dir_all(&data_dir).unwrap();
        Some(Self {
            url: with_database(&admin_url, &name),
            data_dir,
            _dir: dir,
            postgres: Some(PgDatabase { admin_url, name }),
        })
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// The SQLite file, for tests that inspect raw bytes.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        (!self.is_postgres()).then(|| self.data_dir.join("sensate.db"))
    }

    pub async fn store(&self) -> std::sync::Arc<dyn sensate_store::Store> {
        sensate_store::connect(&self.url, sensate_store::Migrate::Apply).await.expect("the test database opens")
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    format!("{}/{database}{query}", &base[..authority_end])
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(pg) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any runtime guarantee (and also after a failed
        // assertion), so the database is dropped on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&pg.admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pg.name))
                        .execute(&mut admin)
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn swaps_only_the_database_name() {
        assert_eq!(with_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(with_database("postgres://u@h/postgres?sslmode=disable", "t1"), "postgres://u@h/t1?sslmode=disable");
        assert_eq!(with_database("postgres://u@h", "t1"), "postgres://u@h/t1");
    }
}
