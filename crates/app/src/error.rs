use sensate_domain::FieldErrors;
use sensate_store::StoreError;

/// What a use case can answer besides success. Messages are safe to show:
/// they never contain health data or say whether an account exists.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("some fields need attention")]
    Invalid(FieldErrors),
    #[error("Email address or password is incorrect.")]
    InvalidCredentials,
    #[error(
        "This set-up link is not valid: it was already used, has expired, or a newer one was printed. Restart the server to print a new link if the practice is not set up yet."
    )]
    SetupLinkInvalid,
    #[error("sign in first")]
    Unauthenticated,
    /// Staff must complete the second sign-in step first.
    #[error("confirm your sign-in with your authenticator app first")]
    MfaRequired,
    /// Refused by a rate limit; trying again after its window succeeds.
    #[error("Too many attempts. For your security, please wait {wait_minutes} minutes and try again.")]
    RateLimited { wait_minutes: i64 },
    /// Refused because the server is at its limit of password hashes at
    /// once (`infra::hashing`); trying again in a few seconds succeeds.
    #[error("Too many people are signing in at this moment; try again in a few seconds.")]
    Busy { retry_after_secs: u64 },
    #[error("This link is not valid: it was already used or has expired. Ask for a new one.")]
    LinkInvalid,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error(
        "the encryption key does not open this database's encrypted fields: the key file (or SENSATE_MASTER_KEY) \
         belongs to another installation, or a new key was created because the original is missing. \
         Put back the master.key that belongs to this database (see docs/OPERATIONS.md, \"Encryption key\")"
    )]
    KeyMismatch,
    #[error("storage failure: {0}")]
    Store(#[from] StoreError),
    #[error("internal failure: {0}")]
    Internal(String),
}

impl From<crate::infra::crypto::CryptoError> for AppError {
    fn from(error: crate::infra::crypto::CryptoError) -> Self {
        // Messages name the failure kind only, never plaintext or key bytes.
        AppError::Internal(format!("field encryption: {error}"))
    }
}

impl AppError {
    pub(crate) fn invalid_if_any(errors: FieldErrors) -> Result<(), AppError> {
        if errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(errors)) }
    }
}
