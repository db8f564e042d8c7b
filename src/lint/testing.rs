//! Pass/fail harness for rule tests: runs the whole line pipeline on one line.

use super::checker::lint_line;
use super::{Rule, RuleFilter};

/// The codes every rule reports for one line, in report order.
pub(crate) fn codes(line: &str) -> Vec<&'static str> {
    lint_line(line.as_bytes(), false, &RuleFilter::default())
        .findings
        .iter()
        .map(|finding| finding.rule.code)
        .collect()
}

/// Asserts that `rule` reports nothing on each `pass` line and something on each `fail` line.
#[track_caller]
pub(crate) fn assert_rule(rule: &Rule, pass: &[&str], fail: &[&str]) {
    for line in pass {
        assert!(
            !codes(line).contains(&rule.code),
            "{} ({}) should pass: {line}",
            rule.code,
            rule.name
        );
    }
    for line in fail {
        assert!(
            codes(line).contains(&rule.code),
            "{} ({}) should fail: {line}\nreported: {:?}",
            rule.code,
            rule.name,
            codes(line)
        );
    }
}

/// Messages of one rule's findings on one line, for asserting their wording.
pub(crate) fn messages(rule: &Rule, line: &str) -> Vec<String> {
    lint_line(line.as_bytes(), false, &RuleFilter::default())
        .findings
        .iter()
        .filter(|finding| finding.rule.code == rule.code)
        .map(|finding| finding.message.clone())
        .collect()
}
