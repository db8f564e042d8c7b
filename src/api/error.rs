//! What went wrong talking to the API, said plainly.

use std::fmt;
use std::path::PathBuf;

use super::{ApiKey, Provider};

/// An HTTP answer that was not a success, in the spec's error shape where the server gave one.
#[derive(Clone, Debug)]
pub struct StatusError {
    /// Who answered.
    pub provider: Provider,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path below the base URL, e.g. `/fine_tuning/jobs`.
    pub path: String,
    /// The HTTP status code.
    pub status: u16,
    /// The server's message (with the API key scrubbed out).
    pub message: String,
    /// `error.type`.
    pub kind: Option<String>,
    /// `error.code`.
    pub code: Option<String>,
    /// `error.param`.
    pub param: Option<String>,
    /// The `x-request-id` header, for support requests.
    pub request_id: Option<String>,
    /// The `Location` of a redirect that was not followed because it leaves the origin.
    pub location: Option<String>,
    /// The wait the server asked for (`Retry-After` as sent) when it is longer than finetune
    /// waits, which is why the request was not tried again.
    pub refused_wait: Option<String>,
    /// How many times the request was tried again before this answer.
    pub retries: u32,
}

/// Why the platform refuses fine-tuning work it used to accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindDown {
    /// The organisation may no longer create fine-tuning jobs.
    JobsClosed,
    /// The base model is retired for fine-tuning.
    ModelRetired,
}

impl StatusError {
    /// The plain-language reason the platform refused, when it refused because of the
    /// fine-tuning wind-down: only from the day the provider stops new jobs (`today`, in days
    /// since the Unix epoch), as before it the same words mean something else. The spec does
    /// not list these answers, so they are recognised by status, code and wording.
    pub fn wind_down(&self, today: i64) -> Option<WindDown> {
        let closes = self
            .provider
            .facts()
            .stops_new_jobs
            .and_then(crate::time::parse_rfc3339)
            .map(|seconds| seconds.div_euclid(86_400));
        if closes.is_none_or(|day| today < day) {
            return None;
        }
        let text = format!(
            "{} {}",
            self.code.as_deref().unwrap_or_default(),
            self.message
        )
        .to_lowercase();
        let ended = [
            "no longer",
            "not available",
            "unavailable",
            "retired",
            "deprecated",
            "shut down",
            "discontinued",
            "wind-down",
            "wind down",
            "sunset",
        ]
        .iter()
        .any(|word| text.contains(word));
        if !ended
            || self.provider.facts().stops_new_jobs.is_none()
            || !self.path.starts_with("/fine_tuning/jobs")
            || !matches!(self.status, 400 | 403 | 404 | 410)
        {
            return None;
        }
        if self.param.as_deref() == Some("model")
            || text.contains("model") && (text.contains("retired") || text.contains("deprecated"))
        {
            Some(WindDown::ModelRetired)
        } else if text.contains("fine-tun") || text.contains("fine_tun") {
            Some(WindDown::JobsClosed)
        } else {
            None
        }
    }

    /// Every piece of text with the key replaced by `[redacted]`. The fields are named one by
    /// one so that a new text field cannot be added without deciding how it is scrubbed.
    fn scrub(&mut self, key: &ApiKey) {
        let Self {
            provider: _,
            method,
            path,
            status: _,
            message,
            kind,
            code,
            param,
            request_id,
            location,
            refused_wait,
            retries: _,
        } = self;
        for text in [method, path, message] {
            *text = key.scrub(text);
        }
        for text in [kind, code, param, request_id, location, refused_wait]
            .into_iter()
            .flatten()
        {
            *text = key.scrub(text);
        }
    }

    /// A line of advice for the statuses users meet most, on the day `today` (days since the
    /// Unix epoch).
    pub fn hint(&self, today: i64) -> Option<String> {
        if let Some(wait) = &self.refused_wait {
            return Some(format!(
                "the server asks to wait {wait} before trying again, longer than the {} s finetune waits for; try again later",
                super::retry::MAX_SERVER_DELAY.as_secs()
            ));
        }
        if (300..400).contains(&self.status) {
            let target = self.location.as_deref().unwrap_or("another address");
            return Some(format!(
                "the server redirects to {target}: finetune follows redirects only within the same scheme, host and port, so that the key never reaches another server; if that address is the API, give it as the base URL"
            ));
        }
        if let Some(reason) = self.wind_down(today) {
            let facts = self.provider.facts();
            let others: Vec<String> = self
                .provider
                .alternatives()
                .into_iter()
                .map(|other| {
                    let other = other.facts();
                    format!(
                        "{} (--provider {}: {})",
                        other.label, other.id, other.models_plural
                    )
                })
                .collect();
            let others = others.join(", ");
            return Some(match reason {
                WindDown::JobsClosed => format!(
                    "{} stopped new self-serve fine-tuning jobs on {}. The dataset is not tied to it: the same commands run it on {others}; `finetune models --provider …` lists their models.",
                    facts.label,
                    facts.stops_new_jobs.unwrap_or_default()
                ),
                WindDown::ModelRetired => format!(
                    "{} retires models for fine-tuning; `finetune models` lists the shutdown dates. The same dataset trains on {others}.",
                    facts.label
                ),
            });
        }
        let env = self.provider.facts().env;
        let (key, url) = (env.api_key, env.base_url);
        match (self.status, self.code.as_deref()) {
            (401, _) => Some(format!("the API key was refused: check the key in {key} (or the variable --api-key-env names), and {url}")),
            (403, _) if let (Some(organization), Some(project)) = (env.organization, env.project) => Some(format!("the key is valid but may not do this: check the key's permissions, and the organisation and project ({organization}, {project})")),
            (403, _) => Some("the key is valid but may not do this: check the key's permissions".to_owned()),
            (404, _) if self.provider.facts().deployments && (self.path.starts_with("/deployments/") || self.path.ends_with("/chat/completions")) => Some(format!("{} answers through deployments: {}", self.provider.label(), self.provider.facts().deployment_hint)),
            (404, Some("model_not_found")) => Some("no such model for this key: a fine-tuned model exists only once its job has succeeded (`finetune retrieve-job ID`)".to_owned()),
            (404, _) => Some(format!("no such object for this key and endpoint: check the id (`finetune list-files`, `finetune list-jobs`), {url} and --provider")),
            (429, Some("insufficient_quota")) => Some("the account's quota is used up: waiting will not help; check the plan and billing".to_owned()),
            (429, _) if self.retries == 0 => Some("rate limited; try again later (--max-retries sets how often finetune waits and tries again)".to_owned()),
            (429, _) => Some(format!("rate limited even after waiting and trying again {}; try again later", times(self.retries))),
            (status, _) if status >= 500 && self.retries == 0 => Some("the server failed; try again later (--max-retries sets how often finetune tries again)".to_owned()),
            (status, _) if status >= 500 => Some(format!("the server failed even after trying again {}; try again later", times(self.retries))),
            _ => None,
        }
    }
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} answered HTTP {}",
            self.method, self.path, self.status
        )?;
        if let Some(reason) = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|status| status.canonical_reason())
        {
            write!(f, " {reason}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        let mut details = Vec::new();
        if let Some(code) = &self.code {
            details.push(format!("code {code}"));
        }
        if let Some(param) = &self.param {
            details.push(format!("param {param}"));
        }
        if let Some(id) = &self.request_id {
            details.push(format!("request id {id}"));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

/// `once`, `twice`, `3 times`.
fn times(count: u32) -> String {
    match count {
        1 => "once".to_owned(),
        2 => "twice".to_owned(),
        n => format!("{n} times"),
    }
}

/// An error from the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error status.
    #[error("{0}")]
    Status(Box<StatusError>),
    /// The request never got an answer: refused connection, reset, timeout, truncated body.
    #[error("{method} {path}: no answer from {host}: {message}")]
    Transport {
        method: String,
        path: String,
        host: String,
        message: String,
        /// Whether the request surely never reached the server (the connection was refused).
        unsent: bool,
        /// How many times the request was tried again before giving up.
        retries: u32,
    },
    /// The answer was not what the spec describes.
    #[error("{method} {path}: the answer could not be read: {message}")]
    Decode {
        method: String,
        path: String,
        message: String,
    },
    /// A creating request whose outcome is unknown: its answer was lost and whether it was
    /// carried out could not be found out, so the thing may exist although no answer said so.
    #[error("{error}{}; the {what} may already exist", lookup.as_ref().map(|l| format!("\n  and finding out whether it was created failed: {l}")).unwrap_or_default())]
    Unconfirmed {
        /// What was being created: `job`, `file`.
        what: &'static str,
        /// Why the answer was lost.
        error: Box<ApiError>,
        /// Why the lookup that should have found it failed, if it failed rather than found
        /// nothing.
        lookup: Option<Box<ApiError>>,
        /// The command that shows whether it exists, when one can.
        check: Option<&'static str>,
    },
    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Something the provider has no endpoint for.
    #[error("{provider} cannot {what}")]
    Unsupported {
        /// The provider's name for people.
        provider: &'static str,
        /// What it cannot do: `pause a job (only cancel it)`.
        what: String,
    },
    /// Anything else the caller should read as is.
    #[error("{0}")]
    Other(String),
}

impl ApiError {
    /// The HTTP error, when the server gave one.
    pub fn status(&self) -> Option<&StatusError> {
        match self {
            Self::Status(error) => Some(error),
            _ => None,
        }
    }

    /// A line of advice, when there is one, on the day `today` (days since the Unix epoch).
    pub fn hint(&self, today: i64) -> Option<String> {
        match self {
            Self::Status(error) => error.hint(today),
            Self::Transport { host, retries, .. } => Some(match retries {
                0 => format!(
                    "check the network and the base URL (now {host}); the request was not tried again (--max-retries sets how often it is)"
                ),
                n => format!(
                    "check the network and the base URL (now {host}); the request was tried again {} before giving up",
                    times(*n)
                ),
            }),
            Self::Unconfirmed {
                what,
                check: Some(check),
                ..
            } => Some(format!(
                "a {what} may already exist: `{check}` shows it; running the same command again looks for it first and creates it only if it is not there"
            )),
            Self::Unconfirmed { check: None, .. } => Some(
                "an empty upload may be left on the platform, which cannot list uploads; it expires on its own within an hour, and running the same command again starts another".to_owned(),
            ),
            _ => None,
        }
    }

    /// Whether the server may have carried out the request although it gave no success:
    /// the answer was lost, or a gateway failed in front of it.
    pub fn maybe_acted(&self) -> bool {
        match self {
            Self::Status(error) => error.status >= 500 || error.status == 408,
            Self::Transport { unsent, .. } => !unsent,
            Self::Unconfirmed { .. } => true,
            Self::Decode { .. } | Self::Io { .. } | Self::Unsupported { .. } | Self::Other(_) => {
                false
            }
        }
    }

    /// The error with the key replaced by `[redacted]` in every piece of text it holds.
    /// Every variant is taken apart field by field, so that a new one must say how it is
    /// scrubbed.
    #[must_use]
    pub fn scrubbed(self, key: &ApiKey) -> Self {
        match self {
            Self::Status(mut error) => {
                error.scrub(key);
                Self::Status(error)
            }
            Self::Transport {
                method,
                path,
                host,
                message,
                unsent,
                retries,
            } => Self::Transport {
                method: key.scrub(&method),
                path: key.scrub(&path),
                host: key.scrub(&host),
                message: key.scrub(&message),
                unsent,
                retries,
            },
            Self::Decode {
                method,
                path,
                message,
            } => Self::Decode {
                method: key.scrub(&method),
                path: key.scrub(&path),
                message: key.scrub(&message),
            },
            Self::Unconfirmed {
                what,
                error,
                lookup,
                check,
            } => Self::Unconfirmed {
                what,
                error: Box::new(error.scrubbed(key)),
                lookup: lookup.map(|lookup| Box::new(lookup.scrubbed(key))),
                check,
            },
            Self::Io { path, source } => Self::Io { path, source },
            Self::Unsupported { provider, what } => Self::Unsupported { provider, what },
            Self::Other(text) => Self::Other(key.scrub(&text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(
        status: u16,
        path: &str,
        code: Option<&str>,
        param: Option<&str>,
        message: &str,
    ) -> StatusError {
        StatusError {
            provider: Provider::OpenAi,
            method: "POST".into(),
            path: path.into(),
            status,
            message: message.into(),
            kind: Some("invalid_request_error".into()),
            code: code.map(Into::into),
            param: param.map(Into::into),
            request_id: Some("req_123".into()),
            location: None,
            refused_wait: None,
            retries: 0,
        }
    }

    #[test]
    fn the_message_names_status_server_text_code_and_request_id() {
        let shown = error(
            401,
            "/files",
            Some("invalid_api_key"),
            None,
            "Incorrect API key provided.",
        )
        .to_string();
        assert_eq!(
            shown,
            "POST /files answered HTTP 401 Unauthorized: Incorrect API key provided. (code invalid_api_key, request id req_123)"
        );
    }

    /// A day after OpenAI's cut-off, 2027-02-01.
    const AFTER: i64 = 20_850;

    #[test]
    fn wind_down_refusals_are_recognised() {
        let closed = error(
            403,
            "/fine_tuning/jobs",
            Some("fine_tuning_unavailable"),
            None,
            "Fine-tuning job creation is no longer available for your organization.",
        );
        assert_eq!(closed.wind_down(AFTER), Some(WindDown::JobsClosed));
        assert!(closed.hint(AFTER).unwrap().contains("--provider together"));
        // Vertex AI takes neither the same commands nor the same file yet.
        assert!(!closed.hint(AFTER).unwrap().contains("--provider vertex"));
        let retired = error(
            400,
            "/fine_tuning/jobs",
            Some("model_not_available"),
            Some("model"),
            "The model gpt-4o-mini-2024-07-18 has been retired and is not available for fine-tuning.",
        );
        assert_eq!(retired.wind_down(AFTER), Some(WindDown::ModelRetired));
        let ordinary = error(
            400,
            "/fine_tuning/jobs",
            Some("invalid_value"),
            Some("suffix"),
            "suffix is too long",
        );
        assert_eq!(ordinary.wind_down(AFTER), None);
        let elsewhere = error(
            404,
            "/files/file-1",
            None,
            None,
            "No such file: it is not available",
        );
        assert_eq!(elsewhere.wind_down(AFTER), None);
        let other_provider = StatusError {
            provider: Provider::Azure,
            ..error(
                403,
                "/fine_tuning/jobs",
                None,
                None,
                "Fine-tuning job creation is no longer available for your organization.",
            )
        };
        assert_eq!(other_provider.wind_down(AFTER), None);
        // Before the cut-off the same words mean something else.
        assert_eq!(retired.wind_down(AFTER - 60), None);
        assert!(
            closed
                .hint(AFTER)
                .unwrap()
                .contains("Fireworks AI (--provider fireworks")
        );
    }

    #[test]
    fn hints_name_the_providers_own_variables() {
        let together = |status| StatusError {
            provider: Provider::Together,
            ..error(status, "/fine-tunes/ft-1", None, None, "x")
        };
        let unauthorised = together(401).hint(AFTER).unwrap();
        assert!(
            unauthorised.contains("TOGETHER_API_KEY") && !unauthorised.contains("OPENAI"),
            "{unauthorised}"
        );
        assert!(
            together(404)
                .hint(AFTER)
                .unwrap()
                .contains("TOGETHER_BASE_URL")
        );
        assert!(!together(403).hint(AFTER).unwrap().contains("OPENAI_ORG_ID"));
        let undeployed = StatusError {
            provider: Provider::Azure,
            ..error(
                404,
                "/deployments/my-model/chat/completions",
                Some("DeploymentNotFound"),
                None,
                "x",
            )
        };
        assert!(undeployed.hint(AFTER).unwrap().contains("deploy"));
    }

    #[test]
    fn scrubbing_reaches_every_text_of_every_error() {
        let key = ApiKey::new("sk-echoed-1234");
        let status = StatusError {
            path: "/files/sk-echoed-1234".into(),
            kind: Some("sk-echoed-1234".into()),
            request_id: Some("req-sk-echoed-1234".into()),
            location: Some("http://x/sk-echoed-1234".into()),
            refused_wait: Some("sk-echoed-1234 s".into()),
            ..error(
                400,
                "/files",
                Some("sk-echoed-1234"),
                Some("sk-echoed-1234"),
                "bad key sk-echoed-1234",
            )
        };
        let errors = [
            ApiError::Status(Box::new(status.clone())),
            ApiError::Decode {
                method: "GET".into(),
                path: "/files".into(),
                message: "invalid type: string \"sk-echoed-1234\"".into(),
            },
            ApiError::Unconfirmed {
                what: "job",
                error: Box::new(ApiError::Other("sk-echoed-1234".into())),
                lookup: Some(Box::new(ApiError::Status(Box::new(status)))),
                check: Some("finetune list-jobs"),
            },
        ];
        for error in errors {
            let scrubbed = error.scrubbed(&key);
            let shown = format!("{scrubbed} {scrubbed:?}");
            assert!(!shown.contains("sk-echoed-1234"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
    }

    #[test]
    fn hints_say_whether_the_request_was_tried_again() {
        let busy = |retries| StatusError {
            retries,
            ..error(503, "/files", None, None, "x")
        };
        assert!(!busy(0).hint(AFTER).unwrap().contains("after trying again"));
        assert!(
            busy(2)
                .hint(AFTER)
                .unwrap()
                .contains("after trying again twice")
        );
        let refused = StatusError {
            refused_wait: Some("99999 s".into()),
            ..error(429, "/files", None, None, "x")
        };
        assert!(
            refused
                .hint(AFTER)
                .unwrap()
                .contains("asks to wait 99999 s")
        );
    }

    #[test]
    fn common_statuses_get_a_hint() {
        for status in [401, 403, 404, 500] {
            assert!(
                error(status, "/files", None, None, "x")
                    .hint(AFTER)
                    .is_some(),
                "{status}"
            );
        }
        assert!(
            error(429, "/files", Some("insufficient_quota"), None, "x")
                .hint(AFTER)
                .unwrap()
                .contains("quota")
        );
    }
}
