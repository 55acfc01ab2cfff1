//! Who is signed in, kept between requests.
//!
//! Every signed-in request needs its session, its person and their roles.
//! That is one query, yet under load it cost more than the rest of a page,
//! so a server keeps what it read, for the identity version it read it at.
//! Every change that could alter what a session stands for — signing out,
//! the second step, an account's name, password or disabling, a role given
//! or ended, a practice's name or zone — moves that version inside its own
//! transaction (the triggers of migration 19), and each request reads the
//! version afresh, from a query that began after it arrived
//! ([`crate::infra::versions`]). So a session ended on any server is never
//! honoured here once the end has committed, exactly as with a query per
//! request.
//!
//! Activity is the one thing that moves without the version (a session is
//! touched at most once a minute, on whichever server it is used): what
//! was kept may be behind it, so a kept session that looks idle or too old
//! is read again before it is ended.
use sensate_store::SignedIn;

use crate::infra::kept::Kept;

/// At most this many sessions are kept (each entry is a few hundred bytes).
const MOST: usize = 4096;

/// Sessions by the hash of their token, for the identity version.
pub(crate) struct SessionCache {
    kept: Kept<i64, String, SignedIn>,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self { kept: Kept::new(MOST) }
    }
}

impl SessionCache {
    /// What was kept for this session, if it was read at `version`.
    pub(crate) fn get(&self, version: i64, token_hash: &str) -> Option<SignedIn> {
        self.kept.get(version, token_hash, |_| true)
    }

    /// Keeps a session read after the identity version was `version`.
    pub(crate) fn keep(&self, version: i64, token_hash: &str, signed_in: &SignedIn) {
        self.kept.keep(version, token_hash.to_string(), signed_in.clone());
    }

    /// Notes activity that was just recorded in the database.
    pub(crate) fn seen(&self, token_hash: &str, at: jiff::Timestamp) {
        self.kept.update(token_hash, |entry| entry.session.last_seen_at = at);
    }
}

#[cfg(test)]
mod tests {
    use sensate_domain::{Email, UserId};
    use sensate_store::{SessionRecord, UserRecord};

    use super::*;

    fn signed_in(name: &str) -> SignedIn {
        let at: jiff::Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
        let id = UserId::new();
        SignedIn {
            session: SessionRecord {
                user_id: id,
                created_at: at,
                last_seen_at: at,
                mfa_verified: false,
                acting_practice: None,
            },
            user: UserRecord {
                id,
                email: Email::parse("robin@example.org").unwrap(),
                display_name: name.into(),
                disabled: false,
            },
            memberships: Vec::new(),
        }
    }

    #[test]
    fn a_kept_session_is_given_only_for_the_version_it_was_read_at() {
        let cache = SessionCache::default();
        cache.keep(3, "a", &signed_in("Robin"));
        assert_eq!(cache.get(3, "a").map(|s| s.user.display_name), Some("Robin".into()));
        assert!(cache.get(3, "b").is_none(), "never kept");
        assert!(cache.get(4, "a").is_none(), "something changed since");
        // A newer version starts afresh; an older read is not kept over it.
        cache.keep(4, "b", &signed_in("Sam"));
        assert!(cache.get(4, "a").is_none());
        cache.keep(3, "a", &signed_in("Robin"));
        assert!(cache.get(3, "a").is_none() && cache.get(4, "a").is_none());
        assert!(cache.get(4, "b").is_some());
    }

    #[test]
    fn activity_is_noted_and_the_number_kept_is_bounded() {
        let cache = SessionCache::default();
        cache.keep(1, "a", &signed_in("Robin"));
        let later: jiff::Timestamp = "2026-03-01T12:05:00Z".parse().unwrap();
        cache.seen("a", later);
        assert_eq!(cache.get(1, "a").map(|s| s.session.last_seen_at), Some(later));
        for n in 0..MOST + 10 {
            cache.keep(1, &n.to_string(), &signed_in("Someone"));
        }
        assert!(cache.kept.len() <= MOST);
    }
}
