use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Rule};

pub static RULE: Rule = Rule {
    code: "FT002",
    name: "invalid-json",
    family: Family::Syntax,
    severity: Severity::Error,
    summary: "the line is not valid JSON",
    help: "write each example as one complete JSON object on a single line (JSON Lines)",
    docs: r#"## What it checks
Each non-blank line must parse as one JSON value. The position the parser stopped at is
underlined.

## Why it matters
The platform reads the file line by line and rejects it at the first line that does not parse.
Pretty-printed JSON (one object spread over several lines), a JSON array around the whole file,
trailing commas and single quotes are the usual causes.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"},]}
```
"#,
};

/// What every message of this rule starts with; the parser's reason follows.
pub(crate) const MESSAGE_PREFIX: &str = "invalid JSON: ";

/// Reports a parse error at the byte where the parser stopped.
pub fn report(error: &serde_json::Error, line: &[u8], out: &mut Findings) {
    // Lines hold no raw newline, so the parser's column is the byte position in the line.
    let start = error.column().saturating_sub(1).min(line.len());
    let length = usize::from(start < line.len());
    let text = error.to_string();
    let reason = text
        .rfind(" at line ")
        .map_or(text.as_str(), |cut| &text[..cut]);
    out.in_range(&RULE, (start, length), format!("{MESSAGE_PREFIX}{reason}"));
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, messages};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            &RULE,
            &[r#"{"messages": []}"#, r#"  {"a": 1}  "#],
            &[
                r#"{"messages": [},"#,
                "{",
                r"{'messages': []}",
                r#"{"a": 1,}"#,
                r#"{"a": 1} {"b": 2}"#,
            ],
        );
    }

    #[test]
    fn message_has_no_position_suffix() {
        let found = messages(&RULE, r#"{"a": 1,}"#);
        assert_eq!(found, ["invalid JSON: trailing comma"]);
    }
}
