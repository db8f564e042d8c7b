use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT117",
    name: "legacy-preference-field",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a preference example uses a field name the platform no longer accepts",
    help: "rename \"preferred_completion\" to \"preferred_output\" and \"non_preferred_completion\" to \"non_preferred_output\", each a list of one assistant message",
    docs: r#"## What it checks
A preference example does not use the older field names `preferred_completion` and
`non_preferred_completion`.

## Why it matters
The platform reads only `preferred_output` and `non_preferred_output`, each a list holding one
assistant message; the old names are rejected. Data prepared from early DPO examples uses them.

## Example
```json
{"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_completion": "Hello!", "non_preferred_completion": "What?"}
```
"#,
};

/// The older field names and their current ones.
const RENAMED: &[(&str, &str)] = &[
    ("preferred_completion", "preferred_output"),
    ("non_preferred_completion", "non_preferred_output"),
];

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for (old, new) in RENAMED {
        if record.line().contains_key(*old) {
            out.at_with_help(
                &RULE,
                format!("/{old}"),
                format!("\"{old}\" is the older name of \"{new}\""),
                format!(
                    "rename it to \"{new}\": [{{\"role\": \"assistant\", \"content\": \"...\"}}]"
                ),
            );
        }
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
            &[r#"{"input": {"messages": []}, "preferred_output": [], "non_preferred_output": []}"#],
            &[
                r#"{"input": {"messages": []}, "preferred_completion": "a"}"#,
                r#"{"input": {"messages": []}, "non_preferred_completion": "a"}"#,
            ],
        );
    }
}
