//! Scheduling: session types and fees, bookable hours and free times,
//! booking and admission into care, appointments and their changes by
//! staff and by the client's link, the week calendar, calendar feeds and
//! reminders.
pub(crate) mod admission;
pub mod appointments;
pub mod attendees;
pub mod availability;
pub mod booking;
pub mod calendar;
pub mod calendar_feed;
pub(crate) mod coming;
pub(crate) mod confirmation;
pub mod manage;
pub(crate) mod manage_link;
pub mod new_appointments;
pub mod reminders;
pub mod session_types;

/// The use cases of session types, hours, booking, appointments, the calendar,
/// feeds and reminders, on the app: `app.scheduling()`.
#[derive(Clone, Copy)]
pub struct Scheduling<'a> {
    app: &'a crate::App,
}

impl crate::App {
    pub fn scheduling(&self) -> Scheduling<'_> {
        Scheduling { app: self }
    }
}
