use crate::url::UrlError;

/// Failures of a store call. Messages name tables and constraints, never values.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("an account with this email address already exists")]
    EmailTaken,
    #[error("this operation is not available on {0}")]
    Unsupported(&'static str),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the database could not complete the write: {0}")]
    Unavailable(String),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
}

/// Why a database could not be opened. Each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error("cannot open the database: {0}")]
    Open(String),
    #[error(
        "the database has schema version {found}, newer than this Sensate knows ({known}); \
         run a newer Sensate, or restore a backup made by this version"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("migrating the database failed: {0}")]
    Migrate(String),
}

/// Unique-constraint violations on `users.email` become [`StoreError::EmailTaken`];
/// everything else stays a database error.
pub(crate) fn classify(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error {
        let on_email = db.constraint().is_some_and(|c| c.contains("email")) || db.message().contains("users.email");
        if db.is_unique_violation() && on_email {
            return StoreError::EmailTaken;
        }
    }
    StoreError::Database(error)
}
