//! Synthetic therapists: fictional, plausible and deterministic directory
//! profiles, with the practices they belong to.
//!
//! One generator serves three purposes, so they all speak about the same
//! data: `sensate demo --therapists N` lists such therapists in the demo
//! directory, `bench/search` measures the search over them, and the engine
//! conformance tests check that SQLite and PostgreSQL return the same search
//! results for them.
//!
//! The same seed, day and instant give the same profiles, ids included
//! (a fixed-seed splitmix64; no system randomness). What they look like:
//! offices at ZIP-code centroids around the 50 largest US metro areas,
//! weighted by population (about 18 % telehealth-only); a licence in the home
//! state and, for a quarter, one or two more; 24 concerns with a Zipf-like
//! spread (3–10 each); 25 payers (40 % take no insurance); English plus
//! Spanish (14 %) and 15 rarer languages; fees $80–$300; 55 % certified (some
//! expired or unverified); profile text of 4–7 sentences from a bank plus rare
//! words. Unless every profile must be listed (the demo), about 3 % have let
//! every licence lapse and 2 % await verification, as in a real directory.
//!
//! Every practice has a manager account (role owner) who verified its
//! therapists' credentials. No synthetic account can sign in: their password
//! hash is one nobody knows the password for.
mod schedules;
mod tables;

use jiff::civil::Date;
use jiff::{Span, Timestamp};
use sensate_domain::directory::reference::Reference;
use sensate_domain::directory::search::{Affirming, ClientFocus, Format, SearchQuery, Sort};
use sensate_domain::{CredentialId, Email, PracticeId, Role, UserId};
use sensate_store::{
    CertificationRecord, DirectoryImport, DirectoryProfileRecord, LicenceRecord, NewMembership, NewPractice, NewUser,
    OfficeRecord, TherapistProfile, Verification,
};

pub use self::schedules::{WITH_HOURS, synthetic_schedules};
use self::tables::*;
use crate::AppError;

/// The seed of the demo's synthetic therapists.
pub const DEMO_SEED: u64 = 0x5e45_a7e0_d1ec_7041;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticOptions {
    pub seed: u64,
    /// Expiry dates are placed around this day (licences and certifications).
    pub today: Date,
    /// When everything was created and verified (kept to the second, as stored).
    pub now: Timestamp,
    /// Every therapist holds a verified licence that has not expired on
    /// `today`, so all are listed (the demo). Otherwise about 3 % have let
    /// every licence lapse and 2 % have none verified yet.
    pub all_listed: bool,
}

/// splitmix64: small, fast, good enough for synthetic data.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `lo..=hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// Uniform in `0..len` (0 when `len` is 0).
    pub fn below(&mut self, len: usize) -> usize {
        if len == 0 { 0 } else { (self.next_u64() % len as u64) as usize }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        let i = self.below(items.len());
        items.get(i).copied()
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut target = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if target < *w {
                return i;
            }
            target -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// `count` distinct indexes drawn with the given weights.
    fn weighted_distinct(&mut self, weights: &[f64], count: usize) -> Vec<usize> {
        let mut left = weights.to_vec();
        let mut out = Vec::new();
        while out.len() < count.min(weights.len()) {
            let i = self.weighted(&left);
            if let Some(w) = left.get_mut(i) {
                *w = 0.0;
            }
            out.push(i);
        }
        out
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// ZIP codes around one metro area, with cumulative weights for drawing one.
struct ZipPool {
    /// Indexes into the reference data's postal centroids.
    zips: Vec<usize>,
    cumulative: Vec<f64>,
}

/// The practice whose therapists are being generated.
struct OpenPractice {
    id: PracticeId,
    owner: UserId,
    metro: usize,
    seats_left: usize,
}

/// Generates therapists batch by batch (see the module documentation).
pub struct SyntheticDirectory {
    rng: Rng,
    options: SyntheticOptions,
    now: Timestamp,
    reference: &'static Reference,
    zip_pools: Vec<ZipPool>,
    metro_weights: Vec<f64>,
    concern_weights: Vec<f64>,
    payer_weights: Vec<f64>,
    profession_weights: Vec<f64>,
    practice: Option<OpenPractice>,
    /// Therapists and practices generated so far (for unique emails).
    therapists: usize,
    practices: usize,
    /// Ids handed out so far: they increase, as UUIDv7s made one after
    /// another do, so rows are appended to the database's indexes.
    ids: u64,
}

/// How far around a metro's centre offices are spread (σ, in km).
const SPREAD_KM: f64 = 12.0;

fn km_between(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    // Equirectangular: ample within a metro area.
    let x = (lon2 - lon1).to_radians() * ((lat1 + lat2) / 2.0).to_radians().cos();
    let y = (lat2 - lat1).to_radians();
    6371.0 * (x * x + y * y).sqrt()
}

fn ascii_lower(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// A generated address, checked like any other.
fn synthetic_email(address: String) -> Result<Email, AppError> {
    Email::parse(&address).map_err(|_| AppError::Internal("a synthetic address does not parse".into()))
}

impl SyntheticDirectory {
    pub fn new(options: SyntheticOptions) -> Result<Self, AppError> {
        let reference = crate::directory::search::reference_data()?;
        let postal = reference.postal_centroids();
        let mut zip_pools = Vec::with_capacity(METROS.len());
        for metro in METROS {
            let mut zips = Vec::new();
            let mut cumulative = Vec::new();
            let mut total = 0.0;
            for (i, place) in postal.iter().enumerate() {
                let km = km_between(metro.lat, metro.lon, place.lat, place.lon);
                if km <= 4.0 * SPREAD_KM {
                    total += (-(km * km) / (2.0 * SPREAD_KM * SPREAD_KM)).exp();
                    zips.push(i);
                    cumulative.push(total);
                }
            }
            if zips.is_empty() {
                return Err(AppError::Internal(format!("no ZIP code near {} in the reference data", metro.name)));
            }
            zip_pools.push(ZipPool { zips, cumulative });
        }
        Ok(Self {
            rng: Rng::new(options.seed),
            options,
            now: Timestamp::from_second(options.now.as_second()).unwrap_or(options.now),
            reference,
            zip_pools,
            metro_weights: METROS.iter().map(|m| m.weight).collect(),
            concern_weights: (0..CONCERNS.len()).map(|rank| 1.0 / ((rank + 1) as f64).powf(0.8)).collect(),
            payer_weights: PAYERS.iter().map(|p| p.1).collect(),
            profession_weights: PROFESSIONS.iter().map(|p| p.1).collect(),
            practice: None,
            therapists: 0,
            practices: 0,
            ids: 0,
        })
    }

    /// All `count` therapists at once.
    pub fn generate(options: SyntheticOptions, count: usize) -> Result<DirectoryImport, AppError> {
        Self::new(options)?.batch(count)
    }

    /// The next `count` therapists, with the practices (and their managers)
    /// they are the first to join. Practices may continue into the next batch.
    pub fn batch(&mut self, count: usize) -> Result<DirectoryImport, AppError> {
        let mut batch = DirectoryImport::default();
        for _ in 0..count {
            let practice = self.open_practice(&mut batch)?;
            let profile = self.therapist(&practice, &mut batch)?;
            batch.profiles.push(profile);
            self.practice = Some(OpenPractice { seats_left: practice.seats_left.saturating_sub(1), ..practice });
        }
        Ok(batch)
    }

    /// A UUIDv7 of `now`: the 48-bit time, then a 30-bit counter (12 bits in
    /// `rand_a`, 18 at the top of `rand_b`) and 44 random bits.
    fn new_id(&mut self) -> uuid::Uuid {
        let millis = u128::try_from(self.now.as_millisecond()).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
        let count = u128::from(self.ids);
        self.ids += 1;
        let random = u128::from(self.rng.next_u64()) & ((1 << 44) - 1);
        uuid::Uuid::from_u128(
            (millis << 80)
                | (0x7 << 76)
                | (((count >> 18) & 0xFFF) << 64)
                | (0b10 << 62)
                | ((count & 0x3_FFFF) << 44)
                | random,
        )
    }

    /// A day between `from` and `to` days after today (negative: before).
    fn day_between(&mut self, from: i64, to: i64) -> Date {
        let days = self.rng.range(from, to);
        self.options.today.checked_add(Span::new().days(days)).unwrap_or(self.options.today)
    }

    fn person_name(&mut self) -> (&'static str, &'static str) {
        (self.rng.pick(FIRST_NAMES).unwrap_or("Alex"), self.rng.pick(LAST_NAMES).unwrap_or("Rivera"))
    }

    /// The practice the next therapist joins; a new one (with its manager)
    /// when the current one is full.
    fn open_practice(&mut self, batch: &mut DirectoryImport) -> Result<OpenPractice, AppError> {
        if let Some(practice) = self.practice.take()
            && practice.seats_left > 0
        {
            return Ok(practice);
        }
        let id = PracticeId::from_uuid(self.new_id());
        let owner = UserId::from_uuid(self.new_id());
        let metro = self.rng.weighted(&self.metro_weights);
        // Half work alone; group practices have 2 to 8 therapists.
        let seats = if self.rng.chance(0.5) { 1 } else { self.rng.range(2, 8) as usize };
        let (first, last) = self.person_name();
        let name = if seats == 1 {
            let kind = self.rng.pick(&["Therapy", "Counseling", "Sex Therapy", "Psychotherapy"]).unwrap_or("Therapy");
            format!("{last} {kind}")
        } else {
            let word = self.rng.pick(PRACTICE_WORDS).unwrap_or("Cedar");
            let kind = self.rng.pick(PRACTICE_KINDS).unwrap_or("Counseling Group");
            format!("{word} {kind}")
        };
        self.practices += 1;
        batch.practices.push(NewPractice {
            id,
            name,
            time_zone: sensate_domain::TimeZoneName::parse(
                METROS.get(metro).map_or("America/New_York", |m| m.time_zone),
            )
            .map_err(|_| AppError::Internal("a metro's zone is unknown".into()))?,
            created_at: self.now,
        });
        batch.users.push(NewUser {
            id: owner,
            email: synthetic_email(format!(
                "{}.{}.manager{}@practices.example",
                ascii_lower(first),
                ascii_lower(last),
                self.practices
            ))?,
            display_name: format!("{first} {last}"),
            password_hash: crate::infra::secrets::UNUSABLE_PASSWORD_HASH.to_string(),
            created_at: self.now,
        });
        batch.memberships.push(NewMembership {
            practice_id: id,
            user_id: owner,
            role: Role::Owner,
            created_at: self.now,
        });
        Ok(OpenPractice { id, owner, metro, seats_left: seats })
    }

    fn verification(&mut self, owner: UserId) -> Verification {
        let days = self.rng.range(1, 300);
        Verification {
            at: self.now.checked_sub(Span::new().hours(24 * days)).unwrap_or(self.now),
            by: owner,
            method: self.rng.pick(VERIFICATION_METHODS).unwrap_or("State board online register").to_string(),
        }
    }

    fn therapist(
        &mut self,
        practice: &OpenPractice,
        batch: &mut DirectoryImport,
    ) -> Result<DirectoryProfileRecord, AppError> {
        let user = UserId::from_uuid(self.new_id());
        let metro = METROS.get(practice.metro).unwrap_or(&METROS[0]);
        self.therapists += 1;

        let profession = PROFESSIONS.get(self.rng.weighted(&self.profession_weights)).map_or("lmft", |p| p.0);
        let (first, last) = self.person_name();
        let doctor = matches!(profession, "psychologist" | "psychiatrist") && self.rng.chance(0.6);
        let display_name = if doctor { format!("Dr. {first} {last}") } else { format!("{first} {last}") };
        let (gender, pronouns) = match self.rng.unit() {
            x if x < 0.62 => ("woman", if self.rng.chance(0.92) { "she/her" } else { "she/they" }),
            x if x < 0.88 => ("man", "he/him"),
            x if x < 0.96 => ("non-binary", "they/them"),
            x if x < 0.98 => ("genderqueer", "they/them"),
            _ => ("", ""),
        };
        batch.users.push(NewUser {
            id: user,
            email: synthetic_email(format!(
                "{}.{}.{}@therapists.example",
                ascii_lower(first),
                ascii_lower(last),
                self.therapists
            ))?,
            display_name: display_name.clone(),
            password_hash: crate::infra::secrets::UNUSABLE_PASSWORD_HASH.to_string(),
            created_at: self.now,
        });
        batch.memberships.push(NewMembership {
            practice_id: practice.id,
            user_id: user,
            role: Role::Clinician,
            created_at: self.now,
        });

        let concern_count = self.rng.range(3, 10) as usize;
        let mut concerns: Vec<String> = self
            .rng
            .weighted_distinct(&self.concern_weights, concern_count)
            .into_iter()
            .filter_map(|i| CONCERNS.get(i).map(|c| c.to_string()))
            .collect();
        concerns.sort();
        let couples = self.rng.chance(0.55);
        let individuals = !couples || self.rng.chance(0.9);
        let mut languages = Vec::new();
        if self.rng.chance(0.97) {
            languages.push("en".to_string());
        }
        for (code, share) in LANGUAGES {
            if self.rng.chance(*share) || (languages.is_empty() && *code == "es") {
                languages.push(code.to_string());
            }
        }
        languages.sort();
        let language_names = languages
            .iter()
            .filter_map(|code| self.reference.language(code).map(|l| l.name.clone()))
            .collect::<Vec<_>>()
            .join(", ");

        let office_count = match self.rng.unit() {
            x if x < 0.18 => 0,
            x if x < 0.85 => 1,
            _ => 2,
        };
        let mut offices = Vec::new();
        for _ in 0..office_count {
            if let Some(office) = self.office(practice.metro) {
                offices.push(office);
            }
        }
        offices.sort_by(|a, b| (&a.label, a.id).cmp(&(&b.label, b.id)));
        let offers_in_person = !offices.is_empty();
        let offers_telehealth = !offers_in_person || self.rng.chance(0.78);

        // Licences: the home state, for a quarter one or two more.
        let status = self.rng.unit();
        let (lapsed, unverified) =
            if self.options.all_listed { (false, false) } else { (status < 0.03, (0.03..0.05).contains(&status)) };
        let mut states = vec![metro.jurisdiction];
        let extra = match self.rng.unit() {
            x if x < 0.20 => 1,
            x if x < 0.25 => 2,
            _ => 0,
        };
        for _ in 0..extra {
            let other =
                METROS.get(self.rng.weighted(&self.metro_weights)).map_or(metro.jurisdiction, |m| m.jurisdiction);
            if !states.contains(&other) {
                states.push(other);
            }
        }
        let mut licences = Vec::new();
        for state in &states {
            let expires_on = if lapsed { self.day_between(-400, -1) } else { self.day_between(30, 900) };
            let verification = if unverified { None } else { Some(self.verification(practice.owner)) };
            licences.push(self.licence(user, practice.id, profession, state, expires_on, verification));
        }
        if self.rng.chance(0.05) {
            // An old licence from a previous state, long expired.
            let old = METROS.get(self.rng.weighted(&self.metro_weights)).map_or(metro.jurisdiction, |m| m.jurisdiction);
            if !states.contains(&old) {
                let expires_on = self.day_between(-2000, -100);
                let verification = Some(self.verification(practice.owner));
                licences.push(self.licence(user, practice.id, profession, old, expires_on, verification));
            }
        }
        licences.sort_by_key(|l| (l.jurisdiction.clone(), l.id));

        let mut certifications = Vec::new();
        if self.rng.chance(0.55) {
            let body = if self.rng.chance(0.93) { "aasect" } else { "other" };
            let expires_on = if self.rng.chance(0.1) { None } else { Some(self.day_between(-200, 900)) };
            let verification = if self.rng.chance(0.92) { Some(self.verification(practice.owner)) } else { None };
            certifications.push(CertificationRecord {
                id: CredentialId::from_uuid(self.new_id()),
                user_id: user,
                practice_id: practice.id,
                body: body.to_string(),
                credential_id: format!("CST-{:05}", self.rng.range(1, 99_999)),
                expires_on,
                verification,
            });
        }

        let mut codes: Vec<&str> =
            states.iter().filter_map(|s| self.reference.jurisdiction(s).map(|j| j.code.as_str())).collect();
        codes.sort_unstable();
        let licence_type = licences.first().map_or("lpc", |l| licence_letters(&l.licence_type));
        let mut credentials = format!("{licence_type} ({})", codes.join(", "));
        if certifications.iter().any(|c| c.body == "aasect") {
            credentials.push_str(" · AASECT Certified Sex Therapist");
        }

        let min_fee_cents = self.rng.chance(0.92).then(|| {
            let dollars = 80 + (self.rng.unit().powf(1.6) * 220.0) as i64;
            dollars / 5 * 5 * 100
        });
        let mut payers: Vec<String> = if self.rng.chance(0.4) {
            Vec::new()
        } else {
            let count = self.rng.range(1, 6) as usize;
            self.rng
                .weighted_distinct(&self.payer_weights, count)
                .into_iter()
                .filter_map(|i| PAYERS.get(i).map(|p| p.0.to_string()))
                .collect()
        };
        payers.sort();
        let headline = self.rng.pick(HEADLINES).unwrap_or("Sex therapy for individuals and couples").to_string();
        let mut approach = String::new();
        for _ in 0..self.rng.range(4, 7) {
            approach.push_str(self.rng.pick(SENTENCES).unwrap_or_default());
            approach.push(' ');
        }
        // A long tail of rare words, as real profiles have (institutes, places, hobbies).
        let (institute, hobby) = (self.rare_word(), self.rare_word());
        approach.push_str(&format!("I trained at the {institute} institute and outside work I enjoy {hobby}."));
        let affirming_lgbtq = self.rng.chance(0.7);
        let kink_aware = self.rng.chance(0.35);
        let cnm_affirming = self.rng.chance(0.3);
        let sliding_scale = self.rng.chance(0.35);
        let free_consultation = self.rng.chance(0.45);
        let superbill = self.rng.chance(0.55);
        let accepting_new_clients = self.rng.chance(0.72);

        Ok(DirectoryProfileRecord {
            profile: TherapistProfile {
                user_id: user,
                practice_id: practice.id,
                display_name,
                pronouns: pronouns.to_string(),
                credentials,
                headline,
                approach,
                languages: language_names,
                offers_in_person,
                offers_telehealth,
                accepting_new_clients,
            },
            gender: gender.to_string(),
            sees_individuals: individuals,
            sees_couples: couples,
            affirming_lgbtq,
            kink_aware,
            cnm_affirming,
            min_fee_cents,
            sliding_scale,
            free_consultation,
            superbill,
            concerns,
            language_codes: languages,
            payers,
            offices,
            licences,
            certifications,
        })
    }

    fn licence(
        &mut self,
        user: UserId,
        practice: PracticeId,
        profession: &str,
        jurisdiction: &str,
        expires_on: Date,
        verification: Option<Verification>,
    ) -> LicenceRecord {
        let licence_type = if profession == "counsellor" { counsellor_licence(jurisdiction) } else { profession };
        let code = jurisdiction.trim_start_matches("US-");
        LicenceRecord {
            id: CredentialId::from_uuid(self.new_id()),
            user_id: user,
            practice_id: practice,
            licence_type: licence_type.to_string(),
            number: format!("{code}-{:06}", self.rng.range(1, 999_999)),
            jurisdiction: jurisdiction.to_string(),
            expires_on,
            verification,
        }
    }

    /// An office at a ZIP code's centroid near the metro's centre, as the
    /// profile form would place it.
    fn office(&mut self, metro: usize) -> Option<OfficeRecord> {
        let pool = self.zip_pools.get(metro)?;
        let total = pool.cumulative.last().copied()?;
        let target = self.rng.unit() * total;
        let at = pool.cumulative.partition_point(|c| *c <= target).min(pool.zips.len() - 1);
        let place = self.reference.postal_centroids().get(*pool.zips.get(at)?)?;
        let district = self.rng.pick(DISTRICTS)?;
        let street = self.rng.pick(STREETS)?;
        let kind = self.rng.pick(STREET_KINDS)?;
        let number = self.rng.range(1, 2400);
        Some(OfficeRecord {
            id: sensate_domain::OfficeId::from_uuid(self.new_id()),
            label: format!("{district} office"),
            address: format!("{number} {street} {kind}, {}, {} {}", place.city, place.state, place.zip),
            postal_code: place.zip.clone(),
            lat: place.lat,
            lon: place.lon,
            accessibility: self.rng.pick(ACCESSIBILITY)?.to_string(),
        })
    }

    fn rare_word(&mut self) -> String {
        (0..self.rng.range(2, 4)).filter_map(|_| self.rng.pick(SYLLABLES)).collect()
    }
}

/// One kind of visitor search, for benchmarks and conformance tests.
pub struct QueryShape {
    pub name: &'static str,
    make: fn(&mut Rng) -> SearchQuery,
}

fn random_metro(rng: &mut Rng) -> &'static Metro {
    let weights: Vec<f64> = METROS.iter().map(|m| m.weight).collect();
    METROS.get(rng.weighted(&weights)).unwrap_or(&METROS[0])
}

fn concern(rng: &mut Rng) -> String {
    let weights: Vec<f64> = (0..CONCERNS.len()).map(|rank| 1.0 / ((rank + 1) as f64).powf(0.8)).collect();
    CONCERNS.get(rng.weighted(&weights)).unwrap_or(&CONCERNS[0]).to_string()
}

fn payer(rng: &mut Rng) -> String {
    let weights: Vec<f64> = PAYERS.iter().map(|p| p.1).collect();
    PAYERS.get(rng.weighted(&weights)).map_or("aetna", |p| p.0).to_string()
}

/// A visitor's location near a metro's centre.
fn near(rng: &mut Rng, metro: &Metro, sigma_km: f64) -> (f64, f64) {
    let lat = metro.lat + rng.normal() * sigma_km / 111.0;
    let lon = metro.lon + rng.normal() * sigma_km / (111.0 * metro.lat.to_radians().cos());
    (lat, lon)
}

/// The kinds of search visitors make, from narrow to broad.
pub const QUERY_SHAPES: &[QueryShape] = &[
    QueryShape { name: "concern only", make: |rng| SearchQuery { concerns: vec![concern(rng)], ..Default::default() } },
    QueryShape {
        name: "concern + telehealth J + insurance",
        make: |rng| SearchQuery {
            concerns: vec![concern(rng)],
            format: Format::Telehealth,
            jurisdiction: Some(random_metro(rng).jurisdiction.into()),
            insurance: vec![payer(rng)],
            ..Default::default()
        },
    },
    QueryShape {
        name: "in person 25 km, distance sort",
        make: |rng| {
            let metro = random_metro(rng);
            SearchQuery {
                format: Format::InPerson,
                origin: Some(near(rng, metro, 8.0)),
                radius_km: Some(25.0),
                sort: Sort::Distance,
                ..Default::default()
            }
        },
    },
    QueryShape {
        name: "couples + affirming",
        make: |rng| SearchQuery {
            focus: Some(ClientFocus::Couples),
            affirming: Affirming { lgbtq: true, kink_aware: rng.chance(0.5), cnm: true },
            ..Default::default()
        },
    },
    QueryShape {
        name: "fee ceiling + sliding, fee sort",
        make: |rng| SearchQuery {
            max_fee_cents: Some(rng.range(8, 20) as u32 * 1000),
            sliding_scale: true,
            sort: Sort::Fee,
            ..Default::default()
        },
    },
    QueryShape {
        name: "free text",
        make: |rng| SearchQuery {
            text: rng
                .pick(&[
                    "mindfulness",
                    "sensate focus",
                    "Gottman",
                    "EMDR",
                    "trauma-informed",
                    "pelvic floor",
                    "somatic",
                    "attachment",
                    "mindful",
                    "acceptance and commitment",
                ])
                .unwrap_or("mindfulness")
                .to_string(),
            ..Default::default()
        },
    },
    QueryShape {
        name: "language + certified",
        make: |rng| SearchQuery {
            languages: vec![rng.pick(&["es", "es", "es", "fr", "zh", "pt", "ru", "ase"]).unwrap_or("es").to_string()],
            certified_only: true,
            ..Default::default()
        },
    },
    QueryShape {
        name: "broad, page 5",
        make: |rng| SearchQuery { accepting_new_clients: rng.chance(0.5), page: 5, ..Default::default() },
    },
    QueryShape {
        name: "any format, J + origin, 2 concerns",
        make: |rng| {
            let metro = random_metro(rng);
            SearchQuery {
                concerns: vec![concern(rng), concern(rng)],
                jurisdiction: Some(metro.jurisdiction.into()),
                origin: Some(near(rng, metro, 8.0)),
                radius_km: Some(40.0),
                ..Default::default()
            }
        },
    },
    QueryShape {
        name: "kitchen sink, in person 50 km",
        make: |rng| {
            let metro = random_metro(rng);
            SearchQuery {
                concerns: vec![concern(rng)],
                insurance: vec![payer(rng)],
                format: Format::InPerson,
                origin: Some(near(rng, metro, 8.0)),
                radius_km: Some(50.0),
                accepting_new_clients: true,
                genders: vec!["woman".into()],
                max_fee_cents: Some(25_000),
                ..Default::default()
            }
        },
    },
    QueryShape {
        name: "telehealth J, distance sort",
        make: |rng| {
            let metro = random_metro(rng);
            SearchQuery {
                format: Format::Telehealth,
                jurisdiction: Some(metro.jurisdiction.into()),
                origin: Some(near(rng, metro, 8.0)),
                sort: Sort::Distance,
                ..Default::default()
            }
        },
    },
    QueryShape {
        name: "everyone, best match near origin (500 km)",
        make: |rng| {
            let metro = random_metro(rng);
            SearchQuery { origin: Some(near(rng, metro, 8.0)), radius_km: Some(500.0), ..Default::default() }
        },
    },
];

/// `per_shape` searches of each [`QUERY_SHAPES`] entry (or only of the shape
/// at index `only`), in a shuffled but fixed order: `(shape index, query)`.
pub fn query_mix(seed: u64, per_shape: usize, only: Option<usize>) -> Vec<(usize, SearchQuery)> {
    let mut rng = Rng::new(seed);
    let mut mix = Vec::with_capacity(QUERY_SHAPES.len() * per_shape);
    for (s, shape) in QUERY_SHAPES.iter().enumerate() {
        for _ in 0..per_shape {
            let query = (shape.make)(&mut rng);
            if only.is_none_or(|o| o == s) {
                mix.push((s, query));
            }
        }
    }
    for i in (1..mix.len()).rev() {
        let j = rng.below(i + 1);
        mix.swap(i, j);
    }
    mix
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(all_listed: bool) -> SyntheticOptions {
        SyntheticOptions {
            seed: 7,
            today: jiff::civil::date(2026, 6, 1),
            now: "2026-06-01T12:00:00Z".parse().unwrap(),
            all_listed,
        }
    }

    fn listed(record: &DirectoryProfileRecord, now: jiff::Timestamp) -> bool {
        record.licences.iter().any(|l| crate::directory::search::licence_fact(l).is_current(now))
    }

    #[test]
    fn the_same_seed_gives_the_same_therapists() {
        let a = SyntheticDirectory::generate(options(false), 300).unwrap();
        let b = SyntheticDirectory::generate(options(false), 300).unwrap();
        assert_eq!(a.profiles, b.profiles);
        let mut other = options(false);
        other.seed = 8;
        assert_ne!(SyntheticDirectory::generate(other, 300).unwrap().profiles, a.profiles);
        // In batches or at once: the same therapists.
        let mut generator = SyntheticDirectory::new(options(false)).unwrap();
        let mut batched = generator.batch(120).unwrap().profiles;
        batched.extend(generator.batch(180).unwrap().profiles);
        assert_eq!(batched, a.profiles);
        // Ids are UUIDv7s of the given instant, in increasing order.
        let ids: Vec<uuid::Uuid> = a.users.iter().map(|u| u.id.as_uuid()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|id| id.get_version_num() == 7 && id.get_variant() == uuid::Variant::RFC4122));
        let (seconds, _) = ids[0].get_timestamp().unwrap().to_unix();
        assert_eq!(i64::try_from(seconds).unwrap(), options(false).now.as_second());
    }

    #[test]
    fn every_value_is_in_the_reference_data_and_ordered_as_stored() {
        let reference = crate::directory::search::reference_data().unwrap();
        let batch = SyntheticDirectory::generate(options(false), 2_000).unwrap();
        let sorted = |v: &[String]| v.windows(2).all(|w| w[0] < w[1]);
        for record in &batch.profiles {
            assert!(record.concerns.iter().all(|c| reference.concern(c).is_some()), "{:?}", record.concerns);
            assert!(record.payers.iter().all(|p| reference.payer(p).is_some()), "{:?}", record.payers);
            assert!(record.language_codes.iter().all(|l| reference.language(l).is_some()));
            assert!(sorted(&record.concerns) && sorted(&record.payers) && sorted(&record.language_codes));
            for licence in &record.licences {
                assert!(reference.licence_type(&licence.licence_type).is_some(), "{}", licence.licence_type);
                assert!(reference.jurisdiction(&licence.jurisdiction).is_some(), "{}", licence.jurisdiction);
            }
            assert!(record.certifications.iter().all(|c| reference.certifying_body(&c.body).is_some()));
            for office in &record.offices {
                let place = reference.postal(&office.postal_code).unwrap();
                assert_eq!((place.lat, place.lon), (office.lat, office.lon), "placed at its ZIP code");
            }
            assert_eq!(record.profile.offers_in_person, !record.offices.is_empty());
            assert!(record.profile.offers_in_person || record.profile.offers_telehealth);
            assert!(record.sees_individuals || record.sees_couples);
        }
        // Every practice's zone is a TimeZoneName: known to the zone database by its type.
        assert!(batch.practices.iter().all(|p| p.time_zone.as_str().contains('/')));
        let mut emails: Vec<&str> = batch.users.iter().map(|u| u.email.as_str()).collect();
        emails.sort_unstable();
        emails.dedup();
        assert_eq!(emails.len(), batch.users.len(), "emails are unique");
    }

    #[test]
    fn a_realistic_share_is_listed_unless_all_must_be() {
        let now = options(false).now;
        let mixed = SyntheticDirectory::generate(options(false), 2_000).unwrap();
        let unlisted = mixed.profiles.iter().filter(|r| !listed(r, now)).count();
        assert!((40..=160).contains(&unlisted), "about 5 % unlisted, got {unlisted} of 2000");
        let demo = SyntheticDirectory::generate(options(true), 2_000).unwrap();
        assert!(demo.profiles.iter().all(|r| listed(r, now)));
        // Every credential was verified by the manager of the therapist's practice.
        let owners: std::collections::HashMap<_, _> =
            demo.memberships.iter().filter(|m| m.role == Role::Owner).map(|m| (m.practice_id, m.user_id)).collect();
        for record in &demo.profiles {
            for licence in &record.licences {
                let by = licence.verification.as_ref().unwrap().by;
                assert_eq!(owners.get(&record.profile.practice_id), Some(&by));
            }
        }
    }

    #[test]
    fn the_query_mix_is_fixed_and_valid() {
        let mix = query_mix(3, 10, None);
        assert_eq!(mix.len(), QUERY_SHAPES.len() * 10);
        assert_eq!(mix, query_mix(3, 10, None));
        assert!(mix.iter().all(|(_, q)| q.validate().is_ok()));
        assert!(query_mix(3, 10, Some(2)).iter().all(|(s, _)| *s == 2));
    }
}
