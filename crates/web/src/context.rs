//! The `Page` extractor: who is asking (from the session cookie) and what
//! the layout needs. Handlers of signed-in pages call [`Page::signed_in`].
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sensate_app::{Actor, AppError};

use crate::error::WebError;
use crate::middleware::CsrfToken;
use crate::templates::Layout;
use crate::{AppState, cookies};

pub(crate) struct Page {
    pub layout: Layout,
    pub actor: Option<Actor>,
}

impl Page {
    /// The actor, or a redirect to the sign-in page.
    pub fn signed_in(self) -> Result<(Actor, Layout), WebError> {
        match self.actor {
            Some(actor) => Ok((actor, self.layout)),
            None => Err(WebError(AppError::Unauthenticated)),
        }
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|token| token.0.clone())
            .unwrap_or_default();
        let actor = match cookies::read(&parts.headers, &state.web, cookies::SESSION) {
            Some(token) => state.app.authenticate(&token).await?,
            None => None,
        };
        let layout = Layout {
            demo: state.app.config().demo,
            user: actor.as_ref().map(|actor| actor.display_name.clone()),
            csrf,
            current: "",
        };
        Ok(Page { layout, actor })
    }
}
