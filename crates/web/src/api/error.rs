//! JSON errors: a stable snake_case code, a human message, and field-level
//! messages for invalid input (HTTP 422). Like the pages, they never contain
//! health data or say whether an account exists.
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sensate_app::AppError;

use crate::error::request_id;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct FieldMessage {
    pub(crate) field: String,
    pub(crate) message: String,
}

/// The body of every API error.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    /// Stable code: `unauthenticated`, `mfa_required`, `forbidden`, `not_found`, `method_not_allowed`,
    /// `invalid_input`, `invalid_credentials`, `rate_limited`, `link_invalid`, `forbidden_cross_site`,
    /// `form_expired`, `too_large`, `taken` (409, with `alternatives`: a time no longer free), `busy`
    /// (503 with `Retry-After`: too many sign-ins at once), `internal`.
    error: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<FieldMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

pub(crate) fn error_response(status: StatusCode, error: &'static str, message: impl Into<String>) -> Response {
    field_error_response(status, error, message, Vec::new())
}

/// An error that names the fields (or parameters) it is about.
pub(crate) fn field_error_response(
    status: StatusCode,
    error: &'static str,
    message: impl Into<String>,
    fields: Vec<FieldMessage>,
) -> Response {
    let body = ErrorBody { error, message: message.into(), fields, request_id: None };
    (status, Json(body)).into_response()
}

/// A use-case error on its way out of an API handler.
pub(crate) struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, message) = match &self.0 {
            AppError::Invalid(errors) => {
                let fields = errors
                    .iter()
                    .map(|(field, message)| FieldMessage { field: field.to_string(), message: message.to_string() })
                    .collect();
                let body = ErrorBody {
                    error: "invalid_input",
                    message: "Some fields need attention.".into(),
                    fields,
                    request_id: None,
                };
                return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
            }
            AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", "Sign in first.".to_string()),
            AppError::MfaRequired => (
                StatusCode::FORBIDDEN,
                "mfa_required",
                "Confirm the sign-in with the second step first (POST /api/v1/session/mfa).".to_string(),
            ),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "Not allowed.".to_string()),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found", "Not found.".to_string()),
            AppError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials", self.0.to_string()),
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited", self.0.to_string()),
            AppError::Busy { retry_after_secs } => {
                let mut response = error_response(StatusCode::SERVICE_UNAVAILABLE, "busy", self.0.to_string());
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
                return response;
            }
            AppError::LinkInvalid | AppError::SetupLinkInvalid => {
                (StatusCode::NOT_FOUND, "link_invalid", AppError::LinkInvalid.to_string())
            }
            AppError::Store(error) => {
                tracing::error!(request_id = request_id().unwrap_or_default(), error = %error, "storage failure");
                return internal();
            }
            AppError::KeyMismatch => {
                tracing::error!(request_id = request_id().unwrap_or_default(), "encryption key mismatch");
                return internal();
            }
            AppError::Internal(error) => {
                tracing::error!(request_id = request_id().unwrap_or_default(), error = %error, "internal failure");
                return internal();
            }
        };
        error_response(status, error, message)
    }
}

fn internal() -> Response {
    let body = ErrorBody {
        error: "internal",
        message: "Sensate could not finish this request. Try again in a moment.".into(),
        fields: Vec::new(),
        request_id: request_id(),
    };
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}
