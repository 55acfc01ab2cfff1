//! The authorization matrix (SECURITY.md): every route read from the router ×
//! every kind of actor → the expected status, and no other person's data in
//! any body or redirect. Then the canaries: unique markers written into every
//! encrypted field must appear nowhere they should not — not in logs, not in
//! redirects, not in other people's pages, not in the database's raw bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::http::Method;
use sensate_app::infra::secrets::hash_password;
use sensate_domain::care::CareRole;
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{CaseId, PracticeId, Role, UserId};
use sensate_store::{NewCase, NewPractice, NewUser};
use sensate_testkit::{Owner, TestApp, TestDb, on_both_engines, spawn_app};
use sensate_web::routes::{Access, table};

const PASSWORD: &str = "matrix password phrase";
const OWNER_PASSWORD: &str = "a calm harbor at dawn";

/// Everything the server logs during this test binary, for the canary check.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_ansi(false)
            .with_writer(move || Capture(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const ACTORS: [&str; 12] = [
    "anonymous",
    "client_a",
    "client_b",
    "partner",
    "clinician",
    "other_clinician",
    "foreign_clinician",
    "co_therapist",
    "supervisor",
    "admin",
    "owner",
    "owner_before_mfa",
];

struct World {
    app: TestApp,
    /// Practice P, where every actor but the foreign clinician has a role.
    practice: PracticeId,
    clients: HashMap<&'static str, reqwest::Client>,
    client_a: UserId,
    throwaway: UserId,
    /// A file the partner sent the care team alone.
    attachment: uuid::Uuid,
    /// The therapist whose directory profile the `/profiles/{id}` routes edit.
    clinician: UserId,
    /// Each actor's own account, for redirects to "your own" pages.
    ids: HashMap<&'static str, UserId>,
    /// A licence of `clinician` each actor may try to remove (`{credential}`).
    licences: HashMap<&'static str, sensate_domain::CredentialId>,
    /// A session type of practice P.
    session_type: sensate_domain::SessionTypeId,
    /// A confirmed appointment of `clinician` with client A and their partner.
    appointment: sensate_domain::AppointmentId,
    /// The couple case of client A and their partner: `clinician` primary,
    /// with a co-therapist and a supervisor on its care team.
    couple: CaseId,
    /// Marker → the actors allowed to see it.
    canaries: Vec<(String, Vec<&'static str>)>,
}

fn marker(what: &str) -> String {
    format!("CANARY-{what}-{}", sensate_domain::UserId::new().as_uuid().simple())
}

async fn add_person(app: &TestApp, practice: PracticeId, email: &str, name: &str, role: Role, hash: &str) -> UserId {
    let id = UserId::new();
    let store = app.store();
    store
        .insert_user(&NewUser {
            id,
            email: sensate_domain::Email::parse(email).unwrap(),
            display_name: name.into(),
            password_hash: hash.into(),
            created_at: app.clock.now_ts(),
        })
        .await
        .unwrap();
    store.insert_membership(practice, id, role, app.clock.now_ts()).await.unwrap();
    id
}

trait Now {
    fn now_ts(&self) -> jiff::Timestamp;
}

impl Now for sensate_testkit::FakeClock {
    fn now_ts(&self) -> jiff::Timestamp {
        sensate_domain::Clock::now(self)
    }
}

async fn case(app: &TestApp, practice: PracticeId, clinician: UserId, kind: CaseKind, members: Vec<UserId>) -> CaseId {
    let id = CaseId::new();
    app.store()
        .insert_case(&NewCase {
            id,
            practice_id: practice,
            clinician_id: clinician,
            kind,
            members,
            opened_at: app.clock.now_ts(),
        })
        .await
        .unwrap();
    id
}

async fn signed_in(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let client = TestApp::new_client();
    app.login(&client, email, password).await;
    client
}

/// Builds the world through the real set-up flow and the store.
async fn world(db: TestDb) -> World {
    let app = spawn_app(db).await;
    let (owner, _) = app
        .set_up_practice(&Owner {
            practice: "Practice P",
            time_zone: "UTC",
            name: "Olive Owner",
            email: "owner@p.example",
            password: OWNER_PASSWORD,
        })
        .await;
    let practice = app.store().memberships(first_user(&app, "owner@p.example").await).await.unwrap()[0].practice_id;
    let other = PracticeId::new();
    app.store()
        .insert_practice(&NewPractice {
            id: other,
            name: "Practice Q".into(),
            time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(),
            created_at: app.clock.now_ts(),
        })
        .await
        .unwrap();

    let hash = hash_password(PASSWORD.into()).await.unwrap();
    let admin = add_person(&app, practice, "admin@p.example", "Ada Admin", Role::Admin, &hash).await;
    let clinician = add_person(&app, practice, "c1@p.example", "Cleo Clinician", Role::Clinician, &hash).await;
    let other_clinician = add_person(&app, practice, "c2@p.example", "Otto Other", Role::Clinician, &hash).await;
    let co_therapist = add_person(&app, practice, "c3@p.example", "Cora Cotherapist", Role::Clinician, &hash).await;
    let supervisor = add_person(&app, practice, "c4@p.example", "Sid Supervisor", Role::Clinician, &hash).await;
    let client_a = add_person(&app, practice, "a@p.example", "Avery A", Role::Client, &hash).await;
    let partner = add_person(&app, practice, "partner@p.example", "Parker Partner", Role::Client, &hash).await;
    let client_b = add_person(&app, practice, "b@p.example", "Blake B", Role::Client, &hash).await;
    let throwaway = add_person(&app, practice, "t@p.example", "Toby Throwaway", Role::Client, &hash).await;
    let foreign = add_person(&app, other, "x@q.example", "Xena Foreign", Role::Clinician, &hash).await;
    let foreign_client = add_person(&app, other, "y@q.example", "Yuri Y", Role::Client, &hash).await;
    let couple = case(&app, practice, clinician, CaseKind::Couple, vec![client_a, partner]).await;
    for (member, role) in [(co_therapist, CareRole::CoTherapist), (supervisor, CareRole::Supervisor)] {
        assert!(app.store().add_to_care_team(couple, member, role, app.clock.now_ts()).await.unwrap());
    }
    case(&app, practice, other_clinician, CaseKind::Individual, vec![client_b]).await;
    case(&app, other, foreign, CaseKind::Individual, vec![foreign_client]).await;
    // The couple's next session with their clinician, three days ahead:
    // client A's own, which her partner does not attend.
    let appointment = sensate_domain::AppointmentId::new();
    let starts_at = app.clock.now_ts() + jiff::SignedDuration::from_hours(72);
    app.store()
        .insert_appointment(&sensate_store::NewAppointment {
            id: appointment,
            practice_id: practice,
            case_id: Some(couple),
            clinician_id: clinician,
            starts_at,
            ends_at: starts_at + jiff::SignedDuration::from_mins(50),
            time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(),
            format: sensate_domain::scheduling::SessionFormat::Telehealth,
            status: sensate_domain::scheduling::AppointmentStatus::Confirmed,
            created_at: app.clock.now_ts(),
            session_type_id: None,
            held_until: None,
            attendees: vec![client_a],
        })
        .await
        .unwrap();

    let mut clients = HashMap::new();
    clients.insert("anonymous", TestApp::new_client());
    for (name, email) in [("client_a", "a@p.example"), ("client_b", "b@p.example"), ("partner", "partner@p.example")] {
        clients.insert(name, signed_in(&app, email, PASSWORD).await);
    }
    for (name, email) in [
        ("clinician", "c1@p.example"),
        ("other_clinician", "c2@p.example"),
        ("foreign_clinician", "x@q.example"),
        ("co_therapist", "c3@p.example"),
        ("supervisor", "c4@p.example"),
        ("admin", "admin@p.example"),
    ] {
        let client = signed_in(&app, email, PASSWORD).await;
        app.enrol_mfa(&client).await;
        clients.insert(name, client);
    }
    clients.insert("owner", owner);
    clients.insert("owner_before_mfa", signed_in(&app, "owner@p.example", OWNER_PASSWORD).await);

    // The canaries, written the way people write them: through the pages.
    let a_contact = marker("a-contact");
    let b_contact = marker("b-contact");
    let note = marker("note");
    let y_contact = marker("y-contact");
    let post = |who: &'static str, path: String, field: &'static str, value: String| {
        let app = &app;
        let client = clients[who].clone();
        async move {
            let response = app.post_form(&client, &path, &[(field, &value)]).await;
            assert_eq!(response.status(), 303, "{who} {path}");
        }
    };
    post("client_a", "/me/contact".into(), "contact_preferences", a_contact.clone()).await;
    post("client_b", "/me/contact".into(), "contact_preferences", b_contact.clone()).await;
    post("clinician", format!("/clients/{client_a}/notes"), "note", note.clone()).await;
    let a_intake = marker("a-intake");
    let signed = app
        .post_form(
            &clients["client_a"],
            "/me/consents/sign",
            &[("key", "care"), ("typed_name", "Avery A"), ("intent", "on")],
        )
        .await;
    assert_eq!(signed.status(), 303);
    let sent = app
        .post_form(&clients["client_a"], &format!("/me/intake/{couple}"), &[("goals", &a_intake), ("action", "send")])
        .await;
    assert_eq!(sent.status(), 303);
    let partner_message = marker("partner-message");
    let written = app
        .post_form(
            &clients["partner"],
            &format!("/me/messages/{couple}"),
            &[("to", "team"), ("body", &partner_message)],
        )
        .await;
    assert_eq!(written.status(), 303);
    let partner_file = marker("partner-file");
    let attached = app
        .post_multipart(
            &clients["partner"],
            &format!("/me/messages/{couple}"),
            &[("to", "team"), ("body", "")],
            Some(("attachment", &format!("{partner_file}.pdf"), b"%PDF-1.7\n%%EOF\n".as_slice())),
        )
        .await;
    assert_eq!(attached.status(), 303);
    let attachment = app.store().attachments_of_case(couple).await.unwrap()[0].id;
    let y = signed_in(&app, "y@q.example", PASSWORD).await;
    assert_eq!(app.post_form(&y, "/me/contact", &[("contact_preferences", &y_contact)]).await.status(), 303);

    // The therapist's directory profile, with a photo and a licence per actor.
    let owner_id = first_user(&app, "owner@p.example").await;
    let ids = HashMap::from([
        ("clinician", clinician),
        ("other_clinician", other_clinician),
        ("foreign_clinician", foreign),
        ("co_therapist", co_therapist),
        ("supervisor", supervisor),
        ("admin", admin),
        ("owner", owner_id),
        ("client_a", client_a),
        ("client_b", client_b),
        ("partner", partner),
    ]);
    let profile = [("headline", "Matrix therapist"), ("sees_individuals", "on"), ("offers_telehealth", "on")];
    assert_eq!(app.post_form(&clients["clinician"], &format!("/profiles/{clinician}"), &profile).await.status(), 303);
    app.store()
        .save_profile_photo(&sensate_store::PhotoRecord {
            user_id: clinician,
            image: vec![0xFF, 0xD8, 0xFF, 0xD9],
            width: 1,
            height: 1,
            updated_at: app.clock.now_ts(),
        })
        .await
        .unwrap();
    let mut licences = HashMap::new();
    for actor in ACTORS {
        let id = sensate_domain::CredentialId::new();
        app.store()
            .insert_licence(&sensate_store::LicenceRecord {
                id,
                user_id: clinician,
                practice_id: practice,
                licence_type: "lmft".into(),
                number: format!("NY-{actor}"),
                jurisdiction: "US-NY".into(),
                expires_on: jiff::civil::date(2030, 1, 1),
                verification: None,
            })
            .await
            .unwrap();
        licences.insert(actor, id);
    }

    let session_type = sensate_domain::SessionTypeId::new();
    app.store()
        .insert_session_type(&sensate_store::SessionTypeRecord {
            id: session_type,
            practice_id: practice,
            name: "Individual session".into(),
            duration_minutes: 50,
            fee_cents: Some(15_000),
            in_person: true,
            telehealth: true,
            participants: sensate_domain::scheduling::Participants::Individual,
            trial: false,
            needs_approval: true,
            active: true,
            created_at: app.clock.now_ts(),
        })
        .await
        .unwrap();

    let staff_of_p = ["owner", "admin"];
    World {
        practice,
        session_type,
        appointment,
        couple,
        clinician,
        ids,
        licences,
        canaries: vec![
            (a_contact, [&["client_a", "clinician", "co_therapist"][..], &staff_of_p].concat()),
            (b_contact, [&["client_b", "other_clinician"][..], &staff_of_p].concat()),
            (note, vec!["clinician"]),
            (a_intake, vec!["client_a", "clinician", "co_therapist", "supervisor"]),
            (partner_message, vec!["partner", "clinician", "co_therapist", "supervisor"]),
            (partner_file, vec!["partner", "clinician", "co_therapist", "supervisor"]),
            (y_contact, vec![]),
        ],
        app,
        clients,
        client_a,
        throwaway,
        attachment,
    }
}

async fn first_user(app: &TestApp, email: &str) -> UserId {
    app.store().login_record(email).await.unwrap().unwrap().id
}

/// What a request must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Status(u16),
    Redirect(&'static str),
    /// A redirect to an address under this path (one holding a secret token).
    RedirectUnder(&'static str),
    /// Public forms that may also answer 429: anything but a server error.
    NotServerError,
    /// Failed sign-ins: 401, and 429 once the account has failed ten times from the address.
    Refused,
}

use Expect::*;

const CLIENTS_P: [&str; 3] = ["client_a", "client_b", "partner"];

/// The matrix. Every route of the router must be here.
fn expected(method: &Method, path: &str, actor: &str) -> Expect {
    // The co-therapist and supervisor are therapists of practice P like
    // `other_clinician`, except on the couple's case and its clients' pages.
    let on_the_case = path.starts_with("/cases/")
        || path.starts_with("/api/v1/cases/")
        || path.starts_with("/clients/{id}")
        || path == "/me/messages/{case}"
        || path.starts_with("/messages/attachments/");
    let actor = match actor {
        "co_therapist" | "supervisor" if !on_the_case => "other_clinician",
        "co_therapist" if path.starts_with("/clients/{id}") => "clinician",
        "supervisor" if path.starts_with("/clients/{id}") => "other_clinician",
        actor => actor,
    };
    let get = method == Method::GET;
    let anonymous = actor == "anonymous";
    let before_mfa = actor == "owner_before_mfa";
    let in_p = |list: &[&str]| list.contains(&actor);
    // Signed-in pages: anonymous visitors go to sign-in, staff who have not
    // passed the second step go to it.
    let gate = |then: Expect| {
        if anonymous {
            Redirect("/login")
        } else if before_mfa {
            Redirect("/mfa")
        } else {
            then
        }
    };
    match (get, path) {
        (
            true,
            "/" | "/how-it-works" | "/privacy" | "/self-check" | "/forgot-password" | "/reset-password" | "/therapists",
        ) => Status(200),
        // Only listed therapists have a public page; this world lists none.
        (true, "/therapists/{id}") => Status(404),
        // The id here is a client's: nobody listed, for everyone alike.
        (true, "/api/v1/therapists/{id}/free-times" | "/api/v1/therapists/{id}/booking-form")
        | (false, "/api/v1/therapists/{id}/booking-requests") => Status(404),
        (_, "/setup" | "/join") => Status(404),
        (false, "/reset-password") => Status(404),
        // An unknown link, for whoever is signed in.
        (false, "/join/accept") => gate(Status(404)),
        (true, "/outbox") => Status(404),
        (true, "/design") => Status(404),
        (true, "/login") => {
            if anonymous {
                Status(200)
            } else {
                Redirect("/dashboard")
            }
        }
        (false, "/login") => Refused,
        (false, "/forgot-password") => NotServerError,
        (false, "/logout") => Redirect("/"),
        (true, "/mfa") => {
            if anonymous {
                Redirect("/login")
            } else if before_mfa {
                Status(200)
            } else {
                Redirect("/dashboard")
            }
        }
        (false, "/mfa/enrol") => {
            if anonymous {
                Redirect("/login")
            } else {
                Status(403)
            }
        }
        (false, "/mfa/verify") => {
            if anonymous {
                Redirect("/login")
            } else if in_p(&CLIENTS_P) {
                Status(403)
            } else {
                Status(422)
            }
        }
        (true, "/account/password" | "/account/practice" | "/dashboard") => gate(Status(200)),
        // Working in practice P: anyone with a role there, nobody else.
        (false, "/account/practice") => {
            gate(if actor == "foreign_clinician" { Status(404) } else { Redirect("/account/practice?done=practice") })
        }
        (false, "/account/password") => gate(Status(422)),
        (true, "/me/contact") => gate(if in_p(&CLIENTS_P) { Status(200) } else { Status(404) }),
        (false, "/me/contact") => {
            gate(if in_p(&CLIENTS_P) { Redirect("/me/contact?done=contact") } else { Status(404) })
        }
        (true, "/people") => gate(if in_p(&["owner", "admin"]) { Status(200) } else { Status(403) }),
        (false, "/people/invite") => gate(if in_p(&["owner", "admin"]) { Status(200) } else { Status(403) }),
        (false, "/people/{id}/disable") => gate(match actor {
            "owner" | "admin" => Redirect("/people?done=disabled"),
            "foreign_clinician" => Status(404),
            _ => Status(403),
        }),
        (false, "/people/{id}/enable") => gate(match actor {
            "owner" | "admin" => Redirect("/people?done=enabled"),
            "foreign_clinician" => Status(404),
            _ => Status(403),
        }),
        (true, "/settings") | (true, "/audit") => gate(if actor == "owner" { Status(200) } else { Status(403) }),
        (false, "/settings") => gate(if actor == "owner" { Redirect("/settings?done=settings") } else { Status(403) }),
        (true, "/clients") | (false, "/clients/invite") => {
            gate(if in_p(&["clinician", "other_clinician", "foreign_clinician"]) { Status(200) } else { Status(403) })
        }
        (true, "/clients/{id}") => gate(match actor {
            "client_a" | "clinician" | "owner" | "admin" => Status(200),
            "foreign_clinician" => Status(404),
            _ => Status(403),
        }),
        (false, "/clients/{id}/contact") => gate(match actor {
            "client_a" | "clinician" => Redirect("CLIENT_A?done=contact"),
            "foreign_clinician" => Status(404),
            _ => Status(403),
        }),
        (false, "/clients/{id}/notes") => gate(match actor {
            "clinician" => Redirect("CLIENT_A?done=note"),
            "foreign_clinician" => Status(404),
            _ => Status(403),
        }),
        (true, "/profiles") => gate(match actor {
            "owner" | "admin" => Status(200),
            "clinician" | "other_clinician" | "foreign_clinician" => Redirect("OWN_PROFILE"),
            _ => Status(403),
        }),
        (_, path) if path.starts_with("/profiles/{id}") => gate(profile_route(method, path, actor)),
        (true, "/therapists/{id}/photo") => Status(404),
        (
            _,
            "/therapists/{id}/book"
            | "/therapists/{id}/book/details"
            | "/therapists/{id}/book/at"
            | "/bookings/confirm/{token}",
        ) => Status(404),
        // Therapists answer their own; the front desk those of therapists who left.
        (true, "/requests") => gate(match actor {
            "clinician" | "other_clinician" | "foreign_clinician" | "owner" | "admin" => Status(200),
            _ => Status(403),
        }),
        // No request here is the probe's to answer: those who answer some
        // requests are told it does not exist; everyone else is refused.
        (false, "/requests/{id}/confirm" | "/requests/{id}/decline") => gate(match actor {
            "clinician" | "other_clinician" | "foreign_clinician" | "owner" | "admin" => Status(404),
            _ => Status(403),
        }),
        (get, "/calendar-feed" | "/calendar-feed/revoke") => gate(match actor {
            "clinician" | "other_clinician" | "foreign_clinician" if path == "/calendar-feed/revoke" => {
                Redirect("/calendar-feed?done=revoked")
            }
            "clinician" | "other_clinician" | "foreign_clinician" => Status(200),
            _ if get => Status(403),
            _ => Status(403),
        }),
        (true, "/calendar/{token}") => Status(404),
        // The clinician's appointment, for its clinician and the practice's owner and admin;
        // the changes are asked with input that is refused (422), so nothing changes.
        (
            get,
            "/appointments/{id}"
            | "/appointments/{id}/cancel"
            | "/appointments/{id}/reschedule"
            | "/appointments/{id}/attendance"
            | "/appointments/{id}/attendees",
        ) => gate(match actor {
            "clinician" | "owner" | "admin" if get => Status(200),
            "clinician" | "owner" | "admin" => Status(422),
            "foreign_clinician" => Status(404),
            _ => Status(403),
        }),
        // Client A's own session: on to its manage link for her; nobody
        // else attends it, her partner included.
        (true, "/me/appointments/{id}") => {
            gate(if actor == "client_a" { RedirectUnder("/appointments/manage/") } else { Status(404) })
        }
        // The client's manage link: the token is the credential; an unknown one is 404.
        (
            _,
            "/appointments/manage/{token}"
            | "/appointments/manage/{token}/cancel"
            | "/appointments/manage/{token}/reschedule",
        ) => Status(404),
        // The week names clients: staff only. A therapist sees their own (here
        // without a `therapist` choice), owners and admins the practice's
        // first therapist; posting an empty form is refused field by field.
        (get, "/calendar" | "/appointments/new") => gate(match actor {
            "clinician" | "other_clinician" | "foreign_clinician" | "owner" | "admin" if get => Status(200),
            "clinician" | "other_clinician" | "foreign_clinician" | "owner" | "admin" => Status(422),
            _ => Status(403),
        }),
        (true, "/availability") => gate(match actor {
            "clinician" | "other_clinician" | "foreign_clinician" => Redirect("OWN_AVAILABILITY"),
            "owner" | "admin" => Redirect("/profiles"),
            _ => Status(403),
        }),
        (get, "/availability/{id}") => gate(match actor {
            "clinician" | "admin" | "owner" if get => Status(200),
            "clinician" | "admin" | "owner" => Redirect("AVAILABILITY?done=saved"),
            "foreign_clinician" => Status(404),
            _ => Status(403),
        }),
        (get, "/session-types" | "/session-types/{id}/withdraw" | "/session-types/{id}/offer") => {
            gate(match (actor, get, path) {
                ("owner" | "admin", true, _) => Status(200),
                ("owner" | "admin", false, "/session-types") => Redirect("/session-types?done=added"),
                ("owner" | "admin", false, "/session-types/{id}/withdraw") => Redirect("/session-types?done=withdrawn"),
                ("owner" | "admin", false, _) => Redirect("/session-types?done=offered"),
                _ => Status(403),
            })
        }
        (true, "/healthz" | "/readyz" | "/api/v1/version" | "/api/openapi.json" | "/static/{file}") => Status(200),
        // The JSON API: 401 instead of a redirect to sign-in, 403 before the second step.
        (true, "/api/v1/session" | "/api/v1/therapists") => Status(200),
        (false, "/api/v1/session") if method == Method::POST => Refused,
        (false, "/api/v1/session") => Status(204),
        (false, "/api/v1/session/mfa") => match actor {
            "anonymous" => Status(401),
            "client_a" | "client_b" | "partner" => Status(403),
            _ => Status(422),
        },
        (false, "/api/v1/password-reset") => NotServerError,
        (false, "/api/v1/password-reset/confirm" | "/api/v1/invitations/accept") => Status(404),
        (false, "/api/v1/password") => api_gate(actor, Status(422)),
        (false, "/api/v1/invitations") => {
            api_gate(actor, if in_p(&["owner", "admin"]) { Status(201) } else { Status(403) })
        }
        (false, "/api/v1/client-invitations") => api_gate(
            actor,
            if in_p(&["clinician", "other_clinician", "foreign_clinician"]) { Status(201) } else { Status(403) },
        ),
        (false, "/api/v1/accounts/{id}/disable" | "/api/v1/accounts/{id}/enable") => api_gate(
            actor,
            match actor {
                "owner" | "admin" => Status(204),
                "foreign_clinician" => Status(404),
                _ => Status(403),
            },
        ),
        (true, "/api/v1/audit") => api_gate(actor, if actor == "owner" { Status(200) } else { Status(403) }),
        // The couple's case: its care team (the supervisor reading only) and
        // the front desk see it; changes are asked with input that is
        // refused (422), so nothing changes.
        // A client's own documents: clients only (every client here has an open case).
        (true, "/me/consents") => gate(if in_p(&CLIENTS_P) { Status(200) } else { Status(403) }),
        // Nothing to sign under an unknown key.
        (_, "/me/consents/sign") => gate(if in_p(&CLIENTS_P) { Status(404) } else { Status(403) }),
        // No signature has this id: the same 404 for everyone signed in.
        (true, "/consents/signed/{id}" | "/consents/signed/{id}/pdf") => gate(Status(404)),
        // The partner's file to the care team: the partner and the team
        // (the supervisor reads); client A, in the case, never.
        (true, "/messages/attachments/{id}") => gate(match actor {
            "partner" | "clinician" | "co_therapist" | "supervisor" => Status(200),
            "client_a" | "foreign_clinician" => Status(404),
            _ => Status(403),
        }),
        (true, "/consents") => gate(if in_p(&["owner", "admin"]) { Status(200) } else { Status(403) }),
        (false, "/consents/{kind}") => gate(if in_p(&["owner", "admin"]) { Status(422) } else { Status(403) }),
        (true, "/me/intake" | "/me/messages") => gate(if in_p(&CLIENTS_P) { Status(200) } else { Status(403) }),
        // The couple's messages: its clients and care team read (the
        // supervisor too); all but the supervisor write, here an empty
        // message that is refused.
        (get, "/api/v1/cases/{id}/messages") => api_gate(
            actor,
            match actor {
                "foreign_clinician" => Status(404),
                "client_a" | "partner" | "clinician" | "co_therapist" if !get => Status(422),
                "client_a" | "partner" | "clinician" | "co_therapist" | "supervisor" if get => Status(200),
                _ => Status(403),
            },
        ),
        (get, "/me/messages/{case}" | "/cases/{id}/messages") => gate(match actor {
            "foreign_clinician" => Status(404),
            "client_a" | "partner" | "clinician" | "co_therapist" if !get => Status(422),
            "client_a" | "partner" | "clinician" | "co_therapist" | "supervisor" if get => Status(200),
            _ => Status(403),
        }),
        // The couple's intake: each partner their own (client A sent hers,
        // so she changes nothing more); everyone else is not in the case.
        (true, "/me/intake/{case}") => gate(if in_p(&["client_a", "partner"]) { Status(200) } else { Status(404) }),
        (false, "/me/intake/{case}") => gate(if in_p(&["client_a", "partner"]) { Status(422) } else { Status(404) }),
        // Client A's answers: herself and the care team, the supervisor too.
        (true, "/cases/{id}/intake/{client}") => gate(match actor {
            "client_a" => Status(200),
            "foreign_clinician" => Status(404),
            _ => case_route(actor, Status(200), &["clinician", "co_therapist", "supervisor"]),
        }),
        (true, "/cases/{id}") => gate(case_route(actor, Status(200), &[])),
        (false, "/cases/{id}/status" | "/cases/{id}/confidentiality") => {
            gate(case_route(actor, Status(422), &["clinician", "co_therapist"]))
        }
        // A release asked with nothing filled in: refused, nothing asked.
        (false, "/cases/{id}/releases") => gate(case_route(actor, Status(422), &["clinician", "co_therapist"])),
        // No signature has this id: clients are told so, others may not revoke.
        (false, "/consents/signed/{id}/revoke") => gate(if in_p(&CLIENTS_P) { Status(404) } else { Status(403) }),
        (false, "/cases/{id}/team" | "/cases/{id}/team/{user}/remove") => {
            gate(case_route(actor, Status(422), &["clinician", "owner", "admin"]))
        }
        (true, "/api/v1/cases/{id}") => api_gate(actor, case_route(actor, Status(200), &[])),
        (true, "/api/v1/me/consents") => api_gate(actor, if in_p(&CLIENTS_P) { Status(200) } else { Status(403) }),
        (true, "/api/v1/me/intake/{case_id}") => {
            api_gate(actor, if in_p(&["client_a", "partner"]) { Status(200) } else { Status(404) })
        }
        (false, "/api/v1/me/intake/{case_id}") => {
            api_gate(actor, if in_p(&["client_a", "partner"]) { Status(422) } else { Status(404) })
        }
        (true, "/api/v1/cases/{id}/intake/{client_id}") => api_gate(
            actor,
            match actor {
                "client_a" => Status(200),
                "foreign_clinician" => Status(404),
                _ => case_route(actor, Status(200), &["clinician", "co_therapist", "supervisor"]),
            },
        ),
        (false, "/api/v1/me/consents/sign") => {
            api_gate(actor, if in_p(&CLIENTS_P) { Status(404) } else { Status(403) })
        }
        (false, "/api/v1/cases/{id}/status" | "/api/v1/cases/{id}/confidentiality") => {
            api_gate(actor, case_route(actor, Status(422), &["clinician", "co_therapist"]))
        }
        (false, "/api/v1/cases/{id}/releases") => {
            api_gate(actor, case_route(actor, Status(422), &["clinician", "co_therapist"]))
        }
        (false, "/api/v1/me/consents/{signature_id}/revoke") => {
            api_gate(actor, if in_p(&CLIENTS_P) { Status(404) } else { Status(403) })
        }
        (false, "/api/v1/cases/{id}/team") => {
            api_gate(actor, case_route(actor, Status(422), &["clinician", "owner", "admin"]))
        }
        // Nobody named here is on the team: not found under this address.
        (false, "/api/v1/cases/{id}/team/{user_id}") => {
            api_gate(actor, case_route(actor, Status(404), &["clinician", "owner", "admin"]))
        }
        // Calendars name clients: staff who keep them only (a therapist
        // their own, owners and admins the practice's).
        (true, "/api/v1/appointments") => api_gate(
            actor,
            if in_p(&["clinician", "other_clinician", "foreign_clinician", "owner", "admin"]) {
                Status(200)
            } else {
                Status(403)
            },
        ),
        // As on the appointment page: asked with input that is refused, so nothing changes.
        (false, "/api/v1/appointments/{id}/cancel" | "/api/v1/appointments/{id}/move") => api_gate(
            actor,
            match actor {
                "clinician" | "owner" | "admin" => Status(422),
                "foreign_clinician" => Status(404),
                _ => Status(403),
            },
        ),
        _ => panic!("{method} {path} is not in the authorization matrix: add it to expected()"),
    }
}

/// The profile editor's routes, on the therapist `clinician`'s profile: the
/// therapist and the practice's owner and admin may edit; only the owner and
/// admin may verify; another practice does not know the therapist.
fn profile_route(method: &Method, path: &str, actor: &str) -> Expect {
    if actor == "foreign_clinician" {
        return Status(404);
    }
    let editors = ["clinician", "admin", "owner"];
    let may = if path.ends_with("/verify") { &editors[1..] } else { &editors[..] };
    if !may.contains(&actor) {
        return Status(403);
    }
    match (method == Method::GET, path) {
        (true, _) => Status(200),
        (false, "/profiles/{id}") => Redirect("PROFILE?done=saved"),
        (false, "/profiles/{id}/photo") => Status(422),
        (false, "/profiles/{id}/photo/remove") => Redirect("PROFILE?done=photo_removed"),
        (false, "/profiles/{id}/licences") => Redirect("PROFILE?done=licence"),
        (false, "/profiles/{id}/certifications") => Redirect("PROFILE?done=certification"),
        (false, "/profiles/{id}/credentials/{credential}/verify") => Redirect("PROFILE?done=verified"),
        (false, "/profiles/{id}/credentials/{credential}/remove") => Redirect("PROFILE?done=removed"),
        _ => panic!("{method} {path} is not in the authorization matrix: add it to profile_route()"),
    }
}

/// A route of the couple's case: `then` for `may` (when empty, everyone who
/// sees the case: its care team and the front desk), 404 for the other
/// practice, 403 for everyone else.
fn case_route(actor: &str, then: Expect, may: &[&str]) -> Expect {
    let sees = ["clinician", "co_therapist", "supervisor", "owner", "admin"];
    let allowed = if may.is_empty() { &sees[..] } else { may };
    match actor {
        _ if allowed.contains(&actor) => then,
        "foreign_clinician" => Status(404),
        _ => Status(403),
    }
}

/// Signed-in API routes: 401 when anonymous, 403 (`mfa_required`) before the second step.
fn api_gate(actor: &str, then: Expect) -> Expect {
    match actor {
        "anonymous" => Status(401),
        "owner_before_mfa" => Status(403),
        _ => then,
    }
}

/// The JSON body of an API request.
fn json_body(path: &str, n: usize) -> serde_json::Value {
    use serde_json::json;
    match path {
        "/api/v1/session" => json!({"email": "nobody@p.example", "password": "wrong password here"}),
        "/api/v1/session/mfa" => json!({"code": "wrong-code"}),
        "/api/v1/password" => json!({"current_password": "not my password", "new_password": "another long phrase"}),
        "/api/v1/password-reset" => json!({"email": format!("apireset{n}@p.example")}),
        "/api/v1/password-reset/confirm" | "/api/v1/invitations/accept" => {
            json!({"token": "not-a-token", "password": PASSWORD})
        }
        "/api/v1/invitations" => {
            json!({"name": "Api Colleague", "email": format!("apicolleague{n}@p.example"), "role": "admin"})
        }
        "/api/v1/client-invitations" => {
            json!({"kind": "individual", "clients": [{"name": "Api Client", "email": format!("apiclient{n}@p.example")}]})
        }
        "/api/v1/therapists/{id}/booking-requests" => json!({
            "session_type": "trial", "format": "telehealth", "start": "2030-01-01T00:00:00Z",
            "visitor_time_zone": "UTC", "stamp": "none", "name": "Api Visitor", "email": format!("visitor{n}@p.example"),
            "consent_privacy": true, "consent_adult": true,
        }),
        "/api/v1/appointments/{id}/cancel" => json!({"reason": "not-a-reason"}),
        "/api/v1/cases/{id}/status" => json!({"status": "discharged"}),
        "/api/v1/me/consents/sign" => json!({"key": "not-a-consent", "typed_name": "Anyone", "intent": true}),
        "/api/v1/me/intake/{case_id}" => json!({"answers": {"goals": format!("an answer {n}")}, "send": false}),
        "/api/v1/cases/{id}/messages" => json!({"to": "everyone", "body": "   "}),
        "/api/v1/cases/{id}/confidentiality" => json!({"policy": "tell_everyone"}),
        "/api/v1/cases/{id}/team" => json!({"user_id": "nobody", "role": "co_therapist"}),
        "/api/v1/cases/{id}/releases" => json!({"recipient": "", "shared": [], "purpose": "", "expires_on": "soon"}),
        "/api/v1/appointments/{id}/move" => json!({"start": "2000-01-01T00:00:00Z"}),
        _ => json!({}),
    }
}

/// A concrete request for a route and actor: the URL and form fields.
fn request(world: &World, path: &str, actor: &str, n: usize) -> (String, Vec<(String, String)>) {
    let id = if path.starts_with("/people/") || path.starts_with("/api/v1/accounts/") {
        world.throwaway.to_string()
    } else if path.starts_with("/profiles/") || path.starts_with("/availability/") {
        world.clinician.to_string()
    } else if path.starts_with("/session-types/") {
        world.session_type.to_string()
    } else if path.starts_with("/appointments/")
        || path.starts_with("/api/v1/appointments/")
        || path.starts_with("/me/appointments/")
    {
        world.appointment.to_string()
    } else if path.starts_with("/messages/attachments/") {
        world.attachment.to_string()
    } else if path.starts_with("/cases/") || path.starts_with("/api/v1/cases/") {
        world.couple.to_string()
    } else {
        world.client_a.to_string()
    };
    let url = path
        .replace("{file}", "sensate.css")
        .replace("{id}", &id)
        .replace("{credential}", &world.licences[actor].to_string())
        // Someone who is not on the couple's care team.
        .replace("{kind}", "care")
        .replace("{case}", &world.couple.to_string())
        .replace("{case_id}", &world.couple.to_string())
        .replace("{client}", &world.client_a.to_string())
        .replace("{client_id}", &world.client_a.to_string())
        .replace("{user}", &world.client_a.to_string())
        .replace("{user_id}", &world.client_a.to_string())
        .replace("{signature_id}", &world.client_a.to_string());
    let a_contact = world.canaries[0].0.clone();
    let fields: Vec<(&str, String)> = match path {
        "/setup" => vec![("token", "not-a-token".into())],
        "/login" => vec![("email", "nobody@p.example".into()), ("password", "wrong password here".into())],
        "/forgot-password" => vec![("email", format!("reset{n}@p.example"))],
        "/join/accept" => vec![("token", "not-a-token".into())],
        "/reset-password" | "/join" => {
            vec![("token", "not-a-token".into()), ("password", PASSWORD.into()), ("password_confirm", PASSWORD.into())]
        }
        "/mfa/enrol" => vec![("code", "123456".into())],
        "/mfa/verify" => vec![("code", "wrong-code".into())],
        "/account/practice" => vec![("practice", world.practice.to_string())],
        "/account/password" => vec![
            ("current_password", "not my password".into()),
            ("new_password", "another long phrase".into()),
            ("new_password_confirm", "another long phrase".into()),
        ],
        "/me/contact" => vec![(
            "contact_preferences",
            if actor == "client_a" { a_contact.clone() } else { format!("own preferences of {actor}") },
        )],
        "/people/invite" => vec![
            ("name", "New Colleague".into()),
            ("email", format!("colleague{n}@p.example")),
            ("role", "clinician".into()),
        ],
        "/settings" => vec![("name", "Practice P".into()), ("time_zone", "UTC".into())],
        "/clients/invite" => vec![
            ("kind", "individual".into()),
            ("name", "New Client".into()),
            ("email", format!("newclient{n}@p.example")),
        ],
        "/clients/{id}/contact" => vec![("contact_preferences", a_contact)],
        "/clients/{id}/notes" => vec![("note", format!("another note {n}"))],
        "/appointments/{id}/cancel" => vec![("reason", "not-a-reason".into())],
        "/appointments/{id}/reschedule" | "/appointments/manage/{token}/reschedule" => {
            vec![("start", "2000-01-01T00:00:00Z".into())]
        }
        "/appointments/{id}/attendance" => vec![("outcome", "completed".into())],
        "/appointments/{id}/attendees" => vec![("attends", "nobody".into())],
        "/cases/{id}/status" => vec![("status", "discharged".into())],
        "/me/consents/sign" => {
            vec![("key", "not-a-consent".into()), ("typed_name", "Anyone".into()), ("intent", "on".into())]
        }
        "/consents/{kind}" => vec![("title", String::new()), ("body", String::new())],
        "/me/intake/{case}" => vec![("goals", format!("another answer {n}")), ("action", "save".into())],
        "/me/messages/{case}" | "/cases/{id}/messages" => vec![("to", "everyone".into()), ("body", String::new())],
        "/cases/{id}/confidentiality" => vec![("confidentiality", "tell_everyone".into())],
        "/cases/{id}/team" => vec![("user", String::new()), ("role", "co_therapist".into())],
        "/profiles/{id}" => vec![
            ("headline", format!("Edited by {actor}")),
            ("sees_couples", "on".into()),
            ("offers_telehealth", "on".into()),
        ],
        "/profiles/{id}/licences" => vec![
            ("kind", "lpc".into()),
            ("jurisdiction", "US-NJ".into()),
            ("number", format!("NJ-{n}")),
            ("expires_on", "2029-12-31".into()),
        ],
        "/profiles/{id}/certifications" => vec![("kind", "aasect".into()), ("number", format!("CST-{n}"))],
        "/profiles/{id}/credentials/{credential}/verify" => vec![("method", "State board online register".into())],
        "/availability/{id}" => vec![
            ("time_zone", "America/New_York".into()),
            ("buffer_before", "0".into()),
            ("buffer_after", "10".into()),
            ("min_notice_hours", "24".into()),
            ("horizon_days", "60".into()),
            ("slot_step", "30".into()),
            ("w1_weekday", "2".into()),
            ("w1_start", "09:00".into()),
            ("w1_end", "17:00".into()),
            ("w1_format", "telehealth".into()),
        ],
        "/session-types" => vec![
            ("name", format!("Session kind {n}")),
            ("duration", "50".into()),
            ("fee", "150".into()),
            ("participants", "either".into()),
            ("telehealth", "on".into()),
        ],
        _ => vec![],
    };
    (url, fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

on_both_engines! {
    async fn every_route_answers_every_actor_as_the_policy_says(db: TestDb) {
        let _logs = captured_logs();
        let world = world(db).await;
        let routes = table();
        assert!(routes.len() >= 40, "the router lists its routes");
        let mut n = 0;
        let mut failures = Vec::new();
        let mut locations = Vec::new();
        // Signing out ends the session, so it runs after everything else.
        let (last, first): (Vec<_>, Vec<_>) =
            routes.iter().partition(|r| r.path == "/logout" || (r.method == Method::DELETE && r.path == "/api/v1/session"));
        for route in first.into_iter().chain(last) {
            for actor in ACTORS {
                n += 1;
                let client = &world.clients[actor];
                let (url, fields) = request(&world, route.path, actor, n);
                let response = if route.method == Method::GET {
                    client.get(world.app.url(&url)).send().await.unwrap()
                } else if route.access == Access::Api {
                    let token = world.app.csrf_token(client).await;
                    client
                        .request(route.method.clone(), world.app.url(&url))
                        .header("x-csrf-token", token)
                        .json(&json_body(route.path, n))
                        .send()
                        .await
                        .unwrap()
                } else {
                    let token = world.app.csrf_token(client).await;
                    let mut form = fields.clone();
                    form.push(("csrf_token".into(), token));
                    client.post(world.app.url(&url)).header("origin", &world.app.base_url).form(&form).send().await.unwrap()
                };
                let status = response.status().as_u16();
                let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
                let body = response.text().await.unwrap();
                let want = expected(&route.method, route.path, actor);
                let ok = match want {
                    Status(code) => status == code,
                    Redirect(to) => {
                        let to = to
                            .replace("CLIENT_A", &format!("/clients/{}", world.client_a))
                            .replace("OWN_PROFILE", &format!("/profiles/{}", world.ids.get(actor).map(UserId::to_string).unwrap_or_default()))
                            .replace("PROFILE", &format!("/profiles/{}", world.clinician))
                            .replace("OWN_AVAILABILITY", &format!("/availability/{}", world.ids.get(actor).map(UserId::to_string).unwrap_or_default()))
                            .replace("AVAILABILITY", &format!("/availability/{}", world.clinician));
                        status == 303 && location.as_deref() == Some(to.as_str())
                    }
                    RedirectUnder(path) => {
                        let under = format!("{}{path}", world.app.base_url);
                        status == 303 && location.as_deref().is_some_and(|l| l.starts_with(&under))
                    }
                    NotServerError => status < 500,
                    Refused => status == 401 || status == 429,
                };
                if !ok {
                    failures.push(format!("{} {} as {actor}: expected {want:?}, got {status} {location:?}", route.method, route.path));
                }
                for (canary, allowed) in &world.canaries {
                    if !allowed.contains(&actor) && body.contains(canary.as_str()) {
                        failures.push(format!("{} {} as {actor}: body shows data of someone else", route.method, route.path));
                    }
                    if location.as_deref().is_some_and(|l| l.contains(canary.as_str())) {
                        failures.push(format!("{} {}: a redirect carries health data", route.method, route.path));
                    }
                }
                // Tab titles stay in the browser's history and show in its
                // tab bar: on signed-in and booking pages they are neutral.
                let discreet = route.access == Access::SignedIn
                    || ["/therapists/{id}/book", "/bookings/", "/appointments/manage/"].iter().any(|p| route.path.starts_with(p));
                if route.method == Method::GET
                    && discreet
                    && let Some(title) = sensate_testkit::between(&body, "<title>", "</title>")
                    && sensate_domain::discretion::names_the_service(&title)
                {
                    failures.push(format!("{} {} as {actor}: the tab title names the service: {title}", route.method, route.path));
                }
                if let Some(location) = location {
                    locations.push(location);
                }
                assert!(status < 500, "{} {} as {actor}: server error", route.method, route.path);
            }
        }
        assert!(failures.is_empty(), "{} unexpected answers:\n{}", failures.len(), failures.join("\n"));
        assert!(!routes.iter().any(|r| r.access == Access::SignedIn && expected(&r.method, r.path, "anonymous") == Status(200)));

        // Refusals are in the audit log, without health data.
        let log = world.app.audit_chain().await;
        let partner = first_user(&world.app, "partner@p.example").await;
        assert!(log.iter().any(|e| e.event.actor_id == Some(partner)
            && e.event.record_id == world.client_a.to_string()
            && e.event.outcome == "denied"), "the partner's attempt on A's record is audited");
        assert_eq!(world.app.verify_audit().await.map(|v| v.entries), Ok(log.len()));
        world.app.stop().await;
    }

    async fn canaries_stay_where_they_belong(db: TestDb) {
        let logs = captured_logs();
        let world = world(db).await;
        // Exercise the places the data is shown, and a few failures.
        for actor in ["client_a", "clinician", "owner", "partner", "client_b"] {
            let client = &world.clients[actor];
            for path in ["/dashboard".to_string(), format!("/clients/{}", world.client_a), "/me/contact".into(), "/audit".into()] {
                let _ = client.get(world.app.url(&path)).send().await.unwrap().text().await.unwrap();
            }
        }
        let too_long = "x".repeat(1_001) + &world.canaries[0].0;
        let rejected = world.app.post_form(&world.clients["client_a"], "/me/contact", &[("contact_preferences", &too_long)]).await;
        assert_eq!(rejected.status(), 422);
        let body = rejected.text().await.unwrap();
        assert!(body.contains("Use at most 1000 characters."));

        // A visitor's search terms live in the query string, which is never logged.
        let searched = marker("search-terms");
        for path in [format!("/therapists?q={searched}"), format!("/api/v1/therapists?q={searched}")] {
            assert_eq!(world.clients["anonymous"].get(world.app.url(&path)).send().await.unwrap().status(), 200);
        }
        let mut canaries: Vec<String> = world.canaries.iter().map(|(c, _)| c.clone()).collect();
        canaries.push(searched);
        let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
        assert!(logged.contains("request"), "the server's log was captured");
        for canary in &canaries {
            assert!(!logged.contains(canary.as_str()), "health data reached the log");
        }

        // The partner's pages never show A's private data.
        let partner = &world.clients["partner"];
        for path in ["/dashboard".to_string(), "/me/contact".into(), format!("/clients/{}", world.client_a)] {
            let body = partner.get(world.app.url(&path)).send().await.unwrap().text().await.unwrap();
            assert!(!body.contains(world.canaries[0].0.as_str()) && !body.contains(world.canaries[2].0.as_str()), "{path}");
        }

        // At rest, only ciphertext.
        let raw = raw_database_text(&world).await;
        assert!(raw.len() > 1_000, "the raw database was read");
        for canary in &canaries {
            assert!(!raw.contains(canary.as_str()), "a canary is stored in clear");
        }
        world.app.stop().await;
    }
}

/// Every byte of the SQLite files, or every row of every PostgreSQL table as text.
async fn raw_database_text(world: &World) -> String {
    if let Some(path) = world.app.db.sqlite_path() {
        let mut bytes = std::fs::read(&path).unwrap();
        if let Ok(wal) = std::fs::read(format!("{}-wal", path.display())) {
            bytes.extend(wal);
        }
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&world.app.db.url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut text = String::new();
    for table in tables {
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM {table} t"))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        text.push_str(&rows.join("\n"));
    }
    text
}
