//! The directory's use cases: a therapist's public profile (checked against
//! the reference data, offices placed on the map from their ZIP code), and
//! the licences and certifications that decide whether it is listed.
//! Verification is recorded by an owner or admin, never by the therapist.
use jiff::civil::Date;
use sensate_domain::FieldErrors;
use sensate_domain::directory::reference::{Reference, reference};
use sensate_domain::policy::{Action, Resource};
use sensate_domain::{PracticeId, UserId};
use sensate_store::{
    CertificationRecord, DirectoryProfileRecord, LicenceRecord, OfficeRecord, TherapistProfile, Verification,
};

use crate::audit::outcome;
use crate::{Actor, App, AppError};

/// Longest free texts, in characters.
const HEADLINE_MAX: usize = 140;
const APPROACH_MAX: usize = 3_000;
const SHORT_MAX: usize = 120;
/// A session fee above this is almost certainly a typing mistake (cents).
const FEE_MAX_CENTS: i64 = 200_000;
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

/// Dollars as typed → cents.
fn fee_cents(errors: &mut FieldErrors, value: &str) -> Option<i64> {
    let value = value.trim().trim_start_matches('$');
    if value.is_empty() {
        return None;
    }
    let (dollars, cents) = value.split_once('.').unwrap_or((value, "0"));
    let parsed = dollars.parse::<i64>().ok().zip(format!("{cents:0<2}").get(..2).and_then(|c| c.parse::<i64>().ok()));
    match parsed {
        Some((d, c)) if (0..=FEE_MAX_CENTS / 100).contains(&d) && cents.len() <= 2 => Some(d * 100 + c),
        _ => {
            errors.add("min_fee", "Enter the fee in dollars, for example 150 or 150.00 (at most 2,000).");
            None
        }
    }
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

impl App {
    /// The therapist's account in the actor's practice, as a policy resource.
    async fn therapist_resource(&self, actor: &Actor, user: UserId, action: Action) -> Result<PracticeId, AppError> {
        let practice = actor.primary_membership().map(|m| m.practice_id).ok_or(AppError::Forbidden)?;
        let roles = self.store.roles_in(practice, user).await?;
        if roles.is_empty() {
            self.audit_actor(actor, Some(practice), "edit_profile", "user", user.to_string(), outcome::DENIED).await?;
            return Err(AppError::NotFound);
        }
        self.authorize(actor, action, &Resource::Account { practice, user, roles }, ("user", user.to_string())).await?;
        Ok(practice)
    }

    /// What the profile form shows: the saved profile, or an empty one.
    pub async fn therapist_profile(
        &self,
        actor: &Actor,
        user: UserId,
    ) -> Result<Option<DirectoryProfileRecord>, AppError> {
        self.therapist_resource(actor, user, Action::EditTherapistProfile).await?;
        Ok(self.store.directory_profile(user).await?)
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
        let min_fee_cents = fee_cents(&mut errors, &input.min_fee);
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
                    id: uuid::Uuid::now_v7(),
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

        let existing = self.store.directory_profile(user).await?;
        let display_name = self.store.user(user).await?.map(|u| u.display_name).unwrap_or_default();
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
        self.store.save_directory_profile(&record, self.now()).await?;
        self.audit_actor(actor, Some(practice), "edit_profile", "user", user.to_string(), outcome::ALLOWED).await
    }

    /// Adds a licence; it counts for the directory once someone verifies it.
    pub async fn add_licence(
        &self,
        actor: &Actor,
        user: UserId,
        input: &CredentialInput,
    ) -> Result<uuid::Uuid, AppError> {
        let practice = self.therapist_resource(actor, user, Action::EditTherapistProfile).await?;
        let reference = catalogue()?;
        let mut errors = FieldErrors::new();
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
        let id = uuid::Uuid::now_v7();
        self.store
            .insert_licence(&LicenceRecord {
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
        self.audit_actor(actor, Some(practice), "add_licence", "licence", id.to_string(), outcome::ALLOWED).await?;
        Ok(id)
    }

    pub async fn add_certification(
        &self,
        actor: &Actor,
        user: UserId,
        input: &CredentialInput,
    ) -> Result<uuid::Uuid, AppError> {
        let practice = self.therapist_resource(actor, user, Action::EditTherapistProfile).await?;
        let reference = catalogue()?;
        let mut errors = FieldErrors::new();
        if reference.certifying_body(input.kind.trim()).is_none() {
            errors.add("kind", "Choose the certifying body from the list.");
        }
        let number = text(&mut errors, "number", &input.number, 60);
        let expires_on = date(&mut errors, "expires_on", &input.expires_on, false);
        AppError::invalid_if_any(errors)?;
        let id = uuid::Uuid::now_v7();
        self.store
            .insert_certification(&CertificationRecord {
                id,
                user_id: user,
                practice_id: practice,
                body: input.kind.trim().to_string(),
                credential_id: number,
                expires_on,
                verification: None,
            })
            .await?;
        self.audit_actor(actor, Some(practice), "add_certification", "certification", id.to_string(), outcome::ALLOWED)
            .await?;
        Ok(id)
    }

    /// Records that an owner or admin checked a licence (or certification)
    /// with its issuer, and how.
    pub async fn verify_credential(
        &self,
        actor: &Actor,
        user: UserId,
        credential: uuid::Uuid,
        method: &str,
    ) -> Result<(), AppError> {
        let practice = self.therapist_resource(actor, user, Action::VerifyCredential).await?;
        let mut errors = FieldErrors::new();
        let method = text(&mut errors, "method", method, 200);
        if method.is_empty() {
            errors.add("method", "Say how you checked it, for example “State board online register”.");
        }
        AppError::invalid_if_any(errors)?;
        let profile = self.store.directory_profile(user).await?.ok_or(AppError::NotFound)?;
        let verification = Verification { at: self.now(), by: actor.user_id, method };
        let verified = if profile.licences.iter().any(|l| l.id == credential) {
            self.store.verify_licence(practice, credential, &verification).await?
        } else if profile.certifications.iter().any(|c| c.id == credential) {
            self.store.verify_certification(practice, credential, &verification).await?
        } else {
            false
        };
        if !verified {
            return Err(AppError::NotFound);
        }
        self.audit_actor(
            actor,
            Some(practice),
            "verify_credential",
            "credential",
            credential.to_string(),
            outcome::ALLOWED,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_are_read_as_dollars() {
        let mut errors = FieldErrors::new();
        assert_eq!(fee_cents(&mut errors, "150"), Some(15_000));
        assert_eq!(fee_cents(&mut errors, "$150.5"), Some(15_050));
        assert_eq!(fee_cents(&mut errors, " 99.99 "), Some(9_999));
        assert_eq!(fee_cents(&mut errors, ""), None);
        assert!(errors.is_empty());
        for bad in ["-5", "abc", "1.234", "999999"] {
            let mut errors = FieldErrors::new();
            assert_eq!(fee_cents(&mut errors, bad), None, "{bad}");
            assert!(errors.get("min_fee").is_some(), "{bad}");
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
