//! `/calendar`: a clinician's week (seven days from today, or the week of
//! `?week=`) or one day (`?day=`), on a time grid on the practice's clock.
//! Staff only (it names clients), and every view is audited by the use
//! case. Previous and next are plain links that htmx turns into a swap of
//! the calendar alone (`HX-Request` gets the fragment), pushing the address
//! so it stays shareable.
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::{HeaderValue, VARY};
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use sensate_app::scheduling::calendar::{EntryKind, Stretch, WeekView};
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
    from: String,
    #[serde(default)]
    day: String,
    /// `1`: every therapist's day side by side (owners, administrators, front desk).
    #[serde(default)]
    everyone: String,
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
    /// Where it sits on the time grid: `at-N span-M`.
    pub place: String,
}

#[derive(Debug, Clone)]
pub(crate) struct DayRow {
    pub id: String,
    pub heading: String,
    pub today: bool,
    pub hours: Vec<String>,
    /// Working hours as places on the time grid, shaded behind the entries.
    pub windows: Vec<String>,
    pub time_off: bool,
    pub entries: Vec<EntryRow>,
    /// The day's link in the other view (the day alone, or its week).
    pub href: String,
}

/// Minutes per row of the time grid.
const ROW_MINUTES: i64 = 15;

/// The hours a time grid shows: from the earliest of 8:00 and anything on
/// it to the latest of 18:00 and anything on it, in whole hours.
fn grid_hours(view: &WeekView) -> (i64, i64) {
    let starts =
        view.days.iter().flat_map(|d| d.entries.iter().map(|e| e.minutes_from).chain(d.windows.iter().map(|w| w.0)));
    let ends =
        view.days.iter().flat_map(|d| d.entries.iter().map(|e| e.minutes_to).chain(d.windows.iter().map(|w| w.1)));
    let first = starts.min().unwrap_or(8 * 60).min(8 * 60) / 60;
    let last = ends.max().unwrap_or(18 * 60).max(18 * 60);
    (first, (last + 59) / 60)
}

/// `at-N span-M`: rows of [`ROW_MINUTES`] from the grid's first hour (the
/// classes are in sensate.css: the page's style rules allow no inline style).
fn place(from: i64, to: i64, first_hour: i64) -> String {
    let row = (from - first_hour * 60).max(0) / ROW_MINUTES + 1;
    let span = ((to - from).max(1) + ROW_MINUTES - 1) / ROW_MINUTES;
    format!("at-{row} span-{}", span.clamp(1, 96))
}

/// A label on the grid's edge for each hour shown.
#[derive(Debug, Clone)]
pub(crate) struct HourMark {
    pub label: String,
    pub place: String,
}

/// The part of the page htmx swaps.
#[derive(Debug, Clone)]
pub(crate) struct WeekPart {
    /// "Week of Monday, November 2, 2026", or the day alone.
    pub title: String,
    /// "the week of Monday, November 2, 2026" or "Monday, November 2, 2026": the status line.
    pub showing: String,
    /// One day rather than seven.
    pub day_view: bool,
    /// Every therapist's day side by side, a column each.
    pub practice: bool,
    /// The other view of the same days: the week, or the first day alone.
    pub other_view: String,
    /// Hour labels and how many rows the grid has.
    pub hours: Vec<HourMark>,
    pub end_place: String,
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
    /// What the chooser keeps of the days shown: (`week`, `from` or `day`, date).
    pub anchor: (&'static str, String),
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

/// How an address names the days that start on `first`: a day, a Monday
/// week, or seven days from a date.
fn anchor(first: jiff::civil::Date, day_view: bool) -> (&'static str, String) {
    if day_view {
        ("day", first.to_string())
    } else if first.weekday() == jiff::civil::Weekday::Monday {
        ("week", first.to_string())
    } else {
        ("from", first.to_string())
    }
}

fn link((name, date): (&str, String), therapist: Option<&str>) -> String {
    match therapist {
        Some(id) => format!("/calendar?{name}={date}&therapist={id}"),
        None => format!("/calendar?{name}={date}"),
    }
}

fn part(view: &WeekView, viewer: UserId, locale: sensate_domain::Locale) -> WeekPart {
    let (clinician_id, clinician_name) = view.clinician.clone().unzip();
    let own = clinician_id == Some(viewer);
    let id_text = clinician_id.map(|id| id.to_string()).unwrap_or_default();
    let therapist = (!own && clinician_id.is_some()).then_some(id_text.as_str());
    let practice = view.days.iter().any(|d| d.clinician.is_some());
    let day_view = practice || view.days.len() == 1;
    let step = if day_view { 1 } else { 7 };
    let shift = |n: i64| view.first_day.checked_add((n * step).days()).unwrap_or(view.first_day);
    let (first_hour, last_hour) = grid_hours(view);
    let days: Vec<DayRow> = view
        .days
        .iter()
        .map(|d| DayRow {
            id: match &d.clinician {
                Some((id, _)) => format!("therapist-{id}"),
                None => format!("day-{}", d.date),
            },
            heading: d.clinician.as_ref().map_or_else(|| d.heading.clone(), |(_, name)| name.clone()),
            today: d.today,
            hours: d.hours.clone(),
            windows: d.windows.iter().map(|(from, to)| place(*from, *to, first_hour)).collect(),
            time_off: d.time_off,
            href: match &d.clinician {
                Some((id, _)) => format!("/calendar?day={}&therapist={id}", d.date),
                None => link(anchor(d.date, !day_view), therapist),
            },
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
                    place: place(e.minutes_from, e.minutes_to, first_hour),
                })
                .collect(),
        })
        .collect();
    let first = locale.day_with_year(view.first_day);
    let (title, showing) = if practice {
        (format!("Everyone on {first}"), format!("everyone on {first}"))
    } else if day_view {
        (first.clone(), first)
    } else {
        (format!("Week of {first}"), format!("the week of {first}"))
    };
    // Every therapist's day moves by days and keeps showing everyone.
    let everyone = |date: jiff::civil::Date| format!("/calendar?everyone=1&day={date}");
    WeekPart {
        title,
        showing,
        day_view,
        practice,
        other_view: if practice {
            format!("/calendar?day={}", view.first_day)
        } else if day_view {
            // Today's week starts today, as the calendar opens; another day's is its Monday week.
            match (view.first_day == view.today, therapist) {
                (true, Some(id)) => format!("/calendar?therapist={id}"),
                (true, None) => "/calendar".to_string(),
                (false, _) => link(("week", view.first_day.to_string()), therapist),
            }
        } else {
            // The day alone: today when it is among the days shown.
            let day = if view.days.iter().any(|d| d.today) { view.today } else { view.first_day };
            link(anchor(day, true), therapist)
        },
        hours: (first_hour..last_hour)
            .map(|hour| HourMark { label: locale.hour(hour), place: place(hour * 60, hour * 60 + 60, first_hour) })
            .collect(),
        end_place: place((last_hour - 1) * 60 + 45, last_hour * 60, first_hour),
        zone: view.time_zone.clone(),
        has_clinician: clinician_id.is_some() || (practice && !days.is_empty()),
        own,
        clinician_id: id_text.clone(),
        clinician_name: clinician_name.unwrap_or_default(),
        previous: if practice { everyone(shift(-1)) } else { link(anchor(shift(-1), day_view), therapist) },
        next: if practice { everyone(shift(1)) } else { link(anchor(shift(1), day_view), therapist) },
        this_week: match (day_view, therapist) {
            _ if practice => "/calendar?everyone=1".to_string(),
            (true, _) => link(anchor(view.today, true), therapist),
            (false, Some(id)) => format!("/calendar?therapist={id}"),
            (false, None) => "/calendar".to_string(),
        },
        empty: days.iter().all(|d| d.entries.is_empty()),
        days,
        clock_changes: view.clock_changes.clone(),
        has_hours: view.has_hours,
        therapists: if practice { &[][..] } else { &view.therapists[..] }
            .iter()
            .map(|(id, name)| Choice {
                value: id.to_string(),
                label: name.clone(),
                selected: Some(*id) == clinician_id,
            })
            .collect(),
        anchor: anchor(view.first_day, day_view),
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
    let view = if query.everyone == "1" {
        state.app.scheduling().practice_day(&actor, &query.day, locale).await?
    } else {
        let stretch = Stretch { week: query.week.clone(), from: query.from.clone(), day: query.day.clone() };
        state.app.scheduling().week_view(&actor, chosen, &stretch, locale).await?
    };
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
