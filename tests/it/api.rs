//! The training workflow against the stand-in server: every command, the retry policy, the
//! errors users see, and the contract (every request and answer checked against the OpenAPI
//! description's schemas).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::{finetune, project_file, start_standin, valid_file};

/// The key every test uses; it must never appear in any output.
pub(crate) const KEY: &str = "sk-test-7d1e5c0a9b3f42e8";

/// The Fireworks account the tests use.
const FIREWORKS_ACCOUNT: &str = "acme";

/// A stand-in server started for one test, stopped when dropped.
pub(crate) struct StandIn {
    child: Child,
    pub(crate) url: String,
    state: tempfile::TempDir,
    /// The provider the binary is pointed at: `openai`, `azure`, `together` or `fireworks`.
    provider: &'static str,
}

impl StandIn {
    pub(crate) fn start(args: &[&str]) -> Self {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("finetune"));
        command
            .args(["stand-in", "--port", "0"])
            .args(if args.contains(&"--tick-ms") {
                &[][..]
            } else {
                &["--tick-ms", "5"][..]
            })
            .args(args);
        let (child, url) = start_standin(command);
        Self {
            child,
            url,
            state: tempfile::tempdir().unwrap(),
            provider: "openai",
        }
    }

    /// The same stand-in, spoken to as `provider` (each has its own address on it).
    pub(crate) fn speaking(mut self, provider: &'static str) -> Self {
        self.provider = provider;
        self
    }

    /// The binary, pointed at this stand-in with the provider's own variables.
    pub(crate) fn finetune(&self) -> assert_cmd::Command {
        let mut command = finetune();
        let root = self.url.trim_end_matches("/v1");
        match self.provider {
            "azure" => command
                .env("FINETUNE_PROVIDER", "azure")
                .env("AZURE_OPENAI_ENDPOINT", format!("{root}/azure"))
                .env("AZURE_OPENAI_API_KEY", KEY),
            // Azure's v1 surface: the base URL as the portal shows it, no `api-version`.
            "azure-v1" => command
                .env("FINETUNE_PROVIDER", "azure")
                .env("AZURE_OPENAI_ENDPOINT", format!("{root}/azure/openai/v1"))
                .env("AZURE_OPENAI_API_KEY", KEY),
            "together" => command
                .env("FINETUNE_PROVIDER", "together")
                .env("TOGETHER_BASE_URL", format!("{root}/together/v1"))
                .env("TOGETHER_API_KEY", KEY),
            "openai-compatible" => command
                .env("FINETUNE_PROVIDER", "openai-compatible")
                .env(
                    "OPENAI_COMPATIBLE_BASE_URL",
                    format!("{root}/compatible/v1"),
                )
                .env("OPENAI_API_KEY", KEY),
            "fireworks" => command
                .env("FINETUNE_PROVIDER", "fireworks")
                .env("FIREWORKS_BASE_URL", format!("{root}/fireworks"))
                .env("FIREWORKS_ACCOUNT_ID", FIREWORKS_ACCOUNT)
                .env("FIREWORKS_API_KEY", KEY),
            _ => command
                .env("OPENAI_BASE_URL", &self.url)
                .env("OPENAI_API_KEY", KEY),
        };
        command.env("FINETUNE_STATE_DIR", self.state.path());
        command
    }

    /// Runs the binary; (exit code, stdout, stderr), asserting the key is nowhere.
    pub(crate) fn run(&self, args: &[&str]) -> (i32, String, String) {
        run_keyless(self.finetune().args(args))
    }

    /// Runs the binary and expects exit 0; its standard output.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let (code, stdout, stderr) = self.run(args);
        assert_eq!(code, 0, "{args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        stdout
    }

    /// A raw HTTP request (the control routes, or reading what the server holds).
    pub(crate) fn http(&self, method: &str, path: &str, body: &str) -> (u16, Vec<u8>) {
        let address = self
            .url
            .trim_start_matches("http://")
            .trim_end_matches("/v1");
        let mut stream = TcpStream::connect(address).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&response[..split]).into_owned();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let mut body = response[split + 4..].to_vec();
        if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            body = dechunk(&body);
        }
        (status, body)
    }

    pub(crate) fn json(&self, method: &str, path: &str, body: &str) -> Value {
        let (status, body) = self.http(method, path, body);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).unwrap()
    }

    /// Uploads a dataset; its file id.
    pub(crate) fn upload(&self, path: &str) -> String {
        self.ok(&["upload-dataset", path]).trim().to_owned()
    }

    /// Every job, as `list-jobs` gives them in JSON.
    pub(crate) fn jobs(&self) -> Vec<Value> {
        let listed = self.ok(&["list-jobs", "--output-format", "json"]);
        serde_json::from_str::<Value>(&listed)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// The local record of uploads and unconfirmed jobs.
    fn record(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.state.path().join("uploads.json")).unwrap())
            .unwrap()
    }

    pub(crate) fn fault(&self, faults: &Value) {
        self.json("POST", "/_standin/faults", &faults.to_string());
    }

    pub(crate) fn journal(&self) -> Vec<Value> {
        self.json("GET", "/_standin/journal", "")
            .as_array()
            .unwrap()
            .clone()
    }

    /// The journal's requests as `METHOD /path`.
    pub(crate) fn calls(&self) -> Vec<String> {
        self.journal()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["method"].as_str().unwrap(),
                    e["path"].as_str().unwrap()
                )
            })
            .collect()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a prepared command; (exit code, stdout, stderr), asserting the key is nowhere.
fn run_keyless(command: &mut assert_cmd::Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        !stdout.contains(KEY) && !stderr.contains(KEY),
        "the key leaked:\n{stdout}\n{stderr}"
    );
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

/// A server on 127.0.0.1 answering every request with one canned HTTP answer, for answers the
/// stand-in does not give (hostile ones); it keeps the head of every request it got.
struct Canned {
    port: u16,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Canned {
    /// Serves `status` with `headers` (each `Name: value`) and `body`, closing each connection.
    fn start(status: &str, headers: &[String], body: &str) -> Self {
        Self::routes(status, headers, &[("", body)])
    }

    /// Serves `status` with `headers` and the body of the first route whose text is part of
    /// the request line (`GET /v1/files?…`), closing each connection.
    fn routes(status: &str, headers: &[String], routes: &[(&str, &str)]) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let answers: Vec<(String, String)> = routes
            .iter()
            .map(|(route, body)| {
                let mut answer = format!("HTTP/1.1 {status}\r\n");
                for header in headers {
                    answer.push_str(header);
                    answer.push_str("\r\n");
                }
                answer.push_str(&format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ));
                ((*route).to_owned(), answer)
            })
            .collect();
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = std::sync::Arc::clone(&heads);
        // The thread ends with the test process; it only ever waits in accept.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                let request_line = head.lines().next().unwrap_or_default().to_owned();
                kept.lock().unwrap().push(head);
                let answer = answers
                    .iter()
                    .find(|(route, _)| request_line.contains(route.as_str()))
                    .map_or(
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        |(_, answer)| answer.as_str(),
                    );
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Self { port, heads }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// The binary pointed at this server as OpenAI, without retries.
    fn finetune(&self) -> assert_cmd::Command {
        let mut command = finetune();
        command
            .env("OPENAI_BASE_URL", self.url())
            .env("OPENAI_API_KEY", KEY)
            .env("FINETUNE_MAX_RETRIES", "0");
        command
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(std::str::from_utf8(&body[..end]).unwrap().trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
}

/// Validates every exchange in the journal against its provider's OpenAPI description (Azure
/// OpenAI speaks OpenAI's): the request body against the operation's request schema, the answer
/// against its response (or error) schema.
fn assert_contract(journal: &[Value]) {
    let load = |name: &str| -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(project_file(&format!("tests/contract/{name}.json"))).unwrap(),
        )
        .unwrap()
    };
    let (openai, together, fireworks) = (load("openai"), load("together"), load("fireworks"));
    assert!(!journal.is_empty());
    for exchange in journal {
        let spec = match exchange["provider"].as_str() {
            Some("openai" | "azure" | "openai-compatible") => &openai,
            Some("together") => &together,
            Some("fireworks") => &fireworks,
            other => panic!("unknown provider {other:?}"),
        };
        let validator = |schema: &Value| {
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&json!({"components": spec["components"], "allOf": [schema]}))
                .expect("the schema compiles")
        };
        let operations = spec["operations"].as_object().unwrap();
        let method = exchange["method"].as_str().unwrap();
        let path = exchange["path"].as_str().unwrap();
        let (name, operation) = operations
            .iter()
            .filter(|(name, _)| {
                let (m, template) = name.split_once(' ').unwrap();
                m == method && template_matches(template, path)
            })
            // A custom method's template is more specific than the resource's.
            .max_by_key(|(name, _)| name.contains("}:"))
            .unwrap_or_else(|| panic!("{method} {path} is not an operation of the spec"));
        if let Some(request) = operation.get("request")
            && !exchange["request"].is_null()
        {
            let errors: Vec<String> = validator(&request["schema"])
                .iter_errors(&exchange["request"])
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "request of {name}: {errors:?}\n{}",
                exchange["request"]
            );
        }
        let status = exchange["status"].as_u64().unwrap();
        let mut response = exchange["response"].clone();
        // The spec's own pause example answers "paused", a status its enum leaves out.
        if response["status"] == "paused" && name.contains("/fine_tuning/jobs") {
            response["status"] = json!("running");
        }
        let schema = if status == 200 {
            operation["responses"]["200"].clone()
        } else {
            json!({"$ref": format!("#/components/schemas/{}", spec["error_schema"].as_str().unwrap())})
        };
        if schema.is_null() {
            // The operation's answer is not JSON (file content).
            continue;
        }
        let errors: Vec<String> = validator(&schema)
            .iter_errors(&response)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "answer {status} of {name}: {errors:?}\n{response}"
        );
    }
}

/// Whether `path` is an instance of `template`: `{name}` stands for any segment, and
/// `{name}:verb` (a Google-style custom method) for one ending in `:verb`.
fn template_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| match t.split_once("}:") {
            Some((_, verb)) if t.starts_with('{') => p.ends_with(&format!(":{verb}")),
            _ => t.starts_with('{') || t == p,
        })
}

/// Runs a prepared command: its exit code and standard error.
fn code_and_stderr(command: &mut assert_cmd::Command) -> (Option<i32>, String) {
    let output = command.output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The job id (the line starting with `job_prefix`) and the fine-tuned model a
/// `train-model --wait` printed.
fn job_and_model(stdout: &str, job_prefix: &str) -> (String, String) {
    let job = stdout
        .lines()
        .find(|l| l.starts_with(job_prefix))
        .unwrap_or_else(|| panic!("no job id in {stdout}"))
        .to_owned();
    let model = stdout
        .lines()
        .find_map(|l| l.strip_prefix("fine-tuned model: "))
        .unwrap_or_else(|| panic!("no fine-tuned model in {stdout}"))
        .to_owned();
    (job, model)
}

fn job_id(stdout: &str) -> String {
    let id = stdout.lines().last().unwrap().trim().to_owned();
    assert!(id.starts_with("ftjob-"), "{stdout}");
    id
}

/// The whole workflow through the same commands on `provider`: check → upload-dataset →
/// list-files → train-model → wait → list-job-events → list-checkpoints → metrics →
/// fine-tune-prompt → cancel-job on a second job → delete-files-by-name. What differs is only
/// what the provider names differently: job ids and fine-tuned model names.
fn workflow_on(provider: &'static str, job_prefix: &str, model_start: &str) {
    let server = StandIn::start(&[]).speaking(provider);
    let data = "datasets/sarcastic.jsonl";

    // check
    server.ok(&["check", data]);
    // upload-dataset: checked first, then uploaded; the second time it is reused.
    let (code, stdout, stderr) = server.run(&["upload-dataset", data]);
    assert_eq!(code, 0, "{stderr}");
    let file_id = stdout.trim().to_owned();
    assert!(file_id.starts_with("file-"), "{stdout}");
    assert!(stderr.contains("check: 35 supervised examples"), "{stderr}");
    let (_, again, stderr) = server.run(&["upload-dataset", data]);
    assert_eq!(again.trim(), file_id);
    assert!(
        stderr.contains("already uploaded") && stderr.contains("same content"),
        "{stderr}"
    );
    let validation = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    std::fs::write(validation.path(), valid_file(12)).unwrap();
    // list-files
    let listing = server.ok(&["list-files"]);
    assert!(listing.starts_with("ID"), "{listing}");
    assert!(
        listing.contains(&file_id)
            && listing.contains("sarcastic.jsonl")
            && listing.contains("fine-tune"),
        "{listing}"
    );
    let files: Value =
        serde_json::from_str(&server.ok(&["list-files", "--output-format", "json"])).unwrap();
    assert_eq!(files.as_array().unwrap().len(), 1);
    // train-model by name, with a local validation file, waiting for the end.
    let (code, stdout, stderr) = server.run(&[
        "train-model",
        "sarcastic.jsonl",
        "--validation-file",
        validation.path().to_str().unwrap(),
        "--suffix",
        "sarcasm",
        "--epochs",
        "2",
        "--yes",
        "--wait",
        "--poll-interval",
        "0.05",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stderr.contains("estimate: 2 epochs"), "{stderr}");
    assert!(stdout.contains("succeeded"), "{stdout}");
    let (job, model) = job_and_model(&stdout, job_prefix);
    assert!(model.starts_with(model_start), "{model}");
    assert!(stdout.contains("final valid loss"), "{stdout}");
    // wait on a finished job says the same.
    assert!(
        server
            .ok(&["wait", &job, "--poll-interval", "0.05"])
            .contains(&model)
    );
    // list-job-events: oldest first, ending with the success.
    let events = server.ok(&["list-job-events", &job]);
    let lines: Vec<&str> = events.lines().collect();
    assert!(lines[0].contains("Created fine-tuning job"), "{events}");
    assert!(
        lines.last().unwrap().contains("successfully completed"),
        "{events}"
    );
    assert!(
        events.to_lowercase().contains("step "),
        "progress is reported: {events}"
    );
    let json_events: Vec<Value> = server
        .ok(&["list-job-events", &job, "--output-format", "json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(json_events.len(), lines.len());
    // Following a finished job gives the same events and ends.
    assert_eq!(server.ok(&["list-job-events", &job, "--follow"]), events);
    // list-checkpoints: one per epoch, newest first.
    let checkpoints = server.ok(&["list-checkpoints", &job]);
    assert_eq!(checkpoints.lines().count(), 3, "{checkpoints}");
    assert!(
        checkpoints
            .lines()
            .nth(1)
            .unwrap()
            .contains(&format!("{model}:ckpt-step-")),
        "{checkpoints}"
    );
    // metrics: the CSV written, the chart drawn.
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("metrics.csv");
    let chart = server.ok(&["metrics", &job, "-o", csv_path.to_str().unwrap()]);
    assert!(
        chart.contains("train loss:")
            && chart.contains("* train loss")
            && chart.contains("o valid loss"),
        "{chart}"
    );
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(csv.starts_with("step,train_loss,"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 2 * 35, "{csv}");
    // fine-tune-prompt: by model name and by job id; the stand-in answers what it was taught.
    prompts_answer_by_model_and_job(&server, &model, &job);
    // A second job, cancelled.
    let server_slow_job = server.ok(&["train-model", &file_id, "--yes", "--epochs", "20"]);
    let second = server_slow_job.lines().last().unwrap().trim().to_owned();
    assert!(second.starts_with(job_prefix), "{second}");
    let cancelled = server.ok(&["cancel-job", &second]);
    assert_eq!(cancelled.trim(), format!("job {second} is now cancelled"));
    let (code, stdout, _) = server.run(&["wait", &second, "--poll-interval", "0.05"]);
    assert_eq!(code, 1, "a cancelled job is not a success");
    assert!(stdout.contains("cancelled"));
    let retrieved = server.ok(&["retrieve-job", &second]);
    assert!(
        retrieved.contains("status           cancelled"),
        "{retrieved}"
    );
    let jobs = server.ok(&["list-jobs"]);
    assert!(
        jobs.lines().nth(1).unwrap().starts_with(&second),
        "newest first:\n{jobs}"
    );
    // delete-files-by-name: shows what goes, then deletes it.
    let deleted = server.ok(&["delete-files-by-name", "sarcastic.jsonl", "--yes"]);
    assert!(
        deleted.contains(&file_id) && deleted.contains(&format!("deleted {file_id}")),
        "{deleted}"
    );
    let remaining: Value = serde_json::from_str(&server.ok(&[
        "list-files",
        "--purpose",
        "fine-tune",
        "--output-format",
        "json",
    ]))
    .unwrap();
    assert!(
        remaining
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["filename"] != "sarcastic.jsonl")
    );

    let journal = server.journal();
    let dialect = provider.trim_end_matches("-v1");
    assert!(
        journal.iter().all(|e| e["provider"] == dialect),
        "every request reached the {provider} dialect"
    );
    assert_contract(&journal);
}

#[test]
fn the_whole_workflow_runs_against_the_stand_in() {
    workflow_on(
        "openai",
        "ftjob-",
        "ft:gpt-4o-mini-2024-07-18:standin:sarcasm:",
    );
}

#[test]
fn the_whole_workflow_runs_on_azure_openai() {
    workflow_on("azure", "ftjob-", "gpt-4o-mini-2024-07-18.ft-");
}

#[test]
fn the_whole_workflow_runs_on_azure_openai_v1_without_an_api_version() {
    workflow_on("azure-v1", "ftjob-", "gpt-4o-mini-2024-07-18.ft-");
}

#[test]
fn azure_v1_base_urls_are_used_as_given() {
    let server = StandIn::start(&[]).speaking("azure");
    let root = server.url.trim_end_matches("/v1").to_owned();
    let base = format!("{root}/azure/openai/v1/");
    server.ok(&["list-files", "--base-url", &base]);
    server.ok(&["list-jobs", "--base-url", &base]);
    // An explicit dated version is refused there (see flags_a_provider_has_no_use_for_are_refused).
    let (code, _, _) = server.run(&[
        "list-jobs",
        "--base-url",
        &base,
        "--api-version",
        "2024-10-21",
    ]);
    assert_eq!(code, 2);
    let journal = server.journal();
    assert_eq!(journal.len(), 2, "{journal:?}");
    for exchange in &journal {
        assert_eq!(exchange["status"], 200, "{exchange}");
        assert!(
            !exchange["query"].as_str().unwrap().contains("api-version"),
            "{exchange}"
        );
    }
    // The dated surface goes on taking its version from AZURE_OPENAI_API_VERSION.
    let (code, _, stderr) = run_keyless(
        server
            .finetune()
            .env("AZURE_OPENAI_API_VERSION", "2025-02-01-preview")
            .arg("list-files"),
    );
    assert_eq!(code, 0, "{stderr}");
    let journal = server.journal();
    assert_eq!(
        journal.last().unwrap()["query"],
        "api-version=2025-02-01-preview"
    );
}

/// `--model` spelled out with OpenAI's default model is a model given, not "no model": under
/// `--provider together` it is refused with the reason rather than swapped for Llama.
#[test]
fn an_explicit_openai_default_model_is_refused_on_together() {
    let server = StandIn::start(&[]).speaking("together");
    let data = "datasets/sarcastic.jsonl";
    let model = "gpt-4o-mini-2024-07-18";
    for args in [
        &["check", data, "--model", model][..],
        &["upload-dataset", data, "--model", model],
        &["train-model", data, "--model", model, "--yes"],
    ] {
        let (code, stdout, stderr) = server.run(args);
        assert_eq!(code, 2, "{args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(
            stderr.contains("gpt-4o-mini-2024-07-18 is an OpenAI model")
                && !stderr.contains("Llama"),
            "{args:?}: {stderr}"
        );
    }
    assert!(server.calls().is_empty(), "{:?}", server.calls());
    // Without --model, Together's default is used and said.
    let (code, _, stderr) = server.run(&["upload-dataset", data]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("no --model given: using meta-llama/Meta-Llama-3.1-8B-Instruct-Reference"),
        "{stderr}"
    );
}

/// A watcher that keeps every status it is told.
struct Statuses(Vec<String>);

impl finetune::workflow::watch::JobWatcher for Statuses {
    fn update(
        &mut self,
        job: &finetune::api::types::Job,
        _: &finetune::workflow::watch::JobProgress,
    ) {
        self.0.push(job.status.clone());
    }
}

/// The workflow steps are library functions: a caller with its own reporter uploads (and
/// reuses) a file, creates a job exactly once and watches it end, without the command line.
#[test]
fn the_upload_and_create_workflows_run_from_the_library() {
    use finetune::api::types::{Hyperparameters, JobRequest, MethodSpec, ProviderOptions};
    use finetune::api::{ApiKey, Client, Config};
    use finetune::workflow::watch::watch;
    use finetune::workflow::{
        LocalState, Notes, UploadOptions, create_reconciled, upload_or_reuse,
    };

    let server = StandIn::start(&[]);
    let state = LocalState::new(Some(server.state.path().to_path_buf()));
    let client = Client::new(Config::new(&server.url, ApiKey::new(KEY))).unwrap();
    let options = UploadOptions {
        force: false,
        multipart_above: 512 << 20,
        part_size: 64 << 20,
    };
    let path = project_file("datasets/sarcastic.jsonl");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut notes = Notes::default();
    let upload = |notes: &mut Notes| {
        let reporter = (&state, notes as &mut dyn finetune::workflow::Reporter);
        runtime
            .block_on(upload_or_reuse(&client, &path, &options, reporter))
            .unwrap()
    };
    let file = upload(&mut notes);
    assert!(file.id.starts_with("file-"), "{file:?}");
    assert!(notes.0.is_empty(), "{:?}", notes.0);
    let again = upload(&mut notes);
    assert_eq!(again.id, file.id);
    assert!(
        notes
            .0
            .iter()
            .any(|n| n.contains("already uploaded") && n.contains("same content")),
        "{:?}",
        notes.0
    );
    let request = JobRequest {
        model: "gpt-4o-mini-2024-07-18".into(),
        training_file: file.id.clone(),
        validation_file: None,
        suffix: None,
        seed: None,
        method: MethodSpec::supervised(Hyperparameters::default()),
        request_id: Client::new_request_id(),
        options: ProviderOptions::None,
    };
    let job = runtime
        .block_on(create_reconciled(&client, request, (&state, &mut notes)))
        .unwrap();
    assert!(job.id.starts_with("ftjob-"), "{job:?}");
    assert_eq!(server.jobs().len(), 1);
    // Watching: every round told to the watcher, the job given back once it has ended.
    let mut statuses = Statuses(Vec::new());
    let poll = std::time::Duration::from_millis(20);
    let (ended, progress) = runtime
        .block_on(watch(&client, &job.id, poll, &mut statuses))
        .unwrap();
    assert_eq!(ended.status, "succeeded");
    assert_eq!(statuses.0.last().map(String::as_str), Some("succeeded"));
    assert!(progress.train_loss.is_some(), "{progress:?}");
}

/// `fine-tune-prompt` answers what the stand-in taught the model, the same by the model's name
/// and by its job's id.
fn prompts_answer_by_model_and_job(server: &StandIn, model: &str, job: &str) {
    let answer = server.ok(&[
        "fine-tune-prompt",
        model,
        "Who wrote 'Romeo and Juliet'?",
        "--system-message",
        "Marv is sarcastic.",
    ]);
    assert!(answer.contains("Shakespeare"), "{answer}");
    assert_eq!(
        server.ok(&["fine-tune-prompt", job, "Who wrote 'Romeo and Juliet'?"]),
        answer
    );
}

#[test]
fn the_whole_workflow_runs_on_together_ai() {
    workflow_on(
        "together",
        "ft-",
        "standin/Meta-Llama-3.1-8B-Instruct-Reference-sarcasm-",
    );
}

/// The stand-in's Together side judges an upload by Together's dataset rules, as Together does:
/// a weight on a user message (Together's documented example) trains there.
#[test]
fn the_stand_in_trains_a_file_only_together_accepts() {
    let server = StandIn::start(&[]).speaking("together");
    let lines: String = (0..10)
        .map(|i| {
            format!(
                r#"{{"messages": [{{"role": "user", "content": "Question {i}?", "weight": 0}}, {{"role": "assistant", "content": "Answer {i}.", "weight": 1}}]}}"#
            ) + "\n"
        })
        .collect();
    let file = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    std::fs::write(file.path(), lines).unwrap();
    let path = file.path().to_str().unwrap();
    let (code, stdout, stderr) = server.run(&[
        "train-model",
        path,
        "--training-type",
        "full",
        "--yes",
        "--wait",
        "--poll-interval",
        "0.05",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("succeeded"), "{stdout}");
}

#[test]
fn together_limits_and_price_are_honoured_before_anything_is_spent() {
    let server = StandIn::start(&[]).speaking("together");
    let data = "datasets/sarcastic.jsonl";
    // Beyond the model's limits: refused before the upload, each breach named.
    let (code, _, stderr) = server.run(&[
        "train-model",
        data,
        "--epochs",
        "50",
        "--lora-r",
        "128",
        "--yes",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("50 epochs")
            && stderr.contains("at most 20")
            && stderr.contains("LoRA rank 128"),
        "{stderr}"
    );
    let (code, _, stderr) =
        server.run(&["train-model", data, "--model", "acme/Unknown-7B", "--yes"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("is not fine-tunable on Together AI"),
        "{stderr}"
    );
    // An OpenAI model, or an OpenAI-only option, is refused with the reason.
    let (code, _, stderr) = server.run(&["train-model", data, "--model", "gpt-4o-mini", "--yes"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is an OpenAI model"), "{stderr}");
    let (code, _, stderr) = server.run(&[
        "train-model",
        data,
        "--learning-rate-multiplier",
        "2",
        "--yes",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--learning-rate"), "{stderr}");
    assert!(
        !server.calls().iter().any(|c| c == "POST /files/upload"),
        "nothing was uploaded: {:?}",
        server.calls()
    );
    // Together's own price is shown and --max-cost holds to it.
    let (code, _, stderr) = server.run(&[
        "train-model",
        data,
        "--training-type",
        "full",
        "--epochs",
        "3",
        "--max-cost",
        "0.000001",
        "--yes",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("Together AI estimate: $") && stderr.contains("above --max-cost"),
        "{stderr}"
    );
    assert!(
        server
            .calls()
            .iter()
            .any(|c| c == "POST /fine-tunes/estimate-price")
            && !server.calls().iter().any(|c| c == "POST /fine-tunes"),
        "{:?}",
        server.calls()
    );
    let priced = server
        .journal()
        .into_iter()
        .find(|e| e["path"] == "/fine-tunes/estimate-price")
        .unwrap();
    assert_eq!(priced["request"]["training_type"]["type"], "Full");
    assert_eq!(priced["request"]["n_epochs"], 3);
    // The job is then created with what was priced; pausing is not Together's.
    let job = server.ok(&[
        "train-model",
        "sarcastic.jsonl",
        "--training-type",
        "full",
        "--epochs",
        "3",
        "--yes",
    ]);
    let job = job.trim();
    let (code, _, stderr) = server.run(&["pause-job", job]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot pause"), "{stderr}");
    let retrieved = server.ok(&["retrieve-job", job]);
    assert!(retrieved.contains("\"type\":\"Full\""), "{retrieved}");
    // The check before an upload counts approximately, or exactly with the model's tokenizer.
    let (_, _, approximate) = server.run(&["upload-dataset", data]);
    assert!(
        approximate.contains("billed tokens per epoch (approximate"),
        "{approximate}"
    );
    let tokenizer = "tests/fixtures/word-level-tokenizer.json";
    let (code, _, exact) = server.run(&["upload-dataset", data, "--tokenizer", tokenizer]);
    assert_eq!(code, 0, "{exact}");
    assert!(
        exact.contains("billed tokens per epoch;") && !exact.contains("approximate"),
        "{exact}"
    );
    let (code, _, stderr) = server.run(&["upload-dataset", data, "--tokenizer", "Cargo.toml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("could not load the tokenizer Cargo.toml"),
        "{stderr}"
    );
    // The models Together fine-tunes, from Together.
    let models = server.ok(&["models"]);
    assert!(
        models.contains("meta-llama/Meta-Llama-3.1-8B-Instruct-Reference")
            && models.contains("MAX EPOCHS")
            && !models.contains("gpt-4o"),
        "{models}"
    );
    assert!(
        server
            .calls()
            .iter()
            .any(|c| c == "GET /fine-tunes/models/supported")
    );
    assert_contract(&server.journal());
}

/// Without job metadata (Azure, Together), a job whose answer was lost is found by its file,
/// model and suffix instead of being created again.
fn one_job_after_a_dropped_answer(provider: &'static str, route: &str, job_prefix: &str) {
    let server = StandIn::start(&[]).speaking(provider);
    let file = server.upload("datasets/sarcastic.jsonl");
    server.fault(&json!([{"path": route, "exact": true, "method": "POST", "kind": "drop_after"}]));
    let stdout = server.ok(&["train-model", &file, "--suffix", "once", "--yes"]);
    let job = stdout.lines().last().unwrap().trim();
    assert!(job.starts_with(job_prefix), "{stdout}");
    let jobs = server.jobs();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0]["id"], json!(job));
    let creates = server
        .calls()
        .iter()
        .filter(|c| *c == &format!("POST {route}"))
        .count();
    assert_eq!(creates, 1, "{:?}", server.calls());
}

#[test]
fn a_dropped_job_answer_leaves_one_job_on_azure_and_together() {
    one_job_after_a_dropped_answer("azure", "/fine_tuning/jobs", "ftjob-");
    one_job_after_a_dropped_answer("together", "/fine-tunes", "ft-");
}

#[test]
fn azure_needs_its_own_key_and_prompts_through_deployments() {
    let server = StandIn::start(&[]).speaking("azure");
    let (code, _, stderr) = code_and_stderr_of(&server, &["list-files"], &["AZURE_OPENAI_API_KEY"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("AZURE_OPENAI_API_KEY is not set"),
        "{stderr}"
    );
    let (code, _, stderr) = server.run(&["fine-tune-prompt", "not-deployed", "Hello?"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("deployment"), "{stderr}");
    let journal = server.journal();
    let exchange = journal.last().unwrap();
    assert_eq!(exchange["path"], "/chat/completions");
    assert_eq!(exchange["request"]["model"], "not-deployed");
    // Options only Together takes are refused, not dropped.
    let (code, _, stderr) = server.run(&[
        "train-model",
        "datasets/sarcastic.jsonl",
        "--lora-r",
        "16",
        "--yes",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("applies to Together AI, Fireworks AI only"),
        "{stderr}"
    );
    assert_contract(&journal);
}

/// Runs the binary against `server` with some variables removed.
fn code_and_stderr_of(
    server: &StandIn,
    args: &[&str],
    removed: &[&str],
) -> (Option<i32>, String, String) {
    let mut command = server.finetune();
    for variable in removed {
        command.env_remove(variable);
    }
    let output = command.args(args).output().unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_file_with_errors_is_not_uploaded_unless_asked() {
    let server = StandIn::start(&[]);
    let (code, stdout, stderr) = server.run(&["upload-dataset", "datasets/broken.jsonl"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("not uploading datasets/broken.jsonl") && stderr.contains("--no-check"),
        "{stderr}"
    );
    assert!(!server.calls().iter().any(|c| c == "POST /files"));
    // --no-check uploads with a warning; the job then fails on the platform's own validation.
    let broken = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    let no_answer = r#"{"messages": [{"role": "user", "content": "Anyone there?"}]}"#;
    std::fs::write(broken.path(), valid_file(10) + no_answer + "\n").unwrap();
    let path = broken.path().to_str().unwrap();
    let (code, stdout, stderr) = server.run(&["upload-dataset", path, "--no-check"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("without checking it (--no-check)"),
        "{stderr}"
    );
    let file = stdout.trim().to_owned();
    // An uploaded file is then neither downloaded nor checked, and the warning names it.
    let downloads = || {
        server
            .calls()
            .iter()
            .filter(|c| c.ends_with("/content"))
            .count()
    };
    let before = downloads();
    let (code, stdout, stderr) = server.run(&["train-model", &file, "--no-check", "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(downloads(), before);
    assert!(
        stderr.contains(&format!("training on {file} (")) && !stderr.contains("uploading"),
        "{stderr}"
    );
    let job = job_id(&stdout);
    let (code, stdout, stderr) = server.run(&["wait", &job, "--poll-interval", "0.05"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("failed"), "{stdout}");
    assert!(
        stderr.contains("invalid_training_file") && stderr.contains("finetune check"),
        "{stderr}"
    );
    assert_contract(&server.journal());
}

#[test]
fn max_cost_and_a_missing_yes_refuse_to_create_a_job() {
    let server = StandIn::start(&[]);
    let (code, _, stderr) = server.run(&[
        "train-model",
        "datasets/sarcastic.jsonl",
        "--max-cost",
        "0.001",
        "--yes",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("above --max-cost $0.00"), "{stderr}");
    let (code, _, stderr) = server.run(&["train-model", "datasets/sarcastic.jsonl"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("add --yes"), "{stderr}");
    assert!(!server.calls().iter().any(|c| c == "POST /fine_tuning/jobs"));
    // A DPO file without a DPO price: --max-cost cannot be honoured.
    let (code, _, stderr) = server.run(&[
        "train-model",
        "datasets/preference.jsonl",
        "--max-cost",
        "100",
        "--yes",
    ]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot be estimated"), "{stderr}");
    assert!(
        stderr.contains(
            "the price table does not list gpt-4o-mini-2024-07-18 for dpo training (it lists supervised)"
        ),
        "{stderr}"
    );
}

/// A model that trains with DPO at a price nobody publishes: the job is created, its cost
/// shown as unknown, and the reason is not that the model does not train so.
#[test]
fn a_dpo_job_without_a_published_price_is_created_with_its_cost_unknown() {
    let server = StandIn::start(&[]);
    let (code, stdout, stderr) = server.run(&[
        "train-model",
        "datasets/preference.jsonl",
        "--model",
        "gpt-4.1-mini",
        "--yes",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("no published price for gpt-4.1-mini-2025-04-14 dpo training")
            && stderr.contains("cost unknown"),
        "{stderr}"
    );
    let created = server
        .journal()
        .into_iter()
        .find(|e| e["method"] == "POST" && e["path"] == "/fine_tuning/jobs")
        .unwrap();
    assert_eq!(created["request"]["method"]["type"], "dpo", "{created}");
    assert_contract(&server.journal());
}

#[test]
fn rate_limits_and_server_errors_are_retried() {
    let server = StandIn::start(&[]);
    server.fault(&json!([
        {"path": "/files", "method": "GET", "kind": "status", "status": 429, "code": "rate_limit_exceeded", "retry_after_ms": 20, "times": 2},
        {"path": "/files", "method": "GET", "kind": "status", "status": 503, "retry_after": "0"},
    ]));
    server.ok(&["list-files"]);
    assert_eq!(
        server.calls().iter().filter(|c| *c == "GET /files").count(),
        4
    );
    // An exhausted quota is not retried, and says so.
    server.fault(
        &json!([{"path": "/files", "kind": "status", "status": 429, "code": "insufficient_quota"}]),
    );
    let (code, _, stderr) = server.run(&["list-files"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("HTTP 429")
            && stderr.contains("insufficient_quota")
            && stderr.contains("quota is used up"),
        "{stderr}"
    );
    assert!(stderr.contains("request id req_standin"), "{stderr}");
    assert_eq!(
        server.calls().iter().filter(|c| *c == "GET /files").count(),
        5
    );
    // A body cut short is read again.
    server.fault(&json!([{"path": "/files", "kind": "truncate"}]));
    server.ok(&["list-files"]);
    assert_contract(&server.journal());
}

#[test]
fn a_job_is_never_created_twice() {
    let server = StandIn::start(&[]);
    let file = server.upload("datasets/sarcastic.jsonl");
    // The job is created, but the answer never arrives.
    server.fault(&json!([{"path": "/fine_tuning/jobs", "method": "POST", "kind": "drop_after"}]));
    let job = job_id(&server.ok(&["train-model", &file, "--yes"]));
    let jobs = server.jobs();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0]["id"], json!(job));
    assert_eq!(
        server
            .calls()
            .iter()
            .filter(|c| *c == "POST /fine_tuning/jobs")
            .count(),
        1
    );
    let lookup = server
        .journal()
        .into_iter()
        .find(|e| e["method"] == "GET" && e["path"] == "/fine_tuning/jobs")
        .unwrap();
    assert!(
        lookup["query"]
            .as_str()
            .unwrap()
            .contains("finetune_request_id"),
        "{lookup}"
    );
    // A refused request (503) was not acted on: it is sent again.
    server.fault(&json!([{"path": "/fine_tuning/jobs", "method": "POST", "kind": "status", "status": 429, "retry_after_ms": 10}]));
    server.ok(&["train-model", &file, "--yes"]);
    assert_eq!(server.jobs().len(), 2);
    assert_contract(&server.journal());
}

#[test]
fn the_key_is_scrubbed_from_refusals() {
    let server = StandIn::start(&["--api-key", "sk-the-right-one"]);
    // The stand-in echoes the wrong key in full, as some servers do.
    let (code, _, stderr) = server.run(&["list-files"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("HTTP 401") && stderr.contains("[redacted]"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: the API key was refused"), "{stderr}");
    let (code, stderr) = code_and_stderr(
        server
            .finetune()
            .env_remove("OPENAI_API_KEY")
            .arg("list-files"),
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("OPENAI_API_KEY is not set"), "{stderr}");
}

#[test]
fn the_wind_down_is_explained() {
    let server = StandIn::start(&["--wind-down"]);
    let after = |server: &StandIn| {
        let mut command = server.finetune();
        command.env("FINETUNE_TODAY", "2027-02-01").args([
            "train-model",
            "datasets/sarcastic.jsonl",
            "--yes",
        ]);
        run_keyless(&mut command)
    };
    let (code, _, stderr) = after(&server);
    assert_eq!(code, 2);
    assert!(stderr.contains("HTTP 403"), "{stderr}");
    assert!(
        stderr.contains("2027-01-06")
            && stderr.contains("--provider together")
            && stderr.contains("--provider azure")
            && stderr.contains("--provider fireworks"),
        "{stderr}"
    );
    // Before the cut-off the same refusal is not explained as the wind-down.
    let (code, _, stderr) = server.run(&["train-model", "datasets/sarcastic.jsonl", "--yes"]);
    assert_eq!(code, 2);
    assert!(!stderr.contains("stopped new self-serve"), "{stderr}");
    // The advice holds: the same dataset, through the same command, trains on Together AI.
    let server = server.speaking("together");
    let stdout = server.ok(&["train-model", "datasets/sarcastic.jsonl", "--yes"]);
    assert!(stdout.trim().starts_with("ft-"), "{stdout}");
    assert_contract(&server.journal());
    let server = StandIn::start(&["--retired", "gpt-4o-mini-2024-07-18"]);
    let (code, _, stderr) = after(&server);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("retired")
            && stderr.contains("`finetune models` lists the shutdown dates")
            && stderr.contains("--provider together"),
        "{stderr}"
    );
    assert_contract(&server.journal());
}

#[test]
fn a_running_job_is_followed_paused_resumed_and_its_file_guarded() {
    let server = StandIn::start(&["--tick-ms", "40"]);
    let job = job_id(&server.ok(&[
        "train-model",
        "datasets/sarcastic.jsonl",
        "--yes",
        "--epochs",
        "1",
    ]));
    // The model does not exist yet.
    let (code, _, stderr) = server.run(&["fine-tune-prompt", &job, "Hello?"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("does not exist yet") && stderr.contains("finetune wait"),
        "{stderr}"
    );
    // Deleting its training file warns, and without a terminal asks for --yes.
    let (code, _, stderr) = server.run(&["delete-files-by-name", "sarcastic.jsonl"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!("is used by job {job}")) && stderr.contains("add --yes"),
        "{stderr}"
    );
    // Pause once it runs, then resume.
    let mut paused = false;
    for _ in 0..100 {
        if server.run(&["pause-job", &job]).0 == 0 {
            paused = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(paused, "the job never ran");
    assert!(
        server
            .ok(&["retrieve-job", &job])
            .contains("status           paused")
    );
    assert_eq!(
        server.ok(&["resume-job", &job]).trim(),
        format!("job {job} is now running")
    );
    // --follow streams until the end, each event once, oldest first.
    let followed = server.ok(&[
        "list-job-events",
        &job,
        "--follow",
        "--poll-interval",
        "0.05",
    ]);
    assert!(
        followed
            .lines()
            .next()
            .unwrap()
            .contains("Created fine-tuning job"),
        "{followed}"
    );
    assert!(
        followed.contains("Fine-tuning job paused") && followed.contains("Fine-tuning job resumed")
    );
    assert!(
        followed
            .lines()
            .last()
            .unwrap()
            .contains("successfully completed"),
        "{followed}"
    );
    let all = server.ok(&["list-job-events", &job]);
    assert_eq!(followed, all);
    assert_contract(&server.journal());
}

/// `upload-dataset PATH` in parts of 8000 bytes.
fn in_parts(path: &str) -> [&str; 6] {
    [
        "upload-dataset",
        path,
        "--multipart-above",
        "10000",
        "--part-size",
        "8000",
    ]
}

#[test]
fn large_files_go_in_parts_and_resume_after_a_failed_part() {
    let server = StandIn::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.jsonl");
    std::fs::write(&path, valid_file(400)).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let args = in_parts(path.to_str().unwrap());
    let parts = size.div_ceil(8000) as usize;
    // One part fails (and is not tried again): the command stops, keeping the parts that went
    // through.
    server.fault(&json!([{"path": "/uploads/", "kind": "status", "status": 500}]));
    let (code, stderr) = code_and_stderr(
        server
            .finetune()
            .env("FINETUNE_MAX_RETRIES", "0")
            .args(args),
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    let sent_before = server
        .journal()
        .iter()
        .filter(|e| e["path"].as_str().unwrap().ends_with("/parts") && e["status"] == 200)
        .count();
    // The second run sends only the missing part and completes in order.
    let (code, stdout, stderr) = server.run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("resuming upload"), "{stderr}");
    let sent = server
        .journal()
        .iter()
        .filter(|e| e["path"].as_str().unwrap().ends_with("/parts") && e["status"] == 200)
        .count();
    assert_eq!(
        sent_before, 3,
        "the first four parts go together; one of them failed"
    );
    assert_eq!(sent, parts, "the second run sent each missing part once");
    let file = stdout.trim();
    let (status, content) = server.http("GET", &format!("/v1/files/{file}/content"), "");
    assert_eq!(status, 200);
    assert_eq!(
        content,
        std::fs::read(&path).unwrap(),
        "the parts were put together in order"
    );
    assert_eq!(
        server
            .calls()
            .iter()
            .filter(|c| *c == "POST /uploads")
            .count(),
        1
    );
    assert_contract(&server.journal());
}

#[test]
fn files_and_parts_of_several_megabytes_go_through() {
    let server = StandIn::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    std::fs::write(&path, valid_file(30_000)).unwrap();
    let expected = std::fs::read(&path).unwrap();
    assert!(expected.len() > 4_000_000);
    let path = path.to_str().unwrap();
    for extra in [
        &[][..],
        &[
            "--multipart-above",
            "1000000",
            "--part-size",
            "3000000",
            "--force",
        ][..],
    ] {
        let mut args = vec!["upload-dataset", path, "--no-check"];
        args.extend_from_slice(extra);
        let file = server.ok(&args).trim().to_owned();
        let (status, content) = server.http("GET", &format!("/v1/files/{file}/content"), "");
        assert_eq!(status, 200);
        assert!(content == expected, "{file} differs from the local file");
    }
    assert_eq!(
        server
            .calls()
            .iter()
            .filter(|c| c.ends_with("/parts"))
            .count(),
        2
    );
}

#[test]
fn options_and_server_waits_beyond_reason_end_with_a_clear_error() {
    let server = StandIn::start(&["--tick-ms", "1000"]);
    let job = job_id(&server.ok(&["train-model", "datasets/sarcastic.jsonl", "--yes"]));
    // A running job: the first round passes, then the interval would be slept.
    for interval in ["1e20", "1e10", "0", "-1", "NaN"] {
        let option = format!("--poll-interval={interval}");
        for args in [
            &["wait", &job, &option][..],
            &["list-job-events", &job, "--follow", &option][..],
        ] {
            let (code, _, stderr) = server.run(args);
            assert_eq!(code, 2, "{args:?}: {stderr}");
            assert!(
                stderr.contains("expected a number of seconds from 0.01 to 3600"),
                "{stderr}"
            );
        }
    }
    // A Retry-After no duration can hold is a wait too long to honour, said so.
    let listings = || server.calls().iter().filter(|c| *c == "GET /files").count();
    let before = listings();
    server.fault(&json!([{"path": "/files", "method": "GET", "kind": "status", "status": 429, "retry_after": "99999999999999999999999"}]));
    let (code, _, stderr) = server.run(&["list-files"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("HTTP 429")
            && stderr.contains("asks to wait 99999999999999999999999 s")
            && stderr.contains("longer than the 120 s"),
        "{stderr}"
    );
    assert_eq!(listings(), before + 1, "not tried again");
    // The read timeout is an option: a slow answer times out as told.
    server.fault(&json!([{"path": "/files", "method": "GET", "kind": "slow", "delay_ms": 3000}]));
    let (code, _, stderr) =
        server.run(&["list-files", "--read-timeout", "0.3", "--max-retries", "0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("GET /files: no answer from"), "{stderr}");
    let (code, _, stderr) = server.run(&["list-files", "--read-timeout", "1e30"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("from 0.1 to 86400"), "{stderr}");
    assert_contract(&server.journal());
}

#[test]
fn the_connection_hint_says_whether_the_request_was_tried_again() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://127.0.0.1:{}/v1",
        closed.local_addr().unwrap().port()
    );
    drop(closed);
    for (retries, said) in [
        ("0", "was not tried again"),
        ("1", "tried again once before giving up"),
    ] {
        let mut command = finetune();
        command
            .env("OPENAI_BASE_URL", &url)
            .env("OPENAI_API_KEY", KEY)
            .args(["list-files", "--max-retries", retries]);
        let (code, _, stderr) = run_keyless(&mut command);
        assert_eq!(code, 2);
        assert!(stderr.contains(said), "{stderr}");
        assert_eq!(
            retries == "0",
            !stderr.contains("before giving up"),
            "{stderr}"
        );
    }
}

#[test]
fn the_key_is_scrubbed_from_every_part_of_an_answer() {
    // Echoed in the error's message, type, code and param, and in the request id header.
    let refusal = json!({"error": {
        "message": format!("Incorrect API key provided: {KEY}"),
        "type": format!("invalid_{KEY}"), "code": KEY, "param": format!("key={KEY}"),
    }});
    let server = Canned::start(
        "401 Unauthorized",
        &[format!("x-request-id: req-{KEY}")],
        &refusal.to_string(),
    );
    let (code, _, stderr) = run_keyless(server.finetune().arg("list-files"));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("code [redacted]")
            && stderr.contains("param key=[redacted]")
            && stderr.contains("request id req-[redacted]"),
        "{stderr}"
    );
    // Echoed in a field that fails to decode.
    let odd = json!({"object": "list", "data": KEY});
    let server = Canned::start("200 OK", &[], &odd.to_string());
    let (code, _, stderr) = run_keyless(server.finetune().arg("list-files"));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("could not be read") && stderr.contains("[redacted]"),
        "{stderr}"
    );
    // Echoed in an error body that is not JSON.
    let server = Canned::start("500 Internal Server Error", &[], &format!("<h1>{KEY}</h1>"));
    let (code, _, stderr) = run_keyless(server.finetune().arg("list-files"));
    assert_eq!(code, 2);
    assert!(stderr.contains("<h1>[redacted]</h1>"), "{stderr}");
}

#[test]
fn the_key_is_scrubbed_from_every_successful_answer() {
    let job = |id: &str| {
        json!({
            "object": "fine_tuning.job", "id": id, "created_at": 1_700_000_000,
            "model": format!("gpt-4o-mini-{KEY}"), "fine_tuned_model": format!("ft:gpt-4o-mini:{KEY}"),
            "status": "succeeded", "training_file": "file-train", "result_files": ["file-result"],
        })
    };
    let jobs = json!({"object": "list", "data": [job(&format!("ftjob-{KEY}"))], "has_more": false});
    let files = json!({"object": "list", "has_more": false, "data": [{
        "id": "file-abc", "object": "file", "bytes": 120, "created_at": 1_700_000_000,
        "filename": format!("train-{KEY}.jsonl"), "purpose": "fine-tune", "status": "processed",
    }]});
    let events = json!({"object": "list", "has_more": false, "data": [{
        "id": "ftevent-1", "object": "fine_tuning.job.event", "created_at": 1_700_000_000,
        "level": "info", "message": format!("Step 1/10: training loss=1.5 for {KEY}"),
    }]});
    let reply = json!({"object": "chat.completion", "model": format!("ft:gpt-4o-mini:{KEY}"),
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": format!("Your key is {KEY}")}}]});
    let csv = format!("step,train_loss,note\n1,1.5,{KEY}\n2,1.2,fine\n");
    let encoded = base64::engine::general_purpose::STANDARD.encode(&csv);
    let (jobs, files, events, reply, one) = (
        jobs.to_string(),
        files.to_string(),
        events.to_string(),
        reply.to_string(),
        job("ftjob-abc").to_string(),
    );
    let routes = |metrics: &'static str| {
        let metrics: &str = if metrics == "csv" { &csv } else { &encoded };
        Canned::routes(
            "200 OK",
            &[],
            &[
                ("/events", events.as_str()),
                ("/files/file-result/content", metrics),
                ("/files", files.as_str()),
                ("/chat/completions", reply.as_str()),
                ("/fine_tuning/jobs/", one.as_str()),
                ("/fine_tuning/jobs", jobs.as_str()),
            ],
        )
    };
    let server = routes("csv");
    let shown = |args: &[&str]| {
        let (code, stdout, stderr) = run_keyless(server.finetune().args(args));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        format!("{stdout}{stderr}")
    };
    for format in ["human", "json"] {
        let listed = shown(&["list-jobs", "--output-format", format]);
        assert!(
            listed.contains("ftjob-[redacted]") && listed.contains("ft:gpt-4o-mini:[redacted]"),
            "{listed}"
        );
        let listed = shown(&["list-files", "--output-format", format]);
        assert!(listed.contains("train-[redacted].jsonl"), "{listed}");
        let listed = shown(&["list-job-events", "ftjob-abc", "--output-format", format]);
        assert!(
            listed.contains("training loss=1.5 for [redacted]"),
            "{listed}"
        );
        let listed = shown(&["retrieve-job", "ftjob-abc", "--output-format", format]);
        assert!(
            listed.contains("ftjob-abc") && listed.contains("gpt-4o-mini-[redacted]"),
            "{listed}"
        );
    }
    // Azure reads the same shapes under /openai through the same transport.
    for command in ["list-jobs", "list-files"] {
        let (code, stdout, stderr) = run_keyless(
            finetune()
                .env("FINETUNE_PROVIDER", "azure")
                .env(
                    "AZURE_OPENAI_ENDPOINT",
                    format!("http://127.0.0.1:{}", server.port),
                )
                .env("AZURE_OPENAI_API_KEY", KEY)
                .env("FINETUNE_MAX_RETRIES", "0")
                .arg(command),
        );
        assert_eq!(code, 0, "azure {command}: {stderr}");
        assert!(stdout.contains("[redacted]"), "azure {command}: {stdout}");
    }
    // Together's own shapes, through the same transport.
    let together = json!({"data": [{
        "id": format!("ft-{KEY}"), "status": "completed", "created_at": "2024-01-01T00:00:00Z",
        "training_file": "file-train", "model": "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
        "model_output_name": format!("me/llama-{KEY}"),
    }]});
    let together = Canned::start("200 OK", &[], &together.to_string());
    for format in ["human", "json"] {
        let (code, stdout, stderr) = run_keyless(
            finetune()
                .env("FINETUNE_PROVIDER", "together")
                .env("TOGETHER_BASE_URL", together.url())
                .env("TOGETHER_API_KEY", KEY)
                .env("FINETUNE_MAX_RETRIES", "0")
                .args(["list-jobs", "--output-format", format]),
        );
        assert_eq!(code, 0, "together: {stderr}");
        assert!(stdout.contains("ft-[redacted]"), "together: {stdout}");
    }
    let answered = shown(&["fine-tune-prompt", "ftjob-abc", "What is my key?"]);
    assert!(answered.contains("Your key is [redacted]"), "{answered}");
    for kind in ["csv", "base64"] {
        let server = routes(kind);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("metrics.csv");
        let (code, _, stderr) = run_keyless(
            server
                .finetune()
                .arg("metrics")
                .arg("ftjob-abc")
                .arg("-o")
                .arg(&out),
        );
        assert_eq!(code, 0, "{kind}: {stderr}");
        let written = std::fs::read_to_string(&out).unwrap();
        assert!(
            !written.contains(KEY) && written.contains("1,1.5,[redacted]"),
            "{kind}: {written}"
        );
    }
}

#[test]
fn no_credential_follows_a_redirect_to_another_origin() {
    let elsewhere = Canned::start("200 OK", &[], r#"{"object": "list", "data": []}"#);
    let redirect = Canned::start(
        "307 Temporary Redirect",
        &[format!(
            "Location: http://127.0.0.1:{}/openai/files",
            elsewhere.port
        )],
        "",
    );
    for provider in ["azure", "openai"] {
        let mut command = finetune();
        command
            .env("FINETUNE_PROVIDER", provider)
            .env(
                "AZURE_OPENAI_ENDPOINT",
                format!("http://127.0.0.1:{}", redirect.port),
            )
            .env("AZURE_OPENAI_API_KEY", KEY)
            .env("OPENAI_BASE_URL", redirect.url())
            .env("OPENAI_API_KEY", KEY)
            .arg("list-files");
        let (code, _, stderr) = run_keyless(&mut command);
        assert_eq!(code, 2, "{provider}: {stderr}");
        assert!(
            stderr.contains("HTTP 307")
                && stderr.contains(&format!(
                    "redirects to http://127.0.0.1:{}/",
                    elsewhere.port
                )),
            "{provider}: {stderr}"
        );
    }
    let sent: Vec<String> = redirect.heads();
    assert!(
        sent.iter().any(|h| h.contains(&format!("api-key: {KEY}"))),
        "{sent:?}"
    );
    let leaked: Vec<String> = elsewhere
        .heads()
        .into_iter()
        .filter(|head| {
            let head = head.to_ascii_lowercase();
            head.contains("api-key") || head.contains("authorization")
        })
        .collect();
    assert!(leaked.is_empty(), "credentials crossed origins: {leaked:?}");
}

#[test]
fn plain_http_beyond_this_machine_is_refused_unless_allowed() {
    let server = StandIn::start(&[]);
    let (code, _, stderr) = server.run(&["list-files", "--base-url", "http://api.example.com/v1"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("not sending the API key unencrypted to http://api.example.com/v1")
            && stderr.contains("--allow-insecure-http"),
        "{stderr}"
    );
    // This machine is fine over plain http, with or without the flag.
    server.ok(&[
        "list-files",
        "--base-url",
        &server.url.replace("127.0.0.1", "localhost"),
    ]);
    server.ok(&["list-files", "--allow-insecure-http"]);
}

#[test]
fn concurrent_uploads_lose_no_record_and_send_a_file_once() {
    let server = StandIn::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    // Runs with the same file at once: one uploads, the others wait and reuse its upload.
    let uploads = || {
        server
            .calls()
            .iter()
            .filter(|c| *c == "POST /files")
            .count()
    };
    for round in 0..3 {
        let path = dir.path().join(format!("twin-{round}.jsonl"));
        std::fs::write(&path, valid_file(20 + round)).unwrap();
        let path = path.to_str().unwrap();
        let ids: Vec<String> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..3)
                .map(|_| scope.spawn(|| server.ok(&["upload-dataset", path, "--no-check"])))
                .collect();
            runs.into_iter().map(|run| run.join().unwrap()).collect()
        });
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        assert_eq!(uploads(), round + 1, "{:?}", server.calls());
    }
    // Eight different files at once: every one is in the record.
    let paths: Vec<String> = (0..8)
        .map(|i| {
            let path = dir.path().join(format!("part-{i}.jsonl"));
            std::fs::write(&path, valid_file(10 + i)).unwrap();
            path.to_str().unwrap().to_owned()
        })
        .collect();
    std::thread::scope(|scope| {
        for path in &paths {
            scope.spawn(|| server.ok(&["upload-dataset", path]));
        }
    });
    assert_eq!(uploads(), 11);
    let record = server.record();
    let recorded = record["files"].as_array().unwrap();
    assert_eq!(recorded.len(), 11, "{record}");
    for i in 0..8 {
        let name = format!("part-{i}.jsonl");
        assert!(
            recorded.iter().any(|f| f["filename"] == name.as_str()),
            "{name} is not recorded: {record}"
        );
    }
    assert_contract(&server.journal());
}

/// A job whose creation answer was lost, and whose lookup failed too, is found by the next run
/// of the same command (by its request id, or by file, model and time where the provider keeps
/// no metadata) instead of being created a second time.
fn unknown_creation_on(provider: &'static str, route: &str, job_prefix: &str) {
    unknown_creation_looked_up(provider, route, (route, true), job_prefix);
}

/// [`unknown_creation_on`], where the job is looked for at `lookup` (a path, and whether it
/// is that path exactly or any below it).
fn unknown_creation_looked_up(
    provider: &'static str,
    route: &str,
    (lookup, exact): (&str, bool),
    job_prefix: &str,
) {
    let server = StandIn::start(&[]).speaking(provider);
    let file = server.upload("datasets/sarcastic.jsonl");
    server.fault(&json!([
        {"path": route, "exact": true, "method": "POST", "kind": "drop_after"},
        {"path": lookup, "exact": exact, "method": "GET", "kind": "status", "status": 500},
    ]));
    let args = ["train-model", &file, "--suffix", "once", "--yes"];
    let (code, stdout, stderr) = server.run(&[&args[..], &["--max-retries", "0"]].concat());
    assert_eq!(code, 2, "{provider}: {stdout}\n{stderr}");
    assert!(
        stderr.contains("the job may already exist")
            && stderr.contains("HTTP 500")
            && stderr.contains("`finetune list-jobs` shows it"),
        "{provider}: {stderr}"
    );
    let (code, stdout, stderr) = server.run(&args);
    assert_eq!(code, 0, "{provider}: {stderr}");
    let job = stdout.trim();
    assert!(job.starts_with(job_prefix), "{provider}: {stdout}");
    assert!(
        stderr.contains(&format!("job {job} was created by an earlier run")),
        "{provider}: {stderr}"
    );
    let jobs = server.jobs();
    assert_eq!(jobs.len(), 1, "{provider}: {jobs:?}");
    assert_eq!(jobs[0]["id"], json!(job));
    let creates = || {
        server
            .calls()
            .iter()
            .filter(|c| **c == format!("POST {route}"))
            .count()
    };
    assert_eq!(creates(), 1, "{provider}");
    // Settled: the next run of the same command makes a new job, as asked.
    server.ok(&args);
    assert_eq!(creates(), 2, "{provider}");
    let record = server.record();
    assert_eq!(record["jobs"], json!([]), "{provider}: {record}");
    assert_contract(&server.journal());
}

#[test]
fn a_job_whose_creation_is_unknown_is_found_by_the_next_run_not_created_again() {
    unknown_creation_on("openai", "/fine_tuning/jobs", "ftjob-");
    unknown_creation_on("azure", "/fine_tuning/jobs", "ftjob-");
    unknown_creation_on("together", "/fine-tunes", "ft-");
}

#[test]
fn multipart_uploads_carry_on_after_a_lost_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.jsonl");
    std::fs::write(&path, valid_file(200)).unwrap();
    let args = in_parts(path.to_str().unwrap());
    let content_of = |server: &StandIn, file: &str| {
        let (status, content) = server.http("GET", &format!("/v1/files/{file}/content"), "");
        assert_eq!(status, 200);
        content
    };
    // The upload is completed but the answer is lost: the file it made is found and used.
    let server = StandIn::start(&[]);
    server.fault(&json!([{"path": "/uploads/upload_000001standin/complete", "exact": true, "method": "POST", "kind": "drop_after"}]));
    let (code, stdout, stderr) = server.run(&args);
    assert_eq!(code, 0, "{stderr}");
    let file = stdout.trim();
    assert_eq!(content_of(&server, file), std::fs::read(&path).unwrap());
    let completions = server
        .calls()
        .iter()
        .filter(|c| c.ends_with("/complete"))
        .count();
    assert_eq!(completions, 1, "{:?}", server.calls());
    let files: Value =
        serde_json::from_str(&server.ok(&["list-files", "--output-format", "json"])).unwrap();
    assert_eq!(files.as_array().unwrap().len(), 1, "{files}");
    assert_eq!(server.record()["pending"], json!([]));
    assert_contract(&server.journal());
    // The upload is started but the answer is lost: the platform cannot list uploads, so a new
    // one is started and the empty one left behind is said.
    let server = StandIn::start(&[]);
    server.fault(
        &json!([{"path": "/uploads", "exact": true, "method": "POST", "kind": "drop_after"}]),
    );
    let (code, stdout, stderr) = server.run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("was lost once") && stderr.contains("expires on its own within an hour"),
        "{stderr}"
    );
    assert_eq!(
        content_of(&server, stdout.trim()),
        std::fs::read(&path).unwrap()
    );
    assert_contract(&server.journal());
}

/// `train-model` of a local file already uploaded says it reuses the upload, and never also
/// that it uploaded it.
#[test]
fn train_model_on_a_file_already_uploaded_says_it_reuses_it() {
    let server = StandIn::start(&[]);
    let data = "datasets/sarcastic.jsonl";
    let file_id = server.ok(&["upload-dataset", data]).trim().to_owned();
    let (code, _, stderr) = server.run(&["train-model", data, "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("already uploaded")
            && stderr.contains(&format!("training on {data} as {file_id}")),
        "{stderr}"
    );
    assert!(!stderr.contains("uploaded datasets/"), "{stderr}");
    let uploads = server
        .calls()
        .iter()
        .filter(|c| *c == "POST /files")
        .count();
    assert_eq!(uploads, 1);
}

/// A flag the provider has no use for is refused with the reason, before any request.
#[test]
fn flags_a_provider_has_no_use_for_are_refused() {
    let server = StandIn::start(&[]).speaking("together");
    for (flag, value) in [
        ("--organization", "org-1"),
        ("--project", "proj-1"),
        ("--api-version", "2024-10-21"),
    ] {
        let (code, _, stderr) = server.run(&["list-files", flag, value]);
        assert_eq!(code, 2, "{flag}: {stderr}");
        assert!(
            stderr.contains(&format!("{flag} has no meaning on Together AI")),
            "{stderr}"
        );
    }
    let azure = StandIn::start(&[]).speaking("azure-v1");
    let (code, _, stderr) = azure.run(&["list-files", "--api-version", "preview"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not dated"), "{stderr}");
    assert!(server.calls().is_empty() && azure.calls().is_empty());
}

/// The whole workflow on Fireworks AI, through the same commands: check → upload-dataset →
/// list-files → train-model → wait → list-job-events → fine-tune-prompt → cancel-job on a
/// second job → delete-files-by-name. What Fireworks' API does not report (checkpoints,
/// losses) is said, not invented.
#[test]
fn the_whole_workflow_runs_on_fireworks_ai() {
    let server = StandIn::start(&[]).speaking("fireworks");
    let data = "datasets/sarcastic.jsonl";
    let (code, stdout, stderr) = server.run(&["check", data]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("Fireworks AI"), "{stdout}");
    // upload-dataset: a dataset record, its content, then validation; the second time reused.
    let (code, stdout, stderr) = server.run(&["upload-dataset", data]);
    assert_eq!(code, 0, "{stderr}");
    let file_id = stdout.trim().to_owned();
    assert!(file_id.starts_with("file-sarcastic-jsonl-"), "{stdout}");
    let (_, again, stderr) = server.run(&["upload-dataset", data]);
    assert_eq!(again.trim(), file_id);
    assert!(stderr.contains("already uploaded"), "{stderr}");
    let calls = server.calls();
    let dataset = format!("/v1/accounts/{FIREWORKS_ACCOUNT}/datasets");
    assert!(calls.contains(&format!("POST {dataset}")), "{calls:?}");
    assert!(
        calls.contains(&format!("POST {dataset}/{file_id}:upload")),
        "{calls:?}"
    );
    let listing = server.ok(&["list-files"]);
    assert!(
        listing.contains(&file_id) && listing.contains("sarcastic.jsonl"),
        "{listing}"
    );
    let validation = tempfile::Builder::new()
        .suffix(".jsonl")
        .tempfile()
        .unwrap();
    std::fs::write(validation.path(), valid_file(12)).unwrap();
    // train-model by name, with a local evaluation file, LoRA rank and learning rate.
    let (code, stdout, stderr) = server.run(&[
        "train-model",
        "sarcastic.jsonl",
        "--validation-file",
        validation.path().to_str().unwrap(),
        "--suffix",
        "sarcasm",
        "--epochs",
        "2",
        "--lora-r",
        "16",
        "--learning-rate",
        "0.0002",
        "--yes",
        "--wait",
        "--poll-interval",
        "0.05",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("estimate: 2 epochs") && stderr.contains('$'),
        "{stderr}"
    );
    assert!(stdout.contains("succeeded"), "{stdout}");
    let (job, model) = job_and_model(&stdout, "ftjob-");
    assert!(
        model.starts_with(&format!("accounts/{FIREWORKS_ACCOUNT}/models/sarcasm-")),
        "{model}"
    );
    let created = server
        .journal()
        .into_iter()
        .find(|e| {
            e["method"] == "POST"
                && e["path"]
                    .as_str()
                    .unwrap()
                    .ends_with("/supervisedFineTuningJobs")
        })
        .unwrap();
    assert_eq!(created["request"]["loraRank"], json!(16), "{created}");
    assert_eq!(created["request"]["learningRate"], json!(0.0002));
    assert_eq!(created["request"]["epochs"], json!(2));
    assert!(
        created["request"]["evaluationDataset"]
            .as_str()
            .unwrap()
            .starts_with(&format!("accounts/{FIREWORKS_ACCOUNT}/datasets/file-")),
        "{created}"
    );
    assert!(
        server
            .ok(&["wait", &job, "--poll-interval", "0.05"])
            .contains(&model)
    );
    // list-job-events: read from the job's state and progress, oldest first.
    let events = server.ok(&["list-job-events", &job]);
    let lines: Vec<&str> = events.lines().collect();
    assert!(lines[0].contains("Created fine-tuning job"), "{events}");
    assert!(
        lines.last().unwrap().contains("successfully completed"),
        "{events}"
    );
    assert!(events.contains("100% done"), "{events}");
    // What Fireworks does not report is said plainly.
    let (code, _, stderr) = server.run(&["list-checkpoints", &job]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("Fireworks AI cannot list a job's checkpoints"),
        "{stderr}"
    );
    // fine-tune-prompt, through the inference API, by model and by job id.
    prompts_answer_by_model_and_job(&server, &model, &job);
    // A second job, cancelled.
    let second = server.ok(&["train-model", &file_id, "--yes", "--epochs", "20"]);
    let second = second.lines().last().unwrap().trim().to_owned();
    assert!(second.starts_with("ftjob-"), "{second}");
    let cancelled = server.ok(&["cancel-job", &second]);
    assert_eq!(cancelled.trim(), format!("job {second} is now cancelled"));
    let (code, stdout, _) = server.run(&["wait", &second, "--poll-interval", "0.05"]);
    assert_eq!(code, 1, "a cancelled job is not a success");
    assert!(stdout.contains("cancelled"));
    let jobs = server.ok(&["list-jobs"]);
    assert!(
        jobs.lines().nth(1).unwrap().starts_with(&second),
        "newest first:\n{jobs}"
    );
    // delete-files-by-name.
    let deleted = server.ok(&["delete-files-by-name", "sarcastic.jsonl", "--yes"]);
    assert!(deleted.contains(&format!("deleted {file_id}")), "{deleted}");
    let remaining: Value =
        serde_json::from_str(&server.ok(&["list-files", "--output-format", "json"])).unwrap();
    assert!(
        remaining
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["filename"] != "sarcastic.jsonl"),
        "{remaining}"
    );
    let journal = server.journal();
    assert!(journal.iter().all(|e| e["provider"] == "fireworks"));
    assert_contract(&journal);
}

/// The jobs route of the tests' Fireworks account.
fn fireworks_jobs() -> String {
    format!("/v1/accounts/{FIREWORKS_ACCOUNT}/supervisedFineTuningJobs")
}

/// Fireworks jobs are named by finetune, so a job whose answer was lost is found by its name:
/// one job, one creating request, within a run and across runs.
#[test]
fn a_dropped_job_answer_leaves_one_job_on_fireworks() {
    let route = fireworks_jobs();
    one_job_after_a_dropped_answer("fireworks", &route, "ftjob-");
    unknown_creation_looked_up("fireworks", &route, (&format!("{route}/"), false), "ftjob-");
}

/// A file above the direct-upload limit goes to Fireworks' signed upload URL, without the key,
/// and is validated before it is used.
#[test]
fn a_file_above_the_direct_upload_limit_goes_through_the_signed_url() {
    let server = StandIn::start(&[]).speaking("fireworks");
    server.json("POST", "/_standin/fireworks", r#"{"upload_limit": 1000}"#);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.jsonl");
    std::fs::write(&path, valid_file(40)).unwrap();
    let file = server.upload(path.to_str().unwrap());
    let calls: Vec<String> = server
        .journal()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["method"].as_str().unwrap(),
                e["path"].as_str().unwrap(),
                e["status"]
            )
        })
        .collect();
    let dataset = format!("/v1/accounts/{FIREWORKS_ACCOUNT}/datasets/{file}");
    for expected in [
        format!("POST {dataset}:upload 413"),
        format!("POST {dataset}:getUploadEndpoint 200"),
        format!("POST {dataset}:validateUpload 200"),
        format!("GET {dataset} 200"),
    ] {
        assert!(calls.contains(&expected), "{expected} in {calls:?}");
    }
    // What the signed URL took is what was uploaded.
    let (status, content) = server.http("GET", &format!("/_standin/storage/{file}"), "");
    assert_eq!(status, 200);
    assert_eq!(content, std::fs::read(&path).unwrap());
    let listed = server.ok(&["list-files"]);
    assert!(
        listed.contains(&file) && listed.contains("large.jsonl"),
        "{listed}"
    );
    assert_contract(&server.journal());
}

/// A fine-tuned LoRA model answers only once deployed: the prompt's refusal says how.
#[test]
fn a_fireworks_model_without_a_deployment_is_explained() {
    let body = json!({"code": 5, "message": "Model not found, inaccessible, and/or not deployed", "details": []});
    let server = Canned::start("404 Not Found", &[], &body.to_string());
    let (code, _, stderr) = run_keyless(
        finetune()
            .env("FINETUNE_PROVIDER", "fireworks")
            .env("FIREWORKS_BASE_URL", server.url().trim_end_matches("/v1"))
            .env("FIREWORKS_ACCOUNT_ID", FIREWORKS_ACCOUNT)
            .env("FIREWORKS_API_KEY", KEY)
            .args([
                "fine-tune-prompt",
                "accounts/acme/models/sarcasm-1",
                "Hello?",
            ]),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("Model not found, inaccessible, and/or not deployed")
            && stderr.contains("Fireworks AI answers through deployments")
            && stderr.contains("firectl deployment create"),
        "{stderr}"
    );
    assert!(
        server
            .heads()
            .iter()
            .any(|h| h.starts_with("POST /inference/v1/chat/completions")),
        "{:?}",
        server.heads()
    );
    // Without an account, the message says which variable to set.
    let (code, _, stderr) = run_keyless(
        finetune()
            .env("FINETUNE_PROVIDER", "fireworks")
            .env("FIREWORKS_BASE_URL", server.url().trim_end_matches("/v1"))
            .env("FIREWORKS_API_KEY", KEY)
            .args(["list-files"]),
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("FIREWORKS_ACCOUNT_ID is not set"),
        "{stderr}"
    );
}

/// The whole workflow on a service that speaks OpenAI's shapes without OpenAI's optional
/// endpoints: the same commands, with `--base-url` and `--api-key-env`; what it lacks is
/// learnt from its answers and said.
#[test]
fn the_whole_workflow_runs_on_an_openai_compatible_service() {
    let server = StandIn::start(&[]).speaking("openai-compatible");
    let data = "datasets/sarcastic.jsonl";
    server.ok(&["check", data]);
    let root = server.url.trim_end_matches("/v1").to_owned();
    let base = format!("{root}/compatible/v1");
    // The address and the key's variable given on the command line.
    let (code, stdout, stderr) = run_keyless(
        finetune()
            .env("FINETUNE_STATE_DIR", server.state.path())
            .env("SERVICE_KEY", KEY)
            .args(["upload-dataset", data, "--provider", "openai-compatible"])
            .args(["--base-url", &base, "--api-key-env", "SERVICE_KEY"]),
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let file_id = stdout.trim().to_owned();
    assert!(file_id.starts_with("file-"), "{stdout}");
    let listing = server.ok(&["list-files"]);
    assert!(listing.contains(&file_id), "{listing}");
    let (code, stdout, stderr) = server.run(&[
        "train-model",
        "sarcastic.jsonl",
        "--suffix",
        "sarcasm",
        "--epochs",
        "2",
        "--yes",
        "--wait",
        "--poll-interval",
        "0.05",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("succeeded"), "{stdout}");
    let (job, model) = job_and_model(&stdout, "ftjob-");
    // No metadata is sent: the service may not keep it.
    let created = server
        .journal()
        .into_iter()
        .find(|e| e["method"] == "POST" && e["path"] == "/fine_tuning/jobs")
        .unwrap();
    assert!(created["request"].get("metadata").is_none(), "{created}");
    let events = server.ok(&["list-job-events", &job]);
    assert!(
        events
            .lines()
            .last()
            .unwrap()
            .contains("successfully completed"),
        "{events}"
    );
    // Checkpoints and pausing are not there: the service's 404 says so.
    let (code, _, stderr) = server.run(&["list-checkpoints", &job]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "cannot list a job's checkpoints: the service does not support it (it answered 404"
        ),
        "{stderr}"
    );
    let answer = server.ok(&["fine-tune-prompt", &model, "Who wrote 'Romeo and Juliet'?"]);
    assert!(answer.contains("Shakespeare"), "{answer}");
    let second = server.ok(&["train-model", &file_id, "--yes", "--epochs", "20"]);
    let second = second.lines().last().unwrap().trim().to_owned();
    let (code, _, stderr) = server.run(&["pause-job", &second]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot pause a job: the service does not support it"),
        "{stderr}"
    );
    let cancelled = server.ok(&["cancel-job", &second]);
    assert_eq!(cancelled.trim(), format!("job {second} is now cancelled"));
    let deleted = server.ok(&["delete-files-by-name", "sarcastic.jsonl", "--yes"]);
    assert!(deleted.contains(&format!("deleted {file_id}")), "{deleted}");
    let journal = server.journal();
    assert!(journal.iter().all(|e| e["provider"] == "openai-compatible"));
    assert_contract(&journal);
}

/// Files above the single-request limit are offered in parts; a service without OpenAI's
/// Uploads API says so through its answer.
#[test]
fn an_openai_compatible_service_without_uploads_says_so() {
    let server = StandIn::start(&[]).speaking("openai-compatible");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.jsonl");
    std::fs::write(&path, valid_file(400)).unwrap();
    let (code, _, stderr) = server.run(&in_parts(path.to_str().unwrap()));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot take files in parts (OpenAI's Uploads API): the service does not support it (it answered 404 to POST /uploads)"),
        "{stderr}"
    );
}

/// Fireworks' dataset rules take 3 examples (OpenAI's take 10), and its models are listed with
/// their price per training token by model size, so `check` prices a job before it starts.
#[test]
fn fireworks_checks_by_its_minimum_and_prices_by_model_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("three.jsonl");
    std::fs::write(&path, valid_file(3)).unwrap();
    let path = path.to_str().unwrap();
    let check =
        |provider: &str| run_keyless(finetune().args(["check", path, "--provider", provider]));
    let (code, stdout, _) = check("fireworks");
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("$0.50 per 1M"), "{stdout}");
    let (code, stdout, _) = check("openai");
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("FT401"), "{stdout}");
    let (code, stdout, stderr) =
        run_keyless(finetune().args(["models", "--provider", "fireworks"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("accounts/fireworks/models/llama-v3p1-8b-instruct")
            && stdout.contains("supervised $0.50/1M tokens")
            && stdout.contains("supervised $3.00/1M tokens"),
        "{stdout}"
    );
    // The footer speaks of the provider asked about, not of OpenAI.
    assert!(
        stdout.contains("Models of the price table that Fireworks AI fine-tunes")
            && !stdout.contains("OpenAI's models"),
        "{stdout}"
    );
    let (code, stdout, stderr) = run_keyless(finetune().args([
        "models",
        "--provider",
        "openai-compatible",
        "--base-url",
        "http://127.0.0.1:9/v1",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("lists no model that OpenAI-compatible service fine-tunes"),
        "{stdout}"
    );
}

/// A preference dataset trains as a Fireworks DPO job (`dpoJobs`, `trainingConfig`,
/// `lossConfig`), followed like any other job.
#[test]
fn a_preference_dataset_trains_as_a_fireworks_dpo_job() {
    let server = StandIn::start(&[]).speaking("fireworks");
    let (code, stdout, stderr) = server.run(&[
        "train-model",
        "datasets/preference.jsonl",
        "--beta",
        "0.2",
        "--yes",
        "--wait",
        "--poll-interval",
        "0.05",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let (job, _) = job_and_model(&stdout, "ftjob-");
    let created = server
        .journal()
        .into_iter()
        .find(|e| e["method"] == "POST" && e["path"].as_str().unwrap().ends_with("/dpoJobs"))
        .unwrap();
    assert_eq!(
        created["request"]["lossConfig"],
        json!({"method": "DPO", "klBeta": 0.2}),
        "{created}"
    );
    let retrieved = server.ok(&["retrieve-job", &job]);
    assert!(retrieved.contains("dpo"), "{retrieved}");
    assert_contract(&server.journal());
}

/// Fireworks' base URL is its server root; one copied with `/v1` is refused with the fix,
/// before any request.
#[test]
fn a_fireworks_base_url_with_a_path_is_refused_with_the_root() {
    let server = StandIn::start(&[]).speaking("fireworks");
    let root = server.url.trim_end_matches("/v1").to_owned();
    for suffix in ["/fireworks/v1", "/fireworks/inference/v1/"] {
        let base = format!("{root}{suffix}");
        let (code, _, stderr) = server.run(&["list-files", "--base-url", &base]);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("the server root ({root}/fireworks)")),
            "{stderr}"
        );
    }
    assert!(server.calls().is_empty(), "{:?}", server.calls());
}

/// `--max-context-length` is Fireworks' maximum context length: sent with the job, and the
/// length the check holds examples to; a provider without one refuses it.
#[test]
fn a_maximum_context_length_is_sent_to_fireworks_and_checked_against() {
    let server = StandIn::start(&[]).speaking("fireworks");
    let (code, stdout, stderr) = server.run(&[
        "train-model",
        "datasets/sarcastic.jsonl",
        "--max-context-length",
        "64",
        "--yes",
    ]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("FT308") && stderr.contains("first 64"),
        "{stderr}"
    );
    let created = server
        .journal()
        .into_iter()
        .find(|e| {
            e["method"] == "POST"
                && e["path"]
                    .as_str()
                    .unwrap()
                    .ends_with("supervisedFineTuningJobs")
        })
        .expect("a job was created");
    assert_eq!(created["request"]["maxContextLength"], 64, "{created}");
    let openai = StandIn::start(&[]);
    let (code, _, stderr) = openai.run(&[
        "train-model",
        "datasets/sarcastic.jsonl",
        "--max-context-length",
        "64",
        "--yes",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("takes no maximum context length"),
        "{stderr}"
    );
    assert!(openai.calls().is_empty());
}
