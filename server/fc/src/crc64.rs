//! CRC-64/XZ, the checksum Function Compute reports as a function's `codeChecksum` (and accepts as
//! `code.checksum`): ECMA-182 polynomial, reflected, init and xor-out all ones, written as the
//! decimal string of the `u64` (crates.md §4.5; devsapp/fc3 uses npm `crc64-ecma182.js`).
//!
//! The check value: `"123456789"` → `"11051210869376104954"`. Beware the `crc` crate's
//! `CRC_64_ECMA_182` constant: despite the name it is a different (non-reflected) variant.

use std::io::{self, Read, Write};

/// The CRC-64/XZ engine (table-driven, one 256-entry table).
static CRC64_XZ: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_XZ);

/// CRC-64/XZ of `bytes`.
#[must_use]
pub fn checksum(bytes: &[u8]) -> u64 {
    CRC64_XZ.checksum(bytes)
}

/// CRC-64/XZ of `bytes` as FC's `codeChecksum` decimal string.
#[must_use]
pub fn checksum_decimal(bytes: &[u8]) -> String {
    checksum(bytes).to_string()
}

/// CRC-64/XZ of everything `reader` yields, read in 64 KiB chunks.
///
/// # Errors
/// The reader's I/O error (interrupted reads are retried).
pub fn checksum_reader<R: Read>(mut reader: R) -> io::Result<u64> {
    let mut hasher = Crc64::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(hasher.value()),
            Ok(n) => hasher.update(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Incremental CRC-64/XZ: feed chunks with [`Crc64::update`] (or as an [`io::Write`] sink, e.g.
/// with [`io::copy`]); the result equals [`checksum`] of the concatenation.
#[derive(Clone)]
pub struct Crc64 {
    digest: crc::Digest<'static, u64>,
}

impl Crc64 {
    /// A fresh checksum over zero bytes.
    #[must_use]
    pub fn new() -> Self {
        Self {
            digest: CRC64_XZ.digest(),
        }
    }

    /// Adds `bytes` to the checksum.
    pub fn update(&mut self, bytes: &[u8]) {
        self.digest.update(bytes);
    }

    /// The checksum of everything added so far (the hasher can keep going).
    #[must_use]
    pub fn value(&self) -> u64 {
        self.digest.clone().finalize()
    }

    /// The checksum of everything added so far, as FC's `codeChecksum` decimal string.
    #[must_use]
    pub fn decimal(&self) -> String {
        self.value().to_string()
    }
}

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Crc64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crc64")
            .field("value", &self.value())
            .finish()
    }
}

impl Write for Crc64 {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(checksum_decimal(b"123456789"), "11051210869376104954");
        assert_eq!(checksum(b""), 0);
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let mut h = Crc64::new();
        for chunk in data.chunks(7_777) {
            h.update(chunk);
        }
        assert_eq!(h.value(), checksum(&data));
        assert_eq!(
            checksum_reader(std::io::Cursor::new(&data)).unwrap(),
            checksum(&data)
        );
    }
}
