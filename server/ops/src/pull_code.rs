//! `sdls pull --code` (D25): the function's deployed code package downloaded (GetFunctionCode
//! gives a short-lived URL) and extracted into the function's code directory.
//!
//! Safety, in order:
//! - the package is checked whole before anything is written: an entry whose name is absolute,
//!   holds `..`, `\`, a drive prefix or NUL (zip-slip), a symlink whose target leaves the code
//!   directory, or an entry that would go through a symlink or replace a directory (or the
//!   reverse) refuses the whole package;
//! - the download's CRC-64 must be the checksum GetFunctionCode announced;
//! - `.s/` and `.git/` entries (sdls state, a repository — never part of an sdls package) and the
//!   s.yaml being pulled into are never written;
//! - files are first extracted into a temporary directory beside the code directory (same file
//!   system), and only then renamed into place one by one;
//! - local files that are not in the package are kept.
//!
//! [`inspect`] says what extracting would do (pure over the zip bytes and the directory's
//! current content); [`extract`] does it.

use std::io::{Cursor, Read};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use fc::client::Client;

/// The largest package downloaded (FC's own package limit).
pub const MAX_DOWNLOAD: u64 = fc::package::CODE_PACKAGE_LIMIT;

/// The largest total size of the extracted files (a guard against zip bombs: well above what a
/// 500 MiB package of ordinary code unpacks to).
pub const MAX_EXTRACTED: u64 = 4 * 1024 * 1024 * 1024;

/// Why code could not be pulled. Every variant means nothing was written, except
/// [`PullCodeError::Move`], which lists what was.
#[derive(Debug, thiserror::Error)]
pub enum PullCodeError {
    #[error("{0}")]
    Remote(String),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Io(String),
    #[error("{error}; written before it: {}", if written.is_empty() { "nothing".to_string() } else { written.join(", ") })]
    Move { error: String, written: Vec<String> },
}

/// A downloaded package.
#[derive(Clone, Debug)]
pub struct Downloaded {
    /// CRC-64 (decimal), checked against what GetFunctionCode announced.
    pub checksum: String,
    pub bytes: Vec<u8>,
}

/// GetFunctionCode, then the download of its URL (https, or http on loopback only), checked
/// against the announced checksum.
pub async fn download(client: &Client, function_name: &str) -> Result<Downloaded, PullCodeError> {
    let code = client
        .get_function_code(function_name, None)
        .await
        .map_err(|e| PullCodeError::Remote(format!("GetFunctionCode {function_name}: {e}")))?;
    let Some(url) = code.url.filter(|u| !u.is_empty()) else {
        return Err(PullCodeError::Remote(format!(
            "GetFunctionCode {function_name} gave no download URL (a container-image function has no code package)"
        )));
    };
    let parsed = reqwest::Url::parse(&url)
        .map_err(|e| PullCodeError::Remote(format!("the code URL is not a URL: {e}")))?;
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        scheme => {
            return Err(PullCodeError::Remote(format!(
                "the code URL of {function_name} uses {scheme}:// to {host}; only https, or http on loopback (the local emulator), is downloaded"
            )));
        }
    }
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .timeout(Duration::from_secs(600));
    if loopback {
        // HTTP_PROXY and friends must not route loopback traffic elsewhere.
        builder = builder.no_proxy();
    }
    let http = builder
        .build()
        .map_err(|e| PullCodeError::Remote(format!("cannot build the HTTP client: {e}")))?;
    // The URL is signed: its query is a credential of sorts, so errors name the host only.
    let failed = |e: reqwest::Error| {
        PullCodeError::Remote(format!(
            "downloading the code of {function_name} from {host} failed: {}",
            e.without_url()
        ))
    };
    let mut response = http.get(parsed.clone()).send().await.map_err(failed)?;
    if !response.status().is_success() {
        return Err(PullCodeError::Remote(format!(
            "downloading the code of {function_name} from {host} answered HTTP {}",
            response.status()
        )));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > MAX_DOWNLOAD {
            return Err(PullCodeError::Remote(format!(
                "the code of {function_name} is larger than {MAX_DOWNLOAD} bytes; not downloaded"
            )));
        }
    }
    let actual = fc::crc64::checksum_decimal(&bytes);
    if let Some(expected) = code.checksum.filter(|c| !c.is_empty())
        && expected != actual
    {
        return Err(PullCodeError::Remote(format!(
            "the downloaded code of {function_name} has CRC-64 {actual}, not the announced {expected}; nothing was written, try again"
        )));
    }
    Ok(Downloaded {
        checksum: actual,
        bytes,
    })
}

/// What one package entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File { executable: bool },
    Dir,
    Symlink { target: String },
}

/// What extracting does to one path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Not there locally: created.
    New,
    /// There with other content (or mode, or link target): replaced.
    Overwritten,
    /// Already identical: left alone.
    Unchanged,
    /// Never written (`.s/`, `.git/`, the s.yaml itself).
    Protected,
}

/// One entry of the package and its effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedEntry {
    /// Relative path, `/`-separated as in the zip (no trailing `/`).
    pub path: String,
    pub kind: EntryKind,
    pub effect: Effect,
}

/// What extracting a package into a directory would do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inspection {
    pub entries: Vec<PlannedEntry>,
    /// Local files (relative paths) that are not in the package: kept.
    pub kept: Vec<String>,
}

impl Inspection {
    /// The paths of files and links with `effect`.
    pub fn paths(&self, effect: Effect) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| e.effect == effect && e.kind != EntryKind::Dir)
            .map(|e| e.path.clone())
            .collect()
    }

    /// Whether extracting writes anything.
    pub fn writes(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.effect, Effect::New | Effect::Overwritten))
    }
}

/// Checks the package against `code_dir` and says what extracting would do. `protected` are
/// absolute paths never written (the s.yaml). Refuses a code path that is a file.
pub fn inspect(
    zip: &[u8],
    code_dir: &Path,
    protected: &[PathBuf],
) -> Result<Inspection, PullCodeError> {
    check_code_dir(code_dir)?;
    let entries = read_entries(zip)?;
    let mut planned = Vec::new();
    for (path, kind, data) in &entries {
        let target = code_dir.join(path);
        if let Some(link) = symlink_on_the_way(code_dir, path) {
            return Err(PullCodeError::Refused(format!(
                "`{path}` would be written through `{link}`, which is a symbolic link in {}; nothing was written (move the link away, then pull again)",
                code_dir.display()
            )));
        }
        let protected_here = path
            .split('/')
            .any(|seg| fc::package::ALWAYS_EXCLUDED.contains(&seg))
            || protected.iter().any(|p| same_path(p, &target));
        let effect = if protected_here {
            Effect::Protected
        } else {
            effect_on(&target, kind, data, path, code_dir)?
        };
        planned.push(PlannedEntry {
            path: path.clone(),
            kind: kind.clone(),
            effect,
        });
    }
    let in_package: std::collections::HashSet<&str> =
        planned.iter().map(|e| e.path.as_str()).collect();
    let mut kept = Vec::new();
    list_local(code_dir, code_dir, &in_package, &mut kept);
    kept.sort();
    Ok(Inspection {
        entries: planned,
        kept,
    })
}

/// Writes the package's new and changed files into `code_dir`: all of them extracted first into
/// a temporary directory beside it, then renamed into place. Returns the paths written.
pub fn extract(
    zip: &[u8],
    code_dir: &Path,
    inspection: &Inspection,
) -> Result<Vec<String>, PullCodeError> {
    let io = |what: &str, path: &Path, e: std::io::Error| {
        PullCodeError::Io(format!("{what} {}: {e}", path.display()))
    };
    std::fs::create_dir_all(code_dir).map_err(|e| io("cannot create", code_dir, e))?;
    let parent = code_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = code_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "code".into());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.sdls-pull-"))
        .tempdir_in(parent)
        .map_err(|e| io("cannot create a temporary directory in", parent, e))?;
    let entries = read_entries(zip)?;
    let wanted: Vec<&PlannedEntry> = inspection
        .entries
        .iter()
        .filter(|e| matches!(e.effect, Effect::New | Effect::Overwritten))
        .collect();
    // 1. Everything into the staging directory; a failure here leaves the code untouched.
    for entry in &wanted {
        let Some((_, _, data)) = entries.iter().find(|(p, _, _)| *p == entry.path) else {
            return Err(PullCodeError::Io(format!(
                "`{}` is no longer in the package",
                entry.path
            )));
        };
        let staged = staging.path().join(&entry.path);
        if let Some(dir) = staged.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io("cannot create", dir, e))?;
        }
        match &entry.kind {
            EntryKind::Dir => {
                std::fs::create_dir_all(&staged).map_err(|e| io("cannot create", &staged, e))?;
            }
            EntryKind::File { executable } => {
                std::fs::write(&staged, data).map_err(|e| io("cannot write", &staged, e))?;
                set_mode(&staged, *executable).map_err(|e| io("cannot set mode of", &staged, e))?;
            }
            EntryKind::Symlink { target } => {
                make_symlink(target, &staged).map_err(|e| io("cannot create link", &staged, e))?;
            }
        }
    }
    // 2. Into place, one rename per file (same file system: each is atomic).
    let mut written = Vec::new();
    for entry in &wanted {
        let staged = staging.path().join(&entry.path);
        let target = code_dir.join(&entry.path);
        let moved = (|| -> std::io::Result<()> {
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            if entry.kind == EntryKind::Dir {
                return std::fs::create_dir_all(&target);
            }
            std::fs::rename(&staged, &target)
        })();
        if let Err(e) = moved {
            return Err(PullCodeError::Move {
                error: format!(
                    "cannot move `{}` into {}: {e}",
                    entry.path,
                    code_dir.display()
                ),
                written,
            });
        }
        if entry.kind != EntryKind::Dir {
            written.push(entry.path.clone());
        }
    }
    Ok(written)
}

/// After a pull, records in the function's sdls baseline that the local code is the remote
/// package `checksum` — only when the local package's CRC now *is* that checksum (files kept
/// locally that are not in the package make it differ, and then the code truly differs).
/// Returns the baseline written, if any; a missing or legacy baseline is left alone.
pub fn record_in_baseline(
    file_dir: &Path,
    account_id: &str,
    region: &str,
    function_name: &str,
    checksum: &str,
    local_crc: &str,
) -> Option<PathBuf> {
    use crate::baseline::{BaselineRead, BaselineSource, BaselineStore};
    if local_crc != checksum {
        return None;
    }
    let store = BaselineStore::new(file_dir);
    let BaselineRead::Found {
        mut baseline,
        source: BaselineSource::Sdls(_),
    } = store.read(account_id, region, function_name, None)
    else {
        return None;
    };
    baseline.code.local_crc = Some(local_crc.to_string());
    baseline.code.remote_checksum = Some(checksum.to_string());
    store.write(&baseline).ok()
}

/// A code path that exists must be a directory (a missing one is created by [`extract`]).
fn check_code_dir(code_dir: &Path) -> Result<(), PullCodeError> {
    match std::fs::symlink_metadata(code_dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(meta) if meta.file_type().is_symlink() => match std::fs::metadata(code_dir) {
            Ok(target) if target.is_dir() => Ok(()),
            _ => Err(PullCodeError::Refused(format!(
                "the code path {} is a link to something that is not a directory; point `code:` at a directory to pull code into it",
                code_dir.display()
            ))),
        },
        Ok(_) => Err(PullCodeError::Refused(format!(
            "the code path {} is a file (a ready-made package), not a directory; sdls pull --code only extracts into a directory: point `code:` at a directory, or download the package yourself",
            code_dir.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(PullCodeError::Io(format!(
            "cannot read {}: {e}",
            code_dir.display()
        ))),
    }
}

type Entry = (String, EntryKind, Vec<u8>);

/// Every entry of the package, validated (zip-slip, link targets, sizes), sorted by path.
fn read_entries(zip: &[u8]) -> Result<Vec<Entry>, PullCodeError> {
    let bad = |detail: String| {
        PullCodeError::Refused(format!(
            "the downloaded code package is refused: {detail}; nothing was written"
        ))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(zip))
        .map_err(|e| bad(format!("it is not a readable zip ({e})")))?;
    let mut entries = Vec::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let mut file = archive
            .by_index(index)
            .map_err(|e| bad(format!("entry {index} cannot be read ({e})")))?;
        let raw = file
            .name()
            .map_err(|e| bad(format!("entry {index} has no readable name ({e})")))?
            .into_owned();
        let path = safe_name(&raw).ok_or_else(|| {
            bad(format!(
                "the entry `{}` would be written outside the code directory (zip-slip)",
                raw.escape_debug()
            ))
        })?;
        if file.enclosed_name().is_none() {
            return Err(bad(format!(
                "the entry `{}` would be written outside the code directory (zip-slip)",
                raw.escape_debug()
            )));
        }
        total = total.saturating_add(file.size());
        if total > MAX_EXTRACTED {
            return Err(bad(format!(
                "it unpacks to more than {MAX_EXTRACTED} bytes"
            )));
        }
        let mut data = Vec::new();
        let declared = file.size();
        (&mut file)
            .take(declared.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| bad(format!("`{path}` cannot be read ({e})")))?;
        let kind = if file.is_dir() {
            EntryKind::Dir
        } else if file.is_symlink() {
            let target = String::from_utf8(data.clone())
                .map_err(|_| bad(format!("the link `{path}` has a target that is not UTF-8")))?;
            if !link_stays_inside(&path, &target) {
                return Err(bad(format!(
                    "the link `{path}` -> `{target}` points outside the code directory"
                )));
            }
            EntryKind::Symlink { target }
        } else {
            EntryKind::File {
                executable: file.unix_mode().is_some_and(|m| m & 0o111 != 0),
            }
        };
        entries.push((path, kind, data));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// The entry name as a safe relative path (`a/b`), or `None` when it is absolute, climbs with
/// `..`, has `.`/empty segments in the middle, a backslash, a drive prefix or NUL.
fn safe_name(raw: &str) -> Option<String> {
    let trimmed = raw.strip_suffix('/').unwrap_or(raw);
    if trimmed.is_empty() || trimmed.starts_with('/') || trimmed.contains(['\\', '\0', ':']) {
        return None;
    }
    let ok = trimmed
        .split('/')
        .all(|seg| !seg.is_empty() && seg != "." && seg != "..");
    ok.then(|| trimmed.to_string())
}

/// Whether a relative link at `path` whose target is `target` stays inside the root lexically.
fn link_stays_inside(path: &str, target: &str) -> bool {
    if target.is_empty() || target.starts_with('/') || target.contains(['\\', '\0', ':']) {
        return false;
    }
    // Depth of the link's directory below the root.
    let mut depth: i64 = path.split('/').count() as i64 - 1;
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => depth += 1,
        }
    }
    true
}

/// Whether two paths name the same file: equal, or equal once links and `..` are resolved
/// (the s.yaml may be reached as `code/../s.yaml` or through a linked directory).
fn same_path(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

/// The first existing ancestor of `code_dir/path` (below `code_dir`) that is a symlink.
fn symlink_on_the_way(code_dir: &Path, path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut current = code_dir.to_path_buf();
    for (i, seg) in segments.iter().enumerate() {
        current.push(seg);
        if i + 1 == segments.len() {
            break;
        }
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => return Some(segments[..=i].join("/")),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// What writing `kind` at `target` does; refuses a file over a directory and the reverse.
fn effect_on(
    target: &Path,
    kind: &EntryKind,
    data: &[u8],
    path: &str,
    code_dir: &Path,
) -> Result<Effect, PullCodeError> {
    let clash = |local: &str, package: &str| {
        PullCodeError::Refused(format!(
            "`{path}` is a {local} in {} but a {package} in the package; nothing was written (move it away, then pull again)",
            code_dir.display()
        ))
    };
    let meta = match std::fs::symlink_metadata(target) {
        Ok(meta) => meta,
        Err(_) => return Ok(Effect::New),
    };
    let local_is_dir = meta.is_dir();
    Ok(match kind {
        EntryKind::Dir if local_is_dir => Effect::Unchanged,
        EntryKind::Dir => return Err(clash("file", "directory")),
        _ if local_is_dir => return Err(clash("directory", "file")),
        EntryKind::Symlink { target: wanted } => match std::fs::read_link(target) {
            Ok(current) if current == Path::new(wanted) => Effect::Unchanged,
            _ => Effect::Overwritten,
        },
        EntryKind::File { executable } => {
            if meta.file_type().is_symlink() {
                Effect::Overwritten
            } else {
                let same_bytes = std::fs::read(target).is_ok_and(|b| b == data);
                if same_bytes && is_executable(&meta) == *executable {
                    Effect::Unchanged
                } else {
                    Effect::Overwritten
                }
            }
        }
    })
}

/// Local files and links below `dir` whose relative path is not in the package (directories
/// are walked, not listed; `.s` and `.git` are not walked).
fn list_local(
    root: &Path,
    dir: &Path,
    in_package: &std::collections::HashSet<&str>,
    out: &mut Vec<String>,
) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel: String = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("/");
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            let name = entry.file_name();
            if fc::package::ALWAYS_EXCLUDED
                .iter()
                .any(|x| name.to_str() == Some(*x))
            {
                continue;
            }
            list_local(root, &path, in_package, out);
        } else if !in_package.contains(rel.as_str()) {
            out.push(rel);
        }
    }
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn set_mode(path: &Path, executable: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if executable {
        fc::package::EXECUTABLE_MODE
    } else {
        fc::package::FILE_MODE
    };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _executable: bool) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn make_symlink(target: &str, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, at)
}

#[cfg(not(unix))]
fn make_symlink(_target: &str, _at: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "symbolic links in code packages are extracted on Unix only",
    ))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    /// A zip of `(name, content)`; a name ending in `/` is a directory, `@target` content a link.
    fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in entries {
            if name.ends_with('/') {
                writer
                    .add_directory(*name, SimpleFileOptions::default())
                    .expect("dir");
            } else if let Some(target) = content.strip_prefix('@') {
                writer
                    .add_symlink(*name, target, SimpleFileOptions::default())
                    .expect("link");
            } else {
                writer
                    .start_file(*name, SimpleFileOptions::default().unix_permissions(0o644))
                    .expect("file");
                writer.write_all(content.as_bytes()).expect("write");
            }
        }
        writer.finish().expect("finish").into_inner()
    }

    #[test]
    fn zip_slip_names_are_refused_and_nothing_is_written() {
        for name in [
            "../evil.py",
            "a/../../evil.py",
            "/etc/passwd",
            "a\\..\\evil.py",
            "C:/evil.py",
            "a/./b.py",
        ] {
            let dir = tempfile::tempdir().expect("dir");
            let code = dir.path().join("code");
            let zip = zip_of(&[("ok.py", "x"), (name, "evil")]);
            let err = inspect(&zip, &code, &[]).expect_err(name);
            assert!(err.to_string().contains("zip-slip"), "{name}: {err}");
            let empty = Inspection::default();
            assert!(extract(&zip, &code, &empty).is_err(), "{name}");
            assert!(!dir.path().join("evil.py").exists());
        }
    }

    #[test]
    fn links_that_leave_the_directory_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let zip = zip_of(&[("a/link", "@../../outside")]);
        let err = inspect(&zip, dir.path(), &[]).expect_err("escaping link");
        assert!(err.to_string().contains("outside"), "{err}");
        assert!(link_stays_inside("a/link", "../b"));
        assert!(!link_stays_inside("link", "/etc/passwd"));
    }

    #[test]
    fn a_code_path_that_is_a_file_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("app.zip");
        std::fs::write(&file, b"zip").expect("write");
        let err = inspect(&zip_of(&[("a.py", "x")]), &file, &[]).expect_err("file");
        assert!(err.to_string().contains("is a file"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn writing_through_a_local_symlink_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let outside = tempfile::tempdir().expect("outside");
        let code = dir.path().join("code");
        std::fs::create_dir_all(&code).expect("code");
        std::os::unix::fs::symlink(outside.path(), code.join("lib")).expect("link");
        let err = inspect(&zip_of(&[("lib/x.py", "x")]), &code, &[]).expect_err("through link");
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }

    #[test]
    fn extracts_new_and_changed_keeps_the_rest_and_protects_state() {
        let dir = tempfile::tempdir().expect("dir");
        let code = dir.path().to_path_buf();
        std::fs::write(code.join("same.py"), "same").expect("write");
        std::fs::write(code.join("changed.py"), "old").expect("write");
        std::fs::write(code.join("local-only.txt"), "mine").expect("write");
        std::fs::write(code.join("s.yaml"), "edition: 3.0.0\n").expect("write");
        let zip = zip_of(&[
            ("same.py", "same"),
            ("changed.py", "new"),
            ("pkg/", ""),
            ("pkg/new.py", "fresh"),
            (".s/deployed/x.json", "{}"),
            ("s.yaml", "overwritten?"),
        ]);
        let inspection = inspect(&zip, &code, &[code.join("s.yaml")]).expect("inspect");
        assert_eq!(inspection.paths(Effect::New), vec!["pkg/new.py"]);
        assert_eq!(inspection.paths(Effect::Overwritten), vec!["changed.py"]);
        assert_eq!(inspection.paths(Effect::Unchanged), vec!["same.py"]);
        assert_eq!(
            inspection.paths(Effect::Protected),
            vec![".s/deployed/x.json", "s.yaml"]
        );
        assert_eq!(inspection.kept, vec!["local-only.txt"]);
        let written = extract(&zip, &code, &inspection).expect("extract");
        assert_eq!(written, vec!["changed.py", "pkg/new.py"]);
        assert_eq!(
            std::fs::read_to_string(code.join("changed.py")).expect("read"),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(code.join("s.yaml")).expect("read"),
            "edition: 3.0.0\n"
        );
        assert!(!code.join(".s").exists());
        assert!(code.join("local-only.txt").exists());
        // The staging directory is gone.
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("sdls-pull"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn the_baseline_records_pulled_code_only_when_it_is_the_package() {
        use crate::baseline::{Baseline, BaselineRead, BaselineStore, CodeBaseline};
        let dir = tempfile::tempdir().expect("dir");
        let store = BaselineStore::new(dir.path());
        let code = |local: &str, remote: &str| CodeBaseline {
            local_crc: Some(local.into()),
            remote_checksum: Some(remote.into()),
        };
        let baseline = Baseline::new(
            "1",
            "cn-hangzhou",
            "f",
            crate::snapshot::RemoteSnapshot::default(),
            code("10", "20"),
        );
        store.write(&baseline).expect("write");
        let recorded = |store: &BaselineStore| match store.read("1", "cn-hangzhou", "f", None) {
            BaselineRead::Found { baseline, .. } => baseline.code,
            other => panic!("{other:?}"),
        };
        // Kept local files make the package differ: the baseline stays.
        assert_eq!(
            record_in_baseline(dir.path(), "1", "cn-hangzhou", "f", "30", "31"),
            None
        );
        assert_eq!(recorded(&store), code("10", "20"));
        assert!(record_in_baseline(dir.path(), "1", "cn-hangzhou", "f", "30", "30").is_some());
        assert_eq!(recorded(&store), code("30", "30"));
        // No baseline: nothing is created.
        assert_eq!(
            record_in_baseline(dir.path(), "1", "cn-hangzhou", "g", "30", "30"),
            None
        );
    }

    #[test]
    fn the_s_yaml_is_protected_however_it_is_named() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("sub")).expect("dir");
        std::fs::write(dir.path().join("s.yaml"), "mine").expect("write");
        let zip = zip_of(&[("s.yaml", "theirs")]);
        let roundabout = dir.path().join("sub/../s.yaml");
        let inspection = inspect(&zip, dir.path(), &[roundabout]).expect("inspect");
        assert_eq!(inspection.paths(Effect::Protected), vec!["s.yaml"]);
        assert!(!inspection.writes());
    }

    #[test]
    fn a_file_where_a_directory_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("x")).expect("dir");
        let err = inspect(&zip_of(&[("x", "file")]), dir.path(), &[]).expect_err("clash");
        assert!(err.to_string().contains("directory"), "{err}");
    }
}
