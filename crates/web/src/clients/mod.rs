//! The practice's clients: the list, invitations, and one client's page
//! with contact preferences and private notes.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;
use sensate_app::identity::invitations::Invitee;
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{FieldErrors, UserId};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::identity::account::{ContactForm, contact_fields};

use crate::ui::{Done, Field, FormPage, Layout, Notice, path_id, render, render_status};

#[derive(serde::Deserialize, Default)]
pub(crate) struct InviteClientsForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    partner_name: String,
    #[serde(default)]
    partner_email: String,
}

fn invite_clients_form(layout: &Layout, form: &InviteClientsForm) -> FormPage {
    FormPage::new(layout.clone(), "", "/clients/invite", "Send invitation").fields(vec![
        Field::new("kind", "Therapy for", "text", "off")
            .options(&["individual", "couple"])
            .value(if form.kind.is_empty() { "individual" } else { &form.kind }),
        Field::new("name", "Client's name", "text", "off").value(&form.name),
        Field::new("email", "Client's email address", "email", "off").value(&form.email),
        Field::new("partner_name", "Partner's name", "text", "off")
            .value(&form.partner_name)
            .optional()
            .hint("For a couple only."),
        Field::new("partner_email", "Partner's email address", "email", "off").value(&form.partner_email).optional(),
    ])
}

async fn clients_page(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    invite: FormPage,
    notice: Option<Notice>,
    sent: Vec<sensate_app::identity::invitations::InvitationSent>,
) -> Result<ClientsTemplate, WebError> {
    let clients = state.app.clients().my_clients(actor).await?;
    Ok(ClientsTemplate {
        layout,
        notice,
        clients: clients.into_iter().map(|c| (c.id.to_string(), c.name)).collect(),
        invite,
        sent: sent.into_iter().map(|s| (s.email, s.link, s.emailed)).collect(),
    })
}

pub(crate) async fn clients(State(state): State<AppState>, page: Page) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let invite = invite_clients_form(&layout, &InviteClientsForm::default());
    Ok(render(&clients_page(&state, &actor, layout, invite, None, Vec::new()).await?)?.into_response())
}

pub(crate) async fn invite_clients(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<InviteClientsForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let kind = CaseKind::parse(&form.kind).unwrap_or(CaseKind::Individual);
    let mut invitees = vec![Invitee { name: form.name.clone(), email: form.email.clone() }];
    if kind == CaseKind::Couple && !(form.partner_name.trim().is_empty() && form.partner_email.trim().is_empty()) {
        invitees.push(Invitee { name: form.partner_name.clone(), email: form.partner_email.clone() });
    }
    match state.app.identity().invite_clients(&actor, kind, &invitees).await {
        Ok(sent) => {
            let emails = sent.iter().map(|s| s.email.as_str()).collect::<Vec<_>>().join(" and ");
            let notice = Some(if sent.iter().all(|s| s.emailed) {
                Notice::success(format!("Invitation emailed to {emails}."))
            } else {
                Notice::info(format!("Invitation created for {emails}. Email is not set up, so give the links below."))
            });
            let invite = invite_clients_form(&layout, &InviteClientsForm::default());
            Ok(render(&clients_page(&state, &actor, layout, invite, notice, sent).await?)?.into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let invite = invite_clients_form(&layout, &form).errors(&errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &clients_page(&state, &actor, layout, invite, None, Vec::new()).await?,
            )
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct NoteForm {
    #[serde(default)]
    note: String,
}

fn note_fields(value: &str) -> Vec<Field> {
    vec![Field::new("note", "New note", "textarea", "off").value(value).hint("Private to you. Stored encrypted.")]
}

async fn client_page(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    client: UserId,
    notice: Option<Notice>,
    contact_override: Option<(String, &FieldErrors)>,
    note_override: Option<(String, &FieldErrors)>,
) -> Result<ClientTemplate, WebError> {
    let record = state.app.clients().client_record(actor, client).await?;
    let zone = actor.practice_zone();
    let action = format!("/clients/{client}/contact");
    let mut contact = FormPage::new(layout.clone(), "", action, "Save contact preferences");
    contact = match &contact_override {
        Some((value, errors)) => contact.fields(contact_fields(value, false)).errors(errors),
        None => contact.fields(contact_fields(record.contact_preferences.as_deref().unwrap_or_default(), false)),
    };
    let note_form = record.can_write_notes.then(|| {
        let form = FormPage::new(layout.clone(), "", format!("/clients/{client}/notes"), "Save note");
        match &note_override {
            Some((value, errors)) => form.fields(note_fields(value)).errors(errors),
            None => form.fields(note_fields("")),
        }
    });
    let tz = zone.clone();
    let locale = layout.locale;
    let upcoming = record
        .upcoming
        .iter()
        .map(|a| crate::dashboard::AppointmentRow {
            when: locale.when(a.starts_at, &tz),
            href: format!("/appointments/{}", a.id),
            with_whom: a.clinician_name.clone(),
            kind: crate::dashboard::session_kind(a),
            format: a.format.label(),
            status: a.status.label(),
            status_key: a.status.as_str(),
        })
        .collect();
    let reference = sensate_app::directory::search::reference_data()?;
    Ok(ClientTemplate {
        layout,
        notice,
        upcoming,
        partners: record.partners.join(", "),
        name: record.name,
        contact,
        contact_preferences: record.contact_preferences,
        notes: record.my_notes.into_iter().map(|(at, text)| (locale.when(at, &zone), text)).collect(),
        note_form,
        when_booking: record
            .when_booking
            .into_iter()
            .map(|words| {
                let concern = reference.concern(&words.concern).map(|c| c.name.clone()).unwrap_or_default();
                (locale.when(words.at, &zone), concern, words.message)
            })
            .collect(),
        cases: record
            .cases
            .iter()
            .map(|c| {
                let kind = match c.kind {
                    sensate_domain::scheduling::CaseKind::Individual => "Individual therapy",
                    sensate_domain::scheduling::CaseKind::Couple => "Couple therapy",
                };
                (
                    c.id.to_string(),
                    format!("{kind} with {}", c.primary_name),
                    c.status.label(),
                    c.status.as_str(),
                    locale.day(c.opened_at.to_zoned(zone.clone()).date()),
                )
            })
            .collect(),
    })
}

pub(crate) async fn client(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let notice = match done.done.as_str() {
        "contact" => Some(Notice::success("Contact preferences saved.")),
        "note" => Some(Notice::success("Note saved.")),
        _ => None,
    };
    Ok(render(&client_page(&state, &actor, layout, path_id::<UserId>(&id)?, notice, None, None).await?)?
        .into_response())
}

pub(crate) async fn client_contact(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<ContactForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let client = path_id::<UserId>(&id)?;
    match state.app.clients().set_contact_preferences(&actor, client, &form.contact_preferences).await {
        Ok(()) => Ok(Redirect::to(&format!("/clients/{client}?done=contact")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = client_page(
                &state,
                &actor,
                layout,
                client,
                None,
                Some((form.contact_preferences.clone(), &errors)),
                None,
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn client_note(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let client = path_id::<UserId>(&id)?;
    match state.app.clients().add_clinical_note(&actor, client, &form.note).await {
        Ok(()) => Ok(Redirect::to(&format!("/clients/{client}?done=note")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page =
                client_page(&state, &actor, layout, client, None, None, Some((form.note.clone(), &errors))).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "clients/clients.html")]
pub(crate) struct ClientsTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub clients: Vec<(String, String)>,
    pub invite: FormPage,
    pub sent: Vec<(String, Option<String>, bool)>,
}

#[derive(Template)]
#[template(path = "clients/client.html")]
pub(crate) struct ClientTemplate {
    pub layout: Layout,
    /// The client's coming sessions here (the therapist column names who sees them).
    pub upcoming: Vec<crate::dashboard::AppointmentRow>,
    /// Who joins them in couple sessions, or empty.
    pub partners: String,
    pub notice: Option<Notice>,
    pub name: String,
    pub contact: FormPage,
    pub contact_preferences: Option<String>,
    pub notes: Vec<(String, String)>,
    pub note_form: Option<FormPage>,
    /// What they wrote when booking online: (when, topic, message).
    pub when_booking: Vec<(String, String, String)>,
    /// Their cases here, for staff: (id, "Couple therapy with Tess Therapist", status label, status key, opened).
    pub cases: Vec<(String, String, &'static str, &'static str, String)>,
}
