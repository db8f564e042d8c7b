//! Where the API is and how to authenticate; the key is never shown.

use std::fmt::{self, Write as _};
use std::time::Duration;

use super::{Provider, RetryPolicy};

/// The public OpenAI endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// How long a request may wait for the next bytes of its answer, unless configured.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(600);

/// What stands in for the key wherever the key would be shown.
pub const REDACTED: &str = "[redacted]";

/// Keys shorter than this are not scrubbed: replacing every occurrence of one or two
/// characters would garble all text without hiding anything.
const MIN_SCRUBBED_LEN: usize = 4;

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
        if self.0.len() < MIN_SCRUBBED_LEN {
            return text.to_owned();
        }
        text.replace(&self.0, REDACTED)
    }

    /// `body` (an answer as received, before it is decoded) with every occurrence of the key
    /// replaced by `[redacted]`, both as it is and as JSON writes it inside a string (escaped
    /// quotes, backslashes and control characters, `\/` for `/`, `\uXXXX` for non-ASCII), so
    /// that no decoded field holds it. The key is only ever sent by us: any trace of it in an
    /// answer is an echo.
    pub fn scrub_body(&self, body: Vec<u8>) -> Vec<u8> {
        if self.0.len() < MIN_SCRUBBED_LEN {
            return body;
        }
        self.forms()
            .iter()
            .fold(body, |body, form| replace_all(body, form.as_bytes()))
    }

    /// The ways the key can be spelled in an answer: as it is, then as JSON encoders escape
    /// it inside a string. An escape of a JSON-safe key is the key itself, so a usual key
    /// has one form.
    fn forms(&self) -> Vec<String> {
        let escaped = serde_json::to_string(&self.0).unwrap_or_default();
        let escaped = escaped
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .unwrap_or_default()
            .to_owned();
        let slashes = escaped.replace('/', "\\/");
        let mut ascii = String::with_capacity(escaped.len());
        for c in escaped.chars() {
            if c.is_ascii() {
                ascii.push(c);
            } else {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    // Writing to a String cannot fail.
                    let _ = write!(ascii, "\\u{unit:04x}");
                }
            }
        }
        let mut forms = vec![self.0.clone()];
        for form in [escaped, slashes, ascii] {
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
        forms
    }
}

/// `body` with every occurrence of `needle` replaced by [`REDACTED`]; the body is given back
/// untouched (no copy) when the needle is not in it, which is nearly always.
fn replace_all(body: Vec<u8>, needle: &[u8]) -> Vec<u8> {
    let finder = memchr::memmem::Finder::new(needle);
    if finder.find(&body).is_none() {
        return body;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut from = 0;
    for at in finder.find_iter(&body) {
        out.extend_from_slice(&body[from..at]);
        out.extend_from_slice(REDACTED.as_bytes());
        from = at + needle.len();
    }
    out.extend_from_slice(&body[from..]);
    out
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
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
        // Azure's v1 surface has no dated versions; only the dated one is asked with one.
        if provider.sends_api_version(&config.base_url) {
            config.api_version = provider.facts().default_api_version.map(str::to_owned);
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

    #[test]
    fn scrub_body_removes_every_occurrence_and_keeps_the_rest() {
        let key = ApiKey::new("sk-secret-123");
        let body = br#"{"id":"ftjob-sk-secret-123","model":"sk-secret-123sk-secret-123"}"#;
        assert_eq!(
            key.scrub_body(body.to_vec()),
            br#"{"id":"ftjob-[redacted]","model":"[redacted][redacted]"}"#
        );
        let clean = br#"{"id":"ftjob-abc"}"#.to_vec();
        assert_eq!(key.scrub_body(clean.clone()), clean);
    }

    #[test]
    fn scrub_body_finds_the_key_as_json_escapes_it() {
        let key = ApiKey::new("sk/\"sécret\"");
        for spelled in [
            r#"sk/\"sécret\""#,
            r#"sk\/\"sécret\""#,
            r#"sk/\"s\u00e9cret\""#,
            "sk/\"sécret\"",
        ] {
            let body = format!(r#"{{"message":"echo {spelled}"}}"#);
            let scrubbed = String::from_utf8(key.scrub_body(body.into_bytes())).unwrap();
            assert_eq!(scrubbed, r#"{"message":"echo [redacted]"}"#, "{spelled}");
        }
        let decoded: serde_json::Value =
            serde_json::from_slice(&key.scrub_body(br#"{"m":"sk/\"s\u00e9cret\""}"#.to_vec()))
                .unwrap();
        assert_eq!(decoded["m"], "[redacted]");
    }

    #[test]
    fn a_key_too_short_to_scrub_leaves_bodies_alone() {
        let key = ApiKey::new("sk");
        assert_eq!(key.scrub_body(b"sk-sk".to_vec()), b"sk-sk");
    }
}
