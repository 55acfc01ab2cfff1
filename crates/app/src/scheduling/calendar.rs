//! A clinician's week: their sessions (with clients' names, so the page is
//! for staff only and every view is audited), visitors' holds and requests
//! waiting for an answer, their working hours and time off, day by day on
//! the practice's clock.
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sensate_domain::Locale;
use sensate_domain::policy::{Action, Resource};
use sensate_domain::scheduling::availability::wall_to_instant;
use sensate_domain::scheduling::week::{clock_changes, clock_time, day_bounds, monday_of};
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat};
use sensate_domain::{AppointmentId, PracticeId, Role, UserId};
use sensate_store::{AvailabilityRecord, CalendarEntry};

use crate::actor::Scope;
use crate::audit::outcome;
use crate::{Actor, AppError};

/// What an entry of the week is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A session of a client's case.
    Session,
    /// A visitor chose the time and has not confirmed their email yet.
    Hold,
    /// A visitor's request waiting for the clinician's answer.
    Request,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeekEntry {
    pub kind: EntryKind,
    pub id: AppointmentId,
    /// "09:00" and "09:50" on the practice's clock.
    pub start: String,
    pub end: String,
    pub minutes: i64,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    /// The clients' names, or the name a visitor gave; empty for a hold.
    pub with_whom: String,
    /// For a hold: until when, "2:30 PM".
    pub held_until: Option<String>,
    /// Part of a recurring series.
    pub in_series: bool,
    /// Where it sits on the day's clock, in minutes from midnight (the end
    /// at most 1,440): for a time grid.
    pub minutes_from: i64,
    pub minutes_to: i64,
}

/// `[from, to)` of `zone`'s day ending at `day_end`, in minutes of its clock
/// (as the clock reads, so 23- and 25-hour days read like others).
fn clock_minutes(from: Timestamp, to: Timestamp, zone: &TimeZone, day_end: Timestamp) -> (i64, i64) {
    let of = |at: Timestamp| {
        let time = at.to_zoned(zone.clone()).time();
        i64::from(time.hour()) * 60 + i64::from(time.minute())
    };
    let start = of(from);
    let end = if to >= day_end { 24 * 60 } else { of(to) };
    (start, end.max(start + 1))
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeekDay {
    pub date: Date,
    /// "Monday, November 2".
    pub heading: String,
    pub today: bool,
    /// Working hours that day, "9:00 AM–5:00 PM · Telehealth (video)".
    pub hours: Vec<String>,
    /// The same hours in minutes of the day's clock, `[from, to)`.
    pub windows: Vec<(i64, i64)>,
    /// The clinician marked the day as closed (time off).
    pub time_off: bool,
    /// Whose day it is, in a view of the whole practice's day.
    pub clinician: Option<(UserId, String)>,
    pub entries: Vec<WeekEntry>,
}

#[derive(Debug, Clone)]
pub struct WeekView {
    /// Whose week: `None` when the practice has no therapist yet.
    pub clinician: Option<(UserId, String)>,
    /// Owners and admins choose among the practice's therapists.
    pub therapists: Vec<(UserId, String)>,
    /// The practice's zone by its everyday name, in which every time is shown.
    pub time_zone: String,
    /// The first day shown (a Monday for a week asked for by `week`).
    pub first_day: Date,
    /// Today on the practice's clock.
    pub today: Date,
    pub days: Vec<WeekDay>,
    /// Sentences about clock changes within the week.
    pub clock_changes: Vec<String>,
    /// Whether the clinician has set any working hours.
    pub has_hours: bool,
}

/// Which days a calendar shows, as asked for in its address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stretch {
    /// `week`: the Monday-to-Sunday week holding this date (YYYY-MM-DD).
    pub week: String,
    /// `from`: seven days from this date.
    pub from: String,
    /// `day`: this date alone.
    pub day: String,
}

impl Stretch {
    /// The first day shown and how many: a day, a Monday week, seven days
    /// from a date, or, when nothing is asked, seven days from today.
    pub fn days(&self, zone: &TimeZone, now: Timestamp) -> Result<(Date, usize), AppError> {
        let parse = |typed: &str| typed.trim().parse::<Date>().map_err(|_| AppError::NotFound);
        if !self.day.trim().is_empty() {
            Ok((parse(&self.day)?, 1))
        } else if !self.week.trim().is_empty() {
            Ok((monday_of(parse(&self.week)?), 7))
        } else if !self.from.trim().is_empty() {
            Ok((parse(&self.from)?, 7))
        } else {
            Ok((now.to_zoned(zone.clone()).date(), 7))
        }
    }
}

/// Working windows as real intervals, and the dates marked closed.
type Windows = (Vec<(Timestamp, Timestamp, SessionFormat)>, Vec<Date>);

/// A clinician's working windows as real intervals, for the dates around
/// the week (their own zone's dates, which may differ from the practice's).
fn working_windows(record: &AvailabilityRecord, from: Date, to: Date) -> Result<Windows, AppError> {
    let zone = record.time_zone.zone().clone();
    let rules = crate::scheduling::availability::rules(record)?;
    let mut windows = Vec::new();
    let mut closed = Vec::new();
    let mut date = from;
    while date <= to {
        let day_windows: Vec<_> = match rules.overrides.iter().find(|o| o.date == date) {
            Some(o) => match &o.hours {
                sensate_domain::scheduling::availability::DayHours::Closed => {
                    closed.push(date);
                    Vec::new()
                }
                sensate_domain::scheduling::availability::DayHours::Open(list) => list.clone(),
            },
            None => rules.weekly.iter().filter(|w| w.weekday == date.weekday()).map(|w| w.window).collect(),
        };
        for w in day_windows {
            if let (Some(start), Some(end)) =
                (wall_to_instant(&zone, date.to_datetime(w.start)), wall_to_instant(&zone, date.to_datetime(w.end)))
            {
                // A window to 24:00 ends at the next midnight, not a second before it.
                let end = if w.end == jiff::civil::Time::MAX {
                    date.tomorrow().ok().and_then(|d| d.to_zoned(zone.clone()).ok()).map_or(end, |z| z.timestamp())
                } else {
                    end
                };
                windows.push((start, end, w.format));
            }
        }
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    Ok((windows, closed))
}

impl EntryKind {
    fn of(e: &CalendarEntry) -> Self {
        match (e.status, e.case_id) {
            (AppointmentStatus::Held, _) => EntryKind::Hold,
            (_, None) => EntryKind::Request,
            _ => EntryKind::Session,
        }
    }

    /// `snake_case`, as the API names it.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Session => "session",
            EntryKind::Hold => "hold",
            EntryKind::Request => "request",
        }
    }
}

/// Who an entry is with: the clients' names, the name a visitor gave, or
/// nobody yet (a hold).
fn with_whom(e: &CalendarEntry, kind: EntryKind) -> String {
    match kind {
        EntryKind::Hold => String::new(),
        EntryKind::Request => e.visitor_name.clone().unwrap_or_default(),
        EntryKind::Session => e.client_names.join(" & "),
    }
}

fn entry(e: &CalendarEntry, zone: &TimeZone, day_end: Timestamp, locale: Locale) -> WeekEntry {
    let (minutes_from, minutes_to) = clock_minutes(e.starts_at, e.ends_at, zone, day_end);
    let kind = EntryKind::of(e);
    let with_whom = with_whom(e, kind);
    WeekEntry {
        kind,
        id: e.id,
        start: clock_time(e.starts_at, zone, None, locale),
        end: clock_time(e.ends_at, zone, Some(day_end), locale),
        minutes: e.starts_at.duration_until(e.ends_at).as_mins(),
        format: e.format,
        status: e.status,
        with_whom,
        held_until: e.held_until.filter(|_| kind == EntryKind::Hold).map(|t| clock_time(t, zone, None, locale)),
        in_series: e.series_id.is_some(),
        minutes_from,
        minutes_to,
    }
}

/// A clinician's days as a calendar shows them.
struct ClinicianDays {
    days: Vec<WeekDay>,
    has_hours: bool,
    clock_changes: Vec<String>,
}

impl super::Scheduling<'_> {
    /// The practice's therapists, (id, name) by name: those who work here
    /// when `working`, else those whose role here is disabled.
    pub(crate) async fn therapists(
        &self,
        practice: PracticeId,
        working: bool,
    ) -> Result<Vec<(UserId, String)>, AppError> {
        Ok(self
            .app
            .store
            .people(practice)
            .await?
            .into_iter()
            .filter(|p| p.roles.contains(&Role::Clinician) && p.disabled != working)
            .map(|p| (p.id, p.display_name))
            .collect())
    }

    /// `clinician`'s entries and working hours on `dates` (consecutive, on
    /// `zone`'s clock). Callers authorize and audit.
    async fn clinician_days(
        &self,
        clinician: UserId,
        dates: &[Date],
        zone: &TimeZone,
        locale: Locale,
    ) -> Result<ClinicianDays, AppError> {
        let now = self.app.now();
        let (Some(first), Some(last)) = (dates.first().copied(), dates.last().copied()) else {
            return Err(AppError::Internal("a week without days".into()));
        };
        let bounds = |d: Date| day_bounds(zone, d).ok_or(AppError::NotFound);
        let (week_start, _) = bounds(first)?;
        let (_, week_end) = bounds(last)?;
        let entries = self.app.store.calendar_entries(clinician, week_start, week_end, now).await?;
        let availability = self.app.store.availability(clinician).await?;
        let (windows, closed) = match &availability {
            Some(record) => {
                working_windows(record, first.yesterday().unwrap_or(first), last.tomorrow().unwrap_or(last))?
            }
            None => (Vec::new(), Vec::new()),
        };
        let has_hours = availability.as_ref().is_some_and(|r| !r.weekly.is_empty() || !r.overrides.is_empty());
        let today = now.to_zoned(zone.clone()).date();
        let mut out = Vec::new();
        for &date in dates {
            let (start, end) = bounds(date)?;
            let mut hours: Vec<(Timestamp, String, (i64, i64))> = windows
                .iter()
                .filter(|(s, e, _)| *s < end && *e > start)
                .map(|(s, e, format)| {
                    let (s, e) = ((*s).max(start), (*e).min(end));
                    (
                        s,
                        format!(
                            "{}–{} · {}",
                            clock_time(s, zone, None, locale),
                            clock_time(e, zone, Some(end), locale),
                            format.label()
                        ),
                        clock_minutes(s, e, zone, end),
                    )
                })
                .collect();
            hours.sort();
            out.push(WeekDay {
                date,
                heading: locale.day(date),
                today: date == today,
                windows: hours.iter().map(|(_, _, minutes)| *minutes).collect(),
                hours: hours.into_iter().map(|(_, text, _)| text).collect(),
                time_off: closed.contains(&date),
                clinician: None,
                entries: entries
                    .iter()
                    .filter(|e| e.starts_at >= start && e.starts_at < end)
                    .map(|e| entry(e, zone, end, locale))
                    .collect(),
            });
        }
        let clock_changes = clock_changes(zone, week_start, week_end).iter().map(|c| c.sentence(locale)).collect();
        Ok(ClinicianDays { days: out, has_hours, clock_changes })
    }

    /// One day of every therapist of the practice side by side, for owners,
    /// administrators and the front desk (`ViewSchedule` on the practice):
    /// `day` (YYYY-MM-DD), or today when empty. Audited once, as a view of
    /// the practice's calendar.
    pub async fn practice_day(&self, actor: &Actor, day: &str, locale: Locale) -> Result<WeekView, AppError> {
        let membership = actor.acting_membership().ok_or(AppError::Forbidden)?;
        let practice = membership.practice_id;
        let zone = membership.practice_time_zone.zone().clone();
        let now = self.app.now();
        let date = match day.trim() {
            "" => now.to_zoned(zone.clone()).date(),
            typed => typed.parse::<Date>().map_err(|_| AppError::NotFound)?,
        };
        self.app
            .authorize(actor, Action::ViewSchedule, &Resource::Practice(practice), ("practice", practice.to_string()))
            .await?;
        let therapists = self.therapists(practice, true).await?;
        let mut view = WeekView {
            clinician: None,
            therapists: therapists.clone(),
            time_zone: sensate_domain::locale::zone_name(&zone),
            first_day: date,
            today: now.to_zoned(zone.clone()).date(),
            days: Vec::new(),
            clock_changes: Vec::new(),
            has_hours: false,
        };
        for (id, name) in therapists {
            let mut days = self.clinician_days(id, &[date], &zone, locale).await?;
            view.has_hours |= days.has_hours;
            view.clock_changes = days.clock_changes;
            view.days.extend(days.days.drain(..).map(|day| WeekDay { clinician: Some((id, name.clone())), ..day }));
        }
        // The day names clients: an access to client data.
        self.app
            .audit_actor(actor, Some(practice), "view_calendar", "practice", practice.to_string(), outcome::ALLOWED)
            .await?;
        Ok(view)
    }

    /// The week that holds `week` (any date in it; this week when empty) of
    /// `clinician` (the actor themselves when not given, or for owners and
    /// admins the first therapist of the practice), its times written as
    /// `locale` reads them.
    pub async fn week_view(
        &self,
        actor: &Actor,
        clinician: Option<UserId>,
        stretch: &Stretch,
        locale: Locale,
    ) -> Result<WeekView, AppError> {
        let membership = actor.acting_membership().ok_or(AppError::Forbidden)?;
        let practice = membership.practice_id;
        let zone = membership.practice_time_zone.zone().clone();
        let now = self.app.now();
        let (first_day, count) = stretch.days(&zone, now)?;
        let front_desk = actor.may(Action::ViewSchedule, Scope::Practice);
        let therapists = if front_desk { self.therapists(practice, true).await? } else { Vec::new() };
        let chosen = match clinician {
            Some(id) => Some(id),
            None if actor.may(Action::ViewSchedule, Scope::Themselves) => Some(actor.user_id),
            None => therapists.first().map(|(id, _)| *id),
        };
        let dates: Vec<Date> =
            (0..count as i64).filter_map(|n| first_day.checked_add(jiff::Span::new().days(n)).ok()).collect();
        let mut view = WeekView {
            clinician: None,
            therapists,
            time_zone: sensate_domain::locale::zone_name(&zone),
            first_day,
            today: now.to_zoned(zone.clone()).date(),
            days: Vec::new(),
            clock_changes: Vec::new(),
            has_hours: false,
        };
        let Some(clinician) = chosen else {
            // Nobody's week to show: the front desk of a practice without
            // therapists yet, or someone who may not see calendars at all.
            self.app
                .authorize(
                    actor,
                    Action::ViewSchedule,
                    &Resource::Practice(practice),
                    ("practice", practice.to_string()),
                )
                .await?;
            return Ok(view);
        };
        let (_, resource) = self.app.directory().therapist_account(actor, clinician, "view_calendar").await?;
        self.app.authorize(actor, Action::ViewSchedule, &resource, ("user", clinician.to_string())).await?;

        let days = self.clinician_days(clinician, &dates, &zone, locale).await?;
        view.days = days.days;
        view.has_hours = days.has_hours;
        view.clock_changes = days.clock_changes;
        let name = match view.therapists.iter().find(|(id, _)| *id == clinician) {
            Some((_, name)) => name.clone(),
            None => self.app.store.user(clinician).await?.map(|u| u.display_name).unwrap_or_default(),
        };
        view.clinician = Some((clinician, name));
        // The week names clients: an access to client data.
        self.app
            .audit_actor(actor, Some(practice), "view_calendar", "user", clinician.to_string(), outcome::ALLOWED)
            .await?;
        Ok(view)
    }
}

/// The longest stretch one appointment list covers.
pub const MAX_LIST_DAYS: i64 = 31;

/// An appointment in a list for staff.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedAppointment {
    pub id: AppointmentId,
    pub clinician: UserId,
    pub kind: EntryKind,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    /// The clients' names, the name a visitor gave, or empty for a hold.
    pub with_whom: String,
    /// For a hold: when it lapses unless the visitor confirms.
    pub held_until: Option<Timestamp>,
    pub in_series: bool,
}

/// Appointments of one practice over days of its clock.
#[derive(Debug, Clone)]
pub struct AppointmentList {
    pub practice: PracticeId,
    /// The practice's zone, whose days these are.
    pub zone: TimeZone,
    /// The first day covered and the day after the last.
    pub from: Date,
    pub to: Date,
    /// Soonest first.
    pub appointments: Vec<ListedAppointment>,
}

impl super::Scheduling<'_> {
    /// Appointments starting on `days` days (1 to [`MAX_LIST_DAYS`]) of the
    /// practice's clock from `first_day` (today when not given), soonest
    /// first, in the practice the actor acts in: `clinician`'s when given,
    /// else every therapist's for owners and admins, else the actor's own.
    /// Cancelled and lapsed ones are left out. The list names clients, so it
    /// is for staff who may see those calendars, and audited like the
    /// calendar page.
    pub async fn appointment_list(
        &self,
        actor: &Actor,
        clinician: Option<UserId>,
        first_day: Option<Date>,
        days: i64,
    ) -> Result<AppointmentList, AppError> {
        use crate::scheduling::appointments::invalid;
        let membership = actor.acting_membership().ok_or(AppError::Forbidden)?;
        let practice = membership.practice_id;
        let zone = membership.practice_time_zone.zone().clone();
        let now = self.app.now();
        if !(1..=MAX_LIST_DAYS).contains(&days) {
            return Err(invalid("days", format!("Ask for 1 to {MAX_LIST_DAYS} days.")));
        }
        let from = first_day.unwrap_or_else(|| now.to_zoned(zone.clone()).date());
        let to = from.checked_add(jiff::Span::new().days(days)).ok();
        let start_of = |day: Date| day_bounds(&zone, day).map(|(start, _)| start);
        let (Some(to), Some(start), Some(end)) = (to, start_of(from), to.and_then(start_of)) else {
            return Err(invalid("from", "Give a day the calendar can show."));
        };
        let (clinicians, audited) = match clinician {
            None if actor.may(Action::ViewSchedule, Scope::Practice) => {
                let resource = Resource::Practice(practice);
                self.app.authorize(actor, Action::ViewSchedule, &resource, ("practice", practice.to_string())).await?;
                let ids = self.therapists(practice, true).await?.into_iter().map(|(id, _)| id).collect();
                (ids, ("practice", practice.to_string()))
            }
            chosen => {
                let id = chosen.unwrap_or(actor.user_id);
                let (_, resource) = self.app.directory().therapist_account(actor, id, "view_calendar").await?;
                self.app.authorize(actor, Action::ViewSchedule, &resource, ("user", id.to_string())).await?;
                (vec![id], ("user", id.to_string()))
            }
        };
        let mut appointments = Vec::new();
        for clinician in clinicians {
            for e in self.app.store.calendar_entries(clinician, start, end, now).await? {
                let kind = EntryKind::of(&e);
                appointments.push(ListedAppointment {
                    id: e.id,
                    clinician,
                    kind,
                    with_whom: with_whom(&e, kind),
                    starts_at: e.starts_at,
                    ends_at: e.ends_at,
                    format: e.format,
                    status: e.status,
                    held_until: e.held_until.filter(|_| kind == EntryKind::Hold),
                    in_series: e.series_id.is_some(),
                });
            }
        }
        appointments.sort_by_key(|a| (a.starts_at, a.id));
        // The list names clients: an access to client data.
        let (record_type, record_id) = audited;
        self.app.audit_actor(actor, Some(practice), "view_calendar", record_type, record_id, outcome::ALLOWED).await?;
        Ok(AppointmentList { practice, zone, from, to, appointments })
    }
}
