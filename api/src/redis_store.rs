//! Redis, the store that several replicas share (`REDIS_URL`): throttles count every replica's
//! attempts together, and events published on one replica reach subscribers on every other.
//! Without `REDIS_URL` the in-process implementations serve a single replica.
//!
//! - **Throttles** are fixed windows counted by one Lua script (`INCR`, `PEXPIRE` on the first
//!   hit, the time left when over), so a window is atomic however many replicas hit it. When
//!   Redis cannot answer, a throttle fails closed: the request is `SERVICE_UNAVAILABLE`, never
//!   let through uncounted.
//! - **Events** are published as JSON on one channel; every replica relays what it receives to
//!   its own in-process bus, which its subscriptions listen on. A replica's relay reconnects after
//!   a failure; subscriptions stay open meanwhile and miss only what was published while Redis
//!   was away (the writes themselves are in the database).
//!
//! Every key and channel starts with `REDIS_KEY_PREFIX`, so deployments (and tests) may share
//! one Redis.

use std::{future::Future, sync::Arc, time::Duration};

use futures_util::{StreamExt, future::BoxFuture, stream::BoxStream};
use redis::{
    AsyncCommands, Client, ErrorKind, RedisError, RedisResult, Script,
    aio::{ConnectionManager, ConnectionManagerConfig},
};
use tokio::sync::{mpsc, watch};

use crate::{
    auth::throttle::{RateLimiter, Refusal, Rule},
    events::{Event, EventBus, InProcessEventBus},
};

/// How long a command may take before Redis counts as unavailable.
const TIMEOUT: Duration = Duration::from_secs(1);
/// The wait before the event relay connects again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);
/// Events waiting to be published; beyond this (Redis slow or away) new ones are dropped rather
/// than held in memory without bound.
const OUTGOING_BUFFER: usize = 10_000;

/// Atomic fixed window: counts the hit, starts the window's clock on the first, and answers -1
/// when allowed or the milliseconds left in the window when over the limit.
const WINDOW_SCRIPT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
if count > tonumber(ARGV[2]) then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    left = tonumber(ARGV[1])
  end
  return left
end
return -1
";

/// A connection to the shared Redis, opened lazily and reopened after failures.
#[derive(Clone)]
pub struct RedisStore {
    client: Client,
    connection: ConnectionManager,
    prefix: String,
    /// Whether this replica's event relay is subscribed now.
    relaying: Arc<watch::Sender<bool>>,
}

impl RedisStore {
    /// Prepares the connection without reaching Redis yet, so a replica starts (and reports
    /// itself not ready) while Redis is down.
    pub fn new(url: &str, prefix: &str) -> Result<Self, String> {
        let client = Client::open(url).map_err(|err| format!("REDIS_URL: {err}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .map_err(|err| format!("REDIS_URL: {err}"))?;
        Ok(Self {
            client,
            connection,
            prefix: prefix.to_owned(),
            relaying: Arc::new(watch::channel(false).0),
        })
    }

    /// Waits up to `within` for the event relay to be subscribed; `false` if it is not by then
    /// (Redis down: the replica starts anyway and reports itself not ready).
    pub async fn relaying_within(&self, within: Duration) -> bool {
        let mut relaying = self.relaying.subscribe();
        tokio::time::timeout(within, relaying.wait_for(|on| *on))
            .await
            .is_ok_and(|waited| waited.is_ok())
    }

    /// Whether this replica's event relay is subscribed, as it changes (tests wait on it).
    pub fn relay_state(&self) -> watch::Receiver<bool> {
        self.relaying.subscribe()
    }

    /// Whether Redis answers now and this replica receives the others' events (readiness).
    pub async fn ping(&self) -> Result<(), String> {
        if !*self.relaying.borrow() {
            return Err("the event relay is not subscribed".into());
        }
        let pong: Result<String, _> = self
            .command(|mut connection| async move {
                redis::cmd("PING").query_async(&mut connection).await
            })
            .await;
        pong.map(|_| ()).map_err(|err| err.to_string())
    }

    /// Runs a command, at most `TIMEOUT` per attempt, and once more when the first attempt
    /// finds the connection broken: the connection manager reconnects on such a failure, so
    /// right after an outage the first command fails although Redis is back.
    async fn command<T, F, Fut>(&self, run: F) -> RedisResult<T>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let attempt = || async {
            tokio::time::timeout(TIMEOUT, run(self.connection.clone()))
                .await
                .unwrap_or_else(|_| Err(RedisError::from((ErrorKind::Io, "timed out"))))
        };
        match attempt().await {
            Err(err) if err.is_io_error() || err.is_connection_dropped() => attempt().await,
            answered => answered,
        }
    }

    fn events_channel(&self) -> String {
        format!("{}:events", self.prefix)
    }
}

/// Throttles counted in Redis.
pub struct RedisRateLimiter {
    store: RedisStore,
    script: Script,
}

impl RedisRateLimiter {
    pub fn new(store: RedisStore) -> Self {
        Self {
            store,
            script: Script::new(WINDOW_SCRIPT),
        }
    }
}

impl RateLimiter for RedisRateLimiter {
    fn hit<'a>(&'a self, key: &'a str, rule: Rule) -> BoxFuture<'a, Result<(), Refusal>> {
        Box::pin(async move {
            let redis_key = format!(
                "{}:throttle:{}:{key}",
                self.store.prefix,
                rule.window.as_secs()
            );
            let window_ms = u64::try_from(rule.window.as_millis()).unwrap_or(u64::MAX);
            let mut invocation = self.script.key(redis_key);
            invocation.arg(window_ms).arg(rule.limit);
            let invocation = &invocation;
            let answer: RedisResult<i64> = self
                .store
                .command(
                    |mut connection| async move { invocation.invoke_async(&mut connection).await },
                )
                .await;
            match answer {
                Ok(left) if left < 0 => Ok(()),
                Ok(left) => Err(Refusal::Wait(Duration::from_millis(
                    u64::try_from(left).unwrap_or_default(),
                ))),
                Err(err) => {
                    tracing::warn!(%err, "throttle: Redis did not answer; refusing");
                    Err(Refusal::Unavailable)
                }
            }
        })
    }
}

/// Events through Redis pub/sub, delivered by each replica's in-process bus.
pub struct RedisEventBus {
    local: Arc<InProcessEventBus>,
    outgoing: mpsc::Sender<Event>,
}

impl RedisEventBus {
    /// Starts the publisher and the relay (both run until the process ends).
    pub fn start(store: RedisStore) -> Self {
        let local = Arc::new(InProcessEventBus::default());
        let (outgoing, queue) = mpsc::channel(OUTGOING_BUFFER);
        tokio::spawn(publish_all(store.clone(), queue));
        tokio::spawn(relay(store, local.clone()));
        Self { local, outgoing }
    }
}

impl EventBus for RedisEventBus {
    fn publish(&self, event: Event) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.outgoing.try_send(event) {
            tracing::warn!("events: Redis is behind; an event was dropped");
        }
    }

    fn subscribe(&self, topic: &str) -> BoxStream<'static, Event> {
        self.local.subscribe(topic)
    }
}

/// Publishes queued events in order; an event Redis refuses is logged and dropped (the write it
/// announces is committed already).
async fn publish_all(store: RedisStore, mut queue: mpsc::Receiver<Event>) {
    let channel = store.events_channel();
    let mut connection = store.connection.clone();
    while let Some(event) = queue.recv().await {
        let Ok(payload) = serde_json::to_string(&event) else {
            continue;
        };
        let sent: Result<i64, _> = connection.publish(&channel, payload).await;
        if let Err(err) = sent {
            tracing::warn!(%err, "events: Redis did not take an event");
        }
    }
}

/// Hands every event any replica publishes to this replica's subscriptions, reconnecting after
/// failures.
async fn relay(store: RedisStore, local: Arc<InProcessEventBus>) {
    let channel = store.events_channel();
    loop {
        match store.client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    tracing::info!("events: relaying from Redis");
                    store.relaying.send_replace(true);
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        let event = message
                            .get_payload::<String>()
                            .ok()
                            .and_then(|payload| serde_json::from_str::<Event>(&payload).ok());
                        if let Some(event) = event {
                            local.publish(event);
                        }
                    }
                    store.relaying.send_replace(false);
                    tracing::warn!("events: the Redis subscription ended; reconnecting");
                }
                Err(err) => tracing::warn!(%err, "events: SUBSCRIBE failed"),
            },
            Err(err) => tracing::warn!(%err, "events: Redis is unreachable"),
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}
