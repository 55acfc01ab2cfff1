//! The practice's settings: its name, time zone and contact details.
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;
use sensate_app::practice::people::SettingsInput;

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::ui::{Done, Field, FormPage, Layout, Notice, render, render_status};

#[derive(serde::Deserialize, Default)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    phone: String,
    /// A ticked checkbox sends "on"; an unticked one sends nothing.
    #[serde(default)]
    reminders_name_service: String,
    #[serde(default)]
    sender_name: String,
    #[serde(default)]
    cancellation_notice_hours: String,
}

fn settings_page(layout: Layout, form: &SettingsForm) -> FormPage {
    FormPage::new(layout, "Practice settings", "/settings", "Save settings")
        .lead("What clients see of the practice, and the time zone appointments are shown in.")
        .fields(vec![
            Field::new("name", "Practice name", "text", "organization").value(&form.name),
            Field::new("time_zone", "Time zone", "text", "off").zone_options().value(&form.time_zone),
            Field::new("address", "Address", "textarea", "street-address").value(&form.address).optional(),
            Field::new("contact_email", "Contact email", "email", "email").value(&form.contact_email).optional(),
            Field::new("phone", "Phone", "tel", "tel").value(&form.phone).optional(),
            Field::new("sender_name", "Name on discreet emails", "text", "off")
                .value(&form.sender_name)
                .optional()
                .hint("Inbox lists show it as the sender, so it may not say what the practice does (for example “Harbor Collective”). Empty: the practice's name where it names no service, else “Appointments”."),
            Field::new("reminders_name_service", "Say in reminder emails that the appointment is a therapy session", "checkbox", "off")
                .value(&form.reminders_name_service)
                .optional()
                .hint("Off by default: reminders then name only the practice, the time and the format, in case someone else reads the recipient's email."),
            Field::new("cancellation_notice_hours", "Cancellation notice in hours", "number", "off")
                .hint("Clients may cancel or move a session online until this many hours before it; after that they are asked to contact the practice.")
                .value(&form.cancellation_notice_hours),
        ])
}

pub(crate) async fn settings(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let practice = state.app.practice().practice_settings(&actor).await?;
    let notice = state.app.scheduling().cancellation_policy(practice.id).await?.notice.as_hours();
    let form = SettingsForm {
        cancellation_notice_hours: notice.to_string(),
        name: practice.name,
        time_zone: practice.time_zone.to_string(),
        address: practice.address,
        contact_email: practice.contact_email,
        phone: practice.phone,
        reminders_name_service: if practice.reminders_name_service { "on".into() } else { String::new() },
        sender_name: practice.sender_name,
    };
    let notice = (done.done == "settings").then(|| Notice::success("Settings saved."));
    Ok(render(&settings_page(layout, &form).notice(notice))?.into_response())
}

pub(crate) async fn settings_submit(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let input = SettingsInput {
        name: form.name.clone(),
        time_zone: form.time_zone.clone(),
        address: form.address.clone(),
        contact_email: form.contact_email.clone(),
        phone: form.phone.clone(),
        reminders_name_service: form.reminders_name_service == "on",
        sender_name: form.sender_name.clone(),
        cancellation_notice_hours: form.cancellation_notice_hours.clone(),
    };
    match state.app.practice().update_practice_settings(&actor, &input).await {
        Ok(()) => Ok(Redirect::to("/settings?done=settings").into_response()),
        Err(AppError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &settings_page(layout, &form).errors(&errors))
        }
        Err(other) => Err(other.into()),
    }
}
