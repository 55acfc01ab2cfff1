//! Writing and reading the audit log. Every sign-in, every read or write of
//! client data and every refused request leaves an entry: who, what, which
//! record, when, from where, outcome. Never health data: record types and
//! ids only.
use sensate_domain::policy::{Action, Decision, Resource, decide};
use sensate_domain::{PracticeId, UserId};
use sensate_store::{AuditEvent, verify_chain};
pub use sensate_store::{AuditFilter, AuditRecord, ChainBreak};

use crate::{Actor, App, AppError};

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

impl App {
    pub async fn audit(&self, entry: Entry<'_>) -> Result<(), AppError> {
        self.store
            .append_audit(&AuditEvent {
                at: self.now(),
                actor_id: entry.actor,
                practice_id: entry.practice,
                action: entry.action.to_string(),
                record_type: entry.record_type.to_string(),
                record_id: entry.record_id,
                ip: entry.ip.to_string(),
                outcome: entry.outcome.to_string(),
            })
            .await?;
        Ok(())
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
        // Without a record of a practice, the event belongs to the actor's own,
        // so the owner's audit page shows staff and client sign-ins too.
        let practice = practice.or_else(|| actor.primary_membership().map(|m| m.practice_id));
        self.audit(Entry {
            actor: Some(actor.user_id),
            practice,
            action,
            record_type,
            record_id,
            ip: &actor.ip,
            outcome,
        })
        .await
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
                let practice = match resource {
                    Resource::Practice(p) => Some(*p),
                    Resource::Account { practice, .. }
                    | Resource::Client { practice, .. }
                    | Resource::ClinicalNote { practice, .. }
                    | Resource::Appointment { practice, .. } => Some(*practice),
                };
                let action_name = format!("{action:?}");
                self.audit_actor(actor, practice, &action_name, record.0, record.1, outcome::DENIED).await?;
                tracing::info!(reason = denial.as_str(), action = %action_name, "request denied by policy");
                Err(match denial {
                    sensate_domain::policy::Denial::MfaRequired => AppError::MfaRequired,
                    _ => AppError::Forbidden,
                })
            }
        }
    }

    /// Authorizes an action on the actor's own practice; returns that practice.
    pub(crate) async fn authorize_in_practice(&self, actor: &Actor, action: Action) -> Result<PracticeId, AppError> {
        let practice = actor.primary_membership().map(|m| m.practice_id).ok_or(AppError::Forbidden)?;
        self.authorize(actor, action, &Resource::Practice(practice), ("practice", practice.to_string())).await?;
        Ok(practice)
    }

    /// The audit log of the owner's practice, newest first.
    pub async fn audit_log(&self, actor: &Actor, mut filter: AuditFilter) -> Result<Vec<AuditRecord>, AppError> {
        let practice = self.authorize_in_practice(actor, Action::ViewAuditLog).await?;
        filter.practice_id = Some(practice);
        filter.limit = if filter.limit <= 0 { 100 } else { filter.limit.min(500) };
        let entries = self.store.audit_log(&filter).await?;
        self.audit_actor(actor, Some(practice), "view_audit_log", "audit_log", practice.to_string(), outcome::ALLOWED)
            .await?;
        Ok(entries)
    }

    /// Checks the whole chain (`sensate audit verify`).
    pub async fn verify_audit_chain(&self) -> Result<Result<usize, sensate_store::ChainBreak>, AppError> {
        Ok(verify_chain(&self.store.audit_chain().await?))
    }
}
