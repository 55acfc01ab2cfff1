//! Sensate's domain: pure types and rules. Nothing here performs I/O or reads
//! the system clock; callers pass the current time in (see [`clock::Clock`]).
pub mod care;
pub mod clock;
pub mod directory;
pub mod discretion;
pub mod email;
pub mod ids;
pub mod locale;
pub mod people;
pub mod policy;
pub mod practice;
pub mod scheduling;
pub mod totp;
pub mod validation;

pub use clock::Clock;
pub use email::Email;
pub use ids::{
    AppointmentId, CaseId, ClientProfileId, ConsentDocumentId, CredentialId, JobId, NoteId, OfficeId, PracticeId,
    ReleaseId, SeriesId, SessionTypeId, SignatureId, UserId,
};
pub use locale::Locale;
pub use people::{DisplayName, Password, Role};
pub use practice::{PracticeName, TimeZoneName};
pub use validation::FieldErrors;
