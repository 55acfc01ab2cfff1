//! `sensate`: see `sensate --help`.
use std::process::ExitCode;

use clap::Parser;
use sensate_server::cli::Cli;
use tracing_subscriber::EnvFilter;

/// jemalloc instead of glibc's malloc: it gives freed memory back to the
/// system, so a burst of sign-ins (19 MiB per password hash) or the demo's
/// start-up does not leave the process large. With the crate's feature
/// `unprefixed_malloc_on_supported_platforms` it also serves the C code's
/// `malloc` (SQLite), whose freed start-up memory glibc kept as well. glibc
/// kept the freed hash buffers in per-thread arenas (500-770 MiB after a few
/// seconds of sign-ins); mimalloc kept about 100 MiB. Figures:
/// bench/README.md. No `unsafe` here: the crate implements `GlobalAlloc`.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("sensate: error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(sensate_server::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sensate: error: {error}");
            ExitCode::FAILURE
        }
    }
}
