use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::vertex::{content_turns, declared_functions, field};
use crate::lint::{Family, Findings, Record, Rule, quote};

pub static RULE: Rule = Rule {
    code: "FT253",
    name: "vertex-undefined-function",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a Vertex AI `functionCall` names a function not declared in `tools[].functionDeclarations`, a function is declared twice, or a `functionResponse` answers no call",
    help: "declare the function in \"tools\": [{\"functionDeclarations\": [{\"name\": ..., \"parameters\": {...}}]}], or fix the call's name",
    docs: r#"## What it checks
Checked with `--provider vertex`: the `name` of every `functionCall` part is the name of a
function declared in the example's `tools[].functionDeclarations`, no function is declared
twice, and every `functionResponse` answers an earlier call not yet answered (by its `id`
where it has one, else by the function's name)
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/function-calling).

## Why it matters
The model learns to call the functions it is shown; a call to an undeclared function teaches
it to invent tools, two declarations of one name leave it unsaid which one a call means, and a
response to no call teaches the model results it never asked for.

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
            let Some((key, call)) = field(part, "functionCall") else {
                continue;
            };
            let Some(name) = call.get("name").and_then(Value::as_str) else {
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
                out.at(&RULE, format!("{pointer}/{key}/name"), message);
            }
        }
    }
    duplicate_declarations(record, out);
    unanswered_responses(record, out);
}

/// Every declaration of a name declared before, in any tool of the line.
fn duplicate_declarations(record: &Record<'_>, out: &mut Findings) {
    let tools = record.line().get("tools").and_then(Value::as_array);
    let mut seen: Vec<&str> = Vec::new();
    for (index, tool) in tools.into_iter().flatten().enumerate() {
        let Some((key, Value::Array(declarations))) = tool
            .as_object()
            .and_then(|tool| field(tool, "functionDeclarations"))
        else {
            continue;
        };
        for (at, declaration) in declarations.iter().enumerate() {
            let Some(name) = declaration.get("name").and_then(Value::as_str) else {
                continue;
            };
            if seen.contains(&name) {
                out.at(
                    &RULE,
                    format!("/tools/{index}/{key}/{at}/name"),
                    format!("function {} is declared twice", quote(name)),
                );
            }
            seen.push(name);
        }
    }
}

/// Every `functionResponse` that answers no earlier call, in the order of the conversation.
fn unanswered_responses(record: &Record<'_>, out: &mut Findings) {
    // Calls not yet answered: (id, name).
    let mut pending: Vec<(Option<&str>, &str)> = Vec::new();
    for turn in content_turns(record) {
        for (pointer, part) in turn.parts() {
            if let Some((_, call)) = field(part, "functionCall")
                && let Some(name) = text(call, "name")
            {
                pending.push((text(call, "id"), name));
            }
            // A response in a model turn is FT251's.
            let Some((key, response)) =
                field(part, "functionResponse").filter(|_| turn.role() == Some("user"))
            else {
                continue;
            };
            let Some(name) = text(response, "name") else {
                continue;
            };
            let id = text(response, "id");
            let answered = pending
                .iter()
                .position(|(call_id, called)| match (id, call_id) {
                    (Some(id), Some(call_id)) => id == *call_id,
                    _ => *called == name,
                });
            match answered {
                Some(at) => {
                    pending.remove(at);
                }
                None => out.at_with_help(
                    &RULE,
                    format!("{pointer}/{key}/name"),
                    format!("a response of {} answers no earlier call", quote(name)),
                    "put the model's functionCall of that name in the model turn before this response, or remove the response".to_owned(),
                ),
            }
        }
    }
}

/// The string `key` of `data`.
fn text<'a>(data: &'a Value, key: &str) -> Option<&'a str> {
    data.get(key).and_then(Value::as_str)
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
                r#"{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"function_call": {"name": "weather"}}]}, {"role": "user", "parts": [{"function_response": {"name": "weather", "response": {}}}]}, {"role": "model", "parts": [{"text": "Sunny"}]}], "tools": [{"function_declarations": [{"name": "weather"}]}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {}}}]}], "tools": [{"functionDeclarations": [{"name": "weather"}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "weather", "args": {}}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}], "tools": [{"functionDeclarations": [{"name": "f"}]}, {"function_declarations": [{"name": "f"}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"functionResponse": {"name": "weather", "response": {}}}]}, {"role": "model", "parts": [{"text": "Sunny"}]}], "tools": [{"functionDeclarations": [{"name": "weather"}]}]}"#,
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

    #[test]
    fn a_response_to_no_call_is_helped_to_its_call_not_to_a_declaration() {
        use crate::lint::{CheckOptions, checker::lint_line};
        let options = CheckOptions {
            profile: crate::provider::Provider::Vertex.facts().dataset_rules,
            ..CheckOptions::default()
        };
        let line = r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "user", "parts": [{"functionResponse": {"name": "w", "response": {}}}]}, {"role": "model", "parts": [{"text": "Hello"}]}], "tools": [{"functionDeclarations": [{"name": "w"}]}]}"#;
        let outcome = lint_line(line.as_bytes(), false, &options);
        let finding = outcome
            .findings
            .iter()
            .find(|f| f.rule.code == RULE.code)
            .expect("the response is reported");
        assert!(
            finding
                .help
                .as_deref()
                .is_some_and(|help| help.contains("functionCall of that name")),
            "{:?}",
            finding.help
        );
    }
}
