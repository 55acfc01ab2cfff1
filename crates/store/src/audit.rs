//! The audit log (SECURITY.md item 19): append-only, hash-chained, and
//! written together with the action it records.
//!
//! **Writing.** A use case's entries go into `audit_pending` inside the use
//! case's own transaction ([`crate::UnitOfWork::audit`]): the change and its
//! entries commit together or not at all. Reads have no write transaction of
//! their own; their entries go through [`crate::Store::append_audit`], which
//! commits the entries of everyone waiting at that moment in one transaction
//! (group commit) and returns only once they are durable. Either way the
//! response is sent after its entry is on disk.
//!
//! **Sealing.** [`AuditStore::seal_audit`] moves pending entries into
//! `audit_log` in the order it finds them, numbering them and chaining each
//! to the one before with BLAKE2b keyed by a secret only the app holds
//! ([`AuditKey`]). Someone who can write to the database but lacks the key
//! cannot recompute a chain after editing, deleting or reordering a row.
//! Only the sealer touches the chain, so no lock on it is held while use
//! cases run: one sealer at a time (SQLite's single writer; on PostgreSQL an
//! advisory lock that only sealers wait for).
//!
//! **The head.** Each sealing also stores the chain's head — the last
//! sequence number and hash, with a MAC under the key — in `meta`. Removing
//! the newest entries then leaves a head that names an entry which is gone.
//! `sensate audit verify` prints the head, so an operator can keep it
//! elsewhere and check later that the chain still reaches it (`--expect`).
//!
//! Entries written before the chain was keyed (scheme 1) stay verifiable
//! with the unkeyed hash; they may only precede keyed ones, and the first
//! keyed entry links to the last of them, so the keyed part protects them.
use async_trait::async_trait;
use blake2::digest::consts::U32;
use blake2::digest::{KeyInit, Mac};
use blake2::{Blake2b, Blake2bMac, Digest};

use crate::{AuditEvent, AuditFilter, AuditRecord, Result};

/// The `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Unkeyed BLAKE2b: entries written before Sensate keyed its chain.
pub const SCHEME_LEGACY: i32 = 1;
/// BLAKE2b keyed with the [`AuditKey`].
pub const SCHEME_KEYED: i32 = 2;

/// How many pending entries one sealing takes at most: few enough that, on
/// SQLite, the group commits waiting behind it are not held up for long.
const SEAL_BATCH: i64 = 500;
/// Pending entries written by one statement: 8 values each, well within
/// both engines' limits on bound values. A statement is atomic on its own,
/// so a group of entries up to this size needs no transaction around it.
pub(crate) const PENDING_ROWS_PER_STATEMENT: usize = 500;

/// The secret that keys the chain. It lives with the app's keys, never in
/// the database in the clear.
#[derive(Clone)]
pub struct AuditKey([u8; 64]);

impl AuditKey {
    /// BLAKE2b's full key size, so keying cannot fail.
    pub const LEN: usize = 64;

    pub fn new(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    fn mac(&self) -> Blake2bMac<U32> {
        <Blake2bMac<U32> as KeyInit>::new((&self.0).into())
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(redacted)")
    }
}

impl Drop for AuditKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// Where the chain ends: the last entry's number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

impl std::fmt::Display for ChainHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for ChainHead {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (seq, hash) = text.trim().split_once(':').ok_or("expected <entry number>:<hash>")?;
        let seq = seq.parse().map_err(|_| "the entry number is not a number")?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("the hash is not 64 hexadecimal characters".into());
        }
        Ok(Self { seq, hash: hash.to_ascii_lowercase() })
    }
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Adds entries to `audit_pending` on this source. Use cases call
    /// [`crate::UnitOfWork::audit`] or [`crate::Store::append_audit`],
    /// which call this at the right moment.
    async fn write_audit_entries(&self, events: &[AuditEvent]) -> Result<()>;
    /// Chains pending entries (up to a batch) in its own transaction;
    /// returns how many it sealed.
    async fn seal_audit(&self, key: &AuditKey) -> Result<usize>;
    /// Entries written but not yet chained.
    async fn pending_audit_entries(&self) -> Result<i64>;
    /// Newest first, filtered.
    async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;
    /// Every chained row in chain order, for verification.
    async fn audit_chain(&self) -> Result<Vec<AuditRecord>>;
    /// The head the sealer stored last (`seq:hash:mac`), if any.
    async fn stored_audit_head(&self) -> Result<Option<String>>;
}

/// Length-prefixed fields, so no two different rows encode to the same bytes.
fn encode_fields(update: &mut dyn FnMut(&[u8]), domain: &[u8], seq: i64, event: &AuditEvent, prev_hash: &str) {
    let mut field = |bytes: &[u8]| {
        update(&(bytes.len() as u64).to_be_bytes());
        update(bytes);
    };
    field(domain);
    field(&seq.to_be_bytes());
    field(&event.at.as_second().to_be_bytes());
    field(event.actor_id.map(|id| id.to_string()).unwrap_or_default().as_bytes());
    field(event.practice_id.map(|id| id.to_string()).unwrap_or_default().as_bytes());
    field(event.action.as_bytes());
    field(event.record_type.as_bytes());
    field(event.record_id.as_bytes());
    field(event.ip.as_bytes());
    field(event.outcome.as_bytes());
    field(prev_hash.as_bytes());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The unkeyed hash of entries written before the chain was keyed.
pub fn legacy_hash(seq: i64, event: &AuditEvent, prev_hash: &str) -> String {
    let mut hasher = Blake2b::<U32>::new();
    encode_fields(&mut |bytes| Digest::update(&mut hasher, bytes), b"sensate-audit-v1", seq, event, prev_hash);
    hex(&hasher.finalize())
}

/// The keyed hash of one entry.
pub fn keyed_hash(key: &AuditKey, seq: i64, event: &AuditEvent, prev_hash: &str) -> String {
    let mut mac = key.mac();
    encode_fields(&mut |bytes| Mac::update(&mut mac, bytes), b"sensate-audit-v2", seq, event, prev_hash);
    hex(&mac.finalize().into_bytes())
}

/// The stored head: `seq:hash:mac`, the MAC binding the two under the key.
pub fn sealed_head(key: &AuditKey, head: &ChainHead) -> String {
    format!("{head}:{}", head_mac(key, head))
}

fn head_mac(key: &AuditKey, head: &ChainHead) -> String {
    let mut mac = key.mac();
    Mac::update(&mut mac, b"sensate-audit-head-v1");
    Mac::update(&mut mac, &head.seq.to_be_bytes());
    Mac::update(&mut mac, head.hash.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Where and why a chain stops being intact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit chain is broken at entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: &'static str,
}

/// What a verification found intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entries: usize,
    pub head: Option<ChainHead>,
}

/// Checks every link, the stored head and, when given, a head recorded
/// earlier (`expect`), which must still be part of the chain.
pub fn verify_chain(
    records: &[AuditRecord],
    key: &AuditKey,
    stored_head: Option<&str>,
    expect: Option<&ChainHead>,
) -> Result<Verified, ChainBreak> {
    let mut prev = GENESIS_HASH.to_string();
    let mut keyed = false;
    for (expected_seq, record) in (1..).zip(records) {
        if record.seq != expected_seq {
            return Err(ChainBreak { seq: record.seq, reason: "an entry is missing or out of order" });
        }
        if record.prev_hash != prev {
            return Err(ChainBreak { seq: record.seq, reason: "it does not link to the entry before it" });
        }
        let expected_hash = match record.scheme {
            SCHEME_LEGACY if !keyed => legacy_hash(record.seq, &record.event, &record.prev_hash),
            SCHEME_KEYED => {
                keyed = true;
                keyed_hash(key, record.seq, &record.event, &record.prev_hash)
            }
            _ => return Err(ChainBreak { seq: record.seq, reason: "it claims a hash scheme it may not have" }),
        };
        if expected_hash != record.hash {
            return Err(ChainBreak { seq: record.seq, reason: "its contents were changed after it was written" });
        }
        prev = record.hash.clone();
    }
    let last = records.last().map(|r| ChainHead { seq: r.seq, hash: r.hash.clone() });
    let last_seq = last.as_ref().map_or(0, |h| h.seq);
    match stored_head {
        Some(text) => {
            let (head_text, mac) = text.rsplit_once(':').unwrap_or((text, ""));
            let head: ChainHead = head_text
                .parse()
                .map_err(|_| ChainBreak { seq: last_seq, reason: "the stored head is not readable" })?;
            if head_mac(key, &head) != mac {
                return Err(ChainBreak {
                    seq: head.seq,
                    reason: "the stored head was not written by this installation",
                });
            }
            if last.as_ref() != Some(&head) {
                return Err(ChainBreak {
                    seq: head.seq,
                    reason: "the chain does not end where the sealer left it (newest entries removed or added)",
                });
            }
        }
        None if keyed => {
            return Err(ChainBreak { seq: last_seq, reason: "the stored head is missing" });
        }
        None => {}
    }
    if let Some(expected) = expect {
        let found = records.get(usize::try_from(expected.seq - 1).unwrap_or(usize::MAX));
        if found.map(|r| &r.hash) != Some(&expected.hash) {
            return Err(ChainBreak {
                seq: expected.seq,
                reason: "the head recorded earlier is no longer in the chain",
            });
        }
    }
    Ok(Verified { entries: records.len(), head: last })
}

pub(crate) const AUDIT_COLUMNS: &str =
    "seq, at, actor_id, practice_id, action, record_type, record_id, ip, outcome, prev_hash, hash, scheme";

const EVENT_COLUMNS: &str = "at, actor_id, practice_id, action, record_type, record_id, ip, outcome";

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
    fn audit_event(row: &crate::engine::Row<S>) -> Result<AuditEvent> {
        use sqlx::Row;
        Ok(AuditEvent {
            at: crate::shared::instant(row.try_get("at")?)?,
            actor_id: row.try_get::<Option<uuid::Uuid>, _>("actor_id")?.map(sensate_domain::UserId::from_uuid),
            practice_id: row
                .try_get::<Option<uuid::Uuid>, _>("practice_id")?
                .map(sensate_domain::PracticeId::from_uuid),
            action: row.try_get("action")?,
            record_type: row.try_get("record_type")?,
            record_id: row.try_get("record_id")?,
            ip: row.try_get("ip")?,
            outcome: row.try_get("outcome")?,
        })
    }

    fn audit_records(rows: Vec<crate::engine::Row<S>>) -> Result<Vec<AuditRecord>> {
        use sqlx::Row;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    seq: row.try_get("seq")?,
                    event: Self::audit_event(row)?,
                    prev_hash: row.try_get("prev_hash")?,
                    hash: row.try_get("hash")?,
                    scheme: row.try_get("scheme")?,
                })
            })
            .collect()
    }

    async fn insert_pending(conn: &mut crate::engine::Conn<S>, events: &[AuditEvent]) -> Result<()> {
        for chunk in events.chunks(PENDING_ROWS_PER_STATEMENT) {
            let mut builder = sqlx::QueryBuilder::<S::Db>::new(format!("INSERT INTO audit_pending ({EVENT_COLUMNS}) "));
            builder.push_values(chunk, |mut row, event| {
                row.push_bind(crate::shared::secs(event.at))
                    .push_bind(event.actor_id.map(|id| id.as_uuid()))
                    .push_bind(event.practice_id.map(|id| id.as_uuid()))
                    .push_bind(event.action.clone())
                    .push_bind(event.record_type.clone())
                    .push_bind(event.record_id.clone())
                    .push_bind(event.ip.clone())
                    .push_bind(event.outcome.clone());
            });
            <S::Db as crate::engine::Dialect>::execute_built(conn, &mut builder).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<S> AuditStore for S
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
    async fn write_audit_entries(&self, events: &[AuditEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        crate::engine::Sql::<S>::insert_pending(&mut *self.conn().await?, events).await
    }

    async fn seal_audit(&self, key: &AuditKey) -> Result<usize> {
        use sqlx::Row;
        let mut conn = self.conn().await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        <S::Db as crate::engine::Dialect>::lock_for_write(&mut tx).await?;
        if !<S::Db as crate::engine::Dialect>::take_sealer_turn(&mut tx).await? {
            return Ok(0);
        }
        let rows = sqlx::query(&format!("SELECT id, {EVENT_COLUMNS} FROM audit_pending ORDER BY id LIMIT $1"))
            .bind(SEAL_BATCH)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let last: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (mut seq, mut prev_hash) = last.unwrap_or((0, GENESIS_HASH.to_string()));
        let mut sealed = Vec::with_capacity(rows.len());
        let mut taken: Vec<i64> = Vec::with_capacity(rows.len());
        for row in &rows {
            taken.push(row.try_get("id")?);
            let event = crate::engine::Sql::<S>::audit_event(row)?;
            seq += 1;
            let hash = keyed_hash(key, seq, &event, &prev_hash);
            sealed.push(AuditRecord {
                seq,
                event,
                prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
                hash,
                scheme: SCHEME_KEYED,
            });
        }
        for chunk in sealed.chunks(100) {
            let mut builder = sqlx::QueryBuilder::<S::Db>::new(format!("INSERT INTO audit_log ({AUDIT_COLUMNS}) "));
            builder.push_values(chunk, |mut row, r| {
                row.push_bind(r.seq)
                    .push_bind(crate::shared::secs(r.event.at))
                    .push_bind(r.event.actor_id.map(|id| id.as_uuid()))
                    .push_bind(r.event.practice_id.map(|id| id.as_uuid()))
                    .push_bind(r.event.action.clone())
                    .push_bind(r.event.record_type.clone())
                    .push_bind(r.event.record_id.clone())
                    .push_bind(r.event.ip.clone())
                    .push_bind(r.event.outcome.clone())
                    .push_bind(r.prev_hash.clone())
                    .push_bind(r.hash.clone())
                    .push_bind(r.scheme);
            });
            <S::Db as crate::engine::Dialect>::execute_built(&mut tx, &mut builder).await?;
        }
        // Exactly the rows sealed: on PostgreSQL an id is taken at insert, not
        // at commit, so a smaller id may still commit after this read; it is
        // sealed next time, with a later number.
        for chunk in taken.chunks(500) {
            let mut builder = sqlx::QueryBuilder::<S::Db>::new("DELETE FROM audit_pending WHERE id IN (");
            let mut ids = builder.separated(", ");
            for id in chunk {
                ids.push_bind(*id);
            }
            builder.push(")");
            <S::Db as crate::engine::Dialect>::execute_built(&mut tx, &mut builder).await?;
        }
        let head = ChainHead { seq, hash: prev_hash };
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('audit_head', $1)              ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(sealed_head(key, &head))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(sealed.len())
    }

    async fn pending_audit_entries(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM audit_pending").fetch_one(&mut *self.conn().await?).await?)
    }

    async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE ($1 IS NULL OR practice_id = $1)              AND ($2 IS NULL OR actor_id = $2) AND ($3 IS NULL OR action = $3) AND ($4 IS NULL OR outcome = $4)              AND ($5 IS NULL OR seq < $5) ORDER BY seq DESC LIMIT $6"
        ))
        .bind(filter.practice_id.map(|id| id.as_uuid()))
        .bind(filter.actor_id.map(|id| id.as_uuid()))
        .bind(filter.action.as_deref())
        .bind(filter.outcome.as_deref())
        .bind(filter.before_seq)
        .bind(filter.limit.clamp(1, 500))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        crate::engine::Sql::<S>::audit_records(rows)
    }

    async fn audit_chain(&self) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(&format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq"))
            .fetch_all(&mut *self.conn().await?)
            .await?;
        crate::engine::Sql::<S>::audit_records(rows)
    }

    async fn stored_audit_head(&self) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = 'audit_head'")
            .fetch_optional(&mut *self.conn().await?)
            .await?)
    }
}
