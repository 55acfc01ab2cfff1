//! Writing and sending mail. A [`Letter`] is written once and sent both as
//! plain text and as simple HTML; it is sent after its use case's unit of
//! work has committed.
//!
//! Discretion: subjects, sender names and first lines are what inbox lists
//! and lock screens show, so the use cases keep them free of the service's
//! and the practice's full name unless the person or the practice opted in
//! (see [`sensate_domain::discretion`] and [`MailName`]).
use sensate_store::PracticeRecord;

use crate::App;
use crate::infra::mailer::Email as Mail;

/// An email's words: a greeting, paragraphs and links, a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Letter {
    greeting: String,
    blocks: Vec<Block>,
    signature: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Paragraph(String),
    /// A link the reader is asked to open: what it does, and where.
    Link {
        label: String,
        url: String,
    },
}

impl Letter {
    /// A letter to a person by name, or (`None`) to someone whose name
    /// Sensate does not know.
    pub fn to(name: Option<&str>) -> Self {
        let greeting = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => format!("Hello {name},"),
            None => "Hello,".to_string(),
        };
        Self { greeting, blocks: Vec::new(), signature: None }
    }

    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    pub fn link(mut self, label: impl Into<String>, url: impl Into<String>) -> Self {
        self.blocks.push(Block::Link { label: label.into(), url: url.into() });
        self
    }

    pub fn signed(mut self, signature: impl Into<String>) -> Self {
        self.signature = Some(signature.into());
        self
    }

    /// The plain-text body: a link is its label then the address alone on
    /// a line, so any mail reader can open it.
    pub fn text(&self) -> String {
        let mut out = vec![self.greeting.clone()];
        for block in &self.blocks {
            out.push(match block {
                Block::Paragraph(text) => text.clone(),
                Block::Link { label, url } => format!("{label}:\n{url}"),
            });
        }
        out.extend(self.signature.clone());
        out.join("\n\n") + "\n"
    }

    /// The HTML body: one column of paragraphs with a button-like link,
    /// inline styles only (mail readers drop style sheets), every value
    /// escaped.
    pub fn html(&self) -> String {
        let mut body = format!("<p>{}</p>\n", escape(&self.greeting));
        for block in &self.blocks {
            match block {
                Block::Paragraph(text) => {
                    body.push_str(&format!("<p>{}</p>\n", escape(text).replace('\n', "<br>\n")));
                }
                Block::Link { label, url } => body.push_str(&format!(
                    "<p><a href=\"{url}\" style=\"display:inline-block;padding:12px 20px;background:#1a5f6c;color:#ffffff;\
                     border-radius:8px;text-decoration:none;font-weight:600\">{label}</a></p>\n\
                     <p style=\"font-size:14px;color:#4e5966\">Or copy this address into your browser:<br>{url_text}</p>\n",
                    url = escape(url),
                    label = escape(label),
                    url_text = escape(url),
                )),
            }
        }
        if let Some(signature) = &self.signature {
            body.push_str(&format!("<p style=\"color:#4e5966\">{}</p>\n", escape(signature)));
        }
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\"></head>\n\
             <body style=\"margin:0;padding:24px;background:#fbfaf8;color:#1c2430;\
             font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:16px;line-height:1.6\">\n\
             <div style=\"max-width:560px;margin:0 auto\">\n{body}</div>\n</body></html>\n"
        )
    }

    /// The email to `to`: this letter as text and HTML.
    pub fn mail(&self, to: impl Into<String>, subject: impl Into<String>) -> Mail {
        Mail::new(to, subject, self.text()).with_html(self.html())
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// How an email names a practice: by its full name where the person (or
/// the practice, for reminders) chose mail that says what it is about; by
/// its discreet name otherwise, and not at all when it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MailName {
    name: Option<String>,
    discreet: bool,
}

/// The sender's name and signature of a practice without a discreet name.
const NEUTRAL_SENDER: &str = "Appointments";

impl MailName {
    /// No name: for mail outside any practice.
    pub const NONE: Self = Self { name: None, discreet: true };

    pub fn of(practice: &PracticeRecord, discreet: bool) -> Self {
        let name = if discreet {
            sensate_domain::discretion::mail_name(&practice.name, &practice.sender_name).map(str::to_string)
        } else {
            Some(practice.name.clone())
        };
        Self { name, discreet }
    }

    /// The name, when the practice may be named.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// A subject: as written when discreet; led by the practice's name for
    /// someone who chose mail that says who it is from.
    pub fn subject(&self, text: &str) -> String {
        match (&self.name, self.discreet) {
            (Some(name), false) => {
                let mut chars = text.chars();
                let rest: String = chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default();
                format!("{name}: {rest}")
            }
            _ => text.to_string(),
        }
    }

    /// The sender's display name and the signature.
    pub fn sender(&self) -> &str {
        self.name().unwrap_or(NEUTRAL_SENDER)
    }

    /// " with Harbor Collective", or nothing: for "your appointment with …".
    pub fn with(&self) -> String {
        self.name().map(|name| format!(" with {name}")).unwrap_or_default()
    }
}

impl App {
    /// Sends mail; a failure is logged (without recipient or content) and
    /// does not undo what was already committed.
    pub(crate) async fn send_mail(&self, mail: Mail) -> bool {
        match self.mailer.send(&mail).await {
            Ok(()) => true,
            // Without an SMTP server the operator was told once, at start.
            Err(crate::infra::mailer::MailError::NotConfigured) => false,
            Err(error) => {
                tracing::error!(error = %error, "sending mail failed");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_letter_reads_the_same_as_text_and_as_html() {
        let letter = Letter::to(Some("Ada <Lovelace>"))
            .paragraph("Your appointment on Tue 9 Dec, 10:00 is confirmed.")
            .link("See, cancel or move it", "https://sensate.example/appointments/manage/abc?x=1&y=2")
            .signed("Harbor Collective");
        assert_eq!(
            letter.text(),
            "Hello Ada <Lovelace>,\n\nYour appointment on Tue 9 Dec, 10:00 is confirmed.\n\n\
             See, cancel or move it:\nhttps://sensate.example/appointments/manage/abc?x=1&y=2\n\nHarbor Collective\n"
        );
        let html = letter.html();
        assert!(html.contains("<p>Hello Ada &lt;Lovelace&gt;,</p>"), "{html}");
        assert!(html.contains("href=\"https://sensate.example/appointments/manage/abc?x=1&amp;y=2\""), "{html}");
        assert!(html.contains(">See, cancel or move it</a>"), "{html}");
        assert!(html.contains("Harbor Collective</p>"), "{html}");
        assert_eq!(Letter::to(None).text(), "Hello,\n");
    }

    #[test]
    fn subjects_name_the_practice_only_for_those_who_chose_it() {
        let practice = PracticeRecord {
            id: sensate_domain::PracticeId::new(),
            name: "Harbor Sexual Health Collective".into(),
            time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
            address: String::new(),
            contact_email: String::new(),
            phone: String::new(),
            reminders_name_service: false,
            sender_name: "Harbor Collective".into(),
        };
        let discreet = MailName::of(&practice, true);
        assert_eq!(discreet.subject("Your appointment is confirmed"), "Your appointment is confirmed");
        assert_eq!(discreet.sender(), "Harbor Collective");
        let named = MailName::of(&practice, false);
        assert_eq!(
            named.subject("Your appointment is confirmed"),
            "Harbor Sexual Health Collective: your appointment is confirmed"
        );
        assert_eq!(MailName::NONE.sender(), "Appointments");
        assert_eq!(Letter::to(Some("  ")).text(), "Hello,\n");
    }
}
