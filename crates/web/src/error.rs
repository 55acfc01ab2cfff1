//! Error pages and the mapping from use-case errors to HTTP. Messages are
//! generic: a failure never shows health data, SQL or whether an account
//! exists. Server errors are logged with the request id shown to the person,
//! so support can find the log line without anyone repeating what they typed.
use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sensate_app::AppError;

use crate::ui::{ErrorTemplate, Layout};

#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    pub id: String,
    pub demo: bool,
    /// Under `/api/`: errors are JSON.
    pub api: bool,
}

tokio::task_local! {
    pub(crate) static REQUEST: RequestContext;
}

pub(crate) fn request_id() -> Option<String> {
    REQUEST.try_with(|context| context.id.clone()).ok()
}

/// A complete error page: status, heading, one helpful sentence.
pub(crate) struct ErrorPage {
    status: StatusCode,
    /// The API's error code for the same refusal.
    code: &'static str,
    title: &'static str,
    message: String,
    /// Seconds after which trying again should work (`Retry-After`).
    retry_after: Option<u64>,
}

impl ErrorPage {
    pub fn not_found() -> Self {
        Self {
            retry_after: None,
            code: "not_found",
            status: StatusCode::NOT_FOUND,
            title: "Page not found",
            message: "There is no page at this address. It may have moved, or the link may be mistyped.".into(),
        }
    }

    pub fn method_not_allowed() -> Self {
        Self {
            retry_after: None,
            code: "method_not_allowed",
            status: StatusCode::METHOD_NOT_ALLOWED,
            title: "Not available this way",
            message: "This address does not answer this kind of request. Nothing was changed.".into(),
        }
    }

    pub fn forbidden() -> Self {
        Self {
            retry_after: None,
            code: "forbidden",
            status: StatusCode::FORBIDDEN,
            title: "Not available to you",
            message: "Your account does not give access to this page. If you think it should, ask your practice."
                .into(),
        }
    }

    pub fn forbidden_cross_site() -> Self {
        Self {
            retry_after: None,
            code: "forbidden_cross_site",
            status: StatusCode::FORBIDDEN,
            title: "Request refused",
            message: "This form was sent from another website, so it was not accepted. Nothing was changed.".into(),
        }
    }

    pub fn form_expired() -> Self {
        Self {
            retry_after: None,
            code: "form_expired",
            status: StatusCode::FORBIDDEN,
            title: "This form has expired",
            message: "For your security, forms expire. Nothing was changed: go back, reload the page and try again."
                .into(),
        }
    }

    pub fn too_large() -> Self {
        Self {
            retry_after: None,
            code: "too_large",
            status: StatusCode::PAYLOAD_TOO_LARGE,
            title: "Too much to send",
            message: "What you sent is larger than this form accepts. Nothing was changed.".into(),
        }
    }

    pub fn unprocessable() -> Self {
        Self {
            retry_after: None,
            code: "invalid_input",
            status: StatusCode::UNPROCESSABLE_ENTITY,
            title: "Some information needs attention",
            message: "Part of what was sent could not be read. Nothing was changed: go back and check the form.".into(),
        }
    }

    pub fn rate_limited(wait_minutes: i64) -> Self {
        Self {
            retry_after: None,
            code: "rate_limited",
            status: StatusCode::TOO_MANY_REQUESTS,
            title: "Please wait a little",
            message: format!(
                "There were too many attempts. For your security, please wait {wait_minutes} minutes and try again."
            ),
        }
    }

    pub fn link_invalid() -> Self {
        Self {
            retry_after: None,
            code: "link_invalid",
            status: StatusCode::NOT_FOUND,
            title: "This link is not valid",
            message: "It was already used or has expired. Ask for a new one: your practice can send a new invitation, and the sign-in page can send a new password-reset link.".into(),
        }
    }

    /// The server is at its limit of password hashes at once: a calm
    /// "try again", not a failure, so no reference is shown.
    pub fn busy(retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs),
            code: "busy",
            status: StatusCode::SERVICE_UNAVAILABLE,
            title: "Please try again in a moment",
            message: sensate_app::AppError::Busy { retry_after_secs }.to_string(),
        }
    }

    pub fn internal() -> Self {
        Self {
            retry_after: None,
            code: "internal",
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Something went wrong",
            message: "Sensate could not finish this request. Nothing you had saved before is lost. Please try again in a moment; if it keeps happening, give your practice the reference below.".into(),
        }
    }
}

impl IntoResponse for ErrorPage {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after;
        let mut response = self.page();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl ErrorPage {
    fn page(self) -> Response {
        if REQUEST.try_with(|context| context.api).unwrap_or(false) {
            return crate::api::error::error_response(self.status, self.code, self.message);
        }
        let demo = REQUEST.try_with(|context| context.demo).unwrap_or(false);
        let show_id = self.status.is_server_error() && self.status != StatusCode::SERVICE_UNAVAILABLE;
        let page = ErrorTemplate {
            layout: Layout::anonymous(demo),
            title: self.title,
            message: self.message,
            request_id: if show_id { request_id() } else { None },
        };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.title).into_response(),
        }
    }
}

/// A use-case error on its way out of a page handler.
pub(crate) struct WebError(pub AppError);

impl From<AppError> for WebError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

impl From<askama::Error> for WebError {
    fn from(error: askama::Error) -> Self {
        Self(AppError::Internal(format!("template: {error}")))
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self.0 {
            AppError::Unauthenticated => Redirect::to("/login").into_response(),
            AppError::MfaRequired => Redirect::to("/mfa").into_response(),
            AppError::RateLimited { wait_minutes } => ErrorPage::rate_limited(wait_minutes).into_response(),
            AppError::Busy { retry_after_secs } => ErrorPage::busy(retry_after_secs).into_response(),
            AppError::LinkInvalid => ErrorPage::link_invalid().into_response(),
            AppError::Forbidden => ErrorPage::forbidden().into_response(),
            AppError::NotFound => ErrorPage::not_found().into_response(),
            AppError::Invalid(_) | AppError::InvalidCredentials | AppError::SetupLinkInvalid => {
                ErrorPage::unprocessable().into_response()
            }
            AppError::Store(error) => {
                tracing::error!(request_id = request_id().unwrap_or_default(), error = %error, "storage failure");
                ErrorPage::internal().into_response()
            }
            AppError::KeyMismatch => {
                tracing::error!(request_id = request_id().unwrap_or_default(), "encryption key mismatch");
                ErrorPage::internal().into_response()
            }
            AppError::Internal(error) => {
                tracing::error!(request_id = request_id().unwrap_or_default(), error = %error, "internal failure");
                ErrorPage::internal().into_response()
            }
        }
    }
}
