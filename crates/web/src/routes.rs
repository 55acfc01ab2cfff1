//! The route table: every route Sensate serves, with who may use it.
//! `build` turns it into the axum router; tests read [`table`] to check that
//! every API route is documented and (later) that the authorization matrix
//! covers every route.
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post};

use crate::{AppState, api, middleware, ops, pages, static_files};

/// Who may call a route. Deny by default: a route is only reachable by the
/// audience it declares, and handlers of signed-in routes require an actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: public pages and forms.
    Public,
    /// A signed-in person; the use case decides what they may see.
    SignedIn,
    /// Operations probes: no data beyond up/ready. Documented in OpenAPI.
    Ops,
    /// The JSON API under `/api/v1`. Documented in OpenAPI.
    Api,
    /// The OpenAPI document itself and static assets.
    Asset,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

struct Table {
    router: Router<AppState>,
    routes: Vec<RouteInfo>,
}

impl Table {
    fn add(mut self, method: Method, path: &'static str, access: Access, route: MethodRouter<AppState>) -> Self {
        self.routes.push(RouteInfo { method, path, access });
        self.router = self.router.route(path, route);
        self
    }

    fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, access: Access, handler: H) -> Self {
        self.add(Method::GET, path, access, get(handler))
    }

    fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, access: Access, handler: H) -> Self {
        self.add(Method::POST, path, access, post(handler))
    }

    fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, access: Access, handler: H) -> Self {
        self.add(Method::DELETE, path, access, delete(handler))
    }
}

fn declare() -> Table {
    use Access::*;
    Table { router: Router::new(), routes: Vec::new() }
        // Visitors
        .get("/", Public, pages::public::home)
        .get("/how-it-works", Public, pages::public::how_it_works)
        .get("/privacy", Public, pages::public::privacy)
        .get("/self-check", Public, pages::public::self_check)
        .get("/therapists", Public, pages::directory::search)
        .get("/therapists/{id}", Public, pages::directory::profile)
        .get("/therapists/{id}/photo", Public, pages::profiles::public_photo)
        .get("/therapists/{id}/book", Public, pages::booking::slots)
        .get("/therapists/{id}/book/details", Public, pages::booking::details)
        .post("/therapists/{id}/book", Public, pages::booking::submit)
        .get("/bookings/confirm/{token}", Public, pages::booking::confirm_page)
        .post("/bookings/confirm/{token}", Public, pages::booking::confirm)
        // First start and sign-in
        .get("/setup", Public, pages::auth::setup_form)
        .post("/setup", Public, pages::auth::setup_submit)
        .get("/login", Public, pages::auth::login_form)
        .post("/login", Public, pages::auth::login_submit)
        .post("/logout", SignedIn, pages::auth::logout)
        .get("/forgot-password", Public, pages::auth::forgot_form)
        .post("/forgot-password", Public, pages::auth::forgot_submit)
        .get("/reset-password", Public, pages::auth::reset_form)
        .post("/reset-password", Public, pages::auth::reset_submit)
        .get("/join", Public, pages::auth::join_form)
        .post("/join", Public, pages::auth::join_submit)
        .get("/outbox", Public, pages::public::outbox)
        // Signed in: own account
        .get("/mfa", SignedIn, pages::account::mfa)
        .post("/mfa/enrol", SignedIn, pages::account::mfa_enrol)
        .post("/mfa/verify", SignedIn, pages::account::mfa_verify)
        .get("/account/password", SignedIn, pages::account::password_form)
        .post("/account/password", SignedIn, pages::account::password_submit)
        .get("/me/contact", SignedIn, pages::account::my_contact)
        .post("/me/contact", SignedIn, pages::account::my_contact_submit)
        // Signed in: the practice
        .get("/dashboard", SignedIn, pages::clinic::dashboard)
        .get("/people", SignedIn, pages::admin::people)
        .post("/people/invite", SignedIn, pages::admin::invite)
        .post("/people/{id}/disable", SignedIn, pages::admin::disable)
        .post("/people/{id}/enable", SignedIn, pages::admin::enable)
        .get("/settings", SignedIn, pages::admin::settings)
        .post("/settings", SignedIn, pages::admin::settings_submit)
        .get("/audit", SignedIn, pages::admin::audit)
        .get("/session-types", SignedIn, pages::admin::session_types)
        .post("/session-types", SignedIn, pages::admin::add_session_type)
        .post("/session-types/{id}/withdraw", SignedIn, pages::admin::withdraw_session_type)
        .post("/session-types/{id}/offer", SignedIn, pages::admin::offer_session_type)
        .get("/clients", SignedIn, pages::clinic::clients)
        .post("/clients/invite", SignedIn, pages::clinic::invite_clients)
        .get("/clients/{id}", SignedIn, pages::clinic::client)
        .post("/clients/{id}/contact", SignedIn, pages::clinic::client_contact)
        .post("/clients/{id}/notes", SignedIn, pages::clinic::client_note)
        // Signed in: bookable hours
        .get("/availability", SignedIn, pages::availability::mine)
        .get("/availability/{id}", SignedIn, pages::availability::editor)
        .post("/availability/{id}", SignedIn, pages::availability::save)
        .get("/requests", SignedIn, pages::booking::requests)
        .post("/requests/{id}/confirm", SignedIn, pages::booking::accept_request)
        .post("/requests/{id}/decline", SignedIn, pages::booking::decline_request)
        // One appointment: the practice's page, and the client's by the link in their emails.
        .get("/appointments/{id}", SignedIn, pages::appointments::show)
        .post("/appointments/{id}/cancel", SignedIn, pages::appointments::cancel)
        .post("/appointments/{id}/reschedule", SignedIn, pages::appointments::reschedule)
        .post("/appointments/{id}/attendance", SignedIn, pages::appointments::attendance)
        .get("/appointments/manage/{token}", Public, pages::appointments::manage)
        .post("/appointments/manage/{token}/cancel", Public, pages::appointments::manage_cancel)
        .post("/appointments/manage/{token}/reschedule", Public, pages::appointments::manage_reschedule)
        .get("/calendar-feed", SignedIn, pages::calendar_feed::show)
        .post("/calendar-feed", SignedIn, pages::calendar_feed::create)
        .post("/calendar-feed/revoke", SignedIn, pages::calendar_feed::revoke)
        // Signed in: the week and adding appointments (staff; names clients)
        .get("/calendar", SignedIn, pages::calendar::show)
        .get("/appointments/new", SignedIn, pages::new_appointment::form)
        .post("/appointments/new", SignedIn, pages::new_appointment::submit)
        // A secret address calendar apps poll; the token is the credential.
        .get("/calendar/{token}", Public, pages::calendar_feed::feed)
        // Signed in: directory profiles and their verification
        .get("/profiles", SignedIn, pages::profiles::overview)
        .get("/profiles/{id}", SignedIn, pages::profiles::editor)
        .post("/profiles/{id}", SignedIn, pages::profiles::save)
        .get("/profiles/{id}/photo", SignedIn, pages::profiles::photo)
        .post("/profiles/{id}/photo", SignedIn, pages::profiles::upload_photo)
        .post("/profiles/{id}/photo/remove", SignedIn, pages::profiles::remove_photo)
        .post("/profiles/{id}/licences", SignedIn, pages::profiles::add_licence)
        .post("/profiles/{id}/certifications", SignedIn, pages::profiles::add_certification)
        .post("/profiles/{id}/credentials/{credential}/verify", SignedIn, pages::profiles::verify)
        .post("/profiles/{id}/credentials/{credential}/remove", SignedIn, pages::profiles::remove_credential)
        // Operations and API
        .get("/healthz", Ops, ops::healthz)
        .get("/readyz", Ops, ops::readyz)
        .get("/api/v1/version", Api, api::version)
        .get("/api/v1/session", Api, api::session::show)
        .post("/api/v1/session", Api, api::session::create)
        .delete("/api/v1/session", Api, api::session::delete)
        .post("/api/v1/session/mfa", Api, api::session::mfa)
        .post("/api/v1/password", Api, api::session::change_password)
        .post("/api/v1/password-reset", Api, api::session::request_reset)
        .post("/api/v1/password-reset/confirm", Api, api::session::confirm_reset)
        .post("/api/v1/invitations", Api, api::accounts::invite_staff)
        .post("/api/v1/client-invitations", Api, api::accounts::invite_clients)
        .post("/api/v1/invitations/accept", Api, api::accounts::accept)
        .post("/api/v1/accounts/{id}/disable", Api, api::accounts::disable)
        .post("/api/v1/accounts/{id}/enable", Api, api::accounts::enable)
        .get("/api/v1/audit", Api, api::accounts::audit)
        .get("/api/v1/therapists", Api, api::directory::search)
        .get("/api/openapi.json", Asset, api::openapi_json)
        .get("/static/{file}", Asset, static_files::serve)
}

/// Every route, in declaration order.
pub fn table() -> Vec<RouteInfo> {
    declare().routes
}

pub(crate) fn build(state: AppState) -> Router {
    let router = declare().router.fallback(pages::public::not_found);
    middleware::wrap(router, state)
}
