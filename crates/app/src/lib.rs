//! Sensate's use cases. Each one takes the actor who asks, decides whether it
//! may happen, and does it as one unit of work. The web layer only translates
//! HTTP to these calls and their results back to pages and JSON.
//!
//! Use cases are laid out by area, with the same names as in `sensate_web`
//! and `sensate_store`: `identity`, `practice`, `directory`, `scheduling`,
//! `clients`, and `dashboard` (the start page, across areas). What every area
//! uses sits beside them: who is asking (`actor`), the audit log (`audit`),
//! rate limits (`access`), background jobs (`jobs`), mail after a commit
//! (`mail`), amounts of money (`money`), and `infra` (clock, randomness,
//! password hashing, encryption, the mailer).
pub mod access;
pub mod actor;
pub mod audit;
pub mod care;
pub mod clients;
pub mod dashboard;
pub mod demo;
pub mod directory;
mod error;
pub mod identity;
pub mod infra;
pub mod jobs;
mod mail;
pub mod money;
pub mod practice;
pub mod scheduling;

use std::sync::Arc;

use jiff::SignedDuration;
use sensate_domain::Clock;
use sensate_store::Store;

use crate::infra::crypto::KeyRing;
use crate::infra::mailer::Mailer;

pub use actor::Actor;
pub use error::AppError;

/// How long sign-ins last. Staff see other people's records, so their idle
/// limit is short (SECURITY.md item 10).
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub staff_idle: SignedDuration,
    pub client_idle: SignedDuration,
    pub absolute: SignedDuration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            staff_idle: SignedDuration::from_mins(30),
            client_idle: SignedDuration::from_mins(60),
            absolute: SignedDuration::from_hours(12),
        }
    }
}

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Serving the fictional demo practice: pages carry a banner.
    pub demo: bool,
    pub sessions: SessionPolicy,
    pub booking: scheduling::booking::BookingPolicy,
    /// The address people use, for links in emails (no trailing slash).
    pub base_url: String,
    /// How long before confirmed appointments reminders go out, largest
    /// first; empty sends none.
    pub reminders: Vec<SignedDuration>,
    /// How many password hashes run at once, and how long a request waits
    /// for its turn.
    pub hashing: infra::hashing::HashingPolicy,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            demo: false,
            sessions: SessionPolicy::default(),
            booking: scheduling::booking::BookingPolicy::default(),
            base_url: String::new(),
            reminders: scheduling::reminders::default_reminder_offsets(),
            hashing: infra::hashing::HashingPolicy::default(),
        }
    }
}

/// The application: store, clock, keys, mail and settings, shared by every
/// request. Use cases are reached through the area they belong to —
/// `app.identity()`, `app.practice()`, `app.directory()`,
/// `app.scheduling()`, `app.clients()` — each a borrowed view of the app
/// whose methods are that area's use cases; what every area uses
/// (authorization, audit, limits, mail, the clock) stays on `App` itself.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    keys: Arc<KeyRing>,
    mailer: Arc<dyn Mailer>,
    /// Shared, so cloning the app (every request does) allocates nothing.
    config: Arc<AppConfig>,
    /// The directory's search index, rebuilt when the directory changes.
    directory: Arc<directory::search::DirectoryCache>,
    next_free: Arc<directory::next_free::NextFreeCache>,
    /// The audit chain's key, read (or made) on first use.
    audit_key: Arc<tokio::sync::OnceCell<sensate_store::AuditKey>>,
    /// Every password hash and check of this server, a bounded number at once.
    passwords: infra::hashing::HashPool,
    /// Wakes this server's job runner when a use case queued a job.
    jobs_queued: Arc<tokio::sync::Notify>,
    /// The version query that requests arriving together share.
    versions: Arc<infra::versions::SharedVersions>,
    /// Who is signed in, kept for the identity version it was read at.
    sessions: Arc<identity::sessions::SessionCache>,
    /// Clients' coming sessions, kept for the calendar version (SQLite).
    coming: Arc<scheduling::coming::KeptComing>,
    /// What waits for clients to complete, kept for the calendar, care and
    /// identity versions (SQLite).
    to_complete: Arc<care::to_complete::KeptToComplete>,
    /// Refused anonymous requests, counted per minute ([`infra::refusals`]).
    refusals: Arc<infra::refusals::Refusals>,
}

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        keys: Arc<KeyRing>,
        mailer: Arc<dyn Mailer>,
        config: AppConfig,
    ) -> Self {
        Self {
            store,
            clock,
            keys,
            mailer,
            passwords: infra::hashing::HashPool::new(config.hashing),
            config: Arc::new(config),
            directory: Arc::default(),
            next_free: Arc::default(),
            audit_key: Arc::default(),
            jobs_queued: Arc::default(),
            versions: Arc::default(),
            sessions: Arc::default(),
            coming: Arc::default(),
            to_complete: Arc::default(),
            refusals: Arc::default(),
        }
    }

    /// The versions as of now: from a query that began after this call,
    /// shared with the requests that came with it
    /// ([`infra::versions`]).
    pub(crate) async fn fresh_versions(&self) -> Result<sensate_store::Versions, AppError> {
        Ok(self.versions.read(&self.store).await?)
    }

    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// The store itself, past every policy check: for tests that look at
    /// what was written. Not compiled into the server (feature `testing`),
    /// so pages and the API reach data only through the use cases.
    #[cfg(any(test, feature = "testing"))]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The password-hashing pool, so tests can take its turns and see what
    /// a request gets when none is free (feature `testing`).
    #[cfg(any(test, feature = "testing"))]
    pub fn password_pool(&self) -> &infra::hashing::HashPool {
        &self.passwords
    }

    /// Closes the database connections (maintenance commands, on exit).
    pub async fn close(&self) {
        self.store.close().await;
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// Checks that the key ring can read this database's fields. On first
    /// use it stores a check value (encrypted under the current key); later
    /// starts must be able to decrypt it. A key file from another
    /// installation, or a missing one recreated empty, is refused before any
    /// request is served instead of failing on every encrypted field.
    pub async fn verify_key_ring(&self) -> Result<(), AppError> {
        const CHECK: &str = "sensate key check";
        let binding = infra::crypto::Binding::new("meta", "key_check", "1");
        match self.store.meta_get("key_check").await? {
            Some(hex) => {
                let sealed = infra::secrets::unhex(&hex)
                    .ok_or_else(|| AppError::Internal("key check value is not hex".into()))?;
                match self.keys.decrypt(&binding, &sealed) {
                    Ok(text) if text.expose() == CHECK => Ok(()),
                    _ => Err(AppError::KeyMismatch),
                }
            }
            None => {
                let sealed = self.keys.encrypt(&binding, CHECK)?;
                self.store.meta_set("key_check", &infra::secrets::hex(&sealed)).await?;
                Ok(())
            }
        }
    }

    /// Ready to serve: the database answers.
    pub async fn ready(&self) -> bool {
        self.store.ping().await.is_ok()
    }
}

/// The newest database schema version this build knows.
pub fn schema_version() -> i64 {
    sensate_store::latest_version()
}
