//! Changing a password, and resetting a forgotten one by an emailed link.
use jiff::{SignedDuration, Timestamp};
use sensate_domain::{Email, FieldErrors, JobId, Password, UserId};
use sensate_store::NewJob;

use crate::access::{PASSWORD_CHANGE_FAILURES, PUBLIC_FORM, account_bucket, ip_bucket};
use crate::audit::{Entry, outcome};
use crate::infra::mailer::MailError;
use crate::infra::secrets::{new_token, token_hash};
use crate::jobs::{JobRun, Sent};
use crate::mail::Letter;
use crate::{Actor, AppError};

/// A reset link works once, for an hour.
pub const RESET_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(1);
/// The job that makes a reset link and emails it; its payload is the
/// account's id.
pub const RESET_JOB: &str = "password_reset";

/// Checks a new password and its confirmation; field errors under the given names.
pub(crate) fn new_password(
    errors: &mut FieldErrors,
    field: &'static str,
    confirm_field: &'static str,
    password: &str,
    confirm: &str,
) -> Option<Password> {
    let parsed = errors.check(field, Password::parse(password));
    if parsed.is_some() && password != confirm {
        errors.add(confirm_field, "The two passwords do not match.");
        return None;
    }
    parsed
}

impl super::Identity<'_> {
    /// Changes the signed-in person's password; every other session ends.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), AppError> {
        let mut errors = FieldErrors::new();
        let bucket = format!("password_change:user:{}", actor.user_id);
        let attempt = self.app.attempt(&[(&bucket, PASSWORD_CHANGE_FAILURES)]).await?;
        let stored = self.app.store.password_hash(actor.user_id).await?;
        let correct = self.app.passwords.verify(current.to_string(), stored).await?;
        if correct {
            // Only wrong guesses count against the limit.
            self.app.forget_attempt(self.app.store.as_ref(), attempt).await?;
        } else {
            let user = actor.user_id.to_string();
            self.app.audit_actor(actor, None, "password_change", "user", user, outcome::FAILED).await?;
            errors.add("current_password", "That is not your current password.");
        }
        let password = new_password(&mut errors, "new_password", "new_password_confirm", new, confirm);
        AppError::invalid_if_any(errors)?;
        let password = password.ok_or_else(|| AppError::Internal("validated password missing".into()))?;
        let hash = self.app.passwords.hash(password.expose().to_string()).await?;
        let uow = self.app.store.begin_write().await?;
        uow.change_password(actor.user_id, &hash, &actor.session_hash).await?;
        uow.audit(self.app.actor_event(
            actor,
            None,
            "password_change",
            "user",
            actor.user_id.to_string(),
            outcome::ALLOWED,
        ));
        Ok(uow.commit().await?)
    }

    /// Emails a reset link when the address has an active account. The
    /// answer is the same either way, so nobody learns who has an account.
    pub async fn request_password_reset(&self, email: &str, ip: &str) -> Result<(), AppError> {
        let by_address = ip_bucket("reset", ip);
        let by_account = account_bucket("reset", email);
        // Every request counts, whatever it finds.
        let _counted = self.app.attempt(&[(&by_address, PUBLIC_FORM), (&by_account, PUBLIC_FORM)]).await?;
        let Ok(email) = Email::parse(email) else { return Ok(()) };
        let record = self.app.store.login_record(email.as_str()).await?.filter(|r| !r.disabled);
        let practice = match &record {
            Some(r) => self.app.store.memberships(r.id).await?.first().map(|m| m.practice_id),
            None => None,
        };
        let uow = self.app.store.begin_write().await?;
        uow.audit(self.app.audit_event(Entry {
            actor: record.as_ref().map(|r| r.id),
            practice,
            action: "password_reset_request",
            record_type: "user",
            record_id: record.as_ref().map(|r| r.id.to_string()).unwrap_or_else(|| "unknown".into()),
            ip,
            outcome: outcome::ALLOWED,
        }));
        // The link is made and mailed by the job runner, so an address with
        // an account answers as fast as one without: nobody can time it.
        if let Some(record) = record {
            let job = JobId::new();
            let queued = NewJob {
                id: job,
                kind: RESET_JOB.to_string(),
                payload: record.id.to_string(),
                dedupe_key: format!("{RESET_JOB}:{job}"),
                run_at: self.app.now(),
            };
            uow.enqueue_job(&queued, self.app.now()).await?;
        }
        uow.commit().await?;
        self.app.jobs_queued.notify_one();
        Ok(())
    }

    /// The reset job: a new link for the account, emailed. Skipped when the
    /// account is gone or disabled meanwhile.
    pub(crate) async fn run_reset(
        &self,
        job: JobId,
        payload: &str,
        now: Timestamp,
    ) -> Result<Result<JobRun, MailError>, AppError> {
        let user: UserId =
            payload.parse().map_err(|_| AppError::Internal("a reset job's payload is not an account id".into()))?;
        let Some(account) = self.app.store.user(user).await?.filter(|a| !a.disabled) else {
            return Ok(Ok(JobRun::Skipped));
        };
        let token = new_token();
        self.app.store.insert_password_reset(&token_hash(&token), user, now, now + RESET_LINK_LIFETIME).await?;
        let link = format!("{}/reset-password?token={token}", self.app.config.base_url);
        let mail = Letter::to(Some(&account.display_name))
            .paragraph("Someone asked to reset the password of your Sensate account. If it was you, open this link within one hour to choose a new password.")
            .link("Choose a new password", link)
            .paragraph("If it was not you, ignore this message: your password stays as it is.")
            .mail(account.email.as_str(), "Reset your password")
            .with_message_id(format!("reset.{}", job.as_uuid().simple()));
        let sent =
            Sent { practice: None, action: "send_password_reset", record_type: "user", record_id: user.to_string() };
        Ok(self.app.mailer.send(&mail).await.map(|()| JobRun::Sent(sent)))
    }

    /// Sets a new password with a reset link; the person is signed out
    /// everywhere, and a therapist's calendar feed address stops working.
    pub async fn reset_password(&self, token: &str, new: &str, confirm: &str, ip: &str) -> Result<(), AppError> {
        let mut errors = FieldErrors::new();
        let password = new_password(&mut errors, "password", "password_confirm", new, confirm);
        AppError::invalid_if_any(errors)?;
        let password = password.ok_or_else(|| AppError::Internal("validated password missing".into()))?;
        let hash = self.app.passwords.hash(password.expose().to_string()).await?;
        let uow = self.app.store.begin_write().await?;
        let user = uow.consume_password_reset(&token_hash(token), self.app.now(), &hash).await?;
        let practice = match user {
            Some(user) => {
                // Whoever could read the old password may hold the calendar
                // feed's address too: it stops with the old password.
                uow.remove_calendar_feed(user).await?;
                uow.memberships(user).await?.first().map(|m| m.practice_id)
            }
            None => None,
        };
        uow.audit(self.app.audit_event(Entry {
            actor: user,
            practice,
            action: "password_reset",
            record_type: "user",
            record_id: user.map(|id| id.to_string()).unwrap_or_else(|| "unknown".into()),
            ip,
            outcome: if user.is_some() { outcome::ALLOWED } else { outcome::FAILED },
        }));
        uow.commit().await?;
        user.map(|_| ()).ok_or(AppError::LinkInvalid)
    }
}
