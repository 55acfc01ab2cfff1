//! First start: the one-time link with which the first owner creates the
//! practice and their account (SECURITY.md item 5: no default accounts).
use jiff::SignedDuration;
use sensate_domain::{DisplayName, Email, FieldErrors, Password, PracticeId, PracticeName, Role, TimeZoneName, UserId};
use sensate_store::{NewPractice, NewUser};

use crate::AppError;
use crate::identity::auth::NewSession;
use crate::infra::secrets::{new_token, token_hash};

/// How long a printed set-up link works. Restarting prints a fresh one.
pub const SETUP_LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(24);

/// What the set-up form sends.
#[derive(Debug, Default, Clone)]
pub struct SetupInput {
    pub practice_name: String,
    pub time_zone: String,
    pub owner_name: String,
    pub email: String,
    pub password: String,
    pub password_confirm: String,
}

impl super::Identity<'_> {
    /// When no practice exists yet, makes a new set-up token (replacing any
    /// older one) and returns it for the operator; otherwise `None`.
    pub async fn issue_setup_token(&self) -> Result<Option<String>, AppError> {
        if self.app.store.practice_count().await? > 0 {
            return Ok(None);
        }
        let token = new_token();
        let now = self.app.now();
        self.app.store.replace_setup_token(&token_hash(&token), now, now + SETUP_LINK_LIFETIME).await?;
        Ok(Some(token))
    }

    pub async fn setup_token_is_valid(&self, token: &str) -> Result<bool, AppError> {
        Ok(self.app.store.setup_token_is_valid(&token_hash(token), self.app.now()).await?)
    }

    /// Creates the practice and its owner, consumes the token, and signs the
    /// owner in. Invalid fields change nothing and say what to fix.
    pub async fn complete_setup(&self, token: &str, input: &SetupInput, ip: &str) -> Result<NewSession, AppError> {
        if !self.setup_token_is_valid(token).await? {
            return Err(AppError::SetupLinkInvalid);
        }
        let mut errors = FieldErrors::new();
        let practice_name = errors.check("practice_name", PracticeName::parse(&input.practice_name));
        let time_zone = errors.check("time_zone", TimeZoneName::parse(&input.time_zone));
        let owner_name = errors.check("owner_name", DisplayName::parse(&input.owner_name));
        let email = errors.check("email", Email::parse(&input.email));
        let password = errors.check("password", Password::parse(&input.password));
        if password.is_some() && input.password != input.password_confirm {
            errors.add("password_confirm", "The two passwords do not match.");
        }
        AppError::invalid_if_any(errors)?;
        let (Some(practice_name), Some(time_zone), Some(owner_name), Some(email), Some(password)) =
            (practice_name, time_zone, owner_name, email, password)
        else {
            return Err(AppError::Internal("validated fields missing".into()));
        };

        let now = self.app.now();
        let owner = NewUser {
            id: UserId::new(),
            email: email.clone(),
            display_name: owner_name.as_str().to_string(),
            password_hash: self.app.passwords.hash(password.expose().to_string()).await?,
            created_at: now,
        };
        let practice = NewPractice {
            id: PracticeId::new(),
            name: practice_name.as_str().to_string(),
            time_zone: time_zone.clone(),
            created_at: now,
        };
        // The link works once, and only while no practice exists.
        let uow = self.app.store.begin_write().await?;
        if !uow.spend_setup_token(&token_hash(token), now).await? || uow.practice_count().await? != 0 {
            return Err(AppError::SetupLinkInvalid);
        }
        uow.insert_practice(&practice).await?;
        uow.insert_user(&owner).await?;
        uow.insert_membership(practice.id, owner.id, Role::Owner, now).await?;
        let session = self.start_session(&*uow, owner.id).await?;
        uow.audit(self.app.audit_event(crate::audit::Entry {
            actor: Some(owner.id),
            practice: Some(practice.id),
            action: "complete_setup",
            record_type: "practice",
            record_id: practice.id.to_string(),
            ip,
            outcome: crate::audit::outcome::ALLOWED,
        }));
        uow.commit().await?;
        tracing::info!(practice = %practice.id, "practice created by its first owner");
        Ok(session)
    }
}
