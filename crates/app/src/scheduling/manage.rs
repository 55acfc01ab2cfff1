//! The client's side of one appointment, by the opaque link in their
//! emails (or, signed in, from their Home page, which leads to the same
//! link): see it, and cancel or move it within the practice's
//! cancellation notice. After that, a message to contact the practice and
//! nothing changes. Opening the link changes nothing (mail scanners open
//! links). The therapist is told by email; every use is audited with ids only.
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sensate_domain::locale::local_time;
use sensate_domain::scheduling::availability::Slot;
use sensate_domain::scheduling::lifecycle::{self, CancellationPolicy, Change, Party};
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat};
use sensate_store::{AppointmentChange, AppointmentDetail, AuditEvent, EventKind, NewAppointmentEvent};

use sensate_domain::AppointmentId;
use sensate_domain::policy::{Action, Decision, decide};

use crate::audit::{Entry, outcome};
use crate::mail::Letter;
use crate::scheduling::appointments::{Rescheduled, appointment_resource, refused};
use crate::{Actor, AppError};

/// What the client's page shows.
#[derive(Debug, Clone)]
pub struct ManagedAppointment {
    pub practice_name: String,
    pub practice_contact: String,
    pub therapist_name: String,
    pub session: String,
    pub starts_at: Timestamp,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    /// The client's zone (chosen when booking), in which times are shown.
    pub zone: TimeZone,
    /// Until when the client may cancel or move it themselves.
    pub change_until: Timestamp,
    /// Why the client cannot change it now, if they cannot.
    pub locked: Option<String>,
    /// Free times of the same kind and format to move to.
    pub free_times: Vec<Slot>,
}

impl super::Scheduling<'_> {
    async fn managed(&self, token: &str) -> Result<(AppointmentDetail, CancellationPolicy), AppError> {
        let id = self.appointment_of_link(token).await?.ok_or(AppError::LinkInvalid)?;
        let detail = self.app.store.appointment_detail(id).await?.ok_or(AppError::LinkInvalid)?;
        let policy = self.cancellation_policy(detail.practice_id).await?;
        Ok((detail, policy))
    }

    async fn client_zone(&self, detail: &AppointmentDetail) -> Result<TimeZone, AppError> {
        match self.app.store.booking(detail.id).await? {
            Some(b) => Ok(b.request.visitor_time_zone.zone().clone()),
            None => self.practice_zone(detail.practice_id).await,
        }
    }

    /// What someone holding the appointment's link did.
    fn link_event(&self, detail: &AppointmentDetail, action: &str, ip: &str) -> AuditEvent {
        self.app.audit_event(Entry {
            actor: None,
            practice: Some(detail.practice_id),
            action,
            record_type: "appointment",
            record_id: detail.id.to_string(),
            ip,
            outcome: outcome::ALLOWED,
        })
    }

    /// The page of an appointment the actor attends as a client, opened
    /// from their Home page: the address of the link their emails carry,
    /// where they see it and may cancel or move it within the practice's
    /// notice. Whether they attend is the policy's to say (a partner's own
    /// session is not the other partner's); anyone else is told it does not
    /// exist, and the refusal is audited.
    pub async fn my_appointment_link(&self, actor: &Actor, id: AppointmentId) -> Result<String, AppError> {
        let detail = self.app.store.appointment_detail(id).await?;
        let attends = detail
            .as_ref()
            .is_some_and(|d| decide(&actor.facts(), Action::ViewOwnCare, &appointment_resource(d)) == Decision::Allow);
        let (practice, outcome) = match &detail {
            Some(d) if attends => (Some(d.practice_id), outcome::ALLOWED),
            _ => (actor.acting_practice(), outcome::DENIED),
        };
        self.app.audit_actor(actor, practice, "view_own_appointment", "appointment", id.to_string(), outcome).await?;
        if !attends {
            return Err(AppError::NotFound);
        }
        self.appointment_manage_link(id).await
    }

    /// The appointment a manage link stands for; `LinkInvalid` for an unknown token.
    pub async fn managed_appointment(&self, token: &str, ip: &str) -> Result<ManagedAppointment, AppError> {
        let (detail, policy) = self.managed(token).await?;
        let now = self.app.now();
        let may = lifecycle::decide(detail.status, Change::Reschedule, Party::Client, detail.starts_at, now, policy);
        let free_times = if may.is_ok() { self.times_to_move_to(&detail).await? } else { Vec::new() };
        let practice = self.app.store.practice(detail.practice_id).await?;
        let contact = practice.as_ref().and_then(crate::scheduling::confirmation::practice_contact).unwrap_or_default();
        let managed = ManagedAppointment {
            practice_name: practice.map(|p| p.name).unwrap_or_default(),
            practice_contact: contact,
            therapist_name: detail.clinician_name.clone(),
            session: detail.session_type_name.clone().unwrap_or_else(|| "Session".to_string()),
            starts_at: detail.starts_at,
            format: detail.format,
            status: detail.status,
            zone: self.client_zone(&detail).await?,
            change_until: detail.starts_at - policy.notice,
            locked: may.err().map(|r| r.to_string()),
            free_times,
        };
        self.app.store.append_audit(vec![self.link_event(&detail, "view_appointment_by_link", ip)]).await?;
        Ok(managed)
    }

    /// The client cancels by their link, within the practice's notice.
    pub async fn cancel_by_link(&self, token: &str, ip: &str) -> Result<(), AppError> {
        let (detail, policy) = self.managed(token).await?;
        let now = self.app.now();
        let outcome = lifecycle::decide(detail.status, Change::Cancel, Party::Client, detail.starts_at, now, policy)
            .map_err(|r| refused("appointment", r))?;
        let event = NewAppointmentEvent {
            late: outcome.late,
            ..NewAppointmentEvent::new(detail.id, now, EventKind::Cancelled, Party::Client)
        };
        let times = (detail.starts_at, detail.ends_at);
        let change = AppointmentChange::status(detail.clinician_id, detail.status, outcome.status, times, event);
        self.change_with_entry(&change, self.link_event(&detail, "cancel_appointment_by_link", ip)).await?;
        self.tell_therapist(
            &detail,
            "cancelled",
            format!("The session on {} was cancelled by the client.", self.at_practice(&detail).await?),
        )
        .await
    }

    /// The client moves the appointment by their link, within the practice's notice.
    pub async fn reschedule_by_link(&self, token: &str, start: &str, ip: &str) -> Result<Rescheduled, AppError> {
        let (detail, policy) = self.managed(token).await?;
        let entry = self.link_event(&detail, "reschedule_appointment_by_link", ip);
        let moved = self.move_appointment(&detail, start, Party::Client, None, policy, entry).await?;
        if moved == Rescheduled::Moved {
            let mut after = detail.clone();
            after.starts_at = parse_start(start)?;
            self.tell_therapist(
                &detail,
                "moved",
                format!(
                    "The client moved the session of {} to {}.",
                    self.at_practice(&detail).await?,
                    self.at_practice(&after).await?
                ),
            )
            .await?;
        }
        Ok(moved)
    }

    async fn at_practice(&self, detail: &AppointmentDetail) -> Result<String, AppError> {
        Ok(local_time(detail.starts_at, &self.practice_zone(detail.practice_id).await?))
    }

    /// The therapist hears of a client's change: the time and a link to the
    /// appointment's page, nothing about the client's health.
    async fn tell_therapist(&self, detail: &AppointmentDetail, what: &str, line: String) -> Result<(), AppError> {
        let Some(therapist) = self.app.store.user(detail.clinician_id).await? else { return Ok(()) };
        let link = format!("{}/appointments/{}", self.app.config.base_url, detail.id);
        let mail = Letter::to(Some(&therapist.display_name))
            .paragraph(line)
            .link("See the appointment", link)
            .mail(therapist.email, format!("An appointment was {what}"));
        self.app.send_mail(mail).await;
        Ok(())
    }
}

fn parse_start(text: &str) -> Result<Timestamp, AppError> {
    text.trim().parse().map_err(|_| AppError::Internal("a checked start no longer parses".into()))
}
