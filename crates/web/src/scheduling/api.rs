//! Scheduling over JSON: a listed therapist's free times, exactly as their
//! booking page offers them; booking requests ([`booking`]); and for staff,
//! the appointment list, cancelling and moving ([`appointments`]). The same
//! use cases as the pages, under the same rules.
pub(crate) mod appointments;
pub(crate) mod booking;

use axum::Json;
use axum::extract::{Path, State};
use jiff::tz::TimeZone;
use sensate_app::AppError;
use sensate_app::scheduling::booking::SessionKind;
use sensate_app::scheduling::session_types::formats;
use sensate_domain::scheduling::SessionFormat;
use sensate_domain::scheduling::availability::Slot;
use sensate_domain::{FieldErrors, UserId};

use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::ApiQuery;

/// Days of free times one request covers at most (the page shows a week).
const MAX_DAYS: u32 = 14;
/// How far ahead the first day may be; no therapist books further out.
const MAX_DAYS_AHEAD: i64 = 366;

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct FreeTimesQuery {
    /// A session type's id from `session_types`; the first one offered when left out.
    #[param(pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    session_type: Option<String>,
    /// `in_person` or `telehealth`; the first the session type offers when left out.
    #[param(pattern = "^(in_person|telehealth)$")]
    format: Option<String>,
    /// The first day, `YYYY-MM-DD` in `tz`: today (the default) or up to a year ahead.
    #[param(format = Date)]
    from: Option<String>,
    /// How many days, 1 to 14 (default 7).
    #[param(minimum = 1, maximum = 14)]
    days: Option<u32>,
    /// An IANA time zone, e.g. `America/Chicago`, for the days and local
    /// times; the practice's zone when left out.
    tz: Option<String>,
}

/// A kind of session the therapist offers to new clients.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct SessionTypeOffer {
    id: String,
    name: String,
    minutes: u32,
    /// The fee in cents, if the practice publishes one.
    fee_cents: Option<i64>,
    /// `in_person` and/or `telehealth`.
    formats: Vec<&'static str>,
    /// A short first consultation.
    trial: bool,
    /// A request waits for the therapist's answer before it is booked.
    needs_approval: bool,
}

/// One free time.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct FreeTime {
    /// RFC 3339, UTC.
    start: String,
    /// RFC 3339, UTC.
    end: String,
    /// The start in the answer's time zone, RFC 3339 with its offset.
    local: String,
}

pub(crate) fn free_time(slot: &Slot, zone: &TimeZone) -> FreeTime {
    FreeTime { start: slot.start.to_string(), end: slot.end.to_string(), local: local(slot.start, zone) }
}

/// An instant on `zone`'s clock, RFC 3339 with its offset.
pub(crate) fn local(at: jiff::Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// A time asked for was taken meanwhile (409): the error shape, with the
/// nearest free times to choose from instead.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Taken {
    /// Always `taken`.
    error: &'static str,
    message: String,
    /// The nearest free times, soonest first (possibly none).
    alternatives: Vec<FreeTime>,
}

impl Taken {
    pub(crate) fn response(message: &str, alternatives: Vec<FreeTime>) -> axum::response::Response {
        use axum::response::IntoResponse;
        let body = Taken { error: "taken", message: message.to_string(), alternatives };
        (axum::http::StatusCode::CONFLICT, Json(body)).into_response()
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct FreeTimes {
    therapist_id: String,
    /// Every kind of session offered, trial consultations first.
    session_types: Vec<SessionTypeOffer>,
    /// The session type and format these times are for.
    session_type: String,
    format: &'static str,
    /// The zone of `from`, `to` and `local`.
    time_zone: String,
    /// The first day covered and the day after the last, `YYYY-MM-DD`.
    from: String,
    to: String,
    /// Soonest first.
    times: Vec<FreeTime>,
}

fn offer(kind: &SessionKind) -> SessionTypeOffer {
    SessionTypeOffer {
        id: kind.id.to_string(),
        name: kind.name.clone(),
        minutes: kind.duration_minutes,
        fee_cents: kind.fee_cents,
        formats: formats(kind).into_iter().map(SessionFormat::as_str).collect(),
        trial: kind.trial,
        needs_approval: kind.needs_approval,
    }
}

/// A given value of an optional parameter: an empty one is given, and
/// refused like any value that does not fit (leave it out instead).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref()
}

/// A listed therapist's free times for one kind of session and format,
/// over up to two weeks, as their booking page offers them.
#[utoipa::path(get, path = "/api/v1/therapists/{id}/free-times", tag = "scheduling",
    params(("id" = String, Path, description = "The therapist's id, from `GET /api/v1/therapists`"), FreeTimesQuery),
    responses(
        (status = 200, description = "Free times, soonest first (none is an empty list)", body = FreeTimes),
        (status = 404, description = "No listed therapist who takes new clients has this id", body = ErrorBody),
        (status = 422, description = "A parameter the therapist's offer or the calendar cannot meet; see `fields`", body = ErrorBody)))]
pub(crate) async fn free_times(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<FreeTimesQuery>,
) -> Result<Json<FreeTimes>, ApiError> {
    let therapist: UserId = id.parse().map_err(|_| ApiError(AppError::NotFound))?;
    let scheduling = state.app.scheduling();
    let options = scheduling.booking_options(therapist).await?.ok_or(ApiError(AppError::NotFound))?;
    let mut errors = FieldErrors::new();
    let zone = match given(&query.tz) {
        Some(name) => TimeZone::get(name).unwrap_or_else(|_| {
            errors.add("tz", "That time zone is not known. Use a name such as America/Chicago.");
            TimeZone::UTC
        }),
        None => options.practice.time_zone.zone().clone(),
    };
    let kind = match given(&query.session_type) {
        Some(wanted) => options.session_types.iter().find(|t| t.id.to_string() == wanted).or_else(|| {
            errors.add("session_type", "This therapist offers no session type with that id; see `session_types`.");
            None
        }),
        None => options.session_types.first(),
    };
    let format = match (given(&query.format), kind) {
        (Some(wanted), Some(kind)) => match SessionFormat::parse(wanted).filter(|f| formats(kind).contains(f)) {
            Some(format) => Some(format),
            None => {
                errors.add("format", "This session type is not offered in that format; see its `formats`.");
                None
            }
        },
        (None, Some(kind)) => formats(kind).first().copied(),
        (_, None) => None,
    };
    let days = query.days.unwrap_or(7);
    if !(1..=MAX_DAYS).contains(&days) {
        errors.add("days", format!("Ask for 1 to {MAX_DAYS} days."));
    }
    let today = state.app.now().to_zoned(zone.clone()).date();
    let first_day = match given(&query.from).map(str::parse::<jiff::civil::Date>) {
        None => today,
        Some(Ok(day)) if day <= today => today,
        Some(Ok(day)) if (day - today).get_days() <= MAX_DAYS_AHEAD as i32 => day,
        Some(_) => {
            errors.add("from", "Give a day as YYYY-MM-DD, from today to a year ahead.");
            today
        }
    };
    if !errors.is_empty() {
        return Err(ApiError(AppError::Invalid(errors)));
    }
    let span = |n: u32| jiff::Span::new().days(i64::from(n));
    let start_of = |day: jiff::civil::Date| day.to_zoned(zone.clone()).map(|z| z.timestamp());
    let last = first_day.checked_add(span(days)).map_err(|e| AppError::Internal(e.to_string()))?;
    let (from, to) = (start_of(first_day), start_of(last));
    let (Ok(from), Ok(to)) = (from, to) else {
        return Err(ApiError(AppError::Internal("a day without a start in its zone".into())));
    };
    let offers = options.session_types.iter().map(offer).collect();
    let (Some(kind), Some(format)) = (kind, format) else {
        // Nothing offered to book: no times, and nothing to choose.
        return Ok(Json(FreeTimes {
            therapist_id: id,
            session_types: offers,
            session_type: String::new(),
            format: "",
            time_zone: zone.iana_name().unwrap_or("UTC").to_string(),
            from: first_day.to_string(),
            to: last.to_string(),
            times: Vec::new(),
        }));
    };
    let slots = scheduling.bookable_slots(&options, kind, format, from, to).await?;
    let times = slots.iter().map(|slot| free_time(slot, &zone)).collect();
    Ok(Json(FreeTimes {
        therapist_id: id,
        session_types: offers,
        session_type: kind.id.to_string(),
        format: format.as_str(),
        time_zone: zone.iana_name().unwrap_or("UTC").to_string(),
        from: first_day.to_string(),
        to: last.to_string(),
        times,
    }))
}
