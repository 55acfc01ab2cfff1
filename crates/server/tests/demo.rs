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
        owner.contains("<span class=\"stat-value\">17</span> <span class=\"stat-label\">Upcoming appointments</span>")
    );
    let therapists = rows_after(&owner, "<h2 id=\"therapists-title\">Therapists</h2>");
    assert_eq!(therapists.len(), 3);
    assert!(therapists[0].starts_with("<td data-label=\"Name\">Daniel Levi"), "sorted by name: {therapists:?}");
    assert!(!owner.contains("Upcoming appointments</h2>"), "an owner who is not a therapist has no calendar");

    let rivera = dashboard_as(&app, "dr.rivera@harbor.example").await;
    let rows = rows_after(&rivera, "<h2 id=\"upcoming-title\">Upcoming appointments</h2>");
    assert_eq!(rows.len(), 8, "two individual clients, four weekly sessions each");
    // The fake clock is Mon 23 Nov 2026, 10:00 in New York; the first session is the next day.
    // Each session links to its page.
    assert!(
        rows[0].contains(
            "\">Tue, Nov 24, 2026, 10:00 AM (Eastern Time)</a></td> <td data-label=\"With\">Jordan Miles</td>"
        ),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("<td data-label=\"When\"><a href=\"/appointments/"), "{}", rows[0]);
    assert!(rows[0].contains("Confirmed"));
    assert!(rivera.contains("shown in the practice's time zone (Eastern Time)"), "{rivera}");
    assert!(!rivera.contains("Practice overview"), "therapists do not see practice figures");

    let chen = dashboard_as(&app, "sam.chen@harbor.example").await;
    let rows = rows_after(&chen, "<h2 id=\"upcoming-title\">Upcoming appointments</h2>");
    assert!(
        rows[0].contains("<td data-label=\"With\">Alex Kim &#38; Riley Kim</td> <td data-label=\"Session\">Couple</td> <td data-label=\"Format\">Telehealth (video)</td>"),
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
    assert_eq!(alex_rows.len(), 8, "Alex: couple sessions and individual sessions with Dr. Rivera");
    assert_eq!(riley_rows.len(), 5, "Riley: couple sessions and one of Riley's own in the couple's case");
    assert!(alex_rows.iter().any(|row| row.contains("Dr. Elena Rivera")));
    assert!(!riley.contains("Dr. Elena Rivera"), "Riley never learns that Alex sees another therapist");
    assert!(riley_rows.iter().all(|row| row.contains("Sam Chen")));
    assert_eq!(riley_rows.iter().filter(|row| row.contains(">Couple</td>")).count(), 4, "{riley_rows:?}");
    // Riley's own session in the couple's case (5:00 PM, before the joint
    // ones at 6:00 PM) never reaches Alex.
    let own: Vec<_> = riley_rows.iter().filter(|row| row.contains("5:00 PM")).collect();
    assert_eq!(own.len(), 1, "{riley_rows:?}");
    assert!(own[0].contains("<td data-label=\"Session\">Individual, in couple therapy</td>"), "{own:?}");
    assert!(!alex_rows.iter().any(|row| row.contains("5:00 PM")), "{alex_rows:?}");
    let chen = dashboard_as(&app, "sam.chen@harbor.example").await;
    let chen_rows = rows_after(&chen, "<h2 id=\"upcoming-title\">Upcoming appointments</h2>");
    assert!(chen_rows.iter().any(|row| row.contains("<td data-label=\"With\">Riley Kim</td>")), "{chen_rows:?}");
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
    assert!(page.contains("<td data-label=\"What\">Signed in</td>"), "sign-ins are listed, described");
    assert!(page.contains("badge-failed\">Failed</span>") && page.contains("badge-allowed\">Allowed</span>"));
    assert!(page.contains("<td data-label=\"Who\">Maya Okafor</td>"), "the owner's sign-in, by name");
    assert!(
        page.contains("<td data-label=\"Who\">Jordan Miles</td>"),
        "the failed sign-in names the account it was for"
    );
    assert!(!page.contains("<td data-label=\"Who\">0"), "people by name, not by id");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_practice_is_complete_and_mails_under_a_neutral_name() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let owner = TestApp::new_client();
    app.login(&owner, "owner@harbor.example", PASSWORD).await;
    app.pass_demo_mfa(&owner).await;
    let page = owner.get(app.url("/settings")).send().await.unwrap().text().await.unwrap();
    for value in ["200 Harbor Street, Suite 4, Boston, MA 02110", "hello@harbor.example", "+1 617 555 0142"] {
        assert!(page.contains(value), "{value} is set");
    }
    assert!(page.contains("name=\"sender_name\" type=\"text\" value=\"Harbor Collective\""), "{page}");

    // A sender name that says what the practice does is refused, and nothing changes.
    let practice = app.practice_of("owner@harbor.example").await;
    let before = app.store().practice(practice).await.unwrap().unwrap();
    let form = [
        ("name", before.name.as_str()),
        ("time_zone", before.time_zone.as_str()),
        ("sender_name", "Harbor Sex Therapy"),
        ("cancellation_notice_hours", "24"),
    ];
    let refused = app.post_form(&owner, "/settings", &form).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("Inbox lists show this name"));
    assert_eq!(app.store().practice(practice).await.unwrap().unwrap(), before);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_its_design_system() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let page = app.get("/design").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for component in [
        "class=\"button\"",
        "badge-confirmed",
        "notice-error",
        "card-grid",
        "stack-on-phone",
        "class=\"disclosure\"",
        "class=\"chip\"",
        "class=\"card result-card\"",
        "class=\"check-columns checklist\"",
        "class=\"section-nav\"",
        "class=\"week-grid time-grid\"",
    ] {
        assert!(html.contains(component), "{component}");
    }
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
    let chain = app.audit_chain().await;
    assert_eq!(app.verify_audit().await.map(|v| v.entries), Ok(chain.len()), "the audit chain stays intact");
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
    let next = sensate_testkit::between(&body, "<strong>Next free time:</strong> ", "</p>").unwrap();
    // Monday 10:00 in New York, a day's notice: Tuesday, whose video hours start at 13:00.
    assert_eq!(next, "Tue, Nov 24, 2026, 1:00 PM (Eastern Time) · Trial consultation · Telehealth (video)");
    // Fees per kind of session, from the practice's session types.
    assert!(body.contains("<li>Trial consultation, 20 min: free</li>"));
    assert!(body.contains("<li>Individual session, 50 min: $180</li>"));
    assert!(body.contains("<li>Couple session, 80 min: $240</li>"));

    // A therapist who takes no new clients says so, and what to do instead.
    let levi = app.store().login_record("daniel.levi@harbor.example").await.unwrap().unwrap().id;
    let body = app.get(&format!("/therapists/{levi}")).await.text().await.unwrap();
    assert!(body.contains("<h2 id=\"book-title\">Not taking new clients</h2>"), "{body}");
    assert!(
        body.contains("they can suggest a colleague") && body.contains("mailto:hello@harbor.example"),
        "the practice's real contact"
    );
    assert!(!body.contains("Choose a time") && !body.contains("Book a trial session"));

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

/// The fields a 422 answer names.
fn bad_fields(body: &serde_json::Value) -> Vec<String> {
    body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn result_cards_show_filters_in_use_fees_and_times_that_lead_to_booking() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let body = app.get("/therapists?concerns=vaginismus&insurance=aetna").await.text().await.unwrap();
    let unescape = |href: &str| href.replace("&#38;", "&").replace("&amp;", "&");
    // Each filter in use is a chip whose link is the same search without it.
    let chips = sensate_testkit::between(&body, "<ul class=\"chips\" aria-label=\"Filters in use\">", "</ul>").unwrap();
    assert!(chips.contains("<a class=\"chip\" href=\"/therapists?insurance=aetna\"><span class=\"visually-hidden\">Remove the filter </span>Involuntary muscle tightness making penetration difficult"), "{chips}");
    assert!(chips.contains("<a class=\"chip\" href=\"/therapists?concerns=vaginismus\"><span class=\"visually-hidden\">Remove the filter </span>Aetna"), "{chips}");
    assert!(body.contains("<a class=\"chips-clear\" href=\"/therapists\">Clear all filters</a>"));
    assert!(
        body.contains(
            "Filters <span id=\"filter-count\"><span class=\"count\">2<span class=\"visually-hidden\"> in use</span>"
        ),
        "the panel counts them"
    );
    // The card: an initial where a photo would be, fees and insurers.
    let card = sensate_testkit::between(&body, "<li class=\"card result-card\">", "</li>\n").unwrap();
    assert!(card.contains("<span class=\"avatar\" aria-hidden=\"true\">ER</span>"), "{card}");
    assert!(
        card.contains(
            "<p class=\"result-fees\">From $180 a session · Free first consultation · In network with Aetna, Cigna</p>"
        ),
        "{card}"
    );
    // The next three free times are buttons, on the reader's clock.
    let times: Vec<&str> = card.split("class=\"button button-secondary slot\" href=\"").skip(1).collect();
    assert_eq!(times.len(), 3, "{card}");
    assert!(times[0].contains(">Tue, Nov 24, 1:00 PM</a>") && times[1].contains(">Tue, Nov 24, 1:30 PM</a>"), "{card}");
    // A button leads to the form for its time, which is still free.
    let first = unescape(times[0].split('"').next().unwrap());
    assert!(
        first.starts_with("/therapists/")
            && first.contains("/book/at?start=2026%2D11%2D24T18%3A00%3A00Z&tz=America%2FNew%5FYork"),
        "{first}"
    );
    let visitor = TestApp::new_client();
    let answer = visitor.get(app.url(&first)).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let form = answer.headers()["location"].to_str().unwrap().to_string();
    assert!(
        form.contains("/book/details?type=")
            && form.contains("&format=telehealth&tz=America%2FNew%5FYork&start=2026%2D11%2D24T18%3A00%3A00Z"),
        "{form}"
    );
    let page = visitor.get(app.url(&form)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Tue, Nov 24, 2026, 1:00 PM (Eastern Time) · Telehealth (video)"), "{page}");
    // A time that is not free (any more) leads to that day's free times.
    let gone = first.replace("18%3A00%3A00Z", "18%3A05%3A00Z");
    let answer = visitor.get(app.url(&gone)).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let day = answer.headers()["location"].to_str().unwrap().to_string();
    assert!(day.contains("/book?type=") && day.ends_with("&tz=America%2FNew%5FYork&from=2026-11-24"), "{day}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distances_are_offered_in_the_visitors_unit() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let radius = |page: &str| {
        sensate_testkit::between(page, "<select id=\"radius_km\" name=\"radius_km\">", "</select>").unwrap().to_string()
    };
    let page = |languages: &'static str, query: &'static str| {
        let url = app.url(&format!("/therapists?{query}"));
        async move { TestApp::client_reading(languages).get(url).send().await.unwrap().text().await.unwrap() }
    };
    // An American browser: miles, sent as kilometres.
    let american = radius(&page("en-US", "").await);
    assert!(american.contains("<option value=\"\" selected>about 16 miles (default)</option>"), "{american}");
    assert!(american.contains("<option value=\"16.09\">10 miles</option>"), "{american}");
    // A German one: kilometres.
    let german = radius(&page("de-DE", "").await);
    assert!(german.contains("<option value=\"\" selected>25 km (default)</option>"), "{german}");
    assert!(german.contains("<option value=\"50\">50 km</option>") && !german.contains("miles"), "{german}");
    // A distance chosen in miles is chosen again; one from a link in the
    // other unit is offered too rather than dropped.
    let chosen = radius(&page("en-US", "near=10001&radius_km=16.09").await);
    assert!(chosen.contains("<option value=\"16.09\" selected>10 miles</option>"), "{chosen}");
    let linked = radius(&page("en-US", "near=10001&radius_km=50").await);
    assert!(linked.contains("<option value=\"50\" selected>about 31 miles</option>"), "{linked}");
    // What the search does is the same either way.
    let (_, miles) = find(&app, "near=10001&radius_km=16.09").await;
    let (_, km) = find(&app, "near=10001&radius_km=16").await;
    assert_eq!(names(&miles), names(&km));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_search_near_the_position_their_browser_gives() {
    let app = spawn_demo(TestDb::sqlite()).await;
    // Brooklyn Heights, rounded as the page's script rounds it.
    let (status, near) = find(&app, "lat=40.70&lon=-73.99&sort=distance").await;
    assert_eq!(status, 200);
    assert_eq!(names(&near), vec!["Daniel Levi", "Dr. Elena Rivera"], "offices within 25 km, nearest first");
    let km: Vec<f64> = near["results"].as_array().unwrap().iter().map(|r| r["distance_km"].as_f64().unwrap()).collect();
    assert!(km[0] < 2.0 && km[0] < km[1], "{km:?}");
    let (_, far) = find(&app, "lat=34.05&lon=-118.24").await;
    assert_eq!(far["total"], 0, "nobody has an office near Los Angeles");

    // Both or neither, in range, and not together with a place.
    for (query, field, says) in [
        ("lat=40.7", "lon", "together with the latitude"),
        ("lon=-73.99", "lat", "together with the longitude"),
        ("lat=90.5&lon=0", "lat", "from -90 to 90"),
        ("lat=-91&lon=0", "lat", "from -90 to 90"),
        ("lat=0&lon=180.01", "lon", "from -180 to 180"),
        ("lat=north&lon=east", "lat", "must be a number"),
        ("lat=NaN&lon=inf", "lon", "must be a number"),
        ("lat=40.70&lon=-73.99&near=10001", "lat", "not both"),
    ] {
        let (status, body) = find(&app, query).await;
        assert_eq!(status, 422, "{query}");
        assert!(bad_fields(&body).contains(&field.to_string()), "{query}: {body}");
        let message =
            body["fields"].as_array().unwrap().iter().find(|f| f["field"] == field).unwrap()["message"].clone();
        assert!(message.as_str().unwrap().contains(says), "{query}: {message}");
    }
    let (status, _) = find(&app, "lat=90&lon=-180").await;
    assert_eq!(status, 200, "the limits themselves are valid");

    // The page: sorted by distance, and says where it searches.
    let page = app.get("/therapists?lat=40.70&lon=-73.99&sort=distance").await;
    assert_eq!(page.status(), 200);
    let body = page.text().await.unwrap();
    assert!(body.contains("2 therapists found"));
    assert!(body.find("Daniel Levi").unwrap() < body.find("Dr. Elena Rivera").unwrap(), "nearest first");
    assert!(body.contains("Searching near the position your browser shared."));
    assert!(body.contains("name=\"lat\" value=\"40.70\""), "the position stays in the form for the next search");
    assert!(body.contains("<a href=\"/therapists\">Search without it</a>"), "the same search, without the position");

    // A position that cannot be used is explained and left out; the rest still search.
    let bad = app.get("/therapists?lat=95&lon=-73.99&sort=distance&state=NY&format=telehealth").await;
    assert_eq!(bad.status(), 422);
    let body = bad.text().await.unwrap();
    assert!(body.contains("Some filters were left out"));
    assert!(body.contains("The latitude (lat) must be a number of degrees from -90 to 90."));
    assert!(body.contains("3 therapists found"), "video sessions in NY still search");
    assert!(!body.contains("Searching near the position"), "the position was dropped");
    let half = app.get("/therapists?lat=40.70").await.text().await.unwrap();
    assert!(
        half.contains("Give the longitude (lon) together with the latitude (lat).")
            && half.contains("3 therapists found")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htmx_gets_the_results_alone_and_the_rest_the_whole_page() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let get = |path: &str, headers: &[(&'static str, &'static str)]| {
        let mut request = TestApp::new_client().get(app.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let fragment =
        get("/therapists?concerns=vaginismus&state=NY&insurance=aetna", &[("hx-request", "true")]).await.unwrap();
    assert_eq!(fragment.status(), 200);
    assert_eq!(fragment.headers()["vary"], "HX-Request, Accept-Language");
    let body = fragment.text().await.unwrap();
    assert!(!body.contains("<html") && !body.contains("<form"), "only the results");
    // Kept pages are kept per way of writing times: the same search for a
    // British browser is not the American page kept a moment ago.
    let american = sensate_testkit::between(&body, "<strong>Next available:</strong>", "</p>").unwrap().to_string();
    assert!(american.contains("PM (Eastern Time)"), "{american}");
    let british = get(
        "/therapists?concerns=vaginismus&state=NY&insurance=aetna",
        &[("hx-request", "true"), ("accept-language", "en-GB")],
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let british = sensate_testkit::between(&british, "<strong>Next available:</strong>", "</p>").unwrap().to_string();
    assert!(british.contains(":00 (Eastern Time)") && !british.contains("PM"), "{british}");
    assert_ne!(american, british);
    assert!(body.contains("<h2 id=\"results-title\" tabindex=\"-1\">1 therapist found</h2>"));
    assert!(body.contains("In network with Aetna"));
    assert!(body.contains("<p id=\"results-status\" hx-swap-oob=\"innerHTML\">1 therapist found</p>"), "announced");
    assert!(body.contains("<div id=\"search-problems\" hx-swap-oob=\"innerHTML\">"), "and old explanations cleared");

    // Left-out filters are explained in the fragment too.
    let bad = get("/therapists?near=00000&format=telehealth&state=NY", &[("hx-request", "true")]).await.unwrap();
    assert_eq!(bad.status(), 422);
    let body = bad.text().await.unwrap();
    assert!(
        body.contains("Some filters were left out") && body.contains("3 therapists found") && !body.contains("<html")
    );

    // Without htmx, or when htmx restores history, the whole page.
    for headers in [&[][..], &[("hx-request", "true"), ("hx-history-restore-request", "true")][..]] {
        let page = get("/therapists?concerns=vaginismus", headers).await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["vary"], "HX-Request, Accept-Language");
        let body = page.text().await.unwrap();
        assert!(
            body.contains("<html") && body.contains("hx-get=\"/therapists\"") && body.contains("id=\"search-results\"")
        );
        assert!(body.contains("<p id=\"results-status\" class=\"visually-hidden\" role=\"status\""));
    }

    // Result pages update in place and keep working as plain links.
    let paged = get("/therapists?per_page=1&page=2", &[("hx-request", "true")]).await.unwrap().text().await.unwrap();
    assert!(paged.contains("Page 2 of 3"));
    assert!(
        paged.contains("hx-get=\"/therapists?")
            && paged.contains(">Previous page</a>")
            && paged.contains(">Next page</a>")
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_that_need_what_is_missing_are_left_out_not_looped_on() {
    let app = spawn_demo(TestDb::sqlite()).await;
    for (query, says) in [
        ("format=telehealth", "Choose the state or region you are in"),
        ("format=in_person&concerns=vaginismus", "Enter a postal code or city to find an office near you."),
        ("sort=distance", "Enter a postal code or city to sort by distance."),
        ("radius_km=50", "Enter a postal code or city to search within a distance."),
    ] {
        let page = tokio::time::timeout(std::time::Duration::from_secs(10), app.get(&format!("/therapists?{query}")))
            .await
            .unwrap_or_else(|_| panic!("{query} answers"));
        assert_eq!(page.status(), 422, "{query}");
        let body = page.text().await.unwrap();
        assert!(body.contains(says), "{query}");
        assert_eq!(body.matches(says).count(), 1, "{query}: said once");
    }
    let kept = app.get("/therapists?format=in_person&concerns=vaginismus").await.text().await.unwrap();
    assert!(kept.contains("1 therapist found"), "the concern still filters");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clients_home_shows_every_change_to_their_sessions_at_once() {
    use sensate_domain::Clock as _;
    use sensate_domain::scheduling::AppointmentStatus;
    let app = spawn_demo(TestDb::sqlite()).await;
    let home = |client: reqwest::Client| {
        let url = app.url("/dashboard");
        async move {
            let body = client.get(url).send().await.unwrap().text().await.unwrap();
            rows_after(&body, "Your upcoming appointments</h2>")
        }
    };
    let client = TestApp::new_client();
    app.login(&client, "jordan@client.example", PASSWORD).await;
    let before = home(client.clone()).await;
    assert!(before.len() >= 3, "{before:?}");
    assert_eq!(home(client.clone()).await, before, "the same list on the next view");

    // The practice cancels Jordan's next session, by another path than this
    // server's pages (as another server would): the next view shows it.
    let jordan = app.store().login_record("jordan@client.example").await.unwrap().unwrap().id;
    let now = app.clock.now();
    let coming = app.store().upcoming_for_client(jordan, now, 20).await.unwrap();
    assert!(
        app.store()
            .change_appointment_status(coming[0].id, coming[0].status, AppointmentStatus::Cancelled, now)
            .await
            .unwrap()
    );
    assert_eq!(home(client.clone()).await, before[1..], "the cancelled session is gone at once");

    // Time passes: once the next session has begun it leaves the list,
    // though nothing changed in the database.
    let until = coming[1].starts_at.as_second() - now.as_second() + 1;
    app.clock.advance(jiff::SignedDuration::from_secs(until));
    let client = TestApp::new_client();
    app.login(&client, "jordan@client.example", PASSWORD).await;
    assert_eq!(home(client).await, before[2..], "a session under way is no longer coming");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_client_has_signed_a_release_to_their_physician() {
    let app = spawn_demo(TestDb::sqlite()).await;
    let jordan = TestApp::new_client();
    app.login(&jordan, "jordan@client.example", PASSWORD).await;
    let page = jordan.get(app.url("/me/consents")).send().await.unwrap().text().await.unwrap();
    let signed = page.split("id=\"signed-title\"").nth(1).unwrap();
    assert!(signed.contains("Release of information to Dr. Priya Patel, primary care physician</a>"), "{page}");
    assert!(signed.contains("Consent to sex therapy</a>"));
    let to_sign = page.split("id=\"signed-title\"").next().unwrap();
    assert!(!to_sign.contains("Release of information"), "nothing more to sign for it");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clients_to_complete_list_follows_every_change_at_once() {
    use sensate_domain::care::consent::ConsentKind;
    use sensate_domain::care::release::{ReleaseTerms, SharedInformation};
    use sensate_domain::scheduling::CaseKind;
    use sensate_domain::{Clock as _, ConsentDocumentId, ReleaseId};
    let app = spawn_demo(TestDb::sqlite()).await;
    let alex = TestApp::new_client();
    app.login(&alex, "alex@client.example", PASSWORD).await;
    let to_complete = || {
        let (alex, url) = (alex.clone(), app.url("/dashboard"));
        async move {
            let body = alex.get(url).send().await.unwrap().text().await.unwrap();
            let Some(start) = body.find("<h2 id=\"to-complete-title\">To complete</h2>") else { return Vec::new() };
            let section = &body[start..];
            let section = &section[..section.find("</section>").unwrap()];
            section
                .split("<li>")
                .skip(1)
                .map(|item| item.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
        }
    };
    let has = |list: &[String], text: &str| list.iter().any(|item| item.contains(text));
    let before = to_complete().await;
    assert!(has(&before, "Answer the questions before your first sessions"), "Alex's intake is a draft: {before:?}");
    assert!(!has(&before, "Sign: Consent to sex therapy"), "signed: {before:?}");
    assert_eq!(to_complete().await, before, "the same list on the next view");

    // Each change below is written straight to the database, as another
    // server would: the next view shows it.
    let store = app.store();
    let practice = app.practice_of("alex@client.example").await;
    let alex_id = store.login_record("alex@client.example").await.unwrap().unwrap().id;
    let owner = store.login_record("owner@harbor.example").await.unwrap().unwrap().id;
    let now = app.clock.now();
    // The practice publishes a new text of the consent Alex signed.
    let document = sensate_store::ConsentDocument {
        id: ConsentDocumentId::new(),
        practice_id: practice,
        kind: ConsentKind::SexTherapy,
        version: 1,
        title: "Consent to sex therapy".into(),
        body: "Our practice's own words.".into(),
        published_at: now,
        published_by: owner,
    };
    assert!(store.publish_document(&document).await.unwrap());
    let list = to_complete().await;
    assert!(has(&list, "Sign: Consent to sex therapy"), "a new text asks again: {list:?}");

    // Their therapist asks for a release of information, until the day after tomorrow.
    let couple = store
        .cases_of_client(practice, alex_id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kind == CaseKind::Couple)
        .unwrap();
    let today = now.to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap()).date();
    let release = sensate_store::Release {
        id: ReleaseId::new(),
        practice_id: practice,
        case_id: couple.id,
        terms: ReleaseTerms {
            recipient: "Dr. Ada Lee, urologist".into(),
            shared: vec![SharedInformation::Attendance],
            purpose: "Coordinating care".into(),
            expires_on: today.tomorrow().unwrap().tomorrow().unwrap(),
        },
        requested_by: store.login_record("sam.chen@harbor.example").await.unwrap().unwrap().id,
        requested_at: now,
    };
    store.insert_release(&release).await.unwrap();
    let list = to_complete().await;
    assert!(has(&list, "to Dr. Ada Lee, urologist"), "{list:?}");

    // Alex's answers are sent.
    let mut intake = store.intake(couple.id, alex_id).await.unwrap().unwrap();
    intake.submitted_at = Some(now);
    let couples_intake = format!("/me/intake/{}", couple.id);
    assert!(has(&list, &couples_intake), "{list:?}");
    assert!(store.save_intake(&intake).await.unwrap());
    let list = to_complete().await;
    assert!(!has(&list, &couples_intake), "{list:?}");
    assert!(has(&list, "Answer the questions"), "Alex's intake with Dr. Rivera still waits: {list:?}");
    assert!(has(&list, "Sign: Consent to sex therapy"));

    // Nothing changes in the database, but days pass: the release's last
    // day is over, so it is no longer asked.
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 3));
    let alex_again = TestApp::new_client();
    app.login(&alex_again, "alex@client.example", PASSWORD).await;
    let body = alex_again.get(app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(body.contains("Sign: Consent to sex therapy") && !body.contains("Dr. Ada Lee"), "{body}");
    app.stop().await;
}
