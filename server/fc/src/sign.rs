//! ACS3-HMAC-SHA256 signing and verification for Function Compute 3.0 (fc-api.md §10). Pure: no
//! clock, no randomness, no IO — the `x-acs-date` string, the nonce and (for verification) `now`
//! are arguments. [`sign`] is what sdls's own clients call; [`verify`] is what the emulator calls on
//! every request (it rebuilds the canonical request from the raw request-target and exactly the
//! headers the client listed in `SignedHeaders`, so Python-style and Go/TS-style requests both pass).
//!
//! Canonical forms follow the official SDKs byte for byte (checked against
//! `reference/acs3-signature-vectors.json`): path verbatim (`/` when empty); query sorted by name,
//! values RFC 3986-encoded (space `%20`); header names lower-cased, values trimmed, repeated
//! values sorted and joined with `,`; payload hash = lowercase hex SHA-256 of the body.
//!
//! The equivalences of DECISIONS D23 hold by construction: `+` and `%20` in the wire query, the
//! case of header names and leading/trailing spaces of header values do not change the canonical
//! request; every other byte the canonical request keeps does.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::time::Duration;

use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};
use sha2::{Digest, Sha256};

/// The `Authorization` algorithm token.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";
/// SHA-256 of the empty body, the `x-acs-content-sha256` of every request without a body.
pub const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The clock window of fc-api.md §10.6: `x-acs-date` within 15 minutes of the server's `now`.
pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// `host`.
pub const HOST: &str = "host";
/// `content-type` (signed by both header sets).
pub const CONTENT_TYPE: &str = "content-type";
/// `authorization` (never signed; replaced by [`sign`]).
pub const AUTHORIZATION: &str = "authorization";
/// `x-acs-date`: `YYYY-MM-DDTHH:MM:SSZ`, UTC.
pub const X_ACS_DATE: &str = "x-acs-date";
/// `x-acs-signature-nonce`: unique per request (per attempt).
pub const X_ACS_SIGNATURE_NONCE: &str = "x-acs-signature-nonce";
/// `x-acs-content-sha256`: lowercase hex SHA-256 of the body.
pub const X_ACS_CONTENT_SHA256: &str = "x-acs-content-sha256";
/// `x-acs-security-token`: the STS token (STS credentials only).
pub const X_ACS_SECURITY_TOKEN: &str = "x-acs-security-token";
/// `x-acs-accesskey-id`: the temporary AccessKey id (sent with STS credentials only, as the
/// Python SDK does; vector `sts_token_get_function`).
pub const X_ACS_ACCESSKEY_ID: &str = "x-acs-accesskey-id";

/// Headers a verified request must carry and list in `SignedHeaders` (fc-api.md §10.3 step 3).
pub const REQUIRED_SIGNED_HEADERS: [&str; 4] = [
    HOST,
    X_ACS_DATE,
    X_ACS_SIGNATURE_NONCE,
    X_ACS_CONTENT_SHA256,
];

/// Algorithms the SDKs can be configured for but sdls does not implement (answered `400`).
const OTHER_ACS3_ALGORITHMS: [&str; 2] = ["ACS3-HMAC-SM3", "ACS3-RSA-SHA256"];

/// RFC 3986 unreserved characters are kept, every other byte becomes `%XX` (uppercase hex).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// How much of a client-supplied string an error message repeats.
const ECHO_LIMIT: usize = 128;

// ---------------------------------------------------------------------------------------------
// Credentials

/// An AccessKey pair, optionally with an STS security token. `Debug` redacts the secret and token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// The AccessKey id (`Credential=`); with STS, the temporary id.
    pub id: String,
    /// The AccessKey secret, the HMAC key.
    pub secret: String,
    /// The STS token; when set, [`sign`] sends and signs `x-acs-security-token` and
    /// `x-acs-accesskey-id`.
    pub security_token: Option<String>,
}

impl AccessKey {
    /// A permanent AccessKey.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            secret: secret.into(),
            security_token: None,
        }
    }

    /// A temporary (STS) AccessKey with its security token.
    pub fn sts(id: impl Into<String>, secret: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            secret: secret.into(),
            security_token: Some(token.into()),
        }
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("id", &self.id)
            .field("secret", &Redacted)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| Redacted),
            )
            .finish()
    }
}

/// What the verifier's lookup returns for an AccessKey id. `Debug` redacts the secret and token.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// The AccessKey secret.
    pub secret: String,
    /// For a temporary key: the token issued with it. A request must then carry exactly this
    /// `x-acs-security-token`; for a permanent key it must carry none.
    pub security_token: Option<String>,
    /// For a temporary key: when the token expires (Unix seconds); checked against `now` by
    /// [`Verified::check_freshness`].
    pub expires_at: Option<i64>,
}

impl Secret {
    /// The secret of a permanent AccessKey.
    pub fn new(secret: impl Into<String>) -> Self {
        Self {
            secret: secret.into(),
            security_token: None,
            expires_at: None,
        }
    }

    /// The secret and token of a temporary (STS) AccessKey, without expiry.
    pub fn sts(secret: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            secret: secret.into(),
            security_token: Some(token.into()),
            expires_at: None,
        }
    }

    /// The same secret, expiring at `unix_secs`.
    #[must_use]
    pub fn expiring_at(mut self, unix_secs: i64) -> Self {
        self.expires_at = Some(unix_secs);
        self
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("secret", &Redacted)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| Redacted),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

// ---------------------------------------------------------------------------------------------
// Signing

/// Which headers [`sign`] puts into the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignedHeaderSet {
    /// Every header present at signing time (except `authorization`) — the Python SDK.
    All,
    /// `host`, `content-type` and every `x-acs-*` header — the Go and TypeScript SDKs.
    Minimal,
}

impl SignedHeaderSet {
    /// Whether a header with this lower-case name is signed.
    pub fn includes(self, lower_name: &str) -> bool {
        match self {
            Self::All => lower_name != AUTHORIZATION,
            Self::Minimal => {
                lower_name == HOST || lower_name == CONTENT_TYPE || lower_name.starts_with("x-acs-")
            }
        }
    }
}

/// A request to sign, described as it will be sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// HTTP method, as sent (`GET`, `POST`, …).
    pub method: String,
    /// The path exactly as sent: already percent-encoded (fc-api.md §2.5, [`percent_encode_str`]
    /// per segment); signed verbatim, `/` when empty.
    pub path: String,
    /// Query parameters, decoded (name, value); `None` values are simply left out by the caller.
    pub query: Vec<(String, String)>,
    /// Headers (name, value). Must include `host` (the verifier requires it); [`Request::new`]
    /// puts it there. `x-acs-date`, `x-acs-signature-nonce`, `x-acs-content-sha256` (and for STS
    /// `x-acs-security-token`, `x-acs-accesskey-id`) and `authorization` are replaced by [`sign`].
    pub headers: Vec<(String, String)>,
    /// The exact body bytes (empty when none).
    pub body: Vec<u8>,
}

impl Request {
    /// A request with a `host` header and no query, other headers or body.
    pub fn new(
        method: impl Into<String>,
        host: impl Into<String>,
        path: impl Into<String>,
    ) -> Self {
        Self {
            method: method.into(),
            path: path.into(),
            query: Vec::new(),
            headers: vec![(HOST.to_owned(), host.into())],
            body: Vec::new(),
        }
    }

    /// Adds a query parameter (decoded value).
    #[must_use]
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The origin-form request-target to send: the path (`/` when empty), then `?` and
    /// [`wire_query`] when there is a query.
    pub fn target(&self) -> String {
        request_target(&self.path, &self.query)
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The outcome of [`sign`]: the headers to send and every intermediate value.
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// All headers to send: the request's headers (minus the replaced ones), then `x-acs-date`,
    /// `x-acs-signature-nonce`, `x-acs-content-sha256`, for STS `x-acs-accesskey-id` and
    /// `x-acs-security-token`, and last `authorization`. Added names are lower-case.
    pub headers: Vec<(String, String)>,
    /// Lowercase hex SHA-256 of the body (the `x-acs-content-sha256` value).
    pub content_sha256: String,
    /// The canonical request (fc-api.md §10.1 step 6).
    pub canonical_request: String,
    /// `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request.
    pub string_to_sign: String,
    /// The sorted lower-case signed header names joined with `;`.
    pub signed_headers: String,
    /// Lowercase hex HMAC-SHA256 of the string to sign.
    pub signature: String,
    /// The `Authorization` value.
    pub authorization: String,
}

impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let canonical: Vec<&str> = self
            .canonical_request
            .split('\n')
            .map(|line| {
                if line.starts_with("x-acs-security-token:") {
                    "x-acs-security-token:<redacted>"
                } else {
                    line
                }
            })
            .collect();
        f.debug_struct("Signed")
            .field("headers", &RedactedHeaders(&self.headers))
            .field("content_sha256", &self.content_sha256)
            .field("canonical_request", &canonical.join("\n"))
            .field("string_to_sign", &self.string_to_sign)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("authorization", &self.authorization)
            .finish()
    }
}

struct RedactedHeaders<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in self.0 {
            if name.eq_ignore_ascii_case(X_ACS_SECURITY_TOKEN) {
                list.entry(&(name, Redacted));
            } else {
                list.entry(&(name, value));
            }
        }
        list.finish()
    }
}

/// Signs `request` with `key` at `date` (`YYYY-MM-DDTHH:MM:SSZ`, UTC, see [`format_acs_date`])
/// with `nonce` (32 lowercase hex characters in the SDKs; any string works), signing the headers
/// `set` selects. Never fails; the result carries the headers to send.
pub fn sign(
    request: &Request,
    key: &AccessKey,
    date: &str,
    nonce: &str,
    set: SignedHeaderSet,
) -> Signed {
    let content_sha256 = sha256_hex(&request.body);
    let sts = key.security_token.is_some();
    let replaced = |name: &str| {
        [
            AUTHORIZATION,
            X_ACS_DATE,
            X_ACS_SIGNATURE_NONCE,
            X_ACS_CONTENT_SHA256,
        ]
        .iter()
        .chain(if sts {
            &[X_ACS_SECURITY_TOKEN, X_ACS_ACCESSKEY_ID][..]
        } else {
            &[][..]
        })
        .any(|r| name.eq_ignore_ascii_case(r))
    };
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(name, _)| !replaced(name))
        .cloned()
        .collect();
    headers.push((X_ACS_DATE.to_owned(), date.to_owned()));
    headers.push((X_ACS_SIGNATURE_NONCE.to_owned(), nonce.to_owned()));
    headers.push((X_ACS_CONTENT_SHA256.to_owned(), content_sha256.clone()));
    if let Some(token) = &key.security_token {
        headers.push((X_ACS_ACCESSKEY_ID.to_owned(), key.id.clone()));
        headers.push((X_ACS_SECURITY_TOKEN.to_owned(), token.clone()));
    }

    // Lower-case names, trimmed values, grouped by name (values sorted), names sorted.
    let mut selected: Vec<(String, &[u8])> = headers
        .iter()
        .filter_map(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            set.includes(&lower)
                .then(|| (lower, trim_value(value.as_bytes())))
        })
        .collect();
    selected.sort();
    let mut canonical_headers = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (name, value) in &selected {
        if names.last() == Some(&name.as_str()) {
            canonical_headers.pop(); // the '\n' of the previous value of this name
            canonical_headers.push(b',');
        } else {
            names.push(name);
            canonical_headers.extend_from_slice(name.as_bytes());
            canonical_headers.push(b':');
        }
        canonical_headers.extend_from_slice(value);
        canonical_headers.push(b'\n');
    }
    let signed_headers = names.join(";");

    let query: Vec<(&[u8], &[u8])> = request
        .query
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    let canonical = canonical_request_bytes(
        request.method.as_bytes(),
        request.path.as_bytes(),
        &canonical_query_bytes(query),
        &canonical_headers,
        signed_headers.as_bytes(),
        &content_sha256,
    );
    let string_to_sign = string_to_sign(&canonical);
    let signature = hex::encode(hmac_sha256(
        key.secret.as_bytes(),
        string_to_sign.as_bytes(),
    ));
    let authorization = format!(
        "{ALGORITHM} Credential={},SignedHeaders={signed_headers},Signature={signature}",
        key.id
    );
    headers.push((AUTHORIZATION.to_owned(), authorization.clone()));
    Signed {
        headers,
        content_sha256,
        // All inputs are `str`, and encoded parts are ASCII, so this is lossless.
        canonical_request: String::from_utf8_lossy(&canonical).into_owned(),
        string_to_sign,
        signed_headers,
        signature,
        authorization,
    }
}

/// Lowercase hex SHA-256 of `body` (the `x-acs-content-sha256` value).
pub fn sha256_hex(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// HMAC-SHA256 with a key of any length (RFC 2104: longer than the 64-byte block ⇒ hashed first,
/// shorter ⇒ zero-padded). Built on the infallible fixed-size-key constructor.
fn hmac_sha256_mac(key: &[u8], message: &[u8]) -> Hmac<Sha256> {
    let mut block = Key::<Hmac<Sha256>>::default();
    if key.len() > block.len() {
        let digest = Sha256::digest(key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&block);
    mac.update(message);
    mac
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    hmac_sha256_mac(key, message).finalize().into_bytes().into()
}

/// `METHOD\nURI\nQUERY\n<canonical headers, each line ending in \n>\nSIGNED\nHASH`.
fn canonical_request_bytes(
    method: &[u8],
    path: &[u8],
    query: &[u8],
    headers: &[u8],
    signed_headers: &[u8],
    payload_hash: &str,
) -> Vec<u8> {
    let path: &[u8] = if path.is_empty() { b"/" } else { path };
    let mut out = Vec::with_capacity(
        method.len() + path.len() + query.len() + headers.len() + signed_headers.len() + 70,
    );
    for part in [method, path, query, headers, signed_headers] {
        out.extend_from_slice(part);
        out.push(b'\n');
    }
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

fn string_to_sign(canonical_request: &[u8]) -> String {
    format!("{ALGORITHM}\n{}", sha256_hex(canonical_request))
}

/// Leading/trailing whitespace removed: Unicode whitespace (`str::trim`, like the SDKs' `strip`,
/// `TrimSpace`, `trim`) when the value is UTF-8, ASCII whitespace otherwise.
fn trim_value(value: &[u8]) -> &[u8] {
    match std::str::from_utf8(value) {
        Ok(text) => text.trim().as_bytes(),
        Err(_) => value.trim_ascii(),
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding helpers

/// RFC 3986 encoding (fc-api.md §10.1 step 3, and §2.5 for path segments): UTF-8, `A–Z a–z 0–9
/// - _ . ~` kept, every other byte `%XX` with uppercase hex (space `%20`, `*` `%2A`, `+` `%2B`,
/// `/` `%2F`, `=` `%3D`).
pub fn percent_encode_str(value: &str) -> String {
    percent_encode_bytes(value.as_bytes())
}

/// [`percent_encode_str`] over raw bytes.
pub fn percent_encode_bytes(value: &[u8]) -> String {
    percent_encode(value, UNRESERVED).to_string()
}

/// The canonical query string (fc-api.md §10.1 step 3): parameters sorted by name (byte order;
/// equal names by encoded value), each `name=` + [`percent_encode_str`] of the value (the name is
/// not encoded, as in the SDKs), joined with `&`. Empty when there are no parameters.
pub fn canonical_query(pairs: &[(String, String)]) -> String {
    let pairs: Vec<(&[u8], &[u8])> = pairs
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    String::from_utf8_lossy(&canonical_query_bytes(pairs)).into_owned()
}

fn canonical_query_bytes(pairs: Vec<(&[u8], &[u8])>) -> Vec<u8> {
    let mut encoded: Vec<(&[u8], String)> = pairs
        .into_iter()
        .map(|(name, value)| (name, percent_encode_bytes(value)))
        .collect();
    encoded.sort();
    let mut out = Vec::new();
    for (i, (name, value)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(name);
        out.push(b'=');
        out.extend_from_slice(value.as_bytes());
    }
    out
}

/// The query string sdls's own client sends (without `?`): `name=value` pairs in the given
/// order, names and values both [`percent_encode_str`]-encoded, joined with `&`.
///
/// Space is sent as `%20`, not as the `+` the official Python SDK sends ([`form_query`]): the
/// verifier form-decodes the wire query (`+` and `%20` are both a space) and the canonical query
/// re-encodes it, so both are equally valid — and `%20` is also correct for any server that does
/// *not* form-decode, where a `+` would be read as a literal plus.
pub fn wire_query(pairs: &[(String, String)]) -> String {
    join_query(pairs, percent_encode_str)
}

/// The Python SDK's wire query (`urllib.parse.urlencode`): like [`wire_query`] but space is `+`.
/// sdls does not send this; it exists so tests and the emulator can reproduce that client.
pub fn form_query(pairs: &[(String, String)]) -> String {
    join_query(pairs, |s| percent_encode_str(s).replace("%20", "+"))
}

fn join_query(pairs: &[(String, String)], encode: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&encode(name));
        out.push('=');
        out.push_str(&encode(value));
    }
    out
}

/// `path` (`/` when empty), then `?` + [`wire_query`] when `query` is not empty.
pub fn request_target(path: &str, query: &[(String, String)]) -> String {
    let path = if path.is_empty() { "/" } else { path };
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", wire_query(query))
    }
}

/// Form-decodes one query component: `+` → space, `%XX` → that byte (a `%` not followed by two
/// hex digits stays literal). The result may not be UTF-8.
pub fn form_decode(component: &str) -> Vec<u8> {
    let plus_as_space = component.replace('+', " ");
    percent_decode(plus_as_space.as_bytes()).collect()
}

/// Splits a raw query (after `?`) on `&` and the first `=` and form-decodes names and values;
/// a parameter without `=` has value `""`; empty pieces are skipped. Invalid UTF-8 becomes
/// U+FFFD (as Python's `parse_qsl`). Order is kept.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    parse_query_bytes(raw)
        .into_iter()
        .map(|(n, v)| {
            (
                String::from_utf8_lossy(&n).into_owned(),
                String::from_utf8_lossy(&v).into_owned(),
            )
        })
        .collect()
}

fn parse_query_bytes(raw: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    raw.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match piece.split_once('=') {
            Some((name, value)) => (form_decode(name), form_decode(value)),
            None => (form_decode(piece), Vec::new()),
        })
        .collect()
}

/// The canonical query rebuilt from a raw wire query (after `?`): [`parse_query`] semantics,
/// values re-encoded per §10.1 step 3, at byte level (so non-UTF-8 values are kept exactly).
pub fn canonical_query_from_wire(raw: &str) -> String {
    String::from_utf8_lossy(&canonical_query_from_wire_bytes(raw)).into_owned()
}

fn canonical_query_from_wire_bytes(raw: &str) -> Vec<u8> {
    let pairs = parse_query_bytes(raw);
    canonical_query_bytes(
        pairs
            .iter()
            .map(|(n, v)| (n.as_slice(), v.as_slice()))
            .collect(),
    )
}

/// Splits a raw request-target into (path, raw query): an absolute-form target
/// (`scheme://authority/path?query`, as sent to a proxy) loses scheme and authority first; the
/// query is what follows the first `?`. The path is returned verbatim (not decoded); it may be
/// empty (its canonical form is then `/`).
pub fn split_target(target: &str) -> (&str, Option<&str>) {
    let target = strip_scheme_authority(target);
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}

fn strip_scheme_authority(target: &str) -> &str {
    let Some((scheme, rest)) = target.split_once("://") else {
        return target;
    };
    let mut chars = scheme.chars();
    let is_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return target;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &rest[end..]
}

// ---------------------------------------------------------------------------------------------
// Dates

/// Formats Unix seconds as an `x-acs-date` (`YYYY-MM-DDTHH:MM:SSZ`, UTC). The clock reading is
/// the caller's; this is plain calendar arithmetic.
pub fn format_acs_date(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Parses a strict `YYYY-MM-DDTHH:MM:SSZ` (UTC) into Unix seconds; `None` for anything else
/// (other lengths, offsets, fractions, out-of-range fields, second 60).
pub fn parse_acs_date(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0i64, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

// ---------------------------------------------------------------------------------------------
// Verification

/// A request as the server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedRequest<'a> {
    /// The method, as received.
    pub method: &'a str,
    /// The raw request-target: origin form (`/path?query`) or absolute form
    /// (`http://host/path?query`, as sent to a proxy).
    pub target: &'a str,
    /// Every received header (name, raw value bytes), names in any case, repeats allowed.
    pub headers: Vec<(&'a str, &'a [u8])>,
    /// The received body.
    pub body: &'a [u8],
}

impl ReceivedRequest<'_> {
    /// The trimmed values of every header called `name` (ASCII case-insensitive), sorted.
    fn values(&self, name: &str) -> Vec<&[u8]> {
        let mut values: Vec<&[u8]> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| trim_value(v))
            .collect();
        values.sort_unstable();
        values
    }

    /// The canonical value of header `name` (values joined with `,`), or `None` when absent.
    fn value(&self, name: &str) -> Option<Vec<u8>> {
        let values = self.values(name);
        (!values.is_empty()).then(|| values.join(&b','))
    }
}

/// The parts of an `Authorization: ACS3-HMAC-SHA256 …` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization<'a> {
    /// `Credential=`: the AccessKey id.
    pub credential: &'a str,
    /// `SignedHeaders=`, verbatim.
    pub signed_headers: &'a str,
    /// `Signature=`: hex.
    pub signature: &'a str,
}

/// Parses an `Authorization` value: the algorithm, whitespace, then `Credential=`,
/// `SignedHeaders=`, `Signature=` separated by commas (spaces around them tolerated), each once.
pub fn parse_authorization(value: &str) -> Result<Authorization<'_>, VerifyError> {
    let value = value.trim();
    let (algorithm, rest) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        return Err(if OTHER_ACS3_ALGORITHMS.contains(&algorithm) {
            VerifyError::UnsupportedAlgorithm(algorithm.to_owned())
        } else {
            VerifyError::MalformedAuthorization(format!(
                "expected algorithm {ALGORITHM}, got '{}'",
                echo(algorithm)
            ))
        });
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        let Some((key, val)) = part.split_once('=') else {
            return Err(VerifyError::MalformedAuthorization(format!(
                "expected key=value, got '{}'",
                echo(part)
            )));
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            other => {
                return Err(VerifyError::MalformedAuthorization(format!(
                    "unknown field '{}'",
                    echo(other)
                )));
            }
        };
        let val = val.trim();
        if slot.is_some() || val.is_empty() {
            return Err(VerifyError::MalformedAuthorization(format!(
                "field '{}' repeated or empty",
                key.trim()
            )));
        }
        *slot = Some(val);
    }
    match (credential, signed_headers, signature) {
        (Some(credential), Some(signed_headers), Some(signature)) => Ok(Authorization {
            credential,
            signed_headers,
            signature,
        }),
        _ => Err(VerifyError::MalformedAuthorization(
            "Credential, SignedHeaders and Signature are all required".to_owned(),
        )),
    }
}

/// A request whose signature checked out (time and nonce not yet checked, see
/// [`Verified::check_freshness`] and [`verify`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The AccessKey id from `Credential=`.
    pub access_key_id: String,
    /// Whether the key is a temporary (STS) key.
    pub sts: bool,
    /// When the STS token expires (from [`Secret::expires_at`]).
    pub token_expires_at: Option<i64>,
    /// The names listed in `SignedHeaders`, as listed.
    pub signed_headers: Vec<String>,
    /// The `x-acs-date` value (not yet parsed).
    pub date: String,
    /// The `x-acs-signature-nonce` value.
    pub nonce: String,
    /// The server's canonical request (invalid UTF-8 shown as U+FFFD).
    pub canonical_request: String,
    /// The server's string to sign.
    pub string_to_sign: String,
}

/// The clock and replay checks of fc-api.md §10.6.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Reject when |now − `x-acs-date`| exceeds this; `None` disables the clock check (and the
    /// date-format check). Default [`DEFAULT_MAX_SKEW`].
    pub max_skew: Option<Duration>,
    /// Reject a repeated (`Credential`, nonce) pair. Default `true`.
    pub check_nonce: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            max_skew: Some(DEFAULT_MAX_SKEW),
            check_nonce: true,
        }
    }
}

impl VerifyOptions {
    /// Both checks off: for replaying fixed-date vectors (how-vectors-were-made.md §8).
    pub fn replay() -> Self {
        Self {
            max_skew: None,
            check_nonce: false,
        }
    }
}

/// Remembers nonces for replay detection.
pub trait NonceStore {
    /// Records (`access_key_id`, `nonce`) as seen at `now` (Unix seconds). Returns `false` when
    /// the pair was already recorded (a replay), `true` otherwise.
    fn remember(&mut self, access_key_id: &str, nonce: &str, now: i64) -> bool;
}

/// An in-memory [`NonceStore`]: forgets a nonce `ttl` after it was seen (keep `ttl` at least the
/// clock window so a nonce cannot be replayed while its date is still accepted) and, beyond
/// `capacity` entries, the oldest ones.
#[derive(Clone, Debug)]
pub struct MemoryNonceStore {
    ttl_secs: i64,
    capacity: usize,
    seen: HashSet<(String, String)>,
    order: VecDeque<(i64, (String, String))>,
}

impl Default for MemoryNonceStore {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_SKEW)
    }
}

impl MemoryNonceStore {
    /// Default capacity: 200 000 nonces.
    pub const DEFAULT_CAPACITY: usize = 200_000;

    /// A store remembering nonces for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl_secs: i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX),
            capacity: Self::DEFAULT_CAPACITY,
            seen: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    /// The same store holding at most `capacity` (at least 1) nonces.
    #[must_use]
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// How many nonces are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    fn forget_oldest(&mut self) {
        if let Some((_, key)) = self.order.pop_front() {
            self.seen.remove(&key);
        }
    }
}

impl NonceStore for MemoryNonceStore {
    fn remember(&mut self, access_key_id: &str, nonce: &str, now: i64) -> bool {
        while let Some((seen_at, _)) = self.order.front() {
            if now.saturating_sub(*seen_at) <= self.ttl_secs {
                break;
            }
            self.forget_oldest();
        }
        let key = (access_key_id.to_owned(), nonce.to_owned());
        if self.seen.contains(&key) {
            return false;
        }
        while self.seen.len() >= self.capacity && !self.order.is_empty() {
            self.forget_oldest();
        }
        self.seen.insert(key.clone());
        self.order.push_back((now, key));
        true
    }
}

/// Why a request was refused. [`VerifyError::code`] and [`VerifyError::status`] give the FC
/// error `Code` and HTTP status (fc-api.md §8.2, §10.3, §10.6); `Display` is the message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `Authorization` header.
    #[error("the Authorization header is missing")]
    MissingAuthorization,
    /// `Authorization` not parseable (or sent more than once, or not UTF-8).
    #[error("invalid Authorization header: {0}")]
    MalformedAuthorization(String),
    /// `ACS3-HMAC-SM3` / `ACS3-RSA-SHA256`: valid ACS3 algorithms sdls does not implement.
    #[error("signature algorithm '{0}' is not supported, use ACS3-HMAC-SHA256")]
    UnsupportedAlgorithm(String),
    /// The lookup knows no such AccessKey id.
    #[error("invalid access key ID '{0}'")]
    InvalidAccessKeyId(String),
    /// A required header is absent.
    #[error("required header '{0}' is missing")]
    MissingRequiredHeader(&'static str),
    /// A required header is present but not listed in `SignedHeaders`.
    #[error("required header '{0}' is not listed in SignedHeaders")]
    HeaderNotSigned(&'static str),
    /// A header listed in `SignedHeaders` was not received.
    #[error("header '{0}' is listed in SignedHeaders but was not received")]
    SignedHeaderMissing(String),
    /// `x-acs-content-sha256` is not the SHA-256 of the received body.
    #[error("x-acs-content-sha256 does not match the SHA-256 of the request body")]
    ContentSha256Mismatch,
    /// `x-acs-security-token` missing for a temporary key, present for a permanent one, or wrong.
    #[error("the security token included in the request is invalid")]
    InvalidSecurityToken,
    /// The temporary key's token has expired.
    #[error("the security token included in the request is expired")]
    ExpiredToken,
    /// The signature does not match; carries the server's string to sign and canonical request
    /// (for logs; the OpenAPI gateway echoes its string to sign the same way).
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your access key and signing method"
    )]
    SignatureNotMatch {
        /// The server's string to sign.
        string_to_sign: String,
        /// The server's canonical request.
        canonical_request: String,
    },
    /// `x-acs-date` is not `YYYY-MM-DDTHH:MM:SSZ`.
    #[error("x-acs-date '{0}' is not of the form YYYY-MM-DDTHH:MM:SSZ")]
    InvalidDate(String),
    /// `x-acs-date` is outside the clock window.
    #[error("the difference between the request time '{date}' and the server's time is too large")]
    RequestTimeTooSkewed {
        /// The request's `x-acs-date`.
        date: String,
    },
    /// The nonce was already used with this AccessKey.
    #[error("the signature nonce '{0}' has already been used")]
    SignatureNonceUsed(String),
}

impl VerifyError {
    /// The FC error `Code` of the JSON error body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAuthorization
            | Self::MalformedAuthorization(_)
            | Self::HeaderNotSigned(_)
            | Self::SignedHeaderMissing(_)
            | Self::ContentSha256Mismatch
            | Self::SignatureNotMatch { .. } => "SignatureNotMatch",
            Self::UnsupportedAlgorithm(_) | Self::InvalidDate(_) => "InvalidArgument",
            Self::InvalidAccessKeyId(_) => "InvalidAccessKeyID",
            Self::MissingRequiredHeader(_) => "MissingRequiredHeader",
            Self::InvalidSecurityToken => "InvalidSecurityToken",
            Self::ExpiredToken => "ExpiredToken",
            Self::RequestTimeTooSkewed { .. } => "RequestTimeTooSkewed",
            Self::SignatureNonceUsed(_) => "SignatureNonceUsed",
        }
    }

    /// The HTTP status: 400 for a malformed request, 403 for an authentication failure.
    pub fn status(&self) -> u16 {
        match self {
            Self::UnsupportedAlgorithm(_)
            | Self::InvalidDate(_)
            | Self::MissingRequiredHeader(_) => 400,
            _ => 403,
        }
    }
}

/// Checks a received request's signature (fc-api.md §10.3 steps 1–5): parses `Authorization`,
/// looks up the secret by AccessKey id, requires `host`, `x-acs-date`, `x-acs-signature-nonce`
/// and `x-acs-content-sha256` present and signed, checks the STS token and the body hash, rebuilds
/// the canonical request from the method, the raw request-target and exactly the signed headers,
/// and compares signatures in constant time. Time and nonce are left to
/// [`Verified::check_freshness`]; [`verify`] does both.
pub fn verify_signature(
    request: &ReceivedRequest<'_>,
    lookup: impl FnOnce(&str) -> Option<Secret>,
) -> Result<Verified, VerifyError> {
    // 1. Authorization.
    let mut auth_values = request
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(AUTHORIZATION));
    let auth = match (auth_values.next(), auth_values.next()) {
        (None, _) => return Err(VerifyError::MissingAuthorization),
        (Some(_), Some(_)) => {
            return Err(VerifyError::MalformedAuthorization(
                "more than one Authorization header".to_owned(),
            ));
        }
        (Some((_, value)), None) => std::str::from_utf8(value).map_err(|_| {
            VerifyError::MalformedAuthorization("the value is not UTF-8".to_owned())
        })?,
    };
    let auth = parse_authorization(auth)?;
    let signed: Vec<&str> = auth.signed_headers.split(';').collect();
    if signed.iter().any(|name| name.is_empty()) {
        return Err(VerifyError::MalformedAuthorization(
            "SignedHeaders has an empty name".to_owned(),
        ));
    }

    // 2. The secret.
    let secret = lookup(auth.credential)
        .ok_or_else(|| VerifyError::InvalidAccessKeyId(echo(auth.credential).to_owned()))?;

    // 3. Required headers, present and signed.
    for name in REQUIRED_SIGNED_HEADERS {
        if request.value(name).is_none() {
            return Err(VerifyError::MissingRequiredHeader(name));
        }
    }
    for name in REQUIRED_SIGNED_HEADERS {
        if !signed.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            return Err(VerifyError::HeaderNotSigned(name));
        }
    }

    // The STS token must be exactly the one issued with a temporary key, and absent otherwise.
    match (request.value(X_ACS_SECURITY_TOKEN), &secret.security_token) {
        (None, None) => {}
        (Some(sent), Some(issued)) if constant_time_eq(&sent, issued.as_bytes()) => {}
        _ => return Err(VerifyError::InvalidSecurityToken),
    }

    // 4. Body hash.
    let content_sha256 = sha256_hex(request.body);
    if request.value(X_ACS_CONTENT_SHA256).as_deref() != Some(content_sha256.as_bytes()) {
        return Err(VerifyError::ContentSha256Mismatch);
    }

    // 5. Canonical request and signature.
    let mut canonical_headers = Vec::new();
    for name in &signed {
        let values = request.values(name);
        if values.is_empty() {
            return Err(VerifyError::SignedHeaderMissing(echo(name).to_owned()));
        }
        canonical_headers.extend_from_slice(name.as_bytes());
        canonical_headers.push(b':');
        canonical_headers.extend_from_slice(&values.join(&b','));
        canonical_headers.push(b'\n');
    }
    let (path, query) = split_target(request.target);
    let canonical = canonical_request_bytes(
        request.method.as_bytes(),
        path.as_bytes(),
        &canonical_query_from_wire_bytes(query.unwrap_or("")),
        &canonical_headers,
        auth.signed_headers.as_bytes(),
        &content_sha256,
    );
    let string_to_sign = string_to_sign(&canonical);
    let canonical_request = String::from_utf8_lossy(&canonical).into_owned();
    let matches = hex::decode(auth.signature).is_ok_and(|provided| {
        hmac_sha256_mac(secret.secret.as_bytes(), string_to_sign.as_bytes())
            .verify_slice(&provided)
            .is_ok()
    });
    if !matches {
        return Err(VerifyError::SignatureNotMatch {
            string_to_sign,
            canonical_request,
        });
    }

    let text = |name: &str| {
        request
            .value(name)
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    };
    Ok(Verified {
        access_key_id: auth.credential.to_owned(),
        sts: secret.security_token.is_some(),
        token_expires_at: secret.expires_at,
        signed_headers: signed.iter().map(|s| (*s).to_owned()).collect(),
        date: text(X_ACS_DATE),
        nonce: text(X_ACS_SIGNATURE_NONCE),
        canonical_request,
        string_to_sign,
    })
}

impl Verified {
    /// The checks that depend on time and history (fc-api.md §10.6), in this order: the STS
    /// token's expiry against `now`; when `options.max_skew` is set, the `x-acs-date` format and
    /// window; when `options.check_nonce`, the nonce is recorded in `nonces` and a repeat refused.
    /// `now` is Unix seconds.
    pub fn check_freshness<N: NonceStore + ?Sized>(
        &self,
        now: i64,
        nonces: &mut N,
        options: &VerifyOptions,
    ) -> Result<(), VerifyError> {
        if self.token_expires_at.is_some_and(|expires| now >= expires) {
            return Err(VerifyError::ExpiredToken);
        }
        if let Some(max_skew) = options.max_skew {
            let date = parse_acs_date(&self.date)
                .ok_or_else(|| VerifyError::InvalidDate(echo(&self.date).to_owned()))?;
            if now.abs_diff(date) > max_skew.as_secs() {
                return Err(VerifyError::RequestTimeTooSkewed {
                    date: self.date.clone(),
                });
            }
        }
        if options.check_nonce && !nonces.remember(&self.access_key_id, &self.nonce, now) {
            return Err(VerifyError::SignatureNonceUsed(
                echo(&self.nonce).to_owned(),
            ));
        }
        Ok(())
    }
}

/// [`verify_signature`], then [`Verified::check_freshness`] — the nonce is only recorded for a
/// correctly signed, timely request, so forged requests cannot burn nonces.
pub fn verify<N: NonceStore + ?Sized>(
    request: &ReceivedRequest<'_>,
    lookup: impl FnOnce(&str) -> Option<Secret>,
    now: i64,
    nonces: &mut N,
    options: &VerifyOptions,
) -> Result<Verified, VerifyError> {
    let verified = verify_signature(request, lookup)?;
    verified.check_freshness(now, nonces, options)?;
    Ok(verified)
}

/// Equality whose time depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// At most [`ECHO_LIMIT`] bytes of `text` (cut on a char boundary), for error messages.
fn echo(text: &str) -> &str {
    if text.len() <= ECHO_LIMIT {
        return text;
    }
    let mut end = ECHO_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Case 2: short key.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Case 6: a 131-byte key, longer than the block, is hashed first.
        assert_eq!(
            hex::encode(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        // Exactly one block.
        let key = [0x0b; 64];
        let mut reference = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        reference.update(b"x");
        assert_eq!(
            hmac_sha256(&key, b"x")[..],
            reference.finalize().into_bytes()[..]
        );
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_acs_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_acs_date("2025-01-15T08:30:00Z"), Some(1_736_929_800));
        assert_eq!(parse_acs_date("2000-02-29T23:59:59Z"), Some(951_868_799));
        for bad in [
            "2025-01-15T08:30:00",
            "2025-01-15 08:30:00Z",
            "2025-13-15T08:30:00Z",
            "2023-02-29T00:00:00Z",
            "2025-01-15T24:00:00Z",
            "2025-01-15T08:30:60Z",
            "2025-01-15T08:30:00.0Z",
            "+025-01-15T08:30:00Z",
            "２025-01-15T08:30:00Z",
            "",
        ] {
            assert_eq!(parse_acs_date(bad), None, "{bad}");
        }
        for secs in [
            0,
            1,
            86_399,
            951_868_799,
            1_736_929_800,
            4_102_444_799,
            253_402_300_799,
        ] {
            assert_eq!(parse_acs_date(&format_acs_date(secs)), Some(secs), "{secs}");
        }
        assert_eq!(format_acs_date(-1), "1969-12-31T23:59:59Z");
        let _ = format_acs_date(i64::MIN);
        let _ = format_acs_date(i64::MAX);
    }

    #[test]
    fn targets_split() {
        assert_eq!(split_target("/a/b?x=1&y"), ("/a/b", Some("x=1&y")));
        assert_eq!(split_target("http://h:1/a?x=1?2"), ("/a", Some("x=1?2")));
        assert_eq!(split_target("HTTPS://h"), ("", None));
        assert_eq!(split_target("http://h?q"), ("", Some("q")));
        assert_eq!(split_target("/x://y"), ("/x://y", None));
        assert_eq!(split_target("*"), ("*", None));
    }

    #[test]
    fn query_forms() {
        let pairs = vec![
            ("b".to_owned(), "a b+c".to_owned()),
            ("a".to_owned(), String::new()),
        ];
        assert_eq!(wire_query(&pairs), "b=a%20b%2Bc&a=");
        assert_eq!(form_query(&pairs), "b=a+b%2Bc&a=");
        assert_eq!(canonical_query(&pairs), "a=&b=a%20b%2Bc");
        assert_eq!(canonical_query_from_wire("b=a+b%2Bc&a"), "a=&b=a%20b%2Bc");
        assert_eq!(canonical_query_from_wire("&&b=%ff%zz%"), "b=%FF%25zz%25");
        assert_eq!(
            parse_query("x=%ff"),
            vec![("x".to_owned(), "\u{fffd}".to_owned())]
        );
    }

    #[test]
    fn nonce_store_forgets_after_ttl_and_capacity() {
        let mut store = MemoryNonceStore::new(Duration::from_secs(10)).with_capacity(2);
        assert!(store.remember("k", "n1", 0));
        assert!(!store.remember("k", "n1", 5));
        assert!(store.remember("other", "n1", 5));
        assert!(store.remember("k", "n2", 6)); // evicts the oldest (k, n1)
        assert_eq!(store.len(), 2);
        assert!(store.remember("k", "n1", 7));
        assert!(store.remember("k", "n3", 100)); // everything older expired
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn debug_redacts() {
        let key = AccessKey::sts("id", "s3cr3t", "t0k3n");
        let shown = format!("{key:?}");
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("t0k3n"),
            "{shown}"
        );
        let shown = format!("{:?}", Secret::sts("s3cr3t", "t0k3n"));
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("t0k3n"),
            "{shown}"
        );
        let signed = sign(
            &Request::new("GET", "h", "/"),
            &key,
            "2025-01-15T08:30:00Z",
            "n",
            SignedHeaderSet::All,
        );
        let shown = format!("{signed:?}");
        assert!(
            !shown.contains("t0k3n") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }
}
