//! The signed-in start page: what is coming up, and the tools a person's
//! roles give them.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use sensate_app::dashboard::{AppointmentView, Tool};
use sensate_domain::scheduling::CaseKind;

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::ui::{Done, Layout, Notice, render};

pub(crate) async fn dashboard(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let view = state.app.dashboard(&actor).await?;
    let zone = view.time_zone.clone();
    let locale = layout.locale;
    let rows = |appointments: Vec<AppointmentView>, show_clinician: bool| -> Vec<AppointmentRow> {
        appointments
            .into_iter()
            .map(|a| AppointmentRow {
                when: locale.when(a.starts_at, &zone),
                // Staff open the appointment's page; a client theirs, to cancel or move it.
                href: if show_clinician {
                    format!("/me/appointments/{}", a.id)
                } else {
                    format!("/appointments/{}", a.id)
                },
                with_whom: if show_clinician { a.clinician_name.clone() } else { a.client_names.join(" & ") },
                kind: session_kind(&a),
                format: a.format.label(),
                status: a.status.label(),
                status_key: a.status.as_str(),
            })
            .collect()
    };
    let overview = view.overview.map(|(summary, therapists)| OverviewView {
        clinicians: summary.clinicians,
        clients: summary.clients,
        open_cases: summary.open_cases,
        upcoming: summary.upcoming_appointments,
        therapists: therapists
            .into_iter()
            .map(|t| TherapistRow {
                formats: match (t.offers_in_person, t.offers_telehealth) {
                    (true, true) => "In person and telehealth",
                    (true, false) => "In person",
                    (false, true) => "Telehealth",
                    (false, false) => "—",
                }
                .to_string(),
                name: t.display_name,
                pronouns: t.pronouns,
                credentials: t.credentials,
                accepting: t.accepting_new_clients,
            })
            .collect(),
    });
    let tools = view.tools.iter().map(|tool| link(*tool)).collect();
    // The menu has counted them already for this page.
    let waiting_requests = layout.menu.iter().find(|item| item.href == "/requests").map(|item| item.count);
    let several_practices = actor.practices().len() > 1;
    let template = DashboardTemplate {
        layout: layout.at("dashboard"),
        title: crate::context::start_page(&actor),
        name: actor.display_name.clone(),
        // A client's first screen does not lead with the practice's name,
        // unless they must know which of theirs they are looking at.
        practice_name: view.practice_name.filter(|_| actor.is_staff_here() || several_practices),
        roles: view.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
        several_practices,
        time_zone: sensate_domain::locale::zone_name(&zone),
        overview,
        date: locale.day(view.today),
        waiting_requests,
        clinician_today: view.clinician_today.map(|a| rows(a, false)),
        clinician_upcoming: view.clinician_upcoming.map(|a| rows(a, false)),
        client_upcoming: view.client_upcoming.map(|a| rows(a, true)),
        client_to_sign: view.client_to_complete.map(|list| {
            list.to_sign
                .iter()
                .map(|a| (crate::care::sign_href(&a.key), format!("Sign: {}", a.title), a.signed_before))
                .chain(list.intakes_due.iter().map(|case| {
                    (format!("/me/intake/{case}"), "Answer the questions before your first sessions".to_string(), false)
                }))
                .collect()
        }),
        tools,
        notice: match done.done.as_str() {
            "joined" => Some(Notice::success("You accepted the invitation. Welcome.")),
            _ => None,
        },
    };
    Ok(render(&template)?.into_response())
}

/// What kind of session an appointment is, as the lists say it.
pub(crate) fn session_kind(a: &AppointmentView) -> &'static str {
    match (a.case_kind, a.partners_own) {
        (CaseKind::Individual, _) => "Individual",
        (CaseKind::Couple, false) => "Couple",
        (CaseKind::Couple, true) => "Individual, in couple therapy",
    }
}

/// One line of an appointment list.
#[derive(Debug, Clone)]
pub(crate) struct AppointmentRow {
    pub when: String,
    /// Where the appointment opens: the practice's page for staff, the
    /// client's own way to cancel or move it for a client.
    pub href: String,
    pub with_whom: String,
    pub kind: &'static str,
    pub format: &'static str,
    pub status: &'static str,
    /// The status as a word for its badge's colour (`badge-confirmed`).
    pub status_key: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct TherapistRow {
    pub name: String,
    pub pronouns: String,
    pub credentials: String,
    pub formats: String,
    pub accepting: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct OverviewView {
    pub clinicians: i64,
    pub clients: i64,
    pub open_cases: i64,
    pub upcoming: i64,
    pub therapists: Vec<TherapistRow>,
}

#[derive(Template)]
#[template(path = "dashboard/dashboard.html")]
pub(crate) struct DashboardTemplate {
    pub layout: Layout,
    /// "Today" for staff, "Home" for clients.
    pub title: &'static str,
    pub name: String,
    pub practice_name: Option<String>,
    pub roles: String,
    /// They have roles in more than one practice: the page says which one
    /// they work in and links to the switcher.
    pub several_practices: bool,
    pub time_zone: String,
    pub overview: Option<OverviewView>,
    /// The practice's date, as "Monday 7 December".
    pub date: String,
    /// Booking requests that wait for this therapist; `None` for people
    /// who take none.
    pub waiting_requests: Option<usize>,
    pub clinician_today: Option<Vec<AppointmentRow>>,
    pub clinician_upcoming: Option<Vec<AppointmentRow>>,
    pub client_upcoming: Option<Vec<AppointmentRow>>,
    /// What waits for the client: (where, what, asked again after a change).
    pub client_to_sign: Option<Vec<(String, String, bool)>>,
    /// (href, label) of the pages this person's roles open.
    pub tools: Vec<(&'static str, &'static str)>,
    pub notice: Option<Notice>,
}

/// Where a tool is and what the start page calls it.
fn link(tool: Tool) -> (&'static str, &'static str) {
    match tool {
        Tool::OwnCalendar => ("/calendar", "Your calendar: this week"),
        Tool::PracticeCalendars => ("/calendar", "Therapists' calendars"),
        Tool::People => ("/people", "People and invitations"),
        Tool::DirectoryProfiles => ("/profiles", "Directory profiles and verification"),
        Tool::SessionTypes => ("/session-types", "Session types and fees"),
        Tool::PracticeSettings => ("/settings", "Practice settings"),
        Tool::AuditLog => ("/audit", "Audit log"),
        Tool::OwnClients => ("/clients", "Your clients"),
        Tool::BookingRequests => ("/requests", "Booking requests"),
        Tool::OwnHours => ("/availability", "Your bookable hours"),
        Tool::CalendarFeed => ("/calendar-feed", "Calendar feed"),
        Tool::OwnProfile => ("/profiles", "Your directory profile"),
        Tool::ContactPreferences => ("/me/contact", "Your contact preferences"),
        Tool::OwnConsents => ("/me/consents", "Your documents: to sign, and signed"),
        Tool::OwnMessages => ("/me/messages", "Messages with your therapist"),
        Tool::ConsentDocuments => ("/consents", "Consent documents"),
        Tool::Password => ("/account/password", "Change your password"),
    }
}
