//! Directory profiles, for staff: a therapist edits their own profile, photo,
//! licences and certifications; an owner or admin edits any therapist's in
//! the practice and records verification. The public directory shows a
//! profile once a verified licence is current.
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::actor::Scope;
use sensate_app::directory::profiles::{
    CredentialInput, OfficeInput, ProfileEditor, ProfileInput, describe_certification, describe_licence,
};
use sensate_app::directory::search::reference_data;
use sensate_app::{Actor, AppError};
use sensate_domain::directory::reference::Reference;
use sensate_domain::directory::search::Listing;
use sensate_domain::policy::Action;
use sensate_domain::{FieldErrors, UserId};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::ui::{Choice, Done, Layout, Notice, path_id, render, render_status};

/// Office rows the form offers: the saved ones and one empty, at most this many.
const OFFICE_ROWS: usize = 5;

fn done_notice(done: &str) -> Option<Notice> {
    let text = match done {
        "saved" => "Profile saved.",
        "photo" => "Photo saved. It was re-encoded, so no location or camera details from the file were kept.",
        "photo_removed" => "Photo removed.",
        "licence" => "Licence added. It counts for the directory once an owner or admin has verified it.",
        "certification" => "Certification added. It shows on the profile once verified.",
        "verified" => "Verification recorded.",
        "removed" => "Credential removed.",
        _ => return None,
    };
    Some(Notice::success(text))
}

/// What went wrong in which of the page's forms, and what was typed.
#[derive(Default)]
struct Attempt {
    /// "profile", "photo", "licence", "certification" or "verify:<credential id>".
    form: String,
    errors: Vec<(&'static str, String)>,
    profile: Option<ProfileInput>,
    licence: CredentialInput,
    certification: CredentialInput,
    method: String,
}

impl Attempt {
    fn failed(form: impl Into<String>, errors: &FieldErrors) -> Self {
        Self {
            form: form.into(),
            errors: errors.iter().map(|(field, message)| (field, message.to_string())).collect(),
            ..Self::default()
        }
    }
}

fn checks<'a>(options: impl Iterator<Item = (&'a str, &'a str)>, chosen: &[String]) -> Vec<CheckItem> {
    options
        .map(|(value, label)| CheckItem {
            value: value.to_string(),
            label: label.to_string(),
            checked: chosen.iter().any(|c| c == value),
        })
        .collect()
}

fn choices<'a>(options: impl Iterator<Item = (&'a str, &'a str)>, selected: &str, prompt: &'a str) -> Vec<Choice> {
    std::iter::once(("", prompt))
        .chain(options)
        .map(|(value, label)| Choice {
            value: value.to_string(),
            label: label.to_string(),
            selected: value == selected,
        })
        .collect()
}

fn listing_text(listing: Listing, own: bool) -> String {
    let who = if own { "your" } else { "this" };
    match listing {
        Listing::Listed { until } => {
            format!("Listed in the public directory. The verified licence is current through {until}.")
        }
        Listing::NoLicence => format!(
            "Not listed yet: add {who} licence below. The directory lists a profile once an owner or admin has verified a current licence."
        ),
        Listing::AwaitingVerification => {
            "Not listed yet: the licence is waiting for an owner or admin of the practice to verify it.".to_string()
        }
        Listing::Expired => {
            format!("Not listed: every verified licence has expired. Add {who} renewed licence so it can be verified.")
        }
    }
}

fn verified_text(at: jiff::Timestamp, method: &str, zone: &jiff::tz::TimeZone) -> String {
    let zone = zone.clone();
    let method = if method.is_empty() { String::new() } else { format!(" ({method})") };
    format!("Verified on {}{method}", at.to_zoned(zone).strftime("%-d %B %Y"))
}

fn editor_page(
    reference: &Reference,
    layout: Layout,
    actor: &Actor,
    editor: ProfileEditor,
    notice: Option<Notice>,
    attempt: Attempt,
) -> ProfileEditorTemplate {
    let zone = actor.practice_zone();
    let own = editor.user == actor.user_id;
    let saved = editor.record.as_ref().map(ProfileInput::from).unwrap_or_else(|| ProfileInput {
        sees_individuals: true,
        accepting_new_clients: true,
        offers_telehealth: true,
        ..ProfileInput::default()
    });
    let input = attempt.profile.clone().unwrap_or(saved);
    let mut offices: Vec<OfficeRow> = input
        .offices
        .iter()
        .filter(|o| !(o.label.is_empty() && o.address.is_empty() && o.postal_code.is_empty()))
        .map(|o| OfficeRow {
            n: 0,
            label: o.label.clone(),
            address: o.address.clone(),
            postal_code: o.postal_code.clone(),
            accessibility: o.accessibility.clone(),
        })
        .take(OFFICE_ROWS)
        .collect();
    if offices.len() < OFFICE_ROWS {
        offices.push(OfficeRow::default());
    }
    for (n, office) in offices.iter_mut().enumerate() {
        office.n = n + 1;
    }
    let (licences, certifications) = match &editor.record {
        Some(record) => (
            record
                .licences
                .iter()
                .map(|l| CredentialRow {
                    id: l.id.to_string(),
                    description: describe_licence(reference, l),
                    verified: l.verification.as_ref().map(|v| verified_text(v.at, &v.method, &zone)),
                })
                .collect(),
            record
                .certifications
                .iter()
                .map(|c| CredentialRow {
                    id: c.id.to_string(),
                    description: describe_certification(reference, c),
                    verified: c.verification.as_ref().map(|v| verified_text(v.at, &v.method, &zone)),
                })
                .collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    ProfileEditorTemplate {
        layout,
        notice,
        user_id: editor.user.to_string(),
        name: editor.display_name,
        own,
        listed: editor.listing.is_listed(),
        status: listing_text(editor.listing, own),
        has_profile: editor.record.is_some(),
        concerns: checks(reference.concerns().iter().map(|c| (c.slug.as_str(), c.name.as_str())), &input.concerns),
        languages: checks(reference.languages().iter().map(|l| (l.code.as_str(), l.name.as_str())), &input.languages),
        payers: checks(reference.payers().iter().map(|p| (p.slug.as_str(), p.name.as_str())), &input.payers),
        offices,
        input,
        has_photo: editor.photo.is_some(),
        licences,
        certifications,
        may_verify: editor.may_verify,
        licence_types: choices(
            reference.licence_types().iter().map(|t| (t.slug.as_str(), t.name.as_str())),
            &attempt.licence.kind,
            "Choose the licence type",
        ),
        jurisdictions: choices(
            reference.jurisdictions().iter().map(|j| (j.id.as_str(), j.name.as_str())),
            &attempt.licence.jurisdiction,
            "Choose the state",
        ),
        bodies: choices(
            reference.certifying_bodies().iter().map(|b| (b.slug.as_str(), b.name.as_str())),
            &attempt.certification.kind,
            "Choose the certifying body",
        ),
        licence: attempt.licence,
        certification: attempt.certification,
        method: attempt.method,
        failed: attempt.form,
        errors: attempt.errors,
    }
}

async fn show_editor(
    state: &AppState,
    actor: &Actor,
    layout: Layout,
    user: UserId,
    notice: Option<Notice>,
    attempt: Attempt,
) -> Result<Response, WebError> {
    let editor = state.app.directory().profile_editor(actor, user).await?;
    let status = if attempt.form.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = editor_page(reference_data()?, layout.at("profile"), actor, editor, notice, attempt);
    render_status(status, &page)
}

/// The use case's outcome as a page: on success back to the editor with a
/// notice; invalid input re-shows the editor with the errors beside the form.
async fn respond(
    state: &AppState,
    actor: &Actor,
    layout: Layout,
    user: UserId,
    result: Result<(), AppError>,
    done: &str,
    on_invalid: impl FnOnce(&FieldErrors) -> Attempt,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/profiles/{user}?done={done}")).into_response()),
        Err(AppError::Invalid(errors)) => show_editor(state, actor, layout, user, None, on_invalid(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

/// `GET /profiles`: owners and admins see every therapist of the practice;
/// a therapist goes to their own profile.
pub(crate) async fn overview(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    if !actor.may(Action::ManageDirectory, Scope::Practice)
        && actor.may(Action::EditTherapistProfile, Scope::Themselves)
    {
        return Ok(Redirect::to(&format!("/profiles/{}", actor.user_id)).into_response());
    }
    let therapists = state.app.directory().directory_overview(&actor).await?;
    let template = DirectoryOverviewTemplate {
        layout: layout.at("profile"),
        notice: done_notice(&done.done),
        therapists: therapists
            .into_iter()
            .map(|t| OverviewRow {
                id: t.user.to_string(),
                name: t.display_name,
                listed: t.listing.is_listed(),
                status: match t.listing {
                    Listing::Listed { until } => format!("Listed (licence current through {until})"),
                    Listing::NoLicence if !t.has_profile => "No profile yet".to_string(),
                    Listing::NoLicence => "Not listed: no licence added".to_string(),
                    Listing::AwaitingVerification => "Not listed: licence awaiting verification".to_string(),
                    Listing::Expired => "Not listed: licence expired".to_string(),
                },
                awaiting: t.awaiting.into_iter().map(|a| (a.id.to_string(), a.description)).collect(),
            })
            .collect(),
    };
    Ok(render(&template)?.into_response())
}

pub(crate) async fn editor(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    show_editor(&state, &actor, layout, path_id::<UserId>(&id)?, done_notice(&done.done), Attempt::default()).await
}

/// The profile form's fields, read from repeated names (`concerns=a&concerns=b`).
fn profile_input(pairs: &[(String, String)]) -> ProfileInput {
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let flag = |name: &str| pairs.iter().any(|(k, _)| k == name);
    let all = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    ProfileInput {
        pronouns: one("pronouns"),
        credentials: one("credentials"),
        headline: one("headline"),
        approach: one("approach"),
        gender: one("gender"),
        sees_individuals: flag("sees_individuals"),
        sees_couples: flag("sees_couples"),
        affirming_lgbtq: flag("affirming_lgbtq"),
        kink_aware: flag("kink_aware"),
        cnm_affirming: flag("cnm_affirming"),
        offers_in_person: flag("offers_in_person"),
        offers_telehealth: flag("offers_telehealth"),
        accepting_new_clients: flag("accepting_new_clients"),
        min_fee: one("min_fee"),
        sliding_scale: flag("sliding_scale"),
        free_consultation: flag("free_consultation"),
        superbill: flag("superbill"),
        concerns: all("concerns"),
        languages: all("languages"),
        payers: all("payers"),
        offices: (1..=OFFICE_ROWS)
            .map(|n| OfficeInput {
                label: one(&format!("office{n}_label")),
                address: one(&format!("office{n}_address")),
                postal_code: one(&format!("office{n}_postal_code")),
                accessibility: one(&format!("office{n}_accessibility")),
            })
            .filter(|o| !(o.label.trim().is_empty() && o.address.trim().is_empty() && o.postal_code.trim().is_empty()))
            .collect(),
    }
}

pub(crate) async fn save(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let user = path_id::<UserId>(&id)?;
    let input = profile_input(&pairs);
    let result = state.app.directory().save_therapist_profile(&actor, user, &input).await;
    respond(&state, &actor, layout, user, result, "saved", |errors| Attempt {
        profile: Some(input),
        ..Attempt::failed("profile", errors)
    })
    .await
}

#[derive(serde::Deserialize, Default, Clone)]
pub(crate) struct CredentialForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    jurisdiction: String,
    #[serde(default)]
    expires_on: String,
}

impl From<CredentialForm> for CredentialInput {
    fn from(form: CredentialForm) -> Self {
        CredentialInput {
            kind: form.kind,
            number: form.number,
            jurisdiction: form.jurisdiction,
            expires_on: form.expires_on,
        }
    }
}

/// Adds a licence or a certification (`form` names which) from the editor's form.
async fn add_credential(
    state: AppState,
    page: Page,
    id: String,
    form: CredentialForm,
    kind: &'static str,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let user = path_id::<UserId>(&id)?;
    let input = CredentialInput::from(form);
    let result = if kind == "licence" {
        state.app.directory().add_licence(&actor, user, &input).await
    } else {
        state.app.directory().add_certification(&actor, user, &input).await
    };
    respond(&state, &actor, layout, user, result.map(|_| ()), kind, |errors| {
        let attempt = Attempt::failed(kind, errors);
        if kind == "licence" {
            Attempt { licence: input, ..attempt }
        } else {
            Attempt { certification: input, ..attempt }
        }
    })
    .await
}

pub(crate) async fn add_licence(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<CredentialForm>,
) -> Result<Response, WebError> {
    add_credential(state, page, id, form, "licence").await
}

pub(crate) async fn add_certification(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<CredentialForm>,
) -> Result<Response, WebError> {
    add_credential(state, page, id, form, "certification").await
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct VerifyForm {
    #[serde(default)]
    method: String,
}

pub(crate) async fn verify(
    State(state): State<AppState>,
    page: Page,
    Path((id, credential)): Path<(String, String)>,
    Query(from): Query<ReturnTo>,
    Form(form): Form<VerifyForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let user = path_id::<UserId>(&id)?;
    let credential = path_id::<sensate_domain::CredentialId>(&credential)?;
    match state.app.directory().verify_credential(&actor, user, credential, &form.method).await {
        // The overview's verification queue returns to the overview.
        Ok(()) if from.from == "overview" => Ok(Redirect::to("/profiles?done=verified").into_response()),
        result => {
            respond(&state, &actor, layout, user, result, "verified", |errors| Attempt {
                method: form.method.clone(),
                ..Attempt::failed(format!("verify:{credential}"), errors)
            })
            .await
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct ReturnTo {
    #[serde(default)]
    from: String,
}

pub(crate) async fn remove_credential(
    State(state): State<AppState>,
    page: Page,
    Path((id, credential)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let user = path_id::<UserId>(&id)?;
    let result = state
        .app
        .directory()
        .remove_credential(&actor, user, path_id::<sensate_domain::CredentialId>(&credential)?)
        .await;
    respond(&state, &actor, layout, user, result, "removed", |errors| Attempt::failed("", errors)).await
}

fn jpeg(bytes: Vec<u8>) -> Response {
    ([(CONTENT_TYPE, "image/jpeg"), (CACHE_CONTROL, "private, no-store")], bytes).into_response()
}

/// The photo as the editor previews it (listed or not).
pub(crate) async fn photo(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (actor, _) = page.signed_in()?;
    let photo = state.app.directory().editor_photo(&actor, path_id::<UserId>(&id)?).await?;
    photo.map(jpeg).ok_or(WebError(AppError::NotFound))
}

/// Reads the `photo` file of an upload form. A body that is not a readable
/// multipart form counts as no file: the use case still decides first
/// whether this person may change the photo, then asks for a file.
async fn uploaded_photo(multipart: Result<Multipart, MultipartRejection>) -> Vec<u8> {
    let Ok(mut multipart) = multipart else { return Vec::new() };
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("photo") {
            return field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
    Vec::new()
}

pub(crate) async fn upload_photo(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let user = path_id::<UserId>(&id)?;
    let upload = uploaded_photo(multipart).await;
    let result = state.app.directory().save_profile_photo(&actor, user, upload).await;
    respond(&state, &actor, layout, user, result, "photo", |errors| Attempt::failed("photo", errors)).await
}

pub(crate) async fn remove_photo(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let user = path_id::<UserId>(&id)?;
    let result = state.app.directory().remove_profile_photo(&actor, user).await;
    respond(&state, &actor, layout, user, result, "photo_removed", |errors| Attempt::failed("", errors)).await
}

/// `GET /therapists/{id}/photo`: a listed therapist's photo, for everyone.
pub(crate) async fn public_photo(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, WebError> {
    let photo = state.app.directory().listed_photo(path_id::<UserId>(&id)?).await?;
    photo.map(jpeg).ok_or(WebError(AppError::NotFound))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn repeated_names_become_lists_and_empty_office_rows_are_dropped() {
        let input = profile_input(&pairs(&[
            ("headline", "Calm"),
            ("concerns", "low-desire"),
            ("concerns", "vaginismus"),
            ("sees_couples", "on"),
            ("office1_label", "Midtown"),
            ("office1_postal_code", "10001"),
            ("office2_label", ""),
            ("office2_postal_code", " "),
            ("office3_postal_code", "11215"),
        ]));
        assert_eq!(input.headline, "Calm");
        assert_eq!(input.concerns, vec!["low-desire", "vaginismus"]);
        assert!(input.sees_couples && !input.sees_individuals);
        let zips: Vec<&str> = input.offices.iter().map(|o| o.postal_code.as_str()).collect();
        assert_eq!(zips, vec!["10001", "11215"]);
    }
}

/// A checkbox of a list (concerns, languages, insurance).
#[derive(Debug, Clone)]
pub(crate) struct CheckItem {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// One office row of the profile form, numbered from 1.
#[derive(Debug, Clone, Default)]
pub(crate) struct OfficeRow {
    pub n: usize,
    pub label: String,
    pub address: String,
    pub postal_code: String,
    pub accessibility: String,
}

/// A licence or certification in the editor.
#[derive(Debug, Clone)]
pub(crate) struct CredentialRow {
    pub id: String,
    pub description: String,
    /// "Verified 3 March 2026 (State board register)"; `None` while awaiting verification.
    pub verified: Option<String>,
}

#[derive(Template)]
#[template(path = "directory/profiles/editor.html")]
pub(crate) struct ProfileEditorTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub user_id: String,
    pub name: String,
    /// The therapist is looking at their own profile.
    pub own: bool,
    pub listed: bool,
    pub status: String,
    pub has_profile: bool,
    pub input: sensate_app::directory::profiles::ProfileInput,
    pub concerns: Vec<CheckItem>,
    pub languages: Vec<CheckItem>,
    pub payers: Vec<CheckItem>,
    pub offices: Vec<OfficeRow>,
    pub has_photo: bool,
    pub licences: Vec<CredentialRow>,
    pub certifications: Vec<CredentialRow>,
    pub may_verify: bool,
    pub licence_types: Vec<Choice>,
    pub jurisdictions: Vec<Choice>,
    pub bodies: Vec<Choice>,
    /// What was typed into a refused licence or certification form.
    pub licence: sensate_app::directory::profiles::CredentialInput,
    pub certification: sensate_app::directory::profiles::CredentialInput,
    pub method: String,
    /// Which form the errors belong to ("profile", "photo", "licence",
    /// "certification", "verify:<credential id>"); empty when none failed.
    pub failed: String,
    pub errors: Vec<(&'static str, String)>,
}

impl ProfileEditorTemplate {
    /// The message for a field of the form that failed, if any.
    fn error(&self, form: &str, field: &str) -> Option<&str> {
        if self.failed != form {
            return None;
        }
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    fn verify_failed(&self, credential: &str) -> bool {
        self.failed.strip_prefix("verify:") == Some(credential)
    }

    /// The anchor of the first field of a failed form, for the error summary's links.
    fn anchor(&self, field: &str) -> String {
        match self.failed.as_str() {
            "licence" => format!("licence-{field}"),
            "certification" => format!("certification-{field}"),
            "photo" => "photo".to_string(),
            failed if failed.starts_with("verify:") => format!("method-{}", &failed[7..]),
            _ if field == "offices" => "office1_postal_code".to_string(),
            _ => field.to_string(),
        }
    }
}

/// A therapist on the directory overview.
#[derive(Debug, Clone)]
pub(crate) struct OverviewRow {
    pub id: String,
    pub name: String,
    pub listed: bool,
    pub status: String,
    /// Credentials awaiting verification: (id, description).
    pub awaiting: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "directory/profiles/overview.html")]
pub(crate) struct DirectoryOverviewTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub therapists: Vec<OverviewRow>,
}

impl DirectoryOverviewTemplate {
    fn any_awaiting(&self) -> bool {
        self.therapists.iter().any(|t| !t.awaiting.is_empty())
    }
}
