//! Conformance of the directory's storage on both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::date;
use sensate_domain::{PracticeId, Role, UserId};
use sensate_store::*;
use sensate_testkit::on_both_engines;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn therapist(store: &Arc<dyn Store>, practice: PracticeId, email: &str, name: &str) -> UserId {
    let id = UserId::new();
    store
        .insert_user(&NewUser {
            id,
            email: sensate_domain::Email::parse(email).unwrap(),
            display_name: name.into(),
            password_hash: "x".into(),
            created_at: at("2026-01-01T00:00:00Z"),
        })
        .await
        .unwrap();
    store.insert_membership(practice, id, Role::Clinician, at("2026-01-01T00:00:00Z")).await.unwrap();
    id
}

fn record(user: UserId, practice: PracticeId, name: &str) -> DirectoryProfileRecord {
    DirectoryProfileRecord {
        profile: TherapistProfile {
            user_id: user,
            practice_id: practice,
            display_name: name.into(),
            pronouns: "she/her".into(),
            credentials: "LMFT · CST".into(),
            headline: "Couples and desire".into(),
            approach: "Calm, structured, collaborative.".into(),
            languages: "English, Spanish".into(),
            offers_in_person: true,
            offers_telehealth: true,
            accepting_new_clients: true,
        },
        gender: "woman".into(),
        sees_individuals: true,
        sees_couples: true,
        affirming_lgbtq: true,
        kink_aware: false,
        cnm_affirming: true,
        min_fee_cents: Some(15_000),
        sliding_scale: true,
        free_consultation: false,
        superbill: true,
        concerns: vec!["low-desire".into(), "mismatched-desire".into()],
        language_codes: vec!["en".into(), "es".into()],
        payers: vec!["aetna".into()],
        offices: vec![OfficeRecord {
            id: sensate_domain::OfficeId::new(),
            label: "Midtown".into(),
            address: "1 Example Plaza, New York, NY".into(),
            postal_code: "10001".into(),
            lat: 40.7506,
            lon: -73.9972,
            accessibility: "Step-free entrance".into(),
        }],
        licences: vec![],
        certifications: vec![],
    }
}

/// Two practices, and a therapist of the first with a saved profile.
async fn practices_and_therapist(store: &Arc<dyn Store>) -> (PracticeId, PracticeId, UserId) {
    let practice = PracticeId::new();
    let other = PracticeId::new();
    for id in [practice, other] {
        let created_at = at("2026-01-01T00:00:00Z");
        store
            .insert_practice(&NewPractice {
                id,
                name: "P".into(),
                time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(),
                created_at,
            })
            .await
            .unwrap();
    }
    let user = therapist(store, practice, "t@p.example", "Tess").await;
    store.save_directory_profile(&record(user, practice, "Tess"), at("2026-02-01T00:00:00Z")).await.unwrap();
    (practice, other, user)
}

/// A licence and a certification of the therapist, not yet verified.
async fn credentials(
    store: &Arc<dyn Store>,
    practice: PracticeId,
    user: UserId,
) -> (LicenceRecord, CertificationRecord) {
    let licence = LicenceRecord {
        id: sensate_domain::CredentialId::new(),
        user_id: user,
        practice_id: practice,
        licence_type: "lmft".into(),
        number: "NY-000123".into(),
        jurisdiction: "US-NY".into(),
        expires_on: date(2027, 6, 30),
        verification: None,
    };
    store.insert_licence(&licence).await.unwrap();
    let certification = CertificationRecord {
        id: sensate_domain::CredentialId::new(),
        user_id: user,
        practice_id: practice,
        body: "aasect".into(),
        credential_id: "CST-42".into(),
        expires_on: None,
        verification: None,
    };
    store.insert_certification(&certification).await.unwrap();
    (licence, certification)
}

on_both_engines! {
    async fn a_profile_is_saved_and_read_back_whole(db: TestDb) {
        let store = db.store().await;
        let practice = PracticeId::new();
        store.insert_practice(&NewPractice { id: practice, name: "P".into(), time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(), created_at: at("2026-01-01T00:00:00Z") }).await.unwrap();
        let user = therapist(&store, practice, "t@p.example", "Tess Therapist").await;
        assert_eq!(store.directory_version().await.unwrap(), 0);
        let mut saved = record(user, practice, "Tess Therapist");
        store.save_directory_profile(&saved, at("2026-02-01T00:00:00Z")).await.unwrap();
        assert_eq!(store.directory_profile(user).await.unwrap().unwrap(), saved);
        assert_eq!(store.public_profile(user).await.unwrap(), Some(saved.profile.clone()));
        assert_eq!(store.public_profile(UserId::new()).await.unwrap(), None);
        assert_eq!(store.directory_version().await.unwrap(), 1);

        // Saving again replaces the lists rather than adding to them.
        saved.concerns = vec!["erection-difficulties".into()];
        saved.payers = vec![];
        saved.offices.clear();
        saved.min_fee_cents = None;
        store.save_directory_profile(&saved, at("2026-02-02T00:00:00Z")).await.unwrap();
        assert_eq!(store.directory_profile(user).await.unwrap().unwrap(), saved);
        assert_eq!(store.directory_version().await.unwrap(), 2);
        store.close().await;
    }

    async fn licences_are_verified_only_within_their_practice(db: TestDb) {
        let store = db.store().await;
        let (practice, other, user) = practices_and_therapist(&store).await;
        let admin = therapist(&store, practice, "a@p.example", "Ada").await;
        let (licence, certification) = credentials(&store, practice, user).await;
        let check = Verification { at: at("2026-03-01T10:00:00Z"), by: admin, method: "State board online register".into() };
        assert!(!store.verify_licence(other, licence.id, &check).await.unwrap(), "another practice cannot verify it");
        assert!(store.verify_licence(practice, licence.id, &check).await.unwrap());
        assert!(store.verify_certification(practice, certification.id, &check).await.unwrap());
        assert!(!store.verify_licence(practice, sensate_domain::CredentialId::new(), &check).await.unwrap());

        let read = store.directory_profile(user).await.unwrap().unwrap();
        assert_eq!(read.licences, vec![LicenceRecord { verification: Some(check.clone()), ..licence }]);
        assert_eq!(read.certifications, vec![CertificationRecord { verification: Some(check), ..certification }]);
        assert_eq!(store.directory_version().await.unwrap(), 5, "profile, licence, certification and two verifications");
        store.close().await;
    }

    async fn the_snapshot_lists_every_profile_in_a_stable_order(db: TestDb) {
        let store = db.store().await;
        let practice = PracticeId::new();
        store.insert_practice(&NewPractice { id: practice, name: "P".into(), time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(), created_at: at("2026-01-01T00:00:00Z") }).await.unwrap();
        let mut expected = Vec::new();
        for i in 0..5 {
            let user = therapist(&store, practice, &format!("t{i}@p.example"), &format!("Therapist {i}")).await;
            let profile = record(user, practice, &format!("Therapist {i}"));
            store.save_directory_profile(&profile, at("2026-02-01T00:00:00Z")).await.unwrap();
            expected.push(profile);
        }
        expected.sort_by_key(|p| p.profile.user_id.as_uuid());
        assert_eq!(store.directory_profiles().await.unwrap(), expected);
        store.close().await;
    }

    async fn credentials_are_removed_only_by_their_holder_in_their_practice(db: TestDb) {
        let store = db.store().await;
        let (practice, other, user) = practices_and_therapist(&store).await;
        let colleague = therapist(&store, practice, "c@p.example", "Cole").await;
        let (licence, certification) = credentials(&store, practice, user).await;
        let version = store.directory_version().await.unwrap();
        assert!(!store.remove_credential(other, user, licence.id).await.unwrap(), "wrong practice");
        assert!(!store.remove_credential(practice, colleague, licence.id).await.unwrap(), "someone else's");
        assert_eq!(store.directory_version().await.unwrap(), version, "nothing removed, nothing changed");
        assert!(store.remove_credential(practice, user, licence.id).await.unwrap());
        assert!(store.remove_credential(practice, user, certification.id).await.unwrap());
        assert!(!store.remove_credential(practice, user, licence.id).await.unwrap(), "already gone");
        let read = store.directory_profile(user).await.unwrap().unwrap();
        assert!(read.licences.is_empty() && read.certifications.is_empty());
        assert_eq!(store.directory_version().await.unwrap(), version + 2);
        store.close().await;
    }

    async fn a_photo_is_stored_replaced_and_removed(db: TestDb) {
        let store = db.store().await;
        let practice = PracticeId::new();
        store.insert_practice(&NewPractice { id: practice, name: "P".into(), time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(), created_at: at("2026-01-01T00:00:00Z") }).await.unwrap();
        let user = therapist(&store, practice, "t@p.example", "Tess").await;
        assert_eq!(store.profile_photo(user).await.unwrap(), None);
        assert!(!store.remove_profile_photo(user).await.unwrap());
        let version = store.directory_version().await.unwrap();
        assert_eq!(version, store.directory_version().await.unwrap(), "removing no photo changes nothing");
        assert!(store.profile_photo_owners().await.unwrap().is_empty());
        // Every byte value survives the round trip, including NUL and 0xFF.
        let first = PhotoRecord {
            user_id: user,
            image: (0..=255u8).cycle().take(70_000).collect(),
            width: 640,
            height: 480,
            updated_at: at("2026-02-01T00:00:00Z"),
        };
        store.save_profile_photo(&first).await.unwrap();
        assert_eq!(store.profile_photo(user).await.unwrap().as_ref(), Some(&first));
        // Result cards show who has a photo: the directory has changed.
        assert_eq!(store.directory_version().await.unwrap(), version + 1);
        assert_eq!(store.profile_photo_owners().await.unwrap(), vec![user]);
        let second = PhotoRecord { image: vec![0xFF, 0xD8, 0xFF, 0xD9], width: 1, height: 1, updated_at: at("2026-03-01T00:00:00Z"), ..first };
        store.save_profile_photo(&second).await.unwrap();
        assert_eq!(store.profile_photo(user).await.unwrap().as_ref(), Some(&second));
        assert!(store.remove_profile_photo(user).await.unwrap());
        assert_eq!(store.profile_photo(user).await.unwrap(), None);
        assert_eq!(store.directory_version().await.unwrap(), version + 3, "saved twice, removed once");
        assert!(store.profile_photo_owners().await.unwrap().is_empty());
        store.close().await;
    }

    async fn a_directory_is_imported_whole_in_one_transaction(db: TestDb) {
        let store = db.store().await;
        let created = at("2026-01-01T00:00:00Z");
        let practice = NewPractice { id: PracticeId::new(), name: "Cedar Counseling Group".into(), time_zone: sensate_domain::TimeZoneName::parse("America/Chicago").unwrap(), created_at: created };
        let manager = UserId::new();
        let mut batch = DirectoryImport { practices: vec![practice.clone()], ..DirectoryImport::default() };
        let user = |id: UserId, email: String, name: String| NewUser { id, email: sensate_domain::Email::parse(&email).unwrap(), display_name: name, password_hash: "x".into(), created_at: created };
        batch.users.push(user(manager, "manager@cedar.example".into(), "Pat Manager".into()));
        batch.memberships.push(NewMembership { practice_id: practice.id, user_id: manager, role: Role::Owner, created_at: created });
        let check = Verification { at: at("2026-03-01T10:00:00Z"), by: manager, method: "State board online register".into() };
        // Enough rows that every table needs several multi-row inserts, and the
        // snapshot several chunks.
        for i in 0..1_600 {
            let id = UserId::new();
            batch.users.push(user(id, format!("t{i}@cedar.example"), format!("Therapist {i}")));
            batch.memberships.push(NewMembership { practice_id: practice.id, user_id: id, role: Role::Clinician, created_at: created });
            let mut profile = record(id, practice.id, &format!("Therapist {i}"));
            profile.min_fee_cents = (i % 3 != 0).then_some(10_000 + i);
            profile.licences = vec![LicenceRecord {
                id: sensate_domain::CredentialId::new(),
                user_id: id,
                practice_id: practice.id,
                licence_type: "lmft".into(),
                number: format!("IL-{i:06}"),
                jurisdiction: "US-IL".into(),
                expires_on: date(2027, 6, 30),
                verification: (i % 10 != 0).then(|| check.clone()),
            }];
            if i % 2 == 0 {
                profile.certifications = vec![CertificationRecord {
                    id: sensate_domain::CredentialId::new(),
                    user_id: id,
                    practice_id: practice.id,
                    body: "aasect".into(),
                    credential_id: format!("CST-{i}"),
                    expires_on: (i % 4 == 0).then_some(date(2028, 1, 31)),
                    verification: Some(check.clone()),
                }];
            }
            batch.profiles.push(profile);
        }
        store.import_directory(&batch, at("2026-02-01T00:00:00Z")).await.unwrap();
        assert_eq!(store.directory_version().await.unwrap(), 1, "one import, one version");
        let mut expected = batch.profiles.clone();
        expected.sort_by_key(|p| p.profile.user_id.as_uuid());
        let read = store.directory_profiles().await.unwrap();
        assert_eq!(read.len(), expected.len());
        for (read, expected) in read.iter().zip(&expected) {
            assert_eq!(read, expected);
        }
        assert_eq!(store.practice(practice.id).await.unwrap().unwrap().name, "Cedar Counseling Group");
        let roles = store.memberships(manager).await.unwrap();
        assert_eq!((roles.len(), roles[0].role), (1, Role::Owner));

        // A batch that repeats an account changes nothing at all.
        let again = DirectoryImport {
            practices: vec![NewPractice { id: PracticeId::new(), ..practice }],
            users: vec![user(UserId::new(), "t7@cedar.example".into(), "Someone Else".into())],
            ..DirectoryImport::default()
        };
        assert!(matches!(store.import_directory(&again, at("2026-02-02T00:00:00Z")).await, Err(StoreError::EmailTaken)));
        assert_eq!(store.practice(again.practices[0].id).await.unwrap(), None);
        assert_eq!(store.directory_version().await.unwrap(), 1);
        store.close().await;
    }
}
