//! People and invitations: who works at or is a client of the practice,
//! inviting staff, disabling and re-enabling accounts.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;
use sensate_app::identity::invitations::{InvitationSent, Invitee};
use sensate_domain::{Role, UserId};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;

use crate::ui::{Done, Field, FormPage, Layout, Notice, path_id, render, render_status};

#[derive(serde::Deserialize, Default)]
pub(crate) struct InviteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

fn invite_form(layout: &Layout, form: &InviteForm) -> FormPage {
    FormPage::new(layout.clone(), "", "/people/invite", "Send invitation").fields(vec![
        Field::new("name", "Name", "text", "off").value(&form.name),
        Field::new("email", "Email address", "email", "off").value(&form.email),
        Field::new("role", "Role", "text", "off")
            .labelled_options(&[("clinician", Role::Clinician.label()), ("admin", Role::Admin.label())])
            .value(if form.role.is_empty() { "clinician" } else { &form.role })
            .hint("A therapist sees clients; a practice administrator keeps the front desk, people and billing."),
    ])
}

async fn people_page(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    invite: FormPage,
    notice: Option<Notice>,
    sent: Vec<InvitationSent>,
) -> Result<PeopleTemplate, WebError> {
    let zone = actor.practice_zone();
    let locale = layout.locale;
    let people = state.app.practice().people(actor).await?;
    let invitations = state.app.identity().practice_invitations(actor).await?;
    // Staff and clients apart: who works here, and whom the practice sees.
    let (staff, clients): (Vec<_>, Vec<_>) = people.into_iter().partition(|p| p.roles.iter().any(|r| r.is_staff()));
    let row = |p: sensate_app::practice::people::PersonRecord| PersonRow {
        id: p.id.to_string(),
        is_self: p.id == actor.user_id,
        name: p.display_name,
        email: p.email.into(),
        roles: p.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
        disabled: p.disabled,
    };
    Ok(PeopleTemplate {
        layout,
        notice,
        staff: staff.into_iter().map(row).collect(),
        clients: clients.into_iter().map(row).collect(),
        invitations: invitations
            .into_iter()
            .map(|i| InvitationRow {
                name: i.display_name,
                email: i.email.into(),
                role: i.role.label(),
                sent: locale.when(i.created_at, &zone),
                status: if i.accepted {
                    "Accepted"
                } else if i.expires_at <= state.app.now() {
                    "Expired"
                } else {
                    "Waiting"
                },
            })
            .collect(),
        invite,
        sent: sent.into_iter().map(|s| (s.email, s.link, s.emailed)).collect(),
    })
}

pub(crate) async fn people(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let notice = match done.done.as_str() {
        "disabled" => Some(Notice::success("The account was disabled and its sessions ended.")),
        "enabled" => Some(Notice::success("The account was enabled.")),
        _ => None,
    };
    let invite = invite_form(&layout, &InviteForm::default());
    Ok(render(&people_page(&state, &actor, layout, invite, notice, Vec::new()).await?)?.into_response())
}

pub(crate) async fn invite(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let invitee = Invitee { name: form.name.clone(), email: form.email.clone() };
    match state.app.identity().invite_staff(&actor, &invitee, &form.role).await {
        Ok(sent) => {
            let notice = Some(if sent.emailed {
                Notice::success(format!("Invitation emailed to {}.", sent.email))
            } else {
                Notice::info(format!(
                    "Invitation created for {}. Email is not set up, so give them the link below.",
                    sent.email
                ))
            });
            let invite = invite_form(&layout, &InviteForm::default());
            Ok(render(&people_page(&state, &actor, layout, invite, notice, vec![sent]).await?)?.into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let invite = invite_form(&layout, &form).errors(&errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &people_page(&state, &actor, layout, invite, None, Vec::new()).await?,
            )
        }
        Err(other) => Err(other.into()),
    }
}

async fn set_disabled(state: AppState, page: Page, id: String, disabled: bool) -> Result<Response, WebError> {
    let (actor, _) = page.signed_in()?;
    let user: UserId = path_id(&id)?;
    state.app.practice().set_account_disabled(&actor, user, disabled).await?;
    let done = if disabled { "disabled" } else { "enabled" };
    Ok(Redirect::to(&format!("/people?done={done}")).into_response())
}

pub(crate) async fn disable(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_disabled(state, page, id, true).await
}

pub(crate) async fn enable(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_disabled(state, page, id, false).await
}

#[derive(Debug, Clone)]
pub(crate) struct PersonRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub disabled: bool,
    pub is_self: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct InvitationRow {
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub sent: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "practice/people/people.html")]
pub(crate) struct PeopleTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub staff: Vec<PersonRow>,
    pub clients: Vec<PersonRow>,
    pub invitations: Vec<InvitationRow>,
    pub invite: FormPage,
    /// Links of invitations just made, for copying when email is not set up.
    pub sent: Vec<(String, Option<String>, bool)>,
}
