//! What the in-process benchmarks share.
pub mod bench_db;
pub mod percentile;

pub use bench_db::{BenchDb, Failure};
pub use percentile::percentile;
