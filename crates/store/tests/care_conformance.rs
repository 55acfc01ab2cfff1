//! Cases on both engines: their status moves compare-and-set, a couple's
//! policy is kept, the care team is kept per case, co-therapists count as
//! treating the case's clients, cases open before version 22 were under
//! way (active), and releases of information are signed once and revoked
//! once, by their signer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use jiff::Timestamp;
use sensate_domain::care::consent::ConsentKind;
use sensate_domain::care::release::{ReleaseTerms, SharedInformation};
use sensate_domain::care::{CareRole, CaseStatus, ConfidentialityPolicy};
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{CaseId, PracticeId, ReleaseId, Role, SignatureId, UserId};
use sensate_store::*;
use sensate_testkit::on_both_engines;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn practice(store: &Arc<dyn Store>) -> PracticeId {
    let id = PracticeId::new();
    let practice = NewPractice {
        id,
        name: "Harbor".into(),
        time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
        created_at: at("2026-01-01T00:00:00Z"),
    };
    store.insert_practice(&practice).await.unwrap();
    id
}

async fn person(store: &Arc<dyn Store>, practice: PracticeId, name: &str, role: Role) -> UserId {
    let id = UserId::new();
    store
        .insert_user(&NewUser {
            id,
            email: sensate_domain::Email::parse(&format!("{id}@harbor.example")).unwrap(),
            display_name: name.into(),
            password_hash: "x".into(),
            created_at: at("2026-01-01T00:00:00Z"),
        })
        .await
        .unwrap();
    store.insert_membership(practice, id, role, at("2026-01-01T00:00:00Z")).await.unwrap();
    id
}

on_both_engines! {
    async fn a_case_moves_keeps_its_policy_and_its_team(db: TestDb) {
        let store = db.store().await;
        let practice = practice(&store).await;
        let dana = person(&store, practice, "Dana Therapist", Role::Clinician).await;
        let eli = person(&store, practice, "Eli Therapist", Role::Clinician).await;
        let fay = person(&store, practice, "Fay Supervisor", Role::Clinician).await;
        let robin = person(&store, practice, "Robin Client", Role::Client).await;
        let alex = person(&store, practice, "Alex Client", Role::Client).await;
        let case = CaseId::new();
        let new = NewCase { id: case, practice_id: practice, clinician_id: dana, kind: CaseKind::Couple, members: vec![robin, alex], opened_at: at("2026-02-01T10:00:00Z") };
        store.insert_case(&new).await.unwrap();

        let record = store.case_record(case).await.unwrap().unwrap();
        assert_eq!((record.status, record.confidentiality, record.status_changed_at), (CaseStatus::Intake, None, None), "a new case starts at intake");
        assert_eq!((record.primary, record.primary_name.as_str(), record.kind), (dana, "Dana Therapist", CaseKind::Couple));
        assert_eq!(record.clients, vec![(alex, "Alex Client".to_string()), (robin, "Robin Client".to_string())]);
        assert!(record.team.is_empty());
        assert_eq!(store.case_record(CaseId::new()).await.unwrap(), None);

        // Compare-and-set: a change from a status the case no longer has writes nothing.
        let moved = at("2026-02-08T10:00:00Z");
        assert!(store.set_confidentiality(case, ConfidentialityPolicy::NoSecrets).await.unwrap());
        assert!(store.change_case_status(case, CaseStatus::Intake, CaseStatus::Active, moved).await.unwrap());
        assert!(!store.change_case_status(case, CaseStatus::Intake, CaseStatus::Paused, moved).await.unwrap());
        let record = store.case_record(case).await.unwrap().unwrap();
        assert_eq!((record.status, record.confidentiality, record.status_changed_at), (CaseStatus::Active, Some(ConfidentialityPolicy::NoSecrets), Some(moved)));

        // The team: once each; a co-therapist treats the case's clients, a supervisor does not.
        assert!(store.add_to_care_team(case, eli, CareRole::CoTherapist, moved).await.unwrap());
        assert!(store.add_to_care_team(case, fay, CareRole::Supervisor, moved).await.unwrap());
        assert!(!store.add_to_care_team(case, fay, CareRole::CoTherapist, moved).await.unwrap(), "on the team already");
        let team: Vec<(UserId, CareRole)> = store.case_record(case).await.unwrap().unwrap().team.iter().map(|m| (m.user, m.role)).collect();
        assert_eq!(team, vec![(eli, CareRole::CoTherapist), (fay, CareRole::Supervisor)]);
        let facts = store.client_facts(practice, robin).await.unwrap().unwrap();
        let mut treating = vec![dana, eli];
        treating.sort_by_key(|id| id.as_uuid());
        assert_eq!(facts.clinicians, treating);
        assert_eq!(store.clients_of(eli).await.unwrap().len(), 2, "a co-therapist's clients include the case's");
        assert!(store.clients_of(fay).await.unwrap().is_empty(), "a supervisor treats nobody");
        assert!(store.remove_from_care_team(case, eli).await.unwrap());
        assert!(!store.remove_from_care_team(case, eli).await.unwrap());
        assert_eq!(store.client_facts(practice, robin).await.unwrap().unwrap().clinicians, vec![dana]);

        let listed = store.cases_of_client(practice, robin).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].id, listed[0].status, listed[0].primary_name.as_str()), (case, CaseStatus::Active, "Dana Therapist"));
        assert!(store.cases_of_client(PracticeId::new(), robin).await.unwrap().is_empty());
        store.close().await;
    }

    async fn cases_open_before_version_22_were_under_way(db: TestDb) {
        let old = sensate_store::connect(&db.url, Migrate::To(21)).await.unwrap();
        let practice = practice(&old).await;
        let dana = person(&old, practice, "Dana Therapist", Role::Clinician).await;
        let robin = person(&old, practice, "Robin Client", Role::Client).await;
        old.close().await;
        let (open, closed) = (CaseId::new(), CaseId::new());
        let insert = "INSERT INTO cases (id, practice_id, clinician_id, kind, status, opened_at) VALUES ($1, $2, $3, 'individual', $4, 0)";
        let member = "INSERT INTO case_members (case_id, client_id) VALUES ($1, $2)";
        if db.is_postgres() {
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
            for (case, status) in [(open, "open"), (closed, "discharged")] {
                sqlx::query(insert).bind(case.as_uuid()).bind(practice.as_uuid()).bind(dana.as_uuid()).bind(status).execute(&mut conn).await.unwrap();
                sqlx::query(member).bind(case.as_uuid()).bind(robin.as_uuid()).execute(&mut conn).await.unwrap();
            }
        } else {
            let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
            for (case, status) in [(open, "open"), (closed, "discharged")] {
                sqlx::query(insert).bind(case.as_uuid()).bind(practice.as_uuid()).bind(dana.as_uuid()).bind(status).execute(&mut conn).await.unwrap();
                sqlx::query(member).bind(case.as_uuid()).bind(robin.as_uuid()).execute(&mut conn).await.unwrap();
            }
        }
        let store = db.store().await;
        assert_eq!(store.case_record(open).await.unwrap().unwrap().status, CaseStatus::Active);
        assert_eq!(store.case_record(closed).await.unwrap().unwrap().status, CaseStatus::Discharged);
        assert_eq!(store.case_record(open).await.unwrap().unwrap().clients, vec![(robin, "Robin Client".to_string())], "members kept");
        assert_eq!(store.client_facts(practice, robin).await.unwrap().unwrap().clinicians, vec![dana], "the open one still treats");
        store.close().await;
    }

    async fn releases_are_signed_once_revoked_once_and_older_signatures_survive(db: TestDb) {
        // A signature from before version 26, when consent tables were rebuilt.
        let old = sensate_store::connect(&db.url, Migrate::To(25)).await.unwrap();
        let practice = practice(&old).await;
        let dana = person(&old, practice, "Dana Therapist", Role::Clinician).await;
        let robin = person(&old, practice, "Robin Client", Role::Client).await;
        let case = CaseId::new();
        let new = NewCase { id: case, practice_id: practice, clinician_id: dana, kind: CaseKind::Individual, members: vec![robin], opened_at: at("2026-02-01T10:00:00Z") };
        old.insert_case(&new).await.unwrap();
        old.close().await;
        let earlier = SignatureId::new();
        let insert = "INSERT INTO consent_signatures (id, practice_id, signer_id, case_id, scope, kind, version, signed_text, \
            text_sha256, typed_name, signed_at, ip, user_agent, recently_verified) \
            VALUES ($1, $2, $3, NULL, '', 'sex_therapy', 0, 'Consent', 'abc', 'Robin Client', 1770000000, '127.0.0.1', 'Browser', $4)";
        if db.is_postgres() {
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
            sqlx::query(insert).bind(earlier.as_uuid()).bind(practice.as_uuid()).bind(robin.as_uuid()).bind(true).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
            sqlx::query(insert).bind(earlier.as_uuid()).bind(practice.as_uuid()).bind(robin.as_uuid()).bind(true).execute(&mut conn).await.unwrap();
        }
        let store = db.store().await;
        let kept = store.signature(earlier).await.unwrap().unwrap();
        assert_eq!((kept.kind, kept.typed_name.as_str(), kept.recently_verified), (ConsentKind::SexTherapy, "Robin Client", true));
        assert_eq!((kept.release_id, kept.revoked_at), (None, None));

        // A release reads back as asked.
        let terms = ReleaseTerms {
            recipient: "Dr. Lee, primary care physician".into(),
            shared: vec![SharedInformation::Attendance, SharedInformation::Scores],
            purpose: "Ruling out a physical cause".into(),
            expires_on: jiff::civil::date(2027, 6, 30),
        };
        let release = Release { id: ReleaseId::new(), practice_id: practice, case_id: case, terms, requested_by: dana, requested_at: at("2026-03-01T10:00:00Z") };
        store.insert_release(&release).await.unwrap();
        assert_eq!(store.releases_of_case(case).await.unwrap(), vec![release.clone()]);
        assert!(store.releases_of_case(CaseId::new()).await.unwrap().is_empty());

        // Signed once; revoked by its signer only, and once.
        let signature = Signature {
            id: SignatureId::new(),
            practice_id: practice,
            signer: robin,
            case_id: Some(case),
            kind: ConsentKind::Release,
            version: 0,
            signed_text: "Release of information".into(),
            text_sha256: "def".into(),
            typed_name: "Robin Client".into(),
            signed_at: at("2026-03-02T10:00:00Z"),
            ip: "127.0.0.1".into(),
            user_agent: "Browser".into(),
            recently_verified: false,
            release_id: Some(release.id),
            revoked_at: None,
        };
        assert!(store.insert_signature(&signature).await.unwrap());
        assert!(!store.insert_signature(&Signature { id: SignatureId::new(), ..signature.clone() }).await.unwrap(), "once per text");
        let when = at("2026-04-01T09:00:00Z");
        assert!(!store.revoke_signature(signature.id, dana, when).await.unwrap(), "not the signer");
        assert!(!store.revoke_signature(earlier, robin, when).await.unwrap(), "not a release");
        assert!(store.revoke_signature(signature.id, robin, when).await.unwrap());
        assert!(!store.revoke_signature(signature.id, robin, at("2026-04-02T09:00:00Z")).await.unwrap(), "once");
        let read = store.signature(signature.id).await.unwrap().unwrap();
        assert_eq!(read, Signature { revoked_at: Some(when), ..signature });
        store.close().await;
    }

    async fn encrypted_values_are_read_a_page_at_a_time_in_row_order(db: TestDb) {
        let store = db.store().await;
        let practice = practice(&store).await;
        let mut rows = Vec::new();
        for n in 0..5 {
            let client = person(&store, practice, &format!("Client {n}"), Role::Client).await;
            let profile = sensate_domain::ClientProfileId::new();
            assert!(store.put_client_contact(profile, practice, client, &[n], at("2026-01-01T00:00:00Z")).await.unwrap());
            rows.push(profile.as_uuid());
        }
        rows.sort();
        let column = EncryptedColumn::ClientContactPreferences;
        let mut after = None;
        let mut seen = Vec::new();
        loop {
            let page = store.encrypted_values_after(column, after, 2).await.unwrap();
            assert!(page.len() <= 2);
            let Some((last, _)) = page.last() else { break };
            after = Some(*last);
            seen.extend(page.into_iter().map(|(row, _)| row));
        }
        assert_eq!(seen, rows, "every row once, in order");
        let all: Vec<uuid::Uuid> = store.encrypted_values(column).await.unwrap().into_iter().map(|(row, _)| row).collect();
        assert_eq!(all, rows);
        store.close().await;
    }
}
