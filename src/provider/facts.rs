//! The table of provider facts: one row per provider, in [`Provider::ALL`]'s order.

use super::Provider;
use crate::dataset::Format;
use crate::lint::{
    ContentForms, Conversations, ImageSources, RepeatedRoles, RuleProfile, WeightScope,
};

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
    /// Picked by the platform by a rule it does not publish: an estimate counts one pass and
    /// says so.
    Unpublished,
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

/// A provider's open models of 128k context, by size, that `migrate` maps a closed model to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenModels {
    /// About 8B parameters, for the small, fast closed models.
    pub small: &'static str,
    /// About 70B parameters, for the large ones.
    pub large: &'static str,
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
    /// Whether a job request takes a `seed`.
    pub job_seed: bool,
    /// Whether a job request takes the longest example it trains on (a maximum context length).
    pub job_context_length: bool,
    /// Whether a job request carries `metadata` (which makes creation safe to retry).
    pub job_metadata: bool,
    /// Where losses come from.
    pub losses: LossSource,
    /// Epochs when none are asked for.
    pub default_epochs: DefaultEpochs,
    /// The dataset rules `check --provider` applies (the fewest examples among them). The
    /// sources of each difference are in the docs of the rules concerned (`finetune rule CODE`).
    pub dataset_rules: RuleProfile,
    /// The shape of its job ids.
    pub job_id: JobIdShape,
    /// Which hyperparameters a job takes.
    pub tuning: Tuning,
    /// Whether a fine-tuned model answers through a deployment the user makes.
    pub deployments: bool,
    /// How to deploy a fine-tuned model, for the note when a prompt finds none.
    pub deployment_hint: &'static str,
    /// The open models that stand in for another provider's base models when a job moves here
    /// (`migrate`'s built-in map); `None` where the models on offer are not known.
    pub open_models: Option<OpenModels>,
    /// The day it stops taking new fine-tuning jobs, where announced (YYYY-MM-DD).
    pub stops_new_jobs: Option<&'static str>,
    /// Whether `finetune` drives its fine-tuning API; where not, the API commands refuse at
    /// once ([`Provider::api_refusal`]) and only the offline commands apply its rules.
    pub drives_api: bool,
}

/// The Azure OpenAI data-plane API version used when `AZURE_OPENAI_API_VERSION` is not set.
pub const AZURE_API_VERSION: &str = "2024-10-21";

/// Every provider's facts, in [`Provider::ALL`]'s order.
pub(super) const FACTS: [ProviderFacts; 7] = [
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
        job_seed: true,
        job_context_length: false,
        losses: LossSource::Events,
        default_epochs: DefaultEpochs::Heuristic,
        dataset_rules: RuleProfile::BASELINE,
        job_id: JobIdShape {
            prefix: "ftjob-",
            no_slash: false,
        },
        tuning: Tuning::Multiplier,
        deployments: false,
        deployment_hint: "",
        open_models: None,
        stops_new_jobs: Some("2027-01-06"),
        drives_api: true,
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
        job_seed: true,
        job_context_length: false,
        losses: LossSource::Events,
        default_epochs: DefaultEpochs::Heuristic,
        dataset_rules: RuleProfile {
            repeated_roles: RepeatedRoles::AssistantRejected,
            ..RuleProfile::BASELINE
        },
        job_id: JobIdShape {
            prefix: "ftjob-",
            no_slash: false,
        },
        tuning: Tuning::Multiplier,
        deployments: true,
        deployment_hint: "deploy the fine-tuned model on the resource (portal or `az cognitiveservices account deployment create`) and give the deployment's name as MODEL",
        open_models: None,
        stops_new_jobs: None,
        drives_api: true,
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
        job_seed: true,
        job_context_length: false,
        losses: LossSource::Metrics,
        default_epochs: DefaultEpochs::Fixed(1),
        dataset_rules: RuleProfile {
            plain_formats: &[Format::Text, Format::PromptCompletion],
            weights: WeightScope::AnyMessage,
            repeated_roles: RepeatedRoles::Rejected,
            image_sources: ImageSources::DataOnly,
            content_forms: ContentForms::Uniform,
            conversations: Conversations::OpenAi,
            assistant_reasoning: true,
            integer_weights: true,
            weighted_images: false,
            min_examples: 1,
            max_examples: None,
            max_validation_examples: None,
            reinforcement: true,
            preference: true,
        },
        job_id: JobIdShape {
            prefix: "ft-",
            no_slash: true,
        },
        tuning: Tuning::LearningRateAndLora,
        deployments: false,
        deployment_hint: "",
        open_models: Some(OpenModels {
            small: "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
            large: "meta-llama/Llama-3.3-70B-Instruct-Reference",
        }),
        stops_new_jobs: None,
        drives_api: true,
    },
    ProviderFacts {
        id: "fireworks",
        label: "Fireworks AI",
        env: EnvVars {
            api_key: "FIREWORKS_API_KEY",
            base_url: "FIREWORKS_BASE_URL",
            // The account is a path segment of every call, not a header; `--organization`
            // overrides it like an organisation elsewhere.
            organization: Some(FIREWORKS_ACCOUNT_ENV),
            project: None,
            api_version: None,
        },
        // The server root, as Fireworks' own SDK takes it: the control plane is below `/v1`,
        // chat below `/inference/v1`.
        default_base_url: Some("https://api.fireworks.ai"),
        base_url_example: "https://api.fireworks.ai",
        dated_api_path: None,
        default_api_version: None,
        unversioned_api_path: None,
        default_model: "accounts/fireworks/models/llama-v3p1-8b-instruct",
        trains_models_of: &[Provider::Fireworks],
        models_are: "an open model",
        models_plural: "open models",
        trains_unlisted_models: true,
        approximate_tokens: true,
        pricing: Pricing::PriceTable,
        publishes_model_limits: false,
        // Above its direct-upload limit a file goes to a signed URL in one request, which the
        // API module does itself: not OpenAI's Uploads API.
        multipart_uploads: false,
        pause_resume: false,
        job_metadata: false,
        job_seed: false,
        job_context_length: true,
        losses: LossSource::Metrics,
        default_epochs: DefaultEpochs::Fixed(1),
        // https://docs.fireworks.ai/fine-tuning/fine-tuning-models: OpenAI's chat format and
        // its preference format, at least 3 examples.
        dataset_rules: RuleProfile {
            min_examples: 3,
            // "Maximum examples: 3 million per dataset".
            max_examples: Some(3_000_000),
            ..RuleProfile::BASELINE
        },
        job_id: JobIdShape {
            prefix: "ftjob-",
            no_slash: true,
        },
        tuning: Tuning::LearningRateAndLora,
        deployments: true,
        deployment_hint: "a fine-tuned LoRA model answers only once deployed (`firectl deployment create accounts/ACCOUNT/models/MODEL`, or loaded onto a base-model deployment with addons enabled); deploy it, then prompt it again",
        open_models: Some(OpenModels {
            small: "accounts/fireworks/models/llama-v3p1-8b-instruct",
            large: "accounts/fireworks/models/llama-v3p1-70b-instruct",
        }),
        stops_new_jobs: None,
        drives_api: true,
    },
    ProviderFacts {
        id: "openai-compatible",
        label: "OpenAI-compatible service",
        env: EnvVars {
            api_key: "OPENAI_API_KEY",
            base_url: "OPENAI_COMPATIBLE_BASE_URL",
            organization: None,
            project: None,
            api_version: None,
        },
        // Every service has its own address: `--base-url` (or the variable) names it.
        default_base_url: None,
        base_url_example: "https://api.tokenfactory.nebius.com/v1",
        dated_api_path: None,
        default_api_version: None,
        unversioned_api_path: None,
        default_model: "meta-llama/Meta-Llama-3.1-8B-Instruct",
        trains_models_of: &[],
        models_are: "a model of the service",
        models_plural: "the service's models",
        trains_unlisted_models: true,
        approximate_tokens: true,
        pricing: Pricing::Reference {
            note: "the service bills at its own rates",
        },
        publishes_model_limits: false,
        // OpenAI's optional endpoints are tried; a 404 or 405 says the service lacks one.
        multipart_uploads: true,
        pause_resume: true,
        // Metadata is optional in OpenAI's shapes and services drop or refuse it: a creation
        // whose answer was lost is found by its file, model and time instead.
        job_metadata: false,
        job_seed: true,
        job_context_length: false,
        losses: LossSource::Events,
        default_epochs: DefaultEpochs::Heuristic,
        dataset_rules: RuleProfile::BASELINE,
        job_id: JobIdShape {
            prefix: "ftjob-",
            no_slash: false,
        },
        tuning: Tuning::Multiplier,
        deployments: false,
        deployment_hint: "",
        open_models: None,
        stops_new_jobs: None,
        drives_api: true,
    },
    ProviderFacts {
        id: "vertex",
        label: "Vertex AI",
        env: EnvVars {
            // Google's own tools read the service-account key file named here.
            api_key: "GOOGLE_APPLICATION_CREDENTIALS",
            base_url: "GOOGLE_VERTEX_BASE_URL",
            organization: None,
            project: Some("GOOGLE_CLOUD_PROJECT"),
            api_version: None,
        },
        // Tuning is regional: the locational endpoint of the discovery document's list.
        default_base_url: Some("https://us-central1-aiplatform.googleapis.com"),
        base_url_example: "https://us-central1-aiplatform.googleapis.com",
        dated_api_path: None,
        default_api_version: None,
        unversioned_api_path: None,
        default_model: "gemini-2.5-flash",
        trains_models_of: &[Provider::Vertex],
        models_are: "a Gemini model",
        models_plural: "Gemini models",
        trains_unlisted_models: false,
        // Gemini's tokenizer is not tiktoken's: counts use the closest encoding.
        approximate_tokens: true,
        pricing: Pricing::Reference {
            note: "Vertex AI bills tuning per training token at Google Cloud's own rates",
        },
        publishes_model_limits: false,
        multipart_uploads: false,
        pause_resume: false,
        job_metadata: false,
        job_seed: false,
        job_context_length: false,
        losses: LossSource::Metrics,
        // `epochCount` is optional and Vertex AI's docs give no default nor a rule for one.
        default_epochs: DefaultEpochs::Unpublished,
        // https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/supervised-tuning/prepare-data
        // and .../preference-tuning/prepare-data: the `contents`/`parts` format. The docs
        // recommend starting with about 100 examples but state no minimum, so only an empty
        // file is refused; "1M text-only examples" is the limits page's maximum, and 5,000
        // its maximum validation dataset size
        // (https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning).
        dataset_rules: RuleProfile {
            conversations: Conversations::Vertex,
            min_examples: 1,
            max_examples: Some(1_000_000),
            max_validation_examples: Some(5_000),
            // Supervised and preference tuning only.
            reinforcement: false,
            ..RuleProfile::BASELINE
        },
        job_id: JobIdShape {
            prefix: "projects/",
            no_slash: false,
        },
        tuning: Tuning::Multiplier,
        deployments: false,
        deployment_hint: "",
        open_models: None,
        stops_new_jobs: None,
        drives_api: false,
    },
    ProviderFacts {
        id: "bedrock",
        label: "Amazon Bedrock",
        env: EnvVars {
            // AWS's own tools sign requests with the keys of this variable and its secret
            // partner; finetune reads none of them, as it calls no AWS API.
            api_key: "AWS_ACCESS_KEY_ID",
            base_url: "AWS_ENDPOINT_URL_BEDROCK",
            organization: None,
            project: None,
            api_version: None,
        },
        // Customization is regional: the control-plane endpoint of one region.
        default_base_url: Some("https://bedrock.us-east-1.amazonaws.com"),
        base_url_example: "https://bedrock.us-east-1.amazonaws.com",
        dated_api_path: None,
        default_api_version: None,
        unversioned_api_path: None,
        default_model: "amazon.nova-micro-v1:0:128k",
        trains_models_of: &[Provider::Bedrock],
        models_are: "a Nova model",
        models_plural: "Nova models",
        trains_unlisted_models: false,
        // Nova's tokenizer is not tiktoken's: counts use the closest encoding.
        approximate_tokens: true,
        pricing: Pricing::Reference {
            note: "Amazon Bedrock bills customization per training token at its own rates, plus storage of the custom model",
        },
        publishes_model_limits: false,
        multipart_uploads: false,
        pause_resume: false,
        job_metadata: false,
        job_seed: false,
        job_context_length: false,
        losses: LossSource::Metrics,
        // `epochCount`: 1 to 5, default 2
        // (https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-nova-mm.html).
        default_epochs: DefaultEpochs::Fixed(2),
        // https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html:
        // the Bedrock conversation format. The page recommends at least 100 samples per task
        // but states no minimum, so only an empty file is refused; no record-count limit was
        // found on Bedrock's quota pages, so none is applied.
        dataset_rules: RuleProfile {
            conversations: Conversations::Bedrock,
            min_examples: 1,
            // Supervised fine-tuning only.
            reinforcement: false,
            preference: false,
            ..RuleProfile::BASELINE
        },
        job_id: JobIdShape {
            prefix: "arn:aws:bedrock:",
            no_slash: false,
        },
        tuning: Tuning::Multiplier,
        deployments: true,
        deployment_hint: "a custom Nova model answers through a custom model deployment or Provisioned Throughput that you create in Amazon Bedrock",
        open_models: None,
        stops_new_jobs: None,
        drives_api: false,
    },
];

/// The variable that holds the Fireworks account id, a path segment of every control-plane
/// call.
pub const FIREWORKS_ACCOUNT_ENV: &str = "FIREWORKS_ACCOUNT_ID";

/// The providers whose facts satisfy `has`, as their labels and as their ids, each joined by
/// `, `: for messages that say where an option applies.
pub fn names_where(has: impl Fn(&ProviderFacts) -> bool) -> (String, String) {
    let found: Vec<&ProviderFacts> = FACTS.iter().filter(|facts| has(facts)).collect();
    let join = |each: fn(&ProviderFacts) -> &'static str| {
        found.iter().map(|f| each(f)).collect::<Vec<_>>().join(", ")
    };
    (join(|f| f.label), join(|f| f.id))
}
