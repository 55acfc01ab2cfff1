//! Random tokens and password hashes.
//!
//! Tokens (sessions, set-up links) carry 256 random bits; only their BLAKE2b
//! hash is stored, so a copy of the database does not let anyone sign in.
//! Passwords are hashed with Argon2id at the parameters OWASP recommends
//! (19 MiB, 2 passes, 1 lane), on the blocking pool so requests keep flowing,
//! a bounded number at once (`super::hashing`).
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use blake2::{Blake2b512, Digest};

use crate::AppError;

/// A fresh secret token, as URL-safe hex. `ThreadRng` is a CSPRNG (ChaCha)
/// seeded and periodically reseeded from the operating system; it avoids a
/// system call for every token on hot paths (each first visit gets one).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// Fresh random bytes from the operating system, for keys.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    let digest = Blake2b512::digest(token.as_bytes());
    hex(&digest[..32])
}

pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    out
}

/// Constant-time comparison for secrets of equal length.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn argon2() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a new password now, on this thread. The server hashes only
/// through its [`HashPool`](super::hashing::HashPool), which bounds how many
/// run at once.
pub(crate) fn hash_password_now(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Checks a password against a stored hash now, on this thread. With no
/// hash (unknown account) it still spends the same work, so timing does not
/// reveal which emails have accounts.
pub(crate) fn verify_password_now(password: &str, stored: Option<&str>) -> Result<bool, AppError> {
    let argon = argon2()?;
    let stored = stored.unwrap_or(DUMMY_HASH);
    let parsed = PasswordHash::new(stored).map_err(|e| AppError::Internal(e.to_string()))?;
    let matches = argon.verify_password(password.as_bytes(), &parsed).is_ok();
    Ok(matches && stored != DUMMY_HASH)
}

/// A password hash for seeding a database from outside a server (tests,
/// tools), on the blocking pool and outside any server's bound.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// The password hash of accounts that cannot sign in (the demo's synthetic
/// therapists): signing in with any password fails as a wrong one does.
pub(crate) const UNUSABLE_PASSWORD_HASH: &str = DUMMY_HASH;

/// An Argon2id hash (same parameters) of a random string nobody knows.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2Vuc2F0ZWR1bW15c2FsdA$tXXcTOS9PjCRdHZzhVbZBtRj2YjiOSG0F/UzIsp8uBk";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hash_stably() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &new_token()));
        assert!(!same_secret("ab", "abc"));
        assert_eq!(unhex(&hex(&[0, 15, 255, 16])), Some(vec![0, 15, 255, 16]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password_now("correct horse battery", Some(&hash)).unwrap());
        assert!(!verify_password_now("wrong horse battery", Some(&hash)).unwrap());
        assert!(!verify_password_now("anything", None).unwrap());
        assert!(!verify_password_now("anything", Some(DUMMY_HASH)).unwrap());
    }
}
