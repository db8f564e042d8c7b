use std::collections::BTreeSet;
use std::fs;

use serde_json::{Value, json};

use crate::{example, finetune, project_file, valid_file};

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).unwrap()
}

fn json_report(args: &[&str], stdin: Option<Vec<u8>>) -> (i32, Value) {
    let mut command = finetune();
    command
        .arg("check")
        .args(args)
        .args(["--output-format", "json"]);
    if let Some(input) = stdin {
        command.write_stdin(input);
    }
    let output = command.output().unwrap();
    let report = serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
    (output.status.code().unwrap(), report)
}

fn codes_by_line(report: &Value, file: usize) -> Vec<(Option<u64>, String)> {
    report["files"][file]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["line"].as_u64(), d["code"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn the_bundled_dataset_passes() {
    let assert = finetune()
        .args(["check", "datasets/sarcastic.jsonl"])
        .assert()
        .code(0);
    let text = stdout(&assert);
    assert!(text.starts_with(
        "datasets/sarcastic.jsonl: 35 supervised examples, 35 valid, 0 errors, 0 warnings\n"
    ));
    assert!(text.ends_with("All checks passed: 35 examples in 1 file\n"));
    insta::assert_snapshot!("sarcastic_human", text);
}

fn expected(name: &str) -> Vec<(Option<u64>, String)> {
    fs::read_to_string(project_file(&format!("datasets/{name}.expected.tsv")))
        .unwrap()
        .lines()
        .skip(1)
        .map(|row| {
            let mut cells = row.split('\t');
            let line = cells.next().unwrap().parse().ok();
            (line, cells.next().unwrap().to_owned())
        })
        .collect()
}

const BROKEN: [&str; 6] = [
    "broken",
    "broken-preference",
    "broken-reinforcement",
    "broken-together",
    "broken-vertex",
    "broken-bedrock",
];

/// The provider whose rules a broken dataset is written against.
fn provider_of(name: &str) -> &'static str {
    if name.ends_with("-together") {
        "together"
    } else if name.ends_with("-vertex") {
        "vertex"
    } else if name.ends_with("-bedrock") {
        "bedrock"
    } else {
        "openai"
    }
}

#[test]
fn the_broken_datasets_report_exactly_the_expected_lines_and_codes() {
    for name in BROKEN {
        let (code, report) = json_report(
            &[
                &format!("datasets/{name}.jsonl"),
                "--provider",
                provider_of(name),
            ],
            None,
        );
        assert_eq!(code, 1, "{name}");
        assert_eq!(codes_by_line(&report, 0), expected(name), "{name}");
    }
    // Errors land on the rejected lines and nowhere else: line 2 of broken.jsonl is clean.
    let (_, report) = json_report(&["datasets/broken.jsonl"], None);
    assert!(
        codes_by_line(&report, 0)
            .iter()
            .all(|(line, _)| *line != Some(2))
    );
    // Together they trip every rule but those that need files of their own (tests elsewhere;
    // FT010's line is over 2,000 bytes of brackets; FT176 is a Bedrock line under OpenAI's
    // rules, in tests/it/bedrock.rs).
    let every_rule: BTreeSet<&str> = finetune::lint::RULES.iter().map(|r| r.code).collect();
    let tripped: Vec<(Option<u64>, String)> =
        BROKEN.iter().flat_map(|name| expected(name)).collect();
    let tripped: BTreeSet<&str> = tripped.iter().map(|(_, code)| code.as_str()).collect();
    let untripped: Vec<&str> = every_rule.difference(&tripped).copied().collect();
    assert_eq!(
        untripped,
        [
            "FT006", "FT010", "FT176", "FT308", "FT404", "FT405", "FT406"
        ],
        "these need files of their own"
    );
}

#[test]
fn valid_preference_and_reinforcement_files_pass_with_their_method() {
    for (name, method) in [
        ("preference", "dpo"),
        ("reinforcement", "reinforcement"),
        ("sarcastic", "supervised"),
    ] {
        let (code, report) = json_report(&[&format!("datasets/{name}.jsonl")], None);
        assert_eq!(code, 0, "{name}: {report}");
        assert_eq!(report["files"][0]["method"], method);
        assert_eq!(
            report["files"][0]["diagnostics"].as_array().unwrap().len(),
            0
        );
    }
}

#[test]
fn a_mixed_file_is_an_error_at_the_first_line_unlike_the_majority() {
    let preference = fs::read_to_string(project_file("datasets/preference.jsonl")).unwrap();
    let mut lines: Vec<&str> = preference.lines().collect();
    let chat = example(1);
    lines.insert(3, &chat);
    lines.insert(7, &chat);
    let (code, report) = json_report(&["-"], Some((lines.join("\n") + "\n").into_bytes()));
    assert_eq!(code, 1);
    assert_eq!(report["files"][0]["method"], "dpo");
    let codes = codes_by_line(&report, 0);
    assert!(codes.contains(&(Some(4), "FT403".to_owned())), "{codes:?}");
    assert_eq!(codes.iter().filter(|(_, code)| code == "FT403").count(), 1);
    // Each line is still checked as its own format: the chat lines are valid chat.
    assert!(
        codes
            .iter()
            .all(|(_, code)| code == "FT403" || code == "FT402"),
        "{codes:?}"
    );
    // With the method given, the odd lines are checked as preference lines instead.
    let (_, report) = json_report(
        &["-", "--method", "dpo"],
        Some((lines.join("\n") + "\n").into_bytes()),
    );
    let codes = codes_by_line(&report, 0);
    assert!(codes.contains(&(Some(4), "FT115".to_owned())), "{codes:?}");
    assert!(!codes.iter().any(|(_, code)| code == "FT403"));
}

#[test]
fn developer_roles_are_for_reinforcement_only() {
    let (_, report) = json_report(&["-", "--method", "supervised"], Some(
        br#"{"messages": [{"role": "developer", "content": "d"}, {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}"#.to_vec(),
    ));
    let diagnostic = &report["files"][0]["diagnostics"][0];
    assert_eq!(diagnostic["code"], "FT103");
    assert_eq!(
        diagnostic["help"],
        "developer messages belong to reinforcement fine-tuning; use \"system\" in supervised data"
    );
}

#[test]
fn reinforcement_without_reference_fields_is_warned() {
    let line = r#"{"messages": [{"role": "developer", "content": "Answer with a number."}, {"role": "user", "content": "2 + 2?"}]}"#;
    let input: String = (0..10)
        .map(|i| line.replace("2 + 2", &format!("{i} + 2")) + "\n")
        .collect();
    let (code, report) = json_report(&["-"], Some(input.into_bytes()));
    assert_eq!(code, 0);
    assert_eq!(report["files"][0]["method"], "reinforcement");
    assert_eq!(codes_by_line(&report, 0), [(None, "FT404".to_owned())]);
    let with_answer = line.replace("]}", "], \"answer\": \"4\"}");
    let input: String = (0..10)
        .map(|i| with_answer.replace("2 + 2", &format!("{i} + 2")) + "\n")
        .collect();
    let (_, report) = json_report(&["-"], Some(input.into_bytes()));
    assert!(codes_by_line(&report, 0).is_empty());
}

#[test]
fn json_report_has_the_contract_fields() {
    let (_, report) = json_report(&["datasets/broken.jsonl"], None);
    assert_eq!(report["version"], 1);
    let summary = &report["summary"];
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["examples"], 42);
    assert_eq!(summary["errors"], 32);
    assert_eq!(summary["warnings"], 10);
    let file = &report["files"][0];
    assert_eq!(file["path"], "datasets/broken.jsonl");
    assert_eq!(file["method"], "supervised");
    assert_eq!(file["examples"], 42);
    assert_eq!(file["valid_examples"], 11);
    let role = file["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "FT103")
        .unwrap();
    let keys: Vec<&str> = role
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "code", "column", "help", "line", "message", "name", "pointer", "severity", "span"
        ]
    );
    assert_eq!(role["pointer"], "/messages/1/role");
    // The span points at the value in the file.
    let bytes = fs::read(project_file("datasets/broken.jsonl")).unwrap();
    let offset = role["span"]["offset"].as_u64().unwrap() as usize;
    let length = role["span"]["length"].as_u64().unwrap() as usize;
    assert_eq!(&bytes[offset..offset + length], b"\"bot\"");
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.jsonl");
    fs::write(&clean, valid_file(12)).unwrap();
    let warned = dir.path().join("warned.jsonl");
    fs::write(&warned, valid_file(12) + &example(0) + "\n").unwrap();
    finetune().arg("check").arg(&clean).assert().code(0);
    finetune().arg("check").arg(&warned).assert().code(0);
    finetune()
        .arg("check")
        .arg(&warned)
        .arg("--deny-warnings")
        .assert()
        .code(1);
    finetune()
        .args(["check", "datasets/broken.jsonl"])
        .assert()
        .code(1);
    finetune().args(["check"]).assert().code(2);
    finetune()
        .args([
            "check",
            "--output-format",
            "xml",
            "datasets/sarcastic.jsonl",
        ])
        .assert()
        .code(2);
}

#[test]
fn missing_file_is_exit_2_naming_the_path_and_other_files_are_still_checked() {
    let assert = finetune()
        .args(["check", "no/such/file.jsonl", "datasets/sarcastic.jsonl"])
        .assert()
        .code(2);
    let text = stdout(&assert);
    assert!(
        text.contains("FT006 unreadable-input")
            && text.contains("could not read no/such/file.jsonl: not found"),
        "{text}"
    );
    assert!(
        text.contains("no/such/file.jsonl: could not be read"),
        "{text}"
    );
    assert!(text.contains("datasets/sarcastic.jsonl: 35 supervised examples"));
    // The file that was not read is counted: never "All checks passed".
    assert!(!text.contains("All checks passed"), "{text}");
    assert!(
        text.ends_with("Found 1 error and 0 warnings in 2 files (1 could not be read)\n"),
        "{text}"
    );
}

#[test]
fn an_unreadable_input_is_a_diagnostic_in_every_format() {
    let (code, report) = json_report(&["datasets/sarcastic.jsonl", "no/such/file.jsonl"], None);
    assert_eq!(code, 2);
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(report["summary"]["errors"], 1);
    let file = &report["files"][1];
    assert_eq!(file["path"], "no/such/file.jsonl");
    assert_eq!(file["examples"], 0);
    assert_eq!(codes_by_line(&report, 1), [(None, "FT006".to_owned())]);
    assert_eq!(
        file["diagnostics"][0]["message"],
        "could not read no/such/file.jsonl: not found"
    );
    let run = |format: &str| {
        let output = finetune()
            .args(["check", "no/such/file.jsonl", "--output-format", format])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{format}");
        // Standard output is for a program here: the person reads standard error.
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("could not read no/such/file.jsonl: not found"),
            "{format}: {stderr}"
        );
        String::from_utf8(output.stdout).unwrap()
    };
    assert!(
        run("github").starts_with(
            "::error file=no/such/file.jsonl,title=FT006 unreadable-input::could not read no/such/file.jsonl: not found ("
        ),
        "{}",
        run("github")
    );
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "FT006");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "no/such/file.jsonl"
    );
    // Even a rule filter that leaves FT006 out says why the exit code is 2.
    let (code, report) = json_report(&["no/such/file.jsonl", "--select", "FT1"], None);
    assert_eq!(code, 2);
    assert_eq!(codes_by_line(&report, 0), [(None, "FT006".to_owned())]);
}

#[test]
fn a_directory_is_exit_2() {
    let assert = finetune().args(["check", "datasets"]).assert().code(2);
    let text = stdout(&assert);
    assert!(
        text.contains("could not read datasets: is a directory, not a JSONL file"),
        "{text}"
    );
    assert!(!text.contains("All checks passed"), "{text}");
}

#[test]
fn unknown_selector_is_exit_2() {
    let assert = finetune()
        .args(["check", "--select", "FT999", "datasets/sarcastic.jsonl"])
        .assert()
        .code(2);
    assert!(stderr(&assert).contains("`FT999` matches no rule"));
}

#[test]
fn standard_input() {
    let (code, report) = json_report(&["-"], Some(valid_file(10).into_bytes()));
    assert_eq!(code, 0);
    assert_eq!(report["files"][0]["path"], "-");
    assert_eq!(report["files"][0]["examples"], 10);
}

#[test]
fn several_files_are_reported_separately() {
    let (code, report) = json_report(&["datasets/sarcastic.jsonl", "datasets/broken.jsonl"], None);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(report["summary"]["examples"], 35 + 42);
    assert_eq!(
        report["files"][0]["diagnostics"].as_array().unwrap().len(),
        0
    );
    assert_eq!(report["files"][1]["path"], "datasets/broken.jsonl");
}

#[test]
fn an_empty_file_has_too_few_examples() {
    let (code, report) = json_report(&["-"], Some(Vec::new()));
    assert_only_too_few(code, &report, 0);
}

/// Asserts that the one finding of a run is that its file of `examples` is under OpenAI's
/// minimum of 10.
#[track_caller]
fn assert_only_too_few(code: i32, report: &Value, examples: u64) {
    assert_eq!(code, 1);
    assert_eq!(codes_by_line(report, 0), [(None, "FT401".to_owned())]);
    assert_eq!(
        report["files"][0]["diagnostics"][0]["message"],
        format!("file has {examples} examples; at least 10 are needed")
    );
}

#[test]
fn invalid_utf8_is_reported_at_its_byte() {
    let mut input = valid_file(10).into_bytes();
    input.extend_from_slice(b"{\"messages\": \"\xff\"}\n");
    let (code, report) = json_report(&["-"], Some(input.clone()));
    assert_eq!(code, 1);
    assert_eq!(codes_by_line(&report, 0), [(Some(11), "FT001".to_owned())]);
    let offset = report["files"][0]["diagnostics"][0]["span"]["offset"]
        .as_u64()
        .unwrap();
    assert_eq!(input[offset as usize], 0xff);
}

#[test]
fn byte_order_mark_is_an_error_and_the_first_line_is_still_checked() {
    let mut input = b"\xEF\xBB\xBF".to_vec();
    input.extend_from_slice(valid_file(10).as_bytes());
    let (code, report) = json_report(&["-"], Some(input));
    assert_eq!(code, 1);
    assert_eq!(codes_by_line(&report, 0), [(Some(1), "FT005".to_owned())]);
    assert_eq!(report["files"][0]["valid_examples"], 9);
}

#[test]
fn crlf_line_ends_are_accepted() {
    let input = valid_file(10).replace('\n', "\r\n");
    let (code, report) = json_report(&["-"], Some(input.into_bytes()));
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["files"][0]["examples"], 10);
}

#[test]
fn the_last_line_counts_without_a_final_newline() {
    let mut input = valid_file(9);
    input.push_str(r#"{"messages": [{"role": "bot", "content": "x"}]}"#);
    let (_, report) = json_report(&["-"], Some(input.into_bytes()));
    assert_eq!(report["files"][0]["examples"], 10);
    assert!(codes_by_line(&report, 0).contains(&(Some(10), "FT103".to_owned())));
}

#[test]
fn a_50_mb_line_is_checked_and_shown_as_a_window() {
    let filler = "lorem ipsum ".repeat(50 * 1024 * 1024 / 12);
    let mut input = valid_file(10);
    input.push_str(r#"{"messages": [{"role": "user", "content": ""#);
    input.push_str(&filler);
    input.push_str(r#""}, {"role": "bot", "content": "x"}]}"#);
    input.push('\n');
    assert!(input.len() > 50_000_000);
    let assert = finetune()
        .arg("check")
        .arg("-")
        .write_stdin(input)
        .assert()
        .code(1);
    let text = stdout(&assert);
    assert!(
        text.contains("unknown role \"bot\""),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(text.contains("[-:11:"), "{}", &text[..text.len().min(2000)]);
    assert!(text.len() < 5_000, "output is {} bytes", text.len());
}

#[test]
fn select_ignore_and_max_errors() {
    let (_, report) = json_report(&["datasets/broken.jsonl", "--select", "FT2"], None);
    assert!(
        codes_by_line(&report, 0)
            .iter()
            .all(|(_, code)| code.starts_with("FT2"))
    );
    let (_, report) = json_report(
        &["datasets/broken.jsonl", "--ignore", "FT1,duplicate-example"],
        None,
    );
    let codes = codes_by_line(&report, 0);
    assert!(
        codes
            .iter()
            .all(|(_, code)| !code.starts_with("FT1") && code != "FT402")
    );
    assert!(codes.iter().any(|(_, code)| code == "FT201"));
    let (code, report) = json_report(&["datasets/broken.jsonl", "--max-errors", "3"], None);
    assert_eq!(code, 1);
    let codes = codes_by_line(&report, 0);
    assert_eq!(codes.len(), 3);
    assert_eq!(report["files"][0]["stopped_early"], true);
}

#[test]
fn quiet_prints_nothing_for_clean_files() {
    let assert = finetune()
        .args(["check", "--quiet", "datasets/sarcastic.jsonl"])
        .assert()
        .code(0);
    assert_eq!(stdout(&assert), "");
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    // Over 1 MiB, so several chunks are linted in parallel.
    let mut input = String::new();
    for i in 0..20_000 {
        input.push_str(&example(i % 19_000));
        input.push('\n');
        if i % 997 == 0 {
            input.push_str(r#"{"messages": [{"role": "bot", "content": ""}]}"#);
            input.push('\n');
        }
    }
    assert!(input.len() > 2 << 20);
    let run = |threads: &str| {
        finetune()
            .env("RAYON_NUM_THREADS", threads)
            .args(["check", "-", "--output-format", "concise"])
            .write_stdin(input.clone())
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert!(String::from_utf8_lossy(&one).contains("FT402"));
    assert_eq!(one, run("4"));
}

#[test]
fn snapshots_of_every_output_format() {
    for format in ["human", "concise", "json", "github", "sarif"] {
        let output = finetune()
            .args(["check", "datasets/broken.jsonl", "--output-format", format])
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        insta::assert_snapshot!(format!("broken_{format}"), text);
    }
}

#[test]
fn open_models_count_approximately_and_say_so() {
    let (code, report) = json_report(
        &["datasets/sarcastic.jsonl", "--provider", "together"],
        None,
    );
    assert_eq!(code, 0);
    let file = &report["files"][0];
    assert_eq!(file["tokens"]["approximate"], true);
    assert_eq!(file["tokens"]["encoding"], "cl100k_base");
    assert_eq!(
        file["estimate"]["model"],
        "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"
    );
    // Together runs one epoch unless told otherwise, and prices the job itself.
    assert_eq!(file["estimate"]["epochs"], 1);
    assert!(file["estimate"]["cost_usd"].is_null());
    // OpenAI's counts are exact and say nothing.
    let (_, exact) = json_report(&["datasets/sarcastic.jsonl"], None);
    assert!(exact["files"][0]["tokens"].get("approximate").is_none());
    let human = finetune()
        .args([
            "check",
            "datasets/sarcastic.jsonl",
            "--provider",
            "together",
        ])
        .assert()
        .success();
    assert!(
        stdout(&human).contains("tokens are approximate"),
        "{}",
        stdout(&human)
    );
    // The context limit is the model's: gemma-2's 8,192 tokens truncate a long example.
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long.jsonl");
    let text = "word ".repeat(9_000);
    fs::write(
        &long,
        valid_file(9)
            + &format!(
                "{{\"messages\": [{{\"role\": \"user\", \"content\": \"{text}\"}}, {{\"role\": \"assistant\", \"content\": \"ok\"}}]}}\n"
            ),
    )
    .unwrap();
    let long = long.to_str().unwrap();
    let (_, gemma) = json_report(
        &[
            long,
            "--provider",
            "together",
            "--model",
            "google/gemma-2-9b-it",
        ],
        None,
    );
    let (_, llama) = json_report(&[long, "--provider", "together"], None);
    let codes = |report: &Value| -> Vec<String> {
        codes_by_line(report, 0)
            .into_iter()
            .map(|(_, code)| code)
            .collect()
    };
    assert!(codes(&gemma).contains(&"FT308".to_owned()), "{gemma}");
    assert!(!codes(&llama).contains(&"FT308".to_owned()), "{llama}");
    // An OpenAI model is not a Together model.
    let refused = finetune()
        .args([
            "check",
            "datasets/sarcastic.jsonl",
            "--provider",
            "together",
            "--model",
            "gpt-4o",
        ])
        .assert()
        .code(2);
    assert!(stderr(&refused).contains("is an OpenAI model"));
}

#[test]
fn a_model_near_or_past_its_shutdown_is_warned_about() {
    let run_on = |today: &str, provider: &str| {
        let assert = finetune()
            .env("FINETUNE_TODAY", today)
            .args([
                "check",
                "datasets/sarcastic.jsonl",
                "--model",
                "gpt-4.1-mini",
                "--provider",
                provider,
            ])
            .assert()
            .success();
        stderr(&assert)
    };
    let run = |today: &str| run_on(today, "openai");
    // OpenAI's dates are OpenAI's: Azure OpenAI trains the same model on its own schedule.
    assert_eq!(run_on("2027-01-10", "azure"), "");
    assert_eq!(run("2026-11-24"), "");
    let soon = run("2026-12-20");
    assert!(
        soon.contains("OpenAI stops taking new fine-tuning jobs for gpt-4.1-mini-2025-04-14 on 2027-01-06, in 17 days")
            && soon.contains("Together AI (--provider together, open models)")
            && soon.contains("Azure OpenAI (--provider azure, OpenAI's models)"),
        "{soon}"
    );
    let past = run("2027-02-01");
    assert!(
        past.contains("since 2027-01-06")
            && past.contains("retires gpt-4.1-mini-2025-04-14 for fine-tuning since 2027-01-14"),
        "{past}"
    );
}

#[test]
fn a_tokenizer_file_counts_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let one = |content: &str| -> String {
        let path = dir.path().join(format!("{}.jsonl", content.len()));
        let line = format!(
            "{{\"messages\": [{{\"role\": \"user\", \"content\": \"{content}\"}}, {{\"role\": \"assistant\", \"content\": \"ok\"}}]}}\n"
        );
        fs::write(&path, line.repeat(10)).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let short = one("hello");
    let long = one("hello supercalifragilistic antidisestablishmentarianism");
    let tokenizer = "tests/fixtures/word-level-tokenizer.json";
    let total = |file: &str, extra: &[&str]| -> (u64, Value) {
        let mut args = vec![file, "--provider", "together"];
        args.extend_from_slice(extra);
        let (code, report) = json_report(&args, None);
        assert_eq!(code, 0, "{report}");
        let tokens = report["files"][0]["tokens"].clone();
        (tokens["total"].as_u64().unwrap(), tokens)
    };
    // The word-level vocabulary knows neither long word: one unknown token each, per example.
    let (exact_short, tokens) = total(&short, &["--tokenizer", tokenizer]);
    let (exact_long, _) = total(&long, &["--tokenizer", tokenizer]);
    assert_eq!(exact_long - exact_short, 2 * 10);
    assert_eq!(tokens["encoding"], "huggingface");
    assert_eq!(tokens["tokenizer"], tokenizer);
    assert!(tokens.get("approximate").is_none(), "{tokens}");
    // cl100k_base splits them into many pieces: the approximate count is another one.
    let (approx_short, _) = total(&short, &[]);
    let (approx_long, _) = total(&long, &[]);
    assert!(approx_long - approx_short > 2 * 10);
    // A tokenizer that cannot be loaded is a clear error, not a fallback.
    let refused = finetune()
        .args(["check", &short, "--tokenizer", "Cargo.toml"])
        .assert()
        .code(2);
    assert!(
        stderr(&refused).contains("could not load the tokenizer Cargo.toml"),
        "{}",
        stderr(&refused)
    );
}

/// Runs `check` on `input` with standard output read by a reader that takes one line and
/// closes the pipe (`finetune check … | head -1`), and returns the exit code.
fn exit_code_when_the_reader_leaves_early(input: &str, extra: &[&str]) -> Option<i32> {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.jsonl");
    fs::write(&path, input).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("finetune"))
        .env_clear()
        .args(["--color", "never", "check"])
        .arg(&path)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    // The reader is dropped here: the pipe is closed with most of the output still unwritten.
    child.wait().unwrap().code()
}

#[test]
fn a_closed_standard_output_does_not_change_the_exit_code() {
    // Far more output than a pipe holds, so finetune writes after the reader has gone.
    let bad = r#"{"messages": [{"role": "bot", "content": "x"}]}"#;
    let errors = format!("{bad}\n").repeat(3_000);
    assert_eq!(
        exit_code_when_the_reader_leaves_early(&errors, &[]),
        Some(1)
    );
    let concise = ["--output-format", "concise"];
    assert_eq!(
        exit_code_when_the_reader_leaves_early(&errors, &concise),
        Some(1)
    );
    // Warnings only: 0, and 1 under --deny-warnings.
    let warned = (example(0) + "\n").repeat(3_000);
    assert_eq!(
        exit_code_when_the_reader_leaves_early(&warned, &[]),
        Some(0)
    );
    let deny = ["--deny-warnings"];
    assert_eq!(
        exit_code_when_the_reader_leaves_early(&warned, &deny),
        Some(1)
    );
}

fn sarif_log(args: &[&str], dir: &std::path::Path) -> Value {
    let output = finetune()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .args(["--output-format", "sarif"])
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).expect("stdout is one SARIF log")
}

#[test]
fn sarif_has_what_github_code_scanning_requires() {
    let dir = tempfile::tempdir().unwrap();
    let awkward = "odd dir/my data #1 é.jsonl";
    fs::create_dir(dir.path().join("odd dir")).unwrap();
    fs::copy(
        project_file("datasets/broken.jsonl"),
        dir.path().join(awkward),
    )
    .unwrap();
    let log = sarif_log(&[awkward], dir.path());
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    for rule in driver["rules"].as_array().unwrap() {
        let id = &rule["id"];
        assert!(
            rule["fullDescription"]["text"].as_str().unwrap().len() > 10,
            "{id}"
        );
        assert!(rule["help"]["text"].is_string(), "{id}");
        assert!(
            rule["helpUri"].as_str().unwrap().starts_with("https://"),
            "{id}"
        );
    }
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    // Relative paths stay relative, percent-encoded into valid URI references.
    let uris: BTreeSet<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris.into_iter().collect::<Vec<_>>(),
        ["odd%20dir/my%20data%20%231%20%C3%A9.jsonl"]
    );
    // A value on one line has its end: `"bot"` is five characters from column 59.
    let role = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "FT103")
        .unwrap();
    let region = &role["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ),
        (&json!(9), &json!(59), &json!(9), &json!(64))
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    // An absolute path is a file: URI; an unreadable input makes the run unsuccessful and is
    // its notification.
    let absolute = dir.path().join(awkward);
    let log = sarif_log(&[absolute.to_str().unwrap(), "missing.jsonl"], dir.path());
    let run = &log["runs"][0];
    let uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/odd%20dir/my%20data%20%231%20%C3%A9.jsonl"),
        "{uri}"
    );
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["descriptor"]["id"], "FT006");
    assert_eq!(
        notification["message"]["text"],
        "could not read missing.jsonl: not found"
    );
}

#[test]
fn github_annotations_end_where_the_value_ends() {
    let output = finetune()
        .args([
            "check",
            "datasets/broken.jsonl",
            "--output-format",
            "github",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains(
            "::error file=datasets/broken.jsonl,line=9,col=59,endLine=9,endColumn=64,title=FT103 unknown-role::"
        ),
        "{text}"
    );
}

#[test]
fn the_readme_shows_what_check_does() {
    let readme = fs::read_to_string(project_file("README.md")).unwrap();
    // The example of broken.jsonl is the start of what check prints, up to its `…`.
    let (_, example) = readme
        .split_once("$ finetune check datasets/broken.jsonl\n")
        .unwrap();
    let shown = &example[..=example.find("\n…\n").unwrap()];
    let assert = finetune()
        .args(["check", "datasets/broken.jsonl"])
        .assert()
        .code(1);
    assert!(
        stdout(&assert).starts_with(shown),
        "README shows:\n{shown}\ncheck prints:\n{}",
        &stdout(&assert)[..shown.len().min(stdout(&assert).len())]
    );
    assert!(readme.contains("`cargo install --locked --path .`"));
    // Every option of check has its row in the options table.
    let (_, table) = readme.split_once("| option | meaning |").unwrap();
    let table = &table[..table.find("\n\n").unwrap()];
    let command = <finetune::cli::Cli as clap::CommandFactory>::command();
    let check = command.find_subcommand("check").unwrap();
    for arg in check.get_arguments().filter(|arg| !arg.is_positional()) {
        if let Some(long) = arg.get_long().filter(|long| *long != "help") {
            assert!(
                table.contains(&format!("`--{long}")),
                "--{long} is not in the table"
            );
        }
        if let Some(short) = arg.get_short().filter(|short| *short != 'h') {
            assert!(
                table.contains(&format!("`-{short}`")),
                "-{short} is not in the table"
            );
        }
    }
}

#[test]
fn ci_runs_the_binary_cargo_built_wherever_the_target_dir_is() {
    let script = fs::read_to_string(project_file(".ci/run")).unwrap();
    assert!(script.contains("${CARGO_TARGET_DIR:-target}"), "{script}");
    assert!(!script.contains("./target/"), "{script}");
    // And it validates the SARIF of every bundled dataset with GitHub's rules.
    assert!(script.contains("for dataset in datasets/*.jsonl"));
    assert!(script.contains(r#"validate --rule-kind '"Gh;Sarif"'"#));
}

#[test]
fn valid_json_that_strict_parsers_refuse_gets_its_own_rule_and_is_still_checked() {
    let reply = r#"{"role": "assistant", "content": "Sure."}"#;
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let lines = [
        format!(r#"{{"messages": [{{"role": "user", "content": "Hi \ud83d"}}, {reply}]}}"#),
        format!(r#"{{"messages": [{{"role": "user", "content": "Hi"}}, {reply}], "n": 1e400}}"#),
        format!(r#"{{"messages": [{{"role": "bot", "content": "Hi"}}, {reply}], "n": {deep}}}"#),
    ];
    let input = lines.join("\n") + "\n";
    let (code, report) = json_report(
        &["-", "--ignore", "FT401"],
        Some(input.clone().into_bytes()),
    );
    assert_eq!(code, 1);
    let found = codes_by_line(&report, 0);
    assert!(found.iter().all(|(_, code)| code != "FT002"), "{found:?}");
    let diagnostics = report["files"][0]["diagnostics"].as_array().unwrap();
    let underlined = |code: &str| {
        let d = diagnostics.iter().find(|d| d["code"] == code).unwrap();
        let offset = d["span"]["offset"].as_u64().unwrap() as usize;
        let length = d["span"]["length"].as_u64().unwrap() as usize;
        (
            d["line"].as_u64().unwrap(),
            input[offset..offset + length].to_owned(),
        )
    };
    assert_eq!(underlined("FT007"), (1, r"\ud83d".to_owned()));
    assert_eq!(underlined("FT008"), (2, "1e400".to_owned()));
    let (line, bracket) = underlined("FT009");
    assert_eq!((line, bracket.as_str()), (3, "["));
    // The first array past the 127 levels strict readers take: the line's object is level 1,
    // so it is the 127th array of `n`.
    let at = diagnostics.iter().find(|d| d["code"] == "FT009").unwrap()["span"]["offset"]
        .as_u64()
        .unwrap() as usize;
    let n_start = input.rfind("\"n\": ").unwrap();
    assert_eq!(input[n_start..at].matches('[').count(), 126);
    // Past what Python's json reads, the line is rejected: an error, FT010.
    let deeper = format!(
        r#"{{"messages": [{{"role": "user", "content": "Hi"}}, {reply}], "n": {}{}}}"#,
        "[".repeat(1200),
        "]".repeat(1200)
    );
    let (code, rejected) =
        json_report(&["-", "--ignore", "FT401,FT112"], Some(deeper.into_bytes()));
    assert_eq!(code, 1);
    assert_eq!(codes_by_line(&rejected, 0), [(Some(1), "FT010".to_owned())]);
    // The rest of the lines is checked as usual: the unknown role, the unknown key.
    assert!(found.contains(&(Some(3), "FT103".to_owned())), "{found:?}");
    assert!(found.contains(&(Some(2), "FT112".to_owned())), "{found:?}");
}

#[test]
fn no_tokens_checks_structure_only_and_says_so() {
    let (code, report) = json_report(&["datasets/broken.jsonl", "--no-tokens"], None);
    assert_eq!(code, 1);
    let file = &report["files"][0];
    assert!(file.get("tokens").is_none() && file.get("estimate").is_none());
    let (_, full) = json_report(&["datasets/broken.jsonl"], None);
    assert!(full["files"][0].get("tokens").is_some());
    // Every rule but the token limit's still runs: the same diagnostics.
    assert_eq!(codes_by_line(&report, 0), codes_by_line(&full, 0));
    // A selection without FT308 needs no counts either; one with it counts.
    let (_, selected) = json_report(&["datasets/broken.jsonl", "--select", "FT1,FT2"], None);
    assert!(selected["files"][0].get("tokens").is_none());
    let (_, with_limit) = json_report(&["datasets/broken.jsonl", "--select", "FT3"], None);
    assert!(with_limit["files"][0].get("tokens").is_some());
    let human = finetune()
        .args(["check", "datasets/sarcastic.jsonl", "--no-tokens"])
        .output()
        .unwrap();
    assert_eq!(human.status.code(), Some(0));
    let stdout = String::from_utf8(human.stdout).unwrap();
    assert!(stdout.contains("tokens and cost not computed"), "{stdout}");
    assert!(!stdout.contains("estimate for"), "{stdout}");
    // No tokenizer is loaded, so none can be asked for.
    finetune()
        .args([
            "check",
            "datasets/sarcastic.jsonl",
            "--no-tokens",
            "--tokenizer",
            "x.json",
        ])
        .assert()
        .code(2);
}

#[test]
fn findings_past_a_lines_cap_are_counted_alike_in_every_format_and_by_max_errors() {
    let roles: Vec<String> = (0..20_000)
        .map(|_| r#"{"role": "bot", "content": "x"}"#.to_owned())
        .collect();
    let line = format!(
        r#"{{"messages": [{}, {{"role": "assistant", "content": "y"}}]}}"#,
        roles.join(", ")
    );
    let input = || Some(format!("{line}\n").into_bytes());
    let args = ["-", "--no-tokens", "--ignore", "FT401"];
    let (code, report) = json_report(&args, input());
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["errors"], 20_000);
    assert_eq!(report["files"][0]["errors"], 20_000);
    let shown = report["files"][0]["diagnostics"].as_array().unwrap().len();
    assert_eq!(shown, finetune::lint::checker::MAX_DIAGNOSTICS_PER_LINE + 1);
    let human = finetune()
        .args(["check"])
        .args(args)
        .write_stdin(input().unwrap())
        .output()
        .unwrap();
    assert!(
        String::from_utf8(human.stdout)
            .unwrap()
            .contains("Found 20,000 errors and 0 warnings in 1 file")
    );
    // --max-errors stops after the errors shown, not inside the line's hidden rest.
    let (_, stopped) = json_report(&[&args[..], &["--max-errors", "5"]].concat(), input());
    assert_eq!(stopped["summary"]["errors"], 5);
    assert_eq!(
        stopped["files"][0]["diagnostics"].as_array().unwrap().len(),
        5
    );
}

/// The findings `check --provider PROVIDER` reports on the lines of `lines` (stdin), as
/// `(line, code, severity)`; file-level findings (too few examples) are left out.
fn line_verdicts(lines: &[&str], provider: &str) -> Vec<(u64, String, String)> {
    let input = lines.join("\n") + "\n";
    let (_, report) = json_report(&["-", "--provider", provider], Some(input.into_bytes()));
    assert_eq!(report["provider"], provider, "{report}");
    report["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| {
            Some((
                d["line"].as_u64()?,
                d["code"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
            ))
        })
        .collect()
}

fn verdict(line: u64, code: &str, severity: &str) -> (u64, String, String) {
    (line, code.to_owned(), severity.to_owned())
}

/// OpenAI's vision fine-tuning guide, "Data format" (developers.openai.com/api/docs/guides/vision-fine-tuning).
const OPENAI_VISION_EXAMPLE: &str = r#"{"messages": [{"role": "system", "content": "You are an assistant that identifies uncommon cheeses."}, {"role": "user", "content": "What is this cheese?"}, {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://upload.wikimedia.org/wikipedia/commons/3/36/Danbo_Cheese.jpg"}}]}, {"role": "assistant", "content": "Danbo"}]}"#;

#[test]
fn openais_vision_example_passes_openai_and_azure_and_fails_together() {
    for provider in ["openai", "azure"] {
        assert_eq!(
            line_verdicts(&[OPENAI_VISION_EXAMPLE], provider),
            [],
            "{provider}"
        );
    }
    // Together takes only alternating roles, base64 images and one content form per example.
    assert_eq!(
        line_verdicts(&[OPENAI_VISION_EXAMPLE], "together"),
        [
            verdict(1, "FT215", "error"),
            verdict(1, "FT118", "error"),
            verdict(1, "FT310", "error"),
        ]
    );
    // Two user turns that are both text are still worth a warning on OpenAI.
    let two_questions = r#"{"messages": [{"role": "user", "content": "What is this cheese?"}, {"role": "user", "content": "Well?"}, {"role": "assistant", "content": "Danbo"}]}"#;
    assert_eq!(
        line_verdicts(&[two_questions], "openai"),
        [verdict(1, "FT204", "warning")]
    );
}

/// Together's data preparation guide, "Conversational data" (docs.together.ai/docs/fine-tuning-data-preparation).
const TOGETHER_WEIGHTS_EXAMPLE: &str = r#"{"messages": [{"role": "user", "content": "Question A", "weight": 0}, {"role": "assistant", "content": "Answer A", "weight": 1}]}"#;

#[test]
fn together_takes_a_weight_on_any_message_and_openai_does_not() {
    assert_eq!(line_verdicts(&[TOGETHER_WEIGHTS_EXAMPLE], "together"), []);
    for provider in ["openai", "azure"] {
        assert_eq!(
            line_verdicts(&[TOGETHER_WEIGHTS_EXAMPLE], provider),
            [verdict(1, "FT111", "error")],
            "{provider}"
        );
    }
    // Anywhere it is taken, a weight is still 0 or 1.
    let half = TOGETHER_WEIGHTS_EXAMPLE.replacen("\"weight\": 0", "\"weight\": 0.5", 1);
    assert_eq!(
        line_verdicts(&[&half], "together"),
        [verdict(1, "FT110", "error")]
    );
}

#[test]
fn together_requires_alternating_roles_where_openai_warns() {
    let two_users = r#"{"messages": [{"role": "system", "content": "This is a system prompt."}, {"role": "user", "content": "Hello, how are you?"}, {"role": "user", "content": "Can you explain machine learning?"}, {"role": "assistant", "content": "Machine learning is..."}]}"#;
    assert_eq!(
        line_verdicts(&[two_users], "together"),
        [verdict(1, "FT215", "error")]
    );
    for provider in ["openai", "azure"] {
        assert_eq!(
            line_verdicts(&[two_users], provider),
            [verdict(1, "FT204", "warning")],
            "{provider}"
        );
    }
}

/// The file of microsoft-foundry/fine-tuning#23: a tool call and its answer written as two
/// assistant messages, which Azure refuses with "contains invalid schema (20)".
const AZURE_TWO_ASSISTANTS: &str = r#"{"messages": [{"role": "user", "content": "What is the current price of Microsoft stock?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_stock_price", "arguments": "{\"symbol\": \"MSFT\"}"}}]}, {"role": "assistant", "content": "Microsoft is trading at $420."}], "tools": [{"type": "function", "function": {"name": "get_stock_price", "parameters": {"type": "object", "properties": {"symbol": {"type": "string"}}}}}]}"#;

#[test]
fn azure_rejects_two_assistant_messages_in_a_row_where_openai_warns() {
    let azure = line_verdicts(&[AZURE_TWO_ASSISTANTS], "azure");
    assert!(azure.contains(&verdict(1, "FT215", "error")), "{azure:?}");
    assert!(
        !azure.iter().any(|(_, code, _)| code == "FT204"),
        "{azure:?}"
    );
    let openai = line_verdicts(&[AZURE_TWO_ASSISTANTS], "openai");
    assert!(
        openai.contains(&verdict(1, "FT204", "warning")),
        "{openai:?}"
    );
    assert!(
        !openai.iter().any(|(_, code, _)| code == "FT215"),
        "{openai:?}"
    );
    // The message says the platform rejects it, and the exit code fails the check.
    let (code, report) = json_report(
        &["-", "--provider", "azure"],
        Some(format!("{AZURE_TWO_ASSISTANTS}\n").repeat(10).into_bytes()),
    );
    assert_eq!(code, 1);
    let message = report["files"][0]["diagnostics"][0]["message"]
        .as_str()
        .unwrap();
    assert_eq!(
        message,
        "assistant message 2 follows another assistant message, which the platform rejects"
    );
}

/// Together's reasoning fine-tuning guide (docs.together.ai/docs/fine-tuning-reasoning).
const TOGETHER_REASONING_EXAMPLE: &str = r#"{"messages": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "reasoning": "The user is asking about the capital of France. France is a country in Western Europe. Its capital city is Paris, which has been the capital since the 10th century.", "content": "The capital of France is Paris."}]}"#;

#[test]
fn together_takes_an_assistant_reasoning_field_and_trains_it() {
    assert_eq!(line_verdicts(&[TOGETHER_REASONING_EXAMPLE], "together"), []);
    assert_eq!(
        line_verdicts(&[TOGETHER_REASONING_EXAMPLE], "openai"),
        [verdict(1, "FT106", "error")]
    );
    let trained = |line: &str| {
        let (_, report) = json_report(
            &["-", "--provider", "together"],
            Some(format!("{line}\n").into_bytes()),
        );
        report["files"][0]["tokens"]["assistant"].as_u64().unwrap()
    };
    let without = r#"{"messages": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "The capital of France is Paris."}]}"#;
    assert!(trained(TOGETHER_REASONING_EXAMPLE) > trained(without) + 20);
}

#[test]
fn together_takes_a_single_example_and_openai_needs_ten() {
    let one = valid_file(1).into_bytes();
    let (code, report) = json_report(&["-", "--provider", "together"], Some(one.clone()));
    assert_eq!((code, codes_by_line(&report, 0)), (0, vec![]));
    let (code, report) = json_report(&["-", "--provider", "openai"], Some(one));
    assert_only_too_few(code, &report, 1);
}

#[test]
fn together_takes_only_base64_images() {
    let image = |url: &str| {
        format!(
            r#"{{"messages": [{{"role": "user", "content": [{{"type": "text", "text": "What is this?"}}, {{"type": "image_url", "image_url": {{"url": "{url}"}}}}]}}, {{"role": "assistant", "content": [{{"type": "text", "text": "A dot"}}]}}]}}"#
        )
    };
    let embedded = image(
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    );
    let linked = image("https://example.com/dot.png");
    assert_eq!(line_verdicts(&[&embedded], "together"), []);
    assert_eq!(
        line_verdicts(&[&linked], "together"),
        [verdict(1, "FT310", "error")]
    );
    assert_eq!(line_verdicts(&[&linked], "openai"), []);
}

#[test]
fn every_output_names_the_provider_whose_rules_were_applied() {
    // The human summary says it too, as the concise one does.
    let concise = finetune()
        .args([
            "check",
            "datasets/sarcastic.jsonl",
            "--output-format",
            "concise",
        ])
        .args(["--provider", "together"])
        .assert()
        .success();
    assert!(
        stdout(&concise).contains(
            "Checked by the dataset rules of Together AI (--provider together)\nAll checks passed"
        ),
        "{}",
        stdout(&concise)
    );
    let (_, report) = json_report(&["datasets/sarcastic.jsonl", "--provider", "azure"], None);
    assert_eq!(report["provider"], "azure");
    let (_, report) = json_report(&["datasets/sarcastic.jsonl"], None);
    assert_eq!(report["provider"], "openai");
    let sarif = finetune()
        .args([
            "check",
            "datasets/sarcastic.jsonl",
            "--provider",
            "together",
            "--output-format",
            "sarif",
        ])
        .output()
        .unwrap();
    let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(log["runs"][0]["properties"]["provider"], "together");
}

/// The examples of Together's data preparation guide for its "Generic text" and "Instruction"
/// formats (docs.together.ai/docs/fine-tuning-data-preparation).
const TOGETHER_TEXT_EXAMPLE: &str = r#"{"text": "Hello, how are you? I'm doing well, thank you!"}"#;
const TOGETHER_INSTRUCTION_EXAMPLE: &str = r#"{"prompt": "Hello, how are you?", "completion": "I'm doing well, thank you! How can I help you?"}"#;

#[test]
fn together_takes_plain_text_and_prompt_completion_files_and_counts_their_tokens() {
    for (example, format, trained_all) in [
        (TOGETHER_TEXT_EXAMPLE, "text", true),
        (TOGETHER_INSTRUCTION_EXAMPLE, "prompt-completion", false),
    ] {
        let input = format!("{example}\n").into_bytes();
        let (code, report) = json_report(&["-", "--provider", "together"], Some(input.clone()));
        assert_eq!(code, 0, "{report}");
        let file = &report["files"][0];
        assert_eq!(file["method"], "supervised");
        assert_eq!(file["format"], format);
        assert_eq!(file["diagnostics"], json!([]));
        let (total, trained) = (
            file["tokens"]["total"].as_u64().unwrap(),
            file["tokens"]["assistant"].as_u64().unwrap(),
        );
        assert!(total > 5, "{file}");
        assert_eq!(trained == total, trained_all, "{file}");
        assert_eq!(file["estimate"]["billed_tokens_per_epoch"], total);
        // OpenAI takes neither format: the line is a chat example without messages.
        let (code, report) = json_report(&["-", "--provider", "openai"], Some(input));
        assert_eq!(code, 1);
        assert!(report["files"][0].get("format").is_none());
        assert_eq!(
            codes_by_line(&report, 0),
            [(Some(1), "FT101".to_owned()), (None, "FT401".to_owned())]
        );
    }
    // One format per file, as Together's checker requires.
    let mixed = [
        TOGETHER_TEXT_EXAMPLE,
        r#"{"text": "Machine learning is..."}"#,
        TOGETHER_INSTRUCTION_EXAMPLE,
        TOGETHER_WEIGHTS_EXAMPLE,
    ];
    assert_eq!(
        line_verdicts(&mixed, "together"),
        [verdict(3, "FT403", "error")]
    );
    let human = finetune()
        .args([
            "check",
            "datasets/plain-text.jsonl",
            "--provider",
            "together",
        ])
        .assert()
        .success();
    assert!(
        stdout(&human).starts_with(
            "datasets/plain-text.jsonl: 12 supervised text examples, 12 valid, 0 errors, 0 warnings\n"
        ),
        "{}",
        stdout(&human)
    );
}
