//! Directory search benchmark: builds a `DirectoryIndex` over N synthetic
//! profiles (default 100 000, env `PROFILES`), runs a fixed mix of queries
//! (env `ROUNDS` passes over it, default 3, after one unmeasured warm-up pass)
//! and prints latency per query shape, next to a baseline measured in the same
//! run: a plain scan summing one field over all N profiles.
//!
//! Everything is deterministic (a fixed-seed splitmix64), so two runs search
//! the same data with the same queries and must print the same result checksum.
use std::hint::black_box;
use std::time::{Duration, Instant};

use jiff::Span;
use jiff::civil::{Date, date};
use sensate_domain::directory::search::{
    Affirming, CertificationFact, ClientFocus, DirectoryIndex, DirectoryProfile, Format, LicenceFact, Office,
    SearchQuery, Sort,
};

const TODAY: Date = date(2026, 6, 1);
const SEED: u64 = 0x5e45_a7e0_d1ec_7041;

/// splitmix64: small, fast, good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
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
        weights.len() - 1
    }

    /// `count` distinct indexes drawn with the given weights.
    fn weighted_distinct(&mut self, weights: &[f64], count: usize) -> Vec<usize> {
        let mut left = weights.to_vec();
        let mut out = Vec::new();
        while out.len() < count.min(weights.len()) {
            let i = self.weighted(&left);
            left[i] = 0.0;
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

struct Metro {
    name: &'static str,
    lat: f64,
    lon: f64,
    jurisdiction: &'static str,
    /// Metro population in millions: how many therapists practise there.
    weight: f64,
}

const fn metro(name: &'static str, lat: f64, lon: f64, jurisdiction: &'static str, weight: f64) -> Metro {
    Metro { name, lat, lon, jurisdiction, weight }
}

const METROS: &[Metro] = &[
    metro("New York", 40.7128, -74.0060, "US-NY", 19.5),
    metro("Los Angeles", 34.0522, -118.2437, "US-CA", 13.0),
    metro("Chicago", 41.8781, -87.6298, "US-IL", 9.5),
    metro("Dallas", 32.7767, -96.7970, "US-TX", 7.6),
    metro("Houston", 29.7604, -95.3698, "US-TX", 7.1),
    metro("Washington", 38.9072, -77.0369, "US-DC", 6.3),
    metro("Philadelphia", 39.9526, -75.1652, "US-PA", 6.2),
    metro("Miami", 25.7617, -80.1918, "US-FL", 6.1),
    metro("Atlanta", 33.7490, -84.3880, "US-GA", 6.1),
    metro("Boston", 42.3601, -71.0589, "US-MA", 4.9),
    metro("Phoenix", 33.4484, -112.0740, "US-AZ", 4.9),
    metro("San Francisco", 37.7749, -122.4194, "US-CA", 4.7),
    metro("Riverside", 33.9533, -117.3962, "US-CA", 4.6),
    metro("Detroit", 42.3314, -83.0458, "US-MI", 4.3),
    metro("Seattle", 47.6062, -122.3321, "US-WA", 4.0),
    metro("Minneapolis", 44.9778, -93.2650, "US-MN", 3.7),
    metro("San Diego", 32.7157, -117.1611, "US-CA", 3.3),
    metro("Tampa", 27.9506, -82.4572, "US-FL", 3.2),
    metro("Denver", 39.7392, -104.9903, "US-CO", 3.0),
    metro("Baltimore", 39.2904, -76.6122, "US-MD", 2.8),
    metro("St. Louis", 38.6270, -90.1994, "US-MO", 2.8),
    metro("Orlando", 28.5383, -81.3792, "US-FL", 2.7),
    metro("Charlotte", 35.2271, -80.8431, "US-NC", 2.7),
    metro("San Antonio", 29.4241, -98.4936, "US-TX", 2.6),
    metro("Portland", 45.5152, -122.6784, "US-OR", 2.5),
    metro("Sacramento", 38.5816, -121.4944, "US-CA", 2.4),
    metro("Pittsburgh", 40.4406, -79.9959, "US-PA", 2.4),
    metro("Austin", 30.2672, -97.7431, "US-TX", 2.4),
    metro("Las Vegas", 36.1699, -115.1398, "US-NV", 2.3),
    metro("Cincinnati", 39.1031, -84.5120, "US-OH", 2.3),
    metro("Kansas City", 39.0997, -94.5786, "US-MO", 2.2),
    metro("Columbus", 39.9612, -82.9988, "US-OH", 2.1),
    metro("Indianapolis", 39.7684, -86.1581, "US-IN", 2.1),
    metro("Cleveland", 41.4993, -81.6944, "US-OH", 2.1),
    metro("San Jose", 37.3382, -121.8863, "US-CA", 2.0),
    metro("Nashville", 36.1627, -86.7816, "US-TN", 2.0),
    metro("Virginia Beach", 36.8529, -75.9780, "US-VA", 1.8),
    metro("Providence", 41.8240, -71.4128, "US-RI", 1.7),
    metro("Milwaukee", 43.0389, -87.9065, "US-WI", 1.6),
    metro("Jacksonville", 30.3322, -81.6557, "US-FL", 1.6),
    metro("Oklahoma City", 35.4676, -97.5164, "US-OK", 1.4),
    metro("Raleigh", 35.7796, -78.6382, "US-NC", 1.4),
    metro("Memphis", 35.1495, -90.0490, "US-TN", 1.3),
    metro("Richmond", 37.5407, -77.4360, "US-VA", 1.3),
    metro("Louisville", 38.2527, -85.7585, "US-KY", 1.3),
    metro("New Orleans", 29.9511, -90.0715, "US-LA", 1.3),
    metro("Salt Lake City", 40.7608, -111.8910, "US-UT", 1.2),
    metro("Hartford", 41.7658, -72.6734, "US-CT", 1.2),
    metro("Buffalo", 42.8864, -78.8784, "US-NY", 1.1),
    metro("Birmingham", 33.5186, -86.8104, "US-AL", 1.1),
];

/// Concern slugs, most common first (weights fall off like a Zipf law).
const CONCERNS: &[&str] = &[
    "low-desire",
    "desire-discrepancy",
    "erectile-difficulties",
    "relationship-conflict",
    "sexual-anxiety",
    "orgasm-difficulties",
    "painful-sex",
    "premature-ejaculation",
    "infidelity",
    "communication",
    "sexual-trauma",
    "pornography-use",
    "compulsive-sexual-behaviour",
    "gender-identity",
    "sexual-orientation",
    "body-image",
    "sexual-shame",
    "vaginismus",
    "kink-bdsm",
    "consensual-non-monogamy",
    "menopause",
    "intimacy-after-childbirth",
    "performance-anxiety",
    "delayed-ejaculation",
    "vulvodynia",
    "religious-sexual-shame",
    "chronic-illness-sexuality",
    "cancer-sexuality",
    "aging-sexuality",
    "asexuality",
    "coming-out",
    "fertility-stress",
    "disability-sexuality",
    "hiv-sti-concerns",
    "sex-education",
    "paraphilias",
];

const PAYERS: &[(&str, f64)] = &[
    ("aetna", 10.0),
    ("bcbs", 12.0),
    ("cigna", 9.0),
    ("united", 9.0),
    ("optum", 7.0),
    ("anthem", 6.0),
    ("humana", 3.0),
    ("kaiser", 3.0),
    ("medicare", 4.0),
    ("medicaid", 3.0),
    ("tricare", 2.0),
    ("magellan", 2.0),
    ("oscar", 2.0),
    ("oxford", 2.0),
    ("emblem", 1.5),
    ("highmark", 1.5),
    ("premera", 1.0),
    ("regence", 1.0),
    ("ambetter", 1.0),
    ("molina", 1.0),
    ("carelon", 1.0),
    ("healthnet", 1.0),
    ("harvard-pilgrim", 1.0),
    ("tufts", 0.8),
    ("geha", 0.8),
];

/// Languages besides English, with the share of therapists who speak them.
const LANGUAGES: &[(&str, f64)] = &[
    ("es", 0.14),
    ("fr", 0.03),
    ("zh", 0.025),
    ("pt", 0.02),
    ("ru", 0.015),
    ("de", 0.015),
    ("he", 0.01),
    ("ar", 0.01),
    ("hi", 0.01),
    ("ko", 0.01),
    ("vi", 0.01),
    ("tl", 0.01),
    ("ase", 0.01),
    ("it", 0.01),
    ("pl", 0.005),
    ("ja", 0.005),
];

const SENTENCES: &[&str] = &[
    "I integrate mindfulness and sensate focus to reduce performance pressure.",
    "My work draws on cognitive behavioural therapy and acceptance and commitment therapy.",
    "I am trained in the Gottman method and emotionally focused therapy for couples.",
    "Sessions are trauma-informed, paced and collaborative.",
    "I offer a sex-positive, body-positive and shame-free space.",
    "Together we explore desire, arousal and pleasure without judgement.",
    "I work closely with pelvic floor physical therapists and physicians.",
    "I use somatic approaches alongside talk therapy.",
    "Attachment theory guides how I understand closeness and distance in relationships.",
    "I have extensive experience with EMDR for sexual trauma.",
    "Many of my clients are navigating menopause, illness or changes after childbirth.",
    "I welcome people of all genders, orientations and relationship structures.",
    "I support clients exploring kink, BDSM and consensual non-monogamy.",
    "My approach is psychodynamic, curious and warm.",
    "We will set clear goals and track progress with validated questionnaires.",
    "Homework between sessions helps change take hold at home.",
    "I help couples rebuild trust after an affair.",
    "Narrative therapy helps clients rewrite stories of shame.",
    "I often work with men experiencing erectile difficulties or premature ejaculation.",
    "I treat vaginismus and painful intercourse with a gentle, graduated approach.",
    "Communication exercises help partners talk about sex with less conflict.",
    "I am a certified sex therapist and a licensed marriage and family therapist.",
    "Religious upbringing and purity culture often shape the shame clients carry.",
    "I see individuals and couples in person and over secure video.",
    "Evening and weekend appointments are available.",
    "I believe sexual health is part of overall wellbeing.",
    "My practice is neurodivergent-affirming and disability-aware.",
    "I have worked in community mental health and in private practice.",
    "Mindful touch exercises help couples rediscover intimacy.",
    "I specialise in desire discrepancy between partners.",
];

const FIRST_NAMES: &[&str] = &[
    "Alex", "Jordan", "Sam", "Taylor", "Maria", "James", "Aisha", "Wei", "Priya", "Daniel", "Sofia", "Michael",
    "Fatima", "Chris", "Elena", "David", "Grace", "Luis", "Hannah", "Noah", "Olivia", "Kai", "Rosa", "Isaac",
];
const LAST_NAMES: &[&str] = &[
    "Rivera", "Chen", "Patel", "Smith", "Johnson", "Garcia", "Kim", "Nguyen", "Cohen", "Okafor", "Murphy", "Silva",
    "Rossi", "Novak", "Haddad", "Brown", "Lopez", "Williams", "Khan", "Schmidt", "Tanaka", "Moreau", "Ali", "Berg",
];
const DISTRICTS: &[&str] =
    &["Downtown", "Midtown", "Uptown", "Old Town", "Riverside", "Northside", "Southside", "West End", "East Village"];
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "tor", "vas", "bel", "qui", "zan", "dor", "fe", "gul", "hin", "jap", "mor", "nes", "pim",
    "ros", "sul", "tez",
];

fn in_days(days: i64) -> Date {
    TODAY.checked_add(Span::new().days(days)).unwrap_or(TODAY)
}

fn concern_weights() -> Vec<f64> {
    (0..CONCERNS.len()).map(|rank| 1.0 / ((rank + 1) as f64).powf(0.8)).collect()
}

fn metro_weights() -> Vec<f64> {
    METROS.iter().map(|m| m.weight).collect()
}

fn near(rng: &mut Rng, metro: &Metro, sigma_km: f64) -> (f64, f64) {
    let lat = metro.lat + rng.normal() * sigma_km / 111.0;
    let lon = metro.lon + rng.normal() * sigma_km / (111.0 * metro.lat.to_radians().cos());
    (lat, lon)
}

fn rare_word(rng: &mut Rng) -> String {
    (0..rng.range(2, 4)).map(|_| *rng.pick(SYLLABLES)).collect()
}

fn generate(n: usize) -> Vec<DirectoryProfile> {
    let mut rng = Rng(SEED);
    let metro_w = metro_weights();
    let concern_w = concern_weights();
    let payer_w: Vec<f64> = PAYERS.iter().map(|p| p.1).collect();
    (0..n)
        .map(|_| {
            let id = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
            let metro = &METROS[rng.weighted(&metro_w)];
            let display_name = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
            let gender = match rng.unit() {
                x if x < 0.62 => Some("Woman".to_string()),
                x if x < 0.88 => Some("Man".to_string()),
                x if x < 0.96 => Some("Non-binary".to_string()),
                x if x < 0.98 => Some("Genderqueer".to_string()),
                _ => None,
            };
            let concern_count = rng.range(3, 10) as usize;
            let concerns =
                rng.weighted_distinct(&concern_w, concern_count).into_iter().map(|i| CONCERNS[i].to_string()).collect();
            let couples = rng.chance(0.55);
            let individuals = !couples || rng.chance(0.9);
            let mut languages = Vec::new();
            if rng.chance(0.97) {
                languages.push("en".to_string());
            }
            for (code, share) in LANGUAGES {
                if rng.chance(*share) || (languages.is_empty() && *code == "es") {
                    languages.push(code.to_string());
                }
            }
            let office_count = match rng.unit() {
                x if x < 0.18 => 0,
                x if x < 0.85 => 1,
                _ => 2,
            };
            let offices = (0..office_count)
                .map(|_| {
                    let (lat, lon) = near(&mut rng, metro, 12.0);
                    Office { lat, lon, label: format!("{} {}", rng.pick(DISTRICTS), metro.name) }
                })
                .collect();
            let telehealth = office_count == 0 || rng.chance(0.78);

            // ~3 % have let every licence lapse, ~2 % await verification.
            let status = rng.unit();
            let (lapsed, unverified) = (status < 0.03, (0.03..0.05).contains(&status));
            let licence = |jurisdiction: &str, rng: &mut Rng| LicenceFact {
                jurisdiction: jurisdiction.to_string(),
                expires_on: if lapsed { in_days(-rng.range(1, 400)) } else { in_days(rng.range(30, 900)) },
                verified: !unverified,
            };
            let mut licences = vec![licence(metro.jurisdiction, &mut rng)];
            let extra = match rng.unit() {
                x if x < 0.20 => 1,
                x if x < 0.25 => 2,
                _ => 0,
            };
            for _ in 0..extra {
                let other = METROS[rng.weighted(&metro_w)].jurisdiction;
                if licences.iter().all(|l| l.jurisdiction != other) {
                    licences.push(licence(other, &mut rng));
                }
            }
            if rng.chance(0.05) {
                // An old licence from a previous state, long expired.
                let old = METROS[rng.weighted(&metro_w)].jurisdiction;
                licences.push(LicenceFact {
                    jurisdiction: old.to_string(),
                    expires_on: in_days(-rng.range(100, 2000)),
                    verified: true,
                });
            }
            let certifications = if rng.chance(0.55) {
                vec![CertificationFact {
                    expires_on: if rng.chance(0.1) { None } else { Some(in_days(rng.range(-200, 900))) },
                    verified: rng.chance(0.92),
                }]
            } else {
                Vec::new()
            };
            let min_fee_cents = rng.chance(0.92).then(|| {
                let dollars = 80 + (rng.unit().powf(1.6) * 220.0) as u32;
                dollars / 5 * 5 * 100
            });
            let insurance = if rng.chance(0.4) {
                Vec::new()
            } else {
                let payer_count = rng.range(1, 6) as usize;
                rng.weighted_distinct(&payer_w, payer_count).into_iter().map(|i| PAYERS[i].0.to_string()).collect()
            };
            let mut text = String::new();
            for _ in 0..rng.range(4, 7) {
                let sentence: &&str = rng.pick(SENTENCES);
                text.push_str(sentence);
                text.push(' ');
            }
            // A long tail of rare words, as real profiles have (places, institutes, hobbies).
            text.push_str(&format!(
                "I trained at the {} institute and outside work I enjoy {}.",
                rare_word(&mut rng),
                rare_word(&mut rng)
            ));
            DirectoryProfile {
                id,
                display_name,
                pronouns: String::new(),
                concerns,
                individuals,
                couples,
                affirming: Affirming { lgbtq: rng.chance(0.7), kink_aware: rng.chance(0.35), cnm: rng.chance(0.3) },
                languages,
                gender,
                offices,
                telehealth,
                licences,
                certifications,
                min_fee_cents,
                sliding_scale: rng.chance(0.35),
                free_consultation: rng.chance(0.45),
                insurance,
                superbill: rng.chance(0.55),
                accepting_new_clients: rng.chance(0.72),
                text,
            }
        })
        .collect()
}

type Shape = (&'static str, fn(&mut Rng) -> SearchQuery);

fn random_metro(rng: &mut Rng) -> &'static Metro {
    &METROS[rng.weighted(&metro_weights())]
}

fn concern(rng: &mut Rng) -> String {
    CONCERNS[rng.weighted(&concern_weights())].to_string()
}

fn payer(rng: &mut Rng) -> String {
    let weights: Vec<f64> = PAYERS.iter().map(|p| p.1).collect();
    PAYERS[rng.weighted(&weights)].0.to_string()
}

const SHAPES: &[Shape] = &[
    ("concern only", |rng| SearchQuery { concerns: vec![concern(rng)], ..Default::default() }),
    ("concern + telehealth J + insurance", |rng| SearchQuery {
        concerns: vec![concern(rng)],
        format: Format::Telehealth,
        jurisdiction: Some(random_metro(rng).jurisdiction.into()),
        insurance: vec![payer(rng)],
        ..Default::default()
    }),
    ("in person 25 km, distance sort", |rng| {
        let metro = random_metro(rng);
        SearchQuery {
            format: Format::InPerson,
            origin: Some(near(rng, metro, 8.0)),
            radius_km: Some(25.0),
            sort: Sort::Distance,
            ..Default::default()
        }
    }),
    ("couples + affirming", |rng| SearchQuery {
        focus: Some(ClientFocus::Couples),
        affirming: Affirming { lgbtq: true, kink_aware: rng.chance(0.5), cnm: true },
        ..Default::default()
    }),
    ("fee ceiling + sliding, fee sort", |rng| SearchQuery {
        max_fee_cents: Some(rng.range(8, 20) as u32 * 1000),
        sliding_scale: true,
        sort: Sort::Fee,
        ..Default::default()
    }),
    ("free text", |rng| SearchQuery {
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
            .to_string(),
        ..Default::default()
    }),
    ("language + certified", |rng| SearchQuery {
        languages: vec![rng.pick(&["es", "es", "es", "fr", "zh", "pt", "ru", "ase"]).to_string()],
        certified_only: true,
        ..Default::default()
    }),
    ("broad, page 5", |rng| SearchQuery { accepting_new_clients: rng.chance(0.5), page: 5, ..Default::default() }),
    ("any format, J + origin, 2 concerns", |rng| {
        let metro = random_metro(rng);
        SearchQuery {
            concerns: vec![concern(rng), concern(rng)],
            jurisdiction: Some(metro.jurisdiction.into()),
            origin: Some(near(rng, metro, 8.0)),
            radius_km: Some(40.0),
            ..Default::default()
        }
    }),
    ("kitchen sink, in person 50 km", |rng| {
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
    }),
    ("telehealth J, distance sort", |rng| {
        let metro = random_metro(rng);
        SearchQuery {
            format: Format::Telehealth,
            jurisdiction: Some(metro.jurisdiction.into()),
            origin: Some(near(rng, metro, 8.0)),
            sort: Sort::Distance,
            ..Default::default()
        }
    }),
    ("everyone, best match near origin", |rng| {
        let metro = random_metro(rng);
        SearchQuery { origin: Some(near(rng, metro, 8.0)), radius_km: Some(500.0), ..Default::default() }
    }),
];

const QUERIES_PER_SHAPE: usize = 100;

fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Peak resident set size so far (VmHWM).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn rss() -> String {
    rss_bytes().map_or_else(|| "n/a".to_string(), mib)
}

/// A rough heap size of the input profiles (sum of string and vector capacities).
fn profiles_heap(profiles: &[DirectoryProfile]) -> u64 {
    let strings = |v: &[String]| v.iter().map(|s| s.capacity() + 24).sum::<usize>();
    let per: usize = profiles
        .iter()
        .map(|p| {
            std::mem::size_of::<DirectoryProfile>()
                + p.id.capacity()
                + p.display_name.capacity()
                + p.text.capacity()
                + strings(&p.concerns)
                + strings(&p.languages)
                + strings(&p.insurance)
                + p.gender.as_ref().map_or(0, String::capacity)
                + p.offices.iter().map(|o| std::mem::size_of::<Office>() + o.label.capacity()).sum::<usize>()
                + p.licences
                    .iter()
                    .map(|l| std::mem::size_of::<LicenceFact>() + l.jurisdiction.capacity())
                    .sum::<usize>()
                + p.certifications.len() * std::mem::size_of::<CertificationFact>()
        })
        .sum();
    per as u64
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn micros(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

fn baseline_scan(profiles: &[DirectoryProfile]) -> u64 {
    profiles.iter().map(|p| u64::from(p.min_fee_cents.unwrap_or(0))).sum()
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let n = env_usize("PROFILES", 100_000);
    let rounds = env_usize("ROUNDS", 3).max(1);
    println!("# Directory search benchmark");
    println!();
    println!("profiles: {n}, today: {TODAY}, rounds: {rounds} (+1 warm-up), seed: {SEED:#x}");
    println!("RSS at start: {}", rss());

    let started = Instant::now();
    let profiles = generate(n);
    println!(
        "generated in {:.0} ms; input profiles ≈ {} on the heap; RSS {}",
        started.elapsed().as_secs_f64() * 1e3,
        mib(profiles_heap(&profiles)),
        rss()
    );

    // What freeing the input costs (build frees its input too, and the time includes it).
    let copy = profiles.clone();
    let started = Instant::now();
    drop(black_box(copy));
    let drop_input = started.elapsed();

    let input = profiles.clone();
    let rss_before_build = rss_bytes();
    let started = Instant::now();
    let index = DirectoryIndex::build(input);
    let build = started.elapsed();
    let rss_after_build = rss_bytes();
    println!(
        "index built in {:.0} ms (of which ≈ {:.0} ms freeing the input): {} profiles, {} listed today, {} distinct words",
        build.as_secs_f64() * 1e3,
        drop_input.as_secs_f64() * 1e3,
        index.len(),
        index.listed_count(TODAY),
        index.vocabulary_len()
    );
    println!(
        "index heap (sum of capacities): {}; RSS before build {}, after {} (the input copy is freed by build)",
        mib(index.heap_size_bytes() as u64),
        rss_before_build.map_or_else(|| "n/a".into(), mib),
        rss_after_build.map_or_else(|| "n/a".into(), mib),
    );

    for (part, bytes) in index.heap_breakdown() {
        println!("  {part}: {}", mib(bytes as u64));
    }

    // The fixed mix: QUERIES_PER_SHAPE of each shape, in a shuffled but fixed order.
    let mut rng = Rng(SEED ^ 0xdead_beef);
    let mut mix: Vec<(usize, SearchQuery)> = Vec::new();
    // `ONLY=<shape number, from 1>` measures one shape alone (for profiling).
    let only = std::env::var("ONLY").ok().and_then(|v| v.parse::<usize>().ok());
    for (s, (_, make)) in SHAPES.iter().enumerate() {
        for _ in 0..QUERIES_PER_SHAPE {
            let query = make(&mut rng);
            if only.is_none_or(|o| o == s + 1) {
                mix.push((s, query));
            }
        }
    }
    for i in (1..mix.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        mix.swap(i, j);
    }
    for (_, query) in &mix {
        if let Err(errors) = query.validate() {
            println!("invalid query in the mix: {errors:?}");
        }
    }

    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); SHAPES.len()];
    let mut totals: Vec<usize> = vec![0; SHAPES.len()];
    let mut baseline: Vec<Duration> = Vec::new();
    let mut checksum: u64 = 0xcbf2_9ce4_8422_2325;
    for round in 0..=rounds {
        for (q, (shape, query)) in mix.iter().enumerate() {
            let started = Instant::now();
            let results = black_box(index.search(black_box(query), TODAY));
            let took = started.elapsed();
            if round > 0 {
                samples[*shape].push(took);
                totals[*shape] += results.total;
            }
            if round == 1 {
                for hit in &results.hits {
                    for byte in hit.id.bytes() {
                        checksum = (checksum ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                    }
                }
            }
            if q % 6 == 0 {
                let started = Instant::now();
                black_box(baseline_scan(black_box(&profiles)));
                if round > 0 {
                    baseline.push(started.elapsed());
                }
            }
        }
    }

    baseline.sort_unstable();
    let base_p50 = percentile(&baseline, 0.5);
    println!();
    println!(
        "baseline (sum one field over all {n} profiles, Vec<DirectoryProfile>): p50 {} µs, p99 {} µs ({} samples)",
        micros(base_p50),
        micros(percentile(&baseline, 0.99)),
        baseline.len()
    );
    println!();
    println!("| shape | queries | mean total | p50 µs | p99 µs | max µs | p50 / baseline |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut all: Vec<Duration> = Vec::new();
    for (s, (name, _)) in SHAPES.iter().enumerate() {
        let mut times = samples[s].clone();
        times.sort_unstable();
        all.extend(&times);
        let p50 = percentile(&times, 0.5);
        println!(
            "| {name} | {} | {} | {} | {} | {} | {:.2} |",
            times.len(),
            totals[s] / times.len().max(1),
            micros(p50),
            micros(percentile(&times, 0.99)),
            micros(times.last().copied().unwrap_or_default()),
            p50.as_secs_f64() / base_p50.as_secs_f64().max(1e-12)
        );
    }
    all.sort_unstable();
    let (p50, p99) = (percentile(&all, 0.5), percentile(&all, 0.99));
    println!(
        "| **all** | {} | | {} | {} | {} | {:.2} |",
        all.len(),
        micros(p50),
        micros(p99),
        micros(all.last().copied().unwrap_or_default()),
        p50.as_secs_f64() / base_p50.as_secs_f64().max(1e-12)
    );
    println!();
    println!(
        "targets: p50 ≤ 1 ms: {}; p99 ≤ 5 ms: {}",
        if p50 <= Duration::from_millis(1) { "met" } else { "NOT met" },
        if p99 <= Duration::from_millis(5) { "met" } else { "NOT met" }
    );
    println!("result checksum (ids of every hit, first measured round): {checksum:016x}");
    println!(
        "RSS at end: {} (peak {}); this process also holds its own copy of the input profiles for the baseline",
        rss(),
        peak_rss_bytes().map_or_else(|| "n/a".into(), mib)
    );
}
