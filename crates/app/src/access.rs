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

/// Failed sign-ins of one account from one network address: the 11th in 15
/// minutes is refused. Someone's typos stop only them, at their address.
pub const LOGIN_FAILURES: Limit = Limit { max: 10, window: SignedDuration::from_mins(15) };
/// Failed sign-ins from one network address, whatever the account: high
/// enough that a whole office behind one address is not locked out by one
/// person, low enough that one address cannot try many accounts.
pub const LOGIN_FAILURES_PER_ADDRESS: Limit = Limit { max: 100, window: SignedDuration::from_mins(15) };
/// Failed sign-ins of one account, from anywhere: guesses spread over many
/// addresses still stop.
pub const LOGIN_FAILURES_PER_ACCOUNT: Limit = Limit { max: 50, window: SignedDuration::from_mins(15) };
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

/// One account at one network address.
pub(crate) fn account_at_ip_bucket(kind: &str, email: &str, ip: &str) -> String {
    format!("{kind}:account-ip:{}", token_hash(&format!("{}|{ip}", email.trim().to_lowercase())))
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
    /// holds more than its limit's `max` attempts in its window, this one
    /// included. The record commits before anyone counts, so attempts at
    /// the same moment cannot all slip past: the k-th recorded sees at
    /// least k.
    pub(crate) async fn attempt(&self, limits: &[(&str, Limit)]) -> Result<Attempt, AppError> {
        let attempt = Attempt { id: new_token() };
        let now = self.now();
        let buckets: Vec<&str> = limits.iter().map(|(bucket, _)| *bucket).collect();
        let longest = limits.iter().map(|(_, limit)| limit.window).max().unwrap_or(SignedDuration::ZERO);
        self.store.record_attempt(&buckets, &attempt.id, now, now - longest).await?;
        for (bucket, limit) in limits {
            if self.store.rate_hits(bucket, now - limit.window).await? > limit.max {
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
