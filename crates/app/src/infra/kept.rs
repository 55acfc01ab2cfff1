//! What a server keeps in memory for the version it was read at.
//!
//! A kept value is given out only for exactly the version it was kept for,
//! so a change that moved the version (read afresh for each request, see
//! [`super::versions`]) is never hidden by it. What the version means, and
//! what else can make a value stale, is for each user to say
//! ([`crate::identity::sessions`], [`crate::scheduling::coming`]).
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// Values by key, all kept for one version. At most `most` are kept; past
/// that the map starts afresh (simpler than choosing what to drop, and
/// rare: `most` is set above what a server serves at once).
pub(crate) struct Kept<V, K, T> {
    most: usize,
    inner: std::sync::Mutex<Inner<V, K, T>>,
}

struct Inner<V, K, T> {
    version: V,
    values: HashMap<K, T>,
}

impl<V, K, T> Kept<V, K, T>
where
    V: Copy + PartialOrd + Default,
    K: Eq + Hash,
    T: Clone,
{
    pub(crate) fn new(most: usize) -> Self {
        Self { most, inner: std::sync::Mutex::new(Inner { version: V::default(), values: HashMap::new() }) }
    }

    /// The value kept for `key` at exactly `version`, if `still` holds for it.
    pub(crate) fn get<Q>(&self, version: V, key: &Q, still: impl FnOnce(&T) -> bool) -> Option<T>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let inner = self.lock();
        if inner.version != version {
            return None;
        }
        inner.values.get(key).filter(|value| still(value)).cloned()
    }

    /// Keeps a value read after the version was `version`. A newer version
    /// starts afresh; a value read against an older one than is kept is not
    /// kept (it may be older than what is).
    pub(crate) fn keep(&self, version: V, key: K, value: T) {
        let mut inner = self.lock();
        if version < inner.version {
            return;
        }
        if version != inner.version || inner.values.len() >= self.most {
            inner.version = version;
            inner.values.clear();
        }
        inner.values.insert(key, value);
    }

    /// Changes a kept value in place (to note what was just written).
    pub(crate) fn update<Q>(&self, key: &Q, change: impl FnOnce(&mut T))
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        if let Some(value) = self.lock().values.get_mut(key) {
            change(value);
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().values.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<V, K, T>> {
        // Each change leaves the map whole: a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_given_only_for_its_version_and_while_it_still_holds() {
        let kept: Kept<i64, String, &str> = Kept::new(10);
        kept.keep(3, "a".into(), "Robin");
        assert_eq!(kept.get(3, "a", |_| true), Some("Robin"));
        assert_eq!(kept.get(3, "b", |_| true), None, "never kept");
        assert_eq!(kept.get(4, "a", |_| true), None, "something changed since");
        assert_eq!(kept.get(3, "a", |_| false), None, "no longer holds");
        kept.update("a", |value| *value = "Robin Q.");
        assert_eq!(kept.get(3, "a", |_| true), Some("Robin Q."));
        // A newer version starts afresh; an older read is not kept over it.
        kept.keep(4, "b".into(), "Sam");
        assert_eq!(kept.get(4, "a", |_| true), None);
        kept.keep(3, "a".into(), "Robin");
        assert_eq!((kept.get(3, "a", |_| true), kept.len()), (None, 1));
    }

    #[test]
    fn the_number_kept_is_bounded() {
        let kept: Kept<i64, u32, u32> = Kept::new(16);
        for n in 0..100 {
            kept.keep(1, n, n);
        }
        assert!(kept.len() <= 16);
        assert_eq!(kept.get(1, &99, |_| true), Some(99), "the newest is kept");
    }
}
