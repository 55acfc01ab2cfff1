//! Booking over JSON, for integrators (a practice's own site, an intake
//! service): the same use case as the booking form, under the same rules.
//! A stamp is handed out first and the request may be sent with it once,
//! no sooner than a person could fill in a form and within a day; requests
//! are limited per network address and per recipient; the time is held
//! until the visitor confirms by the link emailed to them, as with the form.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::tz::TimeZone;
use sensate_app::AppError;
use sensate_app::directory::search::reference_data;
use sensate_app::scheduling::booking::{
    BookingInput, BookingOptions, BookingOutcome, EXPIRED_FORM, HOLD_MINUTES, MIN_SECONDS_TO_SUBMIT, STAMP_LIFETIME,
};
use sensate_domain::UserId;

use super::{FreeTime, Taken, free_time};
use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, Caller};

async fn options(state: &AppState, id: &str) -> Result<BookingOptions, ApiError> {
    let therapist: UserId = id.parse().map_err(|_| ApiError(AppError::NotFound))?;
    state.app.scheduling().booking_options(therapist).await?.ok_or(ApiError(AppError::NotFound))
}

/// A choice from a list: its value and what a person reads.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Choice {
    value: String,
    label: String,
}

/// What a booking request needs besides a free time.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct BookingForm {
    /// Send it with the request, once, from `submit_after_seconds` after
    /// this answer until `expires_in_seconds`. Sent sooner or again, the
    /// request is taken for a script's: answered alike, nothing kept or sent.
    stamp: String,
    submit_after_seconds: i64,
    expires_in_seconds: i64,
    /// How long a requested time is held while the visitor confirms by email.
    hold_minutes: i64,
    /// Values for `concern` (or leave it empty: "I would rather not say").
    concerns: Vec<Choice>,
    /// Values for `payment`: `self_pay` or an insurer (or leave it empty: not sure yet).
    payments: Vec<Choice>,
    /// Values for `jurisdiction`, needed for a video session: where the
    /// therapist holds a current licence.
    jurisdictions: Vec<Choice>,
}

/// A stamp for one booking request, and the values its fields take.
#[utoipa::path(get, path = "/api/v1/therapists/{id}/booking-form", tag = "scheduling",
    params(("id" = String, Path, description = "The therapist's id, from `GET /api/v1/therapists`")),
    responses(
        (status = 200, description = "A fresh stamp and the lists", body = BookingForm),
        (status = 404, description = "No listed therapist who takes new clients has this id", body = ErrorBody)))]
pub(crate) async fn booking_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<BookingForm>, ApiError> {
    let options = options(&state, &id).await?;
    let reference = reference_data()?;
    let stamp = state.app.scheduling().booking_form_stamp()?;
    let option = |value: &str, label: &str| Choice { value: value.to_string(), label: label.to_string() };
    Ok(Json(BookingForm {
        stamp,
        submit_after_seconds: MIN_SECONDS_TO_SUBMIT,
        expires_in_seconds: STAMP_LIFETIME.as_secs(),
        hold_minutes: HOLD_MINUTES,
        concerns: reference.concerns().iter().map(|c| option(&c.slug, &c.name)).collect(),
        payments: std::iter::once(option("self_pay", "Self-pay"))
            .chain(reference.payers().iter().map(|p| option(&p.slug, &p.name)))
            .collect(),
        jurisdictions: options
            .licensed_in
            .iter()
            .filter_map(|id| reference.jurisdiction(id))
            .map(|j| option(&j.id, &j.name))
            .collect(),
    }))
}

fn yes() -> bool {
    true
}

/// A visitor's request for a free time; the fields are the booking form's.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct BookingRequest {
    /// A session type's id from `free-times`.
    session_type: String,
    /// `in_person` or `telehealth`.
    #[schema(pattern = "^(in_person|telehealth)$")]
    format: String,
    /// The `start` of one of the free times offered, RFC 3339.
    #[schema(format = DateTime)]
    start: String,
    /// The visitor's IANA time zone, e.g. `America/Chicago`: the email writes the time in it.
    visitor_time_zone: String,
    /// From `GET /api/v1/therapists/{id}/booking-form`.
    stamp: String,
    /// A name to be called by; one line, at most 80 characters.
    #[schema(min_length = 1, max_length = 80)]
    name: String,
    /// Where the confirmation link goes.
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Digits, spaces and `+ - ( ) .`, at most 30.
    #[serde(default)]
    #[schema(max_length = 30)]
    phone: String,
    /// Comes with a partner (required for a couples' session type).
    #[serde(default)]
    with_partner: bool,
    /// The partner's address, if given; they are invited once the request is accepted.
    #[serde(default)]
    #[schema(max_length = 254)]
    partner_email: String,
    /// A value from `concerns`, or empty.
    #[serde(default)]
    concern: String,
    /// Anything the therapist should know first; at most 2,000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    message: String,
    /// A value from `payments`, or empty.
    #[serde(default)]
    payment: String,
    /// The practice may leave a voicemail.
    #[serde(default)]
    voicemail_ok: bool,
    /// Emails name neither the service nor the kind of session (the default).
    #[serde(default = "yes")]
    discreet_email: bool,
    /// The visitor agreed to the practice's privacy notice: must be true.
    consent_privacy: bool,
    /// The visitor is 18 or older: must be true.
    consent_adult: bool,
    /// For a video session: a value from `jurisdictions`, where the visitor will be.
    #[serde(default)]
    jurisdiction: String,
}

/// The request is kept; the visitor confirms it by email.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct CheckEmail {
    /// Always `check_email`.
    status: &'static str,
    email: String,
    /// The time is held this long for the visitor to confirm; unconfirmed, it is let go.
    hold_minutes: i64,
}

/// Asks for a free time, exactly as the booking form does: the time is
/// held and a confirmation link emailed; once confirmed, the therapist
/// answers the request (or it is booked at once when the session type needs
/// no approval), all by email.
#[utoipa::path(post, path = "/api/v1/therapists/{id}/booking-requests", tag = "scheduling",
    params(("id" = String, Path, description = "The therapist's id, from `GET /api/v1/therapists`")),
    request_body = BookingRequest,
    responses(
        (status = 202, description = "Check email: the time is held until the link is used", body = CheckEmail),
        (status = 404, description = "No listed therapist who takes new clients has this id", body = ErrorBody),
        (status = 409, description = "The time is no longer free; the nearest free ones instead (`taken`)", body = Taken),
        (status = 422, description = "See `fields`; `stamp` when it is older than a day (ask for a new one)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address or to this email address", body = ErrorBody)))]
pub(crate) async fn request_booking(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BookingRequest>,
) -> Result<Response, ApiError> {
    let options = options(&state, &id).await?;
    let choice = options.choose(&body.session_type, &body.format, &body.start)?;
    let zone =
        TimeZone::get(body.visitor_time_zone.trim()).unwrap_or_else(|_| options.practice.time_zone.zone().clone());
    let input = BookingInput {
        name: body.name,
        email: body.email,
        phone: body.phone,
        with_partner: body.with_partner,
        partner_email: body.partner_email,
        concern: body.concern,
        message: body.message,
        payment: body.payment,
        voicemail_ok: body.voicemail_ok,
        discreet_email: body.discreet_email,
        consent_privacy: body.consent_privacy,
        consent_adult: body.consent_adult,
        jurisdiction: body.jurisdiction,
        visitor_time_zone: body.visitor_time_zone,
        // No honeypot over JSON: the stamp's rules are the test.
        website: String::new(),
        stamp: body.stamp,
    };
    match state.app.scheduling().request_booking(&options, choice, &input, &caller.ip).await {
        Ok(BookingOutcome::CheckEmail { email }) => {
            Ok((StatusCode::ACCEPTED, Json(CheckEmail { status: "check_email", email, hold_minutes: HOLD_MINUTES }))
                .into_response())
        }
        Ok(BookingOutcome::Taken { alternatives }) => {
            let alternatives: Vec<FreeTime> = alternatives.iter().map(|slot| free_time(slot, &zone)).collect();
            Ok(Taken::response(
                "This time was just taken; nothing was kept. These are the nearest free ones.",
                alternatives,
            ))
        }
        Err(AppError::Invalid(mut errors)) => {
            // The form's "send it again" is, over JSON, a new stamp.
            if errors.get(EXPIRED_FORM).is_some() {
                errors = sensate_domain::FieldErrors::new();
                errors.add("stamp", "This stamp is more than a day old; nothing was sent. Ask for a new one.");
            }
            Err(ApiError(AppError::Invalid(errors)))
        }
        Err(other) => Err(ApiError(other)),
    }
}
