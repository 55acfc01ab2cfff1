//! The practice's appointments over JSON, for staff: the list (names
//! clients, so audited like the calendar), cancelling and moving; the same
//! use cases and rules as the appointment page, the client told by email.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sensate_app::AppError;
use sensate_app::scheduling::appointments::Rescheduled;
use sensate_app::scheduling::calendar::ListedAppointment;
use sensate_domain::{AppointmentId, FieldErrors, UserId};

use super::{Taken, free_time, local};
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiQuery, Caller};

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AppointmentsQuery {
    /// The first day, `YYYY-MM-DD` on the practice's clock; today when left out.
    #[param(format = Date)]
    from: Option<String>,
    /// How many days, 1 to 31 (default 7).
    #[param(minimum = 1, maximum = 31)]
    days: Option<u32>,
    /// A therapist of the practice: theirs only. Left out, every therapist's
    /// for owners and admins, and a therapist's own for a therapist.
    #[param(pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    therapist: Option<String>,
}

/// An appointment, as the calendar shows it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Appointment {
    id: String,
    therapist_id: String,
    /// `session` (a client's case), `request` (a visitor's request waiting
    /// for an answer) or `hold` (a visitor has not confirmed their email yet).
    kind: &'static str,
    /// `held`, `requested`, `confirmed`, `completed` or `no_show`.
    status: &'static str,
    /// `in_person` or `telehealth`.
    format: &'static str,
    /// RFC 3339, UTC.
    start: String,
    end: String,
    /// The start on the practice's clock, RFC 3339 with its offset.
    local_start: String,
    /// The clients' names, or the name a visitor gave; empty for a hold.
    with_whom: String,
    /// For a hold: when it lapses unless confirmed (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    held_until: Option<String>,
    /// Part of a recurring series.
    in_series: bool,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct AppointmentList {
    practice_id: String,
    /// The practice's zone, whose days `from` and `to` are.
    time_zone: String,
    /// The first day covered and the day after the last, `YYYY-MM-DD`.
    from: String,
    to: String,
    /// Soonest first; cancelled ones and lapsed holds are left out.
    appointments: Vec<Appointment>,
}

fn listed(a: &ListedAppointment, zone: &jiff::tz::TimeZone) -> Appointment {
    Appointment {
        id: a.id.to_string(),
        therapist_id: a.clinician.to_string(),
        kind: a.kind.as_str(),
        status: a.status.as_str(),
        format: a.format.as_str(),
        start: a.starts_at.to_string(),
        end: a.ends_at.to_string(),
        local_start: local(a.starts_at, zone),
        with_whom: a.with_whom.clone(),
        held_until: a.held_until.map(|t| t.to_string()),
        in_series: a.in_series,
    }
}

/// The practice's appointments over up to a month, for staff who may see
/// those calendars: owners and admins every therapist's, a therapist their
/// own. The answer names clients; every call is audited.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "scheduling", params(AppointmentsQuery),
    responses(
        (status = 200, description = "Appointments, soonest first (none is an empty list)", body = AppointmentList),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to see these calendars", body = ErrorBody),
        (status = 404, description = "`therapist` is nobody in the practice", body = ErrorBody),
        (status = 422, description = "A parameter that does not fit; see `fields`", body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AppointmentsQuery>,
) -> Result<Json<AppointmentList>, ApiError> {
    let actor = caller.signed_in()?;
    let mut errors = FieldErrors::new();
    let first_day = match query.from.as_deref().map(str::parse::<jiff::civil::Date>) {
        None => None,
        Some(Ok(day)) => Some(day),
        Some(Err(_)) => {
            errors.add("from", "Give a day as YYYY-MM-DD.");
            None
        }
    };
    let therapist = match query.therapist.as_deref().map(str::parse::<UserId>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.add("therapist", "Give a therapist's id.");
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError(AppError::Invalid(errors)));
    }
    let days = query.days.map_or(7, i64::from);
    let list = state.app.scheduling().appointment_list(&actor, therapist, first_day, days).await?;
    Ok(Json(AppointmentList {
        practice_id: list.practice.to_string(),
        time_zone: list.zone.iana_name().unwrap_or("UTC").to_string(),
        from: list.from.to_string(),
        to: list.to.to_string(),
        appointments: list.appointments.iter().map(|a| listed(a, &list.zone)).collect(),
    }))
}

fn appointment_id(id: &str) -> Result<AppointmentId, ApiError> {
    id.parse().map_err(|_| ApiError(AppError::NotFound))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct Cancellation {
    /// Why, for the appointment's history (the client is told only that it is cancelled).
    #[schema(pattern = "^(client_asked|clinician_unavailable|practice_closed|rebooking|other)$")]
    reason: String,
}

/// The practice cancels an appointment (its therapist, owners and admins);
/// the client is told by email and the time is free again.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/cancel", tag = "scheduling",
    params(("id" = String, Path, description = "The appointment's id")),
    request_body = Cancellation,
    responses(
        (status = 204, description = "Cancelled"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to manage this appointment", body = ErrorBody),
        (status = 404, description = "No such appointment in the practice", body = ErrorBody),
        (status = 422, description = "`reason` is not one of the list, or the appointment can no longer be \
            cancelled or was changed meanwhile (`appointment`)", body = ErrorBody)))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Cancellation>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    state.app.scheduling().cancel_appointment(&actor, appointment_id(&id)?, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct Move {
    /// The new start, RFC 3339: a free time of the therapist's for the
    /// appointment's length and format, within 60 days.
    #[schema(format = DateTime)]
    start: String,
}

/// The practice moves an appointment to another free time of the same
/// length and format (its therapist, owners and admins); the status stays
/// and the client is told by email.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/move", tag = "scheduling",
    params(("id" = String, Path, description = "The appointment's id")),
    request_body = Move,
    responses(
        (status = 204, description = "Moved"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to manage this appointment", body = ErrorBody),
        (status = 404, description = "No such appointment in the practice", body = ErrorBody),
        (status = 409, description = "The time is not free; the nearest free ones instead (`taken`)", body = Taken),
        (status = 422, description = "`start` is past or the current time, or the appointment can no longer be \
            moved or was changed meanwhile (`appointment`)", body = ErrorBody)))]
pub(crate) async fn move_to(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Move>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    let scheduling = state.app.scheduling();
    match scheduling.reschedule_appointment(&actor, appointment_id(&id)?, &body.start).await? {
        Rescheduled::Moved => Ok(StatusCode::NO_CONTENT.into_response()),
        Rescheduled::Taken { alternatives } => {
            let zone = actor.practice_zone();
            let alternatives = alternatives.iter().map(|slot| free_time(slot, &zone)).collect();
            Ok(Taken::response(
                "That time is not free; nothing changed. These are the nearest free ones.",
                alternatives,
            ))
        }
    }
}
