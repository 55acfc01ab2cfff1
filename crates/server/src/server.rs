//! Starting the server: check the data directory, open (and migrate) the
//! database, bind the port, print the set-up link on first start.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sensate_app::infra::SystemClock;
use sensate_app::infra::crypto::{CryptoError, KeyRing, KeySource};
use sensate_app::infra::mailer::{Email, MailError, Mailer, OutboxMailer, SmtpMailer};
use sensate_app::jobs::{JobRunner, RunningJobs};
use sensate_app::scheduling::booking::BookingPolicy;
use sensate_app::{App, AppConfig, demo};
use sensate_domain::Clock;
use sensate_store::{ConnectError, DatabaseUrl, Migrate, SqliteStore, Store};
use sensate_web::{AppState, Shared, WebConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::db_lock::{DatabaseLock, LockError};

/// Which database a server runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A practice's real database.
    Serve,
    /// The fictional demo practice, rebuilt at each start.
    Demo,
}

pub struct StartOptions {
    pub mode: Mode,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Ignored in demo mode, which always uses `<data-dir>/demo.db`.
    pub database_url: String,
    pub base_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<sensate_web::proxy::Cidr>,
    /// Outgoing mail; `None` shows links to staff instead (demo: the outbox).
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// Key material from `SENSATE_MASTER_KEY`; otherwise `<data-dir>/master.key`.
    pub master_key: Option<String>,
    pub clock: Arc<dyn Clock>,
    /// Booking requests accepted per network address per hour.
    pub booking_requests_per_hour: u32,
    /// Demo only: how many synthetic therapists to add to the directory.
    pub demo_therapists: u32,
    /// Demo only: told `(added, of)` after each batch of synthetic therapists.
    pub demo_progress: Option<Box<dyn FnMut(u32, u32) + Send>>,
    /// How long before confirmed appointments reminders go out; empty: none.
    pub reminders: Vec<jiff::SignedDuration>,
    /// How often the job runner looks for due jobs.
    pub job_interval: std::time::Duration,
    /// Password hashes at once, and how long a request waits for its turn.
    pub hashing: sensate_app::infra::hashing::HashingPolicy,
}

impl StartOptions {
    pub fn new(mode: Mode, listen: SocketAddr, data_dir: PathBuf, database_url: String) -> Self {
        Self {
            mode,
            listen,
            data_dir,
            database_url,
            base_url: None,
            trusted_proxies: Vec::new(),
            smtp_url: None,
            mail_from: "Sensate <noreply@localhost>".to_string(),
            master_key: None,
            clock: Arc::new(SystemClock),
            booking_requests_per_hour: sensate_app::scheduling::booking::DEFAULT_BOOKING_REQUESTS_PER_HOUR,
            demo_therapists: 0,
            demo_progress: None,
            reminders: sensate_app::scheduling::reminders::default_reminder_offsets(),
            job_interval: sensate_app::jobs::JOB_INTERVAL,
            hashing: sensate_app::infra::hashing::HashingPolicy::default(),
        }
    }
}

/// Why the server could not start. Each message is one line that says what
/// is wrong and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot use the data directory '{path}': {reason}; choose another with --data-dir or SENSATE_DATA_DIR")]
    DataDir { path: String, reason: String },
    #[error("{0}")]
    Database(#[from] ConnectError),
    #[error("cannot listen on {addr}: {reason}; {hint}")]
    Listen { addr: SocketAddr, reason: String, hint: &'static str },
    #[error("the base URL '{0}' must start with http:// or https://, as in https://therapy.example.org")]
    BaseUrl(String),
    #[error(
        "this database holds the fictional demo practice and cannot be served as a real practice; \
         run `sensate demo` to explore it, or use another --database-url"
    )]
    DemoDatabase,
    #[error(
        "'{0}' exists and is not a Sensate demo database; `sensate demo` rebuilds that file at each start, \
         so it will not touch it. Move the file or use another --data-dir"
    )]
    NotADemoDatabase(String),
    #[error("{0}")]
    App(#[from] sensate_app::AppError),
    #[error("{0}")]
    Keys(#[from] CryptoError),
    #[error("the mail settings are not usable: {0}; check --smtp-url and --mail-from")]
    Mail(MailError),
    #[error("'{0}' is being replaced by `sensate restore`; start the server once the restore has finished")]
    RestoreUnderWay(String),
    #[error("cannot lock the database '{path}': {reason}")]
    Lock { path: String, reason: String },
}

/// A server that is accepting connections.
pub struct Running {
    pub addr: SocketAddr,
    pub base_url: String,
    /// Printed once on first start: the one-time link to create the practice.
    pub setup_token: Option<String>,
    pub store: Arc<dyn Store>,
    /// The application behind the routes (for maintenance such as sealing
    /// the audit log now).
    pub app: sensate_app::App,
    /// Runs due jobs (reminders) now, beside the background task.
    pub jobs: JobRunner,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    background_jobs: Option<RunningJobs>,
    sealer: Option<sensate_app::audit::RunningSealer>,
    /// A SQLite database's lock, shared with other servers: released last,
    /// once the store is closed, so a restore never meets an open file.
    _database_lock: Option<DatabaseLock>,
}

impl Running {
    /// Finishes in-flight requests, then returns.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
        if let Some(jobs) = self.background_jobs.take() {
            jobs.stop().await;
        }
        if let Some(sealer) = self.sealer.take() {
            sealer.stop().await;
        }
        self.store.close().await;
    }

    /// Serves until the process is told to stop (Ctrl-C or SIGTERM).
    pub async fn until_signal(mut self) -> std::io::Result<()> {
        shutdown_signal().await;
        tracing::info!("shutting down");
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let result = (&mut self.task).await.unwrap_or(Ok(()));
        if let Some(jobs) = self.background_jobs.take() {
            jobs.stop().await;
        }
        if let Some(sealer) = self.sealer.take() {
            sealer.stop().await;
        }
        self.store.close().await;
        result
    }
}

pub(crate) fn ensure_data_dir(path: &Path) -> Result<(), StartError> {
    let fail = |reason: String| StartError::DataDir { path: path.display().to_string(), reason };
    if path.exists() && !path.is_dir() {
        return Err(fail("it is a file, not a directory".into()));
    }
    std::fs::create_dir_all(path).map_err(|e| fail(e.to_string()))?;
    // Prove we can write before anything else happens.
    let probe = path.join(".sensate-write-check");
    std::fs::write(&probe, b"ok").map_err(|e| fail(format!("not writable ({e})")))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

pub async fn start(options: StartOptions) -> Result<Running, StartError> {
    if let Some(url) = &options.base_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(StartError::BaseUrl(url.clone()));
    }
    // A malformed URL is refused before anything is created.
    let database = match options.mode {
        Mode::Serve => Some(DatabaseUrl::parse(&options.database_url).map_err(ConnectError::from)?),
        Mode::Demo => None,
    };
    // With PostgreSQL and the key from the environment, a server keeps
    // nothing on its own disk: app servers behind a load balancer are
    // interchangeable and need no writable directory.
    let stateless = matches!(database, Some(DatabaseUrl::Postgres { .. })) && options.master_key.is_some();
    if !stateless {
        ensure_data_dir(&options.data_dir)?;
    }
    // Bind first: a busy port fails before any database is created or migrated.
    let listener = TcpListener::bind(options.listen).await.map_err(|e| bind_error(options.listen, &e))?;
    let addr = listener.local_addr().map_err(|e| bind_error(options.listen, &e))?;
    let base_url = options.base_url.clone().unwrap_or_else(|| default_base_url(addr)).trim_end_matches('/').to_string();
    let (mailer, outbox): (Arc<dyn Mailer>, Option<Arc<OutboxMailer>>) = match (options.mode, &options.smtp_url) {
        (Mode::Demo, None) => {
            let outbox = Arc::new(OutboxMailer::new(options.clock.clone()));
            (outbox.clone(), Some(outbox))
        }
        (_, Some(url)) => (Arc::new(SmtpMailer::from_url(url, &options.mail_from).map_err(StartError::Mail)?), None),
        (Mode::Serve, None) => (Arc::new(NoMailer), None),
    };

    let database_lock = match &database {
        Some(DatabaseUrl::Sqlite { path }) => lock_for_server(path)?,
        _ => None,
    };
    let store = match options.mode {
        Mode::Serve => {
            let store = sensate_store::connect(&options.database_url, Migrate::Apply).await?;
            if demo::is_demo_database(store.as_ref()).await? {
                store.close().await;
                return Err(StartError::DemoDatabase);
            }
            store
        }
        Mode::Demo => fresh_demo_database(&options.data_dir).await?,
    };
    // The key is created only once the database opened, so a refused start
    // leaves nothing behind; and never for a database that already has one.
    let key_path = options.data_dir.join("master.key");
    if options.master_key.is_none() && !key_path.exists() && store.meta_get("key_check").await.ok().flatten().is_some()
    {
        store.close().await;
        return Err(sensate_app::AppError::KeyMismatch.into());
    }
    let (keys, key_source) = match KeyRing::load_or_create(&key_path, options.master_key.as_deref()) {
        Ok(loaded) => loaded,
        Err(error) => {
            store.close().await;
            return Err(error.into());
        }
    };
    if key_source == KeySource::Created {
        tracing::warn!(
            "created a new encryption key in the data directory (master.key); back it up separately from the database"
        );
    }

    let config = AppConfig {
        demo: options.mode == Mode::Demo,
        base_url: base_url.clone(),
        booking: BookingPolicy { requests_per_hour: options.booking_requests_per_hour },
        reminders: options.reminders.clone(),
        hashing: options.hashing,
        ..AppConfig::default()
    };
    let app = App::new(store.clone(), options.clock.clone(), Arc::new(keys), mailer, config);
    if let Err(error) = app.verify_key_ring().await {
        store.close().await;
        return Err(error.into());
    }
    if options.mode == Mode::Demo {
        app.seed_demo().await?;
        let mut progress = options.demo_progress.unwrap_or_else(|| Box::new(|_, _| {}));
        app.seed_demo_therapists(options.demo_therapists, &mut *progress).await?;
        app.directory().prepare_directory_index().await?;
    }
    let setup_token = match options.mode {
        Mode::Serve => app.identity().issue_setup_token().await?,
        Mode::Demo => None,
    };

    if options.mode == Mode::Serve && options.smtp_url.is_none() {
        // Said once, once every check has passed, not once per email (every
        // reminder would say it again).
        tracing::warn!(
            "no SMTP server (--smtp-url): nothing is emailed (confirmations, reminders, invitations, \
             password resets); staff see invitation links on screen"
        );
    }
    let jobs = JobRunner::new(app.clone());
    let background_jobs = Some(jobs.clone().spawn(options.job_interval));
    let sealer = Some(app.spawn_audit_sealer());
    let state: AppState = Arc::new(Shared {
        app: app.clone(),
        web: WebConfig { base_url: base_url.clone(), trusted_proxies: options.trusted_proxies.clone() },
        outbox,
    });
    let router = sensate_web::router(state);
    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = shutdown_rx.await;
            })
            .await
    });
    Ok(Running {
        addr,
        base_url,
        setup_token,
        store,
        app,
        jobs,
        shutdown: Some(shutdown_tx),
        task,
        background_jobs,
        sealer,
        _database_lock: database_lock,
    })
}

/// The server's share of a SQLite database's lock ([`DatabaseLock`]). The
/// directory may not exist yet (a `--database-url` elsewhere): then nobody
/// can be restoring into it, and opening the database says what is wrong.
fn lock_for_server(database: &Path) -> Result<Option<DatabaseLock>, StartError> {
    if database.parent().is_some_and(|dir| !dir.as_os_str().is_empty() && !dir.is_dir()) {
        return Ok(None);
    }
    match DatabaseLock::for_server(database) {
        Ok(lock) => Ok(Some(lock)),
        Err(LockError::Busy) => Err(StartError::RestoreUnderWay(database.display().to_string())),
        Err(LockError::Io(error)) => {
            Err(StartError::Lock { path: database.display().to_string(), reason: error.to_string() })
        }
    }
}

/// Without an SMTP server, nothing is emailed: staff see invitation links on
/// screen, and password resets are not possible by email.
struct NoMailer;

#[async_trait::async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _email: &Email) -> Result<(), MailError> {
        Err(MailError::NotConfigured)
    }
}

/// The demo database is rebuilt at every start, so its appointments are
/// always in the coming weeks. Only a file that is a demo database is
/// ever removed.
async fn fresh_demo_database(data_dir: &Path) -> Result<Arc<dyn Store>, StartError> {
    let path = data_dir.join("demo.db");
    let url = format!("sqlite://{}", path.display());
    if path.exists() {
        let is_demo = matches!(SqliteStore::peek_meta(&path, "mode").await, Ok(Some(mode)) if mode == "demo");
        if !is_demo {
            return Err(StartError::NotADemoDatabase(path.display().to_string()));
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::remove_file(&file).map_err(|e| StartError::DataDir {
                    path: data_dir.display().to_string(),
                    reason: format!("cannot replace {}: {e}", file.display()),
                })?;
            }
        }
    }
    Ok(sensate_store::connect(&url, Migrate::Apply).await?)
}

fn default_base_url(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() { format!("http://localhost:{}", addr.port()) } else { format!("http://{addr}") }
}

/// One line that says what went wrong and what to do about it.
fn bind_error(addr: SocketAddr, error: &std::io::Error) -> StartError {
    let other = "choose another address with --listen or SENSATE_LISTEN";
    let (reason, hint) = match error.kind() {
        std::io::ErrorKind::AddrInUse => (
            "the address is already in use".to_string(),
            "stop the program using it, or choose another address with --listen or SENSATE_LISTEN",
        ),
        std::io::ErrorKind::PermissionDenied => (
            "permission denied (ports below 1024 need privileges)".to_string(),
            "use a port above 1024 behind a reverse proxy, or choose another address with --listen",
        ),
        std::io::ErrorKind::AddrNotAvailable => ("this machine has no such address".to_string(), other),
        _ => (error.to_string(), other),
    };
    StartError::Listen { addr, reason, hint }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
