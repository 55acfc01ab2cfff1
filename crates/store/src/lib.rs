//! Sensate's persistence layer. One [`Store`] trait; two implementations,
//! SQLite (one machine) and PostgreSQL (many), chosen by the database URL.
//!
//! Queries are plain SQL run at run time. Where both engines accept the same
//! SQL (`$1` placeholders work in both) it is written once in `shared.rs` and
//! compiled against each driver; where they differ, each engine module says so.
mod appointments;
pub mod audit;
mod bookable;
mod calendar;
mod care;
mod clients;
mod consents;
mod directory;
pub mod engine;
mod error;
mod identity;
mod intake;
mod jobs;
mod messages;
mod migrations;
mod postgres;
mod practice;
mod records;
mod reminders;
mod scheduling;
mod shared;
mod sqlite;
mod unit_of_work;
mod url;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;

pub use appointments::{
    AppointmentChange, AppointmentClient, AppointmentDetail, AppointmentEvent, AppointmentStore, Changed, EventKind,
    NewAppointmentEvent,
};
pub use audit::{AuditKey, AuditStore, ChainBreak, ChainHead, Verified, verify_chain};
pub use bookable::{BookableClinician, BookableSchedules, BookableStore};
pub use calendar::{CalendarEntry, CalendarStore, NewSeries, SchedulableCase, SeriesBooking};
pub use care::{CareStore, CaseRecord, CaseSummary, TeamMember};
pub use clients::ClientDataStore;
pub use consents::{ConsentDocument, ConsentStore, Release, Signature};
pub use directory::DirectoryStore;
pub use error::{ConnectError, StoreError};
pub use identity::IdentityStore;
pub use intake::{IntakeRecord, IntakeStore};
pub use jobs::{JOB_RETRY, JobRecord, JobStatus, JobStore, NewJob, PurgeCutoffs, Purged, RetryPolicy};
pub use messages::{AttachmentRecord, MessageRecord, MessageStore};
pub use migrations::latest_version;
pub use postgres::PgStore;
pub use practice::PracticeStore;
pub use records::*;
pub use reminders::{ReminderFacts, ReminderRecipient, ReminderStore};
pub use scheduling::SchedulingStore;
pub use sqlite::{BackupInfo, SqliteStore};
pub use unit_of_work::UnitOfWork;
pub use url::{DatabaseUrl, UrlError};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Everything Sensate keeps, on one engine. Called on the store itself,
/// each repository method is its own small unit of work; a use case that
/// changes more than one thing, or audits what it did, begins a
/// [`UnitOfWork`] instead and calls the same methods on it.
#[async_trait]
pub trait Store: Repositories + Send + Sync + 'static {
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

    /// Begins a unit of work that may write. On SQLite it holds the one
    /// write lock from here until it commits or is dropped, so keep it short
    /// and do slow work (password hashing, mail) before or after.
    async fn begin_write(&self) -> Result<Box<dyn UnitOfWork>>;
    /// Begins a unit of work that reads one consistent snapshot. Its audit
    /// entries are written, durably, when it commits.
    async fn begin_read(&self) -> Result<Box<dyn UnitOfWork>>;
    /// Writes audit entries durably before returning; entries of callers
    /// waiting at the same moment share one commit.
    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<()>;
    /// Woken whenever entries await sealing.
    fn audit_written(&self) -> std::sync::Arc<tokio::sync::Notify>;
    /// Chains pending entries (up to a batch, see
    /// [`AuditStore::seal_audit`]). On SQLite, which has one writer, it takes
    /// turns with this server's group commits in the order they asked, so
    /// that neither waits in SQLite's busy loop while the other writes.
    async fn seal_pending_audit(&self, key: &AuditKey) -> Result<usize>;
    /// What an app server's kept state is checked against, in one query.
    async fn versions(&self) -> Result<Versions>;
}

/// Counters that increase when what an app server may keep in memory
/// changes: the directory's profiles, free time, and who is signed in as
/// whom. Read before trusting what was kept; never going back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Versions {
    pub directory: i64,
    pub scheduling: i64,
    /// Sessions, accounts, roles and the practice facts a session carries
    /// (migration 19's triggers move it in the changing transaction).
    pub identity: i64,
    /// Appointments, cases and who is in them, moved in the changing
    /// transaction (migration 20). SQLite only: on PostgreSQL one row bumped
    /// by every booking would make bookings queue on it, so there is none
    /// and what depends on it is read every time.
    pub calendar: Option<i64>,
    /// Consent documents, signatures, releases and intake answers, moved in
    /// the changing transaction (migration 29). SQLite only, like `calendar`.
    pub care: Option<i64>,
}

/// Every repository: what a [`Store`] and a [`UnitOfWork`] both offer.
pub trait Repositories:
    PracticeStore
    + IdentityStore
    + AuditStore
    + ClientDataStore
    + DirectoryStore
    + SchedulingStore
    + JobStore
    + ReminderStore
    + AppointmentStore
    + CalendarStore
    + BookableStore
    + CareStore
    + ConsentStore
    + IntakeStore
    + MessageStore
{
}

impl<T> Repositories for T where
    T: PracticeStore
        + IdentityStore
        + AuditStore
        + ClientDataStore
        + DirectoryStore
        + SchedulingStore
        + JobStore
        + ReminderStore
        + AppointmentStore
        + CalendarStore
        + BookableStore
        + CareStore
        + ConsentStore
        + IntakeStore
        + MessageStore
{
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
