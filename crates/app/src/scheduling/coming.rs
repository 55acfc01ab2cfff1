//! A client's coming sessions, kept between views of their Home page.
//!
//! The Home page lists the sessions of every case the client belongs to.
//! With the session kept in memory ([`crate::identity::sessions`]) that
//! list was the page's one read besides its audit entry, so a server keeps
//! it, for the calendar and identity versions the request read (names come
//! from accounts). Every change to appointments, cases or who is in them
//! moves the calendar version inside the changing transaction (migration
//! 20), so a kept list is exactly what a query would return — until one of
//! its sessions begins, when the list "from now on" would drop it and
//! perhaps show one more, so it is read again.
//!
//! SQLite only: PostgreSQL has no calendar version ([`Versions::calendar`]),
//! and there the list is read for every view.
use jiff::Timestamp;
use sensate_domain::UserId;
use sensate_store::{AppointmentView, Versions};

use crate::infra::kept::Kept;

/// At most this many clients' lists are kept.
const MOST: usize = 4096;

/// Lists by client, for the (calendar, identity) versions.
pub(crate) struct KeptComing {
    kept: Kept<(i64, i64), UserId, Vec<AppointmentView>>,
}

impl Default for KeptComing {
    fn default() -> Self {
        Self { kept: Kept::new(MOST) }
    }
}

/// What a kept list is valid for, if anything can be kept.
fn key(versions: &Versions) -> Option<(i64, i64)> {
    versions.calendar.map(|calendar| (calendar, versions.identity))
}

impl KeptComing {
    /// The client's list read at `versions`, while none of its sessions
    /// has begun at `now`.
    pub(crate) fn get(&self, versions: &Versions, client: UserId, now: Timestamp) -> Option<Vec<AppointmentView>> {
        let not_begun = |list: &Vec<AppointmentView>| list.iter().all(|session| session.starts_at >= now);
        self.kept.get(key(versions)?, &client, not_begun)
    }

    /// Keeps a list read after the versions were `versions`.
    pub(crate) fn keep(&self, versions: &Versions, client: UserId, list: &[AppointmentView]) {
        if let Some(key) = key(versions) {
            self.kept.keep(key, client, list.to_vec());
        }
    }
}

#[cfg(test)]
mod tests {
    use sensate_domain::AppointmentId;
    use sensate_domain::scheduling::{AppointmentStatus, CaseKind, SessionFormat};

    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn session(starts: &str) -> AppointmentView {
        AppointmentView {
            id: AppointmentId::new(),
            starts_at: at(starts),
            ends_at: at(starts) + jiff::SignedDuration::from_mins(50),
            time_zone: sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
            format: SessionFormat::Telehealth,
            status: AppointmentStatus::Confirmed,
            case_kind: CaseKind::Individual,
            clinician_name: "Dr. Rivera".into(),
            client_names: vec!["Jordan".into()],
            partners_own: false,
        }
    }

    fn versions(calendar: Option<i64>, identity: i64) -> Versions {
        Versions { calendar, identity, ..Versions::default() }
    }

    #[test]
    fn a_kept_list_holds_for_its_versions_until_a_session_begins() {
        let kept = KeptComing::default();
        let client = UserId::new();
        let list = vec![session("2026-12-08T15:00:00Z"), session("2026-12-15T15:00:00Z")];
        let now = at("2026-12-07T12:00:00Z");
        kept.keep(&versions(Some(4), 2), client, &list);
        assert_eq!(kept.get(&versions(Some(4), 2), client, now), Some(list.clone()));
        assert_eq!(kept.get(&versions(Some(5), 2), client, now), None, "appointments changed since");
        assert_eq!(kept.get(&versions(Some(4), 3), client, now), None, "a name or a role changed since");
        assert_eq!(kept.get(&versions(Some(4), 2), UserId::new(), now), None, "another client");
        assert_eq!(kept.get(&versions(Some(4), 2), client, at("2026-12-08T15:00:00Z")), Some(list), "not begun yet");
        assert_eq!(kept.get(&versions(Some(4), 2), client, at("2026-12-08T15:00:01Z")), None, "the first has begun");
    }

    #[test]
    fn nothing_is_kept_without_a_calendar_version_or_against_older_versions() {
        let kept = KeptComing::default();
        let client = UserId::new();
        let now = at("2026-12-07T12:00:00Z");
        kept.keep(&versions(None, 1), client, &[]);
        assert_eq!(kept.get(&versions(None, 1), client, now), None, "PostgreSQL reads every time");
        kept.keep(&versions(Some(7), 1), client, &[]);
        kept.keep(&versions(Some(6), 1), UserId::new(), &[]);
        assert_eq!(kept.get(&versions(Some(7), 1), client, now), Some(Vec::new()), "an empty list is kept too");
        assert_eq!(kept.kept.len(), 1, "the older read was not kept");
    }
}
