//! Function Compute 3.0 (API 2023-03-30): ACS3-HMAC-SHA256 signing and verification (pure: the
//! time and nonce are arguments), credentials as Serverless Devs finds them, endpoints, and
//! deterministic code packaging with its CRC-64 checksum, FC's error shape, the wire types, and a typed async
//! client with retries that never repeat non-idempotent calls.

pub mod client;
pub mod crc64;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod package;
pub mod sign;
pub mod types;
