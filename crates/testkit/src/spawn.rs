use std::sync::Arc;

use sensate_domain::Clock;
use sensate_domain::totp::{TotpSecret, code_at, step_of};
use sensate_server::{Mode, Running, StartOptions, start};

use crate::{FakeClock, TestDb};

/// The session-type form of a free 20-minute trial consultation by video,
/// for individuals or couples, that needs the therapist's approval.
pub const TRIAL_CONSULTATION: &[(&str, &str)] = &[
    ("name", "Trial consultation"),
    ("duration", "20"),
    ("fee", "0"),
    ("participants", "either"),
    ("telehealth", "on"),
    ("trial", "on"),
    ("needs_approval", "on"),
];

/// The bookable-hours form of Tuesday mornings, 09:00–12:00 in New York, by
/// video: 10 minutes after each session, 12 hours' notice, 30 days ahead,
/// a time every 30 minutes.
pub const TUESDAY_MORNINGS: &[(&str, &str)] = &[
    ("time_zone", "America/New_York"),
    ("buffer_before", "0"),
    ("buffer_after", "10"),
    ("min_notice_hours", "12"),
    ("horizon_days", "30"),
    ("slot_step", "30"),
    ("w1_weekday", "2"),
    ("w1_start", "09:00"),
    ("w1_end", "12:00"),
    ("w1_format", "telehealth"),
];

/// The real server, listening on a free port over a test database.
pub struct TestApp {
    pub base_url: String,
    pub setup_token: Option<String>,
    pub clock: FakeClock,
    /// A client that keeps cookies, like a browser, and does not follow redirects.
    pub client: reqwest::Client,
    pub db: TestDb,
    running: Option<Running>,
    /// How this server was started, so [`TestApp::restart`] can start it again.
    start: Start,
}

/// Changes a test makes to the server's start options.
pub type Tweak = Arc<dyn Fn(&mut StartOptions) + Send + Sync>;

#[derive(Clone)]
struct Start {
    mode: Mode,
    smtp_url: Option<String>,
    demo_therapists: u32,
    tweak: Tweak,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A client with its own cookie jar: a second browser.
    pub fn new_client() -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    /// A client whose browser prefers `languages` (an `Accept-Language`
    /// value such as "en-GB"), which decides how pages write times.
    pub fn client_reading(languages: &str) -> reqwest::Client {
        Self::client_sending("accept-language", languages)
    }

    /// A client that sends `name: value` with every request (a browser's
    /// language, the address a proxy forwards…).
    pub fn client_sending(name: &'static str, value: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(name, value.parse().unwrap());
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap()
    }

    pub fn store(&self) -> &Arc<dyn sensate_store::Store> {
        &self.running.as_ref().expect("the server is running").store
    }

    /// The application behind the routes.
    pub fn app(&self) -> &sensate_app::App {
        &self.running.as_ref().expect("the server is running").app
    }

    /// The audit chain as it stands once every entry written so far is sealed.
    pub async fn audit_chain(&self) -> Vec<sensate_store::AuditRecord> {
        let running = self.running.as_ref().expect("the server is running");
        running.app.seal_audit().await.expect("sealing the audit log");
        running.store.audit_chain().await.expect("reading the audit chain")
    }

    /// Seals, then verifies the whole chain and its stored head.
    pub async fn verify_audit(&self) -> Result<sensate_store::Verified, sensate_store::ChainBreak> {
        let running = self.running.as_ref().expect("the server is running");
        running.app.verify_audit_chain(None).await.expect("verifying the audit log")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// The anti-forgery token the server gave this client, read from a page
    /// the way a browser script would.
    pub async fn csrf_token(&self, client: &reqwest::Client) -> String {
        let body = client.get(self.url("/")).send().await.unwrap().text().await.unwrap();
        let marker = "<meta name=\"csrf-token\" content=\"";
        let start = body.find(marker).expect("pages carry an anti-forgery token") + marker.len();
        let end = body[start..].find('"').unwrap() + start;
        body[start..end].to_string()
    }

    /// Posts JSON the way an API client does: the anti-forgery token from
    /// `GET /api/v1/session` in `X-CSRF-Token`, and no `Origin`.
    pub async fn post_json(&self, client: &reqwest::Client, path: &str, body: serde_json::Value) -> reqwest::Response {
        let session: serde_json::Value =
            client.get(self.url("/api/v1/session")).send().await.unwrap().json().await.unwrap();
        let token = session["csrf_token"].as_str().expect("the session names its anti-forgery token").to_string();
        client.post(self.url(path)).header("x-csrf-token", token).json(&body).send().await.unwrap()
    }

    /// Posts a form the way a browser on this site does (same Origin, token included).
    pub async fn post_form(&self, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token(client).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        client.post(self.url(path)).header("origin", &self.base_url).form(&form).send().await.unwrap()
    }

    /// Posts a file upload form the way a browser on this site does
    /// (`multipart/form-data`, same Origin, the token first, then `fields`,
    /// then the file as (field, file name, bytes) when there is one).
    pub async fn post_multipart(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> reqwest::Response {
        let token = self.csrf_token(client).await;
        let boundary = "----sensate-test-boundary-7d1f";
        let mut body = Vec::new();
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        fields.insert(0, ("csrf_token", &token));
        for (name, value) in fields {
            let part = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n");
            body.extend_from_slice(part.as_bytes());
        }
        if let Some((name, file_name, bytes)) = file {
            let head = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            );
            body.extend_from_slice(head.as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        client
            .post(self.url(path))
            .header("origin", &self.base_url)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Signs this app's client in; panics if the credentials are refused.
    pub async fn login(&self, client: &reqwest::Client, email: &str, password: &str) {
        let response = self.post_form(client, "/login", &[("email", email), ("password", password)]).await;
        assert_eq!(response.status(), 303, "sign-in as {email} should succeed");
    }

    /// Enrols the signed-in staff member in TOTP through the pages, as a
    /// person with an authenticator app would; returns the secret.
    pub async fn enrol_mfa(&self, client: &reqwest::Client) -> TotpSecret {
        let page = client.get(self.url("/mfa")).send().await.unwrap().text().await.unwrap();
        let secret =
            between(&page, "<code class=\"setup-key\">", "</code>").expect("the enrolment page shows a setup key");
        let secret = TotpSecret::from_base32(&secret).unwrap();
        let code = code_at(&secret, step_of(self.clock.now()));
        let response = self.post_form(client, "/mfa/enrol", &[("code", &code)]).await;
        assert_eq!(response.status(), 200);
        assert!(response.text().await.unwrap().contains("Your recovery codes"));
        secret
    }

    /// Passes the second step with a fresh code (the clock moves to the next
    /// time step, since each code works once).
    pub async fn verify_mfa(&self, client: &reqwest::Client, secret: &TotpSecret) {
        self.clock.advance(jiff::SignedDuration::from_secs(30));
        let code = code_at(secret, step_of(self.clock.now()));
        let response = self.post_form(client, "/mfa/verify", &[("code", &code)]).await;
        assert_eq!(response.status(), 303, "the second step should pass");
    }

    /// The practice of the person with this email (their first membership).
    pub async fn practice_of(&self, email: &str) -> sensate_domain::PracticeId {
        let user = self.store().login_record(email).await.unwrap().expect("an account with this email").id;
        self.store().memberships(user).await.unwrap()[0].practice_id
    }

    /// Adds a person with a role in a practice, straight into the store.
    pub async fn add_person(
        &self,
        practice: sensate_domain::PracticeId,
        email: &str,
        name: &str,
        role: sensate_domain::Role,
        password: &str,
    ) -> sensate_domain::UserId {
        let id = sensate_domain::UserId::new();
        let now = self.clock.now();
        self.store()
            .insert_user(&sensate_store::NewUser {
                id,
                email: sensate_domain::Email::parse(email).unwrap(),
                display_name: name.into(),
                password_hash: sensate_app::infra::secrets::hash_password(password.into()).await.unwrap(),
                created_at: now,
            })
            .await
            .unwrap();
        self.store().insert_membership(practice, id, role, now).await.unwrap();
        id
    }

    /// A staff member's browser, signed in and past the second step.
    pub async fn signed_in_staff(&self, email: &str, password: &str) -> reqwest::Client {
        let client = TestApp::new_client();
        self.login(&client, email, password).await;
        self.enrol_mfa(&client).await;
        client
    }

    /// Lists a therapist in the directory through the pages: signed in as
    /// `therapist`, a profile for individuals by video that takes new
    /// clients (plus `more` fields), a New York licence, and the owner's
    /// verification of it.
    pub async fn list_in_directory(
        &self,
        owner: &reqwest::Client,
        therapist: &reqwest::Client,
        id: sensate_domain::UserId,
        more: &[(&str, &str)],
    ) {
        let profile = format!("/profiles/{id}");
        let mut about = vec![
            ("headline", "Calm help"),
            ("sees_individuals", "on"),
            ("offers_telehealth", "on"),
            ("accepting_new_clients", "on"),
        ];
        about.extend_from_slice(more);
        assert_eq!(self.post_form(therapist, &profile, &about).await.status(), 303, "profile saved");
        let licence = [("kind", "lmft"), ("jurisdiction", "US-NY"), ("number", "NY-1"), ("expires_on", "2028-01-31")];
        self.post_form(therapist, &format!("{profile}/licences"), &licence).await;
        let editor = owner.get(self.url(&profile)).send().await.unwrap().text().await.unwrap();
        let licence = between(&editor, "/credentials/", "/verify").expect("the licence on the editor");
        let verified =
            self.post_form(owner, &format!("{profile}/credentials/{licence}/verify"), &[("method", "register")]).await;
        assert_eq!(verified.status(), 303, "licence verified");
    }

    /// First-start set-up through the pages, then the owner's TOTP
    /// enrolment; returns the owner's signed-in client and secret.
    pub async fn set_up_practice(&self, owner: &Owner<'_>) -> (reqwest::Client, TotpSecret) {
        let client = TestApp::new_client();
        let token = self.setup_token.clone().expect("a fresh server prints a set-up link");
        let response = self
            .post_form(
                &client,
                "/setup",
                &[
                    ("token", &token),
                    ("practice_name", owner.practice),
                    ("time_zone", owner.time_zone),
                    ("owner_name", owner.name),
                    ("email", owner.email),
                    ("password", owner.password),
                    ("password_confirm", owner.password),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], "/dashboard");
        // Staff see nothing before the second step is set up.
        let gated = client.get(self.url("/dashboard")).send().await.unwrap();
        assert_eq!(gated.headers()["location"], "/mfa");
        let secret = self.enrol_mfa(&client).await;
        (client, secret)
    }

    /// In the demo, the second-step page shows the current code.
    pub async fn pass_demo_mfa(&self, client: &reqwest::Client) {
        let page = client.get(self.url("/mfa")).send().await.unwrap().text().await.unwrap();
        let code = between(&page, "current code for this fictional account is ", ".").expect("the demo shows the code");
        let response = self.post_form(client, "/mfa/verify", &[("code", &code)]).await;
        assert_eq!(response.status(), 303, "the demo code should pass");
    }

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }

    /// Stops the server and starts a new one on the same database, data
    /// directory and clock, as after a restart of the process.
    pub async fn restart(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        let running = start(options(&self.start, &self.db, &self.clock)).await.expect("the server starts again");
        self.base_url = running.base_url.clone();
        self.setup_token = running.setup_token.clone();
        self.running = Some(running);
    }

    /// Plans reminders and runs every job due by the clock now, as the
    /// server's background task would at its next tick.
    pub async fn run_due_jobs(&self) -> sensate_app::jobs::JobReport {
        self.running.as_ref().expect("the server is running").jobs.run_due().await.expect("due jobs run")
    }
}

/// Who sets up a test practice.
pub struct Owner<'a> {
    pub practice: &'a str,
    pub time_zone: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
}

/// The practice most tests use.
pub const LAKESIDE: Owner<'static> = Owner {
    practice: "Lakeside Therapy",
    time_zone: "Europe/Berlin",
    name: "Ines Owner",
    email: "ines@lakeside.example",
    password: "a calm harbor at dawn",
};

/// The text between two markers.
pub fn between(html: &str, start: &str, end: &str) -> Option<String> {
    let from = html.find(start)? + start.len();
    let to = html[from..].find(end)? + from;
    Some(html[from..to].to_string())
}

/// The value of `<input … name="NAME" value="…">` in a page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

async fn spawn(mode: Mode, db: TestDb, smtp_url: Option<String>) -> TestApp {
    spawn_with(mode, db, smtp_url, 0).await
}

async fn spawn_with(mode: Mode, db: TestDb, smtp_url: Option<String>, demo_therapists: u32) -> TestApp {
    launch(db, Start { mode, smtp_url, demo_therapists, tweak: Arc::new(|_| {}) }).await
}

fn options(how: &Start, db: &TestDb, clock: &FakeClock) -> StartOptions {
    let mut options = StartOptions::new(how.mode, "127.0.0.1:0".parse().unwrap(), db.data_dir.clone(), db.url.clone());
    options.clock = Arc::new(clock.clone());
    options.smtp_url = how.smtp_url.clone();
    options.demo_therapists = how.demo_therapists;
    options.mail_from = "Sensate <noreply@lakeside.example>".to_string();
    (how.tweak)(&mut options);
    options
}

async fn launch(db: TestDb, how: Start) -> TestApp {
    let clock = FakeClock::at("2026-11-23T15:00:00Z");
    let running = start(options(&how, &db, &clock)).await.expect("the server starts");
    TestApp {
        base_url: running.base_url.clone(),
        setup_token: running.setup_token.clone(),
        clock,
        client: TestApp::new_client(),
        db,
        running: Some(running),
        start: how,
    }
}

/// `sensate serve` sending mail to an SMTP server, with start options changed
/// by `tweak` (also when [`TestApp::restart`] starts it again).
pub async fn spawn_app_with(db: TestDb, smtp_url: String, tweak: Tweak) -> TestApp {
    launch(db, Start { mode: Mode::Serve, smtp_url: Some(smtp_url), demo_therapists: 0, tweak }).await
}

/// `sensate serve` over a fresh database: no practice yet, a set-up token printed.
pub async fn spawn_app(db: TestDb) -> TestApp {
    spawn(Mode::Serve, db, None).await
}

/// `sensate serve` sending mail to an SMTP server (the test's sink).
pub async fn spawn_app_with_mail(db: TestDb, smtp_url: String) -> TestApp {
    spawn(Mode::Serve, db, Some(smtp_url)).await
}

/// `sensate demo`: the fictional practice (always SQLite, in the data dir).
pub async fn spawn_demo(db: TestDb) -> TestApp {
    spawn(Mode::Demo, db, None).await
}

/// `sensate demo --therapists N`: the fictional practice, and N synthetic
/// therapists listed in the directory.
pub async fn spawn_demo_with_therapists(db: TestDb, therapists: u32) -> TestApp {
    spawn_with(Mode::Demo, db, None, therapists).await
}
