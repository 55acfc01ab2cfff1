//! "Next available" on directory search results and sorting by soonest
//! available, against the real server on both engines: the times come from
//! real hours and bookings, a booking or a cancellation changes them at the
//! next search, and a time that can no longer be offered is never shown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat};
use sensate_domain::{AppointmentId, Role, UserId};
use sensate_store::{Booking, NewAppointment};
use sensate_testkit::{LAKESIDE, TRIAL_CONSULTATION, TestApp, TestDb, on_both_engines, spawn_app};
use serde_json::Value;

const PASSWORD: &str = "next available phrase";

struct World {
    app: TestApp,
    /// Free on Tuesday 24 November from 09:00 New York time, every week.
    tess: UserId,
    /// Free once only: Tuesday 24 November at 08:00 New York time.
    uma: UserId,
    /// Has set no hours.
    vic: UserId,
}

/// Lakeside (now: Monday 23 November 2026, 10:00 in New York) with a free
/// trial consultation by video and three listed therapists taking new clients.
async fn world(db: TestDb) -> World {
    let app = spawn_app(db).await;
    let (owner, _) = app.set_up_practice(&LAKESIDE).await;
    let practice = app.practice_of(LAKESIDE.email).await;
    assert_eq!(app.post_form(&owner, "/session-types", TRIAL_CONSULTATION).await.status(), 303);
    let mut ids = Vec::new();
    for (n, name) in ["Tess Therapist", "Uma Therapist", "Vic Therapist"].into_iter().enumerate() {
        let email = format!("t{n}@lakeside.example");
        let id = app.add_person(practice, &email, name, Role::Clinician, PASSWORD).await;
        let therapist = app.signed_in_staff(&email, PASSWORD).await;
        app.list_in_directory(&owner, &therapist, id, &[]).await;
        let mut hours = vec![
            ("time_zone", "America/New_York"),
            ("buffer_before", "0"),
            ("buffer_after", "10"),
            ("min_notice_hours", "12"),
            ("horizon_days", "30"),
            ("slot_step", "30"),
        ];
        match n {
            0 => hours.extend([
                ("w1_weekday", "2"),
                ("w1_start", "09:00"),
                ("w1_end", "12:00"),
                ("w1_format", "telehealth"),
            ]),
            // Extra hours on one date only, just long enough for one session.
            1 => hours.extend([
                ("o1_date", "2026-11-24"),
                ("o1_start", "08:00"),
                ("o1_end", "08:30"),
                ("o1_format", "telehealth"),
            ]),
            _ => {}
        }
        if n < 2 {
            assert_eq!(app.post_form(&therapist, &format!("/availability/{id}"), &hours).await.status(), 303);
        }
        ids.push(id);
    }
    World { app, tess: ids[0], uma: ids[1], vic: ids[2] }
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn search(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app.get(&format!("/api/v1/therapists?{query}")).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["results"].as_array().unwrap().clone()
}

/// (id, next available in UTC) of each hit.
fn times(hits: &[Value]) -> Vec<(String, Option<String>)> {
    hits.iter()
        .map(|hit| (hit["id"].as_str().unwrap().to_string(), hit["next_available"]["at"].as_str().map(str::to_string)))
        .collect()
}

fn some(id: UserId, at: &str) -> (String, Option<String>) {
    (id.to_string(), Some(at.to_string()))
}

fn none(id: UserId) -> (String, Option<String>) {
    (id.to_string(), None)
}

/// Books Uma's only free time, as an appointment a clinician added would.
async fn book_umas_time(w: &World) -> AppointmentId {
    let id = AppointmentId::new();
    let appointment = NewAppointment {
        id,
        practice_id: w.app.practice_of(LAKESIDE.email).await,
        case_id: None,
        clinician_id: w.uma,
        starts_at: at("2026-11-24T13:00:00Z"),
        ends_at: at("2026-11-24T13:20:00Z"),
        time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
        format: SessionFormat::Telehealth,
        status: AppointmentStatus::Confirmed,
        created_at: sensate_domain::Clock::now(&w.app.clock),
        session_type_id: None,
        held_until: None,
        attendees: Vec::new(),
    };
    let booked = w.app.store().book_appointment(&appointment, sensate_domain::Clock::now(&w.app.clock)).await.unwrap();
    assert_eq!(booked, Booking::Booked);
    id
}

on_both_engines! {
    async fn soonest_available_first_then_those_without_hours(db: TestDb) {
        let w = world(db).await;
        let hits = search(&w.app, "sort=soonest").await;
        assert_eq!(
            times(&hits),
            vec![some(w.uma, "2026-11-24T13:00:00Z"), some(w.tess, "2026-11-24T14:00:00Z"), none(w.vic)]
        );
        // Without the visitor's zone, the therapist's, named.
        let uma = &hits[0]["next_available"];
        assert_eq!(uma["time_zone"], "America/New_York");
        assert_eq!(uma["local"], "Tue, Nov 24, 2026, 8:00 AM (Eastern Time)");
        assert_eq!(uma["session"], "Trial consultation");
        assert!(hits[2].get("next_available").is_none_or(Value::is_null), "{}", hits[2]);

        // In the visitor's zone when the search carries it.
        let hits = search(&w.app, "sort=soonest&tz=Europe/Berlin").await;
        assert_eq!(hits[0]["next_available"]["time_zone"], "Europe/Berlin");
        assert_eq!(hits[0]["next_available"]["local"], "Tue, Nov 24, 2026, 2:00 PM (Central European Time)");
        // Written as the asker's language writes times.
        let german: Value = TestApp::new_client()
            .get(w.app.url("/api/v1/therapists?sort=soonest&tz=Europe/Berlin"))
            .header("accept-language", "de-DE,de;q=0.9")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(german["results"][0]["next_available"]["local"], "Tue 24 Nov 2026, 14:00 (Central European Time)");

        // Best match still shows every card's time.
        let best = times(&search(&w.app, "").await);
        assert_eq!(best.len(), 3);
        assert!(best.contains(&some(w.tess, "2026-11-24T14:00:00Z")) && best.contains(&none(w.vic)));

        // The page: the same order, the time on each card that has one, the option chosen.
        let page = w.app.get("/therapists?sort=soonest").await.text().await.unwrap();
        let (uma, tess, vic) = (
            page.find(&format!("/therapists/{}?from=search\"", w.uma)).unwrap(),
            page.find(&format!("/therapists/{}?from=search\"", w.tess)).unwrap(),
            page.find(&format!("/therapists/{}?from=search\"", w.vic)).unwrap(),
        );
        assert!(uma < tess && tess < vic, "soonest first, no hours last");
        assert!(page.contains(
            "<strong>Next available:</strong> Tue, Nov 24, 2026, 8:00 AM (Eastern Time) · Trial consultation"
        ), "{page}");
        assert_eq!(page.matches("Next available:").count(), 2, "none for the therapist without hours");
        assert!(page.contains("<option value=\"soonest\" selected>Soonest available</option>"));
        let berlin = w.app.get("/therapists?sort=soonest&tz=Europe%2FBerlin").await.text().await.unwrap();
        assert!(berlin.contains("<strong>Next available:</strong> Tue, Nov 24, 2026, 2:00 PM (Central European Time) · Trial consultation"));
    }

    async fn a_booking_or_a_cancellation_changes_next_available_at_once(db: TestDb) {
        let w = world(db).await;
        assert_eq!(times(&search(&w.app, "sort=soonest").await)[0], some(w.uma, "2026-11-24T13:00:00Z"));

        let appointment = book_umas_time(&w).await;
        let hits = times(&search(&w.app, "sort=soonest").await);
        assert_eq!(hits[0], some(w.tess, "2026-11-24T14:00:00Z"));
        assert!(hits[1..].contains(&none(w.uma)) && hits[1..].contains(&none(w.vic)), "{hits:?}");
        let page = w.app.get("/therapists?sort=soonest").await.text().await.unwrap();
        assert!(!page.contains("8:00 AM (Eastern Time)"), "the taken time is not shown");
        let profile = w.app.get(&format!("/therapists/{}", w.uma)).await.text().await.unwrap();
        assert!(!profile.contains("8:00 AM"), "nor on the profile");

        let now = sensate_domain::Clock::now(&w.app.clock);
        let cancelled = w
            .app
            .store()
            .change_appointment_status(appointment, AppointmentStatus::Confirmed, AppointmentStatus::Cancelled, now)
            .await
            .unwrap();
        assert!(cancelled);
        assert_eq!(times(&search(&w.app, "sort=soonest").await)[0], some(w.uma, "2026-11-24T13:00:00Z"));
    }

    async fn a_time_inside_the_notice_is_never_shown(db: TestDb) {
        let w = world(db).await;
        assert_eq!(times(&search(&w.app, "sort=soonest").await)[0], some(w.uma, "2026-11-24T13:00:00Z"));
        // 02:00 UTC on Tuesday: Uma's 13:00 is 11 hours away, inside her 12 hours' notice;
        // Tess's 14:00 is exactly 12 hours away, still offered.
        w.app.clock.advance(SignedDuration::from_hours(11));
        let hits = times(&search(&w.app, "sort=soonest").await);
        assert_eq!(hits[0], some(w.tess, "2026-11-24T14:00:00Z"));
        assert!(hits.contains(&none(w.uma)), "{hits:?}");
        // A week on, after the refresh: the next Tuesday for Tess (12 hours away); nothing for Uma.
        w.app.clock.advance(SignedDuration::from_hours(24 * 7));
        let now = sensate_domain::Clock::now(&w.app.clock);
        let mut hits = times(&search(&w.app, "sort=soonest").await);
        for _ in 0..50 {
            let shown: Vec<Timestamp> = hits.iter().filter_map(|(_, time)| time.as_deref().map(at)).collect();
            assert!(shown.iter().all(|&time| time >= now), "a time already past: {hits:?}");
            if hits[0] == some(w.tess, "2026-12-01T14:00:00Z") {
                break;
            }
            // The refresh after time passed runs beside the searches.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            hits = times(&search(&w.app, "sort=soonest").await);
        }
        assert_eq!(hits[0], some(w.tess, "2026-12-01T14:00:00Z"));
        assert!(hits.contains(&none(w.uma)), "{hits:?}");
    }

    async fn an_unknown_time_zone_is_explained(db: TestDb) {
        let w = world(db).await;
        let response = w.app.get("/api/v1/therapists?tz=Mars%2FOlympus").await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        assert!(body.to_string().contains("That time zone is not known"), "{body}");
        let page = w.app.get("/therapists?tz=Mars%2FOlympus&sort=soonest").await;
        assert_eq!(page.status(), 422);
        let page = page.text().await.unwrap();
        assert!(page.contains("That time zone is not known"));
        // The rest of the search still runs, in the therapists' zones, named.
        assert!(page.contains("Tue, Nov 24, 2026, 8:00 AM (Eastern Time) · Trial consultation"), "{page}");
    }
}

/// The demo's synthetic therapists are bookable in a realistic share, and
/// the table is read a thousand clinicians at a time: more than a thousand
/// of them must have a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synthetic_demo_therapists_across_many_chunks_have_times() {
    let app = sensate_testkit::spawn_demo_with_therapists(TestDb::sqlite(), 2_500).await;
    let mut with_time = 0;
    let mut previous: Option<Timestamp> = None;
    for page in 1.. {
        let hits = search(&app, &format!("sort=soonest&per_page=50&page={page}")).await;
        let times: Vec<Timestamp> =
            hits.iter().filter_map(|hit| hit["next_available"]["at"].as_str().map(at)).collect();
        for time in &times {
            assert!(previous.is_none_or(|p| p <= *time), "soonest first");
            previous = Some(*time);
        }
        with_time += times.len();
        if times.len() < hits.len() || hits.is_empty() {
            break;
        }
    }
    assert!(with_time > 1_000, "{with_time} synthetic therapists with a time");
    assert!(with_time < 2_500, "{with_time}: not everyone has hours");
}

on_both_engines! {
    async fn the_scheduling_api_gives_a_therapists_free_times_as_the_booking_page_does(db: TestDb) {
        let w = world(db).await;
        let free = |query: String| {
            let app = &w.app;
            async move {
                let response = app.get(&query).await;
                let status = response.status().as_u16();
                (status, response.json::<Value>().await.unwrap())
            }
        };
        let tess = format!("/api/v1/therapists/{}/free-times", w.tess);

        // By default: the first kind of session, its first format, a week
        // from today in the practice's zone (Berlin).
        let (status, body) = free(tess.clone()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["session_types"].as_array().unwrap().len(), 1);
        assert_eq!(body["session_types"][0]["name"], "Trial consultation");
        assert_eq!(body["session_types"][0]["formats"], serde_json::json!(["telehealth"]));
        assert_eq!(body["session_type"], body["session_types"][0]["id"]);
        assert_eq!((body["format"].as_str(), body["time_zone"].as_str()), (Some("telehealth"), Some("Europe/Berlin")));
        assert_eq!((body["from"].as_str(), body["to"].as_str()), (Some("2026-11-23"), Some("2026-11-30")));
        let starts: Vec<&str> = body["times"].as_array().unwrap().iter().map(|t| t["start"].as_str().unwrap()).collect();
        // Tuesday mornings in New York, every half hour, 20 minutes each.
        assert_eq!(starts.first(), Some(&"2026-11-24T14:00:00Z"), "{body}");
        assert!(starts.iter().all(|s| s.starts_with("2026-11-24T1")), "{starts:?}");
        assert_eq!(body["times"][0]["end"], "2026-11-24T14:20:00Z");
        assert_eq!(body["times"][0]["local"], "2026-11-24T15:00:00+01:00");

        // In the visitor's zone, over two weeks: the next Tuesday too.
        let (_, body) = free(format!("{tess}?tz=America/New_York&days=14")).await;
        assert_eq!(body["times"][0]["local"], "2026-11-24T09:00:00-05:00");
        let locals: Vec<&str> = body["times"].as_array().unwrap().iter().map(|t| t["local"].as_str().unwrap()).collect();
        assert!(locals.iter().any(|l| l.starts_with("2026-12-01T09:00")), "{locals:?}");
        // From a later day: only the times from then on.
        let (_, body) = free(format!("{tess}?tz=America/New_York&from=2026-11-25")).await;
        assert_eq!(body["times"][0]["local"], "2026-12-01T09:00:00-05:00");
        // An earlier day than today starts today.
        let (_, body) = free(format!("{tess}?from=2020-01-01")).await;
        assert_eq!(body["from"], "2026-11-23");

        // Uma is free once; Vic has set no hours: an empty list, not an error.
        let (_, body) = free(format!("/api/v1/therapists/{}/free-times?tz=America/New_York", w.uma)).await;
        let locals: Vec<&str> = body["times"].as_array().unwrap().iter().map(|t| t["local"].as_str().unwrap()).collect();
        assert_eq!(locals, vec!["2026-11-24T08:00:00-05:00"]);
        let (status, body) = free(format!("/api/v1/therapists/{}/free-times", w.vic)).await;
        assert_eq!((status, body["times"].as_array().unwrap().len()), (200, 0));

        // What cannot be met is named; nobody listed is not found.
        for (query, field) in [
            (format!("{tess}?session_type={}", UserId::new()), "session_type"),
            (format!("{tess}?format=in_person"), "format"),
            (format!("{tess}?days=15"), "days"),
            (format!("{tess}?tz=Mars/Olympus"), "tz"),
            (format!("{tess}?from=2030-01-01"), "from"),
            (format!("{tess}?from=tuesday"), "from"),
            (format!("{tess}?type=trial"), "type"),
            (format!("{tess}?session_type="), "session_type"),
        ] {
            let (status, body) = free(query.clone()).await;
            assert_eq!(status, 422, "{query}: {body}");
            assert_eq!(body["fields"][0]["field"], field, "{query}: {body}");
        }
        for nobody in [UserId::new().to_string(), "not-an-id".to_string()] {
            assert_eq!(free(format!("/api/v1/therapists/{nobody}/free-times")).await.0, 404);
        }
        w.app.stop().await;
    }
}
