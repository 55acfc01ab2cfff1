//! Cases over JSON: the same use cases and rules as the case page.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sensate_app::AppError;
use sensate_app::care::intake::IntakeView;
use sensate_app::care::messages::Upload;
use sensate_domain::care::intake::IntakeAnswers;
use sensate_domain::{CaseId, FieldErrors, UserId};

use crate::AppState;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{ApiJson, Caller};

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Person {
    id: String,
    name: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct TeamMember {
    id: String,
    name: String,
    /// `co_therapist` or `supervisor` (reads only).
    role: &'static str,
}

/// A case: an episode of care for one client or a couple.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Case {
    id: String,
    practice_id: String,
    /// `individual` or `couple`.
    kind: &'static str,
    /// `intake`, `active`, `paused` or `discharged`.
    status: &'static str,
    /// A couple's policy once chosen: `no_secrets`, `limited_secrets` or `individual`.
    confidentiality: Option<&'static str>,
    /// RFC 3339, UTC.
    opened_at: String,
    status_changed_at: Option<String>,
    primary_therapist: Person,
    team: Vec<TeamMember>,
    clients: Vec<Person>,
    /// Statuses the caller may move the case to now (empty when they may not manage it).
    next_statuses: Vec<&'static str>,
    /// The caller may add and remove co-therapists and supervisors.
    may_assign_team: bool,
}

fn case_id(id: &str) -> Result<CaseId, ApiError> {
    id.parse().map_err(|_| ApiError(AppError::NotFound))
}

/// A case, for its care team (the supervisor included) and the practice's
/// owners and admins. Audited as a view of the case.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The case", body = Case),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not on the care team", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Case>, ApiError> {
    let actor = caller.signed_in()?;
    let view = state.app.care().case_page(&actor, case_id(&id)?).await?;
    let r = &view.record;
    Ok(Json(Case {
        id: r.id.to_string(),
        practice_id: r.practice_id.to_string(),
        kind: r.kind.as_str(),
        status: r.status.as_str(),
        confidentiality: r.confidentiality.map(|p| p.as_str()),
        opened_at: r.opened_at.to_string(),
        status_changed_at: r.status_changed_at.map(|t| t.to_string()),
        primary_therapist: Person { id: r.primary.to_string(), name: r.primary_name.clone() },
        team: r
            .team
            .iter()
            .map(|m| TeamMember { id: m.user.to_string(), name: m.name.clone(), role: m.role.as_str() })
            .collect(),
        clients: r.clients.iter().map(|(id, name)| Person { id: id.to_string(), name: name.clone() }).collect(),
        next_statuses: view.next.iter().map(|s| s.as_str()).collect(),
        may_assign_team: view.can_assign,
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct StatusChange {
    /// One of the case's `next_statuses`: `active` or `paused` (discharge closes a case with its summary).
    #[schema(pattern = "^(intake|active|paused|discharged)$")]
    status: String,
}

/// Moves a case to another status (its primary therapist and co-therapists).
/// A couple's case becomes active only once its confidentiality policy is chosen.
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    request_body = StatusChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to manage this case", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody),
        (status = 422, description = "A status the case cannot move to now, or the case changed meanwhile", body = ErrorBody)))]
pub(crate) async fn change_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusChange>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    state.app.care().change_status(&actor, case_id(&id)?, &body.status).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct PolicyChoice {
    /// `no_secrets`, `limited_secrets` or `individual`.
    #[schema(pattern = "^(no_secrets|limited_secrets|individual)$")]
    policy: String,
}

/// Chooses a couple's confidentiality policy (its primary therapist and co-therapists).
#[utoipa::path(post, path = "/api/v1/cases/{id}/confidentiality", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    request_body = PolicyChoice,
    responses(
        (status = 204, description = "Saved"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to manage this case", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody),
        (status = 422, description = "Not a couple's case, or a discharged one", body = ErrorBody)))]
pub(crate) async fn choose_confidentiality(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PolicyChoice>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    state.app.care().choose_confidentiality(&actor, case_id(&id)?, &body.policy).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct TeamAddition {
    /// A therapist of the practice other than the primary therapist.
    #[schema(pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    user_id: String,
    /// `co_therapist` or `supervisor`.
    #[schema(pattern = "^(co_therapist|supervisor)$")]
    role: String,
}

/// Adds a co-therapist or supervisor (the primary therapist, owners and admins).
#[utoipa::path(post, path = "/api/v1/cases/{id}/team", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    request_body = TeamAddition,
    responses(
        (status = 204, description = "Added"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to staff this case", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody),
        (status = 422, description = "Not a therapist of the practice, the primary therapist, already on the team, \
            or a discharged case", body = ErrorBody)))]
pub(crate) async fn add_to_team(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TeamAddition>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    state.app.care().add_to_team(&actor, case_id(&id)?, &body.user_id, &body.role).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Takes a co-therapist or supervisor off the team (the primary therapist, owners and admins).
#[utoipa::path(delete, path = "/api/v1/cases/{id}/team/{user_id}", tag = "care",
    params(("id" = String, Path, description = "The case's id"), ("user_id" = String, Path, description = "The team member's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to staff this case", body = ErrorBody),
        (status = 404, description = "No such case, or no such person on its team", body = ErrorBody)))]
pub(crate) async fn remove_from_team(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    let user: UserId = user.parse().map_err(|_| ApiError(AppError::NotFound))?;
    match state.app.care().remove_from_team(&actor, case_id(&id)?, user).await {
        // Over JSON a person who is not on the team is not found under this address.
        Err(AppError::Invalid(_)) => Err(ApiError(AppError::NotFound)),
        other => other.map(|()| StatusCode::NO_CONTENT.into_response()).map_err(ApiError),
    }
}

/// A signature, as the API shows it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct SignatureBody {
    id: String,
    /// RFC 3339, UTC.
    signed_at: String,
    typed_name: String,
    /// The document's version signed (0: Sensate's own text).
    version: i32,
    /// SHA-256 of the exact text signed (UTF-8), lowercase hex.
    text_sha256: String,
    /// The signer's session had signed in within the previous 15 minutes.
    recently_verified: bool,
    /// When its signer revoked it (releases of information only), RFC 3339.
    revoked_at: Option<String>,
}

impl SignatureBody {
    fn of(signed: &sensate_app::care::consents::Signature) -> Self {
        SignatureBody {
            id: signed.id.to_string(),
            signed_at: signed.signed_at.to_string(),
            typed_name: signed.typed_name.clone(),
            version: signed.version,
            text_sha256: signed.text_sha256.clone(),
            recently_verified: signed.recently_verified,
            revoked_at: signed.revoked_at.map(|at| at.to_string()),
        }
    }
}

/// A consent asked of the client, as it reads now.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ConsentBody {
    /// What to send to sign it: `care`, `video`, `couple:{case_id}` or `release:{release_id}`.
    key: String,
    /// `sex_therapy`, `telehealth`, `couple_policy` or `release`.
    kind: &'static str,
    /// The couple's case a policy is for, or a release's case.
    case_id: Option<String>,
    /// The release of information this asks for.
    release_id: Option<String>,
    version: i32,
    title: String,
    /// The exact text to sign.
    text: String,
    text_sha256: String,
    /// The signature of this very text, once given.
    signature: Option<SignatureBody>,
    /// An earlier text was signed: this one asks again.
    signed_before: bool,
}

fn signature_body(s: &sensate_app::care::consents::ConsentRequest) -> Option<SignatureBody> {
    s.signed.as_ref().map(SignatureBody::of)
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ConsentList {
    consents: Vec<ConsentBody>,
}

/// The signed-in client's consents in the practice they act in: each
/// asked of them now, with its exact text, signed or not.
#[utoipa::path(get, path = "/api/v1/me/consents", tag = "care",
    responses(
        (status = 200, description = "Consents asked of the client (none is an empty list)", body = ConsentList),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a client of the practice acted in", body = ErrorBody)))]
pub(crate) async fn my_consents(State(state): State<AppState>, caller: Caller) -> Result<Json<ConsentList>, ApiError> {
    let actor = caller.signed_in()?;
    let requests = state.app.care().my_consents(&actor).await?;
    let consents = requests
        .iter()
        .map(|r| ConsentBody {
            key: r.key(),
            kind: r.kind.as_str(),
            case_id: r.case.map(|c| c.to_string()),
            release_id: r.release.map(|c| c.to_string()),
            version: r.version,
            title: r.title.clone(),
            text: r.text.clone(),
            text_sha256: r.sha256.clone(),
            signature: signature_body(r),
            signed_before: r.signed_before,
        })
        .collect();
    Ok(Json(ConsentList { consents }))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct Signing {
    /// A consent's `key` from `GET /api/v1/me/consents`.
    key: String,
    /// The signer's full name: it must include every word of the account's name.
    #[schema(min_length = 1, max_length = 200)]
    typed_name: String,
    /// The signer confirms: "I have read this document, I understand it, and I sign it electronically by typing
    /// my full name." Must be true.
    intent: bool,
}

/// Signs a consent as it reads now. The exact text is frozen with its
/// SHA-256, the time, address and `User-Agent`; once per text.
#[utoipa::path(post, path = "/api/v1/me/consents/sign", tag = "care", request_body = Signing,
    responses(
        (status = 201, description = "Signed", body = SignatureBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a client of the practice acted in", body = ErrorBody),
        (status = 404, description = "Nothing to sign under this key", body = ErrorBody),
        (status = 422, description = "A name that does not match, no statement of intent, or signed already", body = ErrorBody)))]
pub(crate) async fn sign(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<Signing>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    let agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let signed = state.app.care().sign(&actor, &body.key, &body.typed_name, body.intent, agent).await?;
    Ok((StatusCode::CREATED, Json(SignatureBody::of(&signed))).into_response())
}

/// The signer revokes a release of information they signed: the practice
/// shares nothing more under it. What was shared before stays shared.
#[utoipa::path(post, path = "/api/v1/me/consents/{signature_id}/revoke", tag = "care",
    params(("signature_id" = String, Path, description = "The signature's id")),
    responses(
        (status = 200, description = "Revoked", body = SignatureBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a client of the practice acted in", body = ErrorBody),
        (status = 404, description = "No release signed by the caller with this id, or one revoked already", body = ErrorBody)))]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(signature_id): Path<String>,
) -> Result<Json<SignatureBody>, ApiError> {
    let actor = caller.signed_in()?;
    let id = signature_id.parse().map_err(|_| AppError::NotFound)?;
    let revoked = state.app.care().revoke(&actor, id).await?;
    Ok(Json(SignatureBody::of(&revoked)))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct ReleaseAsk {
    /// Who receives: a name and their role or organisation.
    #[schema(min_length = 1, max_length = 200)]
    recipient: String,
    /// What may be shared, at least one of `attendance`, `diagnosis_plan`, `progress`, `scores`,
    /// `health_history`.
    #[schema(min_items = 1)]
    shared: Vec<String>,
    /// Why it is shared.
    #[schema(min_length = 1, max_length = 300)]
    purpose: String,
    /// The last day sharing is allowed (YYYY-MM-DD, the practice's calendar): after today, at most two years on.
    #[schema(format = Date)]
    expires_on: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ReleaseBody {
    id: String,
    case_id: String,
    recipient: String,
    shared: Vec<&'static str>,
    purpose: String,
    expires_on: String,
}

/// Asks a case's clients for a release of information (its primary
/// therapist and co-therapists). Each client signs their own in the portal
/// and may revoke it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/releases", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    request_body = ReleaseAsk,
    responses(
        (status = 201, description = "Asked", body = ReleaseBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to manage this case", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody),
        (status = 422, description = "A field to correct, or a closed case", body = ErrorBody)))]
pub(crate) async fn ask_release(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReleaseAsk>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    let asked = state
        .app
        .care()
        .ask_release(&actor, case_id(&id)?, &body.recipient, &body.shared, &body.purpose, &body.expires_on)
        .await?;
    let body = ReleaseBody {
        id: asked.id.to_string(),
        case_id: asked.case_id.to_string(),
        recipient: asked.terms.recipient,
        shared: asked.terms.shared.iter().map(|item| item.as_str()).collect(),
        purpose: asked.terms.purpose,
        expires_on: asked.terms.expires_on.to_string(),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// A client's intake answers. Every field may be left out or empty.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub(crate) struct IntakeAnswersBody {
    /// `diabetes`, `heart`, `high_blood_pressure`, `pelvic_surgery`, `prostate`, `menopause`,
    /// `endometriosis`, `vulvodynia`, `multiple_sclerosis`, `spinal_cord`, `depression`.
    conditions: Vec<String>,
    /// `antidepressants`, `blood_pressure`, `antipsychotics`, `hormonal_contraception`, `opioids`,
    /// `hormone_blockers`.
    medicines: Vec<String>,
    #[schema(max_length = 4000)]
    health: String,
    #[schema(max_length = 4000)]
    alcohol_and_drugs: String,
    #[schema(max_length = 4000)]
    sex_education: String,
    #[schema(max_length = 4000)]
    sexual_background: String,
    #[schema(max_length = 4000)]
    identity: String,
    #[schema(max_length = 4000)]
    beliefs: String,
    #[schema(max_length = 4000)]
    gender_challenges: String,
    /// Concern slugs, as `GET /api/v1/therapists` filters by them.
    concerns: Vec<String>,
    #[schema(max_length = 4000)]
    goals: String,
    /// `alone`, `together`, `mix`, `unsure`, or empty.
    #[schema(pattern = "^(alone|together|mix|unsure)?$")]
    format: String,
    #[schema(max_length = 4000)]
    previous_therapy: String,
    /// `no`, `yes`, `in_person` (rather in a session), or empty.
    #[schema(pattern = "^(no|yes|in_person)?$")]
    unwanted_experience: String,
    /// `yes`, `no`, `rather_not_say`, or empty.
    #[schema(pattern = "^(yes|no|rather_not_say)?$")]
    feels_safe: String,
}

impl From<IntakeAnswersBody> for IntakeAnswers {
    fn from(b: IntakeAnswersBody) -> Self {
        IntakeAnswers {
            conditions: b.conditions,
            medicines: b.medicines,
            health: b.health,
            alcohol_and_drugs: b.alcohol_and_drugs,
            sex_education: b.sex_education,
            sexual_background: b.sexual_background,
            identity: b.identity,
            beliefs: b.beliefs,
            gender_challenges: b.gender_challenges,
            concerns: b.concerns,
            goals: b.goals,
            format: b.format,
            previous_therapy: b.previous_therapy,
            unwanted_experience: b.unwanted_experience,
            feels_safe: b.feels_safe,
        }
    }
}

impl From<IntakeAnswers> for IntakeAnswersBody {
    fn from(a: IntakeAnswers) -> Self {
        IntakeAnswersBody {
            conditions: a.conditions,
            medicines: a.medicines,
            health: a.health,
            alcohol_and_drugs: a.alcohol_and_drugs,
            sex_education: a.sex_education,
            sexual_background: a.sexual_background,
            identity: a.identity,
            beliefs: a.beliefs,
            gender_challenges: a.gender_challenges,
            concerns: a.concerns,
            goals: a.goals,
            format: a.format,
            previous_therapy: a.previous_therapy,
            unwanted_experience: a.unwanted_experience,
            feels_safe: a.feels_safe,
        }
    }
}

/// A client's intake in a case.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct IntakeBody {
    case_id: String,
    client_id: String,
    client_name: String,
    /// Empty for the care team while the client keeps it as a draft.
    answers: IntakeAnswersBody,
    /// RFC 3339, UTC; absent before the first save.
    updated_at: Option<String>,
    /// Absent while a draft.
    submitted_at: Option<String>,
    /// The consent to sex therapy is not signed yet: nothing can be saved.
    consent_needed: bool,
    /// What the therapist reads first, most urgent first.
    flags: Vec<String>,
}

fn intake_body(view: IntakeView) -> IntakeBody {
    let flags = view.flags().iter().map(|f| f.text()).collect();
    IntakeBody {
        case_id: view.case.to_string(),
        client_id: view.client.to_string(),
        client_name: view.client_name,
        answers: view.answers.into(),
        updated_at: view.updated_at.map(|t| t.to_string()),
        submitted_at: view.submitted_at.map(|t| t.to_string()),
        consent_needed: view.consent_needed,
        flags,
    }
}

/// The signed-in client's own intake of one of their open cases.
#[utoipa::path(get, path = "/api/v1/me/intake/{case_id}", tag = "care",
    params(("case_id" = String, Path, description = "One of the client's open cases")),
    responses(
        (status = 200, description = "The client's intake", body = IntakeBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No open case of the client's with this id", body = ErrorBody)))]
pub(crate) async fn my_intake(
    State(state): State<AppState>,
    caller: Caller,
    Path(case): Path<String>,
) -> Result<Json<IntakeBody>, ApiError> {
    let actor = caller.signed_in()?;
    Ok(Json(intake_body(state.app.care().my_intake(&actor, case_id(&case)?).await?)))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct IntakeSave {
    answers: IntakeAnswersBody,
    /// Send to the therapist (then the answers stay as sent); false keeps a draft.
    #[serde(default)]
    send: bool,
}

/// Saves the client's answers as a draft, or sends them.
#[utoipa::path(post, path = "/api/v1/me/intake/{case_id}", tag = "care",
    params(("case_id" = String, Path, description = "One of the client's open cases")),
    request_body = IntakeSave,
    responses(
        (status = 204, description = "Saved (or sent)"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No open case of the client's with this id", body = ErrorBody),
        (status = 422, description = "An answer too long or not offered, the consent to sex therapy not signed \
            (`consent`), or sent already (`intake`); see `fields`", body = ErrorBody)))]
pub(crate) async fn save_my_intake(
    State(state): State<AppState>,
    caller: Caller,
    Path(case): Path<String>,
    ApiJson(body): ApiJson<IntakeSave>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    let answers: IntakeAnswers = body.answers.into();
    state.app.care().save_my_intake(&actor, case_id(&case)?, &answers, body.send).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A client's intake, for the case's care team (the supervisor too): flags
/// first; a draft's answers stay the client's until sent.
#[utoipa::path(get, path = "/api/v1/cases/{id}/intake/{client_id}", tag = "care",
    params(("id" = String, Path, description = "The case's id"), ("client_id" = String, Path, description = "A client of the case")),
    responses(
        (status = 200, description = "The client's intake", body = IntakeBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not on the care team", body = ErrorBody),
        (status = 404, description = "No such open case in the caller's practices, or no such client in it", body = ErrorBody)))]
pub(crate) async fn client_intake(
    State(state): State<AppState>,
    caller: Caller,
    Path((case, client)): Path<(String, String)>,
) -> Result<Json<IntakeBody>, ApiError> {
    let actor = caller.signed_in()?;
    let client: UserId = client.parse().map_err(|_| ApiError(AppError::NotFound))?;
    Ok(Json(intake_body(state.app.care().client_intake(&actor, case_id(&case)?, client).await?)))
}

/// A message, as its reader may see it.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct MessageBody {
    id: String,
    author_name: String,
    /// Written by the care team.
    by_team: bool,
    /// Who it is for, in words.
    audience: String,
    body: String,
    /// RFC 3339, UTC.
    sent_at: String,
    /// For the care team: the clients who opened it.
    read_by: Vec<String>,
    /// A file sent with it (attached in the portal's message form).
    attachment: Option<AttachmentBody>,
}

/// A file attached to a message.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct AttachmentBody {
    name: String,
    /// `application/pdf` or `image/jpeg` (pictures are re-encoded).
    content_type: String,
    size_bytes: i64,
    /// Where it downloads, signed in (`GET`).
    href: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ThreadBody {
    case_id: String,
    /// The case's clients, by name.
    clients: Vec<String>,
    /// Oldest first: only those the caller may see.
    messages: Vec<MessageBody>,
    /// Values for `to` when writing; empty when the caller may only read.
    may_write_to: Vec<String>,
}

/// A case's messages as the caller may see them (its clients and care
/// team); opening them records them as read.
#[utoipa::path(get, path = "/api/v1/cases/{id}/messages", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The thread", body = ThreadBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not a client of the case nor on its care team", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody)))]
pub(crate) async fn thread(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ThreadBody>, ApiError> {
    let actor = caller.signed_in()?;
    let thread = state.app.care().thread(&actor, case_id(&id)?).await?;
    Ok(Json(ThreadBody {
        case_id: thread.case.to_string(),
        clients: thread.clients,
        messages: thread
            .messages
            .into_iter()
            .map(|m| MessageBody {
                id: m.id.to_string(),
                author_name: m.author_name,
                by_team: m.by_team,
                audience: m.audience,
                body: m.body,
                sent_at: m.sent_at.to_string(),
                read_by: m.read_by,
                attachment: m.attachment.map(|a| AttachmentBody {
                    href: format!("/messages/attachments/{}", a.id),
                    name: a.name,
                    content_type: a.content_type,
                    size_bytes: a.size_bytes,
                }),
            })
            .collect(),
        may_write_to: thread.audiences.into_iter().map(|(value, _)| value).collect(),
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct NewMessage {
    /// One of the thread's `may_write_to`: `team` (a client to the care team
    /// alone), `everyone`, or `client:{id}` (the care team to one client).
    to: String,
    /// The message; it may be left empty when a file goes with it.
    #[schema(max_length = 5000)]
    #[serde(default)]
    body: String,
    /// A file to send with it.
    attachment: Option<NewAttachment>,
}

/// A file sent with a message: a PDF, or a PNG or JPEG picture (saved
/// afresh as JPEG, without camera data), of at most 5 MB. What it is, is
/// read from its bytes, whatever its name says.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub(crate) struct NewAttachment {
    /// The file's name, as the reader will see it (tidied, its extension
    /// set to what the file is).
    #[schema(max_length = 255)]
    name: String,
    /// The file's bytes in base64 (the standard alphabet, with padding).
    #[schema(format = Byte, max_length = 6990508)]
    data: String,
}

/// The file in a message sent over JSON, decoded; a clear refusal beside
/// `attachment` when its bytes are not base64.
fn upload(attachment: Option<NewAttachment>) -> Result<Option<Upload>, ApiError> {
    use base64::Engine as _;
    let Some(attachment) = attachment else { return Ok(None) };
    let bytes = base64::engine::general_purpose::STANDARD.decode(attachment.data.trim()).map_err(|_| {
        let mut errors = FieldErrors::new();
        errors.add("attachment", "Send the file's bytes in base64 (the standard alphabet, with padding).");
        ApiError(AppError::Invalid(errors))
    })?;
    Ok(Some(Upload { name: attachment.name, bytes }))
}

/// Writes a message in a case; those it reaches are emailed that a message waits.
#[utoipa::path(post, path = "/api/v1/cases/{id}/messages", tag = "care",
    params(("id" = String, Path, description = "The case's id")),
    request_body = NewMessage,
    responses(
        (status = 204, description = "Sent"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not allowed to write here (a supervisor reads only)", body = ErrorBody),
        (status = 404, description = "No such case in the caller's practices", body = ErrorBody),
        (status = 422, description = "An empty or too long message, a `to` the caller may not write to, or a file that is not a PDF, PNG or JPEG of at most 5 MB", body = ErrorBody)))]
pub(crate) async fn send_message(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewMessage>,
) -> Result<Response, ApiError> {
    let actor = caller.signed_in()?;
    let attachment = upload(body.attachment)?;
    state.app.care().send_message(&actor, case_id(&id)?, &body.to, &body.body, attachment).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
