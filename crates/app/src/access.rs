//! Rate limits, kept in the database so every app server shares them.
//! Buckets name what is limited (`login:ip:…`); emails appear only hashed.
use jiff::SignedDuration;

use crate::infra::secrets::token_hash;
use crate::{App, AppError};

/// A limit: at most `max` hits per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: i64,
    pub window: SignedDuration,
}

/// SECURITY.md item 9: the 11th failed sign-in in 15 minutes is refused.
pub const LOGIN_FAILURES: Limit = Limit { max: 10, window: SignedDuration::from_mins(15) };
/// Password-reset requests and other public forms, per address.
pub const PUBLIC_FORM: Limit = Limit { max: 5, window: SignedDuration::from_mins(15) };
/// Wrong second-factor codes, per person.
pub const MFA_FAILURES: Limit = Limit { max: 10, window: SignedDuration::from_mins(15) };
/// Wrong current passwords when changing one's password, per person: a
/// session left open must not become a way to guess the password.
pub const PASSWORD_CHANGE_FAILURES: Limit = Limit { max: 10, window: SignedDuration::from_mins(15) };

pub(crate) fn account_bucket(kind: &str, email: &str) -> String {
    format!("{kind}:account:{}", token_hash(&email.trim().to_lowercase()))
}

pub(crate) fn ip_bucket(kind: &str, ip: &str) -> String {
    format!("{kind}:ip:{ip}")
}

impl App {
    /// Refuses when any bucket is at its limit.
    pub(crate) async fn check_limits(&self, limit: Limit, buckets: &[&str]) -> Result<(), AppError> {
        let since = self.now() - limit.window;
        for bucket in buckets {
            if self.store.rate_hits(bucket, since).await? >= limit.max {
                return Err(AppError::RateLimited { wait_minutes: limit.window.as_mins() });
            }
        }
        Ok(())
    }

    /// Records attempts against the limits, on `on`: the store itself, or
    /// the unit of work that also records what the attempt did.
    pub(crate) async fn record_hits(
        &self,
        on: &dyn sensate_store::IdentityStore,
        limit: Limit,
        buckets: &[&str],
    ) -> Result<(), AppError> {
        let now = self.now();
        for bucket in buckets {
            on.record_rate_hit(bucket, now, now - limit.window).await?;
        }
        Ok(())
    }
}
