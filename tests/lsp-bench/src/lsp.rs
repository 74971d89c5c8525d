//! A minimal LSP client over stdio (Content-Length framing), the same for every server.
//!
//! Three threads per server: a writer (so the benchmark never blocks on a full pipe), a reader
//! that answers every server→client request at once and forwards responses and notifications
//! with their arrival time, and a stderr drain that keeps the last lines for error messages.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

/// What the client answers to `workspace/configuration`, by section.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// Value for section `yaml` (yaml-language-server's settings, peers.md §1.4).
    pub(crate) yaml: Value,
}

impl Settings {
    /// The answer for one configuration item. Sections the client knows nothing about get `null`.
    fn answer(&self, item: &Value) -> Value {
        match item.get("section").and_then(Value::as_str) {
            Some("yaml") => self.yaml.clone(),
            Some("http") => json!({ "proxy": "", "proxyStrictSSL": false }),
            // Asked once at start and before every validation (peers.md §1.5 items 2 and 5).
            Some("[yaml]") => json!({ "editor.tabSize": 2, "yaml.validate": true }),
            Some("editor") => json!({ "tabSize": 2, "detectIndentation": false }),
            Some("files") => json!({ "associations": {} }),
            _ => Value::Null,
        }
    }
}

/// A message from the server, stamped when its last byte was read.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) at: Instant,
    pub(crate) msg: Value,
}

enum Event {
    Message(Incoming),
    /// The server asked for configuration and was answered.
    ConfigAnswered,
    Closed(String),
}

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) pid: u32,
    out: Sender<Vec<u8>>,
    events: Receiver<Event>,
    /// Messages read while waiting for something else.
    backlog: VecDeque<Incoming>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    next_id: i64,
    pub(crate) config_requests: usize,
    pub(crate) server_requests: Arc<Mutex<Vec<String>>>,
    closed: Option<String>,
}

/// A notification as wire bytes.
pub(crate) fn notification_frame(method: &str, params: Value) -> Vec<u8> {
    frame(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
}

fn frame(msg: &Value) -> Vec<u8> {
    let body = msg.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

fn read_frame(r: &mut impl BufRead) -> Result<Option<Value>> {
    let mut length = None;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let l = line.trim_end();
        if l.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.trim().eq_ignore_ascii_case("content-length")
        {
            length = Some(v.trim().parse::<usize>().context("bad Content-Length")?);
        }
    }
    let mut body = vec![0; length.unwrap_or(0)];
    r.read_exact(&mut body)?;
    Ok(Some(
        serde_json::from_slice(&body).context("bad JSON body")?,
    ))
}

impl Server {
    /// Spawns `command` through `sh -c 'exec …'`, so the pid is the server itself.
    pub(crate) fn spawn(
        command: &str,
        cwd: &std::path::Path,
        settings: Settings,
    ) -> Result<Server> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec {command}"))
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting `{command}`"))?;
        let pid = child.id();
        let stdin: ChildStdin = child.stdin.take().context("no stdin")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let stderr = child.stderr.take().context("no stderr")?;

        let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>();
        thread::spawn(move || {
            let mut stdin = stdin;
            for bytes in out_rx {
                if stdin
                    .write_all(&bytes)
                    .and_then(|()| stdin.flush())
                    .is_err()
                {
                    break;
                }
            }
        });

        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail = stderr_tail.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut t) = tail.lock() {
                    if t.len() >= 40 {
                        t.pop_front();
                    }
                    t.push_back(line);
                }
            }
        });

        let (ev_tx, ev_rx) = mpsc::channel::<Event>();
        let answer_tx = out_tx.clone();
        let server_requests = Arc::new(Mutex::new(Vec::new()));
        let seen = server_requests.clone();
        thread::spawn(move || {
            let mut r = BufReader::with_capacity(1 << 20, stdout);
            loop {
                let msg = match read_frame(&mut r) {
                    Ok(Some(m)) => m,
                    Ok(None) => {
                        let _ = ev_tx.send(Event::Closed("server closed its stdout".into()));
                        break;
                    }
                    Err(e) => {
                        let _ = ev_tx.send(Event::Closed(format!("reading from server: {e:#}")));
                        break;
                    }
                };
                let at = Instant::now();
                let is_request = msg.get("method").is_some() && msg.get("id").is_some();
                if is_request {
                    let method = msg["method"].as_str().unwrap_or_default().to_string();
                    let result = if method == "workspace/configuration" {
                        let items = msg["params"]["items"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default();
                        Value::Array(items.iter().map(|i| settings.answer(i)).collect())
                    } else {
                        // window/workDoneProgress/create, client/registerCapability, …
                        Value::Null
                    };
                    let reply =
                        json!({ "jsonrpc": "2.0", "id": msg["id"].clone(), "result": result });
                    let _ = answer_tx.send(frame(&reply));
                    if let Ok(mut s) = seen.lock() {
                        s.push(method.clone());
                    }
                    if method == "workspace/configuration" {
                        let _ = ev_tx.send(Event::ConfigAnswered);
                    }
                } else if ev_tx.send(Event::Message(Incoming { at, msg })).is_err() {
                    break;
                }
            }
        });

        Ok(Server {
            child,
            pid,
            out: out_tx,
            events: ev_rx,
            backlog: VecDeque::new(),
            stderr_tail,
            next_id: 1,
            config_requests: 0,
            server_requests,
            closed: None,
        })
    }

    pub(crate) fn stderr_tail(&self) -> String {
        self.stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    }

    fn send(&self, msg: &Value) -> Result<()> {
        self.out
            .send(frame(msg))
            .map_err(|_| anyhow!("server stdin is closed"))
    }

    /// Sends a frame built beforehand (so a timer started just before measures the server and
    /// the transport, not the client building a multi-megabyte message).
    pub(crate) fn send_frame(&self, frame: Vec<u8>) -> Result<()> {
        self.out
            .send(frame)
            .map_err(|_| anyhow!("server stdin is closed"))
    }

    pub(crate) fn notify(&self, method: &str, params: Value) -> Result<()> {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
    }

    pub(crate) fn request(&mut self, method: &str, params: Value) -> Result<i64> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))?;
        Ok(id)
    }

    /// Next incoming message (backlog first) before `deadline`.
    fn next(&mut self, deadline: Instant) -> Result<Option<Incoming>> {
        if let Some(m) = self.backlog.pop_front() {
            return Ok(Some(m));
        }
        self.next_event(deadline)
    }

    /// Next message from the reader (not the backlog) before `deadline`.
    fn next_event(&mut self, deadline: Instant) -> Result<Option<Incoming>> {
        loop {
            if let Some(reason) = &self.closed {
                bail!("{reason}; stderr tail:\n{}", self.stderr_tail());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(Event::Message(m)) => return Ok(Some(m)),
                Ok(Event::ConfigAnswered) => self.config_requests += 1,
                Ok(Event::Closed(reason)) => self.closed = Some(reason),
                Err(RecvTimeoutError::Timeout) => return Ok(None),
                Err(RecvTimeoutError::Disconnected) => {
                    self.closed = Some("server reader stopped".into())
                }
            }
        }
    }

    /// Waits for the first message matching `pred`; others are dropped (`keep` = false) or kept
    /// for later waits.
    pub(crate) fn wait_for(
        &mut self,
        timeout: Duration,
        what: &str,
        mut pred: impl FnMut(&Value) -> bool,
    ) -> Result<Incoming> {
        let deadline = Instant::now() + timeout;
        let mut skipped = Vec::new();
        let found = loop {
            match self.next(deadline)? {
                Some(m) if pred(&m.msg) => break Some(m),
                Some(m) => {
                    // Keep responses to other requests; notifications are drained.
                    if m.msg.get("id").is_some() {
                        skipped.push(m);
                    }
                }
                None => break None,
            }
        };
        for m in skipped.into_iter().rev() {
            self.backlog.push_front(m);
        }
        found.ok_or_else(|| anyhow!("timed out after {timeout:?} waiting for {what}"))
    }

    pub(crate) fn wait_response(&mut self, id: i64, timeout: Duration) -> Result<Incoming> {
        self.wait_result(id, timeout)?
            .map_err(|err| anyhow!("request {id} failed: {err}"))
    }

    /// The response to request `id`: `Ok(Err(error))` when the server answered with an error
    /// (it is still alive and the benchmark can go on), `Err` on timeout or a closed server.
    pub(crate) fn wait_result(
        &mut self,
        id: i64,
        timeout: Duration,
    ) -> Result<std::result::Result<Incoming, Value>> {
        let m = self.wait_for(timeout, &format!("the response to request {id}"), |m| {
            m.get("id").and_then(Value::as_i64) == Some(id) && m.get("method").is_none()
        })?;
        Ok(match m.msg.get("error") {
            Some(err) => Err(err.clone()),
            None => Ok(m),
        })
    }

    /// Waits until the server has asked for configuration at least `n` times, or `timeout`.
    /// Messages arriving meanwhile are kept for later waits.
    pub(crate) fn wait_config(&mut self, n: usize, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now() + timeout;
        while self.config_requests < n {
            if let Some(reason) = &self.closed {
                bail!("{reason}; stderr tail:\n{}", self.stderr_tail());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(Event::Message(m)) => self.backlog.push_back(m),
                Ok(Event::ConfigAnswered) => self.config_requests += 1,
                Ok(Event::Closed(reason)) => self.closed = Some(reason),
                Err(RecvTimeoutError::Timeout) => return Ok(false),
                Err(RecvTimeoutError::Disconnected) => {
                    self.closed = Some("server reader stopped".into())
                }
            }
        }
        Ok(true)
    }

    /// Drains everything that arrives within `quiet` of the previous message (bounded by
    /// `max`), so that a measurement starts from a quiet server.
    pub(crate) fn settle(&mut self, quiet: Duration, max: Duration) -> Result<()> {
        let end = Instant::now() + max;
        loop {
            let deadline = (Instant::now() + quiet).min(end);
            match self.next(deadline)? {
                Some(_) => {
                    if Instant::now() >= end {
                        return Ok(());
                    }
                }
                None => return Ok(()),
            }
        }
    }

    /// Shutdown, exit, then kill whatever is left (the harness never leaves a server behind).
    pub(crate) fn stop(mut self) {
        if let Ok(id) = self.request("shutdown", Value::Null) {
            let _ = self.wait_response(id, Duration::from_secs(3));
            let _ = self.notify("exit", Value::Null);
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Peak resident set (VmHWM) of `pid` and all its descendants, in KiB.
pub(crate) fn peak_rss_kib(pid: u32) -> Option<u64> {
    let mut total = 0;
    let mut stack = vec![pid];
    let mut found = false;
    while let Some(p) = stack.pop() {
        let Ok(status) = std::fs::read_to_string(format!("/proc/{p}/status")) else {
            continue;
        };
        if let Some(kib) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            total += kib;
            found = true;
        }
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) {
            for t in tasks.flatten() {
                if let Ok(children) = std::fs::read_to_string(t.path().join("children")) {
                    stack.extend(
                        children
                            .split_whitespace()
                            .filter_map(|c| c.parse::<u32>().ok()),
                    );
                }
            }
        }
    }
    found.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let a = json!({"jsonrpc": "2.0", "id": 1, "result": "ü"});
        let mut bytes = frame(&a);
        bytes.extend(b"Content-Type: x\r\nContent-Length: 2\r\n\r\n{}");
        let mut r = std::io::Cursor::new(bytes);
        assert_eq!(read_frame(&mut r).unwrap(), Some(a));
        assert_eq!(read_frame(&mut r).unwrap(), Some(json!({})));
        assert_eq!(read_frame(&mut r).unwrap(), None);
    }

    #[test]
    fn own_peak_rss_is_readable() {
        assert!(peak_rss_kib(std::process::id()).unwrap() > 0);
    }
}
