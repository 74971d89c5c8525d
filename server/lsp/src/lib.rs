//! sdls language server.
