use crate::diagnostic::Severity;
use crate::lint::vertex::content_turns;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT254",
    name: "vertex-prompt-not-ending-with-user",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a Vertex AI preference example's `contents` does not end with a `user` turn",
    help: "end the prompt with the user's turn: the two completions answer it",
    docs: r#"## What it checks
Checked with `--provider vertex` on a preference line: the last turn of `contents` (the
prompt) has the role `user`
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/preference-tuning/prepare-data:
"must end with a user turn").

## Why it matters
The two completions are the model's possible next turns; after a model turn they would be a
second model turn in a row, and the example is rejected.

## Example
```json
{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}], "completions": []}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let turns = content_turns(record);
    if let Some(last) = turns.last()
        && let Some(role) = last.role()
        && role != "user"
    {
        out.at(
            &RULE,
            last.role_pointer(),
            format!("the prompt ends with a {role} turn, not a user turn"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_vertex;

    #[test]
    fn pass_and_fail() {
        assert_rule_vertex(
            &RULE,
            &[r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": []}"#],
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}], "completions": []}"#,
            ],
        );
    }
}
