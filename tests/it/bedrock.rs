//! Amazon Bedrock (Nova): its datasets checked natively with `--provider bedrock`, OpenAI's
//! files pointed to `convert --to bedrock`, Bedrock's pointed to `convert --from bedrock`
//! elsewhere, and the API commands refused before anything is read or sent.

use std::fs;

use serde_json::Value;

use crate::{assert_checks_clean, convert_file, finetune, json_check, output_text, unconverted};

fn codes(report: &Value) -> Vec<String> {
    report["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_bundled_bedrock_dataset_passes_under_bedrock() {
    let assert = finetune()
        .args(["check", "datasets/bedrock.jsonl", "--provider", "bedrock"])
        .assert()
        .code(0);
    let text = output_text(&assert.get_output().stdout);
    assert!(
        text.starts_with(
            "datasets/bedrock.jsonl: 6 supervised bedrock examples, 6 valid, 0 errors, 0 warnings\n"
        ),
        "{text}"
    );
    let (code, report) = json_check(&["datasets/bedrock.jsonl", "--provider", "bedrock"]);
    assert_eq!(code, 0);
    let file = &report["files"][0];
    assert_eq!(file["format"], "bedrock");
    assert_eq!(file["estimate"]["model"], "amazon.nova-micro-v1:0:128k");
    // Bedrock's published default `epochCount` is 2.
    assert_eq!(file["estimate"]["epochs"], 2);
    let (total, trained) = (
        file["tokens"]["total"].as_u64().unwrap(),
        file["tokens"]["assistant"].as_u64().unwrap(),
    );
    assert!(trained > 0 && trained < total, "{trained} of {total}");
}

#[test]
fn an_openai_file_under_bedrock_names_the_conversion() {
    let (code, report) = json_check(&["datasets/sarcastic.jsonl", "--provider", "bedrock"]);
    assert_eq!(code, 1);
    let first = &report["files"][0]["diagnostics"][0];
    assert_eq!(first["code"], "FT175");
    assert_eq!(first["pointer"], "/messages");
    assert!(
        first["help"]
            .as_str()
            .unwrap()
            .contains("finetune convert FILE -o OUT --to bedrock"),
        "{first}"
    );
}

#[test]
fn a_bedrock_file_elsewhere_names_the_conversion() {
    for provider in ["openai", "together"] {
        let (code, report) = json_check(&["datasets/bedrock.jsonl", "--provider", provider]);
        assert_eq!(code, 1, "{provider}");
        let first = &report["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "FT176")
            .cloned()
            .unwrap_or_else(|| panic!("{provider}: {report}"));
        assert_eq!(first["line"], 1);
        assert_eq!(first["pointer"], "/schemaVersion");
        assert!(
            first["help"]
                .as_str()
                .unwrap()
                .contains("finetune convert FILE -o OUT --from bedrock"),
            "{first}"
        );
        // The line is checked as the Bedrock line it is: OpenAI's rules do not misread its
        // keys and content blocks as unknown keys and untyped parts (the file's own findings,
        // such as too few examples, are not the lines').
        let codes: Vec<&str> = report["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["line"].is_number())
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert!(
            codes.iter().all(|code| *code == "FT176"),
            "{provider}: {codes:?}"
        );
    }
}

#[test]
fn api_commands_refuse_bedrock_at_once() {
    let commands: [&[&str]; 4] = [
        &["list-jobs"],
        &["upload-dataset", "datasets/bedrock.jsonl"],
        &["train-model", "datasets/bedrock.jsonl"],
        &[
            "wait",
            "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/x",
        ],
    ];
    for args in commands {
        let output = finetune()
            .args(args)
            .args(["--provider", "bedrock"])
            // Nothing may be sent: an address that cannot answer.
            .args(["--base-url", "http://127.0.0.1:9"])
            .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLESECRET")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = output_text(&output.stderr);
        assert!(
            stderr.contains("finetune does not drive Amazon Bedrock's tuning API yet"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("AKIDEXAMPLESECRET"), "{stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn the_nova_models_are_listed_offline() {
    let assert = finetune()
        .args(["models", "--provider", "bedrock"])
        .assert()
        .code(0);
    let text = output_text(&assert.get_output().stdout);
    for model in [
        "amazon.nova-micro-v1:0:128k",
        "amazon.nova-lite-v1:0:300k",
        "amazon.nova-pro-v1:0:300k",
    ] {
        assert!(text.contains(model), "{text}");
    }
    // The short name Bedrock's runtime uses resolves to the model it fine-tunes.
    let (code, report) = json_check(&[
        "datasets/bedrock.jsonl",
        "--provider",
        "bedrock",
        "--model",
        "amazon.nova-lite-v1:0",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        report["files"][0]["estimate"]["model"],
        "amazon.nova-lite-v1:0:300k"
    );
}

#[test]
fn copies_and_same_prompts_are_found_in_bedrock_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let data = fs::read_to_string(crate::project_file("datasets/bedrock.jsonl")).unwrap();
    let first = data.lines().next().unwrap();
    let value: serde_json::Map<String, Value> = serde_json::from_str(first).unwrap();
    let reordered: serde_json::Map<String, Value> = value.into_iter().rev().collect();
    fs::write(&input, format!("{data}{}\n", Value::Object(reordered))).unwrap();
    let (code, report) = json_check(&[input.to_str().unwrap(), "--provider", "bedrock"]);
    assert_eq!(code, 0, "a duplicate is a warning: {report}");
    assert_eq!(codes(&report), ["FT402"]);
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

#[test]
fn mixed_images_and_videos_in_a_file_are_an_error() {
    let image = r#"{"schemaVersion": "x", "messages": [{"role": "user", "content": [{"text": "What is this?"}, {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/a.png"}}}}]}, {"role": "assistant", "content": [{"text": "A cat"}]}]}"#;
    let video = r#"{"schemaVersion": "x", "messages": [{"role": "user", "content": [{"text": "What happens?"}, {"video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://b/a.mp4"}}}}]}, {"role": "assistant", "content": [{"text": "A cat jumps"}]}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    fs::write(&input, format!("{image}\n{video}\n")).unwrap();
    let (code, report) = json_check(&[input.to_str().unwrap(), "--provider", "bedrock"]);
    assert_eq!(code, 1, "{report}");
    let found = report["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "FT407")
        .cloned()
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(found["line"], 2);
    assert_eq!(found["pointer"], "/messages/0/content/1/video");
    let same = dir.path().join("same.jsonl");
    fs::write(
        &same,
        format!("{image}\n{}\n", image.replace("A cat", "A dog")),
    )
    .unwrap();
    let (code, report) = json_check(&[same.to_str().unwrap(), "--provider", "bedrock"]);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn convert_to_bedrock_reports_what_nova_does_not_take_and_passes_its_check() {
    let (code, report, written) = convert_file("datasets/sarcastic.jsonl", &["--to", "bedrock"]);
    // Weight-0 replies and tool use have no equivalent: their lines are left out, each named.
    assert_eq!(code, 1, "{report}");
    let left_out = unconverted(&report);
    assert_eq!(
        left_out,
        [
            (28, "/messages/2/weight"),
            (29, "/messages/2/weight"),
            (31, "/tools"),
            (32, "/tools")
        ]
    );
    assert_eq!(report["converted"], 31);
    assert!(
        written
            .lines()
            .all(|line| line.contains(r#""schemaVersion":"bedrock-conversation-2024""#))
    );
    assert_checks_clean(&written, &["--provider", "bedrock"]);
}

#[test]
fn convert_from_bedrock_passes_openai_s_check_and_refuses_media() {
    let (code, report, written) = convert_file("datasets/bedrock.jsonl", &["--from", "bedrock"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(written.lines().count(), 6);
    assert!(written.starts_with(r#"{"messages":[{"content":"You are a support assistant"#));
    assert_checks_clean(&written, &[]);
    let (code, report, _) = convert_file("datasets/broken-bedrock.jsonl", &["--from", "bedrock"]);
    assert_eq!(code, 1);
    let rows = report["unconverted"].as_array().unwrap();
    let video = rows.iter().find(|row| row["row"] == 11).unwrap();
    assert_eq!(video["pointer"], "/messages/0/content/0/video");
}

#[test]
fn convert_to_bedrock_leaves_out_an_https_image_and_keeps_an_s3_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let line = |url: &str| {
        format!(
            r#"{{"messages": [{{"role": "user", "content": [{{"type": "text", "text": "What is this?"}}, {{"type": "image_url", "image_url": {{"url": "{url}"}}}}]}}, {{"role": "assistant", "content": "A cat."}}]}}"#
        )
    };
    fs::write(
        &input,
        format!(
            "{}\n{}\n",
            line("s3://photos/cat.png"),
            line("https://example.com/cat.png")
        ),
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    let output = finetune()
        .arg("convert")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--to", "bedrock"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = output_text(&output.stdout);
    assert!(
        text.contains(":2: not converted: the image is left out: not an s3:// URL")
            && text.contains("(at /messages/0/content/1/image_url/url)"),
        "{text}"
    );
    let written = fs::read_to_string(&out).unwrap();
    assert!(
        written.contains(
            r#"{"image":{"format":"png","source":{"s3Location":{"uri":"s3://photos/cat.png"}}}}"#
        ),
        "{written}"
    );
    assert_eq!(written.lines().count(), 1);
}

#[test]
fn preference_and_reinforcement_under_bedrock_are_usage_errors() {
    for method in ["dpo", "reinforcement"] {
        let output = finetune()
            .args(["check", "datasets/bedrock.jsonl", "--provider", "bedrock"])
            .args(["--method", method])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{method}");
        assert!(output.stdout.is_empty());
        let text = output_text(&output.stderr);
        assert!(
            text.contains(&format!(
                "--method {method}: Amazon Bedrock has no {method} tuning; use --method supervised or auto"
            )),
            "{text}"
        );
    }
}
