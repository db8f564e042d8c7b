use crate::diagnostic::Severity;
use crate::lint::vertex::{DEFAULT_ROLE, TurnPlace, all_turns};
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT159",
    name: "vertex-missing-role",
    family: Family::Schema,
    severity: Severity::Warning,
    summary: "a Vertex AI turn of `contents` has no `role`, so it is read as a `user` turn",
    help: "give the turn \"role\": \"user\" or \"model\", so that who speaks is written down",
    docs: r#"## What it checks
Checked with `--provider vertex`: every turn of `contents` has a `role`. Vertex AI reads a turn
without one as a `user` turn (`GoogleCloudAiplatformV1Content.role`: "If not set, the service
will default to 'user'"), and so do finetune's other rules (alternation FT250, the last turn
FT252 and FT254) and `finetune convert --from vertex`.

## Why it matters
A missing role is accepted, but it is often a model reply whose role was lost: read as the
user's, it is not trained on, and the turns no longer alternate.

## Example
```json
{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"parts": [{"text": "Hello"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for turn in all_turns(record) {
        if turn.place == TurnPlace::Contents && !turn.object.contains_key("role") {
            out.at(
                &RULE,
                turn.pointer.clone(),
                format!("turn has no \"role\": it is read as a {DEFAULT_ROLE} turn"),
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
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
                r#"{"systemInstruction": {"parts": [{"text": "Be brief"}]}, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
            ],
            &[
                r#"{"contents": [{"parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
            ],
        );
    }

    #[test]
    fn a_turn_without_a_role_is_a_user_turn_and_only_a_warning() {
        use crate::diagnostic::Severity;
        use crate::lint::testing::vertex_codes;
        let line = r#"{"contents": [{"parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#;
        assert_eq!(vertex_codes(line), ["FT159"]);
        assert_eq!(RULE.severity, Severity::Warning);
        assert_eq!(
            vertex_findings(&RULE, line),
            [(
                "/contents/0".to_owned(),
                "turn has no \"role\": it is read as a user turn".to_owned()
            )]
        );
        // Read as a user turn: the conversation ends with one, and two user turns follow
        // each other, each pointed at as the turn itself since it has no role to point at.
        let last = r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}, {"parts": [{"text": "Thanks"}]}]}"#;
        assert_eq!(vertex_codes(last), ["FT159", "FT252"]);
        let twice = r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#;
        assert_eq!(vertex_codes(twice), ["FT159", "FT250"]);
        assert_eq!(
            crate::lint::testing::vertex_findings(
                &crate::lint::conversation::vertex_roles_not_alternating::RULE,
                twice
            )[0]
            .0,
            "/contents/1"
        );
    }
}
