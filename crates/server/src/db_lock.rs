//! Who is using a SQLite database file. A server holds a shared lock on
//! `<database>.lock` for as long as it runs (several servers may share
//! one file); `sensate restore` takes the same lock exclusively while it
//! replaces the file. So a restore refuses while any server runs, and a
//! server refuses to start while a restore is under way, instead of either
//! relying on the operator having read the docs.
//!
//! The operating system releases the lock when its holder exits, however
//! it exits (`kill -9` included), so a crash never leaves a stale lock that
//! an operator would have to delete by hand. The lock file itself stays; it
//! is empty and harmless.
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Held while alive; dropping it releases the lock.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

#[derive(Debug)]
pub enum LockError {
    /// Someone holds the lock in a way that excludes this one.
    Busy,
    /// The lock file could not be opened or locked.
    Io(std::io::Error),
}

impl DatabaseLock {
    /// For a server: shared with other servers, excluded by a restore.
    pub fn for_server(database: &Path) -> Result<Self, LockError> {
        let file = open(database)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(Self { _file: file }),
            Err(error) => Err(error.into()),
        }
    }

    /// For a restore: nobody else may hold the lock in any way.
    pub fn for_restore(database: &Path) -> Result<Self, LockError> {
        let file = open(database)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(error) => Err(error.into()),
        }
    }

    /// The lock file beside `database`.
    pub fn path_for(database: &Path) -> PathBuf {
        PathBuf::from(format!("{}.lock", database.display()))
    }
}

fn open(database: &Path) -> Result<File, LockError> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(DatabaseLock::path_for(database))
        .map_err(LockError::Io)
}

impl From<TryLockError> for LockError {
    fn from(error: TryLockError) -> Self {
        match error {
            TryLockError::WouldBlock => LockError::Busy,
            TryLockError::Error(error) => LockError::Io(error),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn servers_share_the_lock_and_a_restore_excludes_them() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sensate.db");
        let first = DatabaseLock::for_server(&db).unwrap();
        let second = DatabaseLock::for_server(&db).unwrap();
        assert!(matches!(DatabaseLock::for_restore(&db), Err(LockError::Busy)), "two servers run");
        drop(first);
        assert!(matches!(DatabaseLock::for_restore(&db), Err(LockError::Busy)), "one server still runs");
        drop(second);
        let restore = DatabaseLock::for_restore(&db).unwrap();
        assert!(matches!(DatabaseLock::for_server(&db), Err(LockError::Busy)), "a restore is under way");
        assert!(matches!(DatabaseLock::for_restore(&db), Err(LockError::Busy)), "one restore at a time");
        drop(restore);
        DatabaseLock::for_server(&db).unwrap();
    }
}
