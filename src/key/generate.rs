//! Key generation: a new RSA (1024/2048/3072/4096) or Ed25519 signing key,
//! its private key encodings (PKCS#8 or PKCS#1 PEM, and the one-line
//! base64 form BYODKIM upload forms want) and the key record to publish.
//!
//! aws-lc-rs generates every key it can (RSA 2048 to 4096, Ed25519): the
//! same constant-time backend that signs, see [`crate::key::crypto`]. It has no
//! 1024-bit RSA, which RFC 8301 still allows and Amazon SES BYODKIM
//! accepts, so the `rsa` crate makes those.
//!
//! Every key is loaded back through [`crate::key::load_private_key`] before
//! it is returned, and the record computed from the generator's public key
//! must equal the one the loaded key needs: what is written is what signs.

use crate::key::{KeyError, load_private_key};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::signature::KeyPair;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use pkcs8::der::SecretDocument;
use pkcs8::der::zeroize::Zeroizing;
use pkcs8::{LineEnding, PrivateKeyInfoRef};
use thiserror::Error;

/// RSA modulus sizes `keygen` makes.
pub const RSA_BITS: [usize; 4] = [1024, 2048, 3072, 4096];

/// The kind of key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySpec {
    /// RSA with a modulus of this many bits (one of [`RSA_BITS`]).
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// Ed25519 (RFC 8463).
    Ed25519,
}

impl KeySpec {
    /// The key type as k= names it: `rsa` or `ed25519`.
    pub fn key_type(self) -> &'static str {
        match self {
            KeySpec::Rsa { .. } => "rsa",
            KeySpec::Ed25519 => "ed25519",
        }
    }

    /// The RSA modulus size, or `None` for Ed25519.
    pub fn rsa_bits(self) -> Option<usize> {
        match self {
            KeySpec::Rsa { bits } => Some(bits),
            KeySpec::Ed25519 => None,
        }
    }
}

impl std::fmt::Display for KeySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySpec::Rsa { bits } => write!(f, "RSA-{bits}"),
            KeySpec::Ed25519 => f.write_str("Ed25519"),
        }
    }
}

/// How the private key is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrivateKeyFormat {
    /// PKCS#8 PrivateKeyInfo (RFC 5208), PEM label `PRIVATE KEY`.
    #[default]
    Pkcs8,
    /// PKCS#1 RSAPrivateKey (RFC 8017), PEM label `RSA PRIVATE KEY`; RSA only.
    Pkcs1,
}

impl PrivateKeyFormat {
    /// The PEM label of this encoding.
    pub fn pem_label(self) -> &'static str {
        match self {
            PrivateKeyFormat::Pkcs8 => "PRIVATE KEY",
            PrivateKeyFormat::Pkcs1 => "RSA PRIVATE KEY",
        }
    }

    /// The name used in reports: `pkcs8` or `pkcs1`.
    pub fn name(self) -> &'static str {
        match self {
            PrivateKeyFormat::Pkcs8 => "pkcs8",
            PrivateKeyFormat::Pkcs1 => "pkcs1",
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeygenOptions {
    /// Key type and size.
    pub key: KeySpec,
    /// Encoding of the private key.
    pub format: PrivateKeyFormat,
}

impl KeygenOptions {
    /// Checks that the options can be honoured, before any costly work.
    pub fn validate(&self) -> Result<(), KeygenError> {
        match self.key {
            KeySpec::Rsa { bits } if !RSA_BITS.contains(&bits) => {
                Err(KeygenError::UnsupportedSize(bits))
            }
            KeySpec::Ed25519 if self.format == PrivateKeyFormat::Pkcs1 => {
                Err(KeygenError::Pkcs1NeedsRsa)
            }
            _ => Ok(()),
        }
    }
}

/// Why a key could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeygenError {
    /// An RSA size other than 1024, 2048, 3072 or 4096 bits.
    #[error("RSA keys are generated with 1024, 2048, 3072 or 4096 bits, not {0}")]
    UnsupportedSize(usize),
    /// PKCS#1 was asked for an Ed25519 key.
    #[error("PKCS#1 holds only RSA keys; Ed25519 keys are written as PKCS#8")]
    Pkcs1NeedsRsa,
    /// The backend failed to generate or encode the key.
    #[error("key generation failed: {0}")]
    Backend(String),
    /// The generated key did not load back, or needs another record than
    /// the one computed for it (a bug).
    #[error("the generated key does not load back as expected: {0}")]
    SelfCheck(String),
}

impl From<KeyError> for KeygenError {
    fn from(err: KeyError) -> Self {
        KeygenError::SelfCheck(err.to_string())
    }
}

/// A freshly generated key. Its private parts are zeroized on drop and
/// never appear in `Debug` output.
pub struct GeneratedKey {
    spec: KeySpec,
    format: PrivateKeyFormat,
    /// The private key in `format`, DER.
    der: SecretDocument,
    /// The same as PEM.
    pem: Zeroizing<String>,
    /// `v=DKIM1; k=...; p=...`.
    record: String,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("spec", &self.spec)
            .field("format", &self.format)
            .field("record", &self.record)
            .finish_non_exhaustive()
    }
}

impl GeneratedKey {
    /// The key type and size.
    pub fn spec(&self) -> KeySpec {
        self.spec
    }

    /// The encoding of [`GeneratedKey::pem`] and [`GeneratedKey::byodkim`].
    pub fn format(&self) -> PrivateKeyFormat {
        self.format
    }

    /// The key record to publish: `v=DKIM1; k=rsa; p=...`.
    pub fn record(&self) -> &str {
        &self.record
    }

    /// The private key as DER in the chosen format.
    pub fn der(&self) -> &[u8] {
        self.der.as_bytes()
    }

    /// The private key as PEM in the chosen format (64-column lines, LF).
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The one-line form BYODKIM upload forms (Amazon SES) want: the PEM
    /// body without its header, footer or line breaks, i.e. the base64 of
    /// the DER.
    pub fn byodkim(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE64.encode(self.der.as_bytes()))
    }
}

/// Generates a key as `options` say, checks that it loads back and signs
/// with the record computed for it, and returns it.
pub fn generate(options: &KeygenOptions) -> Result<GeneratedKey, KeygenError> {
    options.validate()?;
    let (pkcs8, public_key) = match options.key {
        KeySpec::Rsa { bits: 1024 } => rsa_legacy_1024()?,
        KeySpec::Rsa { bits } => rsa_aws_lc(bits)?,
        KeySpec::Ed25519 => ed25519()?,
    };
    let record = format!(
        "v=DKIM1; k={}; p={}",
        options.key.key_type(),
        BASE64.encode(&public_key)
    );
    let der = match options.format {
        PrivateKeyFormat::Pkcs8 => pkcs8,
        PrivateKeyFormat::Pkcs1 => {
            // PrivateKeyInfo.privateKey of an RSA key is the PKCS#1
            // RSAPrivateKey DER (RFC 8017 appendix A.1.2).
            let info = PrivateKeyInfoRef::try_from(pkcs8.as_bytes())
                .map_err(|e| KeygenError::Backend(format!("PKCS#8: {e}")))?;
            SecretDocument::try_from(info.private_key.as_bytes())
                .map_err(|e| KeygenError::Backend(format!("PKCS#1: {e}")))?
        }
    };
    let pem = der
        .to_pem(options.format.pem_label(), LineEnding::LF)
        .map_err(|e| KeygenError::Backend(format!("PEM: {e}")))?;
    let key = GeneratedKey {
        spec: options.key,
        format: options.format,
        der,
        pem,
        record,
    };
    self_check(&key)?;
    Ok(key)
}

/// Loads the PEM and the one-line form back and compares what they need
/// with what was computed.
fn self_check(key: &GeneratedKey) -> Result<(), KeygenError> {
    for (what, text) in [("PEM", key.pem()), ("one-line base64", &key.byodkim())] {
        let loaded = load_private_key(text.as_bytes())?;
        if loaded.key_record() != key.record || loaded.rsa_bits() != key.spec.rsa_bits() {
            return Err(KeygenError::SelfCheck(format!(
                "the {what} form needs the record {} ({:?} bits), not {} ({:?} bits)",
                loaded.key_record(),
                loaded.rsa_bits(),
                key.record,
                key.spec.rsa_bits()
            )));
        }
    }
    Ok(())
}

/// RSA 2048/3072/4096 with aws-lc-rs: PKCS#8 DER and SubjectPublicKeyInfo DER.
fn rsa_aws_lc(bits: usize) -> Result<(SecretDocument, Vec<u8>), KeygenError> {
    use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
    let size = match bits {
        2048 => KeySize::Rsa2048,
        3072 => KeySize::Rsa3072,
        4096 => KeySize::Rsa4096,
        other => return Err(KeygenError::UnsupportedSize(other)),
    };
    let failed =
        |e: aws_lc_rs::error::Unspecified| KeygenError::Backend(format!("RSA-{bits}: {e}"));
    let pair = RsaKeyPair::generate(size).map_err(failed)?;
    let pkcs8 = AsDer::<Pkcs8V1Der>::as_der(&pair).map_err(failed)?;
    let public = AsDer::<PublicKeyX509Der>::as_der(pair.public_key()).map_err(failed)?;
    Ok((secret(pkcs8.as_ref())?, public.as_ref().to_vec()))
}

/// Ed25519 with aws-lc-rs: PKCS#8 v1 DER (the form OpenSSL writes, without
/// the optional public key) and the 32 raw public key bytes (RFC 8463 §4).
fn ed25519() -> Result<(SecretDocument, Vec<u8>), KeygenError> {
    use aws_lc_rs::signature::Ed25519KeyPair;
    let failed = |e: aws_lc_rs::error::Unspecified| KeygenError::Backend(format!("Ed25519: {e}"));
    let pair = Ed25519KeyPair::generate().map_err(failed)?;
    let pkcs8 = pair.to_pkcs8v1().map_err(failed)?;
    Ok((secret(pkcs8.as_ref())?, pair.public_key().as_ref().to_vec()))
}

/// RSA-1024 with the `rsa` crate (aws-lc-rs does not make keys under 2048
/// bits). The key is used only to be encoded; signing with it later goes
/// through [`crate::key::crypto`] like any loaded key.
fn rsa_legacy_1024() -> Result<(SecretDocument, Vec<u8>), KeygenError> {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
    let failed = |e: &dyn std::fmt::Display| KeygenError::Backend(format!("RSA-1024: {e}"));
    let mut rng = AwsLcRng::new().map_err(|e| failed(&e))?;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::UnwrapErr(&mut rng), 1024)
        .map_err(|e| failed(&e))?;
    let pkcs8 = key.to_pkcs8_der().map_err(|e| failed(&e))?;
    let public = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| failed(&e))?;
    Ok((pkcs8, public.into_vec()))
}

/// The operating system's random source through aws-lc-rs, as the
/// `rand_core` 0.10 RNG the `rsa` crate's key generation takes.
///
/// Why an adapter: `rsa::RsaPrivateKey::new` wants a `rand_core::CryptoRng`;
/// aws-lc-rs's `SystemRandom` does not implement it, and `rand` (whose
/// `rand::rng()` would) is not a dependency. The `rsa` crate re-exports
/// `rand_core` as part of its API, so implementing its two traits over
/// `SystemRandom` adds no crate and draws from the same source as every
/// other key `keygen` makes. (`getrandom::SysRng` would also do, but only as
/// a new direct dependency or through a chain of re-exports from sha2.)
struct AwsLcRng(aws_lc_rs::rand::SystemRandom);

impl AwsLcRng {
    /// The source, after one draw that reports failure as an error rather
    /// than the panic `UnwrapErr` turns later failures into (the OS random
    /// source does not fail once it works).
    fn new() -> Result<AwsLcRng, aws_lc_rs::error::Unspecified> {
        use aws_lc_rs::rand::SecureRandom;
        let rng = aws_lc_rs::rand::SystemRandom::new();
        rng.fill(&mut [0u8; 32])?;
        Ok(AwsLcRng(rng))
    }
}

impl rsa::rand_core::TryRng for AwsLcRng {
    type Error = aws_lc_rs::error::Unspecified;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        aws_lc_rs::rand::SecureRandom::fill(&self.0, dst)
    }
}

impl rsa::rand_core::TryCryptoRng for AwsLcRng {}

fn secret(der: &[u8]) -> Result<SecretDocument, KeygenError> {
    SecretDocument::try_from(der).map_err(|e| KeygenError::Backend(format!("DER: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(key: KeySpec, format: PrivateKeyFormat) -> KeygenOptions {
        KeygenOptions { key, format }
    }

    #[test]
    fn every_kind_loads_back_and_signs() {
        for (spec, format, label) in [
            (
                KeySpec::Rsa { bits: 1024 },
                PrivateKeyFormat::Pkcs8,
                "PRIVATE KEY",
            ),
            (
                KeySpec::Rsa { bits: 1024 },
                PrivateKeyFormat::Pkcs1,
                "RSA PRIVATE KEY",
            ),
            (
                KeySpec::Rsa { bits: 2048 },
                PrivateKeyFormat::Pkcs8,
                "PRIVATE KEY",
            ),
            (
                KeySpec::Rsa { bits: 2048 },
                PrivateKeyFormat::Pkcs1,
                "RSA PRIVATE KEY",
            ),
            (KeySpec::Ed25519, PrivateKeyFormat::Pkcs8, "PRIVATE KEY"),
        ] {
            let key = generate(&options(spec, format)).unwrap();
            let pem = key.pem();
            assert!(
                pem.starts_with(&format!("-----BEGIN {label}-----\n")),
                "{spec}"
            );
            assert!(pem.ends_with(&format!("-----END {label}-----\n")), "{spec}");
            let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
            assert_eq!(body, *key.byodkim(), "{spec}");
            assert_eq!(BASE64.decode(&*key.byodkim()).unwrap(), key.der());
            let loaded = load_private_key(pem.as_bytes()).unwrap();
            assert_eq!(loaded.key_record(), key.record());
            assert_eq!(loaded.rsa_bits(), spec.rsa_bits());
            assert!(
                key.record()
                    .starts_with(&format!("v=DKIM1; k={}; p=", spec.key_type()))
            );
            // Sign and verify through the record.
            let p = key.record().split("p=").nth(1).unwrap();
            let public = crate::key::load_public_key(spec.key_type(), p).unwrap();
            let sig = loaded.sign(b"data").unwrap();
            assert!(public.verify(loaded.algorithm(), b"data", &sig), "{spec}");
        }
    }

    #[test]
    fn two_keys_differ() {
        let o = options(KeySpec::Ed25519, PrivateKeyFormat::Pkcs8);
        assert_ne!(
            generate(&o).unwrap().record(),
            generate(&o).unwrap().record()
        );
    }

    #[test]
    fn refuses_what_it_cannot_make() {
        for (o, err) in [
            (
                options(KeySpec::Ed25519, PrivateKeyFormat::Pkcs1),
                KeygenError::Pkcs1NeedsRsa,
            ),
            (
                options(KeySpec::Rsa { bits: 512 }, PrivateKeyFormat::Pkcs8),
                KeygenError::UnsupportedSize(512),
            ),
            (
                options(KeySpec::Rsa { bits: 8192 }, PrivateKeyFormat::Pkcs8),
                KeygenError::UnsupportedSize(8192),
            ),
        ] {
            assert_eq!(generate(&o).unwrap_err(), err);
        }
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = generate(&options(KeySpec::Ed25519, PrivateKeyFormat::Pkcs8)).unwrap();
        let debug = format!("{key:?}");
        assert!(!debug.contains(&*key.byodkim()), "{debug}");
    }
}
