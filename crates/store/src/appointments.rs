//! What happens to an appointment after it is booked: a visitor's accepted
//! request becomes a client and a case, the practice and the client cancel
//! or move it, and every change leaves a line of history (who, when, late or
//! not). Every change is compare-and-set on what the person saw, and a move
//! is still refused by the database's no-overlap rule.
use crate::engine::RowsAffected as _;
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::scheduling::lifecycle::Party;
use sensate_domain::scheduling::{AppointmentStatus, CaseKind, SessionFormat};
use sensate_domain::{AppointmentId, CaseId, PracticeId, UserId};

use crate::{PracticeRecord, Result, StoreError};

/// A line of an appointment's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Confirmed,
    Declined,
    Cancelled,
    Rescheduled,
    Completed,
    NoShow,
}

impl EventKind {
    const ALL: [EventKind; 6] = [
        EventKind::Confirmed,
        EventKind::Declined,
        EventKind::Cancelled,
        EventKind::Rescheduled,
        EventKind::Completed,
        EventKind::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Confirmed => "confirmed",
            EventKind::Declined => "declined",
            EventKind::Cancelled => "cancelled",
            EventKind::Rescheduled => "rescheduled",
            EventKind::Completed => "completed",
            EventKind::NoShow => "no_show",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }
}

pub(crate) fn party_str(party: Party) -> &'static str {
    match party {
        Party::Client => "client",
        Party::Practice => "practice",
    }
}

pub(crate) fn party(value: &str) -> Result<Party> {
    match value {
        "client" => Ok(Party::Client),
        "practice" => Ok(Party::Practice),
        other => Err(StoreError::Corrupt(format!("party '{other}'"))),
    }
}

pub(crate) fn event_kind(value: &str) -> Result<EventKind> {
    EventKind::parse(value).ok_or_else(|| StoreError::Corrupt(format!("appointment event '{value}'")))
}

#[derive(Debug, Clone)]
pub struct NewAppointmentEvent {
    pub appointment: AppointmentId,
    pub at: Timestamp,
    pub kind: EventKind,
    pub party: Party,
    /// The signed-in person who made the change; `None` for a client by link.
    pub actor: Option<UserId>,
    pub late: bool,
    /// A category slug (cancellations), or empty. Never free text.
    pub reason: String,
    /// Where a moved appointment was before.
    pub previous_starts_at: Option<Timestamp>,
}

impl NewAppointmentEvent {
    /// An event by nobody signed in, not late, without a reason, not a move;
    /// set what applies with struct update syntax.
    pub fn new(appointment: AppointmentId, at: Timestamp, kind: EventKind, party: Party) -> Self {
        Self { appointment, at, kind, party, actor: None, late: false, reason: String::new(), previous_starts_at: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentEvent {
    pub at: Timestamp,
    pub kind: EventKind,
    pub party: Party,
    pub actor_name: Option<String>,
    pub late: bool,
    pub reason: String,
    pub previous_starts_at: Option<Timestamp>,
}

/// A client of an appointment's case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentClient {
    pub id: UserId,
    pub name: String,
    pub email: sensate_domain::Email,
}

/// One appointment with what its page shows.
#[derive(Debug, Clone)]
pub struct AppointmentDetail {
    pub id: AppointmentId,
    pub practice_id: PracticeId,
    pub case_id: Option<CaseId>,
    pub case_kind: Option<CaseKind>,
    pub clinician_id: UserId,
    pub clinician_name: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// The practice's zone when it was booked.
    pub time_zone: sensate_domain::TimeZoneName,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    pub session_type_id: Option<sensate_domain::SessionTypeId>,
    pub session_type_name: Option<String>,
    pub created_at: Timestamp,
    /// The case's clients who attend, by name (none before the request
    /// became a case).
    pub clients: Vec<AppointmentClient>,
    /// The case's other clients, by name: not expected at this one (a
    /// partner's individual session in a couple's case). Empty when
    /// everyone in the case attends.
    pub not_attending: Vec<String>,
    /// The appointment names who attends: a partner's own session (its
    /// partner may be the only one in the case so far).
    pub partners_own: bool,
}

/// A status change or a move, compare-and-set on what the person saw.
#[derive(Debug, Clone)]
pub struct AppointmentChange {
    pub appointment: AppointmentId,
    pub clinician: UserId,
    pub from_status: AppointmentStatus,
    pub from_start: Timestamp,
    pub to_status: AppointmentStatus,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub event: NewAppointmentEvent,
}

impl AppointmentChange {
    /// A change of status only (cancel, decline, attendance): the
    /// appointment keeps its time, `(starts_at, ends_at)` as the person saw it.
    pub fn status(
        clinician: UserId,
        from_status: AppointmentStatus,
        to_status: AppointmentStatus,
        (starts_at, ends_at): (Timestamp, Timestamp),
        event: NewAppointmentEvent,
    ) -> Self {
        Self {
            appointment: event.appointment,
            clinician,
            from_status,
            from_start: starts_at,
            to_status,
            starts_at,
            ends_at,
            event,
        }
    }
}

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    Done,
    /// The appointment changed meanwhile; nothing was written.
    Stale,
    /// The new time overlaps another appointment; nothing was written.
    Taken,
}

#[async_trait]
pub trait AppointmentStore: Send + Sync {
    /// Files the appointment under a case.
    async fn assign_case(&self, appointment: AppointmentId, case: CaseId) -> Result<()>;
    async fn appointment_detail(&self, id: AppointmentId) -> Result<Option<AppointmentDetail>>;
    /// Oldest first.
    async fn appointment_events(&self, id: AppointmentId) -> Result<Vec<AppointmentEvent>>;
    async fn change_appointment(&self, change: &AppointmentChange) -> Result<Changed>;
    /// Who attends from now on: the clients named, or everyone in the case
    /// when none are (`appointment_attendees`, migration 28).
    async fn set_attendees(&self, appointment: AppointmentId, attendees: &[UserId]) -> Result<()>;
    /// The sealed token of the appointment's manage link, if it has one.
    async fn appointment_link(&self, id: AppointmentId) -> Result<Option<Vec<u8>>>;
    /// Gives the appointment a manage link unless it has one; false if it had.
    async fn add_appointment_link(
        &self,
        id: AppointmentId,
        token_hash: &str,
        sealed_token: &[u8],
        now: Timestamp,
    ) -> Result<bool>;
    async fn appointment_by_link(&self, token_hash: &str) -> Result<Option<AppointmentId>>;
    /// Hours before a session until which clients may cancel or move it.
    async fn cancellation_notice_hours(&self, practice: PracticeId) -> Result<u32>;
    /// Saves the practice's settings (name, time zone, address, contact
    /// details, reminder wording; the id selects the row) and its
    /// cancellation notice together.
    async fn update_practice_settings(&self, practice: &PracticeRecord, notice_hours: u32) -> Result<()>;
}

#[async_trait::async_trait]
impl<S> crate::AppointmentStore for S
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
    async fn assign_case(
        &self,
        appointment: sensate_domain::AppointmentId,
        case: sensate_domain::CaseId,
    ) -> crate::Result<()> {
        sqlx::query("UPDATE appointments SET case_id = $2 WHERE id = $1")
            .bind(appointment.as_uuid())
            .bind(case.as_uuid())
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn appointment_detail(
        &self,
        id: sensate_domain::AppointmentId,
    ) -> crate::Result<Option<crate::AppointmentDetail>> {
        use sqlx::Row;
        let Some(row) = sqlx::query(
            "SELECT a.practice_id, a.case_id, c.kind, a.clinician_id, cl.display_name AS clinician_name, \
             a.starts_at, a.ends_at, a.time_zone, a.format, a.status, a.session_type_id, \
             st.name AS session_type_name, a.created_at, \
             (SELECT COUNT(*) FROM appointment_attendees aa WHERE aa.appointment_id = a.id) AS named_attendees \
             FROM appointments a JOIN users cl ON cl.id = a.clinician_id \
             LEFT JOIN cases c ON c.id = a.case_id \
             LEFT JOIN session_types st ON st.id = a.session_type_id WHERE a.id = $1",
        )
        .bind(id.as_uuid())
        .fetch_optional(&mut *self.conn().await?)
        .await?
        else {
            return Ok(None);
        };
        let case_id: Option<uuid::Uuid> = row.try_get("case_id")?;
        let kind: Option<String> = row.try_get("kind")?;
        // The case's clients, who attend and who do not: one predicate both ways.
        let attending = |attends: bool| {
            format!(
                "SELECT u.id, u.display_name, u.email FROM appointments a \
                 JOIN case_members cm ON cm.case_id = a.case_id JOIN users u ON u.id = cm.client_id \
                 WHERE a.id = $1 AND {}{} ORDER BY u.display_name, u.id",
                if attends { "" } else { "NOT " },
                crate::shared::attends("a", "cm")
            )
        };
        let clients: Vec<(uuid::Uuid, String, String)> =
            sqlx::query_as(&attending(true)).bind(id.as_uuid()).fetch_all(&mut *self.conn().await?).await?;
        let not_attending: Vec<(uuid::Uuid, String, String)> =
            sqlx::query_as(&attending(false)).bind(id.as_uuid()).fetch_all(&mut *self.conn().await?).await?;
        Ok(Some(crate::AppointmentDetail {
            id,
            practice_id: sensate_domain::PracticeId::from_uuid(row.try_get("practice_id")?),
            case_id: case_id.map(sensate_domain::CaseId::from_uuid),
            case_kind: kind.as_deref().map(crate::shared::case_kind).transpose()?,
            clinician_id: sensate_domain::UserId::from_uuid(row.try_get("clinician_id")?),
            clinician_name: row.try_get("clinician_name")?,
            starts_at: crate::shared::instant(row.try_get("starts_at")?)?,
            ends_at: crate::shared::instant(row.try_get("ends_at")?)?,
            time_zone: crate::shared::zone(&row.try_get::<String, _>("time_zone")?)?,
            format: crate::shared::format(row.try_get("format")?)?,
            status: crate::shared::status(row.try_get("status")?)?,
            session_type_id: row
                .try_get::<Option<uuid::Uuid>, _>("session_type_id")?
                .map(sensate_domain::SessionTypeId::from_uuid),
            session_type_name: row.try_get("session_type_name")?,
            created_at: crate::shared::instant(row.try_get("created_at")?)?,
            clients: clients
                .into_iter()
                .map(|(id, name, email)| {
                    Ok(crate::AppointmentClient {
                        id: sensate_domain::UserId::from_uuid(id),
                        name,
                        email: crate::shared::email(&email)?,
                    })
                })
                .collect::<crate::Result<_>>()?,
            not_attending: not_attending.into_iter().map(|(_, name, _)| name).collect(),
            partners_own: row.try_get::<i64, _>("named_attendees")? > 0,
        }))
    }

    async fn appointment_events(
        &self,
        id: sensate_domain::AppointmentId,
    ) -> crate::Result<Vec<crate::AppointmentEvent>> {
        let rows: Vec<(i64, String, String, Option<String>, bool, String, Option<i64>)> = sqlx::query_as(
            "SELECT e.at, e.change, e.party, u.display_name, e.late, e.reason, e.previous_starts_at \
             FROM appointment_events e LEFT JOIN users u ON u.id = e.actor_id \
             WHERE e.appointment_id = $1 ORDER BY e.at, e.id",
        )
        .bind(id.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|(at, kind, party, actor_name, late, reason, previous)| {
                Ok(crate::AppointmentEvent {
                    at: crate::shared::instant(at)?,
                    kind: crate::appointments::event_kind(&kind)?,
                    party: crate::appointments::party(&party)?,
                    actor_name,
                    late,
                    reason,
                    previous_starts_at: previous.map(crate::shared::instant).transpose()?,
                })
            })
            .collect()
    }

    async fn set_attendees(
        &self,
        appointment: sensate_domain::AppointmentId,
        attendees: &[sensate_domain::UserId],
    ) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query("DELETE FROM appointment_attendees WHERE appointment_id = $1")
            .bind(appointment.as_uuid())
            .execute(&mut *tx)
            .await?;
        for client in attendees {
            crate::scheduling::insert_attendee_query(appointment, *client).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn change_appointment(&self, c: &crate::AppointmentChange) -> crate::Result<crate::Changed> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        <S::Db as crate::engine::Dialect>::serialize_bookings(&mut tx, c.clinician).await?;
        let updated = sqlx::query(
            "UPDATE appointments SET status = $4, starts_at = $5, ends_at = $6, updated_at = $7 \
             WHERE id = $1 AND status = $2 AND starts_at = $3",
        )
        .bind(c.appointment.as_uuid())
        .bind(c.from_status.as_str())
        .bind(crate::shared::secs(c.from_start))
        .bind(c.to_status.as_str())
        .bind(crate::shared::secs(c.starts_at))
        .bind(crate::shared::secs(c.ends_at))
        .bind(crate::shared::secs(c.event.at))
        .execute(&mut *tx)
        .await;
        match updated {
            Ok(done) if done.rows_affected() == 1 => {}
            Ok(_) => {
                tx.rollback().await?;
                return Ok(crate::Changed::Stale);
            }
            Err(error) if crate::scheduling::is_overlap(&error) => {
                tx.rollback().await?;
                return Ok(crate::Changed::Taken);
            }
            Err(error) => return Err(error.into()),
        }
        crate::engine::Sql::<S>::insert_event_in(&mut tx, &c.event).await?;
        // Moving or cancelling changes the clinician's free time (the directory's next available).
        <S::Db as crate::engine::Dialect>::scheduling_changed(&mut tx).await?;
        tx.commit().await?;
        self.scheduling_committed().await;
        Ok(crate::Changed::Done)
    }

    async fn appointment_link(&self, id: sensate_domain::AppointmentId) -> crate::Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT sealed_token FROM appointment_links WHERE appointment_id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&mut *self.conn().await?)
            .await?)
    }

    async fn add_appointment_link(
        &self,
        id: sensate_domain::AppointmentId,
        token_hash: &str,
        sealed_token: &[u8],
        now: jiff::Timestamp,
    ) -> crate::Result<bool> {
        let added = sqlx::query(
            "INSERT INTO appointment_links (appointment_id, token_hash, sealed_token, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (appointment_id) DO NOTHING",
        )
        .bind(id.as_uuid())
        .bind(token_hash)
        .bind(sealed_token)
        .bind(crate::shared::secs(now))
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(added == 1)
    }

    async fn appointment_by_link(&self, token_hash: &str) -> crate::Result<Option<sensate_domain::AppointmentId>> {
        let id: Option<uuid::Uuid> =
            sqlx::query_scalar("SELECT appointment_id FROM appointment_links WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        Ok(id.map(sensate_domain::AppointmentId::from_uuid))
    }

    async fn cancellation_notice_hours(&self, practice: sensate_domain::PracticeId) -> crate::Result<u32> {
        let hours: Option<i32> = sqlx::query_scalar("SELECT cancellation_notice_hours FROM practices WHERE id = $1")
            .bind(practice.as_uuid())
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        crate::scheduling::unsigned(hours.unwrap_or(24), "hours")
    }

    async fn update_practice_settings(&self, practice: &crate::PracticeRecord, notice_hours: u32) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query(
            "UPDATE practices SET name = $2, time_zone = $3, address = $4, contact_email = $5, phone = $6, \
             cancellation_notice_hours = $7, reminders_name_service = $8, sender_name = $9 WHERE id = $1",
        )
        .bind(practice.id.as_uuid())
        .bind(&practice.name)
        .bind(practice.time_zone.as_str())
        .bind(&practice.address)
        .bind(&practice.contact_email)
        .bind(&practice.phone)
        .bind(crate::scheduling::small(notice_hours))
        .bind(practice.reminders_name_service)
        .bind(&practice.sender_name)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
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
    pub(crate) async fn insert_event_in(
        conn: &mut crate::engine::Conn<S>,
        e: &crate::NewAppointmentEvent,
    ) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO appointment_events (id, appointment_id, at, change, party, actor_id, late, reason, \
             previous_starts_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(e.appointment.as_uuid())
        .bind(crate::shared::secs(e.at))
        .bind(e.kind.as_str())
        .bind(crate::appointments::party_str(e.party))
        .bind(e.actor.map(|a| a.as_uuid()))
        .bind(e.late)
        .bind(&e.reason)
        .bind(e.previous_starts_at.map(crate::shared::secs))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
