use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Rule};

pub static RULE: Rule = Rule {
    code: "FT009",
    name: "nesting-too-deep",
    family: Family::Syntax,
    severity: Severity::Warning,
    summary: "arrays and objects are nested deeper than strict readers allow",
    help: "flatten the value: store deeply nested data as a JSON string, or restructure it",
    docs: r#"## What it checks
Arrays and objects nested 128 to 1,000 levels deep (the line's own object is level 1; deeper
is FT010 `nesting-rejected`, an error). The
opening bracket of the first value at level 128 is underlined, and the message says how deep the
line goes. The line is valid JSON, so the other rules still check it; what lies at level 128 and
deeper they read as the number 0.

## Why it matters
Strict readers limit nesting and reject the line: Rust's serde_json, with its default recursion
limit of 128, reads at most 127 levels. Python's `json`, which the platform reads datasets with, reads nesting up to its recursion
limit of about 1,000 levels and rejects the line past it (`RecursionError`). No chat example
needs such depth: it comes from a tool schema or a reference answer built by a recursive
program gone wrong.

## Example
```json
{"messages": [...], "tree": [[[[[[ … 130 levels … ]]]]]]}
```
"#,
};

/// Levels of nesting strict readers allow: serde_json's recursion limit of 128 counts down to
/// zero, so it reads 127. A test holds it to what serde_json does.
pub(crate) const MAX_NESTING: usize = 127;
/// Reports nesting `deepest` levels deep, the first bracket past [`MAX_NESTING`] at byte `at`;
/// past what Python's json reads it is FT010 instead.
pub fn report(deepest: usize, at: usize, out: &mut Findings) {
    if deepest > super::nesting_rejected::PYTHON_NESTING {
        super::nesting_rejected::report(deepest, at, out);
        return;
    }
    out.in_range(
        &RULE,
        (at, 1),
        format!(
            "arrays and objects nested {deepest} levels deep; strict JSON readers stop at {MAX_NESTING} (Python's json, which the platform reads datasets with, takes about {})",
            super::nesting_rejected::PYTHON_NESTING
        ),
    );
}

#[cfg(test)]
pub(super) mod tests {
    use super::{MAX_NESTING, RULE};
    use crate::lint::testing::{assert_rule, codes, messages};

    /// A line `depth` levels deep, with an unknown role and key besides.
    pub(in crate::lint::syntax) fn line(depth: usize) -> String {
        // The line's object is level 1.
        let value = format!("{}{}", "[".repeat(depth - 1), "]".repeat(depth - 1));
        format!(
            r#"{{"messages": [{{"role": "user", "content": "Hi"}}, {{"role": "bot", "content": "Yo"}}], "n": {value}}}"#
        )
    }

    #[test]
    fn pass_and_fail() {
        let (pass, fail) = ([line(2), line(127)], [line(128), line(1000)]);
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        assert_rule(&RULE, &pass, &fail);
    }

    #[test]
    fn says_how_deep_and_checks_the_rest() {
        let deep = line(130);
        assert_eq!(codes(&deep), ["FT009", "FT103", "FT112", "FT201"]);
        assert_eq!(
            messages(&RULE, &deep),
            [
                "arrays and objects nested 130 levels deep; strict JSON readers stop at 127 (Python's json, which the platform reads datasets with, takes about 1000)"
            ]
        );
    }

    #[test]
    fn reported_exactly_where_serde_json_stops() {
        let parses = |depth: usize| serde_json::from_str::<serde_json::Value>(&line(depth)).is_ok();
        assert!(parses(MAX_NESTING));
        assert!(!parses(MAX_NESTING + 1));
    }
}
