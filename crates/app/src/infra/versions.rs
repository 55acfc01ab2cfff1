//! Fresh versions, read once for many requests.
//!
//! What a server keeps in memory — the directory's index, the table of free
//! times, who is signed in — is trusted only for the [`Versions`] it was
//! made from. A request therefore needs the versions as of its arrival: a
//! query that *began after it arrived*, so it sees every change committed
//! before it came, on this server or another. Under load that query,
//! through the pool and the driver's thread, costs more than the rest of a
//! page, so requests that arrive together share it ([`SharedVersions`]):
//! a request joins a round whose query has not been sent yet, never one
//! already asking (that one may have read the versions before a change
//! the request must see); the first to find no round running starts one,
//! in a task of its own, so that a request given up half-way strands
//! nobody.
use std::sync::Arc;

use sensate_store::{Store, StoreError, Versions};
use tokio::sync::watch;

/// The rounds of the shared version query, and their answers.
pub(crate) struct SharedVersions {
    rounds: std::sync::Mutex<Rounds>,
    done: watch::Sender<Round>,
}

#[derive(Default)]
struct Rounds {
    /// The last round started.
    started: u64,
    running: bool,
    /// Whether the running round has sent its query: until then a request
    /// may still join it.
    asked: bool,
}

/// What a round read; `None` when the query failed (each request then asks
/// for itself, so the error reaches it as it is).
#[derive(Clone, Copy, Default)]
struct Round {
    number: u64,
    versions: Option<Versions>,
}

impl Default for SharedVersions {
    fn default() -> Self {
        Self { rounds: std::sync::Mutex::default(), done: watch::Sender::new(Round::default()) }
    }
}

impl SharedVersions {
    /// The versions from a query that began after this call, shared with
    /// the requests that came with it.
    pub(crate) async fn read(self: &Arc<Self>, store: &Arc<dyn Store>) -> Result<Versions, StoreError> {
        let mut done = self.done.subscribe();
        let wanted = self.next_to_ask();
        let mut yielded = false;
        loop {
            let round = *done.borrow_and_update();
            if round.number >= wanted {
                return match round.versions {
                    Some(versions) => Ok(versions),
                    None => store.versions().await,
                };
            }
            if self.idle(wanted) {
                // About to start a round: first let the requests that are
                // ready at this moment run up to here, so they join it.
                if !yielded {
                    yielded = true;
                    tokio::task::yield_now().await;
                    continue;
                }
                self.start_unless_running(store, wanted);
            }
            if done.changed().await.is_err() {
                // Cannot happen while `self` holds the sender; ask alone.
                return store.versions().await;
            }
        }
    }

    /// How many rounds have started (for tests: fewer than requests).
    #[cfg(test)]
    pub(crate) fn rounds_started(&self) -> u64 {
        self.rounds().started
    }

    fn rounds(&self) -> std::sync::MutexGuard<'_, Rounds> {
        // Two integers and a flag, always consistent: a poisoned lock is still usable.
        self.rounds.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether no round is running and round `wanted` has not started.
    fn idle(&self, wanted: u64) -> bool {
        let rounds = self.rounds();
        !rounds.running && rounds.started < wanted
    }

    /// Starts round `wanted` unless one is running or it has started.
    fn start_unless_running(self: &Arc<Self>, store: &Arc<dyn Store>, wanted: u64) {
        let mut rounds = self.rounds();
        if rounds.running || rounds.started >= wanted {
            return;
        }
        rounds.started += 1;
        rounds.running = true;
        rounds.asked = false;
        let number = rounds.started;
        drop(rounds);
        let mut finish = FinishRound { shared: Arc::clone(self), number, versions: None };
        let store = Arc::clone(store);
        tokio::spawn(async move {
            // From here on the round is closed: a request that comes now
            // may arrive after the query has read the versions.
            finish.shared.rounds().asked = true;
            finish.answer(store.versions().await.ok());
        });
    }

    /// The first round whose query will begin after this call: the running
    /// one while it has not asked yet, else the next.
    fn next_to_ask(&self) -> u64 {
        let rounds = self.rounds();
        if rounds.running && !rounds.asked { rounds.started } else { rounds.started + 1 }
    }

    fn finish(&self, number: u64, versions: Option<Versions>) {
        let mut rounds = self.rounds();
        // Under the same lock as `running`: a request that sees the round
        // not running also sees its result (or the next round started).
        rounds.running = false;
        self.done.send_replace(Round { number, versions });
    }
}

/// Ends a round however its task ends (answered, failed, or dropped when
/// the runtime stops), so that no request waits for it forever.
struct FinishRound {
    shared: Arc<SharedVersions>,
    number: u64,
    versions: Option<Versions>,
}

impl FinishRound {
    /// What the round read, published when the task ends.
    fn answer(&mut self, versions: Option<Versions>) {
        self.versions = versions;
    }
}

impl Drop for FinishRound {
    fn drop(&mut self) {
        self.shared.finish(self.number, self.versions);
    }
}
