//! Pages for visitors: what sex therapy is, how it works, privacy.
use axum::response::{IntoResponse, Response};

use super::render;
use crate::context::Page;
use crate::error::{ErrorPage, WebError};
use crate::templates::{HomeTemplate, HowItWorksTemplate, PrivacyTemplate};

pub(crate) async fn home(page: Page) -> Result<Response, WebError> {
    Ok(render(&HomeTemplate {
        layout: page.layout.at("home"),
    })?
    .into_response())
}

pub(crate) async fn how_it_works(page: Page) -> Result<Response, WebError> {
    Ok(render(&HowItWorksTemplate {
        layout: page.layout.at("how"),
    })?
    .into_response())
}

pub(crate) async fn privacy(page: Page) -> Result<Response, WebError> {
    Ok(render(&PrivacyTemplate {
        layout: page.layout.at("privacy"),
    })?
    .into_response())
}

pub(crate) async fn not_found() -> Response {
    ErrorPage::not_found().into_response()
}
