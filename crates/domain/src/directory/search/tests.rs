//! What a visitor sees: who is listed, in which order, and why.

use jiff::civil::{Date, date};

use super::*;

const TODAY: Date = date(2026, 11, 22);

/// Noon in New York on `day`: within that day in every US jurisdiction.
fn on(day: Date) -> Timestamp {
    day.at(12, 0, 0, 0).to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap()).unwrap().timestamp()
}

/// `local` (e.g. `2026-12-31T23:30`) on the clock of `zone`.
fn at(local: &str, zone: &str) -> Timestamp {
    local
        .parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get(zone).unwrap())
        .unwrap()
        .timestamp()
}

const MIDTOWN: (f64, f64) = (40.7580, -73.9855);
const UPPER_WEST_SIDE: (f64, f64) = (40.7870, -73.9754);
const JERSEY_CITY: (f64, f64) = (40.7178, -74.0431);
const PARK_SLOPE: (f64, f64) = (40.6710, -73.9814);
const BOSTON: (f64, f64) = (42.3601, -71.0589);

/// A listed New York therapist seeing individuals, in English, over telehealth only.
fn profile(id: &str) -> DirectoryProfile {
    DirectoryProfile {
        id: id.into(),
        display_name: "Alex Doe".into(),
        pronouns: String::new(),
        concerns: vec!["low-desire".into()],
        individuals: true,
        couples: false,
        affirming: Affirming::default(),
        languages: vec!["en".into()],
        gender: None,
        offices: Vec::new(),
        telehealth: true,
        licences: vec![licence("US-NY", date(2027, 6, 30), true)],
        certifications: Vec::new(),
        min_fee_cents: Some(15_000),
        sliding_scale: false,
        free_consultation: false,
        insurance: Vec::new(),
        superbill: false,
        accepting_new_clients: false,
        text: String::new(),
    }
}

fn licence(jurisdiction: &str, expires_on: Date, verified: bool) -> LicenceFact {
    LicenceFact { jurisdiction: jurisdiction.into(), expires_on, verified }
}

fn office(at: (f64, f64), label: &str) -> Office {
    Office { lat: at.0, lon: at.1, label: label.into() }
}

fn ids(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|hit| hit.id.as_str()).collect()
}

fn found(index: &DirectoryIndex, query: &SearchQuery) -> Vec<String> {
    index.search(query, on(TODAY)).hits.into_iter().map(|hit| hit.id).collect()
}

fn with<F: FnOnce(&mut DirectoryProfile)>(id: &str, f: F) -> DirectoryProfile {
    let mut p = profile(id);
    f(&mut p);
    p
}

#[test]
fn expired_or_unverified_licences_hide_a_profile_until_an_earlier_date() {
    let index = DirectoryIndex::build(vec![
        profile("current"),
        with("expired", |p| p.licences = vec![licence("US-NY", date(2026, 1, 31), true)]),
        with("unverified", |p| p.licences = vec![licence("US-NY", date(2028, 1, 31), false)]),
        with("one-of-two-current", |p| {
            p.licences = vec![licence("US-NJ", date(2025, 3, 1), true), licence("US-NY", date(2027, 1, 1), true)]
        }),
        with("expires-today", |p| p.licences = vec![licence("US-NY", TODAY, true)]),
        with("no-licence", |p| p.licences.clear()),
    ]);
    let query = SearchQuery::default();

    let today = index.search(&query, on(TODAY));
    assert_eq!(ids(&today), vec!["current", "expires-today", "one-of-two-current"]);
    assert_eq!(today.total, 3);
    assert_eq!(index.listed_count(on(TODAY)), 3);

    let tomorrow = index.search(&query, on(date(2026, 11, 23)));
    assert_eq!(ids(&tomorrow), vec!["current", "one-of-two-current"]);

    let last_winter = index.search(&query, on(date(2025, 12, 1)));
    assert_eq!(ids(&last_winter), vec!["current", "expired", "expires-today", "one-of-two-current"]);
}

#[test]
fn telehealth_lists_only_therapists_licensed_in_the_visitors_jurisdiction() {
    let index = DirectoryIndex::build(vec![
        profile("ny"),
        with("nj", |p| p.licences = vec![licence("US-NJ", date(2027, 6, 30), true)]),
        with("ny-no-telehealth", |p| p.telehealth = false),
        with("ny-lapsed-nj-current", |p| {
            p.licences = vec![licence("US-NY", date(2026, 5, 1), true), licence("US-NJ", date(2027, 6, 30), true)]
        }),
        with("ny-unverified-nj-current", |p| {
            p.licences = vec![licence("US-NY", date(2028, 5, 1), false), licence("US-NJ", date(2027, 6, 30), true)]
        }),
    ]);
    let query =
        |j: &str| SearchQuery { format: Format::Telehealth, jurisdiction: Some(j.into()), ..Default::default() };

    let ny = index.search(&query("US-NY"), on(TODAY));
    assert_eq!(ids(&ny), vec!["ny"]);
    assert!(ny.hits[0].reasons.contains(&Reason::Telehealth("US-NY".into())));
    assert_eq!(found(&index, &query("US-NJ")), vec!["nj", "ny-lapsed-nj-current", "ny-unverified-nj-current"]);
    assert_eq!(found(&index, &query("US-CA")), Vec::<String>::new());
    // Before the NY licence lapsed, that therapist could see New Yorkers too.
    assert_eq!(ids(&index.search(&query("US-NY"), on(date(2026, 4, 1)))), vec!["ny", "ny-lapsed-nj-current"]);
}

fn new_york_offices() -> DirectoryIndex {
    DirectoryIndex::build(vec![
        with("boston", |p| p.offices = vec![office(BOSTON, "Back Bay")]),
        with("jersey-city", |p| p.offices = vec![office(JERSEY_CITY, "Journal Square")]),
        with("midtown", |p| p.offices = vec![office(MIDTOWN, "Midtown")]),
        with("park-slope", |p| p.offices = vec![office(PARK_SLOPE, "Park Slope")]),
        with("two-offices", |p| p.offices = vec![office(BOSTON, "Cambridge"), office(UPPER_WEST_SIDE, "UWS")]),
        with("telehealth-only", |_| {}),
    ])
}

#[test]
fn in_person_keeps_offices_within_the_radius_nearest_first() {
    let index = new_york_offices();
    let query = SearchQuery {
        format: Format::InPerson,
        origin: Some(MIDTOWN),
        radius_km: Some(25.0),
        sort: Sort::Distance,
        ..Default::default()
    };
    let results = index.search(&query, on(TODAY));
    assert_eq!(ids(&results), vec!["midtown", "two-offices", "jersey-city", "park-slope"]);
    let km: Vec<f64> = results.hits.iter().map(|h| h.distance_km.unwrap_or(f64::NAN)).collect();
    assert!(km[0] < 0.01, "{km:?}");
    assert!((3.0..3.6).contains(&km[1]), "Upper West Side is about 3.3 km from Midtown: {km:?}");
    assert!((5.0..7.5).contains(&km[2]), "Jersey City is about 6 km from Midtown: {km:?}");
    assert!((9.0..11.0).contains(&km[3]), "Park Slope is about 9.7 km from Midtown: {km:?}");
    assert!(matches!(results.hits[3].reasons.as_slice(), [Reason::InPerson { km }, ..] if (9.0..11.0).contains(km)));

    let closer = SearchQuery { radius_km: Some(5.0), ..query.clone() };
    assert_eq!(found(&index, &closer), vec!["midtown", "two-offices"]);

    let from_boston = SearchQuery { origin: Some(BOSTON), ..query.clone() };
    assert_eq!(found(&index, &from_boston), vec!["boston", "two-offices"]);

    // No radius: 25 km by default. Boston is about 302 km away.
    let wide = SearchQuery { radius_km: Some(320.0), ..query.clone() };
    assert_eq!(found(&index, &wide), vec!["midtown", "two-offices", "jersey-city", "park-slope", "boston"]);
    assert_eq!(found(&index, &SearchQuery { radius_km: None, ..query }).len(), 4);
}

#[test]
fn any_format_offers_telehealth_where_licensed_or_an_office_nearby() {
    let index = DirectoryIndex::build(vec![
        with("ma-telehealth", |p| {
            p.licences = vec![licence("US-MA", date(2027, 1, 1), true)];
            p.offices = vec![office(BOSTON, "Back Bay")];
        }),
        with("ny-office", |p| {
            p.telehealth = false;
            p.offices = vec![office(UPPER_WEST_SIDE, "UWS")];
        }),
        with("ny-telehealth", |_| {}),
    ]);
    let query = SearchQuery { origin: Some(BOSTON), jurisdiction: Some("US-NY".into()), ..Default::default() };
    let results = index.search(&query, on(TODAY));
    assert_eq!(ids(&results), vec!["ma-telehealth", "ny-telehealth"]);
    assert!(results.hits[0].reasons.iter().any(|r| matches!(r, Reason::InPerson { .. })));
    assert!(results.hits[1].reasons.contains(&Reason::Telehealth("US-NY".into())));

    // Sorting by distance from Midtown: the office 3 km away first, telehealth-only last.
    let by_distance = SearchQuery { origin: Some(MIDTOWN), sort: Sort::Distance, radius_km: Some(400.0), ..query };
    assert_eq!(found(&index, &by_distance), vec!["ny-office", "ma-telehealth", "ny-telehealth"]);
}

#[test]
fn insurance_language_and_gender_match_any_of_the_values_asked_for() {
    let index = DirectoryIndex::build(vec![
        with("aetna-es", |p| {
            p.insurance = vec!["aetna".into(), "cigna".into()];
            p.languages = vec!["en".into(), "es".into()];
            p.gender = Some("Woman".into());
        }),
        with("cigna", |p| {
            p.insurance = vec!["cigna".into()];
            p.gender = Some(" non-binary ".into());
        }),
        with("self-pay", |p| p.gender = Some("man".into())),
    ]);
    let by_insurance = |payers: &[&str]| SearchQuery {
        insurance: payers.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    assert_eq!(found(&index, &by_insurance(&["aetna"])), vec!["aetna-es"]);
    assert_eq!(found(&index, &by_insurance(&["aetna", "cigna"])), vec!["aetna-es", "cigna"]);
    assert_eq!(found(&index, &by_insurance(&["unknown-payer"])), Vec::<String>::new());

    let spanish = SearchQuery { languages: vec!["es".into()], ..Default::default() };
    let results = index.search(&spanish, on(TODAY));
    assert_eq!(ids(&results), vec!["aetna-es"]);
    assert!(results.hits[0].reasons.contains(&Reason::Speaks("es".into())));

    let genders = SearchQuery { genders: vec!["WOMAN".into(), "Non-Binary".into()], ..Default::default() };
    assert_eq!(found(&index, &genders), vec!["aetna-es", "cigna"]);
}

#[test]
fn affirming_and_focus_flags_are_all_required() {
    let index = DirectoryIndex::build(vec![
        with("couples-lgbtq-cnm", |p| {
            p.couples = true;
            p.affirming = Affirming { lgbtq: true, kink_aware: false, cnm: true };
        }),
        with("couples-lgbtq", |p| {
            p.couples = true;
            p.affirming.lgbtq = true;
        }),
        with("individuals-all", |p| p.affirming = Affirming { lgbtq: true, kink_aware: true, cnm: true }),
    ]);
    let query = SearchQuery {
        focus: Some(ClientFocus::Couples),
        affirming: Affirming { lgbtq: true, kink_aware: false, cnm: true },
        ..Default::default()
    };
    let results = index.search(&query, on(TODAY));
    assert_eq!(ids(&results), vec!["couples-lgbtq-cnm"]);
    assert_eq!(
        reasons_line(&results.hits[0].reasons, &SlugsOnly),
        "Works with couples · LGBTQ+ affirming · Affirming of consensual non-monogamy"
    );
    let kink = SearchQuery { affirming: Affirming { kink_aware: true, ..Default::default() }, ..Default::default() };
    assert_eq!(found(&index, &kink), vec!["individuals-all"]);
    let individuals = SearchQuery { focus: Some(ClientFocus::Individuals), ..Default::default() };
    assert_eq!(found(&index, &individuals).len(), 3);
}

#[test]
fn fee_ceiling_sliding_scale_and_fee_sort() {
    let index = DirectoryIndex::build(vec![
        with("a-no-fee", |p| p.min_fee_cents = None),
        with("b-200", |p| p.min_fee_cents = Some(20_000)),
        with("c-90-sliding", |p| {
            p.min_fee_cents = Some(9_000);
            p.sliding_scale = true;
        }),
        with("d-120-sliding", |p| {
            p.min_fee_cents = Some(12_000);
            p.sliding_scale = true;
        }),
    ]);
    let by_fee = SearchQuery { sort: Sort::Fee, ..Default::default() };
    assert_eq!(found(&index, &by_fee), vec!["c-90-sliding", "d-120-sliding", "b-200", "a-no-fee"]);

    let ceiling = SearchQuery { max_fee_cents: Some(15_000), sort: Sort::Fee, ..Default::default() };
    let results = index.search(&ceiling, on(TODAY));
    assert_eq!(ids(&results), vec!["c-90-sliding", "d-120-sliding"]);
    assert_eq!(results.hits[0].reasons, vec![Reason::FeeFrom { cents: 9_000 }, Reason::SlidingScale]);
    assert_eq!(reasons_line(&results.hits[0].reasons, &SlugsOnly), "Fees from $90 · Sliding scale");

    let sliding = SearchQuery { sliding_scale: true, ..Default::default() };
    assert_eq!(found(&index, &sliding), vec!["c-90-sliding", "d-120-sliding"]);
}

#[test]
fn a_card_reads_fees_and_insurers_from_the_index() {
    // Enough profiles that a common insurer's list is a bitset, a rare one's a list.
    let mut profiles: Vec<DirectoryProfile> = (0..100)
        .map(|n| {
            with(&format!("p{n:03}"), |p| {
                p.insurance = vec!["aetna".to_string()];
                p.min_fee_cents = Some(10_000 + n);
            })
        })
        .collect();
    profiles.push(with("rare", |p| {
        p.insurance = vec!["cigna".to_string(), "aetna".to_string()];
        p.min_fee_cents = None;
        p.sliding_scale = true;
        p.free_consultation = true;
    }));
    let index = DirectoryIndex::build(profiles);
    let rare = index.fees_of("rare").unwrap();
    assert_eq!(rare.payers, vec!["aetna", "cigna"]);
    assert_eq!(rare.min_fee_cents, None);
    assert!(rare.sliding_scale && rare.free_consultation);
    let common = index.fees_of("p042").unwrap();
    assert_eq!(common.payers, vec!["aetna"]);
    assert_eq!(common.min_fee_cents, Some(10_042));
    assert!(!common.sliding_scale);
    assert_eq!(index.fees_of("nobody"), None);
}

#[test]
fn certified_only_needs_a_verified_current_certification() {
    let cert = |expires_on: Option<Date>, verified: bool| CertificationFact { expires_on, verified };
    let index = DirectoryIndex::build(vec![
        with("current", |p| p.certifications = vec![cert(Some(date(2027, 3, 1)), true)]),
        with("lifetime", |p| p.certifications = vec![cert(None, true)]),
        with("expired", |p| p.certifications = vec![cert(Some(date(2026, 3, 1)), true)]),
        with("unverified", |p| p.certifications = vec![cert(None, false)]),
        with("none", |_| {}),
    ]);
    let query = SearchQuery { certified_only: true, ..Default::default() };
    let results = index.search(&query, on(TODAY));
    assert_eq!(ids(&results), vec!["current", "lifetime"]);
    assert!(results.hits.iter().all(|h| h.reasons.contains(&Reason::Certified)));
    // Without the filter, certified therapists still rank first.
    assert_eq!(found(&index, &SearchQuery::default()), vec!["current", "lifetime", "expired", "none", "unverified"]);
}

#[test]
fn free_text_finds_words_and_prefixes_and_needs_every_word() {
    let index = DirectoryIndex::build(vec![
        with("mindful", |p| p.text = "I use mindfulness-based sensate focus with couples.".into()),
        with("mindful-prefix", |p| p.text = "Mindful, body-based work.".into()),
        with("cbt", |p| p.text = "Cognitive behavioural therapy for performance anxiety.".into()),
        with("named", |p| p.display_name = "Dr. Ana Mindel".into()),
    ]);
    let text = |t: &str| SearchQuery { text: t.into(), ..Default::default() };

    let results = index.search(&text("Mindfulness"), on(TODAY));
    assert_eq!(ids(&results), vec!["mindful"]);
    assert_eq!(results.hits[0].reasons, vec![Reason::Mentions(vec!["mindfulness".into()])]);
    assert_eq!(results.hits[0].reasons[0].to_string(), "Mentions “mindfulness”");

    // A prefix finds both; the whole word ranks first.
    assert_eq!(found(&index, &text("mindful")), vec!["mindful-prefix", "mindful"]);
    assert_eq!(found(&index, &text("the sensate focus")), vec!["mindful"]);
    assert_eq!(found(&index, &text("sensate anxiety")), Vec::<String>::new());
    assert_eq!(found(&index, &text("mindel")), vec!["named"]);
    // Only stop words: no text filter at all.
    assert_eq!(found(&index, &text("and the")).len(), 4);
}

#[test]
fn a_hit_says_why_it_matches() {
    struct Names;
    impl ReferenceNames for Names {
        fn concern(&self, slug: &str) -> Option<String> {
            (slug == "erectile-difficulties").then(|| "erection difficulties".into())
        }
        fn payer(&self, slug: &str) -> Option<String> {
            (slug == "aetna").then(|| "Aetna".into())
        }
        fn jurisdiction(&self, id: &str) -> Option<String> {
            id.strip_prefix("US-").map(str::to_string)
        }
    }
    let index = DirectoryIndex::build(vec![with("x", |p| {
        p.concerns = vec!["erectile-difficulties".into(), "low-desire".into()];
        p.insurance = vec!["aetna".into()];
        p.offices = vec![office(UPPER_WEST_SIDE, "UWS")];
        p.certifications = vec![CertificationFact { expires_on: None, verified: true }];
        p.accepting_new_clients = true;
        p.free_consultation = true;
    })]);
    let query = SearchQuery {
        concerns: vec!["erectile-difficulties".into(), "vaginismus".into()],
        insurance: vec!["aetna".into()],
        jurisdiction: Some("US-NY".into()),
        origin: Some(MIDTOWN),
        ..Default::default()
    };
    let results = index.search(&query, on(TODAY));
    let hit = &results.hits[0];
    assert_eq!(
        reasons_line(&hit.reasons, &Names),
        "Treats erection difficulties · In network with Aetna · Telehealth, licensed in NY · In person, 3.3 km \
         · Free consultation · Certified · Accepting new clients"
    );
    assert_eq!(hit.reasons[0].code(), "treats_concern");
    let points = weights::CONCERN + weights::INSURANCE + weights::CERTIFIED + weights::ACCEPTING_NEW_CLIENTS;
    // 3.3 km away: 40 × 10 / 13.34 = 29.99, rounded down.
    assert_eq!(hit.score, points + 29);
}

#[test]
fn best_match_ranks_concerns_first_then_the_rest_and_ties_by_id() {
    let index = DirectoryIndex::build(vec![
        with("z-both-concerns", |p| p.concerns = vec!["low-desire".into(), "vaginismus".into()]),
        with("b-one-concern-accepting", |p| p.accepting_new_clients = true),
        with("a-one-concern", |_| {}),
        with("c-one-concern", |_| {}),
        with("other-concern", |p| p.concerns = vec!["pornography-use".into()]),
    ]);
    let query = SearchQuery { concerns: vec!["vaginismus".into(), "low-desire".into()], ..Default::default() };
    let results = index.search(&query, on(TODAY));
    assert_eq!(ids(&results), vec!["z-both-concerns", "b-one-concern-accepting", "a-one-concern", "c-one-concern"]);
    assert_eq!(results.hits[0].score, 2 * weights::CONCERN);
    assert_eq!(
        results.hits[0].reasons,
        vec![Reason::TreatsConcern("vaginismus".into()), Reason::TreatsConcern("low-desire".into())]
    );
}

#[test]
fn the_same_profiles_in_any_order_give_the_same_results() {
    let make = |n: usize| {
        (0..n)
            .map(|i| {
                with(&format!("p{:03}", (i * 37) % n), |p| {
                    p.accepting_new_clients = i % 3 == 0;
                    p.offices = vec![office((40.0 + (i % 7) as f64 * 0.01, -74.0), "")];
                })
            })
            .collect::<Vec<_>>()
    };
    let forward = DirectoryIndex::build(make(100));
    let mut reversed_input = make(100);
    reversed_input.reverse();
    let reversed = DirectoryIndex::build(reversed_input);
    let query = SearchQuery { origin: Some((40.0, -74.0)), per_page: 50, ..Default::default() };
    assert_eq!(forward.search(&query, on(TODAY)), reversed.search(&query, on(TODAY)));
    let by_distance = SearchQuery { sort: Sort::Distance, ..query };
    assert_eq!(forward.search(&by_distance, on(TODAY)), reversed.search(&by_distance, on(TODAY)));
}

#[test]
fn a_repeated_id_keeps_the_later_profile() {
    let index = DirectoryIndex::build(vec![profile("same"), with("same", |p| p.concerns = vec!["vaginismus".into()])]);
    assert_eq!(index.len(), 1);
    let query = SearchQuery { concerns: vec!["vaginismus".into()], ..Default::default() };
    assert_eq!(found(&index, &query), vec!["same"]);
}

#[test]
fn a_replaced_profile_leaves_nothing_behind() {
    let old = with("same", |p| {
        p.text = "Zanzibar".into();
        p.concerns = vec!["vaginismus".into()];
        p.licences.push(licence("US-CA", date(2027, 6, 30), true));
    });
    let mut builder = DirectoryIndexBuilder::new();
    for p in [old, profile("other"), profile("same")] {
        builder.push(&p);
    }
    assert_eq!(builder.len(), 3);
    let index = builder.finish();
    assert_eq!(index.len(), 2);
    let alone = |query: SearchQuery| found(&index, &query);
    assert!(alone(SearchQuery { text: "zanz".into(), ..Default::default() }).is_empty());
    assert!(alone(SearchQuery { concerns: vec!["vaginismus".into()], ..Default::default() }).is_empty());
    let california =
        SearchQuery { format: Format::Telehealth, jurisdiction: Some("US-CA".into()), ..Default::default() };
    assert!(alone(california).is_empty());
    assert_eq!(alone(SearchQuery::default()), vec!["other", "same"]);
    assert_eq!(index.vocabulary_len(), 2, "alex and doe: the replaced profile's words are gone");
}

#[test]
fn pages_split_the_results_and_a_page_past_the_end_is_empty_with_the_total() {
    let index = DirectoryIndex::build((0..45).map(|i| profile(&format!("p{i:02}"))).collect());
    let page = |page: u32| SearchQuery { page, per_page: 20, ..Default::default() };

    let first = index.search(&page(1), on(TODAY));
    assert_eq!((first.total, first.pages, first.hits.len()), (45, 3, 20));
    assert_eq!(first.hits[0].id, "p00");
    let third = index.search(&page(3), on(TODAY));
    assert_eq!(ids(&third), vec!["p40", "p41", "p42", "p43", "p44"]);
    let beyond = index.search(&page(4), on(TODAY));
    assert_eq!((beyond.total, beyond.pages, beyond.page, beyond.hits.len()), (45, 3, 4, 0));
    let far = index.search(&page(u32::MAX), on(TODAY));
    assert_eq!((far.total, far.hits.len()), (45, 0));

    let huge = index.search(&SearchQuery { per_page: 500, ..Default::default() }, on(TODAY));
    assert_eq!((huge.per_page, huge.hits.len(), huge.pages), (50, 45, 1));

    let nothing = index.search(&SearchQuery { concerns: vec!["vaginismus".into()], ..Default::default() }, on(TODAY));
    assert_eq!((nothing.total, nothing.pages, nothing.hits.len()), (0, 0, 0));
}

#[test]
fn validation_explains_each_problem_beside_its_field() {
    assert_eq!(SearchQuery::default().validate(), Ok(()));

    let bad = SearchQuery {
        format: Format::Telehealth,
        radius_km: Some(-3.0),
        max_fee_cents: Some(50_000_000),
        text: "x".repeat(201),
        page: 0,
        per_page: 0,
        ..Default::default()
    };
    let errors = bad.validate().err().unwrap_or_default();
    let fields: Vec<&str> = errors.iter().map(|(field, _)| *field).collect();
    assert_eq!(fields, vec!["origin", "radius_km", "jurisdiction", "max_fee_cents", "text", "page", "per_page"]);
    let message = |field: &str| errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str()).unwrap_or("");
    assert_eq!(message("origin"), "Enter a postal code or city to search within a distance.");
    assert_eq!(message("radius_km"), "The distance must be more than 0 km.");
    assert_eq!(message("text"), "Use at most 200 characters (this has 201).");
    assert_eq!(message("page"), "Page numbers start at 1.");

    let radius = |r: f64| SearchQuery { origin: Some(MIDTOWN), radius_km: Some(r), ..Default::default() }.validate();
    assert_eq!(radius(f64::NAN), Err(vec![("radius_km", "Enter the distance as a number of kilometres.".into())]));
    assert_eq!(radius(501.0), Err(vec![("radius_km", "The distance can be at most 500 km.".into())]));
    assert_eq!(radius(500.0), Ok(()));

    let distance_without_origin = SearchQuery { sort: Sort::Distance, ..Default::default() };
    assert_eq!(
        distance_without_origin.validate(),
        Err(vec![("origin", "Enter a postal code or city to sort by distance.".into())])
    );
    let in_person = SearchQuery { format: Format::InPerson, ..Default::default() };
    assert_eq!(
        in_person.validate(),
        Err(vec![("origin", "Enter a postal code or city to find an office near you.".into())])
    );
    let nowhere = SearchQuery { origin: Some((91.0, 0.0)), ..Default::default() };
    assert!(nowhere.validate().is_err_and(|e| e[0].0 == "origin"));
    assert_eq!(SearchQuery { text: "é".repeat(200), ..Default::default() }.validate(), Ok(()));
}

#[test]
fn invalid_queries_still_answer_safely() {
    let index = new_york_offices();
    // Telehealth without a jurisdiction, in person without a place: nobody.
    let telehealth = SearchQuery { format: Format::Telehealth, ..Default::default() };
    assert_eq!(index.search(&telehealth, on(TODAY)).total, 0);
    let in_person = SearchQuery { format: Format::InPerson, ..Default::default() };
    assert_eq!(index.search(&in_person, on(TODAY)).total, 0);
    // Page 0 reads as page 1, per page 0 as 1, distance sort without origin as best match.
    let odd = SearchQuery { page: 0, per_page: 0, sort: Sort::Distance, ..Default::default() };
    let results = index.search(&odd, on(TODAY));
    assert_eq!((results.page, results.per_page, results.pages, ids(&results)), (1, 1, 6, vec!["boston"]));
}

#[test]
fn superbill_free_consultation_and_accepting_filters_are_required_when_asked() {
    let index = DirectoryIndex::build(vec![
        with("superbill", |p| p.superbill = true),
        with("free-consultation", |p| p.free_consultation = true),
        with("accepting", |p| p.accepting_new_clients = true),
    ]);
    let superbill = SearchQuery { superbill: true, ..Default::default() };
    let results = index.search(&superbill, on(TODAY));
    assert_eq!(ids(&results), vec!["superbill"]);
    assert_eq!(results.hits[0].reasons, vec![Reason::Superbill]);
    assert_eq!(
        found(&index, &SearchQuery { free_consultation: true, ..Default::default() }),
        vec!["free-consultation"]
    );
    assert_eq!(found(&index, &SearchQuery { accepting_new_clients: true, ..Default::default() }), vec!["accepting"]);
    // Without filters, accepting new clients ranks first.
    assert_eq!(found(&index, &SearchQuery::default()), vec!["accepting", "free-consultation", "superbill"]);
}

#[test]
fn listing_says_why_a_profile_is_not_listed() {
    let day = date(2026, 11, 22);
    let today = on(day);
    assert_eq!(Listing::of(&[], today), Listing::NoLicence);
    let waiting = [licence("US-NY", date(2027, 6, 30), false)];
    assert_eq!(Listing::of(&waiting, today), Listing::AwaitingVerification);
    let lapsed = [licence("US-NY", date(2026, 11, 21), true), licence("US-NJ", date(2025, 1, 1), false)];
    assert_eq!(Listing::of(&lapsed, today), Listing::Expired);
    // Valid through the day it expires; the latest current licence counts.
    let current = [
        licence("US-NY", day, true),
        licence("US-NJ", date(2028, 3, 31), true),
        licence("US-CT", date(2029, 1, 1), false),
    ];
    assert_eq!(Listing::of(&current, today), Listing::Listed { until: date(2028, 3, 31) });
    assert!(Listing::of(&current, today).is_listed());
    assert!(!Listing::of(&current, on(date(2028, 4, 1))).is_listed());
}

#[test]
fn a_licence_counts_through_its_last_day_on_its_own_states_clock() {
    let new_year = date(2026, 12, 31);
    let cert = |expires_on: Option<Date>, verified: bool| CertificationFact { expires_on, verified };
    let index = DirectoryIndex::build(vec![
        with("ny", |p| p.licences = vec![licence("US-NY", new_year, true)]),
        with("hi", |p| p.licences = vec![licence("US-HI", new_year, true)]),
        with("certified", |p| {
            p.licences = vec![licence("US-NY", date(2028, 1, 1), true)];
            p.certifications = vec![cert(Some(new_year), true)];
        }),
    ]);
    // Who is found, by name (the order is best match, not asked about here).
    let who = |query: &SearchQuery, now: Timestamp| {
        let mut found: Vec<String> = index.search(query, now).hits.into_iter().map(|hit| hit.id).collect();
        found.sort();
        found
    };
    let everyone = SearchQuery::default();
    let certified = SearchQuery { certified_only: true, ..Default::default() };
    // Half past eleven on New Year's Eve in New York is already January in
    // UTC: the New York licence still counts there until midnight.
    let late_in_new_york = at("2026-12-31T23:30", "America/New_York");
    assert_eq!(late_in_new_york.to_string(), "2027-01-01T04:30:00Z");
    assert_eq!(who(&everyone, late_in_new_york), vec!["certified", "hi", "ny"]);
    let past_midnight = at("2027-01-01T00:01", "America/New_York");
    assert_eq!(who(&everyone, past_midnight), vec!["certified", "hi"]);
    assert!(!index.is_listed("ny", past_midnight));
    let ny = licence("US-NY", new_year, true);
    assert!(ny.is_current(late_in_new_york) && !ny.is_current(past_midnight));
    // Hawaii's day ends five hours later; so does a national certification's.
    let late_in_honolulu = at("2026-12-31T23:30", "Pacific/Honolulu");
    assert_eq!(who(&everyone, late_in_honolulu), vec!["certified", "hi"]);
    assert_eq!(who(&certified, late_in_honolulu), vec!["certified"]);
    let honolulu_new_year = at("2027-01-01T00:01", "Pacific/Honolulu");
    assert_eq!(who(&everyone, honolulu_new_year), vec!["certified"]);
    assert!(index.search(&certified, honolulu_new_year).hits.is_empty());
    // Telehealth in a state follows the same clock.
    let telehealth_ny =
        SearchQuery { format: Format::Telehealth, jurisdiction: Some("US-NY".into()), ..Default::default() };
    assert_eq!(who(&telehealth_ny, late_in_new_york), vec!["certified", "ny"]);
    assert_eq!(who(&telehealth_ny, past_midnight), vec!["certified"]);
}

mod soonest {
    use jiff::{SignedDuration, Timestamp};

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// Noon UTC on `TODAY`.
    fn now() -> Timestamp {
        at("2026-11-22T12:00:00Z")
    }

    fn hits(results: &SearchResults) -> Vec<(&str, Option<Timestamp>)> {
        results.hits.iter().map(|hit| (hit.id.as_str(), hit.next_free)).collect()
    }

    /// "a" and "b" are certified (score higher) and free late; "c" is free
    /// soonest; "d" and "e" have no free time; "f" shares "c"'s time.
    fn index_and_times() -> (DirectoryIndex, NextFree) {
        let certified =
            |p: &mut DirectoryProfile| p.certifications = vec![CertificationFact { expires_on: None, verified: true }];
        let index = DirectoryIndex::build(vec![
            with("a", certified),
            with("b", certified),
            profile("c"),
            with("d", certified),
            profile("e"),
            profile("f"),
        ]);
        let mut times = NextFree::for_index(&index);
        let none = SignedDuration::ZERO;
        assert!(times.set(&index, "a", none, &[at("2026-11-25T15:00:00Z")]));
        assert!(times.set(&index, "b", none, &[at("2026-11-24T15:00:00Z"), at("2026-11-24T16:00:00Z")]));
        assert!(times.set(&index, "c", none, &[at("2026-11-23T09:00:00Z")]));
        assert!(times.set(&index, "f", none, &[at("2026-11-23T09:00:00Z")]));
        assert!(!times.set(&index, "unknown", none, &[at("2026-11-23T09:00:00Z")]), "not in the index");
        (index, times)
    }

    #[test]
    fn soonest_free_first_then_the_rest_in_best_match_order() {
        let (index, times) = index_and_times();
        let query = SearchQuery { sort: Sort::Soonest, ..SearchQuery::default() };
        let results = index.search_with(&query, &times, now());
        assert_eq!(
            hits(&results),
            vec![
                // Same time: the tie goes by score, then id.
                ("c", Some(at("2026-11-23T09:00:00Z"))),
                ("f", Some(at("2026-11-23T09:00:00Z"))),
                ("b", Some(at("2026-11-24T15:00:00Z"))),
                ("a", Some(at("2026-11-25T15:00:00Z"))),
                // None known: certified "d" before "e", as best match would.
                ("d", None),
                ("e", None),
            ]
        );
        // Paging cuts the same order.
        let second = index.search_with(&SearchQuery { page: 2, per_page: 4, ..query.clone() }, &times, now());
        assert_eq!(hits(&second), vec![("d", None), ("e", None)]);
    }

    #[test]
    fn other_sorts_keep_their_order_and_still_show_the_time() {
        let (index, times) = index_and_times();
        let results = index.search_with(&SearchQuery::default(), &times, now());
        assert_eq!(ids(&results), vec!["a", "b", "d", "c", "e", "f"]);
        assert_eq!(results.hits[0].next_free, Some(at("2026-11-25T15:00:00Z")));
        assert_eq!(results.hits[2].next_free, None);
        // Without a column: no times, and soonest is best match.
        let plain = index.search(&SearchQuery { sort: Sort::Soonest, ..SearchQuery::default() }, on(TODAY));
        assert_eq!(ids(&plain), vec!["a", "b", "d", "c", "e", "f"]);
        assert!(plain.hits.iter().all(|hit| hit.next_free.is_none()));
    }

    #[test]
    fn a_time_past_or_inside_the_notice_is_never_shown_or_sorted_on() {
        let index = DirectoryIndex::build(vec![profile("a"), profile("b"), profile("c")]);
        let mut times = NextFree::for_index(&index);
        let day = SignedDuration::from_hours(24);
        // "a": 24 h notice; its first time is 20 h away (inside the notice), the next 30 h.
        times.set(&index, "a", day, &[at("2026-11-23T08:00:00Z"), at("2026-11-23T18:00:00Z")]);
        // "b": no notice; its only times have passed.
        times.set(&index, "b", SignedDuration::ZERO, &[at("2026-11-22T09:00:00Z"), at("2026-11-22T11:59:59Z")]);
        // "c": no notice; exactly now still counts.
        times.set(&index, "c", SignedDuration::ZERO, &[at("2026-11-22T12:00:00Z"), at("2026-11-22T13:00:00Z")]);
        let query = SearchQuery { sort: Sort::Soonest, ..SearchQuery::default() };
        let results = index.search_with(&query, &times, now());
        assert_eq!(hits(&results), vec![("c", Some(now())), ("a", Some(at("2026-11-23T18:00:00Z"))), ("b", None)]);
        assert_eq!(times.bookable_count(now()), 2);
        // Half an hour later "c" has moved on to its next time.
        let soon = index.search_with(&query, &times, now() + SignedDuration::from_mins(30));
        assert_eq!(hits(&soon)[0], ("c", Some(at("2026-11-22T13:00:00Z"))));
        // Five hours later "c" has none left; "a" still has its second.
        let later = now() + SignedDuration::from_hours(5);
        let results = index.search_with(&query, &times, later);
        assert_eq!(hits(&results), vec![("a", Some(at("2026-11-23T18:00:00Z"))), ("b", None), ("c", None)]);
        assert_eq!(times.bookable_count(later), 1);
    }

    #[test]
    fn a_card_offers_the_next_few_times_still_outside_the_notice() {
        let index = DirectoryIndex::build(vec![profile("a"), profile("b")]);
        let mut times = NextFree::for_index(&index);
        let hour = SignedDuration::from_hours(1);
        let kept = [
            at("2026-11-22T12:30:00Z"),
            at("2026-11-22T14:00:00Z"),
            at("2026-11-22T15:00:00Z"),
            at("2026-11-22T16:00:00Z"),
        ];
        times.set(&index, "a", hour, &kept);
        let a = index.position("a").unwrap();
        // The first is inside the hour's notice; three of the rest are offered.
        assert_eq!(times.upcoming(a, now(), 3), kept[1..].to_vec());
        assert_eq!(times.upcoming(a, now(), 2), kept[1..3].to_vec());
        // Later on, fewer are left, and none is past.
        assert_eq!(times.upcoming(a, at("2026-11-22T14:30:00Z"), 3), vec![kept[3]]);
        assert!(times.upcoming(index.position("b").unwrap(), now(), 3).is_empty(), "none kept");
    }

    #[test]
    fn a_page_says_when_a_free_time_it_depends_on_lapses() {
        let (index, times) = index_and_times();
        let soonest = SearchQuery { sort: Sort::Soonest, per_page: 2, ..SearchQuery::default() };
        // "c" and "f" (09:00 on the 23rd, no notice) are shown first: the page holds through 09:00:00.
        let first = index.search_with(&soonest, &times, now());
        assert_eq!(first.changes_at, Some(at("2026-11-23T09:00:01Z")));
        // The second page ("b", "a") also ranks below "c" and "f": when theirs lapse, "b" moves up.
        let second = index.search_with(&SearchQuery { page: 2, ..soonest.clone() }, &times, now());
        assert_eq!(ids(&second), vec!["b", "a"]);
        assert_eq!(second.changes_at, Some(at("2026-11-23T09:00:01Z")));
        // Best match, the first two ("a", "b"): only the times shown count; "b"'s first is the earlier.
        let best = index.search_with(&SearchQuery { per_page: 2, ..SearchQuery::default() }, &times, now());
        assert_eq!(ids(&best), vec!["a", "b"]);
        assert_eq!(best.changes_at, Some(at("2026-11-24T15:00:01Z")));
        // Nothing shown has a time, or no column: nothing lapses.
        let none = index.search_with(&SearchQuery { page: 5, per_page: 1, ..SearchQuery::default() }, &times, now());
        assert_eq!((ids(&none), none.changes_at), (vec!["e"], None));
        assert_eq!(index.search(&soonest, on(TODAY)).changes_at, None);
        // A second before it lapses the page is the same; a second after, it is not.
        let just_before = index.search_with(&soonest, &times, at("2026-11-23T09:00:00Z"));
        assert_eq!(hits(&just_before), hits(&first));
        let after = index.search_with(&soonest, &times, at("2026-11-23T09:00:01Z"));
        assert_ne!(hits(&after), hits(&first));
    }

    #[test]
    fn times_are_kept_in_order_and_only_the_first_few() {
        let index = DirectoryIndex::build(vec![profile("a")]);
        let mut times = NextFree::for_index(&index);
        let many: Vec<Timestamp> = (0..10).rev().map(|h| now() + SignedDuration::from_hours(h)).collect();
        times.set(&index, "a", SignedDuration::ZERO, &many);
        let results = index.search_with(&SearchQuery::default(), &times, now());
        // Given newest first, the first KEPT given are kept, earliest first.
        assert_eq!(results.hits[0].next_free, Some(now() + SignedDuration::from_hours(6)));
    }

    #[test]
    fn a_column_of_another_index_is_ignored() {
        let small = DirectoryIndex::build(vec![profile("a")]);
        let index = DirectoryIndex::build(vec![profile("a"), profile("b")]);
        let mut times = NextFree::for_index(&small);
        times.set(&small, "a", SignedDuration::ZERO, &[now()]);
        let results = index.search_with(&SearchQuery::default(), &times, now());
        assert!(results.hits.iter().all(|hit| hit.next_free.is_none()));
    }

    #[test]
    fn pages_of_many_agree_with_one_long_list_in_soonest_order() {
        // 300 profiles: every third without a time, many sharing a time, scores varying.
        let profiles: Vec<DirectoryProfile> = (0..300)
            .map(|n| {
                with(&format!("p{n:03}"), |p| {
                    p.accepting_new_clients = n % 2 == 0;
                    if n % 5 == 0 {
                        p.certifications = vec![CertificationFact { expires_on: None, verified: true }];
                    }
                })
            })
            .collect();
        let index = DirectoryIndex::build(profiles);
        let mut times = NextFree::for_index(&index);
        for n in (0..300).filter(|n| n % 3 != 0) {
            let start = now() + SignedDuration::from_hours(1 + (n * 7) % 40);
            times.set(&index, &format!("p{n:03}"), SignedDuration::ZERO, &[start]);
        }
        let query =
            |page: u32, per_page: u32| SearchQuery { sort: Sort::Soonest, page, per_page, ..SearchQuery::default() };
        let mut paged = Vec::new();
        for page in 1..=5 {
            paged.extend(index.search_with(&query(page, 10), &times, now()).hits);
        }
        let long = index.search_with(&query(1, 50), &times, now()).hits;
        assert_eq!(paged, long);
        // Soonest first; the same time by score, then id; none known last.
        for pair in long.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let order = (a.next_free.is_none(), a.next_free, u32::MAX - a.score, &a.id).cmp(&(
                b.next_free.is_none(),
                b.next_free,
                u32::MAX - b.score,
                &b.id,
            ));
            assert_eq!(order, std::cmp::Ordering::Less, "{a:?} before {b:?}");
        }
        // Past the timed ones, in best-match order.
        let last = index.search_with(&query(25, 10), &times, now()).hits;
        assert!(last.iter().all(|hit| hit.next_free.is_none()) && !last.is_empty());
    }

    #[test]
    fn listing_and_positions_by_id() {
        let index = DirectoryIndex::build(vec![
            profile("b"),
            with("a", |p| p.licences = vec![licence("US-NY", date(2026, 1, 1), true)]),
        ]);
        assert_eq!((index.position("a"), index.position("b"), index.position("c")), (Some(0), Some(1), None));
        assert!(!index.is_listed("a", on(TODAY)), "expired");
        assert!(index.is_listed("b", on(TODAY)));
        assert!(!index.is_listed("c", on(TODAY)));
    }
}
