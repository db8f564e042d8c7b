use crate::diagnostic::Severity;
use crate::lint::vertex::content_turns;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT250",
    name: "vertex-roles-not-alternating",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "two consecutive Vertex AI turns have the same role",
    help: "alternate user and model turns: merge the two turns' parts into one turn",
    docs: r#"## What it checks
Checked with `--provider vertex`: the turns of `contents` alternate between `user` and
`model`. A function's result is sent back in a `user` turn holding its `functionResponse`
part, right after the `model` turn that called it
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/function-calling).

## Why it matters
Gemini's conversation format has one turn per speaker in turn; two turns of the same role in
a row (two OpenAI messages of one role, or a system message moved into `contents`) are
rejected. Several parts in one turn say the same thing validly.

## Example
```json
{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "user", "parts": [{"text": "Are you there?"}]}, {"role": "model", "parts": [{"text": "Yes"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let turns = content_turns(record);
    for pair in turns.windows(2) {
        if let (Some(before), Some(role)) = (pair[0].role(), pair[1].role())
            && before == role
        {
            out.at(
                &RULE,
                pair[1].role_pointer(),
                format!("a {role} turn follows another {role} turn"),
            );
        }
    }
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
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}, {"role": "user", "parts": [{"text": "Bye"}]}, {"role": "model", "parts": [{"text": "Bye"}]}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "user", "parts": [{"text": "Hey"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
            ],
        );
    }

    #[test]
    fn points_at_the_second_turn() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}, {"role": "model", "parts": [{"text": "Again"}]}]}"#,
        );
        assert_eq!(found[0].0, "/contents/2/role");
    }
}
