//! A bounded memo shared between threads: a value made once per key is
//! reused by every later caller with an equal key, for the length of a run.
//!
//! Used where one run makes the same costly thing many times over (a font
//! subset per region's forms, a finished Word part per document, the cut
//! `styles.xml` of returns made from one template). The memo is exact (keys
//! compare whole) and bounded: when it holds its limit of entries it starts
//! again empty, so a long run never grows it without end. A poisoned lock
//! (a thread panicked while inserting) still holds complete entries, so it
//! is used as it is.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

/// Values by key, at most `limit` of them.
pub(crate) struct Memo<K, V> {
    map: Mutex<Option<HashMap<K, V>>>,
    limit: usize,
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    /// An empty memo that holds at most `limit` entries.
    pub(crate) const fn new(limit: usize) -> Self {
        Memo { map: Mutex::new(None), limit }
    }

    fn lock(&self) -> MutexGuard<'_, Option<HashMap<K, V>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The value kept for `key`, if any.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().as_ref().and_then(|m| m.get(key).cloned())
    }

    /// Keeps `value` for `key` (emptying the memo first when it is full).
    pub(crate) fn insert(&self, key: K, value: V) {
        let mut guard = self.lock();
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() >= self.limit {
            map.clear();
        }
        map.insert(key, value);
    }
}

impl<K, V> std::fmt::Debug for Memo<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memo").field("limit", &self.limit).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_memo_starts_again() {
        let memo: Memo<u32, &str> = Memo::new(2);
        assert_eq!(memo.get(&1), None);
        memo.insert(1, "a");
        memo.insert(2, "b");
        assert_eq!((memo.get(&1), memo.get(&2)), (Some("a"), Some("b")));
        memo.insert(3, "c");
        assert_eq!((memo.get(&1), memo.get(&2), memo.get(&3)), (None, None, Some("c")));
    }
}
