//! A local Function Compute 3.0-compatible server (fc-api.md §14): the management API with the
//! real wire shapes and error codes, ACS3 signature verification, persistence that survives
//! restarts and `kill -9`, fault injection, a request log, and function execution (python,
//! nodejs and custom runtimes). It runs as its own process (`sdls emulator`, D19); sdls's
//! other crates know it by URL only.

pub mod exec;
