//! The care record's cases: an episode of care for one client or a couple,
//! its status (intake, active, paused; discharge closes it), a couple's
//! confidentiality policy, and the care team around the primary therapist
//! (co-therapists, read-only supervisors). Every read and change is
//! authorized by the policy on the case's team and audited; each change and
//! its entry commit together.
pub mod consents;
pub mod intake;
pub mod messages;
pub mod to_complete;

use jiff::Timestamp;
use sensate_domain::care::{self, CareRole, CaseRefusal, CaseStatus, ConfidentialityPolicy};
use sensate_domain::policy::{Action, Decision, Resource, decide};
use sensate_domain::{CaseId, FieldErrors, UserId};
use sensate_store::{CaseRecord, UnitOfWork};

use crate::audit::outcome;
use crate::{Actor, AppError};

/// A case as its page shows it to the care team and the front desk.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub record: CaseRecord,
    /// The viewer may change the status and the confidentiality policy.
    pub can_manage: bool,
    /// The viewer may add and remove co-therapists and supervisors.
    pub can_assign: bool,
    /// Statuses the case may be moved to by hand.
    pub next: Vec<CaseStatus>,
    /// Therapists of the practice who could join the team: (id, name).
    pub candidates: Vec<(UserId, String)>,
    /// Each client's consents as they read now: (name, consents).
    pub consents: Vec<(String, Vec<consents::ConsentRequest>)>,
    /// Where each client's intake stands.
    pub intakes: Vec<(UserId, intake::IntakeState)>,
    /// The viewer may read the clients' intake answers (the care team).
    pub can_read_intake: bool,
    /// The viewer takes part in the case's messages (the care team).
    pub can_read_messages: bool,
    /// Releases of information asked in the case, newest first.
    pub releases: Vec<consents::ReleaseView>,
    /// The last day a new release lasts unless changed (a year from today).
    pub usual_release_expiry: jiff::civil::Date,
}

fn resource(record: &CaseRecord) -> Resource {
    Resource::Case {
        practice: record.practice_id,
        primary: record.primary,
        team: record.team.iter().map(|member| (member.user, member.role)).collect(),
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    AppError::Invalid(errors)
}

fn refused(field: &'static str, refusal: CaseRefusal) -> AppError {
    invalid(field, refusal.to_string())
}

fn changed_meanwhile() -> AppError {
    invalid("case", "This case was changed meanwhile; reload the page to see it as it is now.")
}

impl Care<'_> {
    /// The case, if the actor has a role in its practice; unknown and other
    /// practices' cases are the same 404, audited.
    async fn case_in(
        &self,
        uow: Box<dyn UnitOfWork>,
        actor: &Actor,
        case: CaseId,
        action: Action,
        audit_action: &str,
    ) -> Result<(Box<dyn UnitOfWork>, CaseRecord), AppError> {
        let record = uow.case_record(case).await?;
        let Some(record) = record.filter(|r| actor.memberships.iter().any(|m| m.practice_id == r.practice_id)) else {
            let practice = actor.acting_practice();
            return Err(self.app.not_found_in(uow, actor, practice, audit_action, ("case", case.to_string())).await);
        };
        let uow = self.app.authorize_in(uow, actor, action, &resource(&record), ("case", case.to_string())).await?;
        Ok((uow, record))
    }

    /// The case's page: who it is for, where it stands, who treats.
    pub async fn case_page(&self, actor: &Actor, case: CaseId) -> Result<CaseView, AppError> {
        let uow = self.app.store.begin_read().await?;
        let (uow, record) = self.case_in(uow, actor, case, Action::ViewCase, "view_case").await?;
        let facts = actor.facts();
        let may = |action| decide(&facts, action, &resource(&record)) == Decision::Allow;
        let (can_manage, can_assign) = (may(Action::ManageCase), may(Action::AssignCareTeam));
        let candidates = if can_assign && record.status.is_open() {
            self.app
                .scheduling()
                .therapists(record.practice_id, true)
                .await?
                .into_iter()
                .filter(|(id, _)| *id != record.primary && !record.team.iter().any(|m| m.user == *id))
                .collect()
        } else {
            Vec::new()
        };
        let next = if can_manage { record.status.next().to_vec() } else { Vec::new() };
        let consents = self.case_consents(record.practice_id, record.id, &record.clients).await?;
        let intakes = self.intake_states(&record).await?;
        let releases = self.case_releases(&record).await?;
        let today = self.today_in(record.practice_id).await?;
        let can_read_intake = record.clients.first().is_some_and(|(client, _)| {
            decide(&facts, Action::ReadIntake, &intake::resource(&record, *client)) == Decision::Allow
        });
        uow.audit(self.app.actor_event(
            actor,
            Some(record.practice_id),
            "view_case",
            "case",
            case.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        let can_read_messages = decide(&facts, Action::ReadMessages, &messages::resource(&record)) == Decision::Allow;
        Ok(CaseView {
            record,
            can_manage,
            can_assign,
            next,
            candidates,
            consents,
            intakes,
            can_read_intake,
            can_read_messages,
            releases,
            usual_release_expiry: care::release::usual_expiry(today),
        })
    }

    /// Moves an open case to another status (`domain::care` decides which).
    pub async fn change_status(&self, actor: &Actor, case: CaseId, to: &str) -> Result<CaseStatus, AppError> {
        let uow = self.app.store.begin_write().await?;
        let (uow, record) = self.case_in(uow, actor, case, Action::ManageCase, "change_case_status").await?;
        let to = CaseStatus::parse(to.trim()).ok_or_else(|| invalid("status", "Choose a status from the list."))?;
        let clients: Vec<UserId> = record.clients.iter().map(|(id, _)| *id).collect();
        let signed = record.kind == sensate_domain::scheduling::CaseKind::Couple
            && self.policy_signed_by_all(record.practice_id, case, &clients).await?;
        care::check_status_change(record.status, to, record.kind, record.confidentiality, signed)
            .map_err(|r| refused("status", r))?;
        if !uow.change_case_status(case, record.status, to, self.now()).await? {
            return Err(changed_meanwhile());
        }
        uow.audit(self.entry(actor, &record, "change_case_status"));
        uow.commit().await?;
        Ok(to)
    }

    /// Chooses (or changes) a couple's confidentiality policy.
    pub async fn choose_confidentiality(&self, actor: &Actor, case: CaseId, policy: &str) -> Result<(), AppError> {
        let uow = self.app.store.begin_write().await?;
        let (uow, record) = self.case_in(uow, actor, case, Action::ManageCase, "choose_confidentiality").await?;
        let policy = ConfidentialityPolicy::parse(policy.trim())
            .ok_or_else(|| invalid("confidentiality", "Choose one of the three policies."))?;
        care::check_policy_choice(record.status, record.kind).map_err(|r| refused("confidentiality", r))?;
        if !uow.set_confidentiality(case, policy).await? {
            return Err(changed_meanwhile());
        }
        uow.audit(self.entry(actor, &record, "choose_confidentiality"));
        uow.commit().await?;
        Ok(())
    }

    /// Adds a therapist of the practice as co-therapist or supervisor.
    pub async fn add_to_team(&self, actor: &Actor, case: CaseId, user: &str, role: &str) -> Result<(), AppError> {
        let uow = self.app.store.begin_write().await?;
        let (uow, record) = self.case_in(uow, actor, case, Action::AssignCareTeam, "add_care_team").await?;
        let mut errors = FieldErrors::new();
        let role = CareRole::parse(role.trim());
        if role.is_none() {
            errors.add("role", "Choose co-therapist or supervisor.");
        }
        let user: Option<UserId> = user.trim().parse().ok();
        if user.is_none() {
            errors.add("user", "Choose a therapist of the practice.");
        }
        AppError::invalid_if_any(errors)?;
        let (Some(role), Some(user)) = (role, user) else {
            return Err(AppError::Internal("validated care team fields missing".into()));
        };
        if !record.status.is_open() {
            return Err(refused("user", CaseRefusal::Closed));
        }
        let therapists = self.app.scheduling().therapists(record.practice_id, true).await?;
        if user == record.primary || !therapists.iter().any(|(id, _)| *id == user) {
            return Err(invalid("user", "Choose a therapist of the practice other than the primary therapist."));
        }
        if !uow.add_to_care_team(case, user, role, self.now()).await? {
            return Err(invalid("user", "This therapist is on the care team already."));
        }
        uow.audit(self.app.actor_event(
            actor,
            Some(record.practice_id),
            "add_care_team",
            "case_team",
            format!("{case}:{user}"),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        Ok(())
    }

    /// Takes a co-therapist or supervisor off the team.
    pub async fn remove_from_team(&self, actor: &Actor, case: CaseId, user: UserId) -> Result<(), AppError> {
        let uow = self.app.store.begin_write().await?;
        let (uow, record) = self.case_in(uow, actor, case, Action::AssignCareTeam, "remove_care_team").await?;
        if !uow.remove_from_care_team(case, user).await? {
            return Err(invalid("user", "This person is not on the care team."));
        }
        uow.audit(self.app.actor_event(
            actor,
            Some(record.practice_id),
            "remove_care_team",
            "case_team",
            format!("{case}:{user}"),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        Ok(())
    }

    fn now(&self) -> Timestamp {
        self.app.now()
    }

    fn entry(&self, actor: &Actor, record: &CaseRecord, action: &str) -> sensate_store::AuditEvent {
        self.app.actor_event(actor, Some(record.practice_id), action, "case", record.id.to_string(), outcome::ALLOWED)
    }
}

/// Cases, on the app: `app.care()`.
#[derive(Clone, Copy)]
pub struct Care<'a> {
    app: &'a crate::App,
}

impl crate::App {
    pub fn care(&self) -> Care<'_> {
        Care { app: self }
    }
}
