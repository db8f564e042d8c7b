use crate::finetune;

#[test]
fn rule_prints_docs_by_code_or_name() {
    for query in ["FT103", "ft103", "unknown-role"] {
        let output = finetune().args(["rule", query]).assert().success();
        let text = String::from_utf8(output.get_output().stdout.clone()).unwrap();
        assert!(text.starts_with("# FT103 unknown-role"), "{text}");
        assert!(text.contains("## Why it matters"));
        assert!(text.contains("## Fix"));
    }
}

#[test]
fn rule_all_lists_every_rule() {
    let output = finetune().args(["rule", "--all"]).assert().success();
    let text = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    for rule in finetune::lint::RULES {
        assert!(
            text.contains(rule.code) && text.contains(rule.name),
            "{}",
            rule.code
        );
    }
}

#[test]
fn unknown_rule_is_a_usage_error() {
    let output = finetune().args(["rule", "FT999"]).assert().code(2);
    let stderr = String::from_utf8(output.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("no rule \"FT999\""), "{stderr}");
}

#[test]
fn an_unreadable_input_has_its_rule() {
    let output = finetune().args(["rule", "FT006"]).assert().success();
    let text = String::from_utf8(output.get_output().stdout.clone()).unwrap();
    assert!(text.starts_with("# FT006 unreadable-input"), "{text}");
    assert!(text.contains("Family: syntax. Default severity: error."));
    assert!(text.contains("the exit code is 2"), "{text}");
}
