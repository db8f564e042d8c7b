//! The stand-in survives hostile clients: control input out of bounds is refused, uploads are
//! not allocated by their declared size, half-sent requests are closed, and the check of a
//! training file does not hold up other clients.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::Duration;

use serde_json::{Value, json};

use crate::{start_standin, valid_file};

/// How long a test waits for an answer before it calls the server stuck.
const PATIENCE: Duration = Duration::from_secs(20);

/// A stand-in started for one test (under `shell_prefix`, e.g. a memory limit), stopped when
/// dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        Self::start_limited(None, args)
    }

    /// Starts the stand-in with its address space limited to `kib` KiB (`ulimit -v`).
    fn start_limited(kib: Option<u64>, args: &[&str]) -> Self {
        let binary = assert_cmd::cargo::cargo_bin("finetune");
        let mut command = match kib {
            Some(kib) => {
                let mut shell = Command::new("sh");
                shell
                    .arg("-c")
                    .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
                    .arg(binary);
                shell
            }
            None => Command::new(binary),
        };
        command
            .args(["stand-in", "--port", "0", "--tick-ms", "5"])
            .args(args);
        let (child, url) = start_standin(command);
        let address = url
            .trim_start_matches("http://")
            .trim_end_matches("/v1")
            .to_owned();
        Self { child, address }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.address).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream
    }

    /// One request on its own connection: the status and the JSON answer.
    fn call(&self, method: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
        let mut stream = self.connect();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer sk-standin\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.address,
            body.len()
        )
        .unwrap();
        stream.write_all(body).unwrap();
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .unwrap_or_else(|error| panic!("{method} {path}: no answer ({error})"));
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("{method} {path}: the connection closed without an answer"));
        let head = String::from_utf8_lossy(&response[..split]);
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        let body = serde_json::from_slice(&response[split + 4..]).unwrap_or(Value::Null);
        (status, body)
    }

    fn json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        self.call(
            method,
            path,
            "application/json",
            body.to_string().as_bytes(),
        )
    }

    /// Asserts the server still lists files.
    fn assert_alive(&self) {
        let (status, body) = self.json("GET", "/v1/files", &Value::Null);
        assert_eq!(status, 200, "{body}");
    }

    /// Stores `content` as a fine-tuning file through `route` (OpenAI's `/v1/files` or
    /// Together's `/together/v1/files/upload`, which also wants `file_name`): the answer.
    fn upload_file_to(&self, route: &str, content: &[u8]) -> Value {
        let mut body = Vec::new();
        body.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file_name\"\r\n\r\ntrain.jsonl\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"train.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n",
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        let (status, file) = self.call("POST", route, "multipart/form-data; boundary=XyZ", &body);
        assert_eq!(status, 200, "{file}");
        file
    }

    /// Stores `content` as an OpenAI fine-tuning file: its id.
    fn upload_file(&self, content: &[u8]) -> String {
        let file = self.upload_file_to("/v1/files", content);
        file["id"].as_str().unwrap().to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads until the server closes `stream`; false when it is still open after [`PATIENCE`].
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut sink = Vec::new();
    // End of stream or a reset both mean the server closed it; a timeout means it did not.
    let read = stream.read_to_end(&mut sink).map_err(|error| error.kind());
    !matches!(read, Err(ErrorKind::WouldBlock | ErrorKind::TimedOut))
}

#[test]
fn fault_rules_out_of_bounds_are_refused_and_the_server_goes_on() {
    let server = Server::start(&[]);
    let hostile = [
        (
            json!({"path": "/files", "kind": "status", "times": 4_294_967_295_u64}),
            "times 4294967295",
        ),
        (
            json!({"path": "/files", "kind": "status", "times": 4_294_967_296_u64}),
            "4294967296",
        ),
        (
            json!({"path": "/files", "kind": "status", "times": -1}),
            "-1",
        ),
        (
            json!({"path": "/files", "kind": "status", "times": 0}),
            "times 0",
        ),
        (json!({"path": "/files", "kind": "explode"}), "explode"),
        (
            json!({"path": "/files", "kind": "status", "status": 99}),
            "status 99",
        ),
        (
            json!({"path": "/files", "kind": "status", "status": 200}),
            "status 200",
        ),
        (
            json!({"path": "/files", "kind": "slow", "delay_ms": 1_000_000_000_000_u64}),
            "delay_ms 1000000000000",
        ),
        (
            json!({"path": "/files", "kind": "status", "retry_after": "1\r\nX: y"}),
            "retry_after",
        ),
        (json!({"path": "files", "kind": "status"}), "path \"files\""),
        (
            json!({"path": "/files", "kind": "status", "method": "BREW"}),
            "method \"BREW\"",
        ),
    ];
    for (fault, named) in hostile {
        let (status, body) = server.json("POST", "/_standin/faults", &json!([fault]));
        assert_eq!(status, 400, "{fault} was accepted: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{message}");
        server.assert_alive();
    }
    // Nothing of a refused list is queued: files are listed without an injected error.
    let (status, _) = server.json(
        "POST",
        "/_standin/faults",
        &json!([{"path": "/files", "kind": "status"}, {"path": "/files", "kind": "status", "times": 4_294_967_295_u64}]),
    );
    assert_eq!(status, 400);
    server.assert_alive();
    // A fault within bounds still works.
    let (status, _) = server.json(
        "POST",
        "/_standin/faults",
        &json!([{"path": "/files", "kind": "status", "status": 503, "times": 2}]),
    );
    assert_eq!(status, 200);
    assert_eq!(server.json("GET", "/v1/files", &Value::Null).0, 503);
    assert_eq!(server.json("GET", "/v1/files", &Value::Null).0, 503);
    server.assert_alive();
}

#[test]
fn a_hostile_price_estimate_is_refused_and_the_provider_goes_on() {
    let server = Server::start(&[]);
    let file = server.upload_file_to("/together/v1/files/upload", valid_file(20).as_bytes());
    for epochs in [json!(u64::MAX), json!(0), json!(-3), json!("many")] {
        let (status, refused) = server.json(
            "POST",
            "/together/v1/fine-tunes/estimate-price",
            &json!({"training_file": file["id"], "model": "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", "n_epochs": epochs}),
        );
        assert_eq!(status, 400, "{epochs}: {refused}");
        assert_eq!(refused["error"]["param"], "n_epochs");
        let (status, files) = server.json("GET", "/together/v1/files", &Value::Null);
        assert_eq!(status, 200, "{files}");
    }
}

#[test]
fn an_upload_is_not_allocated_by_its_declared_size() {
    // 2 GiB of address space: reserving the declared 8 GiB would abort the server.
    let server = Server::start_limited(Some(2 << 20), &[]);
    let (status, upload) = server.json(
        "POST",
        "/v1/uploads",
        &json!({"filename": "big.jsonl", "purpose": "fine-tune", "mime_type": "text/jsonl", "bytes": 8_u64 << 30}),
    );
    assert_eq!(status, 200, "{upload}");
    let id = upload["id"].as_str().unwrap();
    let part = |data: &str| {
        let body = format!(
            "--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"blob\"\r\n\r\n{data}\r\n--XyZ--\r\n"
        );
        server.call(
            "POST",
            &format!("/v1/uploads/{id}/parts"),
            "multipart/form-data; boundary=XyZ",
            body.as_bytes(),
        )
    };
    let (status, first) = part(&valid_file(1));
    assert_eq!(status, 200, "{first}");
    let first = first["id"].as_str().unwrap().to_owned();

    // The same part named twice does not add up to more than arrived.
    let (status, body) = server.json(
        "POST",
        &format!("/v1/uploads/{id}/complete"),
        &json!({"part_ids": [first, first]}),
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than once"),
        "{body}"
    );
    let (status, body) = server.json(
        "POST",
        &format!("/v1/uploads/{id}/complete"),
        &json!({"part_ids": [first]}),
    );
    assert_eq!(status, 400, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("8589934592"), "{message}");
    server.assert_alive();

    // Parts beyond the declared size are refused as they arrive.
    let (status, small) = server.json(
        "POST",
        "/v1/uploads",
        &json!({"filename": "small.jsonl", "purpose": "fine-tune", "mime_type": "text/jsonl", "bytes": 10}),
    );
    assert_eq!(status, 200);
    let small = small["id"].as_str().unwrap();
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"data\"; filename=\"blob\"\r\n\r\n{}\r\n--XyZ--\r\n",
        "x".repeat(11)
    );
    let (status, refused) = server.call(
        "POST",
        &format!("/v1/uploads/{small}/parts"),
        "multipart/form-data; boundary=XyZ",
        body.as_bytes(),
    );
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("11 bytes"),
        "{refused}"
    );
}

#[test]
fn half_sent_requests_are_closed_while_others_are_served() {
    let server = Server::start(&["--header-timeout-ms", "300", "--idle-timeout-ms", "600"]);
    // Half a request line, then nothing.
    let mut half_line = server.connect();
    half_line.write_all(b"GET /v1/fi").unwrap();
    // A head with a body that never comes.
    let mut half_body = server.connect();
    write!(
        half_body,
        "POST /v1/fine_tuning/jobs HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer sk-standin\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"model\"",
        server.address
    )
    .unwrap();
    // A connection that never says anything.
    let mut silent = server.connect();
    server.assert_alive();
    assert!(
        closed_by_server(&mut half_line),
        "a half-sent request line is held open"
    );
    assert!(
        closed_by_server(&mut half_body),
        "a half-sent body is held open"
    );
    assert!(
        closed_by_server(&mut silent),
        "a silent connection is held open"
    );
    server.assert_alive();
    // An answer that takes longer than the idle timeout is not cut.
    let (status, _) = server.json(
        "POST",
        "/_standin/faults",
        &json!([{"path": "/files", "kind": "slow", "delay_ms": 1500}]),
    );
    assert_eq!(status, 200);
    server.assert_alive();
}

#[test]
fn an_answer_left_unread_ends_its_connection() {
    let server = Server::start(&["--idle-timeout-ms", "300"]);
    // More than the sockets' buffers hold, so the server waits on the client to read.
    let content = valid_file(200_000);
    let file = server.upload_file(content.as_bytes());
    let mut stream = server.connect();
    write!(
        stream,
        "GET /v1/files/{file}/content HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer sk-standin\r\nConnection: close\r\n\r\n",
        server.address
    )
    .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    assert!(
        received.len() < content.len(),
        "the whole answer waited for a client that did not read it"
    );
    server.assert_alive();
    // The journal keeps the size of a big answer, not a copy of it.
    let (status, journal) = server.json("GET", "/_standin/journal", &Value::Null);
    assert_eq!(status, 200);
    let shown = &journal
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("/content"))
        .unwrap()["response"];
    assert_eq!(shown, &json!(format!("<{} bytes>", content.len())));
}

#[test]
fn the_check_of_a_training_file_does_not_hold_up_other_clients() {
    let server = Server::start(&[]);
    let file = server.upload_file(valid_file(20).as_bytes());
    // Checks wait until released, so the test sees the server while one is in progress.
    let (status, _) = server.json("POST", "/_standin/checks", &json!({"hold": true}));
    assert_eq!(status, 200);
    let job = std::thread::scope(|scope| {
        let creating = scope.spawn(|| {
            server.json(
                "POST",
                "/v1/fine_tuning/jobs",
                &json!({"model": "gpt-4o-mini-2024-07-18", "training_file": file}),
            )
        });
        let mut checks = Value::Null;
        for _ in 0..2000 {
            checks = server.json("GET", "/_standin/checks", &Value::Null).1;
            if checks["running"] == 1 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(checks["running"], 1, "the check never started: {checks}");
        // The check is in progress (held): the same provider's files are listed meanwhile.
        let (status, files) = server.json("GET", "/v1/files", &Value::Null);
        assert_eq!(status, 200);
        assert_eq!(files["data"][0]["id"], json!(file));
        assert_eq!(
            server.json("GET", "/_standin/checks", &Value::Null).1["running"],
            1
        );
        assert!(!creating.is_finished());
        server.json("POST", "/_standin/checks", &json!({"hold": false}));
        creating.join().unwrap()
    });
    assert_eq!(job.0, 200, "{}", job.1);
    assert_eq!(job.1["status"], "validating_files");
    assert_eq!(
        server.json("GET", "/_standin/checks", &Value::Null).1["running"],
        0
    );
}

/// The settings the stand-in prints for each provider work as printed: ids come back whole
/// (a key that is part of the stand-in's ids would be redacted inside every id).
#[test]
fn the_settings_the_stand_in_prints_work_as_printed() {
    use std::io::BufRead;

    /// Stops the stand-in however the test ends.
    struct Stopped(Child);
    impl Drop for Stopped {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Stopped(
        Command::new(assert_cmd::cargo::cargo_bin("finetune"))
            .args(["stand-in", "--port", "0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut url = String::new();
    std::io::BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let mut exports = Vec::new();
    for line in std::io::BufReader::new(child.0.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        if line.contains("Ctrl-C") {
            break;
        }
        if let Some((_, vars)) = line.split_once("export ") {
            exports.push(vars.to_owned());
        }
    }
    assert_eq!(exports.len(), 5, "{exports:?}");
    for vars in &exports {
        let mut command = crate::finetune();
        for pair in vars.split_whitespace() {
            let (name, value) = pair.split_once('=').unwrap();
            command.env(name, value);
        }
        let upload = command
            .args(["upload-dataset", "datasets/sarcastic.jsonl", "--no-check"])
            .output()
            .unwrap();
        let id = String::from_utf8_lossy(&upload.stdout).trim().to_owned();
        let stderr = String::from_utf8_lossy(&upload.stderr);
        assert!(upload.status.success(), "{vars}: {stderr}");
        assert!(
            id.starts_with("file-") && !id.contains("redacted"),
            "{vars}: {id}"
        );
    }
    drop(child);
}
