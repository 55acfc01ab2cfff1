//! One appointment, for the practice: its page (who, when, format, status,
//! history) and what the clinician (or the practice's owner or admin) may
//! do with it: cancel, move to another free time, record whether the
//! session took place. Every change is decided by
//! `domain::scheduling::lifecycle`, written compare-and-set, kept in the
//! appointment's history and audited; the client is told by email.
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use sensate_domain::locale::local_time;
use sensate_domain::policy::{Action, Resource};
use sensate_domain::scheduling::CaseKind;
use sensate_domain::scheduling::availability::{Slot, nearest_alternatives};
use sensate_domain::scheduling::lifecycle::{self, CancellationPolicy, Change, Party, Refusal};
use sensate_domain::scheduling::reasons;
use sensate_domain::{AppointmentId, FieldErrors, PracticeId, UserId};
use sensate_store::{
    AppointmentChange, AppointmentDetail, AppointmentEvent, AuditEvent, BookingView, Changed, EventKind,
    NewAppointmentEvent,
};

use crate::audit::outcome;
use crate::mail::{Letter, MailName};
use crate::scheduling::attendees::read_attendees;
use crate::scheduling::availability::Looking;
use crate::{Actor, AppError};

/// How far ahead a move may go.
const RESCHEDULE_DAYS: i64 = 60;

/// The appointment page, for the practice.
#[derive(Debug, Clone)]
pub struct AppointmentPage {
    pub detail: AppointmentDetail,
    /// The visitor's request, when the appointment was booked from the directory.
    pub booking: Option<BookingView>,
    pub history: Vec<AppointmentEvent>,
    /// People invited into the appointment's case (a partner) who have not
    /// joined it yet.
    pub invited: Vec<Invited>,
    /// The practice's zone, in which staff pages show times.
    pub zone: TimeZone,
    /// Free times of the same length and format to move to (empty when it cannot be moved).
    pub free_times: Vec<Slot>,
    pub can_cancel: bool,
    pub can_record_attendance: bool,
    /// A couple's case's clients, to choose who attends from while the
    /// appointment can still change; empty otherwise.
    pub attendee_choices: Vec<(UserId, String)>,
}

/// Someone invited into a case who has not joined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invited {
    pub name: String,
    /// The invitation ran out unused.
    pub expired: bool,
}

/// What a move did.
#[derive(Debug, Clone, PartialEq)]
pub enum Rescheduled {
    Moved,
    /// The time was taken meanwhile: the nearest free ones instead.
    Taken {
        alternatives: Vec<Slot>,
    },
}

pub(crate) fn refused(field: &'static str, refusal: Refusal) -> AppError {
    invalid(field, refusal.to_string())
}

pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    AppError::Invalid(errors)
}

pub(crate) fn changed_meanwhile() -> AppError {
    invalid("appointment", "This appointment was changed meanwhile; reload the page to see it as it is now.")
}

/// A new start as the form sends it (RFC 3339), checked against the clock.
pub(crate) fn parse_new_start(text: &str, now: Timestamp) -> Result<Timestamp, AppError> {
    let start: Timestamp = text.trim().parse().map_err(|_| invalid("start", "Choose one of the free times listed."))?;
    if start <= now {
        return Err(invalid("start", "That time has already passed; choose a later one."));
    }
    Ok(start)
}

/// The facts the policy decides an appointment on: its practice, its
/// clinician and the clients who attend it.
pub(crate) fn appointment_resource(detail: &AppointmentDetail) -> Resource {
    Resource::Appointment {
        practice: detail.practice_id,
        clinician: detail.clinician_id,
        attendees: detail.clients.iter().map(|c| c.id).collect(),
    }
}

impl super::Scheduling<'_> {
    /// The practice's rule for clients cancelling or moving themselves.
    pub async fn cancellation_policy(&self, practice: PracticeId) -> Result<CancellationPolicy, AppError> {
        let hours = self.app.store.cancellation_notice_hours(practice).await?;
        Ok(CancellationPolicy { notice: SignedDuration::from_hours(i64::from(hours)) })
    }

    /// The appointment, if the actor may manage it. Unknown here and other
    /// practices' appointments are the same 404; both are audited.
    async fn appointment_for_staff(
        &self,
        actor: &Actor,
        id: AppointmentId,
        action: &str,
    ) -> Result<AppointmentDetail, AppError> {
        let detail = self.app.store.appointment_detail(id).await?;
        let Some(detail) = detail.filter(|d| actor.memberships.iter().any(|m| m.practice_id == d.practice_id)) else {
            let practice = actor.acting_practice();
            self.app.audit_actor(actor, practice, action, "appointment", id.to_string(), outcome::DENIED).await?;
            return Err(AppError::NotFound);
        };
        let resource = appointment_resource(&detail);
        self.app.authorize(actor, Action::ManageAppointment, &resource, ("appointment", id.to_string())).await?;
        Ok(detail)
    }

    /// Free times of the appointment's length and format, from now on, as if
    /// it were not there (so it can move by less than its length), without its
    /// current start.
    pub(crate) async fn times_to_move_to(&self, detail: &AppointmentDetail) -> Result<Vec<Slot>, AppError> {
        let now = self.app.now();
        let length = detail.ends_at.duration_since(detail.starts_at);
        let until = now + SignedDuration::from_hours(24 * RESCHEDULE_DAYS);
        let moving = detail.status.occupies_time().then_some((detail.starts_at, detail.ends_at));
        let free = self
            .free_times_besides(
                detail.clinician_id,
                length,
                vec![detail.format],
                now,
                until,
                Looking { moving, notice_from: now },
            )
            .await?;
        Ok(free.into_iter().filter(|slot| slot.start != detail.starts_at).collect())
    }

    pub async fn appointment_page(&self, actor: &Actor, id: AppointmentId) -> Result<AppointmentPage, AppError> {
        let detail = self.appointment_for_staff(actor, id, "view_appointment").await?;
        let now = self.app.now();
        let policy = self.cancellation_policy(detail.practice_id).await?;
        let may =
            |change| lifecycle::decide(detail.status, change, Party::Practice, detail.starts_at, now, policy).is_ok();
        let (can_cancel, can_move) = (may(Change::Cancel), may(Change::Reschedule));
        let can_record_attendance = may(Change::Complete);
        let free_times = if can_move { self.times_to_move_to(&detail).await? } else { Vec::new() };
        let zone = self.practice_zone(detail.practice_id).await?;
        let attendee_choices = match (detail.case_id, detail.case_kind) {
            (Some(case), Some(CaseKind::Couple)) if can_move => {
                self.app.store.case_record(case).await?.map(|r| r.clients).unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let page = AppointmentPage {
            booking: self.app.store.booking(id).await?,
            history: self.app.store.appointment_events(id).await?,
            invited: match detail.case_id {
                Some(case) => self
                    .app
                    .store
                    .pending_case_invitations(case)
                    .await?
                    .into_iter()
                    .map(|i| Invited { name: i.display_name, expired: i.expires_at <= now })
                    .collect(),
                None => Vec::new(),
            },
            zone,
            free_times,
            can_cancel,
            can_record_attendance,
            attendee_choices,
            detail,
        };
        self.app
            .audit_actor(
                actor,
                Some(page.detail.practice_id),
                "view_appointment",
                "appointment",
                id.to_string(),
                outcome::ALLOWED,
            )
            .await?;
        Ok(page)
    }

    pub(crate) async fn practice_zone(&self, practice: PracticeId) -> Result<TimeZone, AppError> {
        Ok(self.app.store.practice(practice).await?.map_or(TimeZone::UTC, |p| p.time_zone.zone().clone()))
    }

    /// The practice cancels, with a reason category from [`reasons::CANCEL_REASONS`].
    pub async fn cancel_appointment(&self, actor: &Actor, id: AppointmentId, reason: &str) -> Result<(), AppError> {
        let detail = self.appointment_for_staff(actor, id, "cancel_appointment").await?;
        if reasons::find(&reasons::CANCEL_REASONS, reason).is_none() {
            return Err(invalid("reason", "Choose a reason from the list."));
        }
        let now = self.app.now();
        let policy = self.cancellation_policy(detail.practice_id).await?;
        let outcome = lifecycle::decide(detail.status, Change::Cancel, Party::Practice, detail.starts_at, now, policy)
            .map_err(|r| refused("appointment", r))?;
        let event = NewAppointmentEvent {
            actor: Some(actor.user_id),
            late: outcome.late,
            reason: reason.to_string(),
            ..NewAppointmentEvent::new(id, now, EventKind::Cancelled, Party::Practice)
        };
        let times = (detail.starts_at, detail.ends_at);
        let change = AppointmentChange::status(detail.clinician_id, detail.status, outcome.status, times, event);
        let entry = self.app.actor_event(
            actor,
            Some(detail.practice_id),
            "cancel_appointment",
            "appointment",
            id.to_string(),
            outcome::ALLOWED,
        );
        self.change_with_entry(&change, entry).await?;
        self.tell_client(&detail, ClientNews::Cancelled).await
    }

    /// The practice moves the appointment to another free time of the same
    /// length and format; the status stays.
    pub async fn reschedule_appointment(
        &self,
        actor: &Actor,
        id: AppointmentId,
        start: &str,
    ) -> Result<Rescheduled, AppError> {
        let detail = self.appointment_for_staff(actor, id, "reschedule_appointment").await?;
        let policy = self.cancellation_policy(detail.practice_id).await?;
        let entry = self.app.actor_event(
            actor,
            Some(detail.practice_id),
            "reschedule_appointment",
            "appointment",
            id.to_string(),
            outcome::ALLOWED,
        );
        self.move_appointment(&detail, start, Party::Practice, Some(actor.user_id), policy, entry).await
    }

    /// Writes a change of status and its audit entry in one unit of work;
    /// refused when the appointment changed meanwhile.
    pub(crate) async fn change_with_entry(
        &self,
        change: &AppointmentChange,
        entry: AuditEvent,
    ) -> Result<(), AppError> {
        let uow = self.app.store.begin_write().await?;
        if uow.change_appointment(change).await? != Changed::Done {
            return Err(changed_meanwhile());
        }
        uow.audit(entry);
        Ok(uow.commit().await?)
    }

    /// Checks and writes a move for either party, with its audit entry.
    pub(crate) async fn move_appointment(
        &self,
        detail: &AppointmentDetail,
        start: &str,
        party: Party,
        actor: Option<sensate_domain::UserId>,
        policy: CancellationPolicy,
        entry: AuditEvent,
    ) -> Result<Rescheduled, AppError> {
        let now = self.app.now();
        let outcome = lifecycle::decide(detail.status, Change::Reschedule, party, detail.starts_at, now, policy)
            .map_err(|r| refused("appointment", r))?;
        let start = parse_new_start(start, now)?;
        if start == detail.starts_at {
            return Err(invalid("start", "That is the appointment's current time; choose another."));
        }
        let free = self.times_to_move_to(detail).await?;
        if !free.iter().any(|s| s.start == start) {
            return Ok(Rescheduled::Taken { alternatives: nearest_alternatives(&free, start, 3) });
        }
        let change = AppointmentChange {
            appointment: detail.id,
            clinician: detail.clinician_id,
            from_status: detail.status,
            from_start: detail.starts_at,
            to_status: outcome.status,
            starts_at: start,
            ends_at: start + detail.ends_at.duration_since(detail.starts_at),
            event: NewAppointmentEvent {
                actor,
                late: outcome.late,
                previous_starts_at: Some(detail.starts_at),
                ..NewAppointmentEvent::new(detail.id, now, EventKind::Rescheduled, party)
            },
        };
        let uow = self.app.store.begin_write().await?;
        match uow.change_appointment(&change).await? {
            Changed::Done => {}
            Changed::Stale => return Err(changed_meanwhile()),
            Changed::Taken => return Ok(Rescheduled::Taken { alternatives: nearest_alternatives(&free, start, 3) }),
        }
        uow.audit(entry);
        uow.commit().await?;
        if party == Party::Practice {
            let mut moved = detail.clone();
            moved.starts_at = change.starts_at;
            moved.ends_at = change.ends_at;
            self.tell_client(&moved, ClientNews::Moved { from: detail.starts_at }).await?;
        }
        Ok(Rescheduled::Moved)
    }

    /// The practice changes who attends an appointment of a couple's case
    /// (everyone, or one partner, as [`read_attendees`] reads `attends`),
    /// while it could still be moved. A partner no longer expected is
    /// told it is cancelled for them; one now expected, that it was added.
    pub async fn change_attendees(&self, actor: &Actor, id: AppointmentId, attends: &str) -> Result<(), AppError> {
        let detail = self.appointment_for_staff(actor, id, "change_attendees").await?;
        let now = self.app.now();
        let policy = self.cancellation_policy(detail.practice_id).await?;
        lifecycle::decide(detail.status, Change::Reschedule, Party::Practice, detail.starts_at, now, policy)
            .map_err(|r| refused("appointment", r))?;
        let (Some(case), Some(kind)) = (detail.case_id, detail.case_kind) else {
            return Err(invalid("attends", "This appointment is not yet part of a case."));
        };
        let clients: Vec<UserId> = self
            .app
            .store
            .case_record(case)
            .await?
            .map(|r| r.clients.into_iter().map(|(id, _)| id).collect())
            .unwrap_or_default();
        let attendees = read_attendees(attends, kind, &clients).map_err(|r| invalid("attends", r.to_string()))?;
        let uow = self.app.store.begin_write().await?;
        uow.set_attendees(id, &attendees).await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(detail.practice_id),
            "change_attendees",
            "appointment",
            id.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        // Each partner hears only of their own change.
        let after = self.app.store.appointment_detail(id).await?.ok_or(AppError::NotFound)?;
        let newcomers = |from: &AppointmentDetail, to: &AppointmentDetail| AppointmentDetail {
            clients: to.clients.iter().filter(|c| !from.clients.iter().any(|b| b.id == c.id)).cloned().collect(),
            ..to.clone()
        };
        let (dropped, added) = (newcomers(&after, &detail), newcomers(&detail, &after));
        if !dropped.clients.is_empty() {
            self.tell_client(&dropped, ClientNews::Cancelled).await?;
        }
        if !added.clients.is_empty() {
            self.tell_client(&added, ClientNews::Added { starts: vec![after.starts_at] }).await?;
        }
        Ok(())
    }

    /// Records after the start whether the session took place.
    pub async fn record_attendance(&self, actor: &Actor, id: AppointmentId, attended: bool) -> Result<(), AppError> {
        let detail = self.appointment_for_staff(actor, id, "record_attendance").await?;
        let now = self.app.now();
        let policy = self.cancellation_policy(detail.practice_id).await?;
        let (change, kind) =
            if attended { (Change::Complete, EventKind::Completed) } else { (Change::NoShow, EventKind::NoShow) };
        let outcome = lifecycle::decide(detail.status, change, Party::Practice, detail.starts_at, now, policy)
            .map_err(|r| refused("appointment", r))?;
        let event = NewAppointmentEvent {
            actor: Some(actor.user_id),
            ..NewAppointmentEvent::new(id, now, kind, Party::Practice)
        };
        let times = (detail.starts_at, detail.ends_at);
        let change = AppointmentChange::status(detail.clinician_id, detail.status, outcome.status, times, event);
        let entry = self.app.actor_event(
            actor,
            Some(detail.practice_id),
            kind.as_str(),
            "appointment",
            id.to_string(),
            outcome::ALLOWED,
        );
        self.change_with_entry(&change, entry).await
    }

    /// Emails the appointment's clients (or the visitor who booked it) about
    /// a change the practice made. Discreet unless the visitor chose otherwise.
    pub(crate) async fn tell_client(&self, detail: &AppointmentDetail, news: ClientNews) -> Result<(), AppError> {
        let booking = self.app.store.booking(detail.id).await?;
        let practice = self.app.store.practice(detail.practice_id).await?.ok_or(AppError::NotFound)?;
        let discreet = booking.as_ref().is_none_or(|b| b.request.discreet_email);
        let practice_name = MailName::of(&practice, discreet);
        let zone = match &booking {
            Some(b) => b.request.visitor_time_zone.zone().clone(),
            None => self.practice_zone(detail.practice_id).await?,
        };
        let mut recipients: Vec<(String, String)> =
            detail.clients.iter().map(|c| (c.name.clone(), c.email.to_string())).collect();
        if recipients.is_empty()
            && let Some(b) = &booking
        {
            recipients.push((b.request.name.clone(), b.request.email.to_string()));
        }
        let (what, line, manage_link) = match news {
            ClientNews::Cancelled => (
                "cancelled",
                format!(
                    "Your appointment on {} has been cancelled by the practice. Please contact us if you would like another time.",
                    local_time(detail.starts_at, &zone)
                ),
                None,
            ),
            ClientNews::Moved { from } => (
                "moved",
                format!(
                    "Your appointment on {} has been moved to {} ({}).",
                    local_time(from, &zone),
                    local_time(detail.starts_at, &zone),
                    detail.format.label(),
                ),
                Some(self.appointment_manage_link(detail.id).await?),
            ),
            ClientNews::Added { ref starts } => (
                "added",
                added_line(starts, &zone, detail.format.label()),
                Some(self.appointment_manage_link(detail.id).await?),
            ),
        };
        let subject = practice_name.subject(&match &news {
            ClientNews::Added { starts } if starts.len() > 1 => "New appointments for you".to_string(),
            ClientNews::Added { .. } => "A new appointment for you".to_string(),
            _ => format!("Your appointment has been {what}"),
        });
        for (name, email) in recipients {
            let mut letter = Letter::to(Some(&name)).paragraph(line.clone());
            if let Some(link) = &manage_link {
                let label = match &news {
                    ClientNews::Added { starts } if starts.len() > 1 => "See, cancel or move the first one",
                    _ => "See, cancel or move it",
                };
                letter = letter.link(label, link);
            }
            let letter = letter.signed(practice_name.sender());
            self.app.send_mail(letter.mail(email, subject.clone()).from_name(practice_name.sender())).await;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub(crate) enum ClientNews {
    Cancelled,
    Moved {
        from: Timestamp,
    },
    /// The practice booked sessions for the client: their starts, in order.
    Added {
        starts: Vec<Timestamp>,
    },
}

/// How many added sessions an email lists before saying how many more.
const ADDED_LISTED: usize = 4;

/// "The practice added appointments for you: …", the first few listed.
fn added_line(starts: &[Timestamp], zone: &TimeZone, format: &str) -> String {
    let listed: Vec<String> = starts.iter().take(ADDED_LISTED).map(|s| local_time(*s, zone)).collect();
    let more = starts.len().saturating_sub(ADDED_LISTED);
    match (starts.len(), more) {
        (1, _) => format!("The practice added an appointment for you on {} ({format}).", listed.join("")),
        (_, 0) => {
            format!("The practice added {} appointments for you ({format}): {}.", starts.len(), listed.join("; "))
        }
        (n, more) => {
            format!("The practice added {n} appointments for you ({format}): {}; and {more} more.", listed.join("; "))
        }
    }
}

/// How the status of an appointment reads in its history, for pages.
pub fn event_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Confirmed => "Confirmed",
        EventKind::Declined => "Declined",
        EventKind::Cancelled => "Cancelled",
        EventKind::Rescheduled => "Moved",
        EventKind::Completed => "Marked as held",
        EventKind::NoShow => "Marked as missed",
    }
}
