//! Availability benchmark: `free_slots` for one clinician over eight weeks,
//! with a realistic week (five days, a morning in person and an afternoon by
//! video, buffers, notice, a daily limit, a holiday, a week of vacation, extra
//! and changed hours, about twenty appointments and two holds), timed per call
//! next to a baseline measured in the same run: a plain loop that lists every
//! candidate start of the same eight weeks' windows without any rule.
//!
//! Everything is deterministic (fixed dates, a fixed-seed splitmix64), so two
//! runs compute the same slots and print the same checksum.

use std::hint::black_box;
use std::time::{Duration, Instant};

use jiff::civil::{Date, Time, Weekday, date, time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};
use sensate_domain::OfficeId;
use sensate_domain::scheduling::SessionFormat::{self, InPerson, Telehealth};
use sensate_domain::scheduling::availability::{
    Busy, DateOverride, DayHours, Rules, Slot, SlotQuery, WeeklyHours, Window, free_slots,
};
use uuid::Uuid;

use sensate_bench_common::percentile;

const ZONE: &str = "America/New_York";
const SEED: u64 = 0x5e45_a7e0_a7a1_1ab1;
/// A Monday, two weeks before New York's spring-forward change, so the eight
/// weeks cross it.
const TODAY: Date = date(2026, 2, 23);
const WEEKS: i64 = 8;
const OFFICE_A: OfficeId = OfficeId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00a1));
const OFFICE_B: OfficeId = OfficeId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_00b2));

/// splitmix64: small, fast, good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: i64) -> i64 {
        (self.next_u64() % n as u64) as i64
    }
}

fn t(hour: i8, minute: i8) -> Time {
    time(hour, minute, 0, 0)
}

fn zone() -> TimeZone {
    TimeZone::get(ZONE).unwrap_or(TimeZone::UTC)
}

fn at(day: Date, at: Time) -> Timestamp {
    day.to_datetime(at).to_zoned(zone()).map(|z| z.timestamp()).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn plus_days(day: Date, days: i64) -> Date {
    day.checked_add(Span::new().days(days)).unwrap_or(day)
}

/// Monday to Friday: a morning in person (alternating offices), an afternoon
/// by video (shorter on Fridays).
fn weekly_hours() -> Vec<WeeklyHours> {
    use Weekday::*;
    let mut weekly = Vec::new();
    for (weekday, office) in [(Monday, OFFICE_A), (Tuesday, OFFICE_B), (Wednesday, OFFICE_A), (Thursday, OFFICE_B)] {
        weekly.push(WeeklyHours { weekday, window: Window::in_person(t(9, 0), t(12, 30), Some(office)) });
        weekly.push(WeeklyHours { weekday, window: Window::telehealth(t(13, 30), t(18, 0)) });
    }
    weekly.push(WeeklyHours { weekday: Friday, window: Window::in_person(t(9, 0), t(12, 30), Some(OFFICE_A)) });
    weekly.push(WeeklyHours { weekday: Friday, window: Window::telehealth(t(13, 30), t(16, 0)) });
    weekly
}

fn rules() -> Rules {
    let mut overrides = vec![
        // A holiday.
        DateOverride { date: date(2026, 3, 13), hours: DayHours::Closed },
        // Extra hours on a Saturday.
        DateOverride { date: date(2026, 3, 21), hours: DayHours::Open(vec![Window::telehealth(t(10, 0), t(13, 0))]) },
        // Different hours on a Wednesday: the afternoon at the other office.
        DateOverride {
            date: date(2026, 3, 25),
            hours: DayHours::Open(vec![Window::in_person(t(14, 0), t(19, 0), Some(OFFICE_B))]),
        },
    ];
    // A week of vacation.
    for offset in 0..5 {
        overrides.push(DateOverride { date: plus_days(date(2026, 4, 6), offset), hours: DayHours::Closed });
    }
    Rules {
        time_zone: zone(),
        weekly: weekly_hours(),
        overrides,
        buffer_before: SignedDuration::from_mins(10),
        buffer_after: SignedDuration::from_mins(10),
        min_notice: SignedDuration::from_hours(24),
        horizon_days: 60,
        max_per_day: Some(6),
        slot_step: SignedDuration::from_mins(15),
    }
}

/// `count` sessions of 50 minutes on working days of the eight weeks, on the
/// half hour between 09:00 and 17:00, plus two holds.
fn busy(count: usize, rng: &mut Rng) -> Vec<Busy> {
    let mut busy = Vec::new();
    while busy.len() < count {
        let day = plus_days(TODAY, 1 + rng.below(WEEKS * 7 - 1));
        if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
            continue;
        }
        let start = at(day, t(9 + rng.below(8) as i8, 30 * rng.below(2) as i8));
        busy.push(Busy { start, end: start + SignedDuration::from_mins(50) });
    }
    for days in [2, 9] {
        let start = at(plus_days(TODAY, days), t(10, 0));
        busy.push(Busy { start, end: start + SignedDuration::from_mins(50) });
    }
    busy
}

struct Shape {
    name: &'static str,
    formats: &'static [SessionFormat],
    minutes: i64,
    busy: usize,
}

const SHAPES: &[Shape] = &[
    Shape { name: "in person, 50 min", formats: &[InPerson], minutes: 50, busy: 20 },
    Shape { name: "telehealth, 50 min", formats: &[Telehealth], minutes: 50, busy: 20 },
    Shape { name: "either format, 50 min", formats: &[InPerson, Telehealth], minutes: 50, busy: 20 },
    Shape { name: "either format, 90 min (couple)", formats: &[InPerson, Telehealth], minutes: 90, busy: 20 },
    Shape { name: "either format, 50 min, 120 busy", formats: &[InPerson, Telehealth], minutes: 50, busy: 120 },
];

/// The baseline: every candidate start of the eight weeks' weekly windows of
/// the wanted formats, written out as slots, with a fixed UTC offset and no
/// overrides, busy times, buffers, notice, horizon or limit (`midnight`: the
/// first day's local midnight, in Unix seconds). What listing the
/// possibilities costs before deciding anything.
fn candidate_loop(
    weekly: &[WeeklyHours],
    formats: &[SessionFormat],
    duration: SignedDuration,
    midnight: i64,
) -> Vec<Slot> {
    let step = 15 * 60;
    let length = duration.as_secs();
    let mut out = Vec::new();
    for day in 0..WEEKS * 7 {
        let weekday = TODAY.weekday().wrapping_add(day);
        for hours in weekly.iter().filter(|h| h.weekday == weekday && formats.contains(&h.window.format)) {
            let window = hours.window;
            let day_start = midnight + day * 86_400;
            let start = day_start + seconds_of(window.start);
            let end = day_start + seconds_of(window.end);
            let mut s = start;
            while s + length <= end {
                let (Ok(slot_start), Ok(slot_end)) = (Timestamp::from_second(s), Timestamp::from_second(s + length))
                else {
                    break;
                };
                out.push(Slot { start: slot_start, end: slot_end, format: window.format, office: window.office });
                s += step;
            }
        }
    }
    out
}

fn seconds_of(at: Time) -> i64 {
    i64::from(at.hour()) * 3600 + i64::from(at.minute()) * 60 + i64::from(at.second())
}

fn micros(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn checksum(slots: &[Slot], mut hash: u64) -> u64 {
    for slot in slots {
        for value in [slot.start.as_second(), slot.end.as_second(), slot.format as i64] {
            hash = (hash ^ value as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn main() {
    let iterations = env_usize("ITERATIONS", 5000).max(1);
    let warmup = (iterations / 10).max(10);
    // `ONLY=<shape number, from 1>` measures one shape alone (for profiling).
    let only = std::env::var("ONLY").ok().and_then(|v| v.parse::<usize>().ok());
    let rules = rules();
    let now = at(TODAY, t(8, 0));
    let to = at(plus_days(TODAY, WEEKS * 7), t(0, 0));
    println!("# Availability benchmark");
    println!();
    println!(
        "clinician in {ZONE}; now {now} ({TODAY} 08:00 local); {WEEKS} weeks; {} weekly windows, {} overrides; \
         step 15 min, buffers 10+10 min, notice 24 h, horizon 60 days, at most 6 a day",
        rules.weekly.len(),
        rules.overrides.len()
    );
    println!("{iterations} measured calls per shape after {warmup} unmeasured ones, alternating with the baseline");
    println!();
    println!(
        "| shape | busy | slots | p50 µs | p99 µs | max µs | baseline candidates | baseline p50 µs | baseline p99 µs | p50 / baseline |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut worst_p99 = Duration::ZERO;
    for (number, shape) in SHAPES.iter().enumerate() {
        if only.is_some_and(|o| o != number + 1) {
            continue;
        }
        let mut rng = Rng(SEED);
        let busy = busy(shape.busy, &mut rng);
        let query = SlotQuery {
            duration: SignedDuration::from_mins(shape.minutes),
            formats: shape.formats.to_vec(),
            from: now,
            to,
        };
        let slots = match free_slots(&rules, &busy, &query, now) {
            Ok(slots) => slots,
            Err(error) => {
                println!("| {} | the rules were refused: {error} |", shape.name);
                continue;
            }
        };
        hash = checksum(&slots, hash);
        let midnight = at(TODAY, t(0, 0)).as_second();
        let candidates = candidate_loop(&rules.weekly, shape.formats, query.duration, midnight).len();
        let mut measured = Vec::with_capacity(iterations);
        let mut baseline = Vec::with_capacity(iterations);
        for i in 0..warmup + iterations {
            let started = Instant::now();
            black_box(free_slots(black_box(&rules), black_box(&busy), black_box(&query), black_box(now)).ok());
            let took = started.elapsed();
            let started = Instant::now();
            black_box(candidate_loop(
                black_box(&rules.weekly),
                black_box(shape.formats),
                black_box(query.duration),
                black_box(midnight),
            ));
            let base = started.elapsed();
            if i >= warmup {
                measured.push(took);
                baseline.push(base);
            }
        }
        measured.sort_unstable();
        baseline.sort_unstable();
        let (p50, p99) = (percentile(&measured, 0.5), percentile(&measured, 0.99));
        let base_p50 = percentile(&baseline, 0.5);
        worst_p99 = worst_p99.max(p99);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} |",
            shape.name,
            busy.len(),
            slots.len(),
            micros(p50),
            micros(p99),
            micros(measured.last().copied().unwrap_or_default()),
            candidates,
            micros(base_p50),
            micros(percentile(&baseline, 0.99)),
            p50.as_secs_f64() / base_p50.as_secs_f64().max(1e-12)
        );
    }
    println!();
    println!(
        "aim (one clinician, eight weeks, ≤ 100 µs): {} (slowest p99 {} µs)",
        if worst_p99 <= Duration::from_micros(100) { "met" } else { "NOT met" },
        micros(worst_p99)
    );
    println!("slot checksum (every shape's slots): {hash:016x}");
}
