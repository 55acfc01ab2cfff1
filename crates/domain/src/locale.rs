//! How a reader expects times, dates and distances to be written: the
//! 12- or 24-hour clock, the month or the day first, miles or kilometres,
//! and time zones by the names people use ("Eastern Time"), not the
//! database's (`America/New_York`).
//!
//! A page learns its reader's conventions from the browser's
//! `Accept-Language` ([`Locale::from_accept_language`]); an email, which
//! has no browser behind it, is written in the conventions of the
//! practice's country, read from its time zone ([`Locale::of_zone`]).
//! Sensate's directory is American first, so a reader who says nothing,
//! or only "English", reads American conventions.
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// "2:00 PM"
    TwelveHour,
    /// "14:00"
    TwentyFourHour,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// "Tuesday, November 24"
    MonthFirst,
    /// "Tuesday 24 November"
    DayFirst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distance {
    Miles,
    Kilometres,
}

/// A reader's conventions for times, dates and distances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale {
    pub clock: Clock,
    pub dates: DateOrder,
    pub distance: Distance,
}

/// Kilometres in a mile.
const KM_PER_MILE: f64 = 1.609_344;

impl Locale {
    /// The United States: 2:00 PM, November 24, miles.
    pub const US: Locale = Locale { clock: Clock::TwelveHour, dates: DateOrder::MonthFirst, distance: Distance::Miles };
    /// Most of the world: 14:00, 24 November, kilometres.
    pub const INTERNATIONAL: Locale =
        Locale { clock: Clock::TwentyFourHour, dates: DateOrder::DayFirst, distance: Distance::Kilometres };

    /// The conventions of a language tag such as `en-US`, `en-GB` or `de`.
    pub fn of_language_tag(tag: &str) -> Locale {
        let mut parts = tag.trim().split(['-', '_']);
        let language = parts.next().unwrap_or_default().to_ascii_lowercase();
        // The region is the first two-letter (or three-digit) subtag after
        // the language; a four-letter one is a script (`zh-Hant-TW`).
        let region = parts.find(|p| p.len() == 2 || (p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit())));
        match region {
            Some(region) => Self::of_region(&region.to_ascii_uppercase(), &language),
            None if language == "en" => Locale::US,
            None => Locale::INTERNATIONAL,
        }
    }

    /// The conventions of a country (ISO 3166 code) for a language.
    fn of_region(region: &str, language: &str) -> Locale {
        // Where the everyday clock is the 12-hour one (CLDR's preferred
        // hour format), and where dates lead with the month.
        const TWELVE_HOUR: &[&str] = &["US", "CA", "AU", "NZ", "IN", "PH", "PK", "BD", "EG", "SA", "AE", "JO"];
        const MONTH_FIRST: &[&str] = &["US", "CA", "PH"];
        const MILES: &[&str] = &["US", "GB", "LR", "MM"];
        // French Canada keeps the 24-hour clock and the day first.
        let english_canada = region != "CA" || language == "en";
        Locale {
            clock: if TWELVE_HOUR.contains(&region) && english_canada {
                Clock::TwelveHour
            } else {
                Clock::TwentyFourHour
            },
            dates: if MONTH_FIRST.contains(&region) && english_canada {
                DateOrder::MonthFirst
            } else {
                DateOrder::DayFirst
            },
            distance: if MILES.contains(&region) { Distance::Miles } else { Distance::Kilometres },
        }
    }

    /// The conventions of the language the browser prefers most
    /// (`Accept-Language: en-GB,en;q=0.8`); American without one.
    pub fn from_accept_language(header: &str) -> Locale {
        let mut best: Option<(f32, &str)> = None;
        for entry in header.split(',') {
            let mut fields = entry.split(';');
            let tag = fields.next().unwrap_or_default().trim();
            if tag.is_empty() || tag == "*" {
                continue;
            }
            let quality = fields
                .filter_map(|f| f.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            // The first of equal preference wins, as the header lists them.
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, tag));
            }
        }
        best.map_or(Locale::US, |(_, tag)| Self::of_language_tag(tag))
    }

    /// The conventions of the country a time zone belongs to: how an email
    /// from a practice in that zone writes times.
    pub fn of_zone(zone: &TimeZone) -> Locale {
        zone.iana_name().and_then(known_zone).map_or(Locale::INTERNATIONAL, |z| Self::of_region(z.country, "en"))
    }

    /// "Tue, Nov 24, 2026, 2:00 PM (Eastern Time)" or
    /// "Tue 24 Nov 2026, 14:00 (Eastern Time)": a session's time on a page
    /// or in an email, in `zone`.
    pub fn when(self, instant: Timestamp, zone: &TimeZone) -> String {
        let zoned = instant.to_zoned(zone.clone());
        let date = match self.dates {
            DateOrder::MonthFirst => zoned.strftime("%a, %b %-d, %Y"),
            DateOrder::DayFirst => zoned.strftime("%a %-d %b %Y"),
        };
        let abbreviation =
            if twice_on_the_clock(&zoned) { format!(", {}", zoned.strftime("%Z")) } else { String::new() };
        format!("{date}, {} ({}{abbreviation})", self.clock_reading(&zoned), zone_name(zone))
    }

    /// "Tue, Nov 24, 2026, 2:00 PM – 3:00 PM (Eastern Time)": a session
    /// from its start to its end.
    pub fn when_until(self, start: Timestamp, end: Timestamp, zone: &TimeZone) -> String {
        let start = start.to_zoned(zone.clone());
        let end = end.to_zoned(zone.clone());
        let date = match self.dates {
            DateOrder::MonthFirst => start.strftime("%a, %b %-d, %Y"),
            DateOrder::DayFirst => start.strftime("%a %-d %b %Y"),
        };
        format!("{date}, {} – {} ({})", self.time(&start), self.time(&end), zone_name(zone))
    }

    /// "2:00 PM" or "14:00"; on the night the clocks go back, an hour that
    /// happens twice carries its abbreviation ("1:30 AM EDT").
    pub fn time(self, zoned: &Zoned) -> String {
        let reading = self.clock_reading(zoned);
        if twice_on_the_clock(zoned) { format!("{reading} {}", zoned.strftime("%Z")) } else { reading }
    }

    /// "Tue, Nov 24, 2:00 PM" or "Tue 24 Nov, 14:00": a time on a button,
    /// whose zone is named once beside the buttons.
    pub fn day_and_time(self, zoned: &Zoned) -> String {
        let day = match self.dates {
            DateOrder::MonthFirst => zoned.strftime("%a, %b %-d"),
            DateOrder::DayFirst => zoned.strftime("%a %-d %b"),
        };
        format!("{day}, {}", self.time(zoned))
    }

    /// The time of day alone, without any abbreviation.
    fn clock_reading(self, zoned: &Zoned) -> String {
        match self.clock {
            Clock::TwelveHour => zoned.strftime("%-I:%M %p").to_string(),
            Clock::TwentyFourHour => zoned.strftime("%H:%M").to_string(),
        }
    }

    /// An hour on a time grid's edge: "9 AM" or "09:00" (`hour` 0 to 24).
    pub fn hour(self, hour: i64) -> String {
        match self.clock {
            Clock::TwelveHour => match hour % 24 {
                0 => "12 AM".to_string(),
                12 => "12 PM".to_string(),
                h if h < 12 => format!("{h} AM"),
                h => format!("{} PM", h - 12),
            },
            Clock::TwentyFourHour => format!("{hour:02}:00"),
        }
    }

    /// The end of a day that reaches the next midnight: "midnight" or "24:00".
    pub fn midnight(self) -> &'static str {
        match self.clock {
            Clock::TwelveHour => "midnight",
            Clock::TwentyFourHour => "24:00",
        }
    }

    /// "Tuesday, November 24" or "Tuesday 24 November": a day's heading.
    pub fn day(self, date: Date) -> String {
        match self.dates {
            DateOrder::MonthFirst => date.strftime("%A, %B %-d").to_string(),
            DateOrder::DayFirst => date.strftime("%A %-d %B").to_string(),
        }
    }

    /// "Monday, November 2, 2026" or "Monday 2 November 2026".
    pub fn day_with_year(self, date: Date) -> String {
        match self.dates {
            DateOrder::MonthFirst => date.strftime("%A, %B %-d, %Y").to_string(),
            DateOrder::DayFirst => date.strftime("%A %-d %B %Y").to_string(),
        }
    }

    /// "Tue, Nov 24, 2026" or "Tue 24 Nov 2026": a date in a list.
    pub fn short_date(self, date: Date) -> String {
        match self.dates {
            DateOrder::MonthFirst => date.strftime("%a, %b %-d, %Y").to_string(),
            DateOrder::DayFirst => date.strftime("%a %-d %b %Y").to_string(),
        }
    }

    /// The distances a directory search offers, as (kilometres, label):
    /// round numbers in the reader's unit, sent as kilometres.
    pub fn search_radii(self) -> Vec<(f64, String)> {
        match self.distance {
            Distance::Miles => {
                [5.0, 10.0, 30.0, 60.0].into_iter().map(|mi| (mi * KM_PER_MILE, format!("{mi} miles"))).collect()
            }
            Distance::Kilometres => [10.0, 25.0, 50.0, 100.0].into_iter().map(|km| (km, format!("{km} km"))).collect(),
        }
    }

    /// A distance in the reader's unit, rounded: "about 16 miles", "25 km".
    pub fn distance(self, km: f64) -> String {
        match self.distance {
            Distance::Miles => format!("about {:.0} miles", km / KM_PER_MILE),
            Distance::Kilometres => format!("{km:.0} km"),
        }
    }
}

impl Default for Locale {
    fn default() -> Self {
        Locale::US
    }
}

/// A time where no reader's browser says how they write it (an email, a
/// calendar file): in `zone`, as that zone's country writes it.
pub fn local_time(instant: Timestamp, zone: &TimeZone) -> String {
    Locale::of_zone(zone).when(instant, zone)
}

/// Whether this wall-clock time happens twice (the hour the clocks go back).
fn twice_on_the_clock(zoned: &Zoned) -> bool {
    let civil: DateTime = zoned.datetime();
    zoned.time_zone().to_ambiguous_zoned(civil).is_ambiguous()
}

/// A zone people know by a name other than its city's.
struct KnownZone {
    name: &'static str,
    country: &'static str,
}

/// Zones by the names their people use. Any zone not listed is named after
/// its city ("Buenos Aires time").
fn known_zone(iana: &str) -> Option<KnownZone> {
    let (name, country) = match iana {
        "America/New_York"
        | "America/Detroit"
        | "America/Fort_Wayne"
        | "America/Indiana/Indianapolis"
        | "America/Indiana/Marengo"
        | "America/Indiana/Petersburg"
        | "America/Indiana/Vevay"
        | "America/Indiana/Vincennes"
        | "America/Indiana/Winamac"
        | "America/Kentucky/Louisville"
        | "America/Kentucky/Monticello"
        | "US/Eastern" => ("Eastern Time", "US"),
        "America/Toronto" | "America/Montreal" => ("Eastern Time", "CA"),
        "America/Chicago"
        | "America/Indiana/Knox"
        | "America/Indiana/Tell_City"
        | "America/Menominee"
        | "America/North_Dakota/Center"
        | "America/North_Dakota/New_Salem"
        | "America/North_Dakota/Beulah"
        | "US/Central" => ("Central Time", "US"),
        "America/Winnipeg" => ("Central Time", "CA"),
        "America/Denver" | "America/Boise" | "US/Mountain" => ("Mountain Time", "US"),
        "America/Edmonton" => ("Mountain Time", "CA"),
        "America/Phoenix" | "US/Arizona" => ("Arizona Time", "US"),
        "America/Los_Angeles" | "US/Pacific" => ("Pacific Time", "US"),
        "America/Vancouver" => ("Pacific Time", "CA"),
        "America/Anchorage" | "America/Juneau" | "America/Sitka" | "America/Nome" | "America/Yakutat"
        | "America/Metlakatla" | "US/Alaska" => ("Alaska Time", "US"),
        "Pacific/Honolulu" | "US/Hawaii" => ("Hawaii Time", "US"),
        "America/Puerto_Rico" => ("Atlantic Time", "US"),
        "America/Halifax" => ("Atlantic Time", "CA"),
        "America/St_Johns" => ("Newfoundland Time", "CA"),
        "Europe/London" => ("UK time", "GB"),
        "Europe/Dublin" => ("Irish time", "IE"),
        "Europe/Paris" => ("Central European Time", "FR"),
        "Europe/Berlin" => ("Central European Time", "DE"),
        "Europe/Amsterdam" => ("Central European Time", "NL"),
        "Europe/Madrid" => ("Central European Time", "ES"),
        "Europe/Rome" => ("Central European Time", "IT"),
        "Europe/Stockholm" => ("Central European Time", "SE"),
        "Europe/Vienna" => ("Central European Time", "AT"),
        "Europe/Zurich" => ("Central European Time", "CH"),
        "Europe/Brussels" => ("Central European Time", "BE"),
        "Europe/Athens" => ("Eastern European Time", "GR"),
        "Europe/Helsinki" => ("Eastern European Time", "FI"),
        "Australia/Sydney" | "Australia/Melbourne" => ("Australian Eastern Time", "AU"),
        "UTC" | "Etc/UTC" => ("UTC", "ZZ"),
        _ => return None,
    };
    Some(KnownZone { name, country })
}

/// "Eastern Time", "Central European Time", "Buenos Aires time": a zone by
/// the name its people use.
pub fn zone_name(zone: &TimeZone) -> String {
    match zone.iana_name() {
        Some(iana) => match known_zone(iana) {
            Some(known) => known.name.to_string(),
            None => format!("{} time", city_of(iana)),
        },
        None => "UTC".to_string(),
    }
}

/// "Eastern Time (New York)": a zone in a list to choose from, where
/// several zones share a name.
pub fn zone_choice_label(iana: &str) -> String {
    match known_zone(iana) {
        Some(known) if known.name == "UTC" => "UTC (Coordinated Universal Time)".to_string(),
        Some(known) => format!("{} ({})", known.name, city_of(iana)),
        None => format!("{} time ({iana})", city_of(iana)),
    }
}

/// The city an IANA name ends with: `America/Argentina/Buenos_Aires` →
/// "Buenos Aires".
fn city_of(iana: &str) -> String {
    iana.rsplit('/').next().unwrap_or(iana).replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_york() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    #[test]
    fn browsers_say_which_conventions_their_readers_use() {
        assert_eq!(Locale::from_accept_language("en-US,en;q=0.9"), Locale::US);
        assert_eq!(Locale::from_accept_language(""), Locale::US);
        assert_eq!(Locale::from_accept_language("en"), Locale::US);
        assert_eq!(Locale::from_accept_language("de-DE,de;q=0.9,en;q=0.8"), Locale::INTERNATIONAL);
        assert_eq!(Locale::from_accept_language("de"), Locale::INTERNATIONAL);
        // The most preferred wins, wherever it stands in the list.
        assert_eq!(Locale::from_accept_language("fr;q=0.5, en-US;q=0.9"), Locale::US);
        // Britain: the 24-hour clock and the day first, but miles.
        let britain = Locale::from_accept_language("en-GB");
        assert_eq!(
            britain,
            Locale { clock: Clock::TwentyFourHour, dates: DateOrder::DayFirst, distance: Distance::Miles }
        );
        // Australia: the 12-hour clock, the day first, kilometres.
        let australia = Locale::of_language_tag("en-AU");
        assert_eq!(
            australia,
            Locale { clock: Clock::TwelveHour, dates: DateOrder::DayFirst, distance: Distance::Kilometres }
        );
        // English and French Canada differ; a script subtag is not a region.
        assert_eq!(Locale::of_language_tag("en-CA").clock, Clock::TwelveHour);
        assert_eq!(Locale::of_language_tag("fr-CA").clock, Clock::TwentyFourHour);
        assert_eq!(Locale::of_language_tag("zh-Hant-TW"), Locale::INTERNATIONAL);
        // Nothing acceptable, or garbage: American, as for no header.
        assert_eq!(Locale::from_accept_language("*;q=0.1, xx;q=0"), Locale::US);
    }

    #[test]
    fn a_sessions_time_reads_as_its_reader_expects() {
        let summer: Timestamp = "2026-07-14T19:00:00Z".parse().unwrap();
        let winter: Timestamp = "2026-11-24T19:00:00Z".parse().unwrap();
        assert_eq!(Locale::US.when(summer, &new_york()), "Tue, Jul 14, 2026, 3:00 PM (Eastern Time)");
        assert_eq!(Locale::US.when(winter, &new_york()), "Tue, Nov 24, 2026, 2:00 PM (Eastern Time)");
        assert_eq!(Locale::INTERNATIONAL.when(winter, &new_york()), "Tue 24 Nov 2026, 14:00 (Eastern Time)");
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(Locale::INTERNATIONAL.when(winter, &berlin), "Tue 24 Nov 2026, 20:00 (Central European Time)");
        let end: Timestamp = "2026-11-24T19:50:00Z".parse().unwrap();
        assert_eq!(
            Locale::US.when_until(winter, end, &new_york()),
            "Tue, Nov 24, 2026, 2:00 PM – 2:50 PM (Eastern Time)"
        );
        let morning: Timestamp = "2026-11-24T14:05:00Z".parse().unwrap();
        assert_eq!(Locale::US.time(&morning.to_zoned(new_york())), "9:05 AM");
        assert_eq!(Locale::US.day_and_time(&morning.to_zoned(new_york())), "Tue, Nov 24, 9:05 AM");
        assert_eq!(Locale::INTERNATIONAL.day_and_time(&morning.to_zoned(new_york())), "Tue 24 Nov, 09:05");
        assert_eq!(Locale::INTERNATIONAL.time(&morning.to_zoned(new_york())), "09:05");
    }

    #[test]
    fn the_hour_that_happens_twice_says_which_one() {
        // 1 November 2026: New York's clocks go back from 02:00 EDT to 01:00 EST.
        let first: Timestamp = "2026-11-01T05:30:00Z".parse().unwrap();
        let second: Timestamp = "2026-11-01T06:30:00Z".parse().unwrap();
        assert_eq!(Locale::US.time(&first.to_zoned(new_york())), "1:30 AM EDT");
        assert_eq!(Locale::US.time(&second.to_zoned(new_york())), "1:30 AM EST");
        assert_eq!(Locale::US.when(second, &new_york()), "Sun, Nov 1, 2026, 1:30 AM (Eastern Time, EST)");
        // An hour later the clock is unambiguous again.
        let later: Timestamp = "2026-11-01T07:30:00Z".parse().unwrap();
        assert_eq!(Locale::US.time(&later.to_zoned(new_york())), "2:30 AM");
    }

    #[test]
    fn hours_on_a_grid_read_as_the_clock_does() {
        let labels: Vec<String> = [0, 9, 12, 13, 23].into_iter().map(|h| Locale::US.hour(h)).collect();
        assert_eq!(labels, ["12 AM", "9 AM", "12 PM", "1 PM", "11 PM"]);
        assert_eq!(Locale::INTERNATIONAL.hour(9), "09:00");
        assert_eq!(Locale::INTERNATIONAL.hour(24), "24:00");
    }

    #[test]
    fn dates_follow_the_readers_order() {
        let date: Date = "2026-11-02".parse().unwrap();
        assert_eq!(Locale::US.day(date), "Monday, November 2");
        assert_eq!(Locale::INTERNATIONAL.day(date), "Monday 2 November");
        assert_eq!(Locale::US.day_with_year(date), "Monday, November 2, 2026");
        assert_eq!(Locale::INTERNATIONAL.day_with_year(date), "Monday 2 November 2026");
        assert_eq!(Locale::US.short_date(date), "Mon, Nov 2, 2026");
        assert_eq!(Locale::INTERNATIONAL.short_date(date), "Mon 2 Nov 2026");
    }

    #[test]
    fn zones_go_by_the_names_people_use() {
        assert_eq!(zone_name(&new_york()), "Eastern Time");
        assert_eq!(zone_name(&TimeZone::get("America/Phoenix").unwrap()), "Arizona Time");
        assert_eq!(zone_name(&TimeZone::get("America/Argentina/Buenos_Aires").unwrap()), "Buenos Aires time");
        assert_eq!(zone_name(&TimeZone::UTC), "UTC");
        assert_eq!(zone_choice_label("America/Los_Angeles"), "Pacific Time (Los Angeles)");
        assert_eq!(zone_choice_label("Asia/Tokyo"), "Tokyo time (Asia/Tokyo)");
        // Every zone a practice is offered has a name of its own.
        for iana in crate::practice::COMMON_TIME_ZONES {
            assert!(known_zone(iana).is_some(), "{iana}");
        }
    }

    #[test]
    fn emails_follow_the_practices_country() {
        assert_eq!(Locale::of_zone(&new_york()), Locale::US);
        assert_eq!(Locale::of_zone(&TimeZone::get("Europe/Berlin").unwrap()), Locale::INTERNATIONAL);
        assert_eq!(Locale::of_zone(&TimeZone::get("Europe/London").unwrap()).distance, Distance::Miles);
        assert_eq!(Locale::of_zone(&TimeZone::get("Asia/Tokyo").unwrap()), Locale::INTERNATIONAL);
    }

    #[test]
    fn distances_are_offered_in_the_readers_unit() {
        let miles = Locale::US.search_radii();
        assert_eq!(miles[1].1, "10 miles");
        assert!((miles[1].0 - 16.093_44).abs() < 1e-9);
        assert_eq!(Locale::INTERNATIONAL.search_radii()[1], (25.0, "25 km".to_string()));
        assert_eq!(Locale::US.distance(25.0), "about 16 miles");
        assert_eq!(Locale::INTERNATIONAL.distance(25.0), "25 km");
    }
}
