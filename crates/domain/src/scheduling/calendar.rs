//! iCalendar (RFC 5545) for a clinician's calendar feed. Events carry as
//! little as a calendar on a phone may show: the time, the format, and the
//! clients' initials; never a name, a concern or a note.
use jiff::Timestamp;

use super::{AppointmentStatus, SessionFormat};

/// One appointment as the feed shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    /// Stable across feed refreshes, so calendars update instead of duplicating.
    pub uid: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    /// Client names; only their initials are written.
    pub client_names: Vec<String>,
}

/// "Alex Kim" → "A.K."; names of several clients are joined with " & ".
pub fn initials(names: &[String]) -> String {
    names
        .iter()
        .map(|name| {
            name.split_whitespace()
                .filter_map(|part| part.chars().next())
                .map(|c| format!("{}.", c.to_uppercase()))
                .collect::<String>()
        })
        .filter(|i| !i.is_empty())
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a UTF-8 character (§3.1).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn utc(instant: Timestamp) -> String {
    instant.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// One VEVENT, as the feed and the confirmation email's invitation write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Stable, so calendars update an event instead of duplicating it.
    pub uid: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: String,
    pub location: Option<String>,
    pub status: AppointmentStatus,
}

fn write_event(line: &mut impl FnMut(String), event: &CalendarEvent, now: Timestamp) {
    line("BEGIN:VEVENT".into());
    line(format!("UID:{}", text(&event.uid)));
    line(format!("DTSTAMP:{}", utc(now)));
    line(format!("DTSTART:{}", utc(event.start)));
    line(format!("DTEND:{}", utc(event.end)));
    line(format!("SUMMARY:{}", text(&event.summary)));
    if let Some(location) = &event.location {
        line(format!("LOCATION:{}", text(location)));
    }
    line(format!(
        "STATUS:{}",
        match event.status {
            AppointmentStatus::Confirmed | AppointmentStatus::Completed => "CONFIRMED",
            AppointmentStatus::Cancelled | AppointmentStatus::Expired | AppointmentStatus::NoShow => "CANCELLED",
            AppointmentStatus::Held | AppointmentStatus::Requested => "TENTATIVE",
        }
    ));
    line("CLASS:PRIVATE".into());
    line("TRANSP:OPAQUE".into());
    line("END:VEVENT".into());
}

/// The feed: a VCALENDAR with one VEVENT per appointment.
pub fn feed(name: &str, events: &[FeedEvent], now: Timestamp) -> String {
    let mut out = String::new();
    let mut line = |l: String| fold(&l, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Sensate//Calendar feed//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line(format!("X-WR-CALNAME:{}", text(name)));
    for event in events {
        let who = initials(&event.client_names);
        let how = match event.format {
            SessionFormat::InPerson => "in person",
            SessionFormat::Telehealth => "video",
        };
        let summary = if who.is_empty() { format!("Session ({how})") } else { format!("Session with {who} ({how})") };
        let event = CalendarEvent {
            uid: event.uid.clone(),
            start: event.start,
            end: event.end,
            summary,
            location: None,
            status: event.status,
        };
        write_event(&mut line, &event, now);
    }
    line("END:VCALENDAR".into());
    out
}

/// One event to add to a calendar (`METHOD:PUBLISH`: no reply expected), as
/// attached to a confirmation email.
pub fn invitation(event: &CalendarEvent, now: Timestamp) -> String {
    let mut out = String::new();
    let mut line = |l: String| fold(&l, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Sensate//Appointment//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    write_event(&mut line, event, now);
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> FeedEvent {
        FeedEvent {
            uid: "0193-abc@sensate".into(),
            start: "2026-11-24T15:00:00Z".parse().unwrap(),
            end: "2026-11-24T15:50:00Z".parse().unwrap(),
            format: SessionFormat::Telehealth,
            status: AppointmentStatus::Requested,
            client_names: vec!["Alex Kim".into(), "riley   kim".into()],
        }
    }

    #[test]
    fn events_carry_initials_times_and_status_only() {
        let ics = feed("Dana's sessions", &[event()], "2026-11-22T08:00:00Z".parse().unwrap());
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("\r\nSUMMARY:Session with A.K. & R.K. (video)\r\n"));
        assert!(ics.contains("\r\nDTSTART:20261124T150000Z\r\nDTEND:20261124T155000Z\r\n"));
        assert!(ics.contains("\r\nSTATUS:TENTATIVE\r\n"));
        assert!(ics.contains("X-WR-CALNAME:Dana's sessions"));
        assert!(!ics.contains("Alex") && !ics.contains("Kim"), "no names");
        assert!(!ics.replace("\r\n", "").contains(['\r', '\n']), "CRLF line ends only");
    }

    #[test]
    fn text_is_escaped_and_long_lines_folded_between_characters() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let name = "Séances de thérapie, cabinet du centre-ville; agenda partagé ".repeat(3);
        let ics = feed(&name, &[], "2026-11-22T08:00:00Z".parse().unwrap());
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("X-WR-CALNAME:{}", text(&name))));
    }

    #[test]
    fn an_invitation_is_one_published_event_with_its_location() {
        let event = CalendarEvent {
            uid: "0193-abc@sensate".into(),
            start: "2026-11-24T15:00:00Z".parse().unwrap(),
            end: "2026-11-24T15:50:00Z".parse().unwrap(),
            summary: "Appointment with Harbor, Inc.".into(),
            location: Some("Video session".into()),
            status: AppointmentStatus::Confirmed,
        };
        let ics = invitation(&event, "2026-11-22T08:00:00Z".parse().unwrap());
        assert!(ics.contains("\r\nMETHOD:PUBLISH\r\n"));
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
        assert!(ics.contains("\r\nSUMMARY:Appointment with Harbor\\, Inc.\r\n"));
        assert!(ics.contains("\r\nLOCATION:Video session\r\nSTATUS:CONFIRMED\r\n"));
        assert!(ics.contains("\r\nDTSTART:20261124T150000Z\r\nDTEND:20261124T155000Z\r\n"));
    }

    #[test]
    fn initials_of_odd_names() {
        assert_eq!(initials(&["Ádám Øster-Lund".into()]), "Á.Ø.");
        assert_eq!(initials(&["  ".into(), "Jo".into()]), "J.");
        assert_eq!(initials(&[]), "");
    }
}
