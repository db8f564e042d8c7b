//! The providers `finetune` trains with, and every fact that differs between them, in one
//! table: environment variables, endpoints, default model, the models each trains and what
//! each can do. `check`, `cost`, `api` and the commands read it; they ask for a capability,
//! never for a provider's identity, so a new provider is one row here and one API module.

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

/// The environment variables a provider's own tools read, which `finetune` reads too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnvVars {
    /// The API key.
    pub api_key: &'static str,
    /// The base URL (Azure: the resource endpoint).
    pub base_url: &'static str,
    /// The organisation to bill, where the provider has organisations.
    pub organization: Option<&'static str>,
    /// The project to bill, where the provider has projects.
    pub project: Option<&'static str>,
    /// The dated API version, where the provider has one.
    pub api_version: Option<&'static str>,
}

/// How the price of a job is known before it is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pricing {
    /// The price table's per-token price is the price.
    PriceTable,
    /// The price table's price is only a reference: the provider bills at rates of its own.
    Reference {
        /// Why the reference is not the bill, for the plan `train-model` shows.
        note: &'static str,
    },
    /// The provider prices each job itself, through an estimate endpoint.
    EstimatesEachJob,
}

/// Where a job's training and validation losses come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LossSource {
    /// `metrics` events in the job's events.
    Events,
    /// A metrics endpoint of the job, separate from its events.
    Metrics,
}

/// The epochs a job runs when none are asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultEpochs {
    /// Sized to the data by the platform's heuristic ([`crate::cost::auto_epochs`]).
    Heuristic,
    /// A fixed number.
    Fixed(u32),
}

/// Which hyperparameters beyond epochs, batch size and seed a job request takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tuning {
    /// A learning-rate multiplier (and `beta` for DPO); the platform picks the rest.
    Multiplier,
    /// An absolute learning rate, LoRA or full training, LoRA rank/alpha/dropout, checkpoints.
    LearningRateAndLora,
}

/// How a job id is told from a model name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobIdShape {
    /// Every job id starts with it.
    pub prefix: &'static str,
    /// Whether a `/` rules an id out (model names of the provider hold an account and a `/`).
    pub no_slash: bool,
}

/// Everything `finetune` knows about one provider.
// Each bool is one independent capability of the provider, not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProviderFacts {
    /// The name `--provider` takes.
    pub id: &'static str,
    /// The provider's name for people.
    pub label: &'static str,
    /// Its environment variables.
    pub env: EnvVars,
    /// The public endpoint; `None` where every account has its own (Azure's resources).
    pub default_base_url: Option<&'static str>,
    /// What a base URL looks like, for the message when none is configured.
    pub base_url_example: &'static str,
    /// Where the dated API lives below a configured endpoint (Azure: `/openai`), added when
    /// the endpoint does not end with it.
    pub dated_api_path: Option<&'static str>,
    /// The `api-version` sent on the dated API unless configured.
    pub default_api_version: Option<&'static str>,
    /// A base URL ending in this (Azure's v1 API, `/openai/v1`) is used as given and sends
    /// no `api-version`.
    pub unversioned_api_path: Option<&'static str>,
    /// The model used when `--model` is not given.
    pub default_model: &'static str,
    /// The providers whose models it trains (a model's `provider` in the price table).
    pub trains_models_of: &'static [Provider],
    /// One of its models, for people: "an OpenAI model", "an open model".
    pub models_are: &'static str,
    /// Its models, for people: "OpenAI's models", "open models".
    pub models_plural: &'static str,
    /// Whether it trains models the price table does not list (they are checked with an
    /// approximate encoding, no context limit and no price).
    pub trains_unlisted_models: bool,
    /// Whether token counts of its models are approximate (their tokenizers are not tiktoken's).
    pub approximate_tokens: bool,
    /// How a job's price is known.
    pub pricing: Pricing,
    /// Whether it publishes each model's limits (epochs, batch sizes, LoRA rank, …) and lists
    /// the models it fine-tunes.
    pub publishes_model_limits: bool,
    /// Whether files above the single-request limit go through a multipart upload API.
    pub multipart_uploads: bool,
    /// Whether jobs can be paused and resumed.
    pub pause_resume: bool,
    /// Whether a job request carries `metadata` (which makes creation safe to retry).
    pub job_metadata: bool,
    /// Where losses come from.
    pub losses: LossSource,
    /// Epochs when none are asked for.
    pub default_epochs: DefaultEpochs,
    /// The fewest examples it trains on.
    pub min_examples: u32,
    /// The shape of its job ids.
    pub job_id: JobIdShape,
    /// Which hyperparameters a job takes.
    pub tuning: Tuning,
    /// Whether a fine-tuned model answers through a deployment the user makes.
    pub deployments: bool,
    /// The day it stops taking new fine-tuning jobs, where announced (YYYY-MM-DD).
    pub stops_new_jobs: Option<&'static str>,
}

/// The Azure OpenAI data-plane API version used when `AZURE_OPENAI_API_VERSION` is not set.
pub const AZURE_API_VERSION: &str = "2024-10-21";

/// Every provider's facts, in [`Provider::ALL`]'s order.
const FACTS: [ProviderFacts; 3] = [
    ProviderFacts {
        id: "openai",
        label: "OpenAI",
        env: EnvVars {
            api_key: "OPENAI_API_KEY",
            base_url: "OPENAI_BASE_URL",
            organization: Some("OPENAI_ORG_ID"),
            project: Some("OPENAI_PROJECT_ID"),
            api_version: None,
        },
        default_base_url: Some("https://api.openai.com/v1"),
        base_url_example: "https://api.openai.com/v1",
        dated_api_path: None,
        default_api_version: None,
        unversioned_api_path: None,
        default_model: "gpt-4o-mini-2024-07-18",
        trains_models_of: &[Provider::OpenAi],
        models_are: "an OpenAI model",
        models_plural: "OpenAI's models",
        trains_unlisted_models: false,
        approximate_tokens: false,
        pricing: Pricing::PriceTable,
        publishes_model_limits: false,
        multipart_uploads: true,
        pause_resume: true,
        job_metadata: true,
        losses: LossSource::Events,
        default_epochs: DefaultEpochs::Heuristic,
        min_examples: 10,
        job_id: JobIdShape {
            prefix: "ftjob-",
            no_slash: false,
        },
        tuning: Tuning::Multiplier,
        deployments: false,
        stops_new_jobs: Some("2027-01-06"),
    },
    ProviderFacts {
        id: "azure",
        label: "Azure OpenAI",
        env: EnvVars {
            api_key: "AZURE_OPENAI_API_KEY",
            base_url: "AZURE_OPENAI_ENDPOINT",
            organization: None,
            project: None,
            api_version: Some("AZURE_OPENAI_API_VERSION"),
        },
        default_base_url: None,
        base_url_example: "https://RESOURCE.openai.azure.com",
        dated_api_path: Some("/openai"),
        default_api_version: Some(AZURE_API_VERSION),
        unversioned_api_path: Some("/openai/v1"),
        default_model: "gpt-4o-mini-2024-07-18",
        trains_models_of: &[Provider::OpenAi],
        models_are: "an OpenAI model",
        models_plural: "OpenAI's models",
        trains_unlisted_models: false,
        approximate_tokens: false,
        pricing: Pricing::Reference {
            note: "Azure bills training at its own rates, plus hosting per hour once deployed",
        },
        publishes_model_limits: false,
        multipart_uploads: false,
        pause_resume: true,
        job_metadata: false,
        losses: LossSource::Events,
        default_epochs: DefaultEpochs::Heuristic,
        min_examples: 10,
        job_id: JobIdShape {
            prefix: "ftjob-",
            no_slash: false,
        },
        tuning: Tuning::Multiplier,
        deployments: true,
        stops_new_jobs: None,
    },
    ProviderFacts {
        id: "together",
        label: "Together AI",
        env: EnvVars {
            api_key: "TOGETHER_API_KEY",
            base_url: "TOGETHER_BASE_URL",
            organization: None,
            project: None,
            api_version: None,
        },
        default_base_url: Some("https://api.together.ai/v1"),
        base_url_example: "https://api.together.ai/v1",
        dated_api_path: None,
        default_api_version: None,
        unversioned_api_path: None,
        default_model: "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
        trains_models_of: &[Provider::Together],
        models_are: "an open model",
        models_plural: "open models",
        trains_unlisted_models: true,
        approximate_tokens: true,
        pricing: Pricing::EstimatesEachJob,
        publishes_model_limits: true,
        multipart_uploads: false,
        pause_resume: false,
        job_metadata: false,
        losses: LossSource::Metrics,
        default_epochs: DefaultEpochs::Fixed(1),
        min_examples: 1,
        job_id: JobIdShape {
            prefix: "ft-",
            no_slash: true,
        },
        tuning: Tuning::LearningRateAndLora,
        deployments: false,
        stops_new_jobs: None,
    },
];

impl Provider {
    /// Every provider, in the order the documentation lists them.
    pub const ALL: [Provider; 3] = [Provider::OpenAi, Provider::Azure, Provider::Together];

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

/// The providers whose facts satisfy `has`, as their labels and as their ids, each joined by
/// `, `: for messages that say where an option applies.
pub fn names_where(has: impl Fn(&ProviderFacts) -> bool) -> (String, String) {
    let found: Vec<&ProviderFacts> = FACTS.iter().filter(|facts| has(facts)).collect();
    let join = |each: fn(&ProviderFacts) -> &'static str| {
        found.iter().map(|f| each(f)).collect::<Vec<_>>().join(", ")
    };
    (join(|f| f.label), join(|f| f.id))
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
