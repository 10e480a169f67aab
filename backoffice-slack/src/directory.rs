//! The adapter's memory of Slack between messages: caches of
//! `users.info`, `conversations.info` and `usergroups.users.list`, and the
//! channel directory that resolves the channel names in access rules to IDs.
//!
//! Cached data is only a cache. A user deactivated, made a guest or removed
//! from a user group keeps the access they had for up to the cache's time to
//! live, and a failed lookup is never cached, so it is retried on the next
//! message.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use backoffice_core::{ChannelInfo, ChannelName, UserInfo};

use crate::config::SlackConfig;

/// A map from keys to values that expire `ttl` after they were stored, with
/// at most `capacity` entries. A zero `ttl` or `capacity` stores nothing.
#[derive(Debug)]
pub(crate) struct Cache<V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, Entry<V>>>,
}

#[derive(Debug)]
struct Entry<V> {
    value: V,
    stored_at: Instant,
}

impl<V: Clone> Cache<V> {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry<V>>> {
        self.entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Returns the value stored for `key` unless it has expired.
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        let entries = self.lock();
        let entry = entries.get(key)?;
        (entry.stored_at.elapsed() < self.ttl).then(|| entry.value.clone())
    }

    /// Stores `value` for `key`. When the cache is full, it first drops the
    /// expired entries, then the oldest one.
    pub(crate) fn insert(&self, key: &str, value: V) {
        if self.ttl.is_zero() || self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            entries.retain(|_, entry| entry.stored_at.elapsed() < self.ttl);
        }
        if entries.len() >= self.capacity && !entries.contains_key(key) {
            let oldest = entries
                .iter()
                .min_by_key(|(_, entry)| entry.stored_at)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        let entry = Entry {
            value,
            stored_at: Instant::now(),
        };
        entries.insert(key.to_owned(), entry);
    }

    /// Drops every entry.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Channel names and the IDs they stood for at the last `conversations.list`.
#[derive(Debug, Default)]
pub(crate) struct ChannelDirectory {
    /// `None` until the first listing succeeds. A name that two listed
    /// channels share maps to `None`, so it matches neither.
    names: RwLock<Option<HashMap<String, Option<String>>>>,
}

impl ChannelDirectory {
    /// Returns what `name` stands for. Before the first successful listing,
    /// every name is unknown, so rules that name channels by name deny.
    pub(crate) fn resolve(&self, name: &str) -> ChannelName {
        let names = self
            .names
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        match names.as_ref().and_then(|names| names.get(name)) {
            Some(Some(id)) => ChannelName::Resolved(id.clone()),
            Some(None) | None => ChannelName::Unknown,
        }
    }

    /// Replaces the directory with `channels`, pairs of name and ID, and
    /// returns the names two or more channels share.
    pub(crate) fn replace(
        &self,
        channels: impl IntoIterator<Item = (String, String)>,
    ) -> Vec<String> {
        let mut names: HashMap<String, Option<String>> = HashMap::new();
        let mut shared = Vec::new();
        for (name, id) in channels {
            match names.get(&name) {
                Some(Some(existing)) if *existing != id => {
                    shared.push(name.clone());
                    names.insert(name, None);
                }
                Some(_) => {}
                None => {
                    names.insert(name, Some(id));
                }
            }
        }
        *self
            .names
            .write()
            .unwrap_or_else(|poison| poison.into_inner()) = Some(names);
        shared
    }
}

/// Everything the adapter remembers between messages.
#[derive(Debug)]
pub(crate) struct Directory {
    pub(crate) users: Cache<UserInfo>,
    pub(crate) channels: Cache<ChannelInfo>,
    pub(crate) groups: Cache<Vec<String>>,
    pub(crate) channel_names: ChannelDirectory,
}

impl Directory {
    pub(crate) fn new(config: &SlackConfig) -> Self {
        Self {
            users: Cache::new(config.user_cache_ttl, config.cache_capacity),
            channels: Cache::new(config.channel_cache_ttl, config.cache_capacity),
            groups: Cache::new(config.group_cache_ttl, config.cache_capacity),
            channel_names: ChannelDirectory::default(),
        }
    }

    /// Drops every cached user, channel and group membership; the channel
    /// names stay until the next listing.
    pub(crate) fn clear(&self) {
        self.users.clear();
        self.channels.clear();
        self.groups.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_returns_fresh_value() {
        let cache = Cache::new(Duration::from_secs(60), 10);
        cache.insert("U1", 1);
        assert_eq!(cache.get("U1"), Some(1));
    }

    #[test]
    fn cache_with_zero_ttl_stores_nothing() {
        let cache = Cache::new(Duration::ZERO, 10);
        cache.insert("U1", 1);
        assert_eq!(cache.get("U1"), None);
    }

    #[test]
    fn cache_expired_value_is_missing() {
        let cache = Cache::new(Duration::from_secs(60), 10);
        cache.insert("U1", 1);
        cache.lock().get_mut("U1").unwrap().stored_at -= Duration::from_secs(61);
        assert_eq!(cache.get("U1"), None);
    }

    #[test]
    fn cache_full_drops_oldest() {
        let cache = Cache::new(Duration::from_secs(60), 2);
        cache.insert("U1", 1);
        cache.lock().get_mut("U1").unwrap().stored_at -= Duration::from_secs(2);
        cache.insert("U2", 2);
        cache.insert("U3", 3);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get("U1"), None);
        assert_eq!(cache.get("U2"), Some(2));
        assert_eq!(cache.get("U3"), Some(3));
    }

    #[test]
    fn cache_full_drops_expired_first() {
        let cache = Cache::new(Duration::from_secs(60), 2);
        cache.insert("U1", 1);
        cache.insert("U2", 2);
        cache.lock().get_mut("U2").unwrap().stored_at -= Duration::from_secs(61);
        cache.insert("U3", 3);
        assert_eq!(cache.get("U1"), Some(1));
        assert_eq!(cache.get("U3"), Some(3));
    }

    #[test]
    fn directory_unloaded_knows_no_name() {
        let directory = ChannelDirectory::default();
        assert_eq!(directory.resolve("ops"), ChannelName::Unknown);
    }

    #[test]
    fn directory_resolves_listed_name() {
        let directory = ChannelDirectory::default();
        directory.replace([("ops".to_owned(), "C1".to_owned())]);
        assert_eq!(directory.resolve("ops"), ChannelName::Resolved("C1".into()));
        assert_eq!(directory.resolve("dev"), ChannelName::Unknown);
    }

    #[test]
    fn directory_shared_name_matches_nothing() {
        let directory = ChannelDirectory::default();
        let shared = directory.replace([
            ("ops".to_owned(), "C1".to_owned()),
            ("ops".to_owned(), "C2".to_owned()),
        ]);
        assert_eq!(shared, ["ops"]);
        assert_eq!(directory.resolve("ops"), ChannelName::Unknown);
    }
}
