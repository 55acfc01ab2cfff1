//! Crash safety of audited writes, through the real binary on both engines.
//!
//! SECURITY.md promises two things this test checks the hard way:
//!
//! - **An action and its audit entry commit in one transaction.** A clinical
//!   note (`App::add_clinical_note`) and its `write_note` entry — record type
//!   `clinical_note`, record id the note's UUID — are written in one unit of
//!   work, so after any crash every note has exactly one entry (still in
//!   `audit_pending`, or already sealed into `audit_log`) and no entry names a
//!   note that does not exist. The same holds for a client's contact
//!   preferences and their `edit_contact` entries.
//! - **A crash mid-write loses nothing acknowledged.** A therapist's browser
//!   is told "Note saved." (303 to `?done=note`) only after the commit, so
//!   every note acknowledged that way must be there after the server dies.
//!   The same for the sessions the therapist books for the client (303 to
//!   the calendar with `done=added`), each with its `add_appointments` entry.
//! - **A read of client data is answered only once its audit entry is
//!   durable.** Every client page the server sent has its `view_client`
//!   entry after the kill.
//!
//! Each trial starts `sensate serve` over the same database, lets eight
//! workers write notes about one client as fast as the server accepts them
//! (a ninth rewrites the client's contact preferences, a tenth books one
//! session after another, an eleventh reads the client's page), and kills
//! the process with SIGKILL at a random moment once writes are going
//! through — no shutdown, no flushing, requests and transactions cut off
//! half way. Then, on the database directly (note texts decrypted with the
//! master key in the data directory, so each note is known by the text it
//! was sent with): every acknowledged note and booking is there, nothing is
//! there that was not sent, every note and booking has its one entry and
//! every entry its record, every page read sent has its entry, SQLite's
//! `PRAGMA integrity_check` says `ok`, and `sensate audit verify` (which
//! seals what is pending) finds the chain intact and still reaching the head
//! the previous trial's verification printed. The next trial restarts the
//! server on the same database, and the therapist's client page shows
//! exactly the notes found, so earlier trials' writes are checked again
//! through the app, by every later trial.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use sensate_app::infra::crypto::{Binding, KeyRing};
use sensate_domain::scheduling::CaseKind;
use sensate_domain::scheduling::Participants;
use sensate_domain::totp::{TotpSecret, code_at, step_of};
use sensate_domain::{CaseId, PracticeId, Role, SessionTypeId, UserId};
use sensate_store::{NewCase, NewPractice, NewUser, SessionTypeRecord};
use sensate_testkit::{TestDb, between, on_both_engines};
use sqlx::Connection;

/// Kills per engine.
const TRIALS: usize = 20;
/// Hourly session times each trial's booking worker may use (100 days of
/// them); no trial books that many before its kill.
const BOOKINGS_PER_TRIAL: usize = 2_400;
/// Workers writing notes at once, each one request after another.
const NOTE_WORKERS: usize = 8;
/// The kill comes this long after the first acknowledged write: a random moment in it.
const KILL_AFTER_MS: std::ops::Range<u64> = 0..1_000;
const THERAPIST_EMAIL: &str = "tess@lakeside.example";
const PASSWORD: &str = "notes that survive a crash";

/// A `sensate serve` process, killed when dropped (also when a test fails).
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no shutdown, no flushing, open transactions cut off.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `sensate serve` over the test's database and data directory (its
/// master key stays there from one process to the next).
fn serve(db: &TestDb, logs: &Path, n: usize) -> Server {
    let log = logs.join(format!("server-{n}.log"));
    let mut child = sensate(db)
        .arg("serve")
        .env("SENSATE_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut base, mut printed) = (None, Vec::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Sensate ") {
            base = rest.split_once(" is serving ").map(|(_, url)| url.trim().to_string());
        }
        let done = line.starts_with("Press Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
        assert!(Instant::now() < deadline, "server {n} did not start: {printed:?}");
    }
    // Whatever it prints later must not fill a pipe nobody reads.
    std::thread::spawn(move || lines.for_each(drop));
    let base = base.unwrap_or_else(|| {
        panic!("server {n} did not say where it serves: {printed:?}\n{}", std::fs::read_to_string(&log).unwrap())
    });
    Server { child, base, log }
}

/// The binary, pointed at the test's database and data directory only.
fn sensate(db: &TestDb) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sensate"));
    command
        .env_remove("SENSATE_BASE_URL")
        .env_remove("SENSATE_MASTER_KEY")
        .env_remove("SENSATE_SMTP_URL")
        .env_remove("SENSATE_LISTEN")
        .env("SENSATE_DATA_DIR", &db.data_dir)
        .env("SENSATE_DATABASE_URL", &db.url);
    command
}

/// What the trials work on, written through the store before any server runs.
struct Seeded {
    client: UserId,
    case: CaseId,
    session_type: SessionTypeId,
}

/// A practice with a therapist and their client in an open case, and a
/// kind of session to book.
async fn seed(db: &TestDb) -> Seeded {
    let store = db.store().await;
    let now = Timestamp::now();
    let practice = PracticeId::new();
    let new_practice = NewPractice {
        id: practice,
        name: "Lakeside Therapy".into(),
        time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(),
        created_at: now,
    };
    store.insert_practice(&new_practice).await.unwrap();
    let hash = sensate_app::infra::secrets::hash_password(PASSWORD.into()).await.unwrap();
    let mut people = Vec::new();
    for (email, name, role) in
        [(THERAPIST_EMAIL, "Tess Therapist", Role::Clinician), ("cal@client.example", "Cal Client", Role::Client)]
    {
        let id = UserId::new();
        let user = NewUser {
            id,
            email: sensate_domain::Email::parse(email).unwrap(),
            display_name: name.into(),
            password_hash: hash.clone(),
            created_at: now,
        };
        store.insert_user(&user).await.unwrap();
        store.insert_membership(practice, id, role, now).await.unwrap();
        people.push(id);
    }
    let (therapist, client) = (people[0], people[1]);
    let case = CaseId::new();
    store
        .insert_case(&NewCase {
            id: case,
            practice_id: practice,
            clinician_id: therapist,
            kind: CaseKind::Individual,
            members: vec![client],
            opened_at: now,
        })
        .await
        .unwrap();
    let session_type = SessionTypeId::new();
    store
        .insert_session_type(&SessionTypeRecord {
            id: session_type,
            practice_id: practice,
            name: "Individual session".into(),
            duration_minutes: 50,
            fee_cents: Some(15_000),
            in_person: false,
            telehealth: true,
            participants: Participants::Individual,
            trial: false,
            needs_approval: false,
            active: true,
            created_at: now,
        })
        .await
        .unwrap();
    store.close().await;
    Seeded { client, case, session_type }
}

/// The `k`-th hourly session time from tomorrow (UTC, the practice's zone),
/// as RFC 3339: how a booking is known before and after the kill.
fn slot(first_day: jiff::civil::Date, k: usize) -> String {
    let day = first_day.checked_add(jiff::Span::new().days(i64::try_from(k / 24).unwrap())).unwrap();
    let hour = i8::try_from(k % 24).unwrap();
    day.at(hour, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp().to_string()
}

/// A browser over a cookie jar that outlives the servers: the session is
/// kept in the database, so one sign-in serves every trial.
fn browser(jar: &Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(Arc::clone(jar))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn csrf_of(html: &str) -> String {
    between(html, "<meta name=\"csrf-token\" content=\"", "\"").expect("pages carry an anti-forgery token")
}

/// Posts a form as a page of this site does: same origin, token included.
async fn post(server: &Server, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let page = client.get(server.url("/")).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&page);
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf_token", &token));
    client.post(server.url(path)).header("origin", &server.base).form(&form).send().await.unwrap()
}

/// Signs the therapist in and passes the second step (staff need it to write notes).
async fn sign_in(server: &Server, jar: &Arc<reqwest::cookie::Jar>) {
    let client = browser(jar);
    let signed_in = post(server, &client, "/login", &[("email", THERAPIST_EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(signed_in.status(), 303, "the therapist signs in");
    let page = client.get(server.url("/mfa")).send().await.unwrap().text().await.unwrap();
    let secret = between(&page, "<code class=\"setup-key\">", "</code>").expect("the enrolment page shows a key");
    let code = code_at(&TotpSecret::from_base32(&secret).unwrap(), step_of(Timestamp::now()));
    let enrolled = post(server, &client, "/mfa/enrol", &[("code", &code)]).await;
    assert_eq!(enrolled.status(), 200, "the second step is set up");
}

/// A number in `range`, different each run (the kill moment).
fn random_in(range: std::ops::Range<u64>) -> u64 {
    let span = u128::from(range.end - range.start);
    range.start + u64::try_from(uuid::Uuid::new_v4().as_u128() % span).unwrap()
}

/// What one worker saw: the texts the server acknowledged, in order, the one
/// that was under way when the server died (committed or not: in doubt),
/// and any answer that is neither.
#[derive(Default)]
struct WorkerLog {
    acknowledged: Vec<String>,
    in_doubt: Option<String>,
    unexpected: Vec<String>,
}

/// Where one trial's workers send their forms, and how many saves the
/// server has acknowledged so far (the kill waits for the first).
#[derive(Clone)]
struct Target {
    client: reqwest::Client,
    base: String,
    csrf: String,
    saved: Arc<AtomicUsize>,
}

/// The fields of one write's form, from the text it is known by.
type Fields = Box<dyn Fn(&str) -> Vec<(&'static str, String)> + Send>;

/// One kind of audited write: its form's path and fields, and the end of
/// the redirect that acknowledges it.
struct Write {
    path: String,
    fields: Fields,
    done: &'static str,
}

impl Write {
    /// A form of one text field.
    fn text(path: String, field: &'static str, done: &'static str) -> Self {
        Self { path, fields: Box::new(move |text| vec![(field, text.to_string())]), done }
    }
}

/// Sends one form after another until the server stops answering (or
/// `texts` has no more).
async fn writer(target: Target, write: Write, texts: impl Fn(usize) -> Option<String>) -> WorkerLog {
    let mut log = WorkerLog::default();
    for n in 0.. {
        let Some(text) = texts(n) else { break };
        let mut form = (write.fields)(&text);
        form.push(("csrf_token", target.csrf.clone()));
        let sent = target
            .client
            .post(format!("{}{}", target.base, write.path))
            .header("origin", &target.base)
            .form(&form)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let location = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or("");
                if response.status() == 303 && location.ends_with(write.done) {
                    log.acknowledged.push(text);
                    target.saved.fetch_add(1, Ordering::Relaxed);
                } else {
                    log.unexpected.push(format!("{} {location} for {text}", response.status()));
                    log.in_doubt = Some(text);
                    break;
                }
            }
            Err(_) => {
                log.in_doubt = Some(text);
                break;
            }
        }
    }
    log
}

/// Reads the client's page one after another until the server stops
/// answering; returns (pages received, requests sent).
async fn reader(target: Target, client: UserId) -> (usize, usize) {
    let (mut received, mut sent) = (0, 0);
    loop {
        sent += 1;
        let Ok(response) = target.client.get(format!("{}/clients/{client}", target.base)).send().await else {
            return (received, sent);
        };
        // A page counts once its whole body arrived.
        if response.status() != 200 || response.text().await.is_err() {
            return (received, sent);
        }
        received += 1;
    }
}

/// Everything sent so far, over all trials.
#[derive(Default)]
struct Ledger {
    /// Note texts the server acknowledged.
    acknowledged: HashSet<String>,
    /// Note texts sent and not acknowledged: each may or may not exist.
    in_doubt: HashSet<String>,
    /// Contact preferences acknowledged, and how many of those in doubt turned out committed.
    contact_writes: usize,
    contact_in_doubt_committed: usize,
    /// What the client page must show as contact preferences: the last
    /// acknowledged text, or else what it showed before.
    contact_expected: Option<String>,
    /// The contact text under way at the last kill.
    contact_in_doubt: Option<String>,
    /// Session times whose booking the server acknowledged, and those sent
    /// without an answer (each may or may not exist).
    booked: HashSet<String>,
    booking_in_doubt: HashSet<String>,
    /// Client pages received whole, and client page requests sent.
    reads_received: usize,
    reads_sent: usize,
    /// The chain head the last `sensate audit verify` printed.
    head: Option<String>,
    /// The texts of the notes in the database after the last kill.
    found: HashSet<String>,
}

/// The therapist's client page: their notes (decrypted by the server) and
/// the contact preferences, and the anti-forgery token to post with.
struct ClientPage {
    notes: Vec<String>,
    contact: Option<String>,
    csrf: String,
}

async fn client_page(server: &Server, client: &reqwest::Client, id: UserId) -> ClientPage {
    let response = client.get(server.url(&format!("/clients/{id}"))).send().await.unwrap();
    assert_eq!(response.status(), 200, "the therapist sees their client");
    let html = response.text().await.unwrap();
    let notes = match between(&html, "<ul class=\"notes\">", "</ul>") {
        Some(list) => list
            .split("<p class=\"prewrap\">")
            .skip(1)
            .map(|rest| rest.split_once("</p>").expect("a note's paragraph ends").0.to_string())
            .collect(),
        None => {
            assert!(html.contains("No notes yet."), "neither notes nor their absence on the page: {html}");
            Vec::new()
        }
    };
    let section = between(&html, "id=\"contact-title\"", "</section>").expect("the contact section");
    let contact = between(&section, "<p class=\"prewrap\">", "</p>");
    ClientPage { notes, contact, csrf: csrf_of(&html) }
}

/// After a restart: the page shows exactly the notes the database held
/// after the last kill (so every acknowledged one), each once; the contact
/// preferences are the last acknowledged ones or the ones under way at the
/// kill, and exactly the committed changes of them are audited.
async fn read_back(db: &TestDb, server: &Server, client: &reqwest::Client, id: UserId, ledger: &mut Ledger) -> String {
    let page = client_page(server, client, id).await;
    ledger.reads_sent += 1;
    ledger.reads_received += 1;
    let shown: HashSet<String> = page.notes.iter().cloned().collect();
    assert_eq!(shown.len(), page.notes.len(), "a note shown twice");
    let mut lost: Vec<&String> = ledger.acknowledged.iter().filter(|text| !shown.contains(*text)).collect();
    lost.sort();
    assert!(lost.is_empty(), "{} acknowledged notes missing from the page after a restart: {lost:?}", lost.len());
    assert!(shown == ledger.found, "the page shows the notes the database holds, no more, no fewer");

    let in_doubt = ledger.contact_in_doubt.take();
    if page.contact.is_some() && page.contact == in_doubt {
        ledger.contact_in_doubt_committed += 1;
    } else {
        assert_eq!(
            page.contact, ledger.contact_expected,
            "the contact preferences are the last acknowledged ones (or those under way at the kill: {in_doubt:?})"
        );
    }
    ledger.contact_expected = page.contact;
    let mut raw = Raw::open(db).await;
    let audited = raw.contact_entries(id).await;
    raw.close().await;
    assert_eq!(
        audited,
        ledger.contact_writes + ledger.contact_in_doubt_committed,
        "one edit_contact entry per committed change of the contact preferences"
    );
    page.csrf
}

/// A direct connection to the test's database, past the server.
enum Raw {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

/// Runs the same code on either engine's connection.
macro_rules! on_raw {
    ($raw:expr, $conn:ident => $body:expr) => {
        match $raw {
            Raw::Sqlite($conn) => $body,
            Raw::Postgres($conn) => $body,
        }
    };
}

/// Both tables in one statement, so one snapshot: the sealer moving entries
/// from one to the other cannot make an entry appear twice or not at all.
const ENTRIES: &str = "SELECT record_id, outcome, 'pending' FROM audit_pending WHERE action = $1 AND record_type = $2 \
     UNION ALL SELECT record_id, outcome, 'sealed' FROM audit_log WHERE action = $1 AND record_type = $2";

/// A killed server's PostgreSQL sessions outlive it for a moment: a COMMIT
/// it sent just before the kill is still carried out, and a session in the
/// middle of a transaction rolls back only when its backend sees the closed
/// socket. Until they are gone, two reads could see two different states of
/// the database, so the checks wait for them (as an operator restarting
/// after a crash effectively does).
async fn wait_for_other_sessions_to_end(conn: &mut sqlx::PgConnection) {
    let sql = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let others: i64 = sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap();
        if others == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{others} sessions of the killed server still open after 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl Raw {
    async fn open(db: &TestDb) -> Self {
        if db.is_postgres() {
            Self::Postgres(sqlx::PgConnection::connect(&db.url).await.unwrap())
        } else {
            Self::Sqlite(sqlx::SqliteConnection::connect(&db.url).await.unwrap())
        }
    }

    /// Waits until a killed server's sessions are over (see
    /// `wait_for_other_sessions_to_end`); SQLite has nothing to wait for.
    async fn settle(&mut self) {
        if let Self::Postgres(conn) = self {
            wait_for_other_sessions_to_end(conn).await;
        }
    }

    async fn close(self) {
        on_raw!(self, conn => conn.close().await.unwrap());
    }

    async fn integrity_check(&mut self) -> Option<Vec<String>> {
        match self {
            Self::Sqlite(conn) => Some(sqlx::query_scalar("PRAGMA integrity_check").fetch_all(conn).await.unwrap()),
            Self::Postgres(_) => None,
        }
    }

    /// Every note about `client`: its id and its text, decrypted with the
    /// master key in the data directory.
    async fn notes(&mut self, client: UserId, keys: &KeyRing) -> BTreeMap<String, String> {
        let sql = "SELECT id, body FROM clinical_notes WHERE client_id = $1";
        let rows: Vec<(uuid::Uuid, Vec<u8>)> =
            on_raw!(self, conn => sqlx::query_as(sql).bind(client.as_uuid()).fetch_all(conn).await.unwrap());
        rows.into_iter()
            .map(|(id, body)| {
                let id = id.to_string();
                let text = keys.decrypt(&Binding::new("clinical_notes", "body", &id), &body).unwrap();
                (id, text.expose().to_string())
            })
            .collect()
    }

    /// (record id, outcome, "pending" or "sealed") of every entry of this kind.
    async fn entries(&mut self, action: &str, record_type: &str) -> Vec<(String, String, String)> {
        on_raw!(self, conn => sqlx::query_as(ENTRIES).bind(action).bind(record_type).fetch_all(conn).await.unwrap())
    }

    async fn contact_entries(&mut self, client: UserId) -> usize {
        let id = client.to_string();
        self.entries("edit_contact", "client")
            .await
            .iter()
            .filter(|(record, outcome, _)| *record == id && outcome == "allowed")
            .count()
    }

    /// The start of every session of `case`, as RFC 3339.
    async fn bookings(&mut self, case: CaseId) -> Vec<String> {
        let sql = "SELECT starts_at FROM appointments WHERE case_id = $1";
        let starts: Vec<i64> =
            on_raw!(self, conn => sqlx::query_scalar(sql).bind(case.as_uuid()).fetch_all(conn).await.unwrap());
        starts.into_iter().map(|at| Timestamp::from_second(at).unwrap().to_string()).collect()
    }

    /// How many allowed entries of `action` name `record`.
    async fn allowed(&mut self, action: &str, record_type: &str, record: &str) -> usize {
        let entries = self.entries(action, record_type).await;
        entries.iter().filter(|(id, outcome, _)| id == record && outcome == "allowed").count()
    }

    async fn pending(&mut self) -> i64 {
        let sql = "SELECT COUNT(*) FROM audit_pending";
        on_raw!(self, conn => sqlx::query_scalar(sql).fetch_one(conn).await.unwrap())
    }
}

/// Every note has exactly one `write_note` entry, allowed, and every such
/// entry names a note that exists. Returns how many entries were sealed.
fn assert_notes_match_entries(
    notes: &BTreeMap<String, String>,
    entries: &[(String, String, String)],
    ledger: &Ledger,
    when: &str,
) -> usize {
    let mut per_note: BTreeMap<&str, usize> = notes.keys().map(|id| (id.as_str(), 0)).collect();
    let mut orphans = Vec::new();
    for (record, outcome, _) in entries {
        assert_eq!(outcome, "allowed", "{when}: a write_note entry for {record} says {outcome}");
        match per_note.get_mut(record.as_str()) {
            Some(count) => *count += 1,
            None => orphans.push(record),
        }
    }
    // Which write each note came from, for the message.
    let described = |id: &str| {
        let text = &notes[id];
        let answer = if ledger.acknowledged.contains(text) { "acknowledged" } else { "unanswered" };
        format!("{id} ({text}, {answer})")
    };
    let unaudited: Vec<String> =
        per_note.iter().filter(|(_, count)| **count == 0).map(|(id, _)| described(id)).collect();
    let doubled: Vec<String> =
        per_note.iter().filter(|(_, count)| **count > 1).map(|(id, n)| format!("{} x{n}", described(id))).collect();
    assert!(
        unaudited.is_empty(),
        "{when}: {} of {} notes committed without their write_note entry (in neither audit_pending nor \
         audit_log): {unaudited:?}",
        unaudited.len(),
        notes.len()
    );
    assert!(doubled.is_empty(), "{when}: notes with more than one write_note entry: {doubled:?}");
    assert!(orphans.is_empty(), "{when}: write_note entries for notes that do not exist: {orphans:?}");
    entries.iter().filter(|(_, _, place)| place == "sealed").count()
}

/// Every acknowledged booking is there, every booking was sent, each once,
/// and each has its `add_appointments` entry (one per booking: every form
/// books one session); every client page received has its `view_client`
/// entry, and no more entries than requests sent.
async fn assert_bookings_and_reads_audited(raw: &mut Raw, seeded: &Seeded, ledger: &Ledger, when: &str) {
    let booked = raw.bookings(seeded.case).await;
    let found: HashSet<&String> = booked.iter().collect();
    assert_eq!(found.len(), booked.len(), "{when}: two sessions at one time");
    let mut lost: Vec<&String> = ledger.booked.iter().filter(|at| !found.contains(at)).collect();
    lost.sort();
    assert!(lost.is_empty(), "{when}: {} acknowledged bookings lost: {lost:?}", lost.len());
    let unknown: Vec<&&String> =
        found.iter().filter(|at| !ledger.booked.contains(**at) && !ledger.booking_in_doubt.contains(**at)).collect();
    assert!(unknown.is_empty(), "{when}: sessions nobody booked: {unknown:?}");
    let entries = raw.allowed("add_appointments", "case", &seeded.case.to_string()).await;
    assert_eq!(entries, booked.len(), "{when}: one add_appointments entry per booked session");

    let reads = raw.allowed("view_client", "client", &seeded.client.to_string()).await;
    assert!(
        reads >= ledger.reads_received,
        "{when}: {} client pages were sent, but only {reads} view_client entries survived",
        ledger.reads_received
    );
    assert!(reads <= ledger.reads_sent, "{when}: {reads} view_client entries for {} requests", ledger.reads_sent);
}

/// After a kill, on the database: SQLite's file is sound; every acknowledged
/// note and booking is there and every one was sent; notes, bookings and
/// page reads match their entries; and `sensate audit verify` seals and
/// verifies the chain, which still reaches the previous trial's head, after
/// which every note's entry is in the chain.
async fn check_database(db: &TestDb, seeded: &Seeded, ledger: &mut Ledger, trial: usize) {
    let client = seeded.client;
    let mut raw = Raw::open(db).await;
    raw.settle().await;
    if let Some(integrity) = raw.integrity_check().await {
        assert_eq!(integrity, vec!["ok".to_string()], "trial {trial}: PRAGMA integrity_check");
    }
    let key_file = std::fs::read_to_string(db.data_dir.join("master.key")).unwrap();
    let notes = raw.notes(client, &KeyRing::parse(&key_file).unwrap()).await;
    let texts: HashSet<String> = notes.values().cloned().collect();
    assert_eq!(texts.len(), notes.len(), "trial {trial}: one write stored twice");
    let mut lost: Vec<&String> = ledger.acknowledged.iter().filter(|text| !texts.contains(*text)).collect();
    lost.sort();
    assert!(lost.is_empty(), "trial {trial}: {} acknowledged notes lost to SIGKILL: {lost:?}", lost.len());
    let unknown: Vec<&String> =
        texts.iter().filter(|text| !ledger.acknowledged.contains(*text) && !ledger.in_doubt.contains(*text)).collect();
    assert!(unknown.is_empty(), "trial {trial}: notes nobody sent: {unknown:?}");
    let entries = raw.entries("write_note", "clinical_note").await;
    assert_notes_match_entries(&notes, &entries, ledger, &format!("trial {trial}, right after the kill"));
    assert_bookings_and_reads_audited(&mut raw, seeded, ledger, &format!("trial {trial}, right after the kill")).await;
    ledger.found = texts;

    let mut verify = sensate(db);
    verify.args(["audit", "verify"]);
    if let Some(head) = &ledger.head {
        verify.args(["--expect", head]);
    }
    let output = verify.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "trial {trial}: sensate audit verify failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    ledger.head = stdout.lines().find_map(|l| l.strip_prefix("Head: ")).map(str::to_string);
    assert!(ledger.head.is_some(), "trial {trial}: the verification prints the head: {stdout}");

    // Sealing moved every entry into the chain, one per note still.
    assert_eq!(raw.pending().await, 0, "trial {trial}: verify sealed everything pending");
    let entries = raw.entries("write_note", "clinical_note").await;
    let sealed = assert_notes_match_entries(&notes, &entries, ledger, &format!("trial {trial}, after sealing"));
    assert_eq!(sealed, notes.len(), "trial {trial}: every note's entry is in the chain");
    assert_bookings_and_reads_audited(&mut raw, seeded, ledger, &format!("trial {trial}, after sealing")).await;
    raw.close().await;
}

on_both_engines! {
    async fn audited_writes_survive_sigkill_mid_write_with_their_entries(db: TestDb) {
        let started = Instant::now();
        let engine = if db.is_postgres() { "postgres" } else { "sqlite" };
        let logs = tempfile::tempdir().unwrap();
        let seeded = seed(&db).await;
        let client_id = seeded.client;
        let first_day = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().tomorrow().unwrap();
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let mut ledger = Ledger::default();
        let mut in_doubt_requests = 0;

        for trial in 0..=TRIALS {
            let mut server = serve(&db, logs.path(), trial);
            if trial == 0 {
                sign_in(&server, &jar).await;
            }
            let browser = browser(&jar);
            let csrf = read_back(&db, &server, &browser, client_id, &mut ledger).await;
            if trial == TRIALS {
                break;
            }

            let target = Target { client: browser, base: server.base.clone(), csrf, saved: Arc::default() };
            let mut workers = Vec::new();
            for worker in 0..NOTE_WORKERS {
                let notes = Write::text(format!("/clients/{client_id}/notes"), "note", "?done=note");
                let texts = move |n| Some(format!("crash-note-t{trial}-w{worker}-n{n}"));
                workers.push(tokio::spawn(writer(target.clone(), notes, texts)));
            }
            let contact = Write::text(format!("/clients/{client_id}/contact"), "contact_preferences", "?done=contact");
            let contact =
                tokio::spawn(writer(target.clone(), contact, move |n| Some(format!("crash-contact-t{trial}-n{n}"))));
            let (case, kind) = (seeded.case.to_string(), seeded.session_type.to_string());
            let booking = Write {
                path: "/appointments/new".into(),
                // The text is the session's start: its date and time on the form.
                fields: Box::new(move |at: &str| {
                    vec![
                        ("case", case.clone()),
                        ("session_type", kind.clone()),
                        ("format", "telehealth".into()),
                        ("date", at[..10].to_string()),
                        ("time", at[11..16].to_string()),
                        ("repeat", "none".into()),
                    ]
                }),
                done: "&done=added&count=1",
            };
            let slots = move |n| (n < BOOKINGS_PER_TRIAL).then(|| slot(first_day, trial * BOOKINGS_PER_TRIAL + n));
            let booking = tokio::spawn(writer(target.clone(), booking, slots));
            let reading = tokio::spawn(reader(target.clone(), client_id));

            // Once writes are going through, at a random moment: SIGKILL.
            let deadline = Instant::now() + Duration::from_secs(30);
            while target.saved.load(Ordering::Relaxed) == 0 {
                assert!(Instant::now() < deadline, "trial {trial}: nothing was saved in 30 s\n{}", server.log());
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            tokio::time::sleep(Duration::from_millis(random_in(KILL_AFTER_MS))).await;
            server.kill();

            let mut unexpected = Vec::new();
            for worker in workers {
                let log = worker.await.unwrap();
                ledger.acknowledged.extend(log.acknowledged);
                in_doubt_requests += usize::from(log.in_doubt.is_some());
                ledger.in_doubt.extend(log.in_doubt);
                unexpected.extend(log.unexpected);
            }
            let contact = contact.await.unwrap();
            ledger.contact_writes += contact.acknowledged.len();
            if let Some(last) = contact.acknowledged.last() {
                ledger.contact_expected = Some(last.clone());
            }
            ledger.contact_in_doubt = contact.in_doubt;
            unexpected.extend(contact.unexpected);
            let booking = booking.await.unwrap();
            ledger.booked.extend(booking.acknowledged);
            ledger.booking_in_doubt.extend(booking.in_doubt);
            unexpected.extend(booking.unexpected);
            let (received, sent) = reading.await.unwrap();
            ledger.reads_received += received;
            ledger.reads_sent += sent;
            assert!(unexpected.is_empty(), "trial {trial}: answers other than success: {unexpected:?}\n{}", server.log());

            check_database(&db, &seeded, &mut ledger, trial).await;
        }

        assert!(in_doubt_requests > 0, "the kills came while requests were under way");
        let committed_in_doubt = ledger.found.len() - ledger.acknowledged.len();
        println!(
            "crash safety on {engine}: {TRIALS} SIGKILLs, {} acknowledged note writes, {} notes found \
             ({committed_in_doubt} of {in_doubt_requests} unanswered writes had committed), 0 lost, every note with \
             its one audit entry; {} contact changes and {} bookings acknowledged, {} client pages read, each \
             audited; {:.1} s",
            ledger.acknowledged.len(),
            ledger.found.len(),
            ledger.contact_writes,
            ledger.booked.len(),
            ledger.reads_received,
            started.elapsed().as_secs_f64()
        );
    }
}
