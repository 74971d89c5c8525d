//! Fault injection (fc-api.md §14 item 44): added latency (fixed or uniform in a range), injected
//! errors (`503 ServiceUnavailable`, `429 TooManyRequests` with `x-acs-retry-after`,
//! `500 InternalServerError`) and dropped connections, each with a probability, optionally
//! limited to some operations. Set from [`crate::Config::faults`] and replaced at run time by
//! `POST /__emulator/faults` with the same JSON shape.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The faults to inject. JSON (camelCase): `{"latencyMs": 50, "latencyMaxMs": 80,
/// "errorRate": 0.5, "errorStatuses": [503, 429], "retryAfterMs": 1000, "dropRate": 0,
/// "operations": ["GetFunction"]}`; missing keys take the defaults (no fault).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Latency added to every affected request, in milliseconds.
    pub latency_ms: u64,
    /// When set (≥ `latency_ms`), the latency is uniform in `[latency_ms, latency_max_ms]`.
    pub latency_max_ms: Option<u64>,
    /// Probability in [0, 1] of answering with an injected error instead of serving.
    pub error_rate: f64,
    /// The statuses an injected error picks from (uniformly): 429, 500 and 503. Default
    /// `[503, 429]`.
    pub error_statuses: Vec<u16>,
    /// `x-acs-retry-after` (milliseconds) sent with injected 429s; at least 1.
    pub retry_after_ms: u64,
    /// Probability in [0, 1] of closing the connection without an answer.
    pub drop_rate: f64,
    /// Operation names (`GetFunction`, `InvokeFunction`, `HttpTrigger`, …) the faults apply to;
    /// empty = every API, invocation and HTTP-trigger request. Control endpoints never fail.
    pub operations: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            latency_ms: 0,
            latency_max_ms: None,
            error_rate: 0.0,
            error_statuses: vec![503, 429],
            retry_after_ms: 1000,
            drop_rate: 0.0,
            operations: Vec::new(),
        }
    }
}

/// What happens to one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Serve it.
    Serve,
    /// Answer this status (429, 500 or 503) with FC's JSON error.
    Error(u16),
    /// Close the connection without an answer.
    Drop,
}

/// A decision for one request: first wait `delay`, then `outcome`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decision {
    pub(crate) delay: Duration,
    pub(crate) outcome: Outcome,
}

impl FaultConfig {
    /// Checks ranges: probabilities in [0, 1], statuses among 429/500/503, a latency range in
    /// order, a positive retry hint.
    ///
    /// # Errors
    /// A message naming the bad field.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [("errorRate", self.error_rate), ("dropRate", self.drop_rate)] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if let Some(status) = self
            .error_statuses
            .iter()
            .find(|s| !matches!(s, 429 | 500 | 503))
        {
            return Err(format!(
                "errorStatuses may contain 429, 500 and 503, got {status}"
            ));
        }
        if self.error_rate > 0.0 && self.error_statuses.is_empty() {
            return Err("errorStatuses must not be empty when errorRate > 0".to_owned());
        }
        if self.latency_max_ms.is_some_and(|max| max < self.latency_ms) {
            return Err("latencyMaxMs must be at least latencyMs".to_owned());
        }
        if self.retry_after_ms == 0 {
            return Err("retryAfterMs must be positive".to_owned());
        }
        Ok(())
    }

    /// Whether the faults apply to `operation`.
    pub(crate) fn applies_to(&self, operation: &str) -> bool {
        self.operations.is_empty() || self.operations.iter().any(|o| o == operation)
    }

    /// Draws the decision for one request of `operation` with `rng`.
    pub(crate) fn decide(&self, operation: &str, rng: &mut fastrand::Rng) -> Decision {
        if !self.applies_to(operation) {
            return Decision {
                delay: Duration::ZERO,
                outcome: Outcome::Serve,
            };
        }
        let ms = match self.latency_max_ms {
            Some(max) if max > self.latency_ms => rng.u64(self.latency_ms..=max),
            _ => self.latency_ms,
        };
        let outcome = if self.drop_rate > 0.0 && rng.f64() < self.drop_rate {
            Outcome::Drop
        } else if self.error_rate > 0.0 && rng.f64() < self.error_rate {
            match self.error_statuses.len() {
                0 => Outcome::Serve,
                n => Outcome::Error(
                    self.error_statuses
                        .get(rng.usize(..n))
                        .copied()
                        .unwrap_or(503),
                ),
            }
        } else {
            Outcome::Serve
        };
        Decision {
            delay: Duration::from_millis(ms),
            outcome,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_follow_the_config() {
        let mut rng = fastrand::Rng::with_seed(7);
        let none = FaultConfig::default();
        assert_eq!(none.decide("GetFunction", &mut rng).outcome, Outcome::Serve);
        let all = FaultConfig {
            error_rate: 1.0,
            error_statuses: vec![429],
            latency_ms: 5,
            latency_max_ms: Some(9),
            operations: vec!["GetFunction".to_owned()],
            ..FaultConfig::default()
        };
        all.validate().unwrap();
        let d = all.decide("GetFunction", &mut rng);
        assert_eq!(d.outcome, Outcome::Error(429));
        assert!(d.delay >= Duration::from_millis(5) && d.delay <= Duration::from_millis(9));
        assert_eq!(
            all.decide("ListFunctions", &mut rng).outcome,
            Outcome::Serve
        );
        let bad = FaultConfig {
            error_rate: 2.0,
            ..FaultConfig::default()
        };
        assert!(bad.validate().is_err());
        let parsed: FaultConfig = serde_json::from_str(r#"{"dropRate":1}"#).unwrap();
        assert_eq!(parsed.drop_rate, 1.0);
        assert_eq!(parsed.error_statuses, vec![503, 429]);
    }
}
