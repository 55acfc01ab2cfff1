//! The audit log as the owner reads it: filtered, newest first, a page
//! at a time.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use sensate_app::audit::AuditFilter;
use sensate_domain::FieldErrors;

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::ui::{Layout, render};

#[derive(serde::Deserialize, Default)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    before: Option<i64>,
}

/// The actions the filter offers (an allowlist: nothing typed reaches SQL unchecked).
const AUDIT_ACTIONS: &[&str] = &[
    "login",
    "logout",
    "mfa_enrol",
    "mfa_verify",
    "password_change",
    "password_reset_request",
    "password_reset",
    "invite",
    "invitation_accept",
    "view_people",
    "disable_account",
    "enable_account",
    "edit_settings",
    "view_audit_log",
    "list_clients",
    "view_client",
    "edit_contact",
    "write_note",
];

const PAGE_SIZE: i64 = 100;

pub(crate) async fn audit(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let mut errors = FieldErrors::new();
    let action = AUDIT_ACTIONS.iter().find(|a| **a == query.action).map(|a| a.to_string());
    let outcome = ["allowed", "denied", "failed"].iter().find(|o| **o == query.outcome).map(|o| o.to_string());
    if !query.action.is_empty() && action.is_none() {
        errors.add("action", "Unknown action.");
    }
    let filter = AuditFilter {
        action: action.clone(),
        outcome: outcome.clone(),
        before_seq: query.before,
        limit: PAGE_SIZE,
        ..AuditFilter::default()
    };
    let records = state.app.audit_log(&actor, filter).await?;
    let next_before = (records.len() as i64 == PAGE_SIZE).then(|| records.last().map(|r| r.seq)).flatten();
    let rows = records
        .into_iter()
        .map(|r| AuditRow {
            seq: r.seq,
            at: r.event.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            actor: r.event.actor_id.map(|id| id.to_string()).unwrap_or_else(|| "—".into()),
            action: r.event.action,
            record: format!("{} {}", r.event.record_type, r.event.record_id),
            ip: r.event.ip,
            outcome: r.event.outcome,
        })
        .collect();
    Ok(render(&AuditTemplate {
        layout,
        rows,
        action: action.unwrap_or_default(),
        outcome: outcome.unwrap_or_default(),
        actions: AUDIT_ACTIONS.to_vec(),
        next_before,
    })?
    .into_response())
}

#[derive(Debug, Clone)]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub record: String,
    pub ip: String,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "practice/audit/audit.html")]
pub(crate) struct AuditTemplate {
    pub layout: Layout,
    pub rows: Vec<AuditRow>,
    pub action: String,
    pub outcome: String,
    pub actions: Vec<&'static str>,
    pub next_before: Option<i64>,
}
