//! Time is a parameter: code that needs "now" receives a [`Clock`], so tests
//! can move time forward and scheduling rules stay deterministic.
use jiff::Timestamp;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The moment `date` ends on the clock of `zone`: the start of the next day
/// there, which is when something valid "through `date`" stops counting.
/// Time-zone rules never skip a whole day's start in the zones Sensate
/// uses; should one, the instant is found by jiff's usual disambiguation.
pub fn end_of_day(date: jiff::civil::Date, zone: &jiff::tz::TimeZone) -> Timestamp {
    let next = date.tomorrow().unwrap_or(jiff::civil::Date::MAX);
    next.to_zoned(zone.clone()).map(|z| z.timestamp()).unwrap_or(Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_ends_at_midnight_on_its_own_clock() {
        let date = jiff::civil::date(2026, 12, 31);
        let new_york = jiff::tz::TimeZone::get("America/New_York").unwrap();
        assert_eq!(end_of_day(date, &new_york).to_string(), "2027-01-01T05:00:00Z");
        let honolulu = jiff::tz::TimeZone::get("Pacific/Honolulu").unwrap();
        assert_eq!(end_of_day(date, &honolulu).to_string(), "2027-01-01T10:00:00Z");
        // The day clocks go back has 25 hours; its end is still the next midnight.
        let fall_back = jiff::civil::date(2026, 11, 1);
        assert_eq!(end_of_day(fall_back, &new_york).to_string(), "2026-11-02T05:00:00Z");
    }
}
