//! The real server over HTTP, on both engines: probes, pages, security
//! headers, the anti-forgery check, first-owner set-up, sign-in and sessions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::SignedDuration;
use sensate_testkit::{LAKESIDE, TestApp, between, hidden_value, on_both_engines, spawn_app};

const OWNER_PASSWORD: &str = "a calm harbor at dawn";

on_both_engines! {
    async fn probes_report_liveness_and_readiness(db: TestDb) {
        let app = spawn_app(db).await;
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200);
        assert!(health.headers().get("set-cookie").is_none(), "probes get no cookie");
        assert_eq!(health.json::<serde_json::Value>().await.unwrap()["status"], "ok");
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200);
        assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["status"], "ready");

        app.store().close().await;
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 503, "not ready once the database is gone");
        assert_eq!(app.get("/healthz").await.status(), 200, "but still alive");
        app.stop().await;
    }

    async fn public_pages_render_with_security_headers(db: TestDb) {
        let app = spawn_app(db).await;
        for (path, heading) in [
            ("/", "<h1>Talk therapy for sexual concerns</h1>"),
            ("/how-it-works", "<h1>How sex therapy works</h1>"),
            ("/privacy", "<h1>Privacy</h1>"),
            ("/login", "<h1>Sign in</h1>"),
        ] {
            let response = app.get(path).await;
            assert_eq!(response.status(), 200, "{path}");
            let headers = response.headers().clone();
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(!csp.contains("unsafe-inline"));
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(headers["referrer-policy"], "no-referrer");
            assert_eq!(headers["cache-control"], "no-store");
            assert!(headers.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
            assert_eq!(headers["x-request-id"].len(), 16);
            let body = response.text().await.unwrap();
            assert!(body.contains(heading), "{path} shows {heading}");
            assert!(body.contains("Skip to main content"));
            assert!(!body.contains("Demo — fictional data"), "no demo banner outside demo mode");
        }
        let css = app.get("/static/sensate.css").await;
        assert_eq!(css.status(), 200);
        assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
        assert!(css.headers()["cache-control"].to_str().unwrap().starts_with("public"));
        let htmx = app.get("/static/htmx.min.js").await;
        assert_eq!(htmx.status(), 200);
        assert!(htmx.text().await.unwrap().contains("htmx"));
        app.stop().await;
    }

    async fn the_self_check_asks_its_questions_and_keeps_nothing(db: TestDb) {
        let app = spawn_app(db).await;
        let written = app.audit_chain().await.len();
        let response = TestApp::new_client().get(app.url("/self-check")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("set-cookie").is_none(), "no cookie: the page has nothing to remember");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body = response.text().await.unwrap();
        assert!(body.contains("<h1>Is sex therapy right for me?</h1>"));
        for question in [
            "Are you in danger, or in crisis, at the moment?",
            "has a physician checked them?",
            "What would you most like help with?",
            "Would you come on your own or with a partner?",
            "How would you like to meet?",
            "Which state are you in?",
        ] {
            assert!(body.contains(question), "asks: {question}");
        }
        assert!(body.contains("<option value=\"vaginismus\">"), "concerns come from the reference data");
        assert!(body.contains("<option value=\"NY\">New York</option>"), "so do states");
        // What it says without any script: what therapy is and is not, crisis help, a physician.
        assert!(body.contains("No physical contact, ever."));
        assert!(body.contains("Sex therapy is not an emergency service.") && body.contains("988"));
        assert!(body.contains("see a physician alongside therapy"));

        // The questions that become filters are a plain search form; the
        // answers about safety and health belong to no form, so no browser sends them.
        assert_eq!(body.matches("<form").count(), 1);
        let form = between(&body, "<form method=\"get\" action=\"/therapists\"", "</form>").unwrap();
        for name in ["concerns", "focus", "format", "state", "near"] {
            assert!(form.contains(&format!("name=\"{name}\"")), "{name} is a search filter");
        }
        for name in ["safety", "checkup"] {
            assert!(body.contains(&format!("name=\"{name}\"")) && !form.contains(&format!("name=\"{name}\"")), "{name}");
        }
        let script = app.get("/static/self-check.js").await;
        assert_eq!(script.headers()["content-type"], "text/javascript; charset=utf-8");
        let script = script.text().await.unwrap();
        for sends_or_keeps in ["fetch(", "XMLHttpRequest", "sendBeacon", "localStorage", "sessionStorage", "document.cookie", "indexedDB"] {
            assert!(!script.contains(sends_or_keeps), "the self-check script never uses {sends_or_keeps}");
        }
        assert_eq!(app.audit_chain().await.len(), written, "the server wrote nothing");
        let home = app.get("/").await.text().await.unwrap();
        assert!(home.contains("href=\"/self-check\""), "the home page leads to it");
        app.stop().await;
    }

    async fn unknown_addresses_get_a_helpful_404(db: TestDb) {
        let app = spawn_app(db).await;
        for path in ["/no-such-page", "/static/missing.css", "/therapists/../etc/passwd"] {
            let response = app.get(path).await;
            assert_eq!(response.status(), 404, "{path}");
            let body = response.text().await.unwrap();
            assert!(body.contains("<h1>Page not found</h1>"), "{path}");
            assert!(body.contains("href=\"/\""));
        }
        app.stop().await;
    }

    async fn first_owner_sets_up_the_practice_once(db: TestDb) {
        let app = spawn_app(db).await;
        let token = app.setup_token.clone().unwrap();
        assert_eq!(app.get("/setup?token=wrong").await.status(), 404);
        let form = app.get(&format!("/setup?token={token}")).await;
        assert_eq!(form.status(), 200);
        let body = form.text().await.unwrap();
        assert!(body.contains("<h1>Set up your practice</h1>"));
        assert_eq!(hidden_value(&body, "token").as_deref(), Some(token.as_str()));

        let (owner, _) = app.set_up_practice(&LAKESIDE).await;
        let dashboard = owner.get(app.url("/dashboard")).send().await.unwrap();
        assert_eq!(dashboard.status(), 200);
        let body = dashboard.text().await.unwrap();
        assert!(body.contains("Welcome, Ines Owner."));
        assert!(body.contains("Lakeside Therapy · Practice owner"));
        assert!(body.contains("shown in the practice's time zone (Central European Time)"), "{body}");
        assert!(body.contains("<h2 id=\"overview-title\">Practice overview</h2>"));
        assert!(body.contains("No therapist profiles yet."), "a helpful empty state");

        // The link is spent: neither the form nor a replayed submission works.
        assert_eq!(app.get(&format!("/setup?token={token}")).await.status(), 404);
        let replay = app.post_form(&TestApp::new_client(), "/setup", &[
            ("token", &token), ("practice_name", "Takeover"), ("time_zone", "UTC"), ("owner_name", "Mallory"),
            ("email", "mallory@example.org"), ("password", "another long password"), ("password_confirm", "another long password"),
        ]).await;
        assert_eq!(replay.status(), 404);
        assert!(replay.text().await.unwrap().contains("This set-up link is not valid"));
        assert_eq!(app.store().practice_count().await.unwrap(), 1);
        assert!(app.store().login_record("mallory@example.org").await.unwrap().is_none());

        // Even a valid link sets up nothing once a practice exists.
        let fresh = "0f".repeat(32);
        let now = sensate_domain::Clock::now(&app.clock);
        let hash = sensate_app::infra::secrets::token_hash(&fresh);
        app.store().replace_setup_token(&hash, now, now + SignedDuration::from_hours(1)).await.unwrap();
        let second = app.post_form(&TestApp::new_client(), "/setup", &[
            ("token", &fresh), ("practice_name", "Takeover"), ("time_zone", "UTC"), ("owner_name", "Mallory"),
            ("email", "mallory@example.org"), ("password", "another long password"), ("password_confirm", "another long password"),
        ]).await;
        assert_eq!(second.status(), 404);
        assert_eq!(app.store().practice_count().await.unwrap(), 1);
        assert!(app.store().login_record("mallory@example.org").await.unwrap().is_none());
        app.stop().await;
    }

    async fn setup_form_errors_keep_input_and_change_nothing(db: TestDb) {
        let app = spawn_app(db).await;
        let token = app.setup_token.clone().unwrap();
        let client = TestApp::new_client();
        let response = app.post_form(&client, "/setup", &[
            ("token", &token),
            ("practice_name", "Lakeside Therapy"),
            ("time_zone", "Mars/Olympus"),
            ("owner_name", "   "),
            ("email", "ines-at-lakeside"),
            ("password", "short"),
            ("password_confirm", "short"),
        ]).await;
        assert_eq!(response.status(), 422);
        let body = response.text().await.unwrap();
        assert!(body.contains("Please correct the following"));
        assert!(body.contains("Choose a time zone from the list"));
        assert!(body.contains("Enter a name."));
        assert!(body.contains("Enter an email address like name@example.org."));
        assert!(body.contains("Use at least 8 characters"));
        assert!(body.contains("value=\"Lakeside Therapy\""), "what was typed is kept");
        assert!(body.contains("value=\"ines-at-lakeside\""));
        assert!(!body.contains("value=\"short\""), "passwords are never echoed back");
        assert!(body.contains("aria-invalid=\"true\""));
        assert_eq!(app.store().practice_count().await.unwrap(), 0);

        let mismatch = app.post_form(&client, "/setup", &[
            ("token", &token), ("practice_name", "Lakeside"), ("time_zone", "UTC"), ("owner_name", "Ines"),
            ("email", "ines@lakeside.example"), ("password", "long enough phrase"), ("password_confirm", "long enough phrase!"),
        ]).await;
        assert_eq!(mismatch.status(), 422);
        assert!(mismatch.text().await.unwrap().contains("The two passwords do not match."));
        assert!(app.setup_token_still_valid(&token).await, "a failed attempt does not spend the link");
        app.stop().await;
    }

    async fn state_changes_need_the_token_and_this_origin(db: TestDb) {
        let app = spawn_app(db).await;
        let client = TestApp::new_client();
        let token = app.csrf_token(&client).await;
        let fields = [("email", "x@example.org"), ("password", "whatever it is")];

        let no_token = client.post(app.url("/login")).form(&fields).send().await.unwrap();
        assert_eq!(no_token.status(), 403);
        assert!(no_token.text().await.unwrap().contains("This form has expired"));

        let mut with_token = fields.to_vec();
        with_token.push(("csrf_token", &token));
        let foreign = client.post(app.url("/login")).header("origin", "https://evil.example").form(&with_token).send().await.unwrap();
        assert_eq!(foreign.status(), 403);
        assert!(foreign.text().await.unwrap().contains("sent from another website"));

        let cross_site = client.post(app.url("/login")).header("sec-fetch-site", "cross-site").form(&with_token).send().await.unwrap();
        assert_eq!(cross_site.status(), 403);

        let null_origin = client.post(app.url("/login")).header("origin", "null").form(&with_token).send().await.unwrap();
        assert_eq!(null_origin.status(), 403, "an opaque origin proves nothing on its own");

        // What Chromium sends for a same-origin form under Referrer-Policy: no-referrer.
        let chromium = client
            .post(app.url("/login"))
            .header("origin", "null")
            .header("sec-fetch-site", "same-origin")
            .form(&with_token)
            .send()
            .await
            .unwrap();
        assert_eq!(chromium.status(), 401, "accepted by the check, then refused by sign-in");

        let other_browser = TestApp::new_client();
        let stolen_token = other_browser.post(app.url("/login")).header("origin", &app.base_url).form(&with_token).send().await.unwrap();
        assert_eq!(stolen_token.status(), 403, "a token only works with its own cookie");

        let good = client.post(app.url("/login")).header("origin", &app.base_url).form(&with_token).send().await.unwrap();
        assert_eq!(good.status(), 401, "passes the check, then fails to sign in");

        // Every refusal is in the audit log, with the route and not the body.
        let refusals: Vec<String> = app
            .audit_chain()
            .await
            .into_iter()
            .filter(|e| e.event.outcome == "denied" && e.event.record_id == "/login")
            .map(|e| e.event.action)
            .collect();
        for action in ["forgery_token_missing", "cross_site_refused", "forgery_token_wrong"] {
            assert!(refusals.iter().any(|a| a == action), "{action} in {refusals:?}");
        }
        app.stop().await;
    }

    async fn a_method_a_route_does_not_take_is_405_with_the_methods_it_does(db: TestDb) {
        let app = spawn_app(db).await;
        let client = TestApp::new_client();
        // No token and no cookie: the method is answered for what it is, not
        // refused as a forged form (which would hide which methods exist).
        for (method, path, allow) in [
            ("TRACE", "/healthz", "GET,HEAD"),
            ("DELETE", "/api/v1/invitations", "POST"),
            ("PUT", "/api/v1/version", "GET,HEAD"),
            ("DELETE", "/login", "GET,HEAD,POST"),
        ] {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let response = client.request(method.clone(), app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 405, "{method} {path}");
            assert_eq!(response.headers()["allow"], allow, "{method} {path}");
            let body = response.text().await.unwrap();
            if path.starts_with("/api/") {
                let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(json["error"], "method_not_allowed", "{body}");
            } else {
                assert!(body.contains("Not available this way"), "{body}");
            }
        }
        // A method the route does take still needs the token.
        let refused = client.post(app.url("/api/v1/invitations")).json(&serde_json::json!({})).send().await.unwrap();
        assert_eq!(refused.status(), 403);
        app.stop().await;
    }

    async fn a_flood_of_refusals_is_counted_not_written_one_by_one(db: TestDb) {
        let app = spawn_app(db).await;
        let client = TestApp::new_client();
        client.get(app.url("/login")).send().await.unwrap();
        for _ in 0..60 {
            let refused = client.post(app.url("/login")).header("origin", "https://evil.example").form(&[("email", "a@b.example")]).send().await.unwrap();
            assert_eq!(refused.status(), 403);
        }
        let cross_site = |chain: &[sensate_store::AuditRecord]| -> Vec<(String, String)> {
            chain
                .iter()
                .filter(|e| e.event.action == "cross_site_refused")
                .map(|e| (e.event.record_type.clone(), e.event.record_id.clone()))
                .collect()
        };
        // The first of the minute is written at once; the other 59 are counted.
        assert_eq!(cross_site(&app.audit_chain().await), vec![("route".to_string(), "/login".to_string())]);
        // Once the minute is over, one entry says how many more came.
        app.clock.advance(jiff::SignedDuration::from_secs(61));
        app.app().write_repeated_refusals().await.unwrap();
        let chain = app.audit_chain().await;
        assert_eq!(
            cross_site(&chain),
            vec![("route".to_string(), "/login".to_string()), ("repeats".to_string(), "59 more: route /login".to_string())]
        );
        let repeats = chain.iter().find(|e| e.event.record_type == "repeats").unwrap();
        assert_eq!((repeats.event.outcome.as_str(), repeats.event.actor_id), ("denied", None));
        assert!(!repeats.event.ip.is_empty(), "with the address");
        // The next minute starts afresh.
        let again = client.post(app.url("/login")).header("origin", "https://evil.example").send().await.unwrap();
        assert_eq!(again.status(), 403);
        assert_eq!(cross_site(&app.audit_chain().await).len(), 3);
        assert!(app.verify_audit().await.is_ok());
        app.stop().await;
    }

    async fn sign_in_and_out(db: TestDb) {
        let app = spawn_app(db).await;
        let (_, secret) = app.set_up_practice(&LAKESIDE).await;
        let client = TestApp::new_client();
        assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().headers()["location"], "/login");

        for (email, password) in [("ines@lakeside.example", "not the password"), ("nobody@lakeside.example", OWNER_PASSWORD), ("not an email", OWNER_PASSWORD)] {
            let refused = app.post_form(&client, "/login", &[("email", email), ("password", password)]).await;
            assert_eq!(refused.status(), 401);
            let body = refused.text().await.unwrap();
            assert!(body.contains("Email address or password is incorrect."), "the same message whether or not the account exists");
            assert!(body.contains(&format!("value=\"{email}\"")), "the email is kept");
        }

        app.login(&client, "  INES@lakeside.example ", OWNER_PASSWORD).await;
        app.verify_mfa(&client, &secret).await;
        let page = client.get(app.url("/dashboard")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["cache-control"], "no-store");
        let body = page.text().await.unwrap();
        assert!(body.contains("Sign out"));
        assert_eq!(client.get(app.url("/login")).send().await.unwrap().headers()["location"], "/dashboard");

        let out = app.post_form(&client, "/logout", &[]).await;
        assert_eq!(out.status(), 303);
        let cleared = out.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("sensate_session=;"));
        assert!(cleared, "the session cookie is cleared");
        assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().headers()["location"], "/login");
        app.stop().await;
    }

    async fn staff_sessions_end_after_idle_and_absolute_limits(db: TestDb) {
        let app = spawn_app(db).await;
        let (owner, secret) = app.set_up_practice(&LAKESIDE).await;
        app.clock.advance(SignedDuration::from_mins(29));
        assert_eq!(owner.get(app.url("/dashboard")).send().await.unwrap().status(), 200, "29 idle minutes are fine");
        app.clock.advance(SignedDuration::from_mins(31));
        assert_eq!(owner.get(app.url("/dashboard")).send().await.unwrap().status(), 303, "31 idle minutes end a staff session");

        let active = TestApp::new_client();
        app.login(&active, "ines@lakeside.example", OWNER_PASSWORD).await;
        app.verify_mfa(&active, &secret).await;
        for _ in 0..(12 * 60 / 20 - 1) {
            app.clock.advance(SignedDuration::from_mins(20));
            assert_eq!(active.get(app.url("/dashboard")).send().await.unwrap().status(), 200);
        }
        app.clock.advance(SignedDuration::from_mins(20));
        assert_eq!(active.get(app.url("/dashboard")).send().await.unwrap().status(), 303, "12 hours is the most any session lasts");
        app.stop().await;
    }

    async fn a_failure_shows_a_reference_not_details(db: TestDb) {
        let app = spawn_app(db).await;
        let (owner, _) = app.set_up_practice(&LAKESIDE).await;
        app.store().close().await;
        let response = owner.get(app.url("/dashboard")).send().await.unwrap();
        assert_eq!(response.status(), 500);
        let request_id = response.headers()["x-request-id"].to_str().unwrap().to_string();
        let body = response.text().await.unwrap();
        assert!(body.contains("<h1>Something went wrong</h1>"));
        assert!(body.contains(&format!("<span class=\"request-id\">{request_id}</span>")));
        for leak in ["sqlx", "pool", "SELECT", "database"] {
            assert!(!body.contains(leak), "the error page must not mention {leak}");
        }
        app.stop().await;
    }
}

trait SetupCheck {
    async fn setup_token_still_valid(&self, token: &str) -> bool;
}

impl SetupCheck for TestApp {
    async fn setup_token_still_valid(&self, token: &str) -> bool {
        self.get(&format!("/setup?token={token}")).await.status() == 200
    }
}
