//! Searching the directory. The search runs on an in-memory index
//! (`sensate_domain::directory::search`), built from the store's profiles
//! and remembered with the directory version it was built from. Every
//! search asks the store for the current version (one small query): after
//! any edit or verification, here or on another app server, the next search
//! rebuilds the index, one rebuild at a time; searches that come meanwhile
//! use the index they have (a rebuild takes seconds at 100,000 profiles).
//! The profiles are indexed as they are read, and what a result card shows
//! (name, pronouns, credentials, headline) is kept from the same snapshot,
//! so a page of results needs no further query.
//!
//! Whether a profile is listed (a current, verified licence) is decided by
//! the index at query time against today's date, so expiry needs no rebuild.
use std::sync::Arc;

use sensate_domain::FieldErrors;
use sensate_domain::UserId;
use sensate_domain::directory::reference::{Reference, reference};
use sensate_domain::directory::search::{
    Affirming, CertificationFact, DirectoryIndex, DirectoryIndexBuilder, DirectoryProfile, LicenceFact, Listing,
    Office, ReferenceNames, SearchQuery, SearchResults,
};
use sensate_store::{DirectoryProfileRecord, LicenceRecord};
use tokio::sync::Mutex;

use crate::{App, AppError};

/// The current snapshot, and one rebuild at a time.
#[derive(Default)]
pub(crate) struct DirectoryCache {
    current: std::sync::RwLock<Option<Arc<Snapshot>>>,
    rebuilding: Mutex<()>,
}

impl DirectoryCache {
    fn current(&self) -> Option<Arc<Snapshot>> {
        self.current.read().map(|current| current.clone()).unwrap_or_default()
    }

    fn replace(&self, snapshot: Arc<Snapshot>) {
        if let Ok(mut current) = self.current.write() {
            *current = Some(snapshot);
        }
    }
}

/// The directory as of one version: the index and the result cards.
struct Snapshot {
    version: i64,
    index: Arc<DirectoryIndex>,
    cards: Cards,
}

/// What a search result shows of a therapist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultCard {
    pub display_name: String,
    pub pronouns: String,
    pub credentials: String,
    pub headline: String,
}

/// Result cards by user id, compactly: one allocation per card.
#[derive(Default)]
struct Cards {
    /// Ascending.
    users: Vec<uuid::Uuid>,
    /// Name, pronouns, credentials and headline, one after the other…
    texts: Vec<Box<str>>,
    /// …ending at these offsets (the headline runs to the end).
    ends: Vec<[u32; 3]>,
}

impl Cards {
    fn push(&mut self, user: UserId, profile: &sensate_store::TherapistProfile) {
        let parts = [&profile.display_name, &profile.pronouns, &profile.credentials, &profile.headline];
        let text: String = parts.iter().map(|p| p.as_str()).collect();
        let mut ends = [0u32; 3];
        let mut at = 0;
        for (end, part) in ends.iter_mut().zip(parts) {
            at += part.len();
            *end = u32::try_from(at).unwrap_or(u32::MAX);
        }
        self.users.push(user.as_uuid());
        self.texts.push(text.into_boxed_str());
        self.ends.push(ends);
    }

    /// Sorts by user when the snapshot did not come in order.
    fn finish(&mut self) {
        if self.users.is_sorted() {
            return;
        }
        let mut order: Vec<usize> = (0..self.users.len()).collect();
        order.sort_by_key(|&i| self.users[i]);
        self.users = order.iter().map(|&i| self.users[i]).collect();
        self.texts = order.iter().map(|&i| std::mem::take(&mut self.texts[i])).collect();
        self.ends = order.iter().map(|&i| self.ends[i]).collect();
    }

    fn get(&self, user: UserId) -> Option<ResultCard> {
        let at = self.users.binary_search(&user.as_uuid()).ok()?;
        let (text, [a, b, c]) = (self.texts.get(at)?, self.ends.get(at)?);
        let part = |from: u32, to: usize| text.get(from as usize..to).unwrap_or_default().to_string();
        Some(ResultCard {
            display_name: part(0, *a as usize),
            pronouns: part(*a, *b as usize),
            credentials: part(*b, *c as usize),
            headline: part(*c, text.len()),
        })
    }
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
        licences: record.licences.iter().map(licence_fact).collect(),
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

fn licence_fact(licence: &LicenceRecord) -> LicenceFact {
    LicenceFact {
        jurisdiction: licence.jurisdiction.clone(),
        expires_on: licence.expires_on,
        verified: licence.verification.is_some(),
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
    /// The snapshot for the directory's current `version` (read by the
    /// caller). While one search rebuilds it, others use the snapshot there
    /// is, if any.
    async fn directory_snapshot_at(&self, version: i64) -> Result<Arc<Snapshot>, AppError> {
        let current = self.directory.current();
        if let Some(snapshot) = &current
            && snapshot.version == version
        {
            return Ok(snapshot.clone());
        }
        let _one_at_a_time = match (self.directory.rebuilding.try_lock(), current) {
            (Ok(guard), _) => guard,
            (Err(_), Some(older)) => return Ok(older),
            (Err(_), None) => self.directory.rebuilding.lock().await,
        };
        if let Some(snapshot) = self.directory.current()
            && snapshot.version >= version
        {
            return Ok(snapshot);
        }
        // Each stored profile goes into the index builder as it arrives, which
        // keeps only what the index needs: the profiles (their text above
        // all) are never all in memory at once.
        let mut builder = DirectoryIndexBuilder::new();
        let mut cards = Cards::default();
        self.store
            .visit_directory_profiles(&mut |record| {
                cards.push(record.profile.user_id, &record.profile);
                builder.push(&search_profile(record));
            })
            .await?;
        let (index, cards) = tokio::task::spawn_blocking(move || {
            cards.finish();
            (builder.finish(), cards)
        })
        .await
        .map_err(|e| AppError::Internal(format!("building the directory index: {e}")))?;
        let snapshot = Arc::new(Snapshot { version, index: Arc::new(index), cards });
        self.directory.replace(snapshot.clone());
        Ok(snapshot)
    }

    /// Builds the search index and the next free times now, so that the
    /// first visitor does not wait for them (a second or two at 100,000
    /// profiles).
    pub async fn prepare_directory_index(&self) -> Result<(), AppError> {
        let (directory_version, scheduling_version) = self.store.search_versions().await?;
        let snapshot = self.directory_snapshot_at(directory_version).await?;
        self.next_free_column(&snapshot.index, snapshot.version, scheduling_version).await.map(|_| ())
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
        let (directory_version, scheduling_version) = self.store.search_versions().await?;
        let snapshot = self.directory_snapshot_at(directory_version).await?;
        let next_free = self.next_free_column(&snapshot.index, snapshot.version, scheduling_version).await?;
        Ok(match next_free {
            Some(column) => snapshot.index.search_with(query, &column, self.now()),
            None => snapshot.index.search(query, self.listing_day()),
        })
    }
}

impl App {
    /// The public part of a therapist's profile (name, pronouns, credentials
    /// as written, headline), for showing search results: from the snapshot
    /// the search ran on, so a result shows what was found; from the store
    /// for anyone the snapshot does not hold.
    pub async fn public_profile(&self, user: UserId) -> Result<Option<ResultCard>, AppError> {
        if let Some(card) = self.directory.current().and_then(|snapshot| snapshot.cards.get(user)) {
            return Ok(Some(card));
        }
        Ok(self.store.public_profile(user).await?.map(|p| ResultCard {
            display_name: p.display_name,
            pronouns: p.pronouns,
            credentials: p.credentials,
            headline: p.headline,
        }))
    }
}

impl App {
    /// The day listing is decided on: today's UTC date.
    fn listing_day(&self) -> jiff::civil::Date {
        self.now().to_zoned(jiff::tz::TimeZone::UTC).date()
    }

    /// Whether the profile is listed today, and if not, why.
    pub fn listing(&self, record: &DirectoryProfileRecord) -> Listing {
        let licences: Vec<LicenceFact> = record.licences.iter().map(licence_fact).collect();
        Listing::of(&licences, self.listing_day())
    }

    /// A therapist's full listing, only while they are listed (a verified,
    /// unexpired licence today); otherwise `None`, as if unknown.
    pub async fn listed_profile(
        &self,
        user: sensate_domain::UserId,
    ) -> Result<Option<(DirectoryProfileRecord, Option<sensate_store::PracticeRecord>)>, AppError> {
        let Some(record) = self.store.directory_profile(user).await? else { return Ok(None) };
        if !self.listing(&record).is_listed() {
            return Ok(None);
        }
        let practice = self.store.practice(record.profile.practice_id).await?;
        Ok(Some((record, practice)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(user: UserId, name: &str, headline: &str) -> sensate_store::TherapistProfile {
        sensate_store::TherapistProfile {
            user_id: user,
            practice_id: sensate_domain::PracticeId::new(),
            display_name: name.into(),
            pronouns: "they/them".into(),
            credentials: "LMFT (NY) · AASECT Certified Sex Therapist".into(),
            headline: headline.into(),
            approach: "Not on the card.".into(),
            languages: "English".into(),
            offers_in_person: false,
            offers_telehealth: true,
            accepting_new_clients: true,
        }
    }

    #[test]
    fn cards_give_back_what_a_result_shows_in_any_order() {
        let (a, b, c) = (UserId::new(), UserId::new(), UserId::new());
        let mut cards = Cards::default();
        cards.push(c, &profile(c, "Zoë Ñúñez", "Désir et couples"));
        cards.push(a, &profile(a, "Alex Doe", ""));
        cards.push(b, &profile(b, "", "Only a headline"));
        cards.finish();
        assert_eq!(
            cards.get(c),
            Some(ResultCard {
                display_name: "Zoë Ñúñez".into(),
                pronouns: "they/them".into(),
                credentials: "LMFT (NY) · AASECT Certified Sex Therapist".into(),
                headline: "Désir et couples".into(),
            })
        );
        assert_eq!(cards.get(a).map(|card| (card.display_name, card.headline)), Some(("Alex Doe".into(), "".into())));
        assert_eq!(cards.get(b).map(|card| card.headline), Some("Only a headline".into()));
        assert_eq!(cards.get(UserId::new()), None);
    }
}
