//! HTML pages, by area.
pub(crate) mod auth;
pub(crate) mod clinic;
pub(crate) mod public;

use askama::Template;
use axum::response::Html;

use crate::error::WebError;

pub(crate) fn render(template: &impl Template) -> Result<Html<String>, WebError> {
    Ok(Html(template.render()?))
}
