//! The practice's people and settings, for owners and administrators.
use sensate_domain::discretion::SenderName;
use sensate_domain::policy::{Action, Resource};
use sensate_domain::{FieldErrors, PracticeId, PracticeName, Role, TimeZoneName, UserId};
pub use sensate_store::PersonRecord;
use sensate_store::PracticeRecord;

use crate::audit::outcome;
use crate::{Actor, AppError};

/// The settings form, as typed.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub name: String,
    pub time_zone: String,
    pub address: String,
    pub contact_email: String,
    pub phone: String,
    /// Reminder emails may say what the appointment is (opt-in).
    pub reminders_name_service: bool,
    /// The name discreet emails are sent under; may be left empty.
    pub sender_name: String,
    /// Hours before a session until which clients may cancel or move it online.
    pub cancellation_notice_hours: String,
}

/// The longest cancellation notice a practice may ask for: two weeks.
pub const MAX_NOTICE_HOURS: u32 = 14 * 24;

fn optional_text(errors: &mut FieldErrors, field: &'static str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.chars().count() > max {
        errors.add(field, format!("Use at most {max} characters."));
    }
    value.to_string()
}

impl super::Practice<'_> {
    /// Everyone with a role in the practice (names and emails: audited).
    pub async fn people(&self, actor: &Actor) -> Result<Vec<PersonRecord>, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::ViewPracticeOverview).await?;
        let people = self.app.store.people(practice).await?;
        self.app
            .audit_actor(actor, Some(practice), "view_people", "practice", practice.to_string(), outcome::ALLOWED)
            .await?;
        Ok(people)
    }

    /// Disables or re-enables a person's roles in the actor's practice: at
    /// once, the person has no role here (and sees nothing of it). The
    /// account itself is disabled — sign-in refused, every session ended —
    /// only when this practice is the only one where it has an enabled
    /// role; a person with roles elsewhere keeps them. Re-enabling undoes
    /// the same.
    pub async fn set_account_disabled(&self, actor: &Actor, user: UserId, disabled: bool) -> Result<(), AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        let uow = self.app.store.begin_write().await?;
        let roles = uow.roles_in(practice, user).await?;
        if roles.is_empty() {
            // Unknown here, or of another practice: the same answer.
            return Err(self
                .app
                .not_found_in(uow, actor, Some(practice), "disable_account", ("user", user.to_string()))
                .await);
        }
        let resource = Resource::Account { practice, user, roles };
        let uow =
            self.app.authorize_in(uow, actor, Action::DisableAccount, &resource, ("user", user.to_string())).await?;
        let at = disabled.then(|| self.app.now());
        uow.set_membership_disabled(practice, user, at).await?;
        if uow.other_practices(practice, user).await? == 0 {
            uow.set_disabled(user, at).await?;
        }
        let action = if disabled { "disable_account" } else { "enable_account" };
        uow.audit(self.app.actor_event(actor, Some(practice), action, "user", user.to_string(), outcome::ALLOWED));
        uow.commit().await?;
        if disabled {
            self.tell_front_desk_of_waiting_requests(practice, user).await?;
        }
        Ok(())
    }

    /// A therapist who no longer works here may leave booking requests
    /// waiting: the owners and administrators are told (an email saying
    /// how many, nothing about who asked), and answer them on their
    /// requests page.
    async fn tell_front_desk_of_waiting_requests(
        &self,
        practice: PracticeId,
        clinician: UserId,
    ) -> Result<(), AppError> {
        let waiting = self.app.store.count_booking_requests_for(clinician, self.app.now()).await?;
        if waiting == 0 {
            return Ok(());
        }
        let people = self.app.store.people(practice).await?;
        let Some(settings) = self.app.store.practice(practice).await? else { return Ok(()) };
        let sender = crate::mail::MailName::of(&settings, true);
        let requests =
            if waiting == 1 { "1 booking request was".to_string() } else { format!("{waiting} booking requests were") };
        let link = format!("{}/requests", self.app.config.base_url);
        for person in
            people.iter().filter(|p| !p.disabled && p.roles.iter().any(|r| matches!(r, Role::Owner | Role::Admin)))
        {
            // No names: the requests page says whose they were.
            let letter = crate::mail::Letter::to(Some(&person.display_name))
                .paragraph(format!(
                    "{requests} waiting for an answer from someone whose account in the practice is now \
                     disabled. Please answer them, so that nobody waits in vain."
                ))
                .link("Answer the requests", &link)
                .signed(sender.sender());
            self.app
                .send_mail(
                    letter
                        .mail(person.email.to_string(), "Booking requests need an answer".to_string())
                        .from_name(sender.sender()),
                )
                .await;
        }
        Ok(())
    }

    pub async fn practice_settings(&self, actor: &Actor) -> Result<PracticeRecord, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::EditPracticeSettings).await?;
        self.app.store.practice(practice).await?.ok_or(AppError::NotFound)
    }

    pub async fn update_practice_settings(&self, actor: &Actor, input: &SettingsInput) -> Result<(), AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::EditPracticeSettings).await?;
        let mut errors = FieldErrors::new();
        let name = errors.check("name", PracticeName::parse(&input.name));
        let zone = errors.check("time_zone", TimeZoneName::parse(&input.time_zone));
        let address = optional_text(&mut errors, "address", &input.address, 300);
        let contact_email = optional_text(&mut errors, "contact_email", &input.contact_email, 254);
        if !contact_email.is_empty() && sensate_domain::Email::parse(&contact_email).is_err() {
            errors.add("contact_email", "Enter an email address like name@example.org, or leave it empty.");
        }
        let phone = optional_text(&mut errors, "phone", &input.phone, 40);
        let sender_name = match input.sender_name.trim() {
            "" => String::new(),
            typed => errors
                .check("sender_name", SenderName::parse(typed))
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
        };
        let notice = match input.cancellation_notice_hours.trim() {
            "" => Some(24),
            text => text.parse::<u32>().ok().filter(|h| *h <= MAX_NOTICE_HOURS),
        };
        if notice.is_none() {
            errors.add(
                "cancellation_notice_hours",
                format!("Enter a whole number of hours from 0 to {MAX_NOTICE_HOURS} (two weeks)."),
            );
        }
        AppError::invalid_if_any(errors)?;
        let (Some(name), Some(zone), Some(notice)) = (name, zone, notice) else {
            return Err(AppError::Internal("validated settings missing".into()));
        };
        let record = PracticeRecord {
            id: practice,
            name: name.as_str().to_string(),
            time_zone: zone.clone(),
            address,
            contact_email,
            phone,
            reminders_name_service: input.reminders_name_service,
            sender_name,
        };
        let uow = self.app.store.begin_write().await?;
        uow.update_practice_settings(&record, notice).await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "edit_settings",
            "practice",
            practice.to_string(),
            outcome::ALLOWED,
        ));
        Ok(uow.commit().await?)
    }
}
