//! The route table: every route Sensate serves, with who may use it.
//! `build` turns it into the axum router; tests read [`table`] to check that
//! every API route is documented and (later) that the authorization matrix
//! covers every route.
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post};

use crate::{
    AppState, api, care, clients, dashboard, directory, identity, middleware, ops, practice, public, scheduling,
    static_files,
};

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
        .get("/", Public, public::home)
        .get("/how-it-works", Public, public::how_it_works)
        .get("/privacy", Public, public::privacy)
        .get("/self-check", Public, public::self_check)
        .get("/therapists", Public, directory::search::search)
        .get("/therapists/{id}", Public, directory::search::profile)
        .get("/therapists/{id}/photo", Public, directory::profiles::public_photo)
        .get("/therapists/{id}/book", Public, scheduling::booking::slots)
        .get("/therapists/{id}/book/details", Public, scheduling::booking::details)
        .get("/therapists/{id}/book/at", Public, scheduling::booking::at_time)
        .post("/therapists/{id}/book", Public, scheduling::booking::submit)
        .get("/bookings/confirm/{token}", Public, scheduling::booking::confirm_page)
        .post("/bookings/confirm/{token}", Public, scheduling::booking::confirm)
        // First start and sign-in
        .get("/setup", Public, identity::auth::setup_form)
        .post("/setup", Public, identity::auth::setup_submit)
        .get("/login", Public, identity::auth::login_form)
        .post("/login", Public, identity::auth::login_submit)
        .post("/logout", SignedIn, identity::auth::logout)
        .get("/forgot-password", Public, identity::auth::forgot_form)
        .post("/forgot-password", Public, identity::auth::forgot_submit)
        .get("/reset-password", Public, identity::auth::reset_form)
        .post("/reset-password", Public, identity::auth::reset_submit)
        .get("/join", Public, identity::auth::join_form)
        .post("/join", Public, identity::auth::join_submit)
        .post("/join/accept", SignedIn, identity::auth::join_accept)
        .get("/outbox", Public, public::outbox)
        .get("/design", Public, public::design)
        // Signed in: own account
        .get("/mfa", SignedIn, identity::account::mfa)
        .post("/mfa/enrol", SignedIn, identity::account::mfa_enrol)
        .post("/mfa/verify", SignedIn, identity::account::mfa_verify)
        .get("/account/password", SignedIn, identity::account::password_form)
        .post("/account/password", SignedIn, identity::account::password_submit)
        .get("/account/practice", SignedIn, identity::account::practices)
        .post("/account/practice", SignedIn, identity::account::choose_practice)
        .get("/me/contact", SignedIn, identity::account::my_contact)
        .post("/me/contact", SignedIn, identity::account::my_contact_submit)
        // Signed in: the practice
        .get("/dashboard", SignedIn, dashboard::dashboard)
        .get("/people", SignedIn, practice::people::people)
        .post("/people/invite", SignedIn, practice::people::invite)
        .post("/people/{id}/disable", SignedIn, practice::people::disable)
        .post("/people/{id}/enable", SignedIn, practice::people::enable)
        .get("/settings", SignedIn, practice::settings::settings)
        .post("/settings", SignedIn, practice::settings::settings_submit)
        .get("/audit", SignedIn, practice::audit::audit)
        .get("/session-types", SignedIn, scheduling::session_types::session_types)
        .post("/session-types", SignedIn, scheduling::session_types::add_session_type)
        .post("/session-types/{id}/withdraw", SignedIn, scheduling::session_types::withdraw_session_type)
        .post("/session-types/{id}/offer", SignedIn, scheduling::session_types::offer_session_type)
        .get("/clients", SignedIn, clients::clients)
        .post("/clients/invite", SignedIn, clients::invite_clients)
        .get("/clients/{id}", SignedIn, clients::client)
        .get("/cases/{id}", SignedIn, care::show)
        .get("/me/consents", SignedIn, care::consents::mine)
        .get("/me/intake", SignedIn, care::intake::mine)
        .get("/me/appointments/{id}", SignedIn, scheduling::appointments::mine)
        .get("/me/messages", SignedIn, care::messages::mine)
        .get("/me/messages/{case}", SignedIn, care::messages::my_thread)
        .post("/me/messages/{case}", SignedIn, care::messages::my_send)
        .get("/cases/{id}/messages", SignedIn, care::messages::case_thread)
        .post("/cases/{id}/messages", SignedIn, care::messages::case_send)
        .get("/messages/attachments/{id}", SignedIn, care::messages::attachment)
        .get("/me/intake/{case}", SignedIn, care::intake::form)
        .post("/me/intake/{case}", SignedIn, care::intake::save)
        .get("/cases/{id}/intake/{client}", SignedIn, care::intake::summary)
        .get("/me/consents/sign", SignedIn, care::consents::sign_form)
        .post("/me/consents/sign", SignedIn, care::consents::sign)
        .get("/consents/signed/{id}", SignedIn, care::consents::signed_copy)
        .get("/consents/signed/{id}/pdf", SignedIn, care::consents::signed_pdf)
        .post("/consents/signed/{id}/revoke", SignedIn, care::consents::revoke)
        .get("/consents", SignedIn, care::consents::documents)
        .post("/consents/{kind}", SignedIn, care::consents::publish)
        .post("/cases/{id}/status", SignedIn, care::change_status)
        .post("/cases/{id}/confidentiality", SignedIn, care::choose_confidentiality)
        .post("/cases/{id}/team", SignedIn, care::add_to_team)
        .post("/cases/{id}/releases", SignedIn, care::ask_release)
        .post("/cases/{id}/team/{user}/remove", SignedIn, care::remove_from_team)
        .post("/clients/{id}/contact", SignedIn, clients::client_contact)
        .post("/clients/{id}/notes", SignedIn, clients::client_note)
        // Signed in: bookable hours
        .get("/availability", SignedIn, scheduling::availability::mine)
        .get("/availability/{id}", SignedIn, scheduling::availability::editor)
        .post("/availability/{id}", SignedIn, scheduling::availability::save)
        .get("/requests", SignedIn, scheduling::booking::requests)
        .post("/requests/{id}/confirm", SignedIn, scheduling::booking::accept_request)
        .post("/requests/{id}/decline", SignedIn, scheduling::booking::decline_request)
        // One appointment: the practice's page, and the client's by the link in their emails.
        .get("/appointments/{id}", SignedIn, scheduling::appointments::show)
        .post("/appointments/{id}/cancel", SignedIn, scheduling::appointments::cancel)
        .post("/appointments/{id}/reschedule", SignedIn, scheduling::appointments::reschedule)
        .post("/appointments/{id}/attendance", SignedIn, scheduling::appointments::attendance)
        .post("/appointments/{id}/attendees", SignedIn, scheduling::appointments::attendees)
        .get("/appointments/manage/{token}", Public, scheduling::appointments::manage)
        .post("/appointments/manage/{token}/cancel", Public, scheduling::appointments::manage_cancel)
        .post("/appointments/manage/{token}/reschedule", Public, scheduling::appointments::manage_reschedule)
        .get("/calendar-feed", SignedIn, scheduling::calendar_feed::show)
        .post("/calendar-feed", SignedIn, scheduling::calendar_feed::create)
        .post("/calendar-feed/revoke", SignedIn, scheduling::calendar_feed::revoke)
        // Signed in: the week and adding appointments (staff; names clients)
        .get("/calendar", SignedIn, scheduling::calendar::show)
        .get("/appointments/new", SignedIn, scheduling::new_appointment::form)
        .post("/appointments/new", SignedIn, scheduling::new_appointment::submit)
        // A secret address calendar apps poll; the token is the credential.
        .get("/calendar/{token}", Public, scheduling::calendar_feed::feed)
        // Signed in: directory profiles and their verification
        .get("/profiles", SignedIn, directory::profiles::overview)
        .get("/profiles/{id}", SignedIn, directory::profiles::editor)
        .post("/profiles/{id}", SignedIn, directory::profiles::save)
        .get("/profiles/{id}/photo", SignedIn, directory::profiles::photo)
        .post("/profiles/{id}/photo", SignedIn, directory::profiles::upload_photo)
        .post("/profiles/{id}/photo/remove", SignedIn, directory::profiles::remove_photo)
        .post("/profiles/{id}/licences", SignedIn, directory::profiles::add_licence)
        .post("/profiles/{id}/certifications", SignedIn, directory::profiles::add_certification)
        .post("/profiles/{id}/credentials/{credential}/verify", SignedIn, directory::profiles::verify)
        .post("/profiles/{id}/credentials/{credential}/remove", SignedIn, directory::profiles::remove_credential)
        // Operations and API
        .get("/healthz", Ops, ops::healthz)
        .get("/readyz", Ops, ops::readyz)
        .get("/api/v1/version", Api, api::version)
        .get("/api/v1/session", Api, identity::api::show)
        .post("/api/v1/session", Api, identity::api::create)
        .delete("/api/v1/session", Api, identity::api::delete)
        .post("/api/v1/session/mfa", Api, identity::api::mfa)
        .post("/api/v1/password", Api, identity::api::change_password)
        .post("/api/v1/password-reset", Api, identity::api::request_reset)
        .post("/api/v1/password-reset/confirm", Api, identity::api::confirm_reset)
        .post("/api/v1/invitations", Api, practice::api::invite_staff)
        .post("/api/v1/client-invitations", Api, practice::api::invite_clients)
        .post("/api/v1/invitations/accept", Api, practice::api::accept)
        .post("/api/v1/accounts/{id}/disable", Api, practice::api::disable)
        .post("/api/v1/accounts/{id}/enable", Api, practice::api::enable)
        .get("/api/v1/audit", Api, practice::api::audit)
        .get("/api/v1/therapists", Api, directory::api::search)
        .get("/api/v1/therapists/{id}/free-times", Api, scheduling::api::free_times)
        .get("/api/v1/therapists/{id}/booking-form", Api, scheduling::api::booking::booking_form)
        .post("/api/v1/therapists/{id}/booking-requests", Api, scheduling::api::booking::request_booking)
        .get("/api/v1/appointments", Api, scheduling::api::appointments::list)
        .get("/api/v1/cases/{id}", Api, care::api::show)
        .get("/api/v1/me/consents", Api, care::api::my_consents)
        .post("/api/v1/me/consents/sign", Api, care::api::sign)
        .post("/api/v1/me/consents/{signature_id}/revoke", Api, care::api::revoke)
        .post("/api/v1/cases/{id}/releases", Api, care::api::ask_release)
        .get("/api/v1/me/intake/{case_id}", Api, care::api::my_intake)
        .post("/api/v1/me/intake/{case_id}", Api, care::api::save_my_intake)
        .get("/api/v1/cases/{id}/intake/{client_id}", Api, care::api::client_intake)
        .get("/api/v1/cases/{id}/messages", Api, care::api::thread)
        .post("/api/v1/cases/{id}/messages", Api, care::api::send_message)
        .post("/api/v1/cases/{id}/status", Api, care::api::change_status)
        .post("/api/v1/cases/{id}/confidentiality", Api, care::api::choose_confidentiality)
        .post("/api/v1/cases/{id}/team", Api, care::api::add_to_team)
        .delete("/api/v1/cases/{id}/team/{user_id}", Api, care::api::remove_from_team)
        .post("/api/v1/appointments/{id}/cancel", Api, scheduling::api::appointments::cancel)
        .post("/api/v1/appointments/{id}/move", Api, scheduling::api::appointments::move_to)
        .get("/api/openapi.json", Asset, api::openapi_json)
        .get("/static/{file}", Asset, static_files::serve)
}

/// Every route, in declaration order.
pub fn table() -> Vec<RouteInfo> {
    declare().routes
}

/// The methods a route may change something with (the table has no
/// others besides GET).
const STATE_CHANGING: [Method; 2] = [Method::POST, Method::DELETE];

/// Whether `method` on the route `path` (as declared, e.g.
/// `/people/{id}/disable`) reaches a handler that may change something:
/// what the anti-forgery check guards. Any other request reaches no such
/// handler — the router answers it (405 with `Allow` for a method the path
/// does not take, 404 for no such path) — so it needs no token.
pub(crate) fn changes_state(method: &Method, path: &str) -> bool {
    static DECLARED: std::sync::LazyLock<Vec<RouteInfo>> = std::sync::LazyLock::new(table);
    STATE_CHANGING.contains(method) && DECLARED.iter().any(|route| route.method == *method && route.path == path)
}

pub(crate) fn build(state: AppState) -> Router {
    let router = declare().router.fallback(public::not_found).method_not_allowed_fallback(public::method_not_allowed);
    middleware::wrap(router, state)
}
