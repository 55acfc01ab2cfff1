//! The email that tells a visitor their appointment is confirmed, with the
//! appointment as an `.ics` file their calendar can add. Discreet like every
//! email: the practice, the time and the format; never what brings them.
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sensate_domain::scheduling::calendar::{CalendarEvent, invitation};
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat, format_local};
use sensate_store::{BookingView, PracticeRecord};

use crate::infra::mailer::{Attachment, Email};

/// The practice's address on one line, if it has one.
pub(crate) fn office(practice: &PracticeRecord) -> Option<String> {
    let address = practice.address.split_whitespace().collect::<Vec<_>>().join(" ");
    (!address.is_empty()).then_some(address)
}

/// Where the appointment happens, as a calendar shows it.
pub(crate) fn location(format: SessionFormat, practice: &PracticeRecord) -> String {
    match format {
        SessionFormat::Telehealth => "Video session".to_string(),
        SessionFormat::InPerson => office(practice).unwrap_or_else(|| format!("{} (in person)", practice.name)),
    }
}

/// The confirmation of a visitor's booking, with its calendar file and the
/// link by which they may see, cancel or move the appointment.
pub(crate) fn confirmation_email(
    view: &BookingView,
    practice: &PracticeRecord,
    manage_link: &str,
    now: Timestamp,
) -> Email {
    let zone = TimeZone::get(&view.request.visitor_time_zone).unwrap_or(TimeZone::UTC);
    let when = format_local(view.starts_at, &zone);
    let subject = if view.request.discreet_email {
        "Your appointment is confirmed".to_string()
    } else {
        format!("{}: your appointment is confirmed", practice.name)
    };
    let text = format!(
        "Hello {name},\n\nYour appointment on {when} ({format}) is confirmed.\n\n\
         To see, cancel or move it:\n{manage_link}\n\n\
         The attached file adds it to your calendar.\n\n{practice}\n",
        name = view.request.name,
        format = view.format.label(),
        practice = practice.name,
    );
    let event = CalendarEvent {
        uid: format!("{}@sensate", view.request.appointment_id),
        start: view.starts_at,
        end: view.ends_at,
        summary: format!("Appointment with {}", practice.name),
        location: Some(location(view.format, practice)),
        status: AppointmentStatus::Confirmed,
    };
    Email::new(view.request.email.clone(), subject, text)
        .with_message_id(format!("confirmation.{}", view.request.appointment_id))
        .with_attachment(Attachment {
            filename: "appointment.ics".to_string(),
            content_type: "text/calendar; charset=utf-8; method=PUBLISH".to_string(),
            content: invitation(&event, now),
        })
}
