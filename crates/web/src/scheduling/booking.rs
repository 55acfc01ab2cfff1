//! Booking from the directory, for visitors: free times in their own time
//! zone, the short form, the email confirmation page; and, for therapists,
//! the requests waiting for an answer.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sensate_app::AppError;
use sensate_app::directory::search::reference_data;
use sensate_app::scheduling::booking::{
    Answer, BookingChoice, BookingInput, BookingOptions, BookingOutcome, Confirmation, HOLD_MINUTES,
};
use sensate_domain::locale::{zone_choice_label, zone_name};
use sensate_domain::practice::COMMON_TIME_ZONES;
use sensate_domain::scheduling::availability::{Slot, slots_by_local_day};
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat};
use sensate_domain::{AppointmentId, Locale, TimeZoneName, UserId};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::ui::{Choice, Done, Layout, Notice, path_id, render, render_status};

/// How many days of free times one page shows.
const DAYS_PER_PAGE: i64 = 7;

/// What the slot page and the form carry in the address: the choice, never
/// anything about the visitor's health.
#[derive(serde::Deserialize, Default, Clone)]
pub(crate) struct ChoiceQuery {
    #[serde(default, rename = "type")]
    session_type: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    tz: String,
    /// First day shown, YYYY-MM-DD in the visitor's zone.
    #[serde(default)]
    from: String,
    /// The chosen start, RFC 3339.
    #[serde(default)]
    start: String,
}

/// The zone the visitor's browser gave, else the practice's.
fn zone_or(name: &str, fallback: &TimeZoneName) -> TimeZone {
    TimeZone::get(name.trim()).unwrap_or_else(|_| fallback.zone().clone())
}

fn zone_choices(selected: &str) -> Vec<Choice> {
    let mut zones: Vec<&str> = COMMON_TIME_ZONES.to_vec();
    if !selected.is_empty() && !zones.contains(&selected) && TimeZone::get(selected).is_ok() {
        zones.push(selected);
    }
    zones
        .into_iter()
        .map(|z| Choice { value: z.to_string(), label: zone_choice_label(z), selected: z == selected })
        .collect()
}

async fn options(state: &AppState, id: &str) -> Result<BookingOptions, WebError> {
    let therapist: UserId = path_id(id)?;
    state.app.scheduling().booking_options(therapist).await?.ok_or(WebError(AppError::NotFound))
}

/// `GET /therapists/{id}/book`: free times, by day in the visitor's zone.
pub(crate) async fn slots(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(query): Query<ChoiceQuery>,
) -> Result<Response, WebError> {
    let options = options(&state, &id).await?;
    let zone = zone_or(&query.tz, &options.practice.time_zone);
    let iana = zone.iana_name().unwrap_or("UTC").to_string();
    let today = state.app.now().to_zoned(zone.clone()).date();
    let first_day = query.from.parse::<jiff::civil::Date>().ok().filter(|d| *d >= today).unwrap_or(today);
    let start_of = |day: jiff::civil::Date| day.to_zoned(zone.clone()).map(|z| z.timestamp());
    let (from, to) =
        match (start_of(first_day), first_day.checked_add(jiff::Span::new().days(DAYS_PER_PAGE)).map(start_of)) {
            (Ok(from), Ok(Ok(to))) => (from, to),
            _ => return Err(WebError(AppError::NotFound)),
        };
    let mut days = Vec::new();
    let (kind_id, format) = match chosen_parts(&options, &query) {
        Some((kind, format)) => {
            let slots = state.app.scheduling().bookable_slots(&options, &kind, format, from, to).await?;
            days = slot_days(&options, &slots, &zone, kind.id, format, page.layout.locale);
            (kind.id.to_string(), format.as_str().to_string())
        }
        None => (String::new(), String::new()),
    };
    let next = first_day.checked_add(jiff::Span::new().days(DAYS_PER_PAGE)).map(|d| d.to_string()).unwrap_or_default();
    let locale = page.layout.locale;
    let template = BookingSlotsTemplate {
        layout: page.layout.at("therapists"),
        therapist_id: id,
        name: options.name.clone(),
        practice_name: options.practice.name.clone(),
        session_types: options
            .session_types
            .iter()
            .map(|t| Choice { value: t.id.to_string(), label: type_label(t), selected: t.id.to_string() == kind_id })
            .collect(),
        format,
        zones: zone_choices(&iana),
        zone_detect: query.tz.is_empty(),
        first_day: locale.day(first_day),
        zone: zone_name(&zone),
        days,
        earlier: (first_day > today).then(|| {
            first_day
                .checked_sub(jiff::Span::new().days(DAYS_PER_PAGE))
                .map(|d| d.max(today).to_string())
                .unwrap_or_default()
        }),
        later: next,
        notice: None,
    };
    Ok(render(&template)?.into_response())
}

/// The session type and format asked for, or the first offered.
fn chosen_parts(
    options: &BookingOptions,
    query: &ChoiceQuery,
) -> Option<(sensate_app::scheduling::booking::SessionKind, SessionFormat)> {
    let kind = options
        .session_types
        .iter()
        .find(|t| t.id.to_string() == query.session_type)
        .or_else(|| options.session_types.first())?
        .clone();
    let offered = sensate_app::scheduling::session_types::formats(&kind);
    let format = SessionFormat::parse(&query.format).filter(|f| offered.contains(f)).or(offered.first().copied())?;
    Some((kind, format))
}

fn type_label(t: &sensate_app::scheduling::booking::SessionKind) -> String {
    let fee = match t.fee_cents {
        Some(0) => " · free".to_string(),
        Some(cents) => format!(" · {}", sensate_app::money::dollars(cents)),
        None => String::new(),
    };
    format!("{} ({} min){fee}", t.name, t.duration_minutes)
}

fn slot_days(
    options: &BookingOptions,
    slots: &[Slot],
    zone: &TimeZone,
    kind: sensate_domain::SessionTypeId,
    format: SessionFormat,
    locale: Locale,
) -> Vec<SlotDay> {
    let tz = zone.iana_name().unwrap_or("UTC");
    slots_by_local_day(slots, zone)
        .into_iter()
        .map(|day| SlotDay {
            heading: locale.day(day.date),
            slots: day
                .slots
                .iter()
                .map(|s| SlotLink {
                    time: locale.time(&s.start),
                    href: format!(
                        "/therapists/{}/book/details?type={kind}&format={}&tz={}&start={}",
                        options.therapist,
                        format.as_str(),
                        percent_encoding::utf8_percent_encode(tz, percent_encoding::NON_ALPHANUMERIC),
                        percent_encoding::utf8_percent_encode(
                            &s.slot.start.to_string(),
                            percent_encoding::NON_ALPHANUMERIC
                        ),
                    ),
                })
                .collect(),
        })
        .collect()
}

/// The visitor's choice from the address, checked against what is offered;
/// an address that does not fit was not one of ours.
fn choice_from(options: &BookingOptions, query: &ChoiceQuery) -> Result<BookingChoice, WebError> {
    options.choose(&query.session_type, &query.format, &query.start).map_err(|_| WebError(AppError::NotFound))
}

#[derive(serde::Deserialize, Default, Clone)]
pub(crate) struct BookingForm {
    #[serde(default, rename = "type")]
    pub(crate) session_type: String,
    #[serde(default)]
    pub(crate) format: String,
    #[serde(default)]
    pub(crate) start: String,
    #[serde(default)]
    pub(crate) tz: String,
    #[serde(default)]
    pub(crate) stamp: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) with_partner: Option<String>,
    #[serde(default)]
    pub(crate) partner_email: String,
    #[serde(default)]
    pub(crate) concern: String,
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) payment: String,
    #[serde(default)]
    pub(crate) voicemail_ok: Option<String>,
    #[serde(default)]
    pub(crate) discreet_email: Option<String>,
    #[serde(default)]
    pub(crate) consent_privacy: Option<String>,
    #[serde(default)]
    pub(crate) consent_adult: Option<String>,
    #[serde(default)]
    pub(crate) jurisdiction: String,
    #[serde(default)]
    pub(crate) website: String,
}

impl BookingForm {
    fn query(&self) -> ChoiceQuery {
        ChoiceQuery {
            session_type: self.session_type.clone(),
            format: self.format.clone(),
            tz: self.tz.clone(),
            from: String::new(),
            start: self.start.clone(),
        }
    }

    fn input(&self) -> BookingInput {
        BookingInput {
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            with_partner: self.with_partner.is_some(),
            partner_email: self.partner_email.clone(),
            concern: self.concern.clone(),
            message: self.message.clone(),
            payment: self.payment.clone(),
            voicemail_ok: self.voicemail_ok.is_some(),
            discreet_email: self.discreet_email.is_some(),
            consent_privacy: self.consent_privacy.is_some(),
            consent_adult: self.consent_adult.is_some(),
            jurisdiction: self.jurisdiction.clone(),
            visitor_time_zone: self.tz.clone(),
            website: self.website.clone(),
            stamp: self.stamp.clone(),
        }
    }
}

fn details_page(
    state: &AppState,
    page: Page,
    options: &BookingOptions,
    choice: BookingChoice,
    form: BookingForm,
    errors: Vec<(&'static str, String)>,
) -> Result<BookingDetailsTemplate, WebError> {
    let reference = reference_data()?;
    let kind =
        options.session_types.iter().find(|t| t.id == choice.session_type).ok_or(WebError(AppError::NotFound))?;
    let zone = zone_or(&form.tz, &options.practice.time_zone);
    // A form shown again with its mistakes keeps the time it was first shown,
    // so a quick correction is not taken for a script.
    let stamp = if form.stamp.is_empty() { state.app.scheduling().booking_form_stamp()? } else { form.stamp.clone() };
    let jurisdictions = options
        .licensed_in
        .iter()
        .filter_map(|id| reference.jurisdiction(id))
        .map(|j| Choice { value: j.id.clone(), label: j.name.clone(), selected: j.id == form.jurisdiction })
        .collect();
    let when = format!("{} · {}", page.layout.locale.when(choice.start, &zone), choice.format.label());
    Ok(BookingDetailsTemplate {
        layout: page.layout.at("therapists"),
        therapist_id: options.therapist.to_string(),
        name: options.name.clone(),
        practice_name: options.practice.name.clone(),
        session: type_label(kind),
        when,
        telehealth: choice.format == SessionFormat::Telehealth,
        couple: kind.participants == sensate_domain::scheduling::Participants::Couple,
        concerns: std::iter::once(Choice {
            value: String::new(),
            label: "I would rather not say".into(),
            selected: form.concern.is_empty(),
        })
        .chain(reference.concerns().iter().map(|c| Choice {
            value: c.slug.clone(),
            label: c.name.clone(),
            selected: c.slug == form.concern,
        }))
        .collect(),
        payments: [("", "I am not sure yet"), ("self_pay", "Self-pay")]
            .into_iter()
            .map(|(v, l)| (v.to_string(), l.to_string()))
            .chain(reference.payers().iter().map(|p| (p.slug.clone(), p.name.clone())))
            .map(|(value, label)| Choice { selected: value == form.payment, value, label })
            .collect(),
        jurisdictions,
        stamp,
        hold_minutes: HOLD_MINUTES,
        form,
        errors,
    })
}

/// `GET /therapists/{id}/book/at?start=…&tz=…`: a time a result card or a
/// declined request's email offered. Still free, it leads to the form for
/// it (the kind of session named, else the first offered; in the format
/// asked for when that has the time, else the other); taken since, to that
/// day's free times.
pub(crate) async fn at_time(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<ChoiceQuery>,
) -> Result<Response, WebError> {
    let options = options(&state, &id).await?;
    let start: Timestamp = query.start.parse().map_err(|_| WebError(AppError::NotFound))?;
    // The kind asked for (a counter-offer names it), else the first offered.
    let asked_kind = options.session_types.iter().find(|t| t.id.to_string() == query.session_type);
    let kind = asked_kind.or(options.session_types.first()).ok_or(WebError(AppError::NotFound))?;
    let zone = zone_or(&query.tz, &options.practice.time_zone);
    let tz =
        percent_encoding::utf8_percent_encode(zone.iana_name().unwrap_or("UTC"), percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let mut formats = sensate_app::scheduling::session_types::formats(kind);
    let asked = SessionFormat::parse(&query.format);
    formats.sort_by_key(|format| Some(*format) != asked);
    let just_after = start + jiff::SignedDuration::from_secs(1);
    for format in formats {
        let slots = state.app.scheduling().bookable_slots(&options, kind, format, start, just_after).await?;
        if slots.iter().any(|slot| slot.start == start) {
            let start = start.to_string();
            let start = percent_encoding::utf8_percent_encode(&start, percent_encoding::NON_ALPHANUMERIC);
            let to = format!(
                "/therapists/{id}/book/details?type={}&format={}&tz={tz}&start={start}",
                kind.id,
                format.as_str()
            );
            return Ok(Redirect::to(&to).into_response());
        }
    }
    let day = start.to_zoned(zone).date();
    Ok(Redirect::to(&format!("/therapists/{id}/book?type={}&tz={tz}&from={day}", kind.id)).into_response())
}

/// `GET /therapists/{id}/book/details`: the short form for the chosen time.
pub(crate) async fn details(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(query): Query<ChoiceQuery>,
) -> Result<Response, WebError> {
    let options = options(&state, &id).await?;
    let choice = choice_from(&options, &query)?;
    let form = BookingForm {
        session_type: query.session_type.clone(),
        format: query.format.clone(),
        start: query.start.clone(),
        tz: query.tz.clone(),
        discreet_email: Some("on".into()),
        ..BookingForm::default()
    };
    Ok(render(&details_page(&state, page, &options, choice, form, Vec::new())?)?.into_response())
}

/// `POST /therapists/{id}/book`: checks the form, holds the time, emails the link.
pub(crate) async fn submit(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(form): Form<BookingForm>,
) -> Result<Response, WebError> {
    let options = options(&state, &id).await?;
    let choice = choice_from(&options, &form.query())?;
    match state.app.scheduling().request_booking(&options, choice, &form.input(), &page.ip).await {
        Ok(BookingOutcome::CheckEmail { email }) => {
            let template =
                BookingSentTemplate { layout: page.layout.at("therapists"), email, hold_minutes: HOLD_MINUTES };
            Ok(render(&template)?.into_response())
        }
        Ok(BookingOutcome::Taken { alternatives }) => {
            let zone = zone_or(&form.tz, &options.practice.time_zone);
            let days =
                slot_days(&options, &alternatives, &zone, choice.session_type, choice.format, page.layout.locale);
            let template = BookingSlotsTemplate {
                layout: page.layout.at("therapists"),
                therapist_id: id,
                name: options.name.clone(),
                practice_name: options.practice.name.clone(),
                session_types: Vec::new(),
                format: choice.format.as_str().to_string(),
                zones: Vec::new(),
                zone_detect: false,
                first_day: String::new(),
                zone: zone_name(&zone),
                days,
                earlier: None,
                later: String::new(),
                notice: Some(Notice::info(
                    "This time was just taken. Here are the nearest free times; nothing was saved.",
                )),
            };
            render_status(StatusCode::CONFLICT, &template)
        }
        Err(AppError::Invalid(errors)) => {
            // A form that was open too long is shown again with a new stamp.
            let mut form = form;
            if errors.get(sensate_app::scheduling::booking::EXPIRED_FORM).is_some() {
                form.stamp.clear();
            }
            let errors = errors.iter().map(|(f, m)| (f, m.to_string())).collect();
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &details_page(&state, page, &options, choice, form, errors)?,
            )
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /bookings/confirm/{token}`: what the link stands for, and a button.
/// Opening the link changes nothing (mail scanners open links too).
pub(crate) async fn confirm_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let pending = state.app.scheduling().pending_booking(&token).await?.ok_or(WebError(AppError::LinkInvalid))?;
    let now = state.app.now();
    let message = match pending.status {
        AppointmentStatus::Held if pending.held_until.is_some_and(|until| until > now) => None,
        AppointmentStatus::Held | AppointmentStatus::Expired => Some(
            "The time was held for you for a limited time, and that time has passed. Please choose a time again."
                .to_string(),
        ),
        _ => Some("You have confirmed this request already.".to_string()),
    };
    let heading = match (&message, pending.status) {
        (None, _) => "Confirm your request",
        (Some(_), AppointmentStatus::Held | AppointmentStatus::Expired) => "This time is no longer held",
        (Some(_), _) => "Already confirmed",
    };
    let template = BookingConfirmTemplate {
        layout: page.layout.at("therapists"),
        heading,
        next: Vec::new(),
        token,
        can_confirm: message.is_none(),
        message: message.unwrap_or_default(),
        practice_name: pending.practice_name,
        therapist_name: pending.therapist_name,
        session: pending.session,
        when: pending.when,
        done: None,
    };
    Ok(render(&template)?.into_response())
}

/// `POST /bookings/confirm/{token}`: the visitor confirms their email.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let ip = page.ip.clone();
    let pending = state.app.scheduling().pending_booking(&token).await?.ok_or(WebError(AppError::LinkInvalid))?;
    let outcome = state.app.scheduling().confirm_booking(&token, &ip).await?.ok_or(WebError(AppError::LinkInvalid))?;
    let therapist = pending.therapist_name.clone();
    let (status, heading, done, next) = match outcome {
        Confirmation::Done(AppointmentStatus::Confirmed) => (
            StatusCode::OK,
            "Your appointment is confirmed",
            "Thank you. Your appointment is confirmed.",
            vec![
                "A confirmation is on its way to your email, with a calendar file and a link to see, cancel or move the appointment.".to_string(),
                "Reminders come by email before the session.".to_string(),
            ],
        ),
        Confirmation::Done(_) => (
            StatusCode::OK,
            "Your request was sent",
            "Thank you. Your request was sent.",
            vec![
                format!("{therapist} answers by email. If they confirm, you get a confirmation with a link to see, cancel or move the appointment; if the time cannot be offered, you are asked to choose another."),
                "A receipt of your request is on its way to your email.".to_string(),
                "The time stays kept for you until then.".to_string(),
            ],
        ),
        Confirmation::AlreadyConfirmed => {
            (StatusCode::OK, "Already confirmed", "You have confirmed this request already.", Vec::new())
        }
        Confirmation::Lapsed => (
            StatusCode::GONE,
            "This time is no longer held",
            "The time was held for you for a limited time, and that time has passed. Please choose a time again.",
            Vec::new(),
        ),
    };
    let template = BookingConfirmTemplate {
        layout: page.layout.at("therapists"),
        heading,
        next,
        token: String::new(),
        can_confirm: false,
        message: String::new(),
        practice_name: pending.practice_name,
        therapist_name: pending.therapist_name,
        session: pending.session,
        when: pending.when,
        done: Some(done.to_string()),
    };
    render_status(status, &template)
}

/// `GET /requests`: the therapist's booking requests waiting for an answer.
pub(crate) async fn requests(
    State(state): State<AppState>,
    page: Page,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let notice = match done.done.as_str() {
        "confirmed" => Some(Notice::success("Confirmed. The client was told by email.")),
        "declined" => Some(Notice::success(
            "Declined. The person was told by email what they can do instead, and the time is free again.",
        )),
        _ => None,
    };
    Ok(render(&requests_page(&state, &actor, layout, notice).await?)?.into_response())
}

async fn requests_page(
    state: &AppState,
    actor: &sensate_app::Actor,
    layout: Layout,
    notice: Option<Notice>,
) -> Result<BookingRequestsTemplate, WebError> {
    let waiting = state.app.scheduling().waiting_requests(actor).await?;
    let reference = reference_data()?;
    let zone = actor.practice_zone();
    let mut rows = Vec::new();
    let all = waiting
        .mine
        .iter()
        .map(|(view, session)| (view, session, None))
        .chain(waiting.left.iter().map(|(view, session, therapist)| (view, session, Some(therapist.clone()))));
    for (view, session, therapist) in all {
        // What brings them is for their therapist: the front desk declines without it.
        let (concern, message) =
            if therapist.is_none() { state.app.scheduling().booking_reason(view)? } else { Default::default() };
        let offers =
            if therapist.is_none() { state.app.scheduling().times_to_offer_instead(view).await? } else { Vec::new() };
        let request = &view.request;
        rows.push(BookingRequestRow {
            id: request.appointment_id.to_string(),
            name: request.name.clone(),
            email: request.email.to_string(),
            phone: request.phone.clone(),
            when: format!("{} · {}", layout.locale.when(view.starts_at, &zone), view.format.label()),
            session: session.clone(),
            partner: request.with_partner.then(|| {
                if let Some(partner) = &request.partner_email {
                    format!("with a partner, {partner}")
                } else {
                    "with a partner (no address given)".to_string()
                }
            }),
            payment: match request.payment.as_str() {
                "" => String::new(),
                "self_pay" => "Paying themselves".to_string(),
                slug => reference.payer(slug).map(|p| format!("Insurance: {}", p.name)).unwrap_or_default(),
            },
            located: reference.jurisdiction(&request.jurisdiction).map(|j| j.name.clone()).unwrap_or_default(),
            concern: reference.concern(&concern).map(|c| c.name.clone()).unwrap_or_default(),
            message,
            voicemail_ok: request.voicemail_ok,
            therapist,
            offers: offers
                .iter()
                .map(|start| TimeChoice {
                    id: format!("offer-{}-{}", request.appointment_id, start.as_second()),
                    value: start.to_string(),
                    label: layout.locale.when(*start, &zone),
                })
                .collect(),
        });
    }
    Ok(BookingRequestsTemplate {
        layout: layout.at("requests"),
        notice,
        requests: rows,
        reasons: sensate_domain::scheduling::reasons::DECLINE_REASONS.iter().map(|r| (r.slug, r.label)).collect(),
    })
}

async fn answer(state: AppState, page: Page, id: String, answer: Answer<'_>) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let appointment: AppointmentId = path_id(&id)?;
    match state.app.scheduling().answer_booking_request(&actor, appointment, answer).await {
        Ok(_) => {
            let done = if matches!(answer, Answer::Confirm) { "confirmed" } else { "declined" };
            Ok(Redirect::to(&format!("/requests?done={done}")).into_response())
        }
        // The page again, with what went wrong where the eye is.
        Err(AppError::Invalid(errors)) => {
            let message = errors.iter().next().map(|(_, m)| m.to_string()).unwrap_or_default();
            let page = requests_page(&state, &actor, layout, Some(Notice::error(message))).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn accept_request(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    answer(state, page, id, Answer::Confirm).await
}

/// `POST /requests/{id}/decline`: a reason, and any other times (`offer`,
/// repeated) offered instead.
pub(crate) async fn decline_request(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let reason = pairs.iter().find(|(name, _)| name == "reason").map(|(_, value)| value.as_str()).unwrap_or_default();
    let offers: Vec<String> =
        pairs.iter().filter(|(name, _)| name == "offer").map(|(_, value)| value.clone()).collect();
    answer(state, page, id, Answer::Decline { reason, offers: &offers }).await
}

/// A free time a visitor can choose.
#[derive(Debug, Clone)]
pub(crate) struct SlotLink {
    /// "14:30 (CET)", in the visitor's zone.
    pub time: String,
    pub href: String,
}

/// A day of free times, in the visitor's zone.
#[derive(Debug, Clone)]
pub(crate) struct SlotDay {
    pub heading: String,
    pub slots: Vec<SlotLink>,
}

#[derive(Template)]
#[template(path = "scheduling/booking/slots.html")]
pub(crate) struct BookingSlotsTemplate {
    pub layout: Layout,
    pub therapist_id: String,
    pub name: String,
    pub practice_name: String,
    pub session_types: Vec<Choice>,
    pub format: String,
    pub zones: Vec<Choice>,
    /// No zone was chosen yet: the page's script may fill in the browser's.
    pub zone_detect: bool,
    pub first_day: String,
    /// The zone the times are in, by its everyday name.
    pub zone: String,
    pub days: Vec<SlotDay>,
    pub earlier: Option<String>,
    pub later: String,
    pub notice: Option<Notice>,
}

#[derive(Template)]
#[template(path = "scheduling/booking/details.html")]
pub(crate) struct BookingDetailsTemplate {
    pub layout: Layout,
    pub therapist_id: String,
    pub name: String,
    pub practice_name: String,
    pub session: String,
    pub when: String,
    pub telehealth: bool,
    pub couple: bool,
    pub concerns: Vec<Choice>,
    pub payments: Vec<Choice>,
    pub jurisdictions: Vec<Choice>,
    pub stamp: String,
    pub hold_minutes: i64,
    pub form: crate::scheduling::booking::BookingForm,
    pub errors: Vec<(&'static str, String)>,
}

impl BookingDetailsTemplate {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

#[derive(Template)]
#[template(path = "scheduling/booking/sent.html")]
pub(crate) struct BookingSentTemplate {
    pub layout: Layout,
    pub email: String,
    pub hold_minutes: i64,
}

#[derive(Template)]
#[template(path = "scheduling/booking/confirm.html")]
pub(crate) struct BookingConfirmTemplate {
    pub layout: Layout,
    /// Where the visitor stands: to confirm, sent, confirmed, lapsed.
    pub heading: &'static str,
    /// What happens next, once confirmed.
    pub next: Vec<String>,
    pub token: String,
    pub can_confirm: bool,
    pub message: String,
    pub practice_name: String,
    pub therapist_name: String,
    pub session: String,
    pub when: String,
    /// What confirming did, once done.
    pub done: Option<String>,
}

/// A booking request as the therapist sees it.
#[derive(Debug, Clone)]
pub(crate) struct BookingRequestRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub when: String,
    /// The kind of session asked for.
    pub session: String,
    /// Who comes with them, when a partner does.
    pub partner: Option<String>,
    /// How they pay: themselves, or which insurance; empty when not said.
    pub payment: String,
    /// Where they will be for a video session (a state), or empty.
    pub located: String,
    pub concern: String,
    pub message: String,
    pub voicemail_ok: bool,
    /// For a request to a therapist who no longer works here: their name
    /// (the front desk can only decline it).
    pub therapist: Option<String>,
    /// Free times that may be offered instead when declining, as checkboxes.
    pub offers: Vec<TimeChoice>,
}

/// A free time offered with a decline, as a checkbox.
#[derive(Debug, Clone)]
pub(crate) struct TimeChoice {
    pub id: String,
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "scheduling/booking/requests.html")]
pub(crate) struct BookingRequestsTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub requests: Vec<BookingRequestRow>,
    /// Why a request may be declined: (slug, label).
    pub reasons: Vec<(&'static str, &'static str)>,
}
