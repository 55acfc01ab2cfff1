//! Invitations, accepting them, disabling accounts and the audit log, over JSON.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sensate_app::AppError;
use sensate_app::audit::AuditFilter;
use sensate_app::identity::invitations::{InvitationSent, Invitee};
use sensate_domain::UserId;
use sensate_domain::scheduling::CaseKind;

use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, ApiQuery, Caller};

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct Person {
    /// What they want to be called: one line, at most 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[schema(format = Email, max_length = 254)]
    email: String,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct StaffInvitation {
    /// What they want to be called: one line, at most 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// `clinician` or `admin`.
    #[schema(pattern = "^(clinician|admin)$")]
    role: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Sent {
    email: String,
    /// The single-use link, only when it could not be emailed (to hand it
    /// over); absent once emailed, since it is the invitee's alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<String>,
    emailed: bool,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct SentList {
    invitations: Vec<Sent>,
}

fn sent(list: Vec<InvitationSent>) -> Response {
    let invitations = list.into_iter().map(|s| Sent { email: s.email, link: s.link, emailed: s.emailed }).collect();
    (StatusCode::CREATED, Json(SentList { invitations })).into_response()
}

/// Invites a therapist or administrator (owners and admins).
#[utoipa::path(post, path = "/api/v1/invitations", tag = "accounts", request_body = StaffInvitation,
    responses(
        (status = 201, description = "Invited", body = SentList),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 422, description = "See `fields`", body = ErrorBody)))]
pub(crate) async fn invite_staff(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<StaffInvitation>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    let invitee = Invitee { name: body.name, email: body.email };
    Ok(sent(vec![state.app.identity().invite_staff(&actor, &invitee, &body.role).await?]))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct ClientInvitation {
    /// `individual` (one person) or `couple` (two).
    #[schema(pattern = "^(individual|couple)$")]
    kind: String,
    #[schema(min_items = 1, max_items = 2)]
    clients: Vec<Person>,
}

/// A therapist invites a client, or both partners of a couple, into a new case.
#[utoipa::path(post, path = "/api/v1/client-invitations", tag = "accounts", request_body = ClientInvitation,
    responses(
        (status = 201, description = "Invited", body = SentList),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 422, description = "See `fields`", body = ErrorBody)))]
pub(crate) async fn invite_clients(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ClientInvitation>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    let Some(kind) = CaseKind::parse(&body.kind) else {
        let mut errors = sensate_domain::FieldErrors::new();
        errors.add("kind", "Use individual or couple.");
        return Err(ApiError(AppError::Invalid(errors)));
    };
    let invitees: Vec<Invitee> = body.clients.into_iter().map(|p| Invitee { name: p.name, email: p.email }).collect();
    Ok(sent(state.app.identity().invite_clients(&actor, kind, &invitees).await?))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct Acceptance {
    token: String,
    /// 8 to 128 characters; a common password is refused.
    #[schema(min_length = 8, max_length = 128)]
    password: String,
}

/// Accepts an invitation with the password chosen for its account; the person then signs in
/// (`POST /api/v1/session`). The answer is the same when the address already has an account:
/// that account is left as it is, the invitation stays open, and its owner is emailed to sign in
/// with their own password and accept it there.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "accounts", request_body = Acceptance,
    responses(
        (status = 202, description = "Accepted; sign in next"),
        (status = 404, description = "The invitation is used or expired", body = ErrorBody),
        (status = 422, description = "See `fields`", body = ErrorBody),
        (status = 503, description = "Too many sign-ins at once; try again after `Retry-After` seconds", body = ErrorBody)))]
pub(crate) async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Acceptance>,
) -> Result<Response, ApiError> {
    state.app.identity().accept_invitation(&body.token, &body.password, &body.password, &caller.ip).await?;
    Ok(StatusCode::ACCEPTED.into_response())
}

fn user_id(id: &str) -> Result<UserId, ApiError> {
    id.parse().map_err(|_| ApiError(AppError::NotFound))
}

/// Disables an account of the practice; its sessions end at once.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/disable", tag = "accounts",
    params(("id" = String, Path, description = "The account's id")),
    responses(
        (status = 204, description = "Disabled"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 404, description = "No such account in the practice", body = ErrorBody)))]
pub(crate) async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.signed_in()?;
    state.app.practice().set_account_disabled(&actor, user_id(&id)?, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enables a disabled account again.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/enable", tag = "accounts",
    params(("id" = String, Path, description = "The account's id")),
    responses(
        (status = 204, description = "Enabled"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 404, description = "No such account in the practice", body = ErrorBody)))]
pub(crate) async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.signed_in()?;
    state.app.practice().set_account_disabled(&actor, user_id(&id)?, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// Only this action, e.g. `login`.
    action: Option<String>,
    /// `allowed`, `denied` or `failed`.
    outcome: Option<String>,
    /// Entries older than this sequence number (for paging).
    before: Option<i64>,
    /// At most this many: 100 unless given, never more than 500 (fewer than 1 means 100).
    limit: Option<i64>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct AuditEntry {
    seq: i64,
    /// RFC 3339, UTC.
    at: String,
    actor_id: Option<String>,
    action: String,
    record_type: String,
    record_id: String,
    ip: String,
    outcome: String,
    hash: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct AuditPage {
    entries: Vec<AuditEntry>,
}

/// The practice's audit log, newest first (owners).
#[utoipa::path(get, path = "/api/v1/audit", tag = "accounts", params(AuditQuery),
    responses(
        (status = 200, description = "Entries", body = AuditPage),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 422, description = "A parameter this endpoint does not know, or a value it cannot read; see `fields`", body = ErrorBody)))]
pub(crate) async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let actor = caller.signed_in()?;
    let filter = AuditFilter {
        action: query.action,
        outcome: query.outcome,
        before_seq: query.before,
        limit: query.limit.unwrap_or(100),
        ..AuditFilter::default()
    };
    let entries = state
        .app
        .audit_log(&actor, filter)
        .await?
        .into_iter()
        .map(|r| AuditEntry {
            seq: r.seq,
            at: r.event.at.to_string(),
            actor_id: r.event.actor_id.map(|id| id.to_string()),
            action: r.event.action,
            record_type: r.event.record_type,
            record_id: r.event.record_id,
            ip: r.event.ip,
            outcome: r.event.outcome,
            hash: r.hash,
        })
        .collect();
    Ok(Json(AuditPage { entries }))
}
