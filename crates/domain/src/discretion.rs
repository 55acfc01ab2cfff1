//! What may stand where others can glance at it: an inbox list and preview,
//! a browser tab, a calendar entry. A sex-therapy client's phone may be seen
//! by others, so these name neither the service nor what brings someone to
//! it unless the practice and the person chose otherwise.
use std::fmt;

use crate::validation::{TextError, single_line};

/// Beginnings of words that say what the service is or what it treats.
/// Matched anywhere in a word, so "Sexual", "therapist" and "Psychotherapy"
/// are all caught; a place name that happens to contain one (Essex) is
/// caught too, which errs on the side of discretion.
const SERVICE_WORDS: &[&str] = &[
    "sex", "therap", "intima", "erecti", "orgasm", "libido", "desire", "arousal", "vagin", "vulv", "pelvic",
    "ejaculat", "impoten", "psych", "counsel", "couples", "trauma",
];

/// Whether `text` names the service or a concern it treats.
pub fn names_the_service(text: &str) -> bool {
    let lower = text.to_lowercase();
    SERVICE_WORDS.iter().any(|word| lower.contains(word))
}

/// The name a practice's discreet emails are sent under and signed with,
/// such as "Harbor Collective": shown in inbox lists, so it may not name
/// the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderName(String);

impl SenderName {
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let name = single_line(input, "a sender name", 60)?;
        if names_the_service(&name) {
            return Err(TextError(
                "Inbox lists show this name: choose one that does not say what the practice does, such as its place or initials."
                    .into(),
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SenderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name discreet emails use for a practice: its chosen sender name;
/// else its own name where that names no service; else none at all.
pub fn mail_name<'a>(practice_name: &'a str, sender_name: &'a str) -> Option<&'a str> {
    let chosen = sender_name.trim();
    if !chosen.is_empty() {
        Some(chosen)
    } else if !names_the_service(practice_name) {
        Some(practice_name)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_words_are_found_in_any_case_and_inside_words() {
        for text in [
            "Harbor Sexual Health Collective",
            "THERAPY",
            "Psychotherapy Centre",
            "Couples Counselling",
            "Pelvic health",
        ] {
            assert!(names_the_service(text), "{text}");
        }
        for text in [
            "Harbor Collective",
            "Your appointment is confirmed",
            "Reminder: your appointment on Tue 9 Dec",
            "Dr. Rivera",
        ] {
            assert!(!names_the_service(text), "{text}");
        }
    }

    #[test]
    fn a_sender_name_may_not_name_the_service() {
        assert_eq!(SenderName::parse("  Harbor Collective ").unwrap().as_str(), "Harbor Collective");
        assert!(SenderName::parse("Harbor Sex Therapy").unwrap_err().0.starts_with("Inbox lists show this name"));
        assert_eq!(SenderName::parse("").unwrap_err().0, "Enter a sender name.");
    }

    #[test]
    fn discreet_mail_uses_the_chosen_name_else_a_safe_one() {
        assert_eq!(mail_name("Harbor Sexual Health Collective", "Harbor Collective"), Some("Harbor Collective"));
        assert_eq!(mail_name("Harbor Sexual Health Collective", " "), None);
        assert_eq!(mail_name("Riverside Wellbeing", ""), Some("Riverside Wellbeing"));
    }
}
