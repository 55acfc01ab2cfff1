//! A visitor's booking becomes care when the appointment is confirmed (the
//! therapist accepts the request, or the visitor confirms their email for a
//! kind of session that needs no approval). In one unit of work: the
//! appointment's change of status (compare-and-set), a case with the
//! therapist as clinician, the visitor as its client (their account is the
//! one that already has their address, or a new one without a usable
//! password until their invitation sets it: the visitor proved the address
//! by confirming it), the appointment filed under the case, and the audit
//! entries.
//!
//! A partner's address was only typed, so it is never looked up: the
//! partner gets an invitation into the case and joins it only by accepting
//! (creating an account, or signing in to the one that address has).
use sensate_domain::scheduling::lifecycle::Party;
use sensate_domain::scheduling::{AppointmentStatus, CaseKind};
use sensate_domain::{CaseId, Email, Role, UserId};
use sensate_store::{
    AppointmentChange, BookingView, Changed, EventKind, NewAppointmentEvent, NewCase, NewInvitation, NewUser,
    UnitOfWork,
};

use crate::audit::{Entry, outcome};
use crate::identity::invitations::INVITATION_LIFETIME;
use crate::infra::mailer::Email as Mail;
use crate::infra::secrets::{UNUSABLE_PASSWORD_HASH, new_token, token_hash};
use crate::scheduling::confirmation::confirmation_email;
use crate::{Actor, AppError};

/// Who confirmed the appointment.
#[derive(Clone, Copy)]
pub(crate) enum AdmittedBy<'a> {
    /// The clinician accepted the request.
    Clinician(&'a Actor),
    /// The visitor confirmed their email; the kind of session needs no approval.
    Visitor { ip: &'a str },
}

/// What is left to do once the admission committed: the invitations to send.
pub(crate) struct Admitted {
    pub invitations: Vec<Mail>,
}

impl super::Scheduling<'_> {
    /// Turns the booking into a client and a case while changing the
    /// appointment from `from` to `to`, on the caller's unit of work (with
    /// the audit entries); `None` (nothing written) when the appointment
    /// changed meanwhile.
    pub(crate) async fn admit_booking(
        &self,
        uow: &dyn UnitOfWork,
        view: &BookingView,
        from: AppointmentStatus,
        to: AppointmentStatus,
        by: AdmittedBy<'_>,
    ) -> Result<Option<Admitted>, AppError> {
        let now = self.app.now();
        let appointment = view.request.appointment_id;
        let practice = view.practice_id;

        // The change of status first: it is the compare-and-set that says
        // whether the appointment is still as the person saw it.
        let moved = match by {
            AdmittedBy::Clinician(actor) => {
                let event = NewAppointmentEvent {
                    actor: Some(actor.user_id),
                    ..NewAppointmentEvent::new(appointment, now, EventKind::Confirmed, Party::Practice)
                };
                let times = (view.starts_at, view.ends_at);
                let change = AppointmentChange::status(view.clinician_id, from, to, times, event);
                uow.change_appointment(&change).await? == Changed::Done
            }
            AdmittedBy::Visitor { .. } => uow.confirm_booking_email(appointment, to, now).await?,
        };
        if !moved {
            return Ok(None);
        }

        let practice_record = uow.practice(practice).await?;
        let clinician_name = uow.user(view.clinician_id).await?.map(|u| u.display_name).unwrap_or_default();
        let identity = self.app.identity();
        let mut created = None;
        let mut mails = Vec::new();
        // `greet`: whether the name is the person's own (a partner's is not).
        let mut invite = |name: &str, greet: bool, email: &Email, account: Option<UserId>, case: CaseId| {
            let token = new_token();
            let greeting = greet.then_some(name);
            let (_, mail) =
                identity.invitation_mail(greeting, email.as_str(), &clinician_name, practice_record.as_ref(), &token);
            mails.push(mail);
            NewInvitation {
                token_hash: token_hash(&token),
                practice_id: practice,
                email: email.clone(),
                display_name: name.to_string(),
                role: Role::Client,
                case_id: Some(case),
                account,
                invited_by: view.clinician_id,
                created_at: now,
                expires_at: now + INVITATION_LIFETIME,
            }
        };

        // The visitor: their account, or a new one that their invitation completes.
        let case = CaseId::new();
        let (name, email) = (&view.request.name, &view.request.email);
        let mut existing = uow.login_record(email.as_str()).await?;
        if existing.is_none() {
            let id = UserId::new();
            let account = NewUser {
                id,
                email: email.clone(),
                display_name: name.clone(),
                password_hash: UNUSABLE_PASSWORD_HASH.to_string(),
                created_at: now,
            };
            if uow.insert_user_if_new(&account).await? {
                created = Some(id);
            } else {
                // Another admission of the same address committed meanwhile: its account.
                existing = uow.login_record(email.as_str()).await?;
            }
        }
        let (client, invitation) = match (existing, created) {
            // Someone who can already sign in sees the appointment there.
            (Some(existing), _) if existing.password_hash != UNUSABLE_PASSWORD_HASH => (existing.id, None),
            (Some(existing), _) => (existing.id, Some(invite(name, true, email, Some(existing.id), case))),
            (None, Some(id)) => (id, Some(invite(name, true, email, Some(id), case))),
            (None, None) => return Err(AppError::Internal("an account neither made nor found".into())),
        };
        let kind = if view.request.with_partner { CaseKind::Couple } else { CaseKind::Individual };
        uow.insert_case(&NewCase {
            id: case,
            practice_id: practice,
            clinician_id: view.clinician_id,
            kind,
            members: vec![client],
            opened_at: now,
        })
        .await?;
        uow.insert_membership(practice, client, Role::Client, now).await?;
        uow.assign_case(appointment, case).await?;
        if let Some(invitation) = invitation {
            uow.insert_invitation(&invitation).await?;
        }

        // The partner: an invitation only, whoever that address belongs to.
        if let Some(partner) = &view.request.partner_email
            && view.request.with_partner
            && partner != email
        {
            uow.insert_invitation(&invite(&format!("{name}'s partner"), false, partner, None, case)).await?;
        }

        let records = std::iter::once(("open_case_from_booking", "case", case.to_string()))
            .chain(created.iter().map(|id| ("create_client_from_booking", "user", id.to_string())));
        for (action, record_type, record_id) in records {
            uow.audit(match by {
                AdmittedBy::Clinician(actor) => {
                    self.app.actor_event(actor, Some(practice), action, record_type, record_id, outcome::ALLOWED)
                }
                AdmittedBy::Visitor { ip } => self.app.audit_event(Entry {
                    actor: None,
                    practice: Some(practice),
                    action,
                    record_type,
                    record_id,
                    ip,
                    outcome: outcome::ALLOWED,
                }),
            });
        }
        Ok(Some(Admitted { invitations: mails }))
    }

    /// The visitor confirmed their email for a kind of session that needs no
    /// approval: the hold becomes a confirmed appointment and a case in one
    /// transaction, and the visitor gets the confirmation (with their manage
    /// link) and the invitation to the portal. False when the hold lapsed or
    /// was confirmed meanwhile (nothing written).
    /// The confirmation (with the manage link) and the portal invitations of
    /// an admission the visitor's own confirmation made, once committed.
    pub(crate) async fn send_confirmed_booking_mails(
        &self,
        view: &BookingView,
        admitted: Admitted,
    ) -> Result<(), AppError> {
        let practice = self.app.store.practice(view.practice_id).await?.ok_or(AppError::NotFound)?;
        let link = self.appointment_manage_link(view.request.appointment_id).await?;
        let therapist = self.app.store.user(view.clinician_id).await?.map(|u| u.display_name).unwrap_or_default();
        self.app.send_mail(confirmation_email(view, &practice, &therapist, &link, self.app.now())).await;
        for mail in admitted.invitations {
            self.app.send_mail(mail).await;
        }
        Ok(())
    }

    /// Sends what an admission left to send.
    pub(crate) async fn send_admission_mails(&self, admitted: Admitted) {
        for mail in admitted.invitations {
            self.app.send_mail(mail).await;
        }
    }
}
