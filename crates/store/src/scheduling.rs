//! Session types and booking. Two appointments of one clinician that occupy
//! time (held, requested, confirmed) never overlap: the database refuses
//! them (an exclusion constraint on PostgreSQL, triggers inside SQLite's
//! single write transaction), so the rule holds across any number of app
//! servers and whatever the code above does. Booking reports the refusal as
//! [`Booking::Taken`], not as an error.
use crate::engine::RowsAffected as _;
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::{OfficeId, PracticeId, SessionTypeId, UserId};

use sensate_domain::AppointmentId;
use sensate_domain::scheduling::AppointmentStatus;

use crate::shared::{format, participants};

use crate::{
    AvailabilityRecord, Booking, BookingRequestRecord, BookingView, NewAppointment, Result, SessionTypeRecord,
};

pub(crate) const BOOKING_SELECT: &str = "SELECT r.appointment_id, r.session_type_id, r.name, r.email, r.phone, \
     r.with_partner, r.partner_email, r.concern, r.message, r.payment, r.voicemail_ok, r.discreet_email, \
     r.jurisdiction, r.visitor_time_zone, r.created_at, r.email_confirmed_at, a.practice_id, a.clinician_id, \
     a.starts_at, a.ends_at, a.format, a.status, a.held_until \
     FROM booking_requests r JOIN appointments a ON a.id = r.appointment_id";

pub(crate) fn booking_view<R>(row: &R) -> Result<BookingView>
where
    R: sqlx::Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> uuid::Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<Vec<u8>>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let instant = crate::shared::instant;
    let confirmed: Option<i64> = row.try_get("email_confirmed_at")?;
    let held_until: Option<i64> = row.try_get("held_until")?;
    Ok(BookingView {
        request: BookingRequestRecord {
            appointment_id: AppointmentId::from_uuid(row.try_get("appointment_id")?),
            session_type_id: SessionTypeId::from_uuid(row.try_get("session_type_id")?),
            name: row.try_get("name")?,
            email: crate::shared::email(&row.try_get::<String, _>("email")?)?,
            phone: row.try_get("phone")?,
            with_partner: row.try_get("with_partner")?,
            partner_email: match row.try_get::<String, _>("partner_email")? {
                text if text.is_empty() => None,
                text => Some(crate::shared::email(&text)?),
            },
            concern: row.try_get("concern")?,
            message: row.try_get("message")?,
            payment: row.try_get("payment")?,
            voicemail_ok: row.try_get("voicemail_ok")?,
            discreet_email: row.try_get("discreet_email")?,
            jurisdiction: row.try_get("jurisdiction")?,
            visitor_time_zone: crate::shared::zone(&row.try_get::<String, _>("visitor_time_zone")?)?,
            created_at: instant(row.try_get("created_at")?)?,
            email_confirmed_at: confirmed.map(instant).transpose()?,
        },
        practice_id: sensate_domain::PracticeId::from_uuid(row.try_get("practice_id")?),
        clinician_id: UserId::from_uuid(row.try_get("clinician_id")?),
        starts_at: instant(row.try_get("starts_at")?)?,
        ends_at: instant(row.try_get("ends_at")?)?,
        format: format(&row.try_get::<String, _>("format")?)?,
        status: crate::shared::status(&row.try_get::<String, _>("status")?)?,
        held_until: held_until.map(instant).transpose()?,
    })
}

/// Minutes and counts are small; the databases keep them as INTEGER.
pub(crate) fn small(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

pub(crate) fn unsigned(value: i32, what: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| crate::StoreError::Corrupt(format!("{what} {value}")))
}

/// An `availability_settings` row, without its hours (one clinician's
/// [`SchedulingStore::availability`] and the directory's bulk read share it).
pub(crate) fn availability_settings<R>(row: &R, clinician: UserId) -> Result<AvailabilityRecord>
where
    R: sqlx::Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i32>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let max_per_day: Option<i32> = row.try_get("max_per_day")?;
    Ok(AvailabilityRecord {
        clinician_id: clinician,
        time_zone: crate::shared::zone(&row.try_get::<String, _>("time_zone")?)?,
        buffer_before_minutes: unsigned(row.try_get("buffer_before_minutes")?, "minutes")?,
        buffer_after_minutes: unsigned(row.try_get("buffer_after_minutes")?, "minutes")?,
        min_notice_minutes: unsigned(row.try_get("min_notice_minutes")?, "minutes")?,
        horizon_days: unsigned(row.try_get("horizon_days")?, "days")?,
        max_per_day: max_per_day.map(|m| unsigned(m, "sessions")).transpose()?,
        slot_step_minutes: unsigned(row.try_get("slot_step_minutes")?, "minutes")?,
        weekly: Vec::new(),
        overrides: Vec::new(),
        updated_at: crate::shared::instant(row.try_get("updated_at")?)?,
    })
}

/// A `weekly_hours` row.
pub(crate) fn weekly_hours<R>(row: &R) -> Result<crate::WeeklyHoursRecord>
where
    R: sqlx::Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<uuid::Uuid>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let weekday: i32 = row.try_get("weekday")?;
    Ok(crate::WeeklyHoursRecord {
        weekday: u8::try_from(weekday).map_err(|_| crate::StoreError::Corrupt(format!("weekday {weekday}")))?,
        start_minute: unsigned(row.try_get("start_minute")?, "minute")?,
        end_minute: unsigned(row.try_get("end_minute")?, "minute")?,
        format: format(&row.try_get::<String, _>("format")?)?,
        office_id: row.try_get::<Option<uuid::Uuid>, _>("office_id")?.map(OfficeId::from_uuid),
    })
}

/// A `date_overrides` row: a closed day, or that day's hours.
pub(crate) fn date_override<R>(row: &R) -> Result<crate::DateOverrideRecord>
where
    R: sqlx::Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i32>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<uuid::Uuid>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let closed: bool = row.try_get("closed")?;
    let hours = if closed {
        None
    } else {
        let start: Option<i32> = row.try_get("start_minute")?;
        let end: Option<i32> = row.try_get("end_minute")?;
        let kind: Option<String> = row.try_get("format")?;
        match (start, end, kind) {
            (Some(start), Some(end), Some(kind)) => Some((
                unsigned(start, "minute")?,
                unsigned(end, "minute")?,
                format(&kind)?,
                row.try_get::<Option<uuid::Uuid>, _>("office_id")?.map(OfficeId::from_uuid),
            )),
            _ => return Err(crate::StoreError::Corrupt("open date override without hours".into())),
        }
    };
    Ok(crate::DateOverrideRecord { day: crate::directory::date(&row.try_get::<String, _>("day")?)?, hours })
}

#[async_trait]
pub trait SchedulingStore: Send + Sync {
    /// Lets lapsed holds of the clinician expire, then inserts the
    /// appointment, in one transaction; `Taken` when it would overlap.
    async fn book_appointment(&self, appointment: &NewAppointment, now: Timestamp) -> Result<Booking>;
    /// Holds the time for a visitor's request: like [`Self::book_appointment`],
    /// and the request is stored in the same transaction (or neither is).
    async fn request_booking(
        &self,
        appointment: &NewAppointment,
        request: &BookingRequestRecord,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Booking>;
    async fn booking_by_token(&self, token_hash: &str) -> Result<Option<BookingView>>;
    async fn booking(&self, appointment: AppointmentId) -> Result<Option<BookingView>>;
    /// The visitor confirmed their email: a still-valid hold becomes `status`.
    /// False when the hold has lapsed or was confirmed already.
    async fn confirm_booking_email(
        &self,
        appointment: AppointmentId,
        status: AppointmentStatus,
        now: Timestamp,
    ) -> Result<bool>;
    /// Changes an appointment's status only if it is still `from` (so two
    /// people acting at once cannot both succeed); false otherwise.
    async fn change_appointment_status(
        &self,
        appointment: AppointmentId,
        from: AppointmentStatus,
        to: AppointmentStatus,
        now: Timestamp,
    ) -> Result<bool>;
    /// The clinician's booking requests that wait for them (email confirmed,
    /// not yet confirmed or declined), soonest first.
    async fn booking_requests_for(&self, clinician: UserId, from: Timestamp) -> Result<Vec<BookingView>>;
    /// How many of [`Self::booking_requests_for`] there are.
    async fn count_booking_requests_for(&self, clinician: UserId, from: Timestamp) -> Result<i64>;
    /// The online requests, made with `clinician`, that became sessions of
    /// one of `client`'s cases in `practice`, newest first: what the client
    /// wrote when booking.
    async fn booking_requests_of_client(
        &self,
        practice: PracticeId,
        client: UserId,
        clinician: UserId,
    ) -> Result<Vec<BookingView>>;
    /// Marks every hold that lapsed by `now` as expired; returns how many.
    async fn expire_holds(&self, now: Timestamp) -> Result<u64>;
    async fn insert_session_type(&self, session_type: &SessionTypeRecord) -> Result<()>;
    /// Offers or withdraws a session type; false when the practice has no such type.
    async fn set_session_type_active(&self, practice: PracticeId, id: SessionTypeId, active: bool) -> Result<bool>;
    /// The practice's session types, trial consultations first, then by name.
    async fn session_types(&self, practice: PracticeId) -> Result<Vec<SessionTypeRecord>>;
    /// Replaces the clinician's availability (settings, weekly hours, overrides) as a whole.
    async fn save_availability(&self, availability: &AvailabilityRecord) -> Result<()>;
    async fn availability(&self, clinician: UserId) -> Result<Option<AvailabilityRecord>>;
    /// Gives the clinician a (new) calendar feed address, replacing any old one.
    async fn set_calendar_feed(&self, clinician: UserId, token_hash: &str, now: Timestamp) -> Result<()>;
    /// False when there was none.
    async fn remove_calendar_feed(&self, clinician: UserId) -> Result<bool>;
    /// When the clinician's current feed address was made, if there is one.
    async fn calendar_feed_since(&self, clinician: UserId) -> Result<Option<Timestamp>>;
    /// Whose feed a token hash opens.
    async fn calendar_feed_owner(&self, token_hash: &str) -> Result<Option<UserId>>;
    /// The clinician's appointments that occupy time at `from` or later, by
    /// start. A hold counts only while it has not lapsed at `now` (it may
    /// not be marked expired yet), whatever `from` is.
    async fn busy_times(
        &self,
        clinician: UserId,
        from: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<(Timestamp, Timestamp)>>;
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

// A visitor's chosen time is held until `held_until`, then lapses. That rule
// is written here only, in the shapes the queries need; `now` is the
// placeholder of the query's "now" parameter (e.g. `$3`).

/// SQL: the row (of `appointments`, columns under `alias`, e.g. `"a."` or
/// `""`) is not a hold that has lapsed at `now`.
pub(crate) fn not_lapsed(alias: &str, now: &str) -> String {
    format!("({alias}status <> 'held' OR {alias}held_until IS NULL OR {alias}held_until > {now})")
}

/// SQL: the row is a hold still valid at `now`.
pub(crate) fn live_hold(now: &str) -> String {
    format!("status = 'held' AND held_until > {now}")
}

/// SQL: lets the clinician's (`$1`) holds that lapsed by `$2` expire.
pub(crate) fn expire_lapsed_holds_of_clinician() -> String {
    format!(
        "UPDATE appointments SET status = 'expired', updated_at = $2 WHERE clinician_id = $1 AND {}",
        lapsed_hold("$2")
    )
}

/// SQL: the row is a hold that lapsed by `now`.
fn lapsed_hold(now: &str) -> String {
    format!("status = 'held' AND held_until <= {now}")
}

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
    .bind(appointment.session_type_id.map(|id| id.as_uuid()))
    .bind(appointment.held_until.map(crate::shared::secs))
}

/// One client who attends `appointment`, for an appointment that names who
/// attends ([`NewAppointment::attendees`]).
pub(crate) fn insert_attendee_query<'q, DB>(
    appointment: sensate_domain::AppointmentId,
    client: UserId,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    uuid::Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query::<DB>("INSERT INTO appointment_attendees (appointment_id, client_id) VALUES ($1, $2)")
        .bind(appointment.as_uuid())
        .bind(client.as_uuid())
}

pub(crate) fn insert_request_query<'q, DB>(
    r: &'q BookingRequestRecord,
    token_hash: &'q str,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    uuid::Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q [u8]>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query::<DB>(
        "INSERT INTO booking_requests (appointment_id, token_hash, session_type_id, name, email, phone, with_partner, \
         partner_email, concern, message, payment, voicemail_ok, discreet_email, jurisdiction, visitor_time_zone, \
         created_at, email_confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(r.appointment_id.as_uuid())
    .bind(token_hash)
    .bind(r.session_type_id.as_uuid())
    .bind(r.name.as_str())
    .bind(r.email.as_str())
    .bind(r.phone.as_str())
    .bind(r.with_partner)
    .bind(r.partner_email.as_ref().map_or("", sensate_domain::Email::as_str))
    .bind(r.concern.as_deref())
    .bind(r.message.as_deref())
    .bind(r.payment.as_str())
    .bind(r.voicemail_ok)
    .bind(r.discreet_email)
    .bind(r.jurisdiction.as_str())
    .bind(r.visitor_time_zone.as_str())
    .bind(crate::shared::secs(r.created_at))
    .bind(r.email_confirmed_at.map(crate::shared::secs))
}

#[async_trait::async_trait]
impl<S> crate::SchedulingStore for S
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
    async fn book_appointment(
        &self,
        appointment: &crate::NewAppointment,
        now: jiff::Timestamp,
    ) -> crate::Result<crate::Booking> {
        crate::engine::Sql::<S>::book_with(self, appointment, None, now).await
    }

    async fn request_booking(
        &self,
        appointment: &crate::NewAppointment,
        request: &crate::BookingRequestRecord,
        token_hash: &str,
        now: jiff::Timestamp,
    ) -> crate::Result<crate::Booking> {
        crate::engine::Sql::<S>::book_with(self, appointment, Some((request, token_hash)), now).await
    }

    async fn booking_by_token(&self, token_hash: &str) -> crate::Result<Option<crate::BookingView>> {
        let row = sqlx::query(&format!("{} WHERE r.token_hash = $1", crate::scheduling::BOOKING_SELECT))
            .bind(token_hash)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(crate::scheduling::booking_view).transpose()
    }

    async fn booking(&self, appointment: sensate_domain::AppointmentId) -> crate::Result<Option<crate::BookingView>> {
        let row = sqlx::query(&format!("{} WHERE r.appointment_id = $1", crate::scheduling::BOOKING_SELECT))
            .bind(appointment.as_uuid())
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(crate::scheduling::booking_view).transpose()
    }

    async fn confirm_booking_email(
        &self,
        appointment: sensate_domain::AppointmentId,
        status: sensate_domain::scheduling::AppointmentStatus,
        now: jiff::Timestamp,
    ) -> crate::Result<bool> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let changed = sqlx::query(&format!(
            "UPDATE appointments SET status = $2, held_until = NULL, updated_at = $3 WHERE id = $1 AND {}",
            live_hold("$3")
        ))
        .bind(appointment.as_uuid())
        .bind(status.as_str())
        .bind(crate::shared::secs(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("UPDATE booking_requests SET email_confirmed_at = $2 WHERE appointment_id = $1")
            .bind(appointment.as_uuid())
            .bind(crate::shared::secs(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn change_appointment_status(
        &self,
        appointment: sensate_domain::AppointmentId,
        from: sensate_domain::scheduling::AppointmentStatus,
        to: sensate_domain::scheduling::AppointmentStatus,
        now: jiff::Timestamp,
    ) -> crate::Result<bool> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let changed = sqlx::query("UPDATE appointments SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2")
            .bind(appointment.as_uuid())
            .bind(from.as_str())
            .bind(to.as_str())
            .bind(crate::shared::secs(now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            <S::Db as crate::engine::Dialect>::scheduling_changed(&mut tx).await?;
        }
        tx.commit().await?;
        if changed == 1 {
            self.scheduling_committed().await;
        }
        Ok(changed == 1)
    }

    async fn booking_requests_for(
        &self,
        clinician: sensate_domain::UserId,
        from: jiff::Timestamp,
    ) -> crate::Result<Vec<crate::BookingView>> {
        let rows = sqlx::query(&format!(
            "{} WHERE a.clinician_id = $1 AND a.status = 'requested' AND a.starts_at >= $2 ORDER BY a.starts_at",
            crate::scheduling::BOOKING_SELECT
        ))
        .bind(clinician.as_uuid())
        .bind(crate::shared::secs(from))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(crate::scheduling::booking_view).collect()
    }

    async fn booking_requests_of_client(
        &self,
        practice: sensate_domain::PracticeId,
        client: sensate_domain::UserId,
        clinician: sensate_domain::UserId,
    ) -> crate::Result<Vec<crate::BookingView>> {
        let rows = sqlx::query(&format!(
            "{} WHERE a.practice_id = $1 AND a.clinician_id = $3 AND EXISTS (SELECT 1 FROM case_members m \
             WHERE m.case_id = a.case_id AND m.client_id = $2 AND {}) ORDER BY r.created_at DESC",
            crate::scheduling::BOOKING_SELECT,
            crate::shared::attends("a", "m")
        ))
        .bind(practice.as_uuid())
        .bind(client.as_uuid())
        .bind(clinician.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(crate::scheduling::booking_view).collect()
    }

    async fn count_booking_requests_for(
        &self,
        clinician: sensate_domain::UserId,
        from: jiff::Timestamp,
    ) -> crate::Result<i64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM booking_requests r JOIN appointments a ON a.id = r.appointment_id \
             WHERE a.clinician_id = $1 AND a.status = 'requested' AND a.starts_at >= $2",
        )
        .bind(clinician.as_uuid())
        .bind(crate::shared::secs(from))
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(count)
    }

    async fn expire_holds(&self, now: jiff::Timestamp) -> crate::Result<u64> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let expired = sqlx::query(&format!(
            "UPDATE appointments SET status = 'expired', updated_at = $1 WHERE {}",
            lapsed_hold("$1")
        ))
        .bind(crate::shared::secs(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if expired > 0 {
            <S::Db as crate::engine::Dialect>::scheduling_changed(&mut tx).await?;
        }
        tx.commit().await?;
        if expired > 0 {
            self.scheduling_committed().await;
        }
        Ok(expired)
    }

    async fn insert_session_type(&self, session_type: &crate::SessionTypeRecord) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO session_types (id, practice_id, name, duration_minutes, fee_cents, in_person, \
             telehealth, participants, trial, needs_approval, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(session_type.id.as_uuid())
        .bind(session_type.practice_id.as_uuid())
        .bind(&session_type.name)
        .bind(i32::try_from(session_type.duration_minutes).unwrap_or(i32::MAX))
        .bind(session_type.fee_cents)
        .bind(session_type.in_person)
        .bind(session_type.telehealth)
        .bind(session_type.participants.as_str())
        .bind(session_type.trial)
        .bind(session_type.needs_approval)
        .bind(session_type.active)
        .bind(crate::shared::secs(session_type.created_at))
        .execute(&mut *tx)
        .await?;
        <S::Db as crate::engine::Dialect>::scheduling_changed(&mut tx).await?;
        tx.commit().await?;
        self.scheduling_committed().await;
        Ok(())
    }

    async fn set_session_type_active(
        &self,
        practice: sensate_domain::PracticeId,
        id: SessionTypeId,
        active: bool,
    ) -> crate::Result<bool> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let changed = sqlx::query("UPDATE session_types SET active = $3 WHERE id = $1 AND practice_id = $2")
            .bind(id.as_uuid())
            .bind(practice.as_uuid())
            .bind(active)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            <S::Db as crate::engine::Dialect>::scheduling_changed(&mut tx).await?;
        }
        tx.commit().await?;
        if changed == 1 {
            self.scheduling_committed().await;
        }
        Ok(changed == 1)
    }

    async fn session_types(
        &self,
        practice: sensate_domain::PracticeId,
    ) -> crate::Result<Vec<crate::SessionTypeRecord>> {
        use sqlx::Row;
        let rows = sqlx::query(
            "SELECT id, name, duration_minutes, fee_cents, in_person, telehealth, participants, trial, \
             needs_approval, active, created_at FROM session_types WHERE practice_id = $1 \
             ORDER BY trial DESC, name, id",
        )
        .bind(practice.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|row| {
                let minutes: i32 = row.try_get("duration_minutes")?;
                Ok(crate::SessionTypeRecord {
                    id: SessionTypeId::from_uuid(row.try_get("id")?),
                    practice_id: practice,
                    name: row.try_get("name")?,
                    duration_minutes: u32::try_from(minutes)
                        .map_err(|_| crate::StoreError::Corrupt(format!("duration {minutes}")))?,
                    fee_cents: row.try_get("fee_cents")?,
                    in_person: row.try_get("in_person")?,
                    telehealth: row.try_get("telehealth")?,
                    participants: participants(&row.try_get::<String, _>("participants")?)?,
                    trial: row.try_get("trial")?,
                    needs_approval: row.try_get("needs_approval")?,
                    active: row.try_get("active")?,
                    created_at: crate::shared::instant(row.try_get("created_at")?)?,
                })
            })
            .collect()
    }

    async fn save_availability(&self, a: &crate::AvailabilityRecord) -> crate::Result<()> {
        use crate::scheduling::small;
        let clinician = a.clinician_id.as_uuid();
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO availability_settings (clinician_id, time_zone, buffer_before_minutes, \
             buffer_after_minutes, min_notice_minutes, horizon_days, max_per_day, slot_step_minutes, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (clinician_id) DO UPDATE SET \
             time_zone = excluded.time_zone, buffer_before_minutes = excluded.buffer_before_minutes, \
             buffer_after_minutes = excluded.buffer_after_minutes, \
             min_notice_minutes = excluded.min_notice_minutes, horizon_days = excluded.horizon_days, \
             max_per_day = excluded.max_per_day, slot_step_minutes = excluded.slot_step_minutes, \
             updated_at = excluded.updated_at",
        )
        .bind(clinician)
        .bind(a.time_zone.as_str())
        .bind(small(a.buffer_before_minutes))
        .bind(small(a.buffer_after_minutes))
        .bind(small(a.min_notice_minutes))
        .bind(small(a.horizon_days))
        .bind(a.max_per_day.map(small))
        .bind(small(a.slot_step_minutes))
        .bind(crate::shared::secs(a.updated_at))
        .execute(&mut *tx)
        .await?;
        for table in ["weekly_hours", "date_overrides"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE clinician_id = $1"))
                .bind(clinician)
                .execute(&mut *tx)
                .await?;
        }
        for w in &a.weekly {
            sqlx::query(
                "INSERT INTO weekly_hours (id, clinician_id, weekday, start_minute, end_minute, format, office_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(uuid::Uuid::now_v7())
            .bind(clinician)
            .bind(i32::from(w.weekday))
            .bind(small(w.start_minute))
            .bind(small(w.end_minute))
            .bind(w.format.as_str())
            .bind(w.office_id.map(|id| id.as_uuid()))
            .execute(&mut *tx)
            .await?;
        }
        for o in &a.overrides {
            let (start, end, format, office) = match &o.hours {
                Some((start, end, format, office)) => {
                    (Some(small(*start)), Some(small(*end)), Some(format.as_str()), *office)
                }
                None => (None, None, None, None),
            };
            sqlx::query(
                "INSERT INTO date_overrides (id, clinician_id, day, closed, start_minute, end_minute, format, \
                 office_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(uuid::Uuid::now_v7())
            .bind(clinician)
            .bind(o.day.to_string())
            .bind(o.hours.is_none())
            .bind(start)
            .bind(end)
            .bind(format)
            .bind(office.map(|id| id.as_uuid()))
            .execute(&mut *tx)
            .await?;
        }
        <S::Db as crate::engine::Dialect>::scheduling_changed(&mut tx).await?;
        tx.commit().await?;
        self.scheduling_committed().await;
        Ok(())
    }

    async fn availability(
        &self,
        clinician: sensate_domain::UserId,
    ) -> crate::Result<Option<crate::AvailabilityRecord>> {
        let Some(row) = sqlx::query(
            "SELECT time_zone, buffer_before_minutes, buffer_after_minutes, min_notice_minutes, horizon_days, \
             max_per_day, slot_step_minutes, updated_at FROM availability_settings WHERE clinician_id = $1",
        )
        .bind(clinician.as_uuid())
        .fetch_optional(&mut *self.conn().await?)
        .await?
        else {
            return Ok(None);
        };
        let weekly = sqlx::query(
            "SELECT weekday, start_minute, end_minute, format, office_id FROM weekly_hours \
             WHERE clinician_id = $1 ORDER BY weekday, start_minute, format",
        )
        .bind(clinician.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(crate::scheduling::weekly_hours)
        .collect::<crate::Result<Vec<_>>>()?;
        let overrides = sqlx::query(
            "SELECT day, closed, start_minute, end_minute, format, office_id FROM date_overrides \
             WHERE clinician_id = $1 ORDER BY day, start_minute",
        )
        .bind(clinician.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?
        .iter()
        .map(crate::scheduling::date_override)
        .collect::<crate::Result<Vec<_>>>()?;
        Ok(Some(crate::AvailabilityRecord {
            weekly,
            overrides,
            ..crate::scheduling::availability_settings(&row, clinician)?
        }))
    }

    async fn set_calendar_feed(
        &self,
        clinician: sensate_domain::UserId,
        token_hash: &str,
        now: jiff::Timestamp,
    ) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO calendar_feeds (clinician_id, token_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (clinician_id) DO UPDATE SET token_hash = excluded.token_hash, \
             created_at = excluded.created_at",
        )
        .bind(clinician.as_uuid())
        .bind(token_hash)
        .bind(crate::shared::secs(now))
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn remove_calendar_feed(&self, clinician: sensate_domain::UserId) -> crate::Result<bool> {
        let removed = sqlx::query("DELETE FROM calendar_feeds WHERE clinician_id = $1")
            .bind(clinician.as_uuid())
            .execute(&mut *self.conn().await?)
            .await?
            .rows_affected();
        Ok(removed > 0)
    }

    async fn calendar_feed_since(&self, clinician: sensate_domain::UserId) -> crate::Result<Option<jiff::Timestamp>> {
        let since: Option<i64> = sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE clinician_id = $1")
            .bind(clinician.as_uuid())
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        since.map(crate::shared::instant).transpose()
    }

    async fn calendar_feed_owner(&self, token_hash: &str) -> crate::Result<Option<sensate_domain::UserId>> {
        let owner: Option<uuid::Uuid> =
            sqlx::query_scalar("SELECT clinician_id FROM calendar_feeds WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        Ok(owner.map(sensate_domain::UserId::from_uuid))
    }

    async fn busy_times(
        &self,
        clinician: sensate_domain::UserId,
        from: jiff::Timestamp,
        now: jiff::Timestamp,
    ) -> crate::Result<Vec<(jiff::Timestamp, jiff::Timestamp)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT starts_at, ends_at FROM appointments WHERE clinician_id = $1 AND ends_at > $2 \
             AND status IN {} AND {} ORDER BY starts_at",
            crate::scheduling::OCCUPYING,
            not_lapsed("", "$3")
        ))
        .bind(clinician.as_uuid())
        .bind(crate::shared::secs(from))
        .bind(crate::shared::secs(now))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|(start, end)| Ok((crate::shared::instant(start)?, crate::shared::instant(end)?)))
            .collect()
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
    /// Lets the clinician's lapsed holds expire, inserts the appointment
    /// and, for a visitor, their request, in one transaction. The first
    /// statement writes, so on SQLite the transaction holds the write
    /// lock from here to commit.
    pub(crate) async fn book_with(
        source: &S,
        appointment: &crate::NewAppointment,
        request: Option<(&crate::BookingRequestRecord, &str)>,
        now: jiff::Timestamp,
    ) -> crate::Result<crate::Booking> {
        let mut conn = source.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        <S::Db as crate::engine::Dialect>::serialize_bookings(&mut tx, appointment.clinician_id).await?;
        sqlx::query(&expire_lapsed_holds_of_clinician())
            .bind(appointment.clinician_id.as_uuid())
            .bind(crate::shared::secs(now))
            .execute(&mut *tx)
            .await?;
        match crate::scheduling::insert_appointment_query(appointment).execute(&mut *tx).await {
            Ok(_) => {
                for client in &appointment.attendees {
                    crate::scheduling::insert_attendee_query(appointment.id, *client).execute(&mut *tx).await?;
                }
                if let Some((r, token_hash)) = request {
                    crate::scheduling::insert_request_query(r, token_hash).execute(&mut *tx).await?;
                }
                <S::Db as crate::engine::Dialect>::scheduling_changed(&mut tx).await?;
                tx.commit().await?;
                source.scheduling_committed().await;
                Ok(crate::Booking::Booked)
            }
            Err(error) if crate::scheduling::is_overlap(&error) => {
                tx.rollback().await?;
                Ok(crate::Booking::Taken)
            }
            Err(error) => Err(error.into()),
        }
    }
}
