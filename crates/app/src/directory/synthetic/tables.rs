//! The word lists and weights behind the synthetic directory. Every slug is
//! one of the bundled reference data's (a test checks it); names, practices,
//! streets and institutes are invented.

pub(super) struct Metro {
    pub name: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub jurisdiction: &'static str,
    pub time_zone: &'static str,
    /// Metro population in millions: how many therapists practise there.
    pub weight: f64,
}

const fn metro(
    name: &'static str,
    lat: f64,
    lon: f64,
    jurisdiction: &'static str,
    time_zone: &'static str,
    weight: f64,
) -> Metro {
    Metro { name, lat, lon, jurisdiction, time_zone, weight }
}

const NY: &str = "America/New_York";
const CHI: &str = "America/Chicago";
const DEN: &str = "America/Denver";
const PHX: &str = "America/Phoenix";
const LA: &str = "America/Los_Angeles";
const DET: &str = "America/Detroit";
const IND: &str = "America/Indiana/Indianapolis";
const LOU: &str = "America/Kentucky/Louisville";

/// The 50 largest US metropolitan areas, with their centre and main state.
pub(super) const METROS: &[Metro] = &[
    metro("New York", 40.7128, -74.0060, "US-NY", NY, 19.5),
    metro("Los Angeles", 34.0522, -118.2437, "US-CA", LA, 13.0),
    metro("Chicago", 41.8781, -87.6298, "US-IL", CHI, 9.5),
    metro("Dallas", 32.7767, -96.7970, "US-TX", CHI, 7.6),
    metro("Houston", 29.7604, -95.3698, "US-TX", CHI, 7.1),
    metro("Washington", 38.9072, -77.0369, "US-DC", NY, 6.3),
    metro("Philadelphia", 39.9526, -75.1652, "US-PA", NY, 6.2),
    metro("Miami", 25.7617, -80.1918, "US-FL", NY, 6.1),
    metro("Atlanta", 33.7490, -84.3880, "US-GA", NY, 6.1),
    metro("Boston", 42.3601, -71.0589, "US-MA", NY, 4.9),
    metro("Phoenix", 33.4484, -112.0740, "US-AZ", PHX, 4.9),
    metro("San Francisco", 37.7749, -122.4194, "US-CA", LA, 4.7),
    metro("Riverside", 33.9533, -117.3962, "US-CA", LA, 4.6),
    metro("Detroit", 42.3314, -83.0458, "US-MI", DET, 4.3),
    metro("Seattle", 47.6062, -122.3321, "US-WA", LA, 4.0),
    metro("Minneapolis", 44.9778, -93.2650, "US-MN", CHI, 3.7),
    metro("San Diego", 32.7157, -117.1611, "US-CA", LA, 3.3),
    metro("Tampa", 27.9506, -82.4572, "US-FL", NY, 3.2),
    metro("Denver", 39.7392, -104.9903, "US-CO", DEN, 3.0),
    metro("Baltimore", 39.2904, -76.6122, "US-MD", NY, 2.8),
    metro("St. Louis", 38.6270, -90.1994, "US-MO", CHI, 2.8),
    metro("Orlando", 28.5383, -81.3792, "US-FL", NY, 2.7),
    metro("Charlotte", 35.2271, -80.8431, "US-NC", NY, 2.7),
    metro("San Antonio", 29.4241, -98.4936, "US-TX", CHI, 2.6),
    metro("Portland", 45.5152, -122.6784, "US-OR", LA, 2.5),
    metro("Sacramento", 38.5816, -121.4944, "US-CA", LA, 2.4),
    metro("Pittsburgh", 40.4406, -79.9959, "US-PA", NY, 2.4),
    metro("Austin", 30.2672, -97.7431, "US-TX", CHI, 2.4),
    metro("Las Vegas", 36.1699, -115.1398, "US-NV", LA, 2.3),
    metro("Cincinnati", 39.1031, -84.5120, "US-OH", NY, 2.3),
    metro("Kansas City", 39.0997, -94.5786, "US-MO", CHI, 2.2),
    metro("Columbus", 39.9612, -82.9988, "US-OH", NY, 2.1),
    metro("Indianapolis", 39.7684, -86.1581, "US-IN", IND, 2.1),
    metro("Cleveland", 41.4993, -81.6944, "US-OH", NY, 2.1),
    metro("San Jose", 37.3382, -121.8863, "US-CA", LA, 2.0),
    metro("Nashville", 36.1627, -86.7816, "US-TN", CHI, 2.0),
    metro("Virginia Beach", 36.8529, -75.9780, "US-VA", NY, 1.8),
    metro("Providence", 41.8240, -71.4128, "US-RI", NY, 1.7),
    metro("Milwaukee", 43.0389, -87.9065, "US-WI", CHI, 1.6),
    metro("Jacksonville", 30.3322, -81.6557, "US-FL", NY, 1.6),
    metro("Oklahoma City", 35.4676, -97.5164, "US-OK", CHI, 1.4),
    metro("Raleigh", 35.7796, -78.6382, "US-NC", NY, 1.4),
    metro("Memphis", 35.1495, -90.0490, "US-TN", CHI, 1.3),
    metro("Richmond", 37.5407, -77.4360, "US-VA", NY, 1.3),
    metro("Louisville", 38.2527, -85.7585, "US-KY", LOU, 1.3),
    metro("New Orleans", 29.9511, -90.0715, "US-LA", CHI, 1.3),
    metro("Salt Lake City", 40.7608, -111.8910, "US-UT", DEN, 1.2),
    metro("Hartford", 41.7658, -72.6734, "US-CT", NY, 1.2),
    metro("Buffalo", 42.8864, -78.8784, "US-NY", NY, 1.1),
    metro("Birmingham", 33.5186, -86.8104, "US-AL", CHI, 1.1),
];

/// Concern slugs, most often listed first (weights fall off like a Zipf law).
pub(super) const CONCERNS: &[&str] = &[
    "low-desire",
    "desire-discrepancy",
    "intimacy-and-communication",
    "performance-anxiety",
    "erection-difficulties",
    "orgasm-difficulties",
    "sexual-trauma",
    "infidelity-recovery",
    "early-ejaculation",
    "genito-pelvic-pain",
    "sexual-shame",
    "arousal-difficulties",
    "sexual-orientation",
    "gender-identity",
    "relationship-structures",
    "compulsive-sexual-behaviour",
    "kink-and-alternative-sexualities",
    "body-image",
    "vaginismus",
    "intimacy-after-health-changes",
    "delayed-ejaculation",
    "sexuality-and-ageing",
    "sexual-aversion",
    "sexual-health-education",
];

/// Payer slugs with how often therapists are in network with them.
pub(super) const PAYERS: &[(&str, f64)] = &[
    ("aetna", 10.0),
    ("bcbs", 12.0),
    ("cigna", 9.0),
    ("unitedhealthcare", 9.0),
    ("optum", 7.0),
    ("anthem", 6.0),
    ("humana", 3.0),
    ("kaiser-permanente", 3.0),
    ("medicare", 4.0),
    ("medicaid", 3.0),
    ("tricare", 2.0),
    ("magellan", 2.0),
    ("oscar", 2.0),
    ("evernorth", 2.0),
    ("emblemhealth", 1.5),
    ("highmark", 1.5),
    ("premera", 1.0),
    ("regence", 1.0),
    ("ambetter", 1.0),
    ("molina", 1.0),
    ("carelon", 1.0),
    ("health-net", 1.0),
    ("harvard-pilgrim", 1.0),
    ("tufts-health-plan", 0.8),
    ("florida-blue", 0.8),
];

/// Languages besides English, with the share of therapists who speak them.
pub(super) const LANGUAGES: &[(&str, f64)] = &[
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

/// Professions, as licence-type slugs, with their share of sex therapists.
/// `counsellor` stands for the state's name for a licensed professional counsellor.
pub(super) const PROFESSIONS: &[(&str, f64)] = &[
    ("lmft", 30.0),
    ("lcsw", 22.0),
    ("psychologist", 18.0),
    ("counsellor", 26.0),
    ("psychiatrist", 2.5),
    ("pmhnp", 1.5),
];

/// The licence-type slug a counsellor holds in a state.
pub(super) fn counsellor_licence(jurisdiction: &str) -> &'static str {
    match jurisdiction {
        "US-NY" | "US-MA" | "US-FL" | "US-WA" | "US-RI" => "lmhc",
        "US-CA" | "US-OH" | "US-NM" => "lpcc",
        "US-IL" | "US-MD" | "US-ME" => "lcpc",
        _ => "lpc",
    }
}

/// How a licence type is written after a name.
pub(super) fn licence_letters(slug: &str) -> &'static str {
    match slug {
        "lmft" => "LMFT",
        "lcsw" => "LCSW",
        "psychologist" => "PhD, Licensed Psychologist",
        "psychiatrist" => "MD, Psychiatrist",
        "pmhnp" => "PMHNP-BC",
        "lmhc" => "LMHC",
        "lpcc" => "LPCC",
        "lcpc" => "LCPC",
        _ => "LPC",
    }
}

pub(super) const SENTENCES: &[&str] = &[
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
    "I often work with men experiencing erectile difficulties or early ejaculation.",
    "I treat vaginismus and painful intercourse with a gentle, graduated approach.",
    "Communication exercises help partners talk about sex with less conflict.",
    "I am a certified sex therapist and a licensed mental health professional.",
    "Religious upbringing and purity culture often shape the shame clients carry.",
    "I see individuals and couples in person and over secure video.",
    "Evening and weekend appointments are available.",
    "I believe sexual health is part of overall wellbeing.",
    "My practice is neurodivergent-affirming and disability-aware.",
    "I have worked in community mental health and in private practice.",
    "Mindful touch exercises help couples rediscover intimacy.",
    "I specialise in desire discrepancy between partners.",
];

pub(super) const HEADLINES: &[&str] = &[
    "Desire, arousal and pain concerns for individuals and couples",
    "Couples with mismatched desire, communication and reconnection",
    "Performance anxiety, erection and ejaculation concerns",
    "Trauma-informed care for sexual trauma and its aftermath",
    "Rebuilding trust and intimacy after an affair",
    "LGBTQ+ affirming sex therapy for people of every identity",
    "Gentle, graduated treatment for vaginismus and painful sex",
    "Intimacy after illness, childbirth and the changes of midlife",
    "Shame, faith and sexuality: finding your own way",
    "Open, polyamorous and kink-involved relationships, without judgement",
    "Evidence-based sex therapy, one clear step at a time",
    "Compulsive sexual behaviour and pornography use, without shame",
    "Low desire and the pressure around it",
    "Couples therapy with a focus on sex and closeness",
    "Orgasm difficulties for people of all genders",
];

pub(super) const FIRST_NAMES: &[&str] = &[
    "Alex", "Jordan", "Sam", "Taylor", "Maria", "James", "Aisha", "Wei", "Priya", "Daniel", "Sofia", "Michael",
    "Fatima", "Chris", "Elena", "David", "Grace", "Luis", "Hannah", "Noah", "Olivia", "Kai", "Rosa", "Isaac", "Amara",
    "Ben", "Camila", "Dmitri", "Esther", "Farid", "Gabriela", "Hiro", "Ines", "Jamal", "Keiko", "Leah", "Mateo",
    "Nadia", "Omar", "Paula", "Quinn", "Rachel", "Samuel", "Tanya", "Uma", "Victor", "Wendy", "Yusuf", "Zoe", "Adrian",
    "Beatriz", "Carmen", "Dana", "Emeka", "Frances", "Gideon", "Helen", "Ivan", "Julia", "Kofi", "Laura", "Marcus",
    "Naomi", "Oscar", "Rebecca", "Simone", "Thomas", "Valeria", "Will", "Yara",
];

pub(super) const LAST_NAMES: &[&str] = &[
    "Rivera",
    "Chen",
    "Patel",
    "Smith",
    "Johnson",
    "Garcia",
    "Kim",
    "Nguyen",
    "Cohen",
    "Adeyemi",
    "Murphy",
    "Silva",
    "Rossi",
    "Novak",
    "Haddad",
    "Brown",
    "Lopez",
    "Williams",
    "Khan",
    "Schmidt",
    "Tanaka",
    "Moreau",
    "Ali",
    "Berg",
    "Alvarez",
    "Bennett",
    "Castillo",
    "Dubois",
    "Ellison",
    "Fischer",
    "Goldberg",
    "Hughes",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Mendoza",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Quinlan",
    "Ramirez",
    "Sato",
    "Thompson",
    "Usman",
    "Vargas",
    "Walsh",
    "Xu",
    "Yilmaz",
    "Zimmerman",
    "Abbott",
    "Brennan",
    "Carver",
    "Delgado",
    "Everett",
    "Fontaine",
    "Gallagher",
    "Holloway",
    "Iyer",
    "Jimenez",
    "Keller",
    "Lindqvist",
    "Marsh",
    "Okoro",
    "Price",
    "Reyes",
    "Sullivan",
    "Torres",
    "Whitaker",
    "Young",
];

/// Words for practice names: "Cedar Sexual Health Collective".
pub(super) const PRACTICE_WORDS: &[&str] = &[
    "Cedar",
    "Lantern",
    "Willow",
    "Meridian",
    "Northstar",
    "Harborview",
    "Juniper",
    "Clearwater",
    "Bluebird",
    "Tidewater",
    "Evergreen",
    "Keystone",
    "Riverbend",
    "Sparrow",
    "Beacon",
    "Larkspur",
    "Oakhaven",
    "Stillwater",
    "Brightwater",
    "Aspen",
];

pub(super) const PRACTICE_KINDS: &[&str] = &[
    "Sexual Health Collective",
    "Center for Sex Therapy",
    "Couples & Sex Therapy",
    "Intimacy Therapy Associates",
    "Counseling Group",
    "Psychotherapy & Sexual Wellness",
];

pub(super) const DISTRICTS: &[&str] =
    &["Downtown", "Midtown", "Uptown", "Old Town", "Riverside", "Northside", "Southside", "West End", "East Village"];

pub(super) const STREETS: &[&str] = &[
    "Maple",
    "Oak",
    "Cedar",
    "Elm",
    "Pine",
    "Walnut",
    "Chestnut",
    "Park",
    "Lake",
    "Hill",
    "Washington",
    "Lincoln",
    "Jefferson",
    "Madison",
    "Franklin",
    "Main",
    "Church",
    "Union",
    "Market",
    "Spring",
];

pub(super) const STREET_KINDS: &[&str] = &["Street", "Avenue", "Boulevard", "Road", "Place", "Lane"];

pub(super) const ACCESSIBILITY: &[&str] = &[
    "Step-free entrance; lift to every floor",
    "Ground floor, step-free; accessible restroom",
    "Two steps at the entrance; no lift",
    "Lift; quiet waiting room",
    "Step-free access; parking nearby",
];

pub(super) const VERIFICATION_METHODS: &[&str] =
    &["State board online register", "Primary-source check with the state board", "State licence look-up"];

/// Syllables for rare words (institutes, places, hobbies), which give the
/// text index the long tail of a real directory's vocabulary.
pub(super) const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "tor", "vas", "bel", "qui", "zan", "dor", "fe", "gul", "hin", "jap", "mor", "nes", "pim",
    "ros", "sul", "tez",
];
