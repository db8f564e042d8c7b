use crate::dataset::Format;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::lint::{Family, Rule};

pub static RULE: Rule = Rule {
    code: "FT403",
    name: "mixed-formats",
    family: Family::Dataset,
    severity: Severity::Error,
    summary: "the file mixes dataset formats (supervised, preference, reinforcement, text, prompt-completion)",
    help: "keep one format per file; a fine-tuning job trains with one method",
    docs: r#"## What it checks
Every example is the same format as the majority of the file: with `--method auto`, among
supervised, preference and reinforcement examples; and, where the platform takes the plain
formats, among chat, plain-text (`{"text": …}`) and prompt/completion examples too (Together AI:
"All samples in the dataset must have the same dataset format", `together` SDK
`lib/utils/files.py`). The first example of another format is reported, with the number of
such examples.

## Why it matters
A job trains with one method and the platform rejects a file whose lines do not all match it.
Files concatenated from different pipelines are the usual cause. Each line is still checked by
the rules of its own format, so the report shows what each line needs.

## Example
A file of preference examples with one supervised chat line in it.
"#,
};

/// The diagnostic for a file whose majority is `majority`, where `first` is the first line of
/// another format and `others` counts such lines.
pub fn diagnostic(majority: Format, first: (u64, Format), others: u64) -> Diagnostic {
    let (line, method) = first;
    let message = if others == 1 {
        format!(
            "line is the only {} example in a file of {} examples",
            method.as_str(),
            majority.as_str()
        )
    } else {
        format!(
            "line is the first of {others} examples in a file of {} examples that are not {}",
            majority.as_str(),
            majority.as_str()
        )
    };
    let mut diagnostic = RULE.diagnostic(Some(line), message);
    // `--method` picks among methods; a plain line is of the same method as a chat line.
    if method.method() != majority.method() {
        diagnostic.help = format!(
            "{}, or check it with --method {}",
            RULE.help,
            majority.method().as_str()
        );
    }
    diagnostic.labels.push(Label {
        line,
        message: format!("first {} example", method.as_str()),
    });
    diagnostic
}
