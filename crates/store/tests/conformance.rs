//! The store conformance suite: every test runs on SQLite, and on PostgreSQL
//! when SENSATE_TEST_POSTGRES_URL is set, against a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use sensate_domain::scheduling::{AppointmentStatus, CaseKind, SessionFormat};
use sensate_domain::{AppointmentId, CaseId, PracticeId, Role, UserId};
use sensate_store::*;
use sensate_testkit::{TestDb, on_both_engines};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn practice(name: &str) -> NewPractice {
    NewPractice {
        id: PracticeId::new(),
        name: name.into(),
        time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
        created_at: at("2026-01-01T00:00:00Z"),
    }
}

fn user(email: &str, name: &str) -> NewUser {
    NewUser {
        id: UserId::new(),
        email: sensate_domain::Email::parse(email).unwrap(),
        display_name: name.into(),
        password_hash: "$argon2id$placeholder".into(),
        created_at: at("2026-01-01T00:00:00Z"),
    }
}

fn appointment(p: &NewPractice, case: &NewCase, starts: &str, status: AppointmentStatus) -> NewAppointment {
    let starts_at = at(starts);
    NewAppointment {
        id: AppointmentId::new(),
        practice_id: p.id,
        case_id: Some(case.id),
        clinician_id: case.clinician_id,
        starts_at,
        ends_at: starts_at + SignedDuration::from_mins(50),
        time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
        format: SessionFormat::Telehealth,
        status,
        created_at: at("2026-01-01T00:00:00Z"),
        session_type_id: None,
        held_until: None,
        attendees: Vec::new(),
    }
}

on_both_engines! {
    async fn migrations_create_the_newest_schema(db: TestDb) {
        let store = db.store().await;
        assert_eq!(store.schema_version().await.unwrap(), latest_version());
        let columns = store.schema_columns().await.unwrap();
        for expected in [("users", "email"), ("practices", "time_zone"), ("appointments", "starts_at"), ("practices", "contact_email")] {
            assert!(columns.contains(&(expected.0.to_string(), expected.1.to_string())), "{expected:?}");
        }
        store.ping().await.unwrap();
        store.close().await;
    }

    async fn upgrading_from_the_previous_version_keeps_rows(db: TestDb) {
        let old = sensate_store::connect(&db.url, Migrate::To(1)).await.unwrap();
        assert_eq!(old.schema_version().await.unwrap(), 1);
        let p = practice("Lakeside Therapy");
        old.insert_practice(&p).await.unwrap();
        let u = user("kept@example.org", "Kept Person");
        old.insert_user(&u).await.unwrap();
        old.close().await;

        let store = db.store().await;
        assert_eq!(store.schema_version().await.unwrap(), latest_version());
        assert_eq!(store.practice_count().await.unwrap(), 1);
        let kept = store.user(u.id).await.unwrap().expect("the user survives the upgrade");
        assert_eq!(kept.email.as_str(), "kept@example.org");
        assert_eq!(kept.display_name, "Kept Person");
        store.close().await;
    }

    async fn contact_preferences_written_before_profiles_per_practice_keep_their_row_id(db: TestDb) {
        // Before version 15 a client had one profile row, keyed (and its
        // ciphertext bound) by the client's id.
        let old = sensate_store::connect(&db.url, Migrate::To(14)).await.unwrap();
        let p = practice("Lakeside Therapy");
        old.insert_practice(&p).await.unwrap();
        let u = user("kept@example.org", "Kept Person");
        old.insert_user(&u).await.unwrap();
        old.close().await;
        let insert = "INSERT INTO client_profiles (user_id, practice_id, contact_preferences, updated_at) VALUES ($1, $2, $3, 0)";
        if db.is_postgres() {
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
            sqlx::query(insert).bind(u.id.as_uuid()).bind(p.id.as_uuid()).bind(&b"sealed"[..]).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
            sqlx::query(insert).bind(u.id.as_uuid()).bind(p.id.as_uuid()).bind(&b"sealed"[..]).execute(&mut conn).await.unwrap();
        }

        let store = db.store().await;
        let kept = store.client_profile(p.id, u.id).await.unwrap().expect("the profile survives the upgrade");
        assert_eq!(kept.id.as_uuid(), u.id.as_uuid(), "the row id is what the old ciphertext is bound to");
        assert_eq!(kept.contact_preferences.as_deref(), Some(&b"sealed"[..]));
        assert!(store.put_client_contact(kept.id, p.id, u.id, b"again", Timestamp::UNIX_EPOCH).await.unwrap());
        store.close().await;
    }

    async fn reopening_applies_nothing_and_keeps_everything(db: TestDb) {
        let store = db.store().await;
        store.insert_practice(&practice("Harbor")).await.unwrap();
        store.meta_set("mode", "demo").await.unwrap();
        store.meta_set("mode", "serve").await.unwrap();
        store.close().await;
        let again = db.store().await;
        assert_eq!(again.practice_count().await.unwrap(), 1);
        assert_eq!(again.meta_get("mode").await.unwrap().as_deref(), Some("serve"));
        assert_eq!(again.meta_get("absent").await.unwrap(), None);
        again.close().await;
    }

    async fn setup_token_works_once_and_only_until_it_expires(db: TestDb) {
        let store = db.store().await;
        let now = at("2026-03-01T12:00:00Z");
        store.replace_setup_token("old", now, now + SignedDuration::from_hours(24)).await.unwrap();
        store.replace_setup_token("tok", now, now + SignedDuration::from_hours(24)).await.unwrap();
        assert!(!store.setup_token_is_valid("old", now).await.unwrap(), "a newer token replaces older ones");
        assert!(store.setup_token_is_valid("tok", now).await.unwrap());
        assert!(!store.setup_token_is_valid("tok", now + SignedDuration::from_hours(24)).await.unwrap());

        let late = now + SignedDuration::from_hours(25);
        assert!(!store.spend_setup_token("tok", late).await.unwrap(), "an expired token is not spent");
        assert!(store.setup_token_is_valid("tok", now).await.unwrap());
        assert!(store.spend_setup_token("tok", now).await.unwrap());
        assert!(!store.spend_setup_token("tok", now).await.unwrap(), "once only");
        assert!(!store.setup_token_is_valid("tok", now).await.unwrap());
        store.close().await;
    }

    async fn an_email_has_one_account(db: TestDb) {
        let store = db.store().await;
        store.insert_user(&user("same@example.org", "First")).await.unwrap();
        let err = store.insert_user(&user("same@example.org", "Second")).await.unwrap_err();
        assert!(matches!(err, StoreError::EmailTaken), "{err}");
        let record = store.login_record("same@example.org").await.unwrap().unwrap();
        assert!(!record.disabled);
        store.close().await;
    }

    async fn sessions_are_created_touched_and_deleted(db: TestDb) {
        let store = db.store().await;
        let u = user("s@example.org", "S");
        store.insert_user(&u).await.unwrap();
        let t0 = at("2026-03-01T12:00:00Z");
        store.insert_session("hash-1", u.id, t0).await.unwrap();
        let session = store.session("hash-1").await.unwrap().unwrap();
        assert_eq!((session.user_id, session.created_at, session.last_seen_at), (u.id, t0, t0));
        let t1 = t0 + SignedDuration::from_mins(5);
        store.touch_session("hash-1", t1).await.unwrap();
        let session = store.session("hash-1").await.unwrap().unwrap();
        assert_eq!((session.created_at, session.last_seen_at), (t0, t1));
        store.delete_session("hash-1").await.unwrap();
        assert!(store.session("hash-1").await.unwrap().is_none());
        store.close().await;
    }

    async fn upcoming_appointments_show_each_person_their_own(db: TestDb) {
        let store = db.store().await;
        let p = practice("Harbor");
        store.insert_practice(&p).await.unwrap();
        let now = at("2026-11-23T15:00:00Z");
        let clinician = user("c@example.org", "Casey Clinician");
        let partner_a = user("a@example.org", "Avery");
        let partner_b = user("b@example.org", "Blake");
        for (u, role) in [(&clinician, Role::Clinician), (&partner_a, Role::Client), (&partner_b, Role::Client)] {
            store.insert_user(u).await.unwrap();
            store.insert_membership(p.id, u.id, role, now).await.unwrap();
        }
        let couple = NewCase {
            id: CaseId::new(),
            practice_id: p.id,
            clinician_id: clinician.id,
            kind: CaseKind::Couple,
            members: vec![partner_b.id, partner_a.id],
            opened_at: now,
        };
        let individual = NewCase { id: CaseId::new(), kind: CaseKind::Individual, members: vec![partner_a.id], ..couple.clone() };
        store.insert_case(&couple).await.unwrap();
        store.insert_case(&individual).await.unwrap();
        let later = appointment(&p, &couple, "2026-11-30T15:00:00Z", AppointmentStatus::Requested);
        let sooner = appointment(&p, &couple, "2026-11-24T15:00:00Z", AppointmentStatus::Confirmed);
        let solo = appointment(&p, &individual, "2026-11-25T15:00:00Z", AppointmentStatus::Confirmed);
        for a in [
            &later,
            &sooner,
            &solo,
            &appointment(&p, &couple, "2026-11-20T15:00:00Z", AppointmentStatus::Completed),
            &appointment(&p, &couple, "2026-11-26T15:00:00Z", AppointmentStatus::Cancelled),
        ] {
            store.insert_appointment(a).await.unwrap();
        }

        let clinician_view = store.upcoming_for_clinician(clinician.id, now, 10).await.unwrap();
        assert_eq!(clinician_view.iter().map(|a| a.id).collect::<Vec<_>>(), vec![sooner.id, solo.id, later.id]);
        assert_eq!(clinician_view[0].client_names, vec!["Avery", "Blake"]);
        assert_eq!(clinician_view[0].case_kind, CaseKind::Couple);
        assert_eq!(clinician_view[0].status, AppointmentStatus::Confirmed);
        assert_eq!(clinician_view[0].clinician_name, "Casey Clinician");
        assert_eq!(clinician_view[1].client_names, vec!["Avery"]);
        assert_eq!(store.upcoming_for_clinician(clinician.id, now, 1).await.unwrap().len(), 1, "the limit counts appointments, not rows");

        let a_view = store.upcoming_for_client(partner_a.id, now, 10).await.unwrap();
        assert_eq!(a_view.iter().map(|a| a.id).collect::<Vec<_>>(), vec![sooner.id, solo.id, later.id]);
        let b_view = store.upcoming_for_client(partner_b.id, now, 10).await.unwrap();
        assert_eq!(b_view.iter().map(|a| a.id).collect::<Vec<_>>(), vec![sooner.id, later.id], "a partner never sees the other's individual sessions");
        let here = store.upcoming_for_client_in(p.id, partner_a.id, now, 10).await.unwrap();
        assert_eq!(here.iter().map(|a| a.id).collect::<Vec<_>>(), vec![sooner.id, solo.id, later.id]);
        let elsewhere = practice("Elsewhere");
        store.insert_practice(&elsewhere).await.unwrap();
        assert!(store.upcoming_for_client_in(elsewhere.id, partner_a.id, now, 10).await.unwrap().is_empty(), "another practice sees none of them");

        let summary = store.practice_summary(p.id, now).await.unwrap();
        assert_eq!(summary, PracticeSummary { clinicians: 1, clients: 2, open_cases: 2, upcoming_appointments: 3 });
        store.close().await;
    }

    async fn therapist_profiles_list_in_name_order(db: TestDb) {
        let store = db.store().await;
        let p = practice("Harbor");
        store.insert_practice(&p).await.unwrap();
        let other = practice("Elsewhere");
        store.insert_practice(&other).await.unwrap();
        let mut expected = Vec::new();
        for (email, name, at_practice) in [("z@example.org", "Zoe", &p), ("a@example.org", "Ada", &p), ("x@example.org", "Xavier", &other)] {
            let u = user(email, name);
            store.insert_user(&u).await.unwrap();
            let profile = TherapistProfile {
                user_id: u.id,
                practice_id: at_practice.id,
                display_name: name.into(),
                pronouns: "she/her".into(),
                credentials: "LMFT".into(),
                headline: "Couples".into(),
                approach: "Calm and structured.".into(),
                languages: "English".into(),
                offers_in_person: true,
                offers_telehealth: false,
                accepting_new_clients: true,
            };
            store.insert_therapist_profile(&profile).await.unwrap();
            if at_practice.id == p.id {
                expected.push(profile);
            }
        }
        expected.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        assert_eq!(store.therapists(p.id).await.unwrap(), expected, "only this practice's therapists, by name");
        store.close().await;
    }

    async fn a_newer_schema_is_refused_without_changes(db: TestDb) {
        let store = db.store().await;
        store.insert_practice(&practice("Harbor")).await.unwrap();
        store.close().await;
        // Pretend a newer Sensate migrated this database.
        {
            use sqlx::Connection;
            if db.is_postgres() {
                let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
                sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (999, 'future', TRUE, '\\x00'::bytea, 0)").execute(&mut conn).await.unwrap();
            } else {
                let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (999, 'future', 1, x'00', 0)").execute(&mut conn).await.unwrap();
            }
        }
        let Err(error) = sensate_store::connect(&db.url, Migrate::Apply).await else {
            panic!("a database from a newer Sensate must be refused");
        };
        assert!(matches!(error, ConnectError::SchemaTooNew { found: 999, .. }), "{error}");
        assert!(error.to_string().contains("newer than this Sensate knows"));
    }
}

/// Both engines' migrations produce the same tables and columns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_have_the_same_tables_and_columns() {
    let Some(pg) = TestDb::postgres().await else {
        eprintln!("skipped: {} is not set", sensate_testkit::POSTGRES_ENV);
        return;
    };
    let sqlite = TestDb::sqlite();
    let (a, b) = (sqlite.store().await, pg.store().await);
    let (sqlite_columns, pg_columns) = (a.schema_columns().await.unwrap(), b.schema_columns().await.unwrap());
    assert!(sqlite_columns.len() > 30);
    assert_eq!(sqlite_columns, pg_columns);
    a.close().await;
    b.close().await;
}
