//! First-owner set-up, sign-in and sign-out.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::identity::auth::NewSession;
use sensate_app::identity::setup::SetupInput;
use sensate_app::{Actor, AppError};
use sensate_domain::FieldErrors;

use sensate_domain::Role;

use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::middleware::append_cookie;
use crate::ui::{Done, Field, FormPage, Layout, Notice, render, render_status};
use crate::{AppState, cookies};

#[derive(serde::Deserialize)]
pub(crate) struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    practice_name: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    owner_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub(crate) async fn setup_form(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<TokenQuery>,
) -> Result<Response, WebError> {
    if !state.app.identity().setup_token_is_valid(&query.token).await? {
        return setup_invalid(page.layout);
    }
    let form = SetupForm { time_zone: "America/New_York".into(), ..SetupForm::default() };
    Ok(render(&setup_page(page.layout, query.token, &form, &FieldErrors::new()))?.into_response())
}

pub(crate) async fn setup_submit(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<SetupForm>,
) -> Result<Response, WebError> {
    let input = SetupInput {
        practice_name: form.practice_name.clone(),
        time_zone: form.time_zone.clone(),
        owner_name: form.owner_name.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
        password_confirm: form.password_confirm.clone(),
    };
    match state.app.identity().complete_setup(&form.token, &input, &page.ip).await {
        Ok(session) => Ok(signed_in_redirect(&state, session)),
        Err(AppError::Invalid(errors)) => {
            let html = render(&setup_page(page.layout, form.token.clone(), &form, &errors))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(AppError::SetupLinkInvalid) => setup_invalid(page.layout),
        Err(other) => Err(other.into()),
    }
}

fn setup_invalid(layout: Layout) -> Result<Response, WebError> {
    Ok((StatusCode::NOT_FOUND, render(&SetupInvalidTemplate { layout })?).into_response())
}

fn setup_page(layout: Layout, token: String, form: &SetupForm, errors: &FieldErrors) -> SetupTemplate {
    let mut fields = vec![
        Field::new("practice_name", "Practice name", "text", "organization")
            .value(&form.practice_name)
            .hint("As clients will see it, for example “Harbor Counseling”."),
        Field::new("time_zone", "Time zone", "text", "off")
            .zone_options()
            .value(&form.time_zone)
            .hint("Where the practice is. Appointments are shown in this zone."),
        Field::new("owner_name", "Your name", "text", "name").value(&form.owner_name),
        Field::new("email", "Email address", "email", "email").value(&form.email).hint("You will sign in with it."),
    ];
    fields.extend(Field::new_password("password", "password_confirm", "Password"));
    for field in &mut fields {
        field.error = errors.get(field.name).map(str::to_string);
    }
    let summary = errors.iter().map(|(field, message)| (field, message.to_string())).collect();
    SetupTemplate { layout, token, fields, summary }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn login_page(layout: Layout, email: &str, error: Option<String>) -> LoginTemplate {
    let fields = vec![
        Field::new("email", "Email address", "email", "username").value(email),
        Field::new("password", "Password", "password", "current-password"),
    ];
    LoginTemplate { layout: layout.at("login"), fields, error, notice: None }
}

pub(crate) async fn login_form(page: Page, Query(done): Query<Done>) -> Result<Response, WebError> {
    if page.actor.is_some() {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    let mut login = login_page(page.layout, "", None);
    // After an invitation was accepted: the same words whoever had an
    // account before (the use case emails those who did).
    if done.done == "joined" {
        login.notice = Some(Notice::success(
            "Thank you. Sign in with your email address and the password you chose. \
             If this address already had an account, use its password: we have emailed you how to join.",
        ));
    }
    Ok(render(&login)?.into_response())
}

pub(crate) async fn login_submit(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    match state.app.identity().login(&form.email, &form.password, &page.ip).await {
        Ok(session) => {
            // The session this browser had before ends: one browser, one session.
            if let Some(previous) = &page.actor {
                state.app.identity().logout(previous).await?;
            }
            Ok(signed_in_redirect(&state, session))
        }
        Err(AppError::InvalidCredentials) => {
            let message = "Email address or password is incorrect.";
            let html = render(&login_page(page.layout, &form.email, Some(message.to_string())))?;
            Ok((StatusCode::UNAUTHORIZED, html).into_response())
        }
        Err(limited @ AppError::RateLimited { .. }) => {
            let message = limited.to_string();
            let html = render(&login_page(page.layout, &form.email, Some(message)))?;
            Ok((StatusCode::TOO_MANY_REQUESTS, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn logout(State(state): State<AppState>, page: Page) -> Result<Response, WebError> {
    if let Some(actor) = &page.actor {
        state.app.identity().logout(actor).await?;
    }
    let mut response = Redirect::to("/").into_response();
    append_cookie(&mut response, &cookies::set(&state.web, cookies::SESSION, "", Some(0)));
    append_cookie(&mut response, &cookies::set(&state.web, cookies::CSRF, "", Some(0)));
    Ok(response)
}

/// A new session cookie, and a new anti-forgery token with it (no token
/// from before sign-in survives it).
fn signed_in_redirect(state: &AppState, session: NewSession) -> Response {
    let mut response = Redirect::to("/dashboard").into_response();
    append_cookie(&mut response, &cookies::set(&state.web, cookies::SESSION, &session.token, None));
    let csrf = sensate_app::infra::secrets::new_token();
    append_cookie(&mut response, &cookies::set(&state.web, cookies::CSRF, &csrf, None));
    response
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct EmailForm {
    #[serde(default)]
    email: String,
}

fn forgot_page(layout: Layout, email: &str) -> FormPage {
    FormPage::new(layout, "Forgot your password?", "/forgot-password", "Send reset link")
        .lead("Enter the email address you sign in with. If it belongs to an account, we send a link to choose a new password.")
        .fields(vec![Field::new("email", "Email address", "email", "email").value(email)])
        .link("/login", "Back to sign in")
}

pub(crate) async fn forgot_form(page: Page) -> Result<Response, WebError> {
    Ok(render(&forgot_page(page.layout, ""))?.into_response())
}

pub(crate) async fn forgot_submit(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<EmailForm>,
) -> Result<Response, WebError> {
    state.app.identity().request_password_reset(&form.email, &page.ip).await?;
    let notice = Notice::success(
        "If that address belongs to an account, a reset link is on its way. It works once, for one hour. Check your spam folder if it does not arrive.",
    );
    Ok(render(&forgot_page(page.layout, &form.email).notice(Some(notice)))?.into_response())
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

fn reset_page(layout: Layout, token: &str) -> FormPage {
    FormPage::new(layout, "Choose a new password", "/reset-password", "Save new password")
        .lead("You will be signed out everywhere else.")
        .hidden("token", token)
        .fields(Field::new_password("password", "password_confirm", "New password"))
}

pub(crate) async fn reset_form(page: Page, Query(query): Query<TokenQuery>) -> Result<Response, WebError> {
    Ok(render(&reset_page(page.layout, &query.token))?.into_response())
}

pub(crate) async fn reset_submit(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    match state.app.identity().reset_password(&form.token, &form.password, &form.password_confirm, &page.ip).await {
        Ok(()) => {
            let login = login_page(page.layout, "", None);
            let mut response = render(&LoginTemplate {
                notice: Some(Notice::success("Your password was changed. Sign in with the new one.")),
                ..login
            })?
            .into_response();
            *response.status_mut() = StatusCode::OK;
            Ok(response)
        }
        Err(AppError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &reset_page(page.layout, &form.token).errors(&errors))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct JoinForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

fn join_page(layout: Layout, token: &str, invitation: &sensate_app::identity::invitations::InvitationView) -> FormPage {
    let role = role_phrase(invitation.role);
    FormPage::new(layout, format!("Join {}", invitation.practice_name), "/join", "Create account")
        .lead(format!(
            "Welcome, {}. You were invited to {} {role}. Choose a password for your account ({}).",
            invitation.display_name, invitation.practice_name, invitation.email
        ))
        .hidden("token", token)
        .fields(Field::new_password("password", "password_confirm", "Password"))
}

/// The invitation to someone already signed in: they accept it with the
/// account they are using (the use case checks that it is the invited one).
fn join_signed_in_page(
    layout: Layout,
    token: &str,
    invitation: &sensate_app::identity::invitations::InvitationView,
    actor: &Actor,
) -> FormPage {
    FormPage::new(layout, format!("Join {}", invitation.practice_name), "/join/accept", "Accept invitation")
        .lead(format!(
            "You are signed in as {}. Accept the invitation to join {} {} with this account.",
            actor.display_name,
            invitation.practice_name,
            role_phrase(invitation.role)
        ))
        .hidden("token", token)
}

fn role_phrase(role: Role) -> &'static str {
    match role {
        Role::Client => "as a client",
        Role::Clinician => "as a therapist",
        Role::Admin => "as an administrator",
        Role::Owner => "as an owner",
    }
}

pub(crate) async fn join_form(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<TokenQuery>,
) -> Result<Response, WebError> {
    let Some(invitation) = state.app.identity().invitation(&query.token).await? else {
        return Err(WebError(AppError::LinkInvalid));
    };
    let form = match &page.actor {
        Some(actor) => join_signed_in_page(page.layout, &query.token, &invitation, actor),
        None => join_page(page.layout, &query.token, &invitation),
    };
    Ok(render(&form)?.into_response())
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct AcceptForm {
    #[serde(default)]
    token: String,
}

/// `POST /join/accept`: a signed-in person accepts an invitation to their address.
pub(crate) async fn join_accept(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<AcceptForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    match state.app.identity().accept_invitation_signed_in(&actor, &form.token).await {
        Ok(()) => Ok(Redirect::to("/dashboard?done=joined").into_response()),
        Err(AppError::Invalid(errors)) => {
            let invitation =
                state.app.identity().invitation(&form.token).await?.ok_or(WebError(AppError::LinkInvalid))?;
            let message = errors.get("token").unwrap_or("This invitation cannot be accepted with this account.");
            let refused = join_signed_in_page(layout, &form.token, &invitation, &actor)
                .notice(Some(Notice::error(format!("{message} Nothing was changed."))));
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &refused)
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn join_submit(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<JoinForm>,
) -> Result<Response, WebError> {
    // The use case decides (and audits) first; the page is only needed again for errors.
    match state.app.identity().accept_invitation(&form.token, &form.password, &form.password_confirm, &page.ip).await {
        Ok(()) => Ok(Redirect::to("/login?done=joined").into_response()),
        Err(AppError::Invalid(errors)) => {
            let invitation =
                state.app.identity().invitation(&form.token).await?.ok_or(WebError(AppError::LinkInvalid))?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &join_page(page.layout, &form.token, &invitation).errors(&errors),
            )
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "identity/auth/login.html")]
pub(crate) struct LoginTemplate {
    pub layout: Layout,
    pub fields: Vec<Field>,
    pub error: Option<String>,
    pub notice: Option<Notice>,
}

#[derive(Template)]
#[template(path = "identity/auth/setup.html")]
pub(crate) struct SetupTemplate {
    pub layout: Layout,
    pub token: String,
    pub fields: Vec<Field>,
    /// Errors to list in the summary at the top: (field id, message).
    pub summary: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "identity/auth/setup_invalid.html")]
pub(crate) struct SetupInvalidTemplate {
    pub layout: Layout,
}
