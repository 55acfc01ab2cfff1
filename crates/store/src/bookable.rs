//! What the directory needs to say when each therapist can next be booked,
//! read in bulk: every clinician with hours who accepts new clients, with
//! their hours, their busy times and their practice's session types — a
//! handful of queries for the whole directory, not a few per therapist.
//!
//! `scheduling_version` increases with every change to hours, session types
//! or time taken, so app servers know when to compute next free times
//! again. SQLite bumps a `meta` row inside the writing transaction (writes
//! are serialized anyway); PostgreSQL takes the next value of a sequence
//! after the commit, so bookings of different clinicians never queue on
//! one row, and a reader never sees the new version before the change.
use std::collections::HashMap;

use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::{PracticeId, SessionTypeId};

use crate::{AvailabilityRecord, Result, SessionTypeRecord};

/// One clinician who may be offered to visitors, with what their free times
/// are computed from.
#[derive(Debug, Clone)]
pub struct BookableClinician {
    pub practice_id: PracticeId,
    pub offers_in_person: bool,
    pub offers_telehealth: bool,
    pub availability: AvailabilityRecord,
    /// Appointments that occupy time (see `SchedulingStore::busy_times`), by start.
    pub busy: Vec<(Timestamp, Timestamp)>,
}

/// Every bookable clinician and the active session types of their practices.
#[derive(Debug, Clone, Default)]
pub struct BookableSchedules {
    pub clinicians: Vec<BookableClinician>,
    /// Active session types by practice, trial consultations first, then by name.
    pub session_types: HashMap<PracticeId, Vec<SessionTypeRecord>>,
}

#[async_trait]
pub trait BookableStore: Send + Sync {
    /// Clinicians with hours whose profile accepts new clients, with busy
    /// times from `busy_from` on (a hold counts while it has not lapsed at
    /// `now`, as in `SchedulingStore::busy_times`) and date overrides from
    /// `overrides_from`.
    async fn bookable_schedules(
        &self,
        busy_from: Timestamp,
        now: Timestamp,
        overrides_from: jiff::civil::Date,
    ) -> Result<BookableSchedules>;
    /// Increases whenever hours, session types or taken time change.
    async fn scheduling_version(&self) -> Result<i64>;
    /// Adds clinicians' hours (none may have any yet) and session types in
    /// one transaction, with multi-row inserts: how synthetic therapists of
    /// the demo become bookable.
    async fn import_schedules(
        &self,
        availability: &[AvailabilityRecord],
        session_types: &[SessionTypeRecord],
    ) -> Result<()>;
}

pub(crate) const BUMP_SCHEDULING_VERSION: &str = "INSERT INTO meta (key, value) VALUES ('scheduling_version', '1') \
     ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)";

#[async_trait::async_trait]
impl<S> crate::BookableStore for S
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
    async fn bookable_schedules(
        &self,
        busy_from: jiff::Timestamp,
        now: jiff::Timestamp,
        overrides_from: jiff::civil::Date,
    ) -> crate::Result<crate::BookableSchedules> {
        use std::collections::HashMap;

        use crate::scheduling::unsigned;
        use sqlx::Row;
        // Only active clinicians whose profile takes new clients.
        let bookable = format!(
            "JOIN therapist_profiles t ON t.user_id = x.clinician_id JOIN users u ON u.id = t.user_id \
             WHERE t.accepting_new_clients = $1 AND {}",
            crate::directory::ACTIVE_CLINICIAN
        );
        let bookable = bookable.as_str();
        // A thousand clinicians at a time (keyset pagination on the id),
        // so rows are never all in memory at once: only what is kept.
        const CHUNK: i64 = 1_000;
        const CHUNK_OF: &str = "AND x.clinician_id >= $2 AND x.clinician_id <= $3";
        let mut clinicians = Vec::new();
        let mut after = uuid::Uuid::nil();
        loop {
            let settings = sqlx::query(&format!(
                "SELECT x.clinician_id, t.practice_id, t.offers_in_person, t.offers_telehealth, x.time_zone, \
                 x.buffer_before_minutes, x.buffer_after_minutes, x.min_notice_minutes, x.horizon_days, \
                 x.max_per_day, x.slot_step_minutes, x.updated_at FROM availability_settings x {bookable} \
                 AND x.clinician_id > $2 ORDER BY x.clinician_id LIMIT $3"
            ))
            .bind(true)
            .bind(after)
            .bind(CHUNK)
            .fetch_all(&mut *self.conn().await?)
            .await?;
            let (Some(first), Some(last)) = (settings.first(), settings.last()) else { break };
            let (first, last): (uuid::Uuid, uuid::Uuid) =
                (first.try_get("clinician_id")?, last.try_get("clinician_id")?);
            let full = settings.len() as i64 == CHUNK;
            let mut at: HashMap<uuid::Uuid, usize> = HashMap::with_capacity(settings.len());
            for row in settings {
                let clinician: uuid::Uuid = row.try_get("clinician_id")?;
                at.insert(clinician, clinicians.len());
                clinicians.push(crate::BookableClinician {
                    practice_id: sensate_domain::PracticeId::from_uuid(row.try_get("practice_id")?),
                    offers_in_person: row.try_get("offers_in_person")?,
                    offers_telehealth: row.try_get("offers_telehealth")?,
                    availability: crate::scheduling::availability_settings(
                        &row,
                        sensate_domain::UserId::from_uuid(clinician),
                    )?,
                    busy: Vec::new(),
                });
            }
            let weekly = sqlx::query(&format!(
                "SELECT x.clinician_id, x.weekday, x.start_minute, x.end_minute, x.format, x.office_id \
                 FROM weekly_hours x {bookable} {CHUNK_OF} ORDER BY x.clinician_id, x.weekday, x.start_minute, x.format"
            ))
            .bind(true)
            .bind(first)
            .bind(last)
            .fetch_all(&mut *self.conn().await?)
            .await?;
            for w in weekly {
                let Some(&i) = at.get(&w.try_get::<uuid::Uuid, _>("clinician_id")?) else { continue };
                clinicians[i].availability.weekly.push(crate::scheduling::weekly_hours(&w)?);
            }
            let overrides = sqlx::query(&format!(
                "SELECT x.clinician_id, x.day, x.closed, x.start_minute, x.end_minute, x.format, x.office_id \
                 FROM date_overrides x {bookable} {CHUNK_OF} AND x.day >= $4 \
                 ORDER BY x.clinician_id, x.day, x.start_minute"
            ))
            .bind(true)
            .bind(first)
            .bind(last)
            .bind(overrides_from.to_string())
            .fetch_all(&mut *self.conn().await?)
            .await?;
            for o in overrides {
                let Some(&i) = at.get(&o.try_get::<uuid::Uuid, _>("clinician_id")?) else { continue };
                clinicians[i].availability.overrides.push(crate::scheduling::date_override(&o)?);
            }
            let busy: Vec<(uuid::Uuid, i64, i64)> = sqlx::query_as(&format!(
                "SELECT x.clinician_id, x.starts_at, x.ends_at FROM appointments x {bookable} {CHUNK_OF} \
                 AND x.ends_at > $4 AND x.status IN {} \
                 AND {} ORDER BY x.clinician_id, x.starts_at",
                crate::scheduling::OCCUPYING,
                crate::scheduling::not_lapsed("x.", "$5")
            ))
            .bind(true)
            .bind(first)
            .bind(last)
            .bind(crate::shared::secs(busy_from))
            .bind(crate::shared::secs(now))
            .fetch_all(&mut *self.conn().await?)
            .await?;
            for (clinician, start, end) in busy {
                let Some(&i) = at.get(&clinician) else { continue };
                clinicians[i].busy.push((crate::shared::instant(start)?, crate::shared::instant(end)?));
            }
            after = last;
            if !full {
                break;
            }
        }
        let types = sqlx::query(
            "SELECT id, practice_id, name, duration_minutes, fee_cents, in_person, telehealth, participants, \
             trial, needs_approval, active, created_at FROM session_types WHERE active = $1 \
             ORDER BY practice_id, trial DESC, name, id",
        )
        .bind(true)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut session_types: HashMap<sensate_domain::PracticeId, Vec<crate::SessionTypeRecord>> = HashMap::new();
        for row in types {
            let minutes: i32 = row.try_get("duration_minutes")?;
            let practice = sensate_domain::PracticeId::from_uuid(row.try_get("practice_id")?);
            session_types.entry(practice).or_default().push(crate::SessionTypeRecord {
                id: SessionTypeId::from_uuid(row.try_get("id")?),
                practice_id: practice,
                name: row.try_get("name")?,
                duration_minutes: unsigned(minutes, "duration")?,
                fee_cents: row.try_get("fee_cents")?,
                in_person: row.try_get("in_person")?,
                telehealth: row.try_get("telehealth")?,
                participants: crate::shared::participants(&row.try_get::<String, _>("participants")?)?,
                trial: row.try_get("trial")?,
                needs_approval: row.try_get("needs_approval")?,
                active: row.try_get("active")?,
                created_at: crate::shared::instant(row.try_get("created_at")?)?,
            });
        }
        Ok(crate::BookableSchedules { clinicians, session_types })
    }

    async fn scheduling_version(&self) -> crate::Result<i64> {
        <S::Db as crate::engine::Dialect>::scheduling_version(&mut *self.conn().await?).await
    }

    async fn import_schedules(
        &self,
        availability: &[crate::AvailabilityRecord],
        session_types: &[crate::SessionTypeRecord],
    ) -> crate::Result<()> {
        use crate::scheduling::small;
        use crate::shared::secs;
        let weekly: Vec<(uuid::Uuid, &crate::WeeklyHoursRecord)> =
            availability.iter().flat_map(|a| a.weekly.iter().map(move |w| (a.clinician_id.as_uuid(), w))).collect();
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let conn = &mut *tx;
        crate::engine::Sql::<S>::insert_rows(
            conn,
            "INSERT INTO availability_settings (clinician_id, time_zone, buffer_before_minutes, \
             buffer_after_minutes, min_notice_minutes, horizon_days, max_per_day, slot_step_minutes, updated_at) ",
            9,
            availability,
            |mut row, a| {
                row.push_bind(a.clinician_id.as_uuid())
                    .push_bind(a.time_zone.as_str())
                    .push_bind(small(a.buffer_before_minutes))
                    .push_bind(small(a.buffer_after_minutes))
                    .push_bind(small(a.min_notice_minutes))
                    .push_bind(small(a.horizon_days))
                    .push_bind(a.max_per_day.map(small))
                    .push_bind(small(a.slot_step_minutes))
                    .push_bind(secs(a.updated_at));
            },
        )
        .await?;
        crate::engine::Sql::<S>::insert_rows(
            conn,
            "INSERT INTO weekly_hours (id, clinician_id, weekday, start_minute, end_minute, format, office_id) ",
            7,
            &weekly,
            |mut row, (clinician, w)| {
                row.push_bind(uuid::Uuid::now_v7())
                    .push_bind(*clinician)
                    .push_bind(i32::from(w.weekday))
                    .push_bind(small(w.start_minute))
                    .push_bind(small(w.end_minute))
                    .push_bind(w.format.as_str())
                    .push_bind(w.office_id.map(|id| id.as_uuid()));
            },
        )
        .await?;
        crate::engine::Sql::<S>::insert_rows(
            conn,
            "INSERT INTO session_types (id, practice_id, name, duration_minutes, fee_cents, in_person, \
             telehealth, participants, trial, needs_approval, active, created_at) ",
            12,
            session_types,
            |mut row, t| {
                row.push_bind(t.id.as_uuid())
                    .push_bind(t.practice_id.as_uuid())
                    .push_bind(&t.name)
                    .push_bind(small(t.duration_minutes))
                    .push_bind(t.fee_cents)
                    .push_bind(t.in_person)
                    .push_bind(t.telehealth)
                    .push_bind(t.participants.as_str())
                    .push_bind(t.trial)
                    .push_bind(t.needs_approval)
                    .push_bind(t.active)
                    .push_bind(secs(t.created_at));
            },
        )
        .await?;
        <S::Db as crate::engine::Dialect>::scheduling_changed(&mut tx).await?;
        tx.commit().await?;
        self.scheduling_committed().await;
        Ok(())
    }
}
