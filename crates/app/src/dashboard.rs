//! The first page after sign-in: what each role needs to see today.
use sensate_domain::Role;
pub use sensate_store::{AppointmentView, PracticeSummary, TherapistProfile};

use crate::{Actor, App, AppError};

/// How many upcoming appointments a dashboard lists.
const UPCOMING_LIMIT: i64 = 20;

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub practice_name: Option<String>,
    pub time_zone: jiff::tz::TimeZone,
    pub roles: Vec<Role>,
    /// Owners and admins: the practice at a glance and its therapists.
    pub overview: Option<(PracticeSummary, Vec<TherapistProfile>)>,
    /// Therapists: their own calendar.
    pub clinician_upcoming: Option<Vec<AppointmentView>>,
    /// Clients: the sessions of the cases they belong to.
    pub client_upcoming: Option<Vec<AppointmentView>>,
}

impl App {
    /// Shows each person only what their roles allow: staff see their
    /// practice, therapists their own calendar, clients their own sessions.
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, AppError> {
        let now = self.now();
        let membership = actor.primary_membership();
        let time_zone = membership
            .and_then(|m| jiff::tz::TimeZone::get(&m.practice_time_zone).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC);
        let roles: Vec<Role> = actor.memberships.iter().map(|m| m.role).collect();

        let overview = match membership {
            Some(m) if actor.has_role(Role::Owner) || actor.has_role(Role::Admin) => Some((
                self.store.practice_summary(m.practice_id, now).await?,
                self.store.therapists(m.practice_id).await?,
            )),
            _ => None,
        };
        let clinician_upcoming = if actor.has_role(Role::Clinician) {
            Some(self.store.upcoming_for_clinician(actor.user_id, now, UPCOMING_LIMIT).await?)
        } else {
            None
        };
        let client_upcoming = if actor.has_role(Role::Client) {
            Some(self.store.upcoming_for_client(actor.user_id, now, UPCOMING_LIMIT).await?)
        } else {
            None
        };
        // It lists clients' names and sessions: an access to client data.
        self.audit_actor(
            actor,
            None,
            "view_dashboard",
            "user",
            actor.user_id.to_string(),
            crate::audit::outcome::ALLOWED,
        )
        .await?;
        Ok(Dashboard {
            practice_name: membership.map(|m| m.practice_name.clone()),
            time_zone,
            roles,
            overview,
            clinician_upcoming,
            client_upcoming,
        })
    }
}
