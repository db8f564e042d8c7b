use crate::diagnostic::Severity;
use crate::lint::vertex::{content_turns, field};
use crate::lint::{Family, Findings, Record, Rule, with_article};

pub static RULE: Rule = Rule {
    code: "FT251",
    name: "vertex-function-part-in-wrong-turn",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a `functionCall` part outside a `model` turn, or a `functionResponse` part outside a `user` turn",
    help: "the model calls a function in a model turn; its result goes back as a functionResponse part in the next user turn",
    docs: r#"## What it checks
Checked with `--provider vertex`: `functionCall` parts are in `model` turns and
`functionResponse` parts in `user` turns, as in the function-calling examples of
https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/function-calling.

## Why it matters
The model learns to produce the calls of its own turns; a call in a user turn, or a result in
a model turn, teaches the model to answer for the tool, or is rejected.

## Example
```json
{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"functionResponse": {"name": "weather", "response": {"c": 20}}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for turn in content_turns(record) {
        let Some(role) = turn.role() else {
            continue;
        };
        for (pointer, part) in turn.parts() {
            let misplaced = match role {
                "user" => Some("functionCall"),
                "model" => Some("functionResponse"),
                _ => None,
            }
            .and_then(|camel| field(part, camel));
            if let Some((key, _)) = misplaced {
                out.at(
                    &RULE,
                    format!("{pointer}/{key}"),
                    format!("{} part in a {role} turn", with_article(key)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_vertex;

    #[test]
    fn pass_and_fail() {
        assert_rule_vertex(
            &RULE,
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "weather", "args": {}}}]}, {"role": "user", "parts": [{"functionResponse": {"name": "weather", "response": {"c": 20}}}]}, {"role": "model", "parts": [{"text": "20 degrees"}]}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": [{"functionCall": {"name": "weather", "args": {}}}]}]}"#,
                r#"{"contents": [{"role": "model", "parts": [{"functionResponse": {"name": "weather", "response": {}}}]}]}"#,
            ],
        );
    }
}
