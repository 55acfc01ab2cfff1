//! Field encryption for clinical text at rest (SECURITY.md item 18).
//!
//! **What it protects.** Notes, questionnaire answers, homework reflections,
//! messages and intake answers are stored encrypted with XChaCha20-Poly1305.
//! A copy of the database file (a stolen backup, a `strings` of the file, a
//! read-only SQL injection) yields ciphertext only. Every encryption uses a
//! fresh random 24-byte nonce, so equal texts do not produce equal
//! ciphertexts.
//!
//! **Why associated data.** Each ciphertext is authenticated together with
//! where it belongs: table, column, row id and key version (see [`Binding`]).
//! Someone who can write to the database but does not hold the key cannot
//! copy a ciphertext into another row, another column or another table (for
//! example moving one client's note onto another client's record, or a
//! psychotherapy note into a field its author does not own): decryption then
//! fails instead of showing the text in the wrong place. The parts are
//! length-prefixed, so `("ab", "c")` and `("a", "bc")` are different bindings.
//!
//! **Where the key lives.** Never in the database. Either in the environment
//! variable [`MASTER_KEY_ENV`] (e.g. from a secrets manager), or in a key
//! file with mode 0600 that [`KeyRing::load_or_create`] creates on first
//! start and refuses to use if group or others may read it. Back that file up
//! separately from the database: without it the clinical text is gone.
//!
//! **Rotation.** The key file holds several versioned keys, one per line:
//! `v<version>:<64 lowercase hex characters>`; the highest version is current.
//! Every stored value starts with the version it was encrypted under
//! (`[0x01][version u32 BE][nonce 24][ciphertext + tag]`), so older values
//! stay readable while their key is in the ring. To rotate:
//! [`KeyRing::with_new_version`] and [`KeyRing::write_atomically`] add a new
//! current key; a job then walks the encrypted columns, picks the values for
//! which [`KeyRing::needs_rotation`] is true and stores
//! [`KeyRing::reencrypt`]'s result. Only when no value uses an old version
//! may that line be removed from the key file.
//!
//! The file functions do blocking I/O: call them at start-up or from
//! `spawn_blocking`. Encryption and decryption are fast and synchronous.
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, Zeroizing};

/// The environment variable that may hold the key material instead of a file
/// (same format; `;` may separate the lines).
pub const MASTER_KEY_ENV: &str = "SENSATE_MASTER_KEY";

/// First byte of every stored value.
const FORMAT_V1: u8 = 0x01;
/// Names the scheme inside the associated data.
const AAD_DOMAIN: &str = "sensate-field-v1";
const KEY_LEN: usize = 32;
const VERSION_LEN: usize = 4;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Format byte, version, nonce and tag: the size of an encrypted empty text.
pub const MIN_STORED_LEN: usize = 1 + VERSION_LEN + NONCE_LEN + TAG_LEN;

const KEY_FILE_HEADER: &str = "# Sensate field-encryption keys: one `v<version>:<64 hex>` per line; the highest version is current.\n\
# Keep this file apart from the database and its backups, mode 0600. Without it, clinical text cannot be read.\n";

/// Something went wrong with keys or encrypted fields. No message contains
/// key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("{origin}, line {line}: {problem}")]
    KeyMaterial { origin: String, line: usize, problem: String },
    #[error("{origin} contains no keys (expected lines like `v1:<64 lowercase hex characters>`)")]
    NoKeys { origin: String },
    #[error(
        "key file {} may be accessed by group or others (mode {mode:04o}); run `chmod 600 {}`",
        .path.display(),
        .path.display()
    )]
    InsecureKeyFile { path: PathBuf, mode: u32 },
    #[error("could not {action} {}: {source}", .path.display())]
    Io { action: &'static str, path: PathBuf, source: io::Error },
    #[error("the operating system's random number generator failed")]
    Random,
    #[error("no key version is left after {0}")]
    VersionExhausted(u32),
    #[error("encryption failed")]
    Encryption,
    #[error("encrypted value is truncated ({len} bytes, at least {MIN_STORED_LEN} expected)")]
    Truncated { len: usize },
    #[error("encrypted value has unknown format byte {0:#04x}")]
    UnknownFormat(u8),
    #[error("encrypted value uses key version {0}, which is not in the key ring")]
    UnknownKeyVersion(u32),
    #[error(
        "encrypted value failed authentication: wrong key, moved to another row, column or table, or tampered with"
    )]
    Authentication,
    #[error("decrypted value is not valid UTF-8")]
    InvalidUtf8,
}

impl CryptoError {
    fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        CryptoError::Io { action, path: path.to_path_buf(), source }
    }
}

/// Where an encrypted value belongs. It is authenticated with the value, so
/// the value only decrypts at the same table, column and row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub row_id: &'a str,
}

impl<'a> Binding<'a> {
    pub const fn new(table: &'a str, column: &'a str, row_id: &'a str) -> Self {
        Binding { table, column, row_id }
    }

    /// Length-prefixed, so no two different bindings encode alike.
    fn associated_data(&self, key_version: u32) -> Vec<u8> {
        let parts = [AAD_DOMAIN, self.table, self.column, self.row_id];
        let size = parts.iter().map(|p| 8 + p.len()).sum::<usize>() + VERSION_LEN;
        let mut aad = Vec::with_capacity(size);
        for part in parts {
            aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
            aad.extend_from_slice(part.as_bytes());
        }
        aad.extend_from_slice(&key_version.to_be_bytes());
        aad
    }
}

/// A decrypted value. Wiped from memory on drop; `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(Zeroizing<String>);

impl SecretText {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_zeroizing(self) -> Zeroizing<String> {
        self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText(<redacted>)")
    }
}

/// Which source [`KeyRing::load_or_create`] used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The environment variable; the disk was not touched.
    Env,
    /// An existing key file.
    File,
    /// A new key file with a fresh key (first start): back it up.
    Created,
}

/// One 256-bit key. On the heap so it is never copied around by moves, and
/// wiped on drop.
#[derive(Clone)]
struct FieldKey(Box<[u8; KEY_LEN]>);

impl FieldKey {
    fn random() -> Result<Self, CryptoError> {
        let mut key = FieldKey(Box::new([0; KEY_LEN]));
        OsRng.try_fill_bytes(&mut key.0[..]).map_err(|_| CryptoError::Random)?;
        Ok(key)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&self.0[..]))
    }
}

impl Drop for FieldKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The field-encryption keys by version; the highest version is current and
/// is used for new encryptions. Always holds at least one key.
#[derive(Clone)]
pub struct KeyRing {
    current_version: u32,
    current: FieldKey,
    older: BTreeMap<u32, FieldKey>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("versions", &self.versions().collect::<Vec<_>>())
            .field("current", &self.current_version)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// A ring with one fresh random key, version 1.
    pub fn generate() -> Result<Self, CryptoError> {
        Ok(KeyRing { current_version: 1, current: FieldKey::random()?, older: BTreeMap::new() })
    }

    /// Reads key material: one `v<version>:<64 lowercase hex>` per line;
    /// blank lines and lines starting with `#` are ignored.
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        Self::parse_lines(text.lines(), "key material")
    }

    /// The key material as text, for writing to a key file.
    pub fn to_text(&self) -> Zeroizing<String> {
        let mut text =
            Zeroizing::new(String::with_capacity(KEY_FILE_HEADER.len() + (self.older.len() + 1) * (2 * KEY_LEN + 14)));
        text.push_str(KEY_FILE_HEADER);
        let keys = self.older.iter().chain([(&self.current_version, &self.current)]);
        for (version, key) in keys {
            text.push('v');
            text.push_str(&version.to_string());
            text.push(':');
            for byte in key.0.iter() {
                text.push(hex_digit(byte >> 4));
                text.push(hex_digit(byte & 0x0f));
            }
            text.push('\n');
        }
        text
    }

    /// The version new encryptions use.
    pub fn current_version(&self) -> u32 {
        self.current_version
    }

    /// All versions in the ring, ascending.
    pub fn versions(&self) -> impl Iterator<Item = u32> + '_ {
        self.older.keys().copied().chain([self.current_version])
    }

    /// The key ring from `env_value` (the value of [`MASTER_KEY_ENV`]) if
    /// given, without touching the disk; otherwise from the key file at
    /// `path`, which is created with a fresh key (mode 0600) if missing. An
    /// existing file that group or others may access is refused.
    pub fn load_or_create(path: &Path, env_value: Option<&str>) -> Result<(Self, KeySource), CryptoError> {
        if let Some(text) = env_value {
            let ring = Self::parse_lines(text.split(['\n', ';']), MASTER_KEY_ENV)?;
            return Ok((ring, KeySource::Env));
        }
        match File::open(path) {
            Ok(file) => Ok((read_key_file(file, path)?, KeySource::File)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match create_key_file(path)? {
                Some(ring) => Ok((ring, KeySource::Created)),
                // Another process created it in the meantime.
                None => {
                    let file = File::open(path).map_err(|e| CryptoError::io("open key file", path, e))?;
                    Ok((read_key_file(file, path)?, KeySource::File))
                }
            },
            Err(e) => Err(CryptoError::io("open key file", path, e)),
        }
    }

    /// A copy of this ring with a fresh random key as the new current
    /// version (current + 1). Older keys stay, so older values still decrypt.
    pub fn with_new_version(&self) -> Result<Self, CryptoError> {
        let version = self.current_version.checked_add(1).ok_or(CryptoError::VersionExhausted(self.current_version))?;
        let mut older = self.older.clone();
        older.insert(self.current_version, self.current.clone());
        Ok(KeyRing { current_version: version, current: FieldKey::random()?, older })
    }

    /// Replaces the key file at `path`: writes a temporary file (mode 0600)
    /// in the same directory, syncs it, renames it over `path` and syncs the
    /// directory, so a crash leaves either the old or the new file.
    pub fn write_atomically(&self, path: &Path) -> Result<(), CryptoError> {
        let file_name = path.file_name().ok_or_else(|| {
            CryptoError::io("write key file", path, io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))
        })?;
        let mut suffix = [0u8; 8];
        OsRng.try_fill_bytes(&mut suffix).map_err(|_| CryptoError::Random)?;
        let mut temp_name = OsString::from(".");
        temp_name.push(file_name);
        temp_name.push(".tmp-");
        temp_name.push(suffix.iter().map(|b| format!("{b:02x}")).collect::<String>());
        let temp = path.with_file_name(temp_name);

        let written = write_new_private_file(&temp, self.to_text().as_bytes())
            .and_then(|()| fs::rename(&temp, path).map_err(|e| CryptoError::io("replace", path, e)));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written?;
        sync_parent_dir(path)
    }

    /// Encrypts `plaintext` for the place `binding` names, under the current
    /// key: `[0x01][version u32 BE][nonce 24][ciphertext + tag]`.
    pub fn encrypt(&self, binding: &Binding<'_>, plaintext: &str) -> Result<Vec<u8>, CryptoError> {
        self.encrypt_bytes(binding, plaintext.as_bytes())
    }

    /// [`encrypt`](Self::encrypt) for bytes that are not text (an attached file).
    pub fn encrypt_bytes(&self, binding: &Binding<'_>, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.try_fill_bytes(&mut nonce).map_err(|_| CryptoError::Random)?;
        let aad = binding.associated_data(self.current_version);
        let ciphertext = self
            .current
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: &aad })
            .map_err(|_| CryptoError::Encryption)?;

        let mut stored = Vec::with_capacity(1 + VERSION_LEN + NONCE_LEN + ciphertext.len());
        stored.push(FORMAT_V1);
        stored.extend_from_slice(&self.current_version.to_be_bytes());
        stored.extend_from_slice(&nonce);
        stored.extend_from_slice(&ciphertext);
        Ok(stored)
    }

    /// Decrypts a value made by [`encrypt`](Self::encrypt) for the same
    /// binding, with the key version recorded in the value.
    pub fn decrypt(&self, binding: &Binding<'_>, stored: &[u8]) -> Result<SecretText, CryptoError> {
        let mut plaintext = self.decrypt_bytes(binding, stored)?;
        match String::from_utf8(std::mem::take(&mut *plaintext)) {
            Ok(text) => Ok(SecretText(Zeroizing::new(text))),
            Err(e) => {
                e.into_bytes().zeroize();
                Err(CryptoError::InvalidUtf8)
            }
        }
    }

    /// Decrypts a value made by [`encrypt_bytes`](Self::encrypt_bytes) (or
    /// [`encrypt`](Self::encrypt)) for the same binding.
    pub fn decrypt_bytes(&self, binding: &Binding<'_>, stored: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let parts = Stored::parse(stored)?;
        let key = self.key(parts.version).ok_or(CryptoError::UnknownKeyVersion(parts.version))?;
        let aad = binding.associated_data(parts.version);
        key.cipher()
            .decrypt(XNonce::from_slice(parts.nonce), Payload { msg: parts.ciphertext, aad: &aad })
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Authentication)
    }

    /// The key version a stored value was encrypted under, or `None` if it
    /// is not a well-formed encrypted value.
    pub fn stored_version(stored: &[u8]) -> Option<u32> {
        Stored::parse(stored).ok().map(|parts| parts.version)
    }

    /// Whether a rotation job should re-encrypt this value: true unless it
    /// is a well-formed value under the current version (malformed values
    /// are included so that [`reencrypt`](Self::reencrypt) reports them).
    pub fn needs_rotation(&self, stored: &[u8]) -> bool {
        Self::stored_version(stored) != Some(self.current_version)
    }

    /// Decrypts with the version recorded in the value and encrypts again
    /// under the current version, for the same binding. Text or not, the
    /// bytes are carried over as they are.
    pub fn reencrypt(&self, binding: &Binding<'_>, stored: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let plaintext = self.decrypt_bytes(binding, stored)?;
        self.encrypt_bytes(binding, &plaintext)
    }

    fn key(&self, version: u32) -> Option<&FieldKey> {
        if version == self.current_version { Some(&self.current) } else { self.older.get(&version) }
    }

    fn parse_lines<'t>(lines: impl Iterator<Item = &'t str>, origin: &str) -> Result<Self, CryptoError> {
        let mut keys: BTreeMap<u32, (usize, FieldKey)> = BTreeMap::new();
        for (index, line) in lines.enumerate() {
            let line_number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let problem =
                |problem: String| CryptoError::KeyMaterial { origin: origin.to_string(), line: line_number, problem };
            let (version, key) = parse_key_line(line).map_err(problem)?;
            if let Some((first, _)) = keys.get(&version) {
                return Err(problem(format!("key version {version} appears twice (first on line {first})")));
            }
            keys.insert(version, (line_number, key));
        }
        let mut older: BTreeMap<u32, FieldKey> = keys.into_iter().map(|(version, (_, key))| (version, key)).collect();
        let (current_version, current) =
            older.pop_last().ok_or_else(|| CryptoError::NoKeys { origin: origin.to_string() })?;
        Ok(KeyRing { current_version, current, older })
    }
}

/// The parts of a stored value.
struct Stored<'a> {
    version: u32,
    nonce: &'a [u8; NONCE_LEN],
    ciphertext: &'a [u8],
}

impl<'a> Stored<'a> {
    fn parse(stored: &'a [u8]) -> Result<Self, CryptoError> {
        let truncated = || CryptoError::Truncated { len: stored.len() };
        let (&format, rest) = stored.split_first().ok_or_else(truncated)?;
        if format != FORMAT_V1 {
            return Err(CryptoError::UnknownFormat(format));
        }
        let (version, rest) = rest.split_first_chunk::<VERSION_LEN>().ok_or_else(truncated)?;
        let (nonce, ciphertext) = rest.split_first_chunk::<NONCE_LEN>().ok_or_else(truncated)?;
        if ciphertext.len() < TAG_LEN {
            return Err(truncated());
        }
        Ok(Stored { version: u32::from_be_bytes(*version), nonce, ciphertext })
    }
}

/// Parses `v<version>:<64 lowercase hex>`. Problems never quote the line.
fn parse_key_line(line: &str) -> Result<(u32, FieldKey), String> {
    let format = || "expected `v<version>:<64 lowercase hex characters>`".to_string();
    let (version, hex) = line.split_once(':').ok_or_else(format)?;
    let digits = version.trim().strip_prefix('v').ok_or_else(format)?;
    let version = Some(digits)
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse::<u32>().ok())
        .filter(|&v| v >= 1)
        .ok_or_else(|| format!("key version must be a whole number from 1 to {}", u32::MAX))?;

    let hex = hex.trim();
    let length = hex.chars().count();
    if length != 2 * KEY_LEN {
        return Err(format!("key must be {} lowercase hex characters (32 bytes), found {length}", 2 * KEY_LEN));
    }
    let mut key = FieldKey(Box::new([0; KEY_LEN]));
    let mut nibbles = hex.bytes().map(hex_value).enumerate();
    for byte in key.0.iter_mut() {
        let mut next = || match nibbles.next() {
            Some((_, Some(value))) => Ok(value),
            Some((position, None)) => {
                Err(format!("key has a character that is not lowercase hex (0-9, a-f) at position {}", position + 1))
            }
            None => Err(format()),
        };
        *byte = (next()? << 4) | next()?;
    }
    Ok((version, key))
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0f)])
}

fn read_key_file(mut file: File, path: &Path) -> Result<KeyRing, CryptoError> {
    let metadata = file.metadata().map_err(|e| CryptoError::io("inspect key file", path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(CryptoError::InsecureKeyFile { path: path.to_path_buf(), mode });
        }
    }
    // Sized up front so reading never reallocates and leaves copies behind.
    let capacity = usize::try_from(metadata.len()).unwrap_or(0) + 1;
    let mut text = Zeroizing::new(String::with_capacity(capacity));
    file.read_to_string(&mut text).map_err(|e| CryptoError::io("read key file", path, e))?;
    KeyRing::parse_lines(text.lines(), &format!("key file {}", path.display()))
}

/// Creates the key file with a fresh v1 key, or returns `None` if the file
/// appeared in the meantime (it is never overwritten).
fn create_key_file(path: &Path) -> Result<Option<KeyRing>, CryptoError> {
    let ring = KeyRing::generate()?;
    match write_new_private_file(path, ring.to_text().as_bytes()) {
        Ok(()) => {}
        Err(CryptoError::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists => {
            return Ok(None);
        }
        Err(e) => return Err(e),
    }
    sync_parent_dir(path)?;
    Ok(Some(ring))
}

/// Writes a file that must not exist yet, readable by its owner only from
/// the start, and syncs it. On a failed write the file is removed again.
fn write_new_private_file(path: &Path, contents: &[u8]) -> Result<(), CryptoError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| CryptoError::io("create key file", path, e))?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(CryptoError::io("write key file", path, e));
    }
    Ok(())
}

/// Makes a file's creation or rename durable.
fn sync_parent_dir(path: &Path) -> Result<(), CryptoError> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        File::open(dir).and_then(|dir| dir.sync_all()).map_err(|e| CryptoError::io("sync directory", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "Client reports pain during intercourse; discussed sensate focus stage 1.";

    fn binding() -> Binding<'static> {
        Binding::new("notes", "body", "0190a5c4-0000-7000-8000-000000000001")
    }

    fn key_hex(ring: &KeyRing, version: u32) -> String {
        let text = ring.to_text();
        let prefix = format!("v{version}:");
        text.lines().find_map(|line| line.strip_prefix(&prefix)).unwrap().to_string()
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(format!("sensate-crypto-{}", uuid::Uuid::new_v4()));
            fs::create_dir(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn round_trip_and_stored_layout() {
        let ring = KeyRing::generate().unwrap();
        let stored = ring.encrypt(&binding(), NOTE).unwrap();
        assert_eq!(stored[0], FORMAT_V1);
        assert_eq!(stored[1..5], 1u32.to_be_bytes());
        assert_eq!(stored.len(), MIN_STORED_LEN + NOTE.len());
        assert!(!stored.windows(6).any(|w| w == b"sensat" || w == b"Client"));
        assert_eq!(ring.decrypt(&binding(), &stored).unwrap().expose(), NOTE);

        let empty = ring.encrypt(&binding(), "").unwrap();
        assert_eq!(empty.len(), MIN_STORED_LEN);
        assert_eq!(ring.decrypt(&binding(), &empty).unwrap().expose(), "");

        let unicode = "Überweisung · 性 · 🙂";
        let stored = ring.encrypt(&binding(), unicode).unwrap();
        assert_eq!(ring.decrypt(&binding(), &stored).unwrap().expose(), unicode);
    }

    #[test]
    fn same_text_encrypts_differently_each_time() {
        let ring = KeyRing::generate().unwrap();
        let a = ring.encrypt(&binding(), NOTE).unwrap();
        let b = ring.encrypt(&binding(), NOTE).unwrap();
        assert_ne!(a, b);
        assert_ne!(a[5..29], b[5..29], "nonces differ");
        assert_eq!(ring.decrypt(&binding(), &a).unwrap(), ring.decrypt(&binding(), &b).unwrap());
    }

    #[test]
    fn any_flipped_bit_fails() {
        let ring = KeyRing::generate().unwrap();
        let stored = ring.encrypt(&binding(), NOTE).unwrap();
        for index in 0..stored.len() {
            for bit in 0..8 {
                let mut tampered = stored.clone();
                tampered[index] ^= 1 << bit;
                let err = ring.decrypt(&binding(), &tampered).unwrap_err();
                match index {
                    0 => assert!(matches!(err, CryptoError::UnknownFormat(_)), "{err:?}"),
                    1..=4 => assert!(matches!(err, CryptoError::UnknownKeyVersion(_)), "{err:?}"),
                    _ => assert!(matches!(err, CryptoError::Authentication), "{err:?}"),
                }
            }
        }
    }

    #[test]
    fn key_version_is_bound_even_when_keys_are_equal() {
        // Two versions with the same key bytes: only the associated data
        // tells them apart, and rewriting the version must still fail.
        let hex = "11".repeat(32);
        let ring = KeyRing::parse(&format!("v1:{hex}\nv2:{hex}\n")).unwrap();
        let mut stored = ring.encrypt(&binding(), NOTE).unwrap();
        assert_eq!(KeyRing::stored_version(&stored), Some(2));
        stored[1..5].copy_from_slice(&1u32.to_be_bytes());
        assert!(matches!(ring.decrypt(&binding(), &stored), Err(CryptoError::Authentication)));
    }

    #[test]
    fn ciphertext_moved_elsewhere_fails() {
        let ring = KeyRing::generate().unwrap();
        let stored = ring.encrypt(&binding(), NOTE).unwrap();
        let b = binding();
        let elsewhere = [
            Binding { row_id: "0190a5c4-0000-7000-8000-000000000002", ..b },
            Binding { column: "summary", ..b },
            Binding { table: "messages", ..b },
            Binding::new("notesbody", "", b.row_id),
        ];
        for other in elsewhere {
            assert!(matches!(ring.decrypt(&other, &stored), Err(CryptoError::Authentication)), "{other:?}");
        }
        // Length prefixes keep the parts apart.
        let ab_c = Binding::new("ab", "c", "1");
        let a_bc = Binding::new("a", "bc", "1");
        assert_ne!(ab_c.associated_data(1), a_bc.associated_data(1));
        let stored = ring.encrypt(&ab_c, NOTE).unwrap();
        assert!(matches!(ring.decrypt(&a_bc, &stored), Err(CryptoError::Authentication)));
    }

    #[test]
    fn truncated_values_fail() {
        let ring = KeyRing::generate().unwrap();
        let stored = ring.encrypt(&binding(), NOTE).unwrap();
        for len in 0..stored.len() {
            let err = ring.decrypt(&binding(), &stored[..len]).unwrap_err();
            if len < MIN_STORED_LEN {
                assert!(matches!(err, CryptoError::Truncated { len: l } if l == len), "{len}: {err:?}");
                assert_eq!(KeyRing::stored_version(&stored[..len]), None);
            } else {
                assert!(matches!(err, CryptoError::Authentication), "{len}: {err:?}");
            }
        }
    }

    #[test]
    fn invalid_utf8_is_its_own_error() {
        let ring = KeyRing::generate().unwrap();
        let b = binding();
        // Encrypt raw bytes the way `encrypt` does, to get an authentic
        // value whose plaintext is not UTF-8.
        let nonce = [7u8; NONCE_LEN];
        let ciphertext = ring
            .current
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: &[0xff, 0xfe], aad: &b.associated_data(1) })
            .unwrap();
        let stored = [&[FORMAT_V1][..], &1u32.to_be_bytes(), &nonce, &ciphertext].concat();
        assert!(matches!(ring.decrypt(&b, &stored), Err(CryptoError::InvalidUtf8)));
    }

    #[test]
    fn unknown_version_is_reported() {
        let old = KeyRing::generate().unwrap();
        let stored = old.encrypt(&binding(), NOTE).unwrap();
        let other = KeyRing::parse(&format!("v2:{}", "ab".repeat(32))).unwrap();
        let err = other.decrypt(&binding(), &stored).unwrap_err();
        assert!(matches!(err, CryptoError::UnknownKeyVersion(1)), "{err:?}");
        assert!(err.to_string().contains("key version 1"));
    }

    #[test]
    fn files_that_are_not_text_seal_read_back_and_rotate() {
        let v1 = KeyRing::generate().unwrap();
        let file: Vec<u8> = vec![0xFF, 0xD8, 0xFF, 0x00, 0xC3, 0x28, 0x80];
        let sealed = v1.encrypt_bytes(&binding(), &file).unwrap();
        assert_eq!(v1.decrypt_bytes(&binding(), &sealed).unwrap().as_slice(), file.as_slice());
        assert!(matches!(v1.decrypt(&binding(), &sealed), Err(CryptoError::InvalidUtf8)), "not text");
        let v2 = v1.with_new_version().unwrap();
        let rotated = v2.reencrypt(&binding(), &sealed).unwrap();
        assert_eq!(KeyRing::stored_version(&rotated), Some(2));
        assert_eq!(v2.decrypt_bytes(&binding(), &rotated).unwrap().as_slice(), file.as_slice());
        assert!(v1.decrypt_bytes(&Binding::new("messages", "body", "other"), &sealed).is_err(), "bound to its place");
    }

    #[test]
    fn rotation_reencrypts_under_the_new_version() {
        let v1 = KeyRing::generate().unwrap();
        let old = v1.encrypt(&binding(), NOTE).unwrap();
        assert!(!v1.needs_rotation(&old));

        let v2 = v1.with_new_version().unwrap();
        assert_eq!(v2.current_version(), 2);
        assert_eq!(v2.versions().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(key_hex(&v1, 1), key_hex(&v2, 1));
        assert_ne!(key_hex(&v2, 1), key_hex(&v2, 2));

        assert_eq!(KeyRing::stored_version(&old), Some(1));
        assert!(v2.needs_rotation(&old));
        assert!(v2.needs_rotation(b"not encrypted"));
        let new = v2.reencrypt(&binding(), &old).unwrap();
        assert_eq!(KeyRing::stored_version(&new), Some(2));
        assert!(!v2.needs_rotation(&new));
        assert_eq!(v2.decrypt(&binding(), &new).unwrap().expose(), NOTE);
        // The old value still reads while v1 is in the ring ...
        assert_eq!(v2.decrypt(&binding(), &old).unwrap().expose(), NOTE);
        // ... the old ring cannot read the new one ...
        assert!(matches!(v1.decrypt(&binding(), &new), Err(CryptoError::UnknownKeyVersion(2))));
        // ... and a ring with only v2 no longer reads the old value.
        let only_v2 = KeyRing::parse(&format!("v2:{}", key_hex(&v2, 2))).unwrap();
        assert_eq!(only_v2.decrypt(&binding(), &new).unwrap().expose(), NOTE);
        assert!(matches!(only_v2.decrypt(&binding(), &old), Err(CryptoError::UnknownKeyVersion(1))));
        // Re-encryption is bound like encryption.
        let elsewhere = Binding { row_id: "other", ..binding() };
        assert!(matches!(v2.reencrypt(&elsewhere, &old), Err(CryptoError::Authentication)));
    }

    #[test]
    fn text_round_trip() {
        let ring = KeyRing::generate().unwrap().with_new_version().unwrap();
        let text = ring.to_text();
        assert_eq!(text.lines().filter(|l| l.starts_with('v')).count(), 2);
        let parsed = KeyRing::parse(&text).unwrap();
        assert_eq!(parsed.to_text(), text);
        let stored = ring.encrypt(&binding(), NOTE).unwrap();
        assert_eq!(parsed.decrypt(&binding(), &stored).unwrap().expose(), NOTE);

        // Order, comments, blank lines and surrounding spaces do not matter.
        let hex1 = "0123456789abcdef".repeat(4);
        let hex3 = "fedcba9876543210".repeat(4);
        let ring = KeyRing::parse(&format!("# keys\n\n  v3:{hex3}  \r\nv1:{hex1}\n")).unwrap();
        assert_eq!(ring.current_version(), 3);
        assert_eq!(ring.versions().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(key_hex(&ring, 1), hex1);
        assert_eq!(key_hex(&ring, 3), hex3);
    }

    #[test]
    fn parse_errors_name_the_line_and_not_the_key() {
        let good = "0123456789abcdef".repeat(4);
        let bad_hex = format!("{}g", &good[..63]);
        let upper = good.to_uppercase();
        let short = &good[..62];
        let cases = [
            (format!("# k\nv1:{bad_hex}"), 2, "not lowercase hex", bad_hex.as_str()),
            (format!("v1:{upper}"), 1, "not lowercase hex", upper.as_str()),
            (format!("\nv1:{short}"), 2, "found 62", short),
            (format!("v1:{good}\nv1:{good}"), 2, "appears twice (first on line 1)", good.as_str()),
            (good.clone(), 1, "expected `v<version>:", good.as_str()),
            (format!("1:{good}"), 1, "expected `v<version>:", good.as_str()),
            (format!("v0:{good}"), 1, "whole number", good.as_str()),
            (format!("v-1:{good}"), 1, "whole number", good.as_str()),
            (format!("v99999999999:{good}"), 1, "whole number", good.as_str()),
        ];
        for (text, line, expected, key) in cases {
            let err = KeyRing::parse(&text).unwrap_err();
            let message = err.to_string();
            assert!(matches!(err, CryptoError::KeyMaterial { line: l, .. } if l == line), "{message}");
            assert!(message.contains(&format!("line {line}:")), "{message}");
            assert!(message.contains(expected), "{message}");
            assert!(!message.contains(&key[..16]), "echoes key material: {message}");
            assert!(!format!("{err:?}").contains(&key[..16]), "echoes key material: {err:?}");
        }
        for empty in ["", "\n\n", "# only a comment\n"] {
            assert!(matches!(KeyRing::parse(empty), Err(CryptoError::NoKeys { .. })));
        }
    }

    #[test]
    fn debug_output_hides_keys_and_plaintext() {
        let ring = KeyRing::generate().unwrap().with_new_version().unwrap();
        let debug = format!("{ring:?} {ring:#?}");
        for version in [1, 2] {
            let hex = key_hex(&ring, version);
            assert!(!debug.contains(&hex[..8]), "{debug}");
        }
        assert!(debug.contains("KeyRing"));

        let stored = ring.encrypt(&binding(), NOTE).unwrap();
        let secret = ring.decrypt(&binding(), &stored).unwrap();
        assert!(!format!("{secret:?}").contains("sensate focus"));
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_created_private_then_reused() {
        let dir = TempDir::new();
        let path = dir.0.join("field-keys");
        let (created, source) = KeyRing::load_or_create(&path, None).unwrap();
        assert_eq!(source, KeySource::Created);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(created.current_version(), 1);

        let (loaded, source) = KeyRing::load_or_create(&path, None).unwrap();
        assert_eq!(source, KeySource::File);
        assert_eq!(key_hex(&loaded, 1), key_hex(&created, 1));
        let stored = created.encrypt(&binding(), NOTE).unwrap();
        assert_eq!(loaded.decrypt(&binding(), &stored).unwrap().expose(), NOTE);
    }

    #[cfg(unix)]
    #[test]
    fn key_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new();
        let path = dir.0.join("field-keys");
        let hex = "0123456789abcdef".repeat(4);
        fs::write(&path, format!("v1:{hex}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();

        let err = KeyRing::load_or_create(&path, None).unwrap_err();
        assert!(matches!(err, CryptoError::InsecureKeyFile { mode: 0o644, .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&format!("chmod 600 {}", path.display())), "{message}");
        assert!(!message.contains(&hex[..16]));
        assert_eq!(fs::read_to_string(&path).unwrap(), format!("v1:{hex}\n"), "left alone");

        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let (ring, source) = KeyRing::load_or_create(&path, None).unwrap();
        assert_eq!(source, KeySource::File);
        assert_eq!(key_hex(&ring, 1), hex);
    }

    #[test]
    fn environment_value_wins_and_touches_no_disk() {
        let dir = TempDir::new();
        let path = dir.0.join("field-keys");
        let hex1 = "0123456789abcdef".repeat(4);
        let hex2 = "fedcba9876543210".repeat(4);
        let env = format!("v1:{hex1};v2:{hex2}");
        let (ring, source) = KeyRing::load_or_create(&path, Some(&env)).unwrap();
        assert_eq!(source, KeySource::Env);
        assert_eq!(ring.current_version(), 2);
        assert_eq!(key_hex(&ring, 1), hex1);
        assert!(!path.exists());

        let err = KeyRing::load_or_create(&path, Some("v1:abc")).unwrap_err();
        assert!(err.to_string().starts_with("SENSATE_MASTER_KEY, line 1:"), "{err}");
        let err = KeyRing::load_or_create(&path, Some("")).unwrap_err();
        assert!(matches!(err, CryptoError::NoKeys { .. }));
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn rotated_ring_is_written_atomically_and_privately() {
        let dir = TempDir::new();
        let path = dir.0.join("field-keys");
        let (v1, _) = KeyRing::load_or_create(&path, None).unwrap();
        let v2 = v1.with_new_version().unwrap();
        v2.write_atomically(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        let entries: Vec<_> = fs::read_dir(&dir.0).unwrap().collect();
        assert_eq!(entries.len(), 1, "no temporary file left behind");

        let (loaded, source) = KeyRing::load_or_create(&path, None).unwrap();
        assert_eq!(source, KeySource::File);
        assert_eq!(loaded.to_text(), v2.to_text());
        assert_eq!(loaded.current_version(), 2);
    }
}
