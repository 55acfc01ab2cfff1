//! Time is a parameter: code that needs "now" receives a [`Clock`], so tests
//! can move time forward and scheduling rules stay deterministic.
use jiff::Timestamp;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}
