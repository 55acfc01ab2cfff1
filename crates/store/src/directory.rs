//! The directory's profiles, licences and certifications. Child rows
//! (concerns, languages, payers, offices) are replaced as a whole when a
//! profile is saved, in one transaction. Every change bumps
//! `meta.directory_version`, so app servers know when to rebuild their
//! in-memory search index.
use crate::engine::RowsAffected as _;
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::{CredentialId, OfficeId, PracticeId, UserId};

use crate::{
    CertificationRecord, DirectoryImport, DirectoryProfileRecord, LicenceRecord, PhotoRecord, Result, TherapistProfile,
    Verification,
};

#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// Saves the profile and its concerns, languages, payers and offices.
    async fn save_directory_profile(&self, profile: &DirectoryProfileRecord, now: Timestamp) -> Result<()>;
    async fn directory_profile(&self, user: UserId) -> Result<Option<DirectoryProfileRecord>>;
    /// The profile without its lists, offices and credentials (name, headline,
    /// credentials as written): one query, for a search result's card.
    async fn public_profile(&self, user: UserId) -> Result<Option<TherapistProfile>>;
    /// Every profile with its licences and certifications, in user id order.
    async fn directory_profiles(&self) -> Result<Vec<DirectoryProfileRecord>>;
    /// The same profiles handed to `visit` one at a time, without holding
    /// them all: how the search index is built from 100,000 profiles.
    async fn visit_directory_profiles(&self, visit: &mut (dyn FnMut(DirectoryProfileRecord) + Send)) -> Result<()>;
    /// Increases whenever anything the directory shows changes.
    async fn directory_version(&self) -> Result<i64>;
    async fn insert_licence(&self, licence: &LicenceRecord) -> Result<()>;
    async fn insert_certification(&self, certification: &CertificationRecord) -> Result<()>;
    /// Records a verification; false when no such licence exists in that practice.
    async fn verify_licence(&self, practice: PracticeId, id: CredentialId, verification: &Verification)
    -> Result<bool>;
    async fn verify_certification(
        &self,
        practice: PracticeId,
        id: CredentialId,
        verification: &Verification,
    ) -> Result<bool>;
    /// Deletes one of the user's licences or certifications; false when they hold no such credential.
    async fn remove_credential(&self, practice: PracticeId, user: UserId, id: CredentialId) -> Result<bool>;
    /// Stores (or replaces) the user's directory photo; the directory's
    /// version moves (result cards show who has one).
    async fn save_profile_photo(&self, photo: &PhotoRecord) -> Result<()>;
    /// Everyone with a directory photo.
    async fn profile_photo_owners(&self) -> Result<Vec<UserId>>;
    async fn profile_photo(&self, user: UserId) -> Result<Option<PhotoRecord>>;
    /// False when there was no photo.
    async fn remove_profile_photo(&self, user: UserId) -> Result<bool>;
    /// Adds practices, people and their complete profiles in one
    /// transaction, with multi-row inserts: loading thousands of profiles
    /// takes a fraction of a second per thousand on either engine. Fails,
    /// changing nothing, if any of them exists already.
    async fn import_directory(&self, batch: &DirectoryImport, now: Timestamp) -> Result<()>;
}

/// Profiles read per query when loading the directory.
pub(crate) const SNAPSHOT_CHUNK: usize = 1_000;

/// The most values one multi-row insert binds: below SQLite's limit of
/// 32,766 host parameters and PostgreSQL's 65,535.
pub(crate) const MAX_BINDS: usize = 30_000;

/// A therapist the public may find and book: their account is enabled and
/// they hold an enabled therapist role in the practice of their profile
/// (`t` is `therapist_profiles`, `u` its user).
pub(crate) const ACTIVE_CLINICIAN: &str = "u.disabled_at IS NULL AND EXISTS (SELECT 1 FROM memberships am \
     WHERE am.user_id = t.user_id AND am.practice_id = t.practice_id AND am.role = 'clinician' \
     AND am.disabled_at IS NULL)";

pub(crate) const BUMP_VERSION: &str = "INSERT INTO meta (key, value) VALUES ('directory_version', '1') \
     ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)";

pub(crate) fn date(text: &str) -> Result<jiff::civil::Date> {
    text.parse().map_err(|_| crate::StoreError::Corrupt(format!("date '{text}'")))
}

pub(crate) fn verification(
    at: Option<i64>,
    by: Option<uuid::Uuid>,
    method: Option<String>,
) -> Result<Option<Verification>> {
    match (at, by) {
        (Some(at), Some(by)) => Ok(Some(Verification {
            at: crate::shared::instant(at)?,
            by: UserId::from_uuid(by),
            method: method.unwrap_or_default(),
        })),
        _ => Ok(None),
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
    /// Hands `visit` every profile (or one user's), complete, in user id
    /// order, reading [`SNAPSHOT_CHUNK`](crate::directory::SNAPSHOT_CHUNK)
    /// profiles at a time (keyset pagination on the user id), so that
    /// a snapshot of 100,000 profiles never holds more than one chunk
    /// of rows and child rows.
    pub(crate) async fn load_directory(
        source: &S,
        only: Option<sensate_domain::UserId>,
        visit: &mut (dyn FnMut(crate::DirectoryProfileRecord) + Send),
    ) -> crate::Result<()> {
        let (mut from, to) = match only {
            Some(user) => (user.as_uuid(), user.as_uuid()),
            None => (uuid::Uuid::nil(), uuid::Uuid::max()),
        };
        loop {
            let chunk = Self::load_directory_chunk(source, from, to).await?;
            let Some(last) = chunk.last().map(|r| r.profile.user_id.as_uuid()) else { break };
            let full = chunk.len() == crate::directory::SNAPSHOT_CHUNK;
            chunk.into_iter().for_each(&mut *visit);
            if !full || last == to {
                break;
            }
            from = uuid::Uuid::from_u128(last.as_u128() + 1);
        }
        Ok(())
    }

    /// Up to one chunk of profiles with ids in `from..=to`, complete.
    /// The list values (concerns, languages, payers) come aggregated,
    /// one row per profile; offices, licences and certifications of
    /// the chunk's id range are read ordered by user id and merged in.
    pub(crate) async fn load_directory_chunk(
        source: &S,
        from: uuid::Uuid,
        to: uuid::Uuid,
    ) -> crate::Result<Vec<crate::DirectoryProfileRecord>> {
        use sqlx::Row;
        let decode = |e: crate::StoreError| match e {
            crate::StoreError::Database(e) => e,
            other => sqlx::Error::Decode(Box::new(other)),
        };
        let list = |text: Option<String>| -> Vec<String> {
            text.map(|t| t.split(',').map(str::to_string).collect()).unwrap_or_default()
        };
        // Slugs never contain a comma (reference data ids are [a-z0-9-]).
        let mut profiles: Vec<crate::DirectoryProfileRecord> = sqlx::query(&format!(
            "SELECT t.user_id, t.practice_id, u.display_name, t.pronouns, t.credentials, t.headline, t.approach, \
             t.languages, t.offers_in_person, t.offers_telehealth, t.accepting_new_clients, t.gender, \
             t.sees_individuals, t.sees_couples, t.affirming_lgbtq, t.kink_aware, t.cnm_affirming, \
             t.min_fee_cents, t.sliding_scale, t.free_consultation, t.superbill, \
             (SELECT string_agg(c.concern, ',' ORDER BY c.concern) FROM profile_concerns c \
              WHERE c.user_id = t.user_id) AS concern_list, \
             (SELECT string_agg(l.language, ',' ORDER BY l.language) FROM profile_languages l \
              WHERE l.user_id = t.user_id) AS language_list, \
             (SELECT string_agg(p.payer, ',' ORDER BY p.payer) FROM profile_payers p \
              WHERE p.user_id = t.user_id) AS payer_list \
             FROM therapist_profiles t JOIN users u ON u.id = t.user_id \
             WHERE t.user_id >= $1 AND t.user_id <= $2 AND {ACTIVE_CLINICIAN} ORDER BY t.user_id LIMIT $3",
        ))
        .bind(from)
        .bind(to)
        .bind(crate::directory::SNAPSHOT_CHUNK as i64)
        .try_map(|row: crate::engine::Row<S>| {
            Ok(crate::DirectoryProfileRecord {
                profile: crate::engine::Sql::<S>::therapist_profile(&row).map_err(decode)?,
                gender: row.try_get("gender")?,
                sees_individuals: row.try_get("sees_individuals")?,
                sees_couples: row.try_get("sees_couples")?,
                affirming_lgbtq: row.try_get("affirming_lgbtq")?,
                kink_aware: row.try_get("kink_aware")?,
                cnm_affirming: row.try_get("cnm_affirming")?,
                min_fee_cents: row.try_get("min_fee_cents")?,
                sliding_scale: row.try_get("sliding_scale")?,
                free_consultation: row.try_get("free_consultation")?,
                superbill: row.try_get("superbill")?,
                concerns: list(row.try_get("concern_list")?),
                language_codes: list(row.try_get("language_list")?),
                payers: list(row.try_get("payer_list")?),
                offices: Vec::new(),
                licences: Vec::new(),
                certifications: Vec::new(),
            })
        })
        .fetch_all(&mut *source.conn().await?)
        .await?;
        let (Some(first), Some(last)) = (profiles.first(), profiles.last()) else { return Ok(profiles) };
        let (first, last) = (first.profile.user_id.as_uuid(), last.profile.user_id.as_uuid());
        let offices: Vec<(uuid::Uuid, crate::OfficeRecord)> = sqlx::query(
            "SELECT user_id, id, label, address, postal_code, lat, lon, accessibility FROM offices \
             WHERE user_id >= $1 AND user_id <= $2 ORDER BY user_id, label, id",
        )
        .bind(first)
        .bind(last)
        .try_map(|row: crate::engine::Row<S>| {
            Ok((
                row.try_get("user_id")?,
                crate::OfficeRecord {
                    id: OfficeId::from_uuid(row.try_get("id")?),
                    label: row.try_get("label")?,
                    address: row.try_get("address")?,
                    postal_code: row.try_get("postal_code")?,
                    lat: row.try_get("lat")?,
                    lon: row.try_get("lon")?,
                    accessibility: row.try_get("accessibility")?,
                },
            ))
        })
        .fetch_all(&mut *source.conn().await?)
        .await?;
        let licences: Vec<crate::LicenceRecord> = sqlx::query(
            "SELECT id, user_id, practice_id, licence_type, number, jurisdiction, expires_on, verified_at, verified_by, \
             verification_method FROM licences WHERE user_id >= $1 AND user_id <= $2 ORDER BY user_id, jurisdiction, id",
        )
        .bind(first)
        .bind(last)
        .try_map(|row: crate::engine::Row<S>| {
            Ok(crate::LicenceRecord {
                id: sensate_domain::CredentialId::from_uuid(row.try_get("id")?),
                user_id: sensate_domain::UserId::from_uuid(row.try_get("user_id")?),
                practice_id: sensate_domain::PracticeId::from_uuid(row.try_get("practice_id")?),
                licence_type: row.try_get("licence_type")?,
                number: row.try_get("number")?,
                jurisdiction: row.try_get("jurisdiction")?,
                expires_on: crate::directory::date(row.try_get("expires_on")?).map_err(decode)?,
                verification: crate::directory::verification(
                    row.try_get("verified_at")?,
                    row.try_get("verified_by")?,
                    row.try_get("verification_method")?,
                )
                .map_err(decode)?,
            })
        })
        .fetch_all(&mut *source.conn().await?)
        .await?;
        let certifications: Vec<crate::CertificationRecord> = sqlx::query(
            "SELECT id, user_id, practice_id, body, credential_id, expires_on, verified_at, verified_by, \
             verification_method FROM certifications WHERE user_id >= $1 AND user_id <= $2 \
             ORDER BY user_id, body, id",
        )
        .bind(first)
        .bind(last)
        .try_map(|row: crate::engine::Row<S>| {
            let expires_on: Option<String> = row.try_get("expires_on")?;
            Ok(crate::CertificationRecord {
                id: sensate_domain::CredentialId::from_uuid(row.try_get("id")?),
                user_id: sensate_domain::UserId::from_uuid(row.try_get("user_id")?),
                practice_id: sensate_domain::PracticeId::from_uuid(row.try_get("practice_id")?),
                body: row.try_get("body")?,
                credential_id: row.try_get("credential_id")?,
                expires_on: expires_on.as_deref().map(crate::directory::date).transpose().map_err(decode)?,
                verification: crate::directory::verification(
                    row.try_get("verified_at")?,
                    row.try_get("verified_by")?,
                    row.try_get("verification_method")?,
                )
                .map_err(decode)?,
            })
        })
        .fetch_all(&mut *source.conn().await?)
        .await?;
        // Merge by user id: both engines order uuids byte by byte, as `Uuid`
        // does. Child rows of users without a profile are skipped.
        let mut offices = offices.into_iter().peekable();
        let mut licences = licences.into_iter().peekable();
        let mut certifications = certifications.into_iter().peekable();
        for record in &mut profiles {
            let user = record.profile.user_id.as_uuid();
            while offices.next_if(|(u, _)| *u < user).is_some() {}
            while licences.next_if(|l| l.user_id.as_uuid() < user).is_some() {}
            while certifications.next_if(|c| c.user_id.as_uuid() < user).is_some() {}
            record.offices.extend(std::iter::from_fn(|| offices.next_if(|(u, _)| *u == user).map(|(_, o)| o)));
            record.licences.extend(std::iter::from_fn(|| licences.next_if(|l| l.user_id.as_uuid() == user)));
            record
                .certifications
                .extend(std::iter::from_fn(|| certifications.next_if(|c| c.user_id.as_uuid() == user)));
        }
        Ok(profiles)
    }
}

#[async_trait::async_trait]
impl<S> crate::DirectoryStore for S
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
    async fn save_directory_profile(
        &self,
        record: &crate::DirectoryProfileRecord,
        now: jiff::Timestamp,
    ) -> crate::Result<()> {
        let p = &record.profile;
        let user = p.user_id.as_uuid();
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO therapist_profiles (user_id, practice_id, pronouns, credentials, headline, approach, languages, \
             offers_in_person, offers_telehealth, accepting_new_clients, gender, sees_individuals, sees_couples, \
             affirming_lgbtq, kink_aware, cnm_affirming, min_fee_cents, sliding_scale, free_consultation, superbill, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
             $20, $21) ON CONFLICT (user_id) DO UPDATE SET pronouns = excluded.pronouns, \
             credentials = excluded.credentials, headline = excluded.headline, approach = excluded.approach, \
             languages = excluded.languages, offers_in_person = excluded.offers_in_person, \
             offers_telehealth = excluded.offers_telehealth, accepting_new_clients = excluded.accepting_new_clients, \
             gender = excluded.gender, sees_individuals = excluded.sees_individuals, \
             sees_couples = excluded.sees_couples, affirming_lgbtq = excluded.affirming_lgbtq, \
             kink_aware = excluded.kink_aware, cnm_affirming = excluded.cnm_affirming, \
             min_fee_cents = excluded.min_fee_cents, sliding_scale = excluded.sliding_scale, \
             free_consultation = excluded.free_consultation, superbill = excluded.superbill, \
             updated_at = excluded.updated_at",
        )
        .bind(user)
        .bind(p.practice_id.as_uuid())
        .bind(&p.pronouns)
        .bind(&p.credentials)
        .bind(&p.headline)
        .bind(&p.approach)
        .bind(&p.languages)
        .bind(p.offers_in_person)
        .bind(p.offers_telehealth)
        .bind(p.accepting_new_clients)
        .bind(&record.gender)
        .bind(record.sees_individuals)
        .bind(record.sees_couples)
        .bind(record.affirming_lgbtq)
        .bind(record.kink_aware)
        .bind(record.cnm_affirming)
        .bind(record.min_fee_cents)
        .bind(record.sliding_scale)
        .bind(record.free_consultation)
        .bind(record.superbill)
        .bind(crate::shared::secs(now))
        .execute(&mut *tx)
        .await?;
        for (table, column, values) in [
            ("profile_concerns", "concern", &record.concerns),
            ("profile_languages", "language", &record.language_codes),
            ("profile_payers", "payer", &record.payers),
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1")).bind(user).execute(&mut *tx).await?;
            for value in values {
                sqlx::query(&format!("INSERT INTO {table} (user_id, {column}) VALUES ($1, $2)"))
                    .bind(user)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query("DELETE FROM offices WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
        for office in &record.offices {
            sqlx::query(
                "INSERT INTO offices (id, user_id, label, address, postal_code, lat, lon, accessibility) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(office.id.as_uuid())
            .bind(user)
            .bind(&office.label)
            .bind(&office.address)
            .bind(&office.postal_code)
            .bind(office.lat)
            .bind(office.lon)
            .bind(&office.accessibility)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn directory_profile(
        &self,
        user: sensate_domain::UserId,
    ) -> crate::Result<Option<crate::DirectoryProfileRecord>> {
        let mut found = None;
        crate::engine::Sql::<S>::load_directory(self, Some(user), &mut |record| found = Some(record)).await?;
        Ok(found)
    }

    async fn public_profile(&self, user: sensate_domain::UserId) -> crate::Result<Option<crate::TherapistProfile>> {
        let row = sqlx::query(
            "SELECT t.user_id, t.practice_id, u.display_name, t.pronouns, t.credentials, t.headline, \
             t.approach, t.languages, t.offers_in_person, t.offers_telehealth, t.accepting_new_clients \
             FROM therapist_profiles t JOIN users u ON u.id = t.user_id WHERE t.user_id = $1",
        )
        .bind(user.as_uuid())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(crate::engine::Sql::<S>::therapist_profile).transpose()
    }

    async fn directory_profiles(&self) -> crate::Result<Vec<crate::DirectoryProfileRecord>> {
        let mut all = Vec::new();
        crate::engine::Sql::<S>::load_directory(self, None, &mut |record| all.push(record)).await?;
        Ok(all)
    }

    async fn visit_directory_profiles(
        &self,
        visit: &mut (dyn FnMut(crate::DirectoryProfileRecord) + Send),
    ) -> crate::Result<()> {
        crate::engine::Sql::<S>::load_directory(self, None, visit).await
    }

    async fn directory_version(&self) -> crate::Result<i64> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'directory_version'")
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    async fn insert_licence(&self, licence: &crate::LicenceRecord) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO licences (id, user_id, practice_id, licence_type, number, jurisdiction, expires_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(licence.id.as_uuid())
        .bind(licence.user_id.as_uuid())
        .bind(licence.practice_id.as_uuid())
        .bind(&licence.licence_type)
        .bind(&licence.number)
        .bind(&licence.jurisdiction)
        .bind(licence.expires_on.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_certification(&self, certification: &crate::CertificationRecord) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO certifications (id, user_id, practice_id, body, credential_id, expires_on) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(certification.id.as_uuid())
        .bind(certification.user_id.as_uuid())
        .bind(certification.practice_id.as_uuid())
        .bind(&certification.body)
        .bind(&certification.credential_id)
        .bind(certification.expires_on.map(|d| d.to_string()))
        .execute(&mut *tx)
        .await?;
        sqlx::query(crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn verify_licence(
        &self,
        practice: sensate_domain::PracticeId,
        id: CredentialId,
        verification: &crate::Verification,
    ) -> crate::Result<bool> {
        crate::engine::Sql::<S>::verify_in(self, "licences", practice, id, verification).await
    }

    async fn verify_certification(
        &self,
        practice: sensate_domain::PracticeId,
        id: CredentialId,
        verification: &crate::Verification,
    ) -> crate::Result<bool> {
        crate::engine::Sql::<S>::verify_in(self, "certifications", practice, id, verification).await
    }

    async fn remove_credential(
        &self,
        practice: sensate_domain::PracticeId,
        user: sensate_domain::UserId,
        id: CredentialId,
    ) -> crate::Result<bool> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let mut removed = 0;
        for table in ["licences", "certifications"] {
            removed += sqlx::query(&format!("DELETE FROM {table} WHERE id = $1 AND user_id = $2 AND practice_id = $3"))
                .bind(id.as_uuid())
                .bind(user.as_uuid())
                .bind(practice.as_uuid())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        if removed > 0 {
            sqlx::query(crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(removed > 0)
    }

    async fn save_profile_photo(&self, photo: &crate::PhotoRecord) -> crate::Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO profile_photos (user_id, image, width, height, updated_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id) DO UPDATE SET image = excluded.image, width = excluded.width, \
             height = excluded.height, updated_at = excluded.updated_at",
        )
        .bind(photo.user_id.as_uuid())
        .bind(&photo.image)
        .bind(i32::try_from(photo.width).unwrap_or(i32::MAX))
        .bind(i32::try_from(photo.height).unwrap_or(i32::MAX))
        .bind(crate::shared::secs(photo.updated_at))
        .execute(&mut *tx)
        .await?;
        sqlx::query(crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn profile_photo_owners(&self) -> crate::Result<Vec<sensate_domain::UserId>> {
        let owners: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT user_id FROM profile_photos ORDER BY user_id")
            .fetch_all(&mut *self.conn().await?)
            .await?;
        Ok(owners.into_iter().map(sensate_domain::UserId::from_uuid).collect())
    }

    async fn profile_photo(&self, user: sensate_domain::UserId) -> crate::Result<Option<crate::PhotoRecord>> {
        use sqlx::Row;
        let row = sqlx::query("SELECT image, width, height, updated_at FROM profile_photos WHERE user_id = $1")
            .bind(user.as_uuid())
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let dimension =
            |value: i32| u32::try_from(value).map_err(|_| crate::StoreError::Corrupt(format!("photo size {value}")));
        Ok(Some(crate::PhotoRecord {
            user_id: user,
            image: row.try_get("image")?,
            width: dimension(row.try_get("width")?)?,
            height: dimension(row.try_get("height")?)?,
            updated_at: crate::shared::instant(row.try_get("updated_at")?)?,
        }))
    }

    async fn remove_profile_photo(&self, user: sensate_domain::UserId) -> crate::Result<bool> {
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let removed = sqlx::query("DELETE FROM profile_photos WHERE user_id = $1")
            .bind(user.as_uuid())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed > 0 {
            sqlx::query(crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(removed > 0)
    }
    async fn import_directory(&self, batch: &crate::DirectoryImport, now: jiff::Timestamp) -> crate::Result<()> {
        use crate::shared::secs;
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let conn = &mut *tx;
        crate::engine::Sql::<S>::insert_rows(
            conn,
            "INSERT INTO practices (id, name, time_zone, created_at) ",
            4,
            &batch.practices,
            |mut row, p| {
                row.push_bind(p.id.as_uuid())
                    .push_bind(&p.name)
                    .push_bind(p.time_zone.as_str())
                    .push_bind(secs(p.created_at));
            },
        )
        .await?;
        crate::engine::Sql::<S>::insert_rows(
            conn,
            "INSERT INTO users (id, email, display_name, password_hash, created_at) ",
            5,
            &batch.users,
            |mut row, u| {
                row.push_bind(u.id.as_uuid())
                    .push_bind(u.email.as_str())
                    .push_bind(&u.display_name)
                    .push_bind(&u.password_hash)
                    .push_bind(secs(u.created_at));
            },
        )
        .await
        .map_err(|e| match e {
            crate::StoreError::Database(e) => crate::error::classify(e),
            other => other,
        })?;
        crate::engine::Sql::<S>::insert_rows(
            conn,
            "INSERT INTO memberships (practice_id, user_id, role, created_at) ",
            4,
            &batch.memberships,
            |mut row, m| {
                row.push_bind(m.practice_id.as_uuid())
                    .push_bind(m.user_id.as_uuid())
                    .push_bind(m.role.as_str())
                    .push_bind(secs(m.created_at));
            },
        )
        .await?;
        crate::engine::Sql::<S>::insert_rows(
            conn,
            "INSERT INTO therapist_profiles (user_id, practice_id, pronouns, credentials, headline, approach, languages, \
             offers_in_person, offers_telehealth, accepting_new_clients, gender, sees_individuals, sees_couples, \
             affirming_lgbtq, kink_aware, cnm_affirming, min_fee_cents, sliding_scale, free_consultation, superbill, \
             updated_at) ",
            21,
            &batch.profiles,
            |mut row, r| {
                let p = &r.profile;
                row.push_bind(p.user_id.as_uuid())
                    .push_bind(p.practice_id.as_uuid())
                    .push_bind(&p.pronouns)
                    .push_bind(&p.credentials)
                    .push_bind(&p.headline)
                    .push_bind(&p.approach)
                    .push_bind(&p.languages)
                    .push_bind(p.offers_in_person)
                    .push_bind(p.offers_telehealth)
                    .push_bind(p.accepting_new_clients)
                    .push_bind(&r.gender)
                    .push_bind(r.sees_individuals)
                    .push_bind(r.sees_couples)
                    .push_bind(r.affirming_lgbtq)
                    .push_bind(r.kink_aware)
                    .push_bind(r.cnm_affirming)
                    .push_bind(r.min_fee_cents)
                    .push_bind(r.sliding_scale)
                    .push_bind(r.free_consultation)
                    .push_bind(r.superbill)
                    .push_bind(secs(now));
            },
        )
        .await?;
        for (head, values) in [
            (
                "INSERT INTO profile_concerns (user_id, concern) ",
                batch.profiles.iter().map(|r| (r.profile.user_id, &r.concerns)).collect::<Vec<_>>(),
            ),
            (
                "INSERT INTO profile_languages (user_id, language) ",
                batch.profiles.iter().map(|r| (r.profile.user_id, &r.language_codes)).collect(),
            ),
            (
                "INSERT INTO profile_payers (user_id, payer) ",
                batch.profiles.iter().map(|r| (r.profile.user_id, &r.payers)).collect(),
            ),
        ] {
            let pairs: Vec<(uuid::Uuid, &str)> =
                values.iter().flat_map(|(user, list)| list.iter().map(move |v| (user.as_uuid(), v.as_str()))).collect();
            crate::engine::Sql::<S>::insert_rows(conn, head, 2, &pairs, |mut row, (user, value)| {
                row.push_bind(*user).push_bind(*value);
            })
            .await?;
        }
        let offices: Vec<(uuid::Uuid, &crate::OfficeRecord)> = batch
            .profiles
            .iter()
            .flat_map(|r| r.offices.iter().map(move |o| (r.profile.user_id.as_uuid(), o)))
            .collect();
        crate::engine::Sql::<S>::insert_rows(
            conn,
            "INSERT INTO offices (id, user_id, label, address, postal_code, lat, lon, accessibility) ",
            8,
            &offices,
            |mut row, (user, o)| {
                row.push_bind(o.id.as_uuid())
                    .push_bind(*user)
                    .push_bind(&o.label)
                    .push_bind(&o.address)
                    .push_bind(&o.postal_code)
                    .push_bind(o.lat)
                    .push_bind(o.lon)
                    .push_bind(&o.accessibility);
            },
        )
        .await?;
        let licences: Vec<&crate::LicenceRecord> = batch.profiles.iter().flat_map(|r| &r.licences).collect();
        crate::engine::Sql::<S>::insert_rows(
            conn,
            "INSERT INTO licences (id, user_id, practice_id, licence_type, number, jurisdiction, expires_on, \
             verified_at, verified_by, verification_method) ",
            10,
            &licences,
            |mut row, l| {
                let v = l.verification.as_ref();
                row.push_bind(l.id.as_uuid())
                    .push_bind(l.user_id.as_uuid())
                    .push_bind(l.practice_id.as_uuid())
                    .push_bind(&l.licence_type)
                    .push_bind(&l.number)
                    .push_bind(&l.jurisdiction)
                    .push_bind(l.expires_on.to_string())
                    .push_bind(v.map(|v| secs(v.at)))
                    .push_bind(v.map(|v| v.by.as_uuid()))
                    .push_bind(v.map(|v| v.method.as_str()));
            },
        )
        .await?;
        let certifications: Vec<&crate::CertificationRecord> =
            batch.profiles.iter().flat_map(|r| &r.certifications).collect();
        crate::engine::Sql::<S>::insert_rows(
            conn,
            "INSERT INTO certifications (id, user_id, practice_id, body, credential_id, expires_on, \
             verified_at, verified_by, verification_method) ",
            9,
            &certifications,
            |mut row, c| {
                let v = c.verification.as_ref();
                row.push_bind(c.id.as_uuid())
                    .push_bind(c.user_id.as_uuid())
                    .push_bind(c.practice_id.as_uuid())
                    .push_bind(&c.body)
                    .push_bind(&c.credential_id)
                    .push_bind(c.expires_on.map(|d| d.to_string()))
                    .push_bind(v.map(|v| secs(v.at)))
                    .push_bind(v.map(|v| v.by.as_uuid()))
                    .push_bind(v.map(|v| v.method.as_str()));
            },
        )
        .await?;
        sqlx::query(crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
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
    /// Who may be listed and booked changed (an account or a role was
    /// disabled or enabled): every app server rebuilds its directory and
    /// free times. On `conn`, inside the change's transaction.
    pub(crate) async fn people_changed_in(conn: &mut crate::engine::Conn<S>) -> crate::Result<()> {
        sqlx::query(crate::directory::BUMP_VERSION).execute(&mut *conn).await?;
        <S::Db as crate::engine::Dialect>::scheduling_changed(conn).await?;
        Ok(())
    }

    /// One multi-row INSERT per [`MAX_BINDS`](crate::directory::MAX_BINDS) values:
    /// `head` names the table and columns, `push` binds one row's `columns` values.
    pub(crate) async fn insert_rows<'r, T>(
        conn: &mut crate::engine::Conn<S>,
        head: &'static str,
        columns: usize,
        rows: &'r [T],
        push: impl Fn(sqlx::query_builder::Separated<'_, 'r, S::Db, &'static str>, &'r T) + Copy,
    ) -> crate::Result<()> {
        for chunk in rows.chunks((crate::directory::MAX_BINDS / columns).max(1)) {
            let mut builder = sqlx::QueryBuilder::<S::Db>::new(head);
            builder.push_values(chunk, push);
            <S::Db as crate::engine::Dialect>::execute_built(conn, &mut builder).await?;
        }
        Ok(())
    }

    pub(crate) async fn verify_in(
        source: &S,
        table: &'static str,
        practice: sensate_domain::PracticeId,
        id: CredentialId,
        verification: &crate::Verification,
    ) -> crate::Result<bool> {
        let mut conn = source.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let changed = sqlx::query(&format!(
            "UPDATE {table} SET verified_at = $3, verified_by = $4, verification_method = $5 \
             WHERE id = $1 AND practice_id = $2"
        ))
        .bind(id.as_uuid())
        .bind(practice.as_uuid())
        .bind(crate::shared::secs(verification.at))
        .bind(verification.by.as_uuid())
        .bind(&verification.method)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 1 {
            sqlx::query(crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(changed == 1)
    }
}
