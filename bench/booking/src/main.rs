//! Booking benchmark: visitors' booking requests sustained under load, on
//! SQLite (WAL, `synchronous=FULL`) and on PostgreSQL, each next to the
//! engine's own raw commit rate measured in the same run.
//!
//! Every measured request is the real use case, `App::request_booking`, with
//! the form a visitor sends (checked field by field, free text encrypted):
//! the limit per address, the minimum time to submit, the free-time check
//! over two weeks, the held appointment and the request in one transaction,
//! the hit recorded for the limit, the audit entry and the confirmation email
//! (handed to a mailer that only counts). `CONCURRENCY` visitors book at
//! once, each request for a distinct free time of one of `THERAPISTS`
//! therapists, so every one is a real, successful booking; a request that
//! is not is reported and makes the run invalid.
//!
//! Baselines, same run, same database server or file system:
//! - SQLite: a loop of single-row INSERT commits on one connection to a file
//!   with the store's pragmas (WAL, `synchronous=FULL`);
//! - PostgreSQL: `pgbench -N` (the simple-update script) with as many
//!   clients as booking workers, on a scratch database.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use sensate_app::directory::synthetic::{SyntheticDirectory, SyntheticOptions};
use sensate_app::infra::SystemClock;
use sensate_app::infra::crypto::KeyRing;
use sensate_app::infra::mailer::{Email, MailError, Mailer};
use sensate_app::scheduling::booking::{BookingChoice, BookingInput, BookingOptions, BookingOutcome, SessionKind};
use sensate_app::{App, AppConfig};
use sensate_domain::UserId;
use sensate_domain::scheduling::SessionFormat;
use sensate_domain::scheduling::availability::Slot;
use sensate_store::{AvailabilityRecord, Migrate, SessionTypeRecord, Store, WeeklyHoursRecord};

use sensate_bench_common::{BenchDb, Failure, percentile};

const SEED: u64 = 0xb00c_1a7e_5e45_a7e0;

/// Knobs, from the environment.
struct Settings {
    engines: Vec<String>,
    postgres_url: Option<String>,
    therapists: usize,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
    baseline: Duration,
    /// SQLite baseline: how many commit loops at once.
    baseline_writers: usize,
}

fn env_number(name: &str, default: u64) -> Result<u64, Failure> {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().map_err(|_| format!("{name} must be a whole number, got '{text}'").into()),
        Err(_) => Ok(default),
    }
}

impl Settings {
    fn from_env() -> Result<Self, Failure> {
        let postgres_url = std::env::var("POSTGRES_URL").ok().filter(|u| !u.is_empty());
        let engines = std::env::var("ENGINES")
            .unwrap_or_else(|_| if postgres_url.is_some() { "sqlite,postgres" } else { "sqlite" }.to_string())
            .split(',')
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect::<Vec<_>>();
        if let Some(bad) = engines.iter().find(|e| *e != "sqlite" && *e != "postgres") {
            return Err(format!("ENGINES lists '{bad}'; use sqlite, postgres or both").into());
        }
        if engines.iter().any(|e| e == "postgres") && postgres_url.is_none() {
            return Err("ENGINES includes postgres: set POSTGRES_URL (a server where a database may be created)".into());
        }
        let settings = Self {
            engines,
            postgres_url,
            therapists: usize::try_from(env_number("THERAPISTS", 40)?)?.max(1),
            concurrency: usize::try_from(env_number("CONCURRENCY", 16)?)?.max(1),
            warmup: Duration::from_secs(env_number("WARMUP", 2)?),
            duration: Duration::from_secs(env_number("DURATION", 10)?.max(1)),
            baseline: Duration::from_secs(env_number("BASELINE", 5)?.max(1)),
            baseline_writers: usize::try_from(env_number("BASELINE_WRITERS", 1)?)?.max(1),
        };
        Ok(settings)
    }
}

/// Confirmation emails are counted, not sent: SMTP is not what is measured.
#[derive(Default)]
struct CountingMailer(AtomicU64);

#[async_trait::async_trait]
impl Mailer for CountingMailer {
    async fn send(&self, _email: &Email) -> Result<(), MailError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// What one engine's run measured.
struct Figures {
    engine: &'static str,
    baseline_name: &'static str,
    baseline_rate: f64,
    baseline_spread: String,
    bookings: usize,
    rate: f64,
    p50: Duration,
    p99: Duration,
}

/// One baseline measurement.
struct Baseline {
    name: &'static str,
    rate: f64,
    latency: String,
}

async fn baseline(engine: &str, db: &BenchDb, settings: &Settings) -> Result<Baseline, Failure> {
    if engine == "sqlite" {
        let dir = db.dir.as_ref().ok_or("a SQLite run has a directory")?;
        let (rate, p50, p99) = sqlite_commits(dir.path(), settings.baseline, settings.baseline_writers).await?;
        Ok(Baseline {
            name: if settings.baseline_writers == 1 {
                "raw SQLite commits, 1 writer"
            } else {
                "raw SQLite commits, concurrent writers (BASELINE_WRITERS)"
            },
            rate,
            latency: format!("p50 {} ms, p99 {} ms", ms(p50), ms(p99)),
        })
    } else {
        let admin = settings.postgres_url.as_deref().ok_or("no POSTGRES_URL")?;
        let (rate, latency) = pgbench_simple_update(admin, settings.concurrency, settings.baseline).await?;
        Ok(Baseline { name: "pgbench -N (simple update)", rate, latency })
    }
}

/// The raw commit rate of SQLite on this file system: single-row INSERTs,
/// each its own transaction, with the store's pragmas, from `writers` loops
/// at once (over a pool of at most 8 connections with a 10 s busy timeout,
/// as the store has).
async fn sqlite_commits(
    dir: &std::path::Path,
    length: Duration,
    writers: usize,
) -> Result<(f64, Duration, Duration), Failure> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
    let options = SqliteConnectOptions::new()
        .filename(dir.join("baseline.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new().max_connections(u32::try_from(writers.min(8))?).connect_with(options).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS commits (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, payload BLOB NOT NULL)",
    )
    .execute(&pool)
    .await?;
    let started = Instant::now();
    let mut loops = Vec::new();
    for _ in 0..writers {
        let pool = pool.clone();
        loops.push(tokio::spawn(async move {
            let payload = vec![7u8; 200];
            let mut latencies = Vec::new();
            while started.elapsed() < length {
                let begun = Instant::now();
                sqlx::query("INSERT INTO commits (at, payload) VALUES ($1, $2)")
                    .bind(Timestamp::now().as_second())
                    .bind(&payload)
                    .execute(&pool)
                    .await?;
                latencies.push(begun.elapsed());
            }
            Ok::<_, sqlx::Error>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for handle in loops {
        latencies.extend(handle.await??);
    }
    let elapsed = started.elapsed();
    pool.close().await;
    latencies.sort_unstable();
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    Ok((rate, percentile(&latencies, 0.5), percentile(&latencies, 0.99)))
}

/// pgbench's simple-update rate (`-N`) with `clients` clients, on a scratch
/// database of the same server: (transactions/s, pgbench's latency line).
async fn pgbench_simple_update(admin: &str, clients: usize, length: Duration) -> Result<(f64, String), Failure> {
    let db = BenchDb::create("postgres", Some(admin), "sensate_pgbench").await?;
    let result = run_pgbench(&db.url, clients, length);
    db.drop_database().await?;
    result
}

fn run_pgbench(url: &str, clients: usize, length: Duration) -> Result<(f64, String), Failure> {
    let init = std::process::Command::new("pgbench").args(["-i", "-q", "-s", "1", url]).output()?;
    if !init.status.success() {
        return Err(format!("pgbench -i failed: {}", String::from_utf8_lossy(&init.stderr)).into());
    }
    let threads = clients.min(std::thread::available_parallelism().map_or(1, |n| n.get()));
    let run = std::process::Command::new("pgbench")
        .args(["-N", "-c", &clients.to_string(), "-j", &threads.to_string(), "-T", &length.as_secs().to_string(), url])
        .output()?;
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    if !run.status.success() {
        return Err(format!("pgbench -N failed: {}{}", text, String::from_utf8_lossy(&run.stderr)).into());
    }
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.trim_start_matches("tps = ").split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .ok_or_else(|| format!("no tps line in pgbench's report:\n{text}"))?;
    let latency = text
        .lines()
        .find(|l| l.starts_with("latency average"))
        .map(|l| l.replace("latency average = ", "average "))
        .unwrap_or_default();
    Ok((tps, latency))
}

/// One therapist a visitor can book, and the free times handed out to the workers.
struct Bookable {
    options: BookingOptions,
    kind: SessionKind,
    jurisdiction: String,
    slots: Vec<Slot>,
}

/// Synthetic therapists (the directory's one generator), each practice with
/// a free 20-minute trial consultation by video, and every therapist with
/// video hours 07:00–21:00 New York time every day for 90 days.
async fn seed(app: &App, store: &Arc<dyn Store>, therapists: usize) -> Result<Vec<Bookable>, Failure> {
    let now = Timestamp::from_second(Timestamp::now().as_second())?;
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let options = SyntheticOptions { seed: SEED, today, now, all_listed: true };
    let batch = SyntheticDirectory::generate(options, therapists)?;
    store.import_directory(&batch, now).await?;
    for practice in &batch.practices {
        store
            .insert_session_type(&SessionTypeRecord {
                id: sensate_domain::SessionTypeId::new(),
                practice_id: practice.id,
                name: "Trial consultation".into(),
                duration_minutes: 20,
                fee_cents: Some(0),
                in_person: false,
                telehealth: true,
                participants: sensate_domain::scheduling::Participants::Either,
                trial: true,
                needs_approval: true,
                active: true,
                created_at: now,
            })
            .await?;
    }
    let new_york = sensate_domain::TimeZoneName::parse("America/New_York")?;
    let mut bookable = Vec::new();
    for record in &batch.profiles {
        let therapist: UserId = record.profile.user_id;
        store
            .save_availability(&AvailabilityRecord {
                clinician_id: therapist,
                time_zone: new_york.clone(),
                buffer_before_minutes: 0,
                buffer_after_minutes: 0,
                min_notice_minutes: 60,
                horizon_days: 90,
                max_per_day: None,
                slot_step_minutes: 30,
                weekly: (1..=7)
                    .map(|weekday| WeeklyHoursRecord {
                        weekday,
                        start_minute: 7 * 60,
                        end_minute: 21 * 60,
                        format: SessionFormat::Telehealth,
                        office_id: None,
                    })
                    .collect(),
                overrides: Vec::new(),
                updated_at: now,
            })
            .await?;
        // Only therapists who offer video and accept new clients can be booked this way.
        let Some(options) = app.scheduling().booking_options(therapist).await? else { continue };
        let Some(kind) = options.session_types.iter().find(|t| t.telehealth).cloned() else { continue };
        let Some(jurisdiction) = options.licensed_in.first().cloned() else { continue };
        // From a day ahead, so no time falls inside the hour's notice during the run.
        let from = now + SignedDuration::from_hours(24);
        let slots = app
            .scheduling()
            .bookable_slots(&options, &kind, SessionFormat::Telehealth, from, now + SignedDuration::from_hours(24 * 88))
            .await?;
        bookable.push(Bookable { options, kind, jurisdiction, slots });
    }
    Ok(bookable)
}

/// The `n`-th booking of the run: therapists in turn, each one's free times in order.
fn job(bookable: &[Bookable], n: usize) -> Option<(&Bookable, &Slot)> {
    let therapist = &bookable[n % bookable.len()];
    therapist.slots.get(n / bookable.len()).map(|slot| (therapist, slot))
}

enum Outcome {
    Booked,
    Taken,
    Failed(String),
}

struct Sample {
    finished: Instant,
    started: Instant,
    outcome: Outcome,
}

async fn measure_engine(engine: &str, settings: &Settings) -> Result<Figures, Failure> {
    let name = if engine == "sqlite" { "SQLite" } else { "PostgreSQL" };
    println!();
    println!("## {name}");
    let db = BenchDb::create(engine, settings.postgres_url.as_deref(), "sensate_bench_booking").await?;
    let result = measure_engine_in(engine, name, &db, settings).await;
    db.drop_database().await?;
    result
}

async fn measure_engine_in(
    engine: &str,
    name: &'static str,
    db: &BenchDb,
    settings: &Settings,
) -> Result<Figures, Failure> {
    // The baseline is measured before and after the bookings, and the two
    // averaged: on a shared machine the cost of a commit (an fsync, which
    // also flushes other processes' writes) moves from minute to minute.
    let before = baseline(engine, db, settings).await?;
    println!("baseline before: {}: {:.0}/s ({})", before.name, before.rate, before.latency);
    let store: Arc<dyn Store> = sensate_store::connect(&db.url, Migrate::Apply).await?;
    let mailer = Arc::new(CountingMailer::default());
    let app = App::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(KeyRing::generate()?),
        mailer.clone(),
        AppConfig::default(),
    );
    app.verify_key_ring().await?;
    let seeding = Instant::now();
    let bookable = Arc::new(seed(&app, &store, settings.therapists).await?);
    if bookable.is_empty() {
        return Err("no synthetic therapist offers video sessions to new clients; raise THERAPISTS".into());
    }
    let capacity: usize = bookable.iter().map(|b| b.slots.len()).min().unwrap_or(0) * bookable.len();
    println!(
        "{} bookable therapists (of {}), {} free times handed out in turn; seeded in {:.1} s",
        bookable.len(),
        settings.therapists,
        capacity,
        seeding.elapsed().as_secs_f64()
    );
    // The form was "shown" now; a person needs 3 seconds to fill it in.
    let stamp = app.scheduling().booking_form_stamp()?;
    tokio::time::sleep(Duration::from_millis(3_100)).await;

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let measure_from = started + settings.warmup;
    let stop_at = measure_from + settings.duration;
    let mut workers = Vec::new();
    for _ in 0..settings.concurrency {
        let (app, bookable, next, stamp) = (app.clone(), bookable.clone(), next.clone(), stamp.clone());
        workers.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < stop_at {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some((therapist, slot)) = job(&bookable, n) else { break };
                let choice = BookingChoice { session_type: therapist.kind.id, format: slot.format, start: slot.start };
                let input = BookingInput {
                    name: format!("Visitor {n}"),
                    email: format!("visitor{n}@visitor.example"),
                    concern: "low-desire".into(),
                    message: "We would like to talk about how things have changed between us.".into(),
                    payment: "self_pay".into(),
                    discreet_email: true,
                    consent_privacy: true,
                    consent_adult: true,
                    jurisdiction: therapist.jurisdiction.clone(),
                    visitor_time_zone: "America/Chicago".into(),
                    stamp: stamp.clone(),
                    ..BookingInput::default()
                };
                // Every visitor comes from an address of their own.
                let ip = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
                let begun = Instant::now();
                let outcome = match app.scheduling().request_booking(&therapist.options, choice, &input, &ip).await {
                    Ok(BookingOutcome::CheckEmail { .. }) => Outcome::Booked,
                    Ok(BookingOutcome::Taken { .. }) => Outcome::Taken,
                    Err(error) => Outcome::Failed(error.to_string()),
                };
                samples.push(Sample { started: begun, finished: Instant::now(), outcome });
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.await?);
    }

    let total_booked = samples.iter().filter(|s| matches!(s.outcome, Outcome::Booked)).count();
    let taken = samples.iter().filter(|s| matches!(s.outcome, Outcome::Taken)).count();
    let failures: Vec<&String> =
        samples.iter().filter_map(|s| if let Outcome::Failed(e) = &s.outcome { Some(e) } else { None }).collect();
    if taken > 0 || !failures.is_empty() {
        return Err(format!(
            "invalid run: {taken} requests found their time taken and {} failed (first: {:?}); every request \
             should be a distinct free time",
            failures.len(),
            failures.first()
        )
        .into());
    }
    if next.load(Ordering::Relaxed) > capacity {
        return Err("ran out of free times before the end; lower DURATION or raise THERAPISTS".into());
    }
    // What the database holds must match: every booking one held time, one email.
    let mut held = 0;
    for therapist in bookable.iter() {
        held += store.busy_times(therapist.options.therapist, Timestamp::now(), Timestamp::now()).await?.len();
    }
    if held != total_booked || mailer.0.load(Ordering::Relaxed) != total_booked as u64 {
        return Err(format!(
            "invalid run: {total_booked} bookings answered, {held} held times stored, {} emails",
            mailer.0.load(Ordering::Relaxed)
        )
        .into());
    }

    let after = baseline(engine, db, settings).await?;
    println!("baseline after: {}: {:.0}/s ({})", after.name, after.rate, after.latency);
    let mut measured: Vec<Duration> = samples
        .iter()
        .filter(|s| s.started >= measure_from && s.finished <= stop_at)
        .map(|s| s.finished - s.started)
        .collect();
    measured.sort_unstable();
    let rate = measured.len() as f64 / settings.duration.as_secs_f64();
    store.close().await;
    let figures = Figures {
        engine: name,
        baseline_name: before.name,
        baseline_rate: (before.rate + after.rate) / 2.0,
        baseline_spread: format!("{:.0} before, {:.0} after", before.rate, after.rate),
        bookings: measured.len(),
        rate,
        p50: percentile(&measured, 0.5),
        p99: percentile(&measured, 0.99),
    };
    println!(
        "bookings: {} in {} s after {} s of warm-up ({} in all, every one held and emailed): {:.0}/s, p50 {} ms, p99 {} ms, {:.1} % of the baseline",
        figures.bookings,
        settings.duration.as_secs(),
        settings.warmup.as_secs(),
        total_booked,
        figures.rate,
        ms(figures.p50),
        ms(figures.p99),
        100.0 * figures.rate / figures.baseline_rate
    );
    Ok(figures)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Failure> {
    // `RUST_LOG=sqlx::query=debug` lists every statement with how long it
    // took, on standard error: where a booking's time goes. Off by default.
    if let Ok(filter) = std::env::var("RUST_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .init();
    }
    let settings = Settings::from_env()?;
    println!("# Booking benchmark");
    println!();
    println!(
        "{} UTC; {} cores; {} therapists; {} visitors booking at once; {} s warm-up, {} s measured; baselines {} s",
        Timestamp::now().strftime("%Y-%m-%d %H:%M"),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        settings.therapists,
        settings.concurrency,
        settings.warmup.as_secs(),
        settings.duration.as_secs(),
        settings.baseline.as_secs()
    );
    let mut all = Vec::new();
    for engine in &settings.engines {
        all.push(measure_engine(engine, &settings).await?);
    }
    println!();
    println!(
        "| engine | baseline | baseline/s (mean of before and after) | bookings/s | p50 ms | p99 ms | bookings / baseline |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for f in &all {
        println!(
            "| {} | {} ({}) | {:.0} | {:.0} | {} | {} | {:.1} % |",
            f.engine,
            f.baseline_name,
            f.baseline_spread,
            f.baseline_rate,
            f.rate,
            ms(f.p50),
            ms(f.p99),
            100.0 * f.rate / f.baseline_rate
        );
    }
    Ok(())
}
