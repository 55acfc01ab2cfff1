//! The public directory search over JSON, with the same parameters the
//! search page will use. Anonymous; nothing about the visitor is stored, and
//! query strings are never logged.
use axum::Json;
use axum::extract::State;
use sensate_app::AppError;
use sensate_app::directory::search::{Names, reference_data};
use sensate_domain::FieldErrors;
use sensate_domain::directory::reference::Reference;
use sensate_domain::directory::search::{ClientFocus, Format, SearchQuery, Sort, reasons_line};

use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::ApiQuery;

/// Filters, as a visitor's browser or an API client sends them. Lists are
/// comma-separated slugs from the reference data.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub(crate) struct TherapistQuery {
    /// Concern slugs, e.g. `erection-difficulties,performance-anxiety`.
    pub(crate) concerns: String,
    /// `any` (default), `telehealth` or `in_person`.
    pub(crate) format: String,
    /// The visitor's state for telehealth, e.g. `NY` or `US-NY`.
    pub(crate) state: String,
    /// A ZIP code, or `City, ST`, for in-person sessions.
    pub(crate) near: String,
    /// The visitor's latitude in degrees (−90 to 90), e.g. from the browser's
    /// location; only together with `lon`, and instead of `near`. Used for this
    /// search only: never stored or logged.
    #[param(value_type = Option<f64>, minimum = -90, maximum = 90)]
    pub(crate) lat: String,
    /// The visitor's longitude in degrees (−180 to 180); only together with `lat`.
    #[param(value_type = Option<f64>, minimum = -180, maximum = 180)]
    pub(crate) lon: String,
    /// Radius around `near` (or `lat`/`lon`), in km (default 25, at most 500).
    #[serde(deserialize_with = "empty_as_none")]
    #[param(exclusive_minimum = 0, maximum = 500)]
    pub(crate) radius_km: Option<f64>,
    /// Payer slugs, e.g. `aetna`.
    pub(crate) insurance: String,
    /// Language codes, e.g. `es`.
    pub(crate) languages: String,
    /// `individuals` or `couples`.
    pub(crate) focus: String,
    pub(crate) lgbtq: bool,
    pub(crate) kink_aware: bool,
    pub(crate) cnm: bool,
    pub(crate) certified: bool,
    pub(crate) accepting: bool,
    pub(crate) sliding_scale: bool,
    pub(crate) free_consultation: bool,
    pub(crate) superbill: bool,
    /// Highest fee per session, in dollars.
    #[serde(deserialize_with = "empty_as_none")]
    #[param(value_type = Option<u64>, minimum = 0, maximum = 4294967295_u64)]
    pub(crate) max_fee: Option<u32>,
    /// Therapist genders, comma-separated.
    pub(crate) gender: String,
    /// Free text.
    pub(crate) q: String,
    /// `best` (default), `distance` (needs `near`, or `lat` and `lon`), `fee`
    /// or `soonest` (soonest available first; therapists with no free time last).
    pub(crate) sort: String,
    /// The visitor's IANA time zone, e.g. `America/Chicago`, to show free
    /// times in; without it they are shown in the therapist's zone, named.
    pub(crate) tz: String,
    /// Which page of results, from 1.
    #[serde(deserialize_with = "empty_as_none")]
    #[param(value_type = Option<u64>, minimum = 1, maximum = 4294967295_u64)]
    pub(crate) page: Option<u32>,
    /// Results per page, from 1 (default 20; more than 50 gives 50).
    #[serde(deserialize_with = "empty_as_none")]
    #[param(value_type = Option<u64>, minimum = 1, maximum = 4294967295_u64)]
    pub(crate) per_page: Option<u32>,
}

/// Forms send empty number fields as `name=`; that means "no filter", not an error.
fn empty_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => value.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

fn list(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect()
}

fn checked(
    errors: &mut FieldErrors,
    field: &'static str,
    values: Vec<String>,
    exists: impl Fn(&str) -> bool,
) -> Vec<String> {
    if let Some(unknown) = values.iter().find(|v| !exists(v)) {
        errors.add(field, format!("“{unknown}” is not a known value."));
    }
    values
}

impl TherapistQuery {
    pub(crate) fn concerns(&self) -> &str {
        &self.concerns
    }
    pub(crate) fn state(&self) -> &str {
        &self.state
    }
    pub(crate) fn insurance(&self) -> &str {
        &self.insurance
    }
    pub(crate) fn languages(&self) -> &str {
        &self.languages
    }

    /// Leaves out the filter a problem was reported for; true when that
    /// changed the query (so a caller that retries always makes progress).
    pub(crate) fn clear(&mut self, field: &str) -> bool {
        let before = self.clone();
        match field {
            "concerns" => self.concerns.clear(),
            "insurance" => self.insurance.clear(),
            "languages" => self.languages.clear(),
            "genders" => self.gender.clear(),
            "format" => self.format.clear(),
            "sort" => self.sort.clear(),
            "tz" => self.tz.clear(),
            "focus" => self.focus.clear(),
            "state" => self.state.clear(),
            // Telehealth without a state: nobody can be shown, so video-only goes.
            "jurisdiction" => {
                self.state.clear();
                if self.format.trim() == "telehealth" {
                    self.format.clear();
                }
            }
            "near" => self.near.clear(),
            "lat" | "lon" => self.clear_location(),
            // No usable place: what needs one goes with it.
            "origin" => {
                self.near.clear();
                self.clear_location();
                self.radius_km = None;
                if self.format.trim() == "in_person" {
                    self.format.clear();
                }
                if self.sort.trim() == "distance" {
                    self.sort.clear();
                }
            }
            "radius_km" => self.radius_km = None,
            "max_fee_cents" => self.max_fee = None,
            "lgbtq" => self.lgbtq = false,
            "certified" => self.certified = false,
            "accepting" => self.accepting = false,
            "sliding_scale" => self.sliding_scale = false,
            "free_consultation" => self.free_consultation = false,
            "superbill" => self.superbill = false,
            "kink_aware" => self.kink_aware = false,
            "cnm" => self.cnm = false,
            "text" => self.q.clear(),
            "page" => self.page = None,
            "per_page" => self.per_page = None,
            _ => {}
        }
        *self != before
    }

    fn clear_location(&mut self) {
        self.lat.clear();
        self.lon.clear();
    }

    /// Whether the search uses coordinates (the browser's location).
    pub(crate) fn has_location(&self) -> bool {
        !self.lat.trim().is_empty() || !self.lon.trim().is_empty()
    }

    /// The link to the same search without the browser's location (and
    /// without sorting by distance, which needs a place).
    pub(crate) fn without_location_link(&self) -> String {
        let mut other = self.clone();
        other.clear_location();
        other.page = None;
        if other.sort.trim() == "distance" && other.near.trim().is_empty() {
            other.sort.clear();
        }
        other.link()
    }

    /// The filters in use, each with a name a visitor reads and the link to
    /// the same search without it (first page): the removable chips above
    /// the results.
    pub(crate) fn chips(&self, reference: &Reference, locale: sensate_domain::Locale) -> Vec<(String, String)> {
        let names = |values: &str, name: &dyn Fn(&str) -> Option<String>| -> String {
            list(values).iter().map(|v| name(v).unwrap_or_else(|| v.clone())).collect::<Vec<_>>().join(", ")
        };
        let text = |value: &str| (!value.trim().is_empty()).then(|| value.trim().to_string());
        let state = self.state.trim();
        let flags = [
            (self.lgbtq, "lgbtq", "LGBTQ+ affirming"),
            (self.certified, "certified", "Certified in sex therapy"),
            (self.accepting, "accepting", "Accepting new clients"),
            (self.sliding_scale, "sliding_scale", "Sliding-scale fees"),
            (self.free_consultation, "free_consultation", "Free first consultation"),
            (self.superbill, "superbill", "Superbill"),
            (self.kink_aware, "kink_aware", "Kink-aware"),
            (self.cnm, "cnm", "Affirming of consensual non-monogamy"),
        ];
        // (field, what the chip says), for each filter in use.
        let in_use: Vec<(&'static str, Option<String>)> = vec![
            ("concerns", text(&self.concerns).map(|v| names(&v, &|s| reference.concern(s).map(|c| c.name.clone())))),
            (
                "format",
                match self.format.trim() {
                    "telehealth" => Some("By video".to_string()),
                    "in_person" => Some("In person".to_string()),
                    _ => None,
                },
            ),
            (
                "state",
                text(state).map(|state| {
                    let known = reference.jurisdiction(&state).or_else(|| reference.jurisdiction_by_code(&state));
                    format!("In {}", known.map_or(state, |j| j.name.clone()))
                }),
            ),
            ("near", text(&self.near).map(|near| format!("Near {near}"))),
            ("lat", self.has_location().then(|| "Near your location".to_string())),
            ("radius_km", self.radius_km.map(|km| format!("Within {}", locale.distance(km)))),
            ("insurance", text(&self.insurance).map(|v| names(&v, &|s| reference.payer(s).map(|p| p.name.clone())))),
            (
                "languages",
                text(&self.languages)
                    .map(|v| format!("In {}", names(&v, &|s| reference.language(s).map(|l| l.name.clone())))),
            ),
            (
                "focus",
                match self.focus.trim() {
                    "couples" => Some("Sees couples".to_string()),
                    "individuals" => Some("Sees individuals".to_string()),
                    _ => None,
                },
            ),
        ]
        .into_iter()
        .chain(flags.into_iter().map(|(set, field, label)| (field, set.then(|| label.to_string()))))
        .chain([
            ("max_fee_cents", self.max_fee.map(|dollars| format!("Up to ${dollars} a session"))),
            ("genders", text(&self.gender).map(|gender| format!("Gender: {gender}"))),
            ("text", text(&self.q).map(|words| format!("“{words}”"))),
        ])
        .collect();
        in_use
            .into_iter()
            .filter_map(|(field, label)| {
                let label = label?;
                let mut other = self.clone();
                other.clear(field);
                other.page = None;
                if other.sort.trim() == "distance" && other.near.trim().is_empty() && !other.has_location() {
                    other.sort.clear();
                }
                Some((label, other.link()))
            })
            .collect()
    }

    /// The same search with no filters, keeping the visitor's zone.
    pub(crate) fn without_filters_link(&self) -> String {
        Self { tz: self.tz.clone(), ..Self::default() }.link()
    }

    /// The search page's address for these filters, leaving out the ones not
    /// set, so that a shared link says only what was chosen.
    fn link(&self) -> String {
        let encoded = serde_urlencoded::to_string(self).unwrap_or_default();
        // Values are percent-encoded, so `&` and `=` only separate pairs.
        let set: Vec<&str> = encoded
            .split('&')
            .filter(|pair| !pair.ends_with('=') && !pair.ends_with("=false") && *pair != "format=any")
            .collect();
        if set.is_empty() { "/therapists".to_string() } else { format!("/therapists?{}", set.join("&")) }
    }

    /// The link to another page of the same search.
    pub(crate) fn page_link(&self, page: u32) -> String {
        let mut other = self.clone();
        other.page = Some(page);
        other.link()
    }

    /// The search query, or every problem with the filters.
    pub(crate) fn to_search(&self, reference: &Reference) -> Result<SearchQuery, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut query = SearchQuery {
            concerns: checked(&mut errors, "concerns", list(&self.concerns), |s| reference.concern(s).is_some()),
            insurance: checked(&mut errors, "insurance", list(&self.insurance), |s| reference.payer(s).is_some()),
            languages: checked(&mut errors, "languages", list(&self.languages), |s| reference.language(s).is_some()),
            genders: list(&self.gender),
            radius_km: self.radius_km,
            superbill: self.superbill,
            certified_only: self.certified,
            accepting_new_clients: self.accepting,
            sliding_scale: self.sliding_scale,
            free_consultation: self.free_consultation,
            max_fee_cents: self.max_fee.map(|dollars| dollars.saturating_mul(100)),
            text: self.q.trim().to_string(),
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(20),
            ..SearchQuery::default()
        };
        query.affirming.lgbtq = self.lgbtq;
        query.affirming.kink_aware = self.kink_aware;
        query.affirming.cnm = self.cnm;
        query.format = match self.format.trim() {
            "" | "any" => Format::Any,
            "telehealth" => Format::Telehealth,
            "in_person" => Format::InPerson,
            _ => {
                errors.add("format", "Use any, telehealth or in_person.");
                Format::Any
            }
        };
        query.sort = match self.sort.trim() {
            "" | "best" => Sort::BestMatch,
            "distance" => Sort::Distance,
            "fee" => Sort::Fee,
            "soonest" => Sort::Soonest,
            _ => {
                errors.add("sort", "Use best, distance, fee or soonest.");
                Sort::BestMatch
            }
        };
        query.focus = match self.focus.trim() {
            "" => None,
            "individuals" => Some(ClientFocus::Individuals),
            "couples" => Some(ClientFocus::Couples),
            _ => {
                errors.add("focus", "Use individuals or couples.");
                None
            }
        };
        let state = self.state.trim();
        if !state.is_empty() {
            match reference.jurisdiction(state).or_else(|| reference.jurisdiction_by_code(state)) {
                Some(j) => query.jurisdiction = Some(j.id.clone()),
                None => errors.add("state", "Enter a US state, for example NY."),
            }
        }
        let near = self.near.trim();
        if let Some(position) = self.coordinates(&mut errors) {
            if near.is_empty() {
                query.origin = Some(position);
            } else {
                errors.add("lat", "Give either a place (near) or a position (lat and lon), not both.");
            }
        }
        if !near.is_empty() {
            let place = match near.split_once(',') {
                Some((city, state)) => reference.city(city, state.trim()).map(|c| (c.lat, c.lon)),
                None => reference.postal(near).map(|p| (p.lat, p.lon)),
            };
            match place {
                Some(origin) => query.origin = Some(origin),
                None => {
                    errors.add("near", "That ZIP code or city was not found. Try a 5-digit ZIP code, or “City, ST”.")
                }
            }
        }
        if self.visitor_zone().is_err() {
            errors.add("tz", "That time zone is not known. Use a name such as America/Chicago.");
        }
        for (field, message) in query.validate().err().unwrap_or_default() {
            if errors.get(field).is_none() {
                errors.add(field, message);
            }
        }
        if errors.is_empty() { Ok(query) } else { Err(errors) }
    }

    /// The visitor's time zone, if they gave one; an error when it is not known.
    pub(crate) fn visitor_zone(&self) -> Result<Option<jiff::tz::TimeZone>, ()> {
        match self.tz.trim() {
            "" => Ok(None),
            name => jiff::tz::TimeZone::get(name).map(Some).map_err(|_| ()),
        }
    }

    /// The visitor's position from `lat` and `lon`: both or neither, each a
    /// number of degrees in range. Problems are recorded under the field.
    fn coordinates(&self, errors: &mut FieldErrors) -> Option<(f64, f64)> {
        let (lat, lon) = (self.lat.trim(), self.lon.trim());
        match (lat.is_empty(), lon.is_empty()) {
            (true, true) => None,
            (false, true) => {
                errors.add("lon", "Give the longitude (lon) together with the latitude (lat).");
                None
            }
            (true, false) => {
                errors.add("lat", "Give the latitude (lat) together with the longitude (lon).");
                None
            }
            (false, false) => {
                let lat = degrees(lat, 90.0);
                let lon = degrees(lon, 180.0);
                if lat.is_none() {
                    errors.add("lat", "The latitude (lat) must be a number of degrees from -90 to 90.");
                }
                if lon.is_none() {
                    errors.add("lon", "The longitude (lon) must be a number of degrees from -180 to 180.");
                }
                Some((lat?, lon?))
            }
        }
    }
}

/// A finite number of degrees within ±`limit`.
fn degrees(text: &str, limit: f64) -> Option<f64> {
    text.parse::<f64>().ok().filter(|value| value.is_finite() && (-limit..=limit).contains(value))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct TherapistHit {
    /// The therapist's id (for their profile page).
    id: String,
    name: String,
    pronouns: String,
    headline: String,
    credentials: String,
    distance_km: Option<f64>,
    /// Why this therapist matches, e.g. "Treats erection difficulties".
    reasons: Vec<String>,
    /// The reasons on one line, joined by " · ".
    reasons_line: String,
    /// The first time that can be booked with them; absent when none can.
    next_available: Option<NextAvailableJson>,
}

/// A therapist's next free time.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct NextAvailableJson {
    /// The start, in UTC (RFC 3339), e.g. `2026-12-08T15:00:00Z`.
    at: String,
    /// The zone `local` is in: the visitor's `tz` if given, else the therapist's.
    time_zone: String,
    /// The start in that zone, written as the request's `Accept-Language`
    /// reads it (American without one), e.g. "Tue, Dec 8, 2026, 10:00 AM
    /// (Eastern Time)" or "Tue 8 Dec 2026, 10:00 (Eastern Time)".
    local: String,
    /// The session type it is for, e.g. "Trial consultation".
    session: String,
}

/// A next free time in the visitor's zone, or else the therapist's.
pub(crate) fn next_available_in(
    next: &sensate_app::directory::next_free::NextAvailable,
    visitor: Option<&jiff::tz::TimeZone>,
    locale: sensate_domain::Locale,
) -> (String, String) {
    let zone = visitor.unwrap_or(&next.time_zone);
    (zone.iana_name().unwrap_or("UTC").to_string(), locale.when(next.at, zone))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct TherapistPage {
    total: usize,
    page: u32,
    pages: u32,
    results: Vec<TherapistHit>,
}

/// Finds licensed therapists who fit the filters, best match first (or as
/// `sort` says), each with the next time that can be booked with them.
#[utoipa::path(get, path = "/api/v1/therapists", tag = "directory", params(TherapistQuery),
    responses(
        (status = 200, description = "Matching therapists", body = TherapistPage),
        (status = 422, description = "A filter has an unknown or impossible value; see `fields`", body = ErrorBody)))]
pub(crate) async fn search(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    ApiQuery(params): ApiQuery<TherapistQuery>,
) -> Result<Json<TherapistPage>, ApiError> {
    let locale = crate::context::locale_of(&headers);
    let reference = reference_data()?;
    let query = params.to_search(reference).map_err(|errors| ApiError(AppError::Invalid(errors)))?;
    let visitor_zone = params.visitor_zone().ok().flatten();
    let view = state.app.directory().directory_view().await?;
    let results = state.app.directory().search_in(&view, &query)?;
    let names = Names(reference);
    let mut hits = Vec::with_capacity(results.hits.len());
    for hit in results.hits {
        let user = hit.id.parse().map_err(|_| ApiError(AppError::Internal("directory id is not a user id".into())))?;
        // Cards and times from the snapshot the search ran on, so a hit shows what was found.
        let Some(profile) = view.card(user) else { continue };
        let next_available = view.next_available(user, hit.next_free).map(|next| {
            let (time_zone, local) = next_available_in(&next, visitor_zone.as_ref(), locale);
            NextAvailableJson { at: next.at.to_string(), time_zone, local, session: next.session }
        });
        hits.push(TherapistHit {
            id: hit.id,
            name: profile.display_name,
            pronouns: profile.pronouns,
            headline: profile.headline,
            credentials: profile.credentials,
            distance_km: hit.distance_km.map(|km| (km * 10.0).round() / 10.0),
            reasons: hit.reasons.iter().map(|r| r.label(&names)).collect(),
            reasons_line: reasons_line(&hit.reasons, &names),
            next_available,
        });
    }
    Ok(Json(TherapistPage { total: results.total, page: results.page, pages: results.pages, results: hits }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn query(text: &str) -> TherapistQuery {
        serde_urlencoded::from_str(text).unwrap()
    }

    fn problems(text: &str) -> Vec<&'static str> {
        let reference = sensate_app::directory::search::reference_data().unwrap();
        match query(text).to_search(reference) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(|(field, _)| field).collect(),
        }
    }

    #[test]
    fn every_filter_in_use_is_a_chip_that_removes_only_itself() {
        let reference = sensate_app::directory::search::reference_data().unwrap();
        let all = query(
            "concerns=vaginismus&format=in_person&state=NY&near=10001&radius_km=16.09&insurance=aetna&languages=es\
             &focus=couples&lgbtq=true&certified=true&accepting=true&sliding_scale=true&free_consultation=true\
             &superbill=true&kink_aware=true&cnm=true&max_fee=150&gender=woman&q=calm&sort=distance&tz=UTC&page=2",
        );
        let chips = all.chips(reference, sensate_domain::Locale::US);
        let labels: Vec<&str> = chips.iter().map(|(label, _)| label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "Involuntary muscle tightness making penetration difficult",
                "In person",
                "In New York",
                "Near 10001",
                "Within about 10 miles",
                "Aetna",
                "In Spanish",
                "Sees couples",
                "LGBTQ+ affirming",
                "Certified in sex therapy",
                "Accepting new clients",
                "Sliding-scale fees",
                "Free first consultation",
                "Superbill",
                "Kink-aware",
                "Affirming of consensual non-monogamy",
                "Up to $150 a session",
                "Gender: woman",
                "“calm”",
            ]
        );
        for (label, link) in &chips {
            // Each link is the search with one filter fewer, from its first page.
            let without = query(link.trim_start_matches("/therapists?"));
            assert_eq!(without.chips(reference, sensate_domain::Locale::US).len(), chips.len() - 1, "{label}: {link}");
            assert_eq!(without.page, None, "{label}");
            assert!(link.contains("tz=UTC"), "the zone is kept: {link}");
        }
        // Without its place, sorting by distance goes too; with it, it stays.
        let near = &chips.iter().find(|(label, _)| label == "Near 10001").unwrap().1;
        assert!(!near.contains("sort=distance"), "{near}");
        assert!(chips[0].1.contains("sort=distance"), "{}", chips[0].1);
        assert!(
            query("format=any&tz=UTC").chips(reference, sensate_domain::Locale::US).is_empty(),
            "defaults are not filters"
        );
        assert_eq!(all.without_filters_link(), "/therapists?tz=UTC");
    }

    #[test]
    fn coordinates_come_in_pairs_and_in_range() {
        let reference = sensate_app::directory::search::reference_data().unwrap();
        let search = query("lat=40.70&lon=-73.99").to_search(reference).unwrap();
        assert_eq!(search.origin, Some((40.70, -73.99)));
        assert_eq!(query("lat=&lon=").to_search(reference).unwrap().origin, None, "empty form fields: no position");
        assert_eq!(problems("lat=90&lon=180"), Vec::<&str>::new());
        assert_eq!(problems("lat=-90&lon=-180"), Vec::<&str>::new());
        assert_eq!(problems("lat=40.7"), vec!["lon"]);
        assert_eq!(problems("lon=-73.9"), vec!["lat"]);
        assert_eq!(problems("lat=90.01&lon=0"), vec!["lat"]);
        assert_eq!(problems("lat=0&lon=-180.5"), vec!["lon"]);
        assert_eq!(problems("lat=inf&lon=NaN"), vec!["lat", "lon"]);
        assert_eq!(problems("lat=1e400&lon=0"), vec!["lat"], "overflows to infinity");
        assert_eq!(problems("lat=40.7&lon=-73.9&near=10001"), vec!["lat"], "a place or a position, not both");
    }

    #[test]
    fn every_problem_the_page_can_meet_drops_a_filter() {
        let reference = sensate_app::directory::search::reference_data().unwrap();
        for text in [
            "format=telehealth",
            "format=in_person",
            "sort=distance",
            "radius_km=10",
            "state=ZZ",
            "near=00000",
            "lat=95&lon=0",
            "lat=1",
            "lat=40.7&lon=-73.9&near=10001",
            "concerns=nope&insurance=nope&languages=xx",
            "gender=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z",
            "format=sideways&sort=up&focus=groups",
            "max_fee=999999",
            "page=0&per_page=0",
            "tz=Mars/Olympus_Mons",
        ] {
            let mut params = query(text);
            let mut rounds = 0;
            while let Err(errors) = params.to_search(reference) {
                let mut changed = false;
                for (field, _) in errors.iter() {
                    changed |= params.clear(field);
                }
                assert!(changed, "{text}: {:?} left the query as it was", errors.iter().collect::<Vec<_>>());
                rounds += 1;
                assert!(rounds < 5, "{text}");
            }
        }
    }

    #[test]
    fn the_api_documents_coordinates_as_optional_numbers_in_range() {
        use utoipa::OpenApi;
        let doc = serde_json::to_value(crate::api::ApiDoc::openapi()).unwrap();
        let parameters = doc["paths"]["/api/v1/therapists"]["get"]["parameters"].as_array().unwrap().clone();
        let find = |name: &str| parameters.iter().find(|p| p["name"] == name).unwrap().clone();
        for (name, limit) in [("lat", 90), ("lon", 180)] {
            let parameter = find(name);
            assert_eq!(parameter["in"], "query");
            assert_ne!(parameter["required"], true);
            assert_eq!(parameter["schema"]["type"], "number", "{parameter}");
            assert_eq!(
                (parameter["schema"]["minimum"].clone(), parameter["schema"]["maximum"].clone()),
                (serde_json::json!(-limit), serde_json::json!(limit))
            );
        }
        assert!(parameters.iter().all(|p| p["in"] == "query" && p["required"] != true), "every filter is optional");
    }

    #[test]
    fn the_link_without_a_position_forgets_it_and_distance() {
        let link = query("lat=40.7&lon=-73.9&sort=distance&concerns=vaginismus&page=2").without_location_link();
        assert_eq!(link, "/therapists?concerns=vaginismus");
        assert_eq!(query("lat=40.7&lon=-73.9").without_location_link(), "/therapists");
        let page = query("q=a%26b%3Dc&lgbtq=true&max_fee=150&near=New+York%2C+NY").page_link(2);
        assert_eq!(page, "/therapists?near=New+York%2C+NY&lgbtq=true&max_fee=150&q=a%26b%3Dc&page=2");
        assert_eq!(
            query(&page["/therapists?".len()..]),
            query("q=a%26b%3Dc&lgbtq=true&max_fee=150&near=New+York%2C+NY&page=2")
        );
    }
}
