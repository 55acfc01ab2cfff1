//! People and their roles in a practice.
use std::fmt;

use crate::validation::{TextError, single_line};

/// What a person may do in one practice. A person can hold several roles
/// (an owner who also sees clients is owner and clinician).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the practice: settings, staff, billing, audit.
    Owner,
    /// Front desk and billing staff.
    Admin,
    /// A licensed therapist who sees clients.
    Clinician,
    /// A person in therapy (alone, or as one partner of a couple).
    Client,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Clinician, Role::Client];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Clinician => "clinician",
            Role::Client => "client",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Practice owner",
            Role::Admin => "Practice administrator",
            Role::Clinician => "Therapist",
            Role::Client => "Client",
        }
    }

    /// Staff roles see other people's records and must use MFA once it exists.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Client)
    }
}

/// The name shown for a person: what they want to be called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(input: &str) -> Result<Self, TextError> {
        single_line(input, "a name", Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the length policy (NIST SP 800-63B, OWASP ASVS 6.2):
/// 8 to 128 characters, no composition rules, spaces allowed.
#[derive(Clone)]
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least 8 characters; a short phrase of four or more words is easy to remember and hard to guess.")]
    TooShort,
    #[error("Use at most 128 characters.")]
    TooLong,
    #[error(
        "This password is one of the most common and easily guessed. Choose another, such as a phrase of four or more words."
    )]
    Common,
}

/// The bundled list of common passwords (see the header of the data file for
/// its source and licence), lower-cased.
static COMMON_PASSWORDS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    });

/// How many common passwords are refused.
pub fn common_password_count() -> usize {
    COMMON_PASSWORDS.len()
}

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        let count = input.chars().count();
        if count < Self::MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if count > Self::MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        if COMMON_PASSWORDS.contains(input.trim().to_lowercase().as_str()) {
            return Err(PasswordError::Common);
        }
        Ok(Self(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_only_clients_are_not_staff() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
        assert!(!Role::Client.is_staff());
        assert!(Role::Owner.is_staff() && Role::Admin.is_staff() && Role::Clinician.is_staff());
    }

    #[test]
    fn password_length_policy_counts_characters() {
        assert_eq!(Password::parse("short").unwrap_err(), PasswordError::TooShort);
        assert!(Password::parse("ééééééé").is_err());
        assert!(Password::parse("éééééééé").is_ok());
        assert!(Password::parse(&"x".repeat(128)).is_ok());
        assert_eq!(Password::parse(&"x".repeat(129)).unwrap_err(), PasswordError::TooLong);
        assert_eq!(format!("{:?}", Password::parse("correct horse").unwrap()), "Password(<redacted>)");
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert!(common_password_count() >= 10_000, "{}", common_password_count());
        for common in ["password", "Password", "12345678", "iloveyou", "Sunshine", "trustno1", "qwertyuiop"] {
            assert_eq!(Password::parse(common).unwrap_err(), PasswordError::Common, "{common}");
        }
        assert!(Password::parse("a calm harbor at dawn").is_ok());
    }
}
