//! The audit log: append-only and hash-chained (SECURITY.md item 19).
//!
//! Each row's hash is BLAKE2b-256 over its sequence number, its fields and the
//! previous row's hash, so editing, deleting or reordering any row breaks the
//! chain from that point on; `verify_chain` finds the first break. Appends are
//! serialized (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory lock) so two
//! servers never chain onto the same row. Triggers refuse UPDATE and DELETE.
use async_trait::async_trait;
use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};

use crate::{AuditEvent, AuditFilter, AuditRecord, Result};

/// The `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, event: &AuditEvent) -> Result<AuditRecord>;
    /// Newest first, filtered.
    async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;
    /// Every row in chain order, for verification.
    async fn audit_chain(&self) -> Result<Vec<AuditRecord>>;
}

/// The hash of one row: length-prefixed fields, so no two different rows
/// encode to the same bytes.
pub fn chain_hash(seq: i64, event: &AuditEvent, prev_hash: &str) -> String {
    let mut hasher = Blake2b::<U32>::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(b"sensate-audit-v1");
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
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where and why a chain stops being intact.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit chain is broken at entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: &'static str,
}

/// Checks every link; returns how many entries were verified.
pub fn verify_chain(records: &[AuditRecord]) -> Result<usize, ChainBreak> {
    let mut prev = GENESIS_HASH.to_string();
    for (expected_seq, record) in (1..).zip(records) {
        if record.seq != expected_seq {
            return Err(ChainBreak { seq: record.seq, reason: "an entry is missing or out of order" });
        }
        if record.prev_hash != prev {
            return Err(ChainBreak { seq: record.seq, reason: "it does not link to the entry before it" });
        }
        if chain_hash(record.seq, &record.event, &record.prev_hash) != record.hash {
            return Err(ChainBreak { seq: record.seq, reason: "its contents were changed after it was written" });
        }
        prev = record.hash.clone();
    }
    Ok(records.len())
}

pub(crate) const AUDIT_COLUMNS: &str =
    "seq, at, actor_id, practice_id, action, record_type, record_id, ip, outcome, prev_hash, hash";

macro_rules! impl_audit_store {
    ($store:ty) => {
        impl $store {
            fn audit_records(rows: Vec<<$store as $crate::shared::HasDb>::Row>) -> $crate::Result<Vec<$crate::AuditRecord>> {
                use sqlx::Row;
                rows.iter()
                    .map(|row| {
                        Ok($crate::AuditRecord {
                            seq: row.try_get("seq")?,
                            event: $crate::AuditEvent {
                                at: $crate::shared::instant(row.try_get("at")?)?,
                                actor_id: row.try_get::<Option<uuid::Uuid>, _>("actor_id")?.map(sensate_domain::UserId::from_uuid),
                                practice_id: row
                                    .try_get::<Option<uuid::Uuid>, _>("practice_id")?
                                    .map(sensate_domain::PracticeId::from_uuid),
                                action: row.try_get("action")?,
                                record_type: row.try_get("record_type")?,
                                record_id: row.try_get("record_id")?,
                                ip: row.try_get("ip")?,
                                outcome: row.try_get("outcome")?,
                            },
                            prev_hash: row.try_get("prev_hash")?,
                            hash: row.try_get("hash")?,
                        })
                    })
                    .collect()
            }
        }

        #[async_trait::async_trait]
        impl $crate::AuditStore for $store {
            async fn append_audit(&self, event: &$crate::AuditEvent) -> $crate::Result<$crate::AuditRecord> {
                let mut tx = self.engine_begin_serialized().await?;
                let last: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
                let (seq, prev_hash) = match last {
                    Some((seq, hash)) => (seq + 1, hash),
                    None => (1, $crate::audit::GENESIS_HASH.to_string()),
                };
                let hash = $crate::audit::chain_hash(seq, event, &prev_hash);
                sqlx::query(&format!(
                    "INSERT INTO audit_log ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    $crate::audit::AUDIT_COLUMNS
                ))
                .bind(seq)
                .bind($crate::shared::secs(event.at))
                .bind(event.actor_id.map(|id| id.as_uuid()))
                .bind(event.practice_id.map(|id| id.as_uuid()))
                .bind(&event.action)
                .bind(&event.record_type)
                .bind(&event.record_id)
                .bind(&event.ip)
                .bind(&event.outcome)
                .bind(&prev_hash)
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok($crate::AuditRecord { seq, event: event.clone(), prev_hash, hash })
            }

            async fn audit_log(&self, filter: &$crate::AuditFilter) -> $crate::Result<Vec<$crate::AuditRecord>> {
                let rows = sqlx::query(&format!(
                    "SELECT {} FROM audit_log WHERE ($1 IS NULL OR practice_id = $1) AND ($2 IS NULL OR actor_id = $2) \
                     AND ($3 IS NULL OR action = $3) AND ($4 IS NULL OR outcome = $4) AND ($5 IS NULL OR seq < $5) \
                     ORDER BY seq DESC LIMIT $6",
                    $crate::audit::AUDIT_COLUMNS
                ))
                .bind(filter.practice_id.map(|id| id.as_uuid()))
                .bind(filter.actor_id.map(|id| id.as_uuid()))
                .bind(filter.action.as_deref())
                .bind(filter.outcome.as_deref())
                .bind(filter.before_seq)
                .bind(filter.limit.clamp(1, 500))
                .fetch_all(&self.pool)
                .await?;
                Self::audit_records(rows)
            }

            async fn audit_chain(&self) -> $crate::Result<Vec<$crate::AuditRecord>> {
                let rows = sqlx::query(&format!("SELECT {} FROM audit_log ORDER BY seq", $crate::audit::AUDIT_COLUMNS))
                    .fetch_all(&self.pool)
                    .await?;
                Self::audit_records(rows)
            }
        }
    };
}

pub(crate) use impl_audit_store;
