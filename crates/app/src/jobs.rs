//! The job runner: a background task that every few seconds plans reminders,
//! claims the jobs that are due by the app's clock, runs them and records
//! each outcome. Every app server runs one; the queue's claims keep them from
//! running a job twice. A job is marked done right after its email was
//! accepted, in the same step of the loop, and a done job is never claimed
//! again; if the process dies in between, the lease runs out and the job is
//! sent once more with the same Message-ID (see docs/ARCHITECTURE.md).
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use sensate_store::JobRecord;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::audit::{Entry, outcome};
use crate::identity::invitations::ACCOUNT_EXISTS_JOB;
use crate::identity::passwords::RESET_JOB;
use crate::infra::mailer::MailError;
use crate::scheduling::reminders::REMINDER_JOB;
use crate::{App, AppError};

/// How long a claimed job is ours; longer than any job takes (an SMTP
/// exchange times out after seconds), short enough that a job of a process
/// that died is picked up again soon.
pub const JOB_LEASE: SignedDuration = SignedDuration::from_mins(5);
/// How often the background task looks for due jobs.
pub const JOB_INTERVAL: Duration = Duration::from_secs(5);
/// Reminders are planned at most this often (by the app's clock).
const PLAN_EVERY: SignedDuration = SignedDuration::from_mins(1);
/// Old records are purged at most this often.
const PURGE_EVERY: SignedDuration = SignedDuration::from_hours(1);
/// Finished jobs are kept this long (to see what was sent, and failed).
pub const JOBS_KEPT: SignedDuration = SignedDuration::from_hours(30 * 24);
/// Limit hits are kept this long: longer than any limit's window (the
/// longest, a booking form's stamp, is a day).
pub const LIMIT_HITS_KEPT: SignedDuration = SignedDuration::from_hours(2 * 24);
const BATCH: i64 = 20;

/// What one job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobRun {
    /// Its email was accepted: what to audit once the job is marked done.
    Sent(Sent),
    /// No longer wanted (a cancelled appointment, a disabled account).
    Skipped,
}

/// The audit entry of a sent job's email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sent {
    pub practice: Option<sensate_domain::PracticeId>,
    pub action: &'static str,
    pub record_type: &'static str,
    pub record_id: String,
}

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobReport {
    pub sent: usize,
    pub skipped: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Runs due jobs for one app server, under one worker name.
#[derive(Clone)]
pub struct JobRunner {
    app: App,
    worker: Arc<str>,
    planned_at: Arc<Mutex<Option<Timestamp>>>,
    purged_at: Arc<Mutex<Option<Timestamp>>>,
}

/// A generic word for the queue's `last_error`: never a recipient or a reply.
fn error_word(error: &MailError) -> &'static str {
    match error {
        MailError::Deferred(_) => "mail_deferred",
        MailError::Rejected(_) => "mail_rejected",
        MailError::Connection(_) => "mail_unreachable",
        MailError::Timeout => "mail_timeout",
        MailError::Tls(_) => "mail_tls",
        MailError::Protocol(_) => "mail_protocol",
        MailError::InvalidRecipient(_) => "invalid_recipient",
        MailError::NotConfigured => "mail_not_configured",
        MailError::InvalidUrl(_)
        | MailError::UnsupportedScheme(_)
        | MailError::InvalidFrom { .. }
        | MailError::InvalidSubject
        | MailError::Compose(_) => "mail_compose",
    }
}

impl JobRunner {
    pub fn new(app: App) -> Self {
        let worker = format!("worker-{}", uuid::Uuid::new_v4().simple());
        Self { app, worker: worker.into(), planned_at: Arc::default(), purged_at: Arc::default() }
    }

    /// Plans reminders and runs every job that is due now; what tests call
    /// instead of waiting for the background task.
    pub async fn run_due(&self) -> Result<JobReport, AppError> {
        self.run(true).await
    }

    async fn run(&self, plan_now: bool) -> Result<JobReport, AppError> {
        let now = self.app.now();
        let plan = {
            let mut planned = self.planned_at.lock().unwrap_or_else(PoisonError::into_inner);
            let due = plan_now || planned.is_none_or(|at| now - PLAN_EVERY >= at || at > now);
            if due {
                *planned = Some(now);
            }
            due
        };
        if plan {
            self.app.scheduling().plan_reminders(now).await?;
        }
        let purge = {
            let mut purged = self.purged_at.lock().unwrap_or_else(PoisonError::into_inner);
            let due = purged.is_none_or(|at| now - PURGE_EVERY >= at || at > now);
            if due {
                *purged = Some(now);
            }
            due
        };
        if purge {
            self.purge(now).await?;
        }
        let mut report = JobReport::default();
        // Bounded, so a flood of jobs cannot keep one tick from ending.
        for _ in 0..50 {
            let jobs = self.app.store.claim_jobs(&self.worker, now, JOB_LEASE, BATCH).await?;
            if jobs.is_empty() {
                break;
            }
            for job in jobs {
                self.run_one(&job, now, &mut report).await?;
            }
        }
        Ok(report)
    }

    /// Deletes finished jobs, limit hits and sessions past their retention
    /// (docs/OPERATIONS.md, "What Sensate keeps, and for how long").
    pub async fn purge(&self, now: Timestamp) -> Result<sensate_store::Purged, AppError> {
        let cutoffs = sensate_store::PurgeCutoffs {
            jobs: now - JOBS_KEPT,
            limit_hits: now - LIMIT_HITS_KEPT,
            // Past the absolute limit a session has ended whatever happened.
            sessions: now - self.app.config.sessions.absolute,
        };
        Ok(self.app.store.purge(&cutoffs).await?)
    }

    async fn run_one(&self, job: &JobRecord, now: Timestamp, report: &mut JobReport) -> Result<(), AppError> {
        let store = &self.app.store;
        let run = match job.kind.as_str() {
            REMINDER_JOB => self.app.scheduling().run_reminder(job.id, &job.payload, now).await,
            RESET_JOB => self.app.identity().run_reset(job.id, &job.payload, now).await,
            ACCOUNT_EXISTS_JOB => self.app.identity().run_account_exists(job.id, &job.payload).await,
            crate::care::messages::MESSAGE_NOTICE_JOB => self.app.care().run_message_notice(job.id, &job.payload).await,
            other => {
                tracing::error!(job = %job.id, kind = other, "unknown job kind");
                store.fail_job(job, &self.worker, "unknown_kind", false, now).await?;
                report.failed += 1;
                return Ok(());
            }
        };
        let outcome = match run {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::error!(job = %job.id, kind = %job.kind, error = %error, "a job failed");
                store.fail_job(job, &self.worker, "internal", true, now).await?;
                report.retried += 1;
                return Ok(());
            }
        };
        match outcome {
            Ok(run) => {
                if !store.complete_job(job.id, &self.worker, now).await? {
                    tracing::warn!(job = %job.id, "a job's lease ran out before it was marked done");
                }
                match run {
                    JobRun::Sent(sent) => {
                        report.sent += 1;
                        // After marking it done: a failed audit write must not
                        // make the email go out again.
                        let entry = Entry {
                            actor: None,
                            practice: sent.practice,
                            action: sent.action,
                            record_type: sent.record_type,
                            record_id: sent.record_id,
                            ip: "job-runner",
                            outcome: outcome::ALLOWED,
                        };
                        if let Err(error) = self.app.audit(entry).await {
                            tracing::error!(job = %job.id, error = %error, "could not audit a sent job");
                        }
                    }
                    JobRun::Skipped => report.skipped += 1,
                }
            }
            Err(error) => {
                let word = error_word(&error);
                match store.fail_job(job, &self.worker, word, error.is_transient(), now).await? {
                    Some(_) => report.retried += 1,
                    None => report.failed += 1,
                }
                // Without an SMTP server the operator was told once, at start.
                if !matches!(error, MailError::NotConfigured) {
                    tracing::warn!(job = %job.id, error = word, attempts = job.attempts, "a job's email was not sent");
                }
            }
        }
        Ok(())
    }

    /// Starts the background task; it runs until [`RunningJobs::stop`].
    pub fn spawn(self, interval: Duration) -> RunningJobs {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                if let Err(error) = self.run(false).await {
                    tracing::error!(error = %error, "running due jobs failed");
                }
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    // A job queued on this server runs at once.
                    _ = self.app.jobs_queued.notified() => {}
                    _ = stopped.changed() => return,
                }
            }
        });
        RunningJobs { stop, task }
    }
}

/// The background task of a [`JobRunner`].
pub struct RunningJobs {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningJobs {
    /// Lets the job in hand finish, then ends the task.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
