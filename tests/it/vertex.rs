//! Vertex AI: its datasets checked natively with `--provider vertex`, OpenAI's files pointed to
//! `convert --to vertex`, Vertex AI's pointed to `convert --from vertex` elsewhere, and the API
//! commands refused before anything is read or sent.

use std::fs;

use serde_json::Value;

use crate::{
    assert_checks_clean, convert_file as convert, finetune, json_check, output_text, unconverted,
};

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
    // Vertex AI picks the epochs by a rule it does not publish: one pass is counted, and said.
    assert_eq!(file["estimate"]["epochs_source"], "unpublished");
    assert_eq!(file["estimate"]["epochs"], 1);
    assert!(
        text.contains("Vertex AI picks the number of epochs by a rule it does not publish"),
        "{text}"
    );
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
fn the_bundled_vertex_preference_dataset_passes_under_vertex() {
    let (code, report) = json_check(&["datasets/vertex-preference.jsonl", "--provider", "vertex"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["files"][0]["format"], "vertex-preference");
    assert_eq!(report["files"][0]["examples"], 12);
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
                && stderr.contains("`check`, `prepare` and `split` apply its dataset rules with --provider vertex, `dedupe` and `convert` read its lines as they are"),
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
    // `dedupe` needs no --provider: the format comes from each line.
    let out = dir.path().join("deduped.jsonl");
    let assert = finetune()
        .arg("dedupe")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let copy = data.lines().count() + 1;
    let text = output_text(&assert.get_output().stdout);
    assert!(
        text.contains(&format!("line {copy} duplicates line 1")),
        "{text}"
    );
    assert_eq!(fs::read_to_string(&out).unwrap(), data);
}

#[test]
fn convert_to_vertex_and_back_passes_each_check() {
    for (input, rows, left_out) in [
        ("datasets/sarcastic.jsonl", 35, &[28_u64, 29][..]),
        ("datasets/preference.jsonl", 12, &[][..]),
    ] {
        let (code, report, vertex) = convert(input, &["--to", "vertex"]);
        assert_eq!(code, i32::from(!left_out.is_empty()), "{input}");
        assert_eq!(report["rows"], rows, "{input}");
        let unconverted: Vec<u64> = report["unconverted"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row["row"].as_u64().unwrap())
            .collect();
        assert_eq!(unconverted, left_out, "{input}");
        assert_eq!(
            report["converted"].as_u64().unwrap(),
            rows - left_out.len() as u64
        );
        assert_eq!(
            vertex.lines().count() as u64,
            report["converted"].as_u64().unwrap()
        );
        assert_checks_clean(&vertex, &["--provider", "vertex"]);

        let dir = tempfile::tempdir().unwrap();
        let staged = dir.path().join("vertex.jsonl");
        fs::write(&staged, &vertex).unwrap();
        let out = dir.path().join("back.jsonl");
        finetune()
            .arg("convert")
            .arg(&staged)
            .arg("-o")
            .arg(&out)
            .args(["--from", "vertex"])
            .assert()
            .code(0);
        assert_checks_clean(&fs::read_to_string(&out).unwrap(), &[]);
    }
}

#[test]
fn weight_zero_is_reported_with_its_line_and_pointer() {
    let (_, report, _) = convert("datasets/sarcastic.jsonl", &["--to", "vertex"]);
    let first = &report["unconverted"][0];
    assert_eq!(first["row"], 28);
    assert_eq!(first["pointer"], "/messages/2/weight");
    assert!(
        first["reason"].as_str().unwrap().contains("weight 0"),
        "{first}"
    );
    let output = finetune()
        .args(["convert", "datasets/sarcastic.jsonl", "-o"])
        .arg(tempfile::tempdir().unwrap().path().join("out.jsonl"))
        .args(["--to", "vertex"])
        .output()
        .unwrap();
    let text = output_text(&output.stdout);
    assert!(
        text.contains("datasets/sarcastic.jsonl:28: not converted: an assistant message of weight 0: Vertex AI trains on every model turn (at /messages/2/weight)"),
        "{text}"
    );
    assert!(
        text.contains("35 rows, 33 converted, 2 not converted"),
        "{text}"
    );
}

#[test]
fn tool_calls_become_function_calls_and_responses() {
    let (_, _, vertex) = convert("datasets/sarcastic.jsonl", &["--to", "vertex"]);
    let calling: Vec<Value> = vertex
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|line| line.get("tools").is_some())
        .collect();
    assert!(!calling.is_empty());
    for line in &calling {
        let contents = line["contents"].as_array().unwrap();
        let call = contents
            .iter()
            .position(|turn| turn["parts"][0].get("functionCall").is_some())
            .expect("a model turn calls the function");
        assert_eq!(contents[call]["role"], "model");
        assert!(contents[call]["parts"][0]["functionCall"]["args"].is_object());
        let response = &contents[call + 1];
        assert_eq!(response["role"], "user");
        assert_eq!(
            response["parts"][0]["functionResponse"]["name"],
            contents[call]["parts"][0]["functionCall"]["name"]
        );
        assert!(line["tools"][0]["functionDeclarations"].is_array());
    }
}

#[test]
fn the_bundled_vertex_dataset_converts_to_openai_but_its_cloud_storage_image() {
    let (code, report, openai) = convert("datasets/vertex.jsonl", &["--from", "vertex"]);
    assert_eq!(code, 1);
    assert_eq!(report["converted"], 5);
    assert_eq!(report["unconverted"][0]["row"], 4);
    assert_eq!(
        report["unconverted"][0]["pointer"],
        "/contents/0/parts/1/fileData/fileUri"
    );
    assert_checks_clean(&openai, &[]);
    // The call and its response keep their pairing through generated ids.
    let booking: Value = serde_json::from_str(openai.lines().nth(3).unwrap()).unwrap();
    let call_id = &booking["messages"][2]["tool_calls"][0]["id"];
    assert_eq!(booking["messages"][3]["tool_call_id"], *call_id);
    assert_eq!(
        booking["tools"][0]["function"]["parameters"]["type"],
        "object"
    );
}

#[test]
fn convert_takes_from_or_to_not_both() {
    let output = finetune()
        .args([
            "convert",
            "datasets/vertex.jsonl",
            "-o",
            "/tmp/never-written.jsonl",
        ])
        .args(["--from", "vertex", "--to", "vertex"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(!std::path::Path::new("/tmp/never-written.jsonl").exists());
}

#[test]
fn leakage_and_same_prompt_copies_are_found_in_vertex_lines() {
    let dir = tempfile::tempdir().unwrap();
    let data = fs::read_to_string(crate::project_file("datasets/vertex.jsonl")).unwrap();
    let first = data.lines().next().unwrap();
    let validation = dir.path().join("validation.jsonl");
    fs::write(&validation, format!("{first}\n")).unwrap();
    let (code, report) = json_check(&[
        "datasets/vertex.jsonl",
        "--provider",
        "vertex",
        "--validation",
        validation.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let codes: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|file| file["diagnostics"].as_array().unwrap())
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"FT405"), "{report}");

    // The same question answered differently: one prompt.
    let reanswered = first.replace("Every 150 to 300 km", "Every 200 km");
    assert_ne!(reanswered, first);
    let input = dir.path().join("in.jsonl");
    fs::write(&input, format!("{data}{reanswered}\n")).unwrap();
    let out = dir.path().join("out.jsonl");
    finetune()
        .arg("dedupe")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--by", "prompt", "--near", "off"])
        .assert()
        .success();
    assert_eq!(fs::read_to_string(&out).unwrap(), data);
}

#[test]
fn openai_s_wind_down_does_not_send_an_openai_file_to_vertex() {
    let output = finetune()
        .env("FINETUNE_TODAY", "2027-01-10")
        .args(["check", "datasets/sarcastic.jsonl"])
        .output()
        .unwrap();
    let text = output_text(&output.stderr) + &output_text(&output.stdout);
    assert!(text.contains("the same dataset trains on"), "{text}");
    assert!(text.contains("--provider together"), "{text}");
    assert!(!text.contains("--provider vertex"), "{text}");
}

#[test]
fn prepare_splits_a_vertex_file_into_checked_sides() {
    let (_, _, vertex) = convert("datasets/sarcastic.jsonl", &["--to", "vertex"]);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("data.jsonl");
    fs::write(&input, &vertex).unwrap();
    let output = finetune()
        .arg("prepare")
        .arg(&input)
        .args(["--provider", "vertex"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        output_text(&output.stderr)
    );
    let train = fs::read_to_string(dir.path().join("data.train.jsonl")).unwrap();
    let validation = fs::read_to_string(dir.path().join("data.validation.jsonl")).unwrap();
    assert_eq!(train.lines().count() + validation.lines().count(), 33);
    assert_checks_clean(&train, &["--provider", "vertex"]);
    assert_checks_clean(&validation, &["--provider", "vertex"]);
}

#[test]
fn convert_to_vertex_with_a_system_text_gives_each_line_an_instruction() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("chat.jsonl");
    fs::write(
        &input,
        "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"}]}\n",
    )
    .unwrap();
    let out = dir.path().join("vertex.jsonl");
    finetune()
        .arg("convert")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--to", "vertex", "--system", "Be brief."])
        .assert()
        .code(0);
    let line: Value = serde_json::from_str(fs::read_to_string(&out).unwrap().trim()).unwrap();
    assert_eq!(
        line["systemInstruction"],
        serde_json::json!({"parts": [{"text": "Be brief."}]})
    );
}

/// Converts `lines` (written to a temporary file) with `direction`: the exit code, the JSON
/// report, and the lines written.
fn convert_lines(lines: impl AsRef<[u8]>, direction: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("in.jsonl"), dir.path().join("out.jsonl"));
    fs::write(&input, lines).unwrap();
    let output = finetune()
        .arg("convert")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(direction)
        .args(["--output-format", "json"])
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        serde_json::from_slice(&output.stdout).unwrap(),
        fs::read_to_string(&out).unwrap_or_default(),
    )
}

/// The codes of the diagnostics of `check --provider vertex` on `lines`, with its exit code.
fn vertex_codes(lines: &str) -> (i32, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.jsonl");
    fs::write(&path, lines).unwrap();
    let (code, report) = json_check(&[path.to_str().unwrap(), "--provider", "vertex"]);
    let codes = report["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    (code, codes)
}

#[test]
fn lines_vertex_ai_accepts_pass_check_and_convert() {
    // A call without `args`, a turn without a role (a warning: read as a user turn) and every
    // field in proto JSON's snake_case spelling.
    let lines = concat!(
        r#"{"contents": [{"role": "user", "parts": [{"text": "Time?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "now"}}]}, {"role": "user", "parts": [{"functionResponse": {"name": "now", "response": {"t": "12:00"}}}]}, {"role": "model", "parts": [{"text": "Noon"}]}], "tools": [{"functionDeclarations": [{"name": "now"}]}]}"#,
        "\n",
        r#"{"contents": [{"parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
        "\n",
        r#"{"system_instruction": {"parts": [{"text": "Be brief"}]}, "contents": [{"role": "user", "parts": [{"text": "Which?"}, {"file_data": {"mime_type": "image/png", "file_uri": "https://example.com/a.png"}}, {"inline_data": {"mime_type": "image/jpeg", "data": "/9j/4A=="}}]}, {"role": "model", "parts": [{"function_call": {"name": "pick", "args": {"n": 1}}}]}, {"role": "user", "parts": [{"function_response": {"name": "pick", "response": {"ok": true}}}]}, {"role": "model", "parts": [{"text": "The first"}]}], "tools": [{"function_declarations": [{"name": "pick"}]}]}"#,
        "\n",
    );
    assert_eq!(vertex_codes(lines), (0, vec!["FT159".to_owned()]));
    let (code, report, written) = convert_lines(lines, &["--from", "vertex"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["converted"], 3);
    assert_checks_clean(&written, &[]);
}

#[test]
fn a_field_in_both_spellings_and_inline_data_not_in_base64_are_errors() {
    let twice = r#"{"systemInstruction": {"parts": [{"text": "Be brief"}]}, "system_instruction": {"parts": [{"text": "Be thorough"}]}, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#;
    assert_eq!(
        vertex_codes(&format!("{twice}\n")),
        (1, vec!["FT160".to_owned()])
    );
    let not_base64 = r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": "not base64!"}}]}, {"role": "model", "parts": [{"text": "A cat"}]}]}"#;
    assert_eq!(
        vertex_codes(&format!("{not_base64}\n")),
        (1, vec!["FT153".to_owned()])
    );
    let (_, report, _) = convert_lines(format!("{twice}\n"), &["--from", "vertex"]);
    assert_eq!(report["converted"], 0, "{report}");
    assert_eq!(report["unconverted"][0]["pointer"], "/system_instruction");
}

#[test]
fn an_openai_nullable_parameter_converts_to_a_declaration_vertex_ai_reads() {
    let line = r#"{"messages": [{"role": "user", "content": "Count"}, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "count", "arguments": "{\"n\": null}"}}]}, {"role": "tool", "tool_call_id": "c", "content": "3"}, {"role": "assistant", "content": "3"}], "tools": [{"type": "function", "function": {"name": "count", "parameters": {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}}}}]}"#;
    let (code, report, written) = convert_lines(format!("{line}\n"), &["--to", "vertex"]);
    assert_eq!(code, 0, "{report}");
    let vertex: Value = serde_json::from_str(written.trim()).unwrap();
    let declaration = &vertex["tools"][0]["functionDeclarations"][0];
    assert_eq!(
        declaration["parametersJsonSchema"]["properties"]["n"]["type"],
        serde_json::json!(["integer", "null"])
    );
    assert!(declaration.get("parameters").is_none(), "{declaration}");
    assert_checks_clean(&written, &["--provider", "vertex"]);
    // The same list of types in Vertex AI's own `Schema` is an error.
    let schema = r#"{"contents": [{"role": "user", "parts": [{"text": "Count"}]}, {"role": "model", "parts": [{"text": "3"}]}], "tools": [{"functionDeclarations": [{"name": "count", "parameters": {"type": "OBJECT", "properties": {"n": {"type": ["INTEGER", "NULL"]}}}}]}]}"#;
    assert_eq!(
        vertex_codes(&format!("{schema}\n")),
        (1, vec!["FT158".to_owned()])
    );
}

/// Lines OpenAI's check or Vertex AI's takes, but whose conversion the other rejects.
const CONVERSION_EDGES: &str = concat!(
    r#"{"messages": []}"#,
    "\n",
    r#"{"messages": [{"role": "system", "content": "Be brief"}]}"#,
    "\n",
    r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Thanks"}]}"#,
    "\n",
    r#"{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "weather", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c", "content": "sunny"}, {"role": "assistant", "content": "Sunny"}]}"#,
    "\n",
    r#"{"input": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}, "preferred_output": [{"role": "assistant", "content": "Bye"}], "non_preferred_output": [{"role": "assistant", "content": "What?"}]}"#,
    "\n",
    r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], "parallel_tool_calls": false}"#,
    "\n",
    r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}"#,
    "\n",
    r#"{"contents": [{"role": "model", "parts": [{"text": "Hello"}]}]}"#,
    "\n",
    r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
    "\n",
);

/// Checks `lines` with `args`, asserting that `check` reports no error on any line.
fn assert_no_errors(lines: &str, args: &[&str], origin: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("converted.jsonl");
    fs::write(&path, lines).unwrap();
    let mut all = vec![path.to_str().unwrap()];
    all.extend(args);
    let (_, report) = json_check(&all);
    let errors: Vec<&Value> = report["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        // The whole-file rules (FT4xx: too few examples, a file mixing the input's formats)
        // are about the input, not about one converted line.
        .filter(|d| d["severity"] == "error" && !d["code"].as_str().unwrap().starts_with("FT4"))
        .collect();
    assert!(errors.is_empty(), "{origin} {args:?}: {errors:?}\n{lines}");
}

#[test]
fn convert_never_writes_a_line_its_target_rejects() {
    let mut inputs: Vec<(String, Vec<u8>)> = fs::read_dir(crate::project_file("datasets"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "jsonl"))
        .map(|path| (path.display().to_string(), fs::read(&path).unwrap()))
        .collect();
    inputs.sort();
    inputs.push(("the edge cases".to_owned(), CONVERSION_EDGES.into()));
    let mut converted = 0;
    for (origin, lines) in &inputs {
        for (direction, target) in [
            (&["--to", "vertex"], &["--provider", "vertex"][..]),
            (&["--from", "vertex"], &[][..]),
        ] {
            let (_, report, written) = convert_lines(lines, direction);
            converted += report["converted"].as_u64().unwrap();
            if !written.is_empty() {
                assert_no_errors(&written, target, origin);
            }
            for row in report["unconverted"].as_array().unwrap() {
                assert!(row["row"].as_u64().is_some(), "{origin}: {row}");
            }
        }
    }
    assert!(converted > 50, "{converted} lines converted in all");
    // The edge cases are left out, each with the value that stops it.
    let (code, report, written) = convert_lines(CONVERSION_EDGES, &["--to", "vertex"]);
    assert_eq!(code, 1);
    let left_out = unconverted(&report);
    assert_eq!(
        left_out,
        [
            (1, "/messages"),
            (2, "/messages"),
            (3, "/messages/2"),
            (4, "/messages/1/tool_calls/0/function/name"),
            (5, "/input/messages"),
            (7, ""),
            (8, ""),
            (9, ""),
        ]
    );
    assert_eq!(written.lines().count(), 1, "{written}");
}

#[test]
fn converting_an_empty_file_is_an_error_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("empty.jsonl"), dir.path().join("out.jsonl"));
    fs::write(&input, "\n").unwrap();
    for direction in [["--to", "vertex"], ["--from", "vertex"]] {
        let output = finetune()
            .arg("convert")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .args(direction)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let text = output_text(&output.stderr);
        assert!(
            text.contains("empty.jsonl has no rows to convert: it is empty"),
            "{text}"
        );
        assert!(!out.exists(), "nothing is written");
    }
}

/// `n` distinct Vertex AI supervised lines, the `offset`th on.
fn distinct_vertex_lines(offset: usize, n: usize) -> String {
    const WORDS: [&str; 16] = [
        "amber", "basil", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo",
        "juniper", "kelp", "lumen", "maple", "nectar", "onyx", "pepper",
    ];
    (offset..offset + n)
        .map(|i| {
            let words: Vec<&str> = (0..6).map(|d| WORDS[(i >> (4 * d)) % 16]).collect();
            format!(
                r#"{{"contents": [{{"role": "user", "parts": [{{"text": "Describe {i}: {}"}}]}}, {{"role": "model", "parts": [{{"text": "It is {i}, {}."}}]}}]}}"#,
                words.join(" "),
                words.iter().rev().copied().collect::<Vec<_>>().join(" and ")
            ) + "\n"
        })
        .collect()
}

#[test]
fn vertex_ai_validates_on_at_most_5000_examples() {
    let dir = tempfile::tempdir().unwrap();
    let (train, validation) = (dir.path().join("train.jsonl"), dir.path().join("val.jsonl"));
    fs::write(&train, distinct_vertex_lines(0, 20)).unwrap();
    fs::write(&validation, distinct_vertex_lines(100, 5_001)).unwrap();
    let (code, report) = json_check(&[
        train.to_str().unwrap(),
        "--validation",
        validation.to_str().unwrap(),
        "--provider",
        "vertex",
    ]);
    assert_eq!(code, 1, "{report}");
    let found: Vec<&Value> = report["files"][1]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "FT406")
        .collect();
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(
        found[0]["message"],
        "validation file has 5001 examples; the platform validates on at most 5000"
    );
    // OpenAI states no such limit.
    let (code, _) = json_check(&[
        train.to_str().unwrap(),
        "--validation",
        validation.to_str().unwrap(),
        "--ignore",
        "FT101",
    ]);
    assert_ne!(code, 2);

    // split and prepare cap the validation side, and say so.
    let input = dir.path().join("all.jsonl");
    fs::write(&input, distinct_vertex_lines(0, 5_200)).unwrap();
    for command in ["split", "prepare"] {
        let out = dir.path().join(command);
        fs::create_dir(&out).unwrap();
        let assert = finetune()
            .arg(command)
            .arg(&input)
            .args([
                "--provider",
                "vertex",
                "--validation",
                "5100",
                "--output-dir",
            ])
            .arg(&out)
            .assert()
            .success();
        let text = output_text(&assert.get_output().stdout);
        assert!(
            text.contains("validation capped at 5000 examples, the platform's maximum, instead of the 5100 asked for"),
            "{command}: {text}"
        );
        let written = fs::read_to_string(out.join("all.validation.jsonl")).unwrap();
        assert_eq!(written.lines().count(), 5_000, "{command}");
        let trained = fs::read_to_string(out.join("all.train.jsonl")).unwrap();
        assert_eq!(trained.lines().count(), 200, "{command}");
    }
}

#[test]
fn reinforcement_under_vertex_is_a_usage_error() {
    let output = finetune()
        .args([
            "check",
            "datasets/vertex.jsonl",
            "--provider",
            "vertex",
            "--method",
            "reinforcement",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let text = output_text(&output.stderr);
    assert!(
        text.contains("--method reinforcement: Vertex AI has no reinforcement tuning; use --method supervised, dpo or auto"),
        "{text}"
    );
}

#[test]
fn a_number_a_double_cannot_hold_is_left_out_not_rounded() {
    let line = r#"{"contents": [{"role": "user", "parts": [{"text": "n?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {"n": 12345678901234567890123}}}]}, {"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {"ok": true}}}]}, {"role": "model", "parts": [{"text": "done"}]}], "tools": [{"functionDeclarations": [{"name": "f"}]}]}"#;
    let (code, report, written) = convert_lines(format!("{line}\n"), &["--from", "vertex"]);
    assert_eq!(code, 1, "{report}");
    assert!(written.is_empty(), "{written}");
    assert!(
        report["unconverted"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("the number 12345678901234567890123"),
        "{report}"
    );
}
