//! A clinician's private calendar feed: the page that makes and revokes its
//! secret address, and the feed itself (`/calendar/{token}`), which calendar
//! apps poll without signing in.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;

use crate::ui::{Done, Layout, Notice, render};

async fn page(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    notice: Option<Notice>,
    address: Option<String>,
) -> Result<Response, WebError> {
    let since = state.app.scheduling().calendar_feed_since(actor).await?;
    let zone = actor.practice_zone();
    let locale = layout.locale;
    let template = CalendarFeedTemplate {
        layout: layout.at("calendar"),
        notice,
        since: since.map(|at| locale.when(at, &zone)),
        address,
    };
    Ok(render(&template)?.into_response())
}

pub(crate) async fn show(
    State(state): State<AppState>,
    page_: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page_.signed_in()?;
    let notice = (done.done == "revoked")
        .then(|| Notice::success("The feed address was revoked; calendars using it get nothing more."));
    page(&state, &actor, layout, notice, None).await
}

/// Makes a new address and shows it, once, on this answer: it is never put
/// in a redirect, a log or the database (only its hash is kept).
pub(crate) async fn create(State(state): State<AppState>, page_: Page) -> Result<Response, WebError> {
    let (actor, layout) = page_.signed_in()?;
    let token = state.app.scheduling().new_calendar_feed(&actor).await?;
    let address = format!("{}/calendar/{token}", state.web.base_url.trim_end_matches('/'));
    let notice = Some(Notice::success("A new feed address was made. Any earlier address no longer works."));
    page(&state, &actor, layout, notice, Some(address)).await
}

pub(crate) async fn revoke(State(state): State<AppState>, page_: Page) -> Result<Response, WebError> {
    let (actor, _) = page_.signed_in()?;
    state.app.scheduling().revoke_calendar_feed(&actor).await?;
    Ok(Redirect::to("/calendar-feed?done=revoked").into_response())
}

/// `GET /calendar/{token}`: the iCalendar feed, for calendar apps.
pub(crate) async fn feed(
    State(state): State<AppState>,
    page_: Page,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let ics = state.app.scheduling().calendar_feed(&token, &page_.ip).await?.ok_or(WebError(AppError::NotFound))?;
    Ok(([(CONTENT_TYPE, "text/calendar; charset=utf-8"), (CACHE_CONTROL, "private, no-store")], ics).into_response())
}

#[derive(Template)]
#[template(path = "scheduling/calendar_feed/page.html")]
pub(crate) struct CalendarFeedTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    /// When the current address was made, in the practice's zone.
    pub since: Option<String>,
    /// A new address, shown only on the answer that made it.
    pub address: Option<String>,
}
