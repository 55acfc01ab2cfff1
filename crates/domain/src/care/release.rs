//! A release of information: a client's permission for the practice to
//! share named information with a named recipient (a physician, most
//! often, when a physical cause is to be ruled out), for a stated purpose,
//! until a date. The care team asks; each client of the case signs their
//! own, as a consent whose text carries these terms; the signer may revoke
//! it at any time, which stops further sharing.
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use crate::FieldErrors;

/// What a release may cover. Psychotherapy notes are never among them: they
/// are kept apart and never leave the practice (CLINICAL.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SharedInformation {
    Attendance,
    DiagnosisAndPlan,
    Progress,
    Scores,
    HealthHistory,
}

impl SharedInformation {
    pub const ALL: [SharedInformation; 5] = [
        SharedInformation::Attendance,
        SharedInformation::DiagnosisAndPlan,
        SharedInformation::Progress,
        SharedInformation::Scores,
        SharedInformation::HealthHistory,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SharedInformation::Attendance => "attendance",
            SharedInformation::DiagnosisAndPlan => "diagnosis_plan",
            SharedInformation::Progress => "progress",
            SharedInformation::Scores => "scores",
            SharedInformation::HealthHistory => "health_history",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|item| item.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            SharedInformation::Attendance => "Dates of attendance",
            SharedInformation::DiagnosisAndPlan => "Diagnosis and treatment plan",
            SharedInformation::Progress => "A summary of progress",
            SharedInformation::Scores => "Questionnaire scores",
            SharedInformation::HealthHistory => "Health history relevant to the referral",
        }
    }
}

/// Longest recipient and purpose.
pub const RECIPIENT_MAX: usize = 200;
pub const PURPOSE_MAX: usize = 300;
/// How many years a release may last at most, and lasts unless the team
/// chooses another day.
pub const LONGEST_YEARS: i16 = 2;
pub const USUAL_YEARS: i16 = 1;

/// The terms of a release, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseTerms {
    /// Who receives: a name and their role or organisation.
    pub recipient: String,
    /// What may be shared, in the order of [`SharedInformation::ALL`].
    pub shared: Vec<SharedInformation>,
    pub purpose: String,
    /// The last day it allows sharing, in the practice's zone.
    pub expires_on: Date,
}

/// The text on one line, spaces tidied, invisible direction marks dropped,
/// and without a closing full stop (the text it goes into adds its own).
fn one_line(value: &str) -> String {
    let tidy = value.split_whitespace().collect::<Vec<_>>().join(" ");
    tidy.chars()
        .filter(|c| !super::messages::is_direction_mark(*c))
        .collect::<String>()
        .trim_end_matches('.')
        .to_string()
}

/// Checks a release as a care team fills it in, on `today` in the
/// practice's zone. Every mistake is named beside its field.
pub fn check_terms(
    recipient: &str,
    shared: &[String],
    purpose: &str,
    expires_on: &str,
    today: Date,
) -> Result<ReleaseTerms, FieldErrors> {
    let mut errors = FieldErrors::new();
    let recipient = one_line(recipient);
    if recipient.is_empty() || recipient.chars().count() > RECIPIENT_MAX || recipient.chars().any(char::is_control) {
        errors.add(
            "recipient",
            format!("Name who receives the information and their role, in 1 to {RECIPIENT_MAX} characters."),
        );
    }
    let mut items = Vec::new();
    for value in shared {
        match SharedInformation::parse(value.trim()) {
            Some(item) if !items.contains(&item) => items.push(item),
            Some(_) => {}
            None => errors.add("shared", "Choose what may be shared from the list."),
        }
    }
    if items.is_empty() && errors.get("shared").is_none() {
        errors.add("shared", "Choose at least one kind of information that may be shared.");
    }
    items.sort_by_key(|item| SharedInformation::ALL.iter().position(|i| i == item));
    let purpose = one_line(purpose);
    if purpose.is_empty() || purpose.chars().count() > PURPOSE_MAX || purpose.chars().any(char::is_control) {
        errors.add("purpose", format!("Say why it is shared, in 1 to {PURPOSE_MAX} characters."));
    }
    let latest = today.checked_add(LONGEST_YEARS.years()).unwrap_or(Date::MAX);
    let expires = match expires_on.trim().parse::<Date>() {
        Ok(date) if date <= today => {
            errors.add("expires_on", "Choose a day after today.");
            None
        }
        Ok(date) if date > latest => {
            errors.add(
                "expires_on",
                format!("A release lasts at most {LONGEST_YEARS} years: choose {latest} or earlier."),
            );
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            errors.add("expires_on", "Give the last day as a date, such as 2027-06-30.");
            None
        }
    };
    match expires {
        Some(expires_on) if errors.is_empty() => Ok(ReleaseTerms { recipient, shared: items, purpose, expires_on }),
        _ => Err(errors),
    }
}

/// The terms as they follow the document's text in what a client signs.
pub fn terms_text(terms: &ReleaseTerms) -> String {
    let shared = terms.shared.iter().map(|item| item.label()).collect::<Vec<_>>().join("; ");
    format!(
        "Recipient: {}.\n\nInformation that may be shared: {shared}.\n\nPurpose: {}.\n\nThis permission ends at the end of {}, unless you revoke it before.",
        terms.recipient, terms.purpose, terms.expires_on,
    )
}

/// Where one client's release stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseState {
    /// Not signed yet, and not expired.
    Waiting,
    /// Signed and not revoked: sharing is allowed to the end of `until`.
    InForce {
        until: Date,
    },
    Revoked {
        at: Timestamp,
    },
    /// Its last day has passed (signed or not).
    Expired {
        on: Date,
    },
}

impl ReleaseState {
    /// `signed` is the signature's (time, revocation time), if signed.
    pub fn of(signed: Option<(Timestamp, Option<Timestamp>)>, expires_on: Date, today: Date) -> Self {
        match signed {
            Some((_, Some(at))) => ReleaseState::Revoked { at },
            _ if today > expires_on => ReleaseState::Expired { on: expires_on },
            Some((_, None)) => ReleaseState::InForce { until: expires_on },
            None => ReleaseState::Waiting,
        }
    }

    /// Whether the practice may share under it today.
    pub fn allows_sharing(self) -> bool {
        matches!(self, ReleaseState::InForce { .. })
    }
}

/// The last day a release lasts unless the team chooses another.
pub fn usual_expiry(today: Date) -> Date {
    today.checked_add(USUAL_YEARS.years()).unwrap_or(Date::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    const TODAY: Date = date(2026, 12, 7);

    #[test]
    fn terms_are_tidied_and_kept_in_a_fixed_order() {
        let terms = check_terms(
            "  Dr. Lee,   primary care physician ",
            &strings(&["scores", "attendance", "scores"]),
            "Coordinating care: ruling out a physical cause.",
            "2027-12-07",
            TODAY,
        )
        .unwrap();
        assert_eq!(terms.recipient, "Dr. Lee, primary care physician");
        assert_eq!(terms.shared, vec![SharedInformation::Attendance, SharedInformation::Scores]);
        assert_eq!(terms.expires_on, date(2027, 12, 7));
        assert_eq!(terms.purpose, "Coordinating care: ruling out a physical cause", "one full stop, from the text");
        let text = terms_text(&terms);
        assert!(text.contains("Recipient: Dr. Lee, primary care physician."), "{text}");
        assert!(text.contains("Information that may be shared: Dates of attendance; Questionnaire scores."));
        assert!(text.contains("ends at the end of 2027-12-07"));
    }

    #[test]
    fn every_mistake_is_named_beside_its_field() {
        let errors = check_terms(" ", &[], "", "2026-12-07", TODAY).unwrap_err();
        assert!(errors.get("recipient").is_some());
        assert_eq!(errors.get("shared"), Some("Choose at least one kind of information that may be shared."));
        assert!(errors.get("purpose").is_some());
        assert_eq!(errors.get("expires_on"), Some("Choose a day after today."));
        let errors = check_terms("Dr. Lee", &strings(&["notes"]), "Care", "2029-01-01", TODAY).unwrap_err();
        assert_eq!(errors.get("shared"), Some("Choose what may be shared from the list."));
        assert_eq!(errors.get("expires_on"), Some("A release lasts at most 2 years: choose 2028-12-07 or earlier."));
        let errors = check_terms("Dr. Lee\u{7}", &strings(&["progress"]), "Care", "2027-01-01", TODAY).unwrap_err();
        assert!(errors.get("recipient").is_some(), "no control characters");
        let errors = check_terms("Dr. Lee", &strings(&["progress"]), "Care", "next year", TODAY).unwrap_err();
        assert!(errors.get("expires_on").unwrap().contains("as a date"));
        assert!(
            check_terms(&"x".repeat(RECIPIENT_MAX + 1), &strings(&["progress"]), "Care", "2027-01-01", TODAY)
                .unwrap_err()
                .get("recipient")
                .is_some()
        );
    }

    #[test]
    fn a_release_is_in_force_from_its_signature_to_its_last_day_unless_revoked() {
        let signed: Timestamp = "2026-12-07T15:00:00Z".parse().unwrap();
        let last = date(2027, 6, 30);
        assert_eq!(ReleaseState::of(None, last, TODAY), ReleaseState::Waiting);
        assert_eq!(ReleaseState::of(Some((signed, None)), last, TODAY), ReleaseState::InForce { until: last });
        assert!(ReleaseState::of(Some((signed, None)), last, last).allows_sharing(), "the last day counts");
        assert_eq!(ReleaseState::of(Some((signed, None)), last, date(2027, 7, 1)), ReleaseState::Expired { on: last });
        assert_eq!(ReleaseState::of(None, last, date(2027, 7, 1)), ReleaseState::Expired { on: last });
        let revoked = ReleaseState::of(Some((signed, Some(signed))), last, TODAY);
        assert_eq!(revoked, ReleaseState::Revoked { at: signed });
        assert!(!revoked.allows_sharing());
        assert_eq!(usual_expiry(TODAY), date(2027, 12, 7));
    }

    #[test]
    fn keys_read_back() {
        for item in SharedInformation::ALL {
            assert_eq!(SharedInformation::parse(item.as_str()), Some(item));
        }
    }
}
