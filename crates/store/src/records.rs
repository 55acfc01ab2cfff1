//! Rows as the rest of Sensate sees them.
use jiff::Timestamp;
use sensate_domain::scheduling::{AppointmentStatus, CaseKind, Participants, SessionFormat};
use sensate_domain::{
    AppointmentId, CaseId, ClientProfileId, Email, OfficeId, PracticeId, Role, SessionTypeId, UserId,
};

#[derive(Debug, Clone)]
pub struct NewPractice {
    pub id: PracticeId,
    pub name: String,
    pub time_zone: sensate_domain::TimeZoneName,
    pub created_at: Timestamp,
}

#[derive(Clone)]
pub struct NewUser {
    pub id: UserId,
    pub email: Email,
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
    pub email: Email,
    pub display_name: String,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct MembershipRecord {
    pub practice_id: PracticeId,
    pub practice_name: String,
    pub practice_time_zone: sensate_domain::practice::TimeZoneName,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// Whether this session has passed a second factor.
    pub mfa_verified: bool,
    /// The practice this session acts in, once its person chose one.
    pub acting_practice: Option<PracticeId>,
}

/// A live session's row with its person and their memberships.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: SessionRecord,
    pub user: UserRecord,
    pub memberships: Vec<MembershipRecord>,
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
    /// `None` for a visitor's request, before it becomes a client's case.
    pub case_id: Option<CaseId>,
    pub clinician_id: UserId,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub time_zone: sensate_domain::TimeZoneName,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    pub created_at: Timestamp,
    pub session_type_id: Option<SessionTypeId>,
    /// When a `Held` appointment lapses unless the visitor confirms.
    pub held_until: Option<Timestamp>,
    /// Who attends, when not every client of the case does (a partner's
    /// individual session in a couple's case). Empty: everyone attends.
    pub attendees: Vec<UserId>,
}

/// What became of an attempt to book a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booking {
    Booked,
    /// Another appointment of the clinician occupies part of that time.
    Taken,
}

/// A clinician's availability, as stored. Times of day are minutes after
/// local midnight in `time_zone`; weekdays are ISO (1 = Monday).
#[derive(Debug, Clone, PartialEq)]
pub struct AvailabilityRecord {
    pub clinician_id: UserId,
    pub time_zone: sensate_domain::TimeZoneName,
    pub buffer_before_minutes: u32,
    pub buffer_after_minutes: u32,
    pub min_notice_minutes: u32,
    pub horizon_days: u32,
    pub max_per_day: Option<u32>,
    pub slot_step_minutes: u32,
    /// Read back by weekday, then start, then format.
    pub weekly: Vec<WeeklyHoursRecord>,
    /// Read back by date, then start.
    pub overrides: Vec<DateOverrideRecord>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyHoursRecord {
    pub weekday: u8,
    pub start_minute: u32,
    pub end_minute: u32,
    pub format: SessionFormat,
    pub office_id: Option<OfficeId>,
}

/// A closed day (`hours: None`), or one window of that day's hours.
#[derive(Debug, Clone, PartialEq)]
pub struct DateOverrideRecord {
    pub day: jiff::civil::Date,
    /// (start minute, end minute, format, office) for an open window.
    pub hours: Option<(u32, u32, SessionFormat, Option<OfficeId>)>,
}

/// What a visitor sends with a booking request. `concern` and `message` are
/// ciphertext (the app encrypts them); empty means not given.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingRequestRecord {
    pub appointment_id: AppointmentId,
    pub session_type_id: SessionTypeId,
    pub name: String,
    pub email: Email,
    pub phone: String,
    pub with_partner: bool,
    /// Given only with a partner, and optional then.
    pub partner_email: Option<Email>,
    pub concern: Option<Vec<u8>>,
    pub message: Option<Vec<u8>>,
    /// "self_pay", a payer slug, or empty.
    pub payment: String,
    pub voicemail_ok: bool,
    pub discreet_email: bool,
    /// Where the visitor will be for a video session (a jurisdiction id), or empty.
    pub jurisdiction: String,
    pub visitor_time_zone: sensate_domain::practice::TimeZoneName,
    pub created_at: Timestamp,
    pub email_confirmed_at: Option<Timestamp>,
}

/// A booking request with its appointment, as the clinician and the
/// confirmation page see it.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingView {
    pub request: BookingRequestRecord,
    pub practice_id: PracticeId,
    pub clinician_id: UserId,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    pub held_until: Option<Timestamp>,
}

/// A kind of session a practice offers.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionTypeRecord {
    pub id: SessionTypeId,
    pub practice_id: PracticeId,
    pub name: String,
    pub duration_minutes: u32,
    pub fee_cents: Option<i64>,
    pub in_person: bool,
    pub telehealth: bool,
    /// "individual", "couple" or "either".
    pub participants: Participants,
    /// A short first consultation, often free.
    pub trial: bool,
    /// New bookings wait for the clinician's approval.
    pub needs_approval: bool,
    pub active: bool,
    pub created_at: Timestamp,
}

/// An appointment with the names a calendar line shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AppointmentView {
    pub id: AppointmentId,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub time_zone: sensate_domain::TimeZoneName,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    pub case_kind: CaseKind,
    pub clinician_name: String,
    /// The clients who attend, sorted by name.
    pub client_names: Vec<String>,
    /// Not everyone in the case attends: a partner's individual session in
    /// a couple's case.
    pub partners_own: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PracticeSummary {
    pub clinicians: i64,
    pub clients: i64,
    pub open_cases: i64,
    pub upcoming_appointments: i64,
}

/// An invitation as stored (the token itself is only in the emailed link).
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub token_hash: String,
    pub practice_id: PracticeId,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    /// For a client: the case they join when they accept.
    pub case_id: Option<CaseId>,
    /// The account made for a visitor whose booking was accepted (they
    /// confirmed their address): accepting sets its password.
    pub account: Option<UserId>,
    pub invited_by: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct InvitationRecord {
    pub practice_id: PracticeId,
    pub practice_name: String,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub case_id: Option<CaseId>,
    /// See [`NewInvitation::account`].
    pub account: Option<UserId>,
    pub expires_at: Timestamp,
}

/// Someone invited into a case who has not joined it yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingInvitation {
    pub display_name: String,
    pub expires_at: Timestamp,
}

/// A line of the practice's invitation list.
#[derive(Debug, Clone)]
pub struct InvitationSummary {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub accepted: bool,
}

/// A person of the practice, for the staff's people list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: UserId,
    pub display_name: String,
    pub email: Email,
    pub roles: Vec<Role>,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct MfaRecord {
    /// The TOTP secret, encrypted.
    pub secret: Vec<u8>,
    pub confirmed: bool,
    pub last_used_step: Option<i64>,
}

/// One audit event before it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: Timestamp,
    pub actor_id: Option<UserId>,
    pub practice_id: Option<PracticeId>,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub ip: String,
    pub outcome: String,
}

/// An audit row as stored, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
    /// How `hash` was computed ([`crate::audit::SCHEME_KEYED`] for every new entry).
    pub scheme: i32,
}

/// Filters for the audit log page.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub practice_id: Option<PracticeId>,
    pub actor_id: Option<UserId>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// What authorization needs to know about a client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientFacts {
    /// Therapists of the client's open cases.
    pub clinicians: Vec<UserId>,
    /// The other members of the client's couple cases.
    pub partners: Vec<UserId>,
}

#[derive(Debug, Clone)]
pub struct NoteRecord {
    pub id: sensate_domain::NoteId,
    pub author_id: UserId,
    pub body: Vec<u8>,
    pub created_at: Timestamp,
}

/// What a practice keeps about one of its clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientProfile {
    pub id: ClientProfileId,
    /// Sealed, bound to the profile's id.
    pub contact_preferences: Option<Vec<u8>>,
}

/// The columns that hold encrypted text (for key rotation and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptedColumn {
    ClientContactPreferences,
    ClinicalNoteBody,
    TotpSecret,
    BookingConcern,
    BookingMessage,
    AppointmentLinkToken,
    IntakeAnswers,
    MessageBody,
    AttachmentName,
    AttachmentData,
}

impl EncryptedColumn {
    pub const ALL: [EncryptedColumn; 10] = [
        EncryptedColumn::ClientContactPreferences,
        EncryptedColumn::ClinicalNoteBody,
        EncryptedColumn::TotpSecret,
        EncryptedColumn::BookingConcern,
        EncryptedColumn::BookingMessage,
        EncryptedColumn::AppointmentLinkToken,
        EncryptedColumn::IntakeAnswers,
        EncryptedColumn::MessageBody,
        EncryptedColumn::AttachmentName,
        EncryptedColumn::AttachmentData,
    ];

    /// (table, column, key column): what the encryption's associated data binds.
    pub fn location(self) -> (&'static str, &'static str, &'static str) {
        match self {
            EncryptedColumn::ClientContactPreferences => ("client_profiles", "contact_preferences", "id"),
            EncryptedColumn::ClinicalNoteBody => ("clinical_notes", "body", "id"),
            EncryptedColumn::TotpSecret => ("mfa_totp", "secret", "user_id"),
            EncryptedColumn::BookingConcern => ("booking_requests", "concern", "appointment_id"),
            EncryptedColumn::BookingMessage => ("booking_requests", "message", "appointment_id"),
            EncryptedColumn::AppointmentLinkToken => ("appointment_links", "sealed_token", "appointment_id"),
            EncryptedColumn::IntakeAnswers => ("intake_forms", "answers", "id"),
            EncryptedColumn::MessageBody => ("messages", "body", "id"),
            EncryptedColumn::AttachmentName => ("message_attachments", "file_name", "id"),
            EncryptedColumn::AttachmentData => ("message_attachments", "data", "id"),
        }
    }
}

/// A practice's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeRecord {
    pub id: PracticeId,
    pub name: String,
    pub time_zone: sensate_domain::TimeZoneName,
    pub address: String,
    pub contact_email: String,
    pub phone: String,
    /// Reminder emails may say what the appointment is for (a therapy
    /// session); by default they name only the practice and the time.
    pub reminders_name_service: bool,
    /// The name discreet emails are sent under and signed with; empty when
    /// the practice has not chosen one.
    pub sender_name: String,
}

/// A therapist's directory photo: a JPEG encoded by Sensate.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoRecord {
    pub user_id: UserId,
    pub image: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub updated_at: Timestamp,
}

/// Who verified a licence or certification, when and how (for example
/// "checked the state board's online register").
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub at: Timestamp,
    pub by: UserId,
    pub method: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LicenceRecord {
    pub id: sensate_domain::CredentialId,
    pub user_id: UserId,
    pub practice_id: PracticeId,
    /// A licence-type slug from the reference data, e.g. `lmft`.
    pub licence_type: String,
    pub number: String,
    /// A jurisdiction id, e.g. `US-NY`.
    pub jurisdiction: String,
    pub expires_on: jiff::civil::Date,
    pub verification: Option<Verification>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CertificationRecord {
    pub id: sensate_domain::CredentialId,
    pub user_id: UserId,
    pub practice_id: PracticeId,
    /// A certifying-body slug, e.g. `aasect`.
    pub body: String,
    pub credential_id: String,
    pub expires_on: Option<jiff::civil::Date>,
    pub verification: Option<Verification>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OfficeRecord {
    pub id: OfficeId,
    pub label: String,
    pub address: String,
    pub postal_code: String,
    pub lat: f64,
    pub lon: f64,
    pub accessibility: String,
}

/// Everything the directory knows about one therapist.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryProfileRecord {
    pub profile: TherapistProfile,
    pub gender: String,
    pub sees_individuals: bool,
    pub sees_couples: bool,
    pub affirming_lgbtq: bool,
    pub kink_aware: bool,
    pub cnm_affirming: bool,
    pub min_fee_cents: Option<i64>,
    pub sliding_scale: bool,
    pub free_consultation: bool,
    pub superbill: bool,
    /// Concern slugs, sorted.
    pub concerns: Vec<String>,
    /// Language codes, sorted.
    pub language_codes: Vec<String>,
    /// Payer slugs (in network), sorted.
    pub payers: Vec<String>,
    pub offices: Vec<OfficeRecord>,
    pub licences: Vec<LicenceRecord>,
    pub certifications: Vec<CertificationRecord>,
}

/// A person's role in a practice, to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMembership {
    pub practice_id: PracticeId,
    pub user_id: UserId,
    pub role: Role,
    pub created_at: Timestamp,
}

/// Practices, people and complete directory profiles (with their offices,
/// licences, certifications and any verification) to add in one
/// transaction: how a directory is loaded in bulk. Rows are inserted in the
/// order practices, users, memberships, profiles, so a batch may refer to
/// practices and people of the same batch or of earlier ones.
#[derive(Clone, Default)]
pub struct DirectoryImport {
    pub practices: Vec<NewPractice>,
    pub users: Vec<NewUser>,
    pub memberships: Vec<NewMembership>,
    pub profiles: Vec<DirectoryProfileRecord>,
}
