//! Vertex AI: its datasets checked natively with `--provider vertex`, OpenAI's files pointed to
//! `convert --to vertex`, Vertex AI's pointed to `convert --from vertex` elsewhere, and the API
//! commands refused before anything is read or sent.

use std::fs;

use serde_json::Value;

use crate::finetune;

fn output_text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn json_check(args: &[&str]) -> (i32, Value) {
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

#[test]
fn the_bundled_vertex_dataset_passes_under_vertex() {
    let assert = finetune()
        .args(["check", "datasets/vertex.jsonl", "--provider", "vertex"])
        .assert()
        .code(0);
    let text = output_text(&assert.get_output().stdout);
    assert!(
        text.starts_with(
            "datasets/vertex.jsonl: 6 supervised vertex examples, 6 valid, 0 errors, 0 warnings\n"
        ),
        "{text}"
    );
    assert!(text.contains("tokens (o200k_base, approximate)"), "{text}");
    let (code, report) = json_check(&["datasets/vertex.jsonl", "--provider", "vertex"]);
    assert_eq!(code, 0);
    let file = &report["files"][0];
    assert_eq!(file["method"], "supervised");
    assert_eq!(file["format"], "vertex");
    assert_eq!(file["estimate"]["model"], "gemini-2.5-flash");
    // Only the model turns are trained on.
    let (total, trained) = (
        file["tokens"]["total"].as_u64().unwrap(),
        file["tokens"]["assistant"].as_u64().unwrap(),
    );
    assert!(trained > 0 && trained < total / 2, "{trained} of {total}");
}

#[test]
fn an_openai_file_under_vertex_names_the_conversion() {
    let (code, report) = json_check(&["datasets/sarcastic.jsonl", "--provider", "vertex"]);
    assert_eq!(code, 1);
    let first = &report["files"][0]["diagnostics"][0];
    assert_eq!(first["code"], "FT156");
    assert_eq!(first["pointer"], "/messages");
    assert!(
        first["help"]
            .as_str()
            .unwrap()
            .contains("finetune convert FILE -o OUT --to vertex"),
        "{first}"
    );
}

#[test]
fn a_vertex_file_elsewhere_names_the_conversion() {
    for provider in ["openai", "together", "fireworks"] {
        let (code, report) = json_check(&["datasets/vertex.jsonl", "--provider", provider]);
        assert_eq!(code, 1, "{provider}");
        let first = &report["files"][0]["diagnostics"][0];
        assert_eq!(first["code"], "FT101", "{provider}");
        assert!(
            first["help"]
                .as_str()
                .unwrap()
                .contains("finetune convert FILE -o OUT --from vertex"),
            "{provider}: {first}"
        );
    }
}

#[test]
fn a_vertex_preference_file_is_checked_as_preference() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preference.jsonl");
    let line = r#"{"contents": [{"role": "user", "parts": [{"text": "Best lock?"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "A D-lock, plus a cable for the wheels."}]}}, {"score": 0, "completion": {"role": "model", "parts": [{"text": "Any lock."}]}}]}"#;
    fs::write(&path, format!("{line}\n")).unwrap();
    let (code, report) = json_check(&[path.to_str().unwrap(), "--provider", "vertex"]);
    assert_eq!(code, 0, "{report}");
    let file = &report["files"][0];
    assert_eq!(file["method"], "dpo");
    assert_eq!(file["format"], "vertex-preference");
}

#[test]
fn api_commands_refuse_vertex_at_once() {
    let commands: [&[&str]; 6] = [
        &["list-jobs"],
        &["list-files"],
        &["upload-dataset", "datasets/vertex.jsonl"],
        &["train-model", "datasets/vertex.jsonl"],
        &[
            "retrieve-job",
            "projects/p/locations/us-central1/tuningJobs/1",
        ],
        &["wait", "projects/p/locations/us-central1/tuningJobs/1"],
    ];
    for args in commands {
        let output = finetune()
            .args(args)
            .args(["--provider", "vertex"])
            // Nothing may be sent: an address that cannot answer.
            .args(["--base-url", "http://127.0.0.1:9"])
            .env("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = output_text(&output.stderr);
        assert!(
            stderr.contains("finetune does not drive Vertex AI's tuning API yet")
                && stderr.contains("`check`, `prepare`, `dedupe`, `split` and `convert`"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn the_models_of_vertex_are_listed_offline() {
    let assert = finetune()
        .args(["models", "--provider", "vertex"])
        .assert()
        .code(0);
    let text = output_text(&assert.get_output().stdout);
    assert!(text.contains("gemini-2.5-flash "), "{text}");
    assert!(text.contains("gemini-2.5-flash-lite"), "{text}");
    assert!(text.contains("131072"), "{text}");
}

#[test]
fn dedupe_and_split_work_on_vertex_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let data = fs::read_to_string(crate::project_file("datasets/vertex.jsonl")).unwrap();
    let first = data.lines().next().unwrap();
    // The first example again, keys reordered: the same example.
    let value: serde_json::Map<String, Value> = serde_json::from_str(first).unwrap();
    let reordered: serde_json::Map<String, Value> = value.into_iter().rev().collect();
    fs::write(&input, format!("{data}{}\n", Value::Object(reordered))).unwrap();
    let (code, report) = json_check(&[input.to_str().unwrap(), "--provider", "vertex"]);
    assert_eq!(code, 0, "a duplicate is a warning: {report}");
    let codes: Vec<&str> = report["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["FT402"]);
    let out = dir.path().join("deduped.jsonl");
    finetune()
        .arg("dedupe")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert_eq!(fs::read_to_string(&out).unwrap(), data);
}
