//! `finetune migrate`: exported jobs recreated on another provider, after the plan.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::api::Client;
use crate::api::types::{FileObject, Hyper};
use crate::cli::{MigrateArgs, Printer};
use crate::commands::ExitStatus;
use crate::commands::check::{Preflight, dollars, plural};
use crate::commands::jobs::refused;
use crate::commands::remote::{
    TerminalReporter, block_on, checked, client, failed, local_state, put_file, table,
};
use crate::cost::Epochs;
use crate::dataset::Method;
use crate::provider::{Pricing, names_where};
use crate::workflow::export::{ExportedJob, MANIFEST_FILE, Manifest};
use crate::workflow::migrate::{
    Created, MIGRATIONS_FILE, MappedJob, MigrateError, Migrations, ModelChoice, ModelMap,
    Untrainable, check_trainable, convert_for, create_recorded, fit_limits, map_settings,
    target_model,
};
use crate::workflow::plan;

/// One exported job, planned on the target.
struct Planned<'a> {
    job: &'a ExportedJob,
    choice: ModelChoice,
    mapped: MappedJob,
    training: PathBuf,
    validation: Option<PathBuf>,
    /// The local estimate, US dollars, where the price table has one.
    local_cost: Option<f64>,
}

/// Prints a migration error; the exit status for it.
fn migrate_failed(error: &MigrateError, printer: &mut Printer) -> ExitStatus {
    match error {
        MigrateError::Api(error) => failed(error, printer),
        other => {
            printer.error(&other.to_string());
            ExitStatus::Error
        }
    }
}

/// `finetune migrate`.
pub fn run(args: &MigrateArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = match client(&args.api) {
        Ok(client) => client,
        Err(message) => {
            printer.error(&message);
            return Ok(ExitStatus::Error);
        }
    };
    let target = client.provider();
    let manifest = match Manifest::load(&args.dir) {
        Ok(Some(manifest)) => manifest,
        Ok(None) => {
            printer.error(&format!(
                "{} has no {MANIFEST_FILE}: `finetune export -o {}` writes one",
                args.dir.display(),
                args.dir.display()
            ));
            return Ok(ExitStatus::Error);
        }
        Err(error) => {
            printer.error(&error.to_string());
            return Ok(ExitStatus::Error);
        }
    };
    if manifest.provider == target {
        let (_, others) = names_where(|facts| facts.id != target.id());
        printer.error(&format!(
            "{} was exported from {}: name the provider to move to with --provider ({others})",
            args.dir.display(),
            target.label()
        ));
        return Ok(ExitStatus::Error);
    }
    let map = match args.model_map.as_deref().map(ModelMap::from_file) {
        Some(Ok(map)) => map,
        Some(Err(error)) => return Ok(migrate_failed(&error, printer)),
        None => ModelMap::default(),
    };
    let record = match Migrations::load(&args.dir) {
        Ok(record) => record,
        Err(error) => return Ok(migrate_failed(&error, printer)),
    };
    let mut chosen: Vec<&ExportedJob> = Vec::new();
    if args.jobs.is_empty() {
        chosen.extend(manifest.jobs.iter().filter(|j| j.status == "succeeded"));
    } else {
        for id in &args.jobs {
            let Some(job) = manifest.jobs.iter().find(|j| &j.id == id) else {
                printer.error(&format!(
                    "{id} is not in {}: `finetune export --job {id}` adds it",
                    args.dir.join(MANIFEST_FILE).display()
                ));
                return Ok(ExitStatus::Error);
            };
            chosen.push(job);
        }
    }
    let mut todo = Vec::new();
    for job in chosen {
        match record.find(&client, &job.id) {
            Some(done) => printer.note(&format!(
                "{} was migrated before, as {} on {}: not creating another",
                job.id,
                done.job,
                target.label()
            )),
            None => todo.push(job),
        }
    }
    if todo.is_empty() {
        printer.note(&format!("nothing to migrate to {}", target.label()));
        return Ok(ExitStatus::Success);
    }
    let mut skipped = 0;
    let strict = !args.jobs.is_empty();
    let planned = match plan_jobs(
        &client,
        &manifest,
        &todo,
        &map,
        &args.dir,
        strict,
        &mut skipped,
        printer,
    )? {
        Ok(planned) => planned,
        Err(status) => return Ok(status),
    };
    let mut planned = match check_files(planned, args, target, printer)? {
        Ok(planned) => planned,
        Err(status) => return Ok(status),
    };
    if args.dry_run {
        let rows: Vec<(String, Option<f64>)> = planned
            .iter()
            .map(|p| (local_estimate(p.local_cost, target), p.local_cost))
            .collect();
        plan_table(&planned, &rows, &args.dir, target, printer)?;
        printer.note("--dry-run: nothing was uploaded or created");
        return Ok(if skipped > 0 {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        });
    }
    // The files go up first: a provider that prices each job itself needs them to.
    let mut uploaded: BTreeMap<PathBuf, FileObject> = BTreeMap::new();
    for path in planned
        .iter()
        .flat_map(|p| std::iter::once(&p.training).chain(&p.validation))
    {
        if uploaded.contains_key(path) {
            continue;
        }
        match put_file(&client, path, &args.preflight, printer)? {
            Ok(file) => {
                uploaded.insert(path.clone(), file);
            }
            Err(error) => return Ok(failed(&error, printer)),
        }
    }
    let mut rows = Vec::with_capacity(planned.len());
    for each in &mut planned {
        let request = &mut each.mapped.request;
        request
            .training_file
            .clone_from(&uploaded[&each.training].id);
        request.validation_file = each.validation.as_ref().map(|v| uploaded[v].id.clone());
        match block_on(fit_limits(&client, request))? {
            Ok(Ok(notes)) => {
                for note in notes {
                    printer.note(&format!("  {}: {note}", each.job.id));
                }
            }
            Ok(Err(refusal)) => return Ok(refused(&refusal, target, printer)),
            Err(error) => return Ok(failed(&error, printer)),
        }
        let cost = match block_on(plan::job_cost(&client, request, each.local_cost))? {
            Ok(Ok(cost)) => cost,
            Ok(Err((_, refusal))) => return Ok(refused(&refusal, target, printer)),
            Err(error) => return Ok(failed(&error, printer)),
        };
        let shown = match (&cost.priced, cost.cost) {
            (Some(_), Some(usd)) => format!("{} ({}'s estimate)", dollars(usd), target.label()),
            _ => local_estimate(cost.cost, target),
        };
        rows.push((shown, cost.cost));
    }
    let total = plan_table(&planned, &rows, &args.dir, target, printer)?;
    match plan::within_max_cost(total, args.max_cost) {
        Ok(()) => {}
        Err(plan::Refusal::AboveMaxCost { cost, limit }) => {
            printer.error(&format!(
                "not creating any job: the total {} is above --max-cost {}",
                dollars(cost),
                dollars(limit)
            ));
            return Ok(ExitStatus::Failure);
        }
        Err(plan::Refusal::Unpriced { limit }) => {
            let unpriced: Vec<&str> = planned
                .iter()
                .zip(&rows)
                .filter(|(_, (_, cost))| cost.is_none())
                .map(|(each, _)| each.job.id.as_str())
                .collect();
            printer.error(&format!(
                "not creating any job: {} cannot be priced ({}), so --max-cost {} cannot be honoured",
                plural(unpriced.len() as u64, "job"),
                unpriced.join(", "),
                dollars(limit)
            ));
            printer.note(
                "  hint: recreate the priced jobs alone with --job ID, or leave out --max-cost to accept a job of unknown cost",
            );
            return Ok(ExitStatus::Failure);
        }
        Err(refusal) => return Ok(refused(&refusal, target, printer)),
    }
    let question = format!(
        "Create {} on {}?",
        plural(planned.len() as u64, "job"),
        target.label()
    );
    if !crate::commands::remote::confirm(&question, args.yes, printer)? {
        printer.note("no job created");
        return Ok(ExitStatus::Failure);
    }
    let state = local_state();
    for each in planned {
        let mut reporter = TerminalReporter::default();
        let created = block_on(create_recorded(
            &client,
            &args.dir,
            &each.job.id,
            each.mapped.request,
            (&state, &mut reporter),
        ))?;
        reporter.print_notes(printer);
        match created {
            Ok((job, how)) => {
                if how == Created::Earlier {
                    printer.note(&format!(
                        "{} was created by an earlier run that stopped before recording it: recorded now, not created again",
                        job.id
                    ));
                }
                writeln!(printer.out(), "{} -> {}", each.job.id, job.id)?;
            }
            Err(error) => return Ok(migrate_failed(&error, printer)),
        }
    }
    printer.note(&format!(
        "recorded in {}",
        args.dir.join(MIGRATIONS_FILE).display()
    ));
    if skipped > 0 {
        printer.note(&format!(
            "{} skipped (named above): `finetune migrate --job ID` with --model-map FILE recreates one",
            plural(skipped as u64, "job")
        ));
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}

/// The target model, settings and local files of each job. A job that cannot be planned is
/// said: with `strict` (jobs picked by `--job`) nothing is then done; otherwise it is skipped
/// and counted in `skipped`.
#[allow(clippy::too_many_arguments)]
fn plan_jobs<'a>(
    client: &Client,
    manifest: &Manifest,
    jobs: &[&'a ExportedJob],
    map: &ModelMap,
    dir: &Path,
    strict: bool,
    skipped: &mut usize,
    printer: &mut Printer,
) -> io::Result<Result<Vec<Planned<'a>>, ExitStatus>> {
    let target = client.provider();
    let mut planned = Vec::new();
    let mut problems = Vec::new();
    for &job in jobs {
        let choice = match target_model(manifest.provider, target, &job.model, map) {
            Ok(choice) => choice,
            Err(problem) => {
                problems.push(format!("{}: {problem}", job.id));
                continue;
            }
        };
        let mapped = match map_settings(job, target, &choice.model) {
            Ok(mapped) => mapped,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let method = if mapped.request.method.kind == "dpo" {
            Method::Dpo
        } else {
            Method::Supervised
        };
        match block_on(check_trainable(client, &choice.model, method))? {
            Ok(Ok(())) => {}
            Ok(Err(Untrainable::Model(models))) => {
                problems.push(format!(
                    "{}: {} cannot fine-tune {}; it fine-tunes {} (--model-map FILE picks one)",
                    job.id,
                    target.label(),
                    choice.model,
                    models.join(", ")
                ));
                continue;
            }
            Ok(Err(Untrainable::Method(methods))) => {
                let methods: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
                problems.push(format!(
                    "{}: {} fine-tunes {} with {} only, not {} (--model-map FILE picks another model)",
                    job.id,
                    target.label(),
                    choice.model,
                    methods.join(", "),
                    method.as_str()
                ));
                continue;
            }
            Err(error) => return Ok(Err(failed(&error, printer))),
        }
        let local = |file: &Option<crate::workflow::export::ExportedFile>, what: &str| {
            file.as_ref().map(|f| match f.local_path(dir) {
                Some(Ok(path)) => Ok(path),
                Some(Err(problem)) => Err(format!("{}: {problem}", job.id)),
                None => Err(format!(
                    "{}: its {what} file {} is missing from the export ({})",
                    job.id,
                    f.id,
                    f.missing.as_deref().unwrap_or("no copy")
                )),
            })
        };
        let training = match local(&job.training_file, "training") {
            Some(Ok(path)) => path,
            Some(Err(problem)) => {
                problems.push(problem);
                continue;
            }
            None => {
                problems.push(format!("{}: the export has no training file", job.id));
                continue;
            }
        };
        let validation = match local(&job.validation_file, "validation").transpose() {
            Ok(path) => path,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        planned.push(Planned {
            job,
            choice,
            mapped,
            training,
            validation,
            local_cost: None,
        });
    }
    if !problems.is_empty() && strict {
        for problem in &problems {
            printer.error(problem);
        }
        printer.error(&format!(
            "not migrating: {} of the jobs asked for cannot be recreated on {}",
            plural(problems.len() as u64, "job"),
            target.label()
        ));
        return Ok(Err(ExitStatus::Error));
    }
    // Without --job, the jobs that can be recreated go ahead; the others are named, and the
    // exit code says that some were left.
    for problem in &problems {
        printer.note(&format!("warning: skipping {problem}"));
    }
    *skipped = problems.len();
    if planned.is_empty() {
        printer.error(&format!(
            "not migrating: none of the {} can be recreated on {}",
            plural(problems.len() as u64, "job"),
            target.label()
        ));
        return Ok(Err(ExitStatus::Error));
    }
    for each in &planned {
        printer.note(&format!(
            "{} ({}) -> {} on {}: {}",
            each.job.id,
            each.job.model,
            each.choice.model,
            target.label(),
            each.choice.reason
        ));
        for note in &each.mapped.notes {
            printer.note(&format!("  {}: {note}", each.job.id));
        }
    }
    Ok(Ok(planned))
}

/// Checks every file under the target's dataset rules (the diagnostics printed); any error
/// stops the migration before anything is uploaded.
fn check_files<'a>(
    mut planned: Vec<Planned<'a>>,
    args: &MigrateArgs,
    target: crate::provider::Provider,
    printer: &mut Printer,
) -> io::Result<Result<Vec<Planned<'a>>, ExitStatus>> {
    let mut copies: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for each in &mut planned {
        for path in std::iter::once(&mut each.training).chain(each.validation.as_mut()) {
            if let Some(copy) = copies.get(path) {
                path.clone_from(copy);
                continue;
            }
            let original = path.clone();
            match convert_for(target, &args.dir, &original) {
                Ok(Some(converted)) => {
                    printer.note(&format!(
                        "{} mixes string contents with lists of parts on {}, which {} rejects: converted into {} with those strings as text parts",
                        original.display(),
                        lines(&converted.lines),
                        target.label(),
                        converted.path.display()
                    ));
                    path.clone_from(&converted.path);
                }
                Ok(None) => {}
                Err(error) => return Ok(Err(migrate_failed(&error, printer))),
            }
            copies.insert(original, path.clone());
        }
    }
    let mut seen: BTreeMap<(PathBuf, String), Option<f64>> = BTreeMap::new();
    for each in &mut planned {
        let epochs = match each.mapped.request.method.hyperparameters().n_epochs {
            Some(Hyper::Int(n)) => Epochs::Fixed(n),
            _ => Epochs::Auto,
        };
        for (path, training) in std::iter::once((&each.training, true))
            .chain(each.validation.iter().map(|path| (path, false)))
        {
            let key = (path.clone(), each.choice.model.clone());
            if let Some(cost) = seen.get(&key) {
                if training {
                    each.local_cost = *cost;
                }
                continue;
            }
            let preflight: Option<Preflight> = match checked(
                path,
                &each.choice.model,
                target,
                epochs,
                &args.preflight,
                printer,
            )? {
                Ok(preflight) => preflight,
                Err(status) => {
                    printer.error(&format!(
                        "not migrating: {} does not pass {}'s dataset rules",
                        path.display(),
                        target.label()
                    ));
                    return Ok(Err(status));
                }
            };
            let cost = preflight.and_then(|p| p.estimate).and_then(|e| e.cost_usd);
            if training {
                each.local_cost = cost;
            }
            seen.insert(key, cost);
        }
    }
    Ok(Ok(planned))
}

/// Line numbers for a note: `line 3`, `lines 3, 7 and 9`, the first ten of more.
fn lines(numbers: &[u64]) -> String {
    const SHOWN: usize = 10;
    let mut shown: Vec<String> = numbers.iter().take(SHOWN).map(u64::to_string).collect();
    if numbers.len() > SHOWN {
        shown.push(format!("{} more", numbers.len() - SHOWN));
    }
    match shown.split_last() {
        Some((last, [])) => format!("line {last}"),
        Some((last, rest)) => format!("lines {} and {last}", rest.join(", ")),
        None => "no line".to_owned(),
    }
}

/// The local estimate as the plan shows it.
fn local_estimate(cost: Option<f64>, target: crate::provider::Provider) -> String {
    match (cost, target.facts().pricing) {
        (_, Pricing::EstimatesEachJob) => {
            format!("{} prices it once the file is uploaded", target.label())
        }
        (Some(usd), Pricing::Reference { .. }) => {
            format!(
                "about {} at {} list price",
                dollars(usd),
                target.reference_price_owner()
            )
        }
        (Some(usd), Pricing::PriceTable) => format!("about {}", dollars(usd)),
        (None, _) => "unknown".to_owned(),
    }
}

/// Prints the plan: job, target model, file, estimate, and the total; the total when every
/// job is priced.
fn plan_table(
    planned: &[Planned<'_>],
    rows: &[(String, Option<f64>)],
    dir: &Path,
    target: crate::provider::Provider,
    printer: &mut Printer,
) -> io::Result<Option<f64>> {
    let cells: Vec<Vec<String>> = planned
        .iter()
        .zip(rows)
        .map(|(each, (shown, _))| {
            let file = each.training.strip_prefix(dir).unwrap_or(&each.training);
            vec![
                each.job.id.clone(),
                each.choice.model.clone(),
                file.display().to_string(),
                shown.clone(),
            ]
        })
        .collect();
    table(
        printer.out(),
        &["JOB", "TARGET MODEL", "FILE", "ESTIMATE"],
        &cells,
    )?;
    let known = rows
        .iter()
        .filter_map(|(_, cost)| *cost)
        .fold(0.0, |total, cost| total + cost);
    let unpriced = rows.iter().filter(|(_, cost)| cost.is_none()).count();
    if unpriced == 0 {
        writeln!(printer.out(), "total: {}", dollars(known))?;
        Ok(Some(known))
    } else if unpriced == rows.len() {
        // Only a provider that prices each job itself prices it later, once the file is up.
        let total = if target.facts().pricing == Pricing::EstimatesEachJob {
            "total: not known yet"
        } else {
            "total: not known (no price for these jobs)"
        };
        writeln!(printer.out(), "{total}")?;
        Ok(None)
    } else {
        writeln!(
            printer.out(),
            "total: {} for the priced jobs; {} not priced",
            dollars(known),
            plural(unpriced as u64, "job")
        )?;
        Ok(None)
    }
}
