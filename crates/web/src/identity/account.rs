//! The signed-in person's own account: the second sign-in step, password,
//! and (for clients) their contact preferences.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::qr::qr_svg;
use crate::ui::{Done, Field, FormPage, Layout, Notice, render, render_status};

#[derive(serde::Deserialize, Default)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Enrolment (first time) or the code prompt (every sign-in).
pub(crate) async fn mfa(State(state): State<AppState>, page: Page) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in_before_mfa()?;
    if !actor.is_staff() || actor.mfa_verified {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    if state.app.identity().mfa_enrolled(&actor).await? {
        let demo_code = state.app.identity().demo_mfa_code(&actor).await?;
        return Ok(render(&verify_page(layout, None, demo_code))?.into_response());
    }
    enrol_page(&state, &actor, layout, None).await
}

async fn enrol_page(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    error: Option<String>,
) -> Result<Response, WebError> {
    let enrolment = state.app.identity().begin_mfa_enrolment(actor).await?;
    let qr = qr_svg(&enrolment.otpauth_uri).map_err(|e| WebError(AppError::Internal(e.to_string())))?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(status, &MfaEnrolTemplate { layout, qr_svg: qr, secret: enrolment.secret_base32, error })
}

fn verify_page(layout: Layout, errors: Option<&sensate_domain::FieldErrors>, demo_code: Option<String>) -> FormPage {
    let page = FormPage::new(layout, "Confirm it is you", "/mfa/verify", "Continue")
        .lead("Enter the 6-digit code from your authenticator app. If you do not have your phone, enter one of your recovery codes.")
        .notice(demo_code.map(|code| Notice::info(format!("Demo: the current code for this fictional account is {code}."))))
        .fields(vec![Field::new("code", "Code", "text", "one-time-code")]);
    match errors {
        Some(errors) => page.errors(errors),
        None => page,
    }
}

pub(crate) async fn mfa_enrol(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in_before_mfa()?;
    match state.app.identity().confirm_mfa_enrolment(&actor, &form.code).await {
        Ok(codes) => Ok(render(&RecoveryCodesTemplate { layout, codes })?.into_response()),
        Err(AppError::Invalid(errors)) => {
            enrol_page(&state, &actor, layout, errors.get("code").map(str::to_string)).await
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn mfa_verify(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in_before_mfa()?;
    match state.app.identity().verify_mfa(&actor, &form.code).await {
        Ok(()) => Ok(Redirect::to("/dashboard").into_response()),
        Err(AppError::Invalid(errors)) => {
            let demo_code = state.app.identity().demo_mfa_code(&actor).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &verify_page(layout, Some(&errors), demo_code))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_confirm: String,
}

fn password_page(layout: Layout) -> FormPage {
    FormPage::new(layout, "Change your password", "/account/password", "Change password")
        .lead("Your other sessions end when the password changes; this one stays signed in.")
        .fields(
            [
                vec![Field::new("current_password", "Current password", "password", "current-password")],
                Field::new_password("new_password", "new_password_confirm", "New password"),
            ]
            .concat(),
        )
}

pub(crate) async fn password_form(page: Page, Query(done): Query<Done>) -> Result<Response, WebError> {
    let (_, layout) = page.signed_in()?;
    let notice = (done.done == "password").then(|| Notice::success("Your password was changed."));
    Ok(render(&password_page(layout).notice(notice))?.into_response())
}

pub(crate) async fn password_submit(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    match state
        .app
        .identity()
        .change_password(&actor, &form.current_password, &form.new_password, &form.new_password_confirm)
        .await
    {
        Ok(()) => Ok(Redirect::to("/account/password?done=password").into_response()),
        Err(AppError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &password_page(layout).errors(&errors))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct ContactForm {
    #[serde(default)]
    pub contact_preferences: String,
}

/// The contact-preferences field, worded for whoever fills it in: the
/// client themselves, or staff recording what the client said.
pub(crate) fn contact_fields(value: &str, by_client: bool) -> Vec<Field> {
    let hint = if by_client {
        "How and when the practice may reach you, for example “Email only; no voicemail.” Stored encrypted."
    } else {
        "How and when the client said the practice may reach them, for example “Email only; no voicemail.” Stored encrypted."
    };
    vec![Field::new("contact_preferences", "Contact preferences", "textarea", "off").value(value).optional().hint(hint)]
}

fn my_contact_page(layout: Layout, value: &str) -> FormPage {
    FormPage::new(layout, "Your contact preferences", "/me/contact", "Save")
        .lead("Tell your practice how you would like to be contacted. Only you, your therapist and the practice's staff can see this.")
        .fields(contact_fields(value, true))
}

pub(crate) async fn my_contact(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let current = state.app.clients().my_contact_preferences(&actor).await?.unwrap_or_default();
    let notice = (done.done == "contact").then(|| Notice::success("Saved."));
    Ok(render(&my_contact_page(layout, &current).notice(notice))?.into_response())
}

pub(crate) async fn my_contact_submit(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<ContactForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    match state.app.clients().set_contact_preferences(&actor, actor.user_id, &form.contact_preferences).await {
        Ok(()) => Ok(Redirect::to("/me/contact?done=contact").into_response()),
        Err(AppError::Invalid(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &my_contact_page(layout, &form.contact_preferences).errors(&errors),
        ),
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct PracticeChoice {
    #[serde(default)]
    practice: String,
}

/// One practice a person has a role in, as the switcher lists it.
pub(crate) struct PracticeCard {
    id: String,
    name: String,
    /// Their roles there, e.g. "Owner, Therapist".
    roles: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "identity/account/practices.html")]
pub(crate) struct PracticesTemplate {
    layout: Layout,
    practices: Vec<PracticeCard>,
    notice: Option<Notice>,
}

/// The practices a person has a role in, and which one they work in.
pub(crate) async fn practices(page: Page, Query(done): Query<Done>) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let here = actor.acting_practice();
    let practices = actor
        .practices()
        .into_iter()
        .map(|(id, name)| PracticeCard {
            id: id.to_string(),
            name: name.to_string(),
            roles: actor.roles_in(id).iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
            current: Some(id) == here,
        })
        .collect();
    let notice = (done.done == "practice").then(|| {
        let name = actor.acting_membership().map(|m| m.practice_name.as_str()).unwrap_or_default();
        Notice::success(format!("You are now working in {name}."))
    });
    Ok(render(&PracticesTemplate { layout, practices, notice })?.into_response())
}

/// Works in the chosen practice from now on (this session).
pub(crate) async fn choose_practice(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<PracticeChoice>,
) -> Result<Response, WebError> {
    let (actor, _) = page.signed_in()?;
    // Not an id, or not one of theirs: the same answer, as for any record
    // that is not the person's to know about.
    let practice: sensate_domain::PracticeId = form.practice.parse().map_err(|_| WebError(AppError::NotFound))?;
    match state.app.identity().act_in(&actor, practice).await {
        Ok(()) => Ok(Redirect::to("/account/practice?done=practice").into_response()),
        Err(AppError::Forbidden) => Err(WebError(AppError::NotFound)),
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "identity/account/mfa_enrol.html")]
pub(crate) struct MfaEnrolTemplate {
    pub layout: Layout,
    pub qr_svg: String,
    pub secret: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "identity/account/recovery_codes.html")]
pub(crate) struct RecoveryCodesTemplate {
    pub layout: Layout,
    pub codes: Vec<String>,
}
