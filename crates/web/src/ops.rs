//! Probes for load balancers and orchestrators.
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Probe {
    /// `ok`, `ready` or `unavailable`.
    status: &'static str,
}

/// The process is running.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is running", body = Probe)))]
pub(crate) async fn healthz() -> Json<Probe> {
    Json(Probe { status: "ok" })
}

/// The process can serve requests: its database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Probe),
        (status = 503, description = "The database does not answer", body = Probe)))]
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    if state.app.ready().await {
        Json(Probe { status: "ready" }).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(Probe { status: "unavailable" })).into_response()
    }
}
