//! ARC, the Authenticated Received Chain (RFC 8617): intermediaries that
//! change a message (a list footer, a subject tag) vouch for what they saw.
//! Each hop adds an ARC set: its authentication results
//! ([`fields::AuthResults`]), a DKIM-style signature of the message as it
//! leaves ([`fields::MessageSignature`]) and a seal over every set so far
//! ([`fields::Seal`]).
//!
//! [`chain`] collects the sets and checks their structure (§5.2 steps 1-3);
//! [`validate`] decides the chain validation status (§5.2); [`seal`] adds
//! the next set (§5.1). Keys, canonicalization and signature checks are
//! DKIM's own ([`crate::dkim`]), so a rule holds for both alike.

pub mod chain;
pub mod fields;
pub mod results;
pub mod seal;
pub mod validate;

use serde::Serialize;

/// The most ARC sets a message may carry (RFC 8617 §4.2.1).
pub const MAX_INSTANCE: u32 = 50;

/// The chain validation status (cv=, RFC 8617 §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChainStatus {
    /// No chain (or, in a seal, the first set: nothing came before).
    None,
    /// Every seal and the newest message signature verify.
    Pass,
    /// The chain is broken.
    Fail,
}

impl ChainStatus {
    /// The word as cv= writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ChainStatus::None => "none",
            ChainStatus::Pass => "pass",
            ChainStatus::Fail => "fail",
        }
    }

    /// Parses a cv= value (case-insensitive, as RFC 8601 result words are).
    pub fn parse(s: &str) -> Option<ChainStatus> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Some(ChainStatus::None),
            "pass" => Some(ChainStatus::Pass),
            "fail" => Some(ChainStatus::Fail),
            _ => None,
        }
    }
}
