//! Hours, session types and bookings for synthetic therapists, so that
//! "next available" and sorting by it can be measured over a realistic
//! directory: about 60 % of those taking new clients have set hours (two to
//! five days a week, three to eight hours from between 08:00 and 11:00 in
//! their practice's zone, by video or in person as they offer), with 12 to
//! 48 hours' notice, a 30- to 90-day horizon and up to a fortnight's worth of
//! sessions already booked; every practice offers a 50-minute session and
//! two in three a free 20-minute trial consultation. Deterministic, like the
//! profiles.
use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use sensate_domain::PracticeId;
use sensate_domain::scheduling::SessionFormat;
use sensate_store::{
    AvailabilityRecord, BookableClinician, BookableSchedules, DirectoryImport, SessionTypeRecord, WeeklyHoursRecord,
};

use super::Rng;

/// The share of therapists taking new clients who have set their hours.
pub const WITH_HOURS: f64 = 0.6;

/// Schedules for the therapists of `batch`, as the store would give them
/// for the directory's next free times at `now`.
pub fn synthetic_schedules(seed: u64, batch: &DirectoryImport, now: Timestamp) -> BookableSchedules {
    let mut rng = Rng::new(seed ^ 0x5c4e_d01e);
    let zones: HashMap<PracticeId, &sensate_domain::TimeZoneName> =
        batch.practices.iter().map(|p| (p.id, &p.time_zone)).collect();
    let mut schedules = BookableSchedules::default();
    for practice in &batch.practices {
        let kind = |name: &str, minutes: u32, fee: i64, trial: bool| SessionTypeRecord {
            id: sensate_domain::SessionTypeId::from_uuid(uuid::Uuid::from_u128(u128::from(rng_id(
                practice.id,
                minutes,
            )))),
            practice_id: practice.id,
            name: name.into(),
            duration_minutes: minutes,
            fee_cents: Some(fee),
            in_person: true,
            telehealth: true,
            participants: sensate_domain::scheduling::Participants::Either,
            trial,
            needs_approval: true,
            active: true,
            created_at: now,
        };
        let mut types = vec![kind("Individual session", 50, 15_000, false)];
        if rng.chance(2.0 / 3.0) {
            types.insert(0, kind("Trial consultation", 20, 0, true));
        }
        schedules.session_types.insert(practice.id, types);
    }
    for record in &batch.profiles {
        let profile = &record.profile;
        if !profile.accepting_new_clients || !rng.chance(WITH_HOURS) {
            continue;
        }
        let zone_name = zones.get(&profile.practice_id).map_or_else(sensate_domain::TimeZoneName::utc, |&z| z.clone());
        let format = if profile.offers_telehealth { SessionFormat::Telehealth } else { SessionFormat::InPerson };
        let mut weekly = Vec::new();
        let days = rng.range(2, 5);
        let first_day = rng.range(1, 6 - days);
        for weekday in first_day..first_day + days {
            let start = u32::try_from(rng.range(8, 11) * 60).unwrap_or(540);
            let end = start + u32::try_from(rng.range(3, 8) * 60).unwrap_or(180);
            weekly.push(WeeklyHoursRecord {
                weekday: u8::try_from(weekday).unwrap_or(1),
                start_minute: start,
                end_minute: end.min(24 * 60),
                format,
                office_id: None,
            });
        }
        let availability = AvailabilityRecord {
            clinician_id: profile.user_id,
            time_zone: zone_name.clone(),
            buffer_before_minutes: 0,
            buffer_after_minutes: if rng.chance(0.5) { 10 } else { 0 },
            min_notice_minutes: u32::try_from(rng.range(1, 4) * 12 * 60).unwrap_or(1440),
            horizon_days: u32::try_from(rng.range(1, 3) * 30).unwrap_or(60),
            max_per_day: rng.chance(0.3).then_some(4),
            slot_step_minutes: 30,
            weekly,
            overrides: Vec::new(),
            updated_at: now,
        };
        // Sessions already booked: on the hour within their hours, the next fortnight.
        let zone = zone_name.zone().clone();
        let today = now.to_zoned(zone.clone()).date();
        let mut busy = Vec::new();
        for _ in 0..rng.range(0, 15) {
            let day = today.checked_add(jiff::Span::new().days(rng.range(0, 13))).unwrap_or(today);
            let Some(window) =
                availability.weekly.iter().find(|w| w.weekday == day.weekday().to_monday_one_offset() as u8)
            else {
                continue;
            };
            let hour = i64::from(window.start_minute / 60) + rng.range(0, 2);
            let Ok(start) = day.at(i8::try_from(hour).unwrap_or(9), 0, 0, 0).to_zoned(zone.clone()) else { continue };
            let start = start.timestamp();
            busy.push((start, start + SignedDuration::from_mins(50)));
        }
        busy.sort();
        busy.dedup();
        schedules.clinicians.push(BookableClinician {
            practice_id: profile.practice_id,
            offers_in_person: profile.offers_in_person,
            offers_telehealth: profile.offers_telehealth,
            availability,
            busy,
        });
    }
    schedules
}

/// A stable session type id per practice and length.
fn rng_id(practice: PracticeId, minutes: u32) -> u64 {
    let (high, low) = practice.as_uuid().as_u64_pair();
    high ^ low.rotate_left(17) ^ u64::from(minutes)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use sensate_domain::directory::search::{DirectoryIndex, SearchQuery, Sort};

    use super::*;
    use crate::directory::synthetic::{SyntheticDirectory, SyntheticOptions};

    #[test]
    fn a_realistic_share_can_be_booked_and_sorts_first() {
        let now: Timestamp = "2026-06-01T12:00:00Z".parse().unwrap();
        let options = SyntheticOptions { seed: 7, today: date(2026, 6, 1), now, all_listed: true };
        let batch = SyntheticDirectory::generate(options, 2_000).unwrap();
        let accepting = batch.profiles.iter().filter(|p| p.profile.accepting_new_clients).count();
        let schedules = synthetic_schedules(7, &batch, now);
        let share = schedules.clinicians.len() as f64 / accepting as f64;
        assert!((0.55..0.65).contains(&share), "{share}");
        assert_eq!(synthetic_schedules(7, &batch, now).clinicians.len(), schedules.clinicians.len(), "deterministic");

        let index =
            DirectoryIndex::build(batch.profiles.into_iter().map(crate::directory::search::search_profile).collect());
        let with_hours = schedules.clinicians.len();
        let (column, details) = crate::directory::next_free::next_free_times(&index, schedules, now);
        // Nearly all with hours have a free time within their horizon.
        assert!(column.bookable_count(now) * 10 >= with_hours * 9, "{} of {with_hours}", column.bookable_count(now));
        assert_eq!(details.len(), column.bookable_count(now));

        let query = SearchQuery { sort: Sort::Soonest, per_page: 50, ..SearchQuery::default() };
        let hits = index.search_with(&query, &column, now).hits;
        let times: Vec<Timestamp> = hits.iter().map(|hit| hit.next_free.unwrap()).collect();
        assert!(times.is_sorted() && times[0] >= now, "{times:?}");
    }
}
