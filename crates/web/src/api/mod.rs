//! The JSON API under `/api/v1`: its OpenAPI document, its error shape and
//! its extractors. Each area's API handlers sit in that area's `api.rs`
//! (`identity::api`, `practice::api`, `directory::api`). Every API and
//! operations route must appear in [`ApiDoc`]; a test enforces it.
pub(crate) mod error;
pub(crate) mod extract;

use axum::Json;
use utoipa::OpenApi;

use crate::care::api as care;
use crate::directory::api as directory;
use crate::identity::api as session;
use crate::ops;
use crate::practice::api as accounts;
use crate::scheduling::api as scheduling;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sensate API",
        description = "The JSON API of a Sensate practice server.\n\n\
            Authentication uses the same server-side session cookie as the pages. Every request \
            that changes something (POST, DELETE) must carry the anti-forgery token from \
            `GET /api/v1/session` in the `X-CSRF-Token` header, and come from this site or from a \
            client that sends neither `Origin` nor `Sec-Fetch-Site`. Staff must pass the second \
            sign-in step before anything else answers. Errors are JSON with a stable `error` code."
    ),
    paths(
        ops::healthz,
        ops::readyz,
        version,
        session::show,
        session::create,
        session::delete,
        session::mfa,
        session::change_password,
        session::request_reset,
        session::confirm_reset,
        accounts::invite_staff,
        accounts::invite_clients,
        accounts::accept,
        accounts::disable,
        accounts::enable,
        accounts::audit,
        directory::search,
        scheduling::free_times,
        scheduling::booking::booking_form,
        scheduling::booking::request_booking,
        scheduling::appointments::list,
        scheduling::appointments::cancel,
        scheduling::appointments::move_to,
        care::show,
        care::change_status,
        care::choose_confidentiality,
        care::add_to_team,
        care::remove_from_team,
        care::my_consents,
        care::sign,
        care::revoke,
        care::ask_release,
        care::my_intake,
        care::save_my_intake,
        care::client_intake,
        care::thread,
        care::send_message
    ),
    components(schemas(ops::Probe, Version, error::ErrorBody)),
    modifiers(&Refusals),
    tags(
        (name = "operations", description = "Health and readiness probes"),
        (name = "meta", description = "About this server"),
        (name = "session", description = "Signing in and out, the second step, passwords"),
        (name = "accounts", description = "Invitations, accounts and the audit log"),
        (name = "directory", description = "Finding a licensed, certified sex therapist"),
        (name = "scheduling", description = "Free times, booking requests, and the practice's appointments"),
        (name = "care", description = "Cases (status, a couple's confidentiality policy, the care team), consents, intake and messages")
    )
)]
pub struct ApiDoc;

/// Answers a request may get before its handler runs, added to every
/// operation they apply to, so that no operation's list can forget them.
struct Refusals;

/// Every request that changes something (POST, DELETE) passes the
/// anti-forgery check first.
const FORGERY_REFUSAL: &str = "Refused before anything ran: the anti-forgery token from `GET /api/v1/session` \
    is missing or wrong (`form_expired`), or the request came from another site (`forbidden_cross_site`). \
    Nothing changed.";

/// Every request with a JSON body has it read before anything else.
const UNREADABLE_BODY: &str = "The body is not the JSON this endpoint expects (`invalid_input`): check the \
    content type, field names and types.";

impl utoipa::Modify for Refusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.post, &mut item.delete].into_iter().flatten() {
                add_answer(operation, "403", FORGERY_REFUSAL);
                if operation.request_body.is_some() {
                    add_answer(operation, "422", UNREADABLE_BODY);
                }
            }
        }
    }
}

/// Adds an error answer to an operation; where the operation already lists
/// that status for its own reasons, this one joins its description.
fn add_answer(operation: &mut utoipa::openapi::path::Operation, status: &str, description: &str) {
    use utoipa::openapi::content::ContentBuilder;
    use utoipa::openapi::response::ResponseBuilder;
    use utoipa::openapi::{Ref, RefOr};
    let responses = &mut operation.responses.responses;
    match responses.get_mut(status) {
        Some(RefOr::T(response)) => {
            response.description = format!("{}. Or: {description}", response.description.trim_end_matches('.'));
        }
        _ => {
            let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
            let response = ResponseBuilder::new().description(description).content("application/json", body);
            responses.insert(status.to_string(), RefOr::T(response.build()));
        }
    }
}

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
    Json(Version { name: "sensate", version: env!("CARGO_PKG_VERSION"), schema_version: sensate_app::schema_version() })
}

pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use axum::http::Method;

    use super::*;
    use crate::routes::{Access, table};

    /// Every API and operations route the router serves is in the OpenAPI
    /// document, with its method; a new undocumented route fails here.
    #[test]
    fn every_api_route_is_documented() {
        let doc = ApiDoc::openapi();
        let documented =
            table().into_iter().filter(|route| matches!(route.access, Access::Api | Access::Ops)).collect::<Vec<_>>();
        assert!(documented.len() >= 3);
        for route in documented {
            let item = doc
                .paths
                .paths
                .get(route.path)
                .unwrap_or_else(|| panic!("{} {} is missing from the OpenAPI document", route.method, route.path));
            let operation = match route.method {
                Method::GET => &item.get,
                Method::POST => &item.post,
                Method::PUT => &item.put,
                Method::PATCH => &item.patch,
                Method::DELETE => &item.delete,
                _ => &None,
            };
            assert!(operation.is_some(), "{} {} is documented without that method", route.method, route.path);
        }
    }

    #[test]
    fn every_api_route_lives_under_the_versioned_prefix() {
        for route in table().into_iter().filter(|route| route.access == Access::Api) {
            assert!(route.path.starts_with("/api/v1/"), "{}", route.path);
        }
    }
}
