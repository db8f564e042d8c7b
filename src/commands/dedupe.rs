//! `finetune dedupe FILE -o OUT`.

use std::io;

use crate::cli::{DedupeArgs, DedupeBy, Printer, TableFormat};
use crate::commands::{ExitStatus, prepare_failure};
use crate::prepare::dedupe::{DedupeOptions, dedupe};
use crate::prepare::output::{TargetPolicy, write_selected};
use crate::prepare::{FileWords, sketch_file};

/// Decisions listed in the human output before "and N more".
const SHOWN: usize = 20;

/// Removes duplicates from a file and writes the rest.
pub fn run(args: &DedupeArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let sketches = match sketch_file(&args.file, args.seed, false) {
        Ok(sketches) => sketches,
        Err(error) => return Ok(prepare_failure(&error, printer)),
    };
    let options = DedupeOptions {
        near: args.near.0,
        by_prompt: args.by == DedupeBy::Prompt,
    };
    let report = match dedupe(
        &sketches.examples,
        &sketches.blank_lines,
        options,
        &FileWords(&args.file),
    ) {
        Ok(report) => report,
        Err(error) => return Ok(prepare_failure(&error, printer)),
    };
    let policy = TargetPolicy {
        follow_symlinks: args.follow_symlinks,
    };
    if let Err(error) = write_selected(&args.file, &[(args.output.clone(), &report.kept)], policy) {
        return Ok(prepare_failure(&error, printer));
    }
    let out = printer.out();
    if args.output_format == TableFormat::Json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(ExitStatus::Success);
    }
    writeln!(
        out,
        "{}: {} lines, {} kept, {} removed",
        args.file.display(),
        report.lines_in,
        report.kept.len(),
        report.lines_in - report.kept.len() as u64
    )?;
    let copies = [
        ("exact duplicates", &report.exact),
        ("same prompt", &report.same_prompt),
    ];
    for (what, list) in copies {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "  {what}: {} removed", list.len())?;
        for copy in list.iter().take(SHOWN) {
            writeln!(
                out,
                "    line {} duplicates line {}",
                copy.line, copy.duplicate_of
            )?;
        }
        more(out, list.len())?;
    }
    if !report.near.is_empty() {
        writeln!(
            out,
            "  near duplicates: {} removed in {} clusters",
            report.near_removed(),
            report.near.len()
        )?;
        for cluster in report.near.iter().take(SHOWN) {
            let removed: Vec<String> = cluster
                .removed
                .iter()
                .map(|copy| format!("{} ({:.2})", copy.line, copy.similarity))
                .collect();
            writeln!(
                out,
                "    line {} kept; removed {}",
                cluster.kept,
                removed.join(", ")
            )?;
        }
        more(out, report.near.len())?;
    }
    if !report.blank.is_empty() {
        writeln!(out, "  blank lines dropped: {}", report.blank.len())?;
    }
    writeln!(
        out,
        "wrote {} ({} examples)",
        args.output.display(),
        report.kept.len()
    )?;
    Ok(ExitStatus::Success)
}

fn more(out: &mut dyn io::Write, total: usize) -> io::Result<()> {
    if total > SHOWN {
        writeln!(
            out,
            "    … and {} more (--output-format json lists all)",
            total - SHOWN
        )?;
    }
    Ok(())
}
