//! The request log (D21, fc-api.md §14 item 44): one entry per API request (management calls and
//! invocations) with method, path, decoded query, action, operation, region, qualifier, the
//! version that ran, status and error code, the SHA-256 of the body, and the JSON body itself
//! with any inline code (`code.zipFile`) replaced by its size and CRC-64 — so tests can assert
//! weights, qualifiers and whether code was sent. Kept in memory (bounded) and appended to
//! `requests.jsonl` in the data directory. Invocation payloads are recorded by size and hash only.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use serde_json::{Map, Value, json};

/// Entries kept in memory (the file keeps everything).
const MEMORY_LIMIT: usize = 100_000;

#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: Mutex<Vec<Value>>,
    file: PathBuf,
    seq: AtomicU64,
}

impl RequestLog {
    pub(crate) fn new(file: PathBuf) -> RequestLog {
        RequestLog {
            entries: Mutex::new(Vec::new()),
            file,
            seq: AtomicU64::new(0),
        }
    }

    /// Adds an entry (a `seq` number is put first) and appends it to the file.
    pub(crate) fn record(&self, entry: Map<String, Value>) {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let mut full = Map::new();
        full.insert("seq".to_owned(), json!(seq));
        full.extend(entry);
        let value = Value::Object(full);
        let line = value.to_string();
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MEMORY_LIMIT {
                entries.drain(..MEMORY_LIMIT / 10);
            }
            entries.push(value);
            // Appending under the lock keeps the file in `seq` order.
            let appended = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.file)
                .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
            if let Err(e) = appended {
                tracing::warn!("cannot append to {}: {e}", self.file.display());
            }
        }
    }

    /// Entries with `seq` greater than `since`.
    pub(crate) fn list(&self, since: u64) -> Vec<Value> {
        self.entries
            .lock()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e.get("seq").and_then(Value::as_u64).unwrap_or(0) > since)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Forgets every entry and empties the file.
    pub(crate) fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
            if let Err(e) = std::fs::write(&self.file, b"") {
                tracing::warn!("cannot empty {}: {e}", self.file.display());
            }
        }
    }
}

/// A request body as the log keeps it: JSON bodies as JSON with `code.zipFile` replaced by
/// `{size, crc}` of the decoded zip (the Base64 text's length and `crc: null` when it does not
/// decode); anything else as `{size, sha256}`. `None` for an empty body.
pub(crate) fn loggable_body(body: &[u8], as_json: bool) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    if as_json && let Ok(mut value) = serde_json::from_slice::<Value>(body) {
        if let Some(code) = value.get_mut("code").and_then(Value::as_object_mut) {
            replace_zip(code);
        }
        return Some(value);
    }
    Some(json!({"size": body.len(), "sha256": fc::sign::sha256_hex(body)}))
}

fn replace_zip(code: &mut Map<String, Value>) {
    let Some(Value::String(text)) = code.remove("zipFile") else {
        return;
    };
    let cleaned: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let (size, crc) = match base64::engine::general_purpose::STANDARD.decode(cleaned.as_bytes()) {
        Ok(bytes) => (
            bytes.len(),
            Value::String(fc::crc64::checksum_decimal(&bytes)),
        ),
        Err(_) => (text.len(), Value::Null),
    };
    let mut replaced = Map::new();
    replaced.insert("size".to_owned(), json!(size));
    replaced.insert("crc".to_owned(), crc);
    replaced.extend(std::mem::take(code));
    *code = replaced;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_replaced_by_size_and_crc() {
        let body = br#"{"code":{"zipFile":"MTIzNDU2Nzg5","checksum":"1"},"functionName":"f"}"#;
        let logged = loggable_body(body, true).unwrap();
        assert_eq!(
            logged["code"],
            json!({"size": 9, "crc": "11051210869376104954", "checksum": "1"})
        );
        assert_eq!(logged["functionName"], "f");
        let raw = loggable_body(b"\x00\x01", false).unwrap();
        assert_eq!(raw["size"], 2);
        assert!(loggable_body(b"", true).is_none());
    }
}
