//! The `Page` extractor: who is asking (from the session cookie) and what
//! the layout needs. Handlers of signed-in pages call [`Page::signed_in`].
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sensate_app::dashboard::{Tool, tools};
use sensate_app::{Actor, AppError};
use sensate_domain::Locale;

use crate::error::WebError;
use crate::middleware::CsrfToken;
use crate::ui::{Layout, MenuItem};
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

/// The address the request came from: the peer, or behind a trusted
/// reverse proxy the client it names ([`crate::proxy::client_address`]).
pub(crate) fn peer_ip(parts: &Parts, web: &crate::WebConfig) -> String {
    let Some(peer) = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>() else {
        return "unknown".to_string();
    };
    let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok());
    crate::proxy::client_address(peer.0.ip(), forwarded, &web.trusted_proxies).to_string()
}

/// How the reader writes times, dates and distances, from the browser's
/// `Accept-Language` (pages and the API alike).
pub(crate) fn locale_of(headers: &axum::http::HeaderMap) -> Locale {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .map_or(Locale::US, Locale::from_accept_language)
}

impl FromRequestParts<AppState> for Page {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let csrf = parts.extensions.get::<CsrfToken>().map(|token| token.0.clone()).unwrap_or_default();
        let ip = peer_ip(parts, &state.web);
        let actor = match cookies::read(&parts.headers, &state.web, cookies::SESSION) {
            Some(token) => state.app.identity().authenticate(&token, &ip).await?,
            None => None,
        };
        let menu = match &actor {
            // Before the second step, the menu's pages would only send them back to it.
            Some(actor) if !actor.needs_mfa() => {
                let waiting = state.app.scheduling().waiting_request_count(actor).await?;
                app_menu(actor, parts.uri.path(), waiting)
            }
            _ => Vec::new(),
        };
        let layout = Layout {
            demo: state.app.config().demo,
            user: actor.as_ref().map(|actor| actor.display_name.clone()),
            menu,
            csrf,
            current: "",
            locale: locale_of(&parts.headers),
        };
        Ok(Page { layout, actor, ip })
    }
}

/// A signed-in person's app menu: their start page, then the places of
/// their work that the policy gives them ([`tools`]), in the order a working
/// day uses them. Account pages stay on the start page.
fn app_menu(actor: &Actor, path: &str, waiting_requests: usize) -> Vec<MenuItem> {
    let tools = tools(actor);
    let has = |tool| tools.contains(&tool);
    let entries: [(bool, &'static str, &'static str, usize); 10] = [
        (true, "/dashboard", start_page(actor), 0),
        (has(Tool::OwnCalendar) || has(Tool::PracticeCalendars), "/calendar", "Calendar", 0),
        (has(Tool::BookingRequests), "/requests", "Requests", waiting_requests),
        (has(Tool::OwnClients), "/clients", "Clients", 0),
        (has(Tool::OwnMessages), "/me/messages", "Messages", 0),
        (has(Tool::OwnConsents), "/me/consents", "Documents", 0),
        (has(Tool::People), "/people", "People", 0),
        (has(Tool::DirectoryProfiles) || has(Tool::OwnProfile), "/profiles", "Profiles", 0),
        (has(Tool::PracticeSettings), "/settings", "Settings", 0),
        (has(Tool::AuditLog), "/audit", "Audit", 0),
    ];
    entries
        .into_iter()
        .filter(|(shown, ..)| *shown)
        .map(|(_, href, label, count)| MenuItem { href, label, count, active: within(path, href) })
        .collect()
}

/// What the start page is called: a day's work for staff, home for clients.
pub(crate) fn start_page(actor: &Actor) -> &'static str {
    if actor.is_staff_here() { "Today" } else { "Home" }
}

/// Whether `path` is the page at `href` or one beneath it.
fn within(path: &str, href: &str) -> bool {
    path.strip_prefix(href).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::within;

    #[test]
    fn a_menu_entry_covers_its_own_pages_only() {
        assert!(within("/clients", "/clients"));
        assert!(within("/clients/0193", "/clients"));
        assert!(!within("/calendar-feed", "/calendar"));
        assert!(!within("/", "/dashboard"));
    }
}
