//! `/appointments/new`: staff add a session, or a weekly or fortnightly
//! series, for an existing client. What was typed is kept when something is
//! wrong; when a series collides, nothing is booked and the colliding dates
//! are listed.
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;
use sensate_app::scheduling::attendees::EVERYONE;
use sensate_app::scheduling::new_appointments::{Added, AppointmentChoices, AppointmentInput};
use sensate_app::scheduling::session_types::formats;
use sensate_domain::scheduling::CaseKind;
use sensate_domain::scheduling::series::{MAX_OCCURRENCES, Repeat};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::ui::{Choice, Layout, render_status};

#[derive(serde::Deserialize, Default)]
pub(crate) struct AppointmentForm {
    #[serde(default)]
    case: String,
    #[serde(default)]
    session_type: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    attends: String,
}

impl AppointmentForm {
    fn input(&self) -> AppointmentInput {
        AppointmentInput {
            case: self.case.clone(),
            session_type: self.session_type.clone(),
            format: self.format.clone(),
            date: self.date.clone(),
            time: self.time.clone(),
            repeat: self.repeat.clone(),
            count: self.count.clone(),
            attends: self.attends.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "scheduling/new_appointment/form.html")]
pub(crate) struct NewAppointmentTemplate {
    pub layout: Layout,
    pub time_zone: String,
    pub cases: Vec<Choice>,
    pub session_types: Vec<Choice>,
    pub formats: Vec<Choice>,
    pub repeats: Vec<Choice>,
    /// "Everyone in the case", then each couple's partners, by couple;
    /// empty when no couple's case can be booked.
    pub everyone: Choice,
    pub partners: Vec<(String, Vec<Choice>)>,
    pub form: AppointmentInput,
    pub errors: Vec<(&'static str, String)>,
    pub collisions: Vec<String>,
    pub max_count: u16,
}

impl NewAppointmentTemplate {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

fn placeholder(label: &str) -> Choice {
    Choice { value: String::new(), label: label.to_string(), selected: false }
}

fn view(
    layout: Layout,
    choices: AppointmentChoices,
    form: AppointmentInput,
    errors: Vec<(&'static str, String)>,
    collisions: Vec<String>,
) -> NewAppointmentTemplate {
    let cases = std::iter::once(placeholder("Choose a client"))
        .chain(choices.cases.iter().map(|c| {
            let kind = match c.kind {
                CaseKind::Individual => "individual",
                CaseKind::Couple => "couple",
            };
            let label = if choices.front_desk {
                format!("{} ({kind}) · with {}", c.client_names().join(" & "), c.clinician_name)
            } else {
                format!("{} ({kind})", c.client_names().join(" & "))
            };
            Choice { selected: c.id.to_string() == form.case, value: c.id.to_string(), label }
        }))
        .collect();
    let session_types = std::iter::once(placeholder("Choose a session type"))
        .chain(choices.session_types.iter().map(|k| {
            let ways: Vec<&str> = formats(k).iter().map(|f| f.label()).collect();
            Choice {
                selected: k.id.to_string() == form.session_type,
                value: k.id.to_string(),
                label: format!("{} · {} min · {}", k.name, k.duration_minutes, ways.join(" or ")),
            }
        }))
        .collect();
    let format_value = if form.format.is_empty() { "telehealth" } else { form.format.as_str() };
    let formats = [("telehealth", "Telehealth (video)"), ("in_person", "In person")]
        .into_iter()
        .map(|(value, label)| Choice { value: value.into(), label: label.into(), selected: value == format_value })
        .collect();
    let attends = form.attends.trim();
    let everyone = Choice {
        value: EVERYONE.into(),
        label: "Everyone in the case".into(),
        selected: attends.is_empty() || attends == EVERYONE,
    };
    let partners = choices
        .cases
        .iter()
        .filter(|c| c.kind == CaseKind::Couple)
        .map(|c| {
            let group = if choices.front_desk {
                format!("{} · with {}", c.client_names().join(" & "), c.clinician_name)
            } else {
                c.client_names().join(" & ")
            };
            let options = c
                .clients
                .iter()
                .map(|(id, name)| Choice {
                    value: id.to_string(),
                    label: format!("{name} only"),
                    selected: id.to_string() == attends && c.id.to_string() == form.case,
                })
                .collect();
            (group, options)
        })
        .collect();
    let repeat_value = if form.repeat.is_empty() { "none" } else { form.repeat.as_str() };
    let repeats = Repeat::ALL
        .into_iter()
        .map(|r| Choice { value: r.as_str().into(), label: r.label().into(), selected: r.as_str() == repeat_value })
        .collect();
    NewAppointmentTemplate {
        layout: layout.at("calendar-add"),
        time_zone: sensate_domain::locale::zone_name(choices.time_zone.zone()),
        cases,
        session_types,
        formats,
        repeats,
        everyone,
        partners,
        form,
        errors,
        collisions,
        max_count: MAX_OCCURRENCES,
    }
}

pub(crate) async fn form(State(state): State<AppState>, page: Page) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let choices = state.app.scheduling().appointment_choices(&actor).await?;
    render_status(StatusCode::OK, &view(layout, choices, AppointmentInput::default(), Vec::new(), Vec::new()))
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    page: Page,
    Form(typed): Form<AppointmentForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let input = typed.input();
    match state.app.scheduling().add_appointments(&actor, &input, layout.locale).await {
        Ok(Added::Booked { clinician, first, count }) => {
            let whose = if clinician == actor.user_id { String::new() } else { format!("&therapist={clinician}") };
            Ok(Redirect::to(&format!("/calendar?week={first}{whose}&done=added&count={count}")).into_response())
        }
        Ok(Added::Collides(dates)) => {
            let choices = state.app.scheduling().appointment_choices(&actor).await?;
            render_status(StatusCode::CONFLICT, &view(layout, choices, input, Vec::new(), dates))
        }
        Err(AppError::Invalid(errors)) => {
            let choices = state.app.scheduling().appointment_choices(&actor).await?;
            let errors = errors.iter().map(|(f, m)| (f, m.to_string())).collect();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &view(layout, choices, input, errors, Vec::new()))
        }
        Err(other) => Err(other.into()),
    }
}
