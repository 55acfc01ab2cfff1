//! Booking, bookable hours, appointments, the week calendar and calendar
//! feeds.
pub(crate) mod api;
pub(crate) mod appointments;
pub(crate) mod availability;
pub(crate) mod booking;
pub(crate) mod calendar;
pub(crate) mod calendar_feed;
pub(crate) mod new_appointment;
pub(crate) mod session_types;
