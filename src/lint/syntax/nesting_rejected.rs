use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Rule};

pub static RULE: Rule = Rule {
    code: "FT010",
    name: "nesting-rejected",
    family: Family::Syntax,
    severity: Severity::Error,
    summary: "arrays and objects are nested deeper than Python's json reads",
    help: "flatten the value: store deeply nested data as a JSON string, or restructure it",
    docs: r#"## What it checks
Arrays and objects nested more than 1,000 levels deep (the line's own object is level 1). The
opening bracket of the first value past the 127 levels strict readers take is underlined, as for
FT009 `nesting-too-deep`, which this rule replaces at such depths.

## Why it matters
Python's `json`, which fine-tuning services read datasets with, stops at its recursion limit of
about 1,000 levels with a `RecursionError`: the line, and with it the file, is rejected. Between
128 and 1,000 levels the line is read by Python but refused by strict readers (FT009, a warning).

## Example
```json
{"messages": [...], "tree": [[[[[[ … 1,200 levels … ]]]]]]}
```
"#,
};

/// Levels of nesting past which Python's `json` fails: its default recursion limit.
pub(crate) const PYTHON_NESTING: usize = 1000;

/// Reports nesting `deepest` levels deep, the first bracket past the strict readers' limit at
/// byte `at`.
pub fn report(deepest: usize, at: usize, out: &mut Findings) {
    out.in_range(
        &RULE,
        (at, 1),
        format!(
            "arrays and objects nested {deepest} levels deep; Python's json reads about {PYTHON_NESTING}, so the line is rejected"
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::syntax::nesting_too_deep::tests::line;
    use crate::lint::testing::{assert_rule, codes};

    #[test]
    fn pass_and_fail() {
        let (pass, fail) = ([line(2), line(1000)], [line(1001), line(5000)]);
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        assert_rule(&RULE, &pass, &fail);
    }

    #[test]
    fn replaces_the_warning_past_pythons_limit() {
        assert_eq!(codes(&line(1001)), ["FT010", "FT103", "FT112", "FT201"]);
        assert_eq!(codes(&line(1000)), ["FT009", "FT103", "FT112", "FT201"]);
    }
}
