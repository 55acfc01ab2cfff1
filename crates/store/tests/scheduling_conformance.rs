//! Booking on both engines: the database never lets two appointments of one
//! clinician overlap while they occupy time, also when many app servers try
//! at once; lapsed holds free their time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use sensate_domain::scheduling::{AppointmentStatus, Participants, SessionFormat};
use sensate_domain::{AppointmentId, PracticeId, Role, UserId};
use sensate_store::*;
use sensate_testkit::on_both_engines;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn practice_with_clinician(store: &Arc<dyn Store>) -> (PracticeId, UserId) {
    let practice = PracticeId::new();
    store
        .insert_practice(&NewPractice {
            id: practice,
            name: "Harbor".into(),
            time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
            created_at: at("2026-01-01T00:00:00Z"),
        })
        .await
        .unwrap();
    let clinician = UserId::new();
    store
        .insert_user(&NewUser {
            id: clinician,
            email: sensate_domain::Email::parse(&format!("{clinician}@harbor.example")).unwrap(),
            display_name: "Dana".into(),
            password_hash: "x".into(),
            created_at: at("2026-01-01T00:00:00Z"),
        })
        .await
        .unwrap();
    store.insert_membership(practice, clinician, Role::Clinician, at("2026-01-01T00:00:00Z")).await.unwrap();
    (practice, clinician)
}

fn slot(
    practice: PracticeId,
    clinician: UserId,
    starts: &str,
    minutes: i64,
    status: AppointmentStatus,
) -> NewAppointment {
    let starts_at = at(starts);
    NewAppointment {
        id: AppointmentId::new(),
        practice_id: practice,
        case_id: None,
        clinician_id: clinician,
        starts_at,
        ends_at: starts_at + SignedDuration::from_mins(minutes),
        time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
        format: SessionFormat::Telehealth,
        status,
        created_at: at("2026-11-01T12:00:00Z"),
        session_type_id: None,
        held_until: None,
        attendees: Vec::new(),
    }
}

on_both_engines! {
    async fn overlapping_appointments_of_one_clinician_are_refused(db: TestDb) {
        let store = db.store().await;
        let (p, c) = practice_with_clinician(&store).await;
        let (_, other) = practice_with_clinician(&store).await;
        let now = at("2026-11-01T12:00:00Z");
        use AppointmentStatus::*;
        assert_eq!(store.book_appointment(&slot(p, c, "2026-12-01T15:00:00Z", 50, Confirmed), now).await.unwrap(), Booking::Booked);
        // Overlapping in any way: refused.
        for (start, minutes) in [("2026-12-01T15:30:00Z", 50), ("2026-12-01T14:30:00Z", 31), ("2026-12-01T15:10:00Z", 10), ("2026-12-01T14:00:00Z", 180)] {
            assert_eq!(store.book_appointment(&slot(p, c, start, minutes, Requested), now).await.unwrap(), Booking::Taken, "{start}");
        }
        // Touching ends, another clinician, or a time that does not occupy: fine.
        assert_eq!(store.book_appointment(&slot(p, c, "2026-12-01T15:50:00Z", 50, Requested), now).await.unwrap(), Booking::Booked);
        assert_eq!(store.book_appointment(&slot(p, c, "2026-12-01T14:10:00Z", 50, Held), now).await.unwrap(), Booking::Booked);
        assert_eq!(store.book_appointment(&slot(p, other, "2026-12-01T15:00:00Z", 50, Confirmed), now).await.unwrap(), Booking::Booked);
        assert_eq!(store.book_appointment(&slot(p, c, "2026-12-01T15:00:00Z", 50, Cancelled), now).await.unwrap(), Booking::Booked);
        // The rule is the database's: a plain insert is refused too.
        assert!(store.insert_appointment(&slot(p, c, "2026-12-01T15:20:00Z", 20, Confirmed)).await.is_err());
        let busy = store.busy_times(c, now, now).await.unwrap();
        assert_eq!(
            busy,
            vec![
                (at("2026-12-01T14:10:00Z"), at("2026-12-01T15:00:00Z")),
                (at("2026-12-01T15:00:00Z"), at("2026-12-01T15:50:00Z")),
                (at("2026-12-01T15:50:00Z"), at("2026-12-01T16:40:00Z")),
            ]
        );
        store.close().await;
    }

    async fn a_lapsed_hold_frees_its_time(db: TestDb) {
        let store = db.store().await;
        let (p, c) = practice_with_clinician(&store).await;
        let held_until = at("2026-11-01T12:15:00Z");
        let hold = NewAppointment { held_until: Some(held_until), ..slot(p, c, "2026-12-02T15:00:00Z", 30, AppointmentStatus::Held) };
        assert_eq!(store.book_appointment(&hold, at("2026-11-01T12:00:00Z")).await.unwrap(), Booking::Booked);
        let attempt = slot(p, c, "2026-12-02T15:00:00Z", 50, AppointmentStatus::Requested);
        assert_eq!(store.book_appointment(&attempt, at("2026-11-01T12:14:59Z")).await.unwrap(), Booking::Taken, "still held");
        assert_eq!(store.busy_times(c, at("2026-11-01T12:14:59Z"), at("2026-11-01T12:14:59Z")).await.unwrap().len(), 1);
        assert!(store.busy_times(c, held_until, held_until).await.unwrap().is_empty(), "a lapsed hold is not busy");
        let day_before = held_until - SignedDuration::from_hours(24);
        assert!(
            store.busy_times(c, day_before, held_until).await.unwrap().is_empty(),
            "a hold that lapsed is not busy, however far back the times are read"
        );
        assert_eq!(store.book_appointment(&attempt, held_until).await.unwrap(), Booking::Booked, "lapsed");
        assert_eq!(store.expire_holds(held_until).await.unwrap(), 0, "booking expired it already");
        store.close().await;
    }

    async fn of_two_hundred_simultaneous_attempts_from_three_servers_exactly_one_books(db: TestDb) {
        // Three stores with their own connection pools stand for three app servers.
        let servers = [db.store().await, db.store().await, db.store().await];
        let (p, c) = practice_with_clinician(&servers[0]).await;
        let now = at("2026-11-01T12:00:00Z");
        let mut attempts = tokio::task::JoinSet::new();
        for n in 0..200 {
            let store = servers[n % 3].clone();
            // Every attempt wants a time overlapping 15:00–15:50, starting a little apart.
            let start = at("2026-12-03T15:00:00Z") + SignedDuration::from_mins((n % 5) as i64 * 10 - 20);
            let mut wanted = slot(p, c, "2026-12-03T15:00:00Z", 50, AppointmentStatus::Requested);
            wanted.starts_at = start;
            wanted.ends_at = start + SignedDuration::from_mins(50);
            attempts.spawn(async move { store.book_appointment(&wanted, now).await });
        }
        let (mut booked, mut taken, mut failed) = (0, 0, Vec::new());
        while let Some(result) = attempts.join_next().await {
            match result.unwrap() {
                Ok(Booking::Booked) => booked += 1,
                Ok(Booking::Taken) => taken += 1,
                Err(error) => failed.push(error.to_string()),
            }
        }
        assert!(failed.is_empty(), "no errors: {failed:?}");
        assert_eq!((booked, taken), (1, 199));
        assert_eq!(servers[1].busy_times(c, now, now).await.unwrap().len(), 1);
        for store in servers {
            store.close().await;
        }
    }

    async fn session_types_are_stored_trial_consultations_first(db: TestDb) {
        let store = db.store().await;
        let (p, _) = practice_with_clinician(&store).await;
        let kind = |name: &str, minutes: u32, trial: bool| SessionTypeRecord {
            id: sensate_domain::SessionTypeId::new(),
            practice_id: p,
            name: name.into(),
            duration_minutes: minutes,
            fee_cents: if trial { None } else { Some(18_000) },
            in_person: !trial,
            telehealth: true,
            participants: if name.contains("Couple") { Participants::Couple } else { Participants::Either },
            trial,
            needs_approval: !trial,
            active: true,
            created_at: at("2026-01-01T00:00:00Z"),
        };
        let individual = kind("Individual session", 50, false);
        let couple = kind("Couple session", 80, false);
        let trial = kind("Free trial consultation", 20, true);
        for t in [&individual, &couple, &trial] {
            store.insert_session_type(t).await.unwrap();
        }
        assert_eq!(store.session_types(p).await.unwrap(), vec![trial.clone(), couple.clone(), individual.clone()]);
        assert!(store.session_types(PracticeId::new()).await.unwrap().is_empty());
        assert!(!store.set_session_type_active(PracticeId::new(), couple.id, false).await.unwrap(), "another practice's");
        assert!(store.set_session_type_active(p, couple.id, false).await.unwrap());
        let read = store.session_types(p).await.unwrap();
        assert_eq!(read[1], SessionTypeRecord { active: false, ..couple });
        store.close().await;
    }

    async fn availability_is_saved_and_replaced_as_a_whole(db: TestDb) {
        let store = db.store().await;
        let (_, c) = practice_with_clinician(&store).await;
        assert_eq!(store.availability(c).await.unwrap(), None);
        let office = Some(sensate_domain::OfficeId::new());
        let week = |weekday, start, end, format| WeeklyHoursRecord { weekday, start_minute: start, end_minute: end, format, office_id: if format == SessionFormat::InPerson { office } else { None } };
        let first = AvailabilityRecord {
            clinician_id: c,
            time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
            buffer_before_minutes: 0,
            buffer_after_minutes: 10,
            min_notice_minutes: 24 * 60,
            horizon_days: 60,
            max_per_day: Some(6),
            slot_step_minutes: 30,
            weekly: vec![
                week(1, 9 * 60, 12 * 60, SessionFormat::InPerson),
                week(1, 13 * 60, 17 * 60, SessionFormat::Telehealth),
                week(3, 10 * 60, 18 * 60, SessionFormat::Telehealth),
            ],
            overrides: vec![
                DateOverrideRecord { day: jiff::civil::date(2026, 12, 24), hours: None },
                DateOverrideRecord { day: jiff::civil::date(2026, 12, 27), hours: Some((600, 720, SessionFormat::Telehealth, None)) },
            ],
            updated_at: at("2026-11-01T12:00:00Z"),
        };
        store.save_availability(&first).await.unwrap();
        assert_eq!(store.availability(c).await.unwrap().as_ref(), Some(&first));
        let second = AvailabilityRecord {
            time_zone: sensate_domain::TimeZoneName::parse("Europe/Berlin").unwrap(),
            max_per_day: None,
            weekly: vec![week(5, 8 * 60, 24 * 60, SessionFormat::Telehealth)],
            overrides: vec![],
            updated_at: at("2026-11-02T12:00:00Z"),
            ..first
        };
        store.save_availability(&second).await.unwrap();
        assert_eq!(store.availability(c).await.unwrap(), Some(second));
        store.close().await;
    }

    async fn a_calendar_feed_address_is_replaced_and_revoked(db: TestDb) {
        let store = db.store().await;
        let (_, c) = practice_with_clinician(&store).await;
        assert_eq!(store.calendar_feed_since(c).await.unwrap(), None);
        store.set_calendar_feed(c, "hash-one", at("2026-11-01T12:00:00Z")).await.unwrap();
        assert_eq!(store.calendar_feed_owner("hash-one").await.unwrap(), Some(c));
        store.set_calendar_feed(c, "hash-two", at("2026-11-02T12:00:00Z")).await.unwrap();
        assert_eq!(store.calendar_feed_owner("hash-one").await.unwrap(), None, "the old address stops working");
        assert_eq!(store.calendar_feed_owner("hash-two").await.unwrap(), Some(c));
        assert_eq!(store.calendar_feed_since(c).await.unwrap(), Some(at("2026-11-02T12:00:00Z")));
        assert!(store.remove_calendar_feed(c).await.unwrap());
        assert!(!store.remove_calendar_feed(c).await.unwrap());
        assert_eq!(store.calendar_feed_owner("hash-two").await.unwrap(), None);
        store.close().await;
    }

    async fn a_visitors_request_holds_the_time_until_they_confirm_their_email(db: TestDb) {
        let store = db.store().await;
        let (p, c) = practice_with_clinician(&store).await;
        let kind = SessionTypeRecord {
            id: sensate_domain::SessionTypeId::new(),
            practice_id: p,
            name: "Trial".into(),
            duration_minutes: 20,
            fee_cents: Some(0),
            in_person: false,
            telehealth: true,
            participants: Participants::Either,
            trial: true,
            needs_approval: true,
            active: true,
            created_at: at("2026-01-01T00:00:00Z"),
        };
        store.insert_session_type(&kind).await.unwrap();
        let now = at("2026-11-23T15:00:00Z");
        let hold = |start: &str| NewAppointment {
            held_until: Some(now + SignedDuration::from_mins(30)),
            session_type_id: Some(kind.id),
            ..slot(p, c, start, 20, AppointmentStatus::Held)
        };
        let request = |appointment: &NewAppointment| BookingRequestRecord {
            appointment_id: appointment.id,
            session_type_id: kind.id,
            name: "Robin".into(),
            email: sensate_domain::Email::parse("robin@visitor.example").unwrap(),
            phone: String::new(),
            with_partner: false,
            partner_email: None,
            concern: Some(vec![1, 2, 3]),
            message: None,
            payment: "self_pay".into(),
            voicemail_ok: false,
            discreet_email: true,
            jurisdiction: "US-NY".into(),
            visitor_time_zone: sensate_domain::TimeZoneName::parse("Europe/Berlin").unwrap(),
            created_at: now,
            email_confirmed_at: None,
        };
        let first = hold("2026-11-25T15:00:00Z");
        assert_eq!(store.request_booking(&first, &request(&first), "token-1", now).await.unwrap(), Booking::Booked);
        let clash = hold("2026-11-25T15:10:00Z");
        assert_eq!(store.request_booking(&clash, &request(&clash), "token-2", now).await.unwrap(), Booking::Taken);
        assert_eq!(store.booking_by_token("token-2").await.unwrap(), None, "nothing of a refused request is kept");
        let view = store.booking_by_token("token-1").await.unwrap().unwrap();
        assert_eq!(view.request, request(&first));
        assert_eq!((view.status, view.clinician_id, view.starts_at), (AppointmentStatus::Held, c, first.starts_at));
        assert!(store.booking_requests_for(c, now).await.unwrap().is_empty(), "the clinician sees nothing before the email is confirmed");
        assert_eq!(store.count_booking_requests_for(c, now).await.unwrap(), 0);

        let later = now + SignedDuration::from_mins(10);
        assert!(store.confirm_booking_email(first.id, AppointmentStatus::Requested, later).await.unwrap());
        assert!(!store.confirm_booking_email(first.id, AppointmentStatus::Requested, later).await.unwrap(), "once");
        let waiting = store.booking_requests_for(c, now).await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(store.count_booking_requests_for(c, now).await.unwrap(), 1);
        assert_eq!(store.count_booking_requests_for(c, first.starts_at + SignedDuration::from_mins(1)).await.unwrap(), 0, "past requests wait for no one");
        assert_eq!(waiting[0].request.email_confirmed_at, Some(later));
        assert_eq!(waiting[0].held_until, None);

        // A hold whose time ran out cannot be confirmed.
        let second = hold("2026-11-26T15:00:00Z");
        store.request_booking(&second, &request(&second), "token-3", now).await.unwrap();
        assert!(!store.confirm_booking_email(second.id, AppointmentStatus::Requested, now + SignedDuration::from_mins(30)).await.unwrap());

        // Status changes are compare-and-set.
        assert!(store.change_appointment_status(first.id, AppointmentStatus::Requested, AppointmentStatus::Confirmed, later).await.unwrap());
        assert!(!store.change_appointment_status(first.id, AppointmentStatus::Requested, AppointmentStatus::Cancelled, later).await.unwrap());
        assert_eq!(store.booking(first.id).await.unwrap().unwrap().status, AppointmentStatus::Confirmed);
        assert_eq!(store.count_booking_requests_for(c, now).await.unwrap(), 0, "an answered request no longer waits");

        // Once the request is a client's session, it is what they wrote when booking.
        let robin = UserId::new();
        store
            .insert_user(&NewUser {
                id: robin,
                email: sensate_domain::Email::parse("robin@visitor.example").unwrap(),
                display_name: "Robin".into(),
                password_hash: "x".into(),
                created_at: now,
            })
            .await
            .unwrap();
        assert!(store.booking_requests_of_client(p, robin, c).await.unwrap().is_empty(), "no case yet");
        let case = sensate_domain::CaseId::new();
        let kind_of_case = sensate_domain::scheduling::CaseKind::Individual;
        let new_case = NewCase { id: case, practice_id: p, clinician_id: c, kind: kind_of_case, members: vec![robin], opened_at: later };
        store.insert_case(&new_case).await.unwrap();
        store.assign_case(first.id, case).await.unwrap();
        let words = store.booking_requests_of_client(p, robin, c).await.unwrap();
        assert_eq!(words.len(), 1);
        assert_eq!((words[0].request.appointment_id, words[0].request.email_confirmed_at), (first.id, Some(later)));
        assert!(store.booking_requests_of_client(p, robin, UserId::new()).await.unwrap().is_empty(), "another clinician's, none");
        assert!(store.booking_requests_of_client(PracticeId::new(), robin, c).await.unwrap().is_empty(), "another practice's, none");
        store.close().await;
    }
}
