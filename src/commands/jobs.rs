//! `train-model`, the job commands, `wait`, `metrics` and `fine-tune-prompt`.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use crate::api::types::{
    ChatMessage, Cursor, Event, FileObject, Hyper, Hyperparameters, Job, JobRequest, MethodSpec,
    PageStep, ProviderOptions,
};
use crate::api::{ApiError, Client, TrainingType, TuningOptions};
use crate::cli::{
    EventsArgs, JobArgs, ListFormat, ListJobsArgs, MetricsArgs, PreflightArgs, Printer, PromptArgs,
    TrainArgs, TrainMethod, TrainingTypeArg, WaitArgs,
};
use crate::commands::ExitStatus;
use crate::commands::check::{Preflight, dollars, plural, thousands};
use crate::commands::remote::{
    TerminalReporter, block_on, checked, client, confirm, failed, local_state, model_for, put_file,
    seconds, table, timestamp,
};
use crate::cost::Epochs;
use crate::dataset::Method;
use crate::prepare::output::OutputSet;
use crate::provider::{Pricing, Provider, Tuning, names_where};
use crate::workflow::create_reconciled;
use crate::workflow::plan::{self, JobCost, Limits, Refusal};
use crate::workflow::watch::{JobProgress, JobWatcher, Metrics, SeenEvents, new_events, watch};

/// Makes the client or says why not.
macro_rules! client_or_exit {
    ($api:expr, $printer:expr) => {
        match client($api) {
            Ok(client) => client,
            Err(message) => {
                $printer.error(&message);
                return Ok(ExitStatus::Error);
            }
        }
    };
}

/// A training or validation file, wherever it was given.
struct Resolved {
    file: FileObject,
    preflight: Option<Preflight>,
}

/// Finds (and if needed checks and uploads) the file `spec` names: a local path, a file id or
/// an uploaded file's name (the newest of that name).
fn resolve(
    client: &Client,
    spec: &str,
    model: &str,
    epochs: Epochs,
    options: &PreflightArgs,
    printer: &mut Printer,
) -> io::Result<Result<Resolved, ExitStatus>> {
    let path = Path::new(spec);
    if path.is_file() {
        let preflight = match checked(path, model, client.provider(), epochs, options, printer)? {
            Ok(preflight) => preflight,
            Err(status) => return Ok(Err(status)),
        };
        let uploaded = put_file(client, path, options, printer)?;
        return Ok(match uploaded {
            Ok(file) => {
                // Uploaded now, or an earlier upload reused (the upload said which).
                printer.note(&format!("training on {spec} as {}", file.id));
                Ok(Resolved { file, preflight })
            }
            Err(error) => Err(failed(&error, printer)),
        });
    }
    let found = block_on(async {
        if spec.starts_with("file-") {
            return client.retrieve_file(spec).await.map(Some);
        }
        let newest = client
            .list_files(Some("fine-tune"))
            .await?
            .into_iter()
            .filter(|f| f.filename == spec)
            .max_by_key(|f| (f.created_at, f.id.clone()));
        Ok(newest)
    })?;
    let file = match found {
        Ok(Some(file)) => file,
        Ok(None) => {
            printer.error(&format!(
                "{spec:?} is neither a local file nor the name of an uploaded file (`finetune list-files` lists them)"
            ));
            return Ok(Err(ExitStatus::Error));
        }
        Err(error) => return Ok(Err(failed(&error, printer))),
    };
    if options.no_check {
        printer.note(&format!(
            "warning: training on {} ({}) without checking it (--no-check): the platform may reject it, or train on broken examples",
            file.id, file.filename
        ));
        return Ok(Ok(Resolved {
            file,
            preflight: None,
        }));
    }
    // Check the uploaded content too: the estimate needs its tokens, and a broken file would
    // only fail on the platform after the job was created.
    let content = match block_on(client.file_content(&file.id))? {
        Ok(content) => content,
        Err(error) => return Ok(Err(failed(&error, printer))),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix("finetune-")
        .suffix(".jsonl")
        .tempfile()?;
    temporary.write_all(&content)?;
    temporary.flush()?;
    printer.note(&format!(
        "checking {} ({}) as downloaded",
        file.id, file.filename
    ));
    let preflight = match checked(
        temporary.path(),
        model,
        client.provider(),
        epochs,
        options,
        printer,
    )? {
        Ok(preflight) => preflight,
        Err(status) => return Ok(Err(status)),
    };
    Ok(Ok(Resolved { file, preflight }))
}

/// Options that only one provider takes, refused elsewhere rather than silently dropped.
fn provider_options(args: &TrainArgs) -> Result<(), String> {
    let lora_only = [
        ("--learning-rate", args.learning_rate.is_some()),
        ("--training-type", args.training_type.is_some()),
        ("--lora-r", args.lora_r.is_some()),
        ("--lora-alpha", args.lora_alpha.is_some()),
        ("--lora-dropout", args.lora_dropout.is_some()),
        ("--n-checkpoints", args.n_checkpoints.is_some()),
    ];
    let provider = args.api.provider;
    if args.preflight.max_context_length.is_some() && !provider.facts().job_context_length {
        return Err(format!(
            "{} takes no maximum context length: its jobs train on the model's context (--max-context-length)",
            provider.label()
        ));
    }
    if provider.facts().tuning == Tuning::LearningRateAndLora {
        if args.learning_rate_multiplier.is_some() {
            return Err(format!(
                "{} takes the learning rate itself: use --learning-rate (without it, the provider's default), not --learning-rate-multiplier",
                provider.label()
            ));
        }
        if args.training_type == Some(TrainingTypeArg::Full)
            && (args.lora_r.is_some() || args.lora_alpha.is_some() || args.lora_dropout.is_some())
        {
            return Err(
                "--lora-r, --lora-alpha and --lora-dropout apply to --training-type lora"
                    .to_owned(),
            );
        }
        if args.lora_dropout.is_some_and(|d| !(0.0..=1.0).contains(&d)) {
            return Err("--lora-dropout must be from 0 to 1".to_owned());
        }
        return Ok(());
    }
    match lora_only.iter().find(|(_, given)| *given) {
        Some((flag, _)) => {
            let (labels, ids) = names_where(|f| f.tuning == Tuning::LearningRateAndLora);
            Err(format!(
                "{flag} applies to {labels} only (--provider {ids}); {} does not take it",
                provider.label()
            ))
        }
        None => Ok(()),
    }
}

/// The job `args` ask for, on the given files.
fn job_request(
    args: &TrainArgs,
    model: &str,
    method: Method,
    training_file: String,
    validation_file: Option<String>,
) -> JobRequest {
    let hyperparameters = Hyperparameters {
        n_epochs: match args.epochs {
            Epochs::Auto => None,
            Epochs::Fixed(n) => Some(Hyper::Int(n)),
        },
        batch_size: args.batch_size.map(Hyper::Int),
        learning_rate_multiplier: args.learning_rate_multiplier.map(Hyper::Number),
        beta: args.beta.map(Hyper::Number),
    };
    JobRequest {
        model: model.to_owned(),
        training_file,
        validation_file,
        suffix: args.suffix.clone(),
        seed: args.seed,
        method: if method == Method::Dpo {
            MethodSpec::dpo(hyperparameters)
        } else {
            MethodSpec::supervised(hyperparameters)
        },
        request_id: Client::new_request_id(),
        options: if args.api.provider.facts().tuning == Tuning::LearningRateAndLora {
            ProviderOptions::Tuning(tuning_options(args))
        } else {
            ProviderOptions::None
        },
    }
}

/// The LoRA, learning-rate and checkpoint options `args` ask for.
fn tuning_options(args: &TrainArgs) -> TuningOptions {
    TuningOptions {
        training_type: match args.training_type {
            Some(TrainingTypeArg::Full) => Some(TrainingType::Full),
            Some(TrainingTypeArg::Lora) | None
                if args.lora_r.is_some()
                    || args.lora_alpha.is_some()
                    || args.lora_dropout.is_some()
                    || args.training_type.is_some() =>
            {
                let r = args.lora_r.unwrap_or(8);
                Some(TrainingType::Lora {
                    r,
                    alpha: args.lora_alpha.unwrap_or(2 * r),
                    dropout: args.lora_dropout,
                })
            }
            _ => None,
        },
        learning_rate: args.learning_rate,
        n_checkpoints: args.n_checkpoints,
        n_evals: None,
        max_context_length: args.preflight.max_context_length,
    }
}

/// Says why the planned job is not created; the exit status: 2 for a request the provider
/// would refuse, 1 for a cost beyond what was allowed.
pub(crate) fn refused(refusal: &Refusal, provider: Provider, printer: &mut Printer) -> ExitStatus {
    let (message, status) = match refusal {
        Refusal::Limits(violations) => (
            format!(
                "not creating the job: {} would refuse it:\n  {}",
                provider.label(),
                violations.join("\n  ")
            ),
            ExitStatus::Error,
        ),
        Refusal::AccountLimit(limit) => (
            format!(
                "not creating the job: {} says it would exceed the account's limit{}",
                provider.label(),
                limit
                    .map(|limit| format!(" of {}", dollars(limit)))
                    .unwrap_or_default()
            ),
            ExitStatus::Failure,
        ),
        Refusal::AboveMaxCost { cost, limit } => (
            format!(
                "not creating the job: the estimate {} is above --max-cost {}",
                dollars(*cost),
                dollars(*limit)
            ),
            ExitStatus::Failure,
        ),
        Refusal::Unpriced { limit } => (
            format!(
                "not creating the job: its cost cannot be estimated, so --max-cost {} cannot be honoured",
                dollars(*limit)
            ),
            ExitStatus::Failure,
        ),
    };
    printer.error(&message);
    status
}

/// The plan with the provider's own price, where it gave one.
fn priced_plan(mut plan: String, cost: &JobCost, provider: Provider) -> String {
    if let Some(price) = cost.priced.as_ref().and_then(|p| p.estimated_total_price) {
        plan.push_str(&format!(
            "\n  {} estimate: {}",
            provider.label(),
            dollars(price)
        ));
        if let Some(tokens) = cost
            .priced
            .as_ref()
            .and_then(|p| p.estimated_train_token_count)
        {
            plan.push_str(&format!(
                " for {} training tokens",
                thousands(tokens as u64)
            ));
        }
    }
    plan
}

/// `finetune train-model`.
pub fn train(args: &TrainArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = client_or_exit!(&args.api, printer);
    let provider = args.api.provider;
    if let Err(message) = provider_options(args) {
        printer.error(&message);
        return Ok(ExitStatus::Error);
    }
    let model = model_for(provider, args.model.as_deref(), printer);
    let model = model.as_str();
    // A model the table lists for another provider is refused with the reason.
    let table = crate::cost::PriceTable::embedded();
    if table.find(model).is_ok()
        && let Err(message) = table.find_for(model, provider)
    {
        printer.error(&message);
        return Ok(ExitStatus::Error);
    }
    // Where the provider publishes each model's limits, a job it would refuse is refused
    // before any upload, and again once the method is known.
    let limits = match block_on(plan::model_limits(&client, model))? {
        Ok(Limits::NotFineTunable) => {
            printer.error(&format!(
                "{model} is not fine-tunable on {}: `finetune models --provider {}` lists the models that are",
                provider.label(),
                provider.id()
            ));
            return Ok(ExitStatus::Error);
        }
        Ok(limits) => limits,
        Err(error) => return Ok(failed(&error, printer)),
    };
    let draft_method = if args.method == TrainMethod::Dpo {
        Method::Dpo
    } else {
        Method::Supervised
    };
    let draft = job_request(args, model, draft_method, String::new(), None);
    if let Err(refusal) = plan::within_limits(&client, &draft, &limits) {
        return Ok(refused(&refusal, provider, printer));
    }
    let training = match resolve(
        &client,
        &args.training,
        model,
        args.epochs,
        &args.preflight,
        printer,
    )? {
        Ok(resolved) => resolved,
        Err(status) => return Ok(status),
    };
    let validation = match &args.validation_file {
        Some(spec) => match resolve(&client, spec, model, args.epochs, &args.preflight, printer)? {
            Ok(resolved) => Some(resolved),
            Err(status) => return Ok(status),
        },
        None => None,
    };
    let detected = training.preflight.as_ref().map(|p| p.summary.method());
    let method = match (args.method, detected) {
        (TrainMethod::Supervised, _) | (TrainMethod::Auto, None | Some(Method::Supervised)) => {
            Method::Supervised
        }
        (TrainMethod::Dpo, _) | (TrainMethod::Auto, Some(Method::Dpo)) => Method::Dpo,
        (TrainMethod::Auto, Some(Method::Reinforcement)) => {
            printer.error("the file holds reinforcement examples; train-model creates supervised and DPO jobs only (reinforcement needs a grader)");
            return Ok(ExitStatus::Error);
        }
    };
    if args.beta.is_some() && method != Method::Dpo {
        printer.error("--beta applies to DPO only (--method dpo)");
        return Ok(ExitStatus::Error);
    }
    let estimate = training.preflight.as_ref().and_then(|p| p.estimate.clone());
    let request = job_request(
        args,
        model,
        method,
        training.file.id.clone(),
        validation.as_ref().map(|v| v.file.id.clone()),
    );
    if let Err(refusal) = plan::within_limits(&client, &request, &limits) {
        return Ok(refused(&refusal, provider, printer));
    }
    let mut plan = format!(
        "fine-tuning job on {}: {} on {} ({}, {} bytes)",
        provider.label(),
        model,
        training.file.id,
        training.file.filename,
        training.file.bytes
    );
    if let Some(validation) = &validation {
        plan.push_str(&format!(
            ", validating on {} ({})",
            validation.file.id, validation.file.filename
        ));
    }
    plan.push_str(&format!(", method {}", method.as_str()));
    match &estimate {
        Some(estimate) => {
            plan.push_str(&format!(
                "\n  estimate: {} × {} billed tokens = {} tokens",
                plural(u64::from(estimate.epochs), "epoch"),
                thousands(estimate.billed_tokens_per_epoch),
                thousands(estimate.billed_tokens)
            ));
            match (estimate.cost_usd, provider.facts().pricing) {
                (_, Pricing::EstimatesEachJob) => {}
                (Some(cost), Pricing::Reference { note }) => plan.push_str(&format!(
                    ", about {} at {} list price ({note})",
                    dollars(cost),
                    provider.reference_price_owner()
                )),
                (Some(cost), Pricing::PriceTable) => {
                    plan.push_str(&format!(", about {}", dollars(cost)));
                }
                (None, _) => plan.push_str(", cost unknown (no price for this model and method)"),
            }
        }
        None => plan.push_str("\n  estimate: unknown (the file was not checked)"),
    }
    // A provider that prices each job itself: its answer is the estimate that counts.
    let local = estimate.as_ref().and_then(|e| e.cost_usd);
    let cost = match block_on(plan::job_cost(&client, &request, local))? {
        Ok(Ok(cost)) => cost,
        Ok(Err((cost, refusal))) => {
            printer.note(&priced_plan(plan, &cost, provider));
            return Ok(refused(&refusal, provider, printer));
        }
        Err(error) => return Ok(failed(&error, printer)),
    };
    printer.note(&priced_plan(plan, &cost, provider));
    if let Err(refusal) = plan::within_max_cost(cost.cost, args.max_cost) {
        return Ok(refused(&refusal, provider, printer));
    }
    if !confirm("Create the job?", args.yes, printer)? {
        printer.note("no job created");
        return Ok(ExitStatus::Failure);
    }
    let mut reporter = TerminalReporter::default();
    let state = local_state();
    let created = block_on(create_reconciled(&client, request, (&state, &mut reporter)))?;
    reporter.print_notes(printer);
    let job = match created {
        Ok(job) => job,
        Err(error) => return Ok(failed(&error, printer)),
    };
    printer.note(&format!("created job {} ({})", job.id, job.status));
    match args.output_format {
        ListFormat::Json if !args.wait => {
            serde_json::to_writer_pretty(printer.out(), &job)?;
            writeln!(printer.out())?;
        }
        _ => writeln!(printer.out(), "{}", job.id)?,
    }
    if args.wait {
        return wait_for(&client, &job.id, args.poll_interval, printer);
    }
    Ok(ExitStatus::Success)
}

/// `finetune list-jobs`.
pub fn list(args: &ListJobsArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = client_or_exit!(&args.api, printer);
    let result = block_on(async {
        let mut jobs = Vec::new();
        let mut cursor = Cursor::default();
        loop {
            let page = client.list_jobs(args.limit, cursor.after()).await?;
            let last = page.data.last().map(|job| job.id.clone());
            let more = match cursor.advance(last.as_deref(), page.has_more) {
                PageStep::Repeated => return Ok::<_, ApiError>((jobs, false)),
                PageStep::Next => true,
                PageStep::Last => false,
            };
            jobs.extend(page.data);
            if !(args.all && more) {
                return Ok((jobs, more));
            }
        }
    })?;
    let (jobs, more) = match result {
        Ok(found) => found,
        Err(error) => return Ok(failed(&error, printer)),
    };
    match args.output_format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(printer.out(), &jobs)?;
            writeln!(printer.out())?;
        }
        ListFormat::Human if jobs.is_empty() => printer.note("no jobs"),
        ListFormat::Human => {
            let rows: Vec<Vec<String>> = jobs
                .iter()
                .map(|job| {
                    vec![
                        job.id.clone(),
                        job.status.clone(),
                        job.model.clone(),
                        timestamp(job.created_at),
                        job.fine_tuned_model
                            .clone()
                            .unwrap_or_else(|| "-".to_owned()),
                    ]
                })
                .collect();
            table(
                printer.out(),
                &["ID", "STATUS", "MODEL", "CREATED (UTC)", "FINE-TUNED MODEL"],
                &rows,
            )?;
            if more {
                printer.note("more jobs exist: --all lists every one");
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn hyperparameters_line(job: &Job) -> String {
    job.effective_hyperparameters()
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| {
                    format!(
                        "{k}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                    )
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// Explains a job's error, with advice for the common ones.
fn job_error_line(job: &Job) -> Option<String> {
    let error = job
        .error
        .as_ref()
        .filter(|e| e.message.is_some() || e.code.is_some())?;
    let mut line = error.message.clone().unwrap_or_default();
    if let Some(code) = &error.code {
        line.push_str(&format!(" (code {code}"));
        if let Some(param) = &error.param {
            line.push_str(&format!(", param {param}"));
        }
        line.push(')');
    }
    if error.code.as_deref() == Some("invalid_training_file") {
        line.push_str("\n  hint: run `finetune check` on the training file: it finds what the platform rejects, with line numbers");
    }
    Some(line)
}

fn write_job(out: &mut dyn Write, job: &Job) -> io::Result<()> {
    let none = || "-".to_owned();
    let rows = [
        ("id", job.id.clone()),
        ("status", job.status.clone()),
        ("model", job.model.clone()),
        (
            "fine-tuned model",
            job.fine_tuned_model.clone().unwrap_or_else(none),
        ),
        ("method", job.method_name().to_owned()),
        ("hyperparameters", hyperparameters_line(job)),
        ("training file", job.training_file.clone()),
        (
            "validation file",
            job.validation_file.clone().unwrap_or_else(none),
        ),
        ("created", timestamp(job.created_at)),
        ("finished", job.finished_at.map_or_else(none, timestamp)),
        (
            "trained tokens",
            job.trained_tokens.map_or_else(none, thousands),
        ),
        (
            "result files",
            if job.result_files.is_empty() {
                none()
            } else {
                job.result_files.join(", ")
            },
        ),
    ];
    for (key, value) in rows {
        writeln!(out, "{key:<17}{value}")?;
    }
    if let Some(error) = job_error_line(job) {
        writeln!(out, "{:<17}{error}", "error")?;
    }
    Ok(())
}

/// `finetune retrieve-job`, `cancel-job`, `pause-job`, `resume-job` (`action` is `None` for
/// retrieve, else `cancel`, `pause` or `resume`).
pub fn job(args: &JobArgs, action: Option<&str>, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = client_or_exit!(&args.api, printer);
    let result = match action {
        None => block_on(client.retrieve_job(&args.id))?,
        Some(action) => block_on(client.job_action(&args.id, action))?,
    };
    let job = match result {
        Ok(job) => job,
        Err(error) => return Ok(failed(&error, printer)),
    };
    match args.output_format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(printer.out(), &job)?;
            writeln!(printer.out())?;
        }
        ListFormat::Human => {
            if action.is_some() {
                writeln!(printer.out(), "job {} is now {}", job.id, job.status)?;
            } else {
                write_job(printer.out(), &job)?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// `finetune list-checkpoints`.
pub fn checkpoints(args: &JobArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = client_or_exit!(&args.api, printer);
    let checkpoints = match block_on(client.list_checkpoints(&args.id))? {
        Ok(checkpoints) => checkpoints,
        Err(error) => return Ok(failed(&error, printer)),
    };
    match args.output_format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(printer.out(), &checkpoints)?;
            writeln!(printer.out())?;
        }
        ListFormat::Human if checkpoints.is_empty() => {
            printer.note(&format!("job {} has no checkpoints yet", args.id));
        }
        ListFormat::Human => {
            let metric = |c: &crate::api::types::Checkpoint, key: &str| {
                c.metrics
                    .get(key)
                    .and_then(Value::as_f64)
                    .map_or_else(|| "-".to_owned(), |x| format!("{x:.4}"))
            };
            let rows: Vec<Vec<String>> = checkpoints
                .iter()
                .map(|c| {
                    vec![
                        c.step_number.to_string(),
                        c.fine_tuned_model_checkpoint.clone(),
                        metric(c, "train_loss"),
                        metric(c, "valid_loss"),
                        metric(c, "full_valid_loss"),
                        timestamp(c.created_at),
                    ]
                })
                .collect();
            table(
                printer.out(),
                &[
                    "STEP",
                    "CHECKPOINT MODEL",
                    "TRAIN LOSS",
                    "VALID LOSS",
                    "FULL VALID LOSS",
                    "CREATED (UTC)",
                ],
                &rows,
            )?;
        }
    }
    Ok(ExitStatus::Success)
}

fn write_event(out: &mut dyn Write, event: &Event, format: ListFormat) -> io::Result<()> {
    match format {
        ListFormat::Json => {
            serde_json::to_writer(&mut *out, event)?;
            writeln!(out)
        }
        ListFormat::Human => writeln!(
            out,
            "{}  {:<5}  {}",
            timestamp(event.created_at),
            event.level,
            event.message
        ),
    }
}

/// `finetune list-job-events`.
pub fn events(args: &EventsArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = client_or_exit!(&args.api, printer);
    if !args.follow {
        let events = match block_on(client.all_events(&args.id))? {
            Ok(events) => events,
            Err(error) => return Ok(failed(&error, printer)),
        };
        for event in &events {
            write_event(printer.out(), event, args.output_format)?;
        }
        return Ok(ExitStatus::Success);
    }
    let mut seen = SeenEvents::default();
    loop {
        // Each round asks again from the last event seen, so a dropped connection (after the
        // client's own retries) loses nothing: the next round picks up where this one stopped.
        let round = block_on(async {
            let events = new_events(&client, &args.id, &mut seen).await?;
            let job = client.retrieve_job(&args.id).await?;
            Ok::<_, ApiError>((events, job))
        })?;
        let (events, job) = match round {
            Ok(round) => round,
            Err(error) => return Ok(failed(&error, printer)),
        };
        for event in &events {
            write_event(printer.out(), event, args.output_format)?;
        }
        printer.flush()?;
        if job.is_finished() {
            let rest = match block_on(new_events(&client, &args.id, &mut seen))? {
                Ok(rest) => rest,
                Err(error) => return Ok(failed(&error, printer)),
            };
            for event in &rest {
                write_event(printer.out(), event, args.output_format)?;
            }
            return Ok(ExitStatus::Success);
        }
        std::thread::sleep(seconds(args.poll_interval));
    }
}

/// `finetune wait`.
pub fn wait(args: &WaitArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = client_or_exit!(&args.api, printer);
    wait_for(&client, &args.id, args.poll_interval, printer)
}

/// `wait`'s display: a progress bar on a terminal, a line per status change elsewhere.
struct WaitDisplay<'a> {
    bar: &'a ProgressBar,
    terminal: bool,
    printer: &'a mut Printer,
    last_status: String,
}

impl JobWatcher for WaitDisplay<'_> {
    fn update(&mut self, job: &Job, progress: &JobProgress) {
        if let Some(total) = progress.total {
            self.bar.set_length(total);
            self.bar.set_position(progress.step.unwrap_or(0));
        } else if let Some(percent) = progress.percent {
            self.bar.set_length(100);
            // Clamped to 0–100 when read, so the rounding cannot overflow.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            self.bar.set_position(percent.round() as u64);
        }
        self.bar.set_message(progress.describe(&job.status));
        if !self.terminal && job.status != self.last_status {
            self.printer
                .note(&format!("{}: {}", job.id, progress.describe(&job.status)));
        }
        self.last_status.clone_from(&job.status);
    }
}

/// Waits for a job to end with a live display; 0 when it succeeded, 1 when it failed or was
/// cancelled.
pub(crate) fn wait_for(
    client: &Client,
    id: &str,
    poll: f64,
    printer: &mut Printer,
) -> io::Result<ExitStatus> {
    let terminal = io::stderr().is_terminal();
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix} [{bar:30}] {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(id.to_owned());
    if !terminal {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut display = WaitDisplay {
        bar: &bar,
        terminal,
        printer: &mut *printer,
        last_status: String::new(),
    };
    let watched = block_on(watch(client, id, seconds(poll), &mut display))?;
    let (job, progress) = match watched {
        Ok(watched) => watched,
        Err(error) => {
            bar.finish_and_clear();
            return Ok(failed(&error, printer));
        }
    };
    bar.finish_and_clear();
    let out = printer.out();
    match job.status.as_str() {
        "succeeded" => {
            writeln!(out, "job {} succeeded", job.id)?;
            writeln!(
                out,
                "fine-tuned model: {}",
                job.fine_tuned_model.as_deref().unwrap_or("-")
            )?;
            if let Some(tokens) = job.trained_tokens {
                writeln!(out, "trained tokens: {}", thousands(tokens))?;
            }
            if let Some(loss) = progress.train_loss {
                writeln!(out, "final train loss: {loss:.4}")?;
            }
            if let Some(loss) = progress.valid_loss {
                writeln!(out, "final valid loss: {loss:.4}")?;
            }
            Ok(ExitStatus::Success)
        }
        status => {
            writeln!(out, "job {} {status}", job.id)?;
            if let Some(error) = job_error_line(&job) {
                printer.error(&format!("job {} {status}: {error}", job.id));
            }
            Ok(ExitStatus::Failure)
        }
    }
}

/// A named series of (step, value) points and the mark that draws it.
type Series<'a> = (&'a str, char, Vec<(f64, f64)>);

/// A text chart of one or two series: `*` for the first, `o` for the second.
fn chart(series: &[Series<'_>], width: usize, height: usize) -> String {
    let points: Vec<(f64, f64)> = series
        .iter()
        .flat_map(|(_, _, s)| s.iter().copied())
        .collect();
    if points.is_empty() {
        return String::new();
    }
    let (min_x, max_x) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), (x, _)| {
        (a.min(*x), b.max(*x))
    });
    let (min_y, max_y) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), (_, y)| {
        (a.min(*y), b.max(*y))
    });
    let span_x = (max_x - min_x).max(f64::EPSILON);
    let span_y = (max_y - min_y).max(f64::EPSILON);
    let mut grid = vec![vec![' '; width]; height];
    for (_, mark, points) in series {
        for (x, y) in points {
            let col = (((x - min_x) / span_x) * (width - 1) as f64).round() as usize;
            let row = (((max_y - y) / span_y) * (height - 1) as f64).round() as usize;
            grid[row.min(height - 1)][col.min(width - 1)] = *mark;
        }
    }
    let mut text = String::new();
    for (i, row) in grid.iter().enumerate() {
        let label = if i == 0 {
            format!("{max_y:>8.3}")
        } else if i == height - 1 {
            format!("{min_y:>8.3}")
        } else {
            " ".repeat(8)
        };
        text.push_str(&format!(
            "{label} │{}\n",
            row.iter().collect::<String>().trim_end()
        ));
    }
    text.push_str(&format!("{} └{}\n", " ".repeat(8), "─".repeat(width)));
    text.push_str(&format!(
        "{}  step {min_x:<10} {:>w$}\n",
        " ".repeat(8),
        format!("step {max_x}"),
        w = width.saturating_sub(16)
    ));
    let legend: Vec<String> = series
        .iter()
        .filter(|(_, _, s)| !s.is_empty())
        .map(|(name, mark, _)| format!("{mark} {name}"))
        .collect();
    text.push_str(&format!("{}  {}\n", " ".repeat(8), legend.join("   ")));
    text
}

/// `finetune metrics`.
pub fn metrics(args: &MetricsArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = client_or_exit!(&args.api, printer);
    let job = match block_on(client.retrieve_job(&args.id))? {
        Ok(job) => job,
        Err(error) => return Ok(failed(&error, printer)),
    };
    let (file_id, content) = match block_on(client.job_metrics(&job))? {
        Ok(Some(found)) => found,
        Ok(None) => {
            printer.error(&format!(
                "job {} has no metrics yet (status {}): the platform writes them as the job trains",
                job.id, job.status
            ));
            return Ok(ExitStatus::Failure);
        }
        Err(error) => return Ok(failed(&error, printer)),
    };
    let file_id = &file_id;
    let metrics = match Metrics::parse(&content) {
        Ok(metrics) => metrics,
        Err(message) => {
            printer.error(&format!("{file_id}: {message}"));
            return Ok(ExitStatus::Error);
        }
    };
    if let Some(output) = &args.output {
        if let Err(error) = OutputSet::write_file(output, &metrics.csv) {
            printer.error(&error.to_string());
            return Ok(ExitStatus::Error);
        }
        printer.note(&format!(
            "wrote {} ({})",
            output.display(),
            plural(metrics.rows.len() as u64, "step")
        ));
    }
    let train = metrics.series("train_loss");
    let valid = metrics.series("valid_loss");
    let out = printer.out();
    writeln!(
        out,
        "job {} ({}): {} of metrics from {file_id}",
        job.id,
        job.status,
        plural(metrics.rows.len() as u64, "step")
    )?;
    if let (Some(first), Some(last)) = (train.first(), train.last()) {
        let best = train.iter().map(|(_, y)| *y).fold(f64::MAX, f64::min);
        writeln!(
            out,
            "train loss: {:.4} at step {} → {:.4} at step {} (lowest {best:.4})",
            first.1, first.0, last.1, last.0
        )?;
    }
    if let Some(last) = valid.last() {
        writeln!(out, "valid loss: {:.4} at step {}", last.1, last.0)?;
    }
    writeln!(out)?;
    write!(
        out,
        "{}",
        chart(
            &[("train loss", '*', train), ("valid loss", 'o', valid)],
            60,
            12
        )
    )?;
    if args.output.is_none() {
        printer.note("-o FILE writes the metrics CSV");
    }
    Ok(ExitStatus::Success)
}

/// `finetune fine-tune-prompt`.
pub fn prompt(args: &PromptArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = client_or_exit!(&args.api, printer);
    let model = if client.provider().is_job_id(&args.model) {
        let job = match block_on(client.retrieve_job(&args.model))? {
            Ok(job) => job,
            Err(error) => return Ok(failed(&error, printer)),
        };
        match (job.status.as_str(), job.fine_tuned_model.clone()) {
            ("succeeded", Some(model)) => model,
            (status, _) if job.is_active() || status == "paused" => {
                printer.error(&format!(
                    "job {} is {status}: its model does not exist yet; `finetune wait {}` waits for it",
                    job.id, job.id
                ));
                return Ok(ExitStatus::Failure);
            }
            (status, _) => {
                printer.error(&format!(
                    "job {} {status}, so it has no model to prompt",
                    job.id
                ));
                return Ok(ExitStatus::Failure);
            }
        }
    } else {
        args.model.clone()
    };
    let mut messages = Vec::new();
    if let Some(system) = &args.system_message {
        messages.push(ChatMessage {
            role: "system",
            content: system.clone(),
        });
    }
    messages.push(ChatMessage {
        role: "user",
        content: args.prompt.clone(),
    });
    let completion = match block_on(client.chat(&model, messages))? {
        Ok(completion) => completion,
        Err(error) => {
            if error.status().is_some_and(|e| e.status == 404) && model.starts_with("ft:") {
                printer.error(&error.to_string());
                printer.note("  hint: a fine-tuned model exists once its job has succeeded; `finetune list-jobs` shows the jobs, `finetune wait JOB_ID` waits for one");
                return Ok(ExitStatus::Error);
            }
            return Ok(failed(&error, printer));
        }
    };
    let Some(choice) = completion.choices.first() else {
        printer.error(&format!("{model} gave no answer"));
        return Ok(ExitStatus::Error);
    };
    match (&choice.message.content, &choice.message.refusal) {
        (Some(content), _) => writeln!(printer.out(), "{content}")?,
        (None, Some(refusal)) => {
            printer.error(&format!("{model} refused: {refusal}"));
            return Ok(ExitStatus::Failure);
        }
        (None, None) => writeln!(printer.out())?,
    }
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_csv_never_replaces_a_link_or_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        std::fs::write(&real, "kept").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let error = OutputSet::write_file(&link, b"step\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("symbolic link"), "{error}");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "kept");
        assert!(OutputSet::write_file(dir.path(), b"step\n").is_err());
        let csv = dir.path().join("metrics.csv");
        OutputSet::write_file(&csv, b"step\n").unwrap();
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), "step\n");
    }

    #[test]
    fn the_chart_puts_the_highest_loss_top_left() {
        let text = chart(&[("train loss", '*', vec![(1.0, 2.0), (2.0, 1.0)])], 10, 3);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("   2.000 │*"), "{text}");
        assert!(lines[2].ends_with('*'), "{text}");
        assert!(text.contains("* train loss"));
    }
}
