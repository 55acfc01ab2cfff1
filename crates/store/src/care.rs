//! Cases as episodes of care: status, a couple's confidentiality policy,
//! the care team beside the primary therapist (`cases.clinician_id`), and
//! the clients. Plain data operations; the rules are `domain::care`'s.
use async_trait::async_trait;
use jiff::Timestamp;
use sensate_domain::care::{CareRole, CaseStatus, ConfidentialityPolicy};
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{CaseId, PracticeId, UserId};

use crate::engine::RowsAffected as _;
use crate::{Result, StoreError};

/// A case as its page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    pub id: CaseId,
    pub practice_id: PracticeId,
    /// The primary therapist, and their name.
    pub primary: UserId,
    pub primary_name: String,
    pub kind: CaseKind,
    pub status: CaseStatus,
    /// A couple's policy, once chosen.
    pub confidentiality: Option<ConfidentialityPolicy>,
    pub opened_at: Timestamp,
    /// When the status last changed; `None` since it was opened.
    pub status_changed_at: Option<Timestamp>,
    /// The case's clients: (id, name), by name.
    pub clients: Vec<(UserId, String)>,
    /// Co-therapists and supervisors, by name.
    pub team: Vec<TeamMember>,
}

/// Someone on a case's care team besides the primary therapist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    pub user: UserId,
    pub name: String,
    pub role: CareRole,
}

/// A case in a list (a client's page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    pub id: CaseId,
    pub kind: CaseKind,
    pub status: CaseStatus,
    pub confidentiality: Option<ConfidentialityPolicy>,
    pub primary_name: String,
    pub opened_at: Timestamp,
}

#[async_trait]
pub trait CareStore: Send + Sync {
    /// The case, with its clients and team; `None` when unknown.
    async fn case_record(&self, case: CaseId) -> Result<Option<CaseRecord>>;
    /// A client's cases in a practice, newest first.
    async fn cases_of_client(&self, practice: PracticeId, client: UserId) -> Result<Vec<CaseSummary>>;
    /// Whether a client has (or had) a session by video with the practice
    /// that was not cancelled.
    async fn has_telehealth_sessions(&self, practice: PracticeId, client: UserId) -> Result<bool>;
    /// Moves the case from `from` to `to`; false (nothing written) when its
    /// status is no longer `from`.
    async fn change_case_status(&self, case: CaseId, from: CaseStatus, to: CaseStatus, now: Timestamp) -> Result<bool>;
    /// Sets a couple's confidentiality policy; false when the case is
    /// discharged or unknown.
    async fn set_confidentiality(&self, case: CaseId, policy: ConfidentialityPolicy) -> Result<bool>;
    /// Adds someone to the care team; false when they are on it already.
    async fn add_to_care_team(&self, case: CaseId, user: UserId, role: CareRole, now: Timestamp) -> Result<bool>;
    /// Removes someone from the care team; false when they were not on it.
    async fn remove_from_care_team(&self, case: CaseId, user: UserId) -> Result<bool>;
}

fn status(value: &str) -> Result<CaseStatus> {
    CaseStatus::parse(value).ok_or_else(|| StoreError::Corrupt(format!("case status '{value}'")))
}

fn policy(value: Option<String>) -> Result<Option<ConfidentialityPolicy>> {
    value
        .map(|v| ConfidentialityPolicy::parse(&v).ok_or_else(|| StoreError::Corrupt(format!("confidentiality '{v}'"))))
        .transpose()
}

fn care_role(value: &str) -> Result<CareRole> {
    CareRole::parse(value).ok_or_else(|| StoreError::Corrupt(format!("care role '{value}'")))
}

#[async_trait::async_trait]
impl<S> crate::CareStore for S
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
    async fn case_record(&self, case: CaseId) -> Result<Option<CaseRecord>> {
        type Row = (uuid::Uuid, uuid::Uuid, String, String, String, Option<String>, i64, Option<i64>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT c.practice_id, c.clinician_id, u.display_name, c.kind, c.status, c.confidentiality, \
             c.opened_at, c.status_changed_at FROM cases c JOIN users u ON u.id = c.clinician_id WHERE c.id = $1",
        )
        .bind(case.as_uuid())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        let Some((practice, primary, primary_name, kind, case_status, confidentiality, opened_at, changed_at)) = row
        else {
            return Ok(None);
        };
        let clients: Vec<(uuid::Uuid, String)> = sqlx::query_as(
            "SELECT u.id, u.display_name FROM case_members m JOIN users u ON u.id = m.client_id \
             WHERE m.case_id = $1 ORDER BY u.display_name, u.id",
        )
        .bind(case.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let team: Vec<(uuid::Uuid, String, String)> = sqlx::query_as(
            "SELECT u.id, u.display_name, t.role FROM case_team t JOIN users u ON u.id = t.user_id \
             WHERE t.case_id = $1 ORDER BY u.display_name, u.id",
        )
        .bind(case.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(Some(CaseRecord {
            id: case,
            practice_id: PracticeId::from_uuid(practice),
            primary: UserId::from_uuid(primary),
            primary_name,
            kind: crate::shared::case_kind(&kind)?,
            status: status(&case_status)?,
            confidentiality: policy(confidentiality)?,
            opened_at: crate::shared::instant(opened_at)?,
            status_changed_at: changed_at.map(crate::shared::instant).transpose()?,
            clients: clients.into_iter().map(|(id, name)| (UserId::from_uuid(id), name)).collect(),
            team: team
                .into_iter()
                .map(|(id, name, role)| Ok(TeamMember { user: UserId::from_uuid(id), name, role: care_role(&role)? }))
                .collect::<Result<_>>()?,
        }))
    }

    async fn cases_of_client(&self, practice: PracticeId, client: UserId) -> Result<Vec<CaseSummary>> {
        let rows: Vec<(uuid::Uuid, String, String, Option<String>, String, i64)> = sqlx::query_as(
            "SELECT c.id, c.kind, c.status, c.confidentiality, u.display_name, c.opened_at FROM cases c \
             JOIN case_members m ON m.case_id = c.id JOIN users u ON u.id = c.clinician_id \
             WHERE m.client_id = $1 AND c.practice_id = $2 ORDER BY c.opened_at DESC, c.id",
        )
        .bind(client.as_uuid())
        .bind(practice.as_uuid())
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter()
            .map(|(id, kind, case_status, confidentiality, primary_name, opened_at)| {
                Ok(CaseSummary {
                    id: CaseId::from_uuid(id),
                    kind: crate::shared::case_kind(&kind)?,
                    status: status(&case_status)?,
                    confidentiality: policy(confidentiality)?,
                    primary_name,
                    opened_at: crate::shared::instant(opened_at)?,
                })
            })
            .collect()
    }

    async fn has_telehealth_sessions(&self, practice: PracticeId, client: UserId) -> Result<bool> {
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM appointments a JOIN case_members m ON m.case_id = a.case_id \
                 WHERE a.practice_id = $1 AND m.client_id = $2 AND a.format = 'telehealth' \
                 AND a.status <> 'cancelled' AND {}",
            crate::shared::attends("a", "m")
        ))
        .bind(practice.as_uuid())
        .bind(client.as_uuid())
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(count > 0)
    }

    async fn change_case_status(&self, case: CaseId, from: CaseStatus, to: CaseStatus, now: Timestamp) -> Result<bool> {
        let changed = sqlx::query("UPDATE cases SET status = $1, status_changed_at = $2 WHERE id = $3 AND status = $4")
            .bind(to.as_str())
            .bind(crate::shared::secs(now))
            .bind(case.as_uuid())
            .bind(from.as_str())
            .execute(&mut *self.conn().await?)
            .await?
            .rows_affected();
        Ok(changed == 1)
    }

    async fn set_confidentiality(&self, case: CaseId, policy: ConfidentialityPolicy) -> Result<bool> {
        let changed = sqlx::query("UPDATE cases SET confidentiality = $1 WHERE id = $2 AND status <> 'discharged'")
            .bind(policy.as_str())
            .bind(case.as_uuid())
            .execute(&mut *self.conn().await?)
            .await?
            .rows_affected();
        Ok(changed == 1)
    }

    async fn add_to_care_team(&self, case: CaseId, user: UserId, role: CareRole, now: Timestamp) -> Result<bool> {
        let added = sqlx::query(
            "INSERT INTO case_team (case_id, user_id, role, added_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (case_id, user_id) DO NOTHING",
        )
        .bind(case.as_uuid())
        .bind(user.as_uuid())
        .bind(role.as_str())
        .bind(crate::shared::secs(now))
        .execute(&mut *self.conn().await?)
        .await?
        .rows_affected();
        Ok(added == 1)
    }

    async fn remove_from_care_team(&self, case: CaseId, user: UserId) -> Result<bool> {
        let removed = sqlx::query("DELETE FROM case_team WHERE case_id = $1 AND user_id = $2")
            .bind(case.as_uuid())
            .bind(user.as_uuid())
            .execute(&mut *self.conn().await?)
            .await?
            .rows_affected();
        Ok(removed == 1)
    }
}
