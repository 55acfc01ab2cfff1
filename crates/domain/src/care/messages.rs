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

/// The largest attachment accepted, in bytes.
pub const ATTACHMENT_MAX_BYTES: usize = 5 * 1024 * 1024;
/// The longest attachment name kept, in characters.
const ATTACHMENT_NAME_MAX: usize = 100;

/// What an attachment is, read from its first bytes (never from its name
/// or the type a browser claims).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentKind {
    Pdf,
    /// PNG or JPEG; stored re-encoded as JPEG.
    Image,
}

impl AttachmentKind {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(AttachmentKind::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(AttachmentKind::Image)
        } else {
            None
        }
    }

    /// The content type it is stored and served as.
    pub fn stored_type(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "application/pdf",
            AttachmentKind::Image => "image/jpeg",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "pdf",
            AttachmentKind::Image => "jpg",
        }
    }
}

/// The name an attachment is kept under: the uploaded name without any
/// folder, control or quoting characters, at most 100 characters, ending in
/// the extension of what it is ("scan.png" re-encoded is "scan.jpg").
pub fn attachment_name(uploaded: &str, kind: AttachmentKind) -> String {
    let base = uploaded.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    let clean: String = stem
        .chars()
        .filter(|c| !c.is_control() && !is_direction_mark(*c) && !matches!(c, '"' | '\\' | '/' | ';'))
        .take(ATTACHMENT_NAME_MAX - 4)
        .collect();
    let clean = clean.trim().trim_start_matches('.');
    let stem = if clean.is_empty() { "attachment" } else { clean };
    format!("{stem}.{}", kind.extension())
}

/// Invisible marks that change the direction text is shown in: in a name
/// they can make "gpj.pdf" read as "fdp.jpg".
pub fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_known_by_their_bytes_and_named_safely() {
        assert_eq!(AttachmentKind::sniff(b"%PDF-1.7 ..."), Some(AttachmentKind::Pdf));
        assert_eq!(AttachmentKind::sniff(b"\x89PNG\r\n\x1a\n...."), Some(AttachmentKind::Image));
        assert_eq!(AttachmentKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(AttachmentKind::Image));
        assert_eq!(AttachmentKind::sniff(b"GIF89a"), None);
        assert_eq!(AttachmentKind::sniff(b"<html>%PDF-"), None, "the start counts, not the name");
        assert_eq!(attachment_name("C:\\Users\\me\\scan.PNG", AttachmentKind::Image), "scan.jpg");
        assert_eq!(attachment_name("../../etc/passwd", AttachmentKind::Pdf), "passwd.pdf");
        assert_eq!(attachment_name("a\"b;c\u{7}.pdf", AttachmentKind::Pdf), "abc.pdf");
        assert_eq!(attachment_name("", AttachmentKind::Pdf), "attachment.pdf");
        assert_eq!(attachment_name("invoice\u{202E}gpj.pdf", AttachmentKind::Pdf), "invoicegpj.pdf");
        assert_eq!(attachment_name(".hidden", AttachmentKind::Pdf), "attachment.pdf");
        assert_eq!(attachment_name(&"x".repeat(300), AttachmentKind::Pdf).chars().count(), 100);
    }

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
