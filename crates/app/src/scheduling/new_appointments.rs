//! Staff add appointments for an existing client: one session, or a series
//! every week or every other week. Date and time are typed on the practice's
//! clock. A series is checked as a whole and then written in one
//! transaction, so it is booked entirely or not at all; when some dates
//! collide, the answer names them all.
use jiff::SignedDuration;
use jiff::civil::{Date, Time};
use sensate_domain::policy::{Action, Resource};
use sensate_domain::scheduling::attendance::AttendanceRefusal;
use sensate_domain::scheduling::series::{MAX_OCCURRENCES, Repeat, occurrences};
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat};
use sensate_domain::{AppointmentId, CaseId, FieldErrors, PracticeId, TimeZoneName, UserId};
use sensate_store::{NewAppointment, NewSeries, SchedulableCase, SeriesBooking, SessionTypeRecord};

use crate::actor::Scope;
use crate::audit::outcome;
use crate::scheduling::appointments::ClientNews;
use crate::scheduling::attendees::read_attendees;
use crate::scheduling::session_types::formats;
use crate::{Actor, AppError};

/// The form, as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppointmentInput {
    pub case: String,
    pub session_type: String,
    pub format: String,
    /// YYYY-MM-DD on the practice's clock.
    pub date: String,
    /// HH:MM on the practice's clock.
    pub time: String,
    /// "none", "weekly" or "fortnightly".
    pub repeat: String,
    /// How many sessions in all, for a series.
    pub count: String,
    /// Who attends: [`super::attendees::EVERYONE`] (or empty), or one client of a couple's
    /// case by id, for that partner's individual session.
    pub attends: String,
}

/// What the form offers.
#[derive(Debug, Clone)]
pub struct AppointmentChoices {
    pub cases: Vec<SchedulableCase>,
    pub session_types: Vec<SessionTypeRecord>,
    /// The practice's zone, in which date and time are typed.
    pub time_zone: TimeZoneName,
    /// Owners and admins see every therapist's cases.
    pub front_desk: bool,
}

/// What became of adding appointments.
#[derive(Debug, Clone, PartialEq)]
pub enum Added {
    Booked {
        clinician: UserId,
        first: Date,
        count: usize,
    },
    /// Nothing was written: these sessions ("Tue 12 Jan 2027, 17:00 (EST)")
    /// would overlap appointments already in the calendar.
    Collides(Vec<String>),
}

fn hh_mm(value: &str) -> Option<Time> {
    let (h, m) = value.trim().split_once(':')?;
    if h.len() > 2 || m.len() != 2 {
        return None;
    }
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

/// What was typed, checked; a list of errors beside their fields otherwise.
struct Checked {
    case: SchedulableCase,
    kind: SessionTypeRecord,
    format: SessionFormat,
    date: Date,
    time: Time,
    repeat: Repeat,
    count: u16,
    /// Empty: everyone in the case.
    attendees: Vec<UserId>,
}

/// Who attends a new appointment; nothing to check until a case is chosen.
fn attendees(value: &str, case: Option<&SchedulableCase>) -> Result<Vec<UserId>, AttendanceRefusal> {
    let Some(case) = case else { return Ok(Vec::new()) };
    let clients: Vec<UserId> = case.clients.iter().map(|(id, _)| *id).collect();
    read_attendees(value, case.kind, &clients)
}

fn check(input: &AppointmentInput, choices: &AppointmentChoices) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::new();
    let case = input.case.trim().parse::<CaseId>().ok().and_then(|id| choices.cases.iter().find(|c| c.id == id));
    if case.is_none() {
        errors.add("case", "Choose the client from the list.");
    }
    let kind = input
        .session_type
        .trim()
        .parse::<sensate_domain::SessionTypeId>()
        .ok()
        .and_then(|id| choices.session_types.iter().find(|k| k.id == id));
    if kind.is_none() {
        errors.add("session_type", "Choose a session type from the list.");
    }
    let format = SessionFormat::parse(input.format.trim());
    match (format, kind) {
        (None, _) => errors.add("format", "Choose in person or video."),
        (Some(format), Some(kind)) if !formats(kind).contains(&format) => errors.add(
            "format",
            format!(
                "“{}” is not offered as {}; choose the other format or another session type.",
                kind.name,
                format.label()
            ),
        ),
        _ => {}
    }
    let date = input.date.trim().parse::<Date>().ok();
    if date.is_none() {
        errors.add(
            "date",
            format!("Enter the date as YYYY-MM-DD, for example 2026-12-01 (not “{}”).", input.date.trim()),
        );
    }
    let time = hh_mm(&input.time);
    if time.is_none() {
        errors.add(
            "time",
            format!("Enter the time as HH:MM on a 24-hour clock, for example 17:00 (not “{}”).", input.time.trim()),
        );
    }
    let repeat = Repeat::parse(input.repeat.trim());
    let count = match repeat {
        None => {
            errors.add("repeat", "Choose whether the appointment repeats.");
            1
        }
        Some(Repeat::Once) => 1,
        Some(_) => match input.count.trim().parse::<u16>() {
            Ok(n) if (2..=MAX_OCCURRENCES).contains(&n) => n,
            _ => {
                errors.add("count", format!("Enter how many sessions in all, from 2 to {MAX_OCCURRENCES}."));
                1
            }
        },
    };
    let attendees = attendees(&input.attends, case).unwrap_or_else(|refusal| {
        errors.add("attends", refusal.to_string());
        Vec::new()
    });
    AppError::invalid_if_any(errors)?;
    match (case, kind, format, date, time, repeat) {
        (Some(case), Some(kind), Some(format), Some(date), Some(time), Some(repeat)) => {
            Ok(Checked { case: case.clone(), kind: kind.clone(), format, date, time, repeat, count, attendees })
        }
        _ => Err(AppError::Internal("checked input without a value".into())),
    }
}

impl super::Scheduling<'_> {
    /// Who may add appointments for which cases: a clinician for their own,
    /// owners and admins for every therapist's.
    async fn scheduling_scope(&self, actor: &Actor) -> Result<(PracticeId, Option<UserId>), AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        if actor.may(Action::ScheduleSessions, Scope::Practice) {
            self.app
                .authorize(
                    actor,
                    Action::ScheduleSessions,
                    &Resource::Practice(practice),
                    ("practice", practice.to_string()),
                )
                .await?;
            return Ok((practice, None));
        }
        let (_, resource) = self.app.directory().therapist_account(actor, actor.user_id, "schedule_sessions").await?;
        self.app.authorize(actor, Action::ScheduleSessions, &resource, ("user", actor.user_id.to_string())).await?;
        Ok((practice, Some(actor.user_id)))
    }

    /// The cases and session types the form offers. Lists clients' names,
    /// so it is audited.
    pub async fn appointment_choices(&self, actor: &Actor) -> Result<AppointmentChoices, AppError> {
        let (practice, clinician) = self.scheduling_scope(actor).await?;
        let cases = self.app.store.schedulable_cases(practice, clinician).await?;
        let session_types = self.app.store.session_types(practice).await?.into_iter().filter(|k| k.active).collect();
        let time_zone = self.app.store.practice(practice).await?.map_or_else(TimeZoneName::utc, |p| p.time_zone);
        self.app
            .audit_actor(
                actor,
                Some(practice),
                "list_schedulable_cases",
                "practice",
                practice.to_string(),
                outcome::ALLOWED,
            )
            .await?;
        Ok(AppointmentChoices { cases, session_types, time_zone, front_desk: clinician.is_none() })
    }

    /// Adds one appointment or a series for a case, confirmed (the clinician
    /// books them directly), or nothing when any of them would collide.
    /// Messages name times as `locale` writes them.
    pub async fn add_appointments(
        &self,
        actor: &Actor,
        input: &AppointmentInput,
        locale: sensate_domain::Locale,
    ) -> Result<Added, AppError> {
        let choices = self.appointment_choices(actor).await?;
        let c = check(input, &choices)?;
        let zone = choices.time_zone.zone().clone();
        let length = SignedDuration::from_mins(i64::from(c.kind.duration_minutes));
        let list = match occurrences(&zone, c.date, c.time, length, c.repeat, c.count) {
            Ok(list) => list,
            Err(skipped) => {
                let dates: Vec<String> = skipped.iter().map(|d| locale.short_date(*d)).collect();
                let mut errors = FieldErrors::new();
                errors.add(
                    "time",
                    format!(
                        "{} does not exist on {}: the clocks go forward across it. Choose another time.",
                        c.time.strftime("%H:%M"),
                        dates.join(", ")
                    ),
                );
                return Err(AppError::Invalid(errors));
            }
        };
        let now = self.app.now();
        if list.first().is_some_and(|o| o.start < now) {
            let mut errors = FieldErrors::new();
            errors.add(
                "date",
                format!("That time has passed. Choose a date and time after {}.", locale.when(now, &zone)),
            );
            return Err(AppError::Invalid(errors));
        }
        let (case, clinician) = (c.case.id, c.case.clinician_id);
        let (_, resource) = self.app.directory().therapist_account(actor, clinician, "schedule_sessions").await?;
        self.app.authorize(actor, Action::ScheduleSessions, &resource, ("case", case.to_string())).await?;
        let appointments: Vec<NewAppointment> = list
            .iter()
            .map(|o| NewAppointment {
                id: AppointmentId::new(),
                practice_id: c.case.practice_id,
                case_id: Some(case),
                clinician_id: clinician,
                starts_at: o.start,
                ends_at: o.end,
                time_zone: choices.time_zone.clone(),
                format: c.format,
                status: AppointmentStatus::Confirmed,
                created_at: now,
                session_type_id: Some(c.kind.id),
                held_until: None,
                attendees: c.attendees.clone(),
            })
            .collect();
        let series = (c.repeat != Repeat::Once).then(|| NewSeries {
            id: sensate_domain::SeriesId::new(),
            practice_id: c.case.practice_id,
            clinician_id: clinician,
            case_id: case,
            cadence: c.repeat.as_str().to_string(),
            occurrences: u32::from(c.count),
            created_by: actor.user_id,
            created_at: now,
        });
        let uow = self.app.store.begin_write().await?;
        match uow.book_series(series.as_ref(), &appointments, now).await? {
            SeriesBooking::Collides(positions) => Ok(Added::Collides(
                positions.iter().filter_map(|&i| list.get(i)).map(|o| locale.when(o.start, &zone)).collect(),
            )),
            SeriesBooking::Booked => {
                let practice = Some(c.case.practice_id);
                uow.audit(self.app.actor_event(
                    actor,
                    practice,
                    "add_appointments",
                    "case",
                    case.to_string(),
                    outcome::ALLOWED,
                ));
                uow.commit().await?;
                // The clients hear of sessions booked for them.
                if let Some(first) = appointments.first()
                    && let Some(detail) = self.app.store.appointment_detail(first.id).await?
                {
                    let starts = appointments.iter().map(|a| a.starts_at).collect();
                    self.tell_client(&detail, ClientNews::Added { starts }).await?;
                }
                Ok(Added::Booked { clinician, first: c.date, count: appointments.len() })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use sensate_domain::scheduling::CaseKind;

    use super::*;
    use crate::scheduling::attendees::EVERYONE;

    fn case(kind: CaseKind, clients: &[UserId]) -> SchedulableCase {
        SchedulableCase {
            id: CaseId::new(),
            practice_id: PracticeId::new(),
            clinician_id: UserId::new(),
            clinician_name: "Sam Chen".into(),
            kind,
            clients: clients.iter().map(|id| (*id, format!("client {id}"))).collect(),
        }
    }

    #[test]
    fn the_forms_choice_of_who_attends_is_read_and_checked() {
        let (alex, riley, stranger) = (UserId::new(), UserId::new(), UserId::new());
        let couple = case(CaseKind::Couple, &[alex, riley]);
        assert_eq!(attendees("", Some(&couple)), Ok(Vec::new()), "left out: everyone");
        assert_eq!(attendees(EVERYONE, Some(&couple)), Ok(Vec::new()));
        assert_eq!(attendees(&format!(" {riley} "), Some(&couple)), Ok(vec![riley]));
        assert!(attendees(&stranger.to_string(), Some(&couple)).is_err(), "someone outside the case");
        assert!(attendees("riley", Some(&couple)).is_err());
        let individual = case(CaseKind::Individual, &[alex]);
        assert_eq!(attendees(EVERYONE, Some(&individual)), Ok(Vec::new()));
        let refused = attendees(&alex.to_string(), Some(&individual));
        assert_eq!(refused, Err(AttendanceRefusal::IndividualCase), "one client is already everyone");
        // Without a case chosen, the case's own error is the one shown.
        assert_eq!(attendees(&riley.to_string(), None), Ok(Vec::new()));
    }

    #[test]
    fn times_are_read_as_a_24_hour_clock() {
        assert_eq!(hh_mm("17:00"), Some(Time::constant(17, 0, 0, 0)));
        assert_eq!(hh_mm(" 9:05 "), Some(Time::constant(9, 5, 0, 0)));
        for bad in ["5pm", "24:00", "17:60", "17:5", "", "1700"] {
            assert_eq!(hh_mm(bad), None, "{bad}");
        }
    }
}
