//! The clinician's week as the calendar shows it: seven dates on the
//! practice's clock (Monday first), each day's real bounds (a day is 23 or
//! 25 hours long when the clocks change), the changes themselves, and times
//! of day as text.
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::Locale;

/// The Monday of the week that holds `date`.
pub fn monday_of(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(back.days()).unwrap_or(date)
}

/// The seven dates of the week that starts on `monday`.
pub fn days(monday: Date) -> Vec<Date> {
    (0..7).filter_map(|n: i64| monday.checked_add(n.days()).ok()).collect()
}

/// The first instant of `date` on `zone`'s clock (midnight, or the end of
/// the gap where a zone skips midnight).
pub fn start_of_day(zone: &TimeZone, date: Date) -> Option<Timestamp> {
    date.to_zoned(zone.clone()).ok().map(|zoned| zoned.timestamp())
}

/// The real interval `[start, end)` a date covers on `zone`'s clock.
pub fn day_bounds(zone: &TimeZone, date: Date) -> Option<(Timestamp, Timestamp)> {
    Some((start_of_day(zone, date)?, start_of_day(zone, date.tomorrow().ok()?)?))
}

/// "2:05 PM" or "14:05" on `zone`'s clock; the end of a day that reaches
/// the next midnight is "midnight" or "24:00".
pub fn clock_time(at: Timestamp, zone: &TimeZone, day_end: Option<Timestamp>, locale: Locale) -> String {
    if day_end == Some(at) {
        return locale.midnight().to_string();
    }
    locale.time(&at.to_zoned(zone.clone()))
}

/// A change of the clocks: when, and the zone's abbreviations before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockChange {
    pub at: Timestamp,
    pub date: Date,
    pub before: String,
    pub after: String,
    /// Positive when the clocks go forward.
    pub minutes: i64,
}

impl ClockChange {
    /// "Clocks go back 1 hour on Sunday, November 1 (EDT to EST)."
    pub fn sentence(&self, locale: Locale) -> String {
        let direction = if self.minutes >= 0 { "forward" } else { "back" };
        let amount = match self.minutes.abs() {
            60 => "1 hour".to_string(),
            m if m % 60 == 0 => format!("{} hours", m / 60),
            m => format!("{m} minutes"),
        };
        format!(
            "Clocks go {direction} {amount} on {} ({} to {}); times are shown as the clock reads.",
            locale.day(self.date),
            self.before,
            self.after
        )
    }
}

/// The changes of `zone`'s clock in `[from, to)`.
pub fn clock_changes(zone: &TimeZone, from: Timestamp, to: Timestamp) -> Vec<ClockChange> {
    let mut changes = Vec::new();
    for transition in zone.following(from) {
        let at = transition.timestamp();
        if at >= to {
            break;
        }
        let Ok(just_before) = at.checked_sub(1.second()) else { continue };
        let before = zone.to_offset_info(just_before);
        let (before_offset, before_abbr) = (before.offset(), before.abbreviation().to_string());
        let after_offset = transition.offset();
        let minutes = i64::from(after_offset.seconds() - before_offset.seconds()) / 60;
        if minutes == 0 {
            continue;
        }
        changes.push(ClockChange {
            at,
            date: at.to_zoned(zone.clone()).date(),
            before: before_abbr,
            after: transition.abbreviation().to_string(),
            minutes,
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_week_of_a_date_starts_on_monday() {
        let sunday: Date = "2026-11-01".parse().unwrap();
        assert_eq!(monday_of(sunday).to_string(), "2026-10-26");
        let monday: Date = "2026-11-02".parse().unwrap();
        assert_eq!(monday_of(monday), monday);
        let week = days(monday);
        assert_eq!(week.len(), 7);
        assert_eq!(week[6].to_string(), "2026-11-08");
        assert_eq!(week[6].weekday(), jiff::civil::Weekday::Sunday);
    }

    #[test]
    fn a_day_with_a_clock_change_is_25_hours_long_and_the_change_is_named() {
        let zone = TimeZone::get("America/New_York").unwrap();
        let sunday: Date = "2026-11-01".parse().unwrap();
        let (start, end) = day_bounds(&zone, sunday).unwrap();
        assert_eq!(start.to_string(), "2026-11-01T04:00:00Z");
        assert_eq!(start.duration_until(end).as_hours(), 25);
        let changes = clock_changes(&zone, start, end);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].minutes, -60);
        assert_eq!(
            changes[0].sentence(Locale::INTERNATIONAL),
            "Clocks go back 1 hour on Sunday 1 November (EDT to EST); times are shown as the clock reads."
        );
        assert_eq!(
            changes[0].sentence(Locale::US),
            "Clocks go back 1 hour on Sunday, November 1 (EDT to EST); times are shown as the clock reads."
        );
        assert_eq!(clock_time(end, &zone, Some(end), Locale::INTERNATIONAL), "24:00");
        assert_eq!(clock_time(end, &zone, Some(end), Locale::US), "midnight");
        // The second 01:30 of the night says which one it is.
        let again = "2026-11-01T06:30:00Z".parse().unwrap();
        assert_eq!(clock_time(again, &zone, Some(end), Locale::INTERNATIONAL), "01:30 EST");
        assert_eq!(clock_time(again, &zone, Some(end), Locale::US), "1:30 AM EST");
        let next_week = day_bounds(&zone, "2026-11-09".parse().unwrap()).unwrap();
        assert!(clock_changes(&zone, next_week.0, next_week.1).is_empty());
    }
}
