//! The `sensate` binary as an operator meets it: bad input gives one clear
//! line and a non-zero exit and changes nothing; backup and restore work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use sensate_store::{Migrate, NewPractice};

fn sensate(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sensate"))
        .args(args)
        .env_remove("SENSATE_DATABASE_URL")
        .env_remove("SENSATE_LISTEN")
        .env_remove("SENSATE_BASE_URL")
        .env_remove("SENSATE_DEMO_THERAPISTS")
        .env_remove("SENSATE_DEMO_NOW")
        .env_remove("SENSATE_SMTP_URL")
        .env("SENSATE_DATA_DIR", data_dir)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A failure: exit 1 and exactly one line on stderr, containing `expected`.
fn assert_one_line_error(output: &Output, expected: &str) {
    assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
    let text = stderr(output);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line, got: {text}");
    assert!(lines[0].starts_with("sensate: error: "), "{text}");
    assert!(lines[0].contains(expected), "expected '{expected}' in: {text}");
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn unknown_subcommands_and_flags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = sensate(&["serv"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unrecognized subcommand 'serv'"));
    assert!(stderr(&output).contains("a similar subcommand exists: 'serve'"));
    let output = sensate(&["serve", "--port", "80"], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unexpected argument '--port'"));
    assert!(files_in(dir.path()).is_empty(), "nothing created");
}

#[test]
fn help_and_default_config_document_every_setting() {
    let dir = tempfile::tempdir().unwrap();
    let help = sensate(&["serve", "--help"], dir.path());
    let help = String::from_utf8_lossy(&help.stdout);
    let config = sensate(&["default-config"], dir.path());
    assert!(config.status.success());
    let config = String::from_utf8_lossy(&config.stdout);
    for (flag, env) in [
        ("--listen", "SENSATE_LISTEN"),
        ("--data-dir", "SENSATE_DATA_DIR"),
        ("--database-url", "SENSATE_DATABASE_URL"),
        ("--base-url", "SENSATE_BASE_URL"),
        ("--trusted-proxies", "SENSATE_TRUSTED_PROXIES"),
        ("--booking-requests-per-hour", "SENSATE_BOOKING_REQUESTS_PER_HOUR"),
        ("--password-hashes", "SENSATE_PASSWORD_HASHES"),
    ] {
        assert!(help.contains(flag) && help.contains(env), "serve --help documents {flag} and {env}");
        assert!(config.contains(&format!("#{env}=")) && config.contains(flag), "default-config documents {env}");
    }
    assert!(config.contains("#SENSATE_LISTEN=127.0.0.1:8080"));
    assert!(config.contains("#SENSATE_BOOKING_REQUESTS_PER_HOUR=5"));
    assert!(help.contains("[default: 5]"), "the booking limit's default is shown: {help}");
    assert!(config.contains("#SENSATE_PASSWORD_HASHES=2"));
    assert!(
        help.contains("[env: SENSATE_PASSWORD_HASHES=] [default: 2]"),
        "the hashing pool's default is shown: {help}"
    );
}

#[test]
fn the_number_of_password_hashes_at_once_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0", "-1", "65", "two"] {
        let output = sensate(&["serve", "--password-hashes", bad], dir.path());
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let text = stderr(&output);
        assert!(text.contains(&format!("invalid value '{bad}' for '--password-hashes <N>'")), "{text}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_sensate"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env("SENSATE_DATA_DIR", dir.path())
        .env("SENSATE_PASSWORD_HASHES", "100")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "demo reads it too: {}", stderr(&output));
    assert!(files_in(dir.path()).is_empty(), "nothing created");
}

#[test]
fn the_booking_limit_must_be_a_sensible_number() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0", "-1", "1000001", "many"] {
        let output = sensate(&["serve", "--booking-requests-per-hour", bad], dir.path());
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let text = stderr(&output);
        assert!(text.contains(&format!("invalid value '{bad}' for '--booking-requests-per-hour <N>'")), "{text}");
    }
    assert!(files_in(dir.path()).is_empty(), "nothing created");
}

#[test]
fn demo_therapists_must_be_a_sensible_number() {
    let dir = tempfile::tempdir().unwrap();
    let help = sensate(&["demo", "--help"], dir.path());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--therapists <N>") && help.contains("SENSATE_DEMO_THERAPISTS"), "{help}");
    for bad in ["-3", "1000001", "lots"] {
        let output = sensate(&["demo", "--listen", "127.0.0.1:0", "--therapists", bad], dir.path());
        assert_one_line_error(
            &output,
            &format!("must be a whole number from 0 to 1000000, how many synthetic therapists to list; got '{bad}'"),
        );
    }
    let output = Command::new(env!("CARGO_BIN_EXE_sensate"))
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env("SENSATE_DATA_DIR", dir.path())
        .env("SENSATE_DEMO_THERAPISTS", "1e6")
        .output()
        .unwrap();
    assert_one_line_error(&output, "--therapists (SENSATE_DEMO_THERAPISTS) must be a whole number");
    assert!(files_in(dir.path()).is_empty(), "nothing created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_with_synthetic_therapists_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sensate"))
        .args(["demo", "--listen", "127.0.0.1:0", "--therapists", "50"])
        .env("SENSATE_DATA_DIR", dir.path())
        .env_remove("SENSATE_BASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut printed = Vec::new();
    let mut base = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Open ") {
            base = rest.split_whitespace().next().map(str::to_string);
            printed.push(line);
            break;
        }
        printed.push(line);
        assert!(Instant::now() < deadline, "the demo did not start: {printed:?}");
    }
    let base = base.unwrap_or_else(|| panic!("no address printed: {printed:?}"));
    assert!(printed.iter().any(|l| l.contains("50 of 50 synthetic therapists added (100 %)")), "{printed:?}");
    let page: serde_json::Value =
        reqwest::get(format!("{base}/api/v1/therapists")).await.unwrap().json().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(page["total"], 53, "three demo therapists and fifty synthetic ones");
}

#[test]
fn demo_now_must_be_a_moment_with_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["next spring", "2027-03-05", "2027-03-05T14:00:00"] {
        let output = sensate(&["demo", "--listen", "127.0.0.1:0", "--now", bad], dir.path());
        assert_one_line_error(
            &output,
            &format!(
                "--now (SENSATE_DEMO_NOW) must be a moment with its offset, such as 2027-03-05T14:00:00Z; got '{bad}'"
            ),
        );
    }
    assert!(files_in(dir.path()).is_empty(), "nothing created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_as_of_the_moment_given() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sensate"))
        .args(["demo", "--listen", "127.0.0.1:0", "--now", "2027-03-05T14:00:00Z"])
        .env("SENSATE_DATA_DIR", dir.path())
        .env_remove("SENSATE_BASE_URL")
        .env_remove("SENSATE_SMTP_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut printed = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.starts_with("Press Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    let base = printed
        .iter()
        .find_map(|l| l.strip_prefix("Open ").and_then(|rest| rest.split_whitespace().next()))
        .unwrap_or_else(|| panic!("no address printed: {printed:?}"))
        .to_string();
    assert!(
        printed.iter().any(|l| l == "The demo runs as if it were 2027-03-05T14:00:00Z; time moves on from there."),
        "{printed:?}"
    );
    // The demo's therapists offer their first free times from that moment on, not from today.
    let search = reqwest::get(format!("{base}/therapists")).await.unwrap().text().await.unwrap();
    let profile = sensate_testkit::between(&search, "href=\"/therapists/", "\"").unwrap();
    let page = reqwest::get(format!("{base}/therapists/{profile}")).await.unwrap().text().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let next = sensate_testkit::between(&page, "<strong>Next free time:</strong>", "</p>").unwrap();
    assert!(next.contains("Mar 8, 2027"), "{next}");
}

#[test]
fn unknown_database_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let output = sensate(&["serve", "--database-url", "mysql://root@localhost/sensate"], dir.path());
    assert_one_line_error(&output, "the database URL scheme 'mysql' is not supported; use sqlite://PATH");
    let output = sensate(&["migrate", "--database-url", "data/sensate.db"], dir.path());
    assert_one_line_error(&output, "the database URL has no scheme");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn data_dir_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let output = sensate(&["serve", "--listen", "127.0.0.1:0"], &file);
    assert_one_line_error(&output, "it is a file, not a directory; choose another with --data-dir or SENSATE_DATA_DIR");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn port_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = sensate(&["serve", "--listen", &addr], dir.path());
    assert_one_line_error(&output, &format!("cannot listen on {addr}: the address is already in use"));
}

#[tokio::test]
async fn database_from_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sensate.db");
    let url = format!("sqlite://{}", db.display());
    let store = sensate_store::connect(&url, Migrate::Apply).await.unwrap();
    store.close().await;
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (999, 'future', 1, x'00', 0)")
            .execute(&mut conn).await.unwrap();
        // Everything into the database file itself, so that what is compared
        // below is the whole database and not a file still waiting for its log.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let output = sensate(&["serve", "--listen", "127.0.0.1:0"], dir.path());
    assert_one_line_error(&output, "schema version 999, newer than this Sensate knows");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database file is unchanged");
}

#[test]
fn serve_prints_a_one_time_setup_link_on_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sensate"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SENSATE_DATA_DIR", dir.path())
        .env_remove("SENSATE_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut link = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(at) = line.find("/setup?token=") {
            link = Some(line[at..].trim().to_string());
            break;
        }
        assert!(Instant::now() < deadline, "no set-up link printed");
    }
    let _ = child.kill();
    let _ = child.wait();
    let link = link.expect("a set-up link");
    assert_eq!(link.len(), "/setup?token=".len() + 64);
    assert!(dir.path().join("sensate.db").exists(), "the schema is created on first start");
}

#[tokio::test]
async fn serve_refuses_the_demo_database_and_demo_refuses_a_real_one() {
    let dir = tempfile::tempdir().unwrap();
    let demo_db = dir.path().join("demo.db");
    let store = sensate_store::connect(&format!("sqlite://{}", demo_db.display()), Migrate::Apply).await.unwrap();
    store.meta_set("mode", "demo").await.unwrap();
    store.close().await;
    let output = sensate(
        &["serve", "--listen", "127.0.0.1:0", "--database-url", &format!("sqlite://{}", demo_db.display())],
        dir.path(),
    );
    assert_one_line_error(&output, "holds the fictional demo practice");

    let other = tempfile::tempdir().unwrap();
    let real = sensate_store::connect(&format!("sqlite://{}", other.path().join("demo.db").display()), Migrate::Apply)
        .await
        .unwrap();
    real.insert_practice(&practice("A real practice")).await.unwrap();
    real.close().await;
    let output = sensate(&["demo", "--listen", "127.0.0.1:0"], other.path());
    assert_one_line_error(&output, "is not a Sensate demo database");
}

fn practice(name: &str) -> NewPractice {
    NewPractice {
        id: sensate_domain::PracticeId::new(),
        name: name.into(),
        time_zone: sensate_domain::TimeZoneName::parse("UTC").unwrap(),
        created_at: jiff::Timestamp::UNIX_EPOCH,
    }
}

#[tokio::test]
async fn backup_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sensate.db").display());
    let store = sensate_store::connect(&url, Migrate::Apply).await.unwrap();
    store.insert_practice(&practice("Before the backup")).await.unwrap();

    let backup = dir.path().join("backup-1.db");
    let output = sensate(&["backup", backup.to_str().unwrap()], dir.path());
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Backup written to"));
    // Taken while the database was open: a later write is not in the backup.
    store.insert_practice(&practice("After the backup")).await.unwrap();
    store.close().await;

    let again = sensate(&["backup", backup.to_str().unwrap()], dir.path());
    assert_one_line_error(&again, "already exists; backups never overwrite a file");

    let refused = sensate(&["restore", backup.to_str().unwrap()], dir.path());
    assert_one_line_error(&refused, "already exists; stop the server, back it up, then run restore again with --force");

    let garbage = dir.path().join("not-a-backup.db");
    std::fs::write(&garbage, b"this is not a database").unwrap();
    let refused = sensate(&["restore", "--force", garbage.to_str().unwrap()], dir.path());
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("not-a-backup.db"), "{}", stderr(&refused));

    let store = sensate_store::connect(&url, Migrate::Apply).await.unwrap();
    assert_eq!(store.practice_count().await.unwrap(), 2, "failed restores changed nothing");
    store.close().await;

    let restored = sensate(&["restore", "--force", backup.to_str().unwrap()], dir.path());
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(String::from_utf8_lossy(&restored.stdout).contains("1 practice(s)"));
    let store = sensate_store::connect(&url, Migrate::Apply).await.unwrap();
    assert_eq!(store.practice_count().await.unwrap(), 1, "the database is as it was at the backup");
    store.close().await;
}

#[test]
fn backup_of_postgres_points_to_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let output = sensate(&["backup", "x.dump", "--database-url", "postgres://u@127.0.0.1/sensate"], dir.path());
    assert_one_line_error(&output, "use pg_dump --format=custom");
}

fn event(action: &str) -> sensate_store::AuditEvent {
    sensate_store::AuditEvent {
        at: jiff::Timestamp::UNIX_EPOCH,
        actor_id: None,
        practice_id: None,
        action: action.into(),
        record_type: "user".into(),
        record_id: "r".into(),
        ip: "127.0.0.1".into(),
        outcome: "allowed".into(),
    }
}

#[tokio::test]
async fn audit_verify_seals_prints_a_head_and_finds_edits_and_a_cut_tail() {
    let dir = tempfile::tempdir().unwrap();
    sensate_app::infra::crypto::KeyRing::load_or_create(&dir.path().join("master.key"), None).unwrap();
    let url = format!("sqlite://{}", dir.path().join("sensate.db").display());
    let store = sensate_store::connect(&url, Migrate::Apply).await.unwrap();
    store.append_audit(["login", "view_client", "logout"].map(event).to_vec()).await.unwrap();
    assert_eq!(store.pending_audit_entries().await.unwrap(), 3, "written, waiting for the sealer");
    store.close().await;

    // The command seals what is pending, verifies, and prints the head.
    let ok = sensate(&["audit", "verify"], dir.path());
    assert!(ok.status.success(), "{}", stderr(&ok));
    let out = String::from_utf8_lossy(&ok.stdout).to_string();
    assert!(out.contains("The audit log is intact: 3 entries"), "{out}");
    let head = out.lines().find_map(|l| l.strip_prefix("Head: ")).expect("a head line").to_string();
    assert!(head.starts_with("3:"), "{head}");
    let again = sensate(&["audit", "verify", "--expect", &head], dir.path());
    assert!(again.status.success(), "the recorded head is still in the chain: {}", stderr(&again));

    let bad_head = sensate(&["audit", "verify", "--expect", "3:xyz"], dir.path());
    assert_eq!(bad_head.status.code(), Some(2), "a malformed head is a usage error");
    assert!(stderr(&bad_head).contains("the hash is not 64 hexadecimal characters"), "{}", stderr(&bad_head));

    // Cutting off the newest entry leaves a head that names a missing one;
    // with the stored head put back to match, the recorded head still tells.
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_delete").execute(&mut conn).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
    let cut = sensate(&["audit", "verify"], dir.path());
    assert_one_line_error(
        &cut,
        "the audit chain is broken at entry 3: the chain does not end where the sealer left it",
    );
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DELETE FROM meta WHERE key = 'audit_head'").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
    let headless = sensate(&["audit", "verify"], dir.path());
    assert_one_line_error(&headless, "the stored head is missing");

    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_update").execute(&mut conn).await.unwrap();
        sqlx::query("UPDATE audit_log SET action = 'nothing_to_see' WHERE seq = 2").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
    let broken = sensate(&["audit", "verify"], dir.path());
    assert_one_line_error(
        &broken,
        "the audit chain is broken at entry 2: its contents were changed after it was written",
    );
}

#[tokio::test]
async fn rotate_key_reencrypts_every_field_under_a_new_version() {
    use sensate_app::infra::crypto::{Binding, KeyRing};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sensate.db").display());
    let store = sensate_store::connect(&url, Migrate::Apply).await.unwrap();
    let practice = practice("Keys");
    store.insert_practice(&practice).await.unwrap();
    let client = sensate_domain::UserId::new();
    store
        .insert_user(&sensate_store::NewUser {
            id: client,
            email: sensate_domain::Email::parse("c@example.org").unwrap(),
            display_name: "C".into(),
            password_hash: "x".into(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
        })
        .await
        .unwrap();
    let key_file = dir.path().join("master.key");
    let (keys, _) = KeyRing::load_or_create(&key_file, None).unwrap();
    let profile = sensate_domain::ClientProfileId::new();
    let id = profile.to_string();
    let binding = Binding::new("client_profiles", "contact_preferences", &id);
    let sealed = keys.encrypt(&binding, "Text only after 6 pm").unwrap();
    assert!(
        store.put_client_contact(profile, practice.id, client, &sealed, jiff::Timestamp::UNIX_EPOCH).await.unwrap()
    );
    store.close().await;

    let refused = Command::new(env!("CARGO_BIN_EXE_sensate"))
        .args(["rotate-key"])
        .env("SENSATE_DATA_DIR", dir.path())
        .env("SENSATE_MASTER_KEY", keys.to_text().as_str())
        .output()
        .unwrap();
    assert_one_line_error(&refused, "the key comes from SENSATE_MASTER_KEY");

    let rotated = sensate(&["rotate-key"], dir.path());
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    assert!(
        String::from_utf8_lossy(&rotated.stdout)
            .contains("Encryption key version 2 is now in use; 1 encrypted value(s)")
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);

    let (ring, _) = KeyRing::load_or_create(&key_file, None).unwrap();
    assert_eq!(ring.versions().collect::<Vec<_>>(), vec![1, 2], "old versions stay for old backups");
    let store = sensate_store::connect(&url, Migrate::Apply).await.unwrap();
    let stored = store.client_profile(practice.id, client).await.unwrap().unwrap().contact_preferences.unwrap();
    store.close().await;
    assert_eq!(KeyRing::stored_version(&stored), Some(2));
    assert_eq!(ring.decrypt(&binding, &stored).unwrap().expose(), "Text only after 6 pm");
    assert!(keys.decrypt(&binding, &stored).is_err(), "the old ring alone cannot read it");
}

#[tokio::test]
async fn restore_refuses_a_backup_of_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo-copy.db");
    let store = sensate_store::connect(&format!("sqlite://{}", demo.display()), Migrate::Apply).await.unwrap();
    store.meta_set("mode", "demo").await.unwrap();
    store.close().await;
    let output = sensate(&["restore", demo.to_str().unwrap()], dir.path());
    assert_one_line_error(&output, "is a backup of the fictional demo practice");
    assert!(!dir.path().join("sensate.db").exists(), "nothing restored");
}

/// Starts `sensate serve` on `data_dir` with `env`, and returns it once it
/// says it is serving (its stdout is read to that line).
fn serving(data_dir: &Path, env: &[(&str, &str)]) -> std::process::Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sensate"));
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SENSATE_DATA_DIR", data_dir)
        .env_remove("SENSATE_DATABASE_URL")
        .env_remove("SENSATE_MASTER_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    for line in BufReader::new(stdout).lines() {
        if line.unwrap().contains("Press Ctrl-C") {
            return child;
        }
        assert!(Instant::now() < deadline, "the server did not start");
    }
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    panic!("the server stopped: {}", stderr(&output));
}

#[tokio::test]
async fn restore_refuses_while_a_server_uses_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = serving(dir.path(), &[]);
    let backup = dir.path().join("backup.db");
    let taken = sensate(&["backup", backup.to_str().unwrap()], dir.path());
    assert!(taken.status.success(), "a backup is taken while serving: {}", stderr(&taken));
    let before = std::fs::read(dir.path().join("sensate.db")).unwrap();

    let refused = sensate(&["restore", "--force", backup.to_str().unwrap()], dir.path());
    assert_one_line_error(&refused, "a Sensate server is using");
    assert_one_line_error(&refused, "stop every server that uses it, then run restore again");
    assert_eq!(std::fs::read(dir.path().join("sensate.db")).unwrap(), before, "the database is untouched");

    let _ = server.kill();
    let _ = server.wait();
    let restored = sensate(&["restore", "--force", backup.to_str().unwrap()], dir.path());
    assert!(restored.status.success(), "once the server is gone: {}", stderr(&restored));
}

#[test]
fn a_server_does_not_start_while_a_restore_replaces_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let restoring = sensate_server::db_lock::DatabaseLock::for_restore(&dir.path().join("sensate.db")).unwrap();
    let output = sensate(&["serve", "--listen", "127.0.0.1:0"], dir.path());
    assert_one_line_error(
        &output,
        "is being replaced by `sensate restore`; start the server once the restore has finished",
    );
    assert!(!dir.path().join("sensate.db").exists(), "nothing created");
    drop(restoring);
}

/// With PostgreSQL and the key in the environment, a server needs no
/// directory of its own: here the data directory is a file, which would
/// otherwise be refused (`data_dir_that_is_a_file`).
#[tokio::test]
async fn with_postgres_and_the_key_in_the_environment_no_data_directory_is_needed() {
    let Some(db) = sensate_testkit::TestDb::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let not_a_directory = dir.path().join("not-a-dir");
    std::fs::write(&not_a_directory, "x").unwrap();
    let key = format!("v1:{}", "ab".repeat(32));
    let mut server =
        serving(&not_a_directory, &[("SENSATE_DATABASE_URL", db.url.as_str()), ("SENSATE_MASTER_KEY", key.as_str())]);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(std::fs::read_to_string(&not_a_directory).unwrap(), "x");
    assert_eq!(files_in(dir.path()), vec!["not-a-dir".to_string()], "nothing written beside it");

    // Without the key in the environment the directory holds it, so it is still needed.
    let output = sensate(&["serve", "--listen", "127.0.0.1:0", "--database-url", &db.url], &not_a_directory);
    assert_one_line_error(&output, "it is a file, not a directory");
}

#[tokio::test]
async fn a_key_from_another_installation_is_refused_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let first = Command::new(env!("CARGO_BIN_EXE_sensate"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("SENSATE_DATA_DIR", dir.path())
        .env_remove("SENSATE_DATABASE_URL")
        .env_remove("SENSATE_MASTER_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = first;
    let stdout = first.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines() {
        if line.unwrap().contains("Press Ctrl-C") {
            break;
        }
    }
    let _ = first.kill();
    let _ = first.wait();
    assert!(dir.path().join("master.key").exists());
    std::fs::remove_file(dir.path().join("master.key")).unwrap();
    let output = sensate(&["serve", "--listen", "127.0.0.1:0"], dir.path());
    assert_one_line_error(&output, "the encryption key does not open this database's encrypted fields");
}
