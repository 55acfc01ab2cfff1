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
        .insert_practice(&NewPractice {
            id,
            name: "Harbor".into(),
            time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(),
            created_at: at(T0),
        })
        .await
        .unwrap();
    id
}

async fn person(store: &Arc<dyn Store>, practice: PracticeId, email: &str, role: Role) -> UserId {
    let id = UserId::new();
    store
        .insert_user(&NewUser {
            id,
            email: sensate_domain::Email::parse(email).unwrap(),
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
        email: sensate_domain::Email::parse(email).unwrap(),
        display_name: "Invited".into(),
        password_hash: "hash".into(),
        created_at: at(T0),
    }
}

/// Asserts that a version went up, and remembers it.
fn moved(last: &mut i64, now: i64, what: &str) {
    assert!(now > *last, "{what}: the identity version stayed at {last}");
    *last = now;
}

/// A connection outside the store, as someone with database access would use.
enum Raw {
    Pg(sqlx::PgConnection),
    Lite(sqlx::SqliteConnection),
}

impl Raw {
    async fn run(&mut self, sql: &str) -> Result<(), String> {
        let done = match self {
            Raw::Pg(conn) => sqlx::query(sql).execute(conn).await.map(|_| ()),
            Raw::Lite(conn) => sqlx::query(sql).execute(conn).await.map(|_| ()),
        };
        done.map_err(|e| e.to_string())
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
    async fn an_invitation_is_spent_once_and_its_case_knows_who_has_not_joined(db: TestDb) {
        let store = db.store().await;
        let p = practice(&store).await;
        let clinician = person(&store, p, "c@example.org", Role::Clinician).await;
        let case = NewCase { id: CaseId::new(), practice_id: p, clinician_id: clinician, kind: CaseKind::Couple, members: vec![], opened_at: at(T0) };
        store.insert_case(&case).await.unwrap();
        let made = person(&store, p, "made@example.org", Role::Client).await;
        let invitation = |hash: &str, email: &str, name: &str, account| NewInvitation {
            token_hash: hash.into(),
            practice_id: p,
            email: sensate_domain::Email::parse(email).unwrap(),
            display_name: name.into(),
            role: Role::Client,
            case_id: Some(case.id),
            account,
            invited_by: clinician,
            created_at: at(T0),
            expires_at: at(T0) + SignedDuration::from_hours(72),
        };
        store.insert_invitation(&invitation("inv-a", "a@example.org", "Avery", None)).await.unwrap();
        store.insert_invitation(&invitation("inv-made", "made@example.org", "Made", Some(made))).await.unwrap();

        let open = store.open_invitation("inv-a", at(T0)).await.unwrap().unwrap();
        assert_eq!((open.email.as_str(), open.role, open.case_id, open.account, open.practice_name.as_str()), ("a@example.org", Role::Client, Some(case.id), None, "Harbor"));
        assert_eq!(store.open_invitation("inv-made", at(T0)).await.unwrap().unwrap().account, Some(made));
        assert!(store.open_invitation("inv-a", at(T0) + SignedDuration::from_hours(72)).await.unwrap().is_none(), "expired");
        // Only invitations of people without an account yet wait to be joined.
        let pending = store.pending_case_invitations(case.id).await.unwrap();
        assert_eq!(pending.iter().map(|i| i.display_name.as_str()).collect::<Vec<_>>(), vec!["Avery"]);

        let late = at(T0) + SignedDuration::from_hours(73);
        assert!(!store.spend_invitation("inv-a", late).await.unwrap(), "an expired link is not spent");
        assert!(store.spend_invitation("inv-a", at(T0)).await.unwrap());
        assert!(!store.spend_invitation("inv-a", at(T0)).await.unwrap(), "once only");
        assert!(!store.spend_invitation("unknown", at(T0)).await.unwrap());
        assert!(store.open_invitation("inv-a", at(T0)).await.unwrap().is_none());
        assert!(store.pending_case_invitations(case.id).await.unwrap().is_empty());

        // Joining twice changes nothing the second time.
        let avery = new_user("a@example.org");
        store.insert_user(&avery).await.unwrap();
        for _ in 0..2 {
            store.insert_membership(p, avery.id, Role::Client, at(T0)).await.unwrap();
            store.add_case_member(case.id, avery.id).await.unwrap();
        }
        assert_eq!(store.roles_in(p, avery.id).await.unwrap(), vec![Role::Client]);
        assert_eq!(store.client_facts(p, avery.id).await.unwrap().unwrap().clinicians, vec![clinician]);

        store.set_password_hash(made, "first-hash").await.unwrap();
        assert_eq!(store.password_hash(made).await.unwrap().as_deref(), Some("first-hash"));

        let list = store.invitations(p, 10).await.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list.iter().filter(|i| i.accepted).count(), 1);
        store.close().await;
    }

    async fn a_disabled_role_is_no_role(db: TestDb) {
        let store = db.store().await;
        let (p, q) = (practice(&store).await, practice(&store).await);
        let kim = person(&store, p, "kim@example.org", Role::Client).await;
        store.insert_membership(q, kim, Role::Client, at(T0)).await.unwrap();
        store.insert_session("kim-session", kim, at(T0)).await.unwrap();
        assert_eq!(store.other_practices(p, kim).await.unwrap(), 1);

        store.set_membership_disabled(q, kim, Some(at(T0))).await.unwrap();
        assert_eq!(store.other_practices(p, kim).await.unwrap(), 0, "a disabled role elsewhere does not count");
        assert_eq!(store.memberships(kim).await.unwrap().iter().map(|m| m.practice_id).collect::<Vec<_>>(), vec![p]);
        let signed_in = store.signed_in("kim-session").await.unwrap().unwrap();
        assert_eq!(signed_in.memberships.iter().map(|m| m.practice_id).collect::<Vec<_>>(), vec![p], "the session keeps going without it");
        assert!(store.people(q).await.unwrap()[0].disabled, "listed as disabled in its practice");
        assert!(!store.people(p).await.unwrap()[0].disabled);
        assert_eq!(store.roles_in(q, kim).await.unwrap(), vec![Role::Client], "kept, to be enabled again");

        store.set_membership_disabled(q, kim, None).await.unwrap();
        assert_eq!(store.memberships(kim).await.unwrap().len(), 2);
        store.close().await;
    }

    async fn two_units_of_work_making_one_address_agree_on_one_account(db: TestDb) {
        let store = db.store().await;
        let first = new_user("same@example.org");
        let a = store.begin_write().await.unwrap();
        assert!(a.insert_user_if_new(&first).await.unwrap());
        // B makes the same address while A has not committed: it waits for A
        // (on the unique address in PostgreSQL, the write lock in SQLite)
        // and then finds A's account instead of failing.
        let second = {
            let store = store.clone();
            tokio::spawn(async move {
                let b = store.begin_write().await.unwrap();
                let made = b.insert_user_if_new(&new_user("same@example.org")).await.unwrap();
                let found = b.login_record("same@example.org").await.unwrap().map(|r| r.id);
                b.commit().await.unwrap();
                (made, found)
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        a.commit().await.unwrap();
        assert_eq!(second.await.unwrap(), (false, Some(first.id)));
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
            let attempt = format!("attempt-{minute}");
            store.record_attempt(&["login:ip:1", "login:account:a"], &attempt, t + SignedDuration::from_mins(minute), t - SignedDuration::from_mins(15)).await.unwrap();
        }
        assert_eq!(store.rate_hits("login:ip:1", t - SignedDuration::from_mins(1)).await.unwrap(), 5);
        assert_eq!(store.rate_hits("login:account:a", t - SignedDuration::from_mins(1)).await.unwrap(), 5);
        assert_eq!(store.rate_hits("login:ip:1", t + SignedDuration::from_secs(150)).await.unwrap(), 2);
        assert_eq!(store.rate_hits("login:ip:2", t - SignedDuration::from_mins(1)).await.unwrap(), 0);
        // A forgotten attempt leaves every bucket it was in.
        store.forget_attempt("attempt-4").await.unwrap();
        assert_eq!(store.rate_hits("login:ip:1", t - SignedDuration::from_mins(1)).await.unwrap(), 4);
        assert_eq!(store.rate_hits("login:account:a", t - SignedDuration::from_mins(1)).await.unwrap(), 4);
        // Hits older than the window are forgotten when the bucket is next hit.
        let later = t + SignedDuration::from_mins(30);
        store.record_attempt(&["login:ip:1"], "attempt-late", later, later - SignedDuration::from_mins(15)).await.unwrap();
        assert_eq!(store.rate_hits("login:ip:1", t - SignedDuration::from_mins(1)).await.unwrap(), 1);
        store.close().await;
    }

    async fn the_audit_chain_holds_under_concurrency(db: TestDb) {
        let store = db.store().await;
        let key = AuditKey::new([7; AuditKey::LEN]);
        // Readers' entries: 24 callers at once share commits, each durable on return.
        let mut tasks = Vec::new();
        for i in 0..24 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move { store.append_audit(vec![event(&format!("action_{i}"), "allowed")]).await }));
        }
        // Sealers racing the writers (several app servers) never chain onto the same row.
        let mut sealers = Vec::new();
        for _ in 0..3 {
            let (store, key) = (store.clone(), key.clone());
            sealers.push(tokio::spawn(async move {
                for _ in 0..5 {
                    store.seal_audit(&key).await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        for sealer in sealers {
            sealer.await.unwrap();
        }
        while store.seal_audit(&key).await.unwrap() > 0 {}
        assert_eq!(store.pending_audit_entries().await.unwrap(), 0);
        let chain = store.audit_chain().await.unwrap();
        assert_eq!(chain.len(), 24);
        let head = store.stored_audit_head().await.unwrap();
        let verified = verify_chain(&chain, &key, head.as_deref(), None).unwrap();
        assert_eq!(verified.entries, 24);
        assert_eq!(verified.head, Some(ChainHead { seq: 24, hash: chain[23].hash.clone() }));
        let mut actions: Vec<_> = chain.iter().map(|r| r.event.action.clone()).collect();
        actions.sort();
        actions.dedup();
        assert_eq!(actions.len(), 24, "every entry once");

        let page = store.audit_log(&AuditFilter { limit: 5, ..AuditFilter::default() }).await.unwrap();
        assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![24, 23, 22, 21, 20]);
        let older = store.audit_log(&AuditFilter { limit: 5, before_seq: Some(20), ..AuditFilter::default() }).await.unwrap();
        assert_eq!(older[0].seq, 19);
        store.append_audit(vec![event("login", "denied")]).await.unwrap();
        store.seal_audit(&key).await.unwrap();
        let denied = store.audit_log(&AuditFilter { limit: 50, outcome: Some("denied".into()), ..AuditFilter::default() }).await.unwrap();
        assert_eq!(denied.len(), 1);
        store.close().await;
    }

    async fn a_unit_of_work_commits_its_audit_entries_with_its_changes_or_neither(db: TestDb) {
        let store = db.store().await;
        let p = NewPractice { id: PracticeId::new(), name: "Kept".into(), time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(), created_at: at(T0) };
        let uow = store.begin_write().await.unwrap();
        uow.insert_practice(&p).await.unwrap();
        uow.audit(event("create_practice", "allowed"));
        drop(uow); // a failure before commit
        assert!(store.practice(p.id).await.unwrap().is_none(), "the change rolled back");
        assert_eq!(store.pending_audit_entries().await.unwrap(), 0, "and its entry with it");

        let uow = store.begin_write().await.unwrap();
        uow.insert_practice(&p).await.unwrap();
        uow.audit(event("create_practice", "allowed"));
        uow.commit().await.unwrap();
        assert!(store.practice(p.id).await.unwrap().is_some());
        assert_eq!(store.pending_audit_entries().await.unwrap(), 1, "committed together");

        // A read unit of work writes its entries durably when it commits.
        let uow = store.begin_read().await.unwrap();
        assert!(uow.practice(p.id).await.unwrap().is_some());
        uow.audit(event("view_practice", "allowed"));
        uow.commit().await.unwrap();
        assert_eq!(store.pending_audit_entries().await.unwrap(), 2);
        store.close().await;
    }

    async fn a_signed_in_request_reads_session_person_and_roles_in_one_go(db: TestDb) {
        let store = db.store().await;
        assert!(store.signed_in("nobody").await.unwrap().is_none());
        let harbor = practice(&store).await;
        let other = PracticeId::new();
        store.insert_practice(&NewPractice { id: other, name: "Alder".into(), time_zone: sensate_domain::TimeZoneName::parse("America/Chicago").unwrap(), created_at: at(T0) }).await.unwrap();
        let therapist = person(&store, harbor, "t@example.org", Role::Clinician).await;
        store.insert_membership(harbor, therapist, Role::Admin, at(T0)).await.unwrap();
        store.insert_membership(other, therapist, Role::Clinician, at(T0)).await.unwrap();
        store.insert_session("s1", therapist, at(T0)).await.unwrap();
        store.mark_session_mfa("s1", at(T0)).await.unwrap();
        let found = store.signed_in("s1").await.unwrap().unwrap();
        assert_eq!((found.session.user_id, found.session.mfa_verified), (therapist, true));
        assert_eq!((found.user.email.as_str(), found.user.disabled), ("t@example.org", false));
        let roles: Vec<(&str, Role, &str)> =
            found.memberships.iter().map(|m| (m.practice_name.as_str(), m.role, m.practice_time_zone.as_str())).collect();
        assert_eq!(roles, vec![("Alder", Role::Clinician, "America/Chicago"), ("Harbor", Role::Admin, "UTC"), ("Harbor", Role::Clinician, "UTC")]);

        // Someone with no role anywhere still has their session and account.
        let loner_user = new_user("l@example.org");
        let loner = loner_user.id;
        store.insert_user(&loner_user).await.unwrap();
        store.insert_session("s2", loner, at(T0)).await.unwrap();
        let found = store.signed_in("s2").await.unwrap().unwrap();
        assert_eq!((found.user.id, found.session.mfa_verified, found.memberships.len()), (loner, false, 0));
        store.close().await;
    }

    async fn every_change_to_what_a_session_stands_for_moves_the_identity_version(db: TestDb) {
        let store = db.store().await;
        let harbor = practice(&store).await;
        let mut last = store.versions().await.unwrap().identity;
        let therapist = person(&store, harbor, "t@example.org", Role::Clinician).await;
        moved(&mut last, store.versions().await.unwrap().identity, "an account with a role");
        store.insert_session("s1", therapist, at(T0)).await.unwrap();
        store.insert_session("s2", therapist, at(T0)).await.unwrap();
        let signed_in = store.versions().await.unwrap().identity;
        assert_eq!(signed_in, last, "a new session changes no kept session");
        store.touch_session("s1", at(T0) + SignedDuration::from_mins(5)).await.unwrap();
        assert_eq!(store.versions().await.unwrap().identity, last, "activity is not a change of who is signed in");
        store.mark_session_mfa("s1", at(T0)).await.unwrap();
        moved(&mut last, store.versions().await.unwrap().identity, "the second step passed");
        store.delete_session("s2").await.unwrap();
        moved(&mut last, store.versions().await.unwrap().identity, "signed out");
        store.set_password_hash(therapist, "new-hash").await.unwrap();
        moved(&mut last, store.versions().await.unwrap().identity, "a new password");
        store.set_membership_disabled(harbor, therapist, Some(at(T0))).await.unwrap();
        moved(&mut last, store.versions().await.unwrap().identity, "a role ended");
        store.set_disabled(therapist, Some(at(T0))).await.unwrap();
        moved(&mut last, store.versions().await.unwrap().identity, "an account disabled");
        let mut record = store.practice(harbor).await.unwrap().unwrap();
        record.time_zone = sensate_domain::TimeZoneName::parse("America/Chicago").unwrap();
        store.update_practice_settings(&record, 24).await.unwrap();
        moved(&mut last, store.versions().await.unwrap().identity, "the practice's zone");
        // A unit of work that is rolled back moves nothing.
        let uow = store.begin_write().await.unwrap();
        uow.insert_membership(harbor, therapist, Role::Admin, at(T0)).await.unwrap();
        drop(uow);
        assert_eq!(store.versions().await.unwrap().identity, last, "a rolled-back change");
        store.close().await;
    }

    async fn an_entry_that_commits_after_a_later_one_is_still_sealed(db: TestDb) {
        let store = db.store().await;
        let key = AuditKey::new([3; AuditKey::LEN]);
        if db.is_postgres() {
            use sqlx::Connection;
            // Ids are taken at insert, not at commit: A takes the smaller id,
            // B the larger and commits; the sealer reads only B's entry, and
            // A commits while the sealer is still at work (held at its insert
            // into the chain by a table lock). A's entry must stay pending.
            // (On SQLite a unit of work holds the one write lock, so this
            // cannot interleave.)
            let a = store.begin_write().await.unwrap();
            a.write_audit_entries(&[event("first_taken", "allowed")]).await.unwrap();
            store.append_audit(vec![event("committed_first", "allowed")]).await.unwrap();
            let mut blocker = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query("BEGIN").execute(&mut blocker).await.unwrap();
            sqlx::query("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE").execute(&mut blocker).await.unwrap();
            let sealer = {
                let (store, key) = (store.clone(), key.clone());
                tokio::spawn(async move { store.seal_audit(&key).await.unwrap() })
            };
            let mut watcher = sqlx::PgConnection::connect(&db.url).await.unwrap();
            for _ in 0..500 {
                let waiting: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                     WHERE NOT l.granted AND c.relname = 'audit_log'",
                )
                .fetch_one(&mut watcher)
                .await
                .unwrap();
                if waiting > 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            a.commit().await.unwrap();
            sqlx::query("COMMIT").execute(&mut blocker).await.unwrap();
            assert_eq!(sealer.await.unwrap(), 1);
        } else {
            store.append_audit(vec![event("committed_first", "allowed")]).await.unwrap();
            assert_eq!(store.seal_audit(&key).await.unwrap(), 1);
            store.append_audit(vec![event("first_taken", "allowed")]).await.unwrap();
        }
        assert_eq!(store.pending_audit_entries().await.unwrap(), 1, "the late entry waits, it is not dropped");
        assert_eq!(store.seal_audit(&key).await.unwrap(), 1);
        let chain = store.audit_chain().await.unwrap();
        let actions: Vec<&str> = chain.iter().map(|r| r.event.action.as_str()).collect();
        assert_eq!(actions, ["committed_first", "first_taken"]);
        let head = store.stored_audit_head().await.unwrap();
        assert!(verify_chain(&chain, &key, head.as_deref(), None).is_ok());
        store.close().await;
    }

    async fn tampering_with_the_audit_chain_is_found(db: TestDb) {
        use sqlx::Connection;
        let store = db.store().await;
        let key = AuditKey::new([9; AuditKey::LEN]);
        let events: Vec<AuditEvent> = (1..=8).map(|i| event(&format!("action_{i}"), "allowed")).collect();
        store.append_audit(events).await.unwrap();
        store.seal_audit(&key).await.unwrap();
        let good = store.audit_chain().await.unwrap();
        let good_head = store.stored_audit_head().await.unwrap();
        let recorded = verify_chain(&good, &key, good_head.as_deref(), None).unwrap().head.unwrap();
        let check = |records: &[AuditRecord], head: Option<&str>| verify_chain(records, &key, head, None).unwrap_err();

        // The database refuses edits...
        let raw = || async {
            if db.is_postgres() {
                Raw::Pg(sqlx::PgConnection::connect(&db.url).await.unwrap())
            } else {
                Raw::Lite(sqlx::SqliteConnection::connect(&db.url).await.unwrap())
            }
        };
        let refused = raw().await.run("UPDATE audit_log SET outcome = 'denied' WHERE seq = 3").await;
        assert!(refused.unwrap_err().contains("append-only"));
        let refused = raw().await.run("DELETE FROM audit_log WHERE seq = 8").await;
        assert!(refused.unwrap_err().contains("append-only"));

        // ...and someone who bypasses that (dropping the triggers) is caught by the chain.
        let mut conn = raw().await;
        if db.is_postgres() {
            conn.run("DROP TRIGGER audit_log_no_change ON audit_log").await.unwrap();
        } else {
            conn.run("DROP TRIGGER audit_log_no_update").await.unwrap();
            conn.run("DROP TRIGGER audit_log_no_delete").await.unwrap();
        }

        // An edit, even with the unkeyed hash recomputed as entries once were.
        let mut edited = good.clone();
        edited[6].event.ip = "10.9.9.9".into();
        edited[6].hash = sensate_store::audit::legacy_hash(7, &edited[6].event, &edited[6].prev_hash);
        edited[6].scheme = sensate_store::audit::SCHEME_LEGACY;
        let broken = check(&edited, good_head.as_deref());
        assert_eq!((broken.seq, broken.reason), (7, "it claims a hash scheme it may not have"));
        conn.run("UPDATE audit_log SET ip = '10.9.9.9' WHERE seq = 7").await.unwrap();
        let broken = check(&store.audit_chain().await.unwrap(), good_head.as_deref());
        assert_eq!((broken.seq, broken.reason), (7, "its contents were changed after it was written"));
        conn.run("UPDATE audit_log SET ip = '127.0.0.1' WHERE seq = 7").await.unwrap();
        assert!(verify_chain(&store.audit_chain().await.unwrap(), &key, good_head.as_deref(), None).is_ok());

        // A deletion in the middle.
        let mut deleted = good.clone();
        deleted.remove(4);
        let broken = check(&deleted, good_head.as_deref());
        assert_eq!((broken.seq, broken.reason), (6, "an entry is missing or out of order"));

        // Reordering: two entries swap places, numbers and all.
        conn.run("UPDATE audit_log SET seq = 100 WHERE seq = 2").await.unwrap();
        conn.run("UPDATE audit_log SET seq = 2 WHERE seq = 3").await.unwrap();
        conn.run("UPDATE audit_log SET seq = 3 WHERE seq = 100").await.unwrap();
        let broken = check(&store.audit_chain().await.unwrap(), good_head.as_deref());
        assert_eq!((broken.seq, broken.reason), (2, "it does not link to the entry before it"));
        conn.run("UPDATE audit_log SET seq = 100 WHERE seq = 3").await.unwrap();
        conn.run("UPDATE audit_log SET seq = 3 WHERE seq = 2").await.unwrap();
        conn.run("UPDATE audit_log SET seq = 2 WHERE seq = 100").await.unwrap();

        // Truncating the newest entries: the stored head names one that is gone...
        conn.run("DELETE FROM audit_log WHERE seq >= 7").await.unwrap();
        let broken = check(&store.audit_chain().await.unwrap(), good_head.as_deref());
        assert_eq!(broken.reason, "the chain does not end where the sealer left it (newest entries removed or added)");
        // ...a head forged to match needs the key...
        let forged = format!("6:{}:{}", store.audit_chain().await.unwrap()[5].hash, "0".repeat(64));
        let broken = check(&store.audit_chain().await.unwrap(), Some(&forged));
        assert_eq!(broken.reason, "the stored head was not written by this installation");
        // ...removing the head is noticed...
        let broken = check(&store.audit_chain().await.unwrap(), None);
        assert_eq!(broken.reason, "the stored head is missing");
        // ...and even a head sealed with the key for the shorter chain (an
        // insider who holds it) fails against the head the operator recorded.
        let shorter = store.audit_chain().await.unwrap();
        let insider_head = sensate_store::audit::sealed_head(&key, &ChainHead { seq: 6, hash: shorter[5].hash.clone() });
        assert!(verify_chain(&shorter, &key, Some(&insider_head), None).is_ok());
        let broken = verify_chain(&shorter, &key, Some(&insider_head), Some(&recorded)).unwrap_err();
        assert_eq!((broken.seq, broken.reason), (8, "the head recorded earlier is no longer in the chain"));

        // A chain under another installation's key does not verify.
        let other = AuditKey::new([1; AuditKey::LEN]);
        let broken = verify_chain(&good, &other, good_head.as_deref(), None).unwrap_err();
        assert_eq!((broken.seq, broken.reason), (1, "its contents were changed after it was written"));
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

        let profile = sensate_domain::ClientProfileId::new();
        assert!(store.put_client_contact(profile, p, a, b"v1", at(T0)).await.unwrap());
        assert!(store.put_client_contact(profile, p, a, b"v2", at(T0)).await.unwrap());
        assert_eq!(store.client_profile(p, a).await.unwrap(), Some(ClientProfile { id: profile, contact_preferences: Some(b"v2".to_vec()) }));
        assert_eq!(store.client_profile(p, b).await.unwrap(), None);
        // Another practice keeps its own, and a second profile of one practice is refused.
        let elsewhere = sensate_domain::ClientProfileId::new();
        assert!(store.put_client_contact(elsewhere, other_p, a, b"other", at(T0)).await.unwrap());
        assert_eq!(store.client_profile(other_p, a).await.unwrap().unwrap().contact_preferences.as_deref(), Some(&b"other"[..]));
        assert!(!store.put_client_contact(sensate_domain::ClientProfileId::new(), p, a, b"race", at(T0)).await.unwrap());
        assert_eq!(store.client_profile(p, a).await.unwrap().unwrap().contact_preferences.as_deref(), Some(&b"v2"[..]));

        let note = sensate_domain::NoteId::new();
        store.insert_clinical_note(note, p, a, clinician, b"sealed", at(T0)).await.unwrap();
        assert_eq!(store.clinical_notes_by(a, clinician).await.unwrap()[0].body, b"sealed");
        assert!(store.clinical_notes_by(a, b).await.unwrap().is_empty(), "only the author's notes");

        let contact = store.encrypted_values(EncryptedColumn::ClientContactPreferences).await.unwrap();
        let mut expected = vec![(profile.as_uuid(), b"v2".to_vec()), (elsewhere.as_uuid(), b"other".to_vec())];
        expected.sort();
        let mut contact = contact;
        contact.sort();
        assert_eq!(contact, expected);
        store.replace_encrypted(EncryptedColumn::ClinicalNoteBody, note.as_uuid(), b"resealed").await.unwrap();
        assert_eq!(store.encrypted_values(EncryptedColumn::ClinicalNoteBody).await.unwrap(), vec![(note.as_uuid(), b"resealed".to_vec())]);
        store.close().await;
    }
}
