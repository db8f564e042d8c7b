use crate::diagnostic::Severity;
use crate::lint::vertex::{ROLES, TurnPlace, all_turns};
use crate::lint::{Family, Findings, Record, Rule, quote};

pub static RULE: Rule = Rule {
    code: "FT152",
    name: "vertex-unknown-role",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a Vertex AI turn's `role` is not `user` or `model`",
    help: "give each turn \"role\": \"user\" (the prompt, function responses) or \"model\" (the reply, function calls)",
    docs: r#"## What it checks
Checked with `--provider vertex`: the `role` of every turn of `contents` is `user` or `model`
(`GoogleCloudAiplatformV1Content`: "The producer of the content. Must be either 'user' or
'model'"). A turn without a role is read as `user` (FT159 warns about it). The system
instruction's `role` is ignored by Vertex AI and not checked here; completions have rule FT157.

## Why it matters
Vertex AI trains on `model` turns and conditions on `user` turns; OpenAI's `assistant`,
`system` and `tool` roles do not exist there, and the dataset is rejected. `finetune convert
--to vertex` maps them.

## Example
```json
{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "assistant", "parts": [{"text": "Hello"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for turn in all_turns(record) {
        if turn.place != TurnPlace::Contents {
            continue;
        }
        if let Some(role) = turn.object.get("role") {
            match role.as_str() {
                Some(name) if ROLES.contains(&name) => {}
                Some(name) => {
                    let help = match name {
                        "assistant" => "Vertex AI calls the assistant \"model\"".to_owned(),
                        "system" => "put the system message in \"systemInstruction\"".to_owned(),
                        "tool" | "function" => {
                            "send function results as a functionResponse part in a \"user\" turn"
                                .to_owned()
                        }
                        _ => RULE.help.to_owned(),
                    };
                    out.at_with_help(
                        &RULE,
                        format!("{}/role", turn.pointer),
                        format!("unknown role {}", quote(name)),
                        help,
                    );
                }
                None => out.at(
                    &RULE,
                    format!("{}/role", turn.pointer),
                    format!("\"role\" is {role}, not a string"),
                ),
            }
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
                r#"{"systemInstruction": {"role": "system", "parts": [{"text": "Be brief"}]}, "contents": []}"#,
                r#"{"contents": [{"parts": [{"text": "Hi"}]}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "assistant", "parts": [{"text": "Hi"}]}]}"#,
                r#"{"contents": [{"role": 1, "parts": [{"text": "Hi"}]}]}"#,
            ],
        );
    }

    #[test]
    fn names_the_role_at_its_pointer() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "bot", "parts": [{"text": "Hello"}]}]}"#,
        );
        assert_eq!(
            found,
            [(
                "/contents/1/role".to_owned(),
                "unknown role \"bot\"".to_owned()
            )]
        );
    }
}
