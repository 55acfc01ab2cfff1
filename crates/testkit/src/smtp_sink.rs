//! A real, minimal SMTP server on `127.0.0.1:0` that keeps every message it
//! receives, so tests can send mail through the production SMTP client and
//! read what a relay would have got.
//!
//! It speaks what lettre needs (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
//! QUIT), advertises `8BITMIME` but neither STARTTLS nor AUTH, and answers
//! 500 to anything else. Several connections are served at once; the server
//! stops when the [`SmtpSink`] is dropped.
//!
//! ```text
//! let sink = SmtpSink::start().await;
//! let mailer = SmtpMailer::from_url(&sink.url(), "Practice <noreply@practice.test>")?;
//! mailer.send(&email).await?;
//! let mail = &sink.wait_for(1, Duration::from_secs(5)).await[0];
//! assert_eq!(mail.subject(), "Your appointment");
//! ```
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

const NAME: &str = "sensate-smtp-sink";

/// One message as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`), without angle brackets.
    pub from: String,
    /// The envelope recipients (`RCPT TO`), without angle brackets.
    pub to: Vec<String>,
    /// Headers and body as transmitted, dot-stuffing undone, lines ending in
    /// CRLF (the last one included).
    pub data: String,
}

impl ReceivedMail {
    /// The headers, continuation lines unfolded, in order.
    pub fn headers(&self) -> Vec<(String, String)> {
        let (head, _) = split_entity(&self.data);
        parse_headers(head)
    }

    /// The first header called `name` (any case), unfolded but not decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers().into_iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// The subject with RFC 2047 encoded words (`=?utf-8?b?…?=`) decoded.
    /// Panics when the message has no subject.
    pub fn subject(&self) -> String {
        match self.header("Subject") {
            Some(value) => decode_words(&value),
            None => panic!("the message has no Subject header:\n{}", self.data),
        }
    }

    /// The plain-text body, decoded from quoted-printable or base64 and with
    /// LF line endings. In a multipart message, the first `text/plain` part.
    /// Panics when there is no plain-text body.
    pub fn body(&self) -> String {
        // The CRLF before the final "." ends the last line; it is not text.
        let entity = self.data.strip_suffix("\r\n").unwrap_or(&self.data);
        match part_of_type(entity, "text/plain") {
            Some(text) => text.replace("\r\n", "\n"),
            None => panic!("the message has no text/plain body:\n{}", self.data),
        }
    }

    /// The first part of a MIME type (e.g. `text/calendar`), decoded, line
    /// endings as sent; `None` when there is none.
    pub fn part(&self, mime: &str) -> Option<String> {
        let entity = self.data.strip_suffix("\r\n").unwrap_or(&self.data);
        part_of_type(entity, mime)
    }

    /// The `Content-Type` header of the first part of a MIME type.
    pub fn part_content_type(&self, mime: &str) -> Option<String> {
        let entity = self.data.strip_suffix("\r\n").unwrap_or(&self.data);
        part_header(entity, mime, "Content-Type")
    }

    /// What an inbox list and a lock screen show of the message: the
    /// sender's name, the subject and the start of the text after the
    /// greeting (which holds only the recipient's own name).
    pub fn glance(&self) -> String {
        let from = decode_words(&self.header("From").unwrap_or_default());
        let sender = from.split('<').next().unwrap_or_default().trim().to_string();
        let body = self.body();
        let text = match body.split_once('\n') {
            Some((first, rest)) if first.starts_with("Hello") => rest.to_string(),
            _ => body,
        };
        let start: String = text.trim_start().chars().take(GLANCE_CHARACTERS).collect();
        format!("{sender}\n{}\n{start}", self.subject())
    }

    /// Panics unless the message can be seen at a glance by someone else
    /// without telling them what it is about, and is readable both as plain
    /// text and as HTML.
    pub fn assert_discreet(&self) {
        let glance = self.glance();
        assert!(
            !sensate_domain::discretion::names_the_service(&glance),
            "an inbox preview would name the service:\n{glance}"
        );
        assert!(self.part("text/html").is_some(), "no HTML part beside the text:\n{}", self.data);
    }
}

/// How much of a message's text a phone's lock screen or an inbox preview
/// shows, generously.
const GLANCE_CHARACTERS: usize = 200;

/// A running SMTP server. Dropping it stops the listener and its connections.
#[derive(Debug)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    messages: Mutex<Vec<ReceivedMail>>,
    count: watch::Sender<usize>,
    /// How many more messages to defer with a 451 after their data.
    refusals: Mutex<usize>,
}

impl Shared {
    fn keep(&self, mail: ReceivedMail) -> usize {
        let count = {
            let mut messages = self.messages.lock().unwrap();
            messages.push(mail);
            messages.len()
        };
        self.count.send_replace(count);
        count
    }
}

impl SmtpSink {
    /// Binds `127.0.0.1:0` and starts serving.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the SMTP sink to 127.0.0.1:0");
        let addr = listener.local_addr().expect("the SMTP sink's address");
        let shared = Arc::new(Shared {
            messages: Mutex::new(Vec::new()),
            count: watch::Sender::new(0),
            refusals: Mutex::new(0),
        });
        let server = tokio::spawn(serve(listener, shared.clone()));
        SmtpSink { addr, shared, server }
    }

    /// `smtp://127.0.0.1:PORT`, for `SmtpMailer::from_url`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Answers the next `count` messages with "451 try again later" after
    /// reading them, and does not keep them: a relay that is briefly unwell.
    pub fn defer_next(&self, count: usize) {
        *self.shared.refusals.lock().unwrap() = count;
    }

    /// Everything received so far, in the order the DATA commands completed.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.shared.messages.lock().unwrap().clone()
    }

    /// Waits until at least `count` messages arrived and returns all of them;
    /// panics, listing what did arrive, when `timeout` passes first.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let mut arrived = self.shared.count.subscribe();
        let reached =
            tokio::time::timeout(timeout, arrived.wait_for(|n| *n >= count)).await.is_ok_and(|waited| waited.is_ok());
        if !reached {
            let messages = self.messages();
            let summary: Vec<String> = messages
                .iter()
                .map(|m| format!("\n  to {:?}, subject {:?}", m.to, m.header("Subject").unwrap_or_default()))
                .collect();
            panic!(
                "SMTP sink at {}: expected {count} message(s) within {timeout:?}, but {} arrived{}",
                self.addr,
                messages.len(),
                summary.concat()
            );
        }
        self.messages()
    }

    /// Waits for the first message with this subject and returns it, for
    /// steps whose other mail (receipts, notices) may arrive in any order.
    pub async fn wait_for_subject(&self, subject: &str, timeout: Duration) -> ReceivedMail {
        let mut arrived = self.shared.count.subscribe();
        let find = || self.messages().into_iter().find(|m| m.subject() == subject);
        let waited = tokio::time::timeout(timeout, async {
            loop {
                if let Some(mail) = find() {
                    return Some(mail);
                }
                arrived.changed().await.ok()?;
            }
        })
        .await;
        match waited {
            Ok(Some(mail)) => mail,
            _ => {
                let subjects: Vec<String> = self.messages().iter().map(ReceivedMail::subject).collect();
                panic!(
                    "SMTP sink at {}: no message with subject {subject:?} within {timeout:?}; got {subjects:?}",
                    self.addr
                )
            }
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Dropping the server task drops the listener and the JoinSet, which
        // aborts every open connection.
        self.server.abort();
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(session(stream, shared.clone()));
                }
                // E.g. too many open files: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One SMTP conversation. I/O errors just end it: the client went away.
async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(format!("220 {NAME} ESMTP ready\r\n").as_bytes()).await?;

    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line);
        let command = command.trim_end_matches(['\r', '\n']);
        let (verb, argument) = command.split_once(' ').unwrap_or((command, ""));
        let argument = argument.trim();

        let reply: String = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                from = None;
                to.clear();
                format!("250-{NAME} greets {argument}\r\n250 8BITMIME\r\n")
            }
            "HELO" => {
                from = None;
                to.clear();
                format!("250 {NAME}\r\n")
            }
            "MAIL" => match path_after(argument, "FROM:") {
                _ if from.is_some() => "503 5.5.1 Sender already given\r\n".into(),
                Some(sender) => {
                    from = Some(sender);
                    "250 2.1.0 OK\r\n".into()
                }
                None => "501 5.5.4 Syntax: MAIL FROM:<address>\r\n".into(),
            },
            "RCPT" => match path_after(argument, "TO:") {
                _ if from.is_none() => "503 5.5.1 MAIL first\r\n".into(),
                Some(recipient) if !recipient.is_empty() => {
                    to.push(recipient);
                    "250 2.1.5 OK\r\n".into()
                }
                _ => "501 5.5.4 Syntax: RCPT TO:<address>\r\n".into(),
            },
            "DATA" => match from.take() {
                Some(sender) if !to.is_empty() => {
                    write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                    let Some(data) = read_data(&mut reader).await? else {
                        return Ok(());
                    };
                    let defer = {
                        let mut refusals = shared.refusals.lock().unwrap();
                        let defer = *refusals > 0;
                        *refusals = refusals.saturating_sub(1);
                        defer
                    };
                    if defer {
                        to.clear();
                        "451 4.3.0 Try again later\r\n".into()
                    } else {
                        let number = shared.keep(ReceivedMail { from: sender, to: std::mem::take(&mut to), data });
                        format!("250 2.0.0 OK: queued as {number}\r\n")
                    }
                }
                sender => {
                    from = sender;
                    "503 5.5.1 RCPT first\r\n".into()
                }
            },
            "RSET" => {
                from = None;
                to.clear();
                "250 2.0.0 OK\r\n".into()
            }
            "NOOP" => "250 2.0.0 OK\r\n".into(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => "500 5.5.2 Command not recognized\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// Reads message lines up to the lone ".", undoing dot-stuffing. `None` when
/// the client hung up first.
async fn read_data<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> std::io::Result<Option<String>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(Some(String::from_utf8_lossy(&data).into_owned()));
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(unstuffed);
    }
}

/// `FROM:<a@b> BODY=8BITMIME` → `a@b` (the reverse path may be empty).
fn path_after(argument: &str, keyword: &str) -> Option<String> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument[keyword.len()..].trim_start();
    if let Some(inner) = rest.strip_prefix('<') {
        let end = inner.find('>')?;
        Some(inner[..end].to_string())
    } else {
        rest.split_whitespace().next().map(str::to_string)
    }
}

/// Headers and body of a MIME entity.
fn split_entity(entity: &str) -> (&str, &str) {
    if let Some(at) = entity.find("\r\n\r\n") {
        (&entity[..at], &entity[at + 4..])
    } else if let Some(at) = entity.find("\n\n") {
        (&entity[..at], &entity[at + 2..])
    } else {
        (entity, "")
    }
}

fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    headers
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// The first part of a MIME entity whose type is `wanted`, decoded.
fn part_of_type(entity: &str, wanted: &str) -> Option<String> {
    let (head, body) = find_part(entity, wanted)?;
    let headers = parse_headers(head);
    let encoding = header_of(&headers, "Content-Transfer-Encoding").unwrap_or("7bit").to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "quoted-printable" => decode_quoted_printable(body.as_bytes(), false),
        "base64" => decode_base64(body)?,
        _ => body.as_bytes().to_vec(),
    };
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Headers and body of the first (possibly nested) part of type `wanted`.
fn find_part<'a>(entity: &'a str, wanted: &str) -> Option<(&'a str, &'a str)> {
    let (head, body) = split_entity(entity);
    let headers = parse_headers(head);
    let content_type = header_of(&headers, "Content-Type").unwrap_or("text/plain");
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();

    if mime.starts_with("multipart/") {
        let boundary = content_type.split(';').find_map(|param| {
            let (key, value) = param.trim().split_once('=')?;
            key.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"').to_string())
        })?;
        let delimiter = format!("--{boundary}");
        return body.split(delimiter.as_str()).skip(1).take_while(|part| !part.starts_with("--")).find_map(|part| {
            let part = part.strip_prefix("\r\n").unwrap_or(part);
            let part = part.strip_suffix("\r\n").unwrap_or(part);
            find_part(part, wanted)
        });
    }
    (mime == wanted).then_some((head, body))
}

fn part_header(entity: &str, wanted: &str, name: &str) -> Option<String> {
    let (head, _) = find_part(entity, wanted)?;
    header_of(&parse_headers(head), name).map(str::to_string)
}

/// Quoted-printable (RFC 2045), or the `Q` encoding of RFC 2047 headers where
/// `_` stands for a space.
fn decode_quoted_printable(input: &[u8], underscore_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'=' if input[i + 1..].starts_with(b"\r\n") => i += 3,
            b'=' if input[i + 1..].starts_with(b"\n") => i += 2,
            b'=' => match input
                .get(i + 1..i + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                }
                None => {
                    out.push(b'=');
                    i += 1;
                }
            },
            b'_' if underscore_is_space => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// Standard base64, whitespace ignored. `None` on a character outside the
/// alphabet.
fn decode_base64(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in input.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Decodes RFC 2047 encoded words; whitespace between two of them is dropped.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut pending_space = String::new();
    let mut previous_was_word = false;
    let mut rest = value;
    while !rest.is_empty() {
        if let Some((decoded, consumed)) = encoded_word(rest) {
            if !previous_was_word {
                out.push_str(&pending_space);
            }
            pending_space.clear();
            out.push_str(&decoded);
            previous_was_word = true;
            rest = &rest[consumed..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            pending_space.push(c);
        } else {
            out.push_str(&pending_space);
            pending_space.clear();
            out.push(c);
            previous_was_word = false;
        }
        rest = &rest[c.len_utf8()..];
    }
    out.push_str(&pending_space);
    out
}

/// `=?charset?B|Q?text?=` at the start of `s`: the decoded text and its length.
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (_charset, inner) = inner.split_once('?')?;
    let (encoding, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let text = &inner[..end];
    if text.contains(char::is_whitespace) {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => decode_base64(text)?,
        "Q" | "q" => decode_quoted_printable(text.as_bytes(), true),
        _ => return None,
    };
    let consumed = s.len() - inner.len() + end + 2;
    Some((String::from_utf8_lossy(&bytes).into_owned(), consumed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sensate_app::infra::mailer::{Email, Mailer, SmtpMailer};
    use tokio::io::AsyncReadExt;

    const FROM: &str = "Praxis Café <noreply@practice.test>";
    const WAIT: Duration = Duration::from_secs(10);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lettre_delivers_text_with_leading_dots_and_non_ascii() {
        let sink = SmtpSink::start().await;
        assert!(sink.url().starts_with("smtp://127.0.0.1:"));
        let mailer = SmtpMailer::from_url(&sink.url(), FROM).unwrap();

        let text = "Dear Ada,\n.this line starts with a dot\n.\n..two dots\n\nCafé, crème brûlée — 10:00.\n";
        mailer
            .send(&Email::new("Ada Lovelace <ada@example.test>", "Rendez-vous au Café: confirmé", text))
            .await
            .unwrap();

        // lettre sends this body quoted-printable, its dotted lines as they are.
        let messages = sink.wait_for(1, WAIT).await;
        assert_eq!(messages.len(), 1);
        let mail = &messages[0];
        assert_eq!(mail.from, "noreply@practice.test");
        assert_eq!(mail.to, vec!["ada@example.test".to_string()]);
        assert_eq!(mail.subject(), "Rendez-vous au Café: confirmé");
        assert_eq!(mail.body(), text);
        assert!(mail.data.is_ascii(), "lettre encodes non-ASCII text");
        let from = decode_words(&mail.header("From").unwrap());
        assert!(from.contains("Praxis Café"), "{from}");
        assert!(from.contains("<noreply@practice.test>"), "{from}");
        assert!(mail.header("Message-ID").unwrap().ends_with("@practice.test>"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ascii_text_arrives_unencoded_with_dot_stuffing_undone() {
        let sink = SmtpSink::start().await;
        let mailer = SmtpMailer::from_url(&sink.url(), FROM).unwrap();
        let text = "First line\n.\n.hidden\n...\nlast";
        mailer.send(&Email::new("bob@example.test", "Plain", text)).await.unwrap();

        let mail = sink.wait_for(1, WAIT).await.remove(0);
        assert_eq!(mail.header("Content-Transfer-Encoding").as_deref(), Some("7bit"));
        assert!(mail.data.ends_with("\r\n\r\nFirst line\r\n.\r\n.hidden\r\n...\r\nlast\r\n"), "{:?}", mail.data);
        assert_eq!(mail.body(), text);
        assert_eq!(mail.subject(), "Plain");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_connections_are_all_served() {
        let sink = SmtpSink::start().await;
        let mailer = SmtpMailer::from_url(&sink.url(), FROM).unwrap();
        let sends = (0..5).map(|n| {
            let mailer = mailer.clone();
            tokio::spawn(async move {
                mailer
                    .send(&Email::new(format!("client{n}@example.test"), format!("Reminder {n}"), format!("Text {n}")))
                    .await
            })
        });
        for send in sends.collect::<Vec<_>>() {
            send.await.unwrap().unwrap();
        }
        let messages = sink.wait_for(5, WAIT).await;
        let mut seen: Vec<(String, String, String)> =
            messages.iter().map(|m| (m.to[0].clone(), m.subject(), m.body())).collect();
        seen.sort();
        let expected: Vec<(String, String, String)> =
            (0..5).map(|n| (format!("client{n}@example.test"), format!("Reminder {n}"), format!("Text {n}"))).collect();
        assert_eq!(seen, expected);
    }

    async fn exchange(stream: &mut TcpStream, command: &str) -> String {
        stream.write_all(command.as_bytes()).await.unwrap();
        read_reply(stream).await
    }

    /// Reads one (possibly multi-line) reply.
    async fn read_reply(stream: &mut TcpStream) -> String {
        let mut reply = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            stream.read_exact(&mut byte).await.unwrap();
            reply.push(byte[0]);
            if reply.ends_with(b"\r\n") {
                let text = String::from_utf8(reply.clone()).unwrap();
                let last = text.trim_end().rsplit("\r\n").next().unwrap().to_string();
                if last.as_bytes().get(3) != Some(&b'-') {
                    return text;
                }
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn speaks_smtp_by_the_rules() {
        let sink = SmtpSink::start().await;
        let mut s = TcpStream::connect(sink.addr).await.unwrap();
        assert!(read_reply(&mut s).await.starts_with("220 "));

        let ehlo = exchange(&mut s, "EHLO client.test\r\n").await;
        assert!(ehlo.starts_with("250-"), "{ehlo}");
        assert!(ehlo.contains("\r\n250 "), "{ehlo}");
        assert!(!ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"), "{ehlo}");

        assert!(exchange(&mut s, "HELO client.test\r\n").await.starts_with("250 "));
        assert!(exchange(&mut s, "VRFY ada\r\n").await.starts_with("500 "));
        assert!(exchange(&mut s, "STARTTLS\r\n").await.starts_with("500 "));
        assert!(exchange(&mut s, "DATA\r\n").await.starts_with("503 "));
        assert!(exchange(&mut s, "RCPT TO:<a@x.test>\r\n").await.starts_with("503 "));
        assert!(exchange(&mut s, "NOOP\r\n").await.starts_with("250 "));

        // An abandoned transaction leaves nothing behind.
        assert!(exchange(&mut s, "MAIL FROM:<old@x.test>\r\n").await.starts_with("250 "));
        assert!(exchange(&mut s, "RCPT TO:<old@x.test>\r\n").await.starts_with("250 "));
        assert!(exchange(&mut s, "RSET\r\n").await.starts_with("250 "));

        assert!(exchange(&mut s, "mail from:<> BODY=8BITMIME\r\n").await.starts_with("250 "));
        assert!(exchange(&mut s, "RCPT TO:<a@x.test>\r\n").await.starts_with("250 "));
        assert!(exchange(&mut s, "RCPT TO:<b@x.test>\r\n").await.starts_with("250 "));
        assert!(exchange(&mut s, "DATA\r\n").await.starts_with("354 "));
        let reply = exchange(&mut s, "Subject: =?utf-8?q?Caf=C3=A9?= =?utf-8?b?IG9r?=\r\n\r\n..x\r\n.\r\n").await;
        assert!(reply.starts_with("250 "), "{reply}");
        assert!(exchange(&mut s, "QUIT\r\n").await.starts_with("221 "));

        let mail = sink.wait_for(1, WAIT).await.remove(0);
        assert_eq!(mail.from, "");
        assert_eq!(mail.to, vec!["a@x.test", "b@x.test"]);
        assert!(mail.data.ends_with("\r\n.x\r\n"), "{:?}", mail.data);
        assert_eq!(mail.subject(), "Café ok");
        assert_eq!(mail.body(), ".x");
    }

    #[test]
    fn quoted_printable_and_multipart_bodies_are_decoded() {
        let mail = ReceivedMail {
            from: String::new(),
            to: vec![],
            data: concat!(
                "Subject: x\r\n",
                "Content-Type: multipart/alternative;\r\n boundary=\"b1\"\r\n",
                "\r\n",
                "--b1\r\n",
                "Content-Type: text/html\r\n\r\n<p>no</p>\r\n",
                "--b1\r\n",
                "Content-Type: text/plain; charset=utf-8\r\n",
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                "Caf=C3=A9 =3D a very long line that was wrapped by the en=\r\ncoder\r\n",
                "--b1--\r\n",
            )
            .to_string(),
        };
        assert_eq!(mail.body(), "Café = a very long line that was wrapped by the encoder");

        let mail = ReceivedMail {
            from: String::new(),
            to: vec![],
            data: "Content-Transfer-Encoding: base64\r\n\r\nLmxpbmUKQ2Fm\r\nw6k=\r\n".to_string(),
        };
        assert_eq!(mail.body(), ".line\nCafé");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[should_panic(expected = "expected 2 message(s) within 200ms, but 1 arrived")]
    async fn wait_for_panics_with_what_arrived() {
        let sink = SmtpSink::start().await;
        let mailer = SmtpMailer::from_url(&sink.url(), FROM).unwrap();
        mailer.send(&Email::new("ada@example.test", "Only one", "text")).await.unwrap();
        sink.wait_for(2, Duration::from_millis(200)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_the_sink_stops_the_server() {
        let sink = SmtpSink::start().await;
        let addr = sink.addr;
        let mut open = TcpStream::connect(addr).await.unwrap();
        assert!(read_reply(&mut open).await.starts_with("220 "));
        drop(sink);

        // The open connection is closed…
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(WAIT, open.read(&mut buf)).await.unwrap();
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        // …and no new one is accepted.
        let refused = tokio::time::timeout(WAIT, async {
            loop {
                if TcpStream::connect(addr).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        assert!(refused.is_ok(), "the sink still accepts connections after drop");
    }
}
