//! Invitations: the only way accounts are created after set-up. Owners and
//! admins invite staff; a therapist invites clients (a couple's partners get
//! an invitation each, into one case). Links are single-use and expire.
use jiff::SignedDuration;
use sensate_domain::policy::Action;
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{CaseId, DisplayName, Email, FieldErrors, Role, UserId};
use sensate_store::{NewCase, NewInvitation, NewUser, StoreError, UnitOfWork};

use crate::audit::{Entry, outcome};
use crate::identity::auth::NewSession;
use crate::identity::passwords::new_password;
use crate::infra::mailer::Email as Mail;
use crate::infra::secrets::{new_token, token_hash};
use crate::{Actor, AppError};

pub const INVITATION_LIFETIME: SignedDuration = SignedDuration::from_hours(7 * 24);

/// One invitation made: the link is shown to the inviter as well, in case
/// the email does not arrive.
#[derive(Debug, Clone)]
pub struct InvitationSent {
    pub email: String,
    pub link: String,
    pub emailed: bool,
}

/// A person to invite, as typed.
#[derive(Debug, Clone, Default)]
pub struct Invitee {
    pub name: String,
    pub email: String,
}

/// What the acceptance page shows.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub practice_name: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
}

fn parse_invitee(
    errors: &mut FieldErrors,
    invitee: &Invitee,
    name_field: &'static str,
    email_field: &'static str,
) -> Option<(DisplayName, Email)> {
    let name = errors.check(name_field, DisplayName::parse(&invitee.name));
    let email = errors.check(email_field, Email::parse(&invitee.email));
    Some((name?, email?))
}

impl super::Identity<'_> {
    /// An owner or admin invites a therapist or an administrator.
    pub async fn invite_staff(&self, actor: &Actor, invitee: &Invitee, role: &str) -> Result<InvitationSent, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::InviteStaff).await?;
        let mut errors = FieldErrors::new();
        let parsed = parse_invitee(&mut errors, invitee, "name", "email");
        let role = match Role::parse(role) {
            Some(role @ (Role::Clinician | Role::Admin)) => Some(role),
            _ => {
                errors.add("role", "Choose therapist or administrator.");
                None
            }
        };
        AppError::invalid_if_any(errors)?;
        let ((name, email), role) =
            parsed.zip(role).ok_or_else(|| AppError::Internal("validated invitee missing".into()))?;
        let uow = self.app.store.begin_write().await?;
        let token = self.record_invitation(&*uow, actor, practice, &name, &email, role, None).await?;
        uow.commit().await?;
        Ok(self.mail_invitation(actor, &name, &email, &token).await)
    }

    /// A therapist invites one client, or the two partners of a couple, into
    /// a new case of theirs.
    pub async fn invite_clients(
        &self,
        actor: &Actor,
        kind: CaseKind,
        invitees: &[Invitee],
    ) -> Result<Vec<InvitationSent>, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::InviteClient).await?;
        let wanted = if kind == CaseKind::Couple { 2 } else { 1 };
        let mut errors = FieldErrors::new();
        let fields = [("name", "email"), ("partner_name", "partner_email")];
        let mut people = Vec::new();
        for (invitee, (name_field, email_field)) in invitees.iter().take(wanted).zip(fields) {
            // Whether the address already has an account (perhaps with another
            // practice on this server) is not revealed here; accepting tells the
            // invitee to sign in instead.
            if let Some(person) = parse_invitee(&mut errors, invitee, name_field, email_field) {
                people.push(person);
            }
        }
        if invitees.len() < wanted {
            errors.add("partner_email", "Enter the second partner's name and email address.");
        }
        if people.len() == 2 && people[0].1 == people[1].1 {
            errors.add("partner_email", "Each partner needs their own email address.");
        }
        AppError::invalid_if_any(errors)?;

        let case = NewCase {
            id: CaseId::new(),
            practice_id: practice,
            clinician_id: actor.user_id,
            kind,
            members: Vec::new(),
            opened_at: self.app.now(),
        };
        let uow = self.app.store.begin_write().await?;
        uow.insert_case(&case).await?;
        let mut tokens = Vec::new();
        for (name, email) in &people {
            tokens
                .push(self.record_invitation(&*uow, actor, practice, name, email, Role::Client, Some(case.id)).await?);
        }
        uow.commit().await?;
        let mut sent = Vec::new();
        for ((name, email), token) in people.iter().zip(&tokens) {
            sent.push(self.mail_invitation(actor, name, email, token).await);
        }
        Ok(sent)
    }

    /// Writes an invitation and its audit entry on the unit of work; returns
    /// the token for the link (mailed once the unit of work commits).
    #[allow(clippy::too_many_arguments)]
    async fn record_invitation(
        &self,
        uow: &dyn UnitOfWork,
        actor: &Actor,
        practice: sensate_domain::PracticeId,
        name: &DisplayName,
        email: &Email,
        role: Role,
        case_id: Option<CaseId>,
    ) -> Result<String, AppError> {
        let token = new_token();
        let now = self.app.now();
        uow.insert_invitation(&NewInvitation {
            token_hash: token_hash(&token),
            practice_id: practice,
            email: email.clone(),
            display_name: name.as_str().to_string(),
            role,
            case_id,
            invited_by: actor.user_id,
            created_at: now,
            expires_at: now + INVITATION_LIFETIME,
        })
        .await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "invite",
            "invitation",
            role.as_str().to_string(),
            outcome::ALLOWED,
        ));
        Ok(token)
    }

    /// Emails a committed invitation (or, without mail, hands the link to
    /// the inviter to pass on).
    async fn mail_invitation(&self, actor: &Actor, name: &DisplayName, email: &Email, token: &str) -> InvitationSent {
        let practice_name = actor.primary_membership().map(|m| m.practice_name.clone()).unwrap_or_default();
        let (link, mail) =
            self.invitation_mail(name.as_str(), email.as_str(), &actor.display_name, &practice_name, token);
        let emailed = self.app.send_mail(mail).await;
        InvitationSent { email: email.as_str().to_string(), link, emailed }
    }

    /// The invitation's link and email. Discreet by default: the practice's
    /// name and a link, nothing about therapy.
    pub(crate) fn invitation_mail(
        &self,
        name: &str,
        email: &str,
        inviter: &str,
        practice_name: &str,
        token: &str,
    ) -> (String, Mail) {
        let link = format!("{}/join?token={token}", self.app.config.base_url);
        let text = format!(
            "Hello {name},\n\n{inviter} invited you to create your account with {practice_name}.\n\n\
             Open this link to choose your password:\n{link}\n\n\
             The link works once and expires in 7 days."
        );
        (link, Mail::new(email, format!("Your invitation from {practice_name}"), text))
    }

    pub async fn invitation(&self, token: &str) -> Result<Option<InvitationView>, AppError> {
        Ok(self.app.store.open_invitation(&token_hash(token), self.app.now()).await?.map(|i| InvitationView {
            practice_name: i.practice_name,
            display_name: i.display_name,
            email: i.email.into(),
            role: i.role,
        }))
    }

    /// Creates the account from an invitation and signs the person in.
    pub async fn accept_invitation(
        &self,
        token: &str,
        password: &str,
        confirm: &str,
        ip: &str,
    ) -> Result<NewSession, AppError> {
        let Some(invitation) = self.app.store.open_invitation(&token_hash(token), self.app.now()).await? else {
            self.app
                .audit(Entry {
                    actor: None,
                    practice: None,
                    action: "invitation_accept",
                    record_type: "invitation",
                    record_id: "unknown".into(),
                    ip,
                    outcome: outcome::FAILED,
                })
                .await?;
            return Err(AppError::LinkInvalid);
        };
        let mut errors = FieldErrors::new();
        let password = new_password(&mut errors, "password", "password_confirm", password, confirm);
        AppError::invalid_if_any(errors)?;
        let password = password.ok_or_else(|| AppError::Internal("validated password missing".into()))?;
        let user = NewUser {
            id: UserId::new(),
            email: invitation.email.clone(),
            display_name: invitation.display_name.clone(),
            password_hash: self.app.passwords.hash(password.expose().to_string()).await?,
            created_at: self.app.now(),
        };
        let uow = self.app.store.begin_write().await?;
        let account = match uow.accept_invitation(&token_hash(token), self.app.now(), &user).await {
            Ok(account) => account,
            Err(StoreError::InvitationInvalid) => return Err(AppError::LinkInvalid),
            Err(StoreError::EmailTaken) => {
                let mut errors = FieldErrors::new();
                errors.add("password", "An account with this email address already exists. Sign in instead.");
                return Err(AppError::Invalid(errors));
            }
            Err(other) => return Err(other.into()),
        };
        uow.audit(self.app.audit_event(Entry {
            actor: Some(account),
            practice: Some(invitation.practice_id),
            action: "invitation_accept",
            record_type: "user",
            record_id: account.to_string(),
            ip,
            outcome: outcome::ALLOWED,
        }));
        let session = self.start_session(&*uow, account).await?;
        uow.commit().await?;
        Ok(session)
    }
}

impl super::Identity<'_> {
    /// The practice's recent invitations, for owners and admins.
    pub async fn practice_invitations(&self, actor: &Actor) -> Result<Vec<sensate_store::InvitationSummary>, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::InviteStaff).await?;
        Ok(self.app.store.invitations(practice, 50).await?)
    }
}
