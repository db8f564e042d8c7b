use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT115",
    name: "missing-input",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a preference example has no `input` object",
    help: "put the prompt conversation under \"input\": {\"messages\": [...]}",
    docs: r#"## What it checks
A preference (DPO) example has an `input` object, which holds the prompt: `messages`, and
optionally `tools` and `parallel_tool_calls`.

## Why it matters
The platform compares the two outputs as answers to `input`; without it the example is
rejected. Chat lines mixed into a preference file, and `messages` placed at the top level, are
the usual causes.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}], "preferred_output": [{"role": "assistant", "content": "Hello!"}], "non_preferred_output": [{"role": "assistant", "content": "What?"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    match record.line().get("input") {
        Some(input) if input.is_object() => {}
        Some(other) => out.at(
            &RULE,
            "/input",
            format!("\"input\" is {}, not an object", type_name(other)),
        ),
        None if record.line().contains_key("messages") => out.at_with_help(
            &RULE,
            "",
            "preference example has \"messages\" at the top level instead of under \"input\""
                .to_owned(),
            "move \"messages\" (and \"tools\") into \"input\": {\"messages\": [...]}".to_owned(),
        ),
        None if record.line().contains_key("contents") => out.at_with_help(
            &RULE,
            "",
            "preference example has \"contents\", Vertex AI's format, not \"input\"".to_owned(),
            super::missing_messages::VERTEX_HELP.to_owned(),
        ),
        None => out.at(&RULE, "", "preference example has no \"input\"".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::dataset::Method;
    use crate::lint::testing::assert_rule_as;

    #[test]
    fn pass_and_fail() {
        assert_rule_as(
            Method::Dpo,
            &RULE,
            &[r#"{"input": {"messages": []}}"#],
            &[
                r#"{"preferred_output": []}"#,
                r#"{"input": [], "preferred_output": []}"#,
                r#"{"messages": [], "preferred_output": []}"#,
            ],
        );
    }
}
