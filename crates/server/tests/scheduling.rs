//! Scheduling through the pages: the practice's session types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sensate_domain::{Role, UserId};
use sensate_store::NewUser;
use sensate_testkit::{LAKESIDE, TestApp, TestDb, on_both_engines, parse_with_python_icalendar, spawn_app};

const PASSWORD: &str = "scheduling pages phrase";

/// A therapist of the owner's practice, signed in past the second step.
async fn therapist(app: &TestApp) -> (UserId, reqwest::Client) {
    let practice = app.practice_of(LAKESIDE.email).await;
    let id = app.add_person(practice, "tess@lakeside.example", "Tess Therapist", Role::Clinician, PASSWORD).await;
    (id, app.signed_in_staff("tess@lakeside.example", PASSWORD).await)
}

async fn owner(db: TestDb) -> (TestApp, reqwest::Client) {
    let app = spawn_app(db).await;
    let (owner, _) = app.set_up_practice(&LAKESIDE).await;
    (app, owner)
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

on_both_engines! {
    async fn the_practice_defines_its_session_types(db: TestDb) {
        let (app, owner) = owner(db).await;
        let dashboard = owner.get(app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
        assert!(dashboard.contains("href=\"/session-types\">Session types and fees"));
        let empty = owner.get(app.url("/session-types")).send().await.unwrap().text().await.unwrap();
        assert!(empty.contains("No session types yet."));

        // Mistakes are explained beside their fields; what was typed stays.
        let refused = app
            .post_form(&owner, "/session-types", &[("name", "Couple session"), ("duration", "9000"), ("fee", "x"), ("participants", "either")])
            .await;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains("Enter the length in minutes, between 5 and 480."));
        assert!(html.contains("Enter the fee in dollars"));
        assert!(html.contains("Choose at least one way to meet"));
        assert!(html.contains("value=\"Couple session\""));
        assert!(!html.contains("<td data-label=\"Name\">Couple session"), "nothing was added");

        let trial = [("name", "Trial consultation"), ("duration", "20"), ("fee", "0"), ("participants", "either"), ("telehealth", "on"), ("trial", "on")];
        assert_eq!(location(&app.post_form(&owner, "/session-types", &trial).await), "/session-types?done=added");
        let couple = [("name", "Couple session"), ("duration", "80"), ("fee", "220.50"), ("participants", "couple"), ("in_person", "on"), ("telehealth", "on"), ("needs_approval", "on")];
        assert_eq!(location(&app.post_form(&owner, "/session-types", &couple).await), "/session-types?done=added");
        let html = owner.get(app.url("/session-types?done=added")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Session type added."));
        let trial_row = sensate_testkit::between(&html, "<td data-label=\"Name\">Trial consultation", "</tr>").unwrap();
        assert!(trial_row.contains("20 min") && trial_row.contains("Free") && trial_row.contains("<td data-label=\"How\">Video</td>") && trial_row.contains("Booked at once"));
        let couple_row = sensate_testkit::between(&html, "<td data-label=\"Name\">Couple session", "</tr>").unwrap();
        assert!(couple_row.contains("$220.50") && couple_row.contains("In person or video") && couple_row.contains("Therapist approves"));
        assert!(html.find("Trial consultation").unwrap() < html.find("<td data-label=\"Name\">Couple session").unwrap(), "trial consultations first");

        // Withdrawn, then offered again.
        let id = sensate_testkit::between(&couple_row, "/session-types/", "/withdraw").unwrap();
        assert_eq!(location(&app.post_form(&owner, &format!("/session-types/{id}/withdraw"), &[]).await), "/session-types?done=withdrawn");
        let html = owner.get(app.url("/session-types")).send().await.unwrap().text().await.unwrap();
        assert!(sensate_testkit::between(&html, "<td data-label=\"Name\">Couple session", "</tr>").unwrap().contains("Withdrawn"));
        assert_eq!(location(&app.post_form(&owner, &format!("/session-types/{id}/offer"), &[]).await), "/session-types?done=offered");
        let unknown = uuid::Uuid::now_v7();
        assert_eq!(app.post_form(&owner, &format!("/session-types/{unknown}/offer"), &[]).await.status(), 404);
        app.stop().await;
    }

    async fn a_therapist_sets_bookable_hours_and_sees_the_free_times_they_give(db: TestDb) {
        let (app, _owner) = owner(db).await;
        let (id, tess) = therapist(&app).await;
        let mine = format!("/availability/{id}");
        assert_eq!(location(&tess.get(app.url("/availability")).send().await.unwrap()), mine);
        let html = tess.get(app.url(&mine)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Your bookable hours"));
        assert!(html.contains("Nothing is bookable yet."));
        assert!(html.contains("<option value=\"Europe/Berlin\" selected>"), "the practice's zone to start with");

        let mut form = vec![
            ("time_zone", "America/New_York"),
            ("buffer_before", "0"),
            ("buffer_after", "10"),
            ("min_notice_hours", "24"),
            ("horizon_days", "60"),
            ("max_per_day", ""),
            ("slot_step", "30"),
            ("w1_weekday", "2"),
            ("w1_start", "9am"),
            ("w1_end", "12:00"),
            ("w1_format", "telehealth"),
            ("o1_date", "2026-12-01"),
            ("o1_closed", "on"),
        ];
        let refused = app.post_form(&tess, &mine, &form).await;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains("Enter times as HH:MM on a 24-hour clock, for example 09:00 (not “9am”)."));
        assert!(html.contains("value=\"9am\""), "what was typed is kept");
        assert!(html.contains("Nothing is bookable yet."), "nothing was saved");

        form[8] = ("w1_start", "09:00");
        assert_eq!(location(&app.post_form(&tess, &mine, &form).await), format!("{mine}?done=saved"));
        let html = tess.get(app.url(&format!("{mine}?done=saved"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Hours saved."));
        assert!(html.contains("<option value=\"2\" selected>Tuesday</option>"));
        // Now is Monday 23 Nov 2026, 10:00 in New York. A day's notice leaves
        // Tuesday from 10:00 (a 50-minute session must end by 12:00); 1 December
        // is closed; the next Tuesday is beyond the preview's two weeks.
        let preview = sensate_testkit::between(&html, "Next free times", "</section>").unwrap();
        let times: Vec<&str> = preview.split("<li>").skip(1).map(|li| li.split(" · ").next().unwrap()).collect();
        assert_eq!(times, vec!["Tue, Nov 24, 2026, 10:00 AM (Eastern Time)", "Tue, Nov 24, 2026, 10:30 AM (Eastern Time)", "Tue, Nov 24, 2026, 11:00 AM (Eastern Time)"]);
        assert!(preview.contains("Telehealth (video)"));
        app.stop().await;
    }

    async fn a_listed_profile_shows_the_next_free_time_for_a_trial_consultation(db: TestDb) {
        let (app, owner) = owner(db).await;
        let (id, tess) = therapist(&app).await;
        // Listed: a profile and a licence the owner has verified.
        app.list_in_directory(&owner, &tess, id, &[]).await;
        let public = format!("/therapists/{id}");
        let page = app.get(&public).await.text().await.unwrap();
        assert!(page.contains("Calm help"), "listed");
        assert!(!page.contains("Next free time"), "no hours, no session types: nothing to offer");

        let trial = [("name", "Trial consultation"), ("duration", "20"), ("fee", "0"), ("participants", "either"), ("telehealth", "on"), ("trial", "on")];
        app.post_form(&owner, "/session-types", &trial).await;
        let hours = [
            ("time_zone", "America/New_York"), ("buffer_before", "0"), ("buffer_after", "10"), ("min_notice_hours", "24"),
            ("horizon_days", "30"), ("slot_step", "30"), ("w1_weekday", "2"), ("w1_start", "09:00"), ("w1_end", "12:00"), ("w1_format", "telehealth"),
        ];
        assert_eq!(location(&app.post_form(&tess, &format!("/availability/{id}"), &hours).await), format!("/availability/{id}?done=saved"));
        let page = app.get(&public).await.text().await.unwrap();
        assert!(page.contains("<strong>Next free time:</strong> Tue, Nov 24, 2026, 10:00 AM (Eastern Time) · Trial consultation · Telehealth (video)"), "{page}");

        // Once that time is taken, the next one is offered (after the 10-minute buffer).
        let practice = app.store().memberships(id).await.unwrap()[0].practice_id;
        let start: jiff::Timestamp = "2026-11-24T15:00:00Z".parse().unwrap();
        let taken = sensate_store::NewAppointment {
            id: sensate_domain::AppointmentId::new(),
            practice_id: practice,
            case_id: None,
            clinician_id: id,
            starts_at: start,
            ends_at: start + jiff::SignedDuration::from_mins(20),
            time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
            format: sensate_domain::scheduling::SessionFormat::Telehealth,
            status: sensate_domain::scheduling::AppointmentStatus::Confirmed,
            created_at: sensate_domain::Clock::now(&app.clock),
            session_type_id: None,
            held_until: None,
            attendees: Vec::new(),
        };
        assert_eq!(app.store().book_appointment(&taken, sensate_domain::Clock::now(&app.clock)).await.unwrap(), sensate_store::Booking::Booked);
        let page = app.get(&public).await.text().await.unwrap();
        assert!(page.contains("<strong>Next free time:</strong> Tue, Nov 24, 2026, 10:30 AM (Eastern Time) · Trial consultation"), "{page}");
        app.stop().await;
    }

    async fn a_therapist_subscribes_to_a_private_calendar_feed_with_initials_only(db: TestDb) {
        let (app, _owner) = owner(db).await;
        let (id, tess) = therapist(&app).await;
        let page = tess.get(app.url("/calendar-feed")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("You have no feed address yet."));

        // A couple's confirmed session with Tess.
        let practice = app.store().memberships(id).await.unwrap()[0].practice_id;
        let now = sensate_domain::Clock::now(&app.clock);
        let mut clients = Vec::new();
        for (email, name) in [("alex@client.example", "Alex Kim"), ("riley@client.example", "Riley Morgan")] {
            let client = UserId::new();
            app.store().insert_user(&NewUser { id: client, email: sensate_domain::Email::parse(email).unwrap(), display_name: name.into(), password_hash: "x".into(), created_at: now }).await.unwrap();
            app.store().insert_membership(practice, client, Role::Client, now).await.unwrap();
            clients.push(client);
        }
        let case = sensate_domain::CaseId::new();
        app.store()
            .insert_case(&sensate_store::NewCase { id: case, practice_id: practice, clinician_id: id, kind: sensate_domain::scheduling::CaseKind::Couple, members: clients, opened_at: now })
            .await
            .unwrap();
        let start: jiff::Timestamp = "2026-11-24T15:00:00Z".parse().unwrap();
        let session = sensate_store::NewAppointment {
            id: sensate_domain::AppointmentId::new(),
            practice_id: practice,
            case_id: Some(case),
            clinician_id: id,
            starts_at: start,
            ends_at: start + jiff::SignedDuration::from_mins(80),
            time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
            format: sensate_domain::scheduling::SessionFormat::InPerson,
            status: sensate_domain::scheduling::AppointmentStatus::Confirmed,
            created_at: now,
            session_type_id: None,
            held_until: None,
            attendees: Vec::new(),
        };
        app.store().book_appointment(&session, now).await.unwrap();

        // The address is shown once, on the answer that made it.
        let made = app.post_form(&tess, "/calendar-feed", &[]).await;
        assert_eq!(made.status(), 200);
        let html = made.text().await.unwrap();
        let address = sensate_testkit::between(&html, "<code class=\"feed-address\">", "</code>").unwrap();
        assert!(address.starts_with(&app.url("/calendar/")));
        let again = tess.get(app.url("/calendar-feed")).send().await.unwrap().text().await.unwrap();
        assert!(!again.contains(&address) && again.contains("cannot be shown again"));

        let response = reqwest::get(&address).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/calendar; charset=utf-8");
        assert!(response.headers().get("set-cookie").is_none(), "a calendar app gets no cookie");
        let ics = response.text().await.unwrap();
        assert!(!ics.contains("Alex") && !ics.contains("Riley") && !ics.contains("Kim"), "no client names");
        // An independent parser reads it.
        let parsed = parse_with_python_icalendar(&ics);
        assert_eq!(parsed, format!("{}@sensate|2026-11-24 15:00:00+00:00|2026-11-24 16:20:00+00:00|Session with A.K. & R.M. (in person)|CONFIRMED\n", session.id));

        // A new address replaces the old; revoking stops it.
        let html = app.post_form(&tess, "/calendar-feed", &[]).await.text().await.unwrap();
        let newer = sensate_testkit::between(&html, "<code class=\"feed-address\">", "</code>").unwrap();
        assert_eq!(reqwest::get(&address).await.unwrap().status(), 404);
        assert_eq!(reqwest::get(&newer).await.unwrap().status(), 200);
        assert_eq!(location(&app.post_form(&tess, "/calendar-feed/revoke", &[]).await), "/calendar-feed?done=revoked");
        assert_eq!(reqwest::get(&newer).await.unwrap().status(), 404);
        let log = app.audit_chain().await;
        assert_eq!(log.iter().filter(|e| e.event.action == "read_calendar_feed").count(), 2, "each read is audited");
        app.stop().await;
    }
}
