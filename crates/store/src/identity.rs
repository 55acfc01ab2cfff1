//! Accounts beyond sign-in: invitations, password resets, MFA, disabling,
//! session revocation and rate limits.
use crate::engine::RowsAffected as _;
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::{CaseId, PracticeId, Role, UserId};

use crate::{InvitationRecord, InvitationSummary, MfaRecord, NewInvitation, PendingInvitation, PersonRecord, Result};

#[async_trait]
pub trait IdentityStore: Send + Sync {
    async fn mark_session_mfa(&self, token_hash: &str, now: Timestamp) -> Result<()>;
    /// The practice a session acts in from now on.
    async fn set_session_practice(&self, token_hash: &str, practice: PracticeId) -> Result<()>;
    /// Ends every session of a person, except optionally the one in use.
    async fn delete_user_sessions(&self, user: UserId, except: Option<&str>) -> Result<()>;

    async fn insert_invitation(&self, invitation: &NewInvitation) -> Result<()>;
    /// An invitation that is neither accepted nor expired.
    async fn open_invitation(&self, token_hash: &str, now: Timestamp) -> Result<Option<InvitationRecord>>;
    /// Marks an open invitation accepted; false when it is used, expired or
    /// unknown (and then nothing changes).
    async fn spend_invitation(&self, token_hash: &str, now: Timestamp) -> Result<bool>;
    /// People invited into a case who have not accepted yet, by name.
    async fn pending_case_invitations(&self, case: CaseId) -> Result<Vec<PendingInvitation>>;
    /// Sets an account's password hash (an account made for a visitor
    /// gets its first usable one when its invitation is accepted).
    async fn set_password_hash(&self, user: UserId, password_hash: &str) -> Result<()>;
    async fn invitations(&self, practice: PracticeId, limit: i64) -> Result<Vec<InvitationSummary>>;

    async fn insert_password_reset(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// Spends a reset link and sets the new password hash; ends every session
    /// of that person. `None` when the link is unknown, used or expired.
    async fn consume_password_reset(
        &self,
        token_hash: &str,
        now: Timestamp,
        password_hash: &str,
    ) -> Result<Option<UserId>>;
    /// Sets a new password hash and ends every other session.
    async fn change_password(&self, user: UserId, password_hash: &str, keep_session: &str) -> Result<()>;
    async fn password_hash(&self, user: UserId) -> Result<Option<String>>;

    /// Disables (or re-enables) an account; disabling ends its sessions.
    async fn set_disabled(&self, user: UserId, disabled_at: Option<Timestamp>) -> Result<()>;
    /// Disables (or re-enables) a person's roles in one practice; a
    /// disabled role is no role (sign-in and every page leave it out).
    async fn set_membership_disabled(
        &self,
        practice: PracticeId,
        user: UserId,
        disabled_at: Option<Timestamp>,
    ) -> Result<()>;
    /// How many other practices the person has an enabled role in.
    async fn other_practices(&self, practice: PracticeId, user: UserId) -> Result<i64>;
    async fn roles_in(&self, practice: PracticeId, user: UserId) -> Result<Vec<Role>>;
    async fn people(&self, practice: PracticeId) -> Result<Vec<PersonRecord>>;

    async fn mfa(&self, user: UserId) -> Result<Option<MfaRecord>>;
    /// Stores a new, unconfirmed secret (replacing an unconfirmed one).
    async fn put_mfa_secret(&self, user: UserId, secret: &[u8]) -> Result<()>;
    /// Confirms enrolment at `step` and stores the recovery code hashes.
    async fn confirm_mfa(&self, user: UserId, step: i64, now: Timestamp, recovery_hashes: &[String]) -> Result<()>;
    /// Records that a code of `step` was used; false if that step (or a later
    /// one) was used already — so a code works once, even across servers.
    async fn use_mfa_step(&self, user: UserId, step: i64) -> Result<bool>;
    /// Spends a recovery code; false if unknown or used.
    async fn use_recovery_code(&self, user: UserId, code_hash: &str, now: Timestamp) -> Result<bool>;
    async fn unused_recovery_codes(&self, user: UserId) -> Result<i64>;

    /// Counts hits in `bucket` since `since`.
    async fn rate_hits(&self, bucket: &str, since: Timestamp) -> Result<i64>;
    /// Records one attempt (named `attempt`) in each bucket, and forgets
    /// hits older than `forget_before` there.
    async fn record_attempt(
        &self,
        buckets: &[&str],
        attempt: &str,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<()>;
    /// Forgets an attempt in every bucket (it succeeded, or changed nothing).
    async fn forget_attempt(&self, attempt: &str) -> Result<()>;
}

#[async_trait::async_trait]
impl<S> crate::IdentityStore for S
where
    S: crate::engine::Source,
    for<'c> &'c mut crate::engine::Conn<S>: sqlx::Executor<'c, Database = S::Db>,
    for<'q> crate::engine::Args<'q, S>: sqlx::IntoArguments<'q, S::Db>,
    usize: sqlx::ColumnIndex<crate::engine::Row<S>>,
    for<'r> &'r str: sqlx::ColumnIndex<crate::engine::Row<S>>,
    for<'q> i64: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> i32: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> bool: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> String: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> &'q str: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> &'q [u8]: sqlx::Encode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> uuid::Uuid: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Vec<u8>: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> f64: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Option<i64>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<i32>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<f64>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<String>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<uuid::Uuid>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, S::Db>,
    for<'q> Option<&'q [u8]>: sqlx::Encode<'q, S::Db>,
    S::Db: sqlx::database::HasStatementCache,
{
    async fn mark_session_mfa(&self, token_hash: &str, now: jiff::Timestamp) -> crate::Result<()> {
        sqlx::query("UPDATE sessions SET mfa_verified_at = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(crate::shared::secs(now))
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn set_session_practice(&self, token_hash: &str, practice: PracticeId) -> crate::Result<()> {
        sqlx::query("UPDATE sessions SET acting_practice_id = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(practice.as_uuid())
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user: sensate_domain::UserId, except: Option<&str>) -> crate::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user.as_uuid())
            .bind(except.unwrap_or(""))
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn insert_invitation(&self, invitation: &crate::NewInvitation) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO invitations (token_hash, practice_id, email, display_name, role, case_id, invited_by, \
             created_at, expires_at, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&invitation.token_hash)
        .bind(invitation.practice_id.as_uuid())
        .bind(invitation.email.as_str())
        .bind(&invitation.display_name)
        .bind(invitation.role.as_str())
        .bind(invitation.case_id.map(|c| c.as_uuid()))
        .bind(invitation.invited_by.as_uuid())
        .bind(crate::shared::secs(invitation.created_at))
        .bind(crate::shared::secs(invitation.expires_at))
        .bind(invitation.account.map(|a| a.as_uuid()))
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn open_invitation(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
    ) -> crate::Result<Option<crate::InvitationRecord>> {
        #[allow(clippy::type_complexity)]
        let row: Option<(
            uuid::Uuid,
            String,
            String,
            String,
            String,
            Option<uuid::Uuid>,
            Option<uuid::Uuid>,
            i64,
        )> = sqlx::query_as(
            "SELECT i.practice_id, p.name, i.email, i.display_name, i.role, i.case_id, i.user_id, i.expires_at \
             FROM invitations i JOIN practices p ON p.id = i.practice_id \
             WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2",
        )
        .bind(token_hash)
        .bind(crate::shared::secs(now))
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(|(practice, practice_name, email, display_name, role, case_id, account, expires_at)| {
            Ok(crate::InvitationRecord {
                practice_id: sensate_domain::PracticeId::from_uuid(practice),
                practice_name,
                email: crate::shared::email(&email)?,
                display_name,
                role: crate::shared::role(&role)?,
                case_id: case_id.map(sensate_domain::CaseId::from_uuid),
                account: account.map(sensate_domain::UserId::from_uuid),
                expires_at: crate::shared::instant(expires_at)?,
            })
        })
        .transpose()
    }

    async fn spend_invitation(&self, token_hash: &str, now: jiff::Timestamp) -> crate::Result<bool> {
        let spent = sqlx::query(
            "UPDATE invitations SET accepted_at = $2 \
             WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(crate::shared::secs(now))
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(spent == 1)
    }

    async fn pending_case_invitations(
        &self,
        case: sensate_domain::CaseId,
    ) -> crate::Result<Vec<crate::PendingInvitation>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT display_name, expires_at FROM invitations \
             WHERE case_id = $1 AND accepted_at IS NULL AND user_id IS NULL ORDER BY created_at, token_hash",
        )
        .bind(case.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|(display_name, expires_at)| {
                Ok(crate::PendingInvitation { display_name, expires_at: crate::shared::instant(expires_at)? })
            })
            .collect()
    }

    async fn set_password_hash(&self, user: sensate_domain::UserId, password_hash: &str) -> crate::Result<()> {
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user.as_uuid())
            .bind(password_hash)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn invitations(
        &self,
        practice: sensate_domain::PracticeId,
        limit: i64,
    ) -> crate::Result<Vec<crate::InvitationSummary>> {
        let rows: Vec<(String, String, String, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT email, display_name, role, created_at, expires_at, accepted_at FROM invitations \
             WHERE practice_id = $1 ORDER BY created_at DESC, token_hash LIMIT $2",
        )
        .bind(practice.as_uuid())
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|(email, display_name, role, created_at, expires_at, accepted_at)| {
                Ok(crate::InvitationSummary {
                    email: crate::shared::email(&email)?,
                    display_name,
                    role: crate::shared::role(&role)?,
                    created_at: crate::shared::instant(created_at)?,
                    expires_at: crate::shared::instant(expires_at)?,
                    accepted: accepted_at.is_some(),
                })
            })
            .collect()
    }

    async fn insert_password_reset(
        &self,
        token_hash: &str,
        user: sensate_domain::UserId,
        now: jiff::Timestamp,
        expires_at: jiff::Timestamp,
    ) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user.as_uuid())
        .bind(crate::shared::secs(now))
        .bind(crate::shared::secs(expires_at))
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn consume_password_reset(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
        password_hash: &str,
    ) -> crate::Result<Option<sensate_domain::UserId>> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let user: Option<uuid::Uuid> = sqlx::query_scalar(
            "UPDATE password_resets SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id",
        )
        .bind(token_hash)
        .bind(crate::shared::secs(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user) = user else {
            tx.rollback().await?;
            return Ok(None);
        };
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
        // Other reset links of this person stop working too.
        sqlx::query("UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
            .bind(user)
            .bind(crate::shared::secs(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some(sensate_domain::UserId::from_uuid(user)))
    }

    async fn change_password(
        &self,
        user: sensate_domain::UserId,
        password_hash: &str,
        keep_session: &str,
    ) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user.as_uuid())
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user.as_uuid())
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn password_hash(&self, user: sensate_domain::UserId) -> crate::Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.as_uuid())
            .fetch_optional(&mut *self.conn().await?)
            .await?)
    }

    async fn set_disabled(
        &self,
        user: sensate_domain::UserId,
        disabled_at: Option<jiff::Timestamp>,
    ) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1")
            .bind(user.as_uuid())
            .bind(disabled_at.map(crate::shared::secs))
            .execute(&mut *tx)
            .await?;
        if disabled_at.is_some() {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.as_uuid()).execute(&mut *tx).await?;
        }
        crate::engine::Sql::<S>::people_changed_in(&mut tx).await?;
        tx.commit().await?;
        self.scheduling_committed().await;
        Ok(())
    }

    async fn set_membership_disabled(
        &self,
        practice: sensate_domain::PracticeId,
        user: sensate_domain::UserId,
        disabled_at: Option<jiff::Timestamp>,
    ) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query("UPDATE memberships SET disabled_at = $3 WHERE practice_id = $1 AND user_id = $2")
            .bind(practice.as_uuid())
            .bind(user.as_uuid())
            .bind(disabled_at.map(crate::shared::secs))
            .execute(&mut *tx)
            .await?;
        crate::engine::Sql::<S>::people_changed_in(&mut tx).await?;
        tx.commit().await?;
        self.scheduling_committed().await;
        Ok(())
    }

    async fn other_practices(
        &self,
        practice: sensate_domain::PracticeId,
        user: sensate_domain::UserId,
    ) -> crate::Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(DISTINCT practice_id) FROM memberships \
             WHERE user_id = $1 AND practice_id <> $2 AND disabled_at IS NULL",
        )
        .bind(user.as_uuid())
        .bind(practice.as_uuid())
        .fetch_one(&mut *self.conn().await?)
        .await?)
    }

    async fn roles_in(
        &self,
        practice: sensate_domain::PracticeId,
        user: sensate_domain::UserId,
    ) -> crate::Result<Vec<sensate_domain::Role>> {
        let roles: Vec<String> =
            sqlx::query_scalar("SELECT role FROM memberships WHERE practice_id = $1 AND user_id = $2 ORDER BY role")
                .bind(practice.as_uuid())
                .bind(user.as_uuid())
                .fetch_all(&mut *self.conn().await?)
                .await?;
        roles.iter().map(|r| crate::shared::role(r)).collect()
    }

    async fn people(&self, practice: sensate_domain::PracticeId) -> crate::Result<Vec<crate::PersonRecord>> {
        let rows: Vec<(uuid::Uuid, String, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT u.id, u.display_name, u.email, m.role, COALESCE(m.disabled_at, u.disabled_at) FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.practice_id = $1 ORDER BY u.display_name, u.id, m.role",
        )
        .bind(practice.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut people: Vec<crate::PersonRecord> = Vec::new();
        for (id, display_name, email, role, disabled_at) in rows {
            let id = sensate_domain::UserId::from_uuid(id);
            let role = crate::shared::role(&role)?;
            match people.last_mut() {
                Some(last) if last.id == id => last.roles.push(role),
                _ => people.push(crate::PersonRecord {
                    id,
                    display_name,
                    email: crate::shared::email(&email)?,
                    roles: vec![role],
                    disabled: disabled_at.is_some(),
                }),
            }
        }
        Ok(people)
    }

    async fn mfa(&self, user: sensate_domain::UserId) -> crate::Result<Option<crate::MfaRecord>> {
        let row: Option<(Vec<u8>, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT secret, confirmed_at, last_used_step FROM mfa_totp WHERE user_id = $1")
                .bind(user.as_uuid())
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        Ok(row.map(|(secret, confirmed_at, last_used_step)| crate::MfaRecord {
            secret,
            confirmed: confirmed_at.is_some(),
            last_used_step,
        }))
    }

    async fn put_mfa_secret(&self, user: sensate_domain::UserId, secret: &[u8]) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO mfa_totp (user_id, secret) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, confirmed_at = NULL, last_used_step = NULL",
        )
        .bind(user.as_uuid())
        .bind(secret)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn confirm_mfa(
        &self,
        user: sensate_domain::UserId,
        step: i64,
        now: jiff::Timestamp,
        recovery_hashes: &[String],
    ) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query("UPDATE mfa_totp SET confirmed_at = $2, last_used_step = $3 WHERE user_id = $1")
            .bind(user.as_uuid())
            .bind(crate::shared::secs(now))
            .bind(step)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.as_uuid()).execute(&mut *tx).await?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user.as_uuid())
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn use_mfa_step(&self, user: sensate_domain::UserId, step: i64) -> crate::Result<bool> {
        let changed = sqlx::query(
            "UPDATE mfa_totp SET last_used_step = $2 WHERE user_id = $1 \
             AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2)",
        )
        .bind(user.as_uuid())
        .bind(step)
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    async fn use_recovery_code(
        &self,
        user: sensate_domain::UserId,
        code_hash: &str,
        now: jiff::Timestamp,
    ) -> crate::Result<bool> {
        let changed = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user.as_uuid())
        .bind(code_hash)
        .bind(crate::shared::secs(now))
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    async fn unused_recovery_codes(&self, user: sensate_domain::UserId) -> crate::Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user.as_uuid())
            .fetch_one(&mut *self.conn().await?)
            .await?)
    }

    async fn rate_hits(&self, bucket: &str, since: jiff::Timestamp) -> crate::Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM rate_limit_hits WHERE bucket = $1 AND at > $2")
            .bind(bucket)
            .bind(crate::shared::secs(since))
            .fetch_one(&mut *self.conn().await?)
            .await?)
    }

    async fn record_attempt(
        &self,
        buckets: &[&str],
        attempt: &str,
        now: jiff::Timestamp,
        forget_before: jiff::Timestamp,
    ) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        for bucket in buckets {
            sqlx::query("DELETE FROM rate_limit_hits WHERE bucket = $1 AND at <= $2")
                .bind(bucket)
                .bind(crate::shared::secs(forget_before))
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO rate_limit_hits (bucket, at, attempt) VALUES ($1, $2, $3)")
                .bind(bucket)
                .bind(crate::shared::secs(now))
                .bind(attempt)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn forget_attempt(&self, attempt: &str) -> crate::Result<()> {
        sqlx::query("DELETE FROM rate_limit_hits WHERE attempt = $1")
            .bind(attempt)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }
}
