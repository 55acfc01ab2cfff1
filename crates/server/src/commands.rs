//! The subcommands. Operator-facing output goes to stdout; logs to stderr.
use std::path::{Path, PathBuf};

use sensate_app::demo::{DEMO_PASSWORD, demo_logins};
use sensate_app::identity::setup::SETUP_LINK_LIFETIME;
use sensate_store::{DatabaseUrl, Migrate, SqliteStore};

use sensate_app::infra::crypto::{KeyRing, MASTER_KEY_ENV};
use sensate_app::infra::{ShiftedClock, SystemClock};
use sensate_app::{App, AppConfig};

use crate::cli::{AuditCommand, AuditVerifyArgs, BackupArgs, Cli, Command, DEFAULT_CONFIG, DbArgs, RestoreArgs};
use crate::db_lock::{DatabaseLock, LockError};
use crate::server::{Mode, StartError, StartOptions, ensure_data_dir, start};

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Connect(#[from] sensate_store::ConnectError),
    #[error("{0}")]
    Message(String),
}

impl From<std::io::Error> for CommandError {
    fn from(error: std::io::Error) -> Self {
        Self::Message(error.to_string())
    }
}

pub async fn run(cli: Cli) -> Result<(), CommandError> {
    match cli.command {
        Command::Serve(args) => {
            let mut options = StartOptions::new(
                Mode::Serve,
                args.listen.listen,
                args.db.data.data_dir.clone(),
                args.db.database_url(),
            );
            options.base_url = args.listen.base_url.clone();
            options.trusted_proxies = args.listen.trusted_proxies.clone();
            options.smtp_url = args.mail.smtp_url.clone();
            options.mail_from = args.mail.mail_from.clone();
            options.reminders = args.reminders.offsets().map_err(CommandError::Message)?;
            options.master_key = master_key_from_env();
            options.booking_requests_per_hour = args.booking_requests_per_hour;
            options.hashing.concurrent = args.hashing.password_hashes;
            let running = start(options).await?;
            println!("Sensate {} is serving {}", env!("CARGO_PKG_VERSION"), running.base_url);
            if let Some(token) = &running.setup_token {
                println!();
                println!("First start: create your practice and its owner account at");
                println!("  {}/setup?token={token}", running.base_url);
                println!(
                    "This link works once and expires in {} hours; restarting prints a new one.",
                    SETUP_LINK_LIFETIME.as_hours()
                );
                println!();
            }
            println!("Press Ctrl-C to stop.");
            running.until_signal().await?;
            Ok(())
        }
        Command::Demo(args) => {
            let therapists = args.therapists().map_err(CommandError::Message)?;
            let now = args.now().map_err(CommandError::Message)?;
            let mut options =
                StartOptions::new(Mode::Demo, args.listen.listen, args.data.data_dir.clone(), String::new());
            options.base_url = args.listen.base_url.clone();
            options.trusted_proxies = args.listen.trusted_proxies.clone();
            options.smtp_url = args.mail.smtp_url.clone();
            options.mail_from = args.mail.mail_from.clone();
            if let Some(now) = now {
                options.clock = std::sync::Arc::new(ShiftedClock::starting_at(now));
            }
            options.master_key = master_key_from_env();
            options.demo_therapists = therapists;
            options.hashing.concurrent = args.hashing.password_hashes;
            options.reminders = args.reminders.offsets().map_err(CommandError::Message)?;
            options.demo_progress = Some(Box::new(demo_progress_printer()));
            if therapists > 0 {
                println!("Adding {therapists} synthetic therapists to the demo directory…");
            }
            let running = start(options).await?;
            println!("Sensate demo: a fictional practice, rebuilt at each start.");
            println!("Open {} and sign in with any of these accounts.", running.base_url);
            println!("Every account's password is: {DEMO_PASSWORD}");
            println!("Staff accounts use two-step sign-in; in the demo the second-step page shows the current code.");
            match &args.mail.smtp_url {
                Some(_) => println!("Mail goes to the SMTP server given by --smtp-url."),
                None => println!("Mail is not sent anywhere: read it at {}/outbox", running.base_url),
            }
            if let Some(now) = now {
                println!("The demo runs as if it were {now}; time moves on from there.");
            }
            if therapists > 0 {
                println!(
                    "The directory also lists {therapists} synthetic therapists (fictional): {}/therapists",
                    running.base_url
                );
            }
            println!();
            for login in demo_logins() {
                println!("  {:<28} {:<18} {}", login.role, login.name, login.email);
            }
            println!();
            println!("Press Ctrl-C to stop.");
            running.until_signal().await?;
            Ok(())
        }
        Command::Migrate(args) => {
            ensure_data_dir(&args.data.data_dir)?;
            let store = sensate_store::connect(&args.database_url(), Migrate::Apply).await?;
            let version = store.schema_version().await.map_err(|e| CommandError::Message(e.to_string()))?;
            store.close().await;
            println!("The database is at schema version {version}, the newest this Sensate knows.");
            Ok(())
        }
        Command::Backup(args) => backup(&args).await,
        Command::Restore(args) => restore(&args).await,
        Command::DefaultConfig => {
            print!("{DEFAULT_CONFIG}");
            Ok(())
        }
        Command::Audit(AuditCommand::Verify(args)) => audit_verify(&args).await,
        Command::RotateKey(db) => rotate_key(&db).await,
    }
}

/// Prints how far the synthetic therapists are, at every tenth.
fn demo_progress_printer() -> impl FnMut(u32, u32) + Send {
    let mut printed = 0;
    move |done, total| {
        let tenths = u64::from(done) * 10 / u64::from(total.max(1));
        if tenths > printed {
            printed = tenths;
            println!("  {done} of {total} synthetic therapists added ({} %)", tenths * 10);
        }
    }
}

fn master_key_from_env() -> Option<String> {
    std::env::var(MASTER_KEY_ENV).ok()
}

async fn audit_verify(args: &AuditVerifyArgs) -> Result<(), CommandError> {
    let app = maintenance_app(&args.db).await?;
    let outcome = app.verify_audit_chain(args.expect.as_ref()).await;
    app.close().await;
    match outcome.map_err(|e| CommandError::Message(e.to_string()))? {
        Ok(verified) => {
            println!(
                "The audit log is intact: {} entries, each linked to the one before, ending where the sealer left it.",
                verified.entries
            );
            if let Some(head) = verified.head {
                // Kept elsewhere, this lets a later check notice removed newest entries.
                println!("Head: {head}");
                println!(
                    "Keep this line outside the database; `sensate audit verify --expect {head}` checks later that the log still reaches it."
                );
            }
            Ok(())
        }
        Err(broken) => Err(CommandError::Message(format!(
            "{broken}; entries from {} on cannot be trusted. Keep this database as evidence and restore the last good backup",
            broken.seq
        ))),
    }
}

/// An app for a maintenance command: the database as it is (no migration),
/// the key ring from the environment or the data directory, no mail.
async fn maintenance_app(db: &DbArgs) -> Result<App, CommandError> {
    let path = db.data.data_dir.join("master.key");
    let from_env = master_key_from_env();
    if from_env.is_none() && !path.is_file() {
        return Err(CommandError::Message(format!(
            "there is no key file at {} and {MASTER_KEY_ENV} is not set; the audit chain is keyed with it (check --data-dir)",
            path.display()
        )));
    }
    let (keys, _) =
        KeyRing::load_or_create(&path, from_env.as_deref()).map_err(|e| CommandError::Message(e.to_string()))?;
    let store = sensate_store::connect(&db.database_url(), Migrate::Skip).await?;
    Ok(App::new(
        store,
        std::sync::Arc::new(SystemClock),
        std::sync::Arc::new(keys),
        std::sync::Arc::new(NoopMailer),
        AppConfig::default(),
    ))
}

/// Adds a key version, saves it first (so no value is ever encrypted under
/// a key that is not on disk), then re-encrypts every field with it.
async fn rotate_key(db: &DbArgs) -> Result<(), CommandError> {
    if master_key_from_env().is_some() {
        return Err(CommandError::Message(format!(
            "the key comes from {MASTER_KEY_ENV}; rotate-key works on the key file <data-dir>/master.key. \
             Unset {MASTER_KEY_ENV} and keep the key in that file, or add a version to the variable yourself"
        )));
    }
    let path = db.data.data_dir.join("master.key");
    if !path.is_file() {
        return Err(CommandError::Message(format!("there is no key file at {}; check --data-dir", path.display())));
    }
    let (keys, _) = KeyRing::load_or_create(&path, None).map_err(|e| CommandError::Message(e.to_string()))?;
    let store = sensate_store::connect(&db.database_url(), Migrate::Skip).await?;
    let rotated = keys.with_new_version().map_err(|e| CommandError::Message(e.to_string()))?;
    rotated.write_atomically(&path).map_err(|e| CommandError::Message(e.to_string()))?;
    let version = rotated.current_version();
    let app = App::new(
        store.clone(),
        std::sync::Arc::new(SystemClock),
        std::sync::Arc::new(rotated),
        std::sync::Arc::new(NoopMailer),
        AppConfig::default(),
    );
    let changed = app.clients().reencrypt_all().await.map_err(|e| CommandError::Message(e.to_string()))?;
    store.close().await;
    println!(
        "Encryption key version {version} is now in use; {changed} encrypted value(s) were re-encrypted with it. \
         Older versions stay in {} so existing backups remain readable; remove a version only when no backup needs it.",
        path.display()
    );
    Ok(())
}

/// Maintenance commands send no mail.
struct NoopMailer;

#[async_trait::async_trait]
impl sensate_app::infra::mailer::Mailer for NoopMailer {
    async fn send(
        &self,
        _email: &sensate_app::infra::mailer::Email,
    ) -> Result<(), sensate_app::infra::mailer::MailError> {
        Ok(())
    }
}

fn sqlite_path(db: &DbArgs, what: &str) -> Result<PathBuf, CommandError> {
    match DatabaseUrl::parse(&db.database_url()).map_err(|e| CommandError::Message(e.to_string()))? {
        DatabaseUrl::Sqlite { path } => Ok(path),
        DatabaseUrl::Postgres { .. } => Err(CommandError::Message(format!(
            "`sensate {what}` works on SQLite; for PostgreSQL use pg_dump --format=custom and pg_restore (see docs/OPERATIONS.md)"
        ))),
    }
}

async fn backup(args: &BackupArgs) -> Result<(), CommandError> {
    let source = sqlite_path(&args.db, "backup")?;
    if !source.exists() {
        return Err(CommandError::Message(format!(
            "there is no database at {}; check --data-dir or --database-url",
            source.display()
        )));
    }
    if args.file.exists() {
        return Err(CommandError::Message(format!(
            "{} already exists; backups never overwrite a file, so choose a new name",
            args.file.display()
        )));
    }
    let store = SqliteStore::open(&source, Migrate::Skip).await?;
    let result = sensate_store::Store::backup_to(&store, &args.file).await;
    sensate_store::Store::close(&store).await;
    // A backup that was not written completely, or does not verify, is removed
    // so it cannot be mistaken for a good one later.
    let verified = match result {
        Ok(()) => SqliteStore::inspect_backup(&args.file)
            .await
            .map_err(|e| CommandError::Message(format!("the backup does not verify: {e}"))),
        Err(e) => Err(CommandError::Message(format!("the backup failed: {e}"))),
    };
    let info = match verified {
        Ok(info) => info,
        Err(error) => {
            let _ = std::fs::remove_file(&args.file);
            return Err(error);
        }
    };
    let bytes = std::fs::metadata(&args.file)?.len();
    println!(
        "Backup written to {} ({bytes} bytes, schema version {}). Restore it with: sensate restore {}",
        args.file.display(),
        info.schema_version,
        args.file.display()
    );
    Ok(())
}

async fn restore(args: &RestoreArgs) -> Result<(), CommandError> {
    let target = sqlite_path(&args.db, "restore")?;
    if !args.file.is_file() {
        return Err(CommandError::Message(format!("there is no backup file at {}", args.file.display())));
    }
    let info = SqliteStore::inspect_backup(&args.file).await?;
    if info.demo {
        return Err(CommandError::Message(format!(
            "{} is a backup of the fictional demo practice; `sensate serve` would refuse it. Choose a backup of your practice",
            args.file.display()
        )));
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        ensure_data_dir(parent)?;
    }
    // Held until the new file is in place: no server can open the database
    // meanwhile, and none may be running now.
    let _lock = match DatabaseLock::for_restore(&target) {
        Ok(lock) => lock,
        Err(LockError::Busy) => {
            return Err(CommandError::Message(format!(
                "a Sensate server is using {}; stop every server that uses it, then run restore again",
                target.display()
            )));
        }
        Err(LockError::Io(error)) => {
            return Err(CommandError::Message(format!("cannot lock {}: {error}", target.display())));
        }
    };
    if target.exists() && !args.force {
        return Err(CommandError::Message(format!(
            "{} already exists; stop the server, back it up, then run restore again with --force to replace it",
            target.display()
        )));
    }
    replace_file(&args.file, &target)?;
    println!(
        "Restored {} into {} (schema version {}, {} practice(s)). Start the server again.",
        args.file.display(),
        target.display(),
        info.schema_version,
        info.practices
    );
    Ok(())
}

/// Copies `source` next to `target`, flushes it to disk, then renames it
/// over `target` in one step: a crash leaves either the old database or the
/// new one, never a mix. Stale WAL files of the old database are removed
/// first so SQLite cannot replay them into the restored one.
fn replace_file(source: &Path, target: &Path) -> Result<(), CommandError> {
    let staging = PathBuf::from(format!("{}.restoring", target.display()));
    std::fs::copy(source, &staging)?;
    std::fs::File::open(&staging)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let stale = PathBuf::from(format!("{}{suffix}", target.display()));
        if stale.exists() {
            std::fs::remove_file(stale)?;
        }
    }
    std::fs::rename(&staging, target)?;
    if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
