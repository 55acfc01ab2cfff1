//! Conformance of identity, audit and client-data storage on both engines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{CaseId, PracticeId, Role, UserId};
use sensate_store::*;
use sensate_testkit::on_both_engines;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

const T0: &str = "2026-03-01T12:00:00Z";

async fn practice(store: &Arc<dyn Store>) -> PracticeId {
    let id = PracticeId::new();
    store
        .insert_practice(&NewPractice { id, name: "Harbor".into(), time_zone: "UTC".into(), created_at: at(T0) })
        .await
        .unwrap();
    id
}

async fn person(store: &Arc<dyn Store>, practice: PracticeId, email: &str, role: Role) -> UserId {
    let id = UserId::new();
    store
        .insert_user(&NewUser {
            id,
            email: email.into(),
            display_name: email.split('@').next().unwrap().into(),
            password_hash: "old-hash".into(),
            created_at: at(T0),
        })
        .await
        .unwrap();
    store.insert_membership(practice, id, role, at(T0)).await.unwrap();
    id
}

fn new_user(email: &str) -> NewUser {
    NewUser {
        id: UserId::new(),
        email: email.into(),
        display_name: "Invited".into(),
        password_hash: "hash".into(),
        created_at: at(T0),
    }
}

fn event(action: &str, outcome: &str) -> AuditEvent {
    AuditEvent {
        at: at(T0),
        actor_id: None,
        practice_id: None,
        action: action.into(),
        record_type: "user".into(),
        record_id: "r1".into(),
        ip: "127.0.0.1".into(),
        outcome: outcome.into(),
    }
}

on_both_engines! {
    async fn an_invitation_creates_one_account_once(db: TestDb) {
        let store = db.store().await;
        let p = practice(&store).await;
        let clinician = person(&store, p, "c@example.org", Role::Clinician).await;
        let case = NewCase { id: CaseId::new(), practice_id: p, clinician_id: clinician, kind: CaseKind::Couple, members: vec![], opened_at: at(T0) };
        store.insert_case(&case).await.unwrap();
        let invitation = |hash: &str, email: &str, role, case_id| NewInvitation {
            token_hash: hash.into(),
            practice_id: p,
            email: email.into(),
            display_name: "Avery".into(),
            role,
            case_id,
            invited_by: clinician,
            created_at: at(T0),
            expires_at: at(T0) + SignedDuration::from_hours(72),
        };
        store.insert_invitation(&invitation("inv-a", "a@example.org", Role::Client, Some(case.id))).await.unwrap();
        store.insert_invitation(&invitation("inv-taken", "c@example.org", Role::Client, Some(case.id))).await.unwrap();

        let open = store.open_invitation("inv-a", at(T0)).await.unwrap().unwrap();
        assert_eq!((open.email.as_str(), open.role, open.case_id, open.practice_name.as_str()), ("a@example.org", Role::Client, Some(case.id), "Harbor"));
        assert!(store.open_invitation("inv-a", at(T0) + SignedDuration::from_hours(72)).await.unwrap().is_none(), "expired");

        let late = at(T0) + SignedDuration::from_hours(73);
        assert!(matches!(store.accept_invitation("inv-a", late, &new_user("a@example.org")).await, Err(StoreError::InvitationInvalid)));

        let avery = new_user("a@example.org");
        store.accept_invitation("inv-a", at(T0), &avery).await.unwrap();
        assert_eq!(store.roles_in(p, avery.id).await.unwrap(), vec![Role::Client]);
        assert_eq!(store.client_facts(p, avery.id).await.unwrap().unwrap().clinicians, vec![clinician]);
        assert!(matches!(store.accept_invitation("inv-a", at(T0), &new_user("again@example.org")).await, Err(StoreError::InvitationInvalid)));
        assert!(store.login_record("again@example.org").await.unwrap().is_none());

        let err = store.accept_invitation("inv-taken", at(T0), &new_user("c@example.org")).await.unwrap_err();
        assert!(matches!(err, StoreError::EmailTaken), "{err}");
        assert!(store.open_invitation("inv-taken", at(T0)).await.unwrap().is_some(), "a failed acceptance spends nothing");

        let list = store.invitations(p, 10).await.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list.iter().filter(|i| i.accepted).count(), 1);
        store.close().await;
    }

    async fn a_reset_link_works_once_and_ends_sessions(db: TestDb) {
        let store = db.store().await;
        let p = practice(&store).await;
        let user = person(&store, p, "r@example.org", Role::Client).await;
        store.insert_session("s1", user, at(T0)).await.unwrap();
        store.insert_password_reset("reset-1", user, at(T0), at(T0) + SignedDuration::from_hours(1)).await.unwrap();
        store.insert_password_reset("reset-2", user, at(T0), at(T0) + SignedDuration::from_hours(1)).await.unwrap();
        assert_eq!(store.consume_password_reset("reset-1", at(T0) + SignedDuration::from_hours(2), "new").await.unwrap(), None, "expired");
        assert_eq!(store.consume_password_reset("reset-1", at(T0), "new-hash").await.unwrap(), Some(user));
        assert_eq!(store.password_hash(user).await.unwrap().as_deref(), Some("new-hash"));
        assert!(store.session("s1").await.unwrap().is_none(), "every session ends");
        assert_eq!(store.consume_password_reset("reset-1", at(T0), "again").await.unwrap(), None, "used");
        assert_eq!(store.consume_password_reset("reset-2", at(T0), "again").await.unwrap(), None, "sibling links die too");
        assert_eq!(store.password_hash(user).await.unwrap().as_deref(), Some("new-hash"));

        store.insert_session("keep", user, at(T0)).await.unwrap();
        store.insert_session("other", user, at(T0)).await.unwrap();
        store.change_password(user, "changed", "keep").await.unwrap();
        assert!(store.session("keep").await.unwrap().is_some());
        assert!(store.session("other").await.unwrap().is_none());

        store.set_disabled(user, Some(at(T0))).await.unwrap();
        assert!(store.session("keep").await.unwrap().is_none(), "disabling ends sessions");
        assert!(store.login_record("r@example.org").await.unwrap().unwrap().disabled);
        store.set_disabled(user, None).await.unwrap();
        assert!(!store.login_record("r@example.org").await.unwrap().unwrap().disabled);
        store.close().await;
    }

    async fn a_totp_step_and_a_recovery_code_work_once(db: TestDb) {
        let store = db.store().await;
        let p = practice(&store).await;
        let user = person(&store, p, "m@example.org", Role::Clinician).await;
        assert!(store.mfa(user).await.unwrap().is_none());
        store.put_mfa_secret(user, b"ciphertext").await.unwrap();
        assert!(!store.use_mfa_step(user, 100).await.unwrap(), "an unconfirmed secret accepts nothing");
        store.confirm_mfa(user, 100, at(T0), &["h1".into(), "h2".into()]).await.unwrap();
        let mfa = store.mfa(user).await.unwrap().unwrap();
        assert!(mfa.confirmed);
        assert_eq!(mfa.last_used_step, Some(100));
        assert!(!store.use_mfa_step(user, 100).await.unwrap(), "the enrolment code cannot be replayed");
        assert!(store.use_mfa_step(user, 101).await.unwrap());
        assert!(!store.use_mfa_step(user, 101).await.unwrap());
        assert!(!store.use_mfa_step(user, 99).await.unwrap(), "an older code after a newer one");
        assert_eq!(store.unused_recovery_codes(user).await.unwrap(), 2);
        assert!(store.use_recovery_code(user, "h1", at(T0)).await.unwrap());
        assert!(!store.use_recovery_code(user, "h1", at(T0)).await.unwrap());
        assert!(!store.use_recovery_code(user, "nope", at(T0)).await.unwrap());
        assert_eq!(store.unused_recovery_codes(user).await.unwrap(), 1);

        store.insert_session("s", user, at(T0)).await.unwrap();
        assert!(!store.session("s").await.unwrap().unwrap().mfa_verified);
        store.mark_session_mfa("s", at(T0)).await.unwrap();
        assert!(store.session("s").await.unwrap().unwrap().mfa_verified);
        store.close().await;
    }

    async fn rate_hits_slide_and_are_forgotten(db: TestDb) {
        let store = db.store().await;
        let t = at(T0);
        for minute in 0..5 {
            store.record_rate_hit("login:ip:1", t + SignedDuration::from_mins(minute), t - SignedDuration::from_mins(15)).await.unwrap();
        }
        assert_eq!(store.rate_hits("login:ip:1", t - SignedDuration::from_mins(1)).await.unwrap(), 5);
        assert_eq!(store.rate_hits("login:ip:1", t + SignedDuration::from_secs(150)).await.unwrap(), 2);
        assert_eq!(store.rate_hits("login:ip:2", t - SignedDuration::from_mins(1)).await.unwrap(), 0);
        store.close().await;
    }

    async fn the_audit_chain_holds_under_concurrency_and_reveals_tampering(db: TestDb) {
        let store = db.store().await;
        let mut tasks = Vec::new();
        for i in 0..24 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move { store.append_audit(&event(&format!("action_{i}"), "allowed")).await.unwrap() }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let chain = store.audit_chain().await.unwrap();
        assert_eq!(chain.len(), 24);
        assert_eq!(verify_chain(&chain), Ok(24));

        let page = store.audit_log(&AuditFilter { limit: 5, ..AuditFilter::default() }).await.unwrap();
        assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![24, 23, 22, 21, 20]);
        let older = store.audit_log(&AuditFilter { limit: 5, before_seq: Some(20), ..AuditFilter::default() }).await.unwrap();
        assert_eq!(older[0].seq, 19);
        store.append_audit(&event("login", "denied")).await.unwrap();
        let denied = store.audit_log(&AuditFilter { limit: 50, outcome: Some("denied".into()), ..AuditFilter::default() }).await.unwrap();
        assert_eq!(denied.len(), 1);

        // The database refuses edits...
        {
            use sqlx::Connection;
            let refused = if db.is_postgres() {
                let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
                sqlx::query("UPDATE audit_log SET outcome = 'allowed' WHERE seq = 25").execute(&mut conn).await.map(|_| ())
            } else {
                let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(&mut conn).await.map(|_| ())
            };
            assert!(refused.unwrap_err().to_string().contains("append-only"));
        }
        // ...and someone who bypasses that (dropping the trigger) is caught by the chain.
        {
            use sqlx::Connection;
            if db.is_postgres() {
                let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
                sqlx::query("DROP TRIGGER audit_log_no_change ON audit_log").execute(&mut conn).await.unwrap();
                sqlx::query("UPDATE audit_log SET ip = '10.9.9.9' WHERE seq = 7").execute(&mut conn).await.unwrap();
            } else {
                let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                sqlx::query("DROP TRIGGER audit_log_no_update").execute(&mut conn).await.unwrap();
                sqlx::query("UPDATE audit_log SET ip = '10.9.9.9' WHERE seq = 7").execute(&mut conn).await.unwrap();
            }
        }
        let broken = verify_chain(&store.audit_chain().await.unwrap()).unwrap_err();
        assert_eq!(broken.seq, 7);
        assert_eq!(broken.reason, "its contents were changed after it was written");
        store.close().await;
    }

    async fn client_facts_name_clinicians_and_partners(db: TestDb) {
        let store = db.store().await;
        let p = practice(&store).await;
        let other_p = practice(&store).await;
        let clinician = person(&store, p, "c@example.org", Role::Clinician).await;
        let a = person(&store, p, "a@example.org", Role::Client).await;
        let b = person(&store, p, "b@example.org", Role::Client).await;
        let stranger = person(&store, other_p, "s@example.org", Role::Client).await;
        store.insert_case(&NewCase { id: CaseId::new(), practice_id: p, clinician_id: clinician, kind: CaseKind::Couple, members: vec![a, b], opened_at: at(T0) }).await.unwrap();
        let facts = store.client_facts(p, a).await.unwrap().unwrap();
        assert_eq!(facts, ClientFacts { clinicians: vec![clinician], partners: vec![b] });
        assert!(store.client_facts(p, stranger).await.unwrap().is_none(), "not a client of this practice");
        assert!(store.client_facts(p, clinician).await.unwrap().is_none(), "not a client at all");
        assert_eq!(store.clients_of(clinician).await.unwrap().iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(), vec!["a", "b"]);

        store.put_client_contact(a, p, b"v1", at(T0)).await.unwrap();
        store.put_client_contact(a, p, b"v2", at(T0)).await.unwrap();
        assert_eq!(store.client_contact(a).await.unwrap().as_deref(), Some(&b"v2"[..]));
        assert_eq!(store.client_contact(b).await.unwrap(), None);

        let note = uuid::Uuid::now_v7();
        store.insert_clinical_note(note, p, a, clinician, b"sealed", at(T0)).await.unwrap();
        assert_eq!(store.clinical_notes_by(a, clinician).await.unwrap()[0].body, b"sealed");
        assert!(store.clinical_notes_by(a, b).await.unwrap().is_empty(), "only the author's notes");

        let contact = store.encrypted_values(EncryptedColumn::ClientContactPreferences).await.unwrap();
        assert_eq!(contact, vec![(a.as_uuid(), b"v2".to_vec())]);
        store.replace_encrypted(EncryptedColumn::ClinicalNoteBody, note, b"resealed").await.unwrap();
        assert_eq!(store.encrypted_values(EncryptedColumn::ClinicalNoteBody).await.unwrap(), vec![(note, b"resealed".to_vec())]);
        store.close().await;
    }
}
