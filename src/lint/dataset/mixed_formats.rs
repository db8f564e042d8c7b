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

/// A format's name in the message: the plain formats are supervised too, so the method's name
/// alone cannot tell them from chat.
fn noun(format: Format) -> &'static str {
    match format {
        Format::Chat => "supervised chat",
        Format::Preference => "preference (dpo)",
        Format::Reinforcement => "reinforcement",
        Format::Text => "plain-text",
        Format::PromptCompletion => "prompt/completion",
        Format::VertexSupervised => "Vertex AI supervised",
        Format::VertexPreference => "Vertex AI preference",
        Format::BedrockConversation => "Amazon Bedrock conversation",
    }
}

/// The diagnostic for a file whose majority is `majority`, where `first` is the first line of
/// another format and `others` counts such lines.
pub fn diagnostic(majority: Format, first: (u64, Format), others: u64) -> Diagnostic {
    let (line, method) = first;
    let message = if others == 1 {
        format!(
            "line is the only {} example in a file of {} examples",
            noun(method),
            noun(majority)
        )
    } else {
        format!(
            "line is the first of {others} examples of other formats (this one {}) in a file of {} examples",
            noun(method),
            noun(majority)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_both_formats() {
        let message = diagnostic(Format::Chat, (3, Format::Text), 5).message;
        assert_eq!(
            message,
            "line is the first of 5 examples of other formats (this one plain-text) in a file of supervised chat examples"
        );
        let message = diagnostic(Format::Preference, (2, Format::Chat), 1).message;
        assert_eq!(
            message,
            "line is the only supervised chat example in a file of preference (dpo) examples"
        );
    }
}
