//! Never double-booked, through HTTP: three `sensate serve` processes share
//! one database (one SQLite file, or one PostgreSQL database), and 200
//! visitors send the booking form for the same time at the same moment.
//! Exactly one is asked to check their email; every other one is told the
//! time was just taken and offered others; nobody sees a server error.
//!
//! Also here, because it needs the real binary and its settings: the number
//! of booking requests per address per hour is what the operator set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use sensate_domain::totp::{TotpSecret, code_at, step_of};
use sensate_domain::{Role, UserId};
use sensate_testkit::smtp_sink::SmtpSink;
use sensate_testkit::{TestDb, between, hidden_value, on_both_engines};
use tokio::sync::Barrier;

const VISITORS: usize = 200;
const PROCESSES: usize = 3;
const OWNER_EMAIL: &str = "ines@lakeside.example";
const OWNER_PASSWORD: &str = "a calm harbor at dawn";
const TESS_PASSWORD: &str = "booking under pressure";

/// A `sensate serve` process, stopped when dropped (also when a test fails).
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// Starts `sensate serve` over the test's database and data directory (so
/// every process reads the same master key), mailing to the sink. Returns the
/// server and the set-up link's token when it printed one.
fn serve(db: &TestDb, smtp_url: &str, logs: &Path, n: usize, env: &[(&str, &str)]) -> (Server, Option<String>) {
    let log = logs.join(format!("server-{n}.log"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_sensate"));
    command
        .arg("serve")
        .env_remove("SENSATE_BASE_URL")
        .env_remove("SENSATE_MASTER_KEY")
        .env_remove("SENSATE_BOOKING_REQUESTS_PER_HOUR")
        .env("SENSATE_LISTEN", "127.0.0.1:0")
        .env("SENSATE_DATA_DIR", &db.data_dir)
        .env("SENSATE_DATABASE_URL", &db.url)
        .env("SENSATE_SMTP_URL", smtp_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut base, mut token, mut printed) = (None, None, Vec::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Sensate ") {
            base = rest.split_once(" is serving ").map(|(_, url)| url.trim().to_string());
        }
        if let Some(link) = line.trim().split_once("/setup?token=") {
            token = Some(link.1.to_string());
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
    (Server { child, base, log }, token)
}

/// A browser: its own cookie jar, not following redirects, and optionally
/// its own loopback source address.
fn browser(address: Option<Ipv4Addr>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60));
    if let Some(address) = address {
        builder = builder.local_address(IpAddr::V4(address));
    }
    builder.build().unwrap()
}

/// The anti-forgery token a page gave this browser.
fn csrf_of(html: &str) -> String {
    between(html, "<meta name=\"csrf-token\" content=\"", "\"").expect("pages carry an anti-forgery token")
}

/// Posts a form as a browser on this site does: same origin, token included.
async fn post(server: &Server, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let page = client.get(server.url("/")).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&page);
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf_token", &token));
    client.post(server.url(path)).header("origin", &server.base).form(&form).send().await.unwrap()
}

/// Enrols the signed-in staff member in TOTP with the real time, as an authenticator app would.
async fn enrol_mfa(server: &Server, client: &reqwest::Client) {
    let page = client.get(server.url("/mfa")).send().await.unwrap().text().await.unwrap();
    let secret = between(&page, "<code class=\"setup-key\">", "</code>").expect("the enrolment page shows a key");
    let secret = TotpSecret::from_base32(&secret).unwrap();
    let code = code_at(&secret, step_of(Timestamp::now()));
    let response = post(server, client, "/mfa/enrol", &[("code", &code)]).await;
    assert_eq!(response.status(), 200, "the second step is set up");
}

/// Through the first server's pages: the practice from the printed set-up
/// link, a listed therapist licensed in New York with video hours every day
/// (09:00–17:00 New York time, 12 hours' notice), and a free trial
/// consultation. Returns the therapist's id.
async fn set_up_practice(db: &TestDb, server: &Server, setup_token: &str) -> UserId {
    let owner = browser(None);
    let response = post(
        server,
        &owner,
        "/setup",
        &[
            ("token", setup_token),
            ("practice_name", "Lakeside Therapy"),
            ("time_zone", "America/New_York"),
            ("owner_name", "Ines Owner"),
            ("email", OWNER_EMAIL),
            ("password", OWNER_PASSWORD),
            ("password_confirm", OWNER_PASSWORD),
        ],
    )
    .await;
    assert_eq!(response.status(), 303, "the set-up link creates the practice");
    enrol_mfa(server, &owner).await;

    // Staff accounts come from invitations by email; the test adds the
    // therapist's account straight to the shared database instead.
    let store = db.store().await;
    let owner_id = store.login_record(OWNER_EMAIL).await.unwrap().unwrap().id;
    let practice = store.memberships(owner_id).await.unwrap()[0].practice_id;
    let tess_id = UserId::new();
    let now = Timestamp::now();
    store
        .insert_user(&sensate_store::NewUser {
            id: tess_id,
            email: sensate_domain::Email::parse("tess@lakeside.example").unwrap(),
            display_name: "Tess Therapist".into(),
            password_hash: sensate_app::infra::secrets::hash_password(TESS_PASSWORD.into()).await.unwrap(),
            created_at: now,
        })
        .await
        .unwrap();
    store.insert_membership(practice, tess_id, Role::Clinician, now).await.unwrap();
    store.close().await;

    let tess = browser(None);
    let signed_in =
        post(server, &tess, "/login", &[("email", "tess@lakeside.example"), ("password", TESS_PASSWORD)]).await;
    assert_eq!(signed_in.status(), 303);
    enrol_mfa(server, &tess).await;
    let profile = format!("/profiles/{tess_id}");
    let saved = post(
        server,
        &tess,
        &profile,
        &[
            ("headline", "Calm help"),
            ("sees_individuals", "on"),
            ("offers_telehealth", "on"),
            ("accepting_new_clients", "on"),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    let licence = [("kind", "lmft"), ("jurisdiction", "US-NY"), ("number", "NY-1"), ("expires_on", "2099-01-31")];
    assert_eq!(post(server, &tess, &format!("{profile}/licences"), &licence).await.status(), 303);
    let editor = owner.get(server.url(&profile)).send().await.unwrap().text().await.unwrap();
    let licence = between(&editor, "/credentials/", "/verify").unwrap();
    let verified =
        post(server, &owner, &format!("{profile}/credentials/{licence}/verify"), &[("method", "register")]).await;
    assert_eq!(verified.status(), 303);
    let trial = [
        ("name", "Trial consultation"),
        ("duration", "20"),
        ("fee", "0"),
        ("participants", "either"),
        ("telehealth", "on"),
        ("trial", "on"),
        ("needs_approval", "on"),
    ];
    assert_eq!(post(server, &owner, "/session-types", &trial).await.status(), 303);
    let mut hours = vec![
        ("time_zone".to_string(), "America/New_York".to_string()),
        ("buffer_before".into(), "0".into()),
        ("buffer_after".into(), "10".into()),
        ("min_notice_hours".into(), "12".into()),
        ("horizon_days".into(), "30".into()),
        ("slot_step".into(), "30".into()),
    ];
    for day in 1..=7 {
        hours.push((format!("w{day}_weekday"), day.to_string()));
        hours.push((format!("w{day}_start"), "09:00".into()));
        hours.push((format!("w{day}_end"), "17:00".into()));
        hours.push((format!("w{day}_format"), "telehealth".into()));
    }
    let hours: Vec<(&str, &str)> = hours.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(post(server, &tess, &format!("/availability/{tess_id}"), &hours).await.status(), 303);
    tess_id
}

/// The links to free times on a page of times, in order (`&` unescaped).
/// A server that accepts two booking requests an hour from each address and
/// for each recipient (set by the environment variable, as a systemd unit
/// would), its therapist, and the links of the free times their page offers.
async fn limited_to_two_an_hour(db: &TestDb, sink: &SmtpSink, logs: &Path) -> (Server, UserId, Vec<String>) {
    let (server, token) = serve(db, &sink.url(), logs, 0, &[("SENSATE_BOOKING_REQUESTS_PER_HOUR", "2")]);
    let therapist = set_up_practice(db, &server, &token.unwrap()).await;
    let page = server.url(&format!("/therapists/{therapist}/book?tz=America/New_York"));
    let page = browser(None).get(page).send().await.unwrap().text().await.unwrap();
    (server, therapist, slot_links(&page))
}

fn slot_links(html: &str) -> Vec<String> {
    html.split("<a class=\"button button-secondary slot\" href=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(href, _)| href.replace("&#38;", "&").replace("&amp;", "&")))
        .collect()
}

/// The chosen start, from a time's link.
fn start_of(href: &str) -> String {
    let encoded = href.split("start=").nth(1).unwrap();
    percent_encoding::percent_decode_str(encoded).decode_utf8().unwrap().into_owned()
}

/// A visitor's filled-in form for a time's link, fetched now from `server`:
/// the hidden fields the page carries, the anti-forgery token, and the answers.
async fn fetch_form(server: &Server, visitor: &reqwest::Client, href: &str, n: usize) -> Vec<(String, String)> {
    let response = visitor.get(server.url(href)).send().await.unwrap();
    assert_eq!(response.status(), 200, "the form for {href}");
    let html = response.text().await.unwrap();
    let mut fields: Vec<(String, String)> = ["type", "format", "start", "tz", "stamp"]
        .iter()
        .map(|name| (name.to_string(), hidden_value(&html, name).unwrap_or_else(|| panic!("hidden {name}"))))
        .collect();
    fields.push(("csrf_token".into(), csrf_of(&html)));
    for (name, value) in [
        ("name", format!("Visitor {n}")),
        ("email", format!("visitor{n}@visitor.example")),
        ("payment", "self_pay".into()),
        ("jurisdiction", "US-NY".into()),
        ("discreet_email", "on".into()),
        ("consent_privacy", "on".into()),
        ("consent_adult", "on".into()),
        ("website", String::new()),
    ] {
        fields.push((name.into(), value));
    }
    fields
}

/// What a visitor got back.
struct Answer {
    status: u16,
    body: String,
}

async fn send_form(
    server: &Server,
    visitor: &reqwest::Client,
    therapist: UserId,
    form: &[(String, String)],
) -> Result<Answer, String> {
    let response = visitor
        .post(server.url(&format!("/therapists/{therapist}/book")))
        .header("origin", &server.base)
        .form(form)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| format!("{e:?}"))?;
    Ok(Answer { status, body })
}

/// The minimum time to submit is counted in whole seconds of the server's
/// clock, so 3 s of real time after the last form was shown is enough.
async fn wait_out_minimum_time(last_form_shown: Instant) {
    let ready = last_form_shown + Duration::from_millis(3_100);
    tokio::time::sleep(ready.saturating_duration_since(Instant::now())).await;
}

fn logs_of(servers: &[Server]) -> String {
    servers.iter().map(|s| std::fs::read_to_string(&s.log).unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

on_both_engines! {
    async fn two_hundred_visitors_on_three_servers_book_one_time_once(db: TestDb) {
        let sink = SmtpSink::start().await;
        let logs = tempfile::tempdir().unwrap();
        // The first process creates the schema and the master key; the
        // others start once it serves, over the same database and key.
        let (first, token) = serve(&db, &sink.url(), logs.path(), 0, &[]);
        let therapist = set_up_practice(&db, &first, &token.expect("a fresh database prints a set-up link")).await;
        let mut servers = vec![first];
        for n in 1..PROCESSES {
            let (server, token) = serve(&db, &sink.url(), logs.path(), n, &[]);
            assert!(token.is_none(), "the practice exists, so no set-up link");
            servers.push(server);
        }
        let servers = Arc::new(servers);

        // A time well past the 12 hours' notice (the fifth offered), chosen
        // on the third server's page: what the first one saved is visible there.
        let page = servers[2]
            .url(&format!("/therapists/{therapist}/book?tz=America/New_York"));
        let page = browser(None).get(page).send().await.unwrap().text().await.unwrap();
        let links = slot_links(&page);
        assert!(links.len() > 5, "free times are offered on every server: {page}");
        let href = links[4].clone();
        let chosen = start_of(&href);

        // Each visitor comes from an address of its own (127.0.0.2 …), as
        // 200 people would, so the limit per address stays at its default
        // of 5 an hour and does not decide anything here.
        let visitors: Vec<reqwest::Client> =
            (0..VISITORS).map(|n| browser(Some(Ipv4Addr::new(127, 0, (n / 250) as u8, (n % 250 + 2) as u8)))).collect();
        let fetches: Vec<_> = visitors
            .iter()
            .enumerate()
            .map(|(n, visitor)| {
                let (servers, visitor, href) = (servers.clone(), visitor.clone(), href.clone());
                tokio::spawn(async move { fetch_form(&servers[n % PROCESSES], &visitor, &href, n).await })
            })
            .collect();
        let mut forms = Vec::new();
        for fetch in fetches {
            forms.push(fetch.await.unwrap());
        }
        wait_out_minimum_time(Instant::now()).await;

        let barrier = Arc::new(Barrier::new(VISITORS));
        let tasks: Vec<_> = visitors
            .into_iter()
            .zip(forms)
            .enumerate()
            .map(|(n, (visitor, form))| {
                let (servers, barrier) = (servers.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    send_form(&servers[n % PROCESSES], &visitor, therapist, &form).await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }

        let failures: Vec<&String> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
        assert!(failures.is_empty(), "connection errors: {failures:?}");
        let answers: Vec<Answer> = answers.into_iter().map(Result::unwrap).collect();
        let server_errors = answers.iter().filter(|a| a.status >= 500).count();
        assert_eq!(server_errors, 0, "no server errors; logs:\n{}", logs_of(&servers));
        let booked: Vec<&Answer> = answers.iter().filter(|a| a.body.contains("Check your email")).collect();
        assert_eq!(booked.len(), 1, "exactly one visitor holds the time");
        assert_eq!(booked[0].status, 200);
        let taken: Vec<&Answer> = answers.iter().filter(|a| a.body.contains("This time was just taken.")).collect();
        assert_eq!(taken.len(), VISITORS - 1, "everyone else is told it was taken");
        for answer in &taken {
            assert_eq!(answer.status, 409);
            let alternatives = slot_links(&answer.body);
            assert!(!alternatives.is_empty(), "nearby free times are offered: {}", answer.body);
            assert!(alternatives.iter().all(|a| start_of(a) != chosen), "never the taken time itself");
        }

        // In the database: one appointment occupies that time (a hold counts
        // from now until it lapses), and one email went out.
        let start: Timestamp = chosen.parse().unwrap();
        let store = db.store().await;
        let occupying: Vec<(Timestamp, Timestamp)> = store
            .busy_times(therapist, Timestamp::now(), Timestamp::now())
            .await
            .unwrap()
            .into_iter()
            .filter(|(from, to)| *from < start + jiff::SignedDuration::from_mins(20) && *to > start)
            .collect();
        store.close().await;
        assert_eq!(occupying, vec![(start, start + jiff::SignedDuration::from_mins(20))]);
        let mail = sink.wait_for(1, Duration::from_secs(10)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(mail.len(), 1);
        assert_eq!(sink.messages().len(), 1, "one confirmation link was sent");
    }

    async fn one_recipient_gets_no_more_booking_mail_than_the_limit_from_any_number_of_addresses(db: TestDb) {
        let sink = SmtpSink::start().await;
        let logs = tempfile::tempdir().unwrap();
        let (server, therapist, links) = limited_to_two_an_hour(&db, &sink, logs.path()).await;

        // Three addresses aim booking requests at one person's email address.
        let senders: Vec<reqwest::Client> = (2..5).map(|last| browser(Some(Ipv4Addr::new(127, 0, 0, last)))).collect();
        let mut forms = Vec::new();
        for (sender, href) in senders.iter().zip(links.iter().skip(4).step_by(2)) {
            forms.push(fetch_form(&server, sender, href, 7).await);
        }
        wait_out_minimum_time(Instant::now()).await;
        for (sender, form) in senders.iter().zip(&forms).take(2) {
            let answer = send_form(&server, sender, therapist, form).await.unwrap();
            assert_eq!(answer.status, 200);
            assert!(answer.body.contains("Check your email"));
        }
        let third = send_form(&server, &senders[2], therapist, &forms[2]).await.unwrap();
        assert_eq!(third.status, 429, "the recipient's limit holds whichever address asks");
        assert!(third.body.contains("Please wait a little"), "{}", third.body);

        let mails = sink.wait_for(2, Duration::from_secs(10)).await;
        assert!(mails.iter().all(|m| m.to == vec!["visitor7@visitor.example".to_string()]));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 2, "no third email to the same person");
        let store = db.store().await;
        let held = store.busy_times(therapist, Timestamp::now(), Timestamp::now()).await.unwrap();
        store.close().await;
        assert_eq!(held.len(), 2, "the refused request holds no time: {held:?}");
    }

    async fn the_booking_limit_per_address_is_the_one_the_operator_set(db: TestDb) {
        let sink = SmtpSink::start().await;
        let logs = tempfile::tempdir().unwrap();
        let (server, therapist, links) = limited_to_two_an_hour(&db, &sink, logs.path()).await;

        // One address asks for three different times, a second address for a fourth.
        let same = browser(Some(Ipv4Addr::new(127, 0, 0, 2)));
        let other = browser(Some(Ipv4Addr::new(127, 0, 0, 3)));
        let mut forms = Vec::new();
        for (n, href) in links.iter().skip(4).step_by(2).take(3).enumerate() {
            forms.push(fetch_form(&server, &same, href, n).await);
        }
        let fourth = fetch_form(&server, &other, &links[12], 3).await;
        wait_out_minimum_time(Instant::now()).await;

        for form in &forms[..2] {
            let answer = send_form(&server, &same, therapist, form).await.unwrap();
            assert_eq!(answer.status, 200);
            assert!(answer.body.contains("Check your email"));
        }
        let third = send_form(&server, &same, therapist, &forms[2]).await.unwrap();
        assert_eq!(third.status, 429, "the third request within the hour is refused");
        assert!(third.body.contains("Please wait a little"), "{}", third.body);
        // The wait named is the booking limit's window, not the sign-in limit's.
        assert!(third.body.contains("please wait 60 minutes and try again"), "{}", third.body);
        let elsewhere = send_form(&server, &other, therapist, &fourth).await.unwrap();
        assert_eq!(elsewhere.status, 200, "another address is not affected");
        assert!(elsewhere.body.contains("Check your email"));

        // Three times held, the refused one not; three links sent.
        let store = db.store().await;
        let held = store.busy_times(therapist, Timestamp::now(), Timestamp::now()).await.unwrap();
        store.close().await;
        assert_eq!(held.len(), 3, "{held:?}");
        let refused: Timestamp = start_of(&links[8]).parse().unwrap();
        assert!(held.iter().all(|(from, _)| *from != refused), "the refused time is still free");
        assert_eq!(sink.wait_for(3, Duration::from_secs(10)).await.len(), 3);
    }
}
