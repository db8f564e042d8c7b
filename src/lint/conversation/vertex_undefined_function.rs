use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::vertex::{content_turns, declared_functions};
use crate::lint::{Family, Findings, Record, Rule, quote};

pub static RULE: Rule = Rule {
    code: "FT253",
    name: "vertex-undefined-function",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a Vertex AI `functionCall` names a function not declared in `tools[].functionDeclarations`",
    help: "declare the function in \"tools\": [{\"functionDeclarations\": [{\"name\": ..., \"parameters\": {...}}]}], or fix the call's name",
    docs: r#"## What it checks
Checked with `--provider vertex`: the `name` of every `functionCall` part is the name of a
function declared in the example's `tools[].functionDeclarations`
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/function-calling).

## Why it matters
The model learns to call the functions it is shown; a call to an undeclared function teaches
it to invent tools, and the example is rejected by the function-calling tuning checks.

## Example
```json
{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {}}}]}], "tools": [{"functionDeclarations": [{"name": "weather"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let declared = declared_functions(record);
    for turn in content_turns(record) {
        for (pointer, part) in turn.parts() {
            let Some(name) = part
                .get("functionCall")
                .and_then(|call| call.get("name"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            if !declared.contains(&name) {
                let message = if declared.is_empty() {
                    format!(
                        "function {} is called but the example declares no functions",
                        quote(name)
                    )
                } else {
                    format!(
                        "function {} is not declared (declared: {})",
                        quote(name),
                        declared.join(", ")
                    )
                };
                out.at(&RULE, format!("{pointer}/functionCall/name"), message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule_vertex, vertex_findings};

    #[test]
    fn pass_and_fail() {
        assert_rule_vertex(
            &RULE,
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "weather", "args": {}}}]}], "tools": [{"functionDeclarations": [{"name": "weather"}]}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {}}}]}], "tools": [{"functionDeclarations": [{"name": "weather"}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "weather", "args": {}}}]}]}"#,
            ],
        );
    }

    #[test]
    fn points_at_the_name() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"text": "Let me look"}, {"functionCall": {"name": "wether", "args": {}}}]}], "tools": [{"functionDeclarations": [{"name": "weather"}]}]}"#,
        );
        assert_eq!(found[0].0, "/contents/1/parts/1/functionCall/name");
        assert_eq!(
            found[0].1,
            "function \"wether\" is not declared (declared: weather)"
        );
    }
}
