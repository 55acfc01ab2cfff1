//! The index: columns and bitsets over profiles sorted by id, and the query
//! evaluation over them.

use std::borrow::Cow;
use std::collections::{BinaryHeap, HashMap};

use jiff::Timestamp;

use super::bits::{Bits, Postings};
use super::geo::{self, OfficeGrid, Unit};
use super::text::{self, TextBuilder, TextIndex};
use super::{
    AffirmingKind, CertificationFact, ClientFocus, DEFAULT_RADIUS_KM, DirectoryProfile, Format, Hit, LicenceFact,
    MAX_PER_PAGE, MAX_RADIUS_KM, MAX_TEXT_CHARS, NextFree, Reason, SearchQuery, SearchResults, Sort, weights,
};

/// Moments as minutes since 1970 (i32 reaches past the year 6000), so the
/// listing rule is an integer comparison per profile.
fn minute(at: Timestamp) -> i32 {
    i32::try_from(at.as_second().div_euclid(60)).unwrap_or(if at.as_second() < 0 { i32::MIN + 1 } else { i32::MAX })
}

/// The last minute something counts that stops counting at `end` (which
/// is a day's end, on the minute): it counts while `minute(now) <= this`.
fn last_minute(end: Timestamp) -> i32 {
    if end == Timestamp::MAX { i32::MAX } else { minute(end).saturating_sub(1) }
}

const NEVER: i32 = i32::MIN;
const NO_FEE: u32 = u32::MAX;

/// Above this many results to skip and show, select with a vector instead of a heap.
const HEAP_LIMIT: usize = 4096;

/// Every profile, ready to search; immutable once built, so one index can serve
/// any number of threads (`Arc<DirectoryIndex>`). There is no incremental
/// update: when profiles change, build a new index from a full snapshot and
/// swap the `Arc` (see "Keeping it current" in the module docs).
#[derive(Debug, Clone)]
pub struct DirectoryIndex {
    /// Profile ids, ascending; a profile's position here is its index everywhere else.
    ids: Vec<Box<str>>,
    /// The last minute a licence counts ([`LicenceFact::counts_until`], [`NEVER`] if none): listed while `>= now`.
    listed_until: Vec<i32>,
    /// The last minute a certification counts ([`CertificationFact::counts_until`]; [`NEVER`] if none).
    certified_until: Vec<i32>,
    /// Every last minute above (and per jurisdiction), ascending, once
    /// each: when what a search finds may change without a new index
    /// ([`Self::next_listing_change`]).
    listing_changes: Vec<i32>,
    /// Lowest fee, [`NO_FEE`] when not published.
    min_fee: Vec<u32>,
    individuals: Bits,
    couples: Bits,
    lgbtq: Bits,
    kink_aware: Bits,
    cnm: Bits,
    telehealth: Bits,
    sliding_scale: Bits,
    free_consultation: Bits,
    superbill: Bits,
    accepting: Bits,
    concerns: Facet,
    payers: Facet,
    languages: Facet,
    /// Lower-cased, trimmed.
    genders: Facet,
    /// Jurisdiction ids, ascending, and for each who holds a verified licence there.
    jurisdictions: Vec<Box<str>>,
    licensed: Vec<Licensed>,
    /// Offices of profile `i` are `office_units[office_start[i]..office_start[i + 1]]`.
    office_start: Vec<u32>,
    office_units: Vec<Unit>,
    grid: OfficeGrid,
    text: TextIndex,
}

/// A profile's fees and the insurers it is in network with, as a card shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeFacts {
    pub min_fee_cents: Option<u32>,
    pub sliding_scale: bool,
    pub free_consultation: bool,
    /// Payer ids (reference data), ascending.
    pub payers: Vec<String>,
}

/// The profiles with a verified licence in one jurisdiction.
#[derive(Debug, Clone)]
struct Licensed {
    /// Everyone with a verified licence there, expired or not.
    holders: Postings,
    /// (last minute a licence there counts, profile), ascending: those expired at a moment are a prefix.
    by_expiry: Vec<(i32, u32)>,
}

impl Licensed {
    fn heap_bytes(&self) -> usize {
        self.holders.heap_bytes() + self.by_expiry.capacity() * 8
    }
}

/// One reference-data dimension (concerns, payers…): the values seen, ascending,
/// and who has each.
#[derive(Debug, Clone, Default)]
struct Facet {
    values: Vec<Box<str>>,
    postings: Vec<Postings>,
}

/// Collects one facet's values as profiles come, for a [`Facet`] once all are there.
#[derive(Debug, Default)]
struct FacetBuilder {
    /// Each value, with the profiles (by arrival) that have it, ascending.
    map: HashMap<Box<str>, Vec<u32>>,
}

impl FacetBuilder {
    /// A value of the profile that came `at`-th; call in increasing `at`.
    fn add(&mut self, at: u32, raw: &str, normalize: Normalize) {
        let value = normalize(raw);
        if value.is_empty() {
            return;
        }
        let ids = match self.map.get_mut(&*value) {
            Some(ids) => ids,
            None => self.map.entry(value.into()).or_default(),
        };
        if ids.last() != Some(&at) {
            ids.push(at);
        }
    }

    /// Values ascending; profiles renumbered as in [`TextBuilder::finish`].
    fn finish(self, position: &[u32], len: usize) -> Facet {
        let mut entries: Vec<(Box<str>, Vec<u32>)> = self.map.into_iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut facet = Facet::default();
        for (value, ids) in entries {
            let ids = text::renumber(ids, position);
            if !ids.is_empty() {
                facet.values.push(value);
                facet.postings.push(Postings::new(ids, len));
            }
        }
        facet
    }
}

impl Facet {
    /// For each distinct requested value the facet knows, its bitset. The
    /// second value says whether anything was requested at all.
    fn lookup(&self, requested: &[String], len: usize, normalize: Normalize) -> Selection {
        let mut values: Vec<String> = Vec::new();
        for raw in requested {
            let value = normalize(raw).into_owned();
            if !value.is_empty() && !values.contains(&value) {
                values.push(value);
            }
        }
        let mut known = Vec::new();
        for value in &values {
            if let Ok(at) = self.values.binary_search_by(|v| (**v).cmp(value.as_str())) {
                let mut bits = Bits::zeros(len);
                self.postings[at].or_into(&mut bits);
                known.push((value.clone(), bits));
            }
        }
        Selection { requested: !values.is_empty(), known }
    }

    fn heap_bytes(&self) -> usize {
        self.values.capacity() * 16
            + self.values.iter().map(|v| v.len()).sum::<usize>()
            + self.postings.capacity() * std::mem::size_of::<Postings>()
            + self.postings.iter().map(Postings::heap_bytes).sum::<usize>()
    }
}

type Normalize = fn(&str) -> Cow<'_, str>;

fn as_is(value: &str) -> Cow<'_, str> {
    Cow::Borrowed(value.trim())
}

fn lowercase(value: &str) -> Cow<'_, str> {
    let value = value.trim();
    if value.chars().any(char::is_uppercase) { Cow::Owned(value.to_lowercase()) } else { Cow::Borrowed(value) }
}

/// The values of one list filter: any of them matches.
struct Selection {
    requested: bool,
    known: Vec<(String, Bits)>,
}

impl Selection {
    /// Narrows `candidates` to profiles with at least one of the values.
    fn filter(&self, candidates: &mut Bits, len: usize) {
        if !self.requested {
            return;
        }
        match self.known.as_slice() {
            [] => candidates.clear(),
            [(_, only)] => candidates.and_with(only),
            many => {
                let mut any = Bits::zeros(len);
                for (_, bits) in many {
                    any.or_with(bits);
                }
                candidates.and_with(&any);
            }
        }
    }

    /// Points for a candidate (which has at least one value if any was requested).
    #[inline]
    fn points(&self, i: u32, weight: u32) -> u32 {
        match self.known.len() {
            0 => 0,
            1 => weight,
            _ => weight * self.known.iter().filter(|(_, bits)| bits.get(i)).count() as u32,
        }
    }

    fn matched(&self, i: u32) -> impl Iterator<Item = &str> {
        self.known.iter().filter(move |(_, bits)| bits.get(i)).map(|(value, _)| value.as_str())
    }
}

/// (profile, latest expiry of its verified licences in one jurisdiction).
type LicenceEntry = (u32, i32);

/// Bits of [`DirectoryIndexBuilder::flags`].
const INDIVIDUALS: u16 = 1;
const COUPLES: u16 = 1 << 1;
const LGBTQ: u16 = 1 << 2;
const KINK_AWARE: u16 = 1 << 3;
const CNM: u16 = 1 << 4;
const TELEHEALTH: u16 = 1 << 5;
const SLIDING_SCALE: u16 = 1 << 6;
const FREE_CONSULTATION: u16 = 1 << 7;
const SUPERBILL: u16 = 1 << 8;
const ACCEPTING: u16 = 1 << 9;

/// Builds a [`DirectoryIndex`] from profiles handed over one at a time, in
/// any order. Of each it keeps only what the index needs (flags, dates, fee,
/// values, office positions, the ids of its words), never the profile
/// itself: a directory can be indexed while it is read from the database,
/// without ever holding every profile's text at once.
#[derive(Debug)]
pub struct DirectoryIndexBuilder {
    /// Everything below is by arrival: the `at`-th profile pushed.
    ids: Vec<Box<str>>,
    listed_until: Vec<i32>,
    certified_until: Vec<i32>,
    min_fee: Vec<u32>,
    flags: Vec<u16>,
    concerns: FacetBuilder,
    payers: FacetBuilder,
    languages: FacetBuilder,
    genders: FacetBuilder,
    /// Per jurisdiction: (profile, latest expiry of its verified licences there).
    licensed: HashMap<Box<str>, Vec<LicenceEntry>>,
    /// Valid offices of profile `at` are `offices[office_start[at]..office_start[at + 1]]`.
    office_start: Vec<u32>,
    offices: Vec<(f64, f64)>,
    text: TextBuilder,
}

impl Default for DirectoryIndexBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl DirectoryIndexBuilder {
    pub fn new() -> Self {
        Self {
            ids: Vec::new(),
            listed_until: Vec::new(),
            certified_until: Vec::new(),
            min_fee: Vec::new(),
            flags: Vec::new(),
            concerns: FacetBuilder::default(),
            payers: FacetBuilder::default(),
            languages: FacetBuilder::default(),
            genders: FacetBuilder::default(),
            licensed: HashMap::new(),
            office_start: vec![0],
            offices: Vec::new(),
            text: TextBuilder::default(),
        }
    }

    /// How many profiles were pushed (repeated ids included).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds a profile. When two share an id, the one pushed later wins.
    /// Offices with impossible coordinates are ignored.
    pub fn push(&mut self, profile: &DirectoryProfile) {
        let p = profile;
        let at = self.ids.len() as u32;
        self.ids.push(p.id.as_str().into());
        // The last minute each counts, by the facts' own rule (a licence
        // on its jurisdiction's clock); compared with each query's moment.
        self.listed_until
            .push(p.licences.iter().filter_map(LicenceFact::counts_until).max().map_or(NEVER, last_minute));
        self.certified_until
            .push(p.certifications.iter().filter_map(CertificationFact::counts_until).max().map_or(NEVER, last_minute));
        self.min_fee.push(p.min_fee_cents.unwrap_or(NO_FEE));
        let flags = [
            (p.individuals, INDIVIDUALS),
            (p.couples, COUPLES),
            (p.affirming.lgbtq, LGBTQ),
            (p.affirming.kink_aware, KINK_AWARE),
            (p.affirming.cnm, CNM),
            (p.telehealth, TELEHEALTH),
            (p.sliding_scale, SLIDING_SCALE),
            (p.free_consultation, FREE_CONSULTATION),
            (p.superbill, SUPERBILL),
            (p.accepting_new_clients, ACCEPTING),
        ];
        self.flags.push(flags.iter().filter(|(on, _)| *on).fold(0, |all, (_, bit)| all | bit));
        for concern in &p.concerns {
            self.concerns.add(at, concern, as_is);
        }
        for payer in &p.insurance {
            self.payers.add(at, payer, as_is);
        }
        for language in &p.languages {
            self.languages.add(at, language, as_is);
        }
        if let Some(gender) = &p.gender {
            self.genders.add(at, gender, lowercase);
        }
        for (licence, end) in p.licences.iter().filter_map(|l| Some((l, l.counts_until()?))) {
            let jurisdiction = licence.jurisdiction.trim();
            let entries = match self.licensed.get_mut(jurisdiction) {
                Some(entries) => entries,
                None => self.licensed.entry(jurisdiction.into()).or_default(),
            };
            let expires = last_minute(end);
            match entries.last_mut() {
                Some((last, latest)) if *last == at => *latest = (*latest).max(expires),
                _ => entries.push((at, expires)),
            }
        }
        for office in p.offices.iter().filter(|o| geo::valid_origin((o.lat, o.lon))) {
            self.offices.push((office.lat, office.lon));
        }
        self.office_start.push(self.offices.len() as u32);
        self.text.add(
            at,
            [p.text.as_str(), p.display_name.as_str()].into_iter().chain(p.offices.iter().map(|o| o.label.as_str())),
        );
    }

    /// The index: profiles ordered by id, one per id.
    pub fn finish(self) -> DirectoryIndex {
        let Self {
            mut ids,
            listed_until,
            certified_until,
            min_fee,
            flags,
            concerns,
            payers,
            languages,
            genders,
            licensed,
            office_start,
            offices,
            text,
        } = self;
        // Sort arrivals by id; of equal ids the later comes first and stays.
        let mut order: Vec<u32> = (0..ids.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]).then(b.cmp(&a)));
        order.dedup_by(|later, kept| ids[*later as usize] == ids[*kept as usize]);
        let n = order.len();
        // position[at]: the place of the `at`-th arrival, u32::MAX if left out.
        let mut position = vec![u32::MAX; ids.len()];
        for (i, &at) in order.iter().enumerate() {
            position[at as usize] = i as u32;
        }
        let column = |values: &[i32]| order.iter().map(|&at| values[at as usize]).collect::<Vec<i32>>();
        let flag = |bit: u16| Bits::from_fn(n, |i| flags[order[i] as usize] & bit != 0);

        let mut licensed: Vec<_> = licensed.into_iter().collect();
        licensed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut jurisdictions = Vec::new();
        let mut holders_by_jurisdiction = Vec::new();
        for (jurisdiction, entries) in licensed {
            let mut entries: Vec<(u32, i32)> = entries
                .into_iter()
                .filter_map(|(at, until)| position.get(at as usize).filter(|&&i| i != u32::MAX).map(|&i| (i, until)))
                .collect();
            if entries.is_empty() {
                continue;
            }
            entries.sort_unstable();
            let holders = Postings::new(entries.iter().map(|&(i, _)| i).collect(), n);
            let mut by_expiry: Vec<(i32, u32)> = entries.into_iter().map(|(i, until)| (until, i)).collect();
            by_expiry.sort_unstable();
            jurisdictions.push(jurisdiction);
            holders_by_jurisdiction.push(Licensed { holders, by_expiry });
        }

        let mut office_first = Vec::with_capacity(n + 1);
        let mut office_units = Vec::new();
        let mut grid_offices = Vec::new();
        office_first.push(0u32);
        for (i, &at) in order.iter().enumerate() {
            let range = office_start[at as usize] as usize..office_start[at as usize + 1] as usize;
            for &(lat, lon) in &offices[range] {
                office_units.push(geo::unit(lat, lon));
                grid_offices.push((lat, lon, i as u32));
            }
            office_first.push(office_units.len() as u32);
        }
        office_units.shrink_to_fit();

        let listed_until = column(&listed_until);
        let certified_until = column(&certified_until);
        let by_jurisdiction = holders_by_jurisdiction.iter().flat_map(|l| l.by_expiry.iter().map(|&(last, _)| last));
        let mut listing_changes: Vec<i32> = listed_until
            .iter()
            .chain(&certified_until)
            .copied()
            .chain(by_jurisdiction)
            .filter(|&last| last != NEVER && last != i32::MAX)
            .collect();
        listing_changes.sort_unstable();
        listing_changes.dedup();
        listing_changes.shrink_to_fit();
        DirectoryIndex {
            individuals: flag(INDIVIDUALS),
            couples: flag(COUPLES),
            lgbtq: flag(LGBTQ),
            kink_aware: flag(KINK_AWARE),
            cnm: flag(CNM),
            telehealth: flag(TELEHEALTH),
            sliding_scale: flag(SLIDING_SCALE),
            free_consultation: flag(FREE_CONSULTATION),
            superbill: flag(SUPERBILL),
            accepting: flag(ACCEPTING),
            listed_until,
            certified_until,
            listing_changes,
            min_fee: order.iter().map(|&at| min_fee[at as usize]).collect(),
            concerns: concerns.finish(&position, n),
            payers: payers.finish(&position, n),
            languages: languages.finish(&position, n),
            genders: genders.finish(&position, n),
            jurisdictions,
            licensed: holders_by_jurisdiction,
            office_start: office_first,
            office_units,
            grid: OfficeGrid::new(grid_offices),
            text: text.finish(&position, n),
            ids: order.iter().map(|&at| std::mem::take(&mut ids[at as usize])).collect(),
        }
    }
}

impl DirectoryIndex {
    /// Builds the index. Profiles are ordered by id; when two share an id, the
    /// later one in `profiles` wins. Offices with impossible coordinates are
    /// ignored. (To index profiles while they are read, use
    /// [`DirectoryIndexBuilder`].)
    pub fn build(profiles: Vec<DirectoryProfile>) -> DirectoryIndex {
        let mut builder = DirectoryIndexBuilder::new();
        for profile in &profiles {
            builder.push(profile);
        }
        drop(profiles);
        builder.finish()
    }

    /// How many profiles the index holds (listed or not).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// How many profiles are listed at `now` (a verified licence not expired).
    pub fn listed_count(&self, now: Timestamp) -> usize {
        let now = minute(now);
        self.listed_until.iter().filter(|&&until| until >= now).count()
    }

    /// Distinct words in the free-text index.
    pub fn vocabulary_len(&self) -> usize {
        self.text.vocabulary_len()
    }

    /// Approximate heap memory the index holds, in bytes (sum of capacities).
    pub fn heap_size_bytes(&self) -> usize {
        self.heap_breakdown().iter().map(|(_, bytes)| bytes).sum()
    }

    /// [`Self::heap_size_bytes`] by part, for operators and benchmarks.
    pub fn heap_breakdown(&self) -> Vec<(&'static str, usize)> {
        let flags = [
            &self.individuals,
            &self.couples,
            &self.lgbtq,
            &self.kink_aware,
            &self.cnm,
            &self.telehealth,
            &self.sliding_scale,
            &self.free_consultation,
            &self.superbill,
            &self.accepting,
        ];
        vec![
            ("ids", self.ids.capacity() * 16 + self.ids.iter().map(|id| id.len()).sum::<usize>()),
            (
                "columns and flags",
                (self.listed_until.capacity()
                    + self.certified_until.capacity()
                    + self.listing_changes.capacity()
                    + self.min_fee.capacity())
                    * 4
                    + flags.iter().map(|b| b.heap_bytes()).sum::<usize>(),
            ),
            (
                "concerns, payers, languages, genders",
                [&self.concerns, &self.payers, &self.languages, &self.genders].iter().map(|f| f.heap_bytes()).sum(),
            ),
            (
                "licences by jurisdiction",
                self.jurisdictions.capacity() * 16
                    + self.jurisdictions.iter().map(|j| j.len()).sum::<usize>()
                    + self.licensed.capacity() * std::mem::size_of::<Licensed>()
                    + self.licensed.iter().map(Licensed::heap_bytes).sum::<usize>(),
            ),
            ("offices", self.office_start.capacity() * 4 + self.office_units.capacity() * 24 + self.grid.heap_bytes()),
            ("free text", self.text.heap_bytes()),
        ]
    }

    /// Profiles offering telehealth with a listable licence in `jurisdiction` at minute `now`.
    fn telehealth_in(&self, jurisdiction: &str, now: i32) -> Bits {
        let mut bits = Bits::zeros(self.len());
        if let Ok(at) = self.jurisdictions.binary_search_by(|j| (**j).cmp(jurisdiction)) {
            // Every holder, then clear those whose licence there has expired:
            // cost in proportion to the expired, not to all holders.
            let licensed = &self.licensed[at];
            licensed.holders.or_into(&mut bits);
            for &(_, i) in licensed.by_expiry.iter().take_while(|(until, _)| *until < now) {
                bits.unset(i);
            }
        }
        bits.and_with(&self.telehealth);
        bits
    }

    /// Squared chord to the profile's nearest office, if it has one.
    #[inline]
    fn nearest_chord2(&self, i: u32, centre: &Unit) -> Option<f64> {
        let start = self.office_start[i as usize] as usize;
        let end = self.office_start[i as usize + 1] as usize;
        self.office_units[start..end].iter().map(|u| geo::chord2(u, centre)).min_by(f64::total_cmp)
    }

    /// A profile's position (its index in every column), if the index holds it.
    pub fn position(&self, id: &str) -> Option<u32> {
        self.ids.binary_search_by(|other| (**other).cmp(id)).ok().and_then(|at| u32::try_from(at).ok())
    }

    /// What a result card shows of a profile's fees and insurance, read from
    /// the index so the cards kept beside it need not hold them again.
    pub fn fees_of(&self, id: &str) -> Option<FeeFacts> {
        let at = self.position(id)?;
        let fee = self.min_fee[at as usize];
        let payers = self.payers.values.iter().zip(&self.payers.postings);
        Some(FeeFacts {
            min_fee_cents: (fee != NO_FEE).then_some(fee),
            sliding_scale: self.sliding_scale.get(at),
            free_consultation: self.free_consultation.get(at),
            payers: payers.filter(|(_, who)| who.contains(at)).map(|(payer, _)| payer.to_string()).collect(),
        })
    }

    /// The first moment after `now` at which a licence or certification
    /// stops counting, so that a search may find otherwise than at `now`;
    /// `None` if none ever will. A page of results holds until then.
    pub fn next_listing_change(&self, now: Timestamp) -> Option<Timestamp> {
        let now = minute(now);
        let next = self.listing_changes.get(self.listing_changes.partition_point(|&last| last < now))?;
        Some(Timestamp::from_second((i64::from(*next) + 1) * 60).unwrap_or(Timestamp::MAX))
    }

    /// Whether the profile is in the index and listed at `now`.
    pub fn is_listed(&self, id: &str, now: Timestamp) -> bool {
        self.position(id).is_some_and(|at| self.listed_until[at as usize] >= minute(now))
    }

    /// Runs a query as of `now`. Never fails: see [`SearchQuery::validate`].
    /// Without free times, [`Sort::Soonest`] is best-match order.
    pub fn search(&self, query: &SearchQuery, now: Timestamp) -> SearchResults {
        self.run(query, now, None, true)
    }

    /// Runs a query as of `now` with the profiles' free times: hits carry
    /// their next free time, and [`Sort::Soonest`] orders by it. A column
    /// built for another index is ignored.
    pub fn search_with(&self, query: &SearchQuery, next_free: &NextFree, now: Timestamp) -> SearchResults {
        let next = next_free.fits(self.len()).then_some((next_free, now.as_second()));
        self.run(query, now, next, true)
    }

    /// `by_groups`: allow the shortcut of [`Self::best_by_groups`] (tests compare both ways).
    fn run(
        &self,
        query: &SearchQuery,
        now: Timestamp,
        next: Option<(&NextFree, i64)>,
        by_groups: bool,
    ) -> SearchResults {
        let next_free = |i: u32| next.and_then(|(column, now)| column.first(i, now));
        let n = self.len();
        // In the unit of the columns it is compared with.
        let now = minute(now);
        let per_page = query.per_page.clamp(1, MAX_PER_PAGE);
        let page = query.page.max(1);
        let origin = query.origin.filter(|&o| geo::valid_origin(o));
        let centre = origin.map(|(lat, lon)| geo::unit(lat, lon));
        let radius_km = match query.radius_km {
            None => DEFAULT_RADIUS_KM,
            Some(r) if r.is_nan() => DEFAULT_RADIUS_KM,
            Some(r) => r.clamp(0.0, MAX_RADIUS_KM),
        };
        let jurisdiction = query.jurisdiction.as_deref().map(str::trim).filter(|j| !j.is_empty());

        let mut candidates = Bits::ones(n);

        let concerns = self.concerns.lookup(&query.concerns, n, as_is);
        let payers = self.payers.lookup(&query.insurance, n, as_is);
        let languages = self.languages.lookup(&query.languages, n, as_is);
        let genders = self.genders.lookup(&query.genders, n, lowercase);
        for selection in [&concerns, &payers, &languages, &genders] {
            selection.filter(&mut candidates, n);
        }

        let affirming: Vec<(AffirmingKind, &Bits)> = [
            (query.affirming.lgbtq, AffirmingKind::Lgbtq, &self.lgbtq),
            (query.affirming.kink_aware, AffirmingKind::KinkAware, &self.kink_aware),
            (query.affirming.cnm, AffirmingKind::Cnm, &self.cnm),
        ]
        .into_iter()
        .filter(|(asked, _, _)| *asked)
        .map(|(_, kind, bits)| (kind, bits))
        .collect();
        let required = [
            (query.focus == Some(ClientFocus::Individuals), &self.individuals),
            (query.focus == Some(ClientFocus::Couples), &self.couples),
            (query.superbill, &self.superbill),
            (query.sliding_scale, &self.sliding_scale),
            (query.free_consultation, &self.free_consultation),
            (query.accepting_new_clients, &self.accepting),
        ];
        for bits in
            affirming.iter().map(|(_, bits)| *bits).chain(required.iter().filter(|(on, _)| *on).map(|(_, b)| *b))
        {
            candidates.and_with(bits);
        }

        // Where: telehealth in the visitor's jurisdiction and/or an office nearby.
        let tele = match (query.format, jurisdiction) {
            (Format::InPerson, _) | (_, None) => None,
            (_, Some(j)) => Some(self.telehealth_in(j, now)),
        };
        let near = match (query.format, origin) {
            (Format::Telehealth, _) | (_, None) => None,
            (_, Some(origin)) => {
                let mut bits = Bits::zeros(n);
                self.grid.within(origin, radius_km, |i| bits.set(i));
                Some(bits)
            }
        };
        match (query.format, &tele, &near) {
            (Format::Any, None, None) => {}
            (Format::Any, Some(only), None) | (Format::Any, None, Some(only)) => candidates.and_with(only),
            (Format::Any, Some(tele), Some(near)) => {
                let mut either = tele.clone();
                either.or_with(near);
                candidates.and_with(&either);
            }
            (Format::Telehealth, Some(tele), _) => candidates.and_with(tele),
            (Format::InPerson, _, Some(near)) => candidates.and_with(near),
            // Telehealth without a jurisdiction, or in person without a location: nobody is safe to show.
            (Format::Telehealth, None, _) | (Format::InPerson, _, None) => candidates.clear(),
        }

        let text_input: String = query.text.chars().take(MAX_TEXT_CHARS).collect();
        let terms = text::query_terms(&text_input);
        let term_matches: Vec<text::TermMatch> = terms.iter().map(|t| self.text.lookup(t, n)).collect();
        for term in &term_matches {
            candidates.and_with(&term.any);
        }

        // Columns last, on the words that still have candidates.
        candidates.retain_column(&self.listed_until, |until| until >= now);
        if query.certified_only {
            candidates.retain_column(&self.certified_until, |until| until >= now);
        }
        if let Some(ceiling) = query.max_fee_cents {
            candidates.retain_column(&self.min_fee, |fee| fee != NO_FEE && fee <= ceiling);
        }

        let total = candidates.count();
        let pages = total.div_ceil(per_page as usize).try_into().unwrap_or(u32::MAX);
        let skip = (u64::from(page) - 1) * u64::from(per_page);
        let mut results = SearchResults { total, hits: Vec::new(), page, per_page, pages, changes_at: None };
        if skip >= total as u64 {
            return results;
        }
        let keep = (skip as usize + per_page as usize).min(total);

        let base = weights::AFFIRMING * affirming.len() as u32;
        // `chord2`: to the nearest office, when the query has an origin and the profile an office.
        let score = |i: u32, chord2: Option<f64>| -> u32 {
            let mut points = base
                + concerns.points(i, weights::CONCERN)
                + payers.points(i, weights::INSURANCE)
                + languages.points(i, weights::LANGUAGE);
            if self.certified_until[i as usize] >= now {
                points += weights::CERTIFIED;
            }
            if self.accepting.get(i) {
                points += weights::ACCEPTING_NEW_CLIENTS;
            }
            if !term_matches.is_empty() {
                let halves: u32 = term_matches.iter().map(|t| if t.exact.get(i) { 2 } else { 1 }).sum();
                points += weights::TEXT * halves / (2 * term_matches.len() as u32);
            }
            if let Some(chord2) = chord2 {
                let km = geo::chord_km(chord2);
                let decay = f64::from(weights::DISTANCE) * weights::DISTANCE_HALF_KM / (weights::DISTANCE_HALF_KM + km);
                points += decay as u32;
            }
            points
        };
        // Smaller keys first: the sort's own key, then higher score, then id.
        let sort = if query.sort == Sort::Distance && centre.is_none() { Sort::BestMatch } else { query.sort };
        // Free times are after 1970; none known sorts after every time.
        let soonest = |i: u32| -> u64 { next_free(i).map_or(u64::MAX, |at| at.max(0) as u64) };
        let key = |i: u32| -> u128 {
            let chord2 = centre.as_ref().and_then(|centre| self.nearest_chord2(i, centre));
            let tail = (u128::from(u32::MAX - score(i, chord2)) << 32) | u128::from(i);
            match sort {
                Sort::Distance => (u128::from(chord2.map_or(u64::MAX, f64::to_bits)) << 64) | tail,
                Sort::Fee => (u128::from(self.min_fee[i as usize]) << 64) | tail,
                Sort::Soonest => (u128::from(soonest(i)) << 64) | tail,
                Sort::BestMatch => tail,
            }
        };
        let only_groups_vary = sort == Sort::BestMatch
            && centre.is_none()
            && term_matches.is_empty()
            && [&concerns, &payers, &languages].iter().all(|list| list.known.len() <= 1);
        let best: Vec<u32> = if by_groups && only_groups_vary {
            self.best_by_groups(&candidates, now, keep)
        } else {
            let mut top = TopK::new(keep);
            if sort == Sort::Soonest {
                // Most candidates are later than the worst kept (or have no
                // time): their time alone rules them out, without a score.
                candidates.for_each_one(|i| {
                    if top.worst().is_none_or(|worst| u128::from(soonest(i)) <= worst >> 64) {
                        top.push(key(i));
                    }
                });
            } else {
                candidates.for_each_one(|i| top.push(key(i)));
            }
            top.into_sorted().into_iter().map(|k| (k & u128::from(u32::MAX)) as u32).collect()
        };

        // The page holds until a free time it depends on lapses. Sorting by
        // soonest, that is any of the first `keep` (a profile further down
        // can only move later when its time lapses, never up); otherwise
        // only the times shown on this page.
        let depends = if sort == Sort::Soonest { &best[..] } else { &best[skip as usize..] };
        let lapses = next.and_then(|(column, now)| {
            depends.iter().filter_map(|&i| column.first_kept(i, now)).map(|[until, _]| until).min()
        });
        results.changes_at = lapses.and_then(|until| jiff::Timestamp::from_second(until.saturating_add(1)).ok());
        results.hits = best[skip as usize..]
            .iter()
            .map(|&i| {
                let chord2 = centre.as_ref().and_then(|c| self.nearest_chord2(i, c));
                let score = score(i, chord2);
                let distance_km = chord2.map(geo::km_for_chord2);
                let mut reasons = Vec::new();
                reasons.extend(concerns.matched(i).map(|v| Reason::TreatsConcern(v.to_string())));
                reasons.extend(payers.matched(i).map(|v| Reason::InNetwork(v.to_string())));
                if let (Some(tele), Some(j)) = (&tele, jurisdiction)
                    && tele.get(i)
                {
                    reasons.push(Reason::Telehealth(j.to_string()));
                }
                if let (Some(near), Some(km)) = (&near, distance_km)
                    && near.get(i)
                {
                    reasons.push(Reason::InPerson { km });
                }
                reasons.extend(languages.matched(i).map(|v| Reason::Speaks(v.to_string())));
                if let Some(focus) = query.focus {
                    reasons.push(Reason::WorksWith(focus));
                }
                reasons.extend(affirming.iter().map(|(kind, _)| Reason::Affirming(*kind)));
                let fee = self.min_fee[i as usize];
                if query.max_fee_cents.is_some() && fee != NO_FEE {
                    reasons.push(Reason::FeeFrom { cents: fee });
                }
                if self.sliding_scale.get(i) {
                    reasons.push(Reason::SlidingScale);
                }
                if self.free_consultation.get(i) {
                    reasons.push(Reason::FreeConsultation);
                }
                if query.superbill {
                    reasons.push(Reason::Superbill);
                }
                if self.certified_until[i as usize] >= now {
                    reasons.push(Reason::Certified);
                }
                if self.accepting.get(i) {
                    reasons.push(Reason::AcceptingNewClients);
                }
                if !terms.is_empty() {
                    reasons.push(Reason::Mentions(terms.clone()));
                }
                let next_free = next_free(i).and_then(|at| jiff::Timestamp::from_second(at).ok());
                Hit { id: self.ids[i as usize].to_string(), score, distance_km, reasons, next_free }
            })
            .collect();
        results
    }
}

impl DirectoryIndex {
    /// The first `keep` candidates in best-match order when their scores differ
    /// only by certification and accepting new clients (no origin, no text, at
    /// most one value per list): candidates fall into four groups, best first,
    /// each in id order — word-wide bit operations instead of a score per candidate.
    fn best_by_groups(&self, candidates: &Bits, now: i32, keep: usize) -> Vec<u32> {
        let mut certified = candidates.clone();
        certified.retain_column(&self.certified_until, |until| until >= now);
        let mut groups: Vec<(u32, Bits)> = Vec::new();
        for (is_certified, is_accepting) in [(true, true), (true, false), (false, true), (false, false)] {
            let points =
                u32::from(is_certified) * weights::CERTIFIED + u32::from(is_accepting) * weights::ACCEPTING_NEW_CLIENTS;
            let mut group = candidates.clone();
            if is_certified {
                group.and_with(&certified);
            } else {
                group.and_not_with(&certified);
            }
            if is_accepting {
                group.and_with(&self.accepting);
            } else {
                group.and_not_with(&self.accepting);
            }
            // Equal points (were the weights ever equal) share a group: id order decides.
            match groups.iter_mut().find(|(p, _)| *p == points) {
                Some((_, same)) => same.or_with(&group),
                None => groups.push((points, group)),
            }
        }
        groups.sort_by_key(|group| std::cmp::Reverse(group.0));
        let mut best = Vec::with_capacity(keep);
        for (_, group) in &groups {
            group.push_ones_until(&mut best, keep);
            if best.len() >= keep {
                break;
            }
        }
        best
    }
}

/// The `keep` smallest keys pushed: a bounded max-heap while `keep` is small,
/// else every key and a selection at the end.
enum TopK {
    Heap(usize, BinaryHeap<u128>),
    All(usize, Vec<u128>),
}

impl TopK {
    fn new(keep: usize) -> Self {
        if keep <= HEAP_LIMIT {
            TopK::Heap(keep, BinaryHeap::with_capacity(keep + 1))
        } else {
            TopK::All(keep, Vec::new())
        }
    }

    #[inline]
    fn push(&mut self, key: u128) {
        match self {
            TopK::Heap(keep, heap) => {
                if heap.len() < *keep {
                    heap.push(key);
                } else if let Some(mut worst) = heap.peek_mut()
                    && key < *worst
                {
                    *worst = key;
                }
            }
            TopK::All(_, all) => all.push(key),
        }
    }

    /// The largest key kept, once `keep` keys are held (while a heap).
    fn worst(&self) -> Option<u128> {
        match self {
            TopK::Heap(keep, heap) if heap.len() >= *keep => heap.peek().copied(),
            _ => None,
        }
    }

    /// Ascending.
    fn into_sorted(self) -> Vec<u128> {
        match self {
            TopK::Heap(_, heap) => heap.into_sorted_vec(),
            TopK::All(keep, mut all) => {
                if keep == 0 {
                    return Vec::new();
                }
                if all.len() > keep {
                    all.select_nth_unstable(keep - 1);
                    all.truncate(keep);
                }
                all.sort_unstable();
                all
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::super::{Affirming, CertificationFact, LicenceFact};
    use super::*;

    /// Profiles whose facts cycle with different periods, so every
    /// combination of certified and accepting occurs with every concern.
    fn mixed(n: u32) -> Vec<DirectoryProfile> {
        (0..n)
            .map(|i| DirectoryProfile {
                id: format!("{:08x}", i.wrapping_mul(2_654_435_761)),
                display_name: String::new(),
                pronouns: String::new(),
                concerns: vec![["low-desire", "vaginismus", "infidelity"][(i % 3) as usize].into()],
                individuals: true,
                couples: i % 2 == 0,
                affirming: Affirming { lgbtq: i % 5 != 0, kink_aware: false, cnm: false },
                languages: vec!["en".into()],
                gender: None,
                offices: Vec::new(),
                telehealth: i % 4 != 0,
                licences: vec![LicenceFact {
                    jurisdiction: ["US-NY", "US-NJ"][(i % 2) as usize].into(),
                    expires_on: date(2026, 1 + (i % 12) as i8, 1),
                    verified: i % 17 != 0,
                }],
                certifications: match i % 4 {
                    0 => Vec::new(),
                    1 => vec![CertificationFact { expires_on: None, verified: true }],
                    _ => {
                        vec![CertificationFact { expires_on: Some(date(2026, 1 + (i % 11) as i8, 15)), verified: true }]
                    }
                },
                min_fee_cents: Some(10_000 + (i % 9) * 1_000),
                sliding_scale: i % 3 == 1,
                free_consultation: false,
                insurance: if i % 5 == 0 { vec!["aetna".into()] } else { Vec::new() },
                superbill: false,
                accepting_new_clients: i % 7 < 4,
                text: String::new(),
            })
            .collect()
    }

    #[test]
    fn the_grouped_shortcut_orders_exactly_like_scoring_every_candidate() {
        let index = DirectoryIndex::build(mixed(700));
        let queries = [
            SearchQuery::default(),
            SearchQuery { concerns: vec!["vaginismus".into()], per_page: 50, ..Default::default() },
            SearchQuery { insurance: vec!["aetna".into()], page: 2, per_page: 7, ..Default::default() },
            SearchQuery {
                format: Format::Telehealth,
                jurisdiction: Some("US-NY".into()),
                focus: Some(ClientFocus::Couples),
                page: 3,
                ..Default::default()
            },
            SearchQuery { affirming: Affirming { lgbtq: true, ..Default::default() }, page: 3, ..Default::default() },
        ];
        for day in [date(2025, 12, 31), date(2026, 4, 2), date(2026, 9, 30)] {
            let today = day.at(12, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
            for query in &queries {
                let shortcut = index.run(query, today, None, true);
                assert!(!shortcut.hits.is_empty(), "{query:?} on {today}");
                assert_eq!(shortcut, index.run(query, today, None, false), "{query:?} on {today}");
            }
        }
    }
}
