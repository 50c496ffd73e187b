//! The key decoder: what a key file is. Every command that reads a key file
//! (`sign -k`, `records --key`/`--public-key`, `keygen`'s read-back, `key
//! check`) asks [`decode`], so an odd file gets one answer everywhere: its
//! armour (PEM, DER, bare base64), its structure (PKCS#1, PKCS#8, SPKI),
//! its algorithm and size, whether it is private, public or encrypted, or
//! a typed [`DecodeError`] saying what is wrong with it. What a command
//! then accepts (a private key to sign, a public one for a record, the SES
//! upload rules) is decided by its caller.
//!
//! ```text
//! file    = *text pem-block *text       ; the first -----BEGIN block
//!         / DER                         ; binary, starts with SEQUENCE
//!         / base64                      ; a PEM body without armour
//! contents = PrivateKeyInfo (PKCS#8, RFC 5958)
//!          / RSAPrivateKey / RSAPublicKey (PKCS#1, RFC 8017)
//!          / SubjectPublicKeyInfo (RFC 5280)
//!          / EncryptedPrivateKeyInfo (RFC 5958 §3)
//!          / 32 bytes (a raw Ed25519 public key, as p= holds it; base64 only)
//! ```

use super::crypto::ed25519_public_from_seed;
use super::{KeyError, OID_ED25519, OID_RSA, bit_length};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use pkcs8::der::asn1::ObjectIdentifier;
use serde::Serialize;
use thiserror::Error;

/// Private or public half.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// A private key (what signs, and what a BYODKIM upload takes).
    Private,
    /// A public key (what the DNS record publishes).
    Public,
}

/// The key algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAlgorithm {
    /// RSA (k=rsa).
    Rsa,
    /// Ed25519 (k=ed25519, RFC 8463).
    Ed25519,
    /// Not known: encrypted, or an algorithm DKIM does not use.
    Unknown,
}

/// The ASN.1 structure holding the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyEncoding {
    /// PKCS#1 RSAPrivateKey or RSAPublicKey (RFC 8017).
    Pkcs1,
    /// PKCS#8 PrivateKeyInfo, or EncryptedPrivateKeyInfo (RFC 5958).
    Pkcs8,
    /// SubjectPublicKeyInfo (RFC 5280), what p= holds for RSA.
    Spki,
    /// SEC 1 ECPrivateKey (`EC PRIVATE KEY`), not read further.
    Sec1,
    /// The 32 bytes of an Ed25519 public key, as p= holds them (RFC 8463 §4).
    Raw,
}

/// How the structure is written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyForm {
    /// PEM: base64 between `-----BEGIN ...-----` and `-----END ...-----`.
    Pem,
    /// Binary DER.
    Der,
    /// Bare base64 of the DER, without armour.
    Base64,
}

/// What the key is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// Private or public.
    pub kind: KeyKind,
    /// RSA, Ed25519, or unknown.
    pub algorithm: KeyAlgorithm,
    /// RSA modulus size; `None` for Ed25519 and unknown keys.
    pub bits: Option<usize>,
    /// PKCS#1, PKCS#8, SubjectPublicKeyInfo, SEC 1 or raw.
    pub encoding: KeyEncoding,
    /// PEM, DER or bare base64.
    pub form: KeyForm,
    /// Whether a passphrase protects it.
    pub encrypted: bool,
}

impl KeyInfo {
    /// One line, e.g. "RSA-2048 private key, PKCS#8, PEM".
    pub fn describe(&self) -> String {
        let algorithm = match (self.algorithm, self.bits) {
            (KeyAlgorithm::Rsa, Some(bits)) => format!("RSA-{bits} "),
            (KeyAlgorithm::Rsa, None) => "RSA ".to_string(),
            (KeyAlgorithm::Ed25519, _) => "Ed25519 ".to_string(),
            (KeyAlgorithm::Unknown, _) => String::new(),
        };
        let kind = match self.kind {
            KeyKind::Private => "private key",
            KeyKind::Public => "public key",
        };
        let encrypted = if self.encrypted { "encrypted " } else { "" };
        let encoding = match self.encoding {
            KeyEncoding::Pkcs1 => "PKCS#1",
            KeyEncoding::Pkcs8 => "PKCS#8",
            KeyEncoding::Spki => "SPKI",
            KeyEncoding::Sec1 => "SEC 1",
            KeyEncoding::Raw => "raw",
        };
        let form = match self.form {
            KeyForm::Pem => "PEM",
            KeyForm::Der => "DER",
            KeyForm::Base64 => "base64",
        };
        format!("{encrypted}{algorithm}{kind}, {encoding}, {form}")
    }
}

/// The key itself, as far as it could be read.
#[derive(Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    /// A PKCS#1 RSAPrivateKey DER (taken out of PKCS#8 when wrapped).
    RsaPrivate(Vec<u8>),
    /// An Ed25519 private key's 32-byte seed.
    Ed25519Private(Vec<u8>),
    /// A PKCS#1 RSAPublicKey DER (taken out of SPKI when wrapped).
    RsaPublic(Vec<u8>),
    /// An Ed25519 public key's 32 bytes.
    Ed25519Public(Vec<u8>),
    /// Encrypted with a passphrase: nothing more can be read.
    Encrypted,
    /// A key of an algorithm DKIM does not use, named ("an EC (ECDSA) key").
    Unsupported(String),
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        match self {
            KeyMaterial::RsaPrivate(_) => f.write_str("RsaPrivate"),
            KeyMaterial::Ed25519Private(_) => f.write_str("Ed25519Private"),
            KeyMaterial::RsaPublic(_) => f.write_str("RsaPublic"),
            KeyMaterial::Ed25519Public(_) => f.write_str("Ed25519Public"),
            KeyMaterial::Encrypted => f.write_str("Encrypted"),
            KeyMaterial::Unsupported(what) => write!(f, "Unsupported({what})"),
        }
    }
}

/// A key file, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedKey {
    /// What it is.
    pub info: KeyInfo,
    /// The key itself.
    pub material: KeyMaterial,
    /// The DER the file holds (the PEM or base64 body decoded); empty for
    /// PEM blocks not read further (encrypted, SEC 1).
    pub der: Vec<u8>,
    /// Bare base64 spread over several lines.
    pub line_breaks: bool,
}

/// A public key, as a key record publishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// A PKCS#1 RSAPublicKey DER.
    Rsa(Vec<u8>),
    /// An Ed25519 key's 32 bytes.
    Ed25519(Vec<u8>),
}

impl PublicKey {
    /// The key record (`v=DKIM1; k=rsa|ed25519; p=...`): RSA p= is the
    /// SubjectPublicKeyInfo DER (rsaEncryption, NULL parameters), Ed25519
    /// p= the raw 32 bytes (RFC 8463 §4).
    pub fn record(&self) -> Result<String, KeyError> {
        match self {
            PublicKey::Rsa(pkcs1_der) => Ok(format!(
                "v=DKIM1; k=rsa; p={}",
                BASE64.encode(rsa_spki(pkcs1_der)?)
            )),
            PublicKey::Ed25519(raw) => Ok(format!("v=DKIM1; k=ed25519; p={}", BASE64.encode(raw))),
        }
    }
}

/// The SubjectPublicKeyInfo DER (rsaEncryption, NULL parameters) of a
/// PKCS#1 RSAPublicKey: what an RSA key record's p= holds.
pub fn rsa_spki(pkcs1_der: &[u8]) -> Result<Vec<u8>, KeyError> {
    use pkcs8::der::Encode;
    use pkcs8::der::asn1::{AnyRef, BitStringRef};
    let failed = |e: pkcs8::der::Error| KeyError::Invalid(format!("RSA public key: {e}"));
    spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: OID_RSA,
            parameters: Some(AnyRef::NULL),
        },
        subject_public_key: BitStringRef::from_bytes(pkcs1_der).map_err(failed)?,
    }
    .to_der()
    .map_err(failed)
}

impl DecodedKey {
    /// The public half; `None` when encrypted or of an unsupported algorithm.
    pub fn public_key(&self) -> Option<PublicKey> {
        match &self.material {
            KeyMaterial::RsaPrivate(der) => {
                use pkcs8::der::Encode;
                let rsa = pkcs1::RsaPrivateKeyRef::try_from(der.as_slice()).ok()?;
                let public = pkcs1::RsaPublicKeyRef {
                    modulus: rsa.modulus,
                    public_exponent: rsa.public_exponent,
                };
                Some(PublicKey::Rsa(public.to_der().ok()?))
            }
            KeyMaterial::Ed25519Private(seed) => {
                ed25519_public_from_seed(seed).ok().map(PublicKey::Ed25519)
            }
            KeyMaterial::RsaPublic(der) => Some(PublicKey::Rsa(der.clone())),
            KeyMaterial::Ed25519Public(raw) => Some(PublicKey::Ed25519(raw.clone())),
            KeyMaterial::Encrypted | KeyMaterial::Unsupported(_) => None,
        }
    }
}

/// Why a file holds no usable key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Nothing but whitespace.
    #[error("the file is empty")]
    Empty,
    /// An OpenSSH key (`ssh-rsa ...` or `OPENSSH PRIVATE KEY`).
    #[error("an OpenSSH key: DKIM keys are PKCS#1 or PKCS#8")]
    OpenSsh,
    /// No PEM armour, not DER, not base64.
    #[error("not a key: no PEM armour, not DER, not base64")]
    NotAKey,
    /// Text of base64 characters that does not decode.
    #[error("base64 text that does not decode ({0}): not a key, or cut short")]
    Base64(String),
    /// Base64 that decodes to something other than DER.
    #[error("base64 text, but not of a key: {0}")]
    NotDer(DerProblem),
    /// `-----BEGIN` without the `-----` that closes the header line.
    #[error("the PEM header line is cut short (no closing -----)")]
    PemHeader,
    /// A PEM block that holds no key (a certificate, a CSR...).
    #[error(
        "a PEM '{0}' block, not a key (expected PRIVATE KEY, RSA PRIVATE KEY, PUBLIC KEY or RSA PUBLIC KEY)"
    )]
    PemLabel(String),
    /// A key's PEM block whose body is not base64.
    #[error("a PEM {label} block, but its body is not valid base64 ({reason}){}", cut(*end_missing))]
    PemBase64 {
        /// The block's label.
        label: String,
        /// The base64 decoder's complaint.
        reason: String,
        /// Whether the `-----END` line is missing too.
        end_missing: bool,
    },
    /// A key's PEM block whose DER is not a key.
    #[error("a PEM {label} block, but not a usable key: {problem}{}", cut(*end_missing))]
    PemKey {
        /// The block's label.
        label: String,
        /// What is wrong with the DER.
        problem: DerProblem,
        /// Whether the `-----END` line is missing too.
        end_missing: bool,
    },
    /// DER (binary, or base64 of it) that is not a key.
    #[error("{}, but not a usable key: {problem}", if *base64 { "base64 of DER" } else { "DER" })]
    Der {
        /// Whether the DER came as base64 text.
        base64: bool,
        /// What is wrong with it.
        problem: DerProblem,
    },
}

fn cut(end_missing: bool) -> &'static str {
    if end_missing {
        "; the -----END line is missing too"
    } else {
        ""
    }
}

impl DecodeError {
    /// Whether no key container was recognised at all (garbage, an SSH
    /// key), as against a recognised one holding a broken key.
    pub fn is_syntax(&self) -> bool {
        matches!(
            self,
            DecodeError::Empty
                | DecodeError::OpenSsh
                | DecodeError::NotAKey
                | DecodeError::Base64(_)
                | DecodeError::NotDer(_)
                | DecodeError::PemLabel(_)
        )
    }
}

/// What is wrong with DER that should hold a key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DerProblem {
    /// The first byte is no SEQUENCE tag.
    #[error("it does not start with an ASN.1 SEQUENCE")]
    NotSequence,
    /// Fewer bytes than the outer header announces.
    #[error(
        "it ends after {have} of the {need} bytes its ASN.1 header announces: the key is cut short (truncated)"
    )]
    Truncated {
        /// Bytes present.
        have: usize,
        /// Bytes announced.
        need: usize,
    },
    /// Bytes after the outer SEQUENCE.
    #[error("{0} stray bytes follow the key")]
    Trailing(usize),
    /// A SEQUENCE of no key structure we know.
    #[error("an ASN.1 SEQUENCE, but not a PKCS#1, PKCS#8 or SubjectPublicKeyInfo key")]
    NotAKey,
    /// The outer structure decoded, the key inside did not.
    #[error("{part}: {reason}")]
    Inner {
        /// Which structure ("PKCS#8 RSA private key").
        part: &'static str,
        /// The ASN.1 decoder's complaint.
        reason: String,
    },
}

/// Decodes a key file: see the module documentation for what is read.
pub fn decode(bytes: &[u8]) -> Result<DecodedKey, DecodeError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError::Empty);
    }
    let text = std::str::from_utf8(bytes).ok();
    if let Some(begin) = text.and_then(|t| t.find("-----BEGIN ")) {
        return decode_pem(&text.unwrap_or_default()[begin..]);
    }
    let trimmed = text.map(str::trim);
    let is_base64 = trimmed.is_some_and(|t| {
        t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b) || b.is_ascii_whitespace())
    });
    if let (true, Some(t)) = (is_base64, trimmed) {
        let compact: String = t.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = BASE64
            .decode(&compact)
            .map_err(|e| DecodeError::Base64(crate::key::base64_problem(&e)))?;
        let line_breaks = compact.len() != t.len();
        if der.len() == 32 {
            return Ok(DecodedKey {
                info: info(
                    KeyKind::Public,
                    KeyAlgorithm::Ed25519,
                    None,
                    KeyEncoding::Raw,
                    KeyForm::Base64,
                ),
                material: KeyMaterial::Ed25519Public(der.clone()),
                der,
                line_breaks,
            });
        }
        return match decode_der(&der, KeyForm::Base64) {
            Ok(key) => Ok(DecodedKey { line_breaks, ..key }),
            Err(problem) if der.first() != Some(&0x30) => Err(DecodeError::NotDer(problem)),
            Err(problem) => Err(DecodeError::Der {
                base64: true,
                problem,
            }),
        };
    }
    if bytes.first() == Some(&0x30) {
        return decode_der(bytes, KeyForm::Der).map_err(|problem| DecodeError::Der {
            base64: false,
            problem,
        });
    }
    if text.is_some_and(|t| t.starts_with("ssh-") || t.contains("OPENSSH")) {
        return Err(DecodeError::OpenSsh);
    }
    Err(DecodeError::NotAKey)
}

/// The first PEM block, from its `-----BEGIN ` on. Lenient on whitespace,
/// line ends and line width, since keys are pasted through web forms; RFC
/// 1421 headers (Proc-Type, DEK-Info) of legacy encrypted keys are skipped.
fn decode_pem(text: &str) -> Result<DecodedKey, DecodeError> {
    let after = &text["-----BEGIN ".len()..];
    let label_end = after.find("-----").ok_or(DecodeError::PemHeader)?;
    let label = after[..label_end].trim();
    let rest = &after[label_end + 5..];
    let end = rest.find("-----END ");
    let body = &rest[..end.unwrap_or(rest.len())];
    let legacy_encrypted = body
        .lines()
        .any(|l| l.starts_with("Proc-Type:") && l.contains("ENCRYPTED"));
    let unread = |kind, algorithm, encoding, material| DecodedKey {
        info: KeyInfo {
            encrypted: material == KeyMaterial::Encrypted,
            ..info(kind, algorithm, None, encoding, KeyForm::Pem)
        },
        material,
        der: Vec::new(),
        line_breaks: false,
    };
    match label {
        "ENCRYPTED PRIVATE KEY" => {
            return Ok(unread(
                KeyKind::Private,
                KeyAlgorithm::Unknown,
                KeyEncoding::Pkcs8,
                KeyMaterial::Encrypted,
            ));
        }
        "RSA PRIVATE KEY" if legacy_encrypted => {
            return Ok(unread(
                KeyKind::Private,
                KeyAlgorithm::Rsa,
                KeyEncoding::Pkcs1,
                KeyMaterial::Encrypted,
            ));
        }
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "PUBLIC KEY" | "RSA PUBLIC KEY" => {}
        "EC PRIVATE KEY" | "EC PUBLIC KEY" => {
            let kind = if label == "EC PRIVATE KEY" {
                KeyKind::Private
            } else {
                KeyKind::Public
            };
            return Ok(unread(
                kind,
                KeyAlgorithm::Unknown,
                KeyEncoding::Sec1,
                KeyMaterial::Unsupported(algorithm_name(EC)),
            ));
        }
        "OPENSSH PRIVATE KEY" => return Err(DecodeError::OpenSsh),
        other => return Err(DecodeError::PemLabel(other.to_string())),
    }
    let compact: String = body
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_ascii_whitespace()))
        .collect();
    let der = BASE64
        .decode(&compact)
        .map_err(|e| DecodeError::PemBase64 {
            label: label.to_string(),
            reason: crate::key::base64_problem(&e),
            end_missing: end.is_none(),
        })?;
    decode_der(&der, KeyForm::Pem).map_err(|problem| DecodeError::PemKey {
        label: label.to_string(),
        problem,
        end_missing: end.is_none(),
    })
}

fn info(
    kind: KeyKind,
    algorithm: KeyAlgorithm,
    bits: Option<usize>,
    encoding: KeyEncoding,
    form: KeyForm,
) -> KeyInfo {
    KeyInfo {
        kind,
        algorithm,
        bits,
        encoding,
        form,
        encrypted: false,
    }
}

/// Recognises PKCS#8, PKCS#1 (private and public), SubjectPublicKeyInfo
/// and EncryptedPrivateKeyInfo, by content (a PEM label may be wrong).
fn decode_der(der: &[u8], form: KeyForm) -> Result<DecodedKey, DerProblem> {
    let make = |kind, algorithm, bits, encoding, material| DecodedKey {
        info: info(kind, algorithm, bits, encoding, form),
        material,
        der: der.to_vec(),
        line_breaks: false,
    };
    let inner = |part: &'static str, e: &dyn std::fmt::Display| DerProblem::Inner {
        part,
        reason: e.to_string(),
    };
    let rsa_bits = |modulus: pkcs1::UintRef| Some(bit_length(modulus.as_bytes()));
    if let Ok(info) = pkcs8::PrivateKeyInfoRef::try_from(der) {
        let key = info.private_key.as_bytes();
        return match info.algorithm.oid {
            OID_RSA => {
                let rsa = pkcs1::RsaPrivateKeyRef::try_from(key)
                    .map_err(|e| inner("PKCS#8 RSA private key", &e))?;
                Ok(make(
                    KeyKind::Private,
                    KeyAlgorithm::Rsa,
                    rsa_bits(rsa.modulus),
                    KeyEncoding::Pkcs8,
                    KeyMaterial::RsaPrivate(key.to_vec()),
                ))
            }
            OID_ED25519 => {
                // CurvePrivateKey ::= OCTET STRING (RFC 8410 §7).
                let seed = <&pkcs8::der::asn1::OctetStringRef as pkcs8::der::Decode>::from_der(key)
                    .map_err(|e| inner("PKCS#8 Ed25519 private key", &e))?;
                let seed = seed.as_bytes();
                if seed.len() != 32 {
                    let reason = format!("the seed has {} bytes, not 32", seed.len());
                    return Err(inner("PKCS#8 Ed25519 private key", &reason));
                }
                Ok(make(
                    KeyKind::Private,
                    KeyAlgorithm::Ed25519,
                    None,
                    KeyEncoding::Pkcs8,
                    KeyMaterial::Ed25519Private(seed.to_vec()),
                ))
            }
            oid => Ok(make(
                KeyKind::Private,
                KeyAlgorithm::Unknown,
                None,
                KeyEncoding::Pkcs8,
                KeyMaterial::Unsupported(algorithm_name(oid)),
            )),
        };
    }
    if let Ok(rsa) = pkcs1::RsaPrivateKeyRef::try_from(der) {
        return Ok(make(
            KeyKind::Private,
            KeyAlgorithm::Rsa,
            rsa_bits(rsa.modulus),
            KeyEncoding::Pkcs1,
            KeyMaterial::RsaPrivate(der.to_vec()),
        ));
    }
    if let Ok(info) = spki::SubjectPublicKeyInfoRef::try_from(der) {
        let key = info.subject_public_key.raw_bytes();
        return match info.algorithm.oid {
            OID_RSA => {
                let rsa = pkcs1::RsaPublicKeyRef::try_from(key)
                    .map_err(|e| inner("SubjectPublicKeyInfo RSA key", &e))?;
                Ok(make(
                    KeyKind::Public,
                    KeyAlgorithm::Rsa,
                    rsa_bits(rsa.modulus),
                    KeyEncoding::Spki,
                    KeyMaterial::RsaPublic(key.to_vec()),
                ))
            }
            OID_ED25519 => {
                if key.len() != 32 {
                    let reason = format!("an Ed25519 key has 32 bytes, this one {}", key.len());
                    return Err(inner("SubjectPublicKeyInfo Ed25519 key", &reason));
                }
                Ok(make(
                    KeyKind::Public,
                    KeyAlgorithm::Ed25519,
                    None,
                    KeyEncoding::Spki,
                    KeyMaterial::Ed25519Public(key.to_vec()),
                ))
            }
            oid => Ok(make(
                KeyKind::Public,
                KeyAlgorithm::Unknown,
                None,
                KeyEncoding::Spki,
                KeyMaterial::Unsupported(algorithm_name(oid)),
            )),
        };
    }
    if let Ok(rsa) = pkcs1::RsaPublicKeyRef::try_from(der) {
        return Ok(make(
            KeyKind::Public,
            KeyAlgorithm::Rsa,
            rsa_bits(rsa.modulus),
            KeyEncoding::Pkcs1,
            KeyMaterial::RsaPublic(der.to_vec()),
        ));
    }
    if is_encrypted_pkcs8(der) {
        let mut key = make(
            KeyKind::Private,
            KeyAlgorithm::Unknown,
            None,
            KeyEncoding::Pkcs8,
            KeyMaterial::Encrypted,
        );
        key.info.encrypted = true;
        return Ok(key);
    }
    Err(der_problem(der))
}

/// An ASN.1 header at `at`: its tag, its length and the length itself.
fn header(der: &[u8], at: usize) -> Option<(u8, usize, usize)> {
    let tag = *der.get(at)?;
    match *der.get(at + 1)? {
        l if l < 0x80 => Some((tag, 2, usize::from(l))),
        l if (0x81..=0x84).contains(&l) => {
            let n = usize::from(l & 0x7f);
            let len = der
                .get(at + 2..at + 2 + n)?
                .iter()
                .fold(0usize, |a, &x| a << 8 | usize::from(x));
            Some((tag, 2 + n, len))
        }
        _ => None,
    }
}

/// EncryptedPrivateKeyInfo (RFC 5958 §3) under PBES2 or a PKCS#12 PBE:
/// `SEQUENCE { SEQUENCE { OID pkcs-5.* / pkcs-12.1.* ... } OCTET STRING }`.
fn is_encrypted_pkcs8(der: &[u8]) -> bool {
    const PKCS5: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05];
    const PKCS12_PBE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01];
    let Some((0x30, outer, _)) = header(der, 0) else {
        return false;
    };
    let Some((0x30, algorithm, _)) = header(der, outer) else {
        return false;
    };
    let at = outer + algorithm;
    let Some((0x06, oid, len)) = header(der, at) else {
        return false;
    };
    let oid = der.get(at + oid..at + oid + len).unwrap_or_default();
    oid.starts_with(PKCS5) || oid.starts_with(PKCS12_PBE)
}

/// Says why DER is no key: cut short, trailing bytes, or not a key at all.
fn der_problem(der: &[u8]) -> DerProblem {
    match header(der, 0) {
        Some((0x30, header, len)) if header + len > der.len() => DerProblem::Truncated {
            have: der.len(),
            need: header + len,
        },
        Some((0x30, header, len)) if header + len < der.len() => {
            DerProblem::Trailing(der.len() - header - len)
        }
        _ if der.first() != Some(&0x30) => DerProblem::NotSequence,
        _ => DerProblem::NotAKey,
    }
}

/// id-ecPublicKey (RFC 5480).
const EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// A key algorithm's name, for an algorithm DKIM does not use.
pub(crate) fn algorithm_name(oid: ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "1.2.840.10045.2.1" => "an EC (ECDSA) key".into(),
        "1.3.101.110" => "an X25519 key (key agreement, not signing)".into(),
        "1.3.101.113" => "an Ed448 key".into(),
        "1.2.840.113549.1.1.10" => "an RSA-PSS key".into(),
        "1.2.840.10040.4.1" => "a DSA key".into(),
        other => format!("a key of algorithm {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        crate::fixture(&format!("keys/{name}"))
    }

    #[test]
    fn der_problems() {
        for (der, problem) in [
            (
                &[0x30, 0x82, 0x04, 0xa0, 0x02][..],
                DerProblem::Truncated {
                    have: 5,
                    need: 1188,
                },
            ),
            (&[0x30, 0x01, 0x05, 0x00], DerProblem::Trailing(1)),
            (b"hello", DerProblem::NotSequence),
            (&[0x30, 0x03, 0x02, 0x01, 0x00], DerProblem::NotAKey),
        ] {
            assert_eq!(der_problem(der), problem, "{der:x?}");
        }
        assert!(
            DerProblem::Truncated { have: 5, need: 9 }
                .to_string()
                .contains("truncated")
        );
    }

    #[test]
    fn encrypted_pkcs8_is_recognised_by_structure() {
        let pem = String::from_utf8(fixture("rsa2048-encrypted.pem")).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = BASE64.decode(body).unwrap();
        assert!(is_encrypted_pkcs8(&der));
        let key = decode(&der).unwrap();
        assert_eq!(key.material, KeyMaterial::Encrypted);
        assert_eq!(key.info.describe(), "encrypted private key, PKCS#8, DER");
        // A plain PKCS#8 key is no EncryptedPrivateKeyInfo.
        let plain = decode(&fixture("rsa2048.pem")).unwrap();
        assert!(!is_encrypted_pkcs8(&plain.der));
    }

    #[test]
    fn the_same_key_in_every_form() {
        let pem = decode(&fixture("rsa2048.pem")).unwrap();
        let public = pem.public_key().unwrap();
        for bytes in [
            fixture("rsa2048-pkcs1.pem"),
            fixture("rsa2048.der"),
            fixture("rsa2048.pub.pem"),
            BASE64.encode(&pem.der).into_bytes(),
            String::from_utf8(fixture("rsa2048.pem"))
                .unwrap()
                .replace('\n', "\r\n")
                .into_bytes(),
        ] {
            let key = decode(&bytes).unwrap();
            assert_eq!(key.info.bits, Some(2048));
            assert_eq!(key.public_key().as_ref(), Some(&public));
        }
    }
}
