//! The providers `finetune` trains with, and what differs between them: where the API is, how
//! the key is sent, and which environment variables configure it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A fine-tuning provider. Commands are the same for every provider; the client maps each
/// call to the provider's endpoint and reads its answers into the same objects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// OpenAI's fine-tuning API (`Authorization: Bearer`).
    #[default]
    #[serde(rename = "openai")]
    OpenAi,
    /// Azure OpenAI: the OpenAI API under a resource endpoint, `api-key` header, `api-version`.
    Azure,
    /// Together AI: its own fine-tuning API (`/fine-tunes`), open models, LoRA or full training.
    Together,
}

impl Provider {
    /// Every provider, in the order the documentation lists them.
    pub const ALL: [Provider; 3] = [Provider::OpenAi, Provider::Azure, Provider::Together];

    /// The name `--provider` takes.
    pub const fn id(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Azure => "azure",
            Provider::Together => "together",
        }
    }

    /// The provider's name for people.
    pub const fn label(self) -> &'static str {
        match self {
            Provider::OpenAi => "OpenAI",
            Provider::Azure => "Azure OpenAI",
            Provider::Together => "Together AI",
        }
    }

    /// The variable that holds the API key.
    pub const fn key_env(self) -> &'static str {
        match self {
            Provider::OpenAi => "OPENAI_API_KEY",
            Provider::Azure => "AZURE_OPENAI_API_KEY",
            Provider::Together => "TOGETHER_API_KEY",
        }
    }

    /// The variable that overrides the base URL (Azure: the resource endpoint).
    pub const fn url_env(self) -> &'static str {
        match self {
            Provider::OpenAi => "OPENAI_BASE_URL",
            Provider::Azure => "AZURE_OPENAI_ENDPOINT",
            Provider::Together => "TOGETHER_BASE_URL",
        }
    }

    /// The public endpoint; Azure has none (every resource has its own).
    pub const fn default_base_url(self) -> Option<&'static str> {
        match self {
            Provider::OpenAi => Some("https://api.openai.com/v1"),
            Provider::Azure => None,
            Provider::Together => Some("https://api.together.ai/v1"),
        }
    }

    /// Whether files above the single-request limit can go through a multipart upload API.
    pub const fn has_multipart_uploads(self) -> bool {
        matches!(self, Provider::OpenAi)
    }

    /// Whether jobs can be paused and resumed.
    pub const fn can_pause(self) -> bool {
        !matches!(self, Provider::Together)
    }

    /// Whether a job request can carry `metadata` (which makes creation safe to retry).
    pub const fn has_job_metadata(self) -> bool {
        matches!(self, Provider::OpenAi)
    }

    /// Whether job events carry the losses (OpenAI's `metrics` events); Together's come from
    /// the job's metrics instead.
    pub const fn reports_losses_in_events(self) -> bool {
        !matches!(self, Provider::Together)
    }

    /// Whether `text` names a fine-tuning job rather than a model: `ftjob-…` on OpenAI and
    /// Azure, `ft-…` on Together (whose model names always hold an account prefix and a `/`).
    pub fn is_job_id(self, text: &str) -> bool {
        match self {
            Provider::Together => text.starts_with("ft-") && !text.contains('/'),
            _ => text.starts_with("ftjob-"),
        }
    }

    /// The base URL for a configured endpoint: Azure's dated API lives under `/openai` of the
    /// resource endpoint, its v1 API (`…/openai/v1`) and the other providers' are used as given.
    pub fn base_url(self, endpoint: &str) -> String {
        let endpoint = endpoint.trim_end_matches('/');
        match self {
            Provider::Azure if !endpoint.ends_with("/openai") && !is_azure_v1(endpoint) => {
                format!("{endpoint}/openai")
            }
            _ => endpoint.to_owned(),
        }
    }
}

impl std::str::FromStr for Provider {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.id().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| format!("unknown provider {name:?}: expected openai, azure or together"))
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Whether `base_url` is Azure OpenAI's v1 API surface (`https://RESOURCE.openai.azure.com/openai/v1`),
/// which takes OpenAI's paths and no dated `api-version`.
pub fn is_azure_v1(base_url: &str) -> bool {
    base_url.trim_end_matches('/').ends_with("/openai/v1")
}

/// The Azure OpenAI data-plane API version used when `AZURE_OPENAI_API_VERSION` is not set.
pub const AZURE_API_VERSION: &str = "2024-10-21";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_base_urls_end_in_openai_once() {
        assert_eq!(
            Provider::Azure.base_url("https://res.openai.azure.com/"),
            "https://res.openai.azure.com/openai"
        );
        assert_eq!(
            Provider::Azure.base_url("https://res.openai.azure.com/openai"),
            "https://res.openai.azure.com/openai"
        );
        assert_eq!(
            Provider::Azure.base_url("https://res.openai.azure.com/openai/v1/"),
            "https://res.openai.azure.com/openai/v1"
        );
        assert_eq!(
            Provider::Together.base_url("https://api.together.ai/v1/"),
            "https://api.together.ai/v1"
        );
    }

    #[test]
    fn job_ids_are_told_from_model_names_per_provider() {
        assert!(Provider::OpenAi.is_job_id("ftjob-abc123"));
        assert!(!Provider::OpenAi.is_job_id("ft:gpt-4o-mini-2024-07-18:org::abc"));
        assert!(Provider::Azure.is_job_id("ftjob-abc123"));
        assert!(Provider::Together.is_job_id("ft-8f3a9c"));
        assert!(!Provider::Together.is_job_id("acme/Meta-Llama-3.1-8B-Instruct-Reference-ft-1"));
        assert!(!Provider::Together.is_job_id("ftjob-abc123"));
    }

    #[test]
    fn every_provider_has_its_own_key_variable() {
        let keys: std::collections::HashSet<_> =
            Provider::ALL.iter().map(|p| p.key_env()).collect();
        assert_eq!(keys.len(), 3);
    }
}
