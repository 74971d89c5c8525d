//! Code packages for Function Compute: a function's `code` (a directory, a single file, or a
//! ready-made `.zip`/`.war`/`.jar`) turned into the ZIP bytes FC receives, with the CRC-64/XZ
//! decimal FC reports back as `codeChecksum` ([`crate::crc64`]).
//!
//! A directory is zipped **deterministically**: the same tree gives byte-identical zips on any
//! machine and in any run, so "local code changed" is a checksum comparison. The rules:
//!
//! - **Order**: entries sorted by their zip name (bytewise, `/` separators; a directory's name ends
//!   with `/`, so it precedes its contents).
//! - **Directories**: every included directory gets its own entry (stored, mode `0o755`), so empty
//!   directories survive, like fc3's walker (`ignore-walk` with `includeEmpty: true`). The code
//!   directory itself has no entry.
//! - **Timestamps**: every entry is stamped 1980-01-01 00:00:00 (the DOS/zip epoch,
//!   `zip::DateTime::DEFAULT`); no extended-timestamp, NTFS or uid/gid extra fields, no comments.
//!   (fc3 stamps 2023-11-01, serverless-devs.md §2.1.2; an fc3 zip never has our checksum anyway.)
//! - **Permissions**: regular files are `0o644`, or `0o755` when the source file has any execute
//!   bit (Unix) or is `bootstrap` at the package root (FC's default custom-runtime entry point, on
//!   every platform; on Windows, where there is no execute bit, that is the only `0o755` file).
//!   Stored with the `S_IFREG` type bits and "made by Unix" on every host.
//! - **Compression**: deflate, level [`DEFLATE_LEVEL`] (zlib-rs, pinned through `Cargo.lock`; a new
//!   zip/zlib-rs release may change the bytes, which is why a golden checksum is tested).
//! - **Symlinks** are stored as symlinks (mode `0o120777`, the target text as content, as fc3
//!   does), never followed. A link must be relative and stay inside the code directory both
//!   lexically (from the link's directory, `..` never climbing above the root) and, when the target
//!   exists, after resolution; otherwise packaging fails with [`PackageError::SymlinkEscapes`].
//!   Dangling links that pass the lexical test are kept.
//! - **Excluded**: any file or directory named `.s` (sdls state, ARCHITECTURE "State on disk") or
//!   `.git` (a repository, or a submodule's `.git` file) at any depth — [`ALWAYS_EXCLUDED`]; they
//!   are skipped before `.fcignore` is consulted and cannot be re-included. fc3 itself excludes
//!   nothing (serverless-devs.md §2.1.2: "only `.fcignore` rules … no built-in excludes"), so a
//!   legacy layout that vendors `.s/python` inside the code is not packaged by sdls: the skipped
//!   paths are reported in [`PackageSummary::always_excluded`] so a caller can warn.
//! - **`.fcignore`**: gitignore syntax (comments, `!` negation, trailing `/` for directories,
//!   leading `/` anchoring, `**`), read from the code directory and, like fc3's `ignore-walk`, from
//!   every subdirectory (a deeper file wins; within a file the last matching line wins). An
//!   excluded directory is not descended into, so its files cannot be re-included (git's rule).
//!   The `.fcignore` files themselves are packaged unless they ignore themselves (fc3 does the same).
//! - Other file types (sockets, FIFOs, devices) and names that are not UTF-8 are errors.
//!
//! `code` naming a file mirrors fc3 (`deploy/impl/function.ts` `assertNeedZip`, case-sensitive
//! suffixes): `….zip` and `….war` are used as they are; `….jar` too unless the caller says the
//! function is a custom runtime that starts `java -jar` ([`custom_runtime_runs_jar`],
//! [`PackageOptions::zip_jar`]); any other file is zipped alone under its file name. A ready-made
//! archive is read, its central directory listed (it must be a readable zip) and its checksum taken.
//!
//! Limits (fc-api.md §12, serverless-devs.md §1.8.7): the zip may not exceed
//! [`CODE_PACKAGE_LIMIT`] (checked while writing, so an oversized tree stops early), at most
//! [`PackageOptions::max_files`] files and symlinks (checked while walking, before any
//! compression), and an inline `zipFile` upload must pass [`check_inline`].

use std::fs::{self, File};
use std::io::{self, BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipArchive, ZipWriter};

use crate::crc64;

/// The per-directory ignore file, gitignore syntax (fc3's name).
pub const IGNORE_FILE: &str = ".fcignore";

/// File and directory names never packaged, at any depth: `.s` (sdls state; ARCHITECTURE.md "State
/// on disk": `.s/` is never part of a code package) and `.git`.
pub const ALWAYS_EXCLUDED: [&str; 2] = [".s", ".git"];

/// FC's limit for a code package sent inline as Base64 `code.zipFile`: "100 MB" (fc-api.md §7.4
/// and §12, docs "Limits" FC 3.0). Read as the Base64 **text** being at most 100 MiB.
pub const INLINE_BASE64_LIMIT: u64 = 100 * 1024 * 1024;

/// The largest zip whose Base64 text fits [`INLINE_BASE64_LIMIT`] (78 643 200 bytes = 75 MiB).
pub const INLINE_ZIP_LIMIT: u64 = INLINE_BASE64_LIMIT / 4 * 3;

/// FC's limit for a code package uploaded through OSS or tools: "500 MB" (fc-api.md §12,
/// serverless-devs.md §1.8.7, docs "Limits"), read as MiB like [`INLINE_BASE64_LIMIT`]. The default
/// of [`PackageOptions::max_zip_size`].
pub const CODE_PACKAGE_LIMIT: u64 = 500 * 1024 * 1024;

/// Default guard on the number of files and symlinks in a package. FC documents no such limit;
/// this only makes a mistaken `code` (a home directory, a `node_modules` forest) fail fast.
pub const DEFAULT_MAX_FILES: usize = 200_000;

/// Deflate level for every file entry (zlib's default speed/size balance; fc3 uses 9).
pub const DEFLATE_LEVEL: i64 = 6;

/// Mode of a regular file without an execute bit.
pub const FILE_MODE: u32 = 0o644;

/// Mode of an executable file (any execute bit in the source, or the root `bootstrap`).
pub const EXECUTABLE_MODE: u32 = 0o755;

/// Mode of a directory entry.
pub const DIRECTORY_MODE: u32 = 0o755;

/// Mode of a symlink entry (with the `S_IFLNK` type bits).
pub const SYMLINK_MODE: u32 = 0o777;

/// The root file that is always executable: FC custom runtimes start `/code/bootstrap` by default.
pub const BOOTSTRAP: &str = "bootstrap";

const S_IFREG: u32 = 0o100_000;

/// Knobs for [`package`] and [`package_to_file`]; `Default` gives FC's limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageOptions {
    /// Largest zip accepted, in bytes ([`CODE_PACKAGE_LIMIT`] by default).
    pub max_zip_size: u64,
    /// Most files and symlinks accepted ([`DEFAULT_MAX_FILES`] by default).
    pub max_files: usize,
    /// Zip a `….jar` instead of using it as is: fc3 does so for custom runtimes whose command
    /// runs `java -jar` (see [`custom_runtime_runs_jar`]). `false` by default.
    pub zip_jar: bool,
}

impl Default for PackageOptions {
    fn default() -> Self {
        Self {
            max_zip_size: CODE_PACKAGE_LIMIT,
            max_files: DEFAULT_MAX_FILES,
            zip_jar: false,
        }
    }
}

/// How a `code` path is turned into a package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeKind {
    /// A directory, zipped deterministically.
    Directory,
    /// A single file (not a ready-made archive), zipped alone under its file name.
    File,
    /// A `.zip`/`.war` (or `.jar`) file used byte for byte.
    Archive,
}

/// What a package holds, without the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageSummary {
    /// How the package was made.
    pub kind: CodeKind,
    /// CRC-64/XZ of the zip bytes.
    pub crc64: u64,
    /// The same as a decimal string: FC's `codeChecksum`.
    pub checksum: String,
    /// Size of the zip, in bytes.
    pub zip_size: u64,
    /// Sum of the entries' uncompressed sizes (file contents and symlink targets).
    pub uncompressed_size: u64,
    /// Number of entries that are not directories (files and symlinks).
    pub file_count: usize,
    /// Every entry name in zip order; directory names end with `/`.
    pub paths: Vec<String>,
    /// Paths skipped because of [`ALWAYS_EXCLUDED`] (sorted; empty for ready-made archives).
    pub always_excluded: Vec<String>,
}

impl PackageSummary {
    /// Length of the package's Base64 text (what an inline `zipFile` sends).
    #[must_use]
    pub fn base64_len(&self) -> u64 {
        base64_len(self.zip_size)
    }

    /// Whether the package may be sent inline as `code.zipFile` ([`check_inline`]).
    ///
    /// # Errors
    /// [`PackageError::TooLargeInline`] above [`INLINE_BASE64_LIMIT`].
    pub fn check_inline(&self) -> Result<(), PackageError> {
        check_inline(self.zip_size)
    }
}

/// A package in memory.
#[derive(Clone, PartialEq, Eq)]
pub struct Package {
    /// The zip.
    pub bytes: Vec<u8>,
    /// Its checksum, sizes and entries.
    pub summary: PackageSummary,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("summary", &self.summary)
            .finish()
    }
}

/// Which limit a [`PackageError::TooLarge`] broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SizeLimit {
    /// [`PackageOptions::max_zip_size`] (FC's code package limit, [`CODE_PACKAGE_LIMIT`], unless
    /// configured otherwise).
    CodePackage,
}

impl std::fmt::Display for SizeLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CodePackage => f.write_str(
                "the code package limit (FC accepts at most 500 MB through OSS, fc-api.md §12)",
            ),
        }
    }
}

/// Why a package could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// The `code` path does not exist.
    #[error("code path {} does not exist", path.display())]
    Missing {
        /// The path as given.
        path: PathBuf,
    },
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// What was being read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The output could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// What was being written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A `.fcignore` line is not a valid pattern.
    #[error("{}:{line}: invalid .fcignore pattern `{pattern}`: {message}", path.display())]
    BadIgnoreLine {
        /// The `.fcignore` file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The line as written.
        pattern: String,
        /// Why it does not parse.
        message: String,
    },
    /// The zip is over a size limit.
    #[error(
        "the code package is {} bytes (zip), over {limit} of {max} bytes; exclude files with .fcignore",
        if *exact { size.to_string() } else { format!("more than {size}") }
    )]
    TooLarge {
        /// The zip size, or (when `exact` is false) the size it had passed when packaging stopped.
        size: u64,
        /// Whether `size` is the complete zip's size.
        exact: bool,
        /// The limit in bytes.
        max: u64,
        /// Which limit.
        limit: SizeLimit,
    },
    /// The zip is too large to send inline as Base64 `code.zipFile`.
    #[error(
        "the code package is {zip_size} bytes ({base64_size} bytes of Base64), over FC's inline \
         `zipFile` limit of {max_base64} bytes of Base64 (100 MB, fc-api.md §7.4; a zip of at most \
         {max_zip} bytes); upload it through OSS instead",
        max_zip = INLINE_ZIP_LIMIT
    )]
    TooLargeInline {
        /// The zip size.
        zip_size: u64,
        /// Its Base64 length.
        base64_size: u64,
        /// [`INLINE_BASE64_LIMIT`].
        max_base64: u64,
    },
    /// More files than [`PackageOptions::max_files`].
    #[error(
        "the code package has more than {max} files (stopped at `{at}`); exclude files with .fcignore"
    )]
    TooManyFiles {
        /// The limit.
        max: usize,
        /// The first path over the limit.
        at: String,
    },
    /// A symlink is absolute or leads outside the code directory.
    #[error(
        "symlink `{path}` -> `{target}` points outside the code directory; only relative links \
         that stay inside it are packaged (remove it or list it in .fcignore)"
    )]
    SymlinkEscapes {
        /// The link, relative to the code directory.
        path: String,
        /// Its target as written.
        target: String,
    },
    /// A name that is not UTF-8 (zip names are UTF-8).
    #[error("{}: the name is not valid UTF-8", path.display())]
    NonUtf8Name {
        /// The offending path.
        path: PathBuf,
    },
    /// A socket, FIFO or device file.
    #[error("`{path}` is not a regular file, directory or symlink")]
    UnsupportedFileType {
        /// Relative to the code directory.
        path: String,
    },
    /// A ready-made `.zip`/`.war`/`.jar` that is not a readable zip.
    #[error("{} is not a valid zip archive: {message}", path.display())]
    BadArchive {
        /// The archive.
        path: PathBuf,
        /// The zip reader's complaint.
        message: String,
    },
    /// The zip writer failed for another reason (e.g. a single file over 4 GiB).
    #[error("cannot write the zip: {0}")]
    Zip(#[source] ZipError),
}

/// Length of the Base64 text (standard alphabet, padded) of `zip_size` bytes.
#[must_use]
pub const fn base64_len(zip_size: u64) -> u64 {
    zip_size.div_ceil(3) * 4
}

/// Checks a zip of `zip_size` bytes against FC's inline `zipFile` limit ([`INLINE_BASE64_LIMIT`]).
///
/// # Errors
/// [`PackageError::TooLargeInline`] when the Base64 text would exceed the limit.
pub fn check_inline(zip_size: u64) -> Result<(), PackageError> {
    let base64_size = base64_len(zip_size);
    if base64_size > INLINE_BASE64_LIMIT {
        return Err(PackageError::TooLargeInline {
            zip_size,
            base64_size,
            max_base64: INLINE_BASE64_LIMIT,
        });
    }
    Ok(())
}

/// fc3's test for zipping a `.jar`: a custom runtime (`custom`, `custom.debian10/11/12`, not
/// `custom-container`) whose `customRuntimeConfig.command` and `args`, each joined with spaces and
/// the two joined with a space, contain `java -jar` (`deploy/impl/function.ts` `assertNeedZip`).
#[must_use]
pub fn custom_runtime_runs_jar(runtime: &str, command: &[String], args: &[String]) -> bool {
    let custom = runtime == "custom" || runtime.starts_with("custom.");
    let line = format!("{} {}", command.join(" "), args.join(" "));
    custom && line.contains("java -jar")
}

/// How [`package`] treats `code`: a directory is zipped; a file named `….zip`/`….war` (and
/// `….jar` unless `zip_jar`) is an archive used as is; any other file is zipped alone.
///
/// # Errors
/// [`PackageError::Missing`] or [`PackageError::Read`] when `code` cannot be examined.
pub fn code_kind(code: &Path, zip_jar: bool) -> Result<CodeKind, PackageError> {
    let meta = fs::metadata(code).map_err(|e| missing_or_read(code, e))?;
    if meta.is_dir() {
        return Ok(CodeKind::Directory);
    }
    let name = code.to_string_lossy();
    let archive =
        name.ends_with(".zip") || name.ends_with(".war") || (name.ends_with(".jar") && !zip_jar);
    Ok(if archive {
        CodeKind::Archive
    } else {
        CodeKind::File
    })
}

/// Packages `code` in memory.
///
/// # Errors
/// See [`PackageError`]: a missing or unreadable path, a bad `.fcignore` line, a symlink leading
/// outside, too many files, a zip over [`PackageOptions::max_zip_size`].
pub fn package(code: &Path, options: &PackageOptions) -> Result<Package, PackageError> {
    match code_kind(code, options.zip_jar)? {
        CodeKind::Archive => {
            let bytes = read_archive(code, options)?;
            let summary = archive_summary(code, &bytes, options)?;
            Ok(Package { bytes, summary })
        }
        kind => {
            let walked = collect(code, kind, options)?;
            let (cursor, uncompressed_size) =
                write_zip(&walked.entries, Cursor::new(Vec::new()), options, None)?;
            let bytes = cursor.into_inner();
            let crc = crc64::checksum(&bytes);
            let summary = walked.summary(kind, crc, bytes.len() as u64, uncompressed_size);
            Ok(Package { bytes, summary })
        }
    }
}

/// Packages `code` into the file `out`, atomically: the zip is written to a temporary file beside
/// `out`, synced, and renamed over `out`; on error `out` is untouched and the temporary removed.
/// The tree is walked before the temporary exists, but an earlier `out` inside the code directory
/// is packaged like any file (list it in `.fcignore`). The checksum is read back from the file.
///
/// # Errors
/// As [`package`], plus [`PackageError::Write`] when `out` cannot be written.
pub fn package_to_file(
    code: &Path,
    out: &Path,
    options: &PackageOptions,
) -> Result<PackageSummary, PackageError> {
    let kind = code_kind(code, options.zip_jar)?;
    let walked = match kind {
        CodeKind::Archive => None,
        kind => Some(collect(code, kind, options)?),
    };
    let (file, temp) = create_temp(out)?;
    let write_err = |source| PackageError::Write {
        path: temp.path().to_path_buf(),
        source,
    };
    let summary = match walked {
        None => {
            let bytes = read_archive(code, options)?;
            let summary = archive_summary(code, &bytes, options)?;
            let mut file = file;
            file.write_all(&bytes).map_err(write_err)?;
            file.sync_all().map_err(write_err)?;
            summary
        }
        Some(walked) => {
            let (writer, uncompressed_size) = write_zip(
                &walked.entries,
                BufWriter::new(file),
                options,
                Some(temp.path()),
            )?;
            let mut file = writer.into_inner().map_err(|e| write_err(e.into_error()))?;
            file.sync_all().map_err(write_err)?;
            let zip_size = file.seek(SeekFrom::End(0)).map_err(write_err)?;
            file.seek(SeekFrom::Start(0)).map_err(write_err)?;
            let crc = crc64::checksum_reader(&mut file).map_err(|source| PackageError::Read {
                path: temp.path().to_path_buf(),
                source,
            })?;
            walked.summary(kind, crc, zip_size, uncompressed_size)
        }
    };
    temp.persist(out)?;
    Ok(summary)
}

// ---------------------------------------------------------------------------------------------
// Ready-made archives

fn read_archive(code: &Path, options: &PackageOptions) -> Result<Vec<u8>, PackageError> {
    let meta = fs::metadata(code).map_err(|e| missing_or_read(code, e))?;
    if meta.len() > options.max_zip_size {
        return Err(PackageError::TooLarge {
            size: meta.len(),
            exact: true,
            max: options.max_zip_size,
            limit: SizeLimit::CodePackage,
        });
    }
    let bytes = fs::read(code).map_err(|e| missing_or_read(code, e))?;
    if bytes.len() as u64 > options.max_zip_size {
        // The file grew between the two looks.
        return Err(PackageError::TooLarge {
            size: bytes.len() as u64,
            exact: true,
            max: options.max_zip_size,
            limit: SizeLimit::CodePackage,
        });
    }
    Ok(bytes)
}

fn archive_summary(
    code: &Path,
    bytes: &[u8],
    options: &PackageOptions,
) -> Result<PackageSummary, PackageError> {
    let bad = |e: ZipError| PackageError::BadArchive {
        path: code.to_path_buf(),
        message: e.to_string(),
    };
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(bad)?;
    let mut paths = Vec::with_capacity(archive.len());
    let mut file_count = 0usize;
    let mut uncompressed_size = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(bad)?;
        let name = entry.name().map_err(bad)?.into_owned();
        if !entry.is_dir() {
            file_count += 1;
            if file_count > options.max_files {
                return Err(PackageError::TooManyFiles {
                    max: options.max_files,
                    at: name,
                });
            }
        }
        uncompressed_size = uncompressed_size.saturating_add(entry.size());
        paths.push(name);
    }
    let crc = crc64::checksum(bytes);
    Ok(PackageSummary {
        kind: CodeKind::Archive,
        crc64: crc,
        checksum: crc.to_string(),
        zip_size: bytes.len() as u64,
        uncompressed_size,
        file_count,
        paths,
        always_excluded: Vec::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// Walking

enum EntryKind {
    Dir,
    File { abs: PathBuf, mode: u32 },
    Symlink { target: String },
}

struct Entry {
    /// Zip name: `/`-separated, relative, directories ending with `/`.
    name: String,
    kind: EntryKind,
}

struct Walked {
    entries: Vec<Entry>,
    file_count: usize,
    always_excluded: Vec<String>,
}

impl Walked {
    fn summary(
        self,
        kind: CodeKind,
        crc: u64,
        zip_size: u64,
        uncompressed_size: u64,
    ) -> PackageSummary {
        PackageSummary {
            kind,
            crc64: crc,
            checksum: crc.to_string(),
            zip_size,
            uncompressed_size,
            file_count: self.file_count,
            paths: self.entries.into_iter().map(|e| e.name).collect(),
            always_excluded: self.always_excluded,
        }
    }
}

/// The `.fcignore` matchers in force in a directory: its own (if any), then its ancestors'.
struct IgnoreChain {
    matcher: Gitignore,
    parent: Option<Rc<IgnoreChain>>,
}

fn is_ignored(chain: Option<&Rc<IgnoreChain>>, abs: &Path, is_dir: bool) -> bool {
    let mut cur = chain;
    while let Some(layer) = cur {
        match layer.matcher.matched(abs, is_dir) {
            Match::Ignore(_) => return true,
            Match::Whitelist(_) => return false,
            Match::None => cur = layer.parent.as_ref(),
        }
    }
    false
}

/// Reads `dir/.fcignore` if present, with each line checked (errors carry the line number).
fn load_ignore(dir: &Path) -> Result<Option<Gitignore>, PackageError> {
    let path = dir.join(IGNORE_FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(PackageError::Read { path, source }),
    };
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut builder = GitignoreBuilder::new(dir);
    for (i, line) in text.lines().enumerate() {
        if let Err(e) = builder.add_line(Some(path.clone()), line) {
            return Err(PackageError::BadIgnoreLine {
                path,
                line: i + 1,
                pattern: line.trim_end().to_string(),
                message: e.to_string(),
            });
        }
    }
    let matcher = builder.build().map_err(|e| PackageError::BadIgnoreLine {
        path: path.clone(),
        line: 0,
        pattern: String::new(),
        message: e.to_string(),
    })?;
    Ok(Some(matcher))
}

fn collect(code: &Path, kind: CodeKind, options: &PackageOptions) -> Result<Walked, PackageError> {
    let root = fs::canonicalize(code).map_err(|e| missing_or_read(code, e))?;
    let mut walked = Walked {
        entries: Vec::new(),
        file_count: 0,
        always_excluded: Vec::new(),
    };
    if kind == CodeKind::File {
        // The name as given (not the canonical one, which may be a symlink's target).
        let name = utf8_name(code)?;
        let meta = fs::metadata(&root).map_err(|source| PackageError::Read {
            path: root.clone(),
            source,
        })?;
        walked.file_count = 1;
        walked.entries.push(Entry {
            kind: EntryKind::File {
                mode: file_mode(&meta, &name),
                abs: root,
            },
            name,
        });
        return Ok(walked);
    }

    // Depth-first over directories; each child list sorted so errors are reported in a stable
    // order. The final entry order comes from the sort at the end.
    let mut stack: Vec<(PathBuf, String, Option<Rc<IgnoreChain>>)> =
        vec![(root.clone(), String::new(), None)];
    while let Some((dir, rel_dir, parent_chain)) = stack.pop() {
        let chain = match load_ignore(&dir)? {
            Some(matcher) => Some(Rc::new(IgnoreChain {
                matcher,
                parent: parent_chain,
            })),
            None => parent_chain,
        };
        let read_err = |source| PackageError::Read {
            path: dir.clone(),
            source,
        };
        let mut children = Vec::new();
        for child in fs::read_dir(&dir).map_err(read_err)? {
            let child = child.map_err(read_err)?;
            let abs = child.path();
            let name = utf8_name(&abs)?;
            children.push((name, abs));
        }
        children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (name, abs) in children {
            let rel = if rel_dir.is_empty() {
                name.clone()
            } else {
                format!("{rel_dir}/{name}")
            };
            if ALWAYS_EXCLUDED.contains(&name.as_str()) {
                walked.always_excluded.push(rel);
                continue;
            }
            let meta = fs::symlink_metadata(&abs).map_err(|source| PackageError::Read {
                path: abs.clone(),
                source,
            })?;
            let ft = meta.file_type();
            if is_ignored(chain.as_ref(), &abs, ft.is_dir()) {
                continue;
            }
            if ft.is_dir() {
                walked.entries.push(Entry {
                    name: format!("{rel}/"),
                    kind: EntryKind::Dir,
                });
                stack.push((abs, rel, chain.clone()));
                continue;
            }
            walked.file_count += 1;
            if walked.file_count > options.max_files {
                return Err(PackageError::TooManyFiles {
                    max: options.max_files,
                    at: rel,
                });
            }
            let kind = if ft.is_symlink() {
                EntryKind::Symlink {
                    target: symlink_target(&root, &abs, &rel)?,
                }
            } else if ft.is_file() {
                EntryKind::File {
                    mode: file_mode(&meta, &rel),
                    abs,
                }
            } else {
                return Err(PackageError::UnsupportedFileType { path: rel });
            };
            walked.entries.push(Entry { name: rel, kind });
        }
    }
    walked.entries.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    walked.always_excluded.sort_unstable();
    Ok(walked)
}

fn utf8_name(path: &Path) -> Result<String, PackageError> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| PackageError::NonUtf8Name {
            path: path.to_path_buf(),
        })
}

/// [`EXECUTABLE_MODE`] for a file with an execute bit or the root `bootstrap`, else [`FILE_MODE`].
fn file_mode(meta: &fs::Metadata, rel: &str) -> u32 {
    if rel == BOOTSTRAP || has_execute_bit(meta) {
        EXECUTABLE_MODE
    } else {
        FILE_MODE
    }
}

#[cfg(unix)]
fn has_execute_bit(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn has_execute_bit(_meta: &fs::Metadata) -> bool {
    false
}

/// The text to store for the symlink at `abs` (`rel` inside the code directory `root`), or
/// [`PackageError::SymlinkEscapes`] when it is absolute or leads outside `root`.
fn symlink_target(root: &Path, abs: &Path, rel: &str) -> Result<String, PackageError> {
    let target = fs::read_link(abs).map_err(|source| PackageError::Read {
        path: abs.to_path_buf(),
        source,
    })?;
    let written = target.to_string_lossy().into_owned();
    let escapes = || PackageError::SymlinkEscapes {
        path: rel.to_string(),
        target: written.clone(),
    };
    // Lexically, from the link's directory: never above the root.
    let mut depth = rel.matches('/').count();
    let mut parts: Vec<&str> = Vec::new();
    for component in target.components() {
        match component {
            Component::Normal(part) => {
                depth += 1;
                parts.push(part.to_str().ok_or_else(|| PackageError::NonUtf8Name {
                    path: abs.to_path_buf(),
                })?);
            }
            Component::CurDir => parts.push("."),
            Component::ParentDir => {
                depth = depth.checked_sub(1).ok_or_else(escapes)?;
                parts.push("..");
            }
            Component::RootDir | Component::Prefix(_) => return Err(escapes()),
        }
    }
    if parts.is_empty() {
        return Err(escapes());
    }
    // After resolution, when the target exists (links through other links included).
    if let Ok(real) = fs::canonicalize(abs)
        && !real.starts_with(root)
    {
        return Err(escapes());
    }
    Ok(parts.join("/"))
}

// ---------------------------------------------------------------------------------------------
// Writing

/// The marker error a [`Limited`] sink raises when the zip passes the size limit.
#[derive(Debug)]
struct SizeExceeded;

impl std::fmt::Display for SizeExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the zip passed its size limit")
    }
}

impl std::error::Error for SizeExceeded {}

/// A `Write + Seek` sink that fails with [`SizeExceeded`] instead of growing past `max` bytes.
///
/// After its first failure (the limit, or an I/O error of `inner`) it swallows everything: the
/// error has already reached [`write_zip`], and `ZipWriter`'s drop, which tries to finish the
/// archive, then succeeds quietly instead of printing to stderr.
struct Limited<W> {
    inner: W,
    pos: u64,
    max: u64,
    failed: bool,
    exceeded: bool,
}

impl<W: Write> Write for Limited<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            self.pos = self.pos.saturating_add(buf.len() as u64);
            return Ok(buf.len());
        }
        if self.pos.saturating_add(buf.len() as u64) > self.max {
            self.failed = true;
            self.exceeded = true;
            return Err(io::Error::other(SizeExceeded));
        }
        match self.inner.write(buf) {
            Ok(n) => {
                self.pos += n as u64;
                Ok(n)
            }
            Err(e) => {
                self.failed |= e.kind() != io::ErrorKind::Interrupted;
                Err(e)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed {
            return Ok(());
        }
        self.inner.flush().inspect_err(|_| self.failed = true)
    }
}

impl<W: Seek> Seek for Limited<W> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        if self.failed {
            self.pos = match pos {
                SeekFrom::Start(n) => n,
                SeekFrom::Current(d) => self.pos.saturating_add_signed(d),
                SeekFrom::End(_) => self.pos,
            };
            return Ok(self.pos);
        }
        match self.inner.seek(pos) {
            Ok(n) => {
                self.pos = n;
                Ok(n)
            }
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }
}

fn is_size_exceeded(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<SizeExceeded>())
}

/// Writes `entries` (already sorted) as a zip into `sink`; returns the sink and the total
/// uncompressed size. `out` names the sink in write errors (None: memory, which cannot fail).
fn write_zip<W: Write + Seek>(
    entries: &[Entry],
    sink: W,
    options: &PackageOptions,
    out: Option<&Path>,
) -> Result<(W, u64), PackageError> {
    let too_large = || PackageError::TooLarge {
        size: options.max_zip_size,
        exact: false,
        max: options.max_zip_size,
        limit: SizeLimit::CodePackage,
    };
    let io_err = |e: io::Error| {
        if is_size_exceeded(&e) {
            too_large()
        } else {
            match out {
                Some(path) => PackageError::Write {
                    path: path.to_path_buf(),
                    source: e,
                },
                None => PackageError::Zip(ZipError::Io(e)),
            }
        }
    };
    let zip_err = |e: ZipError| match e {
        ZipError::Io(e) => io_err(e),
        other => PackageError::Zip(other),
    };

    let base = SimpleFileOptions::default()
        .system(System::Unix)
        .last_modified_time(DateTime::DEFAULT)
        .large_file(false);
    let mut zip = ZipWriter::new(Limited {
        inner: sink,
        pos: 0,
        max: options.max_zip_size,
        failed: false,
        exceeded: false,
    });
    let mut uncompressed = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for entry in entries {
        let name = entry.name.as_str();
        match &entry.kind {
            EntryKind::Dir => {
                let opts = base
                    .compression_method(CompressionMethod::Stored)
                    .unix_permissions(DIRECTORY_MODE);
                zip.add_directory(name, opts).map_err(zip_err)?;
            }
            EntryKind::Symlink { target } => {
                let opts = base.unix_permissions(SYMLINK_MODE);
                zip.add_symlink(name, target, opts).map_err(zip_err)?;
                uncompressed += target.len() as u64;
            }
            EntryKind::File { abs, mode } => {
                let read_err = |source| PackageError::Read {
                    path: abs.clone(),
                    source,
                };
                let mut file = File::open(abs).map_err(read_err)?;
                let opts = base
                    .compression_method(CompressionMethod::Deflated)
                    .compression_level(Some(DEFLATE_LEVEL))
                    .external_attributes((S_IFREG | mode) << 16);
                zip.start_file(name, opts).map_err(zip_err)?;
                loop {
                    let n = match file.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(read_err(e)),
                    };
                    let chunk = buf.get(..n).unwrap_or_default();
                    zip.write_all(chunk).map_err(io_err)?;
                    uncompressed += n as u64;
                }
            }
        }
    }
    let limited = zip.finish().map_err(zip_err)?;
    if limited.failed {
        // An error the zip writer did not pass on: never hand out a truncated archive.
        return Err(if limited.exceeded {
            too_large()
        } else {
            io_err(io::Error::other("a write of the zip failed"))
        });
    }
    Ok((limited.inner, uncompressed))
}

// ---------------------------------------------------------------------------------------------
// Files

fn missing_or_read(path: &Path, source: io::Error) -> PackageError {
    if source.kind() == io::ErrorKind::NotFound {
        PackageError::Missing {
            path: path.to_path_buf(),
        }
    } else {
        PackageError::Read {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A temporary file beside the output; removed on drop unless persisted.
struct TempFile {
    path: Option<PathBuf>,
}

impl TempFile {
    fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or_else(|| Path::new(""))
    }

    fn persist(mut self, out: &Path) -> Result<(), PackageError> {
        let Some(path) = self.path.take() else {
            return Ok(());
        };
        if let Err(source) = fs::rename(&path, out) {
            let _ = fs::remove_file(&path);
            return Err(PackageError::Write {
                path: out.to_path_buf(),
                source,
            });
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = fs::remove_file(path);
        }
    }
}

fn create_temp(out: &Path) -> Result<(File, TempFile), PackageError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = out.file_name().map_or_else(
        || "package.zip".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = out.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()));
        match File::options()
            .write(true)
            .read(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok((file, TempFile { path: Some(path) })),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(source) => {
                return Err(PackageError::Write {
                    path: out.to_path_buf(),
                    source,
                });
            }
        }
    }
}
