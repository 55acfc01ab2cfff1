//! Pages for signed-in people.
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use sensate_app::dashboard::AppointmentView;
use sensate_domain::scheduling::{CaseKind, format_local};

use super::render;
use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::templates::{AppointmentRow, DashboardTemplate, OverviewView, TherapistRow};

pub(crate) async fn dashboard(
    State(state): State<AppState>,
    page: Page,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let view = state.app.dashboard(&actor).await?;
    let zone = view.time_zone.clone();
    let rows = |appointments: Vec<AppointmentView>, show_clinician: bool| -> Vec<AppointmentRow> {
        appointments
            .into_iter()
            .map(|a| AppointmentRow {
                when: format_local(a.starts_at, &zone),
                with_whom: if show_clinician {
                    a.clinician_name.clone()
                } else {
                    a.client_names.join(" & ")
                },
                kind: match a.case_kind {
                    CaseKind::Individual => "Individual",
                    CaseKind::Couple => "Couple",
                },
                format: a.format.label(),
                status: a.status.label(),
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
    let template = DashboardTemplate {
        layout: layout.at("dashboard"),
        name: actor.display_name.clone(),
        practice_name: view.practice_name,
        roles: view
            .roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join(", "),
        time_zone: zone.iana_name().unwrap_or("UTC").to_string(),
        overview,
        clinician_upcoming: view.clinician_upcoming.map(|a| rows(a, false)),
        client_upcoming: view.client_upcoming.map(|a| rows(a, true)),
    };
    Ok(render(&template)?.into_response())
}
