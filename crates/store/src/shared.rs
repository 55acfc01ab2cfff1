//! Conversions between stored values and Sensate's types, shared by the
//! repositories.
use jiff::Timestamp;
use sensate_domain::scheduling::{AppointmentStatus, CaseKind, Participants, SessionFormat};

use crate::AppointmentView;
use crate::StoreError;

pub(crate) fn secs(instant: Timestamp) -> i64 {
    instant.as_second()
}

pub(crate) fn instant(seconds: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_second(seconds).map_err(|_| StoreError::Corrupt(format!("timestamp {seconds} out of range")))
}

pub(crate) fn email(value: &str) -> Result<sensate_domain::Email, StoreError> {
    sensate_domain::Email::parse(value).map_err(|_| StoreError::Corrupt("a stored email address does not parse".into()))
}

pub(crate) fn case_kind(value: &str) -> Result<CaseKind, StoreError> {
    CaseKind::parse(value).ok_or_else(|| StoreError::Corrupt(format!("case kind '{value}'")))
}

pub(crate) fn format(value: &str) -> Result<SessionFormat, StoreError> {
    SessionFormat::parse(value).ok_or_else(|| StoreError::Corrupt(format!("session format '{value}'")))
}

pub(crate) fn participants(value: &str) -> Result<Participants, StoreError> {
    Participants::parse(value).ok_or_else(|| StoreError::Corrupt(format!("session participants '{value}'")))
}

/// A time-zone name as stored: one the zone database no longer knows is
/// corrupt data, never silently UTC.
pub(crate) fn zone(value: &str) -> Result<sensate_domain::practice::TimeZoneName, StoreError> {
    sensate_domain::practice::TimeZoneName::parse(value)
        .map_err(|_| StoreError::Corrupt(format!("time zone '{value}'")))
}

pub(crate) fn status(value: &str) -> Result<AppointmentStatus, StoreError> {
    AppointmentStatus::parse(value).ok_or_else(|| StoreError::Corrupt(format!("appointment status '{value}'")))
}

/// Folds one row per (appointment, client) into one view per appointment,
/// keeping the query's order.
pub(crate) fn fold_appointments(rows: Vec<(AppointmentView, String)>) -> Vec<AppointmentView> {
    let mut views: Vec<AppointmentView> = Vec::new();
    for (view, client) in rows {
        match views.last_mut() {
            Some(last) if last.id == view.id => last.client_names.push(client),
            _ => {
                let mut view = view;
                view.client_names = vec![client];
                views.push(view);
            }
        }
    }
    views
}

/// Whether the client of the case member `member` (a `case_members` alias)
/// attends the appointment `appointment` (an `appointments` alias): every
/// client of the case does, unless the appointment names who attends (a
/// partner's individual session in a couple's case; migration 28). Every
/// query that leads from an appointment to its clients goes through this,
/// so one partner's individual session never reaches the other.
pub(crate) fn attends(appointment: &str, member: &str) -> String {
    format!(
        "(NOT EXISTS (SELECT 1 FROM appointment_attendees aa WHERE aa.appointment_id = {appointment}.id) \
         OR EXISTS (SELECT 1 FROM appointment_attendees aa WHERE aa.appointment_id = {appointment}.id \
         AND aa.client_id = {member}.client_id))"
    )
}

/// The start of a query for appointments with their clients' names, one row
/// per client who attends; the ids follow, then [`UPCOMING_ORDER`].
pub(crate) fn upcoming_select() -> String {
    format!(
        "SELECT a.id, a.starts_at, a.ends_at, a.time_zone, a.format, a.status, \
         c.kind, cl.display_name AS clinician_name, m.display_name AS client_name, \
         (SELECT COUNT(*) FROM appointment_attendees aa WHERE aa.appointment_id = a.id) AS named_attendees \
         FROM appointments a \
         JOIN cases c ON c.id = a.case_id \
         JOIN users cl ON cl.id = a.clinician_id \
         JOIN case_members cm ON cm.case_id = a.case_id AND {} \
         JOIN users m ON m.id = cm.client_id \
         WHERE a.id IN (",
        attends("a", "cm")
    )
}

pub(crate) const UPCOMING_ORDER: &str = ") ORDER BY a.starts_at, a.id, m.display_name";

pub(crate) fn role(value: &str) -> Result<sensate_domain::Role, StoreError> {
    sensate_domain::Role::parse(value).ok_or_else(|| StoreError::Corrupt(format!("role '{value}'")))
}
