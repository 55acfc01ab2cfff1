//! Series on both engines: a series of sessions is booked whole or not at
//! all, and the calendar reads back what the week holds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp, ToSpan};
use sensate_domain::scheduling::{AppointmentStatus, CaseKind, SessionFormat};
use sensate_domain::{AppointmentId, CaseId, PracticeId, Role, UserId};
use sensate_store::*;
use sensate_testkit::on_both_engines;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn person(store: &Arc<dyn Store>, practice: PracticeId, name: &str, role: Role) -> UserId {
    let id = UserId::new();
    store
        .insert_user(&NewUser {
            id,
            email: sensate_domain::Email::parse(&format!("{id}@harbor.example")).unwrap(),
            display_name: name.into(),
            password_hash: "x".into(),
            created_at: at("2026-01-01T00:00:00Z"),
        })
        .await
        .unwrap();
    store.insert_membership(practice, id, role, at("2026-01-01T00:00:00Z")).await.unwrap();
    id
}

struct World {
    practice: PracticeId,
    clinician: UserId,
    case: CaseId,
}

async fn world(store: &Arc<dyn Store>) -> World {
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
    let clinician = person(store, practice, "Dana Therapist", Role::Clinician).await;
    let robin = person(store, practice, "Robin Client", Role::Client).await;
    let alex = person(store, practice, "Alex Client", Role::Client).await;
    let case = CaseId::new();
    store
        .insert_case(&NewCase {
            id: case,
            practice_id: practice,
            clinician_id: clinician,
            kind: CaseKind::Couple,
            members: vec![robin, alex],
            opened_at: at("2026-01-01T00:00:00Z"),
        })
        .await
        .unwrap();
    World { practice, clinician, case }
}

fn session(w: &World, starts_at: Timestamp, status: AppointmentStatus) -> NewAppointment {
    NewAppointment {
        id: AppointmentId::new(),
        practice_id: w.practice,
        case_id: Some(w.case),
        clinician_id: w.clinician,
        starts_at,
        ends_at: starts_at + SignedDuration::from_mins(50),
        time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
        format: SessionFormat::Telehealth,
        status,
        created_at: at("2026-11-01T12:00:00Z"),
        session_type_id: None,
        held_until: None,
        attendees: Vec::new(),
    }
}

/// Ten weekly sessions from 1 December 2026, 15:00 UTC.
fn weekly(w: &World, count: i64) -> Vec<NewAppointment> {
    (0..count)
        .map(|n| {
            session(
                w,
                at("2026-12-01T15:00:00Z").checked_add((n * 7 * 24).hours()).unwrap(),
                AppointmentStatus::Confirmed,
            )
        })
        .collect()
}

fn series(w: &World, occurrences: u32) -> NewSeries {
    NewSeries {
        id: sensate_domain::SeriesId::new(),
        practice_id: w.practice,
        clinician_id: w.clinician,
        case_id: w.case,
        cadence: "weekly".into(),
        occurrences,
        created_by: w.clinician,
        created_at: at("2026-11-01T12:00:00Z"),
    }
}

async fn booked(store: &Arc<dyn Store>, w: &World) -> Vec<CalendarEntry> {
    store
        .calendar_entries(
            w.clinician,
            at("2026-11-01T00:00:00Z"),
            at("2027-06-01T00:00:00Z"),
            at("2026-11-01T12:00:00Z"),
        )
        .await
        .unwrap()
}

on_both_engines! {
    async fn a_series_that_collides_in_its_seventh_week_writes_nothing(db: TestDb) {
        let store = db.store().await;
        let w = world(&store).await;
        let now = at("2026-11-01T12:00:00Z");
        // Something already in the seventh week (12 January 2027), overlapping by ten minutes.
        let existing = session(&w, at("2027-01-12T15:40:00Z"), AppointmentStatus::Requested);
        assert_eq!(store.book_appointment(&existing, now).await.unwrap(), Booking::Booked);

        let attempt = weekly(&w, 10);
        let outcome = store.book_series(Some(&series(&w, 10)), &attempt, now).await.unwrap();
        assert_eq!(outcome, SeriesBooking::Collides(vec![6]));
        let entries = booked(&store, &w).await;
        assert_eq!(entries.len(), 1, "only what was there before");
        assert_eq!(entries[0].id, existing.id);

        // Once that time is free again, the same series is written whole.
        assert!(store.change_appointment_status(existing.id, AppointmentStatus::Requested, AppointmentStatus::Cancelled, now).await.unwrap());
        let s = series(&w, 10);
        assert_eq!(store.book_series(Some(&s), &attempt, now).await.unwrap(), SeriesBooking::Booked);
        let entries = booked(&store, &w).await;
        assert_eq!(entries.len(), 10, "cancelled ones are not in the calendar");
        assert_eq!(entries.iter().map(|e| e.starts_at).collect::<Vec<_>>(), attempt.iter().map(|a| a.starts_at).collect::<Vec<_>>());
        assert!(entries.iter().all(|e| e.series_id == Some(s.id) && e.case_id == Some(w.case)));
        assert!(entries.iter().all(|e| e.status == AppointmentStatus::Confirmed));
        assert_eq!(entries[0].client_names, vec!["Alex Client", "Robin Client"]);
        store.close().await;
    }

    async fn a_series_that_collides_with_itself_writes_nothing(db: TestDb) {
        let store = db.store().await;
        let w = world(&store).await;
        let now = at("2026-11-01T12:00:00Z");
        let mut attempt = weekly(&w, 3);
        // The third lands inside the first.
        attempt[2] = session(&w, at("2026-12-01T15:30:00Z"), AppointmentStatus::Confirmed);
        assert_eq!(store.book_series(Some(&series(&w, 3)), &attempt, now).await.unwrap(), SeriesBooking::Collides(vec![2]));
        assert!(booked(&store, &w).await.is_empty());
        store.close().await;
    }

    async fn a_lapsed_hold_does_not_block_a_series_and_a_live_one_does(db: TestDb) {
        let store = db.store().await;
        let w = world(&store).await;
        let hold = NewAppointment {
            case_id: None,
            held_until: Some(at("2026-11-01T12:30:00Z")),
            ..session(&w, at("2026-12-08T15:00:00Z"), AppointmentStatus::Held)
        };
        assert_eq!(store.book_appointment(&hold, at("2026-11-01T12:00:00Z")).await.unwrap(), Booking::Booked);
        let attempt = weekly(&w, 2);
        let outcome = store.book_series(Some(&series(&w, 2)), &attempt, at("2026-11-01T12:10:00Z")).await.unwrap();
        assert_eq!(outcome, SeriesBooking::Collides(vec![1]), "held for a visitor");
        let outcome = store.book_series(Some(&series(&w, 2)), &attempt, at("2026-11-01T12:30:00Z")).await.unwrap();
        assert_eq!(outcome, SeriesBooking::Booked, "the hold lapsed");
        // A single appointment needs no series row.
        let single = session(&w, at("2026-12-01T17:00:00Z"), AppointmentStatus::Confirmed);
        assert_eq!(store.book_series(None, std::slice::from_ref(&single), at("2026-11-01T12:30:00Z")).await.unwrap(), SeriesBooking::Booked);
        let entries = booked(&store, &w).await;
        assert_eq!(entries.len(), 3);
        assert_eq!(entries.iter().find(|e| e.id == single.id).unwrap().series_id, None);
        store.close().await;
    }

    async fn the_week_shows_holds_requests_and_sessions_and_cases_list_their_clients(db: TestDb) {
        let store = db.store().await;
        let w = world(&store).await;
        let other = person(&store, w.practice, "Kim Other", Role::Clinician).await;
        let now = at("2026-11-30T12:00:00Z");
        let live = NewAppointment { case_id: None, held_until: Some(at("2026-11-30T12:30:00Z")), ..session(&w, at("2026-12-01T09:00:00Z"), AppointmentStatus::Held) };
        let lapsed = NewAppointment { case_id: None, held_until: Some(at("2026-11-30T11:30:00Z")), ..session(&w, at("2026-12-01T11:00:00Z"), AppointmentStatus::Held) };
        let confirmed = session(&w, at("2026-12-02T15:00:00Z"), AppointmentStatus::Confirmed);
        let outside = session(&w, at("2026-12-09T15:00:00Z"), AppointmentStatus::Confirmed);
        for a in [&live, &lapsed, &confirmed, &outside] {
            store.insert_appointment(a).await.unwrap();
        }
        let mut theirs = session(&w, at("2026-12-02T15:00:00Z"), AppointmentStatus::Confirmed);
        theirs.clinician_id = other;
        theirs.case_id = None;
        store.insert_appointment(&theirs).await.unwrap();

        let week = store.calendar_entries(w.clinician, at("2026-11-30T05:00:00Z"), at("2026-12-07T05:00:00Z"), now).await.unwrap();
        assert_eq!(week.iter().map(|e| e.id).collect::<Vec<_>>(), vec![live.id, confirmed.id], "no lapsed hold, nothing outside the week, nobody else's");
        assert_eq!(week[0].held_until, Some(at("2026-11-30T12:30:00Z")));
        assert!(week[0].client_names.is_empty());

        let cases = store.schedulable_cases(w.practice, Some(w.clinician)).await.unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].client_names(), vec!["Alex Client", "Robin Client"]);
        assert_eq!(cases[0].clinician_name, "Dana Therapist");
        assert!(store.schedulable_cases(w.practice, Some(other)).await.unwrap().is_empty());
        assert_eq!(store.schedulable_cases(w.practice, None).await.unwrap().len(), 1);
        assert!(store.schedulable_cases(PracticeId::new(), None).await.unwrap().is_empty());
        store.close().await;
    }
}
