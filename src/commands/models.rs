//! `finetune models`: the price table, or the models a provider fine-tunes.

use std::io;

use serde_json::Value;

use crate::api::ModelLimits;
use crate::cli::{ModelsArgs, Printer, TableFormat};
use crate::commands::remote::{block_on, client, failed, table as write_table};
use crate::commands::{ExitStatus, price_table};
use crate::cost::{ModelEntry, PriceTable, Rate};
use crate::provider::{Pricing, Provider};

/// Prints the fine-tunable models: from the provider where it publishes them with their limits,
/// from the price table otherwise.
pub fn run(args: &ModelsArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let table = match price_table(args.pricing.as_deref()) {
        Ok(table) => table,
        Err(error) => {
            printer.error(&error.to_string());
            return Ok(ExitStatus::Error);
        }
    };
    let provider = args.api.provider;
    if provider.facts().publishes_model_limits {
        return published(args, &table, printer);
    }
    let out = printer.out();
    if args.output_format == TableFormat::Json {
        serde_json::to_writer_pretty(&mut *out, &table)?;
        writeln!(out)?;
        return Ok(ExitStatus::Success);
    }
    let rows: Vec<Vec<String>> = table
        .models
        .iter()
        .filter(|model| provider.trains_models_of(model.provider))
        .map(|model| {
            vec![
                model.name.clone(),
                model.encoding.as_str().to_owned(),
                model
                    .example_token_limit
                    .map_or_else(|| "unknown".to_owned(), |limit| limit.to_string()),
                prices(model),
                model.training_ends.clone().unwrap_or_else(|| "-".into()),
                model.shutdown.clone().unwrap_or_else(|| "-".into()),
                model.checked.clone(),
            ]
        })
        .collect();
    if rows.is_empty() {
        let facts = provider.facts();
        writeln!(
            out,
            "The price table lists no model that {} fine-tunes: give the model its service names with --model (checked with an approximate token count, no context limit and no price).",
            facts.label
        )?;
        return Ok(ExitStatus::Success);
    }
    write_table(
        out,
        &[
            "MODEL",
            "ENCODING",
            "EXAMPLE LIMIT",
            "TRAINING PRICE",
            "NEW JOBS UNTIL",
            "SHUTDOWN",
            "CHECKED",
        ],
        &rows,
    )?;
    writeln!(out)?;
    let facts = provider.facts();
    let prices = match facts.pricing {
        Pricing::PriceTable => String::new(),
        Pricing::Reference { note } => format!(" (prices are a reference: {note})"),
        Pricing::EstimatesEachJob => format!(
            " ({} prices each job itself: `finetune train-model` shows its price first)",
            facts.label
        ),
    };
    writeln!(
        out,
        "Models of the price table that {} fine-tunes{prices}. Aliases and fine-tuned names resolve to these models; sources: `finetune models --output-format json`.",
        facts.label
    )?;
    let others: Vec<String> = Provider::ALL
        .into_iter()
        .filter(|other| *other != provider)
        .map(|other| format!("{} (--provider {})", other.label(), other.id()))
        .collect();
    writeln!(
        out,
        "The same list for {}: `finetune models --provider …`.",
        others.join(", ")
    )?;
    Ok(ExitStatus::Success)
}

fn prices(model: &ModelEntry) -> String {
    let prices: Vec<String> = model
        .training
        .iter()
        .map(|(method, rate)| {
            let method = method.as_str();
            match rate {
                Rate::PerToken {
                    usd_per_million_tokens,
                } => format!("{method} ${usd_per_million_tokens:.2}/1M tokens"),
                Rate::PerHour { usd_per_hour } => format!("{method} ${usd_per_hour:.2}/hour"),
            }
        })
        .chain(
            model
                .unpriced_methods
                .keys()
                .map(|method| format!("{} (price not published)", method.as_str())),
        )
        .collect();
    if prices.is_empty() {
        "-".to_owned()
    } else {
        prices.join(", ")
    }
}

/// The models the provider fine-tunes and their limits, as the provider gives them; the
/// context length comes from the price table where it lists the model.
fn published(
    args: &ModelsArgs,
    table: &PriceTable,
    printer: &mut Printer,
) -> io::Result<ExitStatus> {
    let client = match client(&args.api) {
        Ok(client) => client,
        Err(message) => {
            printer.error(&message);
            return Ok(ExitStatus::Error);
        }
    };
    let models = match block_on(client.fine_tunable_models())? {
        Ok(models) => models,
        Err(error) => return Ok(failed(&error, printer)),
    };
    let out = printer.out();
    if args.output_format == TableFormat::Json {
        let listed: Vec<Value> = models
            .iter()
            .map(|(name, limits)| {
                let context = table
                    .find_for(name, args.api.provider)
                    .ok()
                    .and_then(|entry| entry.example_token_limit);
                serde_json::json!({"model": name, "context_length": context, "limits": limits})
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &listed)?;
        writeln!(out)?;
        return Ok(ExitStatus::Success);
    }
    let rows: Vec<Vec<String>> = models
        .iter()
        .map(|(name, limits)| {
            let context = table
                .find_for(name, args.api.provider)
                .ok()
                .and_then(|entry| entry.example_token_limit)
                .map_or_else(|| "-".to_owned(), |limit| limit.to_string());
            vec![
                name.clone(),
                context,
                limit(limits, "/max_num_epochs"),
                batch_range(limits, "lora_training"),
                limit(limits, "/lora_training/max_rank"),
                batch_range(limits, "full_training"),
                format!(
                    "{} – {}",
                    limit(limits, "/min_learning_rate"),
                    limit(limits, "/max_learning_rate")
                ),
                supports(limits),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "MODEL",
            "CONTEXT",
            "MAX EPOCHS",
            "LORA BATCH",
            "MAX RANK",
            "FULL BATCH",
            "LEARNING RATE",
            "SUPPORTS",
        ],
        &rows,
    )?;
    writeln!(out)?;
    let facts = args.api.provider.facts();
    let mut footer = match facts.pricing {
        Pricing::EstimatesEachJob => format!(
            "{} prices each job itself: `finetune train-model --provider {}` shows its price before creating the job.",
            facts.label, facts.id
        ),
        Pricing::PriceTable | Pricing::Reference { .. } => format!(
            "Prices of {} are in the price table: `finetune models --output-format json`.",
            facts.label
        ),
    };
    if facts.approximate_tokens {
        footer.push_str(
            " Token counts for these models are approximate (closest tiktoken encoding).",
        );
    }
    writeln!(out, "{footer}")?;
    Ok(ExitStatus::Success)
}

fn limit(limits: &ModelLimits, pointer: &str) -> String {
    match limits.pointer(pointer) {
        Some(Value::Number(n)) => n.to_string(),
        _ => "-".to_owned(),
    }
}

/// `min – max` batch sizes of a training type, `-` when the model cannot be trained so.
fn batch_range(limits: &ModelLimits, section: &str) -> String {
    if limits.get(section).is_none_or(Value::is_null) {
        return "-".to_owned();
    }
    format!(
        "{} – {}",
        limit(limits, &format!("/{section}/min_batch_size")),
        limit(limits, &format!("/{section}/max_batch_size"))
    )
}

fn supports(limits: &ModelLimits) -> String {
    let found: Vec<&str> = [
        ("supports_tools", "tools"),
        ("supports_vision", "vision"),
        ("supports_reasoning", "reasoning"),
    ]
    .into_iter()
    .filter(|(key, _)| limits.get(key).and_then(Value::as_bool) == Some(true))
    .map(|(_, name)| name)
    .collect();
    if found.is_empty() {
        "-".to_owned()
    } else {
        found.join(", ")
    }
}
