//! dkimctl: set up and troubleshoot DKIM (RFC 6376, RFC 8301, RFC 8463).
//!
//! The library owns every decision: splitting raw messages, the tag-list
//! grammar, canonicalization, signing, verification and key handling. It
//! never prints and never exits; the `dkimctl` binary renders what it
//! returns and picks the exit code.
//!
//! The layers, bottom up:
//! - [`message`] splits raw bytes into header fields and a body.
//! - [`tag_list`] parses RFC 6376 §3.2 tag lists, which [`signature`]
//!   (DKIM-Signature fields) and [`record`] (key records) build on.
//! - [`canon`] canonicalizes header fields and streams the body hash.
//! - [`key`] loads private keys; [`crypto`] is the seam to the crypto backend.
//! - [`dns`] is the one DNS seam, answered by live DNS or by zone data.
//! - [`key_source`] serves key records from DNS, a zone file or a literal.
//! - [`sign`] and [`verify`] put it all together.
//! - [`inspect`] explains each signature: [`align`] (From alignment,
//!   provider signatures), [`auth_results`] (what earlier verifiers said)
//!   and [`forensics`] (what changed when a hash fails), as [`finding`]s.
//! - [`records`], [`keygen`] and [`key_check`] are the set-up half: DNS
//!   record sets, new keys, and keys checked before they are uploaded.
//! - [`diagnose`] reads a domain's DKIM set-up from live DNS and judges it
//!   with [`checks`]; [`zone`] reads zone files line by line, for `lint`
//!   and for the zone key source behind every `--zone`.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]
#![warn(missing_docs)]

pub mod align;
pub mod auth_results;
pub mod canon;
pub mod checks;
pub mod crypto;
pub mod diagnose;
pub mod dns;
pub mod error;
pub mod finding;
pub mod forensics;
pub mod inspect;
pub mod key;
pub mod key_check;
pub mod key_source;
pub mod keygen;
pub mod lint;
pub mod message;
pub mod record;
pub mod records;
pub mod sign;
pub mod signature;
pub mod tag_list;
pub mod verify;
pub mod zone;

pub use error::Error;
