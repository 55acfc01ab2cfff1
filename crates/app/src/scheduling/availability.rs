//! A clinician's availability: the hours they offer (kept as wall-clock
//! times in their own time zone) and, from those, the free times a visitor
//! may book. The computation itself is pure domain code
//! (`sensate_domain::scheduling::availability`); this module reads and
//! checks what people type, stores it, and feeds the computation with the
//! store's busy times and the injected clock.
use jiff::civil::{Date, Time, Weekday};
use jiff::{SignedDuration, Timestamp};
use sensate_domain::policy::Action;
use sensate_domain::scheduling::SessionFormat;
use sensate_domain::scheduling::availability::{
    Busy, DateOverride, DayHours, Rules, Slot, SlotQuery, WeeklyHours, Window, free_slots,
};
use sensate_domain::{FieldErrors, PracticeId, TimeZoneName, UserId};
use sensate_store::{AvailabilityRecord, DateOverrideRecord, WeeklyHoursRecord};

use crate::audit::outcome;
use crate::{Actor, AppError};

/// Rows of weekly hours a clinician may keep.
pub const WEEKLY_ROWS_MAX: usize = 21;
/// Date overrides kept at once.
pub const OVERRIDES_MAX: usize = 120;

/// A row of weekly hours, as typed: weekday 1–7 (Monday first), "09:00", "17:00".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WeeklyInput {
    pub weekday: String,
    pub start: String,
    pub end: String,
    pub format: String,
}

/// A date override, as typed: closed, or one window of hours that day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverrideInput {
    pub date: String,
    pub closed: bool,
    pub start: String,
    pub end: String,
    pub format: String,
}

/// The availability form, as typed (minutes and counts as text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AvailabilityInput {
    pub time_zone: String,
    pub buffer_before: String,
    pub buffer_after: String,
    /// Hours of notice a visitor must give.
    pub min_notice_hours: String,
    pub horizon_days: String,
    /// Empty for no limit.
    pub max_per_day: String,
    pub slot_step: String,
    pub weekly: Vec<WeeklyInput>,
    pub overrides: Vec<OverrideInput>,
}

/// What a clinician starts from before saving anything: no hours yet, the
/// practice's time zone, a day's notice, two months ahead, half-hour steps.
pub fn default_availability(clinician: UserId, time_zone: &TimeZoneName, now: Timestamp) -> AvailabilityRecord {
    AvailabilityRecord {
        clinician_id: clinician,
        time_zone: time_zone.clone(),
        buffer_before_minutes: 0,
        buffer_after_minutes: 10,
        min_notice_minutes: 24 * 60,
        horizon_days: 60,
        max_per_day: None,
        slot_step_minutes: 30,
        weekly: Vec::new(),
        overrides: Vec::new(),
        updated_at: now,
    }
}

/// "HH:MM" (24-hour) → minutes after midnight; "24:00" is the end of the day.
fn minute_of_day(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<u32> {
    let parsed = value.trim().split_once(':').and_then(|(h, m)| {
        let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
    });
    if parsed.is_none() {
        errors.add(
            field,
            format!("Enter times as HH:MM on a 24-hour clock, for example 09:00 (not “{}”).", value.trim()),
        );
    }
    parsed
}

fn number(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    range: std::ops::RangeInclusive<u32>,
    what: &str,
) -> u32 {
    match value.trim().parse::<u32>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            errors.add(field, format!("Enter {what} between {} and {}.", range.start(), range.end()));
            *range.start()
        }
    }
}

fn session_format(errors: &mut FieldErrors, field: &'static str, value: &str) -> SessionFormat {
    SessionFormat::parse(value.trim()).unwrap_or_else(|| {
        errors.add(field, "Choose in person or video for each row of hours.");
        SessionFormat::Telehealth
    })
}

/// Checks what was typed and turns it into a record; then checks the hours
/// themselves (overlaps, ends before starts) with the domain's own rules.
pub fn read_input(
    clinician: UserId,
    input: &AvailabilityInput,
    now: Timestamp,
) -> Result<AvailabilityRecord, AppError> {
    let mut errors = FieldErrors::new();
    let time_zone = TimeZoneName::parse(&input.time_zone);
    if time_zone.is_err() {
        errors.add("time_zone", "Choose a time zone from the list.");
    }
    let buffer_before_minutes = number(&mut errors, "buffer_before", &input.buffer_before, 0..=240, "minutes");
    let buffer_after_minutes = number(&mut errors, "buffer_after", &input.buffer_after, 0..=240, "minutes");
    let min_notice_minutes = number(&mut errors, "min_notice_hours", &input.min_notice_hours, 0..=720, "hours") * 60;
    let horizon_days = number(&mut errors, "horizon_days", &input.horizon_days, 1..=366, "days");
    let max_per_day = (!input.max_per_day.trim().is_empty())
        .then(|| number(&mut errors, "max_per_day", &input.max_per_day, 1..=24, "sessions"));
    let slot_step_minutes = number(&mut errors, "slot_step", &input.slot_step, 5..=240, "minutes");
    let rows: Vec<&WeeklyInput> =
        input.weekly.iter().filter(|w| !(w.start.trim().is_empty() && w.end.trim().is_empty())).collect();
    if rows.len() > WEEKLY_ROWS_MAX {
        errors.add("weekly", format!("Keep at most {WEEKLY_ROWS_MAX} rows of weekly hours."));
    }
    let mut weekly = Vec::new();
    for row in rows {
        let weekday = number(&mut errors, "weekly", &row.weekday, 1..=7, "a weekday");
        let start = minute_of_day(&mut errors, "weekly", &row.start);
        let end = minute_of_day(&mut errors, "weekly", &row.end);
        let format = session_format(&mut errors, "weekly", &row.format);
        if let (Some(start_minute), Some(end_minute)) = (start, end) {
            weekly.push(WeeklyHoursRecord {
                weekday: u8::try_from(weekday).unwrap_or(1),
                start_minute,
                end_minute,
                format,
                office_id: None,
            });
        }
    }
    if input.overrides.len() > OVERRIDES_MAX {
        errors.add("overrides", format!("Keep at most {OVERRIDES_MAX} changed days."));
    }
    let mut overrides = Vec::new();
    for row in &input.overrides {
        let Ok(day) = row.date.trim().parse::<Date>() else {
            errors.add("overrides", "Enter the date as YYYY-MM-DD, for example 2026-12-24.");
            continue;
        };
        let hours = if row.closed {
            None
        } else {
            let start = minute_of_day(&mut errors, "overrides", &row.start);
            let end = minute_of_day(&mut errors, "overrides", &row.end);
            let format = session_format(&mut errors, "overrides", &row.format);
            start.zip(end).map(|(start, end)| (start, end, format, None))
        };
        if row.closed || hours.is_some() {
            overrides.push(DateOverrideRecord { day, hours });
        }
    }
    AppError::invalid_if_any(errors)?;
    let time_zone = time_zone.map_err(|_| AppError::Internal("validated time zone missing".into()))?;
    let record = AvailabilityRecord {
        clinician_id: clinician,
        time_zone,
        buffer_before_minutes,
        buffer_after_minutes,
        min_notice_minutes,
        horizon_days,
        max_per_day,
        slot_step_minutes,
        weekly,
        overrides,
        updated_at: now,
    };
    if let Err(problem) = rules(&record)?.validate() {
        let mut errors = FieldErrors::new();
        errors.add("weekly", problem.to_string());
        return Err(AppError::Invalid(errors));
    }
    Ok(record)
}

/// Minutes after midnight as a time of day; the end of the day (24:00) is
/// the last representable instant of it.
fn time_of_day(minute: u32) -> Result<Time, AppError> {
    if minute >= 24 * 60 {
        return Ok(Time::MAX);
    }
    let (h, m) = (minute / 60, minute % 60);
    Time::new(i8::try_from(h).unwrap_or(0), i8::try_from(m).unwrap_or(0), 0, 0)
        .map_err(|e| AppError::Internal(format!("stored minute {minute}: {e}")))
}

fn weekday(iso: u8) -> Result<Weekday, AppError> {
    Weekday::from_monday_one_offset(i8::try_from(iso).unwrap_or(0))
        .map_err(|e| AppError::Internal(format!("stored weekday {iso}: {e}")))
}

fn window(
    start: u32,
    end: u32,
    format: SessionFormat,
    office: Option<sensate_domain::OfficeId>,
) -> Result<Window, AppError> {
    Ok(Window { start: time_of_day(start)?, end: time_of_day(end)?, format, office })
}

/// The stored availability as the domain's rules.
pub fn rules(record: &AvailabilityRecord) -> Result<Rules, AppError> {
    let time_zone = record.time_zone.zone().clone();
    let weekly = record
        .weekly
        .iter()
        .map(|w| {
            Ok(WeeklyHours {
                weekday: weekday(w.weekday)?,
                window: window(w.start_minute, w.end_minute, w.format, w.office_id)?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let mut overrides: Vec<DateOverride> = Vec::new();
    for o in &record.overrides {
        let hours = match o.hours {
            None => DayHours::Closed,
            Some((start, end, format, office)) => DayHours::Open(vec![window(start, end, format, office)?]),
        };
        // Several open windows of one date are stored as rows; the domain wants one override per date.
        match (overrides.iter_mut().find(|d| d.date == o.day), hours) {
            (Some(DateOverride { hours: DayHours::Open(windows), .. }), DayHours::Open(more)) => windows.extend(more),
            (Some(existing), DayHours::Closed) => existing.hours = DayHours::Closed,
            (Some(_), DayHours::Open(_)) => {}
            (None, hours) => overrides.push(DateOverride { date: o.day, hours }),
        }
    }
    let minutes = |m: u32| SignedDuration::from_mins(i64::from(m));
    Ok(Rules {
        time_zone,
        weekly,
        overrides,
        buffer_before: minutes(record.buffer_before_minutes),
        buffer_after: minutes(record.buffer_after_minutes),
        min_notice: minutes(record.min_notice_minutes),
        horizon_days: u16::try_from(record.horizon_days).unwrap_or(u16::MAX),
        max_per_day: record.max_per_day.map(|m| u16::try_from(m).unwrap_or(u16::MAX)),
        slot_step: minutes(record.slot_step_minutes),
    })
}

/// What the hours editor shows.
#[derive(Debug, Clone)]
pub struct AvailabilityEditor {
    /// The clinician's name.
    pub name: String,
    /// The saved hours (or the starting point), as the form shows them.
    pub saved: AvailabilityInput,
}

fn hhmm(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The stored availability as the form shows it.
pub fn as_input(record: &AvailabilityRecord) -> AvailabilityInput {
    AvailabilityInput {
        time_zone: record.time_zone.to_string(),
        buffer_before: record.buffer_before_minutes.to_string(),
        buffer_after: record.buffer_after_minutes.to_string(),
        min_notice_hours: (record.min_notice_minutes / 60).to_string(),
        horizon_days: record.horizon_days.to_string(),
        max_per_day: record.max_per_day.map(|m| m.to_string()).unwrap_or_default(),
        slot_step: record.slot_step_minutes.to_string(),
        weekly: record
            .weekly
            .iter()
            .map(|w| WeeklyInput {
                weekday: w.weekday.to_string(),
                start: hhmm(w.start_minute),
                end: hhmm(w.end_minute),
                format: w.format.as_str().to_string(),
            })
            .collect(),
        overrides: record
            .overrides
            .iter()
            .map(|o| match o.hours {
                None => OverrideInput { date: o.day.to_string(), closed: true, ..OverrideInput::default() },
                Some((start, end, format, _)) => OverrideInput {
                    date: o.day.to_string(),
                    closed: false,
                    start: hhmm(start),
                    end: hhmm(end),
                    format: format.as_str().to_string(),
                },
            })
            .collect(),
    }
}

/// How a search for free times departs from "everything busy, as of now".
#[derive(Debug, Clone, Copy)]
pub(crate) struct Looking {
    /// The appointment (start, end) being moved: as if it were not there.
    pub moving: Option<(Timestamp, Timestamp)>,
    /// The notice counts from here: now, or when a visitor was shown the time.
    pub notice_from: Timestamp,
}

impl super::Scheduling<'_> {
    /// The clinician's account, checked: they themselves, or the practice's owner or admin.
    async fn availability_of(&self, actor: &Actor, clinician: UserId) -> Result<PracticeId, AppError> {
        let (practice, resource) =
            self.app.directory().therapist_account(actor, clinician, "edit_availability").await?;
        self.app.authorize(actor, Action::EditAvailability, &resource, ("user", clinician.to_string())).await?;
        Ok(practice)
    }

    /// The actor's own schedule, checked (a clinician's); returns their practice.
    pub(crate) async fn own_availability(&self, actor: &Actor) -> Result<PracticeId, AppError> {
        self.availability_of(actor, actor.user_id).await
    }

    /// The saved availability, or the starting point if none was saved yet.
    pub async fn availability_editor(&self, actor: &Actor, clinician: UserId) -> Result<AvailabilityEditor, AppError> {
        let practice = self.availability_of(actor, clinician).await?;
        let name = self.app.store.user(clinician).await?.map(|u| u.display_name).unwrap_or_default();
        let record = match self.app.store.availability(clinician).await? {
            Some(saved) => saved,
            None => {
                let zone = self.app.store.practice(practice).await?.map_or_else(TimeZoneName::utc, |p| p.time_zone);
                default_availability(clinician, &zone, self.app.now())
            }
        };
        Ok(AvailabilityEditor { name, saved: as_input(&record) })
    }

    pub async fn save_availability(
        &self,
        actor: &Actor,
        clinician: UserId,
        input: &AvailabilityInput,
    ) -> Result<(), AppError> {
        let practice = self.availability_of(actor, clinician).await?;
        let record = read_input(clinician, input, self.app.now())?;
        let uow = self.app.store.begin_write().await?;
        uow.save_availability(&record).await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "edit_availability",
            "user",
            clinician.to_string(),
            outcome::ALLOWED,
        ));
        Ok(uow.commit().await?)
    }

    /// The clinician's free times for a session of `duration` in one of
    /// `formats`, from `from` to `to`, as of now. Empty when they have not
    /// set their hours.
    pub async fn free_times(
        &self,
        clinician: UserId,
        duration: SignedDuration,
        formats: Vec<SessionFormat>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Slot>, AppError> {
        let looking = Looking { moving: None, notice_from: self.app.now() };
        self.free_times_besides(clinician, duration, formats, from, to, looking).await
    }

    /// Like [`Self::free_times`], as `looking` says: as if the appointment
    /// it is moving were not there (the times it could be moved to), with
    /// the notice counted from when it says. What is busy is always read as
    /// of now.
    pub(crate) async fn free_times_besides(
        &self,
        clinician: UserId,
        duration: SignedDuration,
        formats: Vec<SessionFormat>,
        from: Timestamp,
        to: Timestamp,
        looking: Looking,
    ) -> Result<Vec<Slot>, AppError> {
        let Looking { moving, notice_from } = looking;
        let Some(record) = self.app.store.availability(clinician).await? else { return Ok(Vec::new()) };
        let rules = rules(&record)?;
        let now = self.app.now();
        // From a day before: the daily limit counts the whole local day's
        // sessions, and buffers reach back from the first free time. Two
        // appointments of one clinician never overlap, so the times identify
        // the one being moved.
        let busy: Vec<Busy> = self
            .app
            .store
            .busy_times(clinician, now.min(from) - SignedDuration::from_hours(24), now)
            .await?
            .into_iter()
            .filter(|times| Some(*times) != moving)
            .map(|(start, end)| Busy { start, end })
            .collect();
        free_slots(&rules, &busy, &SlotQuery { duration, formats, from, to }, notice_from.min(now))
            .map_err(|e| AppError::Internal(format!("availability: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AvailabilityInput {
        AvailabilityInput {
            time_zone: "America/New_York".into(),
            buffer_before: "0".into(),
            buffer_after: "10".into(),
            min_notice_hours: "24".into(),
            horizon_days: "60".into(),
            max_per_day: "".into(),
            slot_step: "30".into(),
            weekly: vec![
                WeeklyInput {
                    weekday: "1".into(),
                    start: "09:00".into(),
                    end: "12:00".into(),
                    format: "in_person".into(),
                },
                WeeklyInput {
                    weekday: "1".into(),
                    start: "13:00".into(),
                    end: "24:00".into(),
                    format: "telehealth".into(),
                },
                WeeklyInput::default(),
            ],
            overrides: vec![OverrideInput { date: "2026-12-24".into(), closed: true, ..OverrideInput::default() }],
        }
    }

    #[test]
    fn typed_hours_become_a_record_and_rules() {
        let now: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
        let record = read_input(UserId::new(), &input(), now).unwrap();
        assert_eq!(record.weekly.len(), 2, "empty rows are left out");
        assert_eq!((record.weekly[0].start_minute, record.weekly[0].end_minute), (540, 720));
        assert_eq!(record.weekly[1].end_minute, 1440);
        assert_eq!(record.min_notice_minutes, 24 * 60);
        assert_eq!(record.max_per_day, None);
        let rules = rules(&record).unwrap();
        assert_eq!(rules.weekly[0].weekday, Weekday::Monday);
        assert_eq!(rules.weekly[1].window.end, Time::MAX);
        assert_eq!(rules.overrides[0].hours, DayHours::Closed);
        // What the form shows reads back the same.
        let shown = as_input(&record);
        assert_eq!(
            shown.weekly[0],
            WeeklyInput { weekday: "1".into(), start: "09:00".into(), end: "12:00".into(), format: "in_person".into() }
        );
        assert_eq!(shown.weekly[1].end, "24:00");
        assert_eq!(read_input(record.clinician_id, &shown, now).unwrap(), record);
    }

    #[test]
    fn mistakes_are_named_and_overlaps_explained() {
        let now: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
        let mut bad = input();
        bad.time_zone = "Mars/Olympus".into();
        bad.weekly[0].start = "9am".into();
        bad.slot_step = "0".into();
        let Err(AppError::Invalid(errors)) = read_input(UserId::new(), &bad, now) else { panic!("refused") };
        assert!(errors.get("time_zone").is_some());
        assert!(errors.get("weekly").unwrap().contains("“9am”"));
        assert!(errors.get("slot_step").is_some());

        let mut overlapping = input();
        overlapping.weekly[1].start = "11:00".into();
        overlapping.weekly[1].format = "in_person".into();
        let Err(AppError::Invalid(errors)) = read_input(UserId::new(), &overlapping, now) else { panic!("refused") };
        assert!(errors.get("weekly").unwrap().contains("overlap"), "{:?}", errors.get("weekly"));
    }
}
