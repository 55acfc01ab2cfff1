//! Latency percentiles.
use std::time::Duration;

/// The `fraction` percentile (0.5 for the median) of an ascending list,
/// by the nearest-rank method; zero for an empty list.
pub fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}
