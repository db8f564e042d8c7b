use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT102",
    name: "messages-not-a-list",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "`messages` is not a list",
    help: "make \"messages\" a JSON array of message objects",
    docs: r#"## What it checks
The value of `messages` is a JSON array.

## Why it matters
The platform reads `messages` as the ordered conversation and rejects any other type. A single
message object not wrapped in an array, or the conversation serialised as a string, are the
usual causes.

## Example
```json
{"messages": {"role": "user", "content": "Hi"}}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    match record.conversation().and_then(|c| c.get("messages")) {
        None | Some(Value::Array(_)) => {}
        Some(other) => out.at(
            &RULE,
            record.pointer("/messages"),
            format!("\"messages\" is {}, not an array", type_name(other)),
        ),
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
            &[r#"{"messages": []}"#, "{}"],
            &[
                r#"{"messages": {"role": "user"}}"#,
                r#"{"messages": "[]"}"#,
                r#"{"messages": null}"#,
            ],
        );
    }
}
