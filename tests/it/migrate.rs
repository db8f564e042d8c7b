//! `finetune migrate` against the stand-in: an OpenAI export recreated on Together AI and on
//! Azure OpenAI, one job per exported job that succeeded, the estimate shown before any
//! creation, exactly once across runs, lost answers and crashes.

use std::path::Path;

use serde_json::{Value, json};

use crate::api::StandIn;
use crate::export::{manifest, seed, upload_text};
use crate::valid_file;

/// An OpenAI account of two jobs that succeeded (one with a validation file and a suffix) and
/// one that failed, exported into a new folder.
fn exported() -> (StandIn, tempfile::TempDir) {
    let server = StandIn::start(&[]);
    let training = server.upload("datasets/sarcastic.jsonl");
    let validation = upload_text(&server, "validation.jsonl", &valid_file(12));
    seed(
        &server,
        &json!([
            {"training_file": training, "validation_file": validation, "suffix": "marv",
             "n_epochs": 2},
            {"training_file": training, "model": "gpt-4o-2024-08-06"},
            {"training_file": training, "status": "failed"},
        ]),
    );
    let dir = tempfile::tempdir().unwrap();
    server.ok(&[
        "export",
        "-o",
        dir.path().to_str().unwrap(),
        "--all-statuses",
    ]);
    (server, dir)
}

/// The creations of jobs in the journal (`POST` to the target's job route).
fn creations(server: &StandIn, route: &str) -> usize {
    server
        .calls()
        .iter()
        .filter(|c| **c == format!("POST {route}"))
        .count()
}

/// The jobs recorded in the folder's `migrations.json`.
fn recorded(dir: &Path) -> Vec<Value> {
    let record: Value =
        serde_json::from_slice(&std::fs::read(dir.join("migrations.json")).unwrap()).unwrap();
    record["migrations"].as_array().unwrap().clone()
}

fn migrate(server: &StandIn, dir: &Path, more: &[&str]) -> (i32, String, String) {
    let mut args = vec!["migrate", dir.to_str().unwrap()];
    args.extend_from_slice(more);
    server.run(&args)
}

#[test]
fn an_export_is_recreated_on_together_once_with_the_estimate_first() {
    let (server, dir) = exported();
    // Without --provider the target would be the provider exported from.
    let (code, _, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("was exported from OpenAI"), "{stderr}");
    let server = server.speaking("together");
    server.json("DELETE", "/_standin/journal", "");

    // The plan alone: models with their reasons, settings without an equivalent, no upload.
    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--dry-run"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("JOB"), "{stdout}");
    assert!(
        stdout.contains("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")
            && stdout.contains("meta-llama/Llama-3.3-70B-Instruct-Reference"),
        "{stdout}"
    );
    assert!(stderr.contains("8B parameters, 128k context"), "{stderr}");
    assert!(
        stderr
            .contains("learning rate multiplier 1.8: Together AI takes an absolute learning rate"),
        "{stderr}"
    );
    assert!(
        stderr.contains("nothing was uploaded or created"),
        "{stderr}"
    );
    assert!(
        server.journal().iter().all(|e| e["method"] == "GET"),
        "{:?}",
        server.calls()
    );

    // A total above --max-cost creates nothing.
    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--yes", "--max-cost", "0.0001"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("above --max-cost"), "{stderr}");
    assert_eq!(creations(&server, "/fine-tunes"), 0);
    server.json("DELETE", "/_standin/journal", "");

    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("Together AI's estimate"), "{stdout}");
    assert!(stdout.contains("total: $"), "{stdout}");
    assert!(
        stderr.contains("batch size 1: outside what Together AI takes"),
        "{stderr}"
    );
    let calls = server.calls();
    let first_creation = calls.iter().position(|c| c == "POST /fine-tunes").unwrap();
    let estimates = calls
        .iter()
        .filter(|c| *c == "POST /fine-tunes/estimate-price")
        .count();
    let last_estimate = calls
        .iter()
        .rposition(|c| c == "POST /fine-tunes/estimate-price")
        .unwrap();
    assert_eq!(estimates, 2, "{calls:?}");
    assert!(last_estimate < first_creation, "{calls:?}");
    assert_eq!(creations(&server, "/fine-tunes"), 2);
    let jobs = server.jobs();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    let record = recorded(dir.path());
    let exported = manifest(dir.path());
    let succeeded: Vec<&Value> = exported["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["status"] == "succeeded")
        .map(|j| &j["id"])
        .collect();
    let sources: Vec<&Value> = record.iter().map(|m| &m["source_job"]).collect();
    assert_eq!(sources.len(), 2);
    assert!(
        succeeded.iter().all(|id| sources.contains(id)),
        "{record:?}"
    );
    for migration in &record {
        assert_eq!(migration["provider"], "together");
        assert!(
            stdout.contains(&format!(
                "{} -> {}",
                migration["source_job"].as_str().unwrap(),
                migration["job"].as_str().unwrap()
            )),
            "{stdout}"
        );
    }
    let suffixed = jobs.iter().find(|j| j["user_provided_suffix"] == "marv");
    assert!(suffixed.is_some(), "{jobs:?}");

    // A second run creates nothing, and says so.
    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("was migrated before"), "{stderr}");
    assert!(
        stderr.contains("nothing to migrate to Together AI"),
        "{stderr}"
    );
    assert_eq!(creations(&server, "/fine-tunes"), 2);
    assert_eq!(server.jobs().len(), 2);
}

#[test]
fn an_export_is_recreated_on_azure_on_the_same_models() {
    let (server, dir) = exported();
    let server = server.speaking("azure");
    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("at OpenAI's list price"), "{stdout}");
    assert!(
        stderr.contains("the same model, which Azure OpenAI trains"),
        "{stderr}"
    );
    let mut models: Vec<String> = server
        .jobs()
        .iter()
        .map(|j| j["model"].as_str().unwrap().to_owned())
        .collect();
    models.sort();
    assert_eq!(models, ["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18"]);
    let (code, _, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(creations(&server, "/fine_tuning/jobs"), 2);
    assert_eq!(recorded(dir.path()).len(), 2);
}

#[test]
fn a_lost_answer_or_a_crash_before_the_record_makes_one_job() {
    let (server, dir) = exported();
    let picked = manifest(dir.path())["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["model"] == "gpt-4o-mini-2024-07-18" && j["status"] == "succeeded")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let server = server.speaking("together");
    // The connection drops after the job is made: it is found, not made again.
    server.fault(
        &json!([{"path": "/fine-tunes", "exact": true, "method": "POST",
        "kind": "drop_after"}]),
    );
    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--job", &picked, "--yes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(creations(&server, "/fine-tunes"), 1);
    assert_eq!(server.jobs().len(), 1);
    assert_eq!(recorded(dir.path()).len(), 1);

    // The process dies between creating the other job and recording it.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    for name in ["manifest.json", "files"] {
        std::process::Command::new("cp")
            .args(["-r"])
            .arg(dir.path().join(name))
            .arg(&other)
            .status()
            .unwrap();
    }
    let output = server
        .finetune()
        .env("FINETUNE_TEST_STOP_BEFORE_RENAMING", "migrations.json")
        .args([
            "migrate",
            other.to_str().unwrap(),
            "--job",
            &picked,
            "--yes",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(!other.join("migrations.json").exists());
    assert_eq!(server.jobs().len(), 2);
    let (code, stdout, stderr) = migrate(&server, &other, &["--job", &picked, "--yes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("created by an earlier run that stopped before recording it"),
        "{stderr}"
    );
    assert_eq!(server.jobs().len(), 2);
    assert_eq!(recorded(&other).len(), 1);
}

#[test]
fn a_file_that_fails_the_target_s_rules_stops_with_its_diagnostics() {
    let server = StandIn::start(&[]);
    // Two user messages in a row: a warning on OpenAI, an error on Together AI.
    let mut content = valid_file(10);
    content.push_str(r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Anyone there?"}, {"role": "assistant", "content": "Sadly, yes."}]}"#);
    content.push('\n');
    let file = upload_text(&server, "repeated.jsonl", &content);
    seed(&server, &json!([{"training_file": file}]));
    let dir = tempfile::tempdir().unwrap();
    server.ok(&["export", "-o", dir.path().to_str().unwrap()]);
    let server = server.speaking("together");
    server.json("DELETE", "/_standin/journal", "");
    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("FT215"), "{stderr}");
    assert!(stderr.contains(":11"), "{stderr}");
    assert!(
        stderr.contains("does not pass Together AI's dataset rules"),
        "{stderr}"
    );
    assert!(
        server.journal().iter().all(|e| e["method"] == "GET"),
        "{:?}",
        server.calls()
    );
    // A model the target cannot train is refused with those it can.
    let map = dir.path().join("map.json");
    std::fs::write(&map, r#"{"gpt-4o-mini-2024-07-18": "acme/unknown-model"}"#).unwrap();
    let (code, _, stderr) = migrate(
        &server,
        dir.path(),
        &["--model-map", map.to_str().unwrap(), "--yes"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot fine-tune acme/unknown-model")
            && stderr.contains("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_needs_a_mechanical_change_is_converted_into_the_folder_never_in_place() {
    let server = StandIn::start(&[]);
    // String and part contents in one example: fine on OpenAI, rejected by Together AI.
    let mut content = valid_file(10);
    content.push_str(r#"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Question?"}]}, {"role": "assistant", "content": "Answer."}]}"#);
    content.push('\n');
    let file = upload_text(&server, "mixed.jsonl", &content);
    seed(&server, &json!([{"training_file": file}]));
    let dir = tempfile::tempdir().unwrap();
    server.ok(&["export", "-o", dir.path().to_str().unwrap()]);
    let server = server.speaking("together");
    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("mixes string contents with lists of parts on line 11")
            && stderr.contains("converted into"),
        "{stderr}"
    );
    let original = dir.path().join("files").join(&file).join("mixed.jsonl");
    assert_eq!(std::fs::read_to_string(&original).unwrap(), content);
    let converted = std::fs::read_to_string(
        dir.path()
            .join("converted/together/files")
            .join(&file)
            .join("mixed.jsonl"),
    )
    .unwrap();
    let lines: Vec<&str> = converted.lines().collect();
    assert_eq!(lines[..10], content.lines().collect::<Vec<_>>()[..10]);
    let changed: Value = serde_json::from_str(lines[10]).unwrap();
    assert_eq!(
        changed["messages"][0]["content"],
        json!([{"type": "text", "text": "Be brief."}])
    );
    let jobs = server.jobs();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
}

#[test]
fn a_job_whose_file_is_missing_from_the_export_is_not_migrated() {
    let server = StandIn::start(&[]);
    let file = upload_text(&server, "gone.jsonl", &valid_file(12));
    seed(&server, &json!([{"training_file": file}]));
    server.ok(&["delete-files-by-name", "gone.jsonl", "--yes"]);
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = server.run(&["export", "-o", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    let server = server.speaking("azure");
    let (code, _, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "its training file {file} is missing from the export"
        )),
        "{stderr}"
    );
    assert!(server.jobs().is_empty());
}

/// Fireworks AI is a target like the others: its own open models of the same sizes, its price
/// before the creation, one job per exported succeeded job, none on a second run.
#[test]
fn an_export_is_recreated_on_fireworks_once() {
    let (server, dir) = exported();
    let server = server.speaking("fireworks");
    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let mut models: Vec<String> = server
        .jobs()
        .iter()
        .map(|j| {
            j["baseModel"]
                .as_str()
                .or(j["model"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    models.sort();
    assert_eq!(
        models,
        [
            "accounts/fireworks/models/llama-v3p1-70b-instruct",
            "accounts/fireworks/models/llama-v3p1-8b-instruct"
        ],
        "{:?}",
        server.jobs()
    );
    assert!(stdout.contains('$'), "the plan prices each job: {stdout}");
    assert!(
        stderr.contains("Fireworks AI takes no seed, so none is sent"),
        "{stderr}"
    );
    assert_eq!(recorded(dir.path()).len(), 2);
    let jobs = server.jobs().len();
    let (code, _, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(server.jobs().len(), jobs);
}

/// A job the target cannot recreate (here a DPO job where the target trains the model with
/// supervised fine-tuning only) is named and skipped before anything is created; the others
/// go ahead, and the exit code says one was left.
#[test]
fn a_job_the_target_cannot_train_is_skipped_and_named_before_anything_is_created() {
    let server = StandIn::start(&[]);
    let training = server.upload("datasets/sarcastic.jsonl");
    let preference = server.upload("datasets/preference.jsonl");
    seed(
        &server,
        &json!([
            {"training_file": training},
            {"training_file": preference, "method": "dpo", "model": "gpt-4o-mini-2024-07-18"},
            {"training_file": preference, "method": "dpo", "model": "gpt-4.1-mini-2025-04-14"},
        ]),
    );
    let dir = tempfile::tempdir().unwrap();
    server.ok(&["export", "-o", dir.path().to_str().unwrap()]);
    let server = server.speaking("azure");
    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--yes"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("warning: skipping")
            && stderr.contains("with supervised only, not dpo")
            && stderr.contains("1 job skipped"),
        "{stderr}"
    );
    // gpt-4.1-mini trains with DPO, though its DPO price is not published.
    assert_eq!(creations(&server, "/fine_tuning/jobs"), 2);
    assert!(stdout.contains("1 job not priced"), "{stdout}");
    assert_eq!(recorded(dir.path()).len(), 2);
}

/// Under `--max-cost`, a job whose cost is not known stops the migration before anything is
/// created, and is named with the way out.
#[test]
fn max_cost_names_the_jobs_it_cannot_price() {
    let server = StandIn::start(&[]);
    let training = server.upload("datasets/sarcastic.jsonl");
    let preference = server.upload("datasets/preference.jsonl");
    let ids = seed(
        &server,
        &json!([
            {"training_file": training},
            {"training_file": preference, "method": "dpo", "model": "gpt-4.1-mini-2025-04-14"},
        ]),
    );
    let dir = tempfile::tempdir().unwrap();
    server.ok(&["export", "-o", dir.path().to_str().unwrap()]);
    let server = server.speaking("azure");
    let (code, stdout, stderr) = migrate(&server, dir.path(), &["--yes", "--max-cost", "100"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "not creating any job: 1 job cannot be priced ({}), so --max-cost $100.00 cannot be honoured",
            ids[1]
        )) && stderr.contains("--job ID"),
        "{stderr}"
    );
    assert_eq!(creations(&server, "/fine_tuning/jobs"), 0);
    // The priced job alone goes ahead.
    let (code, stdout, stderr) = migrate(
        &server,
        dir.path(),
        &["--yes", "--max-cost", "100", "--job", &ids[0]],
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(creations(&server, "/fine_tuning/jobs"), 1);
}
