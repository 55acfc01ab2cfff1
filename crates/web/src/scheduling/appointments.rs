//! One appointment: the practice's page (`/appointments/{id}`: history,
//! cancel, move, record attendance) and the client's page behind the
//! opaque link in their emails (`/appointments/manage/{token}`: cancel or
//! move within the practice's notice).
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use sensate_app::AppError;
use sensate_app::scheduling::appointments::{AppointmentPage, Rescheduled, event_label};
use sensate_app::scheduling::attendees::EVERYONE;
use sensate_app::scheduling::manage::ManagedAppointment;
use sensate_domain::locale::zone_name;
use sensate_domain::scheduling::CaseKind;
use sensate_domain::scheduling::availability::{Slot, slots_by_local_day};
use sensate_domain::scheduling::lifecycle::Party;
use sensate_domain::scheduling::reasons::{self, CANCEL_REASONS};
use sensate_domain::{AppointmentId, FieldErrors, Locale};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::ui::{Choice, Done, Layout, Notice, path_id, render_status};

/// Days of free times a page offers to move to.
const DAYS_OFFERED: usize = 5;

/// A free time to move to, as a radio button.
pub(crate) struct TimeChoice {
    pub value: String,
    pub label: String,
    pub id: String,
}

pub(crate) struct TimeDay {
    pub heading: String,
    pub times: Vec<TimeChoice>,
}

fn time_days(slots: &[Slot], zone: &TimeZone, locale: Locale) -> Vec<TimeDay> {
    slots_by_local_day(slots, zone)
        .into_iter()
        .take(DAYS_OFFERED)
        .map(|day| TimeDay {
            heading: locale.day(day.date),
            times: day
                .slots
                .iter()
                .map(|s| TimeChoice {
                    value: s.slot.start.to_string(),
                    label: locale.time(&s.start),
                    id: format!("start-{}", s.slot.start.as_second()),
                })
                .collect(),
        })
        .collect()
}

pub(crate) struct HistoryLine {
    pub when: String,
    pub text: String,
}

pub(crate) struct ReasonChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "scheduling/appointments/detail.html")]
pub(crate) struct AppointmentTemplate {
    pub layout: Layout,
    pub id: String,
    pub title: String,
    pub with_whom: String,
    /// For a couple's case: a joint session, or whose individual one.
    pub attendance: Option<String>,
    /// For a couple's appointment that can still change: everyone, then
    /// each partner alone, the current choice selected; empty otherwise.
    pub attendee_choices: Vec<Choice>,
    /// Who was invited into the case and has not joined: "Robin's partner: invited, not yet joined".
    pub invited: Vec<String>,
    pub when: String,
    pub format: String,
    pub status: String,
    pub history: Vec<HistoryLine>,
    pub can_cancel: bool,
    pub can_record_attendance: bool,
    pub reasons: Vec<ReasonChoice>,
    pub days: Vec<TimeDay>,
    /// The zone the free times are in, by its everyday name.
    pub times_zone: String,
    pub notice: Option<Notice>,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "scheduling/appointments/manage.html")]
pub(crate) struct ManageTemplate {
    pub layout: Layout,
    pub token: String,
    pub session: String,
    pub therapist_name: String,
    pub practice_name: String,
    pub practice_contact: String,
    pub when: String,
    pub format: String,
    pub status: String,
    pub change_until: String,
    pub locked: Option<String>,
    pub days: Vec<TimeDay>,
    /// The zone the free times are in, by its everyday name.
    pub times_zone: String,
    pub notice: Option<Notice>,
    pub errors: FieldErrors,
}

fn staff_page(
    page: AppointmentPage,
    layout: Layout,
    reason: &str,
    notice: Option<Notice>,
    errors: FieldErrors,
) -> AppointmentTemplate {
    let zone = &page.zone;
    let locale = layout.locale;
    let at = |instant| locale.when(instant, zone);
    let d = &page.detail;
    let mut history = Vec::new();
    match &page.booking {
        Some(b) => {
            history.push(HistoryLine {
                when: at(b.request.created_at),
                text: format!("Requested online by {}", b.request.name),
            });
            if let Some(confirmed) = b.request.email_confirmed_at {
                history.push(HistoryLine { when: at(confirmed), text: "Email address confirmed".into() });
            }
        }
        None => history.push(HistoryLine { when: at(d.created_at), text: "Booked".into() }),
    }
    for e in &page.history {
        let who = match (e.party, &e.actor_name) {
            (Party::Practice, Some(name)) => name.clone(),
            (Party::Practice, None) => "the practice".into(),
            (Party::Client, _) => "the client".into(),
        };
        let mut text = format!("{} by {who}", event_label(e.kind));
        if let Some(previous) = e.previous_starts_at {
            text.push_str(&format!(", from {}", at(previous)));
        }
        if let Some(label) = reasons::label_of(&e.reason) {
            text.push_str(&format!(" ({})", label.to_lowercase()));
        }
        if e.late {
            text.push_str(", within the cancellation notice (late)");
        }
        history.push(HistoryLine { when: at(e.at), text });
    }
    let with_whom = if d.clients.is_empty() {
        page.booking.as_ref().map(|b| format!("{} (not yet a client)", b.request.name)).unwrap_or_default()
    } else {
        d.clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(" and ")
    };
    let attendance =
        (d.case_kind == Some(CaseKind::Couple)).then(|| match (d.partners_own, d.not_attending.is_empty()) {
            (false, _) => "Both partners (a joint session)".to_string(),
            (true, true) => format!("{with_whom} only (an individual session)"),
            (true, false) => {
                format!("{with_whom} only (an individual session; {} does not attend)", d.not_attending.join(" and "))
            }
        });
    // The partner whose own session it is, if it is one.
    let only = d.clients.first().filter(|_| d.partners_own).map(|c| c.id);
    let attendee_choices = if page.attendee_choices.is_empty() {
        Vec::new()
    } else {
        std::iter::once(Choice { value: EVERYONE.into(), label: "Both partners".into(), selected: only.is_none() })
            .chain(page.attendee_choices.iter().map(|(id, name)| Choice {
                value: id.to_string(),
                label: format!("{name} only"),
                selected: only == Some(*id),
            }))
            .collect()
    };
    AppointmentTemplate {
        layout: layout.at("dashboard"),
        id: d.id.to_string(),
        title: d.session_type_name.clone().unwrap_or_else(|| "Appointment".into()),
        with_whom,
        attendance,
        attendee_choices,
        invited: page
            .invited
            .iter()
            .map(|i| {
                let state = if i.expired { "invitation expired, not joined" } else { "invited, not yet joined" };
                format!("{}: {state}", i.name)
            })
            .collect(),
        when: locale.when_until(d.starts_at, d.ends_at, zone),
        format: d.format.label().into(),
        status: d.status.label().into(),
        history,
        can_cancel: page.can_cancel,
        can_record_attendance: page.can_record_attendance,
        reasons: CANCEL_REASONS
            .iter()
            .map(|r| ReasonChoice { value: r.slug, label: r.label, selected: r.slug == reason })
            .collect(),
        days: time_days(&page.free_times, zone, locale),
        times_zone: zone_name(zone),
        notice,
        errors,
    }
}

fn done_notice(done: &str) -> Option<Notice> {
    match done {
        "cancelled" => Some(Notice::success("Cancelled. The client was told by email and the time is free again.")),
        "moved" => Some(Notice::success("Moved. The client was told by email.")),
        "completed" => Some(Notice::success("Recorded as held.")),
        "attendees" => Some(Notice::success(
            "Who attends was changed. A partner no longer expected was told it is cancelled for them; one now expected, that it was added.",
        )),
        "no_show" => Some(Notice::success("Recorded as missed.")),
        _ => None,
    }
}

/// `GET /appointments/{id}`
pub(crate) async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let id: AppointmentId = path_id(&id)?;
    let view = state.app.scheduling().appointment_page(&actor, id).await?;
    render_status(StatusCode::OK, &staff_page(view, layout, "", done_notice(&done.done), FieldErrors::new()))
}

/// A refused change: the page again (422), with the message beside its
/// field and nothing changed.
async fn staff_retry(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    id: AppointmentId,
    reason: &str,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let view = state.app.scheduling().appointment_page(actor, id).await?;
    let notice = Some(Notice::error("Nothing was changed."));
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &staff_page(view, layout, reason, notice, errors))
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct CancelForm {
    #[serde(default)]
    reason: String,
}

/// `POST /appointments/{id}/cancel`
pub(crate) async fn cancel(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let id: AppointmentId = path_id(&id)?;
    match state.app.scheduling().cancel_appointment(&actor, id, &form.reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/appointments/{id}?done=cancelled")).into_response()),
        Err(AppError::Invalid(errors)) => staff_retry(&state, &actor, layout, id, &form.reason, errors).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct MoveForm {
    #[serde(default)]
    start: String,
}

fn taken_notice(alternatives: &[Slot], zone: &TimeZone, locale: Locale) -> Notice {
    let nearest: Vec<String> = alternatives.iter().map(|s| locale.when(s.start, zone)).collect();
    if nearest.is_empty() {
        Notice::error("That time is no longer free, and there is no other free time nearby. Nothing was changed.")
    } else {
        Notice::error(format!(
            "That time is no longer free; nothing was changed. The nearest free times: {}.",
            nearest.join("; ")
        ))
    }
}

/// `POST /appointments/{id}/reschedule`
pub(crate) async fn reschedule(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let id: AppointmentId = path_id(&id)?;
    match state.app.scheduling().reschedule_appointment(&actor, id, &form.start).await {
        Ok(Rescheduled::Moved) => Ok(Redirect::to(&format!("/appointments/{id}?done=moved")).into_response()),
        Ok(Rescheduled::Taken { alternatives }) => {
            let view = state.app.scheduling().appointment_page(&actor, id).await?;
            let notice = taken_notice(&alternatives, &view.zone, layout.locale);
            render_status(StatusCode::CONFLICT, &staff_page(view, layout, "", Some(notice), FieldErrors::new()))
        }
        Err(AppError::Invalid(errors)) => staff_retry(&state, &actor, layout, id, "", errors).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct AttendeesForm {
    #[serde(default)]
    attends: String,
}

/// `POST /appointments/{id}/attendees`: a couple's appointment becomes
/// joint, or one partner's own.
pub(crate) async fn attendees(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<AttendeesForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let id: AppointmentId = path_id(&id)?;
    match state.app.scheduling().change_attendees(&actor, id, &form.attends).await {
        Ok(()) => Ok(Redirect::to(&format!("/appointments/{id}?done=attendees")).into_response()),
        Err(AppError::Invalid(errors)) => staff_retry(&state, &actor, layout, id, "", errors).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct AttendanceForm {
    #[serde(default)]
    outcome: String,
}

/// `POST /appointments/{id}/attendance`: held or missed, after the start.
pub(crate) async fn attendance(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<AttendanceForm>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let id: AppointmentId = path_id(&id)?;
    let attended = match form.outcome.as_str() {
        "completed" => Some(true),
        "no_show" => Some(false),
        _ => None,
    };
    let result = match attended {
        Some(attended) => state.app.scheduling().record_attendance(&actor, id, attended).await,
        None => {
            // Still authorized first, so a stranger learns nothing from the message.
            state.app.scheduling().appointment_page(&actor, id).await?;
            let mut errors = FieldErrors::new();
            errors.add("appointment", "Choose whether the session was held or missed.");
            Err(AppError::Invalid(errors))
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/appointments/{id}?done={}", form.outcome)).into_response()),
        Err(AppError::Invalid(errors)) => staff_retry(&state, &actor, layout, id, "", errors).await,
        Err(other) => Err(other.into()),
    }
}

fn client_page(
    managed: ManagedAppointment,
    layout: Layout,
    token: String,
    notice: Option<Notice>,
    errors: FieldErrors,
) -> ManageTemplate {
    let zone = &managed.zone;
    let locale = layout.locale;
    ManageTemplate {
        layout: layout.at("appointment"),
        token,
        session: managed.session,
        therapist_name: managed.therapist_name,
        practice_name: managed.practice_name,
        practice_contact: managed.practice_contact,
        when: locale.when(managed.starts_at, zone),
        format: managed.format.label().into(),
        status: managed.status.label().into(),
        change_until: locale.when(managed.change_until, zone),
        locked: managed.locked,
        days: time_days(&managed.free_times, zone, locale),
        times_zone: zone_name(zone),
        notice,
        errors,
    }
}

/// `GET /me/appointments/{id}`: a client's session, from their Home page:
/// on to its page, the one their emails link to, where they may cancel or
/// move it. A session they do not attend is not found.
pub(crate) async fn mine(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (actor, _) = page.signed_in()?;
    let id: AppointmentId = path_id(&id)?;
    let link = state.app.scheduling().my_appointment_link(&actor, id).await?;
    Ok(Redirect::to(&link).into_response())
}

/// `GET /appointments/manage/{token}`: opening the link changes nothing.
pub(crate) async fn manage(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, WebError> {
    let managed = state.app.scheduling().managed_appointment(&token, &page.ip).await?;
    let notice = match done.done.as_str() {
        "cancelled" => Some(Notice::success("Your appointment is cancelled. The practice has been told.")),
        "moved" => Some(Notice::success("Your appointment has been moved. The practice has been told.")),
        _ => None,
    };
    render_status(StatusCode::OK, &client_page(managed, page.layout, token, notice, FieldErrors::new()))
}

async fn client_retry(
    state: &AppState,
    page: Page,
    token: String,
    status: StatusCode,
    notice: Notice,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let managed = state.app.scheduling().managed_appointment(&token, &page.ip).await?;
    render_status(status, &client_page(managed, page.layout, token, Some(notice), errors))
}

/// `POST /appointments/manage/{token}/cancel`
pub(crate) async fn manage_cancel(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match state.app.scheduling().cancel_by_link(&token, &page.ip).await {
        Ok(()) => Ok(Redirect::to(&format!("/appointments/manage/{token}?done=cancelled")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let message = errors.iter().next().map(|(_, m)| m.to_string()).unwrap_or_default();
            client_retry(&state, page, token, StatusCode::UNPROCESSABLE_ENTITY, Notice::error(message), errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /appointments/manage/{token}/reschedule`
pub(crate) async fn manage_reschedule(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Form(form): Form<MoveForm>,
) -> Result<Response, WebError> {
    match state.app.scheduling().reschedule_by_link(&token, &form.start, &page.ip).await {
        Ok(Rescheduled::Moved) => Ok(Redirect::to(&format!("/appointments/manage/{token}?done=moved")).into_response()),
        Ok(Rescheduled::Taken { alternatives }) => {
            let managed = state.app.scheduling().managed_appointment(&token, &page.ip).await?;
            let notice = taken_notice(&alternatives, &managed.zone, page.layout.locale);
            render_status(
                StatusCode::CONFLICT,
                &client_page(managed, page.layout, token, Some(notice), FieldErrors::new()),
            )
        }
        Err(AppError::Invalid(errors)) => {
            let message = match errors.get("appointment") {
                Some(message) => message.to_string(),
                None => "Nothing was changed.".to_string(),
            };
            client_retry(&state, page, token, StatusCode::UNPROCESSABLE_ENTITY, Notice::error(message), errors).await
        }
        Err(other) => Err(other.into()),
    }
}
