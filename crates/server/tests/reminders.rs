//! Reminder emails on the durable job queue, with the real server, a real
//! SMTP conversation and a clock the tests move: they survive a restart, a
//! job left behind by a process that died is sent once by the next, a
//! deferred message is retried after the backoff, a cancelled appointment
//! and a practice that turned reminders off get none. And the email that
//! confirms an appointment carries it as an `.ics` file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use sensate_app::infra::secrets::token_hash;
use sensate_domain::scheduling::{AppointmentStatus, CaseKind, SessionFormat};
use sensate_domain::{AppointmentId, CaseId, Clock, PracticeId, Role, UserId};
use sensate_store::{BookingRequestRecord, JobStatus, NewAppointment, NewCase, SessionTypeRecord};
use sensate_testkit::smtp_sink::{ReceivedMail, SmtpSink};
use sensate_testkit::{LAKESIDE, TestApp, TestDb, Tweak, on_both_engines, parse_with_python_icalendar, spawn_app_with};

const PASSWORD: &str = "reminder pages phrase";
const WAIT: Duration = Duration::from_secs(10);
/// Wednesday 25 November 2026, 16:00 in Berlin; the clock starts two days before.
const START: &str = "2026-11-25T15:00:00Z";

struct World {
    app: TestApp,
    sink: SmtpSink,
    practice: PracticeId,
    tess: UserId,
    /// The owner's browser, past the second step.
    owner: reqwest::Client,
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// The background runner looks every hour only, so the tests decide when
/// jobs run; `reminders` replaces the default 24h,2h.
fn quiet(reminders: Option<Vec<SignedDuration>>) -> Tweak {
    Arc::new(move |options| {
        options.job_interval = Duration::from_secs(3600);
        if let Some(reminders) = &reminders {
            options.reminders = reminders.clone();
        }
    })
}

async fn world(db: TestDb, tweak: Tweak) -> World {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(db, sink.url(), tweak).await;
    let (owner, _) = app.set_up_practice(&LAKESIDE).await;
    let practice = app.practice_of(LAKESIDE.email).await;
    let tess = app.add_person(practice, "tess@lakeside.example", "Tess Therapist", Role::Clinician, PASSWORD).await;
    World { app, sink, practice, tess, owner }
}

/// A confirmed video session at [`START`] for a client of Tess.
async fn confirmed_appointment(w: &World) -> AppointmentId {
    let store = w.app.store();
    let alex = w.app.add_person(w.practice, "alex@client.example", "Alex Kim", Role::Client, PASSWORD).await;
    let case = CaseId::new();
    let now = w.app.clock.now();
    store
        .insert_case(&NewCase {
            id: case,
            practice_id: w.practice,
            clinician_id: w.tess,
            kind: CaseKind::Individual,
            members: vec![alex],
            opened_at: now,
        })
        .await
        .unwrap();
    let id = AppointmentId::new();
    store
        .insert_appointment(&NewAppointment {
            id,
            practice_id: w.practice,
            case_id: Some(case),
            clinician_id: w.tess,
            starts_at: at(START),
            ends_at: at(START) + SignedDuration::from_mins(50),
            time_zone: sensate_domain::TimeZoneName::parse("Europe/Berlin").unwrap(),
            format: SessionFormat::Telehealth,
            status: AppointmentStatus::Confirmed,
            created_at: now,
            session_type_id: None,
            held_until: None,
            attendees: Vec::new(),
        })
        .await
        .unwrap();
    id
}

fn before_start(hours: i64, minutes: i64) -> Timestamp {
    at(START) - SignedDuration::from_hours(hours) - SignedDuration::from_mins(minutes)
}

/// Moves an appointment the way a reschedule will, straight in the database.
async fn move_appointment(db: &TestDb, id: AppointmentId, starts_at: Timestamp) {
    use sqlx::Connection;
    let sql = "UPDATE appointments SET starts_at = $1, ends_at = $2 WHERE id = $3";
    let (start, end) = (starts_at.as_second(), (starts_at + SignedDuration::from_mins(50)).as_second());
    let moved = if db.is_postgres() {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql).bind(start).bind(end).bind(id.as_uuid()).execute(&mut conn).await.unwrap().rows_affected()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql).bind(start).bind(end).bind(id.as_uuid()).execute(&mut conn).await.unwrap().rows_affected()
    };
    assert_eq!(moved, 1);
}

/// Discreet: the practice, the time, the format and a link; nothing else.
fn assert_discreet_reminder(mail: &ReceivedMail, base_url: &str) {
    assert_eq!(mail.to, ["alex@client.example"]);
    assert_eq!(mail.subject(), "Reminder: your appointment on Wed 25 Nov 2026, 16:00 (Central European Time)");
    let body = mail.body();
    assert!(
        body.contains(
            "This is a reminder of your appointment on Wed 25 Nov 2026, 16:00 (Central European Time), by video."
        ),
        "{body}"
    );
    assert!(body.starts_with("Hello Alex Kim,"), "{body}");
    mail.assert_discreet();
    assert!(body.contains(&format!("See, cancel or move it:\n{base_url}/appointments/manage/")), "{body}");
    assert!(
        !body.to_lowercase().contains("therap"),
        "no word about therapy, not even the practice's full name: {body}"
    );
    assert_eq!(mail.header("From").unwrap(), "Appointments <noreply@lakeside.example>");
    let html = mail.part("text/html").expect("an HTML part beside the text");
    assert!(html.contains(">See, cancel or move it</a>") && !html.to_lowercase().contains("therap"), "{html}");
}

/// Waits a moment and checks that no further message arrived.
async fn nothing_more(sink: &SmtpSink, expected: usize) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), expected, "no further email");
}

on_both_engines! {
    async fn reminders_survive_a_restart_and_go_out_once_each(db: TestDb) {
        // The background task itself sends them here, every 100 ms.
        let tweak: Tweak = Arc::new(|options| options.job_interval = Duration::from_millis(100));
        let mut w = world(db, tweak).await;
        let appointment = confirmed_appointment(&w).await;
        assert_eq!(w.app.run_due_jobs().await, Default::default(), "two days ahead nothing is due");

        // Stopped, then a new server on the same database; a day before, one reminder.
        w.app.restart().await;
        w.app.clock.set(before_start(24, 0));
        let mail = w.sink.wait_for(1, WAIT).await.remove(0);
        assert_discreet_reminder(&mail, &w.app.base_url);
        nothing_more(&w.sink, 1).await;
        assert_eq!(w.app.run_due_jobs().await.sent, 0, "a further run sends nothing");
        let jobs = w.app.store().jobs_of_kind("reminder").await.unwrap();
        assert_eq!(jobs.len(), 2, "24 h and 2 h before: {jobs:?}");
        assert!(jobs.iter().all(|j| j.payload.contains(&appointment.to_string()) && !j.payload.contains('@')), "ids only");
        let statuses: Vec<JobStatus> = jobs.iter().map(|j| j.status).collect();
        assert_eq!(statuses, [JobStatus::Done, JobStatus::Pending], "by run time: the first was sent");
        assert_eq!(mail.header("Message-ID").unwrap(), format!("<reminder.{}@lakeside.example>", jobs[0].id.as_uuid().simple()));
        nothing_more(&w.sink, 1).await;

        // Restarted again; past two hours before, the second.
        w.app.restart().await;
        w.app.clock.set(before_start(1, 59));
        let second = w.sink.wait_for(2, WAIT).await.remove(1);
        assert_discreet_reminder(&second, &w.app.base_url);
        assert_ne!(second.header("Message-ID"), mail.header("Message-ID"));
        w.app.clock.set(before_start(0, 30));
        assert_eq!(w.app.run_due_jobs().await, Default::default());
        nothing_more(&w.sink, 2).await;
        assert!(w.app.store().jobs_of_kind("reminder").await.unwrap().iter().all(|j| j.status == JobStatus::Done));
        // Each send is audited under the appointment, ids only.
        let log = w.app.audit_chain().await;
        let sends: Vec<_> = log.iter().filter(|e| e.event.action == "send_reminder").collect();
        assert_eq!(sends.len(), 2);
        assert!(sends.iter().all(|e| e.event.record_id == appointment.to_string()));
        w.app.stop().await;
    }

    async fn a_job_left_behind_by_a_process_that_died_is_sent_once_after_its_lease(db: TestDb) {
        let mut w = world(db, quiet(None)).await;
        confirmed_appointment(&w).await;
        w.app.clock.set(before_start(24, 0));
        assert_eq!(w.app.run_due_jobs().await.sent, 1);
        w.sink.wait_for(1, WAIT).await;

        // Two hours before, another process claims the second reminder and dies.
        let due = before_start(2, 0);
        w.app.clock.set(due);
        let lease = SignedDuration::from_mins(5);
        let claimed = w.app.store().claim_jobs("process-that-died", due, lease, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        w.app.restart().await;
        assert_eq!(w.app.run_due_jobs().await.sent, 0, "leased: not sent while the lease lasts");
        nothing_more(&w.sink, 1).await;

        w.app.clock.set(due + lease);
        assert_eq!(w.app.run_due_jobs().await.sent, 1);
        let second = w.sink.wait_for(2, WAIT).await.remove(1);
        assert_eq!(second.header("Message-ID").unwrap(), format!("<reminder.{}@lakeside.example>", claimed[0].id.as_uuid().simple()));
        assert_eq!(w.app.run_due_jobs().await.sent, 0);
        nothing_more(&w.sink, 2).await;
        let job = w.app.store().job(claimed[0].id).await.unwrap().unwrap();
        assert_eq!((job.status, job.attempts), (JobStatus::Done, 2));
        w.app.stop().await;
    }

    async fn a_deferred_reminder_is_retried_after_the_backoff_and_delivered_once(db: TestDb) {
        let w = world(db, quiet(None)).await;
        confirmed_appointment(&w).await;
        w.app.clock.set(before_start(24, 0));
        w.sink.defer_next(1);
        let report = w.app.run_due_jobs().await;
        assert_eq!((report.sent, report.retried), (0, 1));
        let job = w.app.store().jobs_of_kind("reminder").await.unwrap().into_iter().find(|j| j.attempts == 1).unwrap();
        assert_eq!(job.last_error.as_deref(), Some("mail_deferred"), "a generic word, no recipient");
        assert_eq!(job.run_at, before_start(24, 0) + SignedDuration::from_mins(1));
        assert_eq!(w.app.run_due_jobs().await.sent, 0, "not before the backoff");
        assert!(w.sink.messages().is_empty());

        w.app.clock.advance(SignedDuration::from_mins(1));
        assert_eq!(w.app.run_due_jobs().await.sent, 1);
        let mail = w.sink.wait_for(1, WAIT).await.remove(0);
        assert_discreet_reminder(&mail, &w.app.base_url);
        w.app.clock.advance(SignedDuration::from_mins(10));
        assert_eq!(w.app.run_due_jobs().await.sent, 0);
        nothing_more(&w.sink, 1).await;
        w.app.stop().await;
    }

    async fn a_cancelled_appointment_gets_no_further_reminder(db: TestDb) {
        let w = world(db, quiet(None)).await;
        let appointment = confirmed_appointment(&w).await;
        w.app.clock.set(before_start(24, 0));
        assert_eq!(w.app.run_due_jobs().await.sent, 1);
        let now = w.app.clock.now();
        let store = w.app.store();
        assert!(store.change_appointment_status(appointment, AppointmentStatus::Confirmed, AppointmentStatus::Cancelled, now).await.unwrap());
        w.app.clock.set(before_start(2, 0));
        let report = w.app.run_due_jobs().await;
        assert_eq!((report.sent, report.skipped), (0, 1), "the planned reminder reads the appointment again");
        nothing_more(&w.sink, 1).await;
        w.app.stop().await;
    }

    async fn a_moved_appointment_is_reminded_of_its_new_time_only(db: TestDb) {
        let w = world(db, quiet(None)).await;
        let appointment = confirmed_appointment(&w).await;
        w.app.clock.set(before_start(24, 0));
        assert_eq!(w.app.run_due_jobs().await.sent, 1);
        let new_start = at(START) + SignedDuration::from_hours(3);
        move_appointment(&w.app.db, appointment, new_start).await;

        // The old time's 2-hour reminder is dropped; the new time is announced.
        w.app.clock.set(before_start(2, 0));
        let report = w.app.run_due_jobs().await;
        assert_eq!((report.sent, report.skipped), (1, 1));
        let mail = w.sink.wait_for(2, WAIT).await.remove(1);
        assert_eq!(mail.subject(), "Reminder: your appointment on Wed 25 Nov 2026, 19:00 (Central European Time)");
        w.app.clock.set(new_start - SignedDuration::from_hours(2));
        assert_eq!(w.app.run_due_jobs().await.sent, 1);
        let last = w.sink.wait_for(3, WAIT).await.remove(2);
        assert_eq!(last.subject(), "Reminder: your appointment on Wed 25 Nov 2026, 19:00 (Central European Time)");
        nothing_more(&w.sink, 3).await;
        w.app.stop().await;
    }

    async fn with_reminders_turned_off_none_are_sent(db: TestDb) {
        let w = world(db, quiet(Some(Vec::new()))).await;
        confirmed_appointment(&w).await;
        for moment in [before_start(24, 0), before_start(2, 0)] {
            w.app.clock.set(moment);
            assert_eq!(w.app.run_due_jobs().await, Default::default());
        }
        assert!(w.app.store().jobs_of_kind("reminder").await.unwrap().is_empty());
        nothing_more(&w.sink, 0).await;
        w.app.stop().await;
    }

    async fn confirmation_emails_carry_the_appointment_as_a_calendar_file(db: TestDb) {
        let w = world(db, quiet(None)).await;
        let store = w.app.store();
        let now = w.app.clock.now();
        // One session type needs the therapist's approval, one does not.
        let kind = |name: &str, needs_approval: bool| SessionTypeRecord {
            id: sensate_domain::SessionTypeId::new(),
            practice_id: w.practice,
            name: name.into(),
            duration_minutes: 50,
            fee_cents: None,
            in_person: true,
            telehealth: true,
            participants: sensate_domain::scheduling::Participants::Either,
            trial: false,
            needs_approval,
            active: true,
            created_at: now,
        };
        let approved = kind("Consultation", true);
        let direct = kind("Follow-up", false);
        for k in [&approved, &direct] {
            store.insert_session_type(k).await.unwrap();
        }
        let mut settings = store.practice(w.practice).await.unwrap().unwrap();
        settings.address = "Seestraße 4\n10115 Berlin".into();
        store.update_practice_settings(&settings, 24).await.unwrap();

        // A visitor's hold, as the booking form leaves it, with the link's token.
        let hold = |kind: &SessionTypeRecord, start: &str, format: SessionFormat, token: &str, email: &str| {
            let id = AppointmentId::new();
            let appointment = NewAppointment {
                id,
                practice_id: w.practice,
                case_id: None,
                clinician_id: w.tess,
                starts_at: at(start),
                ends_at: at(start) + SignedDuration::from_mins(50),
                time_zone: sensate_domain::TimeZoneName::parse("Europe/Berlin").unwrap(),
                format,
                status: AppointmentStatus::Held,
                created_at: now,
                session_type_id: Some(kind.id),
                held_until: Some(now + SignedDuration::from_mins(30)),
                attendees: Vec::new(),
            };
            let request = BookingRequestRecord {
                appointment_id: id,
                session_type_id: kind.id,
                name: "Robin".into(),
                email: sensate_domain::Email::parse(email).unwrap(),
                phone: String::new(),
                with_partner: false,
                partner_email: None,
                concern: None,
                message: None,
                payment: String::new(),
                voicemail_ok: false,
                discreet_email: true,
                jurisdiction: String::new(),
                visitor_time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
                created_at: now,
                email_confirmed_at: None,
            };
            let token_hash = token_hash(token);
            async move {
                store.request_booking(&appointment, &request, &token_hash, now).await.unwrap();
                id
            }
        };

        // No approval needed: confirming the email confirms the appointment, and says so.
        let direct_id = hold(&direct, "2026-11-26T14:00:00Z", SessionFormat::InPerson, "token-direct", "robin@visitor.example").await;
        let visitor = TestApp::new_client();
        let page = w.app.post_form(&visitor, "/bookings/confirm/token-direct", &[]).await;
        assert_eq!(page.status(), 200);
        // The confirmation, and (Robin has no account yet) the invitation to the portal.
        let mails = w.sink.wait_for(2, WAIT).await;
        assert_eq!(mails[1].subject(), "Your invitation");
        let mail = mails[0].clone();
        assert_eq!(mail.subject(), "Your appointment is confirmed");
        assert!(mail.body().contains("Thu, Nov 26, 2026, 9:00 AM (Eastern Time)"), "in the visitor's zone: {}", mail.body());
        assert!(mail.body().contains("in person at Seestraße 4 10115 Berlin, is confirmed."), "where: {}", mail.body());
        assert!(mail.body().contains("Your therapist: Tess Therapist."), "who: {}", mail.body());
        assert!(mail.header("Content-Type").unwrap().starts_with("multipart/mixed"));
        assert!(mail.part("text/html").is_some(), "the text, its HTML and the calendar file");
        mail.assert_discreet();
        mails[1].assert_discreet();
        let content_type = mail.part_content_type("text/calendar").expect("a calendar part");
        assert!(content_type.contains("method=PUBLISH"), "{content_type}");
        let ics = mail.part("text/calendar").unwrap();
        assert!(ics.contains("\r\nMETHOD:PUBLISH\r\n"));
        assert!(ics.contains("\r\nLOCATION:Seestraße 4 10115 Berlin\r\n"), "{ics}");
        assert_eq!(
            parse_with_python_icalendar(&ics),
            format!("{direct_id}@sensate|2026-11-26 14:00:00+00:00|2026-11-26 14:50:00+00:00|Appointment|CONFIRMED\n")
        );

        // Approval needed: the therapist's acceptance sends it.
        let approved_id = hold(&approved, "2026-11-27T10:00:00Z", SessionFormat::Telehealth, "token-approved", "sam@visitor.example").await;
        let other = TestApp::new_client();
        assert_eq!(w.app.post_form(&other, "/bookings/confirm/token-approved", &[]).await.status(), 200);
        // Only the receipt: the calendar file comes with the therapist's answer.
        let receipt = w.sink.wait_for(3, WAIT).await.remove(2);
        assert_eq!(receipt.subject(), "Your request was sent");
        assert!(receipt.part("text/calendar").is_none());
        receipt.assert_discreet();
        nothing_more(&w.sink, 3).await;
        let tess = w.app.signed_in_staff("tess@lakeside.example", PASSWORD).await;
        let answered = w.app.post_form(&tess, &format!("/requests/{approved_id}/confirm"), &[]).await;
        assert_eq!(answered.status(), 303);
        let mails = w.sink.wait_for(5, WAIT).await;
        let mail = mails[3..].iter().find(|m| m.subject() == "Your appointment is confirmed").unwrap().clone();
        assert_eq!(mail.to, ["sam@visitor.example"]);
        let ics = mail.part("text/calendar").expect("a calendar part");
        assert!(ics.contains("\r\nLOCATION:Video session\r\n"), "{ics}");
        assert_eq!(
            parse_with_python_icalendar(&ics),
            format!("{approved_id}@sensate|2026-11-27 10:00:00+00:00|2026-11-27 10:50:00+00:00|Appointment|CONFIRMED\n")
        );

        // Booked by a visitor: the reminder goes to the request's address, in their zone.
        w.app.clock.set(at("2026-11-25T14:30:00Z"));
        assert_eq!(w.app.run_due_jobs().await.sent, 1);
        let reminder = w.sink.wait_for(6, WAIT).await.remove(5);
        assert_eq!(reminder.to, ["robin@visitor.example"]);
        assert_eq!(reminder.subject(), "Reminder: your appointment on Thu, Nov 26, 2026, 9:00 AM (Eastern Time)");
        assert!(reminder.body().contains("in person at Seestraße 4 10115 Berlin."), "{}", reminder.body());
        w.app.stop().await;
    }

    async fn a_practice_may_name_the_service_in_reminders(db: TestDb) {
        let w = world(db, quiet(None)).await;
        confirmed_appointment(&w).await;
        // Discreet by default; the owner opts in on the settings page.
        let page = w.owner.get(w.app.url("/settings")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("id=\"reminders_name_service\" name=\"reminders_name_service\" aria-describedby"), "{page}");
        assert!(!page.contains("name=\"reminders_name_service\" checked"));
        let form = [
            ("name", "Lakeside Therapy"),
            ("time_zone", "Europe/Berlin"),
            ("address", ""),
            ("contact_email", ""),
            ("phone", ""),
            ("reminders_name_service", "on"),
        ];
        let saved = w.app.post_form(&w.owner, "/settings", &form).await;
        assert_eq!(saved.headers()["location"], "/settings?done=settings");
        let page = w.owner.get(w.app.url("/settings")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("name=\"reminders_name_service\" checked"), "{page}");
        assert!(w.app.store().practice(w.practice).await.unwrap().unwrap().reminders_name_service);
        w.app.clock.set(before_start(24, 0));
        assert_eq!(w.app.run_due_jobs().await.sent, 1);
        let mail = w.sink.wait_for(1, WAIT).await.remove(0);
        assert!(mail.body().contains("This is a reminder of your therapy session with Lakeside Therapy on Wed 25 Nov 2026, 16:00 (Central European Time), by video."), "{}", mail.body());
        assert_eq!(mail.subject(), "Reminder: your appointment on Wed 25 Nov 2026, 16:00 (Central European Time)", "the subject stays discreet");
        w.app.stop().await;
    }
}
