//! Time-based one-time passwords (TOTP, RFC 6238) for staff sign-in.
//!
//! Staff must prove a second factor before any client data is shown
//! (SECURITY.md item 8). TOTP works with any authenticator app, needs no
//! phone number or network, and the server only has to keep a shared secret.
//! We use the settings every app supports: HMAC-SHA1, 6 digits, 30-second
//! steps, and we accept the current step or one step either side, so a phone
//! clock that is a little off still works.
//!
//! Replay protection: a code is valid for about 90 seconds, so someone who
//! sees it (over a shoulder, in a phishing proxy) could use it again. To stop
//! that, [`verify`] returns the time step the code matched; the caller stores
//! it as the account's last used step and passes it back next time. A code
//! whose step is not newer than the stored one is refused, so every code is
//! accepted once and an older code cannot be used after a newer one.
//!
//! This module is pure: the secret and the current time are parameters. The
//! caller generates secrets (20 random bytes) and reads the clock.
use std::fmt;

use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};

/// Seconds per time step.
pub const PERIOD_SECONDS: u64 = 30;
/// Digits in a code.
pub const DIGITS: usize = 6;
/// Steps accepted either side of the current one.
const WINDOW: u64 = 1;

type HmacSha1 = Hmac<Sha1>;

/// The shared secret between Sensate and a person's authenticator app.
/// Its `Debug` output never shows the bytes.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

/// A setup key that is not valid base32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("That setup key is not valid. Copy it again from the setup page.")]
pub struct SecretError;

/// Why a code was refused. The messages are shown to the person signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("Enter the 6-digit code from your authenticator app.")]
    Malformed,
    #[error("That code is not right. Check the time on your phone and try the newest code.")]
    Wrong,
    #[error("That code was already used. Wait for the next one.")]
    Replayed,
}

const BASE32_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

impl TotpSecret {
    /// Wraps raw secret bytes (20 random bytes is the usual size).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        TotpSecret(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret as RFC 4648 base32: uppercase, without `=` padding, as
    /// authenticator apps expect it in a setup key or `otpauth://` URI.
    pub fn to_base32(&self) -> String {
        let mut out = String::with_capacity(self.0.len().div_ceil(5) * 8);
        let mut buffer: u32 = 0;
        let mut bits: u32 = 0;
        for &byte in &self.0 {
            buffer = (buffer << 8) | u32::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                out.push(base32_char(buffer >> bits));
            }
            buffer &= (1 << bits) - 1;
        }
        if bits > 0 {
            out.push(base32_char(buffer << (5 - bits)));
        }
        out
    }

    /// Reads a base32 setup key. Lowercase letters, spaces and trailing `=`
    /// padding are accepted; anything else, an impossible length, leftover
    /// non-zero bits or an empty key is refused.
    pub fn from_base32(input: &str) -> Result<Self, SecretError> {
        let cleaned: Vec<u8> = input.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let end = cleaned.iter().rposition(|&b| b != b'=').map_or(0, |last| last + 1);
        let symbols = cleaned.get(..end).ok_or(SecretError)?;
        if symbols.is_empty() || matches!(symbols.len() % 8, 1 | 3 | 6) {
            return Err(SecretError);
        }
        let mut bytes = Vec::with_capacity(symbols.len() * 5 / 8);
        let mut buffer: u32 = 0;
        let mut bits: u32 = 0;
        for &symbol in symbols {
            buffer = (buffer << 5) | base32_value(symbol).ok_or(SecretError)?;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                // Truncation to the low byte is intended.
                bytes.push(((buffer >> bits) & 0xff) as u8);
            }
            buffer &= (1 << bits) - 1;
        }
        if buffer != 0 {
            return Err(SecretError);
        }
        Ok(TotpSecret(bytes))
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

fn base32_char(value: u32) -> char {
    // `value & 31` is always a valid index into the 32-symbol alphabet.
    char::from(BASE32_ALPHABET[(value & 31) as usize])
}

fn base32_value(symbol: u8) -> Option<u32> {
    match symbol {
        b'A'..=b'Z' => Some(u32::from(symbol - b'A')),
        b'a'..=b'z' => Some(u32::from(symbol - b'a')),
        b'2'..=b'7' => Some(u32::from(symbol - b'2') + 26),
        _ => None,
    }
}

/// The time step an instant falls in: Unix seconds / 30. Instants before
/// 1970 give step 0.
pub fn step_of(instant: jiff::Timestamp) -> u64 {
    u64::try_from(instant.as_second()).unwrap_or(0) / PERIOD_SECONDS
}

/// The 6-digit code for a time step (RFC 4226 HOTP with the step as counter),
/// zero-padded.
pub fn code_at(secret: &TotpSecret, step: u64) -> String {
    let mut mac = <HmacSha1 as KeyInit>::new(&hmac_key(secret.as_bytes()));
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    // Dynamic truncation (RFC 4226 section 5.3). The offset is at most 15, so
    // the four bytes read stay inside the 20-byte digest.
    let offset = usize::from(digest[19] & 0x0f);
    let binary =
        u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    format!("{:06}", binary % 1_000_000)
}

/// The HMAC key block for a secret, exactly as HMAC (RFC 2104) derives it:
/// keys longer than the block are hashed, shorter ones are zero-padded.
/// Building the block ourselves keeps key setup infallible.
fn hmac_key(secret: &[u8]) -> Key<HmacSha1> {
    let mut block = Key::<HmacSha1>::default();
    if secret.len() > block.len() {
        let hashed = Sha1::digest(secret);
        block[..hashed.len()].copy_from_slice(&hashed);
    } else {
        block[..secret.len()].copy_from_slice(secret);
    }
    block
}

/// Checks a code someone typed.
///
/// Spaces in the code are ignored ("123 456"); it must then be exactly six
/// ASCII digits. The code may belong to the current step or one step either
/// side. `last_used_step` is the step of the last code this account used; a
/// code whose step is not newer is refused as [`TotpError::Replayed`]. On
/// success the matched step is returned: store it as the new last used step.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    now: jiff::Timestamp,
    last_used_step: Option<u64>,
) -> Result<u64, TotpError> {
    let typed: Vec<u8> = code.chars().filter(|c| !c.is_whitespace()).map(|c| u8::try_from(c).unwrap_or(0)).collect();
    if typed.len() != DIGITS || !typed.iter().all(u8::is_ascii_digit) {
        return Err(TotpError::Malformed);
    }

    let current = step_of(now);
    let first = current.saturating_sub(WINDOW);
    let last = current.saturating_add(WINDOW);
    // Every candidate is computed and compared, in constant time, so the time
    // taken does not depend on which step (if any) matched.
    let mut fresh_match: Option<u64> = None;
    let mut any_match = false;
    for step in first..=last {
        let matches = constant_time_eq(code_at(secret, step).as_bytes(), &typed);
        any_match |= matches;
        let fresh = last_used_step.is_none_or(|used| step > used);
        if matches && fresh && fresh_match.is_none() {
            fresh_match = Some(step);
        }
    }
    match fresh_match {
        Some(step) => Ok(step),
        None if any_match => Err(TotpError::Replayed),
        None => Err(TotpError::Wrong),
    }
}

/// Compares two byte strings without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// The `otpauth://` URI an authenticator app reads from the setup QR code
/// (Key URI format): label `issuer:account`, and the secret, issuer and our
/// fixed algorithm, digits and period as parameters. Issuer and account are
/// percent-encoded.
pub fn otpauth_uri(secret: &TotpSecret, issuer: &str, account: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
         &algorithm=SHA1&digits={DIGITS}&period={PERIOD_SECONDS}",
        account = percent_encode(account),
        secret = secret.to_base32(),
    )
}

/// Percent-encodes everything outside the RFC 3986 unreserved set
/// (`A-Z a-z 0-9 - . _ ~`), byte by byte over UTF-8; a space becomes `%20`.
fn percent_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    fn at(seconds: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 Appendix B gives 8 digits; a 6-digit code is the last six.
        let cases = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        let secret = rfc_secret();
        for (seconds, eight) in cases {
            let code = code_at(&secret, step_of(at(seconds)));
            assert_eq!(code, eight[2..], "time {seconds}");
        }
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        let expected =
            ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        let secret = rfc_secret();
        for (counter, code) in expected.into_iter().enumerate() {
            assert_eq!(code_at(&secret, counter as u64), code, "counter {counter}");
        }
    }

    #[test]
    fn long_keys_are_hashed_like_hmac_does() {
        let key = vec![7u8; 100];
        let mut mac = <HmacSha1 as Mac>::new_from_slice(&key).unwrap();
        mac.update(&5u64.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[19] & 0x0f);
        let binary =
            u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
        let expected = format!("{:06}", binary % 1_000_000);
        assert_eq!(code_at(&TotpSecret::from_bytes(key), 5), expected);
    }

    #[test]
    fn steps_are_thirty_seconds_and_never_before_1970() {
        assert_eq!(step_of(at(0)), 0);
        assert_eq!(step_of(at(29)), 0);
        assert_eq!(step_of(at(30)), 1);
        assert_eq!(step_of(at(59)), 1);
        assert_eq!(step_of(at(1_111_111_111)), 37_037_037);
        assert_eq!(step_of(at(-1)), 0);
        assert_eq!(step_of(at(-1_000_000)), 0);
        assert_eq!(step_of(jiff::Timestamp::MIN), 0);
    }

    #[test]
    fn accepts_current_and_adjacent_steps_only() {
        let secret = rfc_secret();
        let now = at(1_111_111_111);
        let step = step_of(now);
        for accepted in [step - 1, step, step + 1] {
            let code = code_at(&secret, accepted);
            assert_eq!(verify(&secret, &code, now, None), Ok(accepted));
        }
        for refused in [step - 2, step + 2] {
            let code = code_at(&secret, refused);
            assert_eq!(verify(&secret, &code, now, None), Err(TotpError::Wrong));
        }
    }

    #[test]
    fn window_at_step_zero_does_not_underflow() {
        let secret = rfc_secret();
        assert_eq!(verify(&secret, &code_at(&secret, 0), at(0), None), Ok(0));
        assert_eq!(verify(&secret, &code_at(&secret, 1), at(0), None), Ok(1));
        assert_eq!(verify(&secret, &code_at(&secret, 2), at(0), None), Err(TotpError::Wrong));
    }

    #[test]
    fn a_code_is_accepted_once() {
        let secret = rfc_secret();
        let now = at(1_234_567_890);
        let step = step_of(now);
        let code = code_at(&secret, step);
        let used = verify(&secret, &code, now, None).unwrap();
        assert_eq!(used, step);
        assert_eq!(verify(&secret, &code, now, Some(used)), Err(TotpError::Replayed));
        // Still refused a little later while it is inside the window.
        assert_eq!(verify(&secret, &code, at(1_234_567_890 + 30), Some(used)), Err(TotpError::Replayed));
        // The next code works.
        let next = code_at(&secret, step + 1);
        assert_eq!(verify(&secret, &next, now, Some(used)), Ok(step + 1));
    }

    #[test]
    fn an_older_code_is_refused_after_a_newer_one() {
        let secret = rfc_secret();
        let now = at(1_234_567_890);
        let step = step_of(now);
        let newer = verify(&secret, &code_at(&secret, step + 1), now, None).unwrap();
        assert_eq!(newer, step + 1);
        for older in [step - 1, step] {
            assert_eq!(verify(&secret, &code_at(&secret, older), now, Some(newer)), Err(TotpError::Replayed));
        }
    }

    #[test]
    fn spaces_inside_the_code_are_ignored() {
        let secret = rfc_secret();
        let now = at(59);
        assert_eq!(verify(&secret, "287 082", now, None), Ok(1));
        assert_eq!(verify(&secret, " 28 70 82\n", now, None), Ok(1));
    }

    #[test]
    fn malformed_codes_are_refused() {
        let secret = rfc_secret();
        let now = at(59);
        for code in ["", "   ", "28708", "2870820", "28708a", "287-082", "２８７０８２", "94287082", "+87082", "-87082"]
        {
            assert_eq!(verify(&secret, code, now, None), Err(TotpError::Malformed), "{code:?}");
        }
    }

    #[test]
    fn error_messages_are_calm_and_user_facing() {
        assert_eq!(
            TotpError::Wrong.to_string(),
            "That code is not right. Check the time on your phone and try the newest code."
        );
        assert_eq!(TotpError::Replayed.to_string(), "That code was already used. Wait for the next one.");
        assert_eq!(TotpError::Malformed.to_string(), "Enter the 6-digit code from your authenticator app.");
    }

    #[test]
    fn base32_matches_rfc4648_vectors() {
        let cases = [
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ];
        for (plain, encoded) in cases {
            let secret = TotpSecret::from_bytes(plain.as_bytes());
            assert_eq!(secret.to_base32(), encoded);
            let decoded = TotpSecret::from_base32(encoded).unwrap();
            assert_eq!(decoded.as_bytes(), plain.as_bytes());
        }
        assert_eq!(TotpSecret::from_bytes(Vec::new()).to_base32(), "");
    }

    #[test]
    fn base32_round_trips_a_typical_secret() {
        let bytes: Vec<u8> = (0u8..20).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect();
        let secret = TotpSecret::from_bytes(bytes.clone());
        let encoded = secret.to_base32();
        assert_eq!(encoded.len(), 32);
        assert!(!encoded.contains('='));
        assert_eq!(encoded, encoded.to_uppercase());
        assert_eq!(TotpSecret::from_base32(&encoded).unwrap().as_bytes(), &bytes[..]);
        assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn base32_accepts_lowercase_spaces_and_padding() {
        let expected = b"foobar";
        for input in ["mzxw6ytboi", "MZXW 6YTB OI", " mzxw 6ytb oi ", "MZXW6YTBOI======"] {
            let decoded = TotpSecret::from_base32(input).unwrap();
            assert_eq!(decoded.as_bytes(), expected, "{input:?}");
        }
    }

    #[test]
    fn base32_refuses_invalid_input() {
        for input in ["", "  ", "====", "MZXW6YTBO1", "MZXW8", "M", "MZX", "MZXW6Y", "MZ", "MZ=X"] {
            assert_eq!(TotpSecret::from_base32(input).map(|s| s.as_bytes().to_vec()), Err(SecretError), "{input:?}");
        }
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let shown = format!("{:?}", rfc_secret());
        assert_eq!(shown, "TotpSecret(<redacted>)");
        assert!(!shown.contains("49"));
    }

    #[test]
    fn otpauth_uri_has_the_fixed_parameters() {
        let uri = otpauth_uri(&rfc_secret(), "Sensate", "ana@example.org");
        assert_eq!(
            uri,
            "otpauth://totp/Sensate:ana%40example.org\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Sensate\
             &algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn otpauth_uri_percent_encodes_issuer_and_account() {
        let secret = TotpSecret::from_bytes(b"foobar".to_vec());
        let uri = otpauth_uri(&secret, "Calm Practice & Co", "Ana María:x/y?z@example.org");
        assert_eq!(
            uri,
            "otpauth://totp/Calm%20Practice%20%26%20Co:Ana%20Mar%C3%ADa%3Ax%2Fy%3Fz%40example.org\
             ?secret=MZXW6YTBOI&issuer=Calm%20Practice%20%26%20Co\
             &algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(percent_encode("a-b.c_d~e"), "a-b.c_d~e");
    }
}
