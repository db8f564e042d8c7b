//! When to try a request again, and how long to wait first.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// Exponential backoff with full jitter, honouring the server's `Retry-After`.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Tries after the first; 0 turns retrying off.
    pub max_retries: u32,
    /// The first backoff; each later one doubles, up to `max_delay`.
    pub initial_delay: Duration,
    /// The longest backoff of our own choosing.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
        }
    }
}

/// The longest `Retry-After` we wait for; a longer one ends the command with the error.
pub(crate) const MAX_SERVER_DELAY: Duration = Duration::from_secs(120);

impl RetryPolicy {
    /// How long to wait before try number `retry` (0 for the first retry): the server's wish
    /// when it gave one, else a random share of the exponential backoff.
    pub fn delay(&self, retry: u32, server: Option<Duration>) -> Duration {
        if let Some(server) = server {
            return server.min(MAX_SERVER_DELAY);
        }
        let ceiling = self
            .initial_delay
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_delay);
        // Full jitter, but never less than half: clients that failed together spread out.
        let half = ceiling / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// Whether a server wish is too long to wait for.
    pub fn too_long(server: Option<Duration>) -> bool {
        server.is_some_and(|delay| delay > MAX_SERVER_DELAY)
    }
}

/// Whether an HTTP status is worth another try: timeouts, conflicts, rate limits, server errors.
/// A 429 for an exhausted quota is not: waiting will not refill it.
pub(crate) fn retryable_status(status: u16, code: Option<&str>) -> bool {
    match status {
        429 => code != Some("insufficient_quota"),
        408 | 409 => true,
        _ => status >= 500,
    }
}

/// The wait the server asks for: `retry-after-ms` (milliseconds), else `Retry-After` in seconds.
/// (An HTTP-date `Retry-After` is ignored and the backoff applies.) A wait too large for a
/// `Duration` is [`Duration::MAX`]: far beyond what is waited for, never a panic.
pub(crate) fn server_delay(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let wait = |seconds: f64| {
        (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX))
    };
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return wait(ms / 1000.0);
    }
    wait(header("retry-after")?.trim().parse::<f64>().ok()?)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn rate_limits_and_server_errors_are_retried_but_quota_and_client_errors_are_not() {
        assert!(retryable_status(429, Some("rate_limit_exceeded")));
        assert!(retryable_status(429, None));
        assert!(!retryable_status(429, Some("insufficient_quota")));
        for status in [408, 409, 500, 502, 503] {
            assert!(retryable_status(status, None), "{status}");
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(!retryable_status(status, None), "{status}");
        }
    }

    #[test]
    fn the_server_wait_wins_milliseconds_first() {
        let mut headers = HeaderMap::new();
        assert_eq!(server_delay(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(server_delay(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", HeaderValue::from_static("150"));
        assert_eq!(server_delay(&headers), Some(Duration::from_millis(150)));
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(3, Some(Duration::from_millis(150))),
            Duration::from_millis(150)
        );
        headers.insert("retry-after-ms", HeaderValue::from_static("soon"));
        assert_eq!(server_delay(&headers), Some(Duration::from_secs(2)));
    }

    #[test]
    fn a_wait_beyond_any_duration_is_too_long_not_a_panic() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "retry-after",
            HeaderValue::from_static("99999999999999999999999"),
        );
        let wait = server_delay(&headers);
        assert_eq!(wait, Some(Duration::MAX));
        assert!(RetryPolicy::too_long(wait));
        headers.insert("retry-after-ms", HeaderValue::from_static("1e300"));
        assert!(RetryPolicy::too_long(server_delay(&headers)));
    }

    #[test]
    fn backoff_doubles_within_its_bounds() {
        let policy = RetryPolicy::default();
        for retry in 0..10 {
            let ceiling = (policy.initial_delay * 2u32.pow(retry)).min(policy.max_delay);
            let delay = policy.delay(retry, None);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{retry}: {delay:?}"
            );
        }
    }
}
