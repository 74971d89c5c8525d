//! Helpers for talking to an emulator from tests and tools that do not carry an HTTP client: a
//! signed request built the way the official Python SDK builds it (every header signed, a fresh
//! date and nonce), and a minimal blocking HTTP/1.1 exchange over a `std` TCP stream
//! (`Connection: close`). sdls's real client lives in `fc`; this is only for tests (for example
//! the CLI's crash test, which runs the `sdls` binary).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fc::sign::{self, AccessKey, SignedHeaderSet};

/// A request ready to send.
#[derive(Clone, Debug)]
pub struct SignedRequest {
    pub method: String,
    /// Origin-form request-target (path and wire query).
    pub target: String,
    /// Every header to send, `host` and `authorization` included.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Signs a request with the AccessKey (`access_key_id`, `secret`) for `host` (e.g.
/// `127.0.0.1:PORT`) with a fresh `x-acs-date` and nonce. `path` is sent as is (percent-encode
/// names with [`percent_encode`]); `query` values are decoded. JSON bodies get
/// `content-type: application/json; charset=utf-8`.
#[allow(clippy::too_many_arguments)]
pub fn sign_request(
    access_key_id: &str,
    secret: &str,
    host: &str,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    action: &str,
    body: &[u8],
) -> SignedRequest {
    let mut request = sign::Request::new(method, host, path)
        .with_header("accept", "application/json")
        .with_header("x-acs-version", "2023-03-30")
        .with_header("x-acs-action", action);
    for (name, value) in query {
        request = request.with_query(*name, *value);
    }
    if !body.is_empty() {
        request = request
            .with_header("content-type", "application/json; charset=utf-8")
            .with_body(body.to_vec());
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0);
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let key = AccessKey::new(access_key_id, secret);
    let signed = sign::sign(
        &request,
        &key,
        &sign::format_acs_date(now),
        &nonce,
        SignedHeaderSet::All,
    );
    SignedRequest {
        method: method.to_owned(),
        target: request.target(),
        headers: signed.headers,
        body: request.body,
    }
}

/// A path segment percent-encoded as the SDKs do (`$` → `%24`, space → `%20`).
pub fn percent_encode(segment: &str) -> String {
    sign::percent_encode_str(segment)
}

/// FC's `codeChecksum` of `bytes` (CRC-64/XZ, decimal).
pub fn checksum(bytes: &[u8]) -> String {
    fc::crc64::checksum_decimal(bytes)
}

/// A zip of `files` (path, content) with fixed timestamps, and its Base64 (for `code.zipFile`).
///
/// # Errors
/// The zip writer's error (paths it refuses).
pub fn zip_base64(files: &[(&str, &str)]) -> io::Result<(Vec<u8>, String)> {
    use base64::Engine;
    let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (path, content) in files {
        writer
            .start_file(*path, options)
            .map_err(io::Error::other)?;
        writer.write_all(content.as_bytes())?;
    }
    let bytes = writer.finish().map_err(io::Error::other)?.into_inner();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    Ok((bytes, b64))
}

/// A response read by [`send`].
#[derive(Clone, Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first header called `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` to `addr` over a fresh connection and reads the whole answer.
///
/// # Errors
/// Connection, write and read errors; a malformed answer (`InvalidData`).
pub fn send(
    addr: SocketAddr,
    request: &SignedRequest,
    timeout: Duration,
) -> io::Result<RawResponse> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in &request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        request.body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(&request.body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> io::Result<RawResponse> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = std::str::from_utf8(raw.get(..end).unwrap_or_default())
        .map_err(|_| bad("headers are not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = raw.get(end + 4..).unwrap_or_default();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else {
        rest.to_vec()
    };
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> io::Result<Vec<u8>> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad chunked body");
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").ok_or_else(bad)?;
        let size_text =
            std::str::from_utf8(data.get(..line_end).unwrap_or_default()).map_err(|_| bad())?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| bad())?;
        data = data.get(line_end + 2..).ok_or_else(bad)?;
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(data.get(..size).ok_or_else(bad)?);
        data = data.get(size + 2..).ok_or_else(bad)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips_are_readable() {
        let (bytes, b64) = zip_base64(&[("index.py", "x = 1\n")]).unwrap();
        let archive = zip::ZipArchive::new(io::Cursor::new(bytes.as_slice())).unwrap();
        assert_eq!(archive.len(), 1);
        assert!(!b64.is_empty());
        assert_eq!(checksum(b"123456789"), "11051210869376104954");
    }

    #[test]
    fn parses_plain_and_chunked_answers() {
        let r =
            parse_response(b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{}")
                .unwrap();
        assert_eq!(
            (r.status, r.header("content-type")),
            (404, Some("application/json"))
        );
        assert_eq!(r.body, b"{}");
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.body, b"abcde");
    }

    #[test]
    fn signed_requests_verify() {
        let req = sign_request(
            "id",
            "secret",
            "127.0.0.1:1",
            "GET",
            "/2023-03-30/functions",
            &[("prefix", "a b")],
            "ListFunctions",
            b"",
        );
        assert_eq!(req.target, "/2023-03-30/functions?prefix=a%20b");
        let headers: Vec<(&str, &[u8])> = req
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let received = sign::ReceivedRequest {
            method: "GET",
            target: &req.target,
            headers,
            body: &req.body,
        };
        sign::verify_signature(&received, |_| Some(sign::Secret::new("secret"))).unwrap();
    }
}
