//! Recreating exported jobs on another provider: the target model (a built-in map, or the
//! user's), the settings mapped within the target's limits (each one without an equivalent
//! named), and the creation itself, exactly once: the mapping old job → new job is recorded in
//! the export folder, and a creation a crash left unrecorded is found again, not repeated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::export::{ExportedJob, ExportedMethod};
use super::plan::{self, Limits};
use super::{LocalState, Reporter, create_reconciled};
use crate::api::types::{Hyper, Hyperparameters, Job, JobRequest, MethodSpec, ProviderOptions};
use crate::api::{ApiError, Client, Provider, TuningOptions, format_rfc3339};
use crate::cost::PriceTable;
use crate::dataset::Method;
use crate::lint::ContentForms;
use crate::prepare::output::{OutputSet, TargetPolicy};
use crate::provider::Tuning;

/// Where the jobs made from an export are recorded, in its folder.
pub const MIGRATIONS_FILE: &str = "migrations.json";
/// Where a creation is noted before it is sent, so that a run after a crash finds its job.
pub const PENDING_FILE: &str = "migrations.pending.json";
/// The record format written.
const RECORD_VERSION: u32 = 1;

/// The size of open model that stands in for a closed base model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenSize {
    /// About 8B parameters.
    Small,
    /// About 70B parameters.
    Large,
}

/// The built-in equivalents of OpenAI's base models among open models, for targets that do
/// not train OpenAI's: (model or its family, size, why). Each target names its own model of
/// that size ([`crate::provider::ProviderFacts::open_models`]). More specific names first.
pub const OPEN_MODEL_MAP: &[(&str, OpenSize, &str)] = &[
    (
        "gpt-4o-mini",
        OpenSize::Small,
        "a small, fast model like gpt-4o-mini: 8B parameters, 128k context",
    ),
    (
        "gpt-4.1-nano",
        OpenSize::Small,
        "the smallest open model of 128k context, as gpt-4.1-nano is OpenAI's smallest",
    ),
    (
        "gpt-4.1-mini",
        OpenSize::Small,
        "a small, fast model like gpt-4.1-mini: 8B parameters, 128k context",
    ),
    (
        "gpt-3.5-turbo",
        OpenSize::Small,
        "a small model with more context than gpt-3.5-turbo's 16k: 8B parameters, 128k context",
    ),
    (
        "gpt-4o",
        OpenSize::Large,
        "a large model like gpt-4o: 70B parameters, 128k context",
    ),
    (
        "gpt-4.1",
        OpenSize::Large,
        "a large model like gpt-4.1: 70B parameters, 128k context (gpt-4.1 has 1M)",
    ),
];

/// Why a migration stopped: the errors of an export folder.
pub use super::export::ExportError as MigrateError;

/// The user's map of base models to the target's (`--model-map FILE`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelMap(pub BTreeMap<String, String>);

impl ModelMap {
    /// Reads a JSON object of model names: `{"gpt-4o-mini-2024-07-18": "meta-llama/…"}`.
    pub fn from_file(path: &Path) -> Result<Self, MigrateError> {
        let bytes = std::fs::read(path).map_err(|source| MigrateError::Io {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|error| MigrateError::Invalid {
                path: path.to_owned(),
                reason: format!(
                    "not a JSON object of model names ({error}); write {{\"gpt-4o-mini-2024-07-18\": \"meta-llama/Meta-Llama-3.1-8B-Instruct-Reference\"}}"
                ),
            })
    }
}

/// The model a job is recreated on, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelChoice {
    /// The target's model.
    pub model: String,
    /// Why this one.
    pub reason: String,
}

/// The target's model for `model`, a base model of `source`: the user's map first, then the
/// same model where the target trains `source`'s models, else the built-in open model.
pub fn target_model(
    source: Provider,
    target: Provider,
    model: &str,
    map: &ModelMap,
) -> Result<ModelChoice, String> {
    if let Some(mapped) = map.0.get(model) {
        return Ok(ModelChoice {
            model: mapped.clone(),
            reason: "from --model-map".to_owned(),
        });
    }
    if target.trains_models_of(source) {
        return Ok(ModelChoice {
            model: model.to_owned(),
            reason: format!("the same model, which {} trains", target.label()),
        });
    }
    let open = target.facts().open_models;
    OPEN_MODEL_MAP
        .iter()
        .find(|(family, _, _)| model == *family || model.starts_with(&format!("{family}-")))
        .zip(open)
        .map(|((_, size, why), open)| ModelChoice {
            model: match size {
                OpenSize::Small => open.small,
                OpenSize::Large => open.large,
            }
            .to_owned(),
            reason: (*why).to_owned(),
        })
        .ok_or_else(|| {
            format!(
                "{model} has no built-in equivalent on {}: name one in --model-map FILE ({{\"{model}\": \"MODEL\"}})",
                target.label()
            )
        })
}

/// Why the target cannot recreate a job on a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Untrainable {
    /// It does not fine-tune the model; these are the models it does.
    Model(Vec<String>),
    /// It fine-tunes the model, but not with this method; these are the methods it does.
    Method(Vec<Method>),
}

/// Whether the target fine-tunes `model` with `method`: from its published list where it
/// publishes one, else from the price table, which lists each model's methods where jobs are
/// priced from it.
pub async fn check_trainable(
    client: &Client,
    model: &str,
    method: Method,
) -> Result<Result<(), Untrainable>, ApiError> {
    let target = client.provider();
    match plan::model_limits(client, model).await? {
        Limits::Known(_) => return Ok(Ok(())),
        Limits::NotFineTunable => {
            let models = client.fine_tunable_models().await?;
            return Ok(Err(Untrainable::Model(
                models.into_iter().map(|(name, _)| name).collect(),
            )));
        }
        Limits::NotPublished => {}
    }
    let table = PriceTable::embedded();
    match table.find_for(model, target) {
        Ok(entry) if entry.trains_with(method, target) => Ok(Ok(())),
        Ok(entry) => Ok(Err(Untrainable::Method(entry.methods()))),
        Err(_) => Ok(Err(Untrainable::Model(
            table
                .models
                .iter()
                .filter(|entry| target.trains_models_of(entry.provider))
                .map(|entry| entry.name.clone())
                .collect(),
        ))),
    }
}

/// A job request for the target, and what could not be carried over.
#[derive(Clone, Debug)]
pub struct MappedJob {
    /// The request, without its file ids (set once the files are uploaded).
    pub request: JobRequest,
    /// Each setting with no equivalent on the target, and what is used instead.
    pub notes: Vec<String>,
}

/// Maps an exported job's method and hyperparameters to a request for `target` on `model`:
/// epochs, batch size, DPO's beta, suffix and seed carry over; what the target has no
/// equivalent for is named with what is used instead. A method the target cannot train is
/// refused with the reason.
pub fn map_settings(job: &ExportedJob, target: Provider, model: &str) -> Result<MappedJob, String> {
    let facts = target.facts();
    let ExportedMethod {
        kind,
        hyperparameters,
        ..
    } = &job.method;
    let hyper = hyperparameters.as_ref().unwrap_or(&Value::Null);
    let int = |key: &str| {
        hyper
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .map(Hyper::Int)
    };
    let number = |key: &str| hyper.get(key).and_then(Value::as_f64);
    let mut notes = Vec::new();
    let mut settings = Hyperparameters {
        n_epochs: int("n_epochs"),
        batch_size: int("batch_size"),
        learning_rate_multiplier: None,
        beta: None,
    };
    if let Some(multiplier) = number("learning_rate_multiplier") {
        if facts.tuning == Tuning::Multiplier {
            settings.learning_rate_multiplier = Some(Hyper::Number(multiplier));
        } else {
            notes.push(format!(
                "learning rate multiplier {multiplier}: {} takes an absolute learning rate instead, so its default is used",
                facts.label
            ));
        }
    }
    let method = match kind.as_str() {
        "supervised" => MethodSpec::supervised(settings),
        "dpo" => {
            settings.beta = number("beta").map(Hyper::Number);
            MethodSpec::dpo(settings)
        }
        other => {
            return Err(format!(
                "{} is a {other} job: finetune recreates supervised and DPO jobs only",
                job.id
            ));
        }
    };
    if !job.metadata.is_empty() && !facts.job_metadata {
        notes.push(format!(
            "metadata {}: {} keeps no job metadata, so it is not sent",
            serde_json::to_string(&job.metadata).unwrap_or_default(),
            facts.label
        ));
    }
    let seed = job
        .seed
        .filter(|_| facts.job_seed)
        .and_then(|seed| u32::try_from(seed).ok());
    if let (Some(given), false) = (job.seed, facts.job_seed) {
        notes.push(format!(
            "seed {given}: {} takes no seed, so none is sent",
            facts.label
        ));
    } else if job.seed.is_some() && seed.is_none() {
        notes.push(format!(
            "seed {}: outside 0 to {}, so none is sent",
            job.seed.unwrap_or_default(),
            u32::MAX
        ));
    }
    Ok(MappedJob {
        request: JobRequest {
            model: model.to_owned(),
            training_file: String::new(),
            validation_file: None,
            suffix: job.suffix.clone(),
            seed,
            method,
            request_id: Client::new_request_id(),
            options: if facts.tuning == Tuning::LearningRateAndLora {
                ProviderOptions::Tuning(TuningOptions::default())
            } else {
                ProviderOptions::None
            },
        },
        notes,
    })
}

/// Takes one hyperparameter out of a request, leaving it to the target: what it was.
type ClearSetting = fn(&mut Hyperparameters) -> Option<Hyper>;

/// Keeps `request` within the target's published limits: a batch size or epochs the model
/// does not take are left to the target's default, each said in a note; what still breaks
/// the limits is refused.
pub async fn fit_limits(
    client: &Client,
    request: &mut JobRequest,
) -> Result<Result<Vec<String>, plan::Refusal>, ApiError> {
    let limits = plan::model_limits(client, &request.model).await?;
    let label = client.provider().label();
    let mut notes = Vec::new();
    let settings: [(&str, ClearSetting); 2] = [
        ("batch size", |h| h.batch_size.take()),
        ("epochs", |h| h.n_epochs.take()),
    ];
    for (name, clear) in settings {
        let Err(plan::Refusal::Limits(before)) = plan::within_limits(client, request, &limits)
        else {
            break;
        };
        let mut tried = request.clone();
        let value = with_hyperparameters(&mut tried, clear);
        let after = match plan::within_limits(client, &tried, &limits) {
            Ok(()) => Vec::new(),
            Err(plan::Refusal::Limits(after)) => after,
            Err(_) => before.clone(),
        };
        if after.len() < before.len() {
            *request = tried;
            let value = match value {
                Some(Hyper::Int(n)) => n.to_string(),
                Some(Hyper::Number(x)) => x.to_string(),
                Some(Hyper::Auto) | None => "auto".to_owned(),
            };
            notes.push(format!(
                "{name} {value}: outside what {label} takes for {}, so its default is used",
                request.model
            ));
        }
    }
    Ok(plan::within_limits(client, request, &limits).map(|()| notes))
}

/// Changes the hyperparameters of whichever method `request` is; what `change` returns.
fn with_hyperparameters<T>(
    request: &mut JobRequest,
    change: impl FnOnce(&mut Hyperparameters) -> T,
) -> T {
    let settings = request
        .method
        .supervised
        .as_mut()
        .or(request.method.dpo.as_mut())
        .expect("a method has its settings");
    change(&mut settings.hyperparameters)
}

/// Where converted copies of exported files go, below the export folder and the target's id.
pub const CONVERTED_FOLDER: &str = "converted";

/// A copy of an exported file with the mechanical changes a target needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Converted {
    /// The copy, under `DIR/converted/TARGET/`.
    pub path: PathBuf,
    /// The 1-based lines changed.
    pub lines: Vec<u64>,
}

/// Converts `source`, a file of the export in `dir`, for `target` when it needs a mechanical
/// change, into `DIR/converted/TARGET/…` (never in place): where the target takes one content
/// form per example ([`ContentForms::Uniform`]), an example that mixes string contents with
/// lists of parts gets its strings as text parts. `None` when nothing needs changing.
pub fn convert_for(
    target: Provider,
    dir: &Path,
    source: &Path,
) -> Result<Option<Converted>, MigrateError> {
    if target.dataset_rules().content_forms != ContentForms::Uniform {
        return Ok(None);
    }
    let bytes = std::fs::read(source).map_err(|error| MigrateError::Io {
        path: source.to_owned(),
        source: error,
    })?;
    let mut converted = Vec::with_capacity(bytes.len());
    let mut lines = Vec::new();
    for (index, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        match serde_json::from_slice::<Value>(line)
            .ok()
            .and_then(uniform_contents)
        {
            Some(example) => {
                serde_json::to_writer(&mut converted, &example).expect("JSON serialises");
                converted.push(b'\n');
                lines.push(index as u64 + 1);
            }
            None => converted.extend_from_slice(line),
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let relative = source.strip_prefix(dir).unwrap_or(source);
    let relative = relative
        .components()
        .filter(|part| matches!(part, std::path::Component::Normal(_)))
        .collect::<PathBuf>();
    let path = dir.join(CONVERTED_FOLDER).join(target.id()).join(relative);
    let parent = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).map_err(|error| MigrateError::Io {
        path: parent.to_owned(),
        source: error,
    })?;
    let mut output = OutputSet::create(source, &[&path], TargetPolicy::default())?;
    output.write_all(0, &converted)?;
    output.commit()?;
    Ok(Some(Converted { path, lines }))
}

/// The example with every string content written as one text part, when it mixes string
/// contents with lists of parts; `None` when its contents already have one form.
fn uniform_contents(mut example: Value) -> Option<Value> {
    let mut contents: Vec<&mut Value> = Vec::new();
    let object = example.as_object_mut()?;
    for (key, value) in object.iter_mut() {
        let messages = match (key.as_str(), value) {
            ("input", Value::Object(input)) => input.get_mut("messages"),
            ("messages" | "preferred_output" | "non_preferred_output", value) => Some(value),
            _ => None,
        };
        if let Some(Value::Array(messages)) = messages {
            contents.extend(
                messages
                    .iter_mut()
                    .filter_map(|m| m.get_mut("content"))
                    .filter(|c| c.is_string() || c.is_array()),
            );
        }
    }
    let lists = contents.iter().filter(|c| c.is_array()).count();
    if lists == 0 || lists == contents.len() {
        return None;
    }
    for content in contents {
        if let Value::String(text) = content {
            *content = serde_json::json!([{"type": "text", "text": std::mem::take(text)}]);
        }
    }
    Some(example)
}

/// One exported job recreated on a target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Migration {
    /// The exported job.
    pub source_job: String,
    /// The target provider.
    pub provider: Provider,
    /// The target's base URL.
    pub base_url: String,
    /// The job made there.
    pub job: String,
    /// Its base model.
    pub model: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
}

/// A creation sent, or about to be, whose job is not yet recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Pending {
    source_job: String,
    provider: Provider,
    base_url: String,
    /// The request's client id, which finds the job where the target keeps metadata.
    request_id: String,
    /// Unix seconds from which the job is looked for.
    started_at: i64,
}

/// The jobs made from an export (`DIR/migrations.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Migrations {
    /// The record format.
    pub version: u32,
    /// Every job made, in order.
    pub migrations: Vec<Migration>,
}

impl Migrations {
    /// The record in `dir`; empty when there is none.
    pub fn load(dir: &Path) -> Result<Self, MigrateError> {
        read_record(&dir.join(MIGRATIONS_FILE))
    }

    /// The job made from `source_job` on the target `client` talks to, if any.
    pub fn find(&self, client: &Client, source_job: &str) -> Option<&Migration> {
        let base_url = &client.config().base_url;
        self.migrations.iter().find(|m| {
            m.source_job == source_job && m.provider == client.provider() && &m.base_url == base_url
        })
    }
}

/// The creations not yet recorded (`DIR/migrations.pending.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct PendingRecord {
    version: u32,
    pending: Vec<Pending>,
}

fn read_record<T: Default + serde::de::DeserializeOwned>(path: &Path) -> Result<T, MigrateError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| MigrateError::Invalid {
            path: path.to_owned(),
            reason: format!("not a finetune migration record: {error}"),
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(source) => Err(MigrateError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn write_record(path: &Path, record: &impl Serialize) -> Result<(), MigrateError> {
    let mut text = serde_json::to_vec_pretty(record).expect("a record serialises");
    text.push(b'\n');
    Ok(OutputSet::write_file(path, &text)?)
}

/// How a job came to be recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Created {
    /// This run created it.
    Now,
    /// An earlier run created it and stopped before recording it; it was found.
    Earlier,
}

/// Creates the job `request` describes for `source_job` exactly once and records it in
/// `dir`: the creation is noted before it is sent, so a run after a crash between creation
/// and recording finds the job instead of making another.
pub async fn create_recorded(
    client: &Client,
    dir: &Path,
    source_job: &str,
    mut request: JobRequest,
    (state, reporter): (&LocalState, &mut dyn Reporter),
) -> Result<(Job, Created), MigrateError> {
    let pending_path = dir.join(PENDING_FILE);
    let base_url = client.config().base_url.clone();
    let mut pending: PendingRecord = read_record(&pending_path)?;
    pending.version = RECORD_VERSION;
    let same = |p: &Pending| {
        p.source_job == source_job && p.provider == client.provider() && p.base_url == base_url
    };
    let earlier = pending.pending.iter().find(|p| same(p)).cloned();
    let mut found = None;
    if let Some(earlier) = &earlier {
        request.request_id.clone_from(&earlier.request_id);
        found = client.find_created(&request, earlier.started_at).await?;
    }
    let (job, how) = if let Some(job) = found {
        (job, Created::Earlier)
    } else {
        if earlier.is_none() {
            pending.pending.push(Pending {
                source_job: source_job.to_owned(),
                provider: client.provider(),
                base_url: base_url.clone(),
                request_id: request.request_id.clone(),
                started_at: Client::matching_start(),
            });
            write_record(&pending_path, &pending)?;
        }
        (
            create_reconciled(client, request, (state, reporter)).await?,
            Created::Now,
        )
    };
    let mut record = Migrations::load(dir)?;
    record.version = RECORD_VERSION;
    record.migrations.push(Migration {
        source_job: source_job.to_owned(),
        provider: client.provider(),
        base_url: base_url.clone(),
        job: job.id.clone(),
        model: job.model.clone(),
        created_at: format_rfc3339(job.created_at),
    });
    write_record(&dir.join(MIGRATIONS_FILE), &record)?;
    pending.pending.retain(|p| !same(p));
    write_record(&pending_path, &pending)?;
    Ok((job, how))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_models_map_to_the_same_model_or_an_open_one() {
        let none = ModelMap::default();
        let azure = target_model(
            Provider::OpenAi,
            Provider::Azure,
            "gpt-4o-mini-2024-07-18",
            &none,
        )
        .unwrap();
        assert_eq!(azure.model, "gpt-4o-mini-2024-07-18");
        let open = target_model(
            Provider::OpenAi,
            Provider::Together,
            "gpt-4o-mini-2024-07-18",
            &none,
        )
        .unwrap();
        assert_eq!(
            open.model,
            "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
        );
        let large = target_model(
            Provider::OpenAi,
            Provider::Together,
            "gpt-4o-2024-08-06",
            &none,
        )
        .unwrap();
        assert_eq!(large.model, "meta-llama/Llama-3.3-70B-Instruct-Reference");
        let mine = ModelMap(BTreeMap::from([(
            "gpt-4o-2024-08-06".to_owned(),
            "Qwen/Qwen2.5-72B-Instruct".to_owned(),
        )]));
        let chosen = target_model(
            Provider::OpenAi,
            Provider::Together,
            "gpt-4o-2024-08-06",
            &mine,
        )
        .unwrap();
        assert_eq!(chosen.model, "Qwen/Qwen2.5-72B-Instruct");
        assert!(
            target_model(Provider::OpenAi, Provider::Together, "davinci-002", &none)
                .unwrap_err()
                .contains("--model-map")
        );
    }

    #[test]
    fn mixed_contents_become_text_parts_and_uniform_ones_stay() {
        let mixed = serde_json::json!({"messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "What is this?"}]},
            {"role": "assistant", "content": "A cat."},
        ]});
        let uniform = uniform_contents(mixed).unwrap();
        assert_eq!(
            uniform["messages"][0]["content"],
            serde_json::json!([{"type": "text", "text": "Be brief."}])
        );
        assert_eq!(
            uniform["messages"][2]["content"],
            serde_json::json!([{"type": "text", "text": "A cat."}])
        );
        let strings = serde_json::json!({"messages": [
            {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
        ]});
        assert_eq!(uniform_contents(strings), None);
    }

    #[test]
    fn every_built_in_open_model_is_in_the_price_table_and_trained_by_its_provider() {
        let table = PriceTable::embedded();
        for provider in Provider::ALL {
            let Some(open) = provider.facts().open_models else {
                continue;
            };
            for name in [open.small, open.large] {
                assert!(table.find_for(name, provider).is_ok(), "{provider}: {name}");
            }
        }
        // Every target with open models gets one for every entry of the map.
        let none = ModelMap::default();
        for (family, _, _) in OPEN_MODEL_MAP {
            for target in [Provider::Together, Provider::Fireworks] {
                let choice = target_model(Provider::OpenAi, target, family, &none).unwrap();
                assert!(table.find_for(&choice.model, target).is_ok(), "{choice:?}");
            }
        }
        let choice = target_model(
            Provider::OpenAi,
            Provider::Fireworks,
            "gpt-4o-2024-08-06",
            &none,
        );
        assert_eq!(
            choice.unwrap().model,
            "accounts/fireworks/models/llama-v3p1-70b-instruct"
        );
    }
}
