//! What reminder emails need to know: which confirmed appointments start
//! soon, and for one appointment, its time and who is to be reminded.
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat};
use sensate_domain::{AppointmentId, PracticeId, UserId};

use crate::Result;

/// Someone to remind, with the zone their times are shown in.
#[derive(Clone, PartialEq, Eq)]
pub struct ReminderRecipient {
    /// The client's account; `None` for the visitor who booked.
    pub user_id: Option<UserId>,
    pub email: sensate_domain::Email,
    pub name: String,
    pub time_zone: sensate_domain::TimeZoneName,
}

impl std::fmt::Debug for ReminderRecipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReminderRecipient")
            .field("user_id", &self.user_id)
            .field("time_zone", &self.time_zone)
            .finish_non_exhaustive()
    }
}

/// An appointment as a reminder sees it, read when the reminder is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderFacts {
    pub id: AppointmentId,
    pub practice_id: PracticeId,
    pub status: AppointmentStatus,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub format: SessionFormat,
    /// The clients of the appointment's case, or else the visitor who
    /// booked it (with the zone they booked in).
    pub recipients: Vec<ReminderRecipient>,
}

#[async_trait]
pub trait ReminderStore: Send + Sync {
    /// Confirmed appointments starting after `from` and at or before `to`,
    /// with their start, soonest first.
    async fn confirmed_starting_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(AppointmentId, Timestamp)>>;
    async fn reminder_facts(&self, appointment: AppointmentId) -> Result<Option<ReminderFacts>>;
}

#[async_trait::async_trait]
impl<S> crate::ReminderStore for S
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
    async fn confirmed_starting_between(
        &self,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> crate::Result<Vec<(sensate_domain::AppointmentId, jiff::Timestamp)>> {
        let rows: Vec<(uuid::Uuid, i64)> = sqlx::query_as(
            "SELECT id, starts_at FROM appointments WHERE status = 'confirmed' \
             AND starts_at > $1 AND starts_at <= $2 ORDER BY starts_at, id",
        )
        .bind(crate::shared::secs(from))
        .bind(crate::shared::secs(to))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|(id, start)| Ok((sensate_domain::AppointmentId::from_uuid(id), crate::shared::instant(start)?)))
            .collect()
    }

    async fn reminder_facts(
        &self,
        appointment: sensate_domain::AppointmentId,
    ) -> crate::Result<Option<crate::ReminderFacts>> {
        let row: Option<(uuid::Uuid, Option<uuid::Uuid>, String, i64, i64, String, String)> = sqlx::query_as(
            "SELECT practice_id, case_id, status, starts_at, ends_at, format, time_zone \
             FROM appointments WHERE id = $1",
        )
        .bind(appointment.as_uuid())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some((practice, case, status, starts_at, ends_at, format, time_zone)) = row else {
            return Ok(None);
        };
        // Clients who booked from the directory chose the zone they read times in.
        let booked_zone: Option<String> =
            sqlx::query_scalar("SELECT visitor_time_zone FROM booking_requests WHERE appointment_id = $1")
                .bind(appointment.as_uuid())
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        let zone = booked_zone.unwrap_or(time_zone);
        let recipients: Vec<(Option<uuid::Uuid>, String, String, String)> = match case {
            Some(_) => sqlx::query_as(&format!(
                "SELECT u.id, u.email, u.display_name FROM appointments a \
                 JOIN case_members cm ON cm.case_id = a.case_id JOIN users u ON u.id = cm.client_id \
                 WHERE a.id = $1 AND u.disabled_at IS NULL AND {} ORDER BY u.email",
                crate::shared::attends("a", "cm")
            ))
            .bind(appointment.as_uuid())
            .fetch_all(&mut *self.conn().await?)
            .await?
            .into_iter()
            .map(|(id, email, name): (uuid::Uuid, String, String)| (Some(id), email, name, zone.clone()))
            .collect(),
            None => {
                let rows: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT email, name, visitor_time_zone FROM booking_requests WHERE appointment_id = $1",
                )
                .bind(appointment.as_uuid())
                .fetch_all(&mut *self.conn().await?)
                .await?;
                rows.into_iter().map(|(email, name, zone)| (None, email, name, zone)).collect()
            }
        };
        Ok(Some(crate::ReminderFacts {
            id: appointment,
            practice_id: sensate_domain::PracticeId::from_uuid(practice),
            status: crate::shared::status(&status)?,
            starts_at: crate::shared::instant(starts_at)?,
            ends_at: crate::shared::instant(ends_at)?,
            format: crate::shared::format(&format)?,
            recipients: recipients
                .into_iter()
                .map(|(id, email, name, time_zone)| {
                    Ok(crate::ReminderRecipient {
                        user_id: id.map(sensate_domain::UserId::from_uuid),
                        email: crate::shared::email(&email)?,
                        name,
                        time_zone: crate::shared::zone(&time_zone)?,
                    })
                })
                .collect::<crate::Result<_>>()?,
        }))
    }
}
