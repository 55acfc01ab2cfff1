//! Extractors for API handlers: the caller (from the session cookie) and
//! JSON bodies whose rejection is an [`ApiError`]-shaped 422.
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use sensate_app::{Actor, AppError};
use serde::de::DeserializeOwned;

use super::error::{ApiError, error_response};
use crate::context::peer_ip;
use crate::{AppState, cookies};

/// Who is calling, if anyone, and from where.
pub(crate) struct Caller {
    pub actor: Option<Actor>,
    pub ip: String,
}

impl Caller {
    /// The actor, past the second step for staff.
    pub fn signed_in(self) -> Result<Actor, ApiError> {
        let actor = self.signed_in_before_mfa()?;
        if actor.needs_mfa() {
            return Err(ApiError(AppError::MfaRequired));
        }
        Ok(actor)
    }

    pub fn signed_in_before_mfa(self) -> Result<Actor, ApiError> {
        self.actor.ok_or(ApiError(AppError::Unauthenticated))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ip = peer_ip(parts);
        let actor = match cookies::read(&parts.headers, &state.web, cookies::SESSION) {
            Some(token) => state.app.identity().authenticate(&token, &ip).await?,
            None => None,
        };
        Ok(Caller { actor, ip })
    }
}

/// A JSON body; an unreadable one is a 422 with code `invalid_input`.
pub(crate) struct ApiJson<T>(pub T);

impl<T> FromRequest<AppState> for ApiJson<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let read = |request| async move {
            match axum::Json::<T>::from_request(request, state).await {
                Ok(axum::Json(value)) => Ok(value),
                // The parser's own message can quote the body, so it is not echoed.
                Err(_) => Err(error_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    "The request body is not the JSON this endpoint expects: check the content type, field names and types.",
                )),
            }
        };
        crate::middleware::read_or_audit(state, request, read).await.map(ApiJson)
    }
}
