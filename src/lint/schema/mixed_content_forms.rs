use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{ContentForms, Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT118",
    name: "mixed-content-forms",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "an example mixes string contents with content-part lists",
    help: "write every message's content as a string, or every one as a list of parts ({\"type\": \"text\", \"text\": …} for text)",
    docs: r#"## What it checks
Every message of an example writes its `content` the same way, a string or a list of content
parts, where the platform takes only one form per example:

| provider | string and list contents in one example |
|---|---|
| Together AI | rejected: "Messages in the conversation must be either all in multimodal or all in text-only format" (`together` SDK, `lib/utils/files.py`, `validate_messages`) |
| OpenAI, Azure OpenAI | accepted: OpenAI's vision example asks its question as a string and sends the image as a list ([vision fine-tuning](https://platform.openai.com/docs/guides/vision-fine-tuning)) |

## Why it matters
The platform rejects the file at its check. Vision datasets written for OpenAI, with string
system and assistant messages around a user message of image parts, are the usual cause.

## Example
Checked for Together AI:
```json
{"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}, {"role": "assistant", "content": "A cat"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    if record.profile().content_forms != ContentForms::Uniform {
        return;
    }
    let mut first: Option<(usize, bool)> = None;
    for message in record.message_objects() {
        let is_list = match message.fields.get("content") {
            Some(Value::String(_)) => false,
            Some(Value::Array(_)) => true,
            // Other contents are FT108's finding.
            _ => continue,
        };
        let Some((first_index, first_is_list)) = first else {
            first = Some((message.index, is_list));
            continue;
        };
        if is_list != first_is_list {
            let form = |list: bool| if list { "a list of parts" } else { "a string" };
            out.at(
                &RULE,
                message.pointer_to("content"),
                format!(
                    "message {}'s content is {}, but message {first_index}'s is {}; the platform takes one form per example",
                    message.index,
                    form(is_list),
                    form(first_is_list)
                ),
            );
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, assert_rule_under};
    use crate::lint::{ContentForms, RuleProfile};

    const MIXED: &str = r#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}, {"role": "assistant", "content": "y"}]}"#;

    #[test]
    fn the_baseline_takes_both_forms() {
        assert_rule(&RULE, &[MIXED], &[]);
    }

    #[test]
    fn one_form_per_example() {
        let uniform = RuleProfile {
            content_forms: ContentForms::Uniform,
            ..RuleProfile::BASELINE
        };
        assert_rule_under(
            uniform,
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}, {"role": "assistant", "content": [{"type": "text", "text": "y"}]}]}"#,
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": null, "tool_calls": []}]}"#,
            ],
            &[MIXED],
        );
    }
}
