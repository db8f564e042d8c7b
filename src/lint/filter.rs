//! `--select` and `--ignore`: which rules run.

use super::{RULES, Rule};

/// A selector that matches no rule.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{selector}` matches no rule; selectors are codes (FT103), code prefixes (FT1) or names (unknown-role)"
)]
pub struct UnknownSelector {
    /// The selector as given.
    pub selector: String,
}

/// Which rules are enabled. A selector is a code (`FT103`), a code prefix (`FT1`, `FT`) or a
/// rule name (`unknown-role`).
#[derive(Clone, Debug)]
pub struct RuleFilter {
    enabled: Vec<&'static str>,
}

impl Default for RuleFilter {
    fn default() -> Self {
        Self {
            enabled: RULES.iter().map(|rule| rule.code).collect(),
        }
    }
}

impl RuleFilter {
    /// Builds the filter: only `select`ed rules (all when empty), less the `ignore`d ones.
    pub fn new(select: &[String], ignore: &[String]) -> Result<Self, UnknownSelector> {
        let selected = if select.is_empty() {
            RULES.to_vec()
        } else {
            matching(select)?
        };
        let ignored = matching(ignore)?;
        let enabled = selected
            .into_iter()
            .filter(|rule| !ignored.iter().any(|ignored| ignored.code == rule.code))
            .map(|rule| rule.code)
            .collect();
        Ok(Self { enabled })
    }

    /// Whether the rule runs.
    pub fn is_enabled(&self, rule: &Rule) -> bool {
        self.enabled.contains(&rule.code)
    }
}

fn matching(selectors: &[String]) -> Result<Vec<&'static Rule>, UnknownSelector> {
    let mut rules = Vec::new();
    for selector in selectors {
        let upper = selector.to_ascii_uppercase();
        let matched: Vec<_> = RULES
            .iter()
            .copied()
            .filter(|rule| rule.code.starts_with(&upper) || rule.name == selector)
            .collect();
        if matched.is_empty() || upper.len() < 2 {
            return Err(UnknownSelector {
                selector: selector.clone(),
            });
        }
        rules.extend(matched);
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::find_rule;

    fn filter(select: &[&str], ignore: &[&str]) -> RuleFilter {
        let owned = |list: &[&str]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
        RuleFilter::new(&owned(select), &owned(ignore)).unwrap()
    }

    #[test]
    fn selects_by_prefix_code_and_name() {
        let only_schema = filter(&["FT1"], &[]);
        assert!(only_schema.is_enabled(find_rule("FT103").unwrap()));
        assert!(!only_schema.is_enabled(find_rule("FT201").unwrap()));
        let by_name = filter(&["unknown-role", "ft402"], &[]);
        assert!(by_name.is_enabled(find_rule("FT103").unwrap()));
        assert!(by_name.is_enabled(find_rule("FT402").unwrap()));
        assert!(!by_name.is_enabled(find_rule("FT104").unwrap()));
    }

    #[test]
    fn ignore_wins_over_select() {
        let f = filter(&["FT1"], &["FT103"]);
        assert!(!f.is_enabled(find_rule("FT103").unwrap()));
        assert!(f.is_enabled(find_rule("FT104").unwrap()));
    }

    #[test]
    fn unknown_selector_is_an_error() {
        assert!(RuleFilter::new(&["FT999".into()], &[]).is_err());
        assert!(RuleFilter::new(&[], &["no-such-rule".into()]).is_err());
        assert!(RuleFilter::new(&["F".into()], &[]).is_err());
    }
}
