//! `lint --expect FILE.csv`: the record set `dkimctl records --csv` wrote
//! (`Type,Name,Value` rows, absolute names) must be in the linted files
//! with the same values. A missing record is reported at its CSV row; a
//! different value at the record in the zone file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;

use super::{LintFinding, key_name, rdata_span, txt_strings};
use crate::diagnosis::checks::{self, zone_line};
use crate::diagnosis::finding::{Code, Finding, Severity};
use crate::zone::text::RecordData;
use crate::zone::{RData, Span, ZoneRecord};

/// One record the CSV says must be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// `CNAME` or `TXT`.
    pub record_type: ExpectedType,
    /// The owner, lowercase, without the trailing dot.
    pub name: String,
    /// The CNAME target (lowercase, no trailing dot) or the TXT text.
    pub value: String,
    /// The CSV row.
    pub span: Span,
}

/// The record types a record set CSV holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedType {
    /// An alias to a provider-hosted key.
    Cname,
    /// A key record or a verification token.
    Txt,
}

/// The rows of an `--expect` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expectations {
    /// In file order.
    pub records: Vec<Expected>,
}

/// Why an `--expect` file cannot be used.
#[derive(Debug, Error)]
pub enum ExpectError {
    /// The file could not be read.
    #[error("{}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause (in the message, so not also a `source`).
        error: std::io::Error,
    },
    /// A row is not `Type,Name,Value` with a CNAME or TXT type.
    #[error("{}:{line}: {reason}", path.display())]
    Row {
        /// The file.
        path: PathBuf,
        /// The line of the row.
        line: u64,
        /// What is wrong.
        reason: String,
    },
}

impl Expectations {
    /// Reads a record set CSV file.
    pub fn read(path: &Path) -> Result<Expectations, ExpectError> {
        let text = std::fs::read(path).map_err(|error| ExpectError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Expectations::parse(&text, path)
    }

    /// Parses record set CSV text read from `path` (which names it in spans).
    pub fn parse(text: &[u8], path: &Path) -> Result<Expectations, ExpectError> {
        let row_error = |line: u64, reason: String| ExpectError::Row {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let file: Arc<Path> = Arc::from(path);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut records = Vec::new();
        let mut header_seen = false;
        for row in reader.records() {
            let row = row.map_err(|e| {
                let line = e.position().map_or(0, csv::Position::line);
                row_error(line, format!("not CSV: {e}"))
            })?;
            // csv's own line count is one off in CRLF files.
            let line = row.position().map_or(0, |p| line_of(text, p.byte()));
            if row.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let fields: Vec<&str> = row.iter().map(str::trim).collect();
            if !header_seen {
                header_seen = true;
                let header: Vec<String> = fields.iter().map(|f| f.to_ascii_lowercase()).collect();
                if header == ["type", "name", "value"] {
                    continue;
                }
                return Err(row_error(
                    line,
                    "expected the header `Type,Name,Value` (the CSV `dkimctl records --csv` writes)"
                        .into(),
                ));
            }
            let [kind, name, value] = fields[..] else {
                return Err(row_error(
                    line,
                    format!(
                        "expected 3 fields (Type,Name,Value), found {}",
                        fields.len()
                    ),
                ));
            };
            let record_type = match kind.to_ascii_uppercase().as_str() {
                "CNAME" => ExpectedType::Cname,
                "TXT" => ExpectedType::Txt,
                other => {
                    return Err(row_error(
                        line,
                        format!("type `{other}`: a DKIM record set has only CNAME and TXT rows"),
                    ));
                }
            };
            if name.is_empty() || !name.contains('.') {
                return Err(row_error(
                    line,
                    format!(
                        "name `{name}` is not a fully qualified name (write the CSV without --relative)"
                    ),
                ));
            }
            let value = match record_type {
                ExpectedType::Cname => key_name(value).into_owned(),
                ExpectedType::Txt => value.to_string(),
            };
            records.push(Expected {
                record_type,
                name: key_name(name).into_owned(),
                value,
                span: Span {
                    file: file.clone(),
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                    column: 1,
                },
            });
        }
        Ok(Expectations { records })
    }
}

/// The 1-based line of the record that starts at byte `at` (the csv crate
/// may place the start on the line break before it).
fn line_of(text: &[u8], at: u64) -> u64 {
    let mut at = usize::try_from(at).unwrap_or(usize::MAX).min(text.len());
    while text.get(at).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
        at += 1;
    }
    text[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// Whether a TXT name holds a domain-verification token.
fn is_verification(expected: &Expected) -> bool {
    expected.name.starts_with("_amazonses.") || expected.value.starts_with("amazonses:")
}

/// Two key records hold the same key: the same text apart from spaces, or
/// the same `k=` and `p=`.
fn same_key(published: &str, expected: &str) -> bool {
    let squeeze = |t: &str| -> String { t.chars().filter(|c| !c.is_whitespace()).collect() };
    if squeeze(published) == squeeze(expected) {
        return true;
    }
    let tags = |t: &str| -> Option<(String, String)> {
        let list = crate::dkim::tag_list::TagList::parse(t.as_bytes()).ok()?;
        let p = squeeze(list.get("p")?);
        let k = list
            .get("k")
            .map_or("rsa".to_string(), |k| k.trim().to_ascii_lowercase());
        Some((k, p))
    };
    tags(published).is_some_and(|a| tags(expected) == Some(a))
}

/// Checks every expected record against `found`: the records at the
/// expected names, from every linted file.
pub(super) fn check(expect: &Expectations, found: &[ZoneRecord]) -> Vec<LintFinding> {
    let mut found_at: HashMap<String, Vec<&ZoneRecord>> = HashMap::new();
    for record in found {
        let owner = key_name(&record.owner.resolved).into_owned();
        found_at.entry(owner).or_default().push(record);
    }
    let found = found_at;
    let mut findings = Vec::new();
    for expected in &expect.records {
        let at = found.get(&expected.name).map_or(&[][..], Vec::as_slice);
        let (finding, span, width) = match expected.record_type {
            ExpectedType::Cname => match check_cname(expected, at) {
                Some(found) => found,
                None => continue,
            },
            ExpectedType::Txt => match check_txt(expected, at) {
                Some(found) => found,
                None => continue,
            },
        };
        findings.push(LintFinding::at(finding, span, width));
    }
    findings
}

type Located<'a> = (Finding, &'a Span, usize);

fn what_is_there(at: &[&ZoneRecord]) -> String {
    if at.is_empty() {
        return "nothing is there".into();
    }
    let types: Vec<String> = at
        .iter()
        .map(|r| format!("{} (line {})", r.record_type, r.span.line))
        .collect();
    format!("it holds {}", types.join(", "))
}

fn check_cname<'a>(expected: &'a Expected, at: &[&'a ZoneRecord]) -> Option<Located<'a>> {
    let name = &expected.name;
    let fix = zone_line(name, RecordData::Cname(&expected.value));
    // Each CNAME's target as written, and as compared.
    let targets: Vec<(&crate::zone::Name, String)> = at
        .iter()
        .filter_map(|r| match &r.rdata {
            RData::Cname { target } => Some((target, key_name(&target.resolved).into_owned())),
            _ => None,
        })
        .collect();
    if targets.iter().any(|(_, t)| *t == expected.value) {
        return None;
    }
    if let Some((written, target)) = targets.first() {
        let finding = Finding::new(
            Code::CnameTargetMismatch,
            Severity::Error,
            name,
            format!(
                "the CNAME points to {target}; the record set (row {}) says {}",
                expected.span.line, expected.value
            ),
        )
        .with_fix(fix);
        return Some((finding, &written.span, written.written.chars().count()));
    }
    let finding = Finding::new(
        Code::RecordMissing,
        Severity::Error,
        name,
        format!(
            "the record set expects {name} CNAME {}; {}",
            expected.value,
            what_is_there(at)
        ),
    )
    .with_fix(fix);
    Some((finding, &expected.span, 1))
}

fn check_txt<'a>(expected: &'a Expected, at: &[&'a ZoneRecord]) -> Option<Located<'a>> {
    let name = &expected.name;
    let txts: Vec<(&ZoneRecord, String)> = at
        .iter()
        .filter_map(|r| txt_strings(r).map(|s| (*r, checks::join(&s))))
        .collect();
    let verification = is_verification(expected);
    let key = name.contains("._domainkey.") || name.starts_with("_domainkey.");
    let matches = |text: &str| {
        if key {
            same_key(text, &expected.value)
        } else {
            text.trim() == expected.value.trim()
        }
    };
    if txts.iter().any(|(_, t)| matches(t)) {
        return None;
    }
    let fix = zone_line(name, RecordData::Txt(&expected.value));
    let row = expected.span.line;
    // At the apex the verification TXT sits among SPF and others: only an
    // `amazonses:` one can be the wrong token.
    let apex_form = expected.value.starts_with("amazonses:");
    let differing = txts
        .iter()
        .find(|(_, t)| !apex_form || t.starts_with("amazonses:"));
    match (verification, key, differing) {
        (true, _, Some((record, text))) => {
            let finding = Finding::new(
                Code::VerificationMissing,
                Severity::Error,
                name,
                format!(
                    "the verification TXT holds `{text}`; the record set (row {row}) says `{}`",
                    expected.value
                ),
            )
            .with_fix(fix);
            Some((finding, rdata_span(record), 1))
        }
        (true, _, _) => {
            let finding = Finding::new(
                Code::VerificationMissing,
                Severity::Error,
                name,
                format!(
                    "the record set (row {row}) expects the verification TXT `{}` at {name}; {}",
                    expected.value,
                    what_is_there(at)
                ),
            )
            .with_fix(fix);
            Some((finding, &expected.span, 1))
        }
        (false, true, Some((record, _))) => {
            let finding = Finding::new(
                Code::KeyMismatch,
                Severity::Error,
                name,
                format!(
                    "the key record differs from the one the record set (row {row}) says to publish"
                ),
            )
            .with_fix(fix);
            Some((finding, rdata_span(record), 1))
        }
        _ => {
            let finding = Finding::new(
                Code::RecordMissing,
                Severity::Error,
                name,
                format!(
                    "the record set (row {row}) expects a TXT record at {name}; {}",
                    what_is_there(at)
                ),
            )
            .with_fix(fix);
            Some((finding, &expected.span, 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_errors() {
        let path = Path::new("set.csv");
        let ok = Expectations::parse(
            b"Type,Name,Value\nCNAME,A._domainkey.example.com.,a.dkim.amazonses.com.\n\nTXT,_amazonses.example.com,tok\n",
            path,
        )
        .unwrap();
        assert_eq!(ok.records.len(), 2);
        assert_eq!(ok.records[0].name, "a._domainkey.example.com");
        assert_eq!(ok.records[0].value, "a.dkim.amazonses.com");
        assert_eq!(ok.records[1].span.line, 4);
        let crlf =
            Expectations::parse(b"Type,Name,Value\r\nTXT,a.b,1\r\nTXT,c.d,2\r\n", path).unwrap();
        let lines: Vec<u32> = crlf.records.iter().map(|r| r.span.line).collect();
        assert_eq!(lines, [2, 3]);
        for (text, error) in [
            (&b"Name,Value\n"[..], "set.csv:1: expected the header"),
            (
                b"Type,Name,Value\nMX,example.com,mx\n",
                "set.csv:2: type `MX`",
            ),
            (
                b"Type,Name,Value\nTXT,_amazonses,x\n",
                "set.csv:2: name `_amazonses`",
            ),
            (
                b"Type,Name,Value\nTXT,a.b\n",
                "set.csv:2: expected 3 fields",
            ),
        ] {
            let e = Expectations::parse(text, path).unwrap_err().to_string();
            assert!(e.starts_with(error), "{e}");
        }
    }

    #[test]
    fn keys_compare_by_key_not_spacing() {
        assert!(same_key("v=DKIM1;k=rsa;p=AB CD", "v=DKIM1; k=rsa; p=ABCD"));
        assert!(same_key("k=rsa; v=DKIM1; p=ABCD", "v=DKIM1; p=ABCD"));
        assert!(!same_key("v=DKIM1; p=ABCE", "v=DKIM1; p=ABCD"));
        assert!(!same_key("v=DKIM1; k=ed25519; p=ABCD", "v=DKIM1; p=ABCD"));
    }
}
