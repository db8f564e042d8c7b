use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::vertex::{DEFAULT_ROLE, TurnPlace, all_turns};
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
makes tool calls may have empty content. With `--provider vertex`, every `text` part of a
Vertex AI line (the system instruction, the turns and the completions) likewise.

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

/// The same check on the `text` parts of a Vertex AI line.
pub fn check_vertex(record: &Record<'_>, out: &mut Findings) {
    for turn in all_turns(record) {
        // The turn's place in `contents`, or the completion's in `completions`.
        let index = turn
            .pointer
            .split('/')
            .find_map(|segment| segment.parse::<usize>().ok())
            .unwrap_or_default();
        let whose = match turn.place {
            TurnPlace::System => "the system instruction".to_owned(),
            TurnPlace::Contents => {
                format!("{} turn {index}", turn.role().unwrap_or(DEFAULT_ROLE))
            }
            TurnPlace::Completion => format!("completion {index}"),
        };
        for (pointer, part) in turn.parts() {
            report_blank_text(part, &pointer, "part", &whose, out);
        }
    }
}

/// The same check on the `text` blocks of an Amazon Bedrock line (`system` and messages).
pub fn check_bedrock(record: &Record<'_>, out: &mut Findings) {
    for (pointer, block) in crate::lint::bedrock::system_blocks(record) {
        report_blank_text(block, &pointer, "block", "the system prompt", out);
    }
    for turn in crate::lint::bedrock::turns(record) {
        let whose = format!("{} message {}", turn.role().unwrap_or("a"), turn.index);
        for (pointer, block) in turn.blocks() {
            report_blank_text(block, &pointer, "block", &whose, out);
        }
    }
}

/// Reports the `text` of a part or block at `pointer` that is empty or only white space,
/// naming it as text `kind` N of `whose` (a turn may hold other parts with text).
fn report_blank_text(
    part: &serde_json::Map<String, Value>,
    pointer: &str,
    kind: &str,
    whose: &str,
    out: &mut Findings,
) {
    if let Some(Value::String(text)) = part.get("text")
        && text.trim().is_empty()
    {
        let what = if text.is_empty() {
            "empty"
        } else {
            "only white space"
        };
        out.at(
            &RULE,
            format!("{pointer}/text"),
            format!(
                "text {kind} {} of {whose} is {what}",
                pointer.rsplit('/').next().unwrap_or_default()
            ),
        );
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

    #[test]
    fn bedrock_text_blocks() {
        use crate::lint::testing::assert_rule_bedrock;
        let line = |system: &str, user: &str| {
            format!(
                r#"{{"schemaVersion": "x", "system": [{{"text": "{system}"}}], "messages": [{{"role": "user", "content": [{{"text": "{user}"}}]}}, {{"role": "assistant", "content": [{{"text": "ok"}}]}}]}}"#
            )
        };
        let (pass, blank_user, blank_system) = (line("s", "u"), line("s", " "), line("", "u"));
        assert_rule_bedrock(&RULE, &[&pass], &[&blank_user, &blank_system]);
    }

    #[test]
    fn vertex_text_parts() {
        use crate::lint::testing::{assert_rule_vertex, vertex_findings};
        assert_rule_vertex(
            &RULE,
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": ""}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
                r#"{"systemInstruction": {"parts": [{"text": " "}]}, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "\n"}]}}, {"score": 0, "completion": {"role": "model", "parts": [{"text": "No"}]}}]}"#,
            ],
        );
        assert_eq!(
            vertex_findings(
                &RULE,
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "  "}]}]}"#
            ),
            [(
                "/contents/1/parts/0/text".to_owned(),
                "text part 0 of model turn 1 is only white space".to_owned()
            )]
        );
    }
}
