//! dkimctl: set up and troubleshoot DKIM (RFC 6376, RFC 8301, RFC 8463).
//!
//! The library owns every decision; it never prints and never exits. The
//! `dkimctl` binary renders what it returns and picks the exit code.
//!
//! The rooms, bottom up:
//! - [`input`] reads what the user names, up to a limit, errors in words.
//! - [`zone`] reads zone files (master files and Route 53 JSON).
//! - [`dns`] is the one DNS seam, answered by live DNS or by zone data.
//! - [`key`] loads, generates and checks keys over the crypto backend.
//! - [`dkim`] is the protocol: messages, tag lists, signatures, key
//!   records, canonicalization, signing and verification.
//! - [`records`] builds the DNS record sets a domain publishes.
//! - [`diagnosis`] judges set-ups and messages as findings: `diagnose`,
//!   `lint`, `inspect` and their shared checks.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]
#![warn(missing_docs)]

pub mod arc;
pub mod diagnosis;
pub mod dkim;
pub mod dns;
pub mod error;
pub mod input;
pub mod key;
pub mod records;
pub mod ses;
pub mod zone;

pub use error::Error;

/// The bytes of `fixtures/<path>`, for unit tests.
#[cfg(test)]
pub(crate) fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}
