//! Consents in the portal (`/me/consents`: what to sign, signing, what was
//! signed), a signed copy (`/consents/signed/{id}`, for its signer, those
//! who treat them and the front desk), and the practice's documents
//! (`/consents`, owners and admins publish their own versions).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::care::consents::{ConsentRequest, CurrentDocument, Signature};
use sensate_app::{Actor, AppError};
use sensate_domain::care::consent::{ConsentKind, SIGNING_STATEMENT};
use sensate_domain::{FieldErrors, SignatureId};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::pdf::{self, Block, Printable};
use crate::ui::{Done, Layout, Notice, path_id, render_status};

/// The page where the consent with `key` ([`ConsentRequest::key`]) is signed.
pub(crate) fn sign_href(key: &str) -> String {
    format!("/me/consents/sign?key={}", key.replace(':', "%3A"))
}

/// A signed consent in a list: (its copy's address, "Signed … (version n)").
pub(crate) fn signed_line(request: &ConsentRequest, layout: &Layout, zone: &jiff::tz::TimeZone) -> (String, String) {
    let Some(signature) = &request.signed else { return (String::new(), String::new()) };
    let version = match signature.version {
        0 => "Sensate's text".to_string(),
        n => format!("version {n}"),
    };
    let mut line = format!("Signed {} ({version})", layout.locale.when(signature.signed_at, zone));
    if let Some(at) = signature.revoked_at {
        line.push_str(&format!("; revoked {}", layout.locale.when(at, zone)));
    }
    (format!("/consents/signed/{}", signature.id), line)
}

pub(crate) struct ConsentRow {
    pub title: String,
    pub href: String,
    /// "Signed …" once signed, else empty.
    pub signed: String,
    pub signed_before: bool,
}

#[derive(Template)]
#[template(path = "care/my_consents.html")]
pub(crate) struct MyConsentsTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub to_sign: Vec<ConsentRow>,
    pub signed: Vec<ConsentRow>,
}

/// `GET /me/consents`
pub(crate) async fn mine(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let requests = state.app.care().my_consents(&actor).await?;
    let zone = actor.practice_zone();
    let (signed, to_sign): (Vec<_>, Vec<_>) = requests.iter().partition(|r| r.signed.is_some());
    let row = |r: &&ConsentRequest| {
        let (href, line) = match &r.signed {
            Some(_) => signed_line(r, &layout, &zone),
            None => (sign_href(&r.key()), String::new()),
        };
        ConsentRow { title: r.title.clone(), href, signed: line, signed_before: r.signed_before }
    };
    let template = MyConsentsTemplate {
        notice: (done.done == "signed").then(|| Notice::success("Signed. A copy is kept below.")),
        to_sign: to_sign.iter().map(row).collect(),
        signed: signed.iter().map(row).collect(),
        layout: layout.at("consents"),
    };
    render_status(StatusCode::OK, &template)
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct KeyQuery {
    #[serde(default)]
    key: String,
}

#[derive(Template)]
#[template(path = "care/sign.html")]
pub(crate) struct SignTemplate {
    pub layout: Layout,
    pub key: String,
    pub title: String,
    /// The text, paragraph by paragraph.
    pub paragraphs: Vec<String>,
    pub statement: &'static str,
    pub typed_name: String,
    pub signed_before: bool,
    pub errors: FieldErrors,
    pub notice: Option<Notice>,
}

impl SignTemplate {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

fn sign_page(request: &ConsentRequest, layout: Layout, typed_name: &str, errors: FieldErrors) -> SignTemplate {
    let notice = (!errors.is_empty()).then(|| Notice::error("Nothing was signed. See the message below."));
    SignTemplate {
        layout: layout.at("consents"),
        key: request.key(),
        title: request.title.clone(),
        paragraphs: request.text.split("\n\n").skip(1).map(str::to_string).collect(),
        statement: SIGNING_STATEMENT,
        typed_name: typed_name.to_string(),
        signed_before: request.signed_before,
        errors,
        notice,
    }
}

async fn request_for(state: &AppState, actor: &sensate_app::Actor, key: &str) -> Result<ConsentRequest, WebError> {
    let requests = state.app.care().my_consents(actor).await?;
    requests.into_iter().find(|r| r.key() == key && r.signed.is_none()).ok_or(WebError(AppError::NotFound))
}

/// `GET /me/consents/sign?key=…`: the document, and the form to sign it.
pub(crate) async fn sign_form(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<KeyQuery>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let request = request_for(&state, &actor, &query.key).await?;
    render_status(StatusCode::OK, &sign_page(&request, layout, "", FieldErrors::new()))
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct SignForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    typed_name: String,
    #[serde(default)]
    intent: Option<String>,
}

/// `POST /me/consents/sign`
pub(crate) async fn sign(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Form(form): Form<SignForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let outcome = state.app.care().sign(&actor, &form.key, &form.typed_name, form.intent.is_some(), user_agent).await;
    match outcome {
        Ok(_) => Ok(Redirect::to("/me/consents?done=signed").into_response()),
        Err(AppError::Invalid(errors)) => {
            // Signed meanwhile, the page lists it as signed instead.
            let Ok(request) = request_for(&state, &actor, &form.key).await else {
                return Ok(Redirect::to("/me/consents?done=signed").into_response());
            };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &sign_page(&request, layout, &form.typed_name, errors))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "care/signed.html")]
pub(crate) struct SignedTemplate {
    pub layout: Layout,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub typed_name: String,
    pub when: String,
    pub version: String,
    pub sha256: String,
    pub ip: String,
    pub user_agent: String,
    pub recently_verified: bool,
    pub pdf_href: String,
    /// "Revoked …" for a revoked release; else empty.
    pub revoked: String,
    /// The viewer signed this release and it is in force: they may revoke it.
    pub revoke_href: Option<String>,
    pub notice: Option<Notice>,
}

/// `GET /consents/signed/{id}`: a signed consent's frozen copy.
pub(crate) async fn signed_copy(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let id: SignatureId = path_id(&id)?;
    let signature = state.app.care().signed_copy(&actor, id).await?;
    let mut template = signed_view(&signature, &actor, layout.at(""));
    if done.done == "revoked" {
        template.notice = Some(Notice::success("Revoked. The practice shares nothing more under this release."));
    }
    render_status(StatusCode::OK, &template)
}

/// `POST /consents/signed/{id}/revoke`: the signer revokes a release.
pub(crate) async fn revoke(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (actor, _) = page.signed_in()?;
    let id: SignatureId = path_id(&id)?;
    state.app.care().revoke(&actor, id).await?;
    Ok(Redirect::to(&format!("/consents/signed/{id}?done=revoked")).into_response())
}

/// `GET /consents/signed/{id}/pdf`: the same copy as a PDF to download,
/// keep or print. Its file name and title name no service or concern.
pub(crate) async fn signed_pdf(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let id: SignatureId = path_id(&id)?;
    let signature = state.app.care().signed_copy(&actor, id).await?;
    let view = signed_view(&signature, &actor, layout);
    let now = state.app.now();
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&view.printable(), now))
        .await
        .map_err(|e| AppError::Internal(format!("PDF task: {e}")))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let date = signature.signed_at.to_zoned(actor.practice_zone()).date();
    let disposition = format!("attachment; filename=\"signed-document-{date}.pdf\"");
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

fn signed_view(signature: &Signature, actor: &Actor, layout: Layout) -> SignedTemplate {
    let zone = actor.practice_zone();
    let mut parts = signature.signed_text.split("\n\n");
    let title = parts.next().unwrap_or_default().to_string();
    SignedTemplate {
        title,
        paragraphs: parts.map(str::to_string).collect(),
        typed_name: signature.typed_name.clone(),
        when: layout.locale.when(signature.signed_at, &zone),
        version: match signature.version {
            0 => "Sensate's text".to_string(),
            n => format!("The practice's version {n}"),
        },
        sha256: signature.text_sha256.clone(),
        ip: signature.ip.clone(),
        user_agent: signature.user_agent.clone(),
        recently_verified: signature.recently_verified,
        pdf_href: format!("/consents/signed/{}/pdf", signature.id),
        revoked: signature.revoked_at.map(|at| layout.locale.when(at, &zone)).unwrap_or_default(),
        revoke_href: (signature.kind == ConsentKind::Release
            && signature.revoked_at.is_none()
            && signature.signer == actor.user_id)
            .then(|| format!("/consents/signed/{}/revoke", signature.id)),
        notice: None,
        layout,
    }
}

impl SignedTemplate {
    /// How the signature was made, in the page's and the PDF's words.
    fn how(&self) -> String {
        let mut how = "Typed name and a confirmed statement of intent".to_string();
        if self.recently_verified {
            how.push_str(", in a session signed in minutes before");
        }
        how
    }

    /// The same content as the page, to print.
    fn printable(&self) -> Printable {
        let mut blocks = vec![Block::Title(self.title.clone())];
        blocks.extend(self.paragraphs.iter().cloned().map(Block::Paragraph));
        blocks.push(Block::Heading("Signature".into()));
        blocks.push(Block::Field("Signed by".into(), self.typed_name.clone()));
        blocks.push(Block::Field("When".into(), self.when.clone()));
        blocks.push(Block::Field("Text".into(), self.version.clone()));
        blocks.push(Block::Field("How".into(), self.how()));
        if !self.revoked.is_empty() {
            blocks.push(Block::Field("Revoked by the signer".into(), self.revoked.clone()));
        }
        let from =
            if self.user_agent.is_empty() { self.ip.clone() } else { format!("{} · {}", self.ip, self.user_agent) };
        blocks.push(Block::Field("From".into(), from));
        blocks.push(Block::Field("Fingerprint of the text (SHA-256)".into(), self.sha256.clone()));
        blocks.push(Block::Note(
            "The fingerprint is computed from the text as signed. Any change to the text gives another fingerprint."
                .into(),
        ));
        Printable {
            title: "Signed document".into(),
            footer: format!("Signed document · {}", self.sha256.get(..12).unwrap_or_default()),
            blocks,
        }
    }
}

pub(crate) struct DocumentRow {
    pub kind: &'static str,
    /// The title as it reads now, for the heading.
    pub heading: String,
    /// The title and text in the form: as they read now, or as typed.
    pub title: String,
    pub body: String,
    pub version: String,
}

#[derive(Template)]
#[template(path = "care/documents.html")]
pub(crate) struct DocumentsTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub documents: Vec<DocumentRow>,
    /// The kind whose form was sent with mistakes, and them.
    pub failed: Option<(&'static str, FieldErrors)>,
}

impl DocumentsTemplate {
    fn error(&self, kind: &str, field: &str) -> Option<&str> {
        self.failed.as_ref().filter(|(k, _)| *k == kind).and_then(|(_, errors)| errors.get(field))
    }
}

fn documents_page(
    documents: Vec<CurrentDocument>,
    layout: Layout,
    notice: Option<Notice>,
    failed: Option<(&'static str, FieldErrors, String, String)>,
) -> DocumentsTemplate {
    let rows = documents
        .into_iter()
        .map(|d| {
            let typed = failed.as_ref().filter(|(kind, ..)| *kind == d.kind.key());
            DocumentRow {
                kind: d.kind.key(),
                heading: d.title.clone(),
                title: typed.map_or(d.title.clone(), |(_, _, title, _)| title.clone()),
                body: typed.map_or(d.body.clone(), |(_, _, _, body)| body.clone()),
                version: match d.version {
                    0 => "Sensate's text (not edited yet)".to_string(),
                    n => format!("Version {n}"),
                },
            }
        })
        .collect();
    DocumentsTemplate {
        layout: layout.at("consents"),
        notice,
        documents: rows,
        failed: failed.map(|(kind, errors, ..)| (kind, errors)),
    }
}

/// `GET /consents`: the practice's documents as they read now.
pub(crate) async fn documents(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let documents = state.app.care().practice_documents(&actor).await?;
    let notice =
        (done.done == "published").then(|| Notice::success("Published. Clients are asked to sign the new version."));
    render_status(StatusCode::OK, &documents_page(documents, layout, notice, None))
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct PublishForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// `POST /consents/{kind}`: publishes a new version.
pub(crate) async fn publish(
    State(state): State<AppState>,
    page: Page,
    Path(kind): Path<String>,
    Form(form): Form<PublishForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    match state.app.care().publish(&actor, &kind, &form.title, &form.body).await {
        Ok(_) => Ok(Redirect::to("/consents?done=published").into_response()),
        Err(AppError::Invalid(errors)) => {
            let documents = state.app.care().practice_documents(&actor).await?;
            let kind = documents.iter().map(|d| d.kind.key()).find(|k| *k == kind).unwrap_or_default();
            let notice = Some(Notice::error("Nothing was published. See the message below."));
            let page = documents_page(documents, layout, notice, Some((kind, errors, form.title, form.body)));
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}
