//! Pages for visitors: what sex therapy is, how it works, the self-check, privacy.
use askama::Template;
use axum::response::{IntoResponse, Response};
use sensate_app::directory::search::reference_data;

use crate::context::Page;
use crate::error::{ErrorPage, WebError};
use crate::ui::{Choice, Layout, render};

pub(crate) async fn home(page: Page) -> Result<Response, WebError> {
    Ok(render(&HomeTemplate { layout: page.layout.at("home") })?.into_response())
}

pub(crate) async fn how_it_works(page: Page) -> Result<Response, WebError> {
    Ok(render(&HowItWorksTemplate { layout: page.layout.at("how") })?.into_response())
}

/// "Is sex therapy right for me?". The answers stay in the browser: the
/// questions that map to filters are a plain search form, the others belong
/// to no form at all, and the page sets no cookie.
pub(crate) async fn self_check(page: Page) -> Result<Response, WebError> {
    let reference = reference_data()?;
    let options = |any: &str, values: Vec<(String, String)>| -> Vec<Choice> {
        std::iter::once((String::new(), any.to_string()))
            .chain(values)
            .map(|(value, label)| Choice { value, label, selected: false })
            .collect()
    };
    let template = SelfCheckTemplate {
        layout: page.layout.at("self-check"),
        concerns: options(
            "Not sure yet",
            reference.concerns().iter().map(|c| (c.slug.clone(), c.name.clone())).collect(),
        ),
        states: options(
            "Choose your state",
            reference.jurisdictions().iter().map(|j| (j.code.clone(), j.name.clone())).collect(),
        ),
    };
    Ok(render(&template)?.into_response())
}

pub(crate) async fn privacy(page: Page) -> Result<Response, WebError> {
    Ok(render(&PrivacyTemplate { layout: page.layout.at("privacy") })?.into_response())
}

pub(crate) async fn not_found() -> Response {
    ErrorPage::not_found().into_response()
}

/// A page or API route asked with a method it does not answer; the router
/// adds the `Allow` header naming the ones it does.
pub(crate) async fn method_not_allowed() -> Response {
    ErrorPage::method_not_allowed().into_response()
}

/// The living design system: every component, rendered by the stylesheet
/// pages use. Demo only: a practice's own server has no use for it.
pub(crate) async fn design(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    page: Page,
) -> Result<Response, WebError> {
    if !state.app.config().demo {
        return Ok(ErrorPage::not_found().into_response());
    }
    Ok(render(&DesignTemplate { layout: page.layout })?.into_response())
}

/// The demo's outbox: mail that would have been sent. Absent outside the demo.
pub(crate) async fn outbox(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    page: Page,
) -> Result<Response, WebError> {
    let Some(outbox) = &state.outbox else {
        return Ok(ErrorPage::not_found().into_response());
    };
    let mails = outbox
        .list()
        .into_iter()
        .rev()
        .map(|mail| {
            (
                mail.sent_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                mail.email.to.clone(),
                mail.email.subject.clone(),
                mail.email.text.clone(),
            )
        })
        .collect();
    Ok(render(&OutboxTemplate { layout: page.layout, mails })?.into_response())
}

#[derive(Template)]
#[template(path = "public/home.html")]
pub(crate) struct HomeTemplate {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "public/how_it_works.html")]
pub(crate) struct HowItWorksTemplate {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "public/privacy.html")]
pub(crate) struct PrivacyTemplate {
    pub layout: Layout,
}

/// "Is sex therapy right for me?": the questions that map to search filters
/// offer the reference data's concerns and states.
#[derive(Template)]
#[template(path = "public/self_check.html")]
pub(crate) struct SelfCheckTemplate {
    pub layout: Layout,
    pub concerns: Vec<Choice>,
    pub states: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "public/design.html")]
pub(crate) struct DesignTemplate {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "public/outbox.html")]
pub(crate) struct OutboxTemplate {
    pub layout: Layout,
    /// (sent at, to, subject, text)
    pub mails: Vec<(String, String, String, String)>,
}
