//! Writing and reading the audit log. Every sign-in, every read or write of
//! client data and every refused request leaves an entry: who, what, which
//! record, when, from where, outcome. Never health data: record types and
//! ids only.
use std::time::Duration;

use sensate_domain::policy::{Action, Decision, Resource, decide};
use sensate_domain::{PracticeId, UserId};
use sensate_store::{AuditEvent, AuditKey, UnitOfWork, verify_chain};
pub use sensate_store::{AuditFilter, AuditRecord, ChainBreak, ChainHead, Verified};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{Actor, App, AppError};

/// A page of the audit log as people read it.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditRecord>,
    /// Names of the practice's people, by id.
    pub names: std::collections::HashMap<sensate_domain::UserId, String>,
    /// The practice's time zone, for showing when.
    pub time_zone: jiff::tz::TimeZone,
}

/// The outcome column's vocabulary.
pub mod outcome {
    pub const ALLOWED: &str = "allowed";
    pub const DENIED: &str = "denied";
    pub const FAILED: &str = "failed";
}

/// What an audit entry says happened.
pub struct Entry<'a> {
    pub actor: Option<UserId>,
    pub practice: Option<PracticeId>,
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: String,
    pub ip: &'a str,
    pub outcome: &'a str,
}

/// Where the chain's key is kept: sealed under the master key, so it is
/// never in the database in the clear and follows key rotation.
const AUDIT_KEY_META: &str = "audit_key";

impl App {
    /// The event an entry describes, stamped now.
    pub(crate) fn audit_event(&self, entry: Entry<'_>) -> AuditEvent {
        AuditEvent {
            at: self.now(),
            actor_id: entry.actor,
            practice_id: entry.practice,
            action: entry.action.to_string(),
            record_type: entry.record_type.to_string(),
            record_id: entry.record_id,
            ip: entry.ip.to_string(),
            outcome: entry.outcome.to_string(),
        }
    }

    /// Writes one entry durably on its own (group-committed with others
    /// waiting). A use case that changes data puts its entry in its unit of
    /// work instead ([`sensate_store::UnitOfWork::audit`]).
    pub async fn audit(&self, entry: Entry<'_>) -> Result<(), AppError> {
        self.store.append_audit(vec![self.audit_event(entry)]).await?;
        Ok(())
    }

    /// Records a refused request of someone not signed in: the first of its
    /// kind (action, record, address) in a minute is written durably now,
    /// the rest of that minute are counted and written as one entry when
    /// the minute is over ([`Self::write_repeated_refusals`]), so a flood
    /// of refusals neither floods the audit log nor waits for it.
    pub async fn audit_refusal(&self, entry: Entry<'_>) -> Result<(), AppError> {
        // Someone signed in is named in each entry: theirs are not counted together.
        if entry.actor.is_some() {
            return self.audit(entry).await;
        }
        let kind = crate::infra::refusals::Kind {
            minute: self.now().as_second().div_euclid(60),
            practice: entry.practice,
            action: entry.action.to_string(),
            record_type: entry.record_type.to_string(),
            record_id: entry.record_id.clone(),
            ip: entry.ip.to_string(),
            outcome: entry.outcome.to_string(),
        };
        match self.refusals.count(kind) {
            crate::infra::refusals::Seen::First => self.audit(entry).await,
            crate::infra::refusals::Seen::Again => Ok(()),
        }
    }

    /// Writes, for each kind of refusal of a minute that is over and came
    /// more than once, one entry saying how many more there were: record
    /// type `repeats`, record "57 more: route /login".
    pub async fn write_repeated_refusals(&self) -> Result<(), AppError> {
        let repeats = self.refusals.take_before(self.now().as_second().div_euclid(60));
        if repeats.is_empty() {
            return Ok(());
        }
        let events = repeats
            .into_iter()
            .map(|(kind, more)| {
                self.audit_event(Entry {
                    actor: None,
                    practice: kind.practice,
                    action: &kind.action,
                    record_type: "repeats",
                    record_id: format!("{more} more: {} {}", kind.record_type, kind.record_id),
                    ip: &kind.ip,
                    outcome: &kind.outcome,
                })
            })
            .collect();
        self.store.append_audit(events).await?;
        Ok(())
    }

    /// The event of what an actor did (or tried) to a record.
    pub(crate) fn actor_event(
        &self,
        actor: &Actor,
        practice: Option<PracticeId>,
        action: &str,
        record_type: &str,
        record_id: String,
        outcome: &str,
    ) -> AuditEvent {
        // Without a record of a practice, the event belongs to the actor's own,
        // so the owner's audit page shows staff and client sign-ins too.
        let practice = practice.or_else(|| actor.acting_practice());
        self.audit_event(Entry {
            actor: Some(actor.user_id),
            practice,
            action,
            record_type,
            record_id,
            ip: &actor.ip,
            outcome,
        })
    }

    /// Records what an actor did (or tried) to a record.
    pub(crate) async fn audit_actor(
        &self,
        actor: &Actor,
        practice: Option<PracticeId>,
        action: &str,
        record_type: &str,
        record_id: String,
        outcome: &str,
    ) -> Result<(), AppError> {
        let event = self.actor_event(actor, practice, action, record_type, record_id, outcome);
        self.store.append_audit(vec![event]).await?;
        Ok(())
    }

    /// Asks the policy; a refusal is audited and becomes `Forbidden` (or
    /// `MfaRequired`), so no use case can forget either.
    pub(crate) async fn authorize(
        &self,
        actor: &Actor,
        action: Action,
        resource: &Resource,
        record: (&str, String),
    ) -> Result<(), AppError> {
        match decide(&actor.facts(), action, resource) {
            Decision::Allow => Ok(()),
            Decision::Deny(denial) => {
                let action_name = action.as_str();
                let practice = resource_practice(resource);
                self.audit_actor(actor, practice, action_name, record.0, record.1, outcome::DENIED).await?;
                tracing::info!(reason = denial.as_str(), action = %action_name, "request denied by policy");
                Err(denial_error(denial))
            }
        }
    }

    /// Asks the policy inside a unit of work, on facts read in it. Allowed,
    /// the unit of work comes back to go on with. Refused, it commits the
    /// refusal's entry alone — nothing else has been written yet, since the
    /// policy comes first — and the refusal becomes `Forbidden` (or
    /// `MfaRequired`).
    pub(crate) async fn authorize_in(
        &self,
        uow: Box<dyn UnitOfWork>,
        actor: &Actor,
        action: Action,
        resource: &Resource,
        record: (&str, String),
    ) -> Result<Box<dyn UnitOfWork>, AppError> {
        match decide(&actor.facts(), action, resource) {
            Decision::Allow => Ok(uow),
            Decision::Deny(denial) => {
                let action_name = action.as_str();
                uow.audit(self.actor_event(
                    actor,
                    resource_practice(resource),
                    action_name,
                    record.0,
                    record.1,
                    outcome::DENIED,
                ));
                uow.commit().await?;
                tracing::info!(reason = denial.as_str(), action = %action_name, "request denied by policy");
                Err(denial_error(denial))
            }
        }
    }

    /// Ends a unit of work because what was asked for is not there (or not
    /// the actor's to know about): the attempt is audited, nothing else kept.
    pub(crate) async fn not_found_in(
        &self,
        uow: Box<dyn UnitOfWork>,
        actor: &Actor,
        practice: Option<PracticeId>,
        action: &str,
        record: (&str, String),
    ) -> AppError {
        uow.audit(self.actor_event(actor, practice, action, record.0, record.1, outcome::DENIED));
        match uow.commit().await {
            Ok(()) => AppError::NotFound,
            Err(error) => error.into(),
        }
    }

    /// Authorizes an action on the actor's own practice; returns that practice.
    pub(crate) async fn authorize_in_practice(&self, actor: &Actor, action: Action) -> Result<PracticeId, AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        self.authorize(actor, action, &Resource::Practice(practice), ("practice", practice.to_string())).await?;
        Ok(practice)
    }

    /// The audit log of the owner's practice, newest first.
    pub async fn audit_log(&self, actor: &Actor, filter: AuditFilter) -> Result<Vec<AuditRecord>, AppError> {
        Ok(self.audit_page(actor, filter).await?.entries)
    }

    /// The audit log of the owner's practice, newest first, with the names
    /// of the practice's people its entries name (the log keeps ids only).
    pub async fn audit_page(&self, actor: &Actor, mut filter: AuditFilter) -> Result<AuditPage, AppError> {
        let practice = self.authorize_in_practice(actor, Action::ViewAuditLog).await?;
        filter.practice_id = Some(practice);
        filter.limit = if filter.limit <= 0 { 100 } else { filter.limit.min(500) };
        // What just happened belongs on the page, so chain it first.
        self.seal_audit().await?;
        let entries = self.store.audit_log(&filter).await?;
        let names = self.store.people(practice).await?.into_iter().map(|p| (p.id, p.display_name)).collect();
        let time_zone = actor.practice_zone();
        self.audit_actor(actor, Some(practice), "view_audit_log", "audit_log", practice.to_string(), outcome::ALLOWED)
            .await?;
        Ok(AuditPage { entries, names, time_zone })
    }

    /// Seals what is pending, then checks the whole chain, the head the
    /// sealer stored and, when given, a head recorded earlier
    /// (`sensate audit verify [--expect SEQ:HASH]`).
    pub async fn verify_audit_chain(
        &self,
        expect: Option<&ChainHead>,
    ) -> Result<Result<Verified, ChainBreak>, AppError> {
        self.seal_audit().await?;
        let key = self.audit_key().await?;
        let chain = self.store.audit_chain().await?;
        let head = self.store.stored_audit_head().await?;
        Ok(verify_chain(&chain, key, head.as_deref(), expect))
    }

    /// Chains every pending entry; returns how many.
    pub async fn seal_audit(&self) -> Result<usize, AppError> {
        let key = self.audit_key().await?;
        let mut sealed = 0;
        loop {
            match self.store.seal_pending_audit(key).await? {
                0 => return Ok(sealed),
                n => sealed += n,
            }
        }
    }

    /// The chain's key: made once per installation, kept in `meta` sealed
    /// under the master key (so whoever can write to the database but lacks
    /// the key file cannot recompute the chain).
    pub(crate) async fn audit_key(&self) -> Result<&AuditKey, AppError> {
        self.audit_key
            .get_or_try_init(|| async {
                let binding = crate::infra::crypto::Binding::new("meta", AUDIT_KEY_META, "1");
                if self.store.meta_get(AUDIT_KEY_META).await?.is_none() {
                    let fresh = crate::infra::secrets::hex(&crate::infra::secrets::random_bytes::<{ AuditKey::LEN }>());
                    let sealed = self.keys.encrypt(&binding, &fresh)?;
                    // Two servers starting together: the first one's key wins.
                    self.store.meta_put_new(AUDIT_KEY_META, &crate::infra::secrets::hex(&sealed)).await?;
                }
                let stored = self.store.meta_get(AUDIT_KEY_META).await?.unwrap_or_default();
                let sealed = crate::infra::secrets::unhex(&stored)
                    .ok_or_else(|| AppError::Internal("the audit key is not hex".into()))?;
                let text = self.keys.decrypt(&binding, &sealed).map_err(|_| AppError::KeyMismatch)?;
                let bytes = crate::infra::secrets::unhex(text.expose())
                    .and_then(|bytes| <[u8; AuditKey::LEN]>::try_from(bytes).ok())
                    .ok_or_else(|| AppError::Internal("the audit key has the wrong length".into()))?;
                Ok::<_, AppError>(AuditKey::new(bytes))
            })
            .await
    }

    /// Re-seals the chain's key under the key ring's current version.
    pub(crate) async fn reseal_audit_key(&self) -> Result<bool, AppError> {
        let binding = crate::infra::crypto::Binding::new("meta", AUDIT_KEY_META, "1");
        let Some(stored) = self.store.meta_get(AUDIT_KEY_META).await? else { return Ok(false) };
        let sealed = crate::infra::secrets::unhex(&stored)
            .ok_or_else(|| AppError::Internal("the audit key is not hex".into()))?;
        if !self.keys.needs_rotation(&sealed) {
            return Ok(false);
        }
        let fresh = self.keys.reencrypt(&binding, &sealed)?;
        self.store.meta_set(AUDIT_KEY_META, &crate::infra::secrets::hex(&fresh)).await?;
        Ok(true)
    }

    /// Starts the sealer: it chains entries soon after they commit, and at
    /// least every second (entries of a server that died are sealed by
    /// whichever server runs next).
    pub fn spawn_audit_sealer(&self) -> RunningSealer {
        let app = self.clone();
        let written = self.store.audit_written();
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                if let Err(error) = app.write_repeated_refusals().await {
                    tracing::error!(error = %error, "writing counted refusals failed; they are counted again");
                }
                if let Err(error) = app.seal_audit().await {
                    tracing::error!(error = %error, "sealing audit entries failed; they stay pending");
                }
                tokio::select! {
                    // A short pause after a wake-up lets the entries of the
                    // requests around it join the same sealing transaction.
                    _ = written.notified() => tokio::time::sleep(SEAL_GATHER).await,
                    _ = tokio::time::sleep(SEAL_INTERVAL) => {}
                    _ = stopped.changed() => break,
                }
            }
            if let Err(error) = app.seal_audit().await {
                tracing::error!(error = %error, "sealing audit entries failed; they stay pending");
            }
        });
        RunningSealer { stop, task }
    }
}

/// The practice a resource belongs to, for its audit entry.
fn resource_practice(resource: &Resource) -> Option<PracticeId> {
    Some(resource.practice())
}

fn denial_error(denial: sensate_domain::policy::Denial) -> AppError {
    match denial {
        sensate_domain::policy::Denial::MfaRequired => AppError::MfaRequired,
        _ => AppError::Forbidden,
    }
}

/// The longest an entry waits for the sealer when nothing wakes it.
const SEAL_INTERVAL: Duration = Duration::from_secs(1);
/// How long the sealer gathers entries after being woken.
const SEAL_GATHER: Duration = Duration::from_millis(200);

/// The sealer's background task.
pub struct RunningSealer {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningSealer {
    /// Seals what is pending, then ends the task.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
