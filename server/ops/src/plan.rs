//! The report `sdls plan` prints and `sdls/driftStatus` returns: per function the status, the
//! field differences and the code state, in the JSON shape of issue 5 / docs.
