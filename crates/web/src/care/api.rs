//! Cases over JSON: the same use cases and rules as the case page.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sensate_app::AppError;
use sensate_domain::{CaseId, UserId};

use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, Caller};

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Person {
    id: String,
    name: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct TeamMember {
    id: String,
    name: String,
    /// `co_therapist` or `supervisor` (reads only).
    role: &'static str,
}

/// A case: an episode of care for one client or a couple.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Case {
    id: String,
    practice_id: String,
    /// `individual` or `couple`.
    kind: &'static str,
    /// `intake`, `active`, `paused` or `discharged`.
    status: &'static str,
    /// A couple's policy once chosen: `no_secrets`, `limited_secrets` or `individual`.
    confidentiality: Option<&'static str>,
    /// RFC 3339, UTC.
    opened_at: String,
    status_changed_at: Option<String>,
    primary_therapist: Person,
    team: Vec<TeamMember>,
    clients: Vec<Person>,
    /// Statuses the caller may move the case to now (empty when they may not manage it).
    next_statuses: Vec<&'static str>,
    /// The caller may add and remove co-therapists and supervisors.
    may_assign_team: bool,
}

fn case_id(id: &str) -> Result<CaseId, ApiError> {
    id.parse().map_err(|_| ApiError(AppError::NotFound))
}

/// A case, for its care team (the supervisor included) and the practice's
/// owners and admins. Audited as a view of the case.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The case", body = Case),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not on the care team", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Case>, ApiError> {
    let actor = caller.signed_in()?;
    let view = state.app.care().case_page(&actor, case_id(&id)?).await?;
    let r = &view.record;
    Ok(Json(Case {
        id: r.id.to_string(),
        practice_id: r.practice_id.to_string(),
        kind: r.kind.as_str(),
        status: r.status.as_str(),
        confidentiality: r.confidentiality.map(|p| p.as_str()),
        opened_at: r.opened_at.to_string(),
        status_changed_at: r.status_changed_at.map(|t| t.to_string()),
        primary_therapist: Person { id: r.primary.to_string(), name: r.primary_name.clone() },
        team: r
            .team
            .iter()
            .map(|m| TeamMember { id: m.user.to_string(), name: m.name.clone(), role: m.role.as_str() })
            .collect(),
        clients: r.clients.iter().map(|(id, name)| Person { id: id.to_string(), name: name.clone() }).collect(),
        next_statuses: view.next.iter().map(|s| s.as_str()).collect(),
        may_assign_team: view.can_assign,
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct StatusChange {
    /// One of the case's `next_statuses`: `active` or `paused` (discharge closes a case with its summary).
    #[schema(pattern = "^(intake|active|paused|discharged)$")]
    status: String,
}

/// Moves a case to another status (its primary therapist and co-therapists).
/// A couple's case becomes active only once its confidentiality policy is chosen.
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    request_body = StatusChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to manage this case", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody),
        (status = 422, description = "A status the case cannot move to now, or the case changed meanwhile", body = ErrorBody)))]
pub(crate) async fn change_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    state.app.care().change_status(&actor, case_id(&id)?, &body.status).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct PolicyChoice {
    /// `no_secrets`, `limited_secrets` or `individual`.
    #[schema(pattern = "^(no_secrets|limited_secrets|individual)$")]
    policy: String,
}

/// Chooses a couple's confidentiality policy (its primary therapist and co-therapists).
#[utoipa::path(post, path = "/api/v1/cases/{id}/confidentiality", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    request_body = PolicyChoice,
    responses(
        (status = 204, description = "Saved"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to manage this case", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody),
        (status = 422, description = "Not a couple's case, or a discharged one", body = ErrorBody)))]
pub(crate) async fn choose_confidentiality(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PolicyChoice>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    state.app.care().choose_confidentiality(&actor, case_id(&id)?, &body.policy).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct TeamAddition {
    /// A therapist of the practice other than the primary therapist.
    #[schema(pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    user_id: String,
    /// `co_therapist` or `supervisor`.
    #[schema(pattern = "^(co_therapist|supervisor)$")]
    role: String,
}

/// Adds a co-therapist or supervisor (the primary therapist, owners and admins).
#[utoipa::path(post, path = "/api/v1/cases/{id}/team", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    request_body = TeamAddition,
    responses(
        (status = 204, description = "Added"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to staff this case", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody),
        (status = 422, description = "Not a therapist of the practice, the primary therapist, already on the team, \
            or a discharged case", body = ErrorBody)))]
pub(crate) async fn add_to_team(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TeamAddition>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    state.app.care().add_to_team(&actor, case_id(&id)?, &body.user_id, &body.role).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Takes a co-therapist or supervisor off the team (the primary therapist, owners and admins).
#[utoipa::path(delete, path = "/api/v1/cases/{id}/team/{user_id}", tag = "care",
    params(("id" = String, Path, description = "The case's id"), ("user_id" = String, Path, description = "The team member's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to staff this case", body = ErrorBody),
        (status = 404, description = "No such case, or no such person on its team", body = ErrorBody)))]
pub(crate) async fn remove_from_team(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    let user: UserId = user.parse().map_err(|_| ApiError(AppError::NotFound))?;
    match state.app.care().remove_from_team(&actor, case_id(&id)?, user).await {
        // Over JSON a person who is not on the team is not found under this address.
        Err(AppError::Invalid(_)) => Err(ApiError(AppError::NotFound)),
        other => other.map(|()| StatusCode::NO_CONTENT.into_response()).map_err(ApiError),
    }
}
