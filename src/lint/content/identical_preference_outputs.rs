use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT309",
    name: "identical-preference-outputs",
    family: Family::Content,
    severity: Severity::Warning,
    summary: "a preference example's two outputs are the same",
    help: "make the non-preferred output the worse answer you want the model to move away from, or drop the example",
    docs: r#"## What it checks
`preferred_output` and `non_preferred_output` differ; with `--provider vertex`, the parts of
a Vertex AI preference line's two `completions` differ.

## Why it matters
DPO learns from the difference between the two outputs. Identical outputs teach nothing but are
billed; the platform accepts them, so it is a warning. A pairing script that picked the same
sample twice is the usual cause.

## Example
```json
{"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello"}], "non_preferred_output": [{"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let line = record.line();
    if let (Some(preferred), Some(non_preferred)) = (
        line.get("preferred_output"),
        line.get("non_preferred_output"),
    ) && preferred == non_preferred
    {
        out.at(
            &RULE,
            "/non_preferred_output",
            "non_preferred_output is the same as preferred_output".to_owned(),
        );
    }
}

/// The same check on the two `completions` of a Vertex AI preference line.
pub fn check_vertex(record: &Record<'_>, out: &mut Findings) {
    let parts = |index: usize| {
        record
            .line()
            .get("completions")?
            .get(index)?
            .get("completion")?
            .get("parts")
    };
    if let (Some(first), Some(second)) = (parts(0), parts(1))
        && first == second
    {
        out.at(
            &RULE,
            "/completions/1/completion/parts",
            "the two completions have the same parts".to_owned(),
        );
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
            &[
                r#"{"input": {"messages": []}, "preferred_output": [{"role": "assistant", "content": "a"}], "non_preferred_output": [{"role": "assistant", "content": "b"}]}"#,
            ],
            &[
                r#"{"input": {"messages": []}, "preferred_output": [{"role": "assistant", "content": "a"}], "non_preferred_output": [{"content": "a", "role": "assistant"}]}"#,
            ],
        );
    }

    #[test]
    fn vertex_completions() {
        crate::lint::testing::assert_rule_vertex(
            &RULE,
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "Hello"}]}}, {"score": 0, "completion": {"role": "model", "parts": [{"text": "What?"}]}}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "Hello"}]}}, {"score": 0, "completion": {"role": "model", "parts": [{"text": "Hello"}]}}]}"#,
            ],
        );
    }
}
