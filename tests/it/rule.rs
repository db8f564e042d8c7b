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

#[test]
fn the_rules_that_differ_by_provider_say_what_each_provider_does_and_where_it_is_written() {
    let docs = |code: &str| {
        let output = finetune().args(["rule", code]).assert().success();
        String::from_utf8(output.get_output().stdout.clone()).unwrap()
    };
    for code in ["FT111", "FT118", "FT119", "FT215", "FT310", "FT401"] {
        let text = docs(code);
        assert!(text.contains("Together AI"), "{code}: {text}");
        assert!(
            text.contains("docs.together.ai") || text.contains("`together` SDK"),
            "{code} names no source for Together AI: {text}"
        );
    }
    let azure = docs("FT215");
    assert!(
        azure.contains("Azure OpenAI")
            && azure.contains("contains invalid schema (20)")
            && azure.contains("github.com/microsoft-foundry/fine-tuning/issues/23"),
        "{azure}"
    );
    assert!(docs("FT204").contains("platform.openai.com/docs/guides/vision-fine-tuning"));
}
