//! The demo practice's scheduling: session types and each therapist's
//! bookable hours, so the demo shows free times (and, later, booking).
use sensate_domain::scheduling::{Participants, SessionFormat};
use sensate_domain::{PracticeId, UserId};
use sensate_store::{AvailabilityRecord, SessionTypeRecord, WeeklyHoursRecord};

use crate::{App, AppError};

/// (name, minutes, fee in cents, in person, video, participants, trial, needs approval)
type SessionKind = (&'static str, u32, Option<i64>, bool, bool, Participants, bool, bool);

const SESSION_TYPES: &[SessionKind] = &[
    ("Trial consultation", 20, Some(0), false, true, Participants::Either, true, true),
    ("Individual session", 50, Some(18_000), true, true, Participants::Individual, false, true),
    ("Couple session", 80, Some(24_000), true, true, Participants::Couple, false, true),
];

/// Monday to Thursday: in person in the morning (where the therapist has an
/// office), by video in the afternoon; Friday mornings by video.
fn week(in_person: bool) -> Vec<WeeklyHoursRecord> {
    let mut hours = Vec::new();
    for weekday in 1..=4 {
        if in_person {
            hours.push(WeeklyHoursRecord {
                weekday,
                start_minute: 9 * 60,
                end_minute: 12 * 60,
                format: SessionFormat::InPerson,
                office_id: None,
            });
        }
        hours.push(WeeklyHoursRecord {
            weekday,
            start_minute: 13 * 60,
            end_minute: 18 * 60,
            format: SessionFormat::Telehealth,
            office_id: None,
        });
    }
    hours.push(WeeklyHoursRecord {
        weekday: 5,
        start_minute: 9 * 60,
        end_minute: 13 * 60,
        format: SessionFormat::Telehealth,
        office_id: None,
    });
    hours
}

impl App {
    pub(super) async fn seed_demo_scheduling(
        &self,
        practice: PracticeId,
        time_zone: &sensate_domain::TimeZoneName,
        therapists: &[(UserId, bool)],
    ) -> Result<(), AppError> {
        let now = self.now();
        for (name, minutes, fee, in_person, telehealth, participants, trial, needs_approval) in SESSION_TYPES {
            self.store
                .insert_session_type(&SessionTypeRecord {
                    id: sensate_domain::SessionTypeId::new(),
                    practice_id: practice,
                    name: name.to_string(),
                    duration_minutes: *minutes,
                    fee_cents: *fee,
                    in_person: *in_person,
                    telehealth: *telehealth,
                    participants: *participants,
                    trial: *trial,
                    needs_approval: *needs_approval,
                    active: true,
                    created_at: now,
                })
                .await?;
        }
        for (clinician, in_person) in therapists {
            self.store
                .save_availability(&AvailabilityRecord {
                    clinician_id: *clinician,
                    time_zone: time_zone.clone(),
                    buffer_before_minutes: 0,
                    buffer_after_minutes: 10,
                    min_notice_minutes: 24 * 60,
                    horizon_days: 60,
                    max_per_day: Some(6),
                    slot_step_minutes: 30,
                    weekly: week(*in_person),
                    overrides: Vec::new(),
                    updated_at: now,
                })
                .await?;
        }
        Ok(())
    }
}
