//! A practice (the tenant) and its settings.
use std::fmt;

use crate::validation::{TextError, single_line};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeName(String);

impl PracticeName {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        single_line(input, "the practice name", 120).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PracticeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IANA time-zone name such as `America/New_York`, checked against the
/// time-zone database so every instant can be shown in local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName {
    name: String,
    zone: jiff::tz::TimeZone,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose a time zone from the list, such as America/New_York or Europe/Berlin.")]
pub struct UnknownTimeZone;

impl TimeZoneName {
    pub fn parse(input: &str) -> Result<Self, UnknownTimeZone> {
        let name = input.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(UnknownTimeZone);
        }
        let zone = jiff::tz::TimeZone::get(name).map_err(|_| UnknownTimeZone)?;
        Ok(Self { name: name.to_string(), zone })
    }

    /// Coordinated Universal Time, for whoever has no zone of their own.
    pub fn utc() -> Self {
        Self { name: "UTC".to_string(), zone: jiff::tz::TimeZone::UTC }
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    pub fn zone(&self) -> &jiff::tz::TimeZone {
        &self.zone
    }
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The zones offered in the practice set-up form: the ones US and European
/// practices use most. Any other valid IANA name is accepted when typed.
pub const COMMON_TIME_ZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Vancouver",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Stockholm",
    "Australia/Sydney",
    "UTC",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_checked_against_the_database() {
        assert_eq!(TimeZoneName::parse(" Europe/Berlin ").unwrap().as_str(), "Europe/Berlin");
        assert_eq!(TimeZoneName::parse("Mars/Olympus_Mons").unwrap_err(), UnknownTimeZone);
        assert_eq!(TimeZoneName::parse("").unwrap_err(), UnknownTimeZone);
        for name in COMMON_TIME_ZONES {
            assert!(TimeZoneName::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn practice_names_are_single_lines() {
        assert_eq!(PracticeName::parse(" Harbor Counseling ").unwrap().as_str(), "Harbor Counseling");
        assert!(PracticeName::parse("").is_err());
        assert!(PracticeName::parse(&"x".repeat(121)).is_err());
    }
}
