//! Scheduling through the pages: the practice's session types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sensate_testkit::{LAKESIDE, TestApp, TestDb, on_both_engines, spawn_app};

async fn owner(db: TestDb) -> (TestApp, reqwest::Client) {
    let app = spawn_app(db).await;
    let (owner, _) = app.set_up_practice(&LAKESIDE).await;
    (app, owner)
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

on_both_engines! {
    async fn the_practice_defines_its_session_types(db: TestDb) {
        let (app, owner) = owner(db).await;
        let dashboard = owner.get(app.url("/dashboard")).send().await.unwrap().text().await.unwrap();
        assert!(dashboard.contains("href=\"/session-types\">Session types and fees"));
        let empty = owner.get(app.url("/session-types")).send().await.unwrap().text().await.unwrap();
        assert!(empty.contains("No session types yet."));

        // Mistakes are explained beside their fields; what was typed stays.
        let refused = app
            .post_form(&owner, "/session-types", &[("name", "Couple session"), ("duration", "9000"), ("fee", "x"), ("participants", "either")])
            .await;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains("Enter the length in minutes, between 5 and 480."));
        assert!(html.contains("Enter the fee in dollars"));
        assert!(html.contains("Choose at least one way to meet"));
        assert!(html.contains("value=\"Couple session\""));
        assert!(!html.contains("<td>Couple session"), "nothing was added");

        let trial = [("name", "Trial consultation"), ("duration", "20"), ("fee", "0"), ("participants", "either"), ("telehealth", "on"), ("trial", "on")];
        assert_eq!(location(&app.post_form(&owner, "/session-types", &trial).await), "/session-types?done=added");
        let couple = [("name", "Couple session"), ("duration", "80"), ("fee", "220.50"), ("participants", "couple"), ("in_person", "on"), ("telehealth", "on"), ("needs_approval", "on")];
        assert_eq!(location(&app.post_form(&owner, "/session-types", &couple).await), "/session-types?done=added");
        let html = owner.get(app.url("/session-types?done=added")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Session type added."));
        let trial_row = sensate_testkit::between(&html, "<td>Trial consultation", "</tr>").unwrap();
        assert!(trial_row.contains("20 min") && trial_row.contains("Free") && trial_row.contains("<td>Video</td>") && trial_row.contains("Booked at once"));
        let couple_row = sensate_testkit::between(&html, "<td>Couple session", "</tr>").unwrap();
        assert!(couple_row.contains("$220.50") && couple_row.contains("In person or video") && couple_row.contains("Therapist approves"));
        assert!(html.find("Trial consultation").unwrap() < html.find("<td>Couple session").unwrap(), "trial consultations first");

        // Withdrawn, then offered again.
        let id = sensate_testkit::between(&couple_row, "/session-types/", "/withdraw").unwrap();
        assert_eq!(location(&app.post_form(&owner, &format!("/session-types/{id}/withdraw"), &[]).await), "/session-types?done=withdrawn");
        let html = owner.get(app.url("/session-types")).send().await.unwrap().text().await.unwrap();
        assert!(sensate_testkit::between(&html, "<td>Couple session", "</tr>").unwrap().contains("Withdrawn"));
        assert_eq!(location(&app.post_form(&owner, &format!("/session-types/{id}/offer"), &[]).await), "/session-types?done=offered");
        let unknown = uuid::Uuid::now_v7();
        assert_eq!(app.post_form(&owner, &format!("/session-types/{unknown}/offer"), &[]).await.status(), 404);
        app.stop().await;
    }
}
