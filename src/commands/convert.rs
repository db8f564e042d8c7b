//! `finetune convert FILE -o OUT --from FORMAT` (or `--to FORMAT`).

use std::io;

use crate::cli::{ConvertArgs, ConvertFrom, ConvertTo, Printer, TableFormat};
use crate::commands::{ExitStatus, prepare_failure};
use crate::prepare::convert::{SourceFormat, convert};
use crate::prepare::output::TargetPolicy;

/// Unconverted rows listed in the human output.
const SHOWN: usize = 20;

/// Converts a file and reports every row it could not convert.
pub fn run(args: &ConvertArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    // The parser requires one of --from and --to, and refuses both.
    let from = match (args.from, args.to) {
        (Some(ConvertFrom::PromptCompletion), _) => SourceFormat::PromptCompletion,
        (Some(ConvertFrom::Sharegpt), _) => SourceFormat::ShareGpt,
        (Some(ConvertFrom::Alpaca), _) => SourceFormat::Alpaca,
        (Some(ConvertFrom::Csv), _) => SourceFormat::Csv,
        (Some(ConvertFrom::Vertex), _) => SourceFormat::Vertex,
        (Some(ConvertFrom::Bedrock), _) => SourceFormat::Bedrock,
        (None, Some(ConvertTo::Vertex) | None) => SourceFormat::OpenAi,
        (None, Some(ConvertTo::Bedrock)) => SourceFormat::OpenAiForBedrock,
    };
    let policy = TargetPolicy {
        follow_symlinks: args.follow_symlinks,
    };
    let report = match convert(
        &args.file,
        &args.output,
        from,
        args.system.as_deref(),
        policy,
    ) {
        Ok(report) => report,
        Err(error) => return Ok(prepare_failure(&error, printer)),
    };
    let status = if report.unconverted.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    };
    let out = printer.out();
    if args.output_format == TableFormat::Json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(status);
    }
    let path = args.file.display();
    for row in report.unconverted.iter().take(SHOWN) {
        match &row.pointer {
            Some(at) => writeln!(
                out,
                "{path}:{}: not converted: {} (at {at})",
                row.row, row.reason
            )?,
            None => writeln!(out, "{path}:{}: not converted: {}", row.row, row.reason)?,
        }
    }
    if report.unconverted.len() > SHOWN {
        writeln!(
            out,
            "… and {} more (--output-format json lists all)",
            report.unconverted.len() - SHOWN
        )?;
    }
    writeln!(
        out,
        "{path}: {}, {} converted, {} not converted; wrote {}",
        crate::commands::check::plural(report.rows, "row"),
        report.converted,
        report.unconverted.len(),
        args.output.display()
    )?;
    Ok(status)
}
