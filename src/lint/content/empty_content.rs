use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT301",
    name: "empty-content",
    family: Family::Content,
    severity: Severity::Warning,
    summary: "a message's text is empty or only white space",
    help: "write the message's text, or remove the message",
    docs: r#"## What it checks
String content and text parts hold something other than white space. An assistant message that
makes tool calls may have empty content.

## Why it matters
The platform accepts it, but an empty user turn is a lost prompt, and an empty assistant reply
teaches the model to say nothing.

## Example
```json
{"messages": [{"role": "user", "content": "  "}, {"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.known_role_messages() {
        if message.has_calls() {
            continue;
        }
        for text in message.texts() {
            if text.text.trim().is_empty() {
                let what = if text.text.is_empty() {
                    "empty"
                } else {
                    "only white space"
                };
                out.at(
                    &RULE,
                    text.pointer(),
                    format!(
                        "{} message {} text is {what}",
                        message.role.unwrap_or_default(),
                        message.index
                    ),
                );
            }
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
            &[
                r#"{"messages": [{"role": "user", "content": "x"}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": ""}]}"#,
                r#"{"messages": [{"role": "assistant", "content": " \n\t"}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]}"#,
            ],
        );
    }
}
