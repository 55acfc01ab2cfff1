//! What the directory's "next available" reads, on both engines: the
//! scheduling version moves with every change to free time (and only then),
//! and the bulk read gives each bookable clinician's hours, busy times and
//! their practice's active session types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat};
use sensate_domain::{AppointmentId, PracticeId, Role, UserId};
use sensate_store::*;
use sensate_testkit::on_both_engines;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn practice(store: &Arc<dyn Store>) -> PracticeId {
    let practice = PracticeId::new();
    let new = NewPractice {
        id: practice,
        name: "Harbor".into(),
        time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
        created_at: at("2026-01-01T00:00:00Z"),
    };
    store.insert_practice(&new).await.unwrap();
    practice
}

async fn therapist(store: &Arc<dyn Store>, practice: PracticeId, accepting: bool) -> UserId {
    let user = UserId::new();
    let new = NewUser {
        id: user,
        email: sensate_domain::Email::parse(&format!("{user}@harbor.example")).unwrap(),
        display_name: "Dana".into(),
        password_hash: "x".into(),
        created_at: at("2026-01-01T00:00:00Z"),
    };
    store.insert_user(&new).await.unwrap();
    store.insert_membership(practice, user, Role::Clinician, at("2026-01-01T00:00:00Z")).await.unwrap();
    let profile = TherapistProfile {
        user_id: user,
        practice_id: practice,
        display_name: "Dana".into(),
        pronouns: String::new(),
        credentials: "LMFT".into(),
        headline: String::new(),
        approach: String::new(),
        languages: "English".into(),
        offers_in_person: false,
        offers_telehealth: true,
        accepting_new_clients: accepting,
    };
    store.insert_therapist_profile(&profile).await.unwrap();
    user
}

fn hours(clinician: UserId) -> AvailabilityRecord {
    AvailabilityRecord {
        clinician_id: clinician,
        time_zone: sensate_domain::TimeZoneName::parse("America/Chicago").unwrap(),
        buffer_before_minutes: 5,
        buffer_after_minutes: 10,
        min_notice_minutes: 720,
        horizon_days: 30,
        max_per_day: Some(3),
        slot_step_minutes: 30,
        weekly: vec![WeeklyHoursRecord {
            weekday: 2,
            start_minute: 540,
            end_minute: 720,
            format: SessionFormat::Telehealth,
            office_id: None,
        }],
        overrides: vec![
            DateOverrideRecord { day: "2026-10-01".parse().unwrap(), hours: None },
            DateOverrideRecord { day: "2026-12-24".parse().unwrap(), hours: None },
        ],
        updated_at: at("2026-11-01T00:00:00Z"),
    }
}

fn kind(practice: PracticeId, name: &str, active: bool) -> SessionTypeRecord {
    SessionTypeRecord {
        id: sensate_domain::SessionTypeId::new(),
        practice_id: practice,
        name: name.into(),
        duration_minutes: 20,
        fee_cents: Some(0),
        in_person: false,
        telehealth: true,
        participants: sensate_domain::scheduling::Participants::Either,
        trial: true,
        needs_approval: true,
        active,
        created_at: at("2026-11-01T00:00:00Z"),
    }
}

fn appointment(practice: PracticeId, clinician: UserId, starts: &str) -> NewAppointment {
    NewAppointment {
        id: AppointmentId::new(),
        practice_id: practice,
        case_id: None,
        clinician_id: clinician,
        starts_at: at(starts),
        ends_at: at(starts) + SignedDuration::from_mins(20),
        time_zone: sensate_domain::TimeZoneName::parse("America/Chicago").unwrap(),
        format: SessionFormat::Telehealth,
        status: AppointmentStatus::Confirmed,
        created_at: at("2026-11-01T12:00:00Z"),
        session_type_id: None,
        held_until: None,
        attendees: Vec::new(),
    }
}

/// Checks the version moved past `last`, and remembers it.
fn moved(last: &mut i64, version: i64, what: &str) {
    assert!(version > *last, "{what}: {version} after {last}");
    *last = version;
}

async fn calendar(store: &Arc<dyn Store>) -> Option<i64> {
    store.versions().await.unwrap().calendar
}

on_both_engines! {
    async fn on_sqlite_every_change_to_appointments_and_cases_moves_the_calendar_version(db: TestDb) {
        let store = db.store().await;
        let now = at("2026-11-01T12:00:00Z");
        let p = practice(&store).await;
        let c = therapist(&store, p, true).await;
        if db.is_postgres() {
            assert_eq!(calendar(&store).await, None, "PostgreSQL keeps no calendar version");
            store.close().await;
            return;
        }
        let mut last = calendar(&store).await.unwrap();
        let held = appointment(p, c, "2026-12-01T15:00:00Z");
        store.insert_appointment(&held).await.unwrap();
        moved(&mut last, calendar(&store).await.unwrap(), "an appointment added");
        let client = UserId::new();
        store
            .insert_user(&NewUser {
                id: client,
                email: sensate_domain::Email::parse("robin@example.org").unwrap(),
                display_name: "Robin".into(),
                password_hash: "x".into(),
                created_at: now,
            })
            .await
            .unwrap();
        let case = NewCase {
            id: sensate_domain::CaseId::new(),
            practice_id: p,
            clinician_id: c,
            kind: sensate_domain::scheduling::CaseKind::Individual,
            members: Vec::new(),
            opened_at: now,
        };
        store.insert_case(&case).await.unwrap();
        store.add_case_member(case.id, client).await.unwrap();
        moved(&mut last, calendar(&store).await.unwrap(), "a client joined a case");
        store.assign_case(held.id, case.id).await.unwrap();
        moved(&mut last, calendar(&store).await.unwrap(), "an appointment given its case");
        assert!(store.change_appointment_status(held.id, AppointmentStatus::Confirmed, AppointmentStatus::Cancelled, now).await.unwrap());
        moved(&mut last, calendar(&store).await.unwrap(), "cancelled");
        assert!(!store.change_appointment_status(held.id, AppointmentStatus::Confirmed, AppointmentStatus::Cancelled, now).await.unwrap());
        assert_eq!(calendar(&store).await.unwrap(), last, "no change, no new version");
        let uow = store.begin_write().await.unwrap();
        uow.insert_appointment(&appointment(p, c, "2026-12-02T15:00:00Z")).await.unwrap();
        drop(uow);
        assert_eq!(calendar(&store).await.unwrap(), last, "a rolled-back booking");
        store.close().await;
    }

    async fn every_change_to_free_time_moves_the_scheduling_version(db: TestDb) {
        let store = db.store().await;
        let now = at("2026-11-01T12:00:00Z");
        let p = practice(&store).await;
        let c = therapist(&store, p, true).await;
        let mut last = store.scheduling_version().await.unwrap();
        let versions = store.versions().await.unwrap();
        assert_eq!(versions.scheduling, last);
        assert_eq!(versions.directory, store.directory_version().await.unwrap());

        store.save_availability(&hours(c)).await.unwrap();
        moved(&mut last, store.scheduling_version().await.unwrap(), "hours saved");
        let trial = kind(p, "Trial consultation", true);
        store.insert_session_type(&trial).await.unwrap();
        moved(&mut last, store.scheduling_version().await.unwrap(), "session type added");
        assert!(store.set_session_type_active(p, trial.id, false).await.unwrap());
        moved(&mut last, store.scheduling_version().await.unwrap(), "session type withdrawn");
        let booked = appointment(p, c, "2026-12-01T15:00:00Z");
        assert_eq!(store.book_appointment(&booked, now).await.unwrap(), Booking::Booked);
        moved(&mut last, store.scheduling_version().await.unwrap(), "booked");
        assert_eq!(store.book_appointment(&appointment(p, c, "2026-12-01T15:10:00Z"), now).await.unwrap(), Booking::Taken);
        assert_eq!(store.scheduling_version().await.unwrap(), last, "a time already taken changes nothing");
        assert!(store.change_appointment_status(booked.id, AppointmentStatus::Confirmed, AppointmentStatus::Cancelled, now).await.unwrap());
        moved(&mut last, store.scheduling_version().await.unwrap(), "cancelled");
        assert!(!store.change_appointment_status(booked.id, AppointmentStatus::Confirmed, AppointmentStatus::Cancelled, now).await.unwrap());
        assert_eq!(store.scheduling_version().await.unwrap(), last, "no change, no new version");
        assert_eq!(store.expire_holds(now).await.unwrap(), 0);
        assert_eq!(store.scheduling_version().await.unwrap(), last, "no hold lapsed");
        store.insert_appointment(&appointment(p, c, "2026-12-02T15:00:00Z")).await.unwrap();
        moved(&mut last, store.scheduling_version().await.unwrap(), "appointment added");
        let series = [appointment(p, c, "2026-12-09T15:00:00Z"), appointment(p, c, "2026-12-16T15:00:00Z")];
        assert_eq!(store.book_series(None, &series, now).await.unwrap(), SeriesBooking::Booked);
        moved(&mut last, store.scheduling_version().await.unwrap(), "sessions booked for a client");
        assert_eq!(store.book_series(None, &series[..1], now).await.unwrap(), SeriesBooking::Collides(vec![0]));
        assert_eq!(store.scheduling_version().await.unwrap(), last, "a colliding series changes nothing");
        let moved_to = at("2026-12-16T17:00:00Z");
        let change = AppointmentChange {
            appointment: series[1].id,
            clinician: c,
            from_status: AppointmentStatus::Confirmed,
            from_start: series[1].starts_at,
            to_status: AppointmentStatus::Confirmed,
            starts_at: moved_to,
            ends_at: moved_to + SignedDuration::from_mins(20),
            event: NewAppointmentEvent {
                appointment: series[1].id,
                at: now,
                kind: EventKind::Rescheduled,
                party: sensate_domain::scheduling::lifecycle::Party::Practice,
                actor: Some(c),
                late: false,
                reason: String::new(),
                previous_starts_at: Some(series[1].starts_at),
            },
        };
        assert_eq!(store.change_appointment(&change).await.unwrap(), Changed::Done);
        moved(&mut last, store.scheduling_version().await.unwrap(), "a session moved");
        assert_eq!(store.change_appointment(&change).await.unwrap(), Changed::Stale);
        assert_eq!(store.scheduling_version().await.unwrap(), last, "a stale change changes nothing");
        assert_eq!(store.versions().await.unwrap().scheduling, last);
        store.close().await;
    }

    async fn the_bulk_read_gives_bookable_clinicians_with_hours_and_busy_times(db: TestDb) {
        let store = db.store().await;
        let p = practice(&store).await;
        let other_practice = practice(&store).await;
        let bookable = therapist(&store, p, true).await;
        let not_accepting = therapist(&store, p, false).await;
        let without_hours = therapist(&store, p, true).await;
        let imported = therapist(&store, other_practice, true).await;
        for c in [bookable, not_accepting] {
            store.save_availability(&hours(c)).await.unwrap();
        }
        store.insert_session_type(&kind(p, "Trial consultation", true)).await.unwrap();
        store.insert_session_type(&kind(p, "Withdrawn", false)).await.unwrap();
        let before = store.scheduling_version().await.unwrap();
        store.import_schedules(&[hours(imported)], &[kind(other_practice, "Imported trial", true)]).await.unwrap();
        assert!(store.scheduling_version().await.unwrap() > before, "an import is a change too");
        let now = at("2026-11-01T12:00:00Z");
        store.book_appointment(&appointment(p, bookable, "2026-12-01T15:00:00Z"), now).await.unwrap();
        store.book_appointment(&appointment(p, bookable, "2026-10-01T15:00:00Z"), at("2026-09-01T00:00:00Z")).await.unwrap();
        let mut cancelled = appointment(p, bookable, "2026-12-08T15:00:00Z");
        cancelled.status = AppointmentStatus::Cancelled;
        store.insert_appointment(&cancelled).await.unwrap();

        let read = store.bookable_schedules(now, now, "2026-11-01".parse().unwrap()).await.unwrap();
        let mut clinicians: Vec<UserId> = read.clinicians.iter().map(|c| c.availability.clinician_id).collect();
        clinicians.sort();
        let mut expected = vec![bookable, imported];
        expected.sort();
        assert_eq!(clinicians, expected, "only those with hours who take new clients");
        assert!(!clinicians.contains(&without_hours) && !clinicians.contains(&not_accepting));
        let found = read.clinicians.iter().find(|c| c.availability.clinician_id == bookable).unwrap();
        assert_eq!(found.practice_id, p);
        assert!(found.offers_telehealth && !found.offers_in_person);
        let mut stored = hours(bookable);
        stored.overrides.remove(0);
        assert_eq!(found.availability, stored, "as saved, overrides from the day asked for");
        assert_eq!(found.busy, vec![(at("2026-12-01T15:00:00Z"), at("2026-12-01T15:20:00Z"))], "past and cancelled left out");
        let names = |practice: PracticeId| -> Vec<String> {
            read.session_types.get(&practice).map(|types| types.iter().map(|t| t.name.clone()).collect()).unwrap_or_default()
        };
        assert_eq!(names(p), vec!["Trial consultation"], "active types only");
        assert_eq!(names(other_practice), vec!["Imported trial"]);
        let imported_hours = read.clinicians.iter().find(|c| c.availability.clinician_id == imported).unwrap();
        assert_eq!(imported_hours.availability.weekly, hours(imported).weekly);
        store.close().await;
    }
}
