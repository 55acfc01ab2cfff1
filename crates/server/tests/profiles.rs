//! Directory profiles through the pages, as staff use them: a therapist
//! fills in the profile and a licence, an admin verifies it, and only then
//! does the public directory show the profile. Bad input is explained beside
//! its field and changes nothing; photos lose their metadata.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use sensate_domain::{Role, UserId};
use sensate_testkit::{LAKESIDE, TestApp, TestDb, on_both_engines, spawn_app};

const PASSWORD: &str = "profile pages phrase";

struct World {
    app: TestApp,
    owner: reqwest::Client,
    admin: reqwest::Client,
    therapist: reqwest::Client,
    therapist_id: UserId,
}

async fn world(db: TestDb) -> World {
    let app = spawn_app(db).await;
    let (owner, _) = app.set_up_practice(&LAKESIDE).await;
    let practice = app.practice_of(LAKESIDE.email).await;
    app.add_person(practice, "ada@lakeside.example", "Ada Admin", Role::Admin, PASSWORD).await;
    let therapist_id =
        app.add_person(practice, "tess@lakeside.example", "Tess Therapist", Role::Clinician, PASSWORD).await;
    let admin = app.signed_in_staff("ada@lakeside.example", PASSWORD).await;
    let therapist = app.signed_in_staff("tess@lakeside.example", PASSWORD).await;
    World { app, owner, admin, therapist, therapist_id }
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

const PROFILE: &[(&str, &str)] = &[
    ("pronouns", "she/her"),
    ("credentials", "LMFT, CST"),
    ("headline", "Calm, practical help with desire and intimacy"),
    ("approach", "We start with what matters most to you."),
    ("sees_individuals", "on"),
    ("sees_couples", "on"),
    ("affirming_lgbtq", "on"),
    ("concerns", "desire-discrepancy"),
    ("concerns", "performance-anxiety"),
    ("languages", "en"),
    ("languages", "es"),
    ("offers_telehealth", "on"),
    ("offers_in_person", "on"),
    ("accepting_new_clients", "on"),
    ("office1_label", "Midtown"),
    ("office1_address", "1 Example Plaza"),
    ("office1_postal_code", "10001"),
    ("office1_accessibility", "Step-free entrance"),
    ("min_fee", "160"),
    ("superbill", "on"),
    ("payers", "aetna"),
];

/// The listed therapists' ids, as the JSON search API returns them.
async fn listed(app: &TestApp) -> Vec<String> {
    let body: serde_json::Value = app.get("/api/v1/therapists?per_page=50").await.json().await.unwrap();
    body["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect()
}

on_both_engines! {
    async fn api_queries_name_the_parameter_they_refuse(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        for (query, field) in [
            ("page=-1", "page"),
            ("per_page=lots", "per_page"),
            ("concern=pain", "concern"),
            ("accepting=maybe", "accepting"),
            // An empty number is a value the API does not read as "no filter".
            ("radius_km=&near=10001", "radius_km"),
            ("max_fee=", "max_fee"),
        ] {
            let answer = app.get(&format!("/api/v1/therapists?{query}")).await;
            assert_eq!(answer.status(), 422, "{query}");
            assert!(answer.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{query}");
            let body: serde_json::Value = answer.json().await.unwrap();
            assert_eq!(body["error"], "invalid_input", "{query}");
            assert_eq!(body["fields"][0]["field"], field, "{query}: {body}");
        }
        assert_eq!(app.get("/api/v1/therapists?concerns=&page=1").await.status(), 200, "known parameters still work");
        let empty_number = app.get("/api/v1/therapists?max_fee=").await.json::<serde_json::Value>().await.unwrap();
        assert_eq!(empty_number["fields"][0]["message"], "`max_fee` needs a value; leave it out to not filter by it.");
        // The page reads an empty field as not given, as forms send it.
        assert_eq!(app.get("/therapists?radius_km=&max_fee=").await.status(), 200);
        // The page keeps its forgiving reading: unknown parameters are ignored there.
        assert_eq!(app.get("/therapists?utm_source=mail").await.status(), 200);
        w.app.stop().await;
    }

    async fn a_profile_is_listed_once_an_admin_has_verified_its_licence(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let me = format!("/profiles/{}", w.therapist_id);

        // The therapist's dashboard leads to their own profile.
        let (_, dashboard) = page(app, &w.therapist, "/dashboard").await;
        assert!(dashboard.contains("href=\"/profiles\">Your directory profile"));
        let response = w.therapist.get(app.url("/profiles")).send().await.unwrap();
        assert_eq!(location(&response), me);
        let (status, html) = page(app, &w.therapist, &me).await;
        assert_eq!(status, 200);
        assert!(html.contains("Your directory profile"));
        assert!(html.contains("Not listed yet: add your licence below."));

        let response = app.post_form(&w.therapist, &me, PROFILE).await;
        assert_eq!(location(&response), format!("{me}?done=saved"));
        let (_, html) = page(app, &w.therapist, &format!("{me}?done=saved")).await;
        assert!(html.contains("Profile saved."));
        assert!(html.contains("id=\"concern-desire-discrepancy\" name=\"concerns\" value=\"desire-discrepancy\" checked"));
        assert!(html.contains("id=\"payer-aetna\" name=\"payers\" value=\"aetna\" checked"));
        assert!(html.contains("value=\"Step-free entrance\""));
        assert!(html.contains("id=\"min_fee\" name=\"min_fee\" type=\"text\" inputmode=\"decimal\" value=\"160\""));

        let licence = [("kind", "lmft"), ("jurisdiction", "US-NY"), ("number", "NY-004711"), ("expires_on", "2028-06-30")];
        let response = app.post_form(&w.therapist, &format!("{me}/licences"), &licence).await;
        assert_eq!(location(&response), format!("{me}?done=licence"));
        let (_, html) = page(app, &w.therapist, &me).await;
        assert!(html.contains("no. NY-004711, valid through 2028-06-30"));
        assert!(html.contains("Awaiting verification"));
        assert!(html.contains("waiting for an owner or admin of the practice to verify it"));
        assert!(!html.contains("Record verification"), "a therapist never verifies their own licence");
        assert!(!listed(app).await.contains(&w.therapist_id.to_string()));
        assert_eq!(app.get(&format!("/therapists/{}", w.therapist_id)).await.status(), 404);

        // The admin's overview lists what awaits verification.
        let (status, overview) = page(app, &w.admin, "/profiles").await;
        assert_eq!(status, 200);
        assert!(overview.contains("Tess Therapist"));
        assert!(overview.contains("Not listed: licence awaiting verification"));
        let licence_id = sensate_testkit::between(&overview, &format!("/profiles/{}/credentials/", w.therapist_id), "/verify").unwrap();
        let verify = format!("{me}/credentials/{licence_id}/verify?from=overview");
        let refused = app.post_form(&w.admin, &verify, &[("method", "  ")]).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("Say how you checked it"));
        let response = app.post_form(&w.admin, &verify, &[("method", "NY Office of the Professions online register")]).await;
        assert_eq!(location(&response), "/profiles?done=verified");
        let (_, overview) = page(app, &w.admin, "/profiles?done=verified").await;
        assert!(overview.contains("Verification recorded."));
        assert!(overview.contains("Listed (licence current through 2028-06-30)"));
        assert!(overview.contains("Nothing is waiting"));

        // Now the public directory shows it.
        assert!(listed(app).await.contains(&w.therapist_id.to_string()));
        let public = app.get(&format!("/therapists/{}", w.therapist_id)).await.text().await.unwrap();
        assert!(public.contains("Tess Therapist"));
        assert!(public.contains("Calm, practical help with desire and intimacy"));
        let today = sensate_domain::Clock::now(&app.clock).strftime("%-d %B %Y").to_string();
        assert!(public.contains(&format!("no. NY-004711 — licence verified on {today}")), "{public}");
        let (_, html) = page(app, &w.therapist, &me).await;
        assert!(html.contains("Listed in the public directory. The verified licence is current through 2028-06-30."));

        // A licence awaiting verification is not shown to visitors.
        let second = [("kind", "lmft"), ("jurisdiction", "US-NJ"), ("number", "NJ-000777"), ("expires_on", "2028-06-30")];
        assert_eq!(location(&app.post_form(&w.therapist, &format!("{me}/licences"), &second).await), format!("{me}?done=licence"));
        let public = app.get(&format!("/therapists/{}", w.therapist_id)).await.text().await.unwrap();
        assert!(public.contains("no. NY-004711"), "{public}");
        assert!(!public.contains("NJ-000777"), "an unverified licence stays off the public profile: {public}");

        // Removing the only verified licence takes the profile out again.
        let response = app.post_form(&w.therapist, &format!("{me}/credentials/{licence_id}/remove"), &[]).await;
        assert_eq!(location(&response), format!("{me}?done=removed"));
        assert!(!listed(app).await.contains(&w.therapist_id.to_string()));
        assert_eq!(app.get(&format!("/therapists/{}", w.therapist_id)).await.status(), 404);
        w.app.stop().await;
    }

    async fn bad_input_is_explained_beside_its_field_and_changes_nothing(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let me = format!("/profiles/{}", w.therapist_id);
        // Credentials need a saved profile first.
        let early = app.post_form(&w.therapist, &format!("{me}/licences"), &[("kind", "lmft"), ("jurisdiction", "US-NY"), ("number", "1"), ("expires_on", "2028-01-01")]).await;
        assert_eq!(early.status(), 422);
        assert!(early.text().await.unwrap().contains("Save the profile first"));
        assert_eq!(location(&app.post_form(&w.therapist, &me, PROFILE).await), format!("{me}?done=saved"));

        let mut bad: Vec<(&str, &str)> = PROFILE.iter().filter(|(k, _)| !k.starts_with("office1") && *k != "min_fee").copied().collect();
        bad.extend([("headline", "A new headline nobody should see"), ("office1_postal_code", "00000"), ("min_fee", "12.345"), ("concerns", "made-up-concern")]);
        let response = app.post_form(&w.therapist, &me, &bad).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        assert!(html.contains("Nothing was saved."));
        assert!(html.contains("The ZIP code 00000 was not found."));
        assert!(html.contains("Enter the fee in dollars"));
        assert!(html.contains("“made-up-concern” is not on the list"));
        assert!(html.contains("value=\"12.345\""), "what was typed is kept");
        assert!(html.contains("value=\"00000\""));
        let (_, saved) = page(app, &w.therapist, &me).await;
        assert!(saved.contains("value=\"Calm, practical help with desire and intimacy\""), "the saved profile is unchanged");
        assert!(!saved.contains("A new headline nobody should see"));

        let licence = [("kind", "lmft"), ("jurisdiction", "US-NY"), ("number", "NY-1"), ("expires_on", "30/06/2028")];
        let response = app.post_form(&w.therapist, &format!("{me}/licences"), &licence).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        assert!(html.contains("Enter the date as YYYY-MM-DD"));
        assert!(html.contains("id=\"licence-number\" name=\"number\" type=\"text\" value=\"NY-1\""));
        assert!(html.contains("<option value=\"US-NY\" selected>"));
        let (_, after) = page(app, &w.therapist, &me).await;
        assert!(after.contains("No licence yet."));
        // Unknown credentials and people are not found, whoever asks.
        let ghost = format!("{me}/credentials/{}/verify", UserId::new());
        assert_eq!(app.post_form(&w.owner, &ghost, &[("method", "register")]).await.status(), 404);
        assert_eq!(page(app, &w.owner, &format!("/profiles/{}", UserId::new())).await.0, 404);
        assert_eq!(page(app, &w.owner, "/profiles/not-an-id").await.0, 404);
        w.app.stop().await;
    }

    async fn a_photo_is_reencoded_without_its_metadata_and_public_only_when_listed(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let me = format!("/profiles/{}", w.therapist_id);
        assert_eq!(location(&app.post_form(&w.therapist, &me, PROFILE).await), format!("{me}?done=saved"));

        let upload = jpeg_with_gps_comment();
        let response = upload_photo(app, &w.therapist, &me, "portrait.jpg", &upload, true).await;
        assert_eq!(location(&response), format!("{me}?done=photo"));
        let (_, html) = page(app, &w.therapist, &me).await;
        assert!(html.contains(&format!("src=\"{me}/photo\"")));
        let stored = w.therapist.get(app.url(&format!("{me}/photo"))).send().await.unwrap();
        assert_eq!(stored.headers()["content-type"], "image/jpeg");
        let bytes = stored.bytes().await.unwrap();
        assert!(!contains(&bytes, b"GPS-CANARY"), "nothing of the original file's metadata survives");
        assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 64);
        // Not public while unlisted, public once listed.
        let public_photo = format!("/therapists/{}/photo", w.therapist_id);
        assert_eq!(app.get(&public_photo).await.status(), 404);

        // Anything but PNG or JPEG is refused beside the field; the photo stays.
        let response = upload_photo(app, &w.therapist, &me, "animation.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", true).await;
        assert_eq!(response.status(), 422);
        assert!(response.text().await.unwrap().contains("Upload a PNG or JPEG photo."));
        assert_eq!(w.therapist.get(app.url(&format!("{me}/photo"))).send().await.unwrap().bytes().await.unwrap(), bytes);
        // Without the anti-forgery token, nothing happens.
        let forged = upload_photo(app, &w.therapist, &me, "portrait.jpg", &upload, false).await;
        assert_eq!(forged.status(), 403);
        // Over the limit: refused before it is read. The server answers 413
        // and closes while the body is still arriving, so depending on timing
        // the client reads that answer or finds the connection closed under
        // its write; either way the photo is unchanged.
        let huge = vec![0u8; 6 * 1024 * 1024];
        match try_upload_photo(app, &w.therapist, &me, "huge.jpg", &huge, true).await {
            Ok(response) => assert_eq!(response.status(), 413),
            Err(error) => assert!(error.is_request(), "the server closed the upload early: {error}"),
        }
        assert_eq!(w.therapist.get(app.url(&format!("{me}/photo"))).send().await.unwrap().bytes().await.unwrap(), bytes);

        let response = app.post_form(&w.therapist, &format!("{me}/photo/remove"), &[]).await;
        assert_eq!(location(&response), format!("{me}?done=photo_removed"));
        assert_eq!(w.therapist.get(app.url(&format!("{me}/photo"))).send().await.unwrap().status(), 404);
        w.app.stop().await;
    }

    async fn a_listed_profile_shows_its_photo_to_everyone(db: TestDb) {
        let w = world(db).await;
        let app = &w.app;
        let me = format!("/profiles/{}", w.therapist_id);
        app.post_form(&w.therapist, &me, PROFILE).await;
        app.post_form(&w.therapist, &format!("{me}/licences"), &[("kind", "lmft"), ("jurisdiction", "US-NY"), ("number", "NY-9"), ("expires_on", "2028-06-30")]).await;
        let (_, html) = page(app, &w.owner, &me).await;
        let licence_id = sensate_testkit::between(&html, "/credentials/", "/verify").unwrap();
        let verified = app.post_form(&w.owner, &format!("{me}/credentials/{licence_id}/verify"), &[("method", "State board register")]).await;
        assert_eq!(location(&verified), format!("{me}?done=verified"));
        upload_photo(app, &w.therapist, &me, "portrait.jpg", &jpeg_with_gps_comment(), true).await;
        let public = app.get(&format!("/therapists/{}", w.therapist_id)).await.text().await.unwrap();
        assert!(public.contains(&format!("src=\"/therapists/{}/photo\"", w.therapist_id)));
        let photo = app.get(&format!("/therapists/{}/photo", w.therapist_id)).await;
        assert_eq!(photo.status(), 200);
        assert!(!contains(&photo.bytes().await.unwrap(), b"GPS-CANARY"));
        // The result card leads with it at once; without it, with initials.
        let img = format!("<img class=\"avatar avatar-photo\" src=\"/therapists/{}/photo\" alt=\"\"", w.therapist_id);
        let results = app.get("/therapists").await.text().await.unwrap();
        assert!(results.contains(&img), "{results}");
        app.post_form(&w.therapist, &format!("{me}/photo/remove"), &[]).await;
        let results = app.get("/therapists").await.text().await.unwrap();
        assert!(!results.contains(&img) && results.contains("<span class=\"avatar\" aria-hidden=\"true\">"), "{results}");
        w.app.stop().await;
    }
}

/// Sends a photo as a browser's file upload form does (multipart/form-data,
/// the token first), optionally without the token.
async fn upload_photo(
    app: &TestApp,
    client: &reqwest::Client,
    profile: &str,
    file_name: &str,
    bytes: &[u8],
    with_token: bool,
) -> reqwest::Response {
    try_upload_photo(app, client, profile, file_name, bytes, with_token).await.unwrap()
}

async fn try_upload_photo(
    app: &TestApp,
    client: &reqwest::Client,
    profile: &str,
    file_name: &str,
    bytes: &[u8],
    with_token: bool,
) -> Result<reqwest::Response, reqwest::Error> {
    let boundary = "----sensate-test-boundary-7d1f";
    let mut body = Vec::new();
    if with_token {
        let token = app.csrf_token(client).await;
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{file_name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    client
        .post(app.url(&format!("{profile}/photo")))
        .header("origin", &app.base_url)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
}

/// A 64×48 JPEG with a comment segment holding a GPS-like marker, as a phone
/// camera's metadata would.
fn jpeg_with_gps_comment() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(64, 48, |x, _| image::Rgb([(x * 4) as u8, 90, 160]));
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(picture).write_to(&mut Cursor::new(&mut plain), image::ImageFormat::Jpeg).unwrap();
    let comment = b"GPS-CANARY 40.7128N 74.0060W";
    let length = u16::try_from(comment.len() + 2).unwrap().to_be_bytes();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xFE, length[0], length[1]]);
    out.extend_from_slice(comment);
    out.extend_from_slice(&plain[2..]);
    assert!(contains(&out, b"GPS-CANARY"));
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
