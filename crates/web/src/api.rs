//! The JSON API under `/api/v1` and its OpenAPI document. Every API and
//! operations route must appear in [`ApiDoc`]; a test enforces it.
use axum::Json;
use utoipa::OpenApi;

use crate::ops;

#[derive(OpenApi)]
#[openapi(
    info(title = "Sensate API", description = "The JSON API of a Sensate practice server."),
    paths(ops::healthz, ops::readyz, version),
    components(schemas(ops::Probe, Version)),
    tags(
        (name = "operations", description = "Health and readiness probes"),
        (name = "meta", description = "About this server")
    )
)]
pub struct ApiDoc;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Version {
    /// Always `sensate`.
    name: &'static str,
    /// The release of this server.
    version: &'static str,
    /// The newest database schema version this server knows.
    schema_version: i64,
}

/// Which Sensate this is.
#[utoipa::path(get, path = "/api/v1/version", tag = "meta",
    responses((status = 200, description = "Server name and versions", body = Version)))]
pub(crate) async fn version() -> Json<Version> {
    Json(Version {
        name: "sensate",
        version: env!("CARGO_PKG_VERSION"),
        schema_version: sensate_app::schema_version(),
    })
}

pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
