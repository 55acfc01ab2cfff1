//! Refused requests of people who are not signed in, counted per minute so
//! that a flood of them cannot flood the audit writer: the first refusal of
//! its kind (action, route or record, address) in a minute is written at
//! once, as before; the rest of that minute are only counted here, and once
//! the minute is over the count is written as one entry. A refusal answers
//! as fast whether it is written or counted.
//!
//! Nothing here does I/O; `App::audit_refusal` and the audit sealer's loop
//! write what it says.
use std::collections::HashMap;
use std::sync::Mutex;

use sensate_domain::PracticeId;

/// Kinds of refusal counted in one minute at most; past that, the rest of
/// the minute is counted per kind without the address, so many addresses
/// cannot make the map grow without bound.
const MAX_KINDS: usize = 10_000;

/// The address under which refusals past [`MAX_KINDS`] are counted.
pub(crate) const MANY_ADDRESSES: &str = "many addresses";

/// One kind of refusal in one minute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Kind {
    /// Minutes since the Unix epoch.
    pub minute: i64,
    pub practice: Option<PracticeId>,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub ip: String,
    pub outcome: String,
}

/// Whether a refusal is the first of its kind this minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Write it now.
    First,
    /// Counted; written with the others when the minute is over.
    Again,
}

/// Refusals of the current and recent minutes: how many came after the first.
#[derive(Default)]
pub(crate) struct Refusals {
    repeats: Mutex<HashMap<Kind, u32>>,
}

impl Refusals {
    /// Counts one refusal.
    pub(crate) fn count(&self, mut kind: Kind) -> Seen {
        let mut repeats = self.repeats.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !repeats.contains_key(&kind) && repeats.len() >= MAX_KINDS {
            kind.ip = MANY_ADDRESSES.to_string();
        }
        match repeats.get_mut(&kind) {
            Some(more) => {
                *more = more.saturating_add(1);
                Seen::Again
            }
            None => {
                repeats.insert(kind, 0);
                Seen::First
            }
        }
    }

    /// Forgets every kind of minutes before `minute`, giving back those
    /// that came again (with how many more), to be written.
    pub(crate) fn take_before(&self, minute: i64) -> Vec<(Kind, u32)> {
        let mut repeats = self.repeats.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let done: Vec<Kind> = repeats.keys().filter(|kind| kind.minute < minute).cloned().collect();
        let mut taken: Vec<(Kind, u32)> = done
            .into_iter()
            .filter_map(|kind| repeats.remove(&kind).filter(|more| *more > 0).map(|more| (kind, more)))
            .collect();
        taken.sort_by(|a, b| (a.0.minute, &a.0.action, &a.0.ip).cmp(&(b.0.minute, &b.0.action, &b.0.ip)));
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(minute: i64, ip: &str) -> Kind {
        Kind {
            minute,
            practice: None,
            action: "forgery_token_wrong".into(),
            record_type: "route".into(),
            record_id: "/login".into(),
            ip: ip.into(),
            outcome: "denied".into(),
        }
    }

    #[test]
    fn the_first_of_a_minute_is_written_the_rest_counted() {
        let refusals = Refusals::default();
        assert_eq!(refusals.count(kind(10, "192.0.2.1")), Seen::First);
        for _ in 0..56 {
            assert_eq!(refusals.count(kind(10, "192.0.2.1")), Seen::Again);
        }
        // Another address, or the next minute, is a kind of its own.
        assert_eq!(refusals.count(kind(10, "192.0.2.2")), Seen::First);
        assert_eq!(refusals.count(kind(11, "192.0.2.1")), Seen::First);
        assert_eq!(refusals.count(kind(11, "192.0.2.1")), Seen::Again);
        // Minute 10 is over: its repeats are given back once; minute 11 is not over.
        assert_eq!(refusals.take_before(11), vec![(kind(10, "192.0.2.1"), 56)]);
        assert!(refusals.take_before(11).is_empty(), "given back once");
        assert_eq!(refusals.take_before(12), vec![(kind(11, "192.0.2.1"), 1)]);
        // Forgotten: the same kind in a minute already taken starts again.
        assert_eq!(refusals.count(kind(10, "192.0.2.1")), Seen::First);
    }

    #[test]
    fn many_addresses_cannot_grow_the_count_without_bound() {
        let refusals = Refusals::default();
        for n in 0..MAX_KINDS {
            assert_eq!(refusals.count(kind(5, &format!("10.0.{}.{}", n / 256, n % 256))), Seen::First);
        }
        // Past the bound, new addresses are counted together.
        assert_eq!(refusals.count(kind(5, "203.0.113.1")), Seen::First);
        assert_eq!(refusals.count(kind(5, "203.0.113.2")), Seen::Again);
        assert_eq!(refusals.count(kind(5, "203.0.113.3")), Seen::Again);
        let taken = refusals.take_before(6);
        assert_eq!(taken, vec![(kind(5, MANY_ADDRESSES), 2)]);
    }
}
