//! Searching the directory. The search runs on an in-memory index
//! (`sensate_domain::directory::search`), built from the store's profiles
//! and remembered with the directory version it was built from. Every
//! search learns the current versions from the store (one small query):
//! after any edit or verification, here or on another app server, the next
//! search rebuilds the index, one rebuild at a time; searches that come
//! meanwhile use the index they have (a rebuild takes seconds at 100,000
//! profiles). The profiles are indexed as they are read, and what a result
//! card shows (name, pronouns, credentials, headline) is kept from the same
//! snapshot, so a page of results needs no further query.
//!
//! Searches that arrive together share that version query
//! ([`crate::infra::versions`]): each waits for a query that *began after
//! it arrived*, so it sees every change committed before it came, exactly
//! as with a query of its own, yet under load one query answers many
//! searches instead of one each.
//!
//! Pages of results may be kept ([`App::recall`], [`App::remember`]) for the
//! view they were made from: the same index, the same table of free times,
//! no licence or certification lapsed since
//! ([`DirectoryIndex::next_listing_change`]), and no shown (or, sorting by
//! soonest, ranked) free time lapsed since ([`SearchResults::changes_at`]).
//!
//! Whether a profile is listed (a current, verified licence) is decided by
//! the index at query time against the moment of the search (each licence
//! on its state's clock), so expiry needs no rebuild.
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sensate_domain::FieldErrors;
use sensate_domain::UserId;
use sensate_domain::directory::reference::{Reference, reference};
use sensate_domain::directory::search::{
    Affirming, CertificationFact, DirectoryIndex, DirectoryIndexBuilder, DirectoryProfile, LicenceFact, Listing,
    Office, ReferenceNames, SearchQuery, SearchResults,
};
use sensate_store::{DirectoryProfileRecord, LicenceRecord};
use tokio::sync::Mutex;

use crate::AppError;
use crate::directory::next_free::{NextAvailable, Table};

/// The current snapshot, one rebuild at a time, and the kept pages.
#[derive(Default)]
pub(crate) struct DirectoryCache {
    current: std::sync::RwLock<Option<Arc<Snapshot>>>,
    rebuilding: Mutex<()>,
    memo: std::sync::Mutex<Memo>,
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

    fn memo(&self) -> std::sync::MutexGuard<'_, Memo> {
        // A panic while holding it leaves at worst a page too many or too few.
        self.memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Numbers every snapshot and table of free times this process makes, in
/// order, so kept pages know which they were made from (versions alone do
/// not say: the table is also recomputed as time passes).
pub(crate) fn next_serial() -> u64 {
    static SERIAL: AtomicU64 = AtomicU64::new(1);
    SERIAL.fetch_add(1, Ordering::Relaxed)
}

/// The directory as of one version: the index and the result cards.
struct Snapshot {
    version: i64,
    serial: u64,
    index: Arc<DirectoryIndex>,
    cards: Cards,
}

/// The directory as one search sees it: the index for the versions read
/// when it began, and the table of free times that goes with it.
#[derive(Clone)]
pub struct DirectoryView {
    snapshot: Arc<Snapshot>,
    table: Option<Arc<Table>>,
}

impl DirectoryView {
    /// A therapist's result card, from the snapshot the search ran on.
    pub fn card(&self, user: UserId) -> Option<ResultCard> {
        self.snapshot.cards.get(user)
    }

    /// What a result card says about the therapist's next free time `at`
    /// (from the hit): their zone and the session's name.
    pub fn next_available(&self, user: UserId, at: Option<jiff::Timestamp>) -> Option<NextAvailable> {
        self.table.as_ref()?.next_available(user, at?)
    }

    /// Up to `n` of the therapist's free times that can still be booked as
    /// of `now`, soonest first (the times a result card offers).
    pub fn upcoming_times(&self, user: UserId, now: jiff::Timestamp, n: usize) -> Vec<jiff::Timestamp> {
        let Some(table) = &self.table else { return Vec::new() };
        match table.index.position(&user.to_string()) {
            Some(position) => table.column.upcoming(position, now, n),
            None => Vec::new(),
        }
    }

    /// The therapist's fees and insurers, as the index has them.
    pub fn fees_of(&self, user: UserId) -> Option<sensate_domain::directory::search::FeeFacts> {
        self.snapshot.index.fees_of(&user.to_string())
    }

    /// Which snapshot and table: later ones compare greater.
    fn generation(&self) -> (u64, u64) {
        (self.snapshot.serial, self.table.as_ref().map_or(0, |table| table.serial))
    }
}

/// Kept pages of results, for one generation of the directory at a time.
#[derive(Default)]
struct Memo {
    generation: (u64, u64),
    entries: HashMap<String, Kept>,
    /// Their weights, summed.
    weight: usize,
    /// Ticks on every use, for letting the least recently used go first.
    clock: u64,
}

struct Kept {
    value: Arc<dyn Any + Send + Sync>,
    weight: usize,
    /// When it stops holding: a free time it shows lapses, or a licence or
    /// certification stops counting.
    changes_at: Option<jiff::Timestamp>,
    used: u64,
}

/// How much the kept pages may weigh in all (their size in bytes, as the
/// caller counts it): a few hundred pages, about a hundred for each of the
/// most common searches and their next pages, little beside the index.
const MEMO_WEIGHT: usize = 4 << 20;
/// And how many there may be, whatever they weigh.
const MEMO_ENTRIES: usize = 512;

/// What a search result shows of a therapist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultCard {
    pub display_name: String,
    pub pronouns: String,
    pub credentials: String,
    pub headline: String,
    /// A photo is shown at `/therapists/{id}/photo`.
    pub has_photo: bool,
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
    /// Whether each has a photo.
    photos: Vec<bool>,
}

impl Cards {
    fn push(&mut self, user: UserId, profile: &sensate_store::TherapistProfile, has_photo: bool) {
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
        self.photos.push(has_photo);
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
        self.photos = order.iter().map(|&i| self.photos[i]).collect();
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
            has_photo: self.photos.get(at).copied().unwrap_or(false),
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
        certifications: record.certifications.into_iter().map(|c| certification_fact(&c)).collect(),
        min_fee_cents: record.min_fee_cents.and_then(|c| u32::try_from(c).ok()),
        sliding_scale: record.sliding_scale,
        free_consultation: record.free_consultation,
        insurance: record.payers,
        superbill: record.superbill,
        accepting_new_clients: record.profile.accepting_new_clients,
        text: format!("{} {}", record.profile.headline, record.profile.approach),
    }
}

pub(crate) fn licence_fact(licence: &LicenceRecord) -> LicenceFact {
    LicenceFact {
        jurisdiction: licence.jurisdiction.clone(),
        expires_on: licence.expires_on,
        verified: licence.verification.is_some(),
    }
}

pub(crate) fn certification_fact(certification: &sensate_store::CertificationRecord) -> CertificationFact {
    CertificationFact { expires_on: certification.expires_on, verified: certification.verification.is_some() }
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

impl super::Directory<'_> {
    /// The snapshot for the directory's current `version` (read by the
    /// caller). While one search rebuilds it, others use the snapshot there
    /// is, if any.
    async fn directory_snapshot_at(&self, version: i64) -> Result<Arc<Snapshot>, AppError> {
        let current = self.app.directory.current();
        if let Some(snapshot) = &current
            && snapshot.version == version
        {
            return Ok(snapshot.clone());
        }
        let _one_at_a_time = match (self.app.directory.rebuilding.try_lock(), current) {
            (Ok(guard), _) => guard,
            (Err(_), Some(older)) => return Ok(older),
            (Err(_), None) => self.app.directory.rebuilding.lock().await,
        };
        if let Some(snapshot) = self.app.directory.current()
            && snapshot.version >= version
        {
            return Ok(snapshot);
        }
        // Each stored profile goes into the index builder as it arrives, which
        // keeps only what the index needs: the profiles (their text above
        // all) are never all in memory at once.
        let mut builder = DirectoryIndexBuilder::new();
        let mut cards = Cards::default();
        let photos: std::collections::HashSet<UserId> =
            self.app.store.profile_photo_owners().await?.into_iter().collect();
        self.app
            .store
            .visit_directory_profiles(&mut |record| {
                let has_photo = photos.contains(&record.profile.user_id);
                cards.push(record.profile.user_id, &record.profile, has_photo);
                builder.push(&search_profile(record));
            })
            .await?;
        let (index, cards) = tokio::task::spawn_blocking(move || {
            cards.finish();
            (builder.finish(), cards)
        })
        .await
        .map_err(|e| AppError::Internal(format!("building the directory index: {e}")))?;
        let snapshot = Arc::new(Snapshot { version, serial: next_serial(), index: Arc::new(index), cards });
        self.app.directory.replace(snapshot.clone());
        Ok(snapshot)
    }

    /// Builds the search index and the next free times now, so that the
    /// first visitor does not wait for them (a second or two at 100,000
    /// profiles).
    pub async fn prepare_directory_index(&self) -> Result<(), AppError> {
        self.directory_view().await.map(|_| ())
    }

    /// The directory as of now: the current versions (read by a query that
    /// began after this call, shared with the searches that came with it),
    /// the index for them and the free times that go with it.
    pub async fn directory_view(&self) -> Result<DirectoryView, AppError> {
        let versions = self.app.fresh_versions().await?;
        let snapshot = self.directory_snapshot_at(versions.directory).await?;
        let table = self.next_free_table(&snapshot.index, snapshot.version, versions.scheduling).await?;
        Ok(DirectoryView { snapshot, table })
    }

    /// A visitor's search. Anonymous: nothing is recorded about who searched.
    pub async fn search_directory(&self, query: &SearchQuery) -> Result<SearchResults, AppError> {
        validated(query)?;
        let view = self.directory_view().await?;
        self.search_in(&view, query)
    }

    /// A visitor's search on a view of the directory (see [`Self::directory_view`]).
    pub fn search_in(&self, view: &DirectoryView, query: &SearchQuery) -> Result<SearchResults, AppError> {
        validated(query)?;
        let index = &view.snapshot.index;
        Ok(match &view.table {
            Some(table) => index.search_with(query, &table.column, self.app.now()),
            None => index.search(query, self.app.now()),
        })
    }

    /// What was kept under `key` for this view of the directory, if it still
    /// holds: made from the same snapshot and table, and no licence,
    /// certification or free time it depends on has lapsed since.
    pub fn recall<T: Any + Send + Sync>(&self, view: &DirectoryView, key: &str) -> Option<Arc<T>> {
        let now = self.app.now();
        let mut memo = self.app.directory.memo();
        if memo.generation != view.generation() {
            return None;
        }
        memo.clock += 1;
        let tick = memo.clock;
        let kept = memo.entries.get_mut(key)?;
        if kept.changes_at.is_some_and(|at| now >= at) {
            return None;
        }
        kept.used = tick;
        kept.value.clone().downcast().ok()
    }

    /// Keeps `value` (which weighs `weight`, e.g. its size in bytes) under
    /// `key` for this view, until the directory or the free times change, a
    /// licence or certification stops counting, or `changes_at` (from the
    /// search's results) comes. The least
    /// recently used go when the kept ones weigh too much; a view older than
    /// what is kept keeps nothing.
    pub fn remember<T: Any + Send + Sync>(
        &self,
        view: &DirectoryView,
        key: String,
        value: Arc<T>,
        weight: usize,
        changes_at: Option<jiff::Timestamp>,
    ) {
        if weight > MEMO_WEIGHT / 8 {
            return;
        }
        let lapses = view.snapshot.index.next_listing_change(self.app.now());
        let changes_at = [changes_at, lapses].into_iter().flatten().min();
        let mut memo = self.app.directory.memo();
        let generation = view.generation();
        if generation < memo.generation {
            return;
        }
        if generation > memo.generation {
            *memo = Memo { generation, ..Memo::default() };
        }
        memo.clock += 1;
        let used = memo.clock;
        if let Some(old) = memo.entries.insert(key, Kept { value, weight, changes_at, used }) {
            memo.weight -= old.weight;
        }
        memo.weight += weight;
        while memo.weight > MEMO_WEIGHT || memo.entries.len() > MEMO_ENTRIES {
            let Some(oldest) = memo.entries.iter().min_by_key(|(_, kept)| kept.used).map(|(key, _)| key.clone()) else {
                break;
            };
            if let Some(gone) = memo.entries.remove(&oldest) {
                memo.weight -= gone.weight;
            }
        }
    }
}

/// The query, or every problem with it as field errors.
fn validated(query: &SearchQuery) -> Result<(), AppError> {
    query.validate().map_err(|problems| {
        let mut errors = FieldErrors::new();
        for (field, message) in problems {
            errors.add(field, message);
        }
        AppError::Invalid(errors)
    })
}

impl super::Directory<'_> {
    /// The public part of a therapist's profile (name, pronouns, credentials
    /// as written, headline), for showing search results: from the snapshot
    /// the search ran on, so a result shows what was found; from the store
    /// for anyone the snapshot does not hold.
    pub async fn public_profile(&self, user: UserId) -> Result<Option<ResultCard>, AppError> {
        if let Some(card) = self.app.directory.current().and_then(|snapshot| snapshot.cards.get(user)) {
            return Ok(Some(card));
        }
        let Some(p) = self.app.store.public_profile(user).await? else { return Ok(None) };
        let has_photo = self.app.store.profile_photo(user).await?.is_some();
        Ok(Some(ResultCard {
            display_name: p.display_name,
            pronouns: p.pronouns,
            credentials: p.credentials,
            headline: p.headline,
            has_photo,
        }))
    }
}

impl super::Directory<'_> {
    /// Whether the profile is listed now, and if not, why.
    pub fn listing(&self, record: &DirectoryProfileRecord) -> Listing {
        let licences: Vec<LicenceFact> = record.licences.iter().map(licence_fact).collect();
        Listing::of(&licences, self.app.now())
    }

    /// A therapist's full listing, only while they are listed (a verified,
    /// unexpired licence now); otherwise `None`, as if unknown. It holds
    /// only the licences and certifications that are current now: what a
    /// visitor may be shown.
    pub async fn listed_profile(
        &self,
        user: sensate_domain::UserId,
    ) -> Result<Option<(DirectoryProfileRecord, Option<sensate_store::PracticeRecord>)>, AppError> {
        let Some(mut record) = self.app.store.directory_profile(user).await? else { return Ok(None) };
        if !self.listing(&record).is_listed() {
            return Ok(None);
        }
        let now = self.app.now();
        record.licences.retain(|l| licence_fact(l).is_current(now));
        record.certifications.retain(|c| certification_fact(c).is_current(now));
        let practice = self.app.store.practice(record.profile.practice_id).await?;
        Ok(Some((record, practice)))
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;
    use sensate_testkit::{FakeClock, TestDb};

    use super::*;
    use crate::App;
    use crate::directory::synthetic::{SyntheticDirectory, SyntheticOptions};
    use crate::infra::crypto::KeyRing;
    use crate::infra::mailer::OutboxMailer;

    /// An app on a fresh SQLite file, its clock, and the test database (kept alive).
    async fn app() -> (App, FakeClock, TestDb) {
        let db = TestDb::sqlite();
        let clock = FakeClock::at("2026-11-23T15:00:00Z");
        let app = App::new(
            db.store().await,
            Arc::new(clock.clone()),
            Arc::new(KeyRing::generate().unwrap()),
            Arc::new(OutboxMailer::new(Arc::new(clock.clone()))),
            crate::AppConfig::default(),
        );
        (app, clock, db)
    }

    /// Adds a few synthetic therapists: a new directory version.
    async fn import(app: &App, seed: u64) {
        let now = app.now();
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let batch = SyntheticDirectory::generate(SyntheticOptions { seed, today, now, all_listed: true }, 5).unwrap();
        app.store.import_directory(&batch, now).await.unwrap();
    }

    #[tokio::test]
    async fn searches_together_share_a_version_query_and_still_see_every_change_before_them() {
        let (app, _clock, _db) = app().await;
        let before = app.store.versions().await.unwrap();
        let rounds = || app.versions.rounds_started();
        let first = rounds();
        let mut searches = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let app = app.clone();
            searches.spawn(async move { app.fresh_versions().await.ok() });
        }
        let answers = searches.join_all().await;
        assert!(answers.iter().all(|answer| *answer == Some(before)), "{answers:?}");
        assert!(rounds() - first < 16, "{} rounds for 16 searches at once", rounds() - first);
        // A change committed before a search began is seen by it, though rounds ran before.
        import(&app, 1).await;
        let after = app.store.versions().await.unwrap();
        assert_ne!(after, before);
        assert_eq!(app.fresh_versions().await.unwrap(), after);
        assert_eq!(app.directory().directory_view().await.unwrap().snapshot.version, after.directory);
    }

    #[tokio::test]
    async fn a_kept_page_holds_for_its_view_until_a_time_it_shows_or_a_credential_lapses() {
        let (app, clock, _db) = app().await;
        import(&app, 2).await;
        let view = app.directory().directory_view().await.unwrap();
        let page = |text: &str| Arc::new(text.to_string());
        let recall =
            |view: &DirectoryView, key: &str| app.directory().recall::<String>(view, key).map(|kept| kept.to_string());
        let lapses = app.now() + SignedDuration::from_mins(90);
        app.directory().remember(&view, "a".into(), page("page a"), 6, Some(lapses));
        app.directory().remember(&view, "b".into(), page("page b"), 6, None);
        assert_eq!(recall(&view, "a").as_deref(), Some("page a"));
        assert_eq!(app.directory().recall::<u32>(&view, "a"), None, "kept as another type");
        assert_eq!(recall(&view, "c"), None);
        // The same versions: a new view of the same snapshot and table.
        let same = app.directory().directory_view().await.unwrap();
        assert_eq!(recall(&same, "b").as_deref(), Some("page b"));
        // A shown time lapses: that page goes, the other stays.
        clock.advance(SignedDuration::from_mins(89));
        assert_eq!(recall(&view, "a").as_deref(), Some("page a"));
        clock.advance(SignedDuration::from_mins(1));
        assert_eq!(recall(&view, "a"), None);
        assert_eq!(recall(&view, "b").as_deref(), Some("page b"));
        // A licence or certification stops counting (its day ends on its
        // own clock): a search could find otherwise, so nothing kept holds.
        let lapse = view.snapshot.index.next_listing_change(app.now()).expect("imported credentials expire");
        assert!(lapse > app.now() + SignedDuration::from_mins(1), "the kept page held until now");
        clock.advance(lapse.duration_since(app.now()) - SignedDuration::from_secs(1));
        assert_eq!(recall(&view, "b").as_deref(), Some("page b"), "a second before");
        clock.advance(SignedDuration::from_secs(1));
        assert_eq!(recall(&view, "b"), None);
        app.directory().remember(&view, "b".into(), page("page b, after"), 16, None);
        assert_eq!(recall(&view, "b").as_deref(), Some("page b, after"));
        // The directory changes: a new view keeps nothing of the old, and
        // the old view cannot put anything back.
        import(&app, 3).await;
        let newer = app.directory().directory_view().await.unwrap();
        assert!(newer.generation() > view.generation());
        assert_eq!(recall(&newer, "b"), None);
        app.directory().remember(&newer, "n".into(), page("new"), 3, None);
        app.directory().remember(&view, "o".into(), page("old"), 3, None);
        assert_eq!((recall(&newer, "n").as_deref(), recall(&view, "o")), (Some("new"), None));
        assert_eq!(recall(&newer, "o"), None);
    }

    #[tokio::test]
    async fn the_least_recently_used_go_when_the_kept_pages_weigh_too_much() {
        let (app, _clock, _db) = app().await;
        let view = app.directory().directory_view().await.unwrap();
        let weight = MEMO_WEIGHT / 8;
        for n in 0..8 {
            app.directory().remember(&view, format!("{n}"), Arc::new(n), weight, None);
        }
        assert_eq!(app.directory().recall::<i32>(&view, "0").as_deref(), Some(&0));
        app.directory().remember(&view, "8".into(), Arc::new(8), weight, None);
        // "1" was used least recently; "0" was just read.
        assert_eq!(app.directory().recall::<i32>(&view, "1"), None);
        assert_eq!(app.directory().recall::<i32>(&view, "0").as_deref(), Some(&0));
        assert_eq!(app.directory().recall::<i32>(&view, "8").as_deref(), Some(&8));
        // Too heavy to keep at all.
        app.directory().remember(&view, "big".into(), Arc::new(9), weight + 1, None);
        assert_eq!(app.directory().recall::<i32>(&view, "big"), None);
        assert!(app.directory.memo().weight <= MEMO_WEIGHT);
    }

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
        cards.push(c, &profile(c, "Zoë Ñúñez", "Désir et couples"), true);
        cards.push(a, &profile(a, "Alex Doe", ""), false);
        cards.push(b, &profile(b, "", "Only a headline"), false);
        cards.finish();
        assert_eq!(
            cards.get(c),
            Some(ResultCard {
                display_name: "Zoë Ñúñez".into(),
                pronouns: "they/them".into(),
                credentials: "LMFT (NY) · AASECT Certified Sex Therapist".into(),
                headline: "Désir et couples".into(),
                has_photo: true,
            })
        );
        assert_eq!(cards.get(a).map(|card| card.has_photo), Some(false), "photos follow their card when sorted");
        assert_eq!(cards.get(a).map(|card| (card.display_name, card.headline)), Some(("Alex Doe".into(), "".into())));
        assert_eq!(cards.get(b).map(|card| card.headline), Some("Only a headline".into()));
        assert_eq!(cards.get(UserId::new()), None);
    }
}
