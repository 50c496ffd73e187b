//! The DNS records a domain publishes to set up DKIM: the provider-hosted
//! set (Easy DKIM style: three CNAMEs to a provider's key host, plus the
//! `_amazonses` domain-verification TXT) or the key-holder set (one TXT key
//! record for a key you hold). This module validates the names, generates
//! tokens and builds the Route 53 change batch; the zone text (TXT strings,
//! quoting, record lines) is written by [`crate::zone::text`], and the
//! binary only picks the format and writes.
//!
//! Token formats (what SES issues, and what [`generate_dkim_token`] and
//! [`generate_verification_token`] produce):
//! - a DKIM token is 32 characters of lowercase base32 (RFC 4648 alphabet
//!   `a-z2-7`, no padding): 20 bytes (160 bits) from the system's
//!   cryptographic random source;
//! - a verification token is 44 characters of standard base64 (with the
//!   `=` pad): 32 random bytes.

pub mod csv;

use crate::dkim::record::{KeyRecord, RecordError};
use crate::dkim::selector::{SelectorError, SelectorRules, check_selector};
use crate::key::KeyError;
use crate::zone::text::{self, Columns, RecordData, TXT_STRING_MAX, split_txt};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use thiserror::Error;

/// The default host the DKIM CNAMEs point into.
pub const DEFAULT_TARGET_HOST: &str = "dkim.amazonses.com";
/// The default TTL of every record, in seconds.
pub const DEFAULT_TTL: u32 = 1800;
/// How many CNAMEs a provider-hosted set has.
pub const TOKEN_COUNT: usize = 3;
/// Length of a DKIM token.
pub const TOKEN_LEN: usize = 32;

/// Why no record set can be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RecordsError {
    /// The domain is not a DNS name a mail domain can have.
    #[error("'{name}' is not a valid domain: {reason}")]
    Domain {
        /// The text given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The target host is not a DNS name.
    #[error("target host '{name}' is not a valid host name: {reason}")]
    TargetHost {
        /// The text given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The selector breaks RFC 6376 §3.1.
    #[error(transparent)]
    Selector(#[from] SelectorError),
    /// A given DKIM token is malformed, or the wrong number were given.
    #[error("{0}")]
    Tokens(String),
    /// The verification token cannot be published as TXT data.
    #[error("verification token '{token}' is not valid: {reason}")]
    VerificationToken {
        /// The text given.
        token: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A generated name would be longer than DNS allows.
    #[error("{name} is {len} characters long; DNS names are at most 253 (use a shorter domain)")]
    NameTooLong {
        /// The generated name.
        name: String,
        /// Its length.
        len: usize,
    },
    /// The key record text does not describe a usable key.
    #[error("the key record is not usable: {0}")]
    KeyRecord(RecordError),
    /// A key file could not be used.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The system's random source failed.
    #[error("the system random source failed")]
    Random,
}

/// What the DKIM part of a set is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DkimSetup {
    /// Three CNAMEs `<token>._domainkey.DOMAIN` to `<token>.TARGET_HOST`.
    ProviderHosted {
        /// Known tokens to reuse; `None` generates three.
        tokens: Option<Vec<String>>,
        /// The host the CNAMEs point into, e.g. `dkim.amazonses.com`.
        target_host: String,
    },
    /// One TXT key record at `<selector>._domainkey.DOMAIN`.
    KeyHolder {
        /// The selector (s=).
        selector: String,
        /// The record text, `v=DKIM1; k=...; p=...`.
        key_record: String,
    },
}

/// Whether and how the domain-verification TXT is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// No verification record.
    Omit,
    /// `_amazonses.DOMAIN TXT <token>`; `None` generates a token.
    Underscore(Option<String>),
    /// `DOMAIN TXT amazonses:<token>`, for DNS providers that refuse
    /// underscores; `None` generates a token.
    Apex(Option<String>),
}

/// What to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordsOptions {
    /// The domain, as typed (normalized by [`build`]).
    pub domain: String,
    /// The DKIM records.
    pub dkim: DkimSetup,
    /// The domain-verification record.
    pub verification: Verification,
    /// TTL of every record, in seconds.
    pub ttl: u32,
}

/// Which kind of set this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetKind {
    /// Provider-hosted keys behind three CNAMEs.
    ProviderHosted,
    /// A TXT key record for a key you hold.
    KeyHolder,
}

/// A DNS record type used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RecordType {
    /// An alias to another name.
    #[serde(rename = "CNAME")]
    Cname,
    /// Text data.
    #[serde(rename = "TXT")]
    Txt,
}

impl RecordType {
    /// The type as DNS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Cname => "CNAME",
            RecordType::Txt => "TXT",
        }
    }
}

/// What a record is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A DKIM key (a CNAME to it, or the key record itself).
    Dkim,
    /// Domain verification.
    Verification,
}

/// One record to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Owner name, fully qualified, lowercase, without the trailing dot.
    pub name: String,
    /// Owner name relative to the domain (`@` for the domain itself), for
    /// web forms that append the zone.
    pub relative_name: String,
    /// Record type.
    #[serde(rename = "type")]
    pub record_type: RecordType,
    /// The value as a web form takes it: a CNAME target without the
    /// trailing dot, or the TXT text unquoted and unsplit.
    pub value: String,
    /// TXT data split into strings of at most 255 bytes; absent for CNAME.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub txt_strings: Option<Vec<String>>,
    /// TTL in seconds.
    pub ttl: u32,
    /// What the record is for.
    pub purpose: Purpose,
    /// One sentence about the record.
    pub note: String,
}

impl Record {
    /// The record's type and value, as the zone writer takes them.
    pub fn data(&self) -> RecordData<'_> {
        match self.record_type {
            RecordType::Cname => RecordData::Cname(&self.value),
            RecordType::Txt => RecordData::Txt(&self.value),
        }
    }

    /// The record data in master-file form: a CNAME target with the
    /// trailing dot, or TXT strings quoted, escaped and joined by spaces.
    pub fn rdata(&self) -> String {
        self.data().master_file()
    }

    /// One BIND master-file line, `NAME TTL IN TYPE DATA`, laid out in
    /// `columns`.
    pub fn zone_line(&self, columns: Columns) -> String {
        text::record_line(&self.name, Some(self.ttl), self.data(), columns)
    }
}

/// The records of one domain, and the tokens they were made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSet {
    /// The domain, lowercase, without the trailing dot.
    pub domain: String,
    /// Provider-hosted or key-holder.
    pub kind: SetKind,
    /// The three DKIM tokens (provider-hosted sets).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dkim_tokens: Vec<String>,
    /// Whether dkimctl generated the DKIM tokens (rather than reusing given ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dkim_tokens_generated: Option<bool>,
    /// The selector (key-holder sets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// The domain-verification token, when a verification record is included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_token: Option<String>,
    /// Whether dkimctl generated the verification token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_token_generated: Option<bool>,
    /// The records, DKIM first.
    pub records: Vec<Record>,
}

impl RecordSet {
    /// The records as BIND master-file lines, each ending in a newline,
    /// names aligned.
    pub fn zone_lines(&self) -> String {
        let columns = Columns::aligned(self.records.iter().map(|r| r.name.as_str()));
        self.records
            .iter()
            .map(|r| r.zone_line(columns) + "\n")
            .collect()
    }

    /// Whether a record sits at the domain itself, where UPSERT replaces
    /// every TXT value already there (SPF, other verifications).
    pub fn has_apex_txt(&self) -> bool {
        self.records
            .iter()
            .any(|r| r.record_type == RecordType::Txt && r.name == self.domain)
    }

    /// The set as a Route 53 change batch (`aws route53
    /// change-resource-record-sets --change-batch file://batch.json`): one
    /// UPSERT per record, TXT strings quoted and split as Route 53 wants.
    pub fn route53_change_batch(&self) -> ChangeBatch {
        let what = match self.kind {
            SetKind::ProviderHosted => "provider-hosted DKIM CNAMEs",
            SetKind::KeyHolder => "DKIM key record",
        };
        let verification = if self.verification_token.is_some() {
            " and domain verification"
        } else {
            ""
        };
        ChangeBatch {
            comment: format!("dkimctl records {}: {what}{verification}", self.domain),
            changes: self
                .records
                .iter()
                .map(|r| Change {
                    action: "UPSERT",
                    resource_record_set: ResourceRecordSet {
                        name: r.name.clone(),
                        record_type: r.record_type,
                        ttl: r.ttl,
                        resource_records: vec![ResourceRecord {
                            value: match r.record_type {
                                RecordType::Cname => r.value.clone(),
                                RecordType::Txt => text::route53_txt(&r.value),
                            },
                        }],
                    },
                })
                .collect(),
        }
    }
}

/// A Route 53 `ChangeBatch`, field names as the API spells them.
///
/// # Format
/// ```text
/// {"Comment": "...",
///  "Changes": [{"Action": "UPSERT",
///               "ResourceRecordSet": {"Name": "...", "Type": "CNAME"|"TXT", "TTL": 1800,
///                                     "ResourceRecords": [{"Value": "..."}]}}]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeBatch {
    /// What the batch does.
    #[serde(rename = "Comment")]
    pub comment: String,
    /// One change per record.
    #[serde(rename = "Changes")]
    pub changes: Vec<Change>,
}

/// One change of a [`ChangeBatch`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Always `UPSERT`: create, or replace what is there.
    #[serde(rename = "Action")]
    pub action: &'static str,
    /// The record set.
    #[serde(rename = "ResourceRecordSet")]
    pub resource_record_set: ResourceRecordSet,
}

/// A Route 53 resource record set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRecordSet {
    /// Owner name.
    #[serde(rename = "Name")]
    pub name: String,
    /// Record type.
    #[serde(rename = "Type")]
    pub record_type: RecordType,
    /// TTL in seconds.
    #[serde(rename = "TTL")]
    pub ttl: u32,
    /// The values (one here).
    #[serde(rename = "ResourceRecords")]
    pub resource_records: Vec<ResourceRecord>,
}

/// One value of a Route 53 record set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRecord {
    /// The value; TXT values carry their quotes.
    #[serde(rename = "Value")]
    pub value: String,
}

/// Builds the record set `options` describe, generating tokens where none
/// are given.
pub fn build(options: &RecordsOptions) -> Result<RecordSet, RecordsError> {
    let domain = normalize_domain(&options.domain)?;
    let ttl = options.ttl;
    let mut records = Vec::new();
    let mut set = RecordSet {
        domain: domain.clone(),
        kind: SetKind::ProviderHosted,
        dkim_tokens: Vec::new(),
        dkim_tokens_generated: None,
        selector: None,
        verification_token: None,
        verification_token_generated: None,
        records: Vec::new(),
    };
    match &options.dkim {
        DkimSetup::ProviderHosted {
            tokens,
            target_host,
        } => {
            let target_host = check_target_host(target_host)?;
            let tokens = match tokens {
                Some(given) => check_tokens(given)?,
                None => generate_dkim_tokens()?,
            };
            set.dkim_tokens_generated = Some(tokens_generated(&options.dkim));
            for (i, token) in tokens.iter().enumerate() {
                records.push(Record {
                    name: format!("{token}._domainkey.{domain}"),
                    relative_name: format!("{token}._domainkey"),
                    record_type: RecordType::Cname,
                    value: format!("{token}.{target_host}"),
                    txt_strings: None,
                    ttl,
                    purpose: Purpose::Dkim,
                    note: format!(
                        "DKIM key {} of {TOKEN_COUNT}, hosted at {target_host}",
                        i + 1
                    ),
                });
            }
            set.dkim_tokens = tokens;
        }
        DkimSetup::KeyHolder {
            selector,
            key_record,
        } => {
            let note = check_selector(selector, Some(&domain), SelectorRules::Rfc6376)?;
            let parsed = KeyRecord::parse(key_record).map_err(RecordsError::KeyRecord)?;
            let key = match parsed.key.rsa_bits() {
                Some(bits) => format!("RSA {bits}-bit"),
                None => "Ed25519".to_string(),
            };
            let strings = split_txt(key_record);
            let split = match strings.len() {
                1 => String::new(),
                n => format!(", published as {n} strings of at most {TXT_STRING_MAX} bytes"),
            };
            records.push(Record {
                name: format!("{selector}._domainkey.{domain}"),
                relative_name: format!("{selector}._domainkey"),
                record_type: RecordType::Txt,
                value: key_record.clone(),
                txt_strings: Some(strings),
                ttl,
                purpose: Purpose::Dkim,
                note: format!(
                    "DKIM public key ({key}, {} characters{split}){}",
                    key_record.len(),
                    note.map(|n| format!("; {}", n.message)).unwrap_or_default()
                ),
            });
            set.kind = SetKind::KeyHolder;
            set.selector = Some(selector.clone());
        }
    }
    let (token, apex) = match &options.verification {
        Verification::Omit => (None, false),
        Verification::Underscore(token) => (Some(token), false),
        Verification::Apex(token) => (Some(token), true),
    };
    if let Some(token) = token {
        let (token, generated) = match token {
            Some(given) => (check_verification_token(given)?, false),
            None => (generate_verification_token()?, true),
        };
        let origin = if generated {
            "; generated here: pass the token SES issued with --verification-token"
        } else {
            ""
        };
        let record = if apex {
            let value = format!("amazonses:{token}");
            Record {
                name: domain.clone(),
                relative_name: "@".into(),
                record_type: RecordType::Txt,
                txt_strings: Some(split_txt(&value)),
                value,
                ttl,
                purpose: Purpose::Verification,
                note: format!(
                    "domain verification at the domain itself, for DNS hosts that refuse underscores; \
                     keep the TXT values already there (SPF){origin}"
                ),
            }
        } else {
            Record {
                name: format!("_amazonses.{domain}"),
                relative_name: "_amazonses".into(),
                record_type: RecordType::Txt,
                txt_strings: Some(split_txt(&token)),
                value: token.clone(),
                ttl,
                purpose: Purpose::Verification,
                note: format!("domain verification (SES){origin}"),
            }
        };
        records.push(record);
        set.verification_token = Some(token);
        set.verification_token_generated = Some(generated);
    }
    for record in &records {
        let target = (record.record_type == RecordType::Cname).then_some(&record.value);
        for name in std::iter::once(&record.name).chain(target) {
            if name.len() > 253 {
                return Err(RecordsError::NameTooLong {
                    name: name.clone(),
                    len: name.len(),
                });
            }
        }
    }
    set.records = records;
    Ok(set)
}

fn tokens_generated(dkim: &DkimSetup) -> bool {
    matches!(dkim, DkimSetup::ProviderHosted { tokens: None, .. })
}

/// Lowercases `text`, strips one trailing dot and checks it is a domain a
/// mail domain can be: at least two labels of letters, digits and inner
/// hyphens, each at most 63 characters, 253 in all, not an IP address.
pub fn normalize_domain(text: &str) -> Result<String, RecordsError> {
    let bad = |reason: &str| RecordsError::Domain {
        name: text.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = text.trim();
    if trimmed.contains("://") {
        return Err(bad("give the domain, not a URL (example.com)"));
    }
    if trimmed.contains('@') {
        return Err(bad("give the domain, not an e-mail address (example.com)"));
    }
    if trimmed.contains("._domainkey") || trimmed.starts_with("_domainkey") {
        return Err(bad(
            "give the domain alone; dkimctl adds <selector>._domainkey itself",
        ));
    }
    let name = normalize_name(trimmed).map_err(|reason| bad(&reason))?;
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("a mail domain has at least two labels (example.com)"));
    }
    if labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad("an IP address is not a domain"));
    }
    Ok(name)
}

/// Lowercases a host name, strips one trailing dot, and checks the
/// RFC 1035 §2.3.1 preferred syntax (letters, digits, inner hyphens).
fn normalize_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name.is_empty() {
        return Err("it is empty".into());
    }
    if !name.is_ascii() {
        return Err("use the ASCII (xn--) form of an internationalized name".into());
    }
    if name.len() > 253 {
        return Err(format!(
            "{} characters; DNS names are at most 253",
            name.len()
        ));
    }
    for label in name.split('.') {
        check_label(label)?;
    }
    Ok(name)
}

/// One label: 1-63 letters, digits and hyphens, not starting or ending
/// with a hyphen.
fn check_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("it has an empty label (two dots in a row, or a leading dot)".into());
    }
    if label.len() > 63 {
        return Err(format!(
            "label '{label}' has {} characters; at most 63",
            label.len()
        ));
    }
    if let Some(c) = label
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && *c != '-')
    {
        return Err(format!(
            "label '{label}' contains '{c}'; only letters, digits and hyphens"
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!("label '{label}' starts or ends with a hyphen"));
    }
    Ok(())
}

/// Checks given DKIM tokens (spaces around them ignored): exactly three,
/// distinct, each 32 characters of `a-z2-7`.
pub fn check_tokens(tokens: &[String]) -> Result<Vec<String>, RecordsError> {
    let tokens: Vec<String> = tokens.iter().map(|t| t.trim().to_string()).collect();
    if tokens.len() != TOKEN_COUNT {
        return Err(RecordsError::Tokens(format!(
            "--tokens takes exactly {TOKEN_COUNT} tokens, comma-separated; {} given",
            tokens.len()
        )));
    }
    for token in &tokens {
        check_token(token)?;
    }
    for (i, token) in tokens.iter().enumerate() {
        if tokens[..i].contains(token) {
            return Err(RecordsError::Tokens(format!(
                "token '{token}' is given twice; the {TOKEN_COUNT} tokens must differ"
            )));
        }
    }
    Ok(tokens)
}

/// Checks one DKIM token (spaces around it ignored): 32 characters of
/// `a-z2-7`, as providers issue them.
pub fn check_token(token: &str) -> Result<String, RecordsError> {
    let token = token.trim();
    let bad = |problem: String| {
        RecordsError::Tokens(format!(
            "token '{}' is not a DKIM token: {problem}; a token is {TOKEN_LEN} characters of a-z and 2-7",
            token.escape_default()
        ))
    };
    let outside = |c: &char| !(c.is_ascii_alphabetic() || ('2'..='7').contains(c));
    if let Some(c) = token.chars().find(outside) {
        let hint = if c.is_ascii_digit() {
            " (the alphabet has no 0, 1, 8 or 9)"
        } else {
            ""
        };
        return Err(bad(format!("it contains '{}'{hint}", c.escape_default())));
    }
    if token.len() != TOKEN_LEN {
        return Err(bad(format!("it has {} characters", token.len())));
    }
    if token.bytes().any(|b| b.is_ascii_uppercase()) {
        // Copied in capitals: nothing else is wrong, so say only that.
        return Err(RecordsError::Tokens(format!(
            "token '{token}' has capital letters; DKIM tokens are lowercase: '{}'",
            token.to_ascii_lowercase()
        )));
    }
    Ok(token.to_string())
}

/// Checks a target host for provider CNAMEs: a DNS name, lowercased,
/// without the trailing dot.
pub fn check_target_host(text: &str) -> Result<String, RecordsError> {
    normalize_name(text).map_err(|reason| RecordsError::TargetHost {
        name: text.to_string(),
        reason,
    })
}

/// Checks a given verification token: 1 to 1024 visible ASCII characters.
pub fn check_verification_token(token: &str) -> Result<String, RecordsError> {
    let bad = |reason: &str| RecordsError::VerificationToken {
        token: token.to_string(),
        reason: reason.to_string(),
    };
    if token.is_empty() {
        return Err(bad("it is empty"));
    }
    if token.len() > 1024 {
        return Err(bad("it is longer than 1024 characters"));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("only visible ASCII characters, no spaces"));
    }
    Ok(token.to_string())
}

/// Three distinct DKIM tokens from the system's cryptographic random source.
pub fn generate_dkim_tokens() -> Result<Vec<String>, RecordsError> {
    let mut tokens: Vec<String> = Vec::with_capacity(TOKEN_COUNT);
    while tokens.len() < TOKEN_COUNT {
        let token = generate_dkim_token()?;
        // A repeat has probability 2^-160; checked anyway, as it is free.
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    Ok(tokens)
}

/// One DKIM token: 20 random bytes as 32 characters of lowercase base32.
pub fn generate_dkim_token() -> Result<String, RecordsError> {
    let mut bytes = [0u8; 20];
    fill_random(&mut bytes)?;
    Ok(base32_lower(&bytes))
}

/// One verification token: 32 random bytes as 44 characters of standard
/// base64.
pub fn generate_verification_token() -> Result<String, RecordsError> {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes)?;
    Ok(BASE64.encode(bytes))
}

fn fill_random(bytes: &mut [u8]) -> Result<(), RecordsError> {
    use aws_lc_rs::rand::SecureRandom;
    aws_lc_rs::rand::SystemRandom::new()
        .fill(bytes)
        .map_err(|_| RecordsError::Random)
}

/// RFC 4648 base32 in lowercase, without padding.
fn base32_lower(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosted(tokens: Option<Vec<String>>) -> RecordsOptions {
        RecordsOptions {
            domain: "Example.COM.".into(),
            dkim: DkimSetup::ProviderHosted {
                tokens,
                target_host: DEFAULT_TARGET_HOST.into(),
            },
            verification: Verification::Underscore(Some("abc=".into())),
            ttl: DEFAULT_TTL,
        }
    }

    const T: [&str; 3] = [
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "cccccccccccccccccccccccccccccc27",
    ];

    fn tokens() -> Vec<String> {
        T.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn base32_matches_rfc4648_vectors() {
        for (input, output) in [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ] {
            assert_eq!(base32_lower(input.as_bytes()), output, "{input}");
        }
    }

    #[test]
    fn generated_tokens_have_the_ses_shape() {
        let a = generate_dkim_tokens().unwrap();
        let b = generate_dkim_tokens().unwrap();
        assert_eq!(check_tokens(&a).unwrap(), a);
        assert_ne!(a, b);
        let v = generate_verification_token().unwrap();
        assert_eq!(v.len(), 44);
        assert_eq!(BASE64.decode(&v).unwrap().len(), 32);
    }

    #[test]
    fn hosted_set() {
        let set = build(&hosted(Some(tokens()))).unwrap();
        assert_eq!(set.domain, "example.com");
        let names: Vec<_> = set.records.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa._domainkey.example.com",
                "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb._domainkey.example.com",
                "cccccccccccccccccccccccccccccc27._domainkey.example.com",
                "_amazonses.example.com",
            ]
        );
        assert_eq!(
            set.records[0].rdata(),
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dkim.amazonses.com."
        );
        assert_eq!(set.records[3].rdata(), "\"abc=\"");
        assert_eq!(set.dkim_tokens_generated, Some(false));
        let generated = build(&hosted(None)).unwrap();
        assert_eq!(generated.dkim_tokens.len(), 3);
        assert_eq!(generated.dkim_tokens_generated, Some(true));
    }

    #[test]
    fn apex_verification_is_prefixed() {
        let mut options = hosted(Some(tokens()));
        options.verification = Verification::Apex(Some("tok".into()));
        let set = build(&options).unwrap();
        let last = set.records.last().unwrap();
        assert_eq!(
            (last.name.as_str(), last.relative_name.as_str()),
            ("example.com", "@")
        );
        assert_eq!(last.value, "amazonses:tok");
        assert!(set.has_apex_txt());
    }

    #[test]
    fn token_rules() {
        let mut given = tokens();
        assert!(check_tokens(&given[..2]).is_err());
        given[1] = given[0].clone();
        assert!(
            check_tokens(&given)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        for bad in [
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",   // 31
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", // 33
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",  // 1 is not base32
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaA",
        ] {
            let mut given = tokens();
            given[2] = bad.into();
            assert!(check_tokens(&given).is_err(), "{bad}");
        }
    }

    #[test]
    fn domains() {
        for (text, expected) in [
            ("example.com", "example.com"),
            ("Example.COM.", "example.com"),
            (" mail.example.co.uk ", "mail.example.co.uk"),
            ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ] {
            assert_eq!(normalize_domain(text).unwrap(), expected, "{text}");
        }
        for (text, reason) in [
            ("", "empty"),
            ("com", "two labels"),
            ("example..com", "empty label"),
            ("-example.com", "hyphen"),
            ("exa_mple.com", "'_'"),
            ("bücher.example", "xn--"),
            ("joe@example.com", "e-mail"),
            ("https://example.com", "URL"),
            ("s1._domainkey.example.com", "_domainkey"),
            ("192.0.2.1", "IP address"),
            (&format!("{}.com", "a".repeat(64)), "at most 63"),
            (&format!("{}com", "abcdefgh.".repeat(29)), "at most 253"),
        ] {
            let err = normalize_domain(text).unwrap_err().to_string();
            assert!(err.contains(reason), "{text}: {err}");
        }
    }

    #[test]
    fn generated_names_stay_within_253() {
        // 209 characters is the longest domain the token names fit under.
        let label = "a".repeat(63);
        let domain = format!("{label}.{label}.{label}.{}", "b".repeat(17));
        let mut options = hosted(Some(tokens()));
        options.domain = domain.clone();
        assert_eq!(domain.len(), 209);
        assert!(build(&options).is_ok());
        options.domain = format!("{domain}c");
        let err = build(&options).unwrap_err();
        assert!(
            matches!(err, RecordsError::NameTooLong { len: 254, .. }),
            "{err}"
        );
    }

    #[test]
    fn route53_batch_shape() {
        let set = build(&hosted(Some(tokens()))).unwrap();
        let batch = serde_json::to_value(set.route53_change_batch()).unwrap();
        let change = &batch["Changes"][3];
        assert_eq!(change["Action"], "UPSERT");
        let rrset = &change["ResourceRecordSet"];
        assert_eq!(rrset["Name"], "_amazonses.example.com");
        assert_eq!(rrset["Type"], "TXT");
        assert_eq!(rrset["TTL"], 1800);
        assert_eq!(rrset["ResourceRecords"][0]["Value"], "\"abc=\"");
        assert_eq!(
            batch["Changes"][0]["ResourceRecordSet"]["ResourceRecords"][0]["Value"],
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dkim.amazonses.com"
        );
    }
}
