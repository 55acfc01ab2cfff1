//! Wiring for the `sensate` binary: configuration, start-up checks and the
//! subcommands. `start` is also what the test harness runs, so tests exercise
//! the very code path production uses.
pub mod cli;
mod commands;
pub mod db_lock;
mod server;

pub use commands::run;
pub use server::{Mode, Running, StartError, StartOptions, start};
