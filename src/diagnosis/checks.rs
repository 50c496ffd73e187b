//! The diagnosis catalogue as pure functions over what DNS (or a zone file)
//! holds for a name: a [`RecordSnapshot`]. `diagnose` fills snapshots from
//! live DNS and `lint` from zone files; both judge them here, so a finding
//! means the same thing online and offline.

use crate::diagnosis::finding::{Code, Finding, Severity};
use crate::dkim::record::{KeyRecord, RecordError};
use crate::dkim::tag_list;
use crate::dns::join_txt;
use crate::zone::text::{self, Columns, RecordData, TXT_STRING_MAX};
use serde::Serialize;

/// What a query for one record type at one name gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "records")]
pub enum Answer<T> {
    /// Records of the type, owned by the name.
    Records(Vec<T>),
    /// The name does not exist.
    NxDomain,
    /// The name exists but has no records of the type.
    NoData,
    /// The server answered SERVFAIL.
    ServFail,
    /// The server refused to answer (REFUSED): its policy, not a passing
    /// failure.
    Refused,
    /// No answer in time.
    Timeout,
    /// Any other failure to ask.
    Failed(String),
}

impl<T> Answer<T> {
    /// The records, empty unless the answer held some.
    pub fn records(&self) -> &[T] {
        match self {
            Answer::Records(records) => records,
            _ => &[],
        }
    }

    /// Whether the question went unanswered (SERVFAIL, REFUSED, timeout,
    /// other failure).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Answer::ServFail | Answer::Refused | Answer::Timeout | Answer::Failed(_)
        )
    }

    /// A few words for messages: "SERVFAIL", "a timeout", ...
    pub fn describe(&self) -> String {
        match self {
            Answer::Records(r) => format!("{} record(s)", r.len()),
            Answer::NxDomain => "NXDOMAIN".into(),
            Answer::NoData => "no data".into(),
            Answer::ServFail => "SERVFAIL".into(),
            Answer::Refused => "REFUSED".into(),
            Answer::Timeout => "a timeout".into(),
            Answer::Failed(detail) => format!("an error ({detail})"),
        }
    }
}

/// What DNS said for one name: its CNAME target(s) and its TXT records,
/// each kept as its individual character-strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSnapshot {
    /// The name, lowercase, without the trailing dot.
    pub name: String,
    /// CNAME targets (lowercase, no trailing dot).
    pub cname: Answer<String>,
    /// TXT records, each a list of character-strings.
    pub txt: Answer<Vec<Vec<u8>>>,
}

impl RecordSnapshot {
    /// The single CNAME target, if any.
    pub fn cname_target(&self) -> Option<&str> {
        self.cname.records().first().map(String::as_str)
    }

    /// The TXT records with their strings joined.
    pub fn txt_joined(&self) -> Vec<String> {
        self.txt.records().iter().map(|r| join_txt(r)).collect()
    }

    /// Whether there is anything at the name (a CNAME or a TXT record).
    pub fn has_data(&self) -> bool {
        !self.cname.records().is_empty() || !self.txt.records().is_empty()
    }
}

/// What a usable key record holds, for the one-line verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySummary {
    /// `rsa` or `ed25519`.
    pub key_type: String,
    /// RSA modulus size.
    pub bits: Option<usize>,
}

impl std::fmt::Display for KeySummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.bits {
            Some(bits) => write!(f, "RSA-{bits}"),
            None if self.key_type == "ed25519" => f.write_str("Ed25519"),
            None => f.write_str(&self.key_type),
        }
    }
}

/// The TTL a fix suggests.
const FIX_TTL: u32 = 3600;

/// The record a fix asks for, as a master-file line: `NAME. 3600 IN TYPE DATA`.
pub fn zone_line(name: &str, data: RecordData<'_>) -> String {
    text::record_line(name, Some(FIX_TTL), data, Columns::default())
}

/// Whether TXT text looks like a DKIM key record.
pub fn looks_like_key(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("v=DKIM1") || t.contains("p=") || t.contains("k=rsa")
}

/// Whether TXT text is unmistakably a DKIM key record, for names outside
/// `_domainkey` where other TXT records live: `v=DKIM1` first, or no `v=`
/// and a `p=` holding a key-sized base64 value. DMARC (`v=DMARC1; p=none`)
/// and SPF are not.
pub fn is_key_record(text: &str) -> bool {
    let t = text.trim_start();
    if t.as_bytes()
        .get(..7)
        .is_some_and(|v| v.eq_ignore_ascii_case(b"v=DKIM1"))
    {
        return true;
    }
    raw_tag(t, "v").is_none()
        && raw_tag(t, "p").is_some_and(|p| {
            let p = p.trim();
            p.len() >= 64
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/= \t".contains(&b))
        })
}

/// Judges the TXT records at a key record name: several records, strings
/// over 255 bytes, PEM armour, syntax, version, revocation, algorithm,
/// size and testing mode. Returns the findings and, when one record is
/// usable, what key it holds.
pub fn check_key_records(
    name: &str,
    records: &[Vec<Vec<u8>>],
) -> (Vec<Finding>, Option<KeySummary>) {
    if let Some(finding) = check_split_records(name, records) {
        return (vec![finding], None);
    }
    let keys = key_records(records);
    let mut findings: Vec<Finding> = check_multiple_keys(name, keys.len()).into_iter().collect();
    let mut summary = None;
    for strings in keys {
        findings.extend(check_string_lengths(name, strings));
        let (more, key) = check_key_record(name, strings);
        findings.extend(more);
        if summary.is_none() {
            summary = key;
        }
    }
    (findings, summary)
}

/// The TXT records at a key record name that are meant as keys: the only
/// one, or those that look like keys (a stray SPF record beside a key is
/// not a second key).
pub fn key_records(records: &[Vec<Vec<u8>>]) -> Vec<&Vec<Vec<u8>>> {
    records
        .iter()
        .filter(|r| records.len() == 1 || looks_like_key(&join_txt(r)))
        .collect()
}

/// `key-split-records` when the TXT records at a name make one key record
/// only when joined: the fix is the one record with their strings.
pub fn check_split_records(name: &str, records: &[Vec<Vec<u8>>]) -> Option<Finding> {
    let texts: Vec<String> = records.iter().map(|r| join_txt(r)).collect();
    let joined = crate::dkim::damage::split_records(&texts)?;
    let error = RecordError::SplitRecords {
        count: texts.len(),
        repaired: joined,
    };
    Some(
        Finding::new(error.code(), name, error.to_string()).with_fix(zone_line(
            name,
            RecordData::Txt(error.repaired().unwrap_or_default()),
        )),
    )
}

/// `key-multiple-records` when `count` key records share one name.
pub fn check_multiple_keys(name: &str, count: usize) -> Option<Finding> {
    (count > 1).then(|| {
        Finding::new(
            Code::KeyMultipleRecords,
            name,
            format!("{count} key records at one name; verifiers may pick any of them and fail"),
        )
        .with_fix(format!(
            "keep exactly one TXT record at {name}: delete the others"
        ))
    })
}

/// `txt-string-too-long` for each character-string of one TXT record over
/// 255 bytes, with the record split properly as the fix.
pub fn check_string_lengths(name: &str, strings: &[Vec<u8>]) -> Vec<Finding> {
    strings
        .iter()
        .filter(|s| s.len() > TXT_STRING_MAX)
        .map(|s| {
            Finding::new(
                Code::TxtStringTooLong,
                name,
                format!(
                    "one TXT string is {} bytes; a string holds at most 255",
                    s.len()
                ),
            )
            .with_fix(zone_line(name, RecordData::Txt(&join_txt(strings))))
        })
        .collect()
}

/// Judges one key record, given as its character-strings.
pub fn check_key_record(name: &str, strings: &[Vec<u8>]) -> (Vec<Finding>, Option<KeySummary>) {
    check_key_text(name, &join_txt(strings))
}

/// The raw value of tag `tag` in a record text, untouched.
fn raw_tag<'a>(text: &'a str, tag: &str) -> Option<&'a str> {
    tag_list::scan(text).find_map(|s| s.value.filter(|_| s.name == tag))
}

/// Judges one key record text.
fn check_key_text(name: &str, text: &str) -> (Vec<Finding>, Option<KeySummary>) {
    let mut findings = Vec::new();
    let error = |code, message: String| Finding::new(code, name, message);
    if let Some(armor) = crate::dkim::damage::pem_armor(text) {
        let fixed = armor.repaired().unwrap_or_default();
        findings.push(
            error(armor.code(), armor.to_string())
                .with_fix(zone_line(name, RecordData::Txt(fixed))),
        );
        return (findings, None);
    }
    let record = match KeyRecord::parse(text) {
        Ok(record) => record,
        Err(e) => {
            let code = e.code();
            let fix = match code {
                _ if e.repaired().is_some() => {
                    zone_line(name, RecordData::Txt(e.repaired().unwrap_or_default()))
                }
                Code::KeyTruncated => format!(
                    "publish the whole key at {name}: one TXT record holding all of its strings (`dkimctl records --zone` writes them), or use a DNS host that joins them"
                ),
                Code::KeyVersion => zone_line(
                    name,
                    RecordData::Txt(&format!("v=DKIM1; {}", tag_list::with_tag(text, "v", None))),
                ),
                Code::KeyRevoked => format!(
                    "the key was revoked on purpose, or never filled in: generate a key (`dkimctl keygen`) and publish its record at {name}, or remove the selector from your signer"
                ),
                Code::KeyTooShort => format!(
                    "generate a 2048-bit key (`dkimctl keygen --bits 2048`) and publish its record at {name}"
                ),
                _ => format!(
                    "publish the record exactly as your provider or `dkimctl keygen` gives it: {}",
                    zone_line(
                        name,
                        RecordData::Txt("v=DKIM1; k=rsa; p=<base64 public key>")
                    )
                ),
            };
            findings.push(error(code, e.to_string()).with_fix(fix));
            return (findings, None);
        }
    };
    if let Some(problem) = record.hash_problem() {
        findings.push(error(Code::KeyHashUnusable, problem).with_fix(zone_line(
            name,
            RecordData::Txt(&tag_list::with_tag(text, "h", None)),
        )));
    }
    let bits = record.key.rsa_bits();
    if let Some(bits) = bits {
        if bits < 1024 {
            findings.push(
                error(
                    Code::KeyTooShort,
                    format!("the RSA key has {bits} bits; RFC 8301 requires at least 1024"),
                )
                .with_fix(format!(
                    "generate a 2048-bit key (`dkimctl keygen --bits 2048`) and publish its record at {name}"
                )),
            );
        } else if bits < 2048 {
            findings.push(
                Finding::new(
                    Code::KeyWeak,
                    name,
                    format!("the RSA key has {bits} bits; 2048 is recommended"),
                )
                .with_fix(
                    "rotate to a 2048-bit key (`dkimctl keygen --bits 2048`) under a new selector",
                ),
            );
        }
    }
    if record.is_testing() {
        let flags: Vec<&str> = record
            .flags
            .iter()
            .map(String::as_str)
            .filter(|f| *f != "y")
            .collect();
        let fixed = tag_list::with_tag(
            text,
            "t",
            (!flags.is_empty()).then(|| flags.join(":")).as_deref(),
        );
        findings.push(
            Finding::new(
                Code::KeyTesting,
                name,
                "t=y: the domain is testing DKIM; verifiers may ignore failures and some ignore passes",
            )
            .with_fix(zone_line(name, RecordData::Txt(&fixed))),
        );
    }
    let summary = KeySummary {
        key_type: record.key_type.clone(),
        bits,
    };
    (findings, Some(summary))
}

/// A place a record meant for `<selector>._domainkey.<domain>` often ends
/// up instead, and the finding code for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misplacement {
    /// The wrong name.
    pub name: String,
    /// `duplicated-suffix`, `missing-underscore` or `missing-domainkey-label`.
    pub code: Code,
}

/// The wrong names to look at when `<selector>._domainkey.<domain>` is
/// empty; `apex` is the zone the domain is in.
pub fn misplaced_names(selector: &str, domain: &str, apex: &str) -> Vec<Misplacement> {
    let m = |name: String, code| Misplacement { name, code };
    vec![
        m(
            format!("{selector}._domainkey.{domain}.{apex}"),
            Code::DuplicatedSuffix,
        ),
        m(
            format!("{selector}.domainkey.{domain}"),
            Code::MissingUnderscore,
        ),
        m(
            format!("{selector}-domainkey.{domain}"),
            Code::MissingUnderscore,
        ),
        m(
            format!("{selector}_domainkey.{domain}"),
            Code::MissingUnderscore,
        ),
        m(format!("{selector}.{domain}"), Code::MissingDomainkeyLabel),
    ]
}

/// The record to publish at `name`, copied from what sits at the wrong place.
fn moved_record(name: &str, found: &RecordSnapshot) -> Option<String> {
    if let Some(target) = found.cname_target() {
        return Some(zone_line(name, RecordData::Cname(target)));
    }
    found
        .txt_joined()
        .into_iter()
        .find(|t| looks_like_key(t))
        .map(|t| zone_line(name, RecordData::Txt(&t)))
}

/// Whether a snapshot at a wrong name holds what looks like the missing
/// DKIM record (a key TXT, or a CNAME into a key host).
pub fn holds_dkim(found: &RecordSnapshot, expected_target: Option<&str>) -> bool {
    if let Some(target) = found.cname_target() {
        return expected_target == Some(target)
            || target.contains("dkim")
            || target.contains("domainkey");
    }
    found.txt_joined().iter().any(|t| looks_like_key(t))
}

/// The finding for a record found at a wrong name instead of `expected`.
pub fn misplaced(expected: &str, wrong: &Misplacement, found: &RecordSnapshot) -> Finding {
    let why = match wrong.code {
        Code::DuplicatedSuffix => {
            "the DNS form appended the zone to a name that was already fully qualified"
        }
        Code::MissingUnderscore => "the `_domainkey` label lost its underscore",
        _ => "the `_domainkey` label is missing",
    };
    let mut finding = Finding::new(
        wrong.code,
        &wrong.name,
        format!(
            "the record for {expected} is published at {} ({why})",
            wrong.name
        ),
    );
    if let Some(line) = moved_record(expected, found) {
        finding = finding.with_fix(format!(
            "delete the record at {}. and publish: {line}",
            wrong.name
        ));
    }
    finding
}

/// The DKIM token of a provider-hosted name: the first label.
fn first_label(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// Judges a CNAME at a key record name: a target that carries the zone
/// twice, or whose token differs from the owner's (`expected_target` when
/// the right target is known, e.g. from `--token`).
pub fn check_cname_target(
    owner: &str,
    target: &str,
    apex: &str,
    expected_target: Option<&str>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    // The zone appended to a target that was already fully qualified:
    // `x.dkim.amazonses.com.example.com`, or `x.example.com.example.com`.
    let appended = target
        .strip_suffix(apex)
        .and_then(|rest| rest.strip_suffix('.'))
        .filter(|_| !apex.is_empty())
        .filter(|prefix| {
            let doubled = crate::dns::name::is_within(prefix, apex);
            let foreign = expected_target == Some(*prefix)
                || (psl::suffix(prefix.as_bytes()).is_some_and(|s| s.is_known())
                    && psl::domain(prefix.as_bytes()).is_some());
            doubled || foreign
        });
    if let Some(fixed) = appended {
        findings.push(
            Finding::new(
                Code::DuplicatedSuffix,
                owner,
                format!(
                    "the CNAME target {target} has {apex} appended to the full name {fixed} (the DNS form added the zone)"
                ),
            )
            .with_fix(zone_line(owner, RecordData::Cname(fixed))),
        );
        return findings;
    }
    let expected = expected_target.map(str::to_string);
    let mismatch = match &expected {
        Some(e) => e != target,
        None => {
            let token = first_label(owner);
            // Both sides carry a provider token (a long first label); a
            // long selector aliased to `dkim.provider.example` is not one.
            let target_token = first_label(target);
            token.len() >= 16
                && target_token.len() >= 16
                && target.contains("dkim")
                && target_token != token
        }
    };
    if mismatch {
        let fix = match &expected {
            Some(e) => zone_line(owner, RecordData::Cname(e)),
            None => {
                let rest = target.split_once('.').map_or("", |(_, r)| r);
                zone_line(
                    owner,
                    RecordData::Cname(&format!("{}.{rest}", first_label(owner))),
                )
            }
        };
        findings.push(
            Finding::new(
                Code::CnameTargetMismatch,
                owner,
                format!(
                    "the CNAME points to {target}, whose token differs from the owner's token {}",
                    first_label(owner)
                ),
            )
            .with_fix(fix),
        );
    }
    findings
}

/// A verified sending identity: a domain, a subdomain or an address, with
/// whether DKIM signing is on for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// `example.com`, `sub.example.com` or `alice@example.com`, lowercase.
    pub name: String,
    /// Whether DKIM signing is enabled for it.
    pub dkim: bool,
}

/// The identity that governs mail from `from`: the address itself if it
/// is verified, else the most specific verified domain it is in.
pub fn governing_identity<'a>(from: &str, identities: &'a [Identity]) -> Option<&'a Identity> {
    let from = from.trim().to_ascii_lowercase();
    if let Some(exact) = identities.iter().find(|i| i.name == from) {
        return Some(exact);
    }
    let domain = from.rsplit_once('@').map_or(from.as_str(), |(_, d)| d);
    identities
        .iter()
        .filter(|i| !i.name.contains('@'))
        .filter(|i| crate::dns::name::is_within(domain, &i.name))
        .max_by_key(|i| i.name.len())
}

/// `identity-override` when the identity that governs `from` is not
/// `domain` (the one being diagnosed), so `domain`'s DKIM setting does not
/// apply to that sender; or when no identity covers `from` at all.
pub fn check_identity(from: &str, domain: &str, identities: &[Identity]) -> Vec<Finding> {
    let subject = from.trim().to_ascii_lowercase();
    match governing_identity(&subject, identities) {
        None => vec![
            Finding::new(
                Code::IdentityOverride,
                &subject,
                format!("no verified identity covers {subject}, so nothing signs its mail"),
            )
            .with_fix(format!(
                "verify {domain} (with DKIM on) or the address itself"
            )),
        ],
        Some(identity) if identity.name == domain => {
            if identity.dkim {
                Vec::new()
            } else {
                vec![
                    Finding::new(
                        Code::IdentityOverride,
                        &subject,
                        format!("{domain} governs {subject}, but DKIM signing is off for it"),
                    )
                    .with_severity(Severity::Error)
                    .with_fix(format!("enable DKIM signing for the identity {domain}")),
                ]
            }
        }
        Some(identity) => {
            let (severity, consequence) = if identity.dkim {
                (
                    Severity::Warning,
                    "its own DKIM setting and keys apply, not those of",
                )
            } else {
                (
                    Severity::Error,
                    "DKIM is off for it, so mail from this sender is not signed, whatever is set for",
                )
            };
            vec![
                Finding::new(
                    Code::IdentityOverride,
                    &subject,
                    format!(
                        "{subject} is governed by the more specific verified identity {}: {consequence} {domain}",
                        identity.name
                    ),
                ).with_severity(severity)
                .with_fix(format!(
                    "enable DKIM for the identity {}, or delete that identity so {domain} governs {subject}",
                    identity.name
                )),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    fn codes(text: &str) -> Vec<&'static str> {
        let record = vec![text.as_bytes().to_vec()];
        check_key_records("s._domainkey.example.com", &[record])
            .0
            .iter()
            .map(|f| f.code.as_str())
            .collect()
    }

    #[test]
    fn key_records() {
        for (text, expected) in [
            (format!("v=DKIM1; k=ed25519; p={ED}"), vec![]),
            (
                format!("v=DKIM1; k=ed25519; t=y; p={ED}"),
                vec!["key-testing"],
            ),
            ("v=DKIM1; p=".to_string(), vec!["key-revoked"]),
            ("v=DKIM2; p=AAAA".to_string(), vec!["key-version"]),
            (
                "v=DKIM1; k=dsa; p=AAAA".to_string(),
                vec!["key-unknown-algorithm"],
            ),
            ("v=DKIM1; k=rsa".to_string(), vec!["key-syntax"]),
            (
                "v=DKIM1; k=rsa; p=-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----"
                    .to_string(),
                vec!["key-pem-armor"],
            ),
        ] {
            assert_eq!(codes(&text), expected, "{text}");
        }
        let two = vec![
            vec![format!("v=DKIM1; k=ed25519; p={ED}").into_bytes()],
            vec![format!("v=DKIM1; k=ed25519; p={ED}").into_bytes()],
        ];
        let (findings, summary) = check_key_records("n", &two);
        assert_eq!(findings[0].code, Code::KeyMultipleRecords);
        assert_eq!(summary.unwrap().to_string(), "Ed25519");
        let long = vec![vec![vec![b'a'; 300]]];
        assert!(
            check_key_records("n", &long)
                .0
                .iter()
                .any(|f| f.code == Code::TxtStringTooLong)
        );
    }

    #[test]
    fn key_records_outside_domainkey() {
        assert!(is_key_record(&format!("v=DKIM1; k=ed25519; p={ED}")));
        assert!(is_key_record(&format!("k=rsa; p={ED}{ED}")));
        assert!(!is_key_record(
            "v=DMARC1; p=reject; rua=mailto:d@example.com"
        ));
        assert!(!is_key_record("v=spf1 include:_spf.example.com -all"));
        // Found by the zone_lint fuzz target: a multi-byte character
        // across the 7-byte prefix must not panic.
        assert!(!is_key_record("v=\u{fffd}\u{fffd}1; p="));
    }

    #[test]
    fn armour_is_stripped_in_the_fix() {
        let text =
            "v=DKIM1; k=rsa; p=-----BEGIN PUBLIC KEY-----\nMIIB\nIjAN\n-----END PUBLIC KEY-----";
        let (findings, _) = check_key_text("s._domainkey.example.com", text);
        assert_eq!(
            findings[0].fix.as_deref(),
            Some("s._domainkey.example.com. 3600 IN TXT \"v=DKIM1; k=rsa; p=MIIBIjAN\"")
        );
    }

    #[test]
    fn tags_of_records_that_do_not_parse() {
        // A spec without `=`, an empty spec, a bad value and a duplicate:
        // the tag list does not parse, and the tags are still found.
        let text = "v=DKIM1;; junk ; p= MII\nB ; t=y; t=s";
        assert_eq!(raw_tag(text, "p"), Some(" MII\nB "));
        assert_eq!(raw_tag(text, "t"), Some("y"));
        assert_eq!(raw_tag(text, "junk"), None);
        assert_eq!(raw_tag(text, "k"), None);
        for (tag, value, fixed) in [
            ("p", Some("MIIB"), "v=DKIM1; junk; p=MIIB; t=y; t=s"),
            ("t", Some("s"), "v=DKIM1; junk; p= MII\nB; t=s; t=s"),
            (
                "k",
                Some("rsa"),
                "v=DKIM1; junk; p= MII\nB; t=y; t=s; k=rsa",
            ),
            ("t", None, "v=DKIM1; junk; p= MII\nB"),
            ("junk", None, "v=DKIM1; p= MII\nB; t=y; t=s"),
        ] {
            assert_eq!(
                tag_list::with_tag(text, tag, value),
                fixed,
                "{tag} {value:?}"
            );
        }
    }

    #[test]
    fn cname_targets() {
        let owner = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa._domainkey.example.com";
        let doubled = check_cname_target(
            owner,
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dkim.amazonses.com.example.com.example.com",
            "example.com",
            None,
        );
        assert_eq!(doubled[0].code, Code::DuplicatedSuffix);
        let appended = check_cname_target(
            owner,
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dkim.amazonses.com.example.com",
            "example.com",
            None,
        );
        assert_eq!(appended[0].code, Code::DuplicatedSuffix);
        assert_eq!(
            appended[0].fix.as_deref(),
            Some(
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa._domainkey.example.com. 3600 IN CNAME aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dkim.amazonses.com."
            )
        );
        // A target inside the zone is fine.
        assert!(
            check_cname_target(
                "s1._domainkey.example.com",
                "s1.dkim.example.com",
                "example.com",
                None
            )
            .is_empty()
        );
        let other = check_cname_target(
            owner,
            "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.dkim.amazonses.com",
            "example.com",
            None,
        );
        assert_eq!(other[0].code, Code::CnameTargetMismatch);
        assert_eq!(
            other[0].fix.as_deref(),
            Some(
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa._domainkey.example.com. 3600 IN CNAME aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dkim.amazonses.com."
            )
        );
        assert!(
            check_cname_target(
                owner,
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dkim.amazonses.com",
                "example.com",
                None
            )
            .is_empty()
        );
    }

    #[test]
    fn identities() {
        let ids = |list: &[(&str, bool)]| -> Vec<Identity> {
            list.iter()
                .map(|(n, d)| Identity {
                    name: n.to_string(),
                    dkim: *d,
                })
                .collect()
        };
        let set = ids(&[
            ("example.com", true),
            ("sub.example.com", false),
            ("alice@example.com", true),
        ]);
        for (from, governing) in [
            ("bob@example.com", Some("example.com")),
            ("Alice@example.com", Some("alice@example.com")),
            ("carol@a.sub.example.com", Some("sub.example.com")),
            ("dave@example.net", None),
        ] {
            assert_eq!(
                governing_identity(from, &set).map(|i| i.name.as_str()),
                governing,
                "{from}"
            );
        }
        assert!(check_identity("bob@example.com", "example.com", &set).is_empty());
        let sub = check_identity("carol@sub.example.com", "example.com", &set);
        assert_eq!(
            (sub[0].code, sub[0].severity),
            (Code::IdentityOverride, Severity::Error)
        );
        let alice = check_identity("alice@example.com", "example.com", &set);
        assert_eq!(alice[0].severity, Severity::Warning);
    }

    #[test]
    fn wrong_places() {
        let names: Vec<String> = misplaced_names("s1", "sub.example.com", "example.com")
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(
            names,
            [
                "s1._domainkey.sub.example.com.example.com",
                "s1.domainkey.sub.example.com",
                "s1-domainkey.sub.example.com",
                "s1_domainkey.sub.example.com",
                "s1.sub.example.com"
            ]
        );
    }
}
