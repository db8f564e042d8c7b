//! `convert`: every shape to chat that passes `check`, and every row accounted for.

use std::fs;

use serde_json::Value;

use crate::finetune;

fn convert(input: &str, extension: &str, from: &str, extra: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join(format!("in.{extension}"));
    fs::write(&source, input).unwrap();
    let out = dir.path().join("out.jsonl");
    let output = finetune()
        .arg("convert")
        .arg(&source)
        .arg("-o")
        .arg(&out)
        .args(["--from", from, "--output-format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap();
    let written = fs::read_to_string(&out).unwrap_or_default();
    assert_eq!(
        fs::read_to_string(&source).unwrap(),
        input,
        "the input is never modified"
    );
    if !written.is_empty() {
        let check = finetune()
            .arg("check")
            .arg(&out)
            .args(["--ignore", "FT401"])
            .output()
            .unwrap();
        assert_eq!(
            check.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
    (output.status.code().unwrap(), report, written)
}

fn unconverted(report: &Value) -> Vec<(u64, String)> {
    report["unconverted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["row"].as_u64().unwrap(),
                u["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn prompt_completion_with_a_system_message() {
    let input = "{\"prompt\": \"Capital of France?\", \"completion\": \" Paris.\"}\n\n{\"prompt\": \"Hi\"}\n";
    let (code, report, written) = convert(
        input,
        "jsonl",
        "prompt-completion",
        &["--system", "Be brief."],
    );
    assert_eq!(code, 1, "a row was not converted");
    assert_eq!(report["rows"], 2);
    assert_eq!(report["converted"], 1);
    assert_eq!(unconverted(&report), [(3, "no \"completion\"".to_owned())]);
    let line: Value = serde_json::from_str(written.lines().next().unwrap()).unwrap();
    assert_eq!(line["messages"][0]["content"], "Be brief.");
    assert_eq!(line["messages"][1]["content"], "Capital of France?");
    assert_eq!(line["messages"][2]["content"], "Paris.");
}

#[test]
fn sharegpt_conversations() {
    let input = concat!(
        r#"{"conversations": [{"from": "system", "value": "Be kind."}, {"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}, {"from": "human", "value": "Bye"}, {"from": "gpt", "value": "Bye!"}]}"#,
        "\n",
        r#"{"conversations": [{"from": "observation", "value": "42"}]}"#,
        "\n",
        "not json\n"
    );
    let (code, report, written) = convert(input, "jsonl", "sharegpt", &[]);
    assert_eq!(code, 1);
    let rows: Vec<u64> = unconverted(&report)
        .into_iter()
        .map(|(row, _)| row)
        .collect();
    assert_eq!(rows, [2, 3]);
    let line: Value = serde_json::from_str(written.trim()).unwrap();
    let roles: Vec<&str> = line["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user", "assistant"]);
}

#[test]
fn alpaca_instructions_with_and_without_input() {
    let input = concat!(
        r#"{"instruction": "Translate to French", "input": "cat", "output": "chat"}"#,
        "\n",
        r#"{"instruction": "Name a primary colour", "input": "", "output": "Red"}"#,
        "\n"
    );
    let (code, report, written) = convert(input, "jsonl", "alpaca", &[]);
    assert_eq!(code, 0);
    assert_eq!(report["converted"], 2);
    let first: Value = serde_json::from_str(written.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["messages"][0]["content"],
        "Translate to French\n\ncat"
    );
    let second: Value = serde_json::from_str(written.lines().nth(1).unwrap()).unwrap();
    assert_eq!(second["messages"][0]["content"], "Name a primary colour");
}

#[test]
fn csv_with_quoted_multiline_cells() {
    let input = "question,answer,system\n\"What is 2+2?\",4,Be exact.\n\"A \"\"quoted\"\"\nquestion\",\"An answer, with a comma\",\nempty answer,,\n";
    let (code, report, written) = convert(input, "csv", "csv", &[]);
    assert_eq!(code, 1);
    assert_eq!(report["rows"], 3);
    assert_eq!(
        unconverted(&report),
        [(4, "the answer is empty".to_owned())]
    );
    let lines: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["messages"][0]["content"], "Be exact.");
    assert_eq!(lines[1]["messages"][0]["content"], "A \"quoted\"\nquestion");
    assert_eq!(
        lines[1]["messages"][1]["content"],
        "An answer, with a comma"
    );
}

#[test]
fn csv_without_the_needed_columns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("in.csv");
    fs::write(&source, "a,b\n1,2\n").unwrap();
    let out = dir.path().join("out.jsonl");
    let output = finetune()
        .arg("convert")
        .arg(&source)
        .arg("-o")
        .arg(&out)
        .args(["--from", "csv"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("needs a prompt column")
    );
    assert!(!out.exists());
}

#[test]
fn check_fix_repairs_the_mechanical_problems_and_checks_the_copy() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("legacy.jsonl");
    let line = r#"{"messages ": [{"role": "user", "content": "Weather N?"}, {"role": "assistant", "function_call": {"name": "w", "arguments": "{}"}}, {"role": "function", "name": "w", "content": "12 C"}, {"role": "assistant", "content": "12 C."}], "functions": [{"name": "w"}]}"#;
    let mut text = String::from("\u{feff}");
    for i in 0..11 {
        text.push_str(&line.replace('N', &i.to_string()));
        text.push_str("\r\n\r\n");
    }
    fs::write(&input, &text).unwrap();
    let before = finetune().arg("check").arg(&input).output().unwrap();
    assert_eq!(before.status.code(), Some(1));
    let out = dir.path().join("fixed.jsonl");
    let output = finetune()
        .arg("check")
        .arg(&input)
        .arg("--fix")
        .arg("-o")
        .arg(&out)
        .args(["--output-format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report: Value =
        serde_json::from_slice(&output.stdout).expect("stdout stays one JSON document");
    assert_eq!(report["files"][0]["examples"], 11);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("legacy.jsonl:1: fixed: removed the byte order mark"),
        "{stderr}"
    );
    assert!(stderr.contains("fixes made, written to"), "{stderr}");
    assert_eq!(
        fs::read_to_string(&input).unwrap(),
        text,
        "the input is never modified"
    );
    let fixed = fs::read_to_string(&out).unwrap();
    assert!(
        !fixed.contains('\r') && !fixed.contains("functions") && fixed.contains("tool_call_id")
    );
    // --fix needs one file and an output.
    finetune()
        .arg("check")
        .arg(&input)
        .arg("--fix")
        .assert()
        .code(2);
}
