//! A clinician's bookable hours: weekly hours per format, days off and
//! changed days, buffers, notice and horizon, with a preview of the next
//! free times those rules give.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::SignedDuration;
use sensate_app::actor::Scope;
use sensate_app::scheduling::availability::{AvailabilityInput, OverrideInput, WeeklyInput};
use sensate_app::{Actor, AppError};
use sensate_domain::policy::Action;
use sensate_domain::practice::COMMON_TIME_ZONES;
use sensate_domain::scheduling::SessionFormat;
use sensate_domain::{FieldErrors, UserId};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::ui::{Done, Layout, Notice, path_id, render_status};

/// Empty rows the form adds after the saved ones: a row for each day of a week.
const SPARE_WEEKLY_ROWS: usize = 7;
const SPARE_OVERRIDE_ROWS: usize = 2;
/// The preview: this many free times of a 50-minute session, in the next two weeks.
const PREVIEW_SLOTS: usize = 12;

/// The form's fields, from numbered names (`w1_start`, `o2_date`, …).
fn read_form(pairs: &[(String, String)]) -> AvailabilityInput {
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let rows = |prefix: char| {
        let mut numbers: Vec<usize> = pairs
            .iter()
            .filter_map(|(k, _)| k.strip_prefix(prefix)?.split_once('_')?.0.parse().ok())
            .filter(|n| *n <= 200)
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        numbers
    };
    AvailabilityInput {
        time_zone: one("time_zone"),
        buffer_before: one("buffer_before"),
        buffer_after: one("buffer_after"),
        min_notice_hours: one("min_notice_hours"),
        horizon_days: one("horizon_days"),
        max_per_day: one("max_per_day"),
        slot_step: one("slot_step"),
        weekly: rows('w')
            .into_iter()
            .map(|n| WeeklyInput {
                weekday: one(&format!("w{n}_weekday")),
                start: one(&format!("w{n}_start")),
                end: one(&format!("w{n}_end")),
                format: one(&format!("w{n}_format")),
            })
            .collect(),
        overrides: rows('o')
            .into_iter()
            .map(|n| OverrideInput {
                date: one(&format!("o{n}_date")),
                closed: pairs.iter().any(|(k, _)| *k == format!("o{n}_closed")),
                start: one(&format!("o{n}_start")),
                end: one(&format!("o{n}_end")),
                format: one(&format!("o{n}_format")),
            })
            .filter(|o| !o.date.trim().is_empty())
            .collect(),
    }
}

async fn show(
    state: &AppState,
    actor: &Actor,
    layout: Layout,
    clinician: UserId,
    notice: Option<Notice>,
    typed: Option<(AvailabilityInput, &FieldErrors)>,
) -> Result<Response, WebError> {
    let editor = state.app.scheduling().availability_editor(actor, clinician).await?;
    let (input, errors, status) = match typed {
        Some((input, errors)) => (
            input,
            errors.iter().map(|(f, m)| (f, m.to_string())).collect::<Vec<_>>(),
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        ),
        None => (editor.saved.clone(), Vec::new(), axum::http::StatusCode::OK),
    };
    let mut weekly: Vec<WeeklyRow> = input
        .weekly
        .iter()
        .map(|w| WeeklyRow {
            n: 0,
            weekday: w.weekday.clone(),
            start: w.start.clone(),
            end: w.end.clone(),
            format: w.format.clone(),
        })
        .collect();
    weekly.extend((0..SPARE_WEEKLY_ROWS).map(|_| WeeklyRow { format: "telehealth".into(), ..WeeklyRow::default() }));
    for (i, row) in weekly.iter_mut().enumerate() {
        row.n = i + 1;
    }
    let mut overrides: Vec<OverrideRow> = input
        .overrides
        .iter()
        .map(|o| OverrideRow {
            n: 0,
            date: o.date.clone(),
            closed: o.closed,
            start: o.start.clone(),
            end: o.end.clone(),
            format: o.format.clone(),
        })
        .collect();
    overrides.extend((0..SPARE_OVERRIDE_ROWS).map(|_| OverrideRow {
        closed: true,
        format: "telehealth".into(),
        ..OverrideRow::default()
    }));
    for (i, row) in overrides.iter_mut().enumerate() {
        row.n = i + 1;
    }
    let zone = jiff::tz::TimeZone::get(&editor.saved.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let now = state.app.now();
    let preview = state
        .app
        .scheduling()
        .free_times(
            clinician,
            SignedDuration::from_mins(50),
            vec![SessionFormat::InPerson, SessionFormat::Telehealth],
            now,
            now + SignedDuration::from_hours(24 * 14),
        )
        .await?
        .into_iter()
        .take(PREVIEW_SLOTS)
        .map(|slot| format!("{} · {}", layout.locale.when(slot.start, &zone), slot.format.label()))
        .collect();
    let template = AvailabilityTemplate {
        layout: layout.at("availability"),
        notice,
        clinician_id: clinician.to_string(),
        own: clinician == actor.user_id,
        name: editor.name,
        time_zones: COMMON_TIME_ZONES.iter().map(|z| z.to_string()).collect(),
        input,
        weekly,
        overrides,
        errors,
        preview,
    };
    render_status(status, &template)
}

/// `GET /availability`: a clinician's own hours; owners and admins choose a
/// therapist from the directory overview.
pub(crate) async fn mine(State(state): State<AppState>, page: Page) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    if actor.may(Action::EditAvailability, Scope::Themselves) {
        return Ok(Redirect::to(&format!("/availability/{}", actor.user_id)).into_response());
    }
    if actor.may(Action::ManageDirectory, Scope::Practice) {
        return Ok(Redirect::to("/profiles").into_response());
    }
    // Anyone else is refused by the use case, which records the refusal.
    show(&state, &actor, layout, actor.user_id, None, None).await
}

pub(crate) async fn editor(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let notice =
        (done.done == "saved").then(|| Notice::success("Hours saved. The preview below shows what visitors can book."));
    show(&state, &actor, layout, path_id::<UserId>(&id)?, notice, None).await
}

pub(crate) async fn save(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let clinician = path_id::<UserId>(&id)?;
    let input = read_form(&pairs);
    match state.app.scheduling().save_availability(&actor, clinician, &input).await {
        Ok(()) => Ok(Redirect::to(&format!("/availability/{clinician}?done=saved")).into_response()),
        Err(AppError::Invalid(errors)) => show(&state, &actor, layout, clinician, None, Some((input, &errors))).await,
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_rows_are_read_in_order_and_empty_dates_dropped() {
        let pairs: Vec<(String, String)> = [
            ("time_zone", "America/New_York"),
            ("w2_weekday", "3"),
            ("w2_start", "10:00"),
            ("w1_weekday", "1"),
            ("w1_start", "09:00"),
            ("o1_date", "2026-12-24"),
            ("o1_closed", "on"),
            ("o2_date", ""),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let input = read_form(&pairs);
        assert_eq!(input.weekly.iter().map(|w| w.weekday.as_str()).collect::<Vec<_>>(), vec!["1", "3"]);
        assert_eq!(input.overrides.len(), 1);
        assert!(input.overrides[0].closed);
    }
}

/// A row of weekly hours in the hours editor, numbered from 1.
#[derive(Debug, Clone, Default)]
pub(crate) struct WeeklyRow {
    pub n: usize,
    /// ISO weekday, "1" (Monday) to "7"; empty for a spare row.
    pub weekday: String,
    pub start: String,
    pub end: String,
    pub format: String,
}

/// A changed day in the hours editor, numbered from 1.
#[derive(Debug, Clone, Default)]
pub(crate) struct OverrideRow {
    pub n: usize,
    pub date: String,
    pub closed: bool,
    pub start: String,
    pub end: String,
    pub format: String,
}

#[derive(Template)]
#[template(path = "scheduling/availability/editor.html")]
pub(crate) struct AvailabilityTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub clinician_id: String,
    pub own: bool,
    pub name: String,
    pub time_zones: Vec<String>,
    pub input: sensate_app::scheduling::availability::AvailabilityInput,
    pub weekly: Vec<WeeklyRow>,
    pub overrides: Vec<OverrideRow>,
    pub errors: Vec<(&'static str, String)>,
    /// The next free times, as lines.
    pub preview: Vec<String>,
}

impl AvailabilityTemplate {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    const WEEKDAYS: [(&'static str, &'static str); 7] = [
        ("1", "Monday"),
        ("2", "Tuesday"),
        ("3", "Wednesday"),
        ("4", "Thursday"),
        ("5", "Friday"),
        ("6", "Saturday"),
        ("7", "Sunday"),
    ];

    /// "Eastern Time (New York)": a zone as the list offers it.
    fn zone_label(&self, iana: &str) -> String {
        sensate_domain::locale::zone_choice_label(iana)
    }

    /// The saved zone is one of the common ones offered (otherwise it is added).
    fn zone_listed(&self) -> bool {
        self.input.time_zone.is_empty() || self.time_zones.contains(&self.input.time_zone)
    }

    fn weekdays(&self) -> &'static [(&'static str, &'static str)] {
        &Self::WEEKDAYS
    }
}
