//! The directory's reference data: the concerns a visitor searches by, the
//! ICD-10-CM codes they relate to, licence types, certifying bodies,
//! languages, payers, licensing jurisdictions and US ZIP code centroids.
//!
//! The data lives in versioned, tab-separated files under
//! `crates/domain/data/reference/` (each starts with `#` comment lines naming
//! what it is, its version, source and licence, then a header line). They are
//! compiled in with `include_str!` and parsed once, on first use, by
//! [`reference`]. Parsing is pure and checked: [`Reference::parse`] returns a
//! [`ReferenceError`] for any malformed row, duplicate id or dangling
//! reference, and a test parses every bundled file, so the bundled data cannot
//! fail at run time. Nothing here panics.
//!
//! Ids (concern and payer slugs, codes) are stored on profiles: they never
//! change once published. Names and descriptions may be reworded.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde::Serialize;

/// A concern a visitor can search by, e.g. `erection-difficulties`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concern {
    /// Stable id; never changes once published.
    pub slug: String,
    /// Plain-language, professional, non-explicit label.
    pub name: String,
    /// One sentence.
    pub description: String,
    /// Lower-case search terms.
    pub synonyms: Vec<String>,
    /// Related ICD-10-CM codes (context for clinicians and billing, never a
    /// diagnosis); each is in [`Reference::icd10_codes`]. Often empty.
    pub icd10: Vec<String>,
}

/// An ICD-10-CM code and its meaning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Icd10Code {
    pub code: String,
    pub description: String,
    /// Crosswalk or usage note, e.g. the DSM-5-TR name.
    pub note: Option<String>,
}

/// A licence that allows a clinician to practise psychotherapy, e.g. `lmft`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LicenceType {
    pub slug: String,
    pub abbreviation: String,
    pub name: String,
    pub may_practise_psychotherapy: bool,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    pub country: String,
}

/// A body that certifies sex therapists, e.g. `aasect`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertifyingBody {
    pub slug: String,
    pub name: String,
    /// The credential it awards, e.g. "Certified Sex Therapist".
    pub credential: String,
    /// e.g. `CST`; `None` for the catch-all "other" entry.
    pub abbreviation: Option<String>,
    /// Whether the credential requires an independent psychotherapy licence.
    pub requires_licence: bool,
    pub note: Option<String>,
}

/// A language sessions may be offered in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Language {
    /// ISO 639-1 (two letters), or ISO 639-3 (three letters) where no
    /// two-letter code exists, e.g. `ase` for American Sign Language.
    pub code: String,
    /// English name.
    pub name: String,
    pub note: Option<String>,
}

/// A health insurance payer or plan, by public brand name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payer {
    pub slug: String,
    pub name: String,
}

/// A licensing jurisdiction: a US state or the District of Columbia.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Jurisdiction {
    /// `US-XX`, e.g. `US-NY`.
    pub id: String,
    /// Two-letter USPS code, e.g. `NY`.
    pub code: String,
    pub name: String,
    /// Where its licensing boards sit (the capital's zone): a licence
    /// issued here counts through its expiry day on this clock.
    #[serde(skip)]
    pub zone: crate::TimeZoneName,
}

/// The approximate centre of a US ZIP code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostalCentroid {
    /// Five digits.
    pub zip: String,
    /// WGS84 degrees.
    pub lat: f64,
    pub lon: f64,
    pub city: String,
    /// Two-letter USPS state code, always a [`Jurisdiction::code`].
    pub state: String,
}

/// The approximate centre of a city: the mean of the centroids of every ZIP
/// code with that place name in that state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CityCentroid {
    /// The place name as spelled in the data.
    pub city: String,
    pub state: String,
    pub lat: f64,
    pub lon: f64,
    /// How many ZIP codes were averaged.
    pub zip_count: usize,
}

/// One bundled data file: its name, the version from its `# version:`
/// comment, and how many rows it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataFile {
    pub file: &'static str,
    pub version: String,
    pub rows: usize,
}

/// Why reference data could not be parsed. Lines are 1-based.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReferenceError {
    #[error("{file}: no `# version:` comment before the header")]
    MissingVersion { file: &'static str },
    #[error("{file}: no header line")]
    MissingHeader { file: &'static str },
    #[error("{file}: header is {found:?}, expected {expected:?}")]
    WrongHeader { file: &'static str, expected: String, found: String },
    #[error("{file}: line {line}: {found} fields, expected {expected}")]
    FieldCount { file: &'static str, line: usize, expected: usize, found: usize },
    #[error("{file}: line {line}: {column}: {message}")]
    InvalidField { file: &'static str, line: usize, column: &'static str, message: String },
    #[error("{file}: line {line}: duplicate {column} {value:?}")]
    Duplicate { file: &'static str, line: usize, column: &'static str, value: String },
    #[error("{file}: line {line}: {column} {value:?} is not in {target}")]
    UnknownReference { file: &'static str, line: usize, column: &'static str, value: String, target: &'static str },
}

/// The text of each data file; [`Sources::BUNDLED`] is the data compiled into
/// Sensate. Tests and tools may parse other text with [`Reference::parse`].
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    pub concerns: &'a str,
    pub icd10: &'a str,
    pub licence_types: &'a str,
    pub certifying_bodies: &'a str,
    pub languages: &'a str,
    pub payers: &'a str,
    pub jurisdictions: &'a str,
    pub postal_centroids: &'a str,
}

impl Sources<'static> {
    /// The files under `crates/domain/data/reference/`.
    pub const BUNDLED: Self = Self {
        concerns: include_str!("../../data/reference/concerns.tsv"),
        icd10: include_str!("../../data/reference/icd10.tsv"),
        licence_types: include_str!("../../data/reference/licence_types.tsv"),
        certifying_bodies: include_str!("../../data/reference/certifying_bodies.tsv"),
        languages: include_str!("../../data/reference/languages.tsv"),
        payers: include_str!("../../data/reference/payers.tsv"),
        jurisdictions: include_str!("../../data/reference/jurisdictions.tsv"),
        postal_centroids: include_str!("../../data/reference/us_postal_centroids.tsv"),
    };
}

const CONCERNS: &str = "concerns.tsv";
const ICD10: &str = "icd10.tsv";
const LICENCE_TYPES: &str = "licence_types.tsv";
const CERTIFYING_BODIES: &str = "certifying_bodies.tsv";
const LANGUAGES: &str = "languages.tsv";
const PAYERS: &str = "payers.tsv";
const JURISDICTIONS: &str = "jurisdictions.tsv";
const POSTAL_CENTROIDS: &str = "us_postal_centroids.tsv";

static PARSED: LazyLock<Result<Reference, ReferenceError>> = LazyLock::new(|| Reference::parse(&Sources::BUNDLED));

/// The bundled reference data, parsed on first use. The `Err` arm exists only
/// so that nothing panics; the test suite proves the bundled files parse.
pub fn reference() -> Result<&'static Reference, &'static ReferenceError> {
    PARSED.as_ref()
}

/// All reference data with lookups by id. Lists keep the files' row order.
#[derive(Debug, Clone)]
pub struct Reference {
    concerns: Vec<Concern>,
    icd10: Vec<Icd10Code>,
    licence_types: Vec<LicenceType>,
    certifying_bodies: Vec<CertifyingBody>,
    languages: Vec<Language>,
    payers: Vec<Payer>,
    jurisdictions: Vec<Jurisdiction>,
    postal: Vec<PostalCentroid>,
    cities: Vec<CityCentroid>,
    files: Vec<DataFile>,
    concern_index: HashMap<String, usize>,
    icd10_index: HashMap<String, usize>,
    licence_type_index: HashMap<String, usize>,
    certifying_body_index: HashMap<String, usize>,
    language_index: HashMap<String, usize>,
    payer_index: HashMap<String, usize>,
    jurisdiction_index: HashMap<String, usize>,
    jurisdiction_code_index: HashMap<String, usize>,
    /// The jurisdictions' zone where a day ends last (see
    /// [`Reference::end_of_day_everywhere`]).
    latest_zone: jiff::tz::TimeZone,
    /// Positions in `postal`, by ZIP code: found by binary search. A map
    /// from each ZIP code to its position held a copy of every code and
    /// cost several MB more, resident in every server.
    postal_by_zip: Vec<u32>,
    /// `cities` is sorted by (normalised name, state), and the normalised
    /// names are kept one after the other in `city_names`, city `i`'s ending
    /// at `city_name_ends[i]`: found by binary search, for the same reason.
    city_names: String,
    city_name_ends: Vec<u32>,
}

impl Reference {
    /// Parses and cross-checks every file: exact headers, field counts, ids
    /// well formed and unique, every concern's codes in the ICD-10 table,
    /// every postal state a jurisdiction.
    pub fn parse(sources: &Sources<'_>) -> Result<Self, ReferenceError> {
        let (icd10, icd10_index, icd10_file) = parse_icd10(sources.icd10)?;
        let (concerns, concern_index, concerns_file) = parse_concerns(sources.concerns, &icd10_index)?;
        let (licence_types, licence_type_index, licence_types_file) = parse_licence_types(sources.licence_types)?;
        let (certifying_bodies, certifying_body_index, certifying_bodies_file) =
            parse_certifying_bodies(sources.certifying_bodies)?;
        let (languages, language_index, languages_file) = parse_languages(sources.languages)?;
        let (payers, payer_index, payers_file) = parse_payers(sources.payers)?;
        let (jurisdictions, jurisdiction_index, jurisdictions_file) = parse_jurisdictions(sources.jurisdictions)?;
        let jurisdiction_code_index =
            jurisdictions.iter().enumerate().map(|(i, j)| (j.code.clone(), i)).collect::<HashMap<_, _>>();
        let latest_zone = latest_zone(&jurisdictions);
        let (postal, postal_by_zip, postal_file) =
            parse_postal_centroids(sources.postal_centroids, &jurisdiction_code_index)?;
        let Cities { cities, names: city_names, name_ends: city_name_ends } = city_centroids(&postal);
        Ok(Self {
            concerns,
            icd10,
            licence_types,
            certifying_bodies,
            languages,
            payers,
            jurisdictions,
            postal,
            cities,
            files: vec![
                concerns_file,
                icd10_file,
                licence_types_file,
                certifying_bodies_file,
                languages_file,
                payers_file,
                jurisdictions_file,
                postal_file,
            ],
            concern_index,
            icd10_index,
            licence_type_index,
            certifying_body_index,
            language_index,
            payer_index,
            jurisdiction_index,
            jurisdiction_code_index,
            latest_zone,
            postal_by_zip,
            city_names,
            city_name_ends,
        })
    }

    /// Each data file with its version and row count.
    pub fn data_files(&self) -> &[DataFile] {
        &self.files
    }

    pub fn concerns(&self) -> &[Concern] {
        &self.concerns
    }

    pub fn concern(&self, slug: &str) -> Option<&Concern> {
        self.concern_index.get(slug).and_then(|&i| self.concerns.get(i))
    }

    pub fn icd10_codes(&self) -> &[Icd10Code] {
        &self.icd10
    }

    /// By exact code, e.g. `F52.32`.
    pub fn icd10(&self, code: &str) -> Option<&Icd10Code> {
        self.icd10_index.get(code).and_then(|&i| self.icd10.get(i))
    }

    pub fn licence_types(&self) -> &[LicenceType] {
        &self.licence_types
    }

    pub fn licence_type(&self, slug: &str) -> Option<&LicenceType> {
        self.licence_type_index.get(slug).and_then(|&i| self.licence_types.get(i))
    }

    pub fn certifying_bodies(&self) -> &[CertifyingBody] {
        &self.certifying_bodies
    }

    pub fn certifying_body(&self, slug: &str) -> Option<&CertifyingBody> {
        self.certifying_body_index.get(slug).and_then(|&i| self.certifying_bodies.get(i))
    }

    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    pub fn language(&self, code: &str) -> Option<&Language> {
        self.language_index.get(code).and_then(|&i| self.languages.get(i))
    }

    pub fn payers(&self) -> &[Payer] {
        &self.payers
    }

    pub fn payer(&self, slug: &str) -> Option<&Payer> {
        self.payer_index.get(slug).and_then(|&i| self.payers.get(i))
    }

    pub fn jurisdictions(&self) -> &[Jurisdiction] {
        &self.jurisdictions
    }

    /// By id, e.g. `US-NY`.
    pub fn jurisdiction(&self, id: &str) -> Option<&Jurisdiction> {
        self.jurisdiction_index.get(id).and_then(|&i| self.jurisdictions.get(i))
    }

    /// The clock on which a licence of `id` expires ([`Jurisdiction::zone`]);
    /// UTC for an id the reference data does not know (none is stored:
    /// licences are added from this list).
    pub fn jurisdiction_zone(&self, id: &str) -> jiff::tz::TimeZone {
        self.jurisdiction(id).map_or(jiff::tz::TimeZone::UTC, |j| j.zone.zone().clone())
    }

    /// When `date` has ended in every jurisdiction: what "through `date`"
    /// means for something valid in all of them (a national certification).
    pub fn end_of_day_everywhere(&self, date: jiff::civil::Date) -> jiff::Timestamp {
        crate::clock::end_of_day(date, &self.latest_zone)
    }

    /// By two-letter USPS code, e.g. `NY` (case-insensitive).
    pub fn jurisdiction_by_code(&self, code: &str) -> Option<&Jurisdiction> {
        self.jurisdiction_code_index.get(&code.trim().to_ascii_uppercase()).and_then(|&i| self.jurisdictions.get(i))
    }

    pub fn postal_centroids(&self) -> &[PostalCentroid] {
        &self.postal
    }

    /// The centroid of a five-digit ZIP code; surrounding spaces and a ZIP+4
    /// suffix (`10001-1234`) are accepted. `None` for anything else or an
    /// unknown ZIP.
    pub fn postal(&self, zip: &str) -> Option<&PostalCentroid> {
        let zip = zip.trim();
        let five = match zip.split_once('-') {
            Some((five, four)) if four.len() == 4 && four.bytes().all(|b| b.is_ascii_digit()) => five,
            Some(_) => return None,
            None => zip,
        };
        let zip_at = |at: &u32| self.postal.get(*at as usize).map_or("", |p| p.zip.as_str());
        let at = self.postal_by_zip.binary_search_by(|at| zip_at(at).cmp(five)).ok()?;
        self.postal_by_zip.get(at).and_then(|&i| self.postal.get(i as usize))
    }

    /// The centre of a city: the mean latitude and longitude of every ZIP code
    /// whose place name matches in that state. Matching ignores case, extra
    /// spaces and dots, and reads a leading `St`, `Ft` or `Mt` as `Saint`,
    /// `Fort` or `Mount` (the data spells them out). `state` is the two-letter
    /// code, case-insensitive.
    pub fn city(&self, name: &str, state: &str) -> Option<&CityCentroid> {
        let (name, state) = (normalise_city(name), state.trim().to_ascii_uppercase());
        let key = |i: usize| {
            let start = i.checked_sub(1).and_then(|before| self.city_name_ends.get(before)).copied().unwrap_or(0);
            let end = self.city_name_ends.get(i).copied().unwrap_or(start);
            let name = self.city_names.get(start as usize..end as usize).unwrap_or_default();
            (name, self.cities.get(i).map_or("", |c| c.state.as_str()))
        };
        let wanted = (name.as_str(), state.as_str());
        let (mut low, mut high) = (0, self.cities.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match key(middle).cmp(&wanted) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return self.cities.get(middle),
            }
        }
        None
    }

    /// Concerns matching free text, best first; empty when nothing matches.
    ///
    /// Names and synonyms are compared word by word, ignoring case and
    /// punctuation. A query equal to a name or synonym ranks highest, then a
    /// query containing one ("I have low libido since…"), then single words:
    /// each query word (common function words aside) that equals a word of a
    /// concern's name or synonyms, or begins one when it has at least three
    /// letters ("erect" → "erection"), adds a weight shared among all the
    /// concerns it matches, so rare words count more than common ones
    /// ("pain" over "sex"). Ties keep the taxonomy's order.
    pub fn search_concerns(&self, text: &str) -> Vec<&Concern> {
        let query = words(text);
        if query.is_empty() {
            return Vec::new();
        }
        let terms: Vec<&str> = {
            let mut seen = HashSet::new();
            query.iter().map(String::as_str).filter(|w| !STOP_WORDS.contains(w) && seen.insert(*w)).collect()
        };
        let phrases: Vec<Vec<Vec<String>>> = self
            .concerns
            .iter()
            .map(|c| std::iter::once(&c.name).chain(&c.synonyms).map(|p| words(p)).collect())
            .collect();
        let mut scores: Vec<f64> = phrases
            .iter()
            .map(|phrases| {
                phrases
                    .iter()
                    .map(|phrase| {
                        if *phrase == query {
                            1000.0
                        } else if contains_run(&query, phrase) {
                            100.0 + 10.0 * phrase.len() as f64
                        } else {
                            0.0
                        }
                    })
                    .fold(0.0, f64::max)
            })
            .collect();
        for term in terms {
            // Per concern: 1.0 for an exact word, 0.5 for a prefix, 0.0 for none.
            let matches: Vec<f64> = phrases
                .iter()
                .map(|phrases| {
                    let mut best: f64 = 0.0;
                    for word in phrases.iter().flatten() {
                        if word == term {
                            return 1.0;
                        }
                        if term.chars().count() >= 3 && word.starts_with(term) {
                            best = 0.5;
                        }
                    }
                    best
                })
                .collect();
            let matched = matches.iter().filter(|&&m| m > 0.0).count();
            if matched == 0 {
                continue;
            }
            for (score, m) in scores.iter_mut().zip(&matches) {
                *score += 20.0 * m / matched as f64;
            }
        }
        let mut ranked: Vec<(usize, f64)> = scores.into_iter().enumerate().filter(|&(_, s)| s > 0.0).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.into_iter().filter_map(|(i, _)| self.concerns.get(i)).collect()
    }
}

/// Words too common to say anything about a concern on their own.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "am", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "for", "from", "get",
    "had", "has", "have", "help", "how", "i", "im", "in", "is", "it", "its", "m", "me", "my", "of", "on", "or", "our",
    "s", "so", "t", "that", "the", "to", "ve", "we", "what", "when", "with",
];

/// Lower-case alphanumeric words.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Whether `needle` (non-empty) occurs as a contiguous run of words in `haystack`.
fn contains_run(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn normalise_city(name: &str) -> String {
    let mut words: Vec<String> =
        name.split(|c: char| c.is_whitespace() || c == '.').filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    if let Some(first) = words.first_mut() {
        let full = match first.as_str() {
            "st" => Some("saint"),
            "ft" => Some("fort"),
            "mt" => Some("mount"),
            _ => None,
        };
        if let Some(full) = full {
            *first = full.to_owned();
        }
    }
    words.join(" ")
}

/// The cities, sorted by (normalised name, state), with their normalised
/// names one after the other (see `Reference::city_names`).
struct Cities {
    cities: Vec<CityCentroid>,
    names: String,
    name_ends: Vec<u32>,
}

fn city_centroids(postal: &[PostalCentroid]) -> Cities {
    // Every ZIP code's normalised place name, one after the other, then the
    // ZIP codes in (name, state) order: the rows of a city side by side, in
    // file order (the sort is stable, so the sums below add up as before).
    let mut all_names = String::new();
    let mut all_ends = Vec::with_capacity(postal.len());
    for p in postal {
        all_names.push_str(&normalise_city(&p.city));
        all_ends.push(all_names.len());
    }
    let name_of = |i: usize| {
        let start = i.checked_sub(1).and_then(|before| all_ends.get(before)).copied().unwrap_or(0);
        all_names.get(start..all_ends.get(i).copied().unwrap_or(start)).unwrap_or_default()
    };
    let key = |i: usize| (name_of(i), postal.get(i).map_or("", |p| p.state.as_str()));
    let mut order: Vec<usize> = (0..postal.len()).collect();
    order.sort_by(|&a, &b| key(a).cmp(&key(b)));

    let mut cities = Cities { cities: Vec::new(), names: String::new(), name_ends: Vec::new() };
    let mut previous = None;
    for (&i, p) in order.iter().filter_map(|i| Some(i).zip(postal.get(*i))) {
        // Sums for now; divided below.
        match cities.cities.last_mut() {
            Some(city) if previous == Some(key(i)) => {
                city.lat += p.lat;
                city.lon += p.lon;
                city.zip_count += 1;
            }
            _ => {
                cities.cities.push(CityCentroid {
                    city: p.city.clone(),
                    state: p.state.clone(),
                    lat: p.lat,
                    lon: p.lon,
                    zip_count: 1,
                });
                cities.names.push_str(name_of(i));
                cities.name_ends.push(u32::try_from(cities.names.len()).unwrap_or(u32::MAX));
                previous = Some(key(i));
            }
        }
    }
    for city in &mut cities.cities {
        let n = city.zip_count as f64;
        city.lat = round4(city.lat / n);
        city.lon = round4(city.lon / n);
    }
    cities.cities.shrink_to_fit();
    cities.names.shrink_to_fit();
    cities.name_ends.shrink_to_fit();
    cities
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

// ---------------------------------------------------------------------------
// Parsing

/// The rows of one file, after its comments and header.
struct Table<'a> {
    file: &'static str,
    columns: &'static [&'static str],
    version: String,
    rows: Vec<Row<'a>>,
}

struct Row<'a> {
    file: &'static str,
    columns: &'static [&'static str],
    line: usize,
    fields: Vec<&'a str>,
}

impl<'a> Table<'a> {
    /// Splits `text` into rows, checking the `# version:` comment, the exact
    /// header and every row's field count. Comment lines (`#…`) and blank
    /// lines are skipped anywhere.
    fn parse(file: &'static str, columns: &'static [&'static str], text: &'a str) -> Result<Self, ReferenceError> {
        let mut version = None;
        let mut header_seen = false;
        let mut rows = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line_no = n + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if let Some(comment) = line.strip_prefix('#') {
                if !header_seen
                    && version.is_none()
                    && let Some(v) = comment.trim().strip_prefix("version:")
                {
                    version = Some(v.trim().to_owned());
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if !header_seen {
                if fields != columns {
                    return Err(ReferenceError::WrongHeader {
                        file,
                        expected: columns.join("\t"),
                        found: line.to_owned(),
                    });
                }
                header_seen = true;
                continue;
            }
            if fields.len() != columns.len() {
                return Err(ReferenceError::FieldCount {
                    file,
                    line: line_no,
                    expected: columns.len(),
                    found: fields.len(),
                });
            }
            rows.push(Row { file, columns, line: line_no, fields });
        }
        if !header_seen {
            return Err(ReferenceError::MissingHeader { file });
        }
        let version = version.filter(|v| !v.is_empty()).ok_or(ReferenceError::MissingVersion { file })?;
        Ok(Self { file, columns, version, rows })
    }

    fn data_file(&self) -> DataFile {
        DataFile { file: self.file, version: self.version.clone(), rows: self.rows.len() }
    }

    /// Positions of the rows sorted by their key, rejecting duplicates as
    /// [`Self::unique`] does (the first row, in file order, whose key came
    /// before). For large files: no copy of the keys.
    fn sorted_unique<T>(
        &self,
        items: &[T],
        column: usize,
        key: impl Fn(&T) -> &str,
    ) -> Result<Vec<u32>, ReferenceError> {
        let key_at = |at: u32| items.get(at as usize).map_or("", &key);
        // A bundled file has far fewer than 2^32 rows.
        let mut order: Vec<u32> = (0..items.len()).filter_map(|at| u32::try_from(at).ok()).collect();
        order.sort_by(|&a, &b| key_at(a).cmp(key_at(b)));
        let again = order.windows(2).filter(|pair| key_at(pair[0]) == key_at(pair[1])).map(|pair| pair[1]).min();
        if let Some(at) = again {
            return Err(ReferenceError::Duplicate {
                file: self.file,
                line: self.rows.get(at as usize).map_or(0, |row| row.line),
                column: self.columns.get(column).copied().unwrap_or("?"),
                value: key_at(at).to_owned(),
            });
        }
        Ok(order)
    }

    /// Builds a map from each row's key to its position, rejecting duplicates.
    fn unique<T>(
        &self,
        items: &[T],
        column: usize,
        key: impl Fn(&T) -> &str,
    ) -> Result<HashMap<String, usize>, ReferenceError> {
        let mut index = HashMap::with_capacity(items.len());
        for (i, (item, row)) in items.iter().zip(&self.rows).enumerate() {
            let value = key(item);
            if index.insert(value.to_owned(), i).is_some() {
                return Err(ReferenceError::Duplicate {
                    file: self.file,
                    line: row.line,
                    column: self.columns.get(column).copied().unwrap_or("?"),
                    value: value.to_owned(),
                });
            }
        }
        Ok(index)
    }
}

impl Row<'_> {
    fn column(&self, i: usize) -> &'static str {
        self.columns.get(i).copied().unwrap_or("?")
    }

    fn raw(&self, i: usize) -> &str {
        self.fields.get(i).copied().unwrap_or("")
    }

    fn invalid(&self, i: usize, message: impl Into<String>) -> ReferenceError {
        ReferenceError::InvalidField {
            file: self.file,
            line: self.line,
            column: self.column(i),
            message: message.into(),
        }
    }

    /// A field that may be empty; no surrounding spaces.
    fn optional(&self, i: usize) -> Result<Option<String>, ReferenceError> {
        let value = self.raw(i);
        if value.trim() != value {
            return Err(self.invalid(i, format!("surrounding spaces in {value:?}")));
        }
        Ok((!value.is_empty()).then(|| value.to_owned()))
    }

    /// A non-empty field without surrounding spaces.
    fn text(&self, i: usize) -> Result<String, ReferenceError> {
        self.optional(i)?.ok_or_else(|| self.invalid(i, "empty"))
    }

    /// Lower-case ASCII letters and digits in hyphen-separated parts.
    fn slug(&self, i: usize) -> Result<String, ReferenceError> {
        let value = self.text(i)?;
        let ok = value
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if ok { Ok(value) } else { Err(self.invalid(i, format!("{value:?} is not a slug (a-z, 0-9, single hyphens)"))) }
    }

    fn yes_no(&self, i: usize) -> Result<bool, ReferenceError> {
        match self.raw(i) {
            "yes" => Ok(true),
            "no" => Ok(false),
            other => Err(self.invalid(i, format!("{other:?} is not yes or no"))),
        }
    }

    /// `|`-separated items, each non-empty without surrounding spaces; an
    /// empty field is an empty list.
    fn list(&self, i: usize) -> Result<Vec<String>, ReferenceError> {
        let value = self.raw(i);
        if value.is_empty() {
            return Ok(Vec::new());
        }
        value
            .split('|')
            .map(|item| {
                if item.is_empty() || item.trim() != item {
                    Err(self.invalid(i, format!("empty or padded item in {value:?}")))
                } else {
                    Ok(item.to_owned())
                }
            })
            .collect()
    }

    fn degrees(&self, i: usize, limit: f64) -> Result<f64, ReferenceError> {
        let value = self.raw(i);
        match value.parse::<f64>() {
            Ok(x) if x.is_finite() && x.abs() <= limit => Ok(x),
            _ => Err(self.invalid(i, format!("{value:?} is not a number of degrees within ±{limit}"))),
        }
    }

    /// A code of one of the given lengths in ASCII characters, each accepted by `ok`.
    fn code(&self, i: usize, lengths: &[usize], ok: fn(u8) -> bool, what: &str) -> Result<String, ReferenceError> {
        let value = self.text(i)?;
        if lengths.contains(&value.len()) && value.bytes().all(ok) {
            Ok(value)
        } else {
            Err(self.invalid(i, format!("{value:?} is not {what}")))
        }
    }

    fn unknown(&self, i: usize, value: &str, target: &'static str) -> ReferenceError {
        ReferenceError::UnknownReference {
            file: self.file,
            line: self.line,
            column: self.column(i),
            value: value.to_owned(),
            target,
        }
    }
}

type Parsed<T> = (Vec<T>, HashMap<String, usize>, DataFile);

/// Letter, two digits, then optionally a dot and one to four letters or digits.
fn is_icd10_code(code: &str) -> bool {
    let b = code.as_bytes();
    let head = b.len() >= 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit();
    let tail = match &b[3.min(b.len())..] {
        [] => true,
        [b'.', rest @ ..] => {
            (1..=4).contains(&rest.len()) && rest.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        }
        _ => false,
    };
    head && tail
}

fn parse_icd10(text: &str) -> Result<Parsed<Icd10Code>, ReferenceError> {
    let table = Table::parse(ICD10, &["code", "description", "note"], text)?;
    let items = table
        .rows
        .iter()
        .map(|row| {
            let code = row.text(0)?;
            if !is_icd10_code(&code) {
                return Err(row.invalid(0, format!("{code:?} is not an ICD-10-CM code")));
            }
            Ok(Icd10Code { code, description: row.text(1)?, note: row.optional(2)? })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let index = table.unique(&items, 0, |c| &c.code)?;
    Ok((items, index, table.data_file()))
}

fn parse_concerns(text: &str, icd10: &HashMap<String, usize>) -> Result<Parsed<Concern>, ReferenceError> {
    let table = Table::parse(CONCERNS, &["slug", "name", "description", "synonyms", "icd10"], text)?;
    let items = table
        .rows
        .iter()
        .map(|row| {
            let synonyms = row.list(3)?;
            if let Some(s) = synonyms.iter().find(|s| s.to_lowercase() != **s) {
                return Err(row.invalid(3, format!("{s:?} is not lower-case")));
            }
            let codes = row.list(4)?;
            if let Some(code) = codes.iter().find(|c| !icd10.contains_key(*c)) {
                return Err(row.unknown(4, code, ICD10));
            }
            Ok(Concern { slug: row.slug(0)?, name: row.text(1)?, description: row.text(2)?, synonyms, icd10: codes })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let index = table.unique(&items, 0, |c| &c.slug)?;
    Ok((items, index, table.data_file()))
}

fn parse_licence_types(text: &str) -> Result<Parsed<LicenceType>, ReferenceError> {
    let columns = &["slug", "abbreviation", "name", "may_practise_psychotherapy", "country"];
    let table = Table::parse(LICENCE_TYPES, columns, text)?;
    let items = table
        .rows
        .iter()
        .map(|row| {
            Ok(LicenceType {
                slug: row.slug(0)?,
                abbreviation: row.text(1)?,
                name: row.text(2)?,
                may_practise_psychotherapy: row.yes_no(3)?,
                country: row.code(4, &[2], |b| b.is_ascii_uppercase(), "an ISO 3166-1 alpha-2 code")?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let index = table.unique(&items, 0, |l| &l.slug)?;
    Ok((items, index, table.data_file()))
}

fn parse_certifying_bodies(text: &str) -> Result<Parsed<CertifyingBody>, ReferenceError> {
    let columns = &["slug", "name", "credential", "abbreviation", "requires_licence", "note"];
    let table = Table::parse(CERTIFYING_BODIES, columns, text)?;
    let items = table
        .rows
        .iter()
        .map(|row| {
            Ok(CertifyingBody {
                slug: row.slug(0)?,
                name: row.text(1)?,
                credential: row.text(2)?,
                abbreviation: row.optional(3)?,
                requires_licence: row.yes_no(4)?,
                note: row.optional(5)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let index = table.unique(&items, 0, |b| &b.slug)?;
    Ok((items, index, table.data_file()))
}

fn parse_languages(text: &str) -> Result<Parsed<Language>, ReferenceError> {
    let table = Table::parse(LANGUAGES, &["code", "name", "note"], text)?;
    let items = table
        .rows
        .iter()
        .map(|row| {
            Ok(Language {
                code: row.code(0, &[2, 3], |b| b.is_ascii_lowercase(), "an ISO 639-1 or 639-3 code")?,
                name: row.text(1)?,
                note: row.optional(2)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let index = table.unique(&items, 0, |l| &l.code)?;
    Ok((items, index, table.data_file()))
}

fn parse_payers(text: &str) -> Result<Parsed<Payer>, ReferenceError> {
    let table = Table::parse(PAYERS, &["slug", "name"], text)?;
    let items = table
        .rows
        .iter()
        .map(|row| Ok(Payer { slug: row.slug(0)?, name: row.text(1)? }))
        .collect::<Result<Vec<_>, _>>()?;
    let index = table.unique(&items, 0, |p| &p.slug)?;
    Ok((items, index, table.data_file()))
}

/// The zone whose day ends last, judged on a winter and a summer day (the
/// US's westernmost zones keep their order all year: Hawaii has no summer
/// time). UTC when there are no jurisdictions.
fn latest_zone(jurisdictions: &[Jurisdiction]) -> jiff::tz::TimeZone {
    let days = [jiff::civil::date(2026, 1, 15), jiff::civil::date(2026, 7, 15)];
    let last = |j: &&Jurisdiction| days.map(|day| crate::clock::end_of_day(day, j.zone.zone()));
    jurisdictions.iter().max_by_key(last).map_or(jiff::tz::TimeZone::UTC, |j| j.zone.zone().clone())
}

fn parse_jurisdictions(text: &str) -> Result<Parsed<Jurisdiction>, ReferenceError> {
    let table = Table::parse(JURISDICTIONS, &["id", "code", "name", "zone"], text)?;
    let items = table
        .rows
        .iter()
        .map(|row| {
            let code = row.code(1, &[2], |b| b.is_ascii_uppercase(), "a two-letter USPS code")?;
            let id = row.text(0)?;
            if id != format!("US-{code}") {
                return Err(row.invalid(0, format!("{id:?} is not US-{code}")));
            }
            let zone = row.text(3)?;
            let zone = crate::TimeZoneName::parse(&zone)
                .map_err(|_| row.invalid(3, format!("{zone:?} is not a known time zone")))?;
            Ok(Jurisdiction { id, code, name: row.text(2)?, zone })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let index = table.unique(&items, 0, |j| &j.id)?;
    Ok((items, index, table.data_file()))
}

/// The rows, and their positions sorted by ZIP code (see `Reference::postal_by_zip`).
fn parse_postal_centroids(
    text: &str,
    states: &HashMap<String, usize>,
) -> Result<(Vec<PostalCentroid>, Vec<u32>, DataFile), ReferenceError> {
    let table = Table::parse(POSTAL_CENTROIDS, &["zip", "lat", "lon", "city", "state"], text)?;
    let mut items = Vec::with_capacity(table.rows.len());
    for item in table.rows.iter().map(|row| {
        let state = row.text(4)?;
        if !states.contains_key(&state) {
            return Err(row.unknown(4, &state, JURISDICTIONS));
        }
        Ok(PostalCentroid {
            zip: row.code(0, &[5], |b| b.is_ascii_digit(), "a five-digit ZIP code")?,
            lat: row.degrees(1, 90.0)?,
            lon: row.degrees(2, 180.0)?,
            city: row.text(3)?,
            state,
        })
    }) {
        items.push(item?);
    }
    let by_zip = table.sorted_unique(&items, 0, |p| &p.zip)?;
    Ok((items, by_zip, table.data_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> &'static Reference {
        match reference() {
            Ok(r) => r,
            Err(e) => panic!("bundled reference data does not parse: {e}"),
        }
    }

    fn slugs(concerns: &[&Concern]) -> Vec<String> {
        concerns.iter().map(|c| c.slug.clone()).collect()
    }

    fn first(r: &Reference, query: &str) -> Option<String> {
        r.search_concerns(query).first().map(|c| c.slug.clone())
    }

    // --- every bundled file --------------------------------------------------

    #[test]
    fn every_bundled_file_parses_with_a_version_and_rows() {
        let r = bundled();
        let files: Vec<&str> = r.data_files().iter().map(|f| f.file).collect();
        assert_eq!(
            files,
            [
                "concerns.tsv",
                "icd10.tsv",
                "licence_types.tsv",
                "certifying_bodies.tsv",
                "languages.tsv",
                "payers.tsv",
                "jurisdictions.tsv",
                "us_postal_centroids.tsv",
            ]
        );
        for f in r.data_files() {
            assert!(!f.version.is_empty(), "{} has no version", f.file);
            assert!(f.rows > 0, "{} has no rows", f.file);
        }
        assert_eq!(r.data_files()[0].rows, r.concerns().len());
        assert_eq!(r.data_files()[7].rows, r.postal_centroids().len());
    }

    #[test]
    fn every_bundled_file_names_its_source_and_licence() {
        let s = Sources::BUNDLED;
        for (name, text) in [
            ("concerns", s.concerns),
            ("icd10", s.icd10),
            ("licence_types", s.licence_types),
            ("certifying_bodies", s.certifying_bodies),
            ("languages", s.languages),
            ("payers", s.payers),
            ("jurisdictions", s.jurisdictions),
            ("postal_centroids", s.postal_centroids),
        ] {
            let comments: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
            assert!(comments.iter().any(|l| l.starts_with("# source: ")), "{name}: no source");
            assert!(comments.iter().any(|l| l.starts_with("# licence: ")), "{name}: no licence");
        }
    }

    #[test]
    fn ids_are_unique_in_every_file() {
        let r = bundled();
        fn unique<'a>(ids: impl Iterator<Item = &'a str>) -> bool {
            let ids: Vec<&str> = ids.collect();
            ids.iter().collect::<HashSet<_>>().len() == ids.len()
        }
        assert!(unique(r.concerns().iter().map(|c| c.slug.as_str())));
        assert!(unique(r.icd10_codes().iter().map(|c| c.code.as_str())));
        assert!(unique(r.licence_types().iter().map(|l| l.slug.as_str())));
        assert!(unique(r.certifying_bodies().iter().map(|b| b.slug.as_str())));
        assert!(unique(r.languages().iter().map(|l| l.code.as_str())));
        assert!(unique(r.payers().iter().map(|p| p.slug.as_str())));
        assert!(unique(r.jurisdictions().iter().map(|j| j.id.as_str())));
        assert!(unique(r.postal_centroids().iter().map(|p| p.zip.as_str())));
    }

    // --- concerns and codes ------------------------------------------------------

    #[test]
    fn the_taxonomy_covers_the_concerns_visitors_come_with() {
        let r = bundled();
        for slug in [
            "low-desire",
            "desire-discrepancy",
            "arousal-difficulties",
            "erection-difficulties",
            "orgasm-difficulties",
            "early-ejaculation",
            "delayed-ejaculation",
            "genito-pelvic-pain",
            "vaginismus",
            "sexual-aversion",
            "performance-anxiety",
            "sexual-trauma",
            "sexual-orientation",
            "gender-identity",
            "intimacy-after-health-changes",
            "relationship-structures",
            "kink-and-alternative-sexualities",
            "compulsive-sexual-behaviour",
            "sexual-health-education",
        ] {
            assert!(r.concern(slug).is_some(), "missing concern {slug}");
        }
        assert_eq!(
            r.concern("vaginismus").map(|c| c.name.as_str()),
            Some("Involuntary muscle tightness making penetration difficult")
        );
    }

    #[test]
    fn every_concern_code_is_in_the_icd10_table() {
        let r = bundled();
        for concern in r.concerns() {
            for code in &concern.icd10 {
                assert!(r.icd10(code).is_some(), "{}: {code} is not in icd10.tsv", concern.slug);
            }
        }
    }

    #[test]
    fn concern_synonyms_are_lower_case_and_descriptions_one_sentence() {
        for concern in bundled().concerns() {
            for s in &concern.synonyms {
                assert_eq!(*s, s.to_lowercase(), "{}", concern.slug);
            }
            assert!(concern.description.ends_with('.'), "{}", concern.slug);
            assert_eq!(concern.description.matches(". ").count(), 0, "{}: more than one sentence", concern.slug);
        }
    }

    #[test]
    fn f52_31_is_female_and_f52_32_male_orgasmic_disorder() {
        let r = bundled();
        let f52_31 = r.icd10("F52.31").map(|c| c.description.as_str());
        let f52_32 = r.icd10("F52.32").map(|c| c.description.as_str());
        assert_eq!(f52_31, Some("Female orgasmic disorder"));
        assert_eq!(f52_32, Some("Male orgasmic disorder (delayed ejaculation)"));
        assert_eq!(r.concern("delayed-ejaculation").map(|c| c.icd10.clone()), Some(vec!["F52.32".to_owned()]));
    }

    #[test]
    fn the_icd10_table_maps_every_code_as_clinical_md_does() {
        let r = bundled();
        let meaning = |code: &str| r.icd10(code).map(|c| c.description.to_lowercase()).unwrap_or_default();
        for (code, expected) in [
            ("F52.0", "hypoactive sexual desire"),
            ("F52.1", "sexual aversion"),
            ("F52.21", "male erectile disorder"),
            ("F52.22", "female sexual arousal disorder"),
            ("F52.31", "female orgasmic disorder"),
            ("F52.32", "male orgasmic disorder"),
            ("F52.4", "premature ejaculation"),
            ("F52.5", "vaginismus"),
            ("F52.6", "dyspareunia"),
            ("F52.8", "other sexual dysfunction"),
            ("F52.9", "unspecified sexual dysfunction"),
            ("N52.9", "male erectile dysfunction, unspecified"),
            ("N94.10", "dyspareunia"),
            ("N94.11", "dyspareunia"),
            ("N94.12", "dyspareunia"),
            ("N94.19", "dyspareunia"),
            ("F64.0", "gender dysphoria"),
        ] {
            assert!(meaning(code).contains(expected), "{code}: {:?}", meaning(code));
        }
        assert_eq!(r.icd10_codes().len(), 17);
        assert!(!meaning("F52.21").contains("female"));
        assert!(!meaning("F52.32").contains("female"));
    }

    #[test]
    fn gender_identity_is_the_only_concern_with_f64_0_and_says_it_is_for_billing() {
        let r = bundled();
        let with_f64: Vec<&str> =
            r.concerns().iter().filter(|c| c.icd10.iter().any(|x| x == "F64.0")).map(|c| c.slug.as_str()).collect();
        assert_eq!(with_f64, ["gender-identity"]);
        let description = r.concern("gender-identity").map(|c| c.description.clone()).unwrap_or_default();
        assert!(description.contains("not a disorder"));
        assert!(description.contains("billing"));
    }

    #[test]
    fn non_pathologized_concerns_carry_no_code() {
        let r = bundled();
        for slug in ["sexual-orientation", "relationship-structures", "kink-and-alternative-sexualities"] {
            assert_eq!(r.concern(slug).map(|c| c.icd10.len()), Some(0), "{slug}");
        }
    }

    // --- credentials, languages, payers, jurisdictions ------------------------------

    #[test]
    fn licence_types_are_the_us_psychotherapy_licences() {
        let r = bundled();
        let slugs: Vec<&str> = r.licence_types().iter().map(|l| l.slug.as_str()).collect();
        assert_eq!(slugs, ["psychiatrist", "psychologist", "lmft", "lcsw", "lpc", "lpcc", "lmhc", "lcpc", "pmhnp"]);
        assert!(r.licence_types().iter().all(|l| l.may_practise_psychotherapy && l.country == "US"));
        assert_eq!(r.licence_type("lmft").map(|l| l.abbreviation.as_str()), Some("LMFT"));
    }

    #[test]
    fn aasect_awards_the_cst_which_requires_a_licence() {
        let r = bundled();
        let aasect = r.certifying_body("aasect");
        assert_eq!(aasect.map(|b| b.credential.as_str()), Some("Certified Sex Therapist"));
        assert_eq!(aasect.and_then(|b| b.abbreviation.as_deref()), Some("CST"));
        assert_eq!(aasect.map(|b| b.requires_licence), Some(true));
        assert!(r.certifying_body("other").is_some());
    }

    #[test]
    fn languages_include_asl_under_its_iso_639_3_code() {
        let r = bundled();
        assert!(r.languages().len() >= 40);
        assert_eq!(r.language("en").map(|l| l.name.as_str()), Some("English"));
        let asl = r.language("ase");
        assert_eq!(asl.map(|l| l.name.as_str()), Some("American Sign Language"));
        assert!(asl.and_then(|l| l.note.as_deref()).is_some_and(|n| n.contains("ISO 639-3")));
        // Two-letter codes are ISO 639-1; every three-letter one says why.
        for l in r.languages().iter().filter(|l| l.code.len() == 3) {
            assert!(l.note.as_deref().is_some_and(|n| n.contains("ISO 639-3")), "{}", l.code);
        }
    }

    #[test]
    fn payers_list_the_common_us_brands() {
        let r = bundled();
        assert!(r.payers().len() >= 25);
        for slug in
            ["aetna", "bcbs", "cigna", "kaiser-permanente", "medicare", "medicaid", "tricare", "unitedhealthcare"]
        {
            assert!(r.payer(slug).is_some(), "missing payer {slug}");
        }
    }

    #[test]
    fn there_are_51_jurisdictions_the_states_and_dc() {
        let r = bundled();
        assert_eq!(r.jurisdictions().len(), 51);
        assert_eq!(r.jurisdiction("US-NY").map(|j| j.name.as_str()), Some("New York"));
        assert_eq!(r.jurisdiction("US-DC").map(|j| j.name.as_str()), Some("District of Columbia"));
        assert_eq!(r.jurisdiction_by_code(" ca ").map(|j| j.id.as_str()), Some("US-CA"));
        assert!(r.jurisdiction("US-PR").is_none());
        assert!(r.jurisdictions().iter().all(|j| j.id == format!("US-{}", j.code)));
    }

    // --- postal centroids ----------------------------------------------------------

    #[test]
    fn a_known_zip_has_its_city_state_and_location() {
        let r = bundled();
        let Some(p) = r.postal("10001") else { panic!("10001 missing") };
        assert_eq!((p.city.as_str(), p.state.as_str()), ("New York", "NY"));
        assert!((p.lat - 40.75).abs() < 0.01, "{}", p.lat);
        assert!((p.lon - -74.0).abs() < 0.01, "{}", p.lon);
        assert_eq!(r.postal(" 10001-1234 ").map(|p| p.zip.as_str()), Some("10001"));
        assert_eq!(r.postal("90210").map(|p| p.city.as_str()), Some("Beverly Hills"));
        assert!(r.postal("1000").is_none());
        assert!(r.postal("10001-12").is_none());
        assert!(r.postal("00000").is_none());
    }

    #[test]
    fn the_centroids_cover_every_jurisdiction_with_four_decimal_coordinates() {
        let r = bundled();
        assert!(r.postal_centroids().len() > 40_000);
        let states: HashSet<&str> = r.postal_centroids().iter().map(|p| p.state.as_str()).collect();
        assert_eq!(states.len(), 51);
        let rounded = |x: f64| (x * 10_000.0 - (x * 10_000.0).round()).abs() < 1e-6;
        assert!(r.postal_centroids().iter().all(|p| rounded(p.lat) && rounded(p.lon)));
    }

    #[test]
    fn a_city_is_the_mean_of_its_zip_centroids() {
        let r = bundled();
        let Some(ny) = r.city("  new   YORK ", "ny") else { panic!("New York missing") };
        assert_eq!((ny.city.as_str(), ny.state.as_str()), ("New York", "NY"));
        let zips: Vec<&PostalCentroid> =
            r.postal_centroids().iter().filter(|p| p.city == "New York" && p.state == "NY").collect();
        assert_eq!(ny.zip_count, zips.len());
        let mean_lat = zips.iter().map(|p| p.lat).sum::<f64>() / zips.len() as f64;
        assert!((ny.lat - mean_lat).abs() < 0.0001);
        assert!((ny.lat - 40.75).abs() < 0.1);
        assert_eq!(r.city("St. Louis", "MO").map(|c| c.city.as_str()), Some("Saint Louis"));
        assert_eq!(r.city("Saint Louis", "mo").map(|c| c.zip_count), Some(68));
        assert!(r.city("New York", "CA").is_none());
    }

    // --- concern search --------------------------------------------------------------

    #[test]
    fn search_finds_a_concern_by_everyday_words() {
        let r = bundled();
        assert_eq!(first(r, "low libido").as_deref(), Some("low-desire"));
        assert_eq!(first(r, "ED").as_deref(), Some("erection-difficulties"));
        assert_eq!(first(r, "Premature ejaculation").as_deref(), Some("early-ejaculation"));
        assert_eq!(first(r, "painful sex").as_deref(), Some("genito-pelvic-pain"));
        assert_eq!(first(r, "vaginismus").as_deref(), Some("vaginismus"));
        assert_eq!(first(r, "polyamory").as_deref(), Some("relationship-structures"));
        assert_eq!(first(r, "transgender").as_deref(), Some("gender-identity"));
        assert_eq!(first(r, "sex ed").as_deref(), Some("sexual-health-education"));
        assert_eq!(first(r, "BDSM").as_deref(), Some("kink-and-alternative-sexualities"));
        assert_eq!(first(r, "erection difficulties").as_deref(), Some("erection-difficulties"));
    }

    #[test]
    fn search_matches_word_beginnings_and_phrases_inside_free_text() {
        let r = bundled();
        assert_eq!(first(r, "erect").as_deref(), Some("erection-difficulties"));
        let found = slugs(&r.search_concerns("I've had trouble with erections since my surgery"));
        assert_eq!(found.first().map(String::as_str), Some("erection-difficulties"));
        assert!(found.iter().any(|s| s == "intimacy-after-health-changes"));
        // Rare words outweigh common ones.
        assert_eq!(first(r, "pelvic pain during sex").as_deref(), Some("genito-pelvic-pain"));
    }

    #[test]
    fn search_without_meaningful_words_finds_nothing() {
        let r = bundled();
        assert!(r.search_concerns("").is_empty());
        assert!(r.search_concerns("  ?! ").is_empty());
        assert!(r.search_concerns("the and with").is_empty());
        assert!(r.search_concerns("xyzzy").is_empty());
        // Words under three letters match whole words only: "se" is not "sexual".
        assert!(r.search_concerns("se").is_empty());
    }

    // --- parse errors ---------------------------------------------------------------

    /// The bundled sources with one file replaced.
    fn with<'a>(change: impl FnOnce(&mut Sources<'a>)) -> Result<Reference, ReferenceError> {
        let mut sources: Sources<'a> = Sources::BUNDLED;
        change(&mut sources);
        Reference::parse(&sources)
    }

    #[test]
    fn a_wrong_header_is_rejected() {
        let err = with(|s| s.payers = "# version: 1\nslug\tbrand\naetna\tAetna\n").err();
        assert!(matches!(err, Some(ReferenceError::WrongHeader { file: "payers.tsv", .. })), "{err:?}");
    }

    #[test]
    fn a_missing_version_or_header_is_rejected() {
        let err = with(|s| s.payers = "slug\tname\naetna\tAetna\n").err();
        assert_eq!(err, Some(ReferenceError::MissingVersion { file: "payers.tsv" }));
        let err = with(|s| s.payers = "# version: 1\n").err();
        assert_eq!(err, Some(ReferenceError::MissingHeader { file: "payers.tsv" }));
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_is_rejected() {
        let err = with(|s| s.payers = "# version: 1\nslug\tname\naetna\tAetna\textra\n").err();
        assert_eq!(err, Some(ReferenceError::FieldCount { file: "payers.tsv", line: 3, expected: 2, found: 3 }));
    }

    #[test]
    fn a_duplicate_zip_code_is_rejected_at_its_first_repetition() {
        let file = "# version: 1\nzip\tlat\tlon\tcity\tstate\n\
            10002\t40.7\t-74.0\tNew York\tNY\n\
            10001\t40.7\t-74.0\tNew York\tNY\n\
            10002\t40.7\t-74.0\tNew York\tNY\n\
            10001\t40.7\t-74.0\tNew York\tNY\n";
        let err = with(|s| s.postal_centroids = file).err();
        let line = 5;
        assert_eq!(
            err,
            Some(ReferenceError::Duplicate { file: POSTAL_CENTROIDS, line, column: "zip", value: "10002".to_owned() })
        );
    }

    #[test]
    fn every_zip_code_and_city_is_found_as_a_map_of_them_would_find_it() {
        let r = bundled();
        // What the lookups were before they became binary searches: maps.
        let mut cities: HashMap<(String, String), (f64, f64, usize)> = HashMap::new();
        for p in r.postal_centroids() {
            assert_eq!(r.postal(&p.zip), Some(p));
            let city = cities.entry((normalise_city(&p.city), p.state.clone())).or_default();
            *city = (city.0 + p.lat, city.1 + p.lon, city.2 + 1);
        }
        for ((name, state), (lat, lon, count)) in &cities {
            let Some(found) = r.city(name, state) else { panic!("{name}, {state} missing") };
            assert_eq!(normalise_city(&found.city), *name);
            assert_eq!(found.state, *state);
            let mean = |sum: f64| round4(sum / *count as f64);
            assert_eq!((found.lat, found.lon, found.zip_count), (mean(*lat), mean(*lon), *count), "{name}, {state}");
        }
        assert!(r.postal("00000").is_none() && r.postal("99999").is_none() && r.postal("").is_none());
        assert!(r.city("Nowhere At All", "NY").is_none() && r.city("", "").is_none());
    }

    #[test]
    fn a_duplicate_slug_is_rejected() {
        let err = with(|s| s.payers = "# version: 1\nslug\tname\naetna\tAetna\n\naetna\tAetna again\n").err();
        assert_eq!(
            err,
            Some(ReferenceError::Duplicate { file: "payers.tsv", line: 5, column: "slug", value: "aetna".to_owned() })
        );
    }

    #[test]
    fn a_concern_code_missing_from_the_icd10_table_is_rejected() {
        let concerns = "# version: 1\nslug\tname\tdescription\tsynonyms\ticd10\nx\tX\tAn x.\tx\tF52.0|F99.9\n";
        let err = with(|s| s.concerns = concerns).err();
        assert_eq!(
            err,
            Some(ReferenceError::UnknownReference {
                file: "concerns.tsv",
                line: 3,
                column: "icd10",
                value: "F99.9".to_owned(),
                target: "icd10.tsv"
            })
        );
    }

    #[test]
    fn malformed_fields_are_rejected() {
        let concern = |row: &str| format!("# version: 1\nslug\tname\tdescription\tsynonyms\ticd10\n{row}\n");
        for row in ["Bad Slug\tX\tAn x.\tx\t", "x\tX\tAn x.\tUpper\t", "x\tX\tAn x.\ta||b\t", "x\t\tAn x.\tx\t"] {
            let text = concern(row);
            let err = with(|s| s.concerns = &text).err();
            assert!(matches!(err, Some(ReferenceError::InvalidField { file: "concerns.tsv", line: 3, .. })), "{row}");
        }
        let postal = |row: &str| format!("# version: 1\nzip\tlat\tlon\tcity\tstate\n{row}\n");
        let text = postal("10001\t91.0\t-73.9\tNew York\tNY");
        let err = with(|s| s.postal_centroids = &text).err();
        assert!(matches!(err, Some(ReferenceError::InvalidField { column: "lat", .. })), "{err:?}");
        let text = postal("1001\t40.7\t-73.9\tNew York\tNY");
        let err = with(|s| s.postal_centroids = &text).err();
        assert!(matches!(err, Some(ReferenceError::InvalidField { column: "zip", .. })), "{err:?}");
        let text = postal("00601\t18.1\t-66.7\tAdjuntas\tPR");
        let err = with(|s| s.postal_centroids = &text).err();
        assert!(matches!(err, Some(ReferenceError::UnknownReference { column: "state", .. })), "{err:?}");
        let err = with(|s| s.icd10 = "# version: 1\ncode\tdescription\tnote\nF52-0\tX\t\n").err();
        assert!(matches!(err, Some(ReferenceError::InvalidField { column: "code", .. })), "{err:?}");
        let err =
            with(|s| s.jurisdictions = "# version: 1\nid\tcode\tname\tzone\nUS-NJ\tNY\tNew York\tAmerica/New_York\n")
                .err();
        assert!(matches!(err, Some(ReferenceError::InvalidField { column: "id", .. })), "{err:?}");
        let err =
            with(|s| s.jurisdictions = "# version: 1\nid\tcode\tname\tzone\nUS-NY\tNY\tNew York\tEastern\n").err();
        assert!(matches!(err, Some(ReferenceError::InvalidField { column: "zone", .. })), "{err:?}");
    }

    #[test]
    fn an_empty_postal_file_is_valid_and_finds_nothing() {
        let Ok(r) = with(|s| s.postal_centroids = "# version: none\nzip\tlat\tlon\tcity\tstate\n") else {
            panic!("header-only postal file should parse")
        };
        assert!(r.postal_centroids().is_empty());
        assert!(r.postal("10001").is_none());
        assert!(r.city("New York", "NY").is_none());
    }

    #[test]
    fn icd10_code_shapes() {
        for ok in ["F52.0", "F52.21", "N94.10", "F64.0", "F52"] {
            assert!(is_icd10_code(ok), "{ok}");
        }
        for bad in ["f52.0", "F52.", "F5.0", "F52-0", "F52.12345", ""] {
            assert!(!is_icd10_code(bad), "{bad}");
        }
    }
}
