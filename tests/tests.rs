//! The integration tests: one binary, one module per area.

// Shared harness: temp dirs, running the built binary, line diffs.
mod util;

// Every case of the shared DKIM conformance corpus, with and without the
// legacy allowances.
mod corpus;

// `dkimctl sign`: output bytes, destinations, batches.
mod sign;
