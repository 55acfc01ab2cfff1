//! Identity flows end to end over HTTP, with mail delivered to a real SMTP
//! sink: password reset, staff and couple invitations, rate limits,
//! disabling, one-time codes, password change, unreadable input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use sensate_app::infra::hashing::HashingPolicy;
use sensate_domain::totp::{code_at, step_of};
use sensate_testkit::smtp_sink::SmtpSink;
use sensate_testkit::{
    LAKESIDE, TestApp, TestDb, Tweak, on_both_engines, spawn_app, spawn_app_with, spawn_app_with_mail,
};

const OWNER_PASSWORD: &str = "a calm harbor at dawn";

/// The first `http…` link in a mail body.
fn link_in(body: &str) -> String {
    let start = body.find("http").expect("a link in the mail");
    body[start..].split_whitespace().next().unwrap().to_string()
}

fn path_of(app: &TestApp, link: &str) -> String {
    link.strip_prefix(&app.base_url).expect("links point at this server").to_string()
}

on_both_engines! {
    async fn without_smtp_a_reset_email_fails_once_for_good_and_is_purged_a_month_later(db: TestDb) {
        let app = spawn_app(db).await;
        app.set_up_practice(&LAKESIDE).await;
        let asked = app.post_form(&TestApp::new_client(), "/forgot-password", &[("email", LAKESIDE.email)]).await;
        assert_eq!(asked.status(), 200, "answered as always");
        // The job runner meets no SMTP server: the email fails for good at
        // once, instead of waiting and trying again (and warning each time).
        let mut jobs = Vec::new();
        for _ in 0..100 {
            app.run_due_jobs().await;
            jobs = app.store().jobs_of_kind(sensate_app::identity::passwords::RESET_JOB).await.unwrap();
            if jobs.iter().all(|job| job.status == sensate_store::JobStatus::Failed) && !jobs.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].status, sensate_store::JobStatus::Failed);
        assert_eq!((jobs[0].attempts, jobs[0].last_error.as_deref()), (1, Some("mail_not_configured")));
        app.clock.advance(SignedDuration::from_hours(2));
        app.run_due_jobs().await;
        let again = app.store().jobs_of_kind(sensate_app::identity::passwords::RESET_JOB).await.unwrap();
        assert_eq!(again[0].attempts, 1, "not tried again");
        // A month on, the finished job is purged (docs/OPERATIONS.md, retention).
        app.clock.advance(SignedDuration::from_hours(31 * 24));
        app.run_due_jobs().await;
        assert!(app.store().jobs_of_kind(sensate_app::identity::passwords::RESET_JOB).await.unwrap().is_empty());
        app.stop().await;
    }
    async fn a_forgotten_password_is_reset_by_an_emailed_link(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        let (owner, _) = app.set_up_practice(&LAKESIDE).await;

        let visitor = TestApp::new_client();
        for email in ["nobody@lakeside.example", "ines@lakeside.example"] {
            let response = app.post_form(&visitor, "/forgot-password", &[("email", email)]).await;
            assert_eq!(response.status(), 200);
            assert!(response.text().await.unwrap().contains("If that address belongs to an account"), "the same answer for both");
        }
        let mails = sink.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(mails.len(), 1, "mail only for the address with an account");
        // The answer did not wait for the mail: the job runner sent it, so
        // both addresses got the same work before their answer.
        let jobs = app.store().jobs_of_kind("password_reset").await.unwrap();
        let ines = app.store().login_record("ines@lakeside.example").await.unwrap().unwrap().id;
        assert_eq!(jobs.iter().map(|j| j.payload.clone()).collect::<Vec<_>>(), vec![ines.to_string()], "ids only in the queue");
        // Audited once the job is marked done, a moment after the mail left.
        let mut sent = 0;
        for _ in 0..100 {
            sent = app.audit_chain().await.into_iter().filter(|e| e.event.action == "send_password_reset").count();
            if sent > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(sent, 1, "the sent link is audited");
        assert_eq!(mails[0].to, vec!["ines@lakeside.example"]);
        assert_eq!(mails[0].subject(), "Reset your password");
        mails[0].assert_discreet();
        assert!(!mails[0].body().to_lowercase().contains("therapy"), "discreet wording");
        let link = link_in(&mails[0].body());
        assert!(link.starts_with(&format!("{}/reset-password?token=", app.base_url)));

        let path = path_of(&app, &link);
        let token = path.split("token=").nth(1).unwrap().to_string();
        let form = visitor.get(app.url(&path)).send().await.unwrap();
        assert_eq!(form.status(), 200);
        let mismatch = app.post_form(&visitor, "/reset-password", &[("token", &token), ("password", "a brand new phrase"), ("password_confirm", "a different phrase")]).await;
        assert_eq!(mismatch.status(), 422);
        let done = app.post_form(&visitor, "/reset-password", &[("token", &token), ("password", "a brand new phrase"), ("password_confirm", "a brand new phrase")]).await;
        assert_eq!(done.status(), 200);
        assert!(done.text().await.unwrap().contains("Your password was changed."));

        assert_eq!(owner.get(app.url("/dashboard")).send().await.unwrap().headers()["location"], "/login", "every session ended");
        let again = app.post_form(&visitor, "/reset-password", &[("token", &token), ("password", "yet another phrase"), ("password_confirm", "yet another phrase")]).await;
        assert_eq!(again.status(), 404, "the link works once");
        let old = app.post_form(&TestApp::new_client(), "/login", &[("email", "ines@lakeside.example"), ("password", OWNER_PASSWORD)]).await;
        assert_eq!(old.status(), 401);
        app.login(&TestApp::new_client(), "ines@lakeside.example", "a brand new phrase").await;

        // A link older than an hour is refused.
        app.post_form(&visitor, "/forgot-password", &[("email", "ines@lakeside.example")]).await;
        let late = link_in(&sink.wait_for(2, Duration::from_secs(10)).await[1].body());
        app.clock.advance(SignedDuration::from_mins(61));
        let token = late.split("token=").nth(1).unwrap();
        let expired = app.post_form(&visitor, "/reset-password", &[("token", token), ("password", "a brand new phrase 2"), ("password_confirm", "a brand new phrase 2")]).await;
        assert_eq!(expired.status(), 404);
        assert!(expired.text().await.unwrap().contains("This link is not valid"));
        app.stop().await;
    }

    async fn a_therapist_joins_by_invitation_and_invites_a_couple(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        let (owner, _) = app.set_up_practice(&LAKESIDE).await;

        let bad = app.post_form(&owner, "/people/invite", &[("name", ""), ("email", "robin-at-lakeside"), ("role", "superuser")]).await;
        assert_eq!(bad.status(), 422);
        let body = bad.text().await.unwrap();
        assert!(body.contains("Enter a name.") && body.contains("Enter an email address like") && body.contains("Choose therapist or administrator."));

        let sent = app.post_form(&owner, "/people/invite", &[("name", "Robin Therapist"), ("email", "robin@lakeside.example"), ("role", "clinician")]).await;
        assert_eq!(sent.status(), 200);
        let page = sent.text().await.unwrap();
        assert!(page.contains("Invitation emailed to robin@lakeside.example."));
        assert!(!page.contains("/join?token="), "staff never see a link that was emailed to someone");
        let mail = &sink.wait_for(1, Duration::from_secs(10)).await[0];
        assert_eq!(mail.subject(), "Your invitation", "the practice's name says what it does, and it chose no sender name");
        assert_eq!(mail.header("From").unwrap(), "Appointments <noreply@lakeside.example>");
        assert!(mail.body().contains("Hello Robin Therapist,"));
        mail.assert_discreet();
        let join = path_of(&app, &link_in(&mail.body()));
        let token = join.split("token=").nth(1).unwrap().to_string();

        let robin = TestApp::new_client();
        let page = robin.get(app.url(&join)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Join Lakeside Therapy") && page.contains("as a therapist"));
        let common = app.post_form(&robin, "/join", &[("token", &token), ("password", "password123"), ("password_confirm", "password123")]).await;
        assert_eq!(common.status(), 422);
        assert!(common.text().await.unwrap().contains("one of the most common"));
        let joined = app.post_form(&robin, "/join", &[("token", &token), ("password", "robin's quiet garden"), ("password_confirm", "robin's quiet garden")]).await;
        assert_eq!(joined.headers()["location"], "/login?done=joined");
        app.login(&robin, "robin@lakeside.example", "robin's quiet garden").await;
        assert_eq!(robin.get(app.url("/clients")).send().await.unwrap().headers()["location"], "/mfa", "a new therapist sets up MFA first");
        let robin_secret = app.enrol_mfa(&robin).await;
        let reuse = app.post_form(&TestApp::new_client(), "/join", &[("token", &token), ("password", "robin's quiet garden"), ("password_confirm", "robin's quiet garden")]).await;
        assert_eq!(reuse.status(), 404, "an invitation works once");
        let log = app.audit_chain().await;
        assert!(log.iter().any(|e| e.event.action == "invitation_accept" && e.event.outcome == "failed"), "the attempt is audited");

        let couple = app.post_form(&robin, "/clients/invite", &[
            ("kind", "couple"), ("name", "Sam Client"), ("email", "sam@client.example"),
            ("partner_name", "Alex Partner"), ("partner_email", "alex@client.example"),
        ]).await;
        assert_eq!(couple.status(), 200);
        let mails = sink.wait_for(3, Duration::from_secs(10)).await;
        let mut partners = Vec::new();
        for mail in &mails[1..] {
            let client = TestApp::new_client();
            let link = path_of(&app, &link_in(&mail.body()));
            let token = link.split("token=").nth(1).unwrap().to_string();
            let joined = app.post_form(&client, "/join", &[("token", &token), ("password", "our shared evening walk"), ("password_confirm", "our shared evening walk")]).await;
            assert_eq!(joined.headers()["location"], "/login?done=joined");
            app.login(&client, &mail.to[0], "our shared evening walk").await;
            let dashboard = client.get(app.url("/dashboard")).send().await.unwrap();
            assert_eq!(dashboard.status(), 200, "clients have no second step");
            partners.push((mail.to[0].clone(), client));
        }
        let sam = app.store().login_record("sam@client.example").await.unwrap().unwrap().id;
        let alex = app.store().login_record("alex@client.example").await.unwrap().unwrap().id;
        let practice = app.store().memberships(sam).await.unwrap()[0].practice_id;
        let facts = app.store().client_facts(practice, sam).await.unwrap().unwrap();
        assert_eq!(facts.partners, vec![alex], "both partners are in one couple case");
        let robin_id = app.store().login_record("robin@lakeside.example").await.unwrap().unwrap().id;
        assert_eq!(facts.clinicians, vec![robin_id]);
        let list = robin.get(app.url("/clients")).send().await.unwrap().text().await.unwrap();
        assert!(list.contains("Sam Client") && list.contains("Alex Partner"));
        let _ = robin_secret;
        app.stop().await;
    }

    async fn the_eleventh_failed_sign_in_is_refused(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        app.set_up_practice(&LAKESIDE).await;
        let attacker = TestApp::new_client();
        for _ in 0..10 {
            let response = app.post_form(&attacker, "/login", &[("email", "ines@lakeside.example"), ("password", "guess guess guess")]).await;
            assert_eq!(response.status(), 401);
        }
        let blocked = app.post_form(&attacker, "/login", &[("email", "ines@lakeside.example"), ("password", OWNER_PASSWORD)]).await;
        assert_eq!(blocked.status(), 429, "even the right password waits");
        assert!(blocked.text().await.unwrap().contains("please wait 15 minutes"));
        app.clock.advance(SignedDuration::from_mins(16));
        app.login(&TestApp::new_client(), "ines@lakeside.example", OWNER_PASSWORD).await;
        let chain = app.audit_chain().await;
        assert_eq!(chain.iter().filter(|e| e.event.action == "login" && e.event.outcome == "failed").count(), 10);
        assert_eq!(chain.iter().filter(|e| e.event.action == "login" && e.event.outcome == "denied").count(), 1);
        app.stop().await;
    }

    async fn one_persons_typos_do_not_lock_out_an_office_that_shares_an_address(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        app.set_up_practice(&LAKESIDE).await;
        let practice = app.practice_of(LAKESIDE.email).await;
        app.add_person(practice, "tess@lakeside.example", "Tess", sensate_domain::Role::Clinician, "tess tide pools").await;
        // Every browser in these tests signs in from 127.0.0.1: one office.
        let typist = TestApp::new_client();
        for _ in 0..10 {
            let response = app.post_form(&typist, "/login", &[("email", "tess@lakeside.example"), ("password", "tess tide poolz")]).await;
            assert_eq!(response.status(), 401);
        }
        let stopped = app.post_form(&typist, "/login", &[("email", "tess@lakeside.example"), ("password", "tess tide pools")]).await;
        assert_eq!(stopped.status(), 429, "the person who mistyped waits");
        // A colleague at the same address signs in.
        app.login(&TestApp::new_client(), LAKESIDE.email, OWNER_PASSWORD).await;

        // One address trying many accounts still stops at 100 attempts that
        // did not succeed: the typist's eleven (the refused one counts) and 89 more.
        for n in 0..89 {
            let email = format!("someone{}@lakeside.example", n / 9);
            let response = app.post_form(&typist, "/login", &[("email", email.as_str()), ("password", "guess")]).await;
            assert_eq!(response.status(), 401, "attempt {n}");
        }
        let ceiling = app.post_form(&TestApp::new_client(), "/login", &[("email", LAKESIDE.email), ("password", OWNER_PASSWORD)]).await;
        assert_eq!(ceiling.status(), 429, "the address reached its ceiling");
        app.clock.advance(SignedDuration::from_mins(16));
        app.login(&TestApp::new_client(), LAKESIDE.email, OWNER_PASSWORD).await;
        app.stop().await;
    }

    async fn behind_a_trusted_proxy_limits_and_the_audit_log_see_the_client(db: TestDb) {
        let sink = SmtpSink::start().await;
        // Every test connection comes from 127.0.0.1: here that is the proxy.
        let tweak: Tweak = Arc::new(|options| options.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]);
        let app = spawn_app_with(db, sink.url(), tweak).await;
        app.set_up_practice(&LAKESIDE).await;
        let from = |address: &str| TestApp::client_sending("x-forwarded-for", address);
        // A visitor behind the proxy mistypes ten times and is stopped…
        let typist = from("203.0.113.9");
        for _ in 0..10 {
            let response = app.post_form(&typist, "/login", &[("email", LAKESIDE.email), ("password", "a guess")]).await;
            assert_eq!(response.status(), 401);
        }
        assert_eq!(app.post_form(&typist, "/login", &[("email", LAKESIDE.email), ("password", OWNER_PASSWORD)]).await.status(), 429);
        // …while the owner, elsewhere behind the same proxy, signs in.
        let owner = from("198.51.100.20");
        assert_eq!(app.post_form(&owner, "/login", &[("email", LAKESIDE.email), ("password", OWNER_PASSWORD)]).await.status(), 303);
        let chain = app.audit_chain().await;
        let failed: Vec<&str> = chain.iter().filter(|e| e.event.action == "login" && e.event.outcome == "failed").map(|e| e.event.ip.as_str()).collect();
        assert_eq!(failed, vec!["203.0.113.9"; 10], "the audit log names the client, not the proxy");
        assert!(chain.iter().any(|e| e.event.action == "login" && e.event.outcome == "allowed" && e.event.ip == "198.51.100.20"));
        app.stop().await;
    }

    async fn without_trusted_proxies_a_forwarded_address_is_ignored(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        app.set_up_practice(&LAKESIDE).await;
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        let claimant = reqwest::Client::builder().cookie_store(true).default_headers(headers).build().unwrap();
        assert_eq!(app.post_form(&claimant, "/login", &[("email", LAKESIDE.email), ("password", "a guess")]).await.status(), 401);
        let chain = app.audit_chain().await;
        let failed = chain.iter().find(|e| e.event.action == "login" && e.event.outcome == "failed").unwrap();
        assert_eq!(failed.event.ip, "127.0.0.1", "a header anyone can send changes nothing");
        app.stop().await;
    }

    async fn guesses_from_many_addresses_still_stop_at_fifty(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        app.set_up_practice(&LAKESIDE).await;
        for n in 0..50 {
            let ip = format!("198.51.100.{}", n / 10);
            let refused = app.app().identity().login(LAKESIDE.email, "a guess", &ip).await;
            assert!(matches!(refused, Err(sensate_app::AppError::InvalidCredentials)), "guess {n}: {:?}", refused.err());
        }
        let limited = app.app().identity().login(LAKESIDE.email, OWNER_PASSWORD, "198.51.100.99").await;
        assert!(matches!(limited, Err(sensate_app::AppError::RateLimited { wait_minutes: 15 })), "{:?}", limited.err());
        app.stop().await;
    }

    async fn a_second_step_code_works_once(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        let (_, secret) = app.set_up_practice(&LAKESIDE).await;
        app.clock.advance(SignedDuration::from_secs(30));
        let code = code_at(&secret, step_of(sensate_domain::Clock::now(&app.clock)));
        let first = TestApp::new_client();
        app.login(&first, "ines@lakeside.example", OWNER_PASSWORD).await;
        assert_eq!(app.post_form(&first, "/mfa/verify", &[("code", &code)]).await.status(), 303);
        let second = TestApp::new_client();
        app.login(&second, "ines@lakeside.example", OWNER_PASSWORD).await;
        let replay = app.post_form(&second, "/mfa/verify", &[("code", &code)]).await;
        assert_eq!(replay.status(), 422);
        assert!(replay.text().await.unwrap().contains("That code was already used."));
        let wrong = app.post_form(&second, "/mfa/verify", &[("code", "12345")]).await;
        assert!(wrong.text().await.unwrap().contains("Enter the 6-digit code"));
        assert_eq!(second.get(app.url("/dashboard")).send().await.unwrap().headers()["location"], "/mfa");
        app.stop().await;
    }

    async fn disabling_an_account_ends_its_sessions(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        let (owner, _) = app.set_up_practice(&LAKESIDE).await;
        app.post_form(&owner, "/people/invite", &[("name", "Dana Admin"), ("email", "dana@lakeside.example"), ("role", "admin")]).await;
        let link = path_of(&app, &link_in(&sink.wait_for(1, Duration::from_secs(10)).await[0].body()));
        let dana = TestApp::new_client();
        let token = link.split("token=").nth(1).unwrap().to_string();
        app.post_form(&dana, "/join", &[("token", &token), ("password", "dana keeps the books"), ("password_confirm", "dana keeps the books")]).await;
        app.login(&dana, "dana@lakeside.example", "dana keeps the books").await;
        app.enrol_mfa(&dana).await;
        assert_eq!(dana.get(app.url("/people")).send().await.unwrap().status(), 200);
        let owner_id = app.store().login_record("ines@lakeside.example").await.unwrap().unwrap().id;
        let refused = app.post_form(&dana, &format!("/people/{owner_id}/disable"), &[]).await;
        assert_eq!(refused.status(), 403, "an admin cannot disable the owner");

        let dana_id = app.store().login_record("dana@lakeside.example").await.unwrap().unwrap().id;
        let disabled = app.post_form(&owner, &format!("/people/{dana_id}/disable"), &[]).await;
        assert_eq!(disabled.headers()["location"], "/people?done=disabled");
        assert_eq!(dana.get(app.url("/people")).send().await.unwrap().headers()["location"], "/login");
        let login = app.post_form(&TestApp::new_client(), "/login", &[("email", "dana@lakeside.example"), ("password", "dana keeps the books")]).await;
        assert_eq!(login.status(), 401);
        assert!(login.text().await.unwrap().contains("Email address or password is incorrect."), "no hint that the account exists");
        let unknown = app.post_form(&owner, &format!("/people/{}/disable", sensate_domain::UserId::new()), &[]).await;
        assert_eq!(unknown.status(), 404);
        app.post_form(&owner, &format!("/people/{dana_id}/enable"), &[]).await;
        app.login(&TestApp::new_client(), "dana@lakeside.example", "dana keeps the books").await;
        app.stop().await;
    }

    async fn a_session_ended_on_another_server_is_not_honoured_here(db: TestDb) {
        let app = spawn_app(db).await;
        app.set_up_practice(&LAKESIDE).await;
        let practice = app.practice_of("ines@lakeside.example").await;
        app.add_person(practice, "sam@lakeside.example", "Sam Client", sensate_domain::Role::Client, "sam walks by the lake").await;
        // A second app server on the same database, which keeps sessions in memory.
        let clock: Arc<dyn sensate_domain::Clock> = Arc::new(app.clock.clone());
        let other = sensate_app::App::new(
            app.db.store().await,
            clock.clone(),
            Arc::new(sensate_app::infra::crypto::KeyRing::generate().unwrap()),
            Arc::new(sensate_app::infra::mailer::OutboxMailer::new(clock)),
            sensate_app::AppConfig::default(),
        );
        let here = app.app().identity();
        let there = other.identity();
        let session = here.login("sam@lakeside.example", "sam walks by the lake", "127.0.0.1").await.unwrap();
        for _ in 0..3 {
            let sam = there.authenticate(&session.token, "127.0.0.1").await.unwrap().expect("signed in on both servers");
            assert_eq!((sam.display_name.as_str(), sam.memberships.len()), ("Sam Client", 1));
        }

        // The practice ends Sam's role on this server: the other sees it at once.
        app.store().set_membership_disabled(practice, app.store().login_record("sam@lakeside.example").await.unwrap().unwrap().id, Some(sensate_domain::Clock::now(&app.clock))).await.unwrap();
        let sam = there.authenticate(&session.token, "127.0.0.1").await.unwrap().unwrap();
        assert!(sam.memberships.is_empty(), "a role ended elsewhere is no role here");

        // Signing out here ends the session there, though it was kept.
        let sam = here.authenticate(&session.token, "127.0.0.1").await.unwrap().unwrap();
        here.logout(&sam).await.unwrap();
        assert!(there.authenticate(&session.token, "127.0.0.1").await.unwrap().is_none(), "signed out on the first server");

        // Activity on one server keeps the session alive on the other, whose
        // kept copy is older: 20 minutes of use here, then a request there.
        let session = here.login("sam@lakeside.example", "sam walks by the lake", "127.0.0.1").await.unwrap();
        assert!(there.authenticate(&session.token, "127.0.0.1").await.unwrap().is_some());
        for _ in 0..4 {
            app.clock.advance(SignedDuration::from_mins(5));
            assert!(here.authenticate(&session.token, "127.0.0.1").await.unwrap().is_some());
        }
        app.clock.advance(SignedDuration::from_mins(45));
        assert!(there.authenticate(&session.token, "127.0.0.1").await.unwrap().is_some(), "65 minutes since the other server saw it, 45 since it was used");
        app.stop().await;
    }

    async fn disabling_is_per_practice_for_a_person_with_roles_elsewhere(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        let (owner, _) = app.set_up_practice(&LAKESIDE).await;
        let lakeside = app.practice_of(LAKESIDE.email).await;
        // Kim is a client of Lakeside and of another practice on this server.
        let elsewhere = sensate_domain::PracticeId::new();
        let harbor = sensate_store::NewPractice { id: elsewhere, name: "Harbor Care".into(), time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(), created_at: sensate_domain::Clock::now(&app.clock) };
        app.store().insert_practice(&harbor).await.unwrap();
        let kim = app.add_person(lakeside, "kim@client.example", "Kim Client", sensate_domain::Role::Client, "kim's own phrase").await;
        app.store().insert_membership(elsewhere, kim, sensate_domain::Role::Client, sensate_domain::Clock::now(&app.clock)).await.unwrap();
        let browser = TestApp::new_client();
        app.login(&browser, "kim@client.example", "kim's own phrase").await;
        let session_url = app.url("/api/v1/session");
        let me = |client: reqwest::Client| {
            let url = session_url.clone();
            async move { client.get(url).send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
        };
        let practices = |session: serde_json::Value| session["memberships"].as_array().unwrap().iter().map(|m| m["practice_name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(practices(me(browser.clone()).await), vec!["Harbor Care", "Lakeside Therapy"]);

        // Lakeside's owner disables Kim there: Lakeside is gone from Kim's
        // session at once, Harbor stays, and Kim can still sign in.
        let disabled = app.post_form(&owner, &format!("/people/{kim}/disable"), &[]).await;
        assert_eq!(disabled.headers()["location"], "/people?done=disabled");
        assert_eq!(practices(me(browser.clone()).await), vec!["Harbor Care"], "the session continues without Lakeside");
        app.login(&TestApp::new_client(), "kim@client.example", "kim's own phrase").await;
        let people = owner.get(app.url("/people")).send().await.unwrap().text().await.unwrap();
        let staff = sensate_testkit::between(&people, "<h2 id=\"staff-title\">Staff</h2>", "</section>").unwrap();
        let clients = sensate_testkit::between(&people, "<h2 id=\"clients-title\">Clients</h2>", "</section>").unwrap();
        assert!(clients.contains("Kim Client") && clients.contains("Disabled"), "still listed, as disabled, among clients");
        assert!(!staff.contains("Kim Client") && staff.contains("Practice owner"), "staff apart from clients");
        assert!(people.contains("<option value=\"admin\">Practice administrator</option>"), "role names the same in the form as in the table");
        assert_eq!(app.store().roles_in(elsewhere, kim).await.unwrap(), vec![sensate_domain::Role::Client]);

        app.post_form(&owner, &format!("/people/{kim}/enable"), &[]).await;
        assert_eq!(practices(me(browser.clone()).await), vec!["Harbor Care", "Lakeside Therapy"]);
        app.stop().await;
    }

    async fn changing_the_password_ends_other_sessions(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        let (owner, secret) = app.set_up_practice(&LAKESIDE).await;
        let other = TestApp::new_client();
        app.login(&other, "ines@lakeside.example", OWNER_PASSWORD).await;
        app.verify_mfa(&other, &secret).await;
        let wrong = app.post_form(&owner, "/account/password", &[("current_password", "not it at all"), ("new_password", "a fresh morning tide"), ("new_password_confirm", "a fresh morning tide")]).await;
        assert_eq!(wrong.status(), 422);
        assert!(wrong.text().await.unwrap().contains("That is not your current password."));
        let changed = app.post_form(&owner, "/account/password", &[("current_password", OWNER_PASSWORD), ("new_password", "a fresh morning tide"), ("new_password_confirm", "a fresh morning tide")]).await;
        assert_eq!(changed.headers()["location"], "/account/password?done=password");
        assert_eq!(owner.get(app.url("/dashboard")).send().await.unwrap().status(), 200, "this session stays");
        assert_eq!(other.get(app.url("/dashboard")).send().await.unwrap().headers()["location"], "/login", "the other one ends");
        app.stop().await;
    }

    async fn guessing_the_current_password_is_limited(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        let (owner, _) = app.set_up_practice(&LAKESIDE).await;
        let form = |current: &'static str| [("current_password", current), ("new_password", "a fresh morning tide"), ("new_password_confirm", "a fresh morning tide")];
        for guess in 0..10 {
            let wrong = app.post_form(&owner, "/account/password", &form("not it at all")).await;
            assert_eq!(wrong.status(), 422, "guess {guess} is checked");
        }
        // The eleventh attempt is refused before the password is looked at,
        // even the right one, and nothing changes.
        let refused = app.post_form(&owner, "/account/password", &form(OWNER_PASSWORD)).await;
        assert_eq!(refused.status(), 429);
        assert!(refused.text().await.unwrap().contains("too many attempts"));
        app.login(&TestApp::new_client(), "ines@lakeside.example", OWNER_PASSWORD).await;
        let failed = app
            .audit_chain()
            .await
            .into_iter()
            .filter(|r| r.event.action == "password_change" && r.event.outcome == "failed")
            .count();
        assert_eq!(failed, 10, "each wrong guess is in the audit log");
        app.stop().await;
    }

    async fn unreadable_or_oversized_input_changes_nothing(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        let (owner, _) = app.set_up_practice(&LAKESIDE).await;
        let token = app.csrf_token(&owner).await;
        let malformed = owner
            .post(app.url("/settings"))
            .header("origin", &app.base_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf_token={token}&name=%FF%FE&time_zone=UTC"))
            .send()
            .await
            .unwrap();
        assert_eq!(malformed.status(), 422);
        assert!(malformed.text().await.unwrap().contains("Some information needs attention"));
        let log = app.audit_chain().await;
        assert!(log.iter().any(|e| e.event.action == "unreadable_input" && e.event.record_id == "/settings"));
        let long = app.post_form(&owner, "/settings", &[("name", &"L".repeat(500)), ("time_zone", "UTC")]).await;
        assert_eq!(long.status(), 422);
        assert!(long.text().await.unwrap().contains("Use at most 120 characters for the practice name."));
        let huge = app.post_form(&owner, "/settings", &[("name", "Lakeside"), ("time_zone", "UTC"), ("address", &"x".repeat(300 * 1024))]).await;
        assert_eq!(huge.status(), 413);
        let settings = owner.get(app.url("/settings")).send().await.unwrap().text().await.unwrap();
        assert!(settings.contains("value=\"Lakeside Therapy\""), "nothing changed");
        app.stop().await;
    }
}

async fn api_session(app: &TestApp, client: &reqwest::Client) -> serde_json::Value {
    client.get(app.url("/api/v1/session")).send().await.unwrap().json().await.unwrap()
}

on_both_engines! {
    async fn the_json_api_runs_the_same_flows(db: TestDb) {
        use serde_json::json;
        let sink = SmtpSink::start().await;
        let app = spawn_app_with_mail(db, sink.url()).await;
        let (_, secret) = app.set_up_practice(&LAKESIDE).await;
        let api = TestApp::new_client();

        let session = api_session(&app, &api).await;
        assert_eq!(session["signed_in"], false);
        assert_eq!(session["csrf_token"].as_str().unwrap().len(), 64);

        let no_token = api.post(app.url("/api/v1/session")).json(&json!({"email": "x@y.example", "password": "z"})).send().await.unwrap();
        assert_eq!(no_token.status(), 403);
        assert_eq!(no_token.json::<serde_json::Value>().await.unwrap()["error"], "form_expired");
        let token = session["csrf_token"].as_str().unwrap();
        let garbage = api.post(app.url("/api/v1/session")).header("x-csrf-token", token).header("content-type", "application/json").body("{\"email\": \"secret-value\", ").send().await.unwrap();
        assert_eq!(garbage.status(), 422);
        let body = garbage.text().await.unwrap();
        assert!(body.contains("\"invalid_input\"") && !body.contains("secret-value"), "the body is not echoed: {body}");
        let missing = api.get(app.url("/api/v1/nothing-here")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        assert_eq!(missing.json::<serde_json::Value>().await.unwrap()["error"], "not_found");

        let wrong = app.post_json(&api, "/api/v1/session", json!({"email": "ines@lakeside.example", "password": "nope nope nope"})).await;
        assert_eq!(wrong.status(), 401);
        assert_eq!(wrong.json::<serde_json::Value>().await.unwrap()["error"], "invalid_credentials");
        let signed_in = app.post_json(&api, "/api/v1/session", json!({"email": "ines@lakeside.example", "password": OWNER_PASSWORD})).await;
        assert_eq!(signed_in.status(), 200);
        assert_eq!(signed_in.json::<serde_json::Value>().await.unwrap()["mfa_required"], true);
        let early = api.get(app.url("/api/v1/audit")).send().await.unwrap();
        assert_eq!(early.status(), 403);
        assert_eq!(early.json::<serde_json::Value>().await.unwrap()["error"], "mfa_required");

        app.clock.advance(SignedDuration::from_secs(30));
        let code = code_at(&secret, step_of(sensate_domain::Clock::now(&app.clock)));
        assert_eq!(app.post_json(&api, "/api/v1/session/mfa", json!({"code": code})).await.status(), 204);
        let me = api_session(&app, &api).await;
        assert_eq!((me["signed_in"].as_bool(), me["mfa_required"].as_bool()), (Some(true), Some(false)));
        assert_eq!(me["memberships"][0]["role"], "owner");

        let invalid = app.post_json(&api, "/api/v1/invitations", json!({"name": "", "email": "nope", "role": "clinician"})).await;
        assert_eq!(invalid.status(), 422);
        let fields = invalid.json::<serde_json::Value>().await.unwrap()["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(fields, vec!["name", "email"]);
        let invited = app.post_json(&api, "/api/v1/invitations", json!({"name": "Kai Admin", "email": "kai@lakeside.example", "role": "admin"})).await;
        assert_eq!(invited.status(), 201);
        let invited: serde_json::Value = invited.json().await.unwrap();
        assert_eq!(invited["invitations"][0]["emailed"], true);
        assert!(invited["invitations"][0].get("link").is_none(), "an emailed link is the invitee's alone: {invited}");
        let link = link_in(&sink.wait_for(1, Duration::from_secs(10)).await[0].body());

        let kai = TestApp::new_client();
        let token = link.split("token=").nth(1).unwrap();
        assert_eq!(app.post_json(&kai, "/api/v1/invitations/accept", json!({"token": token, "password": "kai's steady hands"})).await.status(), 202);
        assert_eq!(api_session(&app, &kai).await["signed_in"], false, "accepted, then signs in");
        let signed_in = app.post_json(&kai, "/api/v1/session", json!({"email": "kai@lakeside.example", "password": "kai's steady hands"})).await;
        assert_eq!(signed_in.status(), 200);
        assert_eq!(api_session(&app, &kai).await["mfa_required"], true);
        let kai_id = app.store().login_record("kai@lakeside.example").await.unwrap().unwrap().id;
        assert_eq!(app.post_json(&api, &format!("/api/v1/accounts/{kai_id}/disable"), json!({})).await.status(), 204);
        assert_eq!(api_session(&app, &kai).await["signed_in"], false, "disabling ends the session at once");

        let log: serde_json::Value = api.get(app.url("/api/v1/audit?action=disable_account")).send().await.unwrap().json().await.unwrap();
        assert_eq!(log["entries"].as_array().unwrap().len(), 1);
        assert_eq!(log["entries"][0]["record_id"], kai_id.to_string());
        assert_eq!(api.delete(app.url("/api/v1/session")).header("x-csrf-token", me["csrf_token"].as_str().unwrap()).send().await.unwrap().status(), 204);
        assert_eq!(api.get(app.url("/api/v1/audit")).send().await.unwrap().status(), 401);
        app.stop().await;
    }
}

/// A server whose password-hashing pool has one permit and waits 50 ms for it.
async fn one_hash_at_a_time(db: TestDb, sink: &SmtpSink) -> TestApp {
    let tweak: Tweak =
        Arc::new(|options| options.hashing = HashingPolicy { concurrent: 1, wait: Duration::from_millis(50) });
    spawn_app_with(db, sink.url(), tweak).await
}

/// `count` browsers, each with its anti-forgery token.
async fn browsers_with_tokens(app: &TestApp, count: usize) -> Vec<(reqwest::Client, String)> {
    let mut browsers = Vec::new();
    for _ in 0..count {
        let client = TestApp::new_client();
        let token = app.csrf_token(&client).await;
        browsers.push((client, token));
    }
    browsers
}

/// Every browser signs in as the owner with `password`, all at once; the
/// answers in the browsers' order.
async fn sign_in_at_once(
    app: &TestApp,
    browsers: &[(reqwest::Client, String)],
    password: &str,
) -> Vec<reqwest::Response> {
    let pending: Vec<_> = browsers
        .iter()
        .map(|(client, token)| {
            let form = [("email", LAKESIDE.email), ("password", password), ("csrf_token", token.as_str())];
            tokio::spawn(client.post(app.url("/login")).header("origin", &app.base_url).form(&form).send())
        })
        .collect();
    let mut responses = Vec::new();
    for request in pending {
        responses.push(request.await.unwrap().unwrap());
    }
    responses
}

const BUSY: &str = "Too many people are signing in at this moment; try again in a few seconds.";

on_both_engines! {
    async fn a_sign_in_without_a_free_hashing_turn_is_asked_to_come_back(db: TestDb) {
        use serde_json::json;
        let sink = SmtpSink::start().await;
        let app = one_hash_at_a_time(db, &sink).await;
        app.set_up_practice(&LAKESIDE).await;
        let credentials = [("email", LAKESIDE.email), ("password", OWNER_PASSWORD)];

        // Someone else holds the only turn for longer than the wait.
        let held = app.app().password_pool().turn().await.unwrap();
        let page = app.post_form(&TestApp::new_client(), "/login", &credentials).await;
        assert_eq!(page.status(), 503);
        assert_eq!(page.headers()["retry-after"], "5");
        let body = page.text().await.unwrap();
        assert!(body.contains(BUSY), "the normal error page with a calm message: {body}");
        assert!(!body.contains("reference"), "not a failure: no reference to report");
        let api = TestApp::new_client();
        let refused = app.post_json(&api, "/api/v1/session", json!({"email": LAKESIDE.email, "password": OWNER_PASSWORD})).await;
        assert_eq!(refused.status(), 503);
        assert_eq!(refused.headers()["retry-after"], "5");
        let error: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(error, json!({"error": "busy", "message": BUSY}));
        let wrong = app.post_form(&TestApp::new_client(), "/login", &[("email", LAKESIDE.email), ("password", "guess guess guess")]).await;
        assert_eq!(wrong.status(), 503, "no password is checked without a turn");

        // Once the turn is given back, the same sign-ins go through.
        drop(held);
        app.login(&TestApp::new_client(), LAKESIDE.email, OWNER_PASSWORD).await;
        let signed_in = app.post_json(&api, "/api/v1/session", json!({"email": LAKESIDE.email, "password": OWNER_PASSWORD})).await;
        assert_eq!(signed_in.status(), 200);

        let logins: Vec<_> = app.audit_chain().await.into_iter().filter(|e| e.event.action == "login").collect();
        let count = |outcome: &str| logins.iter().filter(|e| e.event.outcome == outcome).count();
        assert_eq!((count("denied"), count("failed"), count("allowed")), (3, 0, 2), "every refusal is audited; none counts as a failed password");
        app.stop().await;
    }

    async fn sixty_simultaneous_wrong_passwords_see_at_most_ten_checked(db: TestDb) {
        let sink = SmtpSink::start().await;
        // Enough hashing turns that nobody is turned away as busy: only the
        // limit stops guesses.
        let tweak: Tweak = Arc::new(|options| options.hashing = HashingPolicy { concurrent: 8, wait: Duration::from_secs(120) });
        let app = spawn_app_with(db, sink.url(), tweak).await;
        app.set_up_practice(&LAKESIDE).await;
        let browsers = browsers_with_tokens(&app, 60).await;
        let responses = sign_in_at_once(&app, &browsers, "a wrong guess here").await;
        let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
        assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
        let logins: Vec<_> = app.audit_chain().await.into_iter().filter(|e| e.event.action == "login").collect();
        let count = |outcome: &str| logins.iter().filter(|e| e.event.outcome == outcome).count();
        assert!(count("failed") <= 10, "{} passwords were checked", count("failed"));
        assert_eq!(count("failed") + count("denied"), 60, "every attempt is audited");
        assert_eq!(statuses.iter().filter(|s| **s == 429).count(), count("denied"));
        // The owner is limited too now, with the right password: the account is under attack.
        let owner = app.post_form(&TestApp::new_client(), "/login", &[("email", LAKESIDE.email), ("password", OWNER_PASSWORD)]).await;
        assert_eq!(owner.status(), 429);
        app.stop().await;
    }

    async fn concurrent_sign_ins_beyond_the_hashing_pool_get_503_and_the_rest_succeed(db: TestDb) {
        let sink = SmtpSink::start().await;
        let app = one_hash_at_a_time(db, &sink).await;
        app.set_up_practice(&LAKESIDE).await;

        // Twelve browsers, each with its anti-forgery token, sign in at once:
        // one hash at a time for 50 ms cannot serve them all.
        let browsers = browsers_with_tokens(&app, 12).await;
        let responses = sign_in_at_once(&app, &browsers, OWNER_PASSWORD).await;
        let mut refused = Vec::new();
        for (response, browser) in responses.into_iter().zip(&browsers) {
            match response.status().as_u16() {
                303 => assert_eq!(response.headers()["location"], "/dashboard"),
                503 => {
                    assert_eq!(response.headers()["retry-after"], "5");
                    assert!(response.text().await.unwrap().contains(BUSY));
                    refused.push(browser);
                }
                other => panic!("a sign-in got {other}"),
            }
        }
        assert!(!refused.is_empty(), "more sign-ins at once than one hash at a time can serve in 50 ms");
        assert!(refused.len() < browsers.len(), "the ones that got a turn signed in");
        // Coming back later works for each of them.
        for (client, _) in refused {
            app.login(client, LAKESIDE.email, OWNER_PASSWORD).await;
        }
        assert_eq!(app.app().password_pool().available(), 1, "every turn was given back");
        app.stop().await;
    }
}

on_both_engines! {
    async fn a_person_in_two_practices_chooses_where_to_work(db: TestDb) {
        let app = spawn_app(db).await;
        app.set_up_practice(&LAKESIDE).await;
        let lakeside = app.practice_of(LAKESIDE.email).await;
        // Sam is a therapist at Lakeside and a client of Willow Street, which
        // sorts after it; Zeta is a practice Sam has nothing to do with.
        let mut ids = Vec::new();
        for name in ["Willow Street Therapy", "Zeta Counseling"] {
            let id = sensate_domain::PracticeId::new();
            app.store()
                .insert_practice(&sensate_store::NewPractice {
                    id,
                    name: name.into(),
                    time_zone: sensate_domain::TimeZoneName::parse("America/Chicago").unwrap(),
                    created_at: jiff::Timestamp::UNIX_EPOCH,
                })
                .await
                .unwrap();
            ids.push(id);
        }
        let (willow, zeta) = (ids[0], ids[1]);
        let sam = app.add_person(lakeside, "sam@example.org", "Sam Rivera", sensate_domain::Role::Clinician, OWNER_PASSWORD).await;
        app.store().insert_membership(willow, sam, sensate_domain::Role::Client, jiff::Timestamp::UNIX_EPOCH).await.unwrap();
        let browser = TestApp::new_client();
        app.login(&browser, "sam@example.org", OWNER_PASSWORD).await;
        let secret = app.enrol_mfa(&browser).await;
        let page = |path: &'static str| {
            let browser = browser.clone();
            let url = app.url(path);
            async move {
                let response = browser.get(url).send().await.unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            }
        };

        // Until a choice is made: the first by name, as the therapist Sam is there.
        let (_, home) = page("/dashboard").await;
        assert!(home.contains("<h1>Today</h1>"), "{home}");
        assert!(home.contains("Lakeside Therapy · Therapist."), "{home}");
        assert!(home.contains(r#"<a href="/account/practice">Switch practice</a>"#));
        assert!(home.contains(r#"href="/clients""#), "a therapist's menu");
        let (_, choices) = page("/account/practice").await;
        assert!(choices.contains("Lakeside Therapy</h2>") && choices.contains("Willow Street Therapy</h2>"));
        assert!(!choices.contains("Zeta Counseling"), "only their own practices are listed");
        assert_eq!(choices.matches("You are working here.").count(), 1);
        assert!(choices.contains(&format!(r#"name="practice" value="{willow}""#)), "Willow Street can be chosen");

        let chosen = app.post_form(&browser, "/account/practice", &[("practice", &willow.to_string())]).await;
        assert_eq!(chosen.status(), 303);
        assert_eq!(chosen.headers()["location"], "/account/practice?done=practice");
        let (_, choices) = page("/account/practice?done=practice").await;
        assert!(choices.contains("You are now working in Willow Street Therapy."), "{choices}");

        // Now a client of Willow Street: a client's home, none of a therapist's tools.
        let (_, home) = page("/dashboard").await;
        assert!(home.contains("<h1>Home</h1>"), "{home}");
        assert!(home.contains("Willow Street Therapy · Client."), "{home}");
        assert!(!home.contains(r#"href="/clients""#) && !home.contains(r#"href="/calendar""#), "{home}");
        assert!(home.contains(r#"href="/me/contact""#), "a client keeps their contact preferences");
        assert_ne!(page("/clients").await.0, 200, "Lakeside's clients are not listed while working in Willow Street");
        let session: serde_json::Value =
            browser.get(app.url("/api/v1/session")).send().await.unwrap().json().await.unwrap();
        assert_eq!(session["acting_practice_id"], willow.to_string());

        // The choice belongs to this session: another one starts at the first again.
        let other = TestApp::new_client();
        app.login(&other, "sam@example.org", OWNER_PASSWORD).await;
        app.verify_mfa(&other, &secret).await;
        let home = other.get(app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
        assert!(home.contains("Lakeside Therapy · Therapist."), "{home}");

        // A practice that is not theirs, or not an id at all, is not found;
        // the attempt is audited and nothing changes.
        for practice in [zeta.to_string(), "not-a-practice".to_string()] {
            let refused = app.post_form(&browser, "/account/practice", &[("practice", &practice)]).await;
            assert_eq!(refused.status(), 404, "{practice}");
        }
        assert!(page("/dashboard").await.1.contains("Willow Street Therapy · Client."));
        let log = app.audit_chain().await;
        let choices: Vec<(&str, &str, Option<sensate_domain::PracticeId>)> = log
            .iter()
            .filter(|e| e.event.action == "act_in_practice")
            .map(|e| (e.event.outcome.as_str(), e.event.record_id.as_str(), e.event.practice_id))
            .collect();
        let (willow_id, zeta_id) = (willow.to_string(), zeta.to_string());
        assert_eq!(
            choices,
            vec![("allowed", willow_id.as_str(), Some(willow)), ("denied", zeta_id.as_str(), Some(zeta))]
        );
        app.stop().await;
    }
}
