//! The directory's use cases: a therapist's public profile (checked against
//! the reference data, offices placed on the map from their ZIP code), and
//! the licences and certifications that decide whether it is listed.
//! Verification is recorded by an owner or admin, never by the therapist.
use jiff::civil::Date;
use sensate_domain::FieldErrors;
use sensate_domain::directory::reference::{Reference, reference};
use sensate_domain::directory::search::Listing;
use sensate_domain::policy::{Action, Decision, Resource, decide};
use sensate_domain::{CredentialId, PracticeId, Role, UserId};
use sensate_store::{
    CertificationRecord, DirectoryProfileRecord, LicenceRecord, OfficeRecord, PhotoRecord, TherapistProfile,
    Verification,
};

use crate::audit::outcome;
use crate::directory::photos;
use crate::money;
use crate::{Actor, AppError};

/// Longest free texts, in characters.
const HEADLINE_MAX: usize = 140;
const APPROACH_MAX: usize = 3_000;
const SHORT_MAX: usize = 120;
const OFFICES_MAX: usize = 5;

/// An office as typed.
#[derive(Debug, Clone, Default)]
pub struct OfficeInput {
    pub label: String,
    pub address: String,
    pub postal_code: String,
    pub accessibility: String,
}

/// The profile form, as typed.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub pronouns: String,
    pub credentials: String,
    pub headline: String,
    pub approach: String,
    pub gender: String,
    pub sees_individuals: bool,
    pub sees_couples: bool,
    pub affirming_lgbtq: bool,
    pub kink_aware: bool,
    pub cnm_affirming: bool,
    pub offers_in_person: bool,
    pub offers_telehealth: bool,
    pub accepting_new_clients: bool,
    /// Dollars, as typed ("150", "150.00"); empty for none.
    pub min_fee: String,
    pub sliding_scale: bool,
    pub free_consultation: bool,
    pub superbill: bool,
    pub concerns: Vec<String>,
    pub languages: Vec<String>,
    pub payers: Vec<String>,
    pub offices: Vec<OfficeInput>,
}

impl From<&DirectoryProfileRecord> for ProfileInput {
    /// The saved profile, as the form shows it for editing.
    fn from(record: &DirectoryProfileRecord) -> Self {
        let fee = record.min_fee_cents.map(money::cents_as_typed);
        ProfileInput {
            pronouns: record.profile.pronouns.clone(),
            credentials: record.profile.credentials.clone(),
            headline: record.profile.headline.clone(),
            approach: record.profile.approach.clone(),
            gender: record.gender.clone(),
            sees_individuals: record.sees_individuals,
            sees_couples: record.sees_couples,
            affirming_lgbtq: record.affirming_lgbtq,
            kink_aware: record.kink_aware,
            cnm_affirming: record.cnm_affirming,
            offers_in_person: record.profile.offers_in_person,
            offers_telehealth: record.profile.offers_telehealth,
            accepting_new_clients: record.profile.accepting_new_clients,
            min_fee: fee.unwrap_or_default(),
            sliding_scale: record.sliding_scale,
            free_consultation: record.free_consultation,
            superbill: record.superbill,
            concerns: record.concerns.clone(),
            languages: record.language_codes.clone(),
            payers: record.payers.clone(),
            offices: record
                .offices
                .iter()
                .map(|o| OfficeInput {
                    label: o.label.clone(),
                    address: o.address.clone(),
                    postal_code: o.postal_code.clone(),
                    accessibility: o.accessibility.clone(),
                })
                .collect(),
        }
    }
}

/// A licence or certification as typed.
#[derive(Debug, Clone, Default)]
pub struct CredentialInput {
    /// Licence type slug, or certifying body slug.
    pub kind: String,
    pub number: String,
    /// Jurisdiction id such as `US-NY` (licences only).
    pub jurisdiction: String,
    /// `YYYY-MM-DD`; optional for certifications.
    pub expires_on: String,
}

fn text(errors: &mut FieldErrors, field: &'static str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.chars().count() > max {
        errors.add(field, format!("Use at most {max} characters."));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        errors.add(field, "Remove control characters.");
    }
    value.to_string()
}

/// Keeps the known values, sorted and without repeats; names the unknown ones.
fn known(
    errors: &mut FieldErrors,
    field: &'static str,
    values: &[String],
    exists: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut kept: Vec<String> = values.iter().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
    kept.sort();
    kept.dedup();
    if let Some(unknown) = kept.iter().find(|v| !exists(v)) {
        errors.add(field, format!("“{unknown}” is not on the list; choose from the options shown."));
    }
    kept
}

fn date(errors: &mut FieldErrors, field: &'static str, value: &str, required: bool) -> Option<Date> {
    let value = value.trim();
    if value.is_empty() {
        if required {
            errors.add(field, "Enter the expiry date, as on the licence.");
        }
        return None;
    }
    match value.parse::<Date>() {
        Ok(date) => Some(date),
        Err(_) => {
            errors.add(field, "Enter the date as YYYY-MM-DD, for example 2027-06-30.");
            None
        }
    }
}

fn catalogue() -> Result<&'static Reference, AppError> {
    reference().map_err(|e| AppError::Internal(format!("reference data: {e}")))
}

/// What the profile editor shows about one therapist.
#[derive(Debug, Clone)]
pub struct ProfileEditor {
    pub user: UserId,
    pub display_name: String,
    /// The saved profile; `None` until the first save.
    pub record: Option<DirectoryProfileRecord>,
    pub listing: Listing,
    /// The person looking may record verifications (an owner or admin, not the therapist).
    pub may_verify: bool,
    pub photo: Option<PhotoStamp>,
}

/// That a photo exists, and its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoStamp {
    pub width: u32,
    pub height: u32,
}

/// One therapist of the practice, as the directory overview lists them.
#[derive(Debug, Clone)]
pub struct TherapistListing {
    pub user: UserId,
    pub display_name: String,
    pub has_profile: bool,
    pub listing: Listing,
    /// Credentials nobody has verified yet.
    pub awaiting: Vec<AwaitingCredential>,
}

#[derive(Debug, Clone)]
pub struct AwaitingCredential {
    pub id: CredentialId,
    /// E.g. "LMFT, New York, no. NY-123, valid through 2027-06-30".
    pub description: String,
}

/// Licences and certifications in words, from the reference data.
pub fn describe_licence(reference: &Reference, licence: &LicenceRecord) -> String {
    let kind = reference.licence_type(&licence.licence_type).map_or(licence.licence_type.as_str(), |t| t.name.as_str());
    let place =
        reference.jurisdiction(&licence.jurisdiction).map_or(licence.jurisdiction.as_str(), |j| j.name.as_str());
    format!("{kind}, {place}, no. {}, valid through {}", licence.number, licence.expires_on)
}

pub fn describe_certification(reference: &Reference, certification: &CertificationRecord) -> String {
    let body = reference.certifying_body(&certification.body).map_or(certification.body.as_str(), |b| b.name.as_str());
    let id = if certification.credential_id.is_empty() {
        String::new()
    } else {
        format!(", no. {}", certification.credential_id)
    };
    match certification.expires_on {
        Some(date) => format!("{body}{id}, valid through {date}"),
        None => format!("{body}{id}"),
    }
}

impl super::Directory<'_> {
    /// The therapist's account in the actor's practice, as a policy resource.
    async fn therapist_resource(&self, actor: &Actor, user: UserId, action: Action) -> Result<PracticeId, AppError> {
        let (practice, resource) = self.therapist_account(actor, user, "edit_profile").await?;
        self.app.authorize(actor, action, &resource, ("user", user.to_string())).await?;
        Ok(practice)
    }

    /// Someone outside the actor's practice is reported as unknown (and the
    /// attempt audited), not as forbidden.
    pub(crate) async fn therapist_account(
        &self,
        actor: &Actor,
        user: UserId,
        attempted: &str,
    ) -> Result<(PracticeId, Resource), AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        let roles = self.app.store.roles_in(practice, user).await?;
        if roles.is_empty() {
            self.app.audit_actor(actor, Some(practice), attempted, "user", user.to_string(), outcome::DENIED).await?;
            return Err(AppError::NotFound);
        }
        Ok((practice, Resource::Account { practice, user, roles }))
    }

    /// Everything the profile editor shows: the saved profile (or none yet),
    /// whether it is listed and why not, and whether the viewer may verify.
    pub async fn profile_editor(&self, actor: &Actor, user: UserId) -> Result<ProfileEditor, AppError> {
        let (practice, resource) = self.therapist_account(actor, user, "edit_profile").await?;
        self.app.authorize(actor, Action::EditTherapistProfile, &resource, ("user", user.to_string())).await?;
        let record = self.app.store.directory_profile(user).await?;
        let display_name = self.app.store.user(user).await?.map(|u| u.display_name).unwrap_or_default();
        let listing = record.as_ref().map_or(Listing::NoLicence, |r| self.listing(r));
        let may_verify = decide(&actor.facts(), Action::VerifyCredential, &resource) == Decision::Allow;
        let photo = self.app.store.profile_photo(user).await?.map(|p| PhotoStamp { width: p.width, height: p.height });
        self.app
            .audit_actor(actor, Some(practice), "view_profile_editor", "user", user.to_string(), outcome::ALLOWED)
            .await?;
        Ok(ProfileEditor { user, display_name, record, listing, may_verify, photo })
    }

    /// Every therapist of the practice with their listing status and the
    /// credentials waiting for someone to verify them.
    pub async fn directory_overview(&self, actor: &Actor) -> Result<Vec<TherapistListing>, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::ManageDirectory).await?;
        let reference = catalogue()?;
        let mut therapists = Vec::new();
        for person in self.app.store.people(practice).await? {
            if !person.roles.contains(&Role::Clinician) || person.disabled {
                continue;
            }
            let record = self.app.store.directory_profile(person.id).await?;
            let listing = record.as_ref().map_or(Listing::NoLicence, |r| self.listing(r));
            let mut awaiting = Vec::new();
            if let Some(record) = &record {
                for licence in record.licences.iter().filter(|l| l.verification.is_none()) {
                    awaiting
                        .push(AwaitingCredential { id: licence.id, description: describe_licence(reference, licence) });
                }
                for cert in record.certifications.iter().filter(|c| c.verification.is_none()) {
                    awaiting
                        .push(AwaitingCredential { id: cert.id, description: describe_certification(reference, cert) });
                }
            }
            therapists.push(TherapistListing {
                user: person.id,
                display_name: person.display_name,
                has_profile: record.is_some(),
                listing,
                awaiting,
            });
        }
        self.app
            .audit_actor(
                actor,
                Some(practice),
                "view_directory_overview",
                "practice",
                practice.to_string(),
                outcome::ALLOWED,
            )
            .await?;
        Ok(therapists)
    }

    /// Removes a licence or certification entered by mistake or no longer held.
    pub async fn remove_credential(
        &self,
        actor: &Actor,
        user: UserId,
        credential: CredentialId,
    ) -> Result<(), AppError> {
        let practice = self.therapist_resource(actor, user, Action::EditTherapistProfile).await?;
        let uow = self.app.store.begin_write().await?;
        if !uow.remove_credential(practice, user, credential).await? {
            return Err(AppError::NotFound);
        }
        let id = credential.to_string();
        uow.audit(self.app.actor_event(actor, Some(practice), "remove_credential", "credential", id, outcome::ALLOWED));
        Ok(uow.commit().await?)
    }

    /// Replaces the therapist's photo with a fresh encoding of the upload
    /// (see [`crate::directory::photos`]). A file that is not a usable PNG or JPEG is
    /// refused with a reason and changes nothing.
    pub async fn save_profile_photo(&self, actor: &Actor, user: UserId, upload: Vec<u8>) -> Result<(), AppError> {
        let practice = self.therapist_resource(actor, user, Action::EditTherapistProfile).await?;
        let encoded = tokio::task::spawn_blocking(move || photos::reencode(&upload))
            .await
            .map_err(|e| AppError::Internal(format!("photo encoding stopped: {e}")))?;
        let photo = match encoded {
            Ok(photo) => photo,
            Err(problem) => {
                let mut errors = FieldErrors::new();
                errors.add("photo", problem.message());
                return Err(AppError::Invalid(errors));
            }
        };
        let uow = self.app.store.begin_write().await?;
        uow.save_profile_photo(&PhotoRecord {
            user_id: user,
            image: photo.jpeg,
            width: photo.width,
            height: photo.height,
            updated_at: self.app.now(),
        })
        .await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "edit_photo",
            "user",
            user.to_string(),
            outcome::ALLOWED,
        ));
        Ok(uow.commit().await?)
    }

    pub async fn remove_profile_photo(&self, actor: &Actor, user: UserId) -> Result<(), AppError> {
        let practice = self.therapist_resource(actor, user, Action::EditTherapistProfile).await?;
        let uow = self.app.store.begin_write().await?;
        uow.remove_profile_photo(user).await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "remove_photo",
            "user",
            user.to_string(),
            outcome::ALLOWED,
        ));
        Ok(uow.commit().await?)
    }

    /// The therapist's photo (JPEG) for their profile editor, listed or not.
    pub async fn editor_photo(&self, actor: &Actor, user: UserId) -> Result<Option<Vec<u8>>, AppError> {
        self.therapist_resource(actor, user, Action::EditTherapistProfile).await?;
        Ok(self.app.store.profile_photo(user).await?.map(|p| p.image))
    }

    /// A listed therapist's photo (JPEG) for the public directory; `None`
    /// when there is none or the therapist is not listed.
    pub async fn listed_photo(&self, user: UserId) -> Result<Option<Vec<u8>>, AppError> {
        if self.listed_profile(user).await?.is_none() {
            return Ok(None);
        }
        Ok(self.app.store.profile_photo(user).await?.map(|p| p.image))
    }

    /// Checks and saves a therapist's profile. Every list value must exist
    /// in the reference data; each office's ZIP code places it on the map.
    pub async fn save_therapist_profile(
        &self,
        actor: &Actor,
        user: UserId,
        input: &ProfileInput,
    ) -> Result<(), AppError> {
        let practice = self.therapist_resource(actor, user, Action::EditTherapistProfile).await?;
        let reference = catalogue()?;
        let mut errors = FieldErrors::new();
        let pronouns = text(&mut errors, "pronouns", &input.pronouns, 40);
        let credentials = text(&mut errors, "credentials", &input.credentials, SHORT_MAX);
        let headline = text(&mut errors, "headline", &input.headline, HEADLINE_MAX);
        let approach = text(&mut errors, "approach", &input.approach, APPROACH_MAX);
        let gender = text(&mut errors, "gender", &input.gender, 60);
        let min_fee_cents = money::dollars_to_cents(&mut errors, "min_fee", &input.min_fee);
        let concerns = known(&mut errors, "concerns", &input.concerns, |s| reference.concern(s).is_some());
        let languages = known(&mut errors, "languages", &input.languages, |s| reference.language(s).is_some());
        let payers = known(&mut errors, "payers", &input.payers, |s| reference.payer(s).is_some());
        if !input.sees_individuals && !input.sees_couples {
            errors.add("sees_individuals", "Choose whom you see: individuals, couples, or both.");
        }
        if input.offers_in_person && input.offices.iter().all(|o| o.postal_code.trim().is_empty()) {
            errors.add("offices", "Add the office where you see clients in person, or untick in-person sessions.");
        }
        if input.offices.len() > OFFICES_MAX {
            errors.add("offices", format!("List at most {OFFICES_MAX} offices."));
        }
        let mut offices = Vec::new();
        for office in input.offices.iter().filter(|o| !o.postal_code.trim().is_empty()) {
            let label = text(&mut errors, "offices", &office.label, 60);
            let address = text(&mut errors, "offices", &office.address, 200);
            let accessibility = text(&mut errors, "offices", &office.accessibility, 300);
            match reference.postal(&office.postal_code) {
                Some(place) => offices.push(OfficeRecord {
                    id: sensate_domain::OfficeId::new(),
                    label: if label.is_empty() { place.city.clone() } else { label },
                    address,
                    postal_code: place.zip.clone(),
                    lat: place.lat,
                    lon: place.lon,
                    accessibility,
                }),
                None => errors.add("offices", format!("The ZIP code {} was not found.", office.postal_code.trim())),
            }
        }
        AppError::invalid_if_any(errors)?;

        let existing = self.app.store.directory_profile(user).await?;
        let display_name = self.app.store.user(user).await?.map(|u| u.display_name).unwrap_or_default();
        let record = DirectoryProfileRecord {
            profile: TherapistProfile {
                user_id: user,
                practice_id: practice,
                display_name,
                pronouns,
                credentials,
                headline,
                approach,
                languages: languages
                    .iter()
                    .filter_map(|code| reference.language(code).map(|l| l.name.clone()))
                    .collect::<Vec<_>>()
                    .join(", "),
                offers_in_person: input.offers_in_person,
                offers_telehealth: input.offers_telehealth,
                accepting_new_clients: input.accepting_new_clients,
            },
            gender,
            sees_individuals: input.sees_individuals,
            sees_couples: input.sees_couples,
            affirming_lgbtq: input.affirming_lgbtq,
            kink_aware: input.kink_aware,
            cnm_affirming: input.cnm_affirming,
            min_fee_cents,
            sliding_scale: input.sliding_scale,
            free_consultation: input.free_consultation,
            superbill: input.superbill,
            concerns,
            language_codes: languages,
            payers,
            offices,
            licences: existing.as_ref().map(|e| e.licences.clone()).unwrap_or_default(),
            certifications: existing.map(|e| e.certifications).unwrap_or_default(),
        };
        let uow = self.app.store.begin_write().await?;
        uow.save_directory_profile(&record, self.app.now()).await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "edit_profile",
            "user",
            user.to_string(),
            outcome::ALLOWED,
        ));
        Ok(uow.commit().await?)
    }

    /// Credentials belong to a profile: it must have been saved once.
    async fn require_profile(&self, errors: &mut FieldErrors, user: UserId) -> Result<(), AppError> {
        if self.app.store.directory_profile(user).await?.is_none() {
            errors.add("kind", "Save the profile first; then add licences and certifications.");
        }
        Ok(())
    }

    /// Adds a licence; it counts for the directory once someone verifies it.
    pub async fn add_licence(
        &self,
        actor: &Actor,
        user: UserId,
        input: &CredentialInput,
    ) -> Result<CredentialId, AppError> {
        let practice = self.therapist_resource(actor, user, Action::EditTherapistProfile).await?;
        let reference = catalogue()?;
        let mut errors = FieldErrors::new();
        self.require_profile(&mut errors, user).await?;
        if reference.licence_type(input.kind.trim()).is_none() {
            errors.add("kind", "Choose the licence type from the list.");
        }
        let number = text(&mut errors, "number", &input.number, 60);
        if number.is_empty() {
            errors.add("number", "Enter the licence number, as the board lists it.");
        }
        if reference.jurisdiction(input.jurisdiction.trim()).is_none() {
            errors.add("jurisdiction", "Choose the state that issued the licence.");
        }
        let expires_on = date(&mut errors, "expires_on", &input.expires_on, true);
        AppError::invalid_if_any(errors)?;
        let expires_on = expires_on.ok_or_else(|| AppError::Internal("validated date missing".into()))?;
        let id = CredentialId::new();
        let uow = self.app.store.begin_write().await?;
        uow.insert_licence(&LicenceRecord {
            id,
            user_id: user,
            practice_id: practice,
            licence_type: input.kind.trim().to_string(),
            number,
            jurisdiction: input.jurisdiction.trim().to_string(),
            expires_on,
            verification: None,
        })
        .await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "add_licence",
            "licence",
            id.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        Ok(id)
    }

    pub async fn add_certification(
        &self,
        actor: &Actor,
        user: UserId,
        input: &CredentialInput,
    ) -> Result<CredentialId, AppError> {
        let practice = self.therapist_resource(actor, user, Action::EditTherapistProfile).await?;
        let reference = catalogue()?;
        let mut errors = FieldErrors::new();
        self.require_profile(&mut errors, user).await?;
        if reference.certifying_body(input.kind.trim()).is_none() {
            errors.add("kind", "Choose the certifying body from the list.");
        }
        let number = text(&mut errors, "number", &input.number, 60);
        let expires_on = date(&mut errors, "expires_on", &input.expires_on, false);
        AppError::invalid_if_any(errors)?;
        let id = CredentialId::new();
        let uow = self.app.store.begin_write().await?;
        uow.insert_certification(&CertificationRecord {
            id,
            user_id: user,
            practice_id: practice,
            body: input.kind.trim().to_string(),
            credential_id: number,
            expires_on,
            verification: None,
        })
        .await?;
        let entry = self.app.actor_event(
            actor,
            Some(practice),
            "add_certification",
            "certification",
            id.to_string(),
            outcome::ALLOWED,
        );
        uow.audit(entry);
        uow.commit().await?;
        Ok(id)
    }

    /// Records that an owner or admin checked a licence (or certification)
    /// with its issuer, and how.
    pub async fn verify_credential(
        &self,
        actor: &Actor,
        user: UserId,
        credential: CredentialId,
        method: &str,
    ) -> Result<(), AppError> {
        let practice = self.therapist_resource(actor, user, Action::VerifyCredential).await?;
        let mut errors = FieldErrors::new();
        let method = text(&mut errors, "method", method, 200);
        if method.is_empty() {
            errors.add("method", "Say how you checked it, for example “State board online register”.");
        }
        AppError::invalid_if_any(errors)?;
        let uow = self.app.store.begin_write().await?;
        let profile = uow.directory_profile(user).await?.ok_or(AppError::NotFound)?;
        let verification = Verification { at: self.app.now(), by: actor.user_id, method };
        let verified = if profile.licences.iter().any(|l| l.id == credential) {
            uow.verify_licence(practice, credential, &verification).await?
        } else if profile.certifications.iter().any(|c| c.id == credential) {
            uow.verify_certification(practice, credential, &verification).await?
        } else {
            false
        };
        if !verified {
            return Err(AppError::NotFound);
        }
        let id = credential.to_string();
        uow.audit(self.app.actor_event(actor, Some(practice), "verify_credential", "credential", id, outcome::ALLOWED));
        Ok(uow.commit().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_fee_reads_back_as_typed() {
        for typed in ["150", "99.99", "0", "120.50"] {
            let mut errors = FieldErrors::new();
            let cents = money::dollars_to_cents(&mut errors, "min_fee", typed);
            let record = DirectoryProfileRecord { min_fee_cents: cents, ..sample_record() };
            assert_eq!(ProfileInput::from(&record).min_fee, typed);
        }
        let record = DirectoryProfileRecord { min_fee_cents: None, ..sample_record() };
        assert_eq!(ProfileInput::from(&record).min_fee, "");
    }

    fn sample_record() -> DirectoryProfileRecord {
        DirectoryProfileRecord {
            profile: TherapistProfile {
                user_id: UserId::new(),
                practice_id: PracticeId::new(),
                display_name: "Dana".into(),
                pronouns: String::new(),
                credentials: String::new(),
                headline: String::new(),
                approach: String::new(),
                languages: String::new(),
                offers_in_person: false,
                offers_telehealth: true,
                accepting_new_clients: true,
            },
            gender: String::new(),
            sees_individuals: true,
            sees_couples: false,
            affirming_lgbtq: false,
            kink_aware: false,
            cnm_affirming: false,
            min_fee_cents: None,
            sliding_scale: false,
            free_consultation: false,
            superbill: false,
            concerns: vec![],
            language_codes: vec![],
            payers: vec![],
            offices: vec![],
            licences: vec![],
            certifications: vec![],
        }
    }

    #[test]
    fn list_values_must_be_known() {
        let mut errors = FieldErrors::new();
        let kept = known(&mut errors, "payers", &["b".into(), "a".into(), "a".into(), " ".into()], |_| true);
        assert_eq!(kept, vec!["a", "b"]);
        let mut errors = FieldErrors::new();
        known(&mut errors, "payers", &["made-up".into()], |_| false);
        assert!(errors.get("payers").unwrap().contains("made-up"));
    }
}
