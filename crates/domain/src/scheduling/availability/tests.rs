use jiff::civil::{Weekday::*, date, time};

use uuid::Uuid;

use super::*;
use crate::scheduling::SessionFormat::{InPerson, Telehealth};

const OFFICE: OfficeId = OfficeId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001));
const OTHER_OFFICE: OfficeId = OfficeId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002));

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// An instant given as a wall-clock time in a zone, e.g. `at("2026-06-08 09:00", "America/New_York")`.
fn at(local: &str, zone_name: &str) -> Timestamp {
    let civil: DateTime = local.parse().unwrap();
    civil.to_zoned(zone(zone_name)).unwrap().timestamp()
}

fn mins(minutes: i64) -> SignedDuration {
    SignedDuration::from_mins(minutes)
}

fn hours(weekday: Weekday, start: &str, end: &str, format: SessionFormat) -> WeeklyHours {
    let window = window(start, end, format);
    WeeklyHours { weekday, window }
}

fn window(start: &str, end: &str, format: SessionFormat) -> Window {
    let (start, end) = (start.parse().unwrap(), end.parse().unwrap());
    match format {
        InPerson => Window::in_person(start, end, Some(OFFICE)),
        Telehealth => Window::telehealth(start, end),
    }
}

/// Plain rules: no buffers, notice or limit, a year ahead, hourly starts.
fn rules(zone_name: &str, weekly: Vec<WeeklyHours>) -> Rules {
    Rules {
        time_zone: zone(zone_name),
        weekly,
        overrides: Vec::new(),
        buffer_before: SignedDuration::ZERO,
        buffer_after: SignedDuration::ZERO,
        min_notice: SignedDuration::ZERO,
        horizon_days: 365,
        max_per_day: None,
        slot_step: mins(60),
    }
}

fn query(duration: i64, formats: &[SessionFormat], from: Timestamp, to: Timestamp) -> SlotQuery {
    SlotQuery { duration: mins(duration), formats: formats.to_vec(), from, to }
}

fn busy(start: Timestamp, end: Timestamp) -> Busy {
    Busy { start, end }
}

/// "Mon 08 09:00-09:50 in_person" in the given zone: what a person would read.
fn describe(slots: &[Slot], zone_name: &str) -> Vec<String> {
    let zone = zone(zone_name);
    slots
        .iter()
        .map(|slot| {
            let start = slot.start.to_zoned(zone.clone());
            let end = slot.end.to_zoned(zone.clone());
            format!("{}-{} {}", start.strftime("%a %d %H:%M"), end.strftime("%H:%M"), slot.format.as_str())
        })
        .collect()
}

/// Local start times with the zone abbreviation, grouped per visitor day.
fn by_day(slots: &[Slot], zone_name: &str) -> Vec<(String, Vec<String>)> {
    slots_by_local_day(slots, &zone(zone_name))
        .into_iter()
        .map(|day| {
            let starts = day.slots.iter().map(|s| s.start.strftime("%H:%M %Z").to_string()).collect();
            (day.date.to_string(), starts)
        })
        .collect()
}

fn day(date: &str, starts: &[&str]) -> (String, Vec<String>) {
    (date.to_string(), starts.iter().map(|s| s.to_string()).collect())
}

const NY: &str = "America/New_York";
const BERLIN: &str = "Europe/Berlin";

#[test]
fn an_ordinary_week() {
    let mut rules = rules(
        NY,
        vec![
            hours(Monday, "09:00", "12:00", InPerson),
            hours(Monday, "13:00", "15:00", Telehealth),
            // Both formats in the same hours: the clinician offers either.
            hours(Wednesday, "10:00", "12:00", InPerson),
            hours(Wednesday, "10:00", "12:00", Telehealth),
        ],
    );
    rules.slot_step = mins(30);
    let now = at("2026-06-01 08:00", NY);
    let week = query(50, &[InPerson, Telehealth], at("2026-06-08 00:00", NY), at("2026-06-15 00:00", NY));
    let slots = free_slots(&rules, &[], &week, now).unwrap();
    assert_eq!(
        describe(&slots, NY),
        [
            "Mon 08 09:00-09:50 in_person",
            "Mon 08 09:30-10:20 in_person",
            "Mon 08 10:00-10:50 in_person",
            "Mon 08 10:30-11:20 in_person",
            "Mon 08 11:00-11:50 in_person",
            "Mon 08 13:00-13:50 telehealth",
            "Mon 08 13:30-14:20 telehealth",
            "Mon 08 14:00-14:50 telehealth",
            "Wed 10 10:00-10:50 in_person",
            "Wed 10 10:00-10:50 telehealth",
            "Wed 10 10:30-11:20 in_person",
            "Wed 10 10:30-11:20 telehealth",
            "Wed 10 11:00-11:50 in_person",
            "Wed 10 11:00-11:50 telehealth",
        ]
    );
    assert!(slots.iter().filter(|s| s.format == InPerson).all(|s| s.office == Some(OFFICE)));
    assert!(slots.iter().filter(|s| s.format == Telehealth).all(|s| s.office.is_none()));

    // A session type offered by video only sees the telehealth windows.
    let video = SlotQuery { formats: vec![Telehealth], ..week.clone() };
    let slots = free_slots(&rules, &[], &video, now).unwrap();
    assert_eq!(slots.len(), 6);
    assert!(slots.iter().all(|s| s.format == Telehealth));

    // The period cuts by start: a slot starting before `to` may end after it.
    let afternoon = query(50, &[Telehealth], at("2026-06-08 13:15", NY), at("2026-06-08 14:00:01", NY));
    assert_eq!(
        describe(&free_slots(&rules, &[], &afternoon, now).unwrap(), NY),
        ["Mon 08 13:30-14:20 telehealth", "Mon 08 14:00-14:50 telehealth"]
    );
}

#[test]
fn overrides_close_a_day_or_replace_its_hours() {
    let mut rules =
        rules(NY, vec![hours(Monday, "09:00", "11:00", InPerson), hours(Tuesday, "09:00", "11:00", InPerson)]);
    rules.overrides = vec![
        // Time off on the first Monday.
        DateOverride { date: date(2026, 6, 8), hours: DayHours::Closed },
        // Different hours on Tuesday: only the afternoon, at another office.
        DateOverride {
            date: date(2026, 6, 9),
            hours: DayHours::Open(vec![Window::in_person(time(14, 0, 0, 0), time(16, 0, 0, 0), Some(OTHER_OFFICE))]),
        },
        // Extra hours on a Saturday, listed out of order.
        DateOverride {
            date: date(2026, 6, 13),
            hours: DayHours::Open(vec![window("12:00", "13:00", Telehealth), window("10:00", "11:00", InPerson)]),
        },
    ];
    let now = at("2026-06-01 08:00", NY);
    let q = query(60, &[InPerson, Telehealth], at("2026-06-08 00:00", NY), at("2026-06-17 00:00", NY));
    let slots = free_slots(&rules, &[], &q, now).unwrap();
    assert_eq!(
        describe(&slots, NY),
        [
            "Tue 09 14:00-15:00 in_person",
            "Tue 09 15:00-16:00 in_person",
            "Sat 13 10:00-11:00 in_person",
            "Sat 13 12:00-13:00 telehealth",
            "Mon 15 09:00-10:00 in_person",
            "Mon 15 10:00-11:00 in_person",
            "Tue 16 09:00-10:00 in_person",
            "Tue 16 10:00-11:00 in_person",
        ]
    );
    assert_eq!(slots[0].office, Some(OTHER_OFFICE));
    assert_eq!(slots[4].office, Some(OFFICE));
}

#[test]
fn buffers_keep_time_free_around_every_session() {
    let mut rules = rules(NY, vec![hours(Monday, "09:00", "13:30", InPerson)]);
    rules.slot_step = mins(15);
    rules.buffer_before = mins(10);
    rules.buffer_after = mins(15);
    let now = at("2026-06-01 08:00", NY);
    let taken = [busy(at("2026-06-08 11:00", NY), at("2026-06-08 11:50", NY))];
    let q = query(50, &[InPerson], at("2026-06-08 00:00", NY), at("2026-06-09 00:00", NY));
    let slots = free_slots(&rules, &taken, &q, now).unwrap();
    // Before the appointment, a session must end by 10:35: its own 15 minutes
    // of notes and the appointment's 10 minutes of preparation. After it, the
    // next starts at 12:15 at the earliest, for the same reason.
    assert_eq!(
        describe(&slots, NY),
        [
            "Mon 08 09:00-09:50 in_person",
            "Mon 08 09:15-10:05 in_person",
            "Mon 08 09:30-10:20 in_person",
            "Mon 08 09:45-10:35 in_person",
            "Mon 08 12:15-13:05 in_person",
            "Mon 08 12:30-13:20 in_person",
        ]
    );
    // The first session's preparation (08:50) may fall outside working hours.
    assert_eq!(slots[0].start, at("2026-06-08 09:00", NY));
}

#[test]
fn minimum_notice_is_exact_time_from_now() {
    let mut rules = rules(NY, vec![hours(Monday, "09:00", "17:00", Telehealth)]);
    rules.slot_step = mins(30);
    rules.min_notice = SignedDuration::from_hours(2);
    let q = query(50, &[Telehealth], at("2026-06-08 00:00", NY), at("2026-06-09 00:00", NY));
    let slots = free_slots(&rules, &[], &q, at("2026-06-08 09:20", NY)).unwrap();
    // 11:20 at the earliest; starts stay on the half hours of the window.
    assert_eq!(slots[0].start, at("2026-06-08 11:30", NY));
    let slots = free_slots(&rules, &[], &q, at("2026-06-08 09:30", NY)).unwrap();
    assert_eq!(slots[0].start, at("2026-06-08 11:30", NY));
    // Without notice nothing in the past is offered either.
    rules.min_notice = SignedDuration::ZERO;
    let slots = free_slots(&rules, &[], &q, at("2026-06-08 16:10", NY)).unwrap();
    assert!(slots.is_empty(), "{:?}", describe(&slots, NY));
    let slots = free_slots(&rules, &[], &q, at("2026-06-08 16:00", NY)).unwrap();
    assert_eq!(describe(&slots, NY), ["Mon 08 16:00-16:50 telehealth"]);
    // A clock reading has nanoseconds: one past 16:00, 16:00 has begun.
    let slots = free_slots(&rules, &[], &q, at("2026-06-08 16:00", NY) + SignedDuration::from_nanos(1)).unwrap();
    assert!(slots.is_empty());
}

#[test]
fn the_horizon_is_whole_days_on_the_clinicians_calendar() {
    let weekdays = [Monday, Tuesday, Wednesday, Thursday, Friday];
    let mut rules = rules(NY, weekdays.iter().map(|d| hours(*d, "09:00", "10:00", InPerson)).collect());
    rules.horizon_days = 2;
    let q = query(60, &[InPerson], at("2026-06-01 00:00", NY), at("2026-07-01 00:00", NY));
    // Monday morning: today, Tuesday and Wednesday.
    let slots = free_slots(&rules, &[], &q, at("2026-06-08 08:00", NY)).unwrap();
    assert_eq!(
        describe(&slots, NY),
        ["Mon 08 09:00-10:00 in_person", "Tue 09 09:00-10:00 in_person", "Wed 10 09:00-10:00 in_person"]
    );
    // 02:00 UTC on Monday is still Sunday evening in New York: today is Sunday.
    rules.horizon_days = 1;
    let slots = free_slots(&rules, &[], &q, ts("2026-06-08T02:00:00Z")).unwrap();
    assert_eq!(describe(&slots, NY), ["Mon 08 09:00-10:00 in_person"]);
    rules.horizon_days = 0;
    let slots = free_slots(&rules, &[], &q, ts("2026-06-08T02:00:00Z")).unwrap();
    assert!(slots.is_empty());
}

#[test]
fn a_full_day_offers_nothing_and_holds_count() {
    let weekdays = [Monday, Tuesday, Wednesday, Thursday];
    let mut rules = rules(NY, weekdays.iter().map(|d| hours(*d, "09:00", "12:00", InPerson)).collect());
    rules.max_per_day = Some(2);
    let taken = [
        // Monday: an appointment and a hold (a visitor in the middle of booking).
        busy(at("2026-06-08 09:00", NY), at("2026-06-08 10:00", NY)),
        busy(at("2026-06-08 15:00", NY), at("2026-06-08 15:50", NY)),
        // Tuesday: one in the morning, one late in the evening running past
        // midnight; both count on Tuesday, the day they start.
        busy(at("2026-06-09 09:00", NY), at("2026-06-09 10:00", NY)),
        busy(at("2026-06-09 23:30", NY), at("2026-06-10 00:30", NY)),
        // Thursday: one.
        busy(at("2026-06-11 10:00", NY), at("2026-06-11 11:00", NY)),
    ];
    let q = query(60, &[InPerson], at("2026-06-08 00:00", NY), at("2026-06-12 00:00", NY));
    let slots = free_slots(&rules, &taken, &q, at("2026-06-01 08:00", NY)).unwrap();
    assert_eq!(
        describe(&slots, NY),
        [
            "Wed 10 09:00-10:00 in_person",
            "Wed 10 10:00-11:00 in_person",
            "Wed 10 11:00-12:00 in_person",
            "Thu 11 09:00-10:00 in_person",
            "Thu 11 11:00-12:00 in_person",
        ]
    );
    // The limit counts on the clinician's calendar: 03:30 UTC on Thursday is
    // Wednesday evening in New York, which fills Wednesday, not Thursday.
    let mut more = taken.to_vec();
    more.push(busy(ts("2026-06-11T00:30:00Z"), ts("2026-06-11T01:00:00Z")));
    more.push(busy(ts("2026-06-11T03:30:00Z"), ts("2026-06-11T03:45:00Z")));
    let slots = free_slots(&rules, &more, &q, at("2026-06-01 08:00", NY)).unwrap();
    assert_eq!(describe(&slots, NY), ["Thu 11 09:00-10:00 in_person", "Thu 11 11:00-12:00 in_person"]);
}

#[test]
fn busy_time_spanning_days_blocks_every_day_it_covers() {
    let weekdays = [Monday, Tuesday, Wednesday];
    let mut rules = rules(NY, weekdays.iter().map(|d| hours(*d, "09:00", "17:00", Telehealth)).collect());
    rules.slot_step = mins(60);
    rules.buffer_after = mins(10);
    let taken = [busy(at("2026-06-08 14:30", NY), at("2026-06-10 14:00", NY))];
    let q = query(60, &[Telehealth], at("2026-06-08 00:00", NY), at("2026-06-11 00:00", NY));
    let slots = free_slots(&rules, &taken, &q, at("2026-06-01 08:00", NY)).unwrap();
    assert_eq!(
        describe(&slots, NY),
        [
            "Mon 08 09:00-10:00 telehealth",
            "Mon 08 10:00-11:00 telehealth",
            "Mon 08 11:00-12:00 telehealth",
            "Mon 08 12:00-13:00 telehealth",
            // Ends at 14:00; with 10 minutes of notes it is still clear of 14:30.
            "Mon 08 13:00-14:00 telehealth",
            // Wednesday resumes on the grid after 14:00 + 10 minutes.
            "Wed 10 15:00-16:00 telehealth",
            "Wed 10 16:00-17:00 telehealth",
        ]
    );
}

#[test]
fn spring_forward_week_in_new_york_seen_from_berlin() {
    // New York moves to EDT on Sunday 8 March 2026; Berlin stays on CET until
    // 29 March, so for that week New York is 6 hours behind Berlin before the
    // change and 5 after.
    let mut rules = rules(
        NY,
        vec![
            hours(Friday, "09:00", "10:00", Telehealth),
            hours(Friday, "18:00", "19:00", Telehealth),
            // Crosses the gap: 02:00-03:00 does not exist that night.
            hours(Sunday, "01:30", "03:30", Telehealth),
            hours(Monday, "09:00", "10:00", Telehealth),
        ],
    );
    rules.slot_step = mins(30);
    let q = query(30, &[Telehealth], at("2026-03-06 00:00", NY), at("2026-03-10 00:00", NY));
    let slots = free_slots(&rules, &[], &q, at("2026-03-01 12:00", NY)).unwrap();
    assert_eq!(
        slots.iter().map(|s| s.start.to_string()).collect::<Vec<_>>(),
        [
            "2026-03-06T14:00:00Z",
            "2026-03-06T14:30:00Z",
            "2026-03-06T23:00:00Z",
            "2026-03-06T23:30:00Z",
            "2026-03-08T06:30:00Z",
            "2026-03-08T07:00:00Z",
            "2026-03-09T13:00:00Z",
            "2026-03-09T13:30:00Z",
        ]
    );
    assert_eq!(
        by_day(&slots, NY),
        [
            day("2026-03-06", &["09:00 EST", "09:30 EST", "18:00 EST", "18:30 EST"]),
            // 01:30 EST and, 30 real minutes later, 03:00 EDT: the session
            // from 01:30 ends at 03:00 on the clock.
            day("2026-03-08", &["01:30 EST", "03:00 EDT"]),
            day("2026-03-09", &["09:00 EDT", "09:30 EDT"]),
        ]
    );
    assert_eq!(
        by_day(&slots, BERLIN),
        [
            day("2026-03-06", &["15:00 CET", "15:30 CET"]),
            // Friday evening in New York is Saturday just after midnight in Berlin.
            day("2026-03-07", &["00:00 CET", "00:30 CET"]),
            day("2026-03-08", &["07:30 CET", "08:00 CET"]),
            // Same 09:00 in New York, an hour earlier in Berlin than on Friday.
            day("2026-03-09", &["14:00 CET", "14:30 CET"]),
        ]
    );
    assert_eq!(slots[4].end, at("2026-03-08 03:00", NY));
}

#[test]
fn fall_back_week_in_new_york_seen_from_berlin() {
    // Berlin went back to CET on 25 October; New York follows on Sunday
    // 1 November 2026, when 01:00-02:00 happens twice (EDT, then EST).
    let mut rules = rules(
        NY,
        vec![
            hours(Friday, "09:00", "10:00", Telehealth),
            hours(Friday, "18:00", "19:00", Telehealth),
            // The repeated hour: two real hours, each wall time twice.
            hours(Sunday, "01:00", "02:00", Telehealth),
            hours(Monday, "09:00", "10:00", Telehealth),
        ],
    );
    rules.slot_step = mins(30);
    let q = query(30, &[Telehealth], at("2026-10-30 00:00", NY), at("2026-11-03 00:00", NY));
    let slots = free_slots(&rules, &[], &q, at("2026-10-20 12:00", NY)).unwrap();
    assert_eq!(
        slots.iter().map(|s| s.start.to_string()).collect::<Vec<_>>(),
        [
            "2026-10-30T13:00:00Z",
            "2026-10-30T13:30:00Z",
            "2026-10-30T22:00:00Z",
            "2026-10-30T22:30:00Z",
            "2026-11-01T05:00:00Z",
            "2026-11-01T05:30:00Z",
            "2026-11-01T06:00:00Z",
            "2026-11-01T06:30:00Z",
            "2026-11-02T14:00:00Z",
            "2026-11-02T14:30:00Z",
        ]
    );
    assert_eq!(
        by_day(&slots, NY),
        [
            day("2026-10-30", &["09:00 EDT", "09:30 EDT", "18:00 EDT", "18:30 EDT"]),
            // Four different instants; the zone abbreviation tells them apart.
            day("2026-11-01", &["01:00 EDT", "01:30 EDT", "01:00 EST", "01:30 EST"]),
            day("2026-11-02", &["09:00 EST", "09:30 EST"]),
        ]
    );
    assert_eq!(
        by_day(&slots, BERLIN),
        [
            // 5 hours apart this week, so Friday evening stays on Friday.
            day("2026-10-30", &["14:00 CET", "14:30 CET", "23:00 CET", "23:30 CET"]),
            day("2026-11-01", &["06:00 CET", "06:30 CET", "07:00 CET", "07:30 CET"]),
            day("2026-11-02", &["15:00 CET", "15:30 CET"]),
        ]
    );
}

#[test]
fn the_visitors_own_change_moves_the_same_wall_time() {
    // Berlin changes on 29 March and 25 October, New York does not: the
    // clinician's 09:00 is 14:00 or 15:00 for the visitor.
    let rules =
        rules(NY, vec![hours(Friday, "09:00", "10:00", Telehealth), hours(Monday, "09:00", "10:00", Telehealth)]);
    let now = at("2026-03-01 12:00", NY);
    let spring = query(60, &[Telehealth], at("2026-03-27 00:00", NY), at("2026-03-31 00:00", NY));
    assert_eq!(
        by_day(&free_slots(&rules, &[], &spring, now).unwrap(), BERLIN),
        [day("2026-03-27", &["14:00 CET"]), day("2026-03-30", &["15:00 CEST"])]
    );
    let autumn = query(60, &[Telehealth], at("2026-10-23 00:00", NY), at("2026-10-27 00:00", NY));
    assert_eq!(
        by_day(&free_slots(&rules, &[], &autumn, now).unwrap(), BERLIN),
        [day("2026-10-23", &["15:00 CEST"]), day("2026-10-26", &["14:00 CET"])]
    );
}

#[test]
fn daylight_saving_days_have_seven_or_nine_real_hours() {
    let rules = rules(NY, vec![hours(Sunday, "00:00", "08:00", Telehealth)]);
    let now = at("2026-03-01 12:00", NY);
    let spring = query(60, &[Telehealth], at("2026-03-08 00:00", NY), at("2026-03-09 00:00", NY));
    let slots = free_slots(&rules, &[], &spring, now).unwrap();
    assert_eq!(
        by_day(&slots, NY)[0].1,
        ["00:00 EST", "01:00 EST", "03:00 EDT", "04:00 EDT", "05:00 EDT", "06:00 EDT", "07:00 EDT"]
    );
    let autumn = query(60, &[Telehealth], at("2026-11-01 00:00", NY), at("2026-11-02 00:00", NY));
    let slots = free_slots(&rules, &[], &autumn, now).unwrap();
    assert_eq!(
        by_day(&slots, NY)[0].1,
        [
            "00:00 EDT",
            "01:00 EDT",
            "01:00 EST",
            "02:00 EST",
            "03:00 EST",
            "04:00 EST",
            "05:00 EST",
            "06:00 EST",
            "07:00 EST"
        ]
    );
}

#[test]
fn windows_that_start_or_end_in_the_gap_meet_at_the_change() {
    // 02:30 does not exist on 8 March 2026 in New York: it stands for the
    // first instant after the gap, 03:00 EDT, at both ends.
    let mut rules =
        rules(NY, vec![hours(Sunday, "01:00", "02:30", Telehealth), hours(Sunday, "02:30", "04:00", Telehealth)]);
    rules.slot_step = mins(30);
    let q = query(30, &[Telehealth], at("2026-03-08 00:00", NY), at("2026-03-09 00:00", NY));
    let slots = free_slots(&rules, &[], &q, at("2026-03-01 12:00", NY)).unwrap();
    assert_eq!(by_day(&slots, NY)[0].1, ["01:00 EST", "01:30 EST", "03:00 EDT", "03:30 EDT"]);
    assert_eq!(slots[1].end, slots[2].start, "the windows meet without a hole or an overlap");
}

#[test]
fn windows_that_meet_inside_the_fold_tile_exactly() {
    // 01:30 happens twice on 1 November 2026 in New York; both windows read it
    // as the first 01:30 (EDT), so together they cover 00:00 EDT to 03:00 EST.
    let mut rules =
        rules(NY, vec![hours(Sunday, "00:00", "01:30", Telehealth), hours(Sunday, "01:30", "03:00", Telehealth)]);
    rules.slot_step = mins(30);
    let q = query(30, &[Telehealth], at("2026-11-01 00:00", NY), at("2026-11-02 00:00", NY));
    let slots = free_slots(&rules, &[], &q, at("2026-10-20 12:00", NY)).unwrap();
    assert_eq!(
        by_day(&slots, NY)[0].1,
        ["00:00 EDT", "00:30 EDT", "01:00 EDT", "01:30 EDT", "01:00 EST", "01:30 EST", "02:00 EST", "02:30 EST"]
    );
    let mut starts: Vec<Timestamp> = slots.iter().map(|s| s.start).collect();
    starts.dedup();
    assert_eq!(starts.len(), 8, "no instant is offered twice");
}

#[test]
fn a_clinician_in_kolkata_half_an_hour_off_utc() {
    let mut rules = rules("Asia/Kolkata", vec![hours(Monday, "10:00", "12:00", InPerson)]);
    rules.slot_step = mins(30);
    let q = query(45, &[InPerson], at("2026-06-08 00:00", "Asia/Kolkata"), at("2026-06-09 00:00", "Asia/Kolkata"));
    let slots = free_slots(&rules, &[], &q, ts("2026-06-01T00:00:00Z")).unwrap();
    assert_eq!(
        slots.iter().map(|s| s.start.to_string()).collect::<Vec<_>>(),
        ["2026-06-08T04:30:00Z", "2026-06-08T05:00:00Z", "2026-06-08T05:30:00Z"]
    );
    // Seen from New York, Monday morning in Kolkata is Monday just after midnight.
    assert_eq!(by_day(&slots, NY), [day("2026-06-08", &["00:30 EDT", "01:00 EDT", "01:30 EDT"])]);
}

#[test]
fn a_clinician_in_sydney_with_southern_daylight_saving() {
    // Sydney leaves daylight saving on Sunday 5 April 2026 (03:00 AEDT becomes
    // 02:00 AEST) and starts it on Sunday 4 October (02:00 AEST becomes 03:00 AEDT).
    let sydney = "Australia/Sydney";
    let rules = rules(sydney, vec![hours(Sunday, "01:00", "04:00", Telehealth)]);
    let now = ts("2026-03-01T00:00:00Z");
    let april = query(60, &[Telehealth], at("2026-04-05 00:00", sydney), at("2026-04-06 00:00", sydney));
    let slots = free_slots(&rules, &[], &april, now).unwrap();
    assert_eq!(by_day(&slots, sydney), [day("2026-04-05", &["01:00 AEDT", "02:00 AEDT", "02:00 AEST", "03:00 AEST"])]);
    // Seen from Berlin (CEST), it is still Saturday afternoon and evening.
    assert_eq!(by_day(&slots, BERLIN), [day("2026-04-04", &["16:00 CEST", "17:00 CEST", "18:00 CEST", "19:00 CEST"])]);
    let october = query(60, &[Telehealth], at("2026-10-04 00:00", sydney), at("2026-10-05 00:00", sydney));
    let slots = free_slots(&rules, &[], &october, now).unwrap();
    assert_eq!(by_day(&slots, sydney), [day("2026-10-04", &["01:00 AEST", "03:00 AEDT"])]);
}

#[test]
fn bad_rules_and_queries_are_refused_with_a_reason() {
    let good = rules(NY, vec![hours(Monday, "09:00", "12:00", InPerson)]);
    let q = query(50, &[InPerson], at("2026-06-08 00:00", NY), at("2026-06-09 00:00", NY));
    let now = at("2026-06-01 00:00", NY);
    type Change = fn(&mut Rules, &mut SlotQuery, &mut Vec<Busy>);
    let cases: Vec<(&str, Change, AvailabilityError)> = vec![
        (
            "window ends before it starts",
            |r, _, _| r.weekly.push(hours(Tuesday, "17:00", "09:00", InPerson)),
            AvailabilityError::WindowEndsBeforeStart {
                day: DayRef::Weekly(Tuesday),
                start: time(17, 0, 0, 0),
                end: time(9, 0, 0, 0),
            },
        ),
        (
            "empty window",
            |r, _, _| r.weekly.push(hours(Tuesday, "09:00", "09:00", InPerson)),
            AvailabilityError::WindowEndsBeforeStart {
                day: DayRef::Weekly(Tuesday),
                start: time(9, 0, 0, 0),
                end: time(9, 0, 0, 0),
            },
        ),
        (
            "same format overlapping",
            |r, _, _| r.weekly.push(hours(Monday, "11:00", "13:00", InPerson)),
            AvailabilityError::WindowsOverlap {
                day: DayRef::Weekly(Monday),
                format: InPerson,
                start: time(11, 0, 0, 0),
                end: time(12, 0, 0, 0),
            },
        ),
        (
            "overlap in an override",
            |r, _, _| {
                r.overrides.push(DateOverride {
                    date: date(2026, 6, 9),
                    hours: DayHours::Open(vec![
                        window("09:00", "10:00", Telehealth),
                        window("09:30", "11:00", Telehealth),
                    ]),
                })
            },
            AvailabilityError::WindowsOverlap {
                day: DayRef::Date(date(2026, 6, 9)),
                format: Telehealth,
                start: time(9, 30, 0, 0),
                end: time(10, 0, 0, 0),
            },
        ),
        (
            "two overrides for a date",
            |r, _, _| {
                r.overrides.push(DateOverride { date: date(2026, 6, 9), hours: DayHours::Closed });
                r.overrides.push(DateOverride { date: date(2026, 6, 9), hours: DayHours::Open(Vec::new()) });
            },
            AvailabilityError::DuplicateOverride { date: date(2026, 6, 9) },
        ),
        (
            "negative buffer",
            |r, _, _| r.buffer_after = mins(-5),
            AvailabilityError::NegativeDuration { what: "buffer after" },
        ),
        ("negative notice", |r, _, _| r.min_notice = mins(-1), AvailabilityError::NegativeDuration { what: "notice" }),
        ("zero step", |r, _, _| r.slot_step = SignedDuration::ZERO, AvailabilityError::SlotStepNotPositive),
        ("zero duration", |_, q, _| q.duration = SignedDuration::ZERO, AvailabilityError::SessionDurationNotPositive),
        ("no format", |_, q, _| q.formats.clear(), AvailabilityError::NoFormat),
        ("empty period", |_, q, _| q.to = q.from, AvailabilityError::EmptyPeriod),
        (
            "busy ends before it starts",
            |_, _, b| b.push(busy(ts("2026-06-08T15:00:00Z"), ts("2026-06-08T14:00:00Z"))),
            AvailabilityError::BusyEndsBeforeStart { start: ts("2026-06-08T15:00:00Z") },
        ),
    ];
    for (name, change, expected) in cases {
        let (mut r, mut q, mut b) = (good.clone(), q.clone(), Vec::new());
        change(&mut r, &mut q, &mut b);
        assert_eq!(free_slots(&r, &b, &q, now), Err(expected), "{name}");
    }
    // An in-person and a telehealth window may overlap.
    let mut both = good.clone();
    both.weekly.push(hours(Monday, "11:00", "13:00", Telehealth));
    assert_eq!(both.validate(), Ok(()));
    // The messages say what to fix.
    let error = AvailabilityError::WindowEndsBeforeStart {
        day: DayRef::Weekly(Tuesday),
        start: time(17, 0, 0, 0),
        end: time(9, 0, 0, 0),
    };
    assert_eq!(error.to_string(), "Tuesdays: the hours 17:00 to 09:00 must end after they start.");
    let error = AvailabilityError::WindowsOverlap {
        day: DayRef::Date(date(2026, 6, 9)),
        format: Telehealth,
        start: time(9, 30, 0, 0),
        end: time(10, 0, 0, 0),
    };
    assert_eq!(
        error.to_string(),
        "Tue 9 Jun 2026: two windows for Telehealth (video) overlap from 09:30 to 10:00; join them or move one."
    );
}

#[test]
fn nearest_alternatives_surround_the_wanted_time() {
    let mut rules = rules(NY, vec![hours(Monday, "09:00", "17:00", Telehealth)]);
    rules.slot_step = mins(30);
    let q = query(50, &[Telehealth], at("2026-06-08 00:00", NY), at("2026-06-09 00:00", NY));
    // 11:00 was just taken.
    let taken = [busy(at("2026-06-08 11:00", NY), at("2026-06-08 11:50", NY))];
    let slots = free_slots(&rules, &taken, &q, at("2026-06-01 00:00", NY)).unwrap();
    let wanted = at("2026-06-08 11:00", NY);
    assert_eq!(
        describe(&nearest_alternatives(&slots, wanted, 3), NY),
        ["Mon 08 09:30-10:20 telehealth", "Mon 08 10:00-10:50 telehealth", "Mon 08 12:00-12:50 telehealth"]
    );
    // Equally near on both sides (09:30 and 12:30 above, 10:00 and 12:00
    // here): the earlier one wins the last place.
    assert_eq!(describe(&nearest_alternatives(&slots, wanted, 1), NY), ["Mon 08 10:00-10:50 telehealth"]);
    assert!(nearest_alternatives(&slots, wanted, 0).is_empty());
    assert_eq!(nearest_alternatives(&slots, wanted, 1000).len(), slots.len());
    assert!(nearest_alternatives(&[], wanted, 3).is_empty());
}

#[test]
fn grouping_by_local_day_sorts_its_input() {
    let rules =
        rules(NY, vec![hours(Monday, "09:00", "11:00", Telehealth), hours(Tuesday, "09:00", "10:00", InPerson)]);
    let q = query(60, &[InPerson, Telehealth], at("2026-06-08 00:00", NY), at("2026-06-10 00:00", NY));
    let mut slots = free_slots(&rules, &[], &q, at("2026-06-01 00:00", NY)).unwrap();
    slots.reverse();
    let days = slots_by_local_day(&slots, &zone(BERLIN));
    assert_eq!(days.iter().map(|d| d.date.to_string()).collect::<Vec<_>>(), ["2026-06-08", "2026-06-09"]);
    assert_eq!(days[0].slots.len(), 2);
    assert_eq!(days[0].slots[0].start.strftime("%H:%M").to_string(), "15:00");
    assert_eq!(days[0].slots[0].end.strftime("%H:%M").to_string(), "16:00");
    assert_eq!(days[1].slots[0].slot.office, Some(OFFICE));
}

/// splitmix64: deterministic pseudo-random cases without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Windows between 06:00 and 22:00, where none of these zones changes its
/// offset, so a wall-clock window is exactly `to_timestamp(start)..to_timestamp(end)`.
fn random_windows(rng: &mut Rng, format: SessionFormat) -> Vec<Window> {
    let mut windows = Vec::new();
    let mut minute = 6 * 60 + rng.below(120);
    while minute < 21 * 60 && windows.len() < 3 {
        let length = 30 + rng.below(300);
        let end = (minute + length).min(22 * 60);
        let office = if format == InPerson { Some(rng.pick(&[OFFICE, OTHER_OFFICE])) } else { None };
        windows.push(Window {
            start: time((minute / 60) as i8, (minute % 60) as i8, 0, 0),
            end: time((end / 60) as i8, (end % 60) as i8, 0, 0),
            format,
            office,
        });
        minute = end + rng.below(180);
    }
    windows
}

/// The rules read literally, one candidate at a time: what `free_slots` must agree with.
fn reference_slots(rules: &Rules, taken: &[Busy], q: &SlotQuery, now: Timestamp) -> Vec<Slot> {
    let zone = &rules.time_zone;
    let today = now.to_zoned(zone.clone()).date();
    let horizon = today.checked_add(Span::new().days(i64::from(rules.horizon_days))).unwrap();
    let mut out = Vec::new();
    let mut day = q.from.to_zoned(zone.clone()).date().yesterday().unwrap();
    while day <= q.to.to_zoned(zone.clone()).date() {
        let windows: Vec<Window> = match rules.overrides.iter().find(|o| o.date == day) {
            Some(DateOverride { hours: DayHours::Closed, .. }) => Vec::new(),
            Some(DateOverride { hours: DayHours::Open(windows), .. }) => windows.clone(),
            None => rules.weekly.iter().filter(|h| h.weekday == day.weekday()).map(|h| h.window).collect(),
        };
        let booked = taken.iter().filter(|b| b.start.to_zoned(zone.clone()).date() == day).count();
        let full = rules.max_per_day.is_some_and(|max| booked >= usize::from(max));
        for window in windows.iter().filter(|w| q.formats.contains(&w.format)) {
            let window_start = day.to_datetime(window.start).to_zoned(zone.clone()).unwrap().timestamp();
            let window_end = day.to_datetime(window.end).to_zoned(zone.clone()).unwrap().timestamp();
            let mut start = window_start;
            while start + q.duration <= window_end {
                let end = start + q.duration;
                let clashes = taken.iter().any(|b| {
                    start - rules.buffer_before < b.end + rules.buffer_after
                        && b.start - rules.buffer_before < end + rules.buffer_after
                });
                if !full
                    && !clashes
                    && start >= q.from
                    && start < q.to
                    && start >= now + rules.min_notice
                    && day <= horizon
                {
                    out.push(Slot { start, end, format: window.format, office: window.office });
                }
                start += rules.slot_step;
            }
        }
        day = day.tomorrow().unwrap();
    }
    out.sort_by_key(slot_order);
    out
}

#[test]
fn random_rules_agree_with_a_literal_reading() {
    let mut rng = Rng(0x5e45_a7e0_a7a1_1ab1);
    let zones = [NY, BERLIN, "Australia/Sydney", "Asia/Kolkata"];
    let mut total = 0;
    for case in 0..400 {
        let zone_name = rng.pick(&zones);
        let mut weekly = Vec::new();
        for weekday in WEEKDAYS {
            if rng.below(4) == 0 {
                continue;
            }
            for format in [InPerson, Telehealth] {
                if rng.below(3) > 0 {
                    weekly.extend(
                        random_windows(&mut rng, format).into_iter().map(|window| WeeklyHours { weekday, window }),
                    );
                }
            }
        }
        let base = at("2026-01-05 00:00", zone_name) + SignedDuration::from_hours(24 * rng.below(330));
        let now = base + mins(rng.below(24 * 60));
        let mut overrides = Vec::new();
        for offset in 0..14 {
            let date = now.to_zoned(zone(zone_name)).date().checked_add(Span::new().days(offset)).unwrap();
            match rng.below(8) {
                0 => overrides.push(DateOverride { date, hours: DayHours::Closed }),
                1 => {
                    let format = rng.pick(&[InPerson, Telehealth]);
                    overrides.push(DateOverride { date, hours: DayHours::Open(random_windows(&mut rng, format)) });
                }
                _ => {}
            }
        }
        let rules = Rules {
            time_zone: zone(zone_name),
            weekly,
            overrides,
            buffer_before: mins(rng.pick(&[0, 0, 5, 10, 15])),
            buffer_after: mins(rng.pick(&[0, 0, 10, 15, 30])),
            min_notice: mins(rng.pick(&[0, 30, 240, 24 * 60, 2 * 24 * 60])),
            horizon_days: rng.pick(&[0, 3, 7, 30]),
            max_per_day: rng.pick(&[None, None, Some(1), Some(3), Some(5)]),
            slot_step: mins(rng.pick(&[5, 10, 15, 20, 30, 60])),
        };
        let mut taken = Vec::new();
        for _ in 0..rng.below(25) {
            let start = now + mins(rng.below(12 * 24 * 60) - 24 * 60);
            let length = if rng.below(20) == 0 { 60 * (20 + rng.below(40)) } else { 15 + rng.below(120) };
            taken.push(busy(start, start + mins(length)));
        }
        let formats = rng.pick(&[&[InPerson][..], &[Telehealth][..], &[InPerson, Telehealth][..]]).to_vec();
        let from = now + mins(rng.below(3 * 24 * 60) - 24 * 60);
        let q = SlotQuery {
            duration: mins(rng.pick(&[15, 30, 45, 50, 60, 90, 120])),
            formats,
            from,
            to: from + mins(60 + rng.below(10 * 24 * 60)),
        };
        let slots = free_slots(&rules, &taken, &q, now).unwrap();
        assert_eq!(slots, reference_slots(&rules, &taken, &q, now), "case {case} in {zone_name}");
        total += slots.len();

        // And the promises, checked one by one.
        let pad = rules.buffer_before + rules.buffer_after;
        for slot in &slots {
            assert!(taken.iter().all(|b| slot.end + pad <= b.start || b.end + pad <= slot.start), "case {case}");
            assert!(slot.start >= now + rules.min_notice && slot.start >= q.from && slot.start < q.to);
            assert_eq!(slot.end.duration_since(slot.start), q.duration);
            let start = slot.start.to_zoned(rules.time_zone.clone());
            let end = slot.end.to_zoned(rules.time_zone.clone());
            let inside = |w: &Window| {
                w.format == slot.format
                    && w.office == slot.office
                    && w.start <= start.time()
                    && end.date() == start.date()
                    && end.time() <= w.end
            };
            let day = start.date();
            let in_hours = match rules.overrides.iter().find(|o| o.date == day) {
                Some(DateOverride { hours: DayHours::Open(windows), .. }) => windows.iter().any(inside),
                Some(_) => false,
                None => rules.weekly.iter().any(|h| h.weekday == day.weekday() && inside(&h.window)),
            };
            assert!(in_hours, "case {case}: {slot:?} outside the hours of {day}");
        }
        assert!(slots.windows(2).all(|pair| slot_order(&pair[0]) < slot_order(&pair[1])), "case {case}: order");
    }
    assert!(total > 10_000, "the cases should offer plenty of slots, got {total}");
}
