//! The session types a practice offers: length, fee, formats, and
//! whether a visitor may book them.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;
use sensate_domain::scheduling::Participants;

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::ui::{Done, Field, FormPage, Layout, Notice, path_id, render, render_status};

#[derive(serde::Deserialize, Default)]
pub(crate) struct SessionTypeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    fee: String,
    #[serde(default)]
    in_person: Option<String>,
    #[serde(default)]
    telehealth: Option<String>,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    trial: Option<String>,
    #[serde(default)]
    needs_approval: Option<String>,
}

fn ticked(value: &Option<String>) -> &'static str {
    if value.is_some() { "on" } else { "" }
}

fn session_type_form(layout: &Layout, form: &SessionTypeForm) -> FormPage {
    FormPage::new(layout.clone(), "", "/session-types", "Add session type").fields(vec![
        Field::new("name", "Name", "text", "off")
            .value(&form.name)
            .hint("As clients will see it, for example “Couple session”."),
        Field::new("duration", "Length in minutes", "text", "off").value(&form.duration),
        Field::new("fee", "Fee in dollars", "text", "off")
            .value(&form.fee)
            .optional()
            .hint("Leave empty for no published fee, 0 for a free consultation."),
        Field::new("participants", "Who takes part", "select", "off")
            .options(&Participants::ALL.map(Participants::as_str))
            .value(if form.participants.is_empty() { "either" } else { &form.participants }),
        Field::new("in_person", "In person", "checkbox", "off").value(ticked(&form.in_person)).optional(),
        Field::new("telehealth", "By video (telehealth)", "checkbox", "off").value(ticked(&form.telehealth)).optional(),
        Field::new("trial", "Trial consultation", "checkbox", "off")
            .value(ticked(&form.trial))
            .optional()
            .hint("A short first meeting; the directory's “Book a trial session” offers these."),
        Field::new("needs_approval", "New bookings need the therapist's approval", "checkbox", "off")
            .value(ticked(&form.needs_approval))
            .optional(),
    ])
}

async fn session_types_page(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    form: FormPage,
    notice: Option<Notice>,
) -> Result<SessionTypesTemplate, WebError> {
    let types = state.app.scheduling().session_types(actor).await?;
    Ok(SessionTypesTemplate {
        layout,
        notice,
        form,
        types: types
            .into_iter()
            .map(|t| SessionTypeRow {
                id: t.id.to_string(),
                name: t.name,
                length: format!("{} min", t.duration_minutes),
                fee: t.fee_cents.map_or("Not published".to_string(), |c| {
                    if c == 0 { "Free".to_string() } else { sensate_app::money::dollars(c) }
                }),
                formats: match (t.in_person, t.telehealth) {
                    (true, true) => "In person or video",
                    (true, false) => "In person",
                    _ => "Video",
                },
                participants: t.participants.as_str(),
                trial: t.trial,
                needs_approval: t.needs_approval,
                active: t.active,
            })
            .collect(),
    })
}

pub(crate) async fn session_types(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let notice = match done.done.as_str() {
        "added" => Some(Notice::success("Session type added.")),
        "withdrawn" => Some(Notice::success("Session type withdrawn: it is no longer offered for booking.")),
        "offered" => Some(Notice::success("Session type offered for booking again.")),
        _ => None,
    };
    let defaults =
        SessionTypeForm { telehealth: Some("on".into()), needs_approval: Some("on".into()), ..Default::default() };
    let form = session_type_form(&layout, &defaults);
    Ok(render(&session_types_page(&state, &actor, layout, form, notice).await?)?.into_response())
}

pub(crate) async fn add_session_type(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<SessionTypeForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let input = sensate_app::scheduling::session_types::SessionTypeInput {
        name: form.name.clone(),
        duration: form.duration.clone(),
        fee: form.fee.clone(),
        in_person: form.in_person.is_some(),
        telehealth: form.telehealth.is_some(),
        participants: form.participants.clone(),
        trial: form.trial.is_some(),
        needs_approval: form.needs_approval.is_some(),
    };
    match state.app.scheduling().add_session_type(&actor, &input).await {
        Ok(_) => Ok(Redirect::to("/session-types?done=added").into_response()),
        Err(AppError::Invalid(errors)) => {
            let form = session_type_form(&layout, &form).errors(&errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &session_types_page(&state, &actor, layout, form, None).await?,
            )
        }
        Err(other) => Err(other.into()),
    }
}

async fn set_offered(state: AppState, page: Page, id: String, active: bool) -> Result<Response, WebError> {
    let (actor, _) = page.signed_in()?;
    let id: sensate_domain::SessionTypeId = path_id(&id)?;
    state.app.scheduling().set_session_type_active(&actor, id, active).await?;
    let done = if active { "offered" } else { "withdrawn" };
    Ok(Redirect::to(&format!("/session-types?done={done}")).into_response())
}

pub(crate) async fn withdraw_session_type(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_offered(state, page, id, false).await
}

pub(crate) async fn offer_session_type(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_offered(state, page, id, true).await
}

/// A session type as the practice's list shows it.
#[derive(Debug, Clone)]
pub(crate) struct SessionTypeRow {
    pub id: String,
    pub name: String,
    pub length: String,
    pub fee: String,
    pub formats: &'static str,
    pub participants: &'static str,
    pub trial: bool,
    pub needs_approval: bool,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "scheduling/session_types/list.html")]
pub(crate) struct SessionTypesTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub types: Vec<SessionTypeRow>,
    /// The form to add one.
    pub form: FormPage,
}
