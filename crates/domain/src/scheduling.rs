//! Cases and appointments: the vocabulary the calendar and the dashboards share,
//! and the free times booking offers ([`availability`]).
pub mod attendance;
pub mod availability;
pub mod calendar;
pub mod lifecycle;
pub mod reasons;
pub mod series;
pub mod week;

/// Individual therapy, or a couple seen together (two client accounts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    Individual,
    Couple,
}

impl CaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Individual => "individual",
            CaseKind::Couple => "couple",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [CaseKind::Individual, CaseKind::Couple].into_iter().find(|kind| kind.as_str() == value)
    }
}

/// Where a session happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionFormat {
    InPerson,
    Telehealth,
}

impl SessionFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionFormat::InPerson => "in_person",
            SessionFormat::Telehealth => "telehealth",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [SessionFormat::InPerson, SessionFormat::Telehealth].into_iter().find(|format| format.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            SessionFormat::InPerson => "In person",
            SessionFormat::Telehealth => "Telehealth (video)",
        }
    }
}

/// Who takes part in a kind of session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Participants {
    /// One client.
    Individual,
    /// The two partners of a couple: a booking names the partner.
    Couple,
    /// One client, or a couple.
    Either,
}

impl Participants {
    pub const ALL: [Participants; 3] = [Participants::Individual, Participants::Couple, Participants::Either];

    /// As stored and as forms send it.
    pub fn as_str(self) -> &'static str {
        match self {
            Participants::Individual => "individual",
            Participants::Couple => "couple",
            Participants::Either => "either",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == value)
    }
}

/// The life of an appointment: `Held` (a visitor chose the time and has not
/// yet confirmed their email; lapses to `Expired`), `Requested` (waiting for
/// the clinician), `Confirmed`, then `Completed`, `Cancelled` or `NoShow`.
/// Only `Held`, `Requested` and `Confirmed` occupy the clinician's time; the
/// database refuses two of those that overlap for one clinician.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Held,
    Requested,
    Confirmed,
    Completed,
    Cancelled,
    NoShow,
    Expired,
}

impl AppointmentStatus {
    const ALL: [AppointmentStatus; 7] = [
        AppointmentStatus::Held,
        AppointmentStatus::Requested,
        AppointmentStatus::Confirmed,
        AppointmentStatus::Completed,
        AppointmentStatus::Cancelled,
        AppointmentStatus::NoShow,
        AppointmentStatus::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Held => "held",
            AppointmentStatus::Requested => "requested",
            AppointmentStatus::Confirmed => "confirmed",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
            AppointmentStatus::Expired => "expired",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            AppointmentStatus::Held => "Held for a visitor",
            AppointmentStatus::Requested => "Requested",
            AppointmentStatus::Confirmed => "Confirmed",
            AppointmentStatus::Completed => "Completed",
            AppointmentStatus::Cancelled => "Cancelled",
            AppointmentStatus::NoShow => "Did not attend",
            AppointmentStatus::Expired => "Hold lapsed",
        }
    }

    pub fn occupies_time(self) -> bool {
        matches!(self, AppointmentStatus::Held | AppointmentStatus::Requested | AppointmentStatus::Confirmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_round_trips() {
        for status in AppointmentStatus::ALL {
            assert_eq!(AppointmentStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(SessionFormat::parse("telehealth"), Some(SessionFormat::Telehealth));
        assert_eq!(CaseKind::parse("couple"), Some(CaseKind::Couple));
        assert_eq!(CaseKind::parse("group"), None);
        for participants in Participants::ALL {
            assert_eq!(Participants::parse(participants.as_str()), Some(participants));
        }
        assert_eq!(Participants::parse("group"), None);
        assert!(AppointmentStatus::Confirmed.occupies_time());
        assert!(!AppointmentStatus::Cancelled.occupies_time());
    }
}
