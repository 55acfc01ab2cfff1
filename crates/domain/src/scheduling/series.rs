//! Times typed on the practice's clock, and recurring series. A series is
//! wall-clock time: a weekly 17:00 session stays at 17:00 on the clock
//! across a daylight-saving change, so its instant in UTC moves by the hour
//! the clocks did. Each occurrence becomes an ordinary appointment.
use jiff::civil::{Date, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};

/// The most occurrences one series may have: a year of weekly sessions.
pub const MAX_OCCURRENCES: u16 = 52;

/// How an appointment repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    Once,
    Weekly,
    /// Every other week.
    Fortnightly,
}

impl Repeat {
    pub const ALL: [Repeat; 3] = [Repeat::Once, Repeat::Weekly, Repeat::Fortnightly];

    pub fn as_str(self) -> &'static str {
        match self {
            Repeat::Once => "none",
            Repeat::Weekly => "weekly",
            Repeat::Fortnightly => "fortnightly",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|repeat| repeat.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Repeat::Once => "Does not repeat",
            Repeat::Weekly => "Every week",
            Repeat::Fortnightly => "Every other week",
        }
    }

    fn step_days(self) -> i64 {
        match self {
            Repeat::Once => 0,
            Repeat::Weekly => 7,
            Repeat::Fortnightly => 14,
        }
    }
}

/// A typed date and time that the clocks skip (they go forward across it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkippedTime {
    pub date: Date,
}

/// The instant a date and time typed on `zone`'s clock stands for. A time
/// that happens twice (clocks go back) is read as its first occurrence, the
/// one before the change; a time that does not happen (clocks go forward) is
/// refused rather than guessed, because a session moved by an hour without
/// anyone noticing is worse than a question.
pub fn typed_instant(zone: &TimeZone, date: Date, time: Time) -> Result<Timestamp, SkippedTime> {
    let at = date.to_datetime(time);
    let offset = match zone.to_ambiguous_timestamp(at).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Fold { before, .. } => before,
        AmbiguousOffset::Gap { .. } => return Err(SkippedTime { date }),
    };
    offset.to_timestamp(at).map_err(|_| SkippedTime { date })
}

/// The dates of a series: the first, then one every week or two, `count` in
/// all (one for an appointment that does not repeat).
pub fn occurrence_dates(first: Date, repeat: Repeat, count: u16) -> Vec<Date> {
    let count = if repeat == Repeat::Once { 1 } else { count.clamp(1, MAX_OCCURRENCES) };
    (0..i64::from(count)).filter_map(|n| first.checked_add((n * repeat.step_days()).days()).ok()).collect()
}

/// One session of a series, as real instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub date: Date,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Every occurrence of a series at the same wall-clock time on `zone`'s
/// clock. When that time does not exist on some of the dates, those dates
/// are the answer instead, so the form can name them all at once.
pub fn occurrences(
    zone: &TimeZone,
    first: Date,
    time: Time,
    length: SignedDuration,
    repeat: Repeat,
    count: u16,
) -> Result<Vec<Occurrence>, Vec<Date>> {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for date in occurrence_dates(first, repeat, count) {
        match typed_instant(zone, date, time) {
            Ok(start) => match start.checked_add(length) {
                Ok(end) => found.push(Occurrence { date, start, end }),
                Err(_) => skipped.push(date),
            },
            Err(SkippedTime { date }) => skipped.push(date),
        }
    }
    if skipped.is_empty() { Ok(found) } else { Err(skipped) }
}

/// The positions of occurrences that overlap an earlier one of the same
/// list: a series must not collide with itself either.
pub fn overlapping_each_other(occurrences: &[Occurrence]) -> Vec<usize> {
    (0..occurrences.len())
        .filter(|&i| occurrences[..i].iter().any(|o| o.start < occurrences[i].end && occurrences[i].start < o.end))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_york() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    #[test]
    fn a_weekly_series_keeps_its_wall_clock_time_across_the_change() {
        let zone = new_york();
        let first: Date = "2026-10-19".parse().unwrap();
        let series =
            occurrences(&zone, first, Time::constant(17, 0, 0, 0), SignedDuration::from_mins(50), Repeat::Weekly, 4)
                .unwrap();
        let dates: Vec<String> = series.iter().map(|o| o.date.to_string()).collect();
        assert_eq!(dates, ["2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09"]);
        // 17:00 EDT is 21:00 UTC; after 1 November, 17:00 EST is 22:00 UTC.
        let utc: Vec<String> = series.iter().map(|o| o.start.to_string()).collect();
        assert_eq!(
            utc,
            ["2026-10-19T21:00:00Z", "2026-10-26T21:00:00Z", "2026-11-02T22:00:00Z", "2026-11-09T22:00:00Z"]
        );
        assert!(series.iter().all(|o| o.start.to_zoned(zone.clone()).time() == Time::constant(17, 0, 0, 0)));
        assert_eq!(series[0].start.duration_until(series[0].end), SignedDuration::from_mins(50));
    }

    #[test]
    fn every_other_week_and_limits() {
        let first: Date = "2026-12-01".parse().unwrap();
        let dates = occurrence_dates(first, Repeat::Fortnightly, 3);
        assert_eq!(dates.iter().map(|d| d.to_string()).collect::<Vec<_>>(), ["2026-12-01", "2026-12-15", "2026-12-29"]);
        assert_eq!(occurrence_dates(first, Repeat::Once, 10).len(), 1, "no repeat, one appointment");
        assert_eq!(occurrence_dates(first, Repeat::Weekly, 500).len(), usize::from(MAX_OCCURRENCES));
        assert_eq!(Repeat::parse("fortnightly"), Some(Repeat::Fortnightly));
        assert_eq!(Repeat::parse("daily"), None);
    }

    #[test]
    fn a_skipped_time_is_refused_and_a_repeated_one_is_the_first() {
        let zone = new_york();
        // 8 March 2026: clocks go from 02:00 to 03:00.
        let spring: Date = "2026-03-08".parse().unwrap();
        assert_eq!(typed_instant(&zone, spring, Time::constant(2, 30, 0, 0)), Err(SkippedTime { date: spring }));
        // 1 November 2026: 01:30 happens twice; the first is EDT (05:30 UTC).
        let autumn: Date = "2026-11-01".parse().unwrap();
        assert_eq!(
            typed_instant(&zone, autumn, Time::constant(1, 30, 0, 0)).unwrap().to_string(),
            "2026-11-01T05:30:00Z"
        );
        // A weekly 02:30 series names every date whose 02:30 is skipped.
        let first: Date = "2026-03-01".parse().unwrap();
        let skipped =
            occurrences(&zone, first, Time::constant(2, 30, 0, 0), SignedDuration::from_mins(50), Repeat::Weekly, 3)
                .unwrap_err();
        assert_eq!(skipped, vec![spring]);
    }

    #[test]
    fn occurrences_that_overlap_each_other_are_found() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        let date: Date = "2026-12-01".parse().unwrap();
        let list = [
            Occurrence { date, start: at("2026-12-01T10:00:00Z"), end: at("2026-12-01T11:00:00Z") },
            Occurrence { date, start: at("2026-12-01T11:00:00Z"), end: at("2026-12-01T12:00:00Z") },
            Occurrence { date, start: at("2026-12-01T10:30:00Z"), end: at("2026-12-01T10:45:00Z") },
        ];
        assert_eq!(overlapping_each_other(&list), vec![2], "touching is not overlapping");
    }
}
