//! Practices, people, sign-in sessions and the first clinical rows (cases,
//! appointments, upcoming lists): the repository every area leans on.
use jiff::Timestamp;
use sensate_domain::{CaseId, PracticeId, UserId};

use crate::Result;
use crate::engine::RowsAffected as _;
use crate::records::*;

/// Practices, people, sign-in sessions and the first clinical rows: what
/// every area leans on.
#[async_trait::async_trait]
pub trait PracticeStore: Send + Sync {
    /// The newest migration applied (0 for an empty database).
    async fn applied_migration(&self) -> Result<i64>;
    /// Every table and its columns, sorted: lets tests compare the engines' schemas.
    async fn table_columns(&self) -> Result<Vec<(String, String)>>;

    async fn meta_get(&self, key: &str) -> Result<Option<String>>;
    async fn meta_set(&self, key: &str, value: &str) -> Result<()>;
    /// Stores the value only if the key has none yet; true when it did.
    async fn meta_put_new(&self, key: &str, value: &str) -> Result<bool>;

    // --- first start ---------------------------------------------------
    async fn practice_count(&self) -> Result<i64>;
    /// Replaces any earlier set-up token: only the newest printed link works.
    async fn replace_setup_token(&self, token_hash: &str, now: Timestamp, expires_at: Timestamp) -> Result<()>;
    async fn setup_token_is_valid(&self, token_hash: &str, now: Timestamp) -> Result<bool>;
    /// Spends the set-up token; false when it is unknown, expired or used
    /// (and then nothing changes).
    async fn spend_setup_token(&self, token_hash: &str, now: Timestamp) -> Result<bool>;

    // --- people --------------------------------------------------------
    async fn insert_practice(&self, practice: &NewPractice) -> Result<()>;
    async fn practice(&self, id: PracticeId) -> Result<Option<PracticeRecord>>;
    /// Fails with [`StoreError::EmailTaken`] when the address already has an account.
    async fn insert_user(&self, user: &NewUser) -> Result<()>;
    /// Creates the account unless the address has one; false when it has
    /// (also when another transaction made it meanwhile: this one waits for
    /// it rather than failing).
    async fn insert_user_if_new(&self, user: &NewUser) -> Result<bool>;
    /// Gives the person the role in the practice (nothing changes when
    /// they hold it already).
    async fn insert_membership(
        &self,
        practice: PracticeId,
        user: UserId,
        role: sensate_domain::Role,
        now: Timestamp,
    ) -> Result<()>;
    async fn login_record(&self, email: &str) -> Result<Option<LoginRecord>>;
    async fn user(&self, id: UserId) -> Result<Option<UserRecord>>;
    async fn memberships(&self, user: UserId) -> Result<Vec<MembershipRecord>>;

    // --- sessions ------------------------------------------------------
    async fn insert_session(&self, token_hash: &str, user: UserId, now: Timestamp) -> Result<()>;
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>>;
    /// A session with its person and their memberships, in one query: what
    /// every signed-in request needs first.
    async fn signed_in(&self, token_hash: &str) -> Result<Option<SignedIn>>;
    async fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    // --- clinic --------------------------------------------------------
    async fn insert_therapist_profile(&self, profile: &TherapistProfile) -> Result<()>;
    async fn therapists(&self, practice: PracticeId) -> Result<Vec<TherapistProfile>>;
    async fn insert_case(&self, case: &NewCase) -> Result<()>;
    /// Makes the client a member of the case (nothing changes when they are).
    async fn add_case_member(&self, case: CaseId, client: UserId) -> Result<()>;
    async fn insert_appointment(&self, appointment: &NewAppointment) -> Result<()>;
    /// Appointments that still occupy the clinician's time, from `from` on, soonest first.
    async fn upcoming_for_clinician(
        &self,
        clinician: UserId,
        from: Timestamp,
        limit: i64,
    ) -> Result<Vec<AppointmentView>>;
    /// The same for a client: the sessions they attend, in every case they
    /// belong to.
    async fn upcoming_for_client(&self, client: UserId, from: Timestamp, limit: i64) -> Result<Vec<AppointmentView>>;
    /// The same, within one practice only: what that practice's staff may see.
    async fn upcoming_for_client_in(
        &self,
        practice: PracticeId,
        client: UserId,
        from: Timestamp,
        limit: i64,
    ) -> Result<Vec<AppointmentView>>;
    async fn practice_summary(&self, practice: PracticeId, now: Timestamp) -> Result<PracticeSummary>;
}

#[async_trait::async_trait]
impl<S> crate::PracticeStore for S
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
    async fn meta_get(&self, key: &str) -> crate::Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *self.conn().await?)
            .await?)
    }

    async fn meta_set(&self, key: &str, value: &str) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn applied_migration(&self) -> crate::Result<i64> {
        let mut conn = self.conn().await?;
        let tables: i64 =
            sqlx::query_scalar(<S::Db as crate::engine::Dialect>::MIGRATIONS_TABLE_SQL).fetch_one(&mut *conn).await?;
        if tables == 0 {
            return Ok(0);
        }
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await?)
    }

    async fn table_columns(&self) -> crate::Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(<S::Db as crate::engine::Dialect>::SCHEMA_COLUMNS_SQL)
            .fetch_all(&mut *self.conn().await?)
            .await?)
    }

    async fn meta_put_new(&self, key: &str, value: &str) -> crate::Result<bool> {
        let added = sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&mut *self.conn().await?)
            .await?
            .rows_affected();
        Ok(added == 1)
    }

    async fn practice_count(&self) -> crate::Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM practices").fetch_one(&mut *self.conn().await?).await?)
    }

    async fn replace_setup_token(
        &self,
        token_hash: &str,
        now: jiff::Timestamp,
        expires_at: jiff::Timestamp,
    ) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query("DELETE FROM setup_tokens").execute(&mut *tx).await?;
        sqlx::query("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(crate::shared::secs(now))
            .bind(crate::shared::secs(expires_at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn setup_token_is_valid(&self, token_hash: &str, now: jiff::Timestamp) -> crate::Result<bool> {
        // COUNT(*) is 64-bit on both engines (a bare literal is not).
        let found: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2 \
             AND NOT EXISTS (SELECT 1 FROM practices)",
        )
        .bind(token_hash)
        .bind(crate::shared::secs(now))
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(found == 1)
    }

    async fn spend_setup_token(&self, token_hash: &str, now: jiff::Timestamp) -> crate::Result<bool> {
        let spent = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(crate::shared::secs(now))
            .execute(&mut *self.conn().await?)
            .await?
            .rows_affected();
        Ok(spent == 1)
    }

    async fn insert_practice(&self, practice: &crate::NewPractice) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        crate::engine::Sql::<S>::insert_practice_in(&mut conn, practice).await
    }

    async fn practice(&self, id: sensate_domain::PracticeId) -> crate::Result<Option<crate::PracticeRecord>> {
        let row: Option<(String, String, String, String, String, bool, String)> = sqlx::query_as(
            "SELECT name, time_zone, address, contact_email, phone, reminders_name_service, sender_name \
             FROM practices WHERE id = $1",
        )
        .bind(id.as_uuid())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(|(name, time_zone, address, contact_email, phone, reminders_name_service, sender_name)| {
            Ok(crate::PracticeRecord {
                id,
                name,
                time_zone: crate::shared::zone(&time_zone)?,
                address,
                contact_email,
                phone,
                reminders_name_service,
                sender_name,
            })
        })
        .transpose()
    }

    async fn insert_user(&self, user: &crate::NewUser) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        crate::engine::Sql::<S>::insert_user_in(&mut conn, user).await
    }

    async fn insert_user_if_new(&self, user: &crate::NewUser) -> crate::Result<bool> {
        let inserted = sqlx::query(
            "INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(user.id.as_uuid())
        .bind(user.email.as_str())
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(crate::shared::secs(user.created_at))
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn insert_membership(
        &self,
        practice: sensate_domain::PracticeId,
        user: sensate_domain::UserId,
        role: sensate_domain::Role,
        now: jiff::Timestamp,
    ) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        crate::engine::Sql::<S>::insert_membership_in(&mut conn, practice, user, role, now).await
    }

    async fn login_record(&self, email: &str) -> crate::Result<Option<crate::LoginRecord>> {
        let row: Option<(uuid::Uuid, String, Option<i64>)> =
            sqlx::query_as("SELECT id, password_hash, disabled_at FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        Ok(row.map(|(id, password_hash, disabled_at)| crate::LoginRecord {
            id: sensate_domain::UserId::from_uuid(id),
            password_hash,
            disabled: disabled_at.is_some(),
        }))
    }

    async fn user(&self, id: sensate_domain::UserId) -> crate::Result<Option<crate::UserRecord>> {
        let row: Option<(String, String, Option<i64>)> =
            sqlx::query_as("SELECT email, display_name, disabled_at FROM users WHERE id = $1")
                .bind(id.as_uuid())
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        row.map(|(email, display_name, disabled_at)| {
            Ok(crate::UserRecord {
                id,
                email: crate::shared::email(&email)?,
                display_name,
                disabled: disabled_at.is_some(),
            })
        })
        .transpose()
    }

    async fn memberships(&self, user: sensate_domain::UserId) -> crate::Result<Vec<crate::MembershipRecord>> {
        let rows: Vec<(uuid::Uuid, String, String, String)> = sqlx::query_as(
            "SELECT p.id, p.name, p.time_zone, m.role FROM memberships m \
             JOIN practices p ON p.id = m.practice_id WHERE m.user_id = $1 AND m.disabled_at IS NULL \
             ORDER BY p.name, m.role",
        )
        .bind(user.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|(id, name, time_zone, role)| {
                let role = sensate_domain::Role::parse(&role)
                    .ok_or_else(|| crate::StoreError::Corrupt(format!("role '{role}'")))?;
                Ok(crate::MembershipRecord {
                    practice_id: sensate_domain::PracticeId::from_uuid(id),
                    practice_name: name,
                    practice_time_zone: crate::shared::zone(&time_zone)?,
                    role,
                })
            })
            .collect()
    }

    async fn insert_session(
        &self,
        token_hash: &str,
        user: sensate_domain::UserId,
        now: jiff::Timestamp,
    ) -> crate::Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
            .bind(token_hash)
            .bind(user.as_uuid())
            .bind(crate::shared::secs(now))
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> crate::Result<Option<crate::SessionRecord>> {
        let row: Option<(uuid::Uuid, i64, i64, Option<i64>, Option<uuid::Uuid>)> = sqlx::query_as(
            "SELECT user_id, created_at, last_seen_at, mfa_verified_at, acting_practice_id \
             FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(|(user, created_at, last_seen_at, mfa_verified_at, acting_practice)| {
            Ok(crate::SessionRecord {
                user_id: sensate_domain::UserId::from_uuid(user),
                created_at: crate::shared::instant(created_at)?,
                last_seen_at: crate::shared::instant(last_seen_at)?,
                mfa_verified: mfa_verified_at.is_some(),
                acting_practice: acting_practice.map(sensate_domain::PracticeId::from_uuid),
            })
        })
        .transpose()
    }

    async fn signed_in(&self, token_hash: &str) -> crate::Result<Option<crate::SignedIn>> {
        use sqlx::Row;
        let rows = sqlx::query(
            "SELECT s.user_id, s.created_at, s.last_seen_at, s.mfa_verified_at, s.acting_practice_id, \
             u.email, u.display_name, u.disabled_at, p.id AS practice_id, p.name AS practice_name, \
             p.time_zone AS practice_time_zone, m.role \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN memberships m ON m.user_id = s.user_id AND m.disabled_at IS NULL \
             LEFT JOIN practices p ON p.id = m.practice_id \
             WHERE s.token_hash = $1 ORDER BY p.name, m.role",
        )
        .bind(token_hash)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let Some(first) = rows.first() else { return Ok(None) };
        let user_id = sensate_domain::UserId::from_uuid(first.try_get("user_id")?);
        let session = crate::SessionRecord {
            user_id,
            created_at: crate::shared::instant(first.try_get("created_at")?)?,
            last_seen_at: crate::shared::instant(first.try_get("last_seen_at")?)?,
            mfa_verified: first.try_get::<Option<i64>, _>("mfa_verified_at")?.is_some(),
            acting_practice: first
                .try_get::<Option<uuid::Uuid>, _>("acting_practice_id")?
                .map(sensate_domain::PracticeId::from_uuid),
        };
        let user = crate::UserRecord {
            id: user_id,
            email: crate::shared::email(&first.try_get::<String, _>("email")?)?,
            display_name: first.try_get("display_name")?,
            disabled: first.try_get::<Option<i64>, _>("disabled_at")?.is_some(),
        };
        let mut memberships = Vec::new();
        for row in &rows {
            let Some(practice) = row.try_get::<Option<uuid::Uuid>, _>("practice_id")? else { continue };
            let role: String = row.try_get("role")?;
            memberships.push(crate::MembershipRecord {
                practice_id: sensate_domain::PracticeId::from_uuid(practice),
                practice_name: row.try_get("practice_name")?,
                practice_time_zone: crate::shared::zone(&row.try_get::<String, _>("practice_time_zone")?)?,
                role: sensate_domain::Role::parse(&role)
                    .ok_or_else(|| crate::StoreError::Corrupt(format!("role '{role}'")))?,
            });
        }
        Ok(Some(crate::SignedIn { session, user, memberships }))
    }

    async fn touch_session(&self, token_hash: &str, now: jiff::Timestamp) -> crate::Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
            .bind(token_hash)
            .bind(crate::shared::secs(now))
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> crate::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn insert_therapist_profile(&self, profile: &crate::TherapistProfile) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO therapist_profiles (user_id, practice_id, pronouns, credentials, headline, \
             approach, languages, offers_in_person, offers_telehealth, accepting_new_clients) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(profile.user_id.as_uuid())
        .bind(profile.practice_id.as_uuid())
        .bind(&profile.pronouns)
        .bind(&profile.credentials)
        .bind(&profile.headline)
        .bind(&profile.approach)
        .bind(&profile.languages)
        .bind(profile.offers_in_person)
        .bind(profile.offers_telehealth)
        .bind(profile.accepting_new_clients)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn therapists(&self, practice: sensate_domain::PracticeId) -> crate::Result<Vec<crate::TherapistProfile>> {
        let rows = sqlx::query(
            "SELECT t.user_id, t.practice_id, u.display_name, t.pronouns, t.credentials, t.headline, \
             t.approach, t.languages, t.offers_in_person, t.offers_telehealth, t.accepting_new_clients \
             FROM therapist_profiles t JOIN users u ON u.id = t.user_id \
             WHERE t.practice_id = $1 ORDER BY u.display_name, t.user_id",
        )
        .bind(practice.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(crate::engine::Sql::<S>::therapist_profile).collect()
    }

    async fn insert_case(&self, case: &crate::NewCase) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO cases (id, practice_id, clinician_id, kind, status, opened_at) \
             VALUES ($1, $2, $3, $4, 'intake', $5)",
        )
        .bind(case.id.as_uuid())
        .bind(case.practice_id.as_uuid())
        .bind(case.clinician_id.as_uuid())
        .bind(case.kind.as_str())
        .bind(crate::shared::secs(case.opened_at))
        .execute(&mut *tx)
        .await?;
        for member in &case.members {
            crate::engine::Sql::<S>::add_case_member_in(&mut tx, case.id, *member).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn add_case_member(&self, case: sensate_domain::CaseId, client: sensate_domain::UserId) -> crate::Result<()> {
        crate::engine::Sql::<S>::add_case_member_in(&mut *self.conn().await?, case, client).await
    }

    async fn insert_appointment(&self, appointment: &crate::NewAppointment) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        crate::scheduling::insert_appointment_query(appointment).execute(&mut *tx).await?;
        for client in &appointment.attendees {
            crate::scheduling::insert_attendee_query(appointment.id, *client).execute(&mut *tx).await?;
        }
        <S::Db as crate::engine::Dialect>::scheduling_changed(&mut tx).await?;
        tx.commit().await?;
        self.scheduling_committed().await;
        Ok(())
    }

    async fn upcoming_for_clinician(
        &self,
        clinician: sensate_domain::UserId,
        from: jiff::Timestamp,
        limit: i64,
    ) -> crate::Result<Vec<crate::AppointmentView>> {
        let sql = format!(
            "{}SELECT id FROM appointments WHERE clinician_id = $1 AND starts_at >= $2 \
             AND status IN ('requested', 'confirmed') ORDER BY starts_at LIMIT $3{}",
            crate::shared::upcoming_select(),
            crate::shared::UPCOMING_ORDER
        );
        let rows = sqlx::query(&sql)
            .bind(clinician.as_uuid())
            .bind(crate::shared::secs(from))
            .bind(limit)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        crate::engine::Sql::<S>::appointment_views(rows)
    }

    async fn upcoming_for_client(
        &self,
        client: sensate_domain::UserId,
        from: jiff::Timestamp,
        limit: i64,
    ) -> crate::Result<Vec<crate::AppointmentView>> {
        let mut conn = self.conn().await?;
        crate::engine::Sql::<S>::upcoming_of_client_in(&mut conn, client, None, from, limit).await
    }

    async fn upcoming_for_client_in(
        &self,
        practice: sensate_domain::PracticeId,
        client: sensate_domain::UserId,
        from: jiff::Timestamp,
        limit: i64,
    ) -> crate::Result<Vec<crate::AppointmentView>> {
        let mut conn = self.conn().await?;
        crate::engine::Sql::<S>::upcoming_of_client_in(&mut conn, client, Some(practice), from, limit).await
    }

    async fn practice_summary(
        &self,
        practice: sensate_domain::PracticeId,
        now: jiff::Timestamp,
    ) -> crate::Result<crate::PracticeSummary> {
        let (clinicians, clients, open_cases, upcoming_appointments): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT \
             (SELECT COUNT(DISTINCT user_id) FROM memberships WHERE practice_id = $1 AND role = 'clinician'), \
             (SELECT COUNT(DISTINCT user_id) FROM memberships WHERE practice_id = $1 AND role = 'client'), \
             (SELECT COUNT(*) FROM cases WHERE practice_id = $1 AND status <> 'discharged'), \
             (SELECT COUNT(*) FROM appointments WHERE practice_id = $1 AND starts_at >= $2 \
              AND status IN ('requested', 'confirmed'))",
        )
        .bind(practice.as_uuid())
        .bind(crate::shared::secs(now))
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(crate::PracticeSummary { clinicians, clients, open_cases, upcoming_appointments })
    }
}

impl<S> crate::engine::Sql<S>
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
    pub(crate) async fn insert_practice_in(
        conn: &mut crate::engine::Conn<S>,
        practice: &crate::NewPractice,
    ) -> crate::Result<()> {
        sqlx::query("INSERT INTO practices (id, name, time_zone, created_at) VALUES ($1, $2, $3, $4)")
            .bind(practice.id.as_uuid())
            .bind(&practice.name)
            .bind(practice.time_zone.as_str())
            .bind(crate::shared::secs(practice.created_at))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub(crate) async fn insert_user_in(conn: &mut crate::engine::Conn<S>, user: &crate::NewUser) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user.id.as_uuid())
        .bind(user.email.as_str())
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(crate::shared::secs(user.created_at))
        .execute(&mut *conn)
        .await
        .map_err(crate::error::classify)?;
        Ok(())
    }

    pub(crate) async fn insert_membership_in(
        conn: &mut crate::engine::Conn<S>,
        practice: sensate_domain::PracticeId,
        user: sensate_domain::UserId,
        role: sensate_domain::Role,
        now: jiff::Timestamp,
    ) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO memberships (practice_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (practice_id, user_id, role) DO NOTHING",
        )
        .bind(practice.as_uuid())
        .bind(user.as_uuid())
        .bind(role.as_str())
        .bind(crate::shared::secs(now))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    pub(crate) async fn add_case_member_in(
        conn: &mut crate::engine::Conn<S>,
        case: sensate_domain::CaseId,
        client: sensate_domain::UserId,
    ) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO case_members (case_id, client_id) VALUES ($1, $2) \
             ON CONFLICT (case_id, client_id) DO NOTHING",
        )
        .bind(case.as_uuid())
        .bind(client.as_uuid())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// A `therapist_profiles` row joined with its user's display name.
    pub(crate) fn therapist_profile(row: &crate::engine::Row<S>) -> crate::Result<crate::TherapistProfile> {
        use sqlx::Row;
        Ok(crate::TherapistProfile {
            user_id: sensate_domain::UserId::from_uuid(row.try_get("user_id")?),
            practice_id: sensate_domain::PracticeId::from_uuid(row.try_get("practice_id")?),
            display_name: row.try_get("display_name")?,
            pronouns: row.try_get("pronouns")?,
            credentials: row.try_get("credentials")?,
            headline: row.try_get("headline")?,
            approach: row.try_get("approach")?,
            languages: row.try_get("languages")?,
            offers_in_person: row.try_get("offers_in_person")?,
            offers_telehealth: row.try_get("offers_telehealth")?,
            accepting_new_clients: row.try_get("accepting_new_clients")?,
        })
    }

    /// A client's coming sessions in every case they belong to, or only in
    /// one practice's: one query for both.
    pub(crate) async fn upcoming_of_client_in(
        conn: &mut crate::engine::Conn<S>,
        client: sensate_domain::UserId,
        practice: Option<sensate_domain::PracticeId>,
        from: jiff::Timestamp,
        limit: i64,
    ) -> crate::Result<Vec<crate::AppointmentView>> {
        let in_practice = if practice.is_some() { "AND a2.practice_id = $4 " } else { "" };
        let sql = format!(
            "{}SELECT a2.id FROM appointments a2 JOIN case_members x ON x.case_id = a2.case_id \
             WHERE x.client_id = $1 {in_practice}AND a2.starts_at >= $2 AND a2.status IN ('requested', 'confirmed') \
             AND {} ORDER BY a2.starts_at LIMIT $3{}",
            crate::shared::upcoming_select(),
            crate::shared::attends("a2", "x"),
            crate::shared::UPCOMING_ORDER
        );
        let mut query = sqlx::query(&sql).bind(client.as_uuid()).bind(crate::shared::secs(from)).bind(limit);
        if let Some(practice) = practice {
            query = query.bind(practice.as_uuid());
        }
        let rows = query.fetch_all(&mut *conn).await?;
        Self::appointment_views(rows)
    }

    pub(crate) fn appointment_views(rows: Vec<crate::engine::Row<S>>) -> crate::Result<Vec<crate::AppointmentView>> {
        use sqlx::Row;
        let mut pairs = Vec::with_capacity(rows.len());
        for row in rows {
            let view = crate::AppointmentView {
                id: sensate_domain::AppointmentId::from_uuid(row.try_get("id")?),
                starts_at: crate::shared::instant(row.try_get("starts_at")?)?,
                ends_at: crate::shared::instant(row.try_get("ends_at")?)?,
                time_zone: crate::shared::zone(&row.try_get::<String, _>("time_zone")?)?,
                format: crate::shared::format(row.try_get("format")?)?,
                status: crate::shared::status(row.try_get("status")?)?,
                case_kind: crate::shared::case_kind(row.try_get("kind")?)?,
                clinician_name: row.try_get("clinician_name")?,
                client_names: Vec::new(),
                partners_own: row.try_get::<i64, _>("named_attendees")? > 0,
            };
            pairs.push((view, row.try_get::<String, _>("client_name")?));
        }
        Ok(crate::shared::fold_appointments(pairs))
    }
}
