//! `finetune export` against the stand-in: an account's history read into a folder, every file
//! byte for byte with its sha256, a rerun that downloads nothing, and files the API no longer
//! serves recorded as missing.

use std::path::Path;

use finetune::workflow::export::sha256_hex;
use serde_json::{Value, json};

use crate::api::StandIn;
use crate::valid_file;

/// Seeds the stand-in's OpenAI account with ended jobs; their ids, oldest first.
pub(crate) fn seed(server: &StandIn, jobs: &Value) -> Vec<String> {
    let seeded = server.json(
        "POST",
        "/_standin/seed",
        &json!({ "jobs": jobs }).to_string(),
    );
    seeded["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect()
}

/// The manifest of the export in `dir`.
pub(crate) fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// What the stand-in serves as the content of file `id`.
fn served(server: &StandIn, id: &str) -> Vec<u8> {
    let (status, body) = server.http("GET", &format!("/v1/files/{id}/content"), "");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    body
}

/// Uploads `content` as a file named `name`; its id.
pub(crate) fn upload_text(server: &StandIn, name: &str, content: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    server.upload(path.to_str().unwrap())
}

/// The content downloads in the journal.
fn downloads(server: &StandIn) -> Vec<String> {
    server
        .calls()
        .into_iter()
        .filter(|call| call.ends_with("/content"))
        .collect()
}

/// Runs `export -o dir` with `more` arguments; (exit code, stderr).
fn export(server: &StandIn, dir: &Path, more: &[&str]) -> (i32, String) {
    let mut args = vec!["export", "-o", dir.to_str().unwrap()];
    args.extend_from_slice(more);
    let (code, _, stderr) = server.run(&args);
    (code, stderr)
}

/// Every training, validation and result file of the manifest's jobs.
fn exported_files(manifest: &Value) -> Vec<Value> {
    manifest["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|job| {
            let mut files = vec![job["training_file"].clone(), job["validation_file"].clone()];
            files.extend(job["result_files"].as_array().unwrap().iter().cloned());
            files
        })
        .filter(|file| !file.is_null())
        .collect()
}

#[test]
fn an_account_s_history_is_exported_byte_for_byte_and_a_rerun_downloads_nothing() {
    let server = StandIn::start(&[]);
    let sarcastic = server.upload("datasets/sarcastic.jsonl");
    let preference = server.upload("datasets/preference.jsonl");
    let validation = upload_text(&server, "validation.jsonl", &valid_file(12));
    let broken = upload_text(&server, "failing.jsonl", &valid_file(11));
    let ids = seed(
        &server,
        &json!([
            {"training_file": sarcastic, "validation_file": validation, "suffix": "marv",
             "metadata": {"team": "support"}, "n_epochs": 2},
            {"training_file": sarcastic},
            {"training_file": preference, "method": "dpo"},
            {"training_file": broken, "status": "failed"},
            {"training_file": preference, "method": "dpo", "status": "cancelled"},
            {"training_file": sarcastic, "status": "cancelled"},
        ]),
    );
    server.json("DELETE", "/_standin/journal", "");
    let dir = tempfile::tempdir().unwrap();

    // By default, the jobs that succeeded.
    let (code, stderr) = export(&server, dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("exported 3 jobs from OpenAI"), "{stderr}");
    assert!(stderr.contains("left out 3 jobs"), "{stderr}");
    // A file several jobs trained on is downloaded once.
    let calls = downloads(&server);
    let training = format!("GET /files/{sarcastic}/content");
    assert_eq!(
        calls.iter().filter(|c| **c == training).count(),
        1,
        "{calls:?}"
    );
    let exported = manifest(dir.path());
    assert_eq!(exported["version"], 1);
    assert_eq!(exported["provider"], "openai");
    assert!(
        exported["exported_at"].as_str().unwrap().ends_with('Z'),
        "{exported}"
    );
    let jobs = exported["jobs"].as_array().unwrap();
    let listed: Vec<&str> = jobs.iter().map(|j| j["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [&ids[2], &ids[1], &ids[0]], "newest first");
    let first = &jobs[2];
    assert_eq!(first["status"], "succeeded");
    assert_eq!(first["model"], "gpt-4o-mini-2024-07-18");
    assert!(
        first["fine_tuned_model"]
            .as_str()
            .unwrap()
            .starts_with("ft:")
    );
    assert_eq!(first["suffix"], "marv");
    assert_eq!(first["metadata"], json!({"team": "support"}));
    assert_eq!(first["method"]["type"], "supervised");
    assert_eq!(first["method"]["hyperparameters"]["n_epochs"], 2);
    assert!(first["trained_tokens"].as_u64().unwrap() > 0);
    assert!(first["finished_at"].as_i64().unwrap() >= first["created_at"].as_i64().unwrap());
    assert_eq!(first["training_file"]["filename"], "sarcastic.jsonl");
    assert_eq!(first["validation_file"]["id"], json!(validation));
    let steps: Vec<u64> = first["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["step"].as_u64().unwrap())
        .collect();
    assert_eq!(steps, [4, 2], "{first}");
    assert_eq!(jobs[0]["method"]["type"], "dpo");
    assert_eq!(jobs[0]["method"]["hyperparameters"]["beta"], 0.1);
    // Every file byte for byte, with its sha256; the metrics CSV decoded.
    for file in exported_files(&exported) {
        let copy = std::fs::read(dir.path().join(file["path"].as_str().unwrap())).unwrap();
        assert_eq!(file["sha256"], json!(sha256_hex(&copy)), "{file}");
        assert_eq!(
            file["bytes"],
            json!(served(&server, file["id"].as_str().unwrap()).len())
        );
    }
    for id in [&sarcastic, &preference, &validation] {
        let path = exported_files(&exported)
            .into_iter()
            .find(|f| f["id"] == json!(id))
            .unwrap()["path"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            std::fs::read(dir.path().join(path)).unwrap(),
            served(&server, id)
        );
    }
    let metrics = first["result_files"][0]["path"].as_str().unwrap();
    let csv = std::fs::read_to_string(dir.path().join(metrics)).unwrap();
    assert!(csv.starts_with("step,train_loss"), "{csv}");

    // Adding failed and cancelled jobs downloads only the file not there yet.
    server.json("DELETE", "/_standin/journal", "");
    let (code, stderr) = export(&server, dir.path(), &["--all-statuses"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("exported 6 jobs"), "{stderr}");
    assert_eq!(
        downloads(&server),
        [format!("GET /files/{broken}/content")],
        "{stderr}"
    );
    let statuses: Vec<Value> = manifest(dir.path())["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [
            "cancelled",
            "cancelled",
            "failed",
            "succeeded",
            "succeeded",
            "succeeded"
        ]
    );

    // Exporting one job keeps the others in the manifest.
    let (code, stderr) = export(&server, dir.path(), &["--job", &ids[0]]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("exported 1 job") && stderr.contains("also keeps 5 jobs"),
        "{stderr}"
    );
    assert_eq!(manifest(dir.path())["jobs"].as_array().unwrap().len(), 6);

    // A rerun downloads nothing, and says so.
    server.json("DELETE", "/_standin/journal", "");
    let (code, stderr) = export(&server, dir.path(), &["--all-statuses"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("downloaded 0 files"), "{stderr}");
    assert!(
        stderr.contains("already there with the same sha256, not downloaded again"),
        "{stderr}"
    );
    assert!(downloads(&server).is_empty(), "{:?}", server.calls());

    // A copy that no longer matches its sha256 is downloaded again.
    let copy = dir.path().join(
        exported_files(&manifest(dir.path()))
            .into_iter()
            .find(|f| f["id"] == json!(sarcastic))
            .unwrap()["path"]
            .as_str()
            .unwrap(),
    );
    std::fs::write(&copy, "damaged").unwrap();
    let (code, stderr) = export(&server, dir.path(), &["--all-statuses"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("no longer matches its sha256") && stderr.contains("downloaded 1 file"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&copy).unwrap(), served(&server, &sarcastic));

    // It only reads: nothing on the account changed.
    assert!(
        server.journal().iter().all(|e| e["method"] == "GET"),
        "{:?}",
        server.calls()
    );
}

#[test]
fn every_page_of_a_long_history_is_exported() {
    let server = StandIn::start(&[]);
    let file = server.upload("datasets/sarcastic.jsonl");
    let ids = seed(&server, &json!([{"training_file": file, "count": 130}]));
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&server, dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let exported = manifest(dir.path());
    let mut listed: Vec<String> = exported["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    let mut seeded = ids.clone();
    seeded.sort();
    assert_eq!(listed, seeded);
    let pages = server
        .journal()
        .iter()
        .filter(|e| e["method"] == "GET" && e["path"] == "/fine_tuning/jobs")
        .count();
    assert_eq!(pages, 2);
    // `--job` picks a job whatever its status.
    let failed = seed(
        &server,
        &json!([{"training_file": file, "status": "failed"}]),
    );
    let picked = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&server, picked.path(), &["--job", &failed[0]]);
    assert_eq!(code, 0, "{stderr}");
    let jobs = manifest(picked.path())["jobs"].clone();
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    assert_eq!(jobs[0]["status"], "failed");
}

#[test]
fn a_file_the_api_no_longer_serves_is_recorded_as_missing() {
    let server = StandIn::start(&[]);
    let kept = server.upload("datasets/sarcastic.jsonl");
    let gone = upload_text(&server, "gone.jsonl", &valid_file(12));
    let vanished = upload_text(&server, "vanished.jsonl", &valid_file(14));
    seed(
        &server,
        &json!([
            {"training_file": gone, "validation_file": kept},
            {"training_file": vanished},
        ]),
    );
    server.ok(&["delete-files-by-name", "gone.jsonl", "--yes"]);
    // The file is still listed, but its content is no longer served.
    server.fault(
        &json!([{"path": format!("/files/{vanished}/content"), "kind": "status",
        "status": 404, "times": 5}]),
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&server, dir.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("{gone} is missing from the export")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{vanished} is missing from the export")),
        "{stderr}"
    );
    let exported = manifest(dir.path());
    let jobs = exported["jobs"].as_array().unwrap();
    let deleted = &jobs[1]["training_file"];
    assert_eq!(deleted["id"], json!(gone));
    assert!(
        deleted["path"].is_null() && deleted["sha256"].is_null(),
        "{deleted}"
    );
    assert!(
        deleted["missing"]
            .as_str()
            .unwrap()
            .contains("no longer serves"),
        "{deleted}"
    );
    let unserved = &jobs[0]["training_file"];
    assert_eq!(unserved["filename"], "vanished.jsonl");
    assert!(unserved["missing"].is_string(), "{unserved}");
    // The job's other files are there all the same.
    let validation = jobs[1]["validation_file"]["path"].as_str().unwrap();
    assert_eq!(
        std::fs::read(dir.path().join(validation)).unwrap(),
        served(&server, &kept)
    );
}

#[test]
fn a_file_an_export_did_not_write_is_never_overwritten() {
    let server = StandIn::start(&[]);
    let file = server.upload("datasets/sarcastic.jsonl");
    seed(&server, &json!([{"training_file": file}]));
    let dir = tempfile::tempdir().unwrap();
    let mine = dir.path().join("files").join(&file).join("sarcastic.jsonl");
    std::fs::create_dir_all(mine.parent().unwrap()).unwrap();
    std::fs::write(&mine, "my own notes").unwrap();
    let (code, stderr) = export(&server, dir.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is in the way"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "my own notes");
    let (code, stderr) = export(&server, dir.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    std::fs::write(dir.path().join("manifest.json"), "{\"not\": 1}").unwrap();
    let (code, stderr) = export(&server, dir.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("manifest.json: not a finetune export manifest"),
        "{stderr}"
    );
}

#[test]
fn a_run_that_fails_part_way_keeps_what_it_downloaded() {
    let server = StandIn::start(&[]);
    let file = server.upload("datasets/sarcastic.jsonl");
    let ids = seed(&server, &json!([{"training_file": file, "count": 3}]));
    let job = server.json("GET", &format!("/v1/fine_tuning/jobs/{}", ids[1]), "");
    let result = job["result_files"][0].as_str().unwrap().to_owned();
    server.fault(
        &json!([{"path": format!("/files/{result}/content"), "kind": "status",
        "status": 500}]),
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = export(&server, dir.path(), &["--max-retries", "0"]);
    assert_eq!(code, 2, "{stderr}");
    // The newest job was done before the failure, and is in the manifest.
    let partial = manifest(dir.path());
    assert_eq!(partial["jobs"][0]["id"], json!(ids[2]), "{partial}");
    server.json("DELETE", "/_standin/journal", "");
    let (code, stderr) = export(&server, dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let calls = downloads(&server);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        !calls.contains(&format!("GET /files/{file}/content")),
        "{calls:?}"
    );
    assert!(stderr.contains("2 files already there"), "{stderr}");
}

/// The head of the stand-in's answer to `GET path`.
fn head_of(server: &StandIn, path: &str) -> String {
    use std::io::{Read, Write};
    let address = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/v1");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        crate::api::KEY
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase()
}

/// A file's content comes as bytes, as OpenAI sends it, never labelled JSON (a JSON Lines file
/// is not one JSON value); the file's description is JSON.
#[test]
fn the_stand_in_sends_a_file_s_content_as_bytes() {
    let server = StandIn::start(&[]);
    let file = server.upload("datasets/sarcastic.jsonl");
    let content = head_of(&server, &format!("/v1/files/{file}/content"));
    assert!(
        content.contains("content-type: application/octet-stream"),
        "{content}"
    );
    let described = head_of(&server, &format!("/v1/files/{file}"));
    assert!(
        described.contains("content-type: application/json"),
        "{described}"
    );
}
