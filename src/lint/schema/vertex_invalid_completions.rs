use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::vertex::objects_of;
use crate::lint::{Family, Findings, Record, Rule, quote, type_name};

pub static RULE: Rule = Rule {
    code: "FT157",
    name: "vertex-invalid-completions",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a Vertex AI preference example does not have exactly two scored `model` completions, one scored 1 and one 0",
    help: "write \"completions\": [{\"score\": 1, \"completion\": {\"role\": \"model\", \"parts\": [...]}}, {\"score\": 0, \"completion\": {...}}]",
    docs: r#"## What it checks
Checked with `--provider vertex` on a preference line (`contents` and `completions`):
`completions` is a list of exactly two objects, each with a `score` and a `completion` turn
whose `role` is `model`; one score is 1 (the preferred answer) and the other 0 (the
dispreferred one)
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/preference-tuning/prepare-data;
`GoogleCloudAiplatformV1GeminiPreferenceExample` in the discovery document).

## Why it matters
Preference tuning learns from the pair: a line with one answer, two preferred answers or a
completion in a `user` turn cannot train and is rejected.

## Example
```json
{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "Hello!"}]}}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let completions = match record.line().get("completions") {
        None => {
            out.at(
                &RULE,
                "",
                "preference example has no \"completions\"".to_owned(),
            );
            return;
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            out.at(
                &RULE,
                "/completions",
                format!("\"completions\" is {}, not a list", type_name(other)),
            );
            return;
        }
    };
    if completions.len() != 2 {
        out.at(
            &RULE,
            "/completions",
            format!(
                "\"completions\" has {} item{}; exactly 2 are needed",
                completions.len(),
                if completions.len() == 1 { "" } else { "s" }
            ),
        );
    }
    let mut scores = Vec::new();
    for (index, pointer, item) in objects_of(completions, "/completions", "completion", &RULE, out)
    {
        match item.get("score").and_then(Value::as_f64) {
            Some(score) if score.abs() < f64::EPSILON => scores.push(0),
            Some(score) if (score - 1.0).abs() < f64::EPSILON => scores.push(1),
            Some(score) => out.at(
                &RULE,
                format!("{pointer}/score"),
                format!("score {score} is neither 1 nor 0"),
            ),
            None => out.at(
                &RULE,
                pointer.clone(),
                format!("completion {index} has no numeric \"score\""),
            ),
        }
        match item.get("completion") {
            Some(Value::Object(turn)) => match turn.get("role").and_then(Value::as_str) {
                Some("model") => {}
                Some(role) => out.at(
                    &RULE,
                    format!("{pointer}/completion/role"),
                    format!("completion role {} is not \"model\"", quote(role)),
                ),
                None => out.at(
                    &RULE,
                    format!("{pointer}/completion"),
                    "completion has no \"role\": \"model\"".to_owned(),
                ),
            },
            Some(other) => out.at(
                &RULE,
                format!("{pointer}/completion"),
                format!("\"completion\" is {}, not a turn", type_name(other)),
            ),
            None => out.at(
                &RULE,
                pointer,
                format!("completion {index} has no \"completion\" turn"),
            ),
        }
    }
    if scores.len() == 2 && scores[0] == scores[1] {
        out.at(
            &RULE,
            "/completions",
            format!(
                "both completions are scored {}: one must be 1 and the other 0",
                scores[0]
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule_vertex, vertex_findings};

    #[test]
    fn counts_in_english() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "Hello!"}]}}]}"#,
        );
        assert_eq!(
            found[0].1,
            "\"completions\" has 1 item; exactly 2 are needed"
        );
    }

    #[test]
    fn pass_and_fail() {
        assert_rule_vertex(
            &RULE,
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "Hello!"}]}}, {"score": 0, "completion": {"role": "model", "parts": [{"text": "What?"}]}}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "Hello!"}]}}]}"#,
                r#"{"contents": [], "completions": [{"score": 1, "completion": {"role": "model", "parts": []}}, {"score": 1, "completion": {"role": "model", "parts": []}}]}"#,
                r#"{"contents": [], "completions": [{"score": 1, "completion": {"role": "user", "parts": []}}, {"score": 0, "completion": {"role": "model", "parts": []}}]}"#,
                r#"{"contents": [], "completions": [{"score": 0.5, "completion": {"role": "model", "parts": []}}, {"score": 0, "completion": {"role": "model", "parts": []}}]}"#,
                r#"{"contents": [], "completions": {}}"#,
            ],
        );
    }
}
