//! A database for one benchmark run, for the benchmarks that load from the
//! engines: a SQLite file in a temporary
//! directory, or a fresh database on a PostgreSQL server, dropped with
//! [`BenchDb::drop_database`].
use sqlx::Connection;

pub type Failure = Box<dyn std::error::Error + Send + Sync>;

pub struct BenchDb {
    pub url: String,
    /// SQLite: the directory of the database file, removed when dropped.
    pub dir: Option<tempfile::TempDir>,
    /// PostgreSQL: the server's URL and the database's name.
    postgres: Option<(String, String)>,
}

impl BenchDb {
    /// `engine` is "sqlite" or "postgres"; a PostgreSQL database is named
    /// `<prefix>_<pid>` on the server `postgres_url` points at.
    pub async fn create(engine: &str, postgres_url: Option<&str>, prefix: &str) -> Result<Self, Failure> {
        if engine == "sqlite" {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            return Ok(Self { url, dir: Some(dir), postgres: None });
        }
        let admin = postgres_url.ok_or("no POSTGRES_URL")?;
        let name = format!("{prefix}_{}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(admin).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
        conn.close().await?;
        let (base, query) = admin.split_once('?').map_or((admin, String::new()), |(b, q)| (b, format!("?{q}")));
        let scheme_end = base.find("://").map_or(0, |i| i + 3);
        let authority_end = base[scheme_end..].find('/').map_or(base.len(), |i| i + scheme_end);
        let url = format!("{}/{name}{query}", &base[..authority_end]);
        Ok(Self { url, dir: None, postgres: Some((admin.to_string(), name)) })
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    pub async fn drop_database(&self) -> Result<(), Failure> {
        if let Some((admin, name)) = &self.postgres {
            let mut conn = sqlx::PgConnection::connect(admin).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await?;
            conn.close().await?;
        }
        Ok(())
    }
}
