//! A clinician's calendar: what their week holds, the cases they may book
//! sessions for, and booking a series of sessions as a whole. A series is
//! checked in full before anything is written and then inserted in one
//! transaction, so it is never half booked.
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::scheduling::{AppointmentStatus, CaseKind, SessionFormat};
use sensate_domain::{AppointmentId, CaseId, PracticeId, UserId};

use crate::{NewAppointment, Result};

/// One appointment of a clinician's week, with who it is with: the case's
/// clients, or for a visitor's request the name they gave.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarEntry {
    pub id: AppointmentId,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub format: SessionFormat,
    pub status: AppointmentStatus,
    pub held_until: Option<Timestamp>,
    pub case_id: Option<CaseId>,
    pub series_id: Option<sensate_domain::SeriesId>,
    /// The case's clients, by name; empty before there is a case.
    pub client_names: Vec<String>,
    /// The name a visitor gave with their booking request.
    pub visitor_name: Option<String>,
}

/// An open case sessions may be booked for.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulableCase {
    pub id: CaseId,
    pub practice_id: PracticeId,
    pub clinician_id: UserId,
    pub clinician_name: String,
    pub kind: CaseKind,
    /// The case's clients, by name.
    pub clients: Vec<(UserId, String)>,
}

impl SchedulableCase {
    /// The clients' names, in order.
    pub fn client_names(&self) -> Vec<&str> {
        self.clients.iter().map(|(_, name)| name.as_str()).collect()
    }
}

/// A recurring series, as stored beside its occurrences.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSeries {
    pub id: sensate_domain::SeriesId,
    pub practice_id: PracticeId,
    pub clinician_id: UserId,
    pub case_id: CaseId,
    /// "weekly" or "fortnightly".
    pub cadence: String,
    pub occurrences: u32,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

/// What became of booking several sessions at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeriesBooking {
    /// Every occurrence was written.
    Booked,
    /// Nothing was written: these occurrences (positions in the list given)
    /// overlap an appointment that occupies the clinician's time, or an
    /// earlier occurrence of the same list.
    Collides(Vec<usize>),
}

#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// The clinician's appointments that start in `[from, to)`, by start:
    /// those that occupy time (a hold only until it lapses at `now`), and
    /// completed sessions and absences. Cancelled and lapsed ones are left out.
    async fn calendar_entries(
        &self,
        clinician: UserId,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<CalendarEntry>>;
    /// Open cases of the practice, of one clinician when given, by
    /// clinician name and then client names.
    async fn schedulable_cases(&self, practice: PracticeId, clinician: Option<UserId>) -> Result<Vec<SchedulableCase>>;
    /// Books every occurrence (all for one clinician) and the series, if
    /// any, in one transaction, or nothing at all. Lapsed holds are let go
    /// first, as a single booking does.
    async fn book_series(
        &self,
        series: Option<&NewSeries>,
        occurrences: &[NewAppointment],
        now: Timestamp,
    ) -> Result<SeriesBooking>;
}

/// Folds one row per (case, client) into one case with its clients.
pub(crate) fn fold_cases(rows: Vec<(SchedulableCase, (UserId, String))>) -> Vec<SchedulableCase> {
    let mut cases: Vec<SchedulableCase> = Vec::new();
    for (case, client) in rows {
        match cases.last_mut() {
            Some(last) if last.id == case.id => last.clients.push(client),
            _ => cases.push(SchedulableCase { clients: vec![client], ..case }),
        }
    }
    cases
}

/// Folds one row per (appointment, client) into one entry per appointment.
pub(crate) fn fold_entries(rows: Vec<(CalendarEntry, Option<String>)>) -> Vec<CalendarEntry> {
    let mut entries: Vec<CalendarEntry> = Vec::new();
    for (entry, client) in rows {
        match entries.last_mut() {
            Some(last) if last.id == entry.id => last.client_names.extend(client),
            _ => entries.push(CalendarEntry { client_names: client.into_iter().collect(), ..entry }),
        }
    }
    entries
}

#[async_trait::async_trait]
impl<S> crate::CalendarStore for S
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
    async fn calendar_entries(
        &self,
        clinician: sensate_domain::UserId,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
        now: jiff::Timestamp,
    ) -> crate::Result<Vec<crate::CalendarEntry>> {
        use sqlx::Row;
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.starts_at, a.ends_at, a.format, a.status, a.held_until, a.case_id, a.series_id, \
             r.name AS visitor_name, m.display_name AS client_name \
             FROM appointments a \
             LEFT JOIN booking_requests r ON r.appointment_id = a.id \
             LEFT JOIN case_members cm ON cm.case_id = a.case_id AND {} \
             LEFT JOIN users m ON m.id = cm.client_id \
             WHERE a.clinician_id = $1 AND a.starts_at >= $2 AND a.starts_at < $3 \
             AND a.status IN ('held', 'requested', 'confirmed', 'completed', 'no_show') \
             AND {} ORDER BY a.starts_at, a.id, m.display_name",
            crate::shared::attends("a", "cm"),
            crate::scheduling::not_lapsed("a.", "$4")
        ))
        .bind(clinician.as_uuid())
        .bind(crate::shared::secs(from))
        .bind(crate::shared::secs(to))
        .bind(crate::shared::secs(now))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut pairs = Vec::with_capacity(rows.len());
        for row in rows {
            let held_until: Option<i64> = row.try_get("held_until")?;
            let case_id: Option<uuid::Uuid> = row.try_get("case_id")?;
            let entry = crate::CalendarEntry {
                id: sensate_domain::AppointmentId::from_uuid(row.try_get("id")?),
                starts_at: crate::shared::instant(row.try_get("starts_at")?)?,
                ends_at: crate::shared::instant(row.try_get("ends_at")?)?,
                format: crate::shared::format(row.try_get("format")?)?,
                status: crate::shared::status(row.try_get("status")?)?,
                held_until: held_until.map(crate::shared::instant).transpose()?,
                case_id: case_id.map(sensate_domain::CaseId::from_uuid),
                series_id: row.try_get::<Option<uuid::Uuid>, _>("series_id")?.map(sensate_domain::SeriesId::from_uuid),
                client_names: Vec::new(),
                visitor_name: row.try_get("visitor_name")?,
            };
            pairs.push((entry, row.try_get::<Option<String>, _>("client_name")?));
        }
        Ok(crate::calendar::fold_entries(pairs))
    }

    async fn schedulable_cases(
        &self,
        practice: sensate_domain::PracticeId,
        clinician: Option<sensate_domain::UserId>,
    ) -> crate::Result<Vec<crate::SchedulableCase>> {
        use sqlx::Row;
        let rows = sqlx::query(
            "SELECT c.id, c.clinician_id, c.kind, t.display_name AS clinician_name, \
             m.id AS client_id, m.display_name AS client_name \
             FROM cases c \
             JOIN users t ON t.id = c.clinician_id \
             JOIN case_members cm ON cm.case_id = c.id \
             JOIN users m ON m.id = cm.client_id \
             WHERE c.practice_id = $1 AND c.status <> 'discharged' AND ($2 IS NULL OR c.clinician_id = $2) \
             ORDER BY t.display_name, c.id, m.display_name",
        )
        .bind(practice.as_uuid())
        .bind(clinician.map(|c| c.as_uuid()))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut pairs = Vec::with_capacity(rows.len());
        for row in rows {
            let case = crate::SchedulableCase {
                id: sensate_domain::CaseId::from_uuid(row.try_get("id")?),
                practice_id: practice,
                clinician_id: sensate_domain::UserId::from_uuid(row.try_get("clinician_id")?),
                clinician_name: row.try_get("clinician_name")?,
                kind: crate::shared::case_kind(row.try_get("kind")?)?,
                clients: Vec::new(),
            };
            let client = sensate_domain::UserId::from_uuid(row.try_get("client_id")?);
            pairs.push((case, (client, row.try_get::<String, _>("client_name")?)));
        }
        let mut cases = crate::calendar::fold_cases(pairs);
        cases.sort_by(|a, b| (&a.clinician_name, a.client_names()).cmp(&(&b.clinician_name, b.client_names())));
        Ok(cases)
    }

    async fn book_series(
        &self,
        series: Option<&crate::NewSeries>,
        occurrences: &[crate::NewAppointment],
        now: jiff::Timestamp,
    ) -> crate::Result<crate::SeriesBooking> {
        let Some(first) = occurrences.first() else { return Ok(crate::SeriesBooking::Booked) };
        let clinician = first.clinician_id;
        if occurrences.iter().any(|o| o.clinician_id != clinician) {
            return Err(crate::StoreError::Corrupt("a series belongs to one clinician".into()));
        }
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        <S::Db as crate::engine::Dialect>::serialize_bookings(&mut tx, clinician).await?;
        // A write first: on SQLite it takes the write lock, so no other
        // booking can slip in between the checks and the inserts.
        sqlx::query(&crate::scheduling::expire_lapsed_holds_of_clinician())
            .bind(clinician.as_uuid())
            .bind(crate::shared::secs(now))
            .execute(&mut *tx)
            .await?;
        let mut colliding = Vec::new();
        for (i, occurrence) in occurrences.iter().enumerate() {
            let taken: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM appointments WHERE clinician_id = $1 AND status IN {} \
                 AND starts_at < $3 AND ends_at > $2",
                crate::scheduling::OCCUPYING
            ))
            .bind(clinician.as_uuid())
            .bind(crate::shared::secs(occurrence.starts_at))
            .bind(crate::shared::secs(occurrence.ends_at))
            .fetch_one(&mut *tx)
            .await?;
            let overlaps_earlier =
                occurrences[..i].iter().any(|o| o.starts_at < occurrence.ends_at && occurrence.starts_at < o.ends_at);
            if taken > 0 || overlaps_earlier {
                colliding.push(i);
            }
        }
        if !colliding.is_empty() {
            tx.rollback().await?;
            return Ok(crate::SeriesBooking::Collides(colliding));
        }
        if let Some(s) = series {
            sqlx::query(
                "INSERT INTO series (id, practice_id, clinician_id, case_id, cadence, occurrences, created_by, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(s.id.as_uuid())
            .bind(s.practice_id.as_uuid())
            .bind(s.clinician_id.as_uuid())
            .bind(s.case_id.as_uuid())
            .bind(s.cadence.as_str())
            .bind(crate::scheduling::small(s.occurrences))
            .bind(s.created_by.as_uuid())
            .bind(crate::shared::secs(s.created_at))
            .execute(&mut *tx)
            .await?;
        }
        for (i, occurrence) in occurrences.iter().enumerate() {
            // The database's own rule stays the last word.
            match crate::scheduling::insert_appointment_query(occurrence).execute(&mut *tx).await {
                Ok(_) => {}
                Err(error) if crate::scheduling::is_overlap(&error) => {
                    tx.rollback().await?;
                    return Ok(crate::SeriesBooking::Collides(vec![i]));
                }
                Err(error) => return Err(error.into()),
            }
            for client in &occurrence.attendees {
                crate::scheduling::insert_attendee_query(occurrence.id, *client).execute(&mut *tx).await?;
            }
            if let Some(s) = series {
                sqlx::query("UPDATE appointments SET series_id = $1 WHERE id = $2")
                    .bind(s.id.as_uuid())
                    .bind(occurrence.id.as_uuid())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        // New sessions take free time (the directory's next available).
        <S::Db as crate::engine::Dialect>::scheduling_changed(&mut tx).await?;
        tx.commit().await?;
        self.scheduling_committed().await;
        Ok(crate::SeriesBooking::Booked)
    }
}
