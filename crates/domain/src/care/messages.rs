//! Secure messages in a case: who may see each one. A message is for the
//! care team and either one client (a partner writing to the therapist
//! alone, or the therapist answering them alone) or every client of the
//! case. One partner's private messages never reach the other.
use crate::UserId;

/// The longest message, in characters.
pub const MESSAGE_MAX: usize = 5_000;

/// Who besides the care team sees a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every client of the case.
    Everyone,
    /// This client only.
    Only(UserId),
}

impl Audience {
    /// Whether `viewer` sees a message for this audience: the care team
    /// always, a client when it is for everyone or for them.
    pub fn reaches(self, viewer: UserId, viewer_on_team: bool) -> bool {
        viewer_on_team
            || match self {
                Audience::Everyone => true,
                Audience::Only(client) => client == viewer,
            }
    }
}

/// A message's text, checked: not empty, not too long, no control
/// characters but line breaks and tabs. Returns it trimmed.
pub fn check_body(text: &str) -> Result<String, &'static str> {
    let text = text.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return Err("Write a message first.");
    }
    if text.chars().count() > MESSAGE_MAX {
        return Err("Use at most 5000 characters; you can say more in a session.");
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("Remove control characters.");
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_message_reaches_its_client_and_the_team_only() {
        let (robin, jo) = (UserId::new(), UserId::new());
        assert!(Audience::Only(robin).reaches(robin, false));
        assert!(!Audience::Only(robin).reaches(jo, false), "never the other partner");
        assert!(Audience::Only(robin).reaches(jo, true), "the care team sees every message");
        assert!(Audience::Everyone.reaches(jo, false));
    }

    #[test]
    fn a_body_is_one_to_five_thousand_characters() {
        assert_eq!(check_body("  Hello\r\nthere "), Ok("Hello\nthere".into()));
        assert_eq!(check_body("   "), Err("Write a message first."));
        assert!(check_body(&"x".repeat(MESSAGE_MAX + 1)).is_err());
        assert!(check_body("bell\u{7}").is_err());
    }
}
