//! Client records that hold health information: a client's contact
//! preferences and a therapist's private notes. Text is encrypted before it
//! reaches the store, bound to its table, column and row; every read and
//! write is authorized by the policy and audited.
use sensate_domain::policy::{Action, Resource};
use sensate_domain::{ClientProfileId, PracticeId, UserId};

use sensate_store::{ClientProfile, UnitOfWork};

use crate::audit::outcome;
use crate::infra::crypto::Binding;
use crate::{Actor, AppError};

/// Longest contact-preferences text and note, in characters.
pub const CONTACT_MAX_CHARS: usize = 1_000;
pub const NOTE_MAX_CHARS: usize = 20_000;

#[derive(Debug, Clone)]
pub struct ClientSummary {
    pub id: UserId,
    pub name: String,
}

/// What a therapist sees of a client.
#[derive(Debug, Clone)]
pub struct ClientRecordView {
    pub id: UserId,
    pub name: String,
    /// `None` when not yet given.
    pub contact_preferences: Option<String>,
    /// The client's coming sessions with this practice, soonest first.
    pub upcoming: Vec<sensate_store::AppointmentView>,
    /// The other people of the client's couple cases here, by name.
    pub partners: Vec<String>,
    /// The actor's own notes, newest first: (written at, text).
    pub my_notes: Vec<(jiff::Timestamp, String)>,
    pub can_write_notes: bool,
    /// What the client wrote when they booked online with the actor, newest
    /// first; only for their clinician (who read it on the request).
    pub when_booking: Vec<WhenBooking>,
    /// The client's cases here, newest first; for staff only (a client's
    /// own page does not lead into the practice's case pages).
    pub cases: Vec<sensate_store::CaseSummary>,
}

/// What a client wrote on an online booking request.
#[derive(Debug, Clone)]
pub struct WhenBooking {
    pub at: jiff::Timestamp,
    /// A concern's slug (reference data), or empty when not said.
    pub concern: String,
    pub message: String,
}

/// How many coming sessions a client's page lists.
const UPCOMING_SESSIONS: i64 = 10;

/// Contact preferences are sealed to their profile's row (its id, as text).
fn contact_binding(profile: &str) -> Binding<'_> {
    Binding::new("client_profiles", "contact_preferences", profile)
}

fn bounded(field: &'static str, text: &str, max: usize) -> Result<String, AppError> {
    let text = text.trim();
    let mut errors = sensate_domain::FieldErrors::new();
    if text.chars().count() > max {
        errors.add(field, format!("Use at most {max} characters."));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.add(field, "Remove control characters.");
    }
    AppError::invalid_if_any(errors)?;
    Ok(text.to_string())
}

impl Clients<'_> {
    /// The facts about a client of the actor's practice; `NotFound` (audited)
    /// when the person is not a client there, so ids of other practices
    /// reveal nothing.
    async fn client_resource(
        &self,
        actor: &Actor,
        client: UserId,
        action: &str,
    ) -> Result<(PracticeId, Resource), AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        let Some(facts) = self.app.store.client_facts(practice, client).await? else {
            self.app.audit_actor(actor, Some(practice), action, "client", client.to_string(), outcome::DENIED).await?;
            return Err(AppError::NotFound);
        };
        Ok((practice, Resource::Client { practice, client, clinicians: facts.clinicians, partners: facts.partners }))
    }

    /// Begins a unit of work on a client of the actor's practice: the facts
    /// the policy needs are read in it, and the policy is asked, before
    /// anything is written. Unknown or refused, the attempt is audited.
    async fn client_work(
        &self,
        actor: &Actor,
        client: UserId,
        action: Action,
        audit_action: &str,
    ) -> Result<(Box<dyn UnitOfWork>, PracticeId), AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        let uow = self.app.store.begin_write().await?;
        let Some(facts) = uow.client_facts(practice, client).await? else {
            return Err(self
                .app
                .not_found_in(uow, actor, Some(practice), audit_action, ("client", client.to_string()))
                .await);
        };
        let resource = Resource::Client { practice, client, clinicians: facts.clinicians, partners: facts.partners };
        let uow = self.app.authorize_in(uow, actor, action, &resource, ("client", client.to_string())).await?;
        Ok((uow, practice))
    }

    /// A therapist's clients (open cases).
    pub async fn my_clients(&self, actor: &Actor) -> Result<Vec<ClientSummary>, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::ListOwnClients).await?;
        let clients = self.app.store.clients_of(actor.user_id).await?;
        self.app.audit_actor(actor, Some(practice), "list_clients", "client", "*".into(), outcome::ALLOWED).await?;
        Ok(clients.into_iter().map(|(id, name)| ClientSummary { id, name }).collect())
    }

    pub async fn client_record(&self, actor: &Actor, client: UserId) -> Result<ClientRecordView, AppError> {
        let (practice, resource) = self.client_resource(actor, client, "view_client").await?;
        self.app.authorize(actor, Action::ViewClientContact, &resource, ("client", client.to_string())).await?;
        let name = self.app.store.user(client).await?.map(|u| u.display_name).ok_or(AppError::NotFound)?;
        let contact_preferences = self.contact_preferences_of(practice, client).await?;
        let can_write_notes = sensate_domain::policy::decide(&actor.facts(), Action::WriteClinicalNote, &resource)
            == sensate_domain::policy::Decision::Allow;
        let mut my_notes = Vec::new();
        let mut when_booking = Vec::new();
        if can_write_notes {
            for note in self.app.store.clinical_notes_by(client, actor.user_id).await? {
                let id = note.id.to_string();
                let text = self.app.keys.decrypt(&Binding::new("clinical_notes", "body", &id), &note.body)?;
                my_notes.push((note.created_at, text.expose().to_string()));
            }
            for request in self.app.store.booking_requests_of_client(practice, client, actor.user_id).await? {
                let (concern, message) = self.app.scheduling().booking_reason(&request)?;
                if !concern.is_empty() || !message.is_empty() {
                    when_booking.push(WhenBooking { at: request.request.created_at, concern, message });
                }
            }
        }
        // This practice's sessions only: a client of two practices is seen by each in its own.
        let upcoming =
            self.app.store.upcoming_for_client_in(practice, client, self.app.now(), UPCOMING_SESSIONS).await?;
        // The other members of the client's couple cases here, whether or
        // not a joint session is booked.
        let partner_ids = match &resource {
            Resource::Client { partners, .. } => partners.clone(),
            _ => Vec::new(),
        };
        let mut partners = Vec::new();
        for partner in partner_ids {
            if let Some(user) = self.app.store.user(partner).await? {
                partners.push(user.display_name);
            }
        }
        partners.sort();
        partners.dedup();
        let cases =
            if actor.is_staff_here() { self.app.store.cases_of_client(practice, client).await? } else { Vec::new() };
        self.app
            .audit_actor(actor, Some(practice), "view_client", "client", client.to_string(), outcome::ALLOWED)
            .await?;
        Ok(ClientRecordView {
            id: client,
            name,
            contact_preferences,
            upcoming,
            partners,
            my_notes,
            can_write_notes,
            when_booking,
            cases,
        })
    }

    /// What the client told this practice about contacting them (a client
    /// of two practices tells each its own).
    async fn contact_preferences_of(&self, practice: PracticeId, client: UserId) -> Result<Option<String>, AppError> {
        let Some(ClientProfile { id, contact_preferences: Some(sealed) }) =
            self.app.store.client_profile(practice, client).await?
        else {
            return Ok(None);
        };
        let text = self.app.keys.decrypt(&contact_binding(&id.to_string()), &sealed)?;
        Ok(Some(text.expose().to_string()))
    }

    /// A client's own contact preferences.
    pub async fn my_contact_preferences(&self, actor: &Actor) -> Result<Option<String>, AppError> {
        let (practice, resource) = self.client_resource(actor, actor.user_id, "view_client").await?;
        self.app.authorize(actor, Action::ViewClientContact, &resource, ("client", actor.user_id.to_string())).await?;
        let preferences = self.contact_preferences_of(practice, actor.user_id).await?;
        self.app
            .audit_actor(actor, Some(practice), "view_client", "client", actor.user_id.to_string(), outcome::ALLOWED)
            .await?;
        Ok(preferences)
    }

    pub async fn set_contact_preferences(&self, actor: &Actor, client: UserId, text: &str) -> Result<(), AppError> {
        let (uow, practice) = self.client_work(actor, client, Action::EditClientContact, "edit_contact").await?;
        let text = bounded("contact_preferences", text, CONTACT_MAX_CHARS)?;
        let profile = uow.client_profile(practice, client).await?.map_or_else(ClientProfileId::new, |p| p.id);
        let sealed = self.app.keys.encrypt(&contact_binding(&profile.to_string()), &text)?;
        if !uow.put_client_contact(profile, practice, client, &sealed, self.app.now()).await? {
            let mut errors = sensate_domain::FieldErrors::new();
            errors
                .add("contact_preferences", "These preferences were changed meanwhile; reload the page and try again.");
            return Err(AppError::Invalid(errors));
        }
        let id = client.to_string();
        uow.audit(self.app.actor_event(actor, Some(practice), "edit_contact", "client", id, outcome::ALLOWED));
        Ok(uow.commit().await?)
    }

    pub async fn add_clinical_note(&self, actor: &Actor, client: UserId, text: &str) -> Result<(), AppError> {
        let (uow, practice) = self.client_work(actor, client, Action::WriteClinicalNote, "write_note").await?;
        let text = bounded("note", text, NOTE_MAX_CHARS)?;
        if text.is_empty() {
            let mut errors = sensate_domain::FieldErrors::new();
            errors.add("note", "Write the note before saving it.");
            return Err(AppError::Invalid(errors));
        }
        let id = sensate_domain::NoteId::new();
        let id_text = id.to_string();
        let sealed = self.app.keys.encrypt(&Binding::new("clinical_notes", "body", &id_text), &text)?;
        uow.insert_clinical_note(id, practice, client, actor.user_id, &sealed, self.app.now()).await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "write_note",
            "clinical_note",
            id_text,
            outcome::ALLOWED,
        ));
        Ok(uow.commit().await?)
    }

    /// Re-encrypts every encrypted field under the key ring's current
    /// version (`sensate rotate-key`). Returns how many values changed.
    pub async fn reencrypt_all(&self) -> Result<usize, AppError> {
        let mut changed = 0;
        // A page of values at a time: attached files are megabytes each.
        const PAGE: i64 = 16;
        for column in sensate_store::EncryptedColumn::ALL {
            let (table, field, _) = column.location();
            let mut after = None;
            loop {
                let page = self.app.store.encrypted_values_after(column, after, PAGE).await?;
                let Some((last, _)) = page.last() else { break };
                after = Some(*last);
                for (row, sealed) in page {
                    if self.app.keys.needs_rotation(&sealed) {
                        let id = row.to_string();
                        let fresh = self.app.keys.reencrypt(&Binding::new(table, field, &id), &sealed)?;
                        self.app.store.replace_encrypted(column, row, &fresh).await?;
                        changed += 1;
                    }
                }
            }
        }
        if self.app.reseal_audit_key().await? {
            changed += 1;
        }
        Ok(changed)
    }
}

/// The use cases of clients' contact preferences and private notes, on the app:
/// `app.clients()`.
#[derive(Clone, Copy)]
pub struct Clients<'a> {
    app: &'a crate::App,
}

impl crate::App {
    pub fn clients(&self) -> Clients<'_> {
        Clients { app: self }
    }
}
