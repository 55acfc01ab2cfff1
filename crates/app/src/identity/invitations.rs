//! Invitations: the only way accounts are created after set-up. Owners and
//! admins invite staff; a therapist invites clients (a couple's partners get
//! an invitation each, into one case). Links are single-use and expire.
use jiff::SignedDuration;
use sensate_domain::policy::Action;
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{CaseId, DisplayName, Email, FieldErrors, Role, UserId};
use sensate_store::{NewCase, NewInvitation, NewUser, PracticeRecord, StoreError, UnitOfWork};

use crate::audit::{Entry, outcome};
use crate::identity::passwords::new_password;
use crate::infra::mailer::Email as Mail;
use crate::infra::secrets::{UNUSABLE_PASSWORD_HASH, new_token, token_hash};
use crate::mail::{Letter, MailName};
use crate::{Actor, AppError};

pub const INVITATION_LIFETIME: SignedDuration = SignedDuration::from_hours(7 * 24);

/// One invitation made. The link goes to the invitee only: the inviter
/// sees it only when it could not be emailed, to hand it over themselves.
#[derive(Debug, Clone)]
pub struct InvitationSent {
    pub email: String,
    /// `None` once emailed: a link sent to someone is theirs alone.
    pub link: Option<String>,
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

/// The job that tells an address with an account how to accept an
/// invitation someone tried to accept without signing in
/// ([`super::Identity::accept_invitation`]). Its payload: `user/practice`.
pub const ACCOUNT_EXISTS_JOB: &str = "invitation_account_exists";

/// The entry of a failed acceptance: outside any practice's log, so that an
/// address having an account shows nowhere a practice reads.
fn acceptance_refused(actor: Option<UserId>, ip: &str) -> Entry<'_> {
    Entry {
        actor,
        practice: None,
        action: "invitation_accept",
        record_type: "invitation",
        record_id: "unknown".into(),
        ip,
        outcome: outcome::FAILED,
    }
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
        let sender = uow.practice(practice).await?;
        uow.commit().await?;
        Ok(self.mail_invitation(actor, sender.as_ref(), &name, &email, &token).await)
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
        let sender = uow.practice(practice).await?;
        uow.commit().await?;
        let mut sent = Vec::new();
        for ((name, email), token) in people.iter().zip(&tokens) {
            sent.push(self.mail_invitation(actor, sender.as_ref(), name, email, token).await);
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
            account: None,
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

    /// Emails a committed invitation from the practice it is into (read in
    /// the same unit of work), or, without mail, hands the link to the
    /// inviter to pass on.
    async fn mail_invitation(
        &self,
        actor: &Actor,
        practice: Option<&PracticeRecord>,
        name: &DisplayName,
        email: &Email,
        token: &str,
    ) -> InvitationSent {
        let (link, mail) =
            self.invitation_mail(Some(name.as_str()), email.as_str(), &actor.display_name, practice, token);
        let emailed = self.app.send_mail(mail).await;
        InvitationSent { email: email.as_str().to_string(), link: (!emailed).then_some(link), emailed }
    }

    /// The invitation's link and email: discreet for every recipient, so
    /// the practice is named by its discreet name and nothing says therapy.
    /// `name` is `None` for someone who did not give their name themselves
    /// (a partner named by the person who booked).
    pub(crate) fn invitation_mail(
        &self,
        name: Option<&str>,
        email: &str,
        inviter: &str,
        practice: Option<&PracticeRecord>,
        token: &str,
    ) -> (String, Mail) {
        let link = format!("{}/join?token={token}", self.app.config.base_url);
        let practice = practice.map(|p| MailName::of(p, true)).unwrap_or(MailName::NONE);
        let subject = match practice.name() {
            Some(name) => format!("Your invitation from {name}"),
            None => "Your invitation".to_string(),
        };
        // The inviter's name comes last: a therapist's name in a preview
        // could be looked up.
        let mail = Letter::to(name)
            .paragraph(format!("You are invited to create your account{}.", practice.with()))
            .link("Choose your password", &link)
            .paragraph("The link works once and expires in 7 days.")
            .paragraph(format!("{inviter} sent this invitation."))
            .signed(practice.sender())
            .mail(email, subject)
            .from_name(practice.sender());
        (link, mail)
    }

    pub async fn invitation(&self, token: &str) -> Result<Option<InvitationView>, AppError> {
        Ok(self.app.store.open_invitation(&token_hash(token), self.app.now()).await?.map(|i| InvitationView {
            practice_name: i.practice_name,
            display_name: i.display_name,
            email: i.email.into(),
            role: i.role,
        }))
    }

    /// Accepts an invitation without signing in: creates the account with
    /// the chosen password (an invitation that completes an account made
    /// earlier, for a visitor whose booking was accepted, sets its first
    /// password instead), after which the person signs in.
    ///
    /// When the address already has an account of its own, that account is
    /// left as it is, the invitation stays open, and its owner is emailed
    /// (by the job runner) to sign in with the password they have and open
    /// the link again. The answer is the same as for a new account, after
    /// the same work, so whoever holds the link (staff hand links over when
    /// mail is not set up) cannot learn whether the address has an account.
    pub async fn accept_invitation(
        &self,
        token: &str,
        password: &str,
        confirm: &str,
        ip: &str,
    ) -> Result<(), AppError> {
        let hash = token_hash(token);
        let Some(invitation) = self.app.store.open_invitation(&hash, self.app.now()).await? else {
            return Err(self.refuse_acceptance(None, ip, AppError::LinkInvalid).await);
        };
        let mut errors = FieldErrors::new();
        let password = new_password(&mut errors, "password", "password_confirm", password, confirm);
        AppError::invalid_if_any(errors)?;
        let password = password.ok_or_else(|| AppError::Internal("validated password missing".into()))?;
        let password_hash = self.app.passwords.hash(password.expose().to_string()).await?;

        let now = self.app.now();
        let uow = self.app.store.begin_write().await?;
        let existing = uow.login_record(invitation.email.as_str()).await?;
        let account = match (invitation.account, existing) {
            // Made for a visitor, and still without a password of its own.
            (Some(made), Some(existing)) if made == existing.id && existing.password_hash == UNUSABLE_PASSWORD_HASH => {
                uow.set_password_hash(made, &password_hash).await?;
                made
            }
            (_, Some(existing)) => return self.tell_account_exists(uow, &invitation, &hash, existing.id, ip).await,
            (_, None) => {
                let user = NewUser {
                    id: UserId::new(),
                    email: invitation.email.clone(),
                    display_name: invitation.display_name.clone(),
                    password_hash,
                    created_at: now,
                };
                match uow.insert_user(&user).await {
                    // Made by another acceptance or admission meanwhile: theirs.
                    Err(StoreError::EmailTaken) => {
                        drop(uow);
                        let uow = self.app.store.begin_write().await?;
                        let Some(existing) = uow.login_record(invitation.email.as_str()).await? else {
                            return Err(AppError::Internal("an address taken by no account".into()));
                        };
                        return self.tell_account_exists(uow, &invitation, &hash, existing.id, ip).await;
                    }
                    other => other?,
                }
                self.join(&*uow, &invitation, user.id).await?;
                user.id
            }
        };
        if !uow.spend_invitation(&hash, now).await? {
            drop(uow);
            return Err(self.refuse_acceptance(None, ip, AppError::LinkInvalid).await);
        }
        uow.audit(self.app.audit_event(Entry {
            actor: Some(account),
            practice: Some(invitation.practice_id),
            action: "invitation_accept",
            record_type: "user",
            record_id: account.to_string(),
            ip,
            outcome: outcome::ALLOWED,
        }));
        uow.commit().await?;
        Ok(())
    }

    /// The address of `invitation` has an account (`user`): nothing about
    /// it changes, the invitation stays open for its owner to accept signed
    /// in, and they are told so by email, once per invitation however often
    /// the link is used. Audited as a failed acceptance, outside any
    /// practice's log, like every other.
    async fn tell_account_exists(
        &self,
        uow: Box<dyn UnitOfWork>,
        invitation: &sensate_store::InvitationRecord,
        token_hash: &str,
        user: UserId,
        ip: &str,
    ) -> Result<(), AppError> {
        let now = self.app.now();
        let job = sensate_store::NewJob {
            id: sensate_domain::JobId::new(),
            kind: ACCOUNT_EXISTS_JOB.to_string(),
            payload: format!("{user}/{}", invitation.practice_id),
            dedupe_key: format!("{ACCOUNT_EXISTS_JOB}:{token_hash}"),
            run_at: now,
        };
        uow.enqueue_job(&job, now).await?;
        uow.audit(self.app.audit_event(acceptance_refused(None, ip)));
        uow.commit().await?;
        self.app.jobs_queued.notify_one();
        Ok(())
    }

    /// The job of [`ACCOUNT_EXISTS_JOB`]: the email to the account's owner.
    /// Skipped when the account is gone or disabled meanwhile.
    pub(crate) async fn run_account_exists(
        &self,
        job: sensate_domain::JobId,
        payload: &str,
    ) -> Result<Result<crate::jobs::JobRun, crate::infra::mailer::MailError>, AppError> {
        let parsed = payload.split_once('/').and_then(|(user, practice)| {
            Some((user.parse::<UserId>().ok()?, practice.parse::<sensate_domain::PracticeId>().ok()?))
        });
        let (user, practice) =
            parsed.ok_or_else(|| AppError::Internal("an invitation job's payload is not user/practice".into()))?;
        let Some(account) = self.app.store.user(user).await?.filter(|a| !a.disabled) else {
            return Ok(Ok(crate::jobs::JobRun::Skipped));
        };
        let practice_record = self.app.store.practice(practice).await?;
        let name = practice_record.as_ref().map(|p| MailName::of(p, true)).unwrap_or(MailName::NONE);
        let subject = match name.name() {
            Some(name) => format!("Your invitation from {name}"),
            None => "Your invitation".to_string(),
        };
        let mail = Letter::to(Some(&account.display_name))
            .paragraph(format!(
                "Someone opened your invitation{} and chose a password, but this email address already has an \
                 account. Its password has not changed.",
                name.with()
            ))
            .paragraph("To accept the invitation, sign in with the password you already have, then open the link in your invitation again.")
            .paragraph("If this was not you, you can ignore this message.")
            .signed(name.sender())
            .mail(account.email.as_str(), subject)
            .from_name(name.sender())
            .with_message_id(format!("invitation.{}", job.as_uuid().simple()));
        // Outside the practice's log, like the acceptance it answers.
        let sent = crate::jobs::Sent {
            practice: None,
            action: "send_invitation_account_exists",
            record_type: "user",
            record_id: user.to_string(),
        };
        Ok(self.app.mailer.send(&mail).await.map(|()| crate::jobs::JobRun::Sent(sent)))
    }

    /// A signed-in person accepts an invitation sent to their own address:
    /// they join the practice (and the case it names) with their account.
    /// Only the owner of the address can: the invitation's address must be
    /// the account's. Staff of the practice never become its clients.
    pub async fn accept_invitation_signed_in(&self, actor: &Actor, token: &str) -> Result<(), AppError> {
        let hash = token_hash(token);
        let now = self.app.now();
        let uow = self.app.store.begin_write().await?;
        let Some(invitation) = uow.open_invitation(&hash, now).await? else {
            drop(uow);
            return Err(self.refuse_acceptance(Some(actor), &actor.ip, AppError::LinkInvalid).await);
        };
        let own_address = uow.user(actor.user_id).await?.is_some_and(|user| user.email == invitation.email);
        let staff_here = actor.memberships.iter().any(|m| m.practice_id == invitation.practice_id && m.role.is_staff());
        let refusal = if !own_address {
            Some("This invitation was sent to another email address. Sign out, then open the link again.")
        } else if invitation.role == Role::Client && staff_here {
            Some("You work at this practice, so you cannot join it as a client.")
        } else {
            None
        };
        if let Some(refusal) = refusal {
            drop(uow);
            let mut errors = FieldErrors::new();
            errors.add("token", refusal);
            return Err(self.refuse_acceptance(Some(actor), &actor.ip, AppError::Invalid(errors)).await);
        }
        if !uow.spend_invitation(&hash, now).await? {
            drop(uow);
            return Err(self.refuse_acceptance(Some(actor), &actor.ip, AppError::LinkInvalid).await);
        }
        self.join(&*uow, &invitation, actor.user_id).await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(invitation.practice_id),
            "invitation_accept",
            "user",
            actor.user_id.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        Ok(())
    }

    /// The role the invitation gives, and (for a client) the case it names.
    async fn join(
        &self,
        uow: &dyn UnitOfWork,
        invitation: &sensate_store::InvitationRecord,
        account: UserId,
    ) -> Result<(), AppError> {
        uow.insert_membership(invitation.practice_id, account, invitation.role, self.app.now()).await?;
        if let Some(case) = invitation.case_id {
            uow.add_case_member(case, account).await?;
        }
        Ok(())
    }

    /// Records a failed acceptance (unknown, used or expired link, someone
    /// else's) and returns `refusal`.
    async fn refuse_acceptance(&self, actor: Option<&Actor>, ip: &str, refusal: AppError) -> AppError {
        match self.app.audit_refusal(acceptance_refused(actor.map(|a| a.user_id), ip)).await {
            Ok(()) => refusal,
            Err(error) => error,
        }
    }
}

impl super::Identity<'_> {
    /// The practice's recent invitations, for owners and admins.
    pub async fn practice_invitations(&self, actor: &Actor) -> Result<Vec<sensate_store::InvitationSummary>, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::InviteStaff).await?;
        Ok(self.app.store.invitations(practice, 50).await?)
    }
}
