//! A case's page for the care team and the front desk (`/cases/{id}`):
//! who it is for, its status, a couple's confidentiality policy and the
//! care team, with the forms to change them; and the same over JSON
//! ([`api`]). The rules are `domain::care`'s and the policy's.
pub(crate) mod api;
pub(crate) mod consents;
pub(crate) mod intake;
pub(crate) mod messages;

pub(crate) use consents::sign_href;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;
use sensate_app::care::CaseView;
use sensate_domain::care::release::{ReleaseState, SharedInformation};
use sensate_domain::care::{CareRole, ConfidentialityPolicy};
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{CaseId, FieldErrors, UserId};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::ui::{Choice, Done, Layout, Notice, path_id, render_status};

/// One of a case page's radio buttons.
pub(crate) struct Radio {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub selected: bool,
}

/// A client's consent on the case page.
pub(crate) struct ConsentLine {
    pub title: String,
    /// "Signed … (version n)", or empty while not signed.
    pub signed: String,
    /// The signed copy's address.
    pub href: String,
    /// Asked again after the text changed.
    pub again: bool,
}

/// A release of information on the case page.
pub(crate) struct ReleaseRow {
    pub recipient: String,
    pub shared: String,
    pub purpose: String,
    pub last_day: String,
    /// (client's name, where they stand, their signed copy's address).
    pub signers: Vec<(String, String, Option<String>)>,
}

/// What was typed in the release form, kept when it is sent back.
#[derive(Default)]
pub(crate) struct ReleaseTyped {
    pub recipient: String,
    pub shared: Vec<String>,
    pub purpose: String,
    pub expires_on: String,
}

pub(crate) struct TeamRow {
    pub id: String,
    pub name: String,
    pub role: &'static str,
    /// Whether the viewer may take them off the team (never the primary).
    pub removable: bool,
}

#[derive(Template)]
#[template(path = "care/case.html")]
pub(crate) struct CaseTemplate {
    pub layout: Layout,
    pub id: String,
    /// "Robin & Jo"
    pub title: String,
    pub kind: &'static str,
    pub couple: bool,
    /// The viewer takes part in the case's messages.
    pub messages: bool,
    pub status: &'static str,
    pub status_class: &'static str,
    pub opened: String,
    /// "Intake since Tue, Nov 24" when it changed; else empty.
    pub status_since: String,
    pub clients: Vec<(String, String)>,
    pub policy: Option<(&'static str, &'static str)>,
    pub can_manage: bool,
    pub can_assign: bool,
    pub next: Vec<Radio>,
    pub policies: Vec<Radio>,
    pub team: Vec<TeamRow>,
    pub candidates: Vec<Choice>,
    pub roles: Vec<Radio>,
    /// Each client's consents, by the client's name.
    pub consents: Vec<(String, Vec<ConsentLine>)>,
    /// Each client's intake: (name, where it stands, its summary's address for the care team).
    pub intakes: Vec<(String, String, Option<String>)>,
    pub releases: Vec<ReleaseRow>,
    /// The viewer may ask for a release here (an open case they manage).
    pub can_ask_release: bool,
    /// The release form's choices and what was typed in it.
    pub release_items: Vec<Radio>,
    pub release: ReleaseTyped,
    pub notice: Option<Notice>,
    pub errors: FieldErrors,
}

/// Where one client stands on a release, in a sentence.
fn release_state(state: ReleaseState, layout: &Layout, zone: &jiff::tz::TimeZone) -> String {
    let locale = layout.locale;
    match state {
        ReleaseState::Waiting => "not signed yet".to_string(),
        ReleaseState::InForce { until } => format!("signed; in force to the end of {}", locale.day_with_year(until)),
        ReleaseState::Revoked { at } => format!("revoked {}", locale.when(at, zone)),
        ReleaseState::Expired { on } => format!("ended {}", locale.day_with_year(on)),
    }
}

fn page(
    view: CaseView,
    actor: &sensate_app::Actor,
    layout: Layout,
    notice: Option<Notice>,
    errors: FieldErrors,
) -> CaseTemplate {
    let typed = ReleaseTyped { expires_on: view.usual_release_expiry.to_string(), ..ReleaseTyped::default() };
    page_with(view, actor, layout, notice, errors, typed)
}

fn page_with(
    view: CaseView,
    actor: &sensate_app::Actor,
    layout: Layout,
    notice: Option<Notice>,
    errors: FieldErrors,
    release: ReleaseTyped,
) -> CaseTemplate {
    let r = &view.record;
    let locale = layout.locale;
    // Dates on the practice's clock, like every staff page.
    let zone = actor.practice_zone();
    let names: Vec<&str> = r.clients.iter().map(|(_, name)| name.as_str()).collect();
    let mut team = vec![TeamRow {
        id: r.primary.to_string(),
        name: r.primary_name.clone(),
        role: "Primary therapist",
        removable: false,
    }];
    team.extend(r.team.iter().map(|m| TeamRow {
        id: m.user.to_string(),
        name: m.name.clone(),
        role: m.role.label(),
        removable: view.can_assign,
    }));
    CaseTemplate {
        id: r.id.to_string(),
        title: if names.is_empty() { "A case without clients yet".to_string() } else { names.join(" & ") },
        kind: match r.kind {
            CaseKind::Individual => "Individual therapy",
            CaseKind::Couple => "Couple therapy",
        },
        couple: r.kind == CaseKind::Couple,
        messages: view.can_read_messages,
        status: r.status.label(),
        status_class: r.status.as_str(),
        opened: locale.day(r.opened_at.to_zoned(zone.clone()).date()),
        status_since: r
            .status_changed_at
            .map(|at| format!("since {}", locale.day(at.to_zoned(zone.clone()).date())))
            .unwrap_or_default(),
        clients: r.clients.iter().map(|(id, name)| (id.to_string(), name.clone())).collect(),
        policy: r.confidentiality.map(|p| (p.label(), p.summary())),
        can_manage: view.can_manage,
        can_assign: view.can_assign && r.status.is_open(),
        next: view
            .next
            .iter()
            .enumerate()
            .map(|(n, s)| Radio { value: s.as_str(), label: s.label(), hint: "", selected: n == 0 })
            .collect(),
        policies: ConfidentialityPolicy::ALL
            .iter()
            .map(|p| Radio {
                value: p.as_str(),
                label: p.label(),
                hint: p.summary(),
                selected: Some(*p) == r.confidentiality,
            })
            .collect(),
        team,
        candidates: view
            .candidates
            .iter()
            .map(|(id, name)| Choice { value: id.to_string(), label: name.clone(), selected: false })
            .collect(),
        roles: CareRole::ALL
            .iter()
            .enumerate()
            .map(|(n, role)| Radio { value: role.as_str(), label: role.label(), hint: "", selected: n == 0 })
            .collect(),
        consents: view
            .consents
            .iter()
            .map(|(name, requests)| {
                let rows = requests
                    .iter()
                    .map(|r| {
                        let (href, signed) = consents::signed_line(r, &layout, &zone);
                        ConsentLine {
                            title: r.title.clone(),
                            signed,
                            href,
                            again: r.signed.is_none() && r.signed_before,
                        }
                    })
                    .collect();
                (name.clone(), rows)
            })
            .collect(),
        intakes: view
            .intakes
            .iter()
            .map(|(client, state)| {
                let name = r.clients.iter().find(|(id, _)| id == client).map(|(_, n)| n.clone()).unwrap_or_default();
                let href = view.can_read_intake.then(|| format!("/cases/{}/intake/{client}", r.id));
                (name, intake::state_text(*state, &layout, &zone), href)
            })
            .collect(),
        releases: view
            .releases
            .iter()
            .map(|v| ReleaseRow {
                recipient: v.release.terms.recipient.clone(),
                shared: v.release.terms.shared.iter().map(|i| i.label()).collect::<Vec<_>>().join("; "),
                purpose: v.release.terms.purpose.clone(),
                last_day: locale.day_with_year(v.release.terms.expires_on),
                signers: v
                    .signers
                    .iter()
                    .map(|s| {
                        let href = s.signature.map(|id| format!("/consents/signed/{id}"));
                        (s.name.clone(), release_state(s.state, &layout, &zone), href)
                    })
                    .collect(),
            })
            .collect(),
        can_ask_release: view.can_manage && r.status.is_open(),
        release_items: SharedInformation::ALL
            .iter()
            .map(|item| Radio {
                value: item.as_str(),
                label: item.label(),
                hint: "",
                selected: release.shared.iter().any(|s| s == item.as_str()),
            })
            .collect(),
        release,
        layout: layout.at("clients"),
        notice,
        errors,
    }
}

impl CaseTemplate {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

fn done_notice(done: &str) -> Option<Notice> {
    match done {
        "status" => Some(Notice::success("The case's status was changed.")),
        "confidentiality" => Some(Notice::success(
            "The confidentiality policy was saved. Both partners are asked to sign it before clinical work starts.",
        )),
        "added" => Some(Notice::success("Added to the care team.")),
        "removed" => Some(Notice::success("Taken off the care team.")),
        "release" => {
            Some(Notice::success("The release was asked for. Each client finds it under “To complete” to sign."))
        }
        _ => None,
    }
}

/// `GET /cases/{id}`
pub(crate) async fn show(
    State(state): State<AppState>,
    page_: Page,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page_.signed_in()?;
    let id: CaseId = path_id(&id)?;
    let view = state.app.care().case_page(&actor, id).await?;
    render_status(StatusCode::OK, &page(view, &actor, layout, done_notice(&done.done), FieldErrors::new()))
}

/// What a change did: back to the page with its notice, or the page again
/// (422) with the message beside its field and nothing changed.
async fn after(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    id: CaseId,
    outcome: Result<(), AppError>,
    done: &str,
) -> Result<Response, WebError> {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}?done={done}")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.care().case_page(actor, id).await?;
            let notice = Some(Notice::error("Nothing was changed."));
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(view, actor, layout, notice, errors))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct StatusForm {
    #[serde(default)]
    status: String,
}

/// `POST /cases/{id}/status`
pub(crate) async fn change_status(
    State(state): State<AppState>,
    page_: Page,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page_.signed_in()?;
    let id: CaseId = path_id(&id)?;
    let outcome = state.app.care().change_status(&actor, id, &form.status).await.map(|_| ());
    after(&state, &actor, layout, id, outcome, "status").await
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct PolicyForm {
    #[serde(default)]
    confidentiality: String,
}

/// `POST /cases/{id}/confidentiality`
pub(crate) async fn choose_confidentiality(
    State(state): State<AppState>,
    page_: Page,
    Path(id): Path<String>,
    Form(form): Form<PolicyForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page_.signed_in()?;
    let id: CaseId = path_id(&id)?;
    let outcome = state.app.care().choose_confidentiality(&actor, id, &form.confidentiality).await;
    after(&state, &actor, layout, id, outcome, "confidentiality").await
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct TeamForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    role: String,
}

/// `POST /cases/{id}/team`
pub(crate) async fn add_to_team(
    State(state): State<AppState>,
    page_: Page,
    Path(id): Path<String>,
    Form(form): Form<TeamForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page_.signed_in()?;
    let id: CaseId = path_id(&id)?;
    let outcome = state.app.care().add_to_team(&actor, id, &form.user, &form.role).await;
    after(&state, &actor, layout, id, outcome, "added").await
}

/// `POST /cases/{id}/team/{user}/remove`
pub(crate) async fn remove_from_team(
    State(state): State<AppState>,
    page_: Page,
    Path((id, user)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (actor, layout) = page_.signed_in()?;
    let id: CaseId = path_id(&id)?;
    let user: UserId = path_id(&user)?;
    let outcome = state.app.care().remove_from_team(&actor, id, user).await;
    after(&state, &actor, layout, id, outcome, "removed").await
}

/// `POST /cases/{id}/releases`: asks the case's clients for a release of
/// information; a mistake comes back beside its field with what was typed.
pub(crate) async fn ask_release(
    State(state): State<AppState>,
    page_: Page,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (actor, layout) = page_.signed_in()?;
    let id: CaseId = path_id(&id)?;
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let typed = ReleaseTyped {
        recipient: one("recipient"),
        shared: pairs.iter().filter(|(k, _)| k == "shared").map(|(_, v)| v.clone()).collect(),
        purpose: one("purpose"),
        expires_on: one("expires_on"),
    };
    let outcome = state
        .app
        .care()
        .ask_release(&actor, id, &typed.recipient, &typed.shared, &typed.purpose, &typed.expires_on)
        .await;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?done=release#releases-title")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.care().case_page(&actor, id).await?;
            let notice = Some(Notice::error("Nothing was asked. Check the release below."));
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page_with(view, &actor, layout, notice, errors, typed))
        }
        Err(other) => Err(other.into()),
    }
}
