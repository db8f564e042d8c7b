use crate::diagnostic::Severity;
use serde_json::{Map, Value};

use crate::dataset::Format;
use crate::dataset::method::CHAT_KEYS;
use crate::lint::{Family, Findings, Record, Rule, escape_pointer_token, quote};

/// Top-level keys of a preference example; the legacy names have a rule of their own.
const PREFERENCE_KEYS: &[&str] = &[
    "input",
    "preferred_output",
    "non_preferred_output",
    "preferred_completion",
    "non_preferred_completion",
];
/// Keys of a preference example's `input`.
const INPUT_KEYS: &[&str] = &["messages", "tools", "functions", "parallel_tool_calls"];

pub static RULE: Rule = Rule {
    code: "FT112",
    name: "unknown-top-level-key",
    family: Family::Schema,
    severity: Severity::Warning,
    summary: "the example has a key its format does not define",
    help: "remove the key; keep bookkeeping such as ids in a separate file",
    docs: r#"## What it checks
The top-level keys of a supervised example are among `messages`, `tools`, `functions` and
`parallel_tool_calls`; those of a preference example among `input`, `preferred_output` and
`non_preferred_output`, and those of its `input` among `messages`, `tools`, `functions` and
`parallel_tool_calls`. Reinforcement examples may have any other top-level key: it is a
reference field the graders read. A plain-text example has only `text`, a prompt/completion
example only `prompt` and `completion` (where the platform takes them: Together AI, whose
checker rejects any other key, though its guide says they are ignored).

## Why it matters
The platform ignores other top-level keys, so nothing fails, but the data you meant to send
(often `system`, `prompt` or `tools` misspelt) silently does not reach training. It is a warning
because ids and metadata kept alongside the example are harmless.

## Example
```json
{"messages": [...], "tool": [{"type": "function", "function": {"name": "f"}}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    match record.format() {
        Format::Chat => {
            // Without `messages` the line is not a chat example at all; FT101 says so once.
            if record.line().contains_key("messages") {
                report_unknown(record.line(), "", CHAT_KEYS, &[], out);
            }
        }
        Format::Preference => {
            // `messages` without `input` is FT115's case, reported there with its fix.
            let moved = if record.conversation().is_none() {
                &["messages"][..]
            } else {
                &[]
            };
            report_unknown(record.line(), "", PREFERENCE_KEYS, moved, out);
            if let Some(input) = record.conversation() {
                report_unknown(input, "/input", INPUT_KEYS, &[], out);
            }
        }
        // Every other key of a reinforcement example is a reference field for the graders.
        // Vertex AI and Bedrock lines have rules of their own (FT155, FT173).
        Format::Reinforcement
        | Format::VertexSupervised
        | Format::VertexPreference
        | Format::BedrockConversation => {}
        plain @ (Format::Text | Format::PromptCompletion) => {
            report_unknown(record.line(), "", plain.plain_keys(), &[], out);
        }
    }
}

fn report_unknown(
    object: &Map<String, Value>,
    prefix: &str,
    known: &[&str],
    skip: &[&str],
    out: &mut Findings,
) {
    for key in object.keys() {
        if !known.contains(&key.as_str()) && !skip.contains(&key.as_str()) {
            out.at_with_help(
                &RULE,
                format!("{prefix}/{}", escape_pointer_token(key)),
                if prefix.is_empty() {
                    format!("unknown top-level key {}", quote(key))
                } else {
                    format!("unknown key {} in {prefix}", quote(key))
                },
                format!(
                    "remove it, or keep it in a separate file; the keys here are {}",
                    known.join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            &RULE,
            &[r#"{"messages": [], "tools": [], "parallel_tool_calls": false}"#],
            &[
                r#"{"messages": [], "id": 7}"#,
                r#"{"messages": [], "tool": []}"#,
            ],
        );
    }
}
