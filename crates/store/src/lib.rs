//! Sensate's persistence layer. One [`Store`] trait; two implementations,
//! SQLite (one machine) and PostgreSQL (many), chosen by the database URL.
//!
//! Queries are plain SQL run at run time. Where both engines accept the same
//! SQL (`$1` placeholders work in both) it is written once in `shared.rs` and
//! compiled against each driver; where they differ, each engine module says so.
mod appointments;
mod audit;
mod bookable;
mod calendar;
mod client_data;
mod directory;
mod error;
mod identity;
mod jobs;
mod migrations;
mod postgres;
mod records;
mod reminders;
mod scheduling;
mod shared;
mod sqlite;
mod url;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::{PracticeId, UserId};

pub use appointments::{
    Admission, AppointmentChange, AppointmentClient, AppointmentDetail, AppointmentEvent, AppointmentStore, Changed,
    EventKind, NewAppointmentEvent,
};
pub use audit::{AuditStore, ChainBreak, verify_chain};
pub use bookable::{BookableClinician, BookableSchedules, BookableStore};
pub use calendar::{CalendarEntry, CalendarStore, NewSeries, SchedulableCase, SeriesBooking};
pub use client_data::ClientDataStore;
pub use directory::DirectoryStore;
pub use error::{ConnectError, StoreError};
pub use identity::IdentityStore;
pub use jobs::{JOB_RETRY, JobRecord, JobStatus, JobStore, NewJob, RetryPolicy};
pub use migrations::latest_version;
pub use postgres::PgStore;
pub use records::*;
pub use reminders::{ReminderFacts, ReminderRecipient, ReminderStore};
pub use scheduling::SchedulingStore;
pub use sqlite::{BackupInfo, SqliteStore};
pub use url::{DatabaseUrl, UrlError};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Everything Sensate keeps. Each method is one unit of work: it either
/// commits as a whole or changes nothing.
#[async_trait]
pub trait Store:
    IdentityStore
    + AuditStore
    + ClientDataStore
    + DirectoryStore
    + SchedulingStore
    + JobStore
    + ReminderStore
    + AppointmentStore
    + CalendarStore
    + BookableStore
    + Send
    + Sync
    + 'static
{
    fn engine(&self) -> Engine;

    /// Answers when the database does (used by `/readyz`).
    async fn ping(&self) -> Result<()>;
    /// Closes every connection; later calls fail.
    async fn close(&self);
    /// The newest migration applied to this database.
    async fn schema_version(&self) -> Result<i64>;
    /// Every table and its columns, sorted: lets tests compare the engines' schemas.
    async fn schema_columns(&self) -> Result<Vec<(String, String)>>;
    /// Writes a consistent copy of the whole database to `path` while it is in use.
    async fn backup_to(&self, path: &Path) -> Result<()>;

    async fn meta_get(&self, key: &str) -> Result<Option<String>>;
    async fn meta_set(&self, key: &str, value: &str) -> Result<()>;

    // --- first start ---------------------------------------------------
    async fn practice_count(&self) -> Result<i64>;
    /// Replaces any earlier set-up token: only the newest printed link works.
    async fn replace_setup_token(&self, token_hash: &str, now: Timestamp, expires_at: Timestamp) -> Result<()>;
    async fn setup_token_is_valid(&self, token_hash: &str, now: Timestamp) -> Result<bool>;
    /// Creates the first practice and its owner and consumes the token, atomically.
    /// Fails with [`StoreError::SetupTokenInvalid`] when the token is unknown,
    /// expired or already used, and then changes nothing.
    async fn complete_setup(
        &self,
        token_hash: &str,
        now: Timestamp,
        practice: &NewPractice,
        owner: &NewUser,
    ) -> Result<()>;

    // --- people --------------------------------------------------------
    async fn insert_practice(&self, practice: &NewPractice) -> Result<()>;
    async fn practice(&self, id: PracticeId) -> Result<Option<PracticeRecord>>;
    /// Fails with [`StoreError::EmailTaken`] when the address already has an account.
    async fn insert_user(&self, user: &NewUser) -> Result<()>;
    async fn insert_membership(
        &self,
        practice: PracticeId,
        user: UserId,
        role: sensate_domain::Role,
        now: Timestamp,
    ) -> Result<()>;
    async fn login_record(&self, email: &str) -> Result<Option<LoginRecord>>;
    async fn user(&self, id: UserId) -> Result<Option<UserRecord>>;
    async fn memberships(&self, user: UserId) -> Result<Vec<MembershipRecord>>;

    // --- sessions ------------------------------------------------------
    async fn insert_session(&self, token_hash: &str, user: UserId, now: Timestamp) -> Result<()>;
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>>;
    async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    // --- clinic --------------------------------------------------------
    async fn insert_therapist_profile(&self, profile: &TherapistProfile) -> Result<()>;
    async fn therapists(&self, practice: PracticeId) -> Result<Vec<TherapistProfile>>;
    async fn insert_case(&self, case: &NewCase) -> Result<()>;
    async fn insert_appointment(&self, appointment: &NewAppointment) -> Result<()>;
    /// Appointments that still occupy the clinician's time, from `from` on, soonest first.
    async fn upcoming_for_clinician(
        &self,
        clinician: UserId,
        from: Timestamp,
        limit: i64,
    ) -> Result<Vec<AppointmentView>>;
    /// The same for a client: every case they belong to.
    async fn upcoming_for_client(&self, client: UserId, from: Timestamp, limit: i64) -> Result<Vec<AppointmentView>>;
    async fn practice_summary(&self, practice: PracticeId, now: Timestamp) -> Result<PracticeSummary>;
}

/// Opens the database the URL names, applying pending migrations when asked.
/// Refuses a database whose schema is newer than this binary knows.
pub async fn connect(url: &str, migrate: Migrate) -> Result<Arc<dyn Store>, ConnectError> {
    match DatabaseUrl::parse(url)? {
        DatabaseUrl::Sqlite { path } => Ok(Arc::new(SqliteStore::open(&path, migrate).await?)),
        DatabaseUrl::Postgres { url } => Ok(Arc::new(PgStore::open(&url, migrate).await?)),
    }
}

/// Whether opening a store may change its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrate {
    /// Apply pending migrations (first start, `sensate migrate`, `serve`).
    Apply,
    /// Open the database as it is, without creating or migrating it (backup).
    Skip,
    /// Apply migrations up to this version only: how upgrade tests build a
    /// database of an earlier release.
    To(i64),
}

impl Migrate {
    /// The version to migrate to, given the one found and the newest known.
    pub(crate) fn target(self, found: i64, known: i64) -> i64 {
        match self {
            Migrate::Apply => known,
            Migrate::Skip => found,
            Migrate::To(version) => version.min(known),
        }
    }
}
