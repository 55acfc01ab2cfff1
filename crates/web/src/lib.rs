//! Sensate's HTTP surface. Handlers translate HTTP into use cases of
//! `sensate_app` and their results into pages or JSON; they never touch SQL.
//!
//! Every route is declared in [`routes::table`] with who may use it, and the
//! router is built from that table, so tests can enumerate every route.
//!
//! Code is laid out by area, as in `sensate_app` and `sensate_store`: each
//! area's module holds its handlers, their view models and, beside them,
//! their templates. `ui` is what every page shares.
mod api;
mod care;
mod clients;
mod context;
mod cookies;
mod dashboard;
mod directory;
mod error;
mod form;
mod identity;
mod middleware;
mod ops;
mod pdf;
mod practice;
pub mod proxy;
mod public;
mod qr;
pub mod routes;
mod scheduling;
mod static_files;
mod ui;

use sensate_app::App;

pub use api::ApiDoc;
pub use routes::{Access, RouteInfo};

/// How the site is reached, which decides cookie names and flags.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address people use, e.g. `https://therapy.example.org`.
    pub base_url: String,
    /// Reverse proxies whose `X-Forwarded-For` names the client
    /// (`--trusted-proxies`); none by default.
    pub trusted_proxies: Vec<proxy::Cidr>,
}

impl WebConfig {
    /// Over TLS cookies get `Secure` and the `__Host-` prefix, and HSTS is sent.
    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

/// What every handler can reach. Cloned for every request by each layer
/// and extractor, so it is one `Arc`: a clone is one atomic increment.
pub type AppState = std::sync::Arc<Shared>;

pub struct Shared {
    pub app: App,
    pub web: WebConfig,
    /// In the demo, sent mail is kept here and shown at `/outbox`.
    pub outbox: Option<std::sync::Arc<sensate_app::infra::mailer::OutboxMailer>>,
}

/// The complete application: routes, fallback and middleware.
pub fn router(state: AppState) -> axum::Router {
    routes::build(state)
}
