//! The public directory: search and profile pages. Anonymous; filters may be
//! shared as links (they live in the query string, which is never logged).
//! The search page answers htmx requests (`HX-Request`) with the results
//! alone, so filters update them in place; every other request, the full page.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{HeaderValue, VARY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sensate_app::AppError;
use sensate_app::search::{Names, reference_data};
use sensate_domain::UserId;
use sensate_domain::directory::search::reasons_line;

use super::{render, render_status};
use crate::AppState;
use crate::api::directory::TherapistQuery;
use crate::context::Page;
use crate::error::WebError;
use crate::templates::{
    Choice, DirectoryProfileTemplate, DirectoryResultsTemplate, DirectorySearchTemplate, ResultRow, ResultsView,
};

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

pub(crate) async fn search(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    query: Result<Query<TherapistQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let reference = reference_data()?;
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let mut params = match query {
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
    let results = state.app.search_directory(&query).await?;
    let names = Names(reference);
    let visitor_zone = params.visitor_zone().ok().flatten();
    let mut rows = Vec::new();
    for hit in &results.hits {
        let Ok(user) = hit.id.parse::<UserId>() else { continue };
        let Some(profile) = state.app.public_profile(user).await? else { continue };
        rows.push(ResultRow {
            id: hit.id.clone(),
            name: profile.display_name,
            pronouns: profile.pronouns,
            credentials: profile.credentials,
            headline: profile.headline,
            why: reasons_line(&hit.reasons, &names),
            next_available: state.app.next_available(user, hit.next_free).map(|next| {
                let (zone, local) = crate::api::directory::next_available_in(&next, visitor_zone.as_ref());
                match visitor_zone {
                    Some(_) => format!("{local} · {}", next.session),
                    None => format!("{local} in the therapist's time zone ({zone}) · {}", next.session),
                }
            }),
        });
    }
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let view = ResultsView {
        problems,
        total: results.total,
        page: results.page,
        pages: results.pages,
        previous: (results.page > 1).then(|| params.page_link(results.page - 1)),
        next: (results.page < results.pages).then(|| params.page_link(results.page + 1)),
        results: rows,
    };
    let mut response = if wants_fragment(&headers) {
        render_status(status, &DirectoryResultsTemplate { view })?
    } else {
        let template = DirectorySearchTemplate {
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
        };
        render_status(status, &template)?
    };
    // The same address answers with a fragment or a page: caches must tell them apart.
    response.headers_mut().insert(VARY, HeaderValue::from_static("HX-Request"));
    Ok(response)
}

pub(crate) async fn profile(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let user: UserId = super::path_id(&id)?;
    let Some((record, practice)) = state.app.listed_profile(user).await? else {
        return Err(WebError(AppError::NotFound));
    };
    let reference = reference_data()?;
    let today = state.app.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let licences = record
        .licences
        .iter()
        .filter(|l| l.expires_on >= today)
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
        .filter(|c| c.expires_on.is_none_or(|d| d >= today))
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
            .filter(|l| l.verification.is_some() && l.expires_on >= today)
            .filter_map(|l| reference.jurisdiction(&l.jurisdiction).map(|j| j.code.clone()))
            .collect();
        codes.sort();
        codes.dedup();
        codes
    } else {
        Vec::new()
    };
    let fee = record.min_fee_cents.map(sensate_app::money::dollars);
    let has_photo = state.app.listed_photo(user).await?.is_some();
    // What can be booked: none when the therapist is not taking new clients.
    let (session_fees, next_free) = match state.app.booking_options(user).await? {
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
            let next = state.app.next_free_time(&options).await?.map(|next| {
                format!(
                    "{} · {} · {}",
                    sensate_domain::scheduling::format_local(next.slot.start, &next.time_zone),
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
