//! A visitor's booking becomes care when the appointment is confirmed (the
//! therapist accepts the request, or the visitor confirms their email for a
//! kind of session that needs no approval). In one transaction: a client
//! account for the visitor's email (an existing account is reused, never
//! duplicated), a case with the therapist as clinician and, for a couple
//! with a partner's email, the partner as its second member; the
//! appointment joins the case. New accounts have no usable password until
//! their invitation is accepted, which sets it (the usual invitation email).
use sensate_domain::scheduling::lifecycle::Party;
use sensate_domain::scheduling::{AppointmentStatus, CaseKind};
use sensate_domain::{CaseId, Email, Role, UserId};
use sensate_store::{
    Admission, BookingView, EventKind, NewAppointmentEvent, NewCase, NewInvitation, NewUser, UnitOfWork,
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
        let practice_name = uow.practice(practice).await?.map(|p| p.name).unwrap_or_default();
        let clinician_name = uow.user(view.clinician_id).await?.map(|u| u.display_name).unwrap_or_default();
        let case = CaseId::new();

        let mut people = vec![(view.request.name.clone(), view.request.email.clone())];
        if let Ok(partner) = Email::parse(&view.request.partner_email)
            && view.request.with_partner
            && partner != view.request.email
        {
            people.push((format!("{}'s partner", view.request.name), partner));
        }
        let mut members = Vec::new();
        let mut new_accounts = Vec::new();
        let mut invitations = Vec::new();
        let mut mails = Vec::new();
        for (name, email) in people {
            let (id, needs_password) = match uow.login_record(email.as_str()).await? {
                Some(existing) => (existing.id, existing.password_hash == UNUSABLE_PASSWORD_HASH),
                None => {
                    let id = UserId::new();
                    new_accounts.push(NewUser {
                        id,
                        email: email.clone(),
                        display_name: name.clone(),
                        password_hash: UNUSABLE_PASSWORD_HASH.to_string(),
                        created_at: now,
                    });
                    (id, true)
                }
            };
            members.push(id);
            // Someone who can already sign in sees the appointment there.
            if needs_password {
                let token = new_token();
                let invitation = NewInvitation {
                    token_hash: token_hash(&token),
                    practice_id: practice,
                    email: email.clone(),
                    display_name: name.clone(),
                    role: Role::Client,
                    case_id: Some(case),
                    invited_by: view.clinician_id,
                    created_at: now,
                    expires_at: now + INVITATION_LIFETIME,
                };
                invitations.push((invitation, id));
                mails.push(
                    self.app
                        .identity()
                        .invitation_mail(&name, email.as_str(), &clinician_name, &practice_name, &token)
                        .1,
                );
            }
        }
        let kind = if view.request.with_partner { CaseKind::Couple } else { CaseKind::Individual };
        let event = match by {
            AdmittedBy::Clinician(actor) => Some(NewAppointmentEvent {
                actor: Some(actor.user_id),
                ..NewAppointmentEvent::new(appointment, now, EventKind::Confirmed, Party::Practice)
            }),
            AdmittedBy::Visitor { .. } => None,
        };
        let created: Vec<UserId> = new_accounts.iter().map(|u| u.id).collect();
        let admission = Admission {
            appointment,
            from,
            to,
            case: NewCase {
                id: case,
                practice_id: practice,
                clinician_id: view.clinician_id,
                kind,
                members,
                opened_at: now,
            },
            new_accounts,
            invitations,
            event,
            confirms_email: matches!(by, AdmittedBy::Visitor { .. }),
            now,
        };
        if !uow.admit_booking(&admission).await? {
            return Ok(None);
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
        self.app.send_mail(confirmation_email(view, &practice, &link, self.app.now())).await;
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
