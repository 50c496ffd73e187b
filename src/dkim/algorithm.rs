//! The algorithms of DKIM (RFC 6376 §3.3, RFC 8301, RFC 8463): a= of a
//! signature and the hash functions key records allow. Below both the
//! signature grammar and canonicalization, which hashes the body with them.

use serde::Serialize;

/// A signing algorithm (a=).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Algorithm {
    /// `rsa-sha256`.
    #[serde(rename = "rsa-sha256")]
    RsaSha256,
    /// `rsa-sha1`: verify only, and refused unless allowed (RFC 8301).
    #[serde(rename = "rsa-sha1")]
    RsaSha1,
    /// `ed25519-sha256` (RFC 8463).
    #[serde(rename = "ed25519-sha256")]
    Ed25519Sha256,
}

impl Algorithm {
    /// The name used in a=.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "rsa-sha256",
            Algorithm::RsaSha1 => "rsa-sha1",
            Algorithm::Ed25519Sha256 => "ed25519-sha256",
        }
    }

    /// Parses a=.
    pub fn parse(s: &str) -> Option<Algorithm> {
        match s.to_ascii_lowercase().as_str() {
            "rsa-sha256" => Some(Algorithm::RsaSha256),
            "rsa-sha1" => Some(Algorithm::RsaSha1),
            "ed25519-sha256" => Some(Algorithm::Ed25519Sha256),
            _ => None,
        }
    }

    /// The hash function: what a key record's h= must allow.
    pub fn hash(self) -> HashAlgorithm {
        match self {
            Algorithm::RsaSha1 => HashAlgorithm::Sha1,
            Algorithm::RsaSha256 | Algorithm::Ed25519Sha256 => HashAlgorithm::Sha256,
        }
    }

    /// The key type: what a key record's k= must say.
    pub fn key_type(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 | Algorithm::RsaSha1 => "rsa",
            Algorithm::Ed25519Sha256 => "ed25519",
        }
    }
}

/// A hash function of DKIM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HashAlgorithm {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl HashAlgorithm {
    /// The name used in key records' h=.
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Sha1 => "sha1",
            HashAlgorithm::Sha256 => "sha256",
        }
    }
}
