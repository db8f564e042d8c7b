//! Pass/fail harness for rule tests: runs the whole line pipeline on one line.

use super::checker::lint_line;
use super::{CheckOptions, Conversations, Rule, RuleProfile, WeightScope};
use crate::dataset::Method;

/// The baseline rules, with a weight taken on any message.
pub(crate) const WEIGHTS_ANYWHERE: RuleProfile = RuleProfile {
    weights: WeightScope::AnyMessage,
    ..RuleProfile::BASELINE
};

/// Options that check every line as a supervised example, as most rule tests expect.
fn supervised() -> CheckOptions {
    CheckOptions {
        method: Some(Method::Supervised),
        ..CheckOptions::default()
    }
}

/// The codes every rule reports for one supervised line, in report order.
pub(crate) fn codes(line: &str) -> Vec<&'static str> {
    lint_line(line.as_bytes(), false, &supervised())
        .findings
        .iter()
        .map(|finding| finding.rule.code)
        .collect()
}

/// Asserts that `rule` reports nothing on each `pass` line and something on each `fail` line,
/// each checked as a supervised example.
#[track_caller]
pub(crate) fn assert_rule(rule: &Rule, pass: &[&str], fail: &[&str]) {
    assert_rule_as(Method::Supervised, rule, pass, fail);
}

/// Messages of one rule's findings on one line, for asserting their wording.
pub(crate) fn messages(rule: &Rule, line: &str) -> Vec<String> {
    lint_line(line.as_bytes(), false, &supervised())
        .findings
        .iter()
        .filter(|finding| finding.rule.code == rule.code)
        .map(|finding| finding.message.clone())
        .collect()
}

/// A user message holding one image part with `url`, and an assistant reply.
pub(crate) fn image_line(url: &str) -> String {
    format!(
        r#"{{"messages": [{{"role": "user", "content": [{{"type": "image_url", "image_url": {{"url": "{url}"}}}}]}}, {{"role": "assistant", "content": "x"}}]}}"#
    )
}

/// [`assert_rule`] on the [`image_line`]s of `pass` and `fail` URLs.
#[track_caller]
pub(crate) fn assert_rule_on_image_urls(rule: &Rule, pass: &[&str], fail: &[&str]) {
    let lines = |urls: &[&str]| urls.iter().map(|url| image_line(url)).collect::<Vec<_>>();
    let (pass, fail) = (lines(pass), lines(fail));
    let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
    let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
    assert_rule(rule, &pass, &fail);
}

/// [`assert_rule`] with every line checked as an example of `method`.
#[track_caller]
pub(crate) fn assert_rule_as(method: Method, rule: &Rule, pass: &[&str], fail: &[&str]) {
    let options = CheckOptions {
        method: Some(method),
        ..CheckOptions::default()
    };
    assert_rule_with(&options, rule, pass, fail);
}

/// [`assert_rule`] with every line checked as a supervised example by the rules of `profile`.
#[track_caller]
pub(crate) fn assert_rule_under(profile: RuleProfile, rule: &Rule, pass: &[&str], fail: &[&str]) {
    let options = CheckOptions {
        profile,
        ..supervised()
    };
    assert_rule_with(&options, rule, pass, fail);
}

/// The rules of a platform that reads Vertex AI's format, as `--provider vertex` has them.
pub(crate) const VERTEX: RuleProfile = RuleProfile {
    conversations: Conversations::Vertex,
    ..RuleProfile::BASELINE
};

/// [`assert_rule`] with every line's format decided from its keys, by `profile`'s rules.
#[track_caller]
fn assert_rule_detected(profile: RuleProfile, rule: &Rule, pass: &[&str], fail: &[&str]) {
    let options = CheckOptions {
        profile,
        ..CheckOptions::default()
    };
    assert_rule_with(&options, rule, pass, fail);
}

/// [`assert_rule`] with every line's format decided from its keys, by Vertex AI's rules.
#[track_caller]
pub(crate) fn assert_rule_vertex(rule: &Rule, pass: &[&str], fail: &[&str]) {
    assert_rule_detected(VERTEX, rule, pass, fail);
}

/// The rules of a platform that reads Amazon Bedrock's format, as `--provider bedrock` has
/// them.
pub(crate) const BEDROCK: RuleProfile = RuleProfile {
    conversations: Conversations::Bedrock,
    ..RuleProfile::BASELINE
};

/// [`assert_rule`] with every line's format decided from its keys, by Bedrock's rules.
#[track_caller]
pub(crate) fn assert_rule_bedrock(rule: &Rule, pass: &[&str], fail: &[&str]) {
    assert_rule_detected(BEDROCK, rule, pass, fail);
}

/// The codes every rule reports for one line checked by Vertex AI's rules, in report order.
pub(crate) fn vertex_codes(line: &str) -> Vec<&'static str> {
    let options = CheckOptions {
        profile: VERTEX,
        ..CheckOptions::default()
    };
    lint_line(line.as_bytes(), false, &options)
        .findings
        .iter()
        .map(|finding| finding.rule.code)
        .collect()
}

/// Messages of one rule's findings on one line checked by Vertex AI's rules, with the
/// pointer of each.
pub(crate) fn vertex_findings(rule: &Rule, line: &str) -> Vec<(String, String)> {
    let options = CheckOptions {
        profile: VERTEX,
        ..CheckOptions::default()
    };
    lint_line(line.as_bytes(), false, &options)
        .findings
        .iter()
        .filter(|finding| finding.rule.code == rule.code)
        .map(|finding| {
            (
                finding.pointer.clone().unwrap_or_default(),
                finding.message.clone(),
            )
        })
        .collect()
}

#[track_caller]
fn assert_rule_with(options: &CheckOptions, rule: &Rule, pass: &[&str], fail: &[&str]) {
    let codes = |line: &str| -> Vec<&'static str> {
        lint_line(line.as_bytes(), false, options)
            .findings
            .iter()
            .map(|finding| finding.rule.code)
            .collect()
    };
    for line in pass {
        assert!(
            !codes(line).contains(&rule.code),
            "{} should pass: {line}",
            rule.code
        );
    }
    for line in fail {
        assert!(
            codes(line).contains(&rule.code),
            "{} should fail: {line}\nreported: {:?}",
            rule.code,
            codes(line)
        );
    }
}
