//! Free appointment times of one clinician, computed from their weekly hours,
//! date overrides and the time already taken.
//!
//! Everything here is pure: the current instant is a parameter, so the same
//! rules, appointments and `now` always give the same slots, and tests can
//! stand on either side of a daylight-saving change.
//!
//! # How wall-clock hours become instants
//!
//! A clinician's hours are wall-clock times in their own zone: "Mondays
//! 09:00–17:00" means 09:00 to 17:00 on the clock in their office, whatever
//! the offset is that day. Each window is turned into one interval of real
//! time, `[start, end)`, by resolving both ends on that date:
//!
//! - a time that exists once is that instant;
//! - a time in a **fold** (the repeated hour when clocks go back) is its
//!   *first* occurrence, for both ends. So a window around the fold covers
//!   the repeated hour twice (01:00–03:00 on a fall-back night in New York is
//!   three real hours), two windows that meet at a time in the fold still
//!   meet exactly, and a window that starts and ends inside the fold is
//!   offered once, in its first pass;
//! - a time in a **gap** (skipped when clocks go forward) is the first
//!   instant after the gap, i.e. the transition itself, for both ends. So a
//!   window starting at 02:30 on a spring-forward night in New York starts at
//!   03:00 EDT, and one that ends at 02:30 ends at the same instant.
//!
//! Candidate starts are then stepped through that interval in real time
//! (`slot_step`, from the window's first instant), so a slot can never be
//! produced twice and never falls into skipped time; a session's duration is
//! real time too (a 50-minute session across a change still lasts 50 minutes).
//!
//! # Other rules
//!
//! - A date override replaces the weekly hours of that date entirely:
//!   [`DayHours::Closed`] for time off, [`DayHours::Open`] with the hours of
//!   that day (which may be fewer, more or different from the usual ones).
//! - Buffers are time kept free around every session: `buffer_before` before
//!   it (preparation), `buffer_after` after it (notes). They apply to the new
//!   slot and to every busy interval alike, so two sessions are always at
//!   least `buffer_after + buffer_before` apart, whichever was booked first.
//!   Only the session itself has to lie inside working hours; its buffers
//!   may fall outside them.
//! - Holds count like appointments, both for the time they occupy and for
//!   `max_per_day`: a hold is a session in the making, and not counting it
//!   would let two visitors hold the last place of a day and turn one away
//!   only after they have typed their details. When a visitor confirms their
//!   own hold, the caller leaves that hold out of `busy`.
//! - `max_per_day` counts busy intervals by the clinician's local date of
//!   their start; a day that has reached it offers nothing.
//! - `min_notice` is exact time from `now`; the horizon is in whole local
//!   days of the clinician (today plus `horizon_days`, inclusive), so a
//!   visitor always sees whole days rather than one that ends at the hour
//!   they happened to look.
use std::fmt;

use crate::OfficeId;
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Span, Timestamp, Zoned};

use super::SessionFormat;

/// Hours on one day, as wall-clock times in the clinician's zone, for one
/// session format (and, in person, one office).
///
/// Windows of the same format may not overlap on the same day (a clinician
/// cannot be in two offices at once, and two overlapping telehealth windows
/// are one window written twice). An in-person and a telehealth window may
/// overlap: the clinician offers either, and a booking of one occupies both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Time,
    /// Exclusive, and after `start`: windows do not run past midnight. Hours
    /// that do are written as two windows, one on each day.
    pub end: Time,
    pub format: SessionFormat,
    /// Where in-person sessions take place. Carried through to the slots so
    /// a visitor can choose the office nearest to them.
    pub office: Option<OfficeId>,
}

impl Window {
    pub fn in_person(start: Time, end: Time, office: Option<OfficeId>) -> Self {
        Self { start, end, format: SessionFormat::InPerson, office }
    }

    pub fn telehealth(start: Time, end: Time) -> Self {
        Self { start, end, format: SessionFormat::Telehealth, office: None }
    }
}

/// A window that recurs every week on `weekday`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklyHours {
    pub weekday: Weekday,
    pub window: Window,
}

/// What a date override says about its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayHours {
    /// No sessions that day (time off, a holiday).
    Closed,
    /// Exactly these hours that day, instead of the weekly ones.
    Open(Vec<Window>),
}

/// Hours for one date that replace the weekly hours of that date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateOverride {
    pub date: Date,
    pub hours: DayHours,
}

/// A clinician's availability rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// The clinician's zone: weekly hours, overrides, days and the horizon are
    /// all read on its calendar.
    pub time_zone: TimeZone,
    pub weekly: Vec<WeeklyHours>,
    /// At most one per date.
    pub overrides: Vec<DateOverride>,
    /// Kept free before every session.
    pub buffer_before: SignedDuration,
    /// Kept free after every session.
    pub buffer_after: SignedDuration,
    /// The earliest slot starts this long after `now`.
    pub min_notice: SignedDuration,
    /// Slots are offered up to and including the clinician's local date
    /// `horizon_days` after today (0: today only).
    pub horizon_days: u16,
    /// Sessions (appointments and holds) per local day; `None`: no limit.
    pub max_per_day: Option<u16>,
    /// Distance between candidate starts, counted from each window's start.
    pub slot_step: SignedDuration,
}

/// Time the clinician is not free: an appointment that occupies time
/// ([`super::AppointmentStatus::occupies_time`]) or a short-lived hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub start: Timestamp,
    pub end: Timestamp,
}

/// What a visitor is looking for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotQuery {
    /// Length of the session (real time).
    pub duration: SignedDuration,
    /// Formats the session type allows; windows of other formats are ignored.
    pub formats: Vec<SessionFormat>,
    /// Slots starting at or after this instant...
    pub from: Timestamp,
    /// ...and before this one (a slot may end after it).
    pub to: Timestamp,
}

/// A bookable time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
    pub format: SessionFormat,
    pub office: Option<OfficeId>,
}

/// The day a window belongs to, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayRef {
    Weekly(Weekday),
    Date(Date),
}

impl fmt::Display for DayRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DayRef::Weekly(weekday) => write!(f, "{}s", weekday_name(*weekday)),
            DayRef::Date(date) => write!(f, "{}", date.strftime("%a %-d %b %Y")),
        }
    }
}

fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

fn hm(time: &Time) -> String {
    time.strftime("%H:%M").to_string()
}

/// Why rules or a query cannot be used. The messages are written for the
/// person editing the hours or choosing a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    #[error("{day}: the hours {} to {} must end after they start.", hm(.start), hm(.end))]
    WindowEndsBeforeStart { day: DayRef, start: Time, end: Time },
    #[error("{day}: two windows for {} overlap from {} to {}; join them or move one.", .format.label(), hm(.start), hm(.end))]
    WindowsOverlap { day: DayRef, format: SessionFormat, start: Time, end: Time },
    #[error("{date}: there is more than one change of hours for this date.")]
    DuplicateOverride { date: Date },
    #[error("The {what} cannot be negative.")]
    NegativeDuration { what: &'static str },
    #[error("The time between possible start times must be more than zero.")]
    SlotStepNotPositive,
    #[error("The session length must be more than zero.")]
    SessionDurationNotPositive,
    #[error("Choose at least one session format.")]
    NoFormat,
    #[error("The end of the period must be after its start.")]
    EmptyPeriod,
    #[error("A busy time must end after it starts (the one starting at {start}).")]
    BusyEndsBeforeStart { start: Timestamp },
}

impl Rules {
    /// Checks the rules on their own, so an editor can refuse bad hours when
    /// they are saved rather than when a visitor looks.
    pub fn validate(&self) -> Result<(), AvailabilityError> {
        for (what, value) in
            [("buffer before", self.buffer_before), ("buffer after", self.buffer_after), ("notice", self.min_notice)]
        {
            if value.is_negative() {
                return Err(AvailabilityError::NegativeDuration { what });
            }
        }
        if !self.slot_step.is_positive() {
            return Err(AvailabilityError::SlotStepNotPositive);
        }
        for weekday in WEEKDAYS {
            let windows = self.weekly.iter().filter(|hours| hours.weekday == weekday).map(|hours| &hours.window);
            check_windows(DayRef::Weekly(weekday), windows)?;
        }
        for (i, day) in self.overrides.iter().enumerate() {
            if self.overrides[..i].iter().any(|earlier| earlier.date == day.date) {
                return Err(AvailabilityError::DuplicateOverride { date: day.date });
            }
            if let DayHours::Open(windows) = &day.hours {
                check_windows(DayRef::Date(day.date), windows.iter())?;
            }
        }
        Ok(())
    }
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// A day has a handful of windows, so comparing every pair is cheaper than
/// sorting a copy.
fn check_windows<'a>(day: DayRef, windows: impl Iterator<Item = &'a Window> + Clone) -> Result<(), AvailabilityError> {
    for (i, window) in windows.clone().enumerate() {
        if window.end <= window.start {
            return Err(AvailabilityError::WindowEndsBeforeStart { day, start: window.start, end: window.end });
        }
        let overlapping = windows
            .clone()
            .take(i)
            .find(|other| other.format == window.format && other.start < window.end && window.start < other.end);
        if let Some(other) = overlapping {
            return Err(AvailabilityError::WindowsOverlap {
                day,
                format: window.format,
                start: window.start.max(other.start),
                end: window.end.min(other.end),
            });
        }
    }
    Ok(())
}

impl SlotQuery {
    pub fn validate(&self) -> Result<(), AvailabilityError> {
        if !self.duration.is_positive() {
            return Err(AvailabilityError::SessionDurationNotPositive);
        }
        if self.formats.is_empty() {
            return Err(AvailabilityError::NoFormat);
        }
        if self.to <= self.from {
            return Err(AvailabilityError::EmptyPeriod);
        }
        Ok(())
    }
}

/// Instants as nanoseconds since the Unix epoch: exact for every input, and
/// wide enough that sums of any durations cannot overflow.
type Nanos = i128;

fn nanos(instant: Timestamp) -> Nanos {
    instant.as_nanosecond()
}

/// Every slot of `query.duration` that the clinician can still offer, in
/// order of start (then format), given what is already `busy` and the
/// current instant `now`. See the module documentation for the rules.
pub fn free_slots(
    rules: &Rules,
    busy: &[Busy],
    query: &SlotQuery,
    now: Timestamp,
) -> Result<Vec<Slot>, AvailabilityError> {
    rules.validate()?;
    query.validate()?;
    if let Some(bad) = busy.iter().find(|b| b.end <= b.start) {
        return Err(AvailabilityError::BusyEndsBeforeStart { start: bad.start });
    }

    let zone = &rules.time_zone;
    let earliest = nanos(query.from).max(nanos(now) + rules.min_notice.as_nanos());
    let until = nanos(query.to);
    // A notice so long that it leaves the representable range leaves nothing bookable.
    let Ok(earliest_instant) = Timestamp::from_nanosecond(earliest) else {
        return Ok(Vec::new());
    };
    if earliest >= until {
        return Ok(Vec::new());
    }
    let today = zone.to_datetime(now).date();
    let horizon = today.checked_add(Span::new().days(i64::from(rules.horizon_days))).unwrap_or(Date::MAX);
    let first_day = zone.to_datetime(earliest_instant).date();
    let last_day = zone.to_datetime(query.to).date().min(horizon);

    let blocked = blocked_intervals(busy, rules.buffer_before.as_nanos() + rules.buffer_after.as_nanos());
    let booked_days = match rules.max_per_day {
        Some(_) => {
            let mut days: Vec<Date> = busy.iter().map(|b| zone.to_datetime(b.start).date()).collect();
            days.sort_unstable();
            days
        }
        None => Vec::new(),
    };

    let mut weekly: Vec<&WeeklyHours> =
        rules.weekly.iter().filter(|hours| query.formats.contains(&hours.window.format)).collect();
    weekly.sort_by_key(|hours| (hours.weekday.to_monday_zero_offset(), hours.window.start));
    let mut overrides: Vec<&DateOverride> = rules.overrides.iter().collect();
    overrides.sort_by_key(|day| day.date);

    let bounds = Bounds {
        earliest,
        until,
        step: rules.slot_step.as_nanos(),
        duration: query.duration.as_nanos(),
        duration_exact: query.duration,
    };
    let mut slots = Vec::new();
    let mut day = first_day;
    while day <= last_day {
        let full = rules.max_per_day.is_some_and(|max| {
            let taken = booked_days.partition_point(|d| *d <= day) - booked_days.partition_point(|d| *d < day);
            taken >= usize::from(max)
        });
        if !full {
            let day_start = slots.len();
            match overrides.binary_search_by_key(&day, |o| o.date) {
                Ok(i) => {
                    if let DayHours::Open(windows) = &overrides[i].hours {
                        for window in windows.iter().filter(|w| query.formats.contains(&w.format)) {
                            push_window_slots(&mut slots, zone, day, window, &blocked, &bounds);
                        }
                    }
                }
                Err(_) => {
                    let weekday = day.weekday();
                    for hours in weekly.iter().filter(|hours| hours.weekday == weekday) {
                        push_window_slots(&mut slots, zone, day, &hours.window, &blocked, &bounds);
                    }
                }
            }
            // Windows of one format never overlap, but an in-person and a
            // telehealth window may, and override windows come in any order.
            let today_slots = &mut slots[day_start..];
            if !today_slots.is_sorted_by_key(slot_order) {
                today_slots.sort_by_key(slot_order);
            }
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    Ok(slots)
}

fn slot_order(slot: &Slot) -> (Timestamp, u8) {
    (slot.start, slot.format as u8)
}

/// What every window of one query is cut by.
struct Bounds {
    /// No slot starts before this (the period's start, or `now` plus notice).
    earliest: Nanos,
    /// No slot starts at or after this.
    until: Nanos,
    step: Nanos,
    duration: Nanos,
    duration_exact: SignedDuration,
}

/// Busy intervals widened by both buffers on each side, sorted and merged.
///
/// A new slot `[s, e)` with its buffers must not meet a busy interval
/// `[b, c)` with its buffers: `s - before < c + after` and `b - before < e + after`
/// must not both hold, which is the slot itself against `[b - pad, c + pad)`
/// with `pad = before + after`.
fn blocked_intervals(busy: &[Busy], pad: Nanos) -> Vec<(Nanos, Nanos)> {
    let mut blocked: Vec<(Nanos, Nanos)> = busy.iter().map(|b| (nanos(b.start) - pad, nanos(b.end) + pad)).collect();
    blocked.sort_unstable();
    let mut merged: Vec<(Nanos, Nanos)> = Vec::with_capacity(blocked.len());
    for (start, end) in blocked {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The instant a wall-clock date and time stands for in `zone`, with folds
/// and gaps resolved as the module documentation says: the first occurrence
/// of a repeated time, the end of the gap for a skipped one. jiff's own
/// choices do not fit: `compatible` reads a skipped 02:30 as 03:30, which
/// would start a window half an hour late, and no single disambiguation
/// makes window ends in a gap meet the next window's start.
pub fn wall_to_instant(zone: &TimeZone, at: DateTime) -> Option<Timestamp> {
    match zone.to_ambiguous_timestamp(at).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(at).ok(),
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(at).ok(),
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the later offset, a skipped time lands inside the
            // hour before the change; the next transition is the change.
            let before_change = after.to_timestamp(at).ok()?;
            zone.following(before_change).next().map(|transition| transition.timestamp())
        }
    }
}

fn push_window_slots(
    slots: &mut Vec<Slot>,
    zone: &TimeZone,
    date: Date,
    window: &Window,
    blocked: &[(Nanos, Nanos)],
    bounds: &Bounds,
) {
    let (Some(start), Some(end)) =
        (wall_to_instant(zone, date.to_datetime(window.start)), wall_to_instant(zone, date.to_datetime(window.end)))
    else {
        return;
    };
    let (window_start, window_end) = (nanos(start), nanos(end));
    // Smallest aligned start at or after `at` (at > window_start only matters).
    let align = |at: Nanos| {
        if at <= window_start {
            window_start
        } else {
            window_start + (at - window_start + bounds.step - 1) / bounds.step * bounds.step
        }
    };
    let mut t = align(bounds.earliest);
    let mut next_blocked = blocked.partition_point(|&(_, blocked_end)| blocked_end <= t);
    while t + bounds.duration <= window_end && t < bounds.until {
        while blocked.get(next_blocked).is_some_and(|&(_, blocked_end)| blocked_end <= t) {
            next_blocked += 1;
        }
        if let Some(&(blocked_start, blocked_end)) = blocked.get(next_blocked)
            && blocked_start < t + bounds.duration
        {
            t = align(blocked_end);
            continue;
        }
        // Offsets within one window fit an i64 of nanoseconds (292 years), and
        // adding a duration to a timestamp avoids 128-bit division per slot.
        let offset = SignedDuration::from_nanos(i64::try_from(t - window_start).unwrap_or(i64::MAX));
        let (Ok(slot_start), Ok(slot_end)) =
            (start.checked_add(offset), start.checked_add(offset + bounds.duration_exact))
        else {
            // Unreachable: both lie inside the window, which is in range.
            break;
        };
        slots.push(Slot { start: slot_start, end: slot_end, format: window.format, office: window.office });
        t += bounds.step;
    }
}

/// A slot as a visitor sees it, in their own zone.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalSlot {
    pub slot: Slot,
    pub start: Zoned,
    pub end: Zoned,
}

/// The slots that start on one date of the visitor's calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalDay {
    pub date: Date,
    pub slots: Vec<LocalSlot>,
}

/// Groups slots by the visitor's local date of their start, in order. A
/// visitor in another zone sees the clinician's evening on their next
/// morning, so days are the visitor's, never the clinician's.
pub fn slots_by_local_day(slots: &[Slot], visitor_zone: &TimeZone) -> Vec<LocalDay> {
    let mut sorted = slots.to_vec();
    if !sorted.is_sorted_by_key(slot_order) {
        sorted.sort_by_key(slot_order);
    }
    let mut days: Vec<LocalDay> = Vec::new();
    for slot in sorted {
        let start = slot.start.to_zoned(visitor_zone.clone());
        let end = slot.end.to_zoned(visitor_zone.clone());
        let local = LocalSlot { slot, start, end };
        match days.last_mut() {
            Some(day) if day.date == local.start.date() => day.slots.push(local),
            _ => days.push(LocalDay { date: local.start.date(), slots: vec![local] }),
        }
    }
    days
}

/// Up to `n` slots whose starts are nearest to `wanted` (either side; on a
/// tie the earlier one), in order of start: what booking suggests when the
/// time someone chose was taken in the meantime.
pub fn nearest_alternatives(slots: &[Slot], wanted: Timestamp, n: usize) -> Vec<Slot> {
    let mut by_distance: Vec<&Slot> = slots.iter().collect();
    by_distance.sort_by_key(|slot| ((nanos(slot.start) - nanos(wanted)).abs(), slot.start, slot.format as u8));
    let mut nearest: Vec<Slot> = by_distance.into_iter().take(n).copied().collect();
    nearest.sort_by_key(slot_order);
    nearest
}

#[cfg(test)]
mod tests;
