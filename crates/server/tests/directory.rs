//! The directory's use cases against a real database: profiles checked
//! against the reference data and placed on the map, licences, verification
//! by someone other than the therapist, and searches that give the same
//! answers on every engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use sensate_app::directory::profiles::{CredentialInput, OfficeInput, ProfileInput};
use sensate_app::directory::search::search_profile;
use sensate_app::directory::synthetic::{QUERY_SHAPES, SyntheticDirectory, SyntheticOptions, query_mix};
use sensate_app::infra::crypto::KeyRing;
use sensate_app::infra::mailer::OutboxMailer;
use sensate_app::infra::secrets::{hash_password, token_hash};
use sensate_app::{Actor, App, AppConfig, AppError};
use sensate_domain::directory::search::{ClientFocus, DirectoryIndex, Format, SearchQuery, Sort};
use sensate_domain::{PracticeId, Role, UserId};
use sensate_store::{NewPractice, NewUser};
use sensate_testkit::{FakeClock, on_both_engines};

const PASSWORD: &str = "directory test phrase";

struct World {
    app: App,
    practice: PracticeId,
}

async fn world(db: &sensate_testkit::TestDb) -> World {
    let store = db.store().await;
    let clock = FakeClock::at("2026-11-23T15:00:00Z");
    let app = App::new(
        store.clone(),
        Arc::new(clock.clone()),
        Arc::new(KeyRing::generate().unwrap()),
        Arc::new(OutboxMailer::new(Arc::new(clock))),
        AppConfig::default(),
    );
    let practice = PracticeId::new();
    store
        .insert_practice(&NewPractice {
            id: practice,
            name: "Harbor".into(),
            time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(),
            created_at: app.now(),
        })
        .await
        .unwrap();
    World { app, practice }
}

/// A person with a role, signed in (past the second step for staff).
async fn person(world: &World, practice: PracticeId, email: &str, role: Role) -> (UserId, Actor) {
    let store = world.app.store();
    let id = UserId::new();
    store
        .insert_user(&NewUser {
            id,
            email: sensate_domain::Email::parse(email).unwrap(),
            display_name: email.split('@').next().unwrap().into(),
            password_hash: hash_password(PASSWORD.into()).await.unwrap(),
            created_at: world.app.now(),
        })
        .await
        .unwrap();
    store.insert_membership(practice, id, role, world.app.now()).await.unwrap();
    let session = world.app.identity().login(email, PASSWORD, "127.0.0.1").await.unwrap();
    store.mark_session_mfa(&token_hash(&session.token), world.app.now()).await.unwrap();
    let actor = world.app.identity().authenticate(&session.token, "127.0.0.1").await.unwrap().unwrap();
    (id, actor)
}

fn input() -> ProfileInput {
    ProfileInput {
        pronouns: "she/her".into(),
        credentials: "LMFT · CST".into(),
        headline: "Desire and communication for couples".into(),
        approach: "Structured, warm and unhurried.".into(),
        sees_individuals: true,
        sees_couples: true,
        offers_in_person: true,
        offers_telehealth: true,
        accepting_new_clients: true,
        min_fee: "150".into(),
        concerns: vec!["desire-discrepancy".into(), "performance-anxiety".into()],
        languages: vec!["es".into(), "en".into()],
        payers: vec!["aetna".into()],
        offices: vec![OfficeInput {
            label: "".into(),
            address: "1 Example Plaza".into(),
            postal_code: "10001".into(),
            accessibility: "Step-free entrance".into(),
        }],
        ..ProfileInput::default()
    }
}

fn invalid(error: AppError) -> sensate_domain::FieldErrors {
    match error {
        AppError::Invalid(errors) => errors,
        other => panic!("expected field errors, got {other}"),
    }
}

on_both_engines! {
    async fn a_therapist_saves_a_profile_checked_against_the_reference_data(db: TestDb) {
        let world = world(&db).await;
        let (therapist, me) = person(&world, world.practice, "tess@harbor.example", Role::Clinician).await;
        world.app.directory().save_therapist_profile(&me, therapist, &input()).await.unwrap();
        let saved = world.app.directory().profile_editor(&me, therapist).await.unwrap().record.unwrap();
        assert_eq!(saved.concerns, vec!["desire-discrepancy", "performance-anxiety"]);
        assert_eq!(saved.language_codes, vec!["en", "es"]);
        assert_eq!(saved.profile.languages, "English, Spanish");
        assert_eq!(saved.min_fee_cents, Some(15_000));
        let office = &saved.offices[0];
        assert_eq!((office.postal_code.as_str(), office.label.as_str()), ("10001", "New York"));
        assert!((office.lat - 40.75).abs() < 0.05 && (office.lon + 73.99).abs() < 0.05, "placed by its ZIP code");

        let mut bad = input();
        bad.concerns.push("not-a-concern".into());
        bad.offices[0].postal_code = "00000".into();
        bad.sees_individuals = false;
        bad.sees_couples = false;
        bad.min_fee = "lots".into();
        let errors = invalid(world.app.directory().save_therapist_profile(&me, therapist, &bad).await.unwrap_err());
        assert!(errors.get("concerns").unwrap().contains("not-a-concern"));
        assert_eq!(errors.get("offices"), Some("The ZIP code 00000 was not found."));
        assert!(errors.get("sees_individuals").is_some() && errors.get("min_fee").is_some());
        assert_eq!(world.app.directory().profile_editor(&me, therapist).await.unwrap().record.unwrap(), saved, "a refused save changes nothing");
    }

    async fn profiles_are_edited_by_their_therapist_or_the_practice_staff(db: TestDb) {
        let world = world(&db).await;
        let (therapist, _) = person(&world, world.practice, "tess@harbor.example", Role::Clinician).await;
        let (_, colleague) = person(&world, world.practice, "cole@harbor.example", Role::Clinician).await;
        let (_, admin) = person(&world, world.practice, "ada@harbor.example", Role::Admin).await;
        let other_practice = PracticeId::new();
        world.app.store().insert_practice(&NewPractice { id: other_practice, name: "Elsewhere".into(), time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(), created_at: world.app.now() }).await.unwrap();
        let (_, stranger) = person(&world, other_practice, "sam@elsewhere.example", Role::Owner).await;
        assert!(matches!(world.app.directory().save_therapist_profile(&colleague, therapist, &input()).await, Err(AppError::Forbidden)));
        assert!(matches!(world.app.directory().save_therapist_profile(&stranger, therapist, &input()).await, Err(AppError::NotFound)));
        world.app.directory().save_therapist_profile(&admin, therapist, &input()).await.unwrap();
        let (_, client) = person(&world, world.practice, "cli@client.example", Role::Client).await;
        assert!(matches!(world.app.directory().profile_editor(&client, therapist).await, Err(AppError::Forbidden)));
    }

    async fn credentials_are_verified_by_someone_else(db: TestDb) {
        let world = world(&db).await;
        let (therapist, me) = person(&world, world.practice, "tess@harbor.example", Role::Clinician).await;
        let (_, admin) = person(&world, world.practice, "ada@harbor.example", Role::Admin).await;
        world.app.directory().save_therapist_profile(&me, therapist, &input()).await.unwrap();

        let bad = CredentialInput { kind: "wizard".into(), number: "".into(), jurisdiction: "US-ZZ".into(), expires_on: "next year".into() };
        let errors = invalid(world.app.directory().add_licence(&me, therapist, &bad).await.unwrap_err());
        for field in ["kind", "number", "jurisdiction", "expires_on"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let licence = CredentialInput { kind: "lmft".into(), number: "NY-123".into(), jurisdiction: "US-NY".into(), expires_on: "2027-06-30".into() };
        let id = world.app.directory().add_licence(&me, therapist, &licence).await.unwrap();
        let cert = CredentialInput { kind: "aasect".into(), number: "CST-42".into(), ..CredentialInput::default() };
        let cert_id = world.app.directory().add_certification(&me, therapist, &cert).await.unwrap();

        assert!(matches!(world.app.directory().verify_credential(&me, therapist, id, "I checked").await, Err(AppError::Forbidden)), "not one's own");
        let missing = invalid(world.app.directory().verify_credential(&admin, therapist, id, "  ").await.unwrap_err());
        assert!(missing.get("method").is_some());
        world.app.directory().verify_credential(&admin, therapist, id, "New York State board online register").await.unwrap();
        world.app.directory().verify_credential(&admin, therapist, cert_id, "AASECT directory").await.unwrap();
        assert!(matches!(world.app.directory().verify_credential(&admin, therapist, sensate_domain::CredentialId::new(), "x").await, Err(AppError::NotFound)));

        let saved = world.app.store().directory_profile(therapist).await.unwrap().unwrap();
        let verification = saved.licences[0].verification.clone().unwrap();
        assert_eq!((verification.by, verification.method.as_str()), (admin.user_id, "New York State board online register"));
        assert!(saved.certifications[0].verification.is_some());
        // Saving the profile again keeps the credentials and their verification.
        world.app.directory().save_therapist_profile(&me, therapist, &input()).await.unwrap();
        assert_eq!(world.app.store().directory_profile(therapist).await.unwrap().unwrap().licences, saved.licences);
        world.app.seal_audit().await.unwrap();
        let log = world.app.store().audit_chain().await.unwrap();
        assert!(log.iter().any(|e| e.event.action == "verify_credential" && e.event.actor_id == Some(admin.user_id)));
    }

    async fn every_engine_finds_what_the_in_memory_index_finds(db: TestDb) {
        // The truth: an index built straight from the generated profiles, no database involved.
        let world = world(&db).await;
        let now = world.app.now();
        let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
        let options = SyntheticOptions { seed: 0x5eed, today, now, all_listed: false };
        let batch = SyntheticDirectory::generate(options, 400).unwrap();
        let truth = DirectoryIndex::build(batch.profiles.iter().cloned().map(search_profile).collect());
        world.app.store().import_directory(&batch, now).await.unwrap();

        let reference = sensate_app::directory::search::reference_data().unwrap();
        let zip = |code: &str| reference.postal(code).map(|p| (p.lat, p.lon));
        let mut searches: Vec<(String, SearchQuery)> = query_mix(11, 4, None)
            .into_iter()
            .map(|(shape, query)| (QUERY_SHAPES[shape].name.to_string(), query))
            .collect();
        searches.extend([
            ("concern".into(), SearchQuery { concerns: vec!["low-desire".into(), "performance-anxiety".into()], ..SearchQuery::default() }),
            ("telehealth in NY, in network".into(), SearchQuery { format: Format::Telehealth, jurisdiction: Some("US-NY".into()), insurance: vec!["aetna".into(), "bcbs".into()], ..SearchQuery::default() }),
            ("language".into(), SearchQuery { languages: vec!["es".into()], focus: Some(ClientFocus::Couples), ..SearchQuery::default() }),
            ("nearest to a Manhattan ZIP".into(), SearchQuery { format: Format::InPerson, origin: zip("10001"), radius_km: Some(60.0), sort: Sort::Distance, ..SearchQuery::default() }),
            ("cheapest under $150".into(), SearchQuery { max_fee_cents: Some(15_000), sort: Sort::Fee, per_page: 50, ..SearchQuery::default() }),
            ("words".into(), SearchQuery { text: "Gottman couples trust".into(), ..SearchQuery::default() }),
            ("a prefix".into(), SearchQuery { text: "mindful".into(), accepting_new_clients: true, ..SearchQuery::default() }),
        ]);
        for page in 1..=4 {
            searches.push((format!("everyone, page {page} of 7 per page"), SearchQuery { page, per_page: 7, ..SearchQuery::default() }));
            searches.push((format!("by fee, page {page}"), SearchQuery { sort: Sort::Fee, page, per_page: 13, ..SearchQuery::default() }));
        }

        let mut hits = 0;
        for (name, query) in &searches {
            let expected = truth.search(query, now);
            let found = world.app.directory().search_directory(query).await.unwrap();
            assert_eq!(found.total, expected.total, "{name}: {query:?}");
            let ids = |r: &sensate_domain::directory::search::SearchResults| r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&found), ids(&expected), "{name}: the same therapists in the same order");
            for (f, e) in found.hits.iter().zip(&expected.hits) {
                assert_eq!((&f.reasons, f.score, f.distance_km), (&e.reasons, e.score, e.distance_km), "{name}: {}", f.id);
            }
            assert_eq!((found.page, found.pages, found.per_page), (expected.page, expected.pages, expected.per_page));
            hits += found.hits.len();
        }
        assert!(hits > 500, "the searches find plenty ({hits} hits), so the comparison means something");
        let everyone = truth.search(&SearchQuery::default(), now).total;
        assert!((360..400).contains(&everyone), "a few of the 400 are not listed (lapsed or unverified): {everyone}");
    }
}
