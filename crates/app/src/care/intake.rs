//! The intake: each client of a case answers privately (drafts to finish
//! later, then submitted to their therapist); the care team reads each
//! client's answers with flags. Answers are sealed before they reach the
//! store, bound to their row; every read and write is authorized and
//! audited. Nothing is required except the consent to sex therapy, signed
//! first.
use jiff::Timestamp;
use sensate_domain::care::consent::ConsentKind;
use sensate_domain::care::intake::{Flag, IntakeAnswers};
use sensate_domain::policy::{Action, Resource};
use sensate_domain::{CaseId, FieldErrors, UserId};
use sensate_store::{CaseRecord, IntakeRecord};

use crate::audit::outcome;
use crate::infra::crypto::Binding;
use crate::{Actor, AppError};

/// A client's intake in a case.
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeView {
    pub case: CaseId,
    pub client: UserId,
    pub client_name: String,
    pub answers: IntakeAnswers,
    /// When last saved; `None` before the first save.
    pub updated_at: Option<Timestamp>,
    /// `None` while a draft.
    pub submitted_at: Option<Timestamp>,
    /// The consent to sex therapy is not signed yet: nothing can be saved.
    pub consent_needed: bool,
}

impl IntakeView {
    pub fn flags(&self) -> Vec<Flag> {
        self.answers.flags()
    }

    /// Where it stands.
    pub fn state(&self) -> IntakeState {
        match (self.submitted_at, self.updated_at) {
            (Some(at), _) => IntakeState::Submitted(at),
            (None, Some(at)) => IntakeState::Draft(at),
            (None, None) => IntakeState::NotStarted,
        }
    }
}

/// Where a client's intake stands, for lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeState {
    NotStarted,
    Draft(Timestamp),
    Submitted(Timestamp),
}

fn binding(id: &str) -> Binding<'_> {
    Binding::new("intake_forms", "answers", id)
}

pub(crate) fn resource(record: &CaseRecord, client: UserId) -> Resource {
    Resource::Intake {
        practice: record.practice_id,
        client,
        primary: record.primary,
        team: record.team.iter().map(|m| (m.user, m.role)).collect(),
    }
}

pub(crate) fn state_of(record: Option<&IntakeRecord>) -> IntakeState {
    match record {
        None => IntakeState::NotStarted,
        Some(r) => match r.submitted_at {
            Some(at) => IntakeState::Submitted(at),
            None => IntakeState::Draft(r.updated_at),
        },
    }
}

impl super::Care<'_> {
    /// A client's intake of a case, if the case is open, in a practice of
    /// the actor's, with that client in it, and the actor may `action` it.
    async fn intake_case(
        &self,
        actor: &Actor,
        case: CaseId,
        client: UserId,
        action: Action,
    ) -> Result<(CaseRecord, String), AppError> {
        let record = self
            .app
            .store
            .case_record(case)
            .await?
            .filter(|r| r.status.is_open() && actor.memberships.iter().any(|m| m.practice_id == r.practice_id));
        let name = record.as_ref().and_then(|r| r.clients.iter().find(|(id, _)| *id == client).map(|(_, n)| n.clone()));
        let (Some(record), Some(name)) = (record, name) else {
            let practice = actor.acting_practice();
            let audited = if action == Action::WriteIntake { "save_intake" } else { "view_intake" };
            self.app.audit_actor(actor, practice, audited, "case", case.to_string(), outcome::DENIED).await?;
            return Err(AppError::NotFound);
        };
        self.app.authorize(actor, action, &resource(&record, client), ("case", case.to_string())).await?;
        Ok((record, name))
    }

    fn open_answers(&self, record: &IntakeRecord) -> Result<IntakeAnswers, AppError> {
        let text = self.app.keys.decrypt(&binding(&record.id.to_string()), &record.answers)?;
        serde_json::from_str(text.expose()).map_err(|e| AppError::Internal(format!("intake answers: {e}")))
    }

    async fn view(&self, record: &CaseRecord, client: UserId, name: String) -> Result<IntakeView, AppError> {
        let stored = self.app.store.intake(record.id, client).await?;
        let answers = match &stored {
            Some(r) => self.open_answers(r)?,
            None => IntakeAnswers::default(),
        };
        let consent_needed = !self
            .requests_for(record.practice_id, client)
            .await?
            .iter()
            .any(|r| r.kind == ConsentKind::SexTherapy && r.signed.is_some());
        Ok(IntakeView {
            case: record.id,
            client,
            client_name: name,
            answers,
            updated_at: stored.as_ref().map(|r| r.updated_at),
            submitted_at: stored.as_ref().and_then(|r| r.submitted_at),
            consent_needed,
        })
    }

    /// The actor's own intakes: one per open case of theirs in the practice
    /// they act in, with where each stands.
    pub async fn my_intakes(&self, actor: &Actor) -> Result<Vec<(sensate_store::CaseSummary, IntakeState)>, AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        let resource = Resource::Account { practice, user: actor.user_id, roles: actor.roles_in(practice) };
        self.app.authorize(actor, Action::ViewOwnCare, &resource, ("user", actor.user_id.to_string())).await?;
        let mut out = Vec::new();
        for case in self.app.store.cases_of_client(practice, actor.user_id).await? {
            if case.status.is_open() {
                let stored = self.app.store.intake(case.id, actor.user_id).await?;
                out.push((case, state_of(stored.as_ref())));
            }
        }
        Ok(out)
    }

    /// The actor's own intake of a case, to answer.
    pub async fn my_intake(&self, actor: &Actor, case: CaseId) -> Result<IntakeView, AppError> {
        let (record, name) = self.intake_case(actor, case, actor.user_id, Action::WriteIntake).await?;
        let view = self.view(&record, actor.user_id, name).await?;
        self.app
            .audit_actor(actor, Some(record.practice_id), "view_intake", "case", case.to_string(), outcome::ALLOWED)
            .await?;
        Ok(view)
    }

    /// Saves the actor's answers as a draft, or submits them to the care
    /// team (after which they stay as submitted).
    pub async fn save_my_intake(
        &self,
        actor: &Actor,
        case: CaseId,
        answers: &IntakeAnswers,
        submit: bool,
    ) -> Result<(), AppError> {
        let (record, name) = self.intake_case(actor, case, actor.user_id, Action::WriteIntake).await?;
        let view = self.view(&record, actor.user_id, name).await?;
        if view.consent_needed {
            let mut errors = FieldErrors::new();
            errors.add("consent", "Sign the consent to sex therapy first; then your answers can be saved.");
            return Err(AppError::Invalid(errors));
        }
        if view.submitted_at.is_some() {
            let mut errors = FieldErrors::new();
            errors.add("intake", "You sent your answers already; tell your therapist anything new in a session.");
            return Err(AppError::Invalid(errors));
        }
        let reference = crate::directory::search::reference_data()?;
        AppError::invalid_if_any(answers.check(|slug| reference.concern(slug).is_some()))?;
        let sealed = self.sealed(record.practice_id, case, actor.user_id, answers, submit).await?;
        let uow = self.app.store.begin_write().await?;
        if !uow.save_intake(&sealed).await? {
            let mut errors = FieldErrors::new();
            errors.add("intake", "Your answers were changed or sent meanwhile, in another window; reload the page.");
            return Err(AppError::Invalid(errors));
        }
        let action = if submit { "submit_intake" } else { "save_intake" };
        uow.audit(self.app.actor_event(
            actor,
            Some(record.practice_id),
            action,
            "case",
            case.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        Ok(())
    }

    /// The answers sealed to their row (the existing one's id, or a new one).
    pub(crate) async fn sealed(
        &self,
        practice: sensate_domain::PracticeId,
        case: CaseId,
        client: UserId,
        answers: &IntakeAnswers,
        submit: bool,
    ) -> Result<IntakeRecord, AppError> {
        let stored = self.app.store.intake(case, client).await?;
        let id = stored.as_ref().map_or_else(uuid::Uuid::now_v7, |r| r.id);
        let json = serde_json::to_string(answers).map_err(|e| AppError::Internal(format!("intake answers: {e}")))?;
        let now = self.app.now();
        Ok(IntakeRecord {
            id,
            practice_id: practice,
            case_id: case,
            client,
            answers: self.app.keys.encrypt(&binding(&id.to_string()), &json)?,
            updated_at: now,
            submitted_at: submit.then_some(now),
        })
    }

    /// A client's intake for the care team, with its flags. A draft is the
    /// client's until they send it: the team sees that one exists, not what
    /// it says.
    pub async fn client_intake(&self, actor: &Actor, case: CaseId, client: UserId) -> Result<IntakeView, AppError> {
        let (record, name) = self.intake_case(actor, case, client, Action::ReadIntake).await?;
        let mut view = self.view(&record, client, name).await?;
        if view.submitted_at.is_none() && client != actor.user_id {
            view.answers = IntakeAnswers::default();
        }
        self.app
            .audit_actor(
                actor,
                Some(record.practice_id),
                "view_intake",
                "intake",
                format!("{case}:{client}"),
                outcome::ALLOWED,
            )
            .await?;
        Ok(view)
    }

    /// Where each client's intake of a case stands (no answers), for its page.
    pub(crate) async fn intake_states(&self, record: &CaseRecord) -> Result<Vec<(UserId, IntakeState)>, AppError> {
        let stored = self.app.store.intakes_of_case(record.id).await?;
        Ok(record
            .clients
            .iter()
            .map(|(client, _)| (*client, state_of(stored.iter().find(|r| r.client == *client))))
            .collect())
    }
}
