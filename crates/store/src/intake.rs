//! Intake forms: each client's answers in a case, sealed by the app before
//! they reach the store; a draft until submitted.
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::{CaseId, PracticeId, UserId};

use crate::Result;

/// A client's intake in a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeRecord {
    /// The row's id: what the answers' encryption is bound to.
    pub id: uuid::Uuid,
    pub practice_id: PracticeId,
    pub case_id: CaseId,
    pub client: UserId,
    /// Ciphertext of the answers.
    pub answers: Vec<u8>,
    pub updated_at: Timestamp,
    /// `None` while a draft.
    pub submitted_at: Option<Timestamp>,
}

#[async_trait]
pub trait IntakeStore: Send + Sync {
    async fn intake(&self, case: CaseId, client: UserId) -> Result<Option<IntakeRecord>>;
    /// Every client's intake of a case (status only is read from them by pages).
    async fn intakes_of_case(&self, case: CaseId) -> Result<Vec<IntakeRecord>>;
    /// Writes a draft, or submits it: inserts the row, or updates it while
    /// it is a draft under the same id. False (nothing written) when it was
    /// submitted already or made under another id meanwhile.
    async fn save_intake(&self, record: &IntakeRecord) -> Result<bool>;
}

type Row = (uuid::Uuid, uuid::Uuid, uuid::Uuid, uuid::Uuid, Vec<u8>, i64, Option<i64>);
const COLUMNS: &str = "id, practice_id, case_id, client_id, answers, updated_at, submitted_at";

fn record(row: Row) -> Result<IntakeRecord> {
    let (id, practice, case, client, answers, updated_at, submitted_at) = row;
    Ok(IntakeRecord {
        id,
        practice_id: PracticeId::from_uuid(practice),
        case_id: CaseId::from_uuid(case),
        client: UserId::from_uuid(client),
        answers,
        updated_at: crate::shared::instant(updated_at)?,
        submitted_at: submitted_at.map(crate::shared::instant).transpose()?,
    })
}

#[async_trait::async_trait]
impl<S> crate::IntakeStore for S
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
    async fn intake(&self, case: CaseId, client: UserId) -> Result<Option<IntakeRecord>> {
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM intake_forms WHERE case_id = $1 AND client_id = $2"))
                .bind(case.as_uuid())
                .bind(client.as_uuid())
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        row.map(record).transpose()
    }

    async fn intakes_of_case(&self, case: CaseId) -> Result<Vec<IntakeRecord>> {
        let rows: Vec<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM intake_forms WHERE case_id = $1"))
            .bind(case.as_uuid())
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.into_iter().map(record).collect()
    }

    async fn save_intake(&self, r: &IntakeRecord) -> Result<bool> {
        use crate::engine::RowsAffected as _;
        let written = sqlx::query(&format!(
            "INSERT INTO intake_forms ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (case_id, client_id) DO UPDATE SET answers = excluded.answers, \
             updated_at = excluded.updated_at, submitted_at = excluded.submitted_at \
             WHERE intake_forms.id = excluded.id AND intake_forms.submitted_at IS NULL"
        ))
        .bind(r.id)
        .bind(r.practice_id.as_uuid())
        .bind(r.case_id.as_uuid())
        .bind(r.client.as_uuid())
        .bind(&r.answers)
        .bind(crate::shared::secs(r.updated_at))
        .bind(r.submitted_at.map(crate::shared::secs))
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(written == 1)
    }
}
