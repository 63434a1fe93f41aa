//! A real Prometheus for tests: synthetic series written as OpenMetrics text are turned into
//! TSDB blocks by `promtool tsdb create-blocks-from openmetrics`, a `prometheus` serves them on
//! 127.0.0.1 (a free port, a temporary storage folder), and expressions are evaluated through its
//! HTTP API. The server is killed when the value is dropped.
//!
//! `prometheus` and `promtool` are looked up on `PATH` (`.ci/tools.sh prometheus` installs them;
//! `.ci/run` does). When either is missing, [`Prometheus::start`] prints a `skipped: …` line and
//! returns `None`, so a test can `let Some(prom) = Prometheus::start(..) else { return };`.
//!
//! ```ignore
//! let mut om = OpenMetrics::default();
//! om.series("airflow_dagrun_duration_sum", &[("dag_id", "etl")], &[(T0, 3.0), (T0 + 60, 7.0)]);
//! let Some(prom) = Prometheus::start(&om.finish()) else { return };
//! let data = prom.query("airflow_dagrun_duration_sum", T0 + 60).unwrap();
//! ```

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// How long the server may take to report ready before the test fails.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one HTTP request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// A running Prometheus serving backfilled blocks; killed on drop.
pub struct Prometheus {
    child: Child,
    port: u16,
    dir: TempDir,
}

/// The path of `name` on `PATH`, if it is there.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `promtool`'s path, or `None` after printing a `skipped:` line naming `what`.
pub fn promtool(what: &str) -> Option<PathBuf> {
    let found = which("promtool");
    if found.is_none() {
        eprintln!("skipped: {what}: promtool is not on PATH (run .ci/tools.sh prometheus)");
    }
    found
}

impl Prometheus {
    /// Backfills `openmetrics` (OpenMetrics text ending in `# EOF`) and starts a server over
    /// it. `None` (after a `skipped:` line) when prometheus or promtool is not installed; panics
    /// with the tool's output on any other failure.
    pub fn start(openmetrics: &str) -> Option<Self> {
        let (Some(prometheus), Some(promtool)) = (which("prometheus"), which("promtool")) else {
            eprintln!(
                "skipped: real Prometheus test: prometheus/promtool are not on PATH \
                 (run .ci/tools.sh prometheus)"
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let input = dir.path().join("series.om");
        std::fs::write(&input, openmetrics).expect("write openmetrics");
        let out = Command::new(&promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&input)
            .arg(&data)
            .output()
            .expect("run promtool");
        assert!(
            out.status.success(),
            "promtool tsdb create-blocks-from openmetrics failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "global:\n  evaluation_interval: 1m\n").expect("write config");
        // A free port can be taken between our probe and the server's bind: try a few.
        let mut last = String::new();
        for _ in 0..3 {
            match Self::launch(&prometheus, &config, &data, dir.path()) {
                Ok((child, port)) => return Some(Prometheus { child, port, dir }),
                Err(why) => last = why,
            }
        }
        panic!("prometheus did not start: {last}");
    }

    fn launch(
        prometheus: &Path,
        config: &Path,
        data: &Path,
        dir: &Path,
    ) -> Result<(Child, u16), String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let log = std::fs::File::create(dir.join("prometheus.log")).map_err(|e| e.to_string())?;
        let mut child = Command::new(prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // Backfilled samples lie in the past: keep them all, whatever today's date.
            .arg("--storage.tsdb.retention.time=100y")
            .arg("--query.lookback-delta=5m")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", prometheus.display()))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default();
                return Err(format!("exited with {status}:\n{log}"));
            }
            if let Ok((200, _)) = http_get(port, "/-/ready") {
                return Ok((child, port));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("not ready after {READY_TIMEOUT:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `data` member of an instant query at `time` (Unix seconds): `Err` with Prometheus'
    /// error text when the expression does not parse or evaluate.
    pub fn query(&self, expr: &str, time: i64) -> Result<Value, String> {
        self.api(&format!(
            "/api/v1/query?query={}&time={time}",
            percent(expr)
        ))
    }

    /// The `data` member of a range query from `start` to `end` (Unix seconds) every `step`
    /// seconds.
    pub fn query_range(
        &self,
        expr: &str,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<Value, String> {
        self.api(&format!(
            "/api/v1/query_range?query={}&start={start}&end={end}&step={step}",
            percent(expr)
        ))
    }

    /// The `data` member of `GET /api/v1/{path}` (e.g. `series?match[]=up`, `label/__name__/values`).
    pub fn get(&self, path_and_query: &str) -> Result<Value, String> {
        self.api(&format!("/api/v1/{path_and_query}"))
    }

    fn api(&self, target: &str) -> Result<Value, String> {
        let (status, body) = http_get(self.port, target)?;
        let doc: Value = serde_json::from_str(&body)
            .map_err(|e| format!("HTTP {status}: body is not JSON ({e}): {body}"))?;
        if doc["status"] == "success" {
            Ok(doc["data"].clone())
        } else {
            Err(format!(
                "HTTP {status}: {}: {}",
                doc["errorType"].as_str().unwrap_or("?"),
                doc["error"].as_str().unwrap_or(&body)
            ))
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The number of series (vector) or of series (matrix) in a query's `data`; 1 for a scalar.
pub fn result_len(data: &Value) -> usize {
    match data["resultType"].as_str() {
        Some("scalar") | Some("string") => 1,
        _ => data["result"].as_array().map_or(0, Vec::len),
    }
}

/// One `GET` over HTTP/1.0 on 127.0.0.1: (status, body).
fn http_get(port: u16, target: &str) -> Result<(u16, String), String> {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream
        .set_read_timeout(Some(REQUEST_TIMEOUT))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(REQUEST_TIMEOUT))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {target} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .map_err(|e| format!("send: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("read: {e}"))?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no HTTP header in {text:?}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP status in {head:?}"))?;
    Ok((status, body.to_string()))
}

/// `s` percent-encoded for a URL query value (everything but unreserved characters).
fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// OpenMetrics text built series by series. Samples of one metric name are kept together (the
/// format requires a family's lines to be contiguous) and each series' points in time order.
#[derive(Default)]
pub struct OpenMetrics {
    families: std::collections::BTreeMap<String, String>,
}

impl OpenMetrics {
    /// Adds the series `name{labels}` with `points` as (Unix seconds, value). Label values are
    /// escaped as the format requires.
    pub fn series(&mut self, name: &str, labels: &[(&str, &str)], points: &[(i64, f64)]) {
        let mut sorted = points.to_vec();
        sorted.sort_by_key(|(t, _)| *t);
        let labels = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
            .collect::<Vec<_>>()
            .join(",");
        let lines = self.families.entry(name.to_string()).or_default();
        for (t, v) in sorted {
            let _ = writeln!(lines, "{name}{{{labels}}} {} {t}", float(v));
        }
    }

    /// The text, ending in `# EOF`.
    pub fn finish(&self) -> String {
        let mut out: String = self.families.values().map(String::as_str).collect();
        out.push_str("# EOF\n");
        out
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}
