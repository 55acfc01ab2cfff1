//! What waits for a client to complete, kept between views of their Home
//! page.
//!
//! The Home page lists the consents asked of a client and not signed as
//! they read now, and the intake questions of each open case not sent yet.
//! Working that out reads the client's cases, the practice's documents,
//! their signatures, the releases of each case, whether they attend a
//! session by video and their intake answers: more than the rest of the
//! page together. So a server keeps the outcome, per client and practice,
//! for the versions it was read at — calendar (cases, who is in them,
//! appointments and who attends them), care (documents, signatures,
//! releases, intake answers; migration 29) and identity (names, the
//! practice's zone), each moved inside the changing transaction — and for
//! the practice's day it was read on, since a release not signed is no
//! longer asked once its last day has passed. Only the titles and keys are
//! kept, never the texts.
//!
//! SQLite only: PostgreSQL has neither a calendar nor a care version, and
//! there the list is read for every view.
use jiff::civil::Date;
use sensate_domain::{CaseId, PracticeId, UserId};
use sensate_store::Versions;

use crate::care::intake::IntakeState;
use crate::infra::kept::Kept;
use crate::{Actor, AppError};

/// At most this many clients' lists are kept.
const MOST: usize = 4096;

/// A consent asked of the client and not signed as it reads now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// Its key in addresses and forms ([`super::consents::ConsentRequest::key`]).
    pub key: String,
    pub title: String,
    /// An earlier text of it was signed: this one asks again.
    pub signed_before: bool,
}

/// What waits for a client in the practice they act in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToComplete {
    pub to_sign: Vec<Asked>,
    /// Open cases whose intake questions the client has not sent yet.
    pub intakes_due: Vec<CaseId>,
}

impl ToComplete {
    pub fn is_empty(&self) -> bool {
        self.to_sign.is_empty() && self.intakes_due.is_empty()
    }
}

/// The (calendar, care, identity) versions a list was read at.
type At = (i64, i64, i64);

/// Whose list: a client, in a practice.
type Whose = (UserId, PracticeId);

/// Lists by client and practice, for the versions, each with the
/// practice's day it was read on.
pub(crate) struct KeptToComplete {
    kept: Kept<At, Whose, (Date, ToComplete)>,
}

impl Default for KeptToComplete {
    fn default() -> Self {
        Self { kept: Kept::new(MOST) }
    }
}

/// What a kept list is valid for, if anything can be kept.
fn key(versions: &Versions) -> Option<At> {
    Some((versions.calendar?, versions.care?, versions.identity))
}

impl KeptToComplete {
    fn get(&self, versions: &Versions, whose: Whose, today: Date) -> Option<ToComplete> {
        self.kept.get(key(versions)?, &whose, |(day, _)| *day == today).map(|(_, list)| list)
    }

    fn keep(&self, versions: &Versions, whose: Whose, today: Date, list: &ToComplete) {
        if let Some(key) = key(versions) {
            self.kept.keep(key, whose, (today, list.clone()));
        }
    }
}

impl super::Care<'_> {
    /// What waits for the actor, a client of the practice they act in:
    /// consents to sign and intake questions to answer. Callers check that
    /// the actor may sign consents there.
    pub async fn to_complete(&self, actor: &Actor) -> Result<ToComplete, AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        let today = self.app.now().to_zoned(actor.practice_zone()).date();
        let whose = (actor.user_id, practice);
        if let Some(kept) = self.app.to_complete.get(&actor.seen, whose, today) {
            return Ok(kept);
        }
        let to_sign = self
            .requests_for(practice, actor.user_id)
            .await?
            .into_iter()
            .filter(|r| r.signed.is_none())
            .map(|r| Asked { key: r.key(), title: r.title, signed_before: r.signed_before })
            .collect();
        let intakes_due = self
            .my_intakes(actor)
            .await?
            .into_iter()
            .filter(|(_, state)| !matches!(state, IntakeState::Submitted(_)))
            .map(|(case, _)| case.id)
            .collect();
        let list = ToComplete { to_sign, intakes_due };
        self.app.to_complete.keep(&actor.seen, whose, today, &list);
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(calendar: Option<i64>, care: Option<i64>, identity: i64) -> Versions {
        Versions { calendar, care, identity, ..Versions::default() }
    }

    fn list(title: &str) -> ToComplete {
        ToComplete {
            to_sign: vec![Asked { key: "sex_therapy".into(), title: title.into(), signed_before: false }],
            intakes_due: Vec::new(),
        }
    }

    #[test]
    fn a_list_is_given_back_for_its_versions_and_day_only() {
        let kept = KeptToComplete::default();
        let whose = (UserId::new(), PracticeId::new());
        let today = Date::constant(2026, 12, 7);
        let at = versions(Some(4), Some(9), 2);
        kept.keep(&at, whose, today, &list("Consent to sex therapy"));
        assert_eq!(kept.get(&at, whose, today), Some(list("Consent to sex therapy")));
        assert_eq!(kept.get(&versions(Some(5), Some(9), 2), whose, today), None, "a case or session changed");
        assert_eq!(kept.get(&versions(Some(4), Some(10), 2), whose, today), None, "a signature or document changed");
        assert_eq!(kept.get(&versions(Some(4), Some(9), 3), whose, today), None, "a name or zone changed");
        assert_eq!(kept.get(&at, whose, Date::constant(2026, 12, 8)), None, "a new day: a release may have ended");
        assert_eq!(kept.get(&at, (UserId::new(), whose.1), today), None, "another client");
        assert_eq!(kept.get(&at, (whose.0, PracticeId::new()), today), None, "another practice");
    }

    #[test]
    fn nothing_is_kept_without_both_versions() {
        let kept = KeptToComplete::default();
        let whose = (UserId::new(), PracticeId::new());
        let today = Date::constant(2026, 12, 7);
        for at in [versions(None, None, 1), versions(Some(1), None, 1), versions(None, Some(1), 1)] {
            kept.keep(&at, whose, today, &list("Consent"));
            assert_eq!(kept.get(&at, whose, today), None);
        }
    }
}
