//! Cases through the pages and the API: the care team runs a case through
//! its statuses, a couple's work starts only once its confidentiality
//! policy is chosen, the front desk staffs the team, a supervisor reads and
//! never writes, a co-therapist treats; every change and refusal audited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{CaseId, Role, UserId};
use sensate_store::{NewCase, NewPractice};
use sensate_testkit::smtp_sink::SmtpSink;
use sensate_testkit::{LAKESIDE, TestApp, TestDb, on_both_engines, spawn_app_with_mail};

const PASSWORD: &str = "care team pass phrase";

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

async fn text(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

struct World {
    app: TestApp,
    sink: SmtpSink,
    owner: reqwest::Client,
    tess: reqwest::Client,
    uma: reqwest::Client,
    vic: reqwest::Client,
    uma_id: UserId,
    vic_id: UserId,
    robin: UserId,
    couple: CaseId,
    individual: CaseId,
}

/// Lakeside: Tess treats Robin and Jo as a couple and Sam alone; Uma and
/// Vic are therapists there too.
async fn world(db: TestDb) -> World {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with_mail(db, sink.url()).await;
    let (owner, _) = app.set_up_practice(&LAKESIDE).await;
    let practice = app.practice_of(LAKESIDE.email).await;
    let person = |email: &'static str, name: &'static str, role| {
        let app = &app;
        async move { app.add_person(practice, email, name, role, PASSWORD).await }
    };
    let tess_id = person("tess@lakeside.example", "Tess Therapist", Role::Clinician).await;
    let uma_id = person("uma@lakeside.example", "Uma Therapist", Role::Clinician).await;
    let vic_id = person("vic@lakeside.example", "Vic Therapist", Role::Clinician).await;
    let robin = person("robin@client.example", "Robin", Role::Client).await;
    let jo = person("jo@client.example", "Jo", Role::Client).await;
    let sam = person("sam@client.example", "Sam", Role::Client).await;
    let now: Timestamp = sensate_domain::Clock::now(&app.clock);
    let (couple, individual) = (CaseId::new(), CaseId::new());
    for (id, kind, members) in
        [(couple, CaseKind::Couple, vec![robin, jo]), (individual, CaseKind::Individual, vec![sam])]
    {
        let case = NewCase { id, practice_id: practice, clinician_id: tess_id, kind, members, opened_at: now };
        app.store().insert_case(&case).await.unwrap();
    }
    let tess = app.signed_in_staff("tess@lakeside.example", PASSWORD).await;
    let uma = app.signed_in_staff("uma@lakeside.example", PASSWORD).await;
    let vic = app.signed_in_staff("vic@lakeside.example", PASSWORD).await;
    World { app, sink, owner, tess, uma, vic, uma_id, vic_id, robin, couple, individual }
}

on_both_engines! {
    async fn a_couples_case_starts_once_its_policy_is_chosen_and_its_team_is_staffed(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let case = format!("/cases/{}", w.couple);

        // The primary therapist's view: intake, no policy yet.
        let (status, page) = text(app, &w.tess, &case).await;
        assert_eq!(status, 200);
        assert!(page.contains("<h1>Jo &amp; Robin</h1>") || page.contains("<h1>Jo &#38; Robin</h1>"), "{page}");
        assert!(page.contains(">Intake</span>") && page.contains("Not chosen yet."));
        assert!(page.contains("Tess Therapist</td><td>Primary therapist"));
        assert!(page.contains("<title>Case"), "a neutral tab title");
        let (_, client_page) = text(app, &w.tess, &format!("/clients/{}", w.robin)).await;
        assert!(client_page.contains(&format!("href=\"{case}\">Couple therapy with Tess Therapist</a>")), "the client's page leads to the case");

        // Clinical work waits for the policy; the refusal changes nothing.
        let early = app.post_form(&w.tess, &format!("{case}/status"), &[("status", "active")]).await;
        assert_eq!(early.status(), 422);
        let body = early.text().await.unwrap();
        assert!(body.contains("Choose the couple&#39;s confidentiality policy before clinical work starts.") || body.contains("Choose the couple&#x27;s confidentiality policy before clinical work starts."), "{body}");
        assert!(body.contains(">Intake</span>"));
        let chosen = app.post_form(&w.tess, &format!("{case}/confidentiality"), &[("confidentiality", "limited_secrets")]).await;
        assert_eq!(location(&chosen), format!("{case}?done=confidentiality"));
        for (email, name) in [("robin@client.example", "Robin"), ("jo@client.example", "Jo")] {
            let partner = client(app, email).await;
            let key = format!("couple:{}", w.couple);
            let signed = app.post_form(&partner, "/me/consents/sign", &[("key", &key), ("typed_name", name), ("intent", "on")]).await;
            assert_eq!(location(&signed), "/me/consents?done=signed");
        }
        let started = app.post_form(&w.tess, &format!("{case}/status"), &[("status", "active")]).await;
        assert_eq!(location(&started), format!("{case}?done=status"));
        let (_, page) = text(app, &w.tess, &format!("{case}?done=status")).await;
        assert!(page.contains(">Active</span>") && page.contains("<strong>Limited secrets.</strong>"), "{page}");
        let wrong = app.post_form(&w.tess, &format!("{case}/confidentiality"), &[("confidentiality", "tell_everyone")]).await;
        assert_eq!(wrong.status(), 422);
        assert!(wrong.text().await.unwrap().contains("Choose one of the three policies."));

        // The front desk staffs the team: Uma supervises, Vic co-treats.
        for (user, role) in [(w.uma_id, "supervisor"), (w.vic_id, "co_therapist")] {
            let added = app.post_form(&w.owner, &format!("{case}/team"), &[("user", &user.to_string()), ("role", role)]).await;
            assert_eq!(location(&added), format!("{case}?done=added"));
        }
        let again = app.post_form(&w.owner, &format!("{case}/team"), &[("user", &w.uma_id.to_string()), ("role", "co_therapist")]).await;
        assert_eq!(again.status(), 422, "once on the team");
        let client = app.post_form(&w.owner, &format!("{case}/team"), &[("user", &w.robin.to_string()), ("role", "supervisor")]).await;
        assert_eq!(client.status(), 422);
        assert!(client.text().await.unwrap().contains("Choose a therapist of the practice other than the primary therapist."));

        // The supervisor reads and never writes.
        let (status, page) = text(app, &w.uma, &case).await;
        assert_eq!(status, 200);
        assert!(page.contains("Uma Therapist</td><td>Supervisor (reads only)"));
        assert!(!page.contains("Change the status") && !page.contains("Save the policy") && !page.contains("Add to the care team"));
        assert_eq!(app.post_form(&w.uma, &format!("{case}/status"), &[("status", "paused")]).await.status(), 403);
        assert_eq!(app.post_form(&w.uma, &format!("{case}/team"), &[("user", &w.uma_id.to_string()), ("role", "co_therapist")]).await.status(), 403);
        assert_eq!(text(app, &w.uma, &format!("/clients/{}", w.robin)).await.0, 403, "supervising a case is not treating its clients");
        // The co-therapist treats: the case's clients are theirs, and they may pause it.
        let (_, clients) = text(app, &w.vic, "/clients").await;
        assert!(clients.contains("Robin") && clients.contains("Jo") && !clients.contains("Sam"), "{clients}");
        let note = app.post_form(&w.vic, &format!("/clients/{}/notes", w.robin), &[("note", "A note by the co-therapist")]).await;
        assert_eq!(location(&note), format!("/clients/{}?done=note", w.robin));
        assert_eq!(location(&app.post_form(&w.vic, &format!("{case}/status"), &[("status", "paused")]).await), format!("{case}?done=status"));
        // Taken off, the supervisor no longer sees the case.
        let removed = app.post_form(&w.owner, &format!("{case}/team/{}/remove", w.uma_id), &[]).await;
        assert_eq!(location(&removed), format!("{case}?done=removed"));
        assert_eq!(text(app, &w.uma, &case).await.0, 403);

        // Every change, and the refusals, are in the audit log under the case.
        let log = app.audit_chain().await;
        for action in ["view_case", "choose_confidentiality", "change_case_status", "add_care_team", "remove_care_team"] {
            assert!(log.iter().any(|e| e.event.action == action && e.event.outcome == "allowed"), "{action} audited");
        }
        assert!(log.iter().any(|e| e.event.action == "manage_case" && e.event.outcome == "denied" && e.event.record_id == w.couple.to_string()), "the supervisor's attempt");
        w.app.stop().await;
    }

    async fn cases_over_the_api_and_other_practices_see_nothing(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let path = format!("/api/v1/cases/{}", w.individual);
        let case: serde_json::Value = w.tess.get(app.url(&path)).send().await.unwrap().json().await.unwrap();
        assert_eq!((case["kind"].as_str(), case["status"].as_str()), (Some("individual"), Some("intake")), "{case}");
        assert_eq!(case["clients"][0]["name"], "Sam");
        assert_eq!(case["primary_therapist"]["name"], "Tess Therapist");
        assert_eq!(case["next_statuses"], serde_json::json!(["active", "paused"]));
        assert_eq!(case["confidentiality"], serde_json::Value::Null);

        // An individual's case has no confidentiality policy between partners.
        let policy = app.post_json(&w.tess, &format!("{path}/confidentiality"), serde_json::json!({"policy": "no_secrets"})).await;
        assert_eq!(policy.status(), 422);
        let body: serde_json::Value = policy.json().await.unwrap();
        assert_eq!(body["fields"][0]["message"], "Only a couple's case has a confidentiality policy.");
        assert_eq!(app.post_json(&w.tess, &format!("{path}/status"), serde_json::json!({"status": "active"})).await.status(), 204);
        assert_eq!(app.post_json(&w.tess, &format!("{path}/status"), serde_json::json!({"status": "discharged"})).await.status(), 422, "discharge writes a summary");
        assert_eq!(app.post_json(&w.owner, &format!("{path}/team"), serde_json::json!({"user_id": w.vic_id.to_string(), "role": "co_therapist"})).await.status(), 204);
        let case: serde_json::Value = w.vic.get(app.url(&path)).send().await.unwrap().json().await.unwrap();
        assert_eq!((case["status"].as_str(), case["team"][0]["role"].as_str()), (Some("active"), Some("co_therapist")));
        assert_eq!(case["may_assign_team"], false, "a co-therapist does not staff the case");
        let token = w.owner.get(app.url("/api/v1/session")).send().await.unwrap().json::<serde_json::Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_string();
        let remove = |user: UserId| w.owner.delete(app.url(&format!("{path}/team/{user}"))).header("x-csrf-token", token.clone()).send();
        assert_eq!(remove(w.vic_id).await.unwrap().status(), 204);
        assert_eq!(remove(w.vic_id).await.unwrap().status(), 404, "no longer on the team");
        assert_eq!(w.uma.get(app.url(&path)).send().await.unwrap().status(), 403);

        // Sam's consents over JSON: the exact text, signed once.
        let sam = client(app, "sam@client.example").await;
        let list: serde_json::Value = sam.get(app.url("/api/v1/me/consents")).send().await.unwrap().json().await.unwrap();
        let consents = list["consents"].as_array().unwrap();
        assert_eq!(consents.len(), 1, "{list}");
        assert_eq!((consents[0]["key"].as_str(), consents[0]["version"].as_i64()), (Some("care"), Some(0)));
        assert_eq!(consents[0]["signature"], serde_json::Value::Null);
        let wrong = app.post_json(&sam, "/api/v1/me/consents/sign", serde_json::json!({"key": "care", "typed_name": "Robin", "intent": false})).await;
        assert_eq!(wrong.status(), 422);
        let body: serde_json::Value = wrong.json().await.unwrap();
        let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["typed_name", "intent"]);
        let signed = app.post_json(&sam, "/api/v1/me/consents/sign", serde_json::json!({"key": "care", "typed_name": "Sam Field", "intent": true})).await;
        assert_eq!(signed.status(), 201);
        let signature: serde_json::Value = signed.json().await.unwrap();
        assert_eq!(signature["text_sha256"], consents[0]["text_sha256"]);
        let again = app.post_json(&sam, "/api/v1/me/consents/sign", serde_json::json!({"key": "care", "typed_name": "Sam Field", "intent": true})).await;
        assert_eq!(again.status(), 422, "signed once");
        assert_eq!(w.tess.get(app.url("/api/v1/me/consents")).send().await.unwrap().status(), 403, "staff sign nothing here");

        // A therapist of another practice: the same 404 as an unknown case, audited.
        let other = NewPractice { id: sensate_domain::PracticeId::new(), name: "Harbor".into(), time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(), created_at: sensate_domain::Clock::now(&app.clock) };
        app.store().insert_practice(&other).await.unwrap();
        app.add_person(other.id, "far@harbor.example", "Far Therapist", Role::Clinician, PASSWORD).await;
        let far = app.signed_in_staff("far@harbor.example", PASSWORD).await;
        for id in [w.individual, CaseId::new()] {
            assert_eq!(text(app, &far, &format!("/cases/{id}")).await.0, 404);
            assert_eq!(far.get(app.url(&format!("/api/v1/cases/{id}"))).send().await.unwrap().status(), 404);
        }
        assert!(app.audit_chain().await.iter().any(|e| e.event.action == "view_case" && e.event.outcome == "denied" && e.event.record_id == w.individual.to_string()));
        w.app.stop().await;
    }
}

on_both_engines! {
    async fn each_partner_signs_a_release_of_their_own_and_may_revoke_it(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let case = format!("/cases/{}", w.couple);
        let (robin, jo) = (client(app, "robin@client.example").await, client(app, "jo@client.example").await);
        let zone = jiff::tz::TimeZone::get(LAKESIDE.time_zone).unwrap();
        let today = sensate_domain::Clock::now(&app.clock).to_zoned(zone).date();
        let last = today.checked_add(jiff::Span::new().months(6)).unwrap().to_string();
        let (_, page) = text(app, &w.tess, &case).await;
        assert!(page.contains("Releases of information") && page.contains("None asked yet."), "{page}");

        // Mistakes come back beside their fields with what was typed; nothing is asked.
        let bad = app.post_form(&w.tess, &format!("{case}/releases"), &[("recipient", "Dr. Lee"), ("shared", "notes"), ("purpose", ""), ("expires_on", &today.to_string())]).await;
        assert_eq!(bad.status(), 422);
        let body = bad.text().await.unwrap();
        for message in ["Choose what may be shared from the list.", "Say why it is shared", "Choose a day after today.", "value=\"Dr. Lee\""] {
            assert!(body.contains(message), "{message}: {body}");
        }
        assert!(app.store().releases_of_case(w.couple).await.unwrap().is_empty(), "nothing half-written");
        let fields = [
            ("recipient", "Dr. Lee, primary care physician"),
            ("shared", "scores"),
            ("shared", "attendance"),
            ("purpose", "Ruling out a physical cause"),
            ("expires_on", last.as_str()),
        ];
        assert_eq!(app.post_form(&robin, &format!("{case}/releases"), &fields).await.status(), 403, "clients do not ask");
        assert_eq!(app.post_form(&w.uma, &format!("{case}/releases"), &fields).await.status(), 403, "not on the team");

        // The therapist asks; each partner is asked to sign their own.
        let asked = app.post_form(&w.tess, &format!("{case}/releases"), &fields).await;
        assert_eq!(location(&asked), format!("{case}?done=release#releases-title"));
        let (_, page) = text(app, &w.tess, &format!("{case}?done=release")).await;
        assert!(page.contains("To Dr. Lee, primary care physician") && page.contains("Dates of attendance; Questionnaire scores."), "{page}");
        assert!(page.contains("Jo: not signed yet") && page.contains("Robin: not signed yet"), "{page}");
        let release = app.store().releases_of_case(w.couple).await.unwrap().remove(0);
        let title = "Release of information to Dr. Lee, primary care physician";
        let (_, home) = text(app, &robin, "/dashboard").await;
        assert!(home.contains(&format!("Sign: {title}")), "{home}");
        let (_, mine) = text(app, &robin, "/me/consents").await;
        let link = sign_link(&mine, title);
        assert!(!sensate_domain::discretion::names_the_service(&link), "{link}");
        let (_, form) = text(app, &robin, &link).await;
        assert!(form.contains("Information that may be shared: Dates of attendance; Questionnaire scores."), "{form}");
        assert!(form.contains(&format!("This permission ends at the end of {last}, unless you revoke it before.")));
        assert!(form.contains("You can revoke this permission at any time"));

        // Robin signs; Jo has not: the team sees each.
        let key = format!("release:{}", release.id);
        let signed = app.post_form(&robin, "/me/consents/sign", &[("key", &key), ("typed_name", "Robin"), ("intent", "on")]).await;
        assert_eq!(location(&signed), "/me/consents?done=signed");
        let robins = app.store().signatures_of(release.practice_id, w.robin).await.unwrap();
        let copy = robins.iter().find(|s| s.release_id == Some(release.id)).unwrap().id;
        let (_, page) = text(app, &w.tess, &case).await;
        assert!(page.contains(&format!("Robin: <a href=\"/consents/signed/{copy}\">signed; in force to the end of")), "{page}");
        assert!(page.contains("Jo: not signed yet"));

        // Only the signer revokes: Jo cannot, nor the therapist; Robin does, once.
        assert_eq!(app.post_form(&jo, &format!("/consents/signed/{copy}/revoke"), &[]).await.status(), 404);
        assert_eq!(app.post_form(&w.tess, &format!("/consents/signed/{copy}/revoke"), &[]).await.status(), 403);
        let (_, before) = text(app, &robin, &format!("/consents/signed/{copy}")).await;
        assert!(before.contains("Revoke this release"), "{before}");
        let title = sensate_testkit::between(&before, "<title>", "</title>").unwrap();
        assert!(title.starts_with("Signed document") && !title.contains('<') && !title.contains("Revoke"), "a neutral tab title: {title}");
        let revoked = app.post_form(&robin, &format!("/consents/signed/{copy}/revoke"), &[]).await;
        assert_eq!(location(&revoked), format!("/consents/signed/{copy}?done=revoked"));
        let (_, after) = text(app, &robin, &format!("/consents/signed/{copy}?done=revoked")).await;
        assert!(after.contains("The practice shares nothing more under this release.") && after.contains("<dt>Revoked by the signer</dt>"), "{after}");
        assert!(!after.contains("<button type=\"submit\" class=\"button-secondary\">Revoke this release"), "once revoked, no form");
        assert_eq!(app.post_form(&robin, &format!("/consents/signed/{copy}/revoke"), &[]).await.status(), 404, "revoked once");
        let (_, page) = text(app, &w.tess, &case).await;
        assert!(page.contains(&format!("Robin: <a href=\"/consents/signed/{copy}\">revoked ")), "{page}");
        let (_, mine) = text(app, &robin, "/me/consents").await;
        assert!(mine.contains("; revoked "), "{mine}");
        // Another kind of consent cannot be revoked.
        app.post_form(&robin, "/me/consents/sign", &[("key", "care"), ("typed_name", "Robin"), ("intent", "on")]).await;
        let care = app.store().signatures_of(release.practice_id, w.robin).await.unwrap();
        let care = care.iter().find(|s| s.release_id.is_none()).unwrap().id;
        assert_eq!(app.post_form(&robin, &format!("/consents/signed/{care}/revoke"), &[]).await.status(), 404);

        // The same over JSON: the therapist asks, Jo lists and signs, then revokes.
        let api = app.post_json(&w.tess, &format!("/api/v1/cases/{}/releases", w.couple), serde_json::json!({
            "recipient": "Dr. Ortiz, urologist", "shared": ["health_history"], "purpose": "Referral", "expires_on": last,
        })).await;
        assert_eq!(api.status(), 201);
        let made: serde_json::Value = api.json().await.unwrap();
        assert_eq!(made["shared"], serde_json::json!(["health_history"]));
        let refused = app.post_json(&w.tess, &format!("/api/v1/cases/{}/releases", w.couple), serde_json::json!({
            "recipient": "", "shared": [], "purpose": "Referral", "expires_on": "2020-01-01",
        })).await;
        assert_eq!(refused.status(), 422);
        let list: serde_json::Value = jo.get(app.url("/api/v1/me/consents")).send().await.unwrap().json().await.unwrap();
        let releases: Vec<&serde_json::Value> = list["consents"].as_array().unwrap().iter().filter(|c| c["kind"] == "release").collect();
        assert_eq!(releases.len(), 2, "{list}");
        let ortiz = releases.iter().find(|c| c["release_id"] == made["id"]).unwrap();
        let signed = app.post_json(&jo, "/api/v1/me/consents/sign", serde_json::json!({"key": ortiz["key"], "typed_name": "Jo", "intent": true})).await;
        assert_eq!(signed.status(), 201);
        let signature: serde_json::Value = signed.json().await.unwrap();
        assert!(signature["revoked_at"].is_null());
        let path = format!("/api/v1/me/consents/{}/revoke", signature["id"].as_str().unwrap());
        let revoked: serde_json::Value = app.post_json(&jo, &path, serde_json::json!({})).await.json().await.unwrap();
        assert!(revoked["revoked_at"].is_string(), "{revoked}");
        assert_eq!(app.post_json(&jo, &path, serde_json::json!({})).await.status(), 404);

        // A release outlasts its case: once the case closes it is no longer
        // asked, but one signed stays listed, and its signer may still revoke it.
        let later = app.post_json(&w.tess, &format!("/api/v1/cases/{}/releases", w.couple), serde_json::json!({
            "recipient": "Dr. Kim, gynaecologist", "shared": ["progress"], "purpose": "Follow-up", "expires_on": last,
        })).await.json::<serde_json::Value>().await.unwrap();
        let unsigned = app.post_json(&w.tess, &format!("/api/v1/cases/{}/releases", w.couple), serde_json::json!({
            "recipient": "Dr. Ng, urologist", "shared": ["progress"], "purpose": "Follow-up", "expires_on": last,
        })).await;
        assert_eq!(unsigned.status(), 201);
        let key = format!("release:{}", later["id"].as_str().unwrap());
        let kept: serde_json::Value = app.post_json(&jo, "/api/v1/me/consents/sign", serde_json::json!({"key": key, "typed_name": "Jo", "intent": true})).await.json().await.unwrap();
        let case = app.store().case_record(w.couple).await.unwrap().unwrap();
        assert!(app.store().change_case_status(w.couple, case.status, sensate_domain::care::CaseStatus::Discharged, sensate_domain::Clock::now(&app.clock)).await.unwrap());
        let (_, mine) = text(app, &jo, "/me/consents").await;
        assert!(mine.contains("Release of information to Dr. Kim, gynaecologist</a>") && !mine.contains("Dr. Ng"), "{mine}");
        let path = format!("/api/v1/me/consents/{}/revoke", kept["id"].as_str().unwrap());
        assert_eq!(app.post_json(&jo, &path, serde_json::json!({})).await.status(), 200);

        // Every step is in the audit log, the refusals too.
        let log = app.audit_chain().await;
        let count = |action: &str, outcome: &str| log.iter().filter(|e| e.event.action == action && e.event.outcome == outcome).count();
        assert_eq!(count("ask_release", "allowed"), 4);
        assert_eq!(count("revoke_release", "allowed"), 3);
        assert_eq!(count("revoke_release", "denied"), 4, "Jo's try on Robin's, Robin's second, the consent to therapy, Jo's second");
        w.app.stop().await;
    }
}

/// Signs in a client of the world (clients have no second step).
async fn client(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = TestApp::new_client();
    app.login(&browser, email, PASSWORD).await;
    browser
}

/// The signing page's address for `title` on a client's documents page.
fn sign_link(page: &str, title: &str) -> String {
    let end = page.find(&format!("\">{title}</a>")).unwrap_or_else(|| panic!("{title} to sign: {page}"));
    let start = page[..end].rfind("href=\"").unwrap() + "href=\"".len();
    page[start..end].replace("&#38;", "&").replace("&amp;", "&")
}

on_both_engines! {
    async fn each_partner_signs_and_a_new_text_asks_again(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let case = format!("/cases/{}", w.couple);
        let robin = client(app, "robin@client.example").await;
        let jo = client(app, "jo@client.example").await;

        // Before the policy is chosen, the consent to therapy is what waits.
        let (status, home) = text(app, &robin, "/dashboard").await;
        assert_eq!(status, 200);
        assert!(home.contains("To complete") && home.contains("Sign: Consent to sex therapy"), "{home}");
        let (_, mine) = text(app, &robin, "/me/consents").await;
        assert!(!mine.contains("How we keep what one partner shares alone"), "no policy chosen yet");
        let link = sign_link(&mine, "Consent to sex therapy");
        assert!(!sensate_domain::discretion::names_the_service(&link), "the address stays in history: {link}");
        let (status, form) = text(app, &robin, &link).await;
        assert_eq!(status, 200);
        assert!(form.contains("There is never any physical or sexual contact") && form.contains("I have read this document"));

        // A wrong name or no statement of intent signs nothing.
        let key = "care";
        let wrong = app.post_form(&robin, "/me/consents/sign", &[("key", key), ("typed_name", "Sam Other")]).await;
        assert_eq!(wrong.status(), 422);
        let body = wrong.text().await.unwrap();
        assert!(body.contains("it must include") && body.contains("Confirm that you sign this document electronically."), "{body}");
        assert!(body.contains("value=\"Sam Other\""), "what was typed stays");
        let signed = app.post_form(&robin, "/me/consents/sign", &[("key", key), ("typed_name", "Robin Lake"), ("intent", "on")]).await;
        assert_eq!(location(&signed), "/me/consents?done=signed");
        let again = app.post_form(&robin, "/me/consents/sign", &[("key", key), ("typed_name", "Robin Lake"), ("intent", "on")]).await;
        assert_eq!(location(&again), "/me/consents?done=signed", "a second click lands on the list");
        let practice = app.practice_of(LAKESIDE.email).await;
        assert_eq!(app.store().signatures_of(practice, w.robin).await.unwrap().len(), 1, "signed once");

        // The frozen copy: the text, its fingerprint, who and how.
        let (_, mine) = text(app, &robin, "/me/consents?done=signed").await;
        let copy = sensate_testkit::between(&mine, "href=\"/consents/signed/", "\"").unwrap();
        let (status, page) = text(app, &robin, &format!("/consents/signed/{copy}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("Robin Lake") && page.contains("Sensate&#39;s text") || page.contains("Sensate&#x27;s text") || page.contains("Sensate's text"), "{page}");
        let signature = app.store().signature(copy.parse().unwrap()).await.unwrap().unwrap();
        use sha2::Digest;
        let digest: String = sha2::Sha256::digest(signature.signed_text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(signature.text_sha256, digest);
        assert!(page.contains(&digest));
        assert!(signature.recently_verified, "signed minutes after signing in");
        assert!(signature.signed_text.starts_with("Consent to sex therapy\n\nWhat sex therapy is."));
        // The same copy as a PDF to keep: a neutral file name, an archival
        // file (its text is checked in the browser test), audited as a view.
        assert!(page.contains(&format!("href=\"/consents/signed/{copy}/pdf\" download>Download as PDF</a>")), "{page}");
        let pdf = robin.get(app.url(&format!("/consents/signed/{copy}/pdf"))).send().await.unwrap();
        assert_eq!(pdf.status(), 200);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert_eq!(pdf.headers()["cache-control"], "no-store");
        let disposition = pdf.headers()["content-disposition"].to_str().unwrap().to_string();
        let day = signature.signed_at.to_zoned(jiff::tz::TimeZone::get(LAKESIDE.time_zone).unwrap()).date();
        assert_eq!(disposition, format!("attachment; filename=\"signed-document-{day}.pdf\""));
        let bytes = pdf.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF-") && bytes.windows(11).any(|w| w == b"pdfaid:part"));
        let log = app.audit_chain().await;
        let views = log.iter().filter(|e| e.event.action == "view_signed_consent" && e.event.record_id == copy).count();
        assert_eq!(views, 2, "the page and the PDF are each a view");
        // The partner never sees it; the therapist does.
        assert_eq!(text(app, &jo, &format!("/consents/signed/{copy}/pdf")).await.0, 403);
        assert_eq!(text(app, &jo, &format!("/consents/signed/{copy}")).await.0, 403);
        assert_eq!(text(app, &w.tess, &format!("/consents/signed/{copy}")).await.0, 200);
        assert_eq!(text(app, &w.uma, &format!("/consents/signed/{copy}")).await.0, 403, "not treating");

        // The policy: chosen, signed by both; the case can start only then.
        app.post_form(&w.tess, &format!("{case}/confidentiality"), &[("confidentiality", "limited_secrets")]).await;
        let policy_key = format!("couple:{}", w.couple);
        for (who, name) in [(&robin, "Robin"), (&jo, "Jo")] {
            let (_, mine) = text(app, who, "/me/consents").await;
            let link = sign_link(&mine, "How we keep what one partner shares alone");
            let (_, form) = text(app, who, &link).await;
            assert!(form.contains("The policy for your therapy: Limited secrets."), "{form}");
            if name == "Robin" {
                let early = app.post_form(&w.tess, &format!("{case}/status"), &[("status", "active")]).await;
                assert_eq!(early.status(), 422);
                assert!(early.text().await.unwrap().contains("Both partners sign the confidentiality policy before clinical work starts."));
            }
            let signed = app.post_form(who, "/me/consents/sign", &[("key", &policy_key), ("typed_name", name), ("intent", "on")]).await;
            assert_eq!(location(&signed), "/me/consents?done=signed");
        }
        let (_, page) = text(app, &w.tess, &case).await;
        assert!(page.contains("How we keep what one partner shares alone: <a href=\"/consents/signed/"), "{page}");
        assert_eq!(location(&app.post_form(&w.tess, &format!("{case}/status"), &[("status", "active")]).await), format!("{case}?done=status"));

        // Another policy is another text: both are asked again.
        app.post_form(&w.tess, &format!("{case}/confidentiality"), &[("confidentiality", "no_secrets")]).await;
        let (_, mine) = text(app, &jo, "/me/consents").await;
        assert!(mine.contains("(the text changed since you signed it; please read it again)"), "{mine}");

        // The practice publishes its own text, later: a new version to sign.
        app.clock.advance(jiff::SignedDuration::from_mins(10));
        let (status, documents) = text(app, &w.owner, "/consents").await;
        assert_eq!(status, 200);
        assert!(documents.contains("Sensate&#39;s text (not edited yet)") || documents.contains("Sensate&#x27;s text (not edited yet)") || documents.contains("Sensate's text (not edited yet)"));
        let same = app.post_form(&w.owner, "/consents/care", &[("title", "Consent to sex therapy"), ("body", sensate_domain::care::consent::ConsentKind::SexTherapy.default_text().1)]).await;
        assert_eq!(same.status(), 422, "an unchanged text is no new version");
        let empty = app.post_form(&w.owner, "/consents/care", &[("title", ""), ("body", "")]).await;
        assert_eq!(empty.status(), 422);
        let published = app.post_form(&w.owner, "/consents/care", &[("title", "Our consent to therapy"), ("body", "Our own words about therapy.")]).await;
        assert_eq!(location(&published), "/consents?done=published");
        assert_eq!(app.post_form(&w.tess, "/consents/care", &[("title", "x"), ("body", "y")]).await.status(), 403);
        let (_, mine) = text(app, &robin, "/me/consents").await;
        let link = sign_link(&mine, "Our consent to therapy");
        let (_, form) = text(app, &robin, &link).await;
        assert!(form.contains("Our own words about therapy."));
        assert_eq!(location(&app.post_form(&robin, "/me/consents/sign", &[("key", "care"), ("typed_name", "Robin"), ("intent", "on")]).await), "/me/consents?done=signed");
        let versions: Vec<i32> = app.store().signatures_of(app.practice_of(LAKESIDE.email).await, w.robin).await.unwrap().iter().filter(|s| s.kind == sensate_domain::care::consent::ConsentKind::SexTherapy).map(|s| s.version).collect();
        assert_eq!(versions, vec![1, 0], "the old signature stays as it was signed");

        let log = app.audit_chain().await;
        for action in ["sign_consent", "view_signed_consent", "publish_consent", "view_consents"] {
            assert!(log.iter().any(|e| e.event.action == action && e.event.outcome == "allowed"), "{action} audited");
        }
        w.app.stop().await;
    }
}

on_both_engines! {
    async fn each_partner_answers_intake_privately_and_the_team_reads_it_with_flags(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let robin = client(app, "robin@client.example").await;
        let jo = client(app, "jo@client.example").await;
        let form = format!("/me/intake/{}", w.couple);
        let summary = format!("/cases/{}/intake/{}", w.couple, w.robin);
        let canary = format!("INTAKE-CANARY-{}", uuid::Uuid::new_v4().simple());

        // The consent to sex therapy comes first; nothing is saved before it.
        let (_, home) = text(app, &robin, "/dashboard").await;
        assert!(home.contains(&format!("href=\"{form}\">Answer the questions before your first sessions")), "{home}");
        let (status, page) = text(app, &robin, &form).await;
        assert_eq!(status, 200);
        assert!(page.contains("sign the consent to sex therapy</a> first"));
        let early = app.post_form(&robin, &form, &[("goals", &canary), ("action", "save")]).await;
        assert_eq!(early.status(), 422);
        assert!(app.store().intake(w.couple, w.robin).await.unwrap().is_none(), "nothing saved");
        app.post_form(&robin, "/me/consents/sign", &[("key", "care"), ("typed_name", "Robin"), ("intent", "on")]).await;

        // A draft: kept for later, encrypted, and the client's own until sent.
        let draft = app.post_form(&robin, &form, &[("goals", &canary), ("medicines", "antidepressants"), ("action", "save")]).await;
        assert_eq!(location(&draft), format!("{form}?done=saved"));
        let stored = app.store().intake(w.couple, w.robin).await.unwrap().unwrap();
        assert!(!String::from_utf8_lossy(&stored.answers).contains(&canary), "only ciphertext is stored");
        let (_, page) = text(app, &robin, &format!("{form}?done=saved")).await;
        assert!(page.contains(&canary) && page.contains("value=\"antidepressants\" checked"), "a draft comes back as left");
        let (status, page) = text(app, &w.tess, &summary).await;
        assert_eq!(status, 200);
        assert!(page.contains("Draft, saved") && !page.contains(&canary), "the team sees that a draft exists, not what it says");

        // Mistakes are named; what was typed stays; nothing changes.
        let long = "x".repeat(4_001);
        let wrong = app.post_form(&robin, &form, &[("goals", &canary), ("beliefs", &long), ("feels_safe", "maybe"), ("action", "send")]).await;
        assert_eq!(wrong.status(), 422);
        let body = wrong.text().await.unwrap();
        assert!(body.contains("Use at most 4000 characters") && body.contains("Choose one of the answers offered.") && body.contains(&canary));
        assert_eq!(app.store().intake(w.couple, w.robin).await.unwrap().unwrap().submitted_at, None);

        // Sent: the therapist reads it, flags first.
        let fields = [("goals", canary.as_str()), ("medicines", "antidepressants"), ("conditions", "diabetes"), ("unwanted_experience", "in_person"), ("feels_safe", "no"), ("concerns", "low-desire"), ("action", "send")];
        assert_eq!(location(&app.post_form(&robin, &form, &fields).await), format!("{form}?done=sent"));
        let (_, page) = text(app, &w.tess, &summary).await;
        let flags = sensate_testkit::between(&page, "<h2 id=\"flags-title\">Read first</h2>", "</section>").unwrap();
        assert!(flags.contains("does not feel safe") && flags.contains("pace the work") && flags.contains("Antidepressants (for example SSRIs or SNRIs); Diabetes. Consider a referral to a physician."), "{flags}");
        assert!(page.contains(&canary) && page.contains("Sent "));
        let (_, case_page) = text(app, &w.tess, &format!("/cases/{}", w.couple)).await;
        assert!(case_page.contains("Robin: Sent") && case_page.contains(&format!("href=\"{summary}\">Read Robin&#8217;s answers</a>")), "{case_page}");
        let again = app.post_form(&robin, &form, &[("goals", "changed"), ("action", "save")]).await;
        assert_eq!(again.status(), 422, "sent answers stay as sent");

        // The same over JSON.
        let api = format!("/api/v1/cases/{}/intake/{}", w.couple, w.robin);
        let body: serde_json::Value = w.tess.get(app.url(&api)).send().await.unwrap().json().await.unwrap();
        assert_eq!(body["answers"]["goals"], canary.as_str());
        assert_eq!(body["flags"].as_array().unwrap().len(), 3, "{body}");
        assert_eq!(jo.get(app.url(&api)).send().await.unwrap().status(), 403);
        let jo_form = format!("/api/v1/me/intake/{}", w.couple);
        let own: serde_json::Value = jo.get(app.url(&jo_form)).send().await.unwrap().json().await.unwrap();
        assert_eq!((own["consent_needed"].as_bool(), own["answers"]["goals"].as_str()), (Some(true), Some("")));
        let refused = app.post_json(&jo, &jo_form, serde_json::json!({"answers": {"goals": "ours"}, "send": false})).await;
        assert_eq!(refused.status(), 422, "the consent comes first");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["fields"][0]["field"], "consent");

        // Never the partner, never the front desk, never a therapist off the team.
        assert_eq!(text(app, &jo, &summary).await.0, 403);
        let (_, own) = text(app, &jo, &form).await;
        assert!(!own.contains(&canary), "the partner's own form is their own");
        assert_eq!(text(app, &w.owner, &summary).await.0, 403);
        assert_eq!(text(app, &w.uma, &summary).await.0, 403);
        let (_, owner_case) = text(app, &w.owner, &format!("/cases/{}", w.couple)).await;
        assert!(owner_case.contains("Robin: Sent") && !owner_case.contains(&summary), "the front desk sees where it stands only");
        assert!(!owner_case.contains("/messages\">Messages</a>"), "and is not offered the conversation");
        assert!(case_page.contains("/messages\">Messages</a>"), "the therapist is");

        let log = app.audit_chain().await;
        for action in ["save_intake", "submit_intake", "view_intake"] {
            assert!(log.iter().any(|e| e.event.action == action && e.event.outcome == "allowed"), "{action} audited");
        }
        assert!(log.iter().any(|e| e.event.action == "read_intake" && e.event.outcome == "denied"), "the partner's attempt");
        assert!(log.iter().all(|e| !e.event.record_id.contains("CANARY")));
        w.app.stop().await;
    }
}

on_both_engines! {
    async fn one_partners_private_message_never_reaches_the_other(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let robin = client(app, "robin@client.example").await;
        let jo = client(app, "jo@client.example").await;
        let mine = format!("/me/messages/{}", w.couple);
        let team = format!("/cases/{}/messages", w.couple);
        let secret = format!("PRIVATE-CANARY-{}", uuid::Uuid::new_v4().simple());
        let reply = format!("REPLY-CANARY-{}", uuid::Uuid::new_v4().simple());
        app.post_form(&w.owner, &format!("/cases/{}/team", w.couple), &[("user", &w.uma_id.to_string()), ("role", "supervisor")]).await;

        let (_, list) = text(app, &robin, "/me/messages").await;
        assert!(list.contains(&format!("href=\"{mine}\">With Tess Therapist</a>")), "{list}");
        let (status, page) = text(app, &robin, &mine).await;
        assert_eq!(status, 200);
        assert!(page.contains("The care team only") && page.contains("The care team and my partner"));
        let sent = app.post_form(&robin, &mine, &[("to", "team"), ("body", &secret)]).await;
        assert_eq!(location(&sent), format!("{mine}?done=sent"));
        assert_eq!(location(&app.post_form(&jo, &mine, &[("to", "everyone"), ("body", "Looking forward to Tuesday.")]).await), format!("{mine}?done=sent"));
        assert_eq!(app.post_form(&jo, &mine, &[("to", "everyone"), ("body", "   ")]).await.status(), 422);
        let wrong = app.post_form(&jo, &mine, &[("to", &format!("client:{}", w.robin)), ("body", "to Robin alone")]).await;
        assert_eq!(wrong.status(), 422, "a client writes to the team, or to everyone");

        // Jo sees their own and the shared one; never Robin's private message.
        let (_, page) = text(app, &jo, &mine).await;
        assert!(page.contains("Looking forward to Tuesday.") && !page.contains(&secret), "{page}");
        // The therapist sees both, with whom each is for and who opened it, and answers Robin alone.
        text(app, &robin, &mine).await;
        let (_, page) = text(app, &w.tess, &team).await;
        assert!(page.contains(&secret) && page.contains("To Robin and the care team") && page.contains("To everyone in the case"));
        assert!(page.contains("Read by Robin"), "Jo's shared message was opened by Robin: {page}");
        let answered = app.post_form(&w.tess, &team, &[("to", &format!("client:{}", w.robin)), ("body", &reply)]).await;
        assert_eq!(location(&answered), format!("{team}?done=sent"));
        let (_, page) = text(app, &robin, &mine).await;
        assert!(page.contains(&reply) && page.contains(&secret));
        let (_, page) = text(app, &jo, &mine).await;
        assert!(!page.contains(&reply) && !page.contains(&secret), "a private answer stays private");

        // The same over JSON: Jo's thread holds no private message of Robin's.
        let api = format!("/api/v1/cases/{}/messages", w.couple);
        let thread: serde_json::Value = jo.get(app.url(&api)).send().await.unwrap().json().await.unwrap();
        assert_eq!(thread["messages"].as_array().unwrap().len(), 1, "{thread}");
        assert_eq!(thread["may_write_to"], serde_json::json!(["team", "everyone"]));
        let thread: serde_json::Value = w.tess.get(app.url(&api)).send().await.unwrap().json().await.unwrap();
        assert_eq!(thread["messages"].as_array().unwrap().len(), 3);
        let posted = app.post_json(&jo, &api, serde_json::json!({"to": "team", "body": "See you Tuesday."})).await;
        assert_eq!(posted.status(), 204);
        assert_eq!(app.post_json(&w.uma, &api, serde_json::json!({"to": "everyone", "body": "hi"})).await.status(), 403);

        // The supervisor reads and does not write; the front desk is not in the conversation.
        let (status, page) = text(app, &w.uma, &team).await;
        assert_eq!(status, 200);
        assert!(page.contains(&secret) && !page.contains("Write a message"));
        assert_eq!(app.post_form(&w.uma, &team, &[("to", "everyone"), ("body", "hello")]).await.status(), 403);
        assert_eq!(text(app, &w.owner, &team).await.0, 403);
        assert_eq!(text(app, &w.vic, &team).await.0, 403, "not on this case's team");

        // Notices: discreet, a link, never the text.
        app.run_due_jobs().await;
        let notice = w.sink.wait_for_subject("You have a new message", std::time::Duration::from_secs(10)).await;
        notice.assert_discreet();
        for mail in w.sink.messages() {
            assert!(!mail.body().contains("CANARY") && !mail.body().contains("Tuesday"), "no message text in email");
        }
        let to_jo = w.sink.messages().iter().filter(|m| m.to == ["jo@client.example"]).count();
        assert_eq!(to_jo, 0, "Jo is told of nothing Jo cannot read, nor of Jo's own");
        assert!(w.sink.messages().iter().any(|m| m.to == ["tess@lakeside.example"]));

        // At rest, ciphertext; in the log, ids.
        let raw: Vec<Vec<u8>> = sqlx_bodies(app).await;
        assert!(raw.iter().all(|b| !String::from_utf8_lossy(b).contains("CANARY")) && raw.len() == 4);
        let log = app.audit_chain().await;
        for action in ["send_message", "view_messages", "send_message_notice"] {
            assert!(log.iter().any(|e| e.event.action == action), "{action} audited");
        }
        assert!(log.iter().all(|e| !e.event.record_id.contains("CANARY")));
        w.app.stop().await;
    }
}

on_both_engines! {
    async fn attachments_are_checked_re_encoded_sealed_and_kept_to_their_message(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let robin = client(app, "robin@client.example").await;
        let jo = client(app, "jo@client.example").await;
        let mine = format!("/me/messages/{}", w.couple);
        let team = format!("/cases/{}/messages", w.couple);
        let (_, page) = text(app, &robin, &mine).await;
        assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("Attach a file (optional)"), "{page}");

        // Wrong kinds and sizes are refused beside the field; nothing is sent, the words are kept.
        let gif = app.post_multipart(&robin, &mine, &[("to", "team"), ("body", "My worksheet")], Some(("attachment", "worksheet.pdf", b"GIF89a....".as_slice()))).await;
        let status = gif.status();
        let body = gif.text().await.unwrap();
        assert_eq!(status, 422, "{body}");
        assert!(body.contains("Attach a PDF, a PNG or a JPEG file.") && body.contains(">My worksheet</textarea>"), "{body}");
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(5 * 1024 * 1024 + 10, b'0');
        let large = app.post_multipart(&robin, &mine, &[("to", "team"), ("body", "")], Some(("attachment", "big.pdf", big.as_slice()))).await;
        assert_eq!(large.status(), 422);
        assert!(large.text().await.unwrap().contains("The file is larger than 5 MB."));
        // Up to 5 MB goes through (a PDF of 3 MB here).
        let mut fine = b"%PDF-1.7\n".to_vec();
        fine.resize(3 * 1024 * 1024, b'0');
        let three = app.post_multipart(&robin, &mine, &[("to", "team"), ("body", "")], Some(("attachment", "three.pdf", fine.as_slice()))).await;
        assert_eq!(location(&three), format!("{mine}?done=sent"));
        let broken = app.post_multipart(&robin, &mine, &[("to", "team"), ("body", "")], Some(("attachment", "x.png", b"\x89PNG\r\n\x1a\nnot really".as_slice()))).await;
        assert_eq!(broken.status(), 422);
        assert_eq!(sqlx_bodies(app).await.len(), 1, "only the 3 MB one; nothing half-written");

        // Robin sends a photographed worksheet to the care team alone: it is
        // re-encoded (the camera's note is gone), its name kept, sealed at rest.
        let photo = jpeg_with_a_camera_note();
        let sent = app.post_multipart(&robin, &mine, &[("to", "team"), ("body", "")], Some(("attachment", "NAME-CANARY worksheet.jpeg", photo.as_slice()))).await;
        assert_eq!(location(&sent), format!("{mine}?done=sent"));
        let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
        let shared = app.post_multipart(&jo, &mine, &[("to", "everyone"), ("body", "The reading list")], Some(("attachment", "reading.pdf", pdf.as_slice()))).await;
        assert_eq!(location(&shared), format!("{mine}?done=sent"));
        let (_, page) = text(app, &w.tess, &team).await;
        let path = attachment_link(&page, "NAME-CANARY worksheet.jpg");
        let download = w.tess.get(app.url(&path)).send().await.unwrap();
        assert_eq!(download.status(), 200);
        assert_eq!(download.headers()["content-type"], "image/jpeg");
        assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"attachment.jpg\"; filename*=UTF-8''NAME%2DCANARY%20worksheet%2Ejpg"));
        let bytes = download.bytes().await.unwrap();
        assert!(image::load_from_memory(&bytes).unwrap().width() == 64, "a picture still");
        assert!(!bytes.windows(b"GPS-CANARY".len()).any(|w| w == b"GPS-CANARY"), "the camera's note is gone");

        // Jo never gets Robin's file, not even by its address; Robin and the supervisor do.
        let (_, page) = text(app, &jo, &mine).await;
        assert!(!page.contains("NAME-CANARY") && page.contains("Attached: reading.pdf"), "{page}");
        assert_eq!(jo.get(app.url(&path)).send().await.unwrap().status(), 404);
        assert_eq!(robin.get(app.url(&path)).send().await.unwrap().status(), 200);
        assert_eq!(w.owner.get(app.url(&path)).send().await.unwrap().status(), 403, "the front desk is not in the conversation");
        assert_eq!(jo.get(app.url(&format!("/messages/attachments/{}", uuid::Uuid::new_v4()))).send().await.unwrap().status(), 404);
        let (_, page) = text(app, &robin, &mine).await;
        let served = robin.get(app.url(&attachment_link(&page, "reading.pdf"))).send().await.unwrap();
        assert_eq!(served.headers()["content-type"], "application/pdf");
        assert_eq!(served.bytes().await.unwrap().as_ref(), pdf.as_slice(), "a PDF is kept as sent");
        let thread: serde_json::Value = w.tess.get(app.url(&format!("/api/v1/cases/{}/messages", w.couple))).send().await.unwrap().json().await.unwrap();
        let listed: Vec<&serde_json::Value> = thread["messages"].as_array().unwrap().iter().filter_map(|m| m["attachment"].as_object().map(|_| &m["attachment"])).collect();
        assert_eq!(listed.len(), 3, "{thread}");

        // At rest the name and the bytes are ciphertext; the log has ids only.
        for column in [sensate_store::EncryptedColumn::AttachmentName, sensate_store::EncryptedColumn::AttachmentData] {
            let stored = app.store().encrypted_values(column).await.unwrap();
            assert_eq!(stored.len(), 3);
            assert!(stored.iter().all(|(_, v)| !v.windows(11).any(|w| w == b"NAME-CANARY" || w == b"obj <<>> en")));
        }
        let log = app.audit_chain().await;
        assert_eq!(log.iter().filter(|e| e.event.action == "view_attachment" && e.event.outcome == "allowed").count(), 3);
        assert_eq!(log.iter().filter(|e| e.event.action == "view_attachment" && e.event.outcome == "denied").count(), 2);
        assert!(log.iter().all(|e| !e.event.record_id.contains("CANARY")));
        w.app.stop().await;
    }
}

/// The download address of the attachment named `name` on a thread's page.
fn attachment_link(page: &str, name: &str) -> String {
    let end =
        page.find(&format!("\" download>Attached: {name} · ")).unwrap_or_else(|| panic!("{name} attached: {page}"));
    let start = page[..end].rfind("href=\"").unwrap() + "href=\"".len();
    page[start..end].to_string()
}

/// A 64×48 JPEG with a comment segment holding a position, as a phone
/// camera's metadata would.
fn jpeg_with_a_camera_note() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(64, 48, |x, _| image::Rgb([(x * 4) as u8, 90, 160]));
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(picture)
        .write_to(&mut std::io::Cursor::new(&mut plain), image::ImageFormat::Jpeg)
        .unwrap();
    let comment = b"GPS-CANARY 40.7128N 74.0060W";
    let length = u16::try_from(comment.len() + 2).unwrap().to_be_bytes();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xFE, length[0], length[1]]);
    out.extend_from_slice(comment);
    out.extend_from_slice(&plain[2..]);
    out
}

/// Every stored message body, as the database holds it.
async fn sqlx_bodies(app: &TestApp) -> Vec<Vec<u8>> {
    app.store()
        .encrypted_values(sensate_store::EncryptedColumn::MessageBody)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, bytes)| bytes)
        .collect()
}

on_both_engines! {
    async fn a_partners_own_session_reaches_that_partner_only(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let practice = app.practice_of(LAKESIDE.email).await;
        let jo = app.store().login_record("jo@client.example").await.unwrap().unwrap().id;
        let kind = sensate_domain::SessionTypeId::new();
        app.store()
            .insert_session_type(&sensate_store::SessionTypeRecord {
                id: kind,
                practice_id: practice,
                name: "Couple therapy session".into(),
                duration_minutes: 50,
                fee_cents: None,
                in_person: true,
                telehealth: true,
                participants: sensate_domain::scheduling::Participants::Couple,
                trial: false,
                needs_approval: false,
                active: true,
                created_at: sensate_domain::Clock::now(&app.clock),
            })
            .await
            .unwrap();

        // The form offers everyone in the case, or one partner of a couple.
        let (status, form) = text(app, &w.tess, "/appointments/new").await;
        assert_eq!(status, 200);
        let who = sensate_testkit::between(&form, "<select id=\"attends\"", "</select>").unwrap();
        assert!(who.contains("<option value=\"everyone\" selected>Everyone in the case</option>"), "{who}");
        assert!(who.contains("<optgroup label=\"Jo &#38; Robin\">"), "{who}");
        assert!(who.contains(&format!("<option value=\"{jo}\">Jo only</option>")) && who.contains(&format!("<option value=\"{}\">Robin only</option>", w.robin)));
        assert!(!who.contains(">Sam only<"), "an individual case has no choice to make");
        let book = |case: CaseId, attends: String, date: &'static str| {
            let fields = [("case", case.to_string()), ("session_type", kind.to_string()), ("format", "telehealth".into()), ("date", date.into()), ("time", "17:00".into()), ("repeat", "none".into()), ("count", String::new()), ("attends", attends)];
            let tess = w.tess.clone();
            async move {
                let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.post_form(&tess, "/appointments/new", &pairs).await
            }
        };
        // Someone outside the couple, or a choice for an individual case: told, nothing booked.
        let refused = book(w.couple, UserId::new().to_string(), "2026-12-01").await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("Choose one of this couple&#39;s partners, or “Everyone in the case”."));
        let refused = book(w.individual, w.robin.to_string(), "2026-12-01").await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("attends every session"));
        assert!(w.sink.messages().is_empty());
        assert!(!app.store().has_telehealth_sessions(practice, w.robin).await.unwrap());

        // Robin's own session, then a joint one a week later.
        assert_eq!(book(w.couple, w.robin.to_string(), "2026-12-01").await.status(), 303);
        let added = w.sink.wait_for_subject("A new appointment for you", std::time::Duration::from_secs(10)).await;
        assert_eq!(added.to, ["robin@client.example"]);
        assert!(app.store().has_telehealth_sessions(practice, w.robin).await.unwrap());
        assert!(!app.store().has_telehealth_sessions(practice, jo).await.unwrap(), "Jo attends no video session yet");
        assert_eq!(book(w.couple, "everyone".into(), "2026-12-08").await.status(), 303);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let added: Vec<Vec<String>> = w.sink.messages().iter().map(|m| m.to.clone()).collect();
        assert_eq!(added.iter().filter(|to| to.contains(&"jo@client.example".to_string())).count(), 1, "{added:?}");
        assert_eq!(added.iter().filter(|to| to.contains(&"robin@client.example".to_string())).count(), 2, "{added:?}");

        // Each partner's start page: Robin sees both, Jo the joint one only.
        let robin = client(app, "robin@client.example").await;
        let jo_browser = client(app, "jo@client.example").await;
        let (_, robins) = text(app, &robin, "/dashboard").await;
        let (_, jos) = text(app, &jo_browser, "/dashboard").await;
        let upcoming = |page: &str| sensate_testkit::between(page, "Your upcoming appointments</h2>", "</section>").unwrap().to_string();
        assert!(upcoming(&robins).contains("Dec 1, 2026") && upcoming(&robins).contains("Individual, in couple therapy"), "{robins}");
        assert!(upcoming(&robins).contains("Dec 8, 2026"));
        assert!(upcoming(&jos).contains("Dec 8, 2026") && upcoming(&jos).contains(">Couple</td>"), "{jos}");
        assert!(!jos.contains("Dec 1, 2026") && !jos.contains("Individual, in couple therapy"), "Jo never learns of Robin's own session");

        // The therapist's week and the appointment page say who attends.
        let (_, week) = text(app, &w.tess, "/calendar?week=2026-11-30").await;
        assert!(week.contains("5:00 PM–5:50 PM</span> Robin") && !week.contains("Jo &#38; Robin"), "{week}");
        let (_, week) = text(app, &w.tess, "/calendar?week=2026-12-07").await;
        assert!(week.contains("Jo &#38; Robin"), "{week}");
        let own = app.store().upcoming_for_client(w.robin, sensate_domain::Clock::now(&app.clock), 10).await.unwrap();
        let (first, joint) = (own[0].id, own[1].id);
        let (_, page) = text(app, &w.tess, &format!("/appointments/{first}")).await;
        assert!(page.contains("<dt>Who attends</dt><dd>Robin only (an individual session; Jo does not attend)</dd>"), "{page}");
        let (_, page) = text(app, &w.tess, &format!("/appointments/{joint}")).await;
        assert!(page.contains("<dt>Who attends</dt><dd>Both partners (a joint session)</dd>"), "{page}");

        // Signed in, each partner opens the sessions they attend from their
        // start page, to cancel or move them; Robin's own is not Jo's.
        assert!(robins.contains(&format!("<a href=\"/me/appointments/{first}\">")), "{robins}");
        let opened = robin.get(app.url(&format!("/me/appointments/{first}"))).send().await.unwrap();
        assert_eq!(opened.status(), 303);
        let link = location(&opened);
        assert!(link.starts_with(&format!("{}/appointments/manage/", app.base_url)), "{link}");
        let manage = robin.get(&link).send().await.unwrap().text().await.unwrap();
        assert!(manage.contains("<h1>Your appointment</h1>") && manage.contains("Cancel my appointment"), "{manage}");
        assert_eq!(text(app, &jo_browser, &format!("/me/appointments/{first}")).await.0, 404, "not Jo's");
        assert_eq!(text(app, &jo_browser, &format!("/me/appointments/{joint}")).await.0, 303);
        assert_eq!(text(app, &w.tess, &format!("/me/appointments/{first}")).await.0, 404, "staff use the appointment's page");
        let log = app.audit_chain().await;
        let opened: Vec<_> = log.iter().filter(|e| e.event.action == "view_own_appointment").map(|e| e.event.outcome.clone()).collect();
        assert!(opened.iter().any(|o| o == "allowed"), "{opened:?}");
        assert!(opened.iter().any(|o| o == "denied"), "Jo's attempt is audited: {opened:?}");

        // The joint session becomes Jo's own: Robin is told it is cancelled
        // for them and no longer sees it; then it is joint again.
        let (_, page) = text(app, &w.tess, &format!("/appointments/{joint}")).await;
        assert!(page.contains("<option value=\"everyone\" selected>Both partners</option>"), "{page}");
        let change = format!("/appointments/{joint}/attendees");
        let refused = app.post_form(&w.tess, &change, &[("attends", &UserId::new().to_string())]).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("Choose one of this couple&#39;s partners"));
        let mails = w.sink.messages().len();
        let changed = app.post_form(&w.tess, &change, &[("attends", &jo.to_string())]).await;
        assert_eq!(location(&changed), format!("/appointments/{joint}?done=attendees"));
        let told = w.sink.wait_for(mails + 1, std::time::Duration::from_secs(10)).await.remove(mails);
        assert_eq!((told.to.clone(), told.subject()), (vec!["robin@client.example".to_string()], "Your appointment has been cancelled".to_string()));
        let (_, robins) = text(app, &robin, "/dashboard").await;
        assert!(!upcoming(&robins).contains("Dec 8, 2026"), "{robins}");
        let (_, jos) = text(app, &jo_browser, "/dashboard").await;
        assert!(upcoming(&jos).contains("Dec 8, 2026") && upcoming(&jos).contains("Individual, in couple therapy"), "{jos}");
        let (_, page) = text(app, &w.tess, &format!("/appointments/{joint}")).await;
        assert!(page.contains("<dd>Jo only (an individual session; Robin does not attend)</dd>"), "{page}");
        assert_eq!(location(&app.post_form(&w.tess, &change, &[("attends", "everyone")]).await), format!("/appointments/{joint}?done=attendees"));
        let told = w.sink.wait_for(mails + 2, std::time::Duration::from_secs(10)).await.remove(mails + 1);
        assert_eq!((told.to.clone(), told.subject()), (vec!["robin@client.example".to_string()], "A new appointment for you".to_string()));
        let (_, robins) = text(app, &robin, "/dashboard").await;
        assert!(upcoming(&robins).contains("Dec 8, 2026"));
        assert!(app.audit_chain().await.iter().any(|e| e.event.action == "change_attendees"));

        // A day before Robin's own session, the reminder goes to Robin alone.
        let before = w.sink.messages().len();
        // 17:00 in Berlin is 16:00 UTC.
        app.clock.set("2026-11-30T16:05:00Z".parse().unwrap());
        app.run_due_jobs().await;
        let reminder = w.sink.wait_for(before + 1, std::time::Duration::from_secs(10)).await.remove(before);
        assert!(reminder.subject().starts_with("Reminder: your appointment"), "{}", reminder.subject());
        assert_eq!(reminder.to, ["robin@client.example"]);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(w.sink.messages().len(), before + 1, "nothing to Jo");
        w.app.stop().await;
    }
}

on_both_engines! {
    async fn a_file_goes_with_a_message_over_the_api_too(db: TestDb) {
        use base64::Engine as _;
        let w = world(db).await;
        let app = &w.app;
        let jo = client(app, "jo@client.example").await;
        let robin = client(app, "robin@client.example").await;
        let api = format!("/api/v1/cases/{}/messages", w.couple);
        let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let send = |body: serde_json::Value| {
            let (jo, api) = (jo.clone(), api.clone());
            async move { app.post_json(&jo, &api, body).await }
        };
        let field = |answer: &serde_json::Value| answer["fields"][0]["field"].as_str().unwrap_or_default().to_string();

        // Not base64, not a PDF or picture, too large: refused beside `attachment`, nothing sent.
        let refused = send(serde_json::json!({"to": "team", "attachment": {"name": "plan.pdf", "data": "not base64!"}})).await;
        assert_eq!(refused.status(), 422);
        let answer: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(field(&answer), "attachment", "{answer}");
        let gif = send(serde_json::json!({"to": "team", "attachment": {"name": "plan.pdf", "data": encode(b"GIF89a....")}})).await;
        assert_eq!(gif.status(), 422);
        let answer: serde_json::Value = gif.json().await.unwrap();
        assert!(answer.to_string().contains("Attach a PDF, a PNG or a JPEG file."), "{answer}");
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(5 * 1024 * 1024 + 10, b'0');
        let large = send(serde_json::json!({"to": "team", "attachment": {"name": "big.pdf", "data": encode(&big)}})).await;
        assert_eq!(large.status(), 422);
        assert!(large.text().await.unwrap().contains("The file is larger than 5 MB."));
        assert!(sqlx_bodies(app).await.is_empty(), "nothing was sent");

        // A PDF to the care team alone, without words: sent, listed for the
        // team, never for the other partner.
        let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
        let sent = send(serde_json::json!({"to": "team", "attachment": {"name": "PLAN-CANARY.pdf", "data": encode(pdf)}})).await;
        assert_eq!(sent.status(), 204);
        let thread: serde_json::Value = w.tess.get(app.url(&api)).send().await.unwrap().json().await.unwrap();
        let attachment = &thread["messages"][0]["attachment"];
        assert_eq!(attachment["name"], "PLAN-CANARY.pdf", "{thread}");
        assert_eq!(attachment["content_type"], "application/pdf");
        let download = w.tess.get(app.url(attachment["href"].as_str().unwrap())).send().await.unwrap();
        assert_eq!(download.bytes().await.unwrap().as_ref(), pdf.as_slice(), "kept as sent");
        let robins: serde_json::Value = robin.get(app.url(&api)).send().await.unwrap().json().await.unwrap();
        assert!(!robins.to_string().contains("PLAN-CANARY"), "{robins}");
        w.app.stop().await;
    }
}
