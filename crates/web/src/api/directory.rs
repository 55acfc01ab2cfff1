//! The public directory search over JSON, with the same parameters the
//! search page will use. Anonymous; nothing about the visitor is stored, and
//! query strings are never logged.
use axum::Json;
use axum::extract::{Query, State};
use sensate_app::AppError;
use sensate_app::search::{Names, reference_data};
use sensate_domain::FieldErrors;
use sensate_domain::directory::reference::Reference;
use sensate_domain::directory::search::{ClientFocus, Format, SearchQuery, Sort, reasons_line};

use super::error::{ApiError, ErrorBody};
use crate::AppState;

/// Filters, as a visitor's browser or an API client sends them. Lists are
/// comma-separated slugs from the reference data.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
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
    /// Radius around `near`, in km (default 25, at most 500).
    #[serde(deserialize_with = "empty_as_none")]
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
    pub(crate) max_fee: Option<u32>,
    /// Therapist genders, comma-separated.
    pub(crate) gender: String,
    /// Free text.
    pub(crate) q: String,
    /// `best` (default), `distance` or `fee`.
    pub(crate) sort: String,
    #[serde(deserialize_with = "empty_as_none")]
    pub(crate) page: Option<u32>,
    #[serde(deserialize_with = "empty_as_none")]
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
            // No usable place: what needs one goes with it.
            "origin" => {
                self.near.clear();
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
            "text" => self.q.clear(),
            "page" => self.page = None,
            "per_page" => self.per_page = None,
            _ => {}
        }
        *self != before
    }

    /// The link to another page of the same search.
    pub(crate) fn page_link(&self, page: u32) -> String {
        let mut other = self.clone();
        other.page = Some(page);
        format!("/therapists?{}", serde_urlencoded::to_string(&other).unwrap_or_default())
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
            _ => {
                errors.add("sort", "Use best, distance or fee.");
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
        for (field, message) in query.validate().err().unwrap_or_default() {
            if errors.get(field).is_none() {
                errors.add(field, message);
            }
        }
        if errors.is_empty() { Ok(query) } else { Err(errors) }
    }
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
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct TherapistPage {
    total: usize,
    page: u32,
    pages: u32,
    results: Vec<TherapistHit>,
}

/// Finds licensed therapists who fit the filters, best match first.
#[utoipa::path(get, path = "/api/v1/therapists", tag = "directory", params(TherapistQuery),
    responses(
        (status = 200, description = "Matching therapists", body = TherapistPage),
        (status = 422, description = "A filter has an unknown or impossible value; see `fields`", body = ErrorBody)))]
pub(crate) async fn search(
    State(state): State<AppState>,
    Query(params): Query<TherapistQuery>,
) -> Result<Json<TherapistPage>, ApiError> {
    let reference = reference_data()?;
    let query = params.to_search(reference).map_err(|errors| ApiError(AppError::Invalid(errors)))?;
    let results = state.app.search_directory(&query).await?;
    let names = Names(reference);
    let mut hits = Vec::with_capacity(results.hits.len());
    for hit in results.hits {
        let user = hit.id.parse().map_err(|_| ApiError(AppError::Internal("directory id is not a user id".into())))?;
        let Some(profile) = state.app.public_profile(user).await? else { continue };
        hits.push(TherapistHit {
            id: hit.id,
            name: profile.display_name,
            pronouns: profile.pronouns,
            headline: profile.headline,
            credentials: profile.credentials,
            distance_km: hit.distance_km.map(|km| (km * 10.0).round() / 10.0),
            reasons: hit.reasons.iter().map(|r| r.label(&names)).collect(),
            reasons_line: reasons_line(&hit.reasons, &names),
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

    #[test]
    fn every_problem_the_page_can_meet_drops_a_filter() {
        let reference = sensate_app::search::reference_data().unwrap();
        for text in [
            "format=telehealth",
            "format=in_person",
            "sort=distance",
            "radius_km=10",
            "state=ZZ",
            "near=00000",
            "concerns=nope&insurance=nope&languages=xx",
            "gender=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z",
            "format=sideways&sort=up&focus=groups",
            "max_fee=999999",
            "page=0&per_page=0",
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
}
