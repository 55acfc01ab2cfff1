//! Searching the directory. The search runs on an in-memory index
//! (`sensate_domain::directory::search`), built from the store's profiles
//! and remembered with the directory version it was built from. Every
//! search asks the store for the current version (one small query): after
//! any edit or verification, here or on another app server, the next search
//! rebuilds the index, on a blocking thread, one rebuild at a time.
//!
//! Whether a profile is listed (a current, verified licence) is decided by
//! the index at query time against today's date, so expiry needs no rebuild.
use std::sync::Arc;

use sensate_domain::FieldErrors;
use sensate_domain::directory::reference::{Reference, reference};
use sensate_domain::directory::search::{
    Affirming, CertificationFact, DirectoryIndex, DirectoryIndexBuilder, DirectoryProfile, LicenceFact, Office,
    ReferenceNames, SearchQuery, SearchResults,
};
use sensate_store::DirectoryProfileRecord;
use tokio::sync::{Mutex, RwLock};

use crate::{App, AppError};

/// The index and the directory version it reflects.
#[derive(Default)]
pub(crate) struct DirectoryCache {
    current: RwLock<Option<(i64, Arc<DirectoryIndex>)>>,
    rebuilding: Mutex<()>,
}

/// What the index needs of a stored profile. Tests and benchmarks build
/// their engine-independent reference index with it too.
pub fn search_profile(record: DirectoryProfileRecord) -> DirectoryProfile {
    let offices = if record.profile.offers_in_person {
        record.offices.into_iter().map(|o| Office { lat: o.lat, lon: o.lon, label: o.label }).collect()
    } else {
        Vec::new()
    };
    DirectoryProfile {
        id: record.profile.user_id.to_string(),
        display_name: record.profile.display_name,
        pronouns: record.profile.pronouns,
        concerns: record.concerns,
        individuals: record.sees_individuals,
        couples: record.sees_couples,
        affirming: Affirming {
            lgbtq: record.affirming_lgbtq,
            kink_aware: record.kink_aware,
            cnm: record.cnm_affirming,
        },
        languages: record.language_codes,
        gender: Some(record.gender).filter(|g| !g.trim().is_empty()),
        offices,
        telehealth: record.profile.offers_telehealth,
        licences: record
            .licences
            .into_iter()
            .map(|l| LicenceFact {
                jurisdiction: l.jurisdiction,
                expires_on: l.expires_on,
                verified: l.verification.is_some(),
            })
            .collect(),
        certifications: record
            .certifications
            .into_iter()
            .map(|c| CertificationFact { expires_on: c.expires_on, verified: c.verification.is_some() })
            .collect(),
        min_fee_cents: record.min_fee_cents.and_then(|c| u32::try_from(c).ok()),
        sliding_scale: record.sliding_scale,
        free_consultation: record.free_consultation,
        insurance: record.payers,
        superbill: record.superbill,
        accepting_new_clients: record.profile.accepting_new_clients,
        text: format!("{} {}", record.profile.headline, record.profile.approach),
    }
}

/// Names for "why it matches", from the reference data.
pub struct Names(pub &'static Reference);

impl ReferenceNames for Names {
    fn concern(&self, slug: &str) -> Option<String> {
        self.0.concern(slug).map(|c| c.name.clone())
    }
    fn payer(&self, slug: &str) -> Option<String> {
        self.0.payer(slug).map(|p| p.name.clone())
    }
    fn language(&self, code: &str) -> Option<String> {
        self.0.language(code).map(|l| l.name.clone())
    }
    fn jurisdiction(&self, id: &str) -> Option<String> {
        self.0.jurisdiction(id).map(|j| j.code.clone())
    }
}

/// The reference data, or an internal error (it is bundled and tested, so
/// this cannot fail in a released build).
pub fn reference_data() -> Result<&'static Reference, AppError> {
    reference().map_err(|e| AppError::Internal(format!("reference data: {e}")))
}

impl App {
    /// The index for the current directory version.
    async fn directory_index(&self) -> Result<Arc<DirectoryIndex>, AppError> {
        let version = self.store.directory_version().await?;
        if let Some((built, index)) = self.directory.current.read().await.as_ref()
            && *built == version
        {
            return Ok(index.clone());
        }
        let _one_at_a_time = self.directory.rebuilding.lock().await;
        if let Some((built, index)) = self.directory.current.read().await.as_ref()
            && *built >= version
        {
            return Ok(index.clone());
        }
        // Each stored profile goes into the index builder as it arrives, which
        // keeps only what the index needs: the profiles (their text above
        // all) are never all in memory at once.
        let mut builder = DirectoryIndexBuilder::new();
        self.store.visit_directory_profiles(&mut |record| builder.push(&search_profile(record))).await?;
        let index = tokio::task::spawn_blocking(move || builder.finish())
            .await
            .map_err(|e| AppError::Internal(format!("building the directory index: {e}")))?;
        let index = Arc::new(index);
        *self.directory.current.write().await = Some((version, index.clone()));
        Ok(index)
    }

    /// Builds the search index now, so that the first visitor does not wait
    /// for it (a second or two at 100,000 profiles).
    pub async fn prepare_directory_index(&self) -> Result<(), AppError> {
        self.directory_index().await.map(|_| ())
    }

    /// A visitor's search. Anonymous: nothing is recorded about who searched.
    pub async fn search_directory(&self, query: &SearchQuery) -> Result<SearchResults, AppError> {
        if let Err(problems) = query.validate() {
            let mut errors = FieldErrors::new();
            for (field, message) in problems {
                errors.add(field, message);
            }
            return Err(AppError::Invalid(errors));
        }
        let index = self.directory_index().await?;
        let today = self.now().to_zoned(jiff::tz::TimeZone::UTC).date();
        Ok(index.search(query, today))
    }
}

impl App {
    /// The public part of a therapist's profile (name, headline, credentials
    /// as written), for showing search results.
    pub async fn public_profile(
        &self,
        user: sensate_domain::UserId,
    ) -> Result<Option<sensate_store::TherapistProfile>, AppError> {
        Ok(self.store.public_profile(user).await?)
    }
}

impl App {
    /// A therapist's full listing, only while they are listed (a verified,
    /// unexpired licence today); otherwise `None`, as if unknown.
    pub async fn listed_profile(
        &self,
        user: sensate_domain::UserId,
    ) -> Result<Option<(DirectoryProfileRecord, Option<sensate_store::PracticeRecord>)>, AppError> {
        let Some(record) = self.store.directory_profile(user).await? else { return Ok(None) };
        let today = self.now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let listed = record.licences.iter().any(|l| l.verification.is_some() && l.expires_on >= today);
        if !listed {
            return Ok(None);
        }
        let practice = self.store.practice(record.profile.practice_id).await?;
        Ok(Some((record, practice)))
    }
}
