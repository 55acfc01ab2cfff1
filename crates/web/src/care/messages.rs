//! Secure messages: a client's threads (`/me/messages`, one per open case)
//! and the care team's view of a case's thread (`/cases/{id}/messages`).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;
use sensate_app::care::messages::Thread;
use sensate_domain::{CaseId, FieldErrors};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::ui::{Done, Layout, Notice, path_id, render_status};

pub(crate) struct MessageRow {
    pub author: String,
    pub by_team: bool,
    pub audience: String,
    pub when: String,
    pub body: String,
    /// For the care team: "Read by Robin".
    pub read_by: String,
}

#[derive(Template)]
#[template(path = "care/thread.html")]
pub(crate) struct ThreadTemplate {
    pub layout: Layout,
    /// Where the form posts, and where the page is.
    pub action: String,
    pub with: String,
    pub messages: Vec<MessageRow>,
    pub audiences: Vec<(String, String, bool)>,
    pub note: Option<&'static str>,
    pub body: String,
    pub notice: Option<Notice>,
    pub errors: FieldErrors,
    /// Back to the case page, for the care team.
    pub back: Option<String>,
}

impl ThreadTemplate {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// Where a thread's page is and where it leads back to (for the care team).
struct Addresses {
    action: String,
    back: Option<String>,
}

fn thread_page(
    thread: Thread,
    addresses: Addresses,
    layout: Layout,
    zone: &jiff::tz::TimeZone,
    typed: (&str, &str),
    notice: Option<Notice>,
    errors: FieldErrors,
) -> ThreadTemplate {
    let (to, body) = typed;
    let Addresses { action, back } = addresses;
    ThreadTemplate {
        action,
        with: thread.clients.join(" & "),
        messages: thread
            .messages
            .iter()
            .map(|m| MessageRow {
                author: m.author_name.clone(),
                by_team: m.by_team,
                audience: m.audience.clone(),
                when: layout.locale.when(m.sent_at, zone),
                body: m.body.clone(),
                read_by: if m.read_by.is_empty() {
                    String::new()
                } else {
                    format!("Read by {}", m.read_by.join(" and "))
                },
            })
            .collect(),
        audiences: thread
            .audiences
            .iter()
            .enumerate()
            .map(|(n, (value, label))| (value.clone(), label.clone(), if to.is_empty() { n == 0 } else { value == to }))
            .collect(),
        note: thread.note,
        body: body.to_string(),
        notice,
        errors,
        back,
        layout: layout.at("messages"),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct MessageForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    body: String,
}

fn sent_notice(done: &Done) -> Option<Notice> {
    (done.done == "sent").then(|| Notice::success("Sent. The people it is for get an email that a message waits."))
}

pub(crate) struct ThreadLink {
    pub href: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "care/my_threads.html")]
pub(crate) struct MyThreadsTemplate {
    pub layout: Layout,
    pub threads: Vec<ThreadLink>,
}

/// `GET /me/messages`
pub(crate) async fn mine(State(state): State<AppState>, page: Page) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let threads = state
        .app
        .care()
        .my_threads(&actor)
        .await?
        .into_iter()
        .map(|case| ThreadLink {
            href: format!("/me/messages/{}", case.id),
            label: format!("With {}", case.primary_name),
        })
        .collect();
    render_status(StatusCode::OK, &MyThreadsTemplate { layout: layout.at("messages"), threads })
}

async fn show_thread(state: &AppState, page: Page, case: &str, staff: bool, done: Done) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let case: CaseId = path_id(case)?;
    let thread = state.app.care().thread(&actor, case).await?;
    let page = thread_page(
        thread,
        addresses(case, staff),
        layout,
        &actor.practice_zone(),
        ("", ""),
        sent_notice(&done),
        FieldErrors::new(),
    );
    render_status(StatusCode::OK, &page)
}

fn addresses(case: CaseId, staff: bool) -> Addresses {
    if staff {
        Addresses { action: format!("/cases/{case}/messages"), back: Some(format!("/cases/{case}")) }
    } else {
        Addresses { action: format!("/me/messages/{case}"), back: None }
    }
}

async fn send(state: &AppState, page: Page, case: &str, staff: bool, form: MessageForm) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let case: CaseId = path_id(case)?;
    let addresses = addresses(case, staff);
    match state.app.care().send_message(&actor, case, &form.to, &form.body).await {
        Ok(()) => Ok(Redirect::to(&format!("{}?done=sent", addresses.action)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let thread = state.app.care().thread(&actor, case).await?;
            let notice = Some(Notice::error("Nothing was sent. See the message below; what you wrote is kept."));
            let zone = actor.practice_zone();
            let page = thread_page(thread, addresses, layout, &zone, (&form.to, &form.body), notice, errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /me/messages/{case}`
pub(crate) async fn my_thread(
    State(state): State<AppState>,
    page: Page,
    Path(case): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    show_thread(&state, page, &case, false, done).await
}

/// `POST /me/messages/{case}`
pub(crate) async fn my_send(
    State(state): State<AppState>,
    page: Page,
    Path(case): Path<String>,
    Form(form): Form<MessageForm>,
) -> Result<Response, WebError> {
    send(&state, page, &case, false, form).await
}

/// `GET /cases/{id}/messages`
pub(crate) async fn case_thread(
    State(state): State<AppState>,
    page: Page,
    Path(case): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    show_thread(&state, page, &case, true, done).await
}

/// `POST /cases/{id}/messages`
pub(crate) async fn case_send(
    State(state): State<AppState>,
    page: Page,
    Path(case): Path<String>,
    Form(form): Form<MessageForm>,
) -> Result<Response, WebError> {
    send(&state, page, &case, true, form).await
}
