//! Outgoing email: plain-text messages handed to an SMTP relay, or kept in
//! an in-memory outbox in demo mode.
//!
//! Recipients and bodies can identify people (and a reminder's wording can
//! reveal that someone is in therapy), so neither ever appears in `Debug`
//! output or in error messages. Mail URLs can carry a password, so errors
//! about them never repeat the URL.
//!
//! ```text
//! smtp://relay.internal:25               plain SMTP, for local relays and tests
//! smtp+starttls://user:pass@host:587     STARTTLS required before anything is sent
//! smtps://user:pass@host:465             implicit TLS
//! ```
use std::collections::VecDeque;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sensate_domain::Clock;

/// How long to wait for the relay: for the connection and for each reply.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// How many emails the demo outbox keeps; older ones are forgotten.
pub const OUTBOX_CAPACITY: usize = 200;

/// An email to one recipient: plain text, optionally the same in simple
/// HTML, optionally with attachments.
#[derive(Clone, PartialEq, Eq)]
pub struct Email {
    /// An address, optionally with a display name: `Ada <ada@example.org>`.
    pub to: String,
    pub subject: String,
    pub text: String,
    /// The same message as HTML, sent beside the text as an alternative.
    pub html: Option<String>,
    /// The sender's display name for this email (a practice's discreet
    /// name), in place of the configured one; the address stays the same.
    pub from_name: Option<String>,
    /// The left part of a stable `Message-ID` (the sender's domain is
    /// added), so a message sent again after a crash is recognisable as the
    /// same one; `None` gives each sending a new random id.
    pub message_id: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// A file sent with an email, e.g. an appointment's `.ics`.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    /// A MIME type with its parameters: `text/calendar; charset=utf-8; method=PUBLISH`.
    pub content_type: String,
    pub content: String,
}

impl Email {
    pub fn new(to: impl Into<String>, subject: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            to: to.into(),
            subject: subject.into(),
            text: text.into(),
            html: None,
            from_name: None,
            message_id: None,
            attachments: Vec::new(),
        }
    }

    pub fn with_html(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self
    }

    pub fn from_name(mut self, name: impl Into<String>) -> Self {
        self.from_name = Some(name.into());
        self
    }

    pub fn with_message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }

    pub fn with_attachment(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = f.debug_struct("Email");
        shown
            .field("to", &"<redacted>")
            .field("subject", &self.subject)
            .field("text", &format_args!("<redacted, {} bytes>", self.text.len()));
        if let Some(html) = &self.html {
            shown.field("html", &format_args!("<redacted, {} bytes>", html.len()));
        }
        // Attachments can name the practice and the time: their size only.
        if !self.attachments.is_empty() {
            let sizes: Vec<usize> = self.attachments.iter().map(|a| a.content.len()).collect();
            shown.field("attachments", &format_args!("<redacted, {sizes:?} bytes>"));
        }
        shown.finish()
    }
}

/// Why an email was not sent. Messages never contain the recipient, the body
/// or a password.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid mail URL: {0}")]
    InvalidUrl(String),
    #[error(
        "unsupported mail URL scheme {0:?}: use smtp:// (plain), smtp+starttls:// (STARTTLS required) or smtps:// (implicit TLS)"
    )]
    UnsupportedScheme(String),
    #[error("invalid sender address {address:?}: {reason}")]
    InvalidFrom { address: String, reason: String },
    #[error("invalid recipient address: {0}")]
    InvalidRecipient(String),
    #[error("the subject and the sender's name must be single lines")]
    InvalidSubject,
    #[error("the email could not be composed: {0}")]
    Compose(String),
    #[error("could not reach the mail server: {0}")]
    Connection(String),
    #[error("timed out waiting for the mail server")]
    Timeout,
    #[error("TLS with the mail server failed: {0}")]
    Tls(String),
    /// The server answered 4xx: trying again later may work.
    #[error("the mail server deferred the message (reply code {0})")]
    Deferred(String),
    /// The server answered 5xx: trying again will not help.
    #[error("the mail server rejected the message (reply code {0})")]
    Rejected(String),
    #[error("the SMTP exchange failed: {0}")]
    Protocol(String),
    /// The server was started without an SMTP server: nothing is emailed,
    /// and trying again will not help. The operator is told once, at start.
    #[error("no SMTP server is configured (--smtp-url)")]
    NotConfigured,
}

impl MailError {
    /// Whether sending the same email again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Connection(_) | Self::Timeout | Self::Deferred(_) | Self::Protocol(_))
    }
}

impl From<lettre::transport::smtp::Error> for MailError {
    fn from(error: lettre::transport::smtp::Error) -> Self {
        // A server's reply text may quote the recipient ("550 <ada@…>: no such
        // user"), so only the reply code is kept. Network and TLS errors come
        // from the local stack and carry no message content.
        if let Some(code) = error.status() {
            return if error.is_permanent() {
                Self::Rejected(code.to_string())
            } else {
                Self::Deferred(code.to_string())
            };
        }
        if error.is_timeout() {
            Self::Timeout
        } else if error.is_tls() {
            Self::Tls(error.to_string())
        } else if error.is_response() {
            Self::Protocol("the mail server sent a reply that could not be understood".into())
        } else if error.is_client() {
            Self::Protocol(error.to_string())
        } else {
            Self::Connection(error.to_string())
        }
    }
}

/// Sends email. Implementations: [`SmtpMailer`] and, in demo mode,
/// [`OutboxMailer`].
#[async_trait::async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, email: &Email) -> Result<(), MailError>;
}

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: no encryption. For relays on the same machine or network.
    Plain,
    /// `smtp+starttls://`: the server must upgrade with STARTTLS before
    /// credentials or mail are sent.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    ImplicitTls,
}

impl SmtpSecurity {
    fn scheme(self) -> &'static str {
        match self {
            Self::Plain => "smtp",
            Self::StartTls => "smtp+starttls",
            Self::ImplicitTls => "smtps",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Self::Plain => 25,
            Self::StartTls => 587,
            Self::ImplicitTls => 465,
        }
    }
}

/// Sends email through an SMTP relay, one connection per email, with
/// certificates checked against the bundled Mozilla roots.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
    port: u16,
    security: SmtpSecurity,
    authenticated: bool,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("relay", &format_args!("{}://{}:{}", self.security.scheme(), self.host, self.port))
            .field("authenticated", &self.authenticated)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for the relay at `url`, sending as `from`
    /// (`noreply@example.org` or `Practice Name <noreply@example.org>`).
    ///
    /// The port defaults to 25, 587 or 465 by scheme. A user name and
    /// password in the URL are percent-decoded; they are only accepted with
    /// TLS, or over plain SMTP to a loopback address.
    pub fn from_url(url: &str, from: &str) -> Result<Self, MailError> {
        let from_mailbox: Mailbox = from
            .trim()
            .parse()
            .map_err(|e| MailError::InvalidFrom { address: from.to_string(), reason: format!("{e}") })?;
        let relay = Relay::parse(url)?;

        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&relay.host)
            .port(relay.port)
            .timeout(Some(SMTP_TIMEOUT));
        builder = match relay.security {
            SmtpSecurity::Plain => builder.tls(Tls::None),
            SmtpSecurity::StartTls => builder.tls(Tls::Required(relay.tls_parameters()?)),
            SmtpSecurity::ImplicitTls => builder.tls(Tls::Wrapper(relay.tls_parameters()?)),
        };
        let authenticated = relay.credentials.is_some();
        if let Some((user, password)) = relay.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }

        Ok(Self {
            transport: builder.build(),
            from: from_mailbox,
            host: relay.host,
            port: relay.port,
            security: relay.security,
            authenticated,
        })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn security(&self) -> SmtpSecurity {
        self.security
    }

    /// The message as it goes on the wire: headers; the plain-text UTF-8
    /// body, or a `multipart/alternative` of it and its HTML; and when there
    /// are attachments a `multipart/mixed` of that and them.
    fn compose(&self, email: &Email) -> Result<Message, MailError> {
        let to = check(email)?;
        let local = email.message_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let message_id = format!("<{local}@{}>", self.from.email.domain());
        let from = match &email.from_name {
            Some(name) => Mailbox::new(Some(name.clone()), self.from.email.clone()),
            None => self.from.clone(),
        };
        let builder = Message::builder().from(from).to(to).subject(email.subject.as_str()).message_id(Some(message_id));
        let body = match &email.html {
            Some(html) => Body::Alternative(MultiPart::alternative_plain_html(email.text.clone(), html.clone())),
            None => Body::Text(SinglePart::plain(email.text.clone())),
        };
        let composed = match (body, email.attachments.is_empty()) {
            (Body::Text(_), true) => builder.header(ContentType::TEXT_PLAIN).body(email.text.clone()),
            (Body::Alternative(alternative), true) => builder.multipart(alternative),
            (body, false) => {
                let mut parts = match body {
                    Body::Text(text) => MultiPart::mixed().singlepart(text),
                    Body::Alternative(alternative) => MultiPart::mixed().multipart(alternative),
                };
                for attachment in &email.attachments {
                    let kind = ContentType::parse(&attachment.content_type)
                        .map_err(|e| MailError::Compose(format!("attachment type: {e}")))?;
                    parts = parts.singlepart(
                        lettre::message::Attachment::new(attachment.filename.clone())
                            .body(attachment.content.clone(), kind),
                    );
                }
                builder.multipart(parts)
            }
        };
        composed.map_err(|e| MailError::Compose(e.to_string()))
    }
}

/// An email's readable content before attachments.
enum Body {
    Text(SinglePart),
    Alternative(MultiPart),
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let message = self.compose(email)?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// What a mail URL says, credentials decoded.
struct Relay {
    security: SmtpSecurity,
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

impl Relay {
    fn parse(raw: &str) -> Result<Self, MailError> {
        // `url`'s error messages describe the problem without quoting the input.
        let url = url::Url::parse(raw.trim()).map_err(|e| MailError::InvalidUrl(e.to_string()))?;
        let security = match url.scheme() {
            "smtp" => SmtpSecurity::Plain,
            "smtp+starttls" => SmtpSecurity::StartTls,
            "smtps" => SmtpSecurity::ImplicitTls,
            other => return Err(MailError::UnsupportedScheme(other.to_string())),
        };
        let (host, loopback) = match url.host() {
            // Hosts of non-special schemes stay opaque: `127.0.0.1` arrives here.
            Some(url::Host::Domain(name)) if !name.is_empty() => {
                let loopback =
                    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
                (name.to_string(), loopback)
            }
            Some(url::Host::Ipv4(ip)) => (ip.to_string(), ip.is_loopback()),
            Some(url::Host::Ipv6(ip)) => (ip.to_string(), IpAddr::V6(ip).is_loopback()),
            _ => return Err(MailError::InvalidUrl("the host is missing".into())),
        };
        if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
            return Err(MailError::InvalidUrl(
                "only scheme, credentials, host and port are allowed (no path, ?query or #fragment); for STARTTLS use smtp+starttls://".into(),
            ));
        }
        let port = url.port().unwrap_or(security.default_port());

        let user = decode(url.username(), "user name")?;
        let password = decode(url.password().unwrap_or(""), "password")?;
        let credentials = match (user.is_empty(), password.is_empty()) {
            (true, true) => None,
            (false, _) => Some((user, password)),
            (true, false) => {
                return Err(MailError::InvalidUrl("a password was given without a user name".into()));
            }
        };
        if credentials.is_some() && security == SmtpSecurity::Plain && !loopback {
            return Err(MailError::InvalidUrl(
                "credentials would travel unencrypted: use smtp+starttls:// or smtps://".into(),
            ));
        }

        Ok(Self { security, host, port, credentials })
    }

    fn tls_parameters(&self) -> Result<TlsParameters, MailError> {
        TlsParameters::new(self.host.clone()).map_err(|e| MailError::Tls(e.to_string()))
    }
}

fn decode(raw: &str, what: &str) -> Result<String, MailError> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| MailError::InvalidUrl(format!("the {what} is not valid percent-encoded UTF-8")))
}

/// The checks every mailer makes, so demo mode fails where production would.
fn check(email: &Email) -> Result<Mailbox, MailError> {
    if email.subject.contains(['\r', '\n']) || email.from_name.as_deref().is_some_and(|n| n.contains(['\r', '\n'])) {
        return Err(MailError::InvalidSubject);
    }
    email.to.trim().parse().map_err(|e| MailError::InvalidRecipient(format!("{e}")))
}

/// An email the demo outbox kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEmail {
    pub email: Email,
    pub sent_at: Timestamp,
}

/// The demo-mode mailer: keeps the last [`OUTBOX_CAPACITY`] emails in memory
/// so they can be read on the local outbox page instead of being sent.
#[derive(Clone)]
pub struct OutboxMailer {
    sent: Arc<Mutex<VecDeque<SentEmail>>>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for OutboxMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxMailer").field("kept", &self.lock().len()).finish_non_exhaustive()
    }
}

impl OutboxMailer {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { sent: Arc::new(Mutex::new(VecDeque::with_capacity(OUTBOX_CAPACITY))), clock }
    }

    /// The kept emails, oldest first.
    pub fn list(&self) -> Vec<SentEmail> {
        self.lock().iter().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<SentEmail>> {
        // The queue stays consistent even if a holder panicked.
        self.sent.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        check(email)?;
        let sent = SentEmail { email: email.clone(), sent_at: self.clock.now() };
        let mut queue = self.lock();
        while queue.len() >= OUTBOX_CAPACITY {
            queue.pop_front();
        }
        queue.push_back(sent);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;
    use sensate_testkit::FakeClock;

    const FROM: &str = "Praxis Example <noreply@practice.example>";

    fn error(url: &str) -> String {
        SmtpMailer::from_url(url, FROM).unwrap_err().to_string()
    }

    #[test]
    fn url_schemes_choose_security_and_default_ports() {
        let cases = [
            ("smtp://127.0.0.1:2525", SmtpSecurity::Plain, "127.0.0.1", 2525),
            ("smtp://mail.internal", SmtpSecurity::Plain, "mail.internal", 25),
            ("smtp+starttls://smtp.example.org", SmtpSecurity::StartTls, "smtp.example.org", 587),
            ("smtps://smtp.example.org:2465/", SmtpSecurity::ImplicitTls, "smtp.example.org", 2465),
            ("smtp://[::1]:2525", SmtpSecurity::Plain, "::1", 2525),
        ];
        for (url, security, host, port) in cases {
            let mailer = SmtpMailer::from_url(url, FROM).unwrap();
            assert_eq!(mailer.security(), security, "{url}");
            assert_eq!(mailer.host(), host, "{url}");
            assert_eq!(mailer.port(), port, "{url}");
        }
    }

    #[test]
    fn bad_urls_are_explained() {
        assert!(error("http://mail.example.org").contains("unsupported mail URL scheme \"http\""));
        assert!(error("smtp+ssl://mail.example.org").contains("smtp+starttls://"));
        assert!(error("mail.example.org:25").starts_with("unsupported mail URL scheme"));
        assert!(error("").starts_with("invalid mail URL"));
        assert!(error("smtp://").contains("host"));
        assert!(error("smtp://mail.example.org:99999").starts_with("invalid mail URL"));
        // lettre's own syntax would silently mean something else here.
        assert!(error("smtp://mail.example.org:587?tls=required").contains("smtp+starttls://"));
    }

    #[test]
    fn credentials_are_decoded_and_never_echoed() {
        let mailer =
            SmtpMailer::from_url("smtps://mailer%40practice.example:s3cr%3At%2Fpw@smtp.example.org", FROM).unwrap();
        assert!(mailer.authenticated);
        let shown = format!("{mailer:?}");
        assert!(shown.contains("smtps://smtp.example.org:465"), "{shown}");
        assert!(!shown.contains("s3cr"), "{shown}");
        assert!(!shown.contains("mailer%40"), "{shown}");

        let bad = [
            "ftp://alice77:hunter2@mail.example.org",
            "smtp://alice77:hunter2@mail.example.org",
            "smtps://alice77:hunter2@mail.example.org:70000",
            "smtps://alice77:hunter2@mail.example.org/path",
            "smtps://:hunter2@mail.example.org",
            "smtps://alice77:hunter2%ff@mail.example.org",
            "smtps://alice77:hunter2@",
        ];
        for url in bad {
            let message = error(url);
            assert!(!message.contains("hunter2"), "{url}: {message}");
            assert!(!message.contains("alice77"), "{url}: {message}");
        }
        assert!(error("smtp://alice77:hunter2@mail.example.org").contains("unencrypted"));
        // A relay on the same machine may ask for a password over plain SMTP.
        assert!(SmtpMailer::from_url("smtp://user:pw@127.0.0.1:25", FROM).is_ok());
        assert!(SmtpMailer::from_url("smtp://user:pw@localhost:25", FROM).is_ok());
    }

    #[test]
    fn sender_addresses_are_checked() {
        assert!(SmtpMailer::from_url("smtp://127.0.0.1", "noreply@practice.example").is_ok());
        let message = SmtpMailer::from_url("smtp://127.0.0.1", "Practice <not an address>").unwrap_err().to_string();
        assert!(message.starts_with("invalid sender address"), "{message}");
    }

    #[test]
    fn composed_messages_are_plain_utf8_text_with_a_message_id_of_the_sender_domain() {
        let mailer = SmtpMailer::from_url("smtp://127.0.0.1:2525", FROM).unwrap();
        let message =
            mailer.compose(&Email::new("Ada <ada@example.org>", "Your appointment", "Café at 10:00")).unwrap();
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8\r\n"), "{raw}");
        assert!(raw.contains("@practice.example>\r\n"), "{raw}");
        assert!(raw.contains("To: Ada <ada@example.org>\r\n"), "{raw}");
        assert_eq!(message.envelope().to(), ["ada@example.org".parse::<lettre::Address>().unwrap()]);
    }

    #[test]
    fn a_stable_message_id_and_a_calendar_attachment_make_a_multipart_message() {
        let mailer = SmtpMailer::from_url("smtp://127.0.0.1:2525", FROM).unwrap();
        let email = Email::new("ada@example.org", "Your appointment", "See you then.")
            .with_message_id("reminder.0193abc")
            .with_attachment(Attachment {
                filename: "appointment.ics".into(),
                content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
                content: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
            });
        let raw = String::from_utf8(mailer.compose(&email).unwrap().formatted()).unwrap();
        assert!(raw.contains("Message-ID: <reminder.0193abc@practice.example>\r\n"), "{raw}");
        assert!(raw.contains("Content-Type: multipart/mixed;"), "{raw}");
        assert!(raw.contains("Content-Type: text/calendar; charset=utf-8; method=PUBLISH"), "{raw}");
        assert!(raw.contains("filename=\"appointment.ics\""), "{raw}");
        // The same email composed again carries the same id.
        let again = String::from_utf8(mailer.compose(&email).unwrap().formatted()).unwrap();
        assert!(again.contains("Message-ID: <reminder.0193abc@practice.example>\r\n"));
        let shown = format!("{email:?}");
        assert!(!shown.contains("VCALENDAR") && shown.contains("attachments"), "{shown}");
    }

    #[test]
    fn an_html_part_goes_beside_the_text_under_the_practice_name() {
        let mailer = SmtpMailer::from_url("smtp://127.0.0.1:2525", FROM).unwrap();
        let email = Email::new("ada@example.org", "Your appointment", "See you then.")
            .with_html("<p>See you then.</p>")
            .from_name("Harbor Collective");
        let raw = String::from_utf8(mailer.compose(&email).unwrap().formatted()).unwrap();
        assert!(raw.contains("From: \"Harbor Collective\" <noreply@practice.example>\r\n"), "{raw}");
        assert!(raw.contains("Content-Type: multipart/alternative;"), "{raw}");
        let text = raw.find("Content-Type: text/plain").unwrap();
        let html = raw.find("Content-Type: text/html").unwrap();
        assert!(text < html, "the richer part comes last, as readers prefer it");

        let with_file = email.with_attachment(Attachment {
            filename: "appointment.ics".into(),
            content_type: "text/calendar; charset=utf-8".into(),
            content: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
        });
        let raw = String::from_utf8(mailer.compose(&with_file).unwrap().formatted()).unwrap();
        let mixed = raw.find("Content-Type: multipart/mixed;").unwrap();
        let alternative = raw.find("Content-Type: multipart/alternative;").unwrap();
        assert!(mixed < alternative && raw.contains("filename=\"appointment.ics\""), "{raw}");

        let injected = Email::new("ada@example.org", "Hi", "x").from_name("Harbor\r\nBcc: eve@example.org");
        assert!(matches!(mailer.compose(&injected), Err(MailError::InvalidSubject)));
    }

    #[test]
    fn recipient_and_subject_errors_do_not_repeat_them() {
        let mailer = SmtpMailer::from_url("smtp://127.0.0.1:2525", FROM).unwrap();
        let bad_to = Email::new("ada.lovelace at example", "Hello", "private text");
        let message = mailer.compose(&bad_to).unwrap_err().to_string();
        assert!(message.starts_with("invalid recipient address"), "{message}");
        assert!(!message.contains("lovelace"), "{message}");

        let injected = Email::new("ada@example.org", "Hi\r\nBcc: eve@example.org", "x");
        assert!(matches!(mailer.compose(&injected), Err(MailError::InvalidSubject)));
    }

    #[test]
    fn debug_redacts_recipient_and_text() {
        let email = Email::new("ada@example.org", "Reminder", "Session with Dr. Smith");
        let shown = format!("{email:?}");
        assert_eq!(shown, "Email { to: \"<redacted>\", subject: \"Reminder\", text: <redacted, 22 bytes> }");
        let sent = SentEmail { email, sent_at: Timestamp::UNIX_EPOCH };
        let shown = format!("{sent:?}");
        assert!(!shown.contains("ada@"), "{shown}");
        assert!(!shown.contains("Smith"), "{shown}");
    }

    #[test]
    fn smtp_errors_keep_only_safe_details() {
        let timeout = MailError::Timeout;
        assert!(timeout.is_transient());
        assert!(!MailError::Rejected("550".into()).is_transient());
        assert!(!MailError::NotConfigured.is_transient(), "without a server, trying again will not help");
        assert!(MailError::Deferred("451".into()).is_transient());
        assert_eq!(
            MailError::Rejected("550".into()).to_string(),
            "the mail server rejected the message (reply code 550)"
        );
    }

    #[tokio::test]
    async fn unreachable_relay_is_a_transient_connection_error() {
        // Bind then drop a listener so the port is very likely closed.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let mailer = SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap();
        let error = mailer.send(&Email::new("ada@example.org", "Hello", "private text")).await.unwrap_err();
        assert!(error.is_transient(), "{error:?}");
        let message = error.to_string();
        assert!(message.starts_with("could not reach the mail server"), "{message}");
        assert!(!message.contains("ada@"), "{message}");
    }

    #[tokio::test]
    async fn outbox_keeps_the_latest_emails_in_order_with_their_time() {
        let clock = FakeClock::at("2025-03-30T00:30:00Z");
        let outbox = OutboxMailer::new(Arc::new(clock.clone()));
        for n in 0..OUTBOX_CAPACITY + 5 {
            outbox.send(&Email::new(format!("client{n}@example.org"), format!("Message {n}"), "text")).await.unwrap();
            clock.advance(SignedDuration::from_secs(60));
        }
        let kept = outbox.list();
        assert_eq!(kept.len(), OUTBOX_CAPACITY);
        assert_eq!(kept[0].email.subject, "Message 5");
        assert_eq!(kept[0].email.to, "client5@example.org");
        assert_eq!(kept[0].sent_at, "2025-03-30T00:35:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(kept[OUTBOX_CAPACITY - 1].email.subject, "Message 204");
        assert!(kept.windows(2).all(|w| w[0].sent_at < w[1].sent_at));

        // Clones share one outbox, as the web layer and the job runner will.
        let other = outbox.clone();
        other.send(&Email::new("last@example.org", "Last", "text")).await.unwrap();
        assert_eq!(outbox.list().last().unwrap().email.subject, "Last");
        assert_eq!(outbox.list().first().unwrap().email.subject, "Message 6");
    }

    #[tokio::test]
    async fn outbox_refuses_what_smtp_would_refuse() {
        let outbox = OutboxMailer::new(Arc::new(FakeClock::at("2025-01-01T00:00:00Z")));
        let error = outbox.send(&Email::new("not-an-address", "Hello", "text")).await.unwrap_err();
        assert!(matches!(error, MailError::InvalidRecipient(_)), "{error:?}");
        assert!(outbox.list().is_empty());
    }
}
