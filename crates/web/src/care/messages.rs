//! Secure messages: a client's threads (`/me/messages`, one per open case)
//! and the care team's view of a case's thread (`/cases/{id}/messages`).
use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;
use sensate_app::care::messages::{Thread, Upload};
use sensate_domain::{CaseId, FieldErrors};

use crate::AppState;
use crate::context::Page;
use crate::error::{ErrorPage, WebError};
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
    /// (download address, "scan.jpg · 240 KB").
    pub attachment: Option<(String, String)>,
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
                attachment: m.attachment.as_ref().map(|a| {
                    (format!("/messages/attachments/{}", a.id), format!("{} · {}", a.name, size_text(a.size_bytes)))
                }),
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

/// A message as the form sends it: `multipart/form-data` with a file, or a
/// plain form (the same fields, no file).
#[derive(Default)]
pub(crate) struct MessageForm {
    to: String,
    body: String,
    attachment: Option<Upload>,
}

impl FromRequest<AppState> for MessageForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let multipart = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state).await?;
            let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
            return Ok(MessageForm { to: one("to"), body: one("body"), attachment: None });
        }
        let mut parts =
            Multipart::from_request(request, state).await.map_err(|_| ErrorPage::unprocessable().into_response())?;
        let mut form = MessageForm::default();
        while let Ok(Some(field)) = parts.next_field().await {
            match field.name() {
                Some("to") => form.to = field.text().await.unwrap_or_default(),
                Some("body") => form.body = field.text().await.unwrap_or_default(),
                Some("attachment") => {
                    let name = field.file_name().unwrap_or_default().to_string();
                    let bytes = field.bytes().await.map_err(|_| ErrorPage::too_large().into_response())?;
                    if !bytes.is_empty() {
                        form.attachment = Some(Upload { name, bytes: bytes.to_vec() });
                    }
                }
                _ => {}
            }
        }
        Ok(form)
    }
}

/// "240 KB", "1.3 MB".
fn size_text(bytes: i64) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KB", (bytes + 1023) / 1024)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
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
    match state.app.care().send_message(&actor, case, &form.to, &form.body, form.attachment).await {
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
    form: MessageForm,
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
    form: MessageForm,
) -> Result<Response, WebError> {
    send(&state, page, &case, true, form).await
}

/// `GET /messages/attachments/{id}`: an attached file, for those who see
/// its message, as a download (never shown inside Sensate's pages).
pub(crate) async fn attachment(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (actor, _) = page.signed_in()?;
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let file = state.app.care().attachment(&actor, id).await?;
    let encoded: String =
        percent_encoding::utf8_percent_encode(&file.name, percent_encoding::NON_ALPHANUMERIC).to_string();
    let disposition =
        format!("attachment; filename=\"attachment.{}\"; filename*=UTF-8''{encoded}", extension(&file.content_type));
    Ok((
        [
            (CONTENT_TYPE, file.content_type),
            (CONTENT_DISPOSITION, disposition),
            (CACHE_CONTROL, "private, no-store".to_string()),
        ],
        file.bytes,
    )
        .into_response())
}

fn extension(content_type: &str) -> &'static str {
    if content_type == "application/pdf" { "pdf" } else { "jpg" }
}
