//! Second sign-in step for staff: TOTP (RFC 6238) with recovery codes.
//!
//! Staff enrol once (scan a QR code, confirm a code, keep the recovery
//! codes); afterwards every sign-in needs a fresh code. A code is accepted
//! once: its time step is recorded atomically, so a replay fails even on
//! another app server. The secret is stored encrypted.
use argon2::password_hash::rand_core::{OsRng, RngCore};
use sensate_domain::totp::{TotpError, TotpSecret, otpauth_uri, verify};

use crate::access::MFA_FAILURES;
use sensate_store::UnitOfWork;

use crate::audit::outcome;
use crate::infra::crypto::Binding;
use crate::infra::secrets::token_hash;
use crate::{Actor, AppError};

/// How many recovery codes a person gets.
pub const RECOVERY_CODES: usize = 10;

/// What the enrolment page shows.
pub struct Enrolment {
    /// For typing into an app that cannot scan.
    pub secret_base32: String,
    /// What the QR code encodes.
    pub otpauth_uri: String,
}

fn binding(user: &str) -> Binding<'_> {
    Binding::new("mfa_totp", "secret", user)
}

/// Recovery codes are typed by hand: compare them without case, spaces or dashes.
fn normalize_recovery(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

impl super::Identity<'_> {
    pub async fn mfa_enrolled(&self, actor: &Actor) -> Result<bool, AppError> {
        Ok(self.app.store.mfa(actor.user_id).await?.is_some_and(|m| m.confirmed))
    }

    /// Starts (or shows again) enrolment. Refused once enrolled: a session
    /// that has not passed MFA must not be able to replace the factor.
    pub async fn begin_mfa_enrolment(&self, actor: &Actor) -> Result<Enrolment, AppError> {
        let user = actor.user_id.to_string();
        let secret = match self.app.store.mfa(actor.user_id).await? {
            Some(existing) if existing.confirmed => return Err(AppError::Forbidden),
            Some(pending) => self.totp_secret(actor, &pending.secret)?,
            None => {
                let mut bytes = vec![0u8; 20];
                OsRng.fill_bytes(&mut bytes);
                let secret = TotpSecret::from_bytes(bytes);
                let sealed = self.app.keys.encrypt(&binding(&user), &secret.to_base32())?;
                self.app.store.put_mfa_secret(actor.user_id, &sealed).await?;
                secret
            }
        };
        let account = self.app.store.user(actor.user_id).await?.map(|u| String::from(u.email)).unwrap_or_default();
        Ok(Enrolment { secret_base32: secret.to_base32(), otpauth_uri: otpauth_uri(&secret, "Sensate", &account) })
    }

    /// Confirms enrolment with a first code; returns the recovery codes,
    /// shown once. The session counts as verified from now on.
    pub async fn confirm_mfa_enrolment(&self, actor: &Actor, code: &str) -> Result<Vec<String>, AppError> {
        let Some(pending) = self.app.store.mfa(actor.user_id).await?.filter(|m| !m.confirmed) else {
            return Err(AppError::Forbidden);
        };
        let secret = self.totp_secret(actor, &pending.secret)?;
        let step = match verify(&secret, code, self.app.now(), None) {
            Ok(step) => step,
            Err(error) => return Err(invalid_code(error)),
        };
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let hashes: Vec<String> = codes.iter().map(|c| token_hash(&normalize_recovery(c))).collect();
        let uow = self.app.store.begin_write().await?;
        uow.confirm_mfa(actor.user_id, step_i64(step)?, self.app.now(), &hashes).await?;
        uow.mark_session_mfa(&actor.session_hash, self.app.now()).await?;
        uow.audit(self.app.actor_event(actor, None, "mfa_enrol", "user", actor.user_id.to_string(), outcome::ALLOWED));
        uow.commit().await?;
        Ok(codes)
    }

    /// The second step of sign-in: a TOTP code, or one recovery code.
    pub async fn verify_mfa(&self, actor: &Actor, code: &str) -> Result<(), AppError> {
        let bucket = format!("mfa:user:{}", actor.user_id);
        let attempt = self.app.attempt(&[(&bucket, MFA_FAILURES)]).await?;
        let Some(mfa) = self.app.store.mfa(actor.user_id).await?.filter(|m| m.confirmed) else {
            return Err(AppError::Forbidden);
        };
        let looks_like_recovery = code.chars().any(|c| c.is_ascii_alphabetic());
        let uow = self.app.store.begin_write().await?;
        let accepted = if looks_like_recovery {
            uow.use_recovery_code(actor.user_id, &token_hash(&normalize_recovery(code)), self.app.now()).await?
        } else {
            let secret = self.totp_secret(actor, &mfa.secret)?;
            let last = mfa.last_used_step.and_then(|s| u64::try_from(s).ok());
            match verify(&secret, code, self.app.now(), last) {
                // The store re-checks the step atomically: two servers cannot both accept it.
                Ok(step) if uow.use_mfa_step(actor.user_id, step_i64(step)?).await? => true,
                Ok(_) => return self.mfa_failed(uow, actor, TotpError::Replayed).await,
                Err(error) => return self.mfa_failed(uow, actor, error).await,
            }
        };
        if !accepted {
            return self.mfa_failed(uow, actor, TotpError::Wrong).await;
        }
        self.app.forget_attempt(&*uow, attempt).await?;
        uow.mark_session_mfa(&actor.session_hash, self.app.now()).await?;
        uow.audit(self.app.actor_event(actor, None, "mfa_verify", "user", actor.user_id.to_string(), outcome::ALLOWED));
        Ok(uow.commit().await?)
    }

    /// A code that did not pass: audited, and its attempt (recorded before
    /// the check) keeps counting against the limit.
    async fn mfa_failed(&self, uow: Box<dyn UnitOfWork>, actor: &Actor, error: TotpError) -> Result<(), AppError> {
        uow.audit(self.app.actor_event(actor, None, "mfa_verify", "user", actor.user_id.to_string(), outcome::FAILED));
        uow.commit().await?;
        Err(invalid_code(error))
    }

    fn totp_secret(&self, actor: &Actor, sealed: &[u8]) -> Result<TotpSecret, AppError> {
        let user = actor.user_id.to_string();
        let text = self.app.keys.decrypt(&binding(&user), sealed)?;
        TotpSecret::from_base32(text.expose())
            .map_err(|_| AppError::Internal("stored TOTP secret is not base32".into()))
    }

    pub async fn recovery_codes_left(&self, actor: &Actor) -> Result<i64, AppError> {
        Ok(self.app.store.unused_recovery_codes(actor.user_id).await?)
    }
}

fn step_i64(step: u64) -> Result<i64, AppError> {
    i64::try_from(step).map_err(|_| AppError::Internal("time step out of range".into()))
}

fn invalid_code(error: TotpError) -> AppError {
    let mut errors = sensate_domain::FieldErrors::new();
    errors.add("code", error.to_string());
    AppError::Invalid(errors)
}

impl super::Identity<'_> {
    /// In the demo only: the current code of a fictional staff account, so
    /// visitors can explore without an authenticator app.
    pub async fn demo_mfa_code(&self, actor: &Actor) -> Result<Option<String>, AppError> {
        if !self.app.config.demo {
            return Ok(None);
        }
        let Some(mfa) = self.app.store.mfa(actor.user_id).await?.filter(|m| m.confirmed) else {
            return Ok(None);
        };
        let secret = self.totp_secret(actor, &mfa.secret)?;
        // A code works once: after this step's code was used, show the next
        // step's, which is already accepted (codes are valid ±1 step).
        let now = sensate_domain::totp::step_of(self.app.now());
        let unused = mfa.last_used_step.and_then(|s| u64::try_from(s).ok()).map_or(now, |last| now.max(last + 1));
        if unused > now + 1 {
            return Ok(None);
        }
        Ok(Some(sensate_domain::totp::code_at(&secret, unused)))
    }

    /// Demo staff accounts come with two-step sign-in already set up.
    pub(crate) async fn enrol_demo_mfa(&self, user: sensate_domain::UserId) -> Result<(), AppError> {
        let mut bytes = vec![0u8; 20];
        OsRng.fill_bytes(&mut bytes);
        let secret = TotpSecret::from_bytes(bytes);
        let id = user.to_string();
        let sealed = self.app.keys.encrypt(&binding(&id), &secret.to_base32())?;
        self.app.store.put_mfa_secret(user, &sealed).await?;
        self.app.store.confirm_mfa(user, 0, self.app.now(), &[]).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_readable_and_compare_loosely() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        assert!(!code.contains(['0', '1', 'l', 'o', 'i']), "no look-alike characters: {code}");
        assert_eq!(normalize_recovery(" ABCDE-fghjk "), "abcdefghjk");
        assert_ne!(new_recovery_code(), new_recovery_code());
    }
}
