//! The layers every request passes through, outermost first:
//! run to completion (a task of its own) → request context (id, privacy-safe access log) → security headers → panic
//! guard (so even a panic's page carries the headers) → anti-forgery check →
//! body limit → handler.
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderMap;
use axum::http::header::{self, HeaderValue};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use sensate_app::infra::secrets::{new_token, same_secret};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::{ErrorPage, REQUEST, RequestContext};
use crate::{AppState, WebConfig, cookies};

/// Forms are small; photo uploads carry up to their own limit plus the
/// multipart framing around the file. A message's attachment may run a
/// megabyte over its limit, so that a file a little too large is refused
/// beside the field, by the use case, rather than by this page.
const BODY_LIMIT: usize = 256 * 1024;
const UPLOAD_LIMIT: usize = sensate_app::directory::photos::PHOTO_MAX_BYTES + 64 * 1024;
const MESSAGE_UPLOAD_LIMIT: usize = sensate_domain::care::messages::ATTACHMENT_MAX_BYTES + 1024 * 1024;
/// The same file over the JSON API, in base64 (4 characters for 3 bytes).
const API_MESSAGE_LIMIT: usize = sensate_domain::care::messages::ATTACHMENT_MAX_BYTES / 3 * 4 + 1024 * 1024;

/// The routes that take a file upload (`multipart/form-data`): a profile
/// photo, and a message with an attachment.
pub(crate) fn accepts_upload(path: &str) -> bool {
    (path.starts_with("/profiles/") && path.ends_with("/photo")) || is_message_post(path)
}

fn is_message_post(path: &str) -> bool {
    path.starts_with("/me/messages/") || (path.starts_with("/cases/") && path.ends_with("/messages"))
}

fn body_limit(path: &str) -> usize {
    if path.starts_with("/api/v1/cases/") && path.ends_with("/messages") {
        API_MESSAGE_LIMIT
    } else if is_message_post(path) {
        MESSAGE_UPLOAD_LIMIT
    } else if accepts_upload(path) {
        UPLOAD_LIMIT
    } else {
        BODY_LIMIT
    }
}

/// The anti-forgery token for this request, for forms to embed.
#[derive(Debug, Clone)]
pub(crate) struct CsrfToken(pub String);

pub(crate) fn wrap(router: Router<AppState>, state: AppState) -> Router {
    router
        .layer(
            ServiceBuilder::new()
                // `limit_body` and the anti-forgery check hold each route to
                // its own limit; axum's 2 MB default for multipart bodies
                // would refuse a photo or an attachment of 2 to 5 MB.
                .layer(axum::extract::DefaultBodyLimit::disable())
                .layer(from_fn(run_to_completion))
                .layer(from_fn_with_state(state.clone(), request_context))
                .layer(from_fn_with_state(state.clone(), security_headers))
                .layer(CatchPanicLayer::custom(|_| ErrorPage::internal().into_response()))
                .layer(from_fn_with_state(state.clone(), csrf))
                .layer(from_fn(limit_body))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(30),
                )),
        )
        .with_state(state)
}

/// Runs the request as a task of its own, so that a client who hangs up
/// (a timeout, a closed tab) cannot cancel it halfway: a use case and its
/// audit entry either both happen or neither, and no database transaction
/// is abandoned mid-way.
async fn run_to_completion(request: Request, next: Next) -> Response {
    match tokio::spawn(next.run(request)).await {
        Ok(response) => response,
        // The inner layers already turn panics into the error page.
        Err(_) => ErrorPage::internal().into_response(),
    }
}

/// Request ids only need to be unique per process and distinguishable
/// between restarts: a random prefix chosen at start and a counter. No
/// system call per request.
fn next_request_id() -> String {
    static PREFIX: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let prefix = PREFIX.get_or_init(|| uuid::Uuid::new_v4().as_u128() as u32);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix:08x}{n:08x}")
}

/// Gives the request an id (returned as `X-Request-Id`, shown on error
/// pages) and logs one line per request: method, route *template*, status,
/// duration. Never the concrete path's ids, query strings, bodies or cookies.
async fn request_context(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let id = next_request_id();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_else(|| "(no route)".to_string());
    let started = Instant::now();
    let api = request.uri().path().starts_with("/api/");
    let context = RequestContext { id: id.clone(), demo: state.app.config().demo, api };
    let mut response = REQUEST.scope(context, next.run(request)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    tracing::info!(
        request_id = %id,
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// SECURITY.md item 13: a strict CSP without inline script, no framing, no
/// sniffing, no referrer, HSTS over TLS, and no caching of anything but
/// static assets (pages may carry personal data and form tokens). Only this
/// site's own pages may ask for the visitor's location (the directory's
/// "Use my location"); camera and microphone stay off until telehealth.
async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "x-frame-options", "DENY");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(headers, "permissions-policy", "camera=(), microphone=(), geolocation=(self), interest-cohort=()");
    if state.web.is_https() {
        set(headers, "strict-transport-security", "max-age=63072000; includeSubDomains");
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, "cache-control", "no-store");
    }
    response
}

/// Refuses a body larger than its route accepts: at once when it says its
/// length, otherwise as soon as it has sent too much.
async fn limit_body(request: Request, next: Next) -> Response {
    let limit = body_limit(request.uri().path());
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return ErrorPage::too_large().into_response();
    }
    let (parts, body) = request.into_parts();
    next.run(Request::from_parts(parts, Body::new(http_body_util::Limited::new(body, limit)))).await
}

/// SECURITY.md item 12. Every request gets an anti-forgery token (a cookie,
/// created on first visit). A request for a handler that may change
/// something ([`crate::routes::changes_state`]) must come from this site
/// (Origin, or Sec-Fetch-Site) and carry the token, as the `csrf_token` form
/// field or the `X-CSRF-Token` header. Any other request reaches no such
/// handler, so the router answers it (a method the route does not take is
/// 405 with `Allow`, not a refusal that would hide which methods exist).
async fn csrf(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let existing = cookies::read(request.headers(), &state.web, cookies::CSRF);
    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str);
    let safe = !route.is_some_and(|route| crate::routes::changes_state(request.method(), route));
    let request = if safe {
        request
    } else {
        let (parts, body) = request.into_parts();
        if !same_origin(&parts.headers, &state.web) {
            audit_refusal(&state, &parts, "cross_site_refused").await;
            return ErrorPage::forbidden_cross_site().into_response();
        }
        let Some(expected) = existing.clone() else {
            audit_refusal(&state, &parts, "forgery_token_missing").await;
            return ErrorPage::form_expired().into_response();
        };
        let audit_parts = parts.clone();
        match submitted_token(Request::from_parts(parts, body)).await {
            Ok((Some(sent), request)) if same_secret(&sent, &expected) => request,
            Ok(_) => {
                audit_refusal(&state, &audit_parts, "forgery_token_wrong").await;
                return ErrorPage::form_expired().into_response();
            }
            Err(response) => return response,
        }
    };
    // Probes, assets, the API document and the self-check carry no forms that post: no token for them.
    let needs_cookie = existing.is_none() && !is_cookieless(request.uri().path());
    let token = match &existing {
        Some(token) => token.clone(),
        None if needs_cookie => new_token(),
        None => String::new(),
    };
    let mut request = request;
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if needs_cookie {
        append_cookie(&mut response, &cookies::set(&state.web, cookies::CSRF, &token, None));
    }
    response
}

/// Routes that never need a token: probes, assets, the API document, and the
/// self-check, whose answers stay in the visitor's browser (it has no form
/// that posts, and it sets nothing).
fn is_cookieless(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/api/openapi.json" | "/api/v1/version" | "/self-check")
        || path.starts_with("/static/")
        || path.starts_with("/calendar/")
}

/// Records a request refused before any use case ran (SECURITY.md item 19:
/// every denied request is audited, repeats of a minute counted together).
/// Only the route template and address are kept; never the body or query.
pub(crate) async fn audit_refusal(state: &AppState, parts: &axum::http::request::Parts, action: &'static str) {
    let route = parts.extensions.get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_default();
    let ip = crate::context::peer_ip(parts, &state.web);
    let entry = sensate_app::audit::Entry {
        actor: None,
        practice: None,
        action,
        record_type: "route",
        record_id: route,
        ip: &ip,
        outcome: sensate_app::audit::outcome::DENIED,
    };
    if let Err(error) = state.app.audit_refusal(entry).await {
        tracing::error!(error = %error, "could not audit a refused request");
    }
}

/// Reads a request body with `read`; when that fails, the refusal is audited
/// (as `unreadable_input`, route and address only) and passed on.
pub(crate) async fn read_or_audit<T, F, Fut>(state: &AppState, request: Request, read: F) -> Result<T, Response>
where
    F: FnOnce(Request) -> Fut,
    Fut: std::future::Future<Output = Result<T, Response>>,
{
    let (parts, body) = request.into_parts();
    let audit_parts = parts.clone();
    let result = read(Request::from_parts(parts, body)).await;
    if result.is_err() {
        audit_refusal(state, &audit_parts, "unreadable_input").await;
    }
    result
}

pub(crate) fn append_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Browsers say where a request comes from. `Sec-Fetch-Site` is the most
/// reliable signal and is checked first. `Origin` is next, but under
/// `Referrer-Policy: no-referrer` Chromium sends `Origin: null` even for
/// same-origin forms, so `null` alone proves nothing and is refused.
/// Requests with neither header (scripts, API clients) still need the token.
fn same_origin(headers: &HeaderMap, web: &WebConfig) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.to_str().is_ok_and(|site| site == "same-origin");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let scheme = if web.is_https() { "https" } else { "http" };
    let from_host =
        headers.get(header::HOST).and_then(|host| host.to_str().ok()).map(|host| format!("{scheme}://{host}"));
    origin != "null" && (origin == web.base_url.trim_end_matches('/') || from_host.as_deref() == Some(origin))
}

#[derive(serde::Deserialize)]
struct TokenField {
    csrf_token: Option<String>,
}

/// Reads the token from the header or, for form posts and uploads, from the
/// body, and hands back a request with the body intact for the handler.
async fn submitted_token(request: Request) -> Result<(Option<String>, Request), Response> {
    if let Some(value) = request.headers().get("x-csrf-token") {
        let token = value.to_str().ok().map(str::to_string);
        return Ok((token, request));
    }
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let is_upload = content_type.starts_with("multipart/form-data") && accepts_upload(request.uri().path());
    if !is_form && !is_upload {
        return Ok((None, request));
    }
    let (parts, body) = request.into_parts();
    let bytes =
        to_bytes(body, body_limit(parts.uri.path())).await.map_err(|_| ErrorPage::too_large().into_response())?;
    let token = if is_form {
        serde_urlencoded::from_bytes::<TokenField>(&bytes).ok().and_then(|field| field.csrf_token)
    } else {
        multipart_token(Request::from_parts(parts.clone(), Body::from(bytes.clone()))).await
    };
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

/// The `csrf_token` field of a multipart body (forms put it before the file).
async fn multipart_token(request: Request) -> Option<String> {
    use axum::extract::FromRequest;
    let mut multipart = axum::extract::Multipart::from_request(request, &()).await.ok()?;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("csrf_token") {
            return field.text().await.ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_origin_trusts_fetch_metadata_then_origin() {
        let web = WebConfig { base_url: "http://127.0.0.1:8080".into(), trusted_proxies: Vec::new() };
        let host = ("host", "127.0.0.1:8080");
        // Chromium under no-referrer: Origin null, but Sec-Fetch-Site tells the truth.
        assert!(same_origin(&headers(&[host, ("origin", "null"), ("sec-fetch-site", "same-origin")]), &web));
        assert!(!same_origin(&headers(&[host, ("origin", "null"), ("sec-fetch-site", "cross-site")]), &web));
        assert!(!same_origin(&headers(&[host, ("sec-fetch-site", "same-site")]), &web));
        assert!(!same_origin(&headers(&[host, ("origin", "null")]), &web));
        assert!(same_origin(&headers(&[host, ("origin", "http://127.0.0.1:8080")]), &web));
        assert!(same_origin(&headers(&[("host", "localhost:8080"), ("origin", "http://localhost:8080")]), &web));
        assert!(!same_origin(&headers(&[host, ("origin", "https://evil.example")]), &web));
        assert!(same_origin(&headers(&[host]), &web), "no browser headers: the token alone decides");
    }
}
