//! Secure messages of a case. Who sees a message is decided here too, in
//! the query (`domain::care::messages::Audience`), so a page that forgot to
//! filter could still not show one partner's private message to the other.
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::{CaseId, PracticeId, UserId};

use crate::Result;

/// A message, its body sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: uuid::Uuid,
    pub practice_id: PracticeId,
    pub case_id: CaseId,
    pub author: UserId,
    pub author_name: String,
    /// The one client it is for besides the care team; `None`: every client.
    pub private_to: Option<UserId>,
    pub body: Vec<u8>,
    pub sent_at: Timestamp,
}

/// A file attached to a message, its name and bytes sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub id: uuid::Uuid,
    pub message_id: uuid::Uuid,
    pub content_type: String,
    pub size_bytes: i64,
    pub file_name: Vec<u8>,
    /// Empty when listed with its message (the bytes are read on download).
    pub data: Vec<u8>,
}

#[async_trait]
pub trait MessageStore: Send + Sync {
    async fn insert_message(&self, message: &MessageRecord) -> Result<()>;
    async fn insert_attachment(&self, attachment: &AttachmentRecord) -> Result<()>;
    /// The attachments of a case's messages, without their bytes (callers
    /// keep those of the messages the viewer sees).
    async fn attachments_of_case(&self, case: CaseId) -> Result<Vec<AttachmentRecord>>;
    /// An attachment with its bytes, and its message (for who may see it).
    async fn attachment(&self, id: uuid::Uuid) -> Result<Option<(AttachmentRecord, MessageRecord)>>;
    /// The case's messages `viewer` may see, oldest first: every one for the
    /// care team (`viewer_on_team`), else those for every client or for them.
    async fn messages_seen_by(&self, case: CaseId, viewer: UserId, viewer_on_team: bool) -> Result<Vec<MessageRecord>>;
    /// Records that `reader` opened these messages (once each).
    async fn mark_read(&self, messages: &[uuid::Uuid], reader: UserId, now: Timestamp) -> Result<()>;
    /// Who read the case's messages: (message, reader).
    async fn message_reads(&self, case: CaseId) -> Result<Vec<(uuid::Uuid, UserId)>>;
}

type MessageRow = (uuid::Uuid, uuid::Uuid, uuid::Uuid, uuid::Uuid, String, Option<uuid::Uuid>, Vec<u8>, i64);

const MESSAGE_COLUMNS: &str =
    "m.id, m.practice_id, m.case_id, m.author_id, u.display_name, m.private_to, m.body, m.sent_at";

fn message(row: MessageRow) -> Result<MessageRecord> {
    let (id, practice, case, author, author_name, private_to, body, sent_at) = row;
    Ok(MessageRecord {
        id,
        practice_id: PracticeId::from_uuid(practice),
        case_id: CaseId::from_uuid(case),
        author: UserId::from_uuid(author),
        author_name,
        private_to: private_to.map(UserId::from_uuid),
        body,
        sent_at: crate::shared::instant(sent_at)?,
    })
}

#[async_trait::async_trait]
impl<S> crate::MessageStore for S
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
    async fn insert_message(&self, m: &MessageRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO messages (id, practice_id, case_id, author_id, private_to, body, sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(m.id)
        .bind(m.practice_id.as_uuid())
        .bind(m.case_id.as_uuid())
        .bind(m.author.as_uuid())
        .bind(m.private_to.map(|client| client.as_uuid()))
        .bind(&m.body)
        .bind(crate::shared::secs(m.sent_at))
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn messages_seen_by(&self, case: CaseId, viewer: UserId, viewer_on_team: bool) -> Result<Vec<MessageRecord>> {
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.author_id \
             WHERE m.case_id = $1 AND ($3 OR m.private_to IS NULL OR m.private_to = $2) \
             ORDER BY m.sent_at, m.id"
        ))
        .bind(case.as_uuid())
        .bind(viewer.as_uuid())
        .bind(viewer_on_team)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter().map(message).collect()
    }

    async fn mark_read(&self, messages: &[uuid::Uuid], reader: UserId, now: Timestamp) -> Result<()> {
        for message in messages {
            sqlx::query(
                "INSERT INTO message_reads (message_id, user_id, read_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (message_id, user_id) DO NOTHING",
            )
            .bind(message)
            .bind(reader.as_uuid())
            .bind(crate::shared::secs(now))
            .execute(&mut *self.conn().await?)
            .await?;
        }
        Ok(())
    }

    async fn message_reads(&self, case: CaseId) -> Result<Vec<(uuid::Uuid, UserId)>> {
        let rows: Vec<(uuid::Uuid, uuid::Uuid)> = sqlx::query_as(
            "SELECT r.message_id, r.user_id FROM message_reads r JOIN messages m ON m.id = r.message_id \
             WHERE m.case_id = $1",
        )
        .bind(case.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows.into_iter().map(|(message, user)| (message, UserId::from_uuid(user))).collect())
    }

    async fn insert_attachment(&self, a: &AttachmentRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO message_attachments (id, message_id, content_type, size_bytes, file_name, data) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(a.id)
        .bind(a.message_id)
        .bind(&a.content_type)
        .bind(a.size_bytes)
        .bind(&a.file_name)
        .bind(&a.data)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn attachments_of_case(&self, case: CaseId) -> Result<Vec<AttachmentRecord>> {
        type Row = (uuid::Uuid, uuid::Uuid, String, i64, Vec<u8>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT a.id, a.message_id, a.content_type, a.size_bytes, a.file_name \
             FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.case_id = $1",
        )
        .bind(case.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, message_id, content_type, size_bytes, file_name)| AttachmentRecord {
                id,
                message_id,
                content_type,
                size_bytes,
                file_name,
                data: Vec::new(),
            })
            .collect())
    }

    async fn attachment(&self, id: uuid::Uuid) -> Result<Option<(AttachmentRecord, MessageRecord)>> {
        type Row = (uuid::Uuid, String, i64, Vec<u8>, Vec<u8>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT message_id, content_type, size_bytes, file_name, data FROM message_attachments WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some((message_id, content_type, size_bytes, file_name, data)) = row else { return Ok(None) };
        let row: MessageRow = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.author_id WHERE m.id = $1"
        ))
        .bind(message_id)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        let attachment = AttachmentRecord { id, message_id, content_type, size_bytes, file_name, data };
        Ok(Some((attachment, message(row)?)))
    }
}
