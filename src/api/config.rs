//! Where the API is and how to authenticate; the key is never shown.

use std::fmt;
use std::time::Duration;

use super::{Provider, RetryPolicy};

/// The public OpenAI endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// How long a request may wait for the next bytes of its answer, unless configured.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(600);

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
    /// How long one request may wait for the next bytes of its answer before it counts as
    /// timed out.
    pub timeout: Duration,
    /// When and how often to try again.
    pub retry: RetryPolicy,
    /// Whether a plain `http://` base URL may name a host that is not this machine: the key
    /// would cross the network unencrypted.
    pub allow_insecure_http: bool,
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
            timeout: DEFAULT_READ_TIMEOUT,
            retry: RetryPolicy::default(),
            allow_insecure_http: false,
        }
    }

    /// Refuses a base URL that would send the key unencrypted across the network: plain
    /// `http://` to a host other than this machine, unless allowed. The message shows the URL
    /// without any user name or password in it.
    pub fn check_transport_security(&self) -> Result<(), String> {
        let url = reqwest::Url::parse(&self.base_url)
            .map_err(|error| format!("the base URL {:?} is not a URL: {error}", self.base_url))?;
        if url.scheme() != "http" || self.allow_insecure_http {
            return Ok(());
        }
        let host = url.host_str().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if loopback {
            return Ok(());
        }
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        Err(format!(
            "not sending the API key unencrypted to {shown}: plain http:// is allowed only to this machine (localhost, 127.0.0.0/8, ::1); use https://, or pass --allow-insecure-http if the network is trusted"
        ))
    }

    /// The scheme, host and port of a URL: what a redirect may not change.
    pub(crate) fn origin(url: &reqwest::Url) -> (String, Option<String>, Option<u16>) {
        (
            url.scheme().to_owned(),
            url.host_str().map(str::to_owned),
            url.port_or_known_default(),
        )
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
    fn plain_http_is_refused_beyond_this_machine() {
        let config = |url: &str| Config::new(url, ApiKey::new("sk-secret-123"));
        for local in [
            "http://127.0.0.1:8080/v1",
            "http://127.3.2.1/v1",
            "http://localhost:1/v1",
            "http://[::1]:9/v1",
            "https://api.example.com/v1",
        ] {
            assert!(config(local).check_transport_security().is_ok(), "{local}");
        }
        let refused = config("http://user:hunter2@api.example.com/v1")
            .check_transport_security()
            .unwrap_err();
        assert!(
            refused.contains("http://api.example.com/v1")
                && refused.contains("--allow-insecure-http")
                && !refused.contains("hunter2"),
            "{refused}"
        );
        let mut allowed = config("http://10.0.0.5/v1");
        allowed.allow_insecure_http = true;
        assert!(allowed.check_transport_security().is_ok());
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
