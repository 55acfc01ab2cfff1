//! Signing in and out, the second step, and passwords, over JSON. Cookies
//! and anti-forgery work as for pages: `GET /api/v1/session` hands out the
//! token that every other call sends back in `X-CSRF-Token`.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, Caller};
use crate::middleware::{CsrfToken, append_cookie};
use crate::{AppState, cookies};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Membership {
    practice_id: String,
    practice_name: String,
    /// `owner`, `admin`, `clinician` or `client`.
    role: &'static str,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct SessionInfo {
    signed_in: bool,
    /// Staff who still have to pass the second step.
    mfa_required: bool,
    /// Send it back in the `X-CSRF-Token` header of every state change.
    csrf_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    memberships: Vec<Membership>,
    /// The practice this session works in (chosen at `/account/practice`
    /// when there are several; else the first by name).
    #[serde(skip_serializing_if = "Option::is_none")]
    acting_practice_id: Option<String>,
}

/// Who is signed in, and the anti-forgery token.
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, description = "The caller's session", body = SessionInfo)))]
pub(crate) async fn show(caller: Caller, csrf: axum::Extension<CsrfToken>) -> Json<SessionInfo> {
    let actor = caller.actor;
    Json(SessionInfo {
        signed_in: actor.is_some(),
        mfa_required: actor.as_ref().is_some_and(|a| a.needs_mfa()),
        csrf_token: csrf.0.0.clone(),
        user_id: actor.as_ref().map(|a| a.user_id.to_string()),
        display_name: actor.as_ref().map(|a| a.display_name.clone()),
        acting_practice_id: actor.as_ref().and_then(|a| a.acting_practice()).map(|p| p.to_string()),
        memberships: actor
            .map(|a| {
                a.memberships
                    .iter()
                    .map(|m| Membership {
                        practice_id: m.practice_id.to_string(),
                        practice_name: m.practice_name.clone(),
                        role: m.role.as_str(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct Credentials {
    email: String,
    password: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct SignedIn {
    /// Staff must pass the second step next (`POST /api/v1/session/mfa`).
    mfa_required: bool,
}

/// Signs in; the session cookie comes with the answer.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = Credentials,
    responses(
        (status = 200, description = "Signed in", body = SignedIn),
        (status = 401, description = "Wrong email or password (the same answer either way)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts", body = ErrorBody),
        (status = 503, description = "Too many sign-ins at once; try again after `Retry-After` seconds", body = ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    let session = state.app.identity().login(&body.email, &body.password, &caller.ip).await?;
    if let Some(previous) = &caller.actor {
        state.app.identity().logout(previous).await?;
    }
    let actor = state
        .app
        .identity()
        .authenticate(&session.token, &caller.ip)
        .await?
        .ok_or(ApiError(sensate_app::AppError::Unauthenticated))?;
    let mut response = Json(SignedIn { mfa_required: actor.needs_mfa() }).into_response();
    append_cookie(&mut response, &cookies::set(&state.web, cookies::SESSION, &session.token, None));
    // A new anti-forgery token too: fetch it again with GET /api/v1/session.
    append_cookie(
        &mut response,
        &cookies::set(&state.web, cookies::CSRF, &sensate_app::infra::secrets::new_token(), None),
    );
    Ok(response)
}

/// Signs out.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Signed out (also when nobody was signed in)")))]
pub(crate) async fn delete(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    if let Some(actor) = &caller.actor {
        state.app.identity().logout(actor).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    append_cookie(&mut response, &cookies::set(&state.web, cookies::SESSION, "", Some(0)));
    append_cookie(&mut response, &cookies::set(&state.web, cookies::CSRF, "", Some(0)));
    Ok(response)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct Code {
    /// A 6-digit code from the authenticator app, or a recovery code.
    code: String,
}

/// The second step of a staff sign-in.
#[utoipa::path(post, path = "/api/v1/session/mfa", tag = "session", request_body = Code,
    responses(
        (status = 204, description = "Passed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "Wrong, malformed or already used code", body = ErrorBody),
        (status = 403, description = "No second factor to check (clients, or not enrolled)", body = ErrorBody),
        (status = 429, description = "Too many wrong codes; wait 15 minutes", body = ErrorBody)))]
pub(crate) async fn mfa(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Code>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.signed_in_before_mfa()?;
    state.app.identity().verify_mfa(&actor, &body.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct PasswordChange {
    current_password: String,
    /// 8 to 128 characters; a common password is refused.
    #[schema(min_length = 8, max_length = 128)]
    new_password: String,
}

/// Changes the caller's password; their other sessions end.
#[utoipa::path(post, path = "/api/v1/password", tag = "session", request_body = PasswordChange,
    responses((status = 204, description = "Changed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Staff who have not passed the second step (`mfa_required`)", body = ErrorBody),
        (status = 422, description = "See `fields`", body = ErrorBody),
        (status = 429, description = "Too many wrong current passwords; wait 15 minutes", body = ErrorBody),
        (status = 503, description = "Too many sign-ins at once; try again after `Retry-After` seconds", body = ErrorBody)))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.signed_in()?;
    state
        .app
        .identity()
        .change_password(&actor, &body.current_password, &body.new_password, &body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct ResetRequest {
    email: String,
}

/// Emails a reset link if the address has an account (the answer is the same either way).
#[utoipa::path(post, path = "/api/v1/password-reset", tag = "session", request_body = ResetRequest,
    responses((status = 202, description = "Accepted"), (status = 429, description = "Too many requests", body = ErrorBody)))]
pub(crate) async fn request_reset(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    state.app.identity().request_password_reset(&body.email, &caller.ip).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct ResetConfirm {
    token: String,
    /// 8 to 128 characters; a common password is refused.
    #[schema(min_length = 8, max_length = 128)]
    password: String,
}

/// Sets a new password with the emailed link's token; every session of that person ends.
#[utoipa::path(post, path = "/api/v1/password-reset/confirm", tag = "session", request_body = ResetConfirm,
    responses(
        (status = 204, description = "Changed"),
        (status = 404, description = "The link is used or expired", body = ErrorBody),
        (status = 422, description = "See `fields`", body = ErrorBody),
        (status = 503, description = "Too many sign-ins at once; try again after `Retry-After` seconds", body = ErrorBody)))]
pub(crate) async fn confirm_reset(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ResetConfirm>,
) -> Result<StatusCode, ApiError> {
    state.app.identity().reset_password(&body.token, &body.password, &body.password, &caller.ip).await?;
    Ok(StatusCode::NO_CONTENT)
}
