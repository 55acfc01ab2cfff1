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

pub(crate) const UPCOMING_SELECT: &str = "SELECT a.id, a.starts_at, a.ends_at, a.time_zone, a.format, a.status, \
     c.kind, cl.display_name AS clinician_name, m.display_name AS client_name \
     FROM appointments a \
     JOIN cases c ON c.id = a.case_id \
     JOIN users cl ON cl.id = a.clinician_id \
     JOIN case_members cm ON cm.case_id = a.case_id \
     JOIN users m ON m.id = cm.client_id \
     WHERE a.id IN (";

pub(crate) const UPCOMING_ORDER: &str = ") ORDER BY a.starts_at, a.id, m.display_name";

pub(crate) fn role(value: &str) -> Result<sensate_domain::Role, StoreError> {
    sensate_domain::Role::parse(value).ok_or_else(|| StoreError::Corrupt(format!("role '{value}'")))
}
