//! Consents: what each client of a practice is asked to sign, signing it
//! electronically (typed name, a statement of intent, the exact text frozen
//! with its SHA-256, the time, address and browser, and whether the session
//! had just signed in), and the practice's own versions of its documents.
use sensate_domain::care::ConfidentialityPolicy;
use sensate_domain::care::consent::{self, ConsentKind};
use sensate_domain::care::release::{self, ReleaseState, ReleaseTerms};
use sensate_domain::policy::{Action, Resource};
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{CaseId, ConsentDocumentId, FieldErrors, PracticeId, ReleaseId, SignatureId, UserId};
use sensate_store::ConsentDocument;
pub use sensate_store::{Release, Signature};
use sha2::{Digest, Sha256};

use crate::audit::outcome;
use crate::infra::secrets::hex;
use crate::{Actor, AppError};

/// The longest browser description kept with a signature.
const USER_AGENT_MAX: usize = 300;

/// A document as it reads now for a practice: its own newest version, or
/// Sensate's text (version 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentDocument {
    pub kind: ConsentKind,
    pub version: i32,
    pub title: String,
    pub body: String,
}

/// A consent a client is asked for, as it reads now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest {
    pub kind: ConsentKind,
    /// The couple's case a policy is signed for, or a release's case.
    pub case: Option<CaseId>,
    /// The release of information this asks for.
    pub release: Option<ReleaseId>,
    pub version: i32,
    pub title: String,
    /// The exact text to sign.
    pub text: String,
    pub sha256: String,
    /// The signature of this very text, once given.
    pub signed: Option<Signature>,
    /// An earlier text of this consent was signed: this one asks again.
    pub signed_before: bool,
}

impl ConsentRequest {
    /// Its key in addresses and forms: the kind, and the case for a couple's policy.
    pub fn key(&self) -> String {
        match (self.release, self.case) {
            (Some(release), _) => format!("{}:{release}", self.kind.key()),
            (None, Some(case)) => format!("{}:{case}", self.kind.key()),
            (None, None) => self.kind.key().to_string(),
        }
    }
}

/// SHA-256 of a text's UTF-8 bytes, lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// A signature of a request as it reads now (browser and session facts
/// left for the caller).
pub(crate) fn signature_of(
    request: ConsentRequest,
    practice: PracticeId,
    signer: UserId,
    typed_name: String,
    ip: &str,
    now: jiff::Timestamp,
) -> Signature {
    Signature {
        id: SignatureId::new(),
        practice_id: practice,
        signer,
        case_id: request.case,
        kind: request.kind,
        version: request.version,
        signed_text: request.text,
        text_sha256: request.sha256,
        typed_name,
        signed_at: now,
        ip: ip.to_string(),
        user_agent: String::new(),
        recently_verified: false,
        release_id: request.release,
        revoked_at: None,
    }
}

/// One client's side of a release, for the case page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseSigner {
    pub name: String,
    pub state: ReleaseState,
    /// Their signature, once given (its copy's id).
    pub signature: Option<SignatureId>,
}

/// A release of information and where each client of the case stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseView {
    pub release: Release,
    pub signers: Vec<ReleaseSigner>,
}

/// What a client signs for a release: the document, then its terms.
fn release_text(document: &CurrentDocument, terms: &ReleaseTerms) -> String {
    let text = consent::text_to_sign(ConsentKind::Release, &document.title, &document.body, None);
    format!("{text}\n\n{}", release::terms_text(terms))
}

fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    AppError::Invalid(errors)
}

impl super::Care<'_> {
    /// Each kind's document as it reads now for the practice.
    pub async fn current_documents(&self, practice: PracticeId) -> Result<Vec<CurrentDocument>, AppError> {
        let published = self.app.store.current_documents(practice).await?;
        Ok(ConsentKind::ALL
            .into_iter()
            .map(|kind| match published.iter().find(|d| d.kind == kind) {
                Some(d) => CurrentDocument { kind, version: d.version, title: d.title.clone(), body: d.body.clone() },
                None => {
                    let (title, body) = kind.default_text();
                    CurrentDocument { kind, version: 0, title: title.into(), body: body.into() }
                }
            })
            .collect())
    }

    /// What a client of `practice` is asked to sign, as it reads now: the
    /// consent to sex therapy while a case is open, the consent to video
    /// sessions once they have one, and each open couple's case's policy
    /// once the therapist chose it. Callers authorize.
    pub(crate) async fn requests_for(
        &self,
        practice: PracticeId,
        client: UserId,
    ) -> Result<Vec<ConsentRequest>, AppError> {
        let cases = self.app.store.cases_of_client(practice, client).await?;
        if cases.is_empty() {
            return Ok(Vec::new());
        }
        let open: Vec<_> = cases.iter().filter(|c| c.status.is_open()).collect();
        let documents = self.current_documents(practice).await?;
        let document = |kind| documents.iter().find(|d| d.kind == kind);
        let signatures = self.app.store.signatures_of(practice, client).await?;
        // A release signed in a case since closed stays listed: its signer
        // may revoke it as long as it lasts.
        let mut requests = self.release_requests(practice, &cases, &signatures, document(ConsentKind::Release)).await?;
        if open.is_empty() {
            return Ok(requests);
        }
        let mut wanted: Vec<(ConsentKind, Option<(CaseId, ConfidentialityPolicy)>)> =
            vec![(ConsentKind::SexTherapy, None)];
        if self.app.store.has_telehealth_sessions(practice, client).await? {
            wanted.push((ConsentKind::Telehealth, None));
        }
        for case in open.iter().filter(|c| c.kind == CaseKind::Couple) {
            if let Some(policy) = case.confidentiality {
                wanted.push((ConsentKind::CouplePolicy, Some((case.id, policy))));
            }
        }

        for (kind, couple) in wanted {
            let Some(d) = document(kind) else { continue };
            let text = consent::text_to_sign(kind, &d.title, &d.body, couple.map(|(_, policy)| policy));
            let sha256 = sha256_hex(&text);
            let case = couple.map(|(case, _)| case);
            let same = |s: &&Signature| s.kind == kind && s.case_id == case;
            let signed = signatures.iter().filter(same).find(|s| s.text_sha256 == sha256).cloned();
            let signed_before = signed.is_none() && signatures.iter().any(|s| same(&s));
            requests.push(ConsentRequest {
                kind,
                case,
                release: None,
                version: d.version,
                title: d.title.clone(),
                text,
                sha256,
                signed,
                signed_before,
            });
        }
        Ok(requests)
    }

    /// The releases asked of a client, signed or not; one not signed is
    /// asked only while its case is open and its last day has not passed.
    /// The text is the release document as it reads now, then the terms.
    async fn release_requests(
        &self,
        practice: PracticeId,
        cases: &[sensate_store::CaseSummary],
        signatures: &[Signature],
        document: Option<&CurrentDocument>,
    ) -> Result<Vec<ConsentRequest>, AppError> {
        let mut releases = Vec::new();
        for case in cases {
            let open = case.status.is_open();
            releases.extend(self.app.store.releases_of_case(case.id).await?.into_iter().map(|r| (r, open)));
        }
        let Some(d) = document.filter(|_| !releases.is_empty()) else { return Ok(Vec::new()) };
        let today = self.today_in(practice).await?;
        let mut requests = Vec::new();
        for (r, open) in releases {
            let signed = signatures.iter().find(|s| s.release_id == Some(r.id)).cloned();
            if signed.is_none() && (!open || today > r.terms.expires_on) {
                continue;
            }
            let text = release_text(d, &r.terms);
            requests.push(ConsentRequest {
                kind: ConsentKind::Release,
                case: Some(r.case_id),
                release: Some(r.id),
                version: d.version,
                title: format!("{} to {}", d.title, r.terms.recipient),
                sha256: sha256_hex(&text),
                text,
                signed,
                signed_before: false,
            });
        }
        Ok(requests)
    }

    /// Today's date where the practice is.
    pub(crate) async fn today_in(&self, practice: PracticeId) -> Result<jiff::civil::Date, AppError> {
        let record = self.app.store.practice(practice).await?.ok_or(AppError::NotFound)?;
        Ok(self.app.now().to_zoned(record.time_zone.zone().clone()).date())
    }

    /// Whether every client of a couple's case signed its policy as it reads now.
    pub(crate) async fn policy_signed_by_all(
        &self,
        practice: PracticeId,
        case: CaseId,
        clients: &[UserId],
    ) -> Result<bool, AppError> {
        for client in clients {
            let requests = self.requests_for(practice, *client).await?;
            let signed = requests
                .iter()
                .any(|r| r.kind == ConsentKind::CouplePolicy && r.case == Some(case) && r.signed.is_some());
            if !signed {
                return Ok(false);
            }
        }
        Ok(!clients.is_empty())
    }

    /// The client's own consents in the practice they act in: what is
    /// asked of them now, signed or not.
    pub async fn my_consents(&self, actor: &Actor) -> Result<Vec<ConsentRequest>, AppError> {
        let practice = self.own_care(actor, Action::ViewOwnCare).await?;
        let requests = self.requests_for(practice, actor.user_id).await?;
        self.app
            .audit_actor(actor, Some(practice), "view_consents", "user", actor.user_id.to_string(), outcome::ALLOWED)
            .await?;
        Ok(requests)
    }

    /// The practice the actor acts in, where they must be a client and
    /// allowed `action` on their own account.
    async fn own_care(&self, actor: &Actor, action: Action) -> Result<PracticeId, AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        let resource = Resource::Account { practice, user: actor.user_id, roles: actor.roles_in(practice) };
        self.app.authorize(actor, action, &resource, ("user", actor.user_id.to_string())).await?;
        Ok(practice)
    }

    /// Signs a consent asked of the actor (`key` as [`ConsentRequest::key`]
    /// gives it) with their typed name and an explicit statement of intent.
    pub async fn sign(
        &self,
        actor: &Actor,
        key: &str,
        typed_name: &str,
        intent: bool,
        user_agent: &str,
    ) -> Result<Signature, AppError> {
        let practice = self.own_care(actor, Action::SignConsent).await?;
        let requests = self.requests_for(practice, actor.user_id).await?;
        let request = requests.into_iter().find(|r| r.key() == key).ok_or(AppError::NotFound)?;
        let mut errors = FieldErrors::new();
        let name = consent::check_typed_name(typed_name, &actor.display_name);
        if let Err(refusal) = &name {
            errors.add("typed_name", refusal.to_string());
        }
        if !intent {
            errors.add("intent", "Confirm that you sign this document electronically.");
        }
        AppError::invalid_if_any(errors)?;
        let typed_name = name.map_err(|refusal| invalid("typed_name", refusal.to_string()))?;
        if request.signed.is_some() {
            return Err(invalid("typed_name", "You have signed this document as it reads now already."));
        }
        let now = self.app.now();
        let signature = Signature {
            user_agent: user_agent.chars().filter(|c| !c.is_control()).take(USER_AGENT_MAX).collect(),
            recently_verified: consent::recently_verified(actor.signed_in_at, now),
            ..signature_of(request, practice, actor.user_id, typed_name, &actor.ip, now)
        };
        let uow = self.app.store.begin_write().await?;
        if !uow.insert_signature(&signature).await? {
            // Signed meanwhile (another tab, a double click): once is enough.
            return Err(invalid("typed_name", "You have signed this document as it reads now already."));
        }
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "sign_consent",
            "consent_signature",
            signature.id.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        Ok(signature)
    }

    /// A signed consent's frozen copy, for its signer, those who treat them
    /// and the front desk (`ViewConsents`). Others' and unknown ids: 404.
    pub async fn signed_copy(&self, actor: &Actor, id: SignatureId) -> Result<Signature, AppError> {
        let signature = self.app.store.signature(id).await?;
        let Some(signature) = signature.filter(|s| actor.memberships.iter().any(|m| m.practice_id == s.practice_id))
        else {
            let practice = actor.acting_practice();
            self.app
                .audit_actor(
                    actor,
                    practice,
                    "view_signed_consent",
                    "consent_signature",
                    id.to_string(),
                    outcome::DENIED,
                )
                .await?;
            return Err(AppError::NotFound);
        };
        let practice = signature.practice_id;
        let facts = self.app.store.client_facts(practice, signature.signer).await?.ok_or(AppError::NotFound)?;
        let resource = Resource::Client {
            practice,
            client: signature.signer,
            clinicians: facts.clinicians,
            partners: facts.partners,
        };
        self.app.authorize(actor, Action::ViewConsents, &resource, ("consent_signature", id.to_string())).await?;
        self.app
            .audit_actor(
                actor,
                Some(practice),
                "view_signed_consent",
                "consent_signature",
                id.to_string(),
                outcome::ALLOWED,
            )
            .await?;
        Ok(signature)
    }

    /// The practice's documents as they read now, for owners and admins.
    pub async fn practice_documents(&self, actor: &Actor) -> Result<Vec<CurrentDocument>, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::ManageConsentDocuments).await?;
        self.current_documents(practice).await
    }

    /// Publishes a new version of one of the practice's documents; clients
    /// are asked to sign it anew. Returns the version's number.
    pub async fn publish(&self, actor: &Actor, kind: &str, title: &str, body: &str) -> Result<i32, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::ManageConsentDocuments).await?;
        let kind = ConsentKind::from_key(kind.trim()).ok_or(AppError::NotFound)?;
        let (title, body) = (title.trim(), body.trim().replace("\r\n", "\n"));
        let mut errors = FieldErrors::new();
        if title.is_empty() || title.chars().count() > consent::TITLE_MAX || title.chars().any(char::is_control) {
            errors.add("title", format!("Give a title of 1 to {} characters, on one line.", consent::TITLE_MAX));
        }
        if body.is_empty() || body.chars().count() > consent::BODY_MAX {
            errors.add("body", format!("Write the text, at most {} characters.", consent::BODY_MAX));
        }
        AppError::invalid_if_any(errors)?;
        let current = self.current_documents(practice).await?;
        let now_reads = current.iter().find(|d| d.kind == kind);
        if now_reads.is_some_and(|d| d.title == title && d.body == body) {
            return Err(invalid("body", "This is the text as it reads now; change it to publish a new version."));
        }
        let version = now_reads.map_or(1, |d| d.version + 1);
        let document = ConsentDocument {
            id: ConsentDocumentId::new(),
            practice_id: practice,
            kind,
            version,
            title: title.to_string(),
            body,
            published_at: self.app.now(),
            published_by: actor.user_id,
        };
        let uow = self.app.store.begin_write().await?;
        if !uow.publish_document(&document).await? {
            return Err(invalid("body", "Someone published a new version meanwhile; reload the page to see it."));
        }
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "publish_consent",
            "consent_document",
            document.id.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        Ok(version)
    }

    /// Asks a case's clients for a release of information. The care team
    /// who may manage the case asks; each client signs their own.
    pub async fn ask_release(
        &self,
        actor: &Actor,
        case: CaseId,
        recipient: &str,
        shared: &[String],
        purpose: &str,
        expires_on: &str,
    ) -> Result<Release, AppError> {
        let uow = self.app.store.begin_write().await?;
        let (uow, record) = self.case_in(uow, actor, case, Action::ManageCase, "ask_release").await?;
        if !record.status.is_open() {
            return Err(invalid("recipient", "This case is closed; a release is asked in an open case."));
        }
        let today = self.today_in(record.practice_id).await?;
        let terms = release::check_terms(recipient, shared, purpose, expires_on, today).map_err(AppError::Invalid)?;
        let asked = Release {
            id: ReleaseId::new(),
            practice_id: record.practice_id,
            case_id: case,
            terms,
            requested_by: actor.user_id,
            requested_at: self.app.now(),
        };
        uow.insert_release(&asked).await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(record.practice_id),
            "ask_release",
            "release",
            asked.id.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        Ok(asked)
    }

    /// The signer revokes a release they signed: no further sharing under
    /// it. Anyone else's signature, another kind, or one revoked already is
    /// the same 404, audited.
    pub async fn revoke(&self, actor: &Actor, id: SignatureId) -> Result<Signature, AppError> {
        let practice = self.own_care(actor, Action::SignConsent).await?;
        let signature = self.app.store.signature(id).await?;
        let revocable = signature.filter(|s| {
            s.signer == actor.user_id
                && s.practice_id == practice
                && s.kind == ConsentKind::Release
                && s.revoked_at.is_none()
        });
        let now = self.app.now();
        let uow = self.app.store.begin_write().await?;
        let done = match &revocable {
            Some(_) => uow.revoke_signature(id, actor.user_id, now).await?,
            None => false,
        };
        let result = if done { outcome::ALLOWED } else { outcome::DENIED };
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "revoke_release",
            "consent_signature",
            id.to_string(),
            result,
        ));
        uow.commit().await?;
        match revocable {
            Some(signature) if done => Ok(Signature { revoked_at: Some(now), ..signature }),
            _ => Err(AppError::NotFound),
        }
    }

    /// A case's releases, newest first, with where each client stands.
    pub(crate) async fn case_releases(&self, record: &sensate_store::CaseRecord) -> Result<Vec<ReleaseView>, AppError> {
        let releases = self.app.store.releases_of_case(record.id).await?;
        if releases.is_empty() {
            return Ok(Vec::new());
        }
        let today = self.today_in(record.practice_id).await?;
        let mut signatures = Vec::new();
        for (client, name) in &record.clients {
            let theirs = self.app.store.signatures_of(record.practice_id, *client).await?;
            signatures.push((name.clone(), theirs));
        }
        Ok(releases
            .into_iter()
            .map(|release| {
                let signers = signatures
                    .iter()
                    .map(|(name, theirs)| {
                        let signed = theirs.iter().find(|s| s.release_id == Some(release.id));
                        ReleaseSigner {
                            name: name.clone(),
                            state: ReleaseState::of(
                                signed.map(|s| (s.signed_at, s.revoked_at)),
                                release.terms.expires_on,
                                today,
                            ),
                            signature: signed.map(|s| s.id),
                        }
                    })
                    .collect();
                ReleaseView { release, signers }
            })
            .collect())
    }

    /// Each client's consents of a case as they read now, for its page.
    pub(crate) async fn case_consents(
        &self,
        practice: PracticeId,
        case: CaseId,
        clients: &[(UserId, String)],
    ) -> Result<Vec<(String, Vec<ConsentRequest>)>, AppError> {
        let mut out = Vec::new();
        for (client, name) in clients {
            let requests = self.requests_for(practice, *client).await?;
            // Releases have a section of their own on the case page.
            let relevant = requests
                .into_iter()
                .filter(|r| r.release.is_none() && (r.case.is_none() || r.case == Some(case)))
                .collect();
            out.push((name.clone(), relevant));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_of_the_utf8_text() {
        // FIPS 180-2 test vector.
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn a_request_is_keyed_by_kind_and_case() {
        let case = CaseId::new();
        let request = ConsentRequest {
            kind: ConsentKind::CouplePolicy,
            case: Some(case),
            version: 0,
            release: None,
            title: String::new(),
            text: String::new(),
            sha256: String::new(),
            signed: None,
            signed_before: false,
        };
        assert_eq!(request.key(), format!("couple:{case}"));
        let release = ReleaseId::new();
        let asked = ConsentRequest { kind: ConsentKind::Release, release: Some(release), ..request.clone() };
        assert_eq!(asked.key(), format!("release:{release}"));
        assert_eq!(ConsentRequest { case: None, kind: ConsentKind::Telehealth, ..request }.key(), "video");
    }
}
