//! The retry policy of the FC client (fc-api.md §8.3) and the injectable sources of time, nonces,
//! randomness and sleeping, so tests can make every attempt deterministic.
//!
//! Backoff is exponential with full jitter: before retry `n` (0-based) the client waits a uniform
//! random time in `[0, min(cap, base × 2ⁿ)]`, or exactly the service's `x-acs-retry-after` when
//! the failed answer carried one. The sum of all waits of one call never exceeds
//! [`RetryPolicy::max_total_wait`]: a wait that would cross it ends the call instead.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How idempotent calls are retried. Non-idempotent calls (create, publish, invoke) are never
/// repeated, whatever the policy says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included (`1` = never retry). Default 4.
    pub attempts: u32,
    /// The ceiling of the first backoff; doubles per retry. Default 200 ms.
    pub base: Duration,
    /// The largest ceiling of one backoff (not applied to `x-acs-retry-after`). Default 5 s.
    pub cap: Duration,
    /// The most time one call spends waiting between attempts, in total. Default 20 s.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
            max_total_wait: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn never() -> Self {
        Self {
            attempts: 1,
            ..Self::default()
        }
    }

    /// The ceiling of the wait before retry `retry` (0-based): `min(cap, base × 2^retry)`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(31));
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The wait before retry `retry` (0-based): `retry_after` when the service sent one, else a
    /// full-jitter draw from `sources` below [`RetryPolicy::ceiling`].
    pub fn delay(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        sources: &dyn Sources,
    ) -> Duration {
        match retry_after {
            Some(wait) => wait,
            None => {
                let ceiling = self.ceiling(retry);
                sources.jitter(ceiling).min(ceiling)
            }
        }
    }
}

/// A boxed, sendable future (what [`Sources::sleep`] returns).
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Where the client gets the time, nonces, randomness and its backoff sleeps. Every attempt
/// reads a fresh `now` (for `x-acs-date`) and a fresh nonce.
pub trait Sources: Send + Sync {
    /// Unix seconds, for `x-acs-date`.
    fn now_unix(&self) -> i64;
    /// A nonce for `x-acs-signature-nonce`; must differ on every call.
    fn nonce(&self) -> String;
    /// A random duration in `[0, ceiling]` (full jitter).
    fn jitter(&self, ceiling: Duration) -> Duration;
    /// Waits `duration` (the backoff between attempts; cancellation is handled by the caller).
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// The real sources: the system clock, UUID v4 nonces (32 lowercase hex characters, like the
/// SDKs' nonces), `fastrand` jitter and `tokio::time::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemSources;

impl Sources for SystemSources {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        }
    }

    fn nonce(&self) -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    fn jitter(&self, ceiling: Duration) -> Duration {
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Max;

    impl Sources for Max {
        fn now_unix(&self) -> i64 {
            0
        }
        fn nonce(&self) -> String {
            String::new()
        }
        fn jitter(&self, ceiling: Duration) -> Duration {
            ceiling
        }
        fn sleep(&self, _: Duration) -> SleepFuture {
            Box::pin(async {})
        }
    }

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let ceilings: Vec<u128> = (0..7).map(|n| policy.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(policy.ceiling(u32::MAX), Duration::from_secs(5));
        assert_eq!(policy.delay(1, None, &Max), Duration::from_millis(400));
        assert_eq!(
            policy.delay(1, Some(Duration::from_millis(7)), &Max),
            Duration::from_millis(7)
        );
    }

    #[test]
    fn system_sources_give_fresh_nonces_and_bounded_jitter() {
        let s = SystemSources;
        let (a, b) = (s.nonce(), s.nonce());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        for _ in 0..100 {
            assert!(s.jitter(Duration::from_millis(5)) <= Duration::from_millis(5));
        }
        assert_eq!(s.jitter(Duration::ZERO), Duration::ZERO);
        assert!(s.now_unix() > 1_600_000_000);
    }
}
