//! `finetune rule CODE` and `finetune rule --all`.

use std::io;

use crate::cli::{Printer, RuleArgs};
use crate::commands::ExitStatus;
use crate::lint::{RULES, find_rule};

/// Prints one rule's docs, or the table of all rules.
pub fn run(args: &RuleArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    if args.all {
        let out = printer.out();
        writeln!(
            out,
            "{:<6} {:<32} {:<12} {:<8} summary",
            "code", "name", "family", "severity"
        )?;
        for rule in RULES {
            writeln!(
                out,
                "{:<6} {:<32} {:<12} {:<8} {}",
                rule.code,
                rule.name,
                rule.family.as_str(),
                rule.severity.as_str(),
                rule.summary
            )?;
        }
        return Ok(ExitStatus::Success);
    }
    let wanted = args.rule.as_deref().unwrap_or_default();
    let Some(rule) = find_rule(wanted) else {
        printer.error(&format!(
            "no rule {wanted:?}; `finetune rule --all` lists the rules"
        ));
        return Ok(ExitStatus::Error);
    };
    let out = printer.out();
    writeln!(out, "# {} {}", rule.code, rule.name)?;
    writeln!(out)?;
    writeln!(
        out,
        "Family: {}. Default severity: {}.",
        rule.family.as_str(),
        rule.severity.as_str()
    )?;
    writeln!(out)?;
    writeln!(out, "{}", rule.summary)?;
    writeln!(out)?;
    write!(out, "{}", rule.docs)?;
    writeln!(out)?;
    writeln!(out, "## Fix")?;
    writeln!(out, "{}", rule.help)?;
    Ok(ExitStatus::Success)
}
