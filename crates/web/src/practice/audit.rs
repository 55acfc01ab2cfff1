//! The audit log as the owner reads it: filtered, newest first, a page at a
//! time, with people's names and plain descriptions. The log itself keeps
//! ids and action names; this page only shows them readably.
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use sensate_app::audit::AuditFilter;
use sensate_domain::policy::Action;

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::ui::{Layout, Notice, render};

#[derive(serde::Deserialize, Default)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    before: Option<i64>,
}

/// What each action the use cases record means, as the log's reader says
/// it. Policy refusals are recorded under the policy's action names, listed
/// from [`Action::ALL`]; an action missing here is shown by its name.
const ACTIONS: &[(&str, &str)] = &[
    ("login", "Signed in"),
    ("logout", "Signed out"),
    ("mfa_enrol", "Set up two-step sign-in"),
    ("mfa_verify", "Passed the second step"),
    ("act_in_practice", "Chose the practice to work in"),
    ("password_change", "Changed their password"),
    ("password_reset_request", "Asked for a password reset"),
    ("send_password_reset", "Was sent a password reset link"),
    ("password_reset", "Reset their password"),
    ("complete_setup", "Set up the practice"),
    ("invite", "Invited someone"),
    ("invitation_accept", "Accepted an invitation"),
    ("send_invitation_account_exists", "Was emailed how to accept an invitation with their account"),
    ("view_people", "Viewed the practice's people"),
    ("disable_account", "Disabled an account"),
    ("enable_account", "Enabled an account"),
    ("edit_settings", "Changed the practice's settings"),
    ("view_audit_log", "Viewed the audit log"),
    ("view_dashboard", "Opened their start page"),
    ("list_clients", "Listed their clients"),
    ("view_client", "Viewed a client's record"),
    ("edit_contact", "Changed contact preferences"),
    ("write_note", "Wrote a private note"),
    ("booking_requested", "A visitor asked for a time"),
    ("booking_email_confirmed", "A visitor confirmed their email"),
    ("booking_refused_as_automated", "A booking form was refused as automated"),
    ("view_booking_requests", "Viewed booking requests"),
    ("confirm_booking", "Confirmed a booking request"),
    ("decline_booking", "Declined a booking request"),
    ("decline_booking_offering_times", "Declined a booking request, offering other times"),
    ("open_case_from_booking", "Opened a case from a booking"),
    ("create_client_from_booking", "Added a client from a booking"),
    ("view_case", "Viewed a case"),
    ("change_case_status", "Changed a case's status"),
    ("choose_confidentiality", "Chose a couple's confidentiality policy"),
    ("add_care_team", "Added someone to a care team"),
    ("remove_care_team", "Took someone off a care team"),
    ("view_consents", "Opened their documents to sign"),
    ("sign_consent", "Signed a consent"),
    ("view_signed_consent", "Opened a signed consent"),
    ("publish_consent", "Published a consent document"),
    ("ask_release", "Asked for a release of information"),
    ("revoke_release", "Revoked a release of information"),
    ("save_intake", "Saved intake answers as a draft"),
    ("submit_intake", "Sent intake answers"),
    ("view_intake", "Opened intake answers"),
    ("view_messages", "Opened a case's messages"),
    ("send_message", "Sent a message"),
    ("send_message_notice", "Was emailed that a message waits"),
    ("view_attachment", "Opened a file sent with a message"),
    ("view_appointment", "Viewed an appointment"),
    ("add_appointments", "Added appointments"),
    ("cancel_appointment", "Cancelled an appointment"),
    ("reschedule_appointment", "Moved an appointment"),
    ("record_attendance", "Recorded whether a session took place"),
    ("change_attendees", "Changed who attends an appointment"),
    ("view_appointment_by_link", "A client opened their appointment link"),
    ("view_own_appointment", "A client opened their appointment from their start page"),
    ("cancel_appointment_by_link", "A client cancelled by their link"),
    ("reschedule_appointment_by_link", "A client moved their appointment by their link"),
    ("send_reminder", "A reminder was sent"),
    ("view_calendar", "Viewed a calendar"),
    ("new_calendar_feed", "Created a calendar feed"),
    ("revoke_calendar_feed", "Revoked a calendar feed"),
    ("read_calendar_feed", "A calendar feed was read"),
    ("edit_availability", "Changed bookable hours"),
    ("add_session_type", "Added a session type"),
    ("offer_session_type", "Offered a session type again"),
    ("withdraw_session_type", "Withdrew a session type"),
    ("view_directory_overview", "Viewed the directory profiles"),
    ("view_profile_editor", "Opened a directory profile"),
    ("edit_profile", "Changed a directory profile"),
    ("edit_photo", "Changed a profile photo"),
    ("remove_photo", "Removed a profile photo"),
    ("add_licence", "Added a licence"),
    ("add_certification", "Added a certification"),
    ("verify_credential", "Verified a credential"),
    ("remove_credential", "Removed a credential"),
];

/// Entries per page: a screenful or two, not thousands of pixels.
const PAGE_SIZE: i64 = 50;

/// How an action is described: from the table, else its name in words.
/// Entries written before the log had one naming style carry a policy
/// action's type name (`ListOwnClients`); they read the same way.
fn describe(action: &str) -> String {
    let snake = to_snake(action);
    if let Some((_, label)) = ACTIONS.iter().find(|(name, _)| *name == snake) {
        return (*label).to_string();
    }
    let words = snake.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn to_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The actions the filter offers, by their description (an allowlist:
/// nothing typed reaches SQL unchecked).
fn filter_actions() -> Vec<(&'static str, String)> {
    let mut actions: Vec<(&'static str, String)> =
        ACTIONS.iter().map(|(name, label)| (*name, (*label).to_string())).collect();
    // A policy action that is also a use case's (disable_account) is one
    // entry; the outcome filter tells allowed from refused.
    for policy in Action::ALL.map(Action::as_str) {
        if !actions.iter().any(|(name, _)| *name == policy) {
            actions.push((policy, format!("Refused: {}", describe(policy).to_lowercase())));
        }
    }
    actions.sort_by(|a, b| a.1.cmp(&b.1));
    actions
}

pub(crate) async fn audit(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let locale = layout.locale;
    let actions = filter_actions();
    let action = actions.iter().find(|(name, _)| *name == query.action).map(|(name, _)| name.to_string());
    let outcome = ["allowed", "denied", "failed"].iter().find(|o| **o == query.outcome).map(|o| o.to_string());
    let notice = (!query.action.is_empty() && action.is_none())
        .then(|| Notice::error("That action is not one the log records; showing every action."));
    let filter = AuditFilter {
        action: action.clone(),
        outcome: outcome.clone(),
        before_seq: query.before,
        limit: PAGE_SIZE,
        ..AuditFilter::default()
    };
    let log = state.app.audit_page(&actor, filter).await?;
    let next_before = (log.entries.len() as i64 == PAGE_SIZE).then(|| log.entries.last().map(|r| r.seq)).flatten();
    let name_of = |id: sensate_domain::UserId| -> String {
        log.names.get(&id).cloned().unwrap_or_else(|| "Someone outside the practice".to_string())
    };
    let rows = log
        .entries
        .iter()
        .map(|r| {
            let record = match (r.event.record_type.as_str(), r.event.record_id.parse()) {
                ("user", Ok(id)) => name_of(id),
                // Refusals counted over a minute: "57 more: route /login".
                ("repeats", _) => r.event.record_id.clone(),
                (kind, _) => kind.replace('_', " "),
            };
            AuditRow {
                seq: r.seq,
                at: locale.when(r.event.at, &log.time_zone),
                actor: r.event.actor_id.map(name_of).unwrap_or_else(|| "A visitor".to_string()),
                action: describe(&r.event.action),
                record,
                ip: r.event.ip.clone(),
                outcome: r.event.outcome.clone(),
            }
        })
        .collect();
    Ok(render(&AuditTemplate {
        layout,
        notice,
        rows,
        action: action.unwrap_or_default(),
        outcome: outcome.unwrap_or_default(),
        actions,
        next_before,
        paged: query.before.is_some(),
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
    pub notice: Option<Notice>,
    pub rows: Vec<AuditRow>,
    pub action: String,
    pub outcome: String,
    /// (name, description) of every action the filter offers.
    pub actions: Vec<(&'static str, String)>,
    pub next_before: Option<i64>,
    /// Whether this is an older page (so "Newest entries" is offered).
    pub paged: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_sentences_in_one_style() {
        assert_eq!(describe("login"), "Signed in");
        assert_eq!(describe("list_own_clients"), "List own clients");
        assert_eq!(describe("ListOwnClients"), "List own clients", "entries written before one naming style");
        let offered = filter_actions();
        assert!(offered.iter().any(|(name, label)| *name == "view_schedule" && label == "Refused: view schedule"));
        let mut names: Vec<_> = offered.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), offered.len(), "each action offered once");
    }
}
