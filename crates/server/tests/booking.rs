//! Booking a session from the directory, as a visitor and a therapist do it,
//! with a real SMTP conversation: free times in the visitor's zone, the
//! form with its checks, the honeypot and the minimum time to fill it in,
//! the email link, the therapist's answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use jiff::SignedDuration;
use sensate_app::scheduling::booking::NOTICE_GRACE;
use sensate_domain::{Role, UserId};
use sensate_testkit::smtp_sink::SmtpSink;
use sensate_testkit::{
    LAKESIDE, TRIAL_CONSULTATION, TUESDAY_MORNINGS, TestApp, TestDb, on_both_engines, spawn_app_with_mail,
};

const PASSWORD: &str = "booking pages phrase";

struct World {
    app: TestApp,
    sink: SmtpSink,
    tess: reqwest::Client,
    tess_id: UserId,
    tess_secret: sensate_domain::totp::TotpSecret,
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

/// A listed therapist with a trial consultation and Tuesday-morning hours in New York, 12 hours' notice.
async fn world(db: TestDb) -> World {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with_mail(db, sink.url()).await;
    let (owner, _) = app.set_up_practice(&LAKESIDE).await;
    let practice = app.practice_of(LAKESIDE.email).await;
    let tess_id = app.add_person(practice, "tess@lakeside.example", "Tess Therapist", Role::Clinician, PASSWORD).await;
    let tess = TestApp::new_client();
    app.login(&tess, "tess@lakeside.example", PASSWORD).await;
    let tess_secret = app.enrol_mfa(&tess).await;
    app.list_in_directory(&owner, &tess, tess_id, &[]).await;
    assert_eq!(app.post_form(&owner, "/session-types", TRIAL_CONSULTATION).await.status(), 303);
    assert_eq!(app.post_form(&tess, &format!("/availability/{tess_id}"), TUESDAY_MORNINGS).await.status(), 303);
    World { app, sink, tess, tess_id, tess_secret }
}

/// What a browser set to German sends.
const GERMAN: &str = "de-DE,de;q=0.9,en;q=0.8";

/// The visitor's form for the first free time, as the pages lead there.
async fn open_form(w: &World, visitor: &reqwest::Client) -> (String, Vec<(String, String)>) {
    let profile =
        visitor.get(w.app.url(&format!("/therapists/{}", w.tess_id))).send().await.unwrap().text().await.unwrap();
    assert!(profile.contains(&format!("href=\"/therapists/{}/book\">Choose a time", w.tess_id)));
    // A visitor whose browser prefers German: a 24-hour clock, the day first.
    let slots = visitor
        .get(w.app.url(&format!("/therapists/{}/book?tz=Europe/Berlin", w.tess_id)))
        .header("accept-language", GERMAN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // Now is Monday 10:00 in New York; with 12 hours' notice the first free time is
    // Tuesday 09:00 there, 15:00 in Berlin.
    assert!(slots.contains("<h3>Tuesday 24 November</h3>"), "{slots}");
    let href = sensate_testkit::between(&slots, "<a class=\"button button-secondary slot\" href=\"", "\"")
        .unwrap()
        .replace("&#38;", "&");
    assert!(slots.contains(">15:00</a>") && slots.contains("Times in Central European Time."), "{slots}");
    let form =
        visitor.get(w.app.url(&href)).header("accept-language", GERMAN).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("Tue 24 Nov 2026, 15:00 (Central European Time) · Telehealth (video)"), "{href}\n{form}");
    let hidden = |name: &str| sensate_testkit::hidden_value(&form, name).unwrap();
    let fields = ["type", "format", "start", "tz", "stamp"].iter().map(|n| (n.to_string(), hidden(n))).collect();
    (href, fields)
}

fn with(fields: &[(String, String)], more: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all = fields.to_vec();
    all.extend(more.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    all
}

async fn submit(w: &World, visitor: &reqwest::Client, fields: &[(String, String)]) -> reqwest::Response {
    let token = w.app.csrf_token(visitor).await;
    let mut form = fields.to_vec();
    form.push(("csrf_token".into(), token));
    visitor
        .post(w.app.url(&format!("/therapists/{}/book", w.tess_id)))
        .header("origin", &w.app.base_url)
        .form(&form)
        .send()
        .await
        .unwrap()
}

const GOOD: &[(&str, &str)] = &[
    ("name", "Robin"),
    ("email", "robin@visitor.example"),
    ("concern", "performance-anxiety"),
    ("message", "MESSAGE-CANARY first time asking for help"),
    ("payment", "self_pay"),
    ("jurisdiction", "US-NY"),
    ("discreet_email", "on"),
    ("consent_privacy", "on"),
    ("consent_adult", "on"),
    ("website", ""),
];

on_both_engines! {
    async fn a_visitor_books_a_trial_session_and_the_therapist_confirms_it(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let visitor = TestApp::new_client();
        let (_, fields) = open_form(&w, &visitor).await;
        // A second visitor looks at the same time.
        let other = TestApp::new_client();
        let (_, theirs) = open_form(&w, &other).await;

        // Sent at once: a script. The page looks the same; nothing is kept or sent.
        let hurried = submit(&w, &visitor, &with(&fields, GOOD)).await;
        assert_eq!(hurried.status(), 200);
        assert!(hurried.text().await.unwrap().contains("Check your email"));
        app.clock.advance(SignedDuration::from_secs(20));
        // The honeypot filled: the same.
        let bot = submit(&w, &visitor, &with(&fields, &[("name", "Bot"), ("email", "bot@spam.example"), ("consent_privacy", "on"), ("consent_adult", "on"), ("jurisdiction", "US-NY"), ("website", "http://spam.example")])).await;
        assert!(bot.text().await.unwrap().contains("Check your email"));
        assert!(app.store().busy_times(w.tess_id, sensate_domain::Clock::now(&app.clock), sensate_domain::Clock::now(&app.clock)).await.unwrap().is_empty(), "nothing held");
        assert!(w.sink.messages().is_empty(), "nothing sent");

        // Mistakes are named beside their fields; what was typed stays.
        let wrong = submit(&w, &visitor, &with(&fields, &[("name", "Robin"), ("email", "robin-at-visitor"), ("message", "typed text stays"), ("jurisdiction", "US-CA")])).await;
        assert_eq!(wrong.status(), 422);
        let html = wrong.text().await.unwrap();
        assert!(html.contains("Enter an email address such as name@example.com"));
        assert!(html.contains("Please agree to the privacy notice"));
        assert!(html.contains("Sessions booked here are for adults 18 or older."));
        assert!(html.contains("is licensed for video sessions only where they hold a licence"));
        assert!(html.contains("typed text stays") && html.contains("value=\"robin-at-visitor\""));

        let sent = submit(&w, &visitor, &with(&fields, GOOD)).await;
        assert_eq!(sent.status(), 200);
        assert!(sent.text().await.unwrap().contains("We sent a link to robin@visitor.example"));
        let mail = w.sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        assert_eq!(mail.subject(), "Please confirm your request", "discreet: no practice name");
        let body = mail.body();
        assert!(body.contains("an appointment on Tue 24 Nov 2026, 15:00 (Central European Time)"), "{body}");
        assert!(!body.to_lowercase().contains("consultation"), "discreet: no kind of session either");
        assert!(!body.contains("performance") && !body.contains("MESSAGE-CANARY"), "nothing about what brings them");
        let link = body.split_whitespace().find(|w| w.starts_with("http")).unwrap().to_string();
        assert!(link.contains("/bookings/confirm/"));

        // Held: a second visitor cannot take the time, and is offered others.
        let taken = submit(&w, &other, &with(&theirs, &[("name", "Sam"), ("email", "sam@visitor.example"), ("jurisdiction", "US-NY"), ("consent_privacy", "on"), ("consent_adult", "on")])).await;
        assert_eq!(taken.status(), 409);
        let html = taken.text().await.unwrap();
        assert!(html.contains("This time was just taken."));
        assert!(html.contains(">3:30 PM</a>"), "the nearest free time, on this visitor's 12-hour clock");

        // The therapist sees nothing until the email is confirmed.
        let requests = w.tess.get(app.url("/requests")).send().await.unwrap().text().await.unwrap();
        assert!(requests.contains("No requests wait for you."));
        assert!(requests.contains(">Requests</a>"), "the menu counts nothing yet");
        let page = visitor.get(&link).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Confirm and send my request"), "opening the link changes nothing");
        let token = link.rsplit('/').next().unwrap();
        let path = format!("/bookings/confirm/{token}");
        let confirmed = app.post_form(&visitor, &path, &[]).await;
        assert_eq!(confirmed.status(), 200);
        let html = confirmed.text().await.unwrap();
        assert!(html.contains("<h1>Your request was sent</h1>") && html.contains("What happens next"), "the page says where the visitor stands");
        let receipt = w.sink.wait_for(2, Duration::from_secs(10)).await.remove(1);
        assert_eq!(receipt.subject(), "Your request was sent");
        let body = receipt.body();
        assert!(body.contains("Your request for an appointment on Tue 24 Nov 2026, 15:00 (Central European Time) (Telehealth (video)) was sent."), "{body}");
        assert!(body.contains("What happens next: you get an answer by email.") && body.contains("Your therapist: Tess Therapist."), "{body}");
        let again = app.post_form(&visitor, &path, &[]).await.text().await.unwrap();
        assert!(again.contains("You have confirmed this request already."));

        let requests = w.tess.get(app.url("/requests")).send().await.unwrap().text().await.unwrap();
        assert!(requests.contains("Robin") && requests.contains("Tue, Nov 24, 2026, 3:00 PM (Central European Time)"), "in the practice's time zone, like every staff page");
        assert!(requests.contains("Topic: Performance anxiety") && requests.contains("MESSAGE-CANARY"), "decrypted for the therapist");
        let today = w.tess.get(app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
        assert!(today.contains(r#"Requests <span class="count">1<span class="visually-hidden"> waiting</span>"#), "every page's menu counts the request");
        assert!(today.contains("<strong>1</strong> booking request waits for your answer."), "the Today page says what needs attention");
        let id = sensate_testkit::between(&requests, "/requests/", "/confirm").unwrap();
        assert_eq!(location(&app.post_form(&w.tess, &format!("/requests/{id}/confirm"), &[]).await), "/requests?done=confirmed");
        let answer = w.sink.wait_for(3, Duration::from_secs(10)).await.remove(2);
        assert_eq!(answer.subject(), "Your appointment is confirmed");
        assert!(answer.body().contains("Tue 24 Nov 2026, 15:00 (Central European Time)"), "{}", answer.body());
        assert_eq!(app.post_form(&w.tess, &format!("/requests/{id}/confirm"), &[]).await.status(), 422, "answered once");
        let today = w.tess.get(app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
        assert!(today.contains(">Requests</a>"), "an answered request is no longer counted");
        assert!(today.contains("Nothing waits for you."));
        for mail in w.sink.messages() {
            mail.assert_discreet();
        }

        // On the day, the session is among today's, with its status.
        app.clock.set("2026-11-24T16:30:00Z".parse().unwrap());
        let tess = TestApp::new_client();
        app.login(&tess, "tess@lakeside.example", PASSWORD).await;
        app.verify_mfa(&tess, &w.tess_secret).await;
        let today = tess.get(app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
        let todays = sensate_testkit::between(&today, "<h2 id=\"today-title\">Today's sessions</h2>", "</section>").unwrap();
        assert!(todays.contains("Tue, Nov 24, 2026, 3:00 PM (Central European Time)") && todays.contains("badge-confirmed"), "{todays}");
        assert!(today.contains("Tuesday, November 24"), "the practice's date");
        w.app.stop().await;
    }

    async fn a_form_left_open_for_more_than_a_day_is_given_back_not_dropped(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let visitor = TestApp::new_client();
        let (_, fields) = open_form(&w, &visitor).await;
        // A time a week on, so that it is still free when the form comes back.
        let set = |fields: &[(String, String)], key: &str, value: &str| -> Vec<(String, String)> {
            fields.iter().map(|(k, v)| (k.clone(), if k == key { value.to_string() } else { v.clone() })).collect()
        };
        let later = set(&fields, "start", "2026-12-01T14:00:00Z");
        app.clock.advance(SignedDuration::from_hours(25));
        let old = submit(&w, &visitor, &with(&later, GOOD)).await;
        assert_eq!(old.status(), 422, "told, not silently dropped as a script would be");
        let html = old.text().await.unwrap();
        assert!(html.contains("This form was open for more than a day, so nothing was sent."), "{html}");
        assert!(html.contains("href=\"#booking-form\"") && html.contains("value=\"Robin\""), "what was typed is kept");
        let stamp = sensate_testkit::hidden_value(&html, "stamp").unwrap();
        let first = later.iter().find(|(k, _)| k == "stamp").unwrap().1.clone();
        assert_ne!(stamp, first, "a new stamp");
        assert!(w.sink.messages().is_empty(), "nothing sent");
        // Sent again a little later, it goes through.
        app.clock.advance(SignedDuration::from_secs(20));
        let again = submit(&w, &visitor, &with(&set(&later, "stamp", &stamp), GOOD)).await;
        assert_eq!(again.status(), 200);
        assert!(again.text().await.unwrap().contains("We sent a link to robin@visitor.example"));
        assert_eq!(w.sink.wait_for(1, Duration::from_secs(10)).await.len(), 1);
        w.app.stop().await;
    }

    async fn a_time_at_the_edge_of_the_notice_stays_bookable_while_the_form_is_filled_in(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        // Monday 21:00 in New York: with 12 hours' notice, Tuesday 09:00 is
        // the first free time, and only just.
        app.clock.set("2026-11-24T02:00:00Z".parse().unwrap());
        let visitor = TestApp::new_client();
        let (_, fields) = open_form(&w, &visitor).await;
        let late = TestApp::new_client();
        let (_, too_late) = open_form(&w, &late).await;
        // Five minutes over the form: the notice has passed the time
        // meanwhile, and the request still goes through.
        app.clock.advance(SignedDuration::from_mins(5));
        let sent = submit(&w, &visitor, &with(&fields, GOOD)).await;
        assert_eq!(sent.status(), 200);
        assert!(sent.text().await.unwrap().contains("We sent a link to robin@visitor.example"));
        assert_eq!(w.sink.wait_for(1, Duration::from_secs(10)).await.len(), 1);
        // A form sent long after it was shown gets no such grace: another
        // visitor, who left the form open, is offered later times.
        app.clock.advance(NOTICE_GRACE);
        let other = [("name", "Sam"), ("email", "sam@visitor.example"), ("jurisdiction", "US-NY"), ("consent_privacy", "on"), ("consent_adult", "on")];
        let refused = submit(&w, &late, &with(&too_late, &other)).await;
        assert_eq!(refused.status(), 409);
        assert!(refused.text().await.unwrap().contains("nothing was saved"));
        w.app.stop().await;
    }

    async fn a_link_opened_after_the_hold_ran_out_asks_for_a_new_time(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let visitor = TestApp::new_client();
        let (_, fields) = open_form(&w, &visitor).await;
        app.clock.advance(SignedDuration::from_secs(20));
        assert_eq!(submit(&w, &visitor, &with(&fields, GOOD)).await.status(), 200);
        let mail = w.sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        let link = mail.body().split_whitespace().find(|w| w.starts_with("http")).unwrap().to_string();
        app.clock.advance(SignedDuration::from_mins(31));
        let path = format!("/bookings/confirm/{}", link.rsplit('/').next().unwrap());
        let page = visitor.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("that time has passed") && !page.contains("Confirm and send my request"));
        let late = app.post_form(&visitor, &path, &[]).await;
        assert_eq!(late.status(), 410);
        assert!(late.text().await.unwrap().contains("Please choose a time again."));
        assert_eq!(app.get("/bookings/confirm/not-a-token").await.status(), 404);
        w.app.stop().await;
    }
}

/// A booking request over JSON for `start`, with `stamp`.
fn api_request(start: &str, stamp: &str, email: &str) -> serde_json::Value {
    serde_json::json!({
        "session_type": "", "format": "telehealth", "start": start, "visitor_time_zone": "Europe/Berlin",
        "stamp": stamp, "name": "Robin", "email": email, "concern": "performance-anxiety",
        "message": "MESSAGE-CANARY over the API", "payment": "self_pay", "jurisdiction": "US-NY",
        "consent_privacy": true, "consent_adult": true,
    })
}

on_both_engines! {
    async fn an_integrator_books_over_the_api_under_the_forms_rules(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let visitor = TestApp::new_client();
        let get = |path: String| {
            let visitor = &visitor;
            async move {
                let response = visitor.get(app.url(&path)).send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.json::<serde_json::Value>().await.unwrap())
            }
        };
        let (status, form) = get(format!("/api/v1/therapists/{}/booking-form", w.tess_id)).await;
        assert_eq!(status, 200, "{form}");
        assert_eq!((form["submit_after_seconds"].as_i64(), form["hold_minutes"].as_i64()), (Some(3), Some(30)));
        assert_eq!(form["jurisdictions"], serde_json::json!([{"value": "US-NY", "label": "New York"}]), "where Tess is licensed");
        assert!(form["concerns"].as_array().unwrap().iter().any(|c| c["value"] == "performance-anxiety"));
        assert_eq!(form["payments"][0]["value"], "self_pay");
        let stamp = form["stamp"].as_str().unwrap().to_string();
        let (_, free) = get(format!("/api/v1/therapists/{}/free-times?tz=Europe/Berlin", w.tess_id)).await;
        let kind = free["session_type"].as_str().unwrap().to_string();
        let first = free["times"][0]["start"].as_str().unwrap().to_string();
        let second = free["times"][1]["start"].as_str().unwrap().to_string();
        let path = format!("/api/v1/therapists/{}/booking-requests", w.tess_id);
        let request = |start: &str, stamp: &str, email: &str| {
            let mut body = api_request(start, stamp, email);
            body["session_type"] = kind.clone().into();
            body
        };

        // Sent at once: a script's. Answered alike; nothing kept or sent.
        let hurried = app.post_json(&visitor, &path, request(&first, &stamp, "robin@visitor.example")).await;
        assert_eq!(hurried.status(), 202);
        assert!(app.store().busy_times(w.tess_id, sensate_domain::Clock::now(&app.clock), sensate_domain::Clock::now(&app.clock) + SignedDuration::from_hours(48)).await.unwrap().is_empty(), "nothing held");
        app.clock.advance(SignedDuration::from_secs(20));

        // Mistakes are named field by field, and change nothing.
        let mut wrong = request(&first, &stamp, "robin-at-visitor");
        wrong["consent_adult"] = false.into();
        wrong["jurisdiction"] = "US-CA".into();
        let refused = app.post_json(&visitor, &path, wrong).await;
        assert_eq!(refused.status(), 422);
        let body: serde_json::Value = refused.json().await.unwrap();
        let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["email", "consent_adult", "jurisdiction"], "{body}");
        for (key, value, field) in [("session_type", "not-offered", "session_type"), ("format", "in_person", "format"), ("start", "Tuesday", "start")] {
            let mut body = request(&first, &stamp, "robin@visitor.example");
            body[key] = value.into();
            let refused = app.post_json(&visitor, &path, body).await;
            assert_eq!(refused.status(), 422);
            assert_eq!(refused.json::<serde_json::Value>().await.unwrap()["fields"][0]["field"], field);
        }
        let unreadable = app.post_json(&visitor, &path, serde_json::json!({"name": "Robin"})).await;
        assert_eq!(unreadable.status(), 422, "required fields missing");
        assert!(w.sink.messages().is_empty(), "nothing sent");

        // The request: held, and the confirmation link emailed, as from the form.
        let sent = app.post_json(&visitor, &path, request(&first, &stamp, "robin@visitor.example")).await;
        assert_eq!(sent.status(), 202);
        let body: serde_json::Value = sent.json().await.unwrap();
        assert_eq!(body, serde_json::json!({"status": "check_email", "email": "robin@visitor.example", "hold_minutes": 30}));
        let mail = w.sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        assert_eq!(mail.subject(), "Please confirm your request");
        assert!(mail.body().contains("an appointment on Tue 24 Nov 2026, 15:00 (Central European Time)"), "{}", mail.body());
        mail.assert_discreet();
        let link = mail.body().split_whitespace().find(|w| w.starts_with("http")).unwrap().to_string();

        // The stamp works once: sent again, for another time, it is a replay.
        let replay = app.post_json(&visitor, &path, request(&second, &stamp, "sam@visitor.example")).await;
        assert_eq!(replay.status(), 202);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(w.sink.messages().len(), 1, "a replay sends nothing");

        // The held time, asked for by someone else: taken, with the nearest free ones.
        let (_, fresh) = get(format!("/api/v1/therapists/{}/booking-form", w.tess_id)).await;
        let fresh = fresh["stamp"].as_str().unwrap().to_string();
        app.clock.advance(SignedDuration::from_secs(20));
        let taken = app.post_json(&visitor, &path, request(&first, &fresh, "sam@visitor.example")).await;
        assert_eq!(taken.status(), 409);
        let body: serde_json::Value = taken.json().await.unwrap();
        assert_eq!(body["error"], "taken");
        assert_eq!(body["alternatives"][0]["start"], second.as_str(), "{body}");
        assert_eq!(body["alternatives"][0]["local"], "2026-11-24T15:30:00+01:00", "in the visitor's zone");

        // Confirmed by the link, the request waits for Tess, as any other.
        let token = link.rsplit('/').next().unwrap();
        assert_eq!(app.post_form(&visitor, &format!("/bookings/confirm/{token}"), &[]).await.status(), 200);
        let requests = w.tess.get(app.url("/requests")).send().await.unwrap().text().await.unwrap();
        assert!(requests.contains("Robin") && requests.contains("MESSAGE-CANARY over the API"), "{requests}");

        // A stamp older than a day is named, so the integrator asks again.
        app.clock.advance(SignedDuration::from_hours(25));
        let old = app.post_json(&visitor, &path, request("2026-12-01T14:00:00Z", &fresh, "sam@visitor.example")).await;
        assert_eq!(old.status(), 422);
        let body: serde_json::Value = old.json().await.unwrap();
        assert_eq!(body["fields"][0]["field"], "stamp", "{body}");

        // Requests are limited per network address, scripts' included.
        let mut answers = Vec::new();
        for n in 0..6 {
            let (_, form) = get(format!("/api/v1/therapists/{}/booking-form", w.tess_id)).await;
            let stamp = form["stamp"].as_str().unwrap().to_string();
            let body = request("2026-12-01T14:30:00Z", &stamp, &format!("person{n}@visitor.example"));
            answers.push(app.post_json(&visitor, &path, body).await.status().as_u16());
        }
        assert_eq!(answers, [202, 202, 202, 202, 202, 429]);
        assert_eq!(get(format!("/api/v1/therapists/{}/booking-form", UserId::new())).await.0, 404);
        w.app.stop().await;
    }
}
