//! Where the API is and how to authenticate; the key is never shown.

use std::fmt;
use std::time::Duration;

use super::{Provider, RetryPolicy};

/// The public OpenAI endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// An API key. `Debug` and `Display` print `[redacted]`; only the request headers see it.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, for the authorization header.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by `[redacted]`: server messages and
    /// transport errors pass through here before anyone sees them.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_owned();
        }
        text.replace(&self.0, "[redacted]")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Everything the client needs to reach the API.
#[derive(Clone, Debug)]
pub struct Config {
    /// Which provider's API this is.
    pub provider: Provider,
    /// Base URL without a trailing slash, e.g. `https://api.openai.com/v1` (Azure:
    /// `https://RESOURCE.openai.azure.com/openai`).
    pub base_url: String,
    /// The key, sent as `Authorization: Bearer …` (Azure: `api-key: …`).
    pub key: ApiKey,
    /// Azure's `api-version` query parameter.
    pub api_version: Option<String>,
    /// `OpenAI-Organization` header.
    pub organization: Option<String>,
    /// `OpenAI-Project` header.
    pub project: Option<String>,
    /// How long one request may take before it counts as timed out.
    pub timeout: Duration,
    /// When and how often to try again.
    pub retry: RetryPolicy,
}

impl Config {
    /// A configuration for `provider` at `endpoint` (see [`Provider::base_url`]).
    pub fn for_provider(provider: Provider, endpoint: &str, key: ApiKey) -> Self {
        let mut config = Self::new(&provider.base_url(endpoint), key);
        config.provider = provider;
        if provider == Provider::Azure {
            config.api_version = Some(super::provider::AZURE_API_VERSION.to_owned());
        }
        config
    }

    /// An OpenAI configuration with the default timeout and retry policy.
    pub fn new(base_url: &str, key: ApiKey) -> Self {
        Self {
            provider: Provider::OpenAi,
            base_url: base_url.trim_end_matches('/').to_owned(),
            key,
            api_version: None,
            organization: None,
            project: None,
            timeout: Duration::from_secs(600),
            retry: RetryPolicy::default(),
        }
    }

    /// The host the base URL names, for messages.
    pub fn host(&self) -> &str {
        let rest = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, rest)| rest);
        rest.split('/').next().unwrap_or(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_shows_in_debug_or_display() {
        let config = Config::new("http://127.0.0.1:1/v1/", ApiKey::new("sk-secret-123"));
        let shown = format!("{config:?} {}", config.key);
        assert!(!shown.contains("sk-secret-123"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert_eq!(config.base_url, "http://127.0.0.1:1/v1");
        assert_eq!(config.host(), "127.0.0.1:1");
    }

    #[test]
    fn scrub_removes_the_key_from_server_text() {
        let key = ApiKey::new("sk-secret-123");
        assert_eq!(
            key.scrub("Incorrect API key provided: sk-secret-123."),
            "Incorrect API key provided: [redacted]."
        );
    }
}
