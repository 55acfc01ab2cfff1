//! `/calendar`: a clinician's week, day by day on the practice's clock.
//! Staff only (it names clients), and every view is audited by the use
//! case. Previous and next week are plain links that htmx turns into a swap
//! of the week alone (`HX-Request` gets the fragment), pushing the address so
//! it stays shareable.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::{HeaderValue, VARY};
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use sensate_app::scheduling::calendar::{EntryKind, WeekView};
use sensate_domain::UserId;

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::ui::{Choice, Layout, Notice, render};

#[derive(serde::Deserialize, Default)]
pub(crate) struct WeekQuery {
    #[serde(default)]
    week: String,
    #[serde(default)]
    therapist: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    count: String,
}

/// One line of a day.
#[derive(Debug, Clone)]
pub(crate) struct EntryRow {
    /// "session", "hold" or "request": the CSS class and what the line says.
    pub kind: &'static str,
    /// "09:00–09:50".
    pub time: String,
    pub minutes: i64,
    pub format: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub who: String,
    pub href: String,
    pub held_until: String,
    pub in_series: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct DayRow {
    pub id: String,
    pub heading: String,
    pub today: bool,
    pub hours: Vec<String>,
    pub time_off: bool,
    pub entries: Vec<EntryRow>,
}

/// The part of the page htmx swaps.
#[derive(Debug, Clone)]
pub(crate) struct WeekPart {
    /// "Week of Monday, November 2, 2026".
    pub title: String,
    /// "Monday, November 2, 2026": the week's first day, for the status line.
    pub monday_label: String,
    pub zone: String,
    pub has_clinician: bool,
    pub own: bool,
    pub clinician_id: String,
    pub clinician_name: String,
    pub previous: String,
    pub next: String,
    pub this_week: String,
    pub days: Vec<DayRow>,
    pub clock_changes: Vec<String>,
    pub has_hours: bool,
    pub empty: bool,
    /// Owners and admins choose whose week; empty for a therapist.
    pub therapists: Vec<Choice>,
    /// The week's Monday, YYYY-MM-DD: the chooser keeps the week shown.
    pub monday: String,
}

#[derive(Template)]
#[template(path = "scheduling/calendar/week.html")]
pub(crate) struct WeekTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub week: WeekPart,
}

#[derive(Template)]
#[template(path = "scheduling/calendar/week_fragment.html")]
pub(crate) struct WeekFragmentTemplate {
    pub week: WeekPart,
}

fn link(week: jiff::civil::Date, therapist: Option<&str>) -> String {
    match therapist {
        Some(id) => format!("/calendar?week={week}&therapist={id}"),
        None => format!("/calendar?week={week}"),
    }
}

fn part(view: &WeekView, viewer: UserId, locale: sensate_domain::Locale) -> WeekPart {
    let (clinician_id, clinician_name) = view.clinician.clone().unzip();
    let own = clinician_id == Some(viewer);
    let id_text = clinician_id.map(|id| id.to_string()).unwrap_or_default();
    let therapist = (!own && clinician_id.is_some()).then_some(id_text.as_str());
    let shift = |weeks: i64| view.monday.checked_add((weeks * 7).days()).unwrap_or(view.monday);
    let days: Vec<DayRow> = view
        .days
        .iter()
        .map(|d| DayRow {
            id: format!("day-{}", d.date),
            heading: d.heading.clone(),
            today: d.today,
            hours: d.hours.clone(),
            time_off: d.time_off,
            entries: d
                .entries
                .iter()
                .map(|e| EntryRow {
                    kind: match e.kind {
                        EntryKind::Session => "session",
                        EntryKind::Hold => "hold",
                        EntryKind::Request => "request",
                    },
                    time: format!("{}–{}", e.start, e.end),
                    minutes: e.minutes,
                    format: e.format.label(),
                    status: e.status.label(),
                    status_class: e.status.as_str(),
                    who: e.with_whom.clone(),
                    href: match e.kind {
                        EntryKind::Request => "/requests".to_string(),
                        _ => format!("/appointments/{}", e.id),
                    },
                    held_until: e.held_until.clone().unwrap_or_default(),
                    in_series: e.in_series,
                })
                .collect(),
        })
        .collect();
    WeekPart {
        title: format!("Week of {}", locale.day_with_year(view.monday)),
        monday_label: locale.day_with_year(view.monday),
        zone: view.time_zone.clone(),
        has_clinician: clinician_id.is_some(),
        own,
        clinician_id: id_text.clone(),
        clinician_name: clinician_name.unwrap_or_default(),
        previous: link(shift(-1), therapist),
        next: link(shift(1), therapist),
        this_week: match therapist {
            Some(id) => format!("/calendar?therapist={id}"),
            None => "/calendar".to_string(),
        },
        empty: days.iter().all(|d| d.entries.is_empty()),
        days,
        clock_changes: view.clock_changes.clone(),
        has_hours: view.has_hours,
        therapists: view
            .therapists
            .iter()
            .map(|(id, name)| Choice {
                value: id.to_string(),
                label: name.clone(),
                selected: Some(*id) == clinician_id,
            })
            .collect(),
        monday: view.monday.to_string(),
    }
}

/// Whether htmx asked for the week alone (a history restore needs the page).
fn wants_fragment(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request") && !headers.contains_key("hx-history-restore-request")
}

pub(crate) async fn show(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Query(query): Query<WeekQuery>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let locale = layout.locale;
    let chosen = match query.therapist.trim() {
        "" => None,
        id => Some(crate::ui::path_id::<UserId>(id)?),
    };
    let view = state.app.scheduling().week_view(&actor, chosen, &query.week, locale).await?;
    let week = part(&view, actor.user_id, locale);
    let mut response = if wants_fragment(&headers) {
        render(&WeekFragmentTemplate { week })?.into_response()
    } else {
        let notice = (query.done == "added").then(|| {
            let count = query.count.parse::<u16>().unwrap_or(1);
            Notice::success(if count > 1 {
                format!("{count} appointments added. Each can be moved or cancelled on its own.")
            } else {
                "Appointment added.".to_string()
            })
        });
        render(&WeekTemplate { layout: layout.at("calendar-week"), notice, week })?.into_response()
    };
    // The same address answers with the page or the fragment.
    response.headers_mut().insert(VARY, HeaderValue::from_static("HX-Request"));
    Ok(response)
}
