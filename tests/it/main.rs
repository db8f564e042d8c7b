//! The integration tests: the `finetune` binary and the library's public API.

mod api;
mod bedrock;
mod check;
mod convert;
mod export;
mod fuzz;
mod independent;
mod migrate;
mod prepare;
mod rule;
mod schema;
mod standin;
mod tokens;
mod vertex;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use assert_cmd::Command;

/// Starts the stand-in through `command` (the binary, or a shell that runs it with its
/// arguments) and returns the process with the base URL it prints first.
pub fn start_standin(mut command: std::process::Command) -> (Child, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the stand-in starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (child, url)
}

/// The project's root, where `datasets/` and `schemas/` live.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the project's root.
pub fn project_file(relative: &str) -> PathBuf {
    root().join(relative)
}

/// The binary, run from the project's root with a clean environment and no colour.
pub fn finetune() -> Command {
    let mut command = Command::cargo_bin("finetune").expect("the binary is built");
    command
        .env_clear()
        .env("NO_COLOR", "1")
        .current_dir(root())
        .arg("--color")
        .arg("never");
    command
}

/// Bytes the binary wrote, as text.
pub fn output_text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Runs `check` with `args` and a JSON report: the exit code and the report.
pub fn json_check(args: &[&str]) -> (i32, serde_json::Value) {
    let output = finetune()
        .arg("check")
        .args(args)
        .args(["--output-format", "json"])
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        serde_json::from_slice(&output.stdout).expect("one JSON document"),
    )
}

/// Converts `input` with `direction` (`--to vertex`, `--from bedrock`, …) into a temporary
/// folder: the exit code, the JSON report, and the lines written; the input is never modified.
pub fn convert_file(input: &str, direction: &[&str]) -> (i32, serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let before = std::fs::read(project_file(input)).unwrap();
    let output = finetune()
        .arg("convert")
        .arg(input)
        .arg("-o")
        .arg(&out)
        .args(direction)
        .args(["--output-format", "json"])
        .output()
        .unwrap();
    assert_eq!(std::fs::read(project_file(input)).unwrap(), before);
    let written = std::fs::read_to_string(&out).unwrap();
    (
        output.status.code().unwrap(),
        serde_json::from_slice(&output.stdout).unwrap(),
        written,
    )
}

/// Checks `lines` with `args`, asserting no errors.
pub fn assert_checks_clean(lines: &str, args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("converted.jsonl");
    std::fs::write(&path, lines).unwrap();
    let output = finetune()
        .arg("check")
        .arg(&path)
        .args(args)
        .args(["--ignore", "FT401", "--output-format", "concise"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        output_text(&output.stdout)
    );
}

/// The rows a `convert` JSON report left out, each with the pointer of the value that stops
/// it (empty for a whole row).
pub fn unconverted(report: &serde_json::Value) -> Vec<(u64, &str)> {
    report["unconverted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["row"].as_u64().unwrap(),
                row["pointer"].as_str().unwrap_or_default(),
            )
        })
        .collect()
}

/// A valid example whose assistant reply carries `tag`, so examples differ.
pub fn example(tag: usize) -> String {
    format!(
        r#"{{"messages": [{{"role": "system", "content": "Be brief."}}, {{"role": "user", "content": "Question {tag}?"}}, {{"role": "assistant", "content": "Answer {tag}."}}]}}"#
    )
}

/// `n` distinct valid examples, one per line, with a final newline.
pub fn valid_file(n: usize) -> String {
    (0..n).map(|i| example(i) + "\n").collect()
}
