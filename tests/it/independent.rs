//! The user's workflow against an independent implementation of each provider's API, not the
//! project's own stand-in: Prism (Stoplight's mock server) serving the provider's official
//! OpenAPI description, cut to the operations finetune calls (`tests/contract/prism/`, written
//! by `scripts/openapi-extract.py --mock`). Prism checks every request against the description
//! (path, parameters, JSON and multipart bodies, the security scheme) and answers it from the
//! description alone, statelessly: the ids and statuses asserted here are its answers.
//!
//! They need Prism, so they are ignored by a plain `cargo test`; `.ci/run` installs it and runs
//! them with `FINETUNE_PRISM` set to its binary.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::api::StandIn;
use crate::export::{manifest, seed, upload_text};
use crate::{finetune, project_file, valid_file};
use finetune::workflow::export::sha256_hex;

/// The variable that holds the path of the `prism` binary.
const PRISM_ENV: &str = "FINETUNE_PRISM";

/// A dummy key; it must never appear in any output.
const KEY: &str = "sk-independent-3f9c2a7e51d04b68";

/// How long one command may take before it is killed: a hang fails the step, never the run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long Prism may take to read its description and listen (node on a busy machine), or
/// to log a request.
const PRISM_TIMEOUT: Duration = Duration::from_secs(120);

/// The path of the request that tells the log is up to date (Prism answers it 404).
const MARKER_PATH: &str = "/finetune-log-marker";

/// Prism serving one description on 127.0.0.1, its log in a file; stopped when dropped, also
/// when a test panics.
struct Prism {
    child: Child,
    address: String,
    log: PathBuf,
    /// How much of the log the previous step has already read.
    read: usize,
    markers: usize,
    /// Whether it proxies a server rather than answering itself.
    proxy: bool,
    /// As a proxy, the violation of its description that a file's download is allowed.
    tolerated: Option<&'static str>,
    _dir: tempfile::TempDir,
}

impl Prism {
    /// Starts Prism's mock server on a free port with `description` (a path under the
    /// project's root).
    fn start(description: &str) -> Self {
        // No `--errors`: Prism answers a request that breaks the description with 401, 404 or
        // 422 (or the description's own 400) either way, and `--errors` would also turn into a
        // 500 every answer of its own that breaks the description (Together's lists `null` as
        // the first value of the string enum `FinetuneEventLevels`, which Prism's static answer
        // takes). No `--dynamic`: answers come from the description's examples, deterministic.
        Self::spawn(&["mock"], description, None)
    }

    /// Starts Prism as a validating proxy in front of `upstream` (a URL whose path the
    /// description's paths are appended to): every request and every answer that passes is
    /// checked against `description`, and passed on unchanged (no `--errors`), so that every
    /// violation of a step is logged, not only its first. `tolerated` is the one violation a
    /// file's download may show: a defect of the description, not of either side.
    fn proxy(description: &str, upstream: &str, tolerated: Option<&'static str>) -> Self {
        let mut prism = Self::spawn(&["proxy"], description, Some(upstream));
        prism.tolerated = tolerated;
        prism
    }

    fn spawn(mode: &[&str], description: &str, upstream: Option<&str>) -> Self {
        let prism = std::env::var_os(PRISM_ENV).unwrap_or_else(|| {
            panic!("{PRISM_ENV} is not set: point it at the prism binary (.ci/run installs one)")
        });
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("prism.log");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let output = File::create(&log).unwrap();
        let child = Command::new(&prism)
            .args(mode)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(project_file(description))
            .args(upstream)
            .env("FORCE_COLOR", "0")
            .stdin(Stdio::null())
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", PathBuf::from(&prism).display()));
        let mut prism = Self {
            child,
            address: format!("127.0.0.1:{port}"),
            log,
            read: 0,
            markers: 0,
            proxy: upstream.is_some(),
            tolerated: None,
            _dir: dir,
        };
        let started = Instant::now();
        while TcpStream::connect(&prism.address).is_err() {
            if let Some(status) = prism.child.try_wait().unwrap() {
                panic!("Prism ended ({status}) before listening:\n{}", prism.text());
            }
            assert!(
                started.elapsed() < PRISM_TIMEOUT,
                "Prism did not listen on {} within {PRISM_TIMEOUT:?}:\n{}",
                prism.address,
                prism.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        prism
    }

    /// The base URL the client is given: this server with the provider's base path.
    fn url(&self, base_path: &str) -> String {
        format!("http://{}{base_path}", self.address)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.log).unwrap_or_default()
    }

    /// What Prism logged since the previous call that breaks the description. As a mock: the
    /// requests that do (a violation of the parameters, body or security, or a request no
    /// operation matches); its own answers that do are a defect of the description, not of the
    /// client, and are not counted. As a proxy: the requests and the answers that do, but for
    /// [`DESCRIPTION_DEFECT`] on a file's content.
    fn violations(&mut self) -> Vec<String> {
        // Prism logs the requests in the order they come: once a marker request is in the log,
        // so is everything about the requests the client sent before.
        self.markers += 1;
        let marker = format!("{MARKER_PATH}-{}", self.markers);
        let mut stream = TcpStream::connect(&self.address).unwrap();
        write!(
            stream,
            "GET {marker} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address
        )
        .unwrap();
        let _ = stream.read_to_end(&mut Vec::new());
        let started = Instant::now();
        loop {
            let log = self.bytes();
            let mut end = self.read;
            let mut violations = Vec::new();
            // The path of the request the lines are about, and whether it is the marker's.
            let mut request = String::new();
            let mut in_marker = false;
            // As a proxy: the requests received and answered so far, and the path of the one
            // answered last, which the validator's lines that follow are about when no other
            // request is in flight.
            let (mut received, mut answered) = (0_usize, 0_usize);
            let mut answered_path = String::new();
            // Whole lines only: the last one may still be being written.
            for line in log[self.read..].split_inclusive(|b| *b == b'\n') {
                if !line.ends_with(b"\n") {
                    break;
                }
                end += line.len();
                let line = String::from_utf8_lossy(line).trim_end().to_owned();
                if let Some(path) = line
                    .split_once("[HTTP SERVER] ")
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                {
                    path.clone_into(&mut request);
                    in_marker = request == marker;
                    received += usize::from(!in_marker);
                }
                if let Some(path) = line
                    .split_once("The upstream call to ")
                    .and_then(|(_, rest)| rest.split_whitespace().next())
                    && !in_marker
                {
                    answered += 1;
                    path.clone_into(&mut answered_path);
                }
                // The mock answers the marker with an error; the proxy passes it on and then
                // warns that no operation matches it.
                let marker_done = if self.proxy {
                    in_marker && line.contains("Selected route not found")
                } else {
                    line.contains(&marker) && line.contains("Request terminated with error")
                };
                if marker_done {
                    if self.proxy && received != answered {
                        violations.push(format!(
                            "{} of {received} requests were never answered",
                            received - answered
                        ));
                    }
                    self.read = end;
                    return violations;
                }
                if in_marker {
                    continue;
                }
                let violation = if self.proxy {
                    let tolerated = self.tolerated.is_some_and(|defect| {
                        line.ends_with(defect)
                            && received == answered
                            && is_file_download(&answered_path)
                    });
                    is_violation(&line) && !tolerated
                } else {
                    is_request_violation(&line)
                };
                if violation {
                    violations.push(line);
                }
            }
            assert!(
                started.elapsed() < PRISM_TIMEOUT,
                "Prism never logged {marker}:\n{}",
                String::from_utf8_lossy(&log[self.read..])
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// What Prism says of a file's content as OpenAI sends it: OpenAI's description gives the
/// download (`GET /files/{file_id}/content`) `application/json` only, but the API answers the
/// file's bytes as `application/octet-stream` (a JSON Lines file is not one JSON value; see
/// github.com/openai/openai-openapi/issues/261 on the same defect for images).
const OPENAI_DOWNLOAD_DEFECT: &str = "Violation: response The received media type \"application/octet-stream\" does not match the one specified in the current response: application/json";

/// Whether `path` is a file's download (`…/files/{id}/content`).
fn is_file_download(path: &str) -> bool {
    let segments: Vec<&str> = path.rsplitn(4, '/').collect();
    matches!(segments[..], ["content", id, "files", _] if !id.is_empty())
}

/// Whether a line of Prism's log, as a proxy, reports a request or an answer that breaks the
/// description, or an upstream answer it did not pass on: an error or a warning of its
/// validator or of the proxy itself.
fn is_violation(line: &str) -> bool {
    line.contains("Request terminated with error")
        || ((line.contains("[VALIDATOR]") || line.contains("[PROXY]"))
            && (line.contains('✖') || line.contains('⚠')))
}

/// Whether a line of Prism's log reports a request that breaks the description (and not one
/// of Prism's own answers that does, nor a marker request).
fn is_request_violation(line: &str) -> bool {
    !line.contains(MARKER_PATH)
        && (line.contains("Request did not pass the validation rules")
            || line.contains("Request terminated with error")
            || line.contains("Violation: request")
            || (line.contains("[VALIDATOR]")
                && line.contains(" error ")
                && !line.contains("Violation: response")))
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One command's outcome.
struct Outcome {
    /// The exit code; `None` when it was killed after `COMMAND_TIMEOUT`.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// What differs between the providers, and the facts Prism's answers give for each.
struct Provider {
    name: &'static str,
    /// The description Prism serves.
    description: &'static str,
    /// The path of the provider's base URL, which the description's paths start with.
    base_path: &'static str,
    key_env: &'static str,
    /// Whether large files go through the multipart Uploads API.
    multipart: bool,
    /// Extra `train-model` flags, and what `train-model` notes of Prism's answers.
    train_args: &'static [&'static str],
    train_notes: &'static [&'static str],
    /// The job id the workflow goes on with (the one `train-model` printed).
    job_id: &'static str,
    /// The line `list-jobs` shows for Prism's job list.
    listed_job: &'static [&'static str],
    /// The lines `retrieve-job` shows of Prism's job.
    retrieved: &'static [&'static str],
    /// The line `list-job-events` shows of the one event Prism answers.
    event: &'static str,
    /// What `cancel-job` says of Prism's answer.
    cancelled: &'static str,
    /// A fine-tuned model to ask, and the reply's content Prism gives.
    model: &'static str,
    reply: &'static str,
    /// The file Prism lists: its id and name.
    listed_file: (&'static str, &'static str),
}

/// The binary pointed at one Prism as one provider, with its own state folder.
struct Session {
    prism: Prism,
    provider: &'static Provider,
    state: tempfile::TempDir,
}

impl Session {
    fn start(provider: &'static Provider) -> Self {
        Self {
            prism: Prism::start(provider.description),
            provider,
            state: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs one step of the workflow; asserts Prism found nothing wrong with its requests and
    /// the key appears nowhere.
    fn run(&mut self, args: &[&str]) -> Outcome {
        let url = self.prism.url(self.provider.base_path);
        let output = finetune()
            .env(self.provider.key_env, KEY)
            .env("FINETUNE_STATE_DIR", self.state.path())
            .args(args)
            .args(["--provider", self.provider.name, "--base-url", &url])
            // A failure shows at once instead of after the backoff.
            .args(["--max-retries", "0", "--read-timeout", "30"])
            .timeout(COMMAND_TIMEOUT)
            .output()
            .unwrap();
        let outcome = Outcome {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        };
        let step = format!("{} `finetune {}`", self.provider.name, args.join(" "));
        let violations = self.prism.violations();
        assert!(
            violations.is_empty(),
            "{step}: Prism found requests that break the description:\n{}\nstdout:\n{}\nstderr:\n{}",
            violations.join("\n"),
            outcome.stdout,
            outcome.stderr
        );
        assert!(
            !outcome.stdout.contains(KEY) && !outcome.stderr.contains(KEY),
            "{step}: the key leaked:\n{}\n{}",
            outcome.stdout,
            outcome.stderr
        );
        assert!(
            outcome.code.is_some(),
            "{step} did not end within {COMMAND_TIMEOUT:?} (killed)\nstdout:\n{}\nstderr:\n{}",
            outcome.stdout,
            outcome.stderr
        );
        outcome
    }

    /// Runs a step that must succeed and show each of `expected` on standard output.
    fn ok(&mut self, args: &[&str], expected: &[&str]) -> Outcome {
        let outcome = self.run(args);
        assert!(
            outcome.code == Some(0) && expected.iter().all(|e| outcome.stdout.contains(e)),
            "{} `finetune {}` exited {:?}, expected 0 and {expected:?} on stdout\nstdout:\n{}\nstderr:\n{}",
            self.provider.name,
            args.join(" "),
            outcome.code,
            outcome.stdout,
            outcome.stderr
        );
        outcome
    }
}

/// The workflow a user runs, step by step, asserting what each step shows of Prism's answers.
///
/// Left out, because a stateless mock cannot answer them: `wait` and `list-job-events
/// --follow` (the job Prism answers never changes and is not over: `validating_files`,
/// `queued`), the reuse of an earlier upload (Prism's file is not the one uploaded), and
/// `train-model FILE_ID` (the content Prism answers for a file is the description's example,
/// not the dataset, so `check` refuses it; `train-model` takes the local file instead, which
/// checks, uploads and creates the job).
fn workflow(session: &mut Session) {
    let provider = session.provider;
    let (file_id, file_name) = provider.listed_file;
    // Prism's upload answer gives the id "string" on every provider.
    let uploaded = session
        .ok(&["upload-dataset", "datasets/sarcastic.jsonl"], &[])
        .stdout;
    assert_eq!(uploaded.lines().last(), Some("string"), "{uploaded}");
    if provider.multipart {
        // Every request of a multipart upload (create, parts, complete) is checked too. Prism
        // answers the completion with an upload still `pending` and no file, which the
        // description allows: the client must say so, not take the upload as done.
        let multipart = session.run(&[
            "upload-dataset",
            "datasets/sarcastic.jsonl",
            "--force",
            "--multipart-above",
            "1000",
            "--part-size",
            "5000",
        ]);
        assert!(
            multipart.code == Some(2) && multipart.stderr.contains("completed without a file"),
            "exit {:?}\nstdout:\n{}\nstderr:\n{}",
            multipart.code,
            multipart.stdout,
            multipart.stderr
        );
    }
    session.ok(&["list-files"], &[file_id, file_name]);
    let mut train = vec!["train-model", "datasets/sarcastic.jsonl", "--yes"];
    train.extend(provider.train_args);
    let trained = session.ok(&train, &[]);
    assert_eq!(
        trained.stdout.lines().last(),
        Some(provider.job_id),
        "{}",
        trained.stdout
    );
    for note in provider.train_notes {
        assert!(
            trained.stderr.contains(note),
            "{note:?} not in\n{}",
            trained.stderr
        );
    }
    let job = provider.job_id;
    session.ok(&["list-jobs"], provider.listed_job);
    session.ok(&["retrieve-job", job], provider.retrieved);
    // OpenAI's page of events as Prism answers it says more follow (`has_more`), after the
    // same event every time: the client must notice the cursor stands still, and show that
    // one event once.
    let events = session.ok(&["list-job-events", job], &[]).stdout;
    assert_eq!(
        events.lines().collect::<Vec<_>>(),
        [provider.event],
        "{events}"
    );
    session.ok(&["cancel-job", job], &[provider.cancelled]);
    let reply = session.ok(
        &["fine-tune-prompt", provider.model, "Is this thing on?"],
        &[],
    );
    assert_eq!(reply.stdout.trim(), provider.reply);
    session.ok(
        &["delete-files-by-name", file_name, "--yes"],
        &[&format!("deleted {file_id}")],
    );
}

/// OpenAI's own description. Its answers have no examples, so Prism gives each value the
/// default of its type: "string" for ids, the first value of an enum for statuses.
const OPENAI: Provider = Provider {
    name: "openai",
    description: "tests/contract/prism/openai.json",
    base_path: "/v1",
    key_env: "OPENAI_API_KEY",
    multipart: true,
    // Every hyperparameter `train-model` sends, checked against the job request's schema.
    train_args: &[
        "--validation-file",
        "datasets/sarcastic.jsonl",
        "--suffix",
        "sarcasm",
        "--epochs",
        "3",
        "--batch-size",
        "4",
        "--learning-rate-multiplier",
        "0.5",
        "--seed",
        "7",
    ],
    train_notes: &["created job string (validating_files)"],
    job_id: "string",
    listed_job: &["string  validating_files"],
    retrieved: &[
        "id               string",
        "status           validating_files",
    ],
    event: "1970-01-01 00:00:00  info   string",
    cancelled: "job string is now validating_files",
    model: "ft:gpt-4o-mini-2024-07-18:acme::7p4lURel",
    reply: "string",
    listed_file: ("string", "string"),
};

/// Azure OpenAI's v1 API: OpenAI's description under `/openai/v1`, the key in `api-key`, and
/// no dated `api-version` (Azure's description of the v1 API allows only `v1` or `preview`).
const AZURE: Provider = Provider {
    name: "azure",
    description: "tests/contract/prism/azure.json",
    base_path: "/openai/v1",
    key_env: "AZURE_OPENAI_API_KEY",
    // finetune sends Azure one request per file, whatever its size.
    multipart: false,
    ..OPENAI
};

/// Together's description, whose answers mostly have examples (a job `ft-0123…` that
/// completed, a file `my_file.jsonl`); where they have none, Prism gives the type's default
/// (zero for every model limit and price).
const TOGETHER: Provider = Provider {
    name: "together",
    description: "tests/contract/prism/together.json",
    base_path: "/v1",
    key_env: "TOGETHER_API_KEY",
    multipart: false,
    // Prism's model limits are all 0 (see `the_workflow_runs_on_together`): only flags they
    // do not bound, so no LoRA, epochs or validation file (whose evaluations they bound).
    train_args: &[
        "--training-type",
        "full",
        "--suffix",
        "sarcasm",
        "--seed",
        "7",
        "--n-checkpoints",
        "1",
    ],
    train_notes: &[
        "Together AI estimate: $0.00 for 0 training tokens",
        "created job ft-01234567890123456789 (succeeded)",
    ],
    job_id: "ft-01234567890123456789",
    listed_job: &["ft-01234567890123456789  succeeded"],
    // Prism answers one job for every id: its own, queued.
    retrieved: &[
        "id               497f6eca-6276-4993-bfeb-53cbbbba6f08",
        "status           queued",
    ],
    event: "1970-01-01 00:00:00  info   string",
    cancelled: "job ft-01234567890123456789 is now succeeded",
    model: "mynamespace/meta-llama/Llama-2-7b-hf-32162631",
    reply: "string",
    listed_file: ("string", "my_file.jsonl"),
};

#[test]
#[ignore = "needs Prism; .ci/run installs it and runs these"]
fn the_workflow_runs_on_openai() {
    workflow(&mut Session::start(&OPENAI));
}

#[test]
#[ignore = "needs Prism; .ci/run installs it and runs these"]
fn the_workflow_runs_on_azure_openai_v1() {
    workflow(&mut Session::start(&AZURE));
}

#[test]
#[ignore = "needs Prism; .ci/run installs it and runs these"]
fn the_workflow_runs_on_together() {
    let mut session = Session::start(&TOGETHER);
    // `train-model` reads the model's limits before anything is spent: Prism's allow a LoRA
    // rank of at most 0, so the default LoRA job is refused, naming the limit.
    let refused = session.run(&["train-model", "datasets/sarcastic.jsonl", "--yes"]);
    assert!(
        refused.code == Some(2)
            && refused.stderr.contains("LoRA rank 8")
            && refused.stderr.contains("takes at most 0"),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        refused.code,
        refused.stdout,
        refused.stderr
    );
    workflow(&mut session);
}

/// `export` against OpenAI's description. Prism is stateless: its job list holds one job
/// that has not ended (`validating_files`, the first status of the enum), which a default
/// export leaves out; `--job` exports it whatever its status, with the file and checkpoints
/// Prism answers. Each file arrives byte-identical to what Prism serves, and a rerun
/// downloads nothing.
#[test]
#[ignore = "needs Prism; .ci/run installs it and runs these"]
fn the_export_runs_on_openai() {
    let mut session = Session::start(&OPENAI);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let listed = session.run(&["export", "-o", out]);
    assert!(
        listed.code == Some(0)
            && listed.stderr.contains("exported 0 jobs")
            && listed.stderr.contains("left out 1 job"),
        "exit {:?}\nstderr:\n{}",
        listed.code,
        listed.stderr
    );
    let exported = session.run(&["export", "-o", out, "--job", "string"]);
    assert!(
        exported.code == Some(0) && exported.stderr.contains("exported 1 job"),
        "exit {:?}\nstderr:\n{}",
        exported.code,
        exported.stderr
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    let job = &manifest["jobs"][0];
    assert_eq!(job["id"], "string", "{manifest}");
    let file = &job["training_file"];
    let copy = std::fs::read(dir.path().join(file["path"].as_str().unwrap())).unwrap();
    assert_eq!(
        file["sha256"],
        serde_json::json!(finetune::workflow::export::sha256_hex(&copy))
    );
    // What Prism itself serves as the file's content.
    let mut stream = TcpStream::connect(&session.prism.address).unwrap();
    write!(
        stream,
        "GET /v1/files/string/content HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n\r\n",
        session.prism.address
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let head_end = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(
        copy,
        answer[head_end..],
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let again = session.run(&["export", "-o", out, "--job", "string"]);
    assert!(
        again.code == Some(0)
            && again.stderr.contains("downloaded 0 files")
            && again.stderr.contains("not downloaded again"),
        "exit {:?}\nstderr:\n{}",
        again.code,
        again.stderr
    );
}

/// Runs `args` with the stand-in's variables for its provider, pointed at `base_url` (a Prism
/// proxy in front of it); (exit code, stdout, stderr), asserting the proxy found nothing that
/// breaks the description, and that the key appears nowhere.
fn through(
    proxy: &mut Prism,
    server: &StandIn,
    base_url: &str,
    args: &[&str],
) -> (i32, String, String) {
    let (code, stdout, stderr) =
        server.run(&[args, &["--base-url", base_url, "--max-retries", "0"][..]].concat());
    let violations = proxy.violations();
    assert!(
        violations.is_empty(),
        "`finetune {}`: Prism found exchanges that break the description:\n{}\nstderr:\n{stderr}",
        args.join(" "),
        violations.join("\n")
    );
    (code, stdout, stderr)
}

/// How many times the journal has `call` (`METHOD /path`).
fn count(server: &StandIn, call: &str) -> usize {
    server.calls().iter().filter(|c| *c == call).count()
}

/// `export` and `migrate` over a history that Prism's mock cannot serve: more than a page of
/// jobs, supervised and preference jobs that succeeded, failed and were cancelled, and files
/// to download. The stand-in holds the history, and Prism stands between it and finetune as a
/// proxy: every request finetune sends and every answer the stand-in gives is checked against
/// the provider's official description (OpenAI's for the export, Together AI's and OpenAI's as
/// Azure OpenAI's v1 API serves it for the migrations): path and query parameters, bodies and
/// security (Prism does not refuse a query parameter the description does not name). So
/// neither side keeps to a reading of the API that only the project holds.
#[test]
#[ignore = "needs Prism; .ci/run installs it and runs these"]
fn an_exported_history_and_its_migrations_keep_to_the_official_descriptions() {
    let server = StandIn::start(&[]);
    let root = server.url.trim_end_matches("/v1").to_owned();
    let sarcastic = server.upload("datasets/sarcastic.jsonl");
    let preference = server.upload("datasets/preference.jsonl");
    let validation = upload_text(&server, "validation.jsonl", &valid_file(12));
    // 105 jobs: the export reads them 100 to a page.
    seed(
        &server,
        &json!([
            {"training_file": sarcastic, "validation_file": validation, "suffix": "marv",
             "count": 100},
            {"training_file": preference, "method": "dpo", "model": "gpt-4.1-mini-2025-04-14"},
            {"training_file": sarcastic, "status": "failed"},
            {"training_file": preference, "method": "dpo", "model": "gpt-4.1-2025-04-14",
             "status": "failed"},
            {"training_file": sarcastic, "status": "cancelled"},
            {"training_file": preference, "method": "dpo", "model": "gpt-4.1-nano-2025-04-14",
             "status": "cancelled"},
        ]),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();

    let mut openai = Prism::proxy(
        "tests/contract/prism/openai.json",
        &root,
        Some(OPENAI_DOWNLOAD_DEFECT),
    );
    let url = openai.url("/v1");
    let mut export = || {
        through(
            &mut openai,
            &server,
            &url,
            &["export", "-o", out, "--all-statuses"],
        )
    };
    let (code, _, stderr) = export();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("exported 105 jobs"), "{stderr}");
    let exported = manifest(dir.path());
    let jobs = exported["jobs"].as_array().unwrap();
    let kinds: std::collections::BTreeSet<(&str, &str)> = jobs
        .iter()
        .map(|j| {
            (
                j["status"].as_str().unwrap(),
                j["method"]["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            ("cancelled", "dpo"),
            ("cancelled", "supervised"),
            ("failed", "dpo"),
            ("failed", "supervised"),
            ("succeeded", "dpo"),
            ("succeeded", "supervised"),
        ]
    );
    // Every file byte for byte as the server holds it, with its sha256; the metrics CSV,
    // which OpenAI serves in base64, decoded.
    let mut checked = 0;
    for job in jobs {
        let data = [&job["training_file"], &job["validation_file"]];
        let results = job["result_files"].as_array().unwrap();
        for (file, encoded) in data
            .into_iter()
            .map(|f| (f, false))
            .chain(results.iter().map(|f| (f, true)))
            .filter(|(file, _)| !file.is_null())
        {
            let copy = std::fs::read(dir.path().join(file["path"].as_str().unwrap())).unwrap();
            assert_eq!(file["sha256"], json!(sha256_hex(&copy)), "{file}");
            let id = file["id"].as_str().unwrap();
            let (status, mut held) = server.http("GET", &format!("/v1/files/{id}/content"), "");
            assert_eq!(status, 200);
            if encoded {
                held = base64::engine::general_purpose::STANDARD
                    .decode(held)
                    .unwrap();
            }
            assert!(copy == held, "{file} differs from what the server holds");
            checked += 1;
        }
    }
    assert!(checked > 105 * 2, "{checked}");
    // A rerun downloads nothing.
    server.json("DELETE", "/_standin/journal", "");
    let (code, _, stderr) = export();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("downloaded 0 files"), "{stderr}");
    assert!(
        !server.calls().iter().any(|c| c.ends_with("/content")),
        "{:?}",
        server.calls()
    );
    let succeeded = jobs.iter().filter(|j| j["status"] == "succeeded").count();
    assert_eq!(succeeded, 101);

    // Together AI: one job per job that succeeded, on a model it lists as fine-tunable, every
    // estimate before the first creation; a second run creates none.
    let server = server.speaking("together");
    server.json("DELETE", "/_standin/journal", "");
    let mut together = Prism::proxy(
        "tests/contract/prism/together.json",
        &format!("{root}/together"),
        None,
    );
    let url = together.url("/v1");
    let (code, stdout, stderr) = through(&mut together, &server, &url, &["migrate", out, "--yes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let calls = server.calls();
    let first_creation = calls.iter().position(|c| c == "POST /fine-tunes").unwrap();
    let last_estimate = calls
        .iter()
        .rposition(|c| c == "POST /fine-tunes/estimate-price")
        .unwrap();
    assert!(last_estimate < first_creation, "{calls:?}");
    assert_eq!(count(&server, "POST /fine-tunes"), succeeded);
    let supported = server.json("GET", "/together/v1/fine-tunes/models/supported", "");
    let supported = supported["models"].as_array().unwrap();
    let models: Vec<Value> = server
        .journal()
        .into_iter()
        .filter(|e| e["method"] == "POST" && e["path"] == "/fine-tunes" && e["status"] == 200)
        .map(|e| e["request"]["model"].clone())
        .collect();
    assert_eq!(models.len(), succeeded);
    assert!(
        models.iter().all(|model| supported.contains(model)),
        "{models:?}"
    );
    let (code, _, stderr) = through(&mut together, &server, &url, &["migrate", out, "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("nothing to migrate to Together AI"),
        "{stderr}"
    );
    assert_eq!(count(&server, "POST /fine-tunes"), succeeded);

    // Azure OpenAI's v1 API: the same models, where the resource trains them.
    let server = server.speaking("azure-v1");
    server.json("DELETE", "/_standin/journal", "");
    let mut azure = Prism::proxy(
        "tests/contract/prism/azure.json",
        &format!("{root}/azure"),
        Some(OPENAI_DOWNLOAD_DEFECT),
    );
    let url = azure.url("/openai/v1");
    let (code, stdout, stderr) = through(&mut azure, &server, &url, &["migrate", out, "--yes"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(count(&server, "POST /fine_tuning/jobs"), succeeded);
    let (code, _, stderr) = through(&mut azure, &server, &url, &["migrate", out, "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("nothing to migrate to Azure OpenAI"),
        "{stderr}"
    );
    assert_eq!(count(&server, "POST /fine_tuning/jobs"), succeeded);
}
