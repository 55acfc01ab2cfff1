//! The directory's profiles, licences and certifications. Child rows
//! (concerns, languages, payers, offices) are replaced as a whole when a
//! profile is saved, in one transaction. Every change bumps
//! `meta.directory_version`, so app servers know when to rebuild their
//! in-memory search index.
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::{PracticeId, UserId};

use crate::{CertificationRecord, DirectoryProfileRecord, LicenceRecord, PhotoRecord, Result, Verification};

#[async_trait]
pub trait DirectoryStore: Send + Sync {
    /// Saves the profile and its concerns, languages, payers and offices.
    async fn save_directory_profile(&self, profile: &DirectoryProfileRecord, now: Timestamp) -> Result<()>;
    async fn directory_profile(&self, user: UserId) -> Result<Option<DirectoryProfileRecord>>;
    /// Every profile with its licences and certifications: the search index's source.
    async fn directory_profiles(&self) -> Result<Vec<DirectoryProfileRecord>>;
    /// Increases whenever anything the directory shows changes.
    async fn directory_version(&self) -> Result<i64>;
    async fn insert_licence(&self, licence: &LicenceRecord) -> Result<()>;
    async fn insert_certification(&self, certification: &CertificationRecord) -> Result<()>;
    /// Records a verification; false when no such licence exists in that practice.
    async fn verify_licence(&self, practice: PracticeId, id: uuid::Uuid, verification: &Verification) -> Result<bool>;
    async fn verify_certification(
        &self,
        practice: PracticeId,
        id: uuid::Uuid,
        verification: &Verification,
    ) -> Result<bool>;
    /// Deletes one of the user's licences or certifications; false when they hold no such credential.
    async fn remove_credential(&self, practice: PracticeId, user: UserId, id: uuid::Uuid) -> Result<bool>;
    /// Stores (or replaces) the user's directory photo.
    async fn save_profile_photo(&self, photo: &PhotoRecord) -> Result<()>;
    async fn profile_photo(&self, user: UserId) -> Result<Option<PhotoRecord>>;
    /// False when there was no photo.
    async fn remove_profile_photo(&self, user: UserId) -> Result<bool>;
}

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

macro_rules! impl_directory_store {
    ($store:ty) => {
        impl $store {
            /// Loads profiles (all, or one user's) with their child rows, grouped in Rust.
            async fn load_directory(
                &self,
                only: Option<sensate_domain::UserId>,
            ) -> $crate::Result<Vec<$crate::DirectoryProfileRecord>> {
                use std::collections::HashMap;
                use sqlx::Row;
                let filter = if only.is_some() { "WHERE t.user_id = $1" } else { "WHERE $1 IS NULL OR TRUE" };
                let only_id = only.map(|u| u.as_uuid());
                let rows = sqlx::query(&format!(
                    "SELECT t.user_id, t.practice_id, u.display_name, t.pronouns, t.credentials, t.headline, t.approach, \
                     t.languages, t.offers_in_person, t.offers_telehealth, t.accepting_new_clients, t.gender, \
                     t.sees_individuals, t.sees_couples, t.affirming_lgbtq, t.kink_aware, t.cnm_affirming, \
                     t.min_fee_cents, t.sliding_scale, t.free_consultation, t.superbill \
                     FROM therapist_profiles t JOIN users u ON u.id = t.user_id {filter} ORDER BY t.user_id"
                ))
                .bind(only_id)
                .fetch_all(&self.pool)
                .await?;
                let mut profiles = Vec::with_capacity(rows.len());
                let mut index = HashMap::with_capacity(rows.len());
                for row in &rows {
                    let user: uuid::Uuid = row.try_get("user_id")?;
                    index.insert(user, profiles.len());
                    profiles.push($crate::DirectoryProfileRecord {
                        profile: Self::therapist_profile(row)?,
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
                        concerns: Vec::new(),
                        language_codes: Vec::new(),
                        payers: Vec::new(),
                        offices: Vec::new(),
                        licences: Vec::new(),
                        certifications: Vec::new(),
                    });
                }
                let user_filter = if only.is_some() { "WHERE user_id = $1" } else { "WHERE $1 IS NULL OR TRUE" };
                for (table, column) in [("profile_concerns", "concern"), ("profile_languages", "language"), ("profile_payers", "payer")] {
                    let pairs: Vec<(uuid::Uuid, String)> = sqlx::query_as(&format!(
                        "SELECT user_id, {column} FROM {table} {user_filter} ORDER BY user_id, {column}"
                    ))
                    .bind(only_id)
                    .fetch_all(&self.pool)
                    .await?;
                    for (user, value) in pairs {
                        if let Some(&i) = index.get(&user) {
                            let list = match table {
                                "profile_concerns" => &mut profiles[i].concerns,
                                "profile_languages" => &mut profiles[i].language_codes,
                                _ => &mut profiles[i].payers,
                            };
                            list.push(value);
                        }
                    }
                }
                let offices: Vec<(uuid::Uuid, uuid::Uuid, String, String, String, f64, f64, String)> = sqlx::query_as(&format!(
                    "SELECT user_id, id, label, address, postal_code, lat, lon, accessibility FROM offices {user_filter} \
                     ORDER BY user_id, label, id"
                ))
                .bind(only_id)
                .fetch_all(&self.pool)
                .await?;
                for (user, id, label, address, postal_code, lat, lon, accessibility) in offices {
                    if let Some(&i) = index.get(&user) {
                        profiles[i].offices.push($crate::OfficeRecord { id, label, address, postal_code, lat, lon, accessibility });
                    }
                }
                let licences = sqlx::query(&format!(
                    "SELECT id, user_id, practice_id, licence_type, number, jurisdiction, expires_on, verified_at, verified_by, \
                     verification_method FROM licences {user_filter} ORDER BY user_id, jurisdiction, id"
                ))
                .bind(only_id)
                .fetch_all(&self.pool)
                .await?;
                for row in &licences {
                    let user: uuid::Uuid = row.try_get("user_id")?;
                    if let Some(&i) = index.get(&user) {
                        profiles[i].licences.push($crate::LicenceRecord {
                            id: row.try_get("id")?,
                            user_id: sensate_domain::UserId::from_uuid(user),
                            practice_id: sensate_domain::PracticeId::from_uuid(row.try_get("practice_id")?),
                            licence_type: row.try_get("licence_type")?,
                            number: row.try_get("number")?,
                            jurisdiction: row.try_get("jurisdiction")?,
                            expires_on: $crate::directory::date(row.try_get("expires_on")?)?,
                            verification: $crate::directory::verification(
                                row.try_get("verified_at")?,
                                row.try_get("verified_by")?,
                                row.try_get("verification_method")?,
                            )?,
                        });
                    }
                }
                let certifications = sqlx::query(&format!(
                    "SELECT id, user_id, practice_id, body, credential_id, expires_on, verified_at, verified_by, \
                     verification_method FROM certifications {user_filter} ORDER BY user_id, body, id"
                ))
                .bind(only_id)
                .fetch_all(&self.pool)
                .await?;
                for row in &certifications {
                    let user: uuid::Uuid = row.try_get("user_id")?;
                    if let Some(&i) = index.get(&user) {
                        let expires_on: Option<String> = row.try_get("expires_on")?;
                        profiles[i].certifications.push($crate::CertificationRecord {
                            id: row.try_get("id")?,
                            user_id: sensate_domain::UserId::from_uuid(user),
                            practice_id: sensate_domain::PracticeId::from_uuid(row.try_get("practice_id")?),
                            body: row.try_get("body")?,
                            credential_id: row.try_get("credential_id")?,
                            expires_on: expires_on.as_deref().map($crate::directory::date).transpose()?,
                            verification: $crate::directory::verification(
                                row.try_get("verified_at")?,
                                row.try_get("verified_by")?,
                                row.try_get("verification_method")?,
                            )?,
                        });
                    }
                }
                Ok(profiles)
            }
        }

        #[async_trait::async_trait]
        impl $crate::DirectoryStore for $store {
            async fn save_directory_profile(
                &self,
                record: &$crate::DirectoryProfileRecord,
                now: jiff::Timestamp,
            ) -> $crate::Result<()> {
                let p = &record.profile;
                let user = p.user_id.as_uuid();
                let mut tx = self.pool.begin().await?;
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
                .bind($crate::shared::secs(now))
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
                    .bind(office.id)
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
                sqlx::query($crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn directory_profile(
                &self,
                user: sensate_domain::UserId,
            ) -> $crate::Result<Option<$crate::DirectoryProfileRecord>> {
                Ok(self.load_directory(Some(user)).await?.into_iter().next())
            }

            async fn directory_profiles(&self) -> $crate::Result<Vec<$crate::DirectoryProfileRecord>> {
                self.load_directory(None).await
            }

            async fn directory_version(&self) -> $crate::Result<i64> {
                let value: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'directory_version'")
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
            }

            async fn insert_licence(&self, licence: &$crate::LicenceRecord) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO licences (id, user_id, practice_id, licence_type, number, jurisdiction, expires_on) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(licence.id)
                .bind(licence.user_id.as_uuid())
                .bind(licence.practice_id.as_uuid())
                .bind(&licence.licence_type)
                .bind(&licence.number)
                .bind(&licence.jurisdiction)
                .bind(licence.expires_on.to_string())
                .execute(&mut *tx)
                .await?;
                sqlx::query($crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_certification(&self, certification: &$crate::CertificationRecord) -> $crate::Result<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO certifications (id, user_id, practice_id, body, credential_id, expires_on) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(certification.id)
                .bind(certification.user_id.as_uuid())
                .bind(certification.practice_id.as_uuid())
                .bind(&certification.body)
                .bind(&certification.credential_id)
                .bind(certification.expires_on.map(|d| d.to_string()))
                .execute(&mut *tx)
                .await?;
                sqlx::query($crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn verify_licence(
                &self,
                practice: sensate_domain::PracticeId,
                id: uuid::Uuid,
                verification: &$crate::Verification,
            ) -> $crate::Result<bool> {
                self.verify_in("licences", practice, id, verification).await
            }

            async fn verify_certification(
                &self,
                practice: sensate_domain::PracticeId,
                id: uuid::Uuid,
                verification: &$crate::Verification,
            ) -> $crate::Result<bool> {
                self.verify_in("certifications", practice, id, verification).await
            }

            async fn remove_credential(
                &self,
                practice: sensate_domain::PracticeId,
                user: sensate_domain::UserId,
                id: uuid::Uuid,
            ) -> $crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let mut removed = 0;
                for table in ["licences", "certifications"] {
                    removed += sqlx::query(&format!(
                        "DELETE FROM {table} WHERE id = $1 AND user_id = $2 AND practice_id = $3"
                    ))
                    .bind(id)
                    .bind(user.as_uuid())
                    .bind(practice.as_uuid())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                if removed > 0 {
                    sqlx::query($crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(removed > 0)
            }

            async fn save_profile_photo(&self, photo: &$crate::PhotoRecord) -> $crate::Result<()> {
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
                .bind($crate::shared::secs(photo.updated_at))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn profile_photo(
                &self,
                user: sensate_domain::UserId,
            ) -> $crate::Result<Option<$crate::PhotoRecord>> {
                use sqlx::Row;
                let row = sqlx::query("SELECT image, width, height, updated_at FROM profile_photos WHERE user_id = $1")
                    .bind(user.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(row) = row else { return Ok(None) };
                let dimension = |value: i32| {
                    u32::try_from(value).map_err(|_| $crate::StoreError::Corrupt(format!("photo size {value}")))
                };
                Ok(Some($crate::PhotoRecord {
                    user_id: user,
                    image: row.try_get("image")?,
                    width: dimension(row.try_get("width")?)?,
                    height: dimension(row.try_get("height")?)?,
                    updated_at: $crate::shared::instant(row.try_get("updated_at")?)?,
                }))
            }

            async fn remove_profile_photo(&self, user: sensate_domain::UserId) -> $crate::Result<bool> {
                let removed = sqlx::query("DELETE FROM profile_photos WHERE user_id = $1")
                    .bind(user.as_uuid())
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(removed > 0)
            }
        }

        impl $store {
            async fn verify_in(
                &self,
                table: &'static str,
                practice: sensate_domain::PracticeId,
                id: uuid::Uuid,
                verification: &$crate::Verification,
            ) -> $crate::Result<bool> {
                let mut tx = self.pool.begin().await?;
                let changed = sqlx::query(&format!(
                    "UPDATE {table} SET verified_at = $3, verified_by = $4, verification_method = $5 \
                     WHERE id = $1 AND practice_id = $2"
                ))
                .bind(id)
                .bind(practice.as_uuid())
                .bind($crate::shared::secs(verification.at))
                .bind(verification.by.as_uuid())
                .bind(&verification.method)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 1 {
                    sqlx::query($crate::directory::BUMP_VERSION).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(changed == 1)
            }
        }
    };
}

pub(crate) use impl_directory_store;
