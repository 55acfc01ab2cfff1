//! The email that tells a visitor their appointment is confirmed, with the
//! appointment as an `.ics` file their calendar can add. Discreet like every
//! email: the practice, the time and the format; never what brings them.
use jiff::Timestamp;
use sensate_domain::locale::local_time;
use sensate_domain::scheduling::calendar::{CalendarEvent, invitation};
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat};
use sensate_store::{BookingView, PracticeRecord};

use crate::infra::mailer::{Attachment, Email};
use crate::mail::{Letter, MailName};

/// The practice's address on one line, if it has one.
pub(crate) fn office(practice: &PracticeRecord) -> Option<String> {
    let address = practice.address.split_whitespace().collect::<Vec<_>>().join(" ");
    (!address.is_empty()).then_some(address)
}

/// How to reach the practice, as an email says it: its email address and
/// phone, whichever it has.
pub(crate) fn practice_contact(practice: &PracticeRecord) -> Option<String> {
    let ways: Vec<&str> =
        [practice.contact_email.trim(), practice.phone.trim()].into_iter().filter(|w| !w.is_empty()).collect();
    (!ways.is_empty()).then(|| ways.join(" or "))
}

/// Where the appointment happens, as a calendar shows it.
pub(crate) fn location(format: SessionFormat, practice: &PracticeRecord) -> String {
    match format {
        SessionFormat::Telehealth => "Video session".to_string(),
        SessionFormat::InPerson => office(practice).unwrap_or_else(|| "In person".to_string()),
    }
}

/// The confirmation of a visitor's booking, with its calendar file and the
/// link by which they may see, cancel or move the appointment.
pub(crate) fn confirmation_email(
    view: &BookingView,
    practice: &PracticeRecord,
    therapist: &str,
    manage_link: &str,
    now: Timestamp,
) -> Email {
    let zone = view.request.visitor_time_zone.zone().clone();
    let when = local_time(view.starts_at, &zone);
    let discreet = view.request.discreet_email;
    let name = MailName::of(practice, discreet);
    let subject = name.subject("Your appointment is confirmed");
    let place = match view.format {
        SessionFormat::InPerson => match office(practice) {
            Some(address) => format!("in person at {address}"),
            None => "in person".to_string(),
        },
        SessionFormat::Telehealth => "by video".to_string(),
    };
    // The therapist's name and the practice's contact come after what an
    // inbox preview shows.
    let mut letter = Letter::to(Some(&view.request.name))
        .paragraph(format!("Your appointment on {when}, {place}, is confirmed."))
        .link("See, cancel or move it", manage_link)
        .paragraph(format!("The attached file adds it to your calendar. Your therapist: {therapist}."));
    if let Some(contact) = practice_contact(practice) {
        letter = letter.paragraph(format!("Questions? Contact the practice: {contact}."));
    }
    let letter = letter.signed(name.sender());
    // Calendars show the summary in notifications and shared views.
    let event = CalendarEvent {
        uid: format!("{}@sensate", view.request.appointment_id),
        start: view.starts_at,
        end: view.ends_at,
        summary: format!("Appointment{}", name.with()),
        location: Some(location(view.format, practice)),
        status: AppointmentStatus::Confirmed,
    };
    letter
        .mail(view.request.email.clone(), subject)
        .from_name(name.sender())
        .with_message_id(format!("confirmation.{}", view.request.appointment_id))
        .with_attachment(Attachment {
            filename: "appointment.ics".to_string(),
            content_type: "text/calendar; charset=utf-8; method=PUBLISH".to_string(),
            content: invitation(&event, now),
        })
}
