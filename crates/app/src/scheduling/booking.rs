//! Booking a session from the directory. A visitor chooses a session type
//! and a free time, fills in a short form, and the time is held for
//! [`HOLD_MINUTES`] while they confirm their email by a single-use link;
//! only then does the clinician see the request. The database refuses a
//! time that was just taken (the visitor is offered the nearest free ones).
//!
//! Against abuse: a honeypot field and a minimum time to fill in the form
//! (both answered with an ordinary-looking page, storing and sending
//! nothing), and a limit per address.
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use sensate_domain::directory::reference::reference;
use sensate_domain::locale::local_time;
use sensate_domain::policy::Resource;
use sensate_domain::scheduling::availability::{Slot, nearest_alternatives};
use sensate_domain::scheduling::lifecycle::{self, CancellationPolicy, Change, Party};
use sensate_domain::scheduling::reasons;
use sensate_domain::scheduling::{AppointmentStatus, Participants, SessionFormat};
use sensate_domain::{AppointmentId, Email, FieldErrors, PracticeId, TimeZoneName, UserId};
use sensate_store::{
    AppointmentChange, Booking, BookingRequestRecord, BookingView, Changed, EventKind, NewAppointment,
    NewAppointmentEvent, PracticeRecord, SessionTypeRecord,
};

use crate::access::{Limit, account_bucket, ip_bucket};
use crate::actor::Scope;
use crate::audit::{Entry, outcome};
use crate::infra::crypto::Binding;
use crate::infra::secrets::{new_token, token_hash};
use crate::mail::{Letter, MailName};
use crate::scheduling::admission::{Admitted, AdmittedBy};
use crate::scheduling::availability::Looking;
use crate::scheduling::confirmation::{self, confirmation_email};
use crate::scheduling::session_types::formats;
use crate::{Actor, AppError};
use sensate_domain::policy::Action;

/// A kind of session, as the booking pages offer it.
pub use sensate_store::SessionTypeRecord as SessionKind;

/// How long a time is held while the visitor confirms their email.
pub const HOLD_MINUTES: i64 = 30;
/// A person needs at least this long to fill in the form; faster is a script.
pub const MIN_SECONDS_TO_SUBMIT: i64 = 3;
/// A form's stamp works once, and for this long after the form was shown:
/// a stamp sent again, or older, is a replay and is refused like a script.
pub const STAMP_LIFETIME: SignedDuration = SignedDuration::from_hours(24);
/// A time offered when the form was shown stays bookable this long as far
/// as the notice goes: a person who takes a few minutes over the form is not
/// told the time they chose was taken because the notice passed meanwhile.
pub const NOTICE_GRACE: SignedDuration = SignedDuration::from_mins(15);
/// The problem a form sent after [`STAMP_LIFETIME`] is reported under: the
/// form as a whole, to be sent again with a new stamp.
pub const EXPIRED_FORM: &str = "booking-form";
/// Booking requests stored per address per hour, unless the operator sets
/// another number (`--booking-requests-per-hour`).
pub const DEFAULT_BOOKING_REQUESTS_PER_HOUR: u32 = 5;
/// Clients may cancel or move online until this long before the start.
pub const CANCELLATION_NOTICE: CancellationPolicy = CancellationPolicy { notice: SignedDuration::from_hours(24) };
/// How many other times a declined request may be offered instead.
pub const MAX_OFFERS: usize = 3;
/// How many free times a request's card lists to offer instead.
pub const OFFER_CHOICES: usize = 6;
/// How far ahead those times are looked for.
const OFFERS_AHEAD: SignedDuration = SignedDuration::from_hours(24 * 21);
const NAME_MAX: usize = 80;
const MESSAGE_MAX: usize = 2_000;

/// The time a visitor chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingChoice {
    pub session_type: sensate_domain::SessionTypeId,
    pub format: SessionFormat,
    pub start: Timestamp,
}

/// The booking form, as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BookingInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub with_partner: bool,
    pub partner_email: String,
    /// A concern slug, or empty.
    pub concern: String,
    pub message: String,
    /// "self_pay", a payer slug, or empty.
    pub payment: String,
    pub voicemail_ok: bool,
    pub discreet_email: bool,
    pub consent_privacy: bool,
    pub consent_adult: bool,
    /// Where the visitor will be for a video session (jurisdiction id).
    pub jurisdiction: String,
    pub visitor_time_zone: String,
    /// The honeypot: people never see it, so it stays empty.
    pub website: String,
    /// When the form was shown, sealed by the server ([`App::booking_form_stamp`]).
    pub stamp: String,
}

/// What happened to a submitted form.
#[derive(Debug, Clone, PartialEq)]
pub enum BookingOutcome {
    /// "Check your email" (also what a bot is told).
    CheckEmail { email: String },
    /// The time was taken meanwhile: the nearest free ones instead.
    Taken { alternatives: Vec<Slot> },
}

/// What a visitor may book with a therapist.
#[derive(Debug, Clone)]
pub struct BookingOptions {
    pub therapist: UserId,
    pub name: String,
    pub practice: PracticeRecord,
    /// Active session types, trial consultations first.
    pub session_types: Vec<SessionTypeRecord>,
    /// Jurisdiction ids where a verified licence is current (for video sessions).
    pub licensed_in: Vec<String>,
}

impl BookingOptions {
    /// A visitor's choice as typed (a session type id, `in_person` or
    /// `telehealth`, an RFC 3339 start), checked against what is offered;
    /// whether the time is still free is for [`super::Scheduling::request_booking`].
    pub fn choose(&self, session_type: &str, format: &str, start: &str) -> Result<BookingChoice, AppError> {
        let mut errors = FieldErrors::new();
        let kind = self.session_types.iter().find(|t| t.id.to_string() == session_type.trim());
        if kind.is_none() {
            errors.add("session_type", "This therapist offers no session type with that id.");
        }
        let format = SessionFormat::parse(format.trim()).filter(|f| kind.is_some_and(|k| formats(k).contains(f)));
        if kind.is_some() && format.is_none() {
            errors.add("format", "This session type is not offered in that format.");
        }
        let start = start.trim().parse::<Timestamp>();
        if start.is_err() {
            errors.add("start", "Give the start of one of the free times offered (RFC 3339).");
        }
        AppError::invalid_if_any(errors)?;
        match (kind, format, start) {
            (Some(kind), Some(format), Ok(start)) => Ok(BookingChoice { session_type: kind.id, format, start }),
            _ => Err(AppError::Internal("validated booking choice missing".into())),
        }
    }
}

/// The first free time for a kind of session, for a directory profile.
#[derive(Debug, Clone)]
pub struct NextFreeTime {
    /// The session type's name, e.g. "Trial consultation".
    pub session: String,
    pub slot: Slot,
    /// The therapist's zone, in which the time is shown.
    pub time_zone: TimeZone,
}

/// A confirmation link's request, as its page shows it.
#[derive(Debug, Clone)]
pub struct PendingBooking {
    pub practice_name: String,
    pub therapist_name: String,
    pub session: String,
    /// In the visitor's time zone.
    pub when: String,
    pub status: AppointmentStatus,
    pub held_until: Option<Timestamp>,
}

/// What confirming a link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// Waiting for the therapist (or confirmed at once when no approval is needed).
    Done(AppointmentStatus),
    AlreadyConfirmed,
    /// The hold ran out first; the time may be free again or taken.
    Lapsed,
}

/// The operator's settings for public booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingPolicy {
    /// Booking requests stored per address in any hour. A practice whose
    /// visitors share one address (a clinic's network, a carrier's NAT)
    /// raises it; the honeypot and the minimum time to submit still apply.
    pub requests_per_hour: u32,
}

impl Default for BookingPolicy {
    fn default() -> Self {
        Self { requests_per_hour: DEFAULT_BOOKING_REQUESTS_PER_HOUR }
    }
}

impl BookingPolicy {
    fn limit(self) -> Limit {
        Limit { max: i64::from(self.requests_per_hour), window: SignedDuration::from_mins(60) }
    }
}

fn stamp_binding() -> Binding<'static> {
    Binding::new("booking_form", "issued_at", "-")
}

impl super::Scheduling<'_> {
    /// What a visitor may book with a listed therapist who accepts new
    /// clients; `None` otherwise (as if unknown).
    pub async fn booking_options(&self, therapist: UserId) -> Result<Option<BookingOptions>, AppError> {
        let Some((record, Some(practice))) = self.app.directory().listed_profile(therapist).await? else {
            return Ok(None);
        };
        if !record.profile.accepting_new_clients {
            return Ok(None);
        }
        let session_types = crate::directory::next_free::offered_session_types(
            self.app.store.session_types(practice.id).await?,
            record.profile.offers_in_person,
            record.profile.offers_telehealth,
        );
        let now = self.app.now();
        let mut licensed_in: Vec<String> = record
            .licences
            .iter()
            .filter(|l| crate::directory::search::licence_fact(l).is_current(now))
            .map(|l| l.jurisdiction.clone())
            .collect();
        licensed_in.sort();
        licensed_in.dedup();
        Ok(Some(BookingOptions { therapist, name: record.profile.display_name, practice, session_types, licensed_in }))
    }

    /// The first free time for the first session type offered (a trial
    /// consultation if the practice has one, else the shortest), within the
    /// therapist's booking horizon; `None` when nothing is bookable.
    pub async fn next_free_time(&self, options: &BookingOptions) -> Result<Option<NextFreeTime>, AppError> {
        let Some(kind) = options.session_types.first() else { return Ok(None) };
        let Some(hours) = self.app.store.availability(options.therapist).await? else { return Ok(None) };
        let now = self.app.now();
        let until = now + SignedDuration::from_hours(24 * (i64::from(hours.horizon_days) + 2));
        let duration = SignedDuration::from_mins(i64::from(kind.duration_minutes));
        let first = self.free_times(options.therapist, duration, formats(kind), now, until).await?.into_iter().next();
        let time_zone = hours.time_zone.zone().clone();
        Ok(first.map(|slot| NextFreeTime { session: kind.name.clone(), slot, time_zone }))
    }

    /// Free times for one session type and format, from `from` to `to`.
    pub async fn bookable_slots(
        &self,
        options: &BookingOptions,
        kind: &SessionTypeRecord,
        format: SessionFormat,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Slot>, AppError> {
        self.bookable_slots_offered(options, kind, format, from, to, self.app.now()).await
    }

    /// [`Self::bookable_slots`] with the notice counted from `offered_at`,
    /// when the visitor was shown the time.
    async fn bookable_slots_offered(
        &self,
        options: &BookingOptions,
        kind: &SessionTypeRecord,
        format: SessionFormat,
        from: Timestamp,
        to: Timestamp,
        offered_at: Timestamp,
    ) -> Result<Vec<Slot>, AppError> {
        if !formats(kind).contains(&format) {
            return Ok(Vec::new());
        }
        let duration = SignedDuration::from_mins(i64::from(kind.duration_minutes));
        let looking = Looking { moving: None, notice_from: offered_at };
        self.free_times_besides(options.therapist, duration, vec![format], from, to, looking).await
    }

    /// Whether a clinician's role in the practice was disabled (or their
    /// account): they can no longer answer what waits for them.
    async fn clinician_left(&self, practice: PracticeId, clinician: UserId) -> Result<bool, AppError> {
        Ok(self.therapists(practice, false).await?.iter().any(|(id, _)| *id == clinician))
    }

    /// The booking requests an actor answers: a therapist's own, and for the
    /// front desk those of therapists who no longer work here.
    pub async fn waiting_requests(&self, actor: &Actor) -> Result<WaitingRequests, AppError> {
        let own = actor.may(Action::ViewSchedule, Scope::Themselves);
        let front_desk = actor.may(Action::ViewSchedule, Scope::Practice);
        // Someone with neither is refused (and the refusal audited) as before.
        let mine = if own || !front_desk { self.my_booking_requests(actor).await? } else { Vec::new() };
        let left = if front_desk { self.requests_left_unanswered(actor).await? } else { Vec::new() };
        Ok(WaitingRequests { mine, left })
    }

    /// Booking requests waiting for therapists who no longer work in the
    /// practice, for the front desk to answer (`AnswerBookingRequest`), each
    /// with the kind of session and the therapist's name.
    pub async fn requests_left_unanswered(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(BookingView, String, String)>, AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        let left = self.therapists(practice, false).await?;
        let kinds = self.app.store.session_types(practice).await?;
        let mut requests = Vec::new();
        for (clinician, name) in left {
            let resource = Resource::BookingRequest { practice, clinician, clinician_active: false };
            if sensate_domain::policy::decide(&actor.facts(), Action::AnswerBookingRequest, &resource)
                != sensate_domain::policy::Decision::Allow
            {
                continue;
            }
            for view in self.app.store.booking_requests_for(clinician, self.app.now()).await? {
                let kind = kinds
                    .iter()
                    .find(|k| k.id == view.request.session_type_id)
                    .map(|k| k.name.clone())
                    .unwrap_or_default();
                requests.push((view, kind, name.clone()));
            }
        }
        if !requests.is_empty() {
            self.app
                .audit_actor(
                    actor,
                    Some(practice),
                    "view_booking_requests",
                    "practice",
                    practice.to_string(),
                    outcome::ALLOWED,
                )
                .await?;
        }
        Ok(requests)
    }

    /// Free times of the same kind and format the clinician could offer
    /// instead of a request's time: the first [`OFFER_CHOICES`] from now.
    /// None when they take no new clients or the kind is no longer offered.
    pub async fn times_to_offer_instead(&self, view: &BookingView) -> Result<Vec<Timestamp>, AppError> {
        let Some(options) = self.booking_options(view.clinician_id).await? else { return Ok(Vec::new()) };
        let Some(kind) = options.session_types.iter().find(|k| k.id == view.request.session_type_id) else {
            return Ok(Vec::new());
        };
        let now = self.app.now();
        let slots = self.bookable_slots(&options, kind, view.format, now, now + OFFERS_AHEAD).await?;
        Ok(slots
            .into_iter()
            .map(|slot| slot.start)
            .filter(|start| *start != view.starts_at)
            .take(OFFER_CHOICES)
            .collect())
    }

    /// The times a decline offers instead, each one of those the clinician
    /// could offer now; a bad choice is refused beside the field.
    async fn checked_offers(&self, appointment: AppointmentId, offers: &[String]) -> Result<Vec<Timestamp>, AppError> {
        if offers.is_empty() {
            return Ok(Vec::new());
        }
        let refuse = |message: &str| {
            let mut errors = FieldErrors::new();
            errors.add("offers", message.to_string());
            AppError::Invalid(errors)
        };
        if offers.len() > MAX_OFFERS {
            return Err(refuse("Offer at most three other times."));
        }
        let view = self.app.store.booking(appointment).await?.ok_or(AppError::NotFound)?;
        let free = self.times_to_offer_instead(&view).await?;
        let mut chosen = Vec::new();
        for offer in offers {
            match offer.parse::<Timestamp>() {
                Ok(start) if free.contains(&start) => chosen.push(start),
                _ => return Err(refuse("One of the other times is no longer free; choose again.")),
            }
        }
        chosen.sort();
        chosen.dedup();
        Ok(chosen)
    }

    /// A sealed note of when the form was shown, for the minimum time to submit.
    pub fn booking_form_stamp(&self) -> Result<String, AppError> {
        let sealed = self.app.keys.encrypt(&stamp_binding(), &self.app.now().as_second().to_string())?;
        Ok(sealed.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Seconds since the form was shown; `None` when the stamp is not ours.
    fn seconds_since_stamp(&self, stamp: &str) -> Option<i64> {
        let bytes: Vec<u8> = (0..stamp.len())
            .step_by(2)
            .map(|i| stamp.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<_>>()?;
        let issued: i64 = self.app.keys.decrypt(&stamp_binding(), &bytes).ok()?.expose().parse().ok()?;
        Some(self.app.now().as_second() - issued)
    }

    /// The answer to a script: the same page as a person gets, nothing
    /// stored or sent, and the refusal audited.
    async fn refuse_as_automated(
        &self,
        options: &BookingOptions,
        input: &BookingInput,
        ip: &str,
    ) -> Result<BookingOutcome, AppError> {
        self.app
            .audit_refusal(Entry {
                actor: None,
                practice: Some(options.practice.id),
                action: "booking_refused_as_automated",
                record_type: "user",
                record_id: options.therapist.to_string(),
                ip,
                outcome: outcome::DENIED,
            })
            .await?;
        Ok(BookingOutcome::CheckEmail { email: input.email.trim().to_string() })
    }

    /// Records a form's stamp as used; false when it was used before.
    async fn spend_stamp(&self, stamp: &str) -> Result<bool, AppError> {
        let once = Limit { max: 1, window: STAMP_LIFETIME };
        match self.app.attempt(&[(&format!("booking_stamp:{}", token_hash(stamp)), once)]).await {
            Ok(_spent) => Ok(true),
            Err(AppError::RateLimited { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Checks and stores a visitor's request and emails the confirmation
    /// link. Requests are limited per network address: the attempt is
    /// recorded before anything is checked, and forgotten again when it
    /// stored and sent nothing (a form to correct, a time just taken).
    pub async fn request_booking(
        &self,
        options: &BookingOptions,
        choice: BookingChoice,
        input: &BookingInput,
        ip: &str,
    ) -> Result<BookingOutcome, AppError> {
        // Per network address, and per address the confirmation would go to:
        // the form cannot be used to send mail at someone.
        let (by_address, by_recipient) = (ip_bucket("booking", ip), account_bucket("booking", &input.email));
        let limit = self.app.config.booking.limit();
        let attempt = self.app.attempt(&[(&by_address, limit), (&by_recipient, limit)]).await?;
        let outcome = self.store_booking_request(options, choice, input, ip).await;
        if matches!(outcome, Err(AppError::Invalid(_)) | Ok(BookingOutcome::Taken { .. })) {
            self.app.forget_attempt(self.app.store.as_ref(), attempt).await?;
        }
        outcome
    }

    async fn store_booking_request(
        &self,
        options: &BookingOptions,
        choice: BookingChoice,
        input: &BookingInput,
        ip: &str,
    ) -> Result<BookingOutcome, AppError> {
        // Bots get the same page as people, and nothing is stored or sent:
        // a filled-in honeypot, a form sent faster than a person can, or a
        // stamp that is not ours or expired (a used one: below).
        let age = self.seconds_since_stamp(&input.stamp);
        // A person who left the form open for more than a day is told so and
        // given the form again (with a new stamp), rather than lose the request.
        if input.website.is_empty() && age.is_some_and(|s| s > STAMP_LIFETIME.as_secs()) {
            let mut errors = FieldErrors::new();
            errors.add(
                EXPIRED_FORM,
                "This form was open for more than a day, so nothing was sent. Check that the time still suits you, \
                 then send it again.",
            );
            return Err(AppError::Invalid(errors));
        }
        let fresh = age.is_some_and(|s| (MIN_SECONDS_TO_SUBMIT..=STAMP_LIFETIME.as_secs()).contains(&s));
        if !input.website.is_empty() || !fresh {
            return self.refuse_as_automated(options, input, ip).await;
        }
        let kind =
            options.session_types.iter().find(|t| t.id == choice.session_type).ok_or(AppError::NotFound)?.clone();
        let (email, visitor_zone) = self.check_booking(options, &kind, choice, input)?;

        // The chosen time must still be free (hours, other bookings) and was
        // far enough ahead when the form was shown (notice, with a grace).
        let duration = SignedDuration::from_mins(i64::from(kind.duration_minutes));
        let around = |hours: i64| SignedDuration::from_hours(hours);
        let now = self.app.now();
        let offered_at = now - SignedDuration::from_secs(age.unwrap_or(0)).min(NOTICE_GRACE);
        let (from, to) = (choice.start - around(24 * 7), choice.start + around(24 * 7));
        let offered = self.bookable_slots_offered(options, &kind, choice.format, from, to, offered_at).await?;
        if choice.start <= now || !offered.iter().any(|s| s.start == choice.start) {
            // The times offered instead get a new form, so their notice
            // counts from now.
            let nearby = self.bookable_slots(options, &kind, choice.format, from, to).await?;
            return Ok(BookingOutcome::Taken { alternatives: nearest_alternatives(&nearby, choice.start, 3) });
        }
        // A form is sent once: a stamp sent again is a replay. (Spent only
        // now, so a form returned to be corrected can be sent again.)
        if !self.spend_stamp(&input.stamp).await? {
            return self.refuse_as_automated(options, input, ip).await;
        }

        let id = AppointmentId::new();
        let token = new_token();
        let seal = |column: &str, text: &str| -> Result<Option<Vec<u8>>, AppError> {
            if text.is_empty() {
                return Ok(None);
            }
            Ok(Some(self.app.keys.encrypt(&Binding::new("booking_requests", column, &id.to_string()), text)?))
        };
        let appointment = NewAppointment {
            id,
            practice_id: options.practice.id,
            case_id: None,
            clinician_id: options.therapist,
            starts_at: choice.start,
            ends_at: choice.start + duration,
            time_zone: options.practice.time_zone.clone(),
            format: choice.format,
            status: AppointmentStatus::Held,
            created_at: now,
            session_type_id: Some(kind.id),
            attendees: Vec::new(),
            held_until: Some(now + SignedDuration::from_mins(HOLD_MINUTES)),
        };
        let request = BookingRequestRecord {
            appointment_id: id,
            session_type_id: kind.id,
            name: input.name.trim().to_string(),
            email: email.clone(),
            phone: input.phone.trim().to_string(),
            with_partner: input.with_partner,
            partner_email: if input.with_partner { Email::parse(&input.partner_email).ok() } else { None },
            concern: seal("concern", input.concern.trim())?,
            message: seal("message", input.message.trim())?,
            payment: input.payment.trim().to_string(),
            voicemail_ok: input.voicemail_ok,
            discreet_email: input.discreet_email,
            jurisdiction: input.jurisdiction.trim().to_string(),
            visitor_time_zone: visitor_zone.clone(),
            created_at: now,
            email_confirmed_at: None,
        };
        // The booking and its audit entry: one commit.
        let uow = self.app.store.begin_write().await?;
        if uow.request_booking(&appointment, &request, &token_hash(&token), now).await? == Booking::Taken {
            drop(uow);
            // Someone else's booking committed after `offered` was read:
            // read the free times again for the suggestions.
            let mut nearby = self.bookable_slots(options, &kind, choice.format, from, to).await?;
            nearby.retain(|slot| slot.start != choice.start);
            return Ok(BookingOutcome::Taken { alternatives: nearest_alternatives(&nearby, choice.start, 3) });
        }
        uow.audit(self.app.audit_event(Entry {
            actor: None,
            practice: Some(options.practice.id),
            action: "booking_requested",
            record_type: "appointment",
            record_id: id.to_string(),
            ip,
            outcome: outcome::ALLOWED,
        }));
        uow.commit().await?;
        let when = local_time(choice.start, visitor_zone.zone());
        let name = MailName::of(&options.practice, input.discreet_email);
        let subject = name.subject("Please confirm your request");
        // Discreet mail names no kind of session.
        let what =
            if input.discreet_email { "an appointment".to_string() } else { format!("a {}", kind.name.to_lowercase()) };
        let link = format!("{}/bookings/confirm/{token}", self.app.config.base_url);
        let mail = Letter::to(Some(&request.name))
            .paragraph(format!(
                "You asked for {what} on {when}. To send the request, confirm your email address within \
                 {HOLD_MINUTES} minutes (the time is held for you until then)."
            ))
            .link("Confirm my request", link)
            .paragraph("If you did not ask for this, ignore this email and nothing happens.")
            .signed(name.sender())
            .mail(email.as_str(), subject)
            .from_name(name.sender());
        if let Err(error) = self.app.mailer.send(&mail).await {
            // The hold lapses on its own; the visitor is told to try again.
            tracing::error!(error = %error, "could not send a booking confirmation");
            return Err(AppError::Internal("the confirmation email could not be sent".into()));
        }
        Ok(BookingOutcome::CheckEmail { email: email.as_str().to_string() })
    }

    /// Field by field, what the form needs.
    fn check_booking(
        &self,
        options: &BookingOptions,
        kind: &SessionTypeRecord,
        choice: BookingChoice,
        input: &BookingInput,
    ) -> Result<(Email, TimeZoneName), AppError> {
        let reference = reference().map_err(|e| AppError::Internal(format!("reference data: {e}")))?;
        let mut errors = FieldErrors::new();
        let name = input.name.trim();
        if name.is_empty() {
            errors.add("name", "Enter a name we may call you by; a first name is fine.");
        } else if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
            errors.add("name", format!("Use at most {NAME_MAX} characters, without line breaks."));
        }
        let email = Email::parse(&input.email);
        if email.is_err() {
            errors.add("email", "Enter an email address such as name@example.com; the confirmation link goes there.");
        }
        let phone = input.phone.trim();
        if !phone.is_empty() && (phone.len() > 30 || !phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)))
        {
            errors.add("phone", "Enter a phone number with digits, spaces, + - ( ) only, or leave it empty.");
        }
        if input.with_partner && !input.partner_email.trim().is_empty() && Email::parse(&input.partner_email).is_err() {
            errors.add("partner_email", "Enter your partner's email address, or leave it empty.");
        }
        if !input.concern.trim().is_empty() && reference.concern(input.concern.trim()).is_none() {
            errors.add("concern", "Choose from the list, or leave it empty.");
        }
        if input.message.trim().chars().count() > MESSAGE_MAX {
            errors.add("message", format!("Use at most {MESSAGE_MAX} characters; you can say more in the session."));
        }
        let payment = input.payment.trim();
        if !(payment.is_empty() || payment == "self_pay" || reference.payer(payment).is_some()) {
            errors.add("payment", "Choose your insurance or self-pay from the list, or leave it empty.");
        }
        if !input.consent_privacy {
            errors.add("consent_privacy", "Please agree to the privacy notice to send a request.");
        }
        if !input.consent_adult {
            errors.add("consent_adult", "Sessions booked here are for adults 18 or older.");
        }
        if choice.format == SessionFormat::Telehealth {
            let place = input.jurisdiction.trim();
            if place.is_empty() {
                errors.add("jurisdiction", "Choose the state you will be in for the video session.");
            } else if !options.licensed_in.iter().any(|j| j == place) {
                errors.add(
                    "jurisdiction",
                    format!("{} is licensed for video sessions only where they hold a licence; choose in person or another therapist.", options.name),
                );
            }
        }
        if kind.participants == Participants::Couple && !input.with_partner {
            errors.add("with_partner", "This session is for couples: tick “With a partner”.");
        }
        let zone = TimeZoneName::parse(&input.visitor_time_zone);
        if zone.is_err() {
            errors.add("visitor_time_zone", "Choose your time zone from the list.");
        }
        AppError::invalid_if_any(errors)?;
        match (email, zone) {
            (Ok(email), Ok(zone)) => Ok((email, zone)),
            _ => Err(AppError::Internal("validated booking fields missing".into())),
        }
    }

    /// The request a confirmation link stands for, for its page.
    pub async fn pending_booking(&self, token: &str) -> Result<Option<PendingBooking>, AppError> {
        let Some(view) = self.app.store.booking_by_token(&token_hash(token)).await? else { return Ok(None) };
        let practice = self.app.store.practice(view.practice_id).await?.map(|p| p.name).unwrap_or_default();
        let therapist = self.app.store.user(view.clinician_id).await?.map(|u| u.display_name).unwrap_or_default();
        let kinds = self.app.store.session_types(view.practice_id).await?;
        let session =
            kinds.iter().find(|k| k.id == view.request.session_type_id).map(|k| k.name.clone()).unwrap_or_default();
        let zone = view.request.visitor_time_zone.zone().clone();
        Ok(Some(PendingBooking {
            practice_name: practice,
            therapist_name: therapist,
            session,
            when: format!("{} · {}", local_time(view.starts_at, &zone), view.format.label()),
            status: view.status,
            held_until: view.held_until,
        }))
    }

    /// The visitor confirms their email: the held time becomes a request
    /// (or a confirmed session when the type needs no approval). Once only.
    pub async fn confirm_booking(&self, token: &str, ip: &str) -> Result<Option<Confirmation>, AppError> {
        let uow = self.app.store.begin_write().await?;
        let Some(view) = uow.booking_by_token(&token_hash(token)).await? else { return Ok(None) };
        if view.request.email_confirmed_at.is_some() {
            return Ok(Some(Confirmation::AlreadyConfirmed));
        }
        let now = self.app.now();
        let needs_approval = uow
            .session_types(view.practice_id)
            .await?
            .iter()
            .find(|k| k.id == view.request.session_type_id)
            .is_none_or(|k| k.needs_approval);
        let lapsed = view.held_until.is_none_or(|until| until <= now);
        let next = lifecycle::decide(
            view.status,
            if lapsed { Change::HoldLapsed } else { Change::EmailConfirmed { needs_approval } },
            Party::Client,
            view.starts_at,
            now,
            CANCELLATION_NOTICE,
        );
        let Ok(next) = next else { return Ok(Some(Confirmation::Lapsed)) };
        if lapsed {
            return Ok(Some(Confirmation::Lapsed));
        }
        let (confirmed, admitted) = if next.status == AppointmentStatus::Confirmed {
            // No approval needed: confirmed and made a client's case at once.
            let (held, to) = (AppointmentStatus::Held, AppointmentStatus::Confirmed);
            let admitted = self.admit_booking(&*uow, &view, held, to, AdmittedBy::Visitor { ip }).await?;
            (admitted.is_some(), admitted)
        } else {
            (uow.confirm_booking_email(view.request.appointment_id, next.status, now).await?, None)
        };
        if !confirmed {
            return Ok(Some(Confirmation::Lapsed));
        }
        uow.audit(self.app.audit_event(Entry {
            actor: None,
            practice: Some(view.practice_id),
            action: "booking_email_confirmed",
            record_type: "appointment",
            record_id: view.request.appointment_id.to_string(),
            ip,
            outcome: outcome::ALLOWED,
        }));
        uow.commit().await?;
        match admitted {
            Some(admitted) => self.send_confirmed_booking_mails(&view, admitted).await?,
            None => self.send_request_receipt(&view).await?,
        }
        Ok(Some(Confirmation::Done(next.status)))
    }

    /// The receipt of a request that waits for the therapist: what was
    /// asked, and what happens next. Discreet like every email; the
    /// therapist's name comes after what a preview shows.
    async fn send_request_receipt(&self, view: &BookingView) -> Result<(), AppError> {
        let practice = self.app.store.practice(view.practice_id).await?.ok_or(AppError::NotFound)?;
        let therapist = self.app.store.user(view.clinician_id).await?.map(|u| u.display_name).unwrap_or_default();
        let discreet = view.request.discreet_email;
        let name = MailName::of(&practice, discreet);
        let zone = view.request.visitor_time_zone.zone().clone();
        let when = local_time(view.starts_at, &zone);
        let subject = name.subject("Your request was sent");
        let mut letter = Letter::to(Some(&view.request.name))
            .paragraph(format!("Your request for an appointment on {when} ({}) was sent.", view.format.label()))
            .paragraph(
                "What happens next: you get an answer by email. If the time is confirmed, the email has a link \
                 to see, cancel or move the appointment; if it cannot be offered, you are asked to choose \
                 another. The time stays kept for you until then.",
            )
            .paragraph(format!("Your therapist: {therapist}."));
        if let Some(contact) = confirmation::practice_contact(&practice) {
            letter = letter.paragraph(format!("To change something before then, contact the practice: {contact}."));
        }
        let mail = letter
            .signed(name.sender())
            .mail(view.request.email.clone(), subject)
            .from_name(name.sender())
            .with_message_id(format!("receipt.{}", view.request.appointment_id));
        self.app.send_mail(mail).await;
        Ok(())
    }

    /// How many booking requests wait for the actor's answer: the count an
    /// app menu shows. A number only, so nothing is audited; none for
    /// people who keep no schedule.
    pub async fn waiting_request_count(&self, actor: &Actor) -> Result<usize, AppError> {
        if !actor.may(Action::EditAvailability, Scope::Themselves) {
            return Ok(0);
        }
        let count = self.app.store.count_booking_requests_for(actor.user_id, self.app.now()).await?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// The actor's booking requests that wait for an answer, soonest first,
    /// each with the name of the kind of session asked for.
    pub async fn my_booking_requests(&self, actor: &Actor) -> Result<Vec<(BookingView, String)>, AppError> {
        let practice = self.own_availability(actor).await?;
        let kinds = self.app.store.session_types(practice).await?;
        let requests = self.app.store.booking_requests_for(actor.user_id, self.app.now()).await?;
        let name_of = |view: &BookingView| {
            kinds.iter().find(|k| k.id == view.request.session_type_id).map(|k| k.name.clone()).unwrap_or_default()
        };
        let requests: Vec<(BookingView, String)> = requests
            .into_iter()
            .map(|view| {
                let name = name_of(&view);
                (view, name)
            })
            .collect();
        self.app
            .audit_actor(
                actor,
                Some(practice),
                "view_booking_requests",
                "user",
                actor.user_id.to_string(),
                outcome::ALLOWED,
            )
            .await?;
        Ok(requests)
    }

    /// What brings the visitor, decrypted for their clinician.
    pub fn booking_reason(&self, view: &BookingView) -> Result<(String, String), AppError> {
        let id = view.request.appointment_id.to_string();
        let open = |column: &str, sealed: &Option<Vec<u8>>| -> Result<String, AppError> {
            match sealed {
                Some(sealed) => Ok(self
                    .app
                    .keys
                    .decrypt(&Binding::new("booking_requests", column, &id), sealed)?
                    .expose()
                    .to_string()),
                None => Ok(String::new()),
            }
        };
        Ok((open("concern", &view.request.concern)?, open("message", &view.request.message)?))
    }

    /// The clinician accepts or declines a request; the visitor is told by
    /// email. A decline names its reason, a slug of [`reasons::DECLINE_REASONS`].
    pub async fn answer_booking_request(
        &self,
        actor: &Actor,
        appointment: AppointmentId,
        answer: Answer<'_>,
    ) -> Result<AppointmentStatus, AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        if !actor.may(Action::ViewSchedule, Scope::Themselves) && !actor.may(Action::ViewSchedule, Scope::Practice) {
            // Nobody who keeps a calendar here: refused (and audited) as before.
            self.own_availability(actor).await?;
        }
        let offers = match answer {
            Answer::Decline { offers, .. } => self.checked_offers(appointment, offers).await?,
            Answer::Confirm => Vec::new(),
        };
        let uow = self.app.store.begin_write().await?;
        let record = ("appointment", appointment.to_string());
        let Some(view) = uow.booking(appointment).await?.filter(|view| view.practice_id == practice) else {
            return Err(self.app.not_found_in(uow, actor, Some(practice), "answer_booking", record).await);
        };
        // Who may answer: the policy, given whether the clinician still works here.
        let clinician_active = !self.clinician_left(practice, view.clinician_id).await?;
        let resource = Resource::BookingRequest { practice, clinician: view.clinician_id, clinician_active };
        let uow = match self.app.authorize_in(uow, actor, Action::AnswerBookingRequest, &resource, record).await {
            Ok(uow) => uow,
            // Another therapist's request is no business of this one: as if it did not exist.
            Err(AppError::Forbidden) => return Err(AppError::NotFound),
            Err(other) => return Err(other),
        };
        if !clinician_active && matches!(answer, Answer::Confirm) {
            let mut errors = FieldErrors::new();
            errors.add(
                "request",
                "This therapist no longer works here, so the request can only be declined; the person is told what \
                 to do instead.",
            );
            return Err(AppError::Invalid(errors));
        }
        let (accept, reason) = match answer {
            Answer::Confirm => (true, None),
            Answer::Decline { reason, .. } => match reasons::find(&reasons::DECLINE_REASONS, reason) {
                Some(reason) => (false, Some(reason)),
                None => {
                    let mut errors = FieldErrors::new();
                    errors.add("reason", "Choose why you decline, so the person can be told what to do instead.");
                    return Err(AppError::Invalid(errors));
                }
            },
        };
        let now = self.app.now();
        let change = if accept { Change::Confirm } else { Change::Decline };
        let next = lifecycle::decide(view.status, change, Party::Practice, view.starts_at, now, CANCELLATION_NOTICE)
            .map_err(|refusal| {
                let mut errors = FieldErrors::new();
                errors.add("request", refusal.to_string());
                AppError::Invalid(errors)
            })?;
        // Accepting makes the visitor a client with a case, in the same transaction.
        let admitted = if accept {
            self.admit_booking(&*uow, &view, view.status, next.status, AdmittedBy::Clinician(actor)).await?
        } else {
            let event = NewAppointmentEvent {
                actor: Some(actor.user_id),
                reason: reason.map(|r| r.slug.to_string()).unwrap_or_default(),
                ..NewAppointmentEvent::new(appointment, now, EventKind::Declined, Party::Practice)
            };
            let times = (view.starts_at, view.ends_at);
            let decline = AppointmentChange::status(view.clinician_id, view.status, next.status, times, event);
            (uow.change_appointment(&decline).await? == Changed::Done).then_some(Admitted { invitations: Vec::new() })
        };
        let Some(admitted) = admitted else {
            let mut errors = FieldErrors::new();
            errors.add("request", "This request was answered meanwhile; reload the page.");
            return Err(AppError::Invalid(errors));
        };
        let action = match (accept, offers.is_empty()) {
            (true, _) => "confirm_booking",
            (false, true) => "decline_booking",
            (false, false) => "decline_booking_offering_times",
        };
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            action,
            "appointment",
            appointment.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        let settings = self.app.store.practice(view.practice_id).await?.ok_or(AppError::NotFound)?;
        let mail = if accept {
            let therapist = self.app.store.user(view.clinician_id).await?.map(|u| u.display_name).unwrap_or_default();
            confirmation_email(&view, &settings, &therapist, &self.appointment_manage_link(appointment).await?, now)
        } else {
            let discreet = view.request.discreet_email;
            let name = MailName::of(&settings, discreet);
            let zone = view.request.visitor_time_zone.zone().clone();
            let when = local_time(view.starts_at, &zone);
            let subject = name.subject("About your request");
            let base = &self.app.config.base_url;
            let (told, link) = match reason.map(|r| r.slug) {
                Some("not_taking_clients") => (
                    "New clients cannot be taken at the moment. The directory lists others who may be.".to_string(),
                    ("Find someone else", format!("{base}/therapists")),
                ),
                Some("better_fit_elsewhere") => (
                    format!(
                        "The time you asked for ({when}) cannot be offered: what you asked about may be better served \
                         by another professional, and the practice can suggest one."
                    ),
                    ("Look at the directory", format!("{base}/therapists")),
                ),
                _ if !offers.is_empty() => (
                    format!(
                        "The time you asked for ({when}) cannot be offered. These times are free instead; \
                         choose one to request it, or see every free time."
                    ),
                    ("See every free time", format!("{base}/therapists/{}/book", view.clinician_id)),
                ),
                _ => (
                    format!("The time you asked for ({when}) cannot be offered. Please choose another time."),
                    ("Choose another time", format!("{base}/therapists/{}/book", view.clinician_id)),
                ),
            };
            let mut letter = Letter::to(Some(&view.request.name)).paragraph(told);
            let tz = view.request.visitor_time_zone.as_str();
            let encode = |text: &str| {
                percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
            };
            for start in &offers {
                let href = format!(
                    "{base}/therapists/{}/book/at?type={}&format={}&tz={}&start={}",
                    view.clinician_id,
                    view.request.session_type_id,
                    view.format.as_str(),
                    encode(tz),
                    encode(&start.to_string())
                );
                letter = letter.link(local_time(*start, &zone), href);
            }
            letter = letter.link(link.0, link.1);
            if let Some(contact) = confirmation::practice_contact(&settings) {
                letter = letter.paragraph(format!("To ask about it, contact the practice: {contact}."));
            }
            letter.signed(name.sender()).mail(view.request.email.clone(), subject).from_name(name.sender())
        };
        self.app.send_mail(mail).await;
        self.send_admission_mails(admitted).await;
        Ok(next.status)
    }
}

/// Booking requests waiting for an actor's answer.
#[derive(Debug, Clone, Default)]
pub struct WaitingRequests {
    /// Made to the actor: each with the kind of session.
    pub mine: Vec<(BookingView, String)>,
    /// Made to therapists who no longer work here: with the kind of
    /// session and the therapist's name; they can only be declined.
    pub left: Vec<(BookingView, String, String)>,
}

/// The clinician's answer to a booking request.
#[derive(Debug, Clone, Copy)]
pub enum Answer<'a> {
    Confirm,
    /// With the slug of one of [`reasons::DECLINE_REASONS`], and up to
    /// [`MAX_OFFERS`] other free times (RFC 3339) offered instead.
    Decline {
        reason: &'a str,
        offers: &'a [String],
    },
}
