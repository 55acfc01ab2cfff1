//! Random, non-guessable identifiers (UUIDv7: unique, roughly time-ordered for
//! index locality, with 74 random bits). Knowing an id never grants access:
//! authorization is checked on every use.
use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A practice: the tenant every clinical record belongs to.
    PracticeId
);
id_type!(
    /// A person with an account: staff or client.
    UserId
);
id_type!(
    /// A case: one individual client, or the two partners of a couple.
    CaseId
);
id_type!(
    /// One appointment on a clinician's calendar.
    AppointmentId
);
id_type!(
    /// A licence or a certification on a therapist's directory profile.
    CredentialId
);
id_type!(
    /// A therapist's private clinical note about a client.
    NoteId
);
id_type!(
    /// One published version of a practice's consent document.
    ConsentDocumentId
);
id_type!(
    /// A person's electronic signature of a consent, with the text it froze.
    SignatureId
);
id_type!(
    /// A release of information a care team asked a case's clients to
    /// sign: who may receive what, why, and until when.
    ReleaseId
);
id_type!(
    /// A weekly or fortnightly series of appointments added together.
    SeriesId
);
id_type!(
    /// A job on the durable queue (a reminder to send).
    JobId
);
id_type!(
    /// A kind of session a practice offers (length, fee, formats).
    SessionTypeId
);
id_type!(
    /// What one practice keeps about one of its clients (their contact
    /// preferences): a client of two practices has two.
    ClientProfileId
);
id_type!(
    /// One of a therapist's offices, where in-person sessions take place.
    OfficeId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_are_distinct() {
        let a = UserId::new();
        let b = UserId::new();
        assert_ne!(a, b);
        let parsed: UserId = a.to_string().parse().unwrap();
        assert_eq!(parsed, a);
        assert!("not-an-id".parse::<UserId>().is_err());
    }
}
