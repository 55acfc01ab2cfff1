use jiff::Timestamp;
use sensate_domain::Clock;

/// The real clock. Tests use `sensate_testkit::FakeClock` instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}
