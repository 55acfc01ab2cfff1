//! Directory search: a visitor looks for a licensed (and, if they ask,
//! certified) sex therapist who fits them.
//!
//! The caller builds a [`DirectoryIndex`] from every profile's facts
//! ([`DirectoryProfile`]) and asks it [`SearchQuery`]s, passing the moment.
//! Whether a profile is listed is decided *at query time* against that
//! moment: a profile is listed when at least one of its licences is verified
//! and its expiry day has not ended on its state's clock
//! ([`LicenceFact::counts_until`]). Nothing here reads a clock.
//!
//! Reference data (concern slugs, payer slugs, language codes, jurisdiction
//! ids such as `US-NY`) is opaque to this module: the index interns the strings
//! it sees into small integer ids, and [`Reason`]s carry the slugs back so the
//! caller can render them with names ([`ReferenceNames`]).
//!
//! # Matching rules
//! - Lists in the query (`concerns`, `insurance`, `languages`, `genders`) match
//!   a profile that has **any** of the values; more matches rank higher.
//! - Flags in the query (`affirming`, `focus`, `certified_only`,
//!   `accepting_new_clients`, `sliding_scale`, `free_consultation`,
//!   `superbill`) are **required** when set.
//! - [`Format::Telehealth`]: the profile offers telehealth and holds a listable
//!   (verified, unexpired) licence in the visitor's `jurisdiction`.
//! - [`Format::InPerson`]: one of the profile's offices is within `radius_km`
//!   (default [`DEFAULT_RADIUS_KM`]) of `origin`, by great-circle distance.
//! - [`Format::Any`]: either of the above, with whatever the visitor told us
//!   (a jurisdiction, a location or both); neither → no location constraint.
//! - `max_fee_cents`: the profile's lowest fee is known and within the ceiling.
//! - `text`: every word of the text (ignoring a few stop words) occurs in the
//!   profile's own words, display name or office labels; words of three or more
//!   letters also match as prefixes ("mindful" finds "mindfulness").
//!
//! # Order
//! Every sort ends with the best-match score (higher first) and then the
//! profile id (byte order), so the same data and query always give the same
//! order. The best-match score is an integer sum of [`weights`]: concern matches
//! weigh most, then insurance, language, affirming flags, certification,
//! accepting new clients, text relevance, and distance decay.
//!
//! [`Sort::Soonest`] orders by a [`NextFree`] column passed with the query
//! ([`DirectoryIndex::search_with`]): profiles with a free time first, the
//! earliest first, then the others; ties, as ever, by score and id.
//!
//! # Keeping it current
//! The index holds no dates of its own beyond the facts: licence and
//! certification expiry are compared with the `today` of each query, so a
//! licence that expires overnight stops listing its holder the next morning
//! without any rebuild. Profile edits (and verifications) do need a rebuild:
//! load every profile, [`DirectoryIndex::build`] off the request path, and swap
//! an `Arc<DirectoryIndex>`; keep serving the old one meanwhile.
//!
//! # Cost
//! Filters are bitsets (one bit per profile) and small columns; a query ANDs a
//! handful of bitsets, checks dates and fees on the surviving words, and keeps
//! the top `page × per_page` keys in a heap. See `bench/search` for figures.
mod bits;
mod geo;
mod index;
mod next_free;
mod text;

#[cfg(test)]
mod tests;

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::clock::end_of_day;
use serde::{Deserialize, Serialize};

pub use index::{DirectoryIndex, DirectoryIndexBuilder, FeeFacts};
pub use next_free::{KEPT as NEXT_FREE_KEPT, NextFree};

/// Radius used for in-person matching when the visitor gave a location but no distance.
pub const DEFAULT_RADIUS_KM: f64 = 25.0;
/// The largest radius a visitor may ask for.
pub const MAX_RADIUS_KM: f64 = 500.0;
/// Results per page when the caller does not say.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// The most results one page may hold; larger requests are clamped.
pub const MAX_PER_PAGE: u32 = 50;
/// The highest fee ceiling accepted (100 000.00 would be absurd for a session).
pub const MAX_FEE_CEILING_CENTS: u32 = 1_000_000;
/// The longest free-text search, in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// The most values one list filter (concerns, insurance, languages, genders) may hold.
pub const MAX_LIST_VALUES: usize = 20;

/// Points that make up the best-match score. Integer arithmetic only, so every
/// platform and every engine computes the same score.
pub mod weights {
    /// Per concern of the query the profile treats.
    pub const CONCERN: u32 = 1000;
    /// Per payer of the query the profile is in network with.
    pub const INSURANCE: u32 = 400;
    /// Per language of the query the profile speaks.
    pub const LANGUAGE: u32 = 200;
    /// Per affirming flag asked for (all hits have them: they are filters).
    pub const AFFIRMING: u32 = 100;
    /// The profile holds a verified, unexpired certification.
    pub const CERTIFIED: u32 = 80;
    /// The profile is accepting new clients.
    pub const ACCEPTING_NEW_CLIENTS: u32 = 60;
    /// At most this much for free text: each query word found as a whole
    /// word counts fully, found only as a prefix counts half.
    pub const TEXT: u32 = 50;
    /// At most this much for distance, when the query has an origin:
    /// `DISTANCE * DISTANCE_HALF_KM / (DISTANCE_HALF_KM + km)`, rounded down,
    /// with `km` the straight-line (chord) distance to the nearest office.
    pub const DISTANCE: u32 = 40;
    /// The distance at which the distance points have halved.
    pub const DISTANCE_HALF_KM: f64 = 10.0;
}

/// The facts about one therapist the directory searches on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectoryProfile {
    /// Opaque, unique; hits carry it back. Results tie-break on it (byte order).
    pub id: String,
    pub display_name: String,
    /// Empty when not given.
    pub pronouns: String,
    /// Concern slugs.
    pub concerns: Vec<String>,
    /// Sees individuals.
    pub individuals: bool,
    /// Sees couples.
    pub couples: bool,
    pub affirming: Affirming,
    /// Language codes.
    pub languages: Vec<String>,
    /// Self-described; compared case-insensitively after trimming. `None` or blank: not given.
    pub gender: Option<String>,
    /// Where the therapist sees clients in person (leave empty if they do not).
    pub offices: Vec<Office>,
    pub telehealth: bool,
    pub licences: Vec<LicenceFact>,
    pub certifications: Vec<CertificationFact>,
    /// The lowest fee for a session, if published.
    pub min_fee_cents: Option<u32>,
    pub sliding_scale: bool,
    pub free_consultation: bool,
    /// Payer slugs the therapist is in network with.
    pub insurance: Vec<String>,
    pub superbill: bool,
    pub accepting_new_clients: bool,
    /// The therapist's approach in their own words; searchable.
    pub text: String,
}

/// Affirming flags, on a profile (what it is) or in a query (what is required).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affirming {
    pub lgbtq: bool,
    pub kink_aware: bool,
    /// Consensually non-monogamous relationships.
    pub cnm: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Office {
    pub lat: f64,
    pub lon: f64,
    /// E.g. "Park Slope, Brooklyn"; searchable as text.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenceFact {
    /// A jurisdiction id, e.g. `US-NY`.
    pub jurisdiction: String,
    /// Valid through this day.
    pub expires_on: Date,
    pub verified: bool,
}

impl LicenceFact {
    /// The rule, in one place: a licence counts (for listing, for the
    /// states a therapist may see clients from by telehealth, for what a
    /// profile shows) once verified, through the day it expires on its
    /// jurisdiction's clock (where its board sits): it stops counting when
    /// that day ends there, not at midnight UTC, which is the evening
    /// before in the US. `None` while it awaits verification. The index
    /// keeps this moment, so that expiry needs no rebuild.
    pub fn counts_until(&self) -> Option<Timestamp> {
        self.verified.then(|| end_of_day(self.expires_on, &jurisdiction_zone(&self.jurisdiction)))
    }

    /// Whether the licence counts at `now` ([`Self::counts_until`]).
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.counts_until().is_some_and(|end| now < end)
    }
}

/// The clock a jurisdiction's licences expire on; UTC should the reference
/// data be unreadable (it is parsed and tested at build time, so it is not).
fn jurisdiction_zone(jurisdiction: &str) -> jiff::tz::TimeZone {
    super::reference::reference().map_or(jiff::tz::TimeZone::UTC, |r| r.jurisdiction_zone(jurisdiction))
}

/// Whether a profile is listed in the directory on a given day, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Listed: a verified licence is current through `until` (the latest expiry).
    Listed { until: Date },
    /// No licence has been added.
    NoLicence,
    /// Licences exist, but none is verified and current; some await verification.
    AwaitingVerification,
    /// Every verified licence has expired.
    Expired,
}

impl Listing {
    /// Listed while at least one licence is current ([`LicenceFact::is_current`]).
    pub fn of(licences: &[LicenceFact], now: Timestamp) -> Self {
        let current = licences.iter().filter(|l| l.is_current(now)).map(|l| l.expires_on).max();
        // One awaiting verification that would count now, once verified.
        let would_count = |l: &LicenceFact| !l.verified && LicenceFact { verified: true, ..l.clone() }.is_current(now);
        match current {
            Some(until) => Listing::Listed { until },
            None if licences.is_empty() => Listing::NoLicence,
            None if licences.iter().any(would_count) => Listing::AwaitingVerification,
            None => Listing::Expired,
        }
    }

    pub fn is_listed(self) -> bool {
        matches!(self, Listing::Listed { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificationFact {
    /// Valid through this day; `None` does not expire.
    pub expires_on: Option<Date>,
    pub verified: bool,
}

impl CertificationFact {
    /// A certification counts once verified, through the day it expires
    /// ([`Timestamp::MAX`] when it does not). Its bodies certify for the
    /// whole country, so that day lasts until it has ended in every
    /// jurisdiction. `None` while it awaits verification.
    pub fn counts_until(&self) -> Option<Timestamp> {
        self.verified.then(|| match self.expires_on {
            Some(last) => super::reference::reference()
                .map_or_else(|_| end_of_day(last, &jiff::tz::TimeZone::UTC), |r| r.end_of_day_everywhere(last)),
            None => Timestamp::MAX,
        })
    }

    /// Whether the certification counts at `now` ([`Self::counts_until`]).
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.counts_until().is_some_and(|end| now < end)
    }
}

/// How the visitor wants to meet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Telehealth where licensed for the visitor's jurisdiction, or in person near
    /// the origin — whichever the visitor gave us; no constraint if neither.
    #[default]
    Any,
    /// Needs `jurisdiction`.
    Telehealth,
    /// Needs `origin`.
    InPerson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientFocus {
    Individuals,
    Couples,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Highest score first.
    #[default]
    BestMatch,
    /// Nearest office first (needs `origin`); profiles without an office last.
    Distance,
    /// Lowest published fee first; profiles without a fee last.
    Fee,
    /// Soonest free time first (see [`NextFree`]); profiles with none known
    /// last, in best-match order.
    Soonest,
}

/// What a visitor asks for. Empty lists, `None` and `false` mean "no filter".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// Concern slugs; any matches, more rank higher.
    pub concerns: Vec<String>,
    pub format: Format,
    /// The visitor's location as (latitude, longitude) in degrees, resolved by the
    /// caller from a postal code or city.
    pub origin: Option<(f64, f64)>,
    /// In-person radius around `origin`; [`DEFAULT_RADIUS_KM`] when `None`.
    pub radius_km: Option<f64>,
    /// The visitor's jurisdiction id (e.g. `US-NY`), for telehealth.
    pub jurisdiction: Option<String>,
    /// Payer slugs; any matches.
    pub insurance: Vec<String>,
    /// Requires superbills (for out-of-network reimbursement).
    pub superbill: bool,
    /// Language codes; any matches.
    pub languages: Vec<String>,
    pub focus: Option<ClientFocus>,
    /// Each flag set is required.
    pub affirming: Affirming,
    pub certified_only: bool,
    pub accepting_new_clients: bool,
    /// The profile's lowest fee must be published and at most this.
    pub max_fee_cents: Option<u32>,
    pub sliding_scale: bool,
    pub free_consultation: bool,
    /// Therapist genders, compared case-insensitively; any matches.
    pub genders: Vec<String>,
    /// Free text, at most [`MAX_TEXT_CHARS`] characters.
    pub text: String,
    pub sort: Sort,
    /// 1-based.
    pub page: u32,
    /// Clamped to `1..=MAX_PER_PAGE` by [`DirectoryIndex::search`].
    pub per_page: u32,
}

impl Default for SearchQuery {
    fn default() -> Self {
        Self {
            concerns: Vec::new(),
            format: Format::Any,
            origin: None,
            radius_km: None,
            jurisdiction: None,
            insurance: Vec::new(),
            superbill: false,
            languages: Vec::new(),
            focus: None,
            affirming: Affirming::default(),
            certified_only: false,
            accepting_new_clients: false,
            max_fee_cents: None,
            sliding_scale: false,
            free_consultation: false,
            genders: Vec::new(),
            text: String::new(),
            sort: Sort::BestMatch,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl SearchQuery {
    /// Checks what a visitor typed; returns every problem as `(field, message)`,
    /// in field order, with messages fit to show beside the field.
    ///
    /// [`DirectoryIndex::search`] never fails: it clamps what it can and, for a
    /// query this function rejects, returns what a safe reading of it gives
    /// (for example no hits for telehealth without a jurisdiction). Validate
    /// first and show the messages instead.
    pub fn validate(&self) -> Result<(), Vec<(&'static str, String)>> {
        let mut errors: Vec<(&'static str, String)> = Vec::new();
        let lists: [(&'static str, &[String], &str); 4] = [
            ("concerns", &self.concerns, "concerns"),
            ("insurance", &self.insurance, "insurance plans"),
            ("languages", &self.languages, "languages"),
            ("genders", &self.genders, "genders"),
        ];
        for (field, values, what) in lists {
            if values.len() > MAX_LIST_VALUES {
                errors.push((field, format!("Choose at most {MAX_LIST_VALUES} {what}.")));
            }
        }
        if let Some(origin) = self.origin
            && !geo::valid_origin(origin)
        {
            errors.push(("origin", "We could not place that location on the map; try a postal code or a city.".into()));
        }
        if self.origin.is_none() {
            let why = if self.format == Format::InPerson {
                Some("Enter a postal code or city to find an office near you.")
            } else if self.sort == Sort::Distance {
                Some("Enter a postal code or city to sort by distance.")
            } else if self.radius_km.is_some() {
                Some("Enter a postal code or city to search within a distance.")
            } else {
                None
            };
            if let Some(message) = why {
                errors.push(("origin", message.into()));
            }
        }
        if let Some(radius) = self.radius_km {
            if radius.is_nan() || radius.is_infinite() {
                errors.push(("radius_km", "Enter the distance as a number of kilometres.".into()));
            } else if radius <= 0.0 {
                errors.push(("radius_km", "The distance must be more than 0 km.".into()));
            } else if radius > MAX_RADIUS_KM {
                errors.push(("radius_km", format!("The distance can be at most {MAX_RADIUS_KM} km.")));
            }
        }
        if self.format == Format::Telehealth && self.jurisdiction.as_deref().is_none_or(|j| j.trim().is_empty()) {
            errors.push((
                "jurisdiction",
                "Choose the state or region you are in, so we only show therapists licensed there.".into(),
            ));
        }
        if let Some(ceiling) = self.max_fee_cents
            && ceiling > MAX_FEE_CEILING_CENTS
        {
            errors.push(("max_fee_cents", format!("Enter a fee ceiling of at most {}.", MAX_FEE_CEILING_CENTS / 100)));
        }
        let chars = self.text.chars().count();
        if chars > MAX_TEXT_CHARS {
            errors.push(("text", format!("Use at most {MAX_TEXT_CHARS} characters (this has {chars}).")));
        }
        if self.page == 0 {
            errors.push(("page", "Page numbers start at 1.".into()));
        }
        if self.per_page == 0 {
            errors.push(("per_page", "Show at least 1 result per page.".into()));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    /// How many listed profiles match, over all pages.
    pub total: usize,
    /// This page's hits, best first; empty past the last page.
    pub hits: Vec<Hit>,
    /// The page asked for (at least 1).
    pub page: u32,
    /// The page size used (after clamping).
    pub per_page: u32,
    /// How many pages `total` fills (0 when nothing matches).
    pub pages: u32,
    /// When the same query on the same index and column could first give
    /// another page only because time passed: the first instant at which a
    /// free time this page shows (or, sorting by soonest, one that ranks a
    /// hit up to this page) can no longer be offered. `None` when no free
    /// time counts. The day the search is run on counts too, but it is the
    /// caller's: it passed it in. Callers that keep results use it to know
    /// how long they hold.
    pub changes_at: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    /// The best-match score (see [`weights`]); comparable within one query only.
    pub score: u32,
    /// Great-circle distance from the query's origin to the nearest office, when
    /// both exist.
    pub distance_km: Option<f64>,
    /// Why this profile matches, most important first.
    pub reasons: Vec<Reason>,
    /// The first free time that can still be offered, when the search had
    /// a [`NextFree`] column and the profile has one.
    pub next_free: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AffirmingKind {
    Lgbtq,
    KinkAware,
    Cnm,
}

/// Why a hit matches. Slugs are the caller's reference-data slugs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Reason {
    /// A concern slug of the query the profile treats.
    TreatsConcern(String),
    /// A payer slug of the query the profile is in network with.
    InNetwork(String),
    /// Offers telehealth and holds a listable licence in this jurisdiction.
    Telehealth(String),
    /// An office within the radius, this far away.
    InPerson {
        km: f64,
    },
    /// A language code of the query the profile speaks.
    Speaks(String),
    /// Sees the client focus the query asked for.
    WorksWith(ClientFocus),
    /// An affirming flag the query asked for.
    Affirming(AffirmingKind),
    /// The lowest fee, when the query had a fee ceiling.
    FeeFrom {
        cents: u32,
    },
    SlidingScale,
    FreeConsultation,
    /// Provides superbills (asked for).
    Superbill,
    /// Holds a verified, unexpired certification.
    Certified,
    AcceptingNewClients,
    /// The query's words found in the profile's text.
    Mentions(Vec<String>),
}

/// Names for reference-data slugs, to render [`Reason`]s. Every method may
/// return `None`, and the slug itself is shown.
pub trait ReferenceNames {
    fn concern(&self, _slug: &str) -> Option<String> {
        None
    }
    fn payer(&self, _slug: &str) -> Option<String> {
        None
    }
    fn language(&self, _code: &str) -> Option<String> {
        None
    }
    fn jurisdiction(&self, _id: &str) -> Option<String> {
        None
    }
    /// A fee in the practice's currency; by default `$150` or `$150.50`.
    fn fee(&self, cents: u32) -> String {
        if cents.is_multiple_of(100) {
            format!("${}", cents / 100)
        } else {
            format!("${}.{:02}", cents / 100, cents % 100)
        }
    }
}

/// Renders slugs as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlugsOnly;

impl ReferenceNames for SlugsOnly {}

impl Reason {
    /// A stable snake_case code, e.g. for CSS classes or icons.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::TreatsConcern(_) => "treats_concern",
            Reason::InNetwork(_) => "in_network",
            Reason::Telehealth(_) => "telehealth",
            Reason::InPerson { .. } => "in_person",
            Reason::Speaks(_) => "speaks",
            Reason::WorksWith(_) => "works_with",
            Reason::Affirming(_) => "affirming",
            Reason::FeeFrom { .. } => "fee_from",
            Reason::SlidingScale => "sliding_scale",
            Reason::FreeConsultation => "free_consultation",
            Reason::Superbill => "superbill",
            Reason::Certified => "certified",
            Reason::AcceptingNewClients => "accepting_new_clients",
            Reason::Mentions(_) => "mentions",
        }
    }

    /// A short phrase for a visitor, e.g. "Treats erection difficulties",
    /// "In network with Aetna", "Telehealth, licensed in NY", "In person, 3.2 km".
    pub fn label(&self, names: &dyn ReferenceNames) -> String {
        let or = |name: Option<String>, slug: &str| name.unwrap_or_else(|| slug.to_string());
        match self {
            Reason::TreatsConcern(slug) => format!("Treats {}", or(names.concern(slug), slug)),
            Reason::InNetwork(slug) => format!("In network with {}", or(names.payer(slug), slug)),
            Reason::Telehealth(id) => format!("Telehealth, licensed in {}", or(names.jurisdiction(id), id)),
            Reason::InPerson { km } => format!("In person, {}", format_km(*km)),
            Reason::Speaks(code) => format!("Speaks {}", or(names.language(code), code)),
            Reason::WorksWith(ClientFocus::Individuals) => "Works with individuals".into(),
            Reason::WorksWith(ClientFocus::Couples) => "Works with couples".into(),
            Reason::Affirming(AffirmingKind::Lgbtq) => "LGBTQ+ affirming".into(),
            Reason::Affirming(AffirmingKind::KinkAware) => "Kink-aware".into(),
            Reason::Affirming(AffirmingKind::Cnm) => "Affirming of consensual non-monogamy".into(),
            Reason::FeeFrom { cents } => format!("Fees from {}", names.fee(*cents)),
            Reason::SlidingScale => "Sliding scale".into(),
            Reason::FreeConsultation => "Free consultation".into(),
            Reason::Superbill => "Provides superbills".into(),
            Reason::Certified => "Certified".into(),
            Reason::AcceptingNewClients => "Accepting new clients".into(),
            Reason::Mentions(words) => {
                let quoted: Vec<String> = words.iter().map(|w| format!("“{w}”")).collect();
                format!("Mentions {}", quoted.join(", "))
            }
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label(&SlugsOnly))
    }
}

/// Joins a hit's reasons the way a result card shows them ("… · … · …").
pub fn reasons_line(reasons: &[Reason], names: &dyn ReferenceNames) -> String {
    reasons.iter().map(|reason| reason.label(names)).collect::<Vec<_>>().join(" · ")
}

fn format_km(km: f64) -> String {
    if km < 100.0 { format!("{km:.1} km") } else { format!("{km:.0} km") }
}
