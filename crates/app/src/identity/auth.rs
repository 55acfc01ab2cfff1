//! Signing in and out, and turning a session cookie back into an [`Actor`].
use sensate_domain::policy::{Action, Resource};
use sensate_domain::{Email, PracticeId};

use crate::access::{
    LOGIN_FAILURES, LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_ADDRESS, account_at_ip_bucket, account_bucket,
    ip_bucket,
};
use crate::audit::{Entry, outcome};
use crate::infra::secrets::{new_token, token_hash};
use crate::{Actor, AppError};

/// A session just created: the token goes into the cookie and nowhere else.
pub struct NewSession {
    pub token: String,
}

impl super::Identity<'_> {
    /// Signs a person in. Every failure — unknown email, wrong password,
    /// disabled account — gives the same answer after the same work. After
    /// ten failures in 15 minutes of one account from one address (or 50 of
    /// an account from anywhere, or 100 from one address whatever the
    /// account), further attempts are refused without checking the
    /// password: one person's typos do not lock out an office that shares
    /// an address. When the server
    /// is at its limit of password hashes at once for longer than the pool's
    /// wait, the attempt is refused as busy ([`AppError::Busy`]).
    pub async fn login(&self, email: &str, password: &str, ip: &str) -> Result<NewSession, AppError> {
        let account = account_bucket("login", email);
        let account_here = account_at_ip_bucket("login", email, ip);
        let address = ip_bucket("login", ip);
        let record = match Email::parse(email) {
            Ok(email) => self.app.store.login_record(email.as_str()).await?,
            Err(_) => None,
        };
        let who = record.as_ref().map(|r| r.id);
        let practice = match who {
            Some(user) => self.app.store.memberships(user).await?.first().map(|m| m.practice_id),
            None => None,
        };
        let entry = |outcome| {
            self.app.audit_event(Entry {
                actor: who,
                practice,
                action: "login",
                record_type: "user",
                record_id: who.map(|id| id.to_string()).unwrap_or_else(|| "unknown".into()),
                ip,
                outcome,
            })
        };
        // The turn to check the password comes first; then the attempt is
        // recorded and counted against the limits before the password is
        // checked, so simultaneous guesses cannot all pass a limit. A
        // refusal, busy or limited, is audited like any other attempt.
        let turn = match self.app.passwords.turn().await {
            Ok(turn) => turn,
            Err(busy) => {
                self.app.store.append_audit(vec![entry(outcome::DENIED)]).await?;
                return Err(busy);
            }
        };
        let limits = [
            (&*account_here, LOGIN_FAILURES),
            (&*account, LOGIN_FAILURES_PER_ACCOUNT),
            (&*address, LOGIN_FAILURES_PER_ADDRESS),
        ];
        let attempt = match self.app.attempt(&limits).await {
            Ok(attempt) => attempt,
            Err(limited) => {
                self.app.store.append_audit(vec![entry(outcome::DENIED)]).await?;
                return Err(limited);
            }
        };
        let hash = record.as_ref().map(|r| r.password_hash.clone());
        let matches = turn.verify(password.to_string(), hash).await?;
        let uow = self.app.store.begin_write().await?;
        match record {
            Some(record) if matches && !record.disabled => {
                let session = self.start_session(&*uow, record.id).await?;
                self.app.forget_attempt(&*uow, attempt).await?;
                uow.audit(entry(outcome::ALLOWED));
                uow.commit().await?;
                Ok(session)
            }
            _ => {
                uow.audit(entry(outcome::FAILED));
                uow.commit().await?;
                Err(AppError::InvalidCredentials)
            }
        }
    }

    /// A new sign-in session, written on `on` (the store, or the unit of
    /// work that also records the sign-in).
    pub(crate) async fn start_session(
        &self,
        on: &dyn sensate_store::PracticeStore,
        user: sensate_domain::UserId,
    ) -> Result<NewSession, AppError> {
        let token = new_token();
        on.insert_session(&token_hash(&token), user, self.app.now()).await?;
        Ok(NewSession { token })
    }

    /// The actor behind a session token, if the session is still alive.
    /// Expired sessions are deleted on sight. What a session stands for may
    /// come from this server's memory, for the identity version read afresh
    /// for this request ([`super::sessions`]).
    pub async fn authenticate(&self, token: &str, ip: &str) -> Result<Option<Actor>, AppError> {
        let hash = token_hash(token);
        let seen = self.app.fresh_versions().await?;
        let version = seen.identity;
        let now = self.app.now();
        let signed_in = match self.app.sessions.get(version, &hash) {
            // Kept activity may be behind another server's: end nothing on it.
            Some(kept) if !self.ended(&kept, now) => kept,
            _ => {
                let Some(read) = self.app.store.signed_in(&hash).await? else {
                    return Ok(None);
                };
                if self.ended(&read, now) {
                    self.app.store.delete_session(&hash).await?;
                    return Ok(None);
                }
                self.app.sessions.keep(version, &hash, &read);
                read
            }
        };
        // Record activity at most once a minute: enough for a 30-minute idle
        // limit, without a database write on every request.
        if now.duration_since(signed_in.session.last_seen_at) >= jiff::SignedDuration::from_mins(1) {
            self.app.store.touch_session(&hash, now).await?;
            self.app.sessions.seen(&hash, now);
        }
        let sensate_store::SignedIn { session, user, memberships } = signed_in;
        Ok(Some(Actor {
            user_id: user.id,
            display_name: user.display_name,
            memberships,
            mfa_verified: session.mfa_verified,
            ip: ip.to_string(),
            session_hash: hash,
            seen,
            chosen_practice: session.acting_practice,
            signed_in_at: session.created_at,
        }))
    }

    /// Whether a session has ended: its account disabled, or past the
    /// absolute limit, or idle past the limit for its person (staff sooner).
    fn ended(&self, signed_in: &sensate_store::SignedIn, now: jiff::Timestamp) -> bool {
        let policy = self.app.config.sessions;
        let idle_limit =
            if crate::actor::has_staff_role(&signed_in.memberships) { policy.staff_idle } else { policy.client_idle };
        let session = &signed_in.session;
        signed_in.user.disabled
            || now.duration_since(session.created_at) >= policy.absolute
            || now.duration_since(session.last_seen_at) >= idle_limit
    }

    /// Makes `practice` the one this session acts in, for a person with
    /// roles in several. Refused (and audited) where they have no role.
    pub async fn act_in(&self, actor: &Actor, practice: PracticeId) -> Result<(), AppError> {
        let uow = self.app.store.begin_write().await?;
        let record = ("practice", practice.to_string());
        let uow =
            self.app.authorize_in(uow, actor, Action::ActInPractice, &Resource::Practice(practice), record).await?;
        uow.set_session_practice(&actor.session_hash, practice).await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            Action::ActInPractice.as_str(),
            "practice",
            practice.to_string(),
            outcome::ALLOWED,
        ));
        Ok(uow.commit().await?)
    }

    pub async fn logout(&self, actor: &Actor) -> Result<(), AppError> {
        let uow = self.app.store.begin_write().await?;
        uow.delete_session(&actor.session_hash).await?;
        uow.audit(self.app.actor_event(actor, None, "logout", "user", actor.user_id.to_string(), outcome::ALLOWED));
        Ok(uow.commit().await?)
    }
}
