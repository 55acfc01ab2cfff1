//! The clinician's calendar through the pages: the week (sessions, holds,
//! requests, hours, time off, on the practice's clock across clock changes),
//! and adding a session or a series for a client, booked whole or not at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use sensate_domain::scheduling::{AppointmentStatus, CaseKind, SessionFormat};
use sensate_domain::{AppointmentId, CaseId, PracticeId, Role, UserId};
use sensate_store::{BookingRequestRecord, NewAppointment, NewCase, SessionTypeRecord};
use sensate_testkit::{Owner, TestApp, TestDb, between, on_both_engines, spawn_app};

const PASSWORD: &str = "calendar pages phrase";

const HARBOR: Owner<'static> = Owner {
    practice: "Harbor Practice",
    time_zone: "America/New_York",
    name: "Hana Owner",
    email: "hana@harbor.example",
    password: "a quiet harbor at dusk",
};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

struct World {
    app: TestApp,
    owner: reqwest::Client,
    practice: PracticeId,
    tess_id: UserId,
    tess: reqwest::Client,
    kim_id: UserId,
    kim: reqwest::Client,
    /// Tess's case with Robin, and Kim's case with Quinn.
    robin_case: CaseId,
    quinn_case: CaseId,
    /// "Individual session", 50 minutes, video or in person.
    session_type: sensate_domain::SessionTypeId,
}

async fn world(db: TestDb) -> World {
    let app = spawn_app(db).await;
    let (owner, _) = app.set_up_practice(&HARBOR).await;
    let practice = app.practice_of(HARBOR.email).await;
    let tess_id = app.add_person(practice, "tess@harbor.example", "Tess Therapist", Role::Clinician, PASSWORD).await;
    let kim_id = app.add_person(practice, "kim@harbor.example", "Kim Colleague", Role::Clinician, PASSWORD).await;
    let robin = app.add_person(practice, "robin@harbor.example", "Robin Client", Role::Client, PASSWORD).await;
    let quinn = app.add_person(practice, "quinn@harbor.example", "Quinn Elsewhere", Role::Client, PASSWORD).await;
    let mut cases = Vec::new();
    for (clinician, client) in [(tess_id, robin), (kim_id, quinn)] {
        let id = CaseId::new();
        app.store()
            .insert_case(&NewCase {
                id,
                practice_id: practice,
                clinician_id: clinician,
                kind: CaseKind::Individual,
                members: vec![client],
                opened_at: at("2026-11-01T00:00:00Z"),
            })
            .await
            .unwrap();
        cases.push(id);
    }
    let session_type = sensate_domain::SessionTypeId::new();
    app.store()
        .insert_session_type(&SessionTypeRecord {
            id: session_type,
            practice_id: practice,
            name: "Individual session".into(),
            duration_minutes: 50,
            fee_cents: Some(15_000),
            in_person: true,
            telehealth: true,
            participants: sensate_domain::scheduling::Participants::Individual,
            trial: false,
            needs_approval: false,
            active: true,
            created_at: at("2026-11-01T00:00:00Z"),
        })
        .await
        .unwrap();
    let tess = app.signed_in_staff("tess@harbor.example", PASSWORD).await;
    let kim = app.signed_in_staff("kim@harbor.example", PASSWORD).await;
    World { app, owner, practice, tess_id, tess, kim_id, kim, robin_case: cases[0], quinn_case: cases[1], session_type }
}

fn appointment(
    w: &World,
    clinician: UserId,
    case: Option<CaseId>,
    start: &str,
    status: AppointmentStatus,
) -> NewAppointment {
    let starts_at = at(start);
    NewAppointment {
        id: AppointmentId::new(),
        practice_id: w.practice,
        case_id: case,
        clinician_id: clinician,
        starts_at,
        ends_at: starts_at + SignedDuration::from_mins(50),
        time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
        format: SessionFormat::Telehealth,
        status,
        created_at: at("2026-11-01T00:00:00Z"),
        session_type_id: None,
        held_until: None,
        attendees: Vec::new(),
    }
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The section of one day in the week page.
fn day(html: &str, date: &str) -> String {
    between(html, &format!("id=\"day-{date}\""), "</section>").unwrap_or_else(|| panic!("no day {date} in the page"))
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

/// Tess's sessions in a period, from the store.
async fn tess_sessions(w: &World, from: &str, to: &str) -> Vec<sensate_store::CalendarEntry> {
    w.app.store().calendar_entries(w.tess_id, at(from), at(to), w.app.clock.now()).await.unwrap()
}

trait Now {
    fn now(&self) -> Timestamp;
}

impl Now for sensate_testkit::FakeClock {
    fn now(&self) -> Timestamp {
        sensate_domain::Clock::now(self)
    }
}

on_both_engines! {
    async fn the_week_shows_sessions_holds_requests_hours_and_time_off(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        // No hours yet: the page says so and where to set them.
        let (status, html) = page(&w.tess, app, "/calendar").await;
        assert_eq!(status, 200);
        assert!(html.contains("Week of Monday, November 23, 2026"), "this week by default (now is Monday 23 November)");
        assert!(html.contains("Times are on the practice's clock (Eastern Time)."));
        assert!(html.contains("No working hours are set yet") && html.contains("href=\"/availability\">Set the bookable hours</a>"));
        assert!(html.contains("Nothing is booked this week."));
        assert!(html.contains("<a href=\"/calendar\" aria-current=\"page\">Calendar</a>"), "staff find the week in the navigation");
        let robin = TestApp::new_client();
        app.login(&robin, "robin@harbor.example", PASSWORD).await;
        let (_, dashboard) = page(&robin, app, "/dashboard").await;
        assert!(dashboard.contains("Robin Client") && !dashboard.contains("href=\"/calendar\""), "clients have no calendar link");
        assert_eq!(page(&robin, app, "/calendar").await.0, 403);

        // Tuesdays 09:00–17:00 by video; Thanksgiving off.
        let hours = [
            ("time_zone", "America/New_York"), ("buffer_before", "0"), ("buffer_after", "10"), ("min_notice_hours", "24"),
            ("horizon_days", "60"), ("slot_step", "30"), ("w1_weekday", "2"), ("w1_start", "09:00"), ("w1_end", "17:00"),
            ("w1_format", "telehealth"), ("o1_date", "2026-11-26"), ("o1_closed", "on"),
        ];
        let saved = app.post_form(&w.tess, &format!("/availability/{}", w.tess_id), &hours).await;
        assert_eq!(saved.status(), 303);

        // A session with Robin (10:00 EST), a visitor's hold, a visitor's request, and Kim's session with Quinn.
        let session = appointment(&w, w.tess_id, Some(w.robin_case), "2026-11-24T15:00:00Z", AppointmentStatus::Confirmed);
        app.store().insert_appointment(&session).await.unwrap();
        let hold = NewAppointment {
            held_until: Some(at("2026-11-23T15:30:00Z")),
            ..appointment(&w, w.tess_id, None, "2026-11-25T14:00:00Z", AppointmentStatus::Held)
        };
        app.store().insert_appointment(&hold).await.unwrap();
        let request = appointment(&w, w.tess_id, None, "2026-11-27T19:00:00Z", AppointmentStatus::Held);
        let record = BookingRequestRecord {
            appointment_id: request.id,
            session_type_id: w.session_type,
            name: "Sam Visitor".into(),
            email: sensate_domain::Email::parse("sam@visitor.example").unwrap(),
            phone: String::new(),
            with_partner: false,
            partner_email: None,
            concern: None,
            message: None,
            payment: String::new(),
            voicemail_ok: false,
            discreet_email: true,
            jurisdiction: String::new(),
            visitor_time_zone: sensate_domain::TimeZoneName::parse("America/Chicago").unwrap(),
            created_at: at("2026-11-23T14:00:00Z"),
            email_confirmed_at: None,
        };
        let held = NewAppointment { held_until: Some(at("2026-11-23T15:30:00Z")), ..request.clone() };
        app.store().request_booking(&held, &record, "token-hash", at("2026-11-23T14:00:00Z")).await.unwrap();
        assert!(app.store().confirm_booking_email(request.id, AppointmentStatus::Requested, at("2026-11-23T14:10:00Z")).await.unwrap());
        let theirs = appointment(&w, w.kim_id, Some(w.quinn_case), "2026-11-24T15:00:00Z", AppointmentStatus::Confirmed);
        app.store().insert_appointment(&theirs).await.unwrap();

        let (_, html) = page(&w.tess, app, "/calendar").await;
        assert!(!html.contains("No working hours are set yet"));
        let tuesday = day(&html, "2026-11-24");
        assert!(tuesday.contains("Tuesday, November 24"));
        assert!(tuesday.contains("9:00 AM–5:00 PM · Telehealth (video)"), "{tuesday}");
        assert!(tuesday.contains(&format!("href=\"/appointments/{}\"", session.id)));
        assert!(tuesday.contains("10:00 AM–10:50 AM</span> Robin Client"));
        assert!(tuesday.contains("50 min · Telehealth (video)") && tuesday.contains(">Confirmed</span>"));
        let wednesday = day(&html, "2026-11-25");
        assert!(wednesday.contains("9:00 AM–9:50 AM</span> Held for a visitor until 10:30 AM"), "{wednesday}");
        assert!(!wednesday.contains("Sam Visitor"));
        assert!(wednesday.contains("No working hours"));
        let thursday = day(&html, "2026-11-26");
        assert!(thursday.contains("Time off"));
        let friday = day(&html, "2026-11-27");
        assert!(friday.contains("2:00 PM–2:50 PM</span> Booking request from Sam Visitor"), "{friday}");
        assert!(friday.contains("href=\"/requests\"") && friday.contains("Waiting for your answer"));
        assert!(!html.contains("Quinn Elsewhere"), "nothing of another therapist's clients");
        assert!(day(&html, "2026-11-23").contains(">Today</span>"));

        // Another therapist's week is not Tess's to see; the front desk chooses.
        let (status, html) = page(&w.tess, app, &format!("/calendar?therapist={}", w.kim_id)).await;
        assert_eq!(status, 403);
        assert!(!html.contains("Quinn Elsewhere"));
        let (status, html) = page(&w.owner, app, &format!("/calendar?therapist={}", w.kim_id)).await;
        assert_eq!(status, 200);
        assert!(html.contains("Quinn Elsewhere") && !html.contains("Robin Client"));
        assert!(html.contains(&format!("<option value=\"{}\" selected>Kim Colleague</option>", w.kim_id)));
        assert!(html.contains(&format!("<option value=\"{}\">Tess Therapist</option>", w.tess_id)));
        assert!(html.contains(&format!("href=\"/calendar?week=2026-11-30&#38;therapist={}\"", w.kim_id)), "the next week stays Kim's");
        // Moving to another week keeps the chooser on Kim and on that week.
        let fragment = w.owner.get(app.url(&format!("/calendar?week=2026-11-30&therapist={}", w.kim_id))).header("HX-Request", "true").send().await.unwrap().text().await.unwrap();
        assert!(fragment.contains("<input type=\"hidden\" name=\"week\" value=\"2026-11-30\">"));
        assert!(fragment.contains(&format!("<option value=\"{}\" selected>Kim Colleague</option>", w.kim_id)));
        let (status, _) = page(&w.owner, app, &format!("/calendar?therapist={}", UserId::new())).await;
        assert_eq!(status, 404, "nobody of this practice");

        // Every look at a week is in the audit log, by whose week.
        let log = app.audit_chain().await;
        let views: Vec<_> = log.iter().filter(|e| e.event.action == "view_calendar" && e.event.outcome == "allowed").collect();
        assert!(views.iter().any(|e| e.event.actor_id == Some(w.tess_id) && e.event.record_id == w.tess_id.to_string()));
        assert!(views.iter().any(|e| e.event.record_id == w.kim_id.to_string() && e.event.actor_id != Some(w.kim_id)));
        assert!(log.iter().any(|e| e.event.actor_id == Some(w.tess_id) && e.event.action == "view_schedule" && e.event.outcome == "denied"));
        w.app.stop().await;
    }

    async fn the_calendar_starts_today_shows_a_day_alone_and_places_sessions_on_a_time_grid(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        // Tuesdays 09:00–17:00 by video; a session on Tuesday 24 November, 10:00–10:50 EST.
        let hours = [
            ("time_zone", "America/New_York"), ("buffer_before", "0"), ("buffer_after", "0"), ("min_notice_hours", "0"),
            ("horizon_days", "60"), ("slot_step", "30"), ("w1_weekday", "2"), ("w1_start", "09:00"), ("w1_end", "17:00"), ("w1_format", "telehealth"),
        ];
        assert_eq!(app.post_form(&w.tess, &format!("/availability/{}", w.tess_id), &hours).await.status(), 303);
        let session = appointment(&w, w.tess_id, Some(w.robin_case), "2026-11-24T15:00:00Z", AppointmentStatus::Confirmed);
        app.store().insert_appointment(&session).await.unwrap();

        // On a Sunday the calendar opens on seven days from that Sunday, not on the week that ends.
        app.clock.set(at("2026-11-22T15:00:00Z"));
        let (_, html) = page(&w.tess, app, "/calendar").await;
        assert!(html.contains("<h2 id=\"week-title\">Week of Sunday, November 22, 2026</h2>"), "{html}");
        assert!(day(&html, "2026-11-22").contains(">Today</span>"));
        assert!(html.contains("href=\"/calendar?from=2026-11-29\""), "the next seven days");
        assert!(html.contains("href=\"/calendar?from=2026-11-15\""), "the seven before");
        // On the grid (from 08:00, a row per quarter hour) the session takes rows 9 to 12,
        // the working hours rows 5 to 36; the text says the same to a screen reader.
        let tuesday = day(&html, "2026-11-24");
        assert!(tuesday.contains("<li class=\"week-entry week-session at-9 span-4\">"), "{tuesday}");
        assert!(tuesday.contains("<span class=\"tg-window at-5 span-32\" aria-hidden=\"true\"></span>"), "{tuesday}");
        assert!(tuesday.contains("9:00 AM–5:00 PM · Telehealth (video)") && tuesday.contains("10:00 AM–10:50 AM</span> Robin Client"));
        assert!(html.contains("<span class=\"tg-hour at-1 span-4\">8 AM</span>") && html.contains(">5 PM</span>"), "hours 8 AM to 6 PM");

        // A day alone, with its neighbours and the way back to its week.
        assert!(tuesday.contains("href=\"/calendar?day=2026-11-24\""), "each day leads to itself alone");
        let (status, one) = page(&w.tess, app, "/calendar?day=2026-11-24").await;
        assert_eq!(status, 200);
        assert!(one.contains("<h2 id=\"week-title\">Tuesday, November 24, 2026</h2>"));
        assert_eq!(one.matches("<section class=\"week-day").count(), 1);
        assert!(day(&one, "2026-11-24").contains("Robin Client"));
        assert!(one.contains(">Previous day</a>") && one.contains("href=\"/calendar?day=2026-11-23\"") && one.contains("href=\"/calendar?day=2026-11-25\""));
        assert!(one.contains("href=\"/calendar?week=2026-11-24\"") && one.contains(">Show the week</a>"), "its Monday week: {one}");
        assert!(one.contains("href=\"/calendar?day=2026-11-22\"") && one.contains(">Today</a>"), "today's day");
        let (status, _) = page(&w.tess, app, "/calendar?day=someday").await;
        assert_eq!(status, 404);
        w.app.stop().await;
    }

    async fn owners_see_every_therapists_day_side_by_side(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let tess = appointment(&w, w.tess_id, Some(w.robin_case), "2026-11-24T15:00:00Z", AppointmentStatus::Confirmed);
        let kim = appointment(&w, w.kim_id, Some(w.quinn_case), "2026-11-24T19:00:00Z", AppointmentStatus::Confirmed);
        for a in [&tess, &kim] {
            app.store().insert_appointment(a).await.unwrap();
        }
        let (status, week) = page(&w.owner, app, "/calendar").await;
        assert_eq!(status, 200);
        assert!(week.contains("<a href=\"/calendar?everyone=1\">Everyone's day</a>"), "the chooser offers everyone's day");

        let (status, html) = page(&w.owner, app, "/calendar?everyone=1&day=2026-11-24").await;
        assert_eq!(status, 200);
        assert!(html.contains("<h2 id=\"week-title\">Everyone on Tuesday, November 24, 2026</h2>"), "{html}");
        // A column per therapist, headed by name, each with its own sessions.
        let column = |id: UserId| between(&html, &format!("id=\"therapist-{id}\""), "</section>").unwrap();
        let (tess_day, kim_day) = (column(w.tess_id), column(w.kim_id));
        assert!(tess_day.contains("Tess Therapist") && tess_day.contains("10:00 AM–10:50 AM</span> Robin Client") && !tess_day.contains("Quinn"), "{tess_day}");
        assert!(kim_day.contains("Kim Colleague") && kim_day.contains("2:00 PM–2:50 PM</span> Quinn Elsewhere") && !kim_day.contains("Robin"), "{kim_day}");
        assert!(tess_day.contains(&format!("href=\"/calendar?day=2026-11-24&#38;therapist={}\"", w.tess_id)) || tess_day.contains(&format!("href=\"/calendar?day=2026-11-24&amp;therapist={}\"", w.tess_id)), "a name opens that therapist's day");
        for link in ["/calendar?everyone=1&#38;day=2026-11-23", "/calendar?everyone=1&#38;day=2026-11-25"] {
            assert!(html.contains(link) || html.contains(&link.replace("&#38;", "&amp;")), "{link}");
        }
        // The whole practice's day is for those who may see every calendar.
        assert_eq!(page(&w.tess, app, "/calendar?everyone=1").await.0, 403);
        assert_eq!(page(&w.owner, app, "/calendar?everyone=1&day=never").await.0, 404);
        let log = app.audit_chain().await;
        assert!(log.iter().any(|e| e.event.action == "view_calendar" && e.event.record_type == "practice" && e.event.record_id == w.practice.to_string()));
        assert!(log.iter().any(|e| e.event.actor_id == Some(w.tess_id) && e.event.action == "view_schedule" && e.event.outcome == "denied"));
        w.app.stop().await;
    }

    async fn previous_and_next_weeks_swap_the_week_alone_for_htmx(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let (_, html) = page(&w.tess, app, "/calendar").await;
        assert!(html.contains("hx-get=\"/calendar?week=2026-11-30\" hx-target=\"#week\" hx-swap=\"innerHTML\" hx-push-url=\"true\">Next week</a>"));
        assert!(html.contains("href=\"/calendar?week=2026-11-16\""), "a plain link without script");
        let next = appointment(&w, w.tess_id, Some(w.robin_case), "2026-12-01T15:00:00Z", AppointmentStatus::Confirmed);
        app.store().insert_appointment(&next).await.unwrap();

        let fragment = w.tess.get(app.url("/calendar?week=2026-11-30")).header("HX-Request", "true").send().await.unwrap();
        assert_eq!(fragment.headers()["vary"], "HX-Request");
        let body = fragment.text().await.unwrap();
        assert!(!body.contains("<html") && !body.contains("<h1>"), "the week alone");
        assert!(body.contains("<h2 id=\"week-title\">Week of Monday, November 30, 2026</h2>"));
        assert!(body.contains("hx-swap-oob=\"true\">Showing the week of Monday, November 30, 2026.</p>"));
        assert!(day(&body, "2026-12-01").contains("Robin Client"));
        // Any date of the week names it; the whole page without htmx.
        let (status, full) = page(&w.tess, app, "/calendar?week=2026-12-03").await;
        assert_eq!(status, 200);
        assert!(full.contains("<h1>Calendar") && full.contains("Week of Monday, November 30, 2026"));
        let (status, _) = page(&w.tess, app, "/calendar?week=next-tuesday").await;
        assert_eq!(status, 404);
        w.app.stop().await;
    }

    async fn a_week_across_the_clock_change_shows_the_times_the_clock_reads(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let hours: Vec<(String, String)> = [("time_zone", "America/New_York"), ("buffer_before", "0"), ("buffer_after", "0"), ("min_notice_hours", "0"), ("horizon_days", "60"), ("slot_step", "30")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain((1..=7).flat_map(|d| [(format!("w{d}_weekday"), d.to_string()), (format!("w{d}_start"), "09:00".into()), (format!("w{d}_end"), "17:00".into()), (format!("w{d}_format"), "telehealth".into())]))
            .collect();
        let form: Vec<(&str, &str)> = hours.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(app.post_form(&w.tess, &format!("/availability/{}", w.tess_id), &form).await.status(), 303);
        // 10:00 on the Friday before (EDT, 14:00 UTC) and on the Sunday of the change (EST, 15:00 UTC).
        for start in ["2026-10-30T14:00:00Z", "2026-11-01T15:00:00Z"] {
            app.store().insert_appointment(&appointment(&w, w.tess_id, Some(w.robin_case), start, AppointmentStatus::Completed)).await.unwrap();
        }
        let (status, html) = page(&w.tess, app, "/calendar?week=2026-11-01").await;
        assert_eq!(status, 200);
        assert!(html.contains("Week of Monday, October 26, 2026"));
        assert!(html.contains("Clocks go back 1 hour on Sunday, November 1 (EDT to EST); times are shown as the clock reads."));
        for date in ["2026-10-30", "2026-11-01"] {
            let d = day(&html, date);
            assert!(d.contains("10:00 AM–10:50 AM</span> Robin Client"), "{date}: {d}");
            assert!(d.contains("9:00 AM–5:00 PM · Telehealth (video)"), "{date}: {d}");
            assert!(d.contains(">Completed</span>"));
        }
        let (_, next) = page(&w.tess, app, "/calendar?week=2026-11-02").await;
        assert!(!next.contains("Clocks go"), "no change the week after");
        w.app.stop().await;
    }

    async fn a_series_is_booked_whole_or_not_at_all(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let (status, html) = page(&w.tess, app, "/appointments/new").await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("<option value=\"{}\">Robin Client (individual)</option>", w.robin_case)));
        assert!(!html.contains("Quinn Elsewhere"), "only Tess's own cases");
        assert!(html.contains("Individual session · 50 min · Telehealth (video) or In person"));
        assert!(html.contains("practice's clock (Eastern Time)") && html.contains("a time that happens twice means the first one"));
        let (_, owners) = page(&w.owner, app, "/appointments/new").await;
        assert!(owners.contains("Quinn Elsewhere (individual) · with Kim Colleague") && owners.contains("Robin Client (individual) · with Tess Therapist"));

        let case = w.robin_case.to_string();
        let kind = w.session_type.to_string();
        let form = |date: &'static str, time: &'static str, repeat: &'static str, count: &'static str| {
            vec![("case", case.clone()), ("session_type", kind.clone()), ("format", "telehealth".to_string()), ("date", date.to_string()), ("time", time.to_string()), ("repeat", repeat.to_string()), ("count", count.to_string())]
        };
        let post = |fields: Vec<(&'static str, String)>, who: &reqwest::Client| {
            let who = who.clone();
            async move {
                let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.post_form(&who, "/appointments/new", &pairs).await
            }
        };

        // Mistakes beside their fields, with what was typed kept.
        let refused = post(form("2026-12-01", "5pm", "weekly", "99"), &w.tess).await;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains("<p class=\"field-error\" id=\"time-error\">Enter the time as HH:MM on a 24-hour clock, for example 17:00 (not “5pm”).</p>"));
        assert!(html.contains("Enter how many sessions in all, from 2 to 52."));
        assert!(html.contains("value=\"5pm\"") && html.contains("value=\"99\"") && html.contains("value=\"2026-12-01\""));
        assert!(html.contains("value=\"weekly\" checked"));
        assert!(html.contains(&format!("<option value=\"{case}\" selected>")));
        let past = post(form("2026-11-20", "17:00", "none", ""), &w.tess).await;
        assert_eq!(past.status(), 422);
        assert!(past.text().await.unwrap().contains("That time has passed. Choose a date and time after Mon, Nov 23, 2026, 10:00 AM (Eastern Time)."));
        // Kim's case is not Tess's to book.
        let mut theirs = form("2026-12-01", "17:00", "none", "");
        theirs[0].1 = w.quinn_case.to_string();
        let refused = post(theirs, &w.tess).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("Choose the client from the list."));
        assert!(tess_sessions(&w, "2026-11-01T00:00:00Z", "2028-01-01T00:00:00Z").await.is_empty());

        // Something already stands in the seventh week (Tuesday 5 January 2027, 17:20 EST).
        let existing = appointment(&w, w.tess_id, Some(w.robin_case), "2027-01-05T22:20:00Z", AppointmentStatus::Confirmed);
        app.store().insert_appointment(&existing).await.unwrap();
        let collides = post(form("2026-11-24", "17:00", "weekly", "10"), &w.tess).await;
        assert_eq!(collides.status(), 409);
        let html = collides.text().await.unwrap();
        assert!(html.contains("Nothing was booked: one date collides with the calendar"));
        assert!(html.contains("<li>Tue, Jan 5, 2027, 5:00 PM (Eastern Time)</li>"), "{html}");
        assert!(html.contains("Choose another time or start date, fewer sessions, or move those appointments first"));
        assert!(html.contains("value=\"10\""), "what was typed is kept");
        assert_eq!(tess_sessions(&w, "2026-11-01T00:00:00Z", "2028-01-01T00:00:00Z").await.len(), 1, "nothing was written");

        // Six weeks fit: all six are written, confirmed, and the week shows them.
        let added = post(form("2026-11-24", "17:00", "weekly", "6"), &w.tess).await;
        assert_eq!(location(&added), "/calendar?week=2026-11-24&done=added&count=6");
        let sessions = tess_sessions(&w, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z").await;
        assert_eq!(sessions.len(), 6);
        assert!(sessions.iter().all(|s| s.status == AppointmentStatus::Confirmed && s.case_id == Some(w.robin_case) && s.series_id.is_some()));
        assert!(sessions.windows(2).all(|p| p[0].series_id == p[1].series_id));
        assert_eq!(sessions[5].starts_at, at("2026-12-29T22:00:00Z"));
        let (_, html) = page(&w.tess, app, "/calendar?week=2026-11-24&done=added&count=6").await;
        assert!(html.contains("6 appointments added. Each can be moved or cancelled on its own."));
        assert!(day(&html, "2026-11-24").contains("5:00 PM–5:50 PM</span> Robin Client"));
        assert!(day(&html, "2026-11-24").contains("repeating"));
        let (_, later) = page(&w.tess, app, "/calendar?week=2026-12-29").await;
        assert!(day(&later, "2026-12-29").contains("5:00 PM–5:50 PM</span> Robin Client"));

        // The owner books for Kim: one session, back on Kim's week.
        let mut single = form("2026-12-02", "09:30", "none", "");
        single[0].1 = w.quinn_case.to_string();
        let added = post(single, &w.owner).await;
        assert_eq!(location(&added), format!("/calendar?week=2026-12-02&therapist={}&done=added&count=1", w.kim_id));
        let (_, kims) = page(&w.kim, app, "/calendar?week=2026-12-02").await;
        assert!(day(&kims, "2026-12-02").contains("9:30 AM–10:20 AM</span> Quinn Elsewhere"));
        let log = app.audit_chain().await;
        assert_eq!(log.iter().filter(|e| e.event.action == "add_appointments").count(), 2);
        assert!(log.iter().any(|e| e.event.action == "add_appointments" && e.event.record_id == w.robin_case.to_string()));
        w.app.stop().await;
    }

    async fn a_weekly_series_stays_at_its_wall_clock_time_across_the_change(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let case = w.robin_case.to_string();
        let kind = w.session_type.to_string();
        let post = |date: &'static str, time: &'static str, count: &'static str| {
            let fields = [("case", case.clone()), ("session_type", kind.clone()), ("format", "in_person".to_string()), ("date", date.into()), ("time", time.into()), ("repeat", "weekly".into()), ("count", count.into())];
            let tess = w.tess.clone();
            async move {
                let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.post_form(&tess, "/appointments/new", &pairs).await
            }
        };
        // The clocks go forward on Sunday 14 March 2027: 02:30 does not exist that day.
        let refused = post("2027-02-28", "02:30", "4").await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("02:30 does not exist on Sun, Mar 14, 2027: the clocks go forward across it. Choose another time."));

        let added = post("2027-03-08", "17:00", "3").await;
        assert_eq!(added.status(), 303);
        let sessions = tess_sessions(&w, "2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z").await;
        let utc: Vec<String> = sessions.iter().map(|s| s.starts_at.to_string()).collect();
        assert_eq!(utc, ["2027-03-08T22:00:00Z", "2027-03-15T21:00:00Z", "2027-03-22T21:00:00Z"], "17:00 EST, then 17:00 EDT");
        for week in ["2027-03-08", "2027-03-15"] {
            let (_, html) = page(&w.tess, app, &format!("/calendar?week={week}")).await;
            assert!(day(&html, week).contains("5:00 PM–5:50 PM</span> Robin Client"), "{week}");
            assert!(day(&html, week).contains("In person"));
        }
        w.app.stop().await;
    }
}

/// The demo therapist's calendar has something to show: this week's
/// sessions ahead, and the one that took place on the last weekday.
#[tokio::test]
async fn the_demo_therapists_week_has_something_to_show() {
    let app = sensate_testkit::spawn_demo(TestDb::sqlite()).await;
    // A browser set to British English: the 24-hour clock, the day first.
    let rivera = TestApp::client_reading("en-GB,en;q=0.9");
    app.login(&rivera, "dr.rivera@harbor.example", "demo-practice-2026").await;
    app.pass_demo_mfa(&rivera).await;
    let dashboard = rivera.get(app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(dashboard.contains("<a href=\"/calendar\">Your calendar: this week</a>"));
    let (status, html) = page(&rivera, &app, "/calendar").await;
    assert_eq!(status, 200);
    assert!(html.contains("Week of Monday 23 November 2026"));
    assert!(day(&html, "2026-11-24").contains("10:00–10:50</span> Jordan Miles"));
    assert!(day(&html, "2026-11-27").contains("16:00–16:50</span> Alex Kim"));
    assert!(
        day(&html, "2026-11-23").contains("09:00–12:00 · In person")
            && day(&html, "2026-11-23").contains("13:00–18:00 · Telehealth (video)")
    );
    // Now is Monday morning: the last weekday was Friday.
    let (_, last) = page(&rivera, &app, "/calendar?week=2026-11-20").await;
    let friday = day(&last, "2026-11-20");
    assert!(friday.contains("09:00–09:50</span> Jordan Miles") && friday.contains(">Completed</span>"), "{friday}");
    app.stop().await;
}
