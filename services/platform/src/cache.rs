//! One small bounded cache, behind every cache of the system: the command path's stream states,
//! the read models' kept folds and views, the gateway's kept answers.
//!
//! A [`Kept`] is a map with a capacity. Every entry carries the tick of its last use; making room
//! for a new entry in a full map forgets the least recently used entries that are not in use
//! (what "in use" means is the owner's: a lane a command is waiting on, an answer being worked
//! out). Entries in use are never forgotten; when every entry is in use, the map holds more than
//! its capacity until some are not.
//!
//! The map does no locking of its own: its owner holds it behind the lock it already has. A hit
//! is one or two hash lookups and a tick, with no allocation; a key of a name and a tag
//! ([`Named`]) is looked up by `(tag, &str)`, without building the owned name.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// A bounded map that forgets its least recently used entries not in use.
pub struct Kept<K, V> {
    entries: HashMap<K, Entry<V>>,
    capacity: usize,
    /// The tick of the last use; every use takes the next one, so no two entries share one.
    tick: u64,
    in_use: fn(&V) -> bool,
    /// The ticks of the entries that may go, reused from one making of room to the next.
    scratch: Vec<u64>,
}

struct Entry<V> {
    value: V,
    used: u64,
}

impl<K: Hash + Eq, V> Kept<K, V> {
    /// A map of at most `capacity` entries (at least one), none of them ever in use.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            capacity: capacity.max(1),
            tick: 0,
            in_use: |_| false,
            scratch: Vec::new(),
        }
    }

    /// The same map, whose entries for which `in_use` holds are never forgotten.
    pub fn in_use_when(self, in_use: fn(&V) -> bool) -> Self {
        Self { in_use, ..self }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether a new entry would need room made for it.
    pub fn is_full(&self) -> bool {
        self.entries.len() >= self.capacity
    }

    /// The entry of `key`, counted as a use.
    pub fn get<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entry = self.entries.get_mut(key)?;
        self.tick += 1;
        entry.used = self.tick;
        Some(&mut entry.value)
    }

    /// The entry of `key`, not counted as a use.
    pub fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.get(key).map(|e| &e.value)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.contains_key(key)
    }

    /// Keeps `value` under `key`, in place of the entry there or in room made for it.
    pub fn insert(&mut self, key: K, value: V) {
        self.tick += 1;
        if let Some(entry) = self.entries.get_mut(&key) {
            *entry = Entry {
                value,
                used: self.tick,
            };
            return;
        }
        self.make_room();
        self.entries.insert(
            key,
            Entry {
                value,
                used: self.tick,
            },
        );
    }

    /// The entry of `key`, counted as a use; kept first from `make` (in room made for it) where
    /// there is none. The owned key is built only then.
    pub fn get_or_insert_with<Q>(&mut self, key: &Q, make: impl FnOnce() -> V) -> &mut V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if !self.entries.contains_key(key) {
            self.make_room();
            self.entries.insert(
                key.to_owned(),
                Entry {
                    value: make(),
                    used: 0,
                },
            );
        }
        self.get(key).expect("the entry was just kept")
    }

    /// Keeps only the entries for which `keep` holds, whether in use or not.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain(|k, e| keep(k, &mut e.value));
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Every entry, in no order, none counted as a use.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, e)| (k, &e.value))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.values().map(|e| &e.value)
    }

    /// Makes room for one more entry in a full map: forgets the least recently used entries not
    /// in use, as many as it takes and at least a sixteenth of the capacity, so that a big map full of
    /// new keys looks over its entries once per many insertions, not at every one.
    fn make_room(&mut self) {
        if self.entries.len() < self.capacity {
            return;
        }
        let in_use = self.in_use;
        self.scratch.clear();
        self.scratch.extend(
            self.entries
                .values()
                .filter(|e| !in_use(&e.value))
                .map(|e| e.used),
        );
        if self.scratch.is_empty() {
            return;
        }
        let forget = (self.entries.len() + 1 - self.capacity)
            .max(self.capacity / 16)
            .min(self.scratch.len());
        let (_, &mut last, _) = self.scratch.select_nth_unstable(forget - 1);
        self.entries
            .retain(|_, e| e.used > last || in_use(&e.value));
    }
}

/// A key of a name and a tag (a date, a type's name): looked up by a borrowed `(tag, &str)` as
/// `&(tag, name) as &dyn NamedKey<T>`, so a hit builds no `String`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named<T> {
    pub tag: T,
    pub name: String,
}

/// A [`Named`] key, owned or borrowed.
pub trait NamedKey<T> {
    fn tag(&self) -> &T;
    fn name(&self) -> &str;
}

impl<T> NamedKey<T> for Named<T> {
    fn tag(&self) -> &T {
        &self.tag
    }

    fn name(&self) -> &str {
        &self.name
    }
}

impl<T> NamedKey<T> for (T, &str) {
    fn tag(&self) -> &T {
        &self.0
    }

    fn name(&self) -> &str {
        self.1
    }
}

// An owned key and its borrowed form hash and compare alike: the tag, then the name.
impl<T: Hash> Hash for dyn NamedKey<T> + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.tag().hash(state);
        self.name().hash(state);
    }
}

impl<T: Hash> Hash for Named<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self as &dyn NamedKey<T>).hash(state);
    }
}

impl<T: PartialEq> PartialEq for dyn NamedKey<T> + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.tag() == other.tag() && self.name() == other.name()
    }
}

impl<T: Eq> Eq for dyn NamedKey<T> + '_ {}

impl<'a, T: 'a> Borrow<dyn NamedKey<T> + 'a> for Named<T> {
    fn borrow(&self) -> &(dyn NamedKey<T> + 'a) {
        self
    }
}

impl<'a, T: Clone + 'a> ToOwned for dyn NamedKey<T> + 'a {
    type Owned = Named<T>;

    fn to_owned(&self) -> Named<T> {
        Named {
            tag: self.tag().clone(),
            name: self.name().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn keys<V>(kept: &Kept<u32, V>) -> Vec<u32> {
        let mut keys: Vec<_> = kept.iter().map(|(k, _)| *k).collect();
        keys.sort();
        keys
    }

    #[test]
    fn the_capacity_holds() {
        let mut kept = Kept::new(3);
        for k in 0..10 {
            kept.insert(k, k * 10);
            assert!(kept.len() <= 3, "{} entries after {k}", kept.len());
        }
        assert_eq!(kept.len(), 3);
        assert_eq!(keys(&kept), [7, 8, 9], "the last three kept");
        assert_eq!(kept.get(&9), Some(&mut 90));
        // Keeping a key again replaces its entry; nothing else goes.
        kept.insert(8, 81);
        assert_eq!(keys(&kept), [7, 8, 9]);
        assert_eq!(kept.peek(&8), Some(&81));

        // A big map makes room a sixteenth at a time, and never holds more than its capacity.
        let mut big = Kept::new(64);
        for k in 0..1000 {
            big.insert(k, ());
            assert!(big.len() <= 64);
        }
        assert!(big.len() > 64 - 64 / 16, "{}", big.len());
        assert!(
            keys(&big).iter().all(|k| *k >= 1000 - 64),
            "the newest kept"
        );
    }

    #[test]
    fn the_least_recently_used_goes_first() {
        let mut kept = Kept::new(3);
        kept.insert(1, "a");
        kept.insert(2, "b");
        kept.insert(3, "c");
        // 1 is used again, so 2 is now the least recently used.
        assert_eq!(kept.get(&1), Some(&mut "a"));
        kept.insert(4, "d");
        assert_eq!(keys(&kept), [1, 3, 4]);
        // Looking without using counts for nothing: 3 is still the least recently used.
        assert_eq!(kept.peek(&3), Some(&"c"));
        assert!(kept.contains_key(&3));
        kept.insert(5, "e");
        assert_eq!(keys(&kept), [1, 4, 5]);
        // Getting an entry counts as a use, keeping one as well.
        assert_eq!(*kept.get_or_insert_with(&1, || "new"), "a", "kept already");
        assert_eq!(*kept.get_or_insert_with(&6, || "f"), "f");
        assert_eq!(keys(&kept), [1, 5, 6]);
    }

    #[test]
    fn entries_in_use_are_never_forgotten() {
        let mut kept = Kept::new(2).in_use_when(|lane: &Arc<u32>| Arc::strong_count(lane) > 1);
        let held = Arc::clone(kept.get_or_insert_with(&1, || Arc::new(1)));
        kept.get_or_insert_with(&2, || Arc::new(2));
        kept.get_or_insert_with(&3, || Arc::new(3));
        assert_eq!(keys(&kept), [1, 3], "1 is the oldest but in use");
        // Every entry in use: the map grows past its capacity rather than forget one.
        let also = Arc::clone(kept.get(&3).unwrap());
        kept.get_or_insert_with(&4, || Arc::new(4));
        assert_eq!(keys(&kept), [1, 3, 4]);
        // No longer in use: forgotten in turn.
        drop((held, also));
        kept.get_or_insert_with(&5, || Arc::new(5));
        assert_eq!(kept.len(), 2);
        assert!(kept.contains_key(&5));
    }

    #[test]
    fn retain_and_clear() {
        let mut kept = Kept::new(8);
        for k in 0..6 {
            kept.insert(k, k);
        }
        kept.retain(|k, v| {
            *v += 1;
            k % 2 == 0
        });
        assert_eq!(keys(&kept), [0, 2, 4]);
        assert_eq!(kept.peek(&4), Some(&5));
        kept.clear();
        assert!(kept.is_empty());
        assert!(!kept.is_full());
    }

    #[test]
    fn a_named_key_is_looked_up_by_its_borrowed_form() {
        let mut kept: Kept<Named<u8>, &str> = Kept::new(4);
        let name = String::from("stream-1");
        assert_eq!(
            *kept.get_or_insert_with(&(1u8, name.as_str()) as &dyn NamedKey<u8>, || "one"),
            "one"
        );
        kept.insert(
            Named {
                tag: 2,
                name: "stream-1".into(),
            },
            "two",
        );
        assert_eq!(kept.len(), 2, "another tag, another key");
        assert_eq!(
            kept.get(&(1u8, "stream-1") as &dyn NamedKey<u8>),
            Some(&mut "one")
        );
        assert_eq!(
            kept.peek(&(2u8, "stream-1") as &dyn NamedKey<u8>),
            Some(&"two")
        );
        assert!(!kept.contains_key(&(1u8, "stream-2") as &dyn NamedKey<u8>));
    }
}
