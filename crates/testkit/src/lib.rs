//! Test support for Sensate: a fresh database of either engine per test, the
//! real server on port 0, a fake clock, an HTTP client that keeps cookies.
//!
//! PostgreSQL tests run when `SENSATE_TEST_POSTGRES_URL` names a server on
//! which the user may create databases (e.g. `postgres://postgres@127.0.0.1/postgres`);
//! each test gets its own database, dropped afterwards, even when it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod clock;
mod db;
pub mod smtp_sink;
mod spawn;

pub use clock::FakeClock;
pub use db::{POSTGRES_ENV, TestDb};
pub use spawn::{
    LAKESIDE, Owner, TRIAL_CONSULTATION, TUESDAY_MORNINGS, TestApp, Tweak, between, hidden_value, spawn_app,
    spawn_app_with, spawn_app_with_mail, spawn_demo, spawn_demo_with_therapists,
};

/// Parses iCalendar text with Python's `icalendar` package (an independent
/// implementation): one line per event, "uid|start|end|summary|status".
pub fn parse_with_python_icalendar(ics: &str) -> String {
    use std::io::Write;
    let script = [
        "import sys, icalendar",
        "cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())",
        "for e in cal.walk('VEVENT'):",
        "    fields = [e['UID'], e.decoded('DTSTART'), e.decoded('DTEND'), e['SUMMARY'], e['STATUS']]",
        "    print('|'.join(str(f) for f in fields))",
    ]
    .join("\n");
    let mut child = std::process::Command::new("python3")
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (scripts/test.sh installs the icalendar package)");
    child.stdin.take().unwrap().write_all(ics.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "icalendar could not read the calendar: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Generates one test per engine for each `async fn name(db: TestDb) { … }`:
/// `name::sqlite` always runs; `name::postgres` runs when
/// `SENSATE_TEST_POSTGRES_URL` is set and says it was skipped otherwise.
#[macro_export]
macro_rules! on_both_engines {
    ($(async fn $name:ident($db:ident: TestDb) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($db: $crate::TestDb) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run($crate::TestDb::sqlite()).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    match $crate::TestDb::postgres().await {
                        Some(db) => run(db).await,
                        None => eprintln!("skipped: {} is not set", $crate::POSTGRES_ENV),
                    }
                }
            }
        )*
    };
}
