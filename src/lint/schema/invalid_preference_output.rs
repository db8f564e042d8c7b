use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, type_name};

/// The two outputs of a preference example.
pub const OUTPUTS: &[&str] = &["preferred_output", "non_preferred_output"];

pub static RULE: Rule = Rule {
    code: "FT116",
    name: "invalid-preference-output",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a preference output is not a list of exactly one assistant message with text",
    help: "write each output as [{\"role\": \"assistant\", \"content\": \"...\"}]",
    docs: r#"## What it checks
`preferred_output` and `non_preferred_output` are each present and a list of exactly one
message, whose `role` is `assistant` and whose `content` is a string (or text parts), with no
keys other than `role` and `content`.

## Why it matters
DPO trains the model to prefer one reply over the other: the platform rejects anything but one
assistant reply on each side. A bare string instead of a list, two messages, or a user message
are the usual causes.

## Example
```json
{"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": "Hello!", "non_preferred_output": [{"role": "assistant", "content": "What?"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for key in OUTPUTS {
        let pointer = format!("/{key}");
        let legacy = key.replace("output", "completion");
        let messages = match record.line().get(*key) {
            Some(Value::Array(messages)) => messages,
            Some(other) => {
                out.at(
                    &RULE,
                    pointer,
                    format!("\"{key}\" is {}, not a list", type_name(other)),
                );
                continue;
            }
            // The older name is reported by FT117.
            None if record.line().contains_key(&legacy) => continue,
            None => {
                out.at(&RULE, "", format!("preference example has no \"{key}\""));
                continue;
            }
        };
        if messages.len() != 1 {
            out.at(
                &RULE,
                pointer,
                format!(
                    "\"{key}\" holds {} messages, not exactly one",
                    messages.len()
                ),
            );
            continue;
        }
        let pointer = format!("{pointer}/0");
        let Some(message) = messages[0].as_object() else {
            out.at(
                &RULE,
                pointer,
                format!(
                    "\"{key}\" message is {}, not an object",
                    type_name(&messages[0])
                ),
            );
            continue;
        };
        if message.get("role").and_then(Value::as_str) != Some("assistant") {
            out.at(
                &RULE,
                format!("{pointer}/role"),
                format!("\"{key}\" message is not from the assistant"),
            );
        }
        let has_text = match message.get("content") {
            Some(Value::String(_)) => true,
            Some(Value::Array(parts)) => {
                !parts.is_empty()
                    && parts.iter().all(|part| {
                        part.get("type").and_then(Value::as_str) == Some("text")
                            && part.get("text").is_some_and(Value::is_string)
                    })
            }
            _ => false,
        };
        if !has_text {
            out.at(
                &RULE,
                pointer.clone(),
                format!("\"{key}\" message has no text content"),
            );
        }
        for extra in message
            .keys()
            .filter(|k| !matches!(k.as_str(), "role" | "content"))
        {
            out.at(
                &RULE,
                format!("{pointer}/{extra}"),
                format!(
                    "\"{key}\" message has the key \"{extra}\"; only role and content are allowed"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::dataset::Method;
    use crate::lint::testing::assert_rule_as;

    #[test]
    fn pass_and_fail() {
        let input = r#""input": {"messages": [{"role": "user", "content": "Hi"}]}"#;
        let good = r#"[{"role": "assistant", "content": "Hello"}]"#;
        let line = |preferred: &str, non_preferred: &str| {
            format!(
                r#"{{{input}, "preferred_output": {preferred}, "non_preferred_output": {non_preferred}}}"#
            )
        };
        let pass = [
            line(good, r#"[{"role": "assistant", "content": "What?"}]"#),
            line(
                good,
                r#"[{"role": "assistant", "content": [{"type": "text", "text": "What?"}]}]"#,
            ),
        ];
        let fail = [
            line(r#""Hello""#, good),
            line("[]", good),
            line(
                r#"[{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}]"#,
                good,
            ),
            line(good, r#"[{"role": "user", "content": "What?"}]"#),
            line(good, r#"[{"role": "assistant", "content": null}]"#),
            line(
                good,
                r#"[{"role": "assistant", "content": "x", "weight": 1}]"#,
            ),
            line(good, r#"["What?"]"#),
            format!(r#"{{{input}, "preferred_output": {good}}}"#),
        ];
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        assert_rule_as(Method::Dpo, &RULE, &pass, &fail);
    }
}
