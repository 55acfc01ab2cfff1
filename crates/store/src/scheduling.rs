//! Session types and booking. Two appointments of one clinician that occupy
//! time (held, requested, confirmed) never overlap: the database refuses
//! them (an exclusion constraint on PostgreSQL, triggers inside SQLite's
//! single write transaction), so the rule holds across any number of app
//! servers and whatever the code above does. Booking reports the refusal as
//! [`Booking::Taken`], not as an error.
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::{PracticeId, UserId};

use crate::{Booking, NewAppointment, Result, SessionTypeRecord};

#[async_trait]
pub trait SchedulingStore: Send + Sync {
    /// Lets lapsed holds of the clinician expire, then inserts the
    /// appointment, in one transaction; `Taken` when it would overlap.
    async fn book_appointment(&self, appointment: &NewAppointment, now: Timestamp) -> Result<Booking>;
    /// Marks every hold that lapsed by `now` as expired; returns how many.
    async fn expire_holds(&self, now: Timestamp) -> Result<u64>;
    async fn insert_session_type(&self, session_type: &SessionTypeRecord) -> Result<()>;
    /// Offers or withdraws a session type; false when the practice has no such type.
    async fn set_session_type_active(&self, practice: PracticeId, id: uuid::Uuid, active: bool) -> Result<bool>;
    /// The practice's session types, trial consultations first, then by name.
    async fn session_types(&self, practice: PracticeId) -> Result<Vec<SessionTypeRecord>>;
    /// The clinician's appointments that occupy time at `from` or later (a
    /// hold counts until it lapses), by start.
    async fn busy_times(&self, clinician: UserId, from: Timestamp) -> Result<Vec<(Timestamp, Timestamp)>>;
}

/// The name both engines give the no-overlap rule (constraint or trigger message).
pub(crate) const NEVER_OVERLAP: &str = "appointments_never_overlap";

/// Whether the database refused a write because of the no-overlap rule.
pub(crate) fn is_overlap(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => db.constraint() == Some(NEVER_OVERLAP) || db.message().contains(NEVER_OVERLAP),
        _ => false,
    }
}

pub(crate) const OCCUPYING: &str = "('held', 'requested', 'confirmed')";

pub(crate) fn insert_appointment_query<'q, DB>(
    appointment: &'q NewAppointment,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    uuid::Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<uuid::Uuid>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query::<DB>(
        "INSERT INTO appointments (id, practice_id, case_id, clinician_id, starts_at, ends_at, time_zone, format, \
         status, created_at, session_type_id, held_until, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $10)",
    )
    .bind(appointment.id.as_uuid())
    .bind(appointment.practice_id.as_uuid())
    .bind(appointment.case_id.map(|c| c.as_uuid()))
    .bind(appointment.clinician_id.as_uuid())
    .bind(crate::shared::secs(appointment.starts_at))
    .bind(crate::shared::secs(appointment.ends_at))
    .bind(appointment.time_zone.as_str())
    .bind(appointment.format.as_str())
    .bind(appointment.status.as_str())
    .bind(crate::shared::secs(appointment.created_at))
    .bind(appointment.session_type_id)
    .bind(appointment.held_until.map(crate::shared::secs))
}

macro_rules! impl_scheduling_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::SchedulingStore for $store {
            async fn book_appointment(
                &self,
                appointment: &$crate::NewAppointment,
                now: jiff::Timestamp,
            ) -> $crate::Result<$crate::Booking> {
                // The first statement writes, so on SQLite the transaction
                // holds the write lock from here to commit.
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "UPDATE appointments SET status = 'expired', updated_at = $2 \
                     WHERE clinician_id = $1 AND status = 'held' AND held_until <= $2",
                )
                .bind(appointment.clinician_id.as_uuid())
                .bind($crate::shared::secs(now))
                .execute(&mut *tx)
                .await?;
                match $crate::scheduling::insert_appointment_query(appointment).execute(&mut *tx).await {
                    Ok(_) => {
                        tx.commit().await?;
                        Ok($crate::Booking::Booked)
                    }
                    Err(error) if $crate::scheduling::is_overlap(&error) => {
                        tx.rollback().await?;
                        Ok($crate::Booking::Taken)
                    }
                    Err(error) => Err(error.into()),
                }
            }

            async fn expire_holds(&self, now: jiff::Timestamp) -> $crate::Result<u64> {
                let expired = sqlx::query(
                    "UPDATE appointments SET status = 'expired', updated_at = $1 \
                     WHERE status = 'held' AND held_until <= $1",
                )
                .bind($crate::shared::secs(now))
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(expired)
            }

            async fn insert_session_type(&self, session_type: &$crate::SessionTypeRecord) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO session_types (id, practice_id, name, duration_minutes, fee_cents, in_person, \
                     telehealth, participants, trial, needs_approval, active, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(session_type.id)
                .bind(session_type.practice_id.as_uuid())
                .bind(&session_type.name)
                .bind(i32::try_from(session_type.duration_minutes).unwrap_or(i32::MAX))
                .bind(session_type.fee_cents)
                .bind(session_type.in_person)
                .bind(session_type.telehealth)
                .bind(&session_type.participants)
                .bind(session_type.trial)
                .bind(session_type.needs_approval)
                .bind(session_type.active)
                .bind($crate::shared::secs(session_type.created_at))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn set_session_type_active(
                &self,
                practice: sensate_domain::PracticeId,
                id: uuid::Uuid,
                active: bool,
            ) -> $crate::Result<bool> {
                let changed = sqlx::query("UPDATE session_types SET active = $3 WHERE id = $1 AND practice_id = $2")
                    .bind(id)
                    .bind(practice.as_uuid())
                    .bind(active)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(changed == 1)
            }

            async fn session_types(
                &self,
                practice: sensate_domain::PracticeId,
            ) -> $crate::Result<Vec<$crate::SessionTypeRecord>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT id, name, duration_minutes, fee_cents, in_person, telehealth, participants, trial, \
                     needs_approval, active, created_at FROM session_types WHERE practice_id = $1 \
                     ORDER BY trial DESC, name, id",
                )
                .bind(practice.as_uuid())
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        let minutes: i32 = row.try_get("duration_minutes")?;
                        Ok($crate::SessionTypeRecord {
                            id: row.try_get("id")?,
                            practice_id: practice,
                            name: row.try_get("name")?,
                            duration_minutes: u32::try_from(minutes)
                                .map_err(|_| $crate::StoreError::Corrupt(format!("duration {minutes}")))?,
                            fee_cents: row.try_get("fee_cents")?,
                            in_person: row.try_get("in_person")?,
                            telehealth: row.try_get("telehealth")?,
                            participants: row.try_get("participants")?,
                            trial: row.try_get("trial")?,
                            needs_approval: row.try_get("needs_approval")?,
                            active: row.try_get("active")?,
                            created_at: $crate::shared::instant(row.try_get("created_at")?)?,
                        })
                    })
                    .collect()
            }

            async fn busy_times(
                &self,
                clinician: sensate_domain::UserId,
                from: jiff::Timestamp,
            ) -> $crate::Result<Vec<(jiff::Timestamp, jiff::Timestamp)>> {
                let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
                    "SELECT starts_at, ends_at FROM appointments WHERE clinician_id = $1 AND ends_at > $2 \
                     AND status IN {} AND (status <> 'held' OR held_until IS NULL OR held_until > $2) ORDER BY starts_at",
                    $crate::scheduling::OCCUPYING
                ))
                .bind(clinician.as_uuid())
                .bind($crate::shared::secs(from))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(start, end)| Ok(($crate::shared::instant(start)?, $crate::shared::instant(end)?)))
                    .collect()
            }
        }
    };
}

pub(crate) use impl_scheduling_store;
