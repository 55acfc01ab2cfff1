//! Stylesheet and scripts, compiled into the binary: one file to deploy, and
//! no request ever leaves for a CDN.
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::ErrorPage;

const FILES: &[(&str, &str, &str)] = &[
    ("sensate.css", "text/css; charset=utf-8", include_str!("../static/sensate.css")),
    ("htmx.min.js", "text/javascript; charset=utf-8", include_str!("../static/htmx.min.js")),
    ("booking.js", "text/javascript; charset=utf-8", include_str!("../static/booking.js")),
    ("directory.js", "text/javascript; charset=utf-8", include_str!("../static/directory.js")),
    ("self-check.js", "text/javascript; charset=utf-8", include_str!("../static/self-check.js")),
    ("menu.js", "text/javascript; charset=utf-8", include_str!("../static/menu.js")),
    ("checklist.js", "text/javascript; charset=utf-8", include_str!("../static/checklist.js")),
];

pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => {
            ([(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "public, max-age=3600")], *body)
                .into_response()
        }
        None => ErrorPage::not_found().into_response(),
    }
}
