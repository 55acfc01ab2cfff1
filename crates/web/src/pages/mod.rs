//! HTML pages, by area.
pub(crate) mod account;
pub(crate) mod admin;
pub(crate) mod appointments;
pub(crate) mod auth;
pub(crate) mod availability;
pub(crate) mod booking;
pub(crate) mod calendar;
pub(crate) mod calendar_feed;
pub(crate) mod clinic;
pub(crate) mod directory;
pub(crate) mod new_appointment;
pub(crate) mod profiles;
pub(crate) mod public;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::WebError;

pub(crate) fn render(template: &impl Template) -> Result<Html<String>, WebError> {
    Ok(Html(template.render()?))
}

pub(crate) fn render_status(status: StatusCode, template: &impl Template) -> Result<Response, WebError> {
    Ok((status, render(template)?).into_response())
}

/// An id from the path. One that does not parse names nothing: 404, like an
/// unknown one.
pub(crate) fn path_id<T: std::str::FromStr>(id: &str) -> Result<T, WebError> {
    id.parse().map_err(|_| WebError(sensate_app::AppError::NotFound))
}

/// A UTC instant as a page shows it, in a zone.
pub(crate) fn local_time(at: jiff::Timestamp, zone: &str) -> String {
    match jiff::tz::TimeZone::get(zone) {
        Ok(zone) => sensate_domain::scheduling::format_local(at, &zone),
        Err(_) => at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
    }
}
