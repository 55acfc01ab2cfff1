//! Command-line interface. Every option is a flag and an environment variable.
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "sensate",
    version,
    about = "Sensate: a self-hostable practice platform for sex therapy.",
    long_about = "Sensate: a self-hostable practice platform for sex therapy.\n\n\
        Start with `sensate demo` to explore a fictional practice, or `sensate serve` to run your own.\n\
        Every option can also be set by the environment variable shown beside it; \
        `sensate default-config` prints them all with explanations."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server for your practice.
    Serve(ServeArgs),
    /// Run the server over a fictional demo practice (rebuilt at each start, in <data-dir>/demo.db).
    Demo(DemoArgs),
    /// Apply pending database migrations, then exit.
    Migrate(DbArgs),
    /// Write a consistent copy of the SQLite database to FILE while it may be in use.
    Backup(BackupArgs),
    /// Replace the SQLite database with a backup FILE. Stop the server first.
    Restore(RestoreArgs),
    /// Print every setting with its default and an explanation, as an environment file.
    DefaultConfig,
    /// Check the audit log's hash chain from the first entry to the last.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Add a new encryption key version and re-encrypt every encrypted field with it.
    RotateKey(DbArgs),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify that no audit entry was changed, removed, reordered or cut off, and print the chain's head.
    Verify(AuditVerifyArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AuditVerifyArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// A head printed by an earlier `audit verify` (SEQ:HASH), kept outside the database: the chain must
    /// still contain that entry with that hash, so removing newer entries cannot go unnoticed.
    #[arg(long, value_name = "SEQ:HASH")]
    pub expect: Option<sensate_store::ChainHead>,
}

#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// SMTP server for outgoing mail: smtp://host:port (plain, local relays), smtp+starttls://host:587
    /// or smtps://host:465, with optional user:password@. Without it, `serve` shows invitation and reset
    /// links to staff instead of emailing them, and `demo` keeps its mail on the /outbox page.
    #[arg(long, env = "SENSATE_SMTP_URL", value_name = "URL")]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail. Inbox lists show its name on account emails (password resets, notices to
    /// staff), so keep it neutral; a practice's emails go out under the practice's discreet sender name.
    #[arg(long, env = "SENSATE_MAIL_FROM", default_value = "Sensate <noreply@localhost>", value_name = "ADDRESS")]
    pub mail_from: String,
}

#[derive(Debug, Clone, Args)]
pub struct ReminderArgs {
    /// How long before each confirmed appointment to email a reminder: hours, minutes or days separated by
    /// commas (24h,2h or 90m or 2d), or none to send no reminders.
    #[arg(long, env = "SENSATE_REMINDERS", default_value = "24h,2h", value_name = "TIMES")]
    pub reminders: String,
}

impl ReminderArgs {
    /// The offsets, or a message naming the setting and what is expected.
    pub fn offsets(&self) -> Result<Vec<jiff::SignedDuration>, String> {
        sensate_app::scheduling::reminders::parse_reminder_offsets(&self.reminders)
            .map_err(|message| format!("--reminders (SENSATE_REMINDERS): {message}; got '{}'", self.reminders))
    }
}

#[derive(Debug, Clone, Args)]
pub struct HashingArgs {
    /// Password hashes (sign-ins, password changes) run at once, 1 to 64. Each holds 19 MiB while it runs;
    /// requests beyond these wait up to 2 seconds for their turn, then get "try again in a few seconds"
    /// (HTTP 503 with Retry-After). Raise it on a server with more cores and memory.
    #[arg(
        long,
        env = "SENSATE_PASSWORD_HASHES",
        default_value_t = sensate_app::infra::hashing::DEFAULT_CONCURRENT_HASHES,
        value_parser = clap::value_parser!(u16).range(1..=64).map(usize::from),
        value_name = "N",
        allow_hyphen_values = true
    )]
    pub password_hashes: usize,
}

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Directory for the database (SQLite) and other local files. Created if missing.
    #[arg(long, env = "SENSATE_DATA_DIR", default_value = "./data", value_name = "DIR")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Database to use: sqlite://PATH or postgres://USER@HOST/DB. Default: sqlite://<data-dir>/sensate.db.
    #[arg(long, env = "SENSATE_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
}

impl DbArgs {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data.data_dir.join("sensate.db").display()))
    }
}

#[derive(Debug, Clone, Args)]
pub struct ListenArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SENSATE_LISTEN", default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// The address people use to reach Sensate, e.g. https://therapy.example.org (used in links and to decide
    /// cookie security). Default: http://<listen>.
    #[arg(long, env = "SENSATE_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Reverse proxies whose X-Forwarded-For header names the client, as address blocks separated by commas
    /// (e.g. 127.0.0.1,10.0.0.0/8). Only connections from them are read that way; by default no header is
    /// believed.
    #[arg(long, env = "SENSATE_TRUSTED_PROXIES", value_name = "CIDRS", value_delimiter = ',')]
    pub trusted_proxies: Vec<sensate_web::proxy::Cidr>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub listen: ListenArgs,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub mail: MailArgs,
    /// Booking requests accepted from one network address in any hour (1 to 1000000). Raise it when many
    /// visitors share an address, e.g. behind a clinic's or a mobile carrier's network.
    #[arg(
        long,
        env = "SENSATE_BOOKING_REQUESTS_PER_HOUR",
        default_value_t = sensate_app::scheduling::booking::DEFAULT_BOOKING_REQUESTS_PER_HOUR,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000),
        value_name = "N",
        allow_hyphen_values = true
    )]
    pub booking_requests_per_hour: u32,
    #[command(flatten)]
    pub reminders: ReminderArgs,
    #[command(flatten)]
    pub hashing: HashingArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub listen: ListenArgs,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub mail: MailArgs,
    /// Run the demo as if it were this moment (e.g. 2027-03-05T14:00:00Z), time moving on from there: to
    /// explore dates such as a daylight-saving change on any day. Default: the real time.
    #[arg(long, env = "SENSATE_DEMO_NOW", value_name = "INSTANT")]
    pub now: Option<String>,
    /// Also list N synthetic therapists in the directory (0 to 1000000): fictional profiles around the 50
    /// largest US metro areas, each with a verified licence, to try the search at scale. Adding 100000 takes
    /// about 20 seconds on a small machine.
    #[arg(long, env = "SENSATE_DEMO_THERAPISTS", default_value = "0", value_name = "N", allow_hyphen_values = true)]
    pub therapists: String,
    #[command(flatten)]
    pub reminders: ReminderArgs,
    #[command(flatten)]
    pub hashing: HashingArgs,
}

impl DemoArgs {
    /// `--now` as an instant, or a message saying what is expected.
    pub fn now(&self) -> Result<Option<jiff::Timestamp>, String> {
        let Some(text) = &self.now else { return Ok(None) };
        text.trim().parse::<jiff::Timestamp>().map(Some).map_err(|_| {
            format!(
                "--now (SENSATE_DEMO_NOW) must be a moment with its offset, such as 2027-03-05T14:00:00Z; got '{text}'"
            )
        })
    }

    /// `--therapists` as a number, or a message saying what is expected.
    pub fn therapists(&self) -> Result<u32, String> {
        let max = sensate_app::demo::MAX_DEMO_THERAPISTS;
        let text = self.therapists.trim();
        text.parse::<u32>().ok().filter(|n| text.bytes().all(|b| b.is_ascii_digit()) && *n <= max).ok_or_else(|| {
            format!(
                "--therapists (SENSATE_DEMO_THERAPISTS) must be a whole number from 0 to {max}, \
                 how many synthetic therapists to list; got '{}'",
                self.therapists
            )
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// Where to write the backup. Must not exist yet.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// A backup written by `sensate backup`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
    /// Replace an existing database. Without it, restore refuses to overwrite.
    #[arg(long)]
    pub force: bool,
}

/// `sensate default-config`: every setting, commented, as an environment file
/// (usable as a systemd `EnvironmentFile`).
pub const DEFAULT_CONFIG: &str = "\
# Sensate configuration.
# Each setting is an environment variable and a command-line flag (shown in brackets).
# Lines starting with # are defaults; uncomment and edit to change them.

# Address and port the server listens on [--listen].
# Behind a reverse proxy keep 127.0.0.1; to listen on every interface use 0.0.0.0:8080.
#SENSATE_LISTEN=127.0.0.1:8080

# Directory for the SQLite database and other local files [--data-dir].
# Created on first start. Back it up (see `sensate backup`).
#SENSATE_DATA_DIR=./data

# Database [--database-url]. Default: sqlite://<data-dir>/sensate.db
#   sqlite://data/sensate.db                relative path
#   sqlite:///var/lib/sensate/sensate.db    absolute path
#   postgres://sensate@db.internal/sensate  PostgreSQL (several app servers)
#SENSATE_DATABASE_URL=

# The address people use to reach Sensate [--base-url]. Default: http://<listen>.
# Set it to your https:// address in production: cookies then become Secure and
# host-bound (__Host- prefix) and browsers are told to use HTTPS only (HSTS).
#SENSATE_BASE_URL=https://therapy.example.org

# Reverse proxies whose X-Forwarded-For header names the client [--trusted-proxies]:
# address blocks separated by commas, e.g. 127.0.0.1 for a proxy on this machine.
# Only connections from them are read that way. Default: none, and then every
# visitor has the proxy's address in the audit log and the per-address limits.
#SENSATE_TRUSTED_PROXIES=

# Outgoing mail (invitations, password resets) [--smtp-url, --mail-from].
#   smtp://127.0.0.1:25                      a local relay, no TLS
#   smtp+starttls://user:pass@mail.example.org:587
#   smtps://user:pass@mail.example.org:465
# Without it, staff see invitation links on screen and password resets cannot be emailed.
#SENSATE_SMTP_URL=
# The sender; its name shows in inbox lists on account emails, so keep it
# neutral (a practice's emails use the practice's discreet sender name).
#SENSATE_MAIL_FROM=Sensate <noreply@localhost>

# Booking requests accepted from one network address in any hour
# [--booking-requests-per-hour], 1 to 1000000. Raise it when many visitors share
# an address (a clinic's network, a mobile carrier); the form's other checks
# against automated requests still apply.
#SENSATE_BOOKING_REQUESTS_PER_HOUR=5

# Reminder emails before each confirmed appointment [--reminders]: hours, minutes
# or days separated by commas (24h,2h or 90m or 2d), or none to send no reminders.
# They name the practice, the time and the format only, unless the practice's
# settings say otherwise. They need --smtp-url (without it, the demo keeps them on /outbox).
#SENSATE_REMINDERS=24h,2h

# Password hashes (sign-ins, password changes) run at once [--password-hashes],
# 1 to 64. Each holds 19 MiB of memory while it runs. Requests beyond these wait
# up to 2 seconds for their turn, then are asked to try again in a few seconds
# (HTTP 503 with Retry-After). Raise it on a server with more cores and memory.
#SENSATE_PASSWORD_HASHES=2

# The encryption key for clinical text, instead of the key file <data-dir>/master.key.
# Format: one key per line, v<N>:<64 hex digits>; lines may be separated by ';'.
# Keep it apart from the database and its backups. `sensate rotate-key` adds a version.
#SENSATE_MASTER_KEY=

# Log detail: error, warn, info, debug. Logs never contain health information.
#RUST_LOG=info
";

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(therapists: &str) -> DemoArgs {
        DemoArgs {
            listen: ListenArgs {
                listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                base_url: None,
                trusted_proxies: Vec::new(),
            },
            data: DataArgs { data_dir: PathBuf::from("data") },
            mail: MailArgs { smtp_url: None, mail_from: String::new() },
            now: None,
            therapists: therapists.to_string(),
            reminders: ReminderArgs { reminders: "24h,2h".into() },
            hashing: HashingArgs { password_hashes: 2 },
        }
    }

    #[test]
    fn the_demo_moment_needs_its_offset() {
        let at = |text: &str| DemoArgs { now: Some(text.to_string()), ..demo("0") }.now();
        assert_eq!(at("2027-03-10T14:00:00Z"), Ok(Some("2027-03-10T14:00:00Z".parse().unwrap())));
        assert_eq!(at(" 2027-03-10T09:00:00-05:00 "), Ok(Some("2027-03-10T14:00:00Z".parse().unwrap())));
        assert_eq!(demo("0").now(), Ok(None));
        for bad in ["2027-03-10", "2027-03-10T14:00:00", "tomorrow", ""] {
            assert!(at(bad).unwrap_err().contains(&format!("got '{bad}'")));
        }
    }

    #[test]
    fn reminder_times_are_read_or_explained_with_the_setting_name() {
        let offsets = |text: &str| ReminderArgs { reminders: text.into() }.offsets();
        assert_eq!(offsets("24h,2h").unwrap().len(), 2);
        assert_eq!(offsets("none"), Ok(vec![]));
        let message = offsets("2 hours").unwrap_err();
        assert!(
            message.starts_with("--reminders (SENSATE_REMINDERS): ") && message.ends_with("got '2 hours'"),
            "{message}"
        );
    }

    #[test]
    fn trusted_proxies_are_address_blocks_separated_by_commas() {
        let parse = |value: &str| Cli::try_parse_from(["sensate", "demo", "--trusted-proxies", value]);
        let Ok(Cli { command: Command::Demo(args), .. }) = parse("127.0.0.1,10.0.0.0/8") else {
            panic!("two blocks parse");
        };
        assert_eq!(args.listen.trusted_proxies.len(), 2);
        let refused = parse("10.0.0.0/33").expect_err("a prefix past 32 is refused").to_string();
        assert!(refused.contains("'10.0.0.0/33' is not an address block"), "{refused}");
    }

    #[test]
    fn synthetic_therapists_are_a_bounded_whole_number() {
        assert_eq!(demo("0").therapists(), Ok(0));
        assert_eq!(demo(" 100000 ").therapists(), Ok(100_000));
        assert_eq!(demo("1000000").therapists(), Ok(1_000_000));
        for bad in ["-3", "1000001", "99999999999", "1e5", "+5", "ten", ""] {
            let message = demo(bad).therapists().unwrap_err();
            assert!(message.contains(&format!("got '{bad}'")) && message.contains("0 to 1000000"), "{message}");
        }
    }
}
