//! The providers `finetune` trains with, and every fact that differs between them, in one
//! table: environment variables, endpoints, default model, the models each trains and what
//! each can do. `check`, `cost`, `api` and the commands read it; they ask for a capability,
//! never for a provider's identity, so a new provider is one row here and one API module.

use std::fmt;

use serde::{Deserialize, Serialize};

mod facts;

use facts::FACTS;
pub use facts::{
    AZURE_API_VERSION, DefaultEpochs, EnvVars, FIREWORKS_ACCOUNT_ENV, JobIdShape, LossSource,
    Pricing, ProviderFacts, Tuning, names_where,
};

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
    /// Fireworks AI: datasets and jobs under `/v1/accounts/{account}`, open models, LoRA
    /// training, chat through its OpenAI-compatible inference API.
    Fireworks,
    /// Any service that speaks OpenAI's `/files` and `/fine_tuning/jobs` itself (`--base-url`):
    /// what it lacks of OpenAI's optional endpoints is learnt from its answers.
    #[serde(rename = "openai-compatible")]
    OpenAiCompatible,
    /// Google Vertex AI: Gemini tuning, whose datasets are in its own `contents`/`parts` format.
    /// `check`, `prepare`, `dedupe`, `split` and `convert` apply its rules; its tuning API is
    /// not driven yet ([`ProviderFacts::drives_api`]).
    Vertex,
    /// Amazon Bedrock: Nova model customization, whose datasets are in the Bedrock conversation
    /// format (`schemaVersion`, `system`, `messages` of content blocks). `check`, `prepare`,
    /// `dedupe`, `split` and `convert` apply its rules; its customization API is not driven
    /// ([`ProviderFacts::drives_api`]).
    Bedrock,
}

impl Provider {
    /// Every provider, in the order the documentation lists them.
    pub const ALL: [Provider; 7] = [
        Provider::OpenAi,
        Provider::Azure,
        Provider::Together,
        Provider::Fireworks,
        Provider::OpenAiCompatible,
        Provider::Vertex,
        Provider::Bedrock,
    ];

    /// Everything known about the provider.
    pub const fn facts(self) -> &'static ProviderFacts {
        &FACTS[self as usize]
    }

    /// The name `--provider` takes.
    pub const fn id(self) -> &'static str {
        self.facts().id
    }

    /// The provider's name for people.
    pub const fn label(self) -> &'static str {
        self.facts().label
    }

    /// The variable that holds the API key.
    pub const fn key_env(self) -> &'static str {
        self.facts().env.api_key
    }

    /// The variable that overrides the base URL (Azure: the resource endpoint).
    pub const fn url_env(self) -> &'static str {
        self.facts().env.base_url
    }

    /// The public endpoint; Azure has none (every resource has its own).
    pub const fn default_base_url(self) -> Option<&'static str> {
        self.facts().default_base_url
    }

    /// The model used when `--model` is not given.
    pub const fn default_model(self) -> &'static str {
        self.facts().default_model
    }

    /// Whether it trains models of `home` (the `provider` of a price table entry).
    pub fn trains_models_of(self, home: Provider) -> bool {
        self.facts().trains_models_of.contains(&home)
    }

    /// Whose list price stands for this provider's own, where its prices are only a reference
    /// ([`Pricing::Reference`]): the provider whose models it trains ("OpenAI's" for Azure
    /// OpenAI), else the price table's.
    pub fn reference_price_owner(self) -> String {
        self.facts().trains_models_of.first().map_or_else(
            || "the price table's".to_owned(),
            |home| format!("{}'s", home.label()),
        )
    }

    /// Where a dataset this provider can no longer train still trains as it is: the other
    /// providers that take new jobs, whose API finetune drives, and that read OpenAI's format.
    /// The wind-down hints name them.
    pub fn alternatives(self) -> Vec<Provider> {
        Provider::ALL
            .into_iter()
            .filter(|other| {
                let facts = other.facts();
                *other != self
                    && facts.stops_new_jobs.is_none()
                    && facts.drives_api
                    && facts.dataset_rules.conversations == crate::lint::Conversations::OpenAi
            })
            .collect()
    }

    /// The dataset rules `check` applies for this provider.
    pub const fn dataset_rules(self) -> crate::lint::RuleProfile {
        self.facts().dataset_rules
    }

    /// Why the API commands cannot work with this provider, where `finetune` does not drive its
    /// fine-tuning API: the message they stop with, naming the commands that do apply.
    pub fn api_refusal(self) -> Option<String> {
        let facts = self.facts();
        (!facts.drives_api).then(|| {
            format!(
                "finetune does not drive {}'s tuning API yet: `check`, `prepare` and `split` apply its dataset rules with --provider {}, `dedupe` and `convert` read its lines as they are; create the tuning job with {}'s own tools",
                facts.label, facts.id, facts.label
            )
        })
    }

    /// Whether files above the single-request limit can go through a multipart upload API.
    pub const fn has_multipart_uploads(self) -> bool {
        self.facts().multipart_uploads
    }

    /// Whether jobs can be paused and resumed.
    pub const fn can_pause(self) -> bool {
        self.facts().pause_resume
    }

    /// Whether a job request can carry `metadata` (which makes creation safe to retry).
    pub const fn has_job_metadata(self) -> bool {
        self.facts().job_metadata
    }

    /// Whether job events carry the losses (OpenAI's `metrics` events); otherwise they come
    /// from the job's metrics.
    pub fn reports_losses_in_events(self) -> bool {
        self.facts().losses == LossSource::Events
    }

    /// Whether `text` names a fine-tuning job rather than a model: `ftjob-…` on OpenAI and
    /// Azure, `ft-…` on Together (whose model names always hold an account prefix and a `/`).
    pub fn is_job_id(self, text: &str) -> bool {
        let shape = self.facts().job_id;
        text.starts_with(shape.prefix) && !(shape.no_slash && text.contains('/'))
    }

    /// The base URL for a configured endpoint: Azure's dated API lives under `/openai` of the
    /// resource endpoint, its v1 API (`…/openai/v1`) and the other providers' are used as given.
    pub fn base_url(self, endpoint: &str) -> String {
        let endpoint = endpoint.trim_end_matches('/');
        match self.facts().dated_api_path {
            Some(path) if !endpoint.ends_with(path) && !self.is_unversioned(endpoint) => {
                format!("{endpoint}{path}")
            }
            _ => endpoint.to_owned(),
        }
    }

    /// Whether requests to `base_url` carry a dated `api-version`: on Azure's dated surface,
    /// not on its v1 API nor on providers without versions.
    pub fn sends_api_version(self, base_url: &str) -> bool {
        self.facts().default_api_version.is_some() && !self.is_unversioned(base_url)
    }

    /// Whether `base_url` is the provider's unversioned API surface (Azure's `/openai/v1`).
    fn is_unversioned(self, base_url: &str) -> bool {
        self.facts()
            .unversioned_api_path
            .is_some_and(|path| base_url.trim_end_matches('/').ends_with(path))
    }
}

impl std::str::FromStr for Provider {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.id().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                let ids: Vec<&str> = Provider::ALL.iter().map(|p| p.id()).collect();
                format!(
                    "unknown provider {name:?}: expected one of {}",
                    ids.join(", ")
                )
            })
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alternatives_train_the_same_file_through_the_same_commands() {
        // Not OpenAI itself (it stops taking jobs), nor Vertex AI or Bedrock (another format,
        // and an API finetune does not drive).
        assert_eq!(
            Provider::OpenAi.alternatives(),
            [
                Provider::Azure,
                Provider::Together,
                Provider::Fireworks,
                Provider::OpenAiCompatible
            ]
        );
        assert!(!Provider::Azure.alternatives().contains(&Provider::Azure));
    }

    #[test]
    fn azure_base_urls_end_in_openai_once() {
        for (provider, endpoint, base) in [
            (
                Provider::Azure,
                "https://res.openai.azure.com/",
                "https://res.openai.azure.com/openai",
            ),
            (
                Provider::Azure,
                "https://res.openai.azure.com/openai",
                "https://res.openai.azure.com/openai",
            ),
            (
                Provider::Azure,
                "https://res.openai.azure.com/openai/v1/",
                "https://res.openai.azure.com/openai/v1",
            ),
            (
                Provider::Together,
                "https://api.together.ai/v1/",
                "https://api.together.ai/v1",
            ),
        ] {
            assert_eq!(provider.base_url(endpoint), base, "{provider} {endpoint}");
        }
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
        // An OpenAI-compatible service reads OpenAI's variable, as OpenAI's SDKs pointed at it do.
        let own: Vec<Provider> = Provider::ALL
            .into_iter()
            .filter(|p| *p != Provider::OpenAiCompatible)
            .collect();
        let keys: std::collections::HashSet<_> = own.iter().map(|p| p.key_env()).collect();
        assert_eq!(keys.len(), own.len());
        assert_eq!(
            Provider::OpenAiCompatible.key_env(),
            Provider::OpenAi.key_env()
        );
    }

    #[test]
    fn the_table_rows_are_in_the_order_of_all() {
        for (index, provider) in Provider::ALL.into_iter().enumerate() {
            assert_eq!(provider as usize, index);
            assert_eq!(provider.id().parse::<Provider>(), Ok(provider));
        }
    }

    #[test]
    fn only_azure_s_dated_surface_sends_an_api_version() {
        assert!(Provider::Azure.sends_api_version("https://res.openai.azure.com/openai"));
        assert!(!Provider::Azure.sends_api_version("https://res.openai.azure.com/openai/v1/"));
        assert!(!Provider::OpenAi.sends_api_version("https://api.openai.com/v1"));
    }
}
