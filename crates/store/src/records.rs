//! Rows as the rest of Sensate sees them.
use jiff::Timestamp;
use sensate_domain::scheduling::{AppointmentStatus, CaseKind, SessionFormat};
use sensate_domain::{AppointmentId, CaseId, PracticeId, Role, UserId};

#[derive(Debug, Clone)]
pub struct NewPractice {
    pub id: PracticeId,
    pub name: String,
    pub time_zone: String,
    pub created_at: Timestamp,
}

#[derive(Clone)]
pub struct NewUser {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub created_at: Timestamp,
}

/// What a sign-in needs: never leaves the app layer.
#[derive(Clone)]
pub struct LoginRecord {
    pub id: UserId,
    pub password_hash: String,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct MembershipRecord {
    pub practice_id: PracticeId,
    pub practice_name: String,
    pub practice_time_zone: String,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// A therapist's public-facing profile (the directory extends it).
#[derive(Debug, Clone, PartialEq)]
pub struct TherapistProfile {
    pub user_id: UserId,
    pub practice_id: PracticeId,
    pub display_name: String,
    pub pronouns: String,
    pub credentials: String,
    pub headline: String,
    pub approach: String,
    pub languages: String,
    pub offers_in_person: bool,
    pub offers_telehealth: bool,
    pub accepting_new_clients: bool,
}

#[derive(Debug, Clone)]
pub struct NewCase {
    pub id: CaseId,
    pub practice_id: PracticeId,
    pub clinician_id: UserId,
    pub kind: CaseKind,
    pub members: Vec<UserId>,
    pub opened_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewAppointment {
    pub id: AppointmentId,
    pub practice_id: PracticeId,
    pub case_id: CaseId,
    pub clinician_id: UserId,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub time_zone: String,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    pub created_at: Timestamp,
}

/// An appointment with the names a calendar line shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AppointmentView {
    pub id: AppointmentId,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub time_zone: String,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    pub case_kind: CaseKind,
    pub clinician_name: String,
    /// The case's clients, sorted by name.
    pub client_names: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PracticeSummary {
    pub clinicians: i64,
    pub clients: i64,
    pub open_cases: i64,
    pub upcoming_appointments: i64,
}
