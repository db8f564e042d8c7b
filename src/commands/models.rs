//! `finetune models`: the price table.

use std::io;

use crate::cli::{ModelsArgs, Printer, TableFormat};
use crate::commands::{ExitStatus, price_table};
use crate::cost::Rate;

/// Prints the table of fine-tunable models.
pub fn run(args: &ModelsArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let table = match price_table(args.pricing.as_deref()) {
        Ok(table) => table,
        Err(error) => {
            printer.error(&error.to_string());
            return Ok(ExitStatus::Error);
        }
    };
    let out = printer.out();
    if args.output_format == TableFormat::Json {
        serde_json::to_writer_pretty(&mut *out, &table)?;
        writeln!(out)?;
        return Ok(ExitStatus::Success);
    }
    writeln!(
        out,
        "{:<26} {:<12} {:>13}  {:<34} {:<11} checked",
        "model", "encoding", "example limit", "training price", "shutdown"
    )?;
    for model in &table.models {
        let prices: Vec<String> = model
            .training
            .iter()
            .map(|(method, rate)| {
                let method = serde_json::to_value(method).ok();
                let method = method.as_ref().and_then(|m| m.as_str()).unwrap_or_default();
                match rate {
                    Rate::PerToken {
                        usd_per_million_tokens,
                    } => {
                        format!("{method} ${usd_per_million_tokens:.2}/1M tokens")
                    }
                    Rate::PerHour { usd_per_hour } => format!("{method} ${usd_per_hour:.2}/hour"),
                }
            })
            .collect();
        let limit = model
            .example_token_limit
            .map_or_else(|| "unknown".to_owned(), |limit| limit.to_string());
        writeln!(
            out,
            "{:<26} {:<12} {:>13}  {:<34} {:<11} {}",
            model.name,
            model.encoding.as_str(),
            limit,
            prices.join(", "),
            model.shutdown.as_deref().unwrap_or("-"),
            model.checked,
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Aliases and fine-tuned names (ft:BASE:...) resolve to these models. Sources: `finetune models --output-format json`."
    )?;
    Ok(ExitStatus::Success)
}
