//! Keys: decoded from files ([`decode`]), loaded from them and from key
//! records' p= ([`load`]), handed to the
//! crypto backend ([`crypto`]), generated ([`generate`]) and checked before
//! an upload or against what is published ([`check`]).

pub mod check;
pub mod crypto;
pub mod decode;
pub mod generate;
pub mod load;

pub use load::{load_private_key, load_public_key, public_key_record, signing_key};

use pkcs8::der::asn1::ObjectIdentifier;
use thiserror::Error;

/// rsaEncryption (RFC 8017).
pub(crate) const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-Ed25519 (RFC 8410).
pub(crate) const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// Why a key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is encrypted with a passphrase.
    #[error("the private key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)")]
    Encrypted,
    /// A public key was given where a private key is needed.
    #[error("this is a public key; signing needs the private key")]
    PublicNotPrivate,
    /// A private key was given where a public key is needed.
    #[error("this is a private key; a public key was expected")]
    PrivateNotPublic,
    /// The file holds no key: what the decoder found wrong with it.
    #[error(transparent)]
    Decode(#[from] decode::DecodeError),
    /// A key of an algorithm DKIM does not use, named ("an EC (ECDSA) key").
    #[error("{0}: DKIM signs with RSA (k=rsa) or Ed25519 (k=ed25519)")]
    UnsupportedAlgorithm(String),
    /// The RSA key is shorter than RFC 8301 allows.
    #[error("the RSA key has {bits} bits; RFC 8301 requires at least 1024")]
    TooShort {
        /// Modulus size.
        bits: usize,
    },
    /// The key structure decoded but the key itself is unusable.
    #[error("the key is invalid: {0}")]
    Invalid(String),
}

/// What is wrong with base64 text, in words (the base64 crate's own
/// messages read "Invalid symbol 33, offset 0").
pub(crate) fn base64_problem(error: &base64::DecodeError) -> String {
    use base64::DecodeError as E;
    match error {
        E::InvalidByte(offset, byte) => format!(
            "character {} at position {} is not base64",
            char::from(*byte).escape_default(),
            offset + 1
        ),
        E::InvalidLength(length) => format!("{length} base64 characters cannot encode whole bytes"),
        E::InvalidLastSymbol { offset, .. } => {
            format!(
                "the last character (position {}) leaves stray bits",
                offset + 1
            )
        }
        E::InvalidPadding => "the = padding is wrong".into(),
    }
}

/// Why the signing library refused a key, in words (it says "TooLarge").
pub(crate) fn rejected(what: &str, error: &dyn std::fmt::Display) -> KeyError {
    let reason = match error.to_string().as_str() {
        "TooLarge" => "it is larger than the signing library accepts (8192 bits)".to_string(),
        "TooSmall" => "it is smaller than the signing library accepts".to_string(),
        "InvalidEncoding" => "its DER encoding is not valid".to_string(),
        "InconsistentComponents" => "its numbers do not form a consistent key".to_string(),
        "WrongAlgorithm" => "it is a key of another algorithm".to_string(),
        "UnsupportedAlgorithm" => "its algorithm is not supported".to_string(),
        "PublicKeyIsMissing" => "the public half is missing".to_string(),
        other => other.to_string(),
    };
    KeyError::Invalid(format!("{what}: {reason}"))
}

/// The bit length of a big-endian unsigned integer.
pub(crate) fn bit_length(be: &[u8]) -> usize {
    let be = &be[be.iter().position(|&b| b != 0).unwrap_or(be.len())..];
    be.first()
        .map_or(0, |&b| be.len() * 8 - b.leading_zeros() as usize)
}
