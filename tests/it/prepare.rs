//! `dedupe` and `split`: duplicates found, nothing lost, no leakage, inputs untouched.

use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::finetune;

/// A long answer for example `i` from its own pseudo-random words, so different examples share
/// few shingles and near duplicates have enough of them to compare.
fn answer(i: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "vu", "we", "xa", "yo", "ze", "bi", "do",
        "fu",
    ];
    let mut state = i as u64 * 2_654_435_761 + 12_345;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let words: Vec<String> = (0..40)
        .map(|_| (0..3).map(|_| SYLLABLES[next() % 16]).collect())
        .collect();
    format!(
        "Answer {i}: the store closes at six and {}.",
        words.join(" ")
    )
}

fn example(i: usize) -> Value {
    json!({"messages": [
        {"role": "user", "content": format!("Question {i} about the hardware store?")},
        {"role": "assistant", "content": answer(i)}
    ]})
}

/// 40 distinct examples, then: an exact copy of line 1 with other key order and spacing, a
/// copy of line 2 in decomposed Unicode, a near copy of line 3 (its question reworded), and
/// line 4's prompt with
/// another answer.
fn fixture(dir: &Path) -> std::path::PathBuf {
    let mut lines: Vec<String> = (0..40).map(|i| example(i).to_string()).collect();
    lines[1] = lines[1].replace("store?", "café?");
    lines.push(format!(
        r#"{{ "messages" : [ {{"content": "Question 0 about the hardware store?", "role": "user"}}, {{"content": {}, "role": "assistant"}} ] }}"#,
        json!(answer(0))
    ));
    lines.push(lines[1].replace("café", "cafe\u{301}"));
    lines.push(lines[2].replace("hardware store", "hardware shop"));
    let mut other_answer = example(3);
    other_answer["messages"][1]["content"] = json!("A short, different answer.");
    lines.push(other_answer.to_string());
    let path = dir.join("data.jsonl");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn run_json(args: &[&str]) -> (i32, Value, String) {
    let output = finetune()
        .args(args)
        .args(["--output-format", "json"])
        .output()
        .unwrap();
    let stdout = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (
        output.status.code().unwrap(),
        stdout,
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn dedupe_finds_exact_near_and_same_prompt_duplicates_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(dir.path());
    let before = fs::read(&input).unwrap();
    let out = dir.path().join("clean.jsonl");
    let (code, report, stderr) = run_json(&[
        "dedupe",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--by",
        "prompt",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        fs::read(&input).unwrap(),
        before,
        "the input is never modified"
    );
    let lines = |key: &str| -> Vec<(u64, u64)> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["line"].as_u64().unwrap(),
                    c["duplicate_of"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(lines("exact"), [(41, 1), (42, 2)]);
    assert_eq!(lines("same_prompt"), [(44, 4)]);
    let near = report["near"].as_array().unwrap();
    assert_eq!(near.len(), 1);
    assert_eq!(near[0]["kept"], 3);
    assert_eq!(near[0]["removed"][0]["line"], 43);
    assert!(near[0]["removed"][0]["similarity"].as_f64().unwrap() >= 0.8);
    let kept: Vec<u64> = report["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(kept, (1..=40).collect::<Vec<_>>());
    // Every input line is accounted for once.
    assert_eq!(report["lines_in"], 44);
    // The output holds the kept lines, byte for byte.
    let input_lines: Vec<&str> = std::str::from_utf8(&before).unwrap().lines().collect();
    let written = fs::read_to_string(&out).unwrap();
    assert_eq!(written, input_lines[..40].join("\n") + "\n");
    finetune().arg("check").arg(&out).assert().code(0);
}

#[test]
fn dedupe_without_near_or_prompt_removes_only_exact_copies() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(dir.path());
    let out = dir.path().join("clean.jsonl");
    let (_, report, _) = run_json(&[
        "dedupe",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--near",
        "off",
    ]);
    assert_eq!(report["exact"].as_array().unwrap().len(), 2);
    assert!(report["near"].as_array().unwrap().is_empty());
    assert!(report["same_prompt"].as_array().unwrap().is_empty());
    assert_eq!(report["kept"].as_array().unwrap().len(), 42);
}

#[test]
fn an_invalid_line_stops_dedupe_naming_it_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.jsonl");
    fs::write(&input, format!("{}\n{{not json\n", example(1))).unwrap();
    let out = dir.path().join("out.jsonl");
    let output = finetune()
        .args([
            "dedupe",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("bad.jsonl:2: the line is not valid JSON"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn dedupe_refuses_to_overwrite_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(dir.path());
    let before = fs::read(&input).unwrap();
    let output = finetune()
        .args([
            "dedupe",
            input.to_str().unwrap(),
            "-o",
            input.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("never modified")
    );
    assert_eq!(fs::read(&input).unwrap(), before);
}

fn sides(dir: &Path) -> (String, String) {
    (
        fs::read_to_string(dir.join("data.train.jsonl")).unwrap(),
        fs::read_to_string(dir.join("data.validation.jsonl")).unwrap(),
    )
}

#[test]
fn split_is_deterministic_keeps_duplicates_together_and_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(dir.path());
    let before = fs::read(&input).unwrap();
    let args = [
        "split",
        input.to_str().unwrap(),
        "--validation",
        "12",
        "--seed",
        "7",
    ];
    let (code, report, stderr) = run_json(&args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(fs::read(&input).unwrap(), before);
    let first = sides(dir.path());
    run_json(&args);
    assert_eq!(sides(dir.path()), first, "same seed, same split");
    run_json(&[
        "split",
        input.to_str().unwrap(),
        "--validation",
        "12",
        "--seed",
        "8",
    ]);
    assert_ne!(sides(dir.path()), first, "another seed, another split");
    let train: Vec<u64> = report["train"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let validation: Vec<u64> = report["validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(train.len() + validation.len(), 44);
    assert!(
        (10..=12).contains(&validation.len()),
        "{}",
        validation.len()
    );
    // Exact copies (41 of 1, 42 of 2) and the near copy (43 of 3) are on their original's side.
    for (copy, original) in [(41, 1), (42, 2), (43, 3)] {
        assert_eq!(
            validation.contains(&copy),
            validation.contains(&original),
            "line {copy}"
        );
    }
    assert!(report["duplicate_groups"].as_u64().unwrap() >= 3);
    finetune()
        .arg("check")
        .arg(dir.path().join("data.train.jsonl"))
        .args(["--ignore", "FT402"])
        .assert()
        .code(0);
    finetune()
        .arg("check")
        .arg(dir.path().join("data.validation.jsonl"))
        .args(["--ignore", "FT402"])
        .assert()
        .code(0);
}

#[test]
fn split_refuses_sides_under_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(dir.path());
    for validation in ["5", "40", "0.05"] {
        let output = finetune()
            .args(["split", input.to_str().unwrap(), "--validation", validation])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{validation}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("under the minimum of 10 examples"),
            "{stderr}"
        );
    }
    assert!(!dir.path().join("data.train.jsonl").exists());
}

#[test]
fn check_reports_validation_examples_that_leak_from_training() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.jsonl");
    let validation = dir.path().join("validation.jsonl");
    let train_lines: Vec<String> = (0..12).map(|i| example(i).to_string()).collect();
    fs::write(&train, train_lines.join("\n") + "\n").unwrap();
    let mut validation_lines: Vec<String> = (100..110).map(|i| example(i).to_string()).collect();
    // Line 11: an exact copy of training line 3 with other spacing; line 12: a near copy of
    // training line 5 (its question reworded).
    validation_lines.push(example(2).to_string().replace("\":", "\": "));
    validation_lines.push(train_lines[4].replace("hardware store", "hardware shop"));
    fs::write(&validation, validation_lines.join("\n") + "\n").unwrap();
    let output = finetune()
        .arg("check")
        .arg(&train)
        .arg("--validation")
        .arg(&validation)
        .args(["--output-format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(
        report["files"][0]["diagnostics"].as_array().unwrap().len(),
        0
    );
    let leaks: Vec<(u64, u64, String)> = report["files"][1]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "FT405")
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["labels"][0]["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(leaks.len(), 2, "{leaks:?}");
    assert_eq!((leaks[0].0, leaks[0].1), (11, 3));
    assert!(
        leaks[0]
            .2
            .starts_with("validation example is an exact copy of "),
        "{}",
        leaks[0].2
    );
    assert_eq!((leaks[1].0, leaks[1].1), (12, 5));
    assert!(
        leaks[1].2.contains("a near copy (similarity"),
        "{}",
        leaks[1].2
    );
    assert_eq!(report["summary"]["errors"], 2);
    // A clean pair passes; --validation needs exactly one training file.
    fs::write(&validation, validation_lines[..10].join("\n") + "\n").unwrap();
    finetune()
        .arg("check")
        .arg(&train)
        .arg("--validation")
        .arg(&validation)
        .assert()
        .code(0);
    finetune()
        .arg("check")
        .arg(&train)
        .arg(&train)
        .arg("--validation")
        .arg(&validation)
        .assert()
        .code(2);
    let stdin = finetune()
        .args(["check", "-", "--validation"])
        .arg(&validation)
        .write_stdin(train_lines.join("\n"))
        .output()
        .unwrap();
    assert_eq!(stdin.status.code(), Some(2));
    assert!(
        String::from_utf8(stdin.stderr)
            .unwrap()
            .contains("standard input")
    );
}

#[test]
fn prepare_refuses_a_file_with_errors_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("data.jsonl");
    let mut lines: Vec<String> = (0..30).map(|i| example(i).to_string()).collect();
    lines[4] = r#"{"messages": [{"role": "bot", "content": "x"}]}"#.to_owned();
    fs::write(&input, lines.join("\n") + "\n").unwrap();
    let output = finetune()
        .args(["prepare", input.to_str().unwrap(), "--validation", "10"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("data.jsonl:5:")
    );
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("--drop-invalid")
    );
    assert!(!dir.path().join("data.train.jsonl").exists());
    assert!(!dir.path().join("data.validation.jsonl").exists());
}

#[test]
fn prepare_drops_invalid_lines_and_accounts_for_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(dir.path());
    let mut text = fs::read_to_string(&input).unwrap();
    text.push_str("{\"messages\": \"oops\"}\n\n");
    fs::write(&input, &text).unwrap();
    let (code, report, stderr) = run_json(&[
        "prepare",
        input.to_str().unwrap(),
        "--drop-invalid",
        "--validation",
        "10",
        "--by",
        "prompt",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["lines_in"], 46);
    let invalid: std::collections::BTreeSet<u64> = report["invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(invalid, [45, 46].into_iter().collect());
    let count = |key: &str| report["duplicates"][key].as_array().unwrap().len();
    let near: usize = report["duplicates"]["near"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["removed"].as_array().unwrap().len())
        .sum();
    let train = report["train"]["lines"].as_array().unwrap().len();
    let validation = report["validation"]["lines"].as_array().unwrap().len();
    assert_eq!((count("exact"), count("same_prompt"), near), (2, 1, 1));
    assert_eq!(train + validation + invalid.len() + 2 + 1 + 1, 46);
    assert_eq!(validation, 10);
    assert!(report["estimate"]["cost_usd"].as_f64().unwrap() > 0.0);
    assert!(report["train_tokens"].as_u64().unwrap() > 0);
    finetune()
        .arg("check")
        .arg(dir.path().join("data.train.jsonl"))
        .assert()
        .code(0);
    finetune()
        .arg("check")
        .arg(dir.path().join("data.validation.jsonl"))
        .assert()
        .code(0);
}

#[test]
fn split_stratified_by_a_key_keeps_each_share() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("data.jsonl");
    let lines: Vec<String> = (0..40)
        .map(|i| {
            let mut line = example(i);
            line["metadata"] = json!({"source": if i < 30 { "web" } else { "support" }});
            line.to_string()
        })
        .collect();
    fs::write(&input, lines.join("\n") + "\n").unwrap();
    let (code, report, stderr) = run_json(&[
        "split",
        input.to_str().unwrap(),
        "--validation",
        "20",
        "--stratify-by",
        "metadata.source",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let validation: Vec<u64> = report["validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(validation.len(), 20);
    assert_eq!(
        validation.iter().filter(|line| **line > 30).count(),
        5,
        "{validation:?}"
    );
}

/// `n` short examples (19 words each, with their roles) that differ from each other in most of
/// their words, each followed by a copy with one word replaced.
fn short_pairs(dir: &Path, n: usize) -> std::path::PathBuf {
    const WORDS: [&str; 12] = [
        "hammer", "drill", "screws", "paint", "nails", "ladder", "glue", "saw", "tape", "wrench",
        "bolts", "sander",
    ];
    let mut lines = Vec::new();
    for i in 0..n {
        let w = |k: usize| WORDS[(i * 7 + k * 5 + i / 12) % WORDS.len()];
        let question = format!("where is the {} and the {} number {i}?", w(0), w(1));
        let answer = format!("aisle {i} has {} {} and {}.", w(2), w(3), w(4));
        for day in ["today", "tomorrow"] {
            lines.push(
                json!({"messages": [
                    {"role": "user", "content": format!("{question} {day}")},
                    {"role": "assistant", "content": answer}
                ]})
                .to_string(),
            );
        }
    }
    let path = dir.join("data.jsonl");
    fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn short_examples_one_word_apart_are_never_split_across_the_sides() {
    let dir = tempfile::tempdir().unwrap();
    let input = short_pairs(dir.path(), 30);
    for seed in ["1", "2", "3"] {
        let (code, report, stderr) = run_json(&[
            "split",
            input.to_str().unwrap(),
            "--validation",
            "20",
            "--seed",
            seed,
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(report["duplicate_groups"], 30, "seed {seed}");
        let validation: Vec<u64> = report["validation"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        for first in (1..=59).step_by(2) {
            assert_eq!(
                validation.contains(&first),
                validation.contains(&(first + 1)),
                "seed {seed}: lines {first} and {}",
                first + 1
            );
        }
    }
    let out = dir.path().join("clean.jsonl");
    let (code, report, _) = run_json(&[
        "dedupe",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert_eq!(report["kept"].as_array().unwrap().len(), 30);
    assert_eq!(report["near"][0]["removed"][0]["similarity"], 0.947);
}

#[test]
fn check_reports_a_short_validation_example_one_word_from_training() {
    let dir = tempfile::tempdir().unwrap();
    let input = short_pairs(dir.path(), 12);
    let lines: Vec<String> = fs::read_to_string(&input)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let (train, validation) = (dir.path().join("t.jsonl"), dir.path().join("v.jsonl"));
    let odd: Vec<&str> = lines.iter().step_by(2).map(String::as_str).collect();
    let even: Vec<&str> = lines
        .iter()
        .skip(1)
        .step_by(2)
        .map(String::as_str)
        .collect();
    fs::write(&train, odd.join("\n") + "\n").unwrap();
    fs::write(&validation, even[..1].join("\n") + "\n").unwrap();
    let output = finetune()
        .arg("check")
        .arg(&train)
        .arg("--validation")
        .arg(&validation)
        .args(["--output-format", "json", "--select", "FT405"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<&Value> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().unwrap())
        .collect();
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["line"], 1);
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("near copy (similarity 0.95)"),
        "{}",
        found[0]["message"]
    );
}

/// Writes an old pair beside `input`, and returns its contents.
fn old_pair(dir: &Path) -> (String, String) {
    let pair = ("old train\n".to_owned(), "old validation\n".to_owned());
    fs::write(dir.join("data.train.jsonl"), &pair.0).unwrap();
    fs::write(dir.join("data.validation.jsonl"), &pair.1).unwrap();
    pair
}

/// The names in `dir` that are finetune's temporaries.
fn temporaries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".finetune-tmp-"))
        .collect()
}

#[test]
fn a_failing_validation_output_leaves_the_old_pair_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(dir.path());
    // The validation target is a folder: refused before anything is written.
    fs::write(dir.path().join("data.train.jsonl"), "old train\n").unwrap();
    fs::create_dir(dir.path().join("data.validation.jsonl")).unwrap();
    let (code, _, stderr) = run_json(&["split", input.to_str().unwrap(), "--validation", "12"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("data.validation.jsonl: it is a folder"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("data.train.jsonl")).unwrap(),
        "old train\n"
    );
    fs::remove_dir(dir.path().join("data.validation.jsonl")).unwrap();
    // Writing the validation file fails midway (a hook of debug builds).
    let old = old_pair(dir.path());
    for command in ["split", "prepare"] {
        let output = finetune()
            .args([command, input.to_str().unwrap(), "--validation", "12"])
            .env("FINETUNE_TEST_FAIL_WRITING", "data.validation.jsonl")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("could not write"), "{stderr}");
        assert_eq!(sides(dir.path()), old, "{command}");
        assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    }
}

#[test]
fn outputs_refuse_devices_and_links_unless_asked_to_follow_links() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(dir.path());
    let (code, _, stderr) = run_json(&["dedupe", input.to_str().unwrap(), "-o", "/dev/null"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("will not write /dev/null: it is a character device"),
        "{stderr}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        assert!(
            fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
        let real = dir.path().join("kept.jsonl");
        fs::write(&real, "old\n").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        for command in [
            vec![
                "dedupe",
                input.to_str().unwrap(),
                "-o",
                link.to_str().unwrap(),
            ],
            vec![
                "convert",
                input.to_str().unwrap(),
                "-o",
                link.to_str().unwrap(),
                "--from",
                "prompt-completion",
            ],
            vec![
                "check",
                input.to_str().unwrap(),
                "--fix",
                "-o",
                link.to_str().unwrap(),
            ],
        ] {
            let (code, _, stderr) = run_json(&command);
            assert_eq!(code, 2, "{command:?}");
            assert!(stderr.contains("is a symbolic link"), "{stderr}");
            assert!(stderr.contains("--follow-symlinks"), "{stderr}");
            assert_eq!(fs::read_to_string(&real).unwrap(), "old\n");
        }
        let (code, _, stderr) = run_json(&[
            "dedupe",
            input.to_str().unwrap(),
            "-o",
            link.to_str().unwrap(),
            "--follow-symlinks",
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // The 44 lines less two exact copies and one near copy.
        assert_eq!(fs::read_to_string(&real).unwrap().lines().count(), 41);
    }
}

#[test]
fn leftovers_of_a_killed_run_are_removed_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(dir.path());
    let leftover = dir.path().join(".data.train.jsonl.finetune-tmp-Xy12Ab");
    let unrelated = dir.path().join(".data.train.jsonl.notes");
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
    for path in [&leftover, &unrelated] {
        fs::write(path, "half a file").unwrap();
        fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(past)
            .unwrap();
    }
    let (code, _, stderr) = run_json(&["split", input.to_str().unwrap(), "--validation", "12"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!leftover.exists());
    assert!(unrelated.exists());
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn a_run_stopped_between_its_renames_leaves_no_mixed_pair() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture(dir.path());
    old_pair(dir.path());
    let output = finetune()
        .args(["split", input.to_str().unwrap(), "--validation", "12"])
        .env(
            "FINETUNE_TEST_STOP_BEFORE_RENAMING",
            "data.validation.jsonl",
        )
        .output()
        .unwrap();
    assert!(!output.status.success());
    let train = fs::read_to_string(dir.path().join("data.train.jsonl")).unwrap();
    assert_eq!(train.lines().count(), 32, "the new training file");
    assert!(
        !dir.path().join("data.validation.jsonl").exists(),
        "the old validation file is not left beside the new training file"
    );
    let (code, _, stderr) = run_json(&["split", input.to_str().unwrap(), "--validation", "12"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn a_killed_prepare_leaves_the_old_pair_or_the_new_one_never_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..3000).map(|i| example(i).to_string()).collect();
    let input = dir.path().join("data.jsonl");
    fs::write(&input, lines.join("\n") + "\n").unwrap();
    let run = |seed: &str| {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("finetune"));
        command
            .args(["prepare", input.to_str().unwrap(), "--seed", seed])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        command
    };
    let pair = || {
        let read = |name: &str| fs::read_to_string(dir.path().join(name)).ok();
        (read("data.train.jsonl"), read("data.validation.jsonl"))
    };
    let started = std::time::Instant::now();
    assert!(run("1").status().unwrap().success());
    let full_run = started.elapsed();
    let old = pair();
    assert!(run("2").status().unwrap().success());
    let new = pair();
    assert_ne!(old, new);
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..12 {
        for (name, contents) in [
            ("data.train.jsonl", &old.0),
            ("data.validation.jsonl", &old.1),
        ] {
            fs::write(dir.path().join(name), contents.as_ref().unwrap()).unwrap();
        }
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let delay = full_run.mul_f64((state % 1000) as f64 / 1000.0 * 1.2);
        let mut child = run("2").spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        child.wait().unwrap();
        let seen = pair();
        let (old_train, new_train) = (old.0.clone(), new.0.clone());
        assert!(
            seen == old || seen == new || seen == (old_train, None) || seen == (new_train, None),
            "round {round} after {delay:?}: a mixed pair"
        );
    }
    assert!(run("2").status().unwrap().success());
    assert_eq!(pair(), new);
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn valid_json_that_strict_parsers_refuse_is_kept_by_prepare_dedupe_and_split() {
    // Lines `check` passes with a warning (a number beyond a double, nesting past 127 levels)
    // are examples like the others: never dropped, never called invalid JSON.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("data.jsonl");
    let mut lines: Vec<String> = (0..30).map(crate::example).collect();
    lines[3] = lines[3].replacen('{', r#"{"n": 1e400, "#, 1);
    lines[5] = lines[5].replacen(
        '{',
        &format!(r#"{{"d": {}{}, "#, "[".repeat(300), "]".repeat(300)),
        1,
    );
    fs::write(&input, lines.join("\n") + "\n").unwrap();
    let path = input.to_str().unwrap();
    finetune()
        .args(["check", path, "--ignore", "FT112"])
        .assert()
        .code(0);
    let (code, report, stderr) = run_json(&["prepare", path, "--validation", "10"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["lines_in"], 30);
    let train = report["train"]["lines"].as_array().unwrap().len();
    let validation = report["validation"]["lines"].as_array().unwrap().len();
    assert_eq!(train + validation, 30, "{report}");
    let written = fs::read_to_string(dir.path().join("data.train.jsonl")).unwrap()
        + &fs::read_to_string(dir.path().join("data.validation.jsonl")).unwrap();
    assert!(written.contains("1e400") && written.contains(&"[".repeat(300)));
    let deduped = dir.path().join("deduped.jsonl");
    finetune()
        .args(["dedupe", path, "-o"])
        .arg(&deduped)
        .assert()
        .code(0);
    assert_eq!(fs::read_to_string(&deduped).unwrap().lines().count(), 30);
}

/// `prepare --provider` checks by the dataset rules of the provider that will train: a weight
/// on a user message is an error for OpenAI and fine for Together AI.
#[test]
fn prepare_checks_by_the_rules_of_the_provider_that_will_train() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("data.jsonl");
    let lines: Vec<String> = (0..30)
        .map(|i| {
            let mut line = example(i);
            line["messages"][0]["weight"] = json!(0);
            line.to_string()
        })
        .collect();
    fs::write(&input, lines.join("\n") + "\n").unwrap();
    let prepare = |provider: &str| {
        finetune()
            .args(["prepare", input.to_str().unwrap(), "--validation", "10"])
            .args(["--provider", provider])
            .output()
            .unwrap()
    };
    let openai = prepare("openai");
    assert_eq!(openai.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&openai.stdout).contains("FT111"));
    assert!(!dir.path().join("data.train.jsonl").exists());
    let together = prepare("together");
    let stderr = String::from_utf8_lossy(&together.stderr);
    assert_eq!(together.status.code(), Some(0), "{stderr}");
    let train = fs::read_to_string(dir.path().join("data.train.jsonl")).unwrap();
    let validation = fs::read_to_string(dir.path().join("data.validation.jsonl")).unwrap();
    assert_eq!(train.lines().count() + validation.lines().count(), 30);
}

/// Plain-text and prompt/completion lines (Together AI's formats) are compared on their text:
/// distinct ones are all kept, a copy one word apart is found, and `prepare --provider
/// together` splits a file of a few of them (Together trains on one example).
#[test]
fn plain_format_files_are_deduplicated_on_their_text_and_split_for_together() {
    let dir = tempfile::tempdir().unwrap();
    let sentence = |i: usize| {
        format!("Example {i} talks about the hardware store and its aisle number {i} for nails")
    };
    for (name, line) in [
        (
            "text",
            &(|i: usize| json!({ "text": sentence(i) })) as &dyn Fn(usize) -> Value,
        ),
        (
            "pc",
            &|i: usize| json!({ "prompt": format!("Question {i}?"), "completion": sentence(i) }),
        ),
    ] {
        let input = dir.path().join(format!("{name}.jsonl"));
        let mut lines: Vec<String> = (0..15).map(|i| line(i).to_string()).collect();
        let mut near = line(3);
        let key = if name == "text" { "text" } else { "completion" };
        near[key] = json!(sentence(3).replace("nails", "screws"));
        lines.push(near.to_string());
        fs::write(&input, lines.join("\n") + "\n").unwrap();
        let output = dir.path().join(format!("{name}.dedupe.jsonl"));
        let (code, report, stderr) = run_json(&[
            "dedupe",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let kept = fs::read_to_string(&output).unwrap();
        assert_eq!(kept.lines().count(), 15, "{name}: {report}");
        let (code, _, stderr) = run_json(&[
            "prepare",
            input.to_str().unwrap(),
            "--provider",
            "together",
            "--validation",
            "3",
            "--output-dir",
            dir.path().to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let validation =
            fs::read_to_string(dir.path().join(format!("{name}.validation.jsonl"))).unwrap();
        assert_eq!(validation.lines().count(), 3, "{name}");
    }
    // OpenAI's minimum of 10 a side still holds without --provider.
    let (code, _, stderr) = run_json(&[
        "split",
        dir.path().join("text.jsonl").to_str().unwrap(),
        "--validation",
        "3",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("minimum of 10"), "{stderr}");
}

/// `split --provider` holds each side to that provider's minimum: 3 validation examples of 12
/// are refused for OpenAI (10 a side) and taken for Together AI (1).
#[test]
fn split_holds_each_side_to_the_provider_s_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("data.jsonl");
    let lines: Vec<String> = (0..12).map(|i| example(i).to_string()).collect();
    fs::write(&input, lines.join("\n") + "\n").unwrap();
    let split = |provider: &str| {
        finetune()
            .args(["split", input.to_str().unwrap(), "--validation", "3"])
            .args(["--provider", provider])
            .output()
            .unwrap()
    };
    let openai = split("openai");
    assert_eq!(openai.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&openai.stderr).contains("minimum of 10"));
    let together = split("together");
    assert_eq!(
        together.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&together.stderr)
    );
    let validation = fs::read_to_string(dir.path().join("data.validation.jsonl")).unwrap();
    assert_eq!(validation.lines().count(), 3);
}
