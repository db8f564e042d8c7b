//! Settings resolved before a command runs: its arguments, then the environment, then the
//! defaults, into one value the command reads. Every `FINETUNE_*` variable is named here; a
//! provider's own variables (`OPENAI_API_KEY`, `AZURE_OPENAI_ENDPOINT`, …) are in the
//! provider table ([`crate::provider`]).

use std::path::PathBuf;
use std::time::Duration;

use super::ApiArgs;
use crate::api::{ApiKey, Config, RetryPolicy};
use crate::provider::Provider;

/// The provider when `--provider` is not given.
pub const PROVIDER_ENV: &str = "FINETUNE_PROVIDER";
/// Tries after the first for requests that fail on the way.
pub const MAX_RETRIES_ENV: &str = "FINETUNE_MAX_RETRIES";
/// Seconds a request may wait for the next bytes of its answer.
pub const READ_TIMEOUT_ENV: &str = "FINETUNE_READ_TIMEOUT";
/// The folder of the local record of uploads.
pub const STATE_DIR_ENV: &str = "FINETUNE_STATE_DIR";
/// Today's date (`YYYY-MM-DD`), so that date-dependent warnings can be tried ahead of time.
pub const TODAY_ENV: &str = "FINETUNE_TODAY";

/// The model a command works for: the one given, else the provider's default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelSetting {
    /// The model's name as given (or the default's).
    pub name: String,
    /// Whether `--model` was absent, so the provider's default is used.
    pub defaulted: bool,
}

impl ModelSetting {
    /// `given`, else `provider`'s default model. Whether a model was given is whether
    /// `--model` was there, never whether its value equals some default.
    pub fn resolve(given: Option<&str>, provider: Provider) -> Self {
        match given {
            Some(name) => Self {
                name: name.to_owned(),
                defaulted: false,
            },
            None => Self {
                name: provider.default_model().to_owned(),
                defaulted: true,
            },
        }
    }

    /// What to say about a default that is not the one the documentation leads with: where
    /// the provider lists its own models, which model was taken and where the others are.
    pub fn note(&self, provider: Provider) -> Option<String> {
        (self.defaulted && provider.facts().publishes_model_limits).then(|| {
            format!(
                "no --model given: using {} (`finetune models --provider {}` lists the others)",
                self.name,
                provider.id()
            )
        })
    }
}

/// `--provider`'s help, from the provider table: every id with its provider's name.
pub fn provider_help() -> String {
    let ids: Vec<String> = Provider::ALL
        .into_iter()
        .map(|p| format!("`{}` ({})", p.id(), p.label()))
        .collect();
    format!("The provider: {}", ids.join(", "))
}

/// `--base-url`'s help, from the provider table: each provider's variable.
pub fn base_url_help() -> String {
    let vars: Vec<String> = Provider::ALL
        .into_iter()
        .map(|p| format!("`{}`", p.facts().env.base_url))
        .collect();
    format!(
        "The API's base URL; by default the provider's variable ({}), else its public endpoint",
        vars.join(", ")
    )
}

/// `--api-key-env`'s help, from the provider table: each provider's key variable.
pub fn api_key_env_help() -> String {
    let mut vars: Vec<String> = Vec::new();
    for provider in Provider::ALL {
        let var = format!("`{}`", provider.facts().env.api_key);
        if !vars.contains(&var) {
            vars.push(var);
        }
    }
    format!(
        "The environment variable that holds the API key (by default the provider's: {})",
        vars.join(", ")
    )
}

/// The client's configuration for `args`: `--base-url`, `--api-key-env`, … first, then the
/// provider's variables, then its defaults; the message says what is missing.
pub fn api_config(args: &ApiArgs) -> Result<Config, String> {
    let provider = args.provider;
    if let Some(refusal) = provider.api_refusal() {
        return Err(refusal);
    }
    let facts = provider.facts();
    let key_env = args
        .api_key_env
        .clone()
        .unwrap_or_else(|| facts.env.api_key.to_owned());
    let key = non_empty_var(&key_env).ok_or_else(|| {
        format!(
            "{key_env} is not set: export the {} API key there (or name another variable with --api-key-env)",
            facts.label
        )
    })?;
    let base_url = args
        .base_url
        .clone()
        .or_else(|| non_empty_var(facts.env.base_url))
        .or_else(|| facts.default_base_url.map(str::to_owned))
        .ok_or_else(|| {
            format!(
                "{} needs its resource endpoint: set {} ({}) or pass --base-url",
                facts.label, facts.env.base_url, facts.base_url_example
            )
        })?;
    let base_url = base_url.trim();
    if !base_url.starts_with("http://") && !base_url.starts_with("https://") {
        return Err(format!(
            "the base URL must start with http:// or https://, not {base_url:?}"
        ));
    }
    let mut config = Config::for_provider(provider, base_url, ApiKey::new(key.trim()));
    // A flag the provider has no use for is refused rather than dropped without a word.
    if args.api_version.is_some() && config.api_version.is_none() {
        return Err(match facts.unversioned_api_path {
            Some(path) if facts.env.api_version.is_some() => format!(
                "--api-version has no meaning on {}'s API at {path}, which is not dated: drop it, or use the resource endpoint without {path} for the dated API",
                facts.label
            ),
            _ => format!("--api-version has no meaning on {}: drop it", facts.label),
        });
    }
    for (flag, given, variable) in [
        ("--organization", &args.organization, facts.env.organization),
        ("--project", &args.project, facts.env.project),
    ] {
        if given.is_some() && variable.is_none() {
            return Err(format!("{flag} has no meaning on {}: drop it", facts.label));
        }
    }
    // Only the dated surface takes a version (Azure's v1 API has none).
    if config.api_version.is_some()
        && let Some(version) = args
            .api_version
            .clone()
            .or_else(|| facts.env.api_version.and_then(non_empty_var))
    {
        config.api_version = Some(version);
    }
    config.organization = args
        .organization
        .clone()
        .or_else(|| facts.env.organization.and_then(non_empty_var));
    config.project = args
        .project
        .clone()
        .or_else(|| facts.env.project.and_then(non_empty_var));
    config.retry = RetryPolicy {
        max_retries: args.max_retries,
        ..RetryPolicy::default()
    };
    // The parser bounds it, so the conversion cannot fail.
    config.timeout = Duration::try_from_secs_f64(args.read_timeout)
        .map_err(|error| format!("--read-timeout {}: {error}", args.read_timeout))?;
    config.allow_insecure_http = args.allow_insecure_http;
    Ok(config)
}

/// The folder of the local record of uploads: `FINETUNE_STATE_DIR`, else
/// `$XDG_STATE_HOME/finetune`, else `~/.local/state/finetune`.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(STATE_DIR_ENV) {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME") {
        return Some(PathBuf::from(dir).join("finetune"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state/finetune"))
}

/// Today as days since 1970-01-01 (UTC): `FINETUNE_TODAY` where it holds a date, else the
/// clock's.
pub fn today() -> i64 {
    std::env::var(TODAY_ENV)
        .ok()
        .and_then(|text| crate::time::parse_rfc3339(&text))
        .map_or_else(crate::time::today, |seconds| seconds.div_euclid(86_400))
}

fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_given_is_never_taken_for_the_default() {
        let given = ModelSetting::resolve(Some("gpt-4o-mini-2024-07-18"), Provider::Together);
        assert_eq!(given.name, "gpt-4o-mini-2024-07-18");
        assert!(!given.defaulted);
        assert_eq!(given.note(Provider::Together), None);
        let default = ModelSetting::resolve(None, Provider::Together);
        assert_eq!(default.name, Provider::Together.default_model());
        assert!(default.note(Provider::Together).is_some());
        assert_eq!(
            ModelSetting::resolve(None, Provider::OpenAi).note(Provider::OpenAi),
            None
        );
    }

    #[test]
    fn the_help_of_the_api_flags_names_every_provider_s_variables() {
        for provider in Provider::ALL {
            let facts = provider.facts();
            assert!(provider_help().contains(&format!("`{}`", facts.id)));
            assert!(base_url_help().contains(facts.env.base_url));
            assert!(api_key_env_help().contains(facts.env.api_key));
        }
    }
}
