//! Tests of `fc::crc64` and `fc::package`: the CRC-64/XZ check values (cross-checked with
//! `xz --check=crc64`), deterministic zips of temporary trees (order, mtimes, paths), `.fcignore`
//! and the always-excluded `.s`/`.git`, reading the zip back (names, contents, modes, timestamps,
//! no extra fields), size and file-count limits, symlinks, ready-made archives, atomic output, and
//! a property test over random small trees.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions may unwrap

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Cursor, Read};
use std::path::Path;

use expect_test::expect;
use fc::crc64;
use fc::package::{
    self, CodeKind, INLINE_BASE64_LIMIT, INLINE_ZIP_LIMIT, PackageError, PackageOptions, SizeLimit,
    package, package_to_file,
};
use proptest::prelude::*;
use tempfile::TempDir;
use zip::{CompressionMethod, DateTime, System, ZipArchive};

// ---------------------------------------------------------------------------------------------
// helpers

/// Writes `files` (relative path → contents) under `root`, creating parents.
fn write_tree(root: &Path, files: &[(&str, &[u8])]) {
    for (rel, data) in files {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }
}

fn tree(files: &[(&str, &[u8])]) -> TempDir {
    let dir = TempDir::new().unwrap();
    write_tree(dir.path(), files);
    dir
}

fn pack(dir: &Path) -> package::Package {
    package(dir, &PackageOptions::default()).unwrap()
}

fn paths(dir: &Path) -> Vec<String> {
    pack(dir).summary.paths
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// One entry read back from a zip.
#[derive(Debug, PartialEq, Eq)]
struct ReadEntry {
    data: Vec<u8>,
    mode: u32,
    dir: bool,
    symlink: bool,
}

fn read_back(bytes: &[u8]) -> BTreeMap<String, ReadEntry> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = BTreeMap::new();
    let mut previous = String::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        assert!(name > previous, "entries sorted: {previous} then {name}");
        previous.clone_from(&name);
        assert_eq!(f.last_modified(), Some(DateTime::DEFAULT), "{name}");
        assert_eq!(f.system(), System::Unix, "{name}");
        // No extra fields, local or central.
        let local = usize::try_from(f.header_start()).unwrap();
        let central = usize::try_from(f.central_header_start()).unwrap();
        assert_eq!(
            &bytes[local + 28..local + 30],
            &[0, 0],
            "local extra of {name}"
        );
        assert_eq!(
            &bytes[central + 30..central + 32],
            &[0, 0],
            "central extra of {name}"
        );
        let entry = ReadEntry {
            mode: f.unix_mode().unwrap(),
            dir: f.is_dir(),
            symlink: f.is_symlink(),
            data: {
                let mut data = Vec::new();
                f.read_to_end(&mut data).unwrap();
                data
            },
        };
        if !entry.dir && !entry.symlink {
            assert_eq!(f.compression(), CompressionMethod::Deflated, "{name}");
        }
        out.insert(name, entry);
    }
    out
}

fn options(max_zip_size: u64, max_files: usize) -> PackageOptions {
    PackageOptions {
        max_zip_size,
        max_files,
        ..PackageOptions::default()
    }
}

// ---------------------------------------------------------------------------------------------
// CRC-64

#[test]
fn crc64_check_value() {
    assert_eq!(
        crc64::checksum_decimal(b"123456789"),
        "11051210869376104954"
    );
    assert_eq!(crc64::checksum(b"123456789"), 11_051_210_869_376_104_954);
    let mut h = crc64::Crc64::new();
    for part in [&b"1234"[..], b"", b"56789"] {
        h.update(part);
    }
    assert_eq!(h.decimal(), "11051210869376104954");
    let mut sink = crc64::Crc64::default();
    std::io::copy(&mut &b"123456789"[..], &mut sink).unwrap();
    assert_eq!(sink.value(), 11_051_210_869_376_104_954);
    assert_eq!(
        crc64::checksum_reader(&b"123456789"[..]).unwrap(),
        11_051_210_869_376_104_954
    );
}

/// A stored zip of `index.js` made by Python's zipfile; its CRC-64 was computed independently
/// with `xz --check=crc64` (the xz container's check is CRC-64/XZ).
const KNOWN_ZIP_HEX: &str = "504b0304140000000000000021004f9137e01b0000001b00000008000000696e6465782e6a73\
6578706f7274732e68616e646c6572203d202829203d3e20313b0a504b01021403140000000000000021004f9137e0\
1b0000001b000000080000000000000000000000a48100000000696e6465782e6a73504b0506000000000100010036\
000000410000000000";

fn known_zip() -> Vec<u8> {
    (0..KNOWN_ZIP_HEX.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&KNOWN_ZIP_HEX[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn crc64_of_a_known_zip() {
    let bytes = known_zip();
    assert_eq!(bytes.len(), 141);
    assert_eq!(crc64::checksum_decimal(&bytes), "4558634284031639739");

    // The same zip given as `code` is used as is.
    let dir = TempDir::new().unwrap();
    let code = dir.path().join("code.zip");
    fs::write(&code, &bytes).unwrap();
    let p = package(&code, &PackageOptions::default()).unwrap();
    assert_eq!(p.bytes, bytes);
    assert_eq!(p.summary.kind, CodeKind::Archive);
    assert_eq!(p.summary.checksum, "4558634284031639739");
    assert_eq!(p.summary.crc64, 4_558_634_284_031_639_739);
    assert_eq!(p.summary.zip_size, 141);
    assert_eq!(p.summary.paths, ["index.js"]);
    assert_eq!(p.summary.file_count, 1);
    assert_eq!(p.summary.uncompressed_size, 27);
    assert!(p.summary.always_excluded.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Determinism

const APP: &[(&str, &[u8])] = &[
    ("index.js", b"exports.handler = async () => 'hello';\n"),
    (
        "lib/util.js",
        b"module.exports = { twice: (x) => 2 * x };\n",
    ),
    ("lib/data/table.json", b"{\"a\": 1, \"b\": [1, 2, 3]}\n"),
    (
        "package.json",
        b"{\"name\": \"app\", \"version\": \"1.0.0\"}\n",
    ),
    ("README.md", b"# app\n"),
    ("a-b.txt", b"sorts before a/ and after a.txt\n"),
    ("a.txt", b"a\n"),
    ("a/x.txt", b"x\n"),
];

/// The package of a fixed tree, pinned: if this changes, every function's code checksum changes
/// (new zip / zlib-rs version?) and every deploy would re-upload once.
#[test]
fn golden_package_of_a_fixed_tree() {
    let dir = tree(APP);
    let p = pack(dir.path());
    let s = &p.summary;
    expect![[r#"
        checksum=1180556258106050833 zip_size=1242 uncompressed=184 files=8
        README.md
        a-b.txt
        a.txt
        a/
        a/x.txt
        index.js
        lib/
        lib/data/
        lib/data/table.json
        lib/util.js
        package.json
    "#]]
    .assert_eq(&format!(
        "checksum={} zip_size={} uncompressed={} files={}\n{}\n",
        s.checksum,
        s.zip_size,
        s.uncompressed_size,
        s.file_count,
        s.paths.join("\n")
    ));
    assert_eq!(s.zip_size, p.bytes.len() as u64);
    assert_eq!(s.checksum, crc64::checksum_decimal(&p.bytes));
    assert_eq!(s.kind, CodeKind::Directory);
}

#[test]
fn same_tree_gives_identical_bytes() {
    let dir = tree(APP);
    let first = pack(dir.path());
    let second = pack(dir.path());
    assert_eq!(first, second);

    // Touch every file's mtime.
    for (rel, _) in APP {
        let f = fs::File::options()
            .write(true)
            .open(dir.path().join(rel))
            .unwrap();
        f.set_modified(
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_234_567_890),
        )
        .unwrap();
    }
    assert_eq!(pack(dir.path()), first);

    // The same files created in reverse order, somewhere else.
    let other = TempDir::new().unwrap();
    let nested = other.path().join("deeper").join("code");
    fs::create_dir_all(&nested).unwrap();
    let mut reversed = APP.to_vec();
    reversed.reverse();
    write_tree(&nested, &reversed);
    assert_eq!(pack(&nested).bytes, first.bytes);
    assert_eq!(pack(&nested).summary, first.summary);
}

#[test]
fn any_change_changes_the_checksum() {
    let dir = tree(APP);
    let base = pack(dir.path()).summary.checksum;

    fs::write(dir.path().join("lib/util.js"), b"module.exports = {};\n").unwrap();
    let changed = pack(dir.path()).summary.checksum;
    assert_ne!(changed, base);

    fs::write(dir.path().join("new.txt"), b"").unwrap();
    let added = pack(dir.path()).summary.checksum;
    assert_ne!(added, changed);

    fs::create_dir(dir.path().join("empty")).unwrap();
    let with_dir = pack(dir.path());
    assert_ne!(with_dir.summary.checksum, added);
    assert!(with_dir.summary.paths.contains(&"empty/".to_string()));

    fs::rename(dir.path().join("new.txt"), dir.path().join("renamed.txt")).unwrap();
    assert_ne!(pack(dir.path()).summary.checksum, with_dir.summary.checksum);
}

#[test]
fn dot_s_and_dot_git_are_never_packaged() {
    let dir = tree(&[
        ("index.py", b"def handler(e, c): return 1\n"),
        (".s/deployed/123-cn-hangzhou-f.json", b"{}"),
        (".git/HEAD", b"ref: refs/heads/main\n"),
        ("sub/.s/python/x.py", b""),
        ("sub/.git", b"gitdir: ../.git/modules/sub\n"),
        ("sub/keep.py", b""),
        (".fcignore", b"!.s\n!.s/**\n!.git\n"),
        (".gitignore", b"*.pyc\n"),
    ]);
    let base = pack(dir.path());
    assert_eq!(
        base.summary.paths,
        [".fcignore", ".gitignore", "index.py", "sub/", "sub/keep.py"]
    );
    assert_eq!(
        base.summary.always_excluded,
        [".git", ".s", "sub/.git", "sub/.s"]
    );
    for entry in read_back(&base.bytes).keys() {
        assert!(
            !entry.split('/').any(|c| c == ".s" || c == ".git"),
            "{entry}"
        );
    }
    // Writing sdls state does not change the package.
    fs::write(dir.path().join(".s/deployed/other.json"), b"{\"x\": 1}").unwrap();
    fs::write(dir.path().join(".git/index"), b"binary").unwrap();
    assert_eq!(pack(dir.path()).bytes, base.bytes);
}

// ---------------------------------------------------------------------------------------------
// .fcignore

#[test]
fn fcignore_patterns() {
    let dir = tree(&[
        (
            ".fcignore",
            b"# a comment\n\n*.log\n!keep.log\nbuild/\n/s.yaml\n**/tmp/**\ndocs/**/*.md\n\\#literal\nnode_modules\n  \n",
        ),
        ("app.js", b""),
        ("debug.log", b""),
        ("keep.log", b""),
        ("sub/trace.log", b""),
        ("sub/keep.log", b""),
        ("build/out.js", b""),
        ("sub/build", b"a file named build is not a directory"),
        ("s.yaml", b""),
        ("sub/s.yaml", b""),
        ("tmp/a", b""),
        ("x/tmp/b", b""),
        ("docs/a.md", b""),
        ("docs/deep/er/b.md", b""),
        ("docs/c.txt", b""),
        ("#literal", b""),
        ("# a comment", b""),
        ("node_modules/m/index.js", b""),
        ("sub/node_modules/n.js", b""),
    ]);
    assert_eq!(
        paths(dir.path()),
        [
            "# a comment",
            ".fcignore",
            "app.js",
            "docs/",
            "docs/c.txt",
            "docs/deep/",
            "docs/deep/er/",
            "keep.log",
            "sub/",
            "sub/build",
            "sub/keep.log",
            "sub/s.yaml",
            "tmp/",
            "x/",
            "x/tmp/",
        ]
    );
}

#[test]
fn fcignore_negation_and_excluded_directories() {
    let dir = tree(&[
        (
            ".fcignore",
            b"*\n!*/\n!*.py\n!.fcignore\nvendor/\n!vendor/keep.py\n",
        ),
        ("a.py", b""),
        ("a.txt", b""),
        ("pkg/b.py", b""),
        ("pkg/b.txt", b""),
        (
            "vendor/keep.py",
            b"cannot be re-included: its directory is excluded\n",
        ),
    ]);
    assert_eq!(paths(dir.path()), [".fcignore", "a.py", "pkg/", "pkg/b.py"]);
}

#[test]
fn nested_fcignore_files_apply_below_their_directory() {
    let dir = tree(&[
        (".fcignore", b"*.tmp\n"),
        ("a.tmp", b""),
        ("sub/.fcignore", b"!b.tmp\n/local.txt\n.fcignore\n"),
        ("sub/b.tmp", b""),
        ("sub/c.tmp", b""),
        ("sub/local.txt", b""),
        ("sub/deeper/local.txt", b""),
        ("local.txt", b""),
    ]);
    assert_eq!(
        paths(dir.path()),
        [
            ".fcignore",
            "local.txt",
            "sub/",
            "sub/b.tmp",
            "sub/deeper/",
            "sub/deeper/local.txt"
        ]
    );
}

#[test]
fn bad_fcignore_line_names_the_line() {
    let dir = tree(&[(".fcignore", b"# ok\n*.log\n\nsrc/{a,b\n"), ("x", b"")]);
    let err = package(dir.path(), &PackageOptions::default()).unwrap_err();
    match &err {
        PackageError::BadIgnoreLine {
            path,
            line,
            pattern,
            ..
        } => {
            assert_eq!(*line, 4);
            assert_eq!(pattern, "src/{a,b");
            assert!(path.ends_with(".fcignore"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(".fcignore:4: invalid .fcignore pattern `src/{a,b`"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Reading back

#[test]
fn zip_reads_back_with_contents_and_modes() {
    let dir = tree(&[
        ("bootstrap", b"#!/bin/sh\nexec ./server\n"),
        ("server", b"\x7fELF pretend"),
        ("static/index.html", b"<h1>hi</h1>\n"),
        ("lib/bootstrap", b"not the entry point\n"),
        ("empty.txt", b""),
    ]);
    #[cfg(unix)]
    {
        chmod(&dir.path().join("bootstrap"), 0o600); // not executable on disk: still 0o755
        chmod(&dir.path().join("server"), 0o700); // any x bit → 0o755
        chmod(&dir.path().join("static/index.html"), 0o666); // no x → 0o644
        chmod(&dir.path().join("lib/bootstrap"), 0o644);
    }
    let p = pack(dir.path());
    let entries = read_back(&p.bytes);
    let mode = |name: &str| entries[name].mode;
    assert_eq!(mode("bootstrap"), 0o100_755);
    #[cfg(unix)]
    assert_eq!(mode("server"), 0o100_755);
    assert_eq!(mode("static/index.html"), 0o100_644);
    assert_eq!(mode("lib/bootstrap"), 0o100_644);
    assert_eq!(mode("empty.txt"), 0o100_644);
    assert_eq!(mode("lib/"), 0o040_755);
    assert!(entries["lib/"].dir);
    assert_eq!(entries["bootstrap"].data, b"#!/bin/sh\nexec ./server\n");
    assert_eq!(entries["static/index.html"].data, b"<h1>hi</h1>\n");
    assert!(entries["empty.txt"].data.is_empty());
    assert_eq!(
        entries.keys().collect::<Vec<_>>(),
        [
            "bootstrap",
            "empty.txt",
            "lib/",
            "lib/bootstrap",
            "server",
            "static/",
            "static/index.html"
        ]
    );
    assert_eq!(p.summary.file_count, 5);
    assert_eq!(p.summary.uncompressed_size, 24 + 12 + 12 + 20);
}

// ---------------------------------------------------------------------------------------------
// Limits

#[test]
fn a_package_over_the_size_limit_fails_clearly() {
    // Incompressible content: a simple xorshift stream.
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let noise: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let dir = tree(&[("a.bin", &noise), ("b.bin", &noise[..1000])]);
    let err = package(dir.path(), &options(10_000, 100)).unwrap_err();
    match &err {
        PackageError::TooLarge {
            max, limit, exact, ..
        } => {
            assert_eq!(*max, 10_000);
            assert_eq!(*limit, SizeLimit::CodePackage);
            assert!(!exact);
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("more than 10000 bytes"), "{text}");
    assert!(text.contains("code package limit"), "{text}");
    assert!(text.contains("of 10000 bytes"), "{text}");

    // Just big enough passes.
    let ok = package(dir.path(), &PackageOptions::default()).unwrap();
    let exact_limit = options(ok.summary.zip_size, 100);
    assert_eq!(package(dir.path(), &exact_limit).unwrap(), ok);
    let one_less = options(ok.summary.zip_size - 1, 100);
    assert!(matches!(
        package(dir.path(), &one_less),
        Err(PackageError::TooLarge { .. })
    ));

    // A ready-made archive over the limit reports its exact size.
    let zip = dir.path().join("big.zip");
    fs::write(&zip, &ok.bytes).unwrap();
    let err = package(&zip, &options(1_000, 100)).unwrap_err();
    assert!(
        matches!(err, PackageError::TooLarge { exact: true, max: 1_000, size, .. } if size == ok.summary.zip_size)
    );
    assert!(
        err.to_string()
            .contains(&format!("is {} bytes", ok.summary.zip_size))
    );
}

#[test]
fn inline_limit() {
    assert_eq!(INLINE_BASE64_LIMIT, 104_857_600);
    assert_eq!(INLINE_ZIP_LIMIT, 78_643_200);
    assert_eq!(package::base64_len(0), 0);
    assert_eq!(package::base64_len(1), 4);
    assert_eq!(package::base64_len(3), 4);
    assert_eq!(package::base64_len(4), 8);
    assert_eq!(package::base64_len(INLINE_ZIP_LIMIT), INLINE_BASE64_LIMIT);
    package::check_inline(INLINE_ZIP_LIMIT).unwrap();
    let err = package::check_inline(INLINE_ZIP_LIMIT + 1).unwrap_err();
    assert!(matches!(
        err,
        PackageError::TooLargeInline {
            zip_size: 78_643_201,
            base64_size: 104_857_604,
            max_base64: 104_857_600
        }
    ));
    let text = err.to_string();
    assert!(
        text.contains("78643201 bytes (104857604 bytes of Base64)"),
        "{text}"
    );
    assert!(
        text.contains("inline `zipFile` limit of 104857600"),
        "{text}"
    );
    let small = pack(tree(APP).path());
    small.summary.check_inline().unwrap();
    assert_eq!(
        small.summary.base64_len(),
        small.summary.zip_size.div_ceil(3) * 4
    );
    assert_eq!(PackageOptions::default().max_zip_size, 500 * 1024 * 1024);
}

#[test]
fn too_many_files_fails_fast() {
    let dir = TempDir::new().unwrap();
    for d in 0..5 {
        for f in 0..20 {
            write_tree(dir.path(), &[(&format!("d{d}/f{f:02}"), b"x")]);
        }
    }
    let err = package(dir.path(), &options(u64::MAX, 50)).unwrap_err();
    match &err {
        PackageError::TooManyFiles { max, at } => {
            assert_eq!(*max, 50);
            assert!(at.starts_with('d'), "{at}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("more than 50 files"));
    // Directories do not count; exactly at the limit passes.
    assert_eq!(
        package(dir.path(), &options(u64::MAX, 100))
            .unwrap()
            .summary
            .file_count,
        100
    );
    // Ignored files do not count.
    fs::write(dir.path().join(".fcignore"), b"d[1-4]/\n").unwrap();
    assert_eq!(
        package(dir.path(), &options(u64::MAX, 21))
            .unwrap()
            .summary
            .file_count,
        21
    );
}

// ---------------------------------------------------------------------------------------------
// Symlinks

#[cfg(unix)]
#[test]
fn symlinks_inside_are_stored_as_links() {
    use std::os::unix::fs::symlink;
    let dir = tree(&[
        ("lib/real.js", b"module.exports = 1;\n"),
        ("node_modules/pkg/cli.js", b"#!/usr/bin/env node\n"),
    ]);
    let root = dir.path();
    symlink("lib/real.js", root.join("alias.js")).unwrap();
    fs::create_dir_all(root.join("node_modules/.bin")).unwrap();
    symlink("../pkg/cli.js", root.join("node_modules/.bin/pkg")).unwrap();
    symlink("lib", root.join("lib-link")).unwrap(); // a directory link: not followed
    symlink("./missing.txt", root.join("dangling")).unwrap(); // dangling but inside: kept

    let p = pack(root);
    let entries = read_back(&p.bytes);
    assert!(entries["alias.js"].symlink);
    assert_eq!(entries["alias.js"].data, b"lib/real.js");
    assert_eq!(entries["alias.js"].mode, 0o120_777);
    assert_eq!(entries["node_modules/.bin/pkg"].data, b"../pkg/cli.js");
    assert!(entries["lib-link"].symlink);
    assert_eq!(entries["lib-link"].data, b"lib");
    assert!(!entries.contains_key("lib-link/real.js"));
    assert_eq!(entries["dangling"].data, b"./missing.txt");
    assert_eq!(p.summary.file_count, 6);
    // Deterministic too.
    assert_eq!(pack(root), p);
}

#[cfg(unix)]
#[test]
fn symlinks_leading_outside_fail() {
    use std::os::unix::fs::symlink;
    let outer = TempDir::new().unwrap();
    let code = outer.path().join("code");
    write_tree(&code, &[("index.js", b""), ("sub/x.js", b"")]);
    fs::write(outer.path().join("secret.txt"), b"do not package").unwrap();

    let cases: [(&str, String); 5] = [
        ("up", "../secret.txt".into()),
        ("sub/up2", "../../secret.txt".into()),
        ("abs", outer.path().join("secret.txt").display().to_string()),
        ("abs-inside", code.join("index.js").display().to_string()),
        ("sub/roundtrip", "../../code/index.js".into()),
    ];
    for (link, target) in &cases {
        let path = code.join(link);
        symlink(target, &path).unwrap();
        let err = package(&code, &PackageOptions::default()).unwrap_err();
        match &err {
            PackageError::SymlinkEscapes { path, target: t } => {
                assert_eq!(path, link);
                assert_eq!(t, target);
            }
            other => panic!("{link}: unexpected {other:?}"),
        }
        assert!(err.to_string().contains("outside the code directory"));
        fs::remove_file(&path).unwrap();
    }

    // A link to a link that leads outside: the first one is caught after resolution.
    fs::create_dir(code.join("deep")).unwrap();
    symlink(outer.path(), code.join("deep/out")).unwrap();
    symlink("deep/out/secret.txt", code.join("via")).unwrap();
    fs::write(code.join(".fcignore"), b"/deep/\n").unwrap();
    let err = package(&code, &PackageOptions::default()).unwrap_err();
    assert!(
        matches!(&err, PackageError::SymlinkEscapes { path, .. } if path == "via"),
        "{err:?}"
    );

    // Listing the bad link in .fcignore packages the rest.
    fs::write(code.join(".fcignore"), b"/deep/\nvia\n").unwrap();
    let p = pack(&code);
    assert_eq!(
        p.summary.paths,
        [".fcignore", "index.js", "sub/", "sub/x.js"]
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_code_directory_is_packaged_like_its_target() {
    use std::os::unix::fs::symlink;
    let dir = tree(APP);
    let other = TempDir::new().unwrap();
    let link = other.path().join("code");
    symlink(dir.path(), &link).unwrap();
    assert_eq!(pack(&link), pack(dir.path()));
}

#[cfg(unix)]
#[test]
fn non_utf8_names_and_special_files_fail() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tree(&[("ok.txt", b"")]);
    let bad = dir.path().join(OsStr::from_bytes(b"bad\xff.txt"));
    fs::write(&bad, b"").unwrap();
    assert!(matches!(
        package(dir.path(), &PackageOptions::default()),
        Err(PackageError::NonUtf8Name { .. })
    ));
    fs::remove_file(&bad).unwrap();

    let sock_path = dir.path().join("app.sock");
    let _sock = std::os::unix::net::UnixListener::bind(&sock_path).unwrap();
    let err = package(dir.path(), &PackageOptions::default()).unwrap_err();
    assert!(
        matches!(&err, PackageError::UnsupportedFileType { path } if path == "app.sock"),
        "{err:?}"
    );
    fs::write(dir.path().join(".fcignore"), b"*.sock\n").unwrap();
    assert_eq!(paths(dir.path()), [".fcignore", "ok.txt"]);
}

// ---------------------------------------------------------------------------------------------
// Code given as a file

#[test]
fn archives_and_single_files() {
    let dir = TempDir::new().unwrap();
    let zip_bytes = known_zip();
    for name in ["code.zip", "app.war", "app.jar"] {
        let path = dir.path().join(name);
        fs::write(&path, &zip_bytes).unwrap();
        assert_eq!(package::code_kind(&path, false).unwrap(), CodeKind::Archive);
        let p = package(&path, &PackageOptions::default()).unwrap();
        assert_eq!(p.bytes, zip_bytes, "{name}");
    }

    // A .jar run by a custom runtime's `java -jar` is zipped like any single file.
    let jar = dir.path().join("app.jar");
    let zip_jar = PackageOptions {
        zip_jar: true,
        ..PackageOptions::default()
    };
    assert_eq!(package::code_kind(&jar, true).unwrap(), CodeKind::File);
    let p = package(&jar, &zip_jar).unwrap();
    assert_eq!(p.summary.kind, CodeKind::File);
    assert_eq!(p.summary.paths, ["app.jar"]);
    assert_eq!(read_back(&p.bytes)["app.jar"].data, zip_bytes);

    // Suffixes are case-sensitive, as in fc3: `.ZIP` is zipped.
    let upper = dir.path().join("CODE.ZIP");
    fs::write(&upper, &zip_bytes).unwrap();
    assert_eq!(package::code_kind(&upper, false).unwrap(), CodeKind::File);

    // A plain file is zipped alone, deterministically; `bootstrap` is made executable.
    let single = dir.path().join("bootstrap");
    fs::write(&single, b"#!/bin/sh\n").unwrap();
    let p = package(&single, &PackageOptions::default()).unwrap();
    assert_eq!(p.summary.kind, CodeKind::File);
    assert_eq!(p.summary.paths, ["bootstrap"]);
    assert_eq!(read_back(&p.bytes)["bootstrap"].mode, 0o100_755);
    assert_eq!(package(&single, &PackageOptions::default()).unwrap(), p);

    // Not a zip.
    let fake = dir.path().join("fake.zip");
    fs::write(&fake, b"not a zip at all").unwrap();
    let err = package(&fake, &PackageOptions::default()).unwrap_err();
    assert!(matches!(err, PackageError::BadArchive { .. }), "{err:?}");
    assert!(err.to_string().contains("is not a valid zip archive"));

    // A directory named like an archive is a directory.
    let dir_zip = dir.path().join("dir.zip");
    write_tree(&dir_zip, &[("a", b"")]);
    assert_eq!(
        package::code_kind(&dir_zip, false).unwrap(),
        CodeKind::Directory
    );
}

#[test]
fn custom_runtime_jar_rule() {
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
    assert!(package::custom_runtime_runs_jar(
        "custom.debian10",
        &s(&["java", "-jar"]),
        &s(&["app.jar"])
    ));
    assert!(package::custom_runtime_runs_jar(
        "custom",
        &s(&["java -jar app.jar"]),
        &[]
    ));
    assert!(package::custom_runtime_runs_jar(
        "custom",
        &s(&["java"]),
        &s(&["-jar", "a.jar"])
    ));
    assert!(!package::custom_runtime_runs_jar(
        "java11",
        &s(&["java", "-jar"]),
        &[]
    ));
    assert!(!package::custom_runtime_runs_jar(
        "custom-container",
        &s(&["java", "-jar"]),
        &[]
    ));
    assert!(!package::custom_runtime_runs_jar(
        "custom",
        &s(&["./bootstrap"]),
        &[]
    ));
}

#[test]
fn missing_code_path() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("nope");
    let err = package(&missing, &PackageOptions::default()).unwrap_err();
    assert!(matches!(&err, PackageError::Missing { path } if *path == missing));
    assert!(err.to_string().contains("does not exist"));
}

// ---------------------------------------------------------------------------------------------
// Output file

fn dir_names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn package_to_file_is_atomic_and_matches_memory() {
    let code = tree(APP);
    let out_dir = TempDir::new().unwrap();
    let out = out_dir.path().join("code.zip");
    fs::write(&out, b"previous").unwrap();

    let summary = package_to_file(code.path(), &out, &PackageOptions::default()).unwrap();
    let memory = pack(code.path());
    assert_eq!(summary, memory.summary);
    assert_eq!(fs::read(&out).unwrap(), memory.bytes);
    assert_eq!(
        dir_names(out_dir.path()),
        BTreeSet::from(["code.zip".to_string()])
    );

    // Failure leaves the previous output and no temporary file behind.
    let err = package_to_file(code.path(), &out, &options(100, 100)).unwrap_err();
    assert!(matches!(err, PackageError::TooLarge { .. }));
    assert_eq!(fs::read(&out).unwrap(), memory.bytes);
    assert_eq!(
        dir_names(out_dir.path()),
        BTreeSet::from(["code.zip".to_string()])
    );

    // A ready-made archive is copied.
    let archive = out_dir.path().join("in.zip");
    fs::write(&archive, known_zip()).unwrap();
    let copy = out_dir.path().join("copy.zip");
    let s = package_to_file(&archive, &copy, &PackageOptions::default()).unwrap();
    assert_eq!(fs::read(&copy).unwrap(), known_zip());
    assert_eq!(s.checksum, "4558634284031639739");

    // An output directory that does not exist is a write error naming it.
    let err = package_to_file(
        code.path(),
        &out_dir.path().join("no/such/dir/x.zip"),
        &PackageOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, PackageError::Write { .. }), "{err:?}");
    assert!(err.to_string().contains("no/such/dir"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Property: random small trees

/// A random tree: relative file paths (1–3 components from a tiny alphabet, so names collide and
/// share prefixes) → (contents, executable). Paths that are a prefix directory of another are
/// dropped.
fn arb_tree() -> impl Strategy<Value = BTreeMap<String, (Vec<u8>, bool)>> {
    let component = prop::sample::select(vec!["a", "b", "a.b", "a-b", "B", "_", "ä", "x y"]);
    let path = prop::collection::vec(component, 1..=3).prop_map(|parts| parts.join("/"));
    let contents = prop::collection::vec(any::<u8>(), 0..300);
    prop::collection::btree_map(path, (contents, any::<bool>()), 1..12).prop_map(|mut files| {
        let keys: Vec<String> = files.keys().cloned().collect();
        for k in &keys {
            if keys.iter().any(|other| other.starts_with(&format!("{k}/"))) {
                files.remove(k);
            }
        }
        files
    })
}

fn materialise(root: &Path, files: &BTreeMap<String, (Vec<u8>, bool)>, reverse: bool) {
    let mut list: Vec<_> = files.iter().collect();
    if reverse {
        list.reverse();
    }
    for (rel, (data, _exec)) in list {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, data).unwrap();
        #[cfg(unix)]
        chmod(&path, if *_exec { 0o755 } else { 0o644 });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_are_deterministic_and_read_back(files in arb_tree()) {
        let one = TempDir::new().unwrap();
        let two = TempDir::new().unwrap();
        materialise(one.path(), &files, false);
        materialise(two.path(), &files, true);
        let a = pack(one.path());
        let b = pack(two.path());
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(&a, &pack(one.path()));
        prop_assert_eq!(a.summary.checksum.clone(), crc64::checksum_decimal(&a.bytes));

        let entries = read_back(&a.bytes);
        let mut expected_dirs = BTreeSet::new();
        for rel in files.keys() {
            let mut prefix = String::new();
            for part in rel.split('/').collect::<Vec<_>>().split_last().unwrap().1 {
                prefix.push_str(part);
                prefix.push('/');
                expected_dirs.insert(prefix.clone());
            }
        }
        let expected: BTreeSet<String> =
            files.keys().cloned().chain(expected_dirs.iter().cloned()).collect();
        prop_assert_eq!(entries.keys().cloned().collect::<BTreeSet<_>>(), expected);
        prop_assert_eq!(a.summary.file_count, files.len());
        let total: usize = files.values().map(|(d, _)| d.len()).sum();
        prop_assert_eq!(a.summary.uncompressed_size, total as u64);
        for (rel, (data, exec)) in &files {
            let e = &entries[rel];
            prop_assert_eq!(&e.data, data);
            let executable = (cfg!(unix) && *exec) || rel == "bootstrap";
            prop_assert_eq!(e.mode, if executable { 0o100_755 } else { 0o100_644 });
        }
        for d in &expected_dirs {
            prop_assert!(entries[d].dir);
            prop_assert_eq!(entries[d].mode, 0o040_755);
        }
    }
}
