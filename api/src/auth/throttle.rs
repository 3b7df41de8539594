//! Attempt throttles for the sensitive auth fields. Counting happens inside the resolvers, per
//! client address and per account, so aliases and batching cannot multiply guesses. The
//! [`RateLimiter`] trait is the seam for a shared store: the in-process default counts fixed
//! windows in memory, which is right for one replica; with `REDIS_URL` every replica counts in
//! Redis (`redis_store::RedisRateLimiter`).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use futures_util::future::BoxFuture;

/// At most `limit` attempts per `window`.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub limit: u32,
    pub window: Duration,
}

impl Rule {
    pub fn per_minute(limit: u32) -> Self {
        Self {
            limit,
            window: Duration::from_secs(60),
        }
    }

    pub fn per_hour(limit: u32) -> Self {
        Self {
            limit,
            window: Duration::from_secs(3600),
        }
    }
}

/// Writes a member may make only so often: each has a per-minute and a per-hour budget
/// (`<KIND>_LIMIT_PER_MEMBER_PER_MINUTE` / `…_PER_HOUR`), counted per member across aliases,
/// requests and devices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    Thread,
    Comment,
    Reaction,
    Report,
    Invitation,
    Upload,
    Resource,
    Group,
}

impl Write {
    pub const ALL: [Write; 8] = [
        Write::Thread,
        Write::Comment,
        Write::Reaction,
        Write::Report,
        Write::Invitation,
        Write::Upload,
        Write::Resource,
        Write::Group,
    ];

    /// The kind's name in setting names (`COMMENT_LIMIT_PER_MEMBER_PER_MINUTE`) and keys.
    pub fn name(self) -> &'static str {
        match self {
            Write::Thread => "THREAD",
            Write::Comment => "COMMENT",
            Write::Reaction => "REACTION",
            Write::Report => "REPORT",
            Write::Invitation => "INVITATION",
            Write::Upload => "UPLOAD",
            Write::Resource => "RESOURCE",
            Write::Group => "GROUP",
        }
    }

    /// Defaults per minute and per hour: generous for a person, short for a script.
    pub fn default_limits(self) -> (u32, u32) {
        match self {
            Write::Thread => (3, 20),
            Write::Comment => (10, 200),
            Write::Reaction => (60, 600),
            Write::Report => (5, 30),
            Write::Invitation => (20, 100),
            Write::Upload => (5, 30),
            Write::Resource => (5, 60),
            Write::Group => (2, 10),
        }
    }
}

/// Why an attempt was not counted as allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Over the limit: the next attempt is allowed after this long.
    Wait(Duration),
    /// The shared store cannot count now; attempts are refused rather than let through.
    Unavailable,
}

/// Counts attempts.
pub trait RateLimiter: Send + Sync {
    fn hit<'a>(&'a self, key: &'a str, rule: Rule) -> BoxFuture<'a, Result<(), Refusal>>;
}

/// Fixed-window counters in this process's memory.
#[derive(Default)]
pub struct InProcessRateLimiter {
    windows: Mutex<HashMap<(String, u64), Window>>,
}

struct Window {
    started: Instant,
    count: u32,
    length: Duration,
}

/// Above this many keys, expired windows are swept on the next hit.
const SWEEP_ABOVE: usize = 10_000;

impl InProcessRateLimiter {
    fn count(&self, key: &str, rule: Rule) -> Result<(), Refusal> {
        let now = Instant::now();
        let Ok(mut windows) = self.windows.lock() else {
            // A poisoned lock means a panic elsewhere; failing open keeps sign-in working.
            return Ok(());
        };
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, window| now.duration_since(window.started) < window.length);
        }
        let window = windows
            .entry((key.to_owned(), rule.window.as_secs()))
            .or_insert(Window {
                started: now,
                count: 0,
                length: rule.window,
            });
        if now.duration_since(window.started) >= rule.window {
            window.started = now;
            window.count = 0;
        }
        if window.count >= rule.limit {
            return Err(Refusal::Wait(
                rule.window
                    .saturating_sub(now.duration_since(window.started)),
            ));
        }
        window.count += 1;
        Ok(())
    }
}

impl RateLimiter for InProcessRateLimiter {
    fn hit<'a>(&'a self, key: &'a str, rule: Rule) -> BoxFuture<'a, Result<(), Refusal>> {
        let result = self.count(key, rule);
        Box::pin(async move { result })
    }
}

/// The throttle key of a client address: IPv4 as is, IPv6 by its /64, since one subscriber
/// usually holds a whole /64.
pub fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_over_the_limit_is_refused_with_a_wait() {
        let limiter = InProcessRateLimiter::default();
        let rule = Rule::per_minute(2);
        assert!(limiter.count("a", rule).is_ok());
        assert!(limiter.count("a", rule).is_ok());
        let wait = limiter.count("a", rule).err();
        assert!(matches!(wait, Some(Refusal::Wait(w)) if w > Duration::from_secs(50)));
        assert!(limiter.count("b", rule).is_ok());
    }

    #[test]
    fn ipv6_addresses_share_a_key_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("address");
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().expect("address");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("address");
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
    }
}
