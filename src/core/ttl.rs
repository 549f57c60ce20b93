//! A bounded map whose entries expire: the shape of every per-wallet answer Dixie reuses
//! (conviction tiers, Finn's identity lookups). Past `capacity`, expired entries go, then all,
//! so memory stays bounded whatever the keys.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub struct TtlMap<V> {
    capacity: usize,
    entries: Mutex<HashMap<String, (Instant, V)>>,
}

impl<V: Clone> TtlMap<V> {
    pub fn new(capacity: usize) -> Self {
        TtlMap {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value under `key` while `now` is before its expiry.
    pub fn get(&self, key: &str, now: Instant) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(expires, _)| *expires > now)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value` under `key` until `expires`.
    pub fn put(&self, key: String, value: V, expires: Instant, now: Instant) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (until, _)| *until > now);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (expires, value));
    }

    /// Forgets `key` (a later `get` misses until the next `put`).
    pub fn remove(&self, key: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn entries_expire() {
        let map = TtlMap::new(10);
        let t0 = Instant::now();
        map.put("a".into(), 1, t0 + Duration::from_secs(5), t0);
        assert_eq!(map.get("a", t0), Some(1));
        assert_eq!(map.get("a", t0 + Duration::from_secs(5)), None);
    }

    #[test]
    fn a_full_map_drops_expired_entries_first_then_all() {
        let map = TtlMap::new(3);
        let t0 = Instant::now();
        let (short, long) = (t0 + Duration::from_secs(1), t0 + Duration::from_secs(60));
        map.put("old".into(), 0, short, t0);
        map.put("b".into(), 1, long, t0);
        map.put("c".into(), 2, long, t0);
        let later = t0 + Duration::from_secs(2);
        map.put("d".into(), 3, long, later);
        assert_eq!(map.len(), 3);
        assert_eq!(map.get("b", later), Some(1));
        map.put("e".into(), 4, long, later);
        assert_eq!(map.len(), 1, "nothing expired: cleared, then the new entry");
        assert_eq!(map.get("e", later), Some(4));
    }
}
