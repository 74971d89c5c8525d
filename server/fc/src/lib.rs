//! Function Compute 3.0 (API 2023-03-30): ACS3-HMAC-SHA256 signing and verification (pure: the
//! time and nonce are arguments), credentials as Serverless Devs finds them, endpoints, and
//! deterministic code packaging with its CRC-64 checksum. The typed HTTP client comes next.

pub mod credentials;
pub mod crc64;
pub mod endpoint;
pub mod package;
pub mod sign;
