//! `sdls emulator` survives `kill -9`: the real binary serves while a client writes in a loop
//! (creates with code, updates, versions, aliases, deletes); it is killed with SIGKILL mid-way,
//! restarted on the same data directory, and the state must parse and be consistent — every
//! function listed can be fetched, its code downloaded with the recorded checksum, its aliases
//! point at existing versions. Also: the banner, the exit code of a clean SIGTERM shutdown, and
//! exit 1 with a clear message when the port is taken.

#![cfg(test)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use emulator::testkit::{self, RawResponse};
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(20);

struct Running {
    child: Child,
    addr: SocketAddr,
    banner: Vec<String>,
}

fn start(dir: &Path, listen: &str) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sdls"))
        .args(["emulator", "--listen", listen, "--data"])
        .arg(dir)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sdls starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("utf-8");
    let addr = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .parse()
        .expect("an address");
    let mut banner = vec![first];
    for line in lines.by_ref() {
        let line = line.expect("utf-8");
        let done = line.starts_with("access key secret");
        banner.push(line);
        if done {
            break;
        }
    }
    // Keep draining stdout in the background.
    std::thread::spawn(move || for _ in lines {});
    Running {
        child,
        addr,
        banner,
    }
}

fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
) -> std::io::Result<RawResponse> {
    let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let request = testkit::sign_request(
        emulator::DEFAULT_ACCESS_KEY_ID,
        emulator::DEFAULT_ACCESS_KEY_SECRET,
        &addr.to_string(),
        method,
        &format!("/2023-03-30{path}"),
        query,
        "Test",
        &bytes,
    );
    testkit::send(addr, &request, TIMEOUT)
}

fn zip_b64(tag: usize) -> String {
    let code = format!("def handler(e, c):\n    return b'{tag}'\n");
    testkit::zip_base64(&[("index.py", &code)]).unwrap().1
}

/// Writes until an error (the process was killed); returns how many writes succeeded.
fn write_loop(addr: SocketAddr, round: usize, stop: &AtomicBool, done: &AtomicUsize) {
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let name = format!("r{round}-f{i:04}");
        let create = json!({"functionName": name, "runtime": "python3.10", "handler": "index.handler", "code": {"zipFile": zip_b64(i)}});
        let steps: Vec<(&str, String, Option<Value>)> = vec![
            ("POST", "/functions".to_owned(), Some(create)),
            (
                "PUT",
                format!("/functions/{name}"),
                Some(json!({"memorySize": 1024, "code": {"zipFile": zip_b64(i + 100_000)}})),
            ),
            (
                "POST",
                format!("/functions/{name}/versions"),
                Some(json!({})),
            ),
            (
                "POST",
                format!("/functions/{name}/aliases"),
                Some(json!({"aliasName": "prod", "versionId": "1"})),
            ),
        ];
        for (method, path, body) in steps {
            match call(addr, method, &path, &[], body.as_ref()) {
                Ok(r) if r.status < 300 => {
                    done.fetch_add(1, Ordering::Relaxed);
                }
                _ => return,
            }
        }
        if i % 3 == 2 {
            let victim = format!("r{round}-f{:04}", i - 1);
            for path in [
                format!("/functions/{victim}/aliases/prod"),
                format!("/functions/{victim}/versions/1"),
                format!("/functions/{victim}"),
            ] {
                if call(addr, "DELETE", &path, &[], None).is_err() {
                    return;
                }
            }
        }
        i += 1;
    }
}

/// Lists every function and checks each one.
fn check_consistent(addr: SocketAddr, dir: &Path) -> usize {
    let state: Value =
        serde_json::from_slice(&std::fs::read(dir.join("state.json")).expect("state.json exists"))
            .expect("state.json parses");
    assert!(state["regions"].is_object());
    let mut names = Vec::new();
    let mut token = String::new();
    loop {
        let mut query = vec![("limit", "100")];
        if !token.is_empty() {
            query.push(("nextToken", token.as_str()));
        }
        let r = call(addr, "GET", "/functions", &query, None).unwrap();
        assert_eq!(r.status, 200);
        let page: Value = serde_json::from_slice(&r.body).unwrap();
        for f in page["functions"].as_array().unwrap() {
            names.push(f["functionName"].as_str().unwrap().to_owned());
        }
        match page["nextToken"].as_str() {
            Some(t) if !t.is_empty() => token = t.to_owned(),
            _ => break,
        }
    }
    for name in &names {
        let r = call(addr, "GET", &format!("/functions/{name}"), &[], None).unwrap();
        assert_eq!(r.status, 200, "{name}");
        let f: Value = serde_json::from_slice(&r.body).unwrap();
        let code = call(addr, "GET", &format!("/functions/{name}/code"), &[], None).unwrap();
        let code: Value = serde_json::from_slice(&code.body).unwrap();
        assert_eq!(code["checksum"], f["codeChecksum"], "{name}");
        let blob = std::fs::read(
            dir.join("code")
                .join(format!("{}.zip", f["codeChecksum"].as_str().unwrap())),
        )
        .unwrap_or_else(|e| panic!("code blob of {name}: {e}"));
        assert_eq!(
            testkit::checksum(&blob),
            f["codeChecksum"].as_str().unwrap()
        );
        let aliases = call(
            addr,
            "GET",
            &format!("/functions/{name}/aliases"),
            &[],
            None,
        )
        .unwrap();
        let aliases: Value = serde_json::from_slice(&aliases.body).unwrap();
        for alias in aliases["aliases"].as_array().unwrap() {
            let v = alias["versionId"].as_str().unwrap();
            let got = call(
                addr,
                "GET",
                &format!("/functions/{name}"),
                &[("qualifier", v)],
                None,
            )
            .unwrap();
            assert_eq!(got.status, 200, "{name} alias version {v}");
        }
    }
    names.len()
}

#[test]
fn state_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let mut total = 0;
    for round in 0..3 {
        let mut running = start(data.path(), "127.0.0.1:0");
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (stop, done, addr) = (stop.clone(), done.clone(), running.addr);
            std::thread::spawn(move || write_loop(addr, round, &stop, &done))
        };
        // Let some writes land, then SIGKILL in the middle of the stream.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while done.load(Ordering::Relaxed) < 12 + round * 5 && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        running.child.kill().expect("SIGKILL");
        running.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        writer.join().unwrap();
        total += done.load(Ordering::Relaxed);

        let mut again = start(data.path(), "127.0.0.1:0");
        let count = check_consistent(again.addr, data.path());
        assert!(count > 0, "round {round}: functions survived");
        again.child.kill().unwrap();
        again.child.wait().unwrap();
    }
    assert!(total >= 12);
}

#[test]
fn banner_clean_shutdown_and_port_in_use() {
    let data = tempfile::tempdir().unwrap();
    let mut running = start(data.path(), "127.0.0.1:0");
    assert!(
        running
            .banner
            .iter()
            .any(|l| l == &format!("access key id: {}", emulator::DEFAULT_ACCESS_KEY_ID))
    );
    assert!(
        running
            .banner
            .iter()
            .any(|l| l.starts_with("access key secret: ")
                && l.contains(emulator::DEFAULT_ACCESS_KEY_SECRET))
    );
    assert!(
        running
            .banner
            .iter()
            .any(|l| l == &format!("account id: {}", emulator::DEFAULT_ACCOUNT_ID))
    );
    let r = call(running.addr, "GET", "/functions", &[], None).unwrap();
    assert_eq!(r.status, 200);

    // The port is taken: exit 1 with a message naming it.
    let taken = Command::new(env!("CARGO_BIN_EXE_sdls"))
        .args(["emulator", "--listen", &running.addr.to_string(), "--data"])
        .arg(data.path().join("other"))
        .output()
        .unwrap();
    assert_eq!(taken.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&taken.stderr);
    assert!(stderr.contains(&running.addr.to_string()), "{stderr}");

    // Not loopback: refused.
    let public = Command::new(env!("CARGO_BIN_EXE_sdls"))
        .args(["emulator", "--listen", "0.0.0.0:0", "--data"])
        .arg(data.path().join("other"))
        .output()
        .unwrap();
    assert_eq!(public.status.code(), Some(1));

    // SIGTERM: clean shutdown, exit 0.
    let status = Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = running.child.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
}
