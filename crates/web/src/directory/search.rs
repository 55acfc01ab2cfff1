//! The public directory: search and profile pages. Anonymous; filters may be
//! shared as links (they live in the query string, which is never logged).
//! The search page answers htmx requests (`HX-Request`) with the results
//! alone, so filters update them in place; every other request, the full page.
//!
//! Pages for anonymous visitors are kept, rendered, for the view of the
//! directory they were made from (`App::remember`): the same search again
//! costs the version query, shared with the searches beside it, and a copy.
//! The most common searches are asked again and again, and a page of
//! results with the filter form is tens of microseconds of work.
use std::sync::{Arc, OnceLock};

use askama::Template;
use axum::extract::FromRequestParts;
use axum::extract::{Path, Query, State};
use axum::http::header::{HeaderValue, VARY};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use sensate_app::AppError;
use sensate_app::directory::search::{DirectoryView, Names, reference_data};
use sensate_app::infra::secrets::new_token;
use sensate_domain::UserId;
use sensate_domain::directory::search::reasons_line;

use crate::AppState;
use crate::context::Page;
use crate::directory::api::TherapistQuery;
use crate::error::WebError;
use crate::ui::{Choice, Layout, render};

fn choices(options: impl Iterator<Item = (String, String)>, selected: &str, any: &str) -> Vec<Choice> {
    std::iter::once((String::new(), any.to_string()))
        .chain(options)
        .map(|(value, label)| Choice { selected: value == selected, value, label })
        .collect()
}

/// Whether htmx asked for the results alone. A history restore (the back
/// button after htmx changed the address) needs the whole page.
fn wants_fragment(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request") && !headers.contains_key("hx-history-restore-request")
}

/// [`wants_fragment`] as an extractor: the request's headers are read where
/// they are, not copied (the `HeaderMap` extractor copies them all).
pub(crate) struct Fragment(bool);

impl<S: Send + Sync> FromRequestParts<S> for Fragment {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Fragment(wants_fragment(&parts.headers)))
    }
}

/// A search page as rendered, kept for the view of the directory it was
/// made from (see `App::remember`), with the visitor's anti-forgery token
/// left out: the page is the same for every anonymous visitor but for that.
struct RenderedPage {
    status: StatusCode,
    /// The page, cut where the token goes.
    parts: Vec<String>,
}

impl RenderedPage {
    fn response(&self, csrf: &str) -> Response {
        let length = self.parts.iter().map(String::len).sum::<usize>() + csrf.len() * self.parts.len();
        let mut body = String::with_capacity(length);
        for (n, part) in self.parts.iter().enumerate() {
            if n > 0 {
                body.push_str(csrf);
            }
            body.push_str(part);
        }
        (self.status, Html(body)).into_response()
    }

    fn weight(&self) -> usize {
        self.parts.iter().map(String::len).sum()
    }
}

/// Stands in for the visitor's token in kept pages: random, so that no
/// text of a profile can contain it, and cut out again before use.
fn token_stand_in() -> &'static str {
    static STAND_IN: OnceLock<String> = OnceLock::new();
    STAND_IN.get_or_init(new_token)
}

/// Under what a page is kept, or `None` when it is not: only pages for
/// anonymous visitors (nobody's name in them) whose token is plain
/// letters and digits (so it needs no escaping where it goes back in).
/// The query string, as sent, whether htmx asked for the results alone and
/// how the reader writes times and distances decide everything else the
/// page shows, given the view of the directory.
fn memo_key(page: &Page, fragment: bool, query: Option<&str>) -> Option<String> {
    let plain = page.layout.csrf.bytes().all(|b| b.is_ascii_alphanumeric());
    (page.actor.is_none() && page.layout.user.is_none() && plain)
        .then(|| format!("therapists:{}:{:?}:{}", u8::from(fragment), page.layout.locale, query.unwrap_or_default()))
}

pub(crate) async fn search(
    State(state): State<AppState>,
    mut page: Page,
    Fragment(fragment): Fragment,
    uri: Uri,
) -> Result<Response, WebError> {
    let view = state.app.directory().directory_view().await?;
    let key = memo_key(&page, fragment, uri.query());
    let kept = key.as_deref().and_then(|key| state.app.directory().recall::<RenderedPage>(&view, key));
    let mut response = match (kept, key) {
        (Some(kept), _) => kept.response(&page.layout.csrf),
        (None, Some(key)) => {
            let csrf = std::mem::replace(&mut page.layout.csrf, token_stand_in().to_string());
            let (status, html, changes_at) = render_search(&state, &view, page, fragment, &uri)?;
            let rendered = RenderedPage { status, parts: html.split(token_stand_in()).map(str::to_string).collect() };
            let response = rendered.response(&csrf);
            let weight = rendered.weight();
            state.app.directory().remember(&view, key, Arc::new(rendered), weight, changes_at);
            response
        }
        (None, None) => {
            let (status, html, _) = render_search(&state, &view, page, fragment, &uri)?;
            (status, Html(html)).into_response()
        }
    };
    // The same address answers with a fragment or a page, and writes times
    // as the reader's language does: caches must tell them apart.
    response.headers_mut().insert(VARY, HeaderValue::from_static("HX-Request, Accept-Language"));
    Ok(response)
}

/// The search page (or, for htmx, the results alone) for the filters in
/// `uri`, with its status and until when its free times hold.
fn render_search(
    state: &AppState,
    view: &DirectoryView,
    page: Page,
    fragment: bool,
    uri: &Uri,
) -> Result<(StatusCode, String, Option<jiff::Timestamp>), WebError> {
    let reference = reference_data()?;
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let mut params = match Query::<TherapistQuery>::try_from_uri(uri) {
        Ok(Query(params)) => params,
        Err(_) => {
            problems.push(("filters", "Some filters could not be read and were left out.".to_string()));
            TherapistQuery::default()
        }
    };
    // A filter that cannot be used is explained and left out; the rest still
    // search. Each round drops at least one filter (or all of them), so this ends.
    let query = loop {
        match params.to_search(reference) {
            Ok(query) => break query,
            Err(errors) => {
                let fields: Vec<(&'static str, String)> = errors.iter().map(|(f, m)| (f, m.to_string())).collect();
                let mut changed = false;
                for (field, _) in &fields {
                    changed |= params.clear(field);
                }
                for problem in fields {
                    if !problems.contains(&problem) {
                        problems.push(problem);
                    }
                }
                if !changed {
                    params = TherapistQuery::default();
                }
            }
        }
    };
    let results = state.app.directory().search_in(view, &query)?;
    let names = Names(reference);
    let visitor_zone = params.visitor_zone().ok().flatten();
    let locale = page.layout.locale;
    let now = state.app.now();
    let mut rows = Vec::new();
    for hit in &results.hits {
        let Ok(user) = hit.id.parse::<UserId>() else { continue };
        let Some(profile) = view.card(user) else { continue };
        let next = view.next_available(user, hit.next_free);
        let hit_name = profile.display_name.clone();
        rows.push(ResultRow {
            id: hit.id.clone(),
            name: profile.display_name,
            pronouns: profile.pronouns,
            credentials: profile.credentials,
            headline: profile.headline,
            why: reasons_line(&hit.reasons, &names),
            initials: initials(&hit_name),
            has_photo: profile.has_photo,
            fees: view.fees_of(user).map(|fees| fee_line(&fees, reference)).unwrap_or_default(),
            times: match &next {
                Some(next) => {
                    let zone = visitor_zone.as_ref().unwrap_or(&next.time_zone);
                    time_buttons(&hit.id, &view.upcoming_times(user, now, CARD_TIMES), zone, &params.format, locale)
                }
                None => Vec::new(),
            },
            next_available: next.map(|next| {
                // The time names its zone, the visitor's own or the therapist's.
                let (_, local) = crate::directory::api::next_available_in(&next, visitor_zone.as_ref(), locale);
                format!("{local} · {}", next.session)
            }),
        });
    }
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let view = ResultsView {
        chips: params.chips(reference, locale),
        clear_all: params.without_filters_link(),
        problems,
        total: results.total,
        page: results.page,
        pages: results.pages,
        previous: (results.page > 1).then(|| params.page_link(results.page - 1)),
        next: (results.page < results.pages).then(|| params.page_link(results.page + 1)),
        results: rows,
    };
    let html = if fragment {
        DirectoryResultsTemplate { view }.render()?
    } else {
        DirectorySearchTemplate {
            layout: page.layout.at("therapists"),
            concerns: choices(
                reference.concerns().iter().map(|c| (c.slug.clone(), c.name.clone())),
                params.concerns(),
                "Any concern",
            ),
            states: choices(
                reference.jurisdictions().iter().map(|j| (j.code.clone(), j.name.clone())),
                params.state(),
                "Choose your state",
            ),
            insurance: choices(
                reference.payers().iter().map(|p| (p.slug.clone(), p.name.clone())),
                params.insurance(),
                "Any, or paying myself",
            ),
            languages: choices(
                reference.languages().iter().map(|l| (l.code.clone(), l.name.clone())),
                params.languages(),
                "Any language",
            ),
            params,
            view,
        }
        .render()?
    };
    Ok((status, html, results.changes_at))
}

pub(crate) async fn profile(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let user: UserId = crate::ui::path_id(&id)?;
    let Some((record, practice)) = state.app.directory().listed_profile(user).await? else {
        return Err(WebError(AppError::NotFound));
    };
    let reference = reference_data()?;
    // The listed profile holds only current, verified credentials.
    let licences = record
        .licences
        .iter()
        .filter_map(|l| {
            let verified = l.verification.as_ref()?;
            let kind = reference.licence_type(&l.licence_type).map(|t| t.abbreviation.clone()).unwrap_or_default();
            let place = reference.jurisdiction(&l.jurisdiction).map(|j| j.name.clone()).unwrap_or_default();
            Some(format!(
                "{kind}, {place}, no. {} — licence verified on {}",
                l.number,
                verified.at.strftime("%-d %B %Y")
            ))
        })
        .collect();
    let certifications = record
        .certifications
        .iter()
        .filter_map(|c| {
            let verified = c.verification.as_ref()?;
            let body = reference.certifying_body(&c.body)?;
            Some(format!("{} ({}) — verified on {}", body.credential, body.name, verified.at.strftime("%-d %B %Y")))
        })
        .collect();
    let telehealth_states: Vec<String> = if record.profile.offers_telehealth {
        let mut codes: Vec<String> = record
            .licences
            .iter()
            .filter_map(|l| reference.jurisdiction(&l.jurisdiction).map(|j| j.code.clone()))
            .collect();
        codes.sort();
        codes.dedup();
        codes
    } else {
        Vec::new()
    };
    let fee = record.min_fee_cents.map(sensate_app::money::dollars);
    let has_photo = state.app.directory().listed_photo(user).await?.is_some();
    // What can be booked: none when the therapist is not taking new clients.
    let (session_fees, next_free) = match state.app.scheduling().booking_options(user).await? {
        Some(options) => {
            let fees = options
                .session_types
                .iter()
                .map(|t| {
                    let fee = match t.fee_cents {
                        Some(0) => "free".to_string(),
                        Some(cents) => sensate_app::money::dollars(cents),
                        None => "fee on request".to_string(),
                    };
                    format!("{}, {} min: {fee}", t.name, t.duration_minutes)
                })
                .collect();
            let next = state.app.scheduling().next_free_time(&options).await?.map(|next| {
                format!(
                    "{} · {} · {}",
                    page.layout.locale.when(next.slot.start, &next.time_zone),
                    next.session,
                    next.slot.format.label()
                )
            });
            (fees, next)
        }
        None => (Vec::new(), None),
    };
    let template = DirectoryProfileTemplate {
        layout: page.layout.at("therapists"),
        id: user.to_string(),
        has_photo,
        next_free,
        session_fees,
        name: record.profile.display_name.clone(),
        pronouns: record.profile.pronouns.clone(),
        credentials: record.profile.credentials.clone(),
        headline: record.profile.headline.clone(),
        approach: record.profile.approach.clone(),
        concerns: record.concerns.iter().filter_map(|s| reference.concern(s).map(|c| c.name.clone())).collect(),
        languages: record.language_codes.iter().filter_map(|s| reference.language(s).map(|l| l.name.clone())).collect(),
        payers: record.payers.iter().filter_map(|s| reference.payer(s).map(|p| p.name.clone())).collect(),
        offices: if record.profile.offers_in_person {
            record.offices.iter().map(|o| format!("{} — {}. {}", o.label, o.address, o.accessibility)).collect()
        } else {
            Vec::new()
        },
        telehealth_states,
        focus: match (record.sees_individuals, record.sees_couples) {
            (true, true) => "Individuals and couples",
            (false, true) => "Couples",
            _ => "Individuals",
        },
        fee,
        sliding_scale: record.sliding_scale,
        free_consultation: record.free_consultation,
        superbill: record.superbill,
        accepting: record.profile.accepting_new_clients,
        licences,
        certifications,
        practice_name: practice.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        contact_email: practice.as_ref().map(|p| p.contact_email.clone()).unwrap_or_default(),
        contact_phone: practice.map(|p| p.phone).unwrap_or_default(),
    };
    Ok(render(&template)?.into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[tokio::test]
    async fn a_kept_page_gets_each_visitors_token_where_the_stand_in_was() {
        let stand_in = token_stand_in();
        assert_eq!(stand_in, token_stand_in(), "one for the process");
        assert!(stand_in.len() >= 32 && stand_in.bytes().all(|b| b.is_ascii_hexdigit()));
        let html = format!("<meta content=\"{stand_in}\"><p>Ünïcode</p><input value=\"{stand_in}\">");
        let page = RenderedPage {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            parts: html.split(stand_in).map(str::to_string).collect(),
        };
        let response = page.response("abc123");
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        assert_eq!(body, "<meta content=\"abc123\"><p>Ünïcode</p><input value=\"abc123\">");
        assert_eq!(page.weight(), html.len() - 2 * stand_in.len());
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ResultRow {
    pub id: String,
    pub name: String,
    pub pronouns: String,
    pub credentials: String,
    pub headline: String,
    /// Why this therapist matches, on one line.
    pub why: String,
    /// "Tue, Dec 8, 2026, 10:00 AM (Eastern Time) · Trial consultation",
    /// when a time can be booked.
    pub next_available: Option<String>,
    /// "ER": shown when there is no photo.
    pub initials: String,
    pub has_photo: bool,
    /// "From $120 a session · Sliding scale · In network with Aetna, Cigna".
    pub fees: String,
    /// The next few free times, as buttons that lead to booking them.
    pub times: Vec<TimeButton>,
}

/// A free time on a result card.
#[derive(Debug, Clone)]
pub(crate) struct TimeButton {
    pub label: String,
    pub href: String,
}

/// Free times a result card offers as buttons.
const CARD_TIMES: usize = 3;

/// Insurers a result card names before saying how many more.
const CARD_PAYERS: usize = 3;

/// "ER" for "Dr. Elena Rivera": the first letters of the first and last
/// words that are not titles.
fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().filter(|w| !w.ends_with('.')).collect();
    let first = |word: Option<&&str>| word.and_then(|w| w.chars().next()).map(|c| c.to_uppercase().to_string());
    match words.len() {
        0 => String::new(),
        1 => first(words.first()).unwrap_or_default(),
        _ => first(words.first()).unwrap_or_default() + &first(words.last()).unwrap_or_default(),
    }
}

/// What a card says of fees and insurance.
fn fee_line(
    fees: &sensate_domain::directory::search::FeeFacts,
    reference: &sensate_domain::directory::reference::Reference,
) -> String {
    let mut parts = Vec::new();
    match fees.min_fee_cents {
        Some(0) => parts.push("Free sessions".to_string()),
        Some(cents) => parts.push(format!("From {} a session", sensate_app::money::dollars(i64::from(cents)))),
        None => parts.push("Fees on request".to_string()),
    }
    if fees.sliding_scale {
        parts.push("Sliding scale".to_string());
    }
    if fees.free_consultation {
        parts.push("Free first consultation".to_string());
    }
    if !fees.payers.is_empty() {
        let named: Vec<String> = fees
            .payers
            .iter()
            .take(CARD_PAYERS)
            .map(|slug| reference.payer(slug).map_or_else(|| slug.clone(), |p| p.name.clone()))
            .collect();
        let more = fees.payers.len().saturating_sub(CARD_PAYERS);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        parts.push(format!("In network with {}{more}", named.join(", ")));
    }
    parts.join(" · ")
}

/// Buttons for the next free times: each leads to the form for that time
/// (`/therapists/{id}/book/at`), which checks it is still free.
fn time_buttons(
    id: &str,
    times: &[jiff::Timestamp],
    zone: &jiff::tz::TimeZone,
    format: &str,
    locale: sensate_domain::Locale,
) -> Vec<TimeButton> {
    let encode =
        |text: &str| percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string();
    let tz = encode(zone.iana_name().unwrap_or("UTC"));
    let format = match format.trim() {
        "telehealth" | "in_person" => format!("&format={}", format.trim()),
        _ => String::new(),
    };
    times
        .iter()
        .map(|at| TimeButton {
            label: locale.day_and_time(&at.to_zoned(zone.clone())),
            href: format!("/therapists/{id}/book/at?start={}&tz={tz}{format}", encode(&at.to_string())),
        })
        .collect()
}

/// The results of a directory search, as the page and the htmx fragment show them.
#[derive(Debug, Clone)]
pub(crate) struct ResultsView {
    /// The filters in use, each with the link to the search without it.
    pub chips: Vec<(String, String)>,
    /// The search without any filter.
    pub clear_all: String,
    /// Filters that could not be used, with why: (field, message).
    pub problems: Vec<(&'static str, String)>,
    pub total: usize,
    pub page: u32,
    pub pages: u32,
    pub results: Vec<ResultRow>,
    /// Links to the neighbouring pages of the same search.
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl ResultsView {
    /// "3 therapists found": the heading, and what a screen reader announces.
    pub fn count_line(&self) -> String {
        let noun = if self.total == 1 { "therapist" } else { "therapists" };
        format!("{} {noun} found", self.total)
    }
}

#[derive(Template)]
#[template(path = "directory/search/search.html")]
pub(crate) struct DirectorySearchTemplate {
    pub layout: Layout,
    pub params: crate::directory::api::TherapistQuery,
    pub view: ResultsView,
    pub concerns: Vec<Choice>,
    pub states: Vec<Choice>,
    pub insurance: Vec<Choice>,
    pub languages: Vec<Choice>,
}

impl DirectorySearchTemplate {
    /// The distances offered, in the reader's unit (sent as kilometres),
    /// with the one asked for even when it is not among them.
    fn radius_choices(&self) -> Vec<Choice> {
        let locale = self.layout.locale;
        let default = sensate_domain::directory::search::DEFAULT_RADIUS_KM;
        let asked = self.params.radius_km;
        let same = |a: f64, b: f64| (a - b).abs() < 0.01;
        let mut choices = vec![Choice {
            value: String::new(),
            label: format!("{} (default)", locale.distance(default)),
            selected: asked.is_none(),
        }];
        let mut radii = locale.search_radii();
        if let Some(km) = asked.filter(|km| !radii.iter().any(|(r, _)| same(*r, *km))) {
            radii.push((km, locale.distance(km)));
            radii.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        choices.extend(radii.into_iter().map(|(km, label)| Choice {
            value: format!("{}", (km * 100.0).round() / 100.0),
            label,
            selected: asked.is_some_and(|asked| same(asked, km)),
        }));
        choices
    }

    fn max_fee_value(&self) -> String {
        self.params.max_fee.map(|fee| fee.to_string()).unwrap_or_default()
    }
}

/// The search results alone, for htmx to swap in place; the problems box and
/// the screen-reader announcement travel with them out of band.
#[derive(Template)]
#[template(path = "directory/search/results_fragment.html")]
pub(crate) struct DirectoryResultsTemplate {
    pub view: ResultsView,
}

#[derive(Template)]
#[template(path = "directory/search/profile.html")]
pub(crate) struct DirectoryProfileTemplate {
    pub layout: Layout,
    pub id: String,
    pub has_photo: bool,
    /// "Tue 24 Nov 2026, 10:00 (EST) · Trial consultation · Telehealth (video)".
    pub next_free: Option<String>,
    pub name: String,
    pub pronouns: String,
    pub credentials: String,
    pub headline: String,
    pub approach: String,
    pub concerns: Vec<String>,
    pub languages: Vec<String>,
    pub payers: Vec<String>,
    pub offices: Vec<String>,
    pub telehealth_states: Vec<String>,
    pub focus: &'static str,
    pub fee: Option<String>,
    /// The practice's session types with their length and fee, e.g. "Couple session, 80 min: $240".
    pub session_fees: Vec<String>,
    pub sliding_scale: bool,
    pub free_consultation: bool,
    pub superbill: bool,
    pub accepting: bool,
    pub licences: Vec<String>,
    pub certifications: Vec<String>,
    pub practice_name: String,
    pub contact_email: String,
    pub contact_phone: String,
}
