//! `key check`: what a BYODKIM upload or a published key record is judged
//! on, checked before the provider or a verifier judges it. A key file
//! (private or public; PKCS#1, PKCS#8 or SubjectPublicKeyInfo; PEM, DER or
//! bare base64) is read by [`crate::key::decode`], the decoder every
//! command uses; what it found becomes a [`KeyInfo`] and a list of
//! [`Finding`]s, and the profile's rules add theirs, each with
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
use crate::key::bit_length;
use crate::key::decode::{DecodeError, DecodedKey, KeyMaterial, PublicKey, decode};
use crate::key::{KeyError, signing_key};
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

pub use crate::key::decode::{KeyAlgorithm, KeyEncoding, KeyForm, KeyInfo, KeyKind};

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

    /// The public half of a decoded key, normalized.
    fn of(public: &PublicKey) -> Option<Material> {
        match public {
            PublicKey::Rsa(der) => {
                let rsa = pkcs1::RsaPublicKeyRef::try_from(der.as_slice()).ok()?;
                Some(Material::rsa(
                    rsa.modulus.as_bytes(),
                    rsa.public_exponent.as_bytes(),
                ))
            }
            PublicKey::Ed25519(raw) => Some(Material::Ed25519(raw.clone())),
        }
    }
}

/// A key read from the input.
struct Analyzed {
    key: DecodedKey,
    /// The public half; `None` when encrypted or of an unknown algorithm.
    public: Option<PublicKey>,
    /// The same, normalized for comparison.
    material: Option<Material>,
}

/// Checks a key file: see the module documentation for what is checked.
pub fn check(input: &[u8], options: &KeyCheckOptions) -> KeyCheckReport {
    let name = options.name.as_str();
    let (analyzed, mut findings) = analyze(input, name);
    let mut report = KeyCheckReport {
        key: analyzed.as_ref().map(|a| a.key.info.clone()),
        record: analyzed
            .as_ref()
            .and_then(|a| a.public.as_ref())
            .and_then(|public| public.record().ok()),
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

/// Decodes the key and turns what the decoder found into findings.
fn analyze(input: &[u8], name: &str) -> (Option<Analyzed>, Vec<Finding>) {
    let key = match decode(input) {
        Ok(key) => key,
        Err(error) => return (None, vec![decode_finding(&error, name)]),
    };
    let mut findings = Vec::new();
    match &key.material {
        KeyMaterial::Encrypted => findings.push(encrypted_finding(name)),
        KeyMaterial::Unsupported(what) => findings.push(unknown_algorithm(name, what)),
        KeyMaterial::RsaPrivate(_) => findings.extend(usable_private(&key, name)),
        _ => {}
    }
    let public = key.public_key();
    let material = public.as_ref().and_then(Material::of);
    let analyzed = Analyzed {
        key,
        public,
        material,
    };
    (Some(analyzed), findings)
}

/// The finding for a file that holds no usable key.
fn decode_finding(error: &DecodeError, name: &str) -> Finding {
    let code = if error.is_syntax() {
        Code::KeySyntax
    } else {
        Code::KeyInvalid
    };
    let finding = Finding::new(code, name, error.to_string());
    match error {
        DecodeError::PemBase64 { label, .. } | DecodeError::PemKey { label, .. } => finding
            .with_fix(format!(
                "copy the whole key again, from the -----BEGIN {label}----- line to the -----END {label}----- line"
            )),
        DecodeError::PemHeader | DecodeError::PemLabel(_) => finding,
        _ => finding.with_fix(
            "give the key file itself: a PKCS#1 or PKCS#8 private key (or an SPKI public key) in PEM, DER or base64, as written by e.g. openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out dkim.pem",
        ),
    }
}

/// Whether a structurally sound RSA private key also works: the backend
/// checks that its parts agree.
fn usable_private(key: &DecodedKey, name: &str) -> Option<Finding> {
    if key
        .info
        .bits
        .is_some_and(|bits| bits < crate::key::crypto::MIN_RSA_BITS)
    {
        return None; // key-too-short says it all
    }
    match signing_key(key) {
        Err(KeyError::Invalid(reason)) => Some(
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

fn unknown_algorithm(name: &str, what: &str) -> Finding {
    Finding::new(
        Code::KeyUnknownAlgorithm,
        name,
        KeyError::UnsupportedAlgorithm(what.to_string()).to_string(),
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
    let info = &a.key.info;
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
            KeyForm::Base64 if a.key.line_breaks => Some((
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
                let line = BASE64.encode(&a.key.der);
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
    fn shell_words() {
        assert_eq!(shell_word("keys/dkim.pem"), "keys/dkim.pem");
        assert_eq!(shell_word("my key.pem"), "'my key.pem'");
        assert_eq!(shell_word("-"), "KEYFILE");
    }
}
