//! Rate limits, kept in the database so every app server shares them.
//! Buckets name what is limited (`login:ip:…`); emails appear only hashed.
use jiff::SignedDuration;

use crate::infra::secrets::{new_token, token_hash};
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

/// An attempt at a limited action, recorded before it was checked. Limits
/// count failures: forget the attempt ([`App::forget_attempt`]) when it
/// succeeds.
#[must_use = "forget a successful attempt, or let it count"]
pub(crate) struct Attempt {
    id: String,
}

impl App {
    /// Records the attempt in every bucket, then refuses it when a bucket
    /// holds more than `limit.max` attempts in the window, this one
    /// included. The record commits before anyone counts, so attempts at
    /// the same moment cannot all slip past: the k-th recorded sees at
    /// least k.
    pub(crate) async fn attempt(&self, limit: Limit, buckets: &[&str]) -> Result<Attempt, AppError> {
        let attempt = Attempt { id: new_token() };
        let now = self.now();
        let since = now - limit.window;
        self.store.record_attempt(buckets, &attempt.id, now, since).await?;
        for bucket in buckets {
            if self.store.rate_hits(bucket, since).await? > limit.max {
                return Err(AppError::RateLimited { wait_minutes: limit.window.as_mins() });
            }
        }
        Ok(attempt)
    }

    /// Takes a successful attempt off the limits, on `on`: the store
    /// itself, or the unit of work that also records the success.
    pub(crate) async fn forget_attempt(
        &self,
        on: &dyn sensate_store::IdentityStore,
        attempt: Attempt,
    ) -> Result<(), AppError> {
        Ok(on.forget_attempt(&attempt.id).await?)
    }
}
