use jiff::{SignedDuration, Timestamp};
use sensate_domain::Clock;

/// The real clock. Tests use `sensate_testkit::FakeClock` instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// The real clock moved by a fixed amount: time passes as usual, from
/// another starting point. Only the demo uses it (`sensate demo --now`), so
/// that dates such as a daylight-saving change can be explored on any day.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    offset: SignedDuration,
}

impl ShiftedClock {
    /// A clock that reads `start` now and moves on from there.
    pub fn starting_at(start: Timestamp) -> Self {
        Self { offset: start.duration_since(Timestamp::now()) }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> Timestamp {
        Timestamp::now().saturating_add(self.offset).unwrap_or(Timestamp::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_starts_where_asked_and_keeps_moving() {
        let start: Timestamp = "2027-03-05T14:00:00Z".parse().unwrap();
        let clock = ShiftedClock::starting_at(start);
        let first = clock.now();
        assert!(first >= start && first.duration_since(start) < SignedDuration::from_secs(5), "{first}");
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(clock.now() > first);
    }
}
