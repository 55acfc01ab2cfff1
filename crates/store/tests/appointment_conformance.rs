//! Changing an appointment on both engines: a move is still refused by the
//! no-overlap rule, every change is compare-and-set and leaves one line of
//! history, a manage link is made once, and the cancellation notice is a
//! practice setting.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::{SignedDuration, Timestamp};
use sensate_domain::scheduling::lifecycle::Party;
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat};
use sensate_domain::{AppointmentId, PracticeId, Role, UserId};
use sensate_store::*;
use sensate_testkit::on_both_engines;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn practice_with_clinician(store: &std::sync::Arc<dyn Store>) -> (PracticeId, UserId) {
    let practice = PracticeId::new();
    let created = at("2026-01-01T00:00:00Z");
    store
        .insert_practice(&NewPractice {
            id: practice,
            name: "Harbor".into(),
            time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(),
            created_at: created,
        })
        .await
        .unwrap();
    let clinician = UserId::new();
    let user = NewUser {
        id: clinician,
        email: sensate_domain::Email::parse(&format!("{clinician}@harbor.example")).unwrap(),
        display_name: "Dana".into(),
        password_hash: "x".into(),
        created_at: created,
    };
    store.insert_user(&user).await.unwrap();
    store.insert_membership(practice, clinician, Role::Clinician, created).await.unwrap();
    (practice, clinician)
}

fn appointment(practice: PracticeId, clinician: UserId, starts: &str) -> NewAppointment {
    let starts_at = at(starts);
    NewAppointment {
        id: AppointmentId::new(),
        practice_id: practice,
        case_id: None,
        clinician_id: clinician,
        starts_at,
        ends_at: starts_at + SignedDuration::from_mins(50),
        time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(),
        format: SessionFormat::Telehealth,
        status: AppointmentStatus::Confirmed,
        created_at: at("2026-11-01T12:00:00Z"),
        session_type_id: None,
        held_until: None,
        attendees: Vec::new(),
    }
}

fn moved(a: &NewAppointment, to: &str, by: Option<UserId>) -> AppointmentChange {
    AppointmentChange {
        appointment: a.id,
        clinician: a.clinician_id,
        from_status: a.status,
        from_start: a.starts_at,
        to_status: a.status,
        starts_at: at(to),
        ends_at: at(to) + SignedDuration::from_mins(50),
        event: NewAppointmentEvent {
            appointment: a.id,
            at: at("2026-11-02T12:00:00Z"),
            kind: EventKind::Rescheduled,
            party: Party::Practice,
            actor: by,
            late: false,
            reason: String::new(),
            previous_starts_at: Some(a.starts_at),
        },
    }
}

on_both_engines! {
    async fn a_move_is_compare_and_set_and_never_overlaps(db: TestDb) {
        let store = db.store().await;
        let (p, c) = practice_with_clinician(&store).await;
        let now = at("2026-11-01T12:00:00Z");
        let first = appointment(p, c, "2026-12-01T15:00:00Z");
        let second = appointment(p, c, "2026-12-01T17:00:00Z");
        for a in [&first, &second] {
            assert_eq!(store.book_appointment(a, now).await.unwrap(), Booking::Booked);
        }
        // Onto the other appointment: refused by the database, nothing written.
        assert_eq!(store.change_appointment(&moved(&second, "2026-12-01T15:30:00Z", Some(c))).await.unwrap(), Changed::Taken);
        assert!(store.appointment_events(second.id).await.unwrap().is_empty());
        // A slight move overlapping only itself is fine.
        assert_eq!(store.change_appointment(&moved(&second, "2026-12-01T17:30:00Z", Some(c))).await.unwrap(), Changed::Done);
        // The same change again saw an old start: stale, nothing written.
        assert_eq!(store.change_appointment(&moved(&second, "2026-12-01T19:00:00Z", Some(c))).await.unwrap(), Changed::Stale);
        let detail = store.appointment_detail(second.id).await.unwrap().unwrap();
        assert_eq!(detail.starts_at, at("2026-12-01T17:30:00Z"));
        assert_eq!(detail.ends_at, at("2026-12-01T18:20:00Z"));
        assert_eq!(detail.status, AppointmentStatus::Confirmed);
        let history = store.appointment_events(second.id).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].kind, EventKind::Rescheduled);
        assert_eq!(history[0].actor_name.as_deref(), Some("Dana"));
        assert_eq!(history[0].previous_starts_at, Some(at("2026-12-01T17:00:00Z")));

        // A cancelled appointment no longer occupies its time.
        let mut cancel = moved(&first, "2026-12-01T15:00:00Z", None);
        cancel.to_status = AppointmentStatus::Cancelled;
        cancel.event.kind = EventKind::Cancelled;
        cancel.event.party = Party::Client;
        cancel.event.late = true;
        assert_eq!(store.change_appointment(&cancel).await.unwrap(), Changed::Done);
        let history = store.appointment_events(first.id).await.unwrap();
        assert_eq!((history[0].party, history[0].late, history[0].actor_name.clone()), (Party::Client, true, None));
        let mut later = moved(&second, "2026-12-01T15:00:00Z", Some(c));
        later.from_start = at("2026-12-01T17:30:00Z");
        assert_eq!(store.change_appointment(&later).await.unwrap(), Changed::Done);
    }

    async fn a_manage_link_is_made_once_and_the_notice_is_the_practices(db: TestDb) {
        let store = db.store().await;
        let (p, c) = practice_with_clinician(&store).await;
        let a = appointment(p, c, "2026-12-01T15:00:00Z");
        store.book_appointment(&a, at("2026-11-01T12:00:00Z")).await.unwrap();
        assert_eq!(store.appointment_link(a.id).await.unwrap(), None);
        assert!(store.add_appointment_link(a.id, "hash-1", b"sealed-1", at("2026-11-01T12:00:00Z")).await.unwrap());
        assert!(!store.add_appointment_link(a.id, "hash-2", b"sealed-2", at("2026-11-01T12:00:00Z")).await.unwrap(), "one per appointment");
        assert_eq!(store.appointment_link(a.id).await.unwrap(), Some(b"sealed-1".to_vec()));
        assert_eq!(store.appointment_by_link("hash-1").await.unwrap(), Some(a.id));
        assert_eq!(store.appointment_by_link("hash-2").await.unwrap(), None);

        assert_eq!(store.cancellation_notice_hours(p).await.unwrap(), 24, "the default");
        let mut settings = store.practice(p).await.unwrap().unwrap();
        settings.phone = "+1 555 0100".into();
        store.update_practice_settings(&settings, 48).await.unwrap();
        assert_eq!(store.cancellation_notice_hours(p).await.unwrap(), 48);
        assert_eq!(store.practice(p).await.unwrap().unwrap().phone, "+1 555 0100", "saved together");
    }
}
