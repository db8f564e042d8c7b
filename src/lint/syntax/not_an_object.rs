use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT003",
    name: "not-an-object",
    family: Family::Syntax,
    severity: Severity::Error,
    summary: "the line is valid JSON but not an object",
    help: "each line must be a JSON object such as {\"messages\": [...]}",
    docs: r#"## What it checks
Each line must be a JSON object. Arrays, strings, numbers, `true`, `false` and `null` are
reported.

## Why it matters
An example is an object with a `messages` key; the platform rejects any other value. A file that
is one big JSON array, split into lines, shows up here.

## Example
```json
[{"role": "user", "content": "Hi"}]
```
"#,
};

/// Reports a line whose value is not an object.
pub fn report(value: &Value, out: &mut Findings) {
    out.at(
        &RULE,
        "",
        format!("line is {}, not a JSON object", type_name(value)),
    );
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
            &["[]", "null", "42", r#""messages""#, "true"],
        );
    }
}
