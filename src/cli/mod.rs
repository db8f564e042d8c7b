//! Command-line arguments (clap) and the printer that owns standard output and error.

mod printer;
pub mod settings;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cost::Epochs;
use crate::dataset::Method;
use crate::prepare::split::ValidationSize;
use crate::provider::Provider;

pub use printer::{ColorChoice, Printer};

/// Check, prepare and train chat fine-tuning datasets.
#[derive(Debug, Parser)]
#[command(name = "finetune", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint JSONL fine-tuning datasets: structure, roles, tool calls, images, duplicates.
    Check(CheckArgs),
    /// Show the documentation of a rule, or list every rule.
    Rule(RuleArgs),
    /// List the fine-tunable models: encodings, limits, prices and shutdown dates.
    Models(ModelsArgs),
    /// Remove exact, same-prompt and near-duplicate examples, writing the rest to a new file.
    Dedupe(DedupeArgs),
    /// Split a file into training and validation files, keeping duplicates on one side.
    Split(SplitArgs),
    /// Check, dedupe and split in one step: from a raw file to a clean train/validation pair.
    Prepare(PrepareArgs),
    /// Convert prompt-completion, ShareGPT, Alpaca or CSV data to chat JSONL, and chat JSONL to
    /// and from Vertex AI's format.
    Convert(ConvertArgs),
    /// Check a dataset and upload it for fine-tuning; prints the file id.
    UploadDataset(UploadArgs),
    /// List uploaded files.
    ListFiles(ListFilesArgs),
    /// Delete every uploaded file with a name, after showing them and asking.
    DeleteFilesByName(DeleteArgs),
    /// Create a fine-tuning job from a local file, an uploaded file's name or a file id.
    TrainModel(TrainArgs),
    /// List fine-tuning jobs, newest first.
    ListJobs(ListJobsArgs),
    /// Show a job: status, models, trained tokens, hyperparameters, error.
    RetrieveJob(JobArgs),
    /// Cancel a job.
    CancelJob(JobArgs),
    /// Pause a running job.
    PauseJob(JobArgs),
    /// Resume a paused job.
    ResumeJob(JobArgs),
    /// List a job's checkpoints.
    ListCheckpoints(JobArgs),
    /// Show a job's events, oldest first; `--follow` streams them until the job ends.
    ListJobEvents(EventsArgs),
    /// Wait for a job to end, showing its progress; exit 0 when it succeeded, 1 otherwise.
    Wait(WaitArgs),
    /// Download a job's metrics, write them as CSV and draw the loss curve.
    Metrics(MetricsArgs),
    /// Ask a fine-tuned model (or a job's model, by job id) one question.
    FineTunePrompt(PromptArgs),
    /// Run the local stand-in of the fine-tuning API, to try the workflow without an account.
    StandIn(StandInArgs),
    /// Export the account's fine-tuning jobs and their files into a folder, with a manifest.
    Export(ExportArgs),
    /// Recreate exported jobs on another provider, exactly once, after showing the plan.
    Migrate(MigrateArgs),
}

impl Command {
    /// The API settings of a command that calls a provider's fine-tuning API; `None` for the
    /// offline commands (`models` reads the API only where the provider publishes its models).
    pub fn api(&self) -> Option<&ApiArgs> {
        match self {
            Command::UploadDataset(args) => Some(&args.api),
            Command::ListFiles(args) => Some(&args.api),
            Command::DeleteFilesByName(args) => Some(&args.api),
            Command::TrainModel(args) => Some(&args.api),
            Command::ListJobs(args) => Some(&args.api),
            Command::RetrieveJob(args)
            | Command::CancelJob(args)
            | Command::PauseJob(args)
            | Command::ResumeJob(args)
            | Command::ListCheckpoints(args) => Some(&args.api),
            Command::ListJobEvents(args) => Some(&args.api),
            Command::Wait(args) => Some(&args.api),
            Command::Metrics(args) => Some(&args.api),
            Command::FineTunePrompt(args) => Some(&args.api),
            Command::Export(args) => Some(&args.api),
            Command::Migrate(args) => Some(&args.api),
            Command::Models(args) if args.api.provider.facts().publishes_model_limits => {
                Some(&args.api)
            }
            Command::Check(_)
            | Command::Rule(_)
            | Command::Models(_)
            | Command::Dedupe(_)
            | Command::Split(_)
            | Command::Prepare(_)
            | Command::Convert(_)
            | Command::StandIn(_) => None,
        }
    }
}

/// Where the API is and how to reach it; shared by every API command.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The provider (every id and name are listed from the provider table).
    #[arg(long, env = settings::PROVIDER_ENV, default_value = "openai", value_parser = parse_provider, value_name = "PROVIDER", help = settings::provider_help())]
    pub provider: Provider,
    /// The API's base URL (the provider table names each provider's variable).
    #[arg(long, value_name = "URL", help = settings::base_url_help())]
    pub base_url: Option<String>,
    /// The environment variable that holds the API key (the provider table names each
    /// provider's).
    #[arg(long, value_name = "VAR", help = settings::api_key_env_help())]
    pub api_key_env: Option<String>,
    /// Azure OpenAI's data-plane API version (default `AZURE_OPENAI_API_VERSION`, else
    /// 2024-10-21; none is sent to a `/openai/v1` base URL).
    #[arg(long, value_name = "VERSION")]
    pub api_version: Option<String>,
    /// The organisation to bill (`OpenAI-Organization` header, default `OPENAI_ORG_ID`;
    /// OpenAI only), or the Fireworks account (default `FIREWORKS_ACCOUNT_ID`).
    #[arg(long, value_name = "ID")]
    pub organization: Option<String>,
    /// The project to bill (`OpenAI-Project` header, default `OPENAI_PROJECT_ID`; OpenAI only).
    #[arg(long, value_name = "ID")]
    pub project: Option<String>,
    /// Tries after the first for requests that fail on the way (connection, 408, 409, 429, 5xx).
    #[arg(
        long,
        env = settings::MAX_RETRIES_ENV,
        default_value_t = 4,
        value_name = "N"
    )]
    pub max_retries: u32,
    /// Seconds a request may wait for the next bytes of its answer before it counts as timed
    /// out (0.1 to 86400).
    #[arg(long, env = settings::READ_TIMEOUT_ENV, default_value_t = crate::api::DEFAULT_READ_TIMEOUT.as_secs_f64(), value_name = "SECONDS", value_parser = parse_read_timeout)]
    pub read_timeout: f64,
    /// Allow a plain `http://` base URL to a host other than this machine, sending the key
    /// unencrypted (only on a network you trust).
    #[arg(long)]
    pub allow_insecure_http: bool,
}

/// The shortest and longest `--poll-interval`, in seconds.
pub(crate) const POLL_INTERVAL_RANGE: (f64, f64) = (0.01, 3600.0);

/// The shortest and longest `--read-timeout`, in seconds.
const READ_TIMEOUT_RANGE: (f64, f64) = (0.1, 86_400.0);

/// A number of seconds from `min` to `max`: every duration built from it is valid, and no
/// wait is beyond reason.
fn seconds_within(value: &str, (min, max): (f64, f64)) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(x) if (min..=max).contains(&x) => Ok(x),
        _ => Err(format!(
            "expected a number of seconds from {min} to {max}, not {value:?}"
        )),
    }
}

fn parse_poll_interval(value: &str) -> Result<f64, String> {
    seconds_within(value, POLL_INTERVAL_RANGE)
}

fn parse_read_timeout(value: &str) -> Result<f64, String> {
    seconds_within(value, READ_TIMEOUT_RANGE)
}

fn parse_provider(value: &str) -> Result<Provider, String> {
    value.parse()
}

/// `human` tables or `json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Human,
    /// The API's objects as JSON.
    Json,
}

/// How `check` runs before an upload.
#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// Upload even if `check` finds errors (with a warning).
    #[arg(long)]
    pub no_check: bool,
    /// The format to check the file as.
    #[arg(long = "check-method", value_enum, default_value_t = MethodArg::Auto, value_name = "METHOD")]
    pub check_method: MethodArg,
    /// A Hugging Face `tokenizer.json` to count the check's tokens with (an open model's own).
    #[arg(long, value_name = "PATH")]
    pub tokenizer: Option<PathBuf>,
    /// The longest example, in tokens, the job trains on, where the provider takes one (Fireworks
    /// AI's maximum context length); the check holds examples to it. By default the model's.
    #[arg(long, value_name = "TOKENS", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_context_length: Option<u32>,
    /// Upload again even if the same file is already there.
    #[arg(long)]
    pub force: bool,
    /// Files above this many bytes go through the multipart Uploads API.
    #[arg(long, default_value_t = 512_000_000, value_name = "BYTES")]
    pub multipart_above: u64,
    /// The size of each part of a multipart upload (at most 64 MB).
    #[arg(long, default_value_t = 64_000_000, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..=64_000_000))]
    pub part_size: u64,
}

/// Arguments of `finetune upload-dataset`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The JSONL file to check and upload.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The model whose limits `check` applies (default: the provider's).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    #[command(flatten)]
    pub preflight: PreflightArgs,
    /// `human` prints the file id; `json` the file object.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub output_format: ListFormat,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Arguments of `finetune list-files`.
#[derive(Debug, Args)]
pub struct ListFilesArgs {
    /// Only files with this purpose (`fine-tune`, `fine-tune-results`, …).
    #[arg(long, value_name = "PURPOSE")]
    pub purpose: Option<String>,
    /// Table or JSON.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub output_format: ListFormat,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Arguments of `finetune delete-files-by-name`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The file name to delete (every file uploaded under it).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Delete without asking.
    #[arg(long, short)]
    pub yes: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// The fine-tuning methods a job can be created with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TrainMethod {
    /// The file's format decides (what `check` detects).
    Auto,
    /// Supervised fine-tuning.
    Supervised,
    /// Direct preference optimisation.
    Dpo,
}

/// Arguments of `finetune train-model`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The training data: a local JSONL file (checked and uploaded first), the name of an
    /// uploaded file (the newest of that name), or a file id.
    #[arg(value_name = "FILE_OR_NAME_OR_ID")]
    pub training: String,
    /// The base model (default: the provider's).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// Validation data, given the same ways as the training data.
    #[arg(long, value_name = "FILE_OR_NAME_OR_ID")]
    pub validation_file: Option<String>,
    /// Up to 64 characters added to the fine-tuned model's name.
    #[arg(long, value_name = "TEXT")]
    pub suffix: Option<String>,
    /// Epochs: a number from 1 to 50, or `auto`.
    #[arg(long, default_value = "auto", value_parser = parse_epochs, value_name = "N|auto")]
    pub epochs: Epochs,
    /// Examples per batch, 1 to 256 (the platform chooses when absent).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub batch_size: Option<u32>,
    /// Learning-rate multiplier, above 0 (OpenAI, Azure; the platform chooses when absent).
    #[arg(long, value_name = "X", value_parser = parse_positive)]
    pub learning_rate_multiplier: Option<f64>,
    /// The learning rate itself (Together AI, whose default is 1e-5; Fireworks AI).
    #[arg(long, value_name = "X", value_parser = parse_positive)]
    pub learning_rate: Option<f64>,
    /// Together AI: train LoRA adapters (the default) or every weight.
    #[arg(long, value_enum, value_name = "TYPE")]
    pub training_type: Option<TrainingTypeArg>,
    /// Together AI (default 8), Fireworks AI: LoRA rank.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub lora_r: Option<u32>,
    /// Together AI: LoRA alpha (default twice the rank).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub lora_alpha: Option<u32>,
    /// Together AI: LoRA dropout, 0 to 1.
    #[arg(long, value_name = "X")]
    pub lora_dropout: Option<f64>,
    /// Together AI: checkpoints to save during training.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub n_checkpoints: Option<u32>,
    /// Seed for reproducible training.
    #[arg(long, value_name = "N")]
    pub seed: Option<u32>,
    /// The method; `auto` takes the one `check` detects in a local file, else supervised.
    #[arg(long, value_enum, default_value_t = TrainMethod::Auto)]
    pub method: TrainMethod,
    /// DPO's beta, above 0 and at most 2.
    #[arg(long, value_name = "X", value_parser = parse_positive)]
    pub beta: Option<f64>,
    /// Create the job without asking.
    #[arg(long, short)]
    pub yes: bool,
    /// Refuse to create the job when the estimate is above this many dollars (or unknown).
    #[arg(long, value_name = "USD", value_parser = parse_positive)]
    pub max_cost: Option<f64>,
    /// Wait for the job to end, showing its progress.
    #[arg(long)]
    pub wait: bool,
    /// Seconds between progress checks with `--wait` (0.01 to 3600).
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS", value_parser = parse_poll_interval)]
    pub poll_interval: f64,
    #[command(flatten)]
    pub preflight: PreflightArgs,
    /// `human` or the job object as `json`.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub output_format: ListFormat,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// How a Together AI job trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TrainingTypeArg {
    /// Low-rank adapters.
    Lora,
    /// Every weight.
    Full,
}

/// Arguments of `finetune list-jobs`.
#[derive(Debug, Args)]
pub struct ListJobsArgs {
    /// Jobs per page.
    #[arg(long, default_value_t = 20, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,
    /// Every job, following every page.
    #[arg(long)]
    pub all: bool,
    /// Table or JSON.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub output_format: ListFormat,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Arguments of the commands that take one job.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// The job id (`ftjob-…`).
    #[arg(value_name = "JOB_ID")]
    pub id: String,
    /// Human or JSON.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub output_format: ListFormat,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Arguments of `finetune list-job-events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// The job id.
    #[arg(value_name = "JOB_ID")]
    pub id: String,
    /// Keep streaming new events until the job ends.
    #[arg(long, short)]
    pub follow: bool,
    /// Seconds between checks for new events with `--follow` (0.01 to 3600).
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS", value_parser = parse_poll_interval)]
    pub poll_interval: f64,
    /// Lines of text, or one JSON event per line.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub output_format: ListFormat,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Arguments of `finetune wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The job id.
    #[arg(value_name = "JOB_ID")]
    pub id: String,
    /// Seconds between progress checks (0.01 to 3600).
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS", value_parser = parse_poll_interval)]
    pub poll_interval: f64,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Arguments of `finetune metrics`.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// The job id.
    #[arg(value_name = "JOB_ID")]
    pub id: String,
    /// Where to write the metrics CSV.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Arguments of `finetune fine-tune-prompt`.
#[derive(Debug, Args)]
pub struct PromptArgs {
    /// The fine-tuned model's name, or the id of the job that trains it.
    #[arg(value_name = "MODEL_OR_JOB_ID")]
    pub model: String,
    /// The question.
    #[arg(value_name = "PROMPT")]
    pub prompt: String,
    /// A system message to send first.
    #[arg(long, value_name = "TEXT")]
    pub system_message: Option<String>,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Arguments of `finetune export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The folder to export into (made if need be); a second export into it downloads only
    /// what is missing or changed.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Export this job, whatever its status (repeatable); by default every job that succeeded.
    #[arg(long = "job", value_name = "JOB_ID")]
    pub jobs: Vec<String>,
    /// Export failed and cancelled jobs too.
    #[arg(long)]
    pub all_statuses: bool,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Arguments of `finetune migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The folder `finetune export` wrote; the jobs made are recorded in its `migrations.json`.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Migrate this exported job (repeatable); by default every exported job that succeeded.
    #[arg(long = "job", value_name = "JOB_ID")]
    pub jobs: Vec<String>,
    /// A JSON object of base models to the target's, over the built-in map:
    /// `{"gpt-4o-mini-2024-07-18": "meta-llama/…"}`.
    #[arg(long, value_name = "FILE")]
    pub model_map: Option<PathBuf>,
    /// Show the plan and stop: nothing is uploaded or created.
    #[arg(long)]
    pub dry_run: bool,
    /// Create the jobs without asking.
    #[arg(long, short)]
    pub yes: bool,
    /// Refuse to create any job when the plan's total is above this many dollars (or unknown).
    #[arg(long, value_name = "USD", value_parser = parse_positive)]
    pub max_cost: Option<f64>,
    #[command(flatten)]
    pub preflight: PreflightArgs,
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Arguments of `finetune stand-in`.
#[derive(Debug, Args)]
pub struct StandInArgs {
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Milliseconds per simulated training step.
    #[arg(long, default_value_t = 100, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub tick_ms: u64,
    /// Accept only this API key (any key when absent).
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Refuse new jobs the way the platform does after its fine-tuning wind-down.
    #[arg(long)]
    pub wind_down: bool,
    /// Refuse jobs on this base model as retired (repeatable).
    #[arg(long, value_name = "MODEL")]
    pub retired: Vec<String>,
    /// Milliseconds a client has to send a request's head (and an idle kept-alive connection
    /// stays open) before the connection is closed.
    #[arg(long, default_value_t = crate::standin::DEFAULT_HEADER_TIMEOUT.as_millis() as u64, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub header_timeout_ms: u64,
    /// Milliseconds a request's body may stall, or an answer go unread, before the connection is closed.
    #[arg(long, default_value_t = crate::standin::DEFAULT_IDLE_TIMEOUT.as_millis() as u64, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub idle_timeout_ms: u64,
}

fn parse_positive(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("expected a number above 0, not {value:?}")),
    }
}

/// Arguments of `finetune convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The file to convert; it is only read.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Where to write the chat JSONL.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Write through an output that is a symbolic link, replacing the file it points to (a link is refused otherwise).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// The input's shape (`vertex`, `bedrock`: Vertex AI's or Amazon Bedrock's lines, written
    /// as OpenAI's).
    #[arg(
        long,
        value_enum,
        required_unless_present = "to",
        conflicts_with = "to"
    )]
    pub from: Option<ConvertFrom>,
    /// Write OpenAI chat and preference lines in another platform's format (`vertex`: Vertex
    /// AI's Gemini tuning format; `bedrock`: Amazon Bedrock's Nova conversation format).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub to: Option<ConvertTo>,
    /// A system message to start every example with (unless it has one).
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,
    /// `human` for a summary, `json` for every unconverted row.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub output_format: TableFormat,
}

/// The shapes `convert` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConvertFrom {
    /// JSONL of {"prompt": ..., "completion": ...}.
    PromptCompletion,
    /// JSONL of {"conversations": [{"from": "human", "value": ...}, ...]}.
    Sharegpt,
    /// JSONL of {"instruction": ..., "input": ..., "output": ...}.
    Alpaca,
    /// CSV with a header naming a prompt column and an answer column (and optionally system).
    Csv,
    /// Vertex AI's {"contents": [...]} lines (and preference lines with "completions").
    Vertex,
    /// Amazon Bedrock's {"schemaVersion": ..., "messages": [...]} Nova conversation lines.
    Bedrock,
}

/// The formats `convert --to` writes OpenAI's lines in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConvertTo {
    /// Vertex AI's Gemini tuning lines: {"contents": [...]}, or "contents" and "completions".
    Vertex,
    /// Amazon Bedrock's Nova conversation lines: {"schemaVersion": ..., "system": [...],
    /// "messages": [...]}.
    Bedrock,
}

/// Arguments of `finetune prepare`.
#[derive(Debug, Args)]
pub struct PrepareArgs {
    /// The JSONL file; it is only read.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Drop the lines with errors (and list them) instead of refusing the file.
    #[arg(long)]
    pub drop_invalid: bool,
    /// `prompt` also removes examples whose prompt repeats an earlier one's.
    #[arg(long, value_enum, default_value_t = DedupeBy::Example)]
    pub by: DedupeBy,
    /// How to split, and where the two files go.
    #[command(flatten)]
    pub split: SplitSettings,
    /// The model to count tokens, limits and cost for; by default the provider's
    /// (gpt-4o-mini-2024-07-18 on OpenAI and Azure OpenAI).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// The provider that will train the model, whose dataset rules the check applies.
    #[arg(long, env = settings::PROVIDER_ENV, default_value = "openai", value_parser = parse_provider, value_name = "PROVIDER", help = settings::provider_help())]
    pub provider: Provider,
    /// Epochs to estimate the cost for: a number, or `auto`.
    #[arg(long, default_value = "auto", value_parser = parse_epochs, value_name = "N|auto")]
    pub epochs: Epochs,
    /// A price table to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
    /// `human` for a summary, `json` for every decision.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub output_format: TableFormat,
}

/// Arguments of `finetune dedupe`.
#[derive(Debug, Args)]
pub struct DedupeArgs {
    /// The JSONL file; it is only read.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Where to write the kept examples.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Write through an output that is a symbolic link, replacing the file it points to (a link is refused otherwise).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Similarity (the share of the longer example's words the other has in the same order) from which examples are near copies, or `off`; 0.9: at most a tenth of the words differ.
    #[arg(long, default_value = "0.9", value_parser = parse_near, value_name = "THRESHOLD|off")]
    pub near: Near,
    /// `prompt` also removes examples whose prompt (everything before the last assistant message) repeats an earlier one's.
    #[arg(long, value_enum, default_value_t = DedupeBy::Example)]
    pub by: DedupeBy,
    /// Seed of the hashes that find near-copy candidates.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// `human` for a summary, `json` for every decision.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub output_format: TableFormat,
}

/// Arguments of `finetune split`.
#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The JSONL file; it is only read.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// How to split, and where the two files go.
    #[command(flatten)]
    pub split: SplitSettings,
    /// The provider that will train on the files, whose minimum examples each side needs.
    #[arg(long, env = settings::PROVIDER_ENV, default_value = "openai", value_parser = parse_provider, value_name = "PROVIDER", help = settings::provider_help())]
    pub provider: Provider,
    /// `human` for a summary, `json` for every line's side.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub output_format: TableFormat,
}

/// How `split` and `prepare` split, and where the two files go.
#[derive(Debug, Args)]
pub struct SplitSettings {
    /// The validation side: a share (`0.1`) or a number of examples (`50`).
    #[arg(long, default_value = "0.1", value_parser = parse_validation, value_name = "SHARE|N")]
    pub validation: ValidationSize,
    /// Seed of the shuffle and of the near-copy hashes: the same seed and file give the same result.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Similarity (the share of the longer example's words the other has in the same order) from which examples are near copies, or `off`; 0.9: at most a tenth of the words differ.
    #[arg(long, default_value = "0.9", value_parser = parse_near, value_name = "THRESHOLD|off")]
    pub near: Near,
    /// Keep each stratum's share on both sides: a top-level key, a dotted path (`metadata.source`), or `tools` for the functions an example calls.
    #[arg(long, value_name = "KEY")]
    pub stratify_by: Option<String>,
    /// Folder for NAME.train.jsonl and NAME.validation.jsonl (default: the input's folder).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Write through an output that is a symbolic link, replacing the file it points to (a link is refused otherwise).
    #[arg(long)]
    pub follow_symlinks: bool,
}

/// What `dedupe` compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DedupeBy {
    /// Whole examples (exact and near duplicates).
    Example,
    /// Also the prompt alone: the same prompt with another answer is a duplicate.
    Prompt,
}

/// A near-duplicate threshold, or none.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near(pub Option<f64>);

fn parse_near(value: &str) -> Result<Near, String> {
    if value == "off" {
        return Ok(Near(None));
    }
    match value.parse::<f64>() {
        Ok(t) if t > 0.0 && t <= 1.0 => Ok(Near(Some(t))),
        _ => Err(format!(
            "expected a similarity above 0 and at most 1, or `off`, not {value:?}"
        )),
    }
}

fn parse_validation(value: &str) -> Result<ValidationSize, String> {
    if let Ok(count) = value.parse::<u64>() {
        return Ok(ValidationSize::Count(count));
    }
    match value.parse::<f64>() {
        Ok(share) if share > 0.0 && share < 1.0 => Ok(ValidationSize::Fraction(share)),
        _ => Err(format!(
            "expected a share between 0 and 1 (0.1) or a number of examples (50), not {value:?}"
        )),
    }
}

/// Arguments of `finetune check`.
// Each bool is one independent command-line flag, not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// JSONL files to check; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The dataset format; `auto` decides from the lines.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// The model to count tokens, limits and cost for (`finetune models` lists them); by
    /// default the provider's (gpt-4o-mini-2024-07-18 on OpenAI and Azure OpenAI).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,
    /// The provider that will train the model.
    #[arg(long, env = settings::PROVIDER_ENV, default_value = "openai", value_parser = parse_provider, value_name = "PROVIDER", help = settings::provider_help())]
    pub provider: Provider,
    /// A Hugging Face `tokenizer.json` to count tokens with, for exact counts of an open
    /// model (otherwise the closest tiktoken encoding counts, approximately).
    #[arg(long, value_name = "PATH")]
    pub tokenizer: Option<PathBuf>,
    /// Check structure only: count no tokens and estimate no cost, at the speed of parsing
    /// (also the case for a --select without FT308).
    #[arg(long, conflicts_with = "tokenizer")]
    pub no_tokens: bool,
    /// Epochs to estimate the cost for: a number, or `auto` for the platform's heuristic.
    #[arg(long, default_value = "auto", value_parser = parse_epochs, value_name = "N|auto")]
    pub epochs: Epochs,
    /// A price table to use instead of the built-in one (same JSON format as `finetune models --output-format json`).
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
    /// How to print the diagnostics.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,
    /// Exit with 1 when there are warnings, not only errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Run only these rules: codes (FT103), prefixes (FT1) or names (unknown-role), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Skip these rules: codes, prefixes or names, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Stop checking a file after this many errors.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_errors: Option<u64>,
    /// Print diagnostics only: no summary, and nothing at all for clean files.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also check this validation file, and report its examples that copy (exactly or nearly) an example of FILE.
    #[arg(long, value_name = "FILE")]
    pub validation: Option<PathBuf>,
    /// Write a repaired copy of FILE to --output (byte order mark, CRLF, blank lines, spaces around keys, legacy functions), then check the copy.
    #[arg(long, requires = "output")]
    pub fix: bool,
    /// Where --fix writes the repaired file.
    #[arg(short, long, value_name = "OUT", requires = "fix")]
    pub output: Option<PathBuf>,
    /// With --fix: write through an output that is a symbolic link, replacing the file it points to (a link is refused otherwise).
    #[arg(long, requires = "fix")]
    pub follow_symlinks: bool,
}

/// Arguments of `finetune rule`.
#[derive(Debug, Args)]
#[command(arg_required_else_help = true)]
pub struct RuleArgs {
    /// The rule's code (FT103) or name (unknown-role).
    #[arg(conflicts_with = "all")]
    pub rule: Option<String>,
    /// List every rule.
    #[arg(long)]
    pub all: bool,
}

/// Arguments of `finetune models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// `human` for a table, `json` for the price table itself.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub output_format: TableFormat,
    /// A price table to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
    /// With `--provider together`, the models and limits come from the provider itself.
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Output formats of listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// A table for people.
    Human,
    /// JSON.
    Json,
}

fn parse_epochs(value: &str) -> Result<Epochs, String> {
    if value == "auto" {
        return Ok(Epochs::Auto);
    }
    match value.parse::<u32>() {
        Ok(n) if (1..=50).contains(&n) => Ok(Epochs::Fixed(n)),
        _ => Err(format!(
            "expected `auto` or a whole number of epochs from 1 to 50, not {value:?}"
        )),
    }
}

/// The dataset format `check` applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Decide from each line; the file's method is the majority's.
    Auto,
    /// Supervised chat examples: `{"messages": [...]}` ending with the assistant.
    Supervised,
    /// Preference examples: `{"input": {...}, "preferred_output": [...], "non_preferred_output": [...]}`.
    Dpo,
    /// Reinforcement examples: `{"messages": [...], ...reference fields}` ending with the user.
    Reinforcement,
}

impl MethodArg {
    /// The method to check every line as; `None` for `auto`.
    pub fn method(self) -> Option<Method> {
        match self {
            MethodArg::Auto => None,
            MethodArg::Supervised => Some(Method::Supervised),
            MethodArg::Dpo => Some(Method::Dpo),
            MethodArg::Reinforcement => Some(Method::Reinforcement),
        }
    }
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Each problem with its line and the value underlined, then a summary.
    Human,
    /// One line per problem: `path:line:col: CODE [severity] message`.
    Concise,
    /// One JSON document (the report contract in the README).
    Json,
    /// GitHub Actions workflow commands, which annotate pull requests.
    Github,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}
