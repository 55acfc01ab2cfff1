//! Reading and writing the two cookies Sensate sets: the session and the
//! anti-forgery token. Over HTTPS they carry the `__Host-` prefix (bound to
//! this host, `Secure`, `Path=/`); over plain HTTP (local demo) browsers
//! would drop such cookies, so they go without it.
use axum::http::HeaderMap;
use axum::http::header::COOKIE;

use crate::WebConfig;

pub(crate) const SESSION: &str = "sensate_session";
pub(crate) const CSRF: &str = "sensate_csrf";

pub(crate) fn name(config: &WebConfig, base: &str) -> String {
    if config.is_https() { format!("__Host-{base}") } else { base.to_string() }
}

/// The value of a cookie in the request, if present.
pub(crate) fn read(headers: &HeaderMap, config: &WebConfig, base: &str) -> Option<String> {
    let wanted = name(config, base);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == wanted)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty() && value.len() <= 128)
}

/// A `Set-Cookie` value. `max_age` of `Some(0)` deletes the cookie; `None`
/// makes it last until the browser closes (the server enforces expiry).
pub(crate) fn set(config: &WebConfig, base: &str, value: &str, max_age: Option<u32>) -> String {
    let mut cookie = format!("{}={value}; Path=/; HttpOnly; SameSite=Lax", name(config, base));
    if config.is_https() {
        cookie.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base_url: &str) -> WebConfig {
        WebConfig { base_url: base_url.into(), trusted_proxies: Vec::new() }
    }

    #[test]
    fn https_cookies_are_host_bound_and_secure() {
        let cookie = set(&config("https://clinic.example"), SESSION, "abc", None);
        assert_eq!(cookie, "__Host-sensate_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure");
        let plain = set(&config("http://127.0.0.1:8080"), SESSION, "abc", Some(0));
        assert_eq!(plain, "sensate_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    }

    #[test]
    fn reads_the_named_cookie_only() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, "other=1; sensate_session=tok; sensate_csrf=c".parse().unwrap());
        let http = config("http://localhost");
        assert_eq!(read(&headers, &http, SESSION).as_deref(), Some("tok"));
        assert_eq!(read(&headers, &http, CSRF).as_deref(), Some("c"));
        assert_eq!(read(&headers, &config("https://x.example"), SESSION), None);
    }
}
