//! Client records that hold health information. The store only ever sees
//! ciphertext for the free-text fields: encryption happens in the app layer,
//! bound to (table, column, row id, key version).
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::{ClientProfileId, PracticeId, UserId};

use crate::engine::RowsAffected as _;
use crate::{ClientFacts, ClientProfile, EncryptedColumn, NoteRecord, Result};

#[async_trait]
pub trait ClientDataStore: Send + Sync {
    /// Who treats this client and who their partners are; `None` when the
    /// person is not a client of that practice.
    async fn client_facts(&self, practice: PracticeId, client: UserId) -> Result<Option<ClientFacts>>;
    /// The clients of a therapist's open cases: (id, name), by name.
    async fn clients_of(&self, clinician: UserId) -> Result<Vec<(UserId, String)>>;
    /// What the practice keeps about the client, if anything.
    async fn client_profile(&self, practice: PracticeId, client: UserId) -> Result<Option<ClientProfile>>;
    /// Stores the client's contact preferences with the practice, in the
    /// profile `id` (new, or the one [`Self::client_profile`] returned).
    /// False (nothing written) when the practice has a profile of the
    /// client under another id: someone made it meanwhile.
    async fn put_client_contact(
        &self,
        id: ClientProfileId,
        practice: PracticeId,
        client: UserId,
        ciphertext: &[u8],
        now: Timestamp,
    ) -> Result<bool>;
    async fn insert_clinical_note(
        &self,
        id: sensate_domain::NoteId,
        practice: PracticeId,
        client: UserId,
        author: UserId,
        ciphertext: &[u8],
        now: Timestamp,
    ) -> Result<()>;
    /// The notes one author wrote about one client, newest first.
    async fn clinical_notes_by(&self, client: UserId, author: UserId) -> Result<Vec<NoteRecord>>;
    /// Every (row id, ciphertext) of an encrypted column, by row id.
    async fn encrypted_values(&self, column: EncryptedColumn) -> Result<Vec<(uuid::Uuid, Vec<u8>)>>;
    /// At most `limit` of them after row `after`: key rotation reads a
    /// column a page at a time, since attached files are megabytes each.
    async fn encrypted_values_after(
        &self,
        column: EncryptedColumn,
        after: Option<uuid::Uuid>,
        limit: i64,
    ) -> Result<Vec<(uuid::Uuid, Vec<u8>)>>;
    async fn replace_encrypted(&self, column: EncryptedColumn, row: uuid::Uuid, ciphertext: &[u8]) -> Result<()>;
}

#[async_trait::async_trait]
impl<S> crate::ClientDataStore for S
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
    async fn client_facts(
        &self,
        practice: sensate_domain::PracticeId,
        client: sensate_domain::UserId,
    ) -> crate::Result<Option<crate::ClientFacts>> {
        let is_client: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE practice_id = $1 AND user_id = $2 AND role = 'client'",
        )
        .bind(practice.as_uuid())
        .bind(client.as_uuid())
        .fetch_one(&mut *self.conn().await?)
        .await?;
        if is_client == 0 {
            return Ok(None);
        }
        let clinicians: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT c.clinician_id FROM cases c JOIN case_members m ON m.case_id = c.id \
             WHERE m.client_id = $1 AND c.practice_id = $2 AND c.status <> 'discharged' \
             UNION SELECT t.user_id FROM case_team t JOIN cases c ON c.id = t.case_id \
             JOIN case_members m ON m.case_id = c.id \
             WHERE m.client_id = $1 AND c.practice_id = $2 AND c.status <> 'discharged' AND t.role = 'co_therapist' \
             ORDER BY 1",
        )
        .bind(client.as_uuid())
        .bind(practice.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let partners: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT DISTINCT other.client_id FROM case_members mine \
             JOIN cases c ON c.id = mine.case_id AND c.kind = 'couple' \
             JOIN case_members other ON other.case_id = mine.case_id AND other.client_id <> mine.client_id \
             WHERE mine.client_id = $1 AND c.practice_id = $2 ORDER BY 1",
        )
        .bind(client.as_uuid())
        .bind(practice.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(Some(crate::ClientFacts {
            clinicians: clinicians.into_iter().map(sensate_domain::UserId::from_uuid).collect(),
            partners: partners.into_iter().map(sensate_domain::UserId::from_uuid).collect(),
        }))
    }

    async fn clients_of(
        &self,
        clinician: sensate_domain::UserId,
    ) -> crate::Result<Vec<(sensate_domain::UserId, String)>> {
        let rows: Vec<(uuid::Uuid, String)> = sqlx::query_as(
            "SELECT DISTINCT u.id, u.display_name FROM cases c JOIN case_members m ON m.case_id = c.id \
             JOIN users u ON u.id = m.client_id WHERE c.status <> 'discharged' AND (c.clinician_id = $1 \
             OR EXISTS (SELECT 1 FROM case_team t WHERE t.case_id = c.id AND t.user_id = $1 AND t.role = 'co_therapist')) \
             ORDER BY u.display_name, u.id",
        )
        .bind(clinician.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows.into_iter().map(|(id, name)| (sensate_domain::UserId::from_uuid(id), name)).collect())
    }

    async fn client_profile(
        &self,
        practice: sensate_domain::PracticeId,
        client: sensate_domain::UserId,
    ) -> crate::Result<Option<crate::ClientProfile>> {
        let row: Option<(uuid::Uuid, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT id, contact_preferences FROM client_profiles WHERE practice_id = $1 AND user_id = $2",
        )
        .bind(practice.as_uuid())
        .bind(client.as_uuid())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        Ok(row.map(|(id, contact_preferences)| crate::ClientProfile {
            id: sensate_domain::ClientProfileId::from_uuid(id),
            contact_preferences,
        }))
    }

    async fn put_client_contact(
        &self,
        id: sensate_domain::ClientProfileId,
        practice: sensate_domain::PracticeId,
        client: sensate_domain::UserId,
        ciphertext: &[u8],
        now: jiff::Timestamp,
    ) -> crate::Result<bool> {
        let stored = sqlx::query(
            "INSERT INTO client_profiles (id, user_id, practice_id, contact_preferences, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (practice_id, user_id) DO UPDATE \
             SET contact_preferences = excluded.contact_preferences, updated_at = excluded.updated_at \
             WHERE client_profiles.id = excluded.id",
        )
        .bind(id.as_uuid())
        .bind(client.as_uuid())
        .bind(practice.as_uuid())
        .bind(ciphertext)
        .bind(crate::shared::secs(now))
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(stored == 1)
    }

    async fn insert_clinical_note(
        &self,
        id: sensate_domain::NoteId,
        practice: sensate_domain::PracticeId,
        client: sensate_domain::UserId,
        author: sensate_domain::UserId,
        ciphertext: &[u8],
        now: jiff::Timestamp,
    ) -> crate::Result<()> {
        sqlx::query(
            "INSERT INTO clinical_notes (id, practice_id, client_id, author_id, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.as_uuid())
        .bind(practice.as_uuid())
        .bind(client.as_uuid())
        .bind(author.as_uuid())
        .bind(ciphertext)
        .bind(crate::shared::secs(now))
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn clinical_notes_by(
        &self,
        client: sensate_domain::UserId,
        author: sensate_domain::UserId,
    ) -> crate::Result<Vec<crate::NoteRecord>> {
        let rows: Vec<(uuid::Uuid, Vec<u8>, i64)> = sqlx::query_as(
            "SELECT id, body, created_at FROM clinical_notes WHERE client_id = $1 AND author_id = $2 \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(client.as_uuid())
        .bind(author.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|(id, body, created_at)| {
                Ok(crate::NoteRecord {
                    id: sensate_domain::NoteId::from_uuid(id),
                    author_id: author,
                    body,
                    created_at: crate::shared::instant(created_at)?,
                })
            })
            .collect()
    }

    async fn encrypted_values(&self, column: crate::EncryptedColumn) -> crate::Result<Vec<(uuid::Uuid, Vec<u8>)>> {
        // Table and column names come from a closed enum, never from input.
        let (table, field, key) = column.location();
        Ok(sqlx::query_as(&format!("SELECT {key}, {field} FROM {table} WHERE {field} IS NOT NULL ORDER BY {key}"))
            .fetch_all(&mut *self.conn().await?)
            .await?)
    }

    async fn encrypted_values_after(
        &self,
        column: crate::EncryptedColumn,
        after: Option<uuid::Uuid>,
        limit: i64,
    ) -> crate::Result<Vec<(uuid::Uuid, Vec<u8>)>> {
        let (table, field, key) = column.location();
        Ok(sqlx::query_as(&format!(
            "SELECT {key}, {field} FROM {table} WHERE {field} IS NOT NULL AND ($1 IS NULL OR {key} > $1) \
             ORDER BY {key} LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }

    async fn replace_encrypted(
        &self,
        column: crate::EncryptedColumn,
        row: uuid::Uuid,
        ciphertext: &[u8],
    ) -> crate::Result<()> {
        let (table, field, key) = column.location();
        sqlx::query(&format!("UPDATE {table} SET {field} = $2 WHERE {key} = $1"))
            .bind(row)
            .bind(ciphertext)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }
}
