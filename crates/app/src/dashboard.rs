//! The first page after sign-in: what each role needs to see today.
use sensate_domain::Role;
use sensate_domain::policy::Action;
pub use sensate_store::{AppointmentView, PracticeSummary, TherapistProfile};

use crate::actor::Scope;
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
    /// The practice's date today.
    pub today: jiff::civil::Date,
    /// Therapists: their sessions today still to be held or closed, from the
    /// day's start (so one under way is there).
    pub clinician_today: Option<Vec<AppointmentView>>,
    /// Therapists: their sessions after today.
    pub clinician_upcoming: Option<Vec<AppointmentView>>,
    /// Clients: the sessions they attend.
    pub client_upcoming: Option<Vec<AppointmentView>>,
    /// Clients: the consents waiting for their signature and the intake
    /// questions they have not sent yet.
    pub client_to_complete: Option<crate::care::to_complete::ToComplete>,
    /// Where this person's work is, in the order the page lists it.
    pub tools: Vec<Tool>,
}

/// A place the start page links to. Which ones a person gets is decided
/// by the policy ([`tools`]); the web layer only names and links them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    OwnCalendar,
    PracticeCalendars,
    People,
    DirectoryProfiles,
    SessionTypes,
    PracticeSettings,
    AuditLog,
    OwnClients,
    BookingRequests,
    OwnHours,
    CalendarFeed,
    OwnProfile,
    ContactPreferences,
    /// A client's consents: to sign, and signed.
    OwnConsents,
    /// A client's messages with their care team.
    OwnMessages,
    /// The practice's own versions of its consent documents.
    ConsentDocuments,
    Password,
}

/// The tools `actor` may use, asked of the policy.
pub fn tools(actor: &Actor) -> Vec<Tool> {
    let may = |action, scope| actor.may(action, scope);
    let mut tools = Vec::new();
    if may(Action::ViewSchedule, Scope::Themselves) {
        tools.push(Tool::OwnCalendar);
    } else if may(Action::ViewSchedule, Scope::Practice) {
        tools.push(Tool::PracticeCalendars);
    }
    let manages_directory = may(Action::ManageDirectory, Scope::Practice);
    for (allowed, tool) in [
        (may(Action::InviteStaff, Scope::Practice), Tool::People),
        (manages_directory, Tool::DirectoryProfiles),
        (may(Action::ManageSessionTypes, Scope::Practice), Tool::SessionTypes),
        (may(Action::EditPracticeSettings, Scope::Practice), Tool::PracticeSettings),
        (may(Action::ViewAuditLog, Scope::Practice), Tool::AuditLog),
        (may(Action::ManageConsentDocuments, Scope::Practice), Tool::ConsentDocuments),
        (may(Action::ListOwnClients, Scope::Practice), Tool::OwnClients),
        // Requests, hours and the feed are a therapist's own schedule.
        (may(Action::EditAvailability, Scope::Themselves), Tool::BookingRequests),
        (may(Action::EditAvailability, Scope::Themselves), Tool::OwnHours),
        (may(Action::EditAvailability, Scope::Themselves), Tool::CalendarFeed),
        (!manages_directory && may(Action::EditTherapistProfile, Scope::Themselves), Tool::OwnProfile),
        // A client keeps their own contact preferences.
        (may(Action::ViewOwnCare, Scope::Themselves), Tool::ContactPreferences),
        (may(Action::SignConsent, Scope::Themselves), Tool::OwnConsents),
        (may(Action::ViewOwnCare, Scope::Themselves), Tool::OwnMessages),
    ] {
        if allowed {
            tools.push(tool);
        }
    }
    tools.push(Tool::Password);
    tools
}

impl App {
    /// Shows each person only what their roles allow: staff see their
    /// practice, therapists their own calendar, clients their own sessions.
    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard, AppError> {
        let now = self.now();
        let membership = actor.acting_membership();
        let time_zone = actor.practice_zone();
        let roles = actor.roles_here();

        let overview = match membership {
            Some(m) if actor.may(Action::ViewPracticeOverview, Scope::Practice) => Some((
                self.store.practice_summary(m.practice_id, now).await?,
                self.store.therapists(m.practice_id).await?,
            )),
            _ => None,
        };
        // The practice's day: from its midnight to the next.
        let zoned = now.to_zoned(time_zone.clone());
        let today = zoned.date();
        let start_of_day = zoned.start_of_day().map_err(|e| AppError::Internal(e.to_string()))?.timestamp();
        let next_day =
            zoned.tomorrow().and_then(|t| t.start_of_day()).map_err(|e| AppError::Internal(e.to_string()))?.timestamp();
        let (clinician_today, clinician_upcoming) = if actor.may(Action::ViewSchedule, Scope::Themselves) {
            let sessions = self.store.upcoming_for_clinician(actor.user_id, start_of_day, UPCOMING_LIMIT).await?;
            let (today, later) = sessions.into_iter().partition(|a| a.starts_at < next_day);
            (Some(today), Some(later))
        } else {
            (None, None)
        };
        let client_upcoming = if actor.may(Action::ViewOwnCare, Scope::Themselves) {
            Some(self.coming_sessions_of_client(actor, now).await?)
        } else {
            None
        };
        // What waits for the client to complete: consents not signed as they
        // read now, and the intake questions of each open case until sent.
        let client_to_complete = match membership {
            Some(_) if actor.may(Action::SignConsent, Scope::Themselves) => Some(self.care().to_complete(actor).await?),
            _ => None,
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
            today,
            clinician_today,
            clinician_upcoming,
            client_upcoming,
            client_to_complete,
            tools: tools(actor),
        })
    }

    /// The sessions of every case the client belongs to, from `now` on:
    /// kept between views where the engine has a calendar version
    /// ([`crate::scheduling::coming`]).
    async fn coming_sessions_of_client(
        &self,
        actor: &Actor,
        now: jiff::Timestamp,
    ) -> Result<Vec<AppointmentView>, AppError> {
        if let Some(kept) = self.coming.get(&actor.seen, actor.user_id, now) {
            return Ok(kept);
        }
        let list = self.store.upcoming_for_client(actor.user_id, now, UPCOMING_LIMIT).await?;
        self.coming.keep(&actor.seen, actor.user_id, &list);
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use sensate_domain::{PracticeId, UserId};
    use sensate_store::MembershipRecord;

    use super::*;

    fn actor(roles: &[Role], mfa_verified: bool) -> Actor {
        let practice = PracticeId::new();
        Actor {
            user_id: UserId::new(),
            display_name: "Test Person".into(),
            memberships: roles
                .iter()
                .map(|role| MembershipRecord {
                    practice_id: practice,
                    practice_name: "Test Practice".into(),
                    practice_time_zone: sensate_domain::practice::TimeZoneName::parse("America/New_York").unwrap(),
                    role: *role,
                })
                .collect(),
            mfa_verified,
            ip: "192.0.2.1".into(),
            session_hash: String::new(),
            seen: sensate_store::Versions::default(),
            chosen_practice: None,
            signed_in_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    /// `first` in "A Practice", `second` in "B Practice", acting in `chosen`.
    fn in_two_practices(first: Role, second: Role, chosen: Option<usize>) -> Actor {
        let practices = [PracticeId::new(), PracticeId::new()];
        let membership = |at: usize, role| MembershipRecord {
            practice_id: practices[at],
            practice_name: ["A Practice", "B Practice"][at].into(),
            practice_time_zone: sensate_domain::practice::TimeZoneName::parse("America/New_York").unwrap(),
            role,
        };
        Actor {
            memberships: vec![membership(0, first), membership(1, second)],
            chosen_practice: chosen.map(|at| practices[at]),
            ..actor(&[], true)
        }
    }

    #[test]
    fn tools_are_those_of_the_practice_acted_in() {
        use Tool::*;
        let first = in_two_practices(Role::Clinician, Role::Client, None);
        assert_eq!(first.roles_here(), vec![Role::Clinician], "the first by name until one is chosen");
        assert_eq!(
            tools(&first),
            vec![OwnCalendar, OwnClients, BookingRequests, OwnHours, CalendarFeed, OwnProfile, Password]
        );
        let second = in_two_practices(Role::Clinician, Role::Client, Some(1));
        assert_eq!(second.roles_here(), vec![Role::Client]);
        assert_eq!(
            tools(&second),
            vec![ContactPreferences, OwnConsents, OwnMessages, Password],
            "a client there, nothing of a therapist's"
        );
        assert!(!second.is_staff_here());
        assert!(second.is_staff(), "still staff somewhere: the second step and shorter sessions stay");
        assert_eq!(second.practices().iter().map(|(_, name)| *name).collect::<Vec<_>>(), ["A Practice", "B Practice"]);
    }

    #[test]
    fn each_role_gets_the_tools_the_policy_allows() {
        use Tool::*;
        assert_eq!(
            tools(&actor(&[Role::Owner], true)),
            vec![
                PracticeCalendars,
                People,
                DirectoryProfiles,
                SessionTypes,
                PracticeSettings,
                AuditLog,
                ConsentDocuments,
                Password
            ]
        );
        assert_eq!(
            tools(&actor(&[Role::Admin], true)),
            vec![PracticeCalendars, People, DirectoryProfiles, SessionTypes, ConsentDocuments, Password]
        );
        assert_eq!(
            tools(&actor(&[Role::Clinician], true)),
            vec![OwnCalendar, OwnClients, BookingRequests, OwnHours, CalendarFeed, OwnProfile, Password]
        );
        // An owner who also sees clients keeps their own calendar and manages
        // every profile rather than only their own.
        assert_eq!(
            tools(&actor(&[Role::Owner, Role::Clinician], true)),
            vec![
                OwnCalendar,
                People,
                DirectoryProfiles,
                SessionTypes,
                PracticeSettings,
                AuditLog,
                ConsentDocuments,
                OwnClients,
                BookingRequests,
                OwnHours,
                CalendarFeed,
                Password
            ]
        );
        assert_eq!(tools(&actor(&[Role::Client], false)), vec![ContactPreferences, OwnConsents, OwnMessages, Password]);
    }

    #[test]
    fn staff_before_the_second_step_are_offered_nothing_of_the_practice() {
        assert_eq!(tools(&actor(&[Role::Owner, Role::Clinician], false)), vec![Tool::Password]);
        assert!(!actor(&[Role::Admin], false).may(Action::ViewSchedule, Scope::Practice));
    }

    #[test]
    fn nobody_without_a_practice_may_anything() {
        let nobody = actor(&[], true);
        assert!(!nobody.may(Action::ViewSchedule, Scope::Themselves));
        assert_eq!(tools(&nobody), vec![Tool::Password]);
    }
}
