//! Shared setup of the `ops` integration tests: an in-process emulator ([`Emulator`]) with FC
//! clients to it (direct mode, as `--remote <url>` makes them, and proxy mode, as
//! `ops::connect::client` makes them for the embedded emulator), an analysis host on the real
//! file system ([`FsHost`]), small fc3 projects in a temporary folder, and the corpus folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use analysis::{CheckOptions, FileInput, MemoryHost};
use fc::client::{Client, ClientConfig, RetryPolicy};
use fc::sign::AccessKey;
use ops::local::LocalFunction;
use tokio_util::sync::CancellationToken;

/// The emulator's account.
pub(crate) const ACCOUNT: &str = emulator::DEFAULT_ACCOUNT_ID;

/// The emulator's access key.
fn access_key() -> AccessKey {
    AccessKey {
        id: emulator::DEFAULT_ACCESS_KEY_ID.into(),
        secret: emulator::DEFAULT_ACCESS_KEY_SECRET.into(),
        security_token: None,
    }
}

/// An analysis host reading the real file system, with no environment variables.
pub(crate) struct FsHost;

impl analysis::Host for FsHost {
    fn read_file(&self, path: &Path) -> Option<String> {
        std::fs::read_to_string(path).ok()
    }
    fn path_kind(&self, path: &Path) -> Option<analysis::PathKind> {
        let meta = std::fs::metadata(path).ok()?;
        Some(if meta.is_dir() {
            analysis::PathKind::Dir
        } else {
            analysis::PathKind::File
        })
    }
    fn env_var(&self, _: &str) -> Option<String> {
        None
    }
}

/// An emulator served in this process on a free local port, with its data in a temporary
/// folder; stopped when dropped.
pub(crate) struct Emulator {
    /// `http://127.0.0.1:<port>`.
    pub(crate) url: String,
    /// `127.0.0.1:<port>`.
    pub(crate) addr: String,
    pub(crate) data: tempfile::TempDir,
    stop: CancellationToken,
}

impl Emulator {
    /// An emulator with the default configuration.
    pub(crate) async fn start() -> Emulator {
        Emulator::start_with(|_| {}).await
    }

    /// An emulator with the default configuration changed by `configure` (faults, latency, …).
    pub(crate) async fn start_with(configure: impl FnOnce(&mut emulator::Config)) -> Emulator {
        let data = tempfile::tempdir().unwrap();
        let mut config = emulator::Config::new(data.path());
        configure(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = CancellationToken::new();
        tokio::spawn(emulator::serve(listener, config, stop.clone()));
        Emulator {
            url: format!("http://{addr}"),
            addr,
            data,
            stop,
        }
    }

    /// A client in direct mode (the emulator's URL as the endpoint, as `--remote <url>`), region
    /// cn-hangzhou; never retries, 10 s per attempt.
    pub(crate) fn client(&self) -> Client {
        let endpoint =
            fc::endpoint::Endpoint::parse(&self.url, fc::endpoint::EndpointSource::RemoteFlag)
                .unwrap();
        let mut config = ClientConfig::new(
            fc::endpoint::Endpoints::single(endpoint, None),
            access_key(),
            "cn-hangzhou",
        );
        config.account_id = Some(ACCOUNT.into());
        config.retry = RetryPolicy::never();
        config.timeout = Duration::from_secs(10);
        Client::new(config).unwrap()
    }

    /// The configuration of a client in proxy mode, as `ops::connect::client` makes it for the
    /// embedded emulator (the cloud endpoints of `region`, every request sent through the
    /// emulator), with the default retry policy and timeout.
    pub(crate) fn proxy_config(&self, region: &str) -> ClientConfig {
        let endpoints = fc::endpoint::default_endpoints(region, Some(ACCOUNT)).unwrap();
        let mut config = ClientConfig::new(endpoints, access_key(), region);
        config.account_id = Some(ACCOUNT.into());
        config.proxy = Some(self.url.clone());
        config
    }

    /// A client in proxy mode ([`Emulator::proxy_config`]); never retries, 10 s per attempt.
    pub(crate) fn proxy_client(&self, region: &str) -> Client {
        let mut config = self.proxy_config(region);
        config.retry = RetryPolicy::never();
        config.timeout = Duration::from_secs(10);
        Client::new(config).unwrap()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The s.yaml corpus (`shared/corpus/s-yaml` next to the workspace).
pub(crate) fn corpus_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/s-yaml"
    ));
    assert!(
        dir.is_dir(),
        "the corpus is missing: expected s.yaml files in {}",
        dir.display()
    );
    dir
}

/// A project folder (canonical path) with `code/index.py`; the guard removes it.
pub(crate) fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("code")).unwrap();
    std::fs::write(
        root.join("code/index.py"),
        "def handler(e, c):\n    return 'hi'\n",
    )
    .unwrap();
    (dir, root)
}

/// An s.yaml of the project `project` with one fc3 python function per `(name, extra props)`,
/// in cn-hangzhou, its code `./code`.
pub(crate) fn fc3_yaml(project: &str, functions: &[(&str, &str)]) -> String {
    let mut text = format!("edition: 3.0.0\nname: {project}\nresources:\n");
    for (name, extra) in functions {
        text.push_str(&format!(
            "  {name}:\n    component: fc3\n    props:\n      region: cn-hangzhou\n      functionName: {name}\n      runtime: python3.10\n      handler: index.handler\n      code: ./code\n{extra}"
        ));
    }
    text
}

/// The functions of an s.yaml text placed in `dir`; none may be skipped.
pub(crate) fn functions(dir: &Path, text: &str) -> Vec<LocalFunction> {
    let path = dir.join("s.yaml");
    let host = MemoryHost::new().with_file(&path, text);
    let analysis = analysis::check(
        &FileInput {
            path: &path,
            text,
            workspace: None,
        },
        &host,
        CheckOptions::default(),
    );
    let (found, skipped) = ops::local::functions(&analysis, dir);
    assert!(skipped.is_empty(), "{skipped:?}");
    found
}
