//! Extractors for API handlers: the caller (from the session cookie), and
//! JSON bodies and query strings whose rejection is an [`ApiError`]-shaped
//! 422.
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
        let ip = peer_ip(parts, &state.web);
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

/// A query string of the parameters `T` documents (its OpenAPI
/// parameters). A value that does not parse, or a parameter the endpoint
/// does not know (a typo such as `concern=` would otherwise be ignored and
/// return everyone), is a 422 that names the parameter.
pub(crate) struct ApiQuery<T>(pub T);

impl<T> FromRequestParts<AppState> for ApiQuery<T>
where
    T: DeserializeOwned + utoipa::IntoParams + Send,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let known = T::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query));
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let Some(parameter) = known.iter().find(|parameter| parameter.name == name) else {
                return Err(query_error(&name, format!("`{name}` is not a parameter of this endpoint.")));
            };
            // Browser forms send an empty field as `name=`, and the pages
            // read that as "not given"; the API says what it expects: a
            // number or a yes/no needs a value, or to be left out.
            if value.is_empty() && !takes_text(parameter) {
                return Err(query_error(&name, format!("`{name}` needs a value; leave it out to not filter by it.")));
            }
        }
        let pairs = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(pairs).map(ApiQuery).map_err(|error| {
            // The parser's message can quote the value; only the name is echoed.
            let name = error.path().to_string();
            query_error(&name, format!("`{name}` does not have a value this endpoint accepts."))
        })
    }
}

/// Whether a parameter's documented type includes text (so that an empty
/// value is one of its values).
fn takes_text(parameter: &utoipa::openapi::path::Parameter) -> bool {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    match &parameter.schema {
        Some(RefOr::T(Schema::Object(object))) => match &object.schema_type {
            SchemaType::Type(kind) => *kind == Type::String,
            SchemaType::Array(kinds) => kinds.contains(&Type::String),
            SchemaType::AnyValue => true,
        },
        // Lists and references: not what a query parameter here is.
        _ => true,
    }
}

fn query_error(name: &str, message: String) -> Response {
    let fields = vec![super::error::FieldMessage { field: name.to_string(), message: message.clone() }];
    super::error::field_error_response(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message, fields)
}
