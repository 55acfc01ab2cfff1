//! When each profile can next be booked: a column beside one index, for
//! "next available" on result cards and for sorting by soonest available.
//!
//! Free times are computed elsewhere (they need hours and bookings) and only
//! now and then; between two computations time passes. So each profile keeps
//! its first few free times and its minimum notice, and a search as of `now`
//! uses the first time that can still be offered (`start - notice >= now`):
//! a time in the past or inside the notice is never shown or sorted on.
//! When all of them have passed, the profile has no known time until the
//! column is computed again.
use jiff::{SignedDuration, Timestamp};

use super::DirectoryIndex;

/// Free times kept per profile.
pub const KEPT: usize = 4;

/// A kept time: the last instant it may still be offered (its start less
/// the notice) and its start, in seconds. Side by side, so a search reads one
/// pair per profile in the usual case that the first time is still good.
type Kept = [i64; 2];

/// Padding: never offered.
const NONE: Kept = [i64::MIN, i64::MAX];

/// Upcoming free times by index position. Built for one index: positions
/// are that index's, so a column must be rebuilt with its index.
#[derive(Debug, Clone)]
pub struct NextFree {
    /// `KEPT` times per position, by start, padded with [`NONE`].
    kept: Vec<Kept>,
    /// How many profiles the index holds.
    len: usize,
}

impl NextFree {
    /// A column where no profile of `index` has a free time yet.
    pub fn for_index(index: &DirectoryIndex) -> Self {
        Self { kept: vec![NONE; index.len() * KEPT], len: index.len() }
    }

    /// Records a profile's first free times (ascending; those past `KEPT`
    /// are ignored) and its minimum notice. False when the index does not
    /// hold the profile.
    pub fn set(&mut self, index: &DirectoryIndex, id: &str, notice: SignedDuration, starts: &[Timestamp]) -> bool {
        let Some(at) = index.position(id) else { return false };
        let at = at as usize;
        let Some(slots) = self.kept.get_mut(at * KEPT..(at + 1) * KEPT) else { return false };
        slots.fill(NONE);
        for (slot, start) in slots.iter_mut().zip(starts) {
            let start = start.as_second();
            *slot = [start.saturating_sub(notice.as_secs()), start];
        }
        slots.sort_unstable_by_key(|&[_, start]| start);
        true
    }

    /// Whether the column was built for an index of `len` profiles.
    pub(super) fn fits(&self, len: usize) -> bool {
        self.len == len
    }

    /// The first free time of position `i` that can still be offered at `now`
    /// (in seconds), if any.
    #[inline]
    pub(super) fn first(&self, i: u32, now: i64) -> Option<i64> {
        self.first_kept(i, now).map(|[_, start]| start)
    }

    /// The same time with the last second it may still be offered (`[until,
    /// start]`): after `until` the profile's next time is a later one, or none.
    #[inline]
    pub(super) fn first_kept(&self, i: u32, now: i64) -> Option<Kept> {
        let i = i as usize;
        self.kept.get(i * KEPT..(i + 1) * KEPT)?.iter().find(|[until, _]| *until >= now).copied()
    }

    /// Up to `n` of position `i`'s kept times that can still be offered at
    /// `now`, soonest first: the times a result card offers as buttons.
    pub fn upcoming(&self, i: u32, now: Timestamp, n: usize) -> Vec<Timestamp> {
        let (i, now) = (i as usize, now.as_second());
        let kept = self.kept.get(i * KEPT..(i + 1) * KEPT).unwrap_or_default();
        kept.iter()
            .filter(|[until, start]| *until >= now && *start != i64::MAX)
            .take(n)
            .filter_map(|[_, start]| Timestamp::from_second(*start).ok())
            .collect()
    }

    /// How many profiles have at least one time that can be offered at `now`.
    pub fn bookable_count(&self, now: Timestamp) -> usize {
        let now = now.as_second();
        (0..self.len).filter(|&i| self.first(i as u32, now).is_some()).count()
    }

    /// Heap memory held, in bytes.
    pub fn heap_size_bytes(&self) -> usize {
        self.kept.capacity() * 16
    }
}
