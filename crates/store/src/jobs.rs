//! A durable job queue in the database, so work such as reminder emails
//! survives restarts and is shared by every app server.
//!
//! A job holds ids only (its payload), never health data or email text. Its
//! dedupe key is unique: enqueueing the same job twice is a no-op, so a
//! planner may run on every server. Claiming takes a lease
//! (`locked_until`, `locked_by`); two claimers never get the same job
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL, one `UPDATE … RETURNING` inside
//! SQLite's single write transaction), and a job whose lease ran out — its
//! process died — is claimable again. A failure is retried after an
//! exponential backoff ([`JOB_RETRY`]) or, when retrying cannot help or the
//! attempts are used up, marked failed.
use crate::engine::RowsAffected as _;
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use crate::{Result, StoreError};

/// A job to run at `run_at` or later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub id: sensate_domain::JobId,
    /// What to do, e.g. `reminder`.
    pub kind: String,
    /// Ids only (never health data or email text), in a form the kind defines.
    pub payload: String,
    /// Enqueueing a second job with the same key does nothing.
    pub dedupe_key: String,
    pub run_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Pending,
    Done,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Pending, Self::Done, Self::Failed].into_iter().find(|s| s.as_str() == value)
    }
}

/// A job as stored (a claimed job has its lease set and its attempt counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: sensate_domain::JobId,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: String,
    pub status: JobStatus,
    pub run_at: Timestamp,
    /// Claims so far, this one included.
    pub attempts: u32,
    pub locked_until: Option<Timestamp>,
    pub locked_by: Option<String>,
    /// A generic word (`mail_deferred`), never a recipient or a server's reply.
    pub last_error: Option<String>,
}

/// How failed jobs are retried: after `base`, then twice as long each time,
/// at most `cap` apart, `max_attempts` attempts in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: SignedDuration,
    pub cap: SignedDuration,
    pub max_attempts: u32,
}

/// 1, 2, 4, 8, 16 minutes: a mail server that is down for half an hour
/// still gets the message; one that refuses it for good is not pestered.
pub const JOB_RETRY: RetryPolicy =
    RetryPolicy { base: SignedDuration::from_mins(1), cap: SignedDuration::from_mins(60), max_attempts: 6 };

impl RetryPolicy {
    /// When a job that failed on its `attempts`-th attempt runs again;
    /// `None` when it should not (permanent failure, or no attempts left).
    pub fn next_run(&self, attempts: u32, transient: bool, now: Timestamp) -> Option<Timestamp> {
        if !transient || attempts >= self.max_attempts {
            return None;
        }
        let doublings = attempts.saturating_sub(1).min(20);
        let delay = self.base.checked_mul(1_i32 << doublings).unwrap_or(self.cap).min(self.cap);
        Some(now + delay)
    }
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Adds the job unless one with its dedupe key exists; true when added.
    async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<bool>;
    /// Claims up to `limit` pending jobs that are due at `now` and not leased
    /// (or whose lease ran out), for `lease`, soonest first.
    async fn claim_jobs(
        &self,
        worker: &str,
        now: Timestamp,
        lease: SignedDuration,
        limit: i64,
    ) -> Result<Vec<JobRecord>>;
    /// Marks a job this worker holds as done; false when it no longer holds it.
    async fn complete_job(&self, id: sensate_domain::JobId, worker: &str, now: Timestamp) -> Result<bool>;
    /// Records a failure of a job this worker holds: it runs again after the
    /// backoff ([`JOB_RETRY`]) when `transient` and attempts are left,
    /// otherwise it is failed for good. Returns when it runs again.
    async fn fail_job(
        &self,
        job: &JobRecord,
        worker: &str,
        error: &'static str,
        transient: bool,
        now: Timestamp,
    ) -> Result<Option<Timestamp>>;
    async fn job(&self, id: sensate_domain::JobId) -> Result<Option<JobRecord>>;
    /// Jobs of one kind, by run time (for operators and tests).
    async fn jobs_of_kind(&self, kind: &str) -> Result<Vec<JobRecord>>;
    /// Deletes what no longer serves: jobs finished (done or failed) before
    /// `cutoffs.jobs`, limit hits before `cutoffs.limit_hits`, sessions
    /// begun before `cutoffs.sessions`; how many of each.
    async fn purge(&self, cutoffs: &PurgeCutoffs) -> Result<Purged>;
}

/// Until when each kind of record is kept (see [`JobStore::purge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeCutoffs {
    pub jobs: Timestamp,
    pub limit_hits: Timestamp,
    pub sessions: Timestamp,
}

/// How many records a purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub jobs: u64,
    pub limit_hits: u64,
    pub sessions: u64,
}

pub(crate) const JOB_COLUMNS: &str =
    "id, kind, payload, dedupe_key, status, run_at, attempts, locked_until, locked_by, last_error";

pub(crate) fn job_record<R>(row: &R) -> Result<JobRecord>
where
    R: sqlx::Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> uuid::Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let status: String = row.try_get("status")?;
    let attempts: i32 = row.try_get("attempts")?;
    let locked_until: Option<i64> = row.try_get("locked_until")?;
    Ok(JobRecord {
        id: sensate_domain::JobId::from_uuid(row.try_get("id")?),
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        dedupe_key: row.try_get("dedupe_key")?,
        status: JobStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("job status '{status}'")))?,
        run_at: crate::shared::instant(row.try_get("run_at")?)?,
        attempts: u32::try_from(attempts).map_err(|_| StoreError::Corrupt(format!("job attempts {attempts}")))?,
        locked_until: locked_until.map(crate::shared::instant).transpose()?,
        locked_by: row.try_get("locked_by")?,
        last_error: row.try_get("last_error")?,
    })
}

#[async_trait::async_trait]
impl<S> crate::JobStore for S
where
    S: crate::engine::Source,
    for<'c> &'c mut crate::engine::Conn<S>: sqlx::Executor<'c, Database = S::Db>,
    for<'q> crate::engine::Args<'q, S>: sqlx::IntoArguments<'q, S::Db>,
    usize: sqlx::ColumnIndex<crate::engine::Row<S>>,
    for<'r> &'r str: sqlx::ColumnIndex<crate::engine::Row<S>>,
    for<'q> i64: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> i32: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> bool: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> String: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> &'q str: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> &'q [u8]: sqlx::Encode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> uuid::Uuid: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Vec<u8>: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> f64: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Option<i64>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<i32>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<f64>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<String>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<uuid::Uuid>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<&'q [u8]>: sqlx::Encode<'q, S::Db>,
    S::Db: sqlx::database::HasStatementCache,
{
    async fn enqueue_job(&self, job: &crate::NewJob, now: jiff::Timestamp) -> crate::Result<bool> {
        let added = sqlx::query(
            "INSERT INTO jobs (id, kind, payload, dedupe_key, status, run_at, attempts, created_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5, 0, $6) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(job.id.as_uuid())
        .bind(&job.kind)
        .bind(&job.payload)
        .bind(&job.dedupe_key)
        .bind(crate::shared::secs(job.run_at))
        .bind(crate::shared::secs(now))
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(added == 1)
    }

    async fn claim_jobs(
        &self,
        worker: &str,
        now: jiff::Timestamp,
        lease: jiff::SignedDuration,
        limit: i64,
    ) -> crate::Result<Vec<crate::JobRecord>> {
        let rows = sqlx::query(&<S::Db as crate::engine::Dialect>::claim_jobs_sql())
            .bind(now.as_second())
            .bind((now + lease).as_second())
            .bind(worker)
            .bind(limit)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(crate::jobs::job_record).collect()
    }

    async fn complete_job(&self, id: sensate_domain::JobId, worker: &str, now: jiff::Timestamp) -> crate::Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'done', finished_at = $3, locked_until = NULL, last_error = NULL \
             WHERE id = $1 AND locked_by = $2 AND status = 'pending'",
        )
        .bind(id.as_uuid())
        .bind(worker)
        .bind(crate::shared::secs(now))
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    async fn fail_job(
        &self,
        job: &crate::JobRecord,
        worker: &str,
        error: &'static str,
        transient: bool,
        now: jiff::Timestamp,
    ) -> crate::Result<Option<jiff::Timestamp>> {
        let next = crate::JOB_RETRY.next_run(job.attempts, transient, now);
        let (status, run_at, finished_at) = match next {
            Some(at) => ("pending", at, None),
            None => ("failed", job.run_at, Some(crate::shared::secs(now))),
        };
        sqlx::query(
            "UPDATE jobs SET status = $3, run_at = $4, finished_at = $5, last_error = $6, \
             locked_until = NULL WHERE id = $1 AND locked_by = $2 AND status = 'pending'",
        )
        .bind(job.id.as_uuid())
        .bind(worker)
        .bind(status)
        .bind(crate::shared::secs(run_at))
        .bind(finished_at)
        .bind(error)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(next)
    }

    async fn job(&self, id: sensate_domain::JobId) -> crate::Result<Option<crate::JobRecord>> {
        let row = sqlx::query(&format!("SELECT {} FROM jobs WHERE id = $1", crate::jobs::JOB_COLUMNS))
            .bind(id.as_uuid())
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(crate::jobs::job_record).transpose()
    }

    async fn jobs_of_kind(&self, kind: &str) -> crate::Result<Vec<crate::JobRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM jobs WHERE kind = $1 ORDER BY run_at, dedupe_key",
            crate::jobs::JOB_COLUMNS
        ))
        .bind(kind)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(crate::jobs::job_record).collect()
    }

    async fn purge(&self, cutoffs: &crate::PurgeCutoffs) -> crate::Result<crate::Purged> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let jobs = sqlx::query("DELETE FROM jobs WHERE status <> 'pending' AND finished_at < $1")
            .bind(crate::shared::secs(cutoffs.jobs))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let limit_hits = sqlx::query("DELETE FROM rate_limit_hits WHERE at < $1")
            .bind(crate::shared::secs(cutoffs.limit_hits))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let sessions = sqlx::query("DELETE FROM sessions WHERE created_at < $1")
            .bind(crate::shared::secs(cutoffs.sessions))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(crate::Purged { jobs, limit_hits, sessions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_minute_up_to_the_cap_and_stops_after_the_last_attempt() {
        let now: Timestamp = "2026-11-23T15:00:00Z".parse().unwrap();
        let after = |attempts| JOB_RETRY.next_run(attempts, true, now).map(|at| now.duration_until(at).as_secs() / 60);
        assert_eq!([1, 2, 3, 4, 5].map(after), [Some(1), Some(2), Some(4), Some(8), Some(16)]);
        assert_eq!(after(6), None);
        let long = RetryPolicy { max_attempts: 20, ..JOB_RETRY };
        assert_eq!(long.next_run(8, true, now), Some(now + SignedDuration::from_mins(60)));
        assert_eq!(JOB_RETRY.next_run(1, false, now), None, "a permanent failure is not retried");
    }
}
