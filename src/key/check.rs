//! `key check`: what a BYODKIM upload or a published key record is judged
//! on, checked before the provider or a verifier judges it. A key file
//! (private or public; PKCS#1, PKCS#8 or SubjectPublicKeyInfo; PEM, DER or
//! bare base64) becomes a [`KeyInfo`] and a list of [`Finding`]s, each with
//! the literal fix: armour or line breaks where an upload form refuses
//! them, sizes, encrypted keys, public-for-private, the selector, and
//! whether the key matches a public key, a record or what DNS publishes.
//!
//! Which code says what:
//! - `key-syntax`: no key encoding recognised at all (garbage, an SSH key).
//! - `key-invalid`: a key container was recognised (a PEM label, a DER
//!   sequence) but what it holds is broken (truncated, bad base64) or the
//!   key itself is unusable.
//! - `key-encrypted`: the key needs a passphrase first.
//! - `key-not-private`: a public key where the upload needs the private one.
//! - `key-too-short` (< 1024 bits), `key-weak` (1024 to 2047 bits),
//!   `key-size-unsupported` (a size the profile refuses, e.g. 4096 bits for
//!   SES), `key-unknown-algorithm` (EC, or Ed25519 for SES).
//! - `key-pem-armor`: the SES upload wants one line of base64, and the file
//!   has PEM header/footer, line breaks, or is binary DER.
//! - `selector-invalid`, `key-mismatch`, `record-missing`, `dns-temporary`.
//!
//! Private key material is never put into a finding unless the caller asks
//! for it ([`KeyCheckOptions::reveal_private_key`]): the one-line upload
//! form is then both the fix and [`KeyCheckReport::upload_key`].

use crate::diagnosis::finding::{Code, Finding, Severity};
use crate::dkim::key_source::{KeySource, LookupError};
use crate::dkim::selector::{SelectorRules, selector_finding};
use crate::key::{OID_ED25519, OID_RSA, bit_length};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;

/// Whose rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Amazon SES BYODKIM: an RSA private key of 1024 or 2048 bits, uploaded
    /// as one line of base64; selector of 1-63 letters, digits and inner
    /// hyphens.
    Ses,
    /// The RFCs: RSA of at least 1024 bits (RFC 8301) or Ed25519 (RFC 8463),
    /// in any encoding; selector a sequence of DNS labels (RFC 6376 §3.1).
    Generic,
}

impl Profile {
    /// The selector rules of the profile.
    pub fn selector_rules(self) -> SelectorRules {
        match self {
            Profile::Ses => SelectorRules::SesByodkim,
            Profile::Generic => SelectorRules::Rfc6376,
        }
    }
}

/// What to compare the key with.
pub enum Against<'a> {
    /// A key file (public or private), by name and contents.
    Key {
        /// How to name it in findings.
        name: String,
        /// Its contents.
        bytes: Vec<u8>,
    },
    /// A key record given literally (`v=DKIM1; k=rsa; p=...`).
    Record(String),
    /// The record published at `<selector>._domainkey.<domain>`.
    Published {
        /// Where TXT records come from.
        source: &'a dyn KeySource,
        /// The selector.
        selector: String,
        /// The signing domain.
        domain: String,
    },
}

/// What to check, and against what.
pub struct KeyCheckOptions<'a> {
    /// How to name the input in findings and fixes (a file name).
    pub name: String,
    /// Whose rules apply.
    pub profile: Profile,
    /// A selector to check against the profile's rules.
    pub selector: Option<String>,
    /// The signing domain, for the length of the selector's full name.
    pub domain: Option<String>,
    /// A public key, record or published record the key must match.
    pub against: Option<Against<'a>>,
    /// Whether fixes may contain the private key (the one-line upload form).
    pub reveal_private_key: bool,
}

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
    /// PKCS#1, PKCS#8 or SubjectPublicKeyInfo.
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
        };
        let form = match self.form {
            KeyForm::Pem => "PEM",
            KeyForm::Der => "DER",
            KeyForm::Base64 => "base64",
        };
        format!("{encrypted}{algorithm}{kind}, {encoding}, {form}")
    }
}

/// The outcome of comparing the key with `--against`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgainstReport {
    /// What it was compared with: a file name, "record", or a DNS name.
    pub source: String,
    /// `Some(true)` when the public halves are the same key; `None` when
    /// there was nothing to compare (unreadable, missing, DNS failure).
    pub matches: Option<bool>,
}

/// Everything `key check` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyCheckReport {
    /// What the key is, when it could be recognised.
    pub key: Option<KeyInfo>,
    /// The key record to publish for it (`v=DKIM1; k=...; p=...`).
    pub record: Option<String>,
    /// The private key as one line of base64, only when revealing was asked
    /// for and the profile's upload needs that form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_key: Option<String>,
    /// The comparison asked for, if any.
    pub against: Option<AgainstReport>,
    /// One per problem, with its fix.
    pub findings: Vec<Finding>,
}

impl KeyCheckReport {
    /// Whether a temporary DNS failure kept the comparison from being made.
    pub fn dns_failed(&self) -> bool {
        self.findings.iter().any(|f| f.code == Code::DnsTemporary)
    }
}

/// The public half, normalized for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Material {
    /// Modulus and exponent, big-endian without leading zeros.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Ed25519(Vec<u8>),
}

impl Material {
    fn rsa(n: &[u8], e: &[u8]) -> Material {
        let trim = |b: &[u8]| b[b.iter().position(|&x| x != 0).unwrap_or(b.len())..].to_vec();
        Material::Rsa {
            n: trim(n),
            e: trim(e),
        }
    }

    fn describe(&self) -> String {
        match self {
            Material::Rsa { n, .. } => format!("RSA-{}", bit_length(n)),
            Material::Ed25519(_) => "Ed25519".into(),
        }
    }

    /// The key record for this public key.
    fn record(&self) -> Option<String> {
        match self {
            Material::Rsa { n, e } => {
                use pkcs8::der::Encode;
                let der = pkcs1::RsaPublicKeyRef {
                    modulus: pkcs1::UintRef::new(n).ok()?,
                    public_exponent: pkcs1::UintRef::new(e).ok()?,
                }
                .to_der()
                .ok()?;
                let pem = format!(
                    "-----BEGIN RSA PUBLIC KEY-----\n{}\n-----END RSA PUBLIC KEY-----\n",
                    BASE64.encode(der)
                );
                crate::key::public_key_record(pem.as_bytes()).ok()
            }
            Material::Ed25519(raw) => Some(format!("v=DKIM1; k=ed25519; p={}", BASE64.encode(raw))),
        }
    }
}

/// A key read from the input.
struct Analyzed {
    info: KeyInfo,
    /// The public half; `None` when encrypted or of an unknown algorithm.
    material: Option<Material>,
    /// The DER of the key as given.
    der: Vec<u8>,
    /// Bare base64 spread over several lines.
    line_breaks: bool,
}

/// Checks a key file: see the module documentation for what is checked.
pub fn check(input: &[u8], options: &KeyCheckOptions) -> KeyCheckReport {
    let name = options.name.as_str();
    let (analyzed, mut findings) = analyze(input, name);
    let mut report = KeyCheckReport {
        key: analyzed.as_ref().map(|a| a.info.clone()),
        record: analyzed
            .as_ref()
            .and_then(|a| a.material.as_ref())
            .and_then(Material::record),
        upload_key: None,
        against: None,
        findings: Vec::new(),
    };
    if let Some(a) = &analyzed {
        findings.extend(profile_findings(a, options, &mut report));
    }
    if let Some(selector) = &options.selector {
        findings.extend(selector_finding(
            &format!("selector {selector:?}"),
            selector,
            options.domain.as_deref(),
            options.profile.selector_rules(),
        ));
    }
    if let Some(against) = &options.against {
        let material = analyzed.as_ref().and_then(|a| a.material.as_ref());
        let (against_report, more) = compare(material, report.record.as_deref(), against);
        report.against = Some(against_report);
        findings.extend(more);
    }
    report.findings = findings;
    report
}

/// Reads the container (PEM, DER, base64) and the structure inside.
fn analyze(input: &[u8], name: &str) -> (Option<Analyzed>, Vec<Finding>) {
    let fail = |code, message: String| {
        let finding = Finding::new(code, name, message).with_fix(
            "give the key file itself: a PKCS#1 or PKCS#8 private key (or an SPKI public key) in PEM, DER or base64, as written by e.g. openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem",
        );
        (None, vec![finding])
    };
    let text = std::str::from_utf8(input).ok();
    if input.iter().all(|b| b.is_ascii_whitespace()) {
        return fail(Code::KeySyntax, "the file is empty".into());
    }
    if let Some(begin) = text.and_then(|t| t.find("-----BEGIN ")) {
        return analyze_pem(&text.unwrap_or_default()[begin..], name);
    }
    let trimmed = text.map(str::trim);
    let is_base64 = trimmed.is_some_and(|t| {
        t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b) || b.is_ascii_whitespace())
    });
    let (der, form, line_breaks) = if is_base64 {
        let t = trimmed.unwrap_or_default();
        let compact: String = t.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        match BASE64.decode(&compact) {
            Ok(der) => (der, KeyForm::Base64, compact.len() != t.len()),
            Err(e) => {
                return fail(
                    Code::KeySyntax,
                    format!("base64 text that does not decode ({e}): not a key, or cut short"),
                );
            }
        }
    } else if input[0] == 0x30 {
        (input.to_vec(), KeyForm::Der, false)
    } else if text.is_some_and(|t| t.starts_with("ssh-") || t.contains("OPENSSH")) {
        return fail(
            Code::KeySyntax,
            "an OpenSSH key: DKIM keys are PKCS#1 or PKCS#8".into(),
        );
    } else {
        return fail(
            Code::KeySyntax,
            "not a key: no PEM armour, not DER, not base64".into(),
        );
    };
    match parse_der(&der, form, name) {
        Ok((analyzed, findings)) => (
            Some(Analyzed {
                line_breaks,
                ..analyzed
            }),
            findings,
        ),
        Err(reason) if form == KeyForm::Base64 && der.first() != Some(&0x30) => fail(
            Code::KeySyntax,
            format!("base64 text, but not of a key: {reason}"),
        ),
        Err(reason) => {
            let what = if form == KeyForm::Der {
                "DER"
            } else {
                "base64 of DER"
            };
            fail(
                Code::KeyInvalid,
                format!("{what}, but not a usable key: {reason}"),
            )
        }
    }
}

fn analyze_pem(text: &str, name: &str) -> (Option<Analyzed>, Vec<Finding>) {
    let fail = |code, message: String| (None, vec![Finding::new(code, name, message)]);
    let after = &text["-----BEGIN ".len()..];
    let Some(label_end) = after.find("-----") else {
        return fail(
            Code::KeyInvalid,
            "the PEM header line is cut short (no closing -----)".into(),
        );
    };
    let label = after[..label_end].trim();
    let rest = &after[label_end + 5..];
    let end = rest.find("-----END ");
    let body = &rest[..end.unwrap_or(rest.len())];
    let legacy_encrypted = body
        .lines()
        .any(|l| l.starts_with("Proc-Type:") && l.contains("ENCRYPTED"));
    let encrypted = |encoding, algorithm| {
        let info = KeyInfo {
            kind: KeyKind::Private,
            algorithm,
            bits: None,
            encoding,
            form: KeyForm::Pem,
            encrypted: true,
        };
        let finding = encrypted_finding(name);
        (
            Some(Analyzed {
                info,
                material: None,
                der: Vec::new(),
                line_breaks: false,
            }),
            vec![finding],
        )
    };
    match label {
        "ENCRYPTED PRIVATE KEY" => return encrypted(KeyEncoding::Pkcs8, KeyAlgorithm::Unknown),
        "RSA PRIVATE KEY" if legacy_encrypted => {
            return encrypted(KeyEncoding::Pkcs1, KeyAlgorithm::Rsa);
        }
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "PUBLIC KEY" | "RSA PUBLIC KEY" => {}
        "EC PRIVATE KEY" | "EC PUBLIC KEY" => {
            return (None, vec![unknown_algorithm(name, "an EC (ECDSA) key")]);
        }
        "OPENSSH PRIVATE KEY" => {
            return fail(
                Code::KeySyntax,
                "an OpenSSH private key: DKIM keys are PKCS#1 or PKCS#8".into(),
            );
        }
        other => {
            return fail(
                Code::KeySyntax,
                format!(
                    "a PEM '{other}' block, not a key (expected PRIVATE KEY, RSA PRIVATE KEY, PUBLIC KEY or RSA PUBLIC KEY)"
                ),
            );
        }
    }
    let cut = if end.is_none() {
        "; the -----END line is missing too"
    } else {
        ""
    };
    let recopy = format!(
        "copy the whole key again, from the -----BEGIN {label}----- line to the -----END {label}----- line"
    );
    let broken = |message: String| {
        let finding = Finding::new(Code::KeyInvalid, name, message);
        (None, vec![finding.with_fix(recopy.clone())])
    };
    let compact: String = body
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_ascii_whitespace()))
        .collect();
    let der = match BASE64.decode(&compact) {
        Ok(der) => der,
        Err(e) => {
            return broken(format!(
                "a PEM {label} block, but its body is not valid base64 ({e}){cut}"
            ));
        }
    };
    match parse_der(&der, KeyForm::Pem, name) {
        Ok((analyzed, findings)) => (Some(analyzed), findings),
        Err(reason) => broken(format!(
            "a PEM {label} block, but not a usable key: {reason}{cut}"
        )),
    }
}

/// Recognises PKCS#8, PKCS#1 (private and public) and SubjectPublicKeyInfo.
fn parse_der(der: &[u8], form: KeyForm, name: &str) -> Result<(Analyzed, Vec<Finding>), String> {
    let mut findings = Vec::new();
    let make = |kind, algorithm, bits, encoding, material| Analyzed {
        info: KeyInfo {
            kind,
            algorithm,
            bits,
            encoding,
            form,
            encrypted: false,
        },
        material,
        der: der.to_vec(),
        line_breaks: false,
    };
    let invalid = |what: &str, e: &dyn std::fmt::Display| format!("{what}: {e}");
    if let Ok(info) = pkcs8::PrivateKeyInfoRef::try_from(der) {
        let key = info.private_key.as_bytes();
        return match info.algorithm.oid {
            OID_RSA => {
                let rsa = pkcs1::RsaPrivateKeyRef::try_from(key)
                    .map_err(|e| invalid("PKCS#8 RSA private key", &e))?;
                let material =
                    Material::rsa(rsa.modulus.as_bytes(), rsa.public_exponent.as_bytes());
                let bits = bit_length(rsa.modulus.as_bytes());
                findings.extend(usable_private(der, bits, name));
                Ok((
                    make(
                        KeyKind::Private,
                        KeyAlgorithm::Rsa,
                        Some(bits),
                        KeyEncoding::Pkcs8,
                        Some(material),
                    ),
                    findings,
                ))
            }
            OID_ED25519 => {
                let signing = crate::key::load_private_key(der)
                    .map_err(|e| invalid("PKCS#8 Ed25519 private key", &e))?;
                let record = signing.key_record();
                let p = record.rsplit("p=").next().unwrap_or_default();
                let raw = BASE64.decode(p).map_err(|e| invalid("Ed25519", &e))?;
                Ok((
                    make(
                        KeyKind::Private,
                        KeyAlgorithm::Ed25519,
                        None,
                        KeyEncoding::Pkcs8,
                        Some(Material::Ed25519(raw)),
                    ),
                    findings,
                ))
            }
            oid => {
                findings.push(unknown_algorithm(name, &algorithm_name(oid)));
                Ok((
                    make(
                        KeyKind::Private,
                        KeyAlgorithm::Unknown,
                        None,
                        KeyEncoding::Pkcs8,
                        None,
                    ),
                    findings,
                ))
            }
        };
    }
    if let Ok(rsa) = pkcs1::RsaPrivateKeyRef::try_from(der) {
        let material = Material::rsa(rsa.modulus.as_bytes(), rsa.public_exponent.as_bytes());
        let bits = bit_length(rsa.modulus.as_bytes());
        findings.extend(usable_private(der, bits, name));
        return Ok((
            make(
                KeyKind::Private,
                KeyAlgorithm::Rsa,
                Some(bits),
                KeyEncoding::Pkcs1,
                Some(material),
            ),
            findings,
        ));
    }
    if let Ok(info) = spki::SubjectPublicKeyInfoRef::try_from(der) {
        let key = info.subject_public_key.raw_bytes();
        return match info.algorithm.oid {
            OID_RSA => {
                let rsa = pkcs1::RsaPublicKeyRef::try_from(key)
                    .map_err(|e| invalid("SubjectPublicKeyInfo RSA key", &e))?;
                let bits = bit_length(rsa.modulus.as_bytes());
                let material =
                    Material::rsa(rsa.modulus.as_bytes(), rsa.public_exponent.as_bytes());
                Ok((
                    make(
                        KeyKind::Public,
                        KeyAlgorithm::Rsa,
                        Some(bits),
                        KeyEncoding::Spki,
                        Some(material),
                    ),
                    findings,
                ))
            }
            OID_ED25519 => {
                crate::key::crypto::VerifyingKey::ed25519(key).map_err(|e| e.to_string())?;
                Ok((
                    make(
                        KeyKind::Public,
                        KeyAlgorithm::Ed25519,
                        None,
                        KeyEncoding::Spki,
                        Some(Material::Ed25519(key.to_vec())),
                    ),
                    findings,
                ))
            }
            oid => {
                findings.push(unknown_algorithm(name, &algorithm_name(oid)));
                Ok((
                    make(
                        KeyKind::Public,
                        KeyAlgorithm::Unknown,
                        None,
                        KeyEncoding::Spki,
                        None,
                    ),
                    findings,
                ))
            }
        };
    }
    if let Ok(rsa) = pkcs1::RsaPublicKeyRef::try_from(der) {
        let bits = bit_length(rsa.modulus.as_bytes());
        let material = Material::rsa(rsa.modulus.as_bytes(), rsa.public_exponent.as_bytes());
        return Ok((
            make(
                KeyKind::Public,
                KeyAlgorithm::Rsa,
                Some(bits),
                KeyEncoding::Pkcs1,
                Some(material),
            ),
            findings,
        ));
    }
    if is_encrypted_pkcs8(der) {
        let mut analyzed = make(
            KeyKind::Private,
            KeyAlgorithm::Unknown,
            None,
            KeyEncoding::Pkcs8,
            None,
        );
        analyzed.info.encrypted = true;
        analyzed.der = Vec::new();
        return Ok((analyzed, vec![encrypted_finding(name)]));
    }
    Err(der_problem(der))
}

/// Whether a structurally sound RSA private key also works: the backend
/// checks that its parts agree.
fn usable_private(der: &[u8], bits: usize, name: &str) -> Option<Finding> {
    if bits < crate::key::crypto::MIN_RSA_BITS {
        return None; // key-too-short says it all
    }
    match crate::key::load_private_key(der) {
        Err(crate::key::KeyError::Invalid(reason)) => Some(
            Finding::new(
                Code::KeyInvalid,
                name,
                format!("the key decodes but cannot sign: {reason}"),
            )
            .with_fix("generate a new key: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem"),
        ),
        _ => None,
    }
}

/// EncryptedPrivateKeyInfo (RFC 5958 §3) under PBES2 or a PKCS#12 PBE:
/// SEQUENCE { SEQUENCE { OID pkcs-5/pkcs-12 ... } OCTET STRING }.
fn is_encrypted_pkcs8(der: &[u8]) -> bool {
    const PKCS5: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05];
    const PKCS12_PBE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01];
    let head = &der[..der.len().min(32)];
    der.first() == Some(&0x30)
        && (head.windows(PKCS5.len()).any(|w| w == PKCS5)
            || head.windows(PKCS12_PBE.len()).any(|w| w == PKCS12_PBE))
}

/// Says why DER is no key: cut short, trailing bytes, or not a key at all.
fn der_problem(der: &[u8]) -> String {
    if der.first() != Some(&0x30) {
        return "it does not start with an ASN.1 SEQUENCE".into();
    }
    let declared = match der.get(1) {
        Some(&l) if l < 0x80 => Some((2, usize::from(l))),
        Some(&l) if (0x81..=0x84).contains(&l) => {
            let n = usize::from(l & 0x7f);
            der.get(2..2 + n).map(|b| {
                (
                    2 + n,
                    b.iter().fold(0usize, |a, &x| a << 8 | usize::from(x)),
                )
            })
        }
        _ => None,
    };
    match declared {
        Some((header, len)) if header + len > der.len() => format!(
            "it ends after {} of the {} bytes its ASN.1 header announces: the key is cut short (truncated)",
            der.len(),
            header + len
        ),
        Some((header, len)) if header + len < der.len() => {
            format!("{} stray bytes follow the key", der.len() - header - len)
        }
        _ => "an ASN.1 SEQUENCE, but not a PKCS#1, PKCS#8 or SubjectPublicKeyInfo key".into(),
    }
}

fn algorithm_name(oid: pkcs8::der::asn1::ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "1.2.840.10045.2.1" => "an EC (ECDSA) key".into(),
        "1.3.101.110" => "an X25519 key (key agreement, not signing)".into(),
        "1.3.101.113" => "an Ed448 key".into(),
        "1.2.840.113549.1.1.10" => "an RSA-PSS key".into(),
        "1.2.840.10040.4.1" => "a DSA key".into(),
        other => format!("a key of algorithm {other}"),
    }
}

fn unknown_algorithm(name: &str, what: &str) -> Finding {
    Finding::new(
        Code::KeyUnknownAlgorithm,
        name,
        format!("{what}: DKIM signs with RSA (k=rsa) or Ed25519 (k=ed25519)"),
    )
    .with_fix("generate an RSA key: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem")
}

fn encrypted_finding(name: &str) -> Finding {
    let file = shell_word(name);
    Finding::new(
        Code::KeyEncrypted,
        name,
        "the private key is encrypted with a passphrase; signers and upload forms need it unencrypted",
    )
    .with_fix(format!(
        "decrypt it (openssl asks for the passphrase) into a file only you can read: (umask 077; openssl pkey -in {file} -out dkim-plain.pem)"
    ))
}

/// The findings that depend on the profile: sizes, algorithm, the upload
/// form.
fn profile_findings(
    a: &Analyzed,
    options: &KeyCheckOptions,
    report: &mut KeyCheckReport,
) -> Vec<Finding> {
    let name = options.name.as_str();
    let file = shell_word(name);
    let mut findings = Vec::new();
    let info = &a.info;
    let generate = "generate a 2048-bit key, publish its record under a new selector, then switch: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem";
    let ses = options.profile == Profile::Ses;
    if ses && info.kind == KeyKind::Public {
        let mut fix =
            "upload the private key this public key was made from (as one line of base64)"
                .to_string();
        if let Some(record) = &report.record {
            fix.push_str(&format!(
                "; this public key goes into DNS as the TXT record: {record}"
            ));
        }
        findings.push(
            Finding::new(
                Code::KeyNotPrivate,
                name,
                "a public key: the Amazon SES BYODKIM upload needs the private key",
            )
            .with_fix(fix),
        );
    }
    match (info.algorithm, info.bits) {
        (KeyAlgorithm::Rsa, Some(bits)) if bits < 1024 => findings.push(
            Finding::new(
                Code::KeyTooShort,
                name,
                format!("an RSA key of {bits} bits: RFC 8301 requires at least 1024, and verifiers reject shorter keys"),
            )
            .with_fix(generate),
        ),
        (KeyAlgorithm::Rsa, Some(bits)) if ses && bits != 1024 && bits != 2048 => findings.push(
            Finding::new(
                Code::KeySizeUnsupported,
                name,
                format!("an RSA key of {bits} bits: Amazon SES BYODKIM accepts only 1024 or 2048 bits"),
            )
            .with_fix(generate),
        ),
        (KeyAlgorithm::Rsa, Some(bits)) if bits < 2048 => findings.push(
            Finding::new(
                Code::KeyWeak,
                name,
                format!("an RSA key of {bits} bits: allowed (RFC 8301), but 2048 bits is recommended"),
            )
            .with_fix(generate),
        ),
        (KeyAlgorithm::Rsa, Some(bits)) if bits > 4096 => findings.push(
            Finding::new(
                Code::KeySizeUnsupported,
                name,
                format!("an RSA key of {bits} bits: verifiers need only handle up to 4096 (RFC 8301 §3.2), so some may fail it"),
            ).with_severity(Severity::Warning)
            .with_fix(generate),
        ),
        (KeyAlgorithm::Ed25519, _) if ses => findings.push(
            Finding::new(
                Code::KeyUnknownAlgorithm,
                name,
                "an Ed25519 key: Amazon SES BYODKIM accepts only RSA keys of 1024 or 2048 bits",
            )
            .with_fix(generate),
        ),
        _ => {}
    }
    if ses && info.kind == KeyKind::Private && !info.encrypted {
        let problem = match info.form {
            KeyForm::Pem => Some((
                "PEM header and footer lines (and line breaks) around the key",
                format!("grep -v -- ----- {file} | tr -d '\\n'"),
            )),
            KeyForm::Base64 if a.line_breaks => Some((
                "line breaks inside the base64",
                format!("tr -d ' \\t\\r\\n' < {file}"),
            )),
            KeyForm::Der => Some((
                "binary DER, not base64 text",
                format!("openssl base64 -A -in {file}"),
            )),
            KeyForm::Base64 => None,
        };
        if let Some((what, command)) = problem {
            let message = format!(
                "{what}: the Amazon SES BYODKIM upload takes the private key as one line of base64, without header, footer or line breaks"
            );
            let fix = if options.reveal_private_key {
                let line = BASE64.encode(&a.der);
                report.upload_key = Some(line.clone());
                format!("paste this one line (it is the private key: keep it secret): {line}")
            } else {
                format!(
                    "paste the one-line form: print it with --print-fix, or make it with: {command}"
                )
            };
            findings.push(Finding::new(Code::KeyPemArmor, name, message).with_fix(fix));
        }
    }
    findings
}

/// Compares the key with `against`.
fn compare(
    ours: Option<&Material>,
    our_record: Option<&str>,
    against: &Against,
) -> (AgainstReport, Vec<Finding>) {
    let (source, theirs, mut findings, publish_at) = match against {
        Against::Key { name, bytes } => {
            let (analyzed, problems) = analyze(bytes, name);
            let material = analyzed.and_then(|a| a.material);
            let findings = if material.is_none() {
                problems
            } else {
                Vec::new()
            };
            (name.clone(), material.map(|m| vec![m]), findings, None)
        }
        Against::Record(text) => match record_material(text, "record") {
            Ok(m) => ("record".to_string(), Some(vec![m]), Vec::new(), None),
            Err(f) => ("record".to_string(), None, vec![f], None),
        },
        Against::Published {
            source,
            selector,
            domain,
        } => {
            let name = format!("{selector}._domainkey.{}", domain.trim_end_matches('.'));
            let publish = |message: String| {
                let mut f = Finding::new(Code::RecordMissing, &name, message);
                if let Some(record) = our_record {
                    f = f.with_fix(format!("publish the TXT record {name}. \"{record}\""));
                }
                f
            };
            match source.txt(&name) {
                Ok(records) => {
                    let dkim: Vec<&String> = records
                        .iter()
                        .filter(|r| r.contains("p=") || r.trim_start().starts_with("v=DKIM1"))
                        .collect();
                    if dkim.is_empty() {
                        let f = publish(format!("no DKIM key record at {name}"));
                        (name.clone(), None, vec![f], None)
                    } else {
                        let mut found = Vec::new();
                        let mut problems = Vec::new();
                        for r in dkim {
                            match record_material(r, &name) {
                                Ok(m) => found.push(m),
                                Err(f) => problems.push(f),
                            }
                        }
                        let theirs = (!found.is_empty()).then_some(found);
                        (name.clone(), theirs, problems, Some(name))
                    }
                }
                Err(LookupError::NotFound(_)) => {
                    let f = publish(format!("no TXT record at {name}"));
                    (name.clone(), None, vec![f], None)
                }
                Err(e) => {
                    let f = Finding::new(Code::DnsTemporary, &name, e.to_string())
                        .with_fix("try again later, or ask another server with --nameserver");
                    (name.clone(), None, vec![f], None)
                }
            }
        }
    };
    let matches = match (ours, theirs) {
        (Some(ours), Some(theirs)) => {
            let same = theirs.iter().any(|m| m == ours);
            if !same {
                let what: Vec<String> = theirs.iter().map(Material::describe).collect();
                let mut f = Finding::new(
                    Code::KeyMismatch,
                    &source,
                    format!(
                        "the public key there ({}) is not the one of this key ({}): mail signed with this key will fail to verify",
                        what.join(", "),
                        ours.describe()
                    ),
                );
                if let Some(record) = our_record {
                    f = f.with_fix(match &publish_at {
                        Some(name) => {
                            format!("publish the record of this key: {name}. TXT \"{record}\"")
                        }
                        None => format!("use the public key of this key; its record is: {record}"),
                    });
                }
                findings.push(f);
            }
            Some(same)
        }
        _ => None,
    };
    (AgainstReport { source, matches }, findings)
}

/// The public key in a key record, or the finding that says why not.
fn record_material(text: &str, subject: &str) -> Result<Material, Finding> {
    let error = |code, message: String| Finding::new(code, subject, message);
    let tags = crate::dkim::tag_list::TagList::parse(text.as_bytes());
    let p = tags
        .as_ref()
        .ok()
        .and_then(|t| t.get("p"))
        .unwrap_or_default();
    if text.contains("-----BEGIN") || text.contains("-----END") {
        let cleaned: String = p
            .lines()
            .filter(|l| !l.contains("-----"))
            .flat_map(|l| l.chars().filter(|c| !c.is_ascii_whitespace()))
            .collect();
        let mut f = error(
            Code::KeyPemArmor,
            "the record's p= holds PEM armour (-----BEGIN/END lines): p= takes the base64 alone"
                .into(),
        );
        if !cleaned.is_empty() {
            f = f.with_fix(format!("p={cleaned}"));
        }
        return Err(f);
    }
    let record = crate::dkim::record::KeyRecord::parse(text).map_err(|e| {
        let code = match e {
            crate::dkim::record::RecordError::Revoked => Code::KeyRevoked,
            crate::dkim::record::RecordError::UnknownKeyType(_) => Code::KeyUnknownAlgorithm,
            crate::dkim::record::RecordError::InvalidKey(_) => Code::KeyInvalid,
            _ => Code::KeySyntax,
        };
        error(code, e.to_string())
    })?;
    let der = crate::dkim::signature::decode_base64(p)
        .ok_or_else(|| error(Code::KeyInvalid, "p= is not base64".into()))?;
    match record.key_type.as_str() {
        "ed25519" => Ok(Material::Ed25519(der)),
        _ => {
            let pkcs1_der = match spki::SubjectPublicKeyInfoRef::try_from(der.as_slice()) {
                Ok(info) => info.subject_public_key.raw_bytes().to_vec(),
                Err(_) => der,
            };
            let rsa = pkcs1::RsaPublicKeyRef::try_from(pkcs1_der.as_slice()).map_err(|e| {
                error(
                    Code::KeyInvalid,
                    format!("p= is not an RSA public key: {e}"),
                )
            })?;
            Ok(Material::rsa(
                rsa.modulus.as_bytes(),
                rsa.public_exponent.as_bytes(),
            ))
        }
    }
}

/// A file name as one shell word.
fn shell_word(name: &str) -> String {
    if name == "-" || name.is_empty() {
        return "KEYFILE".into();
    }
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c))
    {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_keys() {
        let info = KeyInfo {
            kind: KeyKind::Private,
            algorithm: KeyAlgorithm::Rsa,
            bits: Some(2048),
            encoding: KeyEncoding::Pkcs8,
            form: KeyForm::Pem,
            encrypted: false,
        };
        assert_eq!(info.describe(), "RSA-2048 private key, PKCS#8, PEM");
    }

    #[test]
    fn der_problems() {
        assert!(der_problem(&[0x30, 0x82, 0x04, 0xa0, 0x02]).contains("truncated"));
        assert!(der_problem(b"hello").contains("SEQUENCE"));
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("keys/dkim.pem"), "keys/dkim.pem");
        assert_eq!(shell_word("my key.pem"), "'my key.pem'");
        assert_eq!(shell_word("-"), "KEYFILE");
    }
}
