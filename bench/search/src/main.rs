//! Directory search benchmark. Generates N synthetic profiles (default
//! 100 000, env `PROFILES`) with the one generator Sensate has
//! (`sensate_app::directory::synthetic`), builds a `DirectoryIndex` over them in memory,
//! runs a fixed mix of queries (env `ROUNDS` passes, default 3, after one
//! unmeasured warm-up pass) and prints latency per query shape next to a
//! baseline measured in the same run: a plain scan summing one field over all
//! N profiles.
//!
//! With `ENGINES=sqlite` (or `sqlite,postgres` and `POSTGRES_URL`), it also
//! stores the same profiles in each engine, times loading the index snapshot
//! from it (what a server does at start and after every directory change),
//! and runs the same mix through `App::search_directory`, which asks the
//! engine for the directory version on every search.
//!
//! Everything is deterministic (fixed seeds), so two runs search the same data
//! with the same queries and must print the same result checksum, in memory
//! and from every engine.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::civil::{Date, date};
use sensate_app::directory::next_free::next_free_times;
use sensate_app::directory::search::search_profile;
use sensate_app::directory::synthetic::{
    QUERY_SHAPES, SyntheticDirectory, SyntheticOptions, WITH_HOURS, query_mix, synthetic_schedules,
};
use sensate_app::infra::crypto::KeyRing;
use sensate_app::infra::mailer::OutboxMailer;
use sensate_app::{App, AppConfig};
use sensate_domain::Clock;
use sensate_domain::directory::search::{
    CertificationFact, DirectoryIndex, DirectoryProfile, LicenceFact, Office, SearchQuery, SearchResults, Sort,
};
use sensate_store::{Migrate, Store};
use sqlx::Connection;

use sensate_bench_common::{BenchDb, Failure, percentile};

const TODAY: Date = date(2026, 6, 1);
const NOW: &str = "2026-06-01T12:00:00Z";
const SEED: u64 = 0x5e45_a7e0_d1ec_7041;
const QUERY_SEED: u64 = SEED ^ 0xdead_beef;
const QUERIES_PER_SHAPE: usize = 100;
/// Profiles per transaction when filling an engine (as `sensate demo` does).
const IMPORT_BATCH: usize = 2_000;

fn options() -> Result<SyntheticOptions, Failure> {
    Ok(SyntheticOptions { seed: SEED, today: TODAY, now: NOW.parse()?, all_listed: false })
}

fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Peak resident set size so far (VmHWM).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn rss() -> String {
    rss_bytes().map_or_else(|| "n/a".to_string(), mib)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

/// A rough heap size of the input profiles (sum of string and vector capacities).
fn profiles_heap(profiles: &[DirectoryProfile]) -> u64 {
    let strings = |v: &[String]| v.iter().map(|s| s.capacity() + 24).sum::<usize>();
    let per: usize = profiles
        .iter()
        .map(|p| {
            std::mem::size_of::<DirectoryProfile>()
                + p.id.capacity()
                + p.display_name.capacity()
                + p.text.capacity()
                + strings(&p.concerns)
                + strings(&p.languages)
                + strings(&p.insurance)
                + p.gender.as_ref().map_or(0, String::capacity)
                + p.offices.iter().map(|o| std::mem::size_of::<Office>() + o.label.capacity()).sum::<usize>()
                + p.licences
                    .iter()
                    .map(|l| std::mem::size_of::<LicenceFact>() + l.jurisdiction.capacity())
                    .sum::<usize>()
                + p.certifications.len() * std::mem::size_of::<CertificationFact>()
        })
        .sum();
    per as u64
}

fn micros(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

fn baseline_scan(profiles: &[DirectoryProfile]) -> u64 {
    profiles.iter().map(|p| u64::from(p.min_fee_cents.unwrap_or(0))).sum()
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Latencies per shape, hit totals per shape, and a checksum of every hit's id
/// in the first measured round.
struct Measured {
    samples: Vec<Vec<Duration>>,
    totals: Vec<usize>,
    checksum: u64,
}

impl Measured {
    fn new() -> Self {
        Self { samples: vec![Vec::new(); QUERY_SHAPES.len()], totals: vec![0; QUERY_SHAPES.len()], checksum: FNV }
    }

    fn record(&mut self, round: usize, shape: usize, took: Duration, results: &SearchResults) {
        if round == 0 {
            return;
        }
        self.samples[shape].push(took);
        self.totals[shape] += results.total;
        if round == 1 {
            for hit in &results.hits {
                for byte in hit.id.bytes() {
                    self.checksum = (self.checksum ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
    }

    /// Prints the table; returns the overall (p50, p99).
    fn print(&self, baseline_p50: Duration) -> (Duration, Duration) {
        println!("| shape | queries | mean total | p50 µs | p99 µs | max µs | p50 / baseline |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        let ratio = |d: Duration| d.as_secs_f64() / baseline_p50.as_secs_f64().max(1e-12);
        let mut all: Vec<Duration> = Vec::new();
        for (s, shape) in QUERY_SHAPES.iter().enumerate() {
            let mut times = self.samples[s].clone();
            if times.is_empty() {
                continue;
            }
            times.sort_unstable();
            all.extend(&times);
            let p50 = percentile(&times, 0.5);
            println!(
                "| {} | {} | {} | {} | {} | {} | {:.2} |",
                shape.name,
                times.len(),
                self.totals[s] / times.len(),
                micros(p50),
                micros(percentile(&times, 0.99)),
                micros(times.last().copied().unwrap_or_default()),
                ratio(p50)
            );
        }
        all.sort_unstable();
        let (p50, p99) = (percentile(&all, 0.5), percentile(&all, 0.99));
        println!(
            "| **all** | {} | | {} | {} | {} | {:.2} |",
            all.len(),
            micros(p50),
            micros(p99),
            micros(all.last().copied().unwrap_or_default()),
            ratio(p50)
        );
        println!();
        println!(
            "targets: p50 ≤ 1 ms: {}; p99 ≤ 5 ms: {}",
            if p50 <= Duration::from_millis(1) { "met" } else { "NOT met" },
            if p99 <= Duration::from_millis(5) { "met" } else { "NOT met" }
        );
        println!("result checksum (ids of every hit, first measured round): {:016x}", self.checksum);
        (p50, p99)
    }
}

const FNV: u64 = 0xcbf2_9ce4_8422_2325;

fn main() -> Result<(), Failure> {
    let n = env_usize("PROFILES", 100_000);
    let rounds = env_usize("ROUNDS", 3).max(1);
    let only = std::env::var("ONLY").ok().and_then(|v| v.parse::<usize>().ok()).map(|o| o.saturating_sub(1));
    let engines: Vec<String> = std::env::var("ENGINES")
        .unwrap_or_default()
        .split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    if let Some(unknown) = engines.iter().find(|e| !matches!(e.as_str(), "sqlite" | "postgres")) {
        return Err(format!("ENGINES may list sqlite and postgres; '{unknown}' is neither").into());
    }
    let postgres_url = std::env::var("POSTGRES_URL").ok().filter(|u| !u.is_empty());
    if engines.iter().any(|e| e == "postgres") && postgres_url.is_none() {
        return Err("ENGINES=postgres needs POSTGRES_URL (a server where the bench may create a database)".into());
    }

    println!("# Directory search benchmark");
    println!();
    println!("profiles: {n}, today: {TODAY}, rounds: {rounds} (+1 warm-up), seed: {SEED:#x}");
    println!("RSS at start: {}", rss());

    let started = Instant::now();
    let batch = SyntheticDirectory::generate(options()?, n)?;
    let generated = started.elapsed();
    let now: Timestamp = NOW.parse()?;
    let schedules = synthetic_schedules(SEED, &batch, now);
    let records = batch.profiles;
    let profiles: Vec<DirectoryProfile> = records.into_iter().map(search_profile).collect();
    println!(
        "generated in {} (store records, then mapped as the app maps them); input profiles ≈ {} on the heap; RSS {}",
        ms(generated),
        mib(profiles_heap(&profiles)),
        rss()
    );

    // What freeing the input costs (build frees its input too, and the time includes it).
    let copy = profiles.clone();
    let started = Instant::now();
    drop(black_box(copy));
    let drop_input = started.elapsed();

    let input = profiles.clone();
    let rss_before_build = rss_bytes();
    let started = Instant::now();
    let index = DirectoryIndex::build(input);
    let build = started.elapsed();
    let rss_after_build = rss_bytes();
    println!(
        "index built in {} (of which ≈ {} freeing the input): {} profiles, {} listed today, {} distinct words",
        ms(build),
        ms(drop_input),
        index.len(),
        index.listed_count(now),
        index.vocabulary_len()
    );
    println!(
        "index heap (sum of capacities): {}; RSS before build {}, after {} (the input copy is freed by build)",
        mib(index.heap_size_bytes() as u64),
        rss_before_build.map_or_else(|| "n/a".into(), mib),
        rss_after_build.map_or_else(|| "n/a".into(), mib),
    );
    for (part, bytes) in index.heap_breakdown() {
        println!("  {part}: {}", mib(bytes as u64));
    }

    let mix = query_mix(QUERY_SEED, QUERIES_PER_SHAPE, only);
    for (_, query) in &mix {
        if let Err(errors) = query.validate() {
            println!("invalid query in the mix: {errors:?}");
        }
    }

    let mut measured = Measured::new();
    let mut baseline: Vec<Duration> = Vec::new();
    for round in 0..=rounds {
        for (q, (shape, query)) in mix.iter().enumerate() {
            let started = Instant::now();
            let results = black_box(index.search(black_box(query), now));
            measured.record(round, *shape, started.elapsed(), &results);
            if q % 6 == 0 {
                let started = Instant::now();
                black_box(baseline_scan(black_box(&profiles)));
                if round > 0 {
                    baseline.push(started.elapsed());
                }
            }
        }
    }
    baseline.sort_unstable();
    let base_p50 = percentile(&baseline, 0.5);
    println!();
    println!(
        "baseline (sum one field over all {n} profiles, Vec<DirectoryProfile>): p50 {} µs, p99 {} µs ({} samples)",
        micros(base_p50),
        micros(percentile(&baseline, 0.99)),
        baseline.len()
    );
    println!();
    println!("## In memory: DirectoryIndex::search");
    println!();
    measured.print(base_p50);
    println!(
        "RSS: {} (peak {}); this process also holds its own copy of the input profiles for the baseline",
        rss(),
        peak_rss_bytes().map_or_else(|| "n/a".into(), mib)
    );
    let memory_checksum = measured.checksum;

    println!();
    println!("## In memory with next free times: DirectoryIndex::search_with");
    println!();
    let with_hours = schedules.clinicians.len();
    let started = Instant::now();
    let (column, details) = next_free_times(&index, schedules, now);
    let computed = started.elapsed();
    println!(
        "next free times computed in {} (one thread) for {with_hours} therapists with hours ({:.0} % of those \
         taking new clients): {} bookable now; column heap {}, RSS {}",
        ms(computed),
        WITH_HOURS * 100.0,
        column.bookable_count(now),
        mib(column.heap_size_bytes() as u64),
        rss()
    );
    drop(details);
    let mut with_times = Measured::new();
    let mut soonest = Measured::new();
    for round in 0..=rounds {
        for (shape, query) in &mix {
            let started = Instant::now();
            let results = black_box(index.search_with(black_box(query), &column, now));
            with_times.record(round, *shape, started.elapsed(), &results);
            let by_soonest = SearchQuery { sort: Sort::Soonest, ..query.clone() };
            let started = Instant::now();
            let results = black_box(index.search_with(black_box(&by_soonest), &column, now));
            soonest.record(round, *shape, started.elapsed(), &results);
        }
    }
    println!("### The mix as it is, each hit with its next free time");
    println!();
    with_times.print(base_p50);
    println!();
    println!("### The same queries sorted by soonest available");
    println!();
    soonest.print(base_p50);
    println!("RSS: {} (peak {})", rss(), peak_rss_bytes().map_or_else(|| "n/a".into(), mib));
    drop(column);
    drop(index);
    drop(profiles);

    if engines.is_empty() {
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    for engine in &engines {
        let checksum = runtime.block_on(measure_engine(engine, postgres_url.as_deref(), n, rounds, &mix, base_p50))?;
        println!(
            "same results as in memory: {}",
            if checksum == memory_checksum { "yes (same checksum)" } else { "NO: the checksums differ" }
        );
    }
    Ok(())
}

struct FixedClock(Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// PostgreSQL: refreshes the planner's statistics after the bulk import, as
/// autovacuum soon would. Without them it misjudges the snapshot's queries
/// as expensive and compiles each one (JIT), which costs more than running it.
async fn analyze(db: &BenchDb) -> Result<(), Failure> {
    let mut conn = sqlx::PgConnection::connect(&db.url).await?;
    sqlx::query("ANALYZE").execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

/// Fills the engine with the same profiles, times the snapshot load and the
/// rebuild, then runs the mix through the app. Returns the result checksum.
async fn measure_engine(
    engine: &str,
    postgres_url: Option<&str>,
    n: usize,
    rounds: usize,
    mix: &[(usize, SearchQuery)],
    base_p50: Duration,
) -> Result<u64, Failure> {
    println!();
    println!("## {}: load from the database, then App::search_directory", engine_name(engine));
    println!();
    let db = BenchDb::create(engine, postgres_url, "sensate_bench").await?;
    let result = measure_engine_in(&db, n, rounds, mix, base_p50).await;
    db.drop_database().await?;
    result
}

fn engine_name(engine: &str) -> &'static str {
    if engine == "sqlite" { "SQLite" } else { "PostgreSQL" }
}

async fn measure_engine_in(
    db: &BenchDb,
    n: usize,
    rounds: usize,
    mix: &[(usize, SearchQuery)],
    base_p50: Duration,
) -> Result<u64, Failure> {
    let store: Arc<dyn Store> = sensate_store::connect(&db.url, Migrate::Apply).await?;
    let now: Timestamp = NOW.parse()?;
    let mut generator = SyntheticDirectory::new(options()?)?;
    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let size = (n - done).min(IMPORT_BATCH);
        let batch = generator.batch(size)?;
        store.import_directory(&batch, now).await?;
        done += size;
    }
    let imported = started.elapsed();
    println!(
        "import: {n} profiles (with their practices and managers) in {} — {:.0} profiles/s, transactions of {IMPORT_BATCH}",
        ms(imported),
        n as f64 / imported.as_secs_f64().max(1e-9)
    );
    println!("RSS after the import: {}", rss());
    if db.is_postgres() {
        let started = Instant::now();
        analyze(db).await?;
        println!("ANALYZE (statistics for the planner, as autovacuum would gather): {}", ms(started.elapsed()));
    }

    // The snapshot alone, then what a server does on a rebuild (version,
    // snapshot, mapping, index build), three times each.
    let mut loads = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let mut count = 0;
        store
            .visit_directory_profiles(&mut |record| {
                count += 1;
                black_box(record);
            })
            .await?;
        loads.push(started.elapsed());
        if count != n {
            return Err(format!("the snapshot has {count} profiles, not {n}").into());
        }
    }
    loads.sort_unstable();
    let rss_before = rss();
    let mut rebuilds = Vec::new();
    let mut app = None;
    for _ in 0..3 {
        let fresh = App::new(
            store.clone(),
            Arc::new(FixedClock(now)),
            Arc::new(KeyRing::generate()?),
            Arc::new(OutboxMailer::new(Arc::new(FixedClock(now)))),
            AppConfig::default(),
        );
        let started = Instant::now();
        fresh.directory().prepare_directory_index().await?;
        rebuilds.push(started.elapsed());
        app = Some(fresh);
    }
    rebuilds.sort_unstable();
    let app = app.ok_or("no app")?;
    println!(
        "snapshot load (store.visit_directory_profiles, {n} records): {} (min {}, max {} of 3)",
        ms(loads[1]),
        ms(loads[0]),
        ms(loads[2])
    );
    println!(
        "index rebuild as a server does it (version, snapshot, mapping, build): {} (min {}, max {} of 3)",
        ms(rebuilds[1]),
        ms(rebuilds[0]),
        ms(rebuilds[2])
    );
    println!(
        "RSS before the rebuilds {rss_before}, after {} (peak {})",
        rss(),
        peak_rss_bytes().map_or_else(|| "n/a".into(), mib)
    );

    let mut measured = Measured::new();
    for round in 0..=rounds {
        for (shape, query) in mix {
            let started = Instant::now();
            let results = app.directory().search_directory(query).await?;
            measured.record(round, *shape, started.elapsed(), &results);
        }
    }
    println!();
    println!("Each search also asks the database for the directory version (one small query).");
    println!();
    measured.print(base_p50);
    store.close().await;
    Ok(measured.checksum)
}
