//! The password-hashing pool: every Argon2id hash and check of a running
//! server goes through it, so no more than a set number run at once.
//!
//! Each hash holds 19 MiB while it runs (SECURITY.md item 6). Without a bound,
//! a burst of sign-ins runs one per blocking thread, and the allocator keeps
//! the freed buffers: resident memory reached 600–770 MiB after a few seconds
//! of concurrent sign-ins (bench/README.md). With the pool, hashing memory is
//! at most `permits × 19 MiB`, and a request that cannot get a turn soon is
//! answered "busy" ([`AppError::Busy`], HTTP 503 with `Retry-After`) instead
//! of waiting in a queue that grows with the load.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::AppError;
use crate::infra::secrets;

/// Hashes at once by default: 2 × 19 MiB, one per core of the small
/// machines Sensate is built for. More do not make sign-ins faster on two
/// cores (the hash is pure CPU), only the memory larger.
pub const DEFAULT_CONCURRENT_HASHES: usize = 2;

/// The most hashes at once a setting may ask for (64 × 19 MiB = 1.2 GiB).
pub const MAX_CONCURRENT_HASHES: usize = 64;

/// How long a request waits for its turn before it is told to come back.
/// One hash takes 10–20 ms on one core, so 2 s is time for 100 or more
/// sign-ins ahead of it per permit: a queue longer than that means the
/// server is saturated, and waiting longer would only hold more connections
/// open. A person waits at most this long before seeing the "busy" page,
/// well within any browser's or proxy's patience.
pub const HASH_WAIT: Duration = Duration::from_secs(2);

/// What `Retry-After` tells a refused request: a few seconds, by which time
/// a burst of sign-ins has usually passed.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Waiting requests allowed per permit. Each waiter holds only its request
/// (a few KiB), but the count is bounded anyway: more than this many could
/// not be served within [`HASH_WAIT`] (at 10–20 ms a hash, 2 s serves
/// 100–200 per permit), so they are refused at once rather than after a
/// pointless wait.
const WAITERS_PER_PERMIT: usize = 200;

/// How the pool is sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingPolicy {
    /// Hashes (or checks) running at once; at least 1.
    pub concurrent: usize,
    /// How long a request waits for its turn.
    pub wait: Duration,
}

impl Default for HashingPolicy {
    fn default() -> Self {
        Self { concurrent: DEFAULT_CONCURRENT_HASHES, wait: HASH_WAIT }
    }
}

/// The bounded pool. Cloning shares it.
#[derive(Clone)]
pub struct HashPool {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    wait: Duration,
}

impl HashPool {
    pub fn new(policy: HashingPolicy) -> Self {
        let concurrent = policy.concurrent.clamp(1, MAX_CONCURRENT_HASHES);
        Self {
            permits: Arc::new(Semaphore::new(concurrent)),
            waiting: Arc::default(),
            max_waiting: concurrent * WAITERS_PER_PERMIT,
            wait: policy.wait,
        }
    }

    /// A turn to hash, waiting at most the policy's wait; [`AppError::Busy`]
    /// when none comes, or at once when too many are already waiting.
    pub async fn turn(&self) -> Result<HashTurn, AppError> {
        let busy = || AppError::Busy { retry_after_secs: RETRY_AFTER.as_secs() };
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Ok(HashTurn { _permit: permit });
        }
        let _waiting = Waiting::enter(&self.waiting, self.max_waiting).ok_or_else(busy)?;
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(HashTurn { _permit: permit }),
            // Timed out, or the semaphore was closed (it never is).
            Ok(Err(_)) | Err(_) => Err(busy()),
        }
    }

    /// Hashes a new password in its turn.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.turn().await?.hash(password).await
    }

    /// Checks a password against a stored hash in its turn (see
    /// [`HashTurn::verify`]).
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        self.turn().await?.verify(password, stored).await
    }

    /// Hashes that could start now without waiting.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }
}

impl Default for HashPool {
    fn default() -> Self {
        Self::new(HashingPolicy::default())
    }
}

/// The right to run one hash. It goes with the hash onto the blocking
/// thread, so it is given back when the hash ends, even if the request that
/// asked for it is gone by then.
pub struct HashTurn {
    _permit: OwnedSemaphorePermit,
}

impl HashTurn {
    pub async fn hash(self, password: String) -> Result<String, AppError> {
        tokio::task::spawn_blocking(move || {
            let hash = secrets::hash_password_now(&password);
            drop(self);
            hash
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }

    /// With no hash (unknown account) it still spends the same work, so
    /// timing does not reveal which emails have accounts.
    pub async fn verify(self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        tokio::task::spawn_blocking(move || {
            let matches = secrets::verify_password_now(&password, stored.as_deref());
            drop(self);
            matches
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }
}

/// One request counted among the waiters for as long as it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize, max: usize) -> Option<Self> {
        count.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1)).ok()?;
        Some(Self(count))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(concurrent: usize, wait_ms: u64) -> HashPool {
        HashPool::new(HashingPolicy { concurrent, wait: Duration::from_millis(wait_ms) })
    }

    #[tokio::test]
    async fn a_turn_waits_for_a_free_permit_then_is_refused_as_busy() {
        let pool = pool(1, 50);
        let first = pool.turn().await.unwrap();
        let started = std::time::Instant::now();
        let refused = pool.turn().await.err().unwrap();
        assert!(matches!(refused, AppError::Busy { retry_after_secs } if retry_after_secs == RETRY_AFTER.as_secs()));
        assert!(started.elapsed() >= Duration::from_millis(50), "it waited the policy's wait first");
        drop(first);
        assert!(pool.turn().await.is_ok(), "a permit given back is a turn for the next");
    }

    #[tokio::test]
    async fn a_waiter_gets_the_permit_given_back_within_the_wait() {
        let pool = pool(1, 5_000);
        let first = pool.turn().await.unwrap();
        let waiter = tokio::spawn({
            let pool = pool.clone();
            async move { pool.turn().await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(first);
        assert!(waiter.await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn the_permit_is_held_until_the_hash_ends_even_if_the_request_is_gone() {
        let pool = pool(1, 10);
        let hashing = tokio::spawn({
            let pool = pool.clone();
            async move { pool.hash("correct horse battery".into()).await }
        });
        // Wait until the hash has its permit, then drop the request.
        while pool.available() == 1 {
            tokio::task::yield_now().await;
        }
        hashing.abort();
        tokio::task::yield_now().await;
        assert_eq!(pool.available(), 0, "the hash still runs and holds its permit");
        for _ in 0..500 {
            if pool.available() == 1 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the permit was never given back");
    }

    #[tokio::test]
    async fn too_many_waiters_are_refused_at_once() {
        let pool = HashPool { max_waiting: 1, ..pool(1, 5_000) };
        let _held = pool.turn().await.unwrap();
        let waiter = tokio::spawn({
            let pool = pool.clone();
            async move { pool.turn().await.map(|_| ()) }
        });
        while pool.waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        let started = std::time::Instant::now();
        assert!(matches!(pool.turn().await, Err(AppError::Busy { .. })));
        assert!(started.elapsed() < Duration::from_secs(1), "refused without waiting");
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(pool.waiting.load(Ordering::Acquire), 0, "a waiter that left is no longer counted");
    }

    #[tokio::test]
    async fn hashes_and_checks_through_the_pool_agree() {
        let pool = HashPool::default();
        let hash = pool.hash("correct horse battery".into()).await.unwrap();
        assert!(pool.verify("correct horse battery".into(), Some(hash.clone())).await.unwrap());
        assert!(!pool.verify("wrong horse battery".into(), Some(hash)).await.unwrap());
        assert!(!pool.verify("anything".into(), None).await.unwrap());
        assert_eq!(pool.available(), DEFAULT_CONCURRENT_HASHES);
    }

    #[test]
    fn the_size_is_kept_within_bounds() {
        assert_eq!(pool(0, 1).available(), 1);
        assert_eq!(pool(1_000, 1).available(), MAX_CONCURRENT_HASHES);
    }
}
