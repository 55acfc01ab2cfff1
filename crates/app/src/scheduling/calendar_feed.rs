//! A clinician's private calendar feed: a secret address their calendar
//! app polls, showing their upcoming sessions with clients' initials only.
//! The address is shown once when made; only its hash is stored. Making a
//! new one stops the old; revoking stops it altogether.
use jiff::{SignedDuration, Timestamp};
use sensate_domain::Role;
use sensate_domain::scheduling::calendar::{FeedEvent, feed};

use crate::audit::{Entry, outcome};
use crate::infra::secrets::{new_token, token_hash};
use crate::{Actor, AppError};

/// How far back the feed goes, so this week's past sessions stay visible.
const FEED_PAST_DAYS: i64 = 30;
/// The most sessions one feed lists.
const FEED_MAX_EVENTS: i64 = 500;

impl super::Scheduling<'_> {
    /// When the actor's current feed address was made, if there is one.
    pub async fn calendar_feed_since(&self, actor: &Actor) -> Result<Option<Timestamp>, AppError> {
        self.own_availability(actor).await?;
        Ok(self.app.store.calendar_feed_since(actor.user_id).await?)
    }

    /// A new secret feed address for the actor (the token part), replacing any old one.
    pub async fn new_calendar_feed(&self, actor: &Actor) -> Result<String, AppError> {
        let practice = self.own_availability(actor).await?;
        let token = new_token();
        let uow = self.app.store.begin_write().await?;
        uow.set_calendar_feed(actor.user_id, &token_hash(&token), self.app.now()).await?;
        let id = actor.user_id.to_string();
        uow.audit(self.app.actor_event(actor, Some(practice), "new_calendar_feed", "user", id, outcome::ALLOWED));
        uow.commit().await?;
        Ok(token)
    }

    pub async fn revoke_calendar_feed(&self, actor: &Actor) -> Result<(), AppError> {
        let practice = self.own_availability(actor).await?;
        let uow = self.app.store.begin_write().await?;
        uow.remove_calendar_feed(actor.user_id).await?;
        let id = actor.user_id.to_string();
        uow.audit(self.app.actor_event(actor, Some(practice), "revoke_calendar_feed", "user", id, outcome::ALLOWED));
        Ok(uow.commit().await?)
    }

    /// The feed a token opens, as iCalendar text; `None` for an unknown or
    /// revoked token, and while its owner is not an active therapist (the
    /// account disabled, or no enabled therapist role left). Every read is
    /// audited under the clinician.
    pub async fn calendar_feed(&self, token: &str, ip: &str) -> Result<Option<String>, AppError> {
        let Some(clinician) = self.app.store.calendar_feed_owner(&token_hash(token)).await? else { return Ok(None) };
        let enabled = self.app.store.user(clinician).await?.is_some_and(|u| !u.disabled);
        let memberships = self.app.store.memberships(clinician).await?;
        if !enabled || !memberships.iter().any(|m| m.role == Role::Clinician) {
            return Ok(None);
        }
        let now = self.app.now();
        let appointments = self
            .app
            .store
            .upcoming_for_clinician(clinician, now - SignedDuration::from_hours(24 * FEED_PAST_DAYS), FEED_MAX_EVENTS)
            .await?;
        let events: Vec<FeedEvent> = appointments
            .into_iter()
            .map(|a| FeedEvent {
                uid: format!("{}@sensate", a.id),
                start: a.starts_at,
                end: a.ends_at,
                format: a.format,
                status: a.status,
                client_names: a.client_names,
            })
            .collect();
        let practice = memberships.first().map(|m| m.practice_id);
        self.app
            .audit(Entry {
                actor: Some(clinician),
                practice,
                action: "read_calendar_feed",
                record_type: "user",
                record_id: clinician.to_string(),
                ip,
                outcome: outcome::ALLOWED,
            })
            .await?;
        Ok(Some(feed("Sensate sessions", &events, now)))
    }
}
