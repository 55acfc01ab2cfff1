use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use sensate_domain::Clock;

/// A clock tests move by hand.
#[derive(Debug, Clone)]
pub struct FakeClock(Arc<Mutex<Timestamp>>);

impl FakeClock {
    pub fn at(instant: &str) -> Self {
        Self(Arc::new(Mutex::new(instant.parse().expect("an RFC 3339 instant"))))
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }

    pub fn set(&self, instant: Timestamp) {
        *self.0.lock().unwrap() = instant;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}
