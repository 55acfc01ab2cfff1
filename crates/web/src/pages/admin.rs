//! For owners and administrators: people and invitations, practice
//! settings, the audit log.
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;
use sensate_app::audit::AuditFilter;
use sensate_app::invitations::{InvitationSent, Invitee};
use sensate_app::people::SettingsInput;
use sensate_domain::practice::COMMON_TIME_ZONES;
use sensate_domain::{FieldErrors, UserId};

use super::{local_time, path_id, render, render_status};
use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::templates::{
    AuditRow, AuditTemplate, Field, FormPage, InvitationRow, Layout, Notice, PeopleTemplate, PersonRow, SessionTypeRow,
    SessionTypesTemplate,
};

#[derive(serde::Deserialize, Default)]
pub(crate) struct InviteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct Done {
    #[serde(default)]
    done: String,
}

fn invite_form(layout: &Layout, form: &InviteForm) -> FormPage {
    FormPage::new(layout.clone(), "", "/people/invite", "Send invitation").fields(vec![
        Field::new("name", "Name", "text", "off").value(&form.name),
        Field::new("email", "Email address", "email", "off").value(&form.email),
        Field::new("role", "Role", "text", "off")
            .options(&["clinician", "admin"])
            .value(if form.role.is_empty() { "clinician" } else { &form.role })
            .hint("clinician: a therapist who sees clients; admin: front desk and billing."),
    ])
}

async fn people_page(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    invite: FormPage,
    notice: Option<Notice>,
    sent: Vec<InvitationSent>,
) -> Result<PeopleTemplate, WebError> {
    let zone = actor.primary_membership().map(|m| m.practice_time_zone.clone()).unwrap_or_default();
    let people = state.app.people(actor).await?;
    let invitations = state.app.practice_invitations(actor).await?;
    Ok(PeopleTemplate {
        layout,
        notice,
        people: people
            .into_iter()
            .map(|p| PersonRow {
                id: p.id.to_string(),
                is_self: p.id == actor.user_id,
                name: p.display_name,
                email: p.email,
                roles: p.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
                disabled: p.disabled,
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| InvitationRow {
                name: i.display_name,
                email: i.email,
                role: i.role.label(),
                sent: local_time(i.created_at, &zone),
                status: if i.accepted {
                    "Accepted"
                } else if i.expires_at <= state.app.now() {
                    "Expired"
                } else {
                    "Waiting"
                },
            })
            .collect(),
        invite,
        sent: sent.into_iter().map(|s| (s.email, s.link, s.emailed)).collect(),
    })
}

pub(crate) async fn people(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let notice = match done.done.as_str() {
        "disabled" => Some(Notice::success("The account was disabled and its sessions ended.")),
        "enabled" => Some(Notice::success("The account was enabled.")),
        _ => None,
    };
    let invite = invite_form(&layout, &InviteForm::default());
    Ok(render(&people_page(&state, &actor, layout, invite, notice, Vec::new()).await?)?.into_response())
}

pub(crate) async fn invite(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let invitee = Invitee { name: form.name.clone(), email: form.email.clone() };
    match state.app.invite_staff(&actor, &invitee, &form.role).await {
        Ok(sent) => {
            let notice = Some(if sent.emailed {
                Notice::success(format!("Invitation emailed to {}.", sent.email))
            } else {
                Notice::info(format!(
                    "Invitation created for {}. Email is not set up, so give them the link below.",
                    sent.email
                ))
            });
            let invite = invite_form(&layout, &InviteForm::default());
            Ok(render(&people_page(&state, &actor, layout, invite, notice, vec![sent]).await?)?.into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let invite = invite_form(&layout, &form).errors(&errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &people_page(&state, &actor, layout, invite, None, Vec::new()).await?,
            )
        }
        Err(other) => Err(other.into()),
    }
}

async fn set_disabled(state: AppState, page: Page, id: String, disabled: bool) -> Result<Response, WebError> {
    let (actor, _) = page.signed_in()?;
    let user: UserId = path_id(&id)?;
    state.app.set_account_disabled(&actor, user, disabled).await?;
    let done = if disabled { "disabled" } else { "enabled" };
    Ok(Redirect::to(&format!("/people?done={done}")).into_response())
}

pub(crate) async fn disable(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_disabled(state, page, id, true).await
}

pub(crate) async fn enable(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_disabled(state, page, id, false).await
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    phone: String,
    /// A ticked checkbox sends "on"; an unticked one sends nothing.
    #[serde(default)]
    reminders_name_service: String,
    #[serde(default)]
    cancellation_notice_hours: String,
}

fn settings_page(layout: Layout, form: &SettingsForm) -> FormPage {
    FormPage::new(layout, "Practice settings", "/settings", "Save settings")
        .lead("What clients see of the practice, and the time zone appointments are shown in.")
        .fields(vec![
            Field::new("name", "Practice name", "text", "organization").value(&form.name),
            Field::new("time_zone", "Time zone", "text", "off").options(COMMON_TIME_ZONES).value(&form.time_zone),
            Field::new("address", "Address", "textarea", "street-address").value(&form.address).optional(),
            Field::new("contact_email", "Contact email", "email", "email").value(&form.contact_email).optional(),
            Field::new("phone", "Phone", "tel", "tel").value(&form.phone).optional(),
            Field::new("reminders_name_service", "Say in reminder emails that the appointment is a therapy session", "checkbox", "off")
                .value(&form.reminders_name_service)
                .optional()
                .hint("Off by default: reminders then name only the practice, the time and the format, in case someone else reads the recipient's email."),
            Field::new("cancellation_notice_hours", "Cancellation notice in hours", "number", "off")
                .hint("Clients may cancel or move a session online until this many hours before it; after that they are asked to contact the practice.")
                .value(&form.cancellation_notice_hours),
        ])
}

pub(crate) async fn settings(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let practice = state.app.practice_settings(&actor).await?;
    let notice = state.app.cancellation_policy(practice.id).await?.notice.as_hours();
    let form = SettingsForm {
        cancellation_notice_hours: notice.to_string(),
        name: practice.name,
        time_zone: practice.time_zone,
        address: practice.address,
        contact_email: practice.contact_email,
        phone: practice.phone,
        reminders_name_service: if practice.reminders_name_service { "on".into() } else { String::new() },
    };
    let notice = (done.done == "settings").then(|| Notice::success("Settings saved."));
    Ok(render(&settings_page(layout, &form).notice(notice))?.into_response())
}

pub(crate) async fn settings_submit(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let input = SettingsInput {
        name: form.name.clone(),
        time_zone: form.time_zone.clone(),
        address: form.address.clone(),
        contact_email: form.contact_email.clone(),
        phone: form.phone.clone(),
        reminders_name_service: form.reminders_name_service == "on",
        cancellation_notice_hours: form.cancellation_notice_hours.clone(),
    };
    match state.app.update_practice_settings(&actor, &input).await {
        Ok(()) => Ok(Redirect::to("/settings?done=settings").into_response()),
        Err(AppError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &settings_page(layout, &form).errors(&errors))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    before: Option<i64>,
}

/// The actions the filter offers (an allowlist: nothing typed reaches SQL unchecked).
const AUDIT_ACTIONS: &[&str] = &[
    "login",
    "logout",
    "mfa_enrol",
    "mfa_verify",
    "password_change",
    "password_reset_request",
    "password_reset",
    "invite",
    "invitation_accept",
    "view_people",
    "disable_account",
    "enable_account",
    "edit_settings",
    "view_audit_log",
    "list_clients",
    "view_client",
    "edit_contact",
    "write_note",
];

const PAGE_SIZE: i64 = 100;

pub(crate) async fn audit(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let mut errors = FieldErrors::new();
    let action = AUDIT_ACTIONS.iter().find(|a| **a == query.action).map(|a| a.to_string());
    let outcome = ["allowed", "denied", "failed"].iter().find(|o| **o == query.outcome).map(|o| o.to_string());
    if !query.action.is_empty() && action.is_none() {
        errors.add("action", "Unknown action.");
    }
    let filter = AuditFilter {
        action: action.clone(),
        outcome: outcome.clone(),
        before_seq: query.before,
        limit: PAGE_SIZE,
        ..AuditFilter::default()
    };
    let records = state.app.audit_log(&actor, filter).await?;
    let next_before = (records.len() as i64 == PAGE_SIZE).then(|| records.last().map(|r| r.seq)).flatten();
    let rows = records
        .into_iter()
        .map(|r| AuditRow {
            seq: r.seq,
            at: r.event.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            actor: r.event.actor_id.map(|id| id.to_string()).unwrap_or_else(|| "—".into()),
            action: r.event.action,
            record: format!("{} {}", r.event.record_type, r.event.record_id),
            ip: r.event.ip,
            outcome: r.event.outcome,
        })
        .collect();
    Ok(render(&AuditTemplate {
        layout,
        rows,
        action: action.unwrap_or_default(),
        outcome: outcome.unwrap_or_default(),
        actions: AUDIT_ACTIONS.to_vec(),
        next_before,
    })?
    .into_response())
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct SessionTypeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    duration: String,
    #[serde(default)]
    fee: String,
    #[serde(default)]
    in_person: Option<String>,
    #[serde(default)]
    telehealth: Option<String>,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    trial: Option<String>,
    #[serde(default)]
    needs_approval: Option<String>,
}

fn ticked(value: &Option<String>) -> &'static str {
    if value.is_some() { "on" } else { "" }
}

fn session_type_form(layout: &Layout, form: &SessionTypeForm) -> FormPage {
    FormPage::new(layout.clone(), "", "/session-types", "Add session type").fields(vec![
        Field::new("name", "Name", "text", "off")
            .value(&form.name)
            .hint("As clients will see it, for example “Couple session”."),
        Field::new("duration", "Length in minutes", "text", "off").value(&form.duration),
        Field::new("fee", "Fee in dollars", "text", "off")
            .value(&form.fee)
            .optional()
            .hint("Leave empty for no published fee, 0 for a free consultation."),
        Field::new("participants", "Who takes part", "select", "off")
            .options(&sensate_app::session_types::PARTICIPANTS)
            .value(if form.participants.is_empty() { "either" } else { &form.participants }),
        Field::new("in_person", "In person", "checkbox", "off").value(ticked(&form.in_person)).optional(),
        Field::new("telehealth", "By video (telehealth)", "checkbox", "off").value(ticked(&form.telehealth)).optional(),
        Field::new("trial", "Trial consultation", "checkbox", "off")
            .value(ticked(&form.trial))
            .optional()
            .hint("A short first meeting; the directory's “Book a trial session” offers these."),
        Field::new("needs_approval", "New bookings need the therapist's approval", "checkbox", "off")
            .value(ticked(&form.needs_approval))
            .optional(),
    ])
}

async fn session_types_page(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    form: FormPage,
    notice: Option<Notice>,
) -> Result<SessionTypesTemplate, WebError> {
    let types = state.app.session_types(actor).await?;
    Ok(SessionTypesTemplate {
        layout,
        notice,
        form,
        types: types
            .into_iter()
            .map(|t| SessionTypeRow {
                id: t.id.to_string(),
                name: t.name,
                length: format!("{} min", t.duration_minutes),
                fee: t.fee_cents.map_or("Not published".to_string(), |c| {
                    if c == 0 { "Free".to_string() } else { sensate_app::money::dollars(c) }
                }),
                formats: match (t.in_person, t.telehealth) {
                    (true, true) => "In person or video",
                    (true, false) => "In person",
                    _ => "Video",
                },
                participants: t.participants,
                trial: t.trial,
                needs_approval: t.needs_approval,
                active: t.active,
            })
            .collect(),
    })
}

pub(crate) async fn session_types(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let notice = match done.done.as_str() {
        "added" => Some(Notice::success("Session type added.")),
        "withdrawn" => Some(Notice::success("Session type withdrawn: it is no longer offered for booking.")),
        "offered" => Some(Notice::success("Session type offered for booking again.")),
        _ => None,
    };
    let defaults =
        SessionTypeForm { telehealth: Some("on".into()), needs_approval: Some("on".into()), ..Default::default() };
    let form = session_type_form(&layout, &defaults);
    Ok(render(&session_types_page(&state, &actor, layout, form, notice).await?)?.into_response())
}

pub(crate) async fn add_session_type(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<SessionTypeForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let input = sensate_app::session_types::SessionTypeInput {
        name: form.name.clone(),
        duration: form.duration.clone(),
        fee: form.fee.clone(),
        in_person: form.in_person.is_some(),
        telehealth: form.telehealth.is_some(),
        participants: form.participants.clone(),
        trial: form.trial.is_some(),
        needs_approval: form.needs_approval.is_some(),
    };
    match state.app.add_session_type(&actor, &input).await {
        Ok(_) => Ok(Redirect::to("/session-types?done=added").into_response()),
        Err(AppError::Invalid(errors)) => {
            let form = session_type_form(&layout, &form).errors(&errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &session_types_page(&state, &actor, layout, form, None).await?,
            )
        }
        Err(other) => Err(other.into()),
    }
}

async fn set_offered(state: AppState, page: Page, id: String, active: bool) -> Result<Response, WebError> {
    let (actor, _) = page.signed_in()?;
    let id: uuid::Uuid = path_id(&id)?;
    state.app.set_session_type_active(&actor, id, active).await?;
    let done = if active { "offered" } else { "withdrawn" };
    Ok(Redirect::to(&format!("/session-types?done={done}")).into_response())
}

pub(crate) async fn withdraw_session_type(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_offered(state, page, id, false).await
}

pub(crate) async fn offer_session_type(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_offered(state, page, id, true).await
}
