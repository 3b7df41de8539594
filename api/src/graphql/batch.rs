//! The request's batch loader: the keys that resolvers ask for while the executor polls them are
//! gathered and loaded in one call of the [`Loader`], as soon as the resolvers have all yielded.
//!
//! It takes the place of async-graphql's `DataLoader`, which waits for a timer between gathering
//! and loading (even with a zero delay, tokio fires the timer at the next millisecond tick, so
//! every level of a query waited up to a millisecond). Here the load is a task spawned on the
//! request's own thread that yields once to the scheduler: by the time it runs, every sibling
//! resolver polled in the same pass has added its keys. Within a query, what was loaded stays for
//! the rest of the request (and rows read by a join can be fed in); without caching (mutations,
//! subscriptions) it only batches.

use std::{
    collections::{HashMap, HashSet},
    hash::Hash,
    sync::{Arc, Mutex, PoisonError},
};

use async_graphql::dataloader::Loader;
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::error::AppError;

/// Where a waiting resolver gets its values.
type Answer<K, V> = oneshot::Sender<Result<HashMap<K, V>, AppError>>;

/// Keys waiting for the next load, and who waits for which.
struct Pending<K, V> {
    keys: HashSet<K>,
    waiters: Vec<(Vec<K>, Answer<K, V>)>,
}

struct State<K, V> {
    pending: Pending<K, V>,
    /// Whether a load task is spawned and has not yet taken the pending keys.
    scheduled: bool,
    cache: HashMap<K, V>,
}

struct Shared<K, L: Loader<K>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    loader: L,
    caching: bool,
    state: Mutex<State<K, L::Value>>,
}

/// A batching (and, for queries, caching) loader of `L`'s values by key.
pub struct BatchLoader<K, L: Loader<K>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    shared: Arc<Shared<K, L>>,
}

impl<K, L> BatchLoader<K, L>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K, Error = AppError>,
{
    pub fn new(loader: L, caching: bool) -> Self {
        Self {
            shared: Arc::new(Shared {
                loader,
                caching,
                state: Mutex::new(State {
                    pending: Pending {
                        keys: HashSet::new(),
                        waiters: Vec::new(),
                    },
                    scheduled: false,
                    cache: HashMap::new(),
                }),
            }),
        }
    }

    pub async fn load_one(&self, key: K) -> Result<Option<L::Value>, AppError> {
        // A row the request has already read (most of a page's members and groups) needs no
        // map of its own.
        let cached = self.shared.lock().cache.get(&key).cloned();
        if cached.is_some() {
            return Ok(cached);
        }
        let mut values = self.load_many(std::iter::once(key.clone())).await?;
        Ok(values.remove(&key))
    }

    /// The values of `keys` that exist (a missing key is left out).
    pub async fn load_many(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, L::Value>, AppError> {
        let mut found = HashMap::new();
        let receiver = {
            let mut state = self.shared.lock();
            let mut wanted = Vec::new();
            for key in keys {
                match state.cache.get(&key) {
                    Some(value) => {
                        found.insert(key, value.clone());
                    }
                    None => wanted.push(key),
                }
            }
            if wanted.is_empty() {
                return Ok(found);
            }
            state.pending.keys.extend(wanted.iter().cloned());
            let (sender, receiver) = oneshot::channel();
            state.pending.waiters.push((wanted, sender));
            if !state.scheduled {
                state.scheduled = true;
                let shared = Arc::clone(&self.shared);
                // The batch is traced as a child of the resolver that started it (off unless
                // traces are exported: `telemetry`).
                let span = tracing::debug_span!(
                    target: "fagruppe::load",
                    "load",
                    loader = loader_name::<L>()
                );
                tokio::spawn(async move { shared.load_pending().await }.instrument(span));
            }
            receiver
        };
        let loaded = receiver
            .await
            .map_err(|_| AppError::internal("a batch load was dropped"))??;
        found.extend(loaded);
        Ok(found)
    }

    /// Hands in values read elsewhere (by a join), for the rest of the request. Does nothing
    /// when the loader does not cache.
    pub fn feed_many(&self, values: impl IntoIterator<Item = (K, L::Value)>) {
        if self.shared.caching {
            self.shared.lock().cache.extend(values);
        }
    }
}

impl<K, L> Shared<K, L>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K, Error = AppError>,
{
    fn lock(&self) -> std::sync::MutexGuard<'_, State<K, L::Value>> {
        // The state holds no invariant a panic elsewhere could break half-way.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn load_pending(&self) {
        // Let every resolver polled in this pass add its keys first.
        tokio::task::yield_now().await;
        let pending = {
            let mut state = self.lock();
            state.scheduled = false;
            std::mem::replace(
                &mut state.pending,
                Pending {
                    keys: HashSet::new(),
                    waiters: Vec::new(),
                },
            )
        };
        let keys: Vec<K> = pending.keys.into_iter().collect();
        match self.loader.load(&keys).await {
            Ok(values) => {
                if self.caching {
                    let mut state = self.lock();
                    for (key, value) in &values {
                        state.cache.insert(key.clone(), value.clone());
                    }
                }
                for (wanted, sender) in pending.waiters {
                    let answer = wanted
                        .into_iter()
                        .filter_map(|key| values.get(&key).map(|value| (key, value.clone())))
                        .collect();
                    // A waiter that went away (its request was cancelled) needs no answer.
                    let _ = sender.send(Ok(answer));
                }
            }
            Err(err) => {
                for (_, sender) in pending.waiters {
                    let _ = sender.send(Err(err.clone()));
                }
            }
        }
    }
}

/// A loader's type name without its module path (`MeetupLoader`).
fn loader_name<L>() -> &'static str {
    let name = std::any::type_name::<L>();
    let name = name.split('<').next().unwrap_or(name);
    name.rsplit("::").next().unwrap_or(name)
}
