//! Parses `--database-url`: the scheme alone decides the engine.
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite { path: PathBuf },
    Postgres { url: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error(
        "the database URL has no scheme; write sqlite://PATH (for example sqlite://data/sensate.db) \
         or postgres://USER@HOST/DATABASE"
    )]
    NoScheme,
    #[error("the database URL scheme '{0}' is not supported; use sqlite://PATH or postgres://USER@HOST/DATABASE")]
    UnknownScheme(String),
    #[error(
        "the SQLite URL must name a file, as sqlite://data/sensate.db (relative) or sqlite:///var/lib/sensate/sensate.db (absolute)"
    )]
    SqliteNeedsPath,
    #[error("an in-memory SQLite database would lose every record at exit; name a file instead")]
    SqliteInMemory,
    #[error("the PostgreSQL URL must name a host, as postgres://USER@HOST/DATABASE")]
    PostgresNeedsHost,
}

impl DatabaseUrl {
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        let input = input.trim();
        let Some((scheme, rest)) = input.split_once("://") else {
            return match input.split_once(':') {
                Some((scheme, _)) if scheme.eq_ignore_ascii_case("sqlite") => Err(UrlError::SqliteNeedsPath),
                Some((scheme, _)) if !scheme.is_empty() && !scheme.contains('/') && scheme.len() > 1 => {
                    Err(UrlError::UnknownScheme(scheme.to_string()))
                }
                _ => Err(UrlError::NoScheme),
            };
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                // Query parameters would let a URL override journal and sync
                // settings that durability depends on; they are not accepted.
                let path = rest.split(['?', '#']).next().unwrap_or_default();
                if path.is_empty() {
                    return Err(UrlError::SqliteNeedsPath);
                }
                if path.contains(":memory:") || path.starts_with("file:") {
                    return Err(UrlError::SqliteInMemory);
                }
                Ok(DatabaseUrl::Sqlite { path: PathBuf::from(path) })
            }
            "postgres" | "postgresql" => {
                let authority = rest.split(['/', '?']).next().unwrap_or_default();
                let host = authority.rsplit('@').next().unwrap_or_default();
                if host.is_empty() && !rest.contains("host=") {
                    return Err(UrlError::PostgresNeedsHost);
                }
                Ok(DatabaseUrl::Postgres { url: input.to_string() })
            }
            other => Err(UrlError::UnknownScheme(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_relative_or_absolute_files() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/sensate.db").unwrap(),
            DatabaseUrl::Sqlite { path: "data/sensate.db".into() }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/sensate/s.db").unwrap(),
            DatabaseUrl::Sqlite { path: "/var/lib/sensate/s.db".into() }
        );
    }

    #[test]
    fn postgres_urls_keep_their_text() {
        for url in ["postgres://app@127.0.0.1:5432/sensate", "postgresql://db.internal/sensate?sslmode=require"] {
            assert_eq!(DatabaseUrl::parse(url).unwrap(), DatabaseUrl::Postgres { url: url.into() });
        }
    }

    #[test]
    fn ambiguous_or_unknown_urls_are_refused_with_a_hint() {
        assert_eq!(DatabaseUrl::parse("data/sensate.db").unwrap_err(), UrlError::NoScheme);
        assert_eq!(DatabaseUrl::parse("sqlite:data.db").unwrap_err(), UrlError::SqliteNeedsPath);
        assert_eq!(DatabaseUrl::parse("sqlite://").unwrap_err(), UrlError::SqliteNeedsPath);
        assert_eq!(DatabaseUrl::parse("sqlite://:memory:").unwrap_err(), UrlError::SqliteInMemory);
        assert_eq!(
            DatabaseUrl::parse("mysql://root@localhost/x").unwrap_err(),
            UrlError::UnknownScheme("mysql".into())
        );
        assert_eq!(DatabaseUrl::parse("postgres:///sensate").unwrap_err(), UrlError::PostgresNeedsHost);
        assert!(UrlError::UnknownScheme("mysql".into()).to_string().contains("sqlite://PATH"));
    }
}
