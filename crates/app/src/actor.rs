//! Who is asking. Every use case receives the actor; nothing is decided from
//! URLs or ids alone.
use sensate_domain::policy::{Action, ActorFacts, Decision, Resource, decide};
use sensate_domain::{PracticeId, Role, UserId};
use sensate_store::MembershipRecord;

/// A signed-in person and their roles in each practice.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub display_name: String,
    pub memberships: Vec<MembershipRecord>,
    /// Whether this session has passed the second factor.
    pub mfa_verified: bool,
    /// Where the request came from, for the audit log.
    pub ip: String,
    /// Hash of the session token this actor came with (for sign-out).
    pub(crate) session_hash: String,
    /// The versions read for this request: what was kept in memory may be
    /// used for it while it was kept for these.
    pub(crate) seen: sensate_store::Versions,
    /// The practice this session chose to act in (see [`Actor::acting_membership`]).
    pub(crate) chosen_practice: Option<PracticeId>,
    /// When this session signed in (a signature records whether that was
    /// moments ago).
    pub(crate) signed_in_at: jiff::Timestamp,
}

/// Whether any of these roles is a staff role: staff see other people's
/// records, so they need the second step and have shorter sessions.
pub(crate) fn has_staff_role(memberships: &[MembershipRecord]) -> bool {
    memberships.iter().any(|m| m.role.is_staff())
}

/// What an action is asked about when no record is at hand: menus, links
/// and redirects (see [`Actor::may`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The practice the person acts in, as a whole.
    Practice,
    /// The person's own account in that practice (their own calendar,
    /// hours, profile).
    Themselves,
}

impl Actor {
    /// Whether the policy lets this person take `action` on `scope` in the
    /// practice they act in. For what to offer (menus, links, where a page
    /// sends them): a use case still asks the policy about the record itself,
    /// and records a refusal.
    pub fn may(&self, action: Action, scope: Scope) -> bool {
        let Some(membership) = self.acting_membership() else { return false };
        let practice = membership.practice_id;
        let resource = match scope {
            Scope::Practice => Resource::Practice(practice),
            Scope::Themselves => Resource::Account { practice, user: self.user_id, roles: self.roles_in(practice) },
        };
        decide(&self.facts(), action, &resource) == Decision::Allow
    }

    pub fn is_staff(&self) -> bool {
        has_staff_role(&self.memberships)
    }

    /// Staff who have not passed MFA in this session may not see anything
    /// but the MFA pages (SECURITY.md item 8).
    pub fn needs_mfa(&self) -> bool {
        self.is_staff() && !self.mfa_verified
    }

    /// The facts the authorization policy needs.
    pub fn facts(&self) -> ActorFacts {
        ActorFacts {
            user: self.user_id,
            roles: self.memberships.iter().map(|m| (m.practice_id, m.role)).collect(),
            mfa_verified: self.mfa_verified,
        }
    }

    /// The practice a person works in or is seen at: the one their session
    /// chose among theirs (`/account/practice`), else the first by name.
    /// Every page and use case without a record of its own acts there.
    pub fn acting_membership(&self) -> Option<&MembershipRecord> {
        self.chosen_practice
            .and_then(|chosen| self.memberships.iter().find(|m| m.practice_id == chosen))
            .or_else(|| self.memberships.first())
    }

    /// The id of the practice they act in ([`Self::acting_membership`]).
    pub fn acting_practice(&self) -> Option<PracticeId> {
        self.acting_membership().map(|m| m.practice_id)
    }

    /// Their roles in `practice`.
    pub fn roles_in(&self, practice: PracticeId) -> Vec<Role> {
        self.memberships.iter().filter(|m| m.practice_id == practice).map(|m| m.role).collect()
    }

    /// Their roles in the practice they act in.
    pub fn roles_here(&self) -> Vec<Role> {
        self.acting_practice().map(|here| self.roles_in(here)).unwrap_or_default()
    }

    /// Whether they are staff in the practice they act in (their start
    /// page is a day's work rather than a client's home).
    pub fn is_staff_here(&self) -> bool {
        self.roles_here().iter().any(|r| r.is_staff())
    }

    /// The practices they have a role in, by name, each once.
    pub fn practices(&self) -> Vec<(PracticeId, &str)> {
        let mut practices: Vec<(PracticeId, &str)> = Vec::new();
        for m in &self.memberships {
            if !practices.iter().any(|(id, _)| *id == m.practice_id) {
                practices.push((m.practice_id, m.practice_name.as_str()));
            }
        }
        practices
    }

    /// The clock of the practice they act in; UTC for someone with no role
    /// in any practice (they have no practice's times to see).
    pub fn practice_zone(&self) -> jiff::tz::TimeZone {
        self.acting_membership().map_or(jiff::tz::TimeZone::UTC, |m| m.practice_time_zone.zone().clone())
    }
}
