//! The `Page` extractor: who is asking (from the session cookie) and what
//! the layout needs. Handlers of signed-in pages call [`Page::signed_in`].
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sensate_app::actor::Scope;
use sensate_app::{Actor, AppError};
use sensate_domain::policy::Action;

use crate::error::WebError;
use crate::middleware::CsrfToken;
use crate::ui::Layout;
use crate::{AppState, cookies};

pub(crate) struct Page {
    pub layout: Layout,
    pub actor: Option<Actor>,
    /// The peer address, for the audit log and rate limits.
    pub ip: String,
}

impl Page {
    /// The actor, or a redirect: to sign-in when anonymous, to the second
    /// step when a staff member has not passed MFA in this session.
    pub fn signed_in(self) -> Result<(Actor, Layout), WebError> {
        let (actor, layout) = self.signed_in_before_mfa()?;
        if actor.needs_mfa() {
            return Err(WebError(AppError::MfaRequired));
        }
        Ok((actor, layout))
    }

    /// The actor even before MFA: only for the MFA pages and sign-out.
    pub fn signed_in_before_mfa(self) -> Result<(Actor, Layout), WebError> {
        match self.actor {
            Some(actor) => Ok((actor, self.layout)),
            None => Err(WebError(AppError::Unauthenticated)),
        }
    }
}

/// The address the request came from. Behind a reverse proxy this is the
/// proxy; trusting forwarded headers is a deliberate later setting.
pub(crate) fn peer_ip(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

impl FromRequestParts<AppState> for Page {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let csrf = parts.extensions.get::<CsrfToken>().map(|token| token.0.clone()).unwrap_or_default();
        let ip = peer_ip(parts);
        let actor = match cookies::read(&parts.headers, &state.web, cookies::SESSION) {
            Some(token) => state.app.identity().authenticate(&token, &ip).await?,
            None => None,
        };
        let layout = Layout {
            demo: state.app.config().demo,
            user: actor.as_ref().map(|actor| actor.display_name.clone()),
            calendar: actor.as_ref().is_some_and(|actor| {
                actor.may(Action::ViewSchedule, Scope::Themselves) || actor.may(Action::ViewSchedule, Scope::Practice)
            }),
            csrf,
            current: "",
        };
        Ok(Page { layout, actor, ip })
    }
}
