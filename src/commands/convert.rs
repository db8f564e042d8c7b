//! `finetune convert FILE -o OUT --from FORMAT`.

use std::io;

use crate::cli::{ConvertArgs, ConvertFrom, Printer, TableFormat};
use crate::commands::{ExitStatus, prepare_failure};
use crate::prepare::convert::{SourceFormat, convert};
use crate::prepare::output::TargetPolicy;

/// Unconverted rows listed in the human output.
const SHOWN: usize = 20;

/// Converts a file and reports every row it could not convert.
pub fn run(args: &ConvertArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let from = match args.from {
        ConvertFrom::PromptCompletion => SourceFormat::PromptCompletion,
        ConvertFrom::Sharegpt => SourceFormat::ShareGpt,
        ConvertFrom::Alpaca => SourceFormat::Alpaca,
        ConvertFrom::Csv => SourceFormat::Csv,
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
        writeln!(out, "{path}:{}: not converted: {}", row.row, row.reason)?;
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
        "{path}: {} rows, {} converted, {} not converted; wrote {}",
        report.rows,
        report.converted,
        report.unconverted.len(),
        args.output.display()
    )?;
    Ok(status)
}
