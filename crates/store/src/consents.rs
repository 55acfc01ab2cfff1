//! Consents: a practice's published versions of each consent document,
//! signatures with the frozen text they signed, and the releases of
//! information a care team asks for. Plain data operations; what must be
//! signed and what a signature needs is `domain::care::consent`'s, what a
//! release may say `domain::care::release`'s.
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::care::consent::ConsentKind;
use sensate_domain::care::release::{ReleaseTerms, SharedInformation};
use sensate_domain::{CaseId, ConsentDocumentId, PracticeId, ReleaseId, SignatureId, UserId};

use crate::{Result, StoreError};

/// One published version of a practice's consent document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDocument {
    pub id: ConsentDocumentId,
    pub practice_id: PracticeId,
    pub kind: ConsentKind,
    pub version: i32,
    pub title: String,
    pub body: String,
    pub published_at: Timestamp,
    pub published_by: UserId,
}

/// A signature: who signed which text, when, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub id: SignatureId,
    pub practice_id: PracticeId,
    pub signer: UserId,
    /// The case a couple's policy was signed for.
    pub case_id: Option<CaseId>,
    pub kind: ConsentKind,
    /// The document's version (0: Sensate's own text).
    pub version: i32,
    /// The exact text signed, frozen.
    pub signed_text: String,
    /// SHA-256 of `signed_text` (UTF-8), lowercase hex.
    pub text_sha256: String,
    pub typed_name: String,
    pub signed_at: Timestamp,
    pub ip: String,
    pub user_agent: String,
    /// The signer's session had signed in within the last few minutes.
    pub recently_verified: bool,
    /// The release of information signed (kind `Release` only).
    pub release_id: Option<ReleaseId>,
    /// When its signer revoked it (releases only).
    pub revoked_at: Option<Timestamp>,
}

/// A release of information a care team asked a case's clients to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub id: ReleaseId,
    pub practice_id: PracticeId,
    pub case_id: CaseId,
    pub terms: ReleaseTerms,
    pub requested_by: UserId,
    pub requested_at: Timestamp,
}

#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// The newest published version of each kind the practice has published.
    async fn current_documents(&self, practice: PracticeId) -> Result<Vec<ConsentDocument>>;
    /// Publishes a version; false (nothing written) when that version of the
    /// kind exists already: someone published meanwhile.
    async fn publish_document(&self, document: &ConsentDocument) -> Result<bool>;
    /// Records a signature; false (nothing written) when the same person
    /// signed the same text for the same practice, kind and case before.
    async fn insert_signature(&self, signature: &Signature) -> Result<bool>;
    /// A person's signatures with a practice, newest first.
    async fn signatures_of(&self, practice: PracticeId, signer: UserId) -> Result<Vec<Signature>>;
    async fn signature(&self, id: SignatureId) -> Result<Option<Signature>>;
    /// Marks a signer's release revoked; false (nothing written) when it is
    /// not theirs, not a release, or revoked already.
    async fn revoke_signature(&self, id: SignatureId, signer: UserId, at: Timestamp) -> Result<bool>;
    async fn insert_release(&self, release: &Release) -> Result<()>;
    /// A case's releases, newest first.
    async fn releases_of_case(&self, case: CaseId) -> Result<Vec<Release>>;
}

type SignatureRow = (
    uuid::Uuid,
    uuid::Uuid,
    uuid::Uuid,
    Option<uuid::Uuid>,
    String,
    i32,
    String,
    String,
    String,
    i64,
    String,
    String,
    bool,
    Option<uuid::Uuid>,
    Option<i64>,
);

const SIGNATURE_COLUMNS: &str = "id, practice_id, signer_id, case_id, kind, version, signed_text, text_sha256, \
    typed_name, signed_at, ip, user_agent, recently_verified, release_id, revoked_at";

fn kind(value: &str) -> Result<ConsentKind> {
    ConsentKind::parse(value).ok_or_else(|| StoreError::Corrupt(format!("consent kind '{value}'")))
}

fn signature(row: SignatureRow) -> Result<Signature> {
    let (
        id,
        practice,
        signer,
        case,
        kind_text,
        version,
        signed_text,
        text_sha256,
        typed_name,
        signed_at,
        ip,
        ua,
        fresh,
        release,
        revoked,
    ) = row;
    Ok(Signature {
        id: SignatureId::from_uuid(id),
        practice_id: PracticeId::from_uuid(practice),
        signer: UserId::from_uuid(signer),
        case_id: case.map(CaseId::from_uuid),
        kind: kind(&kind_text)?,
        version,
        signed_text,
        text_sha256,
        typed_name,
        signed_at: crate::shared::instant(signed_at)?,
        ip,
        user_agent: ua,
        recently_verified: fresh,
        release_id: release.map(ReleaseId::from_uuid),
        revoked_at: revoked.map(crate::shared::instant).transpose()?,
    })
}

type ReleaseRow = (uuid::Uuid, uuid::Uuid, uuid::Uuid, String, String, String, String, uuid::Uuid, i64);

fn release(row: ReleaseRow) -> Result<Release> {
    let (id, practice, case, recipient, shared, purpose, expires_on, by, at) = row;
    let shared = shared
        .split(',')
        .filter(|key| !key.is_empty())
        .map(|key| SharedInformation::parse(key).ok_or_else(|| StoreError::Corrupt(format!("release item '{key}'"))))
        .collect::<Result<Vec<_>>>()?;
    let expires_on = expires_on.parse().map_err(|_| StoreError::Corrupt(format!("release expiry '{expires_on}'")))?;
    Ok(Release {
        id: ReleaseId::from_uuid(id),
        practice_id: PracticeId::from_uuid(practice),
        case_id: CaseId::from_uuid(case),
        terms: ReleaseTerms { recipient, shared, purpose, expires_on },
        requested_by: UserId::from_uuid(by),
        requested_at: crate::shared::instant(at)?,
    })
}

#[async_trait::async_trait]
impl<S> crate::ConsentStore for S
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
    async fn current_documents(&self, practice: PracticeId) -> Result<Vec<ConsentDocument>> {
        type Row = (uuid::Uuid, String, i32, String, String, i64, uuid::Uuid);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT d.id, d.kind, d.version, d.title, d.body, d.published_at, d.published_by \
             FROM consent_documents d WHERE d.practice_id = $1 AND d.version = \
             (SELECT MAX(n.version) FROM consent_documents n WHERE n.practice_id = d.practice_id AND n.kind = d.kind) \
             ORDER BY d.kind",
        )
        .bind(practice.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|(id, kind_text, version, title, body, published_at, by)| {
                Ok(ConsentDocument {
                    id: ConsentDocumentId::from_uuid(id),
                    practice_id: practice,
                    kind: kind(&kind_text)?,
                    version,
                    title,
                    body,
                    published_at: crate::shared::instant(published_at)?,
                    published_by: UserId::from_uuid(by),
                })
            })
            .collect()
    }

    async fn publish_document(&self, document: &ConsentDocument) -> Result<bool> {
        use crate::engine::RowsAffected as _;
        let written = sqlx::query(
            "INSERT INTO consent_documents (id, practice_id, kind, version, title, body, published_at, published_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (practice_id, kind, version) DO NOTHING",
        )
        .bind(document.id.as_uuid())
        .bind(document.practice_id.as_uuid())
        .bind(document.kind.as_str())
        .bind(document.version)
        .bind(&document.title)
        .bind(&document.body)
        .bind(crate::shared::secs(document.published_at))
        .bind(document.published_by.as_uuid())
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(written == 1)
    }

    async fn insert_signature(&self, s: &Signature) -> Result<bool> {
        use crate::engine::RowsAffected as _;
        // One signature per text of: a release, else a couple's case, else the practice.
        let scope = match (s.release_id, s.case_id) {
            (Some(release), _) => release.to_string(),
            (None, Some(case)) => case.to_string(),
            (None, None) => String::new(),
        };
        let written = sqlx::query(&format!(
            "INSERT INTO consent_signatures ({SIGNATURE_COLUMNS}, scope) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (signer_id, practice_id, kind, scope, text_sha256) DO NOTHING"
        ))
        .bind(s.id.as_uuid())
        .bind(s.practice_id.as_uuid())
        .bind(s.signer.as_uuid())
        .bind(s.case_id.map(|case| case.as_uuid()))
        .bind(s.kind.as_str())
        .bind(s.version)
        .bind(&s.signed_text)
        .bind(&s.text_sha256)
        .bind(&s.typed_name)
        .bind(crate::shared::secs(s.signed_at))
        .bind(&s.ip)
        .bind(&s.user_agent)
        .bind(s.recently_verified)
        .bind(s.release_id.map(|r| r.as_uuid()))
        .bind(s.revoked_at.map(crate::shared::secs))
        .bind(scope)
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(written == 1)
    }

    async fn signatures_of(&self, practice: PracticeId, signer: UserId) -> Result<Vec<Signature>> {
        let rows: Vec<SignatureRow> = sqlx::query_as(&format!(
            "SELECT {SIGNATURE_COLUMNS} FROM consent_signatures WHERE practice_id = $1 AND signer_id = $2 \
             ORDER BY signed_at DESC, id"
        ))
        .bind(practice.as_uuid())
        .bind(signer.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter().map(signature).collect()
    }

    async fn signature(&self, id: SignatureId) -> Result<Option<Signature>> {
        let row: Option<SignatureRow> =
            sqlx::query_as(&format!("SELECT {SIGNATURE_COLUMNS} FROM consent_signatures WHERE id = $1"))
                .bind(id.as_uuid())
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        row.map(signature).transpose()
    }

    async fn revoke_signature(&self, id: SignatureId, signer: UserId, at: Timestamp) -> Result<bool> {
        use crate::engine::RowsAffected as _;
        let written = sqlx::query(
            "UPDATE consent_signatures SET revoked_at = $1 \
             WHERE id = $2 AND signer_id = $3 AND kind = 'release' AND revoked_at IS NULL",
        )
        .bind(crate::shared::secs(at))
        .bind(id.as_uuid())
        .bind(signer.as_uuid())
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(written == 1)
    }

    async fn insert_release(&self, r: &Release) -> Result<()> {
        let shared = r.terms.shared.iter().map(|item| item.as_str()).collect::<Vec<_>>().join(",");
        sqlx::query(
            "INSERT INTO releases (id, practice_id, case_id, recipient, shared, purpose, expires_on, requested_by, \
             requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(r.id.as_uuid())
        .bind(r.practice_id.as_uuid())
        .bind(r.case_id.as_uuid())
        .bind(&r.terms.recipient)
        .bind(shared)
        .bind(&r.terms.purpose)
        .bind(r.terms.expires_on.to_string())
        .bind(r.requested_by.as_uuid())
        .bind(crate::shared::secs(r.requested_at))
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn releases_of_case(&self, case: CaseId) -> Result<Vec<Release>> {
        let rows: Vec<ReleaseRow> = sqlx::query_as(
            "SELECT id, practice_id, case_id, recipient, shared, purpose, expires_on, requested_by, requested_at \
             FROM releases WHERE case_id = $1 ORDER BY requested_at DESC, id",
        )
        .bind(case.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter().map(release).collect()
    }
}
