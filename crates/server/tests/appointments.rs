//! After a booking: the accepted request becomes a client with a case (both
//! dashboards show the session), the practice's appointment page (history,
//! cancel, move, attendance), and the client's manage link (cancel or move
//! within the practice's notice), with a real SMTP conversation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use jiff::SignedDuration;
use sensate_domain::scheduling::AppointmentStatus;
use sensate_domain::{AppointmentId, Role, UserId};
use sensate_store::NewPractice;
use sensate_testkit::smtp_sink::{ReceivedMail, SmtpSink};
use sensate_testkit::{
    LAKESIDE, TRIAL_CONSULTATION, TUESDAY_MORNINGS, TestApp, TestDb, between, hidden_value, on_both_engines,
    spawn_app_with_mail,
};

const PASSWORD: &str = "booking pages phrase";
const CLIENT_PASSWORD: &str = "my own quiet phrase";
const CANARY: &str = "MESSAGE-CANARY what brings me";

struct World {
    app: TestApp,
    sink: SmtpSink,
    owner: reqwest::Client,
    tess: reqwest::Client,
    tess_id: UserId,
    tess_secret: sensate_domain::totp::TotpSecret,
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

fn link_in(mail: &ReceivedMail, marker: &str) -> String {
    mail.body().split_whitespace().find(|w| w.contains(marker)).unwrap_or_else(|| panic!("{}", mail.body())).to_string()
}

fn path_of(link: &str) -> String {
    format!("/{}", link.splitn(4, '/').nth(3).unwrap())
}

/// A listed therapist in New York with a 20-minute trial consultation (approval
/// needed) and Tuesday-morning video hours; the practice works in Berlin time.
/// Now is Monday 23 November 2026, 10:00 in New York.
async fn world(db: TestDb) -> World {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with_mail(db, sink.url()).await;
    let (owner, _) = app.set_up_practice(&LAKESIDE).await;
    let practice = app.practice_of(LAKESIDE.email).await;
    let tess_id = app.add_person(practice, "tess@lakeside.example", "Tess Therapist", Role::Clinician, PASSWORD).await;
    let tess = TestApp::new_client();
    app.login(&tess, "tess@lakeside.example", PASSWORD).await;
    let tess_secret = app.enrol_mfa(&tess).await;
    app.list_in_directory(&owner, &tess, tess_id, &[("sees_couples", "on")]).await;
    assert_eq!(app.post_form(&owner, "/session-types", TRIAL_CONSULTATION).await.status(), 303);
    assert_eq!(app.post_form(&tess, &format!("/availability/{tess_id}"), TUESDAY_MORNINGS).await.status(), 303);
    World { app, sink, owner, tess, tess_id, tess_secret }
}

/// A visitor in Berlin books the first free time from `from` (a date in
/// Berlin) of the session type `kind` (the first offered when empty) and
/// confirms their email; returns the number of emails sent so far, up to
/// the receipt of a request that waits for the therapist.
async fn book(w: &World, from: &str, kind: &str, fields: &[(&str, &str)]) -> usize {
    let visitor = TestApp::new_client();
    let page = format!("/therapists/{}/book?tz=Europe/Berlin&format=telehealth&from={from}&type={kind}", w.tess_id);
    let slots = visitor.get(w.app.url(&page)).send().await.unwrap().text().await.unwrap();
    let href =
        between(&slots, "<a class=\"button button-secondary slot\" href=\"", "\"").unwrap().replace("&#38;", "&");
    let form = visitor.get(w.app.url(&href)).send().await.unwrap().text().await.unwrap();
    let mut body: Vec<(String, String)> = ["type", "format", "start", "tz", "stamp"]
        .iter()
        .map(|n| (n.to_string(), hidden_value(&form, n).unwrap()))
        .collect();
    body.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    w.app.clock.advance(SignedDuration::from_secs(20));
    body.push(("csrf_token".into(), w.app.csrf_token(&visitor).await));
    let count = w.sink.messages().len() + 1;
    let sent = visitor
        .post(w.app.url(&format!("/therapists/{}/book", w.tess_id)))
        .header("origin", &w.app.base_url)
        .form(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
    let mail = w.sink.wait_for(count, Duration::from_secs(10)).await.remove(count - 1);
    let confirm = path_of(&link_in(&mail, "/bookings/confirm/"));
    assert_eq!(w.app.post_form(&visitor, &confirm, &[]).await.status(), 200);
    // A request that waits for the therapist gets its receipt at once.
    let receipts = w.sink.messages()[count..].iter().filter(|m| m.subject() == "Your request was sent").count();
    count + receipts
}

const ROBIN: &[(&str, &str)] = &[
    ("name", "Robin"),
    ("email", "robin@visitor.example"),
    ("concern", "performance-anxiety"),
    ("message", CANARY),
    ("jurisdiction", "US-NY"),
    ("discreet_email", "on"),
    ("consent_privacy", "on"),
    ("consent_adult", "on"),
];

/// Tess accepts the only waiting request; returns the appointment's id.
async fn accept(w: &World) -> AppointmentId {
    let requests = w.tess.get(w.app.url("/requests")).send().await.unwrap().text().await.unwrap();
    let id = between(&requests, "/requests/", "/confirm").unwrap();
    let answer = w.app.post_form(&w.tess, &format!("/requests/{id}/confirm"), &[]).await;
    assert_eq!(location(&answer), "/requests?done=confirmed");
    id.parse().unwrap()
}

/// Tess declines a request as "the time cannot be offered", offering these times instead.
async fn decline(w: &World, id: &str, offers: &[&str]) -> reqwest::Response {
    let mut form = vec![("reason", "time_unavailable")];
    form.extend(offers.iter().map(|offer| ("offer", *offer)));
    w.app.post_form(&w.tess, &format!("/requests/{id}/decline"), &form).await
}

async fn status_of(w: &World, id: AppointmentId) -> AppointmentStatus {
    w.app.store().appointment_detail(id).await.unwrap().unwrap().status
}

async fn text(client: &reqwest::Client, w: &World, path: &str) -> String {
    client.get(w.app.url(path)).send().await.unwrap().text().await.unwrap()
}

on_both_engines! {
    async fn an_accepted_request_becomes_a_client_with_a_case_on_both_dashboards(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let mut robin = ROBIN.to_vec();
        robin.extend([("with_partner", "on"), ("partner_email", "jo@visitor.example")]);
        let sent = book(&w, "2026-11-23", "", &robin).await;
        let before = w.tess.get(app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
        assert!(!before.contains("Robin"), "a request is on no dashboard before it is accepted");
        let id = accept(&w).await;

        // The confirmation carries the manage link; each partner gets an invitation.
        let mails = w.sink.wait_for(sent + 3, Duration::from_secs(10)).await;
        let confirmation = &mails[sent];
        assert_eq!(confirmation.subject(), "Your appointment is confirmed");
        let manage = link_in(confirmation, "/appointments/manage/");
        assert_eq!(path_of(&manage).len(), "/appointments/manage/".len() + 64, "256 random bits, nothing else");
        let invitations: Vec<&ReceivedMail> = mails[sent + 1..].iter().collect();
        assert!(invitations.iter().all(|m| m.subject() == "Your invitation"));
        let to: Vec<String> = invitations.iter().map(|m| m.header("To").unwrap()).collect();
        assert!(to.iter().any(|t| t.contains("robin@visitor.example")) && to.iter().any(|t| t.contains("jo@visitor.example")), "{to:?}");
        for mail in &mails {
            assert!(!mail.body().contains("MESSAGE-CANARY") && !mail.body().contains("performance"), "no health data by email");
            mail.assert_discreet();
        }

        // The therapist sees the session and the new client; the partner is
        // invited and joins only by accepting.
        let dashboard = text(&w.tess, &w, "/dashboard").await;
        assert!(dashboard.contains("Robin") && !dashboard.contains("partner"), "{dashboard}");
        assert!(dashboard.contains("Tue, Nov 24, 2026, 3:00 PM (Central European Time)"));
        let clients = text(&w.tess, &w, "/clients").await;
        assert!(clients.contains("Robin"));
        let page = text(&w.tess, &w, &format!("/appointments/{id}")).await;
        assert!(page.contains("Requested online by Robin") && page.contains("Confirmed by Tess Therapist"), "{page}");
        assert!(page.contains("Robin&#39;s partner: invited, not yet joined") || page.contains("Robin&#x27;s partner: invited, not yet joined"), "{page}");
        assert!(app.store().login_record("jo@visitor.example").await.unwrap().is_none(), "no account for a typed address");
        // ...and in their calendar feed, with initials only.
        let made = app.post_form(&w.tess, "/calendar-feed", &[]).await.text().await.unwrap();
        let feed = between(&made, "<code class=\"feed-address\">", "</code>").unwrap();
        let ics = reqwest::get(&feed).await.unwrap().text().await.unwrap();
        assert!(ics.contains(&format!("UID:{id}@sensate")) && ics.contains("DTSTART:20261124T140000Z"), "{ics}");
        assert!(!ics.contains("Robin"));

        // Robin sets a password through the invitation and sees the session too.
        let invitation = invitations.iter().find(|m| m.header("To").unwrap().contains("robin@")).unwrap();
        let token = link_in(invitation, "/join?token=").rsplit('=').next().unwrap().to_string();
        let client = TestApp::new_client();
        let joined = app.post_form(&client, "/join", &[("token", &token), ("password", CLIENT_PASSWORD), ("password_confirm", CLIENT_PASSWORD)]).await;
        assert_eq!(location(&joined), "/login?done=joined", "then Robin signs in");
        app.login(&client, "robin@visitor.example", CLIENT_PASSWORD).await;
        let mine = text(&client, &w, "/dashboard").await;
        assert!(mine.contains("Tess Therapist") && mine.contains("Tue, Nov 24, 2026, 3:00 PM (Central European Time)"), "{mine}");
        assert!(!mine.contains("MESSAGE-CANARY"));
        // One account, reused: signing in works with the chosen password.
        let again = TestApp::new_client();
        app.login(&again, "robin@visitor.example", CLIENT_PASSWORD).await;
        assert!(text(&again, &w, "/dashboard").await.contains("Tess Therapist"));
        assert_eq!(status_of(&w, id).await, AppointmentStatus::Confirmed);

        // The partner accepts: now both are in the case and see the session.
        let invitation = invitations.iter().find(|m| m.header("To").unwrap().contains("jo@")).unwrap();
        let token = link_in(invitation, "/join?token=").rsplit('=').next().unwrap().to_string();
        let jo = TestApp::new_client();
        let joined = app.post_form(&jo, "/join", &[("token", &token), ("password", CLIENT_PASSWORD), ("password_confirm", CLIENT_PASSWORD)]).await;
        assert_eq!(location(&joined), "/login?done=joined");
        app.login(&jo, "jo@visitor.example", CLIENT_PASSWORD).await;
        assert!(text(&jo, &w, "/dashboard").await.contains("Tue, Nov 24, 2026, 3:00 PM (Central European Time)"));
        let dashboard = text(&w.tess, &w, "/dashboard").await;
        assert!(dashboard.contains("Robin &amp; Robin&#39;s partner") || dashboard.contains("Robin &#38; Robin&#39;s partner"), "{dashboard}");
        assert!(!text(&w.tess, &w, &format!("/appointments/{id}")).await.contains("not yet joined"));
        // Robin's page is Robin's whole picture here: the coming sessions and who joins them.
        let robin_id = app.store().login_record("robin@visitor.example").await.unwrap().unwrap().id;
        let robin_page = text(&w.tess, &w, &format!("/clients/{robin_id}")).await;
        assert!(robin_page.contains("In couple sessions with Robin&#39;s partner.") || robin_page.contains("In couple sessions with Robin&#x27;s partner."), "{robin_page}");
        let sessions = between(&robin_page, "<h2 id=\"sessions-title\">Coming sessions</h2>", "</section>").unwrap();
        assert!(sessions.contains("Tue, Nov 24, 2026, 3:00 PM (Central European Time)") && sessions.contains(&format!("/appointments/{id}")), "{sessions}");
        assert!(robin_page.contains("How and when the client said the practice may reach them"), "worded for staff");
        // What Robin wrote when booking, for their therapist only.
        let words = between(&robin_page, "<h2 id=\"booking-words-title\">What they wrote when booking</h2>", "</section>").unwrap();
        assert!(words.contains("Topic: Performance anxiety") && words.contains(CANARY), "{words}");
        let owners_view = text(&w.owner, &w, &format!("/clients/{robin_id}")).await;
        assert!(owners_view.contains("Robin") && !owners_view.contains(CANARY) && !owners_view.contains("What they wrote when booking"), "{owners_view}");
        let partners_view = text(&jo, &w, &format!("/clients/{robin_id}")).await;
        assert!(!partners_view.contains(CANARY), "the partner never reads it");
        // The partner comes from the case, not from sessions: with none booked, still named.
        let cancelled = app.post_form(&w.tess, &format!("/appointments/{id}/cancel"), &[("reason", "rebooking")]).await;
        assert_eq!(cancelled.status(), 303);
        let robin_page = text(&w.tess, &w, &format!("/clients/{robin_id}")).await;
        assert!(robin_page.contains("No sessions booked."), "{robin_page}");
        assert!(robin_page.contains("In couple sessions with Robin&#39;s partner.") || robin_page.contains("In couple sessions with Robin&#x27;s partner."), "{robin_page}");

        // A declined request becomes no client, and its history says who declined it.
        let sam = [("name", "Sam"), ("email", "sam@visitor.example"), ("jurisdiction", "US-NY"), ("consent_privacy", "on"), ("consent_adult", "on")];
        book(&w, "2026-11-30", "", &sam).await;
        let requests = text(&w.tess, &w, "/requests").await;
        let declined = between(&requests, "/requests/", "/confirm").unwrap();
        let unexplained = app.post_form(&w.tess, &format!("/requests/{declined}/decline"), &[]).await;
        assert_eq!(unexplained.status(), 422);
        let again = unexplained.text().await.unwrap();
        assert!(again.contains("Choose why you decline, so the person can be told what to do instead.") && again.contains("Sam"), "the request still waits");
        let before = w.sink.messages().len();
        let reason = [("reason", "not_taking_clients")];
        assert_eq!(location(&app.post_form(&w.tess, &format!("/requests/{declined}/decline"), &reason).await), "/requests?done=declined");
        let page = text(&w.tess, &w, &format!("/appointments/{declined}")).await;
        assert!(page.contains("Sam (not yet a client)") && page.contains("Declined by Tess Therapist (not taking new clients now)") && page.contains("Cancelled"), "{page}");
        let told = w.sink.wait_for(before + 1, Duration::from_secs(10)).await.remove(before);
        assert_eq!(told.subject(), "Lakeside Therapy: about your request", "Sam did not ask for discreet mail");
        assert!(told.body().contains("New clients cannot be taken at the moment.") && told.body().contains("Find someone else:\n") && told.body().contains("/therapists\n"), "{}", told.body());
        assert!(app.store().login_record("sam@visitor.example").await.unwrap().is_none());
        w.app.stop().await;
    }

    async fn a_declined_request_can_offer_other_times_that_lead_to_booking(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let sam = [("name", "Sam"), ("email", "sam@visitor.example"), ("jurisdiction", "US-NY"), ("discreet_email", "on"), ("consent_privacy", "on"), ("consent_adult", "on")];
        book(&w, "2026-11-23", "", &sam).await;
        let requests = text(&w.tess, &w, "/requests").await;
        let id = between(&requests, "/requests/", "/confirm").unwrap();
        // The card lists free times of the same kind to offer instead, on the page's clock.
        let offered: Vec<String> = requests.split("name=\"offer\" value=\"").skip(1).map(|rest| rest.split('"').next().unwrap().to_string()).collect();
        assert_eq!(offered.len(), 6, "{requests}");
        assert!(requests.contains("Offer other times instead (optional, up to three)"));
        assert!(requests.contains(">Tue, Nov 24, 2026, 3:30 PM (Central European Time)</label>"), "{requests}");
        // Too many, or a time that is not free: refused, nothing changes.
        let four: Vec<&str> = offered.iter().take(4).map(String::as_str).collect();
        let refused = decline(&w, &id, &four).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("Offer at most three other times."));
        let refused = decline(&w, &id, &["2026-11-24T02:00:00Z"]).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("One of the other times is no longer free; choose again."));
        assert!(text(&w.tess, &w, "/requests").await.contains(&format!("/requests/{id}/confirm")), "the request still waits");

        // Two times offered: the email lists each as a link to request it, in the visitor's zone.
        let before = w.sink.messages().len();
        let answer = decline(&w, &id, &[&offered[1], &offered[0]]).await;
        assert_eq!(location(&answer), "/requests?done=declined");
        let told = w.sink.wait_for(before + 1, Duration::from_secs(10)).await.remove(before);
        let body = told.body();
        assert!(body.contains("cannot be offered. These times are free instead; choose one to request it, or see every free time."), "{body}");
        assert!(body.contains("Tue 24 Nov 2026, 15:30 (Central European Time):\n"), "{body}");
        let links: Vec<&str> = body.split_whitespace().filter(|word| word.contains("/book/at?")).collect();
        assert_eq!(links.len(), 2, "{body}");
        assert!(links[0].contains("tz=Europe%2FBerlin") && links[0].contains("format=telehealth"), "{}", links[0]);
        told.assert_discreet();
        // A link leads to the form for that time, still free.
        let visitor = TestApp::new_client();
        let opened = visitor.get(app.url(&path_of(links[0]))).send().await.unwrap();
        assert_eq!(opened.status(), 303);
        let form = location(&opened);
        assert!(form.contains("/book/details?type=") && form.contains("&format=telehealth&tz=Europe%2FBerlin&start="), "{form}");
        let page = visitor.get(app.url(&form)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Tue, Nov 24, 2026, 3:30 PM (Central European Time) · Telehealth (video)"), "{page}");
        // The audit log says times were offered, and nothing of them.
        let chain = app.audit_chain().await;
        let offering: Vec<_> = chain.iter().filter(|r| r.event.action == "decline_booking_offering_times").collect();
        assert_eq!(offering.len(), 1);
        assert_eq!(offering[0].event.record_id, id, "the request, and nothing of the times");
        w.app.stop().await;
    }

    async fn a_typed_partner_address_never_links_to_an_existing_account(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let practice = app.practice_of(LAKESIDE.email).await;
        // The address belongs to a client of another practice on this server.
        let elsewhere = sensate_domain::PracticeId::new();
        let hillside = NewPractice { id: elsewhere, name: "Hillside Care".into(), time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(), created_at: sensate_domain::Clock::now(&app.clock) };
        app.store().insert_practice(&hillside).await.unwrap();
        let kim = app.add_person(elsewhere, "kim@elsewhere.example", "Kim Elsewhere", Role::Client, CLIENT_PASSWORD).await;
        let mut robin = ROBIN.to_vec();
        robin.extend([("with_partner", "on"), ("partner_email", "kim@elsewhere.example")]);
        let sent = book(&w, "2026-11-23", "", &robin).await;
        let id = accept(&w).await;
        let mails = w.sink.wait_for(sent + 3, Duration::from_secs(10)).await;

        // Accepting the booking made Kim nothing here: no role, no case, no session.
        assert!(app.store().roles_in(practice, kim).await.unwrap().is_empty(), "no membership from a typed address");
        let detail = app.store().appointment_detail(id).await.unwrap().unwrap();
        assert_eq!(detail.clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), vec!["Robin"]);
        let kim_browser = TestApp::new_client();
        app.login(&kim_browser, "kim@elsewhere.example", CLIENT_PASSWORD).await;
        assert!(!text(&kim_browser, &w, "/dashboard").await.contains("Tess Therapist"));

        // Kim was invited instead. Whoever holds the link and uses it without
        // signing in gets the answer a new account gets, so it cannot tell
        // that the address has an account; Kim's account is untouched and
        // Kim is emailed how to join.
        let invitation = mails[sent..].iter().find(|m| m.header("To").unwrap().contains("kim@")).unwrap();
        let token = link_in(invitation, "/join?token=").rsplit('=').next().unwrap().to_string();
        let anonymous = TestApp::new_client();
        for _ in 0..2 {
            let answered = app.post_form(&anonymous, "/join", &[("token", &token), ("password", "another long phrase"), ("password_confirm", "another long phrase")]).await;
            assert_eq!(location(&answered), "/login?done=joined", "the answer a new account gets");
        }
        let login = text(&anonymous, &w, "/login?done=joined").await;
        assert!(login.contains("If this address already had an account, use its password"), "{login}");
        assert!(app.store().roles_in(practice, kim).await.unwrap().is_empty(), "nothing joined");
        let chosen = TestApp::new_client();
        let refused = app.post_form(&chosen, "/login", &[("email", "kim@elsewhere.example"), ("password", "another long phrase")]).await;
        assert_eq!(refused.status(), 401, "Kim's password did not change");
        app.run_due_jobs().await;
        let told = w.sink.wait_for(sent + 4, Duration::from_secs(10)).await;
        // (A reminder of the session may go out with it.)
        let told: Vec<_> = told[sent + 3..].iter().filter(|m| m.header("To").unwrap().contains("kim@")).collect();
        assert_eq!(told.len(), 1, "one email however often the link is used");
        assert_eq!(told[0].subject(), "Your invitation");
        told[0].assert_discreet();
        let body = told[0].body().replace('\n', " ");
        assert!(body.contains("already has an account") && body.contains("sign in with the password you already have"), "{body}");

        // Someone else signed in cannot use it: refused, audited, nothing changed.
        let tess_try = app.post_form(&w.tess, "/join/accept", &[("token", &token)]).await;
        assert_eq!(tess_try.status(), 422);
        assert!(tess_try.text().await.unwrap().contains("sent to another email address"));
        assert!(app.store().roles_in(practice, kim).await.unwrap().is_empty());

        // Kim, signed in, sees the invitation and accepts it.
        let page = text(&kim_browser, &w, &format!("/join?token={token}")).await;
        assert!(page.contains("You are signed in as Kim Elsewhere"), "{page}");
        let accepted = app.post_form(&kim_browser, "/join/accept", &[("token", &token)]).await;
        assert_eq!(location(&accepted), "/dashboard?done=joined");
        assert_eq!(app.store().roles_in(practice, kim).await.unwrap(), vec![Role::Client]);
        let detail = app.store().appointment_detail(id).await.unwrap().unwrap();
        assert_eq!(detail.clients.len(), 2, "both partners are in the case now");
        assert!(text(&kim_browser, &w, "/dashboard?done=joined").await.contains("You accepted the invitation"));
        // The link works once.
        let again = app.post_form(&kim_browser, "/join/accept", &[("token", &token)]).await;
        assert_eq!(again.status(), 404, "a spent link is like an unknown one");
        let refusals = app.audit_chain().await.into_iter()
            .filter(|e| e.event.action == "invitation_accept" && e.event.outcome == "failed").count();
        assert_eq!(refusals, 4, "every refusal is audited: two uses without signing in, Tess's, the spent link");
        let log = app.audit_chain().await;
        let about_kims_account: Vec<_> = log
            .iter()
            .filter(|e| e.event.action == "send_invitation_account_exists" || (e.event.action == "invitation_accept" && e.event.outcome == "failed"))
            .collect();
        assert!(about_kims_account.iter().any(|e| e.event.action == "send_invitation_account_exists"));
        assert!(about_kims_account.iter().all(|e| e.event.practice_id.is_none()), "nothing in the practice's log says Kim has an account");
        w.app.stop().await;
    }

    async fn an_invitation_never_overwrites_a_password_set_meanwhile(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let sent = book(&w, "2026-11-23", "", ROBIN).await;
        accept(&w).await;
        let mails = w.sink.wait_for(sent + 2, Duration::from_secs(10)).await;
        let invitation = mails[sent..].iter().find(|m| m.subject().starts_with("Your invitation")).unwrap();
        let token = link_in(invitation, "/join?token=").rsplit('=').next().unwrap().to_string();
        // Robin chose a password another way meanwhile (a reset link).
        let robin = app.store().login_record("robin@visitor.example").await.unwrap().unwrap().id;
        let reset = sensate_app::infra::secrets::hash_password(CLIENT_PASSWORD.into()).await.unwrap();
        app.store().set_password_hash(robin, &reset).await.unwrap();

        let late = app.post_form(&TestApp::new_client(), "/join", &[("token", &token), ("password", "a different phrase here"), ("password_confirm", "a different phrase here")]).await;
        assert_eq!(location(&late), "/login?done=joined", "answered like any acceptance; the password stays");
        let signed_in = TestApp::new_client();
        app.login(&signed_in, "robin@visitor.example", CLIENT_PASSWORD).await;
        // Signed in, Robin can still accept it: nothing new to join, the link is spent.
        let accepted = app.post_form(&signed_in, "/join/accept", &[("token", &token)]).await;
        assert_eq!(location(&accepted), "/dashboard?done=joined");
        assert!(text(&signed_in, &w, "/dashboard").await.contains("Tess Therapist"));
        w.app.stop().await;
    }

    async fn a_disabled_therapist_is_neither_listed_nor_bookable_and_their_feed_stops(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let made = app.post_form(&w.tess, "/calendar-feed", &[]).await.text().await.unwrap();
        let feed = between(&made, "<code class=\"feed-address\">", "</code>").unwrap();
        assert_eq!(reqwest::get(&feed).await.unwrap().status(), 200);
        let listed = || async {
            let body: serde_json::Value = app.get("/api/v1/therapists").await.json().await.unwrap();
            body["results"].as_array().unwrap().iter().any(|r| r["id"] == w.tess_id.to_string())
        };
        let book = format!("/therapists/{}/book?tz=Europe/Berlin&format=telehealth&from=2026-11-23", w.tess_id);
        assert!(listed().await);
        assert_eq!(app.get(&book).await.status(), 200);

        let disabled = app.post_form(&w.owner, &format!("/people/{}/disable", w.tess_id), &[]).await;
        assert_eq!(disabled.headers()["location"], "/people?done=disabled");
        assert!(!listed().await, "not listed once disabled");
        assert_eq!(app.get(&book).await.status(), 404, "not bookable");
        assert_eq!(reqwest::get(&feed).await.unwrap().status(), 404, "the feed stops at once");

        app.post_form(&w.owner, &format!("/people/{}/enable", w.tess_id), &[]).await;
        assert!(listed().await);
        assert_eq!(reqwest::get(&feed).await.unwrap().status(), 200);

        // A password reset ends the feed's address for good.
        let sent = w.sink.messages().len();
        app.post_form(&TestApp::new_client(), "/forgot-password", &[("email", "tess@lakeside.example")]).await;
        let mail = w.sink.wait_for(sent + 1, Duration::from_secs(10)).await.remove(sent);
        let token = link_in(&mail, "/reset-password?token=").rsplit('=').next().unwrap().to_string();
        let reset = app.post_form(&TestApp::new_client(), "/reset-password", &[("token", &token), ("password", "tess has a new phrase"), ("password_confirm", "tess has a new phrase")]).await;
        assert_eq!(reset.status(), 200);
        assert_eq!(reqwest::get(&feed).await.unwrap().status(), 404);
        w.app.stop().await;
    }

    async fn requests_left_by_a_disabled_therapist_go_to_the_front_desk(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let sam = [("name", "Sam"), ("email", "sam@visitor.example"), ("message", CANARY), ("jurisdiction", "US-NY"), ("discreet_email", "on"), ("consent_privacy", "on"), ("consent_adult", "on")];
        book(&w, "2026-11-23", "", &sam).await;
        let requests = text(&w.tess, &w, "/requests").await;
        let id = between(&requests, "/requests/", "/confirm").unwrap();
        // While Tess works here, the request is hers alone.
        let owners = text(&w.owner, &w, "/requests").await;
        assert!(owners.contains("No requests wait for you.") && !owners.contains("Sam"), "{owners}");
        let refused = app.post_form(&w.owner, &format!("/requests/{id}/decline"), &[("reason", "other")]).await;
        assert_eq!(refused.status(), 404);

        // Disabled: the owner is told (how many, not who) and answers it.
        let before = w.sink.messages().len();
        let disabled = app.post_form(&w.owner, &format!("/people/{}/disable", w.tess_id), &[]).await;
        assert_eq!(disabled.headers()["location"], "/people?done=disabled");
        let notice = w.sink.wait_for(before + 1, Duration::from_secs(10)).await.remove(before);
        assert_eq!(notice.subject(), "Booking requests need an answer");
        assert!(notice.body().contains("1 booking request was waiting for an answer") && notice.body().contains("/requests"), "{}", notice.body());
        assert!(!notice.body().contains("Sam") && !notice.body().contains(CANARY), "nothing of who asked");
        notice.assert_discreet();
        let owners = text(&w.owner, &w, "/requests").await;
        assert!(owners.contains("Sam") && owners.contains("Made to Tess Therapist, who no longer works in the practice."), "{owners}");
        assert!(!owners.contains(CANARY), "what brings them stays with their therapist");
        assert!(!owners.contains(&format!("/requests/{id}/confirm")), "no Confirm to offer");
        // Confirming is refused: nobody would see the client.
        let confirm = app.post_form(&w.owner, &format!("/requests/{id}/confirm"), &[]).await;
        assert_eq!(confirm.status(), 422);
        assert!(confirm.text().await.unwrap().contains("This therapist no longer works here, so the request can only be declined"));
        let sent = w.sink.messages().len();
        let declined = app.post_form(&w.owner, &format!("/requests/{id}/decline"), &[("reason", "not_taking_clients")]).await;
        assert_eq!(location(&declined), "/requests?done=declined");
        let told = w.sink.wait_for(sent + 1, Duration::from_secs(10)).await.remove(sent);
        assert!(told.body().contains("New clients cannot be taken at the moment."), "{}", told.body());
        assert!(text(&w.owner, &w, "/requests").await.contains("No requests wait for you."));
        let chain = app.audit_chain().await;
        assert!(chain.iter().any(|e| e.event.action == "decline_booking" && e.event.record_id == id));
        w.app.stop().await;
    }

    async fn a_booking_form_is_sent_once_and_discreet_mail_names_no_session(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let visitor = TestApp::new_client();
        let page = format!("/therapists/{}/book?tz=Europe/Berlin&format=telehealth&from=2026-11-23", w.tess_id);
        let slots = visitor.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
        let href = between(&slots, "<a class=\"button button-secondary slot\" href=\"", "\"").unwrap().replace("&#38;", "&");
        let form = visitor.get(app.url(&href)).send().await.unwrap().text().await.unwrap();
        let mut body: Vec<(String, String)> = ["type", "format", "start", "tz", "stamp"].iter().map(|n| (n.to_string(), hidden_value(&form, n).unwrap())).collect();
        body.extend(ROBIN.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        app.clock.advance(SignedDuration::from_secs(20));
        body.push(("csrf_token".into(), app.csrf_token(&visitor).await));
        let sent = visitor.post(app.url(&format!("/therapists/{}/book", w.tess_id))).header("origin", &app.base_url).form(&body).send().await.unwrap();
        assert_eq!(sent.status(), 200);
        let mail = w.sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        assert!(mail.body().contains("You asked for an appointment on"), "{}", mail.body());
        assert!(!mail.body().to_lowercase().contains("consultation"), "discreet mail names no kind of session");

        // The same form again for another free time (a replay aimed at the
        // same or another address): the ordinary page, nothing stored or sent.
        let marker = "<a class=\"button button-secondary slot\" href=\"";
        let second = slots.split(marker).nth(2).and_then(|rest| rest.split('"').next()).unwrap().replace("&#38;", "&");
        let other_start = hidden_value(&visitor.get(app.url(&second)).send().await.unwrap().text().await.unwrap(), "start").unwrap();
        for (name, value) in body.iter_mut() {
            if name == "start" {
                *value = other_start.clone();
            }
        }
        let replay = visitor.post(app.url(&format!("/therapists/{}/book", w.tess_id))).header("origin", &app.base_url).form(&body).send().await.unwrap();
        assert_eq!(replay.status(), 200);
        let now = sensate_domain::Clock::now(&app.clock);
        let held = app.store().calendar_entries(w.tess_id, now, now + SignedDuration::from_hours(24 * 30), now).await.unwrap();
        assert_eq!(held.len(), 1, "one request stored");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(w.sink.messages().len(), 1, "no second confirmation");
        let refused = app.audit_chain().await.into_iter().filter(|e| e.event.action == "booking_refused_as_automated").count();
        assert_eq!(refused, 1);
        w.app.stop().await;
    }

    async fn staff_never_join_their_own_practice_as_clients(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let practice = app.practice_of(LAKESIDE.email).await;
        let tess_roles = app.store().roles_in(practice, w.tess_id).await.unwrap();
        let mut robin = ROBIN.to_vec();
        robin.extend([("with_partner", "on"), ("partner_email", "tess@lakeside.example")]);
        let sent = book(&w, "2026-11-23", "", &robin).await;
        accept(&w).await;
        let mails = w.sink.wait_for(sent + 3, Duration::from_secs(10)).await;
        assert_eq!(app.store().roles_in(practice, w.tess_id).await.unwrap(), tess_roles, "the booking changed no role");
        let invitation = mails[sent..].iter().find(|m| m.header("To").unwrap().contains("tess@")).unwrap();
        let token = link_in(invitation, "/join?token=").rsplit('=').next().unwrap().to_string();
        let refused = app.post_form(&w.tess, "/join/accept", &[("token", &token)]).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("cannot join it as a client"));
        assert_eq!(app.store().roles_in(practice, w.tess_id).await.unwrap(), tess_roles);
        w.app.stop().await;
    }

    async fn a_session_without_approval_and_a_known_client_needs_no_new_account(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let practice = app.practice_of(LAKESIDE.email).await;
        let robin = app.add_person(practice, "robin@visitor.example", "Robin R", Role::Client, CLIENT_PASSWORD).await;
        let kind = [("name", "Consultation"), ("duration", "50"), ("fee", "90"), ("participants", "individual"), ("telehealth", "on")];
        assert_eq!(app.post_form(&w.owner, "/session-types", &kind).await.status(), 303);
        let types = app.store().session_types(practice).await.unwrap();
        let consultation = types.iter().find(|t| t.name == "Consultation").unwrap().id.to_string();
        let sent = book(&w, "2026-11-23", &consultation, ROBIN).await;

        // Confirmed at once: the confirmation with the link, and no invitation (Robin can sign in).
        let mails = w.sink.wait_for(sent + 1, Duration::from_secs(10)).await;
        assert_eq!(mails[sent].subject(), "Your appointment is confirmed");
        assert!(mails[sent].body().contains("/appointments/manage/"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(w.sink.messages().len(), sent + 1, "no invitation for an existing account");
        assert_eq!(app.store().people(practice).await.unwrap().iter().filter(|p| p.id == robin).count(), 1);
        assert_eq!(app.store().people(practice).await.unwrap().len(), 3, "owner, therapist, Robin: no duplicate");
        let client = TestApp::new_client();
        app.login(&client, "robin@visitor.example", CLIENT_PASSWORD).await;
        let mine = text(&client, &w, "/dashboard").await;
        assert!(mine.contains("Tess Therapist") && mine.contains("Tue, Nov 24, 2026, 3:00 PM (Central European Time)"), "{mine}");

        // The therapist cancels it (within the notice, so late); Robin is told discreetly.
        let dashboard = text(&w.tess, &w, "/dashboard").await;
        let path = format!("/appointments/{}", between(&dashboard, "<a href=\"/appointments/", "\"").unwrap());
        let cancelled = app.post_form(&w.tess, &format!("{path}/cancel"), &[("reason", "clinician_unavailable")]).await;
        assert_eq!(location(&cancelled), format!("{path}?done=cancelled"));
        let told = w.sink.wait_for_subject("Your appointment has been cancelled", Duration::from_secs(10)).await;
        assert_eq!(told.to, ["robin@visitor.example"]);
        told.assert_discreet();
        assert!(told.body().contains("Tue 24 Nov 2026, 15:00 (Central European Time) has been cancelled by the practice"), "{}", told.body());
        let page = text(&w.tess, &w, &format!("{path}?done=cancelled")).await;
        assert!(page.contains("Cancelled. The client was told by email"));
        assert!(page.contains("Cancelled by Tess Therapist (the therapist is unavailable), within the cancellation notice (late)"), "{page}");
        assert!(!text(&client, &w, "/dashboard").await.contains("Tess Therapist"), "off Robin's dashboard");
        w.app.stop().await;
    }

    async fn the_client_moves_then_cancels_by_the_link_and_the_practice_sees_the_history(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        // Next week's Tuesday, so the 24 hours' notice is still ahead.
        let sent = book(&w, "2026-11-30", "", ROBIN).await;
        let id = accept(&w).await;
        let mails = w.sink.wait_for(sent + 2, Duration::from_secs(10)).await;
        let manage = path_of(&link_in(&mails[sent], "/appointments/manage/"));
        let client = TestApp::new_client();

        // The practice asks for two days' notice instead of one.
        let settings = [("name", "Lakeside Therapy"), ("time_zone", "Europe/Berlin"), ("cancellation_notice_hours", "400")];
        let wrong = app.post_form(&w.owner, "/settings", &settings).await;
        assert_eq!(wrong.status(), 422);
        let html = wrong.text().await.unwrap();
        assert!(html.contains("Enter a whole number of hours from 0 to 336 (two weeks).") && html.contains("value=\"400\""));
        let settings = [("name", "Lakeside Therapy"), ("time_zone", "Europe/Berlin"), ("cancellation_notice_hours", "48")];
        assert_eq!(location(&app.post_form(&w.owner, "/settings", &settings).await), "/settings?done=settings");

        let page = text(&client, &w, &manage).await;
        assert!(page.contains("Tue, Dec 1, 2026, 3:00 PM (Central European Time)"), "in the client's zone: {page}");
        assert!(page.contains("until Sun, Nov 29, 2026, 3:00 PM (Central European Time)"), "{page}");
        assert!(!page.contains("MESSAGE-CANARY"));
        assert_eq!(status_of(&w, id).await, AppointmentStatus::Confirmed, "opening the link changes nothing");

        // Bad input: nothing changes, and the page says why.
        for (start, code, says) in [
            ("tomorrow", 422, "Choose one of the free times listed."),
            ("2026-11-01T10:00:00Z", 422, "That time has already passed; choose a later one."),
            ("2026-12-01T18:00:00Z", 409, "That time is no longer free; nothing was changed. The nearest free times:"),
        ] {
            let answer = app.post_form(&client, &format!("{manage}/reschedule"), &[("start", start)]).await;
            assert_eq!(answer.status(), code, "{start}");
            let html = answer.text().await.unwrap();
            assert!(html.contains(says), "{start}: {html}");
        }
        assert_eq!(app.store().appointment_detail(id).await.unwrap().unwrap().starts_at.to_string(), "2026-12-01T14:00:00Z");

        // Moved to 15:30 Berlin time, which the page offered.
        assert!(page.contains("value=\"2026-12-01T14:30:00Z\""));
        assert!(!page.contains("value=\"2026-12-01T14:00:00Z\""), "its own time is not offered");
        let moved = app.post_form(&client, &format!("{manage}/reschedule"), &[("start", "2026-12-01T14:30:00Z")]).await;
        assert_eq!(location(&moved), format!("{manage}?done=moved"));
        let page = text(&client, &w, &format!("{manage}?done=moved")).await;
        assert!(page.contains("Tue, Dec 1, 2026, 3:30 PM (Central European Time)") && page.contains("has been moved"), "{page}");
        assert_eq!(status_of(&w, id).await, AppointmentStatus::Confirmed, "moving keeps the status");
        let told = w.sink.wait_for(sent + 3, Duration::from_secs(10)).await.remove(sent + 2);
        assert_eq!(told.header("To").map(|t| t.contains("tess@lakeside.example")), Some(true));
        assert_eq!(told.subject(), "An appointment was moved");
        told.assert_discreet();
        assert!(told.body().contains("to Tue 1 Dec 2026, 15:30 (Central European Time)") && !told.body().contains("Robin"));

        let cancelled = app.post_form(&client, &format!("{manage}/cancel"), &[]).await;
        assert_eq!(location(&cancelled), format!("{manage}?done=cancelled"));
        assert_eq!(status_of(&w, id).await, AppointmentStatus::Cancelled);
        let again = app.post_form(&client, &format!("{manage}/cancel"), &[]).await;
        assert_eq!(again.status(), 422);
        assert!(again.text().await.unwrap().contains("This appointment is already cancelled; it cannot be changed."));
        let told = w.sink.wait_for(sent + 4, Duration::from_secs(10)).await.remove(sent + 3);
        assert_eq!(told.subject(), "An appointment was cancelled");

        let history = text(&w.tess, &w, &format!("/appointments/{id}")).await;
        assert!(history.contains("Moved by the client, from Tue, Dec 1, 2026, 3:00 PM (Central European Time)"), "{history}");
        assert!(history.contains("Cancelled by the client"));
        assert!(!history.contains("(late)"), "both were on time");
        assert!(!text(&w.tess, &w, "/dashboard").await.contains("Tue 1 Dec 2026"), "off the dashboard");
        assert_eq!(app.get("/appointments/manage/not-a-token").await.status(), 404);
        w.app.stop().await;
    }

    async fn clients_hear_of_sessions_the_practice_books_for_them(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let sent = book(&w, "2026-11-23", "", ROBIN).await;
        accept(&w).await;
        w.sink.wait_for(sent + 2, Duration::from_secs(10)).await;
        let form = text(&w.tess, &w, "/appointments/new").await;
        let option_before = |label: &str| {
            let end = form.find(label).unwrap_or_else(|| panic!("{label} is offered: {form}"));
            let start = form[..end].rfind("<option value=\"").unwrap() + "<option value=\"".len();
            form[start..].split('"').next().unwrap().to_string()
        };
        let (case, kind) = (option_before(">Robin (individual)"), option_before(">Trial consultation"));
        let fields = [("case", case.as_str()), ("session_type", kind.as_str()), ("format", "telehealth"), ("date", "2026-12-01"), ("time", "09:00"), ("repeat", "weekly"), ("count", "6")];
        let added = app.post_form(&w.tess, "/appointments/new", &fields).await;
        assert_eq!(added.status(), 303, "{}", added.text().await.unwrap());

        let told = w.sink.wait_for(sent + 3, Duration::from_secs(10)).await.remove(sent + 2);
        assert_eq!(told.to, ["robin@visitor.example"]);
        assert_eq!(told.subject(), "New appointments for you");
        told.assert_discreet();
        let body = told.body();
        assert!(body.contains("The practice added 6 appointments for you (Telehealth (video)): Tue 1 Dec 2026, 09:00 (Central European Time); Tue 8 Dec 2026, 09:00 (Central European Time);"), "{body}");
        assert!(body.contains("; and 2 more."), "a long series is summed up: {body}");
        assert!(body.contains("See, cancel or move the first one:\n") && body.contains("/appointments/manage/"), "{body}");
        w.app.stop().await;
    }

    async fn the_practice_moves_and_closes_an_appointment_clients_cannot_after_the_notice(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let mut tess = w.tess.clone();
        // Tomorrow 09:00 in New York: already within the 24 hours' notice.
        let sent = book(&w, "2026-11-23", "", ROBIN).await;
        let id = accept(&w).await;
        let mails = w.sink.wait_for(sent + 2, Duration::from_secs(10)).await;
        let manage = path_of(&link_in(&mails[sent], "/appointments/manage/"));
        let client = TestApp::new_client();
        let page = text(&client, &w, &manage).await;
        assert!(page.contains("It is too late to cancel or move this appointment online; please contact the practice."));
        assert!(!page.contains("Cancel my appointment"));
        let refused = app.post_form(&client, &format!("{manage}/cancel"), &[]).await;
        assert_eq!(refused.status(), 422);
        assert_eq!(status_of(&w, id).await, AppointmentStatus::Confirmed);

        let path = format!("/appointments/{id}");
        let no_reason = app.post_form(&tess, &format!("{path}/cancel"), &[("reason", "")]).await;
        assert_eq!(no_reason.status(), 422);
        assert!(no_reason.text().await.unwrap().contains("Choose a reason from the list."));
        let early = app.post_form(&tess, &format!("{path}/attendance"), &[("outcome", "completed")]).await;
        assert_eq!(early.status(), 422);
        assert!(early.text().await.unwrap().contains("A session can be marked as held or missed only once it has started."));

        // The practice may move it within the notice (recorded as late); the client is told discreetly.
        let page = text(&tess, &w, &path).await;
        assert!(page.contains("value=\"2026-11-24T14:30:00Z\""), "{page}");
        let moved = app.post_form(&tess, &format!("{path}/reschedule"), &[("start", "2026-11-24T14:30:00Z")]).await;
        assert_eq!(location(&moved), format!("{path}?done=moved"));
        let told = w.sink.wait_for(sent + 3, Duration::from_secs(10)).await.remove(sent + 2);
        assert_eq!(told.subject(), "Your appointment has been moved");
        told.assert_discreet();
        assert!(told.body().contains("moved to Tue 24 Nov 2026, 15:30 (Central European Time)") && told.body().contains(&manage));

        assert_eq!(w.owner.get(app.url(&path)).send().await.unwrap().status(), 200, "the owner may see it");

        // After the start: recorded as held; then nothing else changes it.
        app.clock.advance(SignedDuration::from_hours(24));
        // The staff session lapsed meanwhile: Tess signs in again.
        tess = TestApp::new_client();
        app.login(&tess, "tess@lakeside.example", PASSWORD).await;
        app.verify_mfa(&tess, &w.tess_secret).await;
        let held = app.post_form(&tess, &format!("{path}/attendance"), &[("outcome", "completed")]).await;
        assert_eq!(location(&held), format!("{path}?done=completed"));
        let late = app.post_form(&tess, &format!("{path}/cancel"), &[("reason", "other")]).await;
        assert_eq!(late.status(), 422);
        assert!(late.text().await.unwrap().contains("This appointment is already completed; it cannot be changed."));
        let page = text(&tess, &w, &path).await;
        assert!(page.contains("Moved by Tess Therapist, from Tue, Nov 24, 2026, 3:00 PM (Central European Time), within the cancellation notice (late)"), "{page}");
        assert!(page.contains("Marked as held by Tess Therapist") && page.contains("Completed"));

        // The audit log has the changes, by id only.
        let log = app.audit_chain().await;
        for action in ["open_case_from_booking", "reschedule_appointment", "completed", "view_appointment_by_link"] {
            assert!(log.iter().any(|e| e.event.action == action), "{action} audited");
        }
        assert!(log.iter().all(|e| !e.event.record_id.contains("CANARY")));
        w.app.stop().await;
    }
}

on_both_engines! {
    async fn staff_list_move_and_cancel_appointments_over_the_api(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        // A session Tess accepted, and a request still waiting for her.
        book(&w, "2026-11-23", "", ROBIN).await;
        let id = accept(&w).await;
        let sam = [("name", "Sam"), ("email", "sam@visitor.example"), ("jurisdiction", "US-NY"), ("consent_privacy", "on"), ("consent_adult", "on")];
        book(&w, "2026-11-23", "", &sam).await;
        let json = |client: &reqwest::Client, path: String| {
            let client = client.clone();
            async move {
                let response = client.get(app.url(&path)).send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.json::<serde_json::Value>().await.unwrap())
            }
        };

        // Tess's own, by default: the week from today on the practice's clock (Berlin).
        let (status, list) = json(&w.tess, "/api/v1/appointments".into()).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!((list["time_zone"].as_str(), list["from"].as_str(), list["to"].as_str()), (Some("Europe/Berlin"), Some("2026-11-23"), Some("2026-11-30")));
        let shown: Vec<(&str, &str, &str, &str)> = list["appointments"].as_array().unwrap().iter()
            .map(|a| (a["kind"].as_str().unwrap(), a["status"].as_str().unwrap(), a["with_whom"].as_str().unwrap(), a["local_start"].as_str().unwrap()))
            .collect();
        assert_eq!(shown, [
            ("session", "confirmed", "Robin", "2026-11-24T15:00:00+01:00"),
            ("request", "requested", "Sam", "2026-11-24T15:30:00+01:00"),
        ]);
        assert_eq!(list["appointments"][0]["id"], id.to_string());
        assert_eq!(list["appointments"][0]["therapist_id"], w.tess_id.to_string());
        let body = list.to_string();
        assert!(!body.contains("CANARY") && !body.contains("performance"), "what brings a client is not in a list");
        // The owner sees every therapist's; a later stretch has nothing.
        let (_, all) = json(&w.owner, "/api/v1/appointments?from=2026-11-24&days=1".into()).await;
        assert_eq!(all["appointments"].as_array().unwrap().len(), 2, "{all}");
        let (_, later) = json(&w.owner, format!("/api/v1/appointments?from=2026-12-02&therapist={}", w.tess_id)).await;
        assert_eq!(later["appointments"], serde_json::json!([]));
        for (query, field) in [("days=32", "days"), ("days=0", "days"), ("from=tuesday", "from"), ("therapist=tess", "therapist"), ("week=2026-11-23", "week")] {
            let (status, body) = json(&w.tess, format!("/api/v1/appointments?{query}")).await;
            assert_eq!((status, body["fields"][0]["field"].as_str()), (422, Some(field)), "{query}: {body}");
        }
        assert_eq!(json(&w.tess, format!("/api/v1/appointments?therapist={}", UserId::new())).await.0, 404);

        // Moving: only to a free time; a taken one offers the nearest.
        let path = format!("/api/v1/appointments/{id}");
        let taken = app.post_json(&w.tess, &format!("{path}/move"), serde_json::json!({"start": "2026-11-24T14:30:00Z"})).await;
        assert_eq!(taken.status(), 409);
        let body: serde_json::Value = taken.json().await.unwrap();
        assert_eq!((body["error"].as_str(), body["alternatives"][0]["start"].as_str()), (Some("taken"), Some("2026-11-24T15:00:00Z")), "{body}");
        let past = app.post_json(&w.tess, &format!("{path}/move"), serde_json::json!({"start": "2026-11-01T14:00:00Z"})).await;
        assert_eq!(past.status(), 422);
        let moved = app.post_json(&w.tess, &format!("{path}/move"), serde_json::json!({"start": "2026-12-01T14:00:00Z"})).await;
        assert_eq!(moved.status(), 204);
        let told = w.sink.wait_for_subject("Your appointment has been moved", Duration::from_secs(10)).await;
        assert_eq!(told.to, ["robin@visitor.example"]);
        told.assert_discreet();
        assert_eq!(app.store().appointment_detail(id).await.unwrap().unwrap().starts_at, "2026-12-01T14:00:00Z".parse().unwrap());

        // Cancelling: a reason from the list; the client is told; the time is free.
        let no_reason = app.post_json(&w.tess, &format!("{path}/cancel"), serde_json::json!({"reason": "because"})).await;
        assert_eq!(no_reason.status(), 422);
        assert_eq!(status_of(&w, id).await, AppointmentStatus::Confirmed);
        let cancelled = app.post_json(&w.tess, &format!("{path}/cancel"), serde_json::json!({"reason": "clinician_unavailable"})).await;
        assert_eq!(cancelled.status(), 204);
        assert_eq!(status_of(&w, id).await, AppointmentStatus::Cancelled);
        let told = w.sink.wait_for_subject("Your appointment has been cancelled", Duration::from_secs(10)).await;
        assert_eq!(told.to, ["robin@visitor.example"]);
        let (_, list) = json(&w.tess, "/api/v1/appointments?from=2026-12-01&days=1".into()).await;
        assert_eq!(list["appointments"], serde_json::json!([]), "cancelled ones are left out");
        let again = app.post_json(&w.tess, &format!("{path}/cancel"), serde_json::json!({"reason": "other"})).await;
        assert_eq!(again.status(), 422, "cancelled once");

        // Every list is an audited access; every change is audited.
        let log = app.audit_chain().await;
        let lists = log.iter().filter(|e| e.event.action == "view_calendar" && e.event.outcome == "allowed").count();
        assert!(lists >= 4, "{lists} lists audited");
        for action in ["reschedule_appointment", "cancel_appointment"] {
            assert!(log.iter().any(|e| e.event.action == action && e.event.record_id == id.to_string()), "{action} audited");
        }
        assert!(log.iter().any(|e| e.event.action == "view_calendar" && e.event.outcome == "denied"), "an unknown therapist is audited");
        w.app.stop().await;
    }
}
