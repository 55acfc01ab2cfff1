//! Form bodies. A body that cannot be read — malformed percent-encoding or
//! UTF-8, wrong content type, fields of the wrong shape — gets Sensate's own
//! 422 page and changes nothing. Invalid UTF-8 is refused rather than
//! "repaired" with replacement characters, which would store text the person
//! never typed.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ErrorPage;
use crate::middleware::read_or_audit;

pub(crate) struct Form<T>(pub T);

impl<T> FromRequest<AppState> for Form<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        read_or_audit(state, request, |request| read_form(request, state)).await.map(Form)
    }
}

async fn read_form<T: DeserializeOwned>(request: Request, state: &AppState) -> Result<T, Response> {
    {
        let is_form = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let refuse = || ErrorPage::unprocessable().into_response();
        if !is_form {
            return Err(refuse());
        }
        let bytes = Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        if !is_valid_utf8_form(&bytes) {
            return Err(refuse());
        }
        serde_urlencoded::from_bytes(&bytes).map_err(|_| refuse())
    }
}

/// Every name and value decodes to valid UTF-8.
fn is_valid_utf8_form(body: &[u8]) -> bool {
    body.split(|b| *b == b'&')
        .flat_map(|pair| pair.splitn(2, |b| *b == b'='))
        .all(|part| percent_encoding::percent_decode(part).decode_utf8().is_ok())
}

#[cfg(test)]
mod tests {
    use super::is_valid_utf8_form;

    #[test]
    fn malformed_utf8_is_told_apart_from_real_text() {
        assert!(is_valid_utf8_form(b"name=Caf%C3%A9&tz=Europe%2FBerlin"));
        assert!(is_valid_utf8_form(b"a=b+c&empty="));
        assert!(!is_valid_utf8_form(b"name=%FF%FE"));
        assert!(!is_valid_utf8_form(b"%C3=x"));
    }
}
