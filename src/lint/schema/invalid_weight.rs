use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT110",
    name: "invalid-weight",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a message's `weight` is not 0 or 1",
    help: "use \"weight\": 0 to skip training on the message, or 1 (the default) to train on it",
    docs: r#"## What it checks
`weight` is the number 0 or 1 on every message that may carry one: assistant messages, and
any message where the platform takes weights on every message (Together AI; elsewhere a weight
off an assistant message is FT111's finding).

## Why it matters
Weights are a switch, not a scale: the platform rejects any other value. `true`/`false`,
`"0"` and fractional weights are the usual causes.

Together AI is stricter (its checker, `together` SDK `lib/utils/files.py`
`_check_message_weight` and `validate_messages`): a weight must be an integer (`1.0` is refused:
"Weight must be an integer"), and a message with images must not have a non-zero weight
("Messages with images cannot have non-zero weights"). Both are reported under
`--provider together`.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0.5}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let profile = record.profile();
    // A weight where the platform takes none is FT111's finding, not a bad value.
    for message in record
        .message_objects()
        .filter(|m| m.role.is_some_and(|role| profile.allows_weight_on(role)))
    {
        let Some(weight) = message.fields.get("weight") else {
            continue;
        };
        // 0 and 1 are exact in floating point; 1.0 is how some writers spell 1.
        #[allow(clippy::float_cmp)]
        let is_switch = matches!(weight.as_f64(), Some(w) if w == 0.0 || w == 1.0);
        if !is_switch {
            out.at(
                &RULE,
                message.pointer_to("weight"),
                format!("weight {weight} is not 0 or 1"),
            );
        } else if profile.integer_weights && !weight.is_u64() {
            out.at(
                &RULE,
                message.pointer_to("weight"),
                format!(
                    "weight {weight} is not the integer {}: this platform takes only 0 or 1 written as integers",
                    weight.as_f64().unwrap_or_default()
                ),
            );
        } else if !profile.weighted_images
            && weight.as_u64() != Some(0)
            && weight.as_f64() != Some(0.0)
            && message.image_parts().next().is_some()
        {
            out.at(
                &RULE,
                message.pointer_to("weight"),
                format!(
                    "message {} holds images and has weight {weight}: this platform trains on no message with images (give it \"weight\": 0)",
                    message.index
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{WEIGHTS_ANYWHERE, assert_rule, assert_rule_under};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            &RULE,
            &[
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": 0}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": 1}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": 0.5}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": 2}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": true}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": "1"}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x", "weight": null}]}"#,
            ],
        );
    }

    #[test]
    fn weights_on_any_message_are_switches_too() {
        assert_rule_under(
            WEIGHTS_ANYWHERE,
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "x", "weight": 0}, {"role": "assistant", "content": "y"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x", "weight": 0.5}, {"role": "assistant", "content": "y"}]}"#,
            ],
        );
    }

    #[test]
    fn a_strict_platform_takes_only_integer_weights_and_no_trained_images() {
        use crate::lint::RuleProfile;
        const STRICT: RuleProfile = RuleProfile {
            integer_weights: true,
            weighted_images: false,
            ..WEIGHTS_ANYWHERE
        };
        let image = r#"[{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]"#;
        assert_rule_under(
            STRICT,
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "x", "weight": 1}, {"role": "assistant", "content": "y", "weight": 0}]}"#,
                &format!(
                    r#"{{"messages": [{{"role": "user", "content": {image}, "weight": 0}}, {{"role": "assistant", "content": "y"}}]}}"#
                ),
                &format!(
                    r#"{{"messages": [{{"role": "user", "content": {image}}}, {{"role": "assistant", "content": "y"}}]}}"#
                ),
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y", "weight": 1.0}]}"#,
                r#"{"messages": [{"role": "user", "content": "x", "weight": 0.0}, {"role": "assistant", "content": "y"}]}"#,
                &format!(
                    r#"{{"messages": [{{"role": "user", "content": {image}, "weight": 1}}, {{"role": "assistant", "content": "y"}}]}}"#
                ),
            ],
        );
        // Elsewhere 1.0 is 1, and images may be trained on.
        assert_rule_under(
            WEIGHTS_ANYWHERE,
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y", "weight": 1.0}]}"#,
                &format!(
                    r#"{{"messages": [{{"role": "user", "content": {image}, "weight": 1}}, {{"role": "assistant", "content": "y"}}]}}"#
                ),
            ],
            &[],
        );
    }
}
