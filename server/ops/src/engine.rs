//! The drift engine: reads the remote of many functions with bounded concurrency (D24: the bound
//! counts functions in flight), caches each function's snapshot with a TTL, and turns file +
//! baseline + remote into verdicts.
