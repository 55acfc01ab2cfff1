//! `sensate demo`: the fictional practice, what each role sees, and that a
//! partner never sees the other partner's individual sessions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sensate_testkit::{TestApp, TestDb, spawn_demo, spawn_demo_with_therapists};

const PASSWORD: &str = "demo-practice-2026";

async fn dashboard_as(app: &TestApp, email: &str) -> String {
    let client = TestApp::new_client();
    app.login(&client, email, PASSWORD).await;
    if !email.ends_with("@client.example") {
        app.pass_demo_mfa(&client).await;
    }
    let response = client.get(app.url("/dashboard")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The table rows of the section that follows `heading`.
fn rows_after(body: &str, heading: &str) -> Vec<String> {
    let start = body.find(heading).unwrap_or_else(|| panic!("{heading} is on the page"));
    let section = &body[start..];
    let end = section.find("</section>").unwrap();
    section[..end]
        .split("<tr>")
        .skip(2) // the text before the table, and the header row
        .map(|row| row.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_says_the_data_is_fictional() {
    let app = spawn_demo(TestDb::sqlite()).await;
    assert!(app.setup_token.is_none(), "the demo practice needs no set-up");
    for path in ["/", "/how-it-works", "/privacy", "/login", "/no-such-page"] {
        let body = app.get(path).await.text().await.unwrap();
        assert!(body.contains("Demo — fictional data."), "{path}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_its_own_dashboard() {
    let app = spawn_demo(TestDb::sqlite()).await;

    let owner = dashboard_as(&app, "owner@harbor.example").await;
    assert!(owner.contains("Harbor Sexual Health Collective · Practice owner"));
    assert!(owner.contains("<span class=\"stat-value\">3</span> <span class=\"stat-label\">Therapists</span>"));
    assert!(owner.contains("<span class=\"stat-value\">4</span> <span class=\"stat-label\">Clients</span>"));
    assert!(
        owner.contains("<span class=\"stat-value\">16</span> <span class=\"stat-label\">Upcoming appointments</span>")
    );
    let therapists = rows_after(&owner, "<h2 id=\"therapists-title\">Therapists</h2>");
    assert_eq!(therapists.len(), 3);
    assert!(therapists[0].starts_with("<td>Daniel Levi"), "sorted by name: {therapists:?}");
    assert!(!owner.contains("Upcoming appointments</h2>"), "an owner who is not a therapist has no calendar");

    let rivera = dashboard_as(&app, "dr.rivera@harbor.example").await;
    let rows = rows_after(&rivera, "<h2 id=\"upcoming-title\">Upcoming appointments</h2>");
    assert_eq!(rows.len(), 8, "two individual clients, four weekly sessions each");
    // The fake clock is Mon 23 Nov 2026, 10:00 in New York; the first session is the next day.
    assert!(rows[0].contains("<td>Tue 24 Nov 2026, 10:00 (EST)</td> <td>Jordan Miles</td>"), "{}", rows[0]);
    assert!(rows[0].contains("Confirmed"));
    assert!(rivera.contains("America/New_York"));
    assert!(!rivera.contains("Practice overview"), "therapists do not see practice figures");

    let chen = dashboard_as(&app, "sam.chen@harbor.example").await;
    let rows = rows_after(&chen, "<h2 id=\"upcoming-title\">Upcoming appointments</h2>");
    assert!(
        rows[0].contains("<td>Alex Kim &#38; Riley Kim</td> <td>Couple</td> <td>Telehealth (video)</td>"),
        "{}",
        rows[0]
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_see_joint_sessions_but_not_each_others_individual_ones() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let alex = dashboard_as(&app, "alex@client.example").await;
    let riley = dashboard_as(&app, "riley@client.example").await;
    let alex_rows = rows_after(&alex, "Your upcoming appointments</h2>");
    let riley_rows = rows_after(&riley, "Your upcoming appointments</h2>");
    assert_eq!(alex_rows.len(), 8, "Alex: couple sessions and individual sessions");
    assert_eq!(riley_rows.len(), 4, "Riley: couple sessions only");
    assert!(alex_rows.iter().any(|row| row.contains("Dr. Elena Rivera")));
    assert!(!riley.contains("Dr. Elena Rivera"), "Riley never learns that Alex sees another therapist");
    assert!(riley_rows.iter().all(|row| row.contains("Sam Chen") && row.contains("Couple")));
    assert!(!alex.contains("Jordan Miles") && !alex.contains("Priya Nair"), "no other client's name");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarting_the_demo_rebuilds_it() {
    let db = TestDb::sqlite();
    let data_dir = db.data_dir.clone();
    let app = spawn_demo(db).await;
    let before = app.store().practice_count().await.unwrap();
    app.stop().await;
    let again = spawn_demo(TestDb::sqlite()).await;
    again.stop().await;
    // Same data dir a second time: the old demo database is replaced, not added to.
    let mut options = sensate_server::StartOptions::new(
        sensate_server::Mode::Demo,
        "127.0.0.1:0".parse().unwrap(),
        data_dir.clone(),
        String::new(),
    );
    options.clock = std::sync::Arc::new(sensate_testkit::FakeClock::at("2026-11-23T15:00:00Z"));
    let running = sensate_server::start(options).await.unwrap();
    assert_eq!(running.store.practice_count().await.unwrap(), before);
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_code_works_for_a_second_sign_in_within_one_time_step() {
    let app = spawn_demo(TestDb::sqlite()).await;
    for _ in 0..2 {
        let client = TestApp::new_client();
        app.login(&client, "owner@harbor.example", PASSWORD).await;
        app.pass_demo_mfa(&client).await;
        assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().status(), 200);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owners_audit_page_shows_sign_ins() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let owner = TestApp::new_client();
    app.login(&owner, "owner@harbor.example", PASSWORD).await;
    app.pass_demo_mfa(&owner).await;
    let refused = TestApp::new_client();
    let wrong = app
        .post_form(&refused, "/login", &[("email", "jordan@client.example"), ("password", "not the password")])
        .await;
    assert_eq!(wrong.status(), 401);
    let page = owner.get(app.url("/audit?action=login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<td>login</td>"), "sign-ins are listed");
    assert!(page.contains("<td>failed</td>") && page.contains("<td>allowed</td>"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_sessions_end_after_an_idle_hour() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let client = TestApp::new_client();
    app.login(&client, "jordan@client.example", PASSWORD).await;
    app.clock.advance(jiff::SignedDuration::from_mins(59));
    assert_eq!(
        client.get(app.url("/dashboard")).send().await.unwrap().status(),
        200,
        "59 idle minutes are fine for a client"
    );
    app.clock.advance(jiff::SignedDuration::from_mins(61));
    assert_eq!(client.get(app.url("/dashboard")).send().await.unwrap().headers()["location"], "/login");
    app.stop().await;
}

/// Clients that give up mid-request (timeouts, closed tabs) must not leave
/// the database inside a half-finished transaction: everyone after them
/// would get errors. Each dashboard view appends to the audit chain in a
/// write transaction, so hanging up during it is the case that matters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_requests_leave_no_transaction_behind() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let client = TestApp::new_client();
    let response =
        app.post_form(&client, "/login", &[("email", "jordan@client.example"), ("password", PASSWORD)]).await;
    let session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .find_map(|c| c.strip_prefix("sensate_session=").and_then(|rest| rest.split(';').next()))
        .expect("a session cookie")
        .to_string();
    let impatient = reqwest::Client::builder().timeout(std::time::Duration::from_micros(1500)).build().unwrap();
    let mut abandoned = Vec::new();
    for _ in 0..400 {
        let impatient = impatient.clone();
        let url = app.url("/dashboard");
        let cookie = format!("sensate_session={session}");
        abandoned.push(tokio::spawn(async move {
            let _ = impatient.get(url).header("cookie", cookie).send().await;
        }));
    }
    for task in abandoned {
        let _ = task.await;
    }
    for _ in 0..20 {
        let response = client.get(app.url("/dashboard")).send().await.unwrap();
        assert_eq!(response.status(), 200, "requests after abandoned ones still succeed");
    }
    let chain = app.store().audit_chain().await.unwrap();
    assert_eq!(sensate_store::verify_chain(&chain), Ok(chain.len()), "the audit chain stays intact");
    app.stop().await;
}

async fn find(app: &TestApp, query: &str) -> (u16, serde_json::Value) {
    let response = app.get(&format!("/api/v1/therapists?{query}")).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn names(page: &serde_json::Value) -> Vec<String> {
    page["results"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_find_licensed_therapists_who_fit() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let (status, all) = find(&app, "").await;
    assert_eq!(status, 200);
    assert_eq!(all["total"], 3, "every demo therapist is licensed and verified");

    // Telehealth only where licensed: Sam Chen holds licences in NY and NJ.
    let (_, nj) = find(&app, "format=telehealth&state=NJ").await;
    assert_eq!(names(&nj), vec!["Sam Chen"]);
    assert!(nj["results"][0]["reasons_line"].as_str().unwrap().contains("Telehealth, licensed in NJ"));
    let (_, ca) = find(&app, "format=telehealth&state=CA").await;
    assert_eq!(ca["total"], 0);

    // A concern, in network, and why it matched.
    let (_, pain) = find(&app, "concerns=vaginismus&insurance=aetna&state=NY").await;
    assert_eq!(names(&pain)[0], "Dr. Elena Rivera");
    let reasons = pain["results"][0]["reasons"].as_array().unwrap();
    assert!(reasons.iter().any(|r| r.as_str().unwrap().starts_with("Treats")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.as_str().unwrap().contains("Aetna")), "{reasons:?}");

    // In person near Brooklyn Heights, nearest first.
    let (_, near) = find(&app, "format=in_person&near=11201&radius_km=15&sort=distance").await;
    assert_eq!(names(&near), vec!["Daniel Levi", "Dr. Elena Rivera"], "Sam Chen sees clients by telehealth only");
    assert!(near["results"][0]["distance_km"].as_f64().unwrap() < near["results"][1]["distance_km"].as_f64().unwrap());

    // Bad filters are explained, field by field.
    let (status, bad) = find(&app, "concerns=not-a-thing&near=00000&radius_km=-3&sort=sideways").await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = bad["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for field in ["concerns", "near", "sort", "radius_km"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }

    // Licences expire: two years and a day later, nobody is listed (no nightly job needed).
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 732));
    let (_, later) = find(&app, "").await;
    assert_eq!(later["total"], 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_lists_synthetic_therapists_on_request() {
    let app = spawn_demo_with_therapists(TestDb::sqlite(), 50).await;
    let (status, all) = find(&app, "per_page=50").await;
    assert_eq!(status, 200);
    assert_eq!(all["total"], 53, "the three demo therapists and fifty synthetic ones, all listed");
    let (_, second) = find(&app, "per_page=50&page=2").await;
    assert_eq!(second["results"].as_array().unwrap().len(), 3);
    for hit in all["results"].as_array().unwrap() {
        for field in ["name", "credentials", "headline"] {
            assert!(!hit[field].as_str().unwrap().is_empty(), "{field} of {hit}");
        }
    }
    let page = app.get("/therapists").await.text().await.unwrap();
    assert!(page.contains("53 therapists found"));

    // A synthetic therapist has a full public profile with a verified licence.
    let synthetic = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|hit| !["Dr. Elena Rivera", "Sam Chen", "Daniel Levi"].contains(&hit["name"].as_str().unwrap()))
        .unwrap();
    let profile = app.get(&format!("/therapists/{}", synthetic["id"].as_str().unwrap())).await;
    assert_eq!(profile.status(), 200);
    assert!(profile.text().await.unwrap().contains("licence verified on"));

    // They belong to practices of their own: the demo practice is unchanged.
    let owner = dashboard_as(&app, "owner@harbor.example").await;
    assert!(owner.contains("<span class=\"stat-value\">3</span> <span class=\"stat-label\">Therapists</span>"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_page_explains_matches_and_bad_filters() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let page = app.get("/therapists?concerns=vaginismus&state=NY&insurance=aetna").await;
    assert_eq!(page.status(), 200);
    let body = page.text().await.unwrap();
    assert!(body.contains("1 therapist found"));
    assert!(body.contains("Dr. Elena Rivera"));
    assert!(body.contains("In network with Aetna"));
    let link = sensate_testkit::between(&body, "<a href=\"/therapists/", "\"").unwrap();

    let profile = app.get(&format!("/therapists/{link}")).await;
    assert_eq!(profile.status(), 200);
    let body = profile.text().await.unwrap();
    assert!(body.contains("licence verified on 23 November 2026"), "shows when the licence was checked");
    assert!(body.contains("Book a trial session"));
    assert!(body.contains("By video (telehealth) for clients in: NY"));

    // A bad filter is explained and left out; the others still search.
    let bad = app.get("/therapists?concerns=not-a-thing&near=00000&state=NY&format=telehealth").await;
    assert_eq!(bad.status(), 422);
    let body = bad.text().await.unwrap();
    assert!(body.contains("Some filters were left out"));
    assert!(body.contains("3 therapists found"), "the rest of the search still runs");
    assert_eq!(app.get("/therapists/not-an-id").await.status(), 404);

    // The form sends every field, empty ones included: that is no filter at all.
    let empty = app
        .get("/therapists?concerns=&format=any&state=&near=&radius_km=&insurance=&languages=&max_fee=&gender=&q=&sort=")
        .await;
    assert_eq!(empty.status(), 200);
    assert!(empty.text().await.unwrap().contains("3 therapists found"));
    let cheap = app.get("/therapists?max_fee=150&sort=fee").await.text().await.unwrap();
    assert!(cheap.contains("1 therapist found") && cheap.contains("Daniel Levi"), "fee ceiling in dollars");
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 732));
    assert_eq!(app.get(&format!("/therapists/{link}")).await.status(), 404, "an expired licence unlists the profile");
    app.stop().await;
}
